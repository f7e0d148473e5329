//! The timeline index behind `rprof trace web`: what `go tool trace`'s
//! "View trace by proc" and "by thread" draw, indexed in one streaming
//! pass so that a server can answer "this window, at this resolution"
//! with an answer bounded by the screen, not by the trace.
//!
//! ## Architecture
//!
//! ```text
//! trace bytes ─► Counting (bytes read → Progress) ─► Reader ─► build::Builder
//!      Go's procgen/threadgen/gstate, for both views at once: goroutine
//!      slices per P and per thread, syscalls and GC ranges as sub-lanes,
//!      GC / STW tracks, counters, tasks and regions packed into lanes,
//!      logs, and per slice a detail record (stacks, end reason, cause)
//!                  │ items, as each span ends
//!                  ▼
//! track::Track      one lane: items by size class + a pyramid of bins
//!                   (level k: bins of 64µs·4^k summing the narrower items)
//!                  │ delta-varint chunks of ~8 KB
//!                  ▼
//! store::Spill      one temporary file (deleted when the index is dropped);
//!                   memory keeps only the chunks' directory
//!                  │
//!                  ▼
//! TimelineIndex     queries: timeline (a window at px pixels), a slice's
//!                   details, one goroutine's slices, task and region types
//! ```
//!
//! **Memory** while building is the reader's (one generation) plus the
//! live state of goroutines, Ps, threads, open ranges, tasks and regions,
//! the interned strings and stacks, and at most `build::PENDING_BUDGET`
//! (1 MB) of encoded records not yet written; once built, the directory of
//! chunks (tens of bytes per chunk of hundreds of items) and the strings
//! and stacks. The file holds the items themselves.
//!
//! **A query's cost** is bounded by its answer: per lane, the pyramid
//! level whose bins are at most a pixel wide, and the items at least that
//! wide, are both at most a few per pixel (see `track`). Items narrower
//! than a pixel merge into summary bars (count, busy time, dominant
//! goroutine), so a zoomed-out window of a million slices comes back as a
//! few thousand numbers per row. Below 64µs per pixel the items are read
//! one by one (the window is then shorter than 90ms at 1400 pixels).
//!
//! **While building**, [`Progress`] counts the bytes read (an atomic a
//! server polls: "indexing 43%"); [`spawn_index_file`] builds on a thread
//! of its own and hands the index over when done. A damaged trace gives
//! the index of what was read, and the reader's error
//! ([`TimelineInfo::error`]).
//!
//! ## JSON API (what the web server sends; all times are ns since the
//! trace's first event, all strings JSON-escaped by serde)
//!
//! `GET /trace/api/info` → [`TimelineInfo`]: the indexed window
//! (`start_ns`, `end_ns`), the Ps and threads, counts, and `error` for a
//! damaged trace. While the index is being built, every `/trace/api/`
//! request is answered `503` with `{"indexing": FRACTION}` (from
//! [`Progress::fraction`]); the page shows it and asks again.
//!
//! `GET /trace/api/timeline?view=proc|thread&start=NS&end=NS&px=WIDTH`
//! → [`Timeline`] (a bad window or width: `400` with the
//! [`TimelineError`]'s message):
//!
//! ```json
//! {"view":"proc","start":0,"end":5000000000,"px":1400,"res":3571428.6,
//!  "level":7,"trace_end":5012345678,
//!  "strings":["","main.worker","syscall"],
//!  "rows":[{"id":0,"name":"Proc 0","lanes":[
//!     {"name":"goroutines",
//!      "slices":[[START,DUR,GOROUTINE,NAME,DETAIL], ...],
//!      "bars":[[START,DUR,COUNT,BUSY,DOMINANT_ID,DOMINANT_NAME], ...]},
//!     {"name":"syscalls","slices":[...],"bars":[...]}]}],
//!  "gc":{"name":"GC","slices":[...],"bars":[...]},
//!  "stw":{"name":"STW","slices":[...],"bars":[...]},
//!  "tasks":[{"name":"tasks 0","slices":[[START,DUR,TASK_ID,TYPE,DETAIL]],"bars":[]}],
//!  "regions":[{"name":"regions 0","slices":[[START,DUR,GOROUTINE,TYPE,DETAIL]],"bars":[]}],
//!  "logs":{"marks":[[T,GOROUTINE,P,DETAIL,"[category] message"]],"bars":[...]},
//!  "counters":[{"name":"heap_alloc","points":[[T,VALUE], ...]}, ...]}
//! ```
//!
//! - `NAME`, `TYPE`, `DOMINANT_NAME` index `strings` (per answer). In a
//!   row's first lane `NAME` is the goroutine's start function, then its
//!   label in parentheses if it has one (Go labels a slice `G<id> NAME`,
//!   or `G<id>` if NAME is empty); in sub-lanes and the GC and STW lanes it
//!   is the range's name (`syscall`, `GC incremental sweep`,
//!   `stop-the-world (GC sweep termination)`...) and the ID is the
//!   goroutine or -1.
//! - A slice is at least a pixel wide in the window; `DETAIL` is the ID
//!   for `/trace/api/slice` (-1: none). A bar merges the `COUNT` items
//!   narrower than a pixel that start in one pixel: `BUSY` ns of them
//!   between `START` and `START+DUR`, mostly of `DOMINANT_ID`.
//! - Lanes of the proc view: `goroutines`, then those present of
//!   `syscalls`, `sweep`, `mark assist`, `stop-the-world`, `ranges`; the
//!   thread view has no `sweep` (a P's range).
//! - Counters (`heap_alloc`, `heap_goal`, `goroutines_running`,
//!   `goroutines_runnable`, `goroutines_gc_waiting`, `threads_running`,
//!   `threads_in_syscall`) are step functions: a point holds until the
//!   next; the first point is the value at `start`; within a pixel only
//!   the highest value is kept.
//! - `level` is the pyramid level used (bins of 64000·4^level ns), `null`
//!   when every item was read.
//!
//! `GET /trace/api/slice?id=DETAIL` → [`SliceDetail`]: kind
//! (`goroutine`, `syscall`, `task`, `region`, `log`), goroutine, P,
//! thread, start, end, how it ended (`end`: `runnable`, `waiting`,
//! `exit`, `syscall-lost-p`, `syscall-blocked`, `end-of-trace`) and why
//! (`reason`: the runtime's block or stop reason), the stack it resumed
//! at and the one it stopped at (`[{"func","file","line","pc"}]`,
//! innermost first), and `cause`: the event that let it run (`unblock
//! (chan receive)`, `go`, `exit blocked syscall`) with its time, P,
//! thread, goroutine and stack: the tail of the flow arrow.
//!
//! `GET /trace/api/goroutine?g=ID&start=NS&end=NS&px=WIDTH` →
//! [`GoroutineTimeline`]: that goroutine's slices (thread-view
//! boundaries: running or in a syscall) and regions, merged as above.
//!
//! The tasks and regions pages use [`TimelineIndex::task_types`],
//! [`TimelineIndex::region_types`] and their `*_instances`.
//!
//! ## Use
//!
//! ```no_run
//! use rprof_trace::analysis::timeline::{TimelineOptions, TimelineQuery, View, spawn_index_file};
//! let job = spawn_index_file("trace.out".into(), TimelineOptions::default());
//! // A server answers pages meanwhile, polling job.progress().fraction().
//! let index = job.wait().expect("index");
//! let tl = index.timeline(&TimelineQuery {
//!     view: View::Proc,
//!     start: 0,
//!     end: index.info().end_ns,
//!     px: 1400,
//! })?;
//! let json = serde_json::to_string(&tl).unwrap();
//! # let _ = json;
//! # Ok::<(), rprof_trace::analysis::timeline::TimelineError>(())
//! ```

