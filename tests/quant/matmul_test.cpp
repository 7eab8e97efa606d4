// tests/quant/matmul_test.cpp: dyadic / requantize against gemmlowp's definitions written out
// independently here (exact rational rounding in 128-bit integers), the int8 GEMM kernels of every
// ISA level this CPU runs against a naive integer product, and matmul against X̂ · Ŵᵀ.
#include <lowp/lowp.hpp>

#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <climits>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "../support/levels.hpp"

namespace {

using i128 = lowp::int128;  // core/bits.hpp

/// ⌊a / b⌋ for b > 0.
i128 floor_div(i128 a, i128 b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/// SaturatingRoundingDoublingHighMul as a rational: round half up of a·b / 2^31.
std::int32_t ref_srdhm(std::int32_t a, std::int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  return std::int32_t(floor_div(2 * i128(a) * b + (i128(1) << 31), i128(1) << 32));
}
/// x / 2^e rounded half away from zero.
std::int32_t ref_rdbp(std::int32_t x, int e) {
  const i128 d = i128(1) << e;
  const i128 ax = x < 0 ? -i128(x) : i128(x);
  const i128 q = (2 * ax + d) / (2 * d);  // ⌊|x|/d + 1/2⌋
  return std::int32_t(x < 0 ? -q : q);
}
std::int32_t ref_apply(std::int32_t x, std::int32_t m, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const std::int32_t shifted = std::int32_t(std::uint32_t(x) << left);  // TFLite's wrap
  return ref_rdbp(ref_srdhm(shifted, m), right);
}

lowp::matrix<float> gaussian(int rows, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  lowp::matrix<float> m(rows, cols);
  for (int i = 0; i < m.size(); ++i) m.data()[i] = d(rng);
  return m;
}

/// Σ_k (x − zx)(w − zw) from the quantized objects' values, naively, in 64 bits.
template <class QX, class QW>
lowp::matrix<std::int64_t> naive_int(const QX& qx, const QW& qw) {
  lowp::matrix<std::int64_t> out(qx.rows(), qw.rows());
  for (std::size_t m = 0; m < qx.rows(); ++m)
    for (std::size_t n = 0; n < qw.rows(); ++n) {
      std::int64_t s = 0;
      for (std::size_t k = 0; k < qx.cols(); ++k) {
        const auto zx = qx.zero_points().empty() ? 0 : int(float(qx.zero_points()[qx.tile_of(m, k)]));
        const auto zw = qw.zero_points().empty() ? 0 : int(float(qw.zero_points()[qw.tile_of(n, k)]));
        s += std::int64_t(int(float(qx.code(m, k))) - zx) * (int(float(qw.code(n, k))) - zw);
      }
      out(Eigen::Index(m), Eigen::Index(n)) = s;
    }
  return out;
}

bool same_bits(const lowp::matrix<float>& a, const lowp::matrix<float>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0;
}

using support::for_each_level;

}  // namespace

TEST_CASE("dyadic::from_real is TFLite's QuantizeMultiplier", "[dyadic]") {
  CHECK(lowp::dyadic::from_real(0.5).multiplier == 1 << 30);
  CHECK(lowp::dyadic::from_real(0.5).shift == 0);
  CHECK(lowp::dyadic::from_real(1.0).multiplier == 1 << 30);
  CHECK(lowp::dyadic::from_real(1.0).shift == 1);
  // q · 2^31 rounds up to 2^31: halve and bump the shift
  const auto up = lowp::dyadic::from_real(1.0 - std::ldexp(1.0, -33));
  CHECK(up.multiplier == 1 << 30);
  CHECK(up.shift == 1);
  // shift < −31 → (0, 0)
  CHECK(lowp::dyadic::from_real(std::ldexp(1.0, -40)).multiplier == 0);
  CHECK(lowp::dyadic::from_real(std::ldexp(1.0, -40)).shift == 0);
  // 0.0123 = 0.7872 · 2^-6: multiplier round(0.7872 · 2^31) half away
  const auto d = lowp::dyadic::from_real(0.0123);
  int e;
  const double q = std::frexp(0.0123, &e);
  CHECK(d.shift == e);
  CHECK(d.multiplier == std::int32_t(std::llround(q * 2147483648.0)));
  CHECK(d.to_double() == Approx(0.0123).epsilon(1e-9));
  const auto neg = lowp::dyadic::from_real(-0.3);
  CHECK(neg.multiplier < 0);
  CHECK(neg.to_double() == Approx(-0.3).epsilon(1e-9));
}

TEST_CASE("dyadic::apply is MultiplyByQuantizedMultiplier: hand values and edges", "[dyadic]") {
  const lowp::dyadic half{1 << 30, 0}, quarter{1 << 30, -1}, two{1 << 30, 2};
  CHECK(half.apply(3) == 2);     // 1.5 half up
  CHECK(half.apply(-3) == -1);   // −1.5 half up
  CHECK(quarter.apply(6) == 2);  // SRDHM 3, then 1.5 half away → 2
  CHECK(quarter.apply(-6) == -2);
  CHECK(quarter.apply(2) == 1);  // 0.5 half away
  CHECK(quarter.apply(6, lowp::single_rounding) == 2);
  CHECK(quarter.apply(-6, lowp::single_rounding) == -1);  // one rounding, half up: −1.5 → −1
  CHECK(two.apply(1 << 30) == 0);                         // x · 4 wraps in 32 bits, as TFLite's
  CHECK(lowp::saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX);
  const lowp::dyadic right31{1 << 30, -31};
  CHECK(right31.apply(INT32_MAX) == 1);  // SRDHM = 2^30 (half up), then 2^30 / 2^31 = 0.5 → 1
  CHECK(right31.apply(INT32_MIN) == -1);
  // edges and random values against the rational definitions
  std::mt19937 rng(3);
  const std::int32_t xs[] = {0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1 << 30, -(1 << 30), 12345, -12345};
  long bad = 0;
  for (int shift : {-31, -20, -8, -1, 0, 1, 5, 30}) {
    for (std::int32_t m : {INT32_MAX, 1 << 30, (1 << 30) + 1, 1518500250, INT32_MIN, -(1 << 30), 7}) {
      const lowp::dyadic d{m, shift};
      for (std::int32_t x : xs) bad += d.apply(x) != ref_apply(x, m, shift);
      for (int i = 0; i < 2000; ++i) {
        const std::int32_t x = std::int32_t(rng());
        bad += d.apply(x) != ref_apply(x, m, shift);
        // single rounding: ⌊x·m / 2^(31 − shift) + 1/2⌋, saturated
        if (shift <= 30 && m >= 0) {
          const i128 r = floor_div(2 * i128(x) * m + (i128(1) << (31 - shift)), i128(1) << (32 - shift));
          const std::int32_t want = r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : std::int32_t(r);
          bad += d.apply(x, lowp::single_rounding) != want;
        }
      }
    }
  }
  CHECK(bad == 0);
  for (int e = 0; e <= 31; ++e)
    for (std::int32_t x : xs) CHECK(lowp::rounding_divide_by_pot(x, e) == ref_rdbp(x, e));
  CHECK(lowp::shift_round(5, 1) == 3);
  CHECK(lowp::shift_round(-5, 1) == -3);
  CHECK(lowp::shift_round(3, -2) == 12);
  CHECK(lowp::shift_round(INT32_MAX, -1) == INT32_MAX);
}

TEST_CASE("requantize: dyadic, zero point and saturation, per tensor and per channel", "[dyadic]") {
  lowp::matrix<std::int32_t> acc(2, 3);
  acc << 1000, -1000, 123456, 0, 77, -99999999;
  const auto d = lowp::dyadic::from_real(0.01);
  const auto q = lowp::requantize(acc, d, 5);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      const std::int64_t v = std::int64_t(ref_apply(acc(r, c), d.multiplier, d.shift)) + 5;
      CHECK(int(q(r, c)) == int(std::clamp<std::int64_t>(v, -128, 127)));
    }
  CHECK(int(q(0, 0)) == 15);  // 1000 · 0.01 + 5
  CHECK(int(q(0, 2)) == 127);
  CHECK(int(q(1, 2)) == -128);
  const std::vector<lowp::dyadic> per{lowp::dyadic::from_real(0.5), lowp::dyadic::from_real(0.001),
                                      lowp::dyadic::from_real(1e-7)};
  const auto u = lowp::requantize<std::uint8_t>(acc, per, 128);
  CHECK(int(u(0, 0)) == 255);  // 500 + 128 saturates
  CHECK(int(u(1, 1)) == 128);  // 0.077 → 0
  CHECK(int(u(1, 2)) == 118);  // −9.9999999 → −10
  CHECK_THROWS_WITH(lowp::requantize(acc, std::vector<lowp::dyadic>(2), 0), Catch::Contains("2 multipliers"));
}

