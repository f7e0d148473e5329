//! A trace at a glance, for the terminal (and `--json`): what a user opens
//! `go tool trace`'s web UI for.
//!
//! - duration, events, generations, GOMAXPROCS, heap;
//! - goroutines at the start, created, ended, live at the end;
//! - time of all goroutines by state (Go's summarizer, as in the
//!   goroutine analysis: running, runnable, blocked by reason, syscall);
//! - GC: mark phases, stop-the-world pauses (count, total, max, by kind),
//!   mark assists and sweeping;
//! - per-P utilisation: the share of the trace each P ran goroutines;
//! - user tasks and regions by name, with their durations;
//! - minimum mutator utilization at a few windows ([`super::mmu`](mod@super::mmu)).
//!
//! Ranges (GC phases, pauses, assists, sweeps, tasks, regions) that began
//! before the trace are counted from the start of the generation that
//! announces them; those still open at the end are counted apart
//! ([`Durations::open_at_end`], [`Durations::open_ns`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;

use serde::Serialize;

use super::goroutines::GoroutineAnalyzer;
use super::gostats::Names;
use super::mmu::{DEFAULT_WINDOWS, MmuAnalyzer, MmuPoint, UtilFlags};
use super::{Partial, fmt_dur};
use crate::error::Error;
use crate::event::{Event, EventKind, GoId, GoState, ProcId, ResourceId, TaskId, kind_of};
use crate::fxhash::{DenseMap, FxHashMap};
use crate::reader::Reader;
use crate::spec;
use crate::table::Time;

/// What the summary computes beyond the fixed parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryOptions {
    /// Windows for the minimum mutator utilization, ns.
    pub mmu_windows: Vec<i64>,
    /// What counts as GC work for the MMU.
    pub mmu_flags: UtilFlags,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            mmu_windows: DEFAULT_WINDOWS.to_vec(),
            mmu_flags: UtilFlags::default(),
        }
    }
}

/// Goroutine counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GoroutineCounts {
    /// Existing when the trace started.
    pub at_start: u64,
    /// Created during the trace (`go` statements, cgo callbacks).
    pub created: u64,
    /// Ended during the trace.
    pub ended: u64,
    /// Existing when the trace ended.
    pub live_at_end: u64,
    /// The most existing at once.
    pub max_live: u64,
    /// Distinct start functions (groups of the goroutine analysis).
    pub groups: u64,
}

/// Time of all goroutines by state (ns), summed over goroutines: the
/// non-overlapping statistics of Go's summarizer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StateTimes {
    /// Running on a P.
    pub running_ns: i64,
    /// Runnable, waiting for a P.
    pub runnable_ns: i64,
    /// Blocked, all reasons.
    pub blocked_ns: i64,
    /// Blocked, by the runtime's block reason.
    pub blocked_ns_by_reason: BTreeMap<String, i64>,
    /// In a syscall, holding a P.
    pub syscall_ns: i64,
    /// In a syscall after losing the P.
    pub syscall_blocked_ns: i64,
    /// Not accounted for.
    pub unknown_ns: i64,
    /// Goroutine lifetimes within the trace.
    pub total_ns: i64,
}

/// Durations of a kind of interval (ns).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Durations {
    /// Complete intervals (begun and ended, or announced at the start
    /// of the trace and ended).
    pub count: u64,
    /// Total time of the complete intervals.
    pub total_ns: i64,
    /// The longest complete interval.
    pub max_ns: i64,
    /// Intervals still open at the end.
    pub open_at_end: u64,
    /// Their time up to the end of the trace.
    pub open_ns: i64,
}

impl Durations {
    fn add(&mut self, d: i64) {
        self.count += 1;
        self.total_ns += d;
        self.max_ns = self.max_ns.max(d);
    }

    fn add_open(&mut self, d: i64) {
        self.open_at_end += 1;
        self.open_ns += d;
    }

    /// Mean of the complete intervals (0 if none).
    pub fn mean_ns(&self) -> i64 {
        if self.count == 0 {
            0
        } else {
            self.total_ns / self.count as i64
        }
    }
}

