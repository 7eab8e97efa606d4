// tests/intops/fixed_math_test.cpp: intops/fixed_math.hpp and eigen/fixed_math.hpp.
// Expected values come from definitions checked in 128-bit integers (a correctly rounded square
// root s of n satisfies (2s−1)² ≤ 4n ≤ (2s+1)²), from long double libm (64-bit significands) for
// exp/log/sin/cos, and from lowp's own exact fixed-point operators for mul/div (tested against
// their definitions in tests/format/fixed_test.cpp). Every array kernel runs at every ISA level
// the CPU has and must give the scalar bits.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include <lowp/eigen/fixed_math.hpp>
#include <lowp/intops/fixed_math.hpp>
#include <lowp/simd/dispatch.hpp>

#include "../support/levels.hpp"

namespace {

using lowp::int128;
using lowp::uint128;
namespace ro = lowp::rounding;
namespace ov = lowp::overflow;

using support::for_each_level;

/// Random raw codes of T plus its edges (0, ±1, extremes, powers of two).
template <class T>
std::vector<T> sample(std::size_t n, std::uint64_t seed) {
  using raw = typename T::raw_type;
  std::mt19937_64 rng(seed);
  std::vector<T> v;
  const raw lo = T::lowest().bits(), hi = T::max().bits();
  for (raw r : {raw(0), raw(1), raw(2), hi, raw(hi - 1), lo, raw(lo + 1)}) v.push_back(T::from_bits(r));
  if constexpr (T::is_signed) v.push_back(T::from_bits(raw(-1)));
  for (int b = 0; b < T::bit_width - 1; ++b) v.push_back(T::from_bits(raw(std::uint64_t(1) << b)));
  while (v.size() < n) {
    std::uint64_t bits = rng();
    const int keep = 1 + int(rng() % std::uint64_t(T::bit_width));  // small and large magnitudes alike
    bits &= keep >= 64 ? ~0ull : ((1ull << keep) - 1);
    raw r = raw(bits);
    if (T::is_signed && (rng() & 1)) r = raw(0 - r);
    v.push_back(T::from_bits(r));
  }
  return v;
}

template <class T>
void check_binary_kernels(std::size_t n, std::uint64_t seed) {
  const auto a = sample<T>(n, seed), b = sample<T>(n, seed + 1);
  std::vector<T> pm(n), pd(n);
  for (std::size_t i = 0; i < n; ++i) {
    pm[i] = a[i] * b[i];
    pd[i] = a[i] / b[i];
  }
  for_each_level([&](lowp::simd::isa l) {
    std::vector<T> om(n), od(n);
    lowp::intops::mul<T>(a, b, om);
    lowp::intops::div<T>(a, b, od);
    std::size_t bad_m = 0, bad_d = 0;
    for (std::size_t i = 0; i < n; ++i) {
      bad_m += om[i].bits() != pm[i].bits();
      bad_d += od[i].bits() != pd[i].bits();
    }
    INFO(lowp::simd::name_of(l));
    CHECK(bad_m == 0);
    CHECK(bad_d == 0);
  });
}

}  // namespace

TEST_CASE("intops mul and div kernels equal the exact operators, every mode and ISA", "[intops][fixed]") {
  using lowp::fixed;
  using lowp::ufixed;
  // fast int64 paths
  check_binary_kernels<lowp::q16_16>(20000, 1);
  check_binary_kernels<lowp::q1_15>(5000, 2);
  check_binary_kernels<lowp::q8_8>(5000, 3);
  check_binary_kernels<lowp::q1_7>(2000, 4);
  check_binary_kernels<fixed<15, 16, ro::nearest_away, ov::saturate_symmetric>>(5000, 5);
  check_binary_kernels<fixed<15, 16, ro::toward_negative, ov::wrap>>(5000, 6);
  check_binary_kernels<fixed<15, 16, ro::toward_positive, ov::saturate_zero>>(5000, 7);
  check_binary_kernels<fixed<10, 5, ro::to_odd, ov::saturate>>(5000, 8);
  check_binary_kernels<fixed<15, 16, ro::to_odd, ov::saturate>>(5000, 20);  // the vector kernels too
  check_binary_kernels<fixed<3, 12, ro::nearest_up, ov::wrap>>(5000, 9);
  check_binary_kernels<fixed<3, 12, ro::nearest_down, ov::saturate>>(5000, 10);
  check_binary_kernels<fixed<20, 11, ro::nearest_zero, ov::saturate>>(5000, 11);
  check_binary_kernels<fixed<20, 11, ro::toward_zero, ov::propagate>>(5000, 12);
  check_binary_kernels<ufixed<16, 16>>(5000, 13);
  check_binary_kernels<ufixed<8, 8, ro::toward_zero, ov::wrap>>(5000, 14);
  check_binary_kernels<fixed<31, 0>>(5000, 15);
  // the operator paths: wide products, wide quotients, stochastic rounding, 64-bit types
  check_binary_kernels<fixed<0, 31>>(5000, 16);
  check_binary_kernels<ufixed<32, 0>>(5000, 17);
  check_binary_kernels<fixed<15, 16, ro::stochastic>>(5000, 18);
  check_binary_kernels<fixed<31, 32>>(5000, 19);
}

