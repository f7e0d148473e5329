//! pprof's sample filters on the columnar model: `-focus`, `-ignore`,
//! `-hide`, `-show` ([`filter_samples_by_name`]), `-show_from`
//! ([`show_from`]), `-prune_from` ([`prune_from`]), `-tagshow`/`-taghide`
//! ([`filter_tags_by_name`]) and the `-tagroot`/`-tagleaf` pseudo frames
//! ([`add_label_nodes`]). `-tagfocus`/`-tagignore` are in
//! [`crate::tagfilter`].
//!
//! Each function is a port of the pprof function of the same name
//! (`profile/filter.go`, `profile/prune.go`, `internal/driver/tagroot.go`),
//! with the same results, and pprof's order of operations is the caller's
//! business (`applyFocus`: name filters, show_from, tag filters, tag
//! show/hide, prune_from; label nodes before all of them).
//!
//! pprof runs its regular expressions once per location. Here a regular
//! expression runs at most once per distinct string (function name, file
//! name, mapping file): the results are memoised per string id, turned into
//! one bit per function and per mapping, and every location and sample is
//! then decided by table look-ups. Samples are compacted in place, in one
//! pass over the flat arrays; locations whose lines change get new ranges
//! into [`Profile::lines`] (rebuilt once when lines are removed from the
//! middle of a location). Locations no sample refers to any more stay in
//! the tables, as they do in pprof.
//!
//! [`compile_pattern`] and [`compile_go_regex`] read patterns the way Go's
//! `regexp` package reads them (RE2 syntax) rather than with the slightly
//! different syntax of the `regex` crate.

use crate::goregex::{GoRegexError, compile_go_regex};
use crate::model::*;
use regex::Regex;
use std::collections::HashMap;
use std::ops::Range;

/// A pattern that is not a Go regular expression, matched as literal text
/// instead (see [`compile_pattern`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteralPattern {
    /// The pattern as given.
    pub pattern: String,
    /// Why Go would refuse it.
    pub reason: GoRegexError,
}

/// Compiles the value of a name-matching option (`focus`, `ignore`, `hide`,
/// `show`, `show_from`, `prune_from`, `tagshow`, `taghide`).
///
/// The pattern is a Go regular expression ([`compile_go_regex`]). Where
/// pprof stops with `parsing focus regexp: error parsing regexp: …` (a
/// method name such as `(*conn).writeString` is not a valid regular
/// expression), rprof matches the pattern as literal text instead, and
/// says so with the [`LiteralPattern`].
pub fn compile_pattern(pattern: &str) -> (Regex, Option<LiteralPattern>) {
    match compile_go_regex(pattern) {
        Ok(re) => (re, None),
        Err(reason) => {
            let literal = Regex::new(&regex::escape(pattern))
                .expect("an escaped literal is a valid regular expression");
            (
                literal,
                Some(LiteralPattern {
                    pattern: pattern.to_string(),
                    reason,
                }),
            )
        }
    }
}
// ---------------------------------------------------------------------------
// Match tables

/// Memoises `re.is_match` per string id.
struct StrMatch<'a> {
    re: &'a Regex,
    /// 0 = not yet run, 1 = no match, 2 = match.
    memo: Vec<u8>,
}

impl<'a> StrMatch<'a> {
    fn new(p: &Profile, re: &'a Regex) -> Self {
        StrMatch {
            re,
            memo: vec![0; p.strings.len()],
        }
    }

    fn get(&mut self, p: &Profile, id: StrId) -> bool {
        let i = id as usize;
        if i >= self.memo.len() {
            return self.re.is_match(p.str(id));
        }
        if self.memo[i] == 0 {
            self.memo[i] = if self.re.is_match(p.str(id)) { 2 } else { 1 };
        }
        self.memo[i] == 2
    }
}

/// Which functions (name or file name) and mappings (file) a regular
/// expression matches: what pprof's `matchesName` & co. test.
struct NameBits {
    functions: Vec<bool>,
    mappings: Vec<bool>,
}

impl NameBits {
    fn new(p: &Profile, re: &Regex) -> Self {
        let mut m = StrMatch::new(p, re);
        let functions = p
            .functions
            .iter()
            .map(|f| m.get(p, f.name) || m.get(p, f.filename))
            .collect();
        let mappings = p.mappings.iter().map(|mp| m.get(p, mp.file)).collect();
        NameBits {
            functions,
            mappings,
        }
    }