/// Stop-the-world pauses of one kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StwKind {
    /// The runtime's STW reason, e.g. `GC mark termination`.
    pub kind: String,
    /// Is it part of a GC cycle (counted by the MMU).
    pub gc: bool,
    /// The pauses.
    pub pauses: Durations,
}

/// GC activity.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GcStats {
    /// Concurrent mark phases (GC cycles).
    pub mark_phases: Durations,
    /// All stop-the-world pauses.
    pub stw: Durations,
    /// Stop-the-world pauses of the GC (sweep and mark termination).
    pub gc_stw: Durations,
    /// Pauses by kind, most total time first.
    pub stw_by_kind: Vec<StwKind>,
    /// Mark assists (goroutines made to help the GC).
    pub mark_assists: Durations,
    /// Incremental sweeping on Ps.
    pub sweeps: Durations,
    /// The largest heap seen (`/memory/classes/heap/objects:bytes`).
    pub max_heap_bytes: u64,
    /// The last heap goal (`/gc/heap/goal:bytes`).
    pub last_heap_goal_bytes: u64,
}

/// One P's utilisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcStats {
    /// The P's ID.
    pub id: i64,
    /// Time goroutines ran on it.
    pub running_ns: i64,
    /// `running_ns` over the trace duration.
    pub utilization: f64,
}

/// User tasks or regions of one name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NamedDurations {
    /// The task type or region name.
    pub name: String,
    /// Seen in the trace, complete or not.
    pub seen: u64,
    /// Durations.
    pub durations: Durations,
    /// The shortest complete one.
    pub min_ns: i64,
}

/// The summary of a trace.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Time of the first event (ns, the trace's clock).
    pub start_ns: i64,
    /// Time of the last event.
    pub end_ns: i64,
    /// `end_ns - start_ns`.
    pub duration_ns: i64,
    /// Events the reader yielded.
    pub events: u64,
    /// Events by kind (Go's event kinds).
    pub events_by_kind: BTreeMap<String, u64>,
    /// Generations (Sync events between them; an old-format trace is one).
    pub generations: u64,
    /// The last GOMAXPROCS.
    pub gomaxprocs: u64,
    /// Goroutine counts.
    pub goroutines: GoroutineCounts,
    /// Goroutine time by state.
    pub states: StateTimes,
    /// GC.
    pub gc: GcStats,
    /// Per-P utilisation, by P ID.
    pub procs: Vec<ProcStats>,
    /// User tasks by type, most total time first.
    pub tasks: Vec<NamedDurations>,
    /// User regions by name, most total time first.
    pub regions: Vec<NamedDurations>,
    /// What counted as GC work for the MMU.
    pub mmu_flags: UtilFlags,
    /// Minimum mutator utilization by window.
    pub mmu: Vec<MmuPoint>,
}

/// Range classes tracked by the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Class {
    Mark,
    Stw,
    Assist,
    Sweep,
}

/// The streaming summary: feed it every event with
/// [`SummaryAnalyzer::event`], then [`SummaryAnalyzer::finish`].
#[derive(Debug)]
pub struct SummaryAnalyzer {
    opts: SummaryOptions,
    first: Option<Time>,
    last: Time,
    sync_ts: Time,
    syncs: u64,
    events: u64,
    /// Events by type (by kind at the end: a map entry per event was a
    /// tenth of this analysis's time).
    by_type: Box<[u64; 256]>,
    gomaxprocs: u64,
    counts: GoroutineCounts,
    live: u64,
    gc: GcStats,
    stw_kinds: BTreeMap<String, StwKind>,
    ranges: FxHashMap<(Class, ResourceId), (Time, u32)>,
    /// Running goroutines (indexed by their small, dense IDs: one insert
    /// and one removal per run).
    running: DenseMap<(ProcId, Time), { 1 << 16 }>,
    /// Running time by P (indexed: the runtime numbers them from 0, and
    /// a BTreeMap entry per run was a fiftieth of the summary).
    procs: DenseMap<i64, { 1 << 12 }>,
    names: Names,
    tasks_live: FxHashMap<TaskId, (u32, Time)>,
    tasks: BTreeMap<u32, NamedDurations>,
    regions_live: FxHashMap<GoId, Vec<(u32, Time)>>,
    regions: BTreeMap<u32, NamedDurations>,
    goroutines: GoroutineAnalyzer,
    mmu: MmuAnalyzer,
}

