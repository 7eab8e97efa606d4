// tests/intops/nonlinear_test.cpp: the I-BERT / I-ViT operators of intops/nonlinear.hpp.
// Each operator against its float function (std::exp, std::erf, the float softmax / LayerNorm),
// within the bound documented in the header, over every int8 input (every pair of int8 inputs for
// the row operators) at every scale S = 2^-k of its domain; edge rows; errors; bit-identity across
// ISA levels. isqrt against its definition r² ≤ n < (r+1)².
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <random>

#include <lowp/intops/nonlinear.hpp>
#include <lowp/simd/dispatch.hpp>

#include "../support/levels.hpp"

namespace {
namespace io = lowp::intops;

using support::for_each_level;

double gelu_ref(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

/// Every int8 value, one row.
Eigen::ArrayXXi all_int8() {
  Eigen::ArrayXXi q(1, 256);
  for (int i = 0; i < 256; ++i) q(0, i) = i - 128;
  return q;
}
/// Every pair of int8 values, one pair per row.
Eigen::ArrayXXi all_pairs() {
  Eigen::ArrayXXi q(65536, 2);
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) {
      q(a * 256 + b, 0) = a - 128;
      q(a * 256 + b, 1) = b - 128;
    }
  return q;
}
Eigen::ArrayXXi random_int8(int rows, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(-128, 127);
  Eigen::ArrayXXi q(rows, cols);
  for (Eigen::Index i = 0; i < q.size(); ++i) q.data()[i] = u(rng);
  return q;
}
/// Largest |ŷ − softmax(x)| over the rows of q.
double softmax_error(const Eigen::ArrayXXi& q, double s, const io::scaled<std::int32_t>& y) {
  double worst = 0;
  for (Eigen::Index r = 0; r < q.rows(); ++r) {
    const double m = q.row(r).maxCoeff() * s;
    double sum = 0;
    for (Eigen::Index c = 0; c < q.cols(); ++c) sum += std::exp(q(r, c) * s - m);
    for (Eigen::Index c = 0; c < q.cols(); ++c)
      worst = std::max(worst, std::abs(y.values(r, c) * y.scale - std::exp(q(r, c) * s - m) / sum));
  }
  return worst;
}
}  // namespace

TEST_CASE("intops::isqrt is the floor square root", "[intops]") {
  for (std::int64_t n = 0; n < (1 << 20); ++n) {
    const std::int64_t r = io::isqrt(n);
    if (!(r * r <= n && n < (r + 1) * (r + 1))) FAIL("isqrt(" << n << ") = " << r);
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t n = rng() >> (rng() % 64);
    const lowp::uint128 r = io::isqrt(n);
    REQUIRE(r * r <= n);
    REQUIRE(n < (r + 1) * (r + 1));
  }
  CHECK(io::isqrt(std::uint64_t(~0ull)) == 0xFFFFFFFFull);
  CHECK(io::isqrt(std::int32_t(-5)) == 0);
  const Eigen::ArrayXXi a = (Eigen::ArrayXXi(1, 4) << 0, 15, 16, 17).finished();
  CHECK((io::isqrt(a) == (Eigen::ArrayXXi(1, 4) << 0, 3, 4, 4).finished()).all());
}

TEST_CASE("intops::exp (I-BERT i-exp) within its bound, every input, every scale", "[intops]") {
  Eigen::ArrayXXi q(1, 256);
  for (int i = 0; i < 256; ++i) q(0, i) = -i;  // softmax inputs x − max of int8: −255 … 0
  for (int k = 0; k <= 14; ++k) {
    const double s = std::ldexp(1.0, -k);
    const auto y = io::exp(q, s);
    CHECK(y.scale == Approx(0.3585 * s * s));
    double worst = 0;
    for (int i = 0; i < 256; ++i) worst = std::max(worst, std::abs(y.values(0, i) * y.scale - std::exp(-i * s)));
    INFO("S = 2^-" << k << ": max error " << worst);
    CHECK(worst <= 0.003 + 0.8 * s);
    CHECK(worst > 0);  // an approximation, not the float function
  }
  // a polynomial that decays: values never increase as q falls
  const auto y = io::exp(q, 1.0 / 64);
  for (int i = 1; i < 256; ++i) CHECK(y.values(0, i) <= y.values(0, i - 1));
  CHECK_THROWS_WITH(io::exp(Eigen::ArrayXXi::Constant(1, 3, 2), 0.1), Catch::Contains("q <= 0"));
  CHECK_THROWS_AS(io::exp(q, 2.0), lowp::error);
  CHECK_THROWS_AS(io::exp(q, 1e-6), lowp::error);
  CHECK_THROWS_AS(io::exp(q, std::nan("")), lowp::error);
}

