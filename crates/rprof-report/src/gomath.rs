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

fn use_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        true
    }
}

/// `math.Exp` on amd64 (`archExp` in `exp_amd64.s`).
pub fn exp(x: f64) -> f64 {
    exp_with(x, use_fma())
}

fn exp_with(x: f64, fma: bool) -> f64 {
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
}
