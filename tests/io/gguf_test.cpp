// The GGUF reader and writer against files assembled here byte by byte from the format's
// description (ggml docs/gguf.md), and every block type against a decoder written in this file
// from the block layouts of ggml-common.h, element by element (an index formula, not ggml's loops).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "io_fixtures.hpp"
#include "lowp/io/gguf.hpp"
#include "lowp/quant/matmul.hpp"

namespace {

using io_fixtures::bytes_of;
using io_fixtures::temp_file;

using lowp::io::ggml_type;
using lowp::io::gguf_type;
using lowp::io::gguf_value;

/// A GGUF file assembled by hand.
struct bytes_out {
  std::vector<std::byte> b;
  void u8(unsigned v) { b.push_back(std::byte(v)); }
  void u16(unsigned v) { u8(v & 0xff), u8((v >> 8) & 0xff); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8((v >> (8 * i)) & 0xff);
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(unsigned(v >> (8 * i)) & 0xff);
  }
  void str(const std::string& s) {
    u64(s.size());
    for (char c : s) u8(std::uint8_t(c));
  }
  void f32(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    u32(u);
  }
  void pad(std::size_t a) {
    while (b.size() % a != 0) u8(0);
  }
};

// f16 codes of exact powers of two
constexpr unsigned h_quarter = 0x3400, h_half = 0x3800, h_one = 0x3C00, h_two = 0x4000;

// A one-tensor file of type t, dimensions ne, data bytes.
std::vector<std::byte> one_tensor_file(ggml_type t, std::vector<std::uint64_t> ne,
                                       const std::vector<std::uint8_t>& data, std::uint32_t version = 3) {
  bytes_out o;
  o.u32(0x46554747);  // "GGUF"
  o.u32(version);
  o.u64(1);
  o.u64(1);
  o.str("general.architecture");
  o.u32(8);
  o.str("llama");
  o.str("t");
  o.u32(std::uint32_t(ne.size()));
  for (auto d : ne) o.u64(d);
  o.u32(std::uint32_t(t));
  o.u64(0);
  o.pad(32);
  for (auto v : data) o.u8(v);
  return o.b;
}

}  // namespace

