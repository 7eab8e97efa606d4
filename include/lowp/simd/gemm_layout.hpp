// lowp/simd/gemm_layout.hpp: how the integer GEMM kernels see their operands.
//
// Y = X · Wᵀ runs along K, which the scales split into segments (the runs of K on which the scales of
// both operands are constant: W's groups, or MX / NVFP4 blocks). The kernels compute, for every
// segment, the exact int32 dot products D_s = Σ_k x·w; what is done with D_s (a sum, or a scaled
// float sum) belongs to simd/gemm.hpp. Both operands are laid out on the same k-steps (groups of 4
// consecutive k), each segment padded with zeros to a whole number of blocks, so a kernel reads
// segment s at k-steps [qbeg[s], qbeg[s+1]) of both.
//
// Each kernel family reads its own weight layout, and prepack builds only the one the chosen kernel
// reads (gemmlowp's KernelFormat idea):
//   int8_panels  signed int8, for the scalar and AVX2 kernels;
//   vnni_panels  unsigned fields w + offset of 8, 4 or 2 bits, two panels interleaved, for AVX-512
//                VNNI (vpdpbusd multiplies unsigned by signed bytes: the weights are the unsigned
//                side, so the correction offset · Σx depends on the row only).
// Both give every weight through value(n, k), which the scalar kernel uses on either layout.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace lowp::simd {

/// Columns per panel and per panel pair (the kernels' unit of work along N).
inline constexpr std::size_t panel_cols = 16, pair_cols = 32;

/// How K splits into segments of `seg` (the last may be shorter), and where segment s lies in a
/// layout of k-steps padded so that every segment starts on a block of `align` k-steps.
struct k_segments {
  std::size_t k = 0, seg = 1;
  std::vector<std::size_t> qbeg{0};  // segment s: k-steps [qbeg[s], qbeg[s+1]); qbeg.back() = all steps
  k_segments() = default;
  k_segments(std::size_t K, std::size_t segment, std::size_t align) : k(K), seg(segment) {
    const std::size_t n = (K + segment - 1) / segment;
    qbeg.assign(n + 1, 0);
    for (std::size_t s = 0; s < n; ++s) {
      const std::size_t steps = (width(s) + 3) / 4;
      qbeg[s + 1] = qbeg[s] + (steps + align - 1) / align * align;
    }
  }
  std::size_t count() const { return qbeg.size() - 1; }
  std::size_t steps() const { return qbeg.back(); }
  std::size_t first(std::size_t s) const { return s * seg; }  // the first k of segment s
  std::size_t width(std::size_t s) const { return std::min(seg, k - s * seg); }
  /// Lays N columns of weights out on these k-steps: place(c) gives column c's writer put(at, v),
  /// called with each v = w(c, k) and its position at = 4 · k-step + kk. Returns Σ w of segment s,
  /// column c at s · np + c (the kernels' offset correction and the zero points use it).
  template <class Get, class Place>
  std::vector<std::int32_t> pack_columns(std::size_t N, std::size_t np, Get&& w, Place&& place) const {
    std::vector<std::int32_t> colsum(count() * np, 0);
    for (std::size_t c = 0; c < N; ++c) {
      auto put = place(c);
      for (std::size_t s = 0; s < count(); ++s) {
        const std::size_t k0 = first(s), kw = width(s), at0 = 4 * qbeg[s];
        std::int32_t sum = 0;
        for (std::size_t j = 0; j < kw; ++j) {
          const int v = int(w(c, k0 + j));
          put(at0 + j, v);
          sum += v;
        }
        colsum[s * np + c] = sum;
      }
    }
    return colsum;
  }
};

/// Σ p[i] over n int8 values, exactly: 64 int32 lanes in a fixed-length inner loop, which
/// compilers vectorise at -O2 as at -O3 (|Σ| < 2^31 for n < 2^24).
inline std::int32_t sum_int8(const std::int8_t* p, std::size_t n) {
  std::int32_t lane[64] = {};
  const std::size_t full = n - n % 64;
  for (std::size_t i = 0; i < full; i += 64)
    for (std::size_t j = 0; j < 64; ++j) lane[j] += p[i + j];
  std::int32_t sum = 0;
  for (std::size_t i = full; i < n; ++i) sum += p[i];
  for (std::size_t j = 0; j < 64; ++j) sum += lane[j];
  return sum;
}

/// M rows of int8 activations laid out on the k-steps of `ks` (zeros in the padding), with every
/// row's Σx per segment (the kernels' offset correction and the zero points use it).
struct x_rows {
  std::size_t m = 0, ld = 0, segments = 0;  // ld: bytes per row, 4 · steps
  std::vector<std::int8_t> data;
  std::vector<std::int32_t> sums;  // row r, segment s at r · segments + s
  /// row(r) gives the K int8 values of row r.
  template <class Row>
  void build(const k_segments& ks, std::size_t M, Row&& row) {
    m = M;
    ld = 4 * ks.steps();
    segments = ks.count();
    data.assign(m * ld + 63, 0);
    sums.assign(m * segments, 0);
    for (std::size_t r = 0; r < m; ++r) {
      const std::int8_t* v = row(r);
      for (std::size_t s = 0; s < segments; ++s) {
        std::int8_t* dst = data.data() + first() + r * ld + 4 * ks.qbeg[s];
        std::memcpy(dst, v + ks.first(s), ks.width(s));
        sums[r * segments + s] = sum_int8(dst, ks.width(s));
      }
    }
  }
  /// Rows start on a cache line (where they did not, the fused GEMV kernel ran 10-20% slower on
  /// rows built per call: docs/performance.md). Computed, not stored, so a copy stays right.
  std::size_t first() const { return std::size_t(-reinterpret_cast<std::uintptr_t>(data.data()) & 63); }
  const std::int8_t* row(std::size_t r) const { return data.data() + first() + r * ld; }
  /// Row r's Σx, one per segment.
  const std::int32_t* row_sums(std::size_t r) const { return sums.data() + r * segments; }
  std::int32_t sum(std::size_t r, std::size_t s) const { return row_sums(r)[s]; }
};

