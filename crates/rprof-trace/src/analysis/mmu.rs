//! Minimum mutator utilization: a port of Go 1.27's
//! `internal/trace/gc.go` (`MutatorUtilizationV2`, and the MMU of
//! `NewMMUCurve(...).MMU(window)`), computed while streaming for a fixed
//! set of windows.
//!
//! **Mutator utilization** at an instant is the fraction of the Ps
//! available to the program: `1 - (Ps doing GC work) / GOMAXPROCS`, or 0
//! during a GC stop-the-world. What counts as GC work is chosen by
//! [`UtilFlags`] (the check boxes of the web UI's `/mmu` page, whose
//! defaults are the [`Default`]). The **MMU** for a window `w` is the
//! lowest mean utilization over all windows of length `w` inside the trace
//! (a window longer than the trace is cut to the trace).
//!
//! Go builds the whole utilization function, then searches it. The
//! minimum over windows of a step function is reached where an edge of the
//! window meets a step, so here each window's minimum is updated as the
//! steps arrive, keeping only the last `w` of the function; the values are
//! computed with Go's arithmetic (running sums from the start of the
//! trace), so they equal Go's up to the last bits of a float. The first
//! generation is held back, as Go corrects it when it learns late that a
//! mark assist or sweep was in progress when the trace started; and, as in
//! Go, only the events up to the last Sync of a damaged trace count.
//!
//! **Per P** ([`UtilFlags::per_proc`], the `/mmu` page's "Per-P" box):
//! each P has its own utilization function, 0 while GC work (or a GC
//! stop-the-world) occupies that P and 1 otherwise, dedicated mark
//! workers not counted (they take the whole P and delay no goroutine);
//! a P dropped by a GOMAXPROCS change ends its series and a P added
//! starts a new one. The MMU for a window is then the lowest over the
//! series, each window cut to its series' length, as Go's band search
//! over several series gives.
//!
//! One difference: Go's MMU for a window of exactly 1ns is always 0 (its
//! band search then also tries a window starting after the end of the
//! trace, where the utilization function is 0); here it is the lowest
//! utilization at any instant. Go's `/mmu` plot starts at 1ns when
//! nothing brings the MMU at 1µs below 0.0001 (e.g. sweeping alone).

use std::collections::VecDeque;
use std::io::Read;

use serde::Serialize;

use super::Partial;
use crate::error::Error;
use crate::event::{Event, EventKind, GoState, Range, ResourceId};
use crate::fxhash::DenseMap;
use crate::reader::Reader;

/// What counts as GC work (Go's `UtilFlags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UtilFlags {
    /// One utilization function per P (`UtilPerProc`).
    pub per_proc: bool,
    /// GC stop-the-world pauses (`UtilSTW`).
    pub stw: bool,
    /// Background mark workers (`UtilBackground`).
    pub background: bool,
    /// Mark assists (`UtilAssist`).
    pub assist: bool,
    /// Sweeping (`UtilSweep`).
    pub sweep: bool,
}

impl Default for UtilFlags {
    /// The `/mmu` page's defaults: STW, background workers and mark
    /// assists, not sweeping.
    fn default() -> Self {
        UtilFlags {
            per_proc: false,
            stw: true,
            background: true,
            assist: true,
            sweep: false,
        }
    }
}

impl UtilFlags {
    /// The `flags=` value of the `/mmu?mode=plot` request for these flags.
    pub fn go_query(&self) -> String {
        let mut v = Vec::new();
        if self.per_proc {
            v.push("perProc");
        }
        if self.stw {
            v.push("stw");
        }
        if self.background {
            v.push("background");
        }
        if self.assist {
            v.push("assist");
        }
        if self.sweep {
            v.push("sweep");
        }
        v.join("|")
    }
}

/// The MMU for one window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MmuPoint {
    /// The window asked for, ns.
    pub window_ns: i64,
    /// The lowest mean utilization over windows of that length, in
    /// `[0, 1]`; `None` if the trace has no utilization data (no
    /// GOMAXPROCS event, or no time span).
    pub mmu: Option<f64>,
}

/// The windows used when none are given: 100µs to 1s by decades.
pub const DEFAULT_WINDOWS: [i64; 5] = [100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

/// A change in mutator utilization (Go's `MutatorUtil`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Util {
    time: i64,
    util: f64,
}

