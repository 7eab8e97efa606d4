// lowp/simd/arch.hpp: the ISA abstraction of lowp's kernels.
//
// Kernels are templates over an xsimd architecture type `A` (xsimd::sse2, sse4_2, avx2, avx512bw),
// written once. `lowp::simd::default_arch` is the widest ISA the translation unit's flags enable
// (xsimd::default_arch: -march=x86-64 → sse2, x86-64-v3 → avx2, x86-64-v4 or native → avx512bw).
// xsimd 8.1 has no fast narrowing store or widening byte load, so those two operations are raw
// intrinsics here, one overload per ISA, chosen by the architecture's class hierarchy
// (xsimd 8.1's narrowing stores truncate; intrinsics only where xsimd has no operation, docs/building.md §5).
#pragma once
#include <cassert>  // xsimd 8.1's xsimd_arch.hpp uses assert without including it
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <xsimd/xsimd.hpp>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

// Which run-time-dispatched kernel families this compiler and target can build (GNU attribute
// syntax: target functions and inline assembly). x86: the rt::avx2 / rt::avx512 paths and the
// VNNI / AVX2 GEMM kernels (simd/x86.hpp, simd/gemm_vnni.hpp, simd/gemm_avx2.hpp); aarch64: the
// SDOT / SMMLA GEMM kernels (simd/gemm_arm.hpp). The dispatcher offers a kernel only where its
// macro is 1.
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define LOWP_HAVE_RUNTIME_X86 1
#else
#define LOWP_HAVE_RUNTIME_X86 0
#endif
#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define LOWP_HAVE_RUNTIME_ARM 1
#else
#define LOWP_HAVE_RUNTIME_ARM 0
#endif
// Fully unrolls the loop it precedes: the row and column loops of the GEMM register tiles, whose
// accumulator arrays stay in registers only when unrolled. g++ -O3 unrolls them on its own, g++ -O2
// (the flags most users build with) does not, and then spilled every accumulator to the stack each
// step: half the speed (docs/performance.md).
#if defined(__clang__)
#define LOWP_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define LOWP_UNROLL _Pragma("GCC unroll 64")
#else
#define LOWP_UNROLL
#endif