mod build;
mod details;
mod stacks;
mod store;
mod track;

use std::io::{self, Read};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use self::build::{
    Builder, COUNTERS, GBUCKETS, NO_DETAIL, NSUB, PROC, Row as BRow, SUB_NAMES, THREAD, TypeStats,
};
use self::details::{Detail, Details, End, Kind};
use self::stacks::{Stacks, Strings};
use self::store::{List, Spill};
use self::track::{Bin, Item, Merged, Track, level_for, merge};
use super::Partial;
use crate::error::Error;
use crate::event::Event;
use crate::fxhash::FxHashMap;
use crate::reader::Reader;

/// The widest answer, in pixels.
pub const MAX_PX: u32 = 1 << 16;

/// What to index.
#[derive(Debug, Clone, Default)]
pub struct TimelineOptions {
    /// Window start, ns after the trace's first event (`None`: from the
    /// start). Items are clipped to the window; times stay relative to
    /// the trace's first event.
    pub start: Option<i64>,
    /// Window end, ns after the trace's first event (`None`: to the end).
    /// Reading stops at the first event after it.
    pub end: Option<i64>,
    /// Where the temporary index file goes (`None`: the system's
    /// temporary directory). The file is deleted when the index is.
    pub temp_dir: Option<PathBuf>,
}

/// Everything that can go wrong building or querying the index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimelineError {
    /// The trace could not be read at all (a damaged trace that yields
    /// events is not an error: see [`TimelineInfo::error`]).
    #[error(transparent)]
    Trace(#[from] Error),
    /// Opening the trace file failed.
    #[error("{path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Creating, writing or reading the temporary index file failed.
    #[error("timeline index file: {0}")]
    Spill(io::Error),
    /// A window that is empty or reversed.
    #[error("bad window: start {start} must be before end {end} (ns)")]
    Window {
        /// Asked start.
        start: i64,
        /// Asked end.
        end: i64,
    },
    /// A width of 0 or more than [`MAX_PX`] pixels.
    #[error("bad width: {px} pixels (1 to {MAX_PX})")]
    Width {
        /// Asked width.
        px: u32,
    },
    /// No slice, task, region or log has this detail ID.
    #[error("no slice with id {0}")]
    NoSuchSlice(u64),
    /// No task type or region group has this index.
    #[error("no {what} with index {index}")]
    NoSuchType {
        /// `task type` or `region type`.
        what: &'static str,
        /// Asked index.
        index: usize,
    },
    /// The index thread died (a bug: it panicked).
    #[error("the indexing thread panicked")]
    Panicked,
}

fn spill(e: io::Error) -> TimelineError {
    TimelineError::Spill(e)
}

/// How far indexing has come: shared by the building thread (which
/// updates it) and any reader.
#[derive(Debug, Default)]
pub struct Progress {
    read: AtomicU64,
    total: AtomicU64,
    done: AtomicBool,
}

impl Progress {
    /// Bytes of the trace read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// The trace's size, if known.
    pub fn total_bytes(&self) -> Option<u64> {
        match self.total.load(Ordering::Relaxed) {
            0 => None,
            n => Some(n),
        }
    }

    /// Read share in `[0, 1]`, if the size is known (1 once done).
    pub fn fraction(&self) -> Option<f64> {
        if self.is_done() {
            return Some(1.0);
        }
        let t = self.total_bytes()?;
        Some((self.bytes_read() as f64 / t as f64).min(1.0))
    }

    /// Whether building has ended (well or not).
    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }
}

/// A `Read` that counts into a [`Progress`].
struct Counting<'a, R> {
    inner: R,
    progress: &'a Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Builds the index of `input` (a whole trace file's bytes), counting
/// progress into `progress`. `total_bytes` is the input's size, for the
/// progress fraction and for the error of a damaged trace.
///
/// `Err` if the trace yields no event at all, or on an I/O error with
/// the index file; a trace that goes bad later gives the index of what
/// was read and the error in [`Partial::error`] (also in
/// [`TimelineInfo::error`]).
pub fn build_index<R: Read + Send>(
    input: R,
    total_bytes: Option<u64>,
    opts: &TimelineOptions,
    progress: &Progress,
) -> Result<Partial<TimelineIndex>, TimelineError> {
    build_index_with(input, total_bytes, opts, progress, &mut |_| {})
}

