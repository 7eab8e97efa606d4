// examples/integer_block.cpp: one transformer block (BERT layout: multi-head attention with softmax,
// residual + LayerNorm, a GELU MLP, residual + LayerNorm), run twice on the same seeded weights and
// input: in float32 with Eigen, and integer-only with lowp, the way I-BERT (Kim et al. 2021) runs it:
//   - int8 weights (per output channel) and int8 activations (per tensor), int32 accumulators
//     (lowp::matmul_int), dyadic requantization (lowp::requantize: TFLite's integer rounding);
//   - attention scores → lowp::intops::softmax (I-BERT i-exp) → uint8 probabilities (scale 2^-8);
//   - residual sums in int32 at a common scale → lowp::intops::layernorm (I-BERT, integer sqrt);
//   - MLP → lowp::intops::gelu (I-BERT i-GELU) on 13-bit codes → int8.
// The only floating-point steps are offline: the activation scales, calibrated from the float run
// on the same input (as a calibration set would give them), turned into dyadic multipliers once.
// Prints the max and mean error of the integer block's output against float, and the time of each;
// exits with 1 if the output's SQNR against float is below 25 dB (CTest runs it as a check).
//
//   ./integer_block [tokens d_model heads d_ff]     default 128 256 4 1024
#include <lowp/lowp.hpp>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

namespace {

using lowp::matrix;
namespace io = lowp::intops;

matrix<float> gaussian(int rows, int cols, float sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, sigma);
  matrix<float> m(rows, cols);
  for (int i = 0; i < m.size(); ++i) m.data()[i] = d(rng);
  return m;
}

