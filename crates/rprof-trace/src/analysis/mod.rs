//! Analyses over the ordered event stream: what `go tool trace` computes,
//! in one streaming pass and bounded memory.
//!
//! - [`pprof`]: the four profiles of `go tool trace -pprof=sched|sync|net|syscall`
//!   (Go's `cmd/trace/pprof.go`), as [`rprof_profile::Profile`]s.
//! - [`goroutines`]: the goroutine analysis of the web UI (`/goroutines`,
//!   `/goroutine?name=`), from a port of `internal/trace/summary.go`'s
//!   summarizer, grouped by start function.
//! - [`summary`](mod@summary): what a user opens the web UI for, in the terminal:
//!   duration, goroutines, time by state, GC and STW pauses, per-P
//!   utilisation, user tasks and regions, and minimum mutator utilisation
//!   ([`mmu`](mod@mmu), a port of `internal/trace/gc.go`).
//! - [`timeline`]: the index behind the web UI's timeline ("View trace by
//!   proc / by thread"): one pass writes every slice, range, counter,
//!   task, region and log to a temporary file with a pyramid of coarser
//!   levels, so that a window at a given resolution is answered by
//!   reading what fits on the screen.
//!
//! Each analysis is an accumulator ([`PprofAnalyzer`], [`GoroutineAnalyzer`],
//! [`SummaryAnalyzer`], [`MmuAnalyzer`]) with an `event(&Event)` method and
//! a `finish()`, so that a caller can run several over one pass of a
//! [`Reader`]; [`pprof_profiles`], [`pprof_profile`], [`goroutine_summary`],
//! [`summary()`] and [`mmu()`] make that pass for one analysis. Memory is
//! bounded by the reader's one generation plus per-object state (live
//! goroutines, distinct stacks, distinct names, the last second or so of
//! the utilization function for the MMU): no analysis keeps events.
//!
//! **Damaged traces.** Like `go tool trace`, an analysis of a trace that
//! goes bad uses what could be read: [`Partial::error`] says what was lost.
//! Which part counts follows Go: the profiles and the MMU use the events up
//! to the last complete generation (Go truncates its event list at the
//! last Sync event), the goroutine statistics use every event read (Go's
//! summarizer sees them all). Only a trace that yields nothing usable (a
//! bad header, or no event before the error) is an `Err`.

pub mod chrome;
pub mod goroutines;
pub mod mmu;
pub mod pprof;
pub mod summary;
pub mod timeline;

mod gostats;

use std::io::Read;

use crate::batch::{Batch, Interest};
use crate::error::Error;
use crate::event::{Event, EventKind};
use crate::reader::{Reader, ReadingAhead};

pub use goroutines::{
    GoroutineAnalyzer, GoroutineGroup, GoroutineStats, GoroutineTable, GroupSort,
    goroutine_summary, sort_groups,
};
pub use mmu::{MmuAnalyzer, MmuPoint, UtilFlags, mmu};
pub use pprof::{
    PprofAnalyzer, PprofFilter, PprofKind, PprofProfiles, pprof_filtered, pprof_profile,
    pprof_profiles,
};
pub use summary::{Summary, SummaryAnalyzer, SummaryOptions, summary, write_text};

/// The result of an analysis and, for a damaged trace, what went wrong
/// after the part that was used.
#[derive(Debug)]
pub struct Partial<T> {
    /// The analysis of everything that could be read.
    pub value: T,
    /// The reader's error, if the trace did not end cleanly (typically an
    /// [`Error::Lost`] saying how much of the file was lost).
    pub error: Option<Error>,
}

impl<T> Partial<T> {
    /// The value if the trace was read to its end, else the error.
    pub fn into_result(self) -> Result<T, Error> {
        match self.error {
            None => Ok(self.value),
            Some(e) => Err(e),
        }
    }

    /// Applies `f` to the value, keeping the error.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Partial<U> {
        Partial {
            value: f(self.value),
            error: self.error,
        }
    }
}

/// Feeds every event of `reader` to `f`, for callers that run several
/// analyses over one pass (the web UI). Returns the reader's error, as
/// the analyses do: `Err` when it failed before a single event, else
/// `Ok` with the error of a trace that ended badly.
pub fn for_each_event<R: Read + Send>(
    reader: &mut Reader<R>,
    f: impl FnMut(&Event),
) -> Result<Option<Error>, Error> {
    drive(reader, f)
}

