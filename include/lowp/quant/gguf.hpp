// lowp/quant/gguf.hpp: llama.cpp-compatible block schemes q8_0, q4_0, tq1_0 and tq2_0, whose bytes
// equal llama.cpp's reference quantizers (ggml-quants.c quantize_row_*_ref) for the same input.
//
//   auto q = lowp::quantize(W, lowp::q4_0{});        // rows of 18-byte blocks, as llama.cpp stores them
//   std::span<const std::uint8_t> raw = q.raw();     // hand to llama.cpp, or write to a GGUF tensor
//   auto back = lowp::quantized<lowp::q4_0>::from_raw(rows, cols, bytes);   // take from llama.cpp
//   auto view = lowp::quantized<lowp::q4_0>::view(rows, cols, bytes);       // the same, no copy
//   auto pw = lowp::prepack(lowp::as_uniform(q));   // lowp's GEMM kernels on llama.cpp's blocks
//
// Layouts and float expressions (spec §5): d is computed in float32, id = d ? 1.0f / d : 0.0f,
// every element is scaled as x * id with the unrounded d, and only the stored d is rounded to
// float16 (round to nearest even, as GGML_FP32_TO_FP16).
//   q8_0   32 elements, {float16 d; int8 qs[32]}: d = amax / 127, qs[j] = roundf(x[j] * id)
//   q4_0   32 elements, {float16 d; uint8 qs[16]}: m = the element of largest magnitude (the first
//          on ties), d = m / -8, q = min(15, (int8_t)(x * id + 8.5f)); byte j = q[j] | q[j+16] << 4
//   tq2_0  256 elements, {uint8 qs[64]; float16 d}: d = amax, code lroundf(x * id) + 1 in 2 bits;
//          each half of 128 elements fills 32 bytes, byte m holding elements m + 32n at bits 2n
//   tq1_0  256 elements, {uint8 qs[48]; uint8 qh[4]; float16 d}: d = amax, codes t + 1 five to a
//          byte in base 3 (q = c0·81 + c1·27 + c2·9 + c3·3 + c4, stored ⌈q·256/243⌉): qs[0..31]
//          hold elements m + 32n of the first 160, qs[32..47] elements 160 + m + 16n, qh[j] the
//          elements 240 + j + 4n (n < 4) times 3
// Rows must hold a whole number of blocks (llama.cpp's rule): otherwise lowp::error.
// Where llama.cpp's C has no defined result, lowp defines one (spec §5), without changing any byte
// llama.cpp defines: when 1/d overflows float (d below 2^-128) elements are scaled as x / d, and
// every float is clamped to the code range before its integer conversion.
// Scales that do not fit float16 keep llama.cpp's bytes but are counted, never silent: a d beyond
// 65504 is stored as ±Inf (the block decodes to Inf / NaN) and counted by overflowed_scales(); a
// nonzero d below float16's smallest subnormal is stored as 0 (the block decodes to zeros) and
// counted by underflowed_scales(). With on_nonfinite::error, an overflowing scale (like a NaN or
// Inf input) throws lowp::error naming the row, the block and the limit.
#pragma once
#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/core/fp.hpp"
#include "lowp/core/tags.hpp"
#include "lowp/format/convert.hpp"
#include "lowp/format/intn.hpp"
#include "lowp/format/minifloat.hpp"
#include "lowp/format/ternary.hpp"
#include "lowp/pack/packed.hpp"
#include "lowp/quant/granularity.hpp"
#include "lowp/quant/matrix.hpp"
#include "lowp/quant/rows.hpp"
#include "lowp/quant/uniform.hpp"
#include "lowp/simd/dispatch.hpp"
#include "lowp/simd/llama_blocks.hpp"

