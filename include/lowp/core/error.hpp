// lowp/core/error.hpp: the one exception type of lowp (DESIGN.md, rule 3).
#pragma once
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

}  // namespace lowp
