//! `time.Unix(sec, nsec).Format(time.RFC3339Nano)` as Go prints it in UTC
//! (the clock snapshot's wall time in `-d=parsed`; Go uses the local zone,
//! so parity assumes `TZ=UTC`, as on the machines that wrote the fixtures).

use std::io::Write as _;

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i128) -> (i128, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Appends `sec`/`nsec` (Unix time) formatted as RFC 3339 with trimmed
/// nanoseconds and `Z`.
pub(crate) fn write_rfc3339_nano(out: &mut Vec<u8>, sec: i64, nsec: i64) {
    // time.Unix normalises nsec into [0, 1e9).
    let total = i128::from(sec) * 1_000_000_000 + i128::from(nsec);
    let secs = total.div_euclid(1_000_000_000);
    let nanos = total.rem_euclid(1_000_000_000) as u32;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    if y < 0 {
        let _ = write!(out, "-{:04}", -y);
    } else {
        let _ = write!(out, "{y:04}");
    }
    let _ = write!(
        out,
        "-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if nanos != 0 {
        let s = format!("{nanos:09}");
        let _ = write!(out, ".{}", s.trim_end_matches('0'));
    }
    out.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        let mut v = Vec::new();
        write_rfc3339_nano(&mut v, 1795737994, 598006680);
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "2026-11-27T00:06:34.59800668Z"
        );
        let mut v = Vec::new();
        write_rfc3339_nano(&mut v, 0, 0);
        assert_eq!(String::from_utf8(v).unwrap(), "1970-01-01T00:00:00Z");
        let mut v = Vec::new();
        write_rfc3339_nano(&mut v, -1, 1_500_000_000);
        assert_eq!(String::from_utf8(v).unwrap(), "1970-01-01T00:00:00.5Z");
    }
}
