//! pprof's unit arithmetic and value formatting, an exact port of
//! `internal/measurement/measurement.go`.
//!
//! Every number a report prints goes through here, so the rules are kept
//! exactly as pprof has them, quirks included:
//!
//! * a unit is recognised by lower-casing it and, when it is longer than
//!   two *bytes*, removing one trailing `s` (`bytes` → `byte`, `hrs` →
//!   `hr`). `μs` is three bytes long, so it becomes `μ` and is *not*
//!   recognised although `μs` is listed as an alias; `us` is;
//! * memory units are 1024-based; there is no minute between `s` and `hrs`;
//! * a value in an unknown unit is not scaled, and the unit is printed as
//!   given unless it is `count`, `sample`, `unit`, `minimum` or `auto`;
//! * numbers are formatted as Go's `%.2f` and `%5.2g` format them (exact
//!   decimal value of the double, ties to even), see [`go_fmt_g`].

use std::borrow::Cow;

/// One unit: its printed name, the names it is recognised by (after
/// [`UnitType::sniff_unit`]'s simplification) and how many base units it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// The name reports print (`MB`, `ms`, `hrs`, `GCU`): pprof's
    /// `CanonicalName`.
    pub canonical_name: &'static str,
    aliases: &'static [&'static str],
    /// How many of the family's base unit one of this unit is: bytes for
    /// memory (1024-based: `MB` is 1048576), nanoseconds for time (`s`
    /// is 1e9), GCU for GCU (`m*GCU` is 1e-3).
    pub factor: f64,
}

/// A family of units (memory, time, GCU) and the unit a value falls back
/// to when asked for a unit the family does not know.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitType {
    /// The unit a value of this family is shown in when the unit asked
    /// for is empty or unknown: `B`, `s` or `GCU` (pprof's
    /// `DefaultUnit`).
    pub default_unit: Unit,
    /// The family's units, smallest first; `auto`/`minimum` scaling
    /// picks the largest the value is at least one of.
    pub units: &'static [Unit],
}

const fn unit(canonical_name: &'static str, aliases: &'static [&'static str], factor: f64) -> Unit {
    Unit {
        canonical_name,
        aliases,
        factor,
    }
}

const MEMORY_UNITS: &[Unit] = &[
    unit("B", &["b", "byte"], 1.0),
    unit("kB", &["kb", "kbyte", "kilobyte"], (1u64 << 10) as f64),
    unit("MB", &["mb", "mbyte", "megabyte"], (1u64 << 20) as f64),
    unit("GB", &["gb", "gbyte", "gigabyte"], (1u64 << 30) as f64),
    unit("TB", &["tb", "tbyte", "terabyte"], (1u64 << 40) as f64),
    unit("PB", &["pb", "pbyte", "petabyte"], (1u64 << 50) as f64),
];

const TIME_UNITS: &[Unit] = &[
    unit("ns", &["ns", "nanosecond"], 1.0),
    unit("us", &["μs", "us", "microsecond"], 1e3),
    unit("ms", &["ms", "millisecond"], 1e6),
    unit("s", &["s", "sec", "second"], 1e9),
    unit("hrs", &["hour", "hr"], 3600e9),
];

const GCU_UNITS: &[Unit] = &[
    unit("n*GCU", &["nanogcu"], 1e-9),
    unit("u*GCU", &["microgcu"], 1e-6),
    unit("m*GCU", &["milligcu"], 1e-3),
    unit("GCU", &["gcu"], 1.0),
    unit("k*GCU", &["kilogcu"], 1e3),
    unit("M*GCU", &["megagcu"], 1e6),
    unit("G*GCU", &["gigagcu"], 1e9),
    unit("T*GCU", &["teragcu"], 1e12),
    unit("P*GCU", &["petagcu"], 1e15),
];

/// The units pprof knows (its `UnitTypes`), in its order: memory, time, GCU.
pub static UNIT_TYPES: [UnitType; 3] = [
    UnitType {
        units: MEMORY_UNITS,
        default_unit: unit("B", &["b", "byte"], 1.0),
    },
    UnitType {
        units: TIME_UNITS,
        default_unit: unit("s", &[], 1e9),
    },
    UnitType {
        units: GCU_UNITS,
        default_unit: unit("GCU", &[], 1.0),
    },
];

/// Go's `strings.ToLower`: rune by rune, simple case mapping (no final
/// sigma rule; `İ` becomes `i`).
fn go_to_lower(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_uppercase()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(l), None) => out.push(l),
            // Only U+0130 lower-cases to more than one char; Go's simple
            // mapping gives plain `i`.
            (Some(l), Some(_)) => out.push(l),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

impl UnitType {
    /// The unit having `alias` among its aliases (`findByAlias`).
    fn find_by_alias(&self, alias: &str) -> Option<&'static Unit> {
        self.units.iter().find(|u| u.aliases.contains(&alias))
    }

    /// The unit `unit` names, after lower-casing it and removing one
    /// trailing `s` if it is longer than two bytes (`sniffUnit`).
    pub fn sniff_unit(&self, unit: &str) -> Option<&'static Unit> {
        let lower = go_to_lower(unit);
        let mut u: &str = &lower;
        if u.len() > 2 {
            u = u.strip_suffix('s').unwrap_or(u);
        }
        self.find_by_alias(u)
    }

    /// `value` (in base units) in the largest unit it is at least one of
    /// (`autoScale`).
    fn auto_scale(&self, value: f64) -> Option<(f64, &'static str)> {
        let mut f = 0.0;
        let mut name = "";
        for u in self.units {
            if u.factor >= f && (value / u.factor) >= 1.0 {
                f = u.factor;
                name = u.canonical_name;
            }
        }
        if f == 0.0 {
            return None;
        }
        Some((value / f, name))
    }

    /// `convertUnit`: None when `from_unit` is not of this family.
    fn convert_unit(
        &self,
        value: i64,
        from_unit: &str,
        to_unit: &str,
    ) -> Option<(f64, &'static str)> {
        let from = self.sniff_unit(from_unit)?;
        let v = value as f64 * from.factor;
        if to_unit == "minimum" || to_unit == "auto" {
            if let Some(r) = self.auto_scale(v) {
                return Some(r);
            }
            return Some((
                v / self.default_unit.factor,
                self.default_unit.canonical_name,
            ));
        }
        match self.sniff_unit(to_unit) {
            None => Some((
                v / self.default_unit.factor,
                self.default_unit.canonical_name,
            )),
            Some(to) => Some((v / to.factor, to.canonical_name)),
        }
    }
}

/// Like [`scale`], without allocating: the unit is a canonical unit name,
/// `""`, or `to_unit` itself.
pub fn scale_ref<'a>(value: i64, from_unit: &str, to_unit: &'a str) -> (f64, &'a str) {
    // Go: `if value < 0 && -value > 0`, which is false for i64::MIN.
    if value < 0 && value.wrapping_neg() > 0 {
        let (v, u) = scale_ref(-value, from_unit, to_unit);
        return (-v, u);
    }
    for ut in &UNIT_TYPES {
        if let Some(r) = ut.convert_unit(value, from_unit, to_unit) {
            return r;
        }
    }
    match to_unit {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, ""),
        _ => (value as f64, to_unit),
    }
}

/// pprof's Scale: `value` in `from_unit` converted to `to_unit`; returns
/// (scaled value, unit label).
///
/// `minimum` and `auto` pick the unit by magnitude (the largest unit the
/// value is at least 1 of). An empty or unrecognised `to_unit` does *not*:
/// a value of a known family then comes back in the family's default unit
/// (`s`, `B`, `GCU`). A value of an unknown unit is returned unchanged,
/// labelled `to_unit`, or `""` for `count`/`sample`/`unit`/`minimum`/`auto`.
pub fn scale(value: i64, from_unit: &str, to_unit: &str) -> (f64, String) {
    let (v, u) = scale_ref(value, from_unit, to_unit);
    (v, u.to_string())
}

/// pprof's Label: scale(value, unit, "auto") formatted.
pub fn label(value: i64, unit: &str) -> String {
    scaled_label(value, unit, "auto")
}

/// pprof's ScaledLabel: "%.2f" of the scaled value, trailing ".00" removed, unit appended; "0" for zero.
pub fn scaled_label(value: i64, from_unit: &str, to_unit: &str) -> String {
    let (v, u) = scale_ref(value, from_unit, to_unit);
    let mut s = format!("{v:.2}");
    if s.ends_with(".00") {
        s.truncate(s.len() - 3);
    }
    if s == "0" || s == "-0" {
        return "0".to_string();
    }
    s.push_str(u);
    s
}

/// pprof's Percentage.
///
/// `  100%` within 0.05 of 100, `%5.2f%%` from 1%, `%5.2g%%` below (so
/// `  0.6%`, `0.018%`, `1.6e-06%`, `    0%`). The sign is dropped.
pub fn percentage(value: i64, total: i64) -> String {
    let ratio = if total != 0 {
        (value as f64 / total as f64).abs() * 100.0
    } else {
        0.0
    };
    if ratio.abs() >= 99.95 && ratio.abs() <= 100.05 {
        "  100%".to_string()
    } else if ratio.abs() >= 1.0 {
        format!("{ratio:5.2}%")
    } else {
        format!("{:>5}%", go_fmt_g(ratio, 2))
    }
}

/// pprof's `compatibleValueTypes`: type names equal after removing one
/// trailing `s` from each, and units equal or of the same family.
pub fn compatible_value_types(a: (&str, &str), b: (&str, &str)) -> bool {
    let (t1, t2) = (
        a.0.strip_suffix('s').unwrap_or(a.0),
        b.0.strip_suffix('s').unwrap_or(b.0),
    );
    if t1 != t2 {
        return false;
    }
    if a.1 == b.1 {
        return true;
    }
    UNIT_TYPES
        .iter()
        .any(|ut| ut.sniff_unit(a.1).is_some() && ut.sniff_unit(b.1).is_some())
}

/// pprof's CommonValueType over `(type, unit)` pairs: the index of the
/// finest of them (the first one when several are equally fine), `None`
/// for fewer than two (pprof returns nil then and nothing is rescaled).
/// `Err((i, j))` when `ts[i]`, the finest found so far, is incompatible
/// with `ts[j]` (pprof reports exactly that pair).
pub fn common_value_type(ts: &[(&str, &str)]) -> Result<Option<usize>, (usize, usize)> {
    if ts.len() <= 1 {
        return Ok(None);
    }
    let mut min = 0;
    for (j, t) in ts.iter().enumerate().skip(1) {
        if !compatible_value_types(ts[min], *t) {
            return Err((min, j));
        }
        if scale_ref(1, t.1, ts[min].1).0 < 1.0 {
            min = j;
        }
    }
    Ok(Some(min))
}

/// Go's `int64(f)` for a float64 as compiled for amd64: truncation toward
/// zero, and `math.MinInt64` for NaN and out-of-range values (Rust's `as`
/// would saturate instead).
#[inline]
pub fn go_f64_to_i64(f: f64) -> i64 {
    // On x86-64 that is the instruction Go compiles it to (CVTTSD2SI,
    // whose answer for NaN and out of range is i64::MIN): one instruction
    // instead of two compares and a select, for every event of a trace.
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_cvttsd_si64, _mm_set_sd};
        // SAFETY: SSE2, which these intrinsics need, is part of x86-64.
        #[allow(unused_unsafe)]
        unsafe {
            _mm_cvttsd_si64(_mm_set_sd(f))
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    go_f64_to_i64_portable(f)
}

