// The model explorer's engine (lowp/io/model.hpp): its figures against independent computations,
// skipped schemes, the allocation against brute force, importance matrices in both of llama.cpp's
// formats, Hessian traces, and re-quantized files (GGUF keeping the input's metadata and tensors,
// lowp's safetensors schema) read back bit for bit.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "io_fixtures.hpp"
#include "lowp/io/model.hpp"
#include "lowp/io/report.hpp"

using namespace lowp::io;
using io_fixtures::temp_file;
using lowp::matrix;

namespace {

matrix<float> random_matrix(Eigen::Index r, Eigen::Index c, unsigned seed, float outlier = 0.f) {
  std::mt19937 g(seed);
  std::normal_distribution<float> n(0.f, 0.05f);
  matrix<float> m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = n(g);
  if (outlier != 0.f) m(0, 0) = outlier;
  return m;
}
bool same_bits(const matrix<float>& a, const matrix<float>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(float)) == 0;
}
std::vector<std::byte> f32_bytes(const std::vector<float>& v) {
  std::vector<std::byte> b(v.size() * 4);
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// A GGUF model: metadata of several types (a tokenizer), two weights, a 1-D tensor, an integer one.
std::filesystem::path write_gguf_model(const std::string& name) {
  gguf_writer w;
  w.set("general.architecture", "llama");
  w.set("general.name", "lowp test model");
  w.set("llama.block_count", std::uint32_t(1));
  w.set("llama.rope.freq_base", 10000.0f);
  w.set("tokenizer.ggml.tokens",
        gguf_value::array(gguf_type::string, {gguf_value("<s>"), gguf_value("</s>"), gguf_value("é")}));
  w.set("tokenizer.ggml.scores",
        gguf_value::array(gguf_type::f32, {gguf_value(0.f), gguf_value(-1.5f), gguf_value(2.f)}));
  w.set("general.alignment", std::uint32_t(64));
  w.add("token_embd.weight", random_matrix(16, 256, 1));
  w.add("blk.0.attn_norm.weight", ggml_type::f32, {256}, f32_bytes(std::vector<float>(256, 1.f)));
  w.add("blk.0.ffn_up.weight", random_matrix(32, 256, 2, 0.9f));
  w.add("blk.0.ffn_down.weight", random_matrix(256, 32, 3).cast<lowp::float16>());
  w.add("blk.0.ids", matrix<std::int32_t>::Constant(2, 4, 7));
  const auto p = temp_file(name);
  w.write(p);
  return p;
}

}  // namespace

TEST_CASE("model schemes: names are unique; a scheme name that does not exist is named in the error", "[io][model]") {
  std::set<std::string> names;
  for (const auto& s : model_schemes()) CHECK(names.insert(s.name).second);
  CHECK(names.size() == model_schemes().size());
  CHECK_THROWS_WITH(model_scheme_named("int5"), Catch::Contains("no model scheme 'int5'") && Catch::Contains("q4_0"));
}

