// tests/support/modes.hpp: run a callable with each lowp rounding / overflow tag, by index.
#pragma once
#include <lowp/core/tags.hpp>

#include <utility>

#include "int_reference.hpp"
#include "reference.hpp"

namespace support {

template <class F>
decltype(auto) with_mode(ref::mode m, F&& f) {
  using namespace lowp::rounding;
  switch (m) {
    case ref::mode::nearest_even:
      return f(nearest_even{});
    case ref::mode::nearest_away:
      return f(nearest_away{});
    case ref::mode::nearest_up:
      return f(nearest_up{});
    case ref::mode::nearest_down:
      return f(nearest_down{});
    case ref::mode::nearest_zero:
      return f(nearest_zero{});
    case ref::mode::toward_zero:
      return f(toward_zero{});
    case ref::mode::toward_positive:
      return f(toward_positive{});
    case ref::mode::toward_negative:
      return f(toward_negative{});
    default:
      return f(to_odd{});
  }
}

template <class F>
decltype(auto) with_overflow(ref::ovf o, F&& f) {
  using namespace lowp::overflow;
  switch (o) {
    case ref::ovf::saturate:
      return f(saturate{});
    case ref::ovf::saturate_symmetric:
      return f(saturate_symmetric{});
    case ref::ovf::saturate_zero:
      return f(saturate_zero{});
    default:
      return f(propagate{});
  }
}

template <class F>
decltype(auto) with_int_overflow(ref::iovf o, F&& f) {
  if (o == ref::iovf::wrap) return f(lowp::overflow::wrap{});
  return with_overflow(o == ref::iovf::saturate             ? ref::ovf::saturate
                       : o == ref::iovf::saturate_symmetric ? ref::ovf::saturate_symmetric
                       : o == ref::iovf::saturate_zero      ? ref::ovf::saturate_zero
                                                            : ref::ovf::propagate,
                       std::forward<F>(f));
}
inline constexpr ref::iovf all_int_overflows[] = {ref::iovf::saturate, ref::iovf::saturate_symmetric,
                                                  ref::iovf::saturate_zero, ref::iovf::wrap, ref::iovf::propagate};

inline constexpr ref::mode all_modes[] = {
    ref::mode::nearest_even,    ref::mode::nearest_away,    ref::mode::nearest_up,
    ref::mode::nearest_down,    ref::mode::nearest_zero,    ref::mode::toward_zero,
    ref::mode::toward_positive, ref::mode::toward_negative, ref::mode::to_odd};
inline constexpr ref::ovf float_overflows[] = {ref::ovf::saturate, ref::ovf::saturate_symmetric,
                                               ref::ovf::saturate_zero, ref::ovf::propagate};

}  // namespace support
