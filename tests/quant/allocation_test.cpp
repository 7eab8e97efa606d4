// Mixed-precision allocation against brute force: every combination of options enumerated, the
// least weighted error within the budget found by hand, and the allocator's answer compared.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "lowp/quant/allocation.hpp"

namespace {

struct brute {
  double error = std::numeric_limits<double>::infinity();
  std::uint64_t bits = 0;
};

// every combination, errors summed in tensor order (as the allocator sums them)
brute brute_force(const std::vector<lowp::alloc_tensor>& t, double budget) {
  brute best;
  std::vector<std::size_t> c(t.size(), 0);
  for (;;) {
    std::uint64_t bits = 0;
    double err = 0.0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      bits += t[i].options[c[i]].bits;
      err += t[i].weight * t[i].options[c[i]].error;
    }
    if (double(bits) <= budget && (err < best.error || (err == best.error && bits < best.bits))) best = {err, bits};
    std::size_t i = 0;
    while (i < t.size() && ++c[i] == t[i].options.size()) c[i++] = 0;
    if (i == t.size()) break;
  }
  return best;
}

std::vector<lowp::alloc_tensor> random_problem(std::mt19937& rng, std::size_t n, std::size_t k) {
  std::uniform_int_distribution<int> bits(1, 40), nopt(1, int(k));
  std::uniform_real_distribution<double> err(0.0, 10.0), w(0.0, 3.0);
  std::vector<lowp::alloc_tensor> t(n);
  for (auto& x : t) {
    x.weight = w(rng);
    const int m = nopt(rng);
    for (int j = 0; j < m; ++j) x.options.push_back({std::to_string(j), std::uint64_t(bits(rng)), err(rng)});
  }
  return t;
}

double total_error(const std::vector<lowp::alloc_tensor>& t, const lowp::alloc_result& r) {
  double e = 0.0;
  for (std::size_t i = 0; i < t.size(); ++i) e += t[i].weight * t[i].options[r.choice[i]].error;
  return e;
}

}  // namespace

TEST_CASE("allocate: the exact program finds brute force's optimum on random small problems") {
  std::mt19937 rng(20261130);
  int cases = 0;
  for (int rep = 0; rep < 400; ++rep) {
    const auto t = random_problem(rng, 1 + std::size_t(rep % 7), 5);
    std::uint64_t lo = 0, hi = 0;
    for (const auto& x : t) {
      std::uint64_t a = UINT64_MAX, b = 0;
      for (const auto& o : x.options) a = std::min(a, o.bits), b = std::max(b, o.bits);
      lo += a, hi += b;
    }
    const double budget = double(lo) + double(hi - lo) * double(rep % 10) / 9.0;
    const auto r = lowp::allocate(t, lowp::bits_budget{budget});
    const brute b = brute_force(t, budget);
    REQUIRE(r.exact);
    CHECK(r.error == b.error);
    CHECK(r.bits == b.bits);
    CHECK(double(r.bits) <= budget);
    CHECK(total_error(t, r) == r.error);  // the reported choice is the one scored
    CHECK(r.gap() == 0.0);
    ++cases;
  }
  CHECK(cases == 400);
}

TEST_CASE("allocate: the Lagrangian fallback is feasible, and its gap bounds its distance to the optimum") {
  std::mt19937 rng(7);
  int tight = 0;
  for (int rep = 0; rep < 200; ++rep) {
    const auto t = random_problem(rng, 6, 5);
    std::uint64_t lo = 0, hi = 0;
    for (const auto& x : t) {
      std::uint64_t a = UINT64_MAX, b = 0;
      for (const auto& o : x.options) a = std::min(a, o.bits), b = std::max(b, o.bits);
      lo += a, hi += b;
    }
    const double budget = double(lo) + double(hi - lo) * 0.4;
    const auto r = lowp::allocate(t, lowp::bits_budget{budget}, /*max_states=*/1);  // forces the fallback
    const brute b = brute_force(t, budget);
    CHECK(double(r.bits) <= budget);
    CHECK(r.error >= b.error);                    // never better than the optimum
    CHECK(r.lower_bound <= b.error + 1e-12);      // the dual bound is a true lower bound
    CHECK(r.error - b.error <= r.gap() + 1e-12);  // so the reported gap bounds the distance
    CHECK(total_error(t, r) == r.error);
    tight += r.error == b.error;
  }
  CHECK(tight > 100);  // the relaxation plus the upgrades usually reaches the optimum
}

TEST_CASE("allocate: three tensors, worked by hand") {
  // a and b (1000 weights each): int8 8000 bits error 1, int4 4500 bits error 10; c (2000 weights,
  // weight 2): int8 16000 bits error 1, int4 9000 bits error 4 (weighted 2 and 8). The choices:
  //   all int4 18000 bits, 10 + 10 + 8 = 28;  a (or b) int8 21500, 1 + 10 + 8 = 19;
  //   a and b int8 25000, 1 + 1 + 8 = 10;     c int8 25000, 10 + 10 + 2 = 22;  a, c int8 28500, 13.
  std::vector<lowp::alloc_tensor> t = {
      {"a", 1.0, {{"int8", 8000, 1.0}, {"int4", 4500, 10.0}}},
      {"b", 1.0, {{"int8", 8000, 1.0}, {"int4", 4500, 10.0}}},
      {"c", 2.0, {{"int8", 16000, 1.0}, {"int4", 9000, 4.0}}},
  };
  const auto r = lowp::allocate(t, lowp::bits_budget{24000});
  CHECK(r.error == 19.0);
  CHECK(r.bits == 21500);
  CHECK((r.choice[0] == 0) != (r.choice[1] == 0));
  CHECK(r.choice[2] == 1);
  const auto r2 = lowp::allocate(t, lowp::bits_budget{25000});
  CHECK(r2.error == 10.0);
  CHECK(r2.choice == std::vector<std::size_t>{0, 0, 1});
  const auto r3 = lowp::allocate(t, lowp::bits_budget{18000});
  CHECK(r3.error == 28.0);
}

TEST_CASE("allocate: bad input is a lowp::error naming it") {
  std::vector<lowp::alloc_tensor> t = {{"a", 1.0, {{"int8", 8, 1.0}}}};
  CHECK_THROWS_WITH(lowp::allocate(t, lowp::bits_budget{7}), Catch::Contains("below the smallest choice, 8 bits"));
  CHECK_THROWS_WITH(lowp::allocate(t, lowp::bits_budget{-1}), Catch::Contains("budget must be"));
  t[0].options[0].error = std::nan("");
  CHECK_THROWS_WITH(lowp::allocate(t, lowp::bits_budget{8}),
                    Catch::Contains("('a'), option 'int8': the error must be"));
  t[0].options.clear();
  CHECK_THROWS_WITH(lowp::allocate(t, lowp::bits_budget{8}), Catch::Contains("tensor 0 ('a') has no option"));
  t = {{"b", -1.0, {{"x", 1, 0.0}}}};
  CHECK_THROWS_WITH(lowp::allocate(t, lowp::bits_budget{8}), Catch::Contains("weight must be"));
  CHECK(lowp::allocate(std::vector<lowp::alloc_tensor>{}, lowp::bits_budget{0}).exact);
}
