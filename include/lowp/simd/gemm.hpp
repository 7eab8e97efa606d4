// lowp/simd/gemm.hpp: exact int8 × int8 → int32 dot-product kernels over a prepacked weight panel
// layout, for AVX-512 VNNI, AVX2 and plain C++, chosen at run time (simd/dispatch.hpp).
//
// Packed weights (simd::packed_b): N padded to a multiple of 32 and K to a multiple of 4 with zeros;
// panel p holds columns 16p .. 16p+15; for each group of 4 k, the panel stores 64 bytes,
// byte 4·n + kk = w[16p + n][4·k4 + kk]. Activations are rows of int8 padded to K4 (a multiple of 4).
// Every kernel computes acc[m][n] = Σ_k x[m][k] · w[n][k] exactly in int32 (K ≤ 65536 keeps every
// partial sum in range), so every path gives the same bits:
//  - VNNI: vpdpbusd multiplies unsigned by signed bytes, so x is offset by 128 (x + 128 ∈ [0, 255])
//    and 128 · Σ_k w[n][k] (the panel's column sums) is subtracted at the end;
//  - AVX2: bytes sign-extended to int16 and vpmaddwd (int16 × int16 → int32 pairs): vpmaddubsw's
//    int16 saturation (255 · 127 · 2 > 32767) never arises;
//  - scalar: int32 multiply-adds.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "lowp/core/fp.hpp"
#include "lowp/simd/dispatch.hpp"
#include "lowp/simd/x86.hpp"

// g++ 12 reports the self-initialised `_mm512_undefined_*()` inside inlined AVX-512 intrinsics as
// maybe-uninitialised (GCC PR 105593, a false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace lowp::simd {

/// o[n] += float(d[n]) · (sx · sw[n]) for n < count: the scaled epilogue of the integer matmul,
/// one multiply, one multiply, one add per element; the products pass through memory behind a
/// compiler barrier, so they are rounded before the add under any flags (spec §10), and both loops
/// still vectorise.
inline void scale_add(float* o, const std::int32_t* d, float sx, const float* sw, std::size_t count) {
  constexpr std::size_t block = 256;
  float p[block];
  for (std::size_t n0 = 0; n0 < count; n0 += block) {
    const std::size_t m = std::min(block, count - n0);
    for (std::size_t j = 0; j < m; ++j) p[j] = float(d[n0 + j]) * (sx * sw[n0 + j]);
    ::lowp::detail::rounded_in_memory(p, m);
    for (std::size_t j = 0; j < m; ++j) o[n0 + j] += p[j];
  }
}

/// Prepacked int8 weights (N × K), panel layout above, with column sums.
struct packed_b {
  std::size_t n = 0, k = 0, np = 0, k4 = 0;  // logical and padded sizes
  std::vector<std::int8_t> data;             // np · k4 bytes
  std::vector<std::int32_t> colsum;          // Σ_k w[n][k], np entries

  /// Packs rows of int8 values: w(n, k) for n < N, k < K.
  template <class Get>
  void pack(std::size_t N, std::size_t K, Get&& w) {
    n = N;
    k = K;
    np = (N + 31) / 32 * 32;
    k4 = (K + 3) / 4 * 4;
    data.assign(np * k4, 0);
    colsum.assign(np, 0);
    for (std::size_t r = 0; r < N; ++r) {
      std::int8_t* panel = data.data() + (r / 16) * 16 * k4;
      const std::size_t nl = r % 16;
      std::int32_t s = 0;
      for (std::size_t c = 0; c < K; ++c) {
        const std::int8_t v = w(r, c);
        panel[(c / 4) * 64 + nl * 4 + c % 4] = v;
        s += v;
      }
      colsum[r] = s;
    }
  }
  const std::int8_t* panel(std::size_t p) const { return data.data() + p * 16 * k4; }

  /// Sub-byte copy for the VNNI path (weights of `b` = 4 or 2 bits, values in [−2^(b−1), 2^(b−1))):
  /// block j of a panel holds the 64-byte blocks of k-steps j·(8/b) + t in bit field t, as
  /// unsigned w + 2^(b−1). Reading these panels moves 8/b times fewer bytes than the int8 ones.
  int bits = 8;
  std::vector<std::uint8_t> sub;
  std::size_t sub_panel_bytes() const {
    const std::size_t g = std::size_t(8 / bits);
    return (k4 / 4 + g - 1) / g * 64;
  }
  const std::uint8_t* sub_panel(std::size_t p) const { return sub.data() + p * sub_panel_bytes(); }
  void pack_sub(int b) {
    bits = b;
    const std::size_t g = std::size_t(8 / b), steps = k4 / 4;
    const int offset = 1 << (b - 1), mask = (1 << b) - 1;
    sub.assign(np / 16 * sub_panel_bytes(), 0);
    for (std::size_t p = 0; p < np / 16; ++p) {
      const std::int8_t* src = panel(p);
      std::uint8_t* dst = sub.data() + p * sub_panel_bytes();
      for (std::size_t j = 0; j * g < steps; ++j)
        for (std::size_t i = 0; i < 64; ++i) {
          unsigned v = 0;
          for (std::size_t t = 0; t < g; ++t) {
            const std::size_t q = j * g + t;
            const int w = q < steps ? src[q * 64 + i] : 0;
            v |= unsigned((w + offset) & mask) << (std::size_t(b) * t);
          }
          dst[j * 64 + i] = std::uint8_t(v);
        }
    }
  }
};

