// lowp/simd/gemm_vnni.hpp: the AVX-512 VNNI integer GEMM kernels on VNNI panels.
//
// vpdpbusd adds four products of unsigned by signed bytes to each int32 lane. The weights are the
// unsigned side (their fields w + offset, 8, 4 or 2 bits wide, unpacked in registers) and a row's
// four int8 activations of a k-step the signed side, broadcast from memory; so a tile sums
// Σ x · (w + offset), and Σ x · w = that − offset · Σx, a correction per row and segment. Exact in
// int32 for K ≤ 65536 (|x| ≤ 128, w + offset ≤ 255). Two kernels:
//  - dot_vnni: the exact sums of one segment for many rows (6 rows × one panel pair per tile, K in
//    chunks that keep a chunk of the pair in L1 while every row tile passes over it);
//  - gemv_vnni: few rows (GEMV), every segment's sum scaled and added to float accumulators in
//    registers (y += float(D_s) · (sx · sw), segments in order): the operations and order of the
//    segment-by-segment epilogue of simd/gemm.hpp, so the same bits.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "lowp/simd/gemm_layout.hpp"
#include "lowp/simd/x86.hpp"

#if LOWP_HAVE_RUNTIME_X86
#define LOWP_TARGET_VNNI LOWP_TARGET_AVX512 ",avx512vnni"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC PR 105593 inside avx512fintrin.h
#endif

namespace lowp::simd::detail {

/// acc += Σ₄ u · s per int32 lane, u the unsigned weight bytes, s the four signed bytes at x
/// broadcast from memory. Inline asm keeps the accumulator in its register (through the intrinsic,
/// g++ 12 copies it to a fresh register and back around each vpdpbusd).
__attribute__((target(LOWP_TARGET_VNNI), always_inline)) inline __m512i dpbusd(__m512i acc, __m512i u,
                                                                               const std::int8_t* x) {
  __asm__("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(u), "m"(*reinterpret_cast<const std::int32_t*>(x)));
  return acc;
}

/// acc += Σ₄ u · s per int32 lane, s already broadcast in a register. gemv_tile uses this form: with
/// the memory form, g++ 12 keeps gemv_tile's float accumulators in memory, a store per segment.
__attribute__((target(LOWP_TARGET_VNNI), always_inline)) inline __m512i dpbusd(__m512i acc, __m512i u, __m512i s) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "v"(s));
  return acc;
}

/// A shift count as the compiler's _mm512_srli_epi16 declares it (int for g++, unsigned for clang).
#if defined(__clang__)
constexpr unsigned shift_count(int n) { return unsigned(n); }
#else
constexpr int shift_count(int n) { return n; }
#endif

/// Field t of every byte of v (BITS < 8), or v itself.
template <int BITS>
__attribute__((target(LOWP_TARGET_AVX512), always_inline)) inline __m512i field(__m512i v, int t) {
  if constexpr (BITS == 8) {
    return v;
  } else {
    return _mm512_and_si512(_mm512_srli_epi16(v, shift_count(BITS * t)), _mm512_set1_epi8(char((1 << BITS) - 1)));
  }
}

/// a[r][j] += Σ x · field over the k-steps [q0, q1) (q0 on a block) for MR rows × one panel pair.
// always_inline: compiled on its own, g++ 12 keeps the accumulator array in memory (a store per
// step; docs/performance.md)
template <int MR, int BITS>
__attribute__((target(LOWP_TARGET_VNNI), always_inline)) inline void vnni_accumulate(__m512i (&a)[std::size_t(MR)][2],
                                                                                     const std::uint8_t* pair,
                                                                                     const std::int8_t* x,
                                                                                     std::size_t ldx, std::size_t q0,
                                                                                     std::size_t q1) {
  constexpr std::size_t G = 8 / BITS;
  for (std::size_t q = q0; q < q1; q += G) {
    const std::uint8_t* blk = pair + (q / G) * 128;
    const __m512i v0 = _mm512_loadu_si512(blk), v1 = _mm512_loadu_si512(blk + 64);
    LOWP_UNROLL for (std::size_t t = 0; t < G; ++t) {
      const __m512i w0 = field<BITS>(v0, int(t)), w1 = field<BITS>(v1, int(t));
      LOWP_UNROLL for (int r = 0; r < MR; ++r) {
        const std::int8_t* xr = x + std::size_t(r) * ldx + 4 * (q + t);
        a[r][0] = dpbusd(a[r][0], w0, xr);
        a[r][1] = dpbusd(a[r][1], w1, xr);
      }
    }
  }
}

