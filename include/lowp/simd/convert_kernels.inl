// lowp/simd/convert_kernels.inl: the conversion kernels, written once over an ISA `A` whose vector
// types and operations come from simd::ops<A> (simd/arch.hpp for xsimd, simd/x86.hpp for the
// run-time paths). Not a header of its own: simd/convert.hpp includes it once per kernel family,
// each time in its own namespace and with its own function attributes:
//   LOWP_KERNEL         the attributes of the loop functions (e.g. target("avx512f,...") for rt::avx512)
//   LOWP_KERNEL_INLINE  the same for the per-vector helpers, which are also inline
// so that no inline function is shared between code compiled for different ISAs (docs/building.md §3.4).
//
// encode (float → code): where |x| is in the target's normal range, the code is read straight off
// the float's bits with one fixed shift by 23 − M (code = (bits >> s) − ((127 − bias) << M)); in
// the target's subnormal range, x is scaled by the exact power of two 2^(M − emin) and split into
// integer and fraction with a truncating conversion. The discarded fraction gives the rounding
// decision of every mode exactly as core/round.hpp does (spec §6); stochastic rounding draws
// the same Philox bits per element as the scalar path. Two shortcuts under nearest-even, exact too:
// formats with at most 7 magnitudes (FP4) count the rounding thresholds |x| passes, and integers
// take min(|x|, 2^23) + 2^23, whose bits hold |x| rounded to an integer, ties to even.
// decode (code → float): bits(mag << (23 − M)) · 2^(127 − bias) is exact for normals and
// subnormals alike (a float subnormal scaled by a power of two), then NaN / Inf / sign.

template <class A>
LOWP_KERNEL_INLINE i32<A> as_int(const f32<A>& x) {
  return ops<A>::as_int(x);
}
template <class A>
LOWP_KERNEL_INLINE f32<A> as_float(const i32<A>& x) {
  return ops<A>::as_float(x);
}
template <class A>
LOWP_KERNEL_INLINE i32<A> sel(const b32<A>& c, const i32<A>& a, const i32<A>& b) {
  return ops<A>::select(c, a, b);
}
template <class A>
LOWP_KERNEL_INLINE i32<A> splat(std::int64_t v) {
  return i32<A>(std::int32_t(std::uint32_t(v)));
}

/// The 32 random bits of elements first_index + lane: random_bits(seed, offset + index), as the
/// scalar path draws them (spec §6).
template <class A>
LOWP_KERNEL_INLINE i32<A> random_lanes(const rounding::stochastic& r, std::uint64_t first_index) {
  alignas(64) std::int32_t bits[i32<A>::size];
  for (std::size_t i = 0; i < i32<A>::size; ++i)
    bits[i] = std::int32_t(random_bits(r.seed, r.offset + first_index + i));
  return i32<A>::load_aligned(bits);
}

/// core/round.hpp's rounding rule on whole lanes (its masks as registers; used in the target's
/// subnormal range and for integer formats).
template <class R, class A>
LOWP_KERNEL_INLINE b32<A> round_up_lanes(const R& r, const b32<A>& neg, const b32<A>& odd, const b32<A>& gt,
                                         const b32<A>& eq, const b32<A>& inexact, const i32<A>& frac32,
                                         std::uint64_t first_index) {
  using M = typename ops<A>::mask_raw;
  M drawn = ops<A>::raw(inexact);  // read only by stochastic rounding
  if constexpr (std::is_same_v<R, rounding::stochastic>) {
    const i32<A> flip = splat<A>(0x80000000u);  // unsigned compare through the sign bit
    drawn = ops<A>::raw((random_lanes<A>(r, first_index) ^ flip) < (frac32 ^ flip));
  }
  M up = drawn;
  ::lowp::detail::rounding_rule<R>(up, ops<A>::raw(neg), ops<A>::raw(odd), ops<A>::raw(inexact), ops<A>::raw(gt),
                                   ops<A>::raw(eq), drawn, ops<A>::raw(splat<A>(0) == splat<A>(0)));
  return ops<A>::from_raw(up);
}

