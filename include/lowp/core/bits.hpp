// lowp/core/bits.hpp: exact unpacked values and bit helpers shared by every format family.
//
// Every lowp value, float and double is exactly ±mag·2^exp with an integer magnitude of at most
// 64 bits; fixed-point products and quotients need 128. Converters go through this form so that
// a conversion rounds exactly once, whatever the source type (spec §1, "rounds once").
#pragma once
#include <bit>
#include <climits>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lowp/core/fp.hpp"

namespace lowp {

__extension__ typedef unsigned __int128 uint128;  // GCC and clang on x86-64
__extension__ typedef __int128 int128;

namespace detail {

template <class U>
inline constexpr int width_v = std::numeric_limits<U>::digits;
template <>
inline constexpr int width_v<uint128> = 128;

/// Number of significant bits of x (0 for x = 0).
template <class U>
constexpr int bit_width(U x) {
  if constexpr (std::is_same_v<U, uint128>) {
    const auto hi = std::uint64_t(x >> 64);
    return hi ? 64 + int(std::bit_width(hi)) : int(std::bit_width(std::uint64_t(x)));
  } else {
    return int(std::bit_width(x));
  }
}

}  // namespace detail

enum class value_kind : std::uint8_t { finite, infinite, nan };

/// An exact value: (-1)^neg · mag · 2^exp when finite (mag = 0 is a signed zero).
template <class U = std::uint64_t>
struct unpacked {
  value_kind kind = value_kind::finite;
  bool neg = false;
  U mag = 0;
  int exp = 0;
  constexpr bool is_nan() const { return kind == value_kind::nan; }
  constexpr bool is_inf() const { return kind == value_kind::infinite; }
  constexpr bool is_zero() const { return kind == value_kind::finite && mag == 0; }
};

/// float and double as exact unpacked values (IEEE 754 binary32/binary64 layout).
template <std::floating_point F>
requires(std::numeric_limits<F>::is_iec559 && (sizeof(F) == 4 || sizeof(F) == 8)) constexpr unpacked<> unpack(F x) {
  using B = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
  constexpr int mant = std::numeric_limits<F>::digits - 1;  // 23 or 52 stored bits
  constexpr int ebits = int(sizeof(F)) * 8 - 1 - mant;
  constexpr int bias = (1 << (ebits - 1)) - 1;
  const B b = std::bit_cast<B>(x);
  unpacked<> u;
  u.neg = (b >> (sizeof(F) * 8 - 1)) != 0;
  const int e = int((b >> mant) & ((B{1} << ebits) - 1));
  const B m = b & ((B{1} << mant) - 1);
  if (e == (1 << ebits) - 1) {
    u.kind = m ? value_kind::nan : value_kind::infinite;
  } else if (e == 0) {
    u.mag = m;
    u.exp = 1 - bias - mant;
  } else {
    u.mag = m | (B{1} << mant);
    u.exp = e - bias - mant;
  }
  return u;
}

/// Integers as exact unpacked values.
template <std::integral I>
constexpr unpacked<> unpack(I x) {
  unpacked<> u;
  if constexpr (std::is_signed_v<I>) {
    u.neg = x < 0;
    u.mag = u.neg ? std::uint64_t(0) - std::uint64_t(std::int64_t(x)) : std::uint64_t(x);
  } else {
    u.mag = std::uint64_t(x);
  }
  return u;
}

/// long double (x87 80-bit or binary64) as an exact unpacked value; not constexpr (frexp).
inline unpacked<> unpack(long double x) {
  unpacked<> u;
  u.neg = std::signbit(x);
  if (std::isnan(x)) {
    u.kind = value_kind::nan;
  } else if (std::isinf(x)) {
    u.kind = value_kind::infinite;
  } else if (x != 0) {
    int e = 0;
    const long double m = std::frexp(std::fabs(x), &e);  // m in [0.5, 1), at most 64 bits
    u.mag = std::uint64_t(std::ldexp(m, 64));
    u.exp = e - 64;
  }
  return u;
}

}  // namespace lowp
