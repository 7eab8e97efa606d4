// libFuzzer target: lowp::io::read_imatrix (llama.cpp importance matrices: the GGUF format and the
// older binary one) on arbitrary bytes (make fuzz; tests/fuzz/corpus/imatrix replays in every run).
#include "fuzz_io.hpp"
#include "lowp/io/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto s = lowp::io::read_imatrix(std::as_bytes(std::span<const std::uint8_t>(data, size)));
    for (const auto& [name, v] : s.columns)
      for (float x : v) lowp_fuzz::sink = lowp_fuzz::sink + x + float(name.size());
    for (const auto& d : s.datasets) lowp_fuzz::sink = lowp_fuzz::sink + float(d.size());
  } catch (const lowp::error&) {
  }
  return 0;
}
