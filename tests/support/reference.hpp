// tests/support/reference.hpp: an independent reference for float formats, written from the
// definitions of spec §1 and §6 only (no lowp code): decode a code with ldexp, and round
// by searching the sorted table of every decoded value, ties by each mode's rule.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ref {

enum class enc { ieee, fn, fnuz, none, fnu };
enum class mode {
  nearest_even,
  nearest_away,
  nearest_up,
  nearest_down,
  nearest_zero,
  toward_zero,
  toward_positive,
  toward_negative,
  to_odd
};
enum class ovf { saturate, saturate_symmetric, saturate_zero, propagate };

inline const char* name(mode m) {
  static const char* n[] = {"nearest_even", "nearest_away",    "nearest_up",      "nearest_down", "nearest_zero",
                            "toward_zero",  "toward_positive", "toward_negative", "to_odd"};
  return n[int(m)];
}
inline const char* name(ovf o) {
  static const char* n[] = {"saturate", "saturate_symmetric", "saturate_zero", "propagate"};
  return n[int(o)];
}

struct decoded {
  double value;
  bool nan, inf;
};

/// A float format from its definition: E exponent bits, M mantissa bits, a bias, an encoding.
struct format {
  int E, M, bias;
  enc e;

  bool has_sign() const { return e != enc::fnu; }
  int bits() const { return E + M + (has_sign() ? 1 : 0); }
  std::uint32_t sign_bit() const { return has_sign() ? 1u << (E + M) : 0u; }

  decoded decode(std::uint32_t code) const {
    const std::uint32_t s = has_sign() ? (code >> (E + M)) & 1 : 0;
    const std::uint32_t ex = (code >> M) & ((1u << E) - 1), m = code & ((1u << M) - 1);
    const std::uint32_t top = (1u << E) - 1, mall = (1u << M) - 1;
    const double sg = s ? -1.0 : 1.0;
    switch (e) {
      case enc::ieee:
        if (ex == top) return m == 0 ? decoded{sg * INFINITY, false, true} : decoded{NAN, true, false};
        break;
      case enc::fn:
        if (ex == top && m == mall) return {NAN, true, false};
        break;
      case enc::fnuz:
        if (code == 1u << (E + M)) return {NAN, true, false};
        break;
      case enc::fnu:
        if (code == (1u << (E + M)) - 1) return {NAN, true, false};
        return {std::ldexp(1.0 + std::ldexp(double(m), -M), int(ex) - bias), false, false};
      case enc::none:
        break;
    }
    if (ex == 0) return {sg * std::ldexp(double(m), 1 - bias - M), false, false};  // subnormal
    return {sg * std::ldexp(1.0 + std::ldexp(double(m), -M), int(ex) - bias), false, false};
  }
};

/// The sorted table of finite values, each with its code, and the reference rounding.
class rounder {
 public:
  explicit rounder(format f) : f_(f) {
    for (std::uint32_t c = 0; c < (1u << f.bits()); ++c) {
      const decoded d = f.decode(c);
      if (d.nan || d.inf) continue;
      if (d.value == 0 && std::signbit(d.value)) continue;  // −0: same value as +0
      table_.push_back({d.value, c});
      if (d.nan) continue;
    }
    std::sort(table_.begin(), table_.end(), [](auto& a, auto& b) { return a.v < b.v; });
    max_ = table_.back().v;
    max_code_ = table_.back().code;
    for (std::uint32_t c = 0; c < (1u << f.bits()); ++c) has_nan_ = has_nan_ || f.decode(c).nan;
    // the canonical NaN (spec §1): all ones without the sign; fnuz: the sign bit alone
    nan_code_ = f.e == enc::fnuz ? f.sign_bit() : (1u << (f.E + f.M)) - 1;
    int ex = 0;
    std::frexp(max_, &ex);  // max = m · 2^ex with m in [0.5, 1)
    double ulp = std::ldexp(1.0, ex - 1 - f.M);
    if (f.e != enc::fnu) ulp = std::max(ulp, std::ldexp(1.0, 1 - f.bias - f.M));
    virtual_ = max_ + ulp;  // the value the next code would have: rounding there is overflow
    min_ = table_.front().v;
  }

  double max() const { return max_; }
  const format& fmt() const { return f_; }
  const auto& table() const { return table_; }

