// lowp/format/intn.hpp: intn<Bits, Signed>, integers of 1 to 16 bits (int2, int4, uint4, ...).
//
// bits() is the Bits-bit two's-complement (or unsigned) pattern in the low bits (spec §1).
// T(x) rounds nearest_even and saturates; NaN → 0 and ±Inf → the extreme (spec §8).
// Arithmetic is exact (in double: every sum, difference and product of two 16-bit values is)
// and then rounded nearest_even and saturated; x/0 saturates toward the sign of x, 0/0 is 0.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <type_traits>

#include "lowp/core/tags.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/int_codec.hpp"

namespace lowp {

template <int Bits, bool Signed = true>
class intn {
  static_assert(Bits >= 1 && Bits <= 16, "lowp::intn: Bits must be between 1 and 16");

 public:
  using storage_type = std::conditional_t<(Bits <= 8), std::uint8_t, std::uint16_t>;
  using value_type = std::conditional_t<Signed, int, unsigned>;
  static constexpr family format_family = family::integer;
  static constexpr int bit_width = Bits;
  static constexpr bool is_signed = Signed;
  static constexpr detail::int_range range = detail::range_of_bits(Bits, Signed);

  intn() = default;
  template <arithmetic A>
  constexpr explicit intn(A x) : intn(from_unpacked(unpack(x), rounding::nearest_even{}, overflow::saturate{})) {}
  template <lowp_value V>
  requires(!std::is_same_v<V, intn>) constexpr explicit intn(const V& v)
      : intn(from_unpacked(v.to_unpacked(), rounding::nearest_even{}, overflow::saturate{})) {}

  static constexpr intn from_bits(storage_type code) {
    intn r;
    r.code_ = storage_type(code & mask);
    return r;
  }
  constexpr storage_type bits() const { return code_; }
  /// The integer value.
  constexpr value_type value() const {
    if constexpr (Signed) {
      const int v = int(code_);
      return (v >> (Bits - 1)) & 1 ? v - (1 << Bits) : v;
    } else {
      return code_;
    }
  }

  template <class U, class R, class O>
  static constexpr intn from_unpacked(const unpacked<U>& u, const R& r, O o, std::uint64_t index = 0) {
    return from_value(detail::to_int(range, 0, u, r, o, index));
  }
  constexpr unpacked<> to_unpacked() const { return detail::unpack_raw(value(), 0); }

  constexpr explicit operator float() const { return float(value()); }
  constexpr explicit operator double() const { return double(value()); }
  template <std::integral I>
  constexpr explicit operator I() const {
    return I(value());
  }

  static constexpr intn max() { return from_value(range.hi); }
  static constexpr intn lowest() { return from_value(range.lo); }

  friend constexpr intn operator+(intn a, intn b) { return intn(double(a) + double(b)); }
  friend constexpr intn operator-(intn a, intn b) { return intn(double(a) - double(b)); }
  friend constexpr intn operator*(intn a, intn b) { return intn(double(a) * double(b)); }
  friend constexpr intn operator/(intn a, intn b) { return intn(double(a) / double(b)); }
  constexpr intn operator-() const { return intn(-double(*this)); }
  constexpr intn operator+() const { return *this; }
  constexpr intn& operator+=(intn b) { return *this = *this + b; }
  constexpr intn& operator-=(intn b) { return *this = *this - b; }
  constexpr intn& operator*=(intn b) { return *this = *this * b; }
  constexpr intn& operator/=(intn b) { return *this = *this / b; }
  friend constexpr auto operator<=>(intn a, intn b) { return a.value() <=> b.value(); }
  friend constexpr bool operator==(intn a, intn b) { return a.code_ == b.code_; }

  friend std::ostream& operator<<(std::ostream& os, intn x) { return os << x.value(); }

 private:
  static constexpr storage_type mask = storage_type((1u << Bits) - 1);
  static constexpr intn from_value(int128 v) { return from_bits(storage_type(std::uint32_t(std::int32_t(v)) & mask)); }
  storage_type code_;
};

template <int B, bool S>
constexpr intn<B, S> abs(intn<B, S> x) {
  return x.value() < 0 ? -x : x;
}
template <int B, bool S>
constexpr bool isnan(intn<B, S>) {
  return false;
}
template <int B, bool S>
constexpr bool isinf(intn<B, S>) {
  return false;
}
template <int B, bool S>
constexpr bool isfinite(intn<B, S>) {
  return true;
}
template <int B, bool S>
intn<B, S> sqrt(intn<B, S> x) {
  return intn<B, S>(std::sqrt(double(x)));
}

using int2 = intn<2, true>;
using uint2 = intn<2, false>;
using int4 = intn<4, true>;
using uint4 = intn<4, false>;
using int8 = intn<8, true>;
using uint8 = intn<8, false>;

}  // namespace lowp

template <int B, bool S>
class std::numeric_limits<lowp::intn<B, S>> {
  using T = lowp::intn<B, S>;

 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = S;
  static constexpr bool is_integer = true;
  static constexpr bool is_exact = true;
  static constexpr bool has_infinity = false;
  static constexpr bool has_quiet_NaN = false;
  static constexpr bool has_signaling_NaN = false;
  static constexpr std::float_denorm_style has_denorm = std::denorm_absent;
  static constexpr bool has_denorm_loss = false;
  static constexpr std::float_round_style round_style = std::round_toward_zero;
  static constexpr bool is_iec559 = false;
  static constexpr bool is_bounded = true;
  static constexpr bool is_modulo = false;  // arithmetic saturates
  static constexpr int digits = S ? B - 1 : B;
  static constexpr int digits10 = (digits * 30103) / 100000;
  static constexpr int max_digits10 = 0;
  static constexpr int radix = 2;
  static constexpr int min_exponent = 0, min_exponent10 = 0, max_exponent = 0, max_exponent10 = 0;
  static constexpr bool traps = false;
  static constexpr bool tinyness_before = false;
  static constexpr T min() noexcept { return T::lowest(); }
  static constexpr T lowest() noexcept { return T::lowest(); }
  static constexpr T max() noexcept { return T::max(); }
  static constexpr T epsilon() noexcept { return T(0); }
  static constexpr T round_error() noexcept { return T(0); }
  static constexpr T infinity() noexcept { return T(0); }
  static constexpr T quiet_NaN() noexcept { return T(0); }
  static constexpr T signaling_NaN() noexcept { return T(0); }
  static constexpr T denorm_min() noexcept { return T(0); }
};
