// lowp/io/tensor.hpp: the element types model files store (io::dtype) and a tensor's bytes inside a
// file (io::tensor_view): zero-copy Eigen maps where the bytes are the matrix, decoding into lowp
// value types or float otherwise.
//
//   auto f = lowp::io::read_safetensors("model.safetensors");
//   const lowp::io::tensor_view& t = f["lm_head.weight"];          // dtype, shape, bytes: no copy
//   auto w = t.map<lowp::bfloat16>();      // Eigen::Map over the mapped file (dtype must be BF16)
//   lowp::matrix<float> x = t.to_float();  // any numeric dtype, decoded (exact for every ≤32-bit float)
//
// Tensors are row-major (C order) and little-endian in every file lowp reads (the .npy reader turns
// Fortran order and big-endian data into that). A tensor of rank r is seen as a matrix of
// shape[0]·…·shape[r−2] rows and shape[r−1] columns (rank 1: one row; rank 0: 1 × 1).
#pragma once
#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "lowp/core/error.hpp"
#include "lowp/format/minifloat.hpp"
#include "lowp/io/file.hpp"
#include "lowp/pack/packed.hpp"
#include "lowp/quant/matrix.hpp"

namespace lowp::io {

/// The element types of model files. Names follow safetensors where it has the type.
enum class dtype : std::uint8_t {
  boolean,  // one byte, 0 or 1
  u8,
  i8,
  u16,
  i16,
  u32,
  i32,
  u64,
  i64,
  f16,          // IEEE binary16: lowp::float16
  bf16,         // bfloat16: lowp::bfloat16
  f32,          // float
  f64,          // double
  f8_e4m3fn,    // OCP FP8 E4M3 (safetensors F8_E4M3): lowp::float8_e4m3fn
  f8_e5m2,      // OCP FP8 E5M2: lowp::float8_e5m2
  f8_e4m3fnuz,  // lowp::float8_e4m3fnuz
  f8_e5m2fnuz,  // lowp::float8_e5m2fnuz
  f8_e8m0,      // OCP E8M0 scale (safetensors F8_E8M0): lowp::float8_e8m0fnu
  f6_e2m3,      // OCP FP6 E2M3, 4 codes in 3 bytes: lowp::float6_e2m3fn
  f6_e3m2,      // OCP FP6 E3M2, 4 codes in 3 bytes: lowp::float6_e3m2fn
  f4_e2m1,      // OCP FP4 E2M1 (safetensors F4), 2 codes a byte, low nibble first: lowp::float4_e2m1fn
  c64,          // complex of two float32 (read and written as bytes; no conversion)
};
inline constexpr std::size_t dtype_count = std::size_t(dtype::c64) + 1;

struct dtype_info {
  std::string_view name;  // safetensors' name
  unsigned bits;          // bits per element
  bool is_float;
};
inline constexpr std::array<dtype_info, dtype_count> dtype_table{{
    {"BOOL", 8, false},       {"U8", 8, false},     {"I8", 8, false},     {"U16", 16, false},
    {"I16", 16, false},       {"U32", 32, false},   {"I32", 32, false},   {"U64", 64, false},
    {"I64", 64, false},       {"F16", 16, true},    {"BF16", 16, true},   {"F32", 32, true},
    {"F64", 64, true},        {"F8_E4M3", 8, true}, {"F8_E5M2", 8, true}, {"F8_E4M3FNUZ", 8, true},
    {"F8_E5M2FNUZ", 8, true}, {"F8_E8M0", 8, true}, {"F6_E2M3", 6, true}, {"F6_E3M2", 6, true},
    {"F4", 4, true},          {"C64", 64, false},
}};

constexpr std::string_view name(dtype t) { return dtype_table[std::size_t(t)].name; }
constexpr unsigned bits(dtype t) { return dtype_table[std::size_t(t)].bits; }

/// The bytes n elements of t take (sub-byte types packed, the last byte padded), or lowp::error when
/// the count overflows.
inline std::uint64_t storage_bytes(dtype t, std::uint64_t n) {
  std::uint64_t b = 0;
  if (detail::mul_overflows(n, bits(t), b)) throw error("io: " + std::to_string(n) + " elements overflow a size");
  return b / 8 + (b % 8 != 0);
}

/// Whether a shape can be seen as a matrix here: every dimension non-negative and the product of
/// the nonzero ones within Eigen::Index (so rows(), cols() and the element count never overflow,
/// even for a shape holding a 0).
inline bool shape_fits(std::span<const std::int64_t> shape) {
  std::uint64_t p = 1;
  for (auto d : shape) {
    if (d < 0) return false;
    if (d > 0 && detail::mul_overflows(p, std::uint64_t(d), p)) return false;
  }
  return p <= std::uint64_t(std::numeric_limits<Eigen::Index>::max());
}

/// The dtype that stores C++ type T (a compile-time error names the type family otherwise).
template <class T>
constexpr dtype dtype_of() {
  if constexpr (std::is_same_v<T, bool>)
    return dtype::boolean;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return dtype::u8;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return dtype::i8;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return dtype::u16;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return dtype::i16;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return dtype::u32;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return dtype::i32;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return dtype::u64;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return dtype::i64;
  else if constexpr (std::is_same_v<T, float16>)
    return dtype::f16;
  else if constexpr (std::is_same_v<T, bfloat16>)
    return dtype::bf16;
  else if constexpr (std::is_same_v<T, float>)
    return dtype::f32;
  else if constexpr (std::is_same_v<T, double>)
    return dtype::f64;
  else if constexpr (std::is_same_v<T, float8_e4m3fn>)
    return dtype::f8_e4m3fn;
  else if constexpr (std::is_same_v<T, float8_e5m2>)
    return dtype::f8_e5m2;
  else if constexpr (std::is_same_v<T, float8_e4m3fnuz>)
    return dtype::f8_e4m3fnuz;
  else if constexpr (std::is_same_v<T, float8_e5m2fnuz>)
    return dtype::f8_e5m2fnuz;
  else if constexpr (std::is_same_v<T, float8_e8m0fnu>)
    return dtype::f8_e8m0;
  else if constexpr (std::is_same_v<T, float6_e2m3fn>)
    return dtype::f6_e2m3;
  else if constexpr (std::is_same_v<T, float6_e3m2fn>)
    return dtype::f6_e3m2;
  else if constexpr (std::is_same_v<T, float4_e2m1fn>)
    return dtype::f4_e2m1;
  else
    static_assert(sizeof(T) == 0,
                  "lowp::io::dtype_of<T>: T is not stored by model files (bool, 8-64-bit integers, float, "
                  "double, float16, bfloat16, the FP8 / FP6 / FP4 minifloats, E8M0)");
}
template <class T>
inline constexpr bool is_file_type = requires {
  dtype_of<T>();
};

namespace detail {

/// Calls f.template operator()<T>() with the C++ type of t (every dtype but c64).
template <class F>
decltype(auto) visit_dtype(dtype t, F&& f) {
  switch (t) {
    case dtype::boolean:
      return f.template operator()<bool>();
    case dtype::u8:
      return f.template operator()<std::uint8_t>();
    case dtype::i8:
      return f.template operator()<std::int8_t>();
    case dtype::u16:
      return f.template operator()<std::uint16_t>();
    case dtype::i16:
      return f.template operator()<std::int16_t>();
    case dtype::u32:
      return f.template operator()<std::uint32_t>();
    case dtype::i32:
      return f.template operator()<std::int32_t>();
    case dtype::u64:
      return f.template operator()<std::uint64_t>();
    case dtype::i64:
      return f.template operator()<std::int64_t>();
    case dtype::f16:
      return f.template operator()<float16>();
    case dtype::bf16:
      return f.template operator()<bfloat16>();
    case dtype::f32:
      return f.template operator()<float>();
    case dtype::f64:
      return f.template operator()<double>();
    case dtype::f8_e4m3fn:
      return f.template operator()<float8_e4m3fn>();
    case dtype::f8_e5m2:
      return f.template operator()<float8_e5m2>();
    case dtype::f8_e4m3fnuz:
      return f.template operator()<float8_e4m3fnuz>();
    case dtype::f8_e5m2fnuz:
      return f.template operator()<float8_e5m2fnuz>();
    case dtype::f8_e8m0:
      return f.template operator()<float8_e8m0fnu>();
    case dtype::f6_e2m3:
      return f.template operator()<float6_e2m3fn>();
    case dtype::f6_e3m2:
      return f.template operator()<float6_e3m2fn>();
    case dtype::f4_e2m1:
      return f.template operator()<float4_e2m1fn>();
    case dtype::c64:
      break;
  }
  throw error("io: dtype C64 (complex) has no real-valued lowp type: read its bytes instead");
}

/// The unsigned integer of T's size (the bits of an arithmetic T).
template <class T>
using uint_of =
    std::conditional_t<sizeof(T) == 1, std::uint8_t,
                       std::conditional_t<sizeof(T) == 2, std::uint16_t,
                                          std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;

/// Element i of n (little-endian storage) as T.
template <class T>
T element(const std::byte* p, std::size_t i) {
  if constexpr (std::is_same_v<T, bool>) {
    return p[i] != std::byte{0};
  } else if constexpr (std::is_arithmetic_v<T>) {
    return std::bit_cast<T>(load_le<uint_of<T>>(p + i * sizeof(T)));
  } else {
    using S = typename T::storage_type;
    return T::from_bits(load_le<S>(p + i * sizeof(S)));
  }
}

/// A matrix's elements as files store them: row-major, little-endian, sub-byte codes packed
/// (pack/packed.hpp's order), bool as one byte 0 / 1.
template <class T>
std::vector<std::byte> stored_bytes(const matrix<T>& m) {
  constexpr dtype t = dtype_of<T>();
  const std::size_t n = std::size_t(m.size());
  std::vector<std::byte> b(std::size_t(storage_bytes(t, n)));
  if constexpr (bits(t) < 8) {
    std::vector<std::uint8_t> codes(n);
    for (std::size_t i = 0; i < n; ++i) codes[i] = std::uint8_t(m.data()[i].bits());
    pack_codes<T>(codes.data(), n, reinterpret_cast<std::uint8_t*>(b.data()));
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, bool>)
        b[i] = std::byte(m.data()[i] ? 1 : 0);
      else if constexpr (std::is_arithmetic_v<T>)
        store_le(b.data() + i * sizeof(T), std::bit_cast<uint_of<T>>(m.data()[i]));
      else
        store_le(b.data() + i * sizeof(T), m.data()[i].bits());
    }
  }
  return b;
}

}  // namespace detail

