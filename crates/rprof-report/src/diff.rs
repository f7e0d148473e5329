//! `diff`: rprof's own comparison of two profiles (`rprof diff --base
//! BASE... CURRENT...`), meant to be read, unlike pprof's `-base` /
//! `-diff_base` tables.
//!
//! pprof subtracts the base from the current profile and prints the result
//! with its ordinary `top` table: one signed value per node, percentages
//! printed as absolute values, a "total" that is either the base total or
//! the sum of |merged values|, and negative cumulative values (see the
//! reference notes on `-base`). This report instead shows, per node at the
//! report's granularity, both sides and their difference:
//!
//! ```text
//! File: workload
//! Type: cpu
//!            total  duration  time                     files
//! Base:      1.49s     1.40s  2026-11-27 00:52:23 UTC  cpu.pb.gz
//! Current:   1.25s     1.41s  2026-11-27 00:52:26 UTC  cpu.v2.pb.gz
//! Change:   -0.24s (-16.11% of base)
//! Showing 179 of 202 functions, sorted by |flat delta|; delta% is of the base total; 23 dropped (|delta| < 0.01s)
//! Rows shown account for -0.24s of the -0.24s change
//! ------------- flat -------------   ------------- cum --------------
//!   base  current   delta   delta%     base  current   delta   delta%  name
//!  0.99s    0.23s  -0.76s  -51.01%    0.99s    0.23s  -0.76s  -51.01%  crypto/internal/fips140/sha256.blockSHANI
//!  0.05s        -  -0.05s   -3.36%    0.05s        -  -0.05s   -3.36%  hash/crc32.ieeeCLMUL (gone)
//!      0    0.02s  +0.02s   +1.34%    0.23s    0.68s  +0.45s  +30.20%  main.sortInts
//!      -        0       0       0%        -    0.05s  +0.05s   +3.36%  main.encodeHex (new)
//! ```
//!
//! * The header gives each side's total (what `rprof top` says for that
//!   profile alone), duration and time (in UTC, so both compare at a
//!   glance whatever `TZ` is), the files it was read from when the caller
//!   names them ([`DiffReport::with_sources`]), and the overall change.
//! * `base` and `current` are the node's values in each profile alone,
//!   exactly what `rprof top` shows for that profile; `-` means the node
//!   does not occur in that profile at all (the row is then marked
//!   `(new)` or `(gone)`), `0` that it occurs with a value of zero (a
//!   caller has flat 0).
//! * `delta` = current − base, signed (`+`/`-`), so `base + delta =
//!   current` on every row.
//! * `delta%` is the delta as a signed percentage of the **base total**:
//!   "this function made the program 3.36% slower than the base run".
//!   It is empty (`n/a`, `null` in JSON) when the base total is zero.
//! * Rows are sorted by |flat delta| (|cum delta| with `cum`), largest
//!   first; ties by the other |delta|, largest first (so among the many
//!   callers whose flat did not change, the biggest cumulative changes come
//!   first), then by name, then by the rest of the node key: a total
//!   order, so the output is deterministic.
//!
//! **Units.** Values are printed with pprof's measurement functions. With
//! `unit = "minimum"` (the default) one unit is chosen for the whole report
//! exactly as pprof's `selectOutputUnit` chooses it, over every value the
//! table shows (both sides and the delta, flat and cum) and the larger of
//! the two totals, so that columns line up and compare at a glance (`0.05s`
//! next to `0.99s`). `auto` scales every value by itself; any other unit
//! (`ms`, `MB`) is used as given. `divide_by` applies to printed values.
//!
//! **Trimming.** With `trim` (the default), rows whose |flat delta| and
//! |cum delta| are both below `node_fraction` × the base total (the
//! current total if the base is empty) are dropped, so unchanged nodes
//! and noise vanish; then `node_count`, if set, keeps the first N rows.
//! With `trim = false` every node of either profile is a row, and the flat
//! deltas add up to current total − base total.
//!
//! **How it is computed.** The two profiles are merged as pprof merges
//! them (common sample types, units scaled to the finer one, locations and
//! functions deduplicated), with every base sample carrying a private
//! label, so that both sides share one location table and one node-key
//! space ([`crate::graph::NodeKeys`]). The merged samples are then split
//! back by that label into two profiles over the shared tables, and the
//! ordinary report machinery ([`Report`], [`crate::graph::build_nodes`])
//! gives flat and cum per node for each side: sample index, `mean`, granularity,
//! `no_inlines` and `drop_negative` therefore mean exactly what they mean
//! for `top`, and each side's total is `top`'s total for that profile.
//!
//! **JSON.** [`to_json_string`] ([`to_json`] for a `serde_json::Value`,
//! or `serde` on [`DiffReport`]) gives the same data
//! as numbers: raw values in the profile's unit (`unit`, e.g.
//! `nanoseconds`), with `mean` applied but not `divide_by` and not the
//! display unit; percentages as unrounded numbers; `status` `new`, `gone`
//! or `common`.

