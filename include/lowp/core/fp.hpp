// lowp/core/fp.hpp: the floating-point evaluation rules lowp's promised bits rely on (spec §10).
//
// Every float expression whose result lowp specifies (the llama.cpp block quantizers, the MX and
// NVFP4 rules, scale computations, matmul epilogues, error metrics) is written as a sequence of
// IEEE 754 operations, each rounded to its type. Two things can silently change that sequence:
//  - FMA contraction (GCC contracts a*b + c by default whenever the target has FMA, e.g. under
//    -march=x86-64-v3 or -march=native; clang under -ffp-contract=fast), which skips the rounding
//    of the product. `rounded(x)` makes a value opaque to the optimiser, so the product is rounded
//    before the addition under any flags: `rounded(a * b) + c`.
//  - -ffast-math and its parts (reassociation, reciprocals, "no NaN, no Inf", no signed zeros),
//    which change results and drop NaN handling altogether. lowp refuses them at compile time
//    below; LOWP_ACCEPT_FAST_MATH lets a program include lowp anyway, with no promise on the bits.
//  - x87 arithmetic (FLT_EVAL_METHOD 1 or 2: i686's default flags, -mfpmath=387), which keeps
//    intermediates in 80-bit registers and rounds them twice. Refused below: build for 32-bit x86
//    with -msse2 -mfpmath=sse (docs/building.md).
#pragma once
#include <algorithm>
#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <cstring>

// C++ [cfloat.syn] / C11 5.2.4.2.2: FLT_EVAL_METHOD 0 = each operation rounded to its type.
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD > 0 && !defined(LOWP_ACCEPT_EXCESS_PRECISION)
#error \
    "lowp: FLT_EVAL_METHOD != 0 (x87 excess precision, the default on 32-bit x86) rounds float expressions twice and changes lowp's bit-exact results; build with -msse2 -mfpmath=sse (docs/building.md), or define LOWP_ACCEPT_EXCESS_PRECISION to give up those promises"
#endif

#if !defined(LOWP_ACCEPT_FAST_MATH)
#if defined(__FAST_MATH__) || (defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__) || \
    defined(__ASSOCIATIVE_MATH__) || defined(__RECIPROCAL_MATH__) || defined(__NO_SIGNED_ZEROS__)
#error \
    "lowp: -ffast-math / -Ofast (or one of its parts: -ffinite-math-only, -fassociative-math, -freciprocal-math, -fno-signed-zeros) changes lowp's bit-exact results and its NaN handling; build this file without it (docs/building.md), or define LOWP_ACCEPT_FAST_MATH to give up those promises"
#endif
#endif

namespace lowp::detail {

/// x itself, rounded to its type and opaque to the optimiser: an FMA cannot absorb the rounding
/// of an expression passed through it, whatever -ffp-contract or -march says (spec §10).
template <class F>
inline F rounded(F x) {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__SSE2_MATH__) || defined(__x86_64__))
  __asm__("" : "+x"(x));  // the value lives in an SSE register: already rounded to F
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
  __asm__("" : "+w"(x));  // likewise in a NEON / FP register
#elif defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+m"(x));  // through memory, which also rounds x87 excess precision
#else
  volatile F v = x;  // other compilers: a volatile round trip
  x = v;
#endif
  return x;
}

/// The n floats at p, already stored, rounded and opaque to the optimiser: a compiler barrier over
/// memory, so every value stored to p before it is read back after it (a product stored there cannot
/// be fused with a later addition), while the loops on either side keep their vectors.
template <class F>
inline void rounded_in_memory(F* p, std::size_t n) {
#if defined(__GNUC__) || defined(__clang__)
  (void)n;
  __asm__ volatile("" : : "r"(p) : "memory");
#else
  for (std::size_t i = 0; i < n; ++i) p[i] = rounded(p[i]);
#endif
}

/// The largest |x[i]| of n floats as its bit pattern (sign cleared): for IEEE floats the order of
/// the magnitudes' patterns is the order of the magnitudes, and a pattern ≥ 0x7F800000 is Inf or NaN
/// (IEEE 754-2019 §3.4), so one pass gives amax and whether the floats are finite. Sixteen running
/// maxima in a fixed-length inner loop, which compilers vectorise at -O2 as well as at -O3.
// The patterns, sign cleared, are below 2^31: compared as int32 (SSE2 has a signed compare only).
inline std::uint32_t abs_max_bits(const float* x, std::size_t n) {
  std::int32_t lane[16] = {};
  const std::size_t full = n - n % 16;
  for (std::size_t i = 0; i < full; i += 16)
    for (std::size_t j = 0; j < 16; ++j) {
      std::int32_t u;
      std::memcpy(&u, x + i + j, 4);
      lane[j] = std::max(lane[j], u & 0x7FFFFFFF);
    }
  std::uint32_t m = 0;
  for (std::size_t i = full; i < n; ++i) {
    std::uint32_t u;
    std::memcpy(&u, x + i, 4);
    m = std::max(m, u & 0x7FFFFFFFu);
  }
  for (std::size_t j = 0; j < 16; ++j) m = std::max(m, std::uint32_t(lane[j]));
  return m;
}

/// y[i] = (x[i] − z) · f for i < n (y may be x): 16 lanes in a fixed-length inner loop, which
/// compilers vectorise at -O2 as at -O3 (a plain loop stays scalar at g++ -O2). The same IEEE
/// operations on every path.
inline void scale_floats(const float* x, float* y, std::size_t n, float f, float z = 0.f) {
  const std::size_t full = n - n % 16;
  for (std::size_t i = 0; i < full; i += 16) {
    float t[16];
    if (z == 0.f)
      for (std::size_t j = 0; j < 16; ++j) t[j] = x[i + j] * f;
    else
      for (std::size_t j = 0; j < 16; ++j) t[j] = (x[i + j] - z) * f;
    for (std::size_t j = 0; j < 16; ++j) y[i + j] = t[j];
  }
  for (std::size_t i = full; i < n; ++i) y[i] = z == 0.f ? x[i] * f : (x[i] - z) * f;
}

}  // namespace lowp::detail
