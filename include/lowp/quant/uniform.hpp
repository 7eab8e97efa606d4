// lowp/quant/uniform.hpp: any element format × any granularity × any scale rule × any scale
// storage format: quantize<T [, ScaleT]>(matrix, granularity [, rule, rounding, on_nonfinite]).
//
//   auto q = lowp::quantize<lowp::int4>(W, lowp::per_group{128});                 // absmax, float scales
//   auto q = lowp::quantize<lowp::uint8, lowp::bfloat16>(X, lowp::per_token{}, lowp::scale::asymmetric{});
//   auto t = lowp::quantize<lowp::trit>(W, lowp::per_tensor{}, lowp::scale::absmean{});   // BitNet b1.58
//
// Value model (spec §5): x̂ = S · (q − z), S the stored scale of the element's tile, z its zero
// point (a value of T; 0 under the symmetric rules). Quantizing, per tile:
//   1. the rule gives S (and z); S is stored in ScaleT rounded *up* (toward +∞), so the largest
//      element never clips because of the scale's rounding; quantization uses the stored S;
//   2. each element is scaled as y = x · (1/S) in float (the llama.cpp convention; x / S when 1/S
//      overflows), then rounded to T by the chosen mode on the SIMD kernels (simd/convert.hpp);
//      integer formats: q = clamp(round(y) + z, qmin, qmax), the zero point added after rounding
//      as gemmlowp does; minifloats: q = T(y + z) (z = 0 unless asymmetric);
//      signed integers under a symmetric rule saturate symmetrically (int8 codes in [−127, 127]);
//   3. S = 0 (an all-zero or constant tile under a symmetric rule) stores 0 and gives q = z.
// Scale storage narrower than float (bfloat16, float16, float8_e4m3fn, float8_e8m0fnu, any
// minifloat) carries one power of two per matrix, as NVFP4 carries its tensor scale (spec §5.2):
// S = stored · 2^k with k = scale_exponent(). k = 0 whenever every tile's scale lies in ScaleT's
// normal range (the stored scales are then the scales); otherwise k = ⌈log2(S_max / max(ScaleT))⌉,
// which puts the largest scale in ScaleT's top binade, so no scale overflows its storage (e4m3
// scales of int4 groups would otherwise clip every group with amax ≥ 3136 and flush the small ones).
// A NaN / Inf in a tile stores a NaN scale and the whole tile dequantizes to NaN; on_nonfinite::error
// throws instead (spec §8); a ScaleT without NaN cannot mark the tile, so it throws as well.
// Pairings without a meaning are refused (spec §5.1): absmean / absmedian are for trit and binary
// elements, binary takes absmean, absmedian or mse, and an unsigned T under a symmetric rule needs
// non-negative input (a negative value is a lowp::error naming it: use scale::asymmetric).
// Stochastic rounding draws element (r, c)'s bits from index r · cols + c (spec §6).
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/core/fp.hpp"
#include "lowp/core/tags.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/convert.hpp"
#include "lowp/format/intn.hpp"
#include "lowp/format/minifloat.hpp"
#include "lowp/format/ternary.hpp"
#include "lowp/pack/packed.hpp"
#include "lowp/quant/granularity.hpp"
#include "lowp/quant/matrix.hpp"
#include "lowp/quant/rows.hpp"
#include "lowp/quant/scale.hpp"
#include "lowp/simd/convert.hpp"
#include "lowp/simd/pack.hpp"

