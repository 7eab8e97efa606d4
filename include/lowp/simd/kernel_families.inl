// lowp/simd/kernel_families.inl: compiles the kernel file named by LOWP_KERNEL_FILE once per kernel
// family, each in its own namespace of lowp::simd with its own function attributes (included inside
// namespace lowp::simd by simd/convert.hpp and simd/llama_blocks.hpp):
//   generic_kernels  xsimd's architectures (the translation unit's flags)
//   avx2_kernels     the run-time path rt::avx2, target("avx2,...")      (x86 only)
//   avx512_kernels   the run-time path rt::avx512, target("avx512f,...") (x86 only)
// so that no inline function is shared between code compiled for different ISAs (docs/building.md
// §3.1, §3.4). g++ 12 reports the self-initialised `_mm512_undefined_epi32()` inside inlined AVX-512
// intrinsics as (maybe-)uninitialised (a false positive, GCC PR 105593). The per-vector helpers
// (LOWP_KERNEL_INLINE) are always inlined, in every family.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
namespace generic_kernels {
#define LOWP_KERNEL inline
#define LOWP_KERNEL_INLINE inline __attribute__((always_inline))
#include LOWP_KERNEL_FILE
#undef LOWP_KERNEL
#undef LOWP_KERNEL_INLINE
}  // namespace generic_kernels

#if LOWP_HAVE_RUNTIME_X86
namespace avx2_kernels {
#define LOWP_KERNEL inline __attribute__((target(LOWP_TARGET_AVX2)))
#define LOWP_KERNEL_INLINE inline __attribute__((target(LOWP_TARGET_AVX2), always_inline))
#include LOWP_KERNEL_FILE
#undef LOWP_KERNEL
#undef LOWP_KERNEL_INLINE
}  // namespace avx2_kernels

namespace avx512_kernels {
#define LOWP_KERNEL inline __attribute__((target(LOWP_TARGET_AVX512)))
#define LOWP_KERNEL_INLINE inline __attribute__((target(LOWP_TARGET_AVX512), always_inline))
#include LOWP_KERNEL_FILE
#undef LOWP_KERNEL
#undef LOWP_KERNEL_INLINE
}  // namespace avx512_kernels
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
