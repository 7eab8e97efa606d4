// lowp/format/dyadic.hpp: dyadic numbers (an int32 multiplier and a power-of-two shift) for
// integer-only rescaling, bit-exact with gemmlowp / TFLite (spec §4).
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
// Domain (spec §4): shift ∈ [−31, 31]. from_real gives such a pair for every finite real with
// |M| < 2^31 (below 2^-32 it gives (0, 0), as TFLite does); a NaN or infinite M, or |M| ≥ 2^31 (no
// int32 other than 0 would survive the product), is a lowp::error naming it. apply() on a
// hand-built pair whose shift lies outside [−31, 31] is a lowp::error too: TFLite's shifts there
// are undefined behaviour in C++.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "lowp/core/error.hpp"

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
  /// zero; 2^31 halves and bumps the shift; shift < −31 gives (0, 0). NaN, ±Inf and |m| ≥ 2^31
  /// (shift > 31) are a lowp::error.
  static dyadic from_real(double m) {
    if (!std::isfinite(m)) throw error("dyadic::from_real: the multiplier " + detail::number(m) + " is not finite");
    if (m == 0.0) return {};
    int e = 0;
    const double q = std::frexp(m, &e);
    std::int64_t qf = std::int64_t(std::round(q * double(std::int64_t(1) << 31)));  // std::round: half away
    if (qf == (std::int64_t(1) << 31) || qf == -(std::int64_t(1) << 31)) {
      qf /= 2;
      ++e;
    }
    if (e < -31) return {};
    if (e > 31)
      throw error("dyadic::from_real: the multiplier " + detail::number(m) +
                  " is 2^31 or more in magnitude (shift " + std::to_string(e) +
                  " > 31): every nonzero int32 input would leave int32");
    return {std::int32_t(qf), e};
  }

  /// Throws lowp::error unless shift lies in [−31, 31], the domain of apply (spec §4).
  void check() const {
    if (shift < -31 || shift > 31)
      throw error("dyadic: shift " + std::to_string(shift) + " is outside [-31, 31] (multiplier " +
                  std::to_string(multiplier) + ")");
  }

  /// The real value multiplier · 2^(shift − 31).
  double to_double() const { return std::ldexp(double(multiplier), shift - 31); }

  /// TFLite MultiplyByQuantizedMultiplier, bit for bit (two roundings; the left shift wraps).
  /// A shift outside [−31, 31] is a lowp::error.
  constexpr std::int32_t apply(std::int32_t x) const {
    if (shift < -31 || shift > 31) check();
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const std::int32_t shifted = std::int32_t(std::uint32_t(x) << left);  // wraps as TFLite's x * (1 << left)
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right);
  }

  /// TFLITE_SINGLE_ROUNDING: one rounding, half up; saturated to int32 (TFLite's own domain is
  /// shift ≤ 30; shift 31 saturates every nonzero product). A shift outside [−31, 31] is a lowp::error.
  constexpr std::int32_t apply(std::int32_t x, single_rounding_t) const {
    if (shift < -31 || shift > 31) check();
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
