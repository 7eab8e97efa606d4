// tests/format/fixed_test.cpp: fixed and ufixed, every operation, rounding mode and overflow tag
// against an exact reference in 128-bit integers (tests/support/int_reference.hpp): exhaustively
// over all pairs for 8-bit Q formats, on edge and random operands for 16-, 32- and 64-bit ones.
#include <lowp/format/convert.hpp>
#include <lowp/format/fixed.hpp>
#include <lowp/format/minifloat.hpp>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <vector>

#include "../support/fixed_reference.hpp"

namespace {

using namespace support;
using ref::i128;

template <class T>
std::vector<i128> edge_operands(std::uint32_t seed) {
  const fixed_ref r = reference_for<lowp::rounding::nearest_even, lowp::overflow::saturate, T>();
  const i128 one = i128(1) << T::frac_bits;
  std::vector<i128> v = {r.lo, r.lo + 1, r.lo + 2, r.hi, r.hi - 1, 0, 1, 2, 3, r.hi / 2, r.hi / 2 + 1, r.lo / 2};
  if (T::is_signed) v.insert(v.end(), {-1, -2, -3});
  if (one <= r.hi) v.insert(v.end(), {one, one + 1, one - 1});
  if (T::is_signed && -one >= r.lo) v.insert(v.end(), {-one, -one + 1, -one - 1});
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 60; ++i) {
    const int shift = int(rng() % T::bit_width);
    i128 x = i128(rng() >> (64 - T::bit_width)) >> shift;
    if (T::is_signed && (rng() & 1)) x = -x;
    v.push_back(x);
  }
  std::erase_if(v, [&](i128 x) { return x < r.lo || x > r.hi; });  // operands are values of T
  return v;
}