TEST_CASE("explore: figures equal an independent computation; importance weights the columns", "[io][model]") {
  const auto path = write_gguf_model("explore.gguf");
  const model_file m(path);
  REQUIRE(m.tensors().size() == 5);
  CHECK(m.tensors()[1].not_a_weight == "one row: kept as it is");
  CHECK(m.tensors()[4].not_a_weight == "an integer tensor: kept as it is");

  // an importance per column of ffn_up, and a Hessian trace for token_embd
  sensitivity s;
  std::vector<float> imp(256);
  for (std::size_t c = 0; c < imp.size(); ++c) imp[c] = float(1 + c % 7);
  s.columns["blk.0.ffn_up.weight"] = imp;
  s.traces["token_embd.weight"] = 4096.0;
  explore_options o;
  o.weights = &s;
  std::vector<std::string> seen;
  o.progress = [&](std::size_t done, std::size_t total, const std::string& n) {
    CHECK(total == 3);
    seen.push_back(std::to_string(done) + ":" + n);
  };
  const model_report r = explore(m, o);
  CHECK(seen ==
        std::vector<std::string>{"0:token_embd.weight", "1:blk.0.ffn_up.weight", "2:blk.0.ffn_down.weight", "3:"});
  REQUIRE(r.tensors.size() == 3);
  CHECK(r.kept.size() == 2);
  CHECK(r.weights == 16 * 256 + 32 * 256 + 256 * 32);
  CHECK(r.tensors[0].weight == 4096.0 / (16 * 256));  // HAWQ-V3: Tr(H) / n
  CHECK(r.tensors[1].importance);
  CHECK_FALSE(r.tensors[0].importance);

  const matrix<float> x = m.read(2);
  for (const auto& sr : r.tensors[1].schemes) {
    INFO(sr.scheme);
    REQUIRE(sr.skipped.empty());
    const encoded_tensor e = model_scheme_named(sr.scheme).encode(x, imp);  // (q4_0 uses it, as llama.cpp does)
    const matrix<float> y = e.values();
    double sse = 0, wsse = 0, sig = 0, mx = 0;
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const double d = double(x(i, j)) - double(y(i, j));
        sse += d * d;
        wsse += double(imp[std::size_t(j)]) * d * d;
        sig += double(x(i, j)) * double(x(i, j));
        mx = std::max(mx, std::abs(d));
      }
    CHECK(sr.bits == e.bits);
    CHECK(sr.bits_per_weight == Approx(double(e.bits) / double(x.size())));
    CHECK(sr.mse == Approx(sse / double(x.size())).epsilon(1e-12));
    CHECK(sr.error == Approx(wsse).epsilon(1e-12));
    CHECK(sr.max_abs_error == mx);
    if (sse > 0) CHECK(sr.sqnr_db == Approx(10 * std::log10(sig / sse)).epsilon(1e-12));
  }
  // bits of a few schemes from their definitions: int8 per channel = 8 + 32 / cols; q4_0 = 4.5;
  // mxfp4 = 4.25; f16 = 16
  auto bits = [&](const char* n) {
    for (const auto& sr : r.tensors[1].schemes)
      if (sr.scheme == n) return sr.bits_per_weight;
    return -1.0;
  };
  CHECK(bits("int8") == 8 + 32.0 / 256);
  CHECK(bits("q4_0") == 4.5);
  CHECK(bits("mxfp4") == 4.25);
  CHECK(bits("f16") == 16);
  CHECK(bits("f32") == 32);
  // under the importance matrix, q4_0 is llama.cpp's weighted quantizer: less weighted error than the
  // unweighted one, and the re-quantized file holds exactly its bytes
  const matrix<float> plain_q4 = model_scheme_named("q4_0").encode(x).values();
  double plain_err = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      plain_err += double(imp[std::size_t(j)]) * std::pow(double(x(i, j)) - double(plain_q4(i, j)), 2);
  double q4_err = -1;
  for (const auto& sr : r.tensors[1].schemes)
    if (sr.scheme == "q4_0") q4_err = sr.error;
  CHECK(q4_err < plain_err);
  model_allocation a;
  a.scheme = {"f16", "q4_0", "f16"};
  const auto out = temp_file("explore-q4.gguf");
  write_requantized(m, r, a, out, &s);
  const gguf_file g(out);
  const auto q4 = lowp::quantize(x, lowp::q4_0{}, imp);
  const auto want = q4.raw();
  const auto got = g["blk.0.ffn_up.weight"].bytes;
  CHECK(std::equal(want.begin(), want.end(), reinterpret_cast<const std::uint8_t*>(got.data())));
  std::filesystem::remove(out);
  std::filesystem::remove(path);
}