namespace lowp {

struct q8_0 {
  static constexpr std::size_t d_offset = 0;  // where the float16 d sits in a block
  static constexpr std::size_t block = 32, block_bytes = 34;
  std::string name() const { return "q8_0"; }
};
struct q4_0 {
  static constexpr std::size_t d_offset = 0;  // where the float16 d sits in a block
  static constexpr std::size_t block = 32, block_bytes = 18;
  std::string name() const { return "q4_0"; }
};
struct tq1_0 {
  static constexpr std::size_t d_offset = 52;  // where the float16 d sits in a block
  static constexpr std::size_t block = 256, block_bytes = 54;
  std::string name() const { return "tq1_0"; }
};
struct tq2_0 {
  static constexpr std::size_t d_offset = 64;  // where the float16 d sits in a block
  static constexpr std::size_t block = 256, block_bytes = 66;
  std::string name() const { return "tq2_0"; }
};

namespace detail {

template <class S>
concept gguf_scheme =
    std::is_same_v<S, q8_0> || std::is_same_v<S, q4_0> || std::is_same_v<S, tq1_0> || std::is_same_v<S, tq2_0>;

/// What storing a block's d did: fitted float16, overflowed to ±Inf, or underflowed to 0.
enum class scale_fit : std::uint8_t { ok, overflow, underflow };

/// What rounding d = v to the float16 h did.
inline scale_fit fit_of(float v, float16 h) {
  const unsigned mag = h.bits() & 0x7FFFu;  // 0x7C00: ±Inf; 0: ±0 (IEEE 754 binary16)
  if (mag == 0x7C00u && std::isfinite(v)) return scale_fit::overflow;
  if (mag == 0 && v != 0.f) return scale_fit::underflow;
  return scale_fit::ok;
}
/// h stored little-endian at p, as ggml_fp16_t on x86-64 / AArch64.
inline void store_f16(std::uint8_t* p, float16 h) {
  const std::uint16_t bits = h.bits();
  std::memcpy(p, &bits, 2);
}
/// d rounded to float16 (nearest even, as GGML_FP32_TO_FP16), stored at p.
inline scale_fit put_f16(std::uint8_t* p, float v) {
  const float16 h = convert<float16>(v, rounding::nearest_even{}, overflow::propagate{});
  store_f16(p, h);
  return fit_of(v, h);
}
/// Under on_nonfinite::error, a d beyond float16 is refused, naming the row, the block and the limit.
template <class S>
void refuse_overflow(scale_fit f, on_nonfinite nf, const char* who, std::size_t row, std::size_t block) {
  if (f == scale_fit::overflow && nf == on_nonfinite::error)
    throw error(std::string(who) + ": the " + S{}.name() + " scale d of row " + std::to_string(row) + ", block " +
                std::to_string(block) + " exceeds float16's largest value 65504 (llama.cpp would store Inf)");
}
inline float get_f16(const std::uint8_t* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  return float(float16::from_bits(h));
}
/// Whether d is a subnormal float (0 < |d| < FLT_MIN): then 1/d may overflow (d < 2^-128), where
/// llama.cpp's x · (1/d) is ±Inf or NaN and its integer conversion undefined, and d's own rounding
/// may push |x / d| past the code range. Such blocks take a careful path: x / d, clamped (spec §5.3).
inline bool tiny_scale(float d) { return d != 0.f && std::fabs(d) < FLT_MIN; }

/// A block holding NaN or Inf (its abs_max_bits ≥ 0x7F800000): codes 0 and d = NaN, so the whole
/// block decodes to NaN (spec §8; llama.cpp leaves this case undefined).
template <class S>
bool nonfinite_block(std::uint32_t abs_bits, std::uint8_t* y) {
  if (abs_bits < 0x7F800000u) return false;
  std::memset(y, 0, S::block_bytes);
  put_f16(y + S::d_offset, NAN);
  return true;
}
template <class S>
bool nonfinite_block(const float* x, std::uint8_t* y) {
  return nonfinite_block<S>(abs_max_bits(x, S::block), y);
}
/// ⌈q·256/243⌉ of five (or four, shifted) base-3 digits: the TQ1_0 byte.
inline std::uint8_t tq1_byte(unsigned q) { return std::uint8_t((q * 256 + 242) / 243); }

// q8_0 and q4_0 run a row at a time (quantize_row_bulk): block_values gives a block's d and the
// values its codes round from; the other blocks' quantize_block takes the block's amax (finite:
// abs_max_bits).

/// q8_0 (ggml-quants.c quantize_row_q8_0_ref): d = amax / 127 and v = x · (1/d), whose codes are
/// roundf(v) (ties away); |v| ≤ 127 · (1 + 2^-22). A subnormal d: v = x / d clamped to ±127.
inline float block_values(const float* x, float amax, float* v, q8_0) {
  const float d = amax / 127;
  const float id = d != 0.f ? 1.0f / d : 0.0f;
  if (tiny_scale(d))  // roundf(x / d) clamped to ±127 = roundf of the clamped quotient
    for (std::size_t j = 0; j < 32; ++j) v[j] = std::clamp(x[j] / d, -127.f, 127.f);
  else
    for (std::size_t j = 0; j < 32; ++j) v[j] = x[j] * id;
  return d;
}
/// The signed integer codes of a block in element order (value = code · d, spec §5).
inline void block_codes(const std::uint8_t* y, int* c, q8_0) {
  for (int j = 0; j < 32; ++j) c[j] = std::int8_t(y[2 + j]);
}

/// q4_0 (ggml-quants.c quantize_row_q4_0_ref): d = max / −8, max the first element of largest
/// magnitude with its sign, and v = x · (1/d) + 8.5f, whose codes are min(15, (int8_t)v), i.e. v
/// truncated and saturated to [0, 15]; the product is rounded before + 8.5f, as the C expression
/// reads without contraction (it goes through memory, spec §10); |x · id| ≤ 8 · (1 + 2^-22).
inline float block_values(const float* x, float amax, float* v, q4_0) {
  float max = 0.f;  // +0 for a block of zeros (of either sign)
  if (amax > 0.f) {
    int pos = 0, neg = 0;  // how many elements reach amax with each sign (vectorised sums)
    for (std::size_t j = 0; j < 32; ++j) pos += int(x[j] == amax);
    for (std::size_t j = 0; j < 32; ++j) neg += int(x[j] == -amax);
    max = pos > 0 ? amax : -amax;
    if (pos > 0 && neg > 0)  // both: the first one counts
      for (std::size_t j = 0; j < 32; ++j)
        if (std::fabs(x[j]) == amax) {
          max = x[j];
          break;
        }
  }
  const float d = max / -8;
  const float id = d != 0.f ? 1.0f / d : 0.0f;
  if (tiny_scale(d)) {
    for (std::size_t j = 0; j < 32; ++j) v[j] = std::clamp(x[j] / d, -8.f, 8.f);
  } else {
    for (std::size_t j = 0; j < 32; ++j) v[j] = x[j] * id;
    rounded_in_memory(v, 32);
  }
  for (std::size_t j = 0; j < 32; ++j) v[j] = v[j] + 8.5f;
  return d;
}
inline void block_codes(const std::uint8_t* y, int* c, q4_0) {
  for (int j = 0; j < 16; ++j) {
    c[j] = (y[2 + j] & 0x0F) - 8;
    c[j + 16] = (y[2 + j] >> 4) - 8;
  }
}

/// The ternary codes t + 1 of a block of 256 at scale d = amax: llama.cpp's lroundf(x · id) + 1.
/// |x · id| ≤ 1 + 2^-22 (x / d where 1/d overflowed: |x / d| ≤ 1 exactly), and on that range
/// lroundf (half away from zero) is (v ≥ 0.5) − (v ≤ −0.5), which vectorises.
inline void trit_codes(const float* x, float d, float id, unsigned* c) {
  float v[256];
  if (std::isfinite(id))
    for (std::size_t j = 0; j < 256; ++j) v[j] = x[j] * id;
  else
    for (std::size_t j = 0; j < 256; ++j) v[j] = x[j] / d;
  for (std::size_t j = 0; j < 256; ++j) c[j] = unsigned(1 + int(v[j] >= 0.5f) - int(v[j] <= -0.5f));
}

inline scale_fit quantize_block(const float* x, float amax, std::uint8_t* y, tq2_0) {
  const float d = amax;
  const float id = d != 0.f ? 1.0f / d : 0.0f;
  unsigned c[256];
  trit_codes(x, d, id, c);
  for (std::size_t j = 0; j < 64; j += 32)  // half j/32: elements 128·(j/32) + m + 32n at bits 2n of byte j + m
    for (std::size_t m = 0; m < 32; ++m) {
      unsigned q = 0;
      for (std::size_t n = 0; n < 4; ++n) q += (c[4 * j + m + n * 32] & 3) << (2 * n);
      y[j + m] = std::uint8_t(q);
    }
  return put_f16(y + 64, d);
}
inline void block_codes(const std::uint8_t* y, int* c, tq2_0) {
  for (int j = 0; j < 64; j += 32)
    for (int l = 0; l < 4; ++l)
      for (int m = 0; m < 32; ++m) *c++ = int((y[j + m] >> (2 * l)) & 3) - 1;
}

inline scale_fit quantize_block(const float* x, float amax, std::uint8_t* y, tq1_0) {
  const float d = amax;
  const float id = d != 0.f ? 1.0f / d : 0.0f;
  unsigned c[256];
  trit_codes(x, d, id, c);
  for (std::size_t m = 0; m < 32; ++m) {  // qs[0..31]: elements m + 32n, n = 0..4
    unsigned q = 0;
    for (std::size_t n = 0; n < 5; ++n) q = q * 3 + c[m + n * 32];
    y[m] = tq1_byte(q);
  }
  for (std::size_t m = 0; m < 16; ++m) {  // qs[32..47]: elements 160 + m + 16n
    unsigned q = 0;
    for (std::size_t n = 0; n < 5; ++n) q = q * 3 + c[160 + m + n * 16];
    y[32 + m] = tq1_byte(q);
  }
  for (std::size_t j = 0; j < 4; ++j) {  // qh[j]: elements 240 + j + 4n, shifted to the top trit
    unsigned q = 0;
    for (std::size_t n = 0; n < 4; ++n) q = q * 3 + c[240 + j + n * 4];
    y[48 + j] = tq1_byte(q * 3);
  }
  return put_f16(y + 52, d);
}
inline void block_codes(const std::uint8_t* y, int* c, tq1_0) {
  auto val = [&](std::uint8_t b, int n) {
    const std::uint8_t q = std::uint8_t(b * detail::pow3[n]);  // wraps in 8 bits, as ggml's uint8_t
    return int((unsigned(q) * 3) >> 8) - 1;
  };
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 32; ++m) *c++ = val(y[m], n);
  for (int n = 0; n < 5; ++n)
    for (int m = 0; m < 16; ++m) *c++ = val(y[32 + m], n);
  for (int n = 0; n < 4; ++n)
    for (int j = 0; j < 4; ++j) *c++ = val(y[48 + j], n);
}
/// A block decoded: float(code) · d, d the block's float16 (ggml-quants.c dequantize_row_*).
template <class S>
void dequantize_block(const std::uint8_t* y, float* x, S) {
  int c[S::block];
  block_codes(y, c, S{});
  const float d = get_f16(y + S::d_offset);
  for (std::size_t j = 0; j < S::block; ++j) x[j] = float(c[j]) * d;
}

/// One block of S decoded as llama.cpp does, except that codes of value 0 under d = ±Inf give
/// 0 · Inf as the positive quiet NaN on every CPU (x86 would give its negative default NaN, AArch64
/// the positive one; spec §8).
template <class S>
void decode_block(const std::uint8_t* y, float* x) {
  dequantize_block(y, x, S{});
  if (std::isinf(get_f16(y + S::d_offset)))
    for (std::size_t j = 0; j < S::block; ++j)
      if (std::isnan(x[j])) x[j] = std::numeric_limits<float>::quiet_NaN();
}

/// Quantizes one block (NaN / Inf: the NaN block; the row driver has refused them already under
/// on_nonfinite::error); throws under on_nonfinite::error when d overflows float16, naming the row,
/// the block and the limit.
template <class S>
scale_fit quantize_any_block(const float* x, std::uint8_t* y, on_nonfinite nf, std::size_t row, std::size_t block,
                             const char* who) {
  const std::uint32_t abs_bits = abs_max_bits(x, S::block);
  if (nonfinite_block<S>(abs_bits, y)) return scale_fit::ok;
  const scale_fit f = quantize_block(x, std::bit_cast<float>(abs_bits), y, S{});
  refuse_overflow<S>(f, nf, who, row, block);
  return f;
}

/// A row of cols / S::block blocks quantized into y (block after block), fit(f) called for each
/// block whose scale did not fit float16 (overflow or underflow).
template <class S, class Fit>
void quantize_row(const float* x, std::size_t cols, std::uint8_t* y, on_nonfinite nf, std::size_t row, const char* who,
                  Fit&& fit) {
  for (std::size_t b = 0; b < cols / S::block; ++b) {
    const scale_fit f = quantize_any_block<S>(x + b * S::block, y + b * S::block_bytes, nf, row, b, who);
    if (f != scale_fit::ok) fit(f);
  }
}
/// One q8_0 / q4_0 block by the reference path: block_values, then the codes by lowp::convert
/// (q8_0: float → int8 with ties away from zero, roundf, C17 7.12.9.6; q4_0: float → uint4
/// truncated and saturated) written in llama.cpp's layout at y + 2; returns d (before its float16
/// rounding). A NaN / Inf block: d = NaN, codes 0 (spec §8).
template <class S>
float reference_block(const float* x, std::uint8_t* y) {
  using code = std::conditional_t<std::is_same_v<S, q8_0>, int8, uint4>;
  using round = std::conditional_t<std::is_same_v<S, q8_0>, rounding::nearest_away, rounding::toward_zero>;
  static_assert(sizeof(code) == 1);
  const std::uint32_t abs_bits = abs_max_bits(x, 32);
  if (abs_bits >= 0x7F800000u) {
    std::memset(y + 2, 0, S::block_bytes - 2);  // code 0 in both
    return NAN;
  }
  float v[32];
  const float d = block_values(x, std::bit_cast<float>(abs_bits), v, S{});
  code c[32];
  convert(std::span<const float>(v), std::span<code>(c), round{}, overflow::saturate{});
  if constexpr (std::is_same_v<S, q8_0>) {
    std::memcpy(y + 2, c, 32);
  } else {
    // byte j = code j | code j + 16 << 4, eight bytes per 64-bit word: codes are ≤ 15, so the
    // shift by 4 moves no bit across a byte
    std::uint64_t lo[2], hi[2];
    std::memcpy(lo, c, 16);
    std::memcpy(hi, c + 16, 16);
    lo[0] |= hi[0] << 4;
    lo[1] |= hi[1] << 4;
    std::memcpy(y + 2, lo, 16);
  }
  return d;
}
/// The same for q8_0 and q4_0 a row at a time: the fused SIMD kernel of the dispatched level
/// (simd/llama_blocks.hpp: each block in registers, the same operations), the reference path above
/// for the blocks it lists back and at the scalar level; then every d converted to float16 in one
/// call and written, fit(f) for each block whose scale did not fit.
template <class S, class Fit>
void quantize_row_bulk(const float* x, std::size_t cols, std::uint8_t* y, on_nonfinite nf, std::size_t row,
                       const char* who, Fit&& fit) {
  thread_local std::vector<float> d;
  thread_local std::vector<float16> h;
  thread_local std::vector<std::size_t> special;
  const std::size_t nb = cols / 32;
  d.resize(nb);
  h.resize(nb);
  special.resize(nb);
  simd::dispatch([&]<class A>() {
    if constexpr (std::is_same_v<A, simd::scalar_path>) {
      for (std::size_t b = 0; b < nb; ++b) d[b] = reference_block<S>(x + b * 32, y + b * S::block_bytes);
    } else {
      const std::size_t ns =
          simd::llama_blocks<A, std::is_same_v<S, q4_0>>(x, nb, y, S::block_bytes, d.data(), special.data());
      for (std::size_t i = 0; i < ns; ++i)
        d[special[i]] = reference_block<S>(x + special[i] * 32, y + special[i] * S::block_bytes);
    }
  });
  convert(std::span<const float>(d), std::span<float16>(h), rounding::nearest_even{}, overflow::propagate{});
  for (std::size_t b = 0; b < nb; ++b) {
    store_f16(y + b * S::block_bytes, h[b]);
    const scale_fit f = fit_of(d[b], h[b]);
    if (f == scale_fit::ok) continue;
    refuse_overflow<S>(f, nf, who, row, b);
    fit(f);
  }
}
template <class S, class Fit>
void quantize_row_any(const float* x, std::size_t cols, std::uint8_t* y, on_nonfinite nf, std::size_t row,
                      const char* who, Fit&& fit) {
  if constexpr (std::is_same_v<S, q8_0> || std::is_same_v<S, q4_0>)
    quantize_row_bulk<S>(x, cols, y, nf, row, who, fit);
  else
    quantize_row<S>(x, cols, y, nf, row, who, fit);
}

/// ggml-quants.c nearest_int: round half to even through the bias 1.5 · 2^23 (|f| < 2^22).
inline int ggml_nearest_int(float f) {
  const float v = rounded(f + 12582912.f);
  return int(std::bit_cast<std::int32_t>(v) & 0x007fffff) - 0x00400000;
}
/// ggml-quants.c make_qx_quants(n, nmax, x, L, rmse_type = 1, qw): codes L = l + nmax, l in
/// [−nmax, nmax − 1], for the inverse scale among −(nmax + 0.1·is) / max, is = 0, −9..9, that
/// maximises (Σ w x l)² / Σ w l² (the least weighted squared error for its codes); returns the scale
/// Σ w x l / Σ w l². Every product rounded before the sum it enters (no contraction, spec §10).
inline float make_qx_quants(int n, int nmax, const float* x, std::int8_t* L, const float* w) {
  float max = 0.f, amax = 0.f;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  if (amax < 1e-15f) {  // GROUP_MAX_EPS: all zero
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  auto sums = [&](float iscale, float& slx, float& sl2, bool store) {
    slx = sl2 = 0.f;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(ggml_nearest_int(rounded(iscale * x[i])), -nmax, nmax - 1);
      if (store) L[i] = std::int8_t(l + nmax);
      slx = slx + rounded(rounded(w[i] * x[i]) * float(l));      // w*x[i]*l
      sl2 = sl2 + rounded(rounded(w[i] * float(l)) * float(l));  // w*l*l
    }
  };
  float sumlx, suml2;
  sums(float(-nmax) / max, sumlx, suml2, true);
  float scale = suml2 != 0.f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    const float iscale = -(float(nmax) + rounded(0.1f * float(is))) / max;
    sums(iscale, sumlx, suml2, false);
    if (suml2 > 0.f && rounded(sumlx * sumlx) > rounded(best * suml2)) {
      sums(iscale, sumlx, suml2, true);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}
/// One q4_0 block under importance weights (ggml-quants.c quantize_row_q4_0_impl): element weights
/// qw · √(σ² + x²), σ² the row's mean square, then make_qx_quants with nmax = 8.
inline scale_fit quantize_block_weighted(const float* x, const float* qw, float sigma2, std::uint8_t* y, q4_0) {
  float weight[32];
  std::int8_t L[32];
  for (int j = 0; j < 32; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + rounded(x[j] * x[j]));
  const float d = make_qx_quants(32, 8, x, L, weight);
  for (int j = 0; j < 16; ++j) y[2 + j] = std::uint8_t(L[j] | (L[j + 16] << 4));
  return put_f16(y, d);
}

}  // namespace detail

/// A matrix in a llama.cpp block format: each row is cols / S::block blocks of S::block_bytes bytes.
template <class S>
requires detail::gguf_scheme<S>
class quantized<S> {
 public:
  using scheme_type = S;
  quantized() = default;
  quantized(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols) {
    check(rows, cols);
    bytes_.assign(rows * row_bytes(), 0);
  }
  /// Wraps llama.cpp bytes (rows × cols / S::block blocks); throws if the size does not match.
  static quantized from_raw(std::size_t rows, std::size_t cols, std::span<const std::uint8_t> bytes) {
    quantized q(rows, cols);
    if (bytes.size() != q.bytes_.size())
      throw error(S{}.name() + ": " + std::to_string(rows) + " x " + std::to_string(cols) + " needs " +
                  std::to_string(q.bytes_.size()) + " bytes, got " + std::to_string(bytes.size()));
    std::memcpy(q.bytes_.data(), bytes.data(), bytes.size());
    for (std::size_t b = 0; b < rows * (cols / S::block); ++b)  // d = ±Inf: an overflowed scale
      q.overflowed_ += std::isinf(detail::get_f16(q.bytes_.data() + b * S::block_bytes + S::d_offset));
    return q;
  }
  /// A view of llama.cpp blocks held elsewhere (a memory-mapped GGUF tensor, io/gguf.hpp): no copy.
  /// The bytes must outlive the view and its copies; a view is read-only (quantize writes only
  /// objects that own their bytes).
  static quantized view(std::size_t rows, std::size_t cols, std::span<const std::uint8_t> bytes) {
    check(rows, cols);
    quantized q;
    q.rows_ = rows;
    q.cols_ = cols;
    if (bytes.size() != rows * q.row_bytes())
      throw error(S{}.name() + ": " + std::to_string(rows) + " x " + std::to_string(cols) + " needs " +
                  std::to_string(rows * q.row_bytes()) + " bytes, got " + std::to_string(bytes.size()));
    q.view_ = bytes;
    q.is_view_ = true;
    q.overflowed_ = not_counted;  // counted when asked: a view does not read its blocks up front
    return q;
  }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  S scheme() const { return S{}; }
  std::size_t row_bytes() const { return cols_ / S::block * S::block_bytes; }
  std::size_t bytes() const { return raw().size(); }
  double bits_per_value() const { return 8.0 * double(bytes()) / double(rows_ * cols_); }
  /// The blocks, row after row, exactly as llama.cpp lays them out.
  std::span<const std::uint8_t> raw() const { return is_view_ ? view_ : std::span<const std::uint8_t>(bytes_); }
  /// Whether the object views bytes it does not own (quantized::view).
  bool is_view() const { return is_view_; }
  /// Blocks whose d exceeded float16's 65504 and is stored as ±Inf, as llama.cpp stores it (the
  /// block decodes to Inf / NaN); 0 for every matrix whose scales fit. (from_raw, view: blocks whose d is ±Inf.)
  std::size_t overflowed_scales() const {
    if (overflowed_ == not_counted) {
      std::size_t n = 0;
      for (std::size_t b = 0; b < rows_ * (cols_ / S::block); ++b)
        n += std::isinf(detail::get_f16(raw().data() + b * S::block_bytes + S::d_offset));
      return n;
    }
    return overflowed_;
  }
  /// Blocks whose nonzero d fell below float16's smallest subnormal and is stored as 0 (the block
  /// decodes to zeros, as in llama.cpp).
  std::size_t underflowed_scales() const { return underflowed_; }
  /// Records what storing one block's d did (quantize calls it).
  void count(detail::scale_fit f) {
    overflowed_ += f == detail::scale_fit::overflow;
    underflowed_ += f == detail::scale_fit::underflow;
  }
  std::uint8_t* row_data(std::size_t r) {
    if (is_view_) throw error(S{}.name() + ": a view of another object's bytes is read-only");
    return bytes_.data() + r * row_bytes();
  }
  const std::uint8_t* row_data(std::size_t r) const { return raw().data() + r * row_bytes(); }

