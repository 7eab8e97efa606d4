// tests/io/io_fixtures.hpp: what the file-layer tests share: bytes from a string, a temporary path.
#pragma once
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace io_fixtures {

inline std::vector<std::byte> bytes_of(const std::string& s) {
  std::vector<std::byte> b(s.size());
  if (!s.empty()) std::memcpy(b.data(), s.data(), s.size());  // (memcpy of nothing from null is UB)
  return b;
}
inline std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("lowp_io_test_" + name);
}

}  // namespace io_fixtures
