// lowp/quant/matmul.hpp: Y = X · Wᵀ on quantized integer matrices, and integer requantization.
//
//   auto qx = lowp::quantize<lowp::int8>(X, lowp::per_token{});     // M × K
//   auto qw = lowp::quantize<lowp::int4>(W, lowp::per_group{128});   // N × K
//   auto pw = lowp::prepack(qw);                                     // once per weight matrix
//   lowp::matrix<float> y = lowp::matmul(qx, pw);                    // or matmul(qx, qw)
//   lowp::matrix<int32_t> acc = lowp::matmul_int(qx, pw);            // exact integer accumulators
//   lowp::matrix<float> y2 = lowp::matmul(X, pw, lowp::uniform<lowp::int8>{lowp::per_token{}});
//   lowp::matrix<int8_t> q = lowp::requantize(acc, lowp::dyadic::from_real(0.01), zero_point);
//
// Pairs: any integer element formats of at most 8 bits on both sides (int8 × int8, W4A8 int4 ×
// int8, ternary × int8 (BitNet), int2, uint8 with zero points, ...), with per-tensor, per-channel,
// per-group or per-block scales. Codes are taken as int8 (uint8 codes minus 128, with the zero
// point moved by the same amount) and the integer kernels of simd/gemm.hpp (AVX-512 VNNI, AVX2,
// scalar; run-time choice) compute exact int32 dot products over each K segment on which both
// scale sets are constant. With zero points, Σ (x − zx)(w − zw) = Σ x·w − zw·Σx − zx·Σw + K·zx·zw,
// exactly in integers (Jacob et al., gemmlowp). Then, in float and in segment order (docs/architecture.md
// rule 2): y = Σ_g float(D_g) · (sx_g · sw_g). Results do not depend on the ISA or on the optional
// thread count (default 1), which splits the output columns over std::threads.
// matmul_int returns Σ_k (x − zx)(w − zw) over all of K, exact (K ≤ 65536).
#pragma once
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/format/dyadic.hpp"
#include "lowp/quant/matrix.hpp"
#include "lowp/quant/uniform.hpp"
#include "lowp/simd/gemm.hpp"
#include "lowp/simd/loop.hpp"