/// MR rows × one panel pair over the k-steps [q0, q1) (q0 on a block): c (row stride ldc, 32
/// columns) receives, or with `add` gains, Σ x · field.
template <int MR, int BITS>
__attribute__((target(LOWP_TARGET_VNNI), always_inline)) inline void vnni_tile(const std::uint8_t* pair,
                                                                               const std::int8_t* x, std::size_t ldx,
                                                                               std::size_t q0, std::size_t q1,
                                                                               std::int32_t* c, std::size_t ldc,
                                                                               bool add) {
  __m512i a[std::size_t(MR)][2];
  LOWP_UNROLL for (int r = 0; r < MR; ++r) LOWP_UNROLL for (int j = 0; j < 2; ++j) a[r][j] =
      add ? _mm512_loadu_si512(c + std::size_t(r) * ldc + 16 * std::size_t(j)) : _mm512_setzero_si512();
  vnni_accumulate<MR, BITS>(a, pair, x, ldx, q0, q1);
  LOWP_UNROLL for (int r = 0; r < MR; ++r) LOWP_UNROLL for (int j = 0; j < 2; ++j)
      _mm512_storeu_si512(c + std::size_t(r) * ldc + 16 * std::size_t(j), a[r][j]);
}

/// f(std::integral_constant<int, B>{}) for the panels' field width B (8, 4 or 2): the entry points
/// below pick their kernel instantiation through it.
template <class F>
inline void with_bits(const vnni_panels& w, F&& f) {
  if (w.bits == 4)
    f(std::integral_constant<int, 4>{});
  else if (w.bits == 2)
    f(std::integral_constant<int, 2>{});
  else
    f(std::integral_constant<int, 8>{});
}

/// Row tile height and the K chunk (in k-steps) of dot_vnni: see docs/performance.md.
inline constexpr int vnni_rows = 6;
inline constexpr std::size_t vnni_chunk = 256;

template <int BITS>
__attribute__((target(LOWP_TARGET_VNNI))) inline void dot_vnni_bits(const vnni_panels& w, const x_rows& x,
                                                                    std::size_t s, std::int32_t* acc, std::size_t ldc,
                                                                    std::size_t pair0, std::size_t pair1) {
  const std::size_t q0 = w.ks.qbeg[s], q1 = w.ks.qbeg[s + 1];
  for (std::size_t qc = q0; qc < q1; qc += vnni_chunk) {
    const std::size_t qe = std::min(q1, qc + vnni_chunk);
    for (std::size_t pp = pair0; pp < pair1; ++pp) {
      std::int32_t* out = acc + (pp - pair0) * pair_cols;
      std::size_t r = 0;
      for (; r + vnni_rows <= x.m; r += vnni_rows)
        vnni_tile<vnni_rows, BITS>(w.pair(pp), x.row(r), x.ld, qc, qe, out + r * ldc, ldc, qc > q0);
      for (; r < x.m; ++r) vnni_tile<1, BITS>(w.pair(pp), x.row(r), x.ld, qc, qe, out + r * ldc, ldc, qc > q0);
    }
  }
  const std::size_t cols = (pair1 - pair0) * pair_cols;
  for (std::size_t r = 0; r < x.m; ++r) {  // Σ x · (w + offset) − offset · Σx = Σ x · w
    const std::int32_t corr = w.offset * x.sum(r, s);
    for (std::size_t j = 0; j < cols; ++j) acc[r * ldc + j] -= corr;
  }
}

