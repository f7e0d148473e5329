//! The one pass that builds the index: Go's trace-viewer generators
//! (`cmd/trace/procgen.go`, `threadgen.go`, `gstate.go`, `gen.go` of Go
//! 1.27), run side by side for the proc and the thread view, writing
//! items to tracks instead of JSON events.
//!
//! Kept as Go draws it:
//! - **proc view**: a goroutine's slice on its P runs from its transition
//!   into Running until it stops running, or until its P is taken while
//!   it is in a syscall; syscalls, goroutine ranges (mark assist,
//!   stop-the-world) and proc ranges (incremental sweep) are sub-slices of
//!   the P's row; a goroutine found running in the first generation is
//!   back-dated to the start of the trace;
//! - **thread view**: a slice runs while the goroutine executes (running
//!   or in a syscall) on the thread;
//! - flow arrows: each slice records what let the goroutine run (the
//!   unblock, the `go` statement, the exit from a blocking syscall);
//! - counters: heap (allocated, goal), goroutines (running, runnable,
//!   waiting on a GC assist), threads (running Ps).
//!
//! Where Go's viewer loses something, the index keeps it: a syscall's
//! slice stays on the thread it began on (Go's thread view draws a
//! blocked syscall on the next thread the goroutine stops on), arrows
//! from P 0 are kept (Go drops causes whose resource ID is 0), the count
//! of goroutines in syscalls is recorded (Go's is always 0), and the GC
//! mark phases and stop-the-world pauses get tracks of their own besides
//! the sub-slices on the rows.
//!
//! Memory: the state of live goroutines, Ps, threads, open ranges, tasks
//! and regions, the interned strings and stacks, and the tracks'
//! directories; the records themselves go to the spill file as soon as
//! [`PENDING_BUDGET`] bytes of them wait.

use std::collections::BTreeMap;
use std::io;

use super::details::{Detail, Details, End, Kind};
use super::stacks::{Stacks, Strings};
use super::store::{List, Spill};
use super::track::{Item, Track};
use crate::event::{
    Event, EventKind, GoId, GoState, NO_GOROUTINE, NO_PROC, NO_THREAD, ProcId, ResourceId, TaskId,
};
use crate::fxhash::FxHashMap;

/// Encoded records waiting in memory before all lists are flushed.
pub(crate) const PENDING_BUDGET: usize = 1 << 20;

/// `Item::a` of an item with no detail record.
pub(crate) const NO_DETAIL: u64 = u64::MAX;

/// The proc view and the thread view.
pub(crate) const PROC: usize = 0;
pub(crate) const THREAD: usize = 1;

/// Sub-lanes of a row.
pub(crate) const SUB_SYSCALL: usize = 0;
pub(crate) const SUB_SWEEP: usize = 1;
pub(crate) const SUB_ASSIST: usize = 2;
pub(crate) const SUB_STW: usize = 3;
pub(crate) const SUB_OTHER: usize = 4;
pub(crate) const NSUB: usize = 5;
/// Their names in the JSON.
pub(crate) const SUB_NAMES: [&str; NSUB] = [
    "syscalls",
    "sweep",
    "mark assist",
    "stop-the-world",
    "ranges",
];

/// Buckets of the per-goroutine lists (goroutine ID modulo this).
pub(crate) const GBUCKETS: usize = 256;

/// The counter series, in `Builder::counters` order.
pub(crate) const COUNTERS: [&str; 7] = [
    "heap_alloc",
    "heap_goal",
    "goroutines_running",
    "goroutines_runnable",
    "goroutines_gc_waiting",
    "threads_running",
    "threads_in_syscall",
];
const C_HEAP: usize = 0;
const C_GOAL: usize = 1;
const C_GRUNNING: usize = 2;
const C_THREADS: usize = 5;
const C_SYSCALL: usize = 6;

/// Lanes of tasks or regions beyond this share the last one.
pub(crate) const MAX_LANES: usize = 64;

/// A row of the proc or thread view: goroutine slices and sub-lanes.
#[derive(Default)]
pub(crate) struct Row {
    pub(crate) main: Track,
    pub(crate) sub: [Option<Box<Track>>; NSUB],
}

impl Row {
    fn flush(&mut self, sp: &mut Spill) -> io::Result<()> {
        self.main.flush(sp)?;
        for s in self.sub.iter_mut().flatten() {
            s.flush(sp)?;
        }
        Ok(())
    }

    fn seal(&mut self, sp: &mut Spill) -> io::Result<()> {
        self.main.seal(sp)?;
        for s in self.sub.iter_mut().flatten() {
            s.seal(sp)?;
        }
        Ok(())
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.main.heap_bytes()
            + self
                .sub
                .iter()
                .flatten()
                .map(|s| s.heap_bytes())
                .sum::<usize>()
    }
}

/// Packed lanes for overlapping spans (tasks, regions): each span takes
/// the lowest lane free at its start, so a lane's spans never overlap.
#[derive(Default)]
pub(crate) struct Lanes {
    pub(crate) tracks: Vec<Track>,
    busy: Vec<bool>,
}

impl Lanes {
    fn take(&mut self) -> usize {
        if let Some(i) = self.busy.iter().position(|b| !b) {
            self.busy[i] = true;
            return i;
        }
        self.fresh()
    }

    /// A lane never used before (for a span found late to have begun
    /// before the trace).
    fn fresh(&mut self) -> usize {
        if self.tracks.len() >= MAX_LANES {
            return MAX_LANES - 1;
        }
        self.tracks.push(Track::default());
        self.busy.push(true);
        self.tracks.len() - 1
    }

    fn release(&mut self, lane: usize) {
        if let Some(b) = self.busy.get_mut(lane) {
            *b = false;
        }
    }
}

