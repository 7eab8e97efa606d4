// lowp/core/bits.hpp: exact unpacked values and bit helpers shared by every format family.
//
// Every lowp value, float and double is exactly ±mag·2^exp with an integer magnitude of at most
// 64 bits; fixed-point products and quotients need 128. Converters go through this form so that
// a conversion rounds exactly once, whatever the source type (spec §1, "rounds once").
#pragma once
#include <bit>
#include <cfloat>
#include <climits>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lowp/core/fp.hpp"
#include "lowp/core/int128.hpp"

namespace lowp {

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

namespace detail {

/// IEEE 754 binary128 (1 sign, 15 exponent, 112 stored significand bits; IEEE 754-2019 §3.6) from
/// its bits, exactly: the magnitude needs 113 bits.
constexpr unpacked<uint128> unpack_binary128(uint128 b) {
  constexpr int mant = 112, bias = 16383;
  unpacked<uint128> u;
  u.neg = (b >> 127) != 0;
  const int e = int((b >> mant) & 0x7fff);
  const uint128 m = b & ((uint128(1) << mant) - 1);
  if (e == 0x7fff) {
    u.kind = m ? value_kind::nan : value_kind::infinite;
  } else if (e == 0) {
    u.mag = m;
    u.exp = 1 - bias - mant;
  } else {
    u.mag = m | (uint128(1) << mant);
    u.exp = e - bias - mant;
  }
  return u;
}

/// hi + lo, two finite doubles, in 128 bits: exact when the sum fits, else rounded to odd (the
/// discarded bits OR-ed into the last one). Rounding that to any format of at most 126 bits rounds
/// as the exact sum would (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums:
/// proved algorithms using rounding to odd", IEEE TC 2008), and every lowp target has at most 64.
/// For IBM double-double long double (LDBL_MANT_DIG 106), whose exact value may span more bits.
constexpr unpacked<uint128> sum_to_odd(const unpacked<>& hi, const unpacked<>& lo) {
  unpacked<uint128> u;
  u.neg = hi.neg;
  if (hi.mag == 0) {
    u.neg = lo.neg;
    u.mag = lo.mag;
    u.exp = lo.exp;
    return u;
  }
  if (lo.mag == 0) {
    u.mag = hi.mag;
    u.exp = hi.exp;
    return u;
  }
  // hi's magnitude at the top of 128 bits, leaving one bit of headroom for a carry
  const int shift = 126 - bit_width(hi.mag);
  const int exp = hi.exp - shift;
  const uint128 h = uint128(hi.mag) << shift;
  uint128 l = 0;
  bool sticky = false;
  const int d = lo.exp - exp;  // lo.mag · 2^d at the scale of h
  if (d >= 0) {
    l = uint128(lo.mag) << d;  // |lo| ≤ ulp(hi) / 2 ≤ h: no overflow
  } else if (-d < 128) {
    l = uint128(lo.mag) >> -d;
    sticky = (uint128(lo.mag) & ((uint128(1) << -d) - 1)) != 0;
  } else {
    sticky = true;
  }
  if (hi.neg == lo.neg) {
    u.mag = h + l;
  } else {
    u.mag = h - l - (sticky ? 1 : 0);  // the dropped part of lo lowers the magnitude: borrow once
  }
  if (sticky) u.mag |= 1;  // rounded to odd
  u.exp = exp;
  return u;
}

}  // namespace detail

/// long double as an exact unpacked value, for each layout C++ compilers use (LDBL_MANT_DIG):
/// 53 (binary64: MSVC, 32-bit ARM), 64 (x87 extended: x86 g++/clang), 113 (binary128: aarch64 Linux,
/// RISC-V, s390x), 106 (IBM double-double: POWER). Not constexpr (frexp).
inline auto unpack(long double x) {
#if LDBL_MANT_DIG == 53
  return unpack(double(x));
#elif LDBL_MANT_DIG == 113
  static_assert(sizeof(long double) == 16);
  return detail::unpack_binary128(std::bit_cast<uint128>(x));
#elif LDBL_MANT_DIG == 106
  if (std::isnan(x) || std::isinf(x)) {
    unpacked<uint128> u;
    u.neg = std::signbit(x);
    u.kind = std::isnan(x) ? value_kind::nan : value_kind::infinite;
    return u;
  }
  const double hi = double(x);  // the double-double's two parts: x = hi + lo exactly
  const double lo = double(x - (long double)hi);
  unpacked<uint128> u = detail::sum_to_odd(unpack(hi), unpack(lo));
  if (u.mag == 0) u.neg = std::signbit(x);
  return u;
#elif LDBL_MANT_DIG == 64
  unpacked<> u;
  u.neg = std::signbit(x);
  if (std::isnan(x)) {
    u.kind = value_kind::nan;
  } else if (std::isinf(x)) {
    u.kind = value_kind::infinite;
  } else if (x != 0) {
    int e = 0;
    const long double m = std::frexp(std::fabs(x), &e);  // m in [0.5, 1), 64 bits: exact
    u.mag = std::uint64_t(std::ldexp(m, 64));
    u.exp = e - 64;
  }
  return u;
#else
#error "lowp: unknown long double layout (LDBL_MANT_DIG is not 53, 64, 106 or 113)"
#endif
}

}  // namespace lowp
