// tests/quant/quant_test.cpp: the quantizers of quant/ against the rules of spec §2, §3, §5,
// §8, with expected values computed independently here (frexp / ldexp for MX, the NVFP4 float
// expressions written out again, llama.cpp bytes worked out from the documented layouts).
#include <lowp/eigen/tensor.hpp>
#include <lowp/lowp.hpp>

#include <Eigen/Dense>
#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace {

lowp::matrix<float> gaussian(int rows, int cols, unsigned seed, float sigma = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, sigma);
  lowp::matrix<float> m(rows, cols);
  for (int i = 0; i < m.size(); ++i) m.data()[i] = d(rng);
  return m;
}

bool same_bits(const lowp::matrix<float>& a, const lowp::matrix<float>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0;
}

template <class Fn>
std::string error_of(Fn&& f) {
  try {
    f();
  } catch (const lowp::error& e) {
    return e.what();
  }
  return "no error";
}

/// floor(log2 |a|) from frexp (a = m · 2^e, m ∈ [0.5, 1)).
int floor_log2(float a) {
  int e;
  std::frexp(a, &e);
  return e - 1;
}

template <class Elem>
void check_mx_block_values(int emax) {
  const auto x = gaussian(4, 96, 11, 3.f);
  const auto q = lowp::quantize(x, lowp::mx<Elem>{});
  const auto y = lowp::dequantize(q);
  long bad = 0;
  for (int r = 0; r < 4; ++r)
    for (int b = 0; b < 3; ++b) {
      float amax = 0;
      for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x(r, 32 * b + i)));
      const int e = std::clamp(floor_log2(amax) - emax, -127, 127);
      bad += q.scales()[std::size_t(r * 3 + b)].bits() != e + 127;
      const float X = std::ldexp(1.f, e);
      for (int i = 0; i < 32; ++i) {
        const float v = x(r, 32 * b + i);
        float want;
        if constexpr (std::is_same_v<Elem, lowp::int8>)
          want = X * float(std::clamp(std::nearbyint(std::ldexp(v / X, 6)), -127.f, 127.f)) / 64.f;
        else
          want = X * float(lowp::convert<Elem>(v / X, lowp::rounding::nearest_even{}, lowp::overflow::saturate{}));
        bad += y(r, 32 * b + i) != want;
      }
    }
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("MX: every element format decodes a block to X · P_i with X from the exponent bits", "[quant][mx]") {
  check_mx_block_values<lowp::float8_e4m3fn>(8);
  check_mx_block_values<lowp::float8_e5m2>(15);
  check_mx_block_values<lowp::float6_e2m3fn>(2);
  check_mx_block_values<lowp::float6_e3m2fn>(4);
  check_mx_block_values<lowp::float4_e2m1fn>(2);
  check_mx_block_values<lowp::int8>(0);
}

TEST_CASE("MX: zero block, NaN and Inf blocks, amax just below a power of two", "[quant][mx]") {
  lowp::matrix<float> x = lowp::matrix<float>::Zero(1, 128);
  for (int i = 32; i < 64; ++i) x(0, i) = 0.25f * float(i - 40);
  x(0, 70) = NAN;
  x(0, 100) = -INFINITY;
  const auto q = lowp::quantize(x, lowp::mxfp8_e4m3{});
  const auto y = lowp::dequantize(q);
  CHECK(q.scales()[0].bits() == 0x00);  // zero block: X = 2^-127
  for (int i = 0; i < 32; ++i) CHECK(y(0, i) == 0.f);
  CHECK(q.scales()[2].bits() == 0xFF);  // NaN in the block: X = NaN
  CHECK(q.scales()[3].bits() == 0xFF);  // Inf likewise
  for (int i = 64; i < 128; ++i) CHECK(std::isnan(y(0, i)));
  for (int i = 32; i < 64; ++i) CHECK(std::isfinite(y(0, i)));
  // log2f(255.99998f) rounds to 8; the exponent bits say 7: e = 7 − 8 = −1, code 126
  lowp::matrix<float> z = lowp::matrix<float>::Zero(1, 32);
  z(0, 5) = std::nextafter(256.f, 0.f);
  CHECK(lowp::quantize(z, lowp::mxfp8_e4m3{}).scales()[0].bits() == 126);
  // a block of float subnormals: e = ⌊log2 2^-130⌋ − emax clamps to −127, X = 2^-127; MXINT8 codes
  // step 2^-6 · X = 2^-133, so 2^-130 is code 8 and −3 · 2^-133 code −3 (2^(6+127) must not overflow)
  lowp::matrix<float> tiny = lowp::matrix<float>::Zero(1, 32);
  tiny(0, 0) = 0x1p-130f;
  tiny(0, 1) = -3 * 0x1p-133f;
  const auto ti = lowp::dequantize(lowp::quantize(tiny, lowp::mxint8{}));
  CHECK(ti(0, 0) == 0x1p-130f);
  CHECK(ti(0, 1) == -3 * 0x1p-133f);
  CHECK(lowp::dequantize(lowp::quantize(tiny, lowp::mxfp8_e4m3{}))(0, 0) == 0x1p-130f);  // P = 2^-3
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::mxfp4{}, lowp::on_nonfinite::error),
                    Catch::Contains("row 0") && Catch::Contains("column 70"));
}

TEST_CASE("MX: amax = 7 in E2M1 under floor saturates to 6; rceil and ceil do not", "[quant][mx]") {
  lowp::matrix<float> x = lowp::matrix<float>::Zero(1, 32);
  x(0, 0) = 7.f;
  x(0, 1) = 1.f;
  const auto f = lowp::dequantize(lowp::quantize(x, lowp::mxfp4{}));
  CHECK(f(0, 0) == 6.f);  // floor: e = ⌊log2 7⌋ − 2 = 0, X = 1, P = e2m1(7) saturates to 6
  const auto rq = lowp::quantize(x, lowp::mxfp4{lowp::mx_rule::rceil});
  CHECK(rq.scales()[0].bits() == 128);       // ⌈log2(7 / 6)⌉ = 1
  CHECK(lowp::dequantize(rq)(0, 0) == 8.f);  // 7 / 2 = 3.5, a tie between 3 (code 5) and 4 (code 6): even code, 4
  const auto cq = lowp::quantize(x, lowp::mxfp4{lowp::mx_rule::ceil});
  CHECK(cq.scales()[0].bits() == 128);  // ⌈log2 7⌉ − 2 = 1
  // a power of two is its own ceiling: amax = 4 → floor and ceil agree
  x(0, 0) = 4.f;
  CHECK(lowp::quantize(x, lowp::mxfp4{lowp::mx_rule::ceil}).scales()[0].bits() ==
        lowp::quantize(x, lowp::mxfp4{}).scales()[0].bits());
}

TEST_CASE("NVFP4 follows the two-level rule computed independently", "[quant][nvfp4]") {
  auto x = gaussian(8, 64, 3, 2.f);
  x(3, 17) = 9.5f;
  x.row(5).setZero();
  const auto q = lowp::quantize(x, lowp::nvfp4{});
  const auto y = lowp::dequantize(q);
  const float amax_t = x.cwiseAbs().maxCoeff();
  const float s_enc = 2688.0f / amax_t;
  CHECK(q.encode_scale() == s_enc);
  CHECK(q.decode_scale() == 1.0f / s_enc);
  long bad = 0;
  for (int r = 0; r < 8; ++r)
    for (int b = 0; b < 4; ++b) {
      float amax_b = 0;
      for (int i = 0; i < 16; ++i) amax_b = std::max(amax_b, std::fabs(x(r, 16 * b + i)));
      const auto sb = lowp::convert<lowp::float8_e4m3fn>(amax_b / 6.0f * s_enc, lowp::rounding::nearest_even{},
                                                         lowp::overflow::saturate{});
      bad += q.scales()[std::size_t(r * 4 + b)].bits() != sb.bits();
      for (int i = 0; i < 16; ++i) {
        const float v = x(r, 16 * b + i);
        const float qi =
            float(sb) == 0.f
                ? 0.f
                : float(lowp::convert<lowp::float4_e2m1fn>(v * (s_enc / float(sb)), lowp::rounding::nearest_even{},
                                                           lowp::overflow::saturate{}));
        bad += y(r, 16 * b + i) != qi * float(sb) / s_enc;
      }
    }
  CHECK(bad == 0);
  // a non-finite amax_t makes every block NaN
  x(0, 0) = INFINITY;
  const auto n = lowp::dequantize(lowp::quantize(x, lowp::nvfp4{}));
  CHECK(n.array().isNaN().all());
  // an all-zero tensor: S_enc = 1, every code 0
  CHECK(lowp::dequantize(lowp::quantize(lowp::matrix<float>::Zero(2, 32), lowp::nvfp4{})).isZero(0));
}