TEST_CASE("intops::sqrt is correctly rounded: every q8_8 and q1_15 code, q16_16 and modes", "[intops][fixed]") {
  using lowp::fixed;
  using lowp::ufixed;
  auto check = [](auto tag, const auto& xs) {
    using T = decltype(tag);
    using R = typename T::rounding_type;
    constexpr int F = T::frac_bits;
    std::size_t bad = 0;
    for (const T x : xs) {
      const T s = lowp::intops::sqrt(x);
      if (x.bits() <= 0) {
        bad += s.bits() != 0;
        continue;
      }
      const int128 n = int128(x.bits()) << F, r = s.bits();
      bool ok = false;
      if constexpr (std::is_same_v<R, ro::nearest_even>)
        ok = (2 * r - 1) * (2 * r - 1) <= 4 * n && 4 * n <= (2 * r + 1) * (2 * r + 1);
      else if constexpr (std::is_same_v<R, ro::toward_zero>)
        ok = r * r <= n && n < (r + 1) * (r + 1);
      else
        ok = (r - 1) * (r - 1) < n && n <= r * r;  // toward_positive
      // saturated results: √x above the largest code
      if (!ok && r == int128(T::max().bits())) ok = (r * r <= n);
      bad += !ok;
    }
    return bad;
  };
  std::vector<lowp::q8_8> all88;
  for (int r = -32768; r < 32768; ++r) all88.push_back(lowp::q8_8::from_bits(std::int16_t(r)));
  std::vector<lowp::q1_15> all115;
  for (int r = -32768; r < 32768; ++r) all115.push_back(lowp::q1_15::from_bits(std::int16_t(r)));
  CHECK(check(lowp::q8_8{}, all88) == 0);
  CHECK(check(lowp::q1_15{}, all115) == 0);
  CHECK(check(lowp::q16_16{}, sample<lowp::q16_16>(100000, 21)) == 0);
  CHECK(check(fixed<15, 16, ro::toward_zero>{}, sample<fixed<15, 16, ro::toward_zero>>(50000, 22)) == 0);
  CHECK(check(ufixed<16, 16, ro::toward_positive>{}, sample<ufixed<16, 16, ro::toward_positive>>(50000, 23)) == 0);
  CHECK(check(ufixed<0, 32>{}, sample<ufixed<0, 32>>(50000, 24)) == 0);
  CHECK(check(fixed<31, 32>{}, sample<fixed<31, 32>>(20000, 25)) == 0);
  // q1_15: √(1 − 2^-15) rounds to 1, which saturates to the largest code
  CHECK(lowp::intops::sqrt(lowp::q1_15::max()).bits() == 32767);
  CHECK(float(lowp::intops::sqrt(lowp::q16_16(2.25))) == 1.5f);
  CHECK(lowp::intops::sqrt(lowp::q16_16(-4.0)).bits() == 0);

  // the array kernel (double square root + one correction) gives the reference bits
  auto same = [](auto tag, std::size_t n, std::uint64_t seed) {
    using T = decltype(tag);
    const auto x = sample<T>(n, seed);
    std::size_t bad = 0;
    for_each_level([&](lowp::simd::isa) {
      std::vector<T> out(n);
      lowp::intops::sqrt<T>(x, out);
      for (std::size_t i = 0; i < n; ++i) bad += out[i].bits() != lowp::intops::sqrt(x[i]).bits();
    });
    return bad;
  };
  CHECK(same(lowp::q16_16{}, 100000, 26) == 0);
  CHECK(same(ufixed<0, 32>{}, 50000, 27) == 0);
  CHECK(same(ufixed<32, 0>{}, 50000, 28) == 0);
  CHECK(same(fixed<15, 16, ro::to_odd, ov::saturate_zero>{}, 50000, 29) == 0);
  CHECK(same(lowp::q1_15{}, 20000, 30) == 0);
}

