// lowp/io/model.hpp: whole models. What each weight of a GGUF or safetensors file loses under each
// of lowp's schemes, the optimal scheme per tensor under a size budget, and the re-quantized model
// written out (GGUF that llama.cpp loads, or safetensors in lowp's versioned schema).
//
//   lowp::io::model_file m("model.gguf");                       // or .safetensors
//   lowp::io::model_report r = lowp::io::explore(m);            // every 2-D weight × every scheme
//   lowp::io::model_allocation a = lowp::io::allocate(r, 4.5);  // ≤ 4.5 bits per weight, optimal
//   lowp::io::write_requantized(m, a, "model-4.5.gguf");        // one tensor in memory at a time
//
// The schemes (model_schemes()) have fixed names — "int4 g128", "q4_0", "mxfp4", "nvfp4", ... —
// used in reports, on the command line (tools/lowp-explore) and in the files lowp writes.
// Sensitivity: llama.cpp importance matrices (read_imatrix: its GGUF format and the older binary
// one) weight each column's squared error by the mean squared activation of that input; a
// Hessian-trace file (read_hessian_traces) weights each tensor as HAWQ-V3 does. docs/model.md has
// the error model, the schema and the workflow.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "lowp/io/gguf.hpp"
#include "lowp/io/safetensors.hpp"
#include "lowp/quant/allocation.hpp"
#include "lowp/quant/gguf.hpp"
#include "lowp/quant/mx.hpp"
#include "lowp/quant/tritplane.hpp"
#include "lowp/quant/uniform.hpp"

namespace lowp::io {

// ---------------------------------------------------------------------------------------------
// schemes

/// One stored piece of a quantized tensor in lowp's safetensors schema: the tensor's own name plus
/// `suffix` ("" for the codes, ".scales", ".zero_points", ...).
struct tensor_part {
  std::string suffix;
  dtype type = dtype::u8;
  std::vector<std::int64_t> shape;
};

/// A tensor quantized by a model_scheme: its stored bits and, on demand, its values and bytes.
struct encoded_tensor {
  std::uint64_t bits = 0;
  std::function<matrix<float>()> values;                            // dequantized
  std::function<std::vector<std::byte>()> ggml_bytes;               // llama.cpp's bytes (if any)
  std::function<std::vector<std::vector<std::byte>>()> part_bytes;  // one per layout() part
};

/// Where a decoder finds the parts of one tensor.
using part_lookup = std::function<const tensor_view&(const std::string& suffix)>;

/// A scheme a model's weights can be stored in, under a fixed name.
struct model_scheme {
  std::string name;               // "int4 g128", "q4_0", ... (stable: files name it)
  std::string family;             // plain, integer, minifloat, mx, nvfp4, llama.cpp, ternary
  std::optional<ggml_type> ggml;  // the GGUF type holding it, if llama.cpp has one
  bool uses_importance = false;   // quantizes differently under an importance matrix (q4_0)
  /// Quantizes x (throws lowp::error if the scheme cannot take it); `importance` per column (or
  /// k · cols for k stacked experts) steers the schemes that use one, as llama.cpp's quantizers do.
  std::function<encoded_tensor(const matrix<float>&, std::span<const float>)> encoder;
  std::function<std::vector<tensor_part>(std::size_t rows, std::size_t cols)> layout;
  std::function<matrix<float>(const part_lookup&, std::size_t rows, std::size_t cols)> decode;

