// lowp/io/npy.hpp: NumPy's .npy files, read and written (format versions 1.0, 2.0 and 3.0).
//
//   lowp::io::npy_array a = lowp::io::read_npy("w.npy");   // any dtype NumPy writes that lowp holds
//   lowp::matrix<float> w = a.view().to_float();
//   lowp::io::write_npy("y.npy", y);                        // an Eigen matrix, its scalar's dtype
//
// The format (NumPy's "NEP 1", numpy/lib/format.py): the magic "\x93NUMPY", a major and minor
// version byte, the header length (uint16 little-endian in 1.0, uint32 in 2.0 and 3.0), then the
// header, a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } in ASCII
// (UTF-8 in 3.0), padded with spaces and ended by '\n' so the data starts at a multiple of 64
// (16 in files of old NumPy versions: both read). The data follows, row-major or column-major
// ('fortran_order') in the byte order of 'descr'.
//
// Read: descr '<' / '>' / '|' / '=' with b1 (bool), i1 i2 i4 i8, u1 u2 u4 u8, f2 f4 f8 (every one
// of them NumPy writes for those types; '=' means the writer's native order, taken as little-endian
// as NumPy writes it explicitly); anything else (structured, complex, object, strings, datetime)
// is a lowp::error naming the descr. Data is returned row-major and little-endian: Fortran-order
// arrays are transposed, big-endian ones swapped. Write: C order, little-endian, version 1.0 (2.0
// when the header needs more than 65535 bytes), the header NumPy itself would write for the dtypes
// above; types NumPy has no dtype for (bfloat16, FP8, FP6, FP4) are refused with a lowp::error
// (convert to float first, or store them in safetensors).
#pragma once
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lowp/io/file.hpp"
#include "lowp/io/tensor.hpp"

namespace lowp::io {

/// A .npy array read into memory: row-major, little-endian (whatever the file's order was).
struct npy_array {
  io::dtype type = dtype::f32;
  std::vector<std::int64_t> shape;
  std::vector<std::byte> data;
  /// A view of the array (valid while this object lives), to map or decode it.
  tensor_view view() const { return tensor_view{"", type, shape, data}; }
};

namespace detail {

/// NumPy's dtype letter + size for a lowp dtype, or empty when NumPy has no such dtype.
inline std::string_view npy_descr(dtype t) {
  switch (t) {
    case dtype::boolean:
      return "|b1";
    case dtype::u8:
      return "|u1";
    case dtype::i8:
      return "|i1";
    case dtype::u16:
      return "<u2";
    case dtype::i16:
      return "<i2";
    case dtype::u32:
      return "<u4";
    case dtype::i32:
      return "<i4";
    case dtype::u64:
      return "<u8";
    case dtype::i64:
      return "<i8";
    case dtype::f16:
      return "<f2";
    case dtype::f32:
      return "<f4";
    case dtype::f64:
      return "<f8";
    default:
      return {};
  }
}

/// The strict parser of the header's dict literal (only what NumPy writes: string keys, string,
/// True / False and tuple-of-integer values, spaces between tokens).
class npy_header_parser {
 public:
  npy_header_parser(std::string_view s, std::uint64_t base, std::string_view file) : s_(s), base_(base), file_(file) {}

  [[noreturn]] void fail(std::string_view what) const { throw file_error("npy", file_, base_ + i_, what); }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool accept(char c) {
    space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("header: expected '") + c + "'");
  }
  std::string string() {
    space();
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) fail("header: expected a quoted string");
    const char q = s_[i_++];
    const std::size_t b = i_;
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\') fail("header: escapes in strings are not part of a .npy header");
      ++i_;
    }
    if (i_ >= s_.size()) fail("header: unterminated string");
    return std::string(s_.substr(b, i_++ - b));
  }
  bool boolean() {
    space();
    if (s_.substr(i_, 4) == "True") return i_ += 4, true;
    if (s_.substr(i_, 5) == "False") return i_ += 5, false;
    fail("header: 'fortran_order' must be True or False");
  }
  std::vector<std::int64_t> shape() {
    expect('(');
    std::vector<std::int64_t> dims;
    while (!accept(')')) {
      space();
      std::int64_t v = 0;
      const auto r = std::from_chars(s_.data() + i_, s_.data() + s_.size(), v);
      if (r.ec != std::errc{} || v < 0) fail("header: a dimension must be a non-negative integer below 2^63");
      i_ = std::size_t(r.ptr - s_.data());
      if (s_.substr(i_, 1) == "L") ++i_;  // Python 2's long suffix
      dims.push_back(v);
      if (dims.size() > 64) fail("header: more than 64 dimensions");
      if (!accept(',')) {
        expect(')');
        if (dims.size() == 1) fail("header: a one-element tuple needs a trailing comma");
        break;
      }
    }
    return dims;
  }
  bool at_end() {
    space();
    return i_ == s_.size();
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
  std::uint64_t base_;
  std::string_view file_;
};

