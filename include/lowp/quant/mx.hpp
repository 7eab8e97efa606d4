// lowp/quant/mx.hpp: the OCP Microscaling block formats (MXFP8/6/4, MXINT8) and NVFP4.
//
//   auto q = lowp::quantize(W, lowp::mxfp4{});                        // floor rule (the spec's)
//   auto q = lowp::quantize(W, lowp::mxfp8_e4m3{lowp::mx_rule::rceil});
//   auto n = lowp::quantize(W, lowp::nvfp4{});
//
// MX (OCP MX v1.0 §5, spec §2): blocks of 32 consecutive elements of a row share one E8M0
// scale X = 2^e; element i stores P_i = convert(V_i / X, nearest_even, saturate) and decodes to
// X · P_i. Rules for e:
//   floor (spec):  ⌊log2 amax⌋ − emax_elem, with ⌊log2 amax⌋ read from the float's exponent (ilogb),
//                  never from a float log2 (log2f(255.99998f) rounds to 8)
//   ceil:          ⌈log2 amax⌉ − emax_elem
//   rceil:         ⌈log2(amax / max_elem)⌉ (cuBLAS / TransformerEngine; amax / max_elem in float):
//                  never saturates the largest element (floor can: amax = 7 in E2M1 gives 6)
// clamped to [−127, 127]. A zero block stores X = 2^-127 and P = 0; a block holding NaN or Inf
// stores X = NaN (0xFF) and decodes to NaN throughout. MXINT8 elements are int8 × 2^-6 with codes
// clamped to ±127 (decision: −128 unused, as microxcaling does).
// NVFP4 (spec §3): E2M1 elements, blocks of 16, E4M3 block scales and one float32 tensor scale,
// with exactly these float expressions, left to right (TransformerEngine's and torchao's):
//   S_enc = amax_t > 0 ? 2688.0f / amax_t : 1.0f;  S_b = e4m3(amax_b / 6.0f * S_enc);
//   q_i = e2m1(x_i * (S_enc / S_b)) (0 when S_b = 0);  x̂_i = q_i * S_b / S_enc.
// Small tensors (lowp's rule beyond TransformerEngine, which defines only the normal range): with
// p = max(0, −⌊log2 amax_t⌋), the expressions run on the tensor x · 2^p (exact), whose amax lies in
// [1, 2), so S_enc never overflows (2688 / amax_t would for amax_t < 2688 / FLT_MAX ≈ 7.9e-36), and
// decoding multiplies by 2^-p. For amax_t ≥ 1
// this is the expressions verbatim (p = 0); below, the same bits wherever TransformerEngine's float
// intermediates are normal, and a tensor scaled by 2^k gets the same codes for every k.
// The tensor scale is kept as S_enc' = 2688.0f / (amax_t · 2^p) and p (S_enc = S_enc' · 2^p); a
// non-finite amax_t makes every block NaN. Codes are packed per row in pack/packed.hpp's order (FP4: element 2i in the
// low nibble). A row length the block does not divide is a lowp::error unless the scheme is built with lowp::pad (the
// last block of each row is then partial; nothing is stored for the missing elements).
#pragma once
#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/core/fp.hpp"
#include "lowp/core/tags.hpp"
#include "lowp/format/convert.hpp"
#include "lowp/format/intn.hpp"
#include "lowp/format/minifloat.hpp"
#include "lowp/pack/packed.hpp"
#include "lowp/quant/granularity.hpp"
#include "lowp/quant/matrix.hpp"
#include "lowp/quant/rows.hpp"
#include "lowp/quant/scale.hpp"
#include "lowp/quant/uniform.hpp"
#include "lowp/simd/convert.hpp"
#include "lowp/simd/pack.hpp"