use crate::graph::{KeyOptions, NodeKey, NodeKeys};
use crate::{Granularity, Report, ReportError, ReportOptions};
use rprof_profile::measurement;
use rprof_profile::{MergeError, Profile, Samples};
use serde::Serialize;
use std::cmp::Ordering;
use std::fmt::Write;

/// The label key that marks base samples in the merged profile. Private to
/// this module: it never leaves [`diff`], and it cannot collide with
/// pprof's own `pprof::base`, which a `--diff-base` proto may carry.
const SIDE_LABEL: &str = "rprof::diff-base";

/// Why two profiles cannot be compared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// The profiles measure different things (a CPU profile against a heap
    /// profile), or the chosen sample type is missing on one side.
    #[error("cannot compare base {base} with current {current}: {reason}")]
    Incompatible {
        /// The base profile, e.g. `cpu profile [samples/count cpu/nanoseconds]`.
        base: String,
        /// The current profile, described the same way.
        current: String,
        /// What differs.
        reason: String,
    },
    /// The report options do not fit the profiles (bad sample index…).
    #[error("{0}")]
    Report(#[from] ReportError),
    /// Merging the two profiles failed for another reason.
    #[error("{0}")]
    Merge(MergeError),
}

/// One side of the comparison: where it came from and its total.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Side {
    /// The files this side was read from, as the caller names them
    /// ([`DiffReport::with_sources`]); empty when not given.
    pub sources: Vec<String>,
    /// The main binary (pprof's `File:`), if the profile names it.
    pub file: Option<String>,
    /// The main binary's build ID, if any.
    pub build_id: Option<String>,
    /// The profile's sample types, as `type/unit`.
    pub sample_types: Vec<String>,
    /// When the profile was taken (Unix nanoseconds; 0 = unknown).
    pub time_nanos: i64,
    /// How long it covers (nanoseconds; 0 = unknown).
    pub duration_nanos: i64,
    /// The total the side's `top` report would show (pprof's
    /// `computeTotal`), in [`DiffReport::unit`].
    pub total: i64,
}

/// Whether a row's node occurs in both profiles or in one only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    /// In both profiles.
    Common,
    /// Only in the current profile.
    New,
    /// Only in the base profile.
    Gone,
}

/// Base, current and delta of one measure (flat or cum) of one row.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Change {
    /// The value in the base profile.
    pub base: i64,
    /// The value in the current profile.
    pub current: i64,
    /// `current - base`.
    pub delta: i64,
    /// `delta` as a percentage of the base total; `None` when that is 0.
    pub delta_percent: Option<f64>,
}

/// One node at the report's granularity.
#[derive(Clone, Debug, Serialize)]
pub struct DiffRow {
    /// pprof's printable name of the node (`main.sortInts`,
    /// `main.go:42`…).
    pub name: String,
    /// New, gone, or in both.
    pub status: RowStatus,
    /// The node's own values.
    pub flat: Change,
    /// The values including its callees.
    pub cum: Change,
}

