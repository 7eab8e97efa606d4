// lowp/quant/metrics.hpp: error metrics between a reference matrix a and its approximation b
// (any Eigen expressions of the same shape; computed in double).
//   mse = Σ (a − b)² / n;  sqnr_db = 10 · log10(Σ a² / Σ (a − b)²) (+Inf when equal);
//   max_abs_error = max |a − b|;  row_report: the three per row.
// The sums are bit-identical on every platform; sqnr_db's last bit is the C library's log10 (glibc's
// i686 log10 differs from its x86-64 and aarch64 one in the last place for some inputs).
#pragma once
#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "lowp/core/error.hpp"
#include "lowp/core/fp.hpp"

namespace lowp {

namespace detail {
template <class A, class B>
void check_same_shape(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b, const char* who) {
  if (a.rows() != b.rows() || a.cols() != b.cols())
    throw error(std::string(who) + ": shapes differ (" + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) +
                " and " + std::to_string(b.rows()) + " x " + std::to_string(b.cols()) + ")");
  if (a.size() == 0) throw error(std::string(who) + ": empty matrices");
}
struct error_sums {
  double signal = 0, noise = 0, max_abs = 0;
  std::size_t n = 0;
  double sqnr_db() const {
    if (noise == 0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(signal / noise);
  }
};
template <class A, class B>
error_sums sums(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b, Eigen::Index r0, Eigen::Index r1) {
  error_sums s;
  for (Eigen::Index r = r0; r < r1; ++r)
    for (Eigen::Index c = 0; c < a.cols(); ++c) {
      const double x = double(a(r, c)), d = x - double(b(r, c));
      s.signal += rounded(x * x);  // squares rounded before the sum: the same bits under any flags
      s.noise += rounded(d * d);
      // NaN is sticky: fmax would drop it at the next finite difference
      s.max_abs = std::isnan(d) || std::isnan(s.max_abs) ? std::numeric_limits<double>::quiet_NaN()
                                                         : std::fmax(s.max_abs, std::fabs(d));
      ++s.n;
    }
  return s;
}
}  // namespace detail

template <class A, class B>
double mse(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  detail::check_same_shape(a, b, "mse");
  const auto s = detail::sums(a.eval(), b.eval(), 0, a.rows());
  return s.noise / double(s.n);
}
template <class A, class B>
double sqnr_db(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  detail::check_same_shape(a, b, "sqnr_db");
  return detail::sums(a.eval(), b.eval(), 0, a.rows()).sqnr_db();
}
template <class A, class B>
double max_abs_error(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  detail::check_same_shape(a, b, "max_abs_error");
  return detail::sums(a.eval(), b.eval(), 0, a.rows()).max_abs;
}

/// Error of one row.
struct row_error {
  double mse, sqnr_db, max_abs_error;
};
/// mse, SQNR and max error of every row.
template <class A, class B>
std::vector<row_error> row_report(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  detail::check_same_shape(a, b, "row_report");
  const auto ae = a.eval();
  const auto be = b.eval();
  std::vector<row_error> out;
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    const auto s = detail::sums(ae, be, r, r + 1);
    out.push_back({s.noise / double(s.n), s.sqnr_db(), s.max_abs});
  }
  return out;
}

}  // namespace lowp
