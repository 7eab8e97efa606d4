// lowp/eigen/numtraits.hpp: Eigen::NumTraits for every lowp value type, so that
// Eigen::Matrix<lowp::float8_e4m3fn, Dynamic, Dynamic> can be filled, printed and cast.
//
// Note (docs/building.md §5): A * B on matrices of a lowp type compiles but rounds to that type after
// every multiply-add (slow and inexact). Use A.cast<float>() * B.cast<float>() or lowp::matmul.
#pragma once
#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <Eigen/Core>
#include <limits>

#include "lowp/core/traits.hpp"
#include "lowp/format/fixed.hpp"
#include "lowp/format/intn.hpp"
#include "lowp/format/minifloat.hpp"
#include "lowp/format/ternary.hpp"

namespace lowp::detail {
template <class T>
struct lowp_num_traits : Eigen::GenericNumTraits<T> {
  using Real = T;
  using NonInteger = std::conditional_t<std::numeric_limits<T>::is_integer, float, T>;
  using Literal = T;
  using Nested = T;
  enum {
    IsComplex = 0,
    IsInteger = std::numeric_limits<T>::is_integer ? 1 : 0,
    IsSigned = std::numeric_limits<T>::is_signed ? 1 : 0,
    RequireInitialization = 0,
    ReadCost = 1,
    AddCost = 4,
    MulCost = 4,
  };
  static inline T epsilon() { return std::numeric_limits<T>::epsilon(); }
  static inline T dummy_precision() { return T(std::numeric_limits<T>::is_integer ? 0.0 : 1e-2); }
  static inline T highest() { return std::numeric_limits<T>::max(); }
  static inline T lowest() { return std::numeric_limits<T>::lowest(); }
  static inline T infinity() { return std::numeric_limits<T>::infinity(); }
  static inline T quiet_NaN() { return std::numeric_limits<T>::quiet_NaN(); }
  static inline int digits10() { return std::numeric_limits<T>::digits10; }
  static inline int digits() { return std::numeric_limits<T>::digits; }
};
}  // namespace lowp::detail

namespace Eigen {
template <int E, int M, lowp::encoding Enc, int B>
struct NumTraits<lowp::minifloat<E, M, Enc, B>> : lowp::detail::lowp_num_traits<lowp::minifloat<E, M, Enc, B>> {};
template <int Bits, bool S>
struct NumTraits<lowp::intn<Bits, S>> : lowp::detail::lowp_num_traits<lowp::intn<Bits, S>> {};
template <int I, int F, bool S, class R, class O>
struct NumTraits<lowp::basic_fixed<I, F, S, R, O>> : lowp::detail::lowp_num_traits<lowp::basic_fixed<I, F, S, R, O>> {};
template <>
struct NumTraits<lowp::trit> : lowp::detail::lowp_num_traits<lowp::trit> {};
template <>
struct NumTraits<lowp::binary> : lowp::detail::lowp_num_traits<lowp::binary> {};
}  // namespace Eigen
