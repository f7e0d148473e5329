//! Merging several profiles into one, as `go tool pprof a b c` does, on
//! the columnar model.
//!
//! pprof's driver (`combineProfiles` in `internal/driver/fetch.go`) runs
//! three steps, ported here one by one so that the result has the ids and
//! the order pprof gives it (`-raw` output of both tools must be equal):
//!
//! 1. [`compatibilize_sample_types`]: keep the sample types (by name) that
//!    every profile has, in the first profile's order;
//! 2. [`scale_profiles`]: bring each column, and the period, to the finest
//!    unit any profile uses;
//! 3. [`merge_profiles`] (pprof's `profile.Merge`): combine the headers and
//!    deduplicate mappings, locations, functions and samples by pprof's
//!    keys, numbering everything from 1 in first-seen order.
//!
//! A single profile skips step 3 and is returned as it is (ids, order,
//! label order and all), unless step 1 drops a repeated type name.
//! Giving mapping-less profiles pprof's placeholder mapping is the
//! caller's job ([`crate::pipeline::ensure_mapping`]), before merging.
//!
//! Labels of merged samples are stored as pprof holds them: string labels
//! sorted by key, then numeric labels sorted by key, each key's values in
//! their original order (which is also the order pprof writes them in).
//!
//! Quirks of pprof that are reproduced on purpose:
//!
//! * A location's key ignores the column of every line but the last (an
//!   indexing slip in pprof's `Location.key`), so locations differing only
//!   there are merged, keeping the first one's columns.
//! * The first mapping of the first profile that has mappings is always
//!   mapping 1, even when no sample uses it.
//! * `time_nanos` is the minimum, but a zero value replaces whatever came
//!   before it and is itself replaced by the next profile's value.
//! * [`scale_n`] keeps a sample only if one of the values it *rescaled* is
//!   non-zero; values whose ratio is 1 do not count.
//! * Commonness is counted over all sample types of all profiles, so a
//!   type name repeated within one profile is never common: a profile with
//!   only duplicated type names cannot be read at all. (Where pprof goes
//!   on to panic on such names, rprof reports the missing type instead.)

use crate::builder::ProfileBuilder;
use crate::error::MergeError;
use crate::measurement::{self, go_f64_to_i64};
use crate::model::*;
use rustc_hash::FxHashMap;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Merges profiles as `go tool pprof a b c` does: CompatibilizeSampleTypes, ScaleProfiles, then profile.Merge.
pub fn merge(mut profiles: Vec<Profile>) -> Result<Profile, MergeError> {
    if profiles.is_empty() {
        return Err(MergeError::Empty);
    }
    compatibilize_sample_types(&mut profiles)?;
    scale_profiles(&mut profiles)?;
    if profiles.len() == 1 {
        return Ok(profiles.pop().expect("one profile"));
    }
    let refs: Vec<&Profile> = profiles.iter().collect();
    merge_profiles(&refs)
}

// ---------------------------------------------------------------------------
// CompatibilizeSampleTypes

/// pprof's `CompatibilizeSampleTypes`: keeps the sample types whose name
/// every profile has, in the order of the first profile, and reorders each
/// profile's value columns to match. A profile that has to change gets
/// `default_sample_type` = the first common type unless its own default is
/// common (even when it had no default before). An empty intersection is
/// [`MergeError::NoCommonSampleTypes`].
pub fn compatibilize_sample_types(ps: &mut [Profile]) -> Result<(), MergeError> {
    let common = common_sample_types(ps);
    if common.is_empty() {
        return Err(MergeError::NoCommonSampleTypes);
    }
    for p in ps.iter_mut() {
        compatibilize(p, &common)?;
    }
    Ok(())
}

