//! Memory statistics over time: `/debug/vars` (expvar) JSON, `gops
//! memstats` text, and runtime/metrics samples, one snapshot after
//! another.
//!
//! Layouts read:
//!
//! - **A directory**: one JSON document per file (a `curl -o
//!   vars/NNNN.json` loop, an `rprof collect` directory), files sorted by
//!   name = time order. Files that are not JSON are skipped and reported.
//! - **A file of JSON documents**: one per line (`jq -c`), or pretty
//!   documents one after another (raw `/debug/vars` bodies appended to a
//!   file); a document ends where its braces close.
//! - **A file of `gops memstats` output**, appended once per snapshot;
//!   a snapshot starts at its `alloc:` line.
//!
//! In a JSON document, `memstats` is read as Go's `runtime.MemStats`
//! (with the `PauseNs`/`PauseEnd` rings giving every GC pause between
//! snapshots), other top-level numbers as they are (expvar's
//! `goroutines`, say), and keys such as `/gc/heap/live:bytes` as
//! runtime/metrics samples, at the top level or in an object such as
//! `"metrics": {…}` (scalar ones; histograms are skipped). gops prints
//! only the last pause of each snapshot.
//!
//! **Time.** A document's top-level `time`, `timestamp` or `ts` (a unix
//! time in s, ms or ns, or RFC 3339) is its time. Otherwise snapshots
//! are taken to be [`MemstatsOptions::interval_s`] apart (1 s), starting
//! at [`MemstatsOptions::start_unix_s`] or, failing that, from the last
//! GC (`LastGC`, gops' `last-gc`) of the first snapshot that has one,
//! which is at most one GC period before that snapshot was taken.
//! [`MemSeries::times`] says which.
//!
//! **Leaks.** The heap after GC is `/gc/heap/live:bytes` (the heap marked
//! live by the last GC, Go 1.21+) when present, else `NextGC`, which is
//! the live heap times (1 + GOGC/100) and so rises and falls with it
//! under a fixed GOGC. A metric "keeps rising" when the lowest value of
//! each third of the series is higher than that of the third before, by
//! at least 10% and a floor (1 MiB, 5 goroutines) in all: the low points
//! are what survives each GC, so sawtooth noise does not count. A leak
//! is flagged when the heap after GC or the goroutine count keeps rising.
//! With several inputs that hold one snapshot each, the inputs are one
//! series in the order given.

use crate::error::DiagError;
use crate::gctrace::Percentiles;
use crate::lines::{Lines, Skipped, Source};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// How snapshots are placed in time.
#[derive(Debug, Clone)]
pub struct MemstatsOptions {
    /// Seconds between snapshots that carry no time of their own.
    pub interval_s: f64,
    /// The unix time of the first snapshot, for snapshots that carry no
    /// time of their own.
    pub start_unix_s: Option<f64>,
}

impl Default for MemstatsOptions {
    fn default() -> Self {
        MemstatsOptions {
            interval_s: 1.0,
            start_unix_s: None,
        }
    }
}

/// Where the snapshot times come from.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// From the documents' own time fields.
    Documents,
    /// Snapshots assumed `interval_s` apart, from a given start.
    Interval,
    /// Snapshots assumed `interval_s` apart, from the first snapshot's
    /// last GC (an estimate: at most one GC period early).
    IntervalFromLastGc,
    /// Snapshots assumed `interval_s` apart, from the unix epoch: no start
    /// was known.
    IntervalFromZero,
}

/// One column of the series: a metric's value at each snapshot (NaN
/// where a snapshot lacks it).
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// The name as read: a MemStats field (`HeapAlloc`), an expvar
    /// (`goroutines`, `myapp.requests`), a runtime/metrics name
    /// (`/gc/heap/live:bytes`).
    pub name: String,
    /// The values.
    pub values: Vec<f64>,
}

/// A GC pause.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Pause {
    /// The GC cycle number.
    pub gc: u64,
    /// When it ended, unix seconds.
    pub end_unix_s: f64,
    /// How long the world was stopped in that cycle, ns.
    pub ns: u64,
}

/// How a metric moved over the series.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Trend {
    /// What was measured: `heap after GC` or `goroutines`.
    pub metric: String,
    /// The column it was read from.
    pub column: String,
    /// The lowest value in the first third of the series.
    pub from: f64,
    /// When that was, seconds from the first snapshot.
    pub from_s: f64,
    /// The lowest value in the last third.
    pub to: f64,
    /// When that was, seconds from the first snapshot.
    pub to_s: f64,
    /// Whether it keeps rising (see the module docs).
    pub rising: bool,
}

