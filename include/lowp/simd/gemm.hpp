// lowp/simd/gemm.hpp: the integer GEMM plan and its one entry, for matmul, matmul_int and the
// integer MX / NVFP4 pairs.
//
// plan_gemm (called by prepack) asks the dispatcher once which kernel will run and builds a
// gemm_plan holding only the weight layout that kernel reads (simd/gemm_layout.hpp): VNNI panels for
// AVX-512 VNNI, int8 panels for AVX2 and scalar; the scales of every (segment, column) sit next to
// the panels, pair-major. Then gemm(plan, ...) gives Σ_s D_s (int32) or Σ_s float(D_s) · (sx · sw)
// (float), segments in order, where D_s is segment s's exact int32 dot product, corrected for zero
// points as Jacob et al. do: Σ (x − zx)(w − zw) = Σ xw − zw·Σx − zx·Σw + width·zx·zw.
// The kernel runs per call from what the cap allows now (set_max_isa, LOWP_MAX_ISA): a layout whose
// kernel the cap no longer allows is read by the scalar kernel, with the same bits (the sums are
// exact and the float epilogue is the same sequence of operations).
// Kernel families, one header each: gemm_scalar.hpp, gemm_avx2.hpp, gemm_vnni.hpp (the many-row
// kernel and the fused GEMV kernel), gemm_arm.hpp (SDOT and SMMLA on aarch64); block-float elements:
// gemm_blockfloat.hpp; threads: threads.hpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <variant>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/core/fp.hpp"
#include "lowp/simd/dispatch.hpp"
#include "lowp/simd/gemm_arm.hpp"
#include "lowp/simd/gemm_avx2.hpp"
#include "lowp/simd/gemm_blockfloat.hpp"
#include "lowp/simd/gemm_layout.hpp"
#include "lowp/simd/gemm_scalar.hpp"
#include "lowp/simd/gemm_vnni.hpp"
#include "lowp/simd/threads.hpp"

namespace lowp::simd {

/// Integer weights (N × K) prepared for the kernel chosen when they were built.
struct gemm_plan {
  std::variant<int8_panels, vnni_panels> layout;
  gemm_kernel kernel = gemm_kernel::scalar;  // the kernel the layout was built for
  std::vector<float> scale;                  // pair pp, segment s, column 32·pp + j at (pp·S + s)·32 + j
  std::vector<std::int32_t> zero;            // segment s, column c at s·np + c; empty: all zero

