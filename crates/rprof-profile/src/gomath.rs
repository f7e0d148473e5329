//! Go's `math` functions as the Go toolchain computes them on amd64, for
//! the few places where pprof's output depends on the last bit of a
//! float: the entropy score that orders the nodes of a DOT graph
//! (`math.Log2`) and the colours of its nodes and edges (`math.Pow`).
//!
//! On amd64 `math.Log` and `math.Exp` are assembly routines
//! (`log_amd64.s`, `exp_amd64.s`) whose results can differ from the C
//! library's in the last bit, and `math.Exp` takes a fused multiply-add
//! path on CPUs with AVX and FMA. Both are ported instruction by
//! instruction; `Pow` and `Log2` are Go's portable code over them.

/// Go's `math.Frexp`.
pub fn frexp(f: f64) -> (f64, i32) {
    if f == 0.0 || f.is_infinite() || f.is_nan() {
        return (f, 0);
    }
    let (mut f, mut exp) = (f, 0i32);
    if f.abs() < f64::MIN_POSITIVE {
        f *= (1u64 << 52) as f64;
        exp = -52;
    }
    let mut x = f.to_bits();
    exp += ((x >> 52) & 0x7ff) as i32 - 1023 + 1;
    x &= !(0x7ffu64 << 52);
    x |= 1022u64 << 52;
    (f64::from_bits(x), exp)
}

/// `math.Log` on amd64 (`archLog` in `log_amd64.s`).
pub fn log(x: f64) -> f64 {
    const HSQRT2: f64 = std::f64::consts::FRAC_1_SQRT_2;
    let ln2_hi = f64::from_bits(0x3fe6_2e42_fee0_0000);
    let ln2_lo = f64::from_bits(0x3dea_39ef_3579_3c76);
    let l1 = f64::from_bits(0x3FE5_5555_5555_5593);
    let l2 = f64::from_bits(0x3FD9_9999_9997_FA04);
    let l3 = f64::from_bits(0x3FD2_4924_9422_9359);
    let l4 = f64::from_bits(0x3FCC_71C5_1D8E_78AF);
    let l5 = f64::from_bits(0x3FC7_4664_96CB_03DE);
    let l6 = f64::from_bits(0x3FC3_9A09_D078_C69F);
    let l7 = f64::from_bits(0x3FC2_F112_DF3E_5244);

    let bits = x.to_bits();
    if bits & !(1u64 << 63) == 0 {
        return f64::NEG_INFINITY;
    }
    if (bits as i64) < 0 {
        return f64::from_bits(0x7FF8_0000_0000_0001);
    }
    if bits >= 0x7FF0_0000_0000_0000 {
        return x;
    }
    let mut f1 = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FE0_0000_0000_0000);
    let mut k = (((bits >> 52) & 0x7FF) as i32 - 0x3FE) as f64;
    // CMPSD $5 (not-less-than): HSqrt2 >= f1.
    let adjust = if HSQRT2 < f1 { 0.0 } else { 1.0 };
    k -= adjust;
    f1 *= adjust + 1.0;
    let f = f1 - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let s4 = s2 * s2;
    let t1 = (((l7 * s4 + l5) * s4 + l3) * s4 + l1) * s2;
    let t2 = ((l6 * s4 + l4) * s4 + l2) * s4;
    let r = t1 + t2;
    let hfsq = 0.5 * f * f;
    let a = s * (hfsq + r) + ln2_lo * k;
    let b = (hfsq - a) - f;
    k * ln2_hi - b
}

/// `math.Log2` (Go's portable code over [`log`]).
pub fn log2(x: f64) -> f64 {
    let (frac, exp) = frexp(x);
    if frac == 0.5 {
        return (exp - 1) as f64;
    }
    log(frac) * std::f64::consts::LOG2_E + exp as f64
}

/// Whether Go takes `exp_amd64.s`'s fused multiply-add path (AVX and FMA).
fn use_fma() -> bool {
    use std::sync::OnceLock;
    static FMA: OnceLock<bool> = OnceLock::new();
    *FMA.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx") && std::arch::is_x86_feature_detected!("fma")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            true
        }
    })
}

/// `math.Exp`: on x86-64 Go's assembly routine (`archExp` in
/// `exp_amd64.s`), elsewhere Go's portable algorithm (FreeBSD's). Used by
/// the DOT colours and by the heap profile reader's unsampling.
pub fn exp(x: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        exp_with(x, use_fma())
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        exp_go(x)
    }
}

