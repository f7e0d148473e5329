//! Memory-map sections (`/proc/self/maps` and pprof's brief form) become
//! mappings, with pprof's heuristics for the main binary and for split or
//! relocated mappings; locations are then renumbered and given mappings
//! (pprof's `ParseMemoryMapFromScanner`, `massageMappings`,
//! `remapMappingIDs`).

use super::gonum::parse_uint;
use super::model::{LMapping, LProfile};
use super::scan::{Scanner, is_memory_map_sentinel, lazy_rx, lossy, trim_space};

const C_HEX_RANGE: &str = r"\s*(?:0x)?([[:xdigit:]]+)[\s-]?\s*(?:0x)?([[:xdigit:]]+):?";
const C_PERM: &str = r"(?:\s+([-rwxp]+))?";

fn proc_maps_pattern() -> String {
    // cHexRange + cPerm + cSpaceHex + hexPair + spaceDigits + cSpaceString
    format!(
        r"^{C_HEX_RANGE}{C_PERM}(?:\s+([[:xdigit:]]+))?\s+[[:xdigit:]]+:[[:xdigit:]]+\s+[[:digit:]]+(?:\s+(\S+))?"
    )
}

fn brief_maps_pattern() -> String {
    // cHexRange + cPerm + cSpaceString + cSpaceAtOffset + cSpaceHex
    format!(
        r"^{C_HEX_RANGE}{C_PERM}(?:\s+(\S+))?(?:\s+\(@([[:xdigit:]]+)\))?(?:\s+([[:xdigit:]]+))?"
    )
}

fn proc_maps_rx() -> &'static regex::bytes::Regex {
    static RX: std::sync::OnceLock<regex::bytes::Regex> = std::sync::OnceLock::new();
    RX.get_or_init(|| super::scan::rx(&proc_maps_pattern()))
}

fn brief_maps_rx() -> &'static regex::bytes::Regex {
    static RX: std::sync::OnceLock<regex::bytes::Regex> = std::sync::OnceLock::new();
    RX.get_or_init(|| super::scan::rx(&brief_maps_pattern()))
}

lazy_rx!(log_info_rx, r"^[^\[\]]+:[0-9]+]\s");
lazy_rx!(lib_rx, r"([.]so$|[.]so[._][0-9]+)");

/// pprof's `parseAdditionalSections`: skips to a memory-map sentinel and
/// reads the mappings after it (renumbering locations even when there are
/// none).
pub(crate) fn parse_additional_sections(s: &mut Scanner, p: &mut LProfile) {
    while !is_memory_map_sentinel(s.text()) && s.scan() {}
    parse_memory_map_from_scanner(s, p);
}

/// pprof's `ParseMemoryMap` on the bytes after a binary profile.
pub(crate) fn parse_memory_map(b: &[u8], p: &mut LProfile) {
    parse_memory_map_from_scanner(&mut Scanner::new(b), p);
}

/// pprof's `ParseMemoryMapFromScanner`.
pub(crate) fn parse_memory_map_from_scanner(s: &mut Scanner, p: &mut LProfile) {
    let mappings = parse_proc_maps(s);
    p.mappings.extend(mappings);
    massage_mappings(p);
    p.remap_location_ids();
    p.remap_function_ids();
    remap_mapping_ids(p);
}

/// pprof's `parseProcMapsFromScanner`: mapping lines, with `attr=value`
/// lines defining `$attr` substitutions for later lines.
fn parse_proc_maps(s: &mut Scanner) -> Vec<LMapping> {
    let mut out = Vec::new();
    let mut attrs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    while s.scan() {
        let line = replace(&attrs, remove_logging_info(s.text()));
        match parse_mapping_entry(&line) {
            Ok(Some(m)) => out.push(m),
            Ok(None) => {}
            Err(()) => {
                if let Some(eq) = line.iter().position(|&c| c == b'=') {
                    let mut k = b"$".to_vec();
                    k.extend_from_slice(trim_space(&line[..eq]));
                    attrs.push((k, trim_space(&line[eq + 1..]).to_vec()));
                }
            }
        }
    }
    out
}

