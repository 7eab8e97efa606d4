// tests/core/random_test.cpp: Philox4x32-10 against Random123's known-answer vectors, and the
// stream layout of random_bits (element n = word n & 3 of block n >> 2); the rounding rule of
// core/round.hpp in its three forms (bool, lane mask, bias and shift) against spec §6.
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

namespace {
namespace ro = lowp::rounding;
// p / 2^F under mode R, from the definitions of spec §6 on exact rationals (p, 2^F small)
template <class R>
std::int64_t by_definition(std::int64_t p, int F) {
  const std::int64_t one = std::int64_t(1) << F;
  const std::int64_t fl = p >= 0 ? p / one : -((-p + one - 1) / one);  // floor
  const std::int64_t r = p - fl * one;                                 // in [0, one)
  if (r == 0) return fl;
  const std::int64_t ce = fl + 1, tz = p < 0 ? ce : fl, away = p < 0 ? fl : ce;
  const bool tie = 2 * r == one, above = 2 * r > one;
  const std::int64_t nearest_or_tie = above ? ce : fl;
  if constexpr (std::is_same_v<R, ro::toward_zero>) return tz;
  if constexpr (std::is_same_v<R, ro::toward_positive>) return ce;
  if constexpr (std::is_same_v<R, ro::toward_negative>) return fl;
  if constexpr (std::is_same_v<R, ro::to_odd>) return (fl & 1) ? fl : ce;
  if (!tie) return nearest_or_tie;
  if constexpr (std::is_same_v<R, ro::nearest_even>) return (fl & 1) ? ce : fl;
  if constexpr (std::is_same_v<R, ro::nearest_away>) return away;
  if constexpr (std::is_same_v<R, ro::nearest_up>) return ce;
  if constexpr (std::is_same_v<R, ro::nearest_down>) return fl;
  return tz;  // nearest_zero
}

template <class R, int F>
void check_shift_rule() {
  typedef std::int64_t v4 __attribute__((vector_size(32)));
  for (std::int64_t p = -600; p <= 600; p += 4) {
    v4 in = {p, p + 1, p + 2, p + 3}, out = in;
    lowp::detail::round_shift_rule<R, F>(out, in);
    for (int j = 0; j < 4; ++j) {
      std::int64_t s = 0;
      lowp::detail::round_shift_rule<R, F>(s, std::int64_t(p + j));
      INFO("F = " << F << ", p = " << p + j);
      CHECK(s == by_definition<R>(p + j, F));
      CHECK(out[j] == s);  // the vector form gives the scalar's result in every lane
    }
  }
}
template <class R>
void check_shift_rule_all_widths() {
  check_shift_rule<R, 1>();
  check_shift_rule<R, 2>();
  check_shift_rule<R, 3>();
  check_shift_rule<R, 7>();
}
}  // namespace

TEST_CASE("the bias-and-shift form of the rounding rule gives spec §6's results, scalar and vector", "[round]") {
  check_shift_rule_all_widths<ro::nearest_even>();
  check_shift_rule_all_widths<ro::nearest_away>();
  check_shift_rule_all_widths<ro::nearest_up>();
  check_shift_rule_all_widths<ro::nearest_down>();
  check_shift_rule_all_widths<ro::nearest_zero>();
  check_shift_rule_all_widths<ro::toward_zero>();
  check_shift_rule_all_widths<ro::toward_positive>();
  check_shift_rule_all_widths<ro::toward_negative>();
  check_shift_rule_all_widths<ro::to_odd>();
}

TEST_CASE("the rounding rule on a bit mask decides each lane as on a bool", "[round]") {
  // all 2^5 combinations of (neg, odd, inexact, above, tie) as 32 lanes of a uint32 mask
  std::uint32_t neg = 0, odd = 0, inexact = 0, above = 0, tie = 0;
  for (std::uint32_t c = 0; c < 32; ++c) {
    neg |= ((c >> 0) & 1u) << c;
    odd |= ((c >> 1) & 1u) << c;
    inexact |= ((c >> 2) & 1u) << c;
    above |= ((c >> 3) & 1u) << c;
    tie |= ((c >> 4) & 1u) << c;
  }
  auto check = [&](auto mode) {
    using R = decltype(mode);
    std::uint32_t up = 0;
    lowp::detail::rounding_rule<R>(up, neg, odd, inexact, above, tie, 0u, ~0u);
    for (std::uint32_t c = 0; c < 32; ++c) {
      const bool b = lowp::detail::rounds_up<R>(c & 1, (c >> 1) & 1, (c >> 2) & 1, (c >> 3) & 1, (c >> 4) & 1);
      CHECK(((up >> c) & 1u) == std::uint32_t(b));
    }
  };
  check(ro::nearest_even{});
  check(ro::nearest_away{});
  check(ro::nearest_up{});
  check(ro::nearest_down{});
  check(ro::nearest_zero{});
  check(ro::toward_zero{});
  check(ro::toward_positive{});
  check(ro::toward_negative{});
  check(ro::to_odd{});
  // on bools: nearest_even rounds a tie to even, toward_positive any inexact positive value up
  CHECK(lowp::detail::rounds_up<ro::nearest_even>(false, true, true, false, true));
  CHECK_FALSE(lowp::detail::rounds_up<ro::nearest_even>(false, false, true, false, true));
  CHECK(lowp::detail::rounds_up<ro::toward_positive>(false, false, true, false, false));
  CHECK_FALSE(lowp::detail::rounds_up<ro::toward_positive>(true, false, true, false, false));
}