  encoded_tensor encode(const matrix<float>& x, std::span<const float> importance = {}) const {
    return encoder(x, importance);
  }
};

namespace detail {

inline std::vector<std::byte> copy_bytes(const void* p, std::size_t n) {
  std::vector<std::byte> b(n);
  if (n) std::memcpy(b.data(), p, n);
  return b;
}
template <class T>
std::vector<std::byte> vector_bytes(const std::vector<T>& v) {
  matrix<T> m(1, Eigen::Index(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) m(0, Eigen::Index(i)) = v[i];
  return stored_bytes(m);
}
/// The bytes of part `suffix`, checked against the size the layout needs.
inline std::span<const std::byte> part_of(const part_lookup& get, const std::string& suffix, dtype t,
                                          std::size_t bytes) {
  const tensor_view& v = get(suffix);
  if (v.type != t || v.bytes.size() != bytes)
    throw error("io: quantized tensor part '" + v.name + "' is " + std::string(name(v.type)) + " of " +
                std::to_string(v.bytes.size()) + " bytes; its scheme stores " + std::string(name(t)) + " of " +
                std::to_string(bytes));
  return v.bytes;
}
template <class T>
std::vector<T> part_values(const part_lookup& get, const std::string& suffix, std::size_t n) {
  const tensor_view& v = get(suffix);
  constexpr dtype t = dtype_of<T>();
  if (v.type != t || std::size_t(v.elements()) != n)
    throw error("io: quantized tensor part '" + v.name + "' is " + std::string(name(v.type)) + " of " +
                std::to_string(v.elements()) + " elements; its scheme stores " + std::string(name(t)) + " of " +
                std::to_string(n));
  const matrix<T> m = v.to<T>();
  return std::vector<T>(m.data(), m.data() + m.size());
}
inline std::int64_t i64(std::size_t v) { return std::int64_t(v); }

/// uniform<T, S>: codes (U8, rows × row bytes), scales (S), zero points (T's codes as U8) when the
/// rule is asymmetric, and the matrix's scale exponent (I32, one value).
template <class T, class S = float>
model_scheme uniform_scheme(std::string name, std::string family, granularity g, scale_rule rule = scale::absmax{}) {
  using Q = quantized<uniform<T, S>>;
  model_scheme m;
  m.name = std::move(name);
  m.family = std::move(family);
  m.layout = [g, rule](std::size_t rows, std::size_t cols) {
    const std::size_t n = g.tiles_down(rows) * g.tiles_across(cols);
    std::vector<tensor_part> p{{"", dtype::u8, {i64(rows), i64(::lowp::detail::row_bytes_of<T>(cols))}},
                               {".scales", dtype_of<S>(), {i64(n)}},
                               {".scale_exponent", dtype::i32, {1}}};
    if (!rule.symmetric()) p.push_back({".zero_points", dtype::u8, {i64(n)}});
    return p;
  };
  m.encoder = [g, rule](const matrix<float>& x, std::span<const float>) {
    auto q = std::make_shared<Q>(quantize<T, S>(x, g, rule));
    encoded_tensor e;
    e.bits = 8 * std::uint64_t(q->bytes());
    e.values = [q] { return matrix<float>(dequantize(*q)); };
    e.part_bytes = [q] {
      std::vector<std::vector<std::byte>> b;
      b.push_back(copy_bytes(q->row_codes(0), q->rows() * q->row_bytes()));
      b.push_back(vector_bytes(q->scales()));
      b.push_back(vector_bytes(std::vector<std::int32_t>{q->scale_exponent()}));
      if (!q->zero_points().empty()) {
        std::vector<std::uint8_t> z;
        for (const T& v : q->zero_points()) z.push_back(std::uint8_t(v.bits()));
        b.push_back(vector_bytes(z));
      }
      return b;
    };
    return e;
  };
  m.decode = [g, rule](const part_lookup& get, std::size_t rows, std::size_t cols) {
    Q q(rows, cols, uniform<T, S>{g, rule});
    const auto codes = part_of(get, "", dtype::u8, rows * q.row_bytes());
    if (!codes.empty()) std::memcpy(q.row_codes(0), codes.data(), codes.size());
    q.scales() = part_values<S>(get, ".scales", q.scales().size());
    q.set_scale_exponent(part_values<std::int32_t>(get, ".scale_exponent", 1)[0]);
    if (!rule.symmetric()) {
      const auto z = part_values<std::uint8_t>(get, ".zero_points", q.zero_points().size());
      for (std::size_t i = 0; i < z.size(); ++i) {
        if (T::bit_width < 8 && (z[i] >> (T::bit_width % 8)) != 0)
          throw error("io: zero point " + std::to_string(i) + " of a " + format_name<T>() + " tensor is " +
                      std::to_string(z[i]) + ", not a " + std::to_string(T::bit_width) + "-bit code");
        q.zero_points()[i] = T::from_bits(typename T::storage_type(z[i]));
      }
    }
    return matrix<float>(dequantize(q));
  };
  return m;
}

/// Block-scaled schemes (MX, NVFP4): codes (U8) and block scales (E8M0 / E4M3); NVFP4 adds its
/// tensor scale as a float significand and an exponent (spec §3).
template <class Scheme>
model_scheme block_scheme(std::string name, std::string family, Scheme s) {
  using Q = quantized<Scheme>;
  using Elem = typename Q::element_type;
  using ScaleT = typename std::remove_cvref_t<decltype(std::declval<Q>().scales())>::value_type;
  constexpr bool nv = std::is_same_v<Scheme, nvfp4>;
  model_scheme m;
  m.name = std::move(name);
  m.family = std::move(family);
  if constexpr (std::is_same_v<Scheme, mxfp4>) m.ggml = ggml_type::mxfp4;
  m.layout = [s](std::size_t rows, std::size_t cols) {
    std::vector<tensor_part> p{{"", dtype::u8, {i64(rows), i64(::lowp::detail::row_bytes_of<Elem>(cols))}},
                               {".scales", dtype_of<ScaleT>(), {i64(rows), i64((cols + s.block - 1) / s.block)}}};
    if constexpr (nv) {
      p.push_back({".tensor_scale", dtype::f32, {1}});
      p.push_back({".scale_exponent", dtype::i32, {1}});
    }
    return p;
  };
  m.encoder = [s](const matrix<float>& x, std::span<const float>) {
    auto q = std::make_shared<Q>(quantize(x, s));
    encoded_tensor e;
    e.bits = 8 * std::uint64_t(q->bytes());
    e.values = [q] { return matrix<float>(dequantize(*q)); };
    if constexpr (std::is_same_v<Scheme, mxfp4>) e.ggml_bytes = [q] { return gguf_writer::ggml_bytes(*q); };
    e.part_bytes = [q] {
      std::vector<std::vector<std::byte>> b;
      b.push_back(copy_bytes(q->storage().codes.data(), q->storage().codes.size()));
      b.push_back(vector_bytes(q->storage().scales));
      if constexpr (nv) {
        b.push_back(vector_bytes(std::vector<float>{q->encode_scale_significand()}));
        b.push_back(vector_bytes(std::vector<std::int32_t>{q->scale_exponent()}));
      }
      return b;
    };
    return e;
  };
  m.decode = [s](const part_lookup& get, std::size_t rows, std::size_t cols) {
    Q q(rows, cols, s);
    auto& st = q.storage();
    const auto codes = part_of(get, "", dtype::u8, st.codes.size());
    if (!codes.empty()) std::memcpy(st.codes.data(), codes.data(), codes.size());
    st.scales = part_values<ScaleT>(get, ".scales", st.scales.size());
    if constexpr (nv)
      q.set_encode_scale(part_values<float>(get, ".tensor_scale", 1)[0],
                         part_values<std::int32_t>(get, ".scale_exponent", 1)[0]);
    return matrix<float>(dequantize(q));
  };
  return m;
}

/// llama.cpp's block schemes: one U8 part holding llama.cpp's blocks (the GGUF bytes).
template <class Scheme>
model_scheme gguf_block_scheme() {
  using Q = quantized<Scheme>;
  model_scheme m;
  m.name = Scheme{}.name();
  m.family = "llama.cpp";
  m.ggml = gguf_writer::ggml_type_for_scheme<Scheme>();
  m.layout = [](std::size_t rows, std::size_t cols) {
    return std::vector<tensor_part>{{"", dtype::u8, {i64(rows), i64(cols / Scheme::block * Scheme::block_bytes)}}};
  };
  m.uses_importance = std::is_same_v<Scheme, q4_0>;
  m.encoder = [](const matrix<float>& x, [[maybe_unused]] std::span<const float> importance) {
    std::shared_ptr<Q> q;
    if constexpr (std::is_same_v<Scheme, q4_0>)  // llama.cpp's imatrix quantizer (quant/gguf.hpp)
      q = std::make_shared<Q>(quantize(x, Scheme{}, importance));
    else  // llama.cpp's Q8_0, TQ1_0, TQ2_0 quantizers take no importance
      q = std::make_shared<Q>(quantize(x, Scheme{}));
    encoded_tensor e;
    e.bits = 8 * std::uint64_t(q->bytes());
    e.values = [q] { return matrix<float>(dequantize(*q)); };
    e.ggml_bytes = [q] { return gguf_writer::ggml_bytes(*q); };
    e.part_bytes = [q] { return std::vector<std::vector<std::byte>>{gguf_writer::ggml_bytes(*q)}; };
    return e;
  };
  m.decode = [](const part_lookup& get, std::size_t rows, std::size_t cols) {
    const auto raw = part_of(get, "", dtype::u8, rows * (cols / Scheme::block) * Scheme::block_bytes);
    return matrix<float>(
        dequantize(Q::from_raw(rows, cols, std::span(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()))));
  };
  return m;
}

/// Trit-plane: two planes of packed trits (U8) and two float scales per group (F32).
inline model_scheme tritplane_scheme(std::size_t group) {
  using Q = quantized<tritplane>;
  model_scheme m;
  m.name = tritplane{group}.name();
  m.family = "ternary";
  m.layout = [group](std::size_t rows, std::size_t cols) {
    const auto rb = i64(packing<trit>::bytes_for(cols));
    return std::vector<tensor_part>{{"", dtype::u8, {i64(rows), rb}},
                                    {".plane2", dtype::u8, {i64(rows), rb}},
                                    {".alpha", dtype::f32, {i64(rows), i64(2 * ((cols + group - 1) / group))}}};
  };
  m.encoder = [group](const matrix<float>& x, std::span<const float>) {
    auto q = std::make_shared<Q>(quantize(x, tritplane{group}));
    encoded_tensor e;
    e.bits = 8 * std::uint64_t(q->bytes());
    e.values = [q] { return matrix<float>(dequantize(*q)); };
    e.part_bytes = [q] {
      const std::size_t n = q->rows() * q->row_bytes(), a = 2 * q->rows() * q->groups_per_row();
      std::vector<float> alpha(q->alpha(0, 0), q->alpha(0, 0) + a);
      return std::vector<std::vector<std::byte>>{copy_bytes(q->plane(0, 0), n), copy_bytes(q->plane(1, 0), n),
                                                 vector_bytes(alpha)};
    };
    return e;
  };
  m.decode = [group](const part_lookup& get, std::size_t rows, std::size_t cols) {
    Q q(rows, cols, tritplane{group});
    const std::size_t n = rows * q.row_bytes();
    for (int k = 0; k < 2; ++k) {
      const auto b = part_of(get, k == 0 ? "" : ".plane2", dtype::u8, n);
      if (n) std::memcpy(q.plane(k, 0), b.data(), n);
    }
    const auto a = part_values<float>(get, ".alpha", 2 * rows * q.groups_per_row());
    if (!a.empty()) std::memcpy(q.alpha(0, 0), a.data(), a.size() * sizeof(float));
    return matrix<float>(dequantize(q));
  };
  return m;
}

/// Plain storage: float32, float16, bfloat16 (nearest even).
template <class T>
model_scheme plain_scheme(std::string name) {
  model_scheme m;
  m.name = std::move(name);
  m.family = "plain";
  m.ggml = ggml_type_of(dtype_of<T>());
  m.layout = [](std::size_t rows, std::size_t cols) {
    return std::vector<tensor_part>{{"", dtype_of<T>(), {i64(rows), i64(cols)}}};
  };
  m.encoder = [](const matrix<float>& x, std::span<const float>) {
    auto q = std::make_shared<matrix<T>>(x.template cast<T>());
    encoded_tensor e;
    e.bits = 8 * sizeof(T) * std::uint64_t(x.size());
    e.values = [q] { return matrix<float>(q->template cast<float>()); };
    e.ggml_bytes = [q] { return stored_bytes(*q); };
    e.part_bytes = [q] { return std::vector<std::vector<std::byte>>{stored_bytes(*q)}; };
    return e;
  };
  m.decode = [](const part_lookup& get, std::size_t rows, std::size_t cols) {
    const tensor_view& v = get("");
    if (v.type != dtype_of<T>() || std::size_t(v.elements()) != rows * cols)
      throw error("io: tensor '" + v.name + "' is not " + std::string(io::name(dtype_of<T>())) + " of " +
                  std::to_string(rows * cols) + " elements");
    return matrix<float>(v.to_float().reshaped<Eigen::RowMajor>(Eigen::Index(rows), Eigen::Index(cols)));
  };
  return m;
}

}  // namespace detail

/// Every scheme the model explorer tries, in report order (higher precision first).
inline const std::vector<model_scheme>& model_schemes() {
  static const std::vector<model_scheme> all = [] {
    using namespace detail;
    std::vector<model_scheme> s;
    s.push_back(plain_scheme<float>("f32"));
    s.push_back(plain_scheme<bfloat16>("bf16"));
    s.push_back(plain_scheme<float16>("f16"));
    s.push_back(uniform_scheme<int8>("int8", "integer", per_channel{}));
    s.push_back(gguf_block_scheme<q8_0>());
    s.push_back(block_scheme("mxint8", "mx", mxint8{}));
    s.push_back(block_scheme("mxfp8_e4m3", "mx", mxfp8_e4m3{}));
    s.push_back(uniform_scheme<float8_e4m3fn>("float8_e4m3fn", "minifloat", per_channel{}));
    s.push_back(uniform_scheme<float8_e5m2>("float8_e5m2", "minifloat", per_channel{}));
    s.push_back(block_scheme("mxfp6_e2m3", "mx", mxfp6_e2m3{}));
    s.push_back(block_scheme("mxfp6_e3m2", "mx", mxfp6_e3m2{}));
    s.push_back(uniform_scheme<int4>("int4 g32", "integer", per_group{32}));
    s.push_back(uniform_scheme<uint4>("uint4 g32 asym", "integer", per_group{32}, scale::asymmetric{}));
    s.push_back(gguf_block_scheme<q4_0>());
    s.push_back(block_scheme("nvfp4", "nvfp4", nvfp4{}));
    s.push_back(block_scheme("mxfp4", "mx", mxfp4{}));
    s.push_back(uniform_scheme<int4>("int4 g128", "integer", per_group{128}));
    s.push_back(uniform_scheme<int4>("int4", "integer", per_channel{}));
    s.push_back(uniform_scheme<int4>("int4 mse", "integer", per_channel{}, scale::mse{}));
    s.push_back(tritplane_scheme(64));
    s.push_back(uniform_scheme<int2>("int2 g32", "integer", per_group{32}));
    s.push_back(gguf_block_scheme<tq2_0>());
    s.push_back(gguf_block_scheme<tq1_0>());
    s.push_back(uniform_scheme<trit>("trit absmean", "ternary", per_channel{}, scale::absmean{}));
    return s;
  }();
  return all;
}

/// The scheme of this name, or lowp::error listing the names.
inline const model_scheme& model_scheme_named(std::string_view name) {
  for (const auto& s : model_schemes())
    if (s.name == name) return s;
  std::string all;
  for (const auto& s : model_schemes()) all += (all.empty() ? "" : ", ") + s.name;
  throw error("io: no model scheme '" + std::string(name) + "' (schemes: " + all + ")");
}

// ---------------------------------------------------------------------------------------------
// sensitivity files

/// Per-tensor sensitivity: per-column importance from a llama.cpp importance matrix (the mean
/// squared activation of each input column; experts of a merged MoE tensor one after another), and
/// per-tensor Hessian traces.
struct sensitivity {
  std::map<std::string, std::vector<float>, std::less<>> columns;
  std::map<std::string, double, std::less<>> traces;
  std::vector<std::string> datasets;  // what the imatrix was computed on
  std::uint32_t chunks = 0;
};

namespace detail {
inline bool finite_nonnegative(float v) { return std::isfinite(v) && v >= 0.f; }
}  // namespace detail

/// Reads a llama.cpp importance matrix, either format (by its first bytes):
///  - GGUF (llama-imatrix's default since 2025): tensors `<name>.in_sum2` (F32, ne = {columns,
///    matrices}) and `<name>.counts` (F32, one count per matrix); importance = in_sum2 / count, 1
///    where a matrix saw no input (llama.cpp's tools/quantize loader does the same);
///  - the older binary one: int32 entries, then per entry int32 name length, name, int32 ncall,
///    int32 nval, nval floats (sums scaled by ncall), then optionally int32 chunks and a dataset
///    name; importance = value / ncall (as llama.cpp's legacy loader).
/// Every number is checked: a negative or non-finite importance, a truncated file, a name twice are
/// a lowp::error naming the file and the place.
inline sensitivity read_imatrix(std::span<const std::byte> bytes, const std::string& file_name = "<memory>");
inline sensitivity read_imatrix(const std::filesystem::path& path) {
  const mapped_file f(path);
  return read_imatrix(f.bytes(), f.name());
}
/// The same on bytes in memory (`name` for messages).
inline sensitivity read_imatrix(std::span<const std::byte> bytes, const std::string& file_name) {
  sensitivity s;
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), "GGUF", 4) == 0) {
    const gguf_file g = gguf_file::from_bytes(bytes, file_name);
    if (const gguf_value* v = g.find_metadata("imatrix.datasets"); v && v->type() == gguf_type::array)
      for (const auto& e : v->items())
        if (e.type() == gguf_type::string) s.datasets.push_back(e.as_string());
    if (const gguf_value* v = g.find_metadata("imatrix.chunk_count"); v && v->type() == gguf_type::u32)
      s.chunks = std::uint32_t(v->bits());
    for (const gguf_tensor& t : g.tensors()) {
      const std::string suffix = ".in_sum2";
      if (t.name.size() <= suffix.size() || t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      const std::string name = t.name.substr(0, t.name.size() - suffix.size());
      const gguf_tensor* c = g.find(name + ".counts");
      if (c == nullptr) throw error("io: imatrix '" + file_name + "': '" + t.name + "' has no '" + name + ".counts'");
      if (t.type != ggml_type::f32 || c->type != ggml_type::f32)
        throw error("io: imatrix '" + file_name + "': '" + name + "' sums and counts must be F32");
      const matrix<float> sums = t.to_float(), counts = c->to_float();
      if (counts.size() != sums.rows())
        throw error("io: imatrix '" + file_name + "': '" + name + "' has " + std::to_string(sums.rows()) +
                    " matrices but " + std::to_string(counts.size()) + " counts");
      std::vector<float> imp(std::size_t(sums.size()));
      for (Eigen::Index j = 0; j < sums.rows(); ++j) {
        const float n = counts.data()[j];
        if (!detail::finite_nonnegative(n))
          throw error("io: imatrix '" + file_name + "': '" + name + "' has count " + ::lowp::detail::number(double(n)));
        for (Eigen::Index i = 0; i < sums.cols(); ++i) {
          const float v = sums(j, i);
          if (!detail::finite_nonnegative(v))
            throw error("io: imatrix '" + file_name + "': '" + name + "' has a sum of squares of " +
                        ::lowp::detail::number(double(v)));
          // llama.cpp tools/quantize load_imatrix: sum / count, 1 when the matrix saw no input
          imp[std::size_t(j * sums.cols() + i)] = n > 0.f ? v / n : 1.0f;
        }
      }
      s.columns[name] = std::move(imp);
    }
    if (s.columns.empty()) throw error("io: imatrix '" + file_name + "' has no '<name>.in_sum2' tensor");
    return s;
  }
  byte_reader r(bytes, "imatrix", file_name);
  const auto n = std::int32_t(r.read<std::uint32_t>("the number of entries"));
  if (n <= 0) r.fail_at(0, "the number of entries is " + std::to_string(n));
  for (std::int32_t e = 0; e < n; ++e) {
    const std::uint64_t at = r.offset();
    const auto len = std::int32_t(r.read<std::uint32_t>("a name length"));
    if (len <= 0 || len > 4096) r.fail_at(at, "a name length of " + std::to_string(len));
    const auto nb = r.take(std::uint64_t(len), "a name");
    std::string name(reinterpret_cast<const char*>(nb.data()), nb.size());
    const auto ncall = std::int32_t(r.read<std::uint32_t>("ncall"));
    const auto nval = std::int32_t(r.read<std::uint32_t>("nval"));
    if (ncall <= 0 || nval <= 0)
      r.fail_at(at, "entry '" + name + "' has ncall " + std::to_string(ncall) + ", nval " + std::to_string(nval));
    // the bytes first: a count the file cannot hold allocates nothing
    const auto vb = r.take(std::uint64_t(nval) * 4, "the values of '" + name + "'");
    std::vector<float> v(static_cast<std::size_t>(nval));
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::uint32_t u = 0;
      for (int k = 0; k < 4; ++k)
        u |= std::uint32_t(std::to_integer<std::uint8_t>(vb[i * 4 + std::size_t(k)])) << (8 * k);
      const float x = std::bit_cast<float>(u);
      if (!detail::finite_nonnegative(x))
        r.fail_at(at, "entry '" + name + "' has the value " + ::lowp::detail::number(double(x)) + " at column " +
                          std::to_string(i));
      v[i] = x / float(ncall);  // llama.cpp's legacy loader: the file holds mean · ncall
    }
    if (!s.columns.emplace(name, std::move(v)).second) r.fail_at(at, "entry '" + name + "' appears twice");
  }
  if (r.remaining() >= 4) {
    s.chunks = std::uint32_t(std::max(0, std::int32_t(r.read<std::uint32_t>("the chunk count"))));
    if (r.remaining() >= 4) {
      const auto len = std::int32_t(r.read<std::uint32_t>("the dataset name length"));
      if (len > 0 && std::uint64_t(len) <= r.remaining()) {
        const auto d = r.take(std::uint64_t(len), "the dataset name");
        s.datasets.emplace_back(reinterpret_cast<const char*>(d.data()), d.size());
      }
    }
  }
  return s;
}

