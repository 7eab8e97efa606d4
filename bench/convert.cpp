// bench/convert.cpp: float → code and code → float for every 8/6/4-bit format, scalar reference and
// each SIMD ISA this CPU has (xsimd's at the build's flags, and the run-time paths rt-avx512 and
// rt-avx2 that a default-flags build dispatches to), at an L1-resident size (16 KiB of floats) and at 64 MiB, in GB/s
// of float traffic and as a ratio to a plain float → uint8 cast loop measured in the same process at the same size
// (docs/performance.md: the memory limit). Targets (docs/performance.md): 64 MiB e4m3fn encode and decode ≥ 0.85 of the
// cast loop, every other format ≥ 0.60; every conversion at 16 KiB ≥ 0.50.
//
//   ./bench_convert --benchmark_filter=64MiB     the memory-speed table
#include <lowp/lowp.hpp>

#include <benchmark/benchmark.h>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace {

constexpr std::size_t small_n = 4096;       // 16 KiB of floats
constexpr std::size_t large_n = 16u << 20;  // 64 MiB of floats

struct buffers {
  std::vector<float> in, back;
  std::vector<std::uint8_t> codes8;
  std::vector<std::uint16_t> codes16;
  explicit buffers(std::size_t n) : in(n), back(n), codes8(n), codes16(n) {
    std::mt19937 rng(1);
    std::normal_distribution<float> d(0.f, 1.f);
    for (auto& x : in) x = d(rng);
  }
};
buffers& bufs(std::size_t n) {
  static buffers small(small_n), large(large_n);
  return n == small_n ? small : large;
}

__attribute__((noinline)) void cast_once(const float* in, std::uint8_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::uint8_t(int(in[i] * 3.f));
}

/// The cast loop's rate at size n, in bytes of float input per second: best of several timed runs.
double cast_rate(std::size_t n) {
  static std::map<std::size_t, double> rates;
  auto it = rates.find(n);
  if (it != rates.end()) return it->second;
  auto& b = bufs(n);
  const int reps = n == small_n ? 20000 : 8;
  double best = 1e30;
  for (int k = 0; k < 5; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) {
      cast_once(b.in.data(), b.codes8.data(), n);
      benchmark::ClobberMemory();
    }
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps);
  }
  return rates[n] = double(n * sizeof(float)) / best;
}

void report(benchmark::State& st, std::size_t n) {
  const double bytes = double(st.iterations()) * double(n * sizeof(float));
  st.SetBytesProcessed(std::int64_t(bytes));
  st.counters["vs_cast"] = benchmark::Counter(bytes / cast_rate(n), benchmark::Counter::kIsRate);
}

void cast_loop(benchmark::State& st) {
  const std::size_t n = std::size_t(st.range(0));
  auto& b = bufs(n);
  for (auto _ : st) {
    cast_once(b.in.data(), b.codes8.data(), n);
    benchmark::ClobberMemory();
  }
  report(st, n);
}

template <class T>
auto* codes_of(buffers& b) {
  if constexpr (sizeof(T) == 1)
    return reinterpret_cast<T*>(b.codes8.data());
  else
    return reinterpret_cast<T*>(b.codes16.data());
}

template <class T, class A>
void encode(benchmark::State& st) {
  if (!lowp::simd::cpu_runs<A>()) return st.SkipWithError("this CPU lacks the ISA");
  const std::size_t n = std::size_t(st.range(0));
  auto& b = bufs(n);
  // inputs ~ N(0, (max/4)^2): the range a quantizer presents to the format
  std::vector<float> in(b.in.begin(), b.in.end());
  for (auto& x : in) x *= std::min(float(T::max()) / 4, 1e30f);
  for (auto _ : st) {
    lowp::simd::encode<A>(in.data(), codes_of<T>(b), n, lowp::rounding::nearest_even{}, lowp::overflow::saturate{});
    benchmark::ClobberMemory();
  }
  report(st, n);
}

template <class T, class A>
void decode(benchmark::State& st) {
  if (!lowp::simd::cpu_runs<A>()) return st.SkipWithError("this CPU lacks the ISA");
  const std::size_t n = std::size_t(st.range(0));
  auto& b = bufs(n);
  for (auto _ : st) {
    lowp::simd::decode<A>(codes_of<T>(b), b.back.data(), n, lowp::overflow::propagate{});
    benchmark::ClobberMemory();
  }
  report(st, n);
}

template <class T>
void scalar_encode(benchmark::State& st) {
  const std::size_t n = small_n;
  auto& b = bufs(n);
  T* out = codes_of<T>(b);
  std::vector<float> in(b.in.begin(), b.in.end());
  for (auto& x : in) x *= std::min(float(T::max()) / 4, 1e30f);
  for (auto _ : st) {
    for (std::size_t i = 0; i < n; ++i)
      out[i] = lowp::convert<T>(in[i], lowp::rounding::nearest_even{}, lowp::overflow::saturate{});
    benchmark::ClobberMemory();
  }
  report(st, n);
}

