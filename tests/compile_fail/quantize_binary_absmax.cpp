// expect: binary elements take scale::absmean
#include <lowp/lowp.hpp>
auto q = lowp::fake_quantize<lowp::binary>(Eigen::MatrixXf::Ones(2, 32), lowp::per_channel{}, lowp::scale::absmax{});
