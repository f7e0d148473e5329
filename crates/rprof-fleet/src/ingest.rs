//! Ingest: profiles (files, directories, profiles read elsewhere such as
//! fetched from a URL) become rows of the three tables.
//!
//! Files are read and converted on rayon's thread pool, a chunk at a
//! time; the rows of a chunk are deduplicated (profiles by content id,
//! stacks by content hash, against the dataset and within the chunk) and
//! written as new Parquet files, one per partition and table, once enough
//! samples are buffered. Files are written under hidden temporary names
//! and renamed in the order stacks, samples, profiles, so a profile
//! becomes visible only once everything it refers to is there.
//!
//! Ids are content hashes (xxHash3, stable across runs and machines):
//!
//! * a location's hash covers its mapping's identity (pprof's mapping key:
//!   build id or file, size rounded to 4 KiB, offset), its address
//!   relative to the mapping's start, and every line (function name,
//!   system name, file, start line, line, column);
//! * `stack_id` (64 bits) is the hash of the stack's location hashes, so
//!   the same code path of the same binary has one id in every process;
//! * `profile_id` (128 bits, hex) covers the profile's header, mappings,
//!   and every sample (stack, labels, values): the same profile ingested
//!   twice, gzipped or not, is stored once.

use crate::dataset::{self, DatasetMeta};
use crate::error::{FleetError, SkipReason};
use crate::schema;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Int64Builder, ListBuilder, MapBuilder, MapFieldNames, RecordBatch,
    StringBuilder, StructBuilder, TimestampNanosecondBuilder, UInt64Builder,
};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use rprof_profile::{Profile, ReadOptions};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hasher as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How to ingest.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// The label to partition by when the dataset is created (an existing
    /// dataset keeps its own; giving another one is an error).
    pub partition_by: Option<String>,
    /// Labels given to every ingested profile (they win over labels taken
    /// from `key=value` directory names).
    pub labels: Vec<(String, String)>,
    /// Files read and converted in parallel before their rows are
    /// deduplicated and buffered.
    pub chunk_files: usize,
    /// Buffered samples that trigger writing a set of files. Bigger means
    /// fewer, larger files (better for queries) and more memory.
    pub flush_samples: usize,
    /// How profiles are read (gzip bomb limits).
    pub read: ReadOptions,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            partition_by: None,
            labels: Vec::new(),
            chunk_files: 256,
            flush_samples: 4_000_000,
            read: ReadOptions::default(),
        }
    }
}

/// Where an ingest is, for a progress display.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// Inputs read so far (ingested, duplicate or skipped).
    pub done: usize,
    /// Inputs in all.
    pub total: usize,
    /// Input bytes read so far.
    pub bytes: u64,
}

/// One input that was not ingested, and why.
#[derive(Debug)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub reason: SkipReason,
}

/// What an ingest did.
#[derive(Debug, Default)]
pub struct IngestReport {
    /// Profiles added to the dataset.
    pub ingested: usize,
    /// Profiles already in the dataset (or given twice), not added again.
    pub duplicates: usize,
    /// Inputs that are no profile or could not be read.
    pub skipped: Vec<Skipped>,
    /// Sample rows written.
    pub samples: u64,
    /// Distinct stacks written (stacks already stored are not counted).
    pub new_stacks: u64,
    /// Bytes of input read.
    pub input_bytes: u64,
    /// Parquet files written.
    pub files_written: usize,
}

/// Ingests `inputs` (files, and directories walked recursively) into the
/// dataset at `root`, creating it if needed. Path components of the form
/// `key=value` (Hive style, e.g. `fleet/service=api/version=1.8/...`)
/// become labels of the profiles below them. A directory written by
/// `rprof collect` (an `index.json` of format `rprof-collect/1`) is read
/// through its index: its profile snapshots only (not `/debug/vars` or
/// gops text), each labelled `target` with the target it came from.
/// `progress` is called from the worker threads after each input.
pub fn ingest(
    root: &Path,
    inputs: &[PathBuf],
    opts: &IngestOptions,
    progress: impl Fn(&Progress) + Sync,
) -> Result<IngestReport, FleetError> {
    let inputs: Vec<Input> = inputs.iter().cloned().map(Input::Path).collect();
    ingest_inputs(root, inputs, opts, progress)
}

