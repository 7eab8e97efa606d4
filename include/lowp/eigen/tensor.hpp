// lowp/eigen/tensor.hpp: convert<To>(rank-2 Eigen::Tensor or TensorMap, rounding, overflow) →
// Eigen::Tensor<To, 2> with the same layout, on the SIMD kernels. Kept out of lowp.hpp: Eigen's
// Tensor module is a heavy include.
#pragma once
#include <span>
#include <type_traits>
#include <unsupported/Eigen/CXX11/Tensor>

#include "lowp/core/tags.hpp"
#include "lowp/eigen/numtraits.hpp"
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

}  // namespace lowp