/// First, last, smallest and largest value of a metric.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MetricSummary {
    /// The column.
    pub name: String,
    /// What it is, in a few words.
    pub label: &'static str,
    /// `bytes`, `goroutines`, `count`, `ns`, `fraction`.
    pub unit: &'static str,
    /// The first value.
    pub first: f64,
    /// The last value.
    pub last: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

/// What a series adds up to.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MemSummary {
    /// Number of snapshots.
    pub snapshots: u64,
    /// Seconds from the first snapshot to the last.
    pub span_s: f64,
    /// The main metrics.
    pub metrics: Vec<MetricSummary>,
    /// GC cycles during the series (NumGC, last minus first).
    pub gc_cycles: Option<u64>,
    /// GC pauses of the cycles seen, in ms.
    pub pause_ms: Option<Percentiles>,
    /// Bytes allocated per second (TotalAlloc over the span).
    pub alloc_bytes_per_s: Option<f64>,
    /// GC's share of CPU since the program started, as of the last snapshot.
    pub gc_cpu_fraction: Option<f64>,
    /// How the heap after GC and the goroutine count moved.
    pub trends: Vec<Trend>,
    /// Why a leak is suspected, if it is.
    pub leak: Option<String>,
}

/// A series of snapshots from one input (or one-snapshot inputs together).
#[derive(Debug, Clone, Serialize)]
pub struct MemSeries {
    /// The input(s).
    pub source: String,
    /// Where the times come from.
    pub times: TimeBasis,
    /// Unix time of each snapshot, seconds.
    pub time_unix_s: Vec<f64>,
    /// Every numeric metric seen, in order of first appearance.
    pub columns: Vec<Column>,
    /// The GC pauses seen, in cycle order.
    pub pauses: Vec<Pause>,
    /// The summary.
    pub summary: MemSummary,
}

impl MemSeries {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Seconds from the first snapshot, per snapshot.
    pub fn relative_s(&self) -> Vec<f64> {
        let t0 = self.time_unix_s.first().copied().unwrap_or(0.0);
        self.time_unix_s.iter().map(|t| t - t0).collect()
    }

    /// The goroutine count column, if any.
    pub fn goroutines(&self) -> Option<&Column> {
        self.column("goroutines")
            .or_else(|| self.column("/sched/goroutines:goroutines"))
    }

    /// The heap-after-GC column: `/gc/heap/live:bytes`, else `NextGC`.
    pub fn heap_after_gc(&self) -> Option<&Column> {
        self.column("/gc/heap/live:bytes")
            .or_else(|| self.column("NextGC"))
    }
}

/// All the series read.
#[derive(Debug, Clone, Serialize)]
pub struct MemReport {
    /// The inputs and what was skipped in them.
    pub sources: Vec<Source>,
    /// The series.
    pub series: Vec<MemSeries>,
}

/// One snapshot, flattened.
#[derive(Default)]
struct Snapshot {
    time_unix_s: Option<f64>,
    last_gc_unix_s: Option<f64>,
    values: Vec<(String, f64)>,
    /// (cycle, end ns, pause ns)
    pauses: Vec<(u64, u64, u64)>,
}

/// A series being read.
struct Building {
    source: String,
    snapshots: usize,
    times: Vec<Option<f64>>,
    /// The first LastGC seen, as (snapshot index, unix seconds).
    first_last_gc: Option<(usize, f64)>,
    columns: Vec<Column>,
    index: HashMap<String, usize>,
    pauses: Vec<Pause>,
    last_pause_gc: u64,
}

impl Building {
    fn new(source: &str) -> Self {
        Building {
            source: source.to_string(),
            snapshots: 0,
            times: Vec::new(),
            first_last_gc: None,
            columns: Vec::new(),
            index: HashMap::new(),
            pauses: Vec::new(),
            last_pause_gc: 0,
        }
    }