/// Go's `strings.NewReplacer(old1, new1, ...).Replace`: left to right, at
/// each position the first pair (in argument order) whose old string
/// matches.
fn replace(pairs: &[(Vec<u8>, Vec<u8>)], s: &[u8]) -> Vec<u8> {
    if pairs.is_empty() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    'outer: while i < s.len() {
        for (old, new) in pairs {
            if !old.is_empty() && s[i..].starts_with(old) {
                out.extend_from_slice(new);
                i += old.len();
                continue 'outer;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// pprof's `removeLoggingInfo`: drops a glog prefix (`… file:line] `).
fn remove_logging_info(line: &[u8]) -> &[u8] {
    match log_info_rx().find(line) {
        Some(m) => &line[m.end()..],
        None => line,
    }
}

/// pprof's `parseMappingEntry`: `Ok(None)` for a non-executable region,
/// `Err` for no mapping line at all.
fn parse_mapping_entry(l: &[u8]) -> Result<Option<LMapping>, ()> {
    let empty: &[u8] = b"";
    let (start, end, perm, file, offset, build_id);
    if let Some(me) = proc_maps_rx().captures(l) {
        let g = |i| me.get(i).map_or(empty, |m| m.as_bytes());
        (start, end, perm, offset, file) = (g(1), g(2), g(3), g(4), g(5));
        build_id = empty;
    } else if let Some(me) = brief_maps_rx().captures(l) {
        let g = |i| me.get(i).map_or(empty, |m| m.as_bytes());
        (start, end, perm, file, offset, build_id) = (g(1), g(2), g(3), g(4), g(5), g(6));
    } else {
        return Err(());
    }
    if !perm.is_empty() && !perm.contains(&b'x') {
        // Skip non-executable entries.
        return Ok(None);
    }
    let mut m = LMapping {
        file: lossy(file),
        build_id: lossy(build_id),
        ..Default::default()
    };
    m.start = parse_uint(start, 16).ok_or(())?;
    m.limit = parse_uint(end, 16).ok_or(())?;
    if !offset.is_empty() {
        m.offset = parse_uint(offset, 16).ok_or(())?;
    }
    Ok(Some(m))
}

/// pprof's `massageMappings`: merges adjacent pieces of one mapping and
/// moves the guessed main binary first.
fn massage_mappings(p: &mut LProfile) {
    if p.mappings.len() > 1 {
        let old = std::mem::take(&mut p.mappings);
        // Index of each old mapping in the new list, for locations.
        let mut moved = Vec::with_capacity(old.len());
        let mut merged: Vec<LMapping> = Vec::with_capacity(old.len());
        for (i, m) in old.into_iter().enumerate() {
            if i > 0 {
                let lm = merged.last_mut().expect("first mapping pushed");
                if adjacent(lm, &m) {
                    lm.limit = m.limit;
                    if !m.file.is_empty() {
                        lm.file = m.file;
                    }
                    if !m.build_id.is_empty() {
                        lm.build_id = m.build_id;
                    }
                    moved.push(merged.len() - 1);
                    continue;
                }
            }
            merged.push(m);
            moved.push(merged.len() - 1);
        }
        for l in &mut p.locations {
            if let Some(m) = l.mapping {
                l.mapping = Some(moved[m]);
            }
        }
        p.mappings = merged;
    }

    // Guess the main binary and swap it to the front.
    for i in 0..p.mappings.len() {
        let file = p.mappings[i].file.replace("(deleted)", "");
        let file = lossy(trim_space(file.as_bytes()));
        if file.is_empty() || lib_rx().is_match(file.as_bytes()) || file.starts_with('[') {
            continue;
        }
        p.mappings.swap(0, i);
        for l in &mut p.locations {
            l.mapping = l.mapping.map(|m| match m {
                0 => i,
                m if m == i => 0,
                m => m,
            });
        }
        break;
    }
}

/// pprof's `adjacent`: two pieces of one mapping split in two.
fn adjacent(m1: &LMapping, m2: &LMapping) -> bool {
    if !m1.file.is_empty() && !m2.file.is_empty() && m1.file != m2.file {
        return false;
    }
    if !m1.build_id.is_empty() && !m2.build_id.is_empty() && m1.build_id != m2.build_id {
        return false;
    }
    if m1.limit != m2.start {
        return false;
    }
    if m1.offset != 0 && m2.offset != 0 {
        let offset = m1.offset.wrapping_add(m1.limit.wrapping_sub(m1.start));
        if offset != m2.offset {
            return false;
        }
    }
    true
}

/// pprof's `remapMappingIDs`: fixes up the main mapping and gives every
/// location with an address a mapping, a fake one covering everything if
/// none fits (Go's legacy profiles have no memory map).
pub(crate) fn remap_mapping_ids(p: &mut LProfile) {
    // Drop an initial '/anon_hugepage' mapping followed by an adjacent one.
    if p.mappings.len() > 1
        && p.mappings[0].file.starts_with("/anon_hugepage")
        && p.mappings[0].limit == p.mappings[1].start
    {
        p.mappings.remove(0);
        for l in &mut p.locations {
            // (No location has a mapping yet in the parsers that get here.)
            l.mapping = l.mapping.and_then(|m| m.checked_sub(1));
        }
    }
    // Subtract the offset from the start of the main mapping if it ends up
    // at a recognizable start address.
    if let Some(m) = p.mappings.first_mut() {
        const EXPECTED_START: u64 = 0x400000;
        if m.start.wrapping_sub(m.offset) == EXPECTED_START {
            m.start = EXPECTED_START;
            m.offset = 0;
        }
    }
    let mut fake: Option<usize> = None;
    'next: for li in 0..p.locations.len() {
        let a = p.locations[li].address;
        if p.locations[li].mapping.is_some() || a == 0 {
            continue;
        }
        for (mi, m) in p.mappings.iter().enumerate() {
            if m.start <= a && a < m.limit {
                p.locations[li].mapping = Some(mi);
                continue 'next;
            }
        }
        // Work around legacy handlers failing to encode the first part of
        // mappings split into adjacent ranges.
        for (mi, m) in p.mappings.iter_mut().enumerate() {
            if m.offset != 0 && m.start.wrapping_sub(m.offset) <= a && a < m.start {
                m.start = m.start.wrapping_sub(m.offset);
                m.offset = 0;
                p.locations[li].mapping = Some(mi);
                continue 'next;
            }
        }
        let f = *fake.get_or_insert_with(|| {
            p.mappings.push(LMapping {
                limit: u64::MAX,
                ..Default::default()
            });
            p.mappings.len() - 1
        });
        p.locations[li].mapping = Some(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_entries() {
        let m = parse_mapping_entry(b"00400000-00fcb000 r-xp 00000000 00:00 0 /bin/x")
            .unwrap()
            .unwrap();
        assert_eq!(
            (m.start, m.limit, m.offset, m.file.as_str()),
            (0x400000, 0xfcb000, 0, "/bin/x")
        );
        assert!(
            parse_mapping_entry(b"00400000-00fcb000 rw-p 00000000 00:00 0 /bin/x")
                .unwrap()
                .is_none()
        );
        let m = parse_mapping_entry(b"  7f794964f000-7f7949652000: /lib/libnss_cache-2.15.so")
            .unwrap()
            .unwrap();
        assert_eq!(
            (m.start, m.file.as_str()),
            (0x7f794964f000, "/lib/libnss_cache-2.15.so")
        );
        let m = parse_mapping_entry(b"0x40000-0x80000 /path/to/binary (@FF00) abc123456")
            .unwrap()
            .unwrap();
        assert_eq!((m.offset, m.build_id.as_str()), (0xff00, "abc123456"));
        assert!(parse_mapping_entry(b"hello").is_err());
        assert!(parse_mapping_entry(b"0-10000000000000000000 x").is_err());
    }

    #[test]
    fn replacer_like_go() {
        let pairs = vec![
            (b"$a".to_vec(), b"1".to_vec()),
            (b"$ab".to_vec(), b"2".to_vec()),
        ];
        assert_eq!(replace(&pairs, b"x$ab$a"), b"x1b1");
    }
}
