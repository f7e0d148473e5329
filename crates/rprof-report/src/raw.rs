//! `-raw`: the debug dump of the profile itself, byte for byte what pprof's
//! `(*Profile).String()` prints (`profile/profile.go`):
//!
//! ```text
//! Comment: …                       one per comment
//! Doc: …                           if set
//! PeriodType: cpu nanoseconds
//! Period: 10000000
//! Time: 2026-11-26 23:56:25.123 +0000 UTC   if set; Go's Time.String, local zone
//! Duration: 1.23                   if set; Go's Duration.String cut to 4 characters
//! Samples:
//! samples/count cpu/nanoseconds[dflt]
//!           1   10000000: 1 2 3    values %10d, then location ids
//!                 key:[v1 v2] …    string labels, sorted
//!                 bytes:[512] …    numeric labels, sorted ("[1 bytes]" with units)
//! Locations
//!      1: 0x4cb98f M=1 [F] name file:line:column s=start_line(system_name)
//!              next inlined line…
//! Mappings
//! 1: 0x400000/0x4f1000/0x0 /path/binary buildid [FN][FL][LN][IN]
//! ```
//!
//! Differences from Go's in-memory profile that matter here are settled
//! as a freshly read Go profile has them: a missing period type prints as
//! `PeriodType:  ` (Go's decoder always creates one), and labels are
//! grouped by key in the order they appear (Go keeps them in maps of
//! lists). Every label of the model is printed: a label without string
//! value is numeric, even with value 0 and no unit (Go's protobuf decoder
//! drops those; legacy heap profiles keep `bytes:[0]`).

use crate::timefmt::go_time_string;
use rprof_profile::{Label, Profile};
use std::fmt::{self, Write};

/// Writes pprof's `Profile.String()` of `p` into `out` (a `String`, or any
/// [`fmt::Write`]); the text always ends with a newline.
pub fn write_raw(p: &Profile, out: &mut impl Write) -> fmt::Result {
    for &c in &p.comments {
        writeln!(out, "Comment: {}", p.str(c))?;
    }
    if p.doc_url != 0 && !p.str(p.doc_url).is_empty() {
        writeln!(out, "Doc: {}", p.str(p.doc_url))?;
    }
    let (pt, pu) = p
        .period_type
        .map_or(("", ""), |vt| (p.str(vt.ty), p.str(vt.unit)));
    writeln!(out, "PeriodType: {pt} {pu}")?;
    writeln!(out, "Period: {}", p.period)?;
    if p.time_nanos != 0 {
        writeln!(out, "Time: {}", go_time_string(p.time_nanos))?;
    }
    if p.duration_nanos != 0 {
        let d = go_duration_string(p.duration_nanos);
        let cut: String = d.chars().take(4).collect();
        writeln!(out, "Duration: {cut}")?;
    }

    writeln!(out, "Samples:")?;
    let default_type = p.str(p.default_sample_type);
    let mut header = String::new();
    for st in &p.sample_types {
        let ty = p.str(st.ty);
        let dflt = if ty == default_type { "[dflt]" } else { "" };
        write!(header, "{}/{}{} ", ty, p.str(st.unit), dflt)?;
    }
    writeln!(out, "{}", header.trim())?;

    let s = &p.samples;
    for i in 0..s.len() {
        for v in s.values(i) {
            write!(out, " {v:10}")?;
        }
        out.write_str(": ")?;
        for &l in s.stack(i) {
            let id = p.locations.get(l as usize).map_or(0, |l| l.id);
            write!(out, "{id} ")?;
        }
        out.write_char('\n')?;
        write_labels(p, s.labels(i), out)?;
    }

    writeln!(out, "Locations")?;
    for loc in &p.locations {
        let mut head = format!("{:6}: {:#x} ", loc.id, loc.address);
        if let Some(m) = loc.mapping.and_then(|m| p.mappings.get(m as usize)) {
            write!(head, "M={} ", m.id)?;
        }
        if loc.is_folded {
            head.push_str("[F] ");
        }
        let lines = &p.lines[loc.lines.start as usize..loc.lines.end as usize];
        if lines.is_empty() {
            writeln!(out, "{head}")?;
        }
        for line in lines {
            out.write_str(&head)?;
            match p.functions.get(line.function as usize) {
                Some(f) => {
                    let (name, sys) = (p.str(f.name), p.str(f.system_name));
                    write!(
                        out,
                        "{} {}:{}:{} s={}",
                        name,
                        p.str(f.filename),
                        line.line,
                        line.column,
                        f.start_line
                    )?;
                    if name != sys {
                        write!(out, "({sys})")?;
                    }
                }
                None => out.write_str("??")?,
            }
            out.write_char('\n')?;
            // Location details only on the first line.
            head = " ".repeat(13);
        }
    }

    writeln!(out, "Mappings")?;
    for m in &p.mappings {
        let mut bits = String::new();
        for (has, b) in [
            (m.has_functions, "[FN]"),
            (m.has_filenames, "[FL]"),
            (m.has_line_numbers, "[LN]"),
            (m.has_inline_frames, "[IN]"),
        ] {
            if has {
                bits.push_str(b);
            }
        }
        writeln!(
            out,
            "{}: {:#x}/{:#x}/{:#x} {} {} {}",
            m.id,
            m.start,
            m.limit,
            m.offset,
            p.str(m.file),
            p.str(m.build_id),
            bits
        )?;
    }
    Ok(())
}