/// Σ_k x·w per (row, column, segment), naively in 64 bits.
std::vector<std::int64_t> naive_segments(const std::vector<std::int8_t>& x, const std::vector<int>& w, std::size_t M,
                                         std::size_t N, std::size_t K, std::size_t seg) {
  const std::size_t S = (K + seg - 1) / seg;
  std::vector<std::int64_t> d(M * N * S, 0);
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t k = 0; k < K; ++k) d[(m * N + n) * S + k / seg] += std::int64_t(x[m * K + k]) * w[n * K + k];
  return d;
}

TEST_CASE("integer GEMM plans: exact on every kernel, extremes, narrow fields, ragged shapes", "[matmul][simd]") {
  std::mt19937 rng(1);
  long bad = 0, runs = 0;
  // weight ranges: int8 (8-bit fields), int4 and trit (4- and 2-bit VNNI fields), and an odd range
  const int ranges[][2] = {{-128, 127}, {-8, 7}, {-1, 1}, {-2, 1}, {-3, 9}};
  for (int trial = 0; trial < 60; ++trial) {
    const auto& range = ranges[trial % 5];
    const int lo = range[0], hi = range[1];
    const bool extreme = trial == 0;  // K = 65536 of −128 × −128: the int32 bound
    const std::size_t M = extreme ? 2 : 1 + rng() % 13, N = extreme ? 33 : 1 + rng() % 70;
    const std::size_t K = extreme ? 65536 : 1 + rng() % 700;
    const std::size_t seg = extreme ? K : std::size_t(1) + rng() % (trial % 2 ? K : 96);
    const std::size_t S = (K + seg - 1) / seg;
    std::vector<std::int8_t> x(M * K);
    std::vector<int> w(N * K);
    for (auto& v : x) v = extreme ? std::int8_t(-128) : std::int8_t(rng());
    for (auto& v : w) v = extreme ? -128 : lo + int(rng() % unsigned(hi - lo + 1));
    const auto want = naive_segments(x, w, M, N, K, seg);
    std::vector<float> sx(M * S), sw(N * S);
    for (auto& v : sx) v = std::ldexp(float(rng() % 1000 + 1), -int(rng() % 12));
    for (auto& v : sw) v = std::ldexp(float(rng() % 1000 + 1), -int(rng() % 12));
    // the float epilogue written out: Σ_s float(D_s) · (sx · sw), each product rounded, in order
    std::vector<float> want_f(M * N, 0.f);
    for (std::size_t m = 0; m < M; ++m)
      for (std::size_t n = 0; n < N; ++n)
        for (std::size_t s = 0; s < S; ++s) {
          volatile float t = float(want[(m * N + n) * S + s]) * (sx[m * S + s] * sw[n * S + s]);
          want_f[m * N + n] += t;
        }
    for_each_level([&](lowp::simd::isa l) {
      const auto plan = lowp::simd::plan_gemm(
          N, K, seg, lo, hi, [&](std::size_t c, std::size_t k) { return w[c * K + k]; },
          [&](std::size_t c, std::size_t s) { return sw[c * S + s]; }, [](std::size_t, std::size_t) { return 0; },
          false);
      lowp::simd::x_rows xr;
      xr.build(plan.segments(), M, [&](std::size_t r) { return x.data() + r * K; });
      const std::size_t np = plan.np(), threads = 1 + std::size_t(trial % 3);
      std::vector<std::int32_t> acc(M * np, -7);
      lowp::simd::gemm(plan, xr, nullptr, nullptr, acc.data(), np, threads);
      std::vector<float> y(M * np, -7.f);
      lowp::simd::gemm(plan, xr, sx.data(), nullptr, y.data(), np, threads);
      long here = 0;
      for (std::size_t m = 0; m < M; ++m)
        for (std::size_t n = 0; n < np; ++n) {
          std::int64_t d = 0;
          for (std::size_t s = 0; n < N && s < S; ++s) d += want[(m * N + n) * S + s];
          here += acc[m * np + n] != d;
          const float f = n < N ? want_f[m * N + n] : 0.f;
          here += std::memcmp(&y[m * np + n], &f, sizeof f) != 0;
        }
      INFO("level " << lowp::simd::name_of(l) << ", kernel " << lowp::simd::name_of(plan.kernel) << ", M " << M
                    << ", N " << N << ", K " << K << ", segment " << seg << ", w in [" << lo << ", " << hi << "]");
      CHECK(here == 0);
      bad += here;
      ++runs;
    });
  }
  CHECK(bad == 0);
  CHECK(runs >= 60);
  INFO("integer GEMM kernel here: " << lowp::simd::name_of(lowp::simd::kernels().gemm));
  CHECK(std::string(lowp::simd::name_of(lowp::simd::kernels().gemm)).size() > 0);
}

