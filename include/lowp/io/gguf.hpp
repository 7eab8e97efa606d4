// lowp/io/gguf.hpp: llama.cpp's GGUF files (versions 2 and 3), read (memory-mapped, zero-copy)
// and written.
//
//   auto f = lowp::io::read_gguf("model.gguf");
//   std::string arch = f.metadata("general.architecture").as_string();
//   const lowp::io::gguf_tensor& t = f["blk.0.attn_q.weight"];   // type, dimensions, bytes: a view
//   lowp::matrix<float> w = t.to_float();       // every type llama.cpp models publish (see below)
//   auto q = t.quantized_view<lowp::q4_0>();    // lowp's object over the mapped blocks: no copy
//   auto pw = lowp::prepack(lowp::as_uniform(q));   // lowp's GEMM kernels on them
//
//   lowp::io::gguf_writer out;
//   out.copy_metadata(f);                       // every key, in order, with its type
//   out.add("blk.0.attn_q.weight", lowp::quantize(W, lowp::q8_0{}));
//   out.write("out.gguf");
//
// The format (ggml's docs/gguf.md, "File Structure"): little-endian; "GGUF", uint32 version,
// uint64 tensor count, uint64 metadata count; the metadata (key: uint64 length + bytes; uint32
// value type; the value, arrays as uint32 element type + uint64 count + elements, nested arrays
// allowed); the tensor infos (name, uint32 n_dims, uint64 ne[n_dims] with ne[0] the innermost
// dimension, uint32 ggml type, uint64 offset into the data); padding to general.alignment (uint32,
// default 32); the data, each tensor at an aligned offset. Version 1 (32-bit counts) is refused.
//
// Tensor types (ggml.h enum ggml_type; block layouts from ggml-common.h, decoders following
// ggml-quants.c dequantize_row_*): F32, F16, BF16, F64, I8, I16, I32, I64 (plain arrays, also as
// zero-copy tensor_views); Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K,
// IQ4_NL, IQ4_XS, TQ1_0, TQ2_0, MXFP4 decoded to float. Types ggml defines but lowp does not decode
// (IQ1/IQ2/IQ3 grids) are read as bytes and named in the error of to_float(); a number ggml does not
// define is an error when the file is opened.
//
// Untrusted input: counts are checked against the bytes left before anything is allocated (an
// element takes at least one byte, a string eight), nesting is limited, every size is computed
// without overflow, tensors must lie inside the file, aligned, without overlapping, with ne[0] a
// multiple of the type's block, and no key or tensor name may appear twice. Each failure is a
// lowp::error "gguf '<file>', byte <offset>: <what>".
#pragma once
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "lowp/core/fp.hpp"
#include "lowp/io/file.hpp"
#include "lowp/io/tensor.hpp"
#include "lowp/quant/gguf.hpp"
#include "lowp/quant/mx.hpp"

