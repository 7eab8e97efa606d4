// bench/matmul.cpp: quantized GEMM and GEMV against same-run baselines (docs/performance.md).
//  - GEMM M = N = K = 1024: lowp::matmul for each integer pair (weights prepacked once, X quantized
//    once), against Eigen float32 C = A · Bᵀ and, when oneDNN is installed (libdnnl-dev), oneDNN's
//    s8 × s8 → s32 matmul, measured in the same run, every one on one thread. Counters: GOP/s (2·M·N·K per second) and
//    the ratio to each peer. Targets (docs/performance.md): int8 ≥ 0.8× oneDNN s8s8s32 and ≥ 5× Eigen float32.
//  - GEMV M = 1, K = 4096: the weights cycle through enough N × K matrices to exceed the 32 MiB
//    L3 (64 MiB of int8), against a same-run streaming read of the same bytes. Targets: ≥ 0.8 of
//    the read; int4 ≥ 1.8× int8; ternary ≥ 3× int8; per-group-32 scales (llama.cpp's q8_0 / q4_0
//    granularity) ≥ 0.6 of a streaming read of the weight and scale bytes (vs_read_own_bytes).
//  - prepack of a 1024 × 4096 matrix, as a multiple of quantizing it (per_quantize).
#include <lowp/lowp.hpp>

#include <benchmark/benchmark.h>
#include <Eigen/Dense>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>
#if __has_include(<oneapi/dnnl/dnnl.hpp>) && defined(LOWP_BENCH_ONEDNN)
#include <oneapi/dnnl/dnnl.hpp>
#define LOWP_HAVE_ONEDNN 1
extern "C" void omp_set_num_threads(int);  // libgomp, oneDNN's threading runtime on Debian
#endif

