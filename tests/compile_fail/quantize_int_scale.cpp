// expect: ScaleT, the scale storage, must be float, double or a lowp minifloat
#include <lowp/lowp.hpp>
auto q = lowp::quantize<lowp::int4, lowp::int8>(Eigen::MatrixXf::Ones(2, 32), lowp::per_group{32});