namespace lowp::io {

// ---------------------------------------------------------------------------------------------
// tensor types

/// ggml's tensor types (ggml.h, enum ggml_type); the gaps are numbers ggml retired.
enum class ggml_type : std::uint32_t {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q4_1 = 3,
  q5_0 = 6,
  q5_1 = 7,
  q8_0 = 8,
  q8_1 = 9,
  q2_k = 10,
  q3_k = 11,
  q4_k = 12,
  q5_k = 13,
  q6_k = 14,
  q8_k = 15,
  iq2_xxs = 16,
  iq2_xs = 17,
  iq3_xxs = 18,
  iq1_s = 19,
  iq4_nl = 20,
  iq3_s = 21,
  iq2_s = 22,
  iq4_xs = 23,
  i8 = 24,
  i16 = 25,
  i32 = 26,
  i64 = 27,
  f64 = 28,
  iq1_m = 29,
  bf16 = 30,
  tq1_0 = 34,
  tq2_0 = 35,
  mxfp4 = 39,
};

struct ggml_type_info {
  std::string_view name;    // as llama.cpp prints it
  std::uint32_t block = 0;  // elements per block (0: not a type)
  std::uint32_t bytes = 0;  // bytes per block
  bool decoded = false;     // lowp decodes it
};

/// Block sizes from ggml-common.h (static_asserts on sizeof(block_*)).
inline constexpr std::array<ggml_type_info, 40> ggml_types = [] {
  std::array<ggml_type_info, 40> t{};
  t[0] = {"F32", 1, 4, true};
  t[1] = {"F16", 1, 2, true};
  t[2] = {"Q4_0", 32, 18, true};     // half d; uint8 qs[16]
  t[3] = {"Q4_1", 32, 20, true};     // half d, m; uint8 qs[16]
  t[6] = {"Q5_0", 32, 22, true};     // half d; uint8 qh[4]; uint8 qs[16]
  t[7] = {"Q5_1", 32, 24, true};     // half d, m; uint8 qh[4]; uint8 qs[16]
  t[8] = {"Q8_0", 32, 34, true};     // half d; int8 qs[32]
  t[9] = {"Q8_1", 32, 36, true};     // half d, s; int8 qs[32]
  t[10] = {"Q2_K", 256, 84, true};   // uint8 scales[16], qs[64]; half d, dmin
  t[11] = {"Q3_K", 256, 110, true};  // uint8 hmask[32], qs[64], scales[12]; half d
  t[12] = {"Q4_K", 256, 144, true};  // half d, dmin; uint8 scales[12], qs[128]
  t[13] = {"Q5_K", 256, 176, true};  // half d, dmin; uint8 scales[12], qh[32], qs[128]
  t[14] = {"Q6_K", 256, 210, true};  // uint8 ql[128], qh[64]; int8 scales[16]; half d
  t[15] = {"Q8_K", 256, 292, true};  // float d; int8 qs[256]; int16 bsums[16]
  t[16] = {"IQ2_XXS", 256, 66, false};
  t[17] = {"IQ2_XS", 256, 74, false};
  t[18] = {"IQ3_XXS", 256, 98, false};
  t[19] = {"IQ1_S", 256, 50, false};
  t[20] = {"IQ4_NL", 32, 18, true};  // half d; uint8 qs[16]
  t[21] = {"IQ3_S", 256, 110, false};
  t[22] = {"IQ2_S", 256, 82, false};
  t[23] = {"IQ4_XS", 256, 136, true};  // half d; uint16 scales_h; uint8 scales_l[4], qs[128]
  t[24] = {"I8", 1, 1, true};
  t[25] = {"I16", 1, 2, true};
  t[26] = {"I32", 1, 4, true};
  t[27] = {"I64", 1, 8, true};
  t[28] = {"F64", 1, 8, true};
  t[29] = {"IQ1_M", 256, 56, false};
  t[30] = {"BF16", 1, 2, true};
  t[34] = {"TQ1_0", 256, 54, true};  // uint8 qs[48], qh[4]; half d
  t[35] = {"TQ2_0", 256, 66, true};  // uint8 qs[64]; half d
  t[39] = {"MXFP4", 32, 17, true};   // uint8 e (E8M0); uint8 qs[16]
  return t;
}();

inline bool is_ggml_type(std::uint32_t v) { return v < ggml_types.size() && ggml_types[v].block != 0; }
inline const ggml_type_info& info(ggml_type t) {
  if (!is_ggml_type(std::uint32_t(t))) throw error("io: " + std::to_string(std::uint32_t(t)) + " is not a ggml type");
  return ggml_types[std::uint32_t(t)];
}
inline std::string_view name(ggml_type t) { return info(t).name; }

/// The ggml type of a plain (one element per block) file dtype, if ggml has one.
inline std::optional<ggml_type> ggml_type_of(dtype d) {
  switch (d) {
    case dtype::f32:
      return ggml_type::f32;
    case dtype::f16:
      return ggml_type::f16;
    case dtype::bf16:
      return ggml_type::bf16;
    case dtype::f64:
      return ggml_type::f64;
    case dtype::i8:
      return ggml_type::i8;
    case dtype::i16:
      return ggml_type::i16;
    case dtype::i32:
      return ggml_type::i32;
    case dtype::i64:
      return ggml_type::i64;
    default:
      return std::nullopt;
  }
}
inline std::optional<dtype> dtype_of(ggml_type t) {
  switch (t) {
    case ggml_type::f32:
      return dtype::f32;
    case ggml_type::f16:
      return dtype::f16;
    case ggml_type::bf16:
      return dtype::bf16;
    case ggml_type::f64:
      return dtype::f64;
    case ggml_type::i8:
      return dtype::i8;
    case ggml_type::i16:
      return dtype::i16;
    case ggml_type::i32:
      return dtype::i32;
    case ggml_type::i64:
      return dtype::i64;
    default:
      return std::nullopt;
  }
}

// ---------------------------------------------------------------------------------------------
// metadata values

/// GGUF's metadata value types (gguf.md, enum gguf_metadata_value_type).
enum class gguf_type : std::uint32_t {
  u8 = 0,
  i8 = 1,
  u16 = 2,
  i16 = 3,
  u32 = 4,
  i32 = 5,
  f32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  u64 = 10,
  i64 = 11,
  f64 = 12,
};
inline constexpr std::array<std::string_view, 13> gguf_type_names{"UINT8",  "INT8",    "UINT16", "INT16",  "UINT32",
                                                                  "INT32",  "FLOAT32", "BOOL",   "STRING", "ARRAY",
                                                                  "UINT64", "INT64",   "FLOAT64"};
inline std::string_view name(gguf_type t) {
  return std::uint32_t(t) < gguf_type_names.size() ? gguf_type_names[std::uint32_t(t)] : "?";
}
/// Bytes of a fixed-size value type (0 for string and array).
inline constexpr std::size_t gguf_size(gguf_type t) {
  switch (t) {
    case gguf_type::u8:
    case gguf_type::i8:
    case gguf_type::boolean:
      return 1;
    case gguf_type::u16:
    case gguf_type::i16:
      return 2;
    case gguf_type::u32:
    case gguf_type::i32:
    case gguf_type::f32:
      return 4;
    case gguf_type::u64:
    case gguf_type::i64:
    case gguf_type::f64:
      return 8;
    default:
      return 0;
  }
}

/// One metadata value, with its exact GGUF type (kept when a file is copied).
class gguf_value {
 public:
  gguf_value() = default;
  gguf_value(const char* s) : type_(gguf_type::string), s_(s) {}
  gguf_value(std::string s) : type_(gguf_type::string), s_(std::move(s)) {}
  gguf_value(std::string_view s) : type_(gguf_type::string), s_(s) {}
  gguf_value(bool b) : type_(gguf_type::boolean), bits_(b ? 1 : 0) {}
  gguf_value(float v) : type_(gguf_type::f32), bits_(std::bit_cast<std::uint32_t>(v)) {}
  gguf_value(double v) : type_(gguf_type::f64), bits_(std::bit_cast<std::uint64_t>(v)) {}
  template <class I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>) gguf_value(I v)
      : type_(integer_type<I>()), bits_(std::uint64_t(v)) {
    if constexpr (std::is_signed_v<I>) bits_ = std::uint64_t(std::int64_t(v));
  }
  /// An array of elements of one type (element_type is checked against each item).
  static gguf_value array(gguf_type element_type, std::vector<gguf_value> items) {
    for (const auto& v : items)
      if (v.type_ != element_type)
        throw error("io::gguf_value::array: an item is " + std::string(name(v.type_)) + ", not " +
                    std::string(name(element_type)));
    gguf_value a;
    a.type_ = gguf_type::array;
    a.elem_ = element_type;
    a.items_ = std::move(items);
    return a;
  }
  /// A value of a fixed-size type from its little-endian bits (what the reader builds).
  static gguf_value from_bits(gguf_type t, std::uint64_t bits) {
    gguf_value v;
    v.type_ = t;
    v.bits_ = bits;
    switch (t) {  // signed types hold their value sign-extended (as the constructors store it)
      case gguf_type::i8:
        v.bits_ = std::uint64_t(std::int64_t(std::int8_t(std::uint8_t(bits))));
        break;
      case gguf_type::i16:
        v.bits_ = std::uint64_t(std::int64_t(std::int16_t(std::uint16_t(bits))));
        break;
      case gguf_type::i32:
        v.bits_ = std::uint64_t(std::int64_t(std::int32_t(std::uint32_t(bits))));
        break;
      default:
        break;
    }
    return v;
  }

  gguf_type type() const { return type_; }
  /// The element type of an array.
  gguf_type element_type() const { return elem_; }
  bool is_integer() const {
    switch (type_) {
      case gguf_type::u8:
      case gguf_type::i8:
      case gguf_type::u16:
      case gguf_type::i16:
      case gguf_type::u32:
      case gguf_type::i32:
      case gguf_type::u64:
      case gguf_type::i64:
        return true;
      default:
        return false;
    }
  }
  bool is_signed() const {
    return type_ == gguf_type::i8 || type_ == gguf_type::i16 || type_ == gguf_type::i32 || type_ == gguf_type::i64;
  }
  std::uint64_t bits() const { return bits_; }