/// A tensor's element type, shape and bytes inside a file (or any buffer): a view, valid as long as
/// the file object it came from. Row-major, little-endian; sub-byte types packed (lowp's bit order,
/// pack/packed.hpp: a little-endian bit stream, element 0 in the lowest bits).
struct tensor_view {
  std::string name;
  io::dtype type = dtype::f32;
  std::vector<std::int64_t> shape;
  std::span<const std::byte> bytes;

  std::int64_t elements() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;  // validated by the reader: no overflow
    return n;
  }
  /// Rows and columns of the matrix this tensor is seen as (the last dimension is the row).
  Eigen::Index rows() const {
    if (shape.size() < 2) return 1;
    std::int64_t r = 1;
    for (std::size_t i = 0; i + 1 < shape.size(); ++i) r *= shape[i];
    return Eigen::Index(r);
  }
  Eigen::Index cols() const { return shape.empty() ? 1 : Eigen::Index(shape.back()); }

  /// The bytes as an Eigen matrix of T, without a copy: T must be the tensor's type (a byte-sized or
  /// wider type, not a packed sub-byte one), the bytes aligned for T, the host little-endian.
  template <class T>
  Eigen::Map<const matrix<T>> map() const {
    constexpr dtype want = dtype_of<T>();
    static_assert(bits(want) >= 8, "lowp::io::tensor_view::map<T>: sub-byte codes are packed; use to<T>()");
    if (type != want)
      throw error("io: tensor '" + name + "' is " + std::string(io::name(type)) + ", not " +
                  std::string(io::name(want)) + ": map<T> needs the stored type (to<T>() converts)");
    if (std::endian::native != std::endian::little)
      throw error("io: tensor '" + name + "': a zero-copy map needs a little-endian host (to<T>() converts)");
    if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(T) != 0)
      throw error("io: tensor '" + name + "' is not aligned to " + std::to_string(alignof(T)) +
                  " bytes in its file: use to<T>() (a copy)");
    return {reinterpret_cast<const T*>(bytes.data()), rows(), cols()};
  }

  /// The elements as T, copied: T the stored type (any, sub-byte ones unpacked), or float / double
  /// from any numeric type (exact from every float type of 32 bits or fewer and from integers below
  /// 2^24; wider values rounded to nearest even once).
  template <class T>
  matrix<T> to() const {
    matrix<T> out(rows(), cols());
    const std::size_t n = std::size_t(elements());
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      detail::visit_dtype(type, [&]<class S>() { decode<S>(out.data(), n); });
    } else {
      constexpr dtype want = dtype_of<T>();
      if (type != want)
        throw error("io: tensor '" + name + "' is " + std::string(io::name(type)) + ", not " +
                    std::string(io::name(want)) + " (to<float>() decodes any type)");
      decode<T>(out.data(), n);
    }
    return out;
  }
  matrix<float> to_float() const { return to<float>(); }

 private:
  template <class S, class O>
  void decode(O* out, std::size_t n) const {
    if constexpr (bits(dtype_of<S>()) < 8) {
      std::vector<std::uint8_t> codes(n);
      unpack_codes<S>(reinterpret_cast<const std::uint8_t*>(bytes.data()), n, codes.data());
      for (std::size_t i = 0; i < n; ++i) out[i] = convert_one<O>(S::from_bits(codes[i]));
    } else {
      for (std::size_t i = 0; i < n; ++i) out[i] = convert_one<O>(detail::element<S>(bytes.data(), i));
    }
  }
  template <class O, class S>
  static O convert_one(S v) {
    // C++'s conversion: bool gives 0 / 1, integers and double round to nearest even (default
    // mode); lowp's value types convert exactly to float / double (format/minifloat.hpp)
    return O(v);
  }
};

}  // namespace lowp::io