namespace lowp {

namespace detail {
/// Whether S stores scales: float, or a lowp minifloat whose every value is a float (bfloat16,
/// float16, float8_e4m3fn, float8_e8m0fnu, ...).
template <class S>
constexpr bool scale_storage() {
  if constexpr (std::is_same_v<S, float>)
    return true;
  else if constexpr (lowp_value<S>) {
    if constexpr (S::format_family == family::minifloat)
      return fits_exactly<float>(S::spec);
    else
      return false;
  } else {
    return false;
  }
}
/// Whether scales stored as S carry a power of two per matrix (every storage but float).
template <class S>
inline constexpr bool two_level_scales = !std::is_same_v<S, float>;
}  // namespace detail

/// The generic scheme: element format T, scales stored as ScaleT (float, bfloat16, float16,
/// float8_e4m3fn, float8_e8m0fnu, ...), a granularity and a scale rule.
template <class T, class ScaleT = float>
struct uniform {
  static_assert(
      lowp_value<T>,
      "lowp::quantize: T, the element format, must be a lowp value type (int4, uint8, float8_e4m3fn, trit, ...)");
  static_assert(detail::scale_storage<ScaleT>(),
                "lowp::quantize: ScaleT, the scale storage, must be float or a lowp minifloat whose values float holds "
                "(bfloat16, float16, float8_e4m3fn, float8_e8m0fnu, ...)");
  using element_type = T;
  using scale_type = ScaleT;
  granularity gran{};
  scale_rule rule{};
  uniform() = default;
  uniform(granularity g, scale_rule r = scale::absmax{}) : gran(g), rule(r) {}
  std::string name() const { return format_name<T>() + " " + gran.name() + " " + rule.name(); }
};

template <class Scheme>
class quantized;

namespace detail {
/// Decodes row r of a quantized matrix into cols floats: row_decoder<S> d(q); d(r, dst). Each
/// scheme family specialises it next to its quantized<S>; dequantize and dequantize_into use it.
template <class Scheme>
struct row_decoder;
template <class Scheme>
concept has_row_decoder = requires {
  sizeof(row_decoder<Scheme>);
};
}  // namespace detail

/// Dequantizes q into out, which is resized when it is a plain dynamic matrix of another shape and
/// must have q's shape otherwise (lowp::error naming both). Nothing is allocated when out is a
/// row-major float matrix (or map / block of one) of q's shape: the call to make in a loop. Any
/// other writable Eigen matrix or expression receives the same floats (converted to its scalar).
template <class Scheme, class Out>
requires detail::has_row_decoder<Scheme> && detail::eigen_output<Out>
void dequantize_into(const quantized<Scheme>& q, Out&& out) {
  detail::row_decoder<Scheme> decode(q);
  detail::write_rows(out, q.rows(), q.cols(), "dequantize_into", decode);
}
/// The same into rows × cols floats, row-major (lowp::error unless the span holds exactly that).
template <class Scheme>
requires detail::has_row_decoder<Scheme>
void dequantize_into(const quantized<Scheme>& q, std::span<float> out) {
  detail::row_decoder<Scheme> decode(q);
  detail::write_rows(out, q.rows(), q.cols(), "dequantize_into", decode);
}
/// Any other output: refused in one line.
template <class Scheme, class Out>
requires detail::has_row_decoder<Scheme> &&(!detail::eigen_output<Out>)&&(
    !std::is_convertible_v<Out, std::span<float>>)void dequantize_into(const quantized<Scheme>&, Out&&) {
  static_assert(detail::eigen_output<Out>,
                "lowp::dequantize_into: the output must be a writable Eigen matrix or expression, or std::span<float>");
}
/// Dequantizes to a new row-major float matrix (dequantize_into into it).
template <class Scheme>
requires detail::has_row_decoder<Scheme> matrix<float> dequantize(const quantized<Scheme>& q) {
  matrix<float> out = detail::fresh_matrix(q.rows(), q.cols());
  dequantize_into(q, out);
  return out;
}

namespace detail {

template <class T>
constexpr bool sub_byte = T::bit_width < 8;

/// Bytes of one stored row of n codes of T (sub-byte codes packed, pack/packed.hpp's order).
template <class T>
std::size_t row_bytes_of(std::size_t n) {
  if constexpr (sub_byte<T>)
    return packing<T>::bytes_for(n);
  else
    return n * sizeof(typename T::storage_type);
}

/// The stored form of scale s · 2^-k: rounded up to ScaleT (NaN stays NaN where ScaleT has one).
template <class ScaleT>
ScaleT store_scale(double s, int k = 0) {
  if constexpr (std::is_same_v<ScaleT, float>) {
    const float f = float(s);
    if (!(double(f) < s)) return f;
    // the next float up: one more in the bits of a float ≥ 0 (FLT_MAX → Inf), without a libm call
    return f >= 0.f ? std::bit_cast<float>(std::bit_cast<std::uint32_t>(f) + 1u) : std::nextafter(f, INFINITY);
  } else
    return convert<ScaleT>(std::ldexp(s, -k), rounding::toward_positive{}, overflow::saturate{});
}
/// The scale a stored value stands for: stored · 2^k, as float (exact unless below float's normals).
template <class ScaleT>
float scale_value(ScaleT s, int k = 0) {
  return k == 0 ? float(s) : std::ldexp(float(s), k);
}
/// The matrix's scale exponent k for tile scales in [smin, smax] (nonzero, finite): 0 when they all
/// lie in ScaleT's normal range, else ⌈log2(smax / max)⌉ (spec §5.2).
template <class ScaleT>
int scale_exponent_for(double smax, double smin) {
  if constexpr (!two_level_scales<ScaleT>) {
    return 0;
  } else {
    const double top = double(std::numeric_limits<ScaleT>::max());
    const double low = double(std::numeric_limits<ScaleT>::min());  // the smallest normal
    if (!(smax > 0.0) || (smax <= top && smin >= low)) return 0;
    int e = 0;
    const double m = std::frexp(smax / top, &e);  // smax / top = m · 2^e, m ∈ [0.5, 1)
    return m == 0.5 ? e - 1 : e;                  // ⌈log2(smax / top)⌉, exactly
  }
}

/// One tile's scale and zero point.
struct tile_scale {
  float s = 0.f;  // the scale used: stored · 2^exponent, as float (NaN for a non-finite tile)
  float z = 0.f;  // zero point value (a value of T)
};

/// conv(tag) with the overflow tag of T's symmetric and minifloat schemes: saturate_symmetric for
/// signed integers (codes clamp to ±qmax), saturate otherwise.
template <class T, class F>
void with_symmetric_tag(F&& conv) {
  if constexpr (std::is_same_v<T, binary> || !format_traits<T>::integer_zero_point) {
    conv(overflow::saturate{});
  } else {
    if constexpr (T::range.lo < 0)
      conv(overflow::saturate_symmetric{});
    else
      conv(overflow::saturate{});
  }
}

/// Quantizes one row of n floats whose consecutive segments of tw elements take tiles[0], tiles[1],
/// ... into codes out (element i draws stochastic index base + i); tmp holds ≥ n floats. When every
/// tile has a finite scale whose reciprocal is finite (and, for minifloats, no zero point), the
/// scaling and the conversion are one SIMD pass (detail::convert_scaled); otherwise every segment is
/// scaled first, then the whole row is converted in one SIMD call. The same bits either way.
template <class T, class R>
void encode_row(const float* x, std::size_t n, std::size_t tw, const tile_scale* tiles, bool symmetric, const R& r,
                std::uint64_t base, T* out, float* tmp) {
  using E = format_traits<T>;
  const R rr = offset_by(r, base);  // element (r, c) draws index r · cols + c
  const std::span<const float> in_x(x, n);
  const std::span<T> codes(out, n);
  if (symmetric || !E::integer_zero_point) {
    thread_local std::vector<float> inv;
    inv.resize((n + tw - 1) / tw);
    bool one_pass = true;
    for (std::size_t tc = 0; tc < inv.size() && one_pass; ++tc) {
      const tile_scale& t = tiles[tc];
      inv[tc] = t.s == 0.f ? 0.f : 1.0f / t.s;
      one_pass = std::isfinite(t.s) && std::isfinite(inv[tc]) && (E::integer_zero_point || t.z == 0.f);
    }
    if (one_pass) {
      with_symmetric_tag<T>([&](auto tag) { convert_scaled(in_x, codes, tw, inv.data(), rr, tag); });
      return;
    }
  }
  for (std::size_t c0 = 0, tc = 0; c0 < n; c0 += tw, ++tc) {
    const tile_scale& t = tiles[tc];
    const std::size_t m = std::min(tw, n - c0);
    float* y = tmp + c0;
    const float* v = x + c0;
    if (!std::isfinite(t.s)) {  // a non-finite tile: any code; its NaN scale makes every value NaN
      std::fill(y, y + m, 0.f);
      continue;
    }
    const float inv = t.s == 0.f ? 0.f : 1.0f / t.s;
    if (t.s != 0.f && !std::isfinite(inv))
      for (std::size_t i = 0; i < m; ++i) y[i] = v[i] / t.s;
    else
      scale_floats(v, y, m, inv);
    if constexpr (!E::integer_zero_point)
      if (t.z != 0.f)  // minifloats: the zero point before rounding, added to the rounded product (spec §10)
        for (std::size_t i = 0; i < m; ++i) y[i] = rounded(y[i]) + t.z;
  }
  const std::span<const float> in(tmp, n);
  if constexpr (E::integer_zero_point) {
    if (!symmetric) {
      // round first, then add the zero point and clamp (gemmlowp); y is within ±2^16 of the range
      static thread_local std::vector<intn<16, true>> wide;
      wide.resize(n);
      convert(in, std::span<intn<16, true>>(wide.data(), n), rr, overflow::saturate{});
      const int lo = int(E::qmin()), hi = int(E::qmax());
      for (std::size_t c0 = 0, tc = 0; c0 < n; c0 += tw, ++tc) {
        const int z = int(tiles[tc].z);
        for (std::size_t i = c0; i < std::min(n, c0 + tw); ++i)
          out[i] = format_traits<T>::from_int(std::clamp(int(wide[i].value()) + z, lo, hi));
      }
      return;
    }
  }
  with_symmetric_tag<T>([&](auto tag) { convert(in, codes, rr, tag); });
}

/// x̂ = S · (q − z) for a row of n codes in segments of tw (one conversion for the row).
template <class T>
void decode_row(const T* q, std::size_t n, std::size_t tw, const tile_scale* tiles, float* out) {
  convert(std::span<const T>(q, n), std::span<float>(out, n), rounding::nearest_even{},
          overflow::propagate{});  // exact
  for (std::size_t c0 = 0, tc = 0; c0 < n; c0 += tw, ++tc) {
    const tile_scale& t = tiles[tc];
    float* o = out + c0;
    const std::size_t m = std::min(tw, n - c0);
    scale_floats(o, o, m, t.s, t.z);  // S · (q − z)
  }
}

/// The unrounded scale of one tile under every rule but mse (mse: its upper bound amax / qmax).
template <class T>
double rule_scale(const group_stats& st, const scale_rule& rule, std::vector<float>& values) {
  using E = format_traits<T>;
  const double qmax = E::qmax(), qmin = E::qmin();
  switch (rule.k) {
    case scale_rule::kind::absmax:
    case scale_rule::kind::mse:
      return double(st.amax) / qmax;  // spec §5: S = amax / qmax
    case scale_rule::kind::pow2:
      return st.amax > 0.f ? pow2_ceil(double(st.amax) / qmax) : 0.0;  // ShiftQuant: 2^⌈log2(amax/qmax)⌉
    case scale_rule::kind::absmean:                                    // BitNet b1.58: max(mean|W|, 1e-5)
      return std::max(st.sum_abs / double(st.count), 1e-5);
    case scale_rule::kind::absmedian: {  // BitNet b1.58 Reloaded: the median of |W|
      for (auto& v : values) v = std::fabs(v);
      const std::size_t m = values.size() / 2;
      std::nth_element(values.begin(), values.begin() + std::ptrdiff_t(m), values.end());
      double med = double(values[m]);
      if (values.size() % 2 == 0) {
        const float below = *std::max_element(values.begin(), values.begin() + std::ptrdiff_t(m));
        med = (med + double(below)) / 2;
      }
      return std::max(med, 1e-5);
    }
    default: {  // asymmetric: Jacob et al. / gemmlowp ChooseQuantizationParams
      const double lo = std::min(0.0, double(st.lo)), hi = std::max(0.0, double(st.hi));
      return (hi - lo) / (qmax - qmin);
    }
  }
}

/// The scale and zero point of one tile, stored in ScaleT at matrix exponent k: from its statistics
/// and (for mse and absmedian) its values. *stored, when given, receives the stored value of ScaleT
/// (exactly: ScaleT's values are floats; NaN for a non-finite tile).
template <class T, class ScaleT>
tile_scale choose_scale(const group_stats& st, const scale_rule& rule, std::vector<float>& values, int k,
                        float* stored = nullptr) {
  using E = format_traits<T>;
  const double qmax = E::qmax(), qmin = E::qmin();
  tile_scale t;
  if (st.nonfinite) {  // a NaN scale (ScaleT without NaN: the caller has thrown)
    t.s = std::numeric_limits<float>::quiet_NaN();
    if (stored) *stored = t.s;
    return t;
  }
  double s = 0.0;
  if (rule.k == scale_rule::kind::mse) {
    // search the clip α over amax·j/steps, S = α / qmax, on the stored (rounded) scales
    const std::size_t n = values.size();
    std::vector<T> q(n);
    std::vector<float> tmp(n), back(n);
    double best_err = std::numeric_limits<double>::infinity();
    s = double(st.amax) / qmax;
    for (int j = rule.steps; j >= 1 && st.amax > 0.f; --j) {
      tile_scale c;
      c.s = scale_value(store_scale<ScaleT>(double(st.amax) * j / rule.steps / qmax, k), k);
      encode_row<T>(values.data(), n, n, &c, true, rounding::nearest_even{}, 0, q.data(), tmp.data());
      decode_row<T>(q.data(), n, n, &c, back.data());
      double err = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double d = double(values[i] - back[i]);
        err += rounded(d * d);  // the same sum under any flags (spec §10)
      }
      if (err < best_err) {
        best_err = err;
        s = double(st.amax) * j / rule.steps / qmax;
      }
    }
  } else {
    s = rule_scale<T>(st, rule, values);
  }
  const ScaleT code = store_scale<ScaleT>(s, k);
  if (stored) *stored = float(code);
  t.s = scale_value(code, k);
  double z = 0.0;
  if (rule.k == scale_rule::kind::asymmetric && t.s > 0.f) {
    // z = clamp(round(qmin − min / S)): 0.0 maps to z exactly (spec §5)
    const double lo = std::min(0.0, double(st.lo));
    z = std::nearbyint(qmin - lo / double(t.s));
    z = std::clamp(z, qmin, qmax);
    if constexpr (!E::integer_zero_point)
      z = double(float(convert<T>(z, rounding::nearest_even{}, overflow::saturate{})));
  }
  t.z = float(z);
  return t;
}

/// Throws lowp::error for a rule that has no meaning with element format T (spec §5.1); the tag
/// overloads of quantize refuse the same pairings at compile time.
template <class T>
void check_rule(const scale_rule& rule, const char* who) {
  const bool mean = rule.k == scale_rule::kind::absmean || rule.k == scale_rule::kind::absmedian;
  if constexpr (format_traits<T>::only_mean_or_mse_scale) {
    if (!mean && rule.k != scale_rule::kind::mse)
      throw error(std::string(who) +
                  ": binary elements take scale::absmean (XNOR-Net's alpha = mean |x|), absmedian "
                  "or mse; scale::" +
                  rule.name() + " makes every value +-amax");
  } else if constexpr (!format_traits<T>::takes_mean_scale) {
    if (mean)
      throw error(std::string(who) + ": scale::" + rule.name() + " is the rule of ternary and binary elements " +
                  "(BitNet b1.58, XNOR-Net); " + format_name<T>() + " needs scale::absmax, mse or pow2");
  }
}

}  // namespace detail