/// [`build_index`], also handing every event indexed (up to the window's
/// end) to `extra`: other analyses made in the same pass, so that the
/// trace is read once.
pub fn build_index_with<R: Read + Send>(
    input: R,
    total_bytes: Option<u64>,
    opts: &TimelineOptions,
    progress: &Progress,
    extra: &mut dyn FnMut(&Event),
) -> Result<Partial<TimelineIndex>, TimelineError> {
    let r = build_inner(input, total_bytes, opts, progress, extra);
    progress.done.store(true, Ordering::Release);
    r
}

fn build_inner<R: Read + Send>(
    input: R,
    total_bytes: Option<u64>,
    opts: &TimelineOptions,
    progress: &Progress,
    extra: &mut dyn FnMut(&Event),
) -> Result<Partial<TimelineIndex>, TimelineError> {
    if let Some(t) = total_bytes {
        progress.total.store(t, Ordering::Relaxed);
    }
    let counting = Counting {
        inner: input,
        progress,
    };
    let mut reader = Reader::new(counting)?;
    if let Some(t) = total_bytes {
        reader = reader.with_total_bytes(t);
    }
    let file = match &opts.temp_dir {
        Some(d) => tempfile::tempfile_in(d),
        None => tempfile::tempfile(),
    }
    .map_err(spill)?;
    let mut b = Builder::new(Spill::new(file), opts.start, opts.end);
    let mut io_err = None;
    let mut cut = false;
    let trace_err = if opts.end.is_some() {
        // Read on this thread, to stop at the window's end.
        let mut err = None;
        loop {
            match reader.next_event() {
                Ok(Some(ev)) => match b.event(&ev) {
                    Ok(true) => extra(&ev),
                    Ok(false) => {
                        cut = true;
                        break;
                    }
                    Err(e) => {
                        io_err = Some(e);
                        break;
                    }
                },
                Ok(None) => break,
                Err(e) if b.t0.is_some() => {
                    err = Some(e);
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        err
    } else {
        super::drive(&mut reader, |ev| {
            if io_err.is_none()
                && let Err(e) = b.event(ev)
            {
                io_err = Some(e);
            }
            extra(ev);
        })?
    };
    if let Some(e) = io_err {
        return Err(spill(e));
    }
    let end = b.finish(cut).map_err(spill)?;
    let version = reader.version();
    let index = TimelineIndex::new(b, end, version, trace_err.as_ref());
    Ok(Partial {
        value: index,
        error: trace_err,
    })
}

/// An index being built on its own thread (see [`spawn_index_file`]).
pub struct Indexing {
    progress: Progress,
    result: Mutex<Option<Result<Arc<TimelineIndex>, Arc<TimelineError>>>>,
    ready: Condvar,
}

impl std::fmt::Debug for Indexing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexing")
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

/// The outcome of an [`Indexing`].
pub type IndexResult = Result<Arc<TimelineIndex>, Arc<TimelineError>>;

impl Indexing {
    /// How far it has come.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The index (or the failure), once building has ended.
    pub fn get(&self) -> Option<IndexResult> {
        self.result
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits for the end of building.
    pub fn wait(&self) -> IndexResult {
        let mut g = self.result.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(r) = &*g {
                return r.clone();
            }
            g = self.ready.wait(g).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Waits at most `d` for the end of building.
    pub fn wait_timeout(&self, d: Duration) -> Option<IndexResult> {
        let g = self.result.lock().unwrap_or_else(|p| p.into_inner());
        let (g, _) = self
            .ready
            .wait_timeout_while(g, d, |r| r.is_none())
            .unwrap_or_else(|p| p.into_inner());
        g.clone()
    }

    fn set(&self, r: IndexResult) {
        *self.result.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
        self.progress.done.store(true, Ordering::Release);
        self.ready.notify_all();
    }
}

/// Starts indexing the trace file `path` on a new thread and returns at
/// once; the handle gives the progress and, when done, the index.
pub fn spawn_index_file(path: PathBuf, opts: TimelineOptions) -> Arc<Indexing> {
    spawn_index_file_with(path, opts, |_: &Event| {}, |_| {})
}

/// Another analysis fed the events of the index's pass (see
/// [`spawn_index_file_with`]); closures are ones.
pub trait EventSink: Send {
    /// Handles the next event.
    fn event(&mut self, ev: &Event);
}

impl<F: FnMut(&Event) + Send> EventSink for F {
    fn event(&mut self, ev: &Event) {
        self(ev)
    }
}

/// [`spawn_index_file`] with other analyses in the same pass: `extra`
/// gets every event indexed, then `done` gets `extra` back, on the
/// indexing thread, before the index is handed over (so that whoever
/// sees the index done also sees what `done` stored).
pub fn spawn_index_file_with<A, D>(
    path: PathBuf,
    opts: TimelineOptions,
    extra: A,
    done: D,
) -> Arc<Indexing>
where
    A: EventSink + 'static,
    D: FnOnce(A) + Send + 'static,
{
    let job = Arc::new(Indexing {
        progress: Progress::default(),
        result: Mutex::new(None),
        ready: Condvar::new(),
    });
    let j = Arc::clone(&job);
    let spawned = std::thread::Builder::new()
        .name("rprof-trace-index".into())
        .spawn(move || {
            let mut extra = extra;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let f = std::fs::File::open(&path).map_err(|source| TimelineError::Open {
                    path: path.clone(),
                    source,
                })?;
                let size = f.metadata().map(|m| m.len()).ok();
                let input = io::BufReader::with_capacity(256 << 10, f);
                build_index_with(input, size, &opts, &j.progress, &mut |ev| extra.event(ev))
            }));
            let r = match r {
                Ok(r) => {
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| done(extra))) {
                        Ok(()) => Ok(r),
                        Err(p) => Err(p),
                    }
                }
                Err(p) => Err(p),
            };
            let r = match r {
                Ok(Ok(p)) => Ok(Arc::new(p.value)),
                Ok(Err(e)) => Err(Arc::new(e)),
                Err(_) => Err(Arc::new(TimelineError::Panicked)),
            };
            j.set(r);
        });
    if let Err(e) = spawned {
        job.set(Err(Arc::new(TimelineError::Spill(e))));
    }
    job
}

