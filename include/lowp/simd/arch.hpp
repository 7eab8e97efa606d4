// lowp/simd/arch.hpp: the ISA abstraction of lowp's kernels.
//
// Kernels are templates over an xsimd architecture type `A` (xsimd::sse2, sse4_2, avx2, avx512bw),
// written once. `lowp::simd::default_arch` is the widest ISA the translation unit's flags enable
// (xsimd::default_arch: -march=x86-64 → sse2, x86-64-v3 → avx2, x86-64-v4 or native → avx512bw).
// xsimd 8.1 has no fast narrowing store or widening byte load, so those two operations are raw
// intrinsics here, one overload per ISA, chosen by the architecture's class hierarchy
// (TOOLCHAIN.md: "narrowing stores truncate"; intrinsics only where xsimd has no operation).
#pragma once
#include <cassert>  // xsimd_arch.hpp uses assert without including it (TOOLCHAIN.md)
#include <cstdint>
#include <cstring>
#include <xsimd/xsimd.hpp>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace lowp::simd {

using default_arch = xsimd::default_arch;

template <class A>
using i32 = xsimd::batch<std::int32_t, A>;
template <class A>
using f32 = xsimd::batch<float, A>;

namespace detail {

// Generic fallbacks: through a small array (correct on every ISA; the compiler vectorises them).
template <class A, class C>
inline i32<A> load_widen(const C* p, xsimd::generic) {
  alignas(64) std::int32_t tmp[i32<A>::size];
  for (std::size_t i = 0; i < i32<A>::size; ++i) tmp[i] = std::int32_t(p[i]);
  return i32<A>::load_aligned(tmp);
}
template <class A, class C>
inline void store_narrow(const i32<A>& v, C* p, xsimd::generic) {
  alignas(64) std::int32_t tmp[i32<A>::size];
  v.store_aligned(tmp);
  for (std::size_t i = 0; i < i32<A>::size; ++i) p[i] = C(tmp[i]);
}

#if defined(__SSE2__)
template <class A>
inline i32<A> load_widen(const std::uint8_t* p, xsimd::sse2) {
  std::int32_t w;
  std::memcpy(&w, p, 4);
  const __m128i z = _mm_setzero_si128();
  return _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(w), z), z);
}
template <class A>
inline void store_narrow(const i32<A>& v, std::uint8_t* p, xsimd::sse2) {  // lanes hold 0..255
  const __m128i b = _mm_packus_epi16(_mm_packs_epi32(v, v), _mm_setzero_si128());
  const std::int32_t w = _mm_cvtsi128_si32(b);
  std::memcpy(p, &w, 4);
}
#endif
#if defined(__SSE4_1__)
template <class A>
inline i32<A> load_widen(const std::uint8_t* p, xsimd::sse4_1) {
  std::int32_t w;
  std::memcpy(&w, p, 4);
  return _mm_cvtepu8_epi32(_mm_cvtsi32_si128(w));
}
template <class A>
inline i32<A> load_widen(const std::uint16_t* p, xsimd::sse4_1) {
  return _mm_cvtepu16_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
template <class A>
inline void store_narrow(const i32<A>& v, std::uint16_t* p, xsimd::sse4_1) {  // lanes hold 0..65535
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi32(v, v));
}
#endif
#if defined(__AVX2__)
template <class A>
inline i32<A> load_widen(const std::uint8_t* p, xsimd::avx2) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}
template <class A>
inline i32<A> load_widen(const std::uint16_t* p, xsimd::avx2) {
  return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
template <class A>
inline void store_narrow(const i32<A>& v, std::uint8_t* p, xsimd::avx2) {
  const __m256i x = v;
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(w, w));
}
template <class A>
inline void store_narrow(const i32<A>& v, std::uint16_t* p, xsimd::avx2) {
  const __m256i x = v;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                   _mm_packus_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1)));
}
#endif
#if defined(__AVX512BW__)
template <class A>
inline i32<A> load_widen(const std::uint8_t* p, xsimd::avx512f) {
  return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
template <class A>
inline i32<A> load_widen(const std::uint16_t* p, xsimd::avx512f) {
  return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
template <class A>
inline void store_narrow(const i32<A>& v, std::uint8_t* p, xsimd::avx512f) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v));
}
template <class A>
inline void store_narrow(const i32<A>& v, std::uint16_t* p, xsimd::avx512f) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(v));
}
#endif

}  // namespace detail

/// size() codes (8- or 16-bit) zero-extended to 32-bit lanes.
template <class A, class C>
inline i32<A> load_widen(const C* p) {
  return detail::load_widen<A>(p, A{});
}
/// The low 8 or 16 bits of each lane (which must already hold a code) stored to p.
template <class A, class C>
inline void store_narrow(const i32<A>& v, C* p) {
  detail::store_narrow<A>(v, p, A{});
}

}  // namespace lowp::simd