/// Weights over K segments laid out one after the other in one packed_b (each segment padded to a
/// whole 64-byte block of sub-byte steps), for the fused GEMV kernel: panel p streams through all
/// segments in order. qbeg[s] .. qbeg[s+1] are segment s's k-steps; colsum holds Σ w per segment.
struct segmented_b {
  packed_b b;
  std::vector<std::size_t> qbeg;
  std::vector<std::int32_t> colsum;  // nseg · np
  /// w(n, k) over K; segments of `seg` (the last may be shorter); sub-byte width `bits` (8: none).
  template <class Get>
  void pack(std::size_t N, std::size_t K, std::size_t seg, int bits, Get&& w) {
    const std::size_t g = std::size_t(8 / bits), align = 4 * g;  // k per 64-byte block
    const std::size_t nseg = (K + seg - 1) / seg;
    std::vector<std::size_t> kbeg(nseg + 1, 0);
    for (std::size_t s = 0; s < nseg; ++s) {
      const std::size_t width = std::min(seg, K - s * seg);
      kbeg[s + 1] = kbeg[s] + (width + align - 1) / align * align;
    }
    const std::size_t kp = kbeg[nseg];
    std::vector<std::int8_t> tmp(N * kp, 0);  // rows with every segment padded in place
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t s = 0; s < nseg; ++s)
        for (std::size_t c = s * seg, e = std::min(K, (s + 1) * seg); c < e; ++c)
          tmp[n * kp + kbeg[s] + (c - s * seg)] = w(n, c);
    b.pack(N, kp, [&](std::size_t n, std::size_t k) { return tmp[n * kp + k]; });
    if (bits < 8) b.pack_sub(bits);
    qbeg.resize(nseg + 1);
    for (std::size_t s = 0; s <= nseg; ++s) qbeg[s] = kbeg[s] / 4;
    colsum.assign(nseg * b.np, 0);
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t s = 0; s < nseg; ++s)
        for (std::size_t k = kbeg[s]; k < kbeg[s + 1]; ++k) colsum[s * b.np + n] += tmp[n * kp + k];
  }
};