/// y ≥ 0 (below 2^31) rounded to an integer by mode: truncated (exactly, by the conversion), the
/// fraction f = y − t split exactly into its class (above, at, below one half, zero) and its top
/// 32 bits (f · 2^16 twice: each product and truncation is exact), then the rule above.
template <class R, class A>
LOWP_KERNEL_INLINE i32<A> round_lanes(const f32<A>& y, const b32<A>& neg, const R& r, std::uint64_t first_index) {
  const i32<A> t = ops<A>::to_int(y);  // truncates: y ≥ 0
  const f32<A> f = y - ops<A>::to_float(t);
  const f32<A> f_2p16 = f * f32<A>(65536.0f);
  const i32<A> hi16 = ops<A>::to_int(f_2p16);
  const i32<A> lo16 = ops<A>::to_int((f_2p16 - ops<A>::to_float(hi16)) * f32<A>(65536.0f));
  const i32<A> fb = as_int<A>(f);  // f ≥ 0: its bits order as its values
  const b32<A> gt = fb > splat<A>(0x3F000000), eq = fb == splat<A>(0x3F000000), nz = fb != splat<A>(0);
  const b32<A> odd = (t & splat<A>(1)) != splat<A>(0);
  const i32<A> frac32 = (hi16 << 16) | lo16;  // floor(f · 2^32), as core/round.hpp's frac32
  return t + sel<A>(round_up_lanes<R, A>(r, neg, odd, gt, eq, nz, frac32, first_index), splat<A>(1), splat<A>(0));
}

/// Magnitude codes of lanes in the target's subnormal range: |x| · 2^(M − emin) < 2^M is split
/// into integer and fraction by truncation (both steps exact), then rounded by mode.
template <class A, float_spec S, class R>
LOWP_KERNEL_INLINE i32<A> subnormal_codes(const i32<A>& a, const b32<A>& neg, const R& r, std::uint64_t first_index) {
  constexpr int up = S.M - S.emin();
  constexpr float scale1 = up > 100 ? 0x1p100f : 1.0f;
  constexpr float scale2 = ::lowp::detail::pow2<float>(up > 100 ? up - 100 : up);
  const f32<A> y = as_float<A>(a) * f32<A>(scale1) * f32<A>(scale2);
  return round_lanes<R, A>(y, neg, r, first_index);
}

/// d where a lane of bit (0 or 1) is 1, else 0.
template <class A, std::int64_t d>
LOWP_KERNEL_INLINE i32<A> bias_term(const i32<A>& bit) {
  if constexpr (d == 1)
    return bit;
  else if constexpr (d == -1)
    return splat<A>(0) - bit;
  else
    return (splat<A>(0) - bit) & splat<A>(d);
}

/// Whether S has few enough magnitudes (FP4 E2M1 and narrower) for encode_lanes to count the
/// rounding thresholds |x| passes under nearest-even, with every overflow and NaN going to max.
template <float_spec S, class R, class O>
inline constexpr bool threshold_encode =
    std::is_same_v<R, rounding::nearest_even>&& S.max_mag() <= 7 && S.enc != encoding::fnu && !S.has_inf() &&
    !S.has_nan() && !std::is_same_v<O, overflow::saturate_zero>;

/// The float bit patterns t_m (m = 0 … max_mag − 1) with code(|x|) = #{m : bits(|x|) > t_m} under
/// nearest-even (spec §6): t_m is the midpoint of magnitudes m and m + 1 (exact in float), less one
/// where the tie goes up, to the even code m + 1.
template <float_spec S>
inline constexpr auto encode_thresholds = [] {
  std::array<std::int32_t, S.max_mag()> t{};
  const auto value = [](std::size_t m) {  // decode_lanes' rule: bits(m << (23 − M)) · 2^(127 − bias)
    return std::bit_cast<float>(std::uint32_t(m << (23 - S.M))) * ::lowp::detail::pow2<float>(127 - S.bias);
  };
  for (std::size_t m = 0; m < t.size(); ++m) {
    const std::int32_t mid = std::bit_cast<std::int32_t>((value(m) + value(m + 1)) / 2);
    t[m] = (m + 1) % 2 == 0 ? mid - 1 : mid;
  }
  return t;
}();

/// −(the number of thresholds of S that the magnitude bits a pass), per lane.
template <class A, float_spec S, std::size_t... k>
LOWP_KERNEL_INLINE i32<A> thresholds_passed(const i32<A>& a, std::index_sequence<k...>) {
  return (splat<A>(0) + ... + ops<A>::mask_lanes(a > splat<A>(encode_thresholds<S>[k])));
}

