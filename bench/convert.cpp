// bench/convert.cpp: scalar float → code and code → float throughput of every 8-, 6- and 4-bit
// format (bytes/s of float traffic), beside a plain float → uint8 cast loop measured in the same
// run (the memory limit of PERF.md). The SIMD issue adds the vector paths to this file.
#include <lowp/lowp.hpp>

#include <benchmark/benchmark.h>
#include <cstdint>
#include <random>
#include <vector>

namespace {

constexpr std::size_t n_elems = 4096;  // 16 KiB of floats: L1-resident

std::vector<float> inputs(float scale) {
  std::mt19937 rng(1);
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n_elems);
  for (auto& x : v) x = d(rng);
  return v;
}

void cast_loop(benchmark::State& st) {  // b[i] = uint8_t(int(a[i] * 3.f)): PERF.md's memory limit
  const auto in = inputs(20.f);
  std::vector<std::uint8_t> out(n_elems);
  for (auto _ : st) {
    for (std::size_t i = 0; i < n_elems; ++i) out[i] = std::uint8_t(int(in[i] * 3.f));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(std::int64_t(st.iterations() * n_elems * sizeof(float)));
}

template <class T>
void encode(benchmark::State& st) {
  const auto in = inputs(float(T::max()) / 4);
  std::vector<T> out(n_elems);
  for (auto _ : st) {
    for (std::size_t i = 0; i < n_elems; ++i)
      out[i] = lowp::convert<T>(in[i], lowp::rounding::nearest_even{}, lowp::overflow::saturate{});
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(std::int64_t(st.iterations() * n_elems * sizeof(float)));
  st.counters["ns/value"] =
      benchmark::Counter(double(st.iterations() * n_elems), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <class T>
void decode(benchmark::State& st) {
  std::vector<T> in(n_elems);
  std::mt19937 rng(2);
  for (auto& x : in) x = T::from_bits(typename T::storage_type(rng()));
  std::vector<float> out(n_elems);
  for (auto _ : st) {
    for (std::size_t i = 0; i < n_elems; ++i) out[i] = float(in[i]);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(std::int64_t(st.iterations() * n_elems * sizeof(float)));
  st.counters["ns/value"] =
      benchmark::Counter(double(st.iterations() * n_elems), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(cast_loop);
#define LOWP_BENCH_FORMAT(T)                                      \
  BENCHMARK_TEMPLATE(encode, lowp::T)->Name("scalar_encode/" #T); \
  BENCHMARK_TEMPLATE(decode, lowp::T)->Name("scalar_decode/" #T);
LOWP_BENCH_FORMAT(float8_e4m3fn)
LOWP_BENCH_FORMAT(float8_e4m3fnuz)
LOWP_BENCH_FORMAT(float8_e4m3)
LOWP_BENCH_FORMAT(float8_e5m2)
LOWP_BENCH_FORMAT(float8_e5m2fnuz)
LOWP_BENCH_FORMAT(float8_e3m4)
LOWP_BENCH_FORMAT(float8_e8m0fnu)
LOWP_BENCH_FORMAT(float6_e2m3fn)
LOWP_BENCH_FORMAT(float6_e3m2fn)
LOWP_BENCH_FORMAT(float4_e2m1fn)
LOWP_BENCH_FORMAT(int8)
LOWP_BENCH_FORMAT(int4)
LOWP_BENCH_FORMAT(int2)

BENCHMARK_MAIN();
