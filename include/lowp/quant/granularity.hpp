// lowp/quant/granularity.hpp: which elements share a scale, and the shape checks.
//
// A quantized matrix is row-major and each row runs along the reduction dimension K (X is M×K,
// W is N×K: docs/architecture.md), so groups and MX / NVFP4 blocks run along a row.
//   per_tensor             one scale for the whole matrix
//   per_channel            one scale per row (per token for X, per output channel for W);
//                          per_token and per_row are the same type
//   per_group{g}           g consecutive elements of a row
//   per_block{br, bc}      a br × bc tile
// A group or block size that does not divide the matrix is a lowp::error naming both numbers,
// unless the granularity is built with lowp::pad: the matrix is then treated as if padded to the
// next multiple, the padding is neither stored (codes hold exactly rows × cols values) nor counted
// in any statistic (the last group of a row holds fewer elements and its scale comes from them).
#pragma once
#include <cstddef>
#include <string>

#include "lowp/core/error.hpp"
#include "lowp/quant/rows.hpp"

namespace lowp {

/// Ask for a partial last group / block instead of an error when the size does not divide.
struct pad_t {};
inline constexpr pad_t pad{};

struct per_tensor {};
struct per_channel {};
using per_token = per_channel;
using per_row = per_channel;
struct per_group {
  std::size_t size = 0;
  bool padded = false;
  constexpr per_group(std::size_t g) : size(g) {}
  constexpr per_group(std::size_t g, pad_t) : size(g), padded(true) {}
};
struct per_block {
  std::size_t rows = 0, cols = 0;
  bool padded = false;
  constexpr per_block(std::size_t r, std::size_t c) : rows(r), cols(c) {}
  constexpr per_block(std::size_t r, std::size_t c, pad_t) : rows(r), cols(c), padded(true) {}
};

/// What to do with NaN / Inf in the input (spec §8).
enum class on_nonfinite {
  nan_group,  ///< the group's scale becomes NaN and the whole group dequantizes to NaN (default)
  error       ///< throw lowp::error naming the row and column
};

/// Any granularity as one runtime value: a tile of tile_rows × tile_cols elements shares a scale
/// (0 means "the whole dimension").
struct granularity {
  enum class kind { tensor, channel, group, block } k = kind::tensor;
  std::size_t tile_rows = 0, tile_cols = 0;
  bool padded = false;
  constexpr granularity() = default;
  constexpr granularity(per_tensor) {}
  constexpr granularity(per_channel) : k(kind::channel), tile_rows(1) {}
  constexpr granularity(per_group g) : k(kind::group), tile_rows(1), tile_cols(g.size), padded(g.padded) {}
  constexpr granularity(per_block b) : k(kind::block), tile_rows(b.rows), tile_cols(b.cols), padded(b.padded) {}

  /// The tile height and width for a rows × cols matrix (checked: throws lowp::error).
  std::size_t height(std::size_t rows) const { return tile_rows == 0 ? rows : tile_rows; }
  std::size_t width(std::size_t cols) const { return tile_cols == 0 ? cols : tile_cols; }
  /// Tiles along each dimension.
  std::size_t tiles_down(std::size_t rows) const {
    const std::size_t h = height(rows);
    return h == 0 ? 0 : (rows + h - 1) / h;
  }
  std::size_t tiles_across(std::size_t cols) const {
    const std::size_t w = width(cols);
    return w == 0 ? 0 : (cols + w - 1) / w;
  }
  /// Throws lowp::error unless a rows × cols matrix can be quantized at this granularity.
  void check(std::size_t rows, std::size_t cols, const char* who) const {
    const std::string w(who);
    const detail::block_fit fit = padded ? detail::block_fit::padded : detail::block_fit::exact;
    if (k == kind::group) return detail::check_row_blocks(w, rows, cols, tile_cols, "group size", fit);
    detail::check_row_blocks(w, rows, cols, 1, "", fit);  // not empty
    if (k != kind::block) return;
    if (tile_rows == 0 || tile_cols == 0)
      throw error(w + ": per_block sizes must be at least 1, got " + std::to_string(tile_rows) + " x " +
                  std::to_string(tile_cols));
    detail::check_row_blocks(w, rows, cols, tile_cols, "block width", fit);
    detail::check_row_blocks(w, rows, cols, tile_rows, "block height", fit, true);
  }
  std::string name() const {
    switch (k) {
      case kind::tensor:
        return "per_tensor";
      case kind::channel:
        return "per_channel";
      case kind::group:
        return "per_group{" + std::to_string(tile_cols) + "}";
      default:
        return "per_block{" + std::to_string(tile_rows) + "," + std::to_string(tile_cols) + "}";
    }
  }
};

}  // namespace lowp