/// The comparison of two profiles; print it with [`write_text`] or
/// [`to_json`].
#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    /// The sample type compared (`mean_` prefixed with `mean`).
    pub sample_type: String,
    /// The unit of every raw value, as the profile names it.
    pub unit: String,
    /// `functions`, `filefunctions`, `files`, `lines` or `addresses`.
    pub granularity: String,
    /// What rows are sorted by: `flat` or `cum` (absolute delta).
    pub sort: String,
    /// The base profile(s).
    pub base: Side,
    /// The current profile(s).
    pub current: Side,
    /// `current.total - base.total`.
    pub change: i64,
    /// `change` as a percentage of the base total; `None` when that is 0.
    pub change_percent: Option<f64>,
    /// Rows before trimming (every node of either profile).
    pub row_count: usize,
    /// Rows dropped because their deltas were below the cutoff.
    pub dropped_rows: usize,
    /// The |delta| below which rows were dropped (0 = none).
    pub drop_cutoff: i64,
    /// The rows shown, in order.
    pub rows: Vec<DiffRow>,
    /// The unit the text form prints values in (resolved from `unit`).
    #[serde(skip)]
    pub output_unit: String,
    /// `1 / divide_by`, applied to printed values.
    #[serde(skip)]
    pub ratio: f64,
}

impl DiffReport {
    /// Records the files each side was read from, for the header.
    pub fn with_sources(mut self, base: Vec<String>, current: Vec<String>) -> Self {
        self.base.sources = base;
        self.current.sources = current;
        self
    }

    /// A raw value as the text form prints it: `divide_by` and the output
    /// unit applied, `-` for negatives, no `+`.
    pub fn format_value(&self, v: i64) -> String {
        let v = if self.ratio > 0.0 && self.ratio != 1.0 {
            (v as f64 * self.ratio) as i64
        } else {
            v
        };
        measurement::scaled_label(v, &self.unit, &self.output_unit)
    }

    /// A delta as the text form prints it: `+` for increases.
    pub fn format_delta(&self, v: i64) -> String {
        let s = self.format_value(v);
        if v > 0 && s != "0" {
            format!("+{s}")
        } else {
            s
        }
    }
}

/// `(type, unit)` names of a profile's sample types.
fn type_pairs(p: &Profile) -> Vec<(&str, &str)> {
    p.sample_types
        .iter()
        .map(|t| (p.str(t.ty), p.str(t.unit)))
        .collect()
}

/// What kind of Go profile this is, judged by its sample types.
fn profile_kind(p: &Profile) -> Option<&'static str> {
    let names = p.sample_type_names();
    let has = |n: &str| names.contains(&n);
    if has("cpu") {
        Some("cpu")
    } else if has("alloc_space") || has("inuse_space") || has("space") {
        let default = p.str(p.default_sample_type);
        Some(if default == "alloc_space" || default == "alloc_objects" {
            "allocs"
        } else {
            "heap"
        })
    } else if has("goroutine") {
        Some("goroutine")
    } else if has("threadcreate") {
        Some("threadcreate")
    } else if has("contentions") && has("delay") {
        Some("block/mutex")
    } else {
        None
    }
}

/// `cpu profile [samples/count cpu/nanoseconds]`.
fn describe(p: &Profile) -> String {
    let types: Vec<String> = type_pairs(p)
        .iter()
        .map(|(t, u)| format!("{t}/{u}"))
        .collect();
    let kind = profile_kind(p).map(|k| format!("{k} ")).unwrap_or_default();
    format!("{kind}profile [{}]", types.join(" "))
}

fn granularity_name(g: Granularity) -> &'static str {
    match g {
        Granularity::Functions => "functions",
        Granularity::FileFunctions => "filefunctions",
        Granularity::Files => "files",
        Granularity::Lines => "lines",
        Granularity::Addresses => "addresses",
    }
}

fn side_info(p: &Profile) -> Side {
    let m = p.main_mapping();
    let nonempty = |id: u32| (id != 0 && !p.str(id).is_empty()).then(|| p.str(id).to_string());
    Side {
        sources: Vec::new(),
        file: m
            .and_then(|m| nonempty(m.file))
            .map(|f| crate::base_name(&f).to_string()),
        build_id: m.and_then(|m| nonempty(m.build_id)),
        sample_types: type_pairs(p)
            .iter()
            .map(|(t, u)| format!("{t}/{u}"))
            .collect(),
        time_nanos: p.time_nanos,
        duration_nanos: p.duration_nanos,
        total: 0,
    }
}