/// One input of [`ingest_inputs`].
#[derive(Debug)]
pub enum Input {
    /// A file, or a directory walked as [`ingest()`] walks it.
    Path(PathBuf),
    /// A profile already read, e.g. fetched from a `/debug/pprof` URL by
    /// the caller (this crate does no network I/O).
    Profile {
        /// Stored as `profiles.source` (a URL: without credentials).
        source: String,
        /// The profile.
        profile: Box<Profile>,
        /// Its size as received, counted as input bytes.
        bytes: u64,
        /// Labels of its own (e.g. `target`); `--label`s win over them.
        labels: Vec<(String, String)>,
    },
}

/// [`ingest()`] of files, directories and profiles read elsewhere, in the
/// order given (an input given twice is stored once).
pub fn ingest_inputs(
    root: &Path,
    inputs: Vec<Input>,
    opts: &IngestOptions,
    progress: impl Fn(&Progress) + Sync,
) -> Result<IngestReport, FleetError> {
    for (k, v) in &opts.labels {
        if k.is_empty() {
            return Err(FleetError::BadLabel(format!("{k}={v}")));
        }
    }
    let meta = dataset::create_or_open(root, opts.partition_by.as_deref())?;
    let files = expand_inputs(inputs)?;
    let (mut known_profiles, mut known_stacks) = dataset::existing_ids(root)?;
    let mut report = IngestReport::default();
    let mut writer = Writer::new(root, &meta);
    let done = AtomicUsize::new(0);
    let bytes = std::sync::atomic::AtomicU64::new(0);
    let total = files.len();
    for chunk in files.chunks(opts.chunk_files.max(1)) {
        let converted: Vec<Result<Converted, Skipped>> = chunk
            .par_iter()
            .map(|item| {
                let r = match item {
                    Item::File(path, extra) => convert_file(path, extra, opts),
                    Item::Profile {
                        source,
                        profile,
                        bytes,
                        labels,
                    } => Ok(convert_read(profile, source.clone(), *bytes, labels, opts)),
                };
                if let Ok(c) = &r {
                    bytes.fetch_add(c.input_bytes, Ordering::Relaxed);
                }
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(&Progress {
                    done: d,
                    total,
                    bytes: bytes.load(Ordering::Relaxed),
                });
                r
            })
            .collect();
        for c in converted {
            match c {
                Err(s) => report.skipped.push(s),
                Ok(c) => {
                    report.input_bytes += c.input_bytes;
                    if !known_profiles.insert(c.row.id.clone()) {
                        report.duplicates += 1;
                        continue;
                    }
                    report.ingested += 1;
                    report.samples += c.stack_ids.len() as u64;
                    writer.add(c, &mut known_stacks, &meta);
                }
            }
        }
        if writer.buffered_samples >= opts.flush_samples {
            writer.flush(&mut report)?;
        }
    }
    writer.flush(&mut report)?;
    Ok(report)
}

/// What [`expand_inputs`] makes of an [`Input`]: a file to read, or a
/// profile read elsewhere.
enum Item {
    File(PathBuf, Labels),
    Profile {
        source: String,
        profile: Box<Profile>,
        bytes: u64,
        labels: Labels,
    },
}

/// The files to read, each with labels of its own: files as given,
/// directories walked (sorted, hidden entries skipped), `rprof collect`
/// directories through their index; profiles read elsewhere as they are.
fn expand_inputs(inputs: Vec<Input>) -> Result<Vec<Item>, FleetError> {
    let mut out = Vec::new();
    for input in inputs {
        let input = match input {
            Input::Path(p) => p,
            Input::Profile {
                source,
                profile,
                bytes,
                labels,
            } => {
                out.push(Item::Profile {
                    source,
                    profile,
                    bytes,
                    labels,
                });
                continue;
            }
        };
        let meta = std::fs::metadata(&input).map_err(|e| FleetError::io(&input, e))?;
        if !meta.is_dir() {
            out.push(Item::File(input, Vec::new()));
            continue;
        }
        let mut todo = vec![input.clone()];
        let mut found = Vec::new();
        while let Some(d) = todo.pop() {
            if let Some(snapshots) = collect_index(&d)? {
                found.extend(snapshots);
                continue;
            }
            let entries = std::fs::read_dir(&d).map_err(|e| FleetError::io(&d, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| FleetError::io(&d, e))?;
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let path = entry.path();
                let ty = entry.file_type().map_err(|e| FleetError::io(&path, e))?;
                if ty.is_dir() {
                    todo.push(path);
                } else {
                    found.push((path, Vec::new()));
                }
            }
        }
        found.sort();
        out.extend(found.into_iter().map(|(p, l)| Item::File(p, l)));
    }
    Ok(out)
}