/// Codes of S for size() floats at p (spec §1, §6), equal to encode(S, unpack(x), r, o, i).
/// In the target's normal range the rounding is an addition before the shift: the carry out of
/// the discarded bits is the round-up decision of each mode (ties: the code's last bit).
template <class A, float_spec S, class R, class O>
LOWP_KERNEL_INLINE i32<A> encode_lanes(const f32<A>& x, const R& r, O o, std::uint64_t first_index) {
  if constexpr (threshold_encode<S, R, O>) {
    // few magnitudes (FP4): count the thresholds passed; NaN passes all of them and, having no
    // code of its own, becomes +max (format/float_codec.hpp); ±Inf and overflows become ±max
    const i32<A> u = as_int<A>(x);
    const i32<A> a = u & splat<A>(0x7FFFFFFF);
    const i32<A> m = splat<A>(0) - thresholds_passed<A, S>(a, std::make_index_sequence<S.max_mag()>{});
    const i32<A> sign = sel<A>(a > splat<A>(0x7F800000), splat<A>(0),  // the float's sign bit moved to S's
                               (u >> (31 - S.E - S.M)) & splat<A>(std::int64_t(S.sign_bit())));
    if constexpr (S.has_negative_zero())
      return m | sign;
    else
      return sel<A>(m == splat<A>(0), splat<A>(0), m | sign);
  }
  constexpr int s = 23 - S.M;  // bits discarded from a float mantissa in the normal range
  constexpr std::int32_t mask = (1 << s) - 1;
  const i32<A> u = as_int<A>(x);
  const i32<A> a = u & splat<A>(0x7FFFFFFF);
  const i32<A> neg_bit = S.has_sign() ? ((u >> 31) & splat<A>(1)) : splat<A>(0);  // 0 or 1
  i32<A> inc;
  if constexpr (std::is_same_v<R, rounding::stochastic>) {
    // up iff random < rem · 2^(32−s), i.e. (random >> (32 − s)) < rem: a carry out of rem + this
    const i32<A> rnd = random_lanes<A>(r, first_index);
    inc = splat<A>(mask) - ((rnd >> (32 - s)) & splat<A>(mask));
  } else {
    // core/round.hpp's rule in bias form: the carry out of the discarded bits is the decision
    using B = typename ::lowp::detail::shift_biases<R, s>::template terms<false>;
    inc = splat<A>(B::base);
    if constexpr (B::d_odd != 0) inc = inc + bias_term<A, B::d_odd>((a >> s) & splat<A>(1));
    if constexpr (B::d_neg != 0) inc = inc + bias_term<A, B::d_neg>(neg_bit);
    if constexpr (B::d_both != 0) inc = inc + bias_term<A, B::d_both>(neg_bit & (a >> s));
  }
  // a + inc < 2^31 for every finite x, so the signed lanes never wrap
  i32<A> code = ((a + inc) >> s) - splat<A>(std::int64_t(127 - S.bias) << S.M);
  if constexpr (S.enc == encoding::fnu) {
    code = sel<A>(a < splat<A>(0x00800000), splat<A>(0), code);  // below 2^-126: code 0, or
    code = sel<A>(a > splat<A>(0x00400000) && a < splat<A>(0x00800000), splat<A>(-1), code);  // scalar
  } else if constexpr (std::is_same_v<R, rounding::nearest_even>) {
    // below the target's smallest normal, |x| + 2^(emin − M + 23) has an ulp of exactly one target
    // subnormal step, so the float adder rounds |x| to the code, ties to even (spec §6),
    // zero included; the code 2^M that a carry can reach is the smallest normal, as it should be
    constexpr float magic = ::lowp::detail::pow2<float>(S.emin() - S.M + 23);
    const b32<A> sub = a < splat<A>(std::int64_t(S.emin() + 127) << 23);
    const i32<A> sub_code = as_int<A>(as_float<A>(a) + f32<A>(magic)) - as_int<A>(f32<A>(magic));
    code = sel<A>(sub, sub_code, code);
  } else {
    const b32<A> sub = a < splat<A>(std::int64_t(S.emin() + 127) << 23);
    if (ops<A>::any(sub && (a != splat<A>(0)))) {
      code = sel<A>(sub, subnormal_codes<A, S>(a, neg_bit != splat<A>(0), r, first_index), code);
    }
    code = sel<A>(a == splat<A>(0), splat<A>(0), code);
  }
  const b32<A> neg = neg_bit != splat<A>(0);
  const std::int64_t max = std::int64_t(S.max_mag());
  const i32<A> ov = sel<A>(neg, splat<A>(std::int64_t(::lowp::detail::overflowed(S, true, o))),
                           splat<A>(std::int64_t(::lowp::detail::overflowed(S, false, o))));
  i32<A> out = code | (neg_bit << (S.E + S.M));
  if constexpr (!S.has_negative_zero()) out = sel<A>(code == splat<A>(0), splat<A>(0), out);
  // directed modes toward zero (and to_odd) give ±max instead of overflowing (spec §6)
  i32<A> too_big = ov;
  if constexpr (std::is_same_v<R, rounding::toward_zero> || std::is_same_v<R, rounding::to_odd>) {
    too_big = splat<A>(max) | (neg_bit << (S.E + S.M));
  } else if constexpr (std::is_same_v<R, rounding::toward_negative>) {
    too_big = sel<A>(neg, ov, splat<A>(max));
  } else if constexpr (std::is_same_v<R, rounding::toward_positive>) {
    too_big = sel<A>(neg, splat<A>(max | std::int64_t(S.sign_bit())), ov);
  }
  out = sel<A>(code > splat<A>(max), too_big, out);
  // ±Inf overflows; under nearest_even its code already exceeded max and took `ov` just above
  if constexpr (!std::is_same_v<R, rounding::nearest_even>) out = sel<A>(a == splat<A>(0x7F800000), ov, out);
  out = sel<A>(a > splat<A>(0x7F800000), splat<A>(std::int64_t(S.has_nan() ? S.nan_code() : S.max_mag())), out);
  return out;
}
/// The same for the size() floats at p.
template <class A, float_spec S, class R, class O>
LOWP_KERNEL_INLINE i32<A> encode_lanes(const float* p, const R& r, O o, std::uint64_t first_index) {
  return encode_lanes<A, S>(f32<A>::load_unaligned(p), r, o, first_index);
}