  const std::string& as_string() const {
    need(type_ == gguf_type::string, "STRING");
    return s_;
  }
  bool as_bool() const {
    need(type_ == gguf_type::boolean, "BOOL");
    return bits_ != 0;
  }
  /// Any integer type whose value fits T (else lowp::error).
  template <class T>
  requires std::is_integral_v<T> T as()
  const {
    need(is_integer(), "an integer");
    const bool neg = is_signed() && std::int64_t(bits_) < 0;
    if (neg) {
      const std::int64_t v = std::int64_t(bits_);
      if (!std::is_signed_v<T> || v < std::int64_t(std::numeric_limits<T>::min()))
        throw error("io::gguf_value: " + std::to_string(v) + " does not fit the requested integer type");
      return T(v);
    }
    if (bits_ > std::uint64_t(std::numeric_limits<T>::max()))
      throw error("io::gguf_value: " + std::to_string(bits_) + " does not fit the requested integer type");
    return T(bits_);
  }
  /// FLOAT32 or FLOAT64 as double (exact).
  double as_double() const {
    if (type_ == gguf_type::f32) return double(std::bit_cast<float>(std::uint32_t(bits_)));
    need(type_ == gguf_type::f64, "FLOAT32 or FLOAT64");
    return std::bit_cast<double>(bits_);
  }
  const std::vector<gguf_value>& items() const {
    need(type_ == gguf_type::array, "ARRAY");
    return items_;
  }

  friend bool operator==(const gguf_value& a, const gguf_value& b) {
    return a.type_ == b.type_ && a.elem_ == b.elem_ && a.bits_ == b.bits_ && a.s_ == b.s_ && a.items_ == b.items_;
  }

 private:
  template <class I>
  static constexpr gguf_type integer_type() {
    if constexpr (sizeof(I) == 1)
      return std::is_signed_v<I> ? gguf_type::i8 : gguf_type::u8;
    else if constexpr (sizeof(I) == 2)
      return std::is_signed_v<I> ? gguf_type::i16 : gguf_type::u16;
    else if constexpr (sizeof(I) == 4)
      return std::is_signed_v<I> ? gguf_type::i32 : gguf_type::u32;
    else
      return std::is_signed_v<I> ? gguf_type::i64 : gguf_type::u64;
  }
  void need(bool ok, const char* what) const {
    if (!ok) throw error("io::gguf_value: the value is " + std::string(name(type_)) + ", not " + what);
  }
  gguf_type type_ = gguf_type::u8;
  gguf_type elem_ = gguf_type::u8;
  std::uint64_t bits_ = 0;
  std::string s_;
  std::vector<gguf_value> items_;
};

// ---------------------------------------------------------------------------------------------
// decoding the block types

