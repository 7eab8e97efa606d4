// lowp/pack/packed.hpp: dense storage of sub-byte codes, packed_vector<T> and packed_matrix_view<T>.
//
// Bit order (documented in the README too):
//  - b-bit codes (b = 1, 2, 3, 4, 5, 6, 7) form one little-endian bit stream: element i occupies
//    bits [i·b, (i+1)·b), least significant bit first. So 4-bit codes put element 2i in the low
//    nibble of byte i and 2i+1 in the high nibble (the ONNX int4 / float4 order); 2-bit codes put
//    element 4i + k at bits 2k; 1-bit codes put element 8i + k at bit k; 6-bit codes pack 4 codes
//    into 3 bytes: byte 0 = c0 | c1 << 6, byte 1 = c1 >> 2 | c2 << 4, byte 2 = c2 >> 4 | c3 << 2.
//  - trit: 5 trits per byte in base 3, as llama.cpp's TQ1_0 (spec §5): codes c0..c4 (t + 1)
//    form q = c0·81 + c1·27 + c2·9 + c3·3 + c4 and the byte is ⌈q · 256 / 243⌉; code n of a byte b
//    is ((uint8_t)(b · 3^n) · 3) >> 8. A last byte holding fewer than 5 trits pads with code 0.
// Codes of 8 bits or more are not packed (a span of T is already dense).
#pragma once
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/ternary.hpp"

namespace lowp {

/// How T packs: bits per code, or the base-3 scheme for trits.
template <class T>
struct packing {
  static constexpr bool base3 = format_traits<T>::packs_base3;
  static constexpr int bits = T::bit_width;
  static_assert(base3 || bits < 8, "lowp::packed_vector: codes of 8 bits or more are already dense");
  /// Bytes that hold n codes (written without an intermediate that could wrap for any n).
  static constexpr std::size_t bytes_for(std::size_t n) {
    if constexpr (base3)
      return n / 5 + (n % 5 != 0 ? 1 : 0);
    else
      return n / 8 * std::size_t(bits) + (n % 8 * std::size_t(bits) + 7) / 8;
  }
};

namespace detail {
inline constexpr std::uint8_t pow3[5] = {1, 3, 9, 27, 81};

/// Writes code c (< 2^b) of element i into the LSB-first bit stream at p.
inline void put_bits(std::uint8_t* p, std::size_t i, int b, unsigned c) {
  const std::size_t bit = i * std::size_t(b);
  const std::size_t byte = bit / 8;
  const int shift = int(bit % 8);
  const unsigned mask = (1u << b) - 1;
  const unsigned v = (unsigned(p[byte]) | (shift + b > 8 ? unsigned(p[byte + 1]) << 8 : 0u));
  const unsigned w = (v & ~(mask << shift)) | ((c & mask) << shift);
  p[byte] = std::uint8_t(w);
  if (shift + b > 8) p[byte + 1] = std::uint8_t(w >> 8);
}
inline unsigned get_bits(const std::uint8_t* p, std::size_t i, int b) {
  const std::size_t bit = i * std::size_t(b);
  const std::size_t byte = bit / 8;
  const int shift = int(bit % 8);
  const unsigned v = unsigned(p[byte]) | (shift + b > 8 ? unsigned(p[byte + 1]) << 8 : 0u);
  return (v >> shift) & ((1u << b) - 1);
}
/// One TQ1_0 byte from five trit codes, c[0] first (spec §5).
inline std::uint8_t trit_byte(const std::uint8_t* c) {
  const unsigned q = (((c[0] * 3u + c[1]) * 3u + c[2]) * 3u + c[3]) * 3u + c[4];
  return std::uint8_t((q * 256 + 242) / 243);
}
constexpr std::uint8_t trit_code(std::uint8_t b, int n) {
  return std::uint8_t((unsigned(std::uint8_t(b * pow3[n])) * 3u) >> 8);
}
}  // namespace detail

namespace detail {
inline std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian x86-64 / AArch64: byte k at bits 8k
}
inline void store64(std::uint8_t* p, std::uint64_t v) { std::memcpy(p, &v, 8); }

/// Unpacking tables, one entry per byte value: the 8 one-bit codes, the 4 two-bit codes, the 5 trit
/// codes of that byte, as bytes (little-endian words).
struct unpack_tables {
  std::uint64_t bit1[256];
  std::uint32_t bit2[256];
  std::uint64_t trit[256];
  constexpr unpack_tables() : bit1(), bit2(), trit() {
    for (unsigned b = 0; b < 256; ++b) {
      for (unsigned k = 0; k < 8; ++k) bit1[b] |= std::uint64_t((b >> k) & 1) << (8 * k);
      for (unsigned k = 0; k < 4; ++k) bit2[b] |= std::uint32_t((b >> (2 * k)) & 3) << (8 * k);
      for (int k = 0; k < 5; ++k) trit[b] |= std::uint64_t(trit_code(std::uint8_t(b), k)) << (8 * k);
    }
  }
};
inline constexpr unpack_tables unpack_table{};
}  // namespace detail