    fn push(&mut self, s: Snapshot) {
        let row = self.snapshots;
        self.snapshots += 1;
        self.times.push(s.time_unix_s);
        if self.first_last_gc.is_none() {
            self.first_last_gc = s.last_gc_unix_s.map(|t| (row, t));
        }
        for (name, v) in s.values {
            let i = match self.index.get(&name) {
                Some(&i) => i,
                None => {
                    let i = self.columns.len();
                    self.columns.push(Column {
                        name: name.clone(),
                        values: vec![f64::NAN; row],
                    });
                    self.index.insert(name, i);
                    i
                }
            };
            let c = &mut self.columns[i].values;
            c.resize(row, f64::NAN);
            c.push(v);
        }
        for c in &mut self.columns {
            c.values.resize(row + 1, f64::NAN);
        }
        for (gc, end, ns) in s.pauses {
            if gc > self.last_pause_gc {
                self.pauses.push(Pause {
                    gc,
                    end_unix_s: end as f64 / 1e9,
                    ns,
                });
            }
        }
        self.pauses.sort_by_key(|p| p.gc);
        self.pauses.dedup_by_key(|p| p.gc);
        self.last_pause_gc = self.pauses.last().map_or(0, |p| p.gc);
    }

    fn finish(self, opts: &MemstatsOptions) -> MemSeries {
        let n = self.snapshots;
        let documented = n > 0 && self.times.iter().all(Option::is_some);
        let (times, basis) = if documented {
            (
                self.times.iter().map(|t| t.unwrap_or(0.0)).collect(),
                TimeBasis::Documents,
            )
        } else {
            let (start, basis) = match (opts.start_unix_s, self.first_last_gc) {
                (Some(s), _) => (s, TimeBasis::Interval),
                // Snapshot k was taken after its LastGC.
                (None, Some((k, g))) => (
                    g.ceil() - k as f64 * opts.interval_s,
                    TimeBasis::IntervalFromLastGc,
                ),
                (None, None) => (0.0, TimeBasis::IntervalFromZero),
            };
            (
                (0..n).map(|i| start + i as f64 * opts.interval_s).collect(),
                basis,
            )
        };
        let mut series = MemSeries {
            source: self.source,
            times: basis,
            time_unix_s: times,
            columns: self.columns,
            pauses: self.pauses,
            summary: MemSummary {
                snapshots: n as u64,
                span_s: 0.0,
                metrics: Vec::new(),
                gc_cycles: None,
                pause_ms: None,
                alloc_bytes_per_s: None,
                gc_cpu_fraction: None,
                trends: Vec::new(),
                leak: None,
            },
        };
        series.summary = summarize(&series);
        series
    }
}

/// Reads memstats series.
pub struct MemstatsReader {
    opts: MemstatsOptions,
    sources: Vec<Source>,
    series: Vec<Building>,
}

impl MemstatsReader {
    /// A reader with these options.
    pub fn new(opts: MemstatsOptions) -> Self {
        MemstatsReader {
            opts,
            sources: Vec::new(),
            series: Vec::new(),
        }
    }

    /// Reads one input: JSON documents or gops text (told apart by the
    /// first character). Fails if it holds no snapshot.
    pub fn read(&mut self, name: &str, input: impl BufRead) -> Result<(), DiagError> {
        let mut source = Source::new(name);
        let mut b = Building::new(name);
        let mut lines = Lines::new(input, name);
        let mut hint = None;
        read_stream(&mut lines, name, &mut source.skipped, &mut b, &mut hint)?;
        source.lines = lines.number();
        self.sources.push(source);
        if b.snapshots == 0 {
            return Err(DiagError::NothingFound {
                source_name: name.to_string(),
                what: "memstats snapshot (/debug/vars JSON or gops memstats)",
                hint,
            });
        }
        self.series.push(b);
        Ok(())
    }

    /// Reads a directory: one JSON document per file, files sorted by name.
    pub fn read_dir(&mut self, dir: &Path) -> Result<(), DiagError> {
        let name = dir.display().to_string();
        let dir_err = |error| DiagError::Dir {
            path: name.clone(),
            error,
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(dir_err)?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .collect();
        files.sort();
        let mut source = Source::new(&name);
        let mut b = Building::new(&name);
        for (i, path) in files.iter().enumerate() {
            let file_name = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = std::fs::read(path).map_err(|error| DiagError::Dir {
                path: path.display().to_string(),
                error,
            })?;
            source.lines += 1;
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => match snapshot_from_json(&v) {
                    Some(s) => b.push(s),
                    None => {
                        source
                            .skipped
                            .add(i as u64 + 1, "no numbers in this document", &file_name)
                    }
                },
                Err(e) => source
                    .skipped
                    .add(i as u64 + 1, &format!("not JSON: {e}"), &file_name),
            }
        }
        self.sources.push(source);
        if b.snapshots == 0 {
            return Err(DiagError::NothingFound {
                source_name: name,
                what: "memstats snapshot (a JSON document per file)",
                hint: None,
            });
        }
        self.series.push(b);
        Ok(())
    }

