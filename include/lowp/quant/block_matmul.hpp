// lowp/quant/block_matmul.hpp: Y = X · Wᵀ for the block formats (spec §2, §3).
//
//   auto y = lowp::matmul(lowp::quantize(X, lowp::mxint8{}), lowp::quantize(W, lowp::mxfp4{}));
//   auto z = lowp::matmul(lowp::quantize(X, lowp::nvfp4{}), lowp::quantize(W, lowp::nvfp4{}));
//
// The dot of two blocks is X_A · X_B · Σ P_A·P_B; blocks are added in index order in fp32
// (spec §2), so the result never depends on ISA, vector width or thread count:
//  - elements that are small integers after a fixed power-of-two factor (MXINT8 codes, E2M1 × 2,
//    E2M3 × 8) take the exact int8 GEMM kernels of simd/gemm.hpp block by block: Σ P_A·P_B is an
//    exact int32, and float(D) · (X_A·X_B / factors) is exact (powers of two), so the only roundings
//    are the fp32 additions of the block sums, in index order;
//  - FP8 and E3M2 elements (either side): each product P_A·P_B is exact in fp32 (at most 4 + 7
//    significand bits), summed in fp32 in element order 0..31 within the block (with or without
//    FMA contraction the bits are the same, the products being exact), then scaled by X_A·X_B
//    (exact) and added in block order: simd::gemm_blocks_f32, whose AVX-512 path keeps a 6-row ×
//    32-column tile of block sums and outputs in registers (prepack(qw) lays the weights out once).
//  - NVFP4 × NVFP4: E2M1 × 2 in the int8 kernels per block of 16; each block term
//    float(D) · (S_bA · S_bB) is exact (a 12-bit integer times an 8-bit product), added in block
//    order in fp32; the sum is then multiplied by f = 0.25f / S_encA / S_encB (left to right).
// A NaN block scale makes its rows or columns NaN, as dequantize does.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/quant/matmul.hpp"
#include "lowp/quant/matrix.hpp"
#include "lowp/quant/mx.hpp"
#include "lowp/simd/gemm.hpp"