/// Packs codes (one per element, in the low bits) into bytes; out must hold packing<T>::bytes_for(n).
/// The whole-word loops below read 8 codes at a time; the bytes they write are this header's layout.
template <class T>
void pack_codes(const std::uint8_t* codes, std::size_t n, std::uint8_t* out) {
  using P = packing<T>;
  if constexpr (P::base3) {
    const std::size_t whole = n / 5;
    for (std::size_t j = 0; j < whole; ++j) out[j] = detail::trit_byte(codes + 5 * j);
    if (n % 5) {
      std::uint8_t last[5] = {0, 0, 0, 0, 0};
      for (std::size_t k = 0; k < n % 5; ++k) last[k] = codes[5 * whole + k];
      out[whole] = detail::trit_byte(last);
    }
  } else if constexpr (P::bits == 4) {
    for (std::size_t j = 0; j < n / 8; ++j) {  // 8 codes → 4 bytes, in a word (a byte loop runs scalar)
      std::uint64_t w = detail::load64(codes + 8 * j) & 0x0F0F0F0F0F0F0F0Fu;
      w |= w >> 4;  // byte 2k: code 2k | code 2k + 1 << 4
      w &= 0x00FF00FF00FF00FFu;
      w |= w >> 8;  // bytes 0, 1 and 4, 5
      w &= 0x0000FFFF0000FFFFu;
      w |= w >> 16;  // bytes 0 … 3
      const std::uint32_t v = std::uint32_t(w);
      std::memcpy(out + 4 * j, &v, 4);
    }
    for (std::size_t j = n / 8 * 4; j < n / 2; ++j)
      out[j] = std::uint8_t((codes[2 * j] & 15) | (codes[2 * j + 1] << 4));
    if (n % 2) out[n / 2] = codes[n - 1] & 15;
  } else if constexpr (P::bits == 2) {
    for (std::size_t j = 0; j < n / 8; ++j) {  // 8 codes → 2 bytes
      std::uint64_t w = detail::load64(codes + 8 * j) & 0x0303030303030303u;
      w |= w >> 6;  // byte pairs (2k, 2k+1) → 4-bit groups in byte 2k
      w &= 0x000F000F000F000Fu;
      w |= w >> 12;  // 16-bit pairs → bytes 0 and 4
      out[2 * j] = std::uint8_t(w);
      out[2 * j + 1] = std::uint8_t(w >> 32);
    }
    for (std::size_t i = n / 8 * 8; i < n; ++i) detail::put_bits(out, i, 2, codes[i]);
  } else if constexpr (P::bits == 1) {
    for (std::size_t j = 0; j < n / 8; ++j)  // byte k's low bit → bit 56 + k, then the top byte
      out[j] = std::uint8_t(((detail::load64(codes + 8 * j) & 0x0101010101010101u) * 0x0102040810204080u) >> 56);
    for (std::size_t i = n / 8 * 8; i < n; ++i) detail::put_bits(out, i, 1, codes[i]);
  } else if constexpr (P::bits == 6) {
    for (std::size_t j = 0; j < n / 8; ++j) {  // 8 codes → 6 bytes
      std::uint64_t w = detail::load64(codes + 8 * j) & 0x3F3F3F3F3F3F3F3Fu;
      w = (w & 0x00FF00FF00FF00FFu) | ((w & 0xFF00FF00FF00FF00u) >> 2);  // 12-bit pairs
      w = (w & 0x0000FFFF0000FFFFu) | ((w & 0xFFFF0000FFFF0000u) >> 4);  // 24-bit quads
      w = (w & 0x00000000FFFFFFFFu) | ((w & 0xFFFFFFFF00000000u) >> 8);  // 48 bits
      std::memcpy(out + 6 * j, &w, 6);
    }
    for (std::size_t i = n / 8 * 8; i < n; ++i) detail::put_bits(out, i, 6, codes[i]);
  } else {
    for (std::size_t i = 0; i < n; ++i) detail::put_bits(out, i, P::bits, codes[i]);
  }
}

