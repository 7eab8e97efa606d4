// expect: T, the element format, must be a lowp value type
#include <lowp/lowp.hpp>
auto q = lowp::quantize<float>(Eigen::MatrixXf::Ones(2, 32), lowp::per_group{32});