    /// The series, summarised. Inputs of one snapshot each make one series.
    pub fn finish(self) -> MemReport {
        let opts = &self.opts;
        let mut series = self.series;
        if series.len() > 1 && series.iter().all(|b| b.snapshots == 1) {
            let names: Vec<String> = series.iter().map(|b| b.source.clone()).collect();
            let mut joined = Building::new(&names.join(", "));
            for b in series.drain(..) {
                let mut s = Snapshot {
                    time_unix_s: b.times[0],
                    last_gc_unix_s: b.first_last_gc.map(|(_, t)| t),
                    ..Default::default()
                };
                for c in b.columns {
                    s.values.push((c.name, c.values[0]));
                }
                s.pauses = b
                    .pauses
                    .iter()
                    .map(|p| (p.gc, (p.end_unix_s * 1e9) as u64, p.ns))
                    .collect();
                joined.push(s);
            }
            series.push(joined);
        }
        MemReport {
            sources: self.sources,
            series: series.into_iter().map(|b| b.finish(opts)).collect(),
        }
    }
}

/// Reads JSON documents (one per line or pretty, one after another) or
/// gops blocks from `lines` into `b`.
fn read_stream<R: BufRead>(
    lines: &mut Lines<R>,
    name: &str,
    skipped: &mut Skipped,
    b: &mut Building,
    hint: &mut Option<&'static str>,
) -> Result<(), DiagError> {
    // A JSON document being gathered: its text, first line, brace depth.
    let mut doc = String::new();
    let mut doc_line = 0;
    let mut depth = 0i64;
    let mut in_string = false;
    let mut gops: Option<Snapshot> = None;
    let mut gops_keys = 0usize;
    while let Some(line) = lines.next_line()? {
        let text = line.text;
        if line.cut {
            skipped.add(line.no, "line too long", text);
            doc.clear();
            depth = 0;
            continue;
        }
        if doc.is_empty() {
            let t = text.trim_start();
            if t.is_empty() {
                continue;
            }
            if t.starts_with('{') {
                if let Some(s) = gops.take() {
                    finish_gops(s, gops_keys, b);
                    gops_keys = 0;
                }
                doc_line = line.no;
            } else if let Some((key, value)) = t.split_once(": ") {
                if key == "alloc" {
                    if let Some(s) = gops.take() {
                        finish_gops(s, gops_keys, b);
                    }
                    gops = Some(Snapshot::default());
                    gops_keys = 0;
                }
                let understood = gops.as_mut().is_some_and(|s| gops_line(s, key, value));
                if understood {
                    gops_keys += 1;
                } else {
                    skipped.add(line.no, "not a memstats line", text);
                }
                continue;
            } else {
                if hint.is_none() && b.snapshots == 0 {
                    *hint = crate::lines::sniff(text);
                }
                skipped.add(line.no, "not JSON or gops memstats", text);
                continue;
            }
        }
        // Track braces outside strings to see where a document ends.
        let mut escaped = false;
        for ch in text.chars() {
            if in_string {
                match ch {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
            } else {
                match ch {
                    '"' => in_string = true,
                    '{' | '[' => depth += 1,
                    '}' | ']' => depth -= 1,
                    _ => {}
                }
            }
        }
        doc.push_str(text);
        doc.push('\n');
        if depth <= 0 || doc.len() > 256 << 20 {
            match serde_json::from_str::<Value>(&doc) {
                Ok(v) => match snapshot_from_json(&v) {
                    Some(s) => b.push(s),
                    None => skipped.add(doc_line, "a JSON document without numbers", &doc),
                },
                Err(e) => skipped.add(doc_line, &format!("bad JSON document: {e}"), &doc),
            }
            doc.clear();
            depth = 0;
            in_string = false;
        }
    }
    if !doc.is_empty() {
        skipped.add(
            doc_line,
            "JSON document cut short by the end of the input",
            &doc,
        );
    }
    if let Some(s) = gops.take() {
        finish_gops(s, gops_keys, b);
    }
    let _ = name;
    Ok(())
}

fn finish_gops(s: Snapshot, keys: usize, b: &mut Building) {
    if keys > 1 {
        b.push(s);
    }
}

/// The MemStats field for a gops key.
fn gops_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "alloc" => "Alloc",
        "total-alloc" => "TotalAlloc",
        "sys" => "Sys",
        "lookups" => "Lookups",
        "mallocs" => "Mallocs",
        "frees" => "Frees",
        "heap-alloc" => "HeapAlloc",
        "heap-sys" => "HeapSys",
        "heap-idle" => "HeapIdle",
        "heap-in-use" => "HeapInuse",
        "heap-released" => "HeapReleased",
        "heap-objects" => "HeapObjects",
        "stack-in-use" => "StackInuse",
        "stack-sys" => "StackSys",
        "mspan-in-use" => "MSpanInuse",
        "mspan-sys" => "MSpanSys",
        "mcache-in-use" => "MCacheInuse",
        "mcache-sys" => "MCacheSys",
        "buck-hash-sys" => "BuckHashSys",
        "other-sys" => "OtherSys",
        "gc-sys" => "GCSys",
        "next-gc" => "NextGC",
        "gc-pause-total" => "PauseTotalNs",
        "num-gc" => "NumGC",
        "num-forced-gc" => "NumForcedGC",
        "gc-cpu-fraction" => "GCCPUFraction",
        _ => return None,
    })
}

