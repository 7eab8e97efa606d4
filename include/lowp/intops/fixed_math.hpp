// lowp/intops/fixed_math.hpp: deterministic math on fixed-point numbers (spec §7).
//
// For any lowp::fixed / ufixed type T (q16_16, q1_15, q8_8, ...), integer arithmetic only, so a
// stored result replays bit for bit on any machine, compiler or ISA (the deterministic-memory idea
// of Valori's Q16.16 design):
//   scalar   intops::sqrt / exp / log / sin / cos (T) → T      (and T's own + − × ÷)
//   arrays   intops::mul / div (a, b, out), sqrt / exp / log / sin / cos (a, out) on spans,
//            the same on Eigen arrays (returning an array), dot(a, b) and l2_distance(a, b) → T.
// Rounding: every result is rounded once by T's Rounding, then T's Overflow applies, as T's
// operators do (spec §7).
//   - mul, div, sqrt, dot, l2_distance: correctly rounded (the exact result, rounded once).
//   - exp, log, sin, cos: evaluated in Q62 integer arithmetic, then rounded once as if exact.
//     Types up to 32 bits: the evaluation error is below 2^-12 of the last unit (exp: 2^-48
//     relative; log, sin, cos: 2^-45 absolute), so the result is faithful (within one ulp) always
//     and correctly rounded unless the exact value lies within 2^-12 ulp of a rounding boundary.
//     Wider types: the error is below 2^-56 relative (exp) or absolute (log, sin, cos), within
//     one ulp up to 48 bits (tested on fixed<23, 24>), a few ulps for the widest 64-bit types.
//     exp(0) = 1, log(1) = 0, sin(0) = 0, cos(0) = 1 exactly.
// Domains (defined results, never UB): x / 0 saturates toward the sign of x and 0 / 0 = 0 (§7);
// sqrt(x < 0) = 0; log(0) = the lowest value (−∞ saturates, §8), log(x < 0) = 0 (NaN → 0, §8).
// Stochastic rounding draws its bits from a hash of the operands (seed 0), as T's operators do.
// The array kernels run in loops compiled per ISA (simd/loop.hpp); mul, div, sqrt, dot and
// l2_distance of types up to 32 bits have int64 / double-exact fast paths that vectorise.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>

#include "lowp/core/eigen_abi.hpp"  // before Eigen: one alignment under every -march

#include <Eigen/Core>

#include "lowp/core/error.hpp"
#include "lowp/core/round.hpp"
#include "lowp/core/traits.hpp"
#include "lowp/format/fixed.hpp"
#include "lowp/format/int_codec.hpp"
#include "lowp/simd/loop.hpp"