fn percent(v: i64, total: i64) -> Option<f64> {
    (total != 0).then(|| v as f64 * 100.0 / total as f64)
}

/// Splits the merged profile's samples by the side label: (current, base),
/// the label itself removed.
fn split_samples(p: &Profile) -> (Samples, Samples) {
    let is_side: Vec<bool> = p.strings.iter().map(|s| s == SIDE_LABEL).collect();
    let s = &p.samples;
    let mut cur = Samples::new(s.width);
    let mut base = Samples::new(s.width);
    let mut labels = Vec::new();
    for i in 0..s.len() {
        let all = s.labels(i);
        let in_base = all.iter().any(|l| is_side[l.key as usize]);
        labels.clear();
        labels.extend(all.iter().filter(|l| !is_side[l.key as usize]));
        let dst = if in_base { &mut base } else { &mut cur };
        dst.push(s.stack(i), s.values(i), &labels);
    }
    (cur, base)
}

/// Per node key: (flat, cum) of one side, `None` where the node is absent.
fn side_values(r: &Report, keys: &NodeKeys) -> Vec<Option<(i64, i64)>> {
    let mut out = vec![None; keys.len()];
    // Flat and cum only: the edge-free build is enough and much cheaper.
    for n in crate::graph::build_nodes(r, keys).nodes {
        out[n.key as usize] = Some((n.flat_value(), n.cum_value()));
    }
    out
}

