// lowp/simd/convert.hpp: bulk conversion between float and minifloats / intn / trit, bit-exact with
// the scalar reference of format/, and the public span API `lowp::convert(in, out, r, o)`.
//
// The kernels (simd/convert_kernels.inl, where their method is described) are written once over an
// ISA and compiled here three times: for xsimd's architectures (the translation unit's flags), and
// for the run-time paths rt::avx2 and rt::avx512 (simd/x86.hpp), which simd/dispatch.hpp picks
// from the CPU. Formats the kernels do not cover (E > 8, M > 22, emin < −126, fnu with M > 0) and
// other type pairs take the scalar reference, element by element: same bits, lower speed.
#pragma once
#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/core/fp.hpp"
#include "lowp/core/random.hpp"
#include "lowp/core/tags.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/convert.hpp"
#include "lowp/format/float_codec.hpp"
#include "lowp/format/intn.hpp"
#include "lowp/format/minifloat.hpp"
#include "lowp/format/ternary.hpp"
#include "lowp/simd/arch.hpp"
#include "lowp/simd/dispatch.hpp"
#include "lowp/simd/x86.hpp"

namespace lowp::simd {

/// Whether the SIMD kernels handle float ↔ format S (else the scalar reference runs).
constexpr bool kernel_supports(const float_spec& s) {
  if (s.E > 8 || s.M > 22 || s.bits() > 16) return false;
  if (s.enc == encoding::fnu) return s.M == 0 && s.bias == 127;  // E8M0
  return s.emin() >= -126 && s.emax() <= 127;
}

// The kernels, once per family: xsimd's architectures; then the run-time x86 paths, each compiled
// for its own target (simd/kernel_families.inl).
#define LOWP_KERNEL_FILE "lowp/simd/convert_kernels.inl"
#include "lowp/simd/kernel_families.inl"
#undef LOWP_KERNEL_FILE

namespace detail {

template <class T>
concept integer_type = requires {
  T::range;
  requires T::format_family == family::integer || T::format_family == family::ternary;
};

template <class T>
concept minifloat_type = requires {
  T::spec;
  requires T::format_family == family::minifloat;
};

/// Whether float ↔ T has SIMD kernels.
template <class T>
constexpr bool has_kernels() {
  if constexpr (minifloat_type<T>)
    return kernel_supports(T::spec);
  else
    return integer_type<T>;
}

}  // namespace detail

#if LOWP_HAVE_RUNTIME_X86
// (`return` in every branch: a void call returns void, the others their value)
#define LOWP_SIMD_FORWARD(call)                   \
  if constexpr (std::is_same_v<A, rt::avx512>)    \
    return avx512_kernels::call;                  \
  else if constexpr (std::is_same_v<A, rt::avx2>) \
    return avx2_kernels::call;                    \
  else                                            \
    return generic_kernels::call
#else
#define LOWP_SIMD_FORWARD(call) return generic_kernels::call
#endif

/// float → T over n elements with the kernels of A (an xsimd architecture, rt::avx2 or rt::avx512);
/// element i draws stochastic bits (offset + i).
template <class A, class T, class R, class O>
void encode(const float* in, T* out, std::size_t n, const R& r, O o) {
  LOWP_SIMD_FORWARD(encode<A>(in, out, n, r, o));
}
/// T → float over n elements with the kernels of A: exact; an infinite code follows the overflow
/// tag o, as the scalar reference does (saturate: ±FLT_MAX; propagate: ±Inf).
template <class A, class T, class O>
void decode(const T* in, float* out, std::size_t n, O o) {
  LOWP_SIMD_FORWARD(decode<A>(in, out, n, o));
}
/// float → intn / trit over n elements with the kernels of A (lanes that wrap: the scalar reference).
template <class A, class T, class R, class O>
void encode_int(const float* in, T* out, std::size_t n, const R& r, O o) {
  LOWP_SIMD_FORWARD(encode_int<A>(in, out, n, r, o));
}
/// float → T of the products in[i] · f[i / tw] (each rounded to float first) with the kernels of A.
template <class A, class T, class R, class O>
void encode_scaled(const float* in, T* out, std::size_t n, std::size_t tw, const float* f, const R& r, O o) {
  LOWP_SIMD_FORWARD(encode_scaled<A>(in, out, n, tw, f, r, o));
}
/// The largest |x[i]| of n floats as its bit pattern, with the kernels of A.
template <class A>
std::uint32_t abs_max_bits(const float* x, std::size_t n) {
  LOWP_SIMD_FORWARD(abs_max_bits<A>(x, n));
}
/// The 4-bit packing of the whole vectors of n codes with the kernels of A; returns how many.
template <class A>
std::size_t pack_nibbles(const std::uint8_t* codes, std::size_t n, std::uint8_t* out) {
  LOWP_SIMD_FORWARD(pack_nibbles<A>(codes, n, out));
}
/// The 4-bit unpacking of the whole vectors of n codes with the kernels of A; returns how many.
template <class A>
std::size_t unpack_nibbles(const std::uint8_t* in, std::size_t n, std::uint8_t* codes) {
  LOWP_SIMD_FORWARD(unpack_nibbles<A>(in, n, codes));
}
/// abs_max_bits of each block of bw floats, with the kernels of A.
template <class A>
void abs_max_blocks(const float* x, std::size_t n, std::size_t bw, std::uint32_t* out) {
  LOWP_SIMD_FORWARD(abs_max_blocks<A>(x, n, bw, out));
}
/// Block quantization in one pass (simd/convert_kernels.inl, encode_blocks) with the kernels of A.
template <class A, class T, class F, class R, class O>
void encode_blocks(const float* x, std::size_t n, std::size_t bw, F& factors, T* out, const R& r, O o) {
  LOWP_SIMD_FORWARD(encode_blocks<A>(x, n, bw, factors, out, r, o));
}
/// intn / trit → float over n elements with the kernels of A.
template <class A, class T>
void decode_int(const T* in, float* out, std::size_t n) {
  LOWP_SIMD_FORWARD(decode_int<A>(in, out, n));
}
#undef LOWP_SIMD_FORWARD

}  // namespace lowp::simd

