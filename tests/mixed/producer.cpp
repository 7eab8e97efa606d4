// tests/mixed/producer.cpp: half of a program whose two files are built with different -march
// flags (tests/mixed/check.cmake): this one makes and frees lowp results for the other.
#include <lowp/lowp.hpp>

#include <Eigen/Dense>

lowp::matrix<float> produce(int rows, int cols) {
  const Eigen::MatrixXf w = Eigen::MatrixXf::Random(rows, cols);
  return lowp::dequantize(lowp::quantize<lowp::int8>(w, lowp::per_channel{}));
}

double consume(lowp::matrix<float> m) {  // destroyed here: freed by this file's Eigen
  return double(m.sum());
}

void resize_here(lowp::matrix<float>& m, int rows, int cols) { m.resize(rows, cols); }