namespace lowp {

namespace detail {

/// The power of two that makes every value of Elem an integer that fits int8 (0: none does).
template <class Elem>
constexpr int int8_factor() {
  if constexpr (std::is_same_v<Elem, int8>)
    return 1;  // MXINT8 codes (the 2^-6 is folded into the scale)
  else if constexpr (std::is_same_v<Elem, float4_e2m1fn>)
    return 2;  // 0.5 steps, |v| ≤ 6
  else if constexpr (std::is_same_v<Elem, float6_e2m3fn>)
    return 8;  // 0.125 steps, |v| ≤ 7.5
  else
    return 0;
}

/// A quantized block matrix seen as rows of int8 values (Elem value × factor) or floats, with a
/// float scale per (row, block) such that value = scale · int (or · float).
struct block_operand {
  std::size_t rows = 0, cols = 0, block = 0, blocks = 0;
  std::vector<std::int8_t> ints;  // rows × cols, when integer
  std::vector<float> values;      // rows × cols, when float
  std::vector<float> scale;       // rows × blocks
};

template <class Scheme>
block_operand block_view(const quantized<Scheme>& q) {
  using Elem = typename Scheme::element_type;
  block_operand o;
  const auto& st = q.storage();
  o.rows = q.rows();
  o.cols = q.cols();
  o.block = st.block;
  o.blocks = st.blocks_per_row();
  constexpr int f = int8_factor<Elem>();
  std::vector<Elem> buf(q.cols());
  std::vector<float> vals(q.cols());
  if constexpr (f != 0)
    o.ints.resize(o.rows * o.cols);
  else
    o.values.resize(o.rows * o.cols);
  o.scale.resize(o.rows * o.blocks);
  for (std::size_t r = 0; r < o.rows; ++r) {
    const Elem* codes = st.load_row(r, buf.data());
    convert(std::span<const Elem>(codes, o.cols), std::span<float>(vals), rounding::nearest_even{},
            overflow::saturate{});
    if constexpr (f != 0)
      for (std::size_t c = 0; c < o.cols; ++c) o.ints[r * o.cols + c] = std::int8_t(vals[c] * float(f));
    else
      std::copy(vals.begin(), vals.end(), o.values.begin() + std::ptrdiff_t(r * o.cols));
    for (std::size_t b = 0; b < o.blocks; ++b) {
      float s = float(st.scales[r * o.blocks + b]);  // X (E8M0: 2^e or NaN) or S_b (E4M3)
      if constexpr (std::is_same_v<Elem, int8>) s *= 0x1p-6f;
      if constexpr (f > 1) s /= float(f);  // exact: powers of two
      o.scale[r * o.blocks + b] = s;
    }
  }
  return o;
}

/// Block-format weights laid out for the GEMM: integer elements on the plan of simd/gemm.hpp (blocks
/// as K segments, block scales next to their panels), float elements as the block-float panels with
/// their scales transposed to (block, column).
struct block_weights {
  simd::gemm_plan ints;       // integer elements
  simd::float_panels values;  // float elements
  std::vector<float> scales;  // float elements: block g, column c at g · np + c
  void build(const block_operand& w) {
    const std::size_t N = w.rows, K = w.cols, G = w.blocks;
    if (!w.ints.empty()) {
      int lo = 127, hi = -128;
      for (std::int8_t v : w.ints) {
        lo = std::min(lo, int(v));
        hi = std::max(hi, int(v));
      }
      if (lo > hi) lo = hi = 0;
      ints = simd::plan_gemm(
          N, K, w.block, lo, hi, [&](std::size_t n, std::size_t k) { return int(w.ints[n * K + k]); },
          [&](std::size_t n, std::size_t g) { return w.scale[n * G + g]; }, [](std::size_t, std::size_t) { return 0; },
          false);
    } else {
      build_float(w);
    }
  }
  void build_float(const block_operand& w) {
    const std::size_t N = w.rows, K = w.cols, G = w.blocks;
    values.pack(N, K, [&](std::size_t n, std::size_t k) {
      return w.values.empty() ? float(w.ints[n * K + k]) : w.values[n * K + k];
    });
    scales.assign(G * values.np, 0.f);
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t n = 0; n < N; ++n) scales[g * values.np + n] = w.scale[n * G + g];
  }
};

/// Y[m][n] = Σ_b (Σ_{i∈b} a·w) · sa(m,b) · sw(n,b), blocks in index order (spec §2, §9).
inline matrix<float> block_product(const block_operand& a, const block_operand& w, const block_weights& prepared,
                                   std::size_t threads) {
  if (a.cols != w.cols)
    throw error("matmul: X has " + std::to_string(a.cols) + " columns but W has " + std::to_string(w.cols) +
                " (both run along K)");
  if (a.block != w.block)
    throw error("matmul: block sizes differ (" + std::to_string(a.block) + " and " + std::to_string(w.block) + ")");
  const std::size_t M = a.rows, N = w.rows, K = a.cols, B = a.block;
  if (!a.ints.empty() && !w.ints.empty()) {
    // integer elements: exact int32 block dots on the integer GEMM, block terms scaled and added in order
    simd::x_rows x;
    x.build(prepared.ints.segments(), M, [&](std::size_t r) { return a.ints.data() + r * K; });
    return with_padded_rows<float>(M, N, prepared.ints.np(), [&](float* y, std::size_t ld) {
      simd::gemm(prepared.ints, x, a.scale.data(), nullptr, y, ld, threads);
    });
  }
  // float elements: per block, products exact in fp32, summed in element order, then scaled and added
  // in block order (simd::gemm_blocks_f32: AVX-512 register tiles, or the generic loop)
  block_weights local;
  const block_weights* wf = &prepared;
  if (prepared.values.data.empty()) {  // integer weights times float activations: their values as floats
    local.build_float(w);
    wf = &local;
  }
  std::vector<float> conv;
  if (a.values.empty()) conv.assign(a.ints.begin(), a.ints.end());  // MXINT8 / E2M1 / E2M3 activations
  const float* av = a.values.empty() ? conv.data() : a.values.data();
  return with_padded_rows<float>(M, N, wf->values.np, [&](float* y, std::size_t ld) {
    simd::gemm_blocks_f32(av, M, K, B, a.scale.data(), wf->values, wf->scales.data(), y, ld, threads);
  });
}

}  // namespace detail

