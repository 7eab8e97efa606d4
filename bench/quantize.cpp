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

#ifdef LOWP_BENCH_GGML_REF
extern "C" {  // bench/ggml_ref.c: ggml's reference code, the peer
void ggml_ref_quantize_q8_0(const float* x, void* y, std::int64_t k);
void ggml_ref_dequantize_q8_0(const void* x, float* y, std::int64_t k);
void ggml_ref_quantize_q4_0(const float* x, void* y, std::int64_t k);
void ggml_ref_dequantize_q4_0(const void* x, float* y, std::int64_t k);
void ggml_ref_quantize_tq2_0(const float* x, void* y, std::int64_t k);
void ggml_ref_dequantize_tq2_0(const void* x, float* y, std::int64_t k);
}
struct ggml_peer {
  void (*quantize)(const float*, void*, std::int64_t);
  void (*dequantize)(const void*, float*, std::int64_t);
  std::size_t block, block_bytes;
};
const ggml_peer* peer_of(const std::string& name) {
  static const ggml_peer q8{ggml_ref_quantize_q8_0, ggml_ref_dequantize_q8_0, 32, 34};
  static const ggml_peer q4{ggml_ref_quantize_q4_0, ggml_ref_dequantize_q4_0, 32, 18};
  static const ggml_peer t2{ggml_ref_quantize_tq2_0, ggml_ref_dequantize_tq2_0, 256, 66};
  return name == "q8_0" ? &q8 : name == "q4_0" ? &q4 : name == "tq2_0" ? &t2 : nullptr;
}
/// The peer's bytes of float per second over the same 64 MiB, best of 5: quantize (into a buffer
/// allocated once), or dequantize into an existing matrix.
double peer_rate(const ggml_peer& p, bool quantize) {
  const auto& x = input();
  std::vector<std::uint8_t> q(std::size_t(x.size()) / p.block * p.block_bytes);
  lowp::matrix<float> out(n, n);
  out.setZero();
  p.quantize(x.data(), q.data(), x.size());
  double best = 1e30;
  for (int k = 0; k < 5; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    if (quantize)
      p.quantize(x.data(), q.data(), x.size());
    else
      p.dequantize(q.data(), out.data(), x.size());
    benchmark::ClobberMemory();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return double(x.size()) * 4 / best;
}
/// vs_ggml: lowp's rate over the peer's (quantize, or dequantize into an existing matrix).
void report_peer(benchmark::State& st, const std::string& name, bool quantize) {
  if (const ggml_peer* p = peer_of(name)) {
    const double bytes = double(st.iterations()) * double(n) * n * 4;
    st.counters["vs_ggml"] = benchmark::Counter(bytes / peer_rate(*p, quantize), benchmark::Counter::kIsRate);
  }
}
#else
void report_peer(benchmark::State&, const std::string&, bool) {}
#endif

template <class F>
void add(const std::string& name, F quantize) {
  benchmark::RegisterBenchmark(("quantize/" + name).c_str(), [quantize, name](benchmark::State& st) {
    const auto& x = input();
    for (auto _ : st) benchmark::DoNotOptimize(quantize(x));
    report(st);
    report_peer(st, name, true);
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(("dequantize/" + name).c_str(), [quantize, name](benchmark::State& st) {
    const auto q = quantize(input());
    for (auto _ : st) benchmark::DoNotOptimize(lowp::dequantize(q));
    report(st);
    report_peer(st, name, false);
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(("dequantize_into/" + name).c_str(), [quantize, name](benchmark::State& st) {
    const auto q = quantize(input());
    lowp::matrix<float> out(n, n);
    out.setZero();  // pages touched once, as a buffer reused in a loop
    for (auto _ : st) {
      lowp::dequantize_into(q, out);
      benchmark::ClobberMemory();
    }
    report(st);
    report_peer(st, name, false);
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