TEST_CASE("the integer GEMM kernel follows the level: VNNI / AVX2 on x86-64, SMMLA / SDOT on aarch64",
          "[matmul][simd]") {
  using lowp::simd::gemm_kernel;
  using lowp::simd::isa;
  for_each_level([&](isa l) {
    const gemm_kernel k = lowp::simd::kernels().gemm;
    INFO("level " << lowp::simd::name_of(l) << ", kernel " << lowp::simd::name_of(k));
    switch (l) {
      case isa::avx512:
        CHECK((k == gemm_kernel::vnni) == lowp::simd::cpu().vnni);
        break;
      case isa::avx2:
        CHECK(k == gemm_kernel::avx2);
        break;
      case isa::i8mm:
        CHECK(k == gemm_kernel::i8mm);
        break;
      case isa::sdot:
        CHECK(k == gemm_kernel::sdot);
        break;
      default:
        CHECK(k == gemm_kernel::scalar);
    }
  });
}

TEST_CASE("integer GEMM plans: zero points of both operands, exact as Jacob et al.'s expansion", "[matmul][simd]") {
  std::mt19937 rng(2);
  for (int trial = 0; trial < 12; ++trial) {
    const std::size_t M = 1 + rng() % 7, N = 1 + rng() % 50, K = 1 + rng() % 300, seg = 1 + rng() % 64;
    const std::size_t S = (K + seg - 1) / seg;
    std::vector<std::int8_t> x(M * K);
    std::vector<int> w(N * K), zw(N * S), zx(M * S);
    for (auto& v : x) v = std::int8_t(rng());
    for (auto& v : w) v = int(rng() % 16) - 8;
    for (auto& v : zw) v = int(rng() % 16) - 8;
    for (auto& v : zx) v = int(rng() % 256) - 128;
    for_each_level([&](lowp::simd::isa l) {
      const auto plan = lowp::simd::plan_gemm(
          N, K, seg, -8, 7, [&](std::size_t c, std::size_t k) { return w[c * K + k]; },
          [](std::size_t, std::size_t) { return 1.f; }, [&](std::size_t c, std::size_t s) { return zw[c * S + s]; },
          true);
      lowp::simd::x_rows xr;
      xr.build(plan.segments(), M, [&](std::size_t r) { return x.data() + r * K; });
      std::vector<std::int32_t> acc(M * plan.np(), 5);
      lowp::simd::gemm(plan, xr, nullptr, zx.data(), acc.data(), plan.np(), 1 + std::size_t(trial % 2));
      long bad = 0;
      for (std::size_t m = 0; m < M; ++m)
        for (std::size_t n = 0; n < N; ++n) {
          std::int64_t d = 0;
          for (std::size_t k = 0; k < K; ++k)
            d += (std::int64_t(x[m * K + k]) - zx[m * S + k / seg]) * (w[n * K + k] - zw[n * S + k / seg]);
          bad += acc[m * plan.np() + n] != d;
        }
      INFO("level " << lowp::simd::name_of(l));
      CHECK(bad == 0);
    });
  }
}