TEST_CASE("gguf: a hand-assembled file reads: header, metadata of every type, tensor infos, data") {
  for (std::uint32_t version : {2u, 3u}) {
    bytes_out o;
    o.u32(0x46554747);
    o.u32(version);
    o.u64(2);   // tensors
    o.u64(15);  // metadata pairs
    auto key = [&](const std::string& k, gguf_type t) {
      o.str(k);
      o.u32(std::uint32_t(t));
    };
    key("u8", gguf_type::u8), o.u8(200);
    key("i8", gguf_type::i8), o.u8(0x80);
    key("u16", gguf_type::u16), o.u16(65535);
    key("i16", gguf_type::i16), o.u16(0x8000);
    key("u32", gguf_type::u32), o.u32(4000000000u);
    key("i32", gguf_type::i32), o.u32(0xffffffffu);
    key("f32", gguf_type::f32), o.f32(0.25f);
    key("bool", gguf_type::boolean), o.u8(1);
    key("str", gguf_type::string), o.str("héllo");
    key("u64", gguf_type::u64), o.u64(~0ull);
    key("i64", gguf_type::i64), o.u64(0x8000000000000000ull);
    key("f64", gguf_type::f64), o.u64(0x3ff8000000000000ull);  // 1.5
    key("arr", gguf_type::array), o.u32(std::uint32_t(gguf_type::string)), o.u64(2), o.str("a"), o.str("bc");
    key("nested", gguf_type::array), o.u32(std::uint32_t(gguf_type::array)), o.u64(2);
    o.u32(std::uint32_t(gguf_type::i32)), o.u64(1), o.u32(7);
    o.u32(std::uint32_t(gguf_type::i32)), o.u64(0);
    key("general.alignment", gguf_type::u32), o.u32(64);
    o.str("w"), o.u32(2), o.u64(3), o.u64(2), o.u32(0), o.u64(0);  // F32, 2 rows of 3
    o.str("b"), o.u32(1), o.u64(4), o.u32(24), o.u64(64);          // I8, 4 elements at 64
    o.pad(64);
    const std::size_t data_at = o.b.size();
    for (float v : {1.f, 2.f, 3.f, -1.f, -2.f, 0.5f}) o.f32(v);
    o.pad(64);
    for (unsigned v : {1u, 0xffu, 0x7fu, 0x80u}) o.u8(v);
    const auto f = lowp::io::gguf_file::from_bytes(o.b);
    CHECK(f.version() == version);
    CHECK(f.alignment() == 64);
    CHECK(f.data_offset() == data_at);
    REQUIRE(f.metadata().size() == 15);
    CHECK(f.metadata()[0].first == "u8");
    CHECK(f.metadata("u8").as<int>() == 200);
    CHECK(f.metadata("i8").as<int>() == -128);
    CHECK(f.metadata("u16").as<int>() == 65535);
    CHECK(f.metadata("i16").as<int>() == -32768);
    CHECK(f.metadata("u32").as<std::uint32_t>() == 4000000000u);
    CHECK(f.metadata("i32").as<int>() == -1);
    CHECK(f.metadata("f32").as_double() == 0.25);
    CHECK(f.metadata("bool").as_bool());
    CHECK(f.metadata("str").as_string() == "héllo");
    CHECK(f.metadata("u64").as<std::uint64_t>() == ~0ull);
    CHECK(f.metadata("i64").as<std::int64_t>() == INT64_MIN);
    CHECK(f.metadata("f64").as_double() == 1.5);
    CHECK(f.metadata("arr").element_type() == gguf_type::string);
    CHECK(f.metadata("arr").items()[1].as_string() == "bc");
    CHECK(f.metadata("nested").items()[0].items()[0].as<int>() == 7);
    CHECK(f.metadata("nested").items()[1].items().empty());
    CHECK_THROWS_WITH(f.metadata("u64").as<int>(), Catch::Contains("does not fit"));
    CHECK_THROWS_WITH(f.metadata("str").as<int>(), Catch::Contains("STRING, not an integer"));
    CHECK_THROWS_WITH(f.metadata("nope"), Catch::Contains("no metadata key 'nope'"));
    const auto& w = f["w"];
    CHECK(w.type == ggml_type::f32);
    CHECK(w.rows() == 2);
    CHECK(w.cols() == 3);
    CHECK(w.shape() == std::vector<std::int64_t>{2, 3});
    const auto m = w.view().map<float>();
    CHECK(m(1, 2) == 0.5f);
    CHECK(reinterpret_cast<const std::byte*>(m.data()) == f.file().bytes().data() + data_at);  // no copy
    CHECK(f["b"].to_float()(0, 1) == -1.0f);
    CHECK(f["b"].view().to<std::int8_t>()(0, 3) == -128);
  }
}