impl SummaryAnalyzer {
    /// A summary with `opts`.
    pub fn new(opts: SummaryOptions) -> Self {
        let mmu = MmuAnalyzer::new(&opts.mmu_windows, opts.mmu_flags);
        let mut names = Names::default();
        names.id("");
        SummaryAnalyzer {
            opts,
            first: None,
            last: 0,
            sync_ts: 0,
            syncs: 0,
            events: 0,
            by_type: Box::new([0; 256]),
            gomaxprocs: 0,
            counts: GoroutineCounts::default(),
            live: 0,
            gc: GcStats::default(),
            stw_kinds: BTreeMap::new(),
            ranges: FxHashMap::default(),
            running: DenseMap::default(),
            procs: DenseMap::default(),
            names,
            tasks_live: FxHashMap::default(),
            tasks: BTreeMap::new(),
            regions_live: FxHashMap::default(),
            regions: BTreeMap::new(),
            goroutines: GoroutineAnalyzer::new(),
            mmu,
        }
    }

    /// Processes the next event.
    pub fn event(&mut self, ev: &Event) {
        self.goroutines.event(ev);
        self.event_own(ev);
    }

    /// [`SummaryAnalyzer::event`] but for the goroutine statistics.
    fn event_own(&mut self, ev: &Event) {
        self.mmu.event(ev);
        let t = ev.time();
        self.first.get_or_insert(t);
        if self.sync_ts == 0 {
            self.sync_ts = t;
        }
        self.last = t;
        self.events += 1;
        let kind = ev.kind();
        self.by_type[usize::from(ev.base.typ)] += 1;
        match kind {
            EventKind::Sync => {
                self.sync_ts = t;
                self.syncs += 1;
            }
            EventKind::Metric => {
                // By type rather than by `Event::metric`'s name: the same
                // three metrics, without comparing their names.
                let value = ev.base.args[0];
                match ev.base.typ {
                    spec::EV_PROCS_CHANGE => self.gomaxprocs = value,
                    spec::EV_HEAP_ALLOC => {
                        self.gc.max_heap_bytes = self.gc.max_heap_bytes.max(value)
                    }
                    spec::EV_HEAP_GOAL => self.gc.last_heap_goal_bytes = value,
                    _ => {}
                }
            }
            EventKind::StateTransition => self.transition(ev),
            EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd => self.range(ev),
            EventKind::TaskBegin | EventKind::TaskEnd => {
                if let Some(task) = ev.task() {
                    let name = self.names.id(&task.typ);
                    if kind == EventKind::TaskBegin {
                        self.tasks_live.insert(task.id, (name, t));
                    } else {
                        let (name, begin) = match self.tasks_live.remove(&task.id) {
                            Some((n, b)) => (n, Some(b)),
                            None => (name, None),
                        };
                        let e = self.tasks.entry(name).or_default();
                        e.seen += 1;
                        if let Some(b) = begin {
                            add_named(e, t - b);
                        }
                    }
                }
            }
            EventKind::RegionBegin | EventKind::RegionEnd => {
                if let Some(r) = ev.region() {
                    let g = ev.goroutine();
                    if kind == EventKind::RegionBegin {
                        let name = self.names.id(&r.typ);
                        self.regions_live.entry(g).or_default().push((name, t));
                    } else {
                        match self.regions_live.get_mut(&g).and_then(|s| s.pop()) {
                            Some((name, b)) => {
                                let e = self.regions.entry(name).or_default();
                                e.seen += 1;
                                add_named(e, t - b);
                            }
                            None => {
                                let name = self.names.id(&r.typ);
                                self.regions.entry(name).or_default().seen += 1;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn transition(&mut self, ev: &Event) {
        let Some((g, old, new)) = ev.goroutine_states() else {
            return;
        };
        if old == new {
            return;
        }
        let t = ev.time();
        match old {
            GoState::Undetermined => {
                self.counts.at_start += 1;
                self.live += 1;
            }
            GoState::NotExist => {
                self.counts.created += 1;
                self.live += 1;
            }
            GoState::Running => {
                if let Some((p, since)) = self.running.remove(&g) {
                    *self.procs.get_or_insert_with(p, || 0) += t - since;
                }
            }
            _ => {}
        }
        self.counts.max_live = self.counts.max_live.max(self.live);
        match new {
            GoState::Running => {
                let since = if old == GoState::Undetermined {
                    self.sync_ts
                } else {
                    t
                };
                self.running.insert(g, (ev.proc(), since));
            }
            GoState::NotExist => {
                self.counts.ended += 1;
                self.live = self.live.saturating_sub(1);
                // Go ends the goroutine's open regions with it.
                if let Some(stack) = self.regions_live.remove(&g) {
                    for (name, b) in stack {
                        let e = self.regions.entry(name).or_default();
                        e.seen += 1;
                        add_named(e, t - b);
                    }
                }
            }
            _ => {}
        }
    }

    fn range(&mut self, ev: &Event) {
        let Some(r) = ev.range() else { return };
        let (class, key) = match &*r.name {
            "GC concurrent mark phase" => (Class::Mark, ResourceId::None),
            "GC mark assist" => (Class::Assist, r.scope),
            "GC incremental sweep" => (Class::Sweep, r.scope),
            n if n.starts_with("stop-the-world") => (Class::Stw, r.scope),
            _ => return,
        };
        let t = ev.time();
        match ev.kind() {
            EventKind::RangeBegin => {
                let name = self.names.id(&r.name);
                self.ranges.insert((class, key), (t, name));
            }
            EventKind::RangeActive => {
                let name = self.names.id(&r.name);
                let sync_ts = self.sync_ts;
                self.ranges.entry((class, key)).or_insert((sync_ts, name));
            }
            _ => {
                let Some((b, name)) = self.ranges.remove(&(class, key)) else {
                    return;
                };
                self.close(class, name, t - b, true);
            }
        }
    }

    fn close(&mut self, class: Class, name: u32, d: i64, complete: bool) {
        let add = |x: &mut Durations| {
            if complete { x.add(d) } else { x.add_open(d) }
        };
        match class {
            Class::Mark => add(&mut self.gc.mark_phases),
            Class::Assist => add(&mut self.gc.mark_assists),
            Class::Sweep => add(&mut self.gc.sweeps),
            Class::Stw => {
                let full = self.names.get(name);
                let kind = full
                    .strip_prefix("stop-the-world (")
                    .and_then(|k| k.strip_suffix(')'))
                    .unwrap_or(full)
                    .to_string();
                let gc = full.contains("GC");
                add(&mut self.gc.stw);
                if gc {
                    add(&mut self.gc.gc_stw);
                }
                let e = self.stw_kinds.entry(kind.clone()).or_insert(StwKind {
                    kind,
                    gc,
                    pauses: Durations::default(),
                });
                add(&mut e.pauses);
            }
        }
    }

    /// The summary.
    pub fn finish(mut self) -> Summary {
        let end = self.last;
        let start = self.first.unwrap_or(0);
        let duration = end - start;
        for ((class, _), (b, name)) in std::mem::take(&mut self.ranges) {
            self.close(class, name, end - b, false);
        }
        for (p, since) in std::mem::take(&mut self.running).into_values() {
            *self.procs.get_or_insert_with(p, || 0) += end - since;
        }
        for (_, (name, b)) in std::mem::take(&mut self.tasks_live) {
            let e = self.tasks.entry(name).or_default();
            e.seen += 1;
            e.durations.add_open(end - b);
        }
        for (_, stack) in std::mem::take(&mut self.regions_live) {
            for (name, b) in stack {
                let e = self.regions.entry(name).or_default();
                e.seen += 1;
                e.durations.add_open(end - b);
            }
        }
        let groups = self.goroutines.finish();
        let mut states = StateTimes::default();
        for g in &groups {
            states.running_ns += g.exec_ns;
            states.runnable_ns += g.sched_wait_ns;
            for (r, v) in &g.block_ns_by_reason {
                states.blocked_ns += v;
                *states.blocked_ns_by_reason.entry(r.clone()).or_default() += v;
            }
            states.syscall_ns += g.syscall_ns;
            states.syscall_blocked_ns += g.syscall_block_ns;
            states.unknown_ns += g.unknown_ns;
            states.total_ns += g.total_ns;
        }
        let mut counts = self.counts;
        counts.live_at_end = self.live;
        counts.groups = groups.len() as u64;
        let mut gc = self.gc;
        gc.stw_by_kind = self.stw_kinds.into_values().collect();
        gc.stw_by_kind.sort_by(|a, b| {
            b.pauses
                .total_ns
                .cmp(&a.pauses.total_ns)
                .then_with(|| a.kind.cmp(&b.kind))
        });
        let procs = self
            .procs
            .iter()
            .map(|(p, &t)| (p, t))
            .collect::<BTreeMap<ProcId, i64>>()
            .into_iter()
            .filter(|&(p, _)| p >= 0)
            .map(|(id, running_ns)| ProcStats {
                id,
                running_ns,
                utilization: if duration > 0 {
                    running_ns as f64 / duration as f64
                } else {
                    0.0
                },
            })
            .collect();
        let names = &self.names;
        let named = |m: BTreeMap<u32, NamedDurations>| {
            let mut v: Vec<NamedDurations> = m
                .into_iter()
                .map(|(k, mut d)| {
                    d.name = names.get(k).to_string();
                    d
                })
                .collect();
            v.sort_by(|a, b| {
                b.durations
                    .total_ns
                    .cmp(&a.durations.total_ns)
                    .then_with(|| a.name.cmp(&b.name))
            });
            v
        };
        let tasks = named(self.tasks);
        let regions = named(self.regions);
        Summary {
            start_ns: start,
            end_ns: end,
            duration_ns: duration,
            events: self.events,
            events_by_kind: {
                let mut m = BTreeMap::<String, u64>::new();
                for (typ, &n) in self.by_type.iter().enumerate() {
                    if n > 0 {
                        *m.entry(kind_of(typ as u8).name().to_string()).or_default() += n;
                    }
                }
                m
            },
            generations: self.syncs.saturating_sub(1),
            gomaxprocs: self.gomaxprocs,
            goroutines: counts,
            states,
            gc,
            procs,
            tasks,
            regions,
            mmu_flags: self.opts.mmu_flags,
            mmu: self.mmu.finish(),
        }
    }
}

fn add_named(e: &mut NamedDurations, d: i64) {
    if e.durations.count == 0 || d < e.min_ns {
        e.min_ns = d;
    }
    e.durations.add(d);
}

/// The summary of `reader`'s trace. A damaged trace gives the summary of
/// everything read (the MMU: up to the last complete generation), plus
/// the error.
pub fn summary<R: Read + Send>(
    reader: &mut Reader<R>,
    opts: &SummaryOptions,
) -> Result<Partial<Summary>, Error> {
    let mut a = SummaryAnalyzer::new(opts.clone());
    // The goroutine statistics as a pipeline stage of their own (see
    // `drive_split`): they are about as much work as the rest of the
    // summary.
    let mut goroutines = std::mem::take(&mut a.goroutines);
    let error = super::drive_split(reader, |ev| goroutines.event(ev), |ev| a.event_own(ev))?;
    a.goroutines = goroutines;
    Ok(Partial {
        value: a.finish(),
        error,
    })
}

fn pct(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "-".to_string();
    }
    format!("{:.1}%", part as f64 / whole as f64 * 100.0)
}

fn durations_line(d: &Durations) -> String {
    let mut s = format!(
        "{} total {}, max {}, mean {}",
        d.count,
        fmt_dur(d.total_ns),
        fmt_dur(d.max_ns),
        fmt_dur(d.mean_ns())
    );
    if d.open_at_end > 0 {
        let _ = write!(
            s,
            " (+{} open at the end, {} so far)",
            d.open_at_end,
            fmt_dur(d.open_ns)
        );
    }
    s
}

/// Writes `s` for the terminal.
pub fn write_text(s: &Summary, out: &mut String) {
    let _ = writeln!(
        out,
        "Duration:    {} ({} events, {} generation{}, GOMAXPROCS {})",
        fmt_dur(s.duration_ns),
        s.events,
        s.generations,
        if s.generations == 1 { "" } else { "s" },
        s.gomaxprocs
    );
    let g = &s.goroutines;
    let _ = writeln!(
        out,
        "Goroutines:  {} at start, {} created, {} ended, {} live at end (max {}), {} start functions",
        g.at_start, g.created, g.ended, g.live_at_end, g.max_live, g.groups
    );

    let st = &s.states;
    let _ = writeln!(out, "\nGoroutine time by state (all goroutines):");
    let total = st.total_ns;
    let mut row = |label: &str, v: i64| {
        let _ = writeln!(
            out,
            "  {label:<32} {:>10}  {:>6}",
            fmt_dur(v),
            pct(v, total)
        );
    };
    row("running", st.running_ns);
    row("runnable (sched wait)", st.runnable_ns);
    row("blocked", st.blocked_ns);
    let mut reasons: Vec<(&String, &i64)> = st.blocked_ns_by_reason.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    for (r, v) in reasons {
        let label = if r.is_empty() {
            // Go's reason for goroutines blocked when the trace started.
            "  (since before the trace)".to_string()
        } else {
            format!("  {r}")
        };
        row(&label, *v);
    }
    row("syscall", st.syscall_ns);
    row("syscall, blocked (no P)", st.syscall_blocked_ns);
    row("unknown", st.unknown_ns);
    row("total (lifetimes in the trace)", st.total_ns);

    let gc = &s.gc;
    let _ = writeln!(out, "\nGC:");
    let _ = writeln!(out, "  mark phases:   {}", durations_line(&gc.mark_phases));
    let _ = writeln!(out, "  STW pauses:    {}", durations_line(&gc.stw));
    let _ = writeln!(out, "    of the GC:   {}", durations_line(&gc.gc_stw));
    for k in &gc.stw_by_kind {
        let _ = writeln!(out, "    {:<26} {}", k.kind, durations_line(&k.pauses));
    }
    let _ = writeln!(out, "  mark assists:  {}", durations_line(&gc.mark_assists));
    let _ = writeln!(out, "  sweeps:        {}", durations_line(&gc.sweeps));
    if gc.max_heap_bytes > 0 || gc.last_heap_goal_bytes > 0 {
        let _ = writeln!(
            out,
            "  heap:          max {} bytes, last goal {} bytes",
            gc.max_heap_bytes, gc.last_heap_goal_bytes
        );
    }

    if !s.procs.is_empty() {
        let _ = writeln!(out, "\nPer-P utilisation (goroutines running):");
        for p in &s.procs {
            let _ = writeln!(
                out,
                "  P{:<4} {:>10}  {:>6.1}%",
                p.id,
                fmt_dur(p.running_ns),
                p.utilization * 100.0
            );
        }
    }

    let mut named = |title: &str, v: &[NamedDurations]| {
        if v.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{title} (durations of the complete ones):\n  {:>6} {:>8} {:>6} {:>10} {:>10} {:>10} {:>10}  Name",
            "Seen", "Complete", "Open", "Total", "Min", "Mean", "Max"
        );
        for n in v {
            let d = &n.durations;
            let (min, mean, max) = if d.count == 0 {
                ("-".to_string(), "-".to_string(), "-".to_string())
            } else {
                (fmt_dur(n.min_ns), fmt_dur(d.mean_ns()), fmt_dur(d.max_ns))
            };
            let _ = writeln!(
                out,
                "  {:>6} {:>8} {:>6} {:>10} {:>10} {:>10} {:>10}  {}",
                n.seen,
                d.count,
                d.open_at_end,
                fmt_dur(d.total_ns),
                min,
                mean,
                max,
                if n.name.is_empty() { "\"\"" } else { &n.name }
            );
        }
    };
    named("User tasks", &s.tasks);
    named("User regions", &s.regions);

    if !s.mmu.is_empty() {
        let _ = writeln!(
            out,
            "\nMinimum mutator utilization ({}):",
            s.mmu_flags.go_query().replace('|', ", ")
        );
        for p in &s.mmu {
            let v = match p.mmu {
                Some(m) => format!("{:.1}%", m * 100.0),
                None => "-".to_string(),
            };
            let _ = writeln!(out, "  {:>10} window  {v:>6}", fmt_dur(p.window_ns));
        }
    }
}
