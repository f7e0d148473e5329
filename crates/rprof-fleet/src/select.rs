//! A selection of profiles (a SQL condition on `profiles`) turned back
//! into one rprof [`Profile`]: the merge `rprof merge` would make of the
//! same files, computed by the query engine.
//!
//! 1. `SELECT … FROM profiles WHERE <condition> ORDER BY time, profile_id`
//!    gives the selected profiles' headers, in merge order.
//! 2. For each *shape* (sample types with units, period type) one query
//!    sums the values of their samples by stack and label set (pprof's
//!    sample key) and joins the stacks' frames: the heavy part, which the
//!    engine runs in parallel (or on a Ballista cluster).
//! 3. The rows become a profile: functions, locations and mappings
//!    deduplicated by pprof's keys, the header combined as pprof's
//!    `profile.Merge` does (earliest time, summed duration, largest
//!    period, distinct comments, the first profile's first mapping first).
//!    Several shapes are merged with rprof's merge (compatible sample
//!    types, unit scaling), and the profile's `drop_frames` are applied,
//!    as `rprof top FILES…` does.
//!
//! What differs from `rprof merge`'s file is only numbering and order
//! (of samples, locations, functions, mappings after the first), which no
//! report depends on.

use crate::engine::Fleet;
use crate::error::FleetError;
use crate::schema;
use datafusion::arrow::array::{
    Array, AsArray, BooleanArray, Int64Array, ListArray, MapArray, RecordBatch, StringArray,
    StructArray, UInt64Array,
};
use datafusion::arrow::datatypes::{Int64Type, TimestampNanosecondType, UInt64Type};
use rprof_profile::{Label, Line, Mapping, Profile, ProfileBuilder};
use std::collections::{BTreeSet, HashMap};

/// One selected profile's header, as stored in `profiles`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileInfo {
    /// The content id.
    pub profile_id: String,
    /// `time_nanos`.
    pub time_nanos: i64,
    /// `duration_nanos`.
    pub duration_nanos: i64,
    /// Sample type names.
    pub sample_types: Vec<String>,
    /// Sample type units.
    pub sample_units: Vec<String>,
    /// The default sample type ("" if unset).
    pub default_sample_type: String,
    /// Period type and unit, if set.
    pub period_type: Option<(String, String)>,
    /// The period.
    pub period: i64,
    /// Comments.
    pub comments: Vec<String>,
    /// `drop_frames`.
    pub drop_frames: String,
    /// `keep_frames`.
    pub keep_frames: String,
    /// `doc_url`.
    pub doc_url: String,
    /// Where the profile was read from.
    pub source: String,
    /// The `day` partition.
    pub day: String,
    /// Mapping id and mapping.
    pub mappings: Vec<(u64, Mapping, String, String)>,
}

impl ProfileInfo {
    fn shape(&self) -> (Vec<String>, Vec<String>, Option<(String, String)>) {
        (
            self.sample_types.clone(),
            self.sample_units.clone(),
            self.period_type.clone(),
        )
    }
}

/// The profiles a condition selects, merged.
pub struct Merged {
    /// The merged profile.
    pub profile: Profile,
    /// The selected profiles, in merge order (time, then id).
    pub profiles: Vec<ProfileInfo>,
}

fn where_clause(cond: Option<&str>) -> String {
    match cond {
        Some(c) if !c.trim().is_empty() => format!(" WHERE ({c})"),
        _ => String::new(),
    }
}

