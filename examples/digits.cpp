// examples/digits.cpp: the model explorer on a real model. Trains a small MLP (64-128-64-10, ReLU,
// Adam, seeded) with Eigen on scikit-learn's handwritten digits (1,797 8×8 images, the
// digits.csv.gz that Debian's python3-sklearn ships; `make demo` unpacks it), writes the model as
// safetensors and GGUF plus a llama.cpp-format importance matrix computed on the training set, then
// explores every weight under every lowp scheme, allocates bits optimally at several budgets (with
// and without the importance matrix) and prints the test accuracy of each allocation next to its
// error. Writes the HTML report and the model re-quantized at 4 bits per weight (GGUF, and
// safetensors in lowp's schema), reads both back and checks their accuracy.
//
//   ./digits digits.csv [budget...]       (in build/demo: make demo)
#include <lowp/io/model.hpp>
#include <lowp/io/report.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using mat = lowp::matrix<float>;

// splitmix64: the same numbers on every platform (std's distributions differ between libraries)
struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform() { return float(next() >> 40) / float(1 << 24); }  // [0, 1)
};

struct model {
  std::vector<std::string> names{"fc1.weight", "fc2.weight", "fc3.weight"};
  std::vector<mat> w;                 // out × in
  std::vector<Eigen::RowVectorXf> b;  // out
};

// the activations entering each layer (for the importance matrix) and the logits
mat forward(const model& m, const mat& x, std::vector<mat>* inputs = nullptr) {
  mat h = x;
  for (std::size_t k = 0; k < m.w.size(); ++k) {
    if (inputs) inputs->push_back(h);
    mat z = (h * m.w[k].transpose()).rowwise() + m.b[k];
    h = k + 1 < m.w.size() ? mat(z.cwiseMax(0.f)) : z;
  }
  return h;
}
double accuracy(const model& m, const mat& x, const std::vector<int>& y) {
  const mat logits = forward(m, x);
  int ok = 0;
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    Eigen::Index arg = 0;
    logits.row(i).maxCoeff(&arg);
    ok += int(arg) == y[std::size_t(i)];
  }
  return 100.0 * ok / double(y.size());
}

model train(const mat& x, const std::vector<int>& y, int epochs, std::uint64_t seed) {
  rng g{seed};
  model m;
  const int sizes[] = {64, 128, 64, 10};
  for (int k = 0; k < 3; ++k) {
    const float lim = std::sqrt(6.f / float(sizes[k]));  // He-uniform initialisation
    mat w(sizes[k + 1], sizes[k]);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = (2 * g.uniform() - 1) * lim;
    m.w.push_back(w);
    m.b.push_back(Eigen::RowVectorXf::Zero(sizes[k + 1]));
  }
  // Adam (Kingma & Ba), lr 1e-3, batches of 32
  std::vector<mat> mw, vw;
  std::vector<Eigen::RowVectorXf> mb, vb;
  for (std::size_t k = 0; k < 3; ++k) {
    mw.push_back(mat::Zero(m.w[k].rows(), m.w[k].cols()));
    vw.push_back(mw.back());
    mb.push_back(Eigen::RowVectorXf::Zero(m.b[k].size()));
    vb.push_back(mb.back());
  }
  const float lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  std::vector<int> order(y.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  int step = 0;
  for (int e = 0; e < epochs; ++e) {
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[std::size_t(g.next() % i)]);
    for (std::size_t s = 0; s < order.size(); s += 32) {
      const std::size_t n = std::min<std::size_t>(32, order.size() - s);
      mat xb(Eigen::Index(n), x.cols());
      for (std::size_t i = 0; i < n; ++i) xb.row(Eigen::Index(i)) = x.row(order[s + i]);
      std::vector<mat> in;
      mat z = forward(m, xb, &in);
      // softmax cross-entropy gradient
      for (Eigen::Index i = 0; i < z.rows(); ++i) {
        const float mx = z.row(i).maxCoeff();
        z.row(i) = (z.row(i).array() - mx).exp();
        z.row(i) /= z.row(i).sum();
        z(i, y[std::size_t(order[s + std::size_t(i)])]) -= 1.f;
      }
      mat d = z / float(n);
      ++step;
      for (int k = 2; k >= 0; --k) {
        const mat gw = d.transpose() * in[std::size_t(k)];
        const Eigen::RowVectorXf gb = d.colwise().sum();
        if (k > 0) d = ((d * m.w[std::size_t(k)]).array() * (in[std::size_t(k)].array() > 0.f).cast<float>()).matrix();
        const auto K = std::size_t(k);
        mw[K] = b1 * mw[K] + (1 - b1) * gw;
        vw[K] = b2 * vw[K] + (1 - b2) * gw.cwiseProduct(gw);
        mb[K] = b1 * mb[K] + (1 - b1) * gb;
        vb[K] = b2 * vb[K] + (1 - b2) * gb.cwiseProduct(gb);
        const float c1 = 1 - std::pow(b1, float(step)), c2 = 1 - std::pow(b2, float(step));
        m.w[K].array() -= lr * (mw[K].array() / c1) / ((vw[K].array() / c2).sqrt() + eps);
        m.b[K].array() -= lr * (mb[K].array() / c1) / ((vb[K].array() / c2).sqrt() + eps);
      }
    }
  }
  return m;
}

