// expect: ScaleT, the scale storage, must be float or a lowp minifloat whose values float holds
#include <lowp/lowp.hpp>
auto q = lowp::quantize<lowp::int4, lowp::int8>(Eigen::MatrixXf::Ones(2, 32), lowp::per_group{32});