double seconds(const std::function<void()>& f) {  // best of 5
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

struct shape {
  int tokens, d, heads, ff;
  int dh() const { return d / heads; }
};

struct weights {
  matrix<float> wq, wk, wv, wo, w1, w2;  // each N × K (out × in), Y = X · Wᵀ
  Eigen::ArrayXd g1, b1, g2, b2;         // LayerNorm γ, β
};

/// Every intermediate of the float block (the integer block calibrates its scales on them).
struct trace {
  matrix<float> q, k, v, a, o, r1, h1, u, g, f, r2, y;
};

matrix<float> layernorm_f(const matrix<float>& x, const Eigen::ArrayXd& g, const Eigen::ArrayXd& b) {
  matrix<float> y(x.rows(), x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const double mu = x.row(r).cast<double>().mean();
    const double var = (x.row(r).cast<double>().array() - mu).square().mean();
    for (Eigen::Index c = 0; c < x.cols(); ++c) y(r, c) = float(g[c] * (x(r, c) - mu) / std::sqrt(var + 1e-12) + b[c]);
  }
  return y;
}

trace run_float(const matrix<float>& x, const weights& w, const shape& s) {
  trace t;
  t.q = x * w.wq.transpose();
  t.k = x * w.wk.transpose();
  t.v = x * w.wv.transpose();
  t.a.resize(s.tokens, s.d);
  for (int h = 0; h < s.heads; ++h) {
    matrix<float> sc = t.q.middleCols(h * s.dh(), s.dh()) * t.k.middleCols(h * s.dh(), s.dh()).transpose();
    sc /= std::sqrt(float(s.dh()));
    for (Eigen::Index r = 0; r < sc.rows(); ++r) {
      sc.row(r) = (sc.row(r).array() - sc.row(r).maxCoeff()).exp();
      sc.row(r) /= sc.row(r).sum();
    }
    t.a.middleCols(h * s.dh(), s.dh()) = sc * t.v.middleCols(h * s.dh(), s.dh());
  }
  t.o = t.a * w.wo.transpose();
  t.r1 = x + t.o;
  t.h1 = layernorm_f(t.r1, w.g1, w.b1);
  t.u = t.h1 * w.w1.transpose();
  t.g = t.u.unaryExpr([](float v) { return 0.5f * v * (1.f + std::erf(v / std::sqrt(2.f))); });
  t.f = t.g * w.w2.transpose();
  t.r2 = t.h1 + t.f;
  t.y = layernorm_f(t.r2, w.g2, w.b2);
  return t;
}

float amax(const matrix<float>& m) { return m.cwiseAbs().maxCoeff(); }

/// A linear layer's int8 weights, prepacked once, and their per-output-channel scales.
struct int8_linear {
  lowp::prepacked<lowp::int8, float> pw;
  std::vector<float> sw;
  explicit int8_linear(const matrix<float>& w) {
    const auto qw = lowp::quantize<lowp::int8>(w, lowp::per_channel{});
    pw = lowp::prepack(qw);
    sw.assign(qw.scales().begin(), qw.scales().end());
  }
  /// One dyadic per output channel: real = acc · s_in · sw[n] = out · s_out.
  std::vector<lowp::dyadic> to_scale(double s_in, double s_out) const {
    std::vector<lowp::dyadic> d;
    for (float v : sw) d.push_back(lowp::dyadic::from_real(s_in * double(v) / s_out));
    return d;
  }
};

/// The integer block: weights prepared once, every activation scale fixed (calibrated) once.
struct integer_block {
  shape s;
  int8_linear q, k, v, o, up, down;
  Eigen::ArrayXd g1, b1, g2, b2;
  double sx, sq, sk, sv, sa, sr1, sh1, su, sg, sr2;
  std::vector<lowp::dyadic> dq, dk, dv, dout, dx_r1, dup, ddown, dh1_r2;
  lowp::dyadic dattn;

  integer_block(const weights& w, const trace& t, const matrix<float>& x, const shape& sh)
      : s(sh), q(w.wq), k(w.wk), v(w.wv), o(w.wo), up(w.w1), down(w.w2), g1(w.g1), b1(w.b1), g2(w.g2), b2(w.b2) {
    sx = amax(x) / 127.0;
    sq = amax(t.q) / 127.0;
    sk = amax(t.k) / 127.0;
    sv = amax(t.v) / 127.0;
    sa = amax(t.a) / 127.0;
    sr1 = amax(t.r1) / double(1 << 20);  // residual sums: int32 codes with 20 bits of range
    sh1 = amax(t.h1) / 127.0;
    su = amax(t.u) / 4095.0;  // the GELU input: 13-bit codes
    sg = amax(t.g) / 127.0;
    sr2 = amax(t.r2) / double(1 << 20);
    dq = q.to_scale(sx, sq);
    dk = k.to_scale(sx, sk);
    dv = v.to_scale(sx, sv);
    dattn = lowp::dyadic::from_real(std::ldexp(sv, -8) / sa);  // P (2^-8) · V (sv) → A (sa)
    dout = o.to_scale(sa, sr1);
    dx_r1.assign(1, lowp::dyadic::from_real(sx / sr1));
    dup = up.to_scale(sh1, su);
    ddown = down.to_scale(sg, sr2);
    dh1_r2.assign(1, lowp::dyadic::from_real(sh1 / sr2));
  }

  /// int32 codes with one scale per column → int8 codes at scale s_out.
  static matrix<std::int8_t> to_int8(const io::scaled_columns& y, double s_out) {
    std::vector<lowp::dyadic> d;
    for (double c : y.scales) d.push_back(lowp::dyadic::from_real(c / s_out));
    return lowp::requantize<std::int8_t>(matrix<std::int32_t>(y.values), d, 0);
  }

  /// Returns the block's output as int32 codes with per-column scales.
  io::scaled_columns run(const matrix<float>& x) const {
    // the block's input: int8 per tensor (the only float → integer step at run time)
    const auto qx = lowp::quantize<lowp::int8>(x, lowp::per_tensor{});
    matrix<std::int8_t> x8(x.rows(), x.cols());
    for (Eigen::Index r = 0; r < x.rows(); ++r)
      for (Eigen::Index c = 0; c < x.cols(); ++c)
        x8(r, c) = std::int8_t(qx.code(std::size_t(r), std::size_t(c)).bits());
    const auto xin = lowp::from_codes<lowp::int8>(x8, float(sx));
    const matrix<std::int8_t> q8 = lowp::requantize<std::int8_t>(lowp::matmul_int(xin, q.pw), dq, 0);
    const matrix<std::int8_t> k8 = lowp::requantize<std::int8_t>(lowp::matmul_int(xin, k.pw), dk, 0);
    const matrix<std::int8_t> v8 = lowp::requantize<std::int8_t>(lowp::matmul_int(xin, v.pw), dv, 0);

    // attention, head by head: int32 scores → integer softmax → uint8 P → P·V → int8
    matrix<std::int8_t> a8(s.tokens, s.d);
    const double s_scores = sq * sk / std::sqrt(double(s.dh()));
    for (int h = 0; h < s.heads; ++h) {
      const matrix<std::int8_t> qh = q8.middleCols(h * s.dh(), s.dh()), kh = k8.middleCols(h * s.dh(), s.dh());
      const matrix<std::int8_t> vt = v8.middleCols(h * s.dh(), s.dh()).transpose();
      const matrix<std::int32_t> scores =
          lowp::matmul_int(lowp::from_codes<lowp::int8>(qh, float(sq)), lowp::from_codes<lowp::int8>(kh, float(sk)));
      const io::scaled<std::int32_t> p = io::softmax(scores, s_scores, 8);  // codes 0…255, scale 2^-8
      const matrix<std::uint8_t> p8 = p.values.cast<std::uint8_t>();
      const matrix<std::int32_t> ah =
          lowp::matmul_int(lowp::from_codes<lowp::uint8>(p8, 1.f / 256), lowp::from_codes<lowp::int8>(vt, float(sv)));
      a8.middleCols(h * s.dh(), s.dh()) = lowp::requantize<std::int8_t>(ah, dattn, 0);
    }

    // output projection + residual in int32 at scale sr1, then I-BERT LayerNorm
    const matrix<std::int32_t> r1 =
        lowp::requantize<std::int32_t>(lowp::matmul_int(lowp::from_codes<lowp::int8>(a8, float(sa)), o.pw), dout, 0) +
        lowp::requantize<std::int32_t>(matrix<std::int32_t>(x8.cast<std::int32_t>()),
                                       std::vector<lowp::dyadic>(std::size_t(s.d), dx_r1[0]), 0);
    const matrix<std::int8_t> h1 = to_int8(io::layernorm(r1, g1, b1), sh1);

    // MLP: up-projection → 13-bit codes → i-GELU → int8 → down-projection + residual → LayerNorm
    const auto h1in = lowp::from_codes<lowp::int8>(h1, float(sh1));
    const matrix<std::int32_t> u = lowp::requantize<std::int32_t>(lowp::matmul_int(h1in, up.pw), dup, 0);
    const io::scaled<std::int32_t> g = io::gelu(u, su);
    const matrix<std::int8_t> g8 =
        lowp::requantize<std::int8_t>(matrix<std::int32_t>(g.values), lowp::dyadic::from_real(g.scale / sg), 0);
    const matrix<std::int32_t> r2 =
        lowp::requantize<std::int32_t>(lowp::matmul_int(lowp::from_codes<lowp::int8>(g8, float(sg)), down.pw), ddown,
                                       0) +
        lowp::requantize<std::int32_t>(matrix<std::int32_t>(h1.cast<std::int32_t>()),
                                       std::vector<lowp::dyadic>(std::size_t(s.d), dh1_r2[0]), 0);
    return io::layernorm(r2, g2, b2);
  }
};

}  // namespace

