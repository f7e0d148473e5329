//! Go's number parsing and float math as pprof's legacy parsers use them,
//! ported so that unsampled values come out exactly as pprof computes them.

/// Go's `strconv.ParseUint(s, base, 64)` for base 0 (prefixes `0x`, `0o`,
/// `0b`, a leading `0` for octal, `_` separators) or an explicit base.
/// `None` on syntax or range errors.
pub(crate) fn parse_uint(s: &[u8], base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let base0 = base == 0;
    let s0 = s;
    let (mut s, base) = if base0 {
        if s[0] == b'0' {
            if s.len() >= 3 && s[1].eq_ignore_ascii_case(&b'b') {
                (&s[2..], 2)
            } else if s.len() >= 3 && s[1].eq_ignore_ascii_case(&b'o') {
                (&s[2..], 8)
            } else if s.len() >= 3 && s[1].eq_ignore_ascii_case(&b'x') {
                (&s[2..], 16)
            } else {
                (&s[1..], 8)
            }
        } else {
            (s, 10)
        }
    } else {
        (s, base)
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    while let Some((&c, rest)) = s.split_first() {
        s = rest;
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s0) {
        return None;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, base, 64)`.
pub(crate) fn parse_int(s: &[u8], base: u32) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, digits) = match s[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    // ParseUint validates underscores against the unsigned text; Go's
    // ParseInt passes the unsigned part too, and underscoreOK accepts an
    // optional sign either way.
    let un = parse_uint(digits, base)?;
    if !neg {
        i64::try_from(un).ok()
    } else if un <= 1 << 63 {
        Some((un as i64).wrapping_neg())
    } else {
        None
    }
}

/// Go's `underscoreOK`: underscores only between digits (or after a base
/// prefix).
fn underscore_ok(s: &[u8]) -> bool {
    let mut saw = b'^';
    let mut s = s;
    if let [b'-' | b'+', rest @ ..] = s {
        s = rest;
    }
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].eq_ignore_ascii_case(&b'x');
    }
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&c.to_ascii_lowercase()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go's `int64(f)` on amd64: truncation, and `math.MinInt64` for NaN and
/// out-of-range values (what `CVTTSD2SQ` produces).
pub(crate) fn f64_to_i64(f: f64) -> i64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-TWO_63..TWO_63).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// pprof's `scaleHeapSample`: undoes Poisson sampling at average rate
/// `rate`: a sample of average size S had probability 1-exp(-S/rate) of
/// being recorded.
pub(crate) fn scale_heap_sample(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let avg_size = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - exp(-avg_size / rate as f64));
    (
        f64_to_i64(count as f64 * scale),
        f64_to_i64(size as f64 * scale),
    )
}

/// Go's `math.Exp` as `go tool pprof` computes it on this machine: on
/// x86-64 Go uses its assembly routine (a Taylor series after argument
/// reduction, with fused multiply-adds when the CPU has AVX and FMA), which
/// can differ from the C library's `exp` in the last bit; elsewhere Go's
/// portable algorithm (FreeBSD's).
pub(crate) fn exp(x: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static FMA: OnceLock<bool> = OnceLock::new();
        let fma =
            *FMA.get_or_init(|| is_x86_feature_detected!("avx") && is_x86_feature_detected!("fma"));
        exp_amd64(x, fma)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        exp_go(x)
    }
}

/// Port of Go's `src/math/exp_amd64.s` (constants as Go spells them).
#[allow(clippy::excessive_precision, clippy::approx_constant)]
pub(crate) fn exp_amd64(x: f64, fma: bool) -> f64 {
    const LOG2E: f64 = 1.4426950408889634073599246810018920;
    const LN2U: f64 = 0.69314718055966295651160180568695068359375;
    const LN2L: f64 = 0.28235290563031577122588448175013436025525412068e-12;
    const OVERFLOW: f64 = 7.09782712893384e+02;
    const C: [f64; 9] = [
        0.5,
        1.0,
        2.0,
        1.6666666666666666667e-1,
        4.1666666666666666667e-2,
        8.3333333333333333333e-3,
        1.3888888888888888889e-3,
        1.9841269841269841270e-4,
        2.4801587301587301587e-5,
    ];
    let bits = x.to_bits();
    if (bits & !(1u64 << 63)) >= 0x7FF0_0000_0000_0000 {
        // Not finite: -Inf gives 0, NaN and +Inf themselves.
        return if bits == 0xFFF0_0000_0000_0000 {
            0.0
        } else {
            x
        };
    }
    if x > OVERFLOW {
        return f64::INFINITY;
    }
    // CVTSD2SL: round to nearest even; out of int32 range gives MinInt32.
    let k = {
        let r = (LOG2E * x).round_ties_even();
        if r.is_nan() || !(-2147483648.0..=2147483647.0).contains(&r) {
            i32::MIN
        } else {
            r as i32
        }
    };
    let kf = f64::from(k);
    let mut x0 = x;
    if fma {
        x0 = (-kf).mul_add(LN2U, x0);
        x0 = (-kf).mul_add(LN2L, x0);
        x0 *= 0.0625;
        let mut x1 = C[8];
        for c in [C[7], C[6], C[5], C[4], C[3], C[0], C[1]] {
            x1 = x0.mul_add(x1, c);
        }
        x0 *= x1;
        for _ in 0..3 {
            let t = x0 + C[2];
            x0 *= t;
        }
        let t = x0 + C[2];
        x0 = t.mul_add(x0, C[1]);
    } else {
        x0 -= kf * LN2U;
        x0 -= kf * LN2L;
        x0 *= 0.0625;
        let mut x1 = C[8];
        for c in [C[7], C[6], C[5], C[4], C[3], C[0], C[1]] {
            x1 = x1 * x0 + c;
        }
        x0 *= x1;
        for _ in 0..4 {
            let t = C[2] + x0;
            x0 *= t;
        }
        x0 += C[1];
    }
    // ldexp, with 32-bit register arithmetic.
    let mut e = k.wrapping_add(0x3FF);
    if e <= 0 {
        if e < -52 {
            return 0.0;
        }
        e = e.wrapping_add(0x3FE);
        x0 *= f64::from_bits(u64::from(e as u32) << 52);
        e = 1;
    } else if e >= 0x7FF {
        return f64::INFINITY;
    }
    x0 * f64::from_bits(u64::from(e as u32) << 52)
}

/// Port of Go's portable `math.exp` (src/math/exp.go).
#[allow(clippy::excessive_precision, clippy::approx_constant, dead_code)]
pub(crate) fn exp_go(x: f64) -> f64 {
    const LN2_HI: f64 = 6.93147180369123816490e-01;
    const LN2_LO: f64 = 1.90821492927058770002e-10;
    const LOG2E: f64 = 1.44269504088896338700e+00;
    const OVERFLOW: f64 = 7.09782712893383973096e+02;
    const UNDERFLOW: f64 = -7.45133219101941108420e+02;
    const NEAR_ZERO: f64 = 1.0 / (1u64 << 28) as f64;
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == f64::NEG_INFINITY {
        return 0.0;
    }
    if x > OVERFLOW {
        return f64::INFINITY;
    }
    if x < UNDERFLOW {
        return 0.0;
    }
    if -NEAR_ZERO < x && x < NEAR_ZERO {
        return 1.0 + x;
    }
    let k: i64 = if x < 0.0 {
        (LOG2E * x - 0.5) as i64
    } else {
        (LOG2E * x + 0.5) as i64
    };
    let hi = x - k as f64 * LN2_HI;
    let lo = k as f64 * LN2_LO;
    expmulti(hi, lo, k)
}

#[allow(clippy::excessive_precision, dead_code)]
fn expmulti(hi: f64, lo: f64, k: i64) -> f64 {
    const P1: f64 = 1.66666666666666657415e-01;
    const P2: f64 = -2.77777777770155933842e-03;
    const P3: f64 = 6.61375632143793436117e-05;
    const P4: f64 = -1.65339022054652515390e-06;
    const P5: f64 = 4.13813679705723846039e-08;
    let r = hi - lo;
    let t = r * r;
    let c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    ldexp(y, k)
}

/// Go's `math.Ldexp` (frexp/ldexp on the bit representation).
#[allow(dead_code)]
fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || frac.is_infinite() || frac.is_nan() {
        return frac;
    }
    // normalize
    let (mut frac, e) = {
        if frac.abs() < f64::MIN_POSITIVE {
            (frac * (1u64 << 52) as f64, -52i64)
        } else {
            (frac, 0)
        }
    };
    let mut exp = exp + e;
    let mut x = frac.to_bits();
    exp += ((x >> 52) & 0x7ff) as i64 - 1023;
    if exp < -1075 {
        return 0.0f64.copysign(frac);
    }
    if exp > 1023 {
        return if frac < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let mut m = 1.0;
    if exp < -1022 {
        exp += 53;
        m = 1.0 / (1u64 << 53) as f64;
    }
    x &= !(0x7ffu64 << 52);
    x |= ((exp + 1023) as u64) << 52;
    frac = f64::from_bits(x);
    m * frac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_like_go() {
        assert_eq!(parse_int(b"42", 10), Some(42));
        assert_eq!(parse_int(b"-42", 10), Some(-42));
        assert_eq!(parse_int(b"0x1f", 0), Some(31));
        assert_eq!(parse_int(b"010", 0), Some(8));
        assert_eq!(parse_int(b"09", 0), None);
        assert_eq!(parse_int(b"0", 0), Some(0));
        assert_eq!(parse_int(b"1_000", 0), Some(1000));
        assert_eq!(parse_int(b"1__0", 0), None);
        assert_eq!(parse_int(b"1_000", 10), None);
        assert_eq!(parse_int(b"9223372036854775807", 10), Some(i64::MAX));
        assert_eq!(parse_int(b"9223372036854775808", 10), None);
        assert_eq!(parse_int(b"-9223372036854775808", 10), Some(i64::MIN));
        assert_eq!(parse_int(b"", 10), None);
        assert_eq!(parse_int(b"-", 10), None);
        assert_eq!(parse_uint(b"0xffffffffffffffff", 0), Some(u64::MAX));
        assert_eq!(parse_uint(b"0x10000000000000000", 0), None);
        assert_eq!(parse_uint(b"7fff", 16), Some(0x7fff));
    }

    #[test]
    fn exp_is_close_to_libm() {
        for &x in &[
            -1e-9, -0.001, -0.5, -1.0, -3.7, -20.0, -700.0, -745.5, 0.0, 1.0, 10.0, 700.0,
        ] {
            for fma in [false, true] {
                let a = exp_amd64(x, fma);
                let b = x.exp();
                assert!(
                    (a - b).abs() <= b * 1e-15 + f64::MIN_POSITIVE,
                    "{x}: {a} vs {b}"
                );
            }
            let c = exp_go(x);
            assert!((c - x.exp()).abs() <= x.exp() * 1e-15 + f64::MIN_POSITIVE);
        }
        assert_eq!(exp_amd64(f64::NEG_INFINITY, false), 0.0);
        assert!(exp_amd64(f64::NAN, true).is_nan());
        assert_eq!(exp_amd64(1000.0, false), f64::INFINITY);
        assert_eq!(exp_amd64(-1e10, false), 0.0);
    }

    /// `math.Float64bits(math.Exp(x))` from Go 1.27 on amd64, with FMA (the
    /// default on this CPU) and with `GODEBUG=cpu.fma=off`; they differ in
    /// the last bit for some inputs, and so may the C library's `exp`.
    #[test]
    fn exp_matches_go_amd64_bit_for_bit() {
        let with_fma: &[(u64, u64)] = &[
            (0xbe112e0be826d695, 0x3fefffffff768fa1),
            (0xbf50624dd2f1a9fc, 0x3feff7cfe56f1a9e),
            (0xbfb999999999999a, 0x3fecf46d99d52b3a),
            (0xbfe0000000000000, 0x3fe368b2fc6f960a),
            (0xbff0000000000000, 0x3fd78b56362cef38),
            (0xbff000001ad7f29b, 0x3fd78b560eacbdeb),
            (0xc0026bb1bbb55516, 0x3fb9999999999998),
            (0xc00d99999999999a, 0x3f99511fc6871044),
            (0xc01d000000000000, 0x3f47455fe323fafd),
            (0xc034000000000000, 0x3e21b48655f37267),
            (0xc042c00000000000, 0x3c8dd5c566301ec7),
            (0xc059000000000000, 0x36ea8c1f14e2af5d),
            (0xc085e00000000000, 0xd14f2b0fb9307f),
            (0xc08748cccccccccd, 0x1),
            (0xc08749999999999a, 0x0),
            (0xc087500000000000, 0x0),
            (0x3fd3333333333333, 0x3ff599058c8c1a96),
            (0x3ff0000000000000, 0x4005bf0a8b145769),
            (0x4024000000000000, 0x40d5829dcf950560),
            (0x40862d999999999a, 0x7ff0000000000000),
            (0xbfc2492492492492, 0x3febbd76b8a1ab99),
            (0xbfc999999999999a, 0x3fea330ad6166159),
            (0xbfd89d89d89d89d9, 0x3fe5c8655e18fb36),
            (0xbfe4000000000000, 0x3fe120dc934993e8),
            (0xbfeca1af286bca1b, 0x3fda28638d1b88d5),
            (0xbff2e8ba2e8ba2e9, 0x3fd3a14f42f3572f),
            (0xbff7ae147ae147ae, 0x3fcd233b557906a1),
            (0xbffc924924924925, 0x3fc57672b5d60b7a),
            (0xc000c6318c6318c6, 0x3fbf733bff12cc7f),
            (0xc0034b4b4b4b4b4b, 0x3fb6f3c1cb40c796),
            (0xc005d67c8a60dd68, 0x3fb0b35de11ac4c1),
            (0xc008666666666666, 0x3fa83f6dcede0c39),
            (0xc00afa0be82fa0bf, 0x3fa1921815098e6f),
            (0xc00d90b21642c859, 0x3f996d5d40d874e0),
            (0xc01014e5e0a72f05, 0x3f9260576d2f86af),
            (0xc011627627627627, 0x3f8a88f6abb6cca7),
            (0xc012b0df6b0df6b1, 0x3f832462b13b6fe9),
            (0xc014000000000000, 0x3f7b993fe00d5376),
            (0xc0154fbcda3ac10d, 0x3f73e236458dfa27),
            (0xc016a00000000000, 0x3f6ca2ce6b15576a),
            (0xc017f0b7672a07a4, 0x3f649c7d253f9e7f),
            (0xc01941d41d41d41d, 0x3f5da8c617afeea9),
            (0xc01a9349a4d26935, 0x3f5555152f70cfd5),
            (0xc01be50d79435e51, 0x3f4ead64996a294f),
            (0xc01d3716aefcc26e, 0x3f460d59e696967c),
            (0xc01e895da895da89, 0x3f3fb25290e45b07),
            (0xc01fdbdbdbdbdbdc, 0x3f36c650da38de8c),
            (0xc0209745d1745d17, 0x3f305c6a60a5481c),
            (0xc02140b40b40b40b, 0x3f2780c52dc4ce32),
            (0xc021ea3677d46cf0, 0x3f20e0f5917d511a),
            (0xc02293cb376c34c9, 0x3f183d5947af3f3e),
            (0xc0233d70a3d70a3d, 0x3f11673296331aa5),
            (0xc023e7254813e22d, 0x3f08fc92893fc2f0),
            (0xc02490e7d95bc60a, 0x3f01ef77b9a74fad),
            (0xc0253ab7315233ab, 0x3ef9bee148b26a7e),
            (0xc025e49249249249, 0x3ef27a0e88b3d4a5),
            (0xc0268e78356d1409, 0x3eea84a660ebc652),
            (0xc027386822b63cbf, 0x3ee3073721939191),
            (0xc027e26152832c6e, 0x3edb4e372752f411),
            (0xc0288c6318c6318c, 0x3ed3972a95481078),
        ];
        let without_fma: &[(u64, u64)] = &[
            (0xbe112e0be826d695, 0x3fefffffff768fa1),
            (0xbf50624dd2f1a9fc, 0x3feff7cfe56f1a9e),
            (0xbfb999999999999a, 0x3fecf46d99d52b3a),
            (0xbfe0000000000000, 0x3fe368b2fc6f960a),
            (0xbff0000000000000, 0x3fd78b56362cef38),
            (0xbff000001ad7f29b, 0x3fd78b560eacbdeb),
            (0xc0026bb1bbb55516, 0x3fb9999999999998),
            (0xc00d99999999999a, 0x3f99511fc6871044),
            (0xc01d000000000000, 0x3f47455fe323fafd),
            (0xc034000000000000, 0x3e21b48655f37267),
            (0xc042c00000000000, 0x3c8dd5c566301ec8),
            (0xc059000000000000, 0x36ea8c1f14e2af5d),
            (0xc085e00000000000, 0xd14f2b0fb9307f),
            (0xc08748cccccccccd, 0x1),
            (0xc08749999999999a, 0x0),
            (0xc087500000000000, 0x0),
            (0x3fd3333333333333, 0x3ff599058c8c1a96),
            (0x3ff0000000000000, 0x4005bf0a8b145769),
            (0x4024000000000000, 0x40d5829dcf950560),
            (0x40862d999999999a, 0x7ff0000000000000),
            (0xbfc2492492492492, 0x3febbd76b8a1ab98),
            (0xbfc999999999999a, 0x3fea330ad616615a),
            (0xbfd89d89d89d89d9, 0x3fe5c8655e18fb36),
            (0xbfe4000000000000, 0x3fe120dc934993e8),
            (0xbfeca1af286bca1b, 0x3fda28638d1b88d5),
            (0xbff2e8ba2e8ba2e9, 0x3fd3a14f42f3572e),
            (0xbff7ae147ae147ae, 0x3fcd233b557906a1),
            (0xbffc924924924925, 0x3fc57672b5d60b7a),
            (0xc000c6318c6318c6, 0x3fbf733bff12cc7f),
            (0xc0034b4b4b4b4b4b, 0x3fb6f3c1cb40c796),
            (0xc005d67c8a60dd68, 0x3fb0b35de11ac4c1),
            (0xc008666666666666, 0x3fa83f6dcede0c39),
            (0xc00afa0be82fa0bf, 0x3fa1921815098e6f),
            (0xc00d90b21642c859, 0x3f996d5d40d874e0),
            (0xc01014e5e0a72f05, 0x3f9260576d2f86af),
            (0xc011627627627627, 0x3f8a88f6abb6cca6),
            (0xc012b0df6b0df6b1, 0x3f832462b13b6fea),
            (0xc014000000000000, 0x3f7b993fe00d5376),
            (0xc0154fbcda3ac10d, 0x3f73e236458dfa27),
            (0xc016a00000000000, 0x3f6ca2ce6b15576a),
            (0xc017f0b7672a07a4, 0x3f649c7d253f9e7f),
            (0xc01941d41d41d41d, 0x3f5da8c617afeea9),
            (0xc01a9349a4d26935, 0x3f5555152f70cfd5),
            (0xc01be50d79435e51, 0x3f4ead64996a294f),
            (0xc01d3716aefcc26e, 0x3f460d59e696967c),
            (0xc01e895da895da89, 0x3f3fb25290e45b07),
            (0xc01fdbdbdbdbdbdc, 0x3f36c650da38de8c),
            (0xc0209745d1745d17, 0x3f305c6a60a5481c),
            (0xc02140b40b40b40b, 0x3f2780c52dc4ce32),
            (0xc021ea3677d46cf0, 0x3f20e0f5917d511a),
            (0xc02293cb376c34c9, 0x3f183d5947af3f3e),
            (0xc0233d70a3d70a3d, 0x3f11673296331aa5),
            (0xc023e7254813e22d, 0x3f08fc92893fc2f0),
            (0xc02490e7d95bc60a, 0x3f01ef77b9a74fad),
            (0xc0253ab7315233ab, 0x3ef9bee148b26a7e),
            (0xc025e49249249249, 0x3ef27a0e88b3d4a5),
            (0xc0268e78356d1409, 0x3eea84a660ebc652),
            (0xc027386822b63cbf, 0x3ee3073721939191),
            (0xc027e26152832c6e, 0x3edb4e372752f410),
            (0xc0288c6318c6318c, 0x3ed3972a95481078),
        ];
        for (table, fma) in [(with_fma, true), (without_fma, false)] {
            for &(x, want) in table {
                let x = f64::from_bits(x);
                assert_eq!(exp_amd64(x, fma).to_bits(), want, "exp({x}) fma={fma}");
            }
        }
    }

    #[test]
    fn float_to_int_like_amd64() {
        assert_eq!(f64_to_i64(1.9), 1);
        assert_eq!(f64_to_i64(-1.9), -1);
        assert_eq!(f64_to_i64(f64::NAN), i64::MIN);
        assert_eq!(f64_to_i64(1e19), i64::MIN);
    }

    #[test]
    fn scale_matches_pprof_examples() {
        // From pprof's gobench.heap.string: 1 sample of 829411 bytes... the
        // file's values are checked by the conformance test; here sanity.
        assert_eq!(scale_heap_sample(0, 5, 100), (0, 0));
        assert_eq!(scale_heap_sample(5, 0, 100), (0, 0));
        assert_eq!(scale_heap_sample(3, 30, 1), (3, 30));
        let (c, s) = scale_heap_sample(1, 4096, 4096);
        assert_eq!((c, s), (1, 6479));
    }
}
