// The .npy reader and writer against byte fixtures written from NumPy's format description
// (numpy/lib/format.py): headers built by hand here, never by the code under test.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "io_fixtures.hpp"
#include "lowp/io/npy.hpp"

namespace {

using io_fixtures::bytes_of;
using io_fixtures::temp_file;

using lowp::io::dtype;

// A version-1.0 file: magic, version, uint16 header length, the dict padded to a multiple of 64
// with spaces and a newline, then the data.
std::string npy_v1(const std::string& dict, const std::string& data) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += char(h.size() & 0xff);
  out += char(h.size() >> 8);
  return out + h + data;
}

std::string le32(std::uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }

}  // namespace

TEST_CASE("npy: a float32 C-order file reads as its rows") {
  std::string data;
  for (float v : {1.0f, 2.0f, 3.0f, -4.0f, 0.5f, 6.0f}) {
    std::uint32_t u;
    std::memcpy(&u, &v, 4);
    data += le32(u);
  }
  const auto b = bytes_of(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data));
  const auto a = lowp::io::read_npy(b);
  CHECK(a.type == dtype::f32);
  CHECK(a.shape == std::vector<std::int64_t>{2, 3});
  const auto m = a.view().map<float>();
  CHECK(m.rows() == 2);
  CHECK(m(0, 2) == 3.0f);
  CHECK(m(1, 0) == -4.0f);
  CHECK(m(1, 1) == 0.5f);
  CHECK(m(1, 2) == 6.0f);
}

TEST_CASE("npy: Fortran order is transposed into rows, big-endian data swapped") {
  // shape (2, 3), Fortran order: memory holds column by column: a00 a10 a01 a11 a02 a12
  std::string data;
  for (std::int16_t v : {0, 10, 1, 11, 2, 12}) data += std::string{char(std::uint16_t(v) >> 8), char(v & 0xff)};
  const auto a =
      lowp::io::read_npy(bytes_of(npy_v1("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }", data)));
  CHECK(a.type == dtype::i16);
  const auto m = a.view().to<std::int16_t>();
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) CHECK(m(r, c) == 10 * r + c);
  // three dimensions, Fortran order: element (i, j, k) at i + 2 j + 6 k
  std::string d3;
  for (int f = 0; f < 24; ++f) d3 += char(f);
  const auto b3 =
      lowp::io::read_npy(bytes_of(npy_v1("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3, 4), }", d3)));
  const auto m3 = b3.view().to<std::uint8_t>();  // rows: (i, j), columns: k
  REQUIRE(m3.rows() == 6);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) CHECK(int(m3(3 * i + j, k)) == i + 2 * j + 6 * k);
}