namespace lowp {

enum class mx_rule { floor, ceil, rceil };

/// An MX scheme with element format Elem (int8 means MXINT8: int8 × 2^-6).
template <class Elem>
struct mx {
  using element_type = Elem;
  static constexpr std::size_t block = 32;
  mx_rule rule = mx_rule::floor;
  bool padded = false;
  constexpr mx() = default;
  constexpr mx(mx_rule r) : rule(r) {}
  constexpr mx(pad_t) : padded(true) {}
  constexpr mx(mx_rule r, pad_t) : rule(r), padded(true) {}
  /// emax_elem of OCP MX Table 1: the exponent of the element's largest normal.
  static constexpr int emax_elem() {
    if constexpr (std::is_same_v<Elem, int8>)
      return 0;  // MXINT8: 1.984375 = 127 · 2^-6
    else
      return Elem::spec.emax();  // the exponent of the largest finite value
  }
  static double max_elem() {
    if constexpr (std::is_same_v<Elem, int8>)
      return 127.0 / 64.0;
    else
      return double(std::numeric_limits<Elem>::max());
  }
  std::string name() const {
    const char* r[] = {"", " ceil", " rceil"};
    std::string n = "mxint8";
    if constexpr (!std::is_same_v<Elem, int8>) {
      constexpr auto sp = Elem::spec;
      n = "mxfp" + std::to_string(Elem::bit_width);
      if (Elem::bit_width != 4) n += "_e" + std::to_string(sp.E) + "m" + std::to_string(sp.M);
    }
    return n + r[int(rule)];
  }
};
using mxfp8_e4m3 = mx<float8_e4m3fn>;
using mxfp8_e5m2 = mx<float8_e5m2>;
using mxfp6_e2m3 = mx<float6_e2m3fn>;
using mxfp6_e3m2 = mx<float6_e3m2fn>;
using mxfp4 = mx<float4_e2m1fn>;
using mxint8 = mx<int8>;

/// NVFP4: E2M1 elements, blocks of 16, E4M3 block scales, one float32 tensor scale.
struct nvfp4 {
  using element_type = float4_e2m1fn;
  static constexpr std::size_t block = 16;
  bool padded = false;
  constexpr nvfp4() = default;
  constexpr nvfp4(pad_t) : padded(true) {}
  std::string name() const { return "nvfp4"; }
};

/// The codes and scales of a block-scaled matrix (MX, NVFP4): each row's element codes packed in
/// row_bytes bytes (pack/packed.hpp's order; FP4: element 2i in the low nibble), then one scale per
/// block of `block` elements, blocks_per_row() per row.
template <class Elem, class ScaleT>
struct block_codes {
  std::size_t rows = 0, cols = 0, block = 0, row_bytes = 0;
  std::vector<std::uint8_t> codes;
  std::vector<ScaleT> scales;
  void init(std::size_t r, std::size_t c, std::size_t b) {
    rows = r;
    cols = c;
    block = b;
    row_bytes = detail::row_bytes_of<Elem>(c);
    codes.assign(r * row_bytes, 0);
    scales.assign(r * blocks_per_row(), ScaleT::from_bits(0));
  }
  std::size_t blocks_per_row() const { return (cols + block - 1) / block; }
  /// Packs row r from one code per element.
  void store_row(std::size_t r, const Elem* c) {
    if constexpr (detail::sub_byte<Elem>)
      detail::pack_codes_bulk<Elem>(reinterpret_cast<const std::uint8_t*>(c), cols, codes.data() + r * row_bytes);
    else
      std::memcpy(codes.data() + r * row_bytes, c, cols * sizeof(Elem));
  }
  /// Row r as one code per element: unpacked into buf (cols codes) when sub-byte, else in place.
  const Elem* load_row(std::size_t r, Elem* buf) const {
    if constexpr (detail::sub_byte<Elem>) {
      detail::unpack_codes_bulk<Elem>(codes.data() + r * row_bytes, cols, reinterpret_cast<std::uint8_t*>(buf));
      return buf;
    } else {
      return reinterpret_cast<const Elem*>(codes.data() + r * row_bytes);
    }
  }
};

namespace detail {

inline void check_blocks(std::size_t rows, std::size_t cols, std::size_t block, bool padded, const char* who) {
  check_row_blocks(who, rows, cols, block, "block size", padded ? block_fit::padded : block_fit::exact);
}

/// ⌊log2 a⌋ of a finite a > 0 from its bits (exact; subnormals through ilogb), and whether a is a
/// power of two.
inline int exponent_bits(float a, bool& pow2) {
  std::uint32_t u;
  std::memcpy(&u, &a, 4);
  if (u >= 0x00800000u) {
    pow2 = (u & 0x007FFFFFu) == 0;
    return int(u >> 23) - 127;
  }
  const int e = std::ilogb(a);
  pow2 = std::ldexp(1.0f, e) == a;
  return e;
}
/// 2^k as a float for k in [−149, 127], built from its bits.
inline float pow2f(int k) {
  const std::uint32_t u = k >= -126 ? std::uint32_t(k + 127) << 23 : std::uint32_t(1) << (k + 149);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// The E8M0 scale exponent of an MX block with largest magnitude amax (finite, > 0).
template <class Elem>
int mx_exponent(float amax, mx_rule rule) {
  const int emax = mx<Elem>::emax_elem();
  bool pow2;
  const int lg = exponent_bits(amax, pow2);  // ⌊log2 amax⌋ from the exponent bits (OCP MX §5.1)
  int e;
  if (rule == mx_rule::floor) {
    e = lg - emax;
  } else if (rule == mx_rule::ceil) {
    e = lg + (pow2 ? 0 : 1) - emax;
  } else {  // rceil: ⌈log2(amax / max_elem)⌉ with the division in float
    const float v = amax / float(mx<Elem>::max_elem());
    bool p2;
    const int lv = exponent_bits(v, p2);
    e = lv + (p2 ? 0 : 1);
  }
  return std::clamp(e, -127, 127);
}

}  // namespace detail

template <class Elem>
class quantized<mx<Elem>> {
 public:
  using scheme_type = mx<Elem>;
  using element_type = Elem;
  quantized() = default;
  quantized(std::size_t rows, std::size_t cols, scheme_type s) : scheme_(s) { st_.init(rows, cols, s.block); }
  std::size_t rows() const { return st_.rows; }
  std::size_t cols() const { return st_.cols; }
  const scheme_type& scheme() const { return scheme_; }
  std::size_t bytes() const { return st_.codes.size() + st_.scales.size(); }
  double bits_per_value() const { return 8.0 * double(bytes()) / double(rows() * cols()); }
  std::size_t row_bytes() const { return st_.row_bytes; }
  const std::uint8_t* row_codes(std::size_t r) const { return st_.codes.data() + r * st_.row_bytes; }
  /// E8M0 scales, blocks_per_row() per row.
  const std::vector<float8_e8m0fnu>& scales() const { return st_.scales; }
  std::size_t blocks_per_row() const { return st_.blocks_per_row(); }
  /// The packed codes and E8M0 scales (block_codes).
  block_codes<Elem, float8_e8m0fnu>& storage() { return st_; }
  const block_codes<Elem, float8_e8m0fnu>& storage() const { return st_; }

