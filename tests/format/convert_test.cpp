// tests/format/convert_test.cpp: convert<T> across every family (one rounding, no pass through
// float), the bulk span form, and stochastic rounding (unbiased, reproducible, neighbours only).
#include <lowp/lowp.hpp>

#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <random>
#include <span>
#include <vector>

#include "../support/modes.hpp"
#include "../support/reference.hpp"
#include "../support/sample.hpp"

using namespace lowp;
using rne = rounding::nearest_even;
using sat = overflow::saturate;

TEST_CASE("lowp to lowp conversions round once from the exact value", "[convert]") {
  // float16 0x3C01 = 1 + 2^-10. Into e4m3fn: below the midpoint 1.0625 → 1.0
  CHECK(float(float8_e4m3fn(float16::from_bits(0x3C01))) == 1.0f);
  // bfloat16 → e2m1: 2.5 is a tie (2 or 3); 2.5078125 is above it: 3
  CHECK(float(float4_e2m1fn(bfloat16(2.5f))) == 2.0f);
  CHECK(float(float4_e2m1fn(float16(2.5078125f))) == 3.0f);
  // fixed with 40 fraction bits → e5m2: 1.125 + 2^-40 lies just above the tie of 1.0 and 1.25
  using f40 = fixed<20, 40>;
  const f40 x = f40::from_bits((std::int64_t(9) << 37) + 1);
  CHECK(float(x) == 1.125f);                                           // through float, the tail is lost...
  CHECK(float(convert<float8_e5m2>(x, rne{}, sat{})) == 1.25f);        // ...but convert sees it
  CHECK(float(convert<float8_e5m2>(float(x), rne{}, sat{})) == 1.0f);  // (the double-rounding trap: tie to even)
  // integers to every family
  CHECK(float(convert<float8_e4m3fn>(std::int64_t(-100), rne{}, sat{})) == -96.f);
  CHECK(float(convert<float8_e4m3fn>(std::uint64_t(~0ull), rne{}, sat{})) == 448.f);
  CHECK(convert<int4>(std::int64_t(INT64_MIN), rne{}, sat{}).value() == -8);
  CHECK(convert<int8>(float8_e5m2(57344.f), rne{}, overflow::wrap{}).value() == 0);  // 57344 = 224·256
  CHECK(convert<trit>(float8_e4m3fn(-0.75f), rne{}, sat{}).value() == -1);
  CHECK(double(convert<q8_8>(int4(-8), rne{}, sat{})) == -8.0);
  // long double: 64 significant bits, rounded once
  CHECK(float(float8_e4m3fn(1.0625L + 0x1p-60L)) == 1.125f);
  CHECK(float(float8_e4m3fn(1.0625L)) == 1.0f);
}

namespace {
// Two exact values are equal: trailing zero bits stripped, magnitude and exponent compared.
template <class A, class B>
bool same_value(unpacked<A> a, unpacked<B> b) {
  if (a.mag == 0 || b.mag == 0) return a.mag == 0 && b.mag == 0;
  while ((a.mag & 1) == 0) a.mag >>= 1, ++a.exp;
  while ((b.mag & 1) == 0) b.mag >>= 1, ++b.exp;
  return a.neg == b.neg && uint128(a.mag) == uint128(b.mag) && a.exp == b.exp;
}
// An IEEE binary128 bit pattern (IEEE 754-2019 §3.4: sign, 15-bit biased exponent, 112-bit field).
uint128 binary128_bits(bool neg, int biased_exp, uint128 field) {
  return (uint128(neg) << 127) | (uint128(unsigned(biased_exp)) << 112) | field;
}
}  // namespace

