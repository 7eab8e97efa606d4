// tests/simd/convert_simd_test.cpp: every SIMD path this binary's flags allow, against the scalar
// reference, bit for bit: every code, the neighbourhood of every rounding boundary, random float
// bit patterns, every length 0..129 at misaligned starts, every rounding mode and overflow tag.
// Built three times (default flags: SSE2; x86-64-v3: SSE4.2 and AVX2; x86-64-v4: AVX-512BW); CTest
// runs a build only where the CPU has its instructions (tests/CMakeLists.txt).
#include <lowp/lowp.hpp>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../support/typelists.hpp"

namespace {

// Each build tests the xsimd ISAs its flags add (the lower ones are tested by the lower builds); the
// default-flags build also tests the run-time paths (simd/x86.hpp), each only where the CPU runs it.
#if defined(__AVX512BW__)
using archs = support::list<xsimd::avx512bw>;
#elif defined(__AVX2__)
using archs = support::list<xsimd::sse4_2, xsimd::avx2>;
#elif LOWP_HAVE_RUNTIME_X86 && defined(LOWP_TEST_NO_AVX512)  // a CPU without AVX-512 (tests/CMakeLists.txt)
using archs = support::list<xsimd::sse2, lowp::simd::rt::avx2>;
#elif LOWP_HAVE_RUNTIME_X86
using archs = support::list<xsimd::sse2, lowp::simd::rt::avx2, lowp::simd::rt::avx512>;
#else
using archs = support::list<lowp::simd::default_arch>;  // aarch64: NEON (xsimd::neon64); elsewhere the flags' arch
#endif

/// Runs f.template operator()<A>() for each path of archs this CPU can run.
template <class F>
void for_each_path(F&& f) {
  support::for_each(archs{}, [&]<class A>() {
    if (lowp::simd::cpu_runs<A>()) {
      f.template operator()<A>();
    } else {
      WARN("this CPU cannot run " << A::name() << ": not tested here");
    }
  });
}

std::uint32_t bits_of(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
float float_of(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

/// ±0, ±Inf and ±NaN.
std::vector<float> specials() { return {0.f, -0.f, INFINITY, -INFINITY, NAN, -NAN}; }

/// Every decoded value of T, its float neighbours, the midpoints and quarter points between
/// neighbours and their neighbours, specials, and random float bit patterns.
template <class T>
std::vector<float> boundary_inputs() {
  std::vector<float> vals;
  for (std::uint32_t c = 0; c < (1u << T::bit_width); ++c) {
    const float v = float(T::from_bits(typename T::storage_type(c)));
    if (std::isfinite(v)) vals.push_back(v);
  }
  std::sort(vals.begin(), vals.end());
  std::vector<float> in = specials();
  in.insert(in.end(), {float_of(0x7F800001), FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN, FLT_TRUE_MIN, -FLT_TRUE_MIN,
                       float_of(0x00400000), float_of(0x00400001), 1e30f});
  auto near = [&](float x) {
    for (float y : {x, std::nextafter(x, INFINITY), std::nextafter(x, -INFINITY)}) in.push_back(y);
  };
  for (std::size_t i = 0; i < vals.size(); ++i) {
    near(vals[i]);
    if (i + 1 < vals.size()) {
      near(vals[i] + (vals[i + 1] - vals[i]) / 2);
      near(vals[i] + (vals[i + 1] - vals[i]) / 4);
    }
  }
  near(2 * vals.back());
  near(vals.back() * 1.03125f);
  near(vals.back() * 1.0625f);
  std::mt19937 rng(7);
  for (int i = 0; i < 4000; ++i) in.push_back(float_of(std::uint32_t(rng())));
  std::uniform_real_distribution<float> d(-2 * std::fabs(vals.back()), 2 * std::fabs(vals.back()));
  for (int i = 0; i < 4000; ++i) in.push_back(d(rng));
  return in;
}

template <class A, class T, class R, class O>
void check_encode(const std::vector<float>& in, const R& r, O o, long& bad) {
  std::vector<T> got(in.size()), want(in.size());
  lowp::simd::encode<A>(in.data(), got.data(), in.size(), r, o);
  for (std::size_t i = 0; i < in.size(); ++i) want[i] = T::from_unpacked(lowp::unpack(in[i]), r, o, i);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (got[i].bits() != want[i].bits()) {
      if (bad < 5)
        UNSCOPED_INFO("x = " << in[i] << " (0x" << std::hex << bits_of(in[i]) << std::dec << ") got "
                             << int(got[i].bits()) << " want " << int(want[i].bits()) << " mode " << lowp::name_of(r)
                             << " " << lowp::name_of(o));
      ++bad;
    }
  }
}

template <class T>
void all_paths() {
  const auto in = boundary_inputs<T>();
  long bad = 0;
  for_each_path([&]<class A>() {
    using namespace lowp::rounding;
    using namespace lowp::overflow;
#if defined(LOWP_TEST_QUICK)  // sanitizer build: memory safety of every path, fewer (mode, tag) pairs
    check_encode<A, T>(in, nearest_even{}, saturate{}, bad);
    check_encode<A, T>(in, toward_positive{}, propagate{}, bad);
#else
    // every mode under saturate; every tag under nearest_even, toward_zero and stochastic; to_odd
    support::for_each(support::deterministic_modes{}, [&]<class R>() { check_encode<A, T>(in, R{}, saturate{}, bad); });
    check_encode<A, T>(in, stochastic{42, 7}, saturate{}, bad);
    support::for_each(support::list<saturate_symmetric, saturate_zero, propagate>{}, [&]<class O>() {
      check_encode<A, T>(in, nearest_even{}, O{}, bad);
      check_encode<A, T>(in, toward_zero{}, O{}, bad);
      check_encode<A, T>(in, toward_positive{}, O{}, bad);
      check_encode<A, T>(in, stochastic{3, 0}, O{}, bad);
    });
    check_encode<A, T>(in, to_odd{}, propagate{}, bad);
#endif
    // every length 0..129 at every misaligned start, through a stochastic call (index-dependent)
    for (std::size_t start = 0; start < 4; ++start) {
      for (std::size_t n = 0; n <= 129; ++n) {
        std::vector<float> part(in.begin() + std::ptrdiff_t(start), in.begin() + std::ptrdiff_t(start + n));
        std::vector<T> buf(n + 4);
        lowp::simd::encode<A>(part.data(), buf.data() + start, n, stochastic{9, 100}, saturate{});
        for (std::size_t i = 0; i < n; ++i)
          bad += buf[start + i].bits() !=
                 T::from_unpacked(lowp::unpack(part[i]), stochastic{9, 100}, saturate{}, i).bits();
      }
    }
    // decode: every code, bit for bit (NaN payloads and signs included); an infinite code follows
    // the overflow tag as the scalar conversion does (propagate: Inf, saturate: ±FLT_MAX)
    std::vector<T> codes;
    for (std::uint32_t c = 0; c < (1u << T::bit_width); ++c) codes.push_back(T::from_bits(typename T::storage_type(c)));
    for (std::size_t start = 0; start < 3; ++start) {
      std::vector<float> out(codes.size());
      lowp::simd::decode<A>(codes.data() + start, out.data(), codes.size() - start, propagate{});
      for (std::size_t i = 0; i + start < codes.size(); ++i) bad += bits_of(out[i]) != bits_of(float(codes[start + i]));
      lowp::simd::decode<A>(codes.data() + start, out.data(), codes.size() - start, saturate{});
      for (std::size_t i = 0; i + start < codes.size(); ++i)
        bad += bits_of(out[i]) != bits_of(lowp::convert<float>(codes[start + i], nearest_even{}, saturate{}));
    }
  });
  CHECK(bad == 0);
}

}  // namespace

TEMPLATE_TEST_CASE("SIMD encode and decode are bit-identical to the scalar reference on every ISA here", "[simd]",
                   lowp::float8_e4m3fn, lowp::float8_e4m3fnuz, lowp::float8_e4m3, lowp::float8_e5m2,
                   lowp::float8_e5m2fnuz, lowp::float8_e3m4, lowp::float8_e8m0fnu, lowp::float6_e2m3fn,
                   lowp::float6_e3m2fn, lowp::float4_e2m1fn, lowp::float16, lowp::bfloat16,
                   (lowp::minifloat<2, 2, lowp::encoding::fn>), (lowp::minifloat<4, 3, lowp::encoding::ieee, 11>)) {
  static_assert(lowp::simd::kernel_supports(TestType::spec));
  all_paths<TestType>();
}

template <class A, class T, class R, class O>
void check_encode_int(const std::vector<float>& in, const R& r, O o, long& bad) {
  std::vector<T> got(in.size());
  lowp::simd::encode_int<A>(in.data(), got.data(), in.size(), r, o);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (got[i].bits() != T::from_unpacked(lowp::unpack(in[i]), r, o, i).bits()) {
      if (bad < 5) UNSCOPED_INFO("x = " << in[i] << " mode " << lowp::name_of(r) << " " << lowp::name_of(o));
      ++bad;
    }
  }
}

