// libFuzzer target: lowp::io::safetensors_file on arbitrary bytes (make fuzz; the corpus in
// tests/fuzz/corpus/safetensors replays in every test run); a file that names lowp's schema is also
// read as a quantized_model and every tensor of it decoded by its scheme.
#include "fuzz_io.hpp"
#include "lowp/io/model.hpp"
#include "lowp/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span<const std::uint8_t>(data, size));
  try {
    const auto f = lowp::io::safetensors_file::from_bytes(bytes);
    for (const auto& t : f.tensors()) lowp_fuzz::touch(t);
    for (const auto& [k, v] : f.metadata()) lowp_fuzz::sink = lowp_fuzz::sink + float(k.size() + v.size());
    if (!f.metadata().count("lowp.schema")) return 0;
    const auto q = lowp::io::quantized_model::from_bytes(bytes);
    for (const auto& n : q.names()) {
      const lowp::matrix<float> m = q.to_float(n);
      for (Eigen::Index i = 0; i < m.size(); ++i) lowp_fuzz::sink = lowp_fuzz::sink + m.data()[i];
    }
  } catch (const lowp::error&) {
  }
  return 0;
}