TEST_CASE("q8_0 bytes on a fixed vector worked out by hand", "[quant][gguf]") {
  lowp::matrix<float> x(1, 32);
  for (int j = 0; j < 32; ++j) x(0, j) = float(4 * j - 64);  // −64 .. 60
  x(0, 31) = 127.f;                                          // amax 127: d = 1, id = 1
  x(0, 1) = 2.5f;                                            // roundf: half away from zero → 3
  x(0, 2) = -2.5f;                                           // → −3
  const auto q = lowp::quantize(x, lowp::q8_0{});
  const auto raw = q.raw();
  REQUIRE(raw.size() == 34);
  CHECK(raw[0] == 0x00);
  CHECK(raw[1] == 0x3C);  // float16 1.0 = 0x3C00, little-endian
  CHECK(std::int8_t(raw[2]) == -64);
  CHECK(std::int8_t(raw[3]) == 3);
  CHECK(std::int8_t(raw[4]) == -3);
  for (int j = 3; j < 31; ++j) CHECK(std::int8_t(raw[2 + std::size_t(j)]) == 4 * j - 64);
  CHECK(std::int8_t(raw[33]) == 127);
  const auto back = lowp::quantized<lowp::q8_0>::from_raw(1, 32, raw);
  CHECK(same_bits(lowp::dequantize(back), lowp::dequantize(q)));
  CHECK(lowp::dequantize(q)(0, 1) == 3.f);
}

TEST_CASE("q4_0 bytes on a fixed vector worked out by hand", "[quant][gguf]") {
  lowp::matrix<float> x = lowp::matrix<float>::Zero(1, 32);
  x(0, 3) = -8.f;    // the first element of largest magnitude: m = −8, d = m / −8 = 1
  x(0, 5) = 8.f;     // x + 8.5 = 16.5 → (int8_t) 16 → min(15, ·) = 15
  x(0, 6) = 0.4f;    // 8.9 → 8
  x(0, 7) = 0.5f;    // 9.0 → 9
  x(0, 20) = -0.6f;  // 7.9 → 7
  const auto q = lowp::quantize(x, lowp::q4_0{});
  const auto raw = q.raw();
  REQUIRE(raw.size() == 18);
  CHECK(raw[0] == 0x00);
  CHECK(raw[1] == 0x3C);
  std::uint8_t want[16];
  for (int j = 0; j < 16; ++j) want[j] = 8 | 8 << 4;  // zeros are code 8
  want[3] = 0 | 8 << 4;
  want[5] = 15 | 8 << 4;
  want[6] = 8 | 8 << 4;
  want[7] = 9 | 8 << 4;
  want[4] = 8 | 7 << 4;  // element 20 sits in the high nibble of byte 4
  for (int j = 0; j < 16; ++j) CHECK(int(raw[2 + std::size_t(j)]) == int(want[j]));
  // with the positive element first, m = +8 and d = −1: the codes flip
  lowp::matrix<float> y = x;
  y(0, 3) = 8.f;
  y(0, 5) = -8.f;
  const auto q2 = lowp::quantize(y, lowp::q4_0{});
  const auto r2 = q2.raw();
  CHECK(r2[1] == 0xBC);  // float16 −1.0 = 0xBC00
}

TEST_CASE("tq2_0 and tq1_0 bytes follow the documented layouts", "[quant][gguf]") {
  lowp::matrix<float> x(1, 256);
  auto code = [](int i) { return i % 3; };  // element i is 2 · (code − 1): d = amax = 2, t = code − 1
  for (int i = 0; i < 256; ++i) x(0, i) = 2.f * float(code(i) - 1);
  const auto h2 = lowp::quantize(x, lowp::tq2_0{});
  const auto q2 = h2.raw();
  REQUIRE(q2.size() == 66);
  long bad = 0;
  for (int h = 0; h < 2; ++h)
    for (int m = 0; m < 32; ++m) {
      int b = 0;
      for (int n = 0; n < 4; ++n) b |= code(128 * h + m + 32 * n) << (2 * n);
      bad += q2[std::size_t(32 * h + m)] != b;
    }
  CHECK(bad == 0);
  CHECK(q2[64] == 0x00);
  CHECK(q2[65] == 0x40);  // float16 2.0 = 0x4000
  const auto h1 = lowp::quantize(x, lowp::tq1_0{});
  const auto q1 = h1.raw();
  REQUIRE(q1.size() == 54);
  // byte 0 holds elements 0, 32, 64, 96, 128: codes 0, 2, 1, 0, 2 → q = 65 → ⌈65 · 256 / 243⌉ = 69
  CHECK(q1[0] == 69);
  auto tbyte = [](int q) { return (q * 256 + 242) / 243; };
  for (int m = 0; m < 32; ++m) {
    int q = 0;
    for (int n = 0; n < 5; ++n) q = q * 3 + code(m + 32 * n);
    bad += q1[std::size_t(m)] != tbyte(q);
  }
  for (int m = 0; m < 16; ++m) {
    int q = 0;
    for (int n = 0; n < 5; ++n) q = q * 3 + code(160 + m + 16 * n);
    bad += q1[std::size_t(32 + m)] != tbyte(q);
  }
  for (int j = 0; j < 4; ++j) {
    int q = 0;
    for (int n = 0; n < 4; ++n) q = q * 3 + code(240 + j + 4 * n);
    bad += q1[std::size_t(48 + j)] != tbyte(q * 3);
  }
  CHECK(bad == 0);
  CHECK(q1[53] == 0x40);
  // ternary inputs come back exactly
  CHECK(same_bits(lowp::dequantize(lowp::quantize(x, lowp::tq1_0{})), x));
  CHECK(same_bits(lowp::dequantize(lowp::quantize(x, lowp::tq2_0{})), x));
  CHECK_THROWS_WITH(lowp::quantize(lowp::matrix<float>::Ones(2, 48), lowp::q4_0{}),
                    Catch::Contains("32") && Catch::Contains("48"));
}

TEST_CASE("asymmetric: 0.0 is exact, constant and all-zero inputs are defined", "[quant][uniform]") {
  lowp::matrix<float> x(2, 8);
  x << 0.3f, 1.7f, 0.f, 5.7f, 2.2f, 4.4f, 0.9f, 3.3f, -2.f, -1.f, 0.f, 0.5f, 3.f, 1.f, -0.25f, 2.f;
  const auto q = lowp::quantize<lowp::uint8>(x, lowp::per_row{}, lowp::scale::asymmetric{});
  const auto y = lowp::dequantize(q);
  CHECK(y(0, 2) == 0.f);
  CHECK(y(1, 2) == 0.f);
  // row 0: [min, max] widened to [0, 5.7]: S = 5.7 / 255, z = 0
  CHECK(q.zero_points()[0].value() == 0);
  CHECK(q.scales()[0] >= 5.7f / 255);
  // row 1: [−2, 3]: S = 5 / 255, z = round(0 + 2 / S) = 102
  CHECK(q.zero_points()[1].value() == 102);
  for (int c = 0; c < 8; ++c) CHECK(std::fabs(y(1, c) - x(1, c)) <= q.scales()[1] / 2 * 1.0001f);
  const auto q8 = lowp::quantize<lowp::int8>(x, lowp::per_row{}, lowp::scale::asymmetric{});
  CHECK(lowp::dequantize(q8)(1, 2) == 0.f);  // signed codes: z = round(−128 + 2 / S)
  // constant inputs
  const lowp::matrix<float> c = lowp::matrix<float>::Constant(2, 4, -3.f);
  const auto yc = lowp::dequantize(lowp::quantize<lowp::uint8>(c, lowp::per_tensor{}, lowp::scale::asymmetric{}));
  CHECK(yc.isApprox(c, 1e-6f));
  const lowp::matrix<float> z = lowp::matrix<float>::Zero(2, 4);
  CHECK(lowp::dequantize(lowp::quantize<lowp::uint8>(z, lowp::per_tensor{}, lowp::scale::asymmetric{})).isZero(0));
  CHECK(lowp::dequantize(lowp::quantize<lowp::int8>(z, lowp::per_tensor{})).isZero(0));
}

TEST_CASE("ternary absmean and absmedian on a known input", "[quant][uniform]") {
  lowp::matrix<float> w(1, 6);
  w << 0.1f, -0.5f, 2.0f, 0.0f, -1.2f, 0.3f;
  const auto q = lowp::quantize<lowp::trit>(w, lowp::per_tensor{}, lowp::scale::absmean{});
  const double s = (0.1 + 0.5 + 2.0 + 0.0 + 1.2 + 0.3) / 6;  // mean |W| = 0.68333
  CHECK(q.scales()[0] == Approx(s).epsilon(1e-6));
  const int want[6] = {0, -1, 1, 0, -1, 0};  // round(W / s) clamped to [−1, 1]
  for (int c = 0; c < 6; ++c) CHECK(int(float(q.code(0, std::size_t(c)))) == want[c]);
  // absmedian: median of |W| = (0.3 + 0.5) / 2 = 0.4; W / 0.4 = 0.25, −1.25, 5, 0, −3, 0.75
  const auto m = lowp::quantize<lowp::trit>(w, lowp::per_tensor{}, lowp::scale::absmedian{});
  CHECK(m.scales()[0] == Approx(0.4).epsilon(1e-6));
  const int want_m[6] = {0, -1, 1, 0, -1, 1};
  for (int c = 0; c < 6; ++c) CHECK(int(float(m.code(0, std::size_t(c)))) == want_m[c]);
}