/// The proc view or the thread view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// One row per P (Go's "View trace by proc").
    Proc,
    /// One row per OS thread (Go's "View trace by thread").
    Thread,
}

impl View {
    fn index(self) -> usize {
        match self {
            View::Proc => PROC,
            View::Thread => THREAD,
        }
    }
}

impl FromStr for View {
    type Err = String;

    fn from_str(s: &str) -> Result<View, String> {
        match s {
            "proc" => Ok(View::Proc),
            "thread" => Ok(View::Thread),
            _ => Err(format!("unknown view {s:?} (proc or thread)")),
        }
    }
}

/// A timeline request (the query string of `/trace/api/timeline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineQuery {
    /// By proc or by thread.
    pub view: View,
    /// Window start, ns since the trace's first event.
    pub start: i64,
    /// Window end (exclusive).
    pub end: i64,
    /// Width in pixels: the resolution is `(end - start) / px` ns.
    pub px: u32,
}

/// A goroutine's timeline request (`/trace/api/goroutine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoroutineQuery {
    /// The goroutine.
    pub g: i64,
    /// Window start (default: the index's start).
    pub start: Option<i64>,
    /// Window end (default: the index's end).
    pub end: Option<i64>,
    /// Width in pixels.
    pub px: u32,
}

/// What was indexed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TimelineInfo {
    /// The trace's format, `go 1.N`.
    pub version: String,
    /// The indexed window: its start (0 unless `--start`)...
    pub start_ns: i64,
    /// ...and end (the last event read, or `--end`).
    pub end_ns: i64,
    /// Events read.
    pub events: u64,
    /// Generations (Sync events less one).
    pub generations: u64,
    /// The Ps with a row in the proc view.
    pub procs: Vec<i64>,
    /// The threads with a row in the thread view.
    pub threads: Vec<i64>,
    /// Goroutine slices in the proc view.
    pub proc_slices: u64,
    /// Goroutine slices in the thread view.
    pub thread_slices: u64,
    /// Detail records (slices, syscalls, tasks, regions, logs).
    pub details: u64,
    /// Task and region lanes.
    pub task_lanes: usize,
    /// Region lanes.
    pub region_lanes: usize,
    /// Log events.
    pub logs: u64,
    /// Bytes of the temporary index file.
    pub index_bytes: u64,
    /// What was lost, for a damaged trace (the reader's error).
    pub error: Option<String>,
}

/// A timeline answer (see the module doc for the JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// The view.
    pub view: View,
    /// The window's start, ns.
    pub start: i64,
    /// The window's end, ns.
    pub end: i64,
    /// Width, pixels.
    pub px: u32,
    /// Resolution, ns per pixel.
    pub res: f64,
    /// The pyramid level read (`null`: the items themselves).
    pub level: Option<u32>,
    /// End of the indexed trace, ns.
    pub trace_end: i64,
    /// Names the lanes refer to by index.
    pub strings: Vec<String>,
    /// One row per P or thread.
    pub rows: Vec<RowOut>,
    /// GC mark phases.
    pub gc: Lane,
    /// Stop-the-world pauses.
    pub stw: Lane,
    /// Tasks, packed in lanes.
    pub tasks: Vec<Lane>,
    /// Regions, packed in lanes.
    pub regions: Vec<Lane>,
    /// Log events.
    pub logs: Logs,
    /// Counters.
    pub counters: Vec<Counter>,
}

/// A row: its lanes, goroutine slices first.
#[derive(Debug, Clone, Serialize)]
pub struct RowOut {
    /// The P or thread ID.
    pub id: i64,
    /// `Proc N` or `Thread N`.
    pub name: String,
    /// Lanes.
    pub lanes: Vec<Lane>,
}

/// A lane's slices and summary bars.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Lane {
    /// What the lane holds.
    pub name: String,
    /// Items at least a pixel wide.
    pub slices: Vec<SliceOut>,
    /// Runs of narrower items.
    pub bars: Vec<BarOut>,
}

/// `[start, dur, id, name, detail]` (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SliceOut(pub i64, pub i64, pub i64, pub u32, pub i64);

/// `[start, dur, count, busy, dominant id, dominant name]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BarOut(pub i64, pub i64, pub u64, pub i64, pub i64, pub u32);

/// Log events: marks where a pixel has one, bars where it has more.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Logs {
    /// `[t, goroutine, P, detail, text]`.
    pub marks: Vec<LogMark>,
    /// Several logs in a pixel: `[start, dur, count, 0, detail of one, 0]`.
    pub bars: Vec<BarOut>,
}

/// `[t, goroutine, P, detail, text]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogMark(pub i64, pub i64, pub i64, pub i64, pub String);

/// A counter: `[t, value]` steps.
#[derive(Debug, Clone, Serialize)]
pub struct Counter {
    /// Its name.
    pub name: &'static str,
    /// Steps: each value holds until the next point.
    pub points: Vec<(i64, i64)>,
}

/// One frame of a stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameOut {
    /// Function.
    pub func: String,
    /// File.
    pub file: String,
    /// Line.
    pub line: u64,
    /// PC, `0x...`.
    pub pc: String,
}

/// What let a goroutine run: the tail of the flow arrow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseOut {
    /// `unblock (REASON)`, `go` or `exit blocked syscall`.
    pub name: String,
    /// When.
    pub time: i64,
    /// On which P (-1: none).
    pub p: i64,
    /// On which thread (-1: none).
    pub m: i64,
    /// By which goroutine (-1: none).
    pub g: i64,
    /// Its stack.
    pub stack: Vec<FrameOut>,
}