TEMPLATE_TEST_CASE("SIMD integer encode and decode are bit-identical to the scalar reference", "[simd]", lowp::int8,
                   lowp::uint8, lowp::int4, lowp::uint4, lowp::int2, lowp::uint2, (lowp::intn<1, true>),
                   (lowp::intn<16, true>), (lowp::intn<12, false>), lowp::trit) {
  using T = TestType;
  // around 2^30 too: below it the vector lanes wrap exactly, above it they hand over to the reference
  std::vector<float> in = specials();
  in.insert(in.end(), {1e30f, -1e30f, 0x1p30f, -0x1p30f, -0x1p31f, 1e-30f, 0x1.fffffep29f, -0x1.fffffep29f,
                       0x1.000002p30f, -0x1.000002p30f, 0x1.7ffffep29f, -0x1.800002p29f});
#if defined(LOWP_TEST_QUICK)  // quick builds: the grid up to ±2^13 (16-bit in full: 1.5 million inputs)
  const float span = std::ldexp(1.f, std::min(T::bit_width + 1, 13));
#else
  const float span = std::ldexp(1.f, T::bit_width + 1);
#endif
  for (float k = -span; k <= span; k += 1.f)
    for (float d : {0.f, 0.25f, 0.5f, 0.75f}) {
      in.push_back(k + d);
      in.push_back(std::nextafter(k + d, INFINITY));
      in.push_back(std::nextafter(k + d, -INFINITY));
    }
  std::mt19937 rng(5);
  for (int i = 0; i < 3000; ++i) in.push_back(float_of(std::uint32_t(rng())));
  long bad = 0;
  for_each_path([&]<class A>() {
    using namespace lowp::rounding;
#if defined(LOWP_TEST_QUICK)
    using modes = support::list<nearest_even, toward_negative>;
    using tags = support::list<lowp::overflow::saturate, lowp::overflow::wrap>;
#else
    using modes = support::deterministic_modes;
    using tags = support::all_overflows;
#endif
    support::for_each(modes{}, [&]<class R>() {
      support::for_each(tags{}, [&]<class O>() {
        if constexpr (!std::is_same_v<T, lowp::trit> || !std::is_same_v<O, lowp::overflow::wrap>)
          check_encode_int<A, T>(in, R{}, O{}, bad);
      });
    });
    check_encode_int<A, T>(in, stochastic{8, 3}, lowp::overflow::saturate{}, bad);
    if constexpr (!std::is_same_v<T, lowp::trit>)
      check_encode_int<A, T>(in, stochastic{8, 3}, lowp::overflow::wrap{}, bad);
    std::vector<T> codes;
    for (std::uint32_t c = 0; c < (std::is_same_v<T, lowp::trit> ? 3u : 1u << T::bit_width); ++c)
      codes.push_back(T::from_bits(typename T::storage_type(c)));
    std::vector<float> out(codes.size());
    lowp::simd::decode_int<A>(codes.data(), out.data(), codes.size());
    for (std::size_t i = 0; i < codes.size(); ++i) bad += out[i] != float(codes[i]);
  });
  CHECK(bad == 0);
}