TEST_CASE("gguf: the writer round-trips metadata, plain tensors and lowp's quantized objects") {
  lowp::io::gguf_writer w;
  w.set("general.architecture", "llama");
  w.set("u8", std::uint8_t(3));
  w.set("i16", std::int16_t(-3));
  w.set("u32", std::uint32_t(7));
  w.set("i64", std::int64_t(-5));
  w.set("f32", 1.5f);
  w.set("f64", -0.125);
  w.set("b", false);
  w.set("tokens", gguf_value::array(gguf_type::string, {gguf_value("<s>"), gguf_value("</s>")}));
  w.set("nested", gguf_value::array(gguf_type::array, {gguf_value::array(gguf_type::f32, {gguf_value(1.0f)})}));
  w.set("u32", std::uint32_t(8));  // a key set twice keeps its place
  lowp::matrix<float> x = lowp::matrix<float>::Random(4, 64);
  w.add("f32", x);
  w.add("f16", x.cast<lowp::float16>());
  w.add("bf16", x.cast<lowp::bfloat16>());
  lowp::matrix<std::int32_t> xi(2, 3);
  xi << 1, -2, 3, INT32_MIN, INT32_MAX, 0;
  w.add("i32", xi);
  const auto q8 = lowp::quantize(x, lowp::q8_0{});
  const auto q4 = lowp::quantize(x, lowp::q4_0{});
  lowp::matrix<float> x256 = lowp::matrix<float>::Random(2, 256);
  const auto t1 = lowp::quantize(x256, lowp::tq1_0{});
  const auto t2 = lowp::quantize(x256, lowp::tq2_0{});
  const auto mx = lowp::quantize(x, lowp::mxfp4{});
  w.add("q8", q8);
  w.add("q4", q4);
  w.add("tq1", t1);
  w.add("tq2", t2);
  w.add("mx", mx);
  const auto p = temp_file("w.gguf");
  w.write(p);
  const auto f = lowp::io::read_gguf(p);
  CHECK(f.version() == 3);
  REQUIRE(f.metadata().size() == 10);
  CHECK(f.metadata()[3].first == "u32");
  CHECK(f.metadata("u32").as<int>() == 8);
  CHECK(f.metadata("u32").type() == gguf_type::u32);
  CHECK(f.metadata("i16").type() == gguf_type::i16);
  CHECK(f.metadata("i16").as<int>() == -3);
  CHECK(f.metadata("f64").as_double() == -0.125);
  CHECK(!f.metadata("b").as_bool());
  CHECK(f.metadata("tokens").items()[1].as_string() == "</s>");
  CHECK(f.metadata("nested").items()[0].items()[0].as_double() == 1.0);
  CHECK(f["f32"].view().map<float>() == x);
  CHECK(f["f16"].to_float() == x.cast<lowp::float16>().cast<float>());
  CHECK(f["bf16"].to_float() == x.cast<lowp::bfloat16>().cast<float>());
  CHECK(f["i32"].view().to<std::int32_t>() == xi);
  CHECK(f["q8"].type == ggml_type::q8_0);
  CHECK(f["q8"].ne == std::vector<std::uint64_t>{64, 4});
  auto same_raw = [](const auto& a, const auto& b) {
    return a.raw().size() == b.raw().size() && std::memcmp(a.raw().data(), b.raw().data(), a.raw().size()) == 0;
  };
  CHECK(same_raw(f["q8"].as_quantized<lowp::q8_0>(), q8));
  CHECK(same_raw(f["q4"].as_quantized<lowp::q4_0>(), q4));
  CHECK(same_raw(f["tq1"].as_quantized<lowp::tq1_0>(), t1));
  CHECK(same_raw(f["tq2"].as_quantized<lowp::tq2_0>(), t2));
  CHECK(f["q8"].to_float() == lowp::dequantize(q8));
  CHECK(f["q4"].to_float() == lowp::dequantize(q4));
  CHECK(f["tq1"].to_float() == lowp::dequantize(t1));
  CHECK(f["tq2"].to_float() == lowp::dequantize(t2));
  // MXFP4: llama.cpp's block layout in the file, lowp's object back, the same values
  CHECK(f["mx"].type == ggml_type::mxfp4);
  CHECK(f["mx"].bytes.size() == 4 * 2 * 17);
  CHECK(f["mx"].to_float() == lowp::dequantize(mx));
  const auto mx2 = f["mx"].as_quantized<lowp::mxfp4>();
  CHECK(lowp::dequantize(mx2) == lowp::dequantize(mx));
  CHECK(mx2.storage().codes == mx.storage().codes);
  CHECK_THROWS_WITH(f["q8"].as_quantized<lowp::q4_0>(), Catch::Contains("is Q8_0, not Q4_0"));
  // zero-copy views of the mapped blocks, and lowp's kernels on them
  const auto v8 = f["q8"].quantized_view<lowp::q8_0>();
  CHECK(v8.is_view());
  CHECK(reinterpret_cast<const std::byte*>(v8.raw().data()) == f["q8"].bytes.data());
  CHECK(lowp::dequantize(v8) == lowp::dequantize(q8));
  CHECK(v8.overflowed_scales() == 0);
  const auto v4 = f["q4"].quantized_view<lowp::q4_0>();
  const auto vt = f["tq2"].quantized_view<lowp::tq2_0>();
  const auto vt1 = f["tq1"].quantized_view<lowp::tq1_0>();
  CHECK(lowp::dequantize(lowp::as_uniform(v8)) == lowp::dequantize(q8));
  CHECK(lowp::dequantize(lowp::as_uniform(v4)) == lowp::dequantize(q4));
  CHECK(lowp::dequantize(lowp::as_uniform(vt)) == lowp::dequantize(t2));
  CHECK(lowp::dequantize(lowp::as_uniform(vt1)) == lowp::dequantize(t1));
  // matmul on the llama.cpp blocks through lowp's kernels equals the float product of the decoded
  // weights with the same quantized activations, to float rounding
  const lowp::matrix<float> xa = lowp::matrix<float>::Random(3, 64);
  const auto qx = lowp::quantize<lowp::int8>(xa, lowp::per_token{});
  const lowp::matrix<float> y = lowp::matmul(qx, lowp::prepack(lowp::as_uniform(v4)));
  const lowp::matrix<float> ref = lowp::dequantize(qx) * lowp::dequantize(q4).transpose();
  CHECK((y - ref).cwiseAbs().maxCoeff() <= 1e-4f * ref.cwiseAbs().maxCoeff());
  CHECK_THROWS_WITH(f["q8"].quantized_view<lowp::q4_0>(), Catch::Contains("is Q8_0, not Q4_0"));
  CHECK_THROWS_WITH(f["q8"].view(), Catch::Contains("a block type"));
  // every tensor starts at a multiple of the alignment
  for (const auto& t : f.tensors()) CHECK(t.offset % 32 == 0);
  std::filesystem::remove(p);
}