namespace lowp::intops {

/// A lowp::fixed or lowp::ufixed type.
template <class T>
concept fixed_point = requires {
  T::format_family;
  T::frac_bits;
}
&&(T::format_family == family::fixed);

namespace detail {
using lowp::detail::truncated;

// Q62 constants, from 80-digit decimal arithmetic: hi = ⌊v·2^62⌋, lo = the next 64 bits.
inline constexpr std::uint64_t ln2_q62 = 3196577161300663914ull;         // ln 2
inline constexpr std::uint64_t ln2_32_hi = 99893036290645747ull;         // ln 2 / 32
inline constexpr std::uint64_t ln2_32_lo = 6310606748877579757ull;       //   (next 64 bits)
inline constexpr std::uint64_t inv_ln2_32_q56 = 3326628274461080622ull;  // 32 / ln 2, Q56
inline constexpr std::uint64_t pi_2_hi = 7244019458077122842ull;         // π / 2
inline constexpr std::uint64_t pi_2_lo = 7089564414062235240ull;         //   (next 64 bits)
inline constexpr std::uint64_t two_pi_q62 = 2935890503282001226ull;      // 2 / π
// 2^(j/32), j = 0..31, Q62 rounded to nearest: the table of Tang's exp (ACM TOMS 15(2), 1989)
inline constexpr std::uint64_t exp2_32[32] = {
    4611686018427387904ull, 4712668792719003884ull, 4815862801830788490ull, 4921316465500308116ull,
    5029079263719320435ull, 5139201759950318048ull, 5251735624851448219ull, 5366733660520940721ull,
    5484249825272419512ull, 5604339258952723100ull, 5727058308814112983ull, 5852464555953009676ull,
    5980616842327661685ull, 6111575298367424380ull, 6245401371186603363ull, 6382157853416100552ull,
    6521908912666391106ull, 6664720121635655541ull, 6810658488877194079ull, 6959792490240559659ull,
    7112192101001162095ull, 7267928828693418961ull, 7427075746662858866ull, 7589707528352920109ull,
    7755900482342532474ull, 7925732588150922155ull, 8099283532826439817ull, 8276634748336579668ull,
    8457869449776733335ull, 8643072674415606502ull, 8832331321595618838ull, 9025734193507008925ull};
// c_j = 64 / (64 + j), j = 0..63, Q62 rounded to nearest (Tang's log, ACM TOMS 16(4), 1990)
inline constexpr std::uint64_t inv_64[64] = {
    4611686018427387904ull, 4540737002759274244ull, 4471937957262921604ull, 4405192614617206356ull,
    4340410370284600380ull, 4277505872164533708ull, 4216398645419326084ull, 4157012749004969378ull,
    4099276460824344804ull, 4043121988758257888ull, 3988485205126389539ull, 3935305402391371011ull,
    3883525068149379288ull, 3833089677653932803ull, 3783947502299395203ull, 3736049432650035770ull,
    3689348814741910323ull, 3643801298510528714ull, 3599364697309180803ull, 3555998857582564167ull,
    3513665537849438403ull, 3472328296227680304ull, 3431952385806428208ull, 3392504657233940527ull,
    3353953467947191203ull, 3316268597520818268ull, 3279421168659475843ull, 3243383573399481603ull,
    3208129404123400281ull, 3173633389025299203ull, 3139871331695242828ull, 3106820054519503430ull,
    3074457345618258603ull, 3042761909065493050ull, 3011713318156661488ull, 2981291971508614403ull,
    2951479051793528259ull, 2922256486924285405ull, 2893606913523066920ull, 2865513642517988601ull,
    2837960626724546402ull, 2810932430279550722ull, 2784414199805215338ull, 2758391637190213326ull,
    2732850973882896536ull, 2707778946599567210ull, 2683162774357752962ull, 2658990136750926359ull,
    2635249153387078802ull, 2611928364419051556ull, 2589016712099586192ull, 2566503523298720225ull,
    2544378492925455395ull, 2522631668199596802ull, 2501253433723329033ull, 2480234497305485932ull,
    2459565876494606882ull, 2439238885779775420ull, 2419245124420924802ull, 2399576464872787202ull,
    2380225041768974402ull, 2361183241434822607ull, 2342443691899625602ull, 2323999253380730912ull};
// −ln(c_j) of the rounded c_j above, Q62 rounded to nearest
inline constexpr std::uint64_t log_inv_64[64] = {0ull,
                                                 71500440275001118ull,
                                                 141909228037287941ull,
                                                 211259196826165129ull,
                                                 279581720803300556ull,
                                                 346906799979656229ull,
                                                 413263139310326503ull,
                                                 478678222179227866ull,
                                                 543178378744478074ull,
                                                 606788849569836212ull,
                                                 669533844927058342ull,
                                                 731436600117858100ull,
                                                 792519427131828708ull,
                                                 852803762927731854ull,
                                                 912310214599596603ull,
                                                 971058601665755501ull,
                                                 1029067995697975510ull,
                                                 1086356757488956149ull,
                                                 1142942571939435847ull,
                                                 1198842480830767967ull,
                                                 1254072913634921988ull,
                                                 1308649716501276067ull,
                                                 1362588179548156060ull,
                                                 1415903062576720327ull,
                                                 1468608619315380861ull,
                                                 1520718620294393098ull,
                                                 1572246374442453584ull,
                                                 1623204749490040516ull,
                                                 1673606191257749149ull,
                                                 1723462741901951844ull,
                                                 1772786057184697014ull,
                                                 1821587422829804218ull,
                                                 1869877770022570994ull,
                                                 1917667690106341773ull,
                                                 1964967448525365901ull,
                                                 2011786998059858935ull,
                                                 2058135991395951019ull,
                                                 2104023793070232929ull,
                                                 2149459490825871551ull,
                                                 2194451906414741475ull,
                                                 2239009605877689524ull,
                                                 2283140909332897498ull,
                                                 2326853900300320142ull,
                                                 2370156434588336284ull,
                                                 2413056148767049069ull,
                                                 2455560468251094523ull,
                                                 2497676615013356372ull,
                                                 2539411614949629337ull,
                                                 2580772304913014908ull,
                                                 2621765339435664646ull,
                                                 2662397197154399702ull,
                                                 2702674186955724659ull,
                                                 2742602453854813248ull,
                                                 2782187984622167598ull,
                                                 2821436613170836307ull,
                                                 2860354025716315463ull,
                                                 2898945765720546505ull,
                                                 2937217238630761723ull,
                                                 2975173716423308804ull,
                                                 3012820341962006842ull,
                                                 3050162133180044765ull,
                                                 3087203987093926530ull,
                                                 3123950683657492982ull,
                                                 3160406889463605986ull};
using lowp::int128;
using lowp::uint128;

/// ⌊a·b / 2^62⌋ for Q62 operands.
constexpr std::int64_t mul62(std::int64_t a, std::int64_t b) { return std::int64_t((int128(a) * b) >> 62); }

/// Taylor coefficients in Q62: ⌊2^62 / n!⌋, n = 0…20 (20! < 2^63), and ⌊2^62 / n⌋, n = 1…10.
struct q62_tables {
  std::int64_t inv_fact[21]{}, inv_n[11]{};
  constexpr q62_tables() {
    std::uint64_t f = 1;
    for (int n = 0; n <= 20; ++n) {
      if (n > 1) f *= std::uint64_t(n);
      inv_fact[n] = std::int64_t((std::uint64_t(1) << 62) / f);
    }
    for (int n = 1; n <= 10; ++n) inv_n[n] = std::int64_t((std::uint64_t(1) << 62) / std::uint64_t(n));
  }
};
inline constexpr q62_tables q62{};
/// sign · ⌊2^62 / n!⌋ (a table read).
constexpr std::int64_t inv_factorial(int n, bool negative = false) {
  return negative ? -q62.inv_fact[n] : q62.inv_fact[n];
}

/// ⌊√n⌋ by Newton's iteration x ← ⌊(x + ⌊n/x⌋)/2⌋ from 2^⌈bits(n)/2⌉ until it stops decreasing
/// (I-BERT, Kim et al. 2021, Algorithm 4; spec §4).
template <class U>
constexpr U isqrt(U n) {
  if (n == 0) return 0;
  U x = U(1) << ((lowp::detail::bit_width(n) + 1) / 2);
  for (;;) {
    const U y = U((x + n / x) / 2);
    if (y >= x) return x;
    x = y;
  }
}

/// The rounding object for an operation of T on operand bits `key` (stochastic: a hash, as T's
/// own operators draw theirs).
template <class T>
constexpr auto rounding_of(std::uint64_t key, std::uint64_t op) {
  using R = typename T::rounding_type;
  if constexpr (std::is_same_v<R, rounding::stochastic>)
    return rounding::stochastic{0, lowp::detail::operand_hash(key, 0, op)};
  else
    return R{};
}

/// T from an exact (or, with `approx`, approximated) magnitude truncated at T's raw unit.
template <class T>
constexpr T from_truncated(bool neg, truncated<uint128> t, std::uint64_t key, std::uint64_t op, bool approx) {
  if (approx && !t.inexact && !t.big) {  // an irrational value that landed on the grid: just above it
    t.inexact = true;
    t.half = -1;
  }
  return T::from_bits(typename T::raw_type(
      lowp::detail::round_to_int(T::range, neg, t, rounding_of<T>(key, op), typename T::overflow_type{})));
}

/// The raw value nearest to (mag · 2^e) as a truncated magnitude.
constexpr truncated<uint128> at_raw(uint128 mag, int e) { return lowp::detail::truncate(mag, e, 0); }

template <class T>
inline constexpr bool deterministic_rounding = !std::is_same_v<typename T::rounding_type, rounding::stochastic>;
// int64 fast paths: products of raw magnitudes below 2^62 (mul), N = |a|·2^F below 2^62 (div).
template <class T>
inline constexpr bool fast_mul = deterministic_rounding<T>&& T::bit_width <= 32 && (T::is_signed || T::bit_width <= 31);
template <class T>
inline constexpr bool fast_div = deterministic_rounding<T>&& T::bit_width <= 32 && T::frac_bits <= 30 &&
                                 !std::is_same_v<typename T::overflow_type, overflow::wrap>;
template <class T>
inline constexpr bool fast_sqrt = deterministic_rounding<T>&& T::bit_width <= 32;

/// p / 2^F rounded by T's mode, then T's overflow: core/round.hpp's rules (spec §6), on an int64
/// (|p| < 2^62) or, in place, on a compiler vector of them (kernels: results by reference, since a
/// vector returned by a function compiled without its ISA would change the ABI).
template <class T, class V>
LOWP_INLINE_BODY constexpr void round_and_overflow(V& p) {
  lowp::detail::round_shift_rule<typename T::rounding_type, T::frac_bits>(p, V(p));
  lowp::detail::overflow_rule<typename T::overflow_type, std::int64_t(T::range.lo), std::int64_t(T::range.hi),
                              T::bit_width, T::is_signed>(p, V(p));
}
/// T's overflow rule on an int64 raw value v (|v| < 2^62).
template <class T>
LOWP_INLINE_BODY constexpr typename T::raw_type overflow_int64(std::int64_t v) {
  lowp::detail::overflow_rule<typename T::overflow_type, std::int64_t(T::range.lo), std::int64_t(T::range.hi),
                              T::bit_width, T::is_signed>(v, std::int64_t(v));
  return typename T::raw_type(v);
}

/// a · b, correctly rounded: the exact int64 product (spec §7: 2F fraction bits), one rounding.
template <class T>
LOWP_INLINE_BODY constexpr T mul_fast(T x, T y) {
  std::int64_t p = std::int64_t(x.bits()) * std::int64_t(y.bits());
  round_and_overflow<T>(p);
  return T::from_bits(typename T::raw_type(p));
}

#if LOWP_HAVE_RUNTIME_X86
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC PR 105593, as in simd/x86.hpp
#endif
// Q-format multiply kernels for 32-bit signed codes (xsimd 8 has no 32 × 32 → 64 signed multiply,
// vpmuldq): the even codes of a vector are the low halves of its 64-bit lanes, the odd ones the
// high halves; each half's product is exact in int64, then rounded and overflowed by mul_fast's
// code (round_and_overflow on compiler vectors of int64), and the two halves merged. The tests run
// every level against mul_fast.
template <class T, class W>
LOWP_INLINE_BODY inline void merge_products(W& even, W& odd) {
  round_and_overflow<T>(even);
  round_and_overflow<T>(odd);
  even = (even & 0xFFFFFFFFll) | (odd << 32);
}
typedef std::int64_t i64x8 __attribute__((vector_size(64)));
typedef std::int64_t i64x4 __attribute__((vector_size(32)));
template <class T>
__attribute__((target(LOWP_TARGET_AVX512))) void mul_avx512(const T* a, const T* b, T* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i x = _mm512_loadu_si512(a + i), y = _mm512_loadu_si512(b + i);
    i64x8 pe = i64x8(_mm512_mul_epi32(x, y));
    i64x8 po = i64x8(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(y, 32)));
    merge_products<T>(pe, po);
    _mm512_storeu_si512(out + i, __m512i(pe));
  }
  for (; i < n; ++i) out[i] = mul_fast(a[i], b[i]);
}
template <class T>
__attribute__((target(LOWP_TARGET_AVX2))) void mul_avx2(const T* a, const T* b, T* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    i64x4 pe = i64x4(_mm256_mul_epi32(x, y));
    i64x4 po = i64x4(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(y, 32)));
    merge_products<T>(pe, po);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), __m256i(pe));
  }
  for (; i < n; ++i) out[i] = mul_fast(a[i], b[i]);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

