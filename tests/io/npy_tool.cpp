// npy_tool IN OUT: reads IN with lowp's .npy reader and writes it back with lowp's writer (C order,
// little-endian). tests/io/numpy_interop.py drives it against NumPy.
#include <cstdio>
#include <exception>

#include "lowp/io/npy.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: npy_tool IN OUT\n");
    return 2;
  }
  try {
    const lowp::io::npy_array a = lowp::io::read_npy(argv[1]);
    lowp::io::write_npy(argv[2], a.view());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
