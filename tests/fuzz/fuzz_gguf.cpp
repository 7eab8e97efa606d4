// libFuzzer target: lowp::io::gguf_file on arbitrary bytes (make fuzz; the corpus in
// tests/fuzz/corpus/gguf replays in every test run). Every tensor lowp decodes is decoded, every
// metadata value visited.
#include "fuzz_io.hpp"
#include "lowp/io/gguf.hpp"

namespace {
void visit(const lowp::io::gguf_value& v) {
  if (v.type() == lowp::io::gguf_type::array)
    for (const auto& it : v.items()) visit(it);
  else if (v.type() == lowp::io::gguf_type::string)
    lowp_fuzz::sink = lowp_fuzz::sink + float(v.as_string().size());
  else
    lowp_fuzz::sink = lowp_fuzz::sink + float(v.bits() & 1);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto f = lowp::io::gguf_file::from_bytes(std::as_bytes(std::span<const std::uint8_t>(data, size)));
    for (const auto& [k, v] : f.metadata()) visit(v);
    for (const auto& t : f.tensors()) {
      if (t.rows() * t.cols() > (1 << 20) || !lowp::io::info(t.type).decoded) {
        for (std::byte b : t.bytes) lowp_fuzz::sink = lowp_fuzz::sink + float(std::to_integer<int>(b));
        continue;
      }
      const lowp::matrix<float> m = t.to_float();
      for (Eigen::Index i = 0; i < m.size(); ++i) lowp_fuzz::sink = lowp_fuzz::sink + m.data()[i];
    }
  } catch (const lowp::error&) {
  }
  return 0;
}
