// lowp/quant/scale.hpp: scale rules (spec §5) and the statistics they read.
//
//   scale::absmax{}        symmetric: S = amax / qmax
//   scale::asymmetric{}    min/max with a zero point (Jacob et al.; gemmlowp ChooseQuantizationParams):
//                          [min, max] widened to hold 0, S = (max − min) / (qmax − qmin),
//                          z = clamp(round(qmin − min / S)) so that 0.0 is exact; constant input: S = 0
//   scale::absmean{}       S = max(mean |x|, 1e-5) (BitNet b1.58; with trit elements q = clamp(round(x/S), −1, 1))
//   scale::absmedian{}     S = max(median |x|, 1e-5) (BitNet b1.58 "Reloaded")
//   scale::pow2{}          S = 2^⌈log2(amax / qmax)⌉, exactly (ShiftQuant: rescale by shift only)
//   scale::mse{steps}      clip α ∈ {amax·k/steps : k = 1..steps} minimising ‖x − Q_α(x)‖², S = α / qmax.
//                          Cost: steps quantize-dequantize passes over each group (default 64)
// qmax is the format's largest value (127 for int8, whose codes stay in [−127, 127] under a
// symmetric rule; 448 for float8_e4m3fn; 1 for trit and binary); qmin its most negative value.
#pragma once
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "lowp/core/fp.hpp"
#include "lowp/core/tags.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/convert.hpp"
#include "lowp/simd/convert.hpp"

namespace lowp {

namespace scale {
struct absmax {};
struct asymmetric {};
struct absmean {};
struct absmedian {};
struct pow2 {};
struct mse {
  int steps = 64;
};
}  // namespace scale

/// Any scale rule as one runtime value.
struct scale_rule {
  enum class kind { absmax, asymmetric, absmean, absmedian, pow2, mse } k = kind::absmax;
  int steps = 64;
  constexpr scale_rule() = default;
  constexpr scale_rule(scale::absmax) {}
  constexpr scale_rule(scale::asymmetric) : k(kind::asymmetric) {}
  constexpr scale_rule(scale::absmean) : k(kind::absmean) {}
  constexpr scale_rule(scale::absmedian) : k(kind::absmedian) {}
  constexpr scale_rule(scale::pow2) : k(kind::pow2) {}
  constexpr scale_rule(scale::mse m) : k(kind::mse), steps(m.steps) {}
  bool symmetric() const { return k != kind::asymmetric; }
  std::string name() const {
    switch (k) {
      case kind::absmax:
        return "absmax";
      case kind::asymmetric:
        return "asymmetric";
      case kind::absmean:
        return "absmean";
      case kind::absmedian:
        return "absmedian";
      case kind::pow2:
        return "pow2";
      default:
        return "mse";
    }
  }
};

/// A short name for format T: "int4", "uint8", "trit", "binary", "e4m3fn", "e5m2", "e8m0fnu", ...
template <class T>
std::string format_name() {
  if constexpr (std::is_same_v<T, float>) {
    return "float";
  } else if constexpr (std::is_same_v<T, double>) {
    return "double";
  } else if constexpr (T::format_family == family::binary) {
    return "binary";
  } else if constexpr (T::format_family == family::ternary) {
    return "trit";
  } else if constexpr (T::format_family == family::integer) {
    return std::string(T::is_signed ? "int" : "uint") + std::to_string(T::bit_width);
  } else if constexpr (T::format_family == family::minifloat) {
    constexpr auto s = T::spec;
    const char* enc[] = {"", "fn", "fnuz", "", "fnu"};
    if (s.E == 8 && s.M == 7 && s.enc == encoding::ieee && s.bias == 127) return "bfloat16";
    if (s.E == 5 && s.M == 10 && s.enc == encoding::ieee && s.bias == 15) return "float16";
    std::string n = "e" + std::to_string(s.E) + "m" + std::to_string(s.M) + enc[int(s.enc)];
    if (s.bias != default_bias(s.E, s.enc)) n += "_b" + std::to_string(s.bias);
    return n;
  } else {
    return "format";
  }
}

namespace detail {

/// Statistics of one group; `nonfinite` is set by any NaN / Inf. The largest magnitude comes from
/// the integer maximum of |x|'s bits (vectorisable; bits ≥ 0x7F800000 mean Inf or NaN); min / max
/// and Σ|x| only when the rule reads them.
struct group_stats {
  float amax = 0.f, lo = 0.f, hi = 0.f;
  double sum_abs = 0.0;
  std::size_t count = 0;
  bool nonfinite = false;
  bool any = false;
  void add(const float* x, std::size_t n, bool need_range = true, bool need_sum = true) {
    const std::uint32_t m = abs_max_bits_bulk(x, n);
    if (m >= 0x7F800000u) nonfinite = true;
    float a;
    std::memcpy(&a, &m, 4);
    amax = std::max(amax, a);
    if (need_range && n > 0) {
      float l = any ? lo : x[0], h = any ? hi : x[0];
      for (std::size_t i = 0; i < n; ++i) {
        l = std::min(l, x[i]);
        h = std::max(h, x[i]);
      }
      lo = l;
      hi = h;
    }
    if (need_sum) {
      float s = 0.f;  // partial sums in float, blocks of the group added in double
      for (std::size_t i = 0; i < n; ++i) s += std::fabs(x[i]);
      sum_abs += double(s);
    }
    count += n;
    any |= n > 0;
  }
};

/// 2^⌈log2 v⌉ for finite v > 0, exactly (frexp, not a float log2).
inline double pow2_ceil(double v) {
  int e;
  const double m = std::frexp(v, &e);  // v = m · 2^e, m ∈ [0.5, 1)
  return m == 0.5 ? std::ldexp(1.0, e - 1) : std::ldexp(1.0, e);
}

}  // namespace detail

}  // namespace lowp
