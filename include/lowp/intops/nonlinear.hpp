// lowp/intops/nonlinear.hpp: integer-only nonlinear operators of I-BERT (Kim et al., ICML 2021)
// and I-ViT (Li & Gu, ICCV 2023), spec §4.
//
// Each operator takes integer codes q (any Eigen expression of int8 / int16 / int32) with the one
// real scale S they carry (real value = q · S) and returns int32 codes with their output scale:
//
//   intops::exp(q, S)               I-BERT i-exp, q ≤ 0                       → scale 0.3585·S²
//   intops::softmax(q, S, bits)     I-BERT softmax along each row             → scale 2^-bits
//   intops::shiftmax(q, S, bits)    I-ViT Shiftmax along each row             → scale 2^-bits
//   intops::gelu(q, S)              I-BERT i-GELU                             → scale printed in .scale
//   intops::shift_gelu(q, S, bits)  I-ViT ShiftGELU                           → scale S·2^-bits
//   intops::isqrt(n)                ⌊√n⌋ (I-BERT Algorithm 4), exact
//   intops::layernorm(q[, γ, β], variant)   I-BERT or I-ViT LayerNorm along each row
//   intops::rmsnorm(q[, γ])                 RMSNorm along each row, the same integer steps
//
// The scale S is turned into integer constants once per call (as the papers do offline); every
// step on the data is integer arithmetic (int32 / int64, shifts, one exact floor division per
// element done in double where both operands are below 2^53, which is exact). The loops run
// compiled per ISA (simd/loop.hpp) and give the same bits on every ISA.
//
// Maximum errors against the float function (x = q·S; tests/intops/nonlinear_test.cpp checks each
// bound over every int8 input, or every pair of int8 inputs for the row operators, at every scale
// S = 2^-k of the domain; the bounds are the measured worst cases rounded up, and the README has
// the table of measured maxima):
//   exp          |ŷ − e^x| ≤ 0.003 + 0.8·S                        S ∈ [2^-14, 1]
//   softmax      |ŷ − p|   ≤ 0.01 + 0.5·S + 2^-bits               S ∈ [2^-14, 1]
//   shiftmax     |ŷ − p|   ≤ 0.02 + 0.12·S + 2^-bits              S ∈ [2^-14, 1]
//   gelu         |ŷ − GELU(x)| ≤ 0.011 + 0.3·S                    S ∈ [2^-14, 2^-2]
//   shift_gelu   |ŷ − GELU(x)| ≤ 0.025 + 0.4·S + 2^-bits·|x|      1.702·S ∈ [2^-14, 1]
//   layernorm    |ŷ − f| ≤ 0.5/σ_q + 1.1·|f|/(√n·σ_q) + 2√n·2^-30, f = (x − μ)/σ, σ_q = σ/S the
//                standard deviation in codes, n the row length (I-BERT rounds the mean to an
//                integer: the first term; ⌊√Σy²⌋: the second; the 2^-30 output unit: the third)
//   rmsnorm      |ŷ − f| ≤ 1.1·|f|/(√n·r_q) + 2√n·2^-30, f = x/rms, r_q = rms/S
// Outside its domain a scale is rejected with lowp::error (the integer constants would leave
// int32 or lose all precision); so are inputs whose products would leave int64.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <ranges>
#include <string>
#include <type_traits>
#include <vector>

#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <Eigen/Core>

#include "lowp/core/error.hpp"
#include "lowp/intops/fixed_math.hpp"
#include "lowp/simd/loop.hpp"

