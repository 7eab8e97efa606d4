// lowp/core/round.hpp: the one rounding step every converter shares (spec §6).
//
// A converter first truncates the exact magnitude to a multiple of its quantum 2^q, keeping what
// the rounding modes need to know about the discarded fraction: inexact or not, below / at /
// above one half, and its top 32 bits (for stochastic rounding). `round_up` then says whether to
// step the magnitude (or the magnitude code, for minifloats) one unit away from zero.
#pragma once
#include <cstdint>
#include <type_traits>

#include "lowp/core/bits.hpp"
#include "lowp/core/random.hpp"
#include "lowp/core/tags.hpp"

namespace lowp::detail {

/// The magnitude truncated toward zero, and the discarded fraction f ∈ [0, 1) of one quantum.
template <class U>
struct truncated {
  U t = 0;                   // floor(mag · 2^(exp - q)), low bits only when `big`
  bool big = false;          // t does not fit U (certain overflow for every format of lowp)
  bool inexact = false;      // f ≠ 0
  int half = -1;             // sign of f − 1/2: -1 below, 0 tie, +1 above
  std::uint32_t frac32 = 0;  // floor(f · 2^32), for stochastic rounding
};

/// Truncates mag · 2^exp to a multiple of 2^q.
template <class U>
constexpr truncated<U> truncate(U mag, int exp, int q) {
  constexpr int w = width_v<U>;
  truncated<U> r;
  if (exp >= q) {
    const int d = exp - q;
    if (d >= w) {
      r.big = mag != 0;  // the low w bits of mag·2^d are zero
      return r;
    }
    r.t = U(mag << d);
    r.big = bit_width(mag) + d > w;
    return r;
  }
  const int s = q - exp;  // bits discarded, s ≥ 1
  const U rem = s >= w ? mag : U(mag & ((U(1) << s) - 1));
  r.t = s >= w ? U(0) : U(mag >> s);
  r.inexact = rem != 0;
  if (s - 1 >= w) {
    r.half = -1;
  } else {
    const U h = U(1) << (s - 1);
    r.half = rem < h ? -1 : (rem == h ? 0 : 1);
  }
  if (s <= 32) {
    r.frac32 = std::uint32_t(std::uint64_t(rem) << (32 - s));
  } else if (s - 32 < w) {
    r.frac32 = std::uint32_t(rem >> (s - 32));
  }
  return r;
}

/// True for the modes that, for this sign, never round the magnitude up: they turn a finite
/// overflow into ±max (spec §6: directed toward zero and to_odd never overflow).
template <class R>
constexpr bool toward_zero_for(bool neg) {
  return std::is_same_v<R, rounding::toward_zero> || std::is_same_v<R, rounding::to_odd> ||
         (std::is_same_v<R, rounding::toward_negative> && !neg) ||
         (std::is_same_v<R, rounding::toward_positive> && neg);
}

/// Whether the truncated magnitude (whose last unit, or code, is odd when `odd`) steps up one
/// unit away from zero under mode `r` (spec §6). `index` is the element's index in a bulk
/// call (stochastic rounding draws random_bits(seed, offset + index)).
template <class R, class U>
constexpr bool round_up(const R& r, bool neg, bool odd, const truncated<U>& f, std::uint64_t index = 0) {
  if (!f.inexact) return false;
  if constexpr (std::is_same_v<R, rounding::nearest_even>) {
    return f.half > 0 || (f.half == 0 && odd);
  } else if constexpr (std::is_same_v<R, rounding::nearest_away>) {
    return f.half >= 0;
  } else if constexpr (std::is_same_v<R, rounding::nearest_up>) {
    return f.half > 0 || (f.half == 0 && !neg);
  } else if constexpr (std::is_same_v<R, rounding::nearest_down>) {
    return f.half > 0 || (f.half == 0 && neg);
  } else if constexpr (std::is_same_v<R, rounding::nearest_zero>) {
    return f.half > 0;
  } else if constexpr (std::is_same_v<R, rounding::toward_zero>) {
    return false;
  } else if constexpr (std::is_same_v<R, rounding::toward_positive>) {
    return !neg;
  } else if constexpr (std::is_same_v<R, rounding::toward_negative>) {
    return neg;
  } else if constexpr (std::is_same_v<R, rounding::to_odd>) {
    return !odd;  // truncate, then make the last bit 1 (round to odd, Boldo & Melquiond 2008)
  } else {
    static_assert(std::is_same_v<R, rounding::stochastic>, "lowp: unknown rounding mode");
    // up with probability f, exact to 2^-32 of the gap (spec §6)
    return random_bits(r.seed, r.offset + index) < f.frac32;
  }
}

}  // namespace lowp::detail