/// Codes, scales and zero points of a matrix quantized with uniform<T, ScaleT>.
template <class T, class ScaleT>
class quantized<uniform<T, ScaleT>> {
 public:
  using scheme_type = uniform<T, ScaleT>;
  using element_type = T;

  quantized() = default;
  quantized(std::size_t rows, std::size_t cols, scheme_type s)
      : rows_(rows),
        cols_(cols),
        scheme_(s),
        row_bytes_(detail::row_bytes_of<T>(cols)),
        codes_(rows * row_bytes_),
        scales_(s.gran.tiles_down(rows) * s.gran.tiles_across(cols)),
        zeros_(s.rule.symmetric() ? 0 : scales_.size()) {}

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  const scheme_type& scheme() const { return scheme_; }
  /// Storage in bytes: codes, scales and zero points.
  std::size_t bytes() const {
    return codes_.size() + scales_.size() * sizeof(ScaleT) + (zeros_.size() * std::size_t(T::bit_width) + 7) / 8;
  }
  /// Bits per element, scales and zero points included.
  double bits_per_value() const { return 8.0 * double(bytes()) / double(rows_ * cols_); }

  /// Row r's stored codes (packed for sub-byte T; pack/packed.hpp's bit order).
  const std::uint8_t* row_codes(std::size_t r) const { return codes_.data() + r * row_bytes_; }
  std::uint8_t* row_codes(std::size_t r) { return codes_.data() + r * row_bytes_; }
  std::size_t row_bytes() const { return row_bytes_; }
  /// Stored scales (ScaleT) and zero points (values of T), one per tile, tiles in row-major order.
  /// The scale of tile i is scale(i) = scales()[i] · 2^scale_exponent() (spec §5.2).
  const std::vector<ScaleT>& scales() const { return scales_; }
  std::vector<ScaleT>& scales() { return scales_; }
  /// The matrix's power of two k of the scales (0 for float scales, and whenever every scale fits
  /// ScaleT's normal range).
  int scale_exponent() const { return exponent_; }
  void set_scale_exponent(int k) { exponent_ = k; }
  /// The scale of tile i as a float: scales()[i] · 2^scale_exponent().
  float scale(std::size_t i) const { return detail::scale_value(scales_[i], exponent_); }
  const std::vector<T>& zero_points() const { return zeros_; }
  std::vector<T>& zero_points() { return zeros_; }
  /// The tile holding element (r, c).
  std::size_t tile_of(std::size_t r, std::size_t c) const {
    return (r / scheme_.gran.height(rows_)) * scheme_.gran.tiles_across(cols_) + c / scheme_.gran.width(cols_);
  }
  /// Element (r, c) as a code of T.
  T code(std::size_t r, std::size_t c) const {
    if constexpr (detail::sub_byte<T>) {
      T out;
      std::uint8_t tmp[1];
      (void)tmp;
      if constexpr (format_traits<T>::packs_base3)
        out = T::from_bits(detail::trit_code(row_codes(r)[c / 5], int(c % 5)));
      else
        out = T::from_bits(typename T::storage_type(detail::get_bits(row_codes(r), c, T::bit_width)));
      return out;
    } else {
      T out;
      std::memcpy(&out, row_codes(r) + c * sizeof(T), sizeof(T));
      return out;
    }
  }