TEST_CASE("explore: schemes that do not fit a tensor are skipped with lowp's reason, never an abort", "[io][model]") {
  safetensors_writer w;
  w.add("odd.weight", random_matrix(4, 48, 5));  // 48 columns: no 32-, 128- or 256-block
  matrix<float> bad = random_matrix(4, 64, 6);
  bad(1, 3) = std::numeric_limits<float>::quiet_NaN();
  w.add("nan.weight", bad);
  const auto path = temp_file("skip.safetensors");
  w.write(path);
  const model_file m(path);
  const model_report r = explore(m);
  REQUIRE(r.tensors.size() == 2);
  REQUIRE(r.tensors[0].name == "nan.weight");  // the file's order (safetensors_writer sorts by name)
  for (const auto& sr : r.tensors[1].schemes) {
    INFO(sr.scheme << ": " << sr.skipped);
    const bool blocks = sr.scheme == "q8_0" || sr.scheme == "q4_0" || sr.scheme == "tq1_0" || sr.scheme == "tq2_0" ||
                        sr.scheme == "int4 g32" || sr.scheme == "uint4 g32 asym" || sr.scheme == "int2 g32" ||
                        sr.scheme == "int4 g128" || sr.scheme == "tritplane g64" ||
                        sr.scheme.rfind("mx", 0) == 0;  // MX blocks of 32 (NVFP4's 16 divide 48)
    CHECK(sr.skipped.empty() == !blocks);
    if (blocks) CHECK_THAT(sr.skipped, Catch::Contains("48"));
  }
  // the NaN: every scheme refuses it (plain float keeps it, and its error is not finite)
  for (const auto& sr : r.tensors[0].schemes) {
    INFO(sr.scheme);
    CHECK_FALSE(sr.skipped.empty());
  }
  CHECK_THROWS_WITH(allocate(r, 8.0), Catch::Contains("no scheme fits tensor 'nan.weight'"));
  std::filesystem::remove(path);
}

TEST_CASE("allocate: optimal for its error model (brute force), within the budget", "[io][model]") {
  const auto path = write_gguf_model("alloc.gguf");
  const model_file m(path);
  explore_options o;
  o.schemes = {"f16", "int8", "q4_0", "mxfp4", "int4", "tq2_0", "trit absmean"};
  const model_report r = explore(m, o);
  REQUIRE(r.tensors.size() == 3);
  for (double b : {2.0, 2.5, 3.0, 4.0, 4.4, 5.0, 8.0, 9.0, 16.0}) {
    INFO(b);
    // brute force over every combination of schemes that ran
    double best = INFINITY;
    const auto& t = r.tensors;
    for (const auto& a : t[0].schemes)
      for (const auto& c : t[1].schemes)
        for (const auto& d : t[2].schemes) {
          if (!a.skipped.empty() || !c.skipped.empty() || !d.skipped.empty()) continue;
          if (double(a.bits + c.bits + d.bits) > b * double(r.weights)) continue;
          best = std::min(best, t[0].weight * a.error + t[1].weight * c.error + t[2].weight * d.error);
        }
    if (!std::isfinite(best)) {
      CHECK_THROWS_WITH(allocate(r, b), Catch::Contains("below the smallest choice"));
      continue;
    }
    const model_allocation a = allocate(r, b);
    CHECK(a.result.exact);
    CHECK(a.result.error == Approx(best).epsilon(1e-12));
    CHECK(a.bits_per_weight <= b);
  }
  CHECK_THROWS_WITH(allocate(r, -1), Catch::Contains("positive number of bits per weight"));
  std::filesystem::remove(path);
}

