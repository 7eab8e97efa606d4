// examples/matmul.cpp: quantize a weight matrix to several schemes, run the quantized matmul, and
// print the error against float and the speed against Eigen float32 (Y = X · Wᵀ, M × K times N × K).
//
//   ./matmul [M N K]        default 256 1024 1024
#include <lowp/lowp.hpp>

#include <Eigen/Dense>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>

namespace {

lowp::matrix<float> gaussian(int rows, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  lowp::matrix<float> m(rows, cols);
  for (int i = 0; i < m.size(); ++i) m.data()[i] = d(rng);
  return m;
}

double seconds(const std::function<void()>& f) {  // best of 3
  double best = 1e30;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int M = argc > 3 ? std::atoi(argv[1]) : 256, N = argc > 3 ? std::atoi(argv[2]) : 1024,
            K = argc > 3 ? std::atoi(argv[3]) : 1024;
  const auto X = gaussian(M, K, 1), W = gaussian(N, K, 2);
  lowp::matrix<float> ref;
  const double t_f32 = seconds([&] { ref = X * W.transpose(); });
  std::printf("Y = X * W^T with M=%d N=%d K=%d; int8 kernel: %s; Eigen float32: %.2f ms\n\n", M, N, K,
              lowp::simd::name_of(lowp::simd::kernels().gemm), t_f32 * 1e3);
  std::printf("%-34s %10s %12s %10s %9s\n", "weights x activations", "SQNR dB", "max |err|", "ms", "vs f32");
  auto row = [&](const std::string& name, const std::function<lowp::matrix<float>()>& run) {
    lowp::matrix<float> y;
    const double t = seconds([&] { y = run(); });
    std::printf("%-34s %10.2f %12.4g %10.2f %8.2fx\n", name.c_str(), lowp::sqnr_db(ref, y), lowp::max_abs_error(ref, y),
                t * 1e3, t_f32 / t);
  };
  using namespace lowp;
  // integer pairs: weights prepacked once, activations quantized per token inside each call
  const auto w8 = quantize<int8>(W, per_channel{});
  const auto p8 = prepack(w8);
  row("int8 per-channel x int8 per-token", [&] { return matmul(X, p8, uniform<int8>{per_token{}}); });
  const auto w4 = quantize<int4>(W, per_group{128});
  const auto p4 = prepack(w4);
  row("int4 g128 x int8 per-token (W4A8)", [&] { return matmul(X, p4, uniform<int8>{per_token{}}); });
  const auto wt = quantize<trit>(W, per_channel{}, scale::absmean{});
  const auto pt = prepack(wt);
  row("ternary absmean x int8 (BitNet)", [&] { return matmul(X, pt, uniform<int8>{per_token{}}); });
  const auto wu = quantize<uint8>(W, per_channel{}, scale::asymmetric{});
  const auto pu = prepack(wu);
  row("uint8 asym x uint8 asym", [&] { return matmul(X, pu, uniform<uint8>{per_token{}, scale::asymmetric{}}); });
  // block formats: both sides quantized inside each call
  row("mxfp4 x mxint8", [&] { return matmul(quantize(X, mxint8{}), quantize(W, mxfp4{})); });
  row("mxfp8_e4m3 x mxfp8_e4m3", [&] { return matmul(quantize(X, mxfp8_e4m3{}), quantize(W, mxfp8_e4m3{})); });
  row("mxfp6_e2m3 x mxfp8_e4m3", [&] { return matmul(quantize(X, mxfp8_e4m3{}), quantize(W, mxfp6_e2m3{})); });
  row("nvfp4 x nvfp4", [&] { return matmul(quantize(X, nvfp4{}), quantize(W, nvfp4{})); });
  // requantize int32 accumulators to int8 with one dyadic multiplier (integer-only output)
  const auto qx = quantize<int8>(X, per_tensor{});
  const auto wq = quantize<int8>(W, per_tensor{});
  const matrix<std::int32_t> acc = matmul_int(qx, prepack(wq));
  const double s_out = ref.cwiseAbs().maxCoeff() / 127.0;
  const auto d = dyadic::from_real(double(qx.scales()[0]) * double(wq.scales()[0]) / s_out);
  const matrix<std::int8_t> y8 = requantize(acc, d, 0);
  const matrix<float> y8f = y8.cast<float>() * float(s_out);
  std::printf("\nint8 x int8 -> int32 -> requantize(dyadic %d * 2^%d) -> int8: SQNR %.2f dB\n", d.multiplier,
              d.shift - 31, sqnr_db(ref, y8f));
  return 0;
}
