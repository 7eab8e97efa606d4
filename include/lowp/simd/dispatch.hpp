// lowp/simd/dispatch.hpp: the one place that chooses which kernels run.
//
// The widest path is min(what the CPU has, the limit), where the limit is set by
// `lowp::simd::set_max_isa(isa)` or, before the first call, by the environment variable
// LOWP_MAX_ISA = scalar | sse2 | avx2 | avx512 | neon | sdot | i8mm, in any case (default: no limit;
// an unknown value is reported on stderr once and sets no limit). Levels have a rank (scalar 0,
// sse2 / neon 1, avx2 / sdot 2, avx512 / i8mm 3), and a cap is its rank: on an ARM CPU the cap avx2
// allows sdot, on x86 the cap neon allows sse2. The choice maps to a kernel:
//   avx512  the translation unit's own xsimd::avx512bw kernels when its flags enable AVX-512BW,
//           else the run-time path rt::avx512 (simd/x86.hpp), compiled with target attributes
//   avx2    xsimd::avx2 when the flags enable AVX2, else rt::avx2
//   sse2    xsimd::sse2 (every x86-64 CPU has it)
//   scalar  the scalar reference of format/ (same bits, much slower; for debugging and checks)
// On a CPU without AVX2 a default-flags build runs SSE2; a build with -mavx2 or higher flags
// needs a CPU that has them (docs/building.md §3.3). On aarch64 the levels are
//   i8mm    FEAT_I8MM (smmla) and FEAT_DotProd      sdot  FEAT_DotProd (sdot)      neon  Advanced SIMD
// and the conversion kernels are xsimd's NEON ones at each (the integer kernels differ). Off x86 and
// aarch64, the flags' xsimd architecture runs at rank 1 (named sse2).
// CPU features come from __builtin_cpu_supports on x86 (which also checks that the OS saves the
// AVX / AVX-512 register state), getauxval(AT_HWCAP / AT_HWCAP2) on Linux aarch64 and
// sysctlbyname on macOS.
#pragma once
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include "lowp/simd/arch.hpp"
#include "lowp/simd/x86.hpp"

#if LOWP_HAVE_RUNTIME_X86
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#elif defined(__aarch64__) && defined(__APPLE__)
#include <sys/sysctl.h>
#endif

namespace lowp::simd {

/// The instruction-set levels lowp dispatches between: x86-64's, then aarch64's, each lowest first.
enum class isa : int { scalar = 0, sse2 = 1, avx2 = 2, avx512 = 3, neon = 4, sdot = 5, i8mm = 6 };

constexpr const char* name_of(isa i) {
  switch (i) {
    case isa::scalar:
      return "scalar";
    case isa::sse2:
      return "sse2";
    case isa::avx2:
      return "avx2";
    case isa::avx512:
      return "avx512";
    case isa::neon:
      return "neon";
    case isa::sdot:
      return "sdot";
    default:
      return "i8mm";
  }
}

/// A level's place in its family: 0 scalar, 1 sse2 / neon, 2 avx2 / sdot, 3 avx512 / i8mm.
constexpr int rank(isa i) { return int(i) <= 3 ? int(i) : int(i) - 3; }

/// The levels of the CPU family this code is compiled for, lowest first (x86-64: scalar, sse2, avx2,
/// avx512; aarch64: scalar, neon, sdot, i8mm; elsewhere the x86 names, rank 1 meaning the flags'
/// xsimd architecture). Tests walk these.
inline constexpr isa family_levels[4] =
#if defined(__aarch64__)
    {isa::scalar, isa::neon, isa::sdot, isa::i8mm};
#else
    {isa::scalar, isa::sse2, isa::avx2, isa::avx512};
#endif

/// The level of this family with the rank of i.
constexpr isa in_family(isa i) { return family_levels[rank(i)]; }

/// Tag for "no SIMD kernel: the scalar reference".
struct scalar_path {
  static constexpr const char* name() { return "scalar"; }
};

/// The level this translation unit's flags compile the xsimd kernels for.
inline constexpr isa compiled_isa =
#if defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512CD__)
    isa::avx512;
#elif defined(__AVX2__)
    isa::avx2;
#elif defined(__SSE2__) || defined(__x86_64__)
    isa::sse2;
#elif defined(__aarch64__)
    isa::neon;  // the integer kernels' sdot / i8mm paths carry target attributes, like rt::avx2
#else
    isa::sse2;  // another architecture: its xsimd default_arch plays the role of sse2
#endif

/// What this CPU (and OS) offers, probed once: the one CPU probe of lowp. __builtin_cpu_supports
/// also checks that the OS saves the AVX and AVX-512 register state.
struct cpu_features {
  bool avx2 = false;     // AVX2 with FMA, BMI1/2, POPCNT, F16C: the features of LOWP_TARGET_AVX2
  bool avx512 = false;   // AVX-512 F, BW, DQ, VL, CD: LOWP_TARGET_AVX512
  bool vnni = false;     // AVX-512 VNNI (vpdpbusd), on top of avx512
  bool popcnt = false;   // the POPCNT instruction
  bool dotprod = false;  // aarch64 FEAT_DotProd (sdot, udot)
  bool i8mm = false;     // aarch64 FEAT_I8MM (smmla, usdot)
};

namespace detail {
/// F16C (CPUID leaf 1, ECX bit 29): clang 14's __builtin_cpu_supports does not name it.
inline bool has_f16c() {
#if LOWP_HAVE_RUNTIME_X86
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) != 0 && (c & (1u << 29)) != 0;
#else
  return false;
#endif
}
}  // namespace detail