TEST_CASE("read_imatrix: llama.cpp's GGUF format and its older binary one", "[io][model]") {
  // GGUF: in_sum2 (ne = {columns, matrices}) and counts (one per matrix)
  gguf_writer w;
  w.set("general.type", "imatrix");
  w.set("imatrix.datasets", gguf_value::array(gguf_type::string, {gguf_value("wiki.train.raw")}));
  w.set("imatrix.chunk_count", std::uint32_t(12));
  w.set("imatrix.chunk_size", std::uint32_t(512));
  matrix<float> sums(2, 4);  // two experts of 4 columns
  sums << 8, 16, 24, 32, 5, 5, 5, 5;
  w.add("blk.0.ffn_up_exps.weight.in_sum2", sums);
  w.add("blk.0.ffn_up_exps.weight.counts", ggml_type::f32, {1, 2}, f32_bytes({8.f, 0.f}));
  const auto p = temp_file("imatrix.gguf");
  w.write(p);
  const sensitivity s = read_imatrix(p);
  CHECK(s.datasets == std::vector<std::string>{"wiki.train.raw"});
  CHECK(s.chunks == 12);
  REQUIRE(s.columns.count("blk.0.ffn_up_exps.weight"));
  // sum / count; a matrix that saw no input: 1 (llama.cpp's loader)
  CHECK(s.columns.at("blk.0.ffn_up_exps.weight") == std::vector<float>{1, 2, 3, 4, 1, 1, 1, 1});

  // legacy: int32 n; per entry: int32 len, name, int32 ncall, int32 nval, floats; int32 chunks, dataset
  auto legacy = [](std::vector<std::pair<std::string, std::vector<float>>> entries, int ncall, bool tail) {
    std::string b;
    auto i32 = [&](std::int32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); };
    i32(std::int32_t(entries.size()));
    for (const auto& [n, v] : entries) {
      i32(std::int32_t(n.size()));
      b += n;
      i32(ncall);
      i32(std::int32_t(v.size()));
      b.append(reinterpret_cast<const char*>(v.data()), v.size() * 4);
    }
    if (tail) {
      i32(7);
      i32(5);
      b += "c.txt";
    }
    return b;
  };
  const auto lp = temp_file("imatrix.dat");
  auto put = [&](const std::string& b) { std::ofstream(lp, std::ios::binary) << b; };
  put(legacy({{"a.weight", {4, 8, 12}}, {"b.weight", {2, 2}}}, 4, true));
  const sensitivity l = read_imatrix(lp);
  CHECK(l.columns.at("a.weight") == std::vector<float>{1, 2, 3});  // value / ncall
  CHECK(l.columns.at("b.weight") == std::vector<float>{0.5f, 0.5f});
  CHECK(l.chunks == 7);
  CHECK(l.datasets == std::vector<std::string>{"c.txt"});
  put(legacy({{"a.weight", {4, -8}}}, 4, false));
  CHECK_THROWS_WITH(read_imatrix(lp), Catch::Contains("a.weight") && Catch::Contains("-8"));
  put(legacy({{"a.weight", {1}}, {"a.weight", {1}}}, 1, false));
  CHECK_THROWS_WITH(read_imatrix(lp), Catch::Contains("appears twice"));
  put(legacy({{"a.weight", {1, 2}}}, 1, false).substr(0, 20));
  CHECK_THROWS_WITH(read_imatrix(lp), Catch::Contains("imatrix") && Catch::Contains("bytes"));
  put(legacy({{"a.weight", {1}}}, 0, false));
  CHECK_THROWS_WITH(read_imatrix(lp), Catch::Contains("ncall 0"));

  // an entry whose length fits no tensor is named when the explorer meets it
  sensitivity wrong;
  wrong.columns["token_embd.weight"] = {1, 2, 3};
  const auto mp = write_gguf_model("imatrix-model.gguf");
  explore_options o;
  o.weights = &wrong;
  o.schemes = {"int8"};
  CHECK_THROWS_WITH(explore(model_file(mp), o), Catch::Contains("token_embd.weight") && Catch::Contains("3 values"));
  for (const auto& f : {p, lp, mp}) std::filesystem::remove(f);
}

