// tests/pack/packed_test.cpp: packed layouts against bytes worked out by hand, pack → unpack is the
// identity for every sub-byte format and length, and the fused float ↔ packed conversion.
#include <lowp/lowp.hpp>

#include <catch2/catch.hpp>
#include <random>
#include <vector>

using namespace lowp;

namespace {
template <class T>
std::vector<T> codes_of(std::initializer_list<unsigned> c) {
  std::vector<T> v;
  for (unsigned x : c) v.push_back(T::from_bits(typename T::storage_type(x)));
  return v;
}
template <class T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& v) {
  const packed_vector<T> p{std::span<const T>(v)};
  return std::vector<std::uint8_t>(p.data(), p.data() + p.bytes());
}
}  // namespace

TEST_CASE("packed layouts match the documented byte order", "[pack]") {
  using B = std::vector<std::uint8_t>;
  // 4-bit: element 2i in the low nibble, 2i+1 in the high (ONNX)
  CHECK(bytes_of(codes_of<float4_e2m1fn>({1, 2, 3, 4, 5})) == B{0x21, 0x43, 0x05});
  CHECK(bytes_of(codes_of<int4>({0xF, 0x8})) == B{0x8F});
  // nine codes: eight through the whole-word loop, the last through the byte tail
  CHECK(bytes_of(codes_of<uint4>({1, 2, 3, 4, 5, 6, 7, 8, 9})) == B{0x21, 0x43, 0x65, 0x87, 0x09});
  CHECK(bytes_of(codes_of<int4>({0xF, 0x0, 0x8, 0x7, 0x1, 0xE, 0xA, 0x5})) == B{0x0F, 0x78, 0xE1, 0x5A});
  // 2-bit: element 4i + k at bits 2k
  CHECK(bytes_of(codes_of<uint2>({1, 2, 3, 0, 3})) == B{0x39, 0x03});
  // 1-bit: element 8i + k at bit k
  CHECK(bytes_of(codes_of<binary>({1, 0, 1, 1, 0, 0, 0, 1, 1})) == B{0x8D, 0x01});
  // 6-bit: 4 codes in 3 bytes, LSB first: 0x3F | 0x01 << 6 | 0x20 << 12 | 0x15 << 18 = 0x56007F
  CHECK(bytes_of(codes_of<float6_e2m3fn>({0x3F, 0x01, 0x20, 0x15})) == B{0x7F, 0x00, 0x56});
  CHECK(bytes_of(codes_of<float6_e3m2fn>({0x3F, 0x01, 0x20, 0x15, 0x2A})) == B{0x7F, 0x00, 0x56, 0x2A});
  // trits, TQ1_0: codes 2,1,0,2,1 → q = 196 → ⌈196 · 256 / 243⌉ = 207
  CHECK(bytes_of(codes_of<trit>({2, 1, 0, 2, 1})) == B{207});
  CHECK(bytes_of(codes_of<trit>({2, 2, 2, 2, 2, 1})) == B{255, (1 * 81 * 256 + 242) / 243});
  // 3-bit (a generic width): the bit stream 101 011 111 → bits 0b111'011'101 = 0x1DD
  CHECK(bytes_of(codes_of<intn<3>>({5, 3, 7})) == B{0xDD, 0x01});
}

TEST_CASE("every group of five trits survives the base-3 byte", "[pack]") {
  for (unsigned q = 0; q < 243; ++q) {
    std::uint8_t c[5] = {std::uint8_t(q / 81), std::uint8_t(q / 27 % 3), std::uint8_t(q / 9 % 3),
                         std::uint8_t(q / 3 % 3), std::uint8_t(q % 3)};
    const std::uint8_t b = detail::trit_byte(c);
    for (int n = 0; n < 5; ++n) REQUIRE(detail::trit_code(b, n) == c[n]);
  }
}

