// lowp/simd/gemm_scalar.hpp: the scalar integer GEMM kernel, the reference of the others. It reads
// either weight layout of simd/gemm_layout.hpp, so it is also what runs when the ISA cap falls below
// the kernel a layout was built for (same bits: the sums are exact).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lowp/simd/gemm_layout.hpp"

namespace lowp::simd::detail {

/// acc[r · ldc + j] = Σ_{k in segment s} x[r][k] · w[32 · pair0 + j][k] for rows r < x.m and the
/// columns of pairs [pair0, pair1), exactly, on int8 panels.
inline void dot_scalar(const int8_panels& w, const x_rows& x, std::size_t s, std::int32_t* acc, std::size_t ldc,
                       std::size_t pair0, std::size_t pair1) {
  const std::size_t q0 = w.ks.qbeg[s], q1 = w.ks.qbeg[s + 1];
  for (std::size_t r = 0; r < x.m; ++r) {
    const std::int8_t* xr = x.row(r);
    for (std::size_t p = 2 * pair0; p < 2 * pair1; ++p) {
      std::int32_t t[panel_cols] = {};
      const std::int8_t* pan = w.panel(p);
      for (std::size_t q = q0; q < q1; ++q)
        for (std::size_t c = 0; c < panel_cols; ++c)
          for (std::size_t kk = 0; kk < 4; ++kk)
            t[c] += std::int32_t(xr[4 * q + kk]) * std::int32_t(pan[q * 64 + c * 4 + kk]);
      std::memcpy(acc + r * ldc + (p - 2 * pair0) * panel_cols, t, sizeof(t));
    }
  }
}

/// The same on VNNI panels (their fields read back as weights): the fallback when the cap no
/// longer allows the VNNI kernel a layout was built for.
inline void dot_scalar(const vnni_panels& w, const x_rows& x, std::size_t s, std::int32_t* acc, std::size_t ldc,
                       std::size_t pair0, std::size_t pair1) {
  const std::size_t q0 = w.ks.qbeg[s], q1 = w.ks.qbeg[s + 1];
  for (std::size_t r = 0; r < x.m; ++r) {
    const std::int8_t* xr = x.row(r);
    for (std::size_t c = pair0 * pair_cols; c < pair1 * pair_cols; ++c) {
      std::int32_t t = 0;
      for (std::size_t q = q0; q < q1; ++q)
        for (std::size_t kk = 0; kk < 4; ++kk) t += std::int32_t(xr[4 * q + kk]) * w.value(c, q, kk);
      acc[r * ldc + c - pair0 * pair_cols] = t;
    }
  }
}

}  // namespace lowp::simd::detail