    fn mapping(&self, loc: &Location) -> bool {
        loc.mapping.is_some_and(|m| self.mappings[m as usize])
    }

    /// pprof's `Location.matchesName`.
    fn location(&self, p: &Profile, li: usize) -> bool {
        let loc = &p.locations[li];
        p.lines[loc.lines.start as usize..loc.lines.end as usize]
            .iter()
            .any(|l| self.functions[l.function as usize])
            || self.mapping(loc)
    }
}

// ---------------------------------------------------------------------------
// In-place sample compaction

/// Rewrites the samples in place in one pass. `edit(i, stack)` gets sample
/// i's stack (leaf first, mutable so that frames can be moved within it)
/// and returns the range of it to keep, or `None` to drop the sample.
/// Values and labels follow their samples.
fn retain_samples(
    s: &mut Samples,
    mut edit: impl FnMut(usize, &mut [u32]) -> Option<Range<usize>>,
) {
    let width = s.width;
    let has_labels = !s.label_ends.is_empty();
    let n = s.len();
    let (mut ws, mut wn, mut wl) = (0usize, 0usize, 0usize);
    let (mut start, mut lstart) = (0usize, 0usize);
    for i in 0..n {
        let end = s.stack_ends[i] as usize;
        let lend = if has_labels {
            s.label_ends[i] as usize
        } else {
            0
        };
        if let Some(r) = edit(i, &mut s.stacks[start..end]) {
            s.stacks.copy_within(start + r.start..start + r.end, ws);
            ws += r.len();
            s.stack_ends[wn] = ws as u32;
            if wn != i {
                s.values.copy_within(i * width..(i + 1) * width, wn * width);
            }
            if has_labels {
                s.labels.copy_within(lstart..lend, wl);
                wl += lend - lstart;
                s.label_ends[wn] = wl as u32;
            }
            wn += 1;
        }
        start = end;
        lstart = lend;
    }
    s.stacks.truncate(ws);
    s.stack_ends.truncate(wn);
    s.values.truncate(wn * width);
    s.labels.truncate(wl);
    if s.labels.is_empty() {
        s.label_ends.clear();
    } else {
        s.label_ends.truncate(wn);
    }
}

/// Keeps the samples i with `keep[i]`, in place.
pub(crate) fn retain_sample_set(s: &mut Samples, keep: &[bool]) {
    if keep.iter().all(|&k| k) {
        return;
    }
    retain_samples(s, |i, stack| keep[i].then_some(0..stack.len()));
}

/// Removes the labels `keep` rejects, in place.
fn retain_labels(s: &mut Samples, mut keep: impl FnMut(&Label) -> bool) {
    if s.label_ends.is_empty() {
        return;
    }
    let (mut w, mut start) = (0usize, 0usize);
    for i in 0..s.label_ends.len() {
        let end = s.label_ends[i] as usize;
        for j in start..end {
            let l = s.labels[j];
            if keep(&l) {
                s.labels[w] = l;
                w += 1;
            }
        }
        s.label_ends[i] = w as u32;
        start = end;
    }
    s.labels.truncate(w);
    if s.labels.is_empty() {
        s.label_ends.clear();
    }
}

/// What a label is after pprof decodes it: a string label (`str` set), a
/// numeric label (`num` or unit set), or nothing (pprof drops it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LabelKind {
    Str,
    Num,
    None,
}

/// The kind of `l`, as pprof's decoder sees it.
pub fn label_kind(l: &Label) -> LabelKind {
    if l.str != 0 {
        LabelKind::Str
    } else if l.num != 0 || l.num_unit != 0 {
        LabelKind::Num
    } else {
        LabelKind::None
    }
}

// ---------------------------------------------------------------------------
// focus / ignore / hide / show

/// The result flags pprof uses for its "X expression matched no samples"
/// warnings (`Focus`, `Ignore`, `Hide`, `Show`). `focus` is true when no
/// focus was given, like pprof's `fm`; the others are false for an absent
/// expression, so warn only for the options that were set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NameFilterMatches {
    pub focus: bool,
    pub ignore: bool,
    pub hide: bool,
    pub show: bool,
}

