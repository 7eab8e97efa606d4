// tests/support/levels.hpp: run a check at every instruction-set level this CPU has.
#pragma once
#include <lowp/simd/dispatch.hpp>

namespace support {

/// Calls f(level) with the dispatcher capped at each level the CPU runs (scalar first), then
/// restores the cap.
template <class F>
void for_each_level(F&& f) {
  using lowp::simd::isa;
  const isa saved = lowp::simd::max_isa();
  for (isa l : lowp::simd::family_levels) {
    if (lowp::simd::rank(l) > lowp::simd::rank(lowp::simd::cpu_isa())) continue;
    lowp::simd::set_max_isa(l);
    f(l);
  }
  lowp::simd::set_max_isa(saved);
}

}  // namespace support