/// Floats for size() codes of S, equal to decode_to<float, S> (and, for an infinite code, to what
/// overflow tag O makes of it in float: convert_unpacked<float>'s rule, spec §6).
template <class A, float_spec S, class O = overflow::propagate>
LOWP_KERNEL_INLINE f32<A> decode_lanes(const i32<A>& c, O o = {}) {
  const i32<A> mag = c & splat<A>(std::int64_t(S.mag_mask()));
  const b32<A> neg = S.has_sign() ? ((c & splat<A>(std::int64_t(S.sign_bit()))) != splat<A>(0)) : (c != c);
  const i32<A> sign = sel<A>(neg, splat<A>(0x80000000u), splat<A>(0));
  i32<A> v;
  if constexpr (S.enc == encoding::fnu) {
    v = sel<A>(mag == splat<A>(0), splat<A>(0x00400000), (mag << 23));  // 2^-127 is subnormal
  } else {
    constexpr float scale = ::lowp::detail::pow2<float>(127 - S.bias);
    v = as_int<A>(as_float<A>((mag << 23 - S.M)) * f32<A>(scale));
  }
  v = v | sign;
  if constexpr (S.has_inf()) {
    constexpr float_spec F = ::lowp::detail::native_spec<float>;
    const i32<A> inf = sel<A>(neg, splat<A>(std::int64_t(::lowp::detail::overflowed(F, true, o))),
                              splat<A>(std::int64_t(::lowp::detail::overflowed(F, false, o))));
    v = sel<A>(mag == splat<A>(std::int64_t(S.inf_mag())), inf, v);
  }
  if constexpr (S.has_nan()) {
    b32<A> nan;
    if constexpr (S.enc == encoding::ieee)
      nan = mag > splat<A>(std::int64_t(S.inf_mag()));
    else if constexpr (S.enc == encoding::fn)
      nan = mag == splat<A>(std::int64_t(S.mag_mask()));
    else if constexpr (S.enc == encoding::fnuz)
      nan = c == splat<A>(std::int64_t(S.sign_bit()));
    else
      nan = c == splat<A>(std::int64_t(S.mag_mask()));
    const i32<A> qnan = S.enc == encoding::fnuz ? splat<A>(0x7FC00000) : (sign | splat<A>(0x7FC00000));
    v = sel<A>(nan, qnan, v);
  }
  return as_float<A>(v);
}

