// tests/strict/instantiate.cpp: every public header, and the templates users instantiate, under the
// strictest warnings (-Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
// -Wdouble-promotion -Werror), with lowp on -I and Eigen on -isystem: users who add lowp with
// add_subdirectory or -I see lowp's warnings. CMake builds this file with g++ and runs clang++ on it
// (tests/CMakeLists.txt); the digest program and the README snippets are built the same way.
#include <lowp/eigen/tensor.hpp>
#include <lowp/lowp.hpp>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <span>
#include <vector>

namespace {

template <class T>
double scalar_ops(double v) {
  T a(v), b(0.5f), c(3);
  a += b;
  a -= c;
  a *= b;
  a /= b;
  const T d = -a + abs(b);
  double s = double(d) + double(float(a < b)) + double(float(a == b)) + double(float(a != b));
  s += double(float(std::numeric_limits<T>::max())) + double(float(std::numeric_limits<T>::lowest()));
  s += double(float(std::numeric_limits<T>::epsilon())) + double(float(std::numeric_limits<T>::min()));
  s += double(std::numeric_limits<T>::digits + std::numeric_limits<T>::digits10);
  const auto code = a.bits();
  s += double(float(T::from_bits(code)));
  s += double(float(lowp::convert<T>(v, lowp::rounding::stochastic{1, 2}, lowp::overflow::saturate{})));
  s += double(float(lowp::convert<T>(std::int64_t(7), lowp::rounding::toward_zero{}, lowp::overflow::saturate{})));
  s += double(float(lowp::convert<T>(0.25L, lowp::rounding::nearest_away{}, lowp::overflow::saturate{})));
  s += double(lowp::convert<float>(a, lowp::rounding::nearest_even{}, lowp::overflow::saturate{}));
  s += lowp::convert<double>(a, lowp::rounding::to_odd{}, lowp::overflow::propagate{});
  s += double(lowp::convert<int>(a, lowp::rounding::nearest_even{}, lowp::overflow::saturate{}));
  return s;
}

template <class T>
double span_ops() {
  std::vector<float> in(100), back(100);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = float(i) / 10.0f - 5.0f;
  std::vector<T> codes(in.size());
  lowp::convert(std::span<const float>(in), std::span<T>(codes), lowp::rounding::nearest_even{},
                lowp::overflow::saturate{});
  lowp::convert(std::span<const T>(codes), std::span<float>(back), lowp::rounding::nearest_even{},
                lowp::overflow::propagate{});
  double s = 0;
  for (float f : back) s += double(f);
  return s;
}

template <class T>
double packed_ops() {
  std::vector<float> in(50, 1.5f), back(50);
  const auto p = lowp::pack<T>(std::span<const float>(in), lowp::rounding::nearest_even{}, lowp::overflow::saturate{});
  lowp::unpack(p, std::span<float>(back));
  lowp::packed_vector<T> q(10);
  q.set(3, p[2]);
  std::vector<std::uint8_t> bytes(lowp::packing<T>::bytes_for(20) * 2);
  const lowp::packed_matrix_view<T> view(bytes.data(), 2, 20);
  return double(back[7]) + double(float(q.at(3))) + double(float(view(1, 19))) + double(p.bytes());
}

template <class F>
double fixed_ops() {
  std::vector<F> a(40), b(40), out(40);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = F(double(i) / 8.0);
    b[i] = F(0.75);
  }
  lowp::intops::mul(a, b, out);
  lowp::intops::div(a, b, out);
  lowp::intops::sqrt(a, out);
  lowp::intops::exp(b, out);
  lowp::intops::log(a, out);
  lowp::intops::sin(a, out);
  lowp::intops::cos(a, out);
  lowp::intops::mul<F>(std::span<const F>(a), std::span<const F>(b), std::span<F>(out));
  double s = double(lowp::intops::dot(a, b)) + double(lowp::intops::l2_distance(a, b));
  s += double(lowp::intops::sqrt(a[5])) + double(lowp::intops::exp(b[1])) + double(lowp::intops::sin(a[2]));
  Eigen::Array<F, Eigen::Dynamic, 1> ea(4), eb(4);
  ea.setConstant(F(1.5));
  eb.setConstant(F(0.5));
  s += double(lowp::intops::mul(ea, eb)(0)) + double(lowp::intops::sqrt(ea)(1)) + double(lowp::intops::dot(ea, eb));
  const auto p = lowp::exact_mul(a[3], b[3]);
  const auto q = lowp::exact_add(a[3], b[3]);
  s += double(p) + double(q) + double(int(a[9]));
  return s + scalar_ops<F>(1.25);
}

