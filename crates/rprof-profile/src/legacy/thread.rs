//! Threadz dumps (pprof's `parseThread`).

use super::maps;
use super::model::{
    LProfile, LSample, LegacyError, LocTable, PResult, cleanup_duplicate_locations, malformed,
};
use super::scan::{
    Scanner, contains, is_memory_map_sentinel, is_space_or_comment, lazy_rx, lossy,
    parse_hex_addresses, trim_space,
};

const FORMAT: &str = "thread";

lazy_rx!(threadz_start_rx, r"--- threadz \d+ ---");
lazy_rx!(
    thread_start_rx,
    r"--- Thread ([[:xdigit:]]+) \(name: (.*)/(\d+)\) stack: ---"
);

pub(crate) fn parse_thread(b: &[u8]) -> PResult<LProfile> {
    let mut s = Scanner::new(b);
    // Skip past comments and empty lines seeking a real header.
    while s.scan() && is_space_or_comment(s.text()) {}

    let mut line: Vec<u8> = s.text().to_vec();
    if threadz_start_rx().is_match(&line) {
        // Advance over initial comments until first stack trace.
        while s.scan() {
            line = s.text().to_vec();
            if is_memory_map_sentinel(&line) || line.starts_with(b"-") {
                break;
            }
        }
    } else if !thread_start_rx().is_match(&line) {
        return Err(LegacyError::Unrecognized);
    }

    let mut p = LProfile {
        sample_types: vec![LProfile::value_type("thread", "count")],
        period_type: Some(LProfile::value_type("thread", "count")),
        period: 1,
        ..Default::default()
    };
    let mut locs = LocTable::default();
    // Recognize each thread and populate profile samples.
    while !is_memory_map_sentinel(&line) {
        if line.starts_with(b"---- no stack trace for") {
            break;
        }
        if !thread_start_rx().is_match(&line) {
            return Err(LegacyError::Unrecognized);
        }
        let (next, addrs) = parse_thread_sample(&mut s)?;
        line = next;
        let Some(addrs) = addrs.filter(|a| !a.is_empty()) else {
            // "same as previous thread" (or no stack): count it there.
            if let Some(last) = p.samples.last_mut() {
                last.values[0] = last.values[0].wrapping_add(1);
            }
            continue;
        };
        let mut sloc = Vec::with_capacity(addrs.len());
        for (i, &addr) in addrs.iter().enumerate() {
            // Return addresses point after the call, except the leaf's.
            let addr = if i > 0 { addr.wrapping_sub(1) } else { addr };
            sloc.push(locs.get(&mut p, addr));
        }
        p.samples.push(LSample {
            locs: sloc,
            values: vec![1],
            ..Default::default()
        });
    }

    maps::parse_additional_sections(&mut s, &mut p);
    cleanup_duplicate_locations(&mut p);
    Ok(p)
}

/// pprof's `parseThreadSample`: the line after the stack (trimmed), and the
/// addresses (`None` for "same as previous thread").
fn parse_thread_sample(s: &mut Scanner) -> PResult<(Vec<u8>, Option<Vec<u64>>)> {
    let mut line: &[u8] = b"";
    let mut same_as_previous = false;
    let mut addrs = Vec::new();
    while s.scan() {
        line = trim_space(s.text());
        if line.is_empty() {
            continue;
        }
        if line.starts_with(b"---") {
            break;
        }
        if contains(line, b"same as previous thread") {
            same_as_previous = true;
            continue;
        }
        let cur = parse_hex_addresses(line).map_err(|e| {
            malformed(
                FORMAT,
                s.line_no(),
                format!("malformed sample: {}: {e}", lossy(line)),
            )
        })?;
        addrs.extend(cur);
    }
    if same_as_previous {
        return Ok((line.to_vec(), None));
    }
    Ok((line.to_vec(), Some(addrs)))
}
