// tests/format/intn_test.cpp: intn, trit and binary: every code, and rounding against the
// independent integer reference (tests/support/int_reference.hpp) for every mode and tag.
#include <lowp/format/convert.hpp>
#include <lowp/format/intn.hpp>
#include <lowp/format/minifloat.hpp>
#include <lowp/format/ternary.hpp>

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "../support/int_reference.hpp"
#include "../support/modes.hpp"
#include "../support/sample.hpp"

namespace {

std::vector<double> int_sample(int bits) {
  std::vector<double> s = {NAN,   -NAN,   INFINITY,         -INFINITY,       0.0,   -0.0,   1e30,
                           -1e30, 0x1p70, -0x1p70 - 0x1p18, 0x1p63 + 0x1p11, 1e300, -1e300, 1e-300};
  const double span = std::ldexp(1.0, bits + 1);
  for (double k = -span; k <= span; k += 1) {
    for (double d : {0.0, 0.5, 0.25, 0.75}) s.push_back(k + d);
    s.push_back(std::nextafter(k + 0.5, INFINITY));
    s.push_back(std::nextafter(k + 0.5, -INFINITY));
    s.push_back(double(std::nextafter(float(k + 0.5), INFINITY)));
  }
  std::mt19937 rng{unsigned(bits)};
  for (int i = 0; i < 5000; ++i) {
    const float f = support::float_from_bits(std::uint32_t(rng()));
    if (std::isfinite(f)) s.push_back(f);
  }
  return s;
}

}  // namespace

TEMPLATE_TEST_CASE("every intn code round-trips and has the value of its pattern", "[intn][exhaustive]",
                   (lowp::intn<1, true>), (lowp::intn<1, false>), lowp::int2, lowp::uint2, (lowp::intn<3, true>),
                   lowp::int4, lowp::uint4, (lowp::intn<5, true>), (lowp::intn<7, false>), lowp::int8, lowp::uint8,
                   (lowp::intn<12, true>), (lowp::intn<16, true>), (lowp::intn<16, false>)) {
  using T = TestType;
  constexpr int B = T::bit_width;
  for (std::uint32_t c = 0; c < (1u << B); ++c) {
    const T x = T::from_bits(typename T::storage_type(c));
    const long expect = T::is_signed && (c >> (B - 1)) ? long(c) - (1l << B) : long(c);  // two's complement
    REQUIRE(long(x.value()) == expect);
    REQUIRE(T(float(x)).bits() == c);
    REQUIRE(T(double(x)).bits() == c);
    REQUIRE(T(long(x.value())).bits() == c);
  }
  CHECK(long(T::max().value()) == (T::is_signed ? (1l << (B - 1)) - 1 : (1l << B) - 1));
  CHECK(long(T::lowest().value()) == (T::is_signed ? -(1l << (B - 1)) : 0));
  CHECK(std::numeric_limits<T>::max() == T::max());
}

TEMPLATE_TEST_CASE("intn rounding matches the integer reference, every mode and overflow tag", "[intn][reference]",
                   (lowp::intn<1, true>), lowp::int2, lowp::uint2, lowp::int4, lowp::uint4, lowp::int8, lowp::uint8,
                   (lowp::intn<16, true>)) {
  using T = TestType;
  constexpr int B = T::bit_width;
  const ref::i128 lo = T::is_signed ? -(ref::i128(1) << (B - 1)) : 0;
  const ref::i128 hi = T::is_signed ? (ref::i128(1) << (B - 1)) - 1 : (ref::i128(1) << B) - 1;
  const auto sample = int_sample(B < 10 ? B : 10);
  for (ref::mode m : support::all_modes) {
    for (ref::iovf o : support::all_int_overflows) {
      for (double x : sample) {
        // NaN → 0; ±Inf → the extreme, whatever the tag (±max under saturate_symmetric), spec §8
        const bool sym = o == ref::iovf::saturate_symmetric && T::is_signed;
        const ref::i128 want = std::isnan(x) ? 0
                               : std::isinf(x)
                                   ? (x > 0 ? hi : (sym ? -hi : lo))
                                   : ref::apply_overflow_double(ref::round_double(x, m), lo, hi, B, T::is_signed, o);
        const long got = support::with_mode(m, [&](auto r) {
          return support::with_int_overflow(o, [&](auto ov) { return long(lowp::convert<T>(x, r, ov).value()); });
        });
        if (got != long(want)) {
          FAIL_CHECK("x = " << x << " mode " << ref::name(m) << " overflow " << ref::name(o) << ": got " << got
                            << ", reference " << long(want));
        }
      }
    }
  }
}