namespace lowp::simd {

using default_arch = xsimd::default_arch;

/// The vector types and the few operations the kernels take from their ISA, beyond operators.
/// This primary template serves the xsimd architectures; simd/x86.hpp specialises it for the
/// run-time-dispatched tags rt::avx2 and rt::avx512.
template <class A>
struct ops;

template <class A>
using i32 = typename ops<A>::i32;
template <class A>
using f32 = typename ops<A>::f32;
template <class A>
using b32 = typename ops<A>::b32;

namespace detail {

// Generic fallbacks: through a small array (correct on every ISA; the compiler vectorises them).
// The elements move by memcpy, as p may point into bytes of another type (packed nibbles).
template <class A, class C>
inline i32<A> load_widen(const C* p, xsimd::generic) {
  C c[i32<A>::size];
  std::memcpy(c, p, sizeof c);
  alignas(64) std::int32_t tmp[i32<A>::size];
  for (std::size_t i = 0; i < i32<A>::size; ++i) tmp[i] = std::int32_t(c[i]);
  return i32<A>::load_aligned(tmp);
}
template <class A, class C>
inline void store_narrow(const i32<A>& v, C* p, xsimd::generic) {
  alignas(64) std::int32_t tmp[i32<A>::size];
  v.store_aligned(tmp);
  C c[i32<A>::size];
  for (std::size_t i = 0; i < i32<A>::size; ++i) c[i] = C(tmp[i]);
  std::memcpy(p, c, sizeof c);
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

/// The compiler vector of int32 lanes that fills a register of `Bytes` bytes.
template <std::size_t Bytes>
struct int32_vector;
template <>
struct int32_vector<16> {
  typedef std::int32_t type __attribute__((vector_size(16)));
};
template <>
struct int32_vector<32> {
  typedef std::int32_t type __attribute__((vector_size(32)));
};
template <>
struct int32_vector<64> {
  typedef std::int32_t type __attribute__((vector_size(64)));
};
}  // namespace detail

template <class A>
struct ops {
  using i32 = xsimd::batch<std::int32_t, A>;
  using f32 = xsimd::batch<float, A>;
  using b32 = xsimd::batch_bool<std::int32_t, A>;
  /// A mask as its register (bit mask or all-ones lanes), for rules written on built-in operators.
  using mask_raw = typename b32::register_type;
  static mask_raw raw(const b32& m) { return m; }
  static b32 from_raw(const mask_raw& r) { return b32(r); }
  /// Int32 lanes as a compiler vector, for rules written on built-in operators (core/round.hpp).
  using lanes_raw = typename detail::int32_vector<sizeof(typename i32::register_type)>::type;
  static lanes_raw lanes(const i32& x) { return (lanes_raw)(typename i32::register_type(x)); }
  static i32 from_lanes(const lanes_raw& r) { return i32((typename i32::register_type)r); }
  static i32 as_int(const f32& x) { return xsimd::bitwise_cast<i32>(x); }
  static f32 as_float(const i32& x) { return xsimd::bitwise_cast<f32>(x); }
  static i32 to_int(const f32& x) { return xsimd::to_int(x); }  // truncates
  static f32 to_float(const i32& x) { return xsimd::to_float(x); }
  static i32 min(const i32& a, const i32& b) { return xsimd::min(a, b); }
  static i32 max(const i32& a, const i32& b) { return xsimd::max(a, b); }
  /// x itself, opaque to the optimiser: a product passed through it is rounded before any later
  /// addition (no FMA contraction, whatever -ffp-contract or -march says; spec §10).
  static f32 rounded(const f32& x) {
    typename f32::register_type r = x;
#if (defined(__GNUC__) || defined(__clang__)) && defined(__SSE2__)
    __asm__("" : "+x"(r));
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
    __asm__("" : "+w"(r));
#else
    volatile auto v = r;  // other targets: a volatile round trip
    r = v;
#endif
    return f32(r);
  }
  /// The largest lane (signed).
  static std::int32_t reduce_max(const i32& v) {
#if defined(__AVX512F__)
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>)
      return _mm512_reduce_max_epi32(v);
    else
#endif
#if defined(__AVX2__)
        if constexpr (std::is_base_of_v<xsimd::avx2, A>) {
      const __m256i r = v;
      __m128i m = _mm_max_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
      m = _mm_max_epi32(m, _mm_shuffle_epi32(m, 0x4E));
      return _mm_cvtsi128_si32(_mm_max_epi32(m, _mm_shuffle_epi32(m, 0xB1)));
    } else
#endif
#if defined(__aarch64__)
        if constexpr (std::is_base_of_v<xsimd::neon64, A>)
      return vmaxvq_s32(v);
    else
#endif
    {
      alignas(64) std::int32_t t[i32::size];
      v.store_aligned(t);
      std::int32_t m = t[0];
      for (std::size_t l = 1; l < i32::size; ++l) m = m > t[l] ? m : t[l];
      return m;
    }
  }
  static bool any(const b32& m) { return xsimd::any(m); }
  /// −1 in the lanes where m holds, else 0.
  static i32 mask_lanes(const b32& m) {
#if defined(__SSE2__)
    if constexpr (!std::is_base_of_v<xsimd::avx512f, A>)
      return i32(typename i32::register_type(m));  // SSE / AVX: the mask is that register
    else
#endif
      return xsimd::select(m, i32(-1), i32(0));
  }
  static i32 select(const b32& c, const i32& a, const i32& b) {
#if defined(__AVX512F__)
    // xsimd 8.1's AVX-512 select does not compile without optimisation (g++ defines its blend
    // intrinsics as casting macros at -O0, and the untaken 8/16-bit branches fail): blend directly
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>)
      return _mm512_mask_blend_epi32(__mmask16(c), b, a);
    else
#endif
#if defined(__GNUC__) && !defined(__clang__) && defined(__AVX512BW__) && defined(__AVX512VL__)
      // g++ 12 at -O2 with AVX-512BW and VL enabled miscompiles vpblendvb whose mask is an
      // inverted compare (it drops the inversion; reproduced with plain intrinsics): the 128/256-bit
      // kernels of such a build select with and / andnot / or instead
      if constexpr (!std::is_base_of_v<xsimd::avx512f, A>) {
        const i32 m = xsimd::bitwise_cast(c);
        return (m & a) | (~m & b);
      } else
#endif
        return xsimd::select(c, a, b);
  }
  /// size() codes (8- or 16-bit) zero-extended to 32-bit lanes.
  template <class C>
  static i32 load_widen(const C* p) {
    return detail::load_widen<A>(p, A{});
  }
  /// The low 8 or 16 bits of each lane (which must already hold a code) stored to p.
  template <class C>
  static void store_narrow(const i32& v, C* p) {
    detail::store_narrow<A>(v, p, A{});
  }
  /// The low 8 bits of the lanes of a, b, c, d (codes 0..255), in that order, to p.
  static void store_narrow4(const i32& a, const i32& b, const i32& c, const i32& d, std::uint8_t* p) {
    constexpr std::size_t w = i32::size;
    store_narrow(a, p);
    store_narrow(b, p + w);
    store_narrow(c, p + 2 * w);
    store_narrow(d, p + 3 * w);
  }
};

}  // namespace lowp::simd
