// tests/fuzz/make_gguf_seeds.cpp: writes the GGUF seeds of the fuzz corpus (tests/fuzz/corpus/gguf)
// with lowp's writer, one small file per ggml type. Build and run by hand:
//   g++ -std=c++20 -Iinclude -isystem /usr/include/eigen3 tests/fuzz/make_gguf_seeds.cpp -o seeds && ./seeds
//   tests/fuzz/corpus/gguf
#include <random>
#include "lowp/io/gguf.hpp"
int main(int, char** argv) {
  using namespace lowp::io;
  std::mt19937 rng(1);
  const std::string dir = argv[1];
  int n = 0;
  for (std::uint32_t t = 0; t < ggml_types.size(); ++t) {
    if (!is_ggml_type(t)) continue;
    const auto& ti = ggml_types[t];
    gguf_writer w;
    w.set("general.architecture", "llama");
    w.set("x.list", gguf_value::array(gguf_type::i32, {gguf_value(std::int32_t(1)), gguf_value(std::int32_t(2))}));
    w.set("x.nested", gguf_value::array(gguf_type::array, {gguf_value::array(gguf_type::string, {gguf_value("a")})}));
    std::vector<std::byte> b(ti.bytes * 2);
    for (auto& x : b) x = std::byte(rng());
    if (t == 0)
      for (std::size_t i = 0; i < b.size(); i += 4) b[i + 3] = std::byte(0x3f);
    w.add("t", ggml_type(t), {ti.block, 2}, b);
    w.write(dir + "/seed_" + std::string(ti.name) + ".gguf");
    ++n;
  }
  gguf_writer e;
  e.write(dir + "/empty.gguf");
  return n > 0 ? 0 : 1;
}
