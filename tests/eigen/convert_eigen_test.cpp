// tests/eigen/convert_eigen_test.cpp: convert<To>(Eigen expression or rank-2 Tensor) keeps the shape
// and storage order, and gives element by element the scalar reference's codes.
#include <lowp/eigen/tensor.hpp>
#include <lowp/lowp.hpp>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

using namespace lowp;

TEST_CASE("convert<T> on Eigen expressions: shape, storage order, scalar bits", "[eigen][convert]") {
  const Eigen::MatrixXf a = Eigen::MatrixXf::Random(37, 19) * 500.f;
  const auto q = convert<float8_e4m3fn>(a * 0.5f, rounding::nearest_even{}, overflow::saturate{});
  static_assert(
      std::is_same_v<std::decay_t<decltype(q)>, Eigen::Matrix<float8_e4m3fn, Eigen::Dynamic, Eigen::Dynamic>>);
  REQUIRE(q.rows() == 37);
  REQUIRE(q.cols() == 19);
  for (int j = 0; j < 19; ++j)
    for (int i = 0; i < 37; ++i)
      REQUIRE(q(i, j).bits() ==
              convert<float8_e4m3fn>(a(i, j) * 0.5f, rounding::nearest_even{}, overflow::saturate{}).bits());
  // and back, from a matrix of codes to float
  const Eigen::MatrixXf back = convert<float>(q, rounding::nearest_even{}, overflow::saturate{});
  for (int j = 0; j < 19; ++j)
    for (int i = 0; i < 37; ++i) REQUIRE(back(i, j) == float(q(i, j)));
  // row-major in, row-major out; a block (non-contiguous expression) evaluates first
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r = a;
  const auto qr = convert<float4_e2m1fn>(r.block(3, 2, 5, 7) / 100.f, rounding::toward_zero{}, overflow::saturate{});
  static_assert(std::decay_t<decltype(qr)>::IsRowMajor);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 7; ++j)
      REQUIRE(qr(i, j).bits() ==
              convert<float4_e2m1fn>(r(3 + i, 2 + j) / 100.f, rounding::toward_zero{}, overflow::saturate{}).bits());
  // stochastic: element i in storage order draws (seed, offset + i)
  const Eigen::VectorXf v = Eigen::VectorXf::LinSpaced(100, -3.f, 3.f);
  const auto s = convert<float4_e2m1fn>(v, rounding::stochastic{5, 10}, overflow::saturate{});
  for (int i = 0; i < 100; ++i)
    REQUIRE(s(i).bits() ==
            convert<float4_e2m1fn>(v(i), rounding::stochastic{5, 10 + std::uint64_t(i)}, overflow::saturate{}).bits());
  // other families through the same call
  const auto i8 = convert<int8>(Eigen::MatrixXd::Constant(2, 3, 200.7), rounding::nearest_even{}, overflow::saturate{});
  CHECK(int(i8(1, 2).value()) == 127);
  const Eigen::Matrix<float, 0, 0> empty;
  CHECK(convert<float8_e5m2>(empty, rounding::nearest_even{}, overflow::saturate{}).size() == 0);
}

TEST_CASE("convert<T> on rank-2 Eigen::Tensor and TensorMap", "[eigen][convert]") {
  Eigen::Tensor<float, 2> t(4, 6);
  t.setRandom();
  t = t * 10.f;
  const auto q = convert<float8_e5m2>(t, rounding::nearest_even{}, overflow::saturate{});
  REQUIRE(q.dimension(0) == 4);
  REQUIRE(q.dimension(1) == 6);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 6; ++j) REQUIRE(q(i, j).bits() == float8_e5m2(t(i, j)).bits());
  std::vector<float> raw(12, 3.3f);
  Eigen::TensorMap<Eigen::Tensor<float, 2, Eigen::RowMajor>> m(raw.data(), 3, 4);
  const auto qm = convert<float6_e2m3fn>(m, rounding::nearest_even{}, overflow::saturate{});
  static_assert(int(std::decay_t<decltype(qm)>::Layout) == int(Eigen::RowMajor));
  CHECK(float(qm(2, 3)) == 3.25f);
}
