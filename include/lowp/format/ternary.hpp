// lowp/format/ternary.hpp: trit {−1, 0, +1} and binary {−1, +1} (BitNet b1.58, XNOR-Net).
//
// Codes (spec §1): trit t ↦ t + 1 ∈ {0, 1, 2} (llama.cpp's convention); binary −1 ↦ 0, +1 ↦ 1.
// trit: round to an integer, then the overflow tag on [−1, 1]; NaN → 0, ±Inf → ±1 (spec §8).
// overflow::wrap has no meaning on a three-value digit and is refused at compile time.
// binary is the sign function with sign(0) = +1 (BinaryConnect, Courbariaux et al. 2015) under
// every nearest mode but nearest_down (ties at 0 go to −1); directed modes take the grid {−1, +1}
// literally (toward_positive: x > −1 → +1; toward_negative: x < +1 → −1; toward_zero and to_odd:
// the sign); stochastic: +1 with probability clamp((x + 1) / 2, 0, 1), the hard-sigmoid rule of
// BinaryConnect; NaN → +1.
#pragma once
#include <cstdint>
#include <limits>
#include <ostream>
#include <type_traits>

#include "lowp/core/tags.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/int_codec.hpp"

namespace lowp {

class trit {
 public:
  using storage_type = std::uint8_t;
  static constexpr family format_family = family::ternary;
  static constexpr int bit_width = 2;
  static constexpr bool is_signed = true;
  static constexpr detail::int_range range{-1, 1, 2, true};

  trit() = default;
  template <arithmetic A>
  constexpr explicit trit(A x) : trit(from_unpacked(unpack(x), rounding::nearest_even{}, overflow::saturate{})) {}
  template <lowp_value V>
  requires(!std::is_same_v<V, trit>) constexpr explicit trit(const V& v)
      : trit(from_unpacked(v.to_unpacked(), rounding::nearest_even{}, overflow::saturate{})) {}

  /// Codes 0, 1, 2; code 3 is not a trit and reads as 0 (code 1).
  static constexpr trit from_bits(storage_type code) {
    trit r;
    r.code_ = code <= 2 ? code : 1;
    return r;
  }
  constexpr storage_type bits() const { return code_; }
  constexpr int value() const { return int(code_) - 1; }

  template <class U, class R, class O>
  static constexpr trit from_unpacked(const unpacked<U>& u, const R& r, O o, std::uint64_t index = 0) {
    static_assert(!std::is_same_v<O, overflow::wrap>, "lowp::trit: overflow::wrap is not defined for trits");
    return from_bits(storage_type(detail::to_int(range, 0, u, r, o, index) + 1));
  }
  constexpr unpacked<> to_unpacked() const { return detail::unpack_raw(value(), 0); }

  constexpr explicit operator float() const { return float(value()); }
  constexpr explicit operator double() const { return double(value()); }
  template <std::integral I>
  constexpr explicit operator I() const {
    return I(value());
  }

  static constexpr trit max() { return from_bits(2); }
  static constexpr trit lowest() { return from_bits(0); }

  friend constexpr trit operator+(trit a, trit b) { return trit(a.value() + b.value()); }
  friend constexpr trit operator-(trit a, trit b) { return trit(a.value() - b.value()); }
  friend constexpr trit operator*(trit a, trit b) { return trit(a.value() * b.value()); }
  friend constexpr trit operator/(trit a, trit b) { return trit(double(a) / double(b)); }
  constexpr trit operator-() const { return from_bits(storage_type(2 - code_)); }
  constexpr trit& operator+=(trit b) { return *this = *this + b; }
  constexpr trit& operator-=(trit b) { return *this = *this - b; }
  constexpr trit& operator*=(trit b) { return *this = *this * b; }
  constexpr trit& operator/=(trit b) { return *this = *this / b; }
  friend constexpr auto operator<=>(trit a, trit b) { return a.code_ <=> b.code_; }
  friend constexpr bool operator==(trit a, trit b) { return a.code_ == b.code_; }
  friend std::ostream& operator<<(std::ostream& os, trit x) { return os << x.value(); }

 private:
  storage_type code_;
};

class binary {
 public:
  using storage_type = std::uint8_t;
  static constexpr family format_family = family::binary;
  static constexpr int bit_width = 1;
  static constexpr bool is_signed = true;

  binary() = default;
  template <arithmetic A>
  constexpr explicit binary(A x) : binary(from_unpacked(unpack(x), rounding::nearest_even{}, overflow::saturate{})) {}
  template <lowp_value V>
  requires(!std::is_same_v<V, binary>) constexpr explicit binary(const V& v)
      : binary(from_unpacked(v.to_unpacked(), rounding::nearest_even{}, overflow::saturate{})) {}

  static constexpr binary from_bits(storage_type code) {
    binary r;
    r.code_ = code & 1;
    return r;
  }
  constexpr storage_type bits() const { return code_; }
  constexpr int value() const { return code_ ? 1 : -1; }

