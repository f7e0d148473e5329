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

/// Starts the reading thread of [`drive_only`] in
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

/// The reading thread of [`drive`]: fills batches
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
        let end = read_batch(reader, &mut buf, &mut any);
        if !buf.is_empty() && !send(buf) {
            return Ok(None);
        }
        if let Some(end) = end {
            return end;
        }
    }
}

/// Fills `buf` (emptied first) with the next batch of `reader`'s events.
/// `None` while the trace goes on, else what the pass returns: a read
/// error is a partial result once any event was read (`any`, which
/// this updates), the pass's failure before that.
fn read_batch<R: Read>(
    reader: &mut Reader<R>,
    buf: &mut Batch,
    any: &mut bool,
) -> Option<Result<Option<Error>, Error>> {
    buf.clear();
    let end = match reader.read_into(buf, BATCH) {
        Ok(true) => None,
        Ok(false) => Some(Ok(None)),
        Err(e) if *any || !buf.is_empty() => Some(Ok(Some(e))),
        Err(e) => Some(Err(e)),
    };
    *any |= !buf.is_empty();
    end
}

/// [`drive`] for two analyses that share nothing: `main` and `side` both
/// see every event in order, `side` each batch after `main`, and so only
/// checked events (`main` runs Go's delivery checks, as [`drive`] does,
/// while analysing).
///
/// Reading, `main` and `side` are three stages of a pipeline of batches,
/// each sequential, together slower than reading alone (the summary runs
/// three analyses). They are not three threads: on two cores, three busy
/// threads left a core idle an eighth of the time, whenever the
/// scheduler had put the two stages that could run on one core and the
/// third was waiting. Instead, one worker per core (up to three, one
/// per stage) takes whichever stage has work and is not being run by
/// another worker ([`Pipeline`]); one more thread reads the generations
/// ahead, as for [`drive`].
pub(crate) fn drive_split<R: Read + Send>(
    reader: &mut Reader<R>,
    mut side: impl FnMut(&Event) + Send,
    mut main: impl FnMut(&Event) + Send,
) -> Result<Option<Error>, Error> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(3));
    if workers < 2 {
        return drive_serial(reader, |ev| {
            side(ev);
            main(ev);
        });
    }
    reader.check_later(true);
    let r = std::thread::scope(|s| {
        let ahead = ReadingAhead::new(&mut *reader, s);
        let pipe = Pipeline {
            shared: std::sync::Mutex::new(Shared::default()),
            wake: std::sync::Condvar::new(),
            reader: std::sync::Mutex::new(ReadStage {
                reader: ahead,
                any: false,
            }),
            main: std::sync::Mutex::new(MainStage {
                f: &mut main,
                last_ts: 0,
            }),
            side: std::sync::Mutex::new(&mut side),
        };
        // A scope of its own for the other workers, which borrow `pipe`
        // (the read-ahead thread belongs to the outer one).
        std::thread::scope(|w| {
            let others: Vec<_> = (1..workers).map(|_| w.spawn(|| pipe.work())).collect();
            let here = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pipe.work()));
            let there: Vec<_> = others.into_iter().map(|t| t.join()).collect();
            if let Err(p) = here {
                std::panic::resume_unwind(p);
            }
            for t in there {
                if let Err(p) = t {
                    std::panic::resume_unwind(p);
                }
            }
        });
        let shared = pipe.shared.into_inner().unwrap_or_else(|e| e.into_inner());
        match shared.bad {
            // The trace's first event is a Sync event, which has no IDs
            // to check: a bad event always comes after some.
            Some(e) => Ok(Some(e)),
            None => shared.read.unwrap_or(Ok(None)),
        }
    });
    reader.check_later(false);
    r
}

/// The batches queued between the stages of [`drive_split`], the
/// stages being run, and how the pipeline ended.
#[derive(Default)]
struct Shared {
    /// Read, for `main`.
    to_main: std::collections::VecDeque<Batch>,
    /// Analysed by `main`, for `side`.
    to_side: std::collections::VecDeque<Batch>,
    /// Done with, for the reader to fill again.
    free: Vec<Batch>,
    /// Which stages a worker is running: [`READ`], [`MAIN`], [`SIDE`].
    busy: [bool; 3],
    /// What reading ended with (as [`drive`] returns it), once it has.
    read: Option<Result<Option<Error>, Error>>,
    /// The bad event `main` found: nothing more is read or analysed by
    /// `main` (`side` still takes what `main` saw).
    bad: Option<Error>,
    /// A stage panicked: every worker stops.
    panicked: bool,
}