inline npy_array parse_npy(std::span<const std::byte> bytes, std::string_view file) {
  byte_reader r(bytes, "npy", file);
  const auto magic = r.take(6, "the magic string");
  if (std::memcmp(magic.data(), "\x93NUMPY", 6) != 0) r.fail_at(0, "not a .npy file (no \\x93NUMPY magic)");
  const auto major = r.read<std::uint8_t>("the version");
  const auto minor = r.read<std::uint8_t>("the version");
  if (major < 1 || major > 3 || minor != 0)
    r.fail_at(6, "unknown format version " + std::to_string(major) + "." + std::to_string(minor) +
                     " (1.0, 2.0 and 3.0 are defined)");
  const std::uint64_t hlen =
      major == 1 ? r.read<std::uint16_t>("the header length") : r.read<std::uint32_t>("the header length");
  const std::uint64_t hbase = r.offset();
  const auto hb = r.take(hlen, "the header");
  const std::string_view h(reinterpret_cast<const char*>(hb.data()), hb.size());
  for (std::size_t i = 0; i < h.size(); ++i) {
    const auto c = static_cast<unsigned char>(h[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || (major < 3 && c >= 0x80))
      r.fail_at(hbase + i, "header: byte " + std::to_string(c) + " is not printable ASCII");
  }
  if (h.empty() || h.back() != '\n') r.fail_at(hbase + hlen, "header: must end with a newline");

  npy_header_parser p(h.substr(0, h.size() - 1), hbase, file);
  std::optional<std::string> descr;
  std::optional<bool> fortran;
  std::optional<std::vector<std::int64_t>> shape;
  p.expect('{');
  while (!p.accept('}')) {
    const std::string key = p.string();
    p.expect(':');
    if (key == "descr") {
      if (descr) p.fail("header: 'descr' given twice");
      p.space();
      if (p.accept('[')) p.fail("header: structured dtypes (a list descr) are not supported");
      descr = p.string();
    } else if (key == "fortran_order") {
      if (fortran) p.fail("header: 'fortran_order' given twice");
      fortran = p.boolean();
    } else if (key == "shape") {
      if (shape) p.fail("header: 'shape' given twice");
      shape = p.shape();
    } else {
      p.fail("header: unknown key '" + key + "' (descr, fortran_order and shape are defined)");
    }
    if (!p.accept(',')) {
      p.expect('}');
      break;
    }
  }
  if (!p.at_end()) p.fail("header: text after the dict");
  if (!descr || !fortran || !shape) r.fail_at(hbase, "header: needs 'descr', 'fortran_order' and 'shape'");

  // descr: byte order + kind + size (numpy/lib/format.py writes dtype.str)
  const std::string& d = *descr;
  bool big = false;
  std::optional<dtype> t;
  if (d.size() == 3 && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) {
    big = d[0] == '>';
    const std::string_view ks = std::string_view(d).substr(1);
    static constexpr std::pair<std::string_view, dtype> kinds[] = {
        {"b1", dtype::boolean}, {"i1", dtype::i8},  {"u1", dtype::u8},  {"i2", dtype::i16},
        {"u2", dtype::u16},     {"i4", dtype::i32}, {"u4", dtype::u32}, {"i8", dtype::i64},
        {"u8", dtype::u64},     {"f2", dtype::f16}, {"f4", dtype::f32}, {"f8", dtype::f64}};
    for (const auto& [k, v] : kinds)
      if (ks == k) t = v;
  }
  if (!t) r.fail_at(hbase, "dtype '" + d + "' is not one lowp reads (bool, 8-64-bit integers, float16/32/64)");

  if (!shape_fits(*shape)) r.fail_at(hbase, "header: the shape's dimensions overflow an index");
  npy_array a;
  a.type = *t;
  a.shape = *shape;
  std::uint64_t n = 1;
  for (auto dim : a.shape)
    if (detail::mul_overflows(n, std::uint64_t(dim), n))
      r.fail_at(hbase, "header: the shape's element count overflows");
  const std::uint64_t width = bits(a.type) / 8;
  std::uint64_t nbytes = 0;
  if (detail::mul_overflows(n, width, nbytes)) r.fail_at(hbase, "header: the data size overflows");
  if (r.remaining() != nbytes)
    r.fail("the shape and dtype need " + std::to_string(nbytes) + " data bytes, the file has " +
           std::to_string(r.remaining()));
  const auto src = r.take(nbytes, "the data");
  if (a.type == dtype::boolean)
    for (std::size_t i = 0; i < src.size(); ++i)
      if (src[i] != std::byte{0} && src[i] != std::byte{1})
        r.fail_at(r.offset() - nbytes + i, "a bool element is neither 0 nor 1");
  a.data.assign(src.begin(), src.end());
  if (big) swap_bytes(a.data.data(), std::size_t(n), std::size_t(width));
  if (*fortran && a.shape.size() > 1 && n > 0) {
    // column-major → row-major: element (i0, ..., ik) sits at Σ i_j · stride_j with stride_0 = 1
    std::vector<std::byte> c(a.data.size());
    const std::size_t rank = a.shape.size();
    std::vector<std::uint64_t> idx(rank, 0), fstride(rank, 1);
    for (std::size_t j = 1; j < rank; ++j) fstride[j] = fstride[j - 1] * std::uint64_t(a.shape[j - 1]);
    for (std::uint64_t e = 0; e < n; ++e) {  // e: row-major index; idx: its coordinates
      std::uint64_t f = 0;
      for (std::size_t j = 0; j < rank; ++j) f += idx[j] * fstride[j];
      std::memcpy(c.data() + e * width, a.data.data() + f * width, std::size_t(width));
      for (std::size_t j = rank; j-- > 0;) {
        if (++idx[j] < std::uint64_t(a.shape[j])) break;
        idx[j] = 0;
      }
    }
    a.data = std::move(c);
  }
  return a;
}

/// The header NumPy writes for dtype t and this shape, padded so the data starts at a multiple of 64.
inline std::string npy_preamble(dtype t, std::span<const std::int64_t> shape) {
  const std::string_view descr = npy_descr(t);
  if (descr.empty())
    throw error("io::write_npy: NumPy has no dtype for " + std::string(name(t)) +
                " (convert to float first, or write safetensors)");
  std::string dict = "{'descr': '";  // (appended piece by piece: g++ 12's -Wrestrict misfires on a + b + c here)
  dict += descr;
  dict += "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) throw error("io::write_npy: dimension " + std::to_string(i) + " is negative");
    dict += std::to_string(shape[i]);
    if (i + 1 < shape.size() || shape.size() == 1) dict += ",";
    if (i + 1 < shape.size()) dict += " ";
  }
  dict += "), }";
  // version 1.0 holds a header of up to 65535 bytes (uint16 length), 2.0 more (uint32)
  std::size_t lenbytes = 2;
  auto padded = [&](std::size_t lb) { return (6 + 2 + lb + dict.size() + 1 + 63) / 64 * 64 - (6 + 2 + lb); };
  if (padded(2) > 65535) lenbytes = 4;
  const std::size_t hl = padded(lenbytes);
  dict.append(hl - dict.size() - 1, ' ');
  dict += '\n';
  std::string out("\x93NUMPY", 6);
  out += char(lenbytes == 2 ? 1 : 2);
  out += char(0);
  for (std::size_t i = 0; i < lenbytes; ++i) out += char((hl >> (8 * i)) & 0xff);
  return out + dict;
}

}  // namespace detail

