// tests/format/minifloat_test.cpp: every code of every minifloat, and rounding against an
// independent reference (tests/support/reference.hpp) for every mode and overflow tag.
#include <lowp/format/convert.hpp>
#include <lowp/format/minifloat.hpp>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include "../support/modes.hpp"
#include "../support/reference.hpp"
#include "../support/sample.hpp"

namespace {

using custom_fp5 = lowp::minifloat<2, 2, lowp::encoding::fn>;         // the one-line format of docs/architecture.md
using custom_fp16 = lowp::minifloat<6, 9>;                            // ieee, 16 bits
using custom_bias = lowp::minifloat<4, 3, lowp::encoding::ieee, 11>;  // any bias
using custom_fnu = lowp::minifloat<5, 2, lowp::encoding::fnu>;        // unsigned with mantissa
using custom_e1 = lowp::minifloat<1, 2, lowp::encoding::none>;        // E = 1
using custom_m0 = lowp::minifloat<3, 0, lowp::encoding::fnuz>;        // M = 0
using custom_e1_ieee = lowp::minifloat<1, 3, lowp::encoding::ieee>;   // E = 1 with Inf/NaN
using custom_e15 = lowp::minifloat<15, 0, lowp::encoding::ieee>;      // beyond double's range

template <class T>
ref::format ref_format() {
  using lowp::encoding;
  const encoding e = T::format_encoding;
  const ref::enc r = e == encoding::ieee   ? ref::enc::ieee
                     : e == encoding::fn   ? ref::enc::fn
                     : e == encoding::fnuz ? ref::enc::fnuz
                     : e == encoding::none ? ref::enc::none
                                           : ref::enc::fnu;
  return {T::exponent_bits, T::mantissa_bits, T::bias, r};
}

template <class T>
std::uint32_t encode_with(double x, ref::mode m, ref::ovf o) {
  return support::with_mode(m, [&](auto r) {
    return support::with_overflow(o, [&](auto ov) { return std::uint32_t(lowp::convert<T>(x, r, ov).bits()); });
  });
}

}  // namespace

#define LOWP_ALL_MINIFLOATS                                                                                   \
  lowp::float8_e4m3fn, lowp::float8_e4m3fnuz, lowp::float8_e4m3, lowp::float8_e5m2, lowp::float8_e5m2fnuz,    \
      lowp::float8_e3m4, lowp::float8_e8m0fnu, lowp::float6_e2m3fn, lowp::float6_e3m2fn, lowp::float4_e2m1fn, \
      lowp::float16, lowp::bfloat16, custom_fp5, custom_fp16, custom_bias, custom_fnu, custom_e1, custom_m0,  \
      custom_e1_ieee

#define LOWP_SMALL_MINIFLOATS                                                                                 \
  lowp::float8_e4m3fn, lowp::float8_e4m3fnuz, lowp::float8_e4m3, lowp::float8_e5m2, lowp::float8_e5m2fnuz,    \
      lowp::float8_e3m4, lowp::float8_e8m0fnu, lowp::float6_e2m3fn, lowp::float6_e3m2fn, lowp::float4_e2m1fn, \
      custom_fp5, custom_bias, custom_fnu, custom_e1, custom_m0, custom_e1_ieee

TEMPLATE_TEST_CASE("every code decodes to the value its definition gives", "[minifloat][exhaustive]",
                   LOWP_ALL_MINIFLOATS) {
  const ref::format f = ref_format<TestType>();
  REQUIRE(f.bits() == TestType::bit_width);
  for (std::uint32_t c = 0; c < (1u << f.bits()); ++c) {
    const auto x = TestType::from_bits(typename TestType::storage_type(c));
    const ref::decoded d = f.decode(c);
    const float lf = float(x);
    const double ld = double(x);
    INFO("code " << c);
    if (d.nan) {
      REQUIRE(std::isnan(lf));
      REQUIRE(std::isnan(ld));
      REQUIRE(x.is_nan());
    } else {
      REQUIRE(ld == d.value);
      REQUIRE(std::signbit(ld) == std::signbit(d.value));
      REQUIRE(double(lf) == d.value);  // every format here fits float exactly
      REQUIRE(std::signbit(lf) == std::signbit(d.value));
      REQUIRE(x.is_inf() == d.inf);
    }
  }
}