template <int I, int F, bool S, class... ModeAndTag>
void edges_and_random() {
  long bad = 0;
  std::string first;
  // every mode and tag, or the one (mode, tag) pair given
  using modes = typename support::selection<ModeAndTag...>::modes;
  using tags = typename support::selection<ModeAndTag...>::tags;
  support::for_each(modes{}, [&]<class R>() {
    support::for_each(tags{}, [&]<class O>() {
      using T = lowp::basic_fixed<I, F, S, R, O>;
      const fixed_ref r = reference_for<R, O, T>();
      const auto v = edge_operands<T>(unsigned(I * 100 + F));
      for (i128 a : v)
        for (i128 b : v) check_ops<T>(r, a, b, bad, first);
    });
  });
  INFO(first);
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("fixed: every operation, mode and tag on edge and random operands, 16 to 64 bits", "[fixed]") {
  edges_and_random<0, 15, true>();    // Q1.15
  edges_and_random<15, 16, true>();   // Q16.16
  edges_and_random<40, 23, true>();   // 64 bits
  edges_and_random<32, 32, false>();  // 64-bit unsigned
}

TEST_CASE("fixed: more widths on edge and random operands, in a few modes", "[fixed]") {
  using namespace lowp::rounding;
  using namespace lowp::overflow;
  edges_and_random<7, 8, true, nearest_even, saturate>();   // Q8.8
  edges_and_random<0, 63, true, nearest_even, saturate>();  // 64 bits, all fraction
  edges_and_random<0, 63, true, to_odd, wrap>();
  edges_and_random<62, 1, true, nearest_away, wrap>();
  edges_and_random<16, 16, false, nearest_even, saturate_symmetric>();  // UQ16.16
  edges_and_random<16, 16, false, toward_negative, wrap>();
}

TEST_CASE("fixed: conversion from float and double, every mode and tag", "[fixed]") {
  long bad = 0;
  std::string first;
  std::vector<double> xs = {0.0,         -0.0,    1.5,      -1.5,         0.1,       -0.1,    1e-30,       -1e-30,
                            1e30,        -1e30,   NAN,      INFINITY,     -INFINITY, 0x1p-17, 3 * 0x1p-17, -3 * 0x1p-17,
                            32767.99999, 32768.0, -32768.0, -32768.00001, 65535.5,   1e19,    -1e19};
  std::mt19937 rng(3);
  for (int i = 0; i < 3000; ++i) {
    std::uint32_t b = std::uint32_t(rng());
    float f;
    std::memcpy(&f, &b, 4);
    xs.push_back(f);
    xs.push_back(std::ldexp(double(rng()) / 4294967296.0 - 0.5, int(rng() % 40) - 10));
  }
  auto run = [&]<int I, int F, bool S>() {
    support::for_each(support::deterministic_modes{}, [&]<class R>() {
      support::for_each(support::all_overflows{}, [&]<class O>() {
        using T = lowp::basic_fixed<I, F, S, R, O>;
        const fixed_ref r = reference_for<R, O, T>();
        for (double x : xs) {
          const i128 want = r.from_double(x);
          const i128 got = raw(T(x));
          const i128 got_conv = raw(lowp::convert<T>(x, R{}, O{}));
          if (got != want || got_conv != want) {
            if (bad++ == 0) first = "x = " + std::to_string(x) + " " + ref::name(r.m) + " " + ref::name(r.o);
          }
          if (double(float(x)) == x && raw(T(float(x))) != want) ++bad;
        }
      });
    });
  };
  run.operator()<15, 16, true>();   // Q16.16
  run.operator()<0, 15, true>();    // Q1.15
  run.operator()<40, 23, true>();   // 64 bits
  run.operator()<32, 32, false>();  // 64-bit unsigned
  INFO(first);
  CHECK(bad == 0);
}

TEST_CASE("fixed: conversions to float, double, integers and other fixed types", "[fixed]") {
  using lowp::q16_16;
  CHECK(double(q16_16(1.5)) == 1.5);
  CHECK(double(q16_16::max()) == 32768.0 - 0x1p-16);
  CHECK(double(q16_16::lowest()) == -32768.0);
  CHECK(float(q16_16::from_bits(0x7FFFFFFF)) == 32768.0f);  // 31 significant bits: rounded to nearest even
  using q64 = lowp::fixed<0, 63>;
  CHECK(double(q64::from_bits(1)) == 0x1p-63);
  CHECK(double(q64::from_bits(INT64_MAX)) == 1.0);  // 63 bits round to 1.0
  CHECK(int(q16_16(-2.75)) == -2);                  // C cast: toward zero
  CHECK(int(q16_16(2.75)) == 2);
  CHECK(std::int8_t(q16_16(300.0)) == 127);  // saturating
  // fixed → fixed: one rounding of the exact value, with the target's modes
  using q4 = lowp::fixed<7, 4, lowp::rounding::nearest_even>;
  CHECK(double(q4(q16_16(1.03125))) == 1.0);    // 1 + 1/32: below the half of 1/16
  CHECK(double(q4(q16_16(1.09375))) == 1.125);  // 1 + 3/32: the tie 1.09375 goes to even 1.125 (raw 18)
  using q4up = lowp::fixed<7, 4, lowp::rounding::toward_positive>;
  CHECK(double(q4up(q16_16(1.0000152587890625))) == 1.0625);
  CHECK(q16_16(q4(3.5)).bits() == 3.5 * 65536);
  // from integers
  CHECK(double(q16_16(-7)) == -7.0);
  CHECK(double(q16_16(100000)) == 32768.0 - 0x1p-16);  // saturates
  CHECK(double(lowp::fixed<15, 16, lowp::rounding::nearest_even, lowp::overflow::wrap>(32769)) == -32767.0);
  // from a minifloat, exactly
  CHECK(double(q16_16(lowp::float8_e4m3fn(0.8125f))) == 0.8125);
  CHECK(lowp::q1_15::bit_width == 16);
  CHECK(lowp::q8_8::bit_width == 16);
  CHECK(lowp::q1_7::bit_width == 8);
  static_assert(sizeof(q16_16) == 4 && sizeof(lowp::q1_7) == 1 && sizeof(q64) == 8);
  static_assert(std::is_same_v<decltype(q16_16().bits()), std::int32_t>);
  static_assert(std::is_same_v<decltype(lowp::ufixed<16, 16>().bits()), std::uint32_t>);
}

TEST_CASE("fixed to fixed: one rounding of the exact value, every mode, against the reference", "[fixed]") {
  // Q16.16 → Q8.4 (fixed<7, 4>): raw / 2^12 rounded by the target's mode, then saturated
  std::mt19937 rng(11);
  std::vector<std::int32_t> raws = {0, 1, -1, 2048, -2048, 2047, 4096 + 2048, -(4096 + 2048), INT32_MAX, INT32_MIN};
  for (int i = 0; i < 2000; ++i) raws.push_back(std::int32_t(rng()) >> (rng() % 16));
  long bad = 0;
  support::for_each(support::deterministic_modes{}, [&]<class R>() {
    using T = lowp::fixed<7, 4, R, lowp::overflow::saturate>;
    const fixed_ref r = reference_for<R, lowp::overflow::saturate, T>();
    for (std::int32_t a : raws) {
      const i128 want = r.fit(ref::round_rational(a, i128(1) << 12, r.m));
      bad += raw(T(lowp::q16_16::from_bits(a))) != want;
      bad += raw(lowp::convert<T>(lowp::q16_16::from_bits(a), R{}, lowp::overflow::saturate{})) != want;
    }
  });
  CHECK(bad == 0);
}

TEST_CASE("exact_mul and exact_add return a wider type holding the exact result", "[fixed]") {
  using lowp::q16_16;
  const q16_16 a(-32768.0), b(-32768.0);
  const auto p = lowp::exact_mul(a, b);
  static_assert(decltype(p)::int_bits == 31 && decltype(p)::frac_bits == 32);
  CHECK(double(p) == 1073741824.0);  // 2^30, beyond q16_16
  const auto s = lowp::exact_add(q16_16::max(), q16_16::max());
  CHECK(double(s) == 2 * (32768.0 - 0x1p-16));
  const auto mixed = lowp::exact_add(lowp::q1_7(0.5), lowp::fixed<3, 2>(-7.75));
  static_assert(decltype(mixed)::frac_bits == 7 && decltype(mixed)::int_bits == 4);
  CHECK(double(mixed) == -7.25);
  const auto um = lowp::exact_mul(lowp::ufixed<4, 4>(15.9375), lowp::fixed<3, 4>(-8.0));
  CHECK(double(um) == -127.5);
}

TEST_CASE("fixed with stochastic rounding: one of the two neighbours, reproducible, unbiased", "[fixed]") {
  using T = lowp::fixed<24, 0, lowp::rounding::stochastic>;
  double err = 0, var = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const T x(i), y(7);
    const T q = x / y;  // i / 7 lies between two integers
    const double exact = i / 7.0, f = exact - std::floor(exact);
    REQUIRE((double(q) == std::floor(exact) || double(q) == std::ceil(exact)));
    REQUIRE((x / y) == q);  // the same operands give the same result
    err += double(q) - exact;
    var += f * (1 - f);
  }
  CHECK(std::fabs(err) < 4 * std::sqrt(var));  // E[q] = i/7: the sum of errors is within 4 sigma of 0
  const double c = double(lowp::convert<T>(2.5, lowp::rounding::stochastic{1, 0}, lowp::overflow::saturate{}));
  CHECK((c == 2.0 || c == 3.0));
}
