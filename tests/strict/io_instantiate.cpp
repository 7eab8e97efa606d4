// tests/strict/io_instantiate.cpp: the file layer (lowp/io.hpp: .npy, safetensors, GGUF) and its
// templates for every file type under the strict warnings, built by g++ and checked by clang++ like
// strict/instantiate.cpp. Run, it writes and reads back one file of each kind and returns nonzero if a value differs.
#include <lowp/io.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

template <class T>
bool through_files(const std::filesystem::path& dir, const char* name) {
  lowp::matrix<T> m(2, 4);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    if constexpr (std::is_same_v<T, bool>)
      m.data()[i] = i % 3 == 0;
    else if constexpr (std::is_arithmetic_v<T>)
      m.data()[i] = T(i);
    else
      m.data()[i] = T::from_bits(typename T::storage_type(i));
  }
  lowp::io::safetensors_writer w;
  w.add(name, m);
  const auto p = dir / (std::string(name) + ".safetensors");
  w.write(p);
  const auto f = lowp::io::read_safetensors(p);
  bool ok = f[name].template to<T>().size() == m.size() && f[name].to_float().rows() == 2;
  if constexpr (lowp::io::bits(lowp::io::dtype_of<T>()) >= 8) ok = ok && f[name].template map<T>().cols() == 4;
  if constexpr (lowp::io::bits(lowp::io::dtype_of<T>()) >= 8) {
    if (!lowp::io::detail::npy_descr(lowp::io::dtype_of<T>()).empty()) {  // NumPy has the dtype
      const auto q = dir / (std::string(name) + ".npy");
      lowp::io::write_npy(q, m);
      ok = ok && lowp::io::read_npy(q).view().template to<T>().size() == m.size();
    }
  }
  return ok;
}

template <class S>
bool through_gguf(const std::filesystem::path& dir, const lowp::matrix<float>& x, const char* name) {
  lowp::io::gguf_writer w;
  w.set("general.architecture", "llama");
  w.set("k.u16", std::uint16_t(3));
  w.set("k.list", lowp::io::gguf_value::array(lowp::io::gguf_type::f64, {lowp::io::gguf_value(0.5)}));
  const auto q = lowp::quantize(x, S{});
  w.add(name, q);
  w.add("f16", x.cast<lowp::float16>());
  const auto p = dir / (std::string(name) + ".gguf");
  w.write(p);
  const auto f = lowp::io::read_gguf(p);
  return f[name].template as_quantized<S>().rows() == q.rows() && f[name].to_float().cols() == x.cols() &&
         f.metadata("k.u16").template as<std::uint16_t>() == 3 &&
         f["f16"].view().template map<lowp::float16>().rows() == x.rows();
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / "lowp_strict_io";
  std::filesystem::create_directories(dir);
  bool ok = through_files<bool>(dir, "bool") && through_files<std::uint8_t>(dir, "u8") &&
            through_files<std::int8_t>(dir, "i8") && through_files<std::uint16_t>(dir, "u16") &&
            through_files<std::int16_t>(dir, "i16") && through_files<std::uint32_t>(dir, "u32") &&
            through_files<std::int32_t>(dir, "i32") && through_files<std::uint64_t>(dir, "u64") &&
            through_files<std::int64_t>(dir, "i64") && through_files<float>(dir, "f32") &&
            through_files<double>(dir, "f64") && through_files<lowp::float16>(dir, "f16") &&
            through_files<lowp::bfloat16>(dir, "bf16") && through_files<lowp::float8_e4m3fn>(dir, "e4m3") &&
            through_files<lowp::float8_e5m2>(dir, "e5m2") && through_files<lowp::float8_e4m3fnuz>(dir, "e4m3fnuz") &&
            through_files<lowp::float8_e5m2fnuz>(dir, "e5m2fnuz") && through_files<lowp::float8_e8m0fnu>(dir, "e8m0") &&
            through_files<lowp::float6_e2m3fn>(dir, "f6a") && through_files<lowp::float6_e3m2fn>(dir, "f6b") &&
            through_files<lowp::float4_e2m1fn>(dir, "f4");
  const lowp::matrix<float> x = lowp::matrix<float>::Random(2, 256);
  ok = ok && through_gguf<lowp::q8_0>(dir, x, "q8_0") && through_gguf<lowp::q4_0>(dir, x, "q4_0") &&
       through_gguf<lowp::tq1_0>(dir, x, "tq1_0") && through_gguf<lowp::tq2_0>(dir, x, "tq2_0") &&
       through_gguf<lowp::mxfp4>(dir, x, "mxfp4");
  std::filesystem::remove_all(dir);
  std::puts(ok ? "io: every file type through safetensors, .npy and GGUF" : "io: a value differs");
  return ok ? 0 : 1;
}
