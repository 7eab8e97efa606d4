// lowp/core/tags.hpp: rounding and overflow tags (spec §6).
//
// Tags are small types passed by value: `convert<T>(x, rounding::toward_zero{}, overflow::saturate{})`.
// Each rounding tag names the ap_fixed / ac_fixed mode it matches.
#pragma once
#include <cstdint>
#include <type_traits>

#include "lowp/core/fp.hpp"

namespace lowp {

namespace rounding {
struct nearest_even {};     // nearest, ties to even (IEEE default, AP_RND_CONV)
struct nearest_away {};     // nearest, ties away from zero (AP_RND_INF, C roundf)
struct nearest_up {};       // nearest, ties toward +inf (AP_RND)
struct nearest_down {};     // nearest, ties toward -inf (AP_RND_MIN_INF)
struct nearest_zero {};     // nearest, ties toward zero (AP_RND_ZERO)
struct toward_zero {};      // truncate the magnitude (AP_TRN_ZERO)
struct toward_positive {};  // ceiling
struct toward_negative {};  // floor (AP_TRN)
struct to_odd {};           // toward zero, then set the last bit if inexact (AC_RND_CONV_ODD)
/// Counter-based stochastic rounding (spec §6): element i of a call draws 32 random bits
/// keyed by (seed, offset + i), so results never depend on ISA, vector width, thread count or
/// how an array is split into calls. A scalar call is element 0.
struct stochastic {
  std::uint64_t seed = 0;
  std::uint64_t offset = 0;
};
}  // namespace rounding

namespace overflow {
struct saturate {};            // clamp to [lowest, max] (AP_SAT; NVIDIA satfinite)
struct saturate_symmetric {};  // clamp to [-max, max] (AP_SAT_SYM)
struct saturate_zero {};       // an overflow gives zero (AP_SAT_ZERO)
struct wrap {};                // modulo 2^bits (AP_WRAP; integer and fixed types only)
struct propagate {};           // floats: Inf, else NaN, else max; integer-like types: saturate
}  // namespace overflow

template <class R>
inline constexpr bool is_rounding_v =
    std::is_same_v<R, rounding::nearest_even> || std::is_same_v<R, rounding::nearest_away> ||
    std::is_same_v<R, rounding::nearest_up> || std::is_same_v<R, rounding::nearest_down> ||
    std::is_same_v<R, rounding::nearest_zero> || std::is_same_v<R, rounding::toward_zero> ||
    std::is_same_v<R, rounding::toward_positive> || std::is_same_v<R, rounding::toward_negative> ||
    std::is_same_v<R, rounding::to_odd> || std::is_same_v<R, rounding::stochastic>;

template <class O>
inline constexpr bool is_overflow_v =
    std::is_same_v<O, overflow::saturate> || std::is_same_v<O, overflow::saturate_symmetric> ||
    std::is_same_v<O, overflow::saturate_zero> || std::is_same_v<O, overflow::wrap> ||
    std::is_same_v<O, overflow::propagate>;

template <class R>
concept rounding_mode = is_rounding_v<R>;
template <class O>
concept overflow_mode = is_overflow_v<O>;

/// Printable names, for tables and error messages.
template <rounding_mode R>
constexpr const char* name_of(R) {
  if constexpr (std::is_same_v<R, rounding::nearest_even>)
    return "nearest_even";
  else if constexpr (std::is_same_v<R, rounding::nearest_away>)
    return "nearest_away";
  else if constexpr (std::is_same_v<R, rounding::nearest_up>)
    return "nearest_up";
  else if constexpr (std::is_same_v<R, rounding::nearest_down>)
    return "nearest_down";
  else if constexpr (std::is_same_v<R, rounding::nearest_zero>)
    return "nearest_zero";
  else if constexpr (std::is_same_v<R, rounding::toward_zero>)
    return "toward_zero";
  else if constexpr (std::is_same_v<R, rounding::toward_positive>)
    return "toward_positive";
  else if constexpr (std::is_same_v<R, rounding::toward_negative>)
    return "toward_negative";
  else if constexpr (std::is_same_v<R, rounding::to_odd>)
    return "to_odd";
  else
    return "stochastic";
}
template <overflow_mode O>
constexpr const char* name_of(O) {
  if constexpr (std::is_same_v<O, overflow::saturate>)
    return "saturate";
  else if constexpr (std::is_same_v<O, overflow::saturate_symmetric>)
    return "saturate_symmetric";
  else if constexpr (std::is_same_v<O, overflow::saturate_zero>)
    return "saturate_zero";
  else if constexpr (std::is_same_v<O, overflow::wrap>)
    return "wrap";
  else
    return "propagate";
}

}  // namespace lowp