int main(int argc, char** argv) {
  shape s{128, 256, 4, 1024};
  if (argc > 4) s = {std::atoi(argv[1]), std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4])};
  if (s.tokens < 1 || s.d < 1 || s.heads < 1 || s.d % s.heads != 0 || s.ff < 1) {
    std::fprintf(stderr, "usage: integer_block [tokens d_model heads d_ff], d_model divisible by heads\n");
    return 2;
  }
  const matrix<float> x = gaussian(s.tokens, s.d, 1.f, 1);
  const float wscale = 1.f / std::sqrt(float(s.d)), w2scale = 1.f / std::sqrt(float(s.ff));
  weights w{gaussian(s.d, s.d, wscale, 2),
            gaussian(s.d, s.d, wscale, 3),
            gaussian(s.d, s.d, wscale, 4),
            gaussian(s.d, s.d, wscale, 5),
            gaussian(s.ff, s.d, wscale, 6),
            gaussian(s.d, s.ff, w2scale, 7),
            {},
            {},
            {},
            {}};
  const matrix<float> gb = gaussian(4, s.d, 0.1f, 8);
  w.g1 = 1.0 + gb.row(0).cast<double>().transpose().array();
  w.b1 = gb.row(1).cast<double>().transpose().array();
  w.g2 = 1.0 + gb.row(2).cast<double>().transpose().array();
  w.b2 = gb.row(3).cast<double>().transpose().array();

  std::printf("lowp integer-only transformer block: %d tokens, d_model %d, %d heads, d_ff %d\n", s.tokens, s.d, s.heads,
              s.ff);
  std::printf("ISA: %s\n\n", lowp::simd::name_of(lowp::simd::active_isa()));
  const trace t = run_float(x, w, s);
  const integer_block blk(w, t, x, s);  // weights quantized and prepacked, scales calibrated: once
  const io::scaled_columns y = blk.run(x);
  const Eigen::ArrayXXd yi = y.real();
  const Eigen::ArrayXXd yf = t.y.cast<double>().array();
  const Eigen::ArrayXXd err = (yi - yf).abs();
  std::printf("output (after the second LayerNorm, values ~ N(0, 1)):\n");
  std::printf("  max |integer - float|   %.4f\n", err.maxCoeff());
  std::printf("  mean |integer - float|  %.4f\n", err.mean());
  std::printf("  rms of the float output %.4f\n", std::sqrt(yf.square().mean()));
  const double sqnr = 10.0 * std::log10(yf.square().sum() / (yi - yf).square().sum());
  std::printf("  SQNR                    %.1f dB\n", sqnr);

  const double tf = seconds([&] {
    const trace tt = run_float(x, w, s);
    if (tt.y(0, 0) == 12345.f) std::puts("");
  });
  const double ti = seconds([&] {
    const io::scaled_columns yy = blk.run(x);
    if (yy.values(0, 0) == 12345) std::puts("");
  });
  std::printf("\ntime, one thread (best of 5):\n");
  std::printf("  float32 (Eigen)         %.2f ms\n", tf * 1e3);
  std::printf("  integer-only (lowp)     %.2f ms   (%.2fx the float time)\n", ti * 1e3, ti / tf);
  std::printf("  (both built with this build's flags; lowp's kernels choose their ISA at run time)\n");
  // CTest runs this example: an integer block far from the float one is a regression
  return sqnr >= 25.0 ? 0 : 1;
}
