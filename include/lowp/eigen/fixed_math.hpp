// lowp/eigen/fixed_math.hpp: the fixed-point array math of intops/fixed_math.hpp on Eigen arrays
// and matrices of lowp::fixed values (any expression; the result is a plain array of the same
// shape). Same rounding and the same bits as the span kernels.
//
//   Eigen::Array<lowp::q16_16, Eigen::Dynamic, 1> a = ..., b = ...;
//   auto p = lowp::intops::mul(a, b);          // correctly rounded products
//   auto r = lowp::intops::sqrt(a);            // correctly rounded square roots
//   lowp::q16_16 d = lowp::intops::dot(a, b);  // exact sum of exact products, one rounding
#pragma once
#include <span>
#include <type_traits>

#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <Eigen/Core>

#include "lowp/eigen/numtraits.hpp"
#include "lowp/intops/fixed_math.hpp"

namespace lowp::intops {

namespace detail {
template <class D>
using plain_array = Eigen::Array<typename D::Scalar, D::RowsAtCompileTime, D::ColsAtCompileTime>;

template <class Da, class Db>
void check_shape(const Eigen::DenseBase<Da>& a, const Eigen::DenseBase<Db>& b, const char* what) {
  if (a.rows() != b.rows() || a.cols() != b.cols())
    throw error(std::string("intops::") + what + ": a is " + std::to_string(a.rows()) + "x" + std::to_string(a.cols()) +
                ", b is " + std::to_string(b.rows()) + "x" + std::to_string(b.cols()));
}
template <class A>
auto span_of(const A& a) {
  return std::span<const typename A::Scalar>(a.data(), std::size_t(a.size()));
}
}  // namespace detail

#define LOWP_EIGEN_BINARY(name)                                                                           \
  template <class Da, class Db>                                                                           \
  requires fixed_point<typename Da::Scalar> && std::is_same_v<typename Da::Scalar, typename Db::Scalar>   \
  auto name(const Eigen::DenseBase<Da>& a, const Eigen::DenseBase<Db>& b) {                               \
    detail::check_shape(a, b, #name);                                                                     \
    using T = typename Da::Scalar;                                                                        \
    const detail::plain_array<Da> ea = a.derived(), eb = b.derived();                                     \
    detail::plain_array<Da> out(ea.rows(), ea.cols());                                                    \
    name<T>(detail::span_of(ea), detail::span_of(eb), std::span<T>(out.data(), std::size_t(out.size()))); \
    return out;                                                                                           \
  }
LOWP_EIGEN_BINARY(mul)
LOWP_EIGEN_BINARY(div)
#undef LOWP_EIGEN_BINARY

#define LOWP_EIGEN_UNARY(name)                                                       \
  template <class D>                                                                 \
  requires fixed_point<typename D::Scalar>                                           \
  auto name(const Eigen::DenseBase<D>& a) {                                          \
    using T = typename D::Scalar;                                                    \
    const detail::plain_array<D> ea = a.derived();                                   \
    detail::plain_array<D> out(ea.rows(), ea.cols());                                \
    name<T>(detail::span_of(ea), std::span<T>(out.data(), std::size_t(out.size()))); \
    return out;                                                                      \
  }
LOWP_EIGEN_UNARY(sqrt)
LOWP_EIGEN_UNARY(exp)
LOWP_EIGEN_UNARY(log)
LOWP_EIGEN_UNARY(sin)
LOWP_EIGEN_UNARY(cos)
#undef LOWP_EIGEN_UNARY

/// Σ a·b over every element, exact, rounded once.
template <class Da, class Db>
requires fixed_point<typename Da::Scalar> && std::is_same_v<typename Da::Scalar, typename Db::Scalar>
typename Da::Scalar dot(const Eigen::DenseBase<Da>& a, const Eigen::DenseBase<Db>& b) {
  detail::check_shape(a, b, "dot");
  const detail::plain_array<Da> ea = a.derived(), eb = b.derived();
  return dot<typename Da::Scalar>(detail::span_of(ea), detail::span_of(eb));
}
/// √Σ (a − b)² over every element, exact, rounded once.
template <class Da, class Db>
requires fixed_point<typename Da::Scalar> && std::is_same_v<typename Da::Scalar, typename Db::Scalar>
typename Da::Scalar l2_distance(const Eigen::DenseBase<Da>& a, const Eigen::DenseBase<Db>& b) {
  detail::check_shape(a, b, "l2_distance");
  const detail::plain_array<Da> ea = a.derived(), eb = b.derived();
  return l2_distance<typename Da::Scalar>(detail::span_of(ea), detail::span_of(eb));
}

}  // namespace lowp::intops
