// bench/io.cpp: opening a model file and viewing one tensor costs no copy: the time and the resident
// memory of "open a safetensors / GGUF file, find a tensor, map it as an Eigen matrix, read its last
// element" must not grow with the file. Files of 1 MiB and 1 GiB (one float32 tensor of 4096
// columns; the 1 GiB data is a sparse file, so the benchmark writes only the header), each measured
// against the 1 MiB file opened in the same process (counter vs_1MiB: time ratio, target ≤ 2) and
// with the resident-memory growth of one open (rss_kB, target: a few pages, not the tensor).
//
//   ./bench_io
#include <lowp/io.hpp>

#include <benchmark/benchmark.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

constexpr std::int64_t cols = 4096;

long rss_kb() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/// A file of `bytes` of float32 data in the given format; the data region is sparse (never written).
std::filesystem::path make_file(bool gguf, std::uint64_t bytes) {
  const auto p = std::filesystem::temp_directory_path() /
                 ("lowp_bench_io_" + std::to_string(bytes >> 20) + (gguf ? "MiB.gguf" : "MiB.safetensors"));
  // an untouched anonymous mapping stands in for the tensor's bytes: the writers read only its size
  void* m = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) throw std::runtime_error("mmap");
  const std::span<const std::byte> fake(static_cast<const std::byte*>(m), bytes);
  const std::int64_t rows = std::int64_t(bytes / (4 * cols));
  std::string header;
  if (gguf) {
    lowp::io::gguf_writer w;
    w.set("general.architecture", "llama");
    w.add(lowp::io::gguf_tensor{"w", lowp::io::ggml_type::f32, {std::uint64_t(cols), std::uint64_t(rows)}, 0, fake});
    const auto h = w.header();
    header.assign(reinterpret_cast<const char*>(h.data()), h.size());
  } else {
    lowp::io::safetensors_writer w;
    w.add(lowp::io::tensor_view{"w", lowp::io::dtype::f32, {rows, cols}, fake});
    header = w.header();
  }
  munmap(m, bytes);
  {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(header.data(), std::streamsize(header.size()));
  }
  std::filesystem::resize_file(p, header.size() + bytes);  // sparse: the data reads as zeros
  return p;
}

template <bool Gguf>
float open_and_view(const std::filesystem::path& p) {
  if constexpr (Gguf) {
    const auto f = lowp::io::read_gguf(p);
    const auto m = f["w"].view().map<float>();
    return m(m.rows() - 1, m.cols() - 1);
  } else {
    const auto f = lowp::io::read_safetensors(p);
    const auto m = f["w"].map<float>();
    return m(m.rows() - 1, m.cols() - 1);
  }
}

/// Resident memory grown while the file is open, its tensor mapped and its last element read.
template <bool Gguf>
long rss_growth_open(const std::filesystem::path& p) {
  const long before = rss_kb();
  if constexpr (Gguf) {
    const auto f = lowp::io::read_gguf(p);
    const auto m = f["w"].view().map<float>();
    benchmark::DoNotOptimize(m(m.rows() - 1, m.cols() - 1));
    return rss_kb() - before;
  } else {
    const auto f = lowp::io::read_safetensors(p);
    const auto m = f["w"].map<float>();
    benchmark::DoNotOptimize(m(m.rows() - 1, m.cols() - 1));
    return rss_kb() - before;
  }
}

template <bool Gguf>
double seconds_per_open(const std::filesystem::path& p) {
  double best = 1e9;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 50; ++i) benchmark::DoNotOptimize(open_and_view<Gguf>(p));
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 50);
  }
  return best;
}

template <bool Gguf>
void BM_open_view(benchmark::State& st) {
  const std::uint64_t bytes = std::uint64_t(st.range(0)) << 20;
  static const auto small = make_file(Gguf, 1u << 20);
  const auto p = bytes == (1u << 20) ? small : make_file(Gguf, bytes);
  const long grown = rss_growth_open<Gguf>(p);
  for (auto _ : st) benchmark::DoNotOptimize(open_and_view<Gguf>(p));
  st.counters["rss_kB"] = double(grown);
  st.counters["vs_1MiB"] = seconds_per_open<Gguf>(p) / seconds_per_open<Gguf>(small);
  st.counters["file_MiB"] = double(bytes >> 20);
  if (p != small) std::filesystem::remove(p);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_open_view, false)
    ->Name("safetensors/open_view")
    ->Arg(1)
    ->Arg(1024)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_open_view, true)->Name("gguf/open_view")->Arg(1)->Arg(1024)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