  static void check(std::size_t rows, std::size_t cols) {
    detail::check_row_blocks(S{}.name(), rows, cols, S::block, "block size", detail::block_fit::must_divide);
  }

 private:
  static constexpr std::size_t not_counted = std::size_t(-1);
  std::size_t rows_ = 0, cols_ = 0;
  std::vector<std::uint8_t> bytes_;
  std::span<const std::uint8_t> view_;
  bool is_view_ = false;
  std::size_t overflowed_ = 0, underflowed_ = 0;
};

/// Quantizes with a llama.cpp block scheme (bytes equal to llama.cpp's reference quantizer).
// (NotDeduced: the explicit arguments of quantize<T, ScaleT>(...) for the uniform overload land in
// the pack, never in Derived, which clang would instantiate as Eigen::MatrixBase<ScaleT>.)
template <class S, class... NotDeduced, class Derived>
requires detail::gguf_scheme<S> quantized<S> quantize(const Eigen::MatrixBase<Derived>& m, const S&,
                                                      on_nonfinite nf = on_nonfinite::nan_group) {
  const detail::float_rows x(m);
  quantized<S> q(x.rows(), x.cols());
  detail::for_each_row(x, S::block, "block size", detail::block_fit::must_divide, nf == on_nonfinite::error, "quantize",
                       [&](std::size_t r, const float* row) {
                         detail::quantize_row_any<S>(row, x.cols(), q.row_data(r), nf, r, "quantize",
                                                     [&](detail::scale_fit f) { q.count(f); });
                       });
  return q;
}

/// Q4_0 under a llama.cpp importance matrix (imatrix): the bytes of llama.cpp's quantize_q4_0 with
/// quant_weights (ggml-quants.c quantize_row_q4_0_impl), which minimises the importance-weighted
/// squared error of each block over 19 candidate scales instead of taking max / −8.
/// `importance`: one value per column, or k · cols for k experts stacked in the rows (rows % k == 0);
/// finite and ≥ 0. Empty: the unweighted reference quantizer (quantize(m, q4_0{})).
// (NotDeduced: see quantize above — an explicit quantize<T>(...) must not land in Derived.)
template <class... NotDeduced, class Derived>
quantized<q4_0> quantize(const Eigen::MatrixBase<Derived>& m, const q4_0& s, std::span<const float> importance,
                         on_nonfinite nf = on_nonfinite::nan_group) {
  if (importance.empty()) return quantize(m, s, nf);
  const detail::float_rows x(m);
  const std::size_t cols = x.cols(), rows = x.rows();
  if (cols == 0 || importance.size() % cols != 0 || rows % (importance.size() / cols) != 0)
    throw error("quantize: q4_0 importance has " + std::to_string(importance.size()) + " values for " +
                std::to_string(rows) + " x " + std::to_string(cols) + " (one per column, or k per column for k " +
                "experts stacked in the rows)");
  for (std::size_t i = 0; i < importance.size(); ++i)
    if (!std::isfinite(importance[i]) || importance[i] < 0.f)
      throw error("quantize: q4_0 importance " + std::to_string(i) + " is " + detail::number(double(importance[i])) +
                  "; importance must be finite and >= 0");
  const std::size_t per = rows / (importance.size() / cols);
  quantized<q4_0> q(rows, cols);
  detail::for_each_row(x, 32, "block size", detail::block_fit::must_divide, nf == on_nonfinite::error, "quantize",
                       [&](std::size_t r, const float* row) {
                         const float* qw = importance.data() + (r / per) * cols;
                         float sum_x2 = 0.f;
                         for (std::size_t j = 0; j < cols; ++j) sum_x2 = sum_x2 + detail::rounded(row[j] * row[j]);
                         const float sigma2 = sum_x2 / float(cols);
                         for (std::size_t b = 0; b < cols / 32; ++b) {
                           std::uint8_t* y = q.row_data(r) + b * 18;
                           if (detail::nonfinite_block<q4_0>(row + b * 32, y)) continue;
                           const auto f = detail::quantize_block_weighted(row + b * 32, qw + b * 32, sigma2, y, q4_0{});
                           if (f == detail::scale_fit::overflow && nf == on_nonfinite::error)
                             throw error("quantize: the q4_0 scale d of row " + std::to_string(r) + ", block " +
                                         std::to_string(b) + " exceeds float16's largest value 65504");
                           q.count(f);
                         }
                       });
  return q;
}

namespace detail {
template <class S>
requires gguf_scheme<S>
struct row_decoder<S> {
  const quantized<S>& q;
  explicit row_decoder(const quantized<S>& qq) : q(qq) {}
  void operator()(std::size_t r, float* out) const {
    for (std::size_t b = 0; b < q.cols() / S::block; ++b)
      decode_block<S>(q.row_data(r) + b * S::block_bytes, out + b * S::block);
  }
};

template <class S>
struct uniform_of;  // the uniform scheme with the same values as a llama.cpp scheme
template <>
struct uniform_of<q8_0> {
  using type = uniform<int8, float16>;
};
template <>
struct uniform_of<q4_0> {
  using type = uniform<int4, float16>;
};
template <>
struct uniform_of<tq1_0> {
  using type = uniform<trit, float16>;
};
template <>
struct uniform_of<tq2_0> {
  using type = uniform<trit, float16>;
};
}  // namespace detail

/// The same values in lowp's uniform scheme, so lowp's kernels (prepack, matmul) take llama.cpp
/// blocks: q8_0 → int8 codes, q4_0 → int4 codes q − 8, tq1_0 / tq2_0 → trits, each block's float16
/// d the scale of its group (per_group{32} or {256}, symmetric). dequantize(as_uniform(q)) ==
/// dequantize(q) element for element (both compute float(code) · d).
template <class S>
requires detail::gguf_scheme<S> quantized<typename detail::uniform_of<S>::type> as_uniform(const quantized<S>& q) {
  using U = typename detail::uniform_of<S>::type;
  using T = typename U::element_type;
  quantized<U> u(q.rows(), q.cols(), U(per_group{S::block}));
  const std::size_t blocks = q.cols() / S::block;
  std::vector<std::uint8_t> codes(q.cols());
  int c[S::block];
  for (std::size_t r = 0; r < q.rows(); ++r) {
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::uint8_t* blk = q.row_data(r) + b * S::block_bytes;
      detail::block_codes(blk, c, S{});
      for (std::size_t j = 0; j < S::block; ++j) codes[b * S::block + j] = std::uint8_t(T(c[j]).bits());
      std::uint16_t h;
      std::memcpy(&h, blk + S::d_offset, 2);
      u.scales()[r * blocks + b] = float16::from_bits(h);
    }
    if constexpr (detail::sub_byte<T>)
      detail::pack_codes_bulk<T>(codes.data(), q.cols(), u.row_codes(r));
    else
      std::memcpy(u.row_codes(r), codes.data(), q.cols());
  }
  return u;
}

template <class S, class... NotDeduced, class Derived>  // NotDeduced: see quantize above
requires detail::gguf_scheme<S> matrix<float> fake_quantize(const Eigen::MatrixBase<Derived>& m, const S&,
                                                            on_nonfinite nf = on_nonfinite::nan_group) {
  const detail::float_rows x(m);
  quantized<S>::check(x.rows(), x.cols());
  matrix<float> out = detail::fresh_matrix(x.rows(), x.cols());
  std::vector<std::uint8_t> blocks(x.cols() / S::block * S::block_bytes);
  detail::for_each_row(
      x, S::block, "block size", detail::block_fit::must_divide, nf == on_nonfinite::error, "fake_quantize",
      [&](std::size_t r, const float* row) {
        detail::quantize_row_any<S>(row, x.cols(), blocks.data(), nf, r, "fake_quantize", [](detail::scale_fit) {});
        for (std::size_t b = 0; b < x.cols() / S::block; ++b)
          detail::decode_block<S>(blocks.data() + b * S::block_bytes, out.data() + r * x.cols() + b * S::block);
      });
  return out;
}

}  // namespace lowp