 private:
  std::size_t rows_ = 0, cols_ = 0;
  scheme_type scheme_{};
  std::size_t row_bytes_ = 0;
  std::vector<std::uint8_t> codes_;
  std::vector<ScaleT> scales_;
  std::vector<T> zeros_;
  int exponent_ = 0;
};

namespace detail {

/// Throws the lowp::error for the first value of the tile that it cannot take: a non-finite one
/// (under on_nonfinite::error, or when ScaleT has no NaN to mark the tile), or a negative one of an
/// unsigned T under a symmetric rule. (Out of line: the common path only tests a flag.)
template <class T, class ScaleT>
[[noreturn]] __attribute__((noinline, cold)) void refuse_tile(const float_rows& x, const scale_rule& rule,
                                                              on_nonfinite nf, bool nonfinite, std::size_t r0,
                                                              std::size_t r1, std::size_t c0, std::size_t c1) {
  for (std::size_t rr = r0; rr < r1; ++rr)
    for (std::size_t c = c0; c < c1; ++c) {
      const float v = x.row(rr)[c];
      const std::string at = " at row " + std::to_string(rr) + ", column " + std::to_string(c);
      if (nonfinite && !std::isfinite(v))
        throw_nonfinite("quantize", v, rr, c,
                        nf == on_nonfinite::error
                            ? std::string()
                            : " (the scale storage " + format_name<ScaleT>() + " has no NaN to mark its group)");
      if (!nonfinite && v < 0.f)
        throw error("quantize: " + format_name<T>() + " holds no negative value, but the value" + at + " is " +
                    number(double(v)) + " under the symmetric rule scale::" + rule.name() +
                    " (use scale::asymmetric, with a zero point, or a signed type)");
    }
  throw error("quantize: a value of the group at row " + std::to_string(r0) + ", column " + std::to_string(c0) +
              " cannot be quantized");
}

/// The statistics of the tile rows [r0, r1) × columns [c0, c1), and its values when the rule reads
/// them; refuses (refuse_tile) what the tile cannot take.
template <class T, class ScaleT>
inline void tile_stats(const float_rows& x, const scale_rule& rule, on_nonfinite nf, std::size_t r0, std::size_t r1,
                       std::size_t c0, std::size_t c1, std::vector<float>& values, group_stats& st) {
  const bool need_values = rule.k == scale_rule::kind::absmedian || rule.k == scale_rule::kind::mse;
  const bool unsigned_symmetric = !T::is_signed && rule.symmetric();
  st = group_stats{};
  if (need_values) values.clear();
  for (std::size_t rr = r0; rr < r1; ++rr) {
    st.add(x.row(rr) + c0, c1 - c0, !rule.symmetric() || unsigned_symmetric, rule.k == scale_rule::kind::absmean);
    if (need_values) values.insert(values.end(), x.row(rr) + c0, x.row(rr) + c1);
  }
  const bool refuse_nonfinite = nf == on_nonfinite::error || !std::numeric_limits<ScaleT>::has_quiet_NaN;
  if ((st.nonfinite && refuse_nonfinite) || (unsigned_symmetric && !st.nonfinite && st.lo < 0.f))
    refuse_tile<T, ScaleT>(x, rule, nf, st.nonfinite, r0, r1, c0, c1);
}

/// The shared driver of quantize and fake_quantize for uniform schemes: computes every tile's
/// scale and the matrix's scale exponent, then hands each row's codes to sink(r, codes, tiles of
/// the row). Float scales: one pass, tile band by tile band. Narrower scale storage: a first pass
/// over every tile's statistics chooses the exponent (spec §5.2), then the bands are encoded.
/// row_out(r), when given, is where row r's codes are written (cols of them; the sink then receives
/// that pointer), so that byte-wide codes go straight into their storage.
template <class T, class ScaleT, class R, class Sink, class RowOut = std::nullptr_t>
void quantize_rows(const float_rows& x, const uniform<T, ScaleT>& sch, const R& r, on_nonfinite nf,
                   std::vector<tile_scale>& tiles, int& exponent, Sink&& sink, std::vector<float>* stored = nullptr,
                   RowOut row_out = nullptr) {
  const std::size_t rows = x.rows(), cols = x.cols();
  const granularity& g = sch.gran;
  g.check(rows, cols, "quantize");
  check_rule<T>(sch.rule, "quantize");
  const std::size_t th = g.height(rows), tw = g.width(cols), across = g.tiles_across(cols);
  tiles.assign(g.tiles_down(rows) * across, tile_scale{});
  if (stored) stored->assign(tiles.size(), 0.f);
  std::vector<T> codes(std::is_same_v<RowOut, std::nullptr_t> ? cols : 0);
  const auto out_row = [&](std::size_t rr) -> T* {
    if constexpr (std::is_same_v<RowOut, std::nullptr_t>)
      return codes.data();
    else
      return row_out(rr);
  };
  std::vector<float> tmp(cols), values;
  exponent = 0;
  std::vector<group_stats> stats;
  if constexpr (two_level_scales<ScaleT>) {
    // first pass: every tile's scale (mse: its bound amax / qmax), then the exponent
    stats.resize(tiles.size());
    double smax = 0.0, smin = std::numeric_limits<double>::infinity();
    for (std::size_t r0 = 0; r0 < rows; r0 += th)
      for (std::size_t tc = 0; tc < across; ++tc) {
        const std::size_t c0 = tc * tw, c1 = std::min(cols, c0 + tw);
        group_stats& st = stats[(r0 / th) * across + tc];
        tile_stats<T, ScaleT>(x, sch.rule, nf, r0, std::min(rows, r0 + th), c0, c1, values, st);
        if (st.nonfinite) continue;
        const double sc = rule_scale<T>(st, sch.rule, values);
        if (sc > 0.0) {
          smax = std::max(smax, sc);
          smin = std::min(smin, sc);
        }
      }
    exponent = scale_exponent_for<ScaleT>(smax, smin);
  }
  // Tiles of one row under a rule that reads only amax (absmax, pow2) with float scales: each row in
  // one pass over memory, every tile's amax, scale and codes a chunk at a time in cache
  // (convert_blocks); the tiles the one-pass encoding cannot take (a non-finite scale, or a finite
  // scale whose reciprocal is not) make encode_row redo the row.
  if constexpr (!two_level_scales<ScaleT> && !std::is_same_v<T, binary>) {
    const bool amax_rule = sch.rule.k == scale_rule::kind::absmax || sch.rule.k == scale_rule::kind::pow2;
    if (th == 1 && amax_rule && T::is_signed) {
      const bool refuse_nonfinite = nf == on_nonfinite::error || !std::numeric_limits<ScaleT>::has_quiet_NaN;
      for (std::size_t rr = 0; rr < rows; ++rr) {
        const float* row = x.row(rr);
        tile_scale* row_tiles = tiles.data() + rr * across;
        bool redo = false;
        T* const out = out_row(rr);
        const auto factors = [&](std::size_t b0, std::size_t count, const std::uint32_t* amax_bits, float* f) {
          for (std::size_t j = 0; j < count; ++j) {
            const std::size_t tc = b0 + j, c0 = tc * tw, c1 = std::min(cols, c0 + tw);
            group_stats st;  // what tile_stats finds for this rule: amax and whether a value is NaN / Inf
            st.nonfinite = amax_bits[j] >= 0x7F800000u;
            st.amax = st.nonfinite ? 0.f : std::bit_cast<float>(amax_bits[j]);
            st.count = c1 - c0;
            st.any = true;
            if (st.nonfinite && refuse_nonfinite) refuse_tile<T, ScaleT>(x, sch.rule, nf, true, rr, rr + 1, c0, c1);
            const std::size_t t = rr * across + tc;
            tiles[t] = choose_scale<T, ScaleT>(st, sch.rule, values, exponent, stored ? stored->data() + t : nullptr);
            const float sc = tiles[t].s, inv = sc == 0.f ? 0.f : 1.0f / sc;
            const bool ok = std::isfinite(sc) && std::isfinite(inv);
            redo |= !ok;
            f[j] = ok ? inv : 0.f;
          }
        };
        with_symmetric_tag<T>([&](auto tag) {
          convert_blocks(std::span<const float>(row, cols), std::span<T>(out, cols), tw, factors,
                         offset_by(r, std::uint64_t(rr) * cols), tag);
        });
        if (redo) encode_row<T>(row, cols, tw, row_tiles, true, r, std::uint64_t(rr) * cols, out, tmp.data());
        sink(rr, static_cast<const T*>(out), row_tiles);
      }
      return;
    }
  }
  for (std::size_t r0 = 0; r0 < rows; r0 += th) {
    const std::size_t r1 = std::min(rows, r0 + th);
    for (std::size_t tc = 0; tc < across; ++tc) {
      const std::size_t c0 = tc * tw, c1 = std::min(cols, c0 + tw);
      const std::size_t t = (r0 / th) * across + tc;
      group_stats local;
      const group_stats* st = &local;
      if constexpr (two_level_scales<ScaleT>) {
        st = &stats[t];
        if (sch.rule.k == scale_rule::kind::absmedian || sch.rule.k == scale_rule::kind::mse) {
          values.clear();  // the values again (the first pass kept only the statistics)
          for (std::size_t rr = r0; rr < r1; ++rr) values.insert(values.end(), x.row(rr) + c0, x.row(rr) + c1);
        }
      } else {
        tile_stats<T, ScaleT>(x, sch.rule, nf, r0, r1, c0, c1, values, local);
      }
      tiles[t] = choose_scale<T, ScaleT>(*st, sch.rule, values, exponent, stored ? stored->data() + t : nullptr);
    }
    for (std::size_t rr = r0; rr < r1; ++rr) {
      T* const out = out_row(rr);
      encode_row<T>(x.row(rr), cols, tw, tiles.data() + (r0 / th) * across, sch.rule.symmetric(), r,
                    std::uint64_t(rr) * cols, out, tmp.data());
      sink(rr, static_cast<const T*>(out), tiles.data() + (r0 / th) * across);
    }
  }
}

/// Refuses, at compile time, the pairings of element format T and scale rule tag Rule that have no
/// meaning (spec §5.1); the runtime scale_rule form checks the same in check_rule.
template <class T, class Rule>
constexpr void check_pairing() {
  if constexpr (lowp_value<T>) {
    constexpr bool mean = std::is_same_v<Rule, scale::absmean> || std::is_same_v<Rule, scale::absmedian>;
    static_assert(!mean || format_traits<T>::takes_mean_scale,
                  "lowp::quantize: scale::absmean and scale::absmedian are the rules of trit and binary elements "
                  "(BitNet b1.58, XNOR-Net); wider element formats take scale::absmax, scale::mse or scale::pow2");
    static_assert(!format_traits<T>::only_mean_or_mse_scale || mean || std::is_same_v<Rule, scale::mse>,
                  "lowp::quantize: binary elements take scale::absmean (XNOR-Net's alpha = mean |x|), absmedian or "
                  "mse; absmax, pow2 and asymmetric make every value +-amax");
  }
}

template <class R>
concept scale_rule_tag =
    std::is_same_v<R, scale::absmax> || std::is_same_v<R, scale::asymmetric> || std::is_same_v<R, scale::absmean> ||
    std::is_same_v<R, scale::absmedian> || std::is_same_v<R, scale::pow2> || std::is_same_v<R, scale::mse>;

}  // namespace detail

