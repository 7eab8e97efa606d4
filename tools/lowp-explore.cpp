// tools/lowp-explore.cpp: the model explorer. For every weight of a GGUF or safetensors model and
// every scheme of lowp: bits per weight, SQNR, MSE, max error, weighted error, time; the optimal
// scheme per tensor at each budget; an HTML report; the re-quantized model.
//
//   lowp-explore model.gguf --budget 4.5 --out model-4.5.gguf --report report.html
//   lowp-explore model.safetensors --imatrix imatrix.gguf --curve 3,4,5,6,8
//   lowp-explore --list-schemes
//
// Built with -DLOWP_BUILD_TOOLS=ON (installed then too); the engine is lowp/io/model.hpp.
#include <lowp/io/model.hpp>
#include <lowp/io/report.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

const char* usage =
    "usage: lowp-explore MODEL [options]      (MODEL: .gguf or .safetensors)\n"
    "  --schemes A,B,...   the schemes to try (default: all; --list-schemes names them)\n"
    "  --llama-cpp         only schemes llama.cpp has a GGUF type for\n"
    "  --imatrix FILE      a llama.cpp importance matrix (GGUF or the older .dat) weighting columns\n"
    "  --hessian FILE      per-tensor Hessian traces (lines '<tensor> <trace>') weighting tensors\n"
    "  --budget B          bits per weight (scales included) of the allocation written out\n"
    "  --budget-bytes N    the same budget as the weights' total stored bytes\n"
    "  --curve B1,B2,...   budgets of the report's rate-distortion curve (default 2,3,4,5,6,8,16)\n"
    "  --out FILE          write the model re-quantized at --budget (.gguf or .safetensors)\n"
    "  --report FILE       the HTML report (default: MODEL's name + .report.html)\n"
    "  --quiet             no table on stdout, no progress bar\n";

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t a = 0;
  while (a <= s.size()) {
    const std::size_t b = std::min(s.find(',', a), s.size());
    if (b > a) out.push_back(s.substr(a, b - a));
    a = b + 1;
  }
  return out;
}
double number_arg(const std::string& opt, const std::string& v) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d) || d <= 0)
    throw lowp::error("lowp-explore: " + opt + " needs a positive number, got '" + v + "'");
  return d;
}
// The process's peak resident memory in MiB: Linux's VmHWM (this program's own; getrusage's maxrss
// keeps the parent's figure across exec), else getrusage.
double peak_mib() {
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    double kb = -1;
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, "VmHWM:", 6) == 0) kb = std::strtod(line + 6, nullptr);
    std::fclose(f);
    if (kb >= 0) return kb / 1024.0;
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

void progress_bar(std::size_t done, std::size_t total, const std::string& name) {
  const int width = 30;
  const int fill = total ? int(double(width) * double(done) / double(total)) : width;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu %-48.48s", std::string(std::size_t(fill), '#').c_str(),
               std::string(std::size_t(width - fill), '.').c_str(), done, total, name.c_str());
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