  const k_segments& segments() const {
    return std::visit([](const auto& l) -> const k_segments& { return l.ks; }, layout);
  }
  std::size_t n() const {
    return std::visit([](const auto& l) { return l.n; }, layout);
  }
  std::size_t np() const {
    return std::visit([](const auto& l) { return l.np; }, layout);
  }
  /// Where the scale of column c, segment s sits in `scale` (pair-major, next to the pair's panels).
  std::size_t scale_index(std::size_t c, std::size_t s) const {
    return ((c / pair_cols) * segments().count() + s) * pair_cols + c % pair_cols;
  }
  /// Σ w of segment s, column c at s · np + c.
  const std::int32_t* colsum() const {
    return std::visit([](const auto& l) { return l.colsum.data(); }, layout);
  }
};

/// Weights for the kernel kernels() chooses now: w(c, k) ∈ [lo, hi] (int8 values) for c < N, k < K;
/// segments of `seg` along K; scale(c, s) and zero(c, s) per column and segment (zero_points: whether
/// any zero is nonzero).
template <class W, class Scale, class Zero>
gemm_plan plan_gemm(std::size_t N, std::size_t K, std::size_t seg, int lo, int hi, W&& w, Scale&& scale, Zero&& zero,
                    bool zero_points) {
  gemm_plan r;
  r.kernel = kernels().gemm;
  if (r.kernel == gemm_kernel::vnni) {
    // the narrowest field holding w + offset (the VNNI kernel reads 4- and 2-bit fields in registers)
    const int bits = hi - lo < 4 ? 2 : hi - lo < 16 ? 4 : 8;
    const int offset = bits == 8 ? 128 : -lo;
    vnni_panels v;
    v.pack(N, k_segments(K, seg, std::size_t(8 / bits)), bits, offset, w);
    r.layout = std::move(v);
  } else {
    int8_panels p;
    p.pack(N, k_segments(K, seg, 1), [&](std::size_t c, std::size_t k) { return std::int8_t(w(c, k)); });
    r.layout = std::move(p);
  }
  const std::size_t S = r.segments().count(), np = r.np();
  r.scale.assign(np * S, 0.f);
  for (std::size_t c = 0; c < N; ++c)
    for (std::size_t s = 0; s < S; ++s) r.scale[r.scale_index(c, s)] = scale(c, s);
  if (zero_points) {
    r.zero.assign(S * np, 0);
    for (std::size_t c = 0; c < N; ++c)
      for (std::size_t s = 0; s < S; ++s) r.zero[s * np + c] = zero(c, s);
  }
  return r;
}

namespace detail {

/// When run_gemm takes the fused kernel gemv_vnni rather than the many-row tiles: at most this many
/// rows (docs/performance.md gives the measurements behind it).
inline constexpr std::size_t gemv_rows = 16;

/// The exact sums of segment s for the pairs [p0, p1) with the kernel the cap allows on this layout
/// (int8 panels: AVX2 on x86, SMMLA or SDOT on aarch64, else scalar).
inline void segment_dots(const gemm_plan& w, gemm_kernel k, const x_rows& x, std::size_t s, std::int32_t* d,
                         std::size_t ldd, std::size_t p0, std::size_t p1) {
  if (const auto* v = std::get_if<vnni_panels>(&w.layout)) {
#if LOWP_HAVE_RUNTIME_X86
    if (k == gemm_kernel::vnni) return dot_vnni(*v, x, s, d, ldd, p0, p1);
#endif
    return dot_scalar(*v, x, s, d, ldd, p0, p1);  // the cap fell below the layout's kernel
  }
  const auto& p = std::get<int8_panels>(w.layout);
#if LOWP_HAVE_RUNTIME_X86
  if (k != gemm_kernel::scalar) return dot_avx2(p, x, s, d, ldd, p0, p1);
#elif LOWP_HAVE_RUNTIME_ARM
  if (k == gemm_kernel::i8mm) return dot_i8mm(p, x, s, d, ldd, p0, p1);
  if (k == gemm_kernel::sdot) return dot_sdot(p, x, s, d, ldd, p0, p1);
#endif
  (void)k;
  dot_scalar(p, x, s, d, ldd, p0, p1);
}

/// The one driver: y = Σ_s D_s (int32) or Σ_s float(D_s) · (sx · sw) (float), segments in order, for
/// the first np columns of y (row stride ldy ≥ np); zx: X's zero point per (row, segment) or null.
template <class Out>
void run_gemm(const gemm_plan& w, const x_rows& x, const float* sx, const std::int32_t* zx, Out* y, std::size_t ldy,
              std::size_t threads) {
  constexpr bool scaled = std::is_same_v<Out, float>;
  const kernel_choice k = kernels();
  const k_segments& ks = w.segments();
  const std::size_t S = ks.count(), np = w.np(), pairs = np / pair_cols;
  const bool zeros = !w.zero.empty() || zx != nullptr;
#if LOWP_HAVE_RUNTIME_X86
  if constexpr (scaled) {
    // symmetric operands: few rows (GEMV), every segment's sum and its scaled float sum in
    // registers; many rows, 6 × 32 tiles summed segment by segment with the scaling fused
    const auto* v = std::get_if<vnni_panels>(&w.layout);
    if (v != nullptr && k.gemm == gemm_kernel::vnni && !zeros) {
      if (x.m <= gemv_rows)
        parallel_units(pairs, threads,
                       [&](std::size_t p0, std::size_t p1) { gemv_vnni(*v, x, sx, w.scale.data(), y, ldy, p0, p1); });
      else
        parallel_units(pairs, threads, [&](std::size_t p0, std::size_t p1) {
          gemm_vnni_scaled(*v, x, sx, w.scale.data(), y, ldy, p0, p1);
        });
      return;  // both kernels store every y they own: no zero fill first
    }
  }
#endif
  for (std::size_t r = 0; r < x.m; ++r) std::fill(y + r * ldy, y + r * ldy + np, Out(0));
  const std::int32_t* colsum = w.colsum();
  parallel_units(pairs, threads, [&](std::size_t p0, std::size_t p1) {
    const std::size_t cols = (p1 - p0) * pair_cols;
    static thread_local std::vector<std::int32_t> d;  // one segment's sums: no page faults per call
    d.resize(x.m * cols);
    for (std::size_t s = 0; s < S; ++s) {
      segment_dots(w, k.gemm, x, s, d.data(), cols, p0, p1);
      if (zeros) {
        // Σ (x − zx)(w − zw) = Σ xw − zw·Σx − zx·Σw + width·zx·zw (Jacob et al. 2018, eq. 7); exact in
        // int32: |D| < 2^31 by matmul's bound on K
        const std::int64_t width = std::int64_t(ks.width(s));
        for (std::size_t r = 0; r < x.m; ++r) {
          const std::int64_t zxr = zx ? zx[r * S + s] : 0, sum_x = x.sum(r, s);
          for (std::size_t j = 0; j < cols; ++j) {
            const std::size_t c = p0 * pair_cols + j;
            const std::int64_t zw = w.zero.empty() ? 0 : w.zero[s * np + c];
            const std::int64_t v =
                std::int64_t(d[r * cols + j]) - zw * sum_x - zxr * colsum[s * np + c] + width * zxr * zw;
            d[r * cols + j] = std::int32_t(v);
          }
        }
      }
      for (std::size_t r = 0; r < x.m; ++r) {
        Out* yr = y + r * ldy + p0 * pair_cols;
        const std::int32_t* dr = d.data() + r * cols;
        if constexpr (scaled) {
          const float sxr = sx[r * S + s];
          for (std::size_t pp = p0; pp < p1; ++pp) {  // y += float(D) · (sx · sw), the product rounded first
            const float* sw = w.scale.data() + (pp * S + s) * pair_cols;
            float t[pair_cols];
            for (std::size_t j = 0; j < pair_cols; ++j) t[j] = float(dr[(pp - p0) * pair_cols + j]) * (sxr * sw[j]);
            ::lowp::detail::rounded_in_memory(t, pair_cols);
            for (std::size_t j = 0; j < pair_cols; ++j) yr[(pp - p0) * pair_cols + j] += t[j];
          }
        } else {
          for (std::size_t j = 0; j < cols; ++j) yr[j] += dr[j];
        }
      }
    }
  });
}

}  // namespace detail

/// The one GEMM entry, for matmul, matmul_int and the integer MX / NVFP4 pairs. With int32 y (sx
/// null): y = Σ_s D_s exactly, the sums Σ_k (x − zx)(w − zw) over all of K. With float y:
/// y = Σ_s float(D_s) · (sx[r · S + s] · sw[s][c]), segments in order, each product rounded before
/// its sum (spec §9), the same bits on every kernel and thread count. Row stride ldy ≥ np; columns
/// beyond N hold zeros. zx: X's zero point per (row, segment), or null for none.
template <class Out>
requires(std::is_same_v<Out, float> ||
         std::is_same_v<Out, std::int32_t>) void gemm(const gemm_plan& w, const x_rows& x, const float* sx,
                                                      const std::int32_t* zx, Out* y, std::size_t ldy,
                                                      std::size_t threads = 1) {
  if constexpr (std::is_same_v<Out, float>) {
    if (sx == nullptr) throw error("simd::gemm: a float result needs X's scales (sx is null)");
  }
  detail::run_gemm(w, x, sx, zx, y, ldy, threads);
}

}  // namespace lowp::simd