namespace lowp::intops {

/// Row-major integer array (rows are the reduction dimension of softmax and the norms).
template <class T>
using array = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// An Eigen expression of integer codes (int8, int16, int32, ...).
template <class D>
concept integer_codes = requires {
  typename D::Scalar;
}
&&std::is_integral_v<typename D::Scalar>&& std::is_base_of_v<Eigen::DenseBase<D>, D>;

/// Integer codes and the real scale they carry: real value = values · scale.
template <class T = std::int32_t>
struct scaled {
  array<T> values;
  double scale = 1.0;
  /// The real values (for checking against float).
  Eigen::ArrayXXd real() const { return values.template cast<double>() * scale; }
};

/// Integer codes with one real scale per column (the affine step of a norm folds γ into them).
struct scaled_columns {
  array<std::int32_t> values;
  std::vector<double> scales;
  Eigen::ArrayXXd real() const {
    Eigen::ArrayXXd r = values.cast<double>();
    for (Eigen::Index c = 0; c < r.cols(); ++c) r.col(c) *= scales[std::size_t(c)];
    return r;
  }
};

/// ⌊√n⌋ for n ≥ 0 (n < 0 → 0): Newton from 2^⌈bits(n)/2⌉ until it stops decreasing (I-BERT Alg. 4).
template <class I>
requires std::is_integral_v<I>
constexpr I isqrt(I n) {
  if (n <= 0) return 0;
  return I(detail::isqrt(std::make_unsigned_t<I>(n)));
}

namespace detail {

inline void check_scale(double s, double lo, double hi, const char* op) {
  if (!(s >= lo && s <= hi))
    throw error(std::string("intops::") + op + ": scale " + lowp::detail::number(s) + " outside [" +
                lowp::detail::number(lo) + ", " + lowp::detail::number(hi) + "]");
}

/// Any integer Eigen expression as a row-major int32 array (no copy when it already is one).
template <class D>
decltype(auto) as_int32(const Eigen::DenseBase<D>& q) {
  static_assert(std::is_integral_v<typename D::Scalar> && sizeof(typename D::Scalar) <= 4,
                "lowp::intops: integer codes of at most 32 bits (int8, int16, int32, ...)");
  if constexpr (std::is_same_v<D, array<std::int32_t>>)
    return static_cast<const array<std::int32_t>&>(q.derived());
  else
    return array<std::int32_t>(q.derived().template cast<std::int32_t>());
}

/// ⌊a / b⌋ for a / b ≥ 0 and |a|, |b| < 2^53, b ≠ 0: the correctly rounded double quotient is never
/// on the other side of an integer from a / b, whose distance to one is at least 1/|b|; truncation
/// is the floor of a non-negative quotient. Exact, and it vectorises (no libm call).
LOWP_INLINE_BODY inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return std::int64_t(double(a) / double(b));
}

/// ⌊a / b⌋ for any int64 a and b > 0 (exact integer division).
constexpr std::int64_t floor_div_exact(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/// I-BERT i-exp constants for input scale S (Kim et al. 2021, §3.4; spec §4):
/// x0 = ⌊−ln2/S⌋, L(p) = 0.3585(p·S + 1.353)² + 0.344 = 0.3585·S²·[(p + qb)² + qc].
struct iexp_consts {
  std::int64_t x0, qb, qc;
  double out_scale;
  explicit iexp_consts(double s)
      : x0(std::int64_t(std::floor(-0.69314718055994531 / s))),
        qb(std::int64_t(std::floor(1.353 / s))),
        qc(std::int64_t(std::floor(0.344 / (0.3585 * s * s)))),
        out_scale(0.3585 * s * s) {}
  /// e^(q·S) ≈ result · out_scale for q ≤ 0: z = ⌊q/x0⌋, p = q − z·x0 ∈ (x0, 0], L(p) >> z.
  LOWP_INLINE_BODY std::int64_t operator()(std::int64_t q) const {
    q = q < 31 * x0 ? 31 * x0 : q;  // e^(q·S) < 2^-30 of the top: L >> 31 = 0 beyond
    const std::int64_t z = floor_div(q, x0), p = q - z * x0;
    const std::int64_t l = (p + qb) * (p + qb) + qc;
    return l >> z;
  }
};

/// I-ViT shift-exp constants for input scale S (Li & Gu 2023, §3.3; spec §4): q·log2e ≈
/// q + (q>>1) − (q>>4), x0 = ⌊−1/S⌋, 2^(r·S) ≈ r·S/2 + 1 = S·(r/2 − x0), with n = 15 fraction bits.
struct shiftexp_consts {
  static constexpr int n = 15;  // I-ViT's "sufficiently large integer" for Shiftmax
  std::int64_t x0;
  double out_scale;
  explicit shiftexp_consts(double s) : x0(std::int64_t(std::floor(-1.0 / s))), out_scale(s / double(1 << n)) {}
  /// 2^(q'·S)·… ≈ result · out_scale for q ≤ 0.
  LOWP_INLINE_BODY std::int64_t operator()(std::int64_t q) const {
    q = q + (q >> 1) - (q >> 4);  // × 1.4375 ≈ log2 e (shifts floor, as I-ViT's)
    q = q < n * x0 ? n * x0 : q;
    const std::int64_t z = floor_div(q, x0), r = q - z * x0;  // z ∈ [0, n], r ∈ (x0, 0]
    return ((r - 2 * x0) << (n - z)) >> 1;                    // ⌊(r/2 − x0) · 2^(n−z)⌋
  }
};

/// One row of softmax from its exponentials: p_i = min(2^B − 1, ⌊e_i · ⌊2^62/Σe⌋ / 2^(62−B)⌋).
inline void normalise_row(std::int64_t* e, std::size_t n, int bits, std::int32_t* out) {
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += e[i];
  if (sum <= 0) sum = 1;  // every e_i is 0 (cannot happen: e(0) > 0); defined anyway
  const std::int64_t factor = std::int64_t((std::uint64_t(1) << 62) / std::uint64_t(sum));
  const std::int64_t top = (std::int64_t(1) << bits) - 1;
  const int sh = 62 - bits;
  simd::for_each_index(n, [=](std::size_t i) LOWP_INLINE_BODY {
    const std::int64_t v = (e[i] * factor) >> sh;  // e_i ≤ Σ: the product is at most 2^62
    out[i] = std::int32_t(v > top ? top : v);
  });
}

template <class Exp, class D>
scaled<std::int32_t> softmax_with(const Eigen::DenseBase<D>& q, const Exp& ex, int bits, const char* op) {
  if (bits < 1 || bits > 30)
    throw error(std::string("intops::") + op + ": bits " + std::to_string(bits) + " outside [1, 30]");
  const auto& x = as_int32(q);
  scaled<std::int32_t> out{array<std::int32_t>(x.rows(), x.cols()), std::ldexp(1.0, -bits)};
  std::vector<std::int64_t> e(std::size_t(x.cols()));
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const std::int32_t* row = x.data() + r * x.cols();
    const std::int64_t m = x.cols() ? *std::max_element(row, row + x.cols()) : 0;
    std::int64_t* pe = e.data();
    simd::for_each_index(std::size_t(x.cols()), [=](std::size_t i) LOWP_INLINE_BODY { pe[i] = ex(row[i] - m); });
    normalise_row(pe, std::size_t(x.cols()), bits, out.values.data() + r * x.cols());
  }
  return out;
}

}  // namespace detail

