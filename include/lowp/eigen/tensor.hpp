// lowp/eigen/tensor.hpp: rank-2 Eigen::Tensor / TensorMap overloads, kept out of lowp.hpp (Eigen's
// Tensor module is a heavy include):
//   convert<To>(tensor, rounding, overflow) → Eigen::Tensor<To, 2> with the same layout (SIMD kernels);
//   quantize<T [, ScaleT]>(tensor, granularity, ...), quantize(tensor, scheme), fake_quantize(...):
//   the tensor is read in place as the matrix of its layout (rows = dimension 0), no copy when it
//   is row-major.
#pragma once
#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <span>
#include <type_traits>
#include <unsupported/Eigen/CXX11/Tensor>

#include "lowp/core/tags.hpp"
#include "lowp/eigen/numtraits.hpp"
#include "lowp/quant/quantize.hpp"
#include "lowp/simd/convert.hpp"

namespace lowp {

namespace detail {
template <class To, int Layout, class Index, class From, class R, class O>
Eigen::Tensor<To, 2, Layout, Index> convert_tensor(const From* data, Index rows, Index cols, const R& r, O o) {
  Eigen::Tensor<To, 2, Layout, Index> out(rows, cols);
  convert(std::span<const From>(data, std::size_t(rows * cols)), std::span<To>(out.data(), std::size_t(out.size())), r,
          o);
  return out;
}
}  // namespace detail

template <class To, class From, int Layout, class Index, rounding_mode R, overflow_mode O>
Eigen::Tensor<To, 2, Layout, Index> convert(const Eigen::TensorMap<Eigen::Tensor<From, 2, Layout, Index>>& x,
                                            const R& r, O o) {
  return detail::convert_tensor<To, Layout, Index, std::remove_const_t<From>>(x.data(), x.dimension(0), x.dimension(1),
                                                                              r, o);
}
template <class To, class From, int Layout, class Index, rounding_mode R, overflow_mode O>
Eigen::Tensor<To, 2, Layout, Index> convert(const Eigen::TensorMap<Eigen::Tensor<const From, 2, Layout, Index>>& x,
                                            const R& r, O o) {
  return detail::convert_tensor<To, Layout, Index, From>(x.data(), x.dimension(0), x.dimension(1), r, o);
}
template <class To, class From, int Layout, class Index, rounding_mode R, overflow_mode O>
Eigen::Tensor<To, 2, Layout, Index> convert(const Eigen::Tensor<From, 2, Layout, Index>& x, const R& r, O o) {
  return detail::convert_tensor<To, Layout, Index, From>(x.data(), x.dimension(0), x.dimension(1), r, o);
}

namespace detail {
template <int Layout, class Index>
auto as_matrix(const float* data, Index rows, Index cols) {
  using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic,
                          Layout == Eigen::RowMajor ? Eigen::RowMajor : Eigen::ColMajor>;
  return Eigen::Map<const M>(data, rows, cols);
}
template <class T, class ScaleT, int Layout, class Index, class... Args>
auto quantize_tensor(const float* data, Index rows, Index cols, Args&&... args) {
  const auto m = as_matrix<Layout>(data, rows, cols);
  if constexpr (std::is_void_v<T>)
    return quantize(m, std::forward<Args>(args)...);
  else
    return quantize<T, ScaleT>(m, std::forward<Args>(args)...);
}
template <class T, class ScaleT, int Layout, class Index, class... Args>
matrix<float> fake_quantize_tensor(const float* data, Index rows, Index cols, Args&&... args) {
  const auto m = as_matrix<Layout>(data, rows, cols);
  if constexpr (std::is_void_v<T>)
    return fake_quantize(m, std::forward<Args>(args)...);
  else
    return fake_quantize<T, ScaleT>(m, std::forward<Args>(args)...);
}
}  // namespace detail

/// quantize<T>(tensor, granularity, ...) or quantize(tensor, scheme) on a rank-2 float tensor.
template <class T = void, class ScaleT = float, int Layout, class Index, class... Args>
auto quantize(const Eigen::Tensor<float, 2, Layout, Index>& t, Args&&... args) {
  return detail::quantize_tensor<T, ScaleT, Layout>(t.data(), t.dimension(0), t.dimension(1),
                                                    std::forward<Args>(args)...);
}
template <class T = void, class ScaleT = float, class F, int Layout, class Index, class... Args>
requires std::is_same_v < std::remove_const_t<F>,
float > auto quantize(const Eigen::TensorMap<Eigen::Tensor<F, 2, Layout, Index>>& t, Args&&... args) {
  return detail::quantize_tensor<T, ScaleT, Layout>(t.data(), t.dimension(0), t.dimension(1),
                                                    std::forward<Args>(args)...);
}
template <class T = void, class ScaleT = float, int Layout, class Index, class... Args>
matrix<float> fake_quantize(const Eigen::Tensor<float, 2, Layout, Index>& t, Args&&... args) {
  return detail::fake_quantize_tensor<T, ScaleT, Layout>(t.data(), t.dimension(0), t.dimension(1),
                                                         std::forward<Args>(args)...);
}

}  // namespace lowp