namespace lowp {

namespace detail {

template <class T>
concept matmul_element = format_traits<T>::int8_valued;

/// int8 values of row r of a uniform quantized matrix (codes minus format_traits<T>::int8_shift), via a 256-entry
/// table from code to value (sub-byte rows unpacked first).
template <class T, class S>
void int8_row(const quantized<uniform<T, S>>& q, std::size_t r, std::int8_t* out) {
  if constexpr (std::is_same_v<T, int8>) {  // the codes are the values' two's complement bytes
    std::memcpy(out, q.row_codes(r), q.cols());
    return;
  }
  static const auto table = [] {
    std::array<std::int8_t, 256> t{};
    for (unsigned c = 0; c < (1u << T::bit_width); ++c)
      t[c] = std::int8_t(int(float(T::from_bits(typename T::storage_type(c)))) - format_traits<T>::int8_shift);
    return t;
  }();
  const std::uint8_t* codes = q.row_codes(r);
  if constexpr (sub_byte<T>) {
    static thread_local std::vector<std::uint8_t> buf;
    buf.resize(q.cols());
    unpack_codes_bulk<T>(codes, q.cols(), buf.data());
    codes = buf.data();
  }
  for (std::size_t c = 0; c < q.cols(); ++c) out[c] = table[codes[c]];
}

/// Rows of ±1 int8 values as sign bits (bit k of word k/64 set for +1), (cols + 63) / 64 words a row.
inline std::vector<std::uint64_t> sign_bits(const std::int8_t* v, std::size_t rows, std::size_t cols) {
  const std::size_t words = (cols + 63) / 64;
  std::vector<std::uint64_t> b(rows * words, 0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c)
      if (v[r * cols + c] > 0) b[r * words + c / 64] |= std::uint64_t(1) << (c % 64);
  return b;
}

/// Σ_{k ∈ [c0, c1)} a_k·b_k for ±1 vectors as bits: (c1 − c0) − 2 · popcount(a XOR b) (XNOR-Net).
__attribute__((always_inline)) inline std::int32_t xnor_words(const std::uint64_t* a, const std::uint64_t* b,
                                                              std::size_t c0, std::size_t c1) {
  std::int32_t d = 0;
  for (std::size_t w = c0 / 64; w * 64 < c1; ++w) {
    std::uint64_t m = ~std::uint64_t(0);
    if (w * 64 < c0) m &= ~std::uint64_t(0) << (c0 - w * 64);
    if ((w + 1) * 64 > c1) m &= ~std::uint64_t(0) >> ((w + 1) * 64 - c1);
    d += std::popcount((a[w] ^ b[w]) & m);
  }
  return std::int32_t(c1 - c0) - 2 * d;
}
#if LOWP_HAVE_RUNTIME_X86
/// xnor_words compiled with the POPCNT instruction (only where the CPU has it: kernels().popcount).
__attribute__((target("popcnt"))) inline std::int32_t xnor_words_popcnt(const std::uint64_t* a, const std::uint64_t* b,
                                                                        std::size_t c0, std::size_t c1) {
  return xnor_words(a, b, c0, c1);
}
#endif
/// HW: through the POPCNT instruction (x86); otherwise portable code for any CPU.
template <bool HW>
inline std::int32_t xnor_dot(const std::uint64_t* a, const std::uint64_t* b, std::size_t c0, std::size_t c1) {
#if LOWP_HAVE_RUNTIME_X86
  if constexpr (HW) return xnor_words_popcnt(a, b, c0, c1);
#endif
  return xnor_words(a, b, c0, c1);
}

/// The zero point of tile t of q as matmul sees it: on the int8 values (format_traits<T>::int8_shift
/// moved with the codes); 0 for symmetric int8 codes.
template <class T, class S>
int int8_zero_point(const quantized<uniform<T, S>>& q, std::size_t t) {
  return (q.zero_points().empty() ? 0 : int(float(q.zero_points()[t]))) - format_traits<T>::int8_shift;
}

/// The int8 value range [lo, hi] of T's codes as matmul sees them (codes minus format_traits<T>::int8_shift).
template <class T>
constexpr std::pair<int, int> int8_range() {
  int lo = 127, hi = -128;
  for (unsigned c = 0; c < (1u << T::bit_width); ++c) {
    const int v = int(float(T::from_bits(typename T::storage_type(c)))) - format_traits<T>::int8_shift;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  return {lo, hi};
}

}  // namespace detail

/// Weights prepacked for matmul: the layout of the kernel the dispatcher chose when they were packed
/// (simd/gemm.hpp), with the scales and zero points of every (K segment, row of W); binary weights
/// keep their sign bits too, for the XNOR-popcount product with binary activations.
template <class T, class ScaleT>
class prepacked {
 public:
  prepacked() = default;
  /// segment: the K segment length (default: W's group width, or K); it must divide W's groups.
  explicit prepacked(const quantized<uniform<T, ScaleT>>& q, std::size_t segment = 0)
      : rows_(q.rows()), cols_(q.cols()) {
    const std::size_t gw = std::min(q.scheme().gran.width(q.cols()), q.cols());
    seg_ = segment ? std::min(segment, q.cols()) : gw;
    if (gw % seg_ != 0 && gw < q.cols())
      throw error("prepack: a K segment of " + std::to_string(seg_) + " does not divide W's groups of " +
                  std::to_string(gw));
    std::vector<std::int8_t> all(q.rows() * q.cols());
    for (std::size_t r = 0; r < q.rows(); ++r) detail::int8_row(q, r, all.data() + r * q.cols());
    if constexpr (std::is_same_v<T, binary>) bits_ = detail::sign_bits(all.data(), q.rows(), q.cols());  // XNOR
    const auto scale = [&](std::size_t n, std::size_t s) { return q.scale(q.tile_of(n, s * seg_)); };
    const auto zero = [&](std::size_t n, std::size_t s) { return detail::int8_zero_point(q, q.tile_of(n, s * seg_)); };
    const std::size_t ns = segments();
    for (std::size_t n = 0; n < rows_ && nonfinite_row_ == npos; ++n)
      for (std::size_t s = 0; s < ns; ++s)
        if (!std::isfinite(scale(n, s))) nonfinite_row_ = n;
    for (std::size_t n = 0; n < rows_ && !zero_points_; ++n)
      for (std::size_t s = 0; s < ns; ++s) zero_points_ |= zero(n, s) != 0;
    constexpr auto range = detail::int8_range<T>();
    weights_ = simd::plan_gemm(
        q.rows(), q.cols(), seg_, range.first, range.second,
        [&](std::size_t n, std::size_t k) { return int(all[n * q.cols() + k]); }, scale, zero, zero_points_);
  }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t segment() const { return seg_; }
  std::size_t segments() const { return (cols_ + seg_ - 1) / seg_; }
  /// Binary weights: row n's signs as bits (1 = +1), (cols + 63) / 64 64-bit words per row.
  const std::uint64_t* sign_bits(std::size_t n) const { return bits_.data() + n * ((cols_ + 63) / 64); }
  /// The layout, scales and zero points the GEMM kernels read.
  const simd::gemm_plan& weights() const { return weights_; }
  /// The kernel the layout was built for (the cap at prepack time; a lower cap later reads it with
  /// the scalar kernel, with the same bits).
  simd::gemm_kernel kernel() const { return weights_.kernel; }
  bool has_zero_points() const { return zero_points_; }
  static constexpr std::size_t npos = std::size_t(-1);
  /// The first weight row whose scale is NaN or Inf (a non-finite input group), or npos: recorded
  /// once, so that matmul_int refuses such weights without a scan per call.
  std::size_t nonfinite_row() const { return nonfinite_row_; }