/// Quantizes a float matrix (any Eigen expression) to element format T with scales in ScaleT.
template <class T, class ScaleT = float, class Derived, rounding_mode R = rounding::nearest_even>
quantized<uniform<T, ScaleT>> quantize(const Eigen::MatrixBase<Derived>& m, granularity g,
                                       scale_rule rule = scale::absmax{}, const R& r = R{},
                                       on_nonfinite nf = on_nonfinite::nan_group) {
  if constexpr (!lowp_value<T> || !detail::scale_storage<ScaleT>()) {
    return {};  // uniform<T, ScaleT> has said why, in one line
  } else {
    const detail::float_rows x(m);
    const uniform<T, ScaleT> sch{g, rule};
    g.check(x.rows(), x.cols(), "quantize");
    quantized<uniform<T, ScaleT>> q(x.rows(), x.cols(), sch);
    std::vector<detail::tile_scale> tiles;
    std::vector<float> stored;  // ScaleT's stored values (float scales: the scales themselves)
    int exponent = 0;
    std::vector<float>* const stored_or_null = detail::two_level_scales<ScaleT> ? &stored : nullptr;
    if constexpr (detail::sub_byte<T>) {
      detail::quantize_rows(
          x, sch, r, nf, tiles, exponent,
          [&](std::size_t row, const T* codes, const detail::tile_scale*) {
            detail::pack_codes_bulk<T>(reinterpret_cast<const std::uint8_t*>(codes), x.cols(), q.row_codes(row));
          },
          stored_or_null);
    } else {  // byte-wide codes: encoded in place
      detail::quantize_rows(
          x, sch, r, nf, tiles, exponent, [](std::size_t, const T*, const detail::tile_scale*) {}, stored_or_null,
          [&](std::size_t row) { return reinterpret_cast<T*>(q.row_codes(row)); });
    }
    q.set_scale_exponent(exponent);
    for (std::size_t i = 0; i < tiles.size(); ++i) {
      // the tile's stored scale, exactly (NaN stays NaN)
      if constexpr (detail::two_level_scales<ScaleT>)
        q.scales()[i] = ScaleT(stored[i]);
      else
        q.scales()[i] = tiles[i].s;
      if (!rule.symmetric())
        q.zero_points()[i] = convert<T>(double(tiles[i].z), rounding::nearest_even{}, overflow::saturate{});
    }
    return q;
  }
}

