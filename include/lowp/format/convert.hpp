// lowp/format/convert.hpp: convert<T>(x, rounding, overflow), from anything to anything, once.
//
// Sources: float, double, long double, every integer type and every lowp value type. Targets:
// every lowp value type, float, double and the integer types. The source is read as an exact
// unpacked value and rounded once into the target (no double rounding through float).
// The bulk form over spans lives in simd/convert.hpp (it runs on the SIMD kernels).
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lowp/core/tags.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/float_codec.hpp"
#include "lowp/format/int_codec.hpp"

namespace lowp {

namespace detail {
template <class T, class U, class R, class O>
constexpr T convert_unpacked(const unpacked<U>& u, const R& r, O o, std::uint64_t index) {
  if constexpr (lowp_value<T>) {
    return T::from_unpacked(u, r, o, index);
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    using B = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    if (u.is_nan())
      return u.neg ? -std::numeric_limits<T>::quiet_NaN() : std::numeric_limits<T>::quiet_NaN();  // as decode_to
    return std::bit_cast<T>(B(encode(native_spec<T>, u, r, o, index)));
  } else {
    static_assert(std::is_integral_v<T>, "lowp::convert: the target must be a lowp type, float, double or an integer");
    constexpr auto g = range_of_bits(std::numeric_limits<T>::digits + std::is_signed_v<T>, std::is_signed_v<T>);
    return T(to_int(g, 0, u, r, o, index));
  }
}
}  // namespace detail

/// x converted to T, rounded once by r, then overflow tag o applied (spec §1, §6, §8).
template <class T, class X, rounding_mode R, overflow_mode O>
requires(arithmetic<X> || lowp_value<X>) constexpr T convert(const X& x, const R& r, O o) {
  return detail::convert_unpacked<T>(to_unpacked(x), r, o, 0);
}

}  // namespace lowp
