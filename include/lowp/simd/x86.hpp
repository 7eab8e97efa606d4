// lowp/simd/x86.hpp: the run-time-dispatched x86 paths (docs/building.md §3.1 and §3.4, "a flag strategy that works
// header-only", points 2 and 4).
//
// xsimd's batch<T, avx512bw> exists only in a translation unit compiled with AVX-512 flags, so a
// default-flags build (x86-64, SSE2) cannot reach the wider ISAs through xsimd. These two tags,
// `rt::avx2` and `rt::avx512`, give the same kernels (simd/convert_kernels.inl, written once) a
// vector type made of raw intrinsics in functions carrying `__attribute__((target(...)))`: they
// compile in any x86-64 translation unit and run only where simd/dispatch.hpp found the CPU able.
// Each ISA has its own types, so no inline function is shared between code built for different
// ISAs (the linker cannot pick an AVX-512 copy of a helper for a caller on an older CPU).
//
// The operations mirror the subset of xsimd the kernels use, with xsimd's semantics: int32 lanes
// wrap, >> is arithmetic, float → int32 truncates (0x80000000 out of range), masks are per lane.
#pragma once
#include <cstddef>
#include <cstdint>

#include "lowp/simd/arch.hpp"

#if LOWP_HAVE_RUNTIME_X86  // simd/arch.hpp
#include <immintrin.h>
#endif

namespace lowp::simd::rt {

/// Architecture tags of the run-time paths (used like xsimd's arch types: simd::encode<rt::avx512>).
struct avx2 {
  static constexpr const char* name() { return "rt::avx2"; }
};
struct avx512 {
  static constexpr const char* name() { return "rt::avx512"; }
};

}  // namespace lowp::simd::rt

#if LOWP_HAVE_RUNTIME_X86

// The features each path's code may use; dispatch.hpp checks exactly these before running it.
#define LOWP_TARGET_AVX2 "avx2,fma,bmi,bmi2,popcnt,f16c"
#define LOWP_TARGET_AVX512 "avx512f,avx512bw,avx512dq,avx512vl,avx512cd," LOWP_TARGET_AVX2
#define LOWP_AVX2_FN inline __attribute__((target(LOWP_TARGET_AVX2), always_inline))
#define LOWP_AVX512_FN inline __attribute__((target(LOWP_TARGET_AVX512), always_inline))

// g++ 12 reports the self-initialised `_mm512_undefined_epi32()` inside AVX-512 intrinsics as
// maybe-uninitialised when they are inlined into target-attributed code (a false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace lowp::simd::rt {