/// pprof's `FilterSamplesByName`, in place.
///
/// Keeps the samples with at least one location matching `focus` (every
/// location does if there is no focus) and none matching `ignore`; a
/// location matching `ignore` never counts as focused. Then `hide` removes
/// the matching lines (the whole location when its mapping file matches)
/// and `show` keeps only the matching lines (all of them when the mapping
/// file matches), and locations left without lines are taken out of every
/// stack; samples whose stack becomes empty are dropped. A location
/// matches when a function name or file name of one of its lines, or its
/// mapping's file, matches. With any expression set, samples without any
/// location are dropped (as in pprof).
pub fn filter_samples_by_name(
    p: &mut Profile,
    focus: Option<&Regex>,
    ignore: Option<&Regex>,
    hide: Option<&Regex>,
    show: Option<&Regex>,
) -> NameFilterMatches {
    let mut m = NameFilterMatches::default();
    if focus.is_none() && ignore.is_none() && hide.is_none() && show.is_none() {
        m.focus = true;
        return m;
    }
    let bits = |re: Option<&Regex>| re.map(|re| NameBits::new(p, re));
    let (fb, ib, hb, sb) = (bits(focus), bits(ignore), bits(hide), bits(show));

    const FOCUSED: u8 = 1;
    const IGNORED: u8 = 2;
    let nl = p.locations.len();
    let mut state = vec![0u8; nl];
    let mut hidden = vec![false; nl];
    let mut any_hidden = false;
    let edit_lines = hb.is_some() || sb.is_some();
    let mut new_lines: Vec<Line> = if edit_lines {
        Vec::with_capacity(p.lines.len())
    } else {
        Vec::new()
    };
    for li in 0..nl {
        if let Some(ib) = &ib
            && ib.location(p, li)
        {
            m.ignore = true;
            state[li] = IGNORED;
        } else if fb.as_ref().is_none_or(|fb| fb.location(p, li)) {
            m.focus = true;
            state[li] = FOCUSED;
        }
        if !edit_lines {
            continue;
        }
        let loc = &p.locations[li];
        let old = loc.lines.start as usize..loc.lines.end as usize;
        let start = new_lines.len();
        // hide: the location's lines minus the matching ones (none when
        // the mapping matches); show, after hide: the lines left that
        // match (all of them when the mapping matches).
        let hide_matched = hb.as_ref().is_some_and(|hb| hb.location(p, li));
        m.hide |= hide_matched;
        let hide_all = hide_matched && hb.as_ref().is_some_and(|hb| hb.mapping(loc));
        if !hide_all {
            let show_all = sb.as_ref().is_some_and(|sb| sb.mapping(loc));
            for l in &p.lines[old] {
                let f = l.function as usize;
                if hb.as_ref().is_some_and(|hb| hb.functions[f]) {
                    continue;
                }
                if !show_all && sb.as_ref().is_some_and(|sb| !sb.functions[f]) {
                    continue;
                }
                new_lines.push(*l);
            }
        }
        let kept = new_lines.len() - start;
        if kept == 0 && (hide_matched || sb.is_some()) {
            hidden[li] = true;
            any_hidden = true;
        }
        m.show |= sb.is_some() && kept > 0;
        p.locations[li].lines = start as u32..new_lines.len() as u32;
    }
    if edit_lines {
        p.lines = new_lines;
    }

    retain_samples(&mut p.samples, |_, stack| {
        let mut focused = false;
        for &loc in stack.iter() {
            match state[loc as usize] {
                FOCUSED => focused = true,
                IGNORED => return None,
                _ => {}
            }
        }
        if !focused {
            return None;
        }
        if !any_hidden {
            return Some(0..stack.len());
        }
        let mut w = 0;
        for r in 0..stack.len() {
            let loc = stack[r];
            if !hidden[loc as usize] {
                stack[w] = loc;
                w += 1;
            }
        }
        if w == 0 { None } else { Some(0..w) }
    });
    m
}

// ---------------------------------------------------------------------------
// show_from

/// pprof's `ShowFrom`: drops every frame above (rootward of) the highest
/// frame matching `re`, and the samples without a matching frame. Inside a
/// location, the inlined callers above the last matching line are cut. A
/// location matches by function name or file name of a line, or by its
/// mapping's file (then all its lines stay). Returns whether any location
/// matched.
pub fn show_from(p: &mut Profile, re: &Regex) -> bool {
    let bits = NameBits::new(p, re);
    let mut matched = false;
    let mut show = vec![false; p.locations.len()];
    for (li, loc) in p.locations.iter_mut().enumerate() {
        if bits.mapping(loc) {
            show[li] = true;
            matched = true;
            continue;
        }
        let lines = &p.lines[loc.lines.start as usize..loc.lines.end as usize];
        if let Some(i) = lines
            .iter()
            .rposition(|l| bits.functions[l.function as usize])
        {
            loc.lines.end = loc.lines.start + i as u32 + 1;
            show[li] = true;
            matched = true;
        }
    }
    retain_samples(&mut p.samples, |_, stack| {
        stack
            .iter()
            .rposition(|&l| show[l as usize])
            .map(|i| 0..i + 1)
    });
    matched
}

