// lowp/eigen/convert.hpp: convert<To>(any Eigen expression, rounding, overflow) → an Eigen object
// of the target type, on the SIMD kernels of simd/convert.hpp.
//
//   Eigen::MatrixXf W = ...;
//   auto W8 = lowp::convert<lowp::float8_e4m3fn>(W * 0.5f, lowp::rounding::nearest_even{},
//                                                 lowp::overflow::saturate{});   // Matrix<float8_e4m3fn>
//   Eigen::MatrixXf back = lowp::convert<float>(W8, lowp::rounding::nearest_even{}, lowp::overflow::saturate{});
//
// The expression is evaluated once into its plain type; the result keeps its shape and storage
// order. Element i of a stochastic call is the i-th element in that storage order (column-major
// unless the expression is row-major), so the same seed gives the same codes for the same matrix.
// Rank-2 Eigen::Tensor / TensorMap: lowp/eigen/tensor.hpp.
#pragma once
#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <Eigen/Core>
#include <span>

#include "lowp/core/tags.hpp"
#include "lowp/eigen/numtraits.hpp"
#include "lowp/simd/convert.hpp"

namespace lowp {

template <class To, class Derived, rounding_mode R, overflow_mode O>
auto convert(const Eigen::DenseBase<Derived>& x, const R& r, O o) {
  using From = typename Derived::Scalar;
  using Plain = typename Derived::PlainObject;
  constexpr int options = Plain::IsRowMajor ? Eigen::RowMajor : Eigen::ColMajor;
  using Out =
      Eigen::Matrix<To, Derived::RowsAtCompileTime, Derived::ColsAtCompileTime,
                    options | ((Derived::RowsAtCompileTime == 1 && Derived::ColsAtCompileTime != 1)   ? Eigen::RowMajor
                               : (Derived::ColsAtCompileTime == 1 && Derived::RowsAtCompileTime != 1) ? Eigen::ColMajor
                                                                                                      : options),
                    Derived::MaxRowsAtCompileTime, Derived::MaxColsAtCompileTime>;
  const Plain src = x.derived();  // one evaluation of the expression, contiguous
  Out out(src.rows(), src.cols());
  convert(std::span<const From>(src.data(), std::size_t(src.size())),
          std::span<To>(out.data(), std::size_t(out.size())), r, o);
  return out;
}

}  // namespace lowp