type Labels = Vec<(String, String)>;

/// The profile snapshots of an `rprof collect` directory (`dir/index.json`
/// of format `rprof-collect/1`), each labelled with its target; `None`
/// when `dir` is no such directory. Snapshots whose file is gone (dropped
/// by `--keep` or `--max-size`) are left out.
fn collect_index(dir: &Path) -> Result<Option<Vec<(PathBuf, Labels)>>, FleetError> {
    let index = dir.join("index.json");
    let Ok(text) = std::fs::read_to_string(&index) else {
        return Ok(None);
    };
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(None);
    };
    if doc.get("format").and_then(|f| f.as_str()) != Some("rprof-collect/1") {
        return Ok(None);
    }
    let mut out = Vec::new();
    for snap in doc
        .get("snapshots")
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
    {
        let field = |k: &str| snap.get(k).and_then(|v| v.as_str());
        let (Some("profile"), Some(file)) = (field("kind"), field("file")) else {
            continue;
        };
        let path = dir.join(file);
        if !path.is_file() {
            continue;
        }
        let labels = field("target")
            .map(|t| vec![("target".to_string(), t.to_string())])
            .unwrap_or_default();
        out.push((path, labels));
    }
    Ok(Some(out))
}

/// `key=value` components of `path`, outermost first (inner ones win).
pub fn path_labels(path: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for c in path.components() {
        let c = c.as_os_str().to_string_lossy();
        if let Some((k, v)) = c.split_once('=')
            && !k.is_empty()
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            out.retain(|(ok, _)| ok != k);
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// One profile → rows

/// One frame (a source line of a location), as stored in `stacks.frames`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Frame {
    /// `None` for a location without lines (not symbolized).
    function: Option<Box<str>>,
    system_name: Box<str>,
    file: Box<str>,
    start_line: i64,
    line: i64,
    column: i64,
    inlined: bool,
    address: u64,
    mapping_id: u64,
}

/// A sample label set in the order pprof's merge keeps it: string labels
/// by key, then numeric labels by key (stable: a key's values keep their
/// order).
#[derive(Clone, Debug, Default)]
struct LabelSet {
    strs: Vec<(Box<str>, Box<str>)>,
    nums: Vec<(Box<str>, i64, Box<str>)>,
}

struct ProfileRow {
    id: String,
    time: i64,
    duration: i64,
    sample_types: Vec<String>,
    sample_units: Vec<String>,
    default_sample_type: String,
    period_type: Option<(String, String)>,
    period: i64,
    totals: Vec<i64>,
    comments: Vec<String>,
    drop_frames: String,
    keep_frames: String,
    doc_url: String,
    source: String,
    labels: Vec<(String, String)>,
    mappings: Vec<MappingRow>,
}

struct MappingRow {
    id: u64,
    m: rprof_profile::Mapping,
    file: String,
    build_id: String,
}

/// A profile converted to rows (before deduplication against the dataset).
struct Converted {
    row: ProfileRow,
    input_bytes: u64,
    width: usize,
    stack_ids: Vec<u64>,
    values: Vec<i64>,
    label_set_ids: Vec<u64>,
    label_sets: HashMap<u64, Arc<LabelSet>>,
    /// Distinct stacks: id → locations (indices into `locations`).
    stacks: Vec<(u64, Vec<u32>)>,
    locations: Vec<Arc<[Frame]>>,
}

fn convert_file(path: &Path, extra: &Labels, opts: &IngestOptions) -> Result<Converted, Skipped> {
    let skipped = |reason| Skipped {
        path: path.to_path_buf(),
        reason,
    };
    let data = std::fs::read(path).map_err(|e| skipped(SkipReason::Io(e)))?;
    let mut p =
        rprof_profile::parse_with(&data, &opts.read).map_err(|e| skipped(SkipReason::Parse(e)))?;
    // As `rprof merge` does before merging: a placeholder mapping for
    // mapping-less (legacy text) profiles.
    rprof_profile::ensure_mapping(&mut p);
    let labels = with_labels(path_labels(path), extra, opts);
    let mut c = convert(&p, path.display().to_string(), labels);
    c.input_bytes = data.len() as u64;
    Ok(c)
}

/// A profile read elsewhere, converted as [`convert_file`] converts a file
/// (with no `key=value` path labels: its source is no path).
fn convert_read(
    p: &Profile,
    source: String,
    bytes: u64,
    extra: &Labels,
    opts: &IngestOptions,
) -> Converted {
    let labels = with_labels(Vec::new(), extra, opts);
    let mut c = if p.mappings.is_empty() {
        let mut p = p.clone();
        rprof_profile::ensure_mapping(&mut p);
        convert(&p, source, labels)
    } else {
        convert(p, source, labels)
    };
    c.input_bytes = bytes;
    c
}

/// `labels` with the input's own labels and then the options' labels
/// over them (later ones win), sorted.
fn with_labels(mut labels: Labels, extra: &Labels, opts: &IngestOptions) -> Labels {
    for (k, v) in extra.iter().chain(&opts.labels) {
        labels.retain(|(ok, _)| ok != k);
        labels.push((k.clone(), v.clone()));
    }
    labels.sort();
    labels
}

/// pprof's mapping identity (`Mapping.key`): size rounded up to 4 KiB,
/// offset, and the build id or else the file.
fn mapping_id(p: &Profile, m: &rprof_profile::Mapping) -> u64 {
    let size = m.limit.wrapping_sub(m.start).wrapping_add(0xfff);
    let size = size - size % 0x1000;
    let name = if m.build_id != 0 {
        p.str(m.build_id)
    } else {
        p.str(m.file)
    };
    let mut h = twox_hash::XxHash3_64::with_seed(1);
    h.write_u64(size);
    h.write_u64(m.offset);
    write_str(&mut h, name);
    h.finish()
}

fn write_str(h: &mut twox_hash::XxHash3_64, s: &str) {
    h.write_u64(s.len() as u64);
    h.write(s.as_bytes());
}

fn convert(p: &Profile, source: String, labels: Vec<(String, String)>) -> Converted {
    let s = |id| p.str(id).to_string();
    let mappings: Vec<MappingRow> = p
        .mappings
        .iter()
        .map(|m| MappingRow {
            id: mapping_id(p, m),
            m: m.clone(),
            file: s(m.file),
            build_id: s(m.build_id),
        })
        .collect();
    // Locations: frames and hash.
    let mut locations = Vec::with_capacity(p.locations.len());
    let mut loc_hash = Vec::with_capacity(p.locations.len());
    for (i, l) in p.locations.iter().enumerate() {
        let (mid, start) = match l.mapping {
            Some(m) => (mappings[m as usize].id, p.mappings[m as usize].start),
            None => (0, 0),
        };
        let address = l.address.wrapping_sub(start);
        let lines = p.location_lines(i as u32);
        let mut h = twox_hash::XxHash3_64::with_seed(2);
        h.write_u64(mid);
        h.write_u64(address);
        h.write_u64(lines.len() as u64);
        let mut frames = Vec::with_capacity(lines.len().max(1));
        for (j, line) in lines.iter().enumerate() {
            let f = &p.functions[line.function as usize];
            let (name, sys, file) = (p.str(f.name), p.str(f.system_name), p.str(f.filename));
            write_str(&mut h, name);
            write_str(&mut h, sys);
            write_str(&mut h, file);
            h.write_i64(f.start_line);
            h.write_i64(line.line);
            h.write_i64(line.column);
            frames.push(Frame {
                function: Some(name.into()),
                system_name: sys.into(),
                file: file.into(),
                start_line: f.start_line,
                line: line.line,
                column: line.column,
                inlined: j + 1 < lines.len(),
                address,
                mapping_id: mid,
            });
        }
        if lines.is_empty() {
            frames.push(Frame {
                function: None,
                system_name: "".into(),
                file: "".into(),
                start_line: 0,
                line: 0,
                column: 0,
                inlined: false,
                address,
                mapping_id: mid,
            });
        }
        loc_hash.push(h.finish());
        locations.push(Arc::from(frames));
    }
    // Samples.
    let n = p.samples.len();
    let width = p.samples.width;
    let mut id = twox_hash::XxHash3_128::new();
    let mut header = String::new();
    for st in &p.sample_types {
        header.push_str(p.str(st.ty));
        header.push('\0');
        header.push_str(p.str(st.unit));
        header.push('\0');
    }
    for v in [p.time_nanos, p.duration_nanos, p.period] {
        header.push_str(&v.to_string());
        header.push('\0');
    }
    if let Some(pt) = p.period_type {
        header.push_str(p.str(pt.ty));
        header.push('\0');
        header.push_str(p.str(pt.unit));
    }
    for c in &p.comments {
        header.push_str(p.str(*c));
        header.push('\0');
    }
    for x in [
        p.default_sample_type,
        p.drop_frames,
        p.keep_frames,
        p.doc_url,
    ] {
        header.push_str(p.str(x));
        header.push('\0');
    }
    for m in &mappings {
        header.push_str(&format!("{:x}/{:x}/{:x}\0", m.id, m.m.start, m.m.limit));
    }
    id.write(header.as_bytes());
    let mut stack_ids = Vec::with_capacity(n);
    let mut label_set_ids = Vec::with_capacity(n);
    let mut label_sets: HashMap<u64, Arc<LabelSet>> = HashMap::new();
    let mut stacks: Vec<(u64, Vec<u32>)> = Vec::new();
    let mut seen_stacks: HashSet<u64> = HashSet::new();
    let mut totals = vec![0i64; width];
    for i in 0..n {
        let stack = p.samples.stack(i);
        let mut h = twox_hash::XxHash3_64::with_seed(3);
        for &l in stack {
            h.write_u64(loc_hash[l as usize]);
        }
        let sid = h.finish();
        if seen_stacks.insert(sid) {
            stacks.push((sid, stack.to_vec()));
        }
        let lid = label_set_id(p, p.samples.labels(i), &mut label_sets);
        let values = p.samples.values(i);
        for (t, v) in totals.iter_mut().zip(values) {
            *t = t.wrapping_add(*v);
        }
        id.write(&sid.to_le_bytes());
        id.write(&lid.to_le_bytes());
        for v in values {
            id.write(&v.to_le_bytes());
        }
        stack_ids.push(sid);
        label_set_ids.push(lid);
    }
    let row = ProfileRow {
        id: format!("{:032x}", id.finish_128()),
        time: p.time_nanos,
        duration: p.duration_nanos,
        sample_types: p.sample_types.iter().map(|t| s(t.ty)).collect(),
        sample_units: p.sample_types.iter().map(|t| s(t.unit)).collect(),
        default_sample_type: s(p.default_sample_type),
        period_type: p.period_type.map(|t| (s(t.ty), s(t.unit))),
        period: p.period,
        totals,
        comments: p.comments.iter().map(|&c| s(c)).collect(),
        drop_frames: s(p.drop_frames),
        keep_frames: s(p.keep_frames),
        doc_url: s(p.doc_url),
        source,
        labels,
        mappings,
    };
    Converted {
        row,
        input_bytes: 0,
        width,
        stack_ids,
        values: p.samples.values.clone(),
        label_set_ids,
        label_sets,
        stacks,
        locations,
    }
}

/// The id of a sample's label set (0 for none), registering the set.
fn label_set_id(
    p: &Profile,
    labels: &[rprof_profile::Label],
    sets: &mut HashMap<u64, Arc<LabelSet>>,
) -> u64 {
    if labels.is_empty() {
        return 0;
    }
    let mut set = LabelSet::default();
    for l in labels {
        if l.is_str() {
            set.strs.push((p.str(l.key).into(), p.str(l.str).into()));
        } else {
            set.nums
                .push((p.str(l.key).into(), l.num, p.str(l.num_unit).into()));
        }
    }
    set.strs.sort_by(|a, b| a.0.cmp(&b.0));
    set.nums.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = twox_hash::XxHash3_64::with_seed(4);
    for (k, v) in &set.strs {
        write_str(&mut h, k);
        write_str(&mut h, v);
    }
    h.write_u8(0xff);
    for (k, n, u) in &set.nums {
        write_str(&mut h, k);
        h.write_i64(*n);
        write_str(&mut h, u);
    }
    // 0 means "no labels".
    let id = h.finish().max(1);
    sets.entry(id).or_insert_with(|| Arc::new(set));
    id
}

// ---------------------------------------------------------------------------
// Rows → Parquet files

/// A partition: day, and the partition label's value.
type PartKey = (String, Option<String>);

struct Writer<'a> {
    root: &'a Path,
    partition_by: Option<String>,
    batch: String,
    seq: usize,
    buffered_samples: usize,
    by_partition: BTreeMap<PartKey, Vec<Converted>>,
    /// New stacks: id → the frames of its locations.
    new_stacks: Vec<(u64, Vec<Arc<[Frame]>>)>,
}