TEST_CASE("int8 and int4 arithmetic is exact, then rounded and saturated, for every pair", "[intn][exhaustive]") {
  for (int a = -128; a <= 127; ++a) {
    for (int b = -128; b <= 127; ++b) {
      const lowp::int8 x(a), y(b);
      auto sat = [](ref::i128 v) { return long(ref::apply_overflow(v, -128, 127, 8, true, ref::iovf::saturate)); };
      REQUIRE(long((x + y).value()) == sat(a + b));
      REQUIRE(long((x - y).value()) == sat(a - b));
      REQUIRE(long((x * y).value()) == sat(a * b));
      if (b != 0)
        REQUIRE(long((x / y).value()) == sat(ref::round_rational(a, b, ref::mode::nearest_even)));
      else
        REQUIRE(long((x / y).value()) == (a > 0 ? 127 : a < 0 ? -128 : 0));  // x/0 toward the sign; 0/0 = 0
      REQUIRE((x < y) == (a < b));
      REQUIRE((x == y) == (a == b));
    }
  }
  CHECK(long((lowp::int4(7) + lowp::int4(3)).value()) == 7);
  CHECK(long((-lowp::int4(-8)).value()) == 7);
}

TEST_CASE("trit: codes t + 1, rounding then [-1, 1] under every tag", "[trit]") {
  for (std::uint8_t c = 0; c < 3; ++c) {
    CHECK(lowp::trit::from_bits(c).value() == int(c) - 1);
    CHECK(lowp::trit(float(lowp::trit::from_bits(c))).bits() == c);
  }
  static_assert(sizeof(lowp::trit) == 1);
  const ref::iovf tags[] = {ref::iovf::saturate, ref::iovf::saturate_symmetric, ref::iovf::saturate_zero,
                            ref::iovf::propagate};
  for (ref::mode m : support::all_modes) {
    for (ref::iovf o : tags) {
      for (double x : int_sample(2)) {
        const long want = std::isnan(x) ? 0
                          : std::isinf(x)
                              ? (x > 0 ? 1 : -1)  // spec §8
                              : long(ref::apply_overflow_double(ref::round_double(x, m), -1, 1, 2, true, o));
        const int got = support::with_mode(m, [&](auto r) {
          return support::with_int_overflow(o, [&](auto ov) {
            if constexpr (std::is_same_v<decltype(ov), lowp::overflow::wrap>)
              return 99;
            else
              return lowp::convert<lowp::trit>(x, r, ov).value();
          });
        });
        if (got != want) FAIL_CHECK("x = " << x << " mode " << ref::name(m) << " overflow " << ref::name(o));
      }
    }
  }
  CHECK(lowp::trit(0.49f).value() == 0);
  CHECK(lowp::trit(0.5f).value() == 0);  // tie to even
  CHECK(lowp::trit(0.51f).value() == 1);
  CHECK(lowp::trit(-7.f).value() == -1);
  CHECK(lowp::trit(NAN).value() == 0);
  CHECK((lowp::trit(1) * lowp::trit(-1)).value() == -1);
  CHECK((lowp::trit(1) + lowp::trit(1)).value() == 1);
}

TEST_CASE("binary: codes 0 -> -1, 1 -> +1, sign rules of every mode", "[binary]") {
  using lowp::binary;
  using namespace lowp::rounding;
  const lowp::overflow::saturate s{};
  CHECK(binary::from_bits(0).value() == -1);
  CHECK(binary::from_bits(1).value() == 1);
  CHECK(binary(0.f).value() == 1);  // sign(0) = +1
  CHECK(binary(-0.f).value() == 1);
  CHECK(binary(-1e-30f).value() == -1);
  CHECK(binary(3.f).value() == 1);
  CHECK(binary(NAN).value() == 1);
  CHECK(lowp::convert<binary>(0.f, nearest_down{}, s).value() == -1);
  CHECK(lowp::convert<binary>(-0.5f, toward_positive{}, s).value() == 1);
  CHECK(lowp::convert<binary>(-1.f, toward_positive{}, s).value() == -1);
  CHECK(lowp::convert<binary>(0.5f, toward_negative{}, s).value() == -1);
  CHECK(lowp::convert<binary>(1.f, toward_negative{}, s).value() == 1);
  CHECK(lowp::convert<binary>(-INFINITY, toward_positive{}, s).value() == -1);
  CHECK((binary(1) * binary(-1)).value() == -1);  // XNOR
  CHECK((binary(-1) * binary(-1)).value() == 1);
  // stochastic: P(+1) = (x + 1) / 2
  for (float x : {-0.5f, 0.f, 0.75f}) {
    long ups = 0;
    const long n = 200000;
    for (long i = 0; i < n; ++i) ups += lowp::convert<binary>(x, stochastic{9, std::uint64_t(i)}, s).value() > 0;
    const double p = (x + 1) / 2, se = std::sqrt(p * (1 - p) / n);
    CHECK(std::fabs(double(ups) / n - p) < 4 * se);
  }
  CHECK(lowp::convert<binary>(2.f, stochastic{1, 0}, s).value() == 1);
  CHECK(lowp::convert<binary>(-1.f, stochastic{1, 0}, s).value() == -1);
}