TEST_CASE("a binary128 long double is unpacked exactly, on every host", "[convert][long double]") {
  // 1 + 2^-80: exponent 16383, field bit 112 - 80 = 32
  const auto one = detail::unpack_binary128(binary128_bits(false, 16383, uint128(1) << 32));
  CHECK(one.mag == (uint128(1) << 112) + (uint128(1) << 32));
  CHECK(one.exp == -112);
  // 1.0625 + 2^-80 lies above the e4m3fn midpoint of 1 and 1.125: rounded once, 1.125 (twice: 1)
  const auto mid = detail::unpack_binary128(binary128_bits(false, 16383, (uint128(1) << 108) | (uint128(1) << 32)));
  CHECK(float(float8_e4m3fn::from_unpacked(mid, rne{}, overflow::propagate{})) == 1.125f);
  // 2.5 + 2^-70 → 3 and −(2.5 + 2^-70) → −3 as int8; 2^62 + 0.5 + 2^-40 → 2^62 + 1 as int64
  const uint128 f25 = (uint128(1) << 110) | (uint128(1) << (112 - 71));
  CHECK(int8::from_unpacked(detail::unpack_binary128(binary128_bits(false, 16384, f25)), rne{}, sat{}).value() == 3);
  CHECK(detail::convert_unpacked<std::int8_t>(detail::unpack_binary128(binary128_bits(true, 16384, f25)), rne{}, sat{},
                                              0) == -3);
  const uint128 f62 = (uint128(1) << (112 - 63)) | (uint128(1) << (112 - 102));  // 2^62 · (1 + 2^-63 + 2^-102)
  CHECK(detail::convert_unpacked<std::int64_t>(detail::unpack_binary128(binary128_bits(false, 16383 + 62, f62)), rne{},
                                               sat{}, 0) == (std::int64_t(1) << 62) + 1);
  // the smallest subnormal 2^-16494, infinities, NaN
  const auto tiny = detail::unpack_binary128(binary128_bits(true, 0, 1));
  CHECK((tiny.neg && tiny.mag == 1 && tiny.exp == -16494));
  CHECK(detail::unpack_binary128(binary128_bits(false, 0x7fff, 0)).is_inf());
  CHECK(detail::unpack_binary128(binary128_bits(false, 0x7fff, 1)).is_nan());
}

TEST_CASE("a double-double sum is held exactly or rounded to odd", "[convert][long double]") {
  // rounded to odd below 2^-126 of the leading bit, then to the target: as the exact sum would round
  const auto up = detail::sum_to_odd(unpack(2.5), unpack(0x1p-1000));
  const auto down = detail::sum_to_odd(unpack(2.5), unpack(-0x1p-1000));
  CHECK(detail::convert_unpacked<std::int8_t>(up, rne{}, sat{}, 0) == 3);
  CHECK(detail::convert_unpacked<std::int8_t>(down, rne{}, sat{}, 0) == 2);
  CHECK(float(float8_e4m3fn::from_unpacked(detail::sum_to_odd(unpack(1.0625), unpack(-0x1p-900)), rne{},
                                           overflow::propagate{})) == 1.0f);
  CHECK(detail::convert_unpacked<float>(detail::sum_to_odd(unpack(1.0), unpack(0x1p-1000)), rounding::toward_positive{},
                                        overflow::propagate{}, 0) == std::nextafter(1.f, 2.f));
  CHECK(detail::convert_unpacked<float>(detail::sum_to_odd(unpack(1.0), unpack(-0x1p-1000)), rounding::toward_zero{},
                                        overflow::propagate{}, 0) == std::nextafter(1.f, 0.f));
  // where the sum fits 128 bits it is exact: against integer arithmetic on the two magnitudes, for
  // pairs of the double-double form (|lo| at most a quarter of hi's last unit here)
  std::mt19937_64 g(7);
  for (int i = 0; i < 100000; ++i) {
    const int eh = int(g() % 64) - 32;
    const double hi = std::ldexp(double((g() >> 11) | (std::uint64_t(1) << 52)), eh);
    const double lo = std::ldexp(double(g() >> 12), eh - 54 - int(g() % 40)) * ((g() & 1) ? -1 : 1);
    const auto s = detail::sum_to_odd(unpack(hi), unpack(lo));
    const auto h = unpack(hi), l = unpack(lo);
    const int e = std::min(h.exp, l.exp);
    if (h.exp - e > 70 || l.exp - e > 70) continue;  // the exact sum needs more than 128 bits here
    unpacked<uint128> exact;
    const uint128 hm = uint128(h.mag) << (h.exp - e), lm = uint128(l.mag) << (l.exp - e);
    exact.mag = l.neg ? hm - lm : hm + lm;
    exact.exp = e;
    CHECK(same_value(s, exact));
  }
}

