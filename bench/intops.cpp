// bench/intops.cpp: the integer-only operators and the fixed-point math of intops/ (docs/performance.md).
//  - Fixed-point math on 1M Q16.16 values: lowp::intops mul / div / sqrt / exp / log / sin / cos
//    against libfixmath (Debian libfixmath-dev: fix16_mul, fix16_div, ...) and against float32 on
//    the same values, all measured in the same run. Counters: ns per op of each, x_libfixmath =
//    libfixmath time / lowp time, per_float = lowp time / float32 time. Targets: x_libfixmath ≥ 10,
//    and mul per_float ≤ 1.5. Correctness counters: fixmath_wrong = how many of libfixmath's
//    results differ from the correctly rounded one (lowp's, exact by construction and by test).
//  - I-BERT / I-ViT operators on 1M int8 (or int32) codes: ns per element of lowp and of the float
//    function on the same values (per_float = lowp time / float time).
// Without libfixmath the fixed-point benchmarks still run and report the float comparison only.
#include <lowp/eigen/fixed_math.hpp>
#include <lowp/intops/fixed_math.hpp>
#include <lowp/intops/nonlinear.hpp>

#include <benchmark/benchmark.h>
#include <Eigen/Core>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>
#if __has_include(<libfixmath/fix16.h>) && defined(LOWP_BENCH_LIBFIXMATH)
#include <libfixmath/fix16.h>
#define LOWP_HAVE_FIXMATH 1
#endif

