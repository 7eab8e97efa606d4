// lowp/quant/tritplane.hpp: trit-plane quantization (after PTQTP, "post-training quantization to
// trit-planes"): each group of g consecutive elements of a row is W ≈ α1·T1 + α2·T2 with T1, T2
// ternary planes and two float scales per group.
//
//   auto q = lowp::quantize(W, lowp::tritplane{64});
//
// Fitting, per group (deterministic, no randomness):
//   1. T1 = round-to-ternary of W / α1 with α1 = absmean (BitNet b1.58); T2 likewise on the residual;
//   2. `iterations` rounds of alternating refinement: given (α1, α2), each element takes the pair
//      (t1, t2) ∈ {−1, 0, 1}² minimising (w − α1·t1 − α2·t2)² (ties: the first of the 9 in order
//      t1 = −1..1, t2 = −1..1); given the planes, (α1, α2) solve the 2×2 least-squares normal
//      equations (ridge 1e-12 · trace for a singular system); a round that does not lower the
//      error stops the search (the error never increases).
// Storage: both planes packed 5 trits a byte per row (pack/packed.hpp), α1 and α2 as float per group:
// 2 · 8/5 + 64 / g bits per value. NaN / Inf in a group: α = NaN, the group decodes to NaN.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/core/fp.hpp"
#include "lowp/format/ternary.hpp"
#include "lowp/pack/packed.hpp"
#include "lowp/quant/granularity.hpp"
#include "lowp/quant/matrix.hpp"
#include "lowp/quant/rows.hpp"
#include "lowp/quant/uniform.hpp"

namespace lowp {

struct tritplane {
  std::size_t group = 64;
  int iterations = 8;
  bool padded = false;
  constexpr tritplane() = default;
  constexpr tritplane(std::size_t g) : group(g) {}
  constexpr tritplane(std::size_t g, pad_t) : group(g), padded(true) {}
  std::string name() const { return "tritplane g" + std::to_string(group); }
};

template <>
class quantized<tritplane> {
 public:
  using scheme_type = tritplane;
  quantized() = default;
  quantized(std::size_t rows, std::size_t cols, tritplane s)
      : rows_(rows),
        cols_(cols),
        s_(s),
        row_bytes_(packing<trit>::bytes_for(cols)),
        plane1_(rows * row_bytes_),
        plane2_(rows * row_bytes_),
        alpha_(2 * rows * groups_per_row()) {}
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  const tritplane& scheme() const { return s_; }
  std::size_t groups_per_row() const { return (cols_ + s_.group - 1) / s_.group; }
  std::size_t bytes() const { return plane1_.size() + plane2_.size() + alpha_.size() * sizeof(float); }
  double bits_per_value() const { return 8.0 * double(bytes()) / double(rows_ * cols_); }
  std::size_t row_bytes() const { return row_bytes_; }
  std::uint8_t* plane(int k, std::size_t r) { return (k == 0 ? plane1_ : plane2_).data() + r * row_bytes_; }
  const std::uint8_t* plane(int k, std::size_t r) const { return (k == 0 ? plane1_ : plane2_).data() + r * row_bytes_; }
  /// α1, α2 of group g of row r.
  float* alpha(std::size_t r, std::size_t g) { return alpha_.data() + 2 * (r * groups_per_row() + g); }
  const float* alpha(std::size_t r, std::size_t g) const { return alpha_.data() + 2 * (r * groups_per_row() + g); }

