// tests/bits/digest.cpp: one seeded run through every operation whose bits lowp promises, printed
// as one 64-bit digest per case. CTest builds this file several times with different compiler
// flags (default, -march=x86-64-v3 with FMA, -march=native, clang with -ffp-contract=fast) and
// checks that every build prints the same lines as the default one (tests/bits/compare.cmake):
// promised bits must not depend on the user's flags (spec §10). Within one run, every case is also
// computed at every ISA level this CPU has and must give the scalar reference's digest.
//
// The inputs are built with integer arithmetic and exact float steps only (no libm, no products
// feeding sums), so that they are the same in every build.
#include <lowp/lowp.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

/// FNV-1a, 64 bits.
struct digest {
  std::uint64_t h = 14695981039346656037ull;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  template <class T>
  void value(const T& v) {
    bytes(&v, sizeof v);
  }
  template <class T>
  void span(const std::vector<T>& v) {
    bytes(v.data(), v.size() * sizeof(T));
  }
  template <class M>
  void matrix(const M& m) {
    value(std::int64_t(m.rows()));  // Eigen::Index is 4 bytes on 32-bit targets: hash 8 everywhere
    value(std::int64_t(m.cols()));
    bytes(m.data(), std::size_t(m.size()) * sizeof(typename M::Scalar));
  }
};

/// splitmix64: a seeded stream of integers.
struct stream {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [−1, 1) on a 2^-23 grid (an exact division by a power of two).
  float uniform() { return float(std::int32_t(next() >> 40) - (1 << 23)) / 8388608.0f; }
  /// Roughly bell-shaped: the sum of three uniforms (exact additions of grid values; each draw in
  /// its own statement, as C++ leaves the order of operands unspecified).
  float bell() {
    const float a = uniform();
    const float b = uniform();
    const float c = uniform();
    return (a + b) + c;
  }
};

/// A rows × cols matrix of bell-shaped values times 2^e, with every 17th column ×32 (outliers).
lowp::matrix<float> data(int rows, int cols, std::uint64_t seed, int e = 0) {
  stream g{seed};
  lowp::matrix<float> m(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) m(r, c) = std::ldexp(g.bell() * (c % 17 == 3 ? 32.f : 1.f), e);
  return m;
}

/// Floats that hit every kind of input: values, rounding ties, specials, extremes, subnormals.
std::vector<float> conversion_inputs() {
  stream g{7};
  std::vector<float> v;
  for (int i = 0; i < 4000; ++i) {
    const float b = g.bell();
    v.push_back(std::ldexp(b, int(g.next() % 40) - 20));
  }
  for (int i = 0; i < 2000; ++i) {  // random bit patterns, NaN and Inf included
    const auto u = std::uint32_t(g.next());
    float f;
    std::memcpy(&f, &u, 4);
    v.push_back(f);
  }
  for (float f : {0.f, -0.f, 0.5f, 1.5f, 2.5f, 448.f, 464.f, 465.f, 57344.f, 61440.f, 1e-45f, 1e-40f, 3.4e38f})
    for (float s : {1.f, -1.f}) v.push_back(f * s);
  v.push_back(std::numeric_limits<float>::infinity());
  v.push_back(-std::numeric_limits<float>::infinity());
  v.push_back(std::numeric_limits<float>::quiet_NaN());
  return v;
}

using cases = std::vector<std::pair<std::string, std::function<void(digest&)>>>;

template <class T>
void add_conversions(cases& out, const char* name) {
  out.emplace_back(std::string("convert ") + name, [](digest& d) {
    const std::vector<float> in = conversion_inputs();
    std::vector<T> codes(in.size());
    std::vector<float> back(in.size());
    auto run = [&](auto r, auto o) {
      lowp::convert(std::span<const float>(in), std::span<T>(codes), r, o);
      lowp::convert(std::span<const T>(codes), std::span<float>(back), lowp::rounding::nearest_even{},
                    lowp::overflow::saturate{});
      d.span(codes);
      d.span(back);
    };
    run(lowp::rounding::nearest_even{}, lowp::overflow::saturate{});
    run(lowp::rounding::nearest_away{}, lowp::overflow::saturate{});
    run(lowp::rounding::toward_zero{}, lowp::overflow::saturate{});
    run(lowp::rounding::toward_positive{}, lowp::overflow::saturate{});
    run(lowp::rounding::to_odd{}, lowp::overflow::saturate{});
    run(lowp::rounding::stochastic{42, 7}, lowp::overflow::saturate{});
    if constexpr (T::format_family == lowp::family::minifloat) {
      run(lowp::rounding::nearest_even{}, lowp::overflow::propagate{});
    } else {
      run(lowp::rounding::nearest_even{}, lowp::overflow::saturate_symmetric{});
    }
  });
}