/// Raw codes of an integer format (range g) for size() floats at p, equal to the scalar
/// T::from_unpacked: truncate |x| (clamped at 2^30, beyond every intn ≤ 16 bits), round by mode
/// from the exact fraction, then core/round.hpp's overflow rule on the int32 lanes. Lanes that
/// wrap from beyond 2^30 (their low bits were lost to the clamp) are flagged in `scalar`.
template <class A, class R, class O>
LOWP_KERNEL_INLINE i32<A> encode_int_lanes(const f32<A>& x, const ::lowp::detail::int_range& g, int code_offset,
                                           const R& r, O, std::uint64_t first_index, b32<A>& scalar) {
  using L = typename ops<A>::lanes_raw;
  const i32<A> u = as_int<A>(x);
  const i32<A> a = u & splat<A>(0x7FFFFFFF);
  const b32<A> neg = u < splat<A>(0);
  i32<A> m;
  if constexpr (std::is_same_v<R, rounding::nearest_even> && !std::is_same_v<O, overflow::wrap>) {
    // min(|x|, 2^23) + 2^23 has an ulp of exactly 1, so the float adder rounds |x| to an integer,
    // ties to even (spec §6), read off the sum's bits; 2^23 lies beyond every intn ≤ 16 bits
    const f32<A> y = as_float<A>(ops<A>::min(a, splat<A>(0x4B000000)));  // NaN handled below
    m = as_int<A>(y + f32<A>(0x1p23f)) - splat<A>(0x4B000000);
  } else {
    const f32<A> y = as_float<A>(ops<A>::min(a, splat<A>(0x4E800000)));  // min(|x|, 2^30); NaN handled below
    m = round_lanes<R, A>(y, neg, r, first_index);
  }
  const L v = ops<A>::lanes(sel<A>(neg, splat<A>(0) - m, m));  // ±Inf: ±2^30, beyond the grid
  const std::int32_t lo = std::int32_t(g.lo), hi = std::int32_t(g.hi);
  L rule{};
  ::lowp::detail::overflow_rule<O>(rule, v, lo, hi, g.bits, g.is_signed);
  i32<A> out = ops<A>::from_lanes(rule);
  const b32<A> inf = a == splat<A>(0x7F800000), nan = a > splat<A>(0x7F800000);
  if constexpr (std::is_same_v<O, overflow::saturate_zero> || std::is_same_v<O, overflow::wrap>) {
    L sat{};  // ±Inf saturates under every tag (spec §8)
    ::lowp::detail::overflow_rule<overflow::saturate>(sat, v, lo, hi, g.bits, g.is_signed);
    out = sel<A>(inf, ops<A>::from_lanes(sat), out);
  }
  out = sel<A>(nan, splat<A>(0), out);  // NaN → 0 (spec §8)
  if constexpr (std::is_same_v<O, overflow::wrap>) scalar = a > splat<A>(0x4E800000) && !inf && !nan;
  return (out + splat<A>(code_offset)) & splat<A>(std::int64_t((std::int64_t(1) << g.bits) - 1));  // trit: t + 1
}
/// The same for the size() floats at p.
template <class A, class R, class O>
LOWP_KERNEL_INLINE i32<A> encode_int_lanes(const float* p, const ::lowp::detail::int_range& g, int code_offset,
                                           const R& r, O o, std::uint64_t first_index, b32<A>& scalar) {
  return encode_int_lanes<A>(f32<A>::load_unaligned(p), g, code_offset, r, o, first_index, scalar);
}

/// Floats for size() raw codes of a Bits-bit integer format (sign-extended when signed).
template <class A>
LOWP_KERNEL_INLINE f32<A> decode_int_lanes(const i32<A>& c, int bits, bool is_signed) {
  return ops<A>::to_float(is_signed ? ((c << (32 - bits)) >> (32 - bits)) : c);
}

/// float → T over n elements with the kernels of ISA A; element i draws stochastic bits (offset + i).
template <class A, class T, class R, class O>
LOWP_KERNEL void encode(const float* in, T* out, std::size_t n, const R& r, O o) {
  constexpr float_spec S = T::spec;
  using C = typename T::storage_type;
  constexpr std::size_t w = i32<A>::size;
  const std::size_t full = n - n % w;  // whole vectors, then a scalar tail
  std::size_t i = 0;
  for (; i < full; i += w) {
    const i32<A> code = encode_lanes<A, S>(in + i, r, o, i);
    if constexpr (S.enc == encoding::fnu) {
      if (ops<A>::any(code == i32<A>(-1))) {  // the rare lanes in [2^-127, 2^-126): scalar
        alignas(64) std::int32_t c[w];
        code.store_aligned(c);
        for (std::size_t l = 0; l < w; ++l)
          if (c[l] == -1) c[l] = std::int32_t(::lowp::encode(S, unpack(in[i + l]), r, o, i + l));
        ops<A>::store_narrow(i32<A>::load_aligned(c), reinterpret_cast<C*>(out + i));
        continue;
      }
    }
    ops<A>::store_narrow(code, reinterpret_cast<C*>(out + i));
  }
  for (; i < n; ++i) out[i] = T::from_unpacked(unpack(in[i]), r, o, i);
}