pub(crate) fn exp_with(x: f64, fma: bool) -> f64 {
    // The constants of exp_amd64.s, as the bits Go's assembler makes of
    // their decimal spellings.
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    let ln2u = f64::from_bits(0x3fe6_2e42_fefa_3000);
    let ln2l = f64::from_bits(0x3d53_de6a_f278_ece6);
    let overflow = f64::from_bits(0x4086_2e42_fefa_39ef);
    let c: [f64; 9] = [
        0.5,
        1.0,
        2.0,
        f64::from_bits(0x3fc5_5555_5555_5555),
        f64::from_bits(0x3fa5_5555_5555_5555),
        f64::from_bits(0x3f81_1111_1111_1111),
        f64::from_bits(0x3f56_c16c_16c1_6c17),
        f64::from_bits(0x3f2a_01a0_1a01_a01a),
        f64::from_bits(0x3efa_01a0_1a01_a01a),
    ];
    let bits = x.to_bits();
    if bits & !(1u64 << 63) >= 0x7FF0_0000_0000_0000 {
        if x == f64::NEG_INFINITY {
            return 0.0;
        }
        return x;
    }
    if x > overflow {
        return f64::INFINITY;
    }
    // CVTSD2SL: round to nearest even, 0x80000000 when out of range.
    let t = LOG2E * x;
    let mut e: i32 = if (-2_147_483_648.0..2_147_483_648.0).contains(&t.round_ties_even()) {
        t.round_ties_even() as i32
    } else {
        i32::MIN
    };
    let k = e as f64;
    let mut x0;
    if fma {
        x0 = (-ln2u).mul_add(k, x);
        x0 = (-ln2l).mul_add(k, x0);
        x0 *= 0.0625;
        let mut x1 = c[8];
        for coef in [c[7], c[6], c[5], c[4], c[3], c[0], c[1]] {
            x1 = x1.mul_add(x0, coef);
        }
        x0 *= x1;
        for _ in 0..3 {
            let x1 = x0 + c[2];
            x0 *= x1;
        }
        let x1 = x0 + c[2];
        x0 = x0.mul_add(x1, c[1]);
    } else {
        x0 = x - ln2u * k;
        x0 -= ln2l * k;
        x0 *= 0.0625;
        let mut x1 = c[8];
        for coef in [c[7], c[6], c[5], c[4], c[3], c[0], c[1]] {
            x1 = x1 * x0 + coef;
        }
        x0 *= x1;
        for _ in 0..4 {
            let x1 = c[2] + x0;
            x0 *= x1;
        }
        x0 += c[1];
    }
    // ldexp
    e = e.wrapping_add(0x3FF);
    if e <= 0 {
        if e < -52 {
            return 0.0;
        }
        let b = (e + 0x3FE) as u32 as u64;
        x0 *= f64::from_bits(b << 52);
        e = 1;
    } else if e >= 0x7FF {
        return f64::INFINITY;
    }
    x0 * f64::from_bits((e as u32 as u64) << 52)
}

/// Go's `math.Pow`, for the finite positive bases pprof passes it.
pub fn pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 {
        return if y < 0.0 { f64::INFINITY } else { 0.0 };
    }
    if y == 0.5 {
        return x.sqrt();
    }
    if y == -0.5 {
        return 1.0 / x.sqrt();
    }
    let ay = y.abs();
    let mut yi = ay.trunc();
    let mut yf = ay - yi;
    if yf != 0.0 && x < 0.0 {
        return f64::NAN;
    }
    let mut a1 = 1.0;
    let mut ae: i64 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        a1 = exp(yf * log(x));
    }
    let (mut x1, xe) = frexp(x);
    let (mut x1e, mut i) = (i64::from(xe), yi as i64);
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&x1e) {
            ae += x1e;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += x1e;
        }
        x1 *= x1;
        x1e <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            x1e -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae)
}

/// Go's `math.Ldexp`.
pub fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || frac.is_infinite() || frac.is_nan() {
        return frac;
    }
    let (mut frac, e) = if frac.abs() < f64::MIN_POSITIVE {
        (frac * (1u64 << 52) as f64, -52i64)
    } else {
        (frac, 0)
    };
    let mut exp = exp + e;
    let mut x = frac.to_bits();
    exp += ((x >> 52) & 0x7ff) as i64 - 1023;
    if exp < -1075 {
        return if frac < 0.0 { -0.0 } else { 0.0 };
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

/// Go's `math.Min`: NaN if either is NaN.
pub fn min(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y { x } else { y }
}

/// Go's `math.Max`: NaN if either is NaN.
pub fn max(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y { x } else { y }
}

/// Port of Go's portable `math.exp` (src/math/exp.go).
#[allow(clippy::excessive_precision, clippy::approx_constant, dead_code)]
fn exp_go(x: f64) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_to_libm() {
        for &x in &[1e-9, 0.001, 0.1, 0.25, 0.5, 0.7072, 0.9, 1.0, 2.0, 3.5, 1e6] {
            let l = log(x);
            assert!((l - x.ln()).abs() <= 1e-15 * l.abs().max(1.0), "log {x}");
            let l2 = log2(x);
            assert!(
                (l2 - x.log2()).abs() <= 1e-15 * l2.abs().max(1.0),
                "log2 {x}"
            );
            let p = pow(x, 0.3);
            assert!((p - x.powf(0.3)).abs() <= 1e-14 * p, "pow {x}");
            for fma in [false, true] {
                let y = -x.min(700.0);
                let e = exp_with(y, fma);
                assert!((e - y.exp()).abs() <= 1e-14 * e.max(1e-300), "exp {y}");
            }
        }
        assert_eq!(log2(8.0), 3.0);
        assert_eq!(log2(0.5), -1.0);
        assert_eq!(frexp(8.0), (0.5, 4));
    }

    #[test]
    fn exp_is_close_to_libm() {
        for &x in &[
            -1e-9, -0.001, -0.5, -1.0, -3.7, -20.0, -700.0, -745.5, 0.0, 1.0, 10.0, 700.0,
        ] {
            for fma in [false, true] {
                let a = exp_with(x, fma);
                let b = x.exp();
                assert!(
                    (a - b).abs() <= b * 1e-15 + f64::MIN_POSITIVE,
                    "{x}: {a} vs {b}"
                );
            }
            let c = exp_go(x);
            assert!((c - x.exp()).abs() <= x.exp() * 1e-15 + f64::MIN_POSITIVE);
        }
        assert_eq!(exp_with(f64::NEG_INFINITY, false), 0.0);
        assert!(exp_with(f64::NAN, true).is_nan());
        assert_eq!(exp_with(1000.0, false), f64::INFINITY);
        assert_eq!(exp_with(-1e10, false), 0.0);
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
                assert_eq!(exp_with(x, fma).to_bits(), want, "exp({x}) fma={fma}");
            }
        }
    }
}