  /// The code of x under mode m and overflow o (spec §1, §6).
  std::uint32_t round(double x, mode m, ovf o) const {
    if (std::isnan(x)) return has_nan_ ? nan_code_ : max_code_;
    if (f_.e == enc::fnu) x = std::fabs(x);
    const bool neg = std::signbit(x);
    const std::uint32_t sign = neg ? f_.sign_bit() : 0;
    if (std::isinf(x)) return overflow(neg, o);
    if (x == 0) return zero(sign);
    if (f_.e == enc::fnu && x < min_) return 0;
    const double a = std::fabs(x);
    const bool towardz = m == mode::toward_zero || m == mode::to_odd || (m == mode::toward_negative && !neg) ||
                         (m == mode::toward_positive && neg);
    if (a >= virtual_) return towardz ? sign | max_code_ : overflow(neg, o);
    // neighbours lo ≤ x ≤ hi in the table extended by ±virtual
    double lo, hi;
    std::uint32_t lo_code, hi_code;  // magnitude codes (virtual: max code + 1)
    auto it = std::lower_bound(table_.begin(), table_.end(), x, [](auto& e, double v) { return e.v < v; });
    if (it != table_.end() && it->v == x) return with_sign(it->code, neg);
    if (it == table_.end()) {
      hi = virtual_;
      hi_code = mag(max_code_) + 1;
    } else {
      hi = it->v;
      hi_code = mag(it->code);
    }
    if (it == table_.begin()) {
      lo = -virtual_;
      lo_code = mag(max_code_) + 1;
    } else {
      lo = (it - 1)->v;
      lo_code = mag((it - 1)->code);
    }
    const bool lo_is_virtual = lo == -virtual_, hi_is_virtual = hi == virtual_;
    // the candidate nearer zero (trunc) and the one farther (away)
    const double trunc = neg ? hi : lo, away = neg ? lo : hi;
    const std::uint32_t trunc_code = neg ? hi_code : lo_code;
    double pick;
    const double mid = (lo + hi) / 2;  // exact in double for every format here
    switch (m) {
      case mode::toward_zero:
        pick = trunc;
        break;
      case mode::toward_positive:
        pick = hi;
        break;
      case mode::toward_negative:
        pick = lo;
        break;
      case mode::to_odd:
        pick = (trunc_code & 1) ? trunc : away;
        break;
      default:
        if (x < mid)
          pick = lo;
        else if (x > mid)
          pick = hi;
        else if (m == mode::nearest_even)
          pick = (lo_code & 1) == 0 ? lo : hi;
        else if (m == mode::nearest_away)
          pick = away;
        else if (m == mode::nearest_up)
          pick = hi;
        else if (m == mode::nearest_down)
          pick = lo;
        else
          pick = trunc;
    }
    if ((pick == hi && hi_is_virtual) || (pick == lo && lo_is_virtual)) {
      return m == mode::to_odd ? sign | max_code_ : overflow(neg, o);
    }
    if (pick == 0) return zero(sign);
    return with_sign(pick == lo ? (it - 1)->code : it->code, neg);
  }

 private:
  struct entry {
    double v;
    std::uint32_t code;
  };
  std::uint32_t mag(std::uint32_t c) const { return c & ~f_.sign_bit(); }
  std::uint32_t with_sign(std::uint32_t c, bool) const { return c; }
  std::uint32_t zero(std::uint32_t sign) const {
    if (f_.e == enc::fnuz || f_.e == enc::fnu) return 0;
    return sign;
  }
  std::uint32_t overflow(bool neg, ovf o) const {
    const std::uint32_t sign = neg ? f_.sign_bit() : 0;
    switch (o) {
      case ovf::saturate:
      case ovf::saturate_symmetric:
        return sign | max_code_;
      case ovf::saturate_zero:
        return zero(sign);
      case ovf::propagate:
        if (f_.e == enc::ieee) return sign | (((1u << f_.E) - 1) << f_.M);  // ±Inf
        if (f_.e == enc::fn) return sign | ((1u << (f_.E + f_.M)) - 1);     // ±NaN
        if (has_nan_) return nan_code_;                                     // fnuz, fnu
        return sign | max_code_;                                            // no Inf, no NaN
    }
    return 0;
  }

  format f_;
  std::vector<entry> table_;
  double max_ = 0, min_ = 0, virtual_ = 0;
  std::uint32_t max_code_ = 0, nan_code_ = 0;
  bool has_nan_ = false;
};

}  // namespace ref