TEMPLATE_TEST_CASE("every code re-encodes to itself (NaNs to the canonical NaN)", "[minifloat][exhaustive]",
                   LOWP_ALL_MINIFLOATS) {
  using T = TestType;
  const std::uint32_t canonical_nan = T::format_encoding == lowp::encoding::fnuz
                                          ? 1u << (T::bit_width - 1)
                                          : (1u << (T::exponent_bits + T::mantissa_bits)) - 1;
  for (std::uint32_t c = 0; c < (1u << T::bit_width); ++c) {
    const auto x = T::from_bits(typename T::storage_type(c));
    const std::uint32_t expect = x.is_nan() ? canonical_nan : c;
    INFO("code " << c);
    REQUIRE(T(float(x)).bits() == expect);
    REQUIRE(T(double(x)).bits() == expect);
    REQUIRE(lowp::convert<T>(x, lowp::rounding::nearest_even{}, lowp::overflow::propagate{}).bits() == expect);
    if (!x.is_nan() && !x.is_inf()) {
      REQUIRE(lowp::convert<T>(double(x), lowp::rounding::toward_zero{}, lowp::overflow::saturate{}).bits() == c);
    }
    if (x.is_inf()) {  // ±Inf saturates to ±max
      REQUIRE(float(lowp::convert<T>(float(x), lowp::rounding::nearest_even{}, lowp::overflow::saturate{})) ==
              (float(x) > 0 ? float(T::max()) : -float(T::max())));
    }
  }
}

TEST_CASE("a format beyond double's range decodes and re-encodes", "[minifloat]") {
  using T = custom_e15;  // E = 15: exponents down to 2^-16382
  for (std::uint32_t c = 0; c < (1u << T::bit_width); ++c) {
    const auto x = T::from_bits(std::uint16_t(c));
    if (x.is_nan()) continue;
    REQUIRE(T(x).bits() == c);  // lowp → lowp, exact
  }
  REQUIRE(double(T::from_bits(0x3FFF)) == 1.0);              // bias 16383
  REQUIRE(double(T::from_bits(0x3FFF + 1100)) == INFINITY);  // 2^1100 overflows double: nearest even → Inf
  REQUIRE(double(T::from_bits(0x3FFF - 1100)) == 0.0);
  REQUIRE(float(T::from_bits(0x3FFF - 149)) == std::numeric_limits<float>::denorm_min());
}

TEMPLATE_TEST_CASE("rounding from float and double matches the table reference, every mode and overflow tag",
                   "[minifloat][reference]", LOWP_SMALL_MINIFLOATS) {
  using T = TestType;
  const ref::rounder r(ref_format<T>());
  const auto sample = support::dense_sample(r, 12345u + T::bit_width * 7u + T::mantissa_bits);
  std::size_t checked = 0;
  for (ref::mode m : support::all_modes) {
    for (ref::ovf o : support::float_overflows) {
      for (double x : sample) {
        const std::uint32_t want = r.round(x, m, o);
        const std::uint32_t got = encode_with<T>(x, m, o);
        if (got != want) {
          FAIL_CHECK("x = " << x << " (" << std::hexfloat << x << std::defaultfloat << ") mode " << ref::name(m)
                            << " overflow " << ref::name(o) << ": got " << got << ", reference " << want);
        }
        if (double(float(x)) == x || std::isnan(x)) {  // the float overload rounds the same
          const std::uint32_t got_f = support::with_mode(m, [&](auto rr) {
            return support::with_overflow(
                o, [&](auto ov) { return std::uint32_t(lowp::convert<T>(float(x), rr, ov).bits()); });
          });
          REQUIRE(got_f == want);
        }
        ++checked;
      }
    }
  }
  REQUIRE(checked > 100000);
}

TEMPLATE_TEST_CASE("16-bit formats against the reference (thinned boundaries)", "[minifloat][reference]", lowp::float16,
                   lowp::bfloat16) {
  using T = TestType;
  const ref::rounder r(ref_format<T>());
  const auto sample = support::dense_sample(r, 777u, 5000, 5);
  for (ref::mode m : support::all_modes) {
    for (ref::ovf o : support::float_overflows) {
      for (double x : sample) {
        const std::uint32_t want = r.round(x, m, o);
        const std::uint32_t got = encode_with<T>(x, m, o);
        if (got != want) FAIL_CHECK("x = " << x << " mode " << ref::name(m) << " overflow " << ref::name(o));
      }
    }
  }
}

