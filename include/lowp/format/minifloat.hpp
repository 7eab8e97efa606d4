// lowp/format/minifloat.hpp: minifloat<E, M, encoding, Bias>, any float format of ≤ 16 bits,
// and the aliases of spec §1 (ml_dtypes names).
//
//   using my_fp5 = lowp::minifloat<2, 2, lowp::encoding::fn>;   // a new format in one line
//
// `T(x)` is convert<T>(x, nearest_even, propagate), as ml_dtypes (spec §1, decision).
// Arithmetic computes in double and rounds once to T (correctly rounded: double carries more
// than 2p + 2 bits for every p ≤ 16). Comparisons are by value: NaN is unequal to itself, +0 == −0.
#pragma once
#include <cmath>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <ostream>
#include <type_traits>

#include "lowp/core/tags.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/float_codec.hpp"

namespace lowp {

template <int E, int M, encoding Enc = encoding::ieee, int Bias = default_bias(E, Enc)>
class minifloat {
  static_assert(E >= 1, "lowp::minifloat: exponent bits E must be at least 1");
  static_assert(M >= 0, "lowp::minifloat: mantissa bits M must be at least 0");
  static_assert(E + M + (Enc == encoding::fnu ? 0 : 1) <= 16,
                "lowp::minifloat: E + M (+ 1 sign bit) must be at most 16 bits");
  static_assert(E <= 15, "lowp::minifloat: exponent bits E must be at most 15");
  static_assert(Bias > -(1 << 14) && Bias < (1 << 14), "lowp::minifloat: Bias out of range");
  static_assert(Enc == encoding::fnu || float_spec{E, M, Bias, Enc}.max_mag() > 0,
                "lowp::minifloat: this E, M and encoding leave no nonzero finite value");

 public:
  using storage_type = std::conditional_t<(E + M + (Enc == encoding::fnu ? 0 : 1) <= 8), std::uint8_t, std::uint16_t>;
  static constexpr float_spec spec{E, M, Bias, Enc};
  static constexpr family format_family = family::minifloat;
  static constexpr int bit_width = spec.bits();
  static constexpr int exponent_bits = E;
  static constexpr int mantissa_bits = M;
  static constexpr int bias = Bias;
  static constexpr encoding format_encoding = Enc;
  static constexpr bool is_signed = spec.has_sign();
  static constexpr bool has_infinity = spec.has_inf();
  static constexpr bool has_nan = spec.has_nan();

  minifloat() = default;

  /// nearest_even + propagate (spec §1 decision), from any arithmetic type.
  template <arithmetic A>
  constexpr explicit minifloat(A x)
      : code_(storage_type(encode(spec, unpack(x), rounding::nearest_even{}, overflow::propagate{}))) {}

  /// From another lowp value, rounding once (no pass through float).
  template <lowp_value V>
  requires(!std::is_same_v<V, minifloat>) constexpr explicit minifloat(const V& v)
      : code_(storage_type(encode(spec, v.to_unpacked(), rounding::nearest_even{}, overflow::propagate{}))) {}

  static constexpr minifloat from_bits(storage_type code) {
    minifloat r;
    r.code_ = storage_type(code & ((1u << bit_width) - 1));
    return r;
  }
  constexpr storage_type bits() const { return code_; }

  template <class U, class R, class O>
  static constexpr minifloat from_unpacked(const unpacked<U>& u, const R& r, O o, std::uint64_t index = 0) {
    return from_bits(storage_type(encode(spec, u, r, o, index)));
  }
  constexpr unpacked<> to_unpacked() const { return decode(spec, code_); }

  constexpr explicit operator float() const { return decode_to<float, spec>(code_); }
  constexpr explicit operator double() const { return decode_to<double, spec>(code_); }