/// Per type of task or group of regions: what Go's `/usertasks` and
/// `/userregions` show.
pub(crate) struct TypeStats {
    pub(crate) name: u32,
    /// The region's group frame (Go's fingerprint: the last frame of the
    /// region's start stack), as a stack of one frame; 0 for tasks.
    pub(crate) frame_stack: u32,
    pub(crate) count: u64,
    pub(crate) complete: u64,
    /// Go's `TimeHistogram` buckets (5 per decade of ns).
    pub(crate) hist: Vec<u64>,
    /// Instances: `id` the task (regions: the goroutine), `a` the detail,
    /// `b` 1 if complete, plus twice one more than the goroutine that
    /// began the task (regions: than the region's task).
    pub(crate) instances: List<Item>,
}

impl TypeStats {
    fn new(name: u32, frame_stack: u32) -> Self {
        TypeStats {
            name,
            frame_stack,
            count: 0,
            complete: 0,
            hist: Vec::new(),
            instances: List::default(),
        }
    }

    fn add(&mut self, it: Item, complete: bool, in_hist: bool, sp: &mut Spill) -> io::Result<()> {
        self.count += 1;
        if complete {
            self.complete += 1;
        }
        if in_hist {
            let b = hist_bucket(it.dur());
            if self.hist.len() <= b {
                self.hist.resize(b + 1, 0);
            }
            self.hist[b] += 1;
        }
        self.instances.push(it, sp)
    }
}

/// Go's `TimeHistogram.Add` bucket: five per power of ten.
pub(crate) fn hist_bucket(d: i64) -> usize {
    if d <= 0 {
        return 0;
    }
    let log_div = 10f64.powf(1.0 / 5.0).ln();
    ((d as f64).ln() / log_div) as usize
}

/// Go's `TimeHistogram.BucketMin`.
pub(crate) fn hist_bucket_min(b: usize) -> i64 {
    let log_div = 10f64.powf(1.0 / 5.0).ln();
    (b as f64 * log_div).exp() as i64
}

#[derive(Debug, Clone, Copy)]
struct Cause {
    name: u32,
    time: i64,
    p: ProcId,
    m: i64,
    g: GoId,
    stack: u32,
}

#[derive(Debug, Clone, Copy)]
struct ActiveRange {
    name: u32,
    /// When the range's current sub-slice began (`None` while the
    /// goroutine is not executing).
    time: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
struct Syscall {
    time: i64,
    stack: u32,
    res: i64,
}

/// A goroutine as one view sees it (Go's `gState`).
#[derive(Debug, Default)]
struct ViewState {
    exec: Option<i64>,
    start: i64,
    /// Proc view: the thread it started on; thread view: the P.
    other: i64,
    syscall: Option<Syscall>,
    cause: Option<Cause>,
    cur_cause: Option<Cause>,
    last_stop_stack: u32,
    block_reason: u32,
    ranges: Vec<ActiveRange>,
    /// The last slice's and syscall's detail (proc view), for the thread
    /// view to share when its slice is the same: (ID, start, end, start
    /// stack, end stack or blocked).
    last_detail: Option<(u64, i64, i64, u32, u32)>,
    last_syscall: Option<(u64, i64, i64, u32, u32)>,
}

#[derive(Debug, Clone, Copy)]
struct OpenSpan {
    lane: usize,
    start: i64,
    name: u32,
    task: TaskId,
    parent: TaskId,
    g: GoId,
    stack: u32,
}

#[derive(Debug, Default)]
struct GState {
    func: u32,
    named: bool,
    label: u32,
    views: [ViewState; 2],
    regions: Vec<OpenSpan>,
}

/// The index being built (see the module doc).
pub(crate) struct Builder {
    pub(crate) sp: Spill,
    /// The window, ns since the first event.
    win: (i64, i64),
    pub(crate) t0: Option<i64>,
    pub(crate) last: i64,
    pub(crate) events: u64,
    pub(crate) syncs: u64,
    pub(crate) strings: Strings,
    pub(crate) stacks: Stacks,
    pub(crate) rows: [BTreeMap<i64, Row>; 2],
    pub(crate) gc: Track,
    pub(crate) stw: Track,
    pub(crate) tasks: Lanes,
    pub(crate) regions: Lanes,
    pub(crate) logs: Track,
    pub(crate) counters: Vec<Track>,
    counter_vals: Vec<i64>,
    /// Thread-view slices by goroutine bucket: `id` the goroutine, `a`
    /// the detail, `b` the name shown (start function and label).
    pub(crate) gexec: Vec<List<Item>>,
    /// Regions by goroutine bucket (as in the region lanes).
    pub(crate) gregions: Vec<List<Item>>,
    pub(crate) details: Details,
    gs: FxHashMap<GoId, GState>,
    in_syscall: FxHashMap<ProcId, GoId>,
    global_ranges: FxHashMap<u32, i64>,
    proc_ranges: FxHashMap<(u32, ProcId), i64>,
    stw_open: FxHashMap<GoId, (i64, u32)>,
    /// Go's viewer counts: running, runnable, waiting on a GC assist.
    gcounts: [i64; 3],
    open_tasks: FxHashMap<TaskId, OpenSpan>,
    pub(crate) task_types: BTreeMap<u32, TypeStats>,
    pub(crate) region_types: BTreeMap<(u32, u32), TypeStats>,
    /// Interned names used on every event.
    names: Names,
    unblock_names: FxHashMap<u32, u32>,
    shown_names: FxHashMap<(u32, u32), u32>,
}

struct Names {
    syscall: u32,
    go: u32,
    exit_blocked_syscall: u32,
    unblock: u32,
    mark_assist: u32,
    sweep: u32,
    mark_phase: u32,
}

/// The category (sub-lane) of a range.
fn sub_of(name: &str) -> usize {
    if name == "GC incremental sweep" {
        SUB_SWEEP
    } else if name == "GC mark assist" {
        SUB_ASSIST
    } else if name.starts_with("stop-the-world") {
        SUB_STW
    } else {
        SUB_OTHER
    }
}

/// Go's `viewerGState`, keeping the three states its counter shows.
fn viewer_state(s: GoState, in_assist: bool) -> Option<usize> {
    match s {
        GoState::Running | GoState::Syscall => Some(0),
        GoState::Runnable => Some(1),
        GoState::Waiting if in_assist => Some(2),
        _ => None,
    }
}

fn bucket(g: GoId) -> usize {
    g.rem_euclid(GBUCKETS as i64) as usize
}

impl Builder {
    /// A builder writing to `sp`, for the window `[start, end]` (ns since
    /// the first event; `None`: unbounded).
    pub(crate) fn new(sp: Spill, start: Option<i64>, end: Option<i64>) -> Self {
        let mut strings = Strings::default();
        let names = Names {
            syscall: strings.id("syscall"),
            go: strings.id("go"),
            exit_blocked_syscall: strings.id("exit blocked syscall"),
            unblock: strings.id("unblock"),
            mark_assist: strings.id("GC mark assist"),
            sweep: strings.id("GC incremental sweep"),
            mark_phase: strings.id("GC concurrent mark phase"),
        };
        Builder {
            sp,
            win: (start.unwrap_or(i64::MIN), end.unwrap_or(i64::MAX)),
            t0: None,
            last: 0,
            events: 0,
            syncs: 0,
            strings,
            stacks: Stacks::default(),
            rows: [BTreeMap::new(), BTreeMap::new()],
            gc: Track::default(),
            stw: Track::default(),
            tasks: Lanes::default(),
            regions: Lanes::default(),
            logs: Track::default(),
            counters: (0..COUNTERS.len()).map(|_| Track::default()).collect(),
            counter_vals: vec![i64::MIN; COUNTERS.len()],
            gexec: (0..GBUCKETS).map(|_| List::default()).collect(),
            gregions: (0..GBUCKETS).map(|_| List::default()).collect(),
            details: Details::default(),
            gs: FxHashMap::default(),
            in_syscall: FxHashMap::default(),
            global_ranges: FxHashMap::default(),
            proc_ranges: FxHashMap::default(),
            stw_open: FxHashMap::default(),
            gcounts: [0; 3],
            open_tasks: FxHashMap::default(),
            task_types: BTreeMap::new(),
            region_types: BTreeMap::new(),
            names,
            unblock_names: FxHashMap::default(),
            shown_names: FxHashMap::default(),
        }
    }