/// encode_scaled (the products x · f[i / tw], each rounded, then encoded) against the scalar
/// reference of the rounded products, over tiles of several widths with factors that are powers of
/// two, inexact reciprocals, and large and tiny enough to overflow or reach the subnormals.
template <class T>
void scaled_paths(const std::vector<float>& base) {
  const std::vector<float> factors = {1.f,    0.5f,  1.0f / 3.0f, 7.3f,  0.1f, -2.5f,
                                      1e-30f, 3e38f, 0x1p-130f,   1e20f, 0.f,  1.0f / 127.0f};
  long bad = 0;
  for_each_path([&]<class A>() {
    using namespace lowp::rounding;
    using namespace lowp::overflow;
    for (const std::size_t tw : {std::size_t(1), std::size_t(3), std::size_t(16), std::size_t(37), base.size()}) {
      std::vector<float> f((base.size() + tw - 1) / tw);
      for (std::size_t t = 0; t < f.size(); ++t) f[t] = factors[(t * 7 + tw) % factors.size()];
      const auto check = [&](const auto& r, auto o) {
        std::vector<T> got(base.size());
        lowp::simd::encode_scaled<A>(base.data(), got.data(), base.size(), tw, f.data(), r, o);
        for (std::size_t i = 0; i < base.size(); ++i) {
          const float x = base[i] * f[i / tw];
          if (got[i].bits() != T::from_unpacked(lowp::unpack(x), r, o, i).bits()) {
            if (bad < 5) UNSCOPED_INFO("x = " << base[i] << " · " << f[i / tw] << " tile width " << tw);
            ++bad;
          }
        }
      };
      check(nearest_even{}, saturate{});
      check(stochastic{5, 11}, saturate{});
#if !defined(LOWP_TEST_QUICK)
      check(toward_zero{}, propagate{});
      check(nearest_away{}, saturate_symmetric{});
      check(to_odd{}, saturate_zero{});
#endif
    }
  });
  CHECK(bad == 0);
}