/// Go's `addUtil`. Returns whether the series now ends at `mu.util`, so
/// that adding the same utilization again, at any time, changes nothing.
fn add_util(util: &mut Vec<Util>, mu: Util) -> bool {
    if let Some(last) = util.last_mut() {
        if mu.util == last.util {
            return true;
        }
        if mu.time == last.time {
            if mu.util < last.util {
                *last = mu;
                return true;
            }
            return false;
        }
    }
    util.push(mu);
    true
}

fn is_gc_stw(r: &Range<'_>) -> bool {
    r.name.starts_with("stop-the-world") && r.name.contains("GC")
}

fn is_gc_mark_assist(r: &Range<'_>) -> bool {
    r.name == "GC mark assist"
}

fn is_gc_sweep(r: &Range<'_>) -> bool {
    r.name == "GC incremental sweep"
}

/// One utilization function (the whole program, or one P's).
#[derive(Debug)]
struct Series {
    /// The function since the last release to `online` (all of it in the
    /// first generation, which a late Active range may still correct).
    buf: Vec<Util>,
    online: Online,
}

/// A P: GC work in progress on it, and its series.
#[derive(Debug, Clone, Copy)]
struct PerP {
    gc: i64,
    series: usize,
}

/// The state at the last Sync event: each series' unreleased part, the
/// time, and the series of the Ps then.
#[derive(Debug)]
struct AtSync {
    bufs: Vec<Vec<Util>>,
    time: i64,
    live: Vec<usize>,
}

/// The streaming MMU: feed it every event with [`MmuAnalyzer::event`],
/// then [`MmuAnalyzer::finish`].
#[derive(Debug)]
pub struct MmuAnalyzer {
    flags: UtilFlags,
    windows: Vec<i64>,
    // Go's MutatorUtilizationV2 state.
    stw: i64,
    ps: Vec<PerP>,
    // Goroutine IDs are small and dense: indexed, not hashed (a lookup
    // or two per transition).
    in_gc: DenseMap<(), { 1 << 16 }>,
    states: DenseMap<GoState, { 1 << 16 }>,
    bg_mark: DenseMap<(), { 1 << 16 }>,
    procs: Vec<(i64, usize)>,
    n_sync: u64,
    /// Go's `out`: one series, or one per P ever seen.
    series: Vec<Series>,
    at_sync: Option<AtSync>,
    /// `--start`/`--end`: times moved into this window (ns since the
    /// first event), so that only the utilization inside it counts.
    window: Option<(i64, i64)>,
    t0: Option<i64>,
    /// The current event's time (clamped to the window).
    now: i64,
    /// Whether the last utilization point left every series ending at its
    /// value and nothing it depends on (STW, the Ps' GC counts, GOMAXPROCS,
    /// the series) has changed since: then the next point would change
    /// nothing. Nine events in ten are goroutine transitions that touch
    /// none of it, and Go adds a point after every event.
    settled: bool,
}

impl MmuAnalyzer {
    /// An MMU analysis for `windows` (ns).
    pub fn new(windows: &[i64], flags: UtilFlags) -> Self {
        MmuAnalyzer {
            flags,
            windows: windows.to_vec(),
            stw: 0,
            ps: Vec::new(),
            in_gc: DenseMap::default(),
            states: DenseMap::default(),
            bg_mark: DenseMap::default(),
            procs: Vec::new(),
            n_sync: 0,
            series: Vec::new(),
            at_sync: None,
            window: None,
            t0: None,
            now: 0,
            settled: false,
        }
    }

    /// Counts only the utilization inside `[start, end]` (ns since the
    /// first event).
    pub fn with_window(mut self, start: i64, end: i64) -> Self {
        self.window = Some((start, end.max(start)));
        self
    }

    /// The GC count of the event's P, to be changed.
    fn p(&mut self, ev: &Event) -> Option<&mut i64> {
        self.settled = false;
        // Go indexes ps by the event's P and would panic on a bad one.
        usize::try_from(ev.proc())
            .ok()
            .and_then(|p| self.ps.get_mut(p))
            .map(|p| &mut p.gc)
    }

    fn new_series(&mut self, t: i64) -> usize {
        self.series.push(Series {
            buf: vec![Util { time: t, util: 1.0 }],
            online: Online::new(&self.windows),
        });
        self.series.len() - 1
    }

