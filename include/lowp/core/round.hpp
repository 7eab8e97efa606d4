// lowp/core/round.hpp: the one rounding step every converter shares (spec §6).
//
// A converter first truncates the exact magnitude to a multiple of its quantum 2^q, keeping what
// the rounding modes need to know about the discarded fraction: inexact or not, below / at /
// above one half, and its top 32 bits (for stochastic rounding). `round_up` then says whether to
// step the magnitude (or the magnitude code, for minifloats) one unit away from zero.
#pragma once
#include <cstdint>
#include <type_traits>
#include <utility>

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

/// The rounding rule of spec §6, written once over a lane type L: bool for one value, an integer
/// bit mask (one bit per lane, as AVX-512's __mmask16) or a compiler vector of all-ones / zero lanes
/// (as __m256i), so that the scalar converters, the SIMD kernels and the fixed-point kernels all
/// decide with this code. Inputs describe a magnitude truncated toward zero: its sign `neg`, whether
/// its last unit is odd, whether the discarded fraction f is nonzero, above one half, exactly one
/// half, and (stochastic rounding only) whether the element's random draw falls below f. `ones` is
/// L's true value. Only built-in operators, so the function needs no target ISA of its own and
/// inlines into a kernel of any ISA; the result is written to `up` (a vector return of a function
/// compiled without that ISA would change the ABI).
template <class R, class L>
__attribute__((always_inline)) constexpr inline void rounding_rule(L& up, const L& neg, const L& odd, const L& inexact,
                                                                   const L& above, const L& tie, const L& drawn,
                                                                   const L& ones) {
  const L pos = L(neg ^ ones);
  if constexpr (std::is_same_v<R, rounding::nearest_even>) {
    up = L(above | (tie & odd));
  } else if constexpr (std::is_same_v<R, rounding::nearest_away>) {
    up = L(above | tie);
  } else if constexpr (std::is_same_v<R, rounding::nearest_up>) {
    up = L(above | (tie & pos));
  } else if constexpr (std::is_same_v<R, rounding::nearest_down>) {
    up = L(above | (tie & neg));
  } else if constexpr (std::is_same_v<R, rounding::nearest_zero>) {
    up = above;
  } else if constexpr (std::is_same_v<R, rounding::toward_zero>) {
    up = L(above & (above ^ ones));  // never
  } else if constexpr (std::is_same_v<R, rounding::toward_positive>) {
    up = L(inexact & pos);
  } else if constexpr (std::is_same_v<R, rounding::toward_negative>) {
    up = L(inexact & neg);
  } else if constexpr (std::is_same_v<R, rounding::to_odd>) {
    up = L(inexact & (odd ^ ones));  // truncate, then make the last bit 1 (Boldo & Melquiond 2008)
  } else {
    static_assert(std::is_same_v<R, rounding::stochastic>, "lowp: unknown rounding mode");
    up = L(inexact & drawn);  // up with probability f, exact to 2^-32 of the gap (spec §6)
  }
}

/// The rule for one value whose fraction is known only through its class (no stochastic draw).
template <class R>
__attribute__((always_inline)) constexpr inline bool rounds_up(bool neg, bool odd, bool inexact, bool above, bool tie) {
  static_assert(!std::is_same_v<R, rounding::stochastic>, "lowp: deterministic rounding modes only here");
  bool up = false;
  rounding_rule<R>(up, neg, odd, inexact, above, tie, false, true);
  return up;
}

/// Whether the truncated magnitude (whose last unit, or code, is odd when `odd`) steps up one
/// unit away from zero under mode `r` (spec §6). `index` is the element's index in a bulk
/// call (stochastic rounding draws random_bits(seed, offset + index)).
template <class R, class U>
constexpr bool round_up(const R& r, bool neg, bool odd, const truncated<U>& f, std::uint64_t index = 0) {
  if (!f.inexact) return false;
  bool drawn = false;
  if constexpr (std::is_same_v<R, rounding::stochastic>) drawn = random_bits(r.seed, r.offset + index) < f.frac32;
  bool up = false;
  rounding_rule<R>(up, neg, odd, f.inexact, f.half > 0, f.half == 0, drawn, true);
  return up;
}