/// One `key: value` line of gops memstats; false if not understood.
fn gops_line(s: &mut Snapshot, key: &str, value: &str) -> bool {
    let value = value.trim();
    match key {
        "enable-gc" | "debug-gc" => return true,
        "last-gc" => {
            s.last_gc_unix_s = parse_go_time(value);
            return true;
        }
        "gc-pause" => {
            // Only the last pause; its end comes on the next line.
            if let Ok(ns) = value.parse::<u64>() {
                s.pauses.push((0, 0, ns));
                return true;
            }
            return false;
        }
        "gc-pause-end" => {
            if let (Ok(end), Some(p)) = (value.parse::<u64>(), s.pauses.last_mut()) {
                p.1 = end;
                return true;
            }
            return false;
        }
        _ => {}
    }
    let Some(field) = gops_field(key) else {
        return false;
    };
    let v = if let Some(i) = value.rfind('(') {
        // `2.27MB (2383664 bytes)`, `when heap-alloc >= 4.70MB (4933418 bytes)`
        value[i + 1..]
            .trim_end_matches(')')
            .trim_end_matches(" bytes")
            .parse::<f64>()
            .ok()
    } else if let Some(n) = value.strip_suffix(" bytes") {
        n.parse().ok()
    } else if field == "PauseTotalNs" {
        parse_go_duration(value)
    } else {
        value.parse().ok()
    };
    let Some(v) = v else {
        return false;
    };
    if field == "NumGC" {
        // The pause read above belongs to this cycle.
        for p in &mut s.pauses {
            p.0 = v as u64;
        }
    }
    s.values.push((field.to_string(), v));
    true
}

/// Go's `time.Duration.String()`: `1.079611ms`, `2m3.5s`, `850ns` → ns.
fn parse_go_duration(s: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = s;
    if rest == "0s" {
        return Some(0.0);
    }
    while !rest.is_empty() {
        let n = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let v: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .bytes()
            .take_while(|b| !(b.is_ascii_digit() || *b == b'.'))
            .count();
        let mult = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += v * mult;
        rest = &rest[u..];
    }
    Some(total)
}

/// Go's `time.Time.String()`: `2026-12-06 10:31:07.926552884 +0000 UTC`.
fn parse_go_time(s: &str) -> Option<f64> {
    let mut words = s.split(' ');
    let (date, time, offset) = (words.next()?, words.next()?, words.next()?);
    let ts: jiff::Timestamp = format!("{date}T{time}{offset}").parse().ok()?;
    Some(ts.as_nanosecond() as f64 / 1e9)
}

/// A time field: unix seconds, ms or ns, or RFC 3339.
fn parse_time(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => {
            let x = n.as_f64()?;
            Some(if x > 1e17 {
                x / 1e9
            } else if x > 1e14 {
                x / 1e6
            } else if x > 1e11 {
                x / 1e3
            } else {
                x
            })
        }
        Value::String(s) => {
            let ts: jiff::Timestamp = s.parse().ok()?;
            Some(ts.as_nanosecond() as f64 / 1e9)
        }
        _ => None,
    }
}