TEST_CASE("a plan prepacked for a wider kernel than the cap now allows runs with the same bits", "[matmul][simd]") {
  // prepack at the CPU's best level, then lower the cap (set_max_isa): the plan's layout is read by a
  // kernel the cap allows, with the same bits
  using namespace lowp;
  const auto X = gaussian(5, 320, 11);
  const auto W = gaussian(40, 320, 12);
  const auto qx = quantize<int8>(X, per_channel{});
  const simd::isa saved = simd::max_isa();
  simd::set_max_isa(simd::isa::avx512);
  const auto p8 = prepack(quantize<int8>(W, per_group{64}));
  const auto p4 = prepack(quantize<int4>(W, per_group{32}));
  const auto pt = prepack(quantize<trit>(W, per_channel{}, scale::absmean{}));
  const matrix<float> x1 = X.topRows(1);
  const auto qx1 = quantize<int8>(x1, per_channel{});
  const matrix<float> y8 = matmul(qx, p8), y4 = matmul(qx, p4), yt = matmul(qx, pt), g4 = matmul(qx1, p4);
  const matrix<std::int32_t> i4 = matmul_int(qx, p4);
  INFO("prepacked for kernel " << simd::name_of(simd::kernels().gemm));
  for (simd::isa l : {simd::isa::avx2, simd::isa::sse2, simd::isa::scalar}) {
    simd::set_max_isa(l);
    INFO("cap " << simd::name_of(l) << ", kernel now " << simd::name_of(simd::kernels().gemm));
    CHECK(same_bits(matmul(qx, p8), y8));
    CHECK(same_bits(matmul(qx, p4), y4));
    CHECK(same_bits(matmul(qx, pt), yt));
    CHECK(same_bits(matmul(qx1, p4), g4));
    CHECK((matmul_int(qx, p4).array() == i4.array()).all());
    // and a plan prepacked under this cap gives the same bits too
    CHECK(same_bits(matmul(qx, prepack(quantize<int4>(W, per_group{32}))), y4));
  }
  simd::set_max_isa(saved);
}

TEST_CASE("matmul_int is exact for every integer pair, with zero points and groups", "[matmul]") {
  const auto X = gaussian(7, 384, 2);
  const auto W = gaussian(19, 384, 3);
  using namespace lowp;
  auto check = [&](const auto& qx, const auto& qw) {
    const auto want = naive_int(qx, qw);
    for_each_level([&](simd::isa l) {
      const auto got = matmul_int(qx, qw);
      INFO("level " << simd::name_of(l));
      CHECK((got.template cast<std::int64_t>() - want).cwiseAbs().maxCoeff() == 0);
    });
  };
  check(quantize<int8>(X, per_channel{}), quantize<int8>(W, per_channel{}));
  check(quantize<int8>(X, per_tensor{}), quantize<int4>(W, per_group{128}));
  check(quantize<int8>(X, per_channel{}), quantize<trit>(W, per_channel{}, scale::absmean{}));
  check(quantize<uint8>(X, per_channel{}, scale::asymmetric{}), quantize<int8>(W, per_channel{}));
  check(quantize<uint8>(X, per_group{128}, scale::asymmetric{}),
        quantize<uint4>(W, per_group{64}, scale::asymmetric{}));
  check(quantize<int8>(X, per_block{7, 128}), quantize<int2>(W, per_group{32}));
  check(quantize<binary>(X, per_channel{}, scale::absmean{}), quantize<binary>(W, per_channel{}, scale::absmean{}));
}