    /// Processes the next event (Go's loop body).
    pub fn event(&mut self, ev: &Event) {
        let mut t = ev.time();
        let t0 = *self.t0.get_or_insert(t);
        if let Some((a, b)) = self.window {
            t = t.clamp(t0.saturating_add(a), t0.saturating_add(b));
        }
        self.now = t;
        let per_proc = self.flags.per_proc;
        match ev.kind() {
            EventKind::Sync => {
                let n = ev.sync().map_or(0, |s| s.n);
                if n >= 2 {
                    // The previous generation is final: Go only corrects
                    // the first one, while it has seen one Sync.
                    for s in &mut self.series {
                        let keep = s.buf.len().saturating_sub(1);
                        for u in s.buf.drain(..keep) {
                            s.online.push(u);
                        }
                    }
                }
                self.n_sync = n;
            }
            EventKind::Metric => {
                if let Some(m) = ev.metric()
                    && m.name == "/sched/gomaxprocs:threads"
                {
                    self.settled = false;
                    let n = m.value as usize;
                    if self.ps.len() > n {
                        if per_proc {
                            // End each dropped P's series.
                            for p in &self.ps[n..] {
                                add_util(
                                    &mut self.series[p.series].buf,
                                    Util { time: t, util: 0.0 },
                                );
                            }
                        }
                        self.ps.truncate(n);
                    }
                    while self.ps.len() < n {
                        let series = if per_proc || self.series.is_empty() {
                            self.new_series(t)
                        } else {
                            0
                        };
                        self.ps.push(PerP { gc: 0, series });
                    }
                    if self.procs.last().is_none_or(|p| p.1 != n) {
                        self.procs.push((t, n));
                    }
                }
            }
            _ => {}
        }
        if self.ps.is_empty() {
            self.after_sync(ev);
            return;
        }
        self.update(ev);
        self.point(ev);
    }

    /// The state changes of Go's loop (the switch on the event kind).
    fn update(&mut self, ev: &Event) {
        let f = self.flags;
        match ev.kind() {
            EventKind::RangeActive | EventKind::RangeBegin => {
                let Some(r) = ev.range() else { return };
                if ev.kind() == EventKind::RangeActive {
                    if self.n_sync > 1 {
                        // Known since the start of the generation.
                        return;
                    }
                    let assist = f.assist && is_gc_mark_assist(&r);
                    let sweep = f.sweep && is_gc_sweep(&r);
                    let fix = if assist {
                        self.states
                            .get(&ev.goroutine())
                            .is_some_and(|s| s.executing())
                    } else {
                        sweep
                    };
                    // Per P, the P's series has only just begun: nothing
                    // to correct.
                    if fix && !f.per_proc {
                        self.fix_up();
                    }
                }
                if f.stw && is_gc_stw(&r) {
                    self.stw += 1;
                    self.settled = false;
                } else if f.sweep && is_gc_sweep(&r) {
                    if let Some(p) = self.p(ev) {
                        *p += 1;
                    }
                } else if f.assist && is_gc_mark_assist(&r) {
                    if let Some(p) = self.p(ev) {
                        *p += 1;
                    }
                    if let ResourceId::Goroutine(g) = r.scope
                        && g != crate::event::NO_GOROUTINE
                    {
                        self.in_gc.insert(g, ());
                    }
                }
            }
            EventKind::RangeEnd => {
                let Some(r) = ev.range() else { return };
                if f.stw && is_gc_stw(&r) {
                    self.stw -= 1;
                    self.settled = false;
                } else if f.sweep && is_gc_sweep(&r) {
                    if let Some(p) = self.p(ev) {
                        *p -= 1;
                    }
                } else if f.assist && is_gc_mark_assist(&r) {
                    if let Some(p) = self.p(ev) {
                        *p -= 1;
                    }
                    if let ResourceId::Goroutine(g) = r.scope {
                        self.in_gc.remove(&g);
                    }
                }
            }
            EventKind::StateTransition => {
                if let Some((g, old, new)) = ev.goroutine_states() {
                    if self.in_gc.contains_key(&g) || self.bg_mark.contains_key(&g) {
                        if !old.executing() && new.executing() {
                            if let Some(p) = self.p(ev) {
                                *p += 1;
                            }
                        } else if old.executing()
                            && !new.executing()
                            && let Some(p) = self.p(ev)
                        {
                            *p -= 1;
                        }
                    }
                    // Go keeps every goroutine's state; one that no longer
                    // exists reads as not executing either way. Only a
                    // first-generation Active range reads them: after it
                    // they are not kept (a map write per transition).
                    if self.n_sync <= 1 {
                        if new == GoState::NotExist {
                            self.states.remove(&g);
                        } else {
                            self.states.insert(g, new);
                        }
                    }
                }
            }
            EventKind::Label => {
                // Per P, dedicated workers are not counted: they take the
                // whole P and so delay no goroutine directly.
                if let Some(l) = ev.label()
                    && f.background
                    && l.label.starts_with("GC ")
                    && l.label != "GC (idle)"
                    && !(f.per_proc && l.label == "GC (dedicated)")
                {
                    self.bg_mark.insert(ev.goroutine(), ());
                    if let Some(p) = self.p(ev) {
                        *p += 1;
                    }
                }
            }
            _ => {}
        }
    }

