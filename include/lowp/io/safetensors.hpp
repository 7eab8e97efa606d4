// lowp/io/safetensors.hpp: Hugging Face safetensors files, read (memory-mapped, zero-copy) and
// written.
//
//   auto f = lowp::io::read_safetensors("model.safetensors");     // maps the file, validates it
//   for (const auto& t : f.tensors()) std::cout << t.name << ' ' << lowp::io::name(t.type) << '\n';
//   auto w = f["model.layers.0.mlp.up_proj.weight"].to_float();   // or .map<lowp::bfloat16>()
//
//   lowp::io::safetensors_writer out;
//   out.add("w", w);                                // an Eigen matrix: its scalar's dtype, copied
//   out.add(f["lm_head.weight"]);                   // a view: the bytes are read at write time
//   out.metadata("format", "pt");
//   out.write("out.safetensors");
//
// The format (github.com/huggingface/safetensors, README "Format"): an unsigned 64-bit
// little-endian N, N bytes of UTF-8 JSON, then the data. The JSON is an object: "__metadata__"
// (optional) maps strings to strings; every other key is a tensor, {"dtype": "F32", "shape": [2, 3],
// "data_offsets": [begin, end]}, its bytes at [begin, end) of the data, row-major, little-endian.
// Checked on reading, each a lowp::error naming the file and byte (the reference implementation's
// rules, stricter where it is lenient): N ≤ 100,000,000 and within the file; the header valid
// UTF-8 JSON starting with '{', no key twice in an object, no nesting deeper than the format's; each
// tensor exactly those three fields, a known dtype, a shape of at most 64 non-negative integers
// whose element count and byte size do not overflow, packed sub-byte tensors a whole number of
// bytes; the tensors' byte ranges, in offset order, tile the data exactly (no gap, no overlap, no
// byte left over).
// Written canonically: the JSON compact, "__metadata__" first, tensors sorted by descending element
// size then by name (so every tensor is aligned to its element size), the header padded with spaces
// to a multiple of 8 bytes.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lowp/io/file.hpp"
#include "lowp/io/tensor.hpp"

namespace lowp::io {

/// Limits of the reader (the reference implementation's header limit; a rank no model uses).
inline constexpr std::uint64_t safetensors_max_header = 100'000'000;
inline constexpr std::size_t max_rank = 64;
/// Keys of a safetensors header in all (tensors, their fields, metadata): bounds the parse's memory
/// (~0.5 KB a tensor entry); real checkpoints hold a few thousand tensors.
inline constexpr std::size_t safetensors_max_keys = std::size_t(1) << 20;

/// The dtype a safetensors name stands for, or lowp::error naming it.
inline dtype dtype_from_name(std::string_view n) {
  for (std::size_t i = 0; i < dtype_count; ++i)
    if (dtype_table[i].name == n) return dtype(i);
  throw error("io: unknown dtype '" + std::string(n) + "'");
}

/// A safetensors file, memory-mapped and validated: its tensors are views into the mapping.
class safetensors_file {
 public:
  explicit safetensors_file(const std::filesystem::path& path) : file_(path) { parse(); }
  /// From bytes in memory (copied): tests, fuzzing, a buffer from elsewhere.
  static safetensors_file from_bytes(std::span<const std::byte> bytes, std::string name = "<memory>") {
    return safetensors_file(mapped_file::from_bytes(bytes, std::move(name)));
  }

  /// The tensors in the order of their bytes in the file.
  const std::vector<tensor_view>& tensors() const { return tensors_; }
  /// The tensor of this name, or nullptr.
  const tensor_view* find(std::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
  }
  /// The tensor of this name, or lowp::error naming it and the file.
  const tensor_view& operator[](std::string_view name) const {
    if (const tensor_view* t = find(name)) return *t;
    throw error("io: no tensor '" + std::string(name) + "' in '" + file_.name() + "'");
  }
  /// The "__metadata__" map (empty when the file has none).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  /// Where the data starts in the file (8 + the header's length).
  std::uint64_t data_offset() const { return data_offset_; }
  const mapped_file& file() const { return file_; }

 private:
  explicit safetensors_file(mapped_file f) : file_(std::move(f)) { parse(); }