/// T → float over n elements with the kernels of ISA A (infinite codes follow the overflow tag).
template <class A, class T, class O>
LOWP_KERNEL void decode(const T* in, float* out, std::size_t n, O o) {
  constexpr float_spec S = T::spec;
  using C = typename T::storage_type;
  constexpr std::size_t w = i32<A>::size;
  const std::size_t full = n - n % w;
  std::size_t i = 0;
  for (; i < full; i += w)
    decode_lanes<A, S>(ops<A>::load_widen(reinterpret_cast<const C*>(in + i)), o).store_unaligned(out + i);
  for (; i < n; ++i)
    out[i] = ::lowp::detail::convert_unpacked<float>(in[i].to_unpacked(), rounding::nearest_even{}, o, 0);
}

/// float → intn over n elements with the kernels of ISA A (lanes that wrap: the scalar reference).
template <class A, class T, class R, class O>
LOWP_KERNEL void encode_int(const float* in, T* out, std::size_t n, const R& r, O o) {
  using C = typename T::storage_type;
  constexpr std::size_t w = i32<A>::size;
  const std::size_t full = n - n % w;
  std::size_t i = 0;
  for (; i < full; i += w) {
    b32<A> scalar = i32<A>(0) != i32<A>(0);
    const i32<A> code = encode_int_lanes<A>(in + i, T::range, format_traits<T>::code_offset, r, o, i, scalar);
    ops<A>::store_narrow(code, reinterpret_cast<C*>(out + i));
    if (ops<A>::any(scalar))
      for (std::size_t l = 0; l < w; ++l) out[i + l] = T::from_unpacked(unpack(in[i + l]), r, o, i + l);
  }
  for (; i < n; ++i) out[i] = T::from_unpacked(unpack(in[i]), r, o, i);
}

/// The codes of T for the size() products p[l] · f, each rounded to float first (spec §10), where
/// no lane needs the scalar reference (integers without wrap; minifloats other than fnu).
template <class A, class T, class R, class O>
LOWP_KERNEL_INLINE i32<A> scaled_codes(const float* p, const f32<A>& f, const R& r, O o, std::uint64_t first_index) {
  const f32<A> x = ops<A>::rounded(f32<A>::load_unaligned(p) * f);
  if constexpr (requires { T::range; }) {
    b32<A> unused = i32<A>(0) != i32<A>(0);
    return encode_int_lanes<A>(x, T::range, format_traits<T>::code_offset, r, o, first_index, unused);
  } else {
    return encode_lanes<A, T::spec>(x, r, o, first_index);
  }
}

