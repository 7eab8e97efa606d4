// lowp/quant/rows.hpp: what every quantization scheme does to its input before it encodes a
// block: the shape checks (not empty, blocks of at least one element that divide the columns unless
// padding was asked for), the one message for a non-finite value, and the row driver of the
// schemes whose blocks lie along rows (MX, NVFP4, trit-planes, llama.cpp blocks). Each scheme
// supplies only how a row's blocks are encoded; uniform schemes, whose tiles may span rows, use the
// same checks and messages (quant/granularity.hpp, quant/uniform.hpp).
#pragma once
#include <cmath>
#include <cstddef>
#include <string>

#include "lowp/core/error.hpp"
#include "lowp/quant/matrix.hpp"

namespace lowp::detail {

/// How a scheme's blocks may meet the matrix's columns.
enum class block_fit {
  padded,      // the last block of a row may be short (lowp::pad was asked for)
  exact,       // the block must divide the columns; lowp::pad would allow it
  must_divide  // the block must divide the columns, and the format has no padded form (llama.cpp)
};

/// Refuses an empty matrix, a block of zero elements, and a block that does not divide the columns
/// (the rows, for `down`) unless padded, naming `who`, the sizes, and the way out.
inline void check_row_blocks(const std::string& who, std::size_t rows, std::size_t cols, std::size_t block,
                             const char* block_name, block_fit fit, bool down = false) {
  if (rows == 0 || cols == 0)
    throw error(who + ": the matrix is empty (" + std::to_string(rows) + " x " + std::to_string(cols) + ")");
  if (block == 0) throw error(who + ": " + block_name + " must be at least 1");
  const std::size_t n = down ? rows : cols;
  if (fit != block_fit::padded && n % block != 0)
    throw error(who + ": " + block_name + " " + std::to_string(block) + " does not divide the " + std::to_string(n) +
                (down ? " rows" : " columns") + (fit == block_fit::exact ? " (ask for lowp::pad to allow it)" : ""));
}

/// The one message for a value a scheme cannot take: "who: non-finite value nan at row r, column c",
/// then why it is refused when that is not on_nonfinite::error.
[[noreturn]] inline void throw_nonfinite(const std::string& who, float v, std::size_t row, std::size_t col,
                                         const std::string& why = {}) {
  throw error(who + ": non-finite value " + number(double(v)) + " at row " + std::to_string(row) + ", column " +
              std::to_string(col) + why);
}

/// Throws throw_nonfinite's error for the first non-finite value of row r, columns [c0, c1).
inline void refuse_nonfinite(const std::string& who, const float* row, std::size_t r, std::size_t c0, std::size_t c1) {
  for (std::size_t c = c0; c < c1; ++c)
    if (!std::isfinite(row[c])) throw_nonfinite(who, row[c], r, c);
}

/// Whether every value of the matrix is finite (one pass, no early exit: it vectorises).
inline bool all_finite(const float_rows& x) {
  bool finite = true;
  for (std::size_t r = 0; r < x.rows(); ++r) {
    const float* p = x.row(r);
    for (std::size_t c = 0; c < x.cols(); ++c) finite &= std::isfinite(p[c]);
  }
  return finite;
}

/// The row driver of the row-block schemes: checks the shape, then for each row refuses its
/// non-finite values when `refuse` (on_nonfinite::error) and calls encode_row(r, row), which
/// encodes the row's blocks and hands them on.
template <class EncodeRow>
void for_each_row(const float_rows& x, std::size_t block, const char* block_name, block_fit fit, bool refuse,
                  const std::string& who, EncodeRow&& encode_row) {
  check_row_blocks(who, x.rows(), x.cols(), block, block_name, fit);
  for (std::size_t r = 0; r < x.rows(); ++r) {
    if (refuse) refuse_nonfinite(who, x.row(r), r, 0, x.cols());
    encode_row(r, x.row(r));
  }
}

}  // namespace lowp::detail
