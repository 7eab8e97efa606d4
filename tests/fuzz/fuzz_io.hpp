// tests/fuzz/fuzz_io.hpp: what every fuzz target of the file layer does with a parsed file: read
// every element of every tensor it holds (through the decoders users call), so a view that points
// outside the bytes, or a decoder that reads past them, shows under AddressSanitizer. A malformed
// input must end in lowp::error; any other exception escapes and libFuzzer reports it as a crash.
#pragma once
#include <cstddef>
#include <cstdint>

#include "lowp/io/tensor.hpp"

namespace lowp_fuzz {

inline volatile float sink = 0;

inline void touch(const lowp::io::tensor_view& t) {
  if (t.type == lowp::io::dtype::c64 || t.elements() > (1 << 20)) {
    for (std::byte b : t.bytes) sink = sink + float(std::to_integer<int>(b));
    return;
  }
  const lowp::matrix<float> m = t.to_float();
  for (Eigen::Index i = 0; i < m.size(); ++i) sink = sink + m.data()[i];
}

}  // namespace lowp_fuzz