/// Reads a .npy file (strictly validated; a malformed file is a lowp::error naming the file and the
/// byte offset).
inline npy_array read_npy(const std::filesystem::path& path) {
  const mapped_file f(path);
  return detail::parse_npy(f.bytes(), f.name());
}
/// The same from bytes in memory.
inline npy_array read_npy(std::span<const std::byte> bytes, std::string_view name = "<memory>") {
  return detail::parse_npy(bytes, name);
}

/// Writes elements (little-endian, row-major, packed as a tensor_view holds them) as a .npy file.
inline void write_npy(const std::filesystem::path& path, const tensor_view& t) {
  const std::string pre = detail::npy_preamble(t.type, t.shape);
  std::uint64_t n = 1;
  for (auto d : t.shape)
    if (d < 0 || detail::mul_overflows(n, std::uint64_t(d), n)) throw error("io::write_npy: bad shape");
  if (storage_bytes(t.type, n) != t.bytes.size())
    throw error("io::write_npy: the shape needs " + std::to_string(storage_bytes(t.type, n)) + " bytes, the data has " +
                std::to_string(t.bytes.size()));
  file_writer w(path);
  w.write(pre);
  w.write(t.bytes);
  w.commit();
}

/// Writes an Eigen matrix or expression as a 2-D .npy array of its scalar's dtype (rows × cols,
/// row-major whatever the matrix's storage order).
template <class Derived>
void write_npy(const std::filesystem::path& path, const Eigen::DenseBase<Derived>& m) {
  using T = typename Derived::Scalar;
  constexpr dtype t = dtype_of<T>();
  static_assert(bits(t) >= 8, "lowp::io::write_npy: NumPy has no dtype for sub-byte codes");
  const matrix<T> rm = m.derived();  // row-major, evaluated
  const std::vector<std::byte> b = detail::stored_bytes(rm);
  write_npy(path, tensor_view{"", t, {std::int64_t(rm.rows()), std::int64_t(rm.cols())}, b});
}

}  // namespace lowp::io
