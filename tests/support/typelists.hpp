// tests/support/typelists.hpp: the rounding and overflow tags as type lists, with their
// reference counterparts, for tests that instantiate a type per mode (fixed<..., R, O>).
#pragma once
#include <lowp/core/tags.hpp>

#include "int_reference.hpp"

namespace support {

template <class... Ts>
struct list {};

template <class... Ts, class F>
void for_each(list<Ts...>, F&& f) {
  (f.template operator()<Ts>(), ...);
}

using deterministic_modes =
    list<lowp::rounding::nearest_even, lowp::rounding::nearest_away, lowp::rounding::nearest_up,
         lowp::rounding::nearest_down, lowp::rounding::nearest_zero, lowp::rounding::toward_zero,
         lowp::rounding::toward_positive, lowp::rounding::toward_negative, lowp::rounding::to_odd>;
using all_overflows = list<lowp::overflow::saturate, lowp::overflow::saturate_symmetric, lowp::overflow::saturate_zero,
                           lowp::overflow::wrap, lowp::overflow::propagate>;

/// Every (mode, tag) pair, or just the one pair given.
template <class... ModeAndTag>
struct selection {
  using modes = deterministic_modes;
  using tags = all_overflows;
};
template <class R, class O>
struct selection<R, O> {
  using modes = list<R>;
  using tags = list<O>;
};

template <class R>
constexpr ref::mode mode_of() {
  using namespace lowp::rounding;
  if constexpr (std::is_same_v<R, nearest_even>)
    return ref::mode::nearest_even;
  else if constexpr (std::is_same_v<R, nearest_away>)
    return ref::mode::nearest_away;
  else if constexpr (std::is_same_v<R, nearest_up>)
    return ref::mode::nearest_up;
  else if constexpr (std::is_same_v<R, nearest_down>)
    return ref::mode::nearest_down;
  else if constexpr (std::is_same_v<R, nearest_zero>)
    return ref::mode::nearest_zero;
  else if constexpr (std::is_same_v<R, toward_zero>)
    return ref::mode::toward_zero;
  else if constexpr (std::is_same_v<R, toward_positive>)
    return ref::mode::toward_positive;
  else if constexpr (std::is_same_v<R, toward_negative>)
    return ref::mode::toward_negative;
  else
    return ref::mode::to_odd;
}

template <class O>
constexpr ref::iovf overflow_of() {
  using namespace lowp::overflow;
  if constexpr (std::is_same_v<O, saturate>)
    return ref::iovf::saturate;
  else if constexpr (std::is_same_v<O, saturate_symmetric>)
    return ref::iovf::saturate_symmetric;
  else if constexpr (std::is_same_v<O, saturate_zero>)
    return ref::iovf::saturate_zero;
  else if constexpr (std::is_same_v<O, wrap>)
    return ref::iovf::wrap;
  else
    return ref::iovf::propagate;
}

}  // namespace support
