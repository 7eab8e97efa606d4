// examples/explore.cpp: the format explorer. Which quantization scheme fits this tensor?
//
//   ./explore                 the built-in matrices (Gaussian, Laplace, Student-t ν=3, LLM-like with
//                             outlier channels; 256 × 1024, seeded)
//   ./explore weights.npy     a float32 .npy file (2-D, or 1-D as one row), C or Fortran order
//
// For each matrix: one row per scheme × granularity with bits per value (scales included), SQNR in
// dB, max |error| and quantize throughput (GB/s of float input, best of 3), sorted by SQNR within
// each bit budget; and an SVG chart (SQNR against bits per value, one mark per scheme) written to
// explore_<matrix>.svg in the current directory.
#include <lowp/lowp.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using lowp::matrix;

struct result {
  std::string scheme, granularity;
  double bits, sqnr, max_err, gbps;
};

/// Times quantize (best of 3) and measures the error of dequantize(quantize(x)).
template <class Q>
result run(const matrix<float>& x, std::string scheme, std::string gran, Q&& quantize) {
  double best = 1e30;
  auto q = quantize(x);
  for (int k = 0; k < 3; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    q = quantize(x);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const matrix<float> y = lowp::dequantize(q);
  return {std::move(scheme),   std::move(gran),           q.bits_per_value(),
          lowp::sqnr_db(x, y), lowp::max_abs_error(x, y), double(x.size()) * 4 / best / 1e9};
}

std::vector<result> explore(const matrix<float>& x) {
  using namespace lowp;
  std::vector<result> out;
  const bool g32 = x.cols() % 32 == 0, g128 = x.cols() % 128 == 0, g256 = x.cols() % 256 == 0;
  auto uni = [&](auto tag, auto scale_tag, const char* name, granularity g, scale_rule rule = scale::absmax{}) {
    using T = decltype(tag);
    using S = decltype(scale_tag);
    std::string sname = std::string(name) + (rule.k == scale_rule::kind::absmax ? "" : " " + rule.name());
    if constexpr (!std::is_same_v<S, float>) sname += " (" + format_name<S>() + " scales)";
    out.push_back(run(x, sname, g.name(), [&](const matrix<float>& m) { return quantize<T, S>(m, g, rule); }));
  };
  auto sch = [&](auto s) {
    out.push_back(
        run(x, s.name(), "block " + std::to_string(s.block), [&](const matrix<float>& m) { return quantize(m, s); }));
  };
  const float f = 0.f;
  uni(int8{}, f, "int8", per_channel{});
  uni(int8{}, f, "int8", per_tensor{});
  uni(uint8{}, f, "uint8", per_channel{}, scale::asymmetric{});
  uni(float8_e4m3fn{}, f, "float8_e4m3fn", per_channel{});
  uni(float8_e5m2{}, f, "float8_e5m2", per_channel{});
  uni(int4{}, f, "int4", per_channel{});
  uni(int4{}, f, "int4", per_channel{}, scale::mse{});
  if (g128) uni(int4{}, f, "int4", per_group{128});
  if (g32) {
    uni(int4{}, f, "int4", per_group{32});
    uni(uint4{}, f, "uint4", per_group{32}, scale::asymmetric{});
    uni(int4{}, bfloat16{}, "int4", per_group{32});
    uni(float4_e2m1fn{}, float8_e4m3fn{}, "float4_e2m1fn", per_group{16});
    uni(int2{}, f, "int2", per_group{32});
    uni(int4{}, f, "int4", per_group{32}, scale::pow2{});
  }
  uni(trit{}, f, "trit", per_channel{}, scale::absmean{});
  uni(trit{}, f, "trit", per_channel{}, scale::absmedian{});
  if (g32) {
    sch(mxfp8_e4m3{});
    sch(mxfp8_e5m2{});
    sch(mxfp6_e2m3{});
    sch(mxfp6_e3m2{});
    sch(mxfp4{});
    sch(mxfp4{mx_rule::rceil});
    sch(mxint8{});
    sch(nvfp4{});
    sch(q8_0{});
    sch(q4_0{});
  }
  if (g256) {
    sch(tq1_0{});
    sch(tq2_0{});
  }
  if (x.cols() % 64 == 0)
    out.push_back(
        run(x, "tritplane", "per_group{64}", [&](const matrix<float>& m) { return quantize(m, tritplane{64}); }));
  return out;
}

int budget(double bits) {  // the bit budget a scheme belongs to
  const double edges[] = {2.5, 3.5, 5.0, 7.0, 10.0};
  for (int i = 0; i < 5; ++i)
    if (bits <= edges[i]) return i;
  return 5;
}
const char* budget_name(int b) {
  const char* n[] = {"<= 2.5 bits", "2.5-3.5 bits", "3.5-5 bits", "5-7 bits", "7-10 bits", "> 10 bits"};
  return n[b];
}

void print_table(const std::string& name, std::vector<result>& rs) {
  std::sort(rs.begin(), rs.end(), [](const result& a, const result& b) {
    return budget(a.bits) != budget(b.bits) ? budget(a.bits) < budget(b.bits) : a.sqnr > b.sqnr;
  });
  std::printf("\n== %s ==\n", name.c_str());
  std::printf("%-12s  %-40s %-15s %8s %9s %10s %10s\n", "budget", "scheme", "granularity", "bits", "SQNR dB",
              "max |err|", "quant GB/s");
  int last = -1;
  for (const auto& r : rs) {
    const int b = budget(r.bits);
    std::printf("%-12s  %-40s %-15s %8.3f %9.2f %10.4g %10.2f\n", b != last ? budget_name(b) : "", r.scheme.c_str(),
                r.granularity.c_str(), r.bits, r.sqnr, r.max_err, r.gbps);
    last = b;
  }
}

void write_svg(const std::string& path, const std::string& title, const std::vector<result>& rs) {
  const double W = 900, H = 560, L = 70, R = 250, T = 50, B = 60;
  double ymax = 10;
  for (const auto& r : rs) ymax = std::max(ymax, std::ceil(r.sqnr / 10) * 10);
  const double xmax = 10;
  auto px = [&](double b) { return L + std::min(b, xmax) / xmax * (W - L - R); };
  auto py = [&](double s) { return H - B - std::max(0.0, s) / ymax * (H - T - B); };
  std::ofstream f(path);
  f << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H
    << "' font-family='sans-serif' font-size='11'>\n<rect width='100%' height='100%' fill='white'/>\n";
  f << "<text x='" << L << "' y='28' font-size='16'>" << title << ": SQNR against bits per value</text>\n";
  for (int b = 0; b <= 10; ++b)
    f << "<line x1='" << px(b) << "' y1='" << py(0) << "' x2='" << px(b) << "' y2='" << py(ymax)
      << "' stroke='#eee'/><text x='" << px(b) - 4 << "' y='" << H - B + 18 << "'>" << b << "</text>\n";
  for (double s = 0; s <= ymax; s += 10)
    f << "<line x1='" << L << "' y1='" << py(s) << "' x2='" << px(xmax) << "' y2='" << py(s)
      << "' stroke='#eee'/><text x='" << L - 30 << "' y='" << py(s) + 4 << "'>" << s << "</text>\n";
  f << "<text x='" << (L + W - R) / 2 - 40 << "' y='" << H - 15 << "'>bits per value (scales included)</text>\n";
  f << "<text x='18' y='" << (H / 2) << "' transform='rotate(-90 18 " << H / 2 << ")'>SQNR (dB)</text>\n";
  const char* colors[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"};
  int i = 0;
  for (const auto& r : rs) {
    const char* c = colors[i % 8];
    f << "<circle cx='" << px(r.bits) << "' cy='" << py(r.sqnr) << "' r='5' fill='" << c << "'><title>" << r.scheme
      << " " << r.granularity << ": " << r.bits << " bits, " << r.sqnr << " dB</title></circle>\n";
    f << "<text x='" << px(r.bits) + 7 << "' y='" << py(r.sqnr) + 4 << "' fill='" << c << "' font-size='9'>" << i + 1
      << "</text>\n";
    f << "<text x='" << W - R + 10 << "' y='" << T + 12 * i << "' fill='" << c << "' font-size='10'>" << i + 1 << ". "
      << r.scheme << " " << r.granularity << "</text>\n";
    ++i;
  }
  f << "</svg>\n";
}

matrix<float> builtin(const std::string& kind, int rows, int cols) {
  std::mt19937 rng(2026);
  matrix<float> m(rows, cols);
  std::normal_distribution<float> n(0.f, 1.f);
  std::exponential_distribution<float> e(1.f);
  std::student_t_distribution<float> t(3.f);
  for (int i = 0; i < m.size(); ++i) {
    float v;
    if (kind == "gaussian")
      v = n(rng);
    else if (kind == "laplace")
      v = (rng() & 1 ? 1.f : -1.f) * e(rng);
    else if (kind == "student_t3")
      v = t(rng);
    else
      v = n(rng);
    m.data()[i] = v;
  }
  if (kind == "llm_like")  // a few outlier feature channels (columns along K), as in LLM activations
    for (int c : {7, 300, 301, 777}) m.col(c) *= 60.f;
  return m;
}

/// Reads a float32 .npy file (format 1.0 / 2.0 / 3.0), 2-D or 1-D.
matrix<float> read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  char magic[6];
  f.read(magic, 6);
  if (std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy file");
  unsigned char ver[2];
  f.read(reinterpret_cast<char*>(ver), 2);
  std::uint32_t hlen = 0;
  if (ver[0] == 1) {
    unsigned char b[2];
    f.read(reinterpret_cast<char*>(b), 2);
    hlen = b[0] | b[1] << 8;
  } else {
    unsigned char b[4];
    f.read(reinterpret_cast<char*>(b), 4);
    hlen = b[0] | b[1] << 8 | b[2] << 16 | std::uint32_t(b[3]) << 24;
  }
  std::string h(hlen, ' ');
  f.read(h.data(), hlen);
  if (h.find("'descr': '<f4'") == std::string::npos && h.find("'descr':'<f4'") == std::string::npos)
    throw std::runtime_error(path + ": only little-endian float32 ('<f4') arrays are read");
  const bool fortran = h.find("'fortran_order': True") != std::string::npos;
  const auto a = h.find('('), b = h.find(')');
  std::vector<long> shape;
  std::stringstream ss(h.substr(a + 1, b - a - 1));
  std::string item;
  while (std::getline(ss, item, ','))
    if (item.find_first_of("0123456789") != std::string::npos) shape.push_back(std::stol(item));
  if (shape.empty() || shape.size() > 2) throw std::runtime_error(path + ": need a 1-D or 2-D array");
  const long rows = shape.size() == 2 ? shape[0] : 1, cols = shape.back();
  std::vector<float> data(std::size_t(rows * cols));
  f.read(reinterpret_cast<char*>(data.data()), std::streamsize(data.size() * 4));
  if (!f) throw std::runtime_error(path + ": file shorter than its shape");
  matrix<float> m(rows, cols);
  for (long r = 0; r < rows; ++r)
    for (long c = 0; c < cols; ++c)
      m(r, c) = fortran ? data[std::size_t(c * rows + r)] : data[std::size_t(r * cols + c)];
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::pair<std::string, matrix<float>>> inputs;
  try {
    if (argc > 1) {
      std::string name = argv[1];
      const auto slash = name.find_last_of('/');
      if (slash != std::string::npos) name = name.substr(slash + 1);
      inputs.emplace_back(name.substr(0, name.find('.')), read_npy(argv[1]));
    } else {
      for (const char* k : {"gaussian", "laplace", "student_t3", "llm_like"})
        inputs.emplace_back(k, builtin(k, 256, 1024));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "explore: %s\n", e.what());
    return 1;
  }
  std::printf("lowp format explorer: SQNR = 10 log10(sum x^2 / sum (x - x^)^2); bits include scales.\n");
  std::printf("SIMD path: %s\n", lowp::simd::name_of(lowp::simd::active_isa()));
  for (auto& [name, x] : inputs) {
    std::printf("\n%s: %ld x %ld\n", name.c_str(), long(x.rows()), long(x.cols()));
    auto rs = explore(x);
    print_table(name, rs);
    const std::string svg = "explore_" + name + ".svg";
    write_svg(svg, name, rs);
    std::printf("chart: %s\n", svg.c_str());
  }
  return 0;
}