/// The same with the scale rule as a tag (scale::absmean{}, ...): pairings without a meaning are
/// refused at compile time (spec §5.1).
template <class T, class ScaleT = float, class Derived, detail::scale_rule_tag Rule,
          rounding_mode R = rounding::nearest_even>
quantized<uniform<T, ScaleT>> quantize(const Eigen::MatrixBase<Derived>& m, granularity g, Rule rule, const R& r = R{},
                                       on_nonfinite nf = on_nonfinite::nan_group) {
  detail::check_pairing<T, Rule>();
  return quantize<T, ScaleT>(m, g, scale_rule(rule), r, nf);
}

/// Integer codes that already exist (requantize's int8 / uint8 output, codes read from a model
/// file) as a per-tensor quantized matrix, value = scale · (code − zero_point), ready for matmul
/// and matmul_int. T is an 8-bit lowp integer type (int8, uint8); the codes' scalar is its raw
/// integer type (int8_t, uint8_t). The zero point is an integer (as requantize takes it) or a value
/// of T. A non-positive or non-finite scale, or a zero point outside T's range → lowp::error.
template <class T, class Derived>
quantized<uniform<T, float>> from_codes(const Eigen::MatrixBase<Derived>& codes, float scale,
                                        std::int32_t zero_point = 0) {
  static_assert(lowp_value<T> && format_traits<T>::kind == family::integer && T::bit_width == 8,
                "lowp::from_codes: T must be an 8-bit lowp integer type (lowp::int8, lowp::uint8)");
  using raw = std::conditional_t<std::numeric_limits<T>::is_signed, std::int8_t, std::uint8_t>;
  static_assert(std::is_same_v<typename Derived::Scalar, raw>,
                "lowp::from_codes: the codes' scalar must be T's raw integer (int8_t for int8, uint8_t for uint8)");
  if (!(std::isfinite(scale) && scale > 0.f))
    throw error("from_codes: scale " + detail::number(double(scale)) + " is not a positive finite number");
  if (zero_point < std::int32_t(T::range.lo) || zero_point > std::int32_t(T::range.hi))
    throw error("from_codes: zero point " + std::to_string(zero_point) + " is outside " + format_name<T>() + "'s [" +
                std::to_string(std::int32_t(T::range.lo)) + ", " + std::to_string(std::int32_t(T::range.hi)) + "]");
  const bool symmetric = zero_point == 0;
  quantized<uniform<T, float>> q(
      std::size_t(codes.rows()), std::size_t(codes.cols()),
      uniform<T, float>(per_tensor{}, symmetric ? scale_rule(scale::absmax{}) : scale_rule(scale::asymmetric{})));
  for (Eigen::Index r = 0; r < codes.rows(); ++r)
    for (Eigen::Index c = 0; c < codes.cols(); ++c) {
      const raw v = codes(r, c);
      std::memcpy(q.row_codes(std::size_t(r)) + c, &v, 1);
    }
  q.scales()[0] = scale;
  if (!symmetric) q.zero_points()[0] = T(zero_point);
  return q;
}
/// The same with the zero point given as a value of T.
template <class T, class Derived>
requires lowp_value<T> quantized<uniform<T, float>> from_codes(const Eigen::MatrixBase<Derived>& codes, float scale,
                                                               T zero_point) {
  return from_codes<T>(codes, scale, std::int32_t(zero_point.value()));
}