 private:
  std::size_t rows_ = 0, cols_ = 0;
  tritplane s_{};
  std::size_t row_bytes_ = 0;
  std::vector<std::uint8_t> plane1_, plane2_;
  std::vector<float> alpha_;
};

namespace detail {

/// Fits one group: t1, t2 receive trit codes (t + 1), a[0..1] the scales.
inline void fit_tritplane(const float* wf, std::size_t n, int iterations, std::uint8_t* t1, std::uint8_t* t2,
                          float* a) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(wf[i])) {
      a[0] = a[1] = NAN;
      for (std::size_t j = 0; j < n; ++j) t1[j] = t2[j] = 1;
      return;
    }
  }
  const std::vector<double> wd(wf, wf + n);  // the fit runs in double
  const double* w = wd.data();
  std::vector<double> r(n);
  auto ternary = [&](const std::vector<double>& v, std::uint8_t* t) {  // BitNet absmean rounding
    double m = 0;
    for (double x : v) m += std::fabs(x);
    const double s = std::max(m / double(n), 1e-5);
    for (std::size_t i = 0; i < n; ++i) t[i] = std::uint8_t(std::clamp(std::nearbyint(v[i] / s), -1.0, 1.0) + 1);
  };
  auto solve = [&](double& a1, double& a2) {  // least squares for (α1, α2) given the planes
    double s11 = 0, s12 = 0, s22 = 0, b1 = 0, b2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x1 = int(t1[i]) - 1, x2 = int(t2[i]) - 1;
      s11 += x1 * x1;
      s12 += x1 * x2;
      s22 += x2 * x2;
      b1 += x1 * w[i];
      b2 += x2 * w[i];
    }
    // every product rounded before its sum, so the fit is the same under any flags (spec §10)
    const double ridge = rounded(1e-12 * (s11 + s22)) + 1e-30;
    double det = rounded(s11 * s22) - rounded(s12 * s12);
    if (std::fabs(det) < ridge * ridge) {
      s11 += ridge;
      s22 += ridge;
      det = rounded(s11 * s22) - rounded(s12 * s12);
    }
    a1 = (rounded(b1 * s22) - rounded(b2 * s12)) / det;
    a2 = (rounded(b2 * s11) - rounded(b1 * s12)) / det;
  };
  auto error_of = [&](double a1, double a2) {
    double e = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double d = w[i] - a1 * (int(t1[i]) - 1) - a2 * (int(t2[i]) - 1);  // exact products (t ∈ {−1, 0, 1})
      e += rounded(d * d);
    }
    return e;
  };
  for (std::size_t i = 0; i < n; ++i) r[i] = w[i];
  ternary(r, t1);
  double a1, a2 = 0;
  {
    double m = 0, k = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (t1[i] != 1) {
        m += std::fabs(w[i]);
        k += 1;
      }
    a1 = k > 0 ? m / k : 0.0;
  }
  for (std::size_t i = 0; i < n; ++i) r[i] = w[i] - a1 * (int(t1[i]) - 1);
  ternary(r, t2);
  solve(a1, a2);
  double err = error_of(a1, a2);
  std::vector<std::uint8_t> b1(t1, t1 + n), b2(t2, t2 + n);
  for (int it = 0; it < iterations; ++it) {
    for (std::size_t i = 0; i < n; ++i) {  // best pair per element, given (α1, α2)
      double best = std::numeric_limits<double>::infinity();
      for (int x1 = -1; x1 <= 1; ++x1)
        for (int x2 = -1; x2 <= 1; ++x2) {
          const double d = w[i] - a1 * x1 - a2 * x2;
          if (d * d < best) {
            best = d * d;
            t1[i] = std::uint8_t(x1 + 1);
            t2[i] = std::uint8_t(x2 + 1);
          }
        }
    }
    double c1, c2;
    solve(c1, c2);
    const double e = error_of(c1, c2);
    if (!(e < err)) {  // no progress: keep the previous planes and scales
      std::copy(b1.begin(), b1.end(), t1);
      std::copy(b2.begin(), b2.end(), t2);
      break;
    }
    err = e;
    a1 = c1;
    a2 = c2;
    std::copy(t1, t1 + n, b1.begin());
    std::copy(t2, t2 + n, b2.begin());
  }
  a[0] = float(a1);
  a[1] = float(a2);
}