/// A slice's details (see the module doc).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SliceDetail {
    /// The detail ID.
    pub id: u64,
    /// `goroutine`, `syscall`, `task`, `region` or `log`.
    pub kind: &'static str,
    /// The goroutine (tasks: the one that began it).
    pub g: i64,
    /// The goroutine's start function, or the task or region type.
    pub name: String,
    /// The goroutine's label, if any (e.g. `GC (dedicated)`).
    pub label: String,
    /// The P (-1: none).
    pub p: i64,
    /// The thread (-1: none; tasks: the goroutine that ended it).
    pub m: i64,
    /// Start, ns.
    pub start: i64,
    /// End, ns.
    pub end: i64,
    /// `end - start`.
    pub dur: i64,
    /// How a goroutine slice ended (see the module doc), else "".
    pub end_state: &'static str,
    /// The block or stop reason.
    pub reason: String,
    /// Where it resumed (goroutines), began (syscalls, tasks, regions)
    /// or logged.
    pub start_stack: Vec<FrameOut>,
    /// Where it stopped or ended.
    pub end_stack: Vec<FrameOut>,
    /// What let it run.
    pub cause: Option<CauseOut>,
    /// A task's ID, or the task of a region or log.
    pub task: Option<u64>,
    /// A task's parent.
    pub parent: Option<u64>,
    /// A syscall: whether it blocked (lost its P).
    pub blocked: Option<bool>,
    /// A log's text.
    pub text: Option<String>,
}

/// One goroutine's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct GoroutineTimeline {
    /// The goroutine.
    pub g: i64,
    /// Its start function ("" if unknown).
    pub name: String,
    /// The window's start, ns.
    pub start: i64,
    /// The window's end, ns.
    pub end: i64,
    /// Width, pixels.
    pub px: u32,
    /// Resolution, ns per pixel.
    pub res: f64,
    /// Names the lanes refer to.
    pub strings: Vec<String>,
    /// Its slices (running or in a syscall, on some thread).
    pub slices: Lane,
    /// Its regions.
    pub regions: Lane,
}

/// A slice, exactly (for exports and tests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SliceRef {
    /// Start, ns.
    pub start: i64,
    /// End, ns.
    pub end: i64,
    /// The goroutine (or task, for task lanes; -1 for GC ranges).
    pub id: i64,
    /// Its name in the lane: a goroutine's start function and label (Go
    /// shows `G<id> <name>`), or the range's name.
    pub name: String,
    /// Its detail ID, if any.
    pub detail: Option<u64>,
}

/// A task type or a region group: Go's `/usertasks` and `/userregions`.
#[derive(Debug, Clone, Serialize)]
pub struct SpanType {
    /// Index for the `*_instances` queries.
    pub index: usize,
    /// The type.
    pub name: String,
    /// Regions: the frame Go groups them by (the last of the stack they
    /// began with).
    pub frame: Option<FrameOut>,
    /// Instances (complete or not).
    pub count: u64,
    /// Complete ones (begun and ended in the trace).
    pub complete: u64,
    /// Go's duration histogram (5 buckets per decade), from the first to
    /// the last non-empty bucket: tasks count their complete instances,
    /// regions all (clipped to the trace), as Go does.
    pub histogram: Vec<HistBucket>,
}

/// One bucket: durations in `[min_ns, max_ns)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HistBucket {
    /// Lower bound, ns.
    pub min_ns: i64,
    /// Upper bound, ns.
    pub max_ns: i64,
    /// Instances.
    pub count: u64,
}

/// One task or region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SpanInstance {
    /// Its detail ID.
    pub detail: u64,
    /// The task (a region's task, if any).
    pub task: Option<u64>,
    /// The goroutine (a task's: the one that began it; -1 if unknown).
    pub g: i64,
    /// Start, ns (the trace's start if it began before).
    pub start: i64,
    /// End, ns (the trace's end if still open).
    pub end: i64,
    /// Begun and ended within the trace.
    pub complete: bool,
}

/// Per-answer string table: the global IDs used, renumbered.
#[derive(Default)]
struct StrMap {
    map: FxHashMap<u64, u32>,
    list: Vec<String>,
}

impl StrMap {
    fn get(&mut self, strings: &Strings, id: u64) -> u32 {
        let n = self.list.len() as u32;
        *self.map.entry(id).or_insert_with(|| {
            self.list
                .push(strings.get(u32::try_from(id).unwrap_or(0)).to_string());
            n
        })
    }
}

/// The built index (see the module doc).
pub struct TimelineIndex {
    sp: Spill,
    info: TimelineInfo,
    strings: Strings,
    stacks: Stacks,
    rows: [Vec<(i64, BRow)>; 2],
    gc: Track,
    stw: Track,
    tasks: Vec<Track>,
    regions: Vec<Track>,
    logs: Track,
    counters: Vec<Track>,
    gexec: Vec<List<Item>>,
    gregions: Vec<List<Item>>,
    details: Details,
    task_types: Vec<TypeStats>,
    region_types: Vec<TypeStats>,
}

impl std::fmt::Debug for TimelineIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimelineIndex")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

fn end_state_name(e: End) -> &'static str {
    match e {
        End::None => "",
        End::Runnable => "runnable",
        End::Waiting => "waiting",
        End::Exit => "exit",
        End::SyscallLostP => "syscall-lost-p",
        End::Unfinished => "end-of-trace",
        End::SyscallBlocked => "syscall-blocked",
    }
}

fn detail_of(a: u64) -> i64 {
    if a == NO_DETAIL { -1 } else { a as i64 }
}

impl TimelineIndex {
    fn new(
        mut b: Builder,
        end: i64,
        version: crate::version::Version,
        err: Option<&Error>,
    ) -> TimelineIndex {
        b.strings.freeze();
        b.stacks.freeze();
        let [pr, tr] = std::mem::take(&mut b.rows);
        let rows = [pr.into_iter().collect(), tr.into_iter().collect::<Vec<_>>()];
        let mut info = TimelineInfo {
            version: version.to_string(),
            start_ns: b.win_start(),
            end_ns: end,
            events: b.events,
            generations: b.syncs.saturating_sub(1),
            procs: rows[PROC].iter().map(|r: &(i64, BRow)| r.0).collect(),
            threads: rows[THREAD].iter().map(|r: &(i64, BRow)| r.0).collect(),
            proc_slices: rows[PROC].iter().map(|r| r.1.main.count).sum(),
            thread_slices: rows[THREAD].iter().map(|r| r.1.main.count).sum(),
            details: b.details.len(),
            task_lanes: b.tasks.tracks.len(),
            region_lanes: b.regions.tracks.len(),
            logs: b.logs.count,
            index_bytes: b.sp.len(),
            error: err.map(|e| e.to_string()),
        };
        info.procs.sort_unstable();
        TimelineIndex {
            sp: b.sp,
            info,
            strings: b.strings,
            stacks: b.stacks,
            rows,
            gc: b.gc,
            stw: b.stw,
            tasks: b.tasks.tracks,
            regions: b.regions.tracks,
            logs: b.logs,
            counters: b.counters,
            gexec: b.gexec,
            gregions: b.gregions,
            details: b.details,
            task_types: b.task_types.into_values().collect(),
            region_types: b.region_types.into_values().collect(),
        }
    }

