// lowp/simd/gemm_avx2.hpp: the AVX2 integer GEMM kernel on int8 panels. Weight bytes are
// sign-extended to int16 and multiplied with vpmaddwd (int16 × int16 → int32 pairs), exact;
// vpmaddubsw's int16 sums would saturate (255 · 127 · 2 > 32767), so it is not used.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lowp/simd/gemm_layout.hpp"
#include "lowp/simd/x86.hpp"

#if LOWP_HAVE_RUNTIME_X86
namespace lowp::simd::detail {

/// MR rows × one panel (16 columns) over the k-steps [q0, q1): acc (row stride ldc) = Σ x · w.
// always_inline: compiled on its own, g++ 12 keeps the accumulator array in memory (a store per
// step; docs/performance.md)
template <int MR>
__attribute__((target(LOWP_TARGET_AVX2), always_inline)) inline void avx2_tile(const std::int8_t* x, std::size_t ldx,
                                                                               const std::int8_t* w, std::size_t q0,
                                                                               std::size_t q1, std::int32_t* c,
                                                                               std::size_t ldc) {
  __m256i a[std::size_t(MR)][4];
  LOWP_UNROLL for (int r = 0; r < MR; ++r) for (int j = 0; j < 4; ++j) a[r][j] = _mm256_setzero_si256();
  for (std::size_t q = q0; q < q1; ++q) {
    __m256i b[4];  // 4 columns × 4 k as int16 per register
    for (int j = 0; j < 4; ++j)
      b[j] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + q * 64 + 16 * j)));
    LOWP_UNROLL for (int r = 0; r < MR; ++r) {
      std::int32_t xv;
      std::memcpy(&xv, x + std::size_t(r) * ldx + 4 * q, 4);
      const __m256i xb = _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(xv)));  // x0 x1 x2 x3, repeated
      for (int j = 0; j < 4; ++j) a[r][j] = _mm256_add_epi32(a[r][j], _mm256_madd_epi16(b[j], xb));
    }
  }
  LOWP_UNROLL for (int r = 0; r < MR; ++r) {
    // a[r][j] lanes: (k0+k1, k2+k3) for columns 4j .. 4j+3; hadd pairs them within 128-bit lanes:
    // hadd(a0, a1) = c0 c1 c4 c5 | c2 c3 c6 c7, hadd(a2, a3) = c8 c9 c12 c13 | c10 c11 c14 c15
    alignas(32) std::int32_t t[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(t), _mm256_hadd_epi32(a[r][0], a[r][1]));
    _mm256_store_si256(reinterpret_cast<__m256i*>(t + 8), _mm256_hadd_epi32(a[r][2], a[r][3]));
    static constexpr int col[16] = {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15};
    std::int32_t* o = c + std::size_t(r) * ldc;
    for (std::size_t i = 0; i < 16; ++i) o[col[i]] = t[i];
  }
}

/// acc[r · ldc + j] = Σ_{k in segment s} x · w for the columns of pairs [pair0, pair1), two rows a tile.
__attribute__((target(LOWP_TARGET_AVX2))) inline void dot_avx2(const int8_panels& w, const x_rows& x, std::size_t s,
                                                               std::int32_t* acc, std::size_t ldc, std::size_t pair0,
                                                               std::size_t pair1) {
  const std::size_t q0 = w.ks.qbeg[s], q1 = w.ks.qbeg[s + 1];
  for (std::size_t p = 2 * pair0; p < 2 * pair1; ++p) {
    std::int32_t* out = acc + (p - 2 * pair0) * panel_cols;
    std::size_t r = 0;
    for (; r + 2 <= x.m; r += 2) avx2_tile<2>(x.row(r), x.ld, w.panel(p), q0, q1, out + r * ldc, ldc);
    if (r < x.m) avx2_tile<1>(x.row(r), x.ld, w.panel(p), q0, q1, out + r * ldc, ldc);
  }
}

}  // namespace lowp::simd::detail
#endif
