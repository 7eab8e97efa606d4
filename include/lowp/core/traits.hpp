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

/// What a format is and what the schemes, packers and kernels need to know about it, read from the
/// type's static members: the one place that asks which family a format belongs to.
template <lowp_value T>
struct format_traits {
  using storage_type = decltype(std::declval<const T&>().bits());
  static constexpr family kind = T::format_family;
  static constexpr int bits = T::bit_width;  // significant bits of a code
  static constexpr bool is_signed = T::is_signed;
  /// Integer-valued codes: intn, trit (−1, 0, 1), binary (−1, +1).
  static constexpr bool is_integer = kind == family::integer || kind == family::ternary || kind == family::binary;

  /// The greatest and least values, as the scale rules see them (spec §5.1): ±1 for binary, the
  /// integer range for intn and trit, ±max for minifloats and fixed point.
  static double qmax() {
    if constexpr (kind == family::binary)
      return 1.0;
    else if constexpr (kind == family::integer || kind == family::ternary)
      return double(T::range.hi);
    else
      return double(T::max());
  }
  static double qmin() {
    if constexpr (kind == family::binary)
      return -1.0;
    else if constexpr (kind == family::integer || kind == family::ternary)
      return double(T::range.lo);
    else
      return double(T::lowest());
  }
  /// Whether codes hold integers, so a zero point is added after rounding (as gemmlowp does).
  static constexpr bool integer_zero_point = kind != family::minifloat;

  /// The code of integer value q (in range) of an integer-valued format: a trit stores q + 1, a
  /// binary code 1 for +1 and 0 for −1, intn q's two's-complement bits.
  static constexpr T from_int(int q) {
    static_assert(is_integer, "lowp::format_traits::from_int: integer-valued formats only");
    if constexpr (kind == family::ternary)
      return T::from_bits(storage_type(q + 1));
    else if constexpr (kind == family::binary)
      return T::from_bits(storage_type(q > 0 ? 1 : 0));
    else
      return T::from_bits(storage_type(unsigned(q)));
  }
  /// Codes the integer GEMM reads as int8 values: intn of at most 8 bits, trit, binary.
  static constexpr bool int8_valued =
      (kind == family::integer && bits <= 8) || kind == family::ternary || kind == family::binary;
  /// What the integer GEMM subtracts from a code's value to get an int8 (and adds to zero points):
  /// 128 for uint8 (gemmlowp's uint8 → int8 shift), else 0.
  static constexpr int int8_shift = kind == family::integer && !is_signed && bits == 8 ? 128 : 0;
  /// A signed integer grid (intn, trit): symmetric quantization clamps it to ±max.
  static constexpr bool signed_grid = (kind == family::integer && is_signed) || kind == family::ternary;
  /// Scale rules (spec §5.1): absmean / absmedian are the rules of two- and three-level formats
  /// (BitNet b1.58, XNOR-Net), and binary elements take only those or mse (any amax rule makes
  /// every value ±amax).
  static constexpr bool takes_mean_scale = kind == family::ternary || kind == family::binary;
  static constexpr bool only_mean_or_mse_scale = kind == family::binary;
  /// Packing: trits five to a byte in base 3, every other format `bits` bits per code.
  static constexpr bool packs_base3 = kind == family::ternary;
  /// The offset between an integer format's value and its code (a trit stores value + 1).
  static constexpr int code_offset = kind == family::ternary ? 1 : 0;
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
constexpr auto to_unpacked(A x) {  // unpacked<uint128> for a long double wider than 64 bits
  return unpack(x);
}

}  // namespace lowp