TEST_CASE("matmul equals X̂ · Ŵᵀ and is bit-identical on every ISA level", "[matmul]") {
  const auto X = gaussian(9, 256, 4);
  const auto W = gaussian(33, 256, 5);
  using namespace lowp;
  auto check = [&](const auto& qx, const auto& qw) {
    const matrix<double> ref =
        dequantize(qx).template cast<double>() * dequantize(qw).template cast<double>().transpose();
    matrix<float> first;
    for_each_level([&](simd::isa l) {
      const matrix<float> y = matmul(qx, prepack(qw));
      if (first.size() == 0) first = y;
      INFO("level " << simd::name_of(l));
      CHECK(same_bits(y, first));
      CHECK((y.template cast<double>() - ref).cwiseAbs().maxCoeff() <= 1e-5 * ref.cwiseAbs().maxCoeff());
    });
  };
  check(quantize<int8>(X, per_channel{}), quantize<int8>(W, per_channel{}));
  check(quantize<int8>(X, per_channel{}), quantize<int4>(W, per_group{64}));
  check(quantize<int8>(X, per_group{128}), quantize<int4>(W, per_group{32}));
  check(quantize<uint8>(X, per_channel{}, scale::asymmetric{}), quantize<int8>(W, per_channel{}));
  check(quantize<int8>(X, per_channel{}), quantize<trit>(W, per_channel{}, scale::absmean{}));
  check(quantize<binary>(X, per_group{64}, scale::absmean{}), quantize<binary>(W, per_group{64}, scale::absmean{}));
  // few rows: the fused VNNI kernel (registers across K segments) against the segment-by-segment path
  const matrix<float> X3 = X.topRows(3), X1 = X.topRows(1);
  check(quantize<int8>(X3, per_channel{}), quantize<int4>(W, per_group{64}));
  check(quantize<int8>(X1, per_group{128}), quantize<int4>(W, per_group{32}));
  check(quantize<int8>(X3, per_channel{}), quantize<trit>(W, per_channel{}, scale::absmean{}));
  check(quantize<int8>(X1, per_channel{}), quantize<int8>(W, per_group{64}));
  check(quantize<int8>(X3, per_channel{}), quantize<int2>(W, per_group{96, pad}));  // a partial last group
  check(quantize<int8>(X, per_channel{}), quantize<binary>(W, per_channel{}, scale::absmean{}));
  // many rows (> 16) and one segment: the VNNI tile kernel with the float epilogue fused, against the
  // segment-by-segment path of the other levels; ragged M (not a multiple of the 6-row tile), N (not
  // of 32) and K (not of 4), weights of every width, and long K
  const auto XR = gaussian(41, 250, 6), WR = gaussian(37, 250, 7);
  check(quantize<int8>(XR, per_channel{}), quantize<int8>(WR, per_channel{}));
  check(quantize<int8>(XR, per_channel{}), quantize<int4>(WR, per_channel{}));
  check(quantize<int8>(XR, per_channel{}), quantize<int2>(WR, per_channel{}));
  check(quantize<int8>(XR, per_channel{}), quantize<trit>(WR, per_channel{}, scale::absmean{}));
  check(quantize<int8>(XR, per_tensor{}), quantize<int8>(WR, per_tensor{}));
  check(quantize<int8>(XR, per_channel{}), quantize<int4>(WR, per_group{50}));  // five segments
  check(quantize<int8>(XR, per_group{50}), quantize<int8>(WR, per_group{25}));  // ten
  check(quantize<int8>(XR, per_group{125}), quantize<trit>(WR, per_group{125}, scale::absmean{}));
  const auto XL = gaussian(20, 5000, 8), WL = gaussian(40, 5000, 9);
  check(quantize<int8>(XL, per_channel{}), quantize<int8>(WL, per_channel{}));
  {
    const auto qxr = quantize<int8>(XR, per_channel{});
    const auto pwr = prepack(quantize<int4>(WR, per_channel{}));
    for (std::size_t t : {2, 3}) CHECK(same_bits(matmul(qxr, pwr, t), matmul(qxr, pwr)));
  }
  // thread counts split the columns; the bits stay
  const auto qx8 = quantize<int8>(X, per_channel{});
  const auto pw4 = prepack(quantize<int4>(W, per_group{64}));
  for (std::size_t t : {2, 3, 8}) {
    CHECK(same_bits(matmul(qx8, pw4, t), matmul(qx8, pw4)));
    CHECK((matmul_int(qx8, pw4, t).array() == matmul_int(qx8, pw4).array()).all());
  }
  // M = 1, and a float X quantized inside
  const matrix<float> x1 = X.topRows(1);
  const auto pw = prepack(quantize<int4>(W, per_group{64}));
  CHECK(same_bits(matmul(x1, pw, uniform<int8>{per_token{}}), matmul(quantize<int8>(x1, per_token{}), pw)));
  CHECK(matmul(x1, pw, uniform<int8>{per_token{}}).rows() == 1);
}

TEST_CASE("matmul: mismatched shapes and groups give lowp::error", "[matmul][errors]") {
  using namespace lowp;
  const auto X = gaussian(4, 128, 6);
  const auto W = gaussian(8, 96, 7);
  CHECK_THROWS_WITH(matmul(quantize<int8>(X, per_channel{}), quantize<int8>(W, per_channel{})),
                    Catch::Contains("128") && Catch::Contains("96"));
  const auto W2 = gaussian(8, 128, 8);
  CHECK_THROWS_WITH(matmul(quantize<int8>(X, per_group{32}), quantize<int4>(W2, per_group{64})),
                    Catch::Contains("32") && Catch::Contains("64"));
  // prepack(qw, 32) refines W's segments so that X's groups of 32 fit
  const auto y = matmul(quantize<int8>(X, per_group{32}), prepack(quantize<int4>(W2, per_group{64}), 32));
  CHECK(y.rows() == 4);
  CHECK(y.cols() == 8);
}

namespace {
/// Σ over blocks in index order (fp32) of the block sums Σ_i x̂_i·ŵ_i taken in element order in fp32
/// of products computed exactly in double: spec §2 written out from the dequantized values.
lowp::matrix<float> block_order_reference(const lowp::matrix<float>& xh, const lowp::matrix<float>& wh,
                                          std::size_t block) {
  lowp::matrix<float> y(xh.rows(), wh.rows());
  for (Eigen::Index m = 0; m < xh.rows(); ++m)
    for (Eigen::Index n = 0; n < wh.rows(); ++n) {
      float acc = 0.f;
      for (Eigen::Index c0 = 0; c0 < xh.cols(); c0 += Eigen::Index(block)) {
        float s = 0.f;
        for (Eigen::Index i = c0; i < std::min(xh.cols(), c0 + Eigen::Index(block)); ++i)
          s += float(double(xh(m, i)) * double(wh(n, i)));
        acc += s;
      }
      y(m, n) = acc;
    }
  return y;
}
}  // namespace

