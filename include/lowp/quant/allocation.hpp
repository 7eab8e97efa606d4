// lowp/quant/allocation.hpp: mixed-precision bit allocation — one scheme per tensor, minimising the
// total weighted error under a size budget (HAWQ-V3's integer linear program, the multiple-choice
// knapsack of BAQ / FLIQS-style allocation).
//
//   std::vector<lowp::alloc_tensor> t = ...;   // per tensor: weight and, per scheme, bits and error
//   lowp::alloc_result r = lowp::allocate(t, lowp::bits_budget{4.5 * total_weights});
//   r.choice[i];                               // the option chosen for tensor i
//
// The problem: minimise Σ_i w_i · e_i(c_i) subject to Σ_i b_i(c_i) ≤ B, c_i one option of tensor i
// (b: the tensor's stored bits under the option, an integer; e: its error, e.g. the summed squared
// error; w: the tensor's weight, 1 or a sensitivity such as a Hessian trace).
//
// Exact first: a dynamic program over the Pareto frontier of (bits, error) of the tensors so far —
// a partial choice is kept unless another uses no more bits and has no more error, so the optimum's
// prefix (or one as good) is always kept, and the result is the optimum for the given errors (ties:
// fewer bits). When the frontiers together would exceed `max_states` (24 bytes each: 4 M ≈ 96 MB),
// the Lagrangian relaxation takes over:
// each tensor independently minimises w·e + λ·b, λ found by bisection as the smallest price whose
// choice fits the budget; the result is feasible and its optimality gap is reported: the dual bound
// max_λ (Σ_i min_c (w·e + λ·b) − λ·B) is a lower bound on the optimum (weak duality), and
// `gap = error − lower_bound` ≥ the distance to the optimum. exact == true means gap = 0 by proof.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "lowp/core/error.hpp"

namespace lowp {

/// One way to store a tensor: its bits in total (codes, scales, everything) and its error.
struct alloc_option {
  std::string scheme;      // a name for reports
  std::uint64_t bits = 0;  // stored bits of the whole tensor
  double error = 0.0;      // its (unweighted) error, ≥ 0
};
/// A tensor to allocate: its options and its weight in the objective.
struct alloc_tensor {
  std::string name;
  double weight = 1.0;
  std::vector<alloc_option> options;
};
/// The budget: total stored bits.
struct bits_budget {
  double bits = 0.0;
};

struct alloc_result {
  std::vector<std::size_t> choice;  // per tensor, the index of its chosen option
  std::uint64_t bits = 0;           // Σ bits of the choice (≤ the budget)
  double error = 0.0;               // Σ weight · error of the choice
  double lower_bound = 0.0;         // no choice within the budget has less error
  bool exact = false;               // the choice is proven optimal (lower_bound == error)
  double gap() const { return error - lower_bound; }
};

namespace detail {

inline void check_allocation(std::span<const alloc_tensor> tensors, double budget) {
  if (!(budget >= 0.0) || !std::isfinite(budget))
    throw error("allocate: the budget must be a finite number of bits ≥ 0, got " + detail::number(budget));
  std::uint64_t least = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const alloc_tensor& t = tensors[i];
    const std::string who = "allocate: tensor " + std::to_string(i) + (t.name.empty() ? "" : " ('" + t.name + "')");
    if (t.options.empty()) throw error(who + " has no option");
    if (!(t.weight >= 0.0) || !std::isfinite(t.weight))
      throw error(who + ": the weight must be finite and ≥ 0, got " + detail::number(t.weight));
    std::uint64_t lo = std::numeric_limits<std::uint64_t>::max();
    for (const alloc_option& o : t.options) {
      if (!(o.error >= 0.0) || !std::isfinite(o.error))
        throw error(who + ", option '" + o.scheme + "': the error must be finite and ≥ 0, got " +
                    detail::number(o.error));
      lo = std::min(lo, o.bits);
    }
    if (__builtin_add_overflow(least, lo, &least)) throw error("allocate: the total bits overflow 64 bits");
  }
  if (double(least) > budget)
    throw error("allocate: the budget of " + detail::number(budget) + " bits is below the smallest choice, " +
                std::to_string(least) + " bits (every tensor at its cheapest option)");
}

/// The Lagrangian choice at price λ: each tensor minimises w·e + λ·b (ties: fewer bits).
inline void lagrangian_choice(std::span<const alloc_tensor> tensors, double lambda, std::vector<std::size_t>& c,
                              std::uint64_t& bits, double& value) {
  c.assign(tensors.size(), 0);
  bits = 0;
  value = 0.0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < t.options.size(); ++k) {
      const double v = t.weight * t.options[k].error + lambda * double(t.options[k].bits);
      if (v < best || (v == best && t.options[k].bits < t.options[c[i]].bits)) {
        best = v;
        c[i] = k;
      }
    }
    bits += t.options[c[i]].bits;
    value += best;
  }
}

}  // namespace detail