  void parse() {
    const auto bytes = file_.bytes();
    byte_reader r(bytes, "safetensors", file_.name());
    const std::uint64_t n = r.read<std::uint64_t>("the header length");
    if (n > safetensors_max_header)
      r.fail_at(0, "header length " + std::to_string(n) + " exceeds the limit of " +
                       std::to_string(safetensors_max_header) + " bytes");
    const auto hb = r.take(n, "the header");
    data_offset_ = 8 + n;
    if (n == 0 || hb[0] != std::byte{'{'}) r.fail_at(8, "the header must be a JSON object starting with '{'");
    const char* h = reinterpret_cast<const char*>(hb.data());

    // duplicate keys and depth, during the parse (nlohmann would keep the last of two keys silently)
    // and bounds on what the parse allocates (a JSON value costs several times its bytes in memory):
    // at most safetensors_max_keys keys in all, at most max_rank elements in an array
    std::vector<std::set<std::string>> open;
    std::size_t keys = 0, array_items = 0;
    bool in_array = false;
    auto guard = [&](int depth, nlohmann::json::parse_event_t ev, nlohmann::json& v) {
      using E = nlohmann::json::parse_event_t;
      if (ev == E::object_start || ev == E::array_start) {
        if (depth >= 3 || in_array) r.fail_at(8, "the header nests deeper than the format's objects and shape arrays");
        if (ev == E::object_start) open.emplace_back();
        in_array = ev == E::array_start;
        array_items = 0;
      } else if (ev == E::object_end) {
        open.pop_back();
      } else if (ev == E::array_end) {
        in_array = false;
      } else if (ev == E::key) {
        if (++keys > safetensors_max_keys)
          r.fail_at(8, "the header has more than " + std::to_string(safetensors_max_keys) + " keys (lowp's limit)");
        if (!open.back().insert(v.get<std::string>()).second)
          r.fail_at(8, "the header has the key '" + v.get<std::string>() + "' twice in one object");
      } else if (ev == E::value && in_array && ++array_items > max_rank) {
        r.fail_at(8, "an array of the header has more than " + std::to_string(max_rank) + " elements");
      }
      return true;
    };
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(h, h + n, guard);
    } catch (const nlohmann::json::parse_error& e) {
      r.fail_at(8 + (e.byte > 0 ? e.byte - 1 : 0), std::string("the header is not valid JSON: ") + e.what());
    } catch (const nlohmann::json::exception& e) {  // e.g. a number beyond double's range (found by fuzzing)
      r.fail_at(8, std::string("the header is not valid JSON: ") + e.what());
    }
    if (!j.is_object()) r.fail_at(8, "the header must be a JSON object");

