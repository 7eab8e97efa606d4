// lowp/simd/gemm_blockfloat.hpp: the block-float GEMM of the MX pairs with FP8 / FP6 elements
// (spec §2, §9). Per (row, column) and block of B elements: the products of the element values
// (exact in fp32: at most 4 + 7 significand bits) summed in element order, then
// y += s · (sa · sw), block by block in index order. No step depends on the ISA: the products being
// exact, an FMA and a multiply-add round the same; the scaling product is rounded before its sum on
// every path (spec §10). The AVX-512 path keeps an MR-row × 32-column tile of block sums and
// outputs in registers over all of K.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

#include "lowp/core/fp.hpp"
#include "lowp/simd/dispatch.hpp"
#include "lowp/simd/gemm_layout.hpp"
#include "lowp/simd/threads.hpp"
#include "lowp/simd/x86.hpp"

namespace lowp::simd {

/// Weights of the block-float GEMM: element values in panels of 32 columns, each K × 32 floats
/// (column c of the panel at k · 32 + c); columns padded with zeros to a multiple of 32.
struct float_panels {
  std::size_t n = 0, np = 0, k = 0;
  std::vector<float> data;
  template <class F>
  void pack(std::size_t N, std::size_t K, F&& value) {
    n = N;
    k = K;
    np = (N + pair_cols - 1) / pair_cols * pair_cols;
    data.assign(np * K, 0.f);
    for (std::size_t c = 0; c < N; ++c) {
      float* p = data.data() + (c / pair_cols) * K * pair_cols + c % pair_cols;
      for (std::size_t kk = 0; kk < K; ++kk) p[kk * pair_cols] = value(c, kk);
    }
  }
  const float* panel(std::size_t p) const { return data.data() + p * k * pair_cols; }
};

namespace detail {

/// The reference order on any ISA, one row and one 32-column panel at a time.
inline void blocks_generic(const float* a, std::size_t m, std::size_t K, std::size_t B, const float* sa,
                           const float_panels& w, const float* swt, float* out, std::size_t ldo, std::size_t p0,
                           std::size_t p1) {
  const std::size_t G = (K + B - 1) / B;
  for (std::size_t p = p0; p < p1; ++p) {
    const float* wp = w.panel(p);
    for (std::size_t r = 0; r < m; ++r) {
      float o[pair_cols] = {}, s[pair_cols];
      for (std::size_t g = 0; g < G; ++g) {
        std::fill(s, s + pair_cols, 0.f);
        for (std::size_t k = g * B; k < std::min(K, g * B + B); ++k) {
          const float av = a[r * K + k];
          for (std::size_t j = 0; j < pair_cols; ++j) s[j] += av * wp[k * pair_cols + j];  // exact products
        }
        const float sar = sa[r * G + g];
        const float* sw = swt + g * w.np + p * pair_cols;
        float t[pair_cols];
        for (std::size_t j = 0; j < pair_cols; ++j) t[j] = s[j] * (sar * sw[j]);
        ::lowp::detail::rounded_in_memory(t, pair_cols);  // the scaling product rounded before the add
        for (std::size_t j = 0; j < pair_cols; ++j) o[j] += t[j];
      }
      std::copy(o, o + pair_cols, out + r * ldo + p * pair_cols);
    }
  }
}

#if LOWP_HAVE_RUNTIME_X86
/// MR rows × one 32-column panel in registers: the block sums (2·MR vectors) and the output sums
/// (2·MR vectors) stay in registers over all of K.
// always_inline: compiled on its own, g++ 12 keeps the accumulator array in memory (a store per
// step; docs/performance.md)
template <int MR>
__attribute__((target(LOWP_TARGET_AVX512), always_inline)) inline void blocks_tile(const float* a, std::size_t K,
                                                                                   std::size_t B, std::size_t G,
                                                                                   const float* sa, const float* wp,
                                                                                   const float* swt, std::size_t np,
                                                                                   float* out, std::size_t ldo) {
  __m512 o[std::size_t(MR)][2], s[std::size_t(MR)][2];
  LOWP_UNROLL for (int r = 0; r < MR; ++r) o[r][0] = o[r][1] = _mm512_setzero_ps();
  for (std::size_t g = 0; g < G; ++g) {
    LOWP_UNROLL for (int r = 0; r < MR; ++r) s[r][0] = s[r][1] = _mm512_setzero_ps();
    const std::size_t k1 = std::min(K, g * B + B);
    for (std::size_t k = g * B; k < k1; ++k) {
      const __m512 w0 = _mm512_loadu_ps(wp + k * pair_cols), w1 = _mm512_loadu_ps(wp + k * pair_cols + 16);
      LOWP_UNROLL for (int r = 0; r < MR; ++r) {
        const __m512 av = _mm512_set1_ps(a[std::size_t(r) * K + k]);
        s[r][0] = _mm512_fmadd_ps(av, w0, s[r][0]);  // exact products: the same as multiply, add
        s[r][1] = _mm512_fmadd_ps(av, w1, s[r][1]);
      }
    }
    const __m512 sw0 = _mm512_loadu_ps(swt + g * np), sw1 = _mm512_loadu_ps(swt + g * np + 16);
    LOWP_UNROLL for (int r = 0; r < MR; ++r) {
      const __m512 sc = _mm512_set1_ps(sa[std::size_t(r) * G + g]);
      // the scaling step stays a rounded multiply, then an add, as on the generic path
      o[r][0] = _mm512_add_ps(o[r][0], rounded_ps(_mm512_mul_ps(s[r][0], _mm512_mul_ps(sc, sw0))));
      o[r][1] = _mm512_add_ps(o[r][1], rounded_ps(_mm512_mul_ps(s[r][1], _mm512_mul_ps(sc, sw1))));
    }
  }
  LOWP_UNROLL for (int r = 0; r < MR; ++r) {
    _mm512_storeu_ps(out + std::size_t(r) * ldo, o[r][0]);
    _mm512_storeu_ps(out + std::size_t(r) * ldo + 16, o[r][1]);
  }
}

/// blocks_tile for the last `rows` (< 6) rows: the tile of exactly that height.
template <int MR>
__attribute__((target(LOWP_TARGET_AVX512), always_inline)) inline void blocks_rows(
    std::size_t rows, const float* a, std::size_t K, std::size_t B, std::size_t G, const float* sa, const float* wp,
    const float* sw, std::size_t np, float* out, std::size_t ldo) {
  if constexpr (MR >= 1) {
    if (rows == MR) return blocks_tile<MR>(a, K, B, G, sa, wp, sw, np, out, ldo);
    blocks_rows<MR - 1>(rows, a, K, B, G, sa, wp, sw, np, out, ldo);
  }
}

/// The AVX-512 block-float kernel: out (row stride ldo) for the panel pairs [p0, p1), six rows a tile.
__attribute__((target(LOWP_TARGET_AVX512))) inline void blocks_avx512(const float* a, std::size_t m, std::size_t K,
                                                                      std::size_t B, const float* sa,
                                                                      const float_panels& w, const float* swt,
                                                                      float* out, std::size_t ldo, std::size_t p0,
                                                                      std::size_t p1) {
  const std::size_t G = (K + B - 1) / B;
  for (std::size_t p = p0; p < p1; ++p) {
    const float* wp = w.panel(p);
    const float* sw = swt + p * pair_cols;
    std::size_t r = 0;
    for (; r + 6 <= m; r += 6)
      blocks_tile<6>(a + r * K, K, B, G, sa + r * G, wp, sw, w.np, out + r * ldo + p * pair_cols, ldo);
    if (r < m) blocks_rows<5>(m - r, a + r * K, K, B, G, sa + r * G, wp, sw, w.np, out + r * ldo + p * pair_cols, ldo);
  }
}
#endif
}  // namespace detail

/// out[r][c] = Σ_g (Σ_{k in block g} a[r][k] · w[c][k]) · (sa[r][g] · swt[g][c]) for r < m, c < w.np,
/// blocks of B elements (the last may be shorter), in index order; a is m × K row-major, sa is m × G,
/// swt is G × w.np (zero beyond the real columns), out has row stride ldo ≥ w.np. The same bits on
/// every path and thread count.
inline void gemm_blocks_f32(const float* a, std::size_t m, std::size_t K, std::size_t B, const float* sa,
                            const float_panels& w, const float* swt, float* out, std::size_t ldo,
                            std::size_t threads = 1) {
  const bool wide = kernels().block_float_avx512;
  parallel_units(w.np / pair_cols, threads, [&](std::size_t p0, std::size_t p1) {
#if LOWP_HAVE_RUNTIME_X86
    if (wide) return detail::blocks_avx512(a, m, K, B, sa, w, swt, out, ldo, p0, p1);
#endif
    (void)wide;
    detail::blocks_generic(a, m, K, B, sa, w, swt, out, ldo, p0, p1);
  });
}

}  // namespace lowp::simd