TEST_CASE("npy: scalars, vectors, empty arrays and bools") {
  const auto s = lowp::io::read_npy(bytes_of(
      npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", std::string("\0\0\0\0\0\0\xf0\x3f", 8))));
  CHECK(s.shape.empty());
  CHECK(s.view().to<double>()(0, 0) == 1.0);
  const auto v = lowp::io::read_npy(
      bytes_of(npy_v1("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", std::string("\1\0\1", 3))));
  CHECK(v.view().cols() == 3);
  CHECK(v.view().to<float>()(0, 2) == 1.0f);
  CHECK(v.view().to<float>()(0, 1) == 0.0f);
  const auto e =
      lowp::io::read_npy(bytes_of(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", "")));
  CHECK(e.view().rows() == 0);
  CHECK(e.view().cols() == 5);
}

TEST_CASE("npy: write produces NumPy's header and reads back bit for bit") {
  lowp::matrix<float> m(2, 3);
  m << 1, 2, 3, 4, 5, -0.0f;
  const auto p = temp_file("w.npy");
  lowp::io::write_npy(p, m);
  const lowp::io::mapped_file f(p);
  const std::string expect_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const std::string raw(reinterpret_cast<const char*>(f.bytes().data()), f.size());
  REQUIRE(raw.size() == 128 + 24);  // 10 + 60 + 1 bytes of preamble, padded to 64's multiple
  CHECK(raw.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(raw.substr(10, expect_dict.size()) == expect_dict);
  CHECK(raw[127] == '\n');
  CHECK(raw[8] == char(118));
  const auto back = lowp::io::read_npy(p).view().to<float>();
  CHECK(back == m);
  CHECK(std::signbit(back(1, 2)));

  // every dtype NumPy has, through the writer and reader
  auto roundtrip = [&]<class T>(T a, T b) {
    lowp::matrix<T> x(1, 2);
    x << a, b;
    lowp::io::write_npy(p, x);
    const auto r = lowp::io::read_npy(p);
    CHECK(r.type == lowp::io::dtype_of<T>());
    CHECK(r.view().template to<T>() == x);
  };
  roundtrip(true, false);
  roundtrip(std::int8_t(-128), std::int8_t(127));
  roundtrip(std::uint8_t(0), std::uint8_t(255));
  roundtrip(std::int16_t(-32768), std::int16_t(32767));
  roundtrip(std::uint16_t(1), std::uint16_t(65535));
  roundtrip(std::int32_t(INT32_MIN), std::int32_t(7));
  roundtrip(std::uint32_t(UINT32_MAX), std::uint32_t(0));
  roundtrip(std::int64_t(INT64_MIN), std::int64_t(INT64_MAX));
  roundtrip(std::uint64_t(UINT64_MAX), std::uint64_t(3));
  roundtrip(1e300, -2.5e-310);
  lowp::matrix<lowp::float16> h(1, 2);
  h << lowp::float16::from_bits(0x7bff), lowp::float16::from_bits(0x8001);
  lowp::io::write_npy(p, h);
  const auto hr = lowp::io::read_npy(p).view().to<lowp::float16>();
  CHECK(hr(0, 0).bits() == 0x7bff);
  CHECK(hr(0, 1).bits() == 0x8001);

  // no NumPy dtype: a clear error
  lowp::matrix<lowp::bfloat16> bf(1, 1);
  bf(0, 0) = lowp::bfloat16(1.0f);
  CHECK_THROWS_WITH(lowp::io::write_npy(p, bf), Catch::Contains("NumPy has no dtype for BF16"));
  std::filesystem::remove(p);
}

TEST_CASE("npy: malformed files give lowp::error naming the byte") {
  const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  auto bad = [](const std::string& file, const std::string& what) {
    CHECK_THROWS_WITH(lowp::io::read_npy(bytes_of(file)),
                      Catch::Contains("npy '<memory>', byte") && Catch::Contains(what));
  };
  bad("", "magic string needs 6 bytes");
  bad("\x93NUMPX\x01\x00", "no \\x93NUMPY magic");
  bad(std::string("\x93NUMPY\x04\x00\x00\x00", 10), "unknown format version 4.0");
  bad(std::string("\x93NUMPY\x01\x00\xff\x00{", 11), "the header needs 255 bytes");
  bad(npy_v1(ok, ""), "need 4 data bytes, the file has 0");
  bad(npy_v1(ok, "12345"), "need 4 data bytes, the file has 5");
  bad(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", "1234"), "unknown key 'x'");
  bad(npy_v1("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "1234"),
      "'descr' given twice");
  bad(npy_v1("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "12345678"), "dtype '<c8'");
  bad(npy_v1("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "1234"), "structured dtypes");
  bad(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", ""), "non-negative integer");
  bad(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", ""), "overflow");
  bad(npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (1), }", "1234"), "trailing comma");
  bad(npy_v1("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", "1234"), "True or False");
  bad(npy_v1("{'descr': '<f4', 'shape': (1,), }", "1234"), "needs 'descr', 'fortran_order' and 'shape'");
  bad(npy_v1("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", "\x02"), "neither 0 nor 1");
  std::string no_newline = npy_v1(ok, "1234");
  no_newline[10 + std::size_t(std::uint8_t(no_newline[8])) - 1] = ' ';
  bad(no_newline, "must end with a newline");
}