    struct entry {
      std::uint64_t begin, end;
      tensor_view t;
    };
    std::vector<entry> entries;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& key = it.key();
      const nlohmann::json& v = it.value();
      if (key == "__metadata__") {
        if (!v.is_object()) r.fail_at(8, "\"__metadata__\" must map strings to strings");
        for (auto m = v.begin(); m != v.end(); ++m) {
          if (!m.value().is_string()) r.fail_at(8, "\"__metadata__\" value of '" + m.key() + "' is not a string");
          metadata_.emplace(m.key(), m.value().get<std::string>());
        }
        continue;
      }
      const std::string where = "tensor '" + key + "': ";
      if (!v.is_object() || v.size() != 3 || !v.contains("dtype") || !v.contains("shape") ||
          !v.contains("data_offsets"))
        r.fail_at(8, where + "must be an object of exactly dtype, shape and data_offsets");
      entry e{0, 0, {}};
      e.t.name = key;
      if (!v["dtype"].is_string()) r.fail_at(8, where + "dtype must be a string");
      try {
        e.t.type = dtype_from_name(v["dtype"].get<std::string>());
      } catch (const error&) {
        r.fail_at(8, where + "unknown dtype '" + v["dtype"].get<std::string>() + "'");
      }
      const auto& shape = v["shape"];
      if (!shape.is_array() || shape.size() > max_rank)
        r.fail_at(8, where + "shape must be an array of at most " + std::to_string(max_rank) + " integers");
      std::uint64_t count = 1;
      for (const auto& d : shape) {
        if (!d.is_number_unsigned()) r.fail_at(8, where + "a dimension is not a non-negative integer");
        const std::uint64_t dim = d.get<std::uint64_t>();
        if (dim > std::uint64_t(INT64_MAX) || detail::mul_overflows(count, dim, count))
          r.fail_at(8, where + "the element count overflows");
        e.t.shape.push_back(std::int64_t(dim));
      }
      if (!shape_fits(e.t.shape)) r.fail_at(8, where + "the shape's dimensions overflow an index");
      std::uint64_t nbits = 0;
      if (detail::mul_overflows(count, bits(e.t.type), nbits)) r.fail_at(8, where + "the byte size overflows");
      if (nbits % 8 != 0)
        r.fail_at(8, where + std::to_string(count) + " elements of " + std::string(name(e.t.type)) +
                         " are not a whole number of bytes");
      const auto& off = v["data_offsets"];
      if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        r.fail_at(8, where + "data_offsets must be two non-negative integers");
      e.begin = off[0].get<std::uint64_t>();
      e.end = off[1].get<std::uint64_t>();
      if (e.end < e.begin) r.fail_at(8, where + "data_offsets end before they begin");
      if (e.end - e.begin != nbits / 8)
        r.fail_at(8, where + "the shape and dtype need " + std::to_string(nbits / 8) + " bytes, data_offsets give " +
                         std::to_string(e.end - e.begin));
      entries.push_back(std::move(e));
    }
    // the byte ranges, in offset order, must tile the data exactly (safetensors' validate())
    std::sort(entries.begin(), entries.end(),
              [](const entry& a, const entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
    const std::uint64_t data_size = bytes.size() - data_offset_;
    std::uint64_t at = 0;
    for (auto& e : entries) {
      if (e.begin != at)
        r.fail_at(data_offset_ + std::min(e.begin, data_size),
                  "tensor '" + e.t.name + "' begins at data byte " + std::to_string(e.begin) + ", expected " +
                      std::to_string(at) + " (tensors must tile the data without gaps or overlaps)");
      if (e.end > data_size)
        r.fail_at(data_offset_ + data_size, "tensor '" + e.t.name + "' ends at data byte " + std::to_string(e.end) +
                                                ", past the end of the file's " + std::to_string(data_size) +
                                                " data bytes");
      at = e.end;
    }
    if (at != data_size)
      r.fail_at(data_offset_ + at, std::to_string(data_size - at) + " bytes after the last tensor belong to none");
    tensors_.reserve(entries.size());
    for (auto& e : entries) {
      e.t.bytes = bytes.subspan(std::size_t(data_offset_ + e.begin), std::size_t(e.end - e.begin));
      index_.emplace(e.t.name, tensors_.size());
      tensors_.push_back(std::move(e.t));
    }
  }

  mapped_file file_;
  std::vector<tensor_view> tensors_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::map<std::string, std::string> metadata_;
  std::uint64_t data_offset_ = 0;
};

/// Opens and validates a safetensors file (memory-mapped: no tensor is copied).
inline safetensors_file read_safetensors(const std::filesystem::path& path) { return safetensors_file(path); }

/// Collects tensors and metadata, then writes one canonical safetensors file.
class safetensors_writer {
 public:
  /// A tensor whose bytes the caller keeps alive until write() (a view into another file, say).
  void add(const tensor_view& t) {
    check_new(t.name);
    std::uint64_t n = 1;
    if (t.shape.size() > max_rank)
      throw error("io::safetensors_writer: tensor '" + t.name + "' has too many dimensions");
    for (auto d : t.shape)
      if (d < 0 || detail::mul_overflows(n, std::uint64_t(d), n))
        throw error("io::safetensors_writer: tensor '" + t.name + "' has a bad shape");
    if (!shape_fits(t.shape)) throw error("io::safetensors_writer: tensor '" + t.name + "' has a bad shape");
    if (storage_bytes(t.type, n) != t.bytes.size())
      throw error("io::safetensors_writer: tensor '" + t.name + "' (" + std::string(name(t.type)) + ", " +
                  std::to_string(n) + " elements) has " + std::to_string(t.bytes.size()) + " bytes");
    if ((n * bits(t.type)) % 8 != 0)
      throw error("io::safetensors_writer: tensor '" + t.name + "': " + std::to_string(n) + " elements of " +
                  std::string(name(t.type)) + " are not a whole number of bytes (the format requires it)");
    items_.push_back(t);
    sizes_.push_back(t.bytes.size());
    producers_.emplace_back();
  }
  /// A tensor whose bytes `produce` returns when write() reaches it (then written and freed): a
  /// model re-quantized in one pass holds one tensor's bytes at a time. `produce` must return
  /// exactly the bytes the dtype and shape need.
  void add_deferred(std::string tensor_name, dtype type, std::vector<std::int64_t> shape,
                    std::function<std::vector<std::byte>()> produce) {
    check_new(tensor_name);
    std::uint64_t n = 1;
    for (auto d : shape)
      if (d < 0 || detail::mul_overflows(n, std::uint64_t(d), n) || shape.size() > max_rank || !shape_fits(shape))
        throw error("io::safetensors_writer: tensor '" + tensor_name + "' has a bad shape");
    if ((n * bits(type)) % 8 != 0)
      throw error("io::safetensors_writer: tensor '" + tensor_name + "': " + std::to_string(n) + " elements of " +
                  std::string(name(type)) + " are not a whole number of bytes (the format requires it)");
    items_.push_back(tensor_view{std::move(tensor_name), type, std::move(shape), {}});
    sizes_.push_back(storage_bytes(type, n));
    producers_.push_back(std::move(produce));
  }
  /// A tensor given as bytes the writer keeps (moved in).
  void add(std::string tensor_name, dtype type, std::vector<std::int64_t> shape, std::vector<std::byte> bytes) {
    owned_.push_back(std::make_unique<std::vector<std::byte>>(std::move(bytes)));
    add(tensor_view{std::move(tensor_name), type, std::move(shape), *owned_.back()});
  }
  /// An Eigen matrix or expression (copied now), 2-D, stored as its scalar's dtype; sub-byte lowp
  /// types are packed (pack/packed.hpp's order).
  template <class Derived>
  void add(std::string tensor_name, const Eigen::DenseBase<Derived>& m) {
    using T = typename Derived::Scalar;
    constexpr dtype t = dtype_of<T>();
    const matrix<T> rm = m.derived();
    std::vector<std::byte> b = detail::stored_bytes(rm);
    add(std::move(tensor_name), t, {std::int64_t(rm.rows()), std::int64_t(rm.cols())}, std::move(b));
  }
  void metadata(std::string key, std::string value) { meta_[std::move(key)] = std::move(value); }