/// Rounds a truncated magnitude t < 2^62 of sign `neg` (the rest: inexact, above one half, exactly
/// one half) by T's mode and applies T's overflow: the rules of lowp::detail::round_up (spec
/// §6) written branch-free, so that they vectorise; the tests compare the two.
template <class T>
LOWP_INLINE_BODY constexpr typename T::raw_type finish(bool neg, std::int64_t t, bool inexact, bool above, bool tie) {
  using R = typename T::rounding_type;
  const bool odd = (t & 1) != 0;
  const bool up = lowp::detail::rounds_up<R>(neg, odd, inexact, above, tie);
  const std::int64_t m = t + std::int64_t(up);
  return overflow_int64<T>(neg ? -m : m);
}

/// a / b, correctly rounded, in double arithmetic that is exact at every step: |a|·2^F and |b| are
/// exact (≤ 33 significant bits), t = ⌊fl(num/den)⌋ is the floor of the quotient or one above it
/// (the quotient's relative error 2^-53 is below 2^-20 under 2^33; above, the result overflows
/// whatever t is, and wrap is not on this path), r = fma(−t, den, num) is the exact remainder
/// (an integer below 2^34), one correction step makes r ∈ [0, den), and the mode decides from
/// r against den/2. No integer division and no branch: it vectorises.
template <class T>
LOWP_INLINE_BODY inline T div_fast(T x, T y) {
  using R = typename T::rounding_type;
  using O = typename T::overflow_type;
  constexpr double scale = double(std::uint64_t(1) << T::frac_bits);
  const double xa = double(std::int64_t(x.bits())), yb = double(std::int64_t(y.bits()));
  const bool neg = (xa < 0) != (yb < 0);
  const double num = std::fabs(xa) * scale, db = std::fabs(yb);
  // Selects of constants and arithmetic, never double(bool) nor a conditional FP operation: GCC 12
  // vectorises neither.
  const double den = db + (db == 0 ? 1.0 : 0.0);  // b = 0: see div_by_zero
  double t = double(std::int64_t(num / den));     // ⌊·⌋ of a non-negative quotient below 2^62
  double r = std::fma(-t, den, num);
  const bool low = r < 0, high = r >= den;
  const double step = (high ? 1.0 : 0.0) - (low ? 1.0 : 0.0);
  t += step;
  r -= den * step;
  const double twice = 2 * r;
  const bool inexact = r != 0, above = twice > den, tie = twice == den;
  const double half_t = t * 0.5;
  const bool odd = half_t != double(std::int64_t(half_t));  // in doubles: mixed masks do not vectorise
  const bool up = lowp::detail::rounds_up<R>(neg, odd, inexact, above, tie);
  const double v = (t + (up ? 1.0 : 0.0)) * (neg ? -1.0 : 1.0);
  static_assert(!std::is_same_v<O, overflow::wrap>, "div_fast: no wrap");
  double out = 0;
  lowp::detail::overflow_rule<O>(out, v, double(std::int64_t(T::range.lo)), double(std::int64_t(T::range.hi)),
                                 T::bit_width, T::is_signed);
  return T::from_bits(typename T::raw_type(out));
}