inline const cpu_features& cpu() {
  static const cpu_features features = [] {
    cpu_features f;
#if LOWP_HAVE_RUNTIME_X86
    __builtin_cpu_init();
    f.popcnt = __builtin_cpu_supports("popcnt");
    f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
             __builtin_cpu_supports("bmi2") && f.popcnt && detail::has_f16c();
    f.avx512 = f.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512cd");
    f.vnni = f.avx512 && __builtin_cpu_supports("avx512vnni");
#elif defined(__aarch64__) && defined(__linux__)
    const unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    f.dotprod = (hw & (1ul << 20)) != 0;             // HWCAP_ASIMDDP (Linux arch/arm64 hwcap.h)
    f.i8mm = f.dotprod && (hw2 & (1ul << 13)) != 0;  // HWCAP2_I8MM
#elif defined(__aarch64__) && defined(__APPLE__)
    const auto has = [](const char* name) {
      int v = 0;
      std::size_t n = sizeof v;
      return sysctlbyname(name, &v, &n, nullptr, 0) == 0 && v != 0;
    };
    f.dotprod = has("hw.optional.arm.FEAT_DotProd");
    f.i8mm = f.dotprod && has("hw.optional.arm.FEAT_I8MM");
#endif
    return f;
  }();
  return features;
}

/// The widest level this CPU (and OS) runs.
inline isa cpu_isa() {
#if LOWP_HAVE_RUNTIME_X86
  return cpu().avx512 ? isa::avx512 : cpu().avx2 ? isa::avx2 : isa::sse2;
#elif defined(__aarch64__)
  return cpu().i8mm ? isa::i8mm : cpu().dotprod ? isa::sdot : isa::neon;
#else
  return compiled_isa;
#endif
}

/// The level a kernel path needs: rt::avx512 and xsimd's AVX-512 archs avx512, rt::avx2 and
/// xsimd::avx2 avx2, the other xsimd archs sse2, scalar_path scalar.
template <class A>
constexpr isa level_of() {
  if constexpr (std::is_same_v<A, scalar_path>)
    return isa::scalar;
  else if constexpr (std::is_same_v<A, rt::avx512>)
    return isa::avx512;
  else if constexpr (std::is_same_v<A, rt::avx2>)
    return isa::avx2;
#if defined(__SSE2__) || defined(__x86_64__)
  else if constexpr (std::is_base_of_v<xsimd::avx512f, A>)
    return isa::avx512;
  else if constexpr (std::is_base_of_v<xsimd::avx2, A>)
    return isa::avx2;
#endif
  else
    return in_family(isa::sse2);  // rank 1: xsimd::sse2, or NEON on aarch64
}

/// Whether this CPU can run the kernels of path A.
template <class A>
bool cpu_runs() {
  return rank(level_of<A>()) <= rank(cpu_isa());
}

/// The level named by `text` (scalar, sse2, avx2, avx512, neon, sdot, i8mm, in any case, spaces
/// around ignored); false for anything else.
inline bool parse_isa(const char* text, isa& out) {
  if (text == nullptr) return false;
  std::string v(text);
  const auto first = v.find_first_not_of(" \t"), last = v.find_last_not_of(" \t");
  v = first == std::string::npos ? std::string() : v.substr(first, last - first + 1);
  for (char& c : v) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (isa i : {isa::scalar, isa::sse2, isa::avx2, isa::avx512, isa::neon, isa::sdot, isa::i8mm})
    if (v == name_of(i)) {
      out = i;
      return true;
    }
  return false;
}