double quant_ops() {
  const lowp::matrix<float> w = lowp::matrix<float>::Random(64, 128);
  const Eigen::MatrixXf x = Eigen::MatrixXf::Random(8, 128);
  double s = 0;
  auto use = [&](const auto& q) {
    s += lowp::sqnr_db(w, lowp::dequantize(q)) + q.bits_per_value();
  };
  use(lowp::quantize<lowp::int4>(w, lowp::per_group{32}));
  use(lowp::quantize<lowp::uint8, lowp::bfloat16>(w, lowp::per_channel{}, lowp::scale::asymmetric{}));
  use(lowp::quantize<lowp::float8_e4m3fn, lowp::float8_e8m0fnu>(w, lowp::per_block{8, 32}));
  use(lowp::quantize<lowp::int4, lowp::float8_e4m3fn>(w, lowp::per_group{16}, lowp::scale::mse{8}));
  use(lowp::quantize<lowp::trit>(w, lowp::per_tensor{}, lowp::scale::absmean{}));
  use(lowp::quantize<lowp::binary>(w, lowp::per_channel{}, lowp::scale::absmedian{}));
  use(lowp::quantize<lowp::int8>(w, lowp::per_tensor{}, lowp::scale::pow2{}, lowp::rounding::stochastic{1, 0},
                                 lowp::on_nonfinite::error));
  use(lowp::quantize(w, lowp::mxfp4{lowp::mx_rule::rceil}));
  use(lowp::quantize(w, lowp::mxint8{}));
  use(lowp::quantize(w, lowp::nvfp4{}));
  use(lowp::quantize(w, lowp::q4_0{}));
  const lowp::matrix<float> w256 = lowp::matrix<float>::Random(4, 256);
  s += lowp::sqnr_db(w256, lowp::dequantize(lowp::quantize(w256, lowp::tq1_0{})));
  use(lowp::quantize(w, lowp::tritplane{32}));
  s += lowp::mse(w, lowp::fake_quantize<lowp::int4>(w, lowp::per_group{32}, lowp::scale::mse{4}));
  s += lowp::max_abs_error(w, lowp::fake_quantize(w, lowp::mxfp6_e2m3{}));
  s += lowp::row_report(w, lowp::fake_quantize(w, lowp::q8_0{}))[0].sqnr_db;
  const Eigen::MatrixXf f = w.unaryExpr(lowp::fake_quant<lowp::float8_e4m3fn>(0.01f));
  s += double(f(0, 0));
  const auto e8 = lowp::convert<lowp::float8_e5m2>(x * 0.5f, lowp::rounding::nearest_even{}, lowp::overflow::saturate{});
  s += double(float(e8(0, 0)));
  Eigen::Tensor<float, 2, Eigen::RowMajor> t(8, 128);
  t.setRandom();
  s += double(float(lowp::convert<lowp::bfloat16>(t, lowp::rounding::nearest_even{}, lowp::overflow::saturate{})(1, 1)));
  s += double(lowp::dequantize(lowp::quantize<lowp::int8>(t, lowp::per_channel{}))(0, 0));
  // matmul: integer pairs, MX, NVFP4, requantize
  const auto qx = lowp::quantize<lowp::int8>(x, lowp::per_channel{});
  const auto pw = lowp::prepack(lowp::quantize<lowp::int4>(w, lowp::per_group{32}));
  s += double(lowp::matmul(qx, pw, 2)(0, 0));
  const lowp::matrix<std::int32_t> acc = lowp::matmul_int(qx, lowp::quantize<lowp::int8>(w, lowp::per_channel{}));
  const auto r8 = lowp::requantize(acc, lowp::dyadic::from_real(0.001), 3);
  const auto ru = lowp::requantize<std::uint8_t>(acc, std::vector<lowp::dyadic>(64, lowp::dyadic::from_real(0.002)), 128);
  s += double(r8(0, 0)) + double(ru(0, 0)) + double(lowp::shift_round(acc, 4)(0, 0));
  s += double(lowp::matmul(lowp::quantize(x, lowp::mxint8{}), lowp::prepack(lowp::quantize(w, lowp::mxfp4{})))(0, 0));
  s += double(lowp::matmul(lowp::quantize(x, lowp::nvfp4{}), lowp::quantize(w, lowp::nvfp4{}))(0, 0));
  s += double(lowp::matmul(x, pw, lowp::uniform<lowp::int8>{lowp::per_channel{}})(0, 0));
  const auto qc = lowp::from_codes<lowp::int8>(r8, 0.05f, 3);
  s += double(lowp::matmul_int(qc, lowp::quantize<lowp::int8>(w.leftCols(64), lowp::per_channel{}))(0, 0));
  return s;
}