TEMPLATE_TEST_CASE("SIMD encode of scaled values (one pass) is bit-identical to scaling, then the reference", "[simd]",
                   lowp::float8_e4m3fn, lowp::float8_e5m2, lowp::float8_e8m0fnu, lowp::float6_e2m3fn,
                   lowp::float4_e2m1fn, (lowp::minifloat<4, 3, lowp::encoding::ieee, 11>)) {
  // (the 16-bit formats take the same kernels; their 600,000 boundary inputs would only add time)
  scaled_paths<TestType>(boundary_inputs<TestType>());
}

TEMPLATE_TEST_CASE("SIMD integer encode of scaled values is bit-identical to scaling, then the reference", "[simd]",
                   lowp::int8, lowp::uint8, lowp::int4, lowp::int2, lowp::trit, (lowp::intn<16, true>)) {
  std::vector<float> in = specials();
  in.insert(in.end(), {1e30f, -1e30f, 0x1p30f, -0x1p31f, 0x1.000002p30f, 1e-30f});
  for (float k = -40.f; k <= 40.f; k += 0.25f) {
    in.push_back(k);
    in.push_back(std::nextafter(k, INFINITY));
    in.push_back(std::nextafter(k, -INFINITY));
  }
  std::mt19937 rng(9);
  for (int i = 0; i < 3000; ++i) in.push_back(float_of(std::uint32_t(rng())));
  scaled_paths<TestType>(in);
}