TEST_CASE("read_hessian_traces: '<tensor> <trace>' lines; bad lines named", "[io][model]") {
  const auto p = temp_file("traces.txt");
  std::ofstream(p) << "# HAWQ traces\nblk.0.ffn_up.weight 12.5\n\n  token_embd.weight   3e2  # embed\n";
  const sensitivity s = read_hessian_traces(p);
  CHECK(s.traces.at("blk.0.ffn_up.weight") == 12.5);
  CHECK(s.traces.at("token_embd.weight") == 300.0);
  std::ofstream(p) << "a 1\nb nan\n";
  CHECK_THROWS_WITH(read_hessian_traces(p), Catch::Contains("line 2") && Catch::Contains("'nan'"));
  std::ofstream(p) << "a 1 2\n";
  CHECK_THROWS_WITH(read_hessian_traces(p), Catch::Contains("line 1"));
  std::ofstream(p) << "a 1\na 2\n";
  CHECK_THROWS_WITH(read_hessian_traces(p), Catch::Contains("appears twice"));
  std::filesystem::remove(p);
}

TEST_CASE("write_requantized: every scheme through lowp's safetensors schema and back, bit for bit", "[io][model]") {
  // one tensor per scheme (8 × 256: every block size fits), plus a 1-D tensor kept as it is
  safetensors_writer w;
  const auto& all = model_schemes();
  std::vector<matrix<float>> xs;
  for (std::size_t i = 0; i < all.size(); ++i) {
    xs.push_back(random_matrix(8, 256, unsigned(100 + i), i % 3 == 0 ? 3.f : 0.f));
    w.add("t" + std::to_string(i), xs.back());
  }
  w.add("bias", dtype::f32, {4}, f32_bytes({1, 2, 3, 4}));
  w.metadata("source", "test");
  const auto in = temp_file("requant-in.safetensors");
  w.write(in);
  const model_file m(in);
  explore_options o;
  o.schemes = {"int8"};
  const model_report r = explore(m, o);
  REQUIRE(r.tensors.size() == all.size());
  model_allocation a;  // tensor "t<i>" gets scheme i (the report follows the file's order)
  for (const auto& t : r.tensors) a.scheme.push_back(all[std::stoul(t.name.substr(1))].name);
  const auto out = temp_file("requant-out.safetensors");
  const requantize_result res = write_requantized(m, r, a, out);
  CHECK(res.quantized == all.size());
  CHECK(res.kept == 1);
  const quantized_model q(out);
  CHECK(q.file().metadata().at("lowp.schema") == "lowp.quantized/1");
  CHECK(q.file().metadata().at("source") == "test");  // the input's metadata kept
  for (std::size_t i = 0; i < all.size(); ++i) {
    INFO(all[i].name);
    const std::string n = "t" + std::to_string(i);
    CHECK(q.scheme(n) == all[i].name);
    CHECK(same_bits(q.to_float(n), all[i].encode(xs[i]).values()));
  }
  CHECK(q.scheme("bias").empty());
  CHECK(q.to_float("bias")(0, 3) == 4.f);
  CHECK_THROWS_WITH(q.to_float("nope"), Catch::Contains("no tensor 'nope'"));

  // a file of another schema version, or a part missing, is refused by name
  const safetensors_file f(out);
  safetensors_writer v2;
  for (const auto& t : f.tensors()) v2.add(t);
  for (const auto& [k, v] : f.metadata()) v2.metadata(k, k == "lowp.schema" ? "lowp.quantized/2" : v);
  const auto out2 = temp_file("requant-v2.safetensors");
  v2.write(out2);
  CHECK_THROWS_WITH(quantized_model(out2), Catch::Contains("lowp.quantized/2") && Catch::Contains("lowp.quantized/1"));
  safetensors_writer miss;
  for (const auto& t : f.tensors())
    if (t.name != "t3.scales") miss.add(t);
  for (const auto& [k, v] : f.metadata()) miss.metadata(k, v);
  miss.write(out2);
  CHECK_THROWS_WITH(quantized_model(out2), Catch::Contains("t3.scales"));
  {  // a zero point that is no uint4 code
    std::string n;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].name == "uint4 g32 asym") n = "t" + std::to_string(i);
    safetensors_writer bad;
    for (const auto& t : f.tensors())
      if (t.name == n + ".zero_points")
        bad.add(t.name, dtype::u8, t.shape, std::vector<std::byte>(t.bytes.size(), std::byte{200}));
      else
        bad.add(t);
    for (const auto& [k, v] : f.metadata()) bad.metadata(k, v);
    bad.write(out2);
    CHECK_THROWS_WITH(quantized_model(out2).to_float(n), Catch::Contains("zero point 0") && Catch::Contains("200"));
  }
  for (const char* shape : {"[]", "[4]", "[-1, 4]", "[4294967296, 4294967296, 4294967296]"}) {
    safetensors_writer bad;
    for (const auto& t : f.tensors()) bad.add(t);
    for (const auto& [k, v] : f.metadata())
      bad.metadata(k, k == "lowp.tensor.t3" ? std::string("{\"scheme\":\"int8\",\"shape\":") + shape + "}" : v);
    bad.write(out2);
    INFO(shape);
    CHECK_THROWS_WITH(quantized_model(out2), Catch::Contains("tensor 't3' has a bad shape"));
  }
  for (const auto& p : {in, out, out2}) std::filesystem::remove(p);
}

