// lowp/format/dyadic.hpp: dyadic numbers (an int32 multiplier and a power-of-two shift) for
// integer-only rescaling, bit-exact with gemmlowp / TFLite (FORMATS.md §4).
//
//   lowp::dyadic d = lowp::dyadic::from_real(0.0123);   // TFLite QuantizeMultiplier
//   int32_t y = d.apply(acc);                            // MultiplyByQuantizedMultiplier, bit for bit
//   int32_t z = d.apply(acc, lowp::single_rounding);     // TFLITE_SINGLE_ROUNDING
//
// The value of d is multiplier · 2^(shift − 31). apply() rounds twice, as TFLite does:
// SaturatingRoundingDoublingHighMul rounds half up (toward +∞), RoundingDivideByPOT half away from
// zero; for shift > 0 the input is first multiplied by 2^shift, which wraps in 32 bits exactly as
// TFLite's `x * (1 << left_shift)` does on two's-complement hardware (documented, not saturated).
// The single-rounding variant computes (int64 x · multiplier + 2^(30 − shift)) >> (31 − shift):
// one rounding, half up; its result saturates to int32 (TFLite asserts it fits).
// HAWQ-V3's dyadic M = b / 2^c with b = round(m · 2^31), c = 31 − e, (m, e) = frexp(M) is the same
// pair: c = 31 − shift.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

namespace lowp {

/// gemmlowp SaturatingRoundingDoublingHighMul: ⌊(a·b + 2^30) / 2^31⌋ with gemmlowp's nudge and
/// truncating division (half up); INT32_MIN · INT32_MIN saturates to INT32_MAX.
constexpr std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  if (a == b && a == std::numeric_limits<std::int32_t>::min()) return std::numeric_limits<std::int32_t>::max();
  const std::int64_t ab = std::int64_t(a) * std::int64_t(b);
  const std::int64_t nudge = ab >= 0 ? (std::int64_t(1) << 30) : (1 - (std::int64_t(1) << 30));
  return std::int32_t((ab + nudge) / (std::int64_t(1) << 31));  // C++ division truncates, as gemmlowp's
}

/// gemmlowp RoundingDivideByPOT: x / 2^e rounded half away from zero, 0 ≤ e ≤ 31.
constexpr std::int32_t rounding_divide_by_pot(std::int32_t x, int e) {
  const std::int32_t mask = std::int32_t((std::int64_t(1) << e) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

struct single_rounding_t {};
inline constexpr single_rounding_t single_rounding{};

/// An int32 multiplier and a shift: the real number multiplier · 2^(shift − 31).
struct dyadic {
  std::int32_t multiplier = 0;
  int shift = 0;

  /// TFLite QuantizeMultiplier: (q, shift) = frexp(m), multiplier = round(q · 2^31) half away from
  /// zero; 2^31 halves and bumps the shift; shift < −31 gives (0, 0).
  static dyadic from_real(double m) {
    if (m == 0.0 || !std::isfinite(m)) return {};
    int e = 0;
    const double q = std::frexp(m, &e);
    std::int64_t qf = std::int64_t(std::round(q * double(std::int64_t(1) << 31)));  // std::round: half away
    if (qf == (std::int64_t(1) << 31)) {
      qf /= 2;
      ++e;
    }
    if (e < -31) return {};
    return {std::int32_t(qf), e};
  }

  /// The real value multiplier · 2^(shift − 31).
  double to_double() const { return std::ldexp(double(multiplier), shift - 31); }

  /// TFLite MultiplyByQuantizedMultiplier, bit for bit (two roundings; the left shift wraps).
  constexpr std::int32_t apply(std::int32_t x) const {
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const std::int32_t shifted = std::int32_t(std::uint32_t(x) << left);  // wraps as TFLite's x * (1 << left)
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right);
  }

  /// TFLITE_SINGLE_ROUNDING: one rounding, half up; saturated to int32. Needs shift ∈ [−31, 30].
  constexpr std::int32_t apply(std::int32_t x, single_rounding_t) const {
    const int total = 31 - shift;
    if (total < 1) {  // shift > 30: |value| ≥ 1; anything but 0 leaves int32
      const std::int64_t p = std::int64_t(x) * std::int64_t(multiplier);
      return p == 0 ? 0 : p > 0 ? std::numeric_limits<std::int32_t>::max() : std::numeric_limits<std::int32_t>::min();
    }
    const std::int64_t round = std::int64_t(1) << (total - 1);
    const std::int64_t r = (std::int64_t(x) * std::int64_t(multiplier) + round) >> total;
    return r > std::numeric_limits<std::int32_t>::max()   ? std::numeric_limits<std::int32_t>::max()
           : r < std::numeric_limits<std::int32_t>::min() ? std::numeric_limits<std::int32_t>::min()
                                                          : std::int32_t(r);
  }
};

}  // namespace lowp
