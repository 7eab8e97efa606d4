// lowp/core/int128.hpp: 128-bit integers, the compiler's where it has them, lowp's own otherwise.
//
// Fixed-point products, quotients and exact sums need 128 bits. GCC and clang on 64-bit targets
// have `__int128`; 32-bit targets (i686, armv7) and MSVC do not. There `lowp::int128` and
// `lowp::uint128` are the small two-word types below, with the same two's-complement, modulo-2^128
// behaviour as the built-in ones for every operator lowp uses. Define LOWP_NO_INT128 to use them
// on any target (the test suite does, to run the portable path on x86-64 too).
#pragma once
#include <bit>
#include <compare>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

#if defined(__SIZEOF_INT128__) && !defined(LOWP_NO_INT128)
#define LOWP_HAVE_BUILTIN_INT128 1
#else
#define LOWP_HAVE_BUILTIN_INT128 0
#endif

namespace lowp {

#if LOWP_HAVE_BUILTIN_INT128
__extension__ typedef unsigned __int128 uint128;  // GCC and clang on 64-bit targets
__extension__ typedef __int128 int128;
#else

namespace detail {

/// Two 64-bit words, low first in memory on little-endian targets (so std::bit_cast from a
/// 16-byte IEEE binary128 long double reads the same bits as the built-in type).
struct words128 {
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  std::uint64_t hi = 0, lo = 0;
#else
  std::uint64_t lo = 0, hi = 0;
#endif
};

/// The full 128-bit product of two 64-bit words (schoolbook on 32-bit halves).
constexpr words128 mul64x64(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
  const std::uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const std::uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  words128 r;
  r.lo = (mid << 32) | (p00 & 0xffffffffu);
  r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return r;
}

/// A 128-bit two's-complement integer; Signed selects the meaning of <, >>, / and conversions.
template <bool Signed>
class wide128 {
 public:
  constexpr wide128() = default;
  /// From any built-in integer: sign-extended when the source is signed, as the built-in types do.
  template <std::integral I>
  constexpr wide128(I v) {  // NOLINT(google-explicit-constructor): behaves as a built-in integer
    w_.lo = std::uint64_t(v);
    if constexpr (std::is_signed_v<I>) w_.hi = v < 0 ? ~std::uint64_t(0) : 0;
  }
  /// From float or double, truncated toward zero (the value must fit, as for the built-in types).
  template <std::floating_point T>
  requires(std::numeric_limits<T>::digits <= 64) constexpr explicit wide128(T v) {
    const T a = v < 0 ? -v : v, two64 = T(18446744073709551616.0);
    if (a < two64) {
      w_.lo = std::uint64_t(a);
    } else {  // an integer ≥ 2^64: a / 2^64 and a − hi · 2^64 are exact
      w_.hi = std::uint64_t(a / two64);
      w_.lo = std::uint64_t(a - T(w_.hi) * two64);
    }
    if (v < 0) *this = -*this;
  }
  /// Between signed and unsigned: the same 128 bits.
  template <bool S>
  requires(S != Signed) constexpr explicit wide128(wide128<S> v) : w_{v.words()} {}

  /// To a built-in integer: the low bits, as a built-in narrowing conversion.
  template <std::integral I>
  constexpr explicit operator I() const {
    if constexpr (std::is_same_v<I, bool>)
      return (w_.lo | w_.hi) != 0;
    else
      return I(w_.lo);
  }
  /// To float or double, rounded once to nearest even as the built-in conversion: the top 64 bits
  /// with a sticky bit for the rest convert exactly as the whole (the format keeps at most 62).
  template <std::floating_point T>
  requires(std::numeric_limits<T>::digits <= 62) constexpr explicit operator T() const {
    if (Signed && negative()) return -T(wide128<false>(-*this));  // the magnitude, even for the lowest value
    if (w_.hi == 0) return T(w_.lo);
    const int s = width(*this) - 64;  // 1..64
    const std::uint64_t top = std::uint64_t(wide128<false>(*this) >> s) |
                              std::uint64_t((w_.lo & ((std::uint64_t(1) << (s - 1) << 1) - 1)) != 0);
    const T scale = s == 64 ? T(18446744073709551616.0) : T(std::uint64_t(1) << s);
    return T(top) * scale;  // exact: a power of two
  }

  constexpr words128 words() const { return w_; }
  static constexpr wide128 from_words(std::uint64_t hi, std::uint64_t lo) {
    wide128 r;
    r.w_.hi = hi;
    r.w_.lo = lo;
    return r;
  }