/// Unpacks n codes from bytes (inverse of pack_codes).
template <class T>
void unpack_codes(const std::uint8_t* in, std::size_t n, std::uint8_t* codes) {
  using P = packing<T>;
  if constexpr (P::base3) {
    const std::size_t whole = n / 5;
    for (std::size_t j = 0; j < whole; ++j) std::memcpy(codes + 5 * j, &detail::unpack_table.trit[in[j]], 5);
    for (std::size_t i = 5 * whole; i < n; ++i) codes[i] = detail::trit_code(in[whole], int(i - 5 * whole));
  } else if constexpr (P::bits == 4) {
    for (std::size_t j = 0; j < n / 2; ++j) {
      codes[2 * j] = in[j] & 15;
      codes[2 * j + 1] = in[j] >> 4;
    }
    if (n % 2) codes[n - 1] = in[n / 2] & 15;
  } else if constexpr (P::bits == 2) {
    for (std::size_t j = 0; j < n / 4; ++j) std::memcpy(codes + 4 * j, &detail::unpack_table.bit2[in[j]], 4);
    for (std::size_t i = n / 4 * 4; i < n; ++i) codes[i] = std::uint8_t(detail::get_bits(in, i, 2));
  } else if constexpr (P::bits == 1) {
    for (std::size_t j = 0; j < n / 8; ++j) detail::store64(codes + 8 * j, detail::unpack_table.bit1[in[j]]);
    for (std::size_t i = n / 8 * 8; i < n; ++i) codes[i] = std::uint8_t(detail::get_bits(in, i, 1));
  } else if constexpr (P::bits == 6) {
    const std::size_t bytes = packing<T>::bytes_for(n);
    for (std::size_t j = 0; j < n / 8; ++j) {  // 6 bytes → 8 codes (an 8-byte load while in bounds)
      std::uint64_t w = 0;
      if (6 * j + 8 <= bytes)
        w = detail::load64(in + 6 * j) & 0xFFFFFFFFFFFFu;
      else
        std::memcpy(&w, in + 6 * j, 6);
      w = (w & 0x0000000000FFFFFFu) | ((w << 8) & 0x00FFFFFF00000000u);
      w = (w & 0x00000FFF00000FFFu) | ((w << 4) & 0x0FFF00000FFF0000u);
      w = (w & 0x003F003F003F003Fu) | ((w << 2) & 0x3F003F003F003F00u);
      detail::store64(codes + 8 * j, w);
    }
    for (std::size_t i = n / 8 * 8; i < n; ++i) codes[i] = std::uint8_t(detail::get_bits(in, i, 6));
  } else {
    for (std::size_t i = 0; i < n; ++i) codes[i] = std::uint8_t(detail::get_bits(in, i, P::bits));
  }
}