/// I-BERT i-exp of q ≤ 0 at scale S ∈ [2^-14, 1]: e^(q·S) ≈ values · scale; q > 0 → lowp::error.
// (NotDeduced: the fixed-point exp<T>(span, span) of fixed_math.hpp is called with an explicit T;
// here T lands in the pack, never in D, which clang 14 would instantiate as Eigen::DenseBase<T>.)
template <class... NotDeduced, integer_codes D>
scaled<std::int32_t> exp(const Eigen::DenseBase<D>& q, double scale) {
  detail::check_scale(scale, 0x1p-14, 1.0, "exp");
  const auto& x = detail::as_int32(q);
  if (x.size() && x.maxCoeff() > 0)
    throw error("intops::exp: the I-BERT i-exp takes q <= 0 (subtract the row maximum first); got " +
                std::to_string(x.maxCoeff()));
  const detail::iexp_consts ex(scale);
  scaled<std::int32_t> out{array<std::int32_t>(x.rows(), x.cols()), ex.out_scale};
  const std::int32_t* in = x.data();
  std::int32_t* o = out.values.data();
  simd::for_each_index(std::size_t(x.size()), [=](std::size_t i) LOWP_INLINE_BODY { o[i] = std::int32_t(ex(in[i])); });
  return out;
}

