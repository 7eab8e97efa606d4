// lowp/simd/threads.hpp: the one thread splitter of lowp's kernels. Work along N comes in units (a
// panel pair of 32 output columns); `threads` contiguous ranges of units run on std::threads (the
// calling thread takes the first). Every kernel computes each output element the same way whatever
// range holds it, so the bits never depend on the thread count.
#pragma once
#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace lowp::simd {

/// Calls f(begin, end) on `threads` (at most `units`) contiguous ranges covering [0, units).
template <class F>
void parallel_units(std::size_t units, std::size_t threads, F&& f) {
  const std::size_t t = std::max<std::size_t>(1, std::min(threads, units));
  if (t == 1) return f(std::size_t(0), units);
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < t; ++i) pool.emplace_back([&f, units, t, i] { f(units * i / t, units * (i + 1) / t); });
  f(std::size_t(0), units / t);
  for (auto& th : pool) th.join();
}

}  // namespace lowp::simd