 private:
  std::size_t rows_ = 0, cols_ = 0, seg_ = 0;
  simd::gemm_plan weights_;
  std::vector<std::uint64_t> bits_;
  bool zero_points_ = false;
  std::size_t nonfinite_row_ = npos;
};

/// Prepacks quantized weights (N × K) for matmul (a copy: q need not outlive it).
template <class T, class ScaleT>
requires detail::matmul_element<T> prepacked<T, ScaleT> prepack(const quantized<uniform<T, ScaleT>>& q) {
  return prepacked<T, ScaleT>(q);
}
/// Prepacks with K segments of `segment` elements (a divisor of W's group width), so that X may be
/// quantized with groups that finer.
template <class T, class ScaleT>
requires detail::matmul_element<T> prepacked<T, ScaleT> prepack(const quantized<uniform<T, ScaleT>>& q,
                                                                std::size_t segment) {
  return prepacked<T, ScaleT>(q, segment);
}

namespace detail {

/// Checks the operands of an integer matmul; returns whether zero points take part.
template <class TX, class SX, class TW, class SW>
bool check_matmul(const quantized<uniform<TX, SX>>& qx, const prepacked<TW, SW>& pw) {
  if (qx.cols() != pw.cols())
    throw error("matmul: X has " + std::to_string(qx.cols()) + " columns but W has " + std::to_string(pw.cols()) +
                " (both run along K)");
  const std::size_t K = qx.cols();
  const std::size_t seg = pw.segment();
  const std::size_t wx = std::min(qx.scheme().gran.width(K), K);
  if (wx < K && wx % seg != 0)
    throw error("matmul: X's groups of " + std::to_string(wx) + " along K are not a multiple of W's K segments of " +
                std::to_string(seg) + " (prepack(qw, segment) can refine W's segments)");
  bool zeros = pw.has_zero_points();
  for (std::size_t t = 0; t < qx.zero_points().size(); ++t) zeros |= int8_zero_point(qx, t) != 0;
  if (!qx.scheme().rule.symmetric() || format_traits<TX>::int8_shift != 0) zeros = true;
  const std::size_t kmax = zeros ? 32768 : 65536;  // |Σ (x − zx)(w − zw)| < 2^31
  if (K > kmax)
    throw error("matmul: K = " + std::to_string(K) + " exceeds " + std::to_string(kmax) +
                " (the int32 accumulators of these formats)");
  return zeros;
}

/// X's rows on W's k-steps, its scale and zero point per (row, segment): the GEMM's activations.
template <class TX, class SX, class TW, class SW>
struct activations {
  simd::x_rows x;
  std::vector<float> sx;
  std::vector<std::int32_t> zx;  // empty: no zero points on either side
  activations(const quantized<uniform<TX, SX>>& qx, const prepacked<TW, SW>& pw, bool zeros) {
    const std::size_t M = qx.rows(), K = qx.cols(), S = pw.segments();
    static thread_local std::vector<std::int8_t> row;
    row.resize(K);
    x.build(pw.weights().segments(), M, [&](std::size_t r) {
      int8_row(qx, r, row.data());
      return row.data();
    });
    sx.resize(M * S);
    if (zeros) zx.resize(M * S);
    for (std::size_t r = 0; r < M; ++r)
      for (std::size_t s = 0; s < S; ++s) {
        const std::size_t t = qx.tile_of(r, s * pw.segment());
        sx[r * S + s] = qx.scale(t);
        if (zeros) zx[r * S + s] = int8_zero_point(qx, t);
      }
  }
};

/// Y (M × N) from a GEMM entry writing rows of np ≥ N columns: into Y itself when N = np.
template <class Out, class Run>
matrix<Out> with_padded_rows(std::size_t M, std::size_t N, std::size_t np, Run&& run) {
  matrix<Out> out(static_cast<Eigen::Index>(M), static_cast<Eigen::Index>(N));
  if (N == np) {
    run(out.data(), N);
  } else {
    std::vector<Out> y(M * np);
    run(y.data(), np);
    for (std::size_t r = 0; r < M; ++r) std::copy_n(y.data() + r * np, N, out.data() + r * N);
  }
  return out;
}

/// Binary × binary through XNOR-popcount on the sign bits, segment by segment: emit(s, D, ld).
template <class SX, class SW, class Emit>
void xnor_segments(const quantized<uniform<binary, SX>>& qx, const prepacked<binary, SW>& pw, Emit&& emit) {
  const std::size_t M = qx.rows(), K = qx.cols(), N = pw.rows(), seg = pw.segment();
  std::vector<std::int8_t> xall(M * K);
  for (std::size_t r = 0; r < M; ++r) int8_row(qx, r, xall.data() + r * K);
  const std::vector<std::uint64_t> xb = sign_bits(xall.data(), M, K);
  const std::size_t words = (K + 63) / 64;
  const bool hw = simd::kernels().popcount;
  std::vector<std::int32_t> acc(M * N);
  for (std::size_t s = 0; s < pw.segments(); ++s) {
    const std::size_t c0 = s * seg, c1 = std::min(K, c0 + seg);
    for (std::size_t r = 0; r < M; ++r)
      for (std::size_t n = 0; n < N; ++n)
        acc[r * N + n] = hw ? xnor_dot<true>(xb.data() + r * words, pw.sign_bits(n), c0, c1)
                            : xnor_dot<false>(xb.data() + r * words, pw.sign_bits(n), c0, c1);
    emit(s, acc.data(), N);
  }
}

/// Throws for operands whose scales are not finite (matmul_int cannot carry the NaN).
template <class TX, class SX, class TW, class SW>
void check_finite(const quantized<uniform<TX, SX>>& qx, const prepacked<TW, SW>& pw) {
  if (pw.nonfinite_row() != pw.npos)
    throw error("matmul_int: W's row " + std::to_string(pw.nonfinite_row()) +
                " has a non-finite scale (NaN or Inf in its input): an int32 result cannot carry it");
  for (std::size_t i = 0; i < qx.scales().size(); ++i)
    if (!std::isfinite(qx.scale(i)))
      throw error("matmul_int: X's row " +
                  std::to_string(i / qx.scheme().gran.tiles_across(qx.cols()) * qx.scheme().gran.height(qx.rows())) +
                  " has a non-finite scale (NaN or Inf in its input): an int32 result cannot carry it");
}

}  // namespace detail

/// Exact int32 accumulators Σ_k (x − zx)(w − zw), M × N. Operands whose scales are not finite (a
/// NaN or Inf in an input group, spec §8) are a lowp::error naming the row: the integer result
/// cannot carry the NaN, and requantizing it would turn the group into ordinary numbers. (The
/// float matmul propagates the NaN instead.)
template <class TX, class SX, class TW, class SW>
requires detail::matmul_element<TX> matrix<std::int32_t> matmul_int(const quantized<uniform<TX, SX>>& qx,
                                                                    const prepacked<TW, SW>& pw,
                                                                    std::size_t threads = 1) {
  detail::check_finite(qx, pw);
  const bool zeros = detail::check_matmul(qx, pw);
  if constexpr (std::is_same_v<TX, binary> && std::is_same_v<TW, binary>) {
    matrix<std::int32_t> out = matrix<std::int32_t>::Zero(Eigen::Index(qx.rows()), Eigen::Index(pw.rows()));
    detail::xnor_segments(qx, pw, [&](std::size_t, const std::int32_t* d, std::size_t ld) {
      for (Eigen::Index r = 0; r < out.rows(); ++r)
        for (Eigen::Index n = 0; n < out.cols(); ++n) out(r, n) += d[std::size_t(r) * ld + std::size_t(n)];
    });
    return out;
  } else {
    const detail::activations a(qx, pw, zeros);
    return detail::with_padded_rows<std::int32_t>(
        qx.rows(), pw.rows(), pw.weights().np(), [&](std::int32_t* y, std::size_t ld) {
          simd::gemm(pw.weights(), a.x, nullptr, zeros ? a.zx.data() : nullptr, y, ld, threads);
        });
  }
}
template <class TX, class SX, class TW, class SW>
requires detail::matmul_element<TX> && detail::matmul_element<TW> matrix<std::int32_t> matmul_int(
    const quantized<uniform<TX, SX>>& qx, const quantized<uniform<TW, SW>>& qw, std::size_t threads = 1) {
  return matmul_int(qx, prepack(qw), threads);
}

/// Y = X̂ · Ŵᵀ in float: Σ over K segments, in order, of float(D_g) · (sx_g · sw_g).
template <class TX, class SX, class TW, class SW>
requires detail::matmul_element<TX> matrix<float> matmul(const quantized<uniform<TX, SX>>& qx,
                                                         const prepacked<TW, SW>& pw, std::size_t threads = 1) {
  const bool zeros = detail::check_matmul(qx, pw);
  if constexpr (std::is_same_v<TX, binary> && std::is_same_v<TW, binary>) {
    const std::size_t N = pw.rows();
    matrix<float> out = matrix<float>::Zero(Eigen::Index(qx.rows()), Eigen::Index(N));
    detail::xnor_segments(qx, pw, [&](std::size_t s, const std::int32_t* d, std::size_t ld) {
      const std::size_t c0 = s * pw.segment();
      for (std::size_t r = 0; r < qx.rows(); ++r) {
        const float sx = qx.scale(qx.tile_of(r, c0));
        for (std::size_t n = 0; n < N; ++n) {
          const float sw = pw.weights().scale[pw.weights().scale_index(n, s)];
          out(Eigen::Index(r), Eigen::Index(n)) += lowp::detail::rounded(float(d[r * ld + n]) * (sx * sw));
        }
      }
    });
    return out;
  } else {
    const detail::activations a(qx, pw, zeros);
    return detail::with_padded_rows<float>(qx.rows(), pw.rows(), pw.weights().np(), [&](float* y, std::size_t ld) {
      simd::gemm(pw.weights(), a.x, a.sx.data(), zeros ? a.zx.data() : nullptr, y, ld, threads);
    });
  }
}
template <class TX, class SX, class TW, class SW>
requires detail::matmul_element<TX> && detail::matmul_element<TW> matrix<float> matmul(
    const quantized<uniform<TX, SX>>& qx, const quantized<uniform<TW, SW>>& qw, std::size_t threads = 1) {
  return matmul(qx, prepack(qw), threads);
}

/// A float X (any Eigen expression), quantized inside with the activation scheme (per token by
/// default), times prepacked weights.
template <class Derived, class TX, class SX, class TW, class SW>
matrix<float> matmul(const Eigen::MatrixBase<Derived>& x, const prepacked<TW, SW>& pw,
                     const uniform<TX, SX>& activations, std::size_t threads = 1) {
  const auto qx = quantize<TX, SX>(x, activations.gran, activations.rule);
  return matmul(qx, pw, threads);
}

namespace detail {
/// dyadic::apply (TFLite's MultiplyByQuantizedMultiplier) written without branches so that the
/// loop clones vectorise it: the same operations (the left shift wraps, SRDHM with its nudge and
/// truncating division by 2^31, RoundingDivideByPOT), so the same bits (the tests compare).
LOWP_INLINE_BODY inline std::int32_t apply_dyadic(std::int32_t x, std::int32_t m, int left, int right) {
  const std::int32_t a = std::int32_t(std::uint32_t(x) << left);
  const std::int64_t ab = std::int64_t(a) * std::int64_t(m);
  const std::int64_t v = ab + (ab >= 0 ? (std::int64_t(1) << 30) : (1 - (std::int64_t(1) << 30)));
  std::int64_t q = (v + ((v >> 63) & ((std::int64_t(1) << 31) - 1))) >> 31;  // v / 2^31, truncated
  constexpr std::int64_t min32 = std::numeric_limits<std::int32_t>::min();
  q = ((std::int64_t(a) == min32) & (std::int64_t(m) == min32)) ? -(min32 + 1) : q;  // SRDHM's saturating case
  // (compared in int64, as q: masks of two widths in one select do not vectorise with g++ 12)
  const std::int32_t s = std::int32_t(q);
  const std::int32_t mask = std::int32_t((std::uint32_t(1) << right) - 1u);  // right ≤ 31
  const std::int32_t rem = s & mask, thr = (mask >> 1) + std::int32_t(s < 0);
  return (s >> right) + std::int32_t(rem > thr);
}

/// The rows of any int32 Eigen expression, row-major (no copy when it already is lowp::matrix).
template <class Derived>
decltype(auto) int32_rows(const Eigen::MatrixBase<Derived>& acc) {
  static_assert(std::is_same_v<typename Derived::Scalar, std::int32_t>, "lowp::requantize: accumulators are int32");
  if constexpr (std::is_same_v<Derived, matrix<std::int32_t>>)
    return static_cast<const matrix<std::int32_t>&>(acc.derived());
  else
    return matrix<std::int32_t>(acc.derived());
}

/// out = clamp(apply(acc) + zero_point) with one (per-tensor) or one per column (per-channel)
/// multiplier and shift, in the ISA's loop clones.
template <class Out>
void requantize_rows(const matrix<std::int32_t>& a, const std::vector<std::int32_t>& m, const std::vector<int>& left,
                     const std::vector<int>& right, std::int32_t zero_point, matrix<Out>& out) {
  const std::size_t cols = std::size_t(a.cols());
  if (cols == 0 || a.rows() == 0) return;
  const bool per_column = m.size() > 1;
  const std::int32_t* pm = m.data();
  const int *pl = left.data(), *pr = right.data();
  constexpr std::int64_t lo = std::numeric_limits<Out>::min(), hi = std::numeric_limits<Out>::max();
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    const std::int32_t* in = a.data() + r * a.cols();
    Out* o = out.data() + r * out.cols();
    if (per_column) {
      simd::for_each_index(cols, [=](std::size_t c) LOWP_INLINE_BODY {
        const std::int64_t v = std::int64_t(apply_dyadic(in[c], pm[c], pl[c], pr[c])) + zero_point;
        o[c] = Out(std::min(std::max(v, lo), hi));
      });
    } else {
      const std::int32_t m0 = pm[0];
      const int l0 = pl[0], r0 = pr[0];
      simd::for_each_index(cols, [=](std::size_t c) LOWP_INLINE_BODY {
        const std::int64_t v = std::int64_t(apply_dyadic(in[c], m0, l0, r0)) + zero_point;
        o[c] = Out(std::min(std::max(v, lo), hi));
      });
    }
  }
}
}  // namespace detail

/// Requantizes int32 accumulators to Out (int8 or uint8, or any wider integer type):
/// clamp(d.apply(acc) + zero_point) (TFLite MultiplyByQuantizedMultiplier, then the output zero
/// point, then saturation), vectorised per ISA level with the same bits.
template <class Out = std::int8_t, class Derived>
matrix<Out> requantize(const Eigen::MatrixBase<Derived>& acc, const dyadic& d, std::int32_t zero_point) {
  d.check();  // shift in [−31, 31] (spec §4)
  const auto& a = detail::int32_rows(acc);
  matrix<Out> out(a.rows(), a.cols());
  detail::requantize_rows<Out>(a, {d.multiplier}, {d.shift > 0 ? d.shift : 0}, {d.shift > 0 ? 0 : -d.shift}, zero_point,
                               out);
  return out;
}
/// Per-channel requantization: one dyadic per output column.
template <class Out = std::int8_t, class Derived>
matrix<Out> requantize(const Eigen::MatrixBase<Derived>& acc, const std::vector<dyadic>& d, std::int32_t zero_point) {
  if (d.size() != std::size_t(acc.cols()))
    throw error("requantize: " + std::to_string(d.size()) + " multipliers for " + std::to_string(acc.cols()) +
                " columns");
  const auto& a = detail::int32_rows(acc);
  std::vector<std::int32_t> m(d.size());
  std::vector<int> left(d.size()), right(d.size());
  for (std::size_t c = 0; c < d.size(); ++c) {
    if (d[c].shift < -31 || d[c].shift > 31)
      throw error("requantize: the dyadic of column " + std::to_string(c) + " has shift " + std::to_string(d[c].shift) +
                  ", outside [-31, 31]");
    m[c] = d[c].multiplier;
    left[c] = d[c].shift > 0 ? d[c].shift : 0;
    right[c] = d[c].shift > 0 ? 0 : -d[c].shift;
  }
  matrix<Out> out(a.rows(), a.cols());
  detail::requantize_rows<Out>(a, m, left, right, zero_point, out);
  return out;
}

/// Power-of-two rescaling (ShiftQuant): x / 2^s rounded half away from zero for s ≥ 0
/// (RoundingDivideByPOT; for s ≥ 32, |x / 2^s| ≤ 1/2: 0, except INT32_MIN / 2^32 = −1/2 → −1),
/// x · 2^-s saturated to int32 for s < 0.
constexpr std::int32_t shift_round(std::int32_t x, int s) {
  if (s > 32) return 0;
  if (s == 32) return x == std::numeric_limits<std::int32_t>::min() ? -1 : 0;
  if (s >= 0) return rounding_divide_by_pot(x, s);
  const std::int64_t v = std::int64_t(x) * (std::int64_t(1) << std::min(-s, 32));
  return v > std::numeric_limits<std::int32_t>::max()   ? std::numeric_limits<std::int32_t>::max()
         : v < std::numeric_limits<std::int32_t>::min() ? std::numeric_limits<std::int32_t>::min()
                                                        : std::int32_t(v);
}

/// shift_round on every element of an int32 matrix (any Eigen expression), one shift s per
/// tensor, or one per column; vectorised per ISA level, the same bits as the scalar function.
template <class Derived>
matrix<std::int32_t> shift_round(const Eigen::MatrixBase<Derived>& x, const std::vector<int>& s) {
  const auto& a = detail::int32_rows(x);
  if (s.size() != 1 && s.size() != std::size_t(a.cols()))
    throw error("shift_round: " + std::to_string(s.size()) + " shifts for " + std::to_string(a.cols()) + " columns");
  matrix<std::int32_t> out(a.rows(), a.cols());
  if (a.size() == 0) return out;
  // per column: e = min(s, 31) ≥ 0 divides (RoundingDivideByPOT), l = min(−s, 32) > 0 multiplies,
  // g = s − 31 clamped to [0, 2] marks the shifts beyond 31 (1: s = 32, 2: s > 32; see the scalar form)
  std::vector<int> e(s.size()), l(s.size()), g(s.size());
  for (std::size_t c = 0; c < s.size(); ++c) {
    e[c] = s[c] >= 0 ? std::min(s[c], 31) : 0;
    l[c] = s[c] >= 0 ? 0 : std::min(-s[c], 32);
    g[c] = std::clamp(s[c] - 31, 0, 2);
  }
  const bool per_column = s.size() > 1;
  const int *pe = e.data(), *pl = l.data(), *pg = g.data();
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    const std::int32_t* in = a.data() + r * a.cols();
    std::int32_t* o = out.data() + r * a.cols();
    simd::for_each_index(std::size_t(a.cols()), [=](std::size_t c) LOWP_INLINE_BODY {
      const std::size_t k = per_column ? c : 0;
      const std::int32_t v = in[c];
      const std::int32_t mask = std::int32_t((std::uint32_t(1) << pe[k]) - 1u);
      const std::int32_t down = (v >> pe[k]) + std::int32_t((v & mask) > (mask >> 1) + std::int32_t(v < 0));
      const std::int64_t up = std::int64_t(v) * (std::int64_t(1) << pl[k]);
      const std::int64_t sat =
          std::min<std::int64_t>(std::max<std::int64_t>(up, std::numeric_limits<std::int32_t>::min()),
                                 std::numeric_limits<std::int32_t>::max());
      const std::int32_t beyond =
          -(std::int32_t(pg[k] == 1) & std::int32_t(v == std::numeric_limits<std::int32_t>::min()));
      o[c] = pl[k] > 0 ? std::int32_t(sat) : pg[k] > 0 ? beyond : down;
    });
  }
  return out;
}
template <class Derived>
matrix<std::int32_t> shift_round(const Eigen::MatrixBase<Derived>& x, int s) {
  return shift_round(x, std::vector<int>{s});
}

}  // namespace lowp