/// A SQL string literal.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Fleet {
    /// The headers of the profiles matching `cond` (a SQL condition on
    /// the `profiles` table; `None`: all), in merge order.
    pub fn select(&self, cond: Option<&str>) -> Result<Vec<ProfileInfo>, FleetError> {
        let q = format!(
            "SELECT profile_id, time, duration_ns, sample_types, sample_units, \
             default_sample_type, period_type, period_unit, period, comments, drop_frames, \
             keep_frames, doc_url, source, {day} AS day, mappings \
             FROM {table}{w} ORDER BY time, profile_id",
            day = schema::DAY,
            table = schema::PROFILES,
            w = where_clause(cond)
        );
        let batches = self.sql(&q)?;
        let mut out = Vec::new();
        for b in &batches {
            read_profiles(b, &mut out)?;
        }
        Ok(out)
    }

    /// The profiles matching `cond`, merged as `rprof merge` merges files.
    pub fn merged(&self, cond: Option<&str>) -> Result<Merged, FleetError> {
        let profiles = self.select(cond)?;
        if profiles.is_empty() {
            return Err(FleetError::EmptySelection(match cond {
                Some(c) => format!("--where {c:?}"),
                None => "(the dataset is empty)".to_string(),
            }));
        }
        let all = cond.is_none_or(|c| c.trim().is_empty());
        let mut shapes: Vec<(_, Vec<&ProfileInfo>)> = Vec::new();
        for p in &profiles {
            let s = p.shape();
            match shapes.iter_mut().find(|(k, _)| *k == s) {
                Some((_, v)) => v.push(p),
                None => shapes.push((s, vec![p])),
            }
        }
        let single = profiles.len() == 1;
        let mut parts = Vec::with_capacity(shapes.len());
        for (_, members) in &shapes {
            let everything = all && shapes.len() == 1;
            parts.push(self.merge_shape(members, everything, single)?);
        }
        let mut profile = if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            rprof_profile::merge::merge(parts)?
        };
        // `rprof top FILES…` (pprof's fetch) drops the frames the profile's
        // drop_frames names after merging.
        rprof_profile::prune::remove_uninteresting(&mut profile)
            .map_err(|e| FleetError::Merge(rprof_profile::MergeError::Prune(e)))?;
        Ok(Merged { profile, profiles })
    }

    /// Sums the samples of `members` (one shape) in the engine and builds
    /// their merged profile.
    fn merge_shape(
        &self,
        members: &[&ProfileInfo],
        everything: bool,
        single: bool,
    ) -> Result<Profile, FleetError> {
        let first = members[0];
        let width = first.sample_types.len();
        let sums: Vec<String> = (0..width)
            .map(|i| format!("sum(value[{}]) AS v{i}", i + 1))
            .collect();
        let mut conds = Vec::new();
        if !everything {
            let days: BTreeSet<&str> = members.iter().map(|p| p.day.as_str()).collect();
            let days: Vec<String> = days.into_iter().map(quote).collect();
            // The day list lets the engine skip whole partitions.
            conds.push(format!("{} IN ({})", schema::DAY, days.join(", ")));
            let ids: Vec<String> = members.iter().map(|p| quote(&p.profile_id)).collect();
            conds.push(format!("profile_id IN ({})", ids.join(", ")));
        }
        if !single {
            // pprof's merge skips all-zero samples (a lone profile is
            // reported as it is).
            let nonzero: Vec<String> = (1..=width).map(|i| format!("value[{i}] <> 0")).collect();
            if !nonzero.is_empty() {
                conds.push(format!("({})", nonzero.join(" OR ")));
            }
        }
        let w = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let vs: Vec<String> = (0..width).map(|i| format!("a.v{i}")).collect();
        let q = format!(
            "SELECT a.stack_id, a.label_set, a.labels, a.num_labels, st.frames{comma}{vs} FROM \
             (SELECT stack_id, label_set, first_value(labels) AS labels, \
             first_value(num_labels) AS num_labels{comma}{sums} FROM {samples}{w} \
             GROUP BY stack_id, label_set) a \
             JOIN {stacks} st ON a.stack_id = st.stack_id \
             ORDER BY a.stack_id, a.label_set",
            comma = if width > 0 { ", " } else { "" },
            vs = vs.join(", "),
            sums = sums.join(", "),
            samples = schema::SAMPLES,
            stacks = schema::STACKS,
        );
        let batches = self.sql(&q)?;
        build_profile(members, width, &batches)
    }
}

