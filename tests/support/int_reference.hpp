// tests/support/int_reference.hpp: integer rounding written independently of lowp: floor division
// and a remainder for rationals, floor() on doubles, and the overflow tags on a range.
#pragma once
#include <cmath>
#include <cstdint>

#include "reference.hpp"

#if !defined(__SIZEOF_INT128__)
#include <lowp/core/int128.hpp>
#endif

namespace ref {

#if defined(__SIZEOF_INT128__)
__extension__ typedef __int128 i128;  // the compiler's: independent of lowp's portable type
__extension__ typedef unsigned __int128 u128;
#else
using i128 = lowp::int128;  // 32-bit targets: lowp's portable type (tests/core/int128_test.cpp checks it)
using u128 = lowp::uint128;
#endif

enum class iovf { saturate, saturate_symmetric, saturate_zero, wrap, propagate };
inline const char* name(iovf o) {
  static const char* n[] = {"saturate", "saturate_symmetric", "saturate_zero", "wrap", "propagate"};
  return n[int(o)];
}

/// Picks between fl and fl + 1 for a value fl + f, f ∈ (0, 1), given cmp = sign(f − 1/2) and the
/// sign of the value (spec §6).
inline i128 pick(i128 fl, int cmp, bool negative, mode m) {
  const i128 up = fl + 1;
  const i128 tz = negative ? up : fl;    // toward zero
  const i128 away = negative ? fl : up;  // away from zero
  switch (m) {
    case mode::toward_zero:
      return tz;
    case mode::toward_positive:
      return up;
    case mode::toward_negative:
      return fl;
    case mode::to_odd:
      return (tz % 2 != 0) ? tz : away;
    default:
      break;
  }
  if (cmp < 0) return fl;
  if (cmp > 0) return up;
  switch (m) {
    case mode::nearest_even:
      return fl % 2 == 0 ? fl : up;
    case mode::nearest_away:
      return away;
    case mode::nearest_up:
      return up;
    case mode::nearest_down:
      return fl;
    default:
      return tz;  // nearest_zero
  }
}

/// num / den rounded to an integer (den ≠ 0).
inline i128 round_rational(i128 num, i128 den, mode m) {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  i128 fl = num / den;
  if (num % den != 0 && num < 0) fl -= 1;  // floor division
  const i128 rem = num - fl * den;         // 0 ≤ rem < den
  if (rem == 0) return fl;
  const int cmp = 2 * rem < den ? -1 : (2 * rem == den ? 0 : 1);
  return pick(fl, cmp, num < 0, m);
}

/// A finite double rounded to an integer (as a double: exact, |x| < 2^53 or already an integer).
inline double round_double(double x, mode m) {
  const double fl = std::floor(x);
  if (fl == x) return x;
  const double mid = fl + 0.5;  // exact for |x| < 2^52 (x − fl need not be)
  const int cmp = x < mid ? -1 : (x == mid ? 0 : 1);
  return double(pick(i128(fl), cmp, x < 0, m));
}

/// The overflow tag applied to an exact integer v against [lo, hi] of a `bits`-wide type.
inline i128 apply_overflow(i128 v, i128 lo, i128 hi, int bits, bool is_signed, iovf o) {
  const bool sym_bad = o == iovf::saturate_symmetric && is_signed && v == lo;
  if (v >= lo && v <= hi && !sym_bad) return v;
  switch (o) {
    case iovf::saturate_zero:
      return 0;
    case iovf::saturate_symmetric:
      return v < 0 ? (is_signed ? -hi : lo) : hi;
    case iovf::wrap: {
      const i128 mod = i128(1) << bits;
      i128 w = v % mod;
      if (w < 0) w += mod;
      if (is_signed && w > hi) w -= mod;
      return w;
    }
    default:
      return v < lo ? lo : hi;
  }
}

/// The same for a double beyond every 128-bit range: only its residue matters for wrap.
inline i128 apply_overflow_double(double v, i128 lo, i128 hi, int bits, bool is_signed, iovf o) {
  if (std::fabs(v) < 0x1p100) return apply_overflow(i128(v), lo, hi, bits, is_signed, o);
  if (o == iovf::wrap) {
    const double r = std::fmod(v, std::ldexp(1.0, bits));  // exact (IEEE fmod)
    return apply_overflow(i128(r), lo, hi, bits, is_signed, o);
  }
  return apply_overflow(v < 0 ? lo - 1 : hi + 1, lo, hi, bits, is_signed, o);
}

}  // namespace ref