/// The rounding rule in bias-and-shift form, for integer kernels: dropping F low bits by
/// (x + bias) >> F, with a bias that depends only on a sign and the parity of the kept part. The
/// biases are derived at compile time from rounding_rule, so this is the same rule.
///  - on a magnitude m of sign neg (converters): odd = the truncated magnitude's last bit;
///  - on a signed p (fixed-point kernels): x = p, the sign of p, odd = ⌊p / 2^F⌋'s last bit.
template <class R, int F>
struct shift_biases {
  static_assert(!std::is_same_v<R, rounding::stochastic>, "lowp: deterministic rounding modes only here");
  static constexpr std::int64_t one = std::int64_t(1) << F, h = one >> 1;
  // whether a magnitude with last unit `odd` and discarded low bits r ≠ 0 rounds up
  static constexpr bool magnitude_steps(bool neg, bool odd, std::int64_t r) {
    return rounds_up<R>(neg, odd, true, r > h, r == h);
  }
  // whether p = q·2^F + r, r ∈ (0, 2^F), gives q + 1: for p ≥ 0 the magnitude is q with fraction r;
  // for p < 0 it is −q − 1 (odd when q is even) with fraction 2^F − r, and rounding it up keeps q
  static constexpr bool signed_steps(bool nonneg, bool q_odd, std::int64_t r) {
    return nonneg ? magnitude_steps(false, q_odd, r) : !magnitude_steps(true, !q_odd, one - r);
  }
  // 2^F − (the least r that steps): (x + bias) >> F steps exactly for r ≥ that r; the decision is the
  // same across each class of r (below half, half, above half), so the least r of each class decides
  template <bool Signed>
  static constexpr std::int64_t bias(bool a, bool odd) {
    const std::int64_t candidates[3] = {1, h, h + 1};  // 1 = h when F = 1
    for (std::int64_t r : candidates)
      if (r < one && (Signed ? signed_steps(a, odd, r) : magnitude_steps(a, odd, r))) return one - r;
    return 0;
  }
  // bias = base + [odd]·d_odd + [neg]·d_neg + [neg ∧ odd]·d_both
  template <bool Signed>
  struct terms {
    static constexpr std::int64_t pos_even = bias<Signed>(Signed, false), pos_odd = bias<Signed>(Signed, true),
                                  neg_even = bias<Signed>(!Signed, false), neg_odd = bias<Signed>(!Signed, true);
    static constexpr std::int64_t base = pos_even, d_odd = pos_odd - pos_even, d_neg = neg_even - pos_even,
                                  d_both = neg_odd - neg_even - pos_odd + pos_even;
  };
};

template <class R, int F, class V>
__attribute__((always_inline)) constexpr inline void round_shift_rule(V& out, const V& p) {
  if constexpr (F == 0) {
    out = p;
  } else {
    using B = typename shift_biases<R, F>::template terms<true>;
    const V neg = p >> 63;       // −1 where p < 0, else 0
    const V odd = (p >> F) & 1;  // 1 where ⌊p / 2^F⌋ is odd, else 0
    V q = p + B::base;
    // each term in its cheapest form (±1 coefficients need no mask)
    if constexpr (B::d_odd == 1)
      q = q + odd;
    else if constexpr (B::d_odd == -1)
      q = q - odd;
    else if constexpr (B::d_odd != 0)
      q = q + (-odd & B::d_odd);
    if constexpr (B::d_neg == -1)
      q = q + neg;
    else if constexpr (B::d_neg == 1)
      q = q - neg;
    else if constexpr (B::d_neg != 0)
      q = q + (neg & B::d_neg);
    if constexpr (B::d_both != 0) q = q + (neg & -odd & B::d_both);
    out = q >> F;
  }
}

/// The element type of a lane type: V for a scalar (an integer, int128, a double), the element of
/// a compiler vector.
template <class V>
struct lane_of {
  using type = V;
};
template <class V>
requires requires(V v) { v[0]; }
struct lane_of<V> {
  using type = std::remove_cvref_t<decltype(std::declval<V&>()[0])>;
};
template <class V>
using lane_t = typename lane_of<V>::type;

/// The overflow rule of spec §6 for a rounded raw value v of a `bits`-wide integer grid [lo, hi],
/// over a lane type V (an integer or int128, a double holding an integer, or a compiler vector of
/// int32 or int64): wrap keeps the low bits (two's complement, AP_WRAP), saturate_zero gives 0,
/// saturate_symmetric clamps to [−hi, hi] (AP_SAT_SYM, never the lowest code), saturate and
/// propagate clamp to [lo, hi]. Only built-in operators, the result by reference: it inlines into
/// a kernel of any ISA. Bounds are values so a run-time grid works; constants fold.
template <class O, class V, class E = lane_t<V>>
__attribute__((always_inline)) constexpr inline void overflow_rule(V& out, const V& v, E lo, E hi, int bits,
                                                                   bool is_signed) {
  const V zero{};
  if constexpr (std::is_same_v<O, overflow::wrap>) {
    static_assert(!std::is_floating_point_v<E>, "overflow_rule: wrap needs integer lanes");
    using U = typename std::conditional_t<std::is_same_v<E, int128>, std::type_identity<uint128>,
                                          std::make_unsigned<E>>::type;
    const int sh = int(8 * sizeof(E)) - bits;
    if constexpr (std::is_same_v<V, E>) {  // through U: a left shift of a negative scalar
      const U low = U(U(v) << sh);
      out = is_signed ? V(E(low) >> sh) : V(low >> sh);
    } else {
      out = is_signed ? (v << sh) >> sh : v & E(U(~U(0)) >> sh);
    }
  } else if constexpr (std::is_same_v<O, overflow::saturate_zero>) {
    out = ((v < lo) | (v > hi)) ? zero : v;
  } else {
    const E los = std::is_same_v<O, overflow::saturate_symmetric> && lo < 0 ? E(-hi) : lo;
    const V low = v < los ? zero + los : v;
    out = low > hi ? zero + hi : low;
  }
}

/// The overflow rule on an int64 lane type for a grid known at compile time.
template <class O, std::int64_t lo, std::int64_t hi, int bits, bool is_signed, class V>
__attribute__((always_inline)) constexpr inline void overflow_rule(V& out, const V& v) {
  overflow_rule<O>(out, v, lane_t<V>(lo), lane_t<V>(hi), bits, is_signed);
}

}  // namespace lowp::detail