namespace detail {

/// acc[m][0..np) for rows x (each k4 bytes, stride k4), scalar.
inline void gemm_s8_scalar(const std::int8_t* x, std::size_t m, const packed_b& b, std::int32_t* acc, std::size_t ldc,
                           std::size_t p0, std::size_t p1) {
  for (std::size_t r = 0; r < m; ++r) {
    const std::int8_t* xr = x + r * b.k4;
    for (std::size_t p = p0; p < p1; ++p) {
      std::int32_t s[16] = {};
      const std::int8_t* w = b.panel(p);
      for (std::size_t q = 0; q < b.k4 / 4; ++q)
        for (std::size_t nl = 0; nl < 16; ++nl)
          for (std::size_t kk = 0; kk < 4; ++kk) s[nl] += std::int32_t(xr[4 * q + kk]) * std::int32_t(w[q * 64 + nl * 4 + kk]);
      std::memcpy(acc + r * ldc + p * 16, s, sizeof(s));
    }
  }
}

#if LOWP_HAVE_RUNTIME_X86
#define LOWP_TARGET_VNNI LOWP_TARGET_AVX512 ",avx512vnni"

/// acc += Σ₄ u·s per 32-bit lane (vpdpbusd: u unsigned bytes, s signed bytes), written as inline asm
/// with the accumulator in-out: through the intrinsic, g++ 12 copies every accumulator to a fresh
/// register and back around each vpdpbusd (two moves per multiply-add), which halved the kernel's
/// throughput. The instruction and its result are the same.
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

/// v itself, opaque to the optimiser: an FMA cannot absorb the rounding of a product passed through
/// it (GCC contracts _mm512_mul_ps / _mm512_add_ps pairs like plain operators; spec §10).
__attribute__((target(LOWP_TARGET_AVX512), always_inline)) inline __m512 rounded_ps(__m512 v) {
  __asm__("" : "+v"(v));
  return v;
}

/// MR rows × 16·NP columns (NP panels) over the k-steps [q0, q1) on AVX-512 VNNI; xu holds x + 128
/// as bytes (row stride k4); the tile adds to c when `add`, else overwrites it.
template <int MR, int NP>
__attribute__((target(LOWP_TARGET_VNNI))) inline void vnni_tile(const std::uint8_t* xu, std::size_t k4,
                                                                const std::int8_t* const* w, std::size_t q0,
                                                                std::size_t q1, std::int32_t* c, std::size_t ldc,
                                                                bool add) {
  __m512i a[std::size_t(MR)][std::size_t(NP)];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NP; ++j)
      a[r][j] = add ? _mm512_loadu_si512(c + std::size_t(r) * ldc + 16 * j) : _mm512_setzero_si512();
  for (std::size_t q = q0; q < q1; ++q) {
    __m512i b[std::size_t(NP)];
    for (int j = 0; j < NP; ++j) b[j] = _mm512_loadu_si512(w[j] + q * 64);
    for (int r = 0; r < MR; ++r) {
      std::int32_t xv;
      std::memcpy(&xv, xu + std::size_t(r) * k4 + 4 * q, 4);
      const __m512i xb = _mm512_set1_epi32(xv);
      for (int j = 0; j < NP; ++j) a[r][j] = dpbusd(a[r][j], xb, b[j]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NP; ++j) _mm512_storeu_si512(c + std::size_t(r) * ldc + 16 * j, a[r][j]);
}

// Tile shape: 6 rows × 2 panels (12 accumulators, 8 loads per 12 vpdpbusd); K in chunks of 256
// k-steps (1024 k). Measured on Zen 5 against 4×4, 8×2, 5×4, 10×2 and chunks of 64 / 128.
inline constexpr int vnni_mr = 6;
inline constexpr std::size_t vnni_np = 2, vnni_kc = 256;
/// As vnni_tile, for sub-byte panels of BITS-bit weights: each 64-byte load yields 8/BITS k-steps.
template <int MR, int NP, int BITS>
__attribute__((target(LOWP_TARGET_VNNI))) inline void vnni_tile_sub(const std::uint8_t* xu, std::size_t k4,
                                                                    const std::uint8_t* const* w, std::size_t q0,
                                                                    std::size_t q1, std::int32_t* c, std::size_t ldc,
                                                                    bool add) {
  constexpr int G = 8 / BITS;
  const __m512i mask = _mm512_set1_epi8(char((1 << BITS) - 1)), offset = _mm512_set1_epi8(char(1 << (BITS - 1)));
  __m512i a[std::size_t(MR)][std::size_t(NP)];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NP; ++j)
      a[r][j] = add ? _mm512_loadu_si512(c + std::size_t(r) * ldc + 16 * j) : _mm512_setzero_si512();
  for (std::size_t q = q0; q < q1; q += G) {  // q0 is a multiple of G
    __m512i v[std::size_t(NP)];
    for (int j = 0; j < NP; ++j) v[j] = _mm512_loadu_si512(w[j] + (q / G) * 64);
    for (int t = 0; t < G && q + std::size_t(t) < q1; ++t) {
      __m512i b[std::size_t(NP)];
      for (int j = 0; j < NP; ++j)
        b[j] = _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(v[j], shift_count(BITS * t)), mask), offset);
      for (int r = 0; r < MR; ++r) {
        std::int32_t xv;
        std::memcpy(&xv, xu + std::size_t(r) * k4 + 4 * (q + std::size_t(t)), 4);
        const __m512i xb = _mm512_set1_epi32(xv);
        for (int j = 0; j < NP; ++j) a[r][j] = dpbusd(a[r][j], xb, b[j]);
      }
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NP; ++j) _mm512_storeu_si512(c + std::size_t(r) * ldc + 16 * j, a[r][j]);
}

template <int BITS>
__attribute__((target(LOWP_TARGET_VNNI))) inline void vnni_rows_sub(const std::uint8_t* xu, std::size_t m,
                                                                    std::size_t k4, const std::uint8_t* const* w,
                                                                    std::size_t q0, std::size_t q1, std::int32_t* c,
                                                                    std::size_t ldc, bool add) {
  constexpr int MR = vnni_mr;
  std::size_t r = 0;
  for (; r + MR <= m; r += MR) vnni_tile_sub<MR, 2, BITS>(xu + r * k4, k4, w, q0, q1, c + r * ldc, ldc, add);
  for (; r < m; ++r) vnni_tile_sub<1, 2, BITS>(xu + r * k4, k4, w, q0, q1, c + r * ldc, ldc, add);
}