/// float → T (a minifloat or intn / trit) of the products x · f over n elements in tiles of tw: element
/// i is in[i] · f[i / tw], each product rounded to float before it is encoded (no FMA absorbs it,
/// spec §10), as a scaling pass followed by encode / encode_int gives; element i draws stochastic
/// bits (offset + i). One pass, the scaled values never stored.
template <class A, class T, class R, class O>
LOWP_KERNEL void encode_scaled(const float* in, T* out, std::size_t n, std::size_t tw, const float* f, const R& r, O o,
                               std::uint64_t index0 = 0) {
  using C = typename T::storage_type;
  constexpr bool integer = requires { T::range; };
  constexpr std::size_t w = i32<A>::size;
  // no lane can need the scalar reference: byte codes are stored four vectors at a time
  constexpr bool no_redo = [] {
    if constexpr (integer)
      return !std::is_same_v<O, overflow::wrap>;
    else
      return T::spec.enc != encoding::fnu;
  }();
  const auto scalar_one = [&](float x, std::size_t i) { return T::from_unpacked(unpack(x), r, o, index0 + i); };
  for (std::size_t c0 = 0, t = 0; c0 < n; c0 += tw, ++t) {
    const std::size_t c1 = n - c0 < tw ? n : c0 + tw;
    const float factor = f[t];
    const f32<A> fv(factor);
    std::size_t i = c0;
    if constexpr (no_redo && sizeof(C) == 1) {
      for (; i + 4 * w <= c1; i += 4 * w)
        ops<A>::store_narrow4(
            scaled_codes<A, T>(in + i, fv, r, o, index0 + i), scaled_codes<A, T>(in + i + w, fv, r, o, index0 + i + w),
            scaled_codes<A, T>(in + i + 2 * w, fv, r, o, index0 + i + 2 * w),
            scaled_codes<A, T>(in + i + 3 * w, fv, r, o, index0 + i + 3 * w), reinterpret_cast<std::uint8_t*>(out + i));
    }
    for (; i + w <= c1; i += w) {
      const f32<A> x = ops<A>::rounded(f32<A>::load_unaligned(in + i) * fv);
      i32<A> code;
      bool redo;
      if constexpr (integer) {
        b32<A> scalar = i32<A>(0) != i32<A>(0);
        code = encode_int_lanes<A>(x, T::range, format_traits<T>::code_offset, r, o, index0 + i, scalar);
        redo = !no_redo && ops<A>::any(scalar);  // lanes that wrap: the scalar reference
      } else {
        code = encode_lanes<A, T::spec>(x, r, o, index0 + i);
        if constexpr (T::spec.enc == encoding::fnu)
          redo = ops<A>::any(code == i32<A>(-1));  // the rare lanes in [2^-127, 2^-126)
        else
          redo = false;
      }
      ops<A>::store_narrow(code, reinterpret_cast<C*>(out + i));
      if (redo) {
        alignas(64) float v[w];
        x.store_unaligned(v);
        for (std::size_t l = 0; l < w; ++l) out[i + l] = scalar_one(v[l], i + l);
      }
    }
    for (; i < c1; ++i) out[i] = scalar_one(::lowp::detail::rounded(in[i] * factor), i);
  }
}

/// The largest |x[i]| of n floats as its bit pattern (core/fp.hpp's abs_max_bits, whose answer
/// has no order to depend on): two int32 lanes' maxima of the magnitudes' patterns, then the tail.
template <class A>
LOWP_KERNEL std::uint32_t abs_max_bits(const float* x, std::size_t n) {
  constexpr std::size_t w = i32<A>::size;
  const i32<A> mag = splat<A>(0x7FFFFFFF);
  i32<A> m0 = splat<A>(0), m1 = splat<A>(0);
  std::size_t i = 0;
  for (; i + 2 * w <= n; i += 2 * w) {
    m0 = ops<A>::max(m0, as_int<A>(f32<A>::load_unaligned(x + i)) & mag);
    m1 = ops<A>::max(m1, as_int<A>(f32<A>::load_unaligned(x + i + w)) & mag);
  }
  if (i + w <= n) {
    m0 = ops<A>::max(m0, as_int<A>(f32<A>::load_unaligned(x + i)) & mag);
    i += w;
  }
  std::uint32_t m = std::uint32_t(ops<A>::reduce_max(ops<A>::max(m0, m1)));
  for (; i < n; ++i) {
    std::uint32_t u;
    std::memcpy(&u, x + i, 4);
    m = m > (u & 0x7FFFFFFFu) ? m : (u & 0x7FFFFFFFu);
  }
  return m;
}

/// abs_max_bits of each block of bw floats of x[0, n) into out[n / bw rounded up] (the last block
/// may be shorter).
template <class A>
LOWP_KERNEL void abs_max_blocks(const float* x, std::size_t n, std::size_t bw, std::uint32_t* out) {
  constexpr std::size_t w = i32<A>::size;
  const i32<A> mag = splat<A>(0x7FFFFFFF);
  for (std::size_t c0 = 0, b = 0; c0 < n; c0 += bw, ++b) {
    const std::size_t c1 = n - c0 < bw ? n : c0 + bw;
    std::size_t i = c0;
    std::uint32_t m = 0;
    if (i + w <= c1) {
      i32<A> v = as_int<A>(f32<A>::load_unaligned(x + i)) & mag;
      for (i += w; i + w <= c1; i += w) v = ops<A>::max(v, as_int<A>(f32<A>::load_unaligned(x + i)) & mag);
      m = std::uint32_t(ops<A>::reduce_max(v));
    }
    for (; i < c1; ++i) {
      std::uint32_t u;
      std::memcpy(&u, x + i, 4);
      m = m > (u & 0x7FFFFFFFu) ? m : (u & 0x7FFFFFFFu);
    }
    out[b] = m;
  }
}