impl<'a> Writer<'a> {
    fn new(root: &'a Path, meta: &DatasetMeta) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Writer {
            root,
            partition_by: meta.partition_by.clone(),
            // Unique per run (time and process), sorted by time.
            batch: format!("{now:x}-{:x}", std::process::id()),
            seq: 0,
            buffered_samples: 0,
            by_partition: BTreeMap::new(),
            new_stacks: Vec::new(),
        }
    }

    fn add(&mut self, mut c: Converted, known: &mut HashSet<u64>, meta: &DatasetMeta) {
        for (sid, locs) in std::mem::take(&mut c.stacks) {
            if known.insert(sid) {
                let frames = locs
                    .iter()
                    .map(|&l| c.locations[l as usize].clone())
                    .collect();
                self.new_stacks.push((sid, frames));
            }
        }
        c.locations = Vec::new();
        let day = day_of(c.row.time);
        let part = meta.partition_by.as_ref().map(|label| {
            let v = c
                .row
                .labels
                .iter()
                .find(|(k, _)| k == label)
                .map_or("", |(_, v)| v.as_str());
            dataset::encode_partition_value(v)
        });
        self.buffered_samples += c.stack_ids.len();
        self.by_partition.entry((day, part)).or_default().push(c);
    }

    fn flush(&mut self, report: &mut IngestReport) -> Result<(), FleetError> {
        let mut written: Vec<(PathBuf, PathBuf)> = Vec::new();
        let result = self.write_all(report, &mut written);
        if result.is_err() {
            for (tmp, _) in &written {
                let _ = std::fs::remove_file(tmp);
            }
            return result;
        }
        // Stacks first, profiles last (see the module docs).
        for (tmp, path) in &written {
            std::fs::rename(tmp, path).map_err(|e| FleetError::io(path, e))?;
        }
        report.files_written += written.len();
        self.buffered_samples = 0;
        Ok(())
    }

    fn write_all(
        &mut self,
        report: &mut IngestReport,
        written: &mut Vec<(PathBuf, PathBuf)>,
    ) -> Result<(), FleetError> {
        let stacks = std::mem::take(&mut self.new_stacks);
        if !stacks.is_empty() {
            report.new_stacks += stacks.len() as u64;
            let batch = stacks_batch(&stacks)?;
            let dir = self.root.join(schema::STACKS);
            written.push(self.write_file(&dir, &batch)?);
        }
        let parts = std::mem::take(&mut self.by_partition);
        let mut profile_files = Vec::new();
        for ((day, part), rows) in &parts {
            let mut dir = PathBuf::from(format!("{}={day}", schema::DAY));
            if let (Some(label), Some(v)) = (&self.partition_by, part) {
                dir.push(format!("{label}={v}"));
            }
            let batch = samples_batch(rows)?;
            written.push(self.write_file(&self.root.join(schema::SAMPLES).join(&dir), &batch)?);
            let batch = profiles_batch(rows)?;
            profile_files
                .push(self.write_file(&self.root.join(schema::PROFILES).join(&dir), &batch)?);
        }
        written.extend(profile_files);
        Ok(())
    }

    /// Writes `batch` to a new hidden file in `dir`; returns it and the
    /// name it gets once the whole flush succeeded.
    fn write_file(
        &mut self,
        dir: &Path,
        batch: &RecordBatch,
    ) -> Result<(PathBuf, PathBuf), FleetError> {
        std::fs::create_dir_all(dir).map_err(|e| FleetError::io(dir, e))?;
        self.seq += 1;
        let path = dir.join(format!("part-{}-{:05}.parquet", self.batch, self.seq));
        let tmp = dataset::tmp_name(&path);
        let perr = |source| FleetError::Parquet {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::create(&tmp).map_err(|e| FleetError::io(&tmp, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).expect("a valid zstd level"),
            ))
            .build();
        let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(perr)?;
        w.write(batch).map_err(perr)?;
        w.close().map_err(perr)?;
        Ok((tmp, path))
    }
}