/// Type names occurring as often as there are profiles (counted over all
/// sample types of all profiles, as pprof counts), in the first profile's order.
fn common_sample_types(ps: &[Profile]) -> Vec<String> {
    let Some(first) = ps.first() else {
        return Vec::new();
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for p in ps {
        for st in &p.sample_types {
            *counts.entry(p.str(st.ty)).or_default() += 1;
        }
    }
    first
        .sample_types
        .iter()
        .map(|st| first.str(st.ty))
        .filter(|t| counts[t] == ps.len())
        .map(str::to_string)
        .collect()
}

fn compatibilize(p: &mut Profile, stypes: &[String]) -> Result<(), MergeError> {
    let mut default = None;
    let mut remap = Vec::with_capacity(stypes.len());
    let mut modify = false;
    for (i, st) in stypes.iter().enumerate() {
        if st == p.str(p.default_sample_type) {
            default = Some(p.default_sample_type);
        }
        let idx = p
            .sample_types
            .iter()
            .position(|t| p.str(t.ty) == st)
            .ok_or_else(|| MergeError::SampleTypeNotFound(go_quote(st)))?;
        remap.push(idx);
        modify |= idx != i;
    }
    if !modify && stypes.len() == p.sample_types.len() {
        return Ok(());
    }
    p.default_sample_type = default.unwrap_or(p.sample_types[remap[0]].ty);
    p.sample_types = remap.iter().map(|&i| p.sample_types[i]).collect();
    let old_width = p.samples.width;
    let n = p.samples.len();
    let mut values = Vec::with_capacity(n * remap.len());
    for i in 0..n {
        let row = &p.samples.values[i * old_width..(i + 1) * old_width];
        values.extend(remap.iter().map(|&j| row[j]));
    }
    p.samples.values = values;
    p.samples.width = remap.len();
    Ok(())
}

/// Go's `strconv.Quote`, close enough for error messages.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() || c.is_whitespace() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// ScaleProfiles, Scale, ScaleN, Normalize

/// A value type's names; a missing period type reads as two empty strings,
/// which is what pprof's decoder makes of it.
fn vt_names(p: &Profile, vt: Option<ValueType>) -> (&str, &str) {
    match vt {
        Some(vt) => (p.str(vt.ty), p.str(vt.unit)),
        None => ("", ""),
    }
}

/// A value type as Go's `%v` prints pprof's `ValueType` struct: type, unit,
/// and two string-table indices that pprof's decoder has reset to 0.
fn go_value_type(p: &Profile, vt: Option<ValueType>) -> String {
    let (t, u) = vt_names(p, vt);
    format!("{{{t} {u} 0 0}}")
}

/// The id of `s` in `p`'s string table, added if `p` does not have it.
fn string_id(p: &mut Profile, s: &str) -> StrId {
    let found = p.strings.iter().position(|x| x == s);
    match found {
        Some(i) => i as StrId,
        None => p.strings.push(s),
    }
}

/// pprof's `measurement.ScaleProfiles`: checks that the period types and
/// each sample type column are compatible (type names equal up to one
/// trailing `s`, units of one family) and rescales every profile to the
/// finest unit of each. Sample values are rounded (half away from zero),
/// the period is truncated. With fewer than two profiles nothing changes.
pub fn scale_profiles(ps: &mut [Profile]) -> Result<(), MergeError> {
    if ps.is_empty() {
        return Ok(());
    }
    let periods: Vec<(&str, &str)> = ps.iter().map(|p| vt_names(p, p.period_type)).collect();
    let period_unit: Option<String> = match measurement::common_value_type(&periods) {
        Ok(i) => i.map(|i| periods[i].1.to_string()),
        Err((i, j)) => {
            return Err(MergeError::IncompatibleTypes {
                what: "period type",
                a: go_value_type(&ps[i], ps[i].period_type),
                b: go_value_type(&ps[j], ps[j].period_type),
            });
        }
    };

    let n = ps[0].sample_types.len();
    for p in &ps[1..] {
        if p.sample_types.len() != n {
            return Err(MergeError::SampleTypeCount(n, p.sample_types.len()));
        }
    }
    let mut units: Vec<Option<String>> = Vec::with_capacity(n);
    for c in 0..n {
        let ts: Vec<(&str, &str)> = ps
            .iter()
            .map(|p| vt_names(p, Some(p.sample_types[c])))
            .collect();
        match measurement::common_value_type(&ts) {
            Ok(i) => units.push(i.map(|i| ts[i].1.to_string())),
            Err((i, j)) => {
                return Err(MergeError::IncompatibleTypes {
                    what: "sample types",
                    a: go_value_type(&ps[i], Some(ps[i].sample_types[c])),
                    b: go_value_type(&ps[j], Some(ps[j].sample_types[c])),
                });
            }
        }
    }

    for p in ps.iter_mut() {
        if let Some(to) = &period_unit {
            let (_, from) = vt_names(p, p.period_type);
            let (period, _) = measurement::scale_ref(p.period, from, to);
            p.period = go_f64_to_i64(period);
            let unit = match p.period_type {
                Some(pt) if p.str(pt.unit) != to => Some(string_id(p, to)),
                _ => None,
            };
            if let (Some(unit), Some(pt)) = (unit, p.period_type.as_mut()) {
                pt.unit = unit;
            }
        }
        let mut ratios = vec![1.0; n];
        for (c, to) in units.iter().enumerate() {
            let Some(to) = to else { continue };
            let st = p.sample_types[c];
            ratios[c] = measurement::scale_ref(1, p.str(st.unit), to).0;
            if p.str(st.unit) != to {
                p.sample_types[c].unit = string_id(p, to);
            }
        }
        scale_n(p, &ratios)?;
    }
    Ok(())
}

/// pprof's `Profile.Scale`: multiplies every value by `ratio` (see
/// [`scale_n`]).
pub fn scale(p: &mut Profile, ratio: f64) {
    if ratio == 1.0 {
        return;
    }
    let ratios = vec![ratio; p.sample_types.len()];
    scale_n(p, &ratios).expect("one ratio per sample type");
}

/// pprof's `Profile.ScaleN`: multiplies each column by its ratio, rounding
/// half away from zero, and drops the samples none of whose rescaled values
/// (those with a ratio other than 1) is non-zero. All ratios 1: no change.
pub fn scale_n(p: &mut Profile, ratios: &[f64]) -> Result<(), MergeError> {
    if p.sample_types.len() != ratios.len() {
        return Err(MergeError::ScaleRatios {
            got: ratios.len(),
            want: p.sample_types.len(),
        });
    }
    if ratios.iter().all(|&r| r == 1.0) {
        return Ok(());
    }
    retain_samples(&mut p.samples, |values| {
        let mut keep = false;
        for (v, &r) in values.iter_mut().zip(ratios) {
            if r != 1.0 {
                *v = go_f64_to_i64((*v as f64 * r).round());
                keep |= *v != 0;
            }
        }
        keep
    });
    Ok(())
}

/// pprof's `Profile.Normalize`: scales each column of `p` so that its sum
/// equals that of `base` (a column summing to 0 in `p` becomes 0). The two
/// profiles must have the same period and sample types.
pub fn normalize(p: &mut Profile, base: &Profile) -> Result<(), MergeError> {
    compatible(p, base)?;
    let w = p.sample_types.len();
    let sums = |q: &Profile| {
        let mut s = vec![0i64; w];
        for row in q.samples.values.chunks_exact(q.samples.width.max(1)) {
            for (acc, &v) in s.iter_mut().zip(row) {
                *acc = acc.wrapping_add(v);
            }
        }
        s
    };
    let (base_sums, src_sums) = (sums(base), sums(p));
    let ratios: Vec<f64> = base_sums
        .iter()
        .zip(&src_sums)
        .map(|(&b, &s)| if s == 0 { 0.0 } else { b as f64 / s as f64 })
        .collect();
    scale_n(p, &ratios)
}

/// Keeps the samples for which `keep` (given the sample's values, which it
/// may change) returns true, compacting the columns in place.
fn retain_samples(s: &mut Samples, mut keep: impl FnMut(&mut [i64]) -> bool) {
    let w = s.width;
    let n = s.len();
    let has_labels = !s.label_ends.is_empty();
    let (mut fill, mut stack_r, mut stack_w, mut label_r, mut label_w) = (0, 0, 0, 0, 0);
    for i in 0..n {
        let stack_end = s.stack_ends[i] as usize;
        let label_end = if has_labels {
            s.label_ends[i] as usize
        } else {
            0
        };
        if keep(&mut s.values[i * w..(i + 1) * w]) {
            s.stacks.copy_within(stack_r..stack_end, stack_w);
            stack_w += stack_end - stack_r;
            s.stack_ends[fill] = stack_w as u32;
            s.values.copy_within(i * w..(i + 1) * w, fill * w);
            if has_labels {
                s.labels.copy_within(label_r..label_end, label_w);
                label_w += label_end - label_r;
                s.label_ends[fill] = label_w as u32;
            }
            fill += 1;
        }
        stack_r = stack_end;
        label_r = label_end;
    }
    s.stacks.truncate(stack_w);
    s.stack_ends.truncate(fill);
    s.values.truncate(fill * w);
    s.labels.truncate(label_w);
    if s.labels.is_empty() {
        s.label_ends.clear();
    } else {
        s.label_ends.truncate(fill);
    }
}

/// pprof's `Profile.compatible`: equal period types and sample types.
fn compatible(a: &Profile, b: &Profile) -> Result<(), MergeError> {
    if vt_names(a, a.period_type) != vt_names(b, b.period_type) {
        return Err(MergeError::IncompatiblePeriodTypes(
            format!("&{}", go_value_type(a, a.period_type)),
            format!("&{}", go_value_type(b, b.period_type)),
        ));
    }
    let same = a.sample_types.len() == b.sample_types.len()
        && a.sample_types
            .iter()
            .zip(&b.sample_types)
            .all(|(x, y)| vt_names(a, Some(*x)) == vt_names(b, Some(*y)));
    if !same {
        let list = |p: &Profile| {
            let items: Vec<String> = p
                .sample_types
                .iter()
                .map(|&t| format!("&{}", go_value_type(p, Some(t))))
                .collect();
            format!("[{}]", items.join(" "))
        };
        return Err(MergeError::IncompatibleSampleTypes(list(a), list(b)));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// profile.Merge

/// pprof's `profile.Compact`: the profile merged with nothing, which drops
/// all-zero samples and unreferenced mappings (but the first), locations,
/// functions and strings, and renumbers ids from 1 in order of use.
#[cfg(test)]
pub fn compact(p: &Profile) -> Profile {
    merge_profiles(&[p]).expect("a single profile always merges")
}

/// pprof's `profile.Merge`: the profiles must have identical period and
/// sample types (run [`compatibilize_sample_types`] and [`scale_profiles`]
/// first, or use [`merge`]). The result is new and compact, ids numbered
/// from 1 in first-seen order.
pub fn merge_profiles(srcs: &[&Profile]) -> Result<Profile, MergeError> {
    let Some(first) = srcs.first() else {
        return Err(MergeError::Empty);
    };
    for s in &srcs[1..] {
        compatible(first, s)?;
    }
    let mut m = Merger::new(srcs);
    for src in srcs {
        m.add(src);
    }
    let p = m.b.finish();
    let w = p.samples.width;
    let has_zero =
        (0..p.samples.len()).any(|i| p.samples.values[i * w..(i + 1) * w].iter().all(|&v| v == 0));
    if has_zero {
        // Samples summed to zero: merge again to drop them and what only
        // they referenced, as pprof does.
        return merge_profiles(&[&p]);
    }
    Ok(p)
}

const NONE: u32 = u32::MAX;

/// pprof's `locationKey` of a location whose lines are `lines`: address
/// relative to the mapping, mapping (merged index + 1, 0 for none),
/// folding, and the (function, line) of every line. Because of an
/// indexing slip in pprof, only the last line's column is part of the key.
/// Hashed here; equal hashes are told apart by [`same_location`].
fn location_hash(address: u64, mapping: u32, is_folded: bool, lines: &[Line]) -> u64 {
    let mut h = mix(address, u64::from(mapping) << 1 | u64::from(is_folded));
    h = mix(h, lines.len() as u64);
    for l in lines {
        h = mix(h, u64::from(l.function));
        h = mix(h, l.line as u64);
    }
    fmix(mix(h, lines.last().map_or(0, |l| l.column) as u64))
}

/// Whether merged location `loc` of `p` has the key of a location with
/// the given fields (see [`location_hash`]).
fn same_location(
    p: &Profile,
    loc: u32,
    address: u64,
    mapping: Option<u32>,
    is_folded: bool,
    lines: &[Line],
) -> bool {
    let l = &p.locations[loc as usize];
    let theirs = &p.lines[l.lines.start as usize..l.lines.end as usize];
    l.mapping == mapping
        && l.is_folded == is_folded
        && l.address == address
        && theirs.len() == lines.len()
        && theirs
            .iter()
            .zip(lines)
            .all(|(a, b)| a.function == b.function && a.line == b.line)
        && theirs.last().map(|l| l.column) == lines.last().map(|l| l.column)
}

/// A hasher for keys that already are well-mixed hashes.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b) ^ (self.0 >> 56);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

#[inline]
fn mix(h: u64, v: u64) -> u64 {
    (h.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// Murmur3's finalizer: spreads the bits so that any slice of them is a
/// good hash.
#[inline]
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Deduplication by a 64-bit hash of a key: hash → the last index added
/// with that hash, the others with the same hash chained through `next`
/// (indices are added in order: 0, 1, 2, ...). Callers compare the keys
/// themselves, in place, so no key is ever allocated.
struct HashChains {
    heads: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
    next: Vec<u32>,
}

impl HashChains {
    fn with_capacity(n: usize) -> Self {
        HashChains {
            heads: HashMap::with_capacity_and_hasher(n, Default::default()),
            next: Vec::with_capacity(n),
        }
    }

    /// The index with hash `h` for which `same` holds, if any.
    fn find(&self, h: u64, mut same: impl FnMut(u32) -> bool) -> Option<u32> {
        let mut i = self.heads.get(&h).copied().unwrap_or(NONE);
        while i != NONE && !same(i) {
            i = self.next[i as usize];
        }
        (i != NONE).then_some(i)
    }

    /// Adds index `i` (the next one) under hash `h`.
    fn insert(&mut self, h: u64, i: u32) {
        debug_assert_eq!(i as usize, self.next.len());
        self.next.push(self.heads.insert(h, i).unwrap_or(NONE));
    }
}

struct Merger {
    b: ProfileBuilder,
    /// pprof's `mappingKey`: (size rounded up to 4 KiB, offset, build id
    /// or else file or else nothing) → merged mapping index.
    mappings: FxHashMap<(u64, u64, StrId), u32>,
    /// Location dedup by [`location_hash`].
    locations: HashChains,
    /// Sample dedup by the hash of stack and labels.
    samples: HashChains,
    /// A non-zero id for "" in the merged string table, for labels whose
    /// string or unit index is non-zero but names an empty string (pprof
    /// tells those from absent ones).
    empty_str: StrId,

    // Per source profile: its dense indices → merged ones.
    str_map: Vec<StrId>,
    function_map: Vec<u32>,
    /// Merged mapping index and the address offset to apply.
    mapping_map: Vec<Option<(u32, u64)>>,
    location_map: Vec<u32>,

    // Scratch buffers of the sample being mapped.
    stack: Vec<u32>,
    labels: Vec<Label>,
    lines: Vec<Line>,
}

impl Merger {
    /// pprof's `combineHeaders`.
    fn new(srcs: &[&Profile]) -> Merger {
        let first = srcs[0];
        let mut b = ProfileBuilder::new();
        let (mut time, mut duration, mut period) = (0i64, 0i64, 0i64);
        let mut seen_comments: HashSet<&str> = HashSet::new();
        let mut comments = Vec::new();
        let (mut default_type, mut doc_url) = ("", "");
        for s in srcs {
            if time == 0 || s.time_nanos < time {
                time = s.time_nanos;
            }
            duration = duration.wrapping_add(s.duration_nanos);
            if period == 0 || period < s.period {
                period = s.period;
            }
            for &c in &s.comments {
                let c = s.str(c);
                if seen_comments.insert(c) {
                    comments.push(c);
                }
            }
            if default_type.is_empty() {
                default_type = s.str(s.default_sample_type);
            }
            if doc_url.is_empty() {
                doc_url = s.str(s.doc_url);
            }
        }
        for st in &first.sample_types {
            b.add_sample_type(first.str(st.ty), first.str(st.unit));
        }
        let period_type = first
            .period_type
            .map(|vt| b.value_type(first.str(vt.ty), first.str(vt.unit)));
        let comments = comments.iter().map(|c| b.intern(c)).collect();
        let default_sample_type = b.intern(default_type);
        let doc_url = b.intern(doc_url);
        let drop_frames = b.intern(first.str(first.drop_frames));
        let keep_frames = b.intern(first.str(first.keep_frames));
        let p = b.profile_mut();
        p.time_nanos = time;
        p.duration_nanos = duration;
        p.period = period;
        p.period_type = period_type;
        p.comments = comments;
        p.default_sample_type = default_sample_type;
        p.doc_url = doc_url;
        p.drop_frames = drop_frames;
        p.keep_frames = keep_frames;
        let n = first.samples.len();
        Merger {
            b,
            mappings: FxHashMap::default(),
            locations: HashChains::with_capacity(first.locations.len()),
            samples: HashChains::with_capacity(n),
            empty_str: 0,
            str_map: Vec::new(),
            function_map: Vec::new(),
            mapping_map: Vec::new(),
            location_map: Vec::new(),
            stack: Vec::new(),
            labels: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// Adds one source profile (pprof's loop body in `Merge`).
    fn add(&mut self, src: &Profile) {
        reset(&mut self.str_map, src.strings.len(), NONE);
        reset(&mut self.function_map, src.functions.len(), NONE);
        reset(&mut self.mapping_map, src.mappings.len(), None);
        reset(&mut self.location_map, src.locations.len(), NONE);
        if self.str_map.is_empty() {
            self.str_map.push(0);
        }
        self.str_map[0] = 0;

        if self.mappings.is_empty() && !src.mappings.is_empty() {
            // The first mapping is the main binary: keep it first.
            self.map_mapping(src, 0);
        }
        let w = src.samples.width;
        for i in 0..src.samples.len() {
            if src.samples.values[i * w..(i + 1) * w]
                .iter()
                .all(|&v| v == 0)
            {
                continue;
            }
            self.map_sample(src, i);
        }
    }

    /// The merged id of `src`'s string `id`.
    fn s(&mut self, src: &Profile, id: StrId) -> StrId {
        match self.str_map.get(id as usize) {
            Some(&m) if m != NONE => m,
            Some(_) => {
                let m = self.b.intern(src.str(id));
                self.str_map[id as usize] = m;
                m
            }
            // Out of range (readers never let one through): reads as "".
            None => 0,
        }
    }

    /// A non-zero merged string id for `src`'s string `id`, which is
    /// non-zero (so it is "set" even when it is "").
    fn s_nonzero(&mut self, src: &Profile, id: StrId) -> StrId {
        let m = self.s(src, id);
        if m != 0 {
            return m;
        }
        if self.empty_str == 0 {
            self.empty_str = self.b.profile_mut().strings.push("");
        }
        self.empty_str
    }

    fn map_sample(&mut self, src: &Profile, i: usize) {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        for &l in src.samples.stack(i) {
            stack.push(self.map_location(src, l));
        }

        // Labels as pprof holds them: string labels by key, then numeric
        // labels by key, each key's values in the order of the sample.
        let mut labels = std::mem::take(&mut self.labels);
        labels.clear();
        for l in src.samples.labels(i) {
            if l.str != 0 {
                labels.push(Label {
                    key: self.s(src, l.key),
                    str: self.s_nonzero(src, l.str),
                    num: 0,
                    num_unit: 0,
                });
            } else if l.num != 0 || l.num_unit != 0 {
                let num_unit = if l.num_unit == 0 {
                    0
                } else {
                    self.s_nonzero(src, l.num_unit)
                };
                labels.push(Label {
                    key: self.s(src, l.key),
                    str: 0,
                    num: l.num,
                    num_unit,
                });
            }
        }
        if labels.len() > 1 {
            let strings = &self.b.profile().strings;
            labels.sort_by(|a, b| {
                (!a.is_str(), strings.get(a.key)).cmp(&(!b.is_str(), strings.get(b.key)))
            });
            // pprof keeps a key's units only if one of them is set, and
            // then "" for the unset ones.
            let mut g = 0;
            while g < labels.len() {
                let mut e = g + 1;
                while e < labels.len()
                    && labels[e].key == labels[g].key
                    && labels[e].is_str() == labels[g].is_str()
                {
                    e += 1;
                }
                if !labels[g].is_str() && labels[g..e].iter().any(|l| l.num_unit != 0) {
                    if self.empty_str == 0 {
                        self.empty_str = self.b.profile_mut().strings.push("");
                    }
                    for l in &mut labels[g..e] {
                        if l.num_unit == 0 {
                            l.num_unit = self.empty_str;
                        }
                    }
                }
                g = e;
            }
        }

        let mut h = mix(0, stack.len() as u64);
        for &l in &stack {
            h = mix(h, u64::from(l));
        }
        for l in &labels {
            h = mix(h, u64::from(l.key) | (u64::from(l.str) << 32));
            h = mix(h, l.num as u64);
            h = mix(h, u64::from(l.num_unit));
        }
        let h = fmix(h);

        let values = src.samples.values(i);
        let p = self.b.profile_mut();
        let w = p.samples.width;
        let found = self.samples.find(h, |j| {
            let j = j as usize;
            p.samples.stack(j) == stack.as_slice() && p.samples.labels(j) == labels.as_slice()
        });
        match found {
            Some(j) => {
                let j = j as usize;
                for (acc, &v) in p.samples.values[j * w..(j + 1) * w].iter_mut().zip(values) {
                    *acc = acc.wrapping_add(v);
                }
            }
            None => {
                let new = p.samples.len() as u32;
                p.samples.push(&stack, values, &labels);
                self.samples.insert(h, new);
            }
        }
        self.stack = stack;
        self.labels = labels;
    }

    fn map_location(&mut self, src: &Profile, l: u32) -> u32 {
        let known = self.location_map[l as usize];
        if known != NONE {
            return known;
        }
        let sl = &src.locations[l as usize];
        let (mapping, offset) = match sl.mapping {
            Some(m) => {
                let (m, off) = self.map_mapping(src, m);
                (Some(m), off)
            }
            None => (None, 0),
        };
        let address = sl.address.wrapping_add(offset);
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        for ln in src.location_lines(l) {
            lines.push(Line {
                function: self.map_function(src, ln.function),
                line: ln.line,
                column: ln.column,
            });
        }
        let p = self.b.profile_mut();
        // The key's address is relative to the mapping; locations in one
        // merged mapping compare equal by their absolute addresses.
        let relative = match mapping {
            Some(m) => address.wrapping_sub(p.mappings[m as usize].start),
            None => address,
        };
        let h = location_hash(relative, mapping.map_or(0, |m| m + 1), sl.is_folded, &lines);
        let found = self.locations.find(h, |idx| {
            same_location(p, idx, address, mapping, sl.is_folded, &lines)
        });
        let idx = found.unwrap_or_else(|| {
            let idx = p.locations.len() as u32;
            let start = p.lines.len() as u32;
            p.lines.extend_from_slice(&lines);
            p.locations.push(Location {
                id: u64::from(idx) + 1,
                mapping,
                address,
                lines: start..p.lines.len() as u32,
                is_folded: sl.is_folded,
            });
            self.locations.insert(h, idx);
            idx
        });
        self.lines = lines;
        self.location_map[l as usize] = idx;
        idx
    }

    /// The merged index of `src`'s mapping `m`, and the offset that moves
    /// `src`'s addresses into the merged mapping's address range.
    fn map_mapping(&mut self, src: &Profile, m: u32) -> (u32, u64) {
        if let Some(known) = self.mapping_map[m as usize] {
            return known;
        }
        let sm = &src.mappings[m as usize];
        let size = sm.limit.wrapping_sub(sm.start).wrapping_add(0xfff);
        let size = size - size % 0x1000;
        let build_id = self.s(src, sm.build_id);
        let file = self.s(src, sm.file);
        let key = (size, sm.offset, if build_id != 0 { build_id } else { file });
        let p = self.b.profile_mut();
        let r = match self.mappings.get(&key) {
            Some(&idx) => (idx, p.mappings[idx as usize].start.wrapping_sub(sm.start)),
            None => {
                let idx = p.mappings.len() as u32;
                p.mappings.push(Mapping {
                    id: u64::from(idx) + 1,
                    file,
                    build_id,
                    ..sm.clone()
                });
                self.mappings.insert(key, idx);
                (idx, 0)
            }
        };
        self.mapping_map[m as usize] = Some(r);
        r
    }

    fn map_function(&mut self, src: &Profile, f: u32) -> u32 {
        let known = self.function_map[f as usize];
        if known != NONE {
            return known;
        }
        let sf = src.functions[f as usize];
        let (name, system_name, filename) = (
            self.s(src, sf.name),
            self.s(src, sf.system_name),
            self.s(src, sf.filename),
        );
        let idx = self
            .b
            .function_ids(name, system_name, filename, sf.start_line);
        self.function_map[f as usize] = idx;
        idx
    }
}

fn reset<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A builder with the given sample types and a cpu/nanoseconds period.
    fn builder(types: &[(&str, &str)]) -> ProfileBuilder {
        let mut b = ProfileBuilder::new();
        for (t, u) in types {
            b.add_sample_type(t, u);
        }
        let pt = b.value_type("cpu", "nanoseconds");
        b.profile_mut().period_type = Some(pt);
        b.profile_mut().period = 10;
        b
    }

    /// A location of `mapping` at `address`, one line per function name
    /// (innermost first), line numbers 1, 2, ...
    fn loc(b: &mut ProfileBuilder, mapping: Option<u32>, address: u64, funcs: &[&str]) -> u32 {
        let lines: Vec<Line> = funcs
            .iter()
            .enumerate()
            .map(|(i, f)| Line {
                function: b.function(f, f, "main.go", 0),
                line: i as i64 + 1,
                column: 0,
            })
            .collect();
        b.location(mapping, address, &lines, false)
    }

    fn binary(b: &mut ProfileBuilder, start: u64) -> u32 {
        let file = b.intern("/bin/prog");
        let build_id = b.intern("b1d");
        b.mapping(Mapping {
            start,
            limit: start + 0x8000,
            file,
            build_id,
            has_functions: true,
            ..Default::default()
        })
    }

    /// Samples as "leaf;..;root values [labels]", in order, with function names.
    fn samples(p: &Profile) -> Vec<String> {
        (0..p.samples.len())
            .map(|i| {
                let names: Vec<&str> = p
                    .samples
                    .stack(i)
                    .iter()
                    .flat_map(|&l| {
                        p.location_lines(l)
                            .iter()
                            .map(|ln| p.str(p.functions[ln.function as usize].name))
                    })
                    .collect();
                let values: Vec<String> =
                    p.samples.values(i).iter().map(|v| v.to_string()).collect();
                let labels: Vec<String> = p
                    .samples
                    .labels(i)
                    .iter()
                    .map(|l| {
                        if l.is_str() {
                            format!("{}={}", p.str(l.key), p.str(l.str))
                        } else {
                            format!("{}={}{}", p.str(l.key), l.num, p.str(l.num_unit))
                        }
                    })
                    .collect();
                let mut s = format!("{} {}", names.join(";"), values.join(","));
                if !labels.is_empty() {
                    s += &format!(" [{}]", labels.join(" "));
                }
                s
            })
            .collect()
    }

    fn ids<T>(v: &[T], id: impl Fn(&T) -> u64) -> Vec<u64> {
        v.iter().map(id).collect()
    }

    /// A cpu profile of one binary mapped at `start`: main→foo→bar ×1,
    /// main→foo ×2, main ×3 (samples/count, cpu/nanoseconds).
    fn cpu(start: u64) -> Profile {
        let mut b = builder(&[("samples", "count"), ("cpu", "nanoseconds")]);
        let m = binary(&mut b, start);
        let main = loc(&mut b, Some(m), start + 0x100, &["main"]);
        let foo = loc(&mut b, Some(m), start + 0x200, &["foo"]);
        let bar = loc(&mut b, Some(m), start + 0x300, &["bar"]);
        b.push_sample(&[bar, foo, main], &[1, 10], &[]);
        b.push_sample(&[foo, main], &[2, 20], &[]);
        b.push_sample(&[main], &[3, 30], &[]);
        let p = b.profile_mut();
        p.time_nanos = 1000;
        p.duration_nanos = 5;
        b.finish()
    }

    #[test]
    fn identical_profiles_double() {
        let p = merge(vec![cpu(0x1000), cpu(0x1000)]).unwrap();
        assert_eq!(
            samples(&p),
            ["bar;foo;main 2,20", "foo;main 4,40", "main 6,60"]
        );
        assert_eq!(ids(&p.locations, |l| l.id), [1, 2, 3]);
        assert_eq!(ids(&p.functions, |f| f.id), [1, 2, 3]);
        assert_eq!(ids(&p.mappings, |m| m.id), [1]);
        // Locations are numbered in the order samples reach them.
        let first_fn: Vec<&str> = (0..3u32)
            .map(|l| p.str(p.functions[p.location_lines(l)[0].function as usize].name))
            .collect();
        assert_eq!(first_fn, ["bar", "foo", "main"]);
        assert_eq!((p.time_nanos, p.duration_nanos, p.period), (1000, 10, 10));
        assert_eq!(p.sample_type_names(), ["samples", "cpu"]);
    }

    #[test]
    fn relocated_binary_is_one_mapping() {
        // Same binary, loaded elsewhere (ASLR): same mapping and locations,
        // addresses moved into the first profile's range.
        let p = merge(vec![cpu(0x1000), cpu(0x7000_0000)]).unwrap();
        assert_eq!(p.mappings.len(), 1);
        assert_eq!(p.mappings[0].start, 0x1000);
        let addrs: Vec<u64> = p.locations.iter().map(|l| l.address).collect();
        assert_eq!(addrs, [0x1300, 0x1200, 0x1100]);
        assert_eq!(
            samples(&p),
            ["bar;foo;main 2,20", "foo;main 4,40", "main 6,60"]
        );
    }

    #[test]
    fn single_profile_is_returned_as_is() {
        let mut p = cpu(0x1000);
        p.locations[0].id = 7;
        p.locations[1].id = 9;
        p.functions[2].id = 42;
        p.comments = vec![p.strings.push("c"), p.strings.push("c")];
        let q = merge(vec![p]).unwrap();
        assert_eq!(ids(&q.locations, |l| l.id), [7, 9, 3]);
        assert_eq!(ids(&q.functions, |f| f.id), [1, 2, 42]);
        assert_eq!(q.comments.len(), 2);
        assert_eq!(q.locations[0].address, 0x1100);
    }

    #[test]
    fn no_common_sample_types() {
        let heap = builder(&[("alloc_space", "bytes"), ("inuse_space", "bytes")]).finish();
        let err = merge(vec![cpu(0x1000), heap]).unwrap_err();
        assert_eq!(err, MergeError::NoCommonSampleTypes);
        assert_eq!(
            err.to_string(),
            "profiles have empty common sample type list"
        );
        // pprof counts names over all types of all profiles: a repeated
        // name is never common, even in a single profile.
        let dup = builder(&[("x", "count"), ("x", "count")]).finish();
        assert_eq!(
            merge(vec![dup]).unwrap_err(),
            MergeError::NoCommonSampleTypes
        );
        assert_eq!(merge(vec![]).unwrap_err(), MergeError::Empty);
        // Counted twice in the first, once in the second: "common", and
        // then missing from the second.
        let a = builder(&[("a", "count"), ("a", "count"), ("b", "count")]).finish();
        let b = builder(&[("b", "count")]).finish();
        let err = merge(vec![a, b]).unwrap_err();
        assert_eq!(err.to_string(), "\"a\" sample type is not found in profile");
    }

    #[test]
    fn common_sample_types_reorder_and_default() {
        // First profile's order; columns reordered; a profile that changes
        // gets the first common type as default unless its own survives.
        let mut b = builder(&[
            ("alloc_objects", "count"),
            ("alloc_space", "bytes"),
            ("inuse_space", "bytes"),
        ]);
        let m = loc(&mut b, None, 0x10, &["alloc"]);
        b.push_sample(&[m], &[1, 100, 50], &[]);
        let heap = b.finish();
        let mut b = builder(&[("alloc_space", "bytes"), ("alloc_objects", "count")]);
        let m = loc(&mut b, None, 0x10, &["alloc"]);
        b.push_sample(&[m], &[200, 2], &[]);
        let d = b.intern("alloc_space");
        b.profile_mut().default_sample_type = d;
        let allocs = b.finish();

        let mut ps = vec![heap.clone(), allocs.clone()];
        compatibilize_sample_types(&mut ps).unwrap();
        assert_eq!(ps[0].sample_type_names(), ["alloc_objects", "alloc_space"]);
        assert_eq!(ps[0].str(ps[0].default_sample_type), "alloc_objects");
        assert_eq!(ps[0].samples.values, [1, 100]);
        assert_eq!(ps[1].sample_type_names(), ["alloc_objects", "alloc_space"]);
        assert_eq!(ps[1].str(ps[1].default_sample_type), "alloc_space");
        assert_eq!(ps[1].samples.values, [2, 200]);

        let p = merge(vec![heap, allocs]).unwrap();
        assert_eq!(samples(&p), ["alloc 3,300"]);
        // First non-empty default of the compatibilized profiles.
        assert_eq!(p.str(p.default_sample_type), "alloc_objects");
    }

    #[test]
    fn units_are_rescaled_to_the_finest() {
        let mut b = builder(&[("cpu", "milliseconds")]);
        let pt = b.value_type("cpu", "milliseconds");
        b.profile_mut().period_type = Some(pt);
        b.profile_mut().period = 10;
        let l = loc(&mut b, None, 0x10, &["work"]);
        b.push_sample(&[l], &[3], &[]);
        let ms = b.finish();
        let mut b = builder(&[("cpu", "nanoseconds")]);
        b.profile_mut().period = 1_000_000;
        let l = loc(&mut b, None, 0x10, &["work"]);
        b.push_sample(&[l], &[5], &[]);
        let ns = b.finish();

        let p = merge(vec![ms, ns]).unwrap();
        assert_eq!(p.str(p.sample_types[0].unit), "nanoseconds");
        assert_eq!(samples(&p), ["work 3000005"]);
        let pt = p.period_type.unwrap();
        assert_eq!((p.str(pt.ty), p.str(pt.unit)), ("cpu", "nanoseconds"));
        assert_eq!(p.period, 10_000_000);

        // kilobytes → bytes, 1024-based; and incompatible units fail.
        let mut b = builder(&[("space", "kilobytes")]);
        let l = loc(&mut b, None, 0x10, &["f"]);
        b.push_sample(&[l], &[2], &[]);
        let kb = b.finish();
        let mut b = builder(&[("space", "bytes")]);
        let l = loc(&mut b, None, 0x10, &["f"]);
        b.push_sample(&[l], &[1], &[]);
        let bytes = b.finish();
        let p = merge(vec![kb.clone(), bytes]).unwrap();
        assert_eq!(samples(&p), ["f 2049"]);
        let secs = builder(&[("space", "seconds")]).finish();
        let err = merge(vec![kb, secs]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "sample types: incompatible types: {space kilobytes 0 0} {space seconds 0 0}"
        );
    }

    #[test]
    fn period_type_errors() {
        let mut wall = cpu(0x1000);
        let pt = wall.period_type.unwrap();
        wall.period_type = Some(ValueType {
            ty: wall.strings.push("wall"),
            ..pt
        });
        let err = merge(vec![cpu(0x1000), wall]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "period type: incompatible types: {cpu nanoseconds 0 0} {wall nanoseconds 0 0}"
        );
        // A missing period type is pprof's empty one.
        let mut none = cpu(0x1000);
        none.period_type = None;
        let err = merge(vec![none, cpu(0x1000)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "period type: incompatible types: {  0 0} {cpu nanoseconds 0 0}"
        );
        // "cpus" and "cpu" pass ScaleProfiles (one trailing s is ignored)
        // but not Merge's exact comparison.
        let mut cpus = cpu(0x1000);
        cpus.period_type = Some(ValueType {
            ty: cpus.strings.push("cpus"),
            ..pt
        });
        let err = merge(vec![cpu(0x1000), cpus]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "incompatible period types &{cpu nanoseconds 0 0} and &{cpus nanoseconds 0 0}"
        );
    }

    #[test]
    fn cancelled_samples_vanish() {
        // The second profile cancels main→foo→bar; bar's location and
        // function go with it and the rest is renumbered. The mapping
        // stays (the first mapping always does).
        let a = cpu(0x1000);
        let mut b = builder(&[("samples", "count"), ("cpu", "nanoseconds")]);
        let m = binary(&mut b, 0x1000);
        let main = loc(&mut b, Some(m), 0x1100, &["main"]);
        let foo = loc(&mut b, Some(m), 0x1200, &["foo"]);
        let bar = loc(&mut b, Some(m), 0x1300, &["bar"]);
        b.push_sample(&[bar, foo, main], &[-1, -10], &[]);
        b.push_sample(&[main], &[0, 0], &[]);
        let p = merge(vec![a, b.finish()]).unwrap();
        assert_eq!(samples(&p), ["foo;main 2,20", "main 3,30"]);
        assert_eq!(ids(&p.locations, |l| l.id), [1, 2]);
        assert_eq!(
            p.locations.iter().map(|l| l.address).collect::<Vec<_>>(),
            [0x1200, 0x1100]
        );
        let names: Vec<&str> = p.functions.iter().map(|f| p.str(f.name)).collect();
        assert_eq!(names, ["foo", "main"]);
        assert_eq!(ids(&p.functions, |f| f.id), [1, 2]);

        // Everything cancels: no samples, but mapping 1 is kept.
        let mut neg = cpu(0x1000);
        scale(&mut neg, -1.0);
        let p = merge(vec![cpu(0x1000), neg]).unwrap();
        assert!(p.samples.is_empty());
        assert!(p.locations.is_empty() && p.functions.is_empty());
        assert_eq!(p.mappings.len(), 1);
    }

    #[test]
    fn header_rules() {
        let with = |time: i64, duration: i64, period: i64, comments: &[&str], default: &str| {
            let mut p = cpu(0x1000);
            p.time_nanos = time;
            p.duration_nanos = duration;
            p.period = period;
            p.comments = comments.iter().map(|c| p.strings.push(c)).collect();
            p.default_sample_type = if default.is_empty() {
                0
            } else {
                p.strings.push(default)
            };
            p
        };
        // "Earliest", but a zero replaces what came before and is replaced
        // by what comes after.
        let p = merge(vec![
            with(0, 1, 5, &["a"], ""),
            with(100, 2, 20, &["b", "a"], "cpu"),
            with(50, 3, 7, &["c"], "samples"),
        ])
        .unwrap();
        assert_eq!((p.time_nanos, p.duration_nanos, p.period), (50, 6, 20));
        let comments: Vec<&str> = p.comments.iter().map(|&c| p.str(c)).collect();
        assert_eq!(comments, ["a", "b", "c"]);
        assert_eq!(p.str(p.default_sample_type), "cpu");
        let p = merge(vec![
            with(100, 0, 0, &[], ""),
            with(50, 0, 0, &[], ""),
            with(0, 0, 0, &[], ""),
        ])
        .unwrap();
        assert_eq!(p.time_nanos, 0);
        let p = merge(vec![
            with(100, 0, 0, &[], ""),
            with(0, 0, 0, &[], ""),
            with(200, 0, 0, &[], ""),
        ])
        .unwrap();
        assert_eq!(p.time_nanos, 200);
    }

    #[test]
    fn labels_keep_samples_apart() {
        let mut b = builder(&[("samples", "count")]);
        let l = loc(&mut b, None, 0x10, &["f"]);
        let (k, v1, v2) = (b.intern("k"), b.intern("v1"), b.intern("v2"));
        let (n, bytes, a) = (b.intern("n"), b.intern("bytes"), b.intern("a"));
        let av = b.intern("x");
        let sl = |key, s| Label {
            key,
            str: s,
            ..Default::default()
        };
        b.push_sample(&[l], &[1], &[sl(k, v1)]);
        b.push_sample(&[l], &[2], &[sl(k, v2)]);
        b.push_sample(&[l], &[4], &[]);
        // Same labels, other order of keys: the same sample for pprof.
        let num = Label {
            key: n,
            num: 8,
            num_unit: bytes,
            ..Default::default()
        };
        b.push_sample(&[l], &[8], &[num, sl(k, v1), sl(a, av)]);
        b.push_sample(&[l], &[16], &[sl(a, av), sl(k, v1), num]);
        // A unit makes a numeric label different.
        b.push_sample(&[l], &[32], &[Label { num_unit: 0, ..num }]);
        // A label with neither value nor unit does not exist for pprof.
        b.push_sample(
            &[l],
            &[64],
            &[Label {
                key: n,
                ..Default::default()
            }],
        );
        let p = b.finish();
        let m = merge(vec![p.clone(), p]).unwrap();
        assert_eq!(
            samples(&m),
            [
                "f 2 [k=v1]",
                "f 4 [k=v2]",
                "f 136",
                "f 48 [a=x k=v1 n=8bytes]",
                "f 64 [n=8]",
            ]
        );
    }

    #[test]
    fn location_key_ignores_inner_columns() {
        // pprof's location key has the column of the last line only.
        let mut b = builder(&[("samples", "count")]);
        let (f, g) = (
            b.function("f", "f", "x.go", 0),
            b.function("g", "g", "x.go", 0),
        );
        let lines = |c0, c1| {
            [
                Line {
                    function: f,
                    line: 3,
                    column: c0,
                },
                Line {
                    function: g,
                    line: 4,
                    column: c1,
                },
            ]
        };
        let l1 = b.location(None, 0x10, &lines(1, 5), false);
        let l2 = b.location(None, 0x10, &lines(2, 5), false);
        let l3 = b.location(None, 0x10, &lines(1, 6), false);
        b.push_sample(&[l1], &[1], &[]);
        b.push_sample(&[l2], &[2], &[]);
        b.push_sample(&[l3], &[4], &[]);
        let p = b.finish();
        assert_eq!(p.locations.len(), 3);
        let c = compact(&p);
        assert_eq!(c.locations.len(), 2);
        assert_eq!(samples(&c), ["f;g 3", "f;g 4"]);
        // The first one's columns are kept.
        assert_eq!(c.location_lines(0)[0].column, 1);
    }

    #[test]
    fn mapping_key() {
        // Same file, sizes equal after rounding up to 4 KiB: one mapping.
        // A different build id: another. Neither file nor build id: all
        // such mappings are one.
        let mut b = builder(&[("samples", "count")]);
        let file = b.intern("/lib/x.so");
        let other = b.intern("other");
        let ms = [
            Mapping {
                start: 0x10000,
                limit: 0x10ff0,
                file,
                ..Default::default()
            },
            Mapping {
                start: 0x50000,
                limit: 0x51000,
                file,
                ..Default::default()
            },
            Mapping {
                start: 0x90000,
                limit: 0x91000,
                file,
                build_id: other,
                ..Default::default()
            },
            Mapping {
                start: 0xa0000,
                limit: 0xa1000,
                ..Default::default()
            },
            Mapping {
                start: 0xb0000,
                limit: 0xb0800,
                ..Default::default()
            },
        ]
        .map(|m| b.mapping(m));
        for (i, &m) in ms.iter().enumerate() {
            let start = b.profile().mappings[m as usize].start;
            let l = loc(&mut b, Some(m), start + 0x10, &["f"]);
            b.push_sample(&[l], &[1 << i], &[]);
        }
        let p = compact(&b.finish());
        assert_eq!(
            p.mappings.iter().map(|m| m.start).collect::<Vec<_>>(),
            [0x10000, 0x90000, 0xa0000]
        );
        assert_eq!(
            p.locations.iter().map(|l| l.address).collect::<Vec<_>>(),
            [0x10010, 0x90010, 0xa0010]
        );
        assert_eq!(samples(&p), ["f 3", "f 4", "f 24"]);
    }

    #[test]
    fn first_mapping_stays_first() {
        // Profile 1 has no mappings; profile 2's first mapping is mapping 1
        // even though its samples reach another mapping first.
        let mut b = builder(&[("samples", "count")]);
        let l = loc(&mut b, None, 0x10, &["f"]);
        b.push_sample(&[l], &[1], &[]);
        let a = b.finish();
        let mut b = builder(&[("samples", "count")]);
        let main = binary(&mut b, 0x1000);
        let lib_file = b.intern("/lib/c.so");
        let lib = b.mapping(Mapping {
            start: 0x9000,
            limit: 0xa000,
            file: lib_file,
            ..Default::default()
        });
        let l1 = loc(&mut b, Some(lib), 0x9010, &["memcpy"]);
        let l2 = loc(&mut b, Some(main), 0x1010, &["main"]);
        b.push_sample(&[l1], &[1], &[]);
        b.push_sample(&[l2], &[1], &[]);
        let p = merge(vec![a, b.finish()]).unwrap();
        let files: Vec<&str> = p.mappings.iter().map(|m| p.str(m.file)).collect();
        assert_eq!(files, ["/bin/prog", "/lib/c.so"]);
        assert_eq!(p.locations[1].mapping, Some(1));
    }

    #[test]
    fn scale_n_and_normalize() {
        let mut p = cpu(0x1000);
        scale_n(&mut p, &[1.0, 0.05]).unwrap();
        // 10*0.05 = 0.5 rounds away from zero to 1; 20→1, 30→2 (1.5→2).
        assert_eq!(
            samples(&p),
            ["bar;foo;main 1,1", "foo;main 2,1", "main 3,2"]
        );
        // Only rescaled values keep a sample: 1 sample, cpu 0 → dropped.
        scale_n(&mut p, &[1.0, 0.1]).unwrap();
        assert!(p.samples.is_empty());
        assert_eq!(
            scale_n(&mut p, &[1.0]).unwrap_err().to_string(),
            "mismatched scale ratios, got 1, want 2"
        );

        let mut p = cpu(0x1000);
        let mut base = cpu(0x1000);
        scale(&mut base, 2.0);
        normalize(&mut p, &base).unwrap();
        assert_eq!(
            samples(&p),
            ["bar;foo;main 2,20", "foo;main 4,40", "main 6,60"]
        );
        let heap = builder(&[("space", "bytes")]).finish();
        assert!(normalize(&mut p, &heap).is_err());
    }

    #[test]
    fn many_copies_are_fast() {
        let mut b = builder(&[("samples", "count"), ("cpu", "nanoseconds")]);
        let m = binary(&mut b, 0x1000);
        let names: Vec<String> = (0..50).map(|i| format!("f{i}")).collect();
        let locs: Vec<u32> = (0..50u64)
            .map(|i| loc(&mut b, Some(m), 0x1000 + i * 16, &[&names[i as usize]]))
            .collect();
        for s in 0..200usize {
            let stack: Vec<u32> = (0..10).map(|d| locs[(s * 7 + d * 13) % 50]).collect();
            b.push_sample(&stack, &[1, 10], &[]);
        }
        let p = b.finish();
        let copies = vec![p; 100];
        let t = std::time::Instant::now();
        let m = merge(copies).unwrap();
        assert!(t.elapsed().as_secs_f64() < 2.0, "took {:?}", t.elapsed());
        assert_eq!(m.samples.values(0)[0] % 100, 0);
        let total: i64 = (0..m.samples.len()).map(|i| m.samples.value(i, 0)).sum();
        assert_eq!(total, 200 * 100);
    }
}