/// A vector of sub-byte codes stored densely (bit order: this header's comment).
template <class T>
class packed_vector {
 public:
  using value_type = T;
  packed_vector() = default;
  explicit packed_vector(std::size_t n) : n_(n), bytes_(packing<T>::bytes_for(n), std::uint8_t(0)) {}
  /// Packs a span of values.
  explicit packed_vector(std::span<const T> values) : packed_vector(values.size()) {
    pack_codes<T>(reinterpret_cast<const std::uint8_t*>(values.data()), n_, bytes_.data());
  }
  /// Wraps raw packed bytes (e.g. read from a file); throws if their number does not fit n.
  packed_vector(std::size_t n, std::vector<std::uint8_t> bytes) : n_(n), bytes_(std::move(bytes)) {
    if (bytes_.size() != packing<T>::bytes_for(n))
      throw error("packed_vector: " + std::to_string(n) + " codes need " + std::to_string(packing<T>::bytes_for(n)) +
                  " bytes, got " + std::to_string(bytes_.size()));
  }

  std::size_t size() const { return n_; }
  std::size_t bytes() const { return bytes_.size(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::uint8_t* data() { return bytes_.data(); }

  /// Element i, unchecked (i < size(): asserted in builds without NDEBUG).
  T operator[](std::size_t i) const {
    assert(i < n_ && "lowp::packed_vector: index out of range");
    if constexpr (packing<T>::base3)
      return T::from_bits(detail::trit_code(bytes_[i / 5], int(i % 5)));
    else
      return T::from_bits(typename T::storage_type(detail::get_bits(bytes_.data(), i, packing<T>::bits)));
  }
  /// Element i, checked: an index at or beyond size() is a lowp::error naming both.
  T at(std::size_t i) const {
    if (i >= n_)
      throw error("packed_vector::at: index " + std::to_string(i) + " is beyond the " + std::to_string(n_) +
                  " elements");
    return (*this)[i];
  }
  /// Sets element i (i < size(): asserted in builds without NDEBUG).
  void set(std::size_t i, T v) {
    assert(i < n_ && "lowp::packed_vector: index out of range");
    if constexpr (packing<T>::base3) {
      std::uint8_t c[5];
      const std::size_t j = i / 5;
      for (int k = 0; k < 5; ++k) c[k] = j * 5 + std::size_t(k) < n_ ? detail::trit_code(bytes_[j], k) : 0;
      c[i % 5] = v.bits();
      bytes_[j] = detail::trit_byte(c);
    } else {
      detail::put_bits(bytes_.data(), i, packing<T>::bits, v.bits());
    }
  }
  /// All values, unpacked.
  void unpack(std::span<T> out) const {
    if (out.size() != n_)
      throw error("packed_vector::unpack: " + std::to_string(n_) + " codes into " + std::to_string(out.size()));
    unpack_codes<T>(bytes_.data(), n_, reinterpret_cast<std::uint8_t*>(out.data()));
  }

 private:
  std::size_t n_ = 0;
  std::vector<std::uint8_t> bytes_;
};

/// A row-major matrix of packed codes: each row starts on a byte boundary (row_bytes apart).
template <class T>
class packed_matrix_view {
 public:
  packed_matrix_view(std::uint8_t* data, std::size_t rows, std::size_t cols)
      : data_(data), rows_(rows), cols_(cols), row_bytes_(packing<T>::bytes_for(cols)) {}
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t row_bytes() const { return row_bytes_; }
  std::uint8_t* row(std::size_t r) const { return data_ + r * row_bytes_; }
  T operator()(std::size_t r, std::size_t c) const {
    if constexpr (packing<T>::base3)
      return T::from_bits(detail::trit_code(row(r)[c / 5], int(c % 5)));
    else
      return T::from_bits(typename T::storage_type(detail::get_bits(row(r), c, packing<T>::bits)));
  }

 private:
  std::uint8_t* data_;
  std::size_t rows_, cols_, row_bytes_;
};

}  // namespace lowp