template <int NP>
__attribute__((target(LOWP_TARGET_VNNI))) inline void vnni_rows(const std::uint8_t* xu, std::size_t m, std::size_t k4,
                                                                const std::int8_t* const* w, std::size_t q0,
                                                                std::size_t q1, std::int32_t* c, std::size_t ldc,
                                                                bool add) {
  constexpr int MR = vnni_mr;
  std::size_t r = 0;
  for (; r + MR <= m; r += MR) vnni_tile<MR, NP>(xu + r * k4, k4, w, q0, q1, c + r * ldc, ldc, add);
  for (; r < m; ++r) vnni_tile<1, NP>(xu + r * k4, k4, w, q0, q1, c + r * ldc, ldc, add);
}

__attribute__((target(LOWP_TARGET_VNNI))) inline void gemm_s8_vnni(const std::int8_t* x, std::size_t m,
                                                                   const packed_b& b, std::int32_t* acc,
                                                                   std::size_t ldc, std::size_t p0, std::size_t p1) {
  static thread_local std::vector<std::uint8_t> xu;  // reused across calls
  xu.resize(m * b.k4);
  for (std::size_t i = 0; i < xu.size(); ++i) xu[i] = std::uint8_t(std::int32_t(x[i]) + 128);  // u8 = s8 + 128
  // K in chunks of vnni_kc k-steps, so that a chunk of a panel pair stays in L1 while every row
  // tile passes over it
  constexpr std::size_t kc = vnni_kc;
  const std::size_t steps = b.k4 / 4, panels = p1;
  for (std::size_t q0 = 0; q0 < steps; q0 += kc) {
    const std::size_t q1 = std::min(steps, q0 + kc);
    std::size_t p = p0;
    if (b.bits < 8) {  // sub-byte panels, two at a time
      for (; p < panels; p += 2) {
        const std::uint8_t* w[2] = {b.sub_panel(p), b.sub_panel(p + 1)};
        if (b.bits == 4)
          vnni_rows_sub<4>(xu.data(), m, b.k4, w, q0, q1, acc + p * 16, ldc, q0 > 0);
        else
          vnni_rows_sub<2>(xu.data(), m, b.k4, w, q0, q1, acc + p * 16, ldc, q0 > 0);
      }
      continue;
    }
    constexpr std::size_t NP = vnni_np;
    for (; p + NP <= panels; p += NP) {
      const std::int8_t* w[NP];
      for (std::size_t j = 0; j < NP; ++j) w[j] = b.panel(p + j);
      vnni_rows<NP>(xu.data(), m, b.k4, w, q0, q1, acc + p * 16, ldc, q0 > 0);
    }
    for (; p < panels; p += 2) {  // np is a multiple of 32: two panels remain at most
      const std::int8_t* w[2] = {b.panel(p), b.panel(p + 1)};
      vnni_rows<2>(xu.data(), m, b.k4, w, q0, q1, acc + p * 16, ldc, q0 > 0);
    }
  }
  for (std::size_t r = 0; r < m; ++r)  // undo the +128: Σ (x + 128) w − 128 Σ w
    for (std::size_t n = 16 * p0; n < 16 * p1; ++n) acc[r * ldc + n] -= 128 * b.colsum[n];
}

/// 2 rows × 16 columns (one panel) per step on AVX2 with int16 multiply-adds.
template <int MR>
__attribute__((target(LOWP_TARGET_AVX2))) inline void avx2_tile(const std::int8_t* x, std::size_t k4,
                                                                const std::int8_t* w, std::int32_t* c,
                                                                std::size_t ldc) {
  __m256i a[std::size_t(MR)][4];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < 4; ++j) a[r][j] = _mm256_setzero_si256();
  for (std::size_t q = 0; q < k4 / 4; ++q) {
    __m256i b[4];  // 4 columns × 4 k as int16 per register
    for (int j = 0; j < 4; ++j)
      b[j] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + q * 64 + 16 * j)));
    for (int r = 0; r < MR; ++r) {
      std::int32_t xv;
      std::memcpy(&xv, x + std::size_t(r) * k4 + 4 * q, 4);
      const __m256i xb = _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(xv)));  // x0 x1 x2 x3, repeated
      for (int j = 0; j < 4; ++j) a[r][j] = _mm256_add_epi32(a[r][j], _mm256_madd_epi16(b[j], xb));
    }
  }
  for (int r = 0; r < MR; ++r) {
    // a[r][j] lanes: (k0+k1, k2+k3) for columns 4j .. 4j+3; hadd pairs them within 128-bit lanes:
    // hadd(a0, a1) = c0 c1 c4 c5 | c2 c3 c6 c7, hadd(a2, a3) = c8 c9 c12 c13 | c10 c11 c14 c15
    alignas(32) std::int32_t t[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(t), _mm256_hadd_epi32(a[r][0], a[r][1]));
    _mm256_store_si256(reinterpret_cast<__m256i*>(t + 8), _mm256_hadd_epi32(a[r][2], a[r][3]));
    static constexpr int col[16] = {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15};
    std::int32_t* o = c + std::size_t(r) * ldc;
    for (int i = 0; i < 16; ++i) o[col[i]] = t[i];
  }
}