  // Named values (as Universal's maxpos / minpos).
  static constexpr minifloat max() { return from_bits(storage_type(spec.max_mag())); }
  static constexpr minifloat lowest() {
    return from_bits(storage_type(spec.sign_bit() | (is_signed ? spec.max_mag() : 0)));
  }
  /// Smallest positive normal (fnu: the smallest value, code 0).
  static constexpr minifloat min_normal() {
    return from_bits(storage_type(spec.has_subnormals() ? std::uint64_t{1} << M : 0));
  }
  /// Smallest positive value (subnormal where the format has them).
  static constexpr minifloat denorm_min() { return from_bits(storage_type(spec.has_subnormals() ? 1 : 0)); }
  static constexpr minifloat epsilon() {  // 2^-M: the gap between 1 and the next value
    return minifloat::from_unpacked(unpacked<>{value_kind::finite, false, 1, -M}, rounding::nearest_even{},
                                    overflow::saturate{});
  }
  static constexpr minifloat infinity() {
    return from_bits(storage_type(has_infinity ? spec.inf_mag() : spec.max_mag()));
  }
  static constexpr minifloat quiet_nan() { return from_bits(storage_type(has_nan ? spec.nan_code() : 0)); }

  constexpr bool is_nan() const { return spec.is_nan(code_); }
  constexpr bool is_inf() const { return spec.is_inf(code_); }

  // Arithmetic: exact in double, rounded once to the format.
  friend constexpr minifloat operator+(minifloat a, minifloat b) { return minifloat(double(a) + double(b)); }
  friend constexpr minifloat operator-(minifloat a, minifloat b) { return minifloat(double(a) - double(b)); }
  friend constexpr minifloat operator*(minifloat a, minifloat b) { return minifloat(double(a) * double(b)); }
  friend constexpr minifloat operator/(minifloat a, minifloat b) { return minifloat(double(a) / double(b)); }
  constexpr minifloat operator-() const { return minifloat(-double(*this)); }
  constexpr minifloat operator+() const { return *this; }
  constexpr minifloat& operator+=(minifloat b) { return *this = *this + b; }
  constexpr minifloat& operator-=(minifloat b) { return *this = *this - b; }
  constexpr minifloat& operator*=(minifloat b) { return *this = *this * b; }
  constexpr minifloat& operator/=(minifloat b) { return *this = *this / b; }

  friend constexpr bool operator==(minifloat a, minifloat b) { return double(a) == double(b); }
  friend constexpr bool operator!=(minifloat a, minifloat b) { return double(a) != double(b); }
  friend constexpr bool operator<(minifloat a, minifloat b) { return double(a) < double(b); }
  friend constexpr bool operator<=(minifloat a, minifloat b) { return double(a) <= double(b); }
  friend constexpr bool operator>(minifloat a, minifloat b) { return double(a) > double(b); }
  friend constexpr bool operator>=(minifloat a, minifloat b) { return double(a) >= double(b); }

  friend std::ostream& operator<<(std::ostream& os, minifloat x) { return os << float(x); }

 private:
  storage_type code_;
};

// Functions found by ADL (Eigen and generic code use them).
template <int E, int M, encoding Enc, int B>
constexpr bool isnan(minifloat<E, M, Enc, B> x) {
  return x.is_nan();
}
template <int E, int M, encoding Enc, int B>
constexpr bool isinf(minifloat<E, M, Enc, B> x) {
  return x.is_inf();
}
template <int E, int M, encoding Enc, int B>
constexpr bool isfinite(minifloat<E, M, Enc, B> x) {
  return !x.is_nan() && !x.is_inf();
}
template <int E, int M, encoding Enc, int B>
constexpr minifloat<E, M, Enc, B> abs(minifloat<E, M, Enc, B> x) {
  using T = minifloat<E, M, Enc, B>;
  if (x.is_nan() || !T::is_signed) return x;
  if (T::spec.enc == encoding::fnuz && x.bits() == 0) return x;
  return T::from_bits(typename T::storage_type(x.bits() & T::spec.mag_mask()));
}
template <int E, int M, encoding Enc, int B>
minifloat<E, M, Enc, B> sqrt(minifloat<E, M, Enc, B> x) {  // correctly rounded: double has > 2p+2 bits
  return minifloat<E, M, Enc, B>(std::sqrt(double(x)));
}

// The formats of spec §1, exactly.
using float8_e4m3fn = minifloat<4, 3, encoding::fn>;
using float8_e4m3fnuz = minifloat<4, 3, encoding::fnuz>;
using float8_e4m3 = minifloat<4, 3, encoding::ieee>;
using float8_e5m2 = minifloat<5, 2, encoding::ieee>;
using float8_e5m2fnuz = minifloat<5, 2, encoding::fnuz>;
using float8_e3m4 = minifloat<3, 4, encoding::ieee>;
using float8_e8m0fnu = minifloat<8, 0, encoding::fnu>;
using float6_e2m3fn = minifloat<2, 3, encoding::none>;
using float6_e3m2fn = minifloat<3, 2, encoding::none>;
using float4_e2m1fn = minifloat<2, 1, encoding::none>;
using float16 = minifloat<5, 10, encoding::ieee>;
using bfloat16 = minifloat<8, 7, encoding::ieee>;

}  // namespace lowp