/// x / 0 saturates toward the sign of x, 0 / 0 = 0 (spec §7).
template <class T>
LOWP_INLINE_BODY constexpr T div_by_zero(T x) {
  using raw = typename T::raw_type;
  constexpr raw sat_lo = raw(lowp::detail::saturated<typename T::overflow_type>(T::range, true));
  constexpr raw sat_hi = raw(lowp::detail::saturated<typename T::overflow_type>(T::range, false));
  return T::from_bits(x.bits() == 0 ? raw(0) : x.bits() < 0 ? sat_lo : sat_hi);
}

/// √x correctly rounded (x < 0 → 0): ⌊√(raw·2^F)⌋ from a double estimate, corrected by one step;
/// the remainder decides the rounding (no ties: n − s² ≠ s + 1/4).
template <class T>
LOWP_INLINE_BODY inline T sqrt_fast(T x) {
  constexpr int F = T::frac_bits;
  const std::int64_t r = x.bits();
  const std::uint64_t n = std::uint64_t(std::max<std::int64_t>(r, 0)) << F;  // < 2^64; x < 0 → 0
  // √n to far better than one unit, in plain double arithmetic (no libm call, so it vectorises):
  // 1/√n from the exponent bits (Lomont's constant), four Newton steps, then n · (1/√n)
  const double d = double(n);
  std::uint64_t bits;
  std::memcpy(&bits, &d, 8);
  bits = 0x5FE6EB50C7B537A9ull - (bits >> 1);
  double y;
  std::memcpy(&y, &bits, 8);
  for (int i = 0; i < 4; ++i) y = y * (1.5 - 0.5 * d * y * y);  // relative error 0.034 → < 2^-50
  std::uint64_t s = std::uint64_t(d * y);
  s = s > 0xFFFFFFFFull ? 0xFFFFFFFFull : s;
  // ⌊√n⌋ exactly: one correction step each way, in integers
  s -= std::uint64_t(s * s > n);
  s += std::uint64_t((s < 0xFFFFFFFFull) & ((s + 1) * (s + 1) <= n));
  const std::uint64_t rem = n - s * s;
  return T::from_bits(finish<T>(false, std::int64_t(s), rem != 0, rem > s, false));
}
}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Scalar functions (the reference of the array kernels)