/// acc[r · ldc + j] = Σ_{k in segment s} x · w for the columns of pairs [pair0, pair1), exactly.
inline void dot_vnni(const vnni_panels& w, const x_rows& x, std::size_t s, std::int32_t* acc, std::size_t ldc,
                     std::size_t pair0, std::size_t pair1) {
  with_bits(w, [&](auto b) { dot_vnni_bits<decltype(b)::value>(w, x, s, acc, ldc, pair0, pair1); });
}

/// Many rows with the float epilogue fused: each MR × 32 tile is summed segment by segment in
/// registers, each segment's D = Σ x · (w + offset) − offset · Σx scaled
/// and added to float accumulators that start at 0: y = Σ_s float(D_s) · (sx_s · sw_s), segments in
/// order, the product rounded first: the operations of run_gemm's segment-by-segment epilogue (y
/// filled with 0, then y += each rounded product), so the same bits, without its M × N int32 pass
/// per segment and the fill of y.
template <int MR, int BITS>
__attribute__((target(LOWP_TARGET_VNNI), always_inline)) inline void vnni_tile_scaled(const vnni_panels& w,
                                                                                      const x_rows& x, std::size_t r0,
                                                                                      std::size_t pp, const float* sx,
                                                                                      const float* scales, float* y,
                                                                                      std::size_t ldy) {
  const std::size_t S = w.ks.count();
  __m512 f[std::size_t(MR)][2];
  LOWP_UNROLL for (int r = 0; r < MR; ++r) f[r][0] = f[r][1] = _mm512_setzero_ps();
  for (std::size_t s = 0; s < S; ++s) {
    __m512i a[std::size_t(MR)][2];
    LOWP_UNROLL for (int r = 0; r < MR; ++r) a[r][0] = a[r][1] = _mm512_setzero_si512();
    vnni_accumulate<MR, BITS>(a, w.pair(pp), x.row(r0), x.ld, w.ks.qbeg[s], w.ks.qbeg[s + 1]);
    const float* sw = scales + (pp * S + s) * pair_cols;
    const __m512 sw0 = _mm512_loadu_ps(sw), sw1 = _mm512_loadu_ps(sw + 16);
    LOWP_UNROLL for (int r = 0; r < MR; ++r) {
      const std::size_t row = r0 + std::size_t(r);
      const __m512i corr = _mm512_set1_epi32(w.offset * x.sum(row, s));  // Σ x · offset
      const __m512 sxv = _mm512_set1_ps(sx[row * S + s]);
      const __m512 d0 = _mm512_cvtepi32_ps(_mm512_sub_epi32(a[r][0], corr));
      const __m512 d1 = _mm512_cvtepi32_ps(_mm512_sub_epi32(a[r][1], corr));
      f[r][0] = _mm512_add_ps(f[r][0], rounded_ps(_mm512_mul_ps(d0, _mm512_mul_ps(sxv, sw0))));
      f[r][1] = _mm512_add_ps(f[r][1], rounded_ps(_mm512_mul_ps(d1, _mm512_mul_ps(sxv, sw1))));
    }
  }
  LOWP_UNROLL for (int r = 0; r < MR; ++r) {
    float* yr = y + (r0 + std::size_t(r)) * ldy + pp * pair_cols;
    _mm512_storeu_ps(yr, f[r][0]);
    _mm512_storeu_ps(yr + 16, f[r][1]);
  }
}

template <int BITS>
__attribute__((target(LOWP_TARGET_VNNI))) inline void gemm_vnni_scaled_bits(const vnni_panels& w, const x_rows& x,
                                                                            const float* sx, const float* scales,
                                                                            float* y, std::size_t ldy,
                                                                            std::size_t pair0, std::size_t pair1) {
  for (std::size_t pp = pair0; pp < pair1; ++pp) {
    std::size_t r = 0;
    for (; r + vnni_rows <= x.m; r += vnni_rows) vnni_tile_scaled<vnni_rows, BITS>(w, x, r, pp, sx, scales, y, ldy);
    for (; r < x.m; ++r) vnni_tile_scaled<1, BITS>(w, x, r, pp, sx, scales, y, ldy);
  }
}

