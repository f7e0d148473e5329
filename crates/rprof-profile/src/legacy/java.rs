//! Java heapz and contentionz profiles and the symbol table of Java CPU
//! profiles (pprof's `legacy_java_profile.go`).

use super::gonum::{parse_int, parse_uint, scale_heap_sample};
use super::maps;
use super::model::{
    LFunction, LLine, LProfile, LSample, LegacyError, LocTable, PResult, malformed,
};
use super::scan::{lazy_rx, lossy, parse_hex_addresses, trim_space};
use std::collections::HashMap;

const FORMAT: &str = "java";

lazy_rx!(attribute_rx, r"([\w ]+)=([\w ]+)");
lazy_rx!(java_sample_rx, r" *(\d+) +(\d+) +@ +([ x0-9a-f]*)");
lazy_rx!(java_location_rx, r"^\s*0x([[:xdigit:]]+)\s+(.*)\s*$");
lazy_rx!(
    java_location_file_line_rx,
    r"^(.*)\s+\((.+):(-?[[:digit:]]+)\)$"
);
lazy_rx!(java_location_path_rx, r"^(.*)\s+\((.*)\)$");

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Heap,
    Contention,
}

/// Splits off the first line including its `\n` (Go's `bytes.IndexByte`
/// loops): `None` when no newline is left.
fn next_line(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = b.iter().position(|&c| c == b'\n')?;
    Some((&b[..i], &b[i + 1..]))
}

/// pprof's `parseJavaProfile`: `--- heapz 1 ---` or `--- contentionz 1 ---`.
pub(crate) fn parse_java_profile(b: &[u8]) -> PResult<LProfile> {
    let Some((h0, rest)) = next_line(b) else {
        return Err(LegacyError::Unrecognized);
    };
    let kind = match trim_space(h0) {
        b"--- heapz 1 ---" => Kind::Heap,
        b"--- contentionz 1 ---" => Kind::Contention,
        _ => return Err(LegacyError::Unrecognized),
    };
    let mut p = LProfile {
        period_type: Some((String::new(), String::new())),
        ..Default::default()
    };
    let line0 = 2;
    let (b, line0) = parse_java_header(kind, rest, &mut p, line0)?;
    let (b, locs) = parse_java_samples(kind, b, &mut p, line0)?;
    parse_java_locations(b, &locs, &mut p)?;
    strip_addresses(&mut p);
    Ok(p)
}

/// pprof's `parseJavaHeader`: `attribute = value` lines; returns the rest
/// from the first line that is none, and its line number.
fn parse_java_header<'a>(
    kind: Kind,
    mut b: &'a [u8],
    p: &mut LProfile,
    mut line_no: usize,
) -> PResult<(&'a [u8], usize)> {
    while let Some((raw, rest)) = next_line(b) {
        let line = trim_space(raw);
        if !line.is_empty() {
            let Some(h) = attribute_rx().captures(line) else {
                return Ok((b, line_no));
            };
            let attribute = trim_space(&h[1]);
            let value = trim_space(&h[2]);
            let bad = |what: &str| {
                malformed(
                    FORMAT,
                    line_no,
                    format!("failed to parse attribute {}: {what}", lossy(line)),
                )
            };
            match (kind, attribute) {
                (_, b"format") => {
                    if value != b"java" {
                        return Err(LegacyError::Unrecognized);
                    }
                }
                (Kind::Heap, b"resolution") => {
                    p.sample_types = vec![
                        LProfile::value_type("inuse_objects", "count"),
                        LProfile::value_type("inuse_space", &lossy(value)),
                    ];
                }
                (Kind::Contention, b"resolution") => {
                    p.sample_types = vec![
                        LProfile::value_type("contentions", "count"),
                        LProfile::value_type("delay", &lossy(value)),
                    ];
                }
                (Kind::Contention, b"sampling period") => {
                    p.period_type = Some(LProfile::value_type("contentions", "count"));
                    p.period =
                        parse_int(value, 0).ok_or_else(|| bad("invalid syntax or out of range"))?;
                }
                (Kind::Contention, b"ms since reset") => {
                    let ms =
                        parse_int(value, 0).ok_or_else(|| bad("invalid syntax or out of range"))?;
                    p.duration_nanos = ms.wrapping_mul(1000).wrapping_mul(1000);
                }
                _ => return Err(LegacyError::Unrecognized),
            }
        }
        b = rest;
        line_no += 1;
    }
    Ok((b, line_no))
}