/// Block quantization in one pass over memory: for blocks of bw floats of x[0, n) (the last may be
/// shorter), chunk after chunk (about 512 floats, at most 64 blocks): the blocks' abs_max_bits,
/// then factors(b0, count, amax_bits, f) fills the factors of blocks b0 .. b0 + count − 1 (the
/// caller's scale rule, which also records the scales), then the codes of x · f (encode_scaled).
/// The chunk two ahead is prefetched meanwhile, so memory streams while the arithmetic runs.
template <class A, class T, class F, class R, class O>
LOWP_KERNEL void encode_blocks(const float* x, std::size_t n, std::size_t bw, F& factors, T* out, const R& r, O o) {
  const std::size_t per = bw >= 512 ? 1 : 512 / bw < 64 ? 512 / bw : 64;  // blocks per chunk
  std::uint32_t amax_bits[64];
  float f[64];
  for (std::size_t c0 = 0, b0 = 0; c0 < n; c0 += per * bw, b0 += per) {
    const std::size_t len = n - c0 < per * bw ? n - c0 : per * bw;
    const std::size_t count = (len + bw - 1) / bw;
    abs_max_blocks<A>(x + c0, len, bw, amax_bits);
    factors(b0, count, static_cast<const std::uint32_t*>(amax_bits), static_cast<float*>(f));
    const std::size_t ahead = c0 + 2 * per * bw;  // 64-byte lines of the chunk two ahead
    for (std::size_t i = ahead; i < n && i < ahead + per * bw; i += 16) __builtin_prefetch(x + i);
    encode_scaled<A>(x + c0, out + c0, len, bw, f, r, o, c0);
  }
}

/// pack/packed.hpp's 4-bit packing (byte k = code 2k | code 2k + 1 << 4; each code's low nibble)
/// of the whole vectors of n codes: 4 · size() codes per step, read four to a lane and folded in
/// place to 16 bits (two output bytes), then narrowed. Returns how many codes it packed (even).
template <class A>
LOWP_KERNEL std::size_t pack_nibbles(const std::uint8_t* codes, std::size_t n, std::uint8_t* out) {
  constexpr std::size_t step = 4 * i32<A>::size;
  std::size_t i = 0;
  for (; i + step <= n; i += step) {
    i32<A> t = i32<A>::load_unaligned(reinterpret_cast<const std::int32_t*>(codes + i)) & splat<A>(0x0F0F0F0F);
    t = (t | (t >> 4)) & splat<A>(0x00FF00FF);  // bytes 0 and 2: code pairs
    t = (t | (t >> 8)) & splat<A>(0xFFFF);      // the lane's two bytes
    ops<A>::store_narrow(t, reinterpret_cast<std::uint16_t*>(out + i / 2));
  }
  return i;
}

/// The inverse for the whole vectors of n codes (pack/packed.hpp's unpack_codes: code 2k = byte k
/// & 15, code 2k + 1 = byte k >> 4): two bytes widened to a lane, spread to four. Returns how many
/// codes it wrote (even).
template <class A>
LOWP_KERNEL std::size_t unpack_nibbles(const std::uint8_t* in, std::size_t n, std::uint8_t* codes) {
  constexpr std::size_t step = 4 * i32<A>::size;
  std::size_t i = 0;
  for (; i + step <= n; i += step) {
    i32<A> t = ops<A>::load_widen(reinterpret_cast<const std::uint16_t*>(in + i / 2));
    t = (t | (t << 8)) & splat<A>(0x00FF00FF);  // the two bytes in bytes 0 and 2
    t = (t | (t << 4)) & splat<A>(0x0F0F0F0F);  // their nibbles in bytes 0 … 3
    t.store_unaligned(reinterpret_cast<std::int32_t*>(codes + i));
  }
  return i;
}

/// intn → float over n elements with the kernels of ISA A.
template <class A, class T>
LOWP_KERNEL void decode_int(const T* in, float* out, std::size_t n) {
  using C = typename T::storage_type;
  constexpr std::size_t w = i32<A>::size;
  const std::size_t full = n - n % w;
  std::size_t i = 0;
  for (; i < full; i += w) {
    const i32<A> c = ops<A>::load_widen(reinterpret_cast<const C*>(in + i));
    if constexpr (format_traits<T>::code_offset != 0)
      ops<A>::to_float(c - i32<A>(format_traits<T>::code_offset)).store_unaligned(out + i);  // trit: code t + 1
    else
      decode_int_lanes<A>(c, T::bit_width, T::is_signed).store_unaligned(out + i);
  }
  for (; i < n; ++i) out[i] = float(in[i]);
}
