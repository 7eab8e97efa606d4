// lowp/simd/pack.hpp: conversion fused with packing, in one pass over memory.
//
//   auto p = lowp::pack<lowp::float4_e2m1fn>(std::span<const float>(x), rounding, overflow);
//   lowp::unpack(p, std::span<float>(y));
//
// The input is converted in blocks of 1000 elements into an L1-resident buffer of codes on the
// SIMD kernels (simd/convert.hpp), which is packed at once (pack/packed.hpp's bit order); unpacking
// runs the same way backwards. Element i of a stochastic call draws (seed, offset + i), as ever.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "lowp/core/error.hpp"
#include "lowp/core/tags.hpp"
#include "lowp/pack/packed.hpp"
#include "lowp/simd/convert.hpp"

namespace lowp {

namespace detail {
// Blocks of 1000 = 25 · 40 elements: every packing (b ≤ 7 bits, or 5 trits a byte) ends on a byte.
inline constexpr std::size_t pack_step = 1000;
/// The rounding mode for elements starting `by` places later: a stochastic stream advanced by `by`
/// draws (so element i draws index i wherever a block starts), every other mode unchanged.
template <class R>
R offset_by(const R& r, std::uint64_t by) {
  if constexpr (std::is_same_v<R, rounding::stochastic>)
    return rounding::stochastic{r.seed, r.offset + by};
  else
    return r;
}

/// pack_codes<T> (pack/packed.hpp) of n codes, the 4-bit packings on the dispatched SIMD kernels
/// (the same bytes; the codes' high nibbles are ignored, as pack_codes ignores them).
template <class T>
void pack_codes_bulk(const std::uint8_t* codes, std::size_t n, std::uint8_t* out) {
  std::size_t done = 0;
  if constexpr (!packing<T>::base3 && packing<T>::bits == 4) {
    if (n >= 64)  // shorter: the dispatch would cost more than it saves
      simd::dispatch([&]<class A>() {
        if constexpr (!std::is_same_v<A, simd::scalar_path>) done = simd::pack_nibbles<A>(codes, n, out);
      });
  }
  pack_codes<T>(codes + done, n - done, out + done / 2);
}

/// unpack_codes<T> of n codes, the 4-bit packings on the dispatched SIMD kernels.
template <class T>
void unpack_codes_bulk(const std::uint8_t* in, std::size_t n, std::uint8_t* codes) {
  std::size_t done = 0;
  if constexpr (!packing<T>::base3 && packing<T>::bits == 4) {
    if (n >= 64)
      simd::dispatch([&]<class A>() {
        if constexpr (!std::is_same_v<A, simd::scalar_path>) done = simd::unpack_nibbles<A>(in, n, codes);
      });
  }
  unpack_codes<T>(in + done / 2, n - done, codes + done);
}
}  // namespace detail

/// Converts floats to T and packs them into out (of the same size), in one pass.
template <class T, rounding_mode R, overflow_mode O>
void pack(std::span<const float> in, packed_vector<T>& out, const R& r, O o) {
  if (out.size() != in.size())
    throw error("pack: " + std::to_string(in.size()) + " floats into " + std::to_string(out.size()) + " codes");
  T codes[detail::pack_step];
  for (std::size_t start = 0; start < in.size(); start += detail::pack_step) {
    const std::size_t n = std::min(detail::pack_step, in.size() - start);
    convert(in.subspan(start, n), std::span<T>(codes, n), detail::offset_by(r, start), o);
    detail::pack_codes_bulk<T>(reinterpret_cast<const std::uint8_t*>(codes), n,
                               out.data() + packing<T>::bytes_for(start));
  }
}

/// Converts floats to T and packs them, in one pass.
template <class T, rounding_mode R, overflow_mode O>
packed_vector<T> pack(std::span<const float> in, const R& r, O o) {
  packed_vector<T> out(in.size());
  pack(in, out, r, o);
  return out;
}

/// Unpacks and converts to float, in one pass; out must have p.size() elements.
template <class T>
void unpack(const packed_vector<T>& p, std::span<float> out) {
  if (out.size() != p.size())
    throw error("unpack: " + std::to_string(p.size()) + " codes into " + std::to_string(out.size()) + " floats");
  T codes[detail::pack_step];
  for (std::size_t start = 0; start < p.size(); start += detail::pack_step) {
    const std::size_t n = std::min(detail::pack_step, p.size() - start);
    detail::unpack_codes_bulk<T>(p.data() + packing<T>::bytes_for(start), n, reinterpret_cast<std::uint8_t*>(codes));
    convert(std::span<const T>(codes, n), out.subspan(start, n), rounding::nearest_even{},
            overflow::propagate{});  // exact
  }
}

}  // namespace lowp