namespace detail {

inline float half_at(const std::byte* p) { return float(float16::from_bits(load_le<std::uint16_t>(p))); }
inline std::uint8_t u8_at(const std::byte* p) { return std::to_integer<std::uint8_t>(*p); }
inline std::int8_t i8_at(const std::byte* p) { return std::bit_cast<std::int8_t>(u8_at(p)); }

// ggml-common.h kvalues_iq4nl and kvalues_mxfp4 (E2M1 codes doubled, decoded with half the scale)
inline constexpr std::int8_t kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                                  1,    13,   25,  38,  53,  69,  89,  113};
inline constexpr std::int8_t kvalues_mxfp4[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

/// ggml-quants.c get_scale_min_k4: the 6-bit scale and min j of a Q4_K / Q5_K block.
inline void scale_min_k4(int j, const std::byte* q, std::uint8_t& d, std::uint8_t& m) {
  auto b = [&](int i) { return u8_at(q + i); };
  if (j < 4) {
    d = std::uint8_t(b(j) & 63);
    m = std::uint8_t(b(j + 4) & 63);
  } else {
    d = std::uint8_t((b(j + 4) & 0xF) | ((b(j - 4) >> 6) << 4));
    m = std::uint8_t((b(j + 4) >> 4) | ((b(j) >> 6) << 4));
  }
}

/// One block of type t at p → block elements at y; the float expressions of ggml-quants.c
/// dequantize_row_* (the same operations in the same order; a product is rounded before the
/// addition that follows it, whatever the flags: core/fp.hpp).
inline void decode_block(ggml_type t, const std::byte* p, float* y) {
  using ::lowp::detail::rounded;
  switch (t) {
    case ggml_type::q4_1: {  // q · d + m
      const float d = half_at(p), m = half_at(p + 2);
      for (int j = 0; j < 16; ++j) {
        const int b = u8_at(p + 4 + j);
        y[j] = rounded(float(b & 0x0F) * d) + m;  // product rounded first, as in ggml without FMA
        y[j + 16] = rounded(float(b >> 4) * d) + m;
      }
      return;
    }
    case ggml_type::q5_0:
    case ggml_type::q5_1: {  // 5-bit q: 4 low bits in qs, the fifth in qh bit j (j + 16 for the high half)
      const bool one = t == ggml_type::q5_1;
      const float d = half_at(p), m = one ? half_at(p + 2) : 0.0f;
      const std::byte* h = p + (one ? 4 : 2);
      const std::uint32_t qh = load_le<std::uint32_t>(h);
      const std::byte* qs = h + 4;
      for (int j = 0; j < 16; ++j) {
        const int b = u8_at(qs + j);
        const int x0 = (b & 0x0F) | int(((qh >> j) << 4) & 0x10);
        const int x1 = (b >> 4) | int((qh >> (j + 12)) & 0x10);
        if (one) {
          y[j] = rounded(float(x0) * d) + m;
          y[j + 16] = rounded(float(x1) * d) + m;
        } else {
          y[j] = float(x0 - 16) * d;
          y[j + 16] = float(x1 - 16) * d;
        }
      }
      return;
    }
    case ggml_type::q8_1: {  // q · d (s, the block's sum, is not needed to decode)
      const float d = half_at(p);
      for (int j = 0; j < 32; ++j) y[j] = float(i8_at(p + 4 + j)) * d;
      return;
    }
    case ggml_type::q2_k: {  // 16 groups of 16: d·(sc & 15)·q − dmin·(sc >> 4), 2-bit q in four planes
      const std::byte* scales = p;
      const std::byte* q = p + 16;
      const float d = half_at(p + 80), dmin = half_at(p + 82);
      int is = 0;
      for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
          for (int half = 0; half < 2; ++half) {
            const int sc = u8_at(scales + is++);
            const float dl = d * float(sc & 0xF), ml = dmin * float(sc >> 4);
            for (int l = 0; l < 16; ++l) *y++ = rounded(dl * float((u8_at(q + 16 * half + l) >> shift) & 3)) - ml;
          }
        }
        q += 32;
      }
      return;
    }
    case ggml_type::q3_k: {  // 16 groups of 16: d·(scale − 32)·(q − (hmask bit ? 0 : 4)), 6-bit scales
      const std::byte* hm = p;
      const std::byte* q = p + 32;
      const std::byte* sc12 = p + 96;
      const float d_all = half_at(p + 108);
      // the 12 scale bytes → 16 six-bit scales (ggml-quants.c: aux[] with kmask1 / kmask2)
      std::uint32_t aux[4];
      aux[0] = load_le<std::uint32_t>(sc12);
      aux[1] = load_le<std::uint32_t>(sc12 + 4);
      const std::uint32_t tmp = load_le<std::uint32_t>(sc12 + 8);
      constexpr std::uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
      aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
      aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
      aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
      aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
      std::int8_t scales[16];
      for (int i = 0; i < 16; ++i) scales[i] = std::bit_cast<std::int8_t>(std::uint8_t(aux[i / 4] >> (8 * (i % 4))));
      int is = 0;
      int m = 1;
      for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
          for (int half = 0; half < 2; ++half) {
            const float dl = d_all * float(scales[is++] - 32);
            for (int l = 0; l < 16; ++l) {
              const int k = 16 * half + l;
              *y++ = dl * float(((u8_at(q + k) >> shift) & 3) - ((u8_at(hm + k) & m) ? 0 : 4));
            }
          }
          m <<= 1;
        }
        q += 32;
      }
      return;
    }
    case ggml_type::q4_k:
    case ggml_type::q5_k: {  // 8 groups of 32: d·sc·q − dmin·m, 6-bit sc and m; Q5_K adds a fifth bit
      const bool five = t == ggml_type::q5_k;
      const float d = half_at(p), dmin = half_at(p + 2);
      const std::byte* scales = p + 4;
      const std::byte* qh = p + 16;
      const std::byte* ql = p + (five ? 48 : 16);
      int u1 = 1, u2 = 2;
      for (int j = 0, is = 0; j < 256; j += 64, is += 2) {
        std::uint8_t sc, mn;
        scale_min_k4(is, scales, sc, mn);
        const float d1 = d * float(sc), m1 = dmin * float(mn);
        scale_min_k4(is + 1, scales, sc, mn);
        const float d2 = d * float(sc), m2 = dmin * float(mn);
        for (int l = 0; l < 32; ++l)
          *y++ = rounded(d1 * float((u8_at(ql + l) & 0xF) + (five && (u8_at(qh + l) & u1) ? 16 : 0))) - m1;
        for (int l = 0; l < 32; ++l)
          *y++ = rounded(d2 * float((u8_at(ql + l) >> 4) + (five && (u8_at(qh + l) & u2) ? 16 : 0))) - m2;
        ql += 32;
        u1 <<= 2;
        u2 <<= 2;
      }
      return;
    }
    case ggml_type::q6_k: {  // 16 groups of 16: d·scale·(q − 32), 6-bit q from 4 low + 2 high bits
      const std::byte* ql = p;
      const std::byte* qh = p + 128;
      const std::byte* sc = p + 192;
      const float d = half_at(p + 208);
      for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; ++l) {
          const int is = l / 16;
          const int h = u8_at(qh + l);
          const int q1 = ((u8_at(ql + l) & 0xF) | (((h >> 0) & 3) << 4)) - 32;
          const int q2 = ((u8_at(ql + l + 32) & 0xF) | (((h >> 2) & 3) << 4)) - 32;
          const int q3 = ((u8_at(ql + l) >> 4) | (((h >> 4) & 3) << 4)) - 32;
          const int q4 = ((u8_at(ql + l + 32) >> 4) | (((h >> 6) & 3) << 4)) - 32;
          y[l] = d * float(i8_at(sc + is)) * float(q1);
          y[l + 32] = d * float(i8_at(sc + is + 2)) * float(q2);
          y[l + 64] = d * float(i8_at(sc + is + 4)) * float(q3);
          y[l + 96] = d * float(i8_at(sc + is + 6)) * float(q4);
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
      }
      return;
    }
    case ggml_type::q8_k: {  // float32 d · q
      const float d = std::bit_cast<float>(load_le<std::uint32_t>(p));
      for (int j = 0; j < 256; ++j) y[j] = d * float(i8_at(p + 4 + j));
      return;
    }
    case ggml_type::iq4_nl: {  // d · kvalues_iq4nl[q]
      const float d = half_at(p);
      for (int j = 0; j < 16; ++j) {
        const int b = u8_at(p + 2 + j);
        y[j] = d * float(kvalues_iq4nl[b & 0xF]);
        y[j + 16] = d * float(kvalues_iq4nl[b >> 4]);
      }
      return;
    }
    case ggml_type::iq4_xs: {  // 8 groups of 32: d·(ls − 32)·kvalues_iq4nl[q], 6-bit ls
      const float d = half_at(p);
      const std::uint16_t scales_h = load_le<std::uint16_t>(p + 2);
      const std::byte* scales_l = p + 4;
      const std::byte* qs = p + 8;
      for (int ib = 0; ib < 8; ++ib) {
        const int ls = ((u8_at(scales_l + ib / 2) >> (4 * (ib % 2))) & 0xF) | (((scales_h >> (2 * ib)) & 3) << 4);
        const float dl = d * float(ls - 32);
        for (int j = 0; j < 16; ++j) {
          const int b = u8_at(qs + j);
          y[j] = dl * float(kvalues_iq4nl[b & 0xF]);
          y[j + 16] = dl * float(kvalues_iq4nl[b >> 4]);
        }
        y += 32;
        qs += 16;
      }
      return;
    }
    case ggml_type::mxfp4: {  // kvalues_mxfp4[q] · 2^(e − 128), i.e. E2M1 · 2^(e − 127) (GGML_E8M0_TO_FP32_HALF)
      const float d = std::ldexp(1.0f, int(u8_at(p)) - 128);
      for (int j = 0; j < 16; ++j) {
        const int b = u8_at(p + 1 + j);
        y[j] = float(kvalues_mxfp4[b & 0xF]) * d;
        y[j + 16] = float(kvalues_mxfp4[b >> 4]) * d;
      }
      return;
    }
    case ggml_type::q4_0:  // lowp's decoders of the llama.cpp schemes (quant/gguf.hpp): the same expressions
      return ::lowp::detail::dequantize_block(reinterpret_cast<const std::uint8_t*>(p), y, ::lowp::q4_0{});
    case ggml_type::q8_0:
      return ::lowp::detail::dequantize_block(reinterpret_cast<const std::uint8_t*>(p), y, ::lowp::q8_0{});
    case ggml_type::tq1_0:
      return ::lowp::detail::dequantize_block(reinterpret_cast<const std::uint8_t*>(p), y, ::lowp::tq1_0{});
    case ggml_type::tq2_0:
      return ::lowp::detail::dequantize_block(reinterpret_cast<const std::uint8_t*>(p), y, ::lowp::tq2_0{});
    default:
      throw error("io: lowp does not decode ggml type " + std::string(name(t)));
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// tensors

/// A tensor of a GGUF file: its ggml type, dimensions (ne[0] innermost, GGUF's order) and bytes
/// (a view into the file).
struct gguf_tensor {
  std::string name;
  ggml_type type = ggml_type::f32;
  std::vector<std::uint64_t> ne;  // ne[0]: elements of a row
  std::uint64_t offset = 0;       // from the start of the data section
  std::span<const std::byte> bytes;