TEST_CASE("MX matmul: block dots in the fixed order of spec §2, the same bits on every ISA", "[matmul][mx]") {
  const auto X = gaussian(5, 256, 11);
  auto W = gaussian(21, 256, 12);
  W(3, 100) = 50.f;  // a block with a large scale
  using namespace lowp;
  auto check = [&](auto sx, auto sw) {
    const auto qx = quantize(X, sx);
    const auto qw = quantize(W, sw);
    const auto ref = block_order_reference(dequantize(qx), dequantize(qw), 32);
    matrix<float> first;
    for_each_level([&](simd::isa l) {
      const matrix<float> y = matmul(qx, qw);
      if (first.size() == 0) first = y;
      INFO(sx.name() << " x " << sw.name() << " at " << simd::name_of(l));
      CHECK(same_bits(y, first));
      CHECK(same_bits(y, ref));
    });
    CHECK(same_bits(matmul(qx, qw, 3), first));
    CHECK(same_bits(matmul(qx, prepack(qw)), first));  // weights prepared once
  };
  check(mxint8{}, mxint8{});
  check(mxint8{}, mxfp4{});
  check(mxfp8_e4m3{}, mxfp4{});
  check(mxfp8_e4m3{}, mxfp8_e4m3{});
  check(mxfp8_e5m2{}, mxfp6_e3m2{});
  check(mxfp8_e4m3{}, mxfp6_e2m3{});
  check(mxint8{}, mxfp8_e5m2{});
  // the block-float kernel's row tiles (6, then 1…5 left over), a short last block, ragged columns
  for (int rows : {1, 6, 13}) {
    const auto Xr = gaussian(rows, 200, 20 + rows), Wr = gaussian(37, 200, 30 + rows);
    const auto qx = quantize(Xr, mxfp8_e4m3{lowp::pad});  // 200 = 6 blocks of 32 and one of 8
    const auto qw = quantize(Wr, mxfp8_e5m2{lowp::pad});
    const auto ref = block_order_reference(dequantize(qx), dequantize(qw), 32);
    for_each_level([&](simd::isa l) {
      INFO(rows << " rows at " << simd::name_of(l));
      CHECK(same_bits(matmul(qx, qw), ref));
      CHECK(same_bits(matmul(qx, prepack(qw), 2), ref));
    });
  }
  CHECK_THROWS_WITH(matmul(quantize(X, mxfp4{}), quantize(gaussian(4, 128, 1), mxfp4{})),
                    Catch::Contains("256") && Catch::Contains("128"));
}

TEST_CASE("NVFP4 matmul: exact block terms, block order, then 0.25 / S_encA / S_encB", "[matmul][nvfp4]") {
  const auto X = gaussian(6, 128, 13);
  const auto W = gaussian(17, 128, 14);
  const auto qx = lowp::quantize(X, lowp::nvfp4{});
  const auto qw = lowp::quantize(W, lowp::nvfp4{});
  // the reference from codes and scales: term_b = Σ (2 q_a)(2 q_b) · S_bA · S_bB, exact in double
  auto values = [](const lowp::quantized<lowp::nvfp4>& q) {
    std::vector<float> v(q.rows() * q.cols());
    std::vector<lowp::float4_e2m1fn> buf(q.cols());
    for (std::size_t r = 0; r < q.rows(); ++r) {
      const auto* c = q.storage().load_row(r, buf.data());
      for (std::size_t k = 0; k < q.cols(); ++k) v[r * q.cols() + k] = float(c[k]);
    }
    return v;
  };
  const auto va = values(qx), vb = values(qw);
  const float f = 0.25f / qx.encode_scale() / qw.encode_scale();
  long bad = 0;
  const auto y = lowp::matmul(qx, qw);
  for (std::size_t m = 0; m < 6; ++m)
    for (std::size_t n = 0; n < 17; ++n) {
      float acc = 0.f;
      for (std::size_t b = 0; b < 8; ++b) {
        double t = 0;
        for (std::size_t i = 16 * b; i < 16 * b + 16; ++i) t += 4.0 * va[m * 128 + i] * vb[n * 128 + i];
        acc += float(t * double(float(qx.scales()[m * 8 + b])) * double(float(qw.scales()[n * 8 + b])));
      }
      bad += y(Eigen::Index(m), Eigen::Index(n)) != acc * f;
    }
  CHECK(bad == 0);
  CHECK(same_bits(lowp::matmul(qx, lowp::prepack(qw), 2), y));
  const Eigen::MatrixXd ref = lowp::dequantize(qx).cast<double>() * lowp::dequantize(qw).cast<double>().transpose();
  CHECK((y.cast<double>() - ref).cwiseAbs().maxCoeff() <= 1e-5 * ref.cwiseAbs().maxCoeff());
}

TEST_CASE("requantize: the vectorised loops give d.apply's bits at every ISA level", "[dyadic][dispatch]") {
  std::mt19937 rng(17);
  lowp::matrix<std::int32_t> acc(9, 67);
  const std::int32_t edges[] = {0, 1, -1, INT32_MIN, INT32_MAX, INT32_MIN + 1, 1 << 30, -(1 << 30), 12345, -12345};
  for (Eigen::Index i = 0; i < acc.size(); ++i) acc.data()[i] = i < 10 ? edges[i] : std::int32_t(rng() >> (rng() % 32));
  std::vector<lowp::dyadic> per;
  for (int c = 0; c < 67; ++c)  // multipliers below and above 1 (left shifts that wrap), ties, tiny
    per.push_back(lowp::dyadic::from_real(std::ldexp(1.0 + (c % 7) / 7.0, (c % 45) - 36)));
  per[3] = lowp::dyadic::from_real(0.5);
  per[4] = lowp::dyadic{std::numeric_limits<std::int32_t>::min(), 0};  // SRDHM's saturating case
  for (const lowp::dyadic& d : {per[0], per[3], per[4], per[40], per[66], lowp::dyadic::from_real(3.75)}) {
    for_each_level([&](lowp::simd::isa l) {
      INFO(lowp::simd::name_of(l) << " multiplier " << d.multiplier << " shift " << d.shift);
      const auto q8 = lowp::requantize(acc, d, -3);
      const auto q32 = lowp::requantize<std::int32_t>(acc, d, 0);
      std::size_t bad = 0;
      for (Eigen::Index i = 0; i < acc.size(); ++i) {
        const std::int64_t want = std::int64_t(d.apply(acc.data()[i]));
        bad += q32.data()[i] != want;
        bad += q8.data()[i] != std::clamp<std::int64_t>(want - 3, -128, 127);
      }
      CHECK(bad == 0);
    });
  }
  for_each_level([&](lowp::simd::isa l) {
    INFO(lowp::simd::name_of(l));
    const auto u = lowp::requantize<std::uint8_t>(acc, per, 100);
    std::size_t bad = 0;
    for (Eigen::Index r = 0; r < acc.rows(); ++r)
      for (Eigen::Index c = 0; c < acc.cols(); ++c)
        bad += u(r, c) != std::clamp<std::int64_t>(std::int64_t(per[std::size_t(c)].apply(acc(r, c))) + 100, 0, 255);
    CHECK(bad == 0);
  });
  // a column-major expression and an empty matrix
  const Eigen::MatrixXi cm = acc.cast<int>();
  CHECK((lowp::requantize(cm, per[3], 0).array() == lowp::requantize(acc, per[3], 0).array()).all());
  CHECK(lowp::requantize(lowp::matrix<std::int32_t>(0, 0), std::vector<lowp::dyadic>{}, 0).size() == 0);
}

