// lowp/io/report.hpp: the model explorer's report as one self-contained HTML file (inline SVG, no
// scripts, no downloads): the model's rate-distortion curve over the budgets allocated, the scheme
// each tensor gets at each budget, and per tensor its rate-distortion chart (SQNR against bits per
// weight, the Pareto frontier drawn) and the table of every scheme, skipped ones with the reason.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "lowp/io/model.hpp"

namespace lowp::io {

namespace detail {

inline std::string html_escape(std::string_view s) {
  std::string o;
  for (char c : s) switch (c) {
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '&':
        o += "&amp;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  return o;
}
inline std::string fmt(double v, int prec = 3) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream s;
  s.precision(prec);
  s << v;
  return s.str();
}

/// An SVG scatter chart: points (x, y, label), an optional polyline through `line`, highlighted
/// points drawn larger.
struct svg_chart {
  std::string title, xlabel, ylabel;
  struct point {
    double x, y;
    std::string label;
    bool mark = false;
  };
  std::vector<point> points;
  std::vector<std::pair<double, double>> line;
  bool log_y = false;

  std::string render(double W = 640, double H = 360) const {
    const double L = 60, R = 20, T = 30, B = 45;
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    bool first = true;
    auto fy = [&](double y) { return log_y ? std::log10(std::max(y, 1e-300)) : y; };
    auto take = [&](double x, double y) {
      if (!std::isfinite(x) || !std::isfinite(fy(y))) return;
      if (first) x0 = x1 = x, y0 = y1 = fy(y), first = false;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, fy(y)), y1 = std::max(y1, fy(y));
    };
    for (const auto& p : points) take(p.x, p.y);
    for (const auto& p : line) take(p.first, p.second);
    x0 = std::floor(x0), x1 = std::max(std::ceil(x1), x0 + 1);
    if (y1 - y0 < 1e-9) y0 -= 1, y1 += 1;
    const double pad = 0.05 * (y1 - y0);
    y0 -= pad, y1 += pad;
    auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
    auto py = [&](double y) { return H - B - (fy(y) - y0) / (y1 - y0) * (H - T - B); };
    std::ostringstream o;
    o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H
      << "' font-family='sans-serif' font-size='10'><rect width='100%' height='100%' fill='white'/>";
    o << "<text x='" << L << "' y='18' font-size='13'>" << html_escape(title) << "</text>";
    const double xstep = x1 - x0 > 12 ? 4 : (x1 - x0 > 6 ? 2 : 1);
    for (double x = x0; x <= x1 + 1e-9; x += xstep)
      o << "<line x1='" << px(x) << "' y1='" << T << "' x2='" << px(x) << "' y2='" << H - B
        << "' stroke='#eee'/><text x='" << px(x) - 4 << "' y='" << H - B + 14 << "'>" << fmt(x) << "</text>";
    for (int k = 0; k <= 5; ++k) {
      const double yv = y0 + (y1 - y0) * k / 5;
      const double y = H - B - (yv - y0) / (y1 - y0) * (H - T - B);
      o << "<line x1='" << L << "' y1='" << y << "' x2='" << W - R << "' y2='" << y
        << "' stroke='#eee'/><text x='4' y='" << y + 3 << "'>" << fmt(log_y ? std::pow(10.0, yv) : yv) << "</text>";
    }
    o << "<text x='" << (W - L) / 2 << "' y='" << H - 8 << "'>" << html_escape(xlabel) << "</text>";
    o << "<text x='12' y='" << T - 6 << "'>" << html_escape(ylabel) << "</text>";
    if (line.size() > 1) {
      o << "<polyline fill='none' stroke='#c33' stroke-width='1.5' points='";
      for (const auto& [x, y] : line)
        if (std::isfinite(x) && std::isfinite(fy(y))) o << px(x) << ',' << py(y) << ' ';
      o << "'/>";
    }
    for (const auto& p : points) {
      if (!std::isfinite(p.x) || !std::isfinite(fy(p.y))) continue;
      o << "<circle cx='" << px(p.x) << "' cy='" << py(p.y) << "' r='" << (p.mark ? 5 : 3) << "' fill='"
        << (p.mark ? "#c33" : "#36c") << "'><title>" << html_escape(p.label) << "</title></circle>";
      if (!p.label.empty())
        o << "<text x='" << px(p.x) + 5 << "' y='" << py(p.y) - 4 << "' fill='#555'>" << html_escape(p.label)
          << "</text>";
    }
    o << "</svg>";
    return o.str();
  }
};

}  // namespace detail

