// examples/format_table.cpp: what `make demo` prints for now — the table of every format, computed
// from the types themselves, and a few conversions under each rounding mode.
#include <lowp/lowp.hpp>

#include <cmath>
#include <cstdio>
#include <string>

namespace {

std::string specials(lowp::encoding e, bool has_nan, bool has_inf) {
  std::string s;
  if (has_inf) s += "Inf ";
  if (has_nan) s += e == lowp::encoding::fnuz ? "NaN(0x80) " : "NaN ";
  if (e == lowp::encoding::fnuz)
    s += "+0 only";
  else if (e == lowp::encoding::fnu)
    s += "no zero, unsigned";
  else
    s += "+-0";
  return s;
}

template <class T>
void row(const char* name) {
  std::printf("| %-16s | %2d | %-5s | %-5s | %5d | %-13.7g | %-13.7g | %-13.7g | %-26s |\n", name, T::bit_width,
              ("E" + std::to_string(T::exponent_bits) + "M" + std::to_string(T::mantissa_bits)).c_str(),
              lowp::name_of(T::format_encoding), T::bias, double(T::max()), double(T::min_normal()),
              double(T::denorm_min()), specials(T::format_encoding, T::has_nan, T::has_infinity).c_str());
}

template <class T>
void int_row(const char* name) {
  std::printf("| %-16s | %2d | int   |       |       | %-13g | %-13g |               | %-26s |\n", name, T::bit_width,
              double(T::max()), double(T::lowest()), "saturating, no NaN/Inf");
}

template <class T>
void fixed_row(const char* name) {
  std::printf("| %-16s | %2d | %-5s |       |       | %-13.10g | %-13.10g | %-13.6g | %-26s |\n", name, T::bit_width,
              ("Q" + std::to_string(T::int_bits + 1) + "." + std::to_string(T::frac_bits)).c_str(), double(T::max()),
              double(T::lowest()), double(T::epsilon()), "step 2^-F, exact ops");
}

template <class T>
void conversions(const char* name, double x) {
  using namespace lowp::rounding;
  const lowp::overflow::saturate s{};
  std::printf("| %-14s | %-20.17g | %9g | %9g | %9g | %9g | %9g | %9g | %9g | %9g | %9g | %9g |\n", name, x,
              double(lowp::convert<T>(x, nearest_even{}, s)), double(lowp::convert<T>(x, nearest_away{}, s)),
              double(lowp::convert<T>(x, nearest_up{}, s)), double(lowp::convert<T>(x, nearest_down{}, s)),
              double(lowp::convert<T>(x, nearest_zero{}, s)), double(lowp::convert<T>(x, toward_zero{}, s)),
              double(lowp::convert<T>(x, toward_positive{}, s)), double(lowp::convert<T>(x, toward_negative{}, s)),
              double(lowp::convert<T>(x, to_odd{}, s)), double(lowp::convert<T>(x, stochastic{42, 0}, s)));
}

}  // namespace

int main() {
  std::printf("lowp formats (every figure computed from the type)\n\n");
  std::printf("| %-16s | %2s | %-5s | %-5s | %5s | %-13s | %-13s | %-13s | %-26s |\n", "type", "b", "E,M", "enc",
              "bias", "max", "min normal", "min subnormal", "specials");
  std::printf(
      "|------------------|----|-------|-------|-------|---------------|---------------|---------------|---------------"
      "-------------|\n");
  row<lowp::float8_e4m3fn>("float8_e4m3fn");
  row<lowp::float8_e4m3fnuz>("float8_e4m3fnuz");
  row<lowp::float8_e4m3>("float8_e4m3");
  row<lowp::float8_e5m2>("float8_e5m2");
  row<lowp::float8_e5m2fnuz>("float8_e5m2fnuz");
  row<lowp::float8_e3m4>("float8_e3m4");
  row<lowp::float8_e8m0fnu>("float8_e8m0fnu");
  row<lowp::float6_e2m3fn>("float6_e2m3fn");
  row<lowp::float6_e3m2fn>("float6_e3m2fn");
  row<lowp::float4_e2m1fn>("float4_e2m1fn");
  row<lowp::float16>("float16");
  row<lowp::bfloat16>("bfloat16");
  row<lowp::minifloat<2, 2, lowp::encoding::fn>>("minifloat<2,2,fn>");  // user-defined, one line
  std::printf("\n| %-16s | %2s | %-5s | %-5s | %5s | %-13s | %-13s | %-13s | %-26s |\n", "type", "b", "kind", "", "",
              "max", "lowest", "step", "notes");
  std::printf(
      "|------------------|----|-------|-------|-------|---------------|---------------|---------------|---------------"
      "-------------|\n");
  int_row<lowp::int8>("int8");
  int_row<lowp::uint8>("uint8");
  int_row<lowp::int4>("int4");
  int_row<lowp::uint4>("uint4");
  int_row<lowp::int2>("int2");
  int_row<lowp::uint2>("uint2");
  int_row<lowp::trit>("trit");
  int_row<lowp::binary>("binary");
  fixed_row<lowp::q16_16>("q16_16");
  fixed_row<lowp::q8_8>("q8_8");
  fixed_row<lowp::q1_15>("q1_15");
  fixed_row<lowp::q1_7>("q1_7");

  std::printf("\nConversions with each rounding mode (overflow::saturate; stochastic seed 42, element 0)\n\n");
  std::printf("| %-14s | %-20s | %9s | %9s | %9s | %9s | %9s | %9s | %9s | %9s | %9s | %9s |\n", "format", "x",
              "near_even", "near_away", "near_up", "near_down", "near_zero", "tow_zero", "tow_pos", "tow_neg", "to_odd",
              "stochastic");
  std::printf(
      "|----------------|----------------------|-----------|-----------|-----------|-----------|-----------|-----------"
      "|-----------|-----------|-----------|-----------|\n");
  conversions<lowp::float8_e4m3fn>("float8_e4m3fn", 3.3);
  conversions<lowp::float8_e4m3fn>("float8_e4m3fn", -431.99999999999994);
  conversions<lowp::float8_e4m3fn>("float8_e4m3fn", 1000);
  conversions<lowp::float8_e5m2>("float8_e5m2", 0.3);
  conversions<lowp::float8_e8m0fnu>("float8_e8m0fnu", 3.0);
  conversions<lowp::float6_e2m3fn>("float6_e2m3fn", 2.8125);
  conversions<lowp::float4_e2m1fn>("float4_e2m1fn", 2.5);
  conversions<lowp::float4_e2m1fn>("float4_e2m1fn", -5.0);
  conversions<lowp::int4>("int4", -2.5);
  conversions<lowp::trit>("trit", 0.5);
  conversions<lowp::q1_7>("q1_7", 0.3);
  std::printf("\nFixed point is exact: q16_16(1.5) * q16_16(2.25) = %g; q16_16(1) / q16_16(3) = %.10f (raw %d)\n",
              double(lowp::q16_16(1.5) * lowp::q16_16(2.25)), double(lowp::q16_16(1) / lowp::q16_16(3)),
              int((lowp::q16_16(1) / lowp::q16_16(3)).bits()));
  return 0;
}
