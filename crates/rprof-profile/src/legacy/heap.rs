//! Heap profiles (pprof's `parseHeap`): Go's `debug=1` heap and allocs
//! profiles, gperftools' heapz/heapprofile, growthz and fragmentationz.

use super::gonum::{parse_int, scale_heap_sample};
use super::gosym::GoSymbols;
use super::maps;
use super::model::{LProfile, LSample, LegacyError, LocTable, PResult, malformed};
use super::scan::{
    Scanner, is_memory_map_sentinel, is_space_or_comment, lazy_rx, lossy, parse_hex_addresses,
    trim_space,
};

const FORMAT: &str = "heap";

lazy_rx!(
    heap_header_rx,
    r"heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *(heap[_a-z0-9]*)/?(\d*)"
);
lazy_rx!(
    heap_sample_rx,
    r"(-?\d+): *(-?\d+) *\[ *(\d+): *(\d+) *] @([ x0-9a-f]*)"
);
lazy_rx!(
    growth_header_rx,
    r"heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] @ growthz?"
);
lazy_rx!(
    fragmentation_header_rx,
    r"heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] @ fragmentationz?"
);

#[derive(Clone, Copy, PartialEq)]
enum Sampling {
    None,
    V2,
}

pub(crate) fn parse_heap(b: &[u8]) -> PResult<LProfile> {
    let mut s = Scanner::new(b);
    if !s.scan() {
        return Err(LegacyError::Unrecognized);
    }
    let mut p = LProfile {
        period_type: Some(LProfile::value_type("space", "bytes")),
        ..Default::default()
    };
    let line = s.text();
    let (sampling, has_alloc);
    if heap_header_rx().is_match(line) {
        let (smp, period, alloc) = parse_heap_header(line)?;
        sampling = smp;
        p.period = period;
        has_alloc = alloc;
    } else if growth_header_rx().is_match(line) || fragmentation_header_rx().is_match(line) {
        p.period = 1;
        sampling = Sampling::None;
        has_alloc = false;
    } else {
        return Err(LegacyError::Unrecognized);
    }

    p.sample_types = if has_alloc {
        // Alloc before inuse so that the default (last) is inuse_space.
        vec![
            LProfile::value_type("alloc_objects", "count"),
            LProfile::value_type("alloc_space", "bytes"),
            LProfile::value_type("inuse_objects", "count"),
            LProfile::value_type("inuse_space", "bytes"),
        ]
    } else {
        vec![
            LProfile::value_type("objects", "count"),
            LProfile::value_type("space", "bytes"),
        ]
    };

    let mut locs = LocTable::default();
    let mut syms = GoSymbols::default();
    while s.scan() {
        let line = trim_space(s.text());
        if is_space_or_comment(line) {
            syms.comment_or_blank(line);
            continue;
        }
        if is_memory_map_sentinel(line) {
            break;
        }
        let (values, blocksize, addrs) = parse_heap_sample(line, p.period, sampling, has_alloc)
            .map_err(|what| malformed(FORMAT, s.line_no(), what))?;
        let mut sloc = Vec::with_capacity(addrs.len());
        for addr in &addrs {
            // Return addresses: step back onto the call.
            sloc.push(locs.get(&mut p, addr.wrapping_sub(1)));
        }
        syms.start_sample(
            p.samples.len(),
            addrs.iter().map(|a| a.wrapping_sub(1)).collect(),
        );
        p.samples.push(LSample {
            locs: sloc,
            values,
            num_labels: vec![("bytes".to_string(), blocksize)],
            labels: Vec::new(),
        });
    }
    syms.finish_block();
    maps::parse_additional_sections(&mut s, &mut p);
    syms.apply(&mut p, true);
    Ok(p)
}

/// pprof's `parseHeapHeader`: sampling kind, period, and whether the
/// bracketed (alloc) columns differ from inuse.
fn parse_heap_header(line: &[u8]) -> PResult<(Sampling, i64, bool)> {
    let h = heap_header_rx()
        .captures(line)
        .ok_or(LegacyError::Unrecognized)?;
    let g = |i: usize| h.get(i).map_or(&b""[..], |m| m.as_bytes());
    let mut period = 0;
    if !g(6).is_empty() {
        period = parse_int(g(6), 10).ok_or(LegacyError::Unrecognized)?;
    }
    let has_alloc = (g(3) != g(1) && g(3) != b"0") || (g(4) != g(2) && g(4) != b"0");
    match g(5) {
        b"heapz_v2" | b"heap_v2" => Ok((Sampling::V2, period, has_alloc)),
        b"heapprofile" => Ok((Sampling::None, 1, has_alloc)),
        b"heap" => Ok((Sampling::V2, period / 2, has_alloc)),
        _ => Err(LegacyError::Unrecognized),
    }
}

/// pprof's `parseHeapSample`: values (alloc pair first if present), the
/// block size for the `bytes` label, and the addresses.
fn parse_heap_sample(
    line: &[u8],
    rate: i64,
    sampling: Sampling,
    include_alloc: bool,
) -> Result<(Vec<i64>, i64, Vec<u64>), String> {
    let Some(d) = heap_sample_rx().captures(line) else {
        return Err("unexpected number of sample values: got 0, want 6".to_string());
    };
    let g = |i: usize| d.get(i).map_or(&b""[..], |m| m.as_bytes());
    let mut value = Vec::with_capacity(4);
    let mut blocksize = 0;
    let mut add_values = |count: &[u8], size: &[u8], label: &str| -> Result<(), String> {
        let bad = |n: &[u8]| {
            format!(
                "malformed sample: {}: strconv.ParseInt: parsing {:?}: value out of range",
                lossy(line),
                lossy(n)
            )
        };
        let mut count = parse_int(count, 10).ok_or_else(|| bad(count))?;
        let mut size = parse_int(size, 10).ok_or_else(|| bad(size))?;
        if count == 0 && size != 0 {
            return Err(format!("{label} count was 0 but {label} bytes was {size}"));
        }
        if count != 0 {
            blocksize = size.wrapping_div(count);
            if sampling == Sampling::V2 {
                (count, size) = scale_heap_sample(count, size, rate);
            }
        }
        value.push(count);
        value.push(size);
        Ok(())
    };
    if include_alloc {
        add_values(g(3), g(4), "allocation")?;
    }
    add_values(g(1), g(2), "inuse")?;
    let addrs =
        parse_hex_addresses(g(5)).map_err(|e| format!("malformed sample: {}: {e}", lossy(line)))?;
    Ok((value, blocksize, addrs))
}