fn col<'a>(b: &'a RecordBatch, name: &str, ctx: &'static str) -> Result<&'a dyn Array, FleetError> {
    b.column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| FleetError::Result {
            context: ctx,
            column: name.to_string(),
        })
}

/// A string column as Utf8, whatever string type the engine chose
/// (`CAST(… AS VARCHAR)` gives Utf8View, partition columns dictionaries).
fn strings(b: &RecordBatch, name: &str, ctx: &'static str) -> Result<StringArray, FleetError> {
    let bad = || FleetError::Result {
        context: ctx,
        column: name.to_string(),
    };
    let c = col(b, name, ctx)?;
    let c = datafusion::arrow::compute::cast(c, &datafusion::arrow::datatypes::DataType::Utf8)
        .map_err(|_| bad())?;
    c.as_string_opt::<i32>().cloned().ok_or_else(bad)
}

fn list<'a>(
    b: &'a RecordBatch,
    name: &str,
    ctx: &'static str,
) -> Result<&'a ListArray, FleetError> {
    col(b, name, ctx)?
        .as_list_opt::<i32>()
        .ok_or_else(|| FleetError::Result {
            context: ctx,
            column: name.to_string(),
        })
}

fn i64s<'a>(
    b: &'a RecordBatch,
    name: &str,
    ctx: &'static str,
) -> Result<&'a Int64Array, FleetError> {
    col(b, name, ctx)?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| FleetError::Result {
            context: ctx,
            column: name.to_string(),
        })
}

fn str_at(a: &StringArray, i: usize) -> String {
    if a.is_null(i) {
        String::new()
    } else {
        a.value(i).to_string()
    }
}

fn string_list(l: &ListArray, i: usize) -> Vec<String> {
    if l.is_null(i) {
        return Vec::new();
    }
    let v = l.value(i);
    let s = v.as_string::<i32>();
    (0..s.len()).map(|j| str_at(s, j)).collect()
}

const PROFILES_CTX: &str = "reading the selected profiles";

fn read_profiles(b: &RecordBatch, out: &mut Vec<ProfileInfo>) -> Result<(), FleetError> {
    let c = PROFILES_CTX;
    let id = strings(b, "profile_id", c)?;
    let time = col(b, "time", c)?
        .as_primitive_opt::<TimestampNanosecondType>()
        .ok_or(FleetError::Result {
            context: c,
            column: "time".into(),
        })?;
    let duration = i64s(b, "duration_ns", c)?;
    let types = list(b, "sample_types", c)?;
    let units = list(b, "sample_units", c)?;
    let default_type = strings(b, "default_sample_type", c)?;
    let period_type = strings(b, "period_type", c)?;
    let period_unit = strings(b, "period_unit", c)?;
    let period = i64s(b, "period", c)?;
    let comments = list(b, "comments", c)?;
    let drop_frames = strings(b, "drop_frames", c)?;
    let keep_frames = strings(b, "keep_frames", c)?;
    let doc_url = strings(b, "doc_url", c)?;
    let source = strings(b, "source", c)?;
    let day = strings(b, "day", c)?;
    let mappings = list(b, "mappings", c)?;
    for i in 0..b.num_rows() {
        let mut ms = Vec::new();
        if !mappings.is_null(i) {
            let v = mappings.value(i);
            let s = v.as_struct();
            let u = |k: usize| s.column(k).as_primitive::<UInt64Type>();
            let st = |k: usize| s.column(k).as_string::<i32>();
            let bl = |k: usize| s.column(k).as_boolean();
            for j in 0..s.len() {
                let m = Mapping {
                    id: (j + 1) as u64,
                    start: u(1).value(j),
                    limit: u(2).value(j),
                    offset: u(3).value(j),
                    file: 0,
                    build_id: 0,
                    has_functions: bl(6).value(j),
                    has_filenames: bl(7).value(j),
                    has_line_numbers: bl(8).value(j),
                    has_inline_frames: bl(9).value(j),
                };
                ms.push((u(0).value(j), m, str_at(st(4), j), str_at(st(5), j)));
            }
        }
        out.push(ProfileInfo {
            profile_id: str_at(&id, i),
            time_nanos: time.value(i),
            duration_nanos: duration.value(i),
            sample_types: string_list(types, i),
            sample_units: string_list(units, i),
            default_sample_type: str_at(&default_type, i),
            period_type: (!period_type.is_null(i))
                .then(|| (str_at(&period_type, i), str_at(&period_unit, i))),
            period: period.value(i),
            comments: string_list(comments, i),
            drop_frames: str_at(&drop_frames, i),
            keep_frames: str_at(&keep_frames, i),
            doc_url: str_at(&doc_url, i),
            source: str_at(&source, i),
            day: str_at(&day, i),
            mappings: ms,
        });
    }
    Ok(())
}