TEST_CASE("power-of-two scales are powers of two; MSE clipping finds the Gaussian optimum", "[quant][uniform]") {
  const auto x = gaussian(16, 256, 7);
  const auto q = lowp::quantize<lowp::int8>(x, lowp::per_group{64}, lowp::scale::pow2{});
  for (float s : q.scales()) {
    int e;
    CHECK(std::frexp(s, &e) == 0.5f);
  }
  // and no element clips: amax / S ≤ 127
  for (int r = 0; r < 16; ++r)
    for (int g = 0; g < 4; ++g)
      CHECK(x.row(r).segment(64 * g, 64).cwiseAbs().maxCoeff() / q.scales()[std::size_t(r * 4 + g)] <= 127.f);
  const auto big = gaussian(256, 512, 9);
  const auto m = lowp::quantize<lowp::int4>(big, lowp::per_tensor{}, lowp::scale::mse{128});
  const double alpha = double(m.scales()[0]) * 7;  // the clip: 7 steps
  CHECK(alpha > 2.2);
  CHECK(alpha < 2.75);
  // and MSE beats absmax on this data
  CHECK(lowp::sqnr_db(big, lowp::dequantize(m)) >
        lowp::sqnr_db(big, lowp::dequantize(lowp::quantize<lowp::int4>(big, lowp::per_tensor{}))));
}

TEST_CASE("scale storage formats round the scale up and are used as stored", "[quant][uniform]") {
  const auto x = gaussian(8, 128, 21);
  auto check = [&](auto q) {
    const auto y = lowp::dequantize(q);
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 128; ++c) {
        const float s = float(q.scales()[q.tile_of(std::size_t(r), std::size_t(c))]);
        CHECK(y(r, c) == s * float(q.code(std::size_t(r), std::size_t(c))));
        CHECK(std::fabs(x(r, c)) <= s * 7.f * 1.0000001f);  // rounded up: nothing clips
      }
  };
  check(lowp::quantize<lowp::int4, lowp::bfloat16>(x, lowp::per_group{32}));
  check(lowp::quantize<lowp::int4, lowp::float16>(x, lowp::per_group{32}));
  check(lowp::quantize<lowp::int4, lowp::float8_e4m3fn>(x, lowp::per_group{32}));
  check(lowp::quantize<lowp::int4, lowp::float8_e8m0fnu>(x, lowp::per_block{4, 32}));
}

TEST_CASE("fake_quantize equals dequantize(quantize) bit for bit for every scheme", "[quant]") {
  auto x = gaussian(12, 256, 5, 1.5f);
  x(2, 3) = 40.f;  // an outlier
  using namespace lowp;
  CHECK(same_bits(fake_quantize<int8>(x, per_tensor{}), dequantize(quantize<int8>(x, per_tensor{}))));
  CHECK(same_bits(fake_quantize<int8>(x, per_channel{}), dequantize(quantize<int8>(x, per_channel{}))));
  CHECK(same_bits(fake_quantize<int4>(x, per_group{64}), dequantize(quantize<int4>(x, per_group{64}))));
  CHECK(same_bits(fake_quantize<int2>(x, per_block{4, 64}), dequantize(quantize<int2>(x, per_block{4, 64}))));
  CHECK(same_bits(fake_quantize<uint4, bfloat16>(x, per_group{32}, scale::asymmetric{}),
                  dequantize(quantize<uint4, bfloat16>(x, per_group{32}, scale::asymmetric{}))));
  CHECK(same_bits(fake_quantize<float8_e4m3fn>(x, per_channel{}, scale::mse{16}),
                  dequantize(quantize<float8_e4m3fn>(x, per_channel{}, scale::mse{16}))));
  CHECK(same_bits(fake_quantize<float6_e2m3fn, float8_e8m0fnu>(x, per_group{32}, scale::pow2{}),
                  dequantize(quantize<float6_e2m3fn, float8_e8m0fnu>(x, per_group{32}, scale::pow2{}))));
  CHECK(same_bits(fake_quantize<trit>(x, per_channel{}, scale::absmean{}),
                  dequantize(quantize<trit>(x, per_channel{}, scale::absmean{}))));
  CHECK(same_bits(fake_quantize<binary>(x, per_channel{}, scale::absmean{}),
                  dequantize(quantize<binary>(x, per_channel{}, scale::absmean{}))));
  CHECK(same_bits(fake_quantize<int4>(x, per_group{64}, scale::absmax{}, rounding::stochastic{3, 1}),
                  dequantize(quantize<int4>(x, per_group{64}, scale::absmax{}, rounding::stochastic{3, 1}))));
  CHECK(same_bits(fake_quantize(x, mxfp8_e4m3{}), dequantize(quantize(x, mxfp8_e4m3{}))));
  CHECK(same_bits(fake_quantize(x, mxfp8_e5m2{}), dequantize(quantize(x, mxfp8_e5m2{}))));
  CHECK(same_bits(fake_quantize(x, mxfp6_e2m3{}), dequantize(quantize(x, mxfp6_e2m3{}))));
  CHECK(same_bits(fake_quantize(x, mxfp6_e3m2{mx_rule::ceil}), dequantize(quantize(x, mxfp6_e3m2{mx_rule::ceil}))));
  CHECK(same_bits(fake_quantize(x, mxfp4{mx_rule::rceil}), dequantize(quantize(x, mxfp4{mx_rule::rceil}))));
  CHECK(same_bits(fake_quantize(x, mxint8{}), dequantize(quantize(x, mxint8{}))));
  CHECK(same_bits(fake_quantize(x, nvfp4{}), dequantize(quantize(x, nvfp4{}))));
  CHECK(same_bits(fake_quantize(x, q8_0{}), dequantize(quantize(x, q8_0{}))));
  CHECK(same_bits(fake_quantize(x, q4_0{}), dequantize(quantize(x, q4_0{}))));
  CHECK(same_bits(fake_quantize(x, tq1_0{}), dequantize(quantize(x, tq1_0{}))));
  CHECK(same_bits(fake_quantize(x, tq2_0{}), dequantize(quantize(x, tq2_0{}))));
  CHECK(same_bits(fake_quantize(x, tritplane{64}), dequantize(quantize(x, tritplane{64}))));
  // and from an expression, a column-major matrix and a rank-2 tensor alike
  const Eigen::MatrixXf cm = x;
  CHECK(same_bits(dequantize(quantize<int4>(cm, per_group{64})), dequantize(quantize<int4>(x, per_group{64}))));
  CHECK(same_bits(dequantize(quantize<int4>(x * 1.0f, per_group{64})), dequantize(quantize<int4>(x, per_group{64}))));
  Eigen::Tensor<float, 2, Eigen::RowMajor> t(12, 256);
  std::memcpy(t.data(), x.data(), sizeof(float) * 12 * 256);
  CHECK(same_bits(dequantize(quantize<int4>(t, per_group{64})), dequantize(quantize<int4>(x, per_group{64}))));
  CHECK(same_bits(dequantize(quantize(t, mxfp4{})), dequantize(quantize(x, mxfp4{}))));
}

TEST_CASE("the fake_quant functor equals per-tensor fake_quantize, vectorised by Eigen", "[quant][eigen]") {
  const lowp::matrix<float> x = gaussian(33, 65, 2, 4.f);
  auto one = [&](auto tag) {
    using T = decltype(tag);
    // unsigned elements under a symmetric rule take non-negative input (spec §5.1)
    const lowp::matrix<float> in = T::is_signed ? x : lowp::matrix<float>(x.cwiseAbs());
    const auto q = lowp::quantize<T>(in, lowp::per_tensor{});
    const lowp::matrix<float> a = in.unaryExpr(lowp::fake_quant<T>(q.scales()[0]));
    CHECK(same_bits(a, lowp::fake_quantize<T>(in, lowp::per_tensor{})));
  };
  one(lowp::float8_e4m3fn{});
  one(lowp::float8_e5m2{});
  one(lowp::float4_e2m1fn{});
  one(lowp::int8{});
  one(lowp::int4{});
  one(lowp::uint8{});
  one(lowp::trit{});
}