    /// Go's per-event utilization point(s).
    fn point(&mut self, ev: &Event) {
        if !self.settled {
            self.settled = self.add_point();
        }
        self.after_sync(ev);
    }

    /// Adds the utilization now to each series; returns whether each
    /// ends at it (see `settled`).
    fn add_point(&mut self) -> bool {
        let time = self.now;
        if self.flags.per_proc {
            let mut settled = true;
            for p in &self.ps {
                let util = if self.stw > 0 || p.gc > 0 { 0.0 } else { 1.0 };
                settled &= add_util(&mut self.series[p.series].buf, Util { time, util });
            }
            settled
        } else {
            let gc_ps = if self.stw > 0 {
                self.ps.len()
            } else {
                self.ps.iter().filter(|p| p.gc > 0).count()
            };
            // The division only when its result is not exact anyway
            // (x/x is 1 and 0/x is 0 in floating point): it is the
            // latency of one per event, compared at once by `add_util`.
            let util = match gc_ps {
                0 => 1.0,
                n if n == self.ps.len() => 0.0,
                n => 1.0 - n as f64 / self.ps.len() as f64,
            };
            add_util(&mut self.series[0].buf, Util { time, util })
        }
    }

    fn after_sync(&mut self, ev: &Event) {
        if ev.kind() == EventKind::Sync {
            self.at_sync = Some(AtSync {
                bufs: self.series.iter().map(|s| s.buf.clone()).collect(),
                time: self.now,
                live: self.ps.iter().map(|p| p.series).collect(),
            });
        }
    }

    /// Go's correction for a range found late to have been active since
    /// the start: 1/GOMAXPROCS less utilization from the start until now.
    fn fix_up(&mut self) {
        self.settled = false;
        let Some(s) = self.series.first_mut() else {
            return;
        };
        let (mut mi, mut pi) = (0, 0);
        while mi < s.buf.len() {
            if pi + 1 < self.procs.len() && self.procs[pi + 1].0 < s.buf[mi].time {
                pi += 1;
                continue;
            }
            let u = &mut s.buf[mi].util;
            *u -= 1.0 / self.procs[pi].1 as f64;
            if *u < 0.0 {
                *u = 0.0;
            }
            mi += 1;
        }
    }

    /// The MMU of every window, from the events up to the last Sync: the
    /// lowest over the series.
    pub fn finish(mut self) -> Vec<MmuPoint> {
        let Some(at) = self.at_sync.take() else {
            return Online::new(&self.windows).finish();
        };
        let mut series = std::mem::take(&mut self.series);
        // Series begun after the last Sync do not count.
        series.truncate(at.bufs.len());
        for (i, (s, mut rest)) in series.iter_mut().zip(at.bufs).enumerate() {
            // Go's final 0 at the last event, for the series of the Ps
            // still there.
            if at.live.contains(&i) {
                add_util(
                    &mut rest,
                    Util {
                        time: at.time,
                        util: 0.0,
                    },
                );
            }
            for u in rest {
                s.online.push(u);
            }
        }
        let mut out: Option<Vec<MmuPoint>> = None;
        for s in series {
            let pts = s.online.finish();
            out = Some(match out {
                None => pts,
                Some(prev) => prev
                    .into_iter()
                    .zip(pts)
                    .map(|(a, b)| MmuPoint {
                        window_ns: a.window_ns,
                        mmu: match (a.mmu, b.mmu) {
                            (Some(x), Some(y)) => Some(x.min(y)),
                            (x, None) => x,
                            (None, y) => y,
                        },
                    })
                    .collect(),
            });
        }
        out.unwrap_or_else(|| Online::new(&self.windows).finish())
    }
}

