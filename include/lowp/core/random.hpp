// lowp/core/random.hpp: counter-based random bits for stochastic rounding (spec §6).
//
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011;
// Random123's known-answer vectors are in tests/core/random_test.cpp). One Philox block gives four
// 32-bit words; element n of a stream draws word n & 3 of block n >> 2, so the bits of an element
// depend only on (seed, n) and a SIMD kernel can compute four elements per block.
#pragma once
#include <array>
#include <cstdint>

#include "lowp/core/fp.hpp"

namespace lowp {

/// Philox4x32 with 10 rounds: counter (4 words) and key (2 words) in, 4 words out.
constexpr std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> ctr,
                                                     std::array<std::uint32_t, 2> key) {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;  // Random123 multipliers
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;  // Weyl key increments
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += w0;
      key[1] += w1;
    }
    const std::uint64_t p0 = std::uint64_t{m0} * ctr[0];
    const std::uint64_t p1 = std::uint64_t{m1} * ctr[2];
    ctr = {std::uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], std::uint32_t(p1), std::uint32_t(p0 >> 32) ^ ctr[3] ^ key[1],
           std::uint32_t(p0)};
  }
  return ctr;
}

/// The 32 random bits of element `n` of the stream keyed by `seed` (spec §6).
constexpr std::uint32_t random_bits(std::uint64_t seed, std::uint64_t n) {
  const std::uint64_t block = n >> 2;
  const auto out = philox4x32_10({std::uint32_t(block), std::uint32_t(block >> 32), 0u, 0u},
                                 {std::uint32_t(seed), std::uint32_t(seed >> 32)});
  return out[n & 3];
}

}  // namespace lowp