/// I-BERT integer softmax along each row: x − max, i-exp, ⌊2^62/Σ⌋, shift to `bits` fraction bits.
template <integer_codes D>
scaled<std::int32_t> softmax(const Eigen::DenseBase<D>& q, double scale, int bits = 8) {
  detail::check_scale(scale, 0x1p-14, 1.0, "softmax");
  return detail::softmax_with(q, detail::iexp_consts(scale), bits, "softmax");
}

/// I-ViT Shiftmax along each row: the same normalisation over the shift-exp.
template <integer_codes D>
scaled<std::int32_t> shiftmax(const Eigen::DenseBase<D>& q, double scale, int bits = 8) {
  detail::check_scale(scale, 0x1p-14, 1.0, "shiftmax");
  return detail::softmax_with(q, detail::shiftexp_consts(scale), bits, "shiftmax");
}

/// I-BERT i-GELU: x·½·[1 + L(x/√2)], L(t) = sgn(t)·[a(min(|t|, −b) + b)² + 1], a = −0.2888,
/// b = −1.769 (Kim et al. 2021, §3.3). Codes: −q·(L_int + ⌊1/S_L⌋), S_L = a·(S/√2)², scale
/// −S·S_L/2, then shifted right (floor) by the fewest bits that fit int32 (printed in .scale).
template <integer_codes D>
scaled<std::int32_t> gelu(const Eigen::DenseBase<D>& q, double scale) {
  detail::check_scale(scale, 0x1p-14, 0.25, "gelu");
  const auto& x = detail::as_int32(q);
  const double se = scale / 1.4142135623730951;  // the erf argument x/√2
  const double sl = -0.2888 * se * se;           // S_L = a·S_erf²
  const std::int64_t qb = std::int64_t(std::floor(-1.769 / se));
  const std::int64_t qc = std::int64_t(std::floor(1.0 / sl));  // c/a·1/S² with c = 1: ⌊1/S_L⌋
  const std::int64_t q1 = qc;                                  // ⌊1/S_L⌋, the "+1" of ½(1 + erf)
  const double reach = double(x.size() ? x.cwiseAbs().maxCoeff() : 0) * (double(qb) * double(qb) - 2.0 * double(qc));
  if (reach > 0x1p62)
    throw error("intops::gelu: |q| up to " + std::to_string(x.cwiseAbs().maxCoeff()) + " at scale " +
                lowp::detail::number(scale) + " leaves int64");
  std::vector<std::int64_t> wide(std::size_t(x.size()));
  const std::int32_t* in = x.data();
  std::int64_t* w = wide.data();
  simd::for_each_index(std::size_t(x.size()), [=](std::size_t i) LOWP_INLINE_BODY {
    const std::int64_t v = in[i];
    const std::int64_t a = std::min<std::int64_t>(v < 0 ? -v : v, -qb);
    const std::int64_t l = (a + qb) * (a + qb) + qc;  // L at |x|: scale S_L
    const std::int64_t sl_int = v < 0 ? -l : l;
    w[i] = -v * (sl_int + q1);
  });
  std::int64_t big = 0;
  for (std::int64_t v : wide) big = std::max(big, v < 0 ? -v : v);
  int sh = 0;
  while ((big >> sh) > std::numeric_limits<std::int32_t>::max()) ++sh;
  scaled<std::int32_t> out{array<std::int32_t>(x.rows(), x.cols()), -scale * sl / 2 * std::ldexp(1.0, sh)};
  std::int32_t* o = out.values.data();
  simd::for_each_index(std::size_t(x.size()), [=](std::size_t i) LOWP_INLINE_BODY { o[i] = std::int32_t(w[i] >> sh); });
  return out;
}