int run(int argc, char** argv) {
  using namespace lowp::io;
  std::string model, imatrix, hessian, out, report, schemes;
  std::vector<double> curve{2, 3, 4, 5, 6, 8, 16};
  double budget = 0, budget_bytes = 0;
  bool llama = false, quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw lowp::error("lowp-explore: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else if (a == "--list-schemes") {
      for (const auto& s : model_schemes())
        std::printf("%-16s %-10s %s\n", s.name.c_str(), s.family.c_str(),
                    s.ggml ? ("GGUF " + std::string(name(*s.ggml))).c_str() : "");
      return 0;
    } else if (a == "--schemes") {
      schemes = value();
    } else if (a == "--llama-cpp") {
      llama = true;
    } else if (a == "--imatrix") {
      imatrix = value();
    } else if (a == "--hessian") {
      hessian = value();
    } else if (a == "--budget") {
      budget = number_arg(a, value());
    } else if (a == "--budget-bytes") {
      budget_bytes = number_arg(a, value());
    } else if (a == "--curve") {
      curve.clear();
      for (const auto& b : split(value())) curve.push_back(number_arg(a, b));
    } else if (a == "--out") {
      out = value();
    } else if (a == "--report") {
      report = value();
    } else if (a == "--quiet") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      throw lowp::error("lowp-explore: unknown option '" + a + "'\n" + usage);
    } else if (model.empty()) {
      model = a;
    } else {
      throw lowp::error("lowp-explore: one model file, got '" + model + "' and '" + a + "'");
    }
  }
  if (model.empty()) throw lowp::error(std::string("lowp-explore: no model file\n") + usage);
  if (!out.empty() && budget == 0 && budget_bytes == 0)
    throw lowp::error("lowp-explore: --out needs --budget (bits per weight) or --budget-bytes");
  if (report.empty()) report = std::filesystem::path(model).filename().string() + ".report.html";

  const double base_mib = peak_mib();
  const model_file m(model);
  sensitivity sens;
  const bool weighted = !imatrix.empty() || !hessian.empty();
  if (!imatrix.empty()) sens = read_imatrix(imatrix);
  if (!hessian.empty()) sens = read_hessian_traces(hessian, std::move(sens));
  explore_options o;
  o.schemes = split(schemes);
  o.llama_cpp_only = llama;
  o.weights = weighted ? &sens : nullptr;
  if (!quiet && isatty(2)) o.progress = progress_bar;
  const model_report r = explore(m, o);
  if (budget_bytes > 0) {
    if (budget > 0) throw lowp::error("lowp-explore: give --budget or --budget-bytes, not both");
    if (r.weights == 0) throw lowp::error("lowp-explore: '" + model + "' has no weight to allocate bytes to");
    budget = 8.0 * budget_bytes / double(r.weights);
  }

  double largest = 0;
  for (const auto& t : r.tensors) largest = std::max(largest, double(t.rows * t.cols) * 4 / 1048576.0);
  if (!quiet) {
    for (const auto& t : r.tensors) {
      std::printf("\n%s  (%zu x %zu, weight %.4g%s)\n", t.name.c_str(), t.rows, t.cols, t.weight,
                  t.importance ? ", imatrix" : "");
      std::printf("  %-16s %8s %9s %11s %10s %11s %8s\n", "scheme", "bits/w", "SQNR dB", "MSE", "max|err|", "w.error",
                  "ms");
      for (const auto& s : t.schemes) {
        if (!s.skipped.empty())
          std::printf("  %-16s skipped: %s\n", s.scheme.c_str(), s.skipped.c_str());
        else
          std::printf("  %-16s %8.3f %9.2f %11.4g %10.4g %11.4g %8.2f\n", s.scheme.c_str(), s.bits_per_weight,
                      s.sqnr_db, s.mse, s.max_abs_error, s.error, s.seconds * 1e3);
      }
    }
    for (const auto& [n, why] : r.kept) std::printf("kept: %s (%s)\n", n.c_str(), why.c_str());
  }
  std::vector<model_allocation> allocs;
  std::vector<double> budgets = curve;
  if (budget > 0 && std::find(budgets.begin(), budgets.end(), budget) == budgets.end()) budgets.push_back(budget);
  std::sort(budgets.begin(), budgets.end());
  for (double b : budgets) {
    try {
      allocs.push_back(allocate(r, b));
    } catch (const lowp::error& e) {
      if (b == budget) throw;
      if (!quiet) std::printf("budget %.3g: %s\n", b, e.what());
    }
  }
  if (!quiet && !allocs.empty()) {
    std::printf("\nallocation (bits per weight -> scheme per tensor):\n%-40s", "tensor");
    for (const auto& a : allocs) std::printf(" %14.4g", a.budget_bits_per_weight);
    std::printf("\n");
    for (std::size_t i = 0; i < r.tensors.size(); ++i) {
      std::printf("%-40.40s", r.tensors[i].name.c_str());
      for (const auto& a : allocs) std::printf(" %14s", a.scheme[i].c_str());
      std::printf("\n");
    }
    std::printf("%-40s", "bits per weight");
    for (const auto& a : allocs) std::printf(" %14.4f", a.bits_per_weight);
    std::printf("\n%-40s", "total weighted error");
    for (const auto& a : allocs) std::printf(" %14.5g", a.result.error);
    std::printf("\n%-40s", "optimal");
    for (const auto& a : allocs) std::printf(" %14s", a.result.exact ? "exact" : "lagrangian");
    std::printf("\n");
  }
  // the budget's allocation first: the report marks its choice on each tensor's chart
  std::stable_partition(allocs.begin(), allocs.end(),
                        [&](const model_allocation& a) { return a.budget_bits_per_weight == budget; });
  const double explore_mib = peak_mib();
  std::vector<std::string> notes{"model: " + model + (llama ? "; llama.cpp schemes only" : "") +
                                     (imatrix.empty() ? "" : "; importance matrix " + imatrix) +
                                     (hessian.empty() ? "" : "; Hessian traces " + hessian),
                                 "peak memory " + lowp::detail::number(explore_mib) +
                                     " MiB (the process before opening the model: " + lowp::detail::number(base_mib) +
                                     " MiB; the largest tensor as float32: " + lowp::detail::number(largest) + " MiB)"};
  if (budget > 0 && !out.empty()) {
    const auto a = std::find_if(allocs.begin(), allocs.end(),
                                [&](const model_allocation& x) { return x.budget_bits_per_weight == budget; });
    const requantize_result w = write_requantized(m, r, *a, out, o.weights);
    std::printf("\nwrote %s: %zu tensors re-quantized, %zu kept%s\n", out.c_str(), w.quantized, w.kept,
                w.sidecar ? (", " + std::to_string(w.sidecar) + " in lowp's schemes in " + w.safetensors.string() +
                             " (no GGUF type; the GGUF keeps their original bytes)")
                                .c_str()
                          : "");
    notes.push_back("re-quantized at " + lowp::detail::number(budget) + " bits per weight: " + out);
  }
  write_report_html(report, r, allocs, notes);
  std::printf(
      "report: %s\npeak memory: %.1f MiB (before the model %.1f MiB; largest tensor as float32 %.1f MiB; "
      "after writing %.1f MiB)\n",
      report.c_str(), explore_mib, base_mib, largest, peak_mib());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