TEST_CASE("write_requantized: a GGUF keeps every key and tensor; schemes without a GGUF type go to a sidecar",
          "[io][model]") {
  const auto in = write_gguf_model("requant-in.gguf");
  const model_file m(in);
  const model_report r = explore(m);
  REQUIRE(r.tensors.size() == 3);
  model_allocation a;
  a.scheme = {"q4_0", "int4 g32", "mxfp4"};  // int4 g32: no GGUF type
  const auto out = temp_file("requant-out.gguf");
  const requantize_result res = write_requantized(m, r, a, out);
  CHECK(res.quantized == 2);
  CHECK(res.sidecar == 1);
  CHECK(res.kept == 2);
  const gguf_file g_in(in), g_out(out);
  CHECK(g_out.metadata() == g_in.metadata());  // every key, type, value and the order
  REQUIRE(g_out.tensors().size() == g_in.tensors().size());
  for (std::size_t i = 0; i < g_in.tensors().size(); ++i) {
    CHECK(g_out.tensors()[i].name == g_in.tensors()[i].name);
    CHECK(g_out.tensors()[i].ne == g_in.tensors()[i].ne);
  }
  CHECK(g_out["token_embd.weight"].type == ggml_type::q4_0);
  CHECK(g_out["blk.0.ffn_down.weight"].type == ggml_type::mxfp4);
  // unchosen tensors and the one without a GGUF type: the input's bytes
  for (const char* n : {"blk.0.attn_norm.weight", "blk.0.ids", "blk.0.ffn_up.weight"}) {
    INFO(n);
    CHECK(g_out[n].type == g_in[n].type);
    CHECK(std::equal(g_out[n].bytes.begin(), g_out[n].bytes.end(), g_in[n].bytes.begin(), g_in[n].bytes.end()));
  }
  // values: what the scheme gives
  CHECK(same_bits(g_out["token_embd.weight"].to_float(), model_scheme_named("q4_0").encode(m.read(0)).values()));
  // (ggml's MXFP4 table decodes code 8, E2M1's -0, as +0: equal values, not equal bits)
  const matrix<float> mx_file = g_out["blk.0.ffn_down.weight"].to_float(),
                      mx_lowp = model_scheme_named("mxfp4").encode(m.read(3)).values();
  CHECK((mx_file.array() == mx_lowp.array()).all());
  const quantized_model side(res.safetensors);
  CHECK(side.names() == std::vector<std::string>{"blk.0.ffn_up.weight"});
  CHECK(side.scheme("blk.0.ffn_up.weight") == "int4 g32");
  CHECK(same_bits(side.to_float("blk.0.ffn_up.weight"), model_scheme_named("int4 g32").encode(m.read(2)).values()));

  // GGUF in, safetensors out: block types kept are decoded; the schema holds the rest
  const auto out_st = temp_file("requant-out2.safetensors");
  write_requantized(m, r, a, out_st);
  const quantized_model q(out_st);
  CHECK(q.scheme("blk.0.ffn_up.weight") == "int4 g32");
  CHECK(q.scheme("token_embd.weight") == "q4_0");
  CHECK(q.to_float("blk.0.ids")(1, 3) == 7.f);

  // the HTML report: one chart per tensor and the allocation table
  const auto html = temp_file("report.html");
  write_report_html(html, r, {allocate(r, 4.5), allocate(r, 8)}, {"note <&>"});
  std::ifstream hf(html);
  const std::string text((std::istreambuf_iterator<char>(hf)), std::istreambuf_iterator<char>());
  CHECK(text.find("note &lt;&amp;&gt;") != std::string::npos);
  std::size_t svgs = 0;
  for (std::size_t at = 0; (at = text.find("<svg", at)) != std::string::npos; ++at) ++svgs;
  CHECK(svgs == 1 + r.tensors.size());
  CHECK(text.find("skipped because") != std::string::npos);

  CHECK_THROWS_WITH(write_requantized(m, r, a, temp_file("x.bin")), Catch::Contains(".gguf' or '.safetensors"));
  model_allocation short_a;
  short_a.scheme = {"q4_0"};
  CHECK_THROWS_WITH(write_requantized(m, r, short_a, out), Catch::Contains("1 schemes for 3 tensors"));
  const model_file st(out_st);
  CHECK_THROWS_WITH(write_requantized(st, r, a, temp_file("y.gguf")), Catch::Contains("not in"));
  for (const auto& p : {in, out, out_st, html, res.safetensors}) std::filesystem::remove(p);
}