/// I-ViT ShiftGELU: x·σ(1.702x), σ from the shift-exp at scale 1.702·S (Li & Gu 2023, §3.4),
/// elementwise: e = shiftexp(−|q|), σ(±|t|) = {e0, e} / (e + e0) with e0 = shiftexp(0), so
/// σ(0) = ½ exactly; codes q·⌊2^bits·σ⌋ at scale S·2^-bits.
template <integer_codes D>
scaled<std::int32_t> shift_gelu(const Eigen::DenseBase<D>& q, double scale, int bits = 8) {
  detail::check_scale(scale * 1.702, 0x1p-14, 1.0, "shift_gelu");
  if (bits < 1 || bits > 20) throw error("intops::shift_gelu: bits " + std::to_string(bits) + " outside [1, 20]");
  const auto& x = detail::as_int32(q);
  if (x.size() && (std::int64_t(x.cwiseAbs().maxCoeff()) << bits) > std::numeric_limits<std::int32_t>::max())
    throw error("intops::shift_gelu: |q| up to " + std::to_string(x.cwiseAbs().maxCoeff()) + " times 2^" +
                std::to_string(bits) + " leaves int32");
  const detail::shiftexp_consts ex(scale * 1.702);
  const std::int64_t e0 = ex(0);
  scaled<std::int32_t> out{array<std::int32_t>(x.rows(), x.cols()), scale * std::ldexp(1.0, -bits)};
  const std::int32_t* in = x.data();
  std::int32_t* o = out.values.data();
  simd::for_each_index(std::size_t(x.size()), [=](std::size_t i) LOWP_INLINE_BODY {
    const std::int64_t v = in[i];
    const std::int64_t e = ex(v < 0 ? v : -v);
    const std::int64_t num = (v >= 0 ? e0 : e) << bits;  // < 2^(bits + 31) < 2^53
    o[i] = std::int32_t(v * detail::floor_div(num, e + e0));
  });
  return out;
}

/// The two integer LayerNorms: I-BERT (exact ⌊√Σy²⌋ by Algorithm 4; factor ⌊2^31/σ⌋, here with
/// guard bits so that it stays exact to 2^-31 for any σ) and I-ViT (ten Newton steps from 2^16;
/// factor ⌊(2^31 − 1)/σ⌋, as published: it converges only for 2^18 ≤ Σy² ≤ 2^46, and is far off
/// outside; the tests show both).
enum class norm_variant { ibert, ivit };