 private:
  scheme_type scheme_{};
  block_codes<Elem, float8_e8m0fnu> st_;
};

template <>
class quantized<nvfp4> {
 public:
  using scheme_type = nvfp4;
  using element_type = float4_e2m1fn;
  quantized() = default;
  quantized(std::size_t rows, std::size_t cols, scheme_type s) : scheme_(s) { st_.init(rows, cols, s.block); }
  std::size_t rows() const { return st_.rows; }
  std::size_t cols() const { return st_.cols; }
  const scheme_type& scheme() const { return scheme_; }
  std::size_t bytes() const { return st_.codes.size() + st_.scales.size() + sizeof(float); }
  double bits_per_value() const { return 8.0 * double(bytes()) / double(rows() * cols()); }
  std::size_t row_bytes() const { return st_.row_bytes; }
  const std::uint8_t* row_codes(std::size_t r) const { return st_.codes.data() + r * st_.row_bytes; }
  /// E4M3 block scales S_b, blocks_per_row() per row.
  const std::vector<float8_e4m3fn>& scales() const { return st_.scales; }
  std::size_t blocks_per_row() const { return st_.blocks_per_row(); }
  /// S_enc = encode_scale_significand() · 2^scale_exponent() (spec §3) as a float: +Inf for tensors
  /// whose amax is below 2688 / FLT_MAX (the pair below holds it exactly).
  float encode_scale() const { return std::ldexp(s_enc_, p_); }
  /// The per-tensor decode scale 1 / S_enc, as stored in NVFP4 checkpoints (1.0f / S_enc' · 2^-p).
  float decode_scale() const { return std::ldexp(1.0f / s_enc_, -p_); }
  /// S_enc' = 2688.0f / (amax_t · 2^p), and p ≥ 0 (0 whenever amax_t ≥ 1).
  float encode_scale_significand() const { return s_enc_; }
  int scale_exponent() const { return p_; }
  void set_encode_scale(float significand, int exponent) {
    s_enc_ = significand;
    p_ = exponent;
  }
  /// The packed codes and E4M3 block scales (block_codes).
  block_codes<float4_e2m1fn, float8_e4m3fn>& storage() { return st_; }
  const block_codes<float4_e2m1fn, float8_e4m3fn>& storage() const { return st_; }

