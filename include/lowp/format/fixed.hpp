// lowp/format/fixed.hpp: fixed<I, F, Rounding, Overflow> and ufixed, Q-format fixed point
// (spec §7; the modes of ap_fixed / ac_fixed, spec §6).
//
// fixed<I, F>: a signed two's-complement number of 1 + I + F bits, I integer bits not counting the
// sign, value = raw · 2^-F. ufixed<I, F>: I + F bits, unsigned. Q16.16 = fixed<15, 16> (32 bits).
// Every operation between two values of one type returns that type: the exact result, rounded
// once by Rounding, then Overflow applied (ap_fixed semantics: overflow is decided after rounding,
// in every rounding mode). x / 0 saturates toward the sign of x; 0 / 0 is 0; never a trap.
// Mixed types: convert first, or exact_mul / exact_add, which return a wider type holding the
// exact result. T(x) from anything uses the type's own Rounding and Overflow.
// With rounding::stochastic as the type's mode, an operation draws its random bits from a hash of
// its operands (seed 0), so the same operands always give the same result.
#pragma once
#include <compare>
#include <cstdint>
#include <limits>
#include <ostream>
#include <type_traits>

#include "lowp/core/tags.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/float_codec.hpp"
#include "lowp/format/int_codec.hpp"

namespace lowp {

namespace detail {
template <int W, bool S>
using raw_int_t = std::conditional_t<
    (W <= 8), std::conditional_t<S, std::int8_t, std::uint8_t>,
    std::conditional_t<(W <= 16), std::conditional_t<S, std::int16_t, std::uint16_t>,
                       std::conditional_t<(W <= 32), std::conditional_t<S, std::int32_t, std::uint32_t>,
                                          std::conditional_t<S, std::int64_t, std::uint64_t>>>>;

constexpr std::uint64_t operand_hash(std::uint64_t a, std::uint64_t b, std::uint64_t op) {
  std::uint64_t z = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^ op;
  z = (z ^ (z >> 31)) * 0x94D049BB133111EBull;  // splitmix64 finaliser (Steele et al. 2014)
  return z ^ (z >> 29);
}
}  // namespace detail

template <int I, int F, bool Signed, class Rounding = rounding::nearest_even, class Overflow = overflow::saturate>
class basic_fixed {
  static_assert(I >= 0, "lowp::fixed: IntBits must be at least 0");
  static_assert(F >= 0, "lowp::fixed: FracBits must be at least 0");
  static_assert(I + F + (Signed ? 1 : 0) >= 1, "lowp::ufixed: IntBits + FracBits must be at least 1");
  static_assert(I + F + (Signed ? 1 : 0) <= 64,
                "lowp::fixed: 1 + IntBits + FracBits (ufixed: IntBits + FracBits) must be at most 64");
  static_assert(is_rounding_v<Rounding>, "lowp::fixed: Rounding must be a lowp::rounding tag");
  static_assert(is_overflow_v<Overflow>, "lowp::fixed: Overflow must be a lowp::overflow tag");

 public:
  static constexpr family format_family = family::fixed;
  static constexpr int int_bits = I;
  static constexpr int frac_bits = F;
  static constexpr int bit_width = I + F + (Signed ? 1 : 0);
  static constexpr bool is_signed = Signed;
  using raw_type = detail::raw_int_t<bit_width, Signed>;
  using rounding_type = Rounding;
  using overflow_type = Overflow;
  static constexpr detail::int_range range = detail::range_of_bits(bit_width, Signed);

  basic_fixed() = default;
  template <arithmetic A>
  constexpr explicit basic_fixed(A x) : raw_(from_unpacked(unpack(x), Rounding{}, Overflow{}).raw_) {}
  template <lowp_value V>
  requires(!std::is_same_v<V, basic_fixed>) constexpr explicit basic_fixed(const V& v)
      : raw_(from_unpacked(v.to_unpacked(), Rounding{}, Overflow{}).raw_) {}

  static constexpr basic_fixed from_bits(raw_type raw) {
    basic_fixed r;
    r.raw_ = raw;
    return r;
  }
  /// The raw integer (signed for fixed, unsigned for ufixed), value = raw · 2^-F.
  constexpr raw_type bits() const { return raw_; }

  template <class U, class R, class O>
  static constexpr basic_fixed from_unpacked(const unpacked<U>& u, const R& r, O o, std::uint64_t index = 0) {
    return from_bits(raw_type(detail::to_int(range, -F, u, r, o, index)));
  }
  constexpr unpacked<> to_unpacked() const { return detail::unpack_raw(raw_, -F); }