TEST_CASE("intops::softmax and shiftmax within their bounds: every int8 pair, random rows, edges", "[intops]") {
  const Eigen::ArrayXXi pairs = all_pairs();
  const Eigen::ArrayXXi rows = random_int8(300, 64, 11);
  for (int k = 3; k <= 14; ++k) {
    const double s = std::ldexp(1.0, -k);
    for (int bits : {8, 16}) {
      INFO("S = 2^-" << k << ", bits " << bits);
      const double b_soft = 0.01 + 0.5 * s + std::ldexp(1.0, -bits);
      const double b_shift = 0.02 + 0.12 * s + std::ldexp(1.0, -bits);
      const auto sp = io::softmax(pairs, s, bits), hp = io::shiftmax(pairs, s, bits);
      CHECK(sp.scale == std::ldexp(1.0, -bits));
      CHECK(softmax_error(pairs, s, sp) <= b_soft);
      CHECK(softmax_error(pairs, s, hp) <= b_shift);
      CHECK(softmax_error(rows, s, io::softmax(rows, s, bits)) <= b_soft);
      CHECK(softmax_error(rows, s, io::shiftmax(rows, s, bits)) <= b_shift);
    }
  }
  // all-equal rows: every probability equal, 1/n to within one unit
  for (int n : {1, 2, 3, 7, 64, 1000}) {
    const Eigen::ArrayXXi eq = Eigen::ArrayXXi::Constant(2, n, -17);
    for (const auto& y : {io::softmax(eq, 0.05), io::shiftmax(eq, 0.05)}) {
      CHECK((y.values == y.values(0, 0)).all());
      CHECK(std::abs(y.values(0, 0) * y.scale - 1.0 / n) <= y.scale);
    }
  }
  // empty rows and no rows
  CHECK(io::softmax(Eigen::ArrayXXi(3, 0), 0.1).values.size() == 0);
  CHECK(io::shiftmax(Eigen::ArrayXXi(0, 5), 0.1).values.rows() == 0);
  // int32 inputs far apart: the small ones go to 0, the row still sums to about 1
  Eigen::ArrayXXi wide(1, 3);
  wide << -2000000000, 2000000000, 1999999990;
  const auto w = io::softmax(wide, 0.01, 15);
  CHECK(w.values(0, 0) == 0);
  CHECK(std::abs((w.values.cast<double>() * w.scale).sum() - 1.0) < 0.01);
  CHECK_THROWS_AS(io::softmax(pairs, 0.1, 0), lowp::error);
  CHECK_THROWS_AS(io::softmax(pairs, 0.1, 31), lowp::error);
  CHECK_THROWS_AS(io::shiftmax(pairs, 4.0), lowp::error);
}