const SAMPLES_CTX: &str = "reading the summed samples";

/// The merged profile of `members` from the aggregated rows.
fn build_profile(
    members: &[&ProfileInfo],
    width: usize,
    batches: &[RecordBatch],
) -> Result<Profile, FleetError> {
    let first = members[0];
    let mut b = ProfileBuilder::new();
    for (t, u) in first.sample_types.iter().zip(&first.sample_units) {
        b.add_sample_type(t, u);
    }
    // The header as pprof's profile.Merge combines it (see
    // rprof_profile::merge).
    let (mut time, mut duration, mut period) = (0i64, 0i64, 0i64);
    let mut comments: Vec<&str> = Vec::new();
    let (mut default_type, mut doc_url) = ("", "");
    for s in members {
        if time == 0 || s.time_nanos < time {
            time = s.time_nanos;
        }
        duration = duration.wrapping_add(s.duration_nanos);
        if period == 0 || period < s.period {
            period = s.period;
        }
        for c in &s.comments {
            if !comments.contains(&c.as_str()) {
                comments.push(c);
            }
        }
        if default_type.is_empty() {
            default_type = &s.default_sample_type;
        }
        if doc_url.is_empty() {
            doc_url = &s.doc_url;
        }
    }
    let period_type = first.period_type.as_ref().map(|(t, u)| b.value_type(t, u));
    let comments: Vec<u32> = comments.iter().map(|c| b.intern(c)).collect();
    let default_sample_type = b.intern(default_type);
    let doc_url = b.intern(doc_url);
    let drop_frames = b.intern(&first.drop_frames);
    let keep_frames = b.intern(&first.keep_frames);
    {
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
    }
    // Mappings: the first one seen for each identity, in merge order; the
    // first profile's first mapping comes first (the main binary).
    let mut known: HashMap<u64, (Mapping, &str, &str)> = HashMap::new();
    for s in members {
        for (id, m, file, build_id) in &s.mappings {
            known
                .entry(*id)
                .or_insert_with(|| (m.clone(), file.as_str(), build_id.as_str()));
        }
    }
    let mut mapping_index: HashMap<u64, u32> = HashMap::new();
    let mut add_mapping = |b: &mut ProfileBuilder, id: u64| -> Option<(u32, u64)> {
        let (m, file, build_id) = known.get(&id)?;
        let start = m.start;
        if let Some(&i) = mapping_index.get(&id) {
            return Some((i, start));
        }
        let mut m = m.clone();
        m.file = b.intern(file);
        m.build_id = b.intern(build_id);
        let i = b.mapping(m);
        mapping_index.insert(id, i);
        Some((i, start))
    };
    if let Some((id, ..)) = first.mappings.first() {
        add_mapping(&mut b, *id);
    }
    let c = SAMPLES_CTX;
    let mut lines: Vec<Line> = Vec::new();
    let mut stack: Vec<u32> = Vec::new();
    let mut values = vec![0i64; width];
    let mut labels: Vec<Label> = Vec::new();
    for batch in batches {
        let frames = list(batch, "frames", c)?;
        let label_maps = col(batch, "labels", c)?
            .as_map_opt()
            .ok_or(FleetError::Result {
                context: c,
                column: "labels".into(),
            })?;
        let num_labels = list(batch, "num_labels", c)?;
        let vcols: Vec<&Int64Array> = (0..width)
            .map(|i| i64s(batch, &format!("v{i}"), c))
            .collect::<Result<_, _>>()?;
        for row in 0..batch.num_rows() {
            stack.clear();
            let fv = frames.value(row);
            let f = fv.as_struct();
            read_stack(&mut b, f, &mut add_mapping, &mut lines, &mut stack);
            for (v, colm) in values.iter_mut().zip(&vcols) {
                *v = if colm.is_null(row) {
                    0
                } else {
                    colm.value(row)
                };
            }
            labels.clear();
            read_labels(&mut b, label_maps, num_labels, row, &mut labels);
            b.push_sample(&stack, &values, &labels);
        }
    }
    Ok(b.finish())
}