  /// Exact when the value fits (≤ 24 / 53 significant bits), else nearest even (spec §7).
  constexpr explicit operator float() const { return to_native<float>(to_unpacked()); }
  constexpr explicit operator double() const { return to_native<double>(to_unpacked()); }
  /// As a C cast: toward zero, saturating at the integer type's range.
  template <std::integral J>
  constexpr explicit operator J() const {
    constexpr auto g = detail::range_of_bits(std::numeric_limits<J>::digits + std::is_signed_v<J>, std::is_signed_v<J>);
    return J(detail::to_int(g, 0, to_unpacked(), rounding::toward_zero{}, overflow::saturate{}));
  }

  static constexpr basic_fixed max() { return from_bits(raw_type(range.hi)); }
  static constexpr basic_fixed lowest() { return from_bits(raw_type(range.lo)); }
  static constexpr basic_fixed epsilon() { return from_bits(raw_type(1)); }  // one ulp, 2^-F

  friend constexpr basic_fixed operator+(basic_fixed a, basic_fixed b) {
    return exact(int128(a.raw_) + b.raw_, 0, a, b, 1);
  }
  friend constexpr basic_fixed operator-(basic_fixed a, basic_fixed b) {
    return exact(int128(a.raw_) - b.raw_, 0, a, b, 2);
  }
  constexpr basic_fixed operator-() const { return exact(-int128(raw_), 0, *this, *this, 3); }
  constexpr basic_fixed operator+() const { return *this; }
  friend constexpr basic_fixed operator*(basic_fixed a, basic_fixed b) {
    // the exact product has 2F fraction bits; one rounding to F
    const bool neg = (a.raw_ < 0) != (b.raw_ < 0);
    const uint128 m = magnitude(a.raw_) * magnitude(b.raw_);
    return round_exact(neg, detail::truncate(m, -2 * F, -F), a, b, 4);
  }
  friend constexpr basic_fixed operator/(basic_fixed a, basic_fixed b) {
    if (b.raw_ == 0) {  // spec §7: x/0 saturates toward the sign of x, 0/0 = 0
      if (a.raw_ == 0) return from_bits(0);
      return from_bits(raw_type(detail::saturated<Overflow>(range, a.raw_ < 0)));
    }
    // raw quotient = ra · 2^F / rb, rounded once from the exact remainder
    const bool neg = (a.raw_ < 0) != (b.raw_ < 0);
    const uint128 num = magnitude(a.raw_) << F, den = magnitude(b.raw_);
    detail::truncated<uint128> t;
    t.t = num / den;
    const uint128 rem = num % den;
    t.inexact = rem != 0;
    t.half = 2 * rem < den ? -1 : (2 * rem == den ? 0 : 1);
    t.frac32 = std::uint32_t((rem << 32) / den);
    return round_exact(neg, t, a, b, 5);
  }
  constexpr basic_fixed& operator+=(basic_fixed b) { return *this = *this + b; }
  constexpr basic_fixed& operator-=(basic_fixed b) { return *this = *this - b; }
  constexpr basic_fixed& operator*=(basic_fixed b) { return *this = *this * b; }
  constexpr basic_fixed& operator/=(basic_fixed b) { return *this = *this / b; }

  friend constexpr auto operator<=>(basic_fixed a, basic_fixed b) { return a.raw_ <=> b.raw_; }
  friend constexpr bool operator==(basic_fixed a, basic_fixed b) { return a.raw_ == b.raw_; }
  friend std::ostream& operator<<(std::ostream& os, basic_fixed x) { return os << double(x); }