  template <class U, class R, class O>
  static constexpr binary from_unpacked(const unpacked<U>& u, const R& r, O, std::uint64_t index = 0) {
    static_assert(!std::is_same_v<O, overflow::wrap>, "lowp::binary: overflow::wrap is not defined for binary");
    if (u.is_nan()) return from_bits(1);
    const bool neg = u.neg && !u.is_zero();
    if constexpr (std::is_same_v<R, rounding::toward_positive>) {
      // ceiling on {−1, +1}: −1 only for x ≤ −1
      return from_bits(!neg || !(u.is_inf() || u.exp + detail::bit_width(u.mag) - 1 >= 0) ? 1 : 0);
    } else if constexpr (std::is_same_v<R, rounding::toward_negative>) {
      // floor on {−1, +1}: +1 only for x ≥ +1
      return from_bits(!neg && !u.is_zero() && (u.is_inf() || u.exp + detail::bit_width(u.mag) - 1 >= 0) ? 1 : 0);
    } else if constexpr (std::is_same_v<R, rounding::nearest_down>) {
      return from_bits(!neg && !u.is_zero() ? 1 : 0);
    } else if constexpr (std::is_same_v<R, rounding::stochastic>) {
      // P(+1) = (x + 1) / 2 on [−1, 1]: draw against the 32 bits of element `index`
      if (u.is_inf() || (!u.is_zero() && u.exp + detail::bit_width(u.mag) - 1 >= 0)) return from_bits(neg ? 0 : 1);
      const double x = to_double(u);
      const double p = (x + 1.0) * 0.5;           // exact: |x| < 1
      const double threshold = p * 4294967296.0;  // P(+1) exact to 2^-32, as spec §6
      return from_bits(double(random_bits(r.seed, r.offset + index)) < threshold ? 1 : 0);
    } else {
      return from_bits(neg ? 0 : 1);
    }
  }
  constexpr unpacked<> to_unpacked() const { return detail::unpack_raw(value(), 0); }

  constexpr explicit operator float() const { return float(value()); }
  constexpr explicit operator double() const { return double(value()); }
  template <std::integral I>
  constexpr explicit operator I() const {
    return I(value());
  }

  static constexpr binary max() { return from_bits(1); }
  static constexpr binary lowest() { return from_bits(0); }

  friend constexpr binary operator*(binary a, binary b) {
    return from_bits(storage_type(!(a.code_ ^ b.code_)));
  }  // XNOR
  friend constexpr binary operator/(binary a, binary b) { return a * b; }
  friend constexpr binary operator+(binary a, binary b) { return binary(a.value() + b.value()); }
  friend constexpr binary operator-(binary a, binary b) { return binary(a.value() - b.value()); }
  constexpr binary operator-() const { return from_bits(storage_type(code_ ^ 1)); }
  constexpr binary& operator+=(binary b) { return *this = *this + b; }
  constexpr binary& operator-=(binary b) { return *this = *this - b; }
  constexpr binary& operator*=(binary b) { return *this = *this * b; }
  constexpr binary& operator/=(binary b) { return *this = *this / b; }
  friend constexpr auto operator<=>(binary a, binary b) { return a.code_ <=> b.code_; }
  friend constexpr bool operator==(binary a, binary b) { return a.code_ == b.code_; }
  friend std::ostream& operator<<(std::ostream& os, binary x) { return os << x.value(); }

 private:
  template <class U>
  static constexpr double to_double(const unpacked<U>& u) {  // |x| < 1 here; exact when mag < 2^53
    double v = double(u.mag);
    for (int e = u.exp; e < 0; ++e) v *= 0.5;
    return u.neg ? -v : v;
  }
  storage_type code_;
};

constexpr trit abs(trit x) { return x.value() < 0 ? -x : x; }
constexpr binary abs(binary) { return binary::max(); }
constexpr bool isnan(trit) { return false; }
constexpr bool isnan(binary) { return false; }
constexpr bool isinf(trit) { return false; }
constexpr bool isinf(binary) { return false; }
constexpr bool isfinite(trit) { return true; }
constexpr bool isfinite(binary) { return true; }

}  // namespace lowp

namespace lowp::detail {
template <class T>
struct small_int_limits {
  static constexpr bool is_specialized = true, is_signed = true, is_integer = true, is_exact = true;
  static constexpr bool has_infinity = false, has_quiet_NaN = false, has_signaling_NaN = false;
  static constexpr std::float_denorm_style has_denorm = std::denorm_absent;
  static constexpr bool has_denorm_loss = false;
  static constexpr std::float_round_style round_style = std::round_to_nearest;
  static constexpr bool is_iec559 = false, is_bounded = true, is_modulo = false;
  static constexpr int digits = 1, digits10 = 0, max_digits10 = 0, radix = 2;
  static constexpr int min_exponent = 0, min_exponent10 = 0, max_exponent = 0, max_exponent10 = 0;
  static constexpr bool traps = false, tinyness_before = false;
  static constexpr T min() noexcept { return T::lowest(); }
  static constexpr T lowest() noexcept { return T::lowest(); }
  static constexpr T max() noexcept { return T::max(); }
  static constexpr T epsilon() noexcept { return T::max(); }
  static constexpr T round_error() noexcept { return T::max(); }
  static constexpr T infinity() noexcept { return T::max(); }
  static constexpr T quiet_NaN() noexcept { return T::max(); }
  static constexpr T signaling_NaN() noexcept { return T::max(); }
  static constexpr T denorm_min() noexcept { return T::max(); }
};
}  // namespace lowp::detail

template <>
class std::numeric_limits<lowp::trit> : public lowp::detail::small_int_limits<lowp::trit> {};
template <>
class std::numeric_limits<lowp::binary> : public lowp::detail::small_int_limits<lowp::binary> {};
