//! Go's count profiles (pprof's `parseGoCount`): `goroutine profile:
//! total N` and `threadcreate profile: total N`, `debug=1`.

use super::gonum::{parse_int, parse_uint};
use super::gosym::GoSymbols;
use super::maps;
use super::model::{LProfile, LSample, LegacyError, LocTable, PResult, malformed};
use super::scan::{Scanner, is_space_or_comment, lazy_rx, lossy};

const FORMAT: &str = "count";

lazy_rx!(count_start_rx, r"\A(\S+) profile: total \d+\z");
lazy_rx!(count_rx, r"\A(\d+) @(( 0x[0-9a-f]+)+)\z");

pub(crate) fn parse_go_count(b: &[u8]) -> PResult<LProfile> {
    let mut s = Scanner::new(b);
    // Skip comments at the beginning of the file.
    while s.scan() && is_space_or_comment(s.text()) {}
    let Some(m) = count_start_rx().captures(s.text()) else {
        return Err(LegacyError::Unrecognized);
    };
    let profile_type = lossy(&m[1]);
    let mut p = LProfile {
        period_type: Some(LProfile::value_type(&profile_type, "count")),
        period: 1,
        sample_types: vec![LProfile::value_type(&profile_type, "count")],
        ..Default::default()
    };
    let mut locs = LocTable::default();
    let mut syms = GoSymbols::default();
    while s.scan() {
        let line = s.text();
        if is_space_or_comment(line) {
            syms.comment_or_blank(line);
            continue;
        }
        if line.starts_with(b"---") {
            break;
        }
        let bad = |what: String| malformed(FORMAT, s.line_no(), what);
        let Some(m) = count_rx().captures(line) else {
            return Err(bad(format!(
                "malformed profile format: not `N @ 0x…`: {}",
                lossy(line)
            )));
        };
        let n = parse_int(&m[1], 0)
            .ok_or_else(|| bad(format!("malformed count {:?}", lossy(&m[1]))))?;
        let mut sloc = Vec::new();
        let mut stack = Vec::new();
        for stk in m[2].split(|&c| c == b' ').filter(|f| !f.is_empty()) {
            let addr = parse_uint(stk, 0)
                .ok_or_else(|| bad(format!("malformed address {:?}", lossy(stk))))?;
            // Adjust all frames by -1 to land on top of the call instruction.
            let addr = addr.wrapping_sub(1);
            stack.push(addr);
            sloc.push(locs.get(&mut p, addr));
        }
        syms.start_sample(p.samples.len(), stack);
        p.samples.push(LSample {
            locs: sloc,
            values: vec![n],
            ..Default::default()
        });
    }
    syms.finish_block();
    maps::parse_additional_sections(&mut s, &mut p);
    syms.apply(&mut p, false);
    Ok(p)
}
