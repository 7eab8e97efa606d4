// gguf_tool: the GGUF side of the npm interop test (tests/io/gguf_npm.mjs).
//   gguf_tool write OUT   writes a sample file: metadata of every value type (nested arrays too),
//                         plain and quantized tensors
//   gguf_tool dump IN     prints what lowp reads, as JSON: version, alignment, every key with its
//                         type, element type and value (integers as decimal strings, floats with
//                         17 digits), every tensor's name, type, dimensions and offset
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lowp/io/gguf.hpp"

namespace {

using lowp::io::gguf_type;
using lowp::io::gguf_value;

nlohmann::json value_json(const gguf_value& v) {
  switch (v.type()) {
    case gguf_type::string:
      return v.as_string();
    case gguf_type::boolean:
      return v.as_bool();
    case gguf_type::f32:
    case gguf_type::f64: {
      char b[40];
      std::snprintf(b, sizeof b, "%.17g", v.as_double());
      return std::string(b);
    }
    case gguf_type::array: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& it : v.items()) a.push_back(value_json(it));
      return a;
    }
    default:
      return v.is_signed() ? std::to_string(v.as<std::int64_t>()) : std::to_string(v.as<std::uint64_t>());
  }
}

int dump(const char* path) {
  const auto f = lowp::io::read_gguf(path);
  nlohmann::json j;
  j["version"] = f.version();
  j["alignment"] = f.alignment();
  j["metadata"] = nlohmann::json::array();
  for (const auto& [k, v] : f.metadata()) {
    nlohmann::json e{{"key", k}, {"type", std::uint32_t(v.type())}, {"value", value_json(v)}};
    if (v.type() == gguf_type::array) e["subType"] = std::uint32_t(v.element_type());
    j["metadata"].push_back(e);
  }
  j["tensors"] = nlohmann::json::array();
  for (const auto& t : f.tensors()) {
    nlohmann::json ne = nlohmann::json::array();
    for (auto d : t.ne) ne.push_back(std::to_string(d));
    j["tensors"].push_back(
        {{"name", t.name}, {"type", std::uint32_t(t.type)}, {"ne", ne}, {"offset", std::to_string(t.offset)}});
  }
  std::puts(j.dump().c_str());
  return 0;
}

int write(const char* path) {
  lowp::io::gguf_writer w;
  w.set("general.architecture", "llama");
  w.set("general.name", "lowp sample ✓");
  w.set("a.u8", std::uint8_t(255));
  w.set("a.i8", std::int8_t(-128));
  w.set("a.u16", std::uint16_t(65535));
  w.set("a.i16", std::int16_t(-32768));
  w.set("a.u32", std::uint32_t(4294967295u));
  w.set("a.i32", std::int32_t(-2147483647 - 1));
  w.set("a.f32", 0.1f);
  w.set("a.bool", true);
  w.set("a.u64", std::uint64_t(18446744073709551615ull));
  w.set("a.i64", std::int64_t(-9223372036854775807ll - 1));
  w.set("a.f64", 0.1);
  w.set("tokenizer.ggml.tokens",
        gguf_value::array(gguf_type::string, {gguf_value("<s>"), gguf_value("</s>"), gguf_value("é")}));
  w.set("tokenizer.ggml.scores",
        gguf_value::array(gguf_type::f32, {gguf_value(0.0f), gguf_value(-1.5f), gguf_value(2.25f)}));
  w.set("a.i32s", gguf_value::array(gguf_type::i32, {gguf_value(std::int32_t(-1)), gguf_value(std::int32_t(7))}));
  w.set("a.empty", gguf_value::array(gguf_type::u8, {}));
  w.set("general.alignment", std::uint32_t(64));
  const lowp::matrix<float> x = lowp::matrix<float>::Random(3, 64);
  w.add("f32", x);
  w.add("f16", x.cast<lowp::float16>());
  w.add("q8_0", lowp::quantize(x, lowp::q8_0{}));
  w.add("q4_0", lowp::quantize(x, lowp::q4_0{}));
  w.add("mxfp4", lowp::quantize(x, lowp::mxfp4{}));
  const lowp::matrix<float> y = lowp::matrix<float>::Random(2, 256);
  w.add("tq2_0", lowp::quantize(y, lowp::tq2_0{}));
  w.add("tq1_0", lowp::quantize(y, lowp::tq1_0{}));
  w.write(path);
  return 0;
}

// n tensors of 1024 x 1024 float32 (4 MiB each) and a 1-D one: the model explorer's memory test
int big(const char* path, int n) {
  lowp::io::gguf_writer w;
  w.set("general.architecture", "llama");
  std::vector<lowp::matrix<float>> ts;
  for (int i = 0; i < n; ++i) {
    ts.push_back(lowp::matrix<float>::Random(1024, 1024));
    w.add("blk." + std::to_string(i) + ".weight", ts.back());
    ts.clear();  // the writer holds its copy
  }
  w.add("norm", lowp::matrix<float>::Ones(1, 1024));
  w.write(path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 3 && std::string(argv[1]) == "dump") return dump(argv[2]);
    if (argc == 3 && std::string(argv[1]) == "write") return write(argv[2]);
    if (argc == 4 && std::string(argv[1]) == "big") return big(argv[2], std::atoi(argv[3]));
    std::fprintf(stderr, "usage: gguf_tool dump IN | gguf_tool write OUT\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
