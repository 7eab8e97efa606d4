// lowp/format/float_codec.hpp: the one converter of the minifloat family (spec §1, §6).
//
// A float format is described by `float_spec` {E, M, bias, encoding}; `encode` rounds an exact
// unpacked value to a code once, `decode` gives a code's exact value. Every minifloat — and float
// and double themselves, as {8,23} and {11,52} — goes through these two functions, in the spirit
// of ml_dtypes' ConvertImpl: the format only supplies traits.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lowp/core/bits.hpp"
#include "lowp/core/round.hpp"
#include "lowp/core/tags.hpp"

namespace lowp {

/// How a float format spends its special codes (spec §1, table "Encodings").
enum class encoding : std::uint8_t {
  ieee,  // Inf = top exponent, mantissa 0; NaN = top exponent, mantissa ≠ 0; ±0
  fn,    // no Inf; NaN = exponent and mantissa all ones (±); ±0
  fnuz,  // no Inf; NaN = the code with only the sign bit set; +0 only; default bias 2^(E-1)
  none,  // every code is a finite number; ±0
  fnu,   // no sign bit, no zero, no subnormals; all ones = NaN
};

constexpr const char* name_of(encoding e) {
  switch (e) {
    case encoding::ieee:
      return "ieee";
    case encoding::fn:
      return "fn";
    case encoding::fnuz:
      return "fnuz";
    case encoding::none:
      return "none";
    default:
      return "fnu";
  }
}

/// The default bias of spec §1: 2^(E−1) for fnuz, 2^(E−1) − 1 otherwise.
constexpr int default_bias(int e, encoding enc) {
  if (e < 1 || e > 16) return 0;  // invalid E: minifloat's static_assert names the parameter
  return enc == encoding::fnuz ? (1 << (e - 1)) : (1 << (e - 1)) - 1;
}

/// Everything a converter needs to know about a float format, derived from {E, M, bias, encoding}.
struct float_spec {
  int E, M, bias;
  encoding enc;

