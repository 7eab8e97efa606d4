// expect: gamma and beta must be Eigen vectors or contiguous ranges
#include <lowp/intops/nonlinear.hpp>
auto y = lowp::intops::layernorm(lowp::intops::array<int>::Zero(2, 4), 1.5, 0.0);