  /// The file's bytes before the data: the length, the JSON header, the padding.
  std::string header() const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (!meta_.empty()) {
      nlohmann::ordered_json m = nlohmann::ordered_json::object();
      for (const auto& [k, v] : meta_) m[k] = v;
      j["__metadata__"] = std::move(m);
    }
    std::uint64_t at = 0;
    for (const tensor_view* t : order()) {
      nlohmann::ordered_json e = nlohmann::ordered_json::object();
      e["dtype"] = std::string(name(t->type));
      e["shape"] = t->shape;
      const std::uint64_t n = sizes_[std::size_t(t - items_.data())];
      e["data_offsets"] = {at, at + n};
      at += n;
      j[t->name] = std::move(e);
    }
    std::string s;
    try {
      s = j.dump();
    } catch (const nlohmann::json::type_error&) {
      throw error("io::safetensors_writer: a tensor name or metadata string is not valid UTF-8");
    }
    s.append((8 - s.size() % 8) % 8, ' ');
    std::string out(8, '\0');
    detail::store_le(reinterpret_cast<std::byte*>(out.data()), std::uint64_t(s.size()));
    return out + s;
  }
  void write(const std::filesystem::path& path) const {
    const std::string h = header();
    file_writer w(path);
    w.write(h);
    for (const tensor_view* t : order()) {
      const std::size_t i = std::size_t(t - items_.data());
      if (producers_[i]) {
        const std::vector<std::byte> b = producers_[i]();
        if (b.size() != sizes_[i])
          throw error("io::safetensors_writer: tensor '" + t->name + "' produced " + std::to_string(b.size()) +
                      " bytes, its dtype and shape need " + std::to_string(sizes_[i]));
        w.write(b);
      } else {
        w.write(t->bytes);
      }
    }
    w.commit();
  }

 private:
  void check_new(const std::string& n) const {
    if (n == "__metadata__") throw error("io::safetensors_writer: '__metadata__' cannot name a tensor");
    for (const auto& t : items_)
      if (t.name == n) throw error("io::safetensors_writer: tensor '" + n + "' added twice");
  }
  std::vector<const tensor_view*> order() const {
    std::vector<const tensor_view*> o;
    for (const auto& t : items_) o.push_back(&t);
    std::stable_sort(o.begin(), o.end(), [](const tensor_view* a, const tensor_view* b) {
      const unsigned ea = std::max(8u, bits(a->type)), eb = std::max(8u, bits(b->type));
      return ea != eb ? ea > eb : a->name < b->name;
    });
    return o;
  }
  std::vector<tensor_view> items_;
  std::vector<std::uint64_t> sizes_;                                // bytes of each tensor
  std::vector<std::function<std::vector<std::byte>()>> producers_;  // set for deferred tensors
  std::vector<std::unique_ptr<std::vector<std::byte>>> owned_;
  std::map<std::string, std::string> meta_;
};

/// Writes tensors (views whose bytes live until the call returns) and metadata as one file.
inline void write_safetensors(const std::filesystem::path& path, std::span<const tensor_view> tensors,
                              const std::map<std::string, std::string>& metadata = {}) {
  safetensors_writer w;
  for (const auto& t : tensors) w.add(t);
  for (const auto& [k, v] : metadata) w.metadata(k, v);
  w.write(path);
}

}  // namespace lowp::io