/// Feeds every event of `reader` to `f`. Returns the reader's error, if
/// any: `Err` when the reader failed before yielding a single event (Go's
/// "failed to parse any useful part of the trace"), else `Ok` with the
/// error of a trace that ended badly.
///
/// With more than one core, reading (decoding and Go's ordering, about
/// three quarters of the work) runs on a thread of its own and hands the
/// events over in batches (see `crate::batch`: the events are bare, each
/// run of them lent its table), so that the analysis overlaps it. The
/// batches go back to the reading thread to be reused. A third thread
/// reads the generations (Go 1.26 format and later) one ahead of the
/// ordering (`ReadingAhead`).
pub(crate) fn drive<R: Read + Send>(
    reader: &mut Reader<R>,
    f: impl FnMut(&Event),
) -> Result<Option<Error>, Error> {
    drive_only(reader, Interest::ALL, f)
}

/// [`drive`] for an analysis that looks only at events of `kinds` (and
/// Sync events): the others are checked and dropped before it sees them.
pub(crate) fn drive_kinds<R: Read + Send>(
    reader: &mut Reader<R>,
    kinds: &[EventKind],
    f: impl FnMut(&Event),
) -> Result<Option<Error>, Error> {
    drive_only(reader, Interest::kinds(kinds), f)
}

/// [`drive`], handing `f` only the events `interest` wants.
///
/// The analysing thread also runs Go's delivery checks on each batch
/// ([`Batch::for_each_checked`]) as it analyses it: they are a fifth of
/// the reading, which is the slower side of the two.
fn drive_only<R: Read + Send>(
    reader: &mut Reader<R>,
    interest: Interest,
    mut f: impl FnMut(&Event),
) -> Result<Option<Error>, Error> {
    use std::sync::mpsc;
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return drive_serial(reader, f);
    }
    // Four batches ahead: the reading is the slower side here, a longer
    // queue only holds more memory (the web UI's index pass runs here).
    let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(4);
    let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
    std::thread::scope(|s| {
        let producer = spawn_reading(s, reader, empty_rx, full_tx);
        let mut last_ts = 0;
        let mut bad = None;
        while let Ok(mut buf) = full_rx.recv() {
            if let Err(e) = buf.for_each_checked(&mut last_ts, interest, &mut f) {
                bad = Some(e);
                break;
            }
            // The reader may have finished; then the batch drops here.
            let _ = empty_tx.send(buf);
        }
        // After a bad event, the reader (ahead of it) stops at its next
        // batch; what it says then comes later in the trace.
        drop(full_rx);
        let read = match producer.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        };
        match bad {
            // The trace's first event is a Sync event, which has no IDs
            // to check: a bad event always comes after some.
            Some(e) => Ok(Some(e)),
            None => read,
        }
    })
}

/// Events per batch handed from the reading thread to the analyses.
const BATCH: usize = 4096;

/// Starts the reading thread of [`drive_only`] and [`drive_split`] in
/// `scope`: it fills batches ([`produce`]) with Go's delivery checks left
/// to the thread that takes them ([`Batch::for_each_checked`]), sends
/// them to `full` and reuses those that come back on `empty`, while the
/// generations are read ahead on a third thread.
fn spawn_reading<'scope, 'env, R: Read + Send>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    reader: &'scope mut Reader<R>,
    empty: std::sync::mpsc::Receiver<Batch>,
    full: std::sync::mpsc::SyncSender<Batch>,
) -> std::thread::ScopedJoinHandle<'scope, Result<Option<Error>, Error>> {
    reader.check_later(true);
    let reader = ReadingAhead::new(reader, scope);
    scope.spawn(move || {
        // The whole guard moves here (not only the reader in it), so that
        // the read-ahead thread ends when this one does.
        let reader = reader;
        let r = produce(reader.0, &empty, |buf| full.send(buf).is_ok());
        reader.0.check_later(false);
        r
    })
}

