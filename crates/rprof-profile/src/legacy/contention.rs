//! Contention profiles (pprof's `parseContention`): Go's `--- mutex:` and
//! `--- contention:` (block) `debug=1` profiles and C++ `--- contentionz`.

use super::gonum::parse_int;
use super::gosym::GoSymbols;
use super::maps;
use super::model::{LProfile, LSample, LegacyError, LocTable, PResult, malformed};
use super::scan::{Scanner, is_space_or_comment, lazy_rx, lossy, parse_hex_addresses, trim_space};
use crate::measurement::go_f64_to_i64;

const FORMAT: &str = "contention";

lazy_rx!(contention_sample_rx, r"(\d+) *(\d+) @([ x0-9a-f]*)");

pub(crate) fn parse_contention(b: &[u8]) -> PResult<LProfile> {
    let mut s = Scanner::new(b);
    if !s.scan() {
        return Err(LegacyError::Unrecognized);
    }
    let first = s.text();
    if !(first.starts_with(b"--- contentionz ")
        || first.starts_with(b"--- mutex:")
        || first.starts_with(b"--- contention:"))
    {
        return Err(LegacyError::Unrecognized);
    }
    let mut p = LProfile {
        period_type: Some(LProfile::value_type("contentions", "count")),
        period: 1,
        sample_types: vec![
            LProfile::value_type("contentions", "count"),
            LProfile::value_type("delay", "nanoseconds"),
        ],
        ..Default::default()
    };

    let mut cpu_hz: i64 = 0;
    // "attribute = value" lines before the samples.
    while s.scan() {
        let line = trim_space(s.text());
        if is_space_or_comment(line) {
            continue;
        }
        if line.starts_with(b"---") {
            break;
        }
        let Some(eq) = line.iter().position(|&c| c == b'=') else {
            break;
        };
        let key = trim_space(&line[..eq]);
        let val = trim_space(&line[eq + 1..]);
        match key {
            b"cycles/second" => cpu_hz = parse_int(val, 0).ok_or(LegacyError::Unrecognized)?,
            b"sampling period" => p.period = parse_int(val, 0).ok_or(LegacyError::Unrecognized)?,
            b"ms since reset" => {
                let ms = parse_int(val, 0).ok_or(LegacyError::Unrecognized)?;
                p.duration_nanos = ms.wrapping_mul(1000).wrapping_mul(1000);
            }
            // C++ contentionz profiles have neither format nor resolution.
            b"format" | b"resolution" => return Err(LegacyError::Unrecognized),
            b"discarded samples" => {}
            _ => return Err(LegacyError::Unrecognized),
        }
    }

    let mut locs = LocTable::default();
    let mut syms = GoSymbols::default();
    loop {
        let line = trim_space(s.text());
        if line.starts_with(b"---") {
            break;
        }
        if !is_space_or_comment(line) {
            let (value, addrs) = parse_contention_sample(line, p.period, cpu_hz)
                .map_err(|e| e.unwrap_or(LegacyError::Unrecognized))
                .map_err(|e| match e {
                    LegacyError::Malformed { what, .. } => malformed(FORMAT, s.line_no(), what),
                    e => e,
                })?;
            let mut sloc = Vec::with_capacity(addrs.len());
            let mut stack = Vec::with_capacity(addrs.len());
            for addr in addrs {
                // Return addresses: step back onto the call.
                let addr = addr.wrapping_sub(1);
                stack.push(addr);
                sloc.push(locs.get(&mut p, addr));
            }
            syms.start_sample(p.samples.len(), stack);
            p.samples.push(LSample {
                locs: sloc,
                values: value,
                ..Default::default()
            });
        } else {
            syms.comment_or_blank(line);
        }
        if !s.scan() {
            break;
        }
    }
    syms.finish_block();
    maps::parse_additional_sections(&mut s, &mut p);
    syms.apply(&mut p, false);
    Ok(p)
}

/// pprof's `parseContentionSample`: `[contentions, delay]` unsampled, and
/// the addresses. `Err(None)` when the line is no sample (pprof then gives
/// up on the whole format).
fn parse_contention_sample(
    line: &[u8],
    period: i64,
    cpu_hz: i64,
) -> Result<(Vec<i64>, Vec<u64>), Option<LegacyError>> {
    let d = contention_sample_rx().captures(line).ok_or(None)?;
    let bad = |n: &[u8]| {
        Some(malformed(
            FORMAT,
            0,
            format!(
                "malformed sample: {}: strconv.ParseInt: parsing {:?}: value out of range",
                lossy(line),
                lossy(n)
            ),
        ))
    };
    let mut v1 = parse_int(&d[1], 10).ok_or_else(|| bad(&d[1]))?;
    let mut v2 = parse_int(&d[2], 10).ok_or_else(|| bad(&d[2]))?;
    // Unsample: delays from cycles to nanoseconds, counts by the period.
    if period > 0 {
        if cpu_hz > 0 {
            let cpu_ghz = cpu_hz as f64 / 1e9;
            v1 = go_f64_to_i64(v1 as f64 * period as f64 / cpu_ghz);
        }
        v2 = v2.wrapping_mul(period);
    }
    let addrs = parse_hex_addresses(&d[3]).map_err(|e| {
        Some(malformed(
            FORMAT,
            0,
            format!("malformed sample: {}: {e}", lossy(line)),
        ))
    })?;
    Ok((vec![v2, v1], addrs))
}