  /// Elements of a row (ne[0]) and rows (the product of the other dimensions).
  Eigen::Index cols() const { return Eigen::Index(ne.empty() ? 1 : ne[0]); }
  Eigen::Index rows() const {
    std::uint64_t r = 1;
    for (std::size_t i = 1; i < ne.size(); ++i) r *= ne[i];
    return Eigen::Index(r);
  }
  /// The shape in row-major order (outermost first), as safetensors and NumPy write it.
  std::vector<std::int64_t> shape() const {
    std::vector<std::int64_t> s;
    for (std::size_t i = ne.size(); i-- > 0;) s.push_back(std::int64_t(ne[i]));
    return s;
  }
  /// A plain tensor (F32, F16, BF16, F64, I8..I64) as a tensor_view: map<T>() without a copy.
  tensor_view view() const {
    const auto d = dtype_of(type);
    if (!d)
      throw error("io: gguf tensor '" + name + "' is " + std::string(io::name(type)) +
                  ", a block type: use to_float()");
    return tensor_view{name, *d, shape(), bytes};
  }
  /// Every element decoded to float, rows × ne[0] (block types as ggml-quants.c decodes them).
  matrix<float> to_float() const {
    if (dtype_of(type)) return view().to_float();
    const ggml_type_info& ti = info(type);
    if (!ti.decoded)
      throw error("io: gguf tensor '" + name + "' is " + std::string(ti.name) + ", which lowp does not decode");
    matrix<float> out(rows(), cols());
    const std::size_t blocks = std::size_t(out.size()) / ti.block;
    for (std::size_t b = 0; b < blocks; ++b)
      detail::decode_block(type, bytes.data() + b * ti.bytes, out.data() + b * ti.block);
    return out;
  }
  /// The tensor's blocks as lowp's quantized object without a copy (q8_0, q4_0, tq1_0, tq2_0:
  /// llama.cpp's bytes are lowp's): valid while the file is open. dequantize() reads it;
  /// prepack(as_uniform(v)) gives lowp's GEMM kernels the same values.
  template <class S>
  requires ::lowp::detail::gguf_scheme<S> quantized<S> quantized_view()
  const {
    need(ggml_type_for<S>());
    return quantized<S>::view(
        std::size_t(rows()), std::size_t(cols()),
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  }
  /// The ggml type of a llama.cpp scheme of lowp.
  template <class S>
  static constexpr ggml_type ggml_type_for() {
    if constexpr (std::is_same_v<S, q8_0>)
      return ggml_type::q8_0;
    else if constexpr (std::is_same_v<S, q4_0>)
      return ggml_type::q4_0;
    else if constexpr (std::is_same_v<S, tq1_0>)
      return ggml_type::tq1_0;
    else if constexpr (std::is_same_v<S, tq2_0>)
      return ggml_type::tq2_0;
    else if constexpr (std::is_same_v<S, mxfp4>)
      return ggml_type::mxfp4;
    else
      static_assert(sizeof(S) == 0, "lowp::io: GGUF holds lowp's q8_0, q4_0, tq1_0, tq2_0 and mxfp4");
  }
  /// The tensor as lowp's quantized object of a llama.cpp scheme (q8_0, q4_0, tq1_0, tq2_0: the
  /// same bytes, copied) or MXFP4 (lowp::mxfp4: codes and E8M0 scales rearranged, values equal).
  template <class S>
  quantized<S> as_quantized() const {
    if constexpr (std::is_same_v<S, mxfp4>) {
      need(ggml_type::mxfp4);
      quantized<mxfp4> q(std::size_t(rows()), std::size_t(cols()), mxfp4{});
      auto& st = q.storage();
      const std::size_t blocks_per_row = std::size_t(cols()) / 32;
      for (std::size_t r = 0; r < std::size_t(rows()); ++r)
        for (std::size_t b = 0; b < blocks_per_row; ++b) {
          const std::byte* blk = bytes.data() + (r * blocks_per_row + b) * 17;
          st.scales[r * blocks_per_row + b] = float8_e8m0fnu::from_bits(detail::u8_at(blk));
          std::uint8_t* out = st.codes.data() + r * st.row_bytes + b * 16;
          // llama.cpp: byte j holds element j (low nibble) and j + 16 (high); lowp: 2i and 2i + 1
          for (int i = 0; i < 16; ++i) {
            const int e0 = 2 * i, e1 = 2 * i + 1;
            auto code = [&](int e) {
              return e < 16 ? detail::u8_at(blk + 1 + e) & 0xF : detail::u8_at(blk + 1 + e - 16) >> 4;
            };
            out[i] = std::uint8_t(code(e0) | (code(e1) << 4));
          }
        }
      return q;
    } else {
      need(ggml_type_for<S>());
      return quantized<S>::from_raw(
          std::size_t(rows()), std::size_t(cols()),
          std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    }
  }

 private:
  void need(ggml_type t) const {
    if (type != t)
      throw error("io: gguf tensor '" + name + "' is " + std::string(io::name(type)) + ", not " +
                  std::string(io::name(t)));
  }
};

/// The bytes of a tensor of type t and dimensions ne, or lowp::error (ne[0] not a whole number of
/// blocks, or a size that overflows).
inline std::uint64_t ggml_nbytes(ggml_type t, std::span<const std::uint64_t> ne, const std::string& what) {
  const ggml_type_info& ti = info(t);
  if (ne.empty()) throw error(what + ": no dimensions");
  if (ne[0] % ti.block != 0)
    throw error(what + ": a row of " + std::to_string(ne[0]) + " elements is not a whole number of " +
                std::string(ti.name) + " blocks of " + std::to_string(ti.block));
  std::uint64_t n = 0;  // bytes of a row, then of the tensor: every product checked (ne[0] may be ~2^63)
  if (detail::mul_overflows(ne[0] / ti.block, ti.bytes, n)) throw error(what + ": the size overflows");
  for (std::size_t i = 1; i < ne.size(); ++i)
    if (detail::mul_overflows(n, ne[i], n)) throw error(what + ": the size overflows");
  return n;
}

// ---------------------------------------------------------------------------------------------
// the reader

inline constexpr std::uint32_t gguf_default_alignment = 32;
inline constexpr std::uint32_t gguf_max_dims = 4;  // GGML_MAX_DIMS
inline constexpr int gguf_max_nesting = 8;         // arrays of arrays of ... (the format allows any)
/// Array elements of all metadata together: a value in memory takes ~72 bytes for a file's 1 (a
/// UINT8), so a file's arrays are bounded in count, not only by its size (8 M ≈ 600 MB; the largest
/// tokenizers hold under 1 M values).
inline constexpr std::uint64_t gguf_max_array_values = std::uint64_t(1) << 23;

/// A GGUF file, memory-mapped and validated: metadata in file order, tensors as views.
class gguf_file {
 public:
  explicit gguf_file(const std::filesystem::path& path) : file_(path) { parse(); }
  static gguf_file from_bytes(std::span<const std::byte> bytes, std::string name = "<memory>") {
    return gguf_file(mapped_file::from_bytes(bytes, std::move(name)));
  }

  std::uint32_t version() const { return version_; }
  std::uint32_t alignment() const { return alignment_; }
  /// Every key and value, in the file's order.
  const std::vector<std::pair<std::string, gguf_value>>& metadata() const { return kv_; }
  const gguf_value* find_metadata(std::string_view key) const {
    auto it = kv_index_.find(key);
    return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
  }
  /// The value of key, or lowp::error naming it.
  const gguf_value& metadata(std::string_view key) const {
    if (const gguf_value* v = find_metadata(key)) return *v;
    throw error("io: no metadata key '" + std::string(key) + "' in '" + file_.name() + "'");
  }
  /// The tensors in the order of their infos.
  const std::vector<gguf_tensor>& tensors() const { return tensors_; }
  const gguf_tensor* find(std::string_view n) const {
    auto it = t_index_.find(n);
    return it == t_index_.end() ? nullptr : &tensors_[it->second];
  }
  const gguf_tensor& operator[](std::string_view n) const {
    if (const gguf_tensor* t = find(n)) return *t;
    throw error("io: no tensor '" + std::string(n) + "' in '" + file_.name() + "'");
  }
  std::uint64_t data_offset() const { return data_offset_; }
  const mapped_file& file() const { return file_; }

 private:
  explicit gguf_file(mapped_file f) : file_(std::move(f)) { parse(); }

  std::string read_string(byte_reader& r, const char* what) {
    const std::uint64_t at = r.offset();
    const std::uint64_t n = r.read<std::uint64_t>(what);
    if (n > r.remaining())
      r.fail_at(at, std::string(what) + " of " + std::to_string(n) + " bytes runs past the end of the file");
    const auto b = r.take(n, what);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }

  gguf_value read_value(byte_reader& r, gguf_type t, int depth) {
    const std::uint64_t at = r.offset();
    if (const std::size_t sz = gguf_size(t)) {
      std::uint64_t bits = 0;
      const auto b = r.take(sz, "a metadata value");
      for (std::size_t i = 0; i < sz; ++i) bits |= std::uint64_t(std::to_integer<std::uint8_t>(b[i])) << (8 * i);
      if (t == gguf_type::boolean && bits > 1)
        r.fail_at(at, "a BOOL value is " + std::to_string(bits) + ", not 0 or 1");
      return gguf_value::from_bits(t, bits);
    }
    if (t == gguf_type::string) return gguf_value(read_string(r, "a string value"));
    if (t != gguf_type::array) r.fail_at(at, "unknown metadata value type " + std::to_string(std::uint32_t(t)));
    if (depth >= gguf_max_nesting) r.fail_at(at, "arrays nested deeper than " + std::to_string(gguf_max_nesting));
    const auto et = gguf_type(r.read<std::uint32_t>("an array's element type"));
    if (std::uint32_t(et) > 12) r.fail_at(at, "unknown array element type " + std::to_string(std::uint32_t(et)));
    const std::uint64_t n = r.read<std::uint64_t>("an array's length");
    // each element takes at least its fixed size, 8 bytes (a string's length), 12 (an array's header)
    const std::uint64_t least = gguf_size(et) ? gguf_size(et) : et == gguf_type::string ? 8 : 12;
    std::uint64_t need = 0;
    if (detail::mul_overflows(n, least, need) || need > r.remaining())
      r.fail_at(at, "an array of " + std::to_string(n) + " " + std::string(name(et)) +
                        " elements needs more bytes than the file has");
    values_ += n;
    if (values_ > gguf_max_array_values)
      r.fail_at(at, "the metadata arrays hold more than " + std::to_string(gguf_max_array_values) +
                        " values together (lowp's limit: each takes ~72 bytes in memory)");
    std::vector<gguf_value> items;
    items.reserve(std::size_t(n));
    for (std::uint64_t i = 0; i < n; ++i) items.push_back(read_value(r, et, depth + 1));
    return gguf_value::array(et, std::move(items));
  }

  void parse() {
    const auto bytes = file_.bytes();
    byte_reader r(bytes, "gguf", file_.name());
    const auto magic = r.take(4, "the magic");
    if (std::memcmp(magic.data(), "GGUF", 4) != 0) r.fail_at(0, "not a GGUF file (no 'GGUF' magic)");
    version_ = r.read<std::uint32_t>("the version");
    if (version_ == 1) r.fail_at(4, "GGUF version 1 (32-bit counts) is not supported: convert it with llama.cpp");
    if (version_ != 2 && version_ != 3)
      r.fail_at(4, "unknown GGUF version " + std::to_string(version_) +
                       (version_ > 0xffff ? " (a big-endian file? lowp reads little-endian GGUF)" : ""));
    const std::uint64_t n_tensors = r.read<std::uint64_t>("the tensor count");
    const std::uint64_t n_kv = r.read<std::uint64_t>("the metadata count");
    // a key-value pair takes at least 8 + 4 + 1 bytes, a tensor info 8 + 4 + 8 + 4 + 8
    std::uint64_t need = 0;
    if (detail::mul_overflows(n_kv, 13, need) || need > r.remaining())
      r.fail_at(16, std::to_string(n_kv) + " metadata pairs need more bytes than the file has");
    if (detail::mul_overflows(n_tensors, 32, need) || need > r.remaining())
      r.fail_at(8, std::to_string(n_tensors) + " tensor infos need more bytes than the file has");

    kv_.reserve(std::size_t(n_kv));
    for (std::uint64_t i = 0; i < n_kv; ++i) {
      const std::uint64_t at = r.offset();
      std::string key = read_string(r, "a key");
      if (key.empty()) r.fail_at(at, "an empty key");
      const auto t = gguf_type(r.read<std::uint32_t>("a value type"));
      if (std::uint32_t(t) > 12)
        r.fail_at(at, "key '" + key + "': unknown value type " + std::to_string(std::uint32_t(t)));
      gguf_value v = read_value(r, t, 0);
      if (!kv_index_.emplace(key, kv_.size()).second) r.fail_at(at, "the key '" + key + "' appears twice");
      kv_.emplace_back(std::move(key), std::move(v));
    }
    if (const gguf_value* a = find_metadata("general.alignment")) {
      if (a->type() != gguf_type::u32 || a->bits() == 0 || (a->bits() & (a->bits() - 1)) != 0)
        r.fail_at(24, "general.alignment must be a UINT32 power of two");
      alignment_ = std::uint32_t(a->bits());
    }

    struct pending {
      std::uint64_t at;
      gguf_tensor t;
    };
    std::vector<pending> infos;
    infos.reserve(std::size_t(n_tensors));
    for (std::uint64_t i = 0; i < n_tensors; ++i) {
      pending p{r.offset(), {}};
      p.t.name = read_string(r, "a tensor name");
      const std::uint32_t nd = r.read<std::uint32_t>("a tensor's dimension count");
      if (nd == 0 || nd > gguf_max_dims)
        r.fail_at(p.at, "tensor '" + p.t.name + "' has " + std::to_string(nd) + " dimensions (1 to 4)");
      for (std::uint32_t d = 0; d < nd; ++d) {
        const std::uint64_t v = r.read<std::uint64_t>("a tensor dimension");
        if (v > std::uint64_t(INT64_MAX)) r.fail_at(p.at, "tensor '" + p.t.name + "': a dimension exceeds 2^63 - 1");
        p.t.ne.push_back(v);
      }
      const std::uint32_t ty = r.read<std::uint32_t>("a tensor type");
      if (!is_ggml_type(ty)) r.fail_at(p.at, "tensor '" + p.t.name + "': unknown ggml type " + std::to_string(ty));
      p.t.type = ggml_type(ty);
      p.t.offset = r.read<std::uint64_t>("a tensor offset");
      std::vector<std::int64_t> sh = p.t.shape();
      if (!shape_fits(sh)) r.fail_at(p.at, "tensor '" + p.t.name + "': the dimensions overflow an index");
      if (!t_index_.emplace(p.t.name, infos.size()).second)
        r.fail_at(p.at, "the tensor '" + p.t.name + "' appears twice");
      infos.push_back(std::move(p));
    }
    // the data section begins at the next multiple of the alignment
    const std::uint64_t end_infos = r.offset();
    data_offset_ = (end_infos + alignment_ - 1) / alignment_ * alignment_;
    if (infos.empty()) data_offset_ = std::min<std::uint64_t>(data_offset_, bytes.size());
    if (data_offset_ > bytes.size() && !infos.empty())
      r.fail_at(end_infos,
                "the data section's start (" + std::to_string(data_offset_) + ") lies past the end of the file");
    const std::uint64_t data_size = bytes.size() - std::min<std::uint64_t>(data_offset_, bytes.size());

    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;  // [begin, end) in the data, per tensor
    for (auto& p : infos) {
      std::uint64_t nb = 0;
      try {
        nb = ggml_nbytes(p.t.type, p.t.ne, "tensor '" + p.t.name + "'");
      } catch (const error& e) {
        r.fail_at(p.at, std::string(e.what()).substr(6));  // without the "lowp: " prefix
      }
      if (p.t.offset % alignment_ != 0)
        r.fail_at(p.at, "tensor '" + p.t.name + "': offset " + std::to_string(p.t.offset) +
                            " is not a multiple of the alignment " + std::to_string(alignment_));
      std::uint64_t end = 0;
      if (detail::add_overflows(p.t.offset, nb, end) || end > data_size)
        r.fail_at(p.at, "tensor '" + p.t.name + "': its " + std::to_string(nb) + " bytes at data offset " +
                            std::to_string(p.t.offset) + " run past the end of the file (the data section has " +
                            std::to_string(data_size) + " bytes)");
      ranges.emplace_back(p.t.offset, end);
      p.t.bytes = bytes.subspan(std::size_t(data_offset_ + p.t.offset), std::size_t(nb));
    }
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i)
      if (ranges[i].first < ranges[i - 1].second)
        r.fail_at(data_offset_ + ranges[i].first, "two tensors overlap in the data section");
    tensors_.reserve(infos.size());
    for (auto& p : infos) tensors_.push_back(std::move(p.t));
  }

  mapped_file file_;
  std::uint32_t version_ = 3;
  std::uint32_t alignment_ = gguf_default_alignment;
  std::vector<std::pair<std::string, gguf_value>> kv_;
  std::map<std::string, std::size_t, std::less<>> kv_index_;
  std::vector<gguf_tensor> tensors_;
  std::map<std::string, std::size_t, std::less<>> t_index_;
  std::uint64_t data_offset_ = 0;
  std::uint64_t values_ = 0;  // array elements read so far
};

/// Opens and validates a GGUF file (memory-mapped: no tensor is copied).
inline gguf_file read_gguf(const std::filesystem::path& path) { return gguf_file(path); }

// ---------------------------------------------------------------------------------------------
// the writer

/// Collects metadata and tensors, then writes one GGUF version-3 file: header, metadata in the
/// order set (a key set twice keeps its first place), tensor infos in the order added, each
/// tensor at the next multiple of the alignment.
class gguf_writer {
 public:
  /// Sets a key (a new key goes last; an existing one keeps its place, takes the new value).
  void set(const std::string& key, gguf_value v) {
    if (key.empty()) throw error("io::gguf_writer: an empty key");
    if (key == "general.alignment") {
      if (v.type() != gguf_type::u32 || v.bits() == 0 || (v.bits() & (v.bits() - 1)) != 0)
        throw error("io::gguf_writer: general.alignment must be a UINT32 power of two");
      alignment_ = std::uint32_t(v.bits());
    }
    for (auto& [k, old] : kv_)
      if (k == key) {
        old = std::move(v);
        return;
      }
    kv_.emplace_back(key, std::move(v));
  }
  /// Every metadata key of a file, in its order, with its types (general.alignment included).
  void copy_metadata(const gguf_file& f) {
    for (const auto& [k, v] : f.metadata()) set(k, v);
  }