/// The reading thread of [`drive`] and [`drive_split`]: fills batches
/// (reusing those that come back on `empty`) and gives each to `send`
/// until the trace ends, or until `send` says the analyses are gone
/// (one panicked, or found a bad event: what they say is what the caller
/// will see). Returns what [`drive`] returns.
fn produce<R: Read>(
    reader: &mut Reader<R>,
    empty: &std::sync::mpsc::Receiver<Batch>,
    mut send: impl FnMut(Batch) -> bool,
) -> Result<Option<Error>, Error> {
    let mut any = false;
    loop {
        let mut buf = empty.try_recv().unwrap_or_default();
        buf.clear();
        let end = match reader.read_into(&mut buf, BATCH) {
            Ok(true) => None,
            Ok(false) => Some(Ok(None)),
            Err(e) if any || !buf.is_empty() => Some(Ok(Some(e))),
            Err(e) => Some(Err(e)),
        };
        if !buf.is_empty() {
            any = true;
            if !send(buf) {
                return Ok(None);
            }
        }
        if let Some(end) = end {
            return end;
        }
    }
}

/// [`drive`] for two analyses that share nothing: `main` runs on the
/// calling thread, `side` on a thread of its own, both seeing every event
/// in order, while a third thread reads. For an analysis that is slower
/// than the reading (the summary runs three), this spreads it over the
/// cores instead of leaving the reader waiting for it.
///
/// The batches go round a pipeline: the reader fills one, `main` checks
/// it (Go's delivery checks, as [`drive`] does) while analysing it, in
/// one pass, then hands it to `side`, which gives it back to the reader.
/// `side` sees each batch after `main`, and so only checked events.
pub(crate) fn drive_split<R: Read + Send>(
    reader: &mut Reader<R>,
    mut side: impl FnMut(&Event) + Send,
    mut main: impl FnMut(&Event),
) -> Result<Option<Error>, Error> {
    use std::sync::mpsc;
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return drive_serial(reader, |ev| {
            side(ev);
            main(ev);
        });
    }
    // Sixteen batches between each two stages: the analyses together are
    // slower than the reading, and with three threads on two cores a
    // short queue left a core idle whenever one stage waited (4 batches:
    // the summary of the dense bench trace 14% slower).
    let (main_tx, main_rx) = mpsc::sync_channel::<Batch>(16);
    let (side_tx, side_rx) = mpsc::sync_channel::<Batch>(16);
    let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
    std::thread::scope(|s| {
        let producer = spawn_reading(s, reader, empty_rx, main_tx);
        let side_thread = s.spawn(move || {
            for buf in side_rx {
                buf.for_each(&mut side);
                let _ = empty_tx.send(buf);
            }
        });
        let mut last_ts = 0;
        let mut bad = None;
        while let Ok(mut buf) = main_rx.recv() {
            let mut seen = 0;
            let checked = buf.for_each_checked(&mut last_ts, Interest::ALL, |ev| {
                seen += 1;
                main(ev)
            });
            if let Err(e) = checked {
                // `side` sees what `main` saw: the events before the bad one.
                buf.truncate(seen);
                let _ = side_tx.send(buf);
                bad = Some(e);
                break;
            }
            if side_tx.send(buf).is_err() {
                break;
            }
        }
        drop(main_rx);
        drop(side_tx);
        if let Err(p) = side_thread.join() {
            std::panic::resume_unwind(p);
        }
        let read = match producer.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        };
        match bad {
            Some(e) => Ok(Some(e)),
            None => read,
        }
    })
}

/// [`drive`] on the calling thread alone.
fn drive_serial<R: Read>(
    reader: &mut Reader<R>,
    mut f: impl FnMut(&Event),
) -> Result<Option<Error>, Error> {
    let mut any = false;
    loop {
        match reader.next_event() {
            Ok(Some(ev)) => {
                any = true;
                f(&ev);
            }
            Ok(None) => return Ok(None),
            Err(e) if any => return Ok(Some(e)),
            Err(e) => return Err(e),
        }
    }
}
/// A duration in nanoseconds for the terminal: `0`, `850ns`, `12.5µs`,
/// `3.25ms`, `1.5s`, with three significant digits.
pub fn fmt_dur(ns: i64) -> String {
    if ns == 0 {
        return "0".to_string();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs() as f64;
    let (v, unit) = if a < 1e3 {
        return format!("{sign}{}ns", ns.unsigned_abs());
    } else if a < 1e6 {
        (a / 1e3, "µs")
    } else if a < 1e9 {
        (a / 1e6, "ms")
    } else {
        (a / 1e9, "s")
    };
    let s = if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    format!("{sign}{s}{unit}")
}
