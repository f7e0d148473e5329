//! gperftools' binary CPU profile and its Java variant (pprof's
//! `parseCPU`, `cpuProfile`, `parseCPUSamples`, `javaCPUProfile`).
//!
//! The profile is a sequence of machine words (32 or 64 bits, either
//! endianness, recognized from the header `0, 3, 0|1, period, 0`), then
//! samples `count, depth, addresses…`, an end marker `0, 1, 0`, and a
//! textual memory map.

use super::model::{
    LProfile, LSample, LegacyError, LocTable, PResult, cleanup_duplicate_locations,
};
use super::{java, maps};

/// Reads one word; `None` when fewer bytes remain (Go's `getNN` returning
/// a nil rest).
type WordFn = fn(&[u8]) -> Option<(u64, &[u8])>;

fn get32l(b: &[u8]) -> Option<(u64, &[u8])> {
    let w = b.get(..4)?;
    Some((u64::from(u32::from_le_bytes(w.try_into().ok()?)), &b[4..]))
}

fn get32b(b: &[u8]) -> Option<(u64, &[u8])> {
    let w = b.get(..4)?;
    Some((u64::from(u32::from_be_bytes(w.try_into().ok()?)), &b[4..]))
}

fn get64l(b: &[u8]) -> Option<(u64, &[u8])> {
    let w = b.get(..8)?;
    Some((u64::from_le_bytes(w.try_into().ok()?), &b[8..]))
}

fn get64b(b: &[u8]) -> Option<(u64, &[u8])> {
    let w = b.get(..8)?;
    Some((u64::from_be_bytes(w.try_into().ok()?), &b[8..]))
}

pub(crate) fn parse_cpu(b: &[u8]) -> PResult<LProfile> {
    for parse in [get32l as WordFn, get32b, get64l, get64b] {
        let header = (|| {
            let (n1, t) = parse(b)?;
            let (n2, t) = parse(t)?;
            let (n3, t) = parse(t)?;
            let (n4, t) = parse(t)?;
            let (n5, t) = parse(t)?;
            Some(([n1, n2, n3, n4, n5], t))
        })();
        let Some(([n1, n2, n3, n4, n5], rest)) = header else {
            continue;
        };
        if n1 == 0 && n2 == 3 && n4 > 0 && n5 == 0 {
            match n3 {
                0 => return cpu_profile(rest, n4 as i64, parse),
                1 => return java_cpu_profile(rest, n4 as i64, parse),
                _ => {}
            }
        }
    }
    Err(LegacyError::Unrecognized)
}

/// pprof's `cpuProfile`: a C++ (or Go, before protobuf) CPU profile.
fn cpu_profile(b: &[u8], period: i64, parse: WordFn) -> PResult<LProfile> {
    let mut p = LProfile {
        period: period.wrapping_mul(1000),
        period_type: Some(LProfile::value_type("cpu", "nanoseconds")),
        sample_types: vec![
            LProfile::value_type("samples", "count"),
            LProfile::value_type("cpu", "nanoseconds"),
        ],
        ..Default::default()
    };
    let (rest, _) = parse_cpu_samples(b, parse, true, &mut p)?;

    // If most samples have the same second-to-the-bottom frame, it is an
    // artifact of measurement (a frame pushed by the signal handler): strip
    // it, up to two times, allowing one different sample per 32.
    let margin = p.samples.len() / 32;
    for _ in 0..2 {
        let mut counts: Vec<(u64, usize)> = Vec::new();
        for s in &p.samples {
            if s.locs.len() > 1 {
                let a = p.locations[s.locs[1]].address;
                match counts.iter_mut().find(|(x, _)| *x == a) {
                    Some((_, c)) => *c += 1,
                    None => counts.push((a, 1)),
                }
            }
        }
        // At most one address can reach the threshold, so Go's random map
        // order does not matter.
        if let Some(&(id1, _)) = counts.iter().find(|&&(_, c)| c >= p.samples.len() - margin) {
            for s in &mut p.samples {
                if s.locs.len() > 1 && p.locations[s.locs[1]].address == id1 {
                    s.locs.remove(1);
                }
            }
        }
    }

    maps::parse_memory_map(rest, &mut p);
    cleanup_duplicate_locations(&mut p);
    Ok(p)
}

/// pprof's `parseCPUSamples`: the samples up to the end marker; returns the
/// rest of the data (the memory map) and the locations by address.
/// Addresses but the leaf's are return addresses; `adjust` moves them back
/// onto the call.
pub(super) fn parse_cpu_samples<'a>(
    mut b: &'a [u8],
    parse: WordFn,
    adjust: bool,
    p: &mut LProfile,
) -> PResult<(&'a [u8], LocTable)> {
    let mut locs = LocTable::default();
    while !b.is_empty() {
        let Some((count, t)) = parse(b) else {
            return Err(LegacyError::Unrecognized);
        };
        let Some((nstk, t)) = parse(t) else {
            return Err(LegacyError::Unrecognized);
        };
        b = t;
        if nstk > (b.len() / 4) as u64 {
            return Err(LegacyError::Unrecognized);
        }
        // Like Go, a stack running past the end reads as zeros.
        let mut addrs = Vec::with_capacity(nstk as usize);
        let mut ended = false;
        for _ in 0..nstk {
            match parse(b).filter(|_| !ended) {
                Some((a, t)) => {
                    addrs.push(a);
                    b = t;
                }
                None => {
                    ended = true;
                    addrs.push(0);
                    b = &[];
                }
            }
        }
        if count == 0 && nstk == 1 && addrs[0] == 0 {
            // End of data marker.
            break;
        }
        let mut sloc = Vec::with_capacity(addrs.len());
        for (i, &addr) in addrs.iter().enumerate() {
            let addr = if adjust && i > 0 {
                addr.wrapping_sub(1)
            } else {
                addr
            };
            sloc.push(locs.get(p, addr));
        }
        let count = count as i64;
        p.samples.push(LSample {
            values: vec![count, count.wrapping_mul(p.period)],
            locs: sloc,
            ..Default::default()
        });
    }
    Ok((b, locs))
}

/// pprof's `javaCPUProfile`.
fn java_cpu_profile(b: &[u8], period: i64, parse: WordFn) -> PResult<LProfile> {
    let mut p = LProfile {
        period: period.wrapping_mul(1000),
        period_type: Some(LProfile::value_type("cpu", "nanoseconds")),
        sample_types: vec![
            LProfile::value_type("samples", "count"),
            LProfile::value_type("cpu", "nanoseconds"),
        ],
        ..Default::default()
    };
    let (rest, locs) = parse_cpu_samples(b, parse, false, &mut p)?;
    java::parse_java_locations(rest, &locs, &mut p)?;
    java::strip_addresses(&mut p);
    Ok(p)
}