namespace lowp::detail {
/// ⌊log10 v⌋ for a finite v > 0, by exact comparison with powers of ten (C11 §5.2.4.2.2).
constexpr int floor_log10(double v) {
  int k = 0;
  if (v >= 1) {
    for (double p = 10; p <= v; ++k) {
      if (p > 1e307) return k + 1 + floor_log10(v / p);  // before 10·p overflows
      p *= 10;
    }
    return k;
  }
  for (double p = 1; p > v; p /= 10) --k;  // the largest k with 10^k ≤ v
  return k;
}
/// The largest finite value of a float_spec, as a double (exact: at most 53 significant bits).
constexpr double max_finite(const float_spec& s) {
  const double sig = 1.0 + double(s.max_mag() & ((std::uint64_t{1} << s.M) - 1)) / double(std::uint64_t{1} << s.M);
  double v = sig;
  for (int e = 0; e < s.emax(); ++e) v *= 2;
  for (int e = 0; e > s.emax(); --e) v /= 2;
  return v;
}
constexpr double min_normal(const float_spec& s) {
  double v = 1;
  for (int e = 0; e > s.emin(); --e) v /= 2;
  for (int e = 0; e < s.emin(); ++e) v *= 2;
  return v;
}
/// ⌈log10 v⌉ for v = 2^e: 10^k ≠ 2^e unless k = e = 0, so ⌈x⌉ = ⌊x⌋ + 1 there.
constexpr int ceil_log10_pow2(double v) { return v == 1 ? 0 : floor_log10(v) + 1; }
}  // namespace lowp::detail

template <int E, int M, lowp::encoding Enc, int B>
class std::numeric_limits<lowp::minifloat<E, M, Enc, B>> {
  using T = lowp::minifloat<E, M, Enc, B>;

 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = T::is_signed;
  static constexpr bool is_integer = false;
  static constexpr bool is_exact = false;
  static constexpr bool has_infinity = T::has_infinity;
  static constexpr bool has_quiet_NaN = T::has_nan;
  static constexpr bool has_signaling_NaN = false;
  static constexpr std::float_denorm_style has_denorm =
      T::spec.has_subnormals() && M > 0 ? std::denorm_present : std::denorm_absent;
  static constexpr bool has_denorm_loss = false;
  static constexpr std::float_round_style round_style = std::round_to_nearest;
  static constexpr bool is_iec559 = false;
  static constexpr bool is_bounded = true;
  static constexpr bool is_modulo = false;
  static constexpr int digits = M + 1;
  static constexpr int digits10 = (M * 30103) / 100000;  // ⌊M · log10 2⌋
  static constexpr int max_digits10 = 2 + ((M + 1) * 30103 + 99999) / 100000;
  static constexpr int radix = 2;
  static constexpr int min_exponent = T::spec.emin() + 1;  // C convention: 2^(min_exponent-1) is normal
  // C11 §5.2.4.2.2: the least k with 10^k normal, the greatest k with 10^k finite
  static constexpr int min_exponent10 = lowp::detail::ceil_log10_pow2(lowp::detail::min_normal(T::spec));
  static constexpr int max_exponent = T::spec.emax() + 1;
  static constexpr int max_exponent10 = lowp::detail::floor_log10(lowp::detail::max_finite(T::spec));
  static constexpr bool traps = false;
  static constexpr bool tinyness_before = false;
  static constexpr T min() noexcept { return T::min_normal(); }
  static constexpr T lowest() noexcept { return T::lowest(); }
  static constexpr T max() noexcept { return T::max(); }
  static constexpr T epsilon() noexcept { return T::epsilon(); }
  static constexpr T round_error() noexcept { return T(0.5f); }
  static constexpr T infinity() noexcept { return T::infinity(); }
  static constexpr T quiet_NaN() noexcept { return T::quiet_nan(); }
  static constexpr T signaling_NaN() noexcept { return T::quiet_nan(); }
  static constexpr T denorm_min() noexcept { return T::denorm_min(); }
};
