// tests/core/int128_test.cpp: lowp's portable 128-bit integers (core/int128.hpp), built in this
// test executable with LOWP_NO_INT128. Where the compiler also has __int128 (64-bit GCC/clang),
// every operator is compared with it on operands of every width; everywhere, the identities that
// define the operators (q·b + r = a, |r| < |b|, shifts as multiplications by 2^s) and a few known
// values are checked, so the test means something on 32-bit targets too.
#include <lowp/core/int128.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <vector>

#if LOWP_HAVE_BUILTIN_INT128
#error "this test runs the portable type: build it with -DLOWP_NO_INT128"
#endif

namespace {

using lowp::int128;
using lowp::uint128;

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Operands of every bit width 0..128 and both signs, plus the edge values.
std::vector<uint128> operands() {
  std::vector<uint128> v;
  std::uint64_t s = 42;
  for (int w = 0; w <= 128; ++w) {
    for (int k = 0; k < 6; ++k) {
      uint128 x = uint128::from_words(splitmix(s), splitmix(s));
      x = w == 0 ? uint128(0) : (w == 128 ? x : x & ((uint128(1) << w) - 1));
      if (w > 0) x |= uint128(1) << (w - 1);
      v.push_back(x);
      v.push_back(uint128(0) - x);
    }
  }
  for (std::uint64_t hi : {0ull, 1ull, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull})
    for (std::uint64_t lo : {0ull, 1ull, 0xffffffffull, 0x8000000000000000ull, ~0ull})
      v.push_back(uint128::from_words(hi, lo));
  return v;
}

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 bu128;
__extension__ typedef __int128 bi128;
bu128 b(uint128 x) { return (bu128(x.words().hi) << 64) | x.words().lo; }
bu128 b(int128 x) { return (bu128(x.words().hi) << 64) | x.words().lo; }
#endif

}  // namespace

TEST_CASE("int128: known values and the division identity, on any target", "[int128]") {
  const uint128 two64 = uint128(1) << 64;
  CHECK((two64 >> 64) == 1);
  CHECK(std::uint64_t(two64 - 1) == ~0ull);
  CHECK(uint128(~0ull) * ~0ull == uint128::from_words(0xfffffffffffffffeull, 1));  // (2^64−1)² = 2^128 − 2^65 + 1
  CHECK(int128(-1) * int128(-1) == 1);
  CHECK((int128(-8) >> 1) == -4);  // arithmetic shift, as GCC and clang
  CHECK((int128(-7) / 2) == -3);   // truncating division
  CHECK((int128(-7) % 2) == -1);   // remainder has the dividend's sign
  CHECK(int128(-1) < 0);
  CHECK(uint128(int128(-1)) > uint128(~0ull));  // the same bits, read unsigned
  CHECK(std::int64_t(int128(-5)) == -5);
  CHECK(double(uint128(1) << 100) == 0x1p100);
  CHECK(double(-(int128(1) << 127)) == -0x1p127);                       // the lowest value's magnitude
  CHECK(double(uint128::from_words(1, 0x800)) == 0x1p64);               // 2^64 + ulp/2: a tie, to even
  CHECK(double(uint128::from_words(1, 0x801)) == 0x1p64 + 0x1p12);      // just above the tie
  CHECK(double(uint128::from_words(1, 0x1800)) == 0x1p64 + 0x1p13);     // a tie from an odd unit: up
  CHECK(float(~uint128(0)) == std::numeric_limits<float>::infinity());  // rounds past FLT_MAX
  CHECK(int128(-0x1p100) == -(int128(1) << 100));
  CHECK(int128(-2.75) == -2);  // toward zero
  CHECK(uint128(0x1.fffffffffffffp127) == uint128::from_words(0xfffffffffffff800ull, 0));
  static_assert((uint128(1) << 127) / (uint128(1) << 63) == uint128(1) << 64, "constexpr");

  const auto v = operands();
  for (const uint128 a : v)
    for (std::size_t j = 0; j < v.size(); j += 7) {
      const uint128 d = v[j];
      if (d == 0) continue;
      const uint128 q = a / d, r = a % d;
      REQUIRE(q * d + r == a);
      REQUIRE(r < d);
      const int128 sa(a), sd(d);
      if (sd == -1 && sa == -(int128(1) << 127)) continue;  // overflows, as built in
      const int128 sq = sa / sd, sr = sa % sd;
      REQUIRE(sq * sd + sr == sa);
      REQUIRE(uint128(sr < 0 ? -sr : sr) < (sd < 0 ? uint128(0) - uint128(sd) : uint128(sd)));
      REQUIRE((sr == 0 || (sr < 0) == (sa < 0)));
    }
  for (const uint128 a : v)
    for (int s = 0; s < 128; ++s) {
      REQUIRE((a << s) == a * (uint128(1) << s));
      REQUIRE(((a >> s) << s) + (a & ((uint128(1) << s) - 1)) == a);
    }
}

#if defined(__SIZEOF_INT128__)
TEST_CASE("int128: every operator as the compiler's __int128", "[int128]") {
  const auto v = operands();
  for (const uint128 a : v) {
    const int128 sa(a);
    REQUIRE(b(-a) == bu128(-b(a)));
    REQUIRE(b(~a) == bu128(~b(a)));
    REQUIRE(double(a) == double(b(a)));
    REQUIRE(double(sa) == double(bi128(b(a))));
    REQUIRE(float(a) == float(b(a)));
    const double d = double(sa);
    if (d > -0x1p127 && d < 0x1p127) REQUIRE(b(int128(d)) == bu128(bi128(d)));
    for (int s = 0; s < 128; ++s) {
      REQUIRE(b(a << s) == bu128(b(a) << s));
      REQUIRE(b(a >> s) == bu128(b(a) >> s));
      REQUIRE(b(sa >> s) == bu128(bi128(b(a)) >> s));
    }
    for (const uint128 c : v) {
      const int128 sc(c);
      REQUIRE(b(a + c) == bu128(b(a) + b(c)));
      REQUIRE(b(a - c) == bu128(b(a) - b(c)));
      REQUIRE(b(a * c) == bu128(b(a) * b(c)));
      REQUIRE(b(sa * sc) == bu128(b(a) * b(c)));  // the low 128 bits of the signed product (no signed overflow: UB)
      REQUIRE(b(a & c) == bu128(b(a) & b(c)));
      REQUIRE(b(a | c) == bu128(b(a) | b(c)));
      REQUIRE(b(a ^ c) == bu128(b(a) ^ b(c)));
      REQUIRE((a < c) == (b(a) < b(c)));
      REQUIRE((sa < sc) == (bi128(b(a)) < bi128(b(c))));
      REQUIRE((a == c) == (b(a) == b(c)));
      if (c != 0) {
        REQUIRE(b(a / c) == bu128(b(a) / b(c)));
        REQUIRE(b(a % c) == bu128(b(a) % b(c)));
        if (!(sc == -1 && sa == -(int128(1) << 127))) {
          REQUIRE(b(sa / sc) == bu128(bi128(b(a)) / bi128(b(c))));
          REQUIRE(b(sa % sc) == bu128(bi128(b(a)) % bi128(b(c))));
        }
      }
    }
  }
}
#endif