TEST_CASE("shift_round on matrices: the scalar function's bits at every ISA level", "[dyadic][dispatch]") {
  std::mt19937 rng(23);
  lowp::matrix<std::int32_t> x(5, 70);
  const std::int32_t edges[] = {0, 1, -1, 2, -2, 3, -3, INT32_MIN, INT32_MAX, 6, -6, 1 << 20, -(1 << 20)};
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = i < 13 ? edges[i] : std::int32_t(rng() >> (rng() % 32));
  std::vector<int> per(70);
  for (int c = 0; c < 70; ++c) per[std::size_t(c)] = c - 35;  // −35 … 34: saturating multiplies, divides beyond 31
  for_each_level([&](lowp::simd::isa l) {
    INFO(lowp::simd::name_of(l));
    for (int s : {-40, -32, -5, -1, 0, 1, 2, 7, 31, 40}) {
      const auto y = lowp::shift_round(x, s);
      std::size_t bad = 0;
      for (Eigen::Index i = 0; i < x.size(); ++i) bad += y.data()[i] != lowp::shift_round(x.data()[i], s);
      CHECK(bad == 0);
    }
    const auto y = lowp::shift_round(x, per);
    std::size_t bad = 0;
    for (Eigen::Index r = 0; r < x.rows(); ++r)
      for (Eigen::Index c = 0; c < x.cols(); ++c) bad += y(r, c) != lowp::shift_round(x(r, c), per[std::size_t(c)]);
    CHECK(bad == 0);
  });
  CHECK(lowp::shift_round(std::int32_t(5), 1) == 3);  // 2.5 → 3, half away from zero
  CHECK(lowp::shift_round(std::int32_t(-5), 1) == -3);
  CHECK_THROWS_AS(lowp::shift_round(x, std::vector<int>(3, 1)), lowp::error);
}

TEST_CASE("shift_round divides exactly for every shift, 32 and beyond included", "[dyadic]") {
  // x / 2^s rounded half away from zero, as a rational in 128 bits (ref_rdbp); before, shifts beyond
  // 31 were clamped to 31 and INT32_MAX >> 40 gave 1
  std::mt19937 rng(29);
  std::vector<std::int32_t> xs = {0, 1, -1, INT32_MIN, INT32_MAX, INT32_MIN + 1, 1 << 30, -(1 << 30)};
  for (int i = 0; i < 200; ++i) xs.push_back(std::int32_t(rng()));
  std::size_t bad = 0;
  for (int s = 0; s <= 70; ++s)
    for (std::int32_t x : xs) bad += lowp::shift_round(x, s) != ref_rdbp(x, s);
  CHECK(bad == 0);
  CHECK(lowp::shift_round(INT32_MAX, 40) == 0);
  CHECK(lowp::shift_round(INT32_MIN, 32) == -1);  // exactly −1/2: away from zero
  CHECK(lowp::shift_round(INT32_MIN, 33) == 0);
  lowp::matrix<std::int32_t> m(2, 4);
  m << INT32_MIN, INT32_MIN, INT32_MAX, INT32_MIN, 5, -5, 7, 1 << 30;
  for_each_level([&](lowp::simd::isa) {
    const auto y = lowp::shift_round(m, std::vector<int>{31, 32, 40, 33});
    std::size_t wrong = 0;
    for (Eigen::Index r = 0; r < 2; ++r)
      for (Eigen::Index c = 0; c < 4; ++c)
        wrong += y(r, c) != ref_rdbp(m(r, c), std::vector<int>{31, 32, 40, 33}[std::size_t(c)]);
    CHECK(wrong == 0);
  });
}