    /// Where the index file's bytes go (for tuning).
    #[doc(hidden)]
    pub fn disk_report(&self) -> String {
        let mut out = String::new();
        for (v, rows) in self.rows.iter().enumerate() {
            for (id, r) in rows {
                let (i, b) = r.main.disk_bytes();
                out.push_str(&format!(
                    "view {v} row {id}: main {} items {i} B, bins {b} B\n",
                    r.main.count
                ));
                for (k, s) in r.sub.iter().enumerate() {
                    if let Some(s) = s {
                        let (i, b) = s.disk_bytes();
                        out.push_str(&format!(
                            "   sub {k}: {} items {i} B, bins {b} B\n",
                            s.count
                        ));
                    }
                }
            }
        }
        for (n, t) in COUNTERS.iter().zip(&self.counters) {
            let (i, b) = t.disk_bytes();
            out.push_str(&format!(
                "counter {n}: {} items {i} B, bins {b} B\n",
                t.count
            ));
        }
        let g: u64 = self
            .gexec
            .iter()
            .chain(&self.gregions)
            .map(|l| l.disk_bytes())
            .sum();
        out.push_str(&format!("goroutine lists {g} B\n"));
        let d: u64 = self.details.disk_bytes();
        out.push_str(&format!("details {} records {d} B\n", self.details.len()));
        out
    }

    /// What was indexed.
    pub fn info(&self) -> &TimelineInfo {
        &self.info
    }

    /// Approximate bytes of memory the index holds (its directories,
    /// strings and stacks; the items are in the file).
    pub fn heap_bytes(&self) -> usize {
        let rows: usize = self.rows.iter().flatten().map(|r| r.1.heap_bytes()).sum();
        let tracks: usize = [&self.gc, &self.stw, &self.logs]
            .into_iter()
            .chain(&self.tasks)
            .chain(&self.regions)
            .chain(&self.counters)
            .map(Track::heap_bytes)
            .sum();
        let lists: usize = self
            .gexec
            .iter()
            .chain(&self.gregions)
            .map(List::heap_bytes)
            .sum();
        let types: usize = self
            .task_types
            .iter()
            .chain(&self.region_types)
            .map(|t| t.instances.heap_bytes() + t.hist.capacity() * 8 + 96)
            .sum();
        rows + tracks
            + lists
            + types
            + self.details.heap_bytes()
            + self.strings.heap_bytes()
            + self.stacks.heap_bytes()
    }

    fn window(&self, start: i64, end: i64, px: u32) -> Result<f64, TimelineError> {
        if px == 0 || px > MAX_PX {
            return Err(TimelineError::Width { px });
        }
        if end <= start {
            return Err(TimelineError::Window { start, end });
        }
        Ok((i128::from(end) - i128::from(start)) as f64 / f64::from(px))
    }

    fn lane(
        &self,
        name: &str,
        track: &Track,
        t0: i64,
        t1: i64,
        res: f64,
        st: &mut StrMap,
    ) -> Result<Lane, TimelineError> {
        let m = track.query(&self.sp, t0, t1, res).map_err(spill)?;
        Ok(self.lane_out(name, m, st))
    }

    fn lane_out(&self, name: &str, m: Merged, st: &mut StrMap) -> Lane {
        Lane {
            name: name.to_string(),
            slices: m
                .items
                .iter()
                .map(|it| {
                    SliceOut(
                        it.start,
                        it.dur(),
                        it.id,
                        st.get(&self.strings, it.b),
                        detail_of(it.a),
                    )
                })
                .collect(),
            bars: m
                .bars
                .iter()
                .map(|b| {
                    BarOut(
                        b.start,
                        b.end - b.start,
                        b.count,
                        b.busy,
                        b.dom,
                        st.get(&self.strings, b.dom_a),
                    )
                })
                .collect(),
        }
    }