  /// A tensor of another file (its bytes read when write() runs: keep the file open until then).
  void add(const gguf_tensor& t) { push(t.name, t.type, t.ne, t.bytes); }
  /// Bytes of a ggml type with dimensions ne (ne[0] innermost), moved in.
  void add(std::string tensor_name, ggml_type t, std::vector<std::uint64_t> ne, std::vector<std::byte> bytes) {
    owned_.push_back(std::make_unique<std::vector<std::byte>>(std::move(bytes)));
    push(std::move(tensor_name), t, std::move(ne), *owned_.back());
  }
  /// An Eigen matrix (rows × cols: ne = {cols, rows}) of float, double, float16, bfloat16 or
  /// int8 / int16 / int32 / int64, copied now.
  template <class Derived>
  void add(std::string tensor_name, const Eigen::DenseBase<Derived>& m) {
    using T = typename Derived::Scalar;
    constexpr dtype d = io::dtype_of<T>();
    const auto gt = ggml_type_of(d);
    if (!gt) throw error("io::gguf_writer: GGUF has no plain type for " + std::string(io::name(d)));
    const matrix<T> rm = m.derived();
    add(std::move(tensor_name), *gt, {std::uint64_t(rm.cols()), std::uint64_t(rm.rows())}, detail::stored_bytes(rm));
  }
  /// lowp's quantized objects of the llama.cpp schemes (their bytes are llama.cpp's) and MXFP4
  /// (rearranged into llama.cpp's block: E8M0 byte, then element j | element j + 16 << 4).
  template <class S>
  void add(std::string tensor_name, const quantized<S>& q) {
    std::vector<std::byte> b = ggml_bytes(q, tensor_name);
    add(std::move(tensor_name), ggml_type_for_scheme<S>(), {q.cols(), q.rows()}, std::move(b));
  }
  /// The ggml type that holds lowp's scheme S (q8_0, q4_0, tq1_0, tq2_0, mxfp4).
  template <class S>
  static constexpr ggml_type ggml_type_for_scheme() {
    if constexpr (std::is_same_v<S, mxfp4>)
      return ggml_type::mxfp4;
    else
      return gguf_tensor::ggml_type_for<S>();
  }
  /// The bytes llama.cpp stores for q (what add() writes).
  template <class S>
  static std::vector<std::byte> ggml_bytes(const quantized<S>& q, const std::string& tensor_name = "") {
    if constexpr (std::is_same_v<S, mxfp4>) {
      if (q.cols() % 32 != 0)
        throw error("io::gguf_writer: MXFP4 tensor '" + tensor_name +
                    "' needs rows of whole 32-element blocks (not padded)");
      const auto& st = q.storage();
      const std::size_t blocks_per_row = q.cols() / 32;
      std::vector<std::byte> b(q.rows() * blocks_per_row * 17);
      for (std::size_t r = 0; r < q.rows(); ++r)
        for (std::size_t k = 0; k < blocks_per_row; ++k) {
          std::byte* blk = b.data() + (r * blocks_per_row + k) * 17;
          blk[0] = std::byte(st.scales[r * blocks_per_row + k].bits());
          const std::uint8_t* c = st.codes.data() + r * st.row_bytes + k * 16;
          auto code = [&](std::size_t e) { return std::uint8_t(e % 2 == 0 ? c[e / 2] & 0xF : c[e / 2] >> 4); };
          for (std::size_t j = 0; j < 16; ++j) blk[1 + j] = std::byte(code(j) | (code(j + 16) << 4));
        }
      return b;
    } else {
      const auto raw = q.raw();
      std::vector<std::byte> b(raw.size());
      if (!raw.empty()) std::memcpy(b.data(), raw.data(), raw.size());
      return b;
    }
  }