// ---------------------------------------------------------------- AVX2: 8 lanes, masks as lanes
struct m256 {
  __m256i v;
};
struct i256 {
  static constexpr std::size_t size = 8;
  __m256i v;
  i256() = default;
  LOWP_AVX2_FN i256(__m256i x) : v(x) {}
  LOWP_AVX2_FN i256(std::int32_t x) : v(_mm256_set1_epi32(x)) {}
  LOWP_AVX2_FN static i256 load_unaligned(const std::int32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  LOWP_AVX2_FN static i256 load_aligned(const std::int32_t* p) {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
  }
  LOWP_AVX2_FN void store_aligned(std::int32_t* p) const { _mm256_store_si256(reinterpret_cast<__m256i*>(p), v); }
  LOWP_AVX2_FN void store_unaligned(std::int32_t* p) const { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
};
struct f256 {
  static constexpr std::size_t size = 8;
  __m256 v;
  f256() = default;
  LOWP_AVX2_FN f256(__m256 x) : v(x) {}
  LOWP_AVX2_FN f256(float x) : v(_mm256_set1_ps(x)) {}
  LOWP_AVX2_FN static f256 load_unaligned(const float* p) { return _mm256_loadu_ps(p); }
  LOWP_AVX2_FN void store_unaligned(float* p) const { _mm256_storeu_ps(p, v); }
};
LOWP_AVX2_FN i256 operator+(i256 a, i256 b) { return _mm256_add_epi32(a.v, b.v); }
LOWP_AVX2_FN i256 operator-(i256 a, i256 b) { return _mm256_sub_epi32(a.v, b.v); }
LOWP_AVX2_FN i256 operator&(i256 a, i256 b) { return _mm256_and_si256(a.v, b.v); }
LOWP_AVX2_FN i256 operator|(i256 a, i256 b) { return _mm256_or_si256(a.v, b.v); }
LOWP_AVX2_FN i256 operator^(i256 a, i256 b) { return _mm256_xor_si256(a.v, b.v); }
LOWP_AVX2_FN i256 operator<<(i256 a, int n) { return _mm256_sll_epi32(a.v, _mm_cvtsi32_si128(n)); }
LOWP_AVX2_FN i256 operator>>(i256 a, int n) { return _mm256_sra_epi32(a.v, _mm_cvtsi32_si128(n)); }
LOWP_AVX2_FN m256 operator>(i256 a, i256 b) { return {_mm256_cmpgt_epi32(a.v, b.v)}; }
LOWP_AVX2_FN m256 operator<(i256 a, i256 b) { return {_mm256_cmpgt_epi32(b.v, a.v)}; }
LOWP_AVX2_FN m256 operator==(i256 a, i256 b) { return {_mm256_cmpeq_epi32(a.v, b.v)}; }
LOWP_AVX2_FN m256 operator!=(i256 a, i256 b) {
  return {_mm256_xor_si256(_mm256_cmpeq_epi32(a.v, b.v), _mm256_set1_epi32(-1))};
}
LOWP_AVX2_FN m256 operator&&(m256 a, m256 b) { return {_mm256_and_si256(a.v, b.v)}; }
LOWP_AVX2_FN m256 operator||(m256 a, m256 b) { return {_mm256_or_si256(a.v, b.v)}; }
LOWP_AVX2_FN m256 operator!(m256 a) { return {_mm256_xor_si256(a.v, _mm256_set1_epi32(-1))}; }
LOWP_AVX2_FN f256 operator+(f256 a, f256 b) { return _mm256_add_ps(a.v, b.v); }
LOWP_AVX2_FN f256 operator-(f256 a, f256 b) { return _mm256_sub_ps(a.v, b.v); }
LOWP_AVX2_FN f256 operator*(f256 a, f256 b) { return _mm256_mul_ps(a.v, b.v); }

// ------------------------------------------------------- AVX-512: 16 lanes, masks as __mmask16
struct m512 {
  __mmask16 v;
};
struct i512 {
  static constexpr std::size_t size = 16;
  __m512i v;
  i512() = default;
  LOWP_AVX512_FN i512(__m512i x) : v(x) {}
  LOWP_AVX512_FN i512(std::int32_t x) : v(_mm512_set1_epi32(x)) {}
  LOWP_AVX512_FN static i512 load_unaligned(const std::int32_t* p) { return _mm512_loadu_si512(p); }
  LOWP_AVX512_FN static i512 load_aligned(const std::int32_t* p) { return _mm512_load_si512(p); }
  LOWP_AVX512_FN void store_aligned(std::int32_t* p) const { _mm512_store_si512(p, v); }
  LOWP_AVX512_FN void store_unaligned(std::int32_t* p) const { _mm512_storeu_si512(p, v); }
};
struct f512 {
  static constexpr std::size_t size = 16;
  __m512 v;
  f512() = default;
  LOWP_AVX512_FN f512(__m512 x) : v(x) {}
  LOWP_AVX512_FN f512(float x) : v(_mm512_set1_ps(x)) {}
  LOWP_AVX512_FN static f512 load_unaligned(const float* p) { return _mm512_loadu_ps(p); }
  LOWP_AVX512_FN void store_unaligned(float* p) const { _mm512_storeu_ps(p, v); }
};
LOWP_AVX512_FN i512 operator+(i512 a, i512 b) { return _mm512_add_epi32(a.v, b.v); }
LOWP_AVX512_FN i512 operator-(i512 a, i512 b) { return _mm512_sub_epi32(a.v, b.v); }
LOWP_AVX512_FN i512 operator&(i512 a, i512 b) { return _mm512_and_si512(a.v, b.v); }
LOWP_AVX512_FN i512 operator|(i512 a, i512 b) { return _mm512_or_si512(a.v, b.v); }
LOWP_AVX512_FN i512 operator^(i512 a, i512 b) { return _mm512_xor_si512(a.v, b.v); }
LOWP_AVX512_FN i512 operator<<(i512 a, int n) { return _mm512_sll_epi32(a.v, _mm_cvtsi32_si128(n)); }
LOWP_AVX512_FN i512 operator>>(i512 a, int n) { return _mm512_sra_epi32(a.v, _mm_cvtsi32_si128(n)); }
LOWP_AVX512_FN m512 operator>(i512 a, i512 b) { return {_mm512_cmpgt_epi32_mask(a.v, b.v)}; }
LOWP_AVX512_FN m512 operator<(i512 a, i512 b) { return {_mm512_cmplt_epi32_mask(a.v, b.v)}; }
LOWP_AVX512_FN m512 operator==(i512 a, i512 b) { return {_mm512_cmpeq_epi32_mask(a.v, b.v)}; }
LOWP_AVX512_FN m512 operator!=(i512 a, i512 b) { return {_mm512_cmpneq_epi32_mask(a.v, b.v)}; }
LOWP_AVX512_FN m512 operator&&(m512 a, m512 b) { return {__mmask16(a.v & b.v)}; }
LOWP_AVX512_FN m512 operator||(m512 a, m512 b) { return {__mmask16(a.v | b.v)}; }
LOWP_AVX512_FN m512 operator!(m512 a) { return {__mmask16(~a.v)}; }
LOWP_AVX512_FN f512 operator+(f512 a, f512 b) { return _mm512_add_ps(a.v, b.v); }
LOWP_AVX512_FN f512 operator-(f512 a, f512 b) { return _mm512_sub_ps(a.v, b.v); }
LOWP_AVX512_FN f512 operator*(f512 a, f512 b) { return _mm512_mul_ps(a.v, b.v); }

}  // namespace lowp::simd::rt

namespace lowp::simd {

namespace detail {
/// v itself, opaque to the optimiser: an FMA cannot absorb the rounding of a product passed through
/// it (g++ contracts _mm512_mul_ps / _mm512_add_ps pairs like plain operators; spec §10).
LOWP_AVX512_FN __m512 rounded_ps(__m512 v) {
  __asm__("" : "+v"(v));
  return v;
}
}  // namespace detail

template <>
struct ops<rt::avx2> {
  using i32 = rt::i256;
  using f32 = rt::f256;
  using b32 = rt::m256;
  using mask_raw = __m256i;  // all-ones lanes
  LOWP_AVX2_FN static mask_raw raw(b32 m) { return m.v; }
  LOWP_AVX2_FN static b32 from_raw(mask_raw r) { return {r}; }
  using lanes_raw = detail::int32_vector<32>::type;  // int32 lanes, built-in operators
  LOWP_AVX2_FN static lanes_raw lanes(i32 x) { return (lanes_raw)x.v; }
  LOWP_AVX2_FN static i32 from_lanes(lanes_raw r) { return (__m256i)r; }
  LOWP_AVX2_FN static i32 as_int(f32 x) { return _mm256_castps_si256(x.v); }
  LOWP_AVX2_FN static f32 as_float(i32 x) { return _mm256_castsi256_ps(x.v); }
  LOWP_AVX2_FN static i32 to_int(f32 x) { return _mm256_cvttps_epi32(x.v); }
  LOWP_AVX2_FN static f32 to_float(i32 x) { return _mm256_cvtepi32_ps(x.v); }
  LOWP_AVX2_FN static i32 min(i32 a, i32 b) { return _mm256_min_epi32(a.v, b.v); }
  LOWP_AVX2_FN static i32 max(i32 a, i32 b) { return _mm256_max_epi32(a.v, b.v); }
  LOWP_AVX2_FN static f32 rounded(f32 x) {  // opaque: no FMA absorbs this rounding (spec §10)
    __asm__("" : "+x"(x.v));
    return x;
  }
  LOWP_AVX2_FN static std::int32_t reduce_max(i32 v) {
    __m128i m = _mm_max_epi32(_mm256_castsi256_si128(v.v), _mm256_extracti128_si256(v.v, 1));
    m = _mm_max_epi32(m, _mm_shuffle_epi32(m, 0x4E));
    return _mm_cvtsi128_si32(_mm_max_epi32(m, _mm_shuffle_epi32(m, 0xB1)));
  }
  LOWP_AVX2_FN static bool any(b32 m) { return !_mm256_testz_si256(m.v, m.v); }
  LOWP_AVX2_FN static i32 mask_lanes(b32 m) { return m.v; }  // −1 where m holds
  LOWP_AVX2_FN static i32 select(b32 c, i32 a, i32 b) {
#if defined(__GNUC__) && !defined(__clang__) && defined(__AVX512BW__) && defined(__AVX512VL__)
    // g++ 12 -O2 with AVX-512BW/VL miscompiles vpblendvb on an inverted mask (see simd/arch.hpp)
    return _mm256_or_si256(_mm256_and_si256(c.v, a.v), _mm256_andnot_si256(c.v, b.v));
#else
    return _mm256_blendv_epi8(b.v, a.v, c.v);
#endif
  }
  LOWP_AVX2_FN static i32 load_widen(const std::uint8_t* p) {
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  }
  LOWP_AVX2_FN static i32 load_widen(const std::uint16_t* p) {
    return _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  LOWP_AVX2_FN static void store_narrow(i32 v, std::uint8_t* p) {  // lanes hold 0..255
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v.v), _mm256_extracti128_si256(v.v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(w, w));
  }
  LOWP_AVX2_FN static void store_narrow(i32 v, std::uint16_t* p) {  // lanes hold 0..65535
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                     _mm_packus_epi32(_mm256_castsi256_si128(v.v), _mm256_extracti128_si256(v.v, 1)));
  }
  LOWP_AVX2_FN static void store_narrow4(i32 a, i32 b, i32 c, i32 d, std::uint8_t* p) {  // lanes hold 0..255
    // the packs work within 128-bit halves: dwords come out as a0 b0 c0 d0 a1 b1 c1 d1 (4 bytes each)
    const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(a.v, b.v), _mm256_packs_epi32(c.v, d.v));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm256_permutevar8x32_epi32(bytes, order));
  }
};