namespace detail {
/// LOWP_MAX_ISA, read once: no limit when unset; an unknown value sets no limit either, and says so
/// on stderr (once).
inline isa isa_from_env() {
  const char* v = std::getenv("LOWP_MAX_ISA");
  isa i = family_levels[3];
  if (v != nullptr && !parse_isa(v, i)) {
    std::fprintf(stderr,
                 "lowp: LOWP_MAX_ISA=%s is not one of scalar, sse2, avx2, avx512, neon, sdot, i8mm; ignored (no "
                 "limit)\n",
                 v);
    i = family_levels[3];
  }
  return i;
}
inline std::atomic<int>& isa_limit() {
  static std::atomic<int> limit{int(isa_from_env())};
  return limit;
}
}  // namespace detail

/// Caps the level the dispatched kernels use (for tests, debugging, or comparing paths).
inline void set_max_isa(isa limit) { detail::isa_limit().store(int(limit), std::memory_order_relaxed); }
/// The current cap (LOWP_MAX_ISA, or the last set_max_isa).
inline isa max_isa() { return isa(detail::isa_limit().load(std::memory_order_relaxed)); }

/// The level dispatched calls run at now: the CPU's level, lowered to the cap's rank within the CPU's
/// family. (A level below the flags' runs that level's xsimd kernels, compiled with the wider
/// encoding the flags allow.)
inline isa active_isa() {
  const isa c = cpu_isa();
  return rank(max_isa()) < rank(c) ? in_family(max_isa()) : c;
}

/// The integer GEMM kernels: exact int32 dot products of int8 rows and weight panels.
enum class gemm_kernel : int { scalar = 0, avx2 = 1, vnni = 2, sdot = 3, i8mm = 4 };

constexpr const char* name_of(gemm_kernel k) {
  switch (k) {
    case gemm_kernel::scalar:
      return "scalar";
    case gemm_kernel::avx2:
      return "avx2";
    case gemm_kernel::sdot:
      return "sdot";
    case gemm_kernel::i8mm:
      return "i8mm";
    default:
      return "vnni";
  }
}

/// The kernel of every family that dispatched calls run now: the one place that chooses, from the
/// CPU's features and the cap (set_max_isa / LOWP_MAX_ISA). Families read it at each call.
struct kernel_choice {
  isa level;                // conversion kernels and the per-ISA elementwise loops (simd/loop.hpp)
  gemm_kernel gemm;         // integer GEMM: VNNI needs the avx512 level and AVX-512 VNNI, AVX2 the avx2 level;
                            // on aarch64 SDOT the sdot level, SMMLA the i8mm level
  bool popcount;            // binary × binary through the POPCNT instruction (not at the scalar level)
  bool block_float_avx512;  // the block-float GEMM's register tiles (the avx512 level)
};

inline kernel_choice kernels() {
  const isa level = active_isa();
  kernel_choice k{level, gemm_kernel::scalar, false, false};
#if LOWP_HAVE_RUNTIME_X86
  if (level == isa::avx512 && cpu().vnni)
    k.gemm = gemm_kernel::vnni;
  else if (level >= isa::avx2)
    k.gemm = gemm_kernel::avx2;
  k.popcount = cpu().popcnt && level != isa::scalar;
  k.block_float_avx512 = level == isa::avx512;
#elif LOWP_HAVE_RUNTIME_ARM  // the kernels of simd/gemm_arm.hpp exist
  if (level == isa::i8mm)
    k.gemm = gemm_kernel::i8mm;
  else if (level == isa::sdot)
    k.gemm = gemm_kernel::sdot;
#endif
  return k;
}

/// Calls `f.template operator()<Path>()` with the kernel path of kernels().level (= active_isa(),
/// read alone: dispatch runs per row and per group, where the whole choice would cost more than
/// small kernels): one of scalar_path, xsimd::sse2, xsimd::avx2 / rt::avx2, xsimd::avx512bw /
/// rt::avx512.
template <class F>
decltype(auto) dispatch(F&& f) {
  switch (active_isa()) {
    case isa::scalar:
      return f.template operator()<scalar_path>();
#if LOWP_HAVE_RUNTIME_X86
    case isa::avx512:
      if constexpr (compiled_isa == isa::avx512)
        return f.template operator()<xsimd::avx512bw>();
      else
        return f.template operator()<rt::avx512>();
    case isa::avx2:
      if constexpr (compiled_isa >= isa::avx2)
        return f.template operator()<xsimd::avx2>();
      else
        return f.template operator()<rt::avx2>();
    default:
      return f.template operator()<xsimd::sse2>();
#else
    default:
      return f.template operator()<default_arch>();
#endif
  }
}

}  // namespace lowp::simd
