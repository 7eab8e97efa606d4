// libFuzzer target: lowp::io::safetensors_file on arbitrary bytes (make fuzz; the corpus in
// tests/fuzz/corpus/safetensors replays in every test run).
#include "fuzz_io.hpp"
#include "lowp/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto f = lowp::io::safetensors_file::from_bytes(std::as_bytes(std::span<const std::uint8_t>(data, size)));
    for (const auto& t : f.tensors()) lowp_fuzz::touch(t);
    for (const auto& [k, v] : f.metadata()) lowp_fuzz::sink = lowp_fuzz::sink + float(k.size() + v.size());
  } catch (const lowp::error&) {
  }
  return 0;
}