/// Compares `current` with `base` under `opts` (see the module docs).
///
/// Both profiles are typically the result of [`rprof_profile::combine`]
/// over each side's files. `opts.sample_index` is resolved against the
/// current profile and must name a sample type the base has too.
pub fn diff(
    base: &Profile,
    current: &Profile,
    opts: &ReportOptions,
) -> Result<DiffReport, DiffError> {
    let incompatible = |reason: String| DiffError::Incompatible {
        base: describe(base),
        current: describe(current),
        reason,
    };
    if current.sample_types.is_empty() || base.sample_types.is_empty() {
        return Err(ReportError::NoSampleTypes.into());
    }
    // The sample type, by name, as the current profile resolves it.
    let index = current
        .sample_index(&opts.sample_index)
        .map_err(ReportError::from)?;
    let st = current.sample_types[index];
    let (name, unit) = (current.str(st.ty), current.str(st.unit));
    let base_types = type_pairs(base);
    if !base_types.iter().any(|&(t, _)| t == name) {
        let common = type_pairs(current)
            .iter()
            .any(|(t, _)| base_types.iter().any(|(b, _)| b == t));
        let reason = if common {
            format!("the base has no {name} samples")
        } else {
            "they have no sample type in common".to_string()
        };
        return Err(incompatible(reason));
    }
    if let Some(&(_, bu)) = base_types.iter().find(|&&(t, _)| t == name)
        && !measurement::compatible_value_types((name, unit), (name, bu))
    {
        return Err(incompatible(format!(
            "{name} is measured in {unit} here and in {bu} there"
        )));
    }

    // One profile over shared tables, base samples labelled.
    let mut b = base.clone();
    rprof_profile::ensure_mapping(&mut b);
    rprof_profile::set_label(&mut b, SIDE_LABEL, "true");
    let mut c = current.clone();
    rprof_profile::ensure_mapping(&mut c);
    let merged = rprof_profile::merge(vec![c, b]).map_err(|e| match e {
        MergeError::Invalid(_) | MergeError::Empty => DiffError::Merge(e),
        e => incompatible(e.to_string()),
    })?;
    let (cur_samples, base_samples) = split_samples(&merged);
    let mut tables = merged;
    tables.samples = Samples::new(tables.samples.width);
    let mut base_p = tables.clone();
    base_p.samples = base_samples;
    let mut cur_p = tables;
    cur_p.samples = cur_samples;

    let mut side_opts = opts.clone();
    side_opts.sample_index = name.to_string();
    let rb = Report::new(&base_p, &side_opts)?;
    let rc = Report::new(&cur_p, &side_opts)?;
    let keys = NodeKeys::new(
        &cur_p,
        KeyOptions::for_granularity(opts.granularity, opts.no_inlines, opts.show_columns),
    );
    let vb = side_values(&rb, &keys);
    let vc = side_values(&rc, &keys);

    let (base_total, cur_total) = (rb.total(), rc.total());
    let change = |b: i64, c: i64| Change {
        base: b,
        current: c,
        delta: c - b,
        delta_percent: percent(c - b, base_total),
    };
    let mut rows: Vec<(u32, DiffRow)> = Vec::new();
    for k in 0..keys.len() {
        let status = match (vb[k], vc[k]) {
            (None, None) => continue,
            (Some(_), Some(_)) => RowStatus::Common,
            (None, Some(_)) => RowStatus::New,
            (Some(_), None) => RowStatus::Gone,
        };
        let (bf, bc) = vb[k].unwrap_or((0, 0));
        let (cf, cc) = vc[k].unwrap_or((0, 0));
        rows.push((
            k as u32,
            DiffRow {
                name: keys.printable_name(k as u32),
                status,
                flat: change(bf, cf),
                cum: change(bc, cc),
            },
        ));
    }
    let row_count = rows.len();

    // Trimming: drop rows whose change is negligible on both measures.
    let mut drop_cutoff = 0;
    let mut dropped_rows = 0;
    if opts.trim {
        let reference = if base_total != 0 {
            base_total
        } else {
            cur_total
        };
        drop_cutoff = ((reference as f64 * opts.node_fraction) as i64).abs();
        if drop_cutoff > 0 {
            rows.retain(|(_, r)| {
                r.flat.delta.abs() >= drop_cutoff || r.cum.delta.abs() >= drop_cutoff
            });
            dropped_rows = row_count - rows.len();
        }
    }

    rows.sort_by(|(ka, a), (kb, b)| {
        let (pa, pb, sa, sb) = if opts.cum {
            (a.cum.delta, b.cum.delta, a.flat.delta, b.flat.delta)
        } else {
            (a.flat.delta, b.flat.delta, a.cum.delta, b.cum.delta)
        };
        pb.unsigned_abs()
            .cmp(&pa.unsigned_abs())
            .then_with(|| sb.unsigned_abs().cmp(&sa.unsigned_abs()))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| compare_keys(&keys, *ka, *kb))
    });
    if opts.trim
        && let Some(n) = opts.node_count
        && n > 0
    {
        rows.truncate(n);
    }
    let rows: Vec<DiffRow> = rows.into_iter().map(|(_, r)| r).collect();

    let mut base_side = side_info(base);
    base_side.total = base_total;
    let mut cur_side = side_info(current);
    cur_side.total = cur_total;
    let mut report = DiffReport {
        sample_type: rc.sample_type().to_string(),
        unit: rc.sample_unit().to_string(),
        granularity: granularity_name(opts.granularity).to_string(),
        sort: if opts.cum { "cum" } else { "flat" }.to_string(),
        base: base_side,
        current: cur_side,
        change: cur_total - base_total,
        change_percent: percent(cur_total - base_total, base_total),
        row_count,
        dropped_rows,
        drop_cutoff,
        rows,
        output_unit: opts.unit.clone(),
        ratio: 1.0 / opts.divide_by,
    };
    report.output_unit = select_output_unit(&report);
    Ok(report)
}

/// The rest of the node key, for rows whose names and deltas tie.
fn compare_keys(keys: &NodeKeys, a: u32, b: u32) -> Ordering {
    let (ka, kb): (&NodeKey, &NodeKey) = (&keys.keys[a as usize], &keys.keys[b as usize]);
    let n = |id: u32| keys.names.get(id);
    ka.address
        .cmp(&kb.address)
        .then_with(|| n(ka.file).cmp(n(kb.file)))
        .then_with(|| ka.start_line.cmp(&kb.start_line))
        .then_with(|| ka.line.cmp(&kb.line))
        .then_with(|| ka.column.cmp(&kb.column))
        .then_with(|| n(ka.objfile).cmp(n(kb.objfile)))
        .then_with(|| n(ka.name).cmp(n(kb.name)))
}