namespace {
/// Checks f(x) against the long double reference g: always within one ulp (one of the two codes
/// around the exact value), and the nearest code when the exact value is farther than 2^-10 ulp
/// from the midpoint. Returns {not faithful, not nearest}.
template <class T, class F, class G>
std::pair<std::size_t, std::size_t> check_transcendental(const std::vector<T>& xs, F f, G g) {
  constexpr int Fb = T::frac_bits;
  std::size_t unfaithful = 0, not_nearest = 0;
  for (const T x : xs) {
    const long double exact = g(std::ldexp((long double)x.bits(), -Fb));
    if (std::isnan(exact)) continue;
    const long double scaled = std::ldexp(exact, Fb);  // in raw units
    const long double lo = (long double)T::lowest().bits(), hi = (long double)T::max().bits();
    const long double r = (long double)f(x).bits();
    if (scaled >= hi + 1) {
      unfaithful += r != hi;
      continue;
    }
    if (scaled <= lo - 1) {
      unfaithful += r != lo;
      continue;
    }
    const long double fl = std::floor(scaled);
    if (!(r == fl || r == fl + 1 || (r == hi && scaled > hi) || (r == lo && scaled < lo))) ++unfaithful;
    const long double frac = scaled - fl;
    if (std::fabs(frac - 0.5L) > 0x1p-10L) {
      long double nearest = frac < 0.5L ? fl : fl + 1;
      nearest = std::min(std::max(nearest, lo), hi);
      not_nearest += r != nearest;
    }
  }
  return {unfaithful, not_nearest};
}
}  // namespace

TEST_CASE("intops exp, log, sin, cos: faithful always, nearest away from ties", "[intops][fixed]") {
  using lowp::fixed;
  auto run = [](auto tag, const char* name, const auto& xs) {
    using T = decltype(tag);
    INFO(name);
    auto e = check_transcendental<T>(
        xs, [](T x) { return lowp::intops::exp(x); }, [](long double v) { return expl(v); });
    CHECK(e.first == 0);
    CHECK(e.second == 0);
    auto l = check_transcendental<T>(
        xs, [](T x) { return lowp::intops::log(x); },
        [](long double v) { return v > 0 ? logl(v) : std::numeric_limits<long double>::quiet_NaN(); });
    CHECK(l.first == 0);
    CHECK(l.second == 0);
    auto s = check_transcendental<T>(
        xs, [](T x) { return lowp::intops::sin(x); }, [](long double v) { return sinl(v); });
    CHECK(s.first == 0);
    CHECK(s.second == 0);
    auto c = check_transcendental<T>(
        xs, [](T x) { return lowp::intops::cos(x); }, [](long double v) { return cosl(v); });
    CHECK(c.first == 0);
    CHECK(c.second == 0);
  };
  std::vector<lowp::q8_8> all88;
  for (int r = -32768; r < 32768; ++r) all88.push_back(lowp::q8_8::from_bits(std::int16_t(r)));
  std::vector<lowp::q1_15> all115;
  for (int r = -32768; r < 32768; ++r) all115.push_back(lowp::q1_15::from_bits(std::int16_t(r)));
  run(lowp::q8_8{}, "q8_8, every code", all88);
  run(lowp::q1_15{}, "q1_15, every code", all115);
  run(lowp::q16_16{}, "q16_16", sample<lowp::q16_16>(200000, 31));
  run(fixed<4, 27>{}, "fixed<4, 27>", sample<fixed<4, 27>>(100000, 32));
  run(lowp::ufixed<16, 16>{}, "ufixed<16, 16>", sample<lowp::ufixed<16, 16>>(100000, 33));
  run(fixed<23, 24>{}, "fixed<23, 24> (48 bits)", sample<fixed<23, 24>>(50000, 34));
}