/// The UTC day of a time in nanoseconds since the epoch, `YYYY-MM-DD`.
fn day_of(nanos: i64) -> String {
    match jiff::Timestamp::from_nanosecond(i128::from(nanos)) {
        Ok(t) => t.strftime("%Y-%m-%d").to_string(),
        Err(_) => "1970-01-01".to_string(),
    }
}

fn arrow_err(table: &'static str) -> impl Fn(datafusion::arrow::error::ArrowError) -> FleetError {
    move |source| FleetError::Arrow { table, source }
}

fn label_map_builder() -> MapBuilder<StringBuilder, StringBuilder> {
    MapBuilder::new(
        Some(MapFieldNames {
            entry: "entries".into(),
            key: "keys".into(),
            value: "values".into(),
        }),
        StringBuilder::new(),
        StringBuilder::new(),
    )
}

fn strings_list(b: &mut ListBuilder<StringBuilder>, items: &[String]) {
    for s in items {
        b.values().append_value(s);
    }
    b.append(true);
}

fn profiles_batch(rows: &[Converted]) -> Result<RecordBatch, FleetError> {
    let n = rows.len();
    let mut id = StringBuilder::new();
    let mut time = TimestampNanosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut duration = Int64Builder::new();
    let mut types = ListBuilder::new(StringBuilder::new());
    let mut units = ListBuilder::new(StringBuilder::new());
    let mut default_type = StringBuilder::new();
    let mut period_type = StringBuilder::new();
    let mut period_unit = StringBuilder::new();
    let mut period = Int64Builder::new();
    let mut totals = ListBuilder::new(Int64Builder::new());
    let mut num_samples = Int64Builder::new();
    let mut comments = ListBuilder::new(StringBuilder::new());
    let mut drop_frames = StringBuilder::new();
    let mut keep_frames = StringBuilder::new();
    let mut doc_url = StringBuilder::new();
    let mut source = StringBuilder::new();
    let mut labels = label_map_builder();
    let mut mappings = ListBuilder::new(StructBuilder::from_fields(schema::mapping_fields(), 0));
    for c in rows {
        let r = &c.row;
        id.append_value(&r.id);
        time.append_value(r.time);
        duration.append_value(r.duration);
        strings_list(&mut types, &r.sample_types);
        strings_list(&mut units, &r.sample_units);
        default_type.append_value(&r.default_sample_type);
        match &r.period_type {
            Some((t, u)) => {
                period_type.append_value(t);
                period_unit.append_value(u);
            }
            None => {
                period_type.append_null();
                period_unit.append_null();
            }
        }
        period.append_value(r.period);
        for t in &r.totals {
            totals.values().append_value(*t);
        }
        totals.append(true);
        num_samples.append_value(c.stack_ids.len() as i64);
        strings_list(&mut comments, &r.comments);
        drop_frames.append_value(&r.drop_frames);
        keep_frames.append_value(&r.keep_frames);
        doc_url.append_value(&r.doc_url);
        source.append_value(&r.source);
        for (k, v) in &r.labels {
            labels.keys().append_value(k);
            labels.values().append_value(v);
        }
        labels.append(true).map_err(arrow_err(schema::PROFILES))?;
        let sb = mappings.values();
        for m in &r.mappings {
            sb.field_builder::<UInt64Builder>(0)
                .expect("mapping_id")
                .append_value(m.id);
            sb.field_builder::<UInt64Builder>(1)
                .expect("start")
                .append_value(m.m.start);
            sb.field_builder::<UInt64Builder>(2)
                .expect("limit")
                .append_value(m.m.limit);
            sb.field_builder::<UInt64Builder>(3)
                .expect("offset")
                .append_value(m.m.offset);
            sb.field_builder::<StringBuilder>(4)
                .expect("file")
                .append_value(&m.file);
            sb.field_builder::<StringBuilder>(5)
                .expect("build_id")
                .append_value(&m.build_id);
            let flags = [
                m.m.has_functions,
                m.m.has_filenames,
                m.m.has_line_numbers,
                m.m.has_inline_frames,
            ];
            for (i, f) in flags.into_iter().enumerate() {
                sb.field_builder::<BooleanBuilder>(6 + i)
                    .expect("flag")
                    .append_value(f);
            }
            sb.append(true);
        }
        mappings.append(true);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(time.finish()),
        Arc::new(duration.finish()),
        Arc::new(types.finish()),
        Arc::new(units.finish()),
        Arc::new(default_type.finish()),
        Arc::new(period_type.finish()),
        Arc::new(period_unit.finish()),
        Arc::new(period.finish()),
        Arc::new(totals.finish()),
        Arc::new(num_samples.finish()),
        Arc::new(comments.finish()),
        Arc::new(drop_frames.finish()),
        Arc::new(keep_frames.finish()),
        Arc::new(doc_url.finish()),
        Arc::new(source.finish()),
        Arc::new(labels.finish()),
        Arc::new(mappings.finish()),
    ];
    RecordBatch::try_new(schema::profiles_file_schema(), cols).map_err(arrow_err(schema::PROFILES))
}