namespace detail {
/// Normalises each row (mean removed unless `rms`): codes ⌊y·⌊2^31/σ_int⌋ / 2⌋ at scale √n / 2^30,
/// where σ_int = √Σy² (so that σ = σ_int/√n); |codes| ≤ 2^30.
template <class D>
scaled<std::int32_t> normalise(const Eigen::DenseBase<D>& q, norm_variant v, bool rms) {
  const auto& x = as_int32(q);
  const Eigen::Index n = x.cols();
  scaled<std::int32_t> out{array<std::int32_t>(x.rows(), n), std::sqrt(double(n)) * 0x1p-30};
  std::vector<std::int64_t> y(static_cast<std::size_t>(n));
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const std::int32_t* row = x.data() + r * n;
    std::int64_t mean = 0;
    if (!rms && n > 0) {
      const std::int64_t sum =
          simd::sum_index(std::size_t(n), [=](std::size_t i) LOWP_INLINE_BODY { return std::int64_t(row[i]); });
      mean = floor_div_exact(2 * sum + n, 2 * n);  // round(Σ/n), half up (I-BERT rounds the mean)
    }
    std::int64_t* py0 = y.data();
    simd::for_each_index(std::size_t(n), [=](std::size_t i) LOWP_INLINE_BODY { py0[i] = row[i] - mean; });
    // Σy², exact: |y| < 2^32, so y² < 2^64 (split sums, detail::exact_sum)
    const uint128 var = uint128(exact_sum<false>(std::size_t(n), [=](std::size_t i) LOWP_INLINE_BODY {
      const std::uint64_t m = std::uint64_t(py0[i] < 0 ? -py0[i] : py0[i]);
      return m * m;
    }));
    std::int64_t sd = 0, factor = 0;
    int guard = 0;
    if (v == norm_variant::ibert) {
      sd = std::int64_t(detail::isqrt(var));
      sd = sd < 1 ? 1 : sd;  // zero variance: every y is 0, so is every output
      // I-BERT's factor ⌊2^31/σ⌋ with `guard` more bits, so that it keeps 31 significant bits
      // for any σ (int32 residual rows have σ beyond 2^31, where ⌊2^31/σ⌋ would be 0)
      guard = std::min(31, lowp::detail::bit_width(std::uint64_t(sd)));
      factor = (std::int64_t(1) << (31 + guard)) / sd;
    } else {
      uint128 k = uint128(1) << 16;
      for (int it = 0; it < 10; ++it) k = (k + var / k) / 2;  // I-ViT: ten Newton steps from 2^16
      sd = std::int64_t(k < 1 ? 1 : k);
      factor = ((std::int64_t(1) << 31) - 1) / sd;
    }
    const std::int64_t* py = y.data();
    std::int32_t* o = out.values.data() + r * n;
    simd::for_each_index(std::size_t(n), [=](std::size_t i) LOWP_INLINE_BODY {
      o[i] = std::int32_t((py[i] * factor) >> (1 + guard));  // |y| ≤ σ_int: |y·factor| ≤ 2^(31+guard)
    });
  }
  return out;
}

/// γ and β folded as I-BERT does: codes + ⌊(β/γ)/S'⌋, column scale S'·γ, where S' = S·2^k with
/// the codes shifted right (floor) by the fewest k ≥ 0 that keep ⌊β/γ/S'⌋ within 2^29 (so the sum
/// stays in int32). γ = 0 or a non-finite γ, β → lowp::error.
inline scaled_columns affine(scaled<std::int32_t> y, const Eigen::ArrayXd& gamma, const Eigen::ArrayXd& beta,
                             const char* op) {
  const Eigen::Index n = y.values.cols();
  if (gamma.size() != n || beta.size() != n)
    throw error(std::string("intops::") + op + ": gamma has " + std::to_string(gamma.size()) + " and beta " +
                std::to_string(beta.size()) + " entries for " + std::to_string(n) + " columns");
  double reach = 0;
  for (Eigen::Index c = 0; c < n; ++c) {
    if (!(std::isfinite(gamma[c]) && gamma[c] != 0.0 && std::isfinite(beta[c])))
      throw error(std::string("intops::") + op + ": gamma[" + std::to_string(c) +
                  "] = " + lowp::detail::number(gamma[c]) + ", beta = " + lowp::detail::number(beta[c]) +
                  " (gamma must be finite and non-zero)");
    reach = std::max(reach, std::abs(beta[c] / gamma[c]) / y.scale);
  }
  int k = 0;
  while (k < 62 && reach > 0x1p29) {
    reach /= 2;
    ++k;
  }
  if (reach > 0x1p29) throw error(std::string("intops::") + op + ": beta/gamma too large for int32 codes");
  const double s = y.scale * std::ldexp(1.0, k);
  scaled_columns out{std::move(y.values), std::vector<double>(std::size_t(n))};
  for (Eigen::Index c = 0; c < n; ++c) {
    const std::int32_t b = std::int32_t(std::floor(beta[c] / gamma[c] / s));
    for (Eigen::Index r = 0; r < out.values.rows(); ++r) out.values(r, c) = (out.values(r, c) >> k) + b;
    out.scales[std::size_t(c)] = s * gamma[c];
  }
  return out;
}
}  // namespace detail

