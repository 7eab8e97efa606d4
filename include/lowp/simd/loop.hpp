// lowp/simd/loop.hpp: an elementwise loop compiled once per ISA level and chosen at run time.
//
// `simd::for_each_index(n, f)` calls f(i) for i in [0, n) from a loop built for the level that
// kernels() (dispatch.hpp) chooses:
// AVX-512 and AVX2 clones carry __attribute__((target)) (docs/building.md §3.1: run-time
// dispatch from a default-flags build), so an inlined integer body is auto-vectorised for that
// level. The body is the same source for every level and integer arithmetic has one answer, so
// the results are bit-identical across ISAs by construction; the tests still compare them.
#pragma once
#include <cstddef>
#include <cstdint>

#include "lowp/simd/dispatch.hpp"

namespace lowp::simd {

// The clones compile without errno for the math builtins (a square root that never sees a
// negative argument can then be one instruction and vectorise); nothing else changes.
#if defined(__GNUC__) && !defined(__clang__)
#define LOWP_LOOP_OPT __attribute__((optimize("no-math-errno", "no-trapping-math")))
#else
#define LOWP_LOOP_OPT
#endif

namespace detail {
template <class F>
LOWP_LOOP_OPT void for_each_base(std::size_t n, F f) {
  for (std::size_t i = 0; i < n; ++i) f(i);
}
template <class F>
LOWP_LOOP_OPT std::int64_t sum_base(std::size_t n, F f) {
  std::int64_t acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc += f(i);
  return acc;
}
#if LOWP_HAVE_RUNTIME_X86
template <class F>
__attribute__((target(LOWP_TARGET_AVX2))) LOWP_LOOP_OPT void for_each_avx2(std::size_t n, F f) {
  for (std::size_t i = 0; i < n; ++i) f(i);
}
template <class F>
__attribute__((target(LOWP_TARGET_AVX512))) LOWP_LOOP_OPT void for_each_avx512(std::size_t n, F f) {
  for (std::size_t i = 0; i < n; ++i) f(i);
}
template <class F>
__attribute__((target(LOWP_TARGET_AVX2))) LOWP_LOOP_OPT std::int64_t sum_avx2(std::size_t n, F f) {
  std::int64_t acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc += f(i);
  return acc;
}
template <class F>
__attribute__((target(LOWP_TARGET_AVX512))) LOWP_LOOP_OPT std::int64_t sum_avx512(std::size_t n, F f) {
  std::int64_t acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc += f(i);
  return acc;
}
#endif
}  // namespace detail

/// Runs the clone of the level kernels() chooses (dispatch.hpp): avx512(), avx2() or, at sse2 and
/// scalar and off x86, base(). The clones are functions compiled with that level's target attribute.
template <class A512, class A2, class Base>
decltype(auto) at_level([[maybe_unused]] A512&& avx512, [[maybe_unused]] A2&& avx2, Base&& base) {
#if LOWP_HAVE_RUNTIME_X86
  switch (kernels().level) {
    case isa::avx512:
      return avx512();
    case isa::avx2:
      return avx2();
    default:
      break;
  }
#endif
  return base();
}

/// Calls f(i) for every i in [0, n), in a loop compiled for the chosen level. Give f the attribute
/// LOWP_INLINE_BODY so that its body is inlined into (and vectorised for) each clone.
template <class F>
void for_each_index(std::size_t n, F&& f) {
#if LOWP_HAVE_RUNTIME_X86
  at_level([&] { detail::for_each_avx512(n, f); }, [&] { detail::for_each_avx2(n, f); },
           [&] { detail::for_each_base(n, f); });
#else
  detail::for_each_base(n, f);
#endif
}

/// Σ f(i) over [0, n) for an int64-valued f, in a loop compiled for the chosen level (integer sums
/// have one answer in any order; f must not overflow int64 in the partial sums).
template <class F>
std::int64_t sum_index(std::size_t n, F&& f) {
#if LOWP_HAVE_RUNTIME_X86
  return at_level([&] { return detail::sum_avx512(n, f); }, [&] { return detail::sum_avx2(n, f); },
                  [&] { return detail::sum_base(n, f); });
#else
  return detail::sum_base(n, f);
#endif
}

}  // namespace lowp::simd

#if defined(__GNUC__) || defined(__clang__)
#define LOWP_INLINE_BODY __attribute__((always_inline))
#else
#define LOWP_INLINE_BODY
#endif