/// √x, correctly rounded by T's mode; x < 0 → 0.
template <fixed_point T>
constexpr T sqrt(T x) {
  constexpr int F = T::frac_bits;
  if (x.bits() <= 0) return T::from_bits(0);
  const uint128 n = uint128(x.bits()) << F;  // √(raw · 2^-F) · 2^F = √(raw · 2^F)
  const uint128 s = detail::isqrt(n), rem = n - s * s;
  lowp::detail::truncated<uint128> t;
  t.t = s;
  t.inexact = rem != 0;
  t.half = rem > s ? 1 : -1;                            // n vs (s + 1/2)²: never a tie
  t.frac32 = std::uint32_t((rem << 32) / (2 * s + 1));  // ≈ √n − s, for stochastic rounding
  return detail::from_truncated<T>(false, t, std::uint64_t(x.bits()), 16, false);
}

/// e^x: x = k·ln2/32 + y, |y| ≤ ln2/64; e^x = 2^⌊k/32⌋ · 2^((k mod 32)/32) · e^y (Tang, ACM TOMS
/// 15(2), 1989), e^y by its Taylor series in Q62.
template <fixed_point T>
constexpr T exp(T x) {
  constexpr int F = T::frac_bits, I = T::int_bits;
  constexpr int degree = T::bit_width <= 32 ? 5 : 7;  // (ln2/64)^6/6! < 2^-48; ^8/8! < 2^-67
  const int128 r = x.bits();
  const std::uint64_t key = std::uint64_t(x.bits());
  lowp::detail::truncated<uint128> t;
  if (r == 0) {  // e^0 = 1 exactly
    t = detail::at_raw(1, F);
    return detail::from_truncated<T>(false, t, key, 17, false);
  }
  const int128 x56 = F <= 56 ? r * (int128(1) << (56 - F)) : r >> (F - 56);
  const int128 hi = int128(I + 2) * int128(detail::ln2_q62 >> 6);   // e^x > 2^(I+1) > max beyond
  const int128 lo = -int128(F + 3) * int128(detail::ln2_q62 >> 6);  // e^x < 2^-(F+3) below
  if (x56 >= hi) {
    t.big = true;
    return detail::from_truncated<T>(false, t, key, 17, false);
  }
  if (x56 <= lo) {  // 0 < e^x < a quarter of the last unit
    t.inexact = true;
    t.half = -1;
    return detail::from_truncated<T>(false, t, key, 17, false);
  }
  const std::int64_t k = std::int64_t((x56 * int128(detail::inv_ln2_32_q56) + (int128(1) << 111)) >> 112);
  const int128 x62 = F <= 62 ? r * (int128(1) << (62 - F)) : r >> (F - 62);
  const int128 kl = int128(k) * int128(detail::ln2_32_hi) + ((int128(k) * int128(detail::ln2_32_lo)) >> 64);
  const std::int64_t y = std::int64_t(x62 - kl);  // |y| ≤ ln2/64 (+ 2^-56)
  std::int64_t p = detail::inv_factorial(degree);
  for (int n = degree - 1; n >= 0; --n) p = detail::inv_factorial(n) + detail::mul62(y, p);
  const uint128 m = (uint128(detail::exp2_32[k & 31]) * std::uint64_t(p)) >> 62;
  t = detail::at_raw(m, int(k >> 5) - 62 + F);
  return detail::from_truncated<T>(false, t, key, 17, true);
}