__attribute__((target(LOWP_TARGET_AVX2))) inline void gemm_s8_avx2(const std::int8_t* x, std::size_t m,
                                                                   const packed_b& b, std::int32_t* acc,
                                                                   std::size_t ldc, std::size_t p0, std::size_t p1) {
  for (std::size_t p = p0; p < p1; ++p) {
    std::size_t r = 0;
    for (; r + 2 <= m; r += 2) avx2_tile<2>(x + r * b.k4, b.k4, b.panel(p), acc + r * ldc + p * 16, ldc);
    if (r < m) avx2_tile<1>(x + r * b.k4, b.k4, b.panel(p), acc + r * ldc + p * 16, ldc);
  }
}

/// The fused, scaled form for symmetric operands on VNNI, for few rows (GEMV): for MR rows × 32
/// columns, every K segment s in order accumulates its exact int32 dot in registers (two sets, even
/// and odd k-steps, so that one row is not bound by the vpdpbusd latency), then adds
/// float(D_s) · (sx · sw) to float accumulators: the operations and order of scale_add.
template <int MR, int BITS>
__attribute__((target(LOWP_TARGET_VNNI))) inline void vnni_fused_tile(const std::uint8_t* xu, std::size_t ldx,
                                                                      const segmented_b& sb, std::size_t p,
                                                                      const float* sx, const float* sw, float* out,
                                                                      std::size_t ldo) {
  const packed_b& b = sb.b;
  const std::size_t nseg = sb.qbeg.size() - 1, np = b.np;
  __m512 f[std::size_t(MR)][2];
  for (int r = 0; r < MR; ++r) f[r][0] = f[r][1] = _mm512_setzero_ps();
  const __m512i mask = _mm512_set1_epi8(char(BITS == 8 ? 0xFF : (1 << BITS) - 1));
  const __m512i offset = _mm512_set1_epi8(char(BITS == 8 ? 0 : 1 << (BITS - 1)));
  constexpr int G = 8 / BITS;
  const std::int8_t* w8[2] = {b.panel(p), b.panel(p + 1)};
  const std::uint8_t* ws[2] = {BITS == 8 ? nullptr : b.sub_panel(p), BITS == 8 ? nullptr : b.sub_panel(p + 1)};
  for (std::size_t s = 0; s < nseg; ++s) {
    __m512i a[std::size_t(MR)][2], e[std::size_t(MR)][2];
    for (int r = 0; r < MR; ++r) a[r][0] = a[r][1] = e[r][0] = e[r][1] = _mm512_setzero_si512();
    for (std::size_t q = sb.qbeg[s]; q < sb.qbeg[s + 1]; q += G) {  // segments start on a multiple of G
      __m512i v[2];
      for (int j = 0; j < 2; ++j)
        v[j] = BITS == 8 ? _mm512_loadu_si512(w8[j] + q * 64) : _mm512_loadu_si512(ws[j] + (q / G) * 64);
      for (int t = 0; t < G; ++t) {
        __m512i w[2];
        for (int j = 0; j < 2; ++j)
          w[j] = BITS == 8 ? v[j] : _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(v[j], shift_count(BITS * t)), mask), offset);
        for (int r = 0; r < MR; ++r) {
          std::int32_t xv;
          std::memcpy(&xv, xu + std::size_t(r) * ldx + 4 * (q + std::size_t(t)), 4);
          const __m512i xb = _mm512_set1_epi32(xv);
          if (((q + std::size_t(t)) & 1) == 0) {
            a[r][0] = dpbusd(a[r][0], xb, w[0]);
            a[r][1] = dpbusd(a[r][1], xb, w[1]);
          } else {
            e[r][0] = dpbusd(e[r][0], xb, w[0]);
            e[r][1] = dpbusd(e[r][1], xb, w[1]);
          }
        }
      }
    }
    for (int j = 0; j < 2; ++j) {
      const __m512i corr =
          _mm512_slli_epi32(_mm512_loadu_si512(sb.colsum.data() + s * np + (p + std::size_t(j)) * 16), 7);
      const __m512 swv = _mm512_loadu_ps(sw + s * np + (p + std::size_t(j)) * 16);
      for (int r = 0; r < MR; ++r) {
        const __m512i dsum = _mm512_add_epi32(a[r][j], e[r][j]);            // exact
        const __m512 d = _mm512_cvtepi32_ps(_mm512_sub_epi32(dsum, corr));  // undo the +128
        const __m512 sc = _mm512_mul_ps(_mm512_set1_ps(sx[std::size_t(r) * nseg + s]), swv);
        f[r][j] = _mm512_add_ps(f[r][j], rounded_ps(_mm512_mul_ps(d, sc)));
      }
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < 2; ++j) _mm512_storeu_ps(out + std::size_t(r) * ldo + (p + std::size_t(j)) * 16, f[r][j]);
}