namespace lowp {

/// Element-wise conversion of a span (spec §1, §6). float ↔ minifloat and float ↔ intn / trit
/// run on the SIMD kernels that simd::dispatch chooses at run time (simd/dispatch.hpp: AVX-512,
/// AVX2 or SSE2 by what the CPU has, capped by LOWP_MAX_ISA or simd::set_max_isa); everything else
/// runs on the scalar reference. The bits are the same on every path. Element i of a stochastic
/// call draws the bits of (seed, offset + i). Throws lowp::error when the sizes differ.
template <class From, class To, rounding_mode R, overflow_mode O>
void convert(std::span<const From> in, std::span<To> out, const R& r, O o) {
  if (in.size() != out.size()) {
    throw error("convert: input has " + std::to_string(in.size()) + " elements but output has " +
                std::to_string(out.size()));
  }
  using simd::detail::integer_type;
  using simd::detail::minifloat_type;
  const auto scalar = [&] {
    for (std::size_t i = 0; i < in.size(); ++i)
      out[i] = ::lowp::detail::convert_unpacked<To>(to_unpacked(in[i]), r, o, i);
  };
  if constexpr (std::is_same_v<From, float> && simd::detail::has_kernels<To>()) {
    simd::dispatch([&]<class A>() {
      if constexpr (std::is_same_v<A, simd::scalar_path>)
        scalar();
      else if constexpr (minifloat_type<To>)
        simd::encode<A>(in.data(), out.data(), in.size(), r, o);
      else
        simd::encode_int<A>(in.data(), out.data(), in.size(), r, o);
    });
    return;
  } else if constexpr (std::is_same_v<To, float> && simd::detail::has_kernels<From>()) {
    simd::dispatch([&]<class A>() {
      if constexpr (std::is_same_v<A, simd::scalar_path>)
        scalar();
      else if constexpr (minifloat_type<From>)
        simd::decode<A>(in.data(), out.data(), in.size(), o);
      else
        simd::decode_int<A>(in.data(), out.data(), in.size());
    });
    return;
  } else if constexpr (std::is_same_v<To, float> && std::is_same_v<From, binary>) {
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = in[i].bits() ? 1.0f : -1.0f;  // vectorised by the compiler
    return;
  }
  scalar();
}

namespace detail {

/// core/fp.hpp's abs_max_bits (the same answer) on the dispatched SIMD kernels for long runs, where
/// the auto-vectorised loop of the core version is not guaranteed at -O2 once inlined.
inline std::uint32_t abs_max_bits_bulk(const float* x, std::size_t n) {
  if (n < 64) return abs_max_bits(x, n);  // shorter: the dispatch would cost more than it saves
  std::uint32_t m = 0;
  simd::dispatch([&]<class A>() {
    if constexpr (std::is_same_v<A, simd::scalar_path>)
      m = abs_max_bits(x, n);
    else
      m = simd::abs_max_bits<A>(x, n);
  });
  return m;
}

/// out[b] = abs_max_bits of the block of bw floats b of x[0, n) (the last one may be shorter), on
/// the dispatched SIMD kernels.
inline void abs_max_blocks(const float* x, std::size_t n, std::size_t bw, std::uint32_t* out) {
  simd::dispatch([&]<class A>() {
    if constexpr (std::is_same_v<A, simd::scalar_path>) {
      for (std::size_t c0 = 0, b = 0; c0 < n; c0 += bw, ++b) out[b] = abs_max_bits(x + c0, std::min(bw, n - c0));
    } else {
      simd::abs_max_blocks<A>(x, n, bw, out);
    }
  });
}

/// out[i] = the T of in[i] · f[i / tw] (tiles of tw elements, one factor each; tw ≥ 1), the product
/// rounded to float before it is converted (spec §10): a scaling pass and lowp::convert in one
/// pass, on the SIMD kernels where T has them. Element i draws stochastic bits (offset + i).
template <class T, rounding_mode R, overflow_mode O>
void convert_scaled(std::span<const float> in, std::span<T> out, std::size_t tw, const float* f, const R& r, O o) {
  const auto scalar = [&] {
    for (std::size_t i = 0; i < in.size(); ++i)
      out[i] = convert_unpacked<T>(to_unpacked(rounded(in[i] * f[i / tw])), r, o, i);
  };
  if constexpr (simd::detail::has_kernels<T>()) {
    simd::dispatch([&]<class A>() {
      if constexpr (std::is_same_v<A, simd::scalar_path>)
        scalar();
      else
        simd::encode_scaled<A>(in.data(), out.data(), in.size(), tw, f, r, o);
    });
  } else {
    scalar();
  }
}

/// Block quantization on the dispatched kernels: for the blocks of bw floats of x (the last may be
/// shorter), factors(b0, count, amax_bits, f) receives the abs_max_bits of blocks b0 .. b0 + count
/// − 1 and fills their factors f[0, count) (and records the blocks' scales), in order of b0, over
/// chunks of any size; out[i] = the T of x[i] · f(block of i), the product rounded to float first.
/// The SIMD levels keep a chunk in cache from its amax to its codes (simd::encode_blocks).
template <class T, class F, rounding_mode R, overflow_mode O>
void convert_blocks(std::span<const float> x, std::span<T> out, std::size_t bw, F&& factors, const R& r, O o) {
  simd::dispatch([&]<class A>() {
    if constexpr (std::is_same_v<A, simd::scalar_path> || !simd::detail::has_kernels<T>()) {
      // every block at once: the amax, the factors, then the scaled conversion
      const std::size_t nb = (x.size() + bw - 1) / bw;
      std::vector<std::uint32_t> amax(nb);
      std::vector<float> f(nb);
      abs_max_blocks(x.data(), x.size(), bw, amax.data());
      factors(std::size_t(0), nb, static_cast<const std::uint32_t*>(amax.data()), f.data());
      convert_scaled(x, out, bw, f.data(), r, o);
    } else {
      simd::encode_blocks<A>(x.data(), x.size(), bw, factors, out.data(), r, o);
    }
  });
}

}  // namespace detail

}  // namespace lowp
