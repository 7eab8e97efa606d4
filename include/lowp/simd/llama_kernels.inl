// lowp/simd/llama_kernels.inl: llama.cpp's q8_0 and q4_0 block quantizers as one fused pass per
// block, written once over an ISA `A` (simd::ops<A>, as simd/convert_kernels.inl, whose helpers it
// uses). Not a header of its own: simd/llama_blocks.hpp includes it once per kernel family, in the
// namespace and with the function attributes of that family (LOWP_KERNEL, LOWP_KERNEL_INLINE).
//
// A block of 32 floats stays in registers: amax from the magnitudes' bit patterns (their integer
// order is the order of the magnitudes; NaN / Inf patterns are the largest), the scale d and 1/d as
// scalars, then the codes. The arithmetic is ggml-quants.c's, operation by operation (spec §5):
//   q8_0  d = amax / 127, codes roundf(x · (1/d)) (half away from zero, C17 7.12.9.6)
//   q4_0  d = max / −8 (max: the first element of largest magnitude, with its sign), codes
//         min(15, (int8_t)(x · (1/d) + 8.5f)), the product rounded before the addition
// Blocks this pass does not take (NaN / Inf, a subnormal d, whose 1/d may overflow) are listed for
// the caller's reference path (quant/gguf.hpp), with their d and bytes left unwritten.

