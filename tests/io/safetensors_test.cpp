// The safetensors reader and writer against files built here by hand from the format's
// description (8-byte little-endian header length, JSON header, data), never by the code under test.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "io_fixtures.hpp"
#include "lowp/io/safetensors.hpp"

namespace {

using io_fixtures::bytes_of;
using io_fixtures::temp_file;

using lowp::io::dtype;

std::string le64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[std::size_t(i)] = char(v >> (8 * i));
  return s;
}
std::string file_of(const std::string& json, const std::string& data) { return le64(json.size()) + json + data; }
// As writers do: the header padded with spaces so the data starts at a multiple of 8.
std::string padded_file_of(std::string json, const std::string& data) {
  while (json.size() % 8 != 0) json += ' ';
  return file_of(json, data);
}
std::string f32s(std::initializer_list<float> v) {
  std::string s;
  for (float x : v) s.append(reinterpret_cast<const char*>(&x), 4);  // the test host is little-endian
  return s;
}

}  // namespace

TEST_CASE("safetensors: a hand-built file reads, zero-copy") {
  const std::string json = R"({"__metadata__":{"format":"pt"},"b":{"dtype":"I8","shape":[2],"data_offsets":[24,26]},)"
                           R"("a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";
  const auto f =
      lowp::io::safetensors_file::from_bytes(bytes_of(padded_file_of(json, f32s({1, 2, 3, 4, 5, 6}) + "\x7f\x80")));
  REQUIRE(f.tensors().size() == 2);
  CHECK(f.tensors()[0].name == "a");  // in the order of their bytes
  CHECK(f.metadata().at("format") == "pt");
  const auto& a = f["a"];
  CHECK(a.type == dtype::f32);
  CHECK(a.shape == std::vector<std::int64_t>{2, 3});
  const auto m = a.map<float>();
  CHECK(m(1, 2) == 6.0f);
  CHECK(reinterpret_cast<const std::byte*>(m.data()) == f.file().bytes().data() + f.data_offset());  // no copy
  CHECK(f.data_offset() == 8 + (json.size() + 7) / 8 * 8);
  const auto b = f["b"].to<std::int8_t>();
  CHECK(b(0, 0) == 127);
  CHECK(b(0, 1) == -128);
  CHECK(f["b"].to_float()(0, 1) == -128.0f);
  CHECK_THROWS_WITH(f["c"], Catch::Contains("no tensor 'c'"));
  CHECK_THROWS_WITH(a.map<double>(), Catch::Contains("is F32, not F64"));
  CHECK(f.find("c") == nullptr);
  // a header that leaves the data misaligned: the map refuses, the copy works
  const auto g = lowp::io::safetensors_file::from_bytes(
      bytes_of(file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}} )", f32s({7}))));
  CHECK_THROWS_WITH(g["a"].map<float>(), Catch::Contains("not aligned to 4 bytes"));
  CHECK(g["a"].to<float>()(0, 0) == 7.0f);
}

TEST_CASE("safetensors: the writer's bytes are the canonical layout") {
  lowp::matrix<float> a(1, 2);
  a << 1.0f, 2.0f;
  lowp::matrix<std::int8_t> c(1, 3);
  c << 1, 2, 3;
  lowp::io::safetensors_writer w;
  w.add("c", c);
  w.add("a", a);
  w.metadata("k", "v");
  const auto p = temp_file("w.safetensors");
  w.write(p);
  // sorted by descending element size, then name; __metadata__ first; padded with spaces to 8
  std::string json = R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},)"
                     R"("c":{"dtype":"I8","shape":[1,3],"data_offsets":[8,11]}})";
  while (json.size() % 8 != 0) json += ' ';
  const std::string expect = file_of(json, f32s({1, 2}) + "\x01\x02\x03");
  const lowp::io::mapped_file mf(p);
  CHECK(std::string(reinterpret_cast<const char*>(mf.bytes().data()), mf.size()) == expect);
  CHECK(mf.is_mapped());
  const auto f = lowp::io::read_safetensors(p);
  CHECK(f["a"].to<float>() == a);
  CHECK(f["c"].to<std::int8_t>() == c);
  CHECK(f.metadata().at("k") == "v");
  std::filesystem::remove(p);
}