TEST_CASE("deferred tensors: produced when the file reaches them; a wrong size is named, no file left", "[io][model]") {
  const auto p = temp_file("deferred.gguf"), q = temp_file("deferred.safetensors");
  int calls = 0;
  gguf_writer g;
  g.add_deferred("a", ggml_type::f32, {4, 2}, [&] {
    ++calls;
    return f32_bytes({1, 2, 3, 4, 5, 6, 7, 8});
  });
  g.add("b", matrix<float>::Constant(1, 4, 9.f));
  CHECK(calls == 0);
  g.write(p);
  CHECK(calls == 1);
  const gguf_file gf(p);
  CHECK(gf["a"].to_float()(1, 3) == 8.f);
  CHECK(gf["b"].to_float()(0, 0) == 9.f);
  safetensors_writer s;
  s.add_deferred("a", dtype::f32, {2, 4}, [&] {
    ++calls;
    return f32_bytes({1, 2, 3, 4, 5, 6, 7, 8});
  });
  s.write(q);
  CHECK(calls == 2);
  CHECK(read_safetensors(q)["a"].to_float()(1, 0) == 5.f);

  std::filesystem::remove(p);
  std::filesystem::remove(q);
  gguf_writer g2;
  g2.add_deferred("short", ggml_type::f32, {4, 2}, [] { return f32_bytes({1}); });
  CHECK_THROWS_WITH(g2.write(p), Catch::Contains("'short' produced 4 bytes") && Catch::Contains("need 32"));
  CHECK_FALSE(std::filesystem::exists(p));
  safetensors_writer s2;
  s2.add_deferred("short", dtype::f32, {2, 4}, [] { return f32_bytes({1}); });
  CHECK_THROWS_WITH(s2.write(q), Catch::Contains("'short' produced 4 bytes") && Catch::Contains("need 32"));
  CHECK_FALSE(std::filesystem::exists(q));
  CHECK_THROWS_WITH(s2.add_deferred("x", dtype::f32, {-1}, [] { return std::vector<std::byte>(); }),
                    Catch::Contains("bad shape"));
}