namespace {

using lowp::q16_16;
namespace io = lowp::intops;
constexpr std::size_t count = std::size_t(1) << 20;

template <class F>
double best_seconds(F&& f, int reps = 7) {
  double best = 1e30;
  for (int k = 0; k < reps; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

/// Q16.16 operands of one operation, as lowp values, raw fix16_t and floats (the same numbers).
struct operands {
  std::vector<q16_16> a, b, out;
  std::vector<std::int32_t> ra, rb, rout;
  std::vector<float> fa, fb, fout;
  operands(double lo_a, double hi_a, double lo_b, double hi_b, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> da(lo_a, hi_a), db(lo_b, hi_b);
    for (std::size_t i = 0; i < count; ++i) {
      a.push_back(q16_16(da(rng)));
      q16_16 y(db(rng));
      if (y.bits() == 0) y = q16_16::from_bits(1);
      b.push_back(y);
      ra.push_back(a.back().bits());
      rb.push_back(b.back().bits());
      fa.push_back(float(a.back()));
      fb.push_back(float(b.back()));
    }
    out.resize(count);
    rout.resize(count);
    fout.resize(count);
  }
};

enum class op { mul, div, sqrt, exp, log, sin, cos };

void run_lowp(op o, operands& d) {
  switch (o) {
    case op::mul:
      return io::mul<q16_16>(d.a, d.b, d.out);
    case op::div:
      return io::div<q16_16>(d.a, d.b, d.out);
    case op::sqrt:
      return io::sqrt<q16_16>(d.a, d.out);
    case op::exp:
      return io::exp<q16_16>(d.a, d.out);
    case op::log:
      return io::log<q16_16>(d.a, d.out);
    case op::sin:
      return io::sin<q16_16>(d.a, d.out);
    default:
      return io::cos<q16_16>(d.a, d.out);
  }
}

void run_float(op o, operands& d) {
  const float *a = d.fa.data(), *b = d.fb.data();
  float* r = d.fout.data();
  switch (o) {
    case op::mul:
      for (std::size_t i = 0; i < count; ++i) r[i] = a[i] * b[i];
      break;
    case op::div:
      for (std::size_t i = 0; i < count; ++i) r[i] = a[i] / b[i];
      break;
    case op::sqrt:
      for (std::size_t i = 0; i < count; ++i) r[i] = std::sqrt(a[i]);
      break;
    case op::exp:
      for (std::size_t i = 0; i < count; ++i) r[i] = std::exp(a[i]);
      break;
    case op::log:
      for (std::size_t i = 0; i < count; ++i) r[i] = std::log(a[i]);
      break;
    case op::sin:
      for (std::size_t i = 0; i < count; ++i) r[i] = std::sin(a[i]);
      break;
    default:
      for (std::size_t i = 0; i < count; ++i) r[i] = std::cos(a[i]);
  }
  benchmark::DoNotOptimize(r);
}

#if LOWP_HAVE_FIXMATH
void run_fixmath(op o, operands& d) {
  const std::int32_t *a = d.ra.data(), *b = d.rb.data();
  std::int32_t* r = d.rout.data();
  switch (o) {
    case op::mul:
      for (std::size_t i = 0; i < count; ++i) r[i] = fix16_mul(a[i], b[i]);
      break;
    case op::div:
      for (std::size_t i = 0; i < count; ++i) r[i] = fix16_div(a[i], b[i]);
      break;
    case op::sqrt:
      for (std::size_t i = 0; i < count; ++i) r[i] = fix16_sqrt(a[i]);
      break;
    case op::exp:
      for (std::size_t i = 0; i < count; ++i) r[i] = fix16_exp(a[i]);
      break;
    case op::log:
      for (std::size_t i = 0; i < count; ++i) r[i] = fix16_log(a[i]);
      break;
    case op::sin:
      for (std::size_t i = 0; i < count; ++i) r[i] = fix16_sin(a[i]);
      break;
    default:
      for (std::size_t i = 0; i < count; ++i) r[i] = fix16_cos(a[i]);
  }
  benchmark::DoNotOptimize(r);
}
#endif

void fixed_math(benchmark::State& state, op o, double lo_a, double hi_a, double lo_b, double hi_b) {
  operands d(lo_a, hi_a, lo_b, hi_b, 7);
  for (auto _ : state) {
    run_lowp(o, d);
    benchmark::DoNotOptimize(d.out.data());
  }
  const double n = double(count);
  const double t_lowp = best_seconds([&] { run_lowp(o, d); });
  const double t_float = best_seconds([&] { run_float(o, d); });
  state.counters["lowp_ns"] = t_lowp / n * 1e9;
  state.counters["float_ns"] = t_float / n * 1e9;
  state.counters["per_float"] = t_lowp / t_float;
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(count));
#if LOWP_HAVE_FIXMATH
  const double t_fix = best_seconds([&] { run_fixmath(o, d); }, 3);
  state.counters["fixmath_ns"] = t_fix / n * 1e9;
  state.counters["x_libfixmath"] = t_fix / t_lowp;
  // how often libfixmath's result differs from lowp's (correctly rounded for mul, div, sqrt;
  // faithful, mostly correctly rounded for the others)
  run_lowp(o, d);
  run_fixmath(o, d);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < count; ++i) wrong += d.rout[i] != d.out[i].bits();
  state.counters["fixmath_wrong"] = double(wrong);
  state.counters["fixmath_wrong_frac"] = double(wrong) / n;
#endif
}

// Operand ranges keep every result inside Q16.16 (|x| < 32768) where the float32 comparison is fair.
BENCHMARK_CAPTURE(fixed_math, mul, op::mul, -150.0, 150.0, -150.0, 150.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(fixed_math, div, op::div, -1000.0, 1000.0, 0.05, 100.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(fixed_math, sqrt, op::sqrt, 0.0, 30000.0, 0.0, 1.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(fixed_math, exp, op::exp, -10.0, 10.0, 0.0, 1.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(fixed_math, log, op::log, 0.001, 30000.0, 0.0, 1.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(fixed_math, sin, op::sin, -100.0, 100.0, 0.0, 1.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(fixed_math, cos, op::cos, -100.0, 100.0, 0.0, 1.0)->Unit(benchmark::kMillisecond);

void fixed_dot(benchmark::State& state) {
  operands d(-10.0, 10.0, -10.0, 10.0, 9);
  q16_16 r;
  for (auto _ : state) {
    r = io::dot<q16_16>(d.a, d.b);
    benchmark::DoNotOptimize(r);
  }
  const double t_lowp = best_seconds([&] { r = io::dot<q16_16>(d.a, d.b); });
  const double t_float = best_seconds([&] {
    float s = 0;
    for (std::size_t i = 0; i < count; ++i) s += d.fa[i] * d.fb[i];
    benchmark::DoNotOptimize(s);
  });
  state.counters["lowp_ns"] = t_lowp / double(count) * 1e9;
  state.counters["float_ns"] = t_float / double(count) * 1e9;
  state.counters["per_float"] = t_lowp / t_float;
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(count));
}
BENCHMARK(fixed_dot)->Unit(benchmark::kMillisecond);

// ---- I-BERT / I-ViT operators: 1M codes (1024 rows of 1024 for the row operators)

io::array<std::int32_t> codes(int lo, int hi, unsigned seed) {  // row-major, as lowp's matrices
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(lo, hi);
  io::array<std::int32_t> q(1024, 1024);
  for (Eigen::Index i = 0; i < q.size(); ++i) q.data()[i] = u(rng);
  return q;
}

enum class nl { exp, softmax, shiftmax, gelu, shift_gelu, layernorm, rmsnorm };

void nonlinear(benchmark::State& state, nl which) {
  const double s = 1.0 / 32;
  const io::array<std::int32_t> q = which == nl::exp ? codes(-255, 0, 3) : codes(-128, 127, 3);
  const Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> x = q.cast<float>() * float(s);
  auto run = [&] {
    switch (which) {
      case nl::exp:
        return io::exp(q, s).values(0, 0);
      case nl::softmax:
        return io::softmax(q, s).values(0, 0);
      case nl::shiftmax:
        return io::shiftmax(q, s).values(0, 0);
      case nl::gelu:
        return io::gelu(q, s).values(0, 0);
      case nl::shift_gelu:
        return io::shift_gelu(q, s).values(0, 0);
      case nl::layernorm:
        return io::layernorm(q).values(0, 0);
      default:
        return io::rmsnorm(q).values(0, 0);
    }
  };
  Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> y(x.rows(), x.cols());
  auto run_float = [&] {
    switch (which) {
      case nl::exp:
        y = x.exp();
        break;
      case nl::softmax:
      case nl::shiftmax:
        for (Eigen::Index r = 0; r < x.rows(); ++r) {
          y.row(r) = (x.row(r) - x.row(r).maxCoeff()).exp();
          y.row(r) /= y.row(r).sum();
        }
        break;
      case nl::gelu:
      case nl::shift_gelu:
        for (Eigen::Index i = 0; i < x.size(); ++i)
          y.data()[i] = 0.5f * x.data()[i] * (1.0f + std::erf(x.data()[i] * 0.70710678f));
        break;
      case nl::layernorm:
        for (Eigen::Index r = 0; r < x.rows(); ++r) {
          const float mu = x.row(r).mean();
          y.row(r) = x.row(r) - mu;
          y.row(r) /= std::sqrt(y.row(r).square().mean() + 1e-6f);
        }
        break;
      default:
        for (Eigen::Index r = 0; r < x.rows(); ++r) y.row(r) = x.row(r) / std::sqrt(x.row(r).square().mean() + 1e-6f);
    }
    benchmark::DoNotOptimize(y.data());
  };
  for (auto _ : state) benchmark::DoNotOptimize(run());
  const double n = double(q.size());
  const double t_lowp = best_seconds([&] { benchmark::DoNotOptimize(run()); }, 5);
  const double t_float = best_seconds(run_float, 5);
  state.counters["lowp_ns"] = t_lowp / n * 1e9;
  state.counters["float_ns"] = t_float / n * 1e9;
  state.counters["per_float"] = t_lowp / t_float;
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(q.size()));
}
BENCHMARK_CAPTURE(nonlinear, i_exp, nl::exp)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(nonlinear, softmax, nl::softmax)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(nonlinear, shiftmax, nl::shiftmax)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(nonlinear, i_gelu, nl::gelu)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(nonlinear, shift_gelu, nl::shift_gelu)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(nonlinear, layernorm, nl::layernorm)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(nonlinear, rmsnorm, nl::rmsnorm)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