const READ: usize = 0;
const MAIN: usize = 1;
const SIDE: usize = 2;

/// Batches queued between two stages at most: enough for one stage to
/// run ahead of the next while the other worker is busy elsewhere.
const QUEUED: usize = 16;

/// A stage's piece of work, taken under the lock.
enum Task {
    Read(Batch),
    Main(Batch),
    Side(Batch),
}

struct ReadStage<'a, R: Read> {
    reader: ReadingAhead<'a, R>,
    /// Whether any event was read (an error before one fails the pass).
    any: bool,
}

struct MainStage<F> {
    f: F,
    /// The time of the last event checked.
    last_ts: crate::table::Time,
}

/// [`drive_split`]'s stages and queues, shared by its workers.
struct Pipeline<'a, R: Read, M, S> {
    shared: std::sync::Mutex<Shared>,
    /// Signalled whenever a stage finishes a piece of work.
    wake: std::sync::Condvar,
    // Each stage is run by one worker at a time (`Shared::busy`): these
    // locks are never contended, they only hand the stage over.
    reader: std::sync::Mutex<ReadStage<'a, R>>,
    main: std::sync::Mutex<MainStage<M>>,
    side: std::sync::Mutex<S>,
}

impl<R: Read, M: FnMut(&Event), S: FnMut(&Event)> Pipeline<'_, R, M, S> {
    /// A worker: runs stages until the pass is over.
    fn work(&self) {
        let mut sh = lock(&self.shared);
        loop {
            if sh.panicked {
                return;
            }
            let Some(task) = Self::pick(&mut sh) else {
                if sh.busy == [false; 3] {
                    // Nothing to run and nobody running anything that
                    // would make more: the pass is over.
                    return;
                }
                sh = self.wake.wait(sh).unwrap_or_else(|e| e.into_inner());
                continue;
            };
            drop(sh);
            let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(task)));
            sh = lock(&self.shared);
            match done {
                Ok(done) => Self::finish(&mut sh, done),
                Err(p) => {
                    sh.panicked = true;
                    drop(sh);
                    self.wake.notify_all();
                    std::panic::resume_unwind(p);
                }
            }
            self.wake.notify_all();
        }
    }

    /// The next piece of work for a free worker, if any. Downstream
    /// stages first, so that batches go back to the reader soon, unless
    /// `main` is about to run out of them.
    fn pick(sh: &mut Shared) -> Option<Task> {
        let can_read =
            !sh.busy[READ] && sh.read.is_none() && sh.bad.is_none() && sh.to_main.len() < QUEUED;
        if can_read && sh.to_main.len() < 2 {
            return Some(Self::take_read(sh));
        }
        if !sh.busy[SIDE]
            && let Some(b) = sh.to_side.pop_front()
        {
            sh.busy[SIDE] = true;
            return Some(Task::Side(b));
        }
        if !sh.busy[MAIN]
            && sh.to_side.len() < QUEUED
            && let Some(b) = sh.to_main.pop_front()
        {
            sh.busy[MAIN] = true;
            return Some(Task::Main(b));
        }
        can_read.then(|| Self::take_read(sh))
    }

    fn take_read(sh: &mut Shared) -> Task {
        sh.busy[READ] = true;
        Task::Read(sh.free.pop().unwrap_or_default())
    }

    /// Runs `task` (no lock held but its stage's).
    fn run(&self, task: Task) -> Done {
        match task {
            Task::Read(mut buf) => {
                let mut st = lock(&self.reader);
                let ReadStage { reader, any } = &mut *st;
                let end = read_batch(reader.0, &mut buf, any);
                Done::Read(buf, end)
            }
            Task::Main(mut buf) => {
                let mut st = lock(&self.main);
                let MainStage { f, last_ts } = &mut *st;
                let mut seen = 0;
                let checked = buf.for_each_checked(last_ts, Interest::ALL, |ev| {
                    seen += 1;
                    f(ev)
                });
                if checked.is_err() {
                    // `side` sees what `main` saw: the events before the bad one.
                    buf.truncate(seen);
                }
                Done::Main(buf, checked.err())
            }
            Task::Side(buf) => {
                buf.for_each(&mut *lock(&self.side));
                Done::Side(buf)
            }
        }
    }

    /// Queues what a stage made and frees the stage.
    fn finish(sh: &mut Shared, done: Done) {
        match done {
            Done::Read(buf, end) => {
                sh.busy[READ] = false;
                if !buf.is_empty() && sh.bad.is_none() {
                    sh.to_main.push_back(buf);
                } else {
                    sh.free.push(buf);
                }
                if end.is_some() {
                    sh.read = end;
                }
            }
            Done::Main(buf, bad) => {
                sh.busy[MAIN] = false;
                sh.to_side.push_back(buf);
                if let Some(e) = bad {
                    sh.bad = Some(e);
                    // After a bad event, `main` analyses nothing more.
                    let Shared { to_main, free, .. } = sh;
                    free.extend(to_main.drain(..));
                }
            }
            Done::Side(buf) => {
                sh.busy[SIDE] = false;
                sh.free.push(buf);
            }
        }
    }
}

