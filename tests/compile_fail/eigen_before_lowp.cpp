// expect: lowp: Eigen was included before lowp
#include <Eigen/Core>
#include <lowp/quant/matrix.hpp>
lowp::matrix<float> m;