    /// The window's start (0 when unbounded: nothing precedes the first
    /// event).
    pub(crate) fn win_start(&self) -> i64 {
        self.win.0.max(0)
    }

    fn clip(&self, s: i64, e: i64) -> Option<(i64, i64)> {
        let e = e.max(s);
        if e < self.win.0 || s > self.win.1 {
            return None;
        }
        Some((s.max(self.win.0), e.min(self.win.1)))
    }

    fn stack(&mut self, st: crate::event::Stack<'_>) -> u32 {
        self.stacks.id(st, &mut self.strings)
    }

    /// Handles one event; `Ok(false)` once past the window's end.
    pub(crate) fn event(&mut self, ev: &Event) -> io::Result<bool> {
        let abs = ev.time();
        let t0 = *self.t0.get_or_insert(abs);
        let t = abs - t0;
        if t > self.win.1 {
            return Ok(false);
        }
        self.events += 1;
        self.last = self.last.max(t);
        match ev.kind() {
            EventKind::Sync => {
                self.syncs += 1;
                self.stacks.new_generation();
            }
            EventKind::Metric => {
                if let Some(m) = ev.metric() {
                    match m.name {
                        "/memory/classes/heap/objects:bytes" => {
                            self.counter(C_HEAP, t, m.value as i64)?
                        }
                        "/gc/heap/goal:bytes" => {
                            // Go's viewer drops absurd goals (golang/go#63864).
                            let v = if m.value > 1 << 50 { 0 } else { m.value as i64 };
                            self.counter(C_GOAL, t, v)?
                        }
                        _ => {}
                    }
                }
            }
            EventKind::Label => {
                if let Some(l) = ev.label()
                    && let ResourceId::Goroutine(g) = l.resource
                {
                    let id = self.strings.id(&l.label);
                    self.gs.entry(g).or_default().label = id;
                }
            }
            EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd => {
                self.range(ev, t)?
            }
            EventKind::StateTransition => self.transition(ev, t)?,
            EventKind::TaskBegin | EventKind::TaskEnd => self.task(ev, t)?,
            EventKind::RegionBegin | EventKind::RegionEnd => self.region(ev, t)?,
            EventKind::Log => self.log(ev, t)?,
            _ => {}
        }
        if self.sp.pending > PENDING_BUDGET {
            self.flush_all()?;
        }
        Ok(true)
    }

    /// Writes every list's pending records.
    fn flush_all(&mut self) -> io::Result<()> {
        let sp = &mut self.sp;
        for rows in &mut self.rows {
            for r in rows.values_mut() {
                r.flush(sp)?;
            }
        }
        for t in [&mut self.gc, &mut self.stw, &mut self.logs] {
            t.flush(sp)?;
        }
        for t in self
            .tasks
            .tracks
            .iter_mut()
            .chain(self.regions.tracks.iter_mut())
            .chain(self.counters.iter_mut())
        {
            t.flush(sp)?;
        }
        for l in self.gexec.iter_mut().chain(self.gregions.iter_mut()) {
            l.flush(sp)?;
        }
        for s in self
            .task_types
            .values_mut()
            .chain(self.region_types.values_mut())
        {
            s.instances.flush(sp)?;
        }
        Ok(())
    }