/// The label lines of one sample: Go's `labelsToString` and
/// `numLabelsToString`, each `key:[values]` sorted and space-separated.
fn write_labels(p: &Profile, labels: &[Label], out: &mut impl Write) -> fmt::Result {
    if labels.is_empty() {
        return Ok(());
    }
    const HEADER: &str = "                ";
    // Grouped by key, in order of first appearance.
    let mut strs: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut nums: Vec<(&str, Vec<i64>, Vec<&str>)> = Vec::new();
    for l in labels {
        let key = p.str(l.key);
        if l.is_str() {
            match strs.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(p.str(l.str)),
                None => strs.push((key, vec![p.str(l.str)])),
            }
        } else {
            let idx = match nums.iter().position(|(k, _, _)| *k == key) {
                Some(i) => i,
                None => {
                    nums.push((key, Vec::new(), Vec::new()));
                    nums.len() - 1
                }
            };
            let (_, values, units) = &mut nums[idx];
            if l.num_unit != 0 {
                // Go pads the units of earlier unitless values with "".
                units.resize(values.len(), "");
                units.push(p.str(l.num_unit));
            }
            values.push(l.num);
        }
    }
    if !strs.is_empty() {
        let mut ls: Vec<String> = strs
            .iter()
            .map(|(k, v)| format!("{}:[{}]", k, v.join(" ")))
            .collect();
        ls.sort();
        writeln!(out, "{HEADER}{}", ls.join(" "))?;
    }
    if !nums.is_empty() {
        let mut ls: Vec<String> = nums
            .iter_mut()
            .map(|(k, values, units)| {
                if !units.is_empty() {
                    units.resize(values.len(), "");
                }
                let vals: Vec<String> = if units.len() == values.len() {
                    values
                        .iter()
                        .zip(units.iter())
                        .map(|(v, u)| format!("{v} {u}"))
                        .collect()
                } else {
                    values.iter().map(|v| v.to_string()).collect()
                };
                format!("{}:[{}]", k, vals.join(" "))
            })
            .collect();
        ls.sort();
        writeln!(out, "{HEADER}{}", ls.join(" "))?;
    }
    Ok(())
}

/// Go's `time.Duration.String()`: `72h3m0.5s`, `1.5ms`, `2µs`, `0s`.
pub fn go_duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut buf: Vec<u8> = Vec::with_capacity(32);
    // Built backwards, as Go does.
    if u < 1_000_000_000 {
        let prec;
        buf.push(b's');
        if u == 0 {
            return "0s".to_string();
        } else if u < 1_000 {
            prec = 0;
            buf.push(b'n');
        } else if u < 1_000_000 {
            prec = 3;
            // "µ" backwards.
            buf.extend_from_slice(&[0xb5, 0xc2]);
        } else {
            prec = 6;
            buf.push(b'm');
        }
        u = frac_backwards(&mut buf, u, prec);
        int_backwards(&mut buf, u);
    } else {
        buf.push(b's');
        u = frac_backwards(&mut buf, u, 9);
        int_backwards(&mut buf, u % 60);
        u /= 60;
        if u > 0 {
            buf.push(b'm');
            int_backwards(&mut buf, u % 60);
            u /= 60;
            if u > 0 {
                buf.push(b'h');
                int_backwards(&mut buf, u);
            }
        }
    }
    if neg {
        buf.push(b'-');
    }
    buf.reverse();
    String::from_utf8(buf).expect("ASCII and µ")
}

/// Go's `fmtFrac`, appending backwards: the fraction of `v/10^prec`
/// without trailing zeros (and without the point if it is zero).
fn frac_backwards(buf: &mut Vec<u8>, mut v: u64, prec: usize) -> u64 {
    let mut print = false;
    for _ in 0..prec {
        let digit = (v % 10) as u8;
        print = print || digit != 0;
        if print {
            buf.push(digit + b'0');
        }
        v /= 10;
    }
    if print {
        buf.push(b'.');
    }
    v
}

/// Go's `fmtInt`, appending backwards.
fn int_backwards(buf: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        buf.push(b'0');
        return;
    }
    while v > 0 {
        buf.push((v % 10) as u8 + b'0');
        v /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_go() {
        assert_eq!(go_duration_string(0), "0s");
        assert_eq!(go_duration_string(1), "1ns");
        assert_eq!(go_duration_string(1_500), "1.5µs");
        assert_eq!(go_duration_string(1_500_000), "1.5ms");
        assert_eq!(go_duration_string(1_230_000_000), "1.23s");
        assert_eq!(go_duration_string(16_500_000_000_000), "4h35m0s");
        assert_eq!(go_duration_string(-61_000_000_000), "-1m1s");
        assert_eq!(go_duration_string(i64::MIN), "-2562047h47m16.854775808s");
        assert_eq!(go_duration_string(i64::MAX), "2562047h47m16.854775807s");
    }
}