template <int BITS>
__attribute__((target(LOWP_TARGET_VNNI))) inline void vnni_fused(const std::uint8_t* xu, std::size_t m,
                                                                 const segmented_b& sb, const float* sx,
                                                                 const float* sw, float* out, std::size_t ldo,
                                                                 std::size_t p0, std::size_t p1) {
  const std::size_t ldx = sb.b.k4, nseg = sb.qbeg.size() - 1;
  for (std::size_t p = p0; p < p1; p += 2) {
    std::size_t r = 0;
    for (; r + 2 <= m; r += 2)
      vnni_fused_tile<2, BITS>(xu + r * ldx, ldx, sb, p, sx + r * nseg, sw, out + r * ldo, ldo);
    for (; r < m; ++r) vnni_fused_tile<1, BITS>(xu + r * ldx, ldx, sb, p, sx + r * nseg, sw, out + r * ldo, ldo);
  }
}

}  // namespace detail
#endif

/// Whether gemm_scaled_s8 has a fused kernel here (AVX-512 VNNI).
inline bool has_fused_gemm();

/// out[r][n] = Σ_s float(D_s[r][n]) · (sx[r·nseg + s] · sw[s·np + n]), segments in order, where
/// D_s = Σ_k x·w over segment s (exact). x holds m rows laid out as sb.b (row stride sb.b.k4, zeros
/// in the segment padding). Only where has_fused_gemm(); out has row stride ldo ≥ np.
inline void gemm_scaled_s8(const std::int8_t* x, std::size_t m, const segmented_b& sb, const float* sx, const float* sw,
                           float* out, std::size_t ldo, std::size_t threads = 1);

/// Whether this CPU has AVX-512 VNNI (besides the AVX-512 level of dispatch.hpp).
inline bool cpu_has_vnni() {
#if LOWP_HAVE_RUNTIME_X86
  static const bool v = cpu_isa() == isa::avx512 && __builtin_cpu_supports("avx512vnni");
  return v;
#else
  return false;
#endif
}

/// The kernel gemm_s8 runs now: "vnni", "avx2" or "scalar" (follows set_max_isa / LOWP_MAX_ISA).
inline const char* gemm_path() {
  const isa a = active_isa();
  if (a == isa::avx512 && cpu_has_vnni()) return "vnni";
  if (a >= isa::avx2) return "avx2";
  return "scalar";
}

inline bool has_fused_gemm() { return gemm_path()[0] == 'v'; }

inline void gemm_scaled_s8(const std::int8_t* x, std::size_t m, const segmented_b& sb, const float* sx, const float* sw,
                           float* out, std::size_t ldo, std::size_t threads) {
#if LOWP_HAVE_RUNTIME_X86
  static thread_local std::vector<std::uint8_t> xu;
  xu.resize(m * sb.b.k4);
  for (std::size_t i = 0; i < xu.size(); ++i) xu[i] = std::uint8_t(std::int32_t(x[i]) + 128);  // u8 = s8 + 128
  const int bits = sb.b.bits;
  const std::uint8_t* xp = xu.data();  // this thread's buffer: the workers must not name the thread_local
  auto run = [=, &sb](std::size_t p0, std::size_t p1) {
    if (bits == 4)
      detail::vnni_fused<4>(xp, m, sb, sx, sw, out, ldo, p0, p1);
    else if (bits == 2)
      detail::vnni_fused<2>(xp, m, sb, sx, sw, out, ldo, p0, p1);
    else
      detail::vnni_fused<8>(xp, m, sb, sx, sw, out, ldo, p0, p1);
  };
  const std::size_t pairs = sb.b.np / 32;
  const std::size_t t = std::max<std::size_t>(1, std::min(threads, pairs));
  if (t == 1) return run(0, sb.b.np / 16);
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < t; ++i) pool.emplace_back(run, 2 * (pairs * i / t), 2 * (pairs * (i + 1) / t));
  run(0, 2 * (pairs / t));
  for (auto& th : pool) th.join();
#else
  (void)x, (void)m, (void)sb, (void)sx, (void)sw, (void)out, (void)ldo, (void)threads;
#endif
}

