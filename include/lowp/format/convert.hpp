// lowp/format/convert.hpp: convert<T>(x, rounding, overflow), from anything to anything, once.
//
// Sources: float, double, long double, every integer type and every lowp value type. Targets:
// every lowp value type, float, double and the integer types. The source is read as an exact
// unpacked value and rounded once into the target (no double rounding through float).
// The bulk form takes spans; element i of a stochastic call draws the bits of (seed, offset + i).
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>

#include "lowp/core/error.hpp"
#include "lowp/core/tags.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/float_codec.hpp"
#include "lowp/format/int_codec.hpp"

namespace lowp {

namespace detail {
template <class T, class R, class O>
constexpr T convert_unpacked(const unpacked<>& u, const R& r, O o, std::uint64_t index) {
  if constexpr (lowp_value<T>) {
    return T::from_unpacked(u, r, o, index);
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    using B = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    if (u.is_nan()) return std::numeric_limits<T>::quiet_NaN();
    return std::bit_cast<T>(B(encode(native_spec<T>, u, r, o, index)));
  } else {
    static_assert(std::is_integral_v<T>, "lowp::convert: the target must be a lowp type, float, double or an integer");
    constexpr auto g = range_of_bits(std::numeric_limits<T>::digits + std::is_signed_v<T>, std::is_signed_v<T>);
    return T(to_int(g, 0, u, r, o, index));
  }
}
}  // namespace detail

/// x converted to T, rounded once by r, then overflow tag o applied (FORMATS.md §1, §6, §8).
template <class T, class X, rounding_mode R, overflow_mode O>
constexpr T convert(const X& x, const R& r, O o) {
  return detail::convert_unpacked<T>(to_unpacked(x), r, o, 0);
}

/// Element-wise conversion of a span; element i of a stochastic call draws (seed, offset + i).
/// Throws lowp::error when the sizes differ.
template <class From, class To, rounding_mode R, overflow_mode O>
void convert(std::span<const From> in, std::span<To> out, const R& r, O o) {
  if (in.size() != out.size()) {
    throw error("convert: input has " + std::to_string(in.size()) + " elements but output has " +
                std::to_string(out.size()));
  }
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = detail::convert_unpacked<To>(to_unpacked(in[i]), r, o, i);
}

}  // namespace lowp
