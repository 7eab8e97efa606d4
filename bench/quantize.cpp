// bench/quantize.cpp: quantize and dequantize a 4096 × 4096 float matrix (64 MiB) with each scheme,
// in GB/s of float traffic and as a ratio to the memory limit measured in the same run: a float →
// uint8 cast loop over the same 64 MiB (docs/performance.md). Target (docs/performance.md): ≥ 0.50 for MX, NVFP4 and
// the integer group schemes.
//
//   ./bench_quantize --benchmark_min_time=0.5
#include <lowp/lowp.hpp>

#include <benchmark/benchmark.h>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int n = 4096;

const lowp::matrix<float>& input() {
  static const lowp::matrix<float> m = [] {
    lowp::matrix<float> x(n, n);
    std::mt19937 rng(1);
    std::normal_distribution<float> d(0.f, 1.f);
    for (int i = 0; i < x.size(); ++i) x.data()[i] = d(rng);
    return x;
  }();
  return m;
}

__attribute__((noinline)) void cast_once(const float* in, std::uint8_t* out, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) out[i] = std::uint8_t(int(in[i] * 3.f));
}

double cast_rate() {  // bytes of float input per second, best of 5
  static const double rate = [] {
    const auto& x = input();
    std::vector<std::uint8_t> out(std::size_t(x.size()));
    double best = 1e30;
    for (int k = 0; k < 5; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      cast_once(x.data(), out.data(), out.size());
      benchmark::ClobberMemory();
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return double(x.size()) * 4 / best;
  }();
  return rate;
}

void report(benchmark::State& st) {
  const double bytes = double(st.iterations()) * double(n) * n * 4;
  st.SetBytesProcessed(std::int64_t(bytes));
  st.counters["vs_memory"] = benchmark::Counter(bytes / cast_rate(), benchmark::Counter::kIsRate);
}

void cast_loop(benchmark::State& st) {
  const auto& x = input();
  std::vector<std::uint8_t> out(std::size_t(x.size()));
  for (auto _ : st) {
    cast_once(x.data(), out.data(), out.size());
    benchmark::ClobberMemory();
  }
  report(st);
}

template <class F>
void add(const std::string& name, F quantize) {
  benchmark::RegisterBenchmark(("quantize/" + name).c_str(), [quantize](benchmark::State& st) {
    const auto& x = input();
    for (auto _ : st) benchmark::DoNotOptimize(quantize(x));
    report(st);
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(("dequantize/" + name).c_str(), [quantize](benchmark::State& st) {
    const auto q = quantize(input());
    for (auto _ : st) benchmark::DoNotOptimize(lowp::dequantize(q));
    report(st);
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(("dequantize_into/" + name).c_str(), [quantize](benchmark::State& st) {
    const auto q = quantize(input());
    lowp::matrix<float> out(n, n);
    out.setZero();  // pages touched once, as a buffer reused in a loop
    for (auto _ : st) {
      lowp::dequantize_into(q, out);
      benchmark::ClobberMemory();
    }
    report(st);
  })->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lowp;
  using M = lowp::matrix<float>;
  benchmark::RegisterBenchmark("cast_loop/64MiB", cast_loop)->Unit(benchmark::kMillisecond);
  add("mxfp8_e4m3", [](const M& x) { return quantize(x, mxfp8_e4m3{}); });
  add("mxfp8_e5m2", [](const M& x) { return quantize(x, mxfp8_e5m2{}); });
  add("mxfp6_e2m3", [](const M& x) { return quantize(x, mxfp6_e2m3{}); });
  add("mxfp6_e3m2", [](const M& x) { return quantize(x, mxfp6_e3m2{}); });
  add("mxfp4", [](const M& x) { return quantize(x, mxfp4{}); });
  add("mxint8", [](const M& x) { return quantize(x, mxint8{}); });
  add("nvfp4", [](const M& x) { return quantize(x, nvfp4{}); });
  add("int8/per_channel", [](const M& x) { return quantize<int8>(x, per_channel{}); });
  add("int8/group128", [](const M& x) { return quantize<int8>(x, per_group{128}); });
  add("int4/group128", [](const M& x) { return quantize<int4>(x, per_group{128}); });
  add("int4/group32", [](const M& x) { return quantize<int4>(x, per_group{32}); });
  add("uint4/group32/asymmetric", [](const M& x) { return quantize<uint4>(x, per_group{32}, scale::asymmetric{}); });
  add("float8_e4m3fn/per_channel", [](const M& x) { return quantize<float8_e4m3fn>(x, per_channel{}); });
  add("trit/per_channel/absmean", [](const M& x) { return quantize<trit>(x, per_channel{}, scale::absmean{}); });
  add("q8_0", [](const M& x) { return quantize(x, q8_0{}); });
  add("q4_0", [](const M& x) { return quantize(x, q4_0{}); });
  add("tq1_0", [](const M& x) { return quantize(x, tq1_0{}); });
  add("tq2_0", [](const M& x) { return quantize(x, tq2_0{}); });
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