namespace {

using lowp::matrix;
constexpr int n = 1024;

matrix<float> gaussian(int rows, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  matrix<float> m(rows, cols);
  for (int i = 0; i < m.size(); ++i) m.data()[i] = d(rng);
  return m;
}

double gemm_ops() { return 2.0 * n * n * n; }

template <class F>
double best_seconds(F&& f, int reps) {
  double best = 1e30;
  for (int k = 0; k < reps; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

double eigen_rate() {  // ops per second of Eigen float32 GEMM, best of 5
  static const double r = [] {
    const Eigen::MatrixXf a = gaussian(n, n, 1), b = gaussian(n, n, 2);
    Eigen::MatrixXf c(n, n);
    return gemm_ops() / best_seconds(
                            [&] {
                              c.noalias() = a * b.transpose();
                              benchmark::DoNotOptimize(c.data());
                            },
                            5);
  }();
  return r;
}

#ifdef LOWP_HAVE_ONEDNN
double onednn_rate() {
  static const double r = [] {
    using namespace dnnl;
    engine eng(engine::kind::cpu, 0);
    stream s(eng);
    using dt = memory::data_type;
    using tag = memory::format_tag;
    const memory::dims a_dims{n, n}, b_dims{n, n}, c_dims{n, n};
    memory::desc a_md(a_dims, dt::s8, tag::ab), b_md(b_dims, dt::s8, tag::ba), c_md(c_dims, dt::s32, tag::ab);
    matmul::primitive_desc pd(matmul::desc(a_md, b_md, c_md), eng);
    std::vector<std::int8_t> a(n * n, 3), b(n * n, 5);
    std::vector<std::int32_t> c(n * n);
    memory am(a_md, eng, a.data()), bm(b_md, eng, b.data()), cm(c_md, eng, c.data());
    matmul mm(pd);
    auto run = [&] {
      mm.execute(s, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
      s.wait();
    };
    run();
    return gemm_ops() / best_seconds(run, 10);
  }();
  return r;
}
#endif

void report_gemm(benchmark::State& st) {
  const double ops = gemm_ops() * double(st.iterations());
  st.counters["GOPs"] = benchmark::Counter(ops / 1e9, benchmark::Counter::kIsRate);
  st.counters["vs_eigen_f32"] = benchmark::Counter(ops / eigen_rate(), benchmark::Counter::kIsRate);
#ifdef LOWP_HAVE_ONEDNN
  st.counters["vs_onednn_s8"] = benchmark::Counter(ops / onednn_rate(), benchmark::Counter::kIsRate);
#endif
}

void eigen_gemm(benchmark::State& st) {
  const Eigen::MatrixXf a = gaussian(n, n, 1), b = gaussian(n, n, 2);
  Eigen::MatrixXf c(n, n);
  for (auto _ : st) {
    c.noalias() = a * b.transpose();
    benchmark::DoNotOptimize(c.data());
  }
  report_gemm(st);
}

template <class TX, class TW>
void lowp_gemm(benchmark::State& st, lowp::granularity gw, lowp::scale_rule rw) {
  const auto X = gaussian(n, n, 1), W = gaussian(n, n, 2);
  const auto qx = lowp::quantize<TX>(X, lowp::per_token{});
  const auto qw = lowp::quantize<TW>(W, gw, rw);
  const auto pw = lowp::prepack(qw);
  for (auto _ : st) benchmark::DoNotOptimize(lowp::matmul(qx, pw));
  report_gemm(st);
}

template <class SX, class SW>
void block_gemm(benchmark::State& st) {
  const auto qx = lowp::quantize(gaussian(n, n, 1), SX{});
  const auto pw = lowp::prepack(lowp::quantize(gaussian(n, n, 2), SW{}));  // weights prepared once
  for (auto _ : st) benchmark::DoNotOptimize(lowp::matmul(qx, pw));
  report_gemm(st);
}

// GEMV: 16 weight matrices of 1024 × 4096 int8 (64 MiB), cycled.
constexpr int gk = 4096, gn = 1024, mats = 16;

double read_rate() {  // bytes per second of a streaming read over 64 MiB
  static const double r = [] {
    std::vector<std::int64_t> buf(std::size_t(gk) * gn * mats / 8, 1);
    std::int64_t sink = 0;
    const double t = best_seconds(
        [&] {
          std::int64_t s = 0;
          for (auto v : buf) s += v;
          sink += s;
          benchmark::DoNotOptimize(sink);
        },
        5);
    return double(buf.size() * 8) / t;
  }();
  return r;
}

template <class TW>
void lowp_gemv(benchmark::State& st, lowp::granularity gw, lowp::scale_rule rw) {
  const auto x = gaussian(1, gk, 3);
  std::vector<lowp::quantized<lowp::uniform<TW, float>>> qws;
  std::vector<lowp::prepacked<TW, float>> pws;
  for (int i = 0; i < mats; ++i) qws.push_back(lowp::quantize<TW>(gaussian(gn, gk, 10 + i), gw, rw));
  for (auto& q : qws) pws.push_back(lowp::prepack(q));
  const auto qx = lowp::quantize<lowp::int8>(x, lowp::per_token{});
  int i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(lowp::matmul(qx, pws[std::size_t(i)]));
    i = (i + 1) % mats;
  }
  const double int8_bytes = double(gk) * gn * double(st.iterations());  // the int8 baseline's bytes
  st.counters["vs_read_int8_bytes"] = benchmark::Counter(int8_bytes / read_rate(), benchmark::Counter::kIsRate);
  st.counters["GBs_int8_equiv"] = benchmark::Counter(int8_bytes / 1e9, benchmark::Counter::kIsRate);
  // the bytes this format must read: its codes (packed) and its float scales
  const double own = (double(qws[0].row_bytes()) * gn + double(qws[0].scales().size()) * 4) * double(st.iterations());
  st.counters["vs_read_own_bytes"] = benchmark::Counter(own / read_rate(), benchmark::Counter::kIsRate);
}

// prepack: building the GEMM plan (the chosen kernel's layout, scales, zero points) of a 1024 × 4096
// weight matrix, against quantizing the same matrix in the same run (per_quantize: lower is better).
template <class TW>
void lowp_prepack(benchmark::State& st, lowp::granularity gw, lowp::scale_rule rw) {
  const auto w = gaussian(gn, gk, 7);
  const auto q = lowp::quantize<TW>(w, gw, rw);
  const double quantize_s = best_seconds([&] { benchmark::DoNotOptimize(lowp::quantize<TW>(w, gw, rw)); }, 5);
  for (auto _ : st) benchmark::DoNotOptimize(lowp::prepack(q));
  const double prepack_s = best_seconds([&] { benchmark::DoNotOptimize(lowp::prepack(q)); }, 5);
  st.counters["per_quantize"] = prepack_s / quantize_s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lowp;
  benchmark::RegisterBenchmark("gemm/eigen_f32", eigen_gemm)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gemm/int8xint8", lowp_gemm<int8, int8>, granularity(per_channel{}),
                               scale_rule(scale::absmax{}))
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gemm/int4xint8_g128", lowp_gemm<int8, int4>, granularity(per_group{128}),
                               scale_rule(scale::absmax{}))
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gemm/tritxint8", lowp_gemm<int8, trit>, granularity(per_channel{}),
                               scale_rule(scale::absmean{}))
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gemm/mxint8xmxfp4", block_gemm<mxint8, mxfp4>)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gemm/mxfp8xmxfp8", block_gemm<mxfp8_e4m3, mxfp8_e4m3>)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gemm/nvfp4xnvfp4", block_gemm<nvfp4, nvfp4>)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gemv/int8", lowp_gemv<int8>, granularity(per_channel{}), scale_rule(scale::absmax{}))
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("gemv/int4_g128", lowp_gemv<int4>, granularity(per_group{128}),
                               scale_rule(scale::absmax{}))
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("gemv/trit", lowp_gemv<trit>, granularity(per_channel{}), scale_rule(scale::absmean{}))
      ->Unit(benchmark::kMicrosecond);
  // llama.cpp's q8_0 / q4_0 granularity: a scale per 32 weights
  benchmark::RegisterBenchmark("gemv/int8_g32", lowp_gemv<int8>, granularity(per_group{32}),
                               scale_rule(scale::absmax{}))
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("gemv/int4_g32", lowp_gemv<int4>, granularity(per_group{32}),
                               scale_rule(scale::absmax{}))
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("prepack/int8", lowp_prepack<int8>, granularity(per_channel{}),
                               scale_rule(scale::absmax{}))
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("prepack/int4_g32", lowp_prepack<int4>, granularity(per_group{32}),
                               scale_rule(scale::absmax{}))
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
#ifdef LOWP_HAVE_ONEDNN
  omp_set_num_threads(1);  // every peer on one core, as lowp (OMP_NUM_THREADS is read too late here)
#endif
  std::printf("gemm kernel: %s; one thread each; Eigen f32 %.1f GFLOP/s",
              lowp::simd::name_of(lowp::simd::kernels().gemm), eigen_rate() / 1e9);
#ifdef LOWP_HAVE_ONEDNN
  std::printf("; oneDNN s8s8s32 %.1f GOP/s", onednn_rate() / 1e9);
#endif
  std::printf("; streaming read %.1f GB/s\n", read_rate() / 1e9);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