TEST_CASE("SIMD block quantization (encode_blocks) equals per-block amax, factors and the reference", "[simd]") {
  // every chunking: block widths 1 to 700 (one block per chunk beyond 512), lengths that leave a
  // short last block, stochastic rounding (the index runs on across chunks), NaN / Inf blocks
  std::mt19937 rng(12);
  std::normal_distribution<float> g;
  long bad = 0, chunks_seen = 0;
  for_each_path([&]<class A>() {
    for (const std::size_t bw : {std::size_t(1), std::size_t(7), std::size_t(16), std::size_t(32), std::size_t(600)}) {
      for (const std::size_t n : {std::size_t(0), std::size_t(5), bw * 70 + 3, std::size_t(2100)}) {
        std::vector<float> x(n);
        for (auto& v : x) v = g(rng) * std::ldexp(1.f, int(rng() % 40) - 20);
        if (n > 100) x[n / 2] = NAN, x[n / 3] = -INFINITY;
        const std::size_t nb = (n + bw - 1) / bw;
        std::vector<std::uint32_t> seen(nb, 0xFFFFFFFFu);
        std::size_t next = 0;  // blocks arrive in order, each once
        auto factors = [&](std::size_t b0, std::size_t count, const std::uint32_t* amax, float* f) {
          bad += b0 != next;
          next = b0 + count;
          ++chunks_seen;
          for (std::size_t j = 0; j < count; ++j) {
            seen[b0 + j] = amax[j];
            f[j] = amax[j] >= 0x7F800000u || amax[j] == 0 ? 0.f : 3.0f / std::bit_cast<float>(amax[j]);
          }
        };
        std::vector<lowp::float4_e2m1fn> got(n);
        const lowp::rounding::stochastic r{21, 5};
        lowp::simd::encode_blocks<A>(x.data(), n, bw, factors, got.data(), r, lowp::overflow::saturate{});
        bad += next != nb;
        for (std::size_t b = 0; b < nb; ++b)
          bad += seen[b] != lowp::detail::abs_max_bits(x.data() + b * bw, std::min(bw, n - b * bw));
        for (std::size_t i = 0; i < n; ++i) {
          const std::uint32_t m = seen[i / bw];
          const float f = m >= 0x7F800000u || m == 0 ? 0.f : 3.0f / std::bit_cast<float>(m);
          bad += got[i].bits() !=
                 lowp::float4_e2m1fn::from_unpacked(lowp::unpack(x[i] * f), r, lowp::overflow::saturate{}, i).bits();
        }
      }
    }
  });
  CHECK(chunks_seen > 20);
  CHECK(bad == 0);
}

TEST_CASE("SIMD abs_max_bits equals the core function on every length, start and special value", "[simd]") {
  std::mt19937 rng(4);
  std::normal_distribution<float> g;
  std::vector<float> x(300);
  long bad = 0;
  for_each_path([&]<class A>() {
    for (int trial = 0; trial < 200; ++trial) {
      for (auto& v : x) v = g(rng) * std::ldexp(1.f, int(rng() % 60) - 30);
      const std::size_t start = rng() % 8, n = rng() % (x.size() - start);
      if (trial % 4 == 1 && n > 0) x[start + rng() % n] = (rng() % 2) ? NAN : -INFINITY;
      if (trial % 4 == 2) std::fill(x.begin(), x.end(), -0.f);
      bad += lowp::simd::abs_max_bits<A>(x.data() + start, n) != lowp::detail::abs_max_bits(x.data() + start, n);
    }
  });
  CHECK(bad == 0);
}