  friend constexpr wide128 operator+(wide128 a, wide128 b) {
    const std::uint64_t lo = a.w_.lo + b.w_.lo;
    return from_words(a.w_.hi + b.w_.hi + (lo < a.w_.lo), lo);
  }
  friend constexpr wide128 operator-(wide128 a, wide128 b) {
    return from_words(a.w_.hi - b.w_.hi - (a.w_.lo < b.w_.lo), a.w_.lo - b.w_.lo);
  }
  constexpr wide128 operator-() const { return wide128() - *this; }
  constexpr wide128 operator+() const { return *this; }
  constexpr wide128 operator~() const { return from_words(~w_.hi, ~w_.lo); }
  friend constexpr wide128 operator*(wide128 a, wide128 b) {  // modulo 2^128, either signedness
    words128 p = mul64x64(a.w_.lo, b.w_.lo);
    p.hi += a.w_.lo * b.w_.hi + a.w_.hi * b.w_.lo;
    return from_words(p.hi, p.lo);
  }
  friend constexpr wide128 operator&(wide128 a, wide128 b) { return from_words(a.w_.hi & b.w_.hi, a.w_.lo & b.w_.lo); }
  friend constexpr wide128 operator|(wide128 a, wide128 b) { return from_words(a.w_.hi | b.w_.hi, a.w_.lo | b.w_.lo); }
  friend constexpr wide128 operator^(wide128 a, wide128 b) { return from_words(a.w_.hi ^ b.w_.hi, a.w_.lo ^ b.w_.lo); }
  /// Shifts by 0..127 (larger counts are undefined for the built-in types too).
  friend constexpr wide128 operator<<(wide128 a, int s) {
    if (s == 0) return a;
    if (s >= 64) return from_words(a.w_.lo << (s - 64), 0);
    return from_words((a.w_.hi << s) | (a.w_.lo >> (64 - s)), a.w_.lo << s);
  }
  /// Arithmetic for the signed type (as GCC and clang do), logical for the unsigned.
  friend constexpr wide128 operator>>(wide128 a, int s) {
    const std::uint64_t fill = (Signed && a.negative()) ? ~std::uint64_t(0) : 0;
    if (s == 0) return a;
    if (s >= 64) {
      const int t = s - 64;
      const std::uint64_t lo = t == 0 ? a.w_.hi : (a.w_.hi >> t) | (fill << (64 - t));
      return from_words(fill, lo);
    }
    return from_words((a.w_.hi >> s) | (fill << (64 - s)), (a.w_.lo >> s) | (a.w_.hi << (64 - s)));
  }
  /// Truncating division and its remainder (the sign of the dividend), as the built-in types.
  friend constexpr wide128 operator/(wide128 a, wide128 b) { return divmod(a, b, false); }
  friend constexpr wide128 operator%(wide128 a, wide128 b) { return divmod(a, b, true); }

  friend constexpr bool operator==(wide128 a, wide128 b) { return a.w_.lo == b.w_.lo && a.w_.hi == b.w_.hi; }
  friend constexpr std::strong_ordering operator<=>(wide128 a, wide128 b) {
    if (a.w_.hi != b.w_.hi) {
      if constexpr (Signed) return std::int64_t(a.w_.hi) <=> std::int64_t(b.w_.hi);
      return a.w_.hi <=> b.w_.hi;
    }
    return a.w_.lo <=> b.w_.lo;
  }

  constexpr wide128& operator+=(wide128 b) { return *this = *this + b; }
  constexpr wide128& operator-=(wide128 b) { return *this = *this - b; }
  constexpr wide128& operator*=(wide128 b) { return *this = *this * b; }
  constexpr wide128& operator/=(wide128 b) { return *this = *this / b; }
  constexpr wide128& operator%=(wide128 b) { return *this = *this % b; }
  constexpr wide128& operator&=(wide128 b) { return *this = *this & b; }
  constexpr wide128& operator|=(wide128 b) { return *this = *this | b; }
  constexpr wide128& operator^=(wide128 b) { return *this = *this ^ b; }
  constexpr wide128& operator<<=(int s) { return *this = *this << s; }
  constexpr wide128& operator>>=(int s) { return *this = *this >> s; }
  constexpr wide128& operator++() { return *this += 1; }
  constexpr wide128& operator--() { return *this -= 1; }

 private:
  constexpr bool negative() const { return (w_.hi >> 63) != 0; }
  static constexpr int width(wide128 a) {
    return a.w_.hi ? 64 + int(std::bit_width(a.w_.hi)) : int(std::bit_width(a.w_.lo));
  }
  /// Magnitudes by shift and subtract from the top set bit of the quotient (one step per quotient
  /// bit), a single 64-bit division when both fit in a word. b = 0 is undefined, as built in.
  static constexpr wide128 divmod(wide128 a, wide128 b, bool want_rem) {
    const bool an = Signed && a.negative(), bn = Signed && b.negative();
    wide128 n = an ? -a : a, d = bn ? -b : b, q;
    if (n.w_.hi == 0 && d.w_.hi == 0) {
      q = wide128(n.w_.lo / d.w_.lo);
      n = wide128(n.w_.lo % d.w_.lo);
    } else if (!(unsigned_less(n, d))) {
      for (int s = width(n) - width(d); s >= 0; --s) {
        const wide128 ds = d << s;
        if (!unsigned_less(n, ds)) {
          n -= ds;
          q |= wide128(1) << s;
        }
      }
    }
    if (want_rem) return an ? -n : n;
    return an != bn ? -q : q;
  }
  static constexpr bool unsigned_less(wide128 a, wide128 b) {
    return a.w_.hi != b.w_.hi ? a.w_.hi < b.w_.hi : a.w_.lo < b.w_.lo;
  }

  words128 w_;
};

}  // namespace detail

using uint128 = detail::wide128<false>;
using int128 = detail::wide128<true>;
#endif

}  // namespace lowp
