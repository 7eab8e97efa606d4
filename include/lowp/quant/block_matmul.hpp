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
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "lowp/core/error.hpp"
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

/// Y[m][n] = Σ_b (Σ_{i∈b} a·w) · sa(m,b) · sw(n,b), blocks in index order.
/// The weights' fused layout (VNNI, integer elements): all blocks of a panel contiguous, and the
/// block scales transposed to (block, column).
struct fused_weights {
  simd::segmented_b sb;
  std::vector<float> swt;
  simd::packed_f32 pf;       // float elements: the block-float GEMM's panels
  std::vector<float> swt_f;  // and its scales, (block, column)
  void build_float(const block_operand& w) {
    const std::size_t N = w.rows, K = w.cols, G = w.blocks;
    pf.pack(N, K, [&](std::size_t n, std::size_t k) {
      return w.values.empty() ? float(w.ints[n * K + k]) : w.values[n * K + k];
    });
    swt_f.assign(G * pf.np, 0.f);
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t n = 0; n < N; ++n) swt_f[g * pf.np + n] = w.scale[n * G + g];
  }
  void build(const block_operand& w) {
    const std::size_t N = w.rows, K = w.cols, G = w.blocks;
    sb.pack(N, K, w.block, 8, [&](std::size_t n, std::size_t k) { return w.ints[n * K + k]; });
    swt.assign(G * sb.b.np, 0.f);
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t n = 0; n < N; ++n) swt[g * sb.b.np + n] = w.scale[n * G + g];
  }
};

inline matrix<float> block_product(const block_operand& a, const block_operand& w, std::size_t threads,
                                   const fused_weights* prepared = nullptr) {
  if (a.cols != w.cols)
    throw error("matmul: X has " + std::to_string(a.cols) + " columns but W has " + std::to_string(w.cols) +
                " (both run along K)");
  if (a.block != w.block)
    throw error("matmul: block sizes differ (" + std::to_string(a.block) + " and " + std::to_string(w.block) + ")");
  const std::size_t M = a.rows, N = w.rows, K = a.cols, B = a.block, G = a.blocks;
  matrix<float> out = matrix<float>::Zero(Eigen::Index(M), Eigen::Index(N));
  const bool integer = !a.ints.empty() && !w.ints.empty();
  std::vector<float> sw(N);
  if (integer && simd::has_fused_gemm()) {
    // VNNI: all blocks of a panel in one layout, block dots and their scaled fp32 sums in registers,
    // the same operations in the same order as the block-by-block path below
    fused_weights local;
    if (prepared == nullptr || prepared->sb.qbeg.empty()) {
      local.build(w);
      prepared = &local;
    }
    const simd::segmented_b& sb = prepared->sb;
    const std::size_t ldx = sb.b.k4, np = sb.b.np;
    std::vector<std::int8_t> xcat(M * ldx, 0);
    for (std::size_t r = 0; r < M; ++r)
      for (std::size_t g = 0; g < G; ++g)
        std::copy_n(a.ints.data() + r * K + g * B, std::min(B, K - g * B), xcat.data() + r * ldx + 4 * sb.qbeg[g]);
    std::vector<float> y(M * np);
    simd::gemm_scaled_s8(xcat.data(), M, sb, a.scale.data(), prepared->swt.data(), y.data(), np, threads);
    for (std::size_t r = 0; r < M; ++r) std::copy_n(y.data() + r * np, N, out.data() + r * N);
    return out;
  }
  if (integer) {
    std::vector<std::int8_t> xs;
    std::vector<std::int32_t> acc;
    for (std::size_t g = 0; g < G; ++g) {
      const std::size_t c0 = g * B, width = std::min(B, K - c0);
      simd::packed_b pb;
      pb.pack(N, width, [&](std::size_t n, std::size_t k) { return w.ints[n * K + c0 + k]; });
      xs.assign(M * pb.k4, 0);
      for (std::size_t r = 0; r < M; ++r) std::copy_n(a.ints.data() + r * K + c0, width, xs.data() + r * pb.k4);
      acc.resize(M * pb.np);
      simd::gemm_s8(xs.data(), M, pb, acc.data(), pb.np, threads);
      for (std::size_t n = 0; n < N; ++n) sw[n] = w.scale[n * G + g];
      for (std::size_t r = 0; r < M; ++r)
        simd::scale_add(out.data() + r * N, acc.data() + r * pb.np, a.scale[r * G + g], sw.data(), N);
    }
  } else {
    // float elements: per block, products exact in fp32, summed in element order, then scaled and
    // added in block order (simd::gemm_blocks_f32: AVX-512 register tiles, or the generic loop)
    fused_weights local;
    if (prepared == nullptr || prepared->pf.data.empty()) {
      local.build_float(w);
      prepared = &local;
    }
    const std::size_t np = prepared->pf.np;
    std::vector<float> conv;
    if (a.values.empty()) conv.assign(a.ints.begin(), a.ints.end());  // MXINT8 / E2M1 / E2M3 activations
    const float* av = a.values.empty() ? conv.data() : a.values.data();
    if (np == N) {  // straight into the result
      simd::gemm_blocks_f32(av, M, K, B, a.scale.data(), prepared->pf, prepared->swt_f.data(), out.data(), N, threads);
    } else {
      std::vector<float> y(M * np);
      simd::gemm_blocks_f32(av, M, K, B, a.scale.data(), prepared->pf, prepared->swt_f.data(), y.data(), np, threads);
      for (std::size_t r = 0; r < M; ++r) std::copy_n(y.data() + r * np, N, out.data() + r * N);
    }
  }
  return out;
}

}  // namespace detail

/// Block-format weights prepared once for matmul: the element values and scales, and on AVX-512
/// VNNI the fused kernel's layout (a copy: q need not outlive it).
template <class Scheme>
class prepacked_blocks {
 public:
  explicit prepacked_blocks(const quantized<Scheme>& q) : w_(detail::block_view(q)) {
    if constexpr (std::is_same_v<Scheme, nvfp4>) {
      for (auto& s : w_.scale) s *= 2.f;  // NVFP4: the block terms use S_b itself (see matmul below)
      s_enc_ = q.encode_scale_significand();
      p_ = q.scale_exponent();
    }
    if (!w_.ints.empty() && simd::has_fused_gemm()) fused_.build(w_);
    if (!w_.values.empty()) fused_.build_float(w_);  // FP8 / E3M2 weights: the block-float panels
  }
  std::size_t rows() const { return w_.rows; }
  std::size_t cols() const { return w_.cols; }
  const detail::block_operand& operand() const { return w_; }
  const detail::fused_weights& fused() const { return fused_; }
  /// NVFP4: S_enc' and p of the weights' tensor scale (S_enc = S_enc' · 2^p).
  float encode_scale_significand() const { return s_enc_; }
  int scale_exponent() const { return p_; }

 private:
  detail::block_operand w_;
  detail::fused_weights fused_;
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
  return detail::block_product(detail::block_view(qx), pw.operand(), threads, &pw.fused());
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
  matrix<float> y = detail::block_product(a, pw.operand(), threads, &pw.fused());
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