TEST_CASE("SIMD 4-bit packing and unpacking give the layout's bytes on every length and start", "[simd][pack]") {
  // the layout (pack/packed.hpp, docs/formats.md): byte k holds code 2k in its low nibble and code
  // 2k + 1 in its high nibble; a code's bits above the nibble are not stored
  std::mt19937 rng(9);
  std::vector<std::uint8_t> codes(700), bytes(400), back(700);
  long bad = 0, packed_by_kernel = 0;
  for_each_path([&]<class A>() {
    for (int trial = 0; trial < 300; ++trial) {
      for (auto& c : codes) c = std::uint8_t(rng());  // high nibbles set too
      const std::size_t start = rng() % 9, n = rng() % (codes.size() - start);
      std::fill(bytes.begin(), bytes.end(), std::uint8_t(0xA5));
      const std::size_t done = lowp::simd::pack_nibbles<A>(codes.data() + start, n, bytes.data());
      bad += done > n || done % 2 != 0 || (n >= 128 && done == 0);
      packed_by_kernel += long(done);
      for (std::size_t k = 0; k < done / 2; ++k)
        bad += bytes[k] != ((codes[start + 2 * k] & 15) | (codes[start + 2 * k + 1] & 15) << 4);
      bad += bytes[done / 2] != 0xA5;  // nothing written past what it reports
      std::fill(back.begin(), back.end(), std::uint8_t(0xA5));
      const std::size_t undone = lowp::simd::unpack_nibbles<A>(bytes.data(), done, back.data() + start);
      bad += undone != done;
      for (std::size_t i = 0; i < done; ++i) bad += back[start + i] != (codes[start + i] & 15);
      bad += back[start + done] != 0xA5;
    }
  });
  CHECK(packed_by_kernel > 10000);
  CHECK(bad == 0);
  // the bulk helpers (kernel, then the scalar tail) on the active level, 4-bit and 2-bit types
  for (std::size_t n : {0u, 1u, 63u, 64u, 65u, 127u, 129u, 255u, 700u}) {
    std::vector<std::uint8_t> c(n), p4((n + 1) / 2), want4((n + 1) / 2), u(n);
    for (auto& v : c) v = std::uint8_t(rng() & 15);
    lowp::detail::pack_codes_bulk<lowp::int4>(c.data(), n, p4.data());
    for (std::size_t i = 0; i < n; ++i) want4[i / 2] = std::uint8_t(want4[i / 2] | c[i] << (i % 2 * 4));
    CHECK(p4 == want4);
    lowp::detail::unpack_codes_bulk<lowp::float4_e2m1fn>(p4.data(), n, u.data());
    CHECK(u == c);
    std::vector<std::uint8_t> c2(n), p2((n + 3) / 4), want2((n + 3) / 4);
    for (auto& v : c2) v = std::uint8_t(rng() & 3);
    lowp::detail::pack_codes_bulk<lowp::int2>(c2.data(), n, p2.data());
    lowp::pack_codes<lowp::int2>(c2.data(), n, want2.data());
    CHECK(p2 == want2);
  }
}

TEST_CASE("the span API takes the SIMD path and gives the scalar bits", "[simd]") {
  const auto in = boundary_inputs<lowp::float8_e4m3fn>();
  std::vector<lowp::float8_e4m3fn> out(in.size());
  lowp::convert(std::span<const float>(in), std::span<lowp::float8_e4m3fn>(out), lowp::rounding::stochastic{1, 5},
                lowp::overflow::saturate{});
  for (std::size_t i = 0; i < in.size(); ++i)
    REQUIRE(out[i].bits() ==
            lowp::convert<lowp::float8_e4m3fn>(in[i], lowp::rounding::stochastic{1, 5 + i}, lowp::overflow::saturate{})
                .bits());
  std::vector<float> back(in.size());
  lowp::convert(std::span<const lowp::float8_e4m3fn>(out), std::span<float>(back), lowp::rounding::nearest_even{},
                lowp::overflow::saturate{});
  for (std::size_t i = 0; i < in.size(); ++i) REQUIRE(bits_of(back[i]) == bits_of(float(out[i])));
}

TEST_CASE("dispatch: every level this CPU runs gives the scalar bits through the span API", "[simd][dispatch]") {
  using lowp::simd::isa;
  const auto in = boundary_inputs<lowp::float6_e3m2fn>();
  const isa saved = lowp::simd::max_isa();
  for (isa level : lowp::simd::family_levels) {
    lowp::simd::set_max_isa(level);
    CHECK(lowp::simd::rank(lowp::simd::active_isa()) ==
          std::min(lowp::simd::rank(level), lowp::simd::rank(lowp::simd::cpu_isa())));
    std::vector<lowp::float6_e3m2fn> out(in.size());
    lowp::convert(std::span<const float>(in), std::span(out), lowp::rounding::nearest_up{},
                  lowp::overflow::propagate{});
    std::vector<lowp::int4> q(in.size());
    lowp::convert(std::span<const float>(in), std::span(q), lowp::rounding::stochastic{4, 4},
                  lowp::overflow::saturate_symmetric{});
    long bad = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
      bad +=
          out[i].bits() !=
          lowp::convert<lowp::float6_e3m2fn>(in[i], lowp::rounding::nearest_up{}, lowp::overflow::propagate{}).bits();
      bad += q[i].bits() != lowp::convert<lowp::int4>(in[i], lowp::rounding::stochastic{4, 4 + i},
                                                      lowp::overflow::saturate_symmetric{})
                                .bits();
    }
    INFO("level " << lowp::simd::name_of(level));
    CHECK(bad == 0);
  }
  lowp::simd::set_max_isa(saved);
}