/// Reads per-tensor Hessian traces (HAWQ-V3's sensitivity, Tr(H) of each weight): a text file of
/// lines `<tensor name> <trace>`, '#' starting a comment. A tensor's error is weighted by
/// Tr(H) / its number of weights (HAWQ-V3 eq. 5's Ω). Traces must be finite and ≥ 0.
inline sensitivity read_hessian_traces(const std::filesystem::path& path, sensitivity s = {}) {
  std::ifstream in(path);
  if (!in) throw error("io: cannot open Hessian trace file '" + path.string() + "'");
  std::string line;
  for (int no = 1; std::getline(in, line); ++no) {
    if (const auto h = line.find('#'); h != std::string::npos) line.erase(h);
    std::istringstream ls(line);
    std::string name, value, extra;
    if (!(ls >> name)) continue;
    const std::string where = "io: Hessian trace file '" + path.string() + "', line " + std::to_string(no);
    if (!(ls >> value) || (ls >> extra)) throw error(where + ": expected '<tensor name> <trace>'");
    char* end = nullptr;
    const double t = std::strtod(value.c_str(), &end);
    if (end != value.c_str() + value.size() || !std::isfinite(t) || t < 0)
      throw error(where + ": the trace '" + value + "' is not a finite number >= 0");
    if (!s.traces.emplace(name, t).second) throw error(where + ": tensor '" + name + "' appears twice");
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// model files

/// A model file (GGUF or safetensors) seen as a list of tensors; 2-D and higher tensors of float or
/// block types are the weights the explorer quantizes (rows = the product of the outer dimensions).
class model_file {
 public:
  struct entry {
    std::string name;
    std::vector<std::int64_t> shape;  // outermost first
    std::string type;                 // F32, BF16, Q4_K, ...
    std::size_t rows = 0, cols = 0;
    std::string not_a_weight;  // why the explorer leaves it as it is ("" for weights)
  };

  explicit model_file(const std::filesystem::path& path) : path_(path) {
    std::FILE* f = std::fopen(path.string().c_str(), "rb");
    if (f == nullptr) throw error("io: cannot open model file '" + path.string() + "'");
    char magic[4] = {};
    const bool got = std::fread(magic, 1, 4, f) == 4;
    std::fclose(f);
    if (got && std::memcmp(magic, "GGUF", 4) == 0)
      gguf_.emplace(path);
    else
      st_.emplace(path);
    if (gguf_) {
      for (const gguf_tensor& t : gguf_->tensors()) {
        entry e{t.name, t.shape(), std::string(io::name(t.type)), std::size_t(t.rows()), std::size_t(t.cols()), {}};
        if (t.ne.size() < 2 || (t.ne[1] == 1 && t.ne.size() == 2))
          e.not_a_weight = "one row: kept as it is";
        else if (const auto d = dtype_of(t.type); d && !is_float(*d))
          e.not_a_weight = "an integer tensor: kept as it is";
        else if (!d && !info(t.type).decoded)
          e.not_a_weight = std::string(io::name(t.type)) + ", which lowp does not decode: kept as it is";
        if (e.rows * e.cols == 0) e.not_a_weight = "empty: kept as it is";
        entries_.push_back(std::move(e));
      }
    } else {
      for (const tensor_view& t : st_->tensors()) {
        entry e{t.name, t.shape, std::string(io::name(t.type)), std::size_t(t.rows()), std::size_t(t.cols()), {}};
        if (t.shape.size() < 2 || e.rows <= 1)
          e.not_a_weight = "one row: kept as it is";
        else if (!is_float(t.type))
          e.not_a_weight = "a " + e.type + " tensor: kept as it is";
        if (e.rows * e.cols == 0) e.not_a_weight = "empty: kept as it is";
        entries_.push_back(std::move(e));
      }
    }
  }

  bool is_gguf() const { return gguf_.has_value(); }
  const gguf_file& gguf() const {
    if (!gguf_) throw error("io: '" + path_.string() + "' is not a GGUF file");
    return *gguf_;
  }
  const safetensors_file& safetensors() const {
    if (!st_) throw error("io: '" + path_.string() + "' is not a safetensors file");
    return *st_;
  }
  const std::filesystem::path& path() const { return path_; }
  /// Every tensor, in the file's order.
  const std::vector<entry>& tensors() const { return entries_; }
  /// Tensor i decoded to float (rows × cols).
  matrix<float> read(std::size_t i) const {
    return gguf_ ? gguf_->tensors().at(i).to_float() : st_->tensors().at(i).to_float();
  }
  /// Gives tensor i's pages back to the system (a pass over the file holds about one tensor).
  void release(std::size_t i) const {
    if (gguf_)
      gguf_->file().release(gguf_->tensors().at(i).bytes);
    else
      st_->file().release(st_->tensors().at(i).bytes);
  }

 private:
  static bool is_float(dtype d) {
    return d != dtype::boolean && d != dtype::u8 && d != dtype::i8 && d != dtype::u16 && d != dtype::i16 &&
           d != dtype::u32 && d != dtype::i32 && d != dtype::u64 && d != dtype::i64 && d != dtype::c64;
  }
  std::filesystem::path path_;
  std::optional<gguf_file> gguf_;
  std::optional<safetensors_file> st_;
  std::vector<entry> entries_;
};

// ---------------------------------------------------------------------------------------------
// exploring

/// One scheme on one tensor.
struct scheme_result {
  std::string scheme;
  std::string skipped;  // why the scheme does not fit the tensor ("" when it ran)
  std::uint64_t bits = 0;
  double bits_per_weight = 0, mse = 0, sqnr_db = 0, max_abs_error = 0;
  double error = 0;  // Σ importance(column) · (x − x̂)²: the allocation's error (spec §5.5)
  double seconds = 0;
  bool llama_cpp = false;  // GGUF has a type for it
};
/// One weight tensor of the model and every scheme's result on it.
struct tensor_result {
  std::size_t index = 0;  // in model_file::tensors()
  std::string name;
  std::size_t rows = 0, cols = 0;
  double weight = 1.0;      // the tensor's weight in the objective (Hessian trace / weights, or 1)
  bool importance = false;  // columns weighted by an imatrix
  std::vector<scheme_result> schemes;
};
struct model_report {
  std::string file;
  std::vector<tensor_result> tensors;                     // the weights
  std::vector<std::pair<std::string, std::string>> kept;  // other tensors and why
  std::uint64_t weights = 0;                              // Σ rows · cols of the weights
  double seconds = 0;
};

struct explore_options {
  std::vector<std::string> schemes;      // names; empty: every scheme of model_schemes()
  bool llama_cpp_only = false;           // only schemes with a GGUF type
  const sensitivity* weights = nullptr;  // imatrix and / or Hessian traces
  /// Called before each tensor (done of total, its name) and once at the end (total, total, "").
  std::function<void(std::size_t done, std::size_t total, const std::string& tensor)> progress;
};

namespace detail {
inline std::vector<const model_scheme*> chosen_schemes(const explore_options& o) {
  std::vector<const model_scheme*> out;
  if (o.schemes.empty()) {
    for (const auto& s : model_schemes()) out.push_back(&s);
  } else {
    for (const auto& n : o.schemes) out.push_back(&model_scheme_named(n));
  }
  if (o.llama_cpp_only) std::erase_if(out, [](const model_scheme* s) { return !s->ggml; });
  if (out.empty()) throw error("io::explore: no scheme to try");
  return out;
}
/// The per-column importance of a rows × cols tensor from an imatrix entry of cols values, or of
/// k · cols values (k experts stacked in the rows).
inline const std::vector<float>* column_weights(const sensitivity* s, const std::string& name, std::size_t rows,
                                                std::size_t cols) {
  if (s == nullptr) return nullptr;
  const auto it = s->columns.find(name);
  if (it == s->columns.end()) return nullptr;
  const std::size_t n = it->second.size();
  if (n == 0 || n % cols != 0 || rows % (n / cols) != 0)
    throw error("io::explore: the imatrix entry of '" + name + "' has " + std::to_string(n) +
                " values; the tensor has " + std::to_string(cols) + " columns (" + std::to_string(rows) + " rows)");
  return &it->second;
}
}  // namespace detail

/// Every weight of the model under every scheme: bits, errors, time. Streams: one tensor (and its
/// quantized forms) in memory at a time, its file pages released after. A scheme that cannot take
/// a tensor (a block size that does not divide its rows, a non-finite weight) is recorded as
/// skipped with lowp's message, never an abort.
inline model_report explore(const model_file& m, const explore_options& o = {}) {
  const auto schemes = detail::chosen_schemes(o);
  model_report rep;
  rep.file = m.path().filename().string();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < m.tensors().size(); ++i) {
    const auto& e = m.tensors()[i];
    if (e.not_a_weight.empty())
      todo.push_back(i);
    else
      rep.kept.emplace_back(e.name, e.not_a_weight);
  }
  for (std::size_t k = 0; k < todo.size(); ++k) {
    const auto& e = m.tensors()[todo[k]];
    if (o.progress) o.progress(k, todo.size(), e.name);
    tensor_result tr;
    tr.index = todo[k];
    tr.name = e.name;
    tr.rows = e.rows;
    tr.cols = e.cols;
    const matrix<float> x = m.read(tr.index);
    const std::vector<float>* imp = detail::column_weights(o.weights, e.name, e.rows, e.cols);
    tr.importance = imp != nullptr;
    if (o.weights)
      if (auto it = o.weights->traces.find(e.name); it != o.weights->traces.end())
        tr.weight = it->second / double(e.rows * e.cols);  // HAWQ-V3 eq. 5: Tr(H) / n
    double signal = 0;
    for (Eigen::Index i = 0; i < x.size(); ++i) signal += double(x.data()[i]) * double(x.data()[i]);
    for (const model_scheme* s : schemes) {
      scheme_result r;
      r.scheme = s->name;
      r.llama_cpp = s->ggml.has_value();
      try {
        const auto a = std::chrono::steady_clock::now();
        encoded_tensor q = s->encode(x, imp ? std::span<const float>(*imp) : std::span<const float>());
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
        const matrix<float> y = q.values();
        r.bits = q.bits;
        r.bits_per_weight = double(q.bits) / double(x.size());
        double sse = 0, wsse = 0, mx = 0;
        const std::size_t experts = imp ? imp->size() / e.cols : 1, per = e.rows / experts;
        for (std::size_t i = 0; i < e.rows; ++i)
          for (std::size_t j = 0; j < e.cols; ++j) {
            const double d = double(x(Eigen::Index(i), Eigen::Index(j))) - double(y(Eigen::Index(i), Eigen::Index(j)));
            const double d2 = d * d;
            sse += d2;
            wsse += imp ? double((*imp)[(i / per) * e.cols + j]) * d2 : d2;
            mx = std::max(mx, std::abs(d));
          }
        if (!std::isfinite(sse)) throw error("the dequantized values are not finite");
        r.mse = sse / double(x.size());
        r.sqnr_db = sse == 0 ? std::numeric_limits<double>::infinity() : 10 * std::log10(signal / sse);
        r.max_abs_error = mx;
        r.error = wsse;
      } catch (const std::exception& ex) {
        r = scheme_result{};
        r.scheme = s->name;
        r.llama_cpp = s->ggml.has_value();
        r.skipped = ex.what();
      }
      tr.schemes.push_back(std::move(r));
    }
    rep.weights += std::uint64_t(e.rows * e.cols);
    rep.tensors.push_back(std::move(tr));
    m.release(todo[k]);
  }
  if (o.progress) o.progress(todo.size(), todo.size(), "");
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

// ---------------------------------------------------------------------------------------------
// allocation

/// The scheme chosen for each weight under a budget.
struct model_allocation {
  double budget_bits_per_weight = 0;
  double bits_per_weight = 0;       // of the choice (≤ the budget)
  std::vector<std::string> scheme;  // per report tensor
  alloc_result result;
};

/// The optimal scheme per tensor within `bits_per_weight` on average over the weights (scales
/// included): lowp::allocate on each tensor's (bits, weighted error) options (spec §5.5), skipped
/// schemes left out. lowp::error when no choice fits the budget.
inline model_allocation allocate(const model_report& r, double bits_per_weight) {
  if (!(bits_per_weight > 0) || !std::isfinite(bits_per_weight))
    throw error("io::allocate: the budget must be a positive number of bits per weight, got " +
                ::lowp::detail::number(bits_per_weight));
  std::vector<alloc_tensor> ts;
  std::vector<std::vector<std::size_t>> which;
  for (const auto& t : r.tensors) {
    alloc_tensor a{t.name, t.weight, {}};
    which.emplace_back();
    for (std::size_t i = 0; i < t.schemes.size(); ++i)
      if (t.schemes[i].skipped.empty()) {
        a.options.push_back({t.schemes[i].scheme, t.schemes[i].bits, t.schemes[i].error});
        which.back().push_back(i);
      }
    if (a.options.empty()) throw error("io::allocate: no scheme fits tensor '" + t.name + "'");
    ts.push_back(std::move(a));
  }
  model_allocation out;
  out.budget_bits_per_weight = bits_per_weight;
  if (ts.empty()) return out;
  std::uint64_t least = 0;
  for (const auto& t : ts) {
    std::uint64_t lo = UINT64_MAX;
    for (const auto& o : t.options) lo = std::min(lo, o.bits);
    least += lo;
  }
  const double budget = bits_per_weight * double(r.weights);
  if (double(least) > budget)
    throw error("io::allocate: " + ::lowp::detail::number(bits_per_weight) +
                " bits per weight is below the smallest choice (" +
                ::lowp::detail::number(double(least) / double(r.weights)) + " bits per weight)");
  out.result = lowp::allocate(ts, bits_budget{budget});
  for (std::size_t i = 0; i < ts.size(); ++i) out.scheme.push_back(ts[i].options[out.result.choice[i]].scheme);
  out.bits_per_weight = double(out.result.bits) / double(r.weights);
  return out;
}

/// The same with the budget as the weights' total stored bytes (the tensors kept as they are not
/// counted).
inline model_allocation allocate_bytes(const model_report& r, double bytes) {
  if (!(bytes > 0) || !std::isfinite(bytes) || r.weights == 0)
    throw error("io::allocate_bytes: the budget must be a positive number of bytes, got " +
                ::lowp::detail::number(bytes));
  return allocate(r, 8.0 * bytes / double(r.weights));
}

// ---------------------------------------------------------------------------------------------
// re-quantized files

/// The schema lowp writes quantized tensors in (safetensors `__metadata__["lowp.schema"]`).
inline constexpr const char* quantized_schema = "lowp.quantized/1";

struct requantize_result {
  std::filesystem::path gguf;         // the GGUF written (GGUF output)
  std::filesystem::path safetensors;  // the safetensors written (safetensors output, or the sidecar
                                      // of a GGUF output holding the tensors llama.cpp has no type for)
  std::size_t quantized = 0, kept = 0, sidecar = 0;
};

namespace detail {
/// The importance a sensitivity gives a model tensor's columns (empty when none).
inline std::span<const float> importance_of(const sensitivity* w, const model_file::entry& e) {
  const std::vector<float>* v = column_weights(w, e.name, e.rows, e.cols);
  return v ? std::span<const float>(*v) : std::span<const float>();
}
/// One-entry cache: the tensor last encoded (a file's parts of one tensor are written one after
/// another, so each tensor is quantized about once and one tensor is held at a time).
struct encode_cache {
  const model_file* m = nullptr;
  const sensitivity* weights = nullptr;
  std::size_t index = SIZE_MAX;
  const model_scheme* scheme = nullptr;
  std::vector<std::vector<std::byte>> parts;
  const std::vector<std::byte>& part(std::size_t i, const model_scheme* s, std::size_t k) {
    if (index != i || scheme != s) {
      parts.clear();
      const matrix<float> x = m->read(i);
      parts = s->encode(x, importance_of(weights, m->tensors()[i])).part_bytes();
      m->release(i);
      index = i;
      scheme = s;
    }
    return parts.at(k);
  }
};

inline void add_lowp_tensor(safetensors_writer& w, const std::shared_ptr<encode_cache>& cache, std::size_t index,
                            const model_file::entry& e, const model_scheme& s) {
  const auto layout = s.layout(e.rows, e.cols);
  for (std::size_t k = 0; k < layout.size(); ++k)
    w.add_deferred(e.name + layout[k].suffix, layout[k].type, layout[k].shape,
                   [cache, index, sp = &s, k] { return cache->part(index, sp, k); });
  nlohmann::ordered_json j;
  j["scheme"] = s.name;
  j["shape"] = e.shape;
  w.metadata("lowp.tensor." + e.name, j.dump());
}
}  // namespace detail

/// Writes model m with tensor report.tensors[i] stored as alloc.scheme[i]; every other tensor
/// unchanged. Output by extension:
///  - `.gguf` (GGUF input only): every metadata key (tokenizer included) and every tensor in the
///    input's order and dimensions; chosen schemes that have a GGUF type are written in it, the
///    others keep the input's bytes in the GGUF and go, in lowp's schema, to `<out>.lowp.safetensors`;
///  - `.safetensors`: lowp's schema (quantized_schema): per quantized tensor its parts (the codes
///    under the tensor's name, `.scales`, ... by scheme) and `lowp.tensor.<name>` = {"scheme",
///    "shape"} in `__metadata__`; other tensors copied; the input's own metadata kept.
/// One tensor is quantized and held at a time (the writers pull bytes as they write). Pass the
/// sensitivity the report was explored with: schemes that use an importance matrix (q4_0) then write
/// the bytes the report measured.
inline requantize_result write_requantized(const model_file& m, const model_report& rep, const model_allocation& alloc,
                                           const std::filesystem::path& out, const sensitivity* weights = nullptr) {
  if (alloc.scheme.size() != rep.tensors.size())
    throw error("io::write_requantized: the allocation has " + std::to_string(alloc.scheme.size()) + " schemes for " +
                std::to_string(rep.tensors.size()) + " tensors");
  std::map<std::size_t, const model_scheme*> choice;
  for (std::size_t i = 0; i < rep.tensors.size(); ++i) {
    const auto& t = rep.tensors[i];
    if (t.index >= m.tensors().size() || m.tensors()[t.index].name != t.name)
      throw error("io::write_requantized: the report's tensor '" + t.name + "' is not in '" + m.path().string() + "'");
    choice[t.index] = &model_scheme_named(alloc.scheme[i]);
  }
  auto cache = std::make_shared<detail::encode_cache>();
  cache->m = &m;
  cache->weights = weights;
  requantize_result res;
  const std::string ext = out.extension().string();
  if (ext == ".gguf") {
    const gguf_file& g = m.gguf();
    gguf_writer w;
    w.copy_metadata(g);
    safetensors_writer side;
    for (std::size_t i = 0; i < g.tensors().size(); ++i) {
      const gguf_tensor& t = g.tensors()[i];
      const auto it = choice.find(i);
      if (it != choice.end() && it->second->ggml) {
        const model_scheme* s = it->second;
        w.add_deferred(t.name, *s->ggml, t.ne, [&m, i, s, weights] {
          const matrix<float> x = m.read(i);
          auto b = s->encode(x, detail::importance_of(weights, m.tensors()[i])).ggml_bytes();
          m.release(i);
          return b;
        });
        ++res.quantized;
      } else {
        w.add(t);
        if (it != choice.end()) {
          detail::add_lowp_tensor(side, cache, i, m.tensors()[i], *it->second);
          ++res.sidecar;
        } else {
          ++res.kept;
        }
      }
    }
    w.write(out);
    res.gguf = out;
    if (res.sidecar) {
      side.metadata("lowp.schema", quantized_schema);
      side.metadata("lowp.source", m.path().filename().string());
      res.safetensors = out;
      res.safetensors += ".lowp.safetensors";
      side.write(res.safetensors);
    }
    return res;
  }
  if (ext != ".safetensors")
    throw error("io::write_requantized: write '.gguf' or '.safetensors', not '" + out.filename().string() + "'");
  safetensors_writer w;
  if (!m.is_gguf())
    for (const auto& [k, v] : m.safetensors().metadata()) w.metadata(k, v);
  w.metadata("lowp.schema", quantized_schema);
  w.metadata("lowp.source", m.path().filename().string());
  for (std::size_t i = 0; i < m.tensors().size(); ++i) {
    const auto& e = m.tensors()[i];
    if (const auto it = choice.find(i); it != choice.end()) {
      detail::add_lowp_tensor(w, cache, i, e, *it->second);
      ++res.quantized;
    } else if (m.is_gguf()) {
      const gguf_tensor& t = m.gguf().tensors()[i];
      if (const auto d = dtype_of(t.type))
        w.add(t.view());
      else
        w.add(e.name, m.read(i));  // a block type kept: decoded to float32
      ++res.kept;
    } else {
      w.add(m.safetensors().tensors()[i]);
      ++res.kept;
    }
  }
  w.write(out);
  res.safetensors = out;
  return res;
}

/// A safetensors file in lowp's schema, read back: each quantized tensor decoded by its scheme.
class quantized_model {
 public:
  explicit quantized_model(const std::filesystem::path& path) : quantized_model(safetensors_file(path), path) {}
  /// The same on bytes in memory (copied).
  static quantized_model from_bytes(std::span<const std::byte> bytes, const std::string& name = "<memory>") {
    return quantized_model(safetensors_file::from_bytes(bytes, name), name);
  }

 private:
  quantized_model(safetensors_file f, const std::filesystem::path& path) : f_(std::move(f)) {
    const auto& md = f_.metadata();
    const auto s = md.find("lowp.schema");
    if (s == md.end())
      throw error("io: '" + path.string() + "' has no lowp.schema in its __metadata__: not written by lowp");
    if (s->second != quantized_schema)
      throw error("io: '" + path.string() + "' is in schema '" + s->second + "'; this lowp reads '" + quantized_schema +
                  "'");
    std::set<std::string> parts;
    for (const auto& [k, v] : md) {
      if (k.rfind("lowp.tensor.", 0) != 0) continue;
      const std::string name = k.substr(12);
      item it;
      try {
        const auto j = nlohmann::json::parse(v);
        it.scheme = &model_scheme_named(j.at("scheme").get<std::string>());
        it.shape = j.at("shape").get<std::vector<std::int64_t>>();
      } catch (const nlohmann::json::exception&) {
        throw error("io: '" + path.string() + "': the entry of tensor '" + name + "' is not {\"scheme\", \"shape\"}");
      }
      std::uint64_t n = 1;
      bool bad = it.shape.size() < 2 || it.shape.size() > max_rank;
      for (auto d : it.shape) bad = bad || d < 0 || ::lowp::io::detail::mul_overflows(n, std::uint64_t(d), n);
      if (bad) throw error("io: '" + path.string() + "': tensor '" + name + "' has a bad shape");
      it.cols = std::size_t(it.shape.back());
      it.rows = it.cols ? std::size_t(n) / it.cols : 0;
      for (const auto& p : it.scheme->layout(it.rows, it.cols)) {
        const tensor_view* pv = f_.find(name + p.suffix);
        if (pv == nullptr || pv->type != p.type || pv->shape != p.shape)
          throw error("io: '" + path.string() + "': tensor '" + name + "' (" + it.scheme->name + ") needs part '" +
                      name + p.suffix + "' of " + std::string(io::name(p.type)) + " " + shape_text(p.shape));
        parts.insert(name + p.suffix);
      }
      items_[name] = std::move(it);
    }
    for (const auto& t : f_.tensors())
      if (!parts.count(t.name)) items_[t.name] = item{};
  }

 public:
  /// The model's tensor names (quantized ones and the ones stored as they were).
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& kv : items_) n.push_back(kv.first);
    return n;
  }
  /// Whether the file holds this tensor (quantized or as it was).
  bool contains(std::string_view name) const { return items_.find(name) != items_.end(); }
  /// The scheme of a tensor ("" when it is stored as it was).
  std::string scheme(std::string_view name) const {
    const item& it = at(name);
    return it.scheme ? it.scheme->name : std::string();
  }
  /// The tensor's values as float (rows × cols; rows = the product of the outer dimensions).
  matrix<float> to_float(std::string_view name) const {
    const item& it = at(name);
    if (!it.scheme) return f_[name].to_float();
    const std::string n(name);
    return it.scheme->decode([&](const std::string& suffix) -> const tensor_view& { return f_[n + suffix]; }, it.rows,
                             it.cols);
  }
  const safetensors_file& file() const { return f_; }

 private:
  struct item {
    const model_scheme* scheme = nullptr;
    std::vector<std::int64_t> shape;
    std::size_t rows = 0, cols = 0;
  };
  static std::string shape_text(const std::vector<std::int64_t>& s) {
    std::string o = "[";
    for (std::size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
    return o + "]";
  }
  const item& at(std::string_view name) const {
    const auto it = items_.find(name);
    if (it == items_.end()) throw error("io: no tensor '" + std::string(name) + "' in '" + f_.file().name() + "'");
    return it->second;
  }
  safetensors_file f_;
  std::map<std::string, item, std::less<>> items_;
};

}  // namespace lowp::io