/// Writes the report of `r` and the allocations `a` (one per budget; may be empty) as HTML.
/// `notes` lines (the run's options, the memory it took) go under the title.
inline void write_report_html(const std::filesystem::path& path, const model_report& r,
                              const std::vector<model_allocation>& a, const std::vector<std::string>& notes = {}) {
  using detail::fmt;
  using detail::html_escape;
  std::ostringstream h;
  h << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>lowp: " << html_escape(r.file)
    << "</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;"
       "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td.l,th.l{text-align:left}"
       "tr.skip{color:#999}tr.best{background:#fee}</style></head><body>";
  h << "<h1>lowp model explorer: " << html_escape(r.file) << "</h1><p>" << r.tensors.size() << " weight tensors, "
    << r.weights << " weights; " << r.kept.size() << " other tensors kept as they are; explored in " << fmt(r.seconds)
    << " s.</p>";
  for (const auto& n : notes) h << "<p>" << html_escape(n) << "</p>";
  if (!a.empty()) {
    detail::svg_chart c{"model: total weighted error against bits per weight",
                        "bits per weight (scales included)",
                        "Σ weighted error",
                        {},
                        {},
                        true};
    for (const auto& x : a) {
      c.points.push_back({x.bits_per_weight, x.result.error, fmt(x.budget_bits_per_weight) + " b", false});
      c.line.emplace_back(x.bits_per_weight, x.result.error);
    }
    h << "<h2>Allocations</h2>" << c.render(760, 380);
    h << "<table><tr><th class='l'>tensor</th>";
    for (const auto& x : a) h << "<th>≤ " << fmt(x.budget_bits_per_weight) << " b</th>";
    h << "</tr><tr><td class='l'><i>bits per weight</i></td>";
    for (const auto& x : a) h << "<td>" << fmt(x.bits_per_weight, 4) << "</td>";
    h << "</tr><tr><td class='l'><i>Σ weighted error</i></td>";
    for (const auto& x : a) h << "<td>" << fmt(x.result.error, 4) << "</td>";
    h << "</tr><tr><td class='l'><i>optimal</i></td>";
    for (const auto& x : a) h << "<td>" << (x.result.exact ? "exact" : "gap " + fmt(x.result.gap(), 3)) << "</td>";
    h << "</tr>";
    for (std::size_t i = 0; i < r.tensors.size(); ++i) {
      h << "<tr><td class='l'>" << html_escape(r.tensors[i].name) << "</td>";
      for (const auto& x : a) h << "<td class='l'>" << html_escape(x.scheme.at(i)) << "</td>";
      h << "</tr>";
    }
    h << "</table>";
  }
  h << "<h2>Tensors</h2>";
  for (std::size_t i = 0; i < r.tensors.size(); ++i) {
    const auto& t = r.tensors[i];
    h << "<h3>" << html_escape(t.name) << " (" << t.rows << " × " << t.cols << ")</h3><p>weight " << fmt(t.weight)
      << (t.importance ? ", columns weighted by the importance matrix" : "") << "</p>";
    detail::svg_chart c{t.name + ": SQNR against bits per weight", "bits per weight", "SQNR (dB)", {}, {}, false};
    std::vector<std::pair<double, double>> front;
    for (const auto& s : t.schemes)
      if (s.skipped.empty()) front.emplace_back(s.bits_per_weight, s.error);
    std::sort(front.begin(), front.end());
    double best = std::numeric_limits<double>::infinity();
    std::vector<double> on_front;
    for (const auto& [b, e] : front)
      if (e < best) best = e, on_front.push_back(b);
    const std::string chosen = a.empty() ? "" : a.front().scheme.at(i);
    for (const auto& s : t.schemes)
      if (s.skipped.empty()) {
        c.points.push_back({s.bits_per_weight, s.sqnr_db, s.scheme, s.scheme == chosen});
        if (std::find(on_front.begin(), on_front.end(), s.bits_per_weight) != on_front.end() &&
            (c.line.empty() || c.line.back().first != s.bits_per_weight))
          c.line.emplace_back(s.bits_per_weight, s.sqnr_db);
      }
    std::sort(c.line.begin(), c.line.end());
    h << c.render();
    h << "<table><tr><th class='l'>scheme</th><th>bits/weight</th><th>SQNR dB</th><th>MSE</th><th>max |err|</th>"
         "<th>weighted error</th><th>ms</th><th class='l'>GGUF</th><th class='l'>skipped because</th></tr>";
    for (const auto& s : t.schemes) {
      if (!s.skipped.empty()) {
        h << "<tr class='skip'><td class='l'>" << html_escape(s.scheme) << "</td><td></td><td></td><td></td><td></td>"
          << "<td></td><td></td><td class='l'>" << (s.llama_cpp ? "yes" : "") << "</td><td class='l'>"
          << html_escape(s.skipped) << "</td></tr>";
        continue;
      }
      h << "<tr" << (s.scheme == chosen ? " class='best'" : "") << "><td class='l'>" << html_escape(s.scheme)
        << "</td><td>" << fmt(s.bits_per_weight, 4) << "</td><td>" << fmt(s.sqnr_db, 4) << "</td><td>" << fmt(s.mse)
        << "</td><td>" << fmt(s.max_abs_error) << "</td><td>" << fmt(s.error) << "</td><td>" << fmt(s.seconds * 1e3)
        << "</td><td class='l'>" << (s.llama_cpp ? "yes" : "") << "</td><td></td></tr>";
    }
    h << "</table>";
  }
  if (!r.kept.empty()) {
    h << "<h2>Kept as they are</h2><table>";
    for (const auto& [n, why] : r.kept)
      h << "<tr><td class='l'>" << html_escape(n) << "</td><td class='l'>" << html_escape(why) << "</td></tr>";
    h << "</table>";
  }
  h << "</body></html>\n";
  std::ofstream f(path, std::ios::binary);
  f << h.str();
  if (!f) throw error("io: cannot write the report '" + path.string() + "'");
}

}  // namespace lowp::io