TEMPLATE_TEST_CASE("pack then unpack is the identity for every length 0..129", "[pack]", float4_e2m1fn, int4, uint4,
                   int2, uint2, binary, float6_e2m3fn, float6_e3m2fn, trit, (intn<3, true>),
                   (minifloat<2, 2, encoding::fn>), (intn<7, false>), (intn<1, true>)) {
  using T = TestType;
  std::mt19937 rng(3);
  const unsigned ncodes = std::is_same_v<T, trit> ? 3u : (1u << T::bit_width);
  for (std::size_t n = 0; n <= 129; ++n) {
    std::vector<T> v(n);
    for (auto& x : v) x = T::from_bits(typename T::storage_type(rng() % ncodes));
    packed_vector<T> p{std::span<const T>(v)};
    REQUIRE(p.size() == n);
    REQUIRE(p.bytes() == packing<T>::bytes_for(n));
    std::vector<T> back(n);
    p.unpack(std::span<T>(back));
    for (std::size_t i = 0; i < n; ++i) {
      REQUIRE(back[i].bits() == v[i].bits());
      REQUIRE(p[i].bits() == v[i].bits());
    }
    // set() changes one element and no other
    if (n > 2) {
      const T nv = T::from_bits(typename T::storage_type((v[1].bits() + 1) % ncodes));
      p.set(1, nv);
      REQUIRE(p[1].bits() == nv.bits());
      REQUIRE(p[0].bits() == v[0].bits());
      REQUIRE(p[2].bits() == v[2].bits());
    }
  }
}

TEMPLATE_TEST_CASE("fused float → packed and back equals convert then pack", "[pack]", float4_e2m1fn, float6_e2m3fn,
                   float6_e3m2fn, int4, int2, trit, binary) {
  using T = TestType;
  std::mt19937 rng(4);
  std::normal_distribution<float> d(0.f, 3.f);
  std::vector<float> x(2537);  // several 1000-element blocks and a ragged end
  for (auto& v : x) v = d(rng);
  const rounding::stochastic r{77, 5};
  const packed_vector<T> p = lowp::pack<T>(std::span<const float>(x), r, overflow::saturate{});
  std::vector<T> ref(x.size());
  convert(std::span<const float>(x), std::span<T>(ref), r, overflow::saturate{});
  const packed_vector<T> q{std::span<const T>(ref)};
  REQUIRE(std::vector<std::uint8_t>(p.data(), p.data() + p.bytes()) ==
          std::vector<std::uint8_t>(q.data(), q.data() + q.bytes()));
  std::vector<float> back(x.size());
  lowp::unpack(p, std::span<float>(back));
  for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(back[i] == float(ref[i]));
  std::vector<float> wrong(3);
  CHECK_THROWS_AS(lowp::unpack(p, std::span<float>(wrong)), lowp::error);
}

TEST_CASE("packed_matrix_view: rows start on byte boundaries", "[pack]") {
  // 3 rows of 5 int4 codes: 3 bytes a row
  std::vector<std::uint8_t> bytes = {0x21, 0x43, 0x05, 0x87, 0x09, 0x0A, 0x00, 0x00, 0x0F};
  const packed_matrix_view<uint4> m(bytes.data(), 3, 5);
  CHECK(m.row_bytes() == 3);
  CHECK(int(m(0, 0).value()) == 1);
  CHECK(int(m(0, 4).value()) == 5);
  CHECK(int(m(1, 0).value()) == 7);
  CHECK(int(m(1, 1).value()) == 8);
  CHECK(int(m(1, 2).value()) == 9);
  CHECK(int(m(1, 4).value()) == 10);
  CHECK(int(m(2, 4).value()) == 15);
  CHECK_THROWS_AS(packed_vector<int4>(5, std::vector<std::uint8_t>(2)), lowp::error);
}

TEST_CASE("packed_vector::at checks the index; operator[] asserts it", "[pack]") {
  // before: p[100] of a 5-element vector read past the bytes (ASan heap-buffer-overflow)
  lowp::packed_vector<lowp::int4> p(5);
  p.set(4, lowp::int4(-3));
  CHECK(p.at(4).value() == -3);
  CHECK_THROWS_WITH(p.at(100), Catch::Contains("index 100") && Catch::Contains("5 elements"));
  CHECK_THROWS_AS(p.at(5), lowp::error);
  lowp::packed_vector<lowp::trit> t(7);
  CHECK_THROWS_WITH(t.at(7), Catch::Contains("index 7"));
}
