// tests/format/fixed_exhaustive_test.cpp: every operation of fixed / ufixed, every rounding mode and
// overflow tag, over all operand pairs of 8-bit Q formats, against the exact 128-bit reference.
#include <lowp/format/convert.hpp>
#include <lowp/format/fixed.hpp>
#include <lowp/format/minifloat.hpp>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <vector>

#include "../support/fixed_reference.hpp"

namespace {

using namespace support;
using ref::i128;

template <int I, int F, bool S>
void exhaustive_8bit() {
  long bad = 0, checked = 0;
  std::string first;
  support::for_each(support::deterministic_modes{}, [&]<class R>() {
    support::for_each(support::all_overflows{}, [&]<class O>() {
      using T = lowp::basic_fixed<I, F, S, R, O>;
      static_assert(T::bit_width == 8);
      const fixed_ref r = reference_for<R, O, T>();
      for (i128 a = r.lo; a <= r.hi; ++a) {
        for (i128 b = r.lo; b <= r.hi; ++b) {
          check_ops<T>(r, a, b, bad, first);
          ++checked;
        }
      }
    });
  });
  INFO(first);
  CHECK(bad == 0);
  CHECK(checked == 9 * 5 * 65536);
}

}  // namespace

TEST_CASE("fixed: every operation, mode and tag, all pairs of 8-bit Q formats", "[fixed][exhaustive]") {
  exhaustive_8bit<0, 7, true>();   // Q1.7
  exhaustive_8bit<3, 4, true>();   // Q4.4
  exhaustive_8bit<4, 4, false>();  // UQ4.4
}