/// acc[r][n] = Σ_k x[r][k] · w[n][k] for r < m, n < b.np (row stride ldc ≥ b.np); x holds m rows of
/// b.k4 int8 values (zero-padded beyond K). Exact; the same bits on every path and thread count
/// (threads > 1 splits the columns, 32 at a time, over that many std::threads).
inline void gemm_s8(const std::int8_t* x, std::size_t m, const packed_b& b, std::int32_t* acc, std::size_t ldc,
                    std::size_t threads = 1) {
  const char* path = gemm_path();
  (void)path;
  auto run = [&](std::size_t p0, std::size_t p1) {
#if LOWP_HAVE_RUNTIME_X86
    if (path[0] == 'v') return detail::gemm_s8_vnni(x, m, b, acc, ldc, p0, p1);
    if (path[0] == 'a') return detail::gemm_s8_avx2(x, m, b, acc, ldc, p0, p1);
#endif
    detail::gemm_s8_scalar(x, m, b, acc, ldc, p0, p1);
  };
  const std::size_t pairs = b.np / 32;
  const std::size_t t = std::max<std::size_t>(1, std::min(threads, pairs));
  if (t == 1) return run(0, b.np / 16);
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < t; ++i) pool.emplace_back(run, 2 * (pairs * i / t), 2 * (pairs * (i + 1) / t));
  run(0, 2 * (pairs / t));
  for (auto& th : pool) th.join();
}

// ---------------------------------------------------------------------------------------------
// Block-float GEMM (FP8 / FP6 / mixed MX pairs, spec §2): per (row, column) and block, the
// products of the elements (exact in fp32: at most 4 + 7 significand bits) summed in element order,
// then out += s · (sa · sw), block by block in index order. No step depends on the ISA: the
// products being exact, an FMA and a multiply-add round the same; the scaling step is a separate
// multiply and add on every path (no contraction).

/// Weights of the block-float GEMM: element values in panels of 32 columns, each K × 32 floats
/// (column c of the panel at k·32 + c); columns padded with zeros to a multiple of 32.
struct packed_f32 {
  std::size_t n = 0, np = 0, k = 0;
  std::vector<float> data;
  template <class F>
  void pack(std::size_t N, std::size_t K, F&& value) {
    n = N;
    k = K;
    np = (N + 31) / 32 * 32;
    data.assign(np * K, 0.f);
    for (std::size_t c = 0; c < N; ++c) {
      float* p = data.data() + (c / 32) * K * 32 + c % 32;
      for (std::size_t kk = 0; kk < K; ++kk) p[kk * 32] = value(c, kk);
    }
  }
  const float* panel(std::size_t p) const { return data.data() + p * k * 32; }
};