double intops_ops() {
  lowp::intops::array<std::int16_t> q(4, 32);
  for (Eigen::Index i = 0; i < q.size(); ++i) q.data()[i] = std::int16_t(i % 200 - 100);
  const std::vector<float> gamma(32, 1.5f), beta(32, 0.25f);
  double s = lowp::intops::softmax(q, 0x1p-4).real()(0, 0);
  s += lowp::intops::shiftmax(q, 0x1p-4, 12).real()(0, 1);
  s += lowp::intops::gelu(q, 0x1p-5).real()(1, 0) + lowp::intops::shift_gelu(q, 0x1p-5).real()(2, 2);
  s += lowp::intops::layernorm(q, gamma, beta).real()(0, 0);
  s += lowp::intops::layernorm(q, Eigen::ArrayXd::Ones(32), Eigen::VectorXf::Zero(32)).real()(0, 0);
  s += lowp::intops::rmsnorm(q, gamma, lowp::intops::norm_variant::ivit).real()(0, 0);
  s += lowp::intops::layernorm(q).real()(0, 0) + double(lowp::intops::isqrt(std::int64_t(1) << 40));
  const lowp::intops::array<std::int32_t> neg = -(q.cast<std::int32_t>().abs());
  s += lowp::intops::exp(neg, 0x1p-6).real()(0, 0);
  return s;
}

}  // namespace

int main() {
  double s = scalar_ops<lowp::float8_e4m3fn>(3.3) + scalar_ops<lowp::float8_e5m2fnuz>(-2.0) +
             scalar_ops<lowp::float8_e8m0fnu>(0.3) + scalar_ops<lowp::float6_e3m2fn>(1.0) +
             scalar_ops<lowp::float4_e2m1fn>(2.0) + scalar_ops<lowp::float16>(1e-3) + scalar_ops<lowp::bfloat16>(7.0) +
             scalar_ops<lowp::minifloat<2, 2, lowp::encoding::fn>>(1.0) + scalar_ops<lowp::int4>(3.0) +
             scalar_ops<lowp::uint2>(1.0) + scalar_ops<lowp::intn<12, false>>(100.0) + scalar_ops<lowp::trit>(0.7);
  s += span_ops<lowp::float8_e4m3fn>() + span_ops<lowp::float6_e2m3fn>() + span_ops<lowp::int8>() +
       span_ops<lowp::trit>() + span_ops<lowp::binary>() + span_ops<lowp::float16>();
  s += packed_ops<lowp::float4_e2m1fn>() + packed_ops<lowp::float6_e3m2fn>() + packed_ops<lowp::int2>() +
       packed_ops<lowp::trit>() + packed_ops<lowp::binary>() + packed_ops<lowp::intn<3, true>>();
  s += fixed_ops<lowp::q16_16>() + fixed_ops<lowp::q1_15>() + fixed_ops<lowp::q8_8>() +
       fixed_ops<lowp::ufixed<8, 8, lowp::rounding::toward_zero, lowp::overflow::wrap>>() +
       fixed_ops<lowp::fixed<10, 12, lowp::rounding::stochastic, lowp::overflow::saturate_symmetric>>();
  s += quant_ops() + intops_ops();
  Eigen::Matrix<lowp::float8_e4m3fn, Eigen::Dynamic, Eigen::Dynamic> m = Eigen::MatrixXf::Ones(2, 2).cast<lowp::float8_e4m3fn>();
  s += double((m.cast<float>() * 2.0f).sum());
  std::printf("%g\n", s);
  return std::isnan(s) ? 1 : 0;
}