namespace detail {
template <class T, class ScaleT>
struct row_decoder<uniform<T, ScaleT>> {
  const quantized<uniform<T, ScaleT>>& q;
  std::size_t th, tw, across;
  std::vector<tile_scale> tiles;
  std::vector<T> codes;
  explicit row_decoder(const quantized<uniform<T, ScaleT>>& qq)
      : q(qq),
        th(qq.scheme().gran.height(qq.rows())),
        tw(qq.scheme().gran.width(qq.cols())),
        across(qq.scheme().gran.tiles_across(qq.cols())),
        tiles(qq.scales().size()),
        codes(sub_byte<T> ? qq.cols() : 0) {
    for (std::size_t i = 0; i < tiles.size(); ++i) {
      tiles[i].s = q.scale(i);
      tiles[i].z = q.zero_points().empty() ? 0.f : float(q.zero_points()[i]);
    }
  }
  void operator()(std::size_t r, float* out) {
    const T* row;
    if constexpr (sub_byte<T>) {
      unpack_codes_bulk<T>(q.row_codes(r), q.cols(), reinterpret_cast<std::uint8_t*>(codes.data()));
      row = codes.data();
    } else {
      row = reinterpret_cast<const T*>(q.row_codes(r));
    }
    decode_row<T>(row, q.cols(), tw, tiles.data() + (r / th) * across, out);
  }
};
}  // namespace detail

