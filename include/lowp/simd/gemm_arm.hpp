// lowp/simd/gemm_arm.hpp: the aarch64 integer GEMM kernels on int8 panels (simd/gemm_layout.hpp),
// chosen at run time by the dispatcher's sdot and i8mm levels.
//   sdot  (FEAT_DotProd, Armv8.2): SDOT Vd.4S, Vn.16B, Vm.16B adds, to each int32 lane, the dot
//         product of 4 signed bytes of each operand (Arm ARM, C7.2 "SDOT (vector)"). A k-step of a
//         panel is 16 columns × 4 k = 4 registers, one column per lane: acc += panel · broadcast(x).
//   i8mm  (FEAT_I8MM, Armv8.6): SMMLA Vd.4S, Vn.16B, Vm.16B adds the 2 × 2 int32 product of a
//         2 × 8 signed-byte matrix (Vn, row-major) and the transpose of another (Vm) (Arm ARM, C7.2
//         "SMMLA"): two rows of x by two columns of w over 8 k, i.e. two k-steps, taken from the
//         panel with one ZIP of 32-bit lanes per column pair.
// Both are exact int32 sums, as the scalar kernel's: the same bits. The instructions are written as
// inline assembly inside functions whose target enables the extension, so the file builds with any
// -march (g++ and clang; clang 14 declares the intrinsics only under a -march that has them).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lowp/simd/arch.hpp"
#include "lowp/simd/gemm_layout.hpp"

#if LOWP_HAVE_RUNTIME_ARM  // simd/arch.hpp
#include <arm_neon.h>
#if defined(__clang__)
#define LOWP_TARGET_DOTPROD "dotprod"
#define LOWP_TARGET_I8MM "i8mm"
#else
#define LOWP_TARGET_DOTPROD "arch=armv8.2-a+dotprod"
#define LOWP_TARGET_I8MM "arch=armv8.6-a+i8mm"
#endif
#endif