    fn counter(&mut self, c: usize, t: i64, v: i64) -> io::Result<()> {
        if self.counter_vals[c] == v {
            return Ok(());
        }
        self.counter_vals[c] = v;
        // A value set before the window holds at its start.
        let t = t.max(self.win_start());
        if t > self.win.1 {
            return Ok(());
        }
        self.counters[c].push(
            Item {
                start: t,
                end: t,
                id: v,
                a: 0,
                b: 0,
            },
            &mut self.sp,
        )
    }

    fn push_sub(&mut self, view: usize, res: i64, sub: usize, it: Item) -> io::Result<()> {
        let Some((s, e)) = self.clip(it.start, it.end) else {
            return Ok(());
        };
        let it = Item {
            start: s,
            end: e,
            ..it
        };
        let sp = &mut self.sp;
        let row = self.rows[view].entry(res).or_default();
        row.sub[sub]
            .get_or_insert_with(Default::default)
            .push(it, sp)
    }

    // ---- ranges ----

    fn range(&mut self, ev: &Event, t: i64) -> io::Result<()> {
        let Some(r) = ev.range() else { return Ok(()) };
        // The runtime's own range names, without a lookup.
        let name = match &*r.name {
            "GC incremental sweep" => self.names.sweep,
            "GC mark assist" => self.names.mark_assist,
            "GC concurrent mark phase" => self.names.mark_phase,
            n => self.strings.id(n),
        };
        let kind = ev.kind();
        let first_gen = self.syncs < 2;
        match r.scope {
            ResourceId::Goroutine(g) => {
                if r.name.starts_with("stop-the-world") {
                    match kind {
                        EventKind::RangeBegin => {
                            self.stw_open.insert(g, (t, name));
                        }
                        EventKind::RangeActive => {
                            if first_gen {
                                self.stw_open.entry(g).or_insert((0, name));
                            }
                        }
                        _ => {
                            let (s, _) = self.stw_open.remove(&g).unwrap_or((0, name));
                            if let Some((s, e)) = self.clip(s, t) {
                                let it = Item {
                                    start: s,
                                    end: e,
                                    id: g,
                                    a: NO_DETAIL,
                                    b: name.into(),
                                };
                                self.stw.push(it, &mut self.sp)?;
                            }
                        }
                    }
                }
                self.goroutine_range(g, kind, name, &r.name, t)?;
            }
            ResourceId::Proc(p) => match kind {
                EventKind::RangeBegin => {
                    self.proc_ranges.insert((name, p), t);
                }
                EventKind::RangeActive => {
                    if first_gen {
                        self.proc_ranges.insert((name, p), 0);
                    }
                }
                _ => {
                    let s = self.proc_ranges.remove(&(name, p)).unwrap_or(0);
                    let it = Item {
                        start: s,
                        end: t,
                        id: NO_GOROUTINE,
                        a: NO_DETAIL,
                        b: name.into(),
                    };
                    self.push_sub(PROC, p, sub_of(&r.name), it)?;
                }
            },
            ResourceId::None => match kind {
                EventKind::RangeBegin => {
                    self.global_ranges.insert(name, t);
                }
                EventKind::RangeActive => {
                    if first_gen {
                        self.global_ranges.insert(name, 0);
                    }
                }
                _ => {
                    let s = self.global_ranges.remove(&name).unwrap_or(0);
                    if r.name.contains("GC") {
                        self.push_gc(s, t, name)?;
                    }
                }
            },
            ResourceId::Thread(_) => {}
        }
        Ok(())
    }

    fn push_gc(&mut self, s: i64, e: i64, name: u32) -> io::Result<()> {
        if let Some((s, e)) = self.clip(s, e) {
            let it = Item {
                start: s,
                end: e,
                id: NO_GOROUTINE,
                a: NO_DETAIL,
                b: name.into(),
            };
            self.gc.push(it, &mut self.sp)?;
        }
        Ok(())
    }

    /// Go's `gState.rangeBegin/rangeActive/rangeEnd`, in both views.
    fn goroutine_range(
        &mut self,
        g: GoId,
        kind: EventKind,
        name: u32,
        name_str: &str,
        t: i64,
    ) -> io::Result<()> {
        let sub = sub_of(name_str);
        for v in [PROC, THREAD] {
            let gs = self.gs.entry(g).or_default();
            let vs = &mut gs.views[v];
            let slot = vs.ranges.iter().position(|r| r.name == name);
            match kind {
                EventKind::RangeBegin | EventKind::RangeActive => {
                    let r = if kind == EventKind::RangeBegin {
                        ActiveRange {
                            name,
                            time: vs.exec.map(|_| t),
                        }
                    } else {
                        ActiveRange {
                            name,
                            time: vs.exec.map(|_| vs.start),
                        }
                    };
                    match slot {
                        Some(i) => vs.ranges[i] = r,
                        None => vs.ranges.push(r),
                    }
                }
                _ => {
                    let r = slot.map(|i| vs.ranges.remove(i));
                    if let (Some(res), Some(ActiveRange { time: Some(s), .. })) = (vs.exec, r) {
                        let it = Item {
                            start: s,
                            end: t,
                            id: g,
                            a: NO_DETAIL,
                            b: name.into(),
                        };
                        self.push_sub(v, res, sub, it)?;
                    }
                }
            }
        }
        Ok(())
    }

    // ---- transitions ----