TEST_CASE("long double converts with one rounding, whatever its layout", "[convert][long double]") {
  // the last bit of each layout's significand at 1 (2^-63 x87, 2^-112 binary128, 2^-105 double-double)
  constexpr long double last = LDBL_MANT_DIG == 53    ? 0x1p-52L
                               : LDBL_MANT_DIG == 64  ? 0x1p-63L
                               : LDBL_MANT_DIG == 113 ? 0x1p-112L
                                                      : 0x1p-105L;
  if (LDBL_MANT_DIG > 53) {
    CHECK(float(float8_e4m3fn(1.0625L + last)) == 1.125f);
    CHECK(float(float8_e4m3fn(1.0625L - last)) == 1.0f);
    CHECK(convert<int8>(2.5L + 2 * last, rne{}, sat{}).value() == 3);
    CHECK(convert<int8>(2.5L - 2 * last, rne{}, sat{}).value() == 2);
    CHECK(convert<float>(1.0L + last, rounding::toward_positive{}, overflow::propagate{}) == std::nextafter(1.f, 2.f));
  }
  if (LDBL_MANT_DIG > 64) {  // the two cases: rounding through 64 bits gave 1 and 2
    CHECK(float(float8_e4m3fn(1.0625L + 0x1p-80L)) == 1.125f);
    CHECK(convert<int8>(2.5L + 0x1p-70L, rne{}, sat{}).value() == 3);
    CHECK(convert<std::int64_t>(0x1p62L + 0.5L + 0x1p-40L, rne{}, sat{}) == (std::int64_t(1) << 62) + 1);
  }
  CHECK(std::isnan(convert<float>(std::numeric_limits<long double>::quiet_NaN(), rne{}, overflow::propagate{})));
  CHECK(convert<float>(-std::numeric_limits<long double>::infinity(), rne{}, overflow::propagate{}) == -INFINITY);
  CHECK(std::signbit(convert<float>(-0.0L, rne{}, overflow::propagate{})));
}

TEST_CASE("convert to float and double honours the rounding mode", "[convert]") {
  using q = fixed<0, 63>;
  const q x = q::from_bits((std::int64_t(1) << 62) + 1);  // 0.5 + 2^-63
  CHECK(convert<float>(x, rne{}, overflow::propagate{}) == 0.5f);
  CHECK(convert<float>(x, rounding::toward_positive{}, overflow::propagate{}) == std::nextafter(0.5f, 1.f));
  CHECK(convert<double>(x, rounding::toward_zero{}, overflow::propagate{}) == 0.5);
  CHECK(convert<double>(1e300, rne{}, overflow::propagate{}) == 1e300);
  CHECK(convert<float>(1e300, rne{}, overflow::propagate{}) == INFINITY);
  CHECK(convert<float>(1e300, rne{}, sat{}) == FLT_MAX);
  CHECK(convert<int>(2.5, rne{}, sat{}) == 2);
  CHECK(convert<int>(-2.5, rounding::nearest_away{}, sat{}) == -3);
  CHECK(convert<std::uint8_t>(-3.0, rne{}, sat{}) == 0);
  CHECK(convert<std::int16_t>(40000.0, rne{}, overflow::wrap{}) == std::int16_t(40000 - 65536));
}

TEST_CASE("bulk convert over spans equals the scalar conversion; sizes must match", "[convert]") {
  std::vector<float> in = {0.f, 1.f, -2.5f, 448.f, 1000.f, -0.001f, 3.3f, 6.f, NAN, -INFINITY};
  std::vector<float8_e4m3fn> out(in.size());
  convert(std::span<const float>(in), std::span<float8_e4m3fn>(out), rne{}, sat{});
  for (std::size_t i = 0; i < in.size(); ++i)
    CHECK(out[i].bits() == convert<float8_e4m3fn>(in[i], rne{}, sat{}).bits());
  std::vector<float> back(in.size());
  convert(std::span<const float8_e4m3fn>(out), std::span<float>(back), rne{}, sat{});
  CHECK(back[4] == 448.f);
  std::vector<float4_e2m1fn> wrong(3);
  CHECK_THROWS_AS(convert(std::span<const float>(in), std::span<float4_e2m1fn>(wrong), rne{}, sat{}), lowp::error);
  CHECK_THROWS_WITH(convert(std::span<const float>(in), std::span<float4_e2m1fn>(wrong), rne{}, sat{}),
                    Catch::Contains("10") && Catch::Contains("3"));
  std::vector<float> none;
  std::vector<int8> none_out;
  CHECK_NOTHROW(convert(std::span<const float>(none), std::span<int8>(none_out), rne{}, sat{}));
}