template <class T>
void scalar_decode(benchmark::State& st) {
  const std::size_t n = small_n;
  auto& b = bufs(n);
  const T* in = codes_of<T>(b);
  for (auto _ : st) {
    for (std::size_t i = 0; i < n; ++i) b.back[i] = float(in[i]);
    benchmark::ClobberMemory();
  }
  report(st, n);
}

template <class T>
void register_format(const char* name) {
  for (std::size_t n : {small_n, large_n}) {
    const std::string size = n == small_n ? "/16KiB" : "/64MiB";
    auto add = [&](const char* isa, auto enc, auto dec) {
      benchmark::RegisterBenchmark((std::string("encode/") + name + "/" + isa + size).c_str(), enc)
          ->Arg(std::int64_t(n));
      benchmark::RegisterBenchmark((std::string("decode/") + name + "/" + isa + size).c_str(), dec)
          ->Arg(std::int64_t(n));
    };
#if defined(__AVX512BW__)
    add("avx512bw", encode<T, xsimd::avx512bw>, decode<T, xsimd::avx512bw>);
#endif
#if defined(__AVX2__)
    add("avx2", encode<T, xsimd::avx2>, decode<T, xsimd::avx2>);
#endif
#if defined(__SSE2__)
    add("sse2", encode<T, xsimd::sse2>, decode<T, xsimd::sse2>);
#endif
#if LOWP_HAVE_RUNTIME_X86
    // the run-time paths a default-flags build dispatches to (simd/x86.hpp)
    add("rt-avx512", encode<T, lowp::simd::rt::avx512>, decode<T, lowp::simd::rt::avx512>);
    add("rt-avx2", encode<T, lowp::simd::rt::avx2>, decode<T, lowp::simd::rt::avx2>);
#endif
#if defined(__aarch64__)
    add("neon64", encode<T, xsimd::neon64>, decode<T, xsimd::neon64>);
#endif
  }
  benchmark::RegisterBenchmark((std::string("encode/") + name + "/scalar/16KiB").c_str(), scalar_encode<T>);
  benchmark::RegisterBenchmark((std::string("decode/") + name + "/scalar/16KiB").c_str(), scalar_decode<T>);
}

template <class T>
void pack_bench(benchmark::State& st) {  // float → packed codes, fused (simd/pack.hpp)
  const std::size_t n = std::size_t(st.range(0));
  auto& b = bufs(n);
  std::vector<float> in(b.in.begin(), b.in.end());
  for (auto& x : in) x *= float(T::max()) / 4;
  lowp::packed_vector<T> out(n);
  for (auto _ : st) {
    lowp::pack(std::span<const float>(in), out, lowp::rounding::nearest_even{}, lowp::overflow::saturate{});
    benchmark::ClobberMemory();
  }
  report(st, n);
}

template <class T>
void unpack_bench(benchmark::State& st) {  // packed codes → float, fused
  const std::size_t n = std::size_t(st.range(0));
  auto& b = bufs(n);
  lowp::packed_vector<T> p(n);
  lowp::pack(std::span<const float>(b.in), p, lowp::rounding::nearest_even{}, lowp::overflow::saturate{});
  for (auto _ : st) {
    lowp::unpack(p, std::span<float>(b.back));
    benchmark::ClobberMemory();
  }
  report(st, n);
}

template <class T>
void register_packed(const char* name) {
  for (std::size_t n : {small_n, large_n}) {
    const std::string size = n == small_n ? "/16KiB" : "/64MiB";
    benchmark::RegisterBenchmark((std::string("pack/") + name + size).c_str(), pack_bench<T>)->Arg(std::int64_t(n));
    benchmark::RegisterBenchmark((std::string("unpack/") + name + size).c_str(), unpack_bench<T>)->Arg(std::int64_t(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("cast_loop/16KiB", cast_loop)->Arg(std::int64_t(small_n));
  benchmark::RegisterBenchmark("cast_loop/64MiB", cast_loop)->Arg(std::int64_t(large_n));
  register_format<lowp::float8_e4m3fn>("float8_e4m3fn");
  register_format<lowp::float8_e4m3fnuz>("float8_e4m3fnuz");
  register_format<lowp::float8_e4m3>("float8_e4m3");
  register_format<lowp::float8_e5m2>("float8_e5m2");
  register_format<lowp::float8_e5m2fnuz>("float8_e5m2fnuz");
  register_format<lowp::float8_e3m4>("float8_e3m4");
  register_format<lowp::float8_e8m0fnu>("float8_e8m0fnu");
  register_format<lowp::float6_e2m3fn>("float6_e2m3fn");
  register_format<lowp::float6_e3m2fn>("float6_e3m2fn");
  register_format<lowp::float4_e2m1fn>("float4_e2m1fn");
  register_format<lowp::float16>("float16");
  register_format<lowp::bfloat16>("bfloat16");
  // packed storage, fused with conversion, on the ISA the flags select (simd::default_arch)
  register_packed<lowp::float4_e2m1fn>("float4_e2m1fn");
  register_packed<lowp::float6_e2m3fn>("float6_e2m3fn");
  register_packed<lowp::float6_e3m2fn>("float6_e3m2fn");
  register_packed<lowp::int4>("int4");
  register_packed<lowp::int2>("int2");
  register_packed<lowp::binary>("binary");
  register_packed<lowp::trit>("trit");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