/// ln x: x = 2^b · m, m ∈ [1, 2); m · c_j = 1 + u with c_j ≈ 1/(1 + j/64), |u| < 2^-6;
/// ln x = b·ln2 − ln c_j + ln(1 + u) by its series (Tang, ACM TOMS 16(4), 1990).
/// ln 0 → the lowest value (−∞ saturates, spec §8); ln(x < 0) → 0 (NaN → 0, §8).
template <fixed_point T>
constexpr T log(T x) {
  constexpr int F = T::frac_bits;
  constexpr int degree = T::bit_width <= 32 ? 7 : 9;  // u^8/8 < 2^-51; u^10/10 < 2^-63
  const std::uint64_t key = std::uint64_t(x.bits());
  if (x.bits() < 0) return T::from_bits(0);
  if (x.bits() == 0) {
    return T::from_bits(typename T::raw_type(lowp::detail::saturated<typename T::overflow_type>(T::range, true)));
  }
  const std::uint64_t r = std::uint64_t(x.bits());
  const int b = lowp::detail::bit_width(r) - 1;
  const std::uint64_t m = b <= 62 ? r << (62 - b) : r >> (b - 62);  // m ∈ [1, 2) in Q62
  const int j = int((m >> 56) & 63);
  const std::int64_t u = std::int64_t((uint128(m) * detail::inv_64[j]) >> 62) - (std::int64_t(1) << 62);
  std::int64_t s = std::int64_t((std::uint64_t(1) << 62) / std::uint64_t(degree));
  for (int n = degree - 1; n >= 1; --n)
    s = std::int64_t((std::uint64_t(1) << 62) / std::uint64_t(n)) - detail::mul62(u, s);
  const int128 v = int128(b - F) * int128(detail::ln2_q62) + int128(detail::log_inv_64[j]) + detail::mul62(u, s);
  const bool neg = v < 0;
  const auto t = detail::at_raw(uint128(neg ? -v : v), F - 62);
  const bool one = F < 64 && r == (std::uint64_t(1) << (F & 63));  // ln 1 = 0 exactly
  return detail::from_truncated<T>(neg, t, key, 18, !one);
}

namespace detail {
/// sin or cos: |x| = k·π/2 + y, |y| ≤ π/4 (π/2 to 126 bits, exact products in 128 bits), then
/// the Taylor series of sin y and cos y in Q62, chosen and signed by k mod 4.
template <fixed_point T>
constexpr T sincos(T x, bool cosine) {
  constexpr int F = T::frac_bits;
  // |y| ≤ π/4: the first omitted terms, y^15/15! < 2^-45 and y^16/16! < 2^-50 (≤ 32 bits), y^21/21!
  // < 2^-72 and y^22/22! < 2^-75 (wider)
  constexpr int sin_terms = T::bit_width <= 32 ? 7 : 10, cos_terms = T::bit_width <= 32 ? 7 : 10;
  const std::uint64_t key = std::uint64_t(x.bits());
  const bool xneg = x.bits() < 0;
  const uint128 a = xneg ? uint128(0) - uint128(int128(x.bits())) : uint128(x.bits());
  if (a == 0) return detail::from_truncated<T>(false, at_raw(cosine ? 1 : 0, cosine ? F : 0), key, 19 + cosine, false);
  const uint128 k = (a * two_pi_q62 + (uint128(1) << (61 + F))) >> (62 + F);
  const uint128 a62 = F <= 62 ? a << (62 - F) : a >> (F - 62);
  const uint128 kp = k * pi_2_hi + ((k * pi_2_lo) >> 64);
  const std::int64_t y = std::int64_t(int128(a62) - int128(kp));
  const std::int64_t z = mul62(y, y);
  const int q = int(k & 3) + (cosine ? 1 : 0);  // cos t = sin(t + π/2)
  std::int64_t v = 0;
  if ((q & 1) != 0) {  // cos y = Σ (−1)^n z^n / (2n)!
    v = inv_factorial(2 * cos_terms, cos_terms % 2 == 1);
    for (int n = cos_terms - 1; n >= 0; --n) v = inv_factorial(2 * n, n % 2 == 1) + mul62(z, v);
  } else {  // sin y = y · Σ (−1)^n z^n / (2n + 1)!
    v = inv_factorial(2 * sin_terms - 1, (sin_terms - 1) % 2 == 1);
    for (int n = sin_terms - 2; n >= 0; --n) v = inv_factorial(2 * n + 1, n % 2 == 1) + mul62(z, v);
    v = mul62(y, v);
  }
  if ((q & 2) != 0) v = -v;
  if (xneg && !cosine) v = -v;  // sin is odd, cos even
  const bool neg = v < 0;
  return detail::from_truncated<T>(neg, at_raw(uint128(neg ? -v : v), F - 62), key, 19 + cosine, true);
}
}  // namespace detail

/// sin x (radians).
template <fixed_point T>
constexpr T sin(T x) {
  return detail::sincos(x, false);
}
/// cos x (radians).
template <fixed_point T>
constexpr T cos(T x) {
  return detail::sincos(x, true);
}

// ---------------------------------------------------------------------------------------------
// Array kernels

namespace detail {
inline void check_same(std::size_t a, std::size_t b, const char* what, const char* an, const char* bn) {
  if (a != b)
    throw error(std::string("intops::") + what + ": " + an + " has " + std::to_string(a) + " elements, " + bn +
                " has " + std::to_string(b));
}
}  // namespace detail

