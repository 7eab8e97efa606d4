// tests/mixed/consumer.cpp: the other half (built with -march=native or another level): receives
// lowp::matrix results made in producer.cpp, reads them with its own vector width, frees them,
// and hands its own to the producer to free.
#include <lowp/lowp.hpp>

#include <Eigen/Dense>
#include <cstdio>

lowp::matrix<float> produce(int rows, int cols);
double consume(lowp::matrix<float> m);
void resize_here(lowp::matrix<float>& m, int rows, int cols);

int main() {
  double total = 0;
  for (int n = 1; n <= 67; n += 3) {
    lowp::matrix<float> a = produce(n, n + 5);  // allocated over there, read and freed here
    total += double(a.sum()) + double(a.cwiseAbs().maxCoeff());
    const Eigen::MatrixXf w = Eigen::MatrixXf::Random(n + 2, n);
    lowp::matrix<float> b = lowp::dequantize(lowp::quantize<lowp::int4>(w, lowp::per_tensor{}));
    total += consume(std::move(b));  // allocated here, freed over there
    resize_here(a, n + 7, n);        // reallocated over there, freed here
    a.setOnes();
    total += double(a.sum());
  }
  std::printf("mixed-flags program: ok (checksum %.3f)\n", total);
  return 0;
}
