// tests/eigen/numtraits_test.cpp: Eigen matrices of lowp types: fill, print, cast both ways.
#include <lowp/lowp.hpp>

#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <sstream>

TEST_CASE("Eigen::Matrix<float8_e4m3fn> can be filled, printed, cast to float and back", "[eigen]") {
  using M8 = Eigen::Matrix<lowp::float8_e4m3fn, Eigen::Dynamic, Eigen::Dynamic>;
  Eigen::MatrixXf f(2, 3);
  f << 1.0f, -2.5f, 448.f, 0.1f, 1000.f, -0.0f;
  const M8 m = f.cast<lowp::float8_e4m3fn>();
  const Eigen::MatrixXf back = m.cast<float>();
  CHECK(back(0, 0) == 1.0f);
  CHECK(back(0, 1) == -2.5f);
  CHECK(back(0, 2) == 448.f);
  CHECK(back(1, 0) == float(lowp::float8_e4m3fn(0.1f)));
  CHECK(std::isnan(back(1, 1)));  // T(x) is nearest_even + propagate: 1000 → NaN
  std::ostringstream s;
  s << m;
  CHECK(s.str().find("448") != std::string::npos);
  CHECK(s.str().find("-2.5") != std::string::npos);
  M8 z = M8::Zero(2, 2);
  CHECK(z.cast<float>().sum() == 0.f);
  M8 c = M8::Constant(3, 3, lowp::float8_e4m3fn(0.5f));
  CHECK(c.cast<float>().sum() == 4.5f);
  CHECK(float(c.sum()) == 4.5f);  // reductions in the element type
  CHECK(float(c.maxCoeff()) == 0.5f);
  CHECK((c.array() == lowp::float8_e4m3fn(0.5f)).all());
  const Eigen::Matrix<std::uint8_t, 2, 2> codes =
      (Eigen::Matrix<std::uint8_t, 2, 2>() << 0x38, 0x40, 0xB8, 0x7E).finished();
  const auto mapped = Eigen::Map<const Eigen::Matrix<lowp::float8_e4m3fn, 2, 2>>(
      reinterpret_cast<const lowp::float8_e4m3fn*>(codes.data()));
  CHECK(mapped.cast<float>()(0, 0) == 1.0f);
  CHECK(mapped.cast<float>()(1, 1) == 448.f);
}

TEST_CASE("Eigen works with every family: fixed, intn, trit, bfloat16", "[eigen]") {
  Eigen::Matrix<lowp::q16_16, 2, 2> q;
  q << lowp::q16_16(1.5), lowp::q16_16(-2), lowp::q16_16(0.25), lowp::q16_16(3);
  CHECK(double(q.sum()) == 2.75);
  CHECK((q.cast<double>().array() == Eigen::Array22d((Eigen::Array22d() << 1.5, -2, 0.25, 3).finished())).all());
  Eigen::VectorXf v = Eigen::VectorXf::LinSpaced(9, -4.f, 4.f);
  const Eigen::Matrix<lowp::int4, Eigen::Dynamic, 1> i4 = v.cast<lowp::int4>();
  CHECK(i4.cast<float>().minCoeff() == -4.f);
  CHECK(int(i4(8).value()) == 4);
  const Eigen::Matrix<lowp::trit, Eigen::Dynamic, 1> t = v.cast<lowp::trit>();
  CHECK(t.cast<float>().sum() == 0.f);
  const Eigen::Matrix<lowp::bfloat16, Eigen::Dynamic, 1> b = v.cast<lowp::bfloat16>();
  CHECK(b.cast<float>().isApprox(v));
  CHECK(Eigen::NumTraits<lowp::float8_e4m3fn>::highest() == lowp::float8_e4m3fn(448.f));
  CHECK(float(Eigen::NumTraits<lowp::float8_e5m2>::epsilon()) == 0.25f);
  CHECK(Eigen::NumTraits<lowp::int8>::IsInteger == 1);
}
