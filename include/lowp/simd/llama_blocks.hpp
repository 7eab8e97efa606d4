// lowp/simd/llama_blocks.hpp: the fused q8_0 / q4_0 block quantizers (simd/llama_kernels.inl),
// compiled once per kernel family as simd/convert.hpp compiles the conversion kernels, and
// `simd::llama_blocks<A, Q4>` forwarding to the family of A. quant/gguf.hpp calls it through
// simd::dispatch and keeps the reference path for the scalar level and the blocks listed back.
#pragma once
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lowp/core/fp.hpp"
#include "lowp/simd/convert.hpp"

namespace lowp::simd {

#define LOWP_KERNEL_FILE "lowp/simd/llama_kernels.inl"
#include "lowp/simd/kernel_families.inl"
#undef LOWP_KERNEL_FILE

/// q8_0 (Q4 false) or q4_0 (Q4 true) blocks of x with the kernels of A (an xsimd architecture,
/// rt::avx2 or rt::avx512): see simd/llama_kernels.inl. Returns how many blocks went to special.
template <class A, bool Q4>
std::size_t llama_blocks(const float* x, std::size_t nb, std::uint8_t* y, std::size_t block_bytes, float* d,
                         std::size_t* special) {
#if LOWP_HAVE_RUNTIME_X86
  if constexpr (std::is_same_v<A, rt::avx512>)
    return avx512_kernels::llama_blocks<A, Q4>(x, nb, y, block_bytes, d, special);
  else if constexpr (std::is_same_v<A, rt::avx2>)
    return avx2_kernels::llama_blocks<A, Q4>(x, nb, y, block_bytes, d, special);
  else
#endif
    return generic_kernels::llama_blocks<A, Q4>(x, nb, y, block_bytes, d, special);
}

}  // namespace lowp::simd