fn samples_batch(rows: &[Converted]) -> Result<RecordBatch, FleetError> {
    let n: usize = rows.iter().map(|c| c.stack_ids.len()).sum();
    let mut id = StringBuilder::with_capacity(n, n * 32);
    let mut stack = UInt64Builder::with_capacity(n);
    let mut values = ListBuilder::new(Int64Builder::new());
    let mut label_set = UInt64Builder::with_capacity(n);
    let mut labels = label_map_builder();
    let mut num_labels =
        ListBuilder::new(StructBuilder::from_fields(schema::num_label_fields(), 0));
    for c in rows {
        for i in 0..c.stack_ids.len() {
            id.append_value(&c.row.id);
            stack.append_value(c.stack_ids[i]);
            values
                .values()
                .append_slice(&c.values[i * c.width..(i + 1) * c.width]);
            values.append(true);
            let lid = c.label_set_ids[i];
            label_set.append_value(lid);
            if let Some(set) = c.label_sets.get(&lid) {
                for (k, v) in &set.strs {
                    labels.keys().append_value(k);
                    labels.values().append_value(v);
                }
                let sb = num_labels.values();
                for (k, v, u) in &set.nums {
                    sb.field_builder::<StringBuilder>(0)
                        .expect("key")
                        .append_value(k);
                    sb.field_builder::<Int64Builder>(1)
                        .expect("value")
                        .append_value(*v);
                    sb.field_builder::<StringBuilder>(2)
                        .expect("unit")
                        .append_value(u);
                    sb.append(true);
                }
            }
            labels.append(true).map_err(arrow_err(schema::SAMPLES))?;
            num_labels.append(true);
        }
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(stack.finish()),
        Arc::new(values.finish()),
        Arc::new(label_set.finish()),
        Arc::new(labels.finish()),
        Arc::new(num_labels.finish()),
    ];
    RecordBatch::try_new(schema::samples_file_schema(), cols).map_err(arrow_err(schema::SAMPLES))
}