// ---------------------------------------------------------------------------
// prune_from

/// pprof's `simplifyFunc`: drops one leading `.` and everything from the
/// first `(` that is not part of `(anonymous namespace)` or `operator()`.
pub fn simplify_func(f: &str) -> &str {
    let name = f.strip_prefix('.').unwrap_or(f);
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &name[i..];
        if rest.starts_with("(anonymous namespace)") {
            i += "(anonymous namespace)".len();
        } else if rest.starts_with("operator()") {
            i += "operator()".len();
        } else if b[i] == b'(' {
            return &name[..i];
        } else {
            i += 1;
        }
    }
    name
}

/// pprof's `PruneFrom`: drops all frames below (leafward of) the lowest
/// frame whose function name, simplified by [`simplify_func`], matches
/// `re`; the matching frame stays, minus the inlined lines below the
/// match. File names and mappings are not matched.
pub fn prune_from(p: &mut Profile, re: &Regex) {
    // Per function name: does the simplified name match?
    let mut memo: HashMap<StrId, bool> = HashMap::new();
    let func_match: Vec<bool> = p
        .functions
        .iter()
        .map(|f| {
            let name = p.str(f.name);
            if name.is_empty() {
                return false;
            }
            *memo
                .entry(f.name)
                .or_insert_with(|| re.is_match(simplify_func(name)))
        })
        .collect();
    let mut prune_beneath = vec![false; p.locations.len()];
    for (li, loc) in p.locations.iter_mut().enumerate() {
        let lines = &p.lines[loc.lines.start as usize..loc.lines.end as usize];
        if let Some(i) = lines.iter().position(|l| func_match[l.function as usize]) {
            prune_beneath[li] = true;
            loc.lines.start += i as u32;
        }
    }
    retain_samples(&mut p.samples, |_, stack| {
        match stack.iter().position(|&l| prune_beneath[l as usize]) {
            Some(i) => Some(i..stack.len()),
            None => Some(0..stack.len()),
        }
    });
}

// ---------------------------------------------------------------------------
// tagshow / taghide

/// pprof's `FilterTagsByName`: keeps the label keys that match `show` (all
/// when `None`) and do not match `hide`. Returns (some key matched show,
/// some key matched hide); with `show` absent the first is true as soon as
/// there is a label.
pub fn filter_tags_by_name(
    p: &mut Profile,
    show: Option<&Regex>,
    hide: Option<&Regex>,
) -> (bool, bool) {
    let (mut sm, mut hm) = (false, false);
    // Per key: (matches show, matches hide).
    let mut memo: HashMap<StrId, (bool, bool)> = HashMap::new();
    let strings = &p.strings;
    retain_labels(&mut p.samples, |l| {
        let (ms, mh) = *memo.entry(l.key).or_insert_with(|| {
            let name = strings.get(l.key);
            (
                show.is_none_or(|re| re.is_match(name)),
                hide.is_some_and(|re| re.is_match(name)),
            )
        });
        if label_kind(l) != LabelKind::None {
            sm |= ms;
            hm |= mh;
        }
        ms && !mh
    });
    (sm, hm)
}

// ---------------------------------------------------------------------------
// tagroot / tagleaf

/// pprof's `formatLabelValues`: the string values of key `key`, then the
/// numeric ones formatted in `output_unit` (a value without a unit as a
/// plain number), appended to `out` joined by `,`. Returns whether there
/// was any value.
fn format_label_values(
    p: &Profile,
    labels: &[Label],
    key: &str,
    output_unit: &str,
    out: &mut String,
) -> bool {
    let mut n = 0;
    for l in labels {
        if label_kind(l) == LabelKind::Str && p.str(l.key) == key {
            if n > 0 {
                out.push(',');
            }
            out.push_str(p.str(l.str));
            n += 1;
        }
    }
    for l in labels {
        if label_kind(l) == LabelKind::Num && p.str(l.key) == key {
            if n > 0 {
                out.push(',');
            }
            let unit = p.str(l.num_unit);
            let v = if unit.is_empty() {
                crate::measurement::scaled_label(l.num, "", "")
            } else {
                crate::measurement::scaled_label(l.num, unit, output_unit)
            };
            out.push_str(&v);
            n += 1;
        }
    }
    n > 0
}