TEST_CASE("format_traits states what each format is, from the spec's definitions", "[traits]") {
  using lowp::format_traits;
  // §5.1 ranges: int4 [-8, 7], uint8 [0, 255], trit [-1, 1], binary {-1, +1}, e4m3fn ±448, e2m1 ±6
  CHECK(format_traits<lowp::int4>::qmax() == 7.0);
  CHECK(format_traits<lowp::int4>::qmin() == -8.0);
  CHECK(format_traits<lowp::uint8>::qmax() == 255.0);
  CHECK(format_traits<lowp::uint8>::qmin() == 0.0);
  CHECK(format_traits<lowp::trit>::qmax() == 1.0);
  CHECK(format_traits<lowp::trit>::qmin() == -1.0);
  CHECK(format_traits<lowp::binary>::qmax() == 1.0);
  CHECK(format_traits<lowp::binary>::qmin() == -1.0);
  CHECK(format_traits<lowp::float8_e4m3fn>::qmax() == 448.0);
  CHECK(format_traits<lowp::float8_e4m3fn>::qmin() == -448.0);
  CHECK(format_traits<lowp::float4_e2m1fn>::qmax() == 6.0);
  // codes of integer values: a trit stores q + 1, binary 1 for +1 and 0 for -1, intn two's complement
  for (int q = -1; q <= 1; ++q) {
    CHECK(int(format_traits<lowp::trit>::from_int(q).bits()) == q + 1);
    CHECK(float(format_traits<lowp::trit>::from_int(q)) == float(q));
  }
  CHECK(format_traits<lowp::binary>::from_int(1).bits() == 1);
  CHECK(format_traits<lowp::binary>::from_int(-1).bits() == 0);
  CHECK(float(format_traits<lowp::binary>::from_int(-1)) == -1.f);
  for (int q = -8; q <= 7; ++q) CHECK(float(format_traits<lowp::int4>::from_int(q)) == float(q));
  for (int q = 0; q <= 255; q += 17) CHECK(float(format_traits<lowp::uint8>::from_int(q)) == float(q));
  // the integer GEMM's view: uint8 shifted by 128 (gemmlowp), every code of ≤ 8 bits an int8
  STATIC_REQUIRE(format_traits<lowp::uint8>::int8_shift == 128);
  STATIC_REQUIRE(format_traits<lowp::int8>::int8_shift == 0);
  STATIC_REQUIRE(format_traits<lowp::int4>::int8_valued);
  STATIC_REQUIRE(format_traits<lowp::trit>::int8_valued);
  STATIC_REQUIRE(format_traits<lowp::binary>::int8_valued);
  STATIC_REQUIRE(!format_traits<lowp::float8_e4m3fn>::int8_valued);
  // packing and the rules each family takes
  STATIC_REQUIRE(format_traits<lowp::trit>::packs_base3);
  STATIC_REQUIRE(!format_traits<lowp::int2>::packs_base3);
  STATIC_REQUIRE(format_traits<lowp::trit>::code_offset == 1);
  STATIC_REQUIRE(format_traits<lowp::int4>::code_offset == 0);
  STATIC_REQUIRE(format_traits<lowp::trit>::takes_mean_scale && format_traits<lowp::binary>::takes_mean_scale);
  STATIC_REQUIRE(!format_traits<lowp::int4>::takes_mean_scale);
  STATIC_REQUIRE(format_traits<lowp::binary>::only_mean_or_mse_scale);
  STATIC_REQUIRE(format_traits<lowp::int8>::signed_grid && format_traits<lowp::trit>::signed_grid);
  STATIC_REQUIRE(!format_traits<lowp::uint8>::signed_grid);
}