/// q8_0 (Q4 false) or q4_0 (Q4 true) blocks b < nb of x: codes written at y + b · block_bytes + 2,
/// d[b] the block's scale (before its float16 rounding); the blocks left to the caller go to
/// special[0..count), count returned. Blocks go in chunks of 16 (2 KiB of floats, in L1) and in
/// three passes over a chunk, so that the divisions of different blocks overlap: amax, then the
/// scales, then the codes.
template <class A, bool Q4>
LOWP_KERNEL std::size_t llama_blocks(const float* x, std::size_t nb, std::uint8_t* y, std::size_t block_bytes, float* d,
                                     std::size_t* special) {
  constexpr std::size_t w = i32<A>::size, nv = 32 / w, chunk = 16, ahead = 32;
  static_assert(32 % w == 0);
  std::size_t count = 0;
  for (std::size_t b0 = 0; b0 < nb; b0 += chunk) {
    const std::size_t n = nb - b0 < chunk ? nb - b0 : chunk;
    std::int32_t amax_bits[chunk];
    float da[chunk], ia[chunk];
    for (std::size_t j = 0; j < n; ++j) {  // the largest magnitude's pattern (NaN / Inf: ≥ 0x7F800000)
      const float* xb = x + (b0 + j) * 32;
      i32<A> m = as_int<A>(f32<A>::load_unaligned(xb)) & splat<A>(0x7FFFFFFF);
#pragma GCC unroll 8
      for (std::size_t k = 1; k < nv; ++k)
        m = ops<A>::max(m, as_int<A>(f32<A>::load_unaligned(xb + k * w)) & splat<A>(0x7FFFFFFF));
      amax_bits[j] = ops<A>::reduce_max(m);
    }
    for (std::size_t j = 0; j < n; ++j) {
      // q8_0: d = amax / 127 (ggml-quants.c quantize_row_q8_0_ref); q4_0: |d| = amax / 8, the sign
      // chosen below (quantize_row_q4_0_ref's d = max / −8; 1/(−a) = −(1/a) in IEEE arithmetic)
      const float a = std::bit_cast<float>(amax_bits[j]);
      da[j] = Q4 ? a / 8 : a / 127;
      ia[j] = da[j] != 0.f ? 1.0f / da[j] : 0.0f;
    }
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t b = b0 + j;
      // NaN / Inf (spec §8), or a subnormal d whose 1/d may overflow (spec §5.3): the caller's path
      if (amax_bits[j] >= 0x7F800000 || (da[j] != 0.f && da[j] < FLT_MIN)) {
        special[count++] = b;
        continue;
      }
      const float* xb = x + b * 32;
      // the 128 bytes of the block `ahead` blocks on (4 KiB), fetched while this chunk computes: the
      // memory streams during the arithmetic instead of after it
      if (b + ahead < nb) {
        __builtin_prefetch(xb + ahead * 32);
        __builtin_prefetch(xb + ahead * 32 + 16);
      }
      f32<A> v[nv];
#pragma GCC unroll 8
      for (std::size_t k = 0; k < nv; ++k) v[k] = f32<A>::load_unaligned(xb + k * w);
      float id = ia[j];
      d[b] = da[j];
      if constexpr (Q4) {
        // max: the first element reaching amax, with its sign (+0 for a block of zeros, d = −0)
        const i32<A> pa = splat<A>(amax_bits[j]), na = splat<A>(std::int64_t(amax_bits[j]) | 0x80000000);
        b32<A> pos = as_int<A>(v[0]) == pa, neg = as_int<A>(v[0]) == na;
#pragma GCC unroll 8
        for (std::size_t k = 1; k < nv; ++k) {
          pos = pos || (as_int<A>(v[k]) == pa);
          neg = neg || (as_int<A>(v[k]) == na);
        }
        // both tests evaluated, so that the one branch below is the rare case (no coin-toss branch)
        const bool zero = amax_bits[j] == 0;  // +0 as max, whatever the zeros' signs (d = +0 / −8 = −0)
        bool positive = ops<A>::any(pos) | zero;
        if (positive & ops<A>::any(neg) & !zero)  // both signs reach amax: the first one counts
          for (std::size_t i = 0; i < 32; ++i)
            if (std::bit_cast<std::int32_t>(std::fabs(xb[i])) == amax_bits[j]) {
              positive = !std::signbit(xb[i]);
              break;
            }
        // d = max / −8: negative when max is positive (the sign bit set without a branch, whose
        // outcome is a coin toss on real weights)
        const std::uint32_t flip = std::uint32_t(positive) << 31;
        d[b] = std::bit_cast<float>(std::bit_cast<std::uint32_t>(da[j]) ^ flip);
        id = std::bit_cast<float>(std::bit_cast<std::uint32_t>(id) ^ flip);
      }
      f32<A> p[nv];  // the products x · (1/d), each rounded before what follows (spec §10)
#pragma GCC unroll 8
      for (std::size_t k = 0; k < nv; ++k) p[k] = ops<A>::rounded(v[k] * f32<A>(id));
      std::uint8_t* yb = y + b * block_bytes + 2;
      if constexpr (Q4) {
        // codes min(15, (int8_t)(x · id + 8.5f)): |x · id| ≤ 8 · (1 + 2^-22), so the sum is > 0 and
        // the conversion truncates it
        i32<A> c[nv];
#pragma GCC unroll 8
        for (std::size_t k = 0; k < nv; ++k) c[k] = ops<A>::min(ops<A>::to_int(p[k] + f32<A>(8.5f)), splat<A>(15));
#pragma GCC unroll 8
        for (std::size_t k = 0; k < nv / 2; ++k)  // byte j: code j | code j + 16 << 4
          ops<A>::store_narrow(c[k] | (c[k + nv / 2] << 4), yb + k * w);
      } else {
        // codes roundf(x · id), half away from zero (C17 7.12.9.6): |x · id| ≤ 127 · (1 + 2^-22),
        // so t = trunc(x · id) is in the int8 range and the fraction x · id − t is exact; t moves one
        // step away from zero when |fraction| ≥ 0.5
#pragma GCC unroll 8
        for (std::size_t k = 0; k < nv; ++k) {
          const f32<A> q = p[k];
          const i32<A> t = ops<A>::to_int(q);
          const i32<A> frac = as_int<A>(q - ops<A>::to_float(t)) & splat<A>(0x7FFFFFFF);
          const i32<A> step = sel<A>(as_int<A>(q) < splat<A>(0), splat<A>(-1), splat<A>(1));
          const i32<A> code = sel<A>(frac > splat<A>(0x3EFFFFFF), t + step, t);
          ops<A>::store_narrow(code & splat<A>(0xFF), yb + k * w);  // the code's two's-complement byte
        }
      }
    }
  }
  return count;
}