TEST_CASE("NaN and Inf: the group goes NaN, or on_nonfinite::error names the element", "[quant][uniform]") {
  auto x = gaussian(4, 64, 8);
  x(1, 40) = NAN;
  const auto y = lowp::dequantize(lowp::quantize<lowp::int8>(x, lowp::per_group{32}));
  for (int c = 0; c < 64; ++c) {
    CHECK(std::isnan(y(1, c)) == (c >= 32));
    CHECK(std::isfinite(y(0, c)));
  }
  CHECK_THROWS_WITH(lowp::quantize<lowp::int8>(x, lowp::per_group{32}, lowp::scale::absmax{},
                                               lowp::rounding::nearest_even{}, lowp::on_nonfinite::error),
                    Catch::Contains("row 1") && Catch::Contains("column 40"));
  x(1, 40) = INFINITY;
  const auto yi = lowp::dequantize(lowp::quantize<lowp::float8_e4m3fn, lowp::float8_e8m0fnu>(x, lowp::per_row{}));
  CHECK(yi.row(1).array().isNaN().all());
  CHECK(yi.row(2).array().isFinite().all());
}

TEST_CASE("every scheme refuses the same inputs with the same words", "[quant][errors]") {
  // a shape the block does not divide: "<block> does not divide the <cols> columns"
  const auto x = gaussian(3, 100, 8);
  auto divides_not = [](std::size_t block) {
    return Catch::Contains(std::to_string(block) + " does not divide the 100 columns");
  };
  CHECK_THROWS_WITH(lowp::quantize<lowp::int4>(x, lowp::per_group{32}), divides_not(32));
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::mxfp4{}), divides_not(32));
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::nvfp4{}), divides_not(16));
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::tritplane{64}), divides_not(64));
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::q8_0{}), divides_not(32));
  // where lowp::pad would allow it, the message says so; llama.cpp blocks have no padded form
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::mxfp4{}), Catch::Contains("lowp::pad"));
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::tritplane{64}), Catch::Contains("lowp::pad"));
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::q8_0{}), !Catch::Contains("lowp::pad"));
  // an empty matrix
  const lowp::matrix<float> empty(0, 64);
  for (const auto& what : {std::string("the matrix is empty (0 x 64)")}) {
    CHECK_THROWS_WITH(lowp::quantize<lowp::int8>(empty, lowp::per_tensor{}), Catch::Contains(what));
    CHECK_THROWS_WITH(lowp::quantize(empty, lowp::mxfp8_e4m3{}), Catch::Contains(what));
    CHECK_THROWS_WITH(lowp::quantize(empty, lowp::nvfp4{}), Catch::Contains(what));
    CHECK_THROWS_WITH(lowp::quantize(empty, lowp::tritplane{64}), Catch::Contains(what));
    CHECK_THROWS_WITH(lowp::quantize(empty, lowp::q8_0{}), Catch::Contains(what));
  }
  // a non-finite value under on_nonfinite::error: its value, row and column
  lowp::matrix<float> y = gaussian(3, 64, 9);
  y(2, 37) = -INFINITY;
  const auto named = Catch::Contains("quantize: non-finite value -inf at row 2, column 37");
  const auto err = lowp::on_nonfinite::error;
  CHECK_THROWS_WITH(
      lowp::quantize<lowp::int8>(y, lowp::per_group{32}, lowp::scale::absmax{}, lowp::rounding::nearest_even{}, err),
      named);
  CHECK_THROWS_WITH(lowp::quantize(y, lowp::mxfp8_e4m3{}, err), named);
  CHECK_THROWS_WITH(lowp::quantize(y, lowp::nvfp4{}, err), named);
  CHECK_THROWS_WITH(lowp::quantize(y, lowp::tritplane{64}, err), named);
  CHECK_THROWS_WITH(lowp::quantize(y, lowp::q8_0{}, err), named);
}

TEST_CASE("shapes: errors name both numbers; padding stores only the real elements", "[quant][errors]") {
  const auto x = gaussian(6, 100, 4);
  CHECK_THROWS_WITH(lowp::quantize<lowp::int4>(x, lowp::per_group{32}),
                    Catch::Contains("32") && Catch::Contains("100"));
  CHECK_THROWS_WITH(lowp::quantize<lowp::int4>(x, lowp::per_block{4, 50}),
                    Catch::Contains("4") && Catch::Contains("6"));
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::mxfp4{}), Catch::Contains("32") && Catch::Contains("100"));
  CHECK_THROWS_WITH(lowp::quantize(x, lowp::nvfp4{}), Catch::Contains("16") && Catch::Contains("100"));
  CHECK_THROWS_WITH(lowp::quantize<lowp::int8>(lowp::matrix<float>(0, 4), lowp::per_tensor{}),
                    Catch::Contains("empty"));
  CHECK_THROWS_WITH(lowp::quantize<lowp::int8>(x, lowp::per_group{0}), Catch::Contains("at least 1"));
  CHECK_THROWS_WITH(lowp::sqnr_db(x, lowp::matrix<float>(2, 2)), Catch::Contains("shapes differ"));
  // padded: groups of 32 over 100 columns: 4 per row, the last holding 4 elements
  const auto p = lowp::quantize<lowp::int4>(x, lowp::per_group{32, lowp::pad});
  CHECK(p.scales().size() == 6 * 4);
  CHECK(p.row_bytes() == 50);
  const float amax_last = x.row(0).tail(4).cwiseAbs().maxCoeff();
  CHECK(p.scales()[3] == Approx(amax_last / 7).epsilon(1e-6));
  CHECK(lowp::sqnr_db(x, lowp::dequantize(p)) > 15);
  const auto mp = lowp::quantize(x, lowp::mxfp4{lowp::pad});
  CHECK(mp.blocks_per_row() == 4);
  CHECK(same_bits(lowp::fake_quantize(x, lowp::mxfp4{lowp::pad}), lowp::dequantize(mp)));
}

TEST_CASE("sizes and metrics", "[quant]") {
  const auto x = gaussian(64, 256, 6);
  CHECK(lowp::quantize<lowp::int4>(x, lowp::per_group{128}).bits_per_value() == Approx(4 + 32.0 / 128));
  CHECK(lowp::quantize(x, lowp::mxfp4{}).bits_per_value() == Approx(4.25));
  CHECK(lowp::quantize(x, lowp::mxfp6_e2m3{}).bits_per_value() == Approx(6.25));
  CHECK(lowp::quantize(x, lowp::nvfp4{}).bits_per_value() == Approx(4.5 + 32.0 / (64 * 256)));
  CHECK(lowp::quantize(x, lowp::q8_0{}).bits_per_value() == Approx(8.5));
  CHECK(lowp::quantize(x, lowp::tq1_0{}).bits_per_value() == Approx(1.6875));
  const auto y = lowp::dequantize(lowp::quantize<lowp::int8>(x, lowp::per_channel{}));
  const double noise = (x - y).squaredNorm(), signal = x.squaredNorm();
  CHECK(lowp::sqnr_db(x, y) == Approx(10 * std::log10(signal / noise)));
  CHECK(lowp::mse(x, y) == Approx(noise / double(x.size())));
  CHECK(lowp::max_abs_error(x, y) == Approx((x - y).cwiseAbs().maxCoeff()));
  const auto rep = lowp::row_report(x, y);
  REQUIRE(rep.size() == 64);
  CHECK(rep[7].max_abs_error == Approx((x.row(7) - y.row(7)).cwiseAbs().maxCoeff()));
  CHECK(std::isinf(lowp::sqnr_db(x, x)));
}

// ---------------------------------------------------------------------------------------------
// Defects a new user hit (each test failed before its fix)