/// Flattens a `/debug/vars`-like document; None if it has no number.
fn snapshot_from_json(v: &Value) -> Option<Snapshot> {
    let obj = v.as_object()?;
    let mut s = Snapshot::default();
    for (key, value) in obj {
        match (key.as_str(), value) {
            ("time" | "timestamp" | "ts", v) => s.time_unix_s = parse_time(v),
            ("memstats", Value::Object(m)) => memstats_json(m, &mut s),
            ("cmdline", _) => {}
            (k, Value::Number(n)) => {
                if let Some(x) = n.as_f64() {
                    s.values.push((k.to_string(), x));
                }
            }
            (k, Value::Object(m)) => {
                // runtime/metrics samples in an object of their own, or
                // an application's expvar.Map: one level of numbers.
                for (k2, v2) in m {
                    if let Some(x) = v2.as_f64() {
                        let name = if k2.starts_with('/') {
                            k2.clone()
                        } else {
                            format!("{k}.{k2}")
                        };
                        s.values.push((name, x));
                    }
                }
            }
            _ => {}
        }
    }
    (!s.values.is_empty()).then_some(s)
}

fn memstats_json(m: &serde_json::Map<String, Value>, s: &mut Snapshot) {
    for (k, v) in m {
        if let Some(x) = v.as_f64() {
            s.values.push((k.clone(), x));
        } else if let Some(b) = v.as_bool() {
            s.values.push((k.clone(), f64::from(u8::from(b))));
        }
    }
    if let Some(t) = m.get("LastGC").and_then(Value::as_u64).filter(|&t| t > 0) {
        s.last_gc_unix_s = Some(t as f64 / 1e9);
    }
    // The rings: cycle k's pause is at index (k+255) % 256.
    let num_gc = m.get("NumGC").and_then(Value::as_u64).unwrap_or(0);
    let ring = |name: &str| -> Option<Vec<u64>> {
        m.get(name)?.as_array()?.iter().map(Value::as_u64).collect()
    };
    if let (Some(ns), Some(end)) = (ring("PauseNs"), ring("PauseEnd"))
        && ns.len() == 256
        && end.len() == 256
    {
        let first = num_gc.saturating_sub(255).max(1);
        for k in first..=num_gc {
            let i = ((k + 255) % 256) as usize;
            if end[i] != 0 {
                s.pauses.push((k, end[i], ns[i]));
            }
        }
    }
}

/// The main metrics, with labels and units, in display order.
pub(crate) const MAIN_METRICS: &[(&str, &str, &str)] = &[
    ("HeapAlloc", "heap allocated", "bytes"),
    ("HeapInuse", "heap in use", "bytes"),
    ("Sys", "from the OS", "bytes"),
    ("NextGC", "next GC goal", "bytes"),
    ("/gc/heap/live:bytes", "heap live after GC", "bytes"),
    ("HeapObjects", "heap objects", "count"),
    ("goroutines", "goroutines", "goroutines"),
    ("/sched/goroutines:goroutines", "goroutines", "goroutines"),
    ("NumGC", "GC cycles", "count"),
];