/// out[i] = a[i] · b[i], correctly rounded by T's mode (spec §7).
template <fixed_point T>
void mul(std::span<const T> a, std::span<const T> b, std::span<T> out) {
  detail::check_same(a.size(), b.size(), "mul", "a", "b");
  detail::check_same(a.size(), out.size(), "mul", "a", "out");
  const T *pa = a.data(), *pb = b.data();
  T* po = out.data();
  if constexpr (detail::fast_mul<T> && sizeof(T) == 4 && T::is_signed) {
#if LOWP_HAVE_RUNTIME_X86
    simd::at_level([&] { detail::mul_avx512(pa, pb, po, a.size()); }, [&] { detail::mul_avx2(pa, pb, po, a.size()); },
                   [&] {
                     simd::for_each_index(
                         a.size(), [=](std::size_t i) LOWP_INLINE_BODY { po[i] = detail::mul_fast(pa[i], pb[i]); });
                   });
#else
    simd::for_each_index(a.size(), [=](std::size_t i) LOWP_INLINE_BODY { po[i] = detail::mul_fast(pa[i], pb[i]); });
#endif
  } else if constexpr (detail::fast_mul<T>) {
    simd::for_each_index(a.size(), [=](std::size_t i) LOWP_INLINE_BODY { po[i] = detail::mul_fast(pa[i], pb[i]); });
  } else {
    simd::for_each_index(a.size(), [=](std::size_t i) { po[i] = pa[i] * pb[i]; });
  }
}

/// out[i] = a[i] / b[i], correctly rounded; x / 0 saturates toward the sign of x, 0 / 0 = 0.
template <fixed_point T>
void div(std::span<const T> a, std::span<const T> b, std::span<T> out) {
  detail::check_same(a.size(), b.size(), "div", "a", "b");
  detail::check_same(a.size(), out.size(), "div", "a", "out");
  const T *pa = a.data(), *pb = b.data();
  T* po = out.data();
  if constexpr (detail::fast_div<T>) {
    simd::for_each_index(a.size(), [=](std::size_t i) LOWP_INLINE_BODY { po[i] = detail::div_fast(pa[i], pb[i]); });
    simd::for_each_index(a.size(), [=](std::size_t i) LOWP_INLINE_BODY {
      po[i] = pb[i].bits() == 0 ? detail::div_by_zero(pa[i]) : po[i];
    });
  } else
    simd::for_each_index(a.size(), [=](std::size_t i) { po[i] = pa[i] / pb[i]; });
}