/// y[r][c] = Σ_s float(D_s) · (sx[r · S + s] · sw) for symmetric operands, many rows, the columns c
/// of pairs [pair0, pair1); scales: pair pp, segment s at (pp · S + s) · 32.
inline void gemm_vnni_scaled(const vnni_panels& w, const x_rows& x, const float* sx, const float* scales, float* y,
                             std::size_t ldy, std::size_t pair0, std::size_t pair1) {
  with_bits(w, [&](auto b) { gemm_vnni_scaled_bits<decltype(b)::value>(w, x, sx, scales, y, ldy, pair0, pair1); });
}

/// acc[r] += Σ x · field over block b of a pair (G = 8 / BITS k-steps), xr[r] the rows' int8 values;
/// the block's odd k-steps go to other instead (two chains of vpdpbusd within a sub-byte block).
template <std::size_t MR, int BITS>
__attribute__((target(LOWP_TARGET_VNNI), always_inline)) inline void gemv_block(__m512i (&acc)[MR][2],
                                                                                __m512i (&other)[MR][2],
                                                                                const std::uint8_t* pair,
                                                                                const std::int8_t* const (&xr)[MR],
                                                                                std::size_t b) {
  constexpr std::size_t G = 8 / BITS;
  const std::uint8_t* blk = pair + b * 128;
  __m512i v0 = _mm512_loadu_si512(blk), v1 = _mm512_loadu_si512(blk + 64);
  // the loaded values as opaque registers: with -march=native g++ 12 otherwise reloads the block
  // from memory for every row's vpdpbusd, and the tile runs load-bound (docs/performance.md)
  __asm__("" : "+v"(v0), "+v"(v1));
  LOWP_UNROLL for (std::size_t t = 0; t < G; ++t) {
    const __m512i w0 = field<BITS>(v0, int(t)), w1 = field<BITS>(v1, int(t));
    LOWP_UNROLL for (std::size_t r = 0; r < MR; ++r) {
      std::int32_t xv;
      std::memcpy(&xv, xr[r] + 4 * (b * G + t), 4);
      const __m512i xb = _mm512_set1_epi32(xv);
      __m512i(&to)[MR][2] = t % 2 == 0 ? acc : other;
      to[r][0] = dpbusd(to[r][0], w0, xb);
      to[r][1] = dpbusd(to[r][1], w1, xb);
    }
  }
}

/// int8 segments of at least this many blocks are summed in two halves walked side by side; shorter
/// ones (MX, group 32) and sub-byte weights (where two streams measured slower) in alternate blocks.
inline constexpr std::size_t gemv_long_segment = 64;