TEST_CASE("intops transcendental edges", "[intops][fixed]") {
  using lowp::q16_16;
  namespace io = lowp::intops;
  CHECK(io::exp(q16_16(0)).bits() == 65536);  // e^0 = 1 exactly
  CHECK(io::log(q16_16(1)).bits() == 0);      // ln 1 = 0 exactly
  CHECK(io::sin(q16_16(0)).bits() == 0);
  CHECK(io::cos(q16_16(0)).bits() == 65536);
  CHECK(io::exp(q16_16::max()) == q16_16::max());        // overflow saturates
  CHECK(io::exp(q16_16::lowest()).bits() == 0);          // underflow rounds to 0
  CHECK(io::exp(lowp::q1_15(0)) == lowp::q1_15::max());  // 1 is above q1_15's range
  CHECK(io::log(q16_16(0)) == q16_16::lowest());         // ln 0 = −∞ saturates (spec §8)
  CHECK(io::log(q16_16(-2)).bits() == 0);                // ln of a negative: NaN → 0
  CHECK(io::log(lowp::fixed<15, 16, ro::nearest_even, ov::saturate_symmetric>(0)).bits() == -0x7FFFFFFF);
  CHECK(io::exp(lowp::fixed<15, 16, ro::toward_positive>::lowest()).bits() == 1);  // tiny positive rounds up
  // the array kernels of the transcendentals give the scalar bits at every level
  const auto xs = sample<q16_16>(20000, 35);
  for_each_level([&](lowp::simd::isa l) {
    INFO(lowp::simd::name_of(l));
    std::vector<q16_16> e(xs.size()), g(xs.size()), s(xs.size()), c(xs.size());
    io::exp<q16_16>(xs, e);
    io::log<q16_16>(xs, g);
    io::sin<q16_16>(xs, s);
    io::cos<q16_16>(xs, c);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < xs.size(); ++i)
      bad += (e[i] != io::exp(xs[i])) + (g[i] != io::log(xs[i])) + (s[i] != io::sin(xs[i])) + (c[i] != io::cos(xs[i]));
    CHECK(bad == 0);
  });
}

namespace {
/// Round-half-even of v / 2^s (s ≥ 1), an independent definition.
int128 rne_shift(int128 v, int s) {
  const int128 d = int128(1) << s;
  int128 q = v >= 0 ? v / d : -((-v + d - 1) / d);  // floor
  const int128 r = v - q * d;
  if (2 * r > d || (2 * r == d && (q & 1))) ++q;
  return q;
}
}  // namespace

TEST_CASE("intops dot and l2_distance: exact sums, one rounding, any length, every ISA", "[intops][fixed]") {
  using lowp::q16_16;
  for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(1000), std::size_t(100003)}) {
    const auto a = sample<q16_16>(n, 40 + n), b = sample<q16_16>(n, 41 + n);
    std::vector<q16_16> ta(a.begin(), a.begin() + std::ptrdiff_t(n)), tb(b.begin(), b.begin() + std::ptrdiff_t(n));
    int128 s = 0;
    uint128 d2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      s += int128(ta[i].bits()) * tb[i].bits();
      const int128 d = int128(ta[i].bits()) - tb[i].bits();
      d2 += uint128(d * d);
    }
    const int128 want_dot = std::clamp<int128>(rne_shift(s, 16), INT32_MIN, INT32_MAX);
    for_each_level([&](lowp::simd::isa l) {
      INFO(lowp::simd::name_of(l) << " n=" << n);
      CHECK(int128(lowp::intops::dot<q16_16>(ta, tb).bits()) == want_dot);
      const int128 r = lowp::intops::l2_distance<q16_16>(ta, tb).bits();
      if (r < INT32_MAX) {
        if (r > 0) CHECK((2 * r - 1) * (2 * r - 1) <= int128(4 * d2));
        CHECK(int128(4 * d2) <= (2 * r + 1) * (2 * r + 1));
      } else {
        CHECK(int128(d2) >= int128(INT32_MAX) * INT32_MAX);
      }
    });
  }
  // extremes over a long vector: Σ of 2^20 products (−2^31)·(−2^31) = 2^82 needs the split sums
  const std::size_t n = std::size_t(1) << 20;
  std::vector<q16_16> lo(n, q16_16::lowest()), hi(n, q16_16::max());
  using small = lowp::fixed<3, 28>;
  std::vector<small> u(n, small::lowest());
  for_each_level([&](lowp::simd::isa) {
    CHECK(lowp::intops::dot<q16_16>(lo, lo) == q16_16::max());
    CHECK(lowp::intops::dot<q16_16>(lo, hi) == q16_16::lowest());
    CHECK(lowp::intops::l2_distance<q16_16>(lo, hi) == q16_16::max());
    // Σ (−8)² over 2^20 = 2^26 saturates
    CHECK(lowp::intops::dot<small>(u, u) == small::max());
  });
  // exact values that fit: 4096 · (−0.25 · 0.0625) = −64; √(4096 · 0.3125²) = 20
  std::vector<lowp::q8_8> x(4096, lowp::q8_8(-0.25)), y(4096, lowp::q8_8(0.0625));
  CHECK(float(lowp::intops::dot<lowp::q8_8>(x, y)) == -64.0f);
  CHECK(float(lowp::intops::l2_distance<lowp::q8_8>(x, y)) == 20.0f);
}