/// pprof's `selectOutputUnit` over everything the table shows: the
/// smallest non-zero |value| of any cell, the larger total as maximum.
fn select_output_unit(r: &DiffReport) -> String {
    if r.output_unit != "minimum" {
        return r.output_unit.clone();
    }
    let mut min_value = 0i64;
    for row in &r.rows {
        for c in [&row.flat, &row.cum] {
            for v in [c.base, c.current, c.delta] {
                let v = v.saturating_abs();
                if v > 0 && (min_value == 0 || v < min_value) {
                    min_value = v;
                }
            }
        }
    }
    let mut max_value = r.base.total.max(r.current.total);
    if min_value == 0 {
        min_value = max_value;
    }
    if r.ratio > 0.0 && r.ratio != 1.0 {
        min_value = (min_value as f64 * r.ratio) as i64;
        max_value = (max_value as f64 * r.ratio) as i64;
    }
    let (_, min_unit) = measurement::scale(min_value, &r.unit, "minimum");
    let (_, max_unit) = measurement::scale(max_value, &r.unit, "minimum");
    let mut unit = min_unit.clone();
    if min_unit != max_unit && min_value.saturating_mul(100) < max_value {
        unit = measurement::scale(min_value.wrapping_mul(100), &r.unit, "minimum").1;
    }
    if unit.is_empty() {
        r.unit.clone()
    } else {
        unit
    }
}

/// A signed percentage of `total`: `+3.36%`, `-0.67%`, `0%`; `n/a` when
/// the total is zero. Magnitudes as pprof's `Percentage` prints them.
fn format_percent(v: i64, total: i64) -> String {
    if total == 0 {
        return "n/a".to_string();
    }
    if v == 0 {
        return "0%".to_string();
    }
    let sign = if v > 0 { '+' } else { '-' };
    format!("{sign}{}", measurement::percentage(v, total).trim())
}

/// Go's time layout `2006-01-02 15:04:05 UTC`, always in UTC so that the
/// two sides compare at a glance and the output does not depend on `TZ`.
fn utc_time(nanos: i64) -> String {
    jiff::Timestamp::from_nanosecond(i128::from(nanos))
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// Right-aligns each column to its widest cell, columns joined by `sep`.
fn push_aligned(out: &mut String, cells: &[String], widths: &[usize], seps: &[&str]) {
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        out.push_str(seps[i]);
        let _ = write!(out, "{c:>w$}");
    }
}