    fn transition(&mut self, ev: &Event, t: i64) -> io::Result<()> {
        let Some(st) = ev.state_transition() else {
            return Ok(());
        };
        match st.resource {
            ResourceId::Goroutine(g) => {
                let Some((from, to)) = st.goroutine() else {
                    return Ok(());
                };
                let named = self.gs.get(&g).is_some_and(|s| s.named);
                if !named && !st.stack.is_none() {
                    // Go's augmentName: the last frame of the first stack.
                    if let Some(f) = st.stack.frames().last() {
                        let func = self.strings.id(&f.func_name());
                        let gs = self.gs.entry(g).or_default();
                        gs.func = func;
                        gs.named = true;
                    }
                }
                if from == to {
                    return Ok(());
                }
                // Only a slice's end keeps the reason (most transitions
                // have none to look up).
                let reason = if from.executing() && !to.executing() {
                    self.strings.id(&st.reason)
                } else {
                    0
                };
                let stack = self.stack(ev.stack());
                self.counts(g, from, to, t)?;
                self.proc_view(ev, g, from, to, t, stack, reason)?;
                self.thread_view(ev, g, from, to, t, stack, reason)?;
                if to == GoState::NotExist
                    && let Some(mut gs) = self.gs.remove(&g)
                {
                    // Go's summary ends a goroutine's regions with it.
                    for r in std::mem::take(&mut gs.regions).into_iter().rev() {
                        self.close_region(r, t, stack, true)?;
                    }
                }
            }
            ResourceId::Proc(p) => {
                let Some((from, to)) = st.proc() else {
                    return Ok(());
                };
                if from == to {
                    return Ok(());
                }
                if to.executing() {
                    let s = if from == crate::event::ProcState::Undetermined {
                        0
                    } else {
                        t
                    };
                    let v = self.counter_vals[C_THREADS].max(0) + 1;
                    self.counter(C_THREADS, s, v)?;
                }
                if from.executing() {
                    let v = self.counter_vals[C_THREADS].max(0) - 1;
                    self.counter(C_THREADS, t, v)?;
                    // A goroutine in a syscall lost its P: its slice on the
                    // P ends here.
                    if let Some(g) = self.in_syscall.remove(&p) {
                        let stack = self.stack(ev.stack());
                        self.syscall_end(PROC, g, t, true)?;
                        self.stop(PROC, g, t, stack, End::SyscallLostP, 0)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The goroutine and syscall counters.
    fn counts(&mut self, g: GoId, from: GoState, to: GoState, t: i64) -> io::Result<()> {
        let assist = self.gs.get(&g).is_some_and(|s| {
            s.views[PROC]
                .ranges
                .iter()
                .any(|r| r.name == self.names.mark_assist)
        });
        let (a, b) = (viewer_state(from, assist), viewer_state(to, assist));
        if a != b {
            if let Some(a) = a {
                self.gcounts[a] -= 1;
            }
            if let Some(b) = b {
                self.gcounts[b] += 1;
            }
            for i in 0..3 {
                self.counter(C_GRUNNING + i, t, self.gcounts[i])?;
            }
        }
        if (from == GoState::Syscall) != (to == GoState::Syscall) {
            let d = if to == GoState::Syscall { 1 } else { -1 };
            let v = self.counter_vals[C_SYSCALL].max(0) + d;
            self.counter(C_SYSCALL, t, v)?;
        }
        Ok(())
    }

    /// Go's `procGenerator.GoroutineTransition`.
    #[allow(clippy::too_many_arguments)]
    fn proc_view(
        &mut self,
        ev: &Event,
        g: GoId,
        from: GoState,
        to: GoState,
        t: i64,
        stack: u32,
        reason: u32,
    ) -> io::Result<()> {
        let (p, m) = (ev.proc(), ev.thread());
        if from == GoState::Running && !to.executing() {
            let end = if to == GoState::Waiting {
                End::Waiting
            } else if to == GoState::NotExist {
                End::Exit
            } else {
                End::Runnable
            };
            self.stop(PROC, g, t, stack, end, reason)?;
        }
        if !from.executing() && to == GoState::Running {
            let s = if from == GoState::Undetermined { 0 } else { t };
            self.start(PROC, g, s, p, m);
        }
        self.causes(PROC, ev, g, from, to, t, stack);
        if to == GoState::Syscall && p != NO_PROC {
            let s = if from == GoState::Undetermined { 0 } else { t };
            self.syscall_begin(PROC, g, s, p, m, stack);
            self.in_syscall.insert(p, g);
        }
        if from == GoState::Syscall && self.in_syscall.contains_key(&p) {
            self.syscall_end(PROC, g, t, false)?;
            self.in_syscall.remove(&p);
        }
        Ok(())
    }

    /// Go's `threadGenerator.GoroutineTransition`.
    #[allow(clippy::too_many_arguments)]
    fn thread_view(
        &mut self,
        ev: &Event,
        g: GoId,
        from: GoState,
        to: GoState,
        t: i64,
        stack: u32,
        reason: u32,
    ) -> io::Result<()> {
        let (p, m) = (ev.proc(), ev.thread());
        if from == GoState::Syscall {
            // Before the stop, so that the syscall stays within its slice.
            self.syscall_end(THREAD, g, t, to != GoState::Running)?;
        }
        if from.executing() && !to.executing() {
            let end = match to {
                GoState::Waiting => End::Waiting,
                GoState::NotExist => End::Exit,
                _ if from == GoState::Syscall => End::SyscallBlocked,
                _ => End::Runnable,
            };
            self.stop(THREAD, g, t, stack, end, reason)?;
        }
        if !from.executing() && to.executing() {
            let s = if from == GoState::Undetermined { 0 } else { t };
            self.start(THREAD, g, s, m, p);
        }
        self.causes(THREAD, ev, g, from, to, t, stack);
        if to == GoState::Syscall {
            let s = if from == GoState::Undetermined { 0 } else { t };
            self.syscall_begin(THREAD, g, s, m, p, stack);
        }
        Ok(())
    }

    /// Go's `unblock`, `created` and `blockedSyscallEnd`: what will let
    /// the goroutine start, for the flow arrow to its next slice.
    #[allow(clippy::too_many_arguments)]
    fn causes(
        &mut self,
        view: usize,
        ev: &Event,
        g: GoId,
        from: GoState,
        to: GoState,
        t: i64,
        stack: u32,
    ) {
        let name = if from == GoState::Waiting {
            let br = std::mem::take(&mut self.gs.entry(g).or_default().views[view].block_reason);
            Some(self.unblock_name(br))
        } else if from == GoState::NotExist && to == GoState::Runnable {
            Some(self.names.go)
        } else if from == GoState::Syscall && to != GoState::Running {
            Some(self.names.exit_blocked_syscall)
        } else {
            None
        };
        if let Some(name) = name {
            self.gs.entry(g).or_default().views[view].cause = Some(Cause {
                name,
                time: t,
                p: ev.proc(),
                m: ev.thread(),
                g: ev.goroutine(),
                stack,
            });
        }
    }

    /// What Go's viewer names a goroutine's slices after `G<id> `: its
    /// start function, then its label in parentheses (Go's `gState.name`).
    fn shown_name(&mut self, func: u32, label: u32) -> u32 {
        if label == 0 {
            return func;
        }
        if let Some(&n) = self.shown_names.get(&(func, label)) {
            return n;
        }
        let f = self.strings.get(func);
        let l = self.strings.get(label);
        let s = if f.is_empty() {
            format!("({l})")
        } else {
            format!("{f} ({l})")
        };
        let n = self.strings.id(&s);
        self.shown_names.insert((func, label), n);
        n
    }

    /// `unblock (REASON)`, interned once per reason.
    fn unblock_name(&mut self, reason: u32) -> u32 {
        if reason == 0 {
            return self.names.unblock;
        }
        if let Some(&n) = self.unblock_names.get(&reason) {
            return n;
        }
        let s = format!("unblock ({})", self.strings.get(reason));
        let n = self.strings.id(&s);
        self.unblock_names.insert(reason, n);
        n
    }

    fn start(&mut self, view: usize, g: GoId, ts: i64, res: i64, other: i64) {
        let vs = &mut self.gs.entry(g).or_default().views[view];
        for r in &mut vs.ranges {
            r.time = Some(ts);
        }
        vs.cur_cause = vs.cause.take();
        vs.exec = Some(res);
        vs.start = ts;
        vs.other = other;
    }

    fn syscall_begin(&mut self, view: usize, g: GoId, ts: i64, res: i64, other: i64, stack: u32) {
        let vs = &mut self.gs.entry(g).or_default().views[view];
        vs.syscall = Some(Syscall {
            time: ts,
            stack,
            res,
        });
        if vs.exec.is_none() {
            vs.exec = Some(res);
            vs.start = ts;
            vs.other = other;
        }
    }

    fn syscall_end(&mut self, view: usize, g: GoId, t: i64, blocked: bool) -> io::Result<()> {
        let Some(gs) = self.gs.get_mut(&g) else {
            return Ok(());
        };
        let Some(sc) = gs.views[view].syscall.take() else {
            return Ok(());
        };
        let other = gs.views[view].other;
        let Some((s, e)) = self.clip(sc.time, t) else {
            return Ok(());
        };
        let (p, m) = if view == PROC {
            (sc.res, other)
        } else {
            (other, sc.res)
        };
        let d = Detail {
            kind: Kind::Syscall,
            g,
            p,
            m,
            start: s,
            end: e,
            name: self.names.syscall,
            start_stack: sc.stack,
            x: i64::from(blocked),
            ..Detail::default()
        };
        let key = (s, e, sc.stack, u32::from(blocked));
        let id = self.shared_detail(view, g, &d, key, true)?;
        let it = Item {
            start: s,
            end: e,
            id: g,
            a: id,
            b: self.names.syscall.into(),
        };
        self.push_sub(view, sc.res, SUB_SYSCALL, it)
    }

    /// Stores `d`, unless it is the thread view's copy of the proc view's
    /// last slice (or syscall) of `g`: most executions begin and end at
    /// the same events in both views, and then share their record.
    fn shared_detail(
        &mut self,
        view: usize,
        g: GoId,
        d: &Detail,
        key: (i64, i64, u32, u32),
        syscall: bool,
    ) -> io::Result<u64> {
        let pv = self.gs.get(&g).map(|gs| &gs.views[PROC]);
        let last = pv.and_then(|v| {
            if syscall {
                v.last_syscall
            } else {
                v.last_detail
            }
        });
        if view == THREAD
            && let Some((id, s, e, a, b)) = last
            && (s, e, a, b) == key
        {
            return Ok(id);
        }
        let id = self.details.push(d, &mut self.sp)?;
        if view == PROC
            && let Some(gs) = self.gs.get_mut(&g)
        {
            let v = Some((id, key.0, key.1, key.2, key.3));
            if syscall {
                gs.views[PROC].last_syscall = v;
            } else {
                gs.views[PROC].last_detail = v;
            }
        }
        Ok(id)
    }

    /// Go's `gState.stop`: ends the goroutine's slice in `view`.
    fn stop(
        &mut self,
        view: usize,
        g: GoId,
        t: i64,
        stack: u32,
        end: End,
        reason: u32,
    ) -> io::Result<()> {
        let Some((func, label)) = self.gs.get(&g).map(|gs| (gs.func, gs.label)) else {
            return Ok(());
        };
        let shown = self.shown_name(func, label);
        let Some(gs) = self.gs.get_mut(&g) else {
            return Ok(());
        };
        let vs = &mut gs.views[view];
        if end == End::Waiting {
            // Go's `block`: the reason names the unblock to come.
            vs.block_reason = reason;
        }
        let Some(res) = vs.exec.take() else {
            return Ok(());
        };
        let (start, other) = (vs.start, vs.other);
        let start_stack = vs.last_stop_stack;
        vs.last_stop_stack = stack;
        let cause = vs.cur_cause.take();
        let mut open = Vec::new();
        for r in &mut vs.ranges {
            if let Some(s) = r.time.take() {
                open.push((s, r.name));
            }
        }
        for (s, name) in open {
            let sub = sub_of(self.strings.get(name));
            let it = Item {
                start: s,
                end: t,
                id: g,
                a: NO_DETAIL,
                b: name.into(),
            };
            self.push_sub(view, res, sub, it)?;
        }
        let Some((s, e)) = self.clip(start, t) else {
            return Ok(());
        };
        let (p, m) = if view == PROC {
            (res, other)
        } else {
            (other, res)
        };
        let mut d = Detail {
            kind: if view == PROC {
                Kind::ExecProc
            } else {
                Kind::ExecThread
            },
            g,
            p,
            m,
            start: s,
            end: e,
            name: func,
            label,
            end_state: end,
            reason,
            start_stack,
            end_stack: stack,
            ..Detail::default()
        };
        if let Some(c) = cause {
            d.cause = c.name;
            d.cause_time = c.time;
            d.cause_p = c.p;
            d.cause_m = c.m;
            d.cause_g = c.g;
            d.cause_stack = c.stack;
        }
        let key = (s, e, start_stack, stack);
        let id = self.shared_detail(view, g, &d, key, false)?;
        let it = Item {
            start: s,
            end: e,
            id: g,
            a: id,
            b: shown.into(),
        };
        let sp = &mut self.sp;
        self.rows[view].entry(res).or_default().main.push(it, sp)?;
        if view == THREAD {
            self.gexec[bucket(g)].push(it, sp)?;
        }
        Ok(())
    }

    // ---- tasks, regions, logs ----

    fn task(&mut self, ev: &Event, t: i64) -> io::Result<()> {
        let Some(task) = ev.task() else {
            return Ok(());
        };
        let name = self.strings.id(&task.typ);
        let stack = self.stack(ev.stack());
        if ev.kind() == EventKind::TaskBegin {
            let lane = self.tasks.take();
            self.open_tasks.insert(
                task.id,
                OpenSpan {
                    lane,
                    start: t,
                    name,
                    task: task.id,
                    parent: task.parent,
                    g: ev.goroutine(),
                    stack,
                },
            );
            return Ok(());
        }
        let (o, complete) = match self.open_tasks.remove(&task.id) {
            Some(o) => (o, true),
            None => (
                OpenSpan {
                    lane: self.tasks.fresh(),
                    start: self.win_start(),
                    name,
                    task: task.id,
                    parent: task.parent,
                    g: NO_GOROUTINE,
                    stack: 0,
                },
                false,
            ),
        };
        self.close_task(o, t, ev.goroutine(), stack, complete)
    }

    fn close_task(
        &mut self,
        o: OpenSpan,
        t: i64,
        end_g: GoId,
        end_stack: u32,
        complete: bool,
    ) -> io::Result<()> {
        self.tasks.release(o.lane);
        let Some((s, e)) = self.clip(o.start, t) else {
            return Ok(());
        };
        let d = Detail {
            kind: Kind::Task,
            g: o.g,
            m: end_g,
            p: NO_PROC,
            start: s,
            end: e,
            name: o.name,
            start_stack: o.stack,
            end_stack,
            x: o.task as i64,
            y: o.parent as i64,
            ..Detail::default()
        };
        let id = self.details.push(&d, &mut self.sp)?;
        let it = Item {
            start: s,
            end: e,
            id: o.task as i64,
            a: id,
            b: o.name.into(),
        };
        let sp = &mut self.sp;
        self.tasks.tracks[o.lane].push(it, sp)?;
        let st = self
            .task_types
            .entry(o.name)
            .or_insert_with(|| TypeStats::new(o.name, 0));
        let inst = Item {
            b: u64::from(complete) | (o.g.wrapping_add(1) as u64) << 1,
            ..it
        };
        st.add(inst, complete, complete, sp)
    }

    fn region(&mut self, ev: &Event, t: i64) -> io::Result<()> {
        let Some(r) = ev.region() else {
            return Ok(());
        };
        let g = ev.goroutine();
        let name = self.strings.id(&r.typ);
        let stack = self.stack(ev.stack());
        if ev.kind() == EventKind::RegionBegin {
            let lane = self.regions.take();
            self.gs.entry(g).or_default().regions.push(OpenSpan {
                lane,
                start: t,
                name,
                task: r.task,
                parent: 0,
                g,
                stack,
            });
            return Ok(());
        }
        let open = self.gs.get_mut(&g).and_then(|gs| {
            let i = gs.regions.iter().rposition(|o| o.name == name)?;
            Some(gs.regions.remove(i))
        });
        let (o, complete) = match open {
            Some(o) => (o, true),
            None => (
                OpenSpan {
                    lane: self.regions.fresh(),
                    start: self.win_start(),
                    name,
                    task: r.task,
                    parent: 0,
                    g,
                    stack: 0,
                },
                false,
            ),
        };
        self.close_region(o, t, stack, complete)
    }

    fn close_region(
        &mut self,
        o: OpenSpan,
        t: i64,
        end_stack: u32,
        complete: bool,
    ) -> io::Result<()> {
        self.regions.release(o.lane);
        let Some((s, e)) = self.clip(o.start, t) else {
            return Ok(());
        };
        let d = Detail {
            kind: Kind::Region,
            g: o.g,
            p: NO_PROC,
            m: NO_THREAD,
            start: s,
            end: e,
            name: o.name,
            start_stack: o.stack,
            end_stack,
            x: o.task as i64,
            ..Detail::default()
        };
        let id = self.details.push(&d, &mut self.sp)?;
        let it = Item {
            start: s,
            end: e,
            id: o.g,
            a: id,
            b: o.name.into(),
        };
        // Go's fingerprint: the region's type and the last frame of the
        // stack it began with, kept as a one-frame stack.
        let frame_stack = self.stacks.last_frame_stack(o.stack);
        let sp = &mut self.sp;
        self.regions.tracks[o.lane].push(it, sp)?;
        self.gregions[bucket(o.g)].push(it, sp)?;
        let st = self
            .region_types
            .entry((o.name, frame_stack))
            .or_insert_with(|| TypeStats::new(o.name, frame_stack));
        let inst = Item {
            b: u64::from(complete) | o.task.wrapping_add(1) << 1,
            ..it
        };
        st.add(inst, complete, true, sp)
    }

    fn log(&mut self, ev: &Event, t: i64) -> io::Result<()> {
        let Some(l) = ev.log() else {
            return Ok(());
        };
        if self.clip(t, t).is_none() {
            return Ok(());
        }
        // Go's viewer names a log "[category] message".
        let text = if l.category.is_empty() {
            l.message.to_string()
        } else {
            format!("[{}] {}", l.category, l.message)
        };
        let stack = self.stack(ev.stack());
        let d = Detail {
            kind: Kind::Log,
            g: ev.goroutine(),
            p: ev.proc(),
            m: ev.thread(),
            start: t,
            end: t,
            start_stack: stack,
            x: l.task as i64,
            text: Some(text.into()),
            ..Detail::default()
        };
        let id = self.details.push(&d, &mut self.sp)?;
        // The ID is the detail's, so that a bin of one log names it.
        let it = Item {
            start: t,
            end: t,
            id: id as i64,
            a: id,
            b: (ev.proc() + 1) as u64,
        };
        self.logs.push(it, &mut self.sp)
    }

    /// Closes what is still open at the end of the trace (or window),
    /// writes every pending record and seals the file. Returns the end
    /// time used.
    pub(crate) fn finish(&mut self, window_cut: bool) -> io::Result<i64> {
        let end = if window_cut && self.win.1 != i64::MAX {
            self.win.1
        } else {
            self.last
        };
        let mut gs: Vec<GoId> = self.gs.keys().copied().collect();
        gs.sort_unstable();
        for &g in &gs {
            for v in [PROC, THREAD] {
                self.syscall_end(v, g, end, false)?;
                self.stop(v, g, end, 0, End::Unfinished, 0)?;
            }
            let regions = self
                .gs
                .get_mut(&g)
                .map(|s| std::mem::take(&mut s.regions))
                .unwrap_or_default();
            for r in regions.into_iter().rev() {
                self.close_region(r, end, 0, false)?;
            }
        }
        let mut pr: Vec<((u32, ProcId), i64)> = self.proc_ranges.drain().collect();
        pr.sort_unstable();
        for ((name, p), s) in pr {
            let it = Item {
                start: s,
                end,
                id: NO_GOROUTINE,
                a: NO_DETAIL,
                b: name.into(),
            };
            let sub = sub_of(self.strings.get(name));
            self.push_sub(PROC, p, sub, it)?;
        }
        let mut gr: Vec<(u32, i64)> = self.global_ranges.drain().collect();
        gr.sort_unstable();
        for (name, s) in gr {
            if self.strings.get(name).contains("GC") {
                self.push_gc(s, end, name)?;
            }
        }
        let mut stw: Vec<(GoId, (i64, u32))> = self.stw_open.drain().collect();
        stw.sort_unstable();
        for (g, (s, name)) in stw {
            if let Some((s, e)) = self.clip(s, end) {
                let it = Item {
                    start: s,
                    end: e,
                    id: g,
                    a: NO_DETAIL,
                    b: name.into(),
                };
                self.stw.push(it, &mut self.sp)?;
            }
        }
        let mut tasks: Vec<(TaskId, OpenSpan)> = self.open_tasks.drain().collect();
        tasks.sort_unstable_by_key(|t| t.0);
        for (_, o) in tasks {
            self.close_task(o, end, NO_GOROUTINE, 0, false)?;
        }
        self.gs = FxHashMap::default();
        self.seal()?;
        Ok(end)
    }

    fn seal(&mut self) -> io::Result<()> {
        let sp = &mut self.sp;
        for rows in &mut self.rows {
            for r in rows.values_mut() {
                r.seal(sp)?;
            }
        }
        for t in [&mut self.gc, &mut self.stw, &mut self.logs] {
            t.seal(sp)?;
        }
        for t in self
            .tasks
            .tracks
            .iter_mut()
            .chain(self.regions.tracks.iter_mut())
            .chain(self.counters.iter_mut())
        {
            t.seal(sp)?;
        }
        for l in self.gexec.iter_mut().chain(self.gregions.iter_mut()) {
            l.seal(sp)?;
        }
        for s in self
            .task_types
            .values_mut()
            .chain(self.region_types.values_mut())
        {
            s.instances.seal(sp)?;
        }
        self.details.seal(sp)?;
        sp.seal()
    }
}