TEST_CASE("intops fixed math: shapes, Eigen arrays", "[intops][fixed]") {
  using lowp::q16_16;
  std::vector<q16_16> a(4, q16_16(1.5)), b(3, q16_16(2)), o(4);
  CHECK_THROWS_AS(lowp::intops::mul<q16_16>(a, b, o), lowp::error);
  CHECK_THROWS_WITH(lowp::intops::div<q16_16>(a, b, o), Catch::Contains("4") && Catch::Contains("3"));
  CHECK_THROWS_AS(lowp::intops::dot<q16_16>(a, b), lowp::error);
  std::vector<q16_16> o3(3);
  CHECK_THROWS_AS(lowp::intops::sqrt<q16_16>(a, o3), lowp::error);

  Eigen::Array<q16_16, Eigen::Dynamic, Eigen::Dynamic> A(2, 3), B(2, 3);
  for (int i = 0; i < 6; ++i) {
    A.data()[i] = q16_16(0.75 * (i + 1));
    B.data()[i] = q16_16(-0.5 * (i + 2));
  }
  const auto P = lowp::intops::mul(A, B), Q = lowp::intops::div(A, B), R = lowp::intops::sqrt(A);
  REQUIRE(P.rows() == 2);
  REQUIRE(P.cols() == 3);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      CHECK(P(r, c) == A(r, c) * B(r, c));
      CHECK(Q(r, c) == A(r, c) / B(r, c));
      CHECK(R(r, c) == lowp::intops::sqrt(A(r, c)));
    }
  // a row-major operand and a column-major one are matched element by element
  Eigen::Array<q16_16, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Br = B;
  CHECK((lowp::intops::mul(A, Br) == P).all());
  CHECK(lowp::intops::dot(A, B) == lowp::intops::dot<q16_16>(std::vector<q16_16>(A.data(), A.data() + 6),
                                                             std::vector<q16_16>(B.data(), B.data() + 6)));
  CHECK(float(lowp::intops::l2_distance(A, A)) == 0.0f);
  Eigen::Array<q16_16, Eigen::Dynamic, Eigen::Dynamic> C(3, 2);
  CHECK_THROWS_AS(lowp::intops::mul(A, C), lowp::error);
  CHECK((lowp::intops::exp(A.col(0)) == lowp::intops::exp(Eigen::Array<q16_16, 2, 1>(A.col(0)))).all());
}

TEST_CASE("intops on std::vector and non-const spans: the type is deduced", "[intops][fixed]") {
  // before: dot(a, b) with std::vector<q16_16> failed to deduce T (the README's own snippet)
  using lowp::q16_16;
  std::vector<q16_16> a(50), b(50), o(50), want(50);
  for (int i = 0; i < 50; ++i) {
    a[std::size_t(i)] = q16_16(0.25 * i - 3);
    b[std::size_t(i)] = q16_16(1.5 - 0.125 * i);
  }
  const std::span<const q16_16> ca(a), cb(b);
  CHECK(lowp::intops::dot(a, b) == lowp::intops::dot(ca, cb));
  CHECK(lowp::intops::dot(std::span<q16_16>(a), std::span<q16_16>(b)) == lowp::intops::dot(ca, cb));
  CHECK(lowp::intops::l2_distance(a, b) == lowp::intops::l2_distance(ca, cb));
  lowp::intops::mul(a, b, o);
  lowp::intops::mul<q16_16>(ca, cb, want);
  CHECK(o == want);
  lowp::intops::sqrt(a, o);
  lowp::intops::sqrt<q16_16>(ca, want);
  CHECK(o == want);
}
