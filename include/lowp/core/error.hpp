// lowp/core/error.hpp: the one exception type of lowp (docs/architecture.md, rule 3).
#pragma once
#include <cstdio>
#include <stdexcept>
#include <string>

#include "lowp/core/fp.hpp"

namespace lowp {

/// Thrown for bad input: a shape or group size that does not fit, an empty matrix, a scale
/// that cannot be represented. The message names the argument and the values.
class error : public std::invalid_argument {
 public:
  explicit error(const std::string& what) : std::invalid_argument("lowp: " + what) {}
};

namespace detail {
/// A real number for an error message: nine significant digits, so 1e-40 and 1e10 read as such
/// (std::to_string's fixed six decimals print both tiny and huge values badly).
inline std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}
}  // namespace detail

}  // namespace lowp
