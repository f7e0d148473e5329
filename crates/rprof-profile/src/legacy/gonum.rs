//! Go's number parsing and float math as pprof's legacy parsers use them,
//! ported so that unsampled values come out exactly as pprof computes them.

use crate::measurement::go_f64_to_i64;

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
    let scale = 1.0 / (1.0 - crate::gomath::exp(-avg_size / rate as f64));
    (
        go_f64_to_i64(count as f64 * scale),
        go_f64_to_i64(size as f64 * scale),
    )
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