/// The choice of one option per tensor with the least total weighted error within the budget (see
/// the top of this header). Throws lowp::error for a tensor without options, a negative or
/// non-finite error or weight, or a budget below the cheapest choice.
inline alloc_result allocate(std::span<const alloc_tensor> tensors, bits_budget budget,
                             std::size_t max_states = 4'000'000) {
  detail::check_allocation(tensors, budget.bits);
  const std::uint64_t cap =
      budget.bits >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : std::uint64_t(std::floor(budget.bits));
  alloc_result r;
  r.choice.assign(tensors.size(), 0);
  if (tensors.empty()) {
    r.exact = true;
    return r;
  }

  // exact: the Pareto frontier of (bits, error) over the tensors so far, with back pointers
  struct state {
    std::uint64_t bits;
    double error;
    std::uint32_t parent;  // index in the previous frontier
    std::uint32_t option;
  };
  std::vector<std::vector<state>> layers;
  std::vector<state> front{{0, 0.0, 0, 0}};
  std::size_t total = 1;
  bool exact = true;
  for (const alloc_tensor& t : tensors) {
    std::vector<state> next;
    next.reserve(front.size() * t.options.size());
    for (std::size_t s = 0; s < front.size(); ++s)
      for (std::size_t k = 0; k < t.options.size(); ++k) {
        std::uint64_t b = 0;
        if (__builtin_add_overflow(front[s].bits, t.options[k].bits, &b) || b > cap) continue;
        next.push_back({b, front[s].error + t.weight * t.options[k].error, std::uint32_t(s), std::uint32_t(k)});
      }
    std::sort(next.begin(), next.end(),
              [](const state& a, const state& b) { return a.bits != b.bits ? a.bits < b.bits : a.error < b.error; });
    std::vector<state> kept;  // strictly less error with every extra bit
    for (const state& s : next)
      if (kept.empty() || s.error < kept.back().error) kept.push_back(s);
    total += kept.size();
    if (total > max_states) {  // every frontier is kept for the way back: bound them together
      exact = false;
      break;
    }
    layers.push_back(std::move(front));
    front = std::move(kept);
  }
  if (exact) {
    // the least error within the budget; ties resolved to fewer bits by the frontier's order
    std::size_t best = 0;
    for (std::size_t s = 1; s < front.size(); ++s)
      if (front[s].error < front[best].error) best = s;
    r.bits = front[best].bits;
    r.error = front[best].error;
    r.lower_bound = r.error;
    r.exact = true;
    std::size_t s = best;
    std::vector<state>* cur = &front;
    for (std::size_t i = tensors.size(); i-- > 0;) {
      const state& st = (*cur)[s];
      r.choice[i] = st.option;
      s = st.parent;
      cur = &layers[i];
    }
    return r;
  }

  // Lagrangian relaxation: the smallest price λ whose choice fits the budget, by bisection
  std::vector<std::size_t> c;
  std::uint64_t bits = 0;
  double value = 0.0;
  detail::lagrangian_choice(tensors, 0.0, c, bits, value);
  double lower = value;  // L(0): the error with no budget, a lower bound
  double lo = 0.0, hi = 1.0;
  std::vector<std::size_t> fit;
  if (bits <= cap) {
    fit = c;  // the unconstrained optimum fits: exact
  } else {
    for (;;) {  // find a price that fits
      detail::lagrangian_choice(tensors, hi, c, bits, value);
      lower = std::max(lower, value - hi * budget.bits);
      if (bits <= cap) break;
      lo = hi;
      hi *= 2.0;
      if (!std::isfinite(hi)) throw error("allocate: no price fits the budget (errors too large to compare)");
    }
    fit = c;
    for (int it = 0; it < 200 && hi - lo > hi * 1e-15; ++it) {
      const double mid = 0.5 * (lo + hi);
      detail::lagrangian_choice(tensors, mid, c, bits, value);
      lower = std::max(lower, value - mid * budget.bits);
      if (bits <= cap) {
        hi = mid;
        fit = c;
      } else {
        lo = mid;
      }
    }
  }
  r.choice = fit;
  r.bits = 0;
  r.error = 0.0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    r.bits += tensors[i].options[fit[i]].bits;
    r.error += tensors[i].weight * tensors[i].options[fit[i]].error;
  }
  // spend what the price left: upgrade single tensors while the budget allows, most error saved first
  for (bool improved = true; improved;) {
    improved = false;
    std::size_t bi = 0, bk = 0;
    double gain = 0.0;
    for (std::size_t i = 0; i < tensors.size(); ++i)
      for (std::size_t k = 0; k < tensors[i].options.size(); ++k) {
        const auto& cur = tensors[i].options[r.choice[i]];
        const auto& o = tensors[i].options[k];
        const std::uint64_t nb = r.bits - cur.bits + o.bits;
        const double g = tensors[i].weight * (cur.error - o.error);
        if (nb <= cap && g > gain) {
          gain = g;
          bi = i;
          bk = k;
        }
      }
    if (gain > 0.0) {
      r.bits = r.bits - tensors[bi].options[r.choice[bi]].bits + tensors[bi].options[bk].bits;
      r.choice[bi] = bk;
      r.error = 0.0;
      for (std::size_t i = 0; i < tensors.size(); ++i)
        r.error += tensors[i].weight * tensors[i].options[r.choice[i]].error;
      improved = true;
    }
  }
  r.lower_bound = std::min(lower, r.error);
  r.exact = r.lower_bound == r.error;
  return r;
}

}  // namespace lowp