/// [`go_f64_to_i64`] spelled out, for the other architectures (and, on
/// x86-64, the tests of the instruction).
#[cfg(any(test, not(target_arch = "x86_64")))]
#[inline]
fn go_f64_to_i64_portable(f: f64) -> i64 {
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `fmt.Sprintf("%.<prec>g", v)`: `prec` significant digits (exact
/// decimal rounding, ties to even), trailing zeros removed, exponent form
/// (`1.6e-06`, at least two exponent digits) when the decimal exponent is
/// below -4 or at least the precision.
pub fn go_fmt_g(v: f64, prec: usize) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let prec = prec.max(1);
    let mut out = String::new();
    if v.is_sign_negative() {
        out.push('-');
    }
    let a = v.abs();
    // The digits and decimal point position of `a` rounded to `prec`
    // significant digits, trailing zeros removed (Go's `decimalSlice`).
    let (digits, dp): (Vec<u8>, i64) = if a == 0.0 {
        (Vec::new(), 0)
    } else {
        let e = format!("{:.*e}", prec - 1, a);
        let (mant, exp) = e.split_once('e').expect("exponent");
        let exp: i64 = exp.parse().expect("exponent");
        let mut d: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
        while d.last() == Some(&b'0') {
            d.pop();
        }
        (d, exp + 1)
    };
    let nd = digits.len() as i64;
    let mut eprec = prec as i64;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    let exp = dp - 1;
    if exp < -4 || exp >= eprec {
        // %e with min(prec, nd) - 1 decimals.
        let p = (prec as i64).min(nd) - 1;
        out.push(if nd > 0 { digits[0] as char } else { '0' });
        if p > 0 {
            out.push('.');
            for i in 1..=p {
                out.push(if i < nd {
                    digits[i as usize] as char
                } else {
                    '0'
                });
            }
        }
        out.push('e');
        let x = if nd == 0 { 0 } else { dp - 1 };
        out.push(if x < 0 { '-' } else { '+' });
        let x = x.abs();
        if x < 10 {
            out.push('0');
        }
        out.push_str(&x.to_string());
    } else {
        // %f with max(p - dp, 0) decimals.
        let p = if prec as i64 > dp { nd } else { prec as i64 };
        let decimals = (p - dp).max(0);
        if dp > 0 {
            for i in 0..dp {
                out.push(if i < nd {
                    digits[i as usize] as char
                } else {
                    '0'
                });
            }
        } else {
            out.push('0');
        }
        if decimals > 0 {
            out.push('.');
            for i in 1..=decimals {
                let j = dp + i - 1;
                out.push(if j >= 0 && j < nd {
                    digits[j as usize] as char
                } else {
                    '0'
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff() {
        let mem = &UNIT_TYPES[0];
        let time = &UNIT_TYPES[1];
        assert_eq!(mem.sniff_unit("bytes").unwrap().canonical_name, "B");
        assert_eq!(mem.sniff_unit("KB").unwrap().canonical_name, "kB");
        assert_eq!(time.sniff_unit("nanoseconds").unwrap().canonical_name, "ns");
        assert_eq!(time.sniff_unit("hrs").unwrap().canonical_name, "hrs");
        assert_eq!(time.sniff_unit("us").unwrap().canonical_name, "us");
        // Three bytes long, so the `s` is stripped: pprof never matches it.
        assert!(time.sniff_unit("μs").is_none());
        assert!(time.sniff_unit("minutes").is_none());
        assert!(mem.sniff_unit("count").is_none());
    }

    #[test]
    fn common_types() {
        assert_eq!(common_value_type(&[("cpu", "nanoseconds")]), Ok(None));
        assert_eq!(
            common_value_type(&[
                ("cpu", "milliseconds"),
                ("cpu", "nanoseconds"),
                ("cpu", "ns")
            ]),
            Ok(Some(1))
        );
        assert_eq!(
            common_value_type(&[("samples", "count"), ("sample", "count")]),
            Ok(Some(0))
        );
        assert_eq!(
            common_value_type(&[("cpu", "nanoseconds"), ("wall", "nanoseconds")]),
            Err((0, 1))
        );
        assert_eq!(
            common_value_type(&[("x", "bytes"), ("x", "seconds")]),
            Err((0, 1))
        );
        assert_eq!(
            common_value_type(&[("x", "foo"), ("x", "bar")]),
            Err((0, 1))
        );
    }

    #[test]
    fn go_int_conversion() {
        assert_eq!(go_f64_to_i64(2.9), 2);
        assert_eq!(go_f64_to_i64(-2.9), -2);
        assert_eq!(go_f64_to_i64(1e19), i64::MIN);
        assert_eq!(go_f64_to_i64(f64::NAN), i64::MIN);
        // The cases the legacy heap reader's copy was tested with.
        assert_eq!(go_f64_to_i64(1.9), 1);
        assert_eq!(go_f64_to_i64(-1.9), -1);
        // The edges, against the portable rule.
        for f in [
            0.0,
            -0.0,
            0.5,
            -0.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -f64::NAN,
            9_223_372_036_854_775_807.0,
            9_223_372_036_854_774_784.0,
            -9_223_372_036_854_775_808.0,
            -9_223_372_036_854_777_856.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            4.5e15,
            -4.5e15,
        ] {
            assert_eq!(go_f64_to_i64(f), go_f64_to_i64_portable(f), "{f:e}");
        }
    }

    #[test]
    fn percentage_matches_go() {
        for &(v, t, want) in GO_PERCENTAGE {
            assert_eq!(percentage(v, t), want, "Percentage({v}, {t})");
        }
    }

    #[test]
    fn scaled_label_matches_go() {
        for &(v, from, to, want) in GO_SCALED_LABEL {
            assert_eq!(
                scaled_label(v, from, to),
                want,
                "ScaledLabel({v}, {from:?}, {to:?})"
            );
            if to == "auto" {
                assert_eq!(label(v, from), want, "Label({v}, {from:?})");
            }
        }
    }

    #[test]
    fn scale_matches_go() {
        for &(v, from, to, bits, unit) in GO_SCALE {
            let (f, u) = scale(v, from, to);
            assert_eq!(
                (f.to_bits(), u.as_str()),
                (bits, unit),
                "Scale({v}, {from:?}, {to:?}) = {f}"
            );
        }
    }

    #[test]
    fn float_formats_match_go() {
        for &(v, g1, g2, g3, g2w, f2, f2w) in GO_FLOATS {
            assert_eq!(go_fmt_g(v, 1), g1, "%.1g of {v:e}");
            assert_eq!(go_fmt_g(v, 2), g2, "%.2g of {v:e}");
            assert_eq!(go_fmt_g(v, 3), g3, "%.3g of {v:e}");
            assert_eq!(format!("{:>5}", go_fmt_g(v, 2)), g2w, "%5.2g of {v:e}");
            assert_eq!(format!("{v:.2}"), f2, "%.2f of {v:e}");
            assert_eq!(format!("{v:5.2}"), f2w, "%5.2f of {v:e}");
        }
    }

    // Produced by Go's fmt (go1.27.3) through pprof's measurement.Percentage.
    #[rustfmt::skip]
    const GO_PERCENTAGE: &[(i64, i64, &str)] = &[
        (1, 3, "33.33%"),
        (2, 3, "66.67%"),
        (0, 5, "    0%"),
        (5, 0, "    0%"),
        (1, 1000000, "0.0001%"),
        (1, 625000, "0.00016%"),
        (9995, 10000, "  100%"),
        (10005, 10000, "  100%"),
        (99949, 100000, "99.95%"),
        (100051, 100000, "100.05%"),
        (-5, 10, "50.00%"),
        (5, -10, "50.00%"),
        (1, 8, "12.50%"),
        (1, 80, " 1.25%"),
        (1, 800, " 0.12%"),
        (1, 8000, "0.013%"),
        (995, 100000, "    1%"),
        (9949, 1000000, " 0.99%"),
        (9950, 1000000, "    1%"),
        (99, 10000, " 0.99%"),
        (1, 100, " 1.00%"),
        (149214, 100, "149214.00%"),
        (18, 100000, "0.018%"),
        (16, 10000000000, "1.6e-07%"),
        (12345, 1000, "1234.50%"),
        (1, 200, "  0.5%"),
        (1, 400, " 0.25%"),
        (3, 400, " 0.75%"),
        (5, 1000, "  0.5%"),
        (15, 1000, " 1.50%"),
        (25, 1000, " 2.50%"),
        (125, 100000, " 0.12%"),
        (7, 7, "  100%"),
        (9223372036854775807, 1, "922337203685477580800.00%"),
        (-9223372036854775808, 1, "922337203685477580800.00%"),
        (1, 9223372036854775807, "1.1e-17%"),
        (43, 75, "57.33%"),
        (11, 75, "14.67%"),
        (2, 75, " 2.67%"),
        (1, 75, " 1.33%"),
        (119096, 231278676, "0.051%"),
        (954285, 526624010, " 0.18%"),
        (2985776, 883513248, " 0.34%"),
        (87440, 461764185, "0.019%"),
        (139862, 146214991, "0.096%"),
        (4521223, 970870045, " 0.47%"),
        (298289, 212866760, " 0.14%"),
        (44465, 269163099, "0.017%"),
        (95697, 402388479, "0.024%"),
        (944412, 618757661, " 0.15%"),
        (3922739, 735054282, " 0.53%"),
        (15576, 108524047, "0.014%"),
        (813976, 831672017, "0.098%"),
        (2696130, 910038488, "  0.3%"),
        (621237, 108316619, " 0.57%"),
        (1416326, 544653920, " 0.26%"),
        (64934, 696416792, "0.0093%"),
        (191338, 25336883, " 0.76%"),
        (543056, 417821485, " 0.13%"),
        (36033, 617101899, "0.0058%"),
        (2783390, 804500991, " 0.35%"),
        (16089334, 637259756, " 2.52%"),
        (204002, 246239904, "0.083%"),
        (483825, 685163288, "0.071%"),
        (478409, 719568103, "0.066%"),
        (3174999, 584303979, " 0.54%"),
        (1205553, 786193434, " 0.15%"),
        (12697928, 871203353, " 1.46%"),
        (566966, 931753774, "0.061%"),
        (432989, 434118526, "  0.1%"),
        (531, 59334250, "0.00089%"),
        (186903, 367627933, "0.051%"),
        (1454118, 882600664, " 0.16%"),
        (348899, 494793138, "0.071%"),
        (3138416, 206596991, " 1.52%"),
        (738817, 989325345, "0.075%"),
        (1443099, 660838269, " 0.22%"),
        (28865, 181751163, "0.016%"),
        (13543, 10381718, " 0.13%"),
        (1669443, 835543504, "  0.2%"),
        (31942, 298761580, "0.011%"),
        (110688, 204160456, "0.054%"),
        (290011, 561866939, "0.052%"),
        (1822816, 580204155, " 0.31%"),
        (31838, 436002973, "0.0073%"),
        (104479, 332401304, "0.031%"),
        (424743, 374479279, " 0.11%"),
        (2019528, 478660290, " 0.42%"),
        (46592, 201548100, "0.023%"),
        (190132, 447394206, "0.042%"),
        (3865477, 774607410, "  0.5%"),
        (2705539, 304037119, " 0.89%"),
        (2699821, 869124690, " 0.31%"),
        (9984844, 786937152, " 1.27%"),
        (99783, 144423428, "0.069%"),
        (21229, 370225667, "0.0057%"),
        (193476, 185324696, "  0.1%"),
        (745265, 633336573, " 0.12%"),
        (2210552, 202035111, " 1.09%"),
        (180632, 679714569, "0.027%"),
    ];
    // Produced by Go's fmt (go1.27.3) through pprof's measurement.ScaledLabel.
    #[rustfmt::skip]
    const GO_SCALED_LABEL: &[(i64, &str, &str, &str)] = &[
        (5, "nanoseconds", "auto", "5ns"),
        (1000000, "nanoseconds", "auto", "1ms"),
        (1099511627776, "nanoseconds", "auto", "1099.51s"),
        (1152921504606846976, "nanoseconds", "auto", "320255.97hrs"),
        (125, "nanoseconds", "auto", "125ns"),
        (0, "nanoseconds", "minimum", "0"),
        (1025, "nanoseconds", "minimum", "1.02us"),
        (1000000000, "nanoseconds", "minimum", "1s"),
        (430000000, "nanoseconds", "minimum", "430ms"),
        (1025, "nanoseconds", "", "0"),
        (1005000, "nanoseconds", "ns", "1005000ns"),
        (1005000, "nanoseconds", "us", "1005us"),
        (1005000, "nanoseconds", "ms", "1ms"),
        (1005000, "nanoseconds", "kB", "0"),
        (1005000, "nanoseconds", "MB", "0"),
        (1005000, "nanoseconds", "GB", "0"),
        (125, "nanoseconds", "sample", "0"),
        (1152921504606846976, "nanoseconds", "unit", "1152921504.61s"),
        (5, "ns", "auto", "5ns"),
        (1000000, "ns", "auto", "1ms"),
        (1099511627776, "ns", "auto", "1099.51s"),
        (125, "ns", "auto", "125ns"),
        (0, "ns", "minimum", "0"),
        (1025, "ns", "minimum", "1.02us"),
        (1000000000, "ns", "minimum", "1s"),
        (430000000, "ns", "minimum", "430ms"),
        (1000, "ns", "sample", "0"),
        (-1, "microseconds", "auto", "-1us"),
        (999999, "microseconds", "auto", "1000ms"),
        (2675000, "microseconds", "auto", "2.67s"),
        (5400000000000, "microseconds", "auto", "1500hrs"),
        (525824, "microseconds", "auto", "525.82ms"),
        (1024, "microseconds", "minimum", "1.02ms"),
        (12345678, "microseconds", "minimum", "12.35s"),
        (-1500, "microseconds", "minimum", "-1.50ms"),
        (1, "microseconds", "", "0"),
        (1024, "microseconds", "ns", "1024000ns"),
        (1024, "microseconds", "us", "1024us"),
        (1024, "microseconds", "ms", "1.02ms"),
        (1024, "microseconds", "kB", "0"),
        (1024, "microseconds", "MB", "0"),
        (1024, "microseconds", "GB", "0"),
        (1125899906842624, "microseconds", "sample", "1125899906.84s"),
        (2675000, "microseconds", "unit", "2.67s"),
        (5, "us", "auto", "5us"),
        (1000000, "us", "auto", "1s"),
        (1099511627776, "us", "auto", "305.42hrs"),
        (125, "us", "auto", "125us"),
        (0, "us", "minimum", "0"),
        (1025, "us", "minimum", "1.02ms"),
        (1000000000, "us", "minimum", "1000s"),
        (430000000, "us", "minimum", "430s"),
        (1000, "us", "sample", "0"),
        (-1, "μs", "auto", "-1"),
        (999999, "μs", "auto", "999999"),
        (5400000000000, "μs", "auto", "5400000000000"),
        (525824, "μs", "auto", "525824"),
        (1024, "μs", "minimum", "1024"),
        (12345678, "μs", "minimum", "12345678"),
        (-1500, "μs", "minimum", "-1500"),
        (40287479, "μs", "s", "40287479s"),
        (40287479, "μs", "B", "40287479B"),
        (-1, "milliseconds", "auto", "-1ms"),
        (999999, "milliseconds", "auto", "1000s"),
        (2675000, "milliseconds", "auto", "2675s"),
        (5400000000000, "milliseconds", "auto", "1500000hrs"),
        (525824, "milliseconds", "auto", "525.82s"),
        (1024, "milliseconds", "minimum", "1.02s"),
        (12345678, "milliseconds", "minimum", "3.43hrs"),
        (-1500, "milliseconds", "minimum", "-1.50s"),
        (1, "milliseconds", "", "0"),
        (1024, "milliseconds", "ns", "1024000000ns"),
        (1024, "milliseconds", "us", "1024000us"),
        (1024, "milliseconds", "ms", "1024ms"),
        (1024, "milliseconds", "kB", "1.02s"),
        (1024, "milliseconds", "MB", "1.02s"),
        (1024, "milliseconds", "GB", "1.02s"),
        (1125899906842624, "milliseconds", "sample", "1125899906842.62s"),
        (2675000, "milliseconds", "unit", "2675s"),
        (5, "ms", "auto", "5ms"),
        (1000000, "ms", "auto", "1000s"),
        (1099511627776, "ms", "auto", "305419.90hrs"),
        (125, "ms", "auto", "125ms"),
        (0, "ms", "minimum", "0"),
        (1025, "ms", "minimum", "1.02s"),
        (1000000000, "ms", "minimum", "277.78hrs"),
        (430000000, "ms", "minimum", "119.44hrs"),
        (1000, "ms", "sample", "1s"),
        (1023, "seconds", "auto", "1023s"),
        (1005000, "seconds", "auto", "279.17hrs"),
        (-9223372036854775808, "seconds", "auto", "-9223372036854775808s"),
        (999, "seconds", "minimum", "999s"),
        (1049999, "seconds", "minimum", "291.67hrs"),
        (12345678, "seconds", "minimum", "3429.36hrs"),
        (1125899906842624, "seconds", "minimum", "312749974122.95hrs"),
        (1250, "seconds", "minimum", "1250s"),
        (5, "seconds", "hrs", "0"),
        (1536, "seconds", "count", "1536s"),
        (5, "seconds", "foo", "5s"),
        (5, "seconds", "GCU", "5s"),
        (1536, "seconds", "m*GCU", "1536s"),
        (1536, "seconds", "bytes", "1536s"),
        (12345678, "seconds", "seconds", "12345678s"),
        (999, "s", "auto", "999s"),
        (1001, "s", "auto", "1001s"),
        (1049999, "s", "auto", "291.67hrs"),
        (1125899906842624, "s", "auto", "312749974122.95hrs"),
        (1250, "s", "auto", "1250s"),
        (1, "s", "minimum", "1s"),
        (1536, "s", "minimum", "1536s"),
        (3600000000000, "s", "minimum", "1000000000hrs"),
        (40287479, "s", "minimum", "11190.97hrs"),
        (1049999, "s", "sample", "1049999s"),
        (1001, "s", "unit", "1001s"),
        (-1, "sec", "auto", "-1s"),
        (999999, "sec", "auto", "277.78hrs"),
        (5400000000000, "sec", "auto", "1500000000hrs"),
        (525824, "sec", "auto", "146.06hrs"),
        (1024, "sec", "minimum", "1024s"),
        (12345678, "sec", "minimum", "3429.36hrs"),
        (-1500, "sec", "minimum", "-1500s"),
        (40287479, "sec", "s", "40287479s"),
        (40287479, "sec", "B", "40287479s"),
        (0, "hours", "auto", "0"),
        (1025, "hours", "auto", "1025hrs"),
        (1000000000, "hours", "auto", "1000000000hrs"),
        (430000000, "hours", "auto", "430000000hrs"),
        (1001, "hours", "minimum", "1001hrs"),
        (2675000, "hours", "minimum", "2675000hrs"),
        (9223372036854775807, "hours", "minimum", "9223372036854775808hrs"),
        (1000000, "hours", "s", "3600000000s"),
        (3600000000000, "hours", "hrs", "3600000000000hrs"),
        (1000000, "hours", "B", "3600000000s"),
        (-1500, "hours", "count", "-5400000s"),
        (3600000000000, "hours", "foo", "12960000000000000s"),
        (3600000000000, "hours", "GCU", "12960000000000000s"),
        (-1500, "hours", "m*GCU", "-5400000s"),
        (-1500, "hours", "bytes", "-5400000s"),
        (-1, "hrs", "auto", "-1hrs"),
        (999999, "hrs", "auto", "999999hrs"),
        (5400000000000, "hrs", "auto", "5400000000000hrs"),
        (525824, "hrs", "auto", "525824hrs"),
        (1024, "hrs", "minimum", "1024hrs"),
        (12345678, "hrs", "minimum", "12345678hrs"),
        (-1500, "hrs", "minimum", "-1500hrs"),
        (40287479, "hrs", "s", "145034924400s"),
        (40287479, "hrs", "B", "145034924400s"),
        (5, "hr", "auto", "5hrs"),
        (1000000, "hr", "auto", "1000000hrs"),
        (1099511627776, "hr", "auto", "1099511627776hrs"),
        (125, "hr", "auto", "125hrs"),
        (0, "hr", "minimum", "0"),
        (1025, "hr", "minimum", "1025hrs"),
        (1000000000, "hr", "minimum", "1000000000hrs"),
        (430000000, "hr", "minimum", "430000000hrs"),
        (1000, "hr", "sample", "3600000s"),
        (0, "bytes", "auto", "0"),
        (1025, "bytes", "auto", "1kB"),
        (1000000000, "bytes", "auto", "953.67MB"),
        (430000000, "bytes", "auto", "410.08MB"),
        (1001, "bytes", "minimum", "1001B"),
        (2675000, "bytes", "minimum", "2.55MB"),
        (9223372036854775807, "bytes", "minimum", "8192PB"),
        (1000000, "bytes", "s", "1000000B"),
        (3600000000000, "bytes", "hrs", "3600000000000B"),
        (1000000, "bytes", "B", "1000000B"),
        (-1500, "bytes", "count", "-1500B"),
        (3600000000000, "bytes", "foo", "3600000000000B"),
        (3600000000000, "bytes", "GCU", "3600000000000B"),
        (-1500, "bytes", "m*GCU", "-1500B"),
        (-1500, "bytes", "bytes", "-1500B"),
        (999, "B", "auto", "999B"),
        (1001, "B", "auto", "1001B"),
        (1049999, "B", "auto", "1MB"),
        (1125899906842624, "B", "auto", "1PB"),
        (1250, "B", "auto", "1.22kB"),
        (1, "B", "minimum", "1B"),
        (1536, "B", "minimum", "1.50kB"),
        (3600000000000, "B", "minimum", "3.27TB"),
        (40287479, "B", "minimum", "38.42MB"),
        (1049999, "B", "sample", "1049999B"),
        (1001, "B", "unit", "1001B"),
        (1000, "kilobytes", "auto", "1000kB"),
        (1500000, "kilobytes", "auto", "1.43GB"),
        (1152921504606846976, "kilobytes", "auto", "1048576PB"),
        (12500, "kilobytes", "auto", "12.21MB"),
        (1, "kilobytes", "minimum", "1kB"),
        (-1, "kilobytes", "minimum", "-1kB"),
        (999999, "kilobytes", "minimum", "976.56MB"),
        (5400000000000, "kilobytes", "minimum", "4.91PB"),
        (525824, "kilobytes", "minimum", "513.50MB"),
        (-9223372036854775808, "kilobytes", "", "-9444732965739290427392B"),
        (12500, "kilobytes", "ns", "12800000B"),
        (12500, "kilobytes", "us", "12800000B"),
        (12500, "kilobytes", "ms", "12800000B"),
        (12500, "kilobytes", "kB", "12500kB"),
        (12500, "kilobytes", "MB", "12.21MB"),
        (12500, "kilobytes", "GB", "0.01GB"),
        (1, "kilobytes", "seconds", "1024B"),
        (5, "KB", "auto", "5kB"),
        (1000000, "KB", "auto", "976.56MB"),
        (1099511627776, "KB", "auto", "1PB"),
        (125, "KB", "auto", "125kB"),
        (0, "KB", "minimum", "0"),
        (1025, "KB", "minimum", "1MB"),
        (1000000000, "KB", "minimum", "953.67GB"),
        (430000000, "KB", "minimum", "410.08GB"),
        (1000, "KB", "sample", "1024000B"),
        (5, "kB", "auto", "5kB"),
        (1000000, "kB", "auto", "976.56MB"),
        (1099511627776, "kB", "auto", "1PB"),
        (125, "kB", "auto", "125kB"),
        (0, "kB", "minimum", "0"),
        (1025, "kB", "minimum", "1MB"),
        (1000000000, "kB", "minimum", "953.67GB"),
        (430000000, "kB", "minimum", "410.08GB"),
        (1000, "kB", "sample", "1024000B"),
        (5, "MB", "auto", "5MB"),
        (1000000, "MB", "auto", "976.56GB"),
        (1099511627776, "MB", "auto", "1024PB"),
        (125, "MB", "auto", "125MB"),
        (0, "MB", "minimum", "0"),
        (1025, "MB", "minimum", "1GB"),
        (1000000000, "MB", "minimum", "953.67TB"),
        (430000000, "MB", "minimum", "410.08TB"),
        (1000, "MB", "sample", "1048576000B"),
        (1000, "megabytes", "auto", "1000MB"),
        (1500000, "megabytes", "auto", "1.43TB"),
        (1152921504606846976, "megabytes", "auto", "1073741824PB"),
        (12500, "megabytes", "auto", "12.21GB"),
        (1, "megabytes", "minimum", "1MB"),
        (-1, "megabytes", "minimum", "-1MB"),
        (999999, "megabytes", "minimum", "976.56GB"),
        (5400000000000, "megabytes", "minimum", "5029.14PB"),
        (525824, "megabytes", "minimum", "513.50GB"),
        (-9223372036854775808, "megabytes", "", "-9671406556917033397649408B"),
        (12500, "megabytes", "ns", "13107200000B"),
        (12500, "megabytes", "us", "13107200000B"),
        (12500, "megabytes", "ms", "13107200000B"),
        (12500, "megabytes", "kB", "12800000kB"),
        (12500, "megabytes", "MB", "12500MB"),
        (12500, "megabytes", "GB", "12.21GB"),
        (1, "megabytes", "seconds", "1048576B"),
        (5, "GB", "auto", "5GB"),
        (1000000, "GB", "auto", "976.56TB"),
        (1099511627776, "GB", "auto", "1048576PB"),
        (125, "GB", "auto", "125GB"),
        (0, "GB", "minimum", "0"),
        (1025, "GB", "minimum", "1TB"),
        (1000000000, "GB", "minimum", "953.67PB"),
        (430000000, "GB", "minimum", "410.08PB"),
        (1000, "GB", "sample", "1073741824000B"),
        (5, "TB", "auto", "5TB"),
        (1000000, "TB", "auto", "976.56PB"),
        (1099511627776, "TB", "auto", "1073741824PB"),
        (125, "TB", "auto", "125TB"),
        (0, "TB", "minimum", "0"),
        (1025, "TB", "minimum", "1PB"),
        (1000000000, "TB", "minimum", "976562.50PB"),
        (430000000, "TB", "minimum", "419921.88PB"),
        (1000, "TB", "sample", "1099511627776000B"),
        (5, "PB", "auto", "5PB"),
        (1000000, "PB", "auto", "1000000PB"),
        (1099511627776, "PB", "auto", "1099511627776PB"),
        (125, "PB", "auto", "125PB"),
        (0, "PB", "minimum", "0"),
        (1025, "PB", "minimum", "1025PB"),
        (1000000000, "PB", "minimum", "1000000000PB"),
        (430000000, "PB", "minimum", "430000000PB"),
        (1000, "PB", "sample", "1125899906842624000B"),
        (0, "count", "auto", "0"),
        (1025, "count", "auto", "1025"),
        (1000000000, "count", "auto", "1000000000"),
        (430000000, "count", "auto", "430000000"),
        (1001, "count", "minimum", "1001"),
        (2675000, "count", "minimum", "2675000"),
        (9223372036854775807, "count", "minimum", "9223372036854775808"),
        (1000000, "count", "s", "1000000s"),
        (3600000000000, "count", "hrs", "3600000000000hrs"),
        (1000000, "count", "B", "1000000B"),
        (-1500, "count", "count", "-1500"),
        (3600000000000, "count", "foo", "3600000000000foo"),
        (3600000000000, "count", "GCU", "3600000000000GCU"),
        (-1500, "count", "m*GCU", "-1500m*GCU"),
        (-1500, "count", "bytes", "-1500bytes"),
        (1000, "", "auto", "1000"),
        (1500000, "", "auto", "1500000"),
        (1152921504606846976, "", "auto", "1152921504606846976"),
        (12500, "", "auto", "12500"),
        (-1, "", "minimum", "-1"),
        (999999, "", "minimum", "999999"),
        (5400000000000, "", "minimum", "5400000000000"),
        (525824, "", "minimum", "525824"),
        (0, "", "", "0"),
        (1023, "", "ns", "1023ns"),
        (1023, "", "us", "1023us"),
        (1023, "", "ms", "1023ms"),
        (1023, "", "kB", "1023kB"),
        (1023, "", "MB", "1023MB"),
        (1023, "", "GB", "1023GB"),
        (1099511627776, "", "sample", "1099511627776"),
        (1500000, "", "unit", "1500000"),
        (-1, "foo", "auto", "-1"),
        (999999, "foo", "auto", "999999"),
        (5400000000000, "foo", "auto", "5400000000000"),
        (525824, "foo", "auto", "525824"),
        (1024, "foo", "minimum", "1024"),
        (12345678, "foo", "minimum", "12345678"),
        (-1500, "foo", "minimum", "-1500"),
        (40287479, "foo", "s", "40287479s"),
        (40287479, "foo", "B", "40287479B"),
        (-1, "GCU", "auto", "-1GCU"),
        (999999, "GCU", "auto", "1000k*GCU"),
        (5400000000000, "GCU", "auto", "5.40T*GCU"),
        (525824, "GCU", "auto", "525.82k*GCU"),
        (1024, "GCU", "minimum", "1.02k*GCU"),
        (12345678, "GCU", "minimum", "12.35M*GCU"),
        (-1500, "GCU", "minimum", "-1.50k*GCU"),
        (40287479, "GCU", "s", "40287479GCU"),
        (40287479, "GCU", "B", "40287479GCU"),
        (1001, "milligcu", "auto", "1GCU"),
        (2675000, "milligcu", "auto", "2.67k*GCU"),
        (9223372036854775807, "milligcu", "auto", "9.22P*GCU"),
        (5, "milligcu", "minimum", "5m*GCU"),
        (1025, "milligcu", "minimum", "1.02GCU"),
        (1000000, "milligcu", "minimum", "1k*GCU"),
        (1099511627776, "milligcu", "minimum", "1.10G*GCU"),
        (125, "milligcu", "minimum", "125m*GCU"),
        (-1, "milligcu", "count", "0"),
        (-1, "milligcu", "m*GCU", "0"),
        (-1, "milligcu", "bytes", "0"),
        (1025, "milligcu", "seconds", "1.02GCU"),
        (1023, "kilogcu", "auto", "1.02M*GCU"),
        (1005000, "kilogcu", "auto", "1G*GCU"),
        (-9223372036854775808, "kilogcu", "auto", "-9223372036854775808000GCU"),
        (999, "kilogcu", "minimum", "999k*GCU"),
        (1049999, "kilogcu", "minimum", "1.05G*GCU"),
        (12345678, "kilogcu", "minimum", "12.35G*GCU"),
        (1125899906842624, "kilogcu", "minimum", "1125.90P*GCU"),
        (1250, "kilogcu", "minimum", "1.25M*GCU"),
        (5, "kilogcu", "hrs", "5000GCU"),
        (1536, "kilogcu", "count", "1536000GCU"),
        (5, "kilogcu", "foo", "5000GCU"),
        (5, "kilogcu", "GCU", "5000GCU"),
        (1536, "kilogcu", "m*GCU", "1536000GCU"),
        (1536, "kilogcu", "bytes", "1536000GCU"),
        (12345678, "kilogcu", "seconds", "12345678000GCU"),
        (0, "Bytes", "auto", "0"),
        (1025, "Bytes", "auto", "1kB"),
        (1000000000, "Bytes", "auto", "953.67MB"),
        (430000000, "Bytes", "auto", "410.08MB"),
        (1001, "Bytes", "minimum", "1001B"),
        (2675000, "Bytes", "minimum", "2.55MB"),
        (9223372036854775807, "Bytes", "minimum", "8192PB"),
        (1000000, "Bytes", "s", "1000000B"),
        (3600000000000, "Bytes", "hrs", "3600000000000B"),
        (1000000, "Bytes", "B", "1000000B"),
        (-1500, "Bytes", "count", "-1500B"),
        (3600000000000, "Bytes", "foo", "3600000000000B"),
        (3600000000000, "Bytes", "GCU", "3600000000000B"),
        (-1500, "Bytes", "m*GCU", "-1500B"),
        (-1500, "Bytes", "bytes", "-1500B"),
        (5, "NANOSECONDS", "auto", "5ns"),
        (1000000, "NANOSECONDS", "auto", "1ms"),
        (1099511627776, "NANOSECONDS", "auto", "1099.51s"),
        (1152921504606846976, "NANOSECONDS", "auto", "320255.97hrs"),
        (125, "NANOSECONDS", "auto", "125ns"),
        (0, "NANOSECONDS", "minimum", "0"),
        (1025, "NANOSECONDS", "minimum", "1.02us"),
        (1000000000, "NANOSECONDS", "minimum", "1s"),
        (430000000, "NANOSECONDS", "minimum", "430ms"),
        (1025, "NANOSECONDS", "", "0"),
        (1005000, "NANOSECONDS", "ns", "1005000ns"),
        (1005000, "NANOSECONDS", "us", "1005us"),
        (1005000, "NANOSECONDS", "ms", "1ms"),
        (1005000, "NANOSECONDS", "kB", "0"),
        (1005000, "NANOSECONDS", "MB", "0"),
        (1005000, "NANOSECONDS", "GB", "0"),
        (125, "NANOSECONDS", "sample", "0"),
        (1152921504606846976, "NANOSECONDS", "unit", "1152921504.61s"),
        (1023, "minutes", "auto", "1023"),
        (1005000, "minutes", "auto", "1005000"),
        (-9223372036854775808, "minutes", "auto", "-9223372036854775808"),
        (999, "minutes", "minimum", "999"),
        (1049999, "minutes", "minimum", "1049999"),
        (12345678, "minutes", "minimum", "12345678"),
        (1125899906842624, "minutes", "minimum", "1125899906842624"),
        (1250, "minutes", "minimum", "1250"),
        (5, "minutes", "hrs", "5hrs"),
        (1536, "minutes", "count", "1536"),
        (5, "minutes", "foo", "5foo"),
        (5, "minutes", "GCU", "5GCU"),
        (1536, "minutes", "m*GCU", "1536m*GCU"),
        (1536, "minutes", "bytes", "1536bytes"),
        (12345678, "minutes", "seconds", "12345678seconds"),
        (1023, "objects", "auto", "1023"),
        (1005000, "objects", "auto", "1005000"),
        (-9223372036854775808, "objects", "auto", "-9223372036854775808"),
        (999, "objects", "minimum", "999"),
        (1049999, "objects", "minimum", "1049999"),
        (12345678, "objects", "minimum", "12345678"),
        (1125899906842624, "objects", "minimum", "1125899906842624"),
        (1250, "objects", "minimum", "1250"),
        (5, "objects", "hrs", "5hrs"),
        (1536, "objects", "count", "1536"),
        (5, "objects", "foo", "5foo"),
        (5, "objects", "GCU", "5GCU"),
        (1536, "objects", "m*GCU", "1536m*GCU"),
        (1536, "objects", "bytes", "1536bytes"),
        (12345678, "objects", "seconds", "12345678seconds"),
    ];
    // Produced by Go (go1.27.3): pprof's measurement.Scale, value as float64 bits.
    #[rustfmt::skip]
    const GO_SCALE: &[(i64, &str, &str, u64, &str)] = &[
        (2675000, "nanoseconds", "auto", 0x4005666666666666, "ms"),
        (1000, "nanoseconds", "hrs", 0x3df316b7e5807ca5, "hrs"),
        (-9223372036854775808, "nanoseconds", "count", 0xc2012e0be826d695, "s"),
        (2675000, "nanoseconds", "unit", 0x3f65e9e1b089a027, "s"),
        (1000, "nanoseconds", "foo", 0x3eb0c6f7a0b5ed8d, "s"),
        (1000, "nanoseconds", "GCU", 0x3eb0c6f7a0b5ed8d, "s"),
        (-9223372036854775808, "nanoseconds", "m*GCU", 0xc2012e0be826d695, "s"),
        (-9223372036854775808, "nanoseconds", "bytes", 0xc2012e0be826d695, "s"),
        (525824, "ns", "auto", 0x40806e978d4fdf3b, "us"),
        (1025, "ns", "ns", 0x4090040000000000, "ns"),
        (1025, "ns", "us", 0x3ff0666666666666, "us"),
        (1025, "ns", "ms", 0x3f50cb295e9e1b09, "ms"),
        (3600000000000, "ns", "hrs", 0x3ff0000000000000, "hrs"),
        (1025, "ns", "kB", 0x3eb132576b20e04a, "s"),
        (1025, "ns", "MB", 0x3eb132576b20e04a, "s"),
        (1025, "ns", "GB", 0x3eb132576b20e04a, "s"),
        (525824, "ns", "unit", 0x3f413aee7114f3b6, "s"),
        (3600000000000, "ns", "foo", 0x40ac200000000000, "s"),
        (3600000000000, "ns", "GCU", 0x40ac200000000000, "s"),
        (999, "microseconds", "minimum", 0x408f380000000000, "us"),
        (1000, "microseconds", "", 0x3f50624dd2f1a9fc, "s"),
        (-9223372036854775808, "microseconds", "ns", 0xc47f400000000000, "ns"),
        (-9223372036854775808, "microseconds", "us", 0xc3e0000000000000, "us"),
        (-9223372036854775808, "microseconds", "ms", 0xc340624dd2f1a9fc, "ms"),
        (2675000, "microseconds", "s", 0x4005666666666666, "s"),
        (2675000, "microseconds", "B", 0x4005666666666666, "s"),
        (-9223372036854775808, "microseconds", "kB", 0xc2a0c6f7a0b5ed8d, "s"),
        (-9223372036854775808, "microseconds", "MB", 0xc2a0c6f7a0b5ed8d, "s"),
        (-9223372036854775808, "microseconds", "GB", 0xc2a0c6f7a0b5ed8d, "s"),
        (999, "microseconds", "seconds", 0x3f505e1c15097c81, "s"),
        (525824, "us", "auto", 0x40806e978d4fdf3b, "ms"),
        (1025, "us", "ns", 0x412f47d000000000, "ns"),
        (1025, "us", "us", 0x4090040000000000, "us"),
        (1025, "us", "ms", 0x3ff0666666666666, "ms"),
        (3600000000000, "us", "hrs", 0x408f400000000000, "hrs"),
        (1025, "us", "kB", 0x3f50cb295e9e1b09, "s"),
        (1025, "us", "MB", 0x3f50cb295e9e1b09, "s"),
        (1025, "us", "GB", 0x3f50cb295e9e1b09, "s"),
        (525824, "us", "unit", 0x3fe0d38cda6e75ff, "s"),
        (3600000000000, "us", "foo", 0x414b774000000000, "s"),
        (3600000000000, "us", "GCU", 0x414b774000000000, "s"),
        (1000000000, "μs", "minimum", 0x41cdcd6500000000, ""),
        (3600000000000, "μs", "", 0x428a3185c5000000, ""),
        (525824, "μs", "s", 0x41200c0000000000, "s"),
        (525824, "μs", "B", 0x41200c0000000000, "B"),
        (1024, "μs", "sample", 0x4090000000000000, ""),
        (1000000000, "μs", "seconds", 0x41cdcd6500000000, "seconds"),
        (999, "milliseconds", "minimum", 0x408f380000000000, "ms"),
        (1000, "milliseconds", "", 0x3ff0000000000000, "s"),
        (-9223372036854775808, "milliseconds", "ns", 0xc51e848000000000, "ns"),
        (-9223372036854775808, "milliseconds", "us", 0xc47f400000000000, "us"),
        (-9223372036854775808, "milliseconds", "ms", 0xc3e0000000000000, "ms"),
        (2675000, "milliseconds", "s", 0x40a4e60000000000, "s"),
        (2675000, "milliseconds", "B", 0x40a4e60000000000, "s"),
        (-9223372036854775808, "milliseconds", "kB", 0xc340624dd2f1a9fc, "s"),
        (-9223372036854775808, "milliseconds", "MB", 0xc340624dd2f1a9fc, "s"),
        (-9223372036854775808, "milliseconds", "GB", 0xc340624dd2f1a9fc, "s"),
        (999, "milliseconds", "seconds", 0x3feff7ced916872b, "s"),
        (525824, "ms", "auto", 0x40806e978d4fdf3b, "s"),
        (1025, "ms", "ns", 0x41ce8c2120000000, "ns"),
        (1025, "ms", "us", 0x412f47d000000000, "us"),
        (1025, "ms", "ms", 0x4090040000000000, "ms"),
        (3600000000000, "ms", "hrs", 0x412e848000000000, "hrs"),
        (1025, "ms", "kB", 0x3ff0666666666666, "s"),
        (1025, "ms", "MB", 0x3ff0666666666666, "s"),
        (1025, "ms", "GB", 0x3ff0666666666666, "s"),
        (525824, "ms", "unit", 0x40806e978d4fdf3b, "s"),
        (3600000000000, "ms", "foo", 0x41ead27480000000, "s"),
        (3600000000000, "ms", "GCU", 0x41ead27480000000, "s"),
        (12345678, "seconds", "ns", 0x4345ee2a13d9c600, "ns"),
        (12345678, "seconds", "us", 0x42a674e780df0000, "us"),
        (12345678, "seconds", "ms", 0x4206fee0c5800000, "ms"),
        (1023, "seconds", "s", 0x408ff80000000000, "s"),
        (430000000, "seconds", "hrs", 0x40fd29471c71c71c, "hrs"),
        (1023, "seconds", "B", 0x408ff80000000000, "s"),
        (12345678, "seconds", "kB", 0x41678c29c0000000, "s"),
        (12345678, "seconds", "MB", 0x41678c29c0000000, "s"),
        (12345678, "seconds", "GB", 0x41678c29c0000000, "s"),
        (430000000, "seconds", "foo", 0x41b9a14780000000, "s"),
        (430000000, "seconds", "GCU", 0x41b9a14780000000, "s"),
        (525824, "s", "minimum", 0x406241fdb97530ed, "hrs"),
        (125, "s", "", 0x405f400000000000, "s"),
        (1025, "s", "count", 0x4090040000000000, "s"),
        (3600000000000, "s", "sample", 0x428a3185c5000000, "s"),
        (1025, "s", "m*GCU", 0x4090040000000000, "s"),
        (1025, "s", "bytes", 0x4090040000000000, "s"),
        (525824, "s", "seconds", 0x41200c0000000000, "s"),
        (1000000000, "sec", "minimum", 0x4110f4471c71c71c, "hrs"),
        (3600000000000, "sec", "", 0x428a3185c5000000, "s"),
        (525824, "sec", "s", 0x41200c0000000000, "s"),
        (525824, "sec", "B", 0x41200c0000000000, "s"),
        (1024, "sec", "sample", 0x4090000000000000, "s"),
        (1000000000, "sec", "seconds", 0x41cdcd6500000000, "s"),
        (1023, "hours", "minimum", 0x408ff80000000000, "hrs"),
        (1024, "hours", "", 0x414c200000000000, "s"),
        (40287479, "hours", "ns", 0x441f730e3d415e8a, "ns"),
        (40287479, "hours", "us", 0x43801a23f66719e0, "us"),
        (40287479, "hours", "ms", 0x42e07d1264c3b000, "ms"),
        (1000000000, "hours", "s", 0x428a3185c5000000, "s"),
        (1000000000, "hours", "B", 0x428a3185c5000000, "s"),
        (40287479, "hours", "kB", 0x4240e260a8b80000, "s"),
        (40287479, "hours", "MB", 0x4240e260a8b80000, "s"),
        (40287479, "hours", "GB", 0x4240e260a8b80000, "s"),
        (1023, "hours", "seconds", 0x414c18f800000000, "s"),
        (1000000000, "hrs", "minimum", 0x41cdcd6500000000, "hrs"),
        (3600000000000, "hrs", "", 0x4347058692250000, "s"),
        (525824, "hrs", "s", 0x41dc351800000000, "s"),
        (525824, "hrs", "B", 0x41dc351800000000, "s"),
        (1024, "hrs", "sample", 0x414c200000000000, "s"),
        (1000000000, "hrs", "seconds", 0x428a3185c5000000, "s"),
        (525824, "hr", "auto", 0x41200c0000000000, "hrs"),
        (1025, "hr", "ns", 0x432a381226714000, "ns"),
        (1025, "hr", "us", 0x428ad9291d200000, "us"),
        (1025, "hr", "ms", 0x41eb7e1dd0000000, "ms"),
        (3600000000000, "hr", "hrs", 0x428a3185c5000000, "hrs"),
        (1025, "hr", "kB", 0x414c270800000000, "s"),
        (1025, "hr", "MB", 0x414c270800000000, "s"),
        (1025, "hr", "GB", 0x414c270800000000, "s"),
        (525824, "hr", "unit", 0x41dc351800000000, "s"),
        (3600000000000, "hr", "foo", 0x4347058692250000, "s"),
        (3600000000000, "hr", "GCU", 0x4347058692250000, "s"),
        (1023, "bytes", "minimum", 0x408ff80000000000, "B"),
        (1024, "bytes", "", 0x4090000000000000, "B"),
        (40287479, "bytes", "ns", 0x418335e7b8000000, "B"),
        (40287479, "bytes", "us", 0x418335e7b8000000, "B"),
        (40287479, "bytes", "ms", 0x418335e7b8000000, "B"),
        (1000000000, "bytes", "s", 0x41cdcd6500000000, "B"),
        (1000000000, "bytes", "B", 0x41cdcd6500000000, "B"),
        (40287479, "bytes", "kB", 0x40e335e7b8000000, "kB"),
        (40287479, "bytes", "MB", 0x404335e7b8000000, "MB"),
        (40287479, "bytes", "GB", 0x3fa335e7b8000000, "GB"),
        (1023, "bytes", "seconds", 0x408ff80000000000, "B"),
        (525824, "B", "minimum", 0x40800c0000000000, "kB"),
        (125, "B", "", 0x405f400000000000, "B"),
        (1025, "B", "count", 0x4090040000000000, "B"),
        (3600000000000, "B", "sample", 0x428a3185c5000000, "B"),
        (1025, "B", "m*GCU", 0x4090040000000000, "B"),
        (1025, "B", "bytes", 0x4090040000000000, "B"),
        (525824, "B", "seconds", 0x41200c0000000000, "B"),
        (-1500, "kilobytes", "auto", 0xbff7700000000000, "MB"),
        (1001, "kilobytes", "ns", 0x412f480000000000, "B"),
        (1001, "kilobytes", "us", 0x412f480000000000, "B"),
        (1001, "kilobytes", "ms", 0x412f480000000000, "B"),
        (1005000, "kilobytes", "hrs", 0x41ceab9000000000, "B"),
        (1001, "kilobytes", "kB", 0x408f480000000000, "kB"),
        (1001, "kilobytes", "MB", 0x3fef480000000000, "MB"),
        (1001, "kilobytes", "GB", 0x3f4f480000000000, "GB"),
        (-1500, "kilobytes", "unit", 0xc137700000000000, "B"),
        (1005000, "kilobytes", "foo", 0x41ceab9000000000, "B"),
        (1005000, "kilobytes", "GCU", 0x41ceab9000000000, "B"),
        (525824, "KB", "auto", 0x40800c0000000000, "MB"),
        (1025, "KB", "ns", 0x4130040000000000, "B"),
        (1025, "KB", "us", 0x4130040000000000, "B"),
        (1025, "KB", "ms", 0x4130040000000000, "B"),
        (3600000000000, "KB", "hrs", 0x432a3185c5000000, "B"),
        (1025, "KB", "kB", 0x4090040000000000, "kB"),
        (1025, "KB", "MB", 0x3ff0040000000000, "MB"),
        (1025, "KB", "GB", 0x3f50040000000000, "GB"),
        (525824, "KB", "unit", 0x41c00c0000000000, "B"),
        (3600000000000, "KB", "foo", 0x432a3185c5000000, "B"),
        (3600000000000, "KB", "GCU", 0x432a3185c5000000, "B"),
        (525824, "kB", "auto", 0x40800c0000000000, "MB"),
        (1025, "kB", "ns", 0x4130040000000000, "B"),
        (1025, "kB", "us", 0x4130040000000000, "B"),
        (1025, "kB", "ms", 0x4130040000000000, "B"),
        (3600000000000, "kB", "hrs", 0x432a3185c5000000, "B"),
        (1025, "kB", "kB", 0x4090040000000000, "kB"),
        (1025, "kB", "MB", 0x3ff0040000000000, "MB"),
        (1025, "kB", "GB", 0x3f50040000000000, "GB"),
        (525824, "kB", "unit", 0x41c00c0000000000, "B"),
        (3600000000000, "kB", "foo", 0x432a3185c5000000, "B"),
        (3600000000000, "kB", "GCU", 0x432a3185c5000000, "B"),
        (525824, "MB", "auto", 0x40800c0000000000, "GB"),
        (1025, "MB", "ns", 0x41d0040000000000, "B"),
        (1025, "MB", "us", 0x41d0040000000000, "B"),
        (1025, "MB", "ms", 0x41d0040000000000, "B"),
        (3600000000000, "MB", "hrs", 0x43ca3185c5000000, "B"),
        (1025, "MB", "kB", 0x4130040000000000, "kB"),
        (1025, "MB", "MB", 0x4090040000000000, "MB"),
        (1025, "MB", "GB", 0x3ff0040000000000, "GB"),
        (525824, "MB", "unit", 0x42600c0000000000, "B"),
        (3600000000000, "MB", "foo", 0x43ca3185c5000000, "B"),
        (3600000000000, "MB", "GCU", 0x43ca3185c5000000, "B"),
        (-1500, "megabytes", "auto", 0xbff7700000000000, "GB"),
        (1001, "megabytes", "ns", 0x41cf480000000000, "B"),
        (1001, "megabytes", "us", 0x41cf480000000000, "B"),
        (1001, "megabytes", "ms", 0x41cf480000000000, "B"),
        (1005000, "megabytes", "hrs", 0x426eab9000000000, "B"),
        (1001, "megabytes", "kB", 0x412f480000000000, "kB"),
        (1001, "megabytes", "MB", 0x408f480000000000, "MB"),
        (1001, "megabytes", "GB", 0x3fef480000000000, "GB"),
        (-1500, "megabytes", "unit", 0xc1d7700000000000, "B"),
        (1005000, "megabytes", "foo", 0x426eab9000000000, "B"),
        (1005000, "megabytes", "GCU", 0x426eab9000000000, "B"),
        (525824, "GB", "auto", 0x40800c0000000000, "TB"),
        (1025, "GB", "ns", 0x4270040000000000, "B"),
        (1025, "GB", "us", 0x4270040000000000, "B"),
        (1025, "GB", "ms", 0x4270040000000000, "B"),
        (3600000000000, "GB", "hrs", 0x446a3185c5000000, "B"),
        (1025, "GB", "kB", 0x41d0040000000000, "kB"),
        (1025, "GB", "MB", 0x4130040000000000, "MB"),
        (1025, "GB", "GB", 0x4090040000000000, "GB"),
        (525824, "GB", "unit", 0x43000c0000000000, "B"),
        (3600000000000, "GB", "foo", 0x446a3185c5000000, "B"),
        (3600000000000, "GB", "GCU", 0x446a3185c5000000, "B"),
        (525824, "TB", "auto", 0x40800c0000000000, "PB"),
        (1025, "TB", "ns", 0x4310040000000000, "B"),
        (1025, "TB", "us", 0x4310040000000000, "B"),
        (1025, "TB", "ms", 0x4310040000000000, "B"),
        (3600000000000, "TB", "hrs", 0x450a3185c5000000, "B"),
        (1025, "TB", "kB", 0x4270040000000000, "kB"),
        (1025, "TB", "MB", 0x41d0040000000000, "MB"),
        (1025, "TB", "GB", 0x4130040000000000, "GB"),
        (525824, "TB", "unit", 0x43a00c0000000000, "B"),
        (3600000000000, "TB", "foo", 0x450a3185c5000000, "B"),
        (3600000000000, "TB", "GCU", 0x450a3185c5000000, "B"),
        (525824, "PB", "auto", 0x41200c0000000000, "PB"),
        (1025, "PB", "ns", 0x43b0040000000000, "B"),
        (1025, "PB", "us", 0x43b0040000000000, "B"),
        (1025, "PB", "ms", 0x43b0040000000000, "B"),
        (3600000000000, "PB", "hrs", 0x45aa3185c5000000, "B"),
        (1025, "PB", "kB", 0x4310040000000000, "kB"),
        (1025, "PB", "MB", 0x4270040000000000, "MB"),
        (1025, "PB", "GB", 0x41d0040000000000, "GB"),
        (525824, "PB", "unit", 0x44400c0000000000, "B"),
        (3600000000000, "PB", "foo", 0x45aa3185c5000000, "B"),
        (3600000000000, "PB", "GCU", 0x45aa3185c5000000, "B"),
        (1023, "count", "minimum", 0x408ff80000000000, ""),
        (1024, "count", "", 0x4090000000000000, ""),
        (40287479, "count", "ns", 0x418335e7b8000000, "ns"),
        (40287479, "count", "us", 0x418335e7b8000000, "us"),
        (40287479, "count", "ms", 0x418335e7b8000000, "ms"),
        (1000000000, "count", "s", 0x41cdcd6500000000, "s"),
        (1000000000, "count", "B", 0x41cdcd6500000000, "B"),
        (40287479, "count", "kB", 0x418335e7b8000000, "kB"),
        (40287479, "count", "MB", 0x418335e7b8000000, "MB"),
        (40287479, "count", "GB", 0x418335e7b8000000, "GB"),
        (1023, "count", "seconds", 0x408ff80000000000, "seconds"),
        (0, "", "", 0x0, ""),
        (5400000000000, "", "ns", 0x4293a52453c00000, "ns"),
        (5400000000000, "", "us", 0x4293a52453c00000, "us"),
        (5400000000000, "", "ms", 0x4293a52453c00000, "ms"),
        (1536, "", "s", 0x4098000000000000, "s"),
        (125, "", "hrs", 0x405f400000000000, "hrs"),
        (1536, "", "B", 0x4098000000000000, "B"),
        (5400000000000, "", "kB", 0x4293a52453c00000, "kB"),
        (5400000000000, "", "MB", 0x4293a52453c00000, "MB"),
        (5400000000000, "", "GB", 0x4293a52453c00000, "GB"),
        (125, "", "foo", 0x405f400000000000, "foo"),
        (125, "", "GCU", 0x405f400000000000, "GCU"),
        (1000000000, "foo", "minimum", 0x41cdcd6500000000, ""),
        (3600000000000, "foo", "", 0x428a3185c5000000, ""),
        (525824, "foo", "s", 0x41200c0000000000, "s"),
        (525824, "foo", "B", 0x41200c0000000000, "B"),
        (1024, "foo", "sample", 0x4090000000000000, ""),
        (1000000000, "foo", "seconds", 0x41cdcd6500000000, "seconds"),
        (1000000000, "GCU", "minimum", 0x3ff0000000000000, "G*GCU"),
        (3600000000000, "GCU", "", 0x428a3185c5000000, "GCU"),
        (525824, "GCU", "s", 0x41200c0000000000, "GCU"),
        (525824, "GCU", "B", 0x41200c0000000000, "GCU"),
        (1024, "GCU", "sample", 0x4090000000000000, "GCU"),
        (1000000000, "GCU", "seconds", 0x41cdcd6500000000, "GCU"),
        (-1500, "milligcu", "minimum", 0xbff8000000000000, "GCU"),
        (430000000, "milligcu", "", 0x411a3ec000000000, "GCU"),
        (1001, "milligcu", "count", 0x3ff004189374bc6b, "GCU"),
        (1005000, "milligcu", "sample", 0x408f680000000000, "GCU"),
        (1001, "milligcu", "m*GCU", 0x3ff004189374bc6b, "GCU"),
        (1001, "milligcu", "bytes", 0x3ff004189374bc6b, "GCU"),
        (-1500, "milligcu", "seconds", 0xbff8000000000000, "GCU"),
        (12345678, "kilogcu", "ns", 0x4206fee0c5800000, "GCU"),
        (12345678, "kilogcu", "us", 0x4206fee0c5800000, "GCU"),
        (12345678, "kilogcu", "ms", 0x4206fee0c5800000, "GCU"),
        (1023, "kilogcu", "s", 0x412f383000000000, "GCU"),
        (430000000, "kilogcu", "hrs", 0x4259077fd3000000, "GCU"),
        (1023, "kilogcu", "B", 0x412f383000000000, "GCU"),
        (12345678, "kilogcu", "kB", 0x4206fee0c5800000, "GCU"),
        (12345678, "kilogcu", "MB", 0x4206fee0c5800000, "GCU"),
        (12345678, "kilogcu", "GB", 0x4206fee0c5800000, "GCU"),
        (430000000, "kilogcu", "foo", 0x4259077fd3000000, "GCU"),
        (430000000, "kilogcu", "GCU", 0x4259077fd3000000, "GCU"),
        (1023, "Bytes", "minimum", 0x408ff80000000000, "B"),
        (1024, "Bytes", "", 0x4090000000000000, "B"),
        (40287479, "Bytes", "ns", 0x418335e7b8000000, "B"),
        (40287479, "Bytes", "us", 0x418335e7b8000000, "B"),
        (40287479, "Bytes", "ms", 0x418335e7b8000000, "B"),
        (1000000000, "Bytes", "s", 0x41cdcd6500000000, "B"),
        (1000000000, "Bytes", "B", 0x41cdcd6500000000, "B"),
        (40287479, "Bytes", "kB", 0x40e335e7b8000000, "kB"),
        (40287479, "Bytes", "MB", 0x404335e7b8000000, "MB"),
        (40287479, "Bytes", "GB", 0x3fa335e7b8000000, "GB"),
        (1023, "Bytes", "seconds", 0x408ff80000000000, "B"),
        (2675000, "NANOSECONDS", "auto", 0x4005666666666666, "ms"),
        (1000, "NANOSECONDS", "hrs", 0x3df316b7e5807ca5, "hrs"),
        (-9223372036854775808, "NANOSECONDS", "count", 0xc2012e0be826d695, "s"),
        (2675000, "NANOSECONDS", "unit", 0x3f65e9e1b089a027, "s"),
        (1000, "NANOSECONDS", "foo", 0x3eb0c6f7a0b5ed8d, "s"),
        (1000, "NANOSECONDS", "GCU", 0x3eb0c6f7a0b5ed8d, "s"),
        (-9223372036854775808, "NANOSECONDS", "m*GCU", 0xc2012e0be826d695, "s"),
        (-9223372036854775808, "NANOSECONDS", "bytes", 0xc2012e0be826d695, "s"),
        (12345678, "minutes", "ns", 0x41678c29c0000000, "ns"),
        (12345678, "minutes", "us", 0x41678c29c0000000, "us"),
        (12345678, "minutes", "ms", 0x41678c29c0000000, "ms"),
        (1023, "minutes", "s", 0x408ff80000000000, "s"),
        (430000000, "minutes", "hrs", 0x41b9a14780000000, "hrs"),
        (1023, "minutes", "B", 0x408ff80000000000, "B"),
        (12345678, "minutes", "kB", 0x41678c29c0000000, "kB"),
        (12345678, "minutes", "MB", 0x41678c29c0000000, "MB"),
        (12345678, "minutes", "GB", 0x41678c29c0000000, "GB"),
        (430000000, "minutes", "foo", 0x41b9a14780000000, "foo"),
        (430000000, "minutes", "GCU", 0x41b9a14780000000, "GCU"),
        (12345678, "objects", "ns", 0x41678c29c0000000, "ns"),
        (12345678, "objects", "us", 0x41678c29c0000000, "us"),
        (12345678, "objects", "ms", 0x41678c29c0000000, "ms"),
        (1023, "objects", "s", 0x408ff80000000000, "s"),
        (430000000, "objects", "hrs", 0x41b9a14780000000, "hrs"),
        (1023, "objects", "B", 0x408ff80000000000, "B"),
        (12345678, "objects", "kB", 0x41678c29c0000000, "kB"),
        (12345678, "objects", "MB", 0x41678c29c0000000, "MB"),
        (12345678, "objects", "GB", 0x41678c29c0000000, "GB"),
        (430000000, "objects", "foo", 0x41b9a14780000000, "foo"),
        (430000000, "objects", "GCU", 0x41b9a14780000000, "GCU"),
    ];
    // Produced by Go's fmt (go1.27.3): %.1g %.2g %.3g %5.2g %.2f %5.2f.
    #[rustfmt::skip]
    const GO_FLOATS: &[(f64, &str, &str, &str, &str, &str, &str)] = &[
        (0_f64, "0", "0", "0", "    0", "0.00", " 0.00"),
        (0.125_f64, "0.1", "0.12", "0.125", " 0.12", "0.12", " 0.12"),
        (-0.125_f64, "-0.1", "-0.12", "-0.125", "-0.12", "-0.12", "-0.12"),
        (0.375_f64, "0.4", "0.38", "0.375", " 0.38", "0.38", " 0.38"),
        (-0.375_f64, "-0.4", "-0.38", "-0.375", "-0.38", "-0.38", "-0.38"),
        (2.675_f64, "3", "2.7", "2.67", "  2.7", "2.67", " 2.67"),
        (-2.675_f64, "-3", "-2.7", "-2.67", " -2.7", "-2.67", "-2.67"),
        (1.005_f64, "1", "1", "1", "    1", "1.00", " 1.00"),
        (-1.005_f64, "-1", "-1", "-1", "   -1", "-1.00", "-1.00"),
        (0.995_f64, "1", "0.99", "0.995", " 0.99", "0.99", " 0.99"),
        (-0.995_f64, "-1", "-0.99", "-0.995", "-0.99", "-0.99", "-0.99"),
        (0.5_f64, "0.5", "0.5", "0.5", "  0.5", "0.50", " 0.50"),
        (-0.5_f64, "-0.5", "-0.5", "-0.5", " -0.5", "-0.50", "-0.50"),
        (1.5_f64, "2", "1.5", "1.5", "  1.5", "1.50", " 1.50"),
        (-1.5_f64, "-2", "-1.5", "-1.5", " -1.5", "-1.50", "-1.50"),
        (2.5_f64, "2", "2.5", "2.5", "  2.5", "2.50", " 2.50"),
        (-2.5_f64, "-2", "-2.5", "-2.5", " -2.5", "-2.50", "-2.50"),
        (0.25_f64, "0.2", "0.25", "0.25", " 0.25", "0.25", " 0.25"),
        (-0.25_f64, "-0.2", "-0.25", "-0.25", "-0.25", "-0.25", "-0.25"),
        (0.0125_f64, "0.01", "0.013", "0.0125", "0.013", "0.01", " 0.01"),
        (-0.0125_f64, "-0.01", "-0.013", "-0.0125", "-0.013", "-0.01", "-0.01"),
        (1.25e-07_f64, "1e-07", "1.2e-07", "1.25e-07", "1.2e-07", "0.00", " 0.00"),
        (-1.25e-07_f64, "-1e-07", "-1.2e-07", "-1.25e-07", "-1.2e-07", "-0.00", "-0.00"),
        (0.00125_f64, "0.001", "0.0013", "0.00125", "0.0013", "0.00", " 0.00"),
        (-0.00125_f64, "-0.001", "-0.0013", "-0.00125", "-0.0013", "-0.00", "-0.00"),
        (12.5_f64, "1e+01", "12", "12.5", "   12", "12.50", "12.50"),
        (-12.5_f64, "-1e+01", "-12", "-12.5", "  -12", "-12.50", "-12.50"),
        (0.045_f64, "0.04", "0.045", "0.045", "0.045", "0.04", " 0.04"),
        (-0.045_f64, "-0.04", "-0.045", "-0.045", "-0.045", "-0.04", "-0.04"),
        (99.5_f64, "1e+02", "1e+02", "99.5", "1e+02", "99.50", "99.50"),
        (-99.5_f64, "-1e+02", "-1e+02", "-99.5", "-1e+02", "-99.50", "-99.50"),
        (100_f64, "1e+02", "1e+02", "100", "1e+02", "100.00", "100.00"),
        (-100_f64, "-1e+02", "-1e+02", "-100", "-1e+02", "-100.00", "-100.00"),
        (1000_f64, "1e+03", "1e+03", "1e+03", "1e+03", "1000.00", "1000.00"),
        (-1000_f64, "-1e+03", "-1e+03", "-1e+03", "-1e+03", "-1000.00", "-1000.00"),
        (123456_f64, "1e+05", "1.2e+05", "1.23e+05", "1.2e+05", "123456.00", "123456.00"),
        (-123456_f64, "-1e+05", "-1.2e+05", "-1.23e+05", "-1.2e+05", "-123456.00", "-123456.00"),
        (0.0001_f64, "0.0001", "0.0001", "0.0001", "0.0001", "0.00", " 0.00"),
        (-0.0001_f64, "-0.0001", "-0.0001", "-0.0001", "-0.0001", "-0.00", "-0.00"),
        (1e-05_f64, "1e-05", "1e-05", "1e-05", "1e-05", "0.00", " 0.00"),
        (-1e-05_f64, "-1e-05", "-1e-05", "-1e-05", "-1e-05", "-0.00", "-0.00"),
        (9.9999e-05_f64, "0.0001", "0.0001", "0.0001", "0.0001", "0.00", " 0.00"),
        (-9.9999e-05_f64, "-0.0001", "-0.0001", "-0.0001", "-0.0001", "-0.00", "-0.00"),
        (9.995e-05_f64, "0.0001", "0.0001", "0.0001", "0.0001", "0.00", " 0.00"),
        (-9.995e-05_f64, "-0.0001", "-0.0001", "-0.0001", "-0.0001", "-0.00", "-0.00"),
        (1.6e-06_f64, "2e-06", "1.6e-06", "1.6e-06", "1.6e-06", "0.00", " 0.00"),
        (-1.6e-06_f64, "-2e-06", "-1.6e-06", "-1.6e-06", "-1.6e-06", "-0.00", "-0.00"),
        (0.99_f64, "1", "0.99", "0.99", " 0.99", "0.99", " 0.99"),
        (-0.99_f64, "-1", "-0.99", "-0.99", "-0.99", "-0.99", "-0.99"),
        (0.999_f64, "1", "1", "0.999", "    1", "1.00", " 1.00"),
        (-0.999_f64, "-1", "-1", "-0.999", "   -1", "-1.00", "-1.00"),
        (0.9951_f64, "1", "1", "0.995", "    1", "1.00", " 1.00"),
        (-0.9951_f64, "-1", "-1", "-0.995", "   -1", "-1.00", "-1.00"),
        (0.9949_f64, "1", "0.99", "0.995", " 0.99", "0.99", " 0.99"),
        (-0.9949_f64, "-1", "-0.99", "-0.995", "-0.99", "-0.99", "-0.99"),
        (9.5_f64, "1e+01", "9.5", "9.5", "  9.5", "9.50", " 9.50"),
        (-9.5_f64, "-1e+01", "-9.5", "-9.5", " -9.5", "-9.50", "-9.50"),
        (95_f64, "1e+02", "95", "95", "   95", "95.00", "95.00"),
        (-95_f64, "-1e+02", "-95", "-95", "  -95", "-95.00", "-95.00"),
        (0.015_f64, "0.01", "0.015", "0.015", "0.015", "0.01", " 0.01"),
        (-0.015_f64, "-0.01", "-0.015", "-0.015", "-0.015", "-0.01", "-0.01"),
        (0.025_f64, "0.03", "0.025", "0.025", "0.025", "0.03", " 0.03"),
        (-0.025_f64, "-0.03", "-0.025", "-0.025", "-0.025", "-0.03", "-0.03"),
        (0.035_f64, "0.04", "0.035", "0.035", "0.035", "0.04", " 0.04"),
        (-0.035_f64, "-0.04", "-0.035", "-0.035", "-0.035", "-0.04", "-0.04"),
        (1e+21_f64, "1e+21", "1e+21", "1e+21", "1e+21", "1000000000000000000000.00", "1000000000000000000000.00"),
        (-1e+21_f64, "-1e+21", "-1e+21", "-1e+21", "-1e+21", "-1000000000000000000000.00", "-1000000000000000000000.00"),
        (1e-300_f64, "1e-300", "1e-300", "1e-300", "1e-300", "0.00", " 0.00"),
        (-1e-300_f64, "-1e-300", "-1e-300", "-1e-300", "-1e-300", "-0.00", "-0.00"),
        (5e-324_f64, "5e-324", "4.9e-324", "4.94e-324", "4.9e-324", "0.00", " 0.00"),
        (-5e-324_f64, "-5e-324", "-4.9e-324", "-4.94e-324", "-4.9e-324", "-0.00", "-0.00"),
        (1.7976931348623157e+308_f64, "2e+308", "1.8e+308", "1.8e+308", "1.8e+308", "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00", "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00"),
        (-1.7976931348623157e+308_f64, "-2e+308", "-1.8e+308", "-1.8e+308", "-1.8e+308", "-179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00", "-179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00"),
        (0.1_f64, "0.1", "0.1", "0.1", "  0.1", "0.10", " 0.10"),
        (-0.1_f64, "-0.1", "-0.1", "-0.1", " -0.1", "-0.10", "-0.10"),
        (0.2_f64, "0.2", "0.2", "0.2", "  0.2", "0.20", " 0.20"),
        (-0.2_f64, "-0.2", "-0.2", "-0.2", " -0.2", "-0.20", "-0.20"),
        (0.3_f64, "0.3", "0.3", "0.3", "  0.3", "0.30", " 0.30"),
        (-0.3_f64, "-0.3", "-0.3", "-0.3", " -0.3", "-0.30", "-0.30"),
        (0.3333333333333333_f64, "0.3", "0.33", "0.333", " 0.33", "0.33", " 0.33"),
        (-0.3333333333333333_f64, "-0.3", "-0.33", "-0.333", "-0.33", "-0.33", "-0.33"),
        (0.6666666666666666_f64, "0.7", "0.67", "0.667", " 0.67", "0.67", " 0.67"),
        (-0.6666666666666666_f64, "-0.7", "-0.67", "-0.667", "-0.67", "-0.67", "-0.67"),
        (123.456_f64, "1e+02", "1.2e+02", "123", "1.2e+02", "123.46", "123.46"),
        (-123.456_f64, "-1e+02", "-1.2e+02", "-123", "-1.2e+02", "-123.46", "-123.46"),
        (0.000123456_f64, "0.0001", "0.00012", "0.000123", "0.00012", "0.00", " 0.00"),
        (-0.000123456_f64, "-0.0001", "-0.00012", "-0.000123", "-0.00012", "-0.00", "-0.00"),
        (9.995_f64, "1e+01", "10", "9.99", "   10", "9.99", " 9.99"),
        (-9.995_f64, "-1e+01", "-10", "-9.99", "  -10", "-9.99", "-9.99"),
        (99.95_f64, "1e+02", "1e+02", "100", "1e+02", "99.95", "99.95"),
        (-99.95_f64, "-1e+02", "-1e+02", "-100", "-1e+02", "-99.95", "-99.95"),
        (999.5_f64, "1e+03", "1e+03", "1e+03", "1e+03", "999.50", "999.50"),
        (-999.5_f64, "-1e+03", "-1e+03", "-1e+03", "-1e+03", "-999.50", "-999.50"),
        (2.0399822005469526_f64, "2", "2", "2.04", "    2", "2.04", " 2.04"),
        (-2.0399822005469526_f64, "-2", "-2", "-2.04", "   -2", "-2.04", "-2.04"),
        (1.4712210953782977e-05_f64, "1e-05", "1.5e-05", "1.47e-05", "1.5e-05", "0.00", " 0.00"),
        (-1.4712210953782977e-05_f64, "-1e-05", "-1.5e-05", "-1.47e-05", "-1.5e-05", "-0.00", "-0.00"),
        (9.002193541599074e-05_f64, "9e-05", "9e-05", "9e-05", "9e-05", "0.00", " 0.00"),
        (-9.002193541599074e-05_f64, "-9e-05", "-9e-05", "-9e-05", "-9e-05", "-0.00", "-0.00"),
        (5.9384019784707866e-08_f64, "6e-08", "5.9e-08", "5.94e-08", "5.9e-08", "0.00", " 0.00"),
        (-5.9384019784707866e-08_f64, "-6e-08", "-5.9e-08", "-5.94e-08", "-5.9e-08", "-0.00", "-0.00"),
        (2.4111711346546813e-09_f64, "2e-09", "2.4e-09", "2.41e-09", "2.4e-09", "0.00", " 0.00"),
        (-2.4111711346546813e-09_f64, "-2e-09", "-2.4e-09", "-2.41e-09", "-2.4e-09", "-0.00", "-0.00"),
        (4.958618769208891e-08_f64, "5e-08", "5e-08", "4.96e-08", "5e-08", "0.00", " 0.00"),
        (-4.958618769208891e-08_f64, "-5e-08", "-5e-08", "-4.96e-08", "-5e-08", "-0.00", "-0.00"),
        (2.1506587507342897e-07_f64, "2e-07", "2.2e-07", "2.15e-07", "2.2e-07", "0.00", " 0.00"),
        (-2.1506587507342897e-07_f64, "-2e-07", "-2.2e-07", "-2.15e-07", "-2.2e-07", "-0.00", "-0.00"),
        (6.201148737048416e-06_f64, "6e-06", "6.2e-06", "6.2e-06", "6.2e-06", "0.00", " 0.00"),
        (-6.201148737048416e-06_f64, "-6e-06", "-6.2e-06", "-6.2e-06", "-6.2e-06", "-0.00", "-0.00"),
        (16889.020403618437_f64, "2e+04", "1.7e+04", "1.69e+04", "1.7e+04", "16889.02", "16889.02"),
        (-16889.020403618437_f64, "-2e+04", "-1.7e+04", "-1.69e+04", "-1.7e+04", "-16889.02", "-16889.02"),
        (0.0001192293194802766_f64, "0.0001", "0.00012", "0.000119", "0.00012", "0.00", " 0.00"),
        (-0.0001192293194802766_f64, "-0.0001", "-0.00012", "-0.000119", "-0.00012", "-0.00", "-0.00"),
        (1.1636037633320175e-09_f64, "1e-09", "1.2e-09", "1.16e-09", "1.2e-09", "0.00", " 0.00"),
        (-1.1636037633320175e-09_f64, "-1e-09", "-1.2e-09", "-1.16e-09", "-1.2e-09", "-0.00", "-0.00"),
        (6.332393832285174e-07_f64, "6e-07", "6.3e-07", "6.33e-07", "6.3e-07", "0.00", " 0.00"),
        (-6.332393832285174e-07_f64, "-6e-07", "-6.3e-07", "-6.33e-07", "-6.3e-07", "-0.00", "-0.00"),
        (24.96440580341645_f64, "2e+01", "25", "25", "   25", "24.96", "24.96"),
        (-24.96440580341645_f64, "-2e+01", "-25", "-25", "  -25", "-24.96", "-24.96"),
        (0.012989893940503455_f64, "0.01", "0.013", "0.013", "0.013", "0.01", " 0.01"),
        (-0.012989893940503455_f64, "-0.01", "-0.013", "-0.013", "-0.013", "-0.01", "-0.01"),
        (6.926065732062155_f64, "7", "6.9", "6.93", "  6.9", "6.93", " 6.93"),
        (-6.926065732062155_f64, "-7", "-6.9", "-6.93", " -6.9", "-6.93", "-6.93"),
        (0.9520152033795444_f64, "1", "0.95", "0.952", " 0.95", "0.95", " 0.95"),
        (-0.9520152033795444_f64, "-1", "-0.95", "-0.952", "-0.95", "-0.95", "-0.95"),
        (12978.633474977889_f64, "1e+04", "1.3e+04", "1.3e+04", "1.3e+04", "12978.63", "12978.63"),
        (-12978.633474977889_f64, "-1e+04", "-1.3e+04", "-1.3e+04", "-1.3e+04", "-12978.63", "-12978.63"),
        (3.318730541486061e-06_f64, "3e-06", "3.3e-06", "3.32e-06", "3.3e-06", "0.00", " 0.00"),
        (-3.318730541486061e-06_f64, "-3e-06", "-3.3e-06", "-3.32e-06", "-3.3e-06", "-0.00", "-0.00"),
        (545.4588766891378_f64, "5e+02", "5.5e+02", "545", "5.5e+02", "545.46", "545.46"),
        (-545.4588766891378_f64, "-5e+02", "-5.5e+02", "-545", "-5.5e+02", "-545.46", "-545.46"),
        (6.086020712203445e-08_f64, "6e-08", "6.1e-08", "6.09e-08", "6.1e-08", "0.00", " 0.00"),
        (-6.086020712203445e-08_f64, "-6e-08", "-6.1e-08", "-6.09e-08", "-6.1e-08", "-0.00", "-0.00"),
        (3.1757752125668806e-06_f64, "3e-06", "3.2e-06", "3.18e-06", "3.2e-06", "0.00", " 0.00"),
        (-3.1757752125668806e-06_f64, "-3e-06", "-3.2e-06", "-3.18e-06", "-3.2e-06", "-0.00", "-0.00"),
        (1804.6855649195436_f64, "2e+03", "1.8e+03", "1.8e+03", "1.8e+03", "1804.69", "1804.69"),
        (-1804.6855649195436_f64, "-2e+03", "-1.8e+03", "-1.8e+03", "-1.8e+03", "-1804.69", "-1804.69"),
        (4.9367173688459166e-06_f64, "5e-06", "4.9e-06", "4.94e-06", "4.9e-06", "0.00", " 0.00"),
        (-4.9367173688459166e-06_f64, "-5e-06", "-4.9e-06", "-4.94e-06", "-4.9e-06", "-0.00", "-0.00"),
        (37.049416994132486_f64, "4e+01", "37", "37", "   37", "37.05", "37.05"),
        (-37.049416994132486_f64, "-4e+01", "-37", "-37", "  -37", "-37.05", "-37.05"),
        (8.18569578285878e-10_f64, "8e-10", "8.2e-10", "8.19e-10", "8.2e-10", "0.00", " 0.00"),
        (-8.18569578285878e-10_f64, "-8e-10", "-8.2e-10", "-8.19e-10", "-8.2e-10", "-0.00", "-0.00"),
        (0.00040362282480473966_f64, "0.0004", "0.0004", "0.000404", "0.0004", "0.00", " 0.00"),
        (-0.00040362282480473966_f64, "-0.0004", "-0.0004", "-0.000404", "-0.0004", "-0.00", "-0.00"),
        (187.9939385407067_f64, "2e+02", "1.9e+02", "188", "1.9e+02", "187.99", "187.99"),
        (-187.9939385407067_f64, "-2e+02", "-1.9e+02", "-188", "-1.9e+02", "-187.99", "-187.99"),
        (9.449222124379616e-10_f64, "9e-10", "9.4e-10", "9.45e-10", "9.4e-10", "0.00", " 0.00"),
        (-9.449222124379616e-10_f64, "-9e-10", "-9.4e-10", "-9.45e-10", "-9.4e-10", "-0.00", "-0.00"),
        (2.2466527575844043e-08_f64, "2e-08", "2.2e-08", "2.25e-08", "2.2e-08", "0.00", " 0.00"),
        (-2.2466527575844043e-08_f64, "-2e-08", "-2.2e-08", "-2.25e-08", "-2.2e-08", "-0.00", "-0.00"),
        (9.372857498252793e-10_f64, "9e-10", "9.4e-10", "9.37e-10", "9.4e-10", "0.00", " 0.00"),
        (-9.372857498252793e-10_f64, "-9e-10", "-9.4e-10", "-9.37e-10", "-9.4e-10", "-0.00", "-0.00"),
        (7.945_f64, "8", "7.9", "7.95", "  7.9", "7.95", " 7.95"),
        (-7.945_f64, "-8", "-7.9", "-7.95", " -7.9", "-7.95", "-7.95"),
        (10.227_f64, "1e+01", "10", "10.2", "   10", "10.23", "10.23"),
        (-10.227_f64, "-1e+01", "-10", "-10.2", "  -10", "-10.23", "-10.23"),
        (70.934_f64, "7e+01", "71", "70.9", "   71", "70.93", "70.93"),
        (-70.934_f64, "-7e+01", "-71", "-70.9", "  -71", "-70.93", "-70.93"),
        (54.817_f64, "5e+01", "55", "54.8", "   55", "54.82", "54.82"),
        (-54.817_f64, "-5e+01", "-55", "-54.8", "  -55", "-54.82", "-54.82"),
        (77.589_f64, "8e+01", "78", "77.6", "   78", "77.59", "77.59"),
        (-77.589_f64, "-8e+01", "-78", "-77.6", "  -78", "-77.59", "-77.59"),
        (83.625_f64, "8e+01", "84", "83.6", "   84", "83.62", "83.62"),
        (-83.625_f64, "-8e+01", "-84", "-83.6", "  -84", "-83.62", "-83.62"),
        (74.248_f64, "7e+01", "74", "74.2", "   74", "74.25", "74.25"),
        (-74.248_f64, "-7e+01", "-74", "-74.2", "  -74", "-74.25", "-74.25"),
        (14.333_f64, "1e+01", "14", "14.3", "   14", "14.33", "14.33"),
        (-14.333_f64, "-1e+01", "-14", "-14.3", "  -14", "-14.33", "-14.33"),
        (63.079_f64, "6e+01", "63", "63.1", "   63", "63.08", "63.08"),
        (-63.079_f64, "-6e+01", "-63", "-63.1", "  -63", "-63.08", "-63.08"),
        (54.588_f64, "5e+01", "55", "54.6", "   55", "54.59", "54.59"),
        (-54.588_f64, "-5e+01", "-55", "-54.6", "  -55", "-54.59", "-54.59"),
        (74.411_f64, "7e+01", "74", "74.4", "   74", "74.41", "74.41"),
        (-74.411_f64, "-7e+01", "-74", "-74.4", "  -74", "-74.41", "-74.41"),
        (45.312_f64, "5e+01", "45", "45.3", "   45", "45.31", "45.31"),
        (-45.312_f64, "-5e+01", "-45", "-45.3", "  -45", "-45.31", "-45.31"),
        (21.59_f64, "2e+01", "22", "21.6", "   22", "21.59", "21.59"),
        (-21.59_f64, "-2e+01", "-22", "-21.6", "  -22", "-21.59", "-21.59"),
        (30.958_f64, "3e+01", "31", "31", "   31", "30.96", "30.96"),
        (-30.958_f64, "-3e+01", "-31", "-31", "  -31", "-30.96", "-30.96"),
        (33.348_f64, "3e+01", "33", "33.3", "   33", "33.35", "33.35"),
        (-33.348_f64, "-3e+01", "-33", "-33.3", "  -33", "-33.35", "-33.35"),
        (91.569_f64, "9e+01", "92", "91.6", "   92", "91.57", "91.57"),
        (-91.569_f64, "-9e+01", "-92", "-91.6", "  -92", "-91.57", "-91.57"),
        (97.453_f64, "1e+02", "97", "97.5", "   97", "97.45", "97.45"),
        (-97.453_f64, "-1e+02", "-97", "-97.5", "  -97", "-97.45", "-97.45"),
        (12.805_f64, "1e+01", "13", "12.8", "   13", "12.80", "12.80"),
        (-12.805_f64, "-1e+01", "-13", "-12.8", "  -13", "-12.80", "-12.80"),
        (14.39_f64, "1e+01", "14", "14.4", "   14", "14.39", "14.39"),
        (-14.39_f64, "-1e+01", "-14", "-14.4", "  -14", "-14.39", "-14.39"),
        (50.639_f64, "5e+01", "51", "50.6", "   51", "50.64", "50.64"),
        (-50.639_f64, "-5e+01", "-51", "-50.6", "  -51", "-50.64", "-50.64"),
    ];
}
