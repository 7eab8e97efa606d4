// tests/format/pitfalls_test.cpp: the known pitfalls of the formats (docs/spec.md) and of their conversions, one test each.
#include <lowp/lowp.hpp>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

using namespace lowp;
using rne = rounding::nearest_even;
using sat = overflow::saturate;
using prop = overflow::propagate;

TEST_CASE("double -431.99999999999994 -> e4m3fn -416, not -448 (rounds once, not through float)", "[pitfall]") {
  const double x = -431.99999999999994;  // float(x) would be -432, the tie that goes to -448
  REQUIRE(float(x) == -432.f);
  CHECK(float(convert<float8_e4m3fn>(x, rne{}, sat{})) == -416.f);
  CHECK(float(float8_e4m3fn(x)) == -416.f);
  CHECK(float(float8_e4m3fn(-432.f)) == -448.f);  // the float tie: 448's code 0x7E is even
}

TEST_CASE("1.31640625 -> 1.375 in e4m3fn", "[pitfall]") {
  // 1.31640625 = 1 + 81/256 lies above the midpoint 1.3125 of 1.25 and 1.375
  CHECK(float(float8_e4m3fn(1.31640625f)) == 1.375f);
  CHECK(float8_e4m3fn(1.31640625).bits() == 0x3B);
}

TEST_CASE("e4m3fn overflow: 464 -> 448, 465 -> NaN under propagate, -465 -> 0xFF", "[pitfall]") {
  CHECK(float(float8_e4m3fn(464.f)) == 448.f);
  CHECK(float8_e4m3fn(464.f).bits() == 0x7E);
  CHECK(float8_e4m3fn(465.f).bits() == 0x7F);
  CHECK(std::isnan(float(float8_e4m3fn(465.f))));
  CHECK(float8_e4m3fn(-465.f).bits() == 0xFF);
  CHECK(convert<float8_e4m3fn>(465.f, rne{}, sat{}).bits() == 0x7E);
  CHECK(convert<float8_e4m3fn>(-465.f, rne{}, sat{}).bits() == 0xFE);
  CHECK(convert<float8_e4m3fn>(1e9f, rounding::toward_zero{}, prop{}).bits() == 0x7E);  // directed: max
}

TEST_CASE("61440 -> Inf in e5m2", "[pitfall]") {
  CHECK(float8_e5m2(61440.f).bits() == 0x7C);
  CHECK(float(float8_e5m2(61440.f)) == INFINITY);
  CHECK(float8_e5m2(61439.996f).bits() == 0x7B);
  CHECK(float8_e5m2(-1e6f).bits() == 0xFC);
  CHECK(convert<float8_e5m2>(61440.f, rne{}, sat{}).bits() == 0x7B);
}

TEST_CASE("0x80 is NaN in the fnuz formats, and there is no -0", "[pitfall]") {
  CHECK(std::isnan(float(float8_e4m3fnuz::from_bits(0x80))));
  CHECK(std::isnan(float(float8_e5m2fnuz::from_bits(0x80))));
  CHECK(float8_e4m3fnuz(-0.f).bits() == 0x00);
  CHECK(float8_e4m3fnuz(-1e-30f).bits() == 0x00);
  CHECK(float8_e4m3fnuz(NAN).bits() == 0x80);
  CHECK(float8_e5m2fnuz(-NAN).bits() == 0x80);
  CHECK(float8_e4m3fnuz(1e6f).bits() == 0x80);  // propagate: no Inf, so NaN
  CHECK(float(float8_e4m3fnuz::from_bits(0xFF)) == -240.f);
}