TEST_CASE("narrow scale storage carries a power of two: no group clips, none is flushed", "[quant][uniform]") {
  // before: e4m3 scales saturated at 448, so int4 groups with amax >= 3136 all became +-3136 (0.02 dB),
  // and float16 scales overflowed to Inf at amax ~ 4.6e5 (int4) / 8.3e6 (int8)
  const auto base = gaussian(16, 256, 41);
  const double good = lowp::sqnr_db(base, lowp::dequantize(lowp::quantize<lowp::int4>(base, lowp::per_group{32})));
  for (int e : {-60, -30, -10, 0, 14, 30, 60}) {
    const lowp::matrix<float> x = base * std::ldexp(1.f, e);
    INFO("amax scaled by 2^" << e);
    const auto e4 = lowp::quantize<lowp::int4, lowp::float8_e4m3fn>(x, lowp::per_group{32});
    const auto f16 = lowp::quantize<lowp::int4, lowp::float16>(x, lowp::per_group{32});
    const auto e8 = lowp::quantize<lowp::int4, lowp::float8_e8m0fnu>(x, lowp::per_group{32});
    CHECK(lowp::sqnr_db(x, lowp::dequantize(e4)) > good - 1.5);  // e4m3 rounds scales up by < 2^-3
    CHECK(lowp::sqnr_db(x, lowp::dequantize(f16)) > good - 0.1);
    CHECK(lowp::sqnr_db(x, lowp::dequantize(e8)) > good - 4.0);  // powers of two: up to 2x coarser
    // the value model: x̂ = stored · 2^k · q, nothing clips, fake_quantize agrees bit for bit
    const auto y = lowp::dequantize(e4);
    long bad = 0;
    for (int r = 0; r < 16; ++r)
      for (int c = 0; c < 256; ++c) {
        const std::size_t t = e4.tile_of(std::size_t(r), std::size_t(c));
        const float s = std::ldexp(float(e4.scales()[t]), e4.scale_exponent());
        bad += y(r, c) != s * float(e4.code(std::size_t(r), std::size_t(c)));
        bad += std::fabs(x(r, c)) > s * 7.f * 1.0000001f;
        bad += e4.scale(t) != s;
      }
    CHECK(bad == 0);
    CHECK(same_bits(y, lowp::fake_quantize<lowp::int4, lowp::float8_e4m3fn>(x, lowp::per_group{32})));
    // the largest scale sits in e4m3's top binade whenever the exponent is used
    if (e4.scale_exponent() != 0) {
      float top = 0;
      for (auto v : e4.scales()) top = std::max(top, float(v));
      CHECK(top > 224.f);
    }
  }
  // scales that fit the normal range are stored as they are: k = 0 (the bits of before)
  const lowp::matrix<float> mid = base * 8.f;  // int4 scales of groups with amax ~ 8..30: e4m3-normal
  CHECK(lowp::quantize<lowp::int4, lowp::float8_e4m3fn>(mid, lowp::per_group{32}).scale_exponent() == 0);
  CHECK(lowp::quantize<lowp::int4, lowp::float16>(base, lowp::per_group{32}).scale_exponent() == 0);
  CHECK(lowp::quantize<lowp::int4, lowp::bfloat16>(base, lowp::per_group{32}).scale_exponent() == 0);
  // the exponent reaches matmul: the same product as the float-scale weights' dequantized values
  const lowp::matrix<float> big = base * std::ldexp(1.f, 20);
  const auto qw = lowp::quantize<lowp::int8, lowp::float8_e4m3fn>(big, lowp::per_channel{});
  CHECK(qw.scale_exponent() != 0);
  const auto qx = lowp::quantize<lowp::int8>(gaussian(3, 256, 42), lowp::per_channel{});
  const lowp::matrix<float> y = lowp::matmul(qx, qw);
  const Eigen::MatrixXd ref = lowp::dequantize(qx).cast<double>() * lowp::dequantize(qw).cast<double>().transpose();
  CHECK((y.cast<double>() - ref).cwiseAbs().maxCoeff() <= 1e-5 * ref.cwiseAbs().maxCoeff());
}

TEST_CASE("a scale storage without NaN cannot mark a non-finite group: an error names it", "[quant][uniform]") {
  auto x = gaussian(2, 64, 43);
  x(1, 40) = NAN;
  using fp6 = lowp::float6_e3m2fn;  // no NaN code
  CHECK_THROWS_WITH((lowp::quantize<lowp::int4, fp6>(x, lowp::per_group{32})),
                    Catch::Contains("row 1, column 40") && Catch::Contains("no NaN"));
  const auto q = lowp::quantize<lowp::int4, lowp::float16>(x, lowp::per_group{32});
  CHECK(std::isnan(q.scale(3)));
  CHECK(lowp::dequantize(q).row(1).tail(32).array().isNaN().all());
}

TEST_CASE("NVFP4 keeps its accuracy for every finite amax: subnormal, tiny, normal, near FLT_MAX", "[quant][nvfp4]") {
  // before: amax_t < 2688 / FLT_MAX made S_enc = FLT_MAX and values came back 5x too large (-2.7 dB)
  const auto base = gaussian(8, 128, 44, 2.f);
  const auto q0 = lowp::quantize(base, lowp::nvfp4{});
  const double good = lowp::sqnr_db(base, lowp::dequantize(q0));
  CHECK(good > 15.0);
  const float amax = base.cwiseAbs().maxCoeff();
  for (int k : {-140, -135, -130, -126, -120, -100, -40, -1, 0, 1, 40, 100, 120, 124}) {
    const lowp::matrix<float> x = base * std::ldexp(1.f, k);
    if (!std::isfinite(x.cwiseAbs().maxCoeff()) || std::ldexp(amax, k) > 3.0e38f) continue;
    INFO("tensor scaled by 2^" << k << ", amax " << x.cwiseAbs().maxCoeff());
    const auto q = lowp::quantize(x, lowp::nvfp4{});
    const auto y = lowp::dequantize(q);
    CHECK(lowp::sqnr_db(x, y) > good - (k < -126 ? 10.0 : 0.01));  // subnormal inputs carry fewer bits
    CHECK(same_bits(y, lowp::fake_quantize(x, lowp::nvfp4{})));
    bool all_normal = true;
    for (int i = 0; i < x.size(); ++i) all_normal &= x.data()[i] == 0.f || std::fabs(x.data()[i]) >= FLT_MIN;
    if (all_normal) {  // every nonzero element a normal float: the same codes and block scales for every k
      long bad = 0;
      for (std::size_t r = 0; r < q.rows(); ++r)
        bad += std::memcmp(q.row_codes(r), q0.row_codes(r), q.row_bytes()) != 0;
      for (std::size_t i = 0; i < q.scales().size(); ++i) bad += q.scales()[i].bits() != q0.scales()[i].bits();
      CHECK(bad == 0);
      for (int i = 0; i < y.size(); ++i) bad += y.data()[i] != std::ldexp(lowp::dequantize(q0).data()[i], k);
      CHECK(bad == 0);  // and the values scale exactly
    }
    // the tensor scale pair holds S_enc exactly: S_enc' · 2^p, with S_enc' = 2688 / (amax · 2^p)
    const float a = x.cwiseAbs().maxCoeff();
    CHECK(q.encode_scale_significand() == 2688.0f / std::ldexp(a, q.scale_exponent()));
    CHECK((q.scale_exponent() == 0) == (a >= 1.f));
  }
  // the 1e-40 tensor of the report: no longer 5x too large
  const lowp::matrix<float> tiny = base * 1e-40f / amax;
  CHECK(lowp::sqnr_db(tiny, lowp::dequantize(lowp::quantize(tiny, lowp::nvfp4{}))) > 5.0);
}

TEST_CASE("pairings without a meaning are refused at run time with the rule and the type named", "[quant][uniform]") {
  const auto x = gaussian(4, 64, 45);
  // an unsigned element under a symmetric rule clipped every negative value (3 dB)
  CHECK_THROWS_WITH(lowp::quantize<lowp::uint8>(x, lowp::per_channel{}),
                    Catch::Contains("uint8 holds no negative value") && Catch::Contains("scale::asymmetric"));
  const lowp::matrix<float> pos = x.cwiseAbs();
  CHECK(lowp::sqnr_db(pos, lowp::dequantize(lowp::quantize<lowp::uint8>(pos, lowp::per_channel{}))) > 40.0);
  // absmean is BitNet's ternary rule (int8 absmean gave 12.8 dB against absmax's 42.9)
  const lowp::scale_rule mean = lowp::scale::absmean{};
  CHECK_THROWS_WITH(lowp::quantize<lowp::int8>(x, lowp::per_channel{}, mean),
                    Catch::Contains("absmean") && Catch::Contains("int8"));
  // binary with absmax made every value +-amax (-11 dB)
  const lowp::scale_rule amax = lowp::scale::absmax{};
  CHECK_THROWS_WITH(lowp::quantize<lowp::binary>(x, lowp::per_channel{}, amax),
                    Catch::Contains("binary elements take"));
  const auto b = lowp::quantize<lowp::binary>(x, lowp::per_channel{}, lowp::scale::absmean{});
  CHECK(lowp::sqnr_db(x, lowp::dequantize(b)) > 3.0);  // XNOR-Net's alpha: 1 - 2/pi of the energy kept
}

TEST_CASE("max_abs_error is NaN when a difference is NaN, wherever it is", "[quant][metrics]") {
  // before: fmax dropped the NaN at the next finite difference and the result was 0
  lowp::matrix<float> a = lowp::matrix<float>::Zero(2, 3), b = a;
  b(0, 0) = NAN;
  CHECK(std::isnan(lowp::max_abs_error(a, b)));
  CHECK(std::isnan(lowp::mse(a, b)));
  CHECK(std::isnan(lowp::row_report(a, b)[0].max_abs_error));
  CHECK(lowp::row_report(a, b)[1].max_abs_error == 0.0);
}