TEST_CASE("the format table of spec §1", "[minifloat]") {
  using namespace lowp;
  // max, min normal, min subnormal, as the table lists them
  CHECK(float(float8_e4m3fn::max()) == 448.f);
  CHECK(float(float8_e4m3fn::min_normal()) == 0x1p-6f);
  CHECK(float(float8_e4m3fn::denorm_min()) == 0x1p-9f);
  CHECK(float(float8_e4m3fnuz::max()) == 240.f);
  CHECK(float(float8_e4m3fnuz::min_normal()) == 0x1p-7f);
  CHECK(float(float8_e4m3fnuz::denorm_min()) == 0x1p-10f);
  CHECK(float(float8_e4m3::max()) == 240.f);
  CHECK(float(float8_e4m3::min_normal()) == 0x1p-6f);
  CHECK(float(float8_e5m2::max()) == 57344.f);
  CHECK(float(float8_e5m2::min_normal()) == 0x1p-14f);
  CHECK(float(float8_e5m2::denorm_min()) == 0x1p-16f);
  CHECK(float(float8_e5m2fnuz::max()) == 57344.f);
  CHECK(float(float8_e5m2fnuz::min_normal()) == 0x1p-15f);
  CHECK(float(float8_e5m2fnuz::denorm_min()) == 0x1p-17f);
  CHECK(float(float8_e3m4::max()) == 15.5f);
  CHECK(float(float8_e3m4::min_normal()) == 0.25f);
  CHECK(float(float8_e3m4::denorm_min()) == 0x1p-6f);
  CHECK(float(float8_e8m0fnu::max()) == 0x1p127f);
  CHECK(float(float8_e8m0fnu::from_bits(0)) == 0x1p-127f);
  CHECK(float6_e2m3fn::bit_width == 6);
  CHECK(float(float6_e2m3fn::max()) == 7.5f);
  CHECK(float(float6_e2m3fn::min_normal()) == 1.f);
  CHECK(float(float6_e2m3fn::denorm_min()) == 0.125f);
  CHECK(float(float6_e3m2fn::max()) == 28.f);
  CHECK(float(float6_e3m2fn::min_normal()) == 0.25f);
  CHECK(float(float6_e3m2fn::denorm_min()) == 0.0625f);
  CHECK(float4_e2m1fn::bit_width == 4);
  CHECK(float(float4_e2m1fn::max()) == 6.f);
  const float e2m1[] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  for (std::uint8_t c = 0; c < 8; ++c) CHECK(float(float4_e2m1fn::from_bits(c)) == e2m1[c]);
  CHECK(float(float16::max()) == 65504.f);
  CHECK(float(bfloat16::max()) == 0x1.FEp127f);
  static_assert(sizeof(float8_e4m3fn) == 1 && sizeof(float8_e8m0fnu) == 1 && sizeof(float16) == 2);
  static_assert(std::is_trivially_copyable_v<float8_e4m3fn>);
  static_assert(std::is_same_v<float8_e4m3fn, minifloat<4, 3, encoding::fn, 7>>);
  static_assert(std::is_same_v<float8_e4m3fnuz, minifloat<4, 3, encoding::fnuz, 8>>);
  static_assert(std::is_same_v<float8_e5m2fnuz, minifloat<5, 2, encoding::fnuz, 16>>);
  static_assert(std::is_same_v<float8_e8m0fnu, minifloat<8, 0, encoding::fnu, 127>>);
  static_assert(!float8_e4m3fn::has_infinity && float8_e4m3fn::has_nan);
  static_assert(float8_e5m2::has_infinity && float8_e5m2::has_nan);
  static_assert(!float4_e2m1fn::has_nan && !float4_e2m1fn::has_infinity);
  // numeric_limits from the same traits
  CHECK(std::numeric_limits<float8_e4m3fn>::max() == float8_e4m3fn(448.f));
  CHECK(float(std::numeric_limits<float8_e4m3fn>::lowest()) == -448.f);
  CHECK(float(std::numeric_limits<float8_e4m3fn>::min()) == 0x1p-6f);
  CHECK(float(std::numeric_limits<float8_e4m3fn>::denorm_min()) == 0x1p-9f);
  CHECK(float(std::numeric_limits<float8_e4m3fn>::epsilon()) == 0.125f);
  CHECK(std::isnan(float(std::numeric_limits<float8_e4m3fn>::quiet_NaN())));
  CHECK(float(std::numeric_limits<float8_e5m2>::infinity()) == INFINITY);
  CHECK(std::numeric_limits<float8_e5m2>::digits == 3);
  // exponent10 (C11 §5.2.4.2.2): ⌈log10 min normal⌉ and ⌊log10 max finite⌋, values by hand:
  // e4m3fn 2^-6 = 0.0156, 448; e5m2 2^-14 = 6.1e-5, 57344; e8m0 2^-127 = 5.9e-39, 2^127 = 1.7e38;
  // e2m1 1, 6; e3m4 2^-2, 15.5; float16 2^-14, 65504
  STATIC_REQUIRE(std::numeric_limits<float8_e4m3fn>::min_exponent10 == -1);
  STATIC_REQUIRE(std::numeric_limits<float8_e4m3fn>::max_exponent10 == 2);
  STATIC_REQUIRE(std::numeric_limits<float8_e5m2>::min_exponent10 == -4);
  STATIC_REQUIRE(std::numeric_limits<float8_e5m2>::max_exponent10 == 4);
  STATIC_REQUIRE(std::numeric_limits<float8_e8m0fnu>::min_exponent10 == -38);
  STATIC_REQUIRE(std::numeric_limits<float8_e8m0fnu>::max_exponent10 == 38);
  STATIC_REQUIRE(std::numeric_limits<float4_e2m1fn>::min_exponent10 == 0);
  STATIC_REQUIRE(std::numeric_limits<float4_e2m1fn>::max_exponent10 == 0);
  STATIC_REQUIRE(std::numeric_limits<float8_e3m4>::min_exponent10 == 0);
  STATIC_REQUIRE(std::numeric_limits<float8_e3m4>::max_exponent10 == 1);
  STATIC_REQUIRE(std::numeric_limits<float16>::min_exponent10 == -4);
  STATIC_REQUIRE(std::numeric_limits<float16>::max_exponent10 == 4);
  // the same rule on float's and double's parameters gives the standard library's values
  STATIC_REQUIRE(lowp::detail::ceil_log10_pow2(lowp::detail::min_normal(lowp::detail::native_spec<float>)) ==
                 std::numeric_limits<float>::min_exponent10);
  STATIC_REQUIRE(lowp::detail::floor_log10(lowp::detail::max_finite(lowp::detail::native_spec<float>)) ==
                 std::numeric_limits<float>::max_exponent10);
  STATIC_REQUIRE(lowp::detail::ceil_log10_pow2(lowp::detail::min_normal(lowp::detail::native_spec<double>)) ==
                 std::numeric_limits<double>::min_exponent10);
  STATIC_REQUIRE(lowp::detail::floor_log10(lowp::detail::max_finite(lowp::detail::native_spec<double>)) ==
                 std::numeric_limits<double>::max_exponent10);
  CHECK(std::numeric_limits<float16>::max_exponent == 16);   // IEEE binary16 (FLT16_MAX_EXP)
  CHECK(std::numeric_limits<float16>::min_exponent == -13);  // FLT16_MIN_EXP
  CHECK(std::numeric_limits<bfloat16>::max_exponent == std::numeric_limits<float>::max_exponent);
}

// g++ 12 has _Float16 in C++ on x86-64 only (it defines __FLT16_MAX__ on aarch64 too, for C);
// clang 14 on x86-64 does not define it
#if defined(__FLT16_MAX__) && (defined(__x86_64__) || defined(__clang__) || __GNUC__ >= 13)
TEST_CASE("float16 agrees with the compiler's _Float16 on every code and on random floats", "[minifloat]") {
  for (std::uint32_t c = 0; c < 65536; ++c) {
    _Float16 h;
    const std::uint16_t b = std::uint16_t(c);
    std::memcpy(&h, &b, 2);
    const float ours = float(lowp::float16::from_bits(b));
    if (std::isnan(float(h)))
      REQUIRE(std::isnan(ours));
    else
      REQUIRE(ours == float(h));
  }
  std::mt19937 rng(5);
  for (int i = 0; i < 200000; ++i) {
    const float x = support::float_from_bits(std::uint32_t(rng()));
    const _Float16 h = _Float16(x);  // the compiler's round-to-nearest-even conversion
    std::uint16_t b;
    std::memcpy(&b, &h, 2);
    if (std::isnan(x)) continue;
    REQUIRE(lowp::float16(x).bits() == b);
  }
}
#endif