#define LOWP_INTOPS_UNARY(name, fast, fastfn)                                                         \
  template <fixed_point T>                                                                            \
  void name(std::span<const T> a, std::span<T> out) {                                                 \
    detail::check_same(a.size(), out.size(), #name, "a", "out");                                      \
    const T* pa = a.data();                                                                           \
    T* po = out.data();                                                                               \
    if constexpr (fast)                                                                               \
      simd::for_each_index(a.size(), [=](std::size_t i) LOWP_INLINE_BODY { po[i] = fastfn(pa[i]); }); \
    else                                                                                              \
      simd::for_each_index(a.size(), [=](std::size_t i) { po[i] = intops::name(pa[i]); });            \
  }
/// out[i] = √a[i] (correctly rounded), e^a[i], ln a[i], sin a[i], cos a[i] (see the header).
LOWP_INTOPS_UNARY(sqrt, detail::fast_sqrt<T>, detail::sqrt_fast)
LOWP_INTOPS_UNARY(exp, false, intops::exp)
LOWP_INTOPS_UNARY(log, false, intops::log)
LOWP_INTOPS_UNARY(sin, false, intops::sin)
LOWP_INTOPS_UNARY(cos, false, intops::cos)
#undef LOWP_INTOPS_UNARY

namespace detail {
/// The exact Σ g(i) for g(i) in [0, 2^64) or (−2^63, 2^63): split at bit 32 so that every partial
/// sum of 2^30 terms fits 64 bits.
template <bool Signed, class G>
int128 exact_sum(std::size_t n, G g) {
  int128 total = 0;
  constexpr std::size_t chunk = std::size_t(1) << 30;
  for (std::size_t c0 = 0; c0 < n; c0 += chunk) {
    const std::size_t len = std::min(chunk, n - c0);
    std::int64_t hi = 0, lo = 0;
    if constexpr (Signed) {
      hi = simd::sum_index(len, [&](std::size_t i) LOWP_INLINE_BODY { return g(c0 + i) >> 32; });
      lo = simd::sum_index(len, [&](std::size_t i) LOWP_INLINE_BODY { return g(c0 + i) & 0xFFFFFFFFll; });
    } else {
      hi = simd::sum_index(len, [&](std::size_t i) LOWP_INLINE_BODY { return std::int64_t(g(c0 + i) >> 32); });
      lo =
          simd::sum_index(len, [&](std::size_t i) LOWP_INLINE_BODY { return std::int64_t(g(c0 + i) & 0xFFFFFFFFull); });
    }
    total += int128(hi) * (int128(1) << 32) + lo;
  }
  return total;
}
}  // namespace detail

/// Σ a[i]·b[i]: the exact sum of the exact products, rounded once to T (spec §7).
template <fixed_point T>
T dot(std::span<const T> a, std::span<const T> b) {
  static_assert(T::bit_width <= 32, "lowp::intops::dot: types of at most 32 bits (the exact sum is kept in 128 bits)");
  detail::check_same(a.size(), b.size(), "dot", "a", "b");
  const T *pa = a.data(), *pb = b.data();
  int128 s = 0;
  if constexpr (T::is_signed)
    s = detail::exact_sum<true>(a.size(), [=](std::size_t i) LOWP_INLINE_BODY {
      return std::int64_t(pa[i].bits()) * std::int64_t(pb[i].bits());  // |p| ≤ 2^62
    });
  else
    s = detail::exact_sum<false>(a.size(), [=](std::size_t i) LOWP_INLINE_BODY {
      return std::uint64_t(pa[i].bits()) * std::uint64_t(pb[i].bits());  // < 2^64
    });
  const bool neg = s < 0;
  const uint128 mag = neg ? uint128(0) - uint128(s) : uint128(s);
  return detail::from_truncated<T>(neg, detail::at_raw(mag, -T::frac_bits), std::uint64_t(a.size()), 21, false);
}

/// √Σ (a[i] − b[i])²: exact sum of exact squares, one correctly rounded square root.
template <fixed_point T>
T l2_distance(std::span<const T> a, std::span<const T> b) {
  static_assert(T::bit_width <= 32,
                "lowp::intops::l2_distance: types of at most 32 bits (the exact sum is kept in 128 bits)");
  detail::check_same(a.size(), b.size(), "l2_distance", "a", "b");
  const T *pa = a.data(), *pb = b.data();
  const int128 s = detail::exact_sum<false>(a.size(), [=](std::size_t i) LOWP_INLINE_BODY {
    const std::int64_t d = std::int64_t(pa[i].bits()) - std::int64_t(pb[i].bits());  // |d| < 2^32
    const std::uint64_t m = std::uint64_t(d < 0 ? -d : d);
    return m * m;
  });
  const uint128 n = uint128(s);  // raw² units: √n is in raw units
  const uint128 r = detail::isqrt(n), rem = n - r * r;
  lowp::detail::truncated<uint128> t;
  t.t = r;
  t.inexact = rem != 0;
  t.half = rem > r ? 1 : -1;
  t.frac32 = std::uint32_t((rem << 32) / (2 * r + 1));
  return detail::from_truncated<T>(false, t, std::uint64_t(a.size()), 22, false);
}

// ---------------------------------------------------------------------------------------------
// The same on any contiguous range of one fixed type (std::vector, std::array, std::span, ...),
// with T deduced: intops::dot(a, b) on two std::vector<q16_16>, intops::mul(a, b, out).

namespace detail {
template <class A>
using range_value = std::remove_cvref_t<decltype(*std::ranges::data(std::declval<A&>()))>;
/// A contiguous range of fixed-point values (Eigen objects have their own overloads).
template <class A>
concept fixed_range = std::ranges::contiguous_range<A> && std::ranges::sized_range<A> && fixed_point<range_value<A>> &&
    !std::is_base_of_v<Eigen::EigenBase<std::remove_cvref_t<A>>, std::remove_cvref_t<A>>;
template <class A>
auto in_span(const A& a) {
  using T = range_value<const A>;
  return std::span<const T>(std::ranges::data(a), std::ranges::size(a));
}
template <class A>
auto out_span(A& a) {
  using T = range_value<A>;
  return std::span<T>(std::ranges::data(a), std::ranges::size(a));
}
}  // namespace detail

/// Σ a·b over two ranges of one fixed type: exact, rounded once.
template <class A, class B>
requires detail::fixed_range<const A&> && std::is_same_v<detail::range_value<const A>, detail::range_value<const B>>
auto dot(const A& a, const B& b) { return dot(detail::in_span(a), detail::in_span(b)); }
/// √Σ (a − b)² over two ranges of one fixed type.
template <class A, class B>
requires detail::fixed_range<const A&> && std::is_same_v<detail::range_value<const A>, detail::range_value<const B>>
auto l2_distance(const A& a, const B& b) { return l2_distance(detail::in_span(a), detail::in_span(b)); }
#define LOWP_INTOPS_RANGE_BINARY(name)                                                                 \
  template <class A, class B, class O>                                                                 \
  requires detail::fixed_range<const A&> && detail::fixed_range<O&> &&                                 \
      std::is_same_v<detail::range_value<const A>, detail::range_value<const B>> &&                    \
      std::is_same_v<detail::range_value<const A>, detail::range_value<O>>                             \
  void name(const A& a, const B& b, O&& out) {                                                         \
    name<detail::range_value<const A>>(detail::in_span(a), detail::in_span(b), detail::out_span(out)); \
  }
/// out = a · b, a / b on ranges of one fixed type (see the span forms).
LOWP_INTOPS_RANGE_BINARY(mul)
LOWP_INTOPS_RANGE_BINARY(div)
#undef LOWP_INTOPS_RANGE_BINARY
#define LOWP_INTOPS_RANGE_UNARY(name)                                      \
  template <class A, class O>                                              \
  requires detail::fixed_range<const A&> && detail::fixed_range<O&> &&     \
      std::is_same_v<detail::range_value<const A>, detail::range_value<O>> \
  void name(const A& a, O&& out) { name<detail::range_value<const A>>(detail::in_span(a), detail::out_span(out)); }
/// out = √a, e^a, ln a, sin a, cos a on ranges of one fixed type (see the span forms).
LOWP_INTOPS_RANGE_UNARY(sqrt)
LOWP_INTOPS_RANGE_UNARY(exp)
LOWP_INTOPS_RANGE_UNARY(log)
LOWP_INTOPS_RANGE_UNARY(sin)
LOWP_INTOPS_RANGE_UNARY(cos)
#undef LOWP_INTOPS_RANGE_UNARY

}  // namespace lowp::intops