TEST_CASE("intops::gelu (I-BERT) and shift_gelu (I-ViT) within their bounds, every int8 input", "[intops]") {
  const Eigen::ArrayXXi q = all_int8();
  for (int k = 2; k <= 14; ++k) {
    const double s = std::ldexp(1.0, -k);
    const auto g = io::gelu(q, s);
    double worst = 0;
    for (int i = 0; i < 256; ++i) worst = std::max(worst, std::abs(g.values(0, i) * g.scale - gelu_ref((i - 128) * s)));
    INFO("gelu S = 2^-" << k << ": max error " << worst);
    CHECK(worst <= 0.011 + 0.3 * s);
    for (int bits : {8, 16}) {
      const auto h = io::shift_gelu(q, s, bits);
      CHECK(h.scale == s * std::ldexp(1.0, -bits));
      bool ok = true;
      for (int i = 0; i < 256; ++i) {
        const double x = (i - 128) * s;
        ok = ok && std::abs(h.values(0, i) * h.scale - gelu_ref(x)) <= 0.025 + 0.4 * s + std::ldexp(std::abs(x), -bits);
      }
      INFO("shift_gelu bits " << bits);
      CHECK(ok);
      CHECK(h.values(0, 128) == 0);  // GELU(0) = 0
    }
  }
  // i-GELU of int32 codes far out: x·1 for large x, 0 for very negative x
  Eigen::ArrayXXi far(1, 2);
  far << 100000, -100000;
  const auto g = io::gelu(far, 1.0 / 256);
  CHECK(g.values(0, 0) * g.scale == Approx(100000.0 / 256).epsilon(1e-3));
  CHECK(std::abs(g.values(0, 1) * g.scale) < 0.01);
  CHECK_THROWS_AS(io::gelu(q, 1.0), lowp::error);
  CHECK_THROWS_AS(io::gelu(Eigen::ArrayXXi::Constant(1, 1, 2000000000), 1.0 / 16384), lowp::error);
  CHECK_THROWS_AS(io::shift_gelu(q, 1.0), lowp::error);
  CHECK_THROWS_AS(io::shift_gelu(Eigen::ArrayXXi::Constant(1, 1, 1 << 20), 0.01, 16), lowp::error);
}