TEST_CASE("E8M0 0x00 decodes to 2^-127, 0xFF is NaN, and its rounding rules", "[pitfall]") {
  CHECK(float(float8_e8m0fnu::from_bits(0x00)) == 0x1p-127f);
  CHECK(double(float8_e8m0fnu::from_bits(0x00)) == 0x1p-127);
  CHECK(std::isnan(float(float8_e8m0fnu::from_bits(0xFF))));
  CHECK(float(float8_e8m0fnu::from_bits(0xFE)) == 0x1p127f);
  CHECK(float8_e8m0fnu(0.f).bits() == 0x00);
  CHECK(float8_e8m0fnu(1e-45f).bits() == 0x00);
  CHECK(float8_e8m0fnu(-2.f).bits() == 0x80);  // the sign is ignored
  CHECK(float8_e8m0fnu(NAN).bits() == 0xFF);
  CHECK(float8_e8m0fnu(INFINITY).bits() == 0xFF);
  CHECK(convert<float8_e8m0fnu>(INFINITY, rne{}, sat{}).bits() == 0xFE);
  CHECK(convert<float8_e8m0fnu>(0x1.8p127f, rne{}, sat{}).bits() == 0xFE);   // tie: 0xFE is even
  CHECK(convert<float8_e8m0fnu>(0x1.9p127f, rne{}, prop{}).bits() == 0xFF);  // rounds past 2^127
  CHECK(convert<float8_e8m0fnu>(0x1.9p127f, rne{}, sat{}).bits() == 0xFE);
  // x = (1 + f) · 2^k: toward_positive gives 2^(k+1) when f ≠ 0; toward_zero 2^k
  CHECK(convert<float8_e8m0fnu>(3.f, rounding::toward_positive{}, sat{}).bits() == 0x81);  // 1.5·2^1 → 2^2
  CHECK(convert<float8_e8m0fnu>(2.f, rounding::toward_positive{}, sat{}).bits() == 0x80);
  CHECK(convert<float8_e8m0fnu>(3.99f, rounding::toward_zero{}, sat{}).bits() == 0x80);
  // nearest_even: up when f > 0.5; at f = 0.5 the even code (1.5 = 1.5·2^0: 0x7F odd, 0x80 even)
  CHECK(convert<float8_e8m0fnu>(1.5f, rne{}, sat{}).bits() == 0x80);
  CHECK(convert<float8_e8m0fnu>(3.f, rne{}, sat{}).bits() == 0x80);  // 1.5·2^1: 0x80 even, 0x81 odd
  CHECK(convert<float8_e8m0fnu>(1.49f, rne{}, sat{}).bits() == 0x7F);
}

TEST_CASE("7.5, 28 and 6 are the finite maxima of fp6 / fp4 (no NaN codes)", "[pitfall]") {
  CHECK(float(float6_e2m3fn::from_bits(0x1F)) == 7.5f);
  CHECK(float(float6_e3m2fn::from_bits(0x1F)) == 28.f);
  CHECK(float(float4_e2m1fn::from_bits(0x7)) == 6.f);
  CHECK(float(float6_e2m3fn::from_bits(0x3F)) == -7.5f);
  CHECK(float(float4_e2m1fn::from_bits(0xF)) == -6.f);
  CHECK(float(float4_e2m1fn(NAN)) == 6.f);   // NaN -> +max (as CUDA)
  CHECK(float(float4_e2m1fn(1e9f)) == 6.f);  // propagate without Inf or NaN: max
  CHECK(float(float4_e2m1fn(-INFINITY)) == -6.f);
  CHECK(float(float6_e3m2fn(NAN)) == 28.f);
}

TEST_CASE("every tie of E2M1 under every rounding mode, worked by hand", "[pitfall][ties]") {
  // ties between neighbours of {0, 0.5, 1, 1.5, 2, 3, 4, 6}: 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5
  struct row {
    float x;
    float even, away, up, down, zero;
  };
  const row rows[] = {
      {0.25f, 0.f, 0.5f, 0.5f, 0.f, 0.f}, {0.75f, 1.f, 1.f, 1.f, 0.5f, 0.5f}, {1.25f, 1.f, 1.5f, 1.5f, 1.f, 1.f},
      {1.75f, 2.f, 2.f, 2.f, 1.5f, 1.5f}, {2.5f, 2.f, 3.f, 3.f, 2.f, 2.f},    {3.5f, 4.f, 4.f, 4.f, 3.f, 3.f},
      {5.f, 4.f, 6.f, 6.f, 4.f, 4.f},
  };
  for (const row& r : rows) {
    INFO("x = " << r.x);
    CHECK(float(convert<float4_e2m1fn>(r.x, rounding::nearest_even{}, sat{})) == r.even);
    CHECK(float(convert<float4_e2m1fn>(r.x, rounding::nearest_away{}, sat{})) == r.away);
    CHECK(float(convert<float4_e2m1fn>(r.x, rounding::nearest_up{}, sat{})) == r.up);
    CHECK(float(convert<float4_e2m1fn>(r.x, rounding::nearest_down{}, sat{})) == r.down);
    CHECK(float(convert<float4_e2m1fn>(r.x, rounding::nearest_zero{}, sat{})) == r.zero);
    // the mirror image: ties toward +inf become ties toward zero for negatives, and so on
    CHECK(float(convert<float4_e2m1fn>(-r.x, rounding::nearest_even{}, sat{})) == -r.even);
    CHECK(float(convert<float4_e2m1fn>(-r.x, rounding::nearest_away{}, sat{})) == -r.away);
    CHECK(float(convert<float4_e2m1fn>(-r.x, rounding::nearest_up{}, sat{})) == -r.down);
    CHECK(float(convert<float4_e2m1fn>(-r.x, rounding::nearest_down{}, sat{})) == -r.up);
    CHECK(float(convert<float4_e2m1fn>(-r.x, rounding::nearest_zero{}, sat{})) == -r.zero);
  }
  // the tie at 7 (between max 6 and the next code): even goes past max
  CHECK(float(convert<float4_e2m1fn>(7.f, rounding::nearest_even{}, sat{})) == 6.f);
  CHECK(float(convert<float4_e2m1fn>(7.f, rounding::nearest_even{}, overflow::saturate_zero{})) == 0.f);
  CHECK(float(convert<float4_e2m1fn>(7.f, rounding::nearest_zero{}, overflow::saturate_zero{})) == 6.f);
  // directed and odd
  CHECK(float(convert<float4_e2m1fn>(2.1f, rounding::toward_positive{}, sat{})) == 3.f);
  CHECK(float(convert<float4_e2m1fn>(-2.1f, rounding::toward_positive{}, sat{})) == -2.f);
  CHECK(float(convert<float4_e2m1fn>(2.9f, rounding::toward_negative{}, sat{})) == 2.f);
  CHECK(float(convert<float4_e2m1fn>(-2.1f, rounding::toward_negative{}, sat{})) == -3.f);
  CHECK(float(convert<float4_e2m1fn>(2.9f, rounding::toward_zero{}, sat{})) == 2.f);
  CHECK(float(convert<float4_e2m1fn>(2.1f, rounding::to_odd{}, sat{})) == 3.f);   // 2 is code 4 (even) -> 5
  CHECK(float(convert<float4_e2m1fn>(3.1f, rounding::to_odd{}, sat{})) == 3.f);   // 3 is code 5 (odd)
  CHECK(float(convert<float4_e2m1fn>(2.0f, rounding::to_odd{}, sat{})) == 2.f);   // exact stays
  CHECK(float(convert<float4_e2m1fn>(0.1f, rounding::to_odd{}, sat{})) == 0.5f);  // 0 is even -> min
  CHECK(float(convert<float4_e2m1fn>(100.f, rounding::to_odd{}, overflow::saturate_zero{})) == 6.f);
}