 private:
  static constexpr uint128 magnitude(raw_type r) {
    if constexpr (Signed)
      return r < 0 ? uint128(0) - uint128(int128(r)) : uint128(r);
    else
      return uint128(r);
  }
  static constexpr auto rounding_for(basic_fixed a, basic_fixed b, std::uint64_t op) {
    if constexpr (std::is_same_v<Rounding, rounding::stochastic>) {
      return rounding::stochastic{0, detail::operand_hash(std::uint64_t(a.raw_), std::uint64_t(b.raw_), op)};
    } else {
      return Rounding{};
    }
  }
  static constexpr basic_fixed round_exact(bool neg, const detail::truncated<uint128>& t, basic_fixed a, basic_fixed b,
                                           int op) {
    return from_bits(raw_type(detail::round_to_int(range, neg, t, rounding_for(a, b, std::uint64_t(op)), Overflow{})));
  }
  static constexpr basic_fixed exact(int128 v, int, basic_fixed a, basic_fixed b, int op) {
    detail::truncated<uint128> t;
    t.t = v < 0 ? uint128(0) - uint128(v) : uint128(v);
    return round_exact(v < 0, t, a, b, op);
  }
  raw_type raw_;
};

template <int I, int F, class Rounding = rounding::nearest_even, class Overflow = overflow::saturate>
using fixed = basic_fixed<I, F, true, Rounding, Overflow>;
template <int I, int F, class Rounding = rounding::nearest_even, class Overflow = overflow::saturate>
using ufixed = basic_fixed<I, F, false, Rounding, Overflow>;

using q16_16 = fixed<15, 16>;  // Q16.16, 32 bits (Valori's deterministic format, libfixmath's fix16_t)
using q1_15 = fixed<0, 15>;    // Q1.15, 16 bits
using q8_8 = fixed<7, 8>;      // Q8.8, 16 bits
using q1_7 = fixed<0, 7>;      // Q1.7, 8 bits

/// The exact product, in a type wide enough to hold it (ap_fixed's full-precision multiply).
template <int I1, int F1, bool S1, class R1, class O1, int I2, int F2, bool S2, class R2, class O2>
constexpr auto exact_mul(basic_fixed<I1, F1, S1, R1, O1> a, basic_fixed<I2, F2, S2, R2, O2> b) {
  // |a·b| < 2^(I1+I2), except min·min = +2^(I1+I2) when both are signed
  constexpr int ir = I1 + I2 + (S1 && S2 ? 1 : 0);
  using T = basic_fixed<ir, F1 + F2, S1 || S2, R1, O1>;
  static_assert(T::bit_width <= 64, "lowp::exact_mul: the exact product needs more than 64 bits");
  return T::from_bits(typename T::raw_type(int128(a.bits()) * int128(b.bits())));
}

/// The exact sum, in a type wide enough to hold it.
template <int I1, int F1, bool S1, class R1, class O1, int I2, int F2, bool S2, class R2, class O2>
constexpr auto exact_add(basic_fixed<I1, F1, S1, R1, O1> a, basic_fixed<I2, F2, S2, R2, O2> b) {
  constexpr int fr = F1 > F2 ? F1 : F2;
  constexpr int ir = (I1 > I2 ? I1 : I2) + 1;
  using T = basic_fixed<ir, fr, S1 || S2, R1, O1>;
  static_assert(T::bit_width <= 64, "lowp::exact_add: the exact sum needs more than 64 bits");
  return T::from_bits(typename T::raw_type((int128(a.bits()) << (fr - F1)) + (int128(b.bits()) << (fr - F2))));
}

template <int I, int F, bool S, class R, class O>
constexpr basic_fixed<I, F, S, R, O> abs(basic_fixed<I, F, S, R, O> x) {
  if constexpr (S)
    return x.bits() < 0 ? -x : x;
  else
    return x;
}
template <int I, int F, bool S, class R, class O>
constexpr bool isnan(basic_fixed<I, F, S, R, O>) {
  return false;
}
template <int I, int F, bool S, class R, class O>
constexpr bool isinf(basic_fixed<I, F, S, R, O>) {
  return false;
}
template <int I, int F, bool S, class R, class O>
constexpr bool isfinite(basic_fixed<I, F, S, R, O>) {
  return true;
}

}  // namespace lowp

template <int I, int F, bool S, class R, class O>
class std::numeric_limits<lowp::basic_fixed<I, F, S, R, O>> {
  using T = lowp::basic_fixed<I, F, S, R, O>;

 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = S;
  static constexpr bool is_integer = F == 0;
  static constexpr bool is_exact = true;
  static constexpr bool has_infinity = false;
  static constexpr bool has_quiet_NaN = false;
  static constexpr bool has_signaling_NaN = false;
  static constexpr std::float_denorm_style has_denorm = std::denorm_absent;
  static constexpr bool has_denorm_loss = false;
  static constexpr std::float_round_style round_style =
      std::is_same_v<R, lowp::rounding::toward_zero>       ? std::round_toward_zero
      : std::is_same_v<R, lowp::rounding::toward_negative> ? std::round_toward_neg_infinity
      : std::is_same_v<R, lowp::rounding::toward_positive> ? std::round_toward_infinity
                                                           : std::round_to_nearest;
  static constexpr bool is_iec559 = false;
  static constexpr bool is_bounded = true;
  static constexpr bool is_modulo = std::is_same_v<O, lowp::overflow::wrap>;
  static constexpr int digits = I + F;
  static constexpr int digits10 = (digits * 30103) / 100000;
  static constexpr int max_digits10 = 0;
  static constexpr int radix = 2;
  static constexpr int min_exponent = 0, min_exponent10 = 0, max_exponent = 0, max_exponent10 = 0;
  static constexpr bool traps = false;
  static constexpr bool tinyness_before = false;
  static constexpr T min() noexcept { return T::epsilon(); }  // smallest positive value, as for floats
  static constexpr T lowest() noexcept { return T::lowest(); }
  static constexpr T max() noexcept { return T::max(); }
  static constexpr T epsilon() noexcept { return T::epsilon(); }
  static constexpr T round_error() noexcept { return T::epsilon(); }
  static constexpr T infinity() noexcept { return T::max(); }
  static constexpr T quiet_NaN() noexcept { return T::from_bits(0); }
  static constexpr T signaling_NaN() noexcept { return T::from_bits(0); }
  static constexpr T denorm_min() noexcept { return T::epsilon(); }
};