/// Writes the text form (see the module docs for how to read it).
pub fn write_text(r: &DiffReport, out: &mut String) {
    // Header: binary, type, one line per side, the overall change.
    let (bf, cf) = (&r.base.file, &r.current.file);
    match (bf, cf) {
        (Some(b), Some(c)) if b == c => {
            let _ = writeln!(out, "File: {b}");
        }
        (None, None) => {}
        _ => {
            let show = |f: &Option<String>| f.clone().unwrap_or_else(|| "?".to_string());
            let _ = writeln!(out, "File: {} (base), {} (current)", show(bf), show(cf));
        }
    }
    let _ = writeln!(out, "Type: {}", r.sample_type);
    let sides = [("Base:", &r.base), ("Current:", &r.current)];
    let mut table: Vec<Vec<String>> = vec![vec![
        String::new(),
        "total".to_string(),
        "duration".to_string(),
        "time".to_string(),
    ]];
    for (label, s) in sides {
        let dash = || "-".to_string();
        table.push(vec![
            label.to_string(),
            r.format_value(s.total),
            if s.duration_nanos != 0 {
                measurement::label(s.duration_nanos, "nanoseconds")
            } else {
                dash()
            },
            if s.time_nanos != 0 {
                utc_time(s.time_nanos)
            } else {
                dash()
            },
        ]);
    }
    let with_sources = !r.base.sources.is_empty() || !r.current.sources.is_empty();
    let change = r.format_delta(r.change);
    let mut widths = [0usize; 4];
    for row in &table {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    widths[0] = widths[0].max("Change:".len());
    widths[1] = widths[1].max(change.chars().count());
    for (i, row) in table.iter().enumerate() {
        let mut line = format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {:<w3$}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
        if with_sources {
            line.push_str("  ");
            line.push_str(&match i {
                0 => "files".to_string(),
                1 => r.base.sources.join(" "),
                _ => r.current.sources.join(" "),
            });
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = write!(
        out,
        "{:<w0$}  {:>w1$}",
        "Change:",
        change,
        w0 = widths[0],
        w1 = widths[1]
    );
    if r.base.total != 0 {
        let _ = write!(out, " ({} of base)", format_percent(r.change, r.base.total));
    }
    out.push('\n');

    // What the table shows.
    let what = match r.granularity.as_str() {
        "filefunctions" => "functions",
        g => g,
    };
    let mut note = format!(
        "Showing {} of {} {what}, sorted by |{} delta|; delta% is of the base total",
        r.rows.len(),
        r.row_count,
        r.sort
    );
    if r.dropped_rows > 0 {
        let _ = write!(
            note,
            "; {} dropped (|delta| < {})",
            r.dropped_rows,
            r.format_value(r.drop_cutoff)
        );
    }
    let _ = writeln!(out, "{note}");
    // Like pprof's "Showing nodes accounting for": what the flat deltas
    // of the rows shown add up to (all rows add up to the change).
    let shown: i64 = r.rows.iter().map(|x| x.flat.delta).sum();
    if r.rows.len() < r.row_count && r.sort == "flat" {
        let _ = writeln!(
            out,
            "Rows shown account for {} of the {} change",
            r.format_delta(shown),
            change
        );
    }

    // The table: right-aligned columns sized to their widest cell.
    const HEAD: [&str; 8] = [
        "base", "current", "delta", "delta%", "base", "current", "delta", "delta%",
    ];
    let absent = |present: bool, v: i64| {
        if present {
            r.format_value(v)
        } else {
            "-".to_string()
        }
    };
    let cells: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| {
            let (in_base, in_cur) = (row.status != RowStatus::New, row.status != RowStatus::Gone);
            let mut v = Vec::with_capacity(8);
            for c in [&row.flat, &row.cum] {
                v.push(absent(in_base, c.base));
                v.push(absent(in_cur, c.current));
                v.push(r.format_delta(c.delta));
                v.push(format_percent(c.delta, r.base.total));
            }
            v
        })
        .collect();
    let mut widths: Vec<usize> = HEAD.iter().map(|h| h.len().max(6)).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let seps = ["", "  ", "  ", "  ", "   ", "  ", "  ", "  "];
    // Group titles, centred in dashes over each half.
    let group = |title: &str, w: usize| {
        let t = format!(" {title} ");
        let left = w.saturating_sub(t.len()) / 2;
        let right = w.saturating_sub(t.len() + left);
        format!("{}{t}{}", "-".repeat(left), "-".repeat(right))
    };
    let half = |ws: &[usize]| ws.iter().sum::<usize>() + 2 * (ws.len() - 1);
    let _ = writeln!(
        out,
        "{}   {}",
        group("flat", half(&widths[..4])),
        group("cum", half(&widths[4..]))
    );
    let head: Vec<String> = HEAD.iter().map(|h| h.to_string()).collect();
    push_aligned(out, &head, &widths, &seps);
    out.push_str("  name\n");
    for (row, c) in r.rows.iter().zip(&cells) {
        push_aligned(out, c, &widths, &seps);
        let marker = match row.status {
            RowStatus::Common => "",
            RowStatus::New => " (new)",
            RowStatus::Gone => " (gone)",
        };
        let _ = writeln!(out, "  {}{marker}", row.name);
    }
}

/// The JSON form as a value: the same data as [`DiffReport`]'s fields,
/// values raw (object keys sorted, as `serde_json::Value` keeps them).
pub fn to_json(r: &DiffReport) -> serde_json::Value {
    serde_json::to_value(r).expect("a diff report always serializes")
}

/// The JSON form as text, pretty-printed, fields in declaration order
/// (types, sides, change, rows), with a final newline: what
/// `rprof diff --json` prints.
pub fn to_json_string(r: &DiffReport) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("a diff report always serializes");
    s.push('\n');
    s
}