TEST_CASE("NaN and +-Inf for every format, mode and overflow tag", "[pitfall]") {
  // e4m3fn: NaN -> 0x7F; Inf -> max (saturate), NaN with sign (propagate), 0 (saturate_zero)
  CHECK(convert<float8_e4m3fn>(NAN, rounding::toward_zero{}, sat{}).bits() == 0x7F);
  CHECK(convert<float8_e4m3fn>(-NAN, rne{}, prop{}).bits() == 0x7F);
  CHECK(convert<float8_e4m3fn>(INFINITY, rne{}, sat{}).bits() == 0x7E);
  CHECK(convert<float8_e4m3fn>(-INFINITY, rne{}, sat{}).bits() == 0xFE);
  CHECK(convert<float8_e4m3fn>(-INFINITY, rne{}, prop{}).bits() == 0xFF);
  CHECK(convert<float8_e4m3fn>(-INFINITY, rne{}, overflow::saturate_zero{}).bits() == 0x80);
  CHECK(convert<float8_e5m2>(-INFINITY, rounding::toward_zero{}, prop{}).bits() == 0xFC);  // Inf stays Inf
  CHECK(convert<float8_e5m2>(NAN, rne{}, prop{}).bits() == 0x7F);
  CHECK(convert<float8_e4m3>(INFINITY, rne{}, prop{}).bits() == 0x78);
  CHECK(convert<float8_e3m4>(-INFINITY, rne{}, prop{}).bits() == 0xF0);
  CHECK(convert<float8_e3m4>(NAN, rne{}, prop{}).bits() == 0x7F);
  CHECK(convert<float8_e5m2fnuz>(-INFINITY, rne{}, prop{}).bits() == 0x80);
  CHECK(convert<float8_e5m2fnuz>(-INFINITY, rne{}, sat{}).bits() == 0xFF);
  CHECK(convert<float16>(INFINITY, rne{}, prop{}).bits() == 0x7C00);
  CHECK(convert<bfloat16>(NAN, rne{}, prop{}).bits() == 0x7FFF);
  CHECK(convert<int8>(NAN, rne{}, sat{}).value() == 0);
  CHECK(convert<int8>(INFINITY, rne{}, overflow::wrap{}).value() == 127);  // Inf: the extreme, whatever the tag
  CHECK(convert<int8>(-INFINITY, rne{}, overflow::saturate_zero{}).value() == -128);
  CHECK(convert<int8>(-INFINITY, rne{}, overflow::saturate_symmetric{}).value() == -127);
  CHECK(convert<trit>(-INFINITY, rne{}, sat{}).value() == -1);
  CHECK(convert<trit>(NAN, rne{}, sat{}).value() == 0);
  CHECK(double(convert<q16_16>(NAN, rne{}, sat{})) == 0.0);
  CHECK(convert<q16_16>(-INFINITY, rne{}, overflow::wrap{}).bits() == INT32_MIN);
  // every format, mode and tag: the float reference test covers NaN and Inf inputs for all of them
  // (tests/format/minifloat_test.cpp, the sample includes NaN, ±Inf, ±FLT_MAX, ±DBL_MAX).
}