template <class T>
void add_packing(cases& out, const char* name) {
  out.emplace_back(std::string("pack ") + name, [](digest& d) {
    const std::vector<float> in = conversion_inputs();
    const auto p =
        lowp::pack<T>(std::span<const float>(in), lowp::rounding::stochastic{3, 0}, lowp::overflow::saturate{});
    d.bytes(p.data(), p.bytes());
    std::vector<float> back(p.size(), 0.f);
    lowp::unpack(p, std::span<float>(back));
    d.span(back);
  });
}

template <class Q>
void add_uniform_bytes(digest& d, const Q& q) {
  for (std::size_t r = 0; r < q.rows(); ++r) d.bytes(q.row_codes(r), q.row_bytes());
  d.span(q.scales());
  d.span(q.zero_points());
}

template <class T, class S = float>
void add_uniform(cases& out, const char* name, lowp::granularity g, lowp::scale_rule rule) {
  out.emplace_back(std::string("quantize ") + name + " " + g.name() + " " + rule.name(), [=](digest& d) {
    for (int e : {-20, 0, 9}) {
      const auto x = data(24, 256, 11 + std::uint64_t(e + 20), e);
      const auto q = lowp::quantize<T, S>(x, g, rule);
      add_uniform_bytes(d, q);
      const auto back = lowp::dequantize(q);
      d.matrix(back);
      d.matrix(lowp::fake_quantize<T, S>(x, g, rule));
      // (not sqnr_db: its last bit is the C library's log10, which differs on i686: quant/metrics.hpp)
      d.value(lowp::mse(x, back));
      d.value(lowp::max_abs_error(x, back));
      d.matrix(lowp::fake_quantize<T, S>(x, g, rule, lowp::rounding::stochastic{5, 1}));
    }
  });
}

template <class Scheme>
void add_block_scheme(cases& out, const char* name) {
  out.emplace_back(std::string("quantize ") + name, [](digest& d) {
    for (int e : {-130, -20, 0, 9, 100}) {
      const auto x = data(8, 256, 21 + std::uint64_t(e + 130), e);
      const auto q = lowp::quantize(x, Scheme{});
      const auto back = lowp::dequantize(q);
      d.matrix(back);
      d.matrix(lowp::fake_quantize(x, Scheme{}));
      if constexpr (requires { q.raw(); }) {
        d.bytes(q.raw().data(), q.raw().size());
      } else if constexpr (requires { q.row_codes(0); }) {
        for (std::size_t r = 0; r < q.rows(); ++r) d.bytes(q.row_codes(r), q.row_bytes());
        d.span(q.scales());
      }
    }
  });
}

