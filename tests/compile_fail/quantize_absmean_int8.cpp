// expect: scale::absmean and scale::absmedian are the rules of trit and binary elements
#include <lowp/lowp.hpp>
auto q = lowp::quantize<lowp::int8>(Eigen::MatrixXf::Ones(2, 32), lowp::per_channel{}, lowp::scale::absmean{});