/// MR rows × one panel pair, every segment in order: y[r][j] = Σ_s float(D_s) · (sx[r][s] · sw), D_s
/// kept in two int32 sets (two independent sums, so a row is not bound by vpdpbusd's latency): for a long
/// int8 segment one set per half of its blocks, the halves walked side by side (two read streams
/// through the pair, which the hardware prefetchers serve faster than one; docs/performance.md),
/// else alternate blocks. The int32 sum is exact, so the split does not change it. The product is
/// rounded before its sum. sw: the pair's scales, 32 per segment; sx: S per row.
template <std::size_t MR, int BITS>
__attribute__((target(LOWP_TARGET_VNNI))) inline void gemv_tile(const vnni_panels& w, const x_rows& x, std::size_t r0,
                                                                std::size_t pp, const std::uint8_t* pair,
                                                                const float* sx, const float* sw, float* y,
                                                                std::size_t ldy) {
  constexpr std::size_t G = 8 / BITS;
  const std::size_t S = w.ks.count();
  const std::size_t* qbeg = w.ks.qbeg.data();
  const std::int8_t* xr[MR];
  const std::int32_t* xsum[MR];
  const float* sxr[MR];
  LOWP_UNROLL for (std::size_t r = 0; r < MR; ++r) {
    xr[r] = x.row(r0 + r);
    xsum[r] = x.row_sums(r0 + r);
    sxr[r] = sx + (r0 + r) * S;
  }
  __m512 f[MR][2];
  LOWP_UNROLL for (std::size_t r = 0; r < MR; ++r) f[r][0] = f[r][1] = _mm512_setzero_ps();
  for (std::size_t s = 0; s < S; ++s) {
    __m512i a[MR][2], e[MR][2];
    LOWP_UNROLL for (std::size_t r = 0; r < MR; ++r) a[r][0] = a[r][1] = e[r][0] = e[r][1] = _mm512_setzero_si512();
    const std::size_t b0 = qbeg[s] / G;  // segments start on a block
    const std::size_t nb = (qbeg[s + 1] - qbeg[s] + G - 1) / G, half = nb / 2;
    if (BITS == 8 && nb >= gemv_long_segment) {
      for (std::size_t i = 0; i < half; ++i) {
        gemv_block<MR, BITS>(a, e, pair, xr, b0 + i);
        gemv_block<MR, BITS>(e, a, pair, xr, b0 + half + i);
      }
    } else {
      for (std::size_t i = 0; i < half; ++i) {
        gemv_block<MR, BITS>(a, e, pair, xr, b0 + 2 * i);
        gemv_block<MR, BITS>(e, a, pair, xr, b0 + 2 * i + 1);
      }
    }
    if (nb & 1) gemv_block<MR, BITS>(a, e, pair, xr, b0 + 2 * half);
    const __m512 sw0 = _mm512_loadu_ps(sw + s * pair_cols), sw1 = _mm512_loadu_ps(sw + s * pair_cols + 16);
    LOWP_UNROLL for (std::size_t r = 0; r < MR; ++r) {
      const __m512i corr = _mm512_set1_epi32(w.offset * xsum[r][s]);  // Σ x · offset
      const __m512 sxv = _mm512_set1_ps(sxr[r][s]);
      const __m512 d0 = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_add_epi32(a[r][0], e[r][0]), corr));
      const __m512 d1 = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_add_epi32(a[r][1], e[r][1]), corr));
      f[r][0] = _mm512_add_ps(f[r][0], rounded_ps(_mm512_mul_ps(d0, _mm512_mul_ps(sxv, sw0))));
      f[r][1] = _mm512_add_ps(f[r][1], rounded_ps(_mm512_mul_ps(d1, _mm512_mul_ps(sxv, sw1))));
    }
  }
  LOWP_UNROLL for (std::size_t r = 0; r < MR; ++r) {
    _mm512_storeu_ps(y + (r0 + r) * ldy + pp * pair_cols, f[r][0]);
    _mm512_storeu_ps(y + (r0 + r) * ldy + pp * pair_cols + 16, f[r][1]);
  }
}

template <int BITS>
__attribute__((target(LOWP_TARGET_VNNI))) inline void gemv_vnni_bits(const vnni_panels& w, const x_rows& x,
                                                                     const float* sx, const float* scales, float* y,
                                                                     std::size_t ldy, std::size_t pair0,
                                                                     std::size_t pair1) {
  const std::size_t S = w.ks.count();
  for (std::size_t pp = pair0; pp < pair1; ++pp) {  // the pair found once, not in each tile call
    const float* sw = scales + pp * S * pair_cols;
    const std::uint8_t* pair = w.pair(pp);
    std::size_t r = 0;
    for (; r + 2 <= x.m; r += 2) gemv_tile<2, BITS>(w, x, r, pp, pair, sx, sw, y, ldy);
    for (; r < x.m; ++r) gemv_tile<1, BITS>(w, x, r, pp, pair, sx, sw, y, ldy);
  }
}

/// y[r][c] = Σ_s float(D_s) · (sx[r · S + s] · sw) for the columns c of pairs [pair0, pair1) (y's
/// columns are the padded ones, row stride ldy); scales: pair pp, segment s at (pp · S + s) · 32.
inline void gemv_vnni(const vnni_panels& w, const x_rows& x, const float* sx, const float* scales, float* y,
                      std::size_t ldy, std::size_t pair0, std::size_t pair1) {
  with_bits(w, [&](auto b) { gemv_vnni_bits<decltype(b)::value>(w, x, sx, scales, y, ldy, pair0, pair1); });
}

}  // namespace lowp::simd::detail

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // LOWP_HAVE_RUNTIME_X86