 private:
  scheme_type scheme_{};
  block_codes<float4_e2m1fn, float8_e4m3fn> st_;
  float s_enc_ = 1.0f;
  int p_ = 0;
};

namespace detail {

/// Quantizes one row into element codes and block scales (MX): each block's amax, its scale X =
/// 2^e, then its codes of x · 2^-e, a chunk of blocks at a time in cache (detail::convert_blocks).
/// MXINT8: x · 2^-e into tmp (≥ cols floats), then · 2^6 (two roundings as written), then one
/// conversion for the row.
template <class Elem>
void mx_encode_row(const float* x, std::size_t cols, const mx<Elem>& s, Elem* codes, float8_e8m0fnu* scales,
                   float* tmp) {
  bool nan_block = false;
  // the scale of each block from its amax; its factor 2^-e (V_i / X as a multiplication by the exact
  // power of two)
  const auto factors = [&](std::size_t b0, std::size_t count, const std::uint32_t* amax_bits, float* f) {
    for (std::size_t j = 0; j < count; ++j) {
      const std::uint32_t m = amax_bits[j];  // max |x| from the bits: ≥ 0x7F800000 means Inf or NaN
      if (m >= 0x7F800000u) {                // X = NaN: the whole block decodes to NaN (OCP MX §5.1)
        scales[b0 + j] = float8_e8m0fnu::from_bits(0xFF);
        f[j] = 0.f;
        nan_block = true;
        continue;
      }
      const float amax = std::bit_cast<float>(m);
      const int e = amax > 0.f ? mx_exponent<Elem>(amax, s.rule) : -127;  // zero block: X = 2^-127
      scales[b0 + j] = float8_e8m0fnu::from_bits(std::uint8_t(e + 127));
      f[j] = pow2f(-e);
    }
  };
  if constexpr (std::is_same_v<Elem, int8>) {
    // MXINT8: then · 2^6, two steps, as 2^(6−e) overflows float for e = −127
    const std::size_t nb = (cols + s.block - 1) / s.block;
    thread_local std::vector<std::uint32_t> amax_bits;
    thread_local std::vector<float> f;
    amax_bits.resize(nb);
    f.resize(nb);
    abs_max_blocks(x, cols, s.block, amax_bits.data());
    factors(0, nb, amax_bits.data(), f.data());
    for (std::size_t c0 = 0, b = 0; c0 < cols; c0 += s.block, ++b) {
      const std::size_t n = std::min(s.block, cols - c0);
      scale_floats(x + c0, tmp + c0, n, f[b]);
      scale_floats(tmp + c0, tmp + c0, n, 64.0f);
    }
    convert(std::span<const float>(tmp, cols), std::span<Elem>(codes, cols), rounding::nearest_even{},
            overflow::saturate_symmetric{});  // MXINT8 codes clamp to ±127
  } else {
    convert_blocks(std::span<const float>(x, cols), std::span<Elem>(codes, cols), s.block, factors,
                   rounding::nearest_even{}, overflow::saturate{});
  }
  if (nan_block)  // a NaN block's codes: those of 0 (its scale alone makes it NaN)
    for (std::size_t c0 = 0, b = 0; c0 < cols; c0 += s.block, ++b)
      if (scales[b].bits() == 0xFF) std::fill(codes + c0, codes + std::min(cols, c0 + s.block), Elem::from_bits(0));
}

template <class Elem>
void mx_decode_row(const Elem* codes, std::size_t cols, std::size_t block, const float8_e8m0fnu* scales, float* out) {
  convert(std::span<const Elem>(codes, cols), std::span<float>(out, cols), rounding::nearest_even{},
          overflow::saturate{});
  for (std::size_t c0 = 0, b = 0; c0 < cols; c0 += block, ++b) {
    const std::size_t n = std::min(block, cols - c0);
    float x = float(scales[b]);  // 2^e exactly, or NaN
    if constexpr (std::is_same_v<Elem, int8>) x *= 0x1p-6f;
    scale_floats(out + c0, out + c0, n, x);
  }
}

/// y = x · 2^p for n floats, rounded once (exact where the result is a normal float): a multiply by
/// the exact power of two where 2^p is a normal float, ldexp beyond (subnormal tensors only).
inline void scale_pow2(const float* x, std::size_t n, int p, float* y) {
  if (p == 0) {
    if (y != x) std::copy(x, x + n, y);
  } else if (p >= -126 && p <= 127) {
    scale_floats(x, y, n, pow2f(p));
  } else {
    for (std::size_t i = 0; i < n; ++i) y[i] = std::ldexp(x[i], p);
  }
}

/// NVFP4's tensor scale for largest magnitude amax_t: S_enc' and p (spec §3).
struct nvfp4_tensor_scale {
  float s_enc = 1.0f;  // S_enc' = 2688.0f / (amax_t · 2^p)
  int p = 0;           // the tensor runs as x · 2^p
};
inline nvfp4_tensor_scale nvfp4_encode_scale(float amax_t) {
  nvfp4_tensor_scale t;
  if (!(amax_t > 0.f)) return t;  // S_enc = 1.0f
  bool pow2;
  t.p = std::max(0, -exponent_bits(amax_t, pow2));  // amax_t · 2^p ∈ [1, 2) below 1
  t.s_enc = 2688.0f / std::ldexp(amax_t, t.p);      // 448 · 6: the largest element maps to E4M3 max × E2M1 max
  return t;
}

/// One row of NVFP4: block scales and codes of v = x · 2^p (spec §3; v in tmp when p ≠ 0), a chunk
/// of blocks at a time in cache (detail::convert_blocks): the chunk's scale inputs amax_b / 6 ·
/// S_enc, converted to E4M3 in one call, then the codes of v · (S_enc / S_b).
inline void nvfp4_encode_row(const float* x, std::size_t cols, nvfp4_tensor_scale ts, bool tensor_nan,
                             float4_e2m1fn* codes, float8_e4m3fn* scales, float* tmp) {
  const float s_enc = ts.s_enc;
  const std::size_t nb = (cols + nvfp4::block - 1) / nvfp4::block;
  if (tensor_nan) {
    std::fill(scales, scales + nb, float8_e4m3fn::from_bits(0x7F));
    std::fill(codes, codes + cols, float4_e2m1fn::from_bits(0));
    return;
  }
  const bool shifted = ts.p != 0;  // a small tensor: its values · 2^p, exact, held in tmp
  if (shifted) scale_pow2(x, cols, ts.p, tmp);
  const float* v = shifted ? tmp : x;
  bool zero_block = false;
  const auto factors = [&](std::size_t b0, std::size_t count, const std::uint32_t* amax_bits, float* f) {
    for (std::size_t j = 0; j < count; ++j)
      f[j] = std::bit_cast<float>(amax_bits[j]) / 6.0f * s_enc;  // spec §3: S_b = E4M3(amax_b / 6 · S_enc')
    convert(std::span<const float>(f, count), std::span<float8_e4m3fn>(scales + b0, count), rounding::nearest_even{},
            overflow::saturate{});
    convert(std::span<const float8_e4m3fn>(scales + b0, count), std::span<float>(f, count), rounding::nearest_even{},
            overflow::saturate{});  // S_b, exactly
    for (std::size_t j = 0; j < count; ++j) {
      const float sb = f[j];
      zero_block |= sb == 0.f;
      f[j] = sb == 0.f ? 0.f : s_enc / sb;
    }
  };
  convert_blocks(std::span<const float>(v, cols), std::span<float4_e2m1fn>(codes, cols), nvfp4::block, factors,
                 rounding::nearest_even{}, overflow::saturate{});
  if (zero_block)  // S_b = 0: every q_i is 0 (code +0)
    for (std::size_t c0 = 0, b = 0; c0 < cols; c0 += nvfp4::block, ++b)
      if (float(scales[b]) == 0.f)
        std::fill(codes + c0, codes + std::min(cols, c0 + nvfp4::block), float4_e2m1fn::from_bits(0));
}

/// x̂ = (q · S_b) / S_enc' · 2^-p for one row.
inline void nvfp4_decode_row(const float4_e2m1fn* codes, std::size_t cols, const float8_e4m3fn* scales,
                             nvfp4_tensor_scale ts, float* out) {
  convert(std::span<const float4_e2m1fn>(codes, cols), std::span<float>(out, cols), rounding::nearest_even{},
          overflow::saturate{});
  for (std::size_t c0 = 0, b = 0; c0 < cols; c0 += nvfp4::block, ++b) {
    const std::size_t n = std::min(nvfp4::block, cols - c0);
    const float sb = float(scales[b]);
    for (std::size_t i = 0; i < n; ++i) out[c0 + i] = out[c0 + i] * sb / ts.s_enc;  // (q · S_b) / S_enc
    if (ts.p != 0) scale_pow2(out + c0, n, -ts.p, out + c0);                        // · 2^-p, one rounding
  }
}

/// amax over the tensor and whether it is finite (one vectorised pass over the magnitudes' bits).
inline float tensor_amax(const float_rows& x, bool& finite) {
  std::uint32_t m = 0;
  for (std::size_t r = 0; r < x.rows(); ++r) m = std::max(m, abs_max_bits_bulk(x.row(r), x.cols()));
  finite = m < 0x7F800000u;
  return finite ? std::bit_cast<float>(m) : std::numeric_limits<float>::infinity();
}

/// The row driver of MX / NVFP4 quantize and fake_quantize (quant/rows.hpp's for_each_row; NVFP4
/// first finds the tensor scale): sink(r, codes, scales of row r).
template <class Scheme, class Sink>
void block_rows(const float_rows& x, const Scheme& s, on_nonfinite nf, nvfp4_tensor_scale& ts, Sink&& sink) {
  using Elem = typename Scheme::element_type;
  check_blocks(x.rows(), x.cols(), s.block, s.padded, "quantize");
  std::vector<Elem> codes(x.cols());
  std::vector<float> tmp(x.cols());
  const std::size_t nb = (x.cols() + s.block - 1) / s.block;
  const block_fit fit = s.padded ? block_fit::padded : block_fit::exact;
  if constexpr (std::is_same_v<Scheme, nvfp4>) {
    bool finite = true;
    const float amax_t = tensor_amax(x, finite);
    ts = finite ? nvfp4_encode_scale(amax_t) : nvfp4_tensor_scale{std::numeric_limits<float>::quiet_NaN(), 0};
    std::vector<float8_e4m3fn> scales(nb);
    for_each_row(x, s.block, "block size", fit, !finite && nf == on_nonfinite::error, "quantize",
                 [&](std::size_t r, const float* row) {
                   nvfp4_encode_row(row, x.cols(), ts, !finite, codes.data(), scales.data(), tmp.data());
                   sink(r, codes.data(), scales.data());
                 });
  } else {
    std::vector<float8_e8m0fnu> scales(nb);
    for_each_row(x, s.block, "block size", fit, nf == on_nonfinite::error, "quantize",
                 [&](std::size_t r, const float* row) {
                   mx_encode_row<Elem>(row, x.cols(), s, codes.data(), scales.data(), tmp.data());
                   sink(r, codes.data(), scales.data());
                 });
  }
}

template <class Scheme>
concept block_scheme = std::is_same_v<Scheme, nvfp4> ||
    (requires { typename Scheme::element_type; } && std::is_same_v<Scheme, mx<typename Scheme::element_type>>);

}  // namespace detail

/// Quantizes a float matrix (any Eigen expression) with an MX scheme or NVFP4.
// (NotDeduced: the explicit arguments of quantize<T, ScaleT>(...) for the uniform overload land in
// the pack, never in Derived, which clang would instantiate as Eigen::MatrixBase<ScaleT>.)
template <class Scheme, class... NotDeduced, class Derived>
requires detail::block_scheme<Scheme> quantized<Scheme> quantize(const Eigen::MatrixBase<Derived>& m, const Scheme& s,
                                                                 on_nonfinite nf = on_nonfinite::nan_group) {
  const detail::float_rows x(m);
  detail::check_blocks(x.rows(), x.cols(), s.block, s.padded, "quantize");
  quantized<Scheme> q(x.rows(), x.cols(), s);
  detail::nvfp4_tensor_scale ts;
  auto& st = q.storage();
  const std::size_t nb = st.blocks_per_row();
  detail::block_rows(x, s, nf, ts, [&](std::size_t r, const auto* codes, const auto* scales) {
    st.store_row(r, codes);
    std::copy(scales, scales + nb, st.scales.begin() + std::ptrdiff_t(r * nb));
  });
  if constexpr (std::is_same_v<Scheme, nvfp4>) q.set_encode_scale(ts.s_enc, ts.p);
  return q;
}

namespace detail {
template <class Scheme>
requires block_scheme<Scheme>
struct row_decoder<Scheme> {
  using Elem = typename Scheme::element_type;
  const quantized<Scheme>& q;
  std::vector<Elem> buf;
  explicit row_decoder(const quantized<Scheme>& qq) : q(qq), buf(qq.cols()) {}
  void operator()(std::size_t r, float* out) {
    const auto& st = q.storage();
    const std::size_t nb = st.blocks_per_row();
    const Elem* codes = st.load_row(r, buf.data());
    if constexpr (std::is_same_v<Scheme, nvfp4>)
      nvfp4_decode_row(codes, q.cols(), st.scales.data() + r * nb, {q.encode_scale_significand(), q.scale_exponent()},
                       out);
    else
      mx_decode_row<Elem>(codes, q.cols(), st.block, st.scales.data() + r * nb, out);
  }
};
}  // namespace detail

/// quantize then dequantize in one pass, nothing packed; equal to dequantize(quantize(m, s)).
template <class Scheme, class... NotDeduced, class Derived>  // NotDeduced: see quantize above
requires detail::block_scheme<Scheme> matrix<float> fake_quantize(const Eigen::MatrixBase<Derived>& m, const Scheme& s,
                                                                  on_nonfinite nf = on_nonfinite::nan_group) {
  const detail::float_rows x(m);
  matrix<float> out = detail::fresh_matrix(x.rows(), x.cols());
  detail::nvfp4_tensor_scale ts;
  detail::block_rows(x, s, nf, ts, [&](std::size_t r, const auto* codes, const auto* scales) {
    if constexpr (std::is_same_v<Scheme, nvfp4>)
      detail::nvfp4_decode_row(codes, x.cols(), scales, ts, out.data() + r * x.cols());
    else
      detail::mx_decode_row<typename Scheme::element_type>(codes, x.cols(), s.block, scales, out.data() + r * x.cols());
  });
  return out;
}

}  // namespace lowp
