// lowp/format/int_codec.hpp: the one converter of the integer-like families (intn, trit, fixed).
//
// A raw integer value lies in [lo, hi]; the exact input is truncated to the quantum 2^q
// (q = −F for fixed<I, F>, 0 for integers), rounded once, then the overflow tag applies
// (spec §6, §7; ap_fixed semantics: overflow is decided after rounding, in every mode).
#pragma once
#include <cstdint>
#include <type_traits>

#include "lowp/core/bits.hpp"
#include "lowp/core/round.hpp"
#include "lowp/core/tags.hpp"

namespace lowp::detail {

/// The raw range of an integer-like format; `bits` is the width that overflow::wrap keeps.
struct int_range {
  int128 lo, hi;
  int bits;
  bool is_signed;
};

constexpr int_range range_of_bits(int bits, bool is_signed) {
  if (is_signed) return {-(int128(1) << (bits - 1)), (int128(1) << (bits - 1)) - 1, bits, true};
  return {0, (int128(1) << bits) - 1, bits, false};
}

/// Where ±Inf, x / 0 and ln 0 land under tag O: the extreme of their sign, under every tag (spec §7,
/// §8), through core/round.hpp's rule, so saturate_symmetric keeps −max.
template <class O>
constexpr int128 saturated(const int_range& g, bool neg) {
  using S = std::conditional_t<std::is_same_v<O, overflow::saturate_symmetric>, O, overflow::saturate>;
  int128 out = 0;
  overflow_rule<S>(out, neg ? g.lo - 1 : g.hi + 1, g.lo, g.hi, g.bits, g.is_signed);  // bits ≤ 64: fits
  return out;
}

/// Rounds a truncated magnitude of sign `neg` to a raw value in g (spec §6, §7), then g's overflow
/// rule (core/round.hpp).
template <class U, class R, class O>
constexpr int128 round_to_int(const int_range& g, bool neg, const truncated<U>& f, const R& r, O,
                              std::uint64_t index = 0) {
  bool big = f.big;
  U m = f.t;
  if (!big && round_up(r, neg, (m & 1) != 0, f, index)) {
    m = U(m + 1);
    big = m == 0;
  }
  int128 v = 0;
  if constexpr (std::is_same_v<O, overflow::wrap>) {
    v = int128(neg ? uint128(0) - uint128(m) : uint128(m));  // the low 128 bits decide: bits ≤ 64
  } else if (big || bit_width(m) > 126) {
    v = neg ? g.lo - 1 : g.hi + 1;  // beyond the grid either way
  } else {
    v = neg ? -int128(m) : int128(m);
  }
  int128 out = 0;
  overflow_rule<O>(out, v, g.lo, g.hi, g.bits, g.is_signed);
  return out;
}

/// An exact value as a raw integer at quantum 2^q. NaN → 0; ±Inf → the saturated extreme,
/// whatever the overflow tag (spec §8).
template <class U, class R, class O>
constexpr int128 to_int(const int_range& g, int q, const unpacked<U>& u, const R& r, O o, std::uint64_t index = 0) {
  if (u.is_nan()) return 0;
  if (u.is_inf()) return saturated<O>(g, u.neg);
  if (u.mag == 0) return 0;
  return round_to_int(g, u.neg, truncate(u.mag, u.exp, q), r, o, index);
}

/// A raw integer at quantum 2^q as an exact unpacked value.
constexpr unpacked<> unpack_raw(int128 raw, int q) {
  unpacked<> u;
  u.neg = raw < 0;
  u.mag = std::uint64_t(u.neg ? uint128(0) - uint128(raw) : uint128(raw));
  u.exp = q;
  return u;
}

}  // namespace lowp::detail