TEST_CASE("dispatch: LOWP_MAX_ISA caps the level", "[simd][dispatch]") {
  // CTest runs this binary once more with LOWP_MAX_ISA=sse2 (tests/CMakeLists.txt)
  // and with LOWP_MAX_ISA=AVX2 (any case is read) and LOWP_MAX_ISA=bogus (reported, no limit)
  const char* env = std::getenv("LOWP_MAX_ISA");
  lowp::simd::isa want = lowp::simd::family_levels[3];
  if (env != nullptr && lowp::simd::parse_isa(env, want)) {
    CHECK(lowp::simd::max_isa() == want);
    CHECK(lowp::simd::rank(lowp::simd::active_isa()) <= lowp::simd::rank(want));
  } else {
    CHECK(lowp::simd::max_isa() == lowp::simd::family_levels[3]);  // unset or unknown: no limit
    CHECK(lowp::simd::active_isa() == lowp::simd::cpu_isa());
  }
}

TEST_CASE("dispatch: a cap is a rank, applied within the CPU's family", "[simd][dispatch]") {
  using lowp::simd::isa;
  using lowp::simd::rank;
  CHECK((rank(isa::scalar) == 0 && rank(isa::sse2) == 1 && rank(isa::neon) == 1));
  CHECK((rank(isa::avx2) == 2 && rank(isa::sdot) == 2 && rank(isa::avx512) == 3 && rank(isa::i8mm) == 3));
  const isa saved = lowp::simd::max_isa();
  for (isa cap : {isa::scalar, isa::sse2, isa::avx2, isa::avx512, isa::neon, isa::sdot, isa::i8mm}) {
    lowp::simd::set_max_isa(cap);
    const isa a = lowp::simd::active_isa();
    INFO("cap " << lowp::simd::name_of(cap) << ", active " << lowp::simd::name_of(a));
    CHECK(rank(a) == std::min(rank(cap), rank(lowp::simd::cpu_isa())));
    CHECK(lowp::simd::in_family(a) == a);  // never a level of the other family
  }
  lowp::simd::set_max_isa(saved);
}

TEST_CASE("dispatch: the CPU probe reports the CPU's level", "[simd][dispatch]") {
  // `make test-aarch64` runs this under qemu-aarch64 with three CPU models and sets
  // LOWP_EXPECT_CPU_ISA to the level each model has (max: i8mm, neoverse-n1: sdot, cortex-a53: neon)
  const char* want = std::getenv("LOWP_EXPECT_CPU_ISA");
  lowp::simd::isa expected{};
  if (want == nullptr || !lowp::simd::parse_isa(want, expected)) return;
  CHECK(std::string(lowp::simd::name_of(lowp::simd::cpu_isa())) == lowp::simd::name_of(expected));
}

TEST_CASE("dispatch: LOWP_MAX_ISA names are read in any case; unknown names are reported", "[simd][dispatch]") {
  using lowp::simd::isa;
  isa i = isa::scalar;
  CHECK(lowp::simd::parse_isa("AVX2", i));
  CHECK(i == isa::avx2);
  CHECK(lowp::simd::parse_isa(" Avx512 ", i));
  CHECK(i == isa::avx512);
  CHECK(lowp::simd::parse_isa("scalar", i));
  CHECK(i == isa::scalar);
  CHECK(lowp::simd::parse_isa("NEON", i));
  CHECK(i == isa::neon);
  CHECK(lowp::simd::parse_isa("sdot", i));
  CHECK(i == isa::sdot);
  CHECK(lowp::simd::parse_isa("i8mm", i));
  CHECK(i == isa::i8mm);
  CHECK_FALSE(lowp::simd::parse_isa("bogus", i));
  CHECK_FALSE(lowp::simd::parse_isa("", i));
  CHECK_FALSE(lowp::simd::parse_isa(nullptr, i));
}
