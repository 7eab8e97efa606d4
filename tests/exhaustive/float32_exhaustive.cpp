// tests/exhaustive/float32_exhaustive.cpp: every one of the 2^32 float bit patterns, converted to
// every 8-, 6- and 4-bit float format with nearest_even × {saturate, propagate}, against the
// independent table reference (tests/support/reference.hpp). Run by `make test-exhaustive`.
//
// The positive patterns are swept in increasing order of value with a moving index into the
// sorted table (the reference's search, made incremental); a negative pattern must give the
// positive result with the sign bit set (sign-magnitude formats, spec §1), except where the
// format has no sign for it (fnuz zero and NaN, fnu).
#include <lowp/format/convert.hpp>
#include <lowp/format/minifloat.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "../support/reference.hpp"

namespace {

struct job {
  const char* name;
  bool saturate;
  std::function<std::uint32_t(float)> lib;
  ref::format fmt;
};

template <class T>
void add(std::vector<job>& jobs, const char* name) {
  using lowp::encoding;
  const encoding e = T::format_encoding;
  const ref::enc r = e == encoding::ieee   ? ref::enc::ieee
                     : e == encoding::fn   ? ref::enc::fn
                     : e == encoding::fnuz ? ref::enc::fnuz
                     : e == encoding::none ? ref::enc::none
                                           : ref::enc::fnu;
  const ref::format f{T::exponent_bits, T::mantissa_bits, T::bias, r};
  jobs.push_back({name, true,
                  [](float x) {
                    return std::uint32_t(
                        lowp::convert<T>(x, lowp::rounding::nearest_even{}, lowp::overflow::saturate{}).bits());
                  },
                  f});
  jobs.push_back({name, false,
                  [](float x) {
                    return std::uint32_t(
                        lowp::convert<T>(x, lowp::rounding::nearest_even{}, lowp::overflow::propagate{}).bits());
                  },
                  f});
}

float from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

/// Returns the number of disagreements over all 2^32 patterns.
std::uint64_t run(const job& j, std::uint32_t (*lib_fast)(float) = nullptr) {
  (void)lib_fast;
  const ref::rounder r(j.fmt);
  const ref::ovf o = j.saturate ? ref::ovf::saturate : ref::ovf::propagate;
  // positive part of the table, ascending, and the virtual value above max
  std::vector<std::pair<double, std::uint32_t>> pos;
  for (auto& e : r.table())
    if (e.v >= 0) pos.push_back({e.v, e.code});
  int ex = 0;
  std::frexp(r.max(), &ex);
  double virt = r.max() + std::ldexp(1.0, ex - 1 - j.fmt.M);
  if (j.fmt.e != ref::enc::fnu) virt = std::max(virt, r.max() + std::ldexp(1.0, 1 - j.fmt.bias - j.fmt.M));
  const std::uint32_t sign = j.fmt.sign_bit();
  const std::uint32_t over = r.round(INFINITY, ref::mode::nearest_even, o);  // the overflow result
  std::uint64_t bad = 0;
  std::size_t idx = 0;
  auto negative_of = [&](std::uint32_t pos_code) -> std::uint32_t {
    if (j.fmt.e == ref::enc::fnu) return pos_code;
    if (j.fmt.e == ref::enc::fnuz && (pos_code == 0 || pos_code == sign)) return pos_code;
    return pos_code | sign;
  };
  for (std::uint64_t p = 0; p <= 0x7FFFFFFFull; ++p) {
    const float x = from_bits(std::uint32_t(p));
    std::uint32_t want;
    if (p > 0x7F800000u) {
      want = r.round(double(x), ref::mode::nearest_even, o);  // NaN: canonical, either sign
      bad += j.lib(x) != want;
      bad += j.lib(-x) != want;
      continue;
    }
    const double xd = x;
    if (j.fmt.e == ref::enc::fnu && xd < pos.front().first) {
      want = 0;  // below 2^-127 and zero: code 0x00 (spec §1)
    } else if (xd >= virt) {
      want = over;
    } else {
      while (idx + 1 < pos.size() && pos[idx + 1].first <= xd) ++idx;
      const auto [lo, lo_code] = pos[idx];
      if (xd == lo) {
        want = lo_code;
      } else {
        const bool top = idx + 1 == pos.size();
        const double hi = top ? virt : pos[idx + 1].first;
        const std::uint32_t hi_mag = top ? lo_code + 1 : pos[idx + 1].second;
        const double mid = (lo + hi) / 2;
        const bool pick_hi = xd > mid || (xd == mid && (hi_mag & 1) == 0);
        want = !pick_hi ? lo_code : (top ? over : hi_mag);
      }
    }
    const std::uint32_t got = j.lib(x);
    if (got != want) {
      if (bad < 3)
        std::printf("  %s %s: x = %a got 0x%x want 0x%x\n", j.name, j.saturate ? "saturate" : "propagate", xd, got,
                    want);
      ++bad;
    }
    // the negative pattern; overflow results keep their sign as the format allows
    std::uint32_t want_neg = negative_of(want);
    if (want == over) want_neg = r.round(-double(INFINITY), ref::mode::nearest_even, o);
    const std::uint32_t got_neg = j.lib(-x);
    if (got_neg != want_neg) {
      if (bad < 3)
        std::printf("  %s %s: x = %a got 0x%x want 0x%x\n", j.name, j.saturate ? "saturate" : "propagate", -xd, got_neg,
                    want_neg);
      ++bad;
    }
  }
  return bad;
}

}  // namespace

int main() {
  std::vector<job> jobs;
  add<lowp::float8_e4m3fn>(jobs, "float8_e4m3fn");
  add<lowp::float8_e4m3fnuz>(jobs, "float8_e4m3fnuz");
  add<lowp::float8_e4m3>(jobs, "float8_e4m3");
  add<lowp::float8_e5m2>(jobs, "float8_e5m2");
  add<lowp::float8_e5m2fnuz>(jobs, "float8_e5m2fnuz");
  add<lowp::float8_e3m4>(jobs, "float8_e3m4");
  add<lowp::float8_e8m0fnu>(jobs, "float8_e8m0fnu");
  add<lowp::float6_e2m3fn>(jobs, "float6_e2m3fn");
  add<lowp::float6_e3m2fn>(jobs, "float6_e3m2fn");
  add<lowp::float4_e2m1fn>(jobs, "float4_e2m1fn");
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<std::size_t> next{0};
  std::atomic<int> failed{0};
  std::mutex io;
  auto worker = [&] {
    for (std::size_t k; (k = next++) < jobs.size();) {
      const auto s = std::chrono::steady_clock::now();
      const std::uint64_t bad = run(jobs[k]);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count();
      std::lock_guard<std::mutex> lock(io);
      std::printf("%-16s nearest_even %-9s 2^32 patterns: %llu disagreements (%.0f s)\n", jobs[k].name,
                  jobs[k].saturate ? "saturate" : "propagate", (unsigned long long)bad, secs);
      std::fflush(stdout);
      if (bad) ++failed;
    }
  };
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("exhaustive: %zu format x overflow pairs, %.0f s on %u threads\n", jobs.size(), secs, n);
  std::printf("%d passed, %d failed\n", int(jobs.size()) - failed.load(), failed.load());
  return failed ? 1 : 0;
}