/// Turns a row's frames (leaf first) into locations of the profile.
fn read_stack(
    b: &mut ProfileBuilder,
    f: &StructArray,
    add_mapping: &mut impl FnMut(&mut ProfileBuilder, u64) -> Option<(u32, u64)>,
    lines: &mut Vec<Line>,
    stack: &mut Vec<u32>,
) {
    let function = f.column(0).as_string::<i32>();
    let system_name = f.column(1).as_string::<i32>();
    let file = f.column(2).as_string::<i32>();
    let start_line = f.column(3).as_primitive::<Int64Type>();
    let line = f.column(4).as_primitive::<Int64Type>();
    let column = f.column(5).as_primitive::<Int64Type>();
    let inlined: &BooleanArray = f.column(6).as_boolean();
    let address: &UInt64Array = f.column(7).as_primitive::<UInt64Type>();
    let mapping_id: &UInt64Array = f.column(8).as_primitive::<UInt64Type>();
    lines.clear();
    for j in 0..f.len() {
        if !function.is_null(j) {
            let func = b.function(
                function.value(j),
                str_or_empty(system_name, j),
                str_or_empty(file, j),
                start_line.value(j),
            );
            lines.push(Line {
                function: func,
                line: line.value(j),
                column: column.value(j),
            });
        }
        if inlined.value(j) {
            // The next frame is the same location's caller line.
            continue;
        }
        let mid = mapping_id.value(j);
        let (mapping, addr) = match (mid != 0).then(|| add_mapping(b, mid)).flatten() {
            Some((m, start)) => (Some(m), address.value(j).wrapping_add(start)),
            None => (None, address.value(j)),
        };
        stack.push(b.location(mapping, addr, lines, false));
        lines.clear();
    }
}

fn str_or_empty(a: &StringArray, i: usize) -> &str {
    if a.is_null(i) { "" } else { a.value(i) }
}

fn read_labels(
    b: &mut ProfileBuilder,
    maps: &MapArray,
    nums: &ListArray,
    row: usize,
    out: &mut Vec<Label>,
) {
    if !maps.is_null(row) {
        let entries = maps.value(row);
        let keys = entries.column(0).as_string::<i32>();
        let vals = entries.column(1).as_string::<i32>();
        for j in 0..entries.len() {
            out.push(Label {
                key: b.intern(keys.value(j)),
                str: b.intern(str_or_empty(vals, j)),
                num: 0,
                num_unit: 0,
            });
        }
    }
    if !nums.is_null(row) {
        let v = nums.value(row);
        let s = v.as_struct();
        let keys = s.column(0).as_string::<i32>();
        let vals = s.column(1).as_primitive::<Int64Type>();
        let units = s.column(2).as_string::<i32>();
        for j in 0..s.len() {
            out.push(Label {
                key: b.intern(str_or_empty(keys, j)),
                str: 0,
                num: vals.value(j),
                num_unit: b.intern(str_or_empty(units, j)),
            });
        }
    }
}