  /// The bytes before the data section: header, metadata, tensor infos, padding.
  /// A tensor whose bytes `produce` returns when write() reaches it (then they are written and
  /// freed): a whole model re-quantized in one pass holds one tensor's bytes at a time. The header
  /// needs the size up front, so `produce` must return exactly what the type and dimensions need.
  void add_deferred(std::string tensor_name, ggml_type t, std::vector<std::uint64_t> ne,
                    std::function<std::vector<std::byte>()> produce) {
    const std::uint64_t n = ggml_nbytes(t, ne, "io::gguf_writer: tensor '" + tensor_name + "'");
    push(std::move(tensor_name), t, std::move(ne), {}, n);
    producers_.back() = std::move(produce);
  }

  std::vector<std::byte> header() const {
    std::vector<std::byte> out;
    auto put = [&](const void* p, std::size_t n) {
      const auto* b = static_cast<const std::byte*>(p);
      out.insert(out.end(), b, b + n);
    };
    auto u32 = [&](std::uint32_t v) {
      std::byte b[4];
      detail::store_le(b, v);
      put(b, 4);
    };
    auto u64 = [&](std::uint64_t v) {
      std::byte b[8];
      detail::store_le(b, v);
      put(b, 8);
    };
    auto str = [&](const std::string& s) {
      u64(s.size());
      put(s.data(), s.size());
    };
    auto value = [&](auto&& self, const gguf_value& v) -> void {
      if (const std::size_t sz = gguf_size(v.type())) {
        for (std::size_t i = 0; i < sz; ++i) out.push_back(std::byte(std::uint8_t(v.bits() >> (8 * i))));
      } else if (v.type() == gguf_type::string) {
        str(v.as_string());
      } else {
        u32(std::uint32_t(v.element_type()));
        u64(v.items().size());
        for (const auto& it : v.items()) self(self, it);
      }
    };
    put("GGUF", 4);
    u32(3);
    u64(t_.size());
    u64(kv_.size());
    for (const auto& [k, v] : kv_) {
      str(k);
      u32(std::uint32_t(v.type()));
      value(value, v);
    }
    std::uint64_t at = 0;
    std::size_t i = 0;
    for (const auto& t : t_) {
      str(t.name);
      u32(std::uint32_t(t.ne.size()));
      for (auto d : t.ne) u64(d);
      u32(std::uint32_t(t.type));
      u64(at);
      at = (at + size_of(i++) + alignment_ - 1) / alignment_ * alignment_;
    }
    out.resize((out.size() + alignment_ - 1) / alignment_ * alignment_, std::byte{0});
    return out;
  }
  void write(const std::filesystem::path& path) const {
    const auto h = header();
    file_writer w(path);
    w.write(h);
    for (std::size_t i = 0; i < t_.size(); ++i) {
      if (producers_[i]) {
        const std::vector<std::byte> b = producers_[i]();
        if (b.size() != sizes_[i])
          throw error("io::gguf_writer: tensor '" + t_[i].name + "' produced " + std::to_string(b.size()) +
                      " bytes, its type and dimensions need " + std::to_string(sizes_[i]));
        w.write(b);
      } else {
        w.write(t_[i].bytes);
      }
      w.zeros(std::size_t((alignment_ - sizes_[i] % alignment_) % alignment_));
    }
    w.commit();
  }

