// lowp/core/traits.hpp: the format concept and format_traits (docs/architecture.md, "the one idea").
//
// A lowp value type is a trivially copyable class with a code (`bits()`, `from_bits`) and an exact
// unpacked value (`to_unpacked`, `from_unpacked`); format_traits reads its static description.
#pragma once
#include <cstdint>
#include <type_traits>

#include "lowp/core/bits.hpp"

namespace lowp {

enum class family : std::uint8_t { minifloat, integer, ternary, binary, fixed };

/// Satisfied by every lowp scalar value type (minifloat, intn, trit, binary, fixed, ...).
template <class T>
concept lowp_value = std::is_trivially_copyable_v<T> && requires(const T& t) {
  { T::format_family } -> std::convertible_to<family>;
  { T::bit_width } -> std::convertible_to<int>;
  {t.bits()};
  {t.to_unpacked()};
};

/// What a format is, read from the type's static members.
template <lowp_value T>
struct format_traits {
  using storage_type = decltype(std::declval<const T&>().bits());
  static constexpr family kind = T::format_family;
  static constexpr int bits = T::bit_width;  // significant bits of a code
  static constexpr bool is_signed = T::is_signed;
  static constexpr bool is_integer = kind == family::integer || kind == family::ternary || kind == family::binary;
};

/// Arithmetic types a lowp value is constructed from: every built-in integer and float type.
template <class A>
concept arithmetic = std::is_arithmetic_v<A>;

/// Exact unpacked form of any arithmetic or lowp value (the input of every converter).
template <lowp_value T>
constexpr auto to_unpacked(const T& x) {
  return x.to_unpacked();
}
template <arithmetic A>
constexpr unpacked<> to_unpacked(A x) {
  return unpack(x);
}

}  // namespace lowp