    /// The timeline of `q`'s window (see the module doc).
    pub fn timeline(&self, q: &TimelineQuery) -> Result<Timeline, TimelineError> {
        let res = self.window(q.start, q.end, q.px)?;
        let (t0, t1) = (q.start, q.end);
        let mut st = StrMap::default();
        let v = q.view.index();
        let what = if v == PROC { "Proc" } else { "Thread" };
        let mut rows = Vec::new();
        for (id, row) in &self.rows[v] {
            let mut lanes = vec![self.lane("goroutines", &row.main, t0, t1, res, &mut st)?];
            for (i, sub) in row.sub.iter().enumerate().take(NSUB) {
                if let Some(sub) = sub {
                    lanes.push(self.lane(SUB_NAMES[i], sub, t0, t1, res, &mut st)?);
                }
            }
            let name = if *id < 0 {
                format!("No {}", what.to_lowercase())
            } else {
                format!("{what} {id}")
            };
            rows.push(RowOut {
                id: *id,
                name,
                lanes,
            });
        }
        let gc = self.lane("GC", &self.gc, t0, t1, res, &mut st)?;
        let stw = self.lane("STW", &self.stw, t0, t1, res, &mut st)?;
        let tasks = self
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| self.lane(&format!("tasks {i}"), t, t0, t1, res, &mut st))
            .collect::<Result<_, _>>()?;
        let regions = self
            .regions
            .iter()
            .enumerate()
            .map(|(i, t)| self.lane(&format!("regions {i}"), t, t0, t1, res, &mut st))
            .collect::<Result<_, _>>()?;
        let logs = self.logs_out(t0, t1, res)?;
        let counters = COUNTERS
            .iter()
            .zip(&self.counters)
            .map(|(name, tr)| self.counter(name, tr, t0, t1, res))
            .collect::<Result<_, _>>()?;
        Ok(Timeline {
            view: q.view,
            start: t0,
            end: t1,
            px: q.px,
            res,
            level: level_for(res).map(|k| k as u32),
            trace_end: self.info.end_ns,
            strings: st.list,
            rows,
            gc,
            stw,
            tasks,
            regions,
            logs,
            counters,
        })
    }

    fn logs_out(&self, t0: i64, t1: i64, res: f64) -> Result<Logs, TimelineError> {
        let (_, items, bins) = self.logs.read(&self.sp, t0, t1, res).map_err(spill)?;
        // Log items and bins carry the detail ID as their `id`, so a pixel
        // with one log (one item, or a bin of one) names it.
        let m = merge(&items, &bins, t0, t1, res);
        let mut out = Logs::default();
        for b in &m.bars {
            if b.count == 1
                && let Some(d) = self.details.get(&self.sp, b.dom as u64).map_err(spill)?
            {
                out.marks.push(LogMark(
                    d.start,
                    d.g,
                    d.p,
                    b.dom,
                    d.text.as_deref().unwrap_or("").to_string(),
                ));
            } else {
                out.bars
                    .push(BarOut(b.start, b.end - b.start, b.count, 0, b.dom, 0));
            }
        }
        Ok(out)
    }

    fn counter(
        &self,
        name: &'static str,
        tr: &Track,
        t0: i64,
        t1: i64,
        res: f64,
    ) -> Result<Counter, TimelineError> {
        let mut points = Vec::new();
        if let Some(it) = tr.last_before(&self.sp, t0).map_err(spill)? {
            points.push((t0, it.id));
        }
        let (_, items, bins) = tr.read(&self.sp, t0, t1, res).map_err(spill)?;
        let vals = items
            .iter()
            .map(|it| (it.start, it.id))
            .chain(bins.iter().map(|b| (b.start, b.vmax)));
        let mut all: Vec<(i64, i64)> = vals.collect();
        all.sort_by_key(|p| p.0);
        let pixel = |t: i64| track::pixel(t, t0, res);
        let mut cur: Option<(i64, i64, i64)> = None;
        for (t, v) in all {
            let p = pixel(t);
            match &mut cur {
                Some((cp, _, cv)) if *cp == p => *cv = (*cv).max(v),
                _ => {
                    if let Some((_, ct, cv)) = cur {
                        points.push((ct, cv));
                    }
                    cur = Some((p, t, v));
                }
            }
        }
        if let Some((_, ct, cv)) = cur {
            points.push((ct, cv));
        }
        Ok(Counter { name, points })
    }

    fn slice_ref(&self, it: &Item) -> SliceRef {
        SliceRef {
            start: it.start,
            end: it.end,
            id: it.id,
            name: self.strings.get(it.b as u32).to_string(),
            detail: (it.a != NO_DETAIL).then_some(it.a),
        }
    }

    fn frames(&self, stack: u32) -> Vec<FrameOut> {
        self.stacks
            .frames(stack)
            .map(|f| FrameOut {
                func: self.strings.get(f.func).to_string(),
                file: self.strings.get(f.file).to_string(),
                line: f.line,
                pc: format!("{:#x}", f.pc),
            })
            .collect()
    }

    fn detail(&self, id: u64) -> Result<Detail, TimelineError> {
        self.details
            .get(&self.sp, id)
            .map_err(spill)?
            .ok_or(TimelineError::NoSuchSlice(id))
    }

    /// The details of slice `id` (the `DETAIL` of a timeline answer).
    pub fn slice(&self, id: u64) -> Result<SliceDetail, TimelineError> {
        let d = self.detail(id)?;
        let kind = match d.kind {
            Kind::ExecProc | Kind::ExecThread => "goroutine",
            Kind::Syscall => "syscall",
            Kind::Task => "task",
            Kind::Region => "region",
            Kind::Log => "log",
        };
        let cause = (d.cause != 0).then(|| CauseOut {
            name: self.strings.get(d.cause).to_string(),
            time: d.cause_time,
            p: d.cause_p,
            m: d.cause_m,
            g: d.cause_g,
            stack: self.frames(d.cause_stack),
        });
        let opt_task = |x: i64| (x as u64 != crate::event::NO_TASK).then_some(x as u64);
        Ok(SliceDetail {
            id,
            kind,
            g: d.g,
            name: self.strings.get(d.name).to_string(),
            label: self.strings.get(d.label).to_string(),
            p: d.p,
            m: d.m,
            start: d.start,
            end: d.end,
            dur: d.end - d.start,
            end_state: end_state_name(d.end_state),
            reason: self.strings.get(d.reason).to_string(),
            start_stack: self.frames(d.start_stack),
            end_stack: self.frames(d.end_stack),
            cause,
            task: match d.kind {
                Kind::Task | Kind::Region | Kind::Log => opt_task(d.x),
                _ => None,
            },
            parent: if d.kind == Kind::Task {
                opt_task(d.y)
            } else {
                None
            },
            blocked: (d.kind == Kind::Syscall).then_some(d.x != 0),
            text: d.text.map(String::from),
        })
    }

    /// Every item of a row's lane (`goroutines`, `syscalls`, `sweep`,
    /// `mark assist`, `stop-the-world`, `ranges`) that meets `[start,
    /// end)`, exactly, in time order (`None` if there is no such lane).
    pub fn row_slices(
        &self,
        view: View,
        row: i64,
        lane: &str,
        start: i64,
        end: i64,
    ) -> Result<Option<Vec<SliceRef>>, TimelineError> {
        let Some((_, r)) = self.rows[view.index()].iter().find(|r| r.0 == row) else {
            return Ok(None);
        };
        let track = if lane == "goroutines" {
            Some(&r.main)
        } else {
            SUB_NAMES
                .iter()
                .position(|n| *n == lane)
                .and_then(|i| r.sub[i].as_deref())
        };
        let Some(track) = track else {
            return Ok(None);
        };
        let items = track.items(&self.sp, start, end).map_err(spill)?;
        Ok(Some(items.iter().map(|it| self.slice_ref(it)).collect()))
    }

    /// The thread-view slices of goroutine `g` that meet `[start, end)`,
    /// exactly, in time order.
    pub fn goroutine_slices(
        &self,
        g: i64,
        start: i64,
        end: i64,
    ) -> Result<Vec<SliceRef>, TimelineError> {
        let items = self.goroutine_items(&self.gexec, g, start, end)?;
        Ok(items.iter().map(|it| self.slice_ref(it)).collect())
    }

    fn goroutine_items(
        &self,
        lists: &[List<Item>],
        g: i64,
        start: i64,
        end: i64,
    ) -> Result<Vec<Item>, TimelineError> {
        let mut items = Vec::new();
        lists[g.rem_euclid(GBUCKETS as i64) as usize]
            .window(&self.sp, start, end, &mut items)
            .map_err(spill)?;
        items.retain(|it| it.id == g);
        items.sort_by_key(|it| (it.start, it.end));
        Ok(items)
    }

    /// One goroutine's timeline (its slices and regions), merged for
    /// `q.px` pixels. The cost is that of the goroutines sharing its
    /// bucket (1/256 of them) in the window.
    pub fn goroutine(&self, q: &GoroutineQuery) -> Result<GoroutineTimeline, TimelineError> {
        let (t0, t1) = (
            q.start.unwrap_or(self.info.start_ns),
            q.end
                .unwrap_or(self.info.end_ns.max(self.info.start_ns + 1)),
        );
        let res = self.window(t0, t1, q.px)?;
        let mut st = StrMap::default();
        let ex = self.goroutine_items(&self.gexec, q.g, t0, t1)?;
        let name = ex
            .first()
            .map(|it| self.strings.get(it.b as u32).to_string())
            .unwrap_or_default();
        let slices = self.lane_out("goroutine", merge(&ex, &[], t0, t1, res), &mut st);
        let rg = self.goroutine_items(&self.gregions, q.g, t0, t1)?;
        let regions = self.lane_out("regions", merge(&rg, &[], t0, t1, res), &mut st);
        Ok(GoroutineTimeline {
            g: q.g,
            name,
            start: t0,
            end: t1,
            px: q.px,
            res,
            strings: st.list,
            slices,
            regions,
        })
    }

    /// The GC mark phases (`gc`) or stop-the-world pauses that meet the
    /// window, exactly.
    pub fn gc_slices(
        &self,
        stw: bool,
        start: i64,
        end: i64,
    ) -> Result<Vec<SliceRef>, TimelineError> {
        let tr = if stw { &self.stw } else { &self.gc };
        let items = tr.items(&self.sp, start, end).map_err(spill)?;
        Ok(items.iter().map(|it| self.slice_ref(it)).collect())
    }

    fn span_types(&self, types: &[TypeStats]) -> Vec<SpanType> {
        types
            .iter()
            .enumerate()
            .map(|(index, t)| {
                let first = t.hist.iter().position(|&c| c > 0);
                let histogram = match first {
                    None => Vec::new(),
                    Some(f) => {
                        let last = t.hist.iter().rposition(|&c| c > 0).unwrap_or(f);
                        (f..=last)
                            .map(|b| HistBucket {
                                min_ns: build::hist_bucket_min(b),
                                max_ns: build::hist_bucket_min(b + 1),
                                count: t.hist[b],
                            })
                            .collect()
                    }
                };
                SpanType {
                    index,
                    name: self.strings.get(t.name).to_string(),
                    frame: (t.frame_stack != 0)
                        .then(|| self.frames(t.frame_stack).into_iter().next())
                        .flatten(),
                    count: t.count,
                    complete: t.complete,
                    histogram,
                }
            })
            .collect()
    }

    /// Task types, by name (Go's `/usertasks`).
    pub fn task_types(&self) -> Vec<SpanType> {
        let mut v = self.span_types(&self.task_types);
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// Region groups: by type, then by the frame they began in (Go's
    /// `/userregions`).
    pub fn region_types(&self) -> Vec<SpanType> {
        let pc = |t: &TypeStats| self.stacks.frames(t.frame_stack).next().map_or(0, |f| f.pc);
        let mut v = self.span_types(&self.region_types);
        v.sort_by(|a, b| {
            let (ta, tb) = (&self.region_types[a.index], &self.region_types[b.index]);
            a.name.cmp(&b.name).then_with(|| pc(ta).cmp(&pc(tb)))
        });
        v
    }

    fn instances(
        &self,
        types: &[TypeStats],
        what: &'static str,
        index: usize,
    ) -> Result<Vec<SpanInstance>, TimelineError> {
        let tasks = what == "task type";
        let t = types
            .get(index)
            .ok_or(TimelineError::NoSuchType { what, index })?;
        let mut items = Vec::new();
        t.instances.all(&self.sp, &mut items).map_err(spill)?;
        items.sort_by_key(|it| (it.start, it.end, it.id));
        Ok(items
            .iter()
            .map(|it| {
                let other = (it.b >> 1).wrapping_sub(1);
                let (task, g) = if tasks {
                    (Some(it.id as u64), other as i64)
                } else {
                    ((other != crate::event::NO_TASK).then_some(other), it.id)
                };
                SpanInstance {
                    detail: it.a,
                    task,
                    g,
                    start: it.start,
                    end: it.end,
                    complete: it.b & 1 != 0,
                }
            })
            .collect())
    }

    /// The instances of task type `index` (of [`TimelineIndex::task_types`]),
    /// by start time.
    pub fn task_instances(&self, index: usize) -> Result<Vec<SpanInstance>, TimelineError> {
        self.instances(&self.task_types, "task type", index)
    }

    /// The instances of region group `index`, by start time.
    pub fn region_instances(&self, index: usize) -> Result<Vec<SpanInstance>, TimelineError> {
        self.instances(&self.region_types, "region type", index)
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn f<T: Send + Sync>() {}
    f::<TimelineIndex>();
    f::<Indexing>();
    let _ = Bin::default();
}
