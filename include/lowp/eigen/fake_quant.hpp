// lowp/eigen/fake_quant.hpp: a fake-quantization functor for Eigen's unaryExpr, vectorised by Eigen.
//
//   Eigen::MatrixXf y = x.unaryExpr(lowp::fake_quant<lowp::float8_e4m3fn>(scale));
//
// Each element becomes S · T(x · (1/S)) with T's conversion under nearest_even and saturate
// (saturate_symmetric for signed integers, so int8 stays in [−127, 127]): the same value as
// lowp::fake_quantize<T>(x, lowp::per_tensor{}) when S is that call's stored scale. S = 0 gives 0.
// Eigen calls packetOp on whole packets; when the packet is as wide as the SIMD kernels of this
// translation unit (simd::default_arch: Packet4f / 8f / 16f with SSE2 / AVX2 / AVX-512 flags) the
// kernels of simd/convert.hpp run on it directly, bit-identical to the scalar operator().
#pragma once
#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <Eigen/Core>
#include <cstddef>
#include <type_traits>

#include "lowp/core/tags.hpp"
#include "lowp/format/convert.hpp"
#include "lowp/quant/scale.hpp"
#include "lowp/simd/convert.hpp"

namespace lowp {

template <class T>
struct fake_quant {
  float scale = 0.f, inv = 0.f;
  explicit fake_quant(float s) : scale(s), inv(s != 0.f ? 1.0f / s : 0.0f) {}

  float operator()(float x) const {
    const float y = x * inv;
    if constexpr (format_traits<T>::signed_grid)  // −max … max
      return float(convert<T>(y, rounding::nearest_even{}, overflow::saturate_symmetric{})) * scale;
    else
      return float(convert<T>(y, rounding::nearest_even{}, overflow::saturate{})) * scale;
  }

  static constexpr bool vector_kernel = simd::detail::has_kernels<T>();

  template <class Packet>
  Packet packetOp(const Packet& p) const {
    constexpr std::size_t n = std::size_t(Eigen::internal::unpacket_traits<Packet>::size);
    alignas(64) float buf[n];
    Eigen::internal::pstoreu(buf, p);
    using A = simd::default_arch;
    if constexpr (n == simd::i32<A>::size && vector_kernel) {
      namespace k = simd::generic_kernels;
      for (std::size_t i = 0; i < n; ++i) buf[i] *= inv;
      if constexpr (T::format_family == family::minifloat) {
        const auto c = k::encode_lanes<A, T::spec>(buf, rounding::nearest_even{}, overflow::saturate{}, 0);
        (k::decode_lanes<A, T::spec>(c) * simd::f32<A>(scale)).store_unaligned(buf);
      } else {
        simd::b32<A> scalar = simd::i32<A>(0) != simd::i32<A>(0);
        const bool sym = T::range.lo < 0;
        simd::i32<A> c =
            sym ? k::encode_int_lanes<A>(buf, T::range, 0, rounding::nearest_even{}, overflow::saturate_symmetric{}, 0,
                                         scalar)
                : k::encode_int_lanes<A>(buf, T::range, 0, rounding::nearest_even{}, overflow::saturate{}, 0, scalar);
        (k::decode_int_lanes<A>(c, T::range.bits, T::range.is_signed) * simd::f32<A>(scale)).store_unaligned(buf);
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) buf[i] = (*this)(buf[i]);
    }
    return Eigen::internal::ploadu<Packet>(buf);
  }
};

}  // namespace lowp

namespace Eigen::internal {
template <class T>
struct functor_traits<lowp::fake_quant<T>> {
  enum { Cost = 12 * NumTraits<float>::MulCost, PacketAccess = lowp::fake_quant<T>::vector_kernel };
};
}  // namespace Eigen::internal