TEST_CASE("gguf: MXFP4's block is llama.cpp's: E8M0 byte, then element j | element j + 16 << 4") {
  std::vector<std::uint8_t> blk(17);
  blk[0] = 127;  // 2^0
  for (int j = 0; j < 16; ++j) blk[std::size_t(1 + j)] = std::uint8_t(j | ((15 - j) << 4));
  const auto f = lowp::io::gguf_file::from_bytes(one_tensor_file(ggml_type::mxfp4, {32, 1}, blk));
  const auto y = f["t"].to_float();
  for (int j = 0; j < 16; ++j) {
    CHECK(y(0, j) == float(lowp::float4_e2m1fn::from_bits(std::uint8_t(j))));
    CHECK(y(0, j + 16) == float(lowp::float4_e2m1fn::from_bits(std::uint8_t(15 - j))));
  }
  CHECK(y(0, 7) == 6.0f);    // code 7: E2M1 6.0 at scale 2^0
  CHECK(y(0, 16) == -6.0f);  // code 15
}

TEST_CASE("gguf: every block type decodes as its layout says, element by element") {
  std::mt19937 rng(20261130);
  auto random_bytes = [&](std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = std::uint8_t(rng());
    return v;
  };
  auto put16 = [](std::vector<std::uint8_t>& v, std::size_t at, unsigned code) {
    v[at] = std::uint8_t(code & 0xff);
    v[at + 1] = std::uint8_t(code >> 8);
  };
  const std::int8_t iq4[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
  // expected value of element e of a block, from the layout (ggml-common.h), exact in double
  struct kase {
    ggml_type t;
    std::size_t block, bytes;
    std::function<void(std::vector<std::uint8_t>&)> fix;  // exact scales
    std::function<double(const std::vector<std::uint8_t>&, int)> value;
  };
  auto nib = [](const std::vector<std::uint8_t>& b, std::size_t at,
                int j) {  // j < 16: low nibble of b[at+j], else high of b[at+j-16]
    return j < 16 ? b[at + std::size_t(j)] & 0xF : b[at + std::size_t(j - 16)] >> 4;
  };
  auto k4 = [](const std::vector<std::uint8_t>& b, std::size_t s, int g, int& sc, int& m) {  // 6-bit scale and min g
    if (g < 4) {
      sc = b[s + std::size_t(g)] & 63;
      m = b[s + std::size_t(g) + 4] & 63;
    } else {
      sc = (b[s + std::size_t(g) + 4] & 0xF) | ((b[s + std::size_t(g) - 4] >> 6) << 4);
      m = (b[s + std::size_t(g) + 4] >> 4) | ((b[s + std::size_t(g)] >> 6) << 4);
    }
  };
  std::vector<kase> cases = {
      {ggml_type::q4_1, 32, 20, [&](auto& b) { put16(b, 0, h_half), put16(b, 2, h_quarter); },
       [&](const auto& b, int e) { return nib(b, 4, e) * 0.5 + 0.25; }},
      {ggml_type::q5_0, 32, 22, [&](auto& b) { put16(b, 0, h_two); },
       [&](const auto& b, int e) {
         const std::uint32_t qh = b[2] | b[3] << 8 | b[4] << 16 | std::uint32_t(b[5]) << 24;
         return ((nib(b, 6, e) | int((qh >> e) & 1) << 4) - 16) * 2.0;
       }},
      {ggml_type::q5_1, 32, 24, [&](auto& b) { put16(b, 0, h_half), put16(b, 2, h_one); },
       [&](const auto& b, int e) {
         const std::uint32_t qh = b[4] | b[5] << 8 | b[6] << 16 | std::uint32_t(b[7]) << 24;
         return (nib(b, 8, e) | int((qh >> e) & 1) << 4) * 0.5 + 1.0;
       }},
      {ggml_type::q8_1, 32, 36, [&](auto& b) { put16(b, 0, h_quarter); },
       [&](const auto& b, int e) { return std::int8_t(b[4 + std::size_t(e)]) * 0.25; }},
      {ggml_type::q2_k, 256, 84, [&](auto& b) { put16(b, 80, h_half), put16(b, 82, h_quarter); },
       [&](const auto& b, int e) {  // e = 128 n + 32 j + 16 half + l
         const int n = e / 128, j = e % 128 / 32, half = e % 32 / 16, l = e % 16;
         const int q = (b[16 + std::size_t(32 * n + 16 * half + l)] >> (2 * j)) & 3;
         const int sc = b[std::size_t(8 * n + 2 * j + half)];
         return 0.5 * (sc & 15) * q - 0.25 * (sc >> 4);
       }},
      {ggml_type::q3_k, 256, 110, [&](auto& b) { put16(b, 108, h_half); },
       [&](const auto& b, int e) {
         const int n = e / 128, j = e % 128 / 32, half = e % 32 / 16, l = e % 16, k = 16 * half + l;
         const int q = (b[32 + std::size_t(32 * n + k)] >> (2 * j)) & 3;
         const bool hbit = (b[std::size_t(k)] >> (4 * n + j)) & 1;
         const int i = 8 * n + 2 * j + half;  // scale i: low 4 bits, then 2 high bits
         const int lo = i < 8 ? b[96 + std::size_t(i)] & 0xF : b[96 + std::size_t(i - 8)] >> 4;
         const int hi = (b[104 + std::size_t(i % 4)] >> (2 * (i / 4))) & 3;
         return 0.5 * ((lo | hi << 4) - 32) * (q - (hbit ? 0 : 4));
       }},
      {ggml_type::q4_k, 256, 144, [&](auto& b) { put16(b, 0, h_half), put16(b, 2, h_quarter); },
       [&](const auto& b, int e) {
         const int g = e / 32, l = e % 32;
         const int byte = b[16 + std::size_t(g / 2 * 32 + l)];
         int sc, m;
         k4(b, 4, g, sc, m);
         return 0.5 * sc * (g % 2 == 0 ? byte & 0xF : byte >> 4) - 0.25 * m;
       }},
      {ggml_type::q5_k, 256, 176, [&](auto& b) { put16(b, 0, h_quarter), put16(b, 2, h_half); },
       [&](const auto& b, int e) {
         const int g = e / 32, l = e % 32;
         const int byte = b[48 + std::size_t(g / 2 * 32 + l)];
         const int q = (g % 2 == 0 ? byte & 0xF : byte >> 4) | (((b[16 + std::size_t(l)] >> g) & 1) << 4);
         int sc, m;
         k4(b, 4, g, sc, m);
         return 0.25 * sc * q - 0.5 * m;
       }},
      {ggml_type::q6_k, 256, 210, [&](auto& b) { put16(b, 208, h_quarter); },
       [&](const auto& b, int e) {
         const int n = e / 128, qd = e % 128 / 32, l = e % 32;
         const int lb = b[std::size_t(64 * n + l + (qd % 2) * 32)];
         const int lo = qd < 2 ? lb & 0xF : lb >> 4;
         const int hi = (b[128 + std::size_t(32 * n + l)] >> (2 * qd)) & 3;
         const int sc = std::int8_t(b[192 + std::size_t(8 * n + l / 16 + 2 * qd)]);
         return 0.25 * sc * ((lo | hi << 4) - 32);
       }},
      {ggml_type::q8_k, 256, 292,
       [&](auto& b) {
         const float d = 0.125f;
         std::memcpy(b.data(), &d, 4);
       },
       [&](const auto& b, int e) { return 0.125 * std::int8_t(b[4 + std::size_t(e)]); }},
      {ggml_type::iq4_nl, 32, 18, [&](auto& b) { put16(b, 0, h_half); },
       [&](const auto& b, int e) { return 0.5 * iq4[nib(b, 2, e)]; }},
      {ggml_type::iq4_xs, 256, 136, [&](auto& b) { put16(b, 0, h_quarter); },
       [&](const auto& b, int e) {
         const int ib = e / 32, j = e % 32;
         const unsigned sh = b[2] | b[3] << 8;
         const int ls = ((b[4 + std::size_t(ib / 2)] >> (4 * (ib % 2))) & 0xF) | (int((sh >> (2 * ib)) & 3) << 4);
         return 0.25 * (ls - 32) * iq4[nib(b, 8 + 16 * std::size_t(ib), j)];
       }},
  };
  for (const auto& c : cases) {
    SECTION(std::string(lowp::io::name(c.t))) {
      CHECK(lowp::io::info(c.t).block == c.block);
      CHECK(lowp::io::info(c.t).bytes == c.bytes);
      const std::size_t nblocks = 3;
      std::vector<std::uint8_t> data;
      std::vector<std::vector<std::uint8_t>> blocks;
      for (std::size_t k = 0; k < nblocks; ++k) {
        auto b = random_bytes(c.bytes);
        c.fix(b);
        blocks.push_back(b);
        data.insert(data.end(), b.begin(), b.end());
      }
      const auto f = lowp::io::gguf_file::from_bytes(one_tensor_file(c.t, {c.block * nblocks, 1}, data));
      const auto y = f["t"].to_float();
      REQUIRE(y.size() == Eigen::Index(c.block * nblocks));
      int bad = 0;
      for (std::size_t k = 0; k < nblocks; ++k)
        for (int e = 0; e < int(c.block); ++e)
          bad += double(y(0, Eigen::Index(k * c.block) + e)) != c.value(blocks[k], e);
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("gguf: hand-worked elements of K-quant and IQ4 blocks") {
  // Q4_K: d = 1, dmin = 0.5; scale/min 0 = 3 / 2 (bytes 0 and 4), scale/min 4 from bytes 8 and 0, 4
  std::vector<std::uint8_t> b(144, 0);
  b[0] = 0x00, b[1] = 0x3C;  // d = 1.0
  b[2] = 0x00, b[3] = 0x38;  // dmin = 0.5
  b[4 + 0] = 3;              // scale 0 = 3
  b[4 + 4] = 2;              // min 0 = 2
  b[4 + 8] = 0x21;           // group 4: scale low 4 bits 1, min low 4 bits 2
  b[4 + 0] |= 0x40;          // group 4 scale high bits (bits 6-7 of byte 0) = 1 → scale 4 = 1 | 1 << 4 = 17
  b[16 + 0] = 0x5A;          // element 0: low nibble 10; element 32: high nibble 5
  b[16 + 64] = 0x07;         // element 128 (group 4, low nibble 7)
  auto y = lowp::io::gguf_file::from_bytes(one_tensor_file(ggml_type::q4_k, {256, 1}, b))["t"].to_float();
  CHECK(y(0, 0) == 1.0f * 3 * 10 - 0.5f * 2);    // 29
  CHECK(y(0, 128) == 1.0f * 17 * 7 - 0.5f * 2);  // group 4: min 4 = 2 | (byte 4 >> 6) << 4 = 2 → 118
  // IQ4_NL: d = 2, byte 0 = 0xF0: element 0 → kvalues[0] = -127, element 16 → kvalues[15] = 113
  std::vector<std::uint8_t> n(18, 0);
  n[0] = 0x00, n[1] = 0x40;
  n[2] = 0xF0;
  y = lowp::io::gguf_file::from_bytes(one_tensor_file(ggml_type::iq4_nl, {32, 1}, n))["t"].to_float();
  CHECK(y(0, 0) == -254.0f);
  CHECK(y(0, 16) == 226.0f);
  CHECK(y(0, 1) == -254.0f);  // nibble 0 too
  // Q6_K: d = 0.5, scale 0 = -3; element 0: ql low nibble 9, qh bits 0-1 = 2 → q = 9 | 32 = 41 − 32 = 9
  std::vector<std::uint8_t> s(210, 0);
  s[0] = 9;
  s[128] = 2;
  s[192] = std::uint8_t(std::int8_t(-3));
  s[208] = 0x00, s[209] = 0x38;
  y = lowp::io::gguf_file::from_bytes(one_tensor_file(ggml_type::q6_k, {256, 1}, s))["t"].to_float();
  CHECK(y(0, 0) == 0.5f * -3 * 9);
  CHECK(y(0, 1) == 0.5f * -3 * -32);  // all-zero bits: q = −32
}

TEST_CASE("gguf: malformed files give lowp::error naming the byte") {
  auto bad = [](const std::vector<std::byte>& file, const std::string& what) {
    CHECK_THROWS_WITH(lowp::io::gguf_file::from_bytes(file),
                      Catch::Contains("gguf '<memory>', byte") && Catch::Contains(what));
  };
  auto head = [](std::uint32_t version, std::uint64_t nt, std::uint64_t nkv) {
    bytes_out o;
    o.u32(0x46554747), o.u32(version), o.u64(nt), o.u64(nkv);
    return o;
  };
  bad({}, "the magic needs 4 bytes");
  bad(head(1, 0, 0).b, "version 1");
  bad(head(0x03000000, 0, 0).b, "big-endian");
  bad(head(3, 0, 1ull << 60).b, "metadata pairs need more bytes");
  bad(head(3, 1ull << 40, 0).b, "tensor infos need more bytes");
  {
    auto o = head(3, 0, 1);
    o.str("k"), o.u32(13), o.u64(0);
    bad(o.b, "unknown value type 13");
  }
  {
    auto o = head(3, 0, 1);
    o.u64(1ull << 62);
    for (int i = 0; i < 64; ++i) o.u8(0);
    bad(o.b, "runs past the end");
  }
  {
    auto o = head(3, 0, 1);
    o.str("k"), o.u32(9), o.u32(4), o.u64(1ull << 61);
    bad(o.b, "needs more bytes than the file has");
  }
  {
    auto o = head(3, 0, 2);
    o.str("k"), o.u32(4), o.u32(1);
    o.str("k"), o.u32(4), o.u32(2);
    bad(o.b, "the key 'k' appears twice");
  }
  {
    auto o = head(3, 0, 1);
    o.str("k"), o.u32(7), o.u8(2);
    bad(o.b, "not 0 or 1");
  }
  {  // 9 M one-byte elements: within the file's size, beyond the in-memory limit
    auto o = head(3, 0, 1);
    o.str("k"), o.u32(9), o.u32(0), o.u64(9u << 20);
    o.b.resize(o.b.size() + (9u << 20));
    bad(o.b, "more than 8388608 values");
  }
  {
    auto o = head(3, 0, 1);
    o.str("k"), o.u32(9);                             // an array
    for (int i = 0; i < 10; ++i) o.u32(9), o.u64(1);  // of one array, of one array, ...
    for (int i = 0; i < 64; ++i) o.u8(0);
    bad(o.b, "nested deeper");
  }
  {
    auto o = head(3, 0, 1);
    o.str("general.alignment"), o.u32(4), o.u32(48);
    bad(o.b, "power of two");
  }
  auto tensor = [&](std::uint32_t nd, std::vector<std::uint64_t> ne, std::uint32_t type, std::uint64_t off,
                    std::size_t data) {
    auto o = head(3, 1, 0);
    o.str("t"), o.u32(nd);
    for (auto d : ne) o.u64(d);
    o.u32(type), o.u64(off);
    o.pad(32);
    for (std::size_t i = 0; i < data; ++i) o.u8(0);
    return o.b;
  };
  bad(tensor(5, {1, 1, 1, 1, 1}, 0, 0, 4), "5 dimensions");
  bad(tensor(1, {4}, 31, 0, 16), "unknown ggml type 31");
  bad(tensor(1, {33}, 8, 0, 64), "not a whole number of Q8_0 blocks of 32");
  bad(tensor(1, {4}, 0, 8, 64), "not a multiple of the alignment");
  bad(tensor(1, {4}, 0, 0, 8), "run past the end of the file");
  bad(tensor(2, {1ull << 40, 1ull << 40}, 0, 0, 0), "overflow");
  {
    auto o = head(3, 2, 0);
    o.str("a"), o.u32(1), o.u64(16), o.u32(0), o.u64(0);
    o.str("b"), o.u32(1), o.u64(4), o.u32(0), o.u64(32);
    o.pad(32);
    for (int i = 0; i < 64; ++i) o.u8(0);
    bad(o.b, "overlap");
  }
  {
    auto o = head(3, 2, 0);
    o.str("a"), o.u32(1), o.u64(4), o.u32(0), o.u64(0);
    o.str("a"), o.u32(1), o.u64(4), o.u32(0), o.u64(32);
    o.pad(32);
    for (int i = 0; i < 64; ++i) o.u8(0);
    bad(o.b, "the tensor 'a' appears twice");
  }
  // a type ggml defines but lowp does not decode: the file opens, decoding names the type
  const auto f = lowp::io::gguf_file::from_bytes(tensor(1, {256}, 16, 0, 66));
  CHECK_THROWS_WITH(f["t"].to_float(), Catch::Contains("IQ2_XXS, which lowp does not decode"));
}

TEST_CASE("gguf: writer errors") {
  lowp::io::gguf_writer w;
  lowp::matrix<float> a = lowp::matrix<float>::Zero(1, 32);
  w.add("a", a);
  CHECK_THROWS_WITH(w.add("a", a), Catch::Contains("'a' added twice"));
  CHECK_THROWS_WITH(w.add(std::string(64, 'x'), a), Catch::Contains("at most 63"));
  CHECK_THROWS_WITH(w.set("general.alignment", 48u), Catch::Contains("power of two"));
  CHECK_THROWS_WITH(w.add("q", ggml_type::q8_0, {33, 1}, std::vector<std::byte>(34)),
                    Catch::Contains("whole number of Q8_0 blocks"));
  CHECK_THROWS_WITH(w.add("q", ggml_type::q8_0, {32, 1}, std::vector<std::byte>(33)), Catch::Contains("need 34"));
  lowp::matrix<lowp::float8_e4m3fn> e(1, 1);
  CHECK_THROWS_WITH(w.add("e", e), Catch::Contains("no plain type for F8_E4M3"));
  CHECK_THROWS_WITH(gguf_value::array(gguf_type::u32, {gguf_value(1.0f)}), Catch::Contains("FLOAT32, not UINT32"));
}

TEST_CASE("gguf: every ggml type's bytes round-trip through the writer and reader bit for bit") {
  std::mt19937 rng(7);
  lowp::io::gguf_writer w;
  std::vector<std::pair<std::string, std::vector<std::byte>>> written;
  for (std::uint32_t t = 0; t < lowp::io::ggml_types.size(); ++t) {
    if (!lowp::io::is_ggml_type(t)) continue;
    const auto& ti = lowp::io::ggml_types[t];
    std::vector<std::byte> b(ti.bytes * 6);
    for (auto& x : b) x = std::byte(rng());
    w.add(std::string(ti.name), ggml_type(t), {ti.block * 3, 2}, b);
    written.emplace_back(std::string(ti.name), b);
  }
  const auto p = temp_file("types.gguf");
  w.write(p);
  const auto f = lowp::io::read_gguf(p);
  REQUIRE(f.tensors().size() == written.size());
  REQUIRE(written.size() == 32);  // every type ggml defines
  for (const auto& [n, b] : written) {
    const auto& t = f[n];
    CHECK(t.ne == std::vector<std::uint64_t>{lowp::io::info(t.type).block * 3, 2});
    CHECK((t.bytes.size() == b.size() && std::memcmp(t.bytes.data(), b.data(), b.size()) == 0));
  }
  std::filesystem::remove(p);
}