template <class Sink>
void tritplane_rows(const float_rows& x, const tritplane& s, on_nonfinite nf, Sink&& sink) {
  const std::size_t ng = s.group == 0 ? 0 : (x.cols() + s.group - 1) / s.group;
  std::vector<std::uint8_t> t1(x.cols()), t2(x.cols());
  std::vector<float> alpha(2 * ng);
  for_each_row(x, s.group, "group size", s.padded ? block_fit::padded : block_fit::exact, nf == on_nonfinite::error,
               "quantize", [&](std::size_t r, const float* row) {
                 for (std::size_t g = 0; g < ng; ++g) {
                   const std::size_t c0 = g * s.group, n = std::min(s.group, x.cols() - c0);
                   fit_tritplane(row + c0, n, s.iterations, t1.data() + c0, t2.data() + c0, alpha.data() + 2 * g);
                 }
                 sink(r, t1.data(), t2.data(), alpha.data());
               });
}

inline void tritplane_decode_row(const std::uint8_t* t1, const std::uint8_t* t2, const float* alpha, std::size_t cols,
                                 std::size_t group, float* out) {
  for (std::size_t c = 0; c < cols; ++c) {
    const float* a = alpha + 2 * (c / group);
    out[c] = a[0] * float(int(t1[c]) - 1) + a[1] * float(int(t2[c]) - 1);
  }
}

}  // namespace detail

// (NotDeduced: the explicit arguments of quantize<T, ScaleT>(...) for the uniform overload land in
// the pack, never in Derived, which clang would instantiate as Eigen::MatrixBase<ScaleT>.)
template <class S, class... NotDeduced, class Derived>
requires std::is_same_v<S, tritplane> quantized<tritplane> quantize(const Eigen::MatrixBase<Derived>& m, const S& s,
                                                                    on_nonfinite nf = on_nonfinite::nan_group) {
  const detail::float_rows x(m);
  if (s.group == 0) throw error("quantize: tritplane group size must be at least 1");
  quantized<tritplane> q(x.rows(), x.cols(), s);
  detail::tritplane_rows(x, s, nf, [&](std::size_t r, const std::uint8_t* t1, const std::uint8_t* t2, const float* a) {
    pack_codes<trit>(t1, x.cols(), q.plane(0, r));
    pack_codes<trit>(t2, x.cols(), q.plane(1, r));
    std::copy(a, a + 2 * q.groups_per_row(), q.alpha(r, 0));
  });
  return q;
}

namespace detail {
template <>
struct row_decoder<tritplane> {
  const quantized<tritplane>& q;
  std::vector<std::uint8_t> t1, t2;
  explicit row_decoder(const quantized<tritplane>& qq) : q(qq), t1(qq.cols()), t2(qq.cols()) {}
  void operator()(std::size_t r, float* out) {
    unpack_codes<trit>(q.plane(0, r), q.cols(), t1.data());
    unpack_codes<trit>(q.plane(1, r), q.cols(), t2.data());
    tritplane_decode_row(t1.data(), t2.data(), q.alpha(r, 0), q.cols(), q.scheme().group, out);
  }
};
}  // namespace detail

template <class S, class... NotDeduced, class Derived>  // NotDeduced: see quantize above
requires std::is_same_v<S, tritplane> matrix<float> fake_quantize(const Eigen::MatrixBase<Derived>& m, const S& s,
                                                                  on_nonfinite nf = on_nonfinite::nan_group) {
  const detail::float_rows x(m);
  if (s.group == 0) throw error("fake_quantize: tritplane group size must be at least 1");
  matrix<float> out = detail::fresh_matrix(x.rows(), x.cols());
  detail::tritplane_rows(x, s, nf, [&](std::size_t r, const std::uint8_t* t1, const std::uint8_t* t2, const float* a) {
    detail::tritplane_decode_row(t1, t2, a, x.cols(), s.group, out.data() + r * x.cols());
  });
  return out;
}

}  // namespace lowp