TEST_CASE("llama.cpp blocks: tiny blocks are defined, scales beyond float16 are counted or refused", "[quant][gguf]") {
  // blocks whose d is below 2^-128: llama.cpp multiplies by 1/d = Inf and converts to int8 (UB)
  lowp::matrix<float> t(1, 32);
  for (int i = 0; i < 32; ++i) t(0, i) = std::ldexp(float(i - 16), -140);  // subnormal floats
  const auto q = lowp::quantize(t, lowp::q8_0{});
  const float d = 16 * std::ldexp(1.f, -140) / 127;  // d as llama.cpp computes it
  for (int i = 0; i < 32; ++i)
    CHECK(int(std::int8_t(q.raw()[std::size_t(2 + i)])) == int(std::clamp(std::roundf(t(0, i) / d), -127.f, 127.f)));
  CHECK(q.underflowed_scales() == 1);  // d is 0 in float16: the block decodes to zeros
  CHECK(q.overflowed_scales() == 0);
  CHECK(lowp::dequantize(q).isZero());
  for (auto* name : {"q4_0", "tq1_0", "tq2_0"}) {
    INFO(name);
    lowp::matrix<float> u(1, 256);
    for (int i = 0; i < 256; ++i) u(0, i) = std::ldexp(float(i % 9 - 4), -140);
    auto run = [&](auto s) { return lowp::dequantize(lowp::quantize(u, s)).isZero(); };
    CHECK((std::string(name) == "q4_0"    ? run(lowp::q4_0{})
           : std::string(name) == "tq1_0" ? run(lowp::tq1_0{})
                                          : run(lowp::tq2_0{})));
  }
  // d beyond 65504: llama.cpp's bytes (d = Inf) kept, counted, and refused under on_nonfinite::error
  lowp::matrix<float> big = gaussian(2, 64, 46) * 3e7f;
  const auto qb = lowp::quantize(big, lowp::q8_0{});
  CHECK(qb.overflowed_scales() == 4);
  CHECK(std::isinf(lowp::dequantize(qb).cwiseAbs().maxCoeff()));
  CHECK_THROWS_WITH(lowp::quantize(big, lowp::q8_0{}, lowp::on_nonfinite::error),
                    Catch::Contains("row 0, block 0") && Catch::Contains("65504"));
  CHECK(lowp::quantized<lowp::q8_0>::from_raw(2, 64, qb.raw()).overflowed_scales() == 4);
  CHECK(lowp::quantize(gaussian(2, 64, 47), lowp::q4_0{}).overflowed_scales() == 0);
  // a code 0 under d = Inf decodes to 0 · Inf: the positive quiet NaN on every CPU (spec §8)
  lowp::matrix<float> zeros_inf = big;
  zeros_inf(0, 5) = 0.f;
  zeros_inf(1, 40) = 0.f;
  for (const auto& back : {lowp::dequantize(lowp::quantize(zeros_inf, lowp::q8_0{})),
                           lowp::dequantize(lowp::quantize(zeros_inf, lowp::q4_0{}))}) {
    int nans = 0;
    for (Eigen::Index i = 0; i < back.size(); ++i) {
      if (!std::isnan(back.data()[i])) continue;
      std::uint32_t bits = 0;
      std::memcpy(&bits, back.data() + i, 4);
      CHECK(bits == 0x7FC00000u);
      ++nans;
    }
    CHECK(nans > 0);
  }
}

namespace {
// llama.cpp's Q4_0 quantizer under an importance vector, written here from its description in
// ggml-quants.c (quantize_row_q4_0_impl, make_qx_quants with rmse_type 1), every float operation
// through a volatile so nothing is contracted: the test's independent reference.
float volat(float v) {
  volatile float t = v;
  return t;
}
int round_half_even(float f) { return int(std::nearbyint(f)); }  // the default rounding mode
std::vector<std::uint8_t> q4_0_imatrix_reference(const std::vector<float>& row, const std::vector<float>& qw) {
  const std::size_t n = row.size();
  float sum_x2 = 0;
  for (float v : row) sum_x2 = volat(sum_x2 + volat(v * v));
  const float sigma2 = volat(sum_x2 / float(n));
  std::vector<std::uint8_t> out;
  for (std::size_t b = 0; b < n / 32; ++b) {
    const float* x = row.data() + 32 * b;
    float w[32];
    for (int j = 0; j < 32; ++j)
      w[j] = volat(qw[32 * b + std::size_t(j)] * std::sqrt(volat(sigma2 + volat(x[j] * x[j]))));
    float mx = 0, amax = 0;
    for (int j = 0; j < 32; ++j)
      if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), mx = x[j];
    int best_l[32] = {};
    float scale = 0;
    if (amax >= 1e-15f) {
      // candidate inverse scales: is = 0 first, then -9..9; keep the first that beats the best
      double best = -1;
      for (int k = 0; k < 19; ++k) {
        const int is = k == 0 ? 0 : (k <= 9 ? k - 10 : k - 9);
        const float iscale = is == 0 ? volat(-8.f / mx) : volat(-volat(8.f + volat(0.1f * float(is))) / mx);
        int l[32];
        float slx = 0, sl2 = 0;
        for (int j = 0; j < 32; ++j) {
          l[j] = std::clamp(round_half_even(volat(iscale * x[j])), -8, 7);
          slx = volat(slx + volat(volat(w[j] * x[j]) * float(l[j])));
          sl2 = volat(sl2 + volat(volat(w[j] * float(l[j])) * float(l[j])));
        }
        const float s = sl2 != 0 ? volat(slx / sl2) : 0.f;
        const bool better = k == 0 || (sl2 > 0 && volat(slx * slx) > volat(float(best) * sl2));
        if (better) {
          std::copy(l, l + 32, best_l);
          scale = s;
          best = double(volat(s * slx));
        }
      }
    }
    const std::uint16_t d = lowp::float16(scale).bits();  // nearest even, GGML_FP32_TO_FP16
    out.push_back(std::uint8_t(d & 0xFF));
    out.push_back(std::uint8_t(d >> 8));
    for (int j = 0; j < 16; ++j) out.push_back(std::uint8_t((best_l[j] + 8) | ((best_l[j + 16] + 8) << 4)));
  }
  return out;
}
}  // namespace

TEST_CASE("q4_0 under an importance matrix: llama.cpp's weighted scale search", "[quant][gguf]") {
  // a block on a grid of 0.1 (max -0.8): the first candidate, 1 / iscale = 0.1, fits every value exactly,
  // so the codes are the grid's and d is float16(Σ w x l / Σ w l²) ≈ 0.1
  lowp::matrix<float> x(1, 32);
  for (int j = 0; j < 32; ++j) x(0, j) = float(j % 16 - 8) / 10.f;
  std::vector<float> ones(32, 1.f);
  const auto q = lowp::quantize(x, lowp::q4_0{}, ones);
  const auto raw = q.raw();
  for (int j = 0; j < 16; ++j) CHECK(raw[2 + std::size_t(j)] == std::uint8_t(j | (j << 4)));
  CHECK(float(lowp::float16::from_bits(std::uint16_t(raw[0] | raw[1] << 8))) == Approx(0.1f).epsilon(1e-3));

  // random rows and importance: the bytes of the reference above, block by block
  std::mt19937 g(11);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::uniform_real_distribution<float> ud(0.f, 4.f);
  for (int trial = 0; trial < 50; ++trial) {
    const Eigen::Index cols = 32 * (1 + trial % 4);
    lowp::matrix<float> m(3, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = nd(g) * (trial % 5 == 0 ? 1e-3f : 1.f);
    std::vector<float> imp(static_cast<std::size_t>(cols));
    for (auto& v : imp) v = trial % 7 == 0 ? 0.f : ud(g);
    const auto qm = lowp::quantize(m, lowp::q4_0{}, imp);
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
      std::vector<float> rowv(static_cast<std::size_t>(cols));
      for (Eigen::Index j = 0; j < cols; ++j) rowv[std::size_t(j)] = m(r, j);
      const auto want = q4_0_imatrix_reference(rowv, imp);
      const std::uint8_t* got = qm.raw().data() + std::size_t(r) * qm.row_bytes();
      INFO("trial " << trial << " row " << r);
      CHECK(std::equal(want.begin(), want.end(), got));
    }
  }
  // no importance: the reference quantizer's bytes; stacked experts: each its own slice
  lowp::matrix<float> m = lowp::matrix<float>::Random(4, 64);
  const auto a = lowp::quantize(m, lowp::q4_0{}, std::span<const float>());
  const auto b = lowp::quantize(m, lowp::q4_0{});
  CHECK(std::equal(a.raw().begin(), a.raw().end(), b.raw().begin(), b.raw().end()));
  std::vector<float> two(128, 1.f);
  for (std::size_t j = 64; j < 128; ++j) two[j] = float(j % 5);
  const auto e = lowp::quantize(m, lowp::q4_0{}, two);
  const auto e0 = lowp::quantize(m.topRows(2), lowp::q4_0{}, std::span<const float>(two.data(), 64));
  const auto e1 = lowp::quantize(m.bottomRows(2), lowp::q4_0{}, std::span<const float>(two.data() + 64, 64));
  CHECK(std::equal(e0.raw().begin(), e0.raw().end(), e.raw().begin()));
  CHECK(std::equal(e1.raw().begin(), e1.raw().end(), e.raw().begin() + 2 * 36));
  // bad input named
  CHECK_THROWS_WITH(lowp::quantize(m, lowp::q4_0{}, std::vector<float>(63, 1.f)),
                    Catch::Contains("63 values for 4 x 64"));
  std::vector<float> neg(64, 1.f);
  neg[5] = -1.f;
  CHECK_THROWS_WITH(lowp::quantize(m, lowp::q4_0{}, neg), Catch::Contains("importance 5 is -1"));
}