 private:
  std::uint64_t size_of(std::size_t i) const { return sizes_[i]; }
  void push(std::string n, ggml_type t, std::vector<std::uint64_t> ne, std::span<const std::byte> bytes,
            std::optional<std::uint64_t> deferred = std::nullopt) {
    if (n.size() >= 64)
      throw error("io::gguf_writer: tensor name '" + n + "' has " + std::to_string(n.size()) +
                  " bytes; llama.cpp takes at most 63 (GGML_MAX_NAME)");
    for (const auto& e : t_)
      if (e.name == n) throw error("io::gguf_writer: tensor '" + n + "' added twice");
    if (ne.empty() || ne.size() > gguf_max_dims)
      throw error("io::gguf_writer: tensor '" + n + "' needs 1 to 4 dimensions");
    const std::uint64_t need = ggml_nbytes(t, ne, "io::gguf_writer: tensor '" + n + "'");
    if (!deferred && need != bytes.size())
      throw error("io::gguf_writer: tensor '" + n + "' has " + std::to_string(bytes.size()) +
                  " bytes, its type and dimensions need " + std::to_string(ggml_nbytes(t, ne, n)));
    t_.push_back(gguf_tensor{std::move(n), t, std::move(ne), 0, bytes});
    sizes_.push_back(need);
    producers_.emplace_back();
  }
  std::uint32_t alignment_ = gguf_default_alignment;
  std::vector<std::pair<std::string, gguf_value>> kv_;
  std::vector<gguf_tensor> t_;
  std::vector<std::uint64_t> sizes_;                                // bytes of each tensor
  std::vector<std::function<std::vector<std::byte>()>> producers_;  // set for deferred tensors
  std::vector<std::unique_ptr<std::vector<std::byte>>> owned_;
};

}  // namespace lowp::io