  constexpr bool has_sign() const { return enc != encoding::fnu; }
  constexpr int bits() const { return E + M + (has_sign() ? 1 : 0); }
  constexpr std::uint64_t mag_mask() const { return (std::uint64_t{1} << (E + M)) - 1; }
  constexpr std::uint64_t sign_bit() const { return has_sign() ? std::uint64_t{1} << (E + M) : 0; }
  constexpr bool has_inf() const { return enc == encoding::ieee; }
  constexpr bool has_nan() const { return enc == encoding::ieee ? M > 0 : enc != encoding::none; }
  constexpr bool has_subnormals() const { return enc != encoding::fnu; }
  constexpr bool has_negative_zero() const {
    return enc == encoding::ieee || enc == encoding::fn || enc == encoding::none;
  }
  /// Exponent of the smallest normal (fnu: of code 0, 2^-bias).
  constexpr int emin() const { return has_subnormals() ? 1 - bias : -bias; }
  constexpr std::uint64_t inf_mag() const { return ((std::uint64_t{1} << E) - 1) << M; }
  /// Magnitude code of the largest finite value.
  constexpr std::uint64_t max_mag() const {
    switch (enc) {
      case encoding::ieee:
        return inf_mag() - 1;
      case encoding::fn:
      case encoding::fnu:
        return mag_mask() - 1;
      default:
        return mag_mask();
    }
  }
  /// The positive canonical NaN (spec §1: all ones without sign; fnuz: 0x80).
  constexpr std::uint64_t nan_code() const { return enc == encoding::fnuz ? sign_bit() : mag_mask(); }
  constexpr bool is_nan(std::uint64_t code) const {
    const std::uint64_t m = code & mag_mask();
    switch (enc) {
      case encoding::ieee:
        return m > inf_mag();
      case encoding::fn:
        return m == mag_mask();
      case encoding::fnuz:
        return code == sign_bit();
      case encoding::fnu:
        return code == mag_mask();
      default:
        return false;
    }
  }
  constexpr bool is_inf(std::uint64_t code) const { return has_inf() && (code & mag_mask()) == inf_mag(); }
  /// Unbiased exponent of the largest finite value.
  constexpr int emax() const { return int(max_mag() >> M) - bias; }
};

namespace detail {

template <class F>
inline constexpr float_spec native_spec = sizeof(F) == 4 ? float_spec{8, 23, 127, encoding::ieee}
                                                         : float_spec{11, 52, 1023, encoding::ieee};

/// The code an overflow (or an infinite input) becomes under tag O (spec §1, §6).
template <class O>
constexpr std::uint64_t overflowed(const float_spec& s, bool neg, O) {
  static_assert(!std::is_same_v<O, overflow::wrap>,
                "lowp: overflow::wrap is for integer and fixed types, not minifloats");
  const std::uint64_t sign = neg ? s.sign_bit() : 0;
  if constexpr (std::is_same_v<O, overflow::saturate_zero>) {
    return s.enc == encoding::fnuz || s.enc == encoding::fnu ? 0 : sign;  // fnu: smallest code
  } else if constexpr (std::is_same_v<O, overflow::propagate>) {
    if (s.has_inf()) return sign | s.inf_mag();
    if (s.has_nan()) return s.enc == encoding::fn ? sign | s.mag_mask() : s.nan_code();
    return sign | s.max_mag();
  } else {
    return sign | s.max_mag();  // saturate, saturate_symmetric (float ranges are symmetric)
  }
}

}  // namespace detail

/// Rounds an exact value to the code of format s, once (spec §1 "round first, then check
/// overflow", §6). `index` is the element index for stochastic rounding.
template <class U, class R, class O>
constexpr std::uint64_t encode(const float_spec& s, const unpacked<U>& u, const R& r, O o, std::uint64_t index = 0) {
  if (u.is_nan()) return s.has_nan() ? s.nan_code() : s.max_mag();  // no NaN: +max (as CUDA)
  const bool neg = s.has_sign() && u.neg;                           // fnu: the sign is ignored
  const std::uint64_t sign = neg ? s.sign_bit() : 0;
  const std::uint64_t max = sign | s.max_mag();
  if (u.is_inf()) return detail::overflowed(s, neg, o);
  if (u.mag == 0) return s.has_negative_zero() ? sign : 0;
  const int k = u.exp + detail::bit_width(u.mag) - 1;  // ⌊log2 |x|⌋ from the bits, exactly
  const int emin = s.emin();
  if (!s.has_subnormals() && k < emin) return 0;  // fnu: anything below 2^-bias → code 0
  if (k + s.bias > (1 << s.E)) {                  // beyond every code: no shift can hold it
    return detail::toward_zero_for<R>(neg) ? max : detail::overflowed(s, neg, o);
  }
  const int q = (k < emin ? emin : k) - s.M;  // quantum: the ulp at x (subnormal ulp below emin)
  const auto f = detail::truncate(u.mag, u.exp, q);
  const std::uint64_t lo = k < emin
                               ? std::uint64_t(f.t)
                               : (std::uint64_t(k + s.bias) << s.M) + std::uint64_t(f.t) - (std::uint64_t{1} << s.M);
  if (lo > s.max_mag()) {
    return detail::toward_zero_for<R>(neg) ? max : detail::overflowed(s, neg, o);
  }
  // Magnitude codes are consecutive in value, so "one step up" is code + 1, and "even" is the
  // parity of the code (for M ≥ 1 the mantissa's last bit; for E8M0 the exponent's, §1).
  const std::uint64_t code = lo + (detail::round_up(r, neg, (lo & 1) != 0, f, index) ? 1 : 0);
  if (code > s.max_mag()) {
    return std::is_same_v<R, rounding::to_odd> ? max : detail::overflowed(s, neg, o);
  }
  if (code == 0) return s.has_negative_zero() ? sign : 0;
  return sign | code;
}

/// The exact value of a code.
constexpr unpacked<> decode(const float_spec& s, std::uint64_t code) {
  unpacked<> u;
  if (s.is_nan(code)) {
    u.kind = value_kind::nan;
    u.neg = s.enc != encoding::fnuz && (code & s.sign_bit()) != 0;
    return u;
  }
  u.neg = (code & s.sign_bit()) != 0;
  const std::uint64_t mag = code & s.mag_mask();
  if (s.is_inf(code)) {
    u.kind = value_kind::infinite;
    return u;
  }
  const std::uint64_t e = mag >> s.M, m = mag & ((std::uint64_t{1} << s.M) - 1);
  if (s.has_subnormals() && e == 0) {
    u.mag = m;
    u.exp = s.emin() - s.M;
  } else {
    u.mag = m | (std::uint64_t{1} << s.M);
    u.exp = int(e) - s.bias - s.M;
  }
  return u;
}

namespace detail {

template <class F>
constexpr F pow2(int e) {  // exact 2^e for e within F's range, subnormals included
  using B = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
  constexpr int mant = std::numeric_limits<F>::digits - 1;
  constexpr int bias = std::numeric_limits<F>::max_exponent - 1;
  if (e < 1 - bias) return std::bit_cast<F>(B{1} << (e - (1 - bias - mant)));
  return std::bit_cast<F>(B(e + bias) << mant);
}

template <class F>
constexpr F signed_special(bool neg, bool nan) {
  const F v = nan ? std::numeric_limits<F>::quiet_NaN() : std::numeric_limits<F>::infinity();
  return neg ? -v : v;
}

}  // namespace detail

/// Whether every value of format s is a float / double (then conversion is a plain exact product).
template <class F>
constexpr bool fits_exactly(const float_spec& s) {
  constexpr float_spec n = detail::native_spec<F>;
  return s.M <= n.M && s.emin() - s.M >= n.emin() - n.M && s.emax() <= n.emax();
}

/// An exact unpacked value as float or double, rounded once by r / o when it does not fit.
template <class F, class R = rounding::nearest_even, class O = overflow::propagate>
constexpr F to_native(const unpacked<>& u, const R& r = {}, O o = {}) {
  if (u.is_nan() || u.is_inf()) {
    if (u.is_inf() && !std::is_same_v<O, overflow::propagate>) {
      using B = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
      return std::bit_cast<F>(B(encode(detail::native_spec<F>, u, r, o)));
    }
    return detail::signed_special<F>(u.neg, u.is_nan());
  }
  using B = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
  return std::bit_cast<F>(B(encode(detail::native_spec<F>, u, r, o)));
}

/// A code's value as float or double: exact whenever representable (spec §8), else
/// nearest even with IEEE overflow to Inf.
template <class F, float_spec S>
constexpr F decode_to(std::uint64_t code) {
  const unpacked<> u = decode(S, code);
  if constexpr (fits_exactly<F>(S)) {
    if (u.kind != value_kind::finite) return detail::signed_special<F>(u.neg, u.is_nan());
    const F v = F(u.mag) * detail::pow2<F>(u.exp);  // exact: the product is representable
    return u.neg ? -v : v;
  } else {
    return to_native<F>(u);
  }
}

}  // namespace lowp