fn summarize(s: &MemSeries) -> MemSummary {
    let rel = s.relative_s();
    let span_s = rel.last().copied().unwrap_or(0.0);
    let mut metrics = Vec::new();
    let mut seen_goroutines = false;
    for &(name, label, unit) in MAIN_METRICS {
        let Some(c) = s.column(name) else { continue };
        if unit == "goroutines" {
            if seen_goroutines {
                continue;
            }
            seen_goroutines = true;
        }
        let vals: Vec<f64> = c.values.iter().copied().filter(|v| !v.is_nan()).collect();
        if vals.is_empty() {
            continue;
        }
        metrics.push(MetricSummary {
            name: name.to_string(),
            label,
            unit,
            first: vals[0],
            last: vals[vals.len() - 1],
            min: vals.iter().copied().fold(f64::INFINITY, f64::min),
            max: vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        });
    }
    let first_last = |name: &str| -> Option<(f64, f64)> {
        let c = s.column(name)?;
        let first = c.values.iter().copied().find(|v| !v.is_nan())?;
        let last = c.values.iter().rev().copied().find(|v| !v.is_nan())?;
        Some((first, last))
    };
    let gc_cycles = first_last("NumGC").map(|(a, b)| (b - a).max(0.0) as u64);
    let alloc_bytes_per_s = first_last("TotalAlloc")
        .filter(|_| span_s > 0.0)
        .map(|(a, b)| (b - a) / span_s);
    let gc_cpu_fraction = first_last("GCCPUFraction").map(|(_, b)| b);
    let pause_ms = Percentiles::of(s.pauses.iter().map(|p| p.ns as f64 / 1e6));
    let mut trends = Vec::new();
    if let Some(c) = s.heap_after_gc() {
        // Zero until the first GC: not a heap after GC.
        trends.extend(trend("heap after GC", c, &rel, (1 << 20) as f64, true));
    }
    if let Some(c) = s.goroutines() {
        trends.extend(trend("goroutines", c, &rel, 5.0, false));
    }
    let rising: Vec<String> = trends
        .iter()
        .filter(|t| t.rising)
        .map(|t| {
            let (from, to) = if t.metric == "goroutines" {
                (format!("{}", t.from), format!("{}", t.to))
            } else {
                (
                    crate::units::format_bytes(t.from),
                    crate::units::format_bytes(t.to),
                )
            };
            format!(
                "{} rose from {from} (at {:.0}s) to {to} (at {:.0}s), +{:.0}%",
                t.metric,
                t.from_s,
                t.to_s,
                (t.to - t.from) / t.from.max(1.0) * 100.0
            )
        })
        .collect();
    MemSummary {
        snapshots: s.time_unix_s.len() as u64,
        span_s,
        metrics,
        gc_cycles,
        pause_ms,
        alloc_bytes_per_s,
        gc_cpu_fraction,
        trends,
        leak: (!rising.is_empty()).then(|| rising.join("; ")),
    }
}

/// The lower envelope of each third of a column: rising when each is
/// higher than the last, by 10% and `floor` in all.
fn trend(metric: &str, c: &Column, rel: &[f64], floor: f64, skip_zero: bool) -> Option<Trend> {
    let points: Vec<(f64, f64)> = c
        .values
        .iter()
        .zip(rel)
        .filter(|(v, _)| !(v.is_nan() || skip_zero && **v == 0.0))
        .map(|(&v, &t)| (v, t))
        .collect();
    if points.len() < 6 {
        return None;
    }
    let third = points.len() / 3;
    let groups = [
        &points[..third],
        &points[third..2 * third],
        &points[2 * third..],
    ];
    let low = |g: &[(f64, f64)]| {
        g.iter()
            .copied()
            .fold((f64::INFINITY, 0.0), |a, p| if p.0 < a.0 { p } else { a })
    };
    let [a, b, z] = groups.map(low);
    let rising = a.0 < b.0 && b.0 < z.0 && z.0 - a.0 >= floor.max(0.1 * a.0);
    Some(Trend {
        metric: metric.to_string(),
        column: c.name.clone(),
        from: a.0,
        from_s: a.1,
        to: z.0,
        to_s: z.1,
        rising,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_and_times() {
        assert_eq!(parse_go_duration("1.079611ms"), Some(1_079_611.0));
        assert_eq!(parse_go_duration("2m3.5s"), Some(123.5e9));
        assert_eq!(parse_go_duration("0s"), Some(0.0));
        assert!(parse_go_duration("abc").is_none());
        let t = parse_go_time("2026-12-06 10:31:07.5 +0000 UTC").unwrap();
        assert_eq!(t, 1_796_553_067.5);
    }

    #[test]
    fn trend_needs_all_thirds_to_rise() {
        let rel: Vec<f64> = (0..9).map(f64::from).collect();
        let col = |v: &[f64]| Column {
            name: "x".into(),
            values: v.to_vec(),
        };
        let up = trend(
            "m",
            &col(&[10., 30., 12., 40., 20., 50., 60., 30., 90.]),
            &rel,
            5.0,
            false,
        )
        .unwrap();
        assert!(up.rising);
        assert_eq!((up.from, up.to, up.to_s), (10.0, 30.0, 7.0));
        let flat = trend(
            "m",
            &col(&[10., 30., 12., 40., 10., 50., 60., 11., 90.]),
            &rel,
            5.0,
            false,
        )
        .unwrap();
        assert!(!flat.rising);
    }
}