cases all_cases() {
  cases c;
  add_conversions<lowp::float8_e4m3fn>(c, "e4m3fn");
  add_conversions<lowp::float8_e4m3fnuz>(c, "e4m3fnuz");
  add_conversions<lowp::float8_e4m3>(c, "e4m3");
  add_conversions<lowp::float8_e5m2>(c, "e5m2");
  add_conversions<lowp::float8_e5m2fnuz>(c, "e5m2fnuz");
  add_conversions<lowp::float8_e3m4>(c, "e3m4");
  add_conversions<lowp::float8_e8m0fnu>(c, "e8m0fnu");
  add_conversions<lowp::float6_e2m3fn>(c, "e2m3fn");
  add_conversions<lowp::float6_e3m2fn>(c, "e3m2fn");
  add_conversions<lowp::float4_e2m1fn>(c, "e2m1fn");
  add_conversions<lowp::float16>(c, "float16");
  add_conversions<lowp::bfloat16>(c, "bfloat16");
  add_conversions<lowp::int8>(c, "int8");
  add_conversions<lowp::uint8>(c, "uint8");
  add_conversions<lowp::int4>(c, "int4");
  add_conversions<lowp::int2>(c, "int2");
  add_conversions<lowp::trit>(c, "trit");
  add_packing<lowp::float4_e2m1fn>(c, "e2m1fn");
  add_packing<lowp::float6_e3m2fn>(c, "e3m2fn");
  add_packing<lowp::int4>(c, "int4");
  add_packing<lowp::trit>(c, "trit");
  add_packing<lowp::binary>(c, "binary");

  using namespace lowp;
  add_uniform<int8>(c, "int8", per_channel{}, scale::absmax{});
  add_uniform<int8>(c, "int8", per_tensor{}, scale::pow2{});
  add_uniform<int4>(c, "int4", per_group{32}, scale::absmax{});
  add_uniform<int4, bfloat16>(c, "int4/bf16", per_group{32}, scale::absmax{});
  add_uniform<int4, float16>(c, "int4/f16", per_group{64}, scale::absmax{});
  add_uniform<int4, float8_e4m3fn>(c, "int4/e4m3", per_group{16}, scale::absmax{});
  add_uniform<int4, float8_e8m0fnu>(c, "int4/e8m0", per_group{32}, scale::absmax{});
  add_uniform<int4>(c, "int4", per_channel{}, scale::mse{16});
  add_uniform<uint8>(c, "uint8", per_channel{}, scale::asymmetric{});
  add_uniform<uint4, bfloat16>(c, "uint4/bf16", per_group{32}, scale::asymmetric{});
  add_uniform<float8_e4m3fn>(c, "e4m3fn", per_block{8, 32}, scale::absmax{});
  add_uniform<float8_e4m3fn>(c, "e4m3fn", per_channel{}, scale::asymmetric{});
  add_uniform<float4_e2m1fn, float8_e4m3fn>(c, "e2m1/e4m3", per_group{16}, scale::absmax{});
  add_uniform<trit>(c, "trit", per_tensor{}, scale::absmean{});
  add_uniform<trit>(c, "trit", per_group{64}, scale::absmedian{});
  add_uniform<binary>(c, "binary", per_channel{}, scale::absmean{});
  add_block_scheme<mxfp8_e4m3>(c, "mxfp8_e4m3");
  add_block_scheme<mxfp8_e5m2>(c, "mxfp8_e5m2");
  add_block_scheme<mxfp6_e2m3>(c, "mxfp6_e2m3");
  add_block_scheme<mxfp6_e3m2>(c, "mxfp6_e3m2");
  add_block_scheme<mxfp4>(c, "mxfp4");
  add_block_scheme<mxint8>(c, "mxint8");
  add_block_scheme<nvfp4>(c, "nvfp4");
  add_block_scheme<q8_0>(c, "q8_0");
  add_block_scheme<q4_0>(c, "q4_0");
  add_block_scheme<tq1_0>(c, "tq1_0");
  add_block_scheme<tq2_0>(c, "tq2_0");
  c.emplace_back("quantize q4_0 under an importance matrix", [](digest& d) {
    std::vector<float> imp(256);
    for (std::size_t j = 0; j < imp.size(); ++j) imp[j] = float(j % 13) * 0.25f;  // zeros included
    for (int e : {-130, -20, 0, 9, 100}) {
      const auto x = data(8, 256, 61 + std::uint64_t(e + 130), e);
      const auto q = quantize(x, q4_0{}, imp);
      d.bytes(q.raw().data(), q.raw().size());
    }
  });
  c.emplace_back("quantize tritplane", [](digest& d) {
    const auto x = data(8, 256, 31);
    const auto q = quantize(x, tritplane{64});
    d.matrix(dequantize(q));
    d.matrix(fake_quantize(x, tritplane{64}));
  });

  c.emplace_back("matmul integer pairs", [](digest& d) {
    const auto w = data(70, 512, 41);
    const auto x = data(37, 512, 42);
    const auto qw8 = quantize<int8>(w, per_channel{});
    const auto qw4 = quantize<int4>(w, per_group{128});
    const auto qw2 = quantize<int2>(w, per_group{64});
    const auto qwt = quantize<trit>(w, per_channel{}, scale::absmean{});
    const auto qwu = quantize<uint8>(w, per_channel{}, scale::asymmetric{});
    const auto pw8 = prepack(qw8);
    const auto pw4 = prepack(qw4);
    const auto pw2 = prepack(qw2);
    const auto pwt = prepack(qwt);
    const auto pwu = prepack(qwu, 64);  // K segments as fine as X's groups
    for (int m : {1, 3, 37}) {
      const auto qx = quantize<int8>(x.topRows(m), per_channel{});
      const auto qxa = quantize<uint8>(x.topRows(m), per_group{64}, scale::asymmetric{});
      d.matrix(matmul(qx, pw8));
      d.matrix(matmul(qx, pw4));
      d.matrix(matmul(qx, pw2));
      d.matrix(matmul(qx, pwt));
      d.matrix(matmul(qxa, pwu));
      d.matrix(matmul(qx, pw4, 3));
      d.matrix(matmul_int(qx, pw8));
      d.matrix(matmul_int(qxa, pwu));
      d.matrix(matmul(x.topRows(m), pw4, uniform<int8>{per_channel{}}));
    }
    const auto qb = quantize<binary>(w, per_channel{}, scale::absmean{});
    const auto qxb = quantize<binary>(x, per_channel{}, scale::absmean{});
    d.matrix(matmul(qxb, prepack(qb)));
  });
  c.emplace_back("matmul block pairs", [](digest& d) {
    const auto w = data(40, 256, 51);
    const auto x = data(9, 256, 52);
    d.matrix(matmul(quantize(x, mxint8{}), prepack(quantize(w, mxfp4{}))));
    d.matrix(matmul(quantize(x, mxfp8_e4m3{}), prepack(quantize(w, mxfp8_e4m3{}))));
    d.matrix(matmul(quantize(x, mxfp8_e5m2{}), quantize(w, mxfp6_e3m2{})));
    d.matrix(matmul(quantize(x, mxfp6_e2m3{}), quantize(w, mxfp6_e2m3{})));
    d.matrix(matmul(quantize(x.topRows(2), nvfp4{}), prepack(quantize(w, nvfp4{}))));
    d.matrix(matmul(quantize(x, nvfp4{}), quantize(w, nvfp4{})));
  });
  c.emplace_back("requantize and shifts", [](digest& d) {
    lowp::matrix<std::int32_t> acc(7, 33);
    stream g{61};
    for (Eigen::Index i = 0; i < acc.size(); ++i) acc.data()[i] = std::int32_t(std::uint32_t(g.next()));
    for (double m : {0.0123, 0.5, 0.999999, 3e-9, 1.75, 1000.5}) {
      d.matrix(requantize(acc, dyadic::from_real(m), 3));
      d.matrix(requantize<std::uint8_t>(acc, dyadic::from_real(m), 128));
    }
    std::vector<dyadic> per_col;
    for (int c2 = 0; c2 < 33; ++c2) per_col.push_back(dyadic::from_real(std::ldexp(1.0 + c2 / 64.0, -c2 / 3)));
    d.matrix(requantize(acc, per_col, -5));
    d.matrix(shift_round(acc, 7));
    d.matrix(shift_round(acc, -3));
  });
  c.emplace_back("fixed-point math", [](digest& d) {
    stream g{71};
    std::vector<q16_16> a(3000), b(3000), o(3000);
    for (auto& v : a) v = q16_16::from_bits(std::int32_t(std::uint32_t(g.next())) >> 8);
    for (auto& v : b) v = q16_16::from_bits(std::int32_t(std::uint32_t(g.next())) >> 10);
    const std::span<const q16_16> sa(a), sb(b);
    intops::mul<q16_16>(sa, sb, o);
    d.span(o);
    intops::div<q16_16>(sa, sb, o);
    d.span(o);
    intops::sqrt<q16_16>(sa, o);
    d.span(o);
    intops::exp<q16_16>(sb, o);
    d.span(o);
    intops::log<q16_16>(sa, o);
    d.span(o);
    intops::sin<q16_16>(sa, o);
    d.span(o);
    d.value(intops::dot(sa, sb));
    d.value(intops::l2_distance(sa, sb));
  });
  c.emplace_back("integer operators", [](digest& d) {
    intops::array<std::int8_t> q(16, 64);
    stream g{81};
    for (Eigen::Index i = 0; i < q.size(); ++i) q.data()[i] = std::int8_t(g.next());
    const intops::array<std::int32_t> neg = -(q.cast<std::int32_t>().abs());
    d.matrix(intops::exp(neg, 0x1p-5).values);
    d.matrix(intops::softmax(q, 0x1p-4).values);
    d.matrix(intops::shiftmax(q, 0x1p-4, 10).values);
    d.matrix(intops::gelu(q, 0x1p-4).values);
    d.matrix(intops::shift_gelu(q, 0x1p-4).values);
    d.matrix(intops::layernorm(q).values);
    d.matrix(intops::layernorm(q, intops::norm_variant::ivit).values);
    d.matrix(intops::rmsnorm(q).values);
  });
  return c;
}

}  // namespace

int main() {
  using lowp::simd::isa;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  // a build for wider instructions than this CPU has: skipped (CTest's code 77)
  __builtin_cpu_init();
#if defined(__AVX512BW__)
  if (!__builtin_cpu_supports("avx512bw")) return 77;
#endif
#if defined(__AVX2__)
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 77;
#endif
#endif
  int failures = 0;
  for (auto& [name, run] : all_cases()) {
    std::uint64_t reference = 0;
    for (isa l : lowp::simd::family_levels) {
      if (lowp::simd::rank(l) > lowp::simd::rank(lowp::simd::cpu_isa())) continue;
      lowp::simd::set_max_isa(l);
      digest d;
      run(d);
      if (l == isa::scalar) {
        reference = d.h;
      } else if (d.h != reference) {
        std::printf("MISMATCH %s at level %s: %016llx, scalar %016llx\n", name.c_str(), lowp::simd::name_of(l),
                    static_cast<unsigned long long>(d.h), static_cast<unsigned long long>(reference));
        ++failures;
      }
    }
    std::printf("%016llx %s\n", static_cast<unsigned long long>(reference), name.c_str());
  }
  return failures == 0 ? 0 : 1;
}