TEST_CASE("safetensors: every dtype round-trips bit for bit, all codes of the small formats") {
  lowp::io::safetensors_writer w;
  auto all_codes = [&]<class T>(const char* n, unsigned count) {
    lowp::matrix<T> m(1, Eigen::Index(count));
    for (unsigned i = 0; i < count; ++i) m(0, Eigen::Index(i)) = T::from_bits(typename T::storage_type(i));
    w.add(n, m);
    return m;
  };
  const auto e4 = all_codes.operator()<lowp::float8_e4m3fn>("e4m3", 256);
  const auto e5 = all_codes.operator()<lowp::float8_e5m2>("e5m2", 256);
  const auto e4z = all_codes.operator()<lowp::float8_e4m3fnuz>("e4m3fnuz", 256);
  const auto e5z = all_codes.operator()<lowp::float8_e5m2fnuz>("e5m2fnuz", 256);
  const auto e8 = all_codes.operator()<lowp::float8_e8m0fnu>("e8m0", 256);
  const auto f6a = all_codes.operator()<lowp::float6_e2m3fn>("f6a", 64);
  const auto f6b = all_codes.operator()<lowp::float6_e3m2fn>("f6b", 64);
  const auto f4 = all_codes.operator()<lowp::float4_e2m1fn>("f4", 16);
  const auto h = all_codes.operator()<lowp::float16>("f16", 65536);
  const auto bf = all_codes.operator()<lowp::bfloat16>("bf16", 65536);
  lowp::matrix<double> d(2, 2);
  d << 1e300, -0.0, 5e-324, 3.0;
  w.add("f64", d);
  lowp::matrix<std::uint64_t> u(1, 2);
  u << UINT64_MAX, 1;
  w.add("u64", u);
  lowp::matrix<bool> bo(1, 2);
  bo << true, false;
  w.add("bool", bo);
  const auto p = temp_file("all.safetensors");
  w.write(p);
  const auto f = lowp::io::read_safetensors(p);
  auto same = [&]<class T>(const char* n, const lowp::matrix<T>& m) {
    const auto back = f[n].to<T>();
    REQUIRE(back.size() == m.size());
    bool eq = true;
    for (Eigen::Index i = 0; i < m.size(); ++i) eq = eq && back.data()[i].bits() == m.data()[i].bits();
    CHECK(eq);
    // decoding to float equals the format's own conversion, code by code (NaN to NaN)
    const auto fl = f[n].to_float();
    bool feq = true;
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      const float want = float(m.data()[i]);
      feq = feq && (std::isnan(want) ? std::isnan(fl.data()[i]) : std::memcmp(&want, &fl.data()[i], 4) == 0);
    }
    CHECK(feq);
  };
  same("e4m3", e4);
  same("e5m2", e5);
  same("e4m3fnuz", e4z);
  same("e5m2fnuz", e5z);
  same("e8m0", e8);
  same("f6a", f6a);
  same("f6b", f6b);
  same("f4", f4);
  same("f16", h);
  same("bf16", bf);
  CHECK(f["f6a"].bytes.size() == 48);  // 64 codes × 6 bits, packed
  CHECK(f["f4"].bytes.size() == 8);
  // F4: two codes a byte, element 0 in the low nibble
  CHECK(f["f4"].bytes[0] == std::byte{0x10});
  CHECK(f["f4"].bytes[7] == std::byte{0xfe});
  CHECK(f["f64"].to<double>() == d);
  CHECK(f["u64"].to<std::uint64_t>() == u);
  CHECK(f["bool"].to<bool>() == bo);
  CHECK(f["bf16"].map<lowp::bfloat16>()(0, 0x3f80).bits() == 0x3f80);
  std::filesystem::remove(p);
}

TEST_CASE("safetensors: malformed files give lowp::error naming the byte") {
  auto bad = [](const std::string& file, const std::string& what) {
    CHECK_THROWS_WITH(lowp::io::safetensors_file::from_bytes(bytes_of(file)),
                      Catch::Contains("safetensors '<memory>', byte") && Catch::Contains(what));
  };
  const std::string t = R"("t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  bad("", "the header length needs 8 bytes");
  bad(le64(200'000'000) + "{}", "exceeds the limit");
  bad(le64(10) + "{}", "the header needs 10 bytes");
  bad(file_of("[]", ""), "starting with '{'");
  bad(file_of("{\"t\":", ""), "not valid JSON");
  bad(file_of("{" + t + "}", "123"), "ends at data byte 4, past the end of the file's 3 data bytes");
  bad(file_of("{" + t + "}", "12345"), "1 bytes after the last tensor");
  bad(file_of("{" + t + "," + t + "}", "1234"), "key 't' twice");
  bad(file_of(R"({"t":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", "1234"), "nests deeper");
  bad(file_of(R"({"t":{"dtype":"Q9","shape":[1],"data_offsets":[0,4]}})", "1234"), "unknown dtype 'Q9'");
  bad(file_of(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "1234"), "not a non-negative integer");
  bad(file_of(R"({"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", "1234"), "not a non-negative integer");
  bad(file_of(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", "12345678"), "data_offsets give 8");
  bad(file_of(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "1234"), "end before they begin");
  bad(file_of(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", "12345678"), "expected 0");
  bad(file_of(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", "1234"), "exactly dtype");
  bad(file_of(R"({"t":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", "12"), "not a whole number of bytes");
  bad(file_of(R"({"t":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", ""), "overflow");
  bad(file_of(R"({"__metadata__":{"a":1}})", ""), "is not a string");
  {  // limits on what the parse allocates: array elements, keys
    std::string shape = "[1";
    for (int i = 0; i < 64; ++i) shape += ",1";
    bad(file_of(R"({"t":{"dtype":"U8","shape":)" + shape + R"(],"data_offsets":[0,1]}})", "1"),
        "more than 64 elements");
    std::string many = R"({"__metadata__":{)";
    for (int i = 0; i <= (1 << 20); ++i) many += (i ? ",\"" : "\"") + std::to_string(i) + "\":\"\"";
    bad(file_of(many + "}}", ""), "more than 1048576 keys");
  }
  bad(file_of(
          R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})",
          "123"),
      "tile the data");
  bad(file_of(R"({"t":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", "1"),
      "past the end of the file's 1 data bytes");
  // an empty file of tensors is valid
  CHECK(lowp::io::safetensors_file::from_bytes(bytes_of(file_of("{}      ", ""))).tensors().empty());
}

TEST_CASE("safetensors: writer errors") {
  lowp::io::safetensors_writer w;
  lowp::matrix<float> a(1, 1);
  a(0, 0) = 1;
  w.add("a", a);
  CHECK_THROWS_WITH(w.add("a", a), Catch::Contains("'a' added twice"));
  CHECK_THROWS_WITH(w.add("__metadata__", a), Catch::Contains("cannot name a tensor"));
  CHECK_THROWS_WITH(w.add("f4", dtype::f4_e2m1, {3}, std::vector<std::byte>(2)),
                    Catch::Contains("whole number of bytes"));
  CHECK_THROWS_WITH(w.add("x", dtype::f32, {3}, std::vector<std::byte>(8)), Catch::Contains("has 8 bytes"));
}
