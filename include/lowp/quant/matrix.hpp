// lowp/quant/matrix.hpp: lowp::matrix<T> (the row-major Eigen matrix lowp returns) and read access
// to the rows of any Eigen float expression without copying when it is already row-major.
#pragma once
#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <Eigen/Core>
#include <cstddef>
#include <type_traits>

namespace lowp {

/// The matrix type dequantize and matmul return; assigns to any Eigen matrix (docs/architecture.md).
template <class T>
using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace detail {

/// Row pointers into a float matrix: the expression's own storage when it is a row-major float
/// matrix (or map) with unit inner stride, else a row-major copy of its evaluation.
/// (Ref<const MatrixXf> would silently copy row-major inputs: docs/building.md §5.)
class float_rows {
 public:
  template <class Derived>
  explicit float_rows(const Eigen::MatrixBase<Derived>& m)
      : rows_(std::size_t(m.rows())), cols_(std::size_t(m.cols())) {
    using D = Derived;
    if constexpr (std::is_same_v<typename D::Scalar, float> && bool(D::Flags & Eigen::DirectAccessBit) &&
                  bool(D::IsRowMajor) && D::InnerStrideAtCompileTime == 1) {
      base_ = m.derived().data();
      stride_ = std::size_t(m.derived().outerStride());
    } else {
      copy_ = m.template cast<float>();
      base_ = copy_.data();
      stride_ = cols_;
    }
  }
  float_rows(const float* data, std::size_t rows, std::size_t cols)
      : rows_(rows), cols_(cols), base_(data), stride_(cols) {}
  float_rows(const float_rows&) = delete;
  float_rows& operator=(const float_rows&) = delete;

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  const float* row(std::size_t r) const { return base_ + r * stride_; }

 private:
  std::size_t rows_, cols_;
  matrix<float> copy_;
  const float* base_ = nullptr;
  std::size_t stride_ = 0;
};

}  // namespace detail
}  // namespace lowp