/// Signed int8 weights for the scalar and AVX2 kernels: panel p holds columns 16p … 16p + 15, one
/// 64-byte block per k-step (byte 4c + kk = w[16p + c][4q + kk]); N is padded to whole panel pairs.
struct int8_panels {
  std::size_t n = 0, np = 0;  // columns (W's rows), padded to a multiple of 32
  k_segments ks;
  std::vector<std::int8_t> data;
  std::vector<std::int32_t> colsum;  // Σ w of segment s, column c at s · np + c
  /// w(c, k) for c < N, k < K.
  template <class Get>
  void pack(std::size_t N, const k_segments& segments, Get&& w) {
    n = N;
    np = (N + pair_cols - 1) / pair_cols * pair_cols;
    ks = segments;
    data.assign(np * 4 * ks.steps(), 0);
    colsum = ks.pack_columns(N, np, w, [&](std::size_t c) {
      std::int8_t* col = data.data() + (c / panel_cols) * panel_cols * 4 * ks.steps() + (c % panel_cols) * 4;
      return [col](std::size_t at, int v) { col[(at / 4) * 64 + at % 4] = std::int8_t(v); };
    });
  }
  const std::int8_t* panel(std::size_t p) const { return data.data() + p * panel_cols * 4 * ks.steps(); }
  /// The weight of column c at layout position q (k-step), kk.
  int value(std::size_t c, std::size_t q, std::size_t kk) const {
    return panel(c / panel_cols)[q * 64 + (c % panel_cols) * 4 + kk];
  }
};

/// Unsigned weight fields w + offset for the AVX-512 VNNI kernels. A block covers G = 8 / bits
/// k-steps of two panels: 64 bytes for panel 2·pp, then 64 for panel 2·pp + 1; byte 4c + kk of a
/// panel holds k-step G·b + t in bits [t·bits, (t + 1)·bits). Blocks follow each other over all of K,
/// pair after pair. Segments start on whole blocks (k_segments' align = G).
struct vnni_panels {
  std::size_t n = 0, np = 0;
  k_segments ks;
  int bits = 8;      // field width: 8, 4 or 2
  int offset = 128;  // field = w + offset, in [0, 2^bits)
  std::vector<std::uint8_t> data;
  std::vector<std::int32_t> colsum;  // Σ w (not of the fields) of segment s, column c at s · np + c
  std::size_t steps_per_block() const { return std::size_t(8 / bits); }
  std::size_t blocks() const { return ks.steps() / steps_per_block(); }
  std::size_t pair_bytes() const { return blocks() * 128; }
  const std::uint8_t* pair(std::size_t pp) const { return data.data() + pp * pair_bytes(); }
  /// w(c, k) for c < N, k < K, each in [−offset, 2^bits − offset).
  template <class Get>
  void pack(std::size_t N, const k_segments& segments, int field_bits, int field_offset, Get&& w) {
    n = N;
    np = (N + pair_cols - 1) / pair_cols * pair_cols;
    ks = segments;
    bits = field_bits;
    offset = field_offset;
    const std::size_t G = steps_per_block();
    unsigned zero = 0;  // the field of w = 0 in every position of a byte: the padding (columns and k)
    for (std::size_t t = 0; t < G; ++t) zero |= unsigned(offset) << (std::size_t(bits) * t);
    data.assign(np / pair_cols * pair_bytes(), std::uint8_t(zero));
    const int gshift = G == 1 ? 0 : G == 2 ? 1 : 2;  // G = 2^gshift
    const unsigned fmask = (1u << bits) - 1u;
    colsum = ks.pack_columns(N, np, w, [&](std::size_t c) {
      std::uint8_t* col =
          data.data() + (c / pair_cols) * pair_bytes() + ((c / panel_cols) % 2) * 64 + (c % panel_cols) * 4;
      return [col, G, gshift, fmask, b = std::size_t(bits), off = offset](std::size_t at, int v) {
        const std::size_t q = at / 4, sh = b * (q & (G - 1));
        std::uint8_t& byte = col[(q >> gshift) * 128 + at % 4];
        byte = std::uint8_t((byte & ~(fmask << sh)) | ((unsigned(v + off) & fmask) << sh));
      };
    });
  }
  /// The weight (w, not its field) of column c at layout position q (k-step), kk.
  int value(std::size_t c, std::size_t q, std::size_t kk) const {
    const std::size_t G = steps_per_block();
    const std::uint8_t byte =
        pair(c / pair_cols)[(q / G) * 128 + ((c / panel_cols) % 2) * 64 + (c % panel_cols) * 4 + kk];
    const int field = (byte >> (std::size_t(bits) * (q % G))) & ((1 << bits) - 1);
    return field - offset;
  }
};

}  // namespace lowp::simd
