// lowp/quant/matrix.hpp: lowp::matrix<T> (the row-major Eigen matrix lowp returns) and read access
// to the rows of any Eigen float expression without copying when it is already row-major.
#pragma once
#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <Eigen/Core>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "lowp/core/error.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

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

/// A new rows × cols float matrix whose pages are not touched yet. On Linux a large one asks for
/// transparent huge pages (madvise MADV_HUGEPAGE, a hint: the kernel may refuse), so that filling it
/// takes one page fault per 2 MiB instead of one per 4 KiB; a fresh 64 MiB matrix otherwise costs
/// more in page faults than dequantizing into it (docs/performance.md).
inline matrix<float> fresh_matrix(std::size_t rows, std::size_t cols) {
  matrix<float> m;
  m.resize(Eigen::Index(rows), Eigen::Index(cols));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::size_t huge = std::size_t(2) << 20;
  const std::size_t bytes = rows * cols * sizeof(float);
  if (bytes >= 4 * huge) {
    const auto begin = (reinterpret_cast<std::uintptr_t>(m.data()) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(m.data()) + bytes) & ~(huge - 1);
    if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }
#endif
  return m;
}

/// A writable Eigen matrix or expression of any scalar (dequantize_into's output).
template <class Out>
concept eigen_output = std::derived_from<std::remove_cvref_t<Out>, Eigen::DenseBase<std::remove_cvref_t<Out>>> &&
                       !std::is_const_v<std::remove_reference_t<Out>> &&
                       bool(Eigen::internal::traits<std::remove_cvref_t<Out>>::Flags & Eigen::LvalueBit);

inline std::string shape(std::size_t rows, std::size_t cols) {
  return std::to_string(rows) + " x " + std::to_string(cols);
}

/// Calls row(r, dst) for r < rows with dst a row-major row of cols floats that ends up in out:
/// out's own storage when it is row-major float with unit inner stride (nothing allocated, the
/// call dequantize_into makes cheap in a loop), else a row buffer assigned (cast) to out.row(r).
/// A plain dynamic-size matrix of another shape is resized; any other shape mismatch is an error.
template <class Out, class RowFn>
requires eigen_output<Out>
void write_rows(Out&& out_arg, std::size_t rows, std::size_t cols, const char* who, RowFn&& row) {
  using D = std::remove_cvref_t<Out>;
  auto& out = out_arg.derived();
  if (std::size_t(out.rows()) != rows || std::size_t(out.cols()) != cols) {
    if constexpr (std::is_base_of_v<Eigen::PlainObjectBase<D>, D> && D::RowsAtCompileTime == Eigen::Dynamic &&
                  D::ColsAtCompileTime == Eigen::Dynamic)
      out.resize(Eigen::Index(rows), Eigen::Index(cols));
    else
      throw error(std::string(who) + ": the output is " + shape(std::size_t(out.rows()), std::size_t(out.cols())) +
                  ", the quantized matrix " + shape(rows, cols));
  }
  if (rows == 0 || cols == 0) return;
  if constexpr (std::is_same_v<typename D::Scalar, float> && bool(D::Flags & Eigen::DirectAccessBit) &&
                (bool(D::IsRowMajor) || D::ColsAtCompileTime == 1) && D::InnerStrideAtCompileTime == 1) {
    // rows one apart in memory by outerStride (a column vector: one float per row, stride 1)
    const std::size_t stride = D::ColsAtCompileTime == 1 && !bool(D::IsRowMajor) ? 1 : std::size_t(out.outerStride());
    for (std::size_t r = 0; r < rows; ++r) row(r, out.data() + r * stride);
  } else {
    std::vector<float> buf(cols);
    for (std::size_t r = 0; r < rows; ++r) {
      row(r, buf.data());
      out.row(Eigen::Index(r)) =
          Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>>(buf.data(), Eigen::Index(cols))
              .template cast<typename D::Scalar>();
    }
  }
}

/// The same into a span holding rows × cols floats, row-major.
template <class RowFn>
void write_rows(std::span<float> out, std::size_t rows, std::size_t cols, const char* who, RowFn&& row) {
  if (out.size() != rows * cols)
    throw error(std::string(who) + ": the output span holds " + std::to_string(out.size()) +
                " floats, the quantized matrix " + shape(rows, cols) + " = " + std::to_string(rows * cols));
  for (std::size_t r = 0; r < rows; ++r) row(r, out.data() + r * cols);
}

}  // namespace detail
}  // namespace lowp