template <>
struct ops<rt::avx512> {
  using i32 = rt::i512;
  using f32 = rt::f512;
  using b32 = rt::m512;
  using mask_raw = __mmask16;  // one bit per lane
  LOWP_AVX512_FN static mask_raw raw(b32 m) { return m.v; }
  LOWP_AVX512_FN static b32 from_raw(mask_raw r) { return {r}; }
  using lanes_raw = detail::int32_vector<64>::type;  // int32 lanes, built-in operators
  LOWP_AVX512_FN static lanes_raw lanes(i32 x) { return (lanes_raw)x.v; }
  LOWP_AVX512_FN static i32 from_lanes(lanes_raw r) { return (__m512i)r; }
  LOWP_AVX512_FN static i32 as_int(f32 x) { return _mm512_castps_si512(x.v); }
  LOWP_AVX512_FN static f32 as_float(i32 x) { return _mm512_castsi512_ps(x.v); }
  LOWP_AVX512_FN static i32 to_int(f32 x) { return _mm512_cvttps_epi32(x.v); }
  LOWP_AVX512_FN static f32 to_float(i32 x) { return _mm512_cvtepi32_ps(x.v); }
  LOWP_AVX512_FN static i32 min(i32 a, i32 b) { return _mm512_min_epi32(a.v, b.v); }
  LOWP_AVX512_FN static i32 max(i32 a, i32 b) { return _mm512_max_epi32(a.v, b.v); }
  LOWP_AVX512_FN static f32 rounded(f32 x) { return detail::rounded_ps(x.v); }  // opaque (spec §10)
  LOWP_AVX512_FN static std::int32_t reduce_max(i32 v) { return _mm512_reduce_max_epi32(v.v); }
  LOWP_AVX512_FN static bool any(b32 m) { return m.v != 0; }
  LOWP_AVX512_FN static i32 mask_lanes(b32 m) { return _mm512_maskz_set1_epi32(m.v, -1); }  // −1 where m holds
  LOWP_AVX512_FN static i32 select(b32 c, i32 a, i32 b) { return _mm512_mask_blend_epi32(c.v, b.v, a.v); }
  LOWP_AVX512_FN static i32 load_widen(const std::uint8_t* p) {
    return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  LOWP_AVX512_FN static i32 load_widen(const std::uint16_t* p) {
    return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  LOWP_AVX512_FN static void store_narrow(i32 v, std::uint8_t* p) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v.v));
  }
  LOWP_AVX512_FN static void store_narrow(i32 v, std::uint16_t* p) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(v.v));
  }
  LOWP_AVX512_FN static void store_narrow4(i32 a, i32 b, i32 c, i32 d, std::uint8_t* p) {
    store_narrow(a, p);
    store_narrow(b, p + 16);
    store_narrow(c, p + 32);
    store_narrow(d, p + 48);
  }
};

}  // namespace lowp::simd

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // LOWP_HAVE_RUNTIME_X86
