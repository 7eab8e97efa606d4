// tests/core/random_test.cpp: Philox4x32-10 against Random123's known-answer vectors, and the
// stream layout of random_bits (element n = word n & 3 of block n >> 2).
#include <lowp/core/random.hpp>
#include <lowp/core/round.hpp>

#include <catch2/catch.hpp>

TEST_CASE("Philox4x32-10 matches Random123's known answers", "[random]") {
  // Random123 kat_vectors: counter[4] key[2] -> output[4]
  using A4 = std::array<std::uint32_t, 4>;
  CHECK(lowp::philox4x32_10({0, 0, 0, 0}, {0, 0}) == A4{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(lowp::philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
        A4{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(lowp::philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
        A4{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
  static_assert(lowp::philox4x32_10({0, 0, 0, 0}, {0, 0})[0] == 0x6627e8d5u, "constexpr");
}

TEST_CASE("random_bits: element n is word n & 3 of Philox block n >> 2, keyed by the seed", "[random]") {
  const std::uint64_t seed = 0x0123456789abcdefull;
  for (std::uint64_t n : {0ull, 1ull, 2ull, 3ull, 4ull, 7ull, 1ull << 33, (1ull << 40) + 3}) {
    const auto block =
        lowp::philox4x32_10({std::uint32_t(n >> 2), std::uint32_t(n >> 34), 0, 0}, {0x89abcdefu, 0x01234567u});
    CHECK(lowp::random_bits(seed, n) == block[n & 3]);
  }
  CHECK(lowp::random_bits(1, 0) != lowp::random_bits(2, 0));
}

TEST_CASE("truncate keeps what the rounding modes need", "[round]") {
  // 0b1011 · 2^0 at quantum 2^2: t = 0b10, fraction 0b11 / 4 = 0.75
  auto f = lowp::detail::truncate<std::uint64_t>(11, 0, 2);
  CHECK(f.t == 2);
  CHECK(f.inexact);
  CHECK(f.half == 1);
  CHECK(f.frac32 == 0xC0000000u);
  f = lowp::detail::truncate<std::uint64_t>(10, 0, 2);  // fraction exactly one half
  CHECK(f.half == 0);
  f = lowp::detail::truncate<std::uint64_t>(1, -200, 0);  // far below the quantum
  CHECK(f.t == 0);
  CHECK(f.inexact);
  CHECK(f.half == -1);
  CHECK(f.frac32 == 0);
  f = lowp::detail::truncate<std::uint64_t>(3, 63, 0);  // 3 · 2^63 does not fit 64 bits
  CHECK(f.big);
  f = lowp::detail::truncate<std::uint64_t>(3, 62, 0);  // 3 · 2^62 does
  CHECK(!f.big);
  f = lowp::detail::truncate<std::uint64_t>(1, 64, 0);
  CHECK(f.big);
  f = lowp::detail::truncate<std::uint64_t>(1, 63, 0);
  CHECK(!f.big);
  CHECK(f.t == (1ull << 63));
}