TEST_CASE("dyadic: NaN, Inf and multipliers of 2^31 or more are errors, as are shifts outside [-31, 31]", "[dyadic]") {
  // before: from_real(1e10) gave shift 34 and apply(1000) shifted an int32 by 34 (UB, result 2328)
  CHECK_THROWS_WITH(lowp::dyadic::from_real(1e10), Catch::Contains("2^31 or more") && Catch::Contains("shift 34"));
  CHECK_THROWS_WITH(lowp::dyadic::from_real(-1e10), Catch::Contains("2^31 or more"));
  CHECK_THROWS_WITH(lowp::dyadic::from_real(std::ldexp(1.0, 31)), Catch::Contains("2^31 or more"));
  CHECK_THROWS_WITH(lowp::dyadic::from_real(std::nan("")), Catch::Contains("not finite"));
  CHECK_THROWS_WITH(lowp::dyadic::from_real(INFINITY), Catch::Contains("not finite"));
  CHECK_THROWS_AS(lowp::dyadic::from_real(-INFINITY), lowp::error);
  // the largest multiplier below 2^31: shift 31, defined (the left shift wraps, as TFLite's)
  const auto top = lowp::dyadic::from_real(std::ldexp(1.0, 31) - 1.0);
  CHECK(top.shift == 31);
  CHECK(top.apply(3) == ref_apply(3, top.multiplier, top.shift));
  const lowp::dyadic far{1 << 30, 40}, near{1 << 30, -40};
  CHECK_THROWS_WITH(far.apply(1000), Catch::Contains("shift 40"));
  CHECK_THROWS_WITH(near.apply(1000, lowp::single_rounding), Catch::Contains("shift -40"));
  const lowp::matrix<std::int32_t> acc = lowp::matrix<std::int32_t>::Constant(2, 3, 1000);
  CHECK_THROWS_WITH(lowp::requantize(acc, far, 0), Catch::Contains("shift 40"));
  CHECK_THROWS_WITH(lowp::requantize(acc, std::vector<lowp::dyadic>{lowp::dyadic::from_real(0.5), far, far}, 0),
                    Catch::Contains("column 1") && Catch::Contains("shift 40"));
}

TEST_CASE("from_codes wraps requantized codes for the next matmul", "[matmul][from_codes]") {
  lowp::matrix<std::int8_t> a(3, 5);
  lowp::matrix<std::uint8_t> u(2, 5);
  for (int i = 0; i < 15; ++i) a.data()[i] = std::int8_t(i * 17 - 120);
  for (int i = 0; i < 10; ++i) u.data()[i] = std::uint8_t(i * 25);
  const auto qa = lowp::from_codes<lowp::int8>(a, 0.5f);
  const auto qu = lowp::from_codes<lowp::uint8>(u, 0.25f, lowp::uint8(100));
  const lowp::matrix<float> da = lowp::dequantize(qa), du = lowp::dequantize(qu);
  for (int i = 0; i < 15; ++i) CHECK(da.data()[i] == 0.5f * float(a.data()[i]));
  for (int i = 0; i < 10; ++i) CHECK(du.data()[i] == 0.25f * (float(u.data()[i]) - 100.f));
  // Σ (u − 100)·a exactly, against the definition
  const lowp::matrix<std::int32_t> acc = lowp::matmul_int(qu, qa);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      std::int32_t want = 0;
      for (int k = 0; k < 5; ++k) want += (std::int32_t(u(r, k)) - 100) * std::int32_t(a(c, k));
      CHECK(acc(r, c) == want);
    }
  CHECK_THROWS_AS(lowp::from_codes<lowp::int8>(a, 0.f), lowp::error);
  CHECK_THROWS_AS(lowp::from_codes<lowp::int8>(a, std::nanf("")), lowp::error);
}

TEST_CASE("matmul_int refuses operands with non-finite scales; matmul propagates the NaN", "[matmul]") {
  // before: a NaN weight made its group's scale NaN, but matmul_int + requantize gave ordinary numbers
  auto w = gaussian(20, 128, 61);
  w(13, 70) = NAN;
  auto x = gaussian(3, 128, 62);
  const auto qx = lowp::quantize<lowp::int8>(x, lowp::per_channel{});
  const auto pw = lowp::prepack(lowp::quantize<lowp::int4>(w, lowp::per_group{64}));
  CHECK(pw.nonfinite_row() == 13);
  CHECK_THROWS_WITH(lowp::matmul_int(qx, pw), Catch::Contains("W's row 13") && Catch::Contains("non-finite scale"));
  const auto y = lowp::matmul(qx, pw);
  CHECK(y.col(13).array().isNaN().all());
  CHECK(y.col(12).array().isFinite().all());
  x(2, 5) = INFINITY;
  const auto qx2 = lowp::quantize<lowp::int8>(x, lowp::per_channel{});
  const auto pw_ok = lowp::prepack(lowp::quantize<lowp::int4>(gaussian(20, 128, 63), lowp::per_group{64}));
  CHECK(pw_ok.nonfinite_row() == pw_ok.npos);
  CHECK_THROWS_WITH(lowp::matmul_int(qx2, pw_ok), Catch::Contains("X's row 2"));
  CHECK_NOTHROW(lowp::matmul_int(qx, pw_ok));
}

TEST_CASE("from_codes takes the zero point as an integer, as requantize does", "[matmul][from_codes]") {
  lowp::matrix<std::uint8_t> u(2, 4);
  u << 0, 100, 200, 255, 1, 2, 3, 4;
  const auto a = lowp::from_codes<lowp::uint8>(u, 0.5f, 100);  // an int, as requantize's zero point
  const auto b = lowp::from_codes<lowp::uint8>(u, 0.5f, lowp::uint8(100));
  CHECK(a.zero_points()[0].bits() == 100);
  CHECK(lowp::dequantize(a) == lowp::dequantize(b));
  CHECK(lowp::dequantize(a)(0, 0) == -50.f);
  CHECK_THROWS_WITH(lowp::from_codes<lowp::uint8>(u, 0.5f, 300), Catch::Contains("zero point 300"));
  CHECK_THROWS_WITH(lowp::from_codes<lowp::uint8>(u, 0.5f, -1), Catch::Contains("[0, 255]"));
}