#if LOWP_HAVE_RUNTIME_ARM
namespace lowp::simd::detail {

/// acc += the 4-byte dot products of a and b, lane by lane (SDOT).
__attribute__((target(LOWP_TARGET_DOTPROD), always_inline)) inline int32x4_t sdot(int32x4_t acc, int8x16_t a,
                                                                                  int8x16_t b) {
  __asm__("sdot %0.4s, %1.16b, %2.16b" : "+w"(acc) : "w"(a), "w"(b));
  return acc;
}

/// acc += (2 × 8 matrix a) · (2 × 8 matrix b)ᵀ, both row-major bytes (SMMLA).
__attribute__((target(LOWP_TARGET_I8MM), always_inline)) inline int32x4_t smmla(int32x4_t acc, int8x16_t a,
                                                                                int8x16_t b) {
  __asm__("smmla %0.4s, %1.16b, %2.16b" : "+w"(acc) : "w"(a), "w"(b));
  return acc;
}

/// MR rows × one panel (16 columns) over the k-steps [q0, q1) with SDOT.
template <int MR>
__attribute__((target(LOWP_TARGET_DOTPROD), always_inline)) inline void sdot_tile(const std::int8_t* x, std::size_t ldx,
                                                                                  const std::int8_t* w, std::size_t q0,
                                                                                  std::size_t q1, std::int32_t* c,
                                                                                  std::size_t ldc) {
  int32x4_t a[std::size_t(MR)][4];
  LOWP_UNROLL for (int r = 0; r < MR; ++r) for (int j = 0; j < 4; ++j) a[r][j] = vdupq_n_s32(0);
  for (std::size_t q = q0; q < q1; ++q) {
    int8x16_t b[4];  // columns 4j .. 4j+3, 4 k each
    for (int j = 0; j < 4; ++j) b[j] = vld1q_s8(w + q * 64 + 16 * j);
    LOWP_UNROLL for (int r = 0; r < MR; ++r) {
      std::int32_t xv;
      std::memcpy(&xv, x + std::size_t(r) * ldx + 4 * q, 4);
      const int8x16_t xb = vreinterpretq_s8_s32(vdupq_n_s32(xv));  // x0 x1 x2 x3, four times
      for (int j = 0; j < 4; ++j) a[r][j] = sdot(a[r][j], b[j], xb);
    }
  }
  LOWP_UNROLL for (int r = 0; r < MR; ++r) for (int j = 0; j < 4; ++j)
      vst1q_s32(c + std::size_t(r) * ldc + 4 * std::size_t(j), a[r][j]);
}

/// acc[r · ldc + j] = Σ_{k in segment s} x · w for the columns of pairs [pair0, pair1), SDOT.
__attribute__((target(LOWP_TARGET_DOTPROD))) inline void dot_sdot(const int8_panels& w, const x_rows& x, std::size_t s,
                                                                  std::int32_t* acc, std::size_t ldc, std::size_t pair0,
                                                                  std::size_t pair1) {
  const std::size_t q0 = w.ks.qbeg[s], q1 = w.ks.qbeg[s + 1];
  for (std::size_t p = 2 * pair0; p < 2 * pair1; ++p) {
    std::int32_t* out = acc + (p - 2 * pair0) * panel_cols;
    std::size_t r = 0;
    for (; r + 4 <= x.m; r += 4) sdot_tile<4>(x.row(r), x.ld, w.panel(p), q0, q1, out + r * ldc, ldc);
    for (; r < x.m; ++r) sdot_tile<1>(x.row(r), x.ld, w.panel(p), q0, q1, out + r * ldc, ldc);
  }
}

/// Rows r, r + 1 (x1 = x0 when there is one row) × one panel over the k-steps [q0, q1) with SMMLA,
/// two k-steps at a time (a last odd step against zeros).
__attribute__((target(LOWP_TARGET_I8MM), always_inline)) inline void smmla_tile(const std::int8_t* x0,
                                                                                const std::int8_t* x1,
                                                                                const std::int8_t* w, std::size_t q0,
                                                                                std::size_t q1, std::int32_t* c0,
                                                                                std::int32_t* c1) {
  int32x4_t a[8];  // column pair j: (r c2j, r c2j+1, r+1 c2j, r+1 c2j+1)
  for (int j = 0; j < 8; ++j) a[j] = vdupq_n_s32(0);
  for (std::size_t q = q0; q < q1; q += 2) {
    const bool pair = q + 1 < q1;
    std::int32_t xs[4] = {0, 0, 0, 0};  // x0 k 0..7, x1 k 0..7 as four 4-byte words
    std::memcpy(&xs[0], x0 + 4 * q, 4);
    std::memcpy(&xs[2], x1 + 4 * q, 4);
    if (pair) {
      std::memcpy(&xs[1], x0 + 4 * q + 4, 4);
      std::memcpy(&xs[3], x1 + 4 * q + 4, 4);
    }
    const int8x16_t xa = vreinterpretq_s8_s32(vld1q_s32(xs));
    for (int j = 0; j < 4; ++j) {
      const int32x4_t lo = vreinterpretq_s32_s8(vld1q_s8(w + q * 64 + 16 * j));  // columns 4j..4j+3, k-step q
      const int32x4_t hi = pair ? vreinterpretq_s32_s8(vld1q_s8(w + (q + 1) * 64 + 16 * j)) : vdupq_n_s32(0);
      // zip: (c, q) (c, q+1) (c+1, q) (c+1, q+1): two columns of 8 k each
      a[2 * j] = smmla(a[2 * j], xa, vreinterpretq_s8_s32(vzip1q_s32(lo, hi)));
      a[2 * j + 1] = smmla(a[2 * j + 1], xa, vreinterpretq_s8_s32(vzip2q_s32(lo, hi)));
    }
  }
  for (int j = 0; j < 8; ++j) {
    std::int32_t t[4];
    vst1q_s32(t, a[j]);
    c0[2 * j] = t[0];
    c0[2 * j + 1] = t[1];
    if (c1 != nullptr) {
      c1[2 * j] = t[2];
      c1[2 * j + 1] = t[3];
    }
  }
}

/// acc[r · ldc + j] = Σ_{k in segment s} x · w for the columns of pairs [pair0, pair1), SMMLA.
__attribute__((target(LOWP_TARGET_I8MM))) inline void dot_i8mm(const int8_panels& w, const x_rows& x, std::size_t s,
                                                               std::int32_t* acc, std::size_t ldc, std::size_t pair0,
                                                               std::size_t pair1) {
  const std::size_t q0 = w.ks.qbeg[s], q1 = w.ks.qbeg[s + 1];
  for (std::size_t p = 2 * pair0; p < 2 * pair1; ++p) {
    std::int32_t* out = acc + (p - 2 * pair0) * panel_cols;
    std::size_t r = 0;
    for (; r + 2 <= x.m; r += 2)
      smmla_tile(x.row(r), x.row(r + 1), w.panel(p), q0, q1, out + r * ldc, out + (r + 1) * ldc);
    if (r < x.m) smmla_tile(x.row(r), x.row(r), w.panel(p), q0, q1, out + r * ldc, nullptr);
  }
}

}  // namespace lowp::simd::detail
#endif
