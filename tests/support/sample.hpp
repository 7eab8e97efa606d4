// tests/support/sample.hpp: dense samples of inputs around every rounding boundary of a format.
#pragma once
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "reference.hpp"

namespace support {

inline float float_from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

/// Every table value, every midpoint, their float and double neighbours, specials, and random
/// float bit patterns (uniform over all 2^32, and within the format's range). `stride` thins
/// the boundary part for 16-bit formats.
inline std::vector<double> dense_sample(const ref::rounder& r, std::uint32_t seed, int randoms = 20000,
                                        int stride = 1) {
  std::vector<double> s = {0.0,      -0.0,    INFINITY, -INFINITY,    NAN,           FLT_MAX,
                           -FLT_MAX, FLT_MIN, -FLT_MIN, FLT_TRUE_MIN, -FLT_TRUE_MIN, 1e30,
                           -1e30,    1e-30,   -1e-30,   DBL_MAX,      -DBL_MAX,      DBL_TRUE_MIN};
  const auto& t = r.table();
  std::vector<double> v;
  for (auto& e : t) v.push_back(e.v);
  int ex = 0;
  std::frexp(r.max(), &ex);
  const double virt = r.max() + std::ldexp(1.0, ex - 1 - r.fmt().M);
  v.push_back(virt);
  v.push_back(2 * virt);
  if (r.fmt().has_sign()) {
    v.push_back(-virt);
    v.push_back(-2 * virt);
  }
  std::sort(v.begin(), v.end());
  auto near = [&](double x) {
    s.push_back(x);
    const float f = float(x);
    if (double(f) == x) {
      s.push_back(std::nextafter(f, INFINITY));
      s.push_back(std::nextafter(f, -INFINITY));
    }
    s.push_back(std::nextafter(x, INFINITY));
    s.push_back(std::nextafter(x, -INFINITY));
  };
  for (std::size_t i = 0; i < v.size(); i += std::size_t(stride)) {
    near(v[i]);
    if (i + 1 < v.size()) {
      near((v[i] + v[i + 1]) / 2);
      near(v[i] + (v[i + 1] - v[i]) / 4);
    }
  }
  std::mt19937 rng(seed);
  for (int i = 0; i < randoms; ++i) s.push_back(double(float_from_bits(std::uint32_t(rng()))));
  std::uniform_real_distribution<double> mant(1.0, 2.0);
  std::uniform_int_distribution<int> expo(-r.fmt().bias - r.fmt().M - 3, int(std::log2(r.max())) + 3);
  for (int i = 0; i < randoms; ++i) {
    const double x = std::ldexp(mant(rng), expo(rng)) * (rng() & 1 ? -1 : 1);
    s.push_back(double(float(x)));
    s.push_back(x);
  }
  return s;
}

}  // namespace support