TEST_CASE("dequantize_into writes dequantize's floats into any Eigen output or a span, allocating nothing",
          "[quant][dequantize_into]") {
  using namespace lowp;
  auto x = gaussian(6, 256, 21, 2.f);
  x(1, 7) = NAN;  // a NaN group / block
  auto check_all = [&](const auto& q) {
    const matrix<float> want = dequantize(q);
    matrix<float> same(6, 256);
    const float* storage = same.data();
    dequantize_into(q, same);
    CHECK(same_bits(same, want));
    CHECK(same.data() == storage);  // written in place, not reallocated
    matrix<float> empty;            // a plain dynamic matrix is resized
    dequantize_into(q, empty);
    CHECK(same_bits(empty, want));
    Eigen::MatrixXf col_major(6, 256);  // column-major: through a row buffer
    dequantize_into(q, col_major);
    CHECK(same_bits(matrix<float>(col_major), want));
    Eigen::MatrixXd wide(6, 256);  // another scalar: converted
    dequantize_into(q, wide);
    CHECK(same_bits(matrix<float>(wide.cast<float>()), want));
    matrix<float> big = matrix<float>::Constant(10, 300, 7.f);  // a block of a larger matrix, stride 300
    dequantize_into(q, big.block(2, 40, 6, 256));
    CHECK(same_bits(matrix<float>(big.block(2, 40, 6, 256)), want));
    CHECK(big(1, 40) == 7.f);
    CHECK(big(2, 39) == 7.f);
    CHECK(big(2, 296) == 7.f);
    CHECK(big(8, 40) == 7.f);
    Eigen::MatrixXf transposed(256, 6);  // a transposed view
    dequantize_into(q, transposed.transpose());
    CHECK(same_bits(matrix<float>(transposed.transpose()), want));
    std::vector<float> flat(6 * 256, 7.f);
    dequantize_into(q, std::span<float>(flat));
    CHECK(std::memcmp(flat.data(), want.data(), flat.size() * sizeof(float)) == 0);
    Eigen::Map<matrix<float>> mapped(flat.data(), 6, 256);
    mapped.setZero();
    dequantize_into(q, mapped);
    CHECK(same_bits(matrix<float>(mapped), want));
    // wrong shapes: lowp::error naming both
    Eigen::Matrix<float, 4, 256, Eigen::RowMajor> fixed;
    CHECK(error_of([&] { dequantize_into(q, fixed); }) ==
          "lowp: dequantize_into: the output is 4 x 256, the quantized matrix 6 x 256");
    CHECK(error_of([&] { dequantize_into(q, big.block(0, 0, 6, 255)); }) ==
          "lowp: dequantize_into: the output is 6 x 255, the quantized matrix 6 x 256");
    CHECK(error_of([&] { dequantize_into(q, std::span<float>(flat.data(), 100)); }) ==
          "lowp: dequantize_into: the output span holds 100 floats, the quantized matrix 6 x 256 = 1536");
  };
  check_all(quantize<int8>(x, per_channel{}));
  check_all(quantize<int4>(x, per_group{32}));
  check_all(quantize<uint4, bfloat16>(x, per_group{64}, scale::asymmetric{}));
  check_all(quantize<int2>(x, per_block{2, 128}));
  check_all(quantize<float8_e4m3fn>(x, per_tensor{}));
  check_all(quantize<trit>(x, per_channel{}, scale::absmean{}));
  check_all(quantize(x, mxfp8_e4m3{}));
  check_all(quantize(x, mxfp6_e3m2{}));
  check_all(quantize(x, mxfp4{}));
  check_all(quantize(x, mxint8{}));
  check_all(quantize(x, nvfp4{}));
  check_all(quantize(x, q8_0{}));
  check_all(quantize(x, q4_0{}));
  check_all(quantize(x, tq1_0{}));
  check_all(quantize(x, tq2_0{}));
  check_all(quantize(x, tritplane{64}));
}

namespace {
// ggml's float → float16 (ggml-impl.h ggml_compute_fp32_to_fp16, from the FP16 library by Maratyszcza):
// round to nearest even through the float unit, written here independently of lowp's conversion.
std::uint16_t ggml_fp16(float f) {
  volatile float base = (std::fabs(f) * 0x1.0p+112f);
  base = base * 0x1.0p-110f;
  const std::uint32_t w = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t shl1_w = w + w;
  const std::uint32_t sign = w & 0x80000000u;
  std::uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  volatile float sum = std::bit_cast<float>((bias >> 1) + 0x07800000u);
  sum = sum + base;
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(float(sum));
  const std::uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const std::uint32_t mantissa_bits = bits & 0x00000FFFu;
  return std::uint16_t((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : exp_bits + mantissa_bits));
}
// ggml-quants.c quantize_row_q8_0_ref, transcribed (one block)
void ref_q8_0(const float* x, std::uint8_t* y) {
  float amax = 0.0f;
  for (int j = 0; j < 32; j++) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / ((1 << 7) - 1);
  const float id = d ? 1.0f / d : 0.0f;
  const std::uint16_t h = ggml_fp16(d);
  std::memcpy(y, &h, 2);
  for (int j = 0; j < 32; ++j) {
    volatile float x0 = x[j] * id;
    y[2 + j] = std::uint8_t(std::int8_t(std::roundf(x0)));
  }
}
// ggml-quants.c quantize_row_q4_0_ref, transcribed (one block)
void ref_q4_0(const float* x, std::uint8_t* y) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; j++) {
    const float v = x[j];
    if (amax < std::fabs(v)) {
      amax = std::fabs(v);
      max = v;
    }
  }
  const float d = max / -8;
  const float id = d ? 1.0f / d : 0.0f;
  const std::uint16_t h = ggml_fp16(d);
  std::memcpy(y, &h, 2);
  for (int j = 0; j < 16; ++j) {
    volatile float x0 = x[j] * id, x1 = x[16 + j] * id;
    const std::uint8_t xi0 = std::uint8_t(std::min(15, int(std::int8_t(x0 + 8.5f))));
    const std::uint8_t xi1 = std::uint8_t(std::min(15, int(std::int8_t(x1 + 8.5f))));
    y[2 + j] = std::uint8_t(xi0 | (xi1 << 4));
  }
}
// ggml-quants.c quantize_row_tq2_0_ref, transcribed (one block of 256)
void ref_tq2_0(const float* x, std::uint8_t* y) {
  float amax = 0.0f;
  for (int j = 0; j < 256; j++) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax;
  const float id = d ? 1.0f / d : 0.0f;
  for (int j = 0; j < 64; j += 32)
    for (int m = 0; m < 32; ++m) {
      std::uint8_t q = 0;
      for (int n = 0; n < 4; ++n) {
        volatile float v = x[4 * j + m + n * 32] * id;
        const int xi = int(std::lroundf(v)) + 1;  // -1, 0, 1 -> 0, 1, 2
        q = std::uint8_t(q + (xi << (2 * n)));
      }
      y[j + m] = q;
    }
  const std::uint16_t h = ggml_fp16(d);
  std::memcpy(y + 64, &h, 2);
}
}  // namespace

