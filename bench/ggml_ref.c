/* bench/ggml_ref.c: the peer of the llama.cpp block quantizers: ggml's plain C reference code for
 * q8_0, q4_0 and tq2_0 (ggml-quants.c quantize_row_*_ref and dequantize_row_*), transcribed, with
 * ggml's float16 conversion (F16C when the CPU has it, as ggml-impl.h), compiled -O3 -march=native
 * like the rest of bench/. It writes the same bytes as lowp (tests/quant/quant_test.cpp compares
 * lowp to the same transcription); the benchmark reports lowp's speed as a ratio to it. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__F16C__)
#include <immintrin.h>
#endif

static inline uint16_t fp32_to_fp16(float f) {
#if defined(__F16C__)
  return (uint16_t)_cvtss_sh(f, 0);
#else
  const float scale_to_inf = 0x1.0p+112f, scale_to_zero = 0x1.0p-110f;
  float base = (fabsf(f) * scale_to_inf) * scale_to_zero;
  uint32_t w, bits;
  memcpy(&w, &f, 4);
  const uint32_t shl1_w = w + w, sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  const uint32_t b = (bias >> 1) + 0x07800000u;
  float fb;
  memcpy(&fb, &b, 4);
  base = fb + base;
  memcpy(&bits, &base, 4);
  const uint32_t nonsign = ((bits >> 13) & 0x00007C00u) + (bits & 0x00000FFFu);
  return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
#endif
}
static inline float fp16_to_fp32(uint16_t h) {
#if defined(__F16C__)
  return _cvtsh_ss(h);
#else
  const uint32_t w = (uint32_t)h << 16, sign = w & 0x80000000u, two_w = w + w;
  uint32_t e = (two_w >> 4) + (0xE0u << 23), m = (two_w >> 17) | (126u << 23), r;
  float fe, fm;
  memcpy(&fe, &e, 4);
  memcpy(&fm, &m, 4);
  fe *= 0x1.0p-112f;
  fm -= 0.5f;
  const float v = two_w < (1u << 27) ? fm : fe;
  memcpy(&r, &v, 4);
  r |= sign;
  float out;
  memcpy(&out, &r, 4);
  return out;
#endif
}

typedef struct {
  uint16_t d;
  int8_t qs[32];
} block_q8_0;
typedef struct {
  uint16_t d;
  uint8_t qs[16];
} block_q4_0;
typedef struct {
  uint8_t qs[64];
  uint16_t d;
} block_tq2_0;

void ggml_ref_quantize_q8_0(const float* x, void* vy, int64_t k) {
  block_q8_0* y = (block_q8_0*)vy;
  for (int64_t i = 0; i < k / 32; i++) {
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[i * 32 + j]));
    const float d = amax / 127, id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < 32; ++j) y[i].qs[j] = (int8_t)roundf(x[i * 32 + j] * id);
  }
}
void ggml_ref_dequantize_q8_0(const void* vx, float* y, int64_t k) {
  const block_q8_0* x = (const block_q8_0*)vx;
  for (int64_t i = 0; i < k / 32; i++) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < 32; ++j) y[i * 32 + j] = x[i].qs[j] * d;
  }
}
void ggml_ref_quantize_q4_0(const float* x, void* vy, int64_t k) {
  block_q4_0* y = (block_q4_0*)vy;
  for (int64_t i = 0; i < k / 32; i++) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 32; j++) {
      const float v = x[i * 32 + j];
      if (amax < fabsf(v)) {
        amax = fabsf(v);
        max = v;
      }
    }
    const float d = max / -8, id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < 16; ++j) {
      const float x0 = x[i * 32 + j] * id, x1 = x[i * 32 + 16 + j] * id;
      const uint8_t xi0 = (uint8_t)(int8_t)(x0 + 8.5f) < 15 ? (uint8_t)(int8_t)(x0 + 8.5f) : 15;
      const uint8_t xi1 = (uint8_t)(int8_t)(x1 + 8.5f) < 15 ? (uint8_t)(int8_t)(x1 + 8.5f) : 15;
      y[i].qs[j] = (uint8_t)(xi0 | (xi1 << 4));
    }
  }
}
void ggml_ref_dequantize_q4_0(const void* vx, float* y, int64_t k) {
  const block_q4_0* x = (const block_q4_0*)vx;
  for (int64_t i = 0; i < k / 32; i++) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < 16; ++j) {
      y[i * 32 + j] = ((x[i].qs[j] & 0x0F) - 8) * d;
      y[i * 32 + j + 16] = ((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}
void ggml_ref_quantize_tq2_0(const float* x, void* vy, int64_t k) {
  block_tq2_0* y = (block_tq2_0*)vy;
  for (int64_t i = 0; i < k / 256; i++) {
    float amax = 0.0f;
    for (int j = 0; j < 256; j++) amax = fmaxf(amax, fabsf(x[j]));
    const float d = amax, id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < 64; j += 32)
      for (int m = 0; m < 32; ++m) {
        uint8_t q = 0;
        for (int n = 0; n < 4; ++n) {
          const int xi = (int)lroundf(x[m + n * 32] * id) + 1;
          q += (uint8_t)((xi & 3) << (2 * n));
        }
        y[i].qs[j + m] = q;
      }
    x += 256;
  }
}
void ggml_ref_dequantize_tq2_0(const void* vx, float* y, int64_t k) {
  const block_tq2_0* x = (const block_tq2_0*)vx;
  for (int64_t i = 0; i < k / 256; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < 64; j += 32)
      for (int l = 0; l < 4; ++l)
        for (int m = 0; m < 32; ++m) {
          const int8_t q = (int8_t)((x[i].qs[j + m] >> (l * 2)) & 3);
          *y++ = (float)(q - 1) * d;
        }
  }
}