/// pprof's `parseJavaSamples`: `value1 value2 @ addrs` lines (Java puts
/// the fields the other way around); returns the rest from the first line
/// that is none.
fn parse_java_samples<'a>(
    kind: Kind,
    mut b: &'a [u8],
    p: &mut LProfile,
    mut line_no: usize,
) -> PResult<(&'a [u8], LocTable)> {
    let mut locs = LocTable::default();
    while let Some((raw, rest)) = next_line(b) {
        let line = trim_space(raw);
        if !line.is_empty() {
            let Some(sample) = java_sample_rx().captures(line) else {
                return Ok((b, locs));
            };
            let bad = |what: String| {
                malformed(
                    FORMAT,
                    line_no,
                    format!("parsing sample {}: {what}", lossy(line)),
                )
            };
            let addrs = parse_hex_addresses(&sample[3]).map_err(|e| bad(e.to_string()))?;
            let sloc: Vec<usize> = addrs.iter().map(|&a| locs.get(p, a)).collect();
            let mut v0 = parse_int(&sample[2], 0)
                .ok_or_else(|| bad("invalid syntax or out of range".into()))?;
            let mut v1 = parse_int(&sample[1], 0)
                .ok_or_else(|| bad("invalid syntax or out of range".into()))?;
            let mut num_labels = Vec::new();
            match kind {
                Kind::Heap => {
                    const JAVA_HEAPZ_SAMPLING_RATE: i64 = 524288; // 512K
                    if v0 == 0 {
                        return Err(bad("second value must be non-zero".into()));
                    }
                    num_labels.push(("bytes".to_string(), v1.wrapping_div(v0)));
                    (v0, v1) = scale_heap_sample(v0, v1, JAVA_HEAPZ_SAMPLING_RATE);
                }
                Kind::Contention => {
                    if p.period != 0 {
                        v0 = v0.wrapping_mul(p.period);
                        v1 = v1.wrapping_mul(p.period);
                    }
                }
            }
            p.samples.push(LSample {
                locs: sloc,
                values: vec![v0, v1],
                num_labels,
                labels: Vec::new(),
            });
        }
        b = rest;
        line_no += 1;
    }
    Ok((b, locs))
}

/// pprof's `parseJavaLocations`: `0xADDR function (file:line)` lines name
/// the addresses used by samples; then locations, functions and mappings
/// are renumbered.
pub(super) fn parse_java_locations(b: &[u8], locs: &LocTable, p: &mut LProfile) -> PResult<()> {
    let mut fns: HashMap<Vec<u8>, usize> = HashMap::new();
    for raw in b.split(|&c| c == b'\n') {
        let line = trim_space(raw);
        if line.is_empty() {
            continue;
        }
        let Some(jloc) = java_location_rx().captures(line) else {
            continue;
        };
        let Some(addr) = parse_uint(&jloc[1], 16) else {
            return Err(malformed(
                FORMAT,
                0,
                format!("parsing sample {}: value out of range", lossy(line)),
            ));
        };
        let Some(loc) = locs.lookup(addr) else {
            // Unused/unseen.
            continue;
        };
        let desc = &jloc[2];
        let (line_func, line_file, line_no): (&[u8], Vec<u8>, i64);
        if let Some(fl) = java_location_file_line_rx().captures(desc) {
            // "function (file:line)"
            line_func = fl.get(1).map_or(&b""[..], |m| m.as_bytes());
            line_file = fl[2].to_vec();
            line_no = parse_int(&fl[3], 10).filter(|&n| n > 0).unwrap_or(0);
        } else if let Some(fp) = java_location_path_rx().captures(desc) {
            // A shared library path: just its base name.
            line_func = fp.get(1).map_or(&b""[..], |m| m.as_bytes());
            line_file = go_base(&fp[2]);
            line_no = 0;
        } else if super::scan::contains(desc, b"generated stub/JIT") {
            line_func = b"STUB";
            line_file = Vec::new();
            line_no = 0;
        } else {
            // The whole line is the function name (the Java agent's internal
            // states such as "GC" or "VM").
            line_func = desc;
            line_file = Vec::new();
            line_no = 0;
        }
        let function = *fns.entry(line_func.to_vec()).or_insert_with(|| {
            p.functions.push(LFunction {
                name: lossy(line_func),
                system_name: lossy(line_func),
                filename: lossy(&line_file),
            });
            p.functions.len() - 1
        });
        let l = &mut p.locations[loc];
        l.lines = vec![LLine {
            function,
            line: line_no,
        }];
        l.address = 0;
    }
    p.remap_location_ids();
    p.remap_function_ids();
    maps::remap_mapping_ids(p);
    Ok(())
}

/// What pprof's `Aggregate(true, true, true, true, false, false)` changes
/// here: addresses (and columns, always 0 here) are dropped.
pub(super) fn strip_addresses(p: &mut LProfile) {
    for l in &mut p.locations {
        l.address = 0;
    }
}

/// Go's `filepath.Base` (Unix).
fn go_base(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return b".".to_vec();
    }
    let mut p = path;
    while p.len() > 1 && p.ends_with(b"/") {
        p = &p[..p.len() - 1];
    }
    if p == b"/" {
        return b"/".to_vec();
    }
    match p.iter().rposition(|&c| c == b'/') {
        Some(i) => p[i + 1..].to_vec(),
        None => p.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_like_go() {
        assert_eq!(go_base(b""), b".");
        assert_eq!(go_base(b"/"), b"/");
        assert_eq!(go_base(b"///"), b"/");
        assert_eq!(go_base(b"/a/b.so"), b"b.so");
        assert_eq!(go_base(b"/a/b/"), b"b");
        assert_eq!(go_base(b"b"), b"b");
    }
}