/// pprof's `addLabelNodes` (`-tagroot`, `-tagleaf`): gives every sample one
/// pseudo frame per key, named by the sample's values of that label joined
/// by `,` (numeric values formatted in `output_unit`, the `-unit` option),
/// with the key as file name; root keys go above the root (the first key
/// outermost), leaf keys below the leaf (the last key innermost). A sample
/// without the label gets a frame with an empty name. The new functions and
/// locations are appended with the next free ids. Returns whether any
/// sample had a root key / leaf key.
pub fn add_label_nodes(
    p: &mut Profile,
    root_keys: &[String],
    leaf_keys: &[String],
    output_unit: &str,
) -> (bool, bool) {
    let (mut rootm, mut leafm) = (false, false);
    if root_keys.is_empty() && leaf_keys.is_empty() {
        return (rootm, leafm);
    }
    let mut next_loc_id = p.locations.iter().map(|l| l.id).max().unwrap_or(0) + 1;
    let mut next_func_id = p.functions.iter().map(|f| f.id).max().unwrap_or(0) + 1;

    // Interning of strings added here and of the new locations.
    let mut strs: HashMap<String, StrId> = HashMap::new();
    // New locations by (key, value): pprof's `locKey`.
    let mut locs: HashMap<StrId, HashMap<String, u32>> = HashMap::new();
    let key_ids: Vec<StrId> = root_keys
        .iter()
        .chain(leaf_keys)
        .map(|k| intern(&mut p.strings, &mut strs, k))
        .collect();

    let s = std::mem::take(&mut p.samples);
    let per_sample = root_keys.len() + leaf_keys.len();
    let mut stacks: Vec<u32> = Vec::with_capacity(s.stacks.len() + per_sample * s.len());
    let mut stack_ends: Vec<u32> = Vec::with_capacity(s.len());
    let mut roots: Vec<u32> = Vec::with_capacity(root_keys.len());
    let mut leaves: Vec<u32> = Vec::with_capacity(leaf_keys.len());
    let mut value = String::new();
    for i in 0..s.len() {
        let labels = s.labels(i);
        for (which, keys, out) in [(0usize, root_keys, &mut roots), (1, leaf_keys, &mut leaves)] {
            out.clear();
            for j in (0..keys.len()).rev() {
                let slot = if which == 0 { j } else { root_keys.len() + j };
                value.clear();
                if format_label_values(p, labels, &keys[j], output_unit, &mut value) {
                    if which == 0 {
                        rootm = true;
                    } else {
                        leafm = true;
                    }
                }
                let key = key_ids[slot];
                let loc = match locs.get(&key).and_then(|m| m.get(value.as_str())) {
                    Some(&l) => l,
                    None => {
                        let name = intern(&mut p.strings, &mut strs, &value);
                        let f = p.functions.len() as u32;
                        p.functions.push(Function {
                            id: next_func_id,
                            name,
                            system_name: 0,
                            filename: key,
                            start_line: 0,
                        });
                        next_func_id += 1;
                        let l = p.locations.len() as u32;
                        let at = p.lines.len() as u32;
                        p.lines.push(Line {
                            function: f,
                            line: 0,
                            column: 0,
                        });
                        p.locations.push(Location {
                            id: next_loc_id,
                            mapping: None,
                            address: 0,
                            lines: at..at + 1,
                            is_folded: false,
                        });
                        next_loc_id += 1;
                        locs.entry(key).or_default().insert(value.clone(), l);
                        l
                    }
                };
                out.push(loc);
            }
        }
        stacks.extend_from_slice(&leaves);
        stacks.extend_from_slice(s.stack(i));
        stacks.extend_from_slice(&roots);
        stack_ends.push(stacks.len() as u32);
    }
    p.samples = Samples {
        stacks,
        stack_ends,
        ..s
    };
    (rootm, leafm)
}

fn intern(strings: &mut Strings, ids: &mut HashMap<String, StrId>, s: &str) -> StrId {
    if s.is_empty() {
        return 0;
    }
    if let Some(&id) = ids.get(s) {
        return id;
    }
    let id = strings.push(s);
    ids.insert(s.to_string(), id);
    id
}