TEST_CASE("intops::layernorm and rmsnorm within their bounds; zero variance; affine", "[intops]") {
  std::mt19937 rng(5);
  for (int n : {1, 2, 3, 16, 64, 768}) {
    for (int trial = 0; trial < 100; ++trial) {
      const int lo = -1 - int(rng() % 128), hi = int(rng() % 128);
      std::uniform_int_distribution<int> u(lo, hi);
      Eigen::ArrayXXi x(1, n);
      for (int i = 0; i < n; ++i) x(0, i) = u(rng);
      const Eigen::ArrayXXd xd = x.cast<double>();
      const double mu = xd.mean(), sd = std::sqrt((xd - mu).square().mean()), rms = std::sqrt(xd.square().mean());
      const auto ln = io::layernorm(x), lv = io::layernorm(x, io::norm_variant::ivit), rm = io::rmsnorm(x);
      CHECK(ln.scale == Approx(std::sqrt(double(n)) * 0x1p-30));
      for (int c = 0; c < n; ++c) {
        if (sd > 0) {
          const double f = (x(0, c) - mu) / sd;
          const double bound =
              0.5 / sd + 1.1 * std::abs(f) / (std::sqrt(double(n)) * sd) + 2 * std::sqrt(double(n)) * 0x1p-30;
          REQUIRE(std::abs(ln.values(0, c) * ln.scale - f) <= bound);
          const double var = (xd - std::round(mu)).square().sum();
          if (var >= 0x1p18) REQUIRE(std::abs(lv.values(0, c) * lv.scale - f) <= bound);  // I-ViT converged
        } else {
          REQUIRE(ln.values(0, c) == 0);
          REQUIRE(lv.values(0, c) == 0);
        }
        if (rms > 0) {
          const double f = x(0, c) / rms;
          REQUIRE(std::abs(rm.values(0, c) * rm.scale - f) <=
                  1.1 * std::abs(f) / (std::sqrt(double(n)) * rms) + 2 * std::sqrt(double(n)) * 0x1p-30);
        }
      }
    }
  }
  // zero variance and zero rows give zeros, not a division by zero
  const Eigen::ArrayXXi flat = Eigen::ArrayXXi::Constant(2, 8, 42);
  CHECK((io::layernorm(flat).values == 0).all());
  CHECK((io::layernorm(flat, io::norm_variant::ivit).values == 0).all());
  CHECK((io::rmsnorm(Eigen::ArrayXXi::Zero(2, 8)).values == 0).all());
  // I-ViT's ten Newton steps from 2^16 converge for 2^18 ≤ Σy² ≤ 2^46 only (the method's limit)
  Eigen::ArrayXXi tiny(1, 2);
  tiny << 0, 20;  // Σy² = 200: I-BERT 10/⌊√200⌋·√2 = 1.0102; I-ViT stops at 2^6: 10/64·√2 = 0.22
  CHECK(io::layernorm(tiny).real()(0, 1) == Approx(1.0).epsilon(0.02));
  CHECK(io::layernorm(tiny, io::norm_variant::ivit).real()(0, 1) < 0.5);
  Eigen::ArrayXXi big(1, 2);
  big << -2000000000, 2000000000;
  const auto bi = io::layernorm(big), bv = io::layernorm(big, io::norm_variant::ivit);
  CHECK(bi.values(0, 1) * bi.scale == Approx(1.0).epsilon(1e-6));
  CHECK(bv.values(0, 1) * bv.scale < 0.9);

  // γ and β folded into the codes and the column scales (I-BERT)
  const Eigen::ArrayXXi x = random_int8(4, 6, 3);
  Eigen::ArrayXd gamma(6), beta(6);
  gamma << 0.5, 1.0, 2.0, -1.0, 0.25, 3.0;
  beta << 0.1, -0.2, 0.0, 1.5, -3.0, 0.01;
  const auto plain = io::layernorm(x);
  const auto aff = io::layernorm(x, gamma, beta);
  REQUIRE(aff.scales.size() == 6);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 6; ++c) {
      const double want = gamma[c] * plain.values(r, c) * plain.scale + beta[c];
      CHECK(std::abs(aff.real()(r, c) - want) <= std::abs(aff.scales[std::size_t(c)]) * 2);  // two floors
    }
  const auto rg = io::rmsnorm(x, gamma);
  CHECK(rg.real()(0, 2) == Approx(2.0 * io::rmsnorm(x).real()(0, 2)));
  // γ and β as the README passes them: float vectors (a 49-line static-assert wall before), or any
  // Eigen vector; the same codes and scales
  const std::vector<float> gf(gamma.data(), gamma.data() + 6), bf(beta.data(), beta.data() + 6);
  const auto af = io::layernorm(x, std::vector<double>(gf.begin(), gf.end()), std::vector<double>(bf.begin(), bf.end()));
  const auto ag = io::layernorm(x, gamma.cast<float>().cast<double>(), beta.cast<float>().cast<double>());
  const auto ah = io::layernorm(x, gf, bf);
  CHECK((af.values == ag.values).all());
  CHECK((ah.values == ag.values).all());
  CHECK(ah.scales == ag.scales);
  CHECK((io::rmsnorm(x, gf).values == io::rmsnorm(x, gamma.cast<float>()).values).all());
  gamma[2] = 0;
  CHECK_THROWS_WITH(io::layernorm(x, gamma, beta), Catch::Contains("gamma[2]"));
  CHECK_THROWS_AS(io::layernorm(x, Eigen::ArrayXd::Ones(5), Eigen::ArrayXd::Zero(5)), lowp::error);
}

TEST_CASE("intops operators give the same bits at every ISA level", "[intops][dispatch]") {
  const Eigen::ArrayXXi x = random_int8(37, 101, 9);
  Eigen::ArrayXXi neg = x - 127;
  const Eigen::Array<std::int8_t, Eigen::Dynamic, Eigen::Dynamic> x8 = x.cast<std::int8_t>();
  std::vector<io::array<std::int32_t>> ref;
  bool first = true;
  std::size_t k = 0;
  auto record = [&](const io::array<std::int32_t>& a) {
    if (first)
      ref.push_back(a);
    else
      CHECK((ref[k++].array() == a.array()).all());
  };
  for_each_level([&](lowp::simd::isa l) {
    INFO(lowp::simd::name_of(l));
    k = 0;
    record(io::exp(neg, 1.0 / 32).values);
    record(io::softmax(x8, 1.0 / 16).values);
    record(io::shiftmax(x, 1.0 / 16, 12).values);
    record(io::gelu(x8, 1.0 / 32).values);
    record(io::shift_gelu(x, 1.0 / 32, 10).values);
    record(io::layernorm(x).values);
    record(io::layernorm(x, io::norm_variant::ivit).values);
    record(io::rmsnorm(x).values);
    first = false;
  });
  CHECK(ref.size() == 8);
}