/// Block-format weights prepared once for matmul: the element values and scales laid out for the
/// GEMM (a copy: q need not outlive it).
template <class Scheme>
class prepacked_blocks {
 public:
  explicit prepacked_blocks(const quantized<Scheme>& q) : w_(detail::block_view(q)) {
    if constexpr (std::is_same_v<Scheme, nvfp4>) {
      for (auto& s : w_.scale) s *= 2.f;  // NVFP4: the block terms use S_b itself (see matmul below)
      s_enc_ = q.encode_scale_significand();
      p_ = q.scale_exponent();
    }
    prepared_.build(w_);
  }
  std::size_t rows() const { return w_.rows; }
  std::size_t cols() const { return w_.cols; }
  const detail::block_operand& operand() const { return w_; }
  const detail::block_weights& prepared() const { return prepared_; }
  /// NVFP4: S_enc' and p of the weights' tensor scale (S_enc = S_enc' · 2^p).
  float encode_scale_significand() const { return s_enc_; }
  int scale_exponent() const { return p_; }

 private:
  detail::block_operand w_;
  detail::block_weights prepared_;
  float s_enc_ = 1.0f;
  int p_ = 0;
};

/// Prepares MX or NVFP4 weights (N × K) for repeated matmuls.
template <class Scheme>
requires detail::block_scheme<Scheme> prepacked_blocks<Scheme> prepack(const quantized<Scheme>& q) {
  return prepacked_blocks<Scheme>(q);
}

/// MX × MX: any two MX element formats with the same block size (weights prepacked).
template <class EA, class EB>
matrix<float> matmul(const quantized<mx<EA>>& qx, const prepacked_blocks<mx<EB>>& pw, std::size_t threads = 1) {
  return detail::block_product(detail::block_view(qx), pw.operand(), pw.prepared(), threads);
}
/// MX × MX: any two MX element formats with the same block size.
template <class EA, class EB>
matrix<float> matmul(const quantized<mx<EA>>& qx, const quantized<mx<EB>>& qw, std::size_t threads = 1) {
  return matmul(qx, prepack(qw), threads);
}

/// NVFP4 × NVFP4 (spec §3): block terms float(Σ (2qa)(2qb)) · (S_bA · S_bB) are exact, added in
/// block order in fp32, then multiplied by f = 0.25f / S_encA' / S_encB' (left to right) and by
/// 2^-(pA + pB) (exact but where the result is below float's normals; nothing when both p are 0).
inline matrix<float> matmul(const quantized<nvfp4>& qx, const prepacked_blocks<nvfp4>& pw, std::size_t threads = 1) {
  auto a = detail::block_view(qx);
  for (auto& s : a.scale) s *= 2.f;  // block_view divided each S_b by the E2M1 factor 2: undo it
  matrix<float> y = detail::block_product(a, pw.operand(), pw.prepared(), threads);
  const float f = 0.25f / qx.encode_scale_significand() / pw.encode_scale_significand();
  y *= f;
  const int p = qx.scale_exponent() + pw.scale_exponent();
  if (p != 0)
    for (Eigen::Index i = 0; i < y.size(); ++i) y.data()[i] = std::ldexp(y.data()[i], -p);
  return y;
}
inline matrix<float> matmul(const quantized<nvfp4>& qx, const quantized<nvfp4>& qw, std::size_t threads = 1) {
  return matmul(qx, prepack(qw), threads);
}

}  // namespace lowp