fn stacks_batch(stacks: &[(u64, Vec<Arc<[Frame]>>)]) -> Result<RecordBatch, FleetError> {
    let mut id = UInt64Builder::with_capacity(stacks.len());
    let mut frames = ListBuilder::new(StructBuilder::from_fields(schema::frame_fields(), 0));
    for (sid, locs) in stacks {
        id.append_value(*sid);
        let sb = frames.values();
        for f in locs.iter().flat_map(|l| l.iter()) {
            sb.field_builder::<StringBuilder>(0)
                .expect("function")
                .append_option(f.function.as_deref());
            sb.field_builder::<StringBuilder>(1)
                .expect("system_name")
                .append_value(&f.system_name);
            sb.field_builder::<StringBuilder>(2)
                .expect("file")
                .append_value(&f.file);
            sb.field_builder::<Int64Builder>(3)
                .expect("start_line")
                .append_value(f.start_line);
            sb.field_builder::<Int64Builder>(4)
                .expect("line")
                .append_value(f.line);
            sb.field_builder::<Int64Builder>(5)
                .expect("column")
                .append_value(f.column);
            sb.field_builder::<BooleanBuilder>(6)
                .expect("inlined")
                .append_value(f.inlined);
            sb.field_builder::<UInt64Builder>(7)
                .expect("address")
                .append_value(f.address);
            sb.field_builder::<UInt64Builder>(8)
                .expect("mapping_id")
                .append_value(f.mapping_id);
            sb.append(true);
        }
        frames.append(true);
    }
    let cols: Vec<ArrayRef> = vec![Arc::new(id.finish()), Arc::new(frames.finish())];
    RecordBatch::try_new(schema::stacks_file_schema(), cols).map_err(arrow_err(schema::STACKS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_path_parts_become_labels() {
        let l = path_labels(Path::new(
            "fleet/service=api/version=1.8/x=y=z/host-1.pb.gz",
        ));
        assert_eq!(
            l,
            vec![
                ("service".to_string(), "api".to_string()),
                ("version".to_string(), "1.8".to_string()),
                ("x".to_string(), "y=z".to_string()),
            ]
        );
        assert!(path_labels(Path::new("a/b.pb.gz")).is_empty());
    }

    #[test]
    fn days_are_utc() {
        assert_eq!(day_of(0), "1970-01-01");
        // 2026-11-27 00:52:23 UTC, the time of fixtures/profiles/cpu.pb.gz.
        assert_eq!(day_of(1_795_740_743_000_000_000), "2026-11-27");
    }
}