namespace detail {
/// γ or β as doubles: any Eigen vector or array of an arithmetic scalar, or a contiguous range of
/// float / double / integers (std::vector<float>, std::span<const double>, ...).
template <class G>
constexpr bool arithmetic_range() {
  if constexpr (std::ranges::contiguous_range<const G&>)
    return std::is_arithmetic_v<std::ranges::range_value_t<const G&>>;
  else
    return false;
}
template <class G>
Eigen::ArrayXd coefficients(const G& g) {
  if constexpr (std::is_base_of_v<Eigen::EigenBase<G>, G>) {
    static_assert(std::is_arithmetic_v<typename G::Scalar>,
                  "lowp::intops: gamma and beta must hold float, double or integer values");
    return g.derived().template cast<double>().reshaped().array();
  } else {
    static_assert(arithmetic_range<G>(),
                  "lowp::intops: gamma and beta must be Eigen vectors or contiguous ranges (std::vector, std::span) "
                  "of float or double");
    if constexpr (arithmetic_range<G>()) {
      Eigen::ArrayXd out(Eigen::Index(std::ranges::size(g)));
      for (Eigen::Index i = 0; i < out.size(); ++i) out[i] = double(std::ranges::data(g)[i]);
      return out;
    } else {
      return {};
    }
  }
}
template <class G>
concept coefficient_arg = !std::is_same_v<std::remove_cvref_t<G>, norm_variant>;
}  // namespace detail

/// Integer LayerNorm along each row, without affine: (x − μ)/σ ≈ values · scale.
template <integer_codes D>
scaled<std::int32_t> layernorm(const Eigen::DenseBase<D>& q, norm_variant v = norm_variant::ibert) {
  return detail::normalise(q, v, false);
}
/// Integer LayerNorm with γ and β (I-BERT's folding): γ·(x − μ)/σ + β ≈ values · scales[column].
/// γ and β: Eigen vectors or contiguous ranges (std::vector<float>, ...) of one entry per column.
template <integer_codes D, detail::coefficient_arg G, detail::coefficient_arg B>
scaled_columns layernorm(const Eigen::DenseBase<D>& q, const G& gamma, const B& beta,
                         norm_variant v = norm_variant::ibert) {
  return detail::affine(detail::normalise(q, v, false), detail::coefficients(gamma), detail::coefficients(beta),
                        "layernorm");
}
/// Integer RMSNorm along each row: x / rms(x) ≈ values · scale (rms over the row, no mean).
template <integer_codes D>
scaled<std::int32_t> rmsnorm(const Eigen::DenseBase<D>& q, norm_variant v = norm_variant::ibert) {
  return detail::normalise(q, v, true);
}
/// Integer RMSNorm with γ: γ·x / rms(x) ≈ values · scales[column] (γ as for layernorm).
template <integer_codes D, detail::coefficient_arg G>
scaled_columns rmsnorm(const Eigen::DenseBase<D>& q, const G& gamma, norm_variant v = norm_variant::ibert) {
  const Eigen::ArrayXd g = detail::coefficients(gamma);
  return detail::affine(detail::normalise(q, v, true), g, Eigen::ArrayXd::Zero(g.size()), "rmsnorm");
}

/// ⌊√n⌋ of every element (n < 0 → 0).
template <integer_codes D>
array<typename D::Scalar> isqrt(const Eigen::DenseBase<D>& n) {
  array<typename D::Scalar> out = n.derived();
  for (Eigen::Index i = 0; i < out.size(); ++i) out.data()[i] = isqrt(out.data()[i]);
  return out;
}

}  // namespace lowp::intops