/// What a [`Task`] leaves for the next stage.
enum Done {
    Read(Batch, Option<Result<Option<Error>, Error>>),
    Main(Batch, Option<Error>),
    Side(Batch),
}

/// Locks `m`; a poisoned lock is taken as is (a panicking stage stops
/// the pipeline before anything reads what it left).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    fn trace(name: &str) -> Vec<u8> {
        rprof_testkit::read(rprof_testkit::fixture(&format!("traces/{name}")))
    }

    /// Runs `f` on a thread and waits for it a bounded time: a pipeline
    /// that stalls fails the test instead of hanging the suite.
    fn bounded<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> std::thread::Result<T> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
        });
        rx.recv_timeout(Duration::from_secs(120))
            .expect("the pass did not end within two minutes")
    }

    /// Both stages of the split pass see every event, in the order and
    /// with the times of the one-thread reader (several batches: the two
    /// traces have 10 to 30 of them).
    #[test]
    fn split_pass_sees_what_the_serial_reader_delivers() {
        for name in ["gc-stress.trace", "stress.trace"] {
            let bytes = trace(name);
            let mut serial = Vec::new();
            let end = drive_serial(&mut Reader::new(&bytes[..]).unwrap(), |ev| {
                serial.push(ev.to_string())
            });
            assert!(matches!(end, Ok(None)), "{name}: {end:?}");
            assert!(serial.len() > 4 * BATCH, "{name}: {} events", serial.len());
            let (main, side) = bounded(move || {
                let (mut main, mut side) = (Vec::new(), Vec::new());
                let end = drive_split(
                    &mut Reader::new(&bytes[..]).unwrap(),
                    |ev| side.push(ev.to_string()),
                    |ev| main.push(ev.to_string()),
                );
                assert!(matches!(end, Ok(None)), "{end:?}");
                (main, side)
            })
            .unwrap();
            assert!(main == serial, "{name}: main stage");
            assert!(side == serial, "{name}: side stage");
        }
    }

    /// A stage that panics ends the pass with its panic, whichever worker
    /// ran it, instead of leaving the other worker waiting for it.
    #[test]
    fn a_panicking_stage_ends_the_pass() {
        for panicking_side in [false, true] {
            let bytes = trace("stress.trace");
            let r = bounded(move || {
                let mut n = 0;
                let count = move |_: &Event| {
                    n += 1;
                    if n == 3 * BATCH + 10 {
                        panic!("analysis failed");
                    }
                };
                let mut reader = Reader::new(&bytes[..]).unwrap();
                if panicking_side {
                    drive_split(&mut reader, count, |_| {})
                } else {
                    drive_split(&mut reader, |_| {}, count)
                }
            });
            let p = r.expect_err("the pass went on past a panicking stage");
            assert_eq!(p.downcast_ref::<&str>(), Some(&"analysis failed"));
        }
    }
}