/// The MMU of `reader`'s trace at `windows` (ns).
pub fn mmu<R: Read + Send>(
    reader: &mut Reader<R>,
    windows: &[i64],
    flags: UtilFlags,
) -> Result<Partial<Vec<MmuPoint>>, Error> {
    let mut a = MmuAnalyzer::new(windows, flags);
    let error = super::drive(reader, |ev| a.event(ev))?;
    Ok(Partial {
        value: a.finish(),
        error,
    })
}

/// One step of the utilization function with Go's running sum (the
/// integral from the start to this step).
#[derive(Debug, Clone, Copy)]
struct Step {
    time: i64,
    util: f64,
    sum: f64,
}

#[derive(Debug)]
struct Window {
    w: i64,
    /// Steps waiting to be the left edge of a window: (time, sum).
    pending: VecDeque<(i64, f64)>,
    min: f64,
}

/// The windowed minimum, updated step by step.
#[derive(Debug)]
struct Online {
    windows: Vec<Window>,
    max_w: i64,
    first: Option<i64>,
    last: Option<Step>,
    hist: VecDeque<Step>,
}

impl Online {
    fn new(windows: &[i64]) -> Self {
        Online {
            windows: windows
                .iter()
                .map(|&w| Window {
                    w,
                    pending: VecDeque::new(),
                    min: 1.0,
                })
                .collect(),
            max_w: windows.iter().copied().max().unwrap_or(0).max(0),
            first: None,
            last: None,
            hist: VecDeque::new(),
        }
    }

    /// Go's `integrator.advance`: the integral from the start to `x`,
    /// from the last step at or before `x`.
    fn integral(hist: &VecDeque<Step>, x: i64) -> f64 {
        let i = hist.partition_point(|s| s.time <= x);
        let Some(s) = i.checked_sub(1).map(|i| hist[i]) else {
            return 0.0;
        };
        let partial = if x != s.time {
            s.util * (x - s.time) as f64
        } else {
            0.0
        };
        s.sum + partial
    }

    fn push(&mut self, u: Util) {
        // Go's newMMUSeries: sum += prev.Util * (u.Time - prev.Time), from
        // a zero prev.
        let (pt, pu, ps) = self.last.map_or((0, 0.0, 0.0), |s| (s.time, s.util, s.sum));
        let sum = ps + pu * (u.time - pt) as f64;
        let step = Step {
            time: u.time,
            util: u.util,
            sum,
        };
        let first = *self.first.get_or_insert(u.time);
        self.last = Some(step);
        self.hist.push_back(step);
        let t = u.time;
        for win in &mut self.windows {
            let w = win.w;
            if w <= 0 {
                continue;
            }
            // Windows whose left edge is a step and whose right edge is
            // now known.
            while let Some(&(l, lsum)) = win.pending.front() {
                if l + w > t {
                    break;
                }
                let mu = (Self::integral(&self.hist, l + w) - lsum) / w as f64;
                win.min = win.min.min(mu);
                win.pending.pop_front();
            }
            // The window whose right edge is this step.
            if t - w >= first {
                let mu = (sum - Self::integral(&self.hist, t - w)) / w as f64;
                win.min = win.min.min(mu);
            }
            win.pending.push_back((t, sum));
        }
        // Keep the last step at or before now - max_w, and all after it.
        while self.hist.len() >= 2 && self.hist[1].time <= t - self.max_w {
            self.hist.pop_front();
        }
    }

    fn finish(self) -> Vec<MmuPoint> {
        let span = match (self.first, self.last) {
            (Some(f), Some(l)) => l.time - f,
            _ => 0,
        };
        self.windows
            .iter()
            .map(|win| {
                let mmu = if win.w <= 0 {
                    Some(0.0)
                } else if span <= 0 {
                    None
                } else if win.w > span {
                    // Go cuts the window to the trace: one window, the
                    // whole trace.
                    let total = self.last.map_or(0.0, |s| s.sum);
                    Some((total / span as f64).min(1.0))
                } else {
                    Some(win.min)
                };
                MmuPoint {
                    window_ns: win.w,
                    mmu,
                }
            })
            .collect()
    }
}
