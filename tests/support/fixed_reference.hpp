// tests/support/fixed_reference.hpp: the exact reference for fixed-point operations, in 128-bit
// integers (floor division and remainders, tests/support/int_reference.hpp), and the per-type check.
#pragma once
#include <lowp/format/fixed.hpp>

#include <cmath>
#include <sstream>
#include <string>

#include "int_reference.hpp"
#include "typelists.hpp"

namespace support {

using ref::i128;

/// The exact reference for one fixed type: F fraction bits, W bits, signed or not, a mode and a
/// tag. Deliberately not a template, so that the many types under test share one copy.
struct fixed_ref {
  int F, W;
  bool S;
  ref::mode m;
  ref::iovf o;
  i128 lo = S ? -(i128(1) << (W - 1)) : 0;
  i128 hi = S ? (i128(1) << (W - 1)) - 1 : (i128(1) << W) - 1;

  i128 fit(i128 v) const { return ref::apply_overflow(v, lo, hi, W, S, o); }
  i128 add(i128 a, i128 b) const { return fit(a + b); }
  i128 sub(i128 a, i128 b) const { return fit(a - b); }
  i128 mul(i128 a, i128 b) const {
    if (!S && W == 64) {  // 64-bit unsigned: the product needs all 128 bits
      const ref::u128 p = ref::u128(a) * ref::u128(b);
      const ref::u128 fl = F ? p >> F : p, rem = p - (fl << F);
      if (rem == 0) return fit(fl >> 127 ? hi + 1 : i128(fl));
      const ref::u128 half = ref::u128(1) << (F - 1);
      return fit(ref::pick(i128(fl), rem < half ? -1 : (rem == half ? 0 : 1), false, m));
    }
    return fit(ref::round_rational(a * b, i128(1) << F, m));
  }
  i128 div(i128 a, i128 b) const {
    if (b == 0) {
      if (a == 0) return 0;
      if (a > 0) return hi;
      return o == ref::iovf::saturate_symmetric && S ? -hi : lo;
    }
    return fit(ref::round_rational(a * (i128(1) << F), b, m));
  }
  i128 from_double(double x) const {  // x · 2^F is exact in double (a power-of-two scaling)
    if (std::isnan(x)) return 0;
    if (std::isinf(x)) {
      if (o == ref::iovf::saturate_symmetric) return x < 0 ? (S ? -hi : lo) : hi;
      return x < 0 ? lo : hi;
    }
    return ref::apply_overflow_double(ref::round_double(std::ldexp(x, F), m), lo, hi, W, S, o);
  }
};

template <class R, class O, class T>
fixed_ref reference_for() {
  return fixed_ref{T::frac_bits, T::bit_width, T::is_signed, support::mode_of<R>(), support::overflow_of<O>()};
}

template <class T>
i128 raw(T x) {
  return i128(x.bits());
}

/// Checks +, −, ×, ÷ and unary − of T on operands (a, b), counting disagreements.
template <class T>
void check_ops(const fixed_ref& r, i128 a, i128 b, long& bad, std::string& first) {
  using raw_t = typename T::raw_type;
  const T x = T::from_bits(raw_t(a)), y = T::from_bits(raw_t(b));
  const i128 got[] = {raw(x + y), raw(x - y), raw(x * y), raw(x / y), raw(-x), x<y, x <= y, x == y, x != y, x> y};
  const i128 want[] = {r.add(a, b), r.sub(a, b), r.mul(a, b),
                       r.div(a, b), r.sub(0, a), a<b, a <= b, a == b, a != b, a> b};
  static const char* ops[] = {"+", "-", "*", "/", "neg", "<", "<=", "==", "!=", ">"};
  for (int k = 0; k < 10; ++k) {
    if (got[k] != want[k]) {
      if (bad++ == 0) {
        std::ostringstream s;
        s << ops[k] << " with raw a = " << (long long)a << ", b = " << (long long)b << ": got " << (long long)got[k]
          << ", want " << (long long)want[k] << " (" << ref::name(r.m) << ", " << ref::name(r.o) << ")";
        first = s.str();
      }
    }
  }
}

}  // namespace support