std::vector<std::byte> f32_bytes(const float* p, std::size_t n) {
  std::vector<std::byte> b(n * 4);
  std::memcpy(b.data(), p, b.size());
  return b;
}

}  // namespace

int main(int argc, char** argv) try {
  using namespace lowp::io;
  if (argc < 2) {
    std::fprintf(stderr, "usage: digits digits.csv [budget...]\n");
    return 2;
  }
  // the data: 64 pixel values (0..16) and the label per line
  std::ifstream in(argv[1]);
  if (!in) throw lowp::error(std::string("cannot open ") + argv[1]);
  std::vector<std::vector<float>> rows;
  std::vector<int> labels;
  for (std::string line; std::getline(in, line);) {
    std::stringstream ss(line);
    std::vector<float> v;
    for (std::string c; std::getline(ss, c, ',');) v.push_back(std::stof(c));
    if (v.size() != 65) throw lowp::error("digits: a line of " + std::to_string(v.size()) + " values, not 65");
    labels.push_back(int(v.back()));
    v.pop_back();
    rows.push_back(v);
  }
  // a seeded 75 / 25 split
  rng g{20261130};
  std::vector<std::size_t> idx(rows.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  for (std::size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[std::size_t(g.next() % i)]);
  const std::size_t ntrain = idx.size() * 3 / 4;
  mat xtr(Eigen::Index(ntrain), 64), xte(Eigen::Index(idx.size() - ntrain), 64);
  std::vector<int> ytr, yte;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    mat& x = i < ntrain ? xtr : xte;
    const Eigen::Index r = Eigen::Index(i < ntrain ? i : i - ntrain);
    for (int c = 0; c < 64; ++c) x(r, c) = rows[idx[i]][std::size_t(c)] / 16.f;
    (i < ntrain ? ytr : yte).push_back(labels[idx[i]]);
  }
  const model net = train(xtr, ytr, 60, 1);
  const double acc32 = accuracy(net, xte, yte);
  std::printf("digits MLP 64-128-64-10 (ReLU), Adam, 60 epochs, seed 1: %zu training and %zu test images\n", ntrain,
              yte.size());
  std::printf("test accuracy in float32: %.2f %%\n\n", acc32);

  // the model as files: safetensors and GGUF (the same tensors), and a llama.cpp importance matrix
  safetensors_writer sw;
  gguf_writer gw;
  gw.set("general.architecture", "lowp-mlp");
  gw.set("general.name", "digits MLP 64-128-64-10");
  gw.set("lowp-mlp.layer_sizes", gguf_value::array(gguf_type::u32, {64u, 128u, 64u, 10u}));
  gguf_writer iw;
  iw.set("general.type", "imatrix");
  iw.set("imatrix.datasets", gguf_value::array(gguf_type::string, {gguf_value("digits.csv: training images")}));
  iw.set("imatrix.chunk_count", std::uint32_t(1));
  iw.set("imatrix.chunk_size", std::uint32_t(ntrain));
  std::vector<mat> inputs;
  forward(net, xtr, &inputs);
  for (std::size_t k = 0; k < 3; ++k) {
    const std::string bias = "fc" + std::to_string(k + 1) + ".bias";
    sw.add(net.names[k], net.w[k]);
    sw.add(bias, dtype::f32, {net.b[k].size()}, f32_bytes(net.b[k].data(), std::size_t(net.b[k].size())));
    gw.add(net.names[k], net.w[k]);
    gw.add(bias, ggml_type::f32, {std::uint64_t(net.b[k].size())},
           f32_bytes(net.b[k].data(), std::size_t(net.b[k].size())));
    // llama-imatrix: Σ over tokens of each input column squared, and the count of tokens
    const mat sum2 = inputs[k].cwiseAbs2().colwise().sum();
    iw.add(net.names[k] + ".in_sum2", sum2);
    iw.add(net.names[k] + ".counts", mat::Constant(1, 1, float(ntrain)));
  }
  sw.metadata("description", "digits MLP trained by lowp's demo");
  sw.write("digits_mlp.safetensors");
  gw.write("digits_mlp.gguf");
  iw.write("digits_mlp.imatrix.gguf");
  std::printf("wrote digits_mlp.safetensors, digits_mlp.gguf and digits_mlp.imatrix.gguf\n");

  // explore, with and without the importance matrix
  const model_file mf("digits_mlp.gguf");
  const model_report plain = explore(mf);
  const sensitivity imat = read_imatrix("digits_mlp.imatrix.gguf");
  explore_options wo;
  wo.weights = &imat;
  const model_report weighted = explore(mf, wo);
  std::printf("\nexplored %zu weight tensors x %zu schemes in %.2f s (%zu tensors kept as they are)\n",
              plain.tensors.size(), model_schemes().size(), plain.seconds, plain.kept.size());
  for (const auto& t : plain.tensors) {
    std::printf("  %s (%zu x %zu): skipped", t.name.c_str(), t.rows, t.cols);
    for (const auto& s : t.schemes)
      if (!s.skipped.empty()) std::printf(" %s,", s.scheme.c_str());
    std::printf("\n");
  }
  for (const auto& s : plain.tensors.front().schemes)
    if (!s.skipped.empty()) {
      std::printf("  e.g. %s on %s: %s\n", s.scheme.c_str(), plain.tensors.front().name.c_str(), s.skipped.c_str());
      break;
    }

  // accuracy of the model with each weight stored as chosen
  // (with the importance matrix, q4_0 quantizes as llama.cpp does under an imatrix)
  auto quantized_accuracy = [&](const std::vector<std::string>& schemes, const sensitivity* s = nullptr) {
    model q = net;
    for (std::size_t k = 0; k < 3; ++k)
      q.w[k] = model_scheme_named(schemes[k])
                   .encode(net.w[k], s ? std::span<const float>(s->columns.at(net.names[k])) : std::span<const float>())
                   .values();
    return accuracy(q, xte, yte);
  };
  std::vector<double> budgets{16, 8, 6, 5, 4, 3, 2.5, 2};
  if (argc > 2) {
    budgets.clear();
    for (int i = 2; i < argc; ++i) budgets.push_back(std::stod(argv[i]));
  }
  std::printf("\nthe optimal allocation per budget (bits per weight, scales included), its error and test accuracy:\n");
  std::printf("%-7s %-8s %7s %10s %7s   %s\n", "budget", "error", "bits/w", "w.error", "acc %",
              "fc1.weight / fc2.weight / fc3.weight");
  std::vector<model_allocation> report_allocs;
  for (double b : budgets) {
    for (const model_report* r : {&plain, &weighted}) {
      const char* kind = r == &plain ? "MSE" : "imatrix";
      try {
        const model_allocation a = allocate(*r, b);
        std::printf("%-7.3g %-8s %7.3f %10.4g %7.2f   %s / %s / %s\n", b, kind, a.bits_per_weight, a.result.error,
                    quantized_accuracy(a.scheme, r == &weighted ? &imat : nullptr), a.scheme[0].c_str(),
                    a.scheme[1].c_str(), a.scheme[2].c_str());
        if (r == &weighted) report_allocs.push_back(a);
      } catch (const lowp::error& e) {
        std::printf("%-7.3g %-8s %s\n", b, kind, e.what());
      }
    }
  }
  std::printf("\nevery weight in one scheme, for comparison:\n");
  for (const char* s : {"int8", "q8_0", "mxfp8_e4m3", "int4 g32", "q4_0", "mxfp4", "nvfp4", "int4", "tritplane g64",
                        "int2 g32", "trit absmean"}) {
    double bits = 0, n = 0;
    for (const auto& w : net.w) {
      bits += double(model_scheme_named(s).encode(w).bits);
      n += double(w.size());
    }
    std::printf("  %-14s %6.3f bits/w  accuracy %6.2f %%\n", s, bits / n, quantized_accuracy({s, s, s}));
  }
  std::printf("  %-14s %6.3f bits/w  accuracy %6.2f %%   (llama.cpp's Q4_0 quantizer under the importance matrix)\n",
              "q4_0 imatrix", 4.5, quantized_accuracy({"q4_0", "q4_0", "q4_0"}, &imat));

  // the report and the model re-quantized at 4 bits per weight (importance-weighted), read back
  write_report_html("digits_mlp.report.html", weighted, report_allocs,
                    {"digits MLP trained by lowp's demo; errors weighted by its importance matrix",
                     "float32 test accuracy " + lowp::detail::number(acc32) + " %"});
  const model_allocation a4 = allocate(weighted, 4.0);
  const requantize_result rg = write_requantized(mf, weighted, a4, "digits_mlp-4bit.gguf", &imat);
  const requantize_result rs = write_requantized(mf, weighted, a4, "digits_mlp-4bit.safetensors", &imat);
  model from_gguf = net, from_st = net;
  const gguf_file g4 = read_gguf("digits_mlp-4bit.gguf");
  const quantized_model q4("digits_mlp-4bit.safetensors");
  std::optional<quantized_model> side;
  if (!rg.safetensors.empty()) side.emplace(rg.safetensors);
  for (std::size_t k = 0; k < 3; ++k) {
    const auto& n = net.names[k];
    from_gguf.w[k] = side && side->contains(n) ? side->to_float(n) : g4[n].to_float();
    from_st.w[k] = q4.to_float(n);
  }
  std::printf("\nre-quantized at <= 4 bits per weight (%s/%s/%s, %.3f bits/w):\n", a4.scheme[0].c_str(),
              a4.scheme[1].c_str(), a4.scheme[2].c_str(), a4.bits_per_weight);
  std::printf(
      "  digits_mlp-4bit.gguf: %zu tensors in GGUF types, %zu in lowp's schema (%s); accuracy read back %.2f %%\n",
      rg.quantized, rg.sidecar, rg.safetensors.empty() ? "none" : rg.safetensors.filename().c_str(),
      accuracy(from_gguf, xte, yte));
  std::printf(
      "  digits_mlp-4bit.safetensors (schema %s): %zu tensors; accuracy read back %.2f %% (in memory %.2f %%)\n",
      quantized_schema, rs.quantized, accuracy(from_st, xte, yte), quantized_accuracy(a4.scheme, &imat));
  std::printf("report: digits_mlp.report.html\n");
  return accuracy(from_st, xte, yte) == quantized_accuracy(a4.scheme, &imat) &&
                 accuracy(from_gguf, xte, yte) == quantized_accuracy(a4.scheme, &imat)
             ? 0
             : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