TEST_CASE("llama.cpp blocks: quantize equals ggml's reference quantizers transcribed, on 20,000 blocks",
          "[quant][gguf]") {
  // Rows of every scale from 1e-30 to 1e6 (float16 subnormal d, normal d, d beyond 65504 → Inf as
  // ggml stores it), exact ties of x · id, zeros of both signs and repeated maxima of either sign.
  std::mt19937 rng(77);
  std::normal_distribution<float> g(0.f, 1.f);
  std::uniform_int_distribution<int> e(-100, 20), kind(0, 5), k(-127, 127);
  constexpr int rows = 80, cols = 2048;
  lowp::matrix<float> x(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c0 = 0; c0 < cols; c0 += 32) {
      const float s = std::ldexp(1.f, e(rng));
      const int kd = kind(rng);
      for (int j = 0; j < 32; ++j) {
        float v = g(rng) * s;
        if (kd == 1) v = j == 0 ? 127.f * s : (float(k(rng) % 126) + 0.5f) * s;  // d = s: x · id exact ties
        if (kd == 2) v = j == 3 || j == 9 ? (j == 3 ? -s : s) : 0.f;             // ± the same maximum
        if (kd == 3) v = j % 2 ? -0.f : 0.f;                                     // signed zeros
        if (kd == 4) v = float(k(rng)) * s;                                      // integers · s
        x(r, c0 + j) = v;
      }
    }
  const auto q8 = lowp::quantize(x, lowp::q8_0{});
  const auto q4 = lowp::quantize(x, lowp::q4_0{});
  const auto t2 = lowp::quantize(x, lowp::tq2_0{});
  std::uint8_t want[66];
  int compared = 0, differ8 = 0, differ4 = 0, differt = 0;
  for (int r = 0; r < rows; ++r) {
    for (int b = 0; b < cols / 32; ++b) {
      const float* xb = x.data() + r * cols + b * 32;
      float amax = 0.f;
      for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(xb[j]));
      if (amax != 0.f && amax < FLT_MIN * 127.f) continue;  // d subnormal: lowp's defined path (test above)
      ++compared;
      ref_q8_0(xb, want);
      differ8 += std::memcmp(want, q8.row_data(std::size_t(r)) + b * 34, 34) != 0;
      ref_q4_0(xb, want);
      differ4 += std::memcmp(want, q4.row_data(std::size_t(r)) + b * 18, 18) != 0;
    }
    for (int b = 0; b < cols / 256; ++b) {
      ref_tq2_0(x.data() + r * cols + b * 256, want);
      differt += std::memcmp(want, t2.row_data(std::size_t(r)) + b * 66, 66) != 0;
    }
  }
  CHECK(compared > 4000);
  CHECK(differ8 == 0);
  CHECK(differ4 == 0);
  CHECK(differt == 0);
  // fake_quantize takes the same row path
  CHECK(same_bits(lowp::fake_quantize(x, lowp::q8_0{}), lowp::dequantize(q8)));
  CHECK(same_bits(lowp::fake_quantize(x, lowp::q4_0{}), lowp::dequantize(q4)));
}

TEST_CASE("one-pass block quantizers: every SIMD level gives the scalar path's codes and scales", "[quant][simd]") {
  // The row-at-a-time paths (uniform absmax / pow2 tiles of one row, MX, NVFP4) against the scalar
  // level, on NaN / Inf groups, zero groups, groups whose scale is subnormal (1/S overflows: the row
  // is redone by the two-pass path), and stochastic rounding (the index runs across the row).
  using namespace lowp;
  std::mt19937 rng(31);
  std::normal_distribution<float> g;
  matrix<float> x(24, 40 * 32);
  for (Eigen::Index r = 0; r < x.rows(); ++r)
    for (Eigen::Index c = 0; c < x.cols(); ++c) x(r, c) = g(rng) * std::ldexp(1.f, int((r * 7 + c / 32) % 50) - 25);
  for (Eigen::Index c = 64; c < 96; ++c) x(3, c) = 0.f;
  x(5, 70) = NAN;
  x(6, 300) = -INFINITY;
  for (Eigen::Index c = 0; c < x.cols(); ++c) x(7, c) = 1e-38f * g(rng);  // S = amax / qmax subnormal, 1/S = Inf
  const auto codes_of = [](const auto& q) {
    std::vector<std::uint8_t> v;
    for (std::size_t r = 0; r < q.rows(); ++r) v.insert(v.end(), q.row_codes(r), q.row_codes(r) + q.row_bytes());
    return v;
  };
  const auto all = [&] {
    std::vector<std::vector<std::uint8_t>> out;
    const auto qi8 = quantize<int8>(x, per_channel{});
    const auto qi4 = quantize<int4>(x, per_group{32});
    const auto qp2 = quantize<int4>(x, per_group{64}, scale::pow2{}, rounding::stochastic{3, 9});
    const auto qf8 = quantize<float8_e4m3fn>(x, per_group{128});
    const auto add = [&](const auto& q) {
      out.push_back(codes_of(q));
      std::vector<std::uint8_t> sc(q.scales().size() * 4);
      std::memcpy(sc.data(), q.scales().data(), sc.size());
      out.push_back(sc);
    };
    add(qi8);
    add(qi4);
    add(qp2);
    out.push_back(codes_of(qf8));
    const matrix<float> mx4 = dequantize(quantize(x, mxfp4{})), nv4 = dequantize(quantize(x, nvfp4{}));
    for (const auto* m : {&mx4, &nv4}) {
      std::vector<std::uint8_t> b(std::size_t(m->size()) * 4);
      std::memcpy(b.data(), m->data(), b.size());
      out.push_back(b);
    }
    return out;
  };
  // row 7 (1/S = Inf) is encoded as x / S, within S / 2 of x, like any other row
  const auto qi8 = quantize<int8>(x, per_channel{});
  const matrix<float> back = dequantize(qi8);
  const float s7 = qi8.scale(7);
  CHECK(s7 > 0.f);
  CHECK(std::isinf(1.0f / s7));
  CHECK((back.row(7) - x.row(7)).cwiseAbs().maxCoeff() <= 0.5f * s7);
  CHECK(back.row(7).cwiseAbs().maxCoeff() > 0.f);
  const simd::isa saved = simd::max_isa();
  simd::set_max_isa(simd::isa::scalar);
  const auto want = all();
  for (const simd::isa l : simd::family_levels) {
    simd::set_max_isa(l);
    INFO("cap " << simd::name_of(l) << ", level " << simd::name_of(simd::active_isa()));
    const auto got = all();
    for (std::size_t k = 0; k < want.size(); ++k) {
      INFO("result " << k);
      CHECK(got[k] == want[k]);
    }
  }
  simd::set_max_isa(saved);
}

TEST_CASE("llama.cpp blocks: q8_0 and q4_0 have the same bytes at every SIMD level as the scalar path",
          "[quant][gguf][simd]") {
  // The fused block kernels (simd/llama_blocks.hpp) against the scalar level's reference path, on
  // blocks of every kind the kernels hand back or decide themselves: NaN and ±Inf blocks, subnormal
  // d (scales down to 2^-149), float16 overflow, exact ties, maxima of both signs in either order,
  // signed zeros; rows of 37 blocks (not a multiple of the kernels' chunk of 16).
  std::mt19937 rng(2026);
  std::normal_distribution<float> g(0.f, 1.f);
  std::uniform_int_distribution<int> e(-150, 20), kind(0, 8), k(-127, 127), at(0, 31);
  constexpr int rows = 60, cols = 37 * 32;
  lowp::matrix<float> x(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c0 = 0; c0 < cols; c0 += 32) {
      const float s = std::ldexp(1.f, e(rng));
      const int kd = kind(rng), i = at(rng), j2 = (i + 1 + at(rng) % 31) % 32;
      for (int j = 0; j < 32; ++j) {
        float v = g(rng) * s;
        if (kd == 1) v = j == 0 ? 127.f * s : (float(k(rng) % 126) + 0.5f) * s;  // x · id exact ties (q8_0)
        if (kd == 2) v = j == i ? -s : j == j2 ? s : 0.25f * s;                  // ± the same maximum
        if (kd == 3) v = j % 2 ? -0.f : 0.f;                                     // signed zeros
        if (kd == 4) v = float(k(rng)) * s;                                      // integers · s
        if (kd == 5 && j == i) v = at(rng) % 3 == 0 ? NAN : at(rng) % 2 ? INFINITY : -INFINITY;
        if (kd == 6) v = (float(k(rng)) + 0.5f) * 0.0625f * s;  // q4_0 ties of x · id + 8.5
        x(r, c0 + j) = v;
      }
    }
  const lowp::simd::isa saved = lowp::simd::max_isa();
  lowp::simd::set_max_isa(lowp::simd::isa::scalar);
  const auto want8 = lowp::quantize(x, lowp::q8_0{});
  const auto want4 = lowp::quantize(x, lowp::q4_0{});
  CHECK(want8.overflowed_scales() > 0);  // the data reach float16's overflow and underflow
  CHECK(want4.underflowed_scales() > 0);
  for (const lowp::simd::isa l : lowp::simd::family_levels) {
    lowp::simd::set_max_isa(l);
    INFO("cap " << lowp::simd::name_of(l) << ", level " << lowp::simd::name_of(lowp::simd::active_isa()));
    const auto q8 = lowp::quantize(x, lowp::q8_0{});
    const auto q4 = lowp::quantize(x, lowp::q4_0{});
    CHECK(std::memcmp(q8.raw().data(), want8.raw().data(), want8.raw().size()) == 0);
    CHECK(std::memcmp(q4.raw().data(), want4.raw().data(), want4.raw().size()) == 0);
    CHECK(q8.overflowed_scales() == want8.overflowed_scales());
    CHECK(q4.underflowed_scales() == want4.underflowed_scales());
  }
  lowp::simd::set_max_isa(saved);
}
