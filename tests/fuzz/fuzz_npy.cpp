// libFuzzer target: lowp::io::read_npy on arbitrary bytes (make fuzz; the corpus in
// tests/fuzz/corpus/npy replays in every test run).
#include "fuzz_io.hpp"
#include "lowp/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto a = lowp::io::read_npy(std::as_bytes(std::span<const std::uint8_t>(data, size)));
    lowp_fuzz::touch(a.view());
  } catch (const lowp::error&) {
  }
  return 0;
}