TEST_CASE("stochastic rounding: the mean of 10^6 draws is within 4 standard errors of x", "[convert][stochastic]") {
  struct c {
    double x, lo, hi;
  };
  // e4m3fn neighbours 1.25 < x < 1.375; a subnormal gap; e2m1 between 4 and 6
  for (auto [x, lo, hi] : {c{1.3, 1.25, 1.375}, c{0.003, 0x1p-9, 0x1p-8}}) {
    const int n = 1000000;
    std::vector<float> in(n, float(x));
    std::vector<float8_e4m3fn> out(n);
    convert(std::span<const float>(in), std::span<float8_e4m3fn>(out), rounding::stochastic{2024, 0}, sat{});
    double sum = 0;
    for (auto v : out) {
      REQUIRE((float(v) == float(lo) || float(v) == float(hi)));
      sum += float(v);
    }
    const double xf = double(float(x)), p = (xf - lo) / (hi - lo);
    const double se = (hi - lo) * std::sqrt(p * (1 - p) / n);
    CHECK(std::fabs(sum / n - xf) < 4 * se);
  }
  const int n = 1000000;
  double sum = 0;
  for (int i = 0; i < n; ++i)
    sum += float(convert<float4_e2m1fn>(4.5f, rounding::stochastic{7, std::uint64_t(i)}, sat{}));
  const double p = 0.25, se = 2 * std::sqrt(p * (1 - p) / n);
  CHECK(std::fabs(sum / n - 4.5) < 4 * se);
}

TEST_CASE("stochastic rounding: the same seed gives the same codes, however the array is split",
          "[convert][stochastic]") {
  std::mt19937 rng(1);
  std::vector<float> in(1000);
  for (auto& v : in) v = std::uniform_real_distribution<float>(-500.f, 500.f)(rng);
  std::vector<float8_e5m2> a(in.size()), b(in.size()), c(in.size());
  const rounding::stochastic s{99, 1234};
  convert(std::span<const float>(in), std::span<float8_e5m2>(a), s, sat{});
  convert(std::span<const float>(in), std::span<float8_e5m2>(b), s, sat{});
  convert(std::span<const float>(in).first(377), std::span<float8_e5m2>(c).first(377), s, sat{});
  convert(std::span<const float>(in).subspan(377), std::span<float8_e5m2>(c).subspan(377),
          rounding::stochastic{99, 1234 + 377}, sat{});
  int differs_other_seed = 0;
  std::vector<float8_e5m2> d(in.size());
  convert(std::span<const float>(in), std::span<float8_e5m2>(d), rounding::stochastic{100, 1234}, sat{});
  for (std::size_t i = 0; i < in.size(); ++i) {
    REQUIRE(a[i].bits() == b[i].bits());
    REQUIRE(a[i].bits() == c[i].bits());
    REQUIRE(a[i].bits() == convert<float8_e5m2>(in[i], rounding::stochastic{99, 1234 + i}, sat{}).bits());
    differs_other_seed += a[i].bits() != d[i].bits();
  }
  CHECK(differs_other_seed > 100);
}

TEMPLATE_TEST_CASE("stochastic rounding gives one of the two neighbours (or the overflow result)",
                   "[convert][stochastic]", float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e8m0fnu, float6_e2m3fn,
                   float4_e2m1fn) {
  using T = TestType;
  const ref::rounder r(ref::format{T::exponent_bits, T::mantissa_bits, T::bias,
                                   T::format_encoding == encoding::ieee   ? ref::enc::ieee
                                   : T::format_encoding == encoding::fn   ? ref::enc::fn
                                   : T::format_encoding == encoding::fnuz ? ref::enc::fnuz
                                   : T::format_encoding == encoding::none ? ref::enc::none
                                                                          : ref::enc::fnu});
  const auto sample = support::dense_sample(r, 31, 5000);
  std::uint64_t i = 0;
  for (double x : sample) {
    const auto down = r.round(x, ref::mode::toward_negative, ref::ovf::saturate);
    const auto up = r.round(x, ref::mode::toward_positive, ref::ovf::saturate);
    const auto got = convert<T>(x, rounding::stochastic{5, i++}, sat{}).bits();
    if (got != down && got != up) FAIL_CHECK("x = " << x << " got " << int(got));
  }
}