/// quantize then dequantize in one pass, nothing packed; equal to dequantize(quantize(...)) bit for bit.
template <class T, class ScaleT = float, class Derived, rounding_mode R = rounding::nearest_even>
matrix<float> fake_quantize(const Eigen::MatrixBase<Derived>& m, granularity g, scale_rule rule = scale::absmax{},
                            const R& r = R{}, on_nonfinite nf = on_nonfinite::nan_group) {
  if constexpr (!lowp_value<T> || !detail::scale_storage<ScaleT>()) {
    (void)uniform<T, ScaleT>{};  // says why, in one line
    return {};
  } else {
    const detail::float_rows x(m);
    g.check(x.rows(), x.cols(), "fake_quantize");
    matrix<float> out = detail::fresh_matrix(x.rows(), x.cols());
    std::vector<detail::tile_scale> tiles;
    int exponent = 0;
    const std::size_t tw = g.width(x.cols());
    detail::quantize_rows(x, uniform<T, ScaleT>{g, rule}, r, nf, tiles, exponent,
                          [&](std::size_t row, const T* codes, const detail::tile_scale* row_tiles) {
                            detail::decode_row<T>(codes, x.cols(), tw, row_tiles, out.data() + row * x.cols());
                          });
    return out;
  }
}
/// The same with the scale rule as a tag: pairings without a meaning are refused at compile time.
template <class T, class ScaleT = float, class Derived, detail::scale_rule_tag Rule,
          rounding_mode R = rounding::nearest_even>
matrix<float> fake_quantize(const Eigen::MatrixBase<Derived>& m, granularity g, Rule rule, const R& r = R{},
                            on_nonfinite nf = on_nonfinite::nan_group) {
  detail::check_pairing<T, Rule>();
  return fake_quantize<T, ScaleT>(m, g, scale_rule(rule), r, nf);
}

}  // namespace lowp