namespace detail {

/// The reference order on any ISA, one row and one 32-column panel at a time.
inline void blocks_f32_generic(const float* a, std::size_t m, std::size_t K, std::size_t B, const float* sa,
                               const packed_f32& w, const float* swt, float* out, std::size_t ldo, std::size_t p0,
                               std::size_t p1) {
  const std::size_t G = (K + B - 1) / B;
  for (std::size_t p = p0; p < p1; ++p) {
    const float* wp = w.panel(p);
    for (std::size_t r = 0; r < m; ++r) {
      float o[32] = {}, s[32];
      for (std::size_t g = 0; g < G; ++g) {
        std::fill(s, s + 32, 0.f);
        for (std::size_t k = g * B; k < std::min(K, g * B + B); ++k) {
          const float av = a[r * K + k];
          for (std::size_t j = 0; j < 32; ++j) s[j] += av * wp[k * 32 + j];  // exact products, element order
        }
        const float sar = sa[r * G + g];
        const float* sw = swt + g * w.np + p * 32;
        float t[32];
        for (std::size_t j = 0; j < 32; ++j) t[j] = s[j] * (sar * sw[j]);
        ::lowp::detail::rounded_in_memory(t, 32);  // the scaling product is rounded before the add (spec §10)
        for (std::size_t j = 0; j < 32; ++j) o[j] += t[j];
      }
      std::copy(o, o + 32, out + r * ldo + p * 32);
    }
  }
}

#if LOWP_HAVE_RUNTIME_X86
/// MR rows × one 32-column panel in registers: the block sums (2·MR vectors) and the output sums
/// (2·MR vectors) stay in registers over all of K.
template <int MR>
__attribute__((target(LOWP_TARGET_AVX512))) inline void blocks_f32_tile(const float* a, std::size_t K, std::size_t B,
                                                                        std::size_t G, const float* sa, const float* wp,
                                                                        const float* swt, std::size_t np, float* out,
                                                                        std::size_t ldo) {
  __m512 o[std::size_t(MR)][2], s[std::size_t(MR)][2];
  for (int r = 0; r < MR; ++r) o[r][0] = o[r][1] = _mm512_setzero_ps();
  for (std::size_t g = 0; g < G; ++g) {
    for (int r = 0; r < MR; ++r) s[r][0] = s[r][1] = _mm512_setzero_ps();
    const std::size_t k1 = std::min(K, g * B + B);
    for (std::size_t k = g * B; k < k1; ++k) {
      const __m512 w0 = _mm512_loadu_ps(wp + k * 32), w1 = _mm512_loadu_ps(wp + k * 32 + 16);
      for (int r = 0; r < MR; ++r) {
        const __m512 av = _mm512_set1_ps(a[std::size_t(r) * K + k]);
        s[r][0] = _mm512_fmadd_ps(av, w0, s[r][0]);  // exact products: the same as multiply, add
        s[r][1] = _mm512_fmadd_ps(av, w1, s[r][1]);
      }
    }
    const __m512 sw0 = _mm512_loadu_ps(swt + g * np), sw1 = _mm512_loadu_ps(swt + g * np + 16);
    for (int r = 0; r < MR; ++r) {
      const __m512 sc = _mm512_set1_ps(sa[std::size_t(r) * G + g]);
      // the scaling step stays a rounded multiply, then an add, as on the generic path
      o[r][0] = _mm512_add_ps(o[r][0], rounded_ps(_mm512_mul_ps(s[r][0], _mm512_mul_ps(sc, sw0))));
      o[r][1] = _mm512_add_ps(o[r][1], rounded_ps(_mm512_mul_ps(s[r][1], _mm512_mul_ps(sc, sw1))));
    }
  }
  for (int r = 0; r < MR; ++r) {
    _mm512_storeu_ps(out + std::size_t(r) * ldo, o[r][0]);
    _mm512_storeu_ps(out + std::size_t(r) * ldo + 16, o[r][1]);
  }
}

__attribute__((target(LOWP_TARGET_AVX512))) inline void blocks_f32_avx512(const float* a, std::size_t m, std::size_t K,
                                                                          std::size_t B, const float* sa,
                                                                          const packed_f32& w, const float* swt,
                                                                          float* out, std::size_t ldo, std::size_t p0,
                                                                          std::size_t p1) {
  const std::size_t G = (K + B - 1) / B;
  for (std::size_t p = p0; p < p1; ++p) {
    const float* wp = w.panel(p);
    const float* sw = swt + p * 32;
    std::size_t r = 0;
    for (; r + 6 <= m; r += 6)
      blocks_f32_tile<6>(a + r * K, K, B, G, sa + r * G, wp, sw, w.np, out + r * ldo + p * 32, ldo);
    const float *ar = a + r * K, *sar = sa + r * G;
    float* orow = out + r * ldo + p * 32;
    switch (m - r) {
      case 5:
        blocks_f32_tile<5>(ar, K, B, G, sar, wp, sw, w.np, orow, ldo);
        break;
      case 4:
        blocks_f32_tile<4>(ar, K, B, G, sar, wp, sw, w.np, orow, ldo);
        break;
      case 3:
        blocks_f32_tile<3>(ar, K, B, G, sar, wp, sw, w.np, orow, ldo);
        break;
      case 2:
        blocks_f32_tile<2>(ar, K, B, G, sar, wp, sw, w.np, orow, ldo);
        break;
      case 1:
        blocks_f32_tile<1>(ar, K, B, G, sar, wp, sw, w.np, orow, ldo);
        break;
      default:
        break;
    }
  }
}
#endif
}  // namespace detail

/// out[r][c] = Σ_g (Σ_{k in block g} a[r][k]·w[c][k]) · (sa[r][g] · swt[g][c]) for r < m, c < w.np,
/// blocks of B elements (the last one may be shorter), in index order; a is m × K row-major, sa is
/// m × G, swt is G × w.np (zero beyond the real columns), out has row stride ldo ≥ w.np. The same
/// bits on every path and thread count (threads > 1 splits the panels).
inline void gemm_blocks_f32(const float* a, std::size_t m, std::size_t K, std::size_t B, const float* sa,
                            const packed_f32& w, const float* swt, float* out, std::size_t ldo,
                            std::size_t threads = 1) {
  auto run = [&](std::size_t p0, std::size_t p1) {
#if LOWP_HAVE_RUNTIME_X86
    if (active_isa() == isa::avx512) return detail::blocks_f32_avx512(a, m, K, B, sa, w, swt, out, ldo, p0, p1);
#endif
    detail::blocks_f32_generic(a, m, K, B, sa, w, swt, out, ldo, p0, p1);
  };
  const std::size_t panels = w.np / 32;
  const std::size_t t = std::max<std::size_t>(1, std::min(threads, panels));
  if (t == 1) return run(0, panels);
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < t; ++i) pool.emplace_back(run, panels * i / t, panels * (i + 1) / t);
  run(0, panels / t);
  for (auto& th : pool) th.join();
}

}  // namespace lowp::simd

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
