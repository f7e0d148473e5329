//! Per-goroutine execution statistics: a port of the goroutine part of
//! Go 1.27's `internal/trace/summary.go` (`Summarizer`), streaming.
//!
//! Go keeps a summary for every goroutine of the trace until the end. Here
//! a goroutine's summary is handed out as soon as Go would have finalized
//! it for good (it ended, or blocked "forever"), so memory is bounded by the
//! live goroutines. Two cases stay until the end, because Go's result
//! depends on later events: goroutines created in a syscall (cgo
//! callbacks, whose IDs the runtime reuses: Go's summary keeps only the
//! last incarnation of an ID), and goroutines that ended at the instant
//! they appeared (Go's final pass gives them a total time).

use crate::event::{Event, EventKind, GoId, GoState, ProcId, ProcState, ResourceId};
use crate::fxhash::{DenseMap, FxHashMap};
use crate::table::Time;

/// Interned names (block reasons, range names).
#[derive(Debug, Default)]
pub(crate) struct Names {
    names: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, u32>,
    /// The same IDs by the names' bytes as the trace has them (block
    /// reasons, looked up per transition without a UTF-8 check).
    by_bytes: FxHashMap<Box<[u8]>, u32>,
}

impl Names {
    /// [`Names::id`] of `String::from_utf8_lossy(b)`.
    pub(crate) fn id_of_bytes(&mut self, b: &[u8]) -> u32 {
        if let Some(&i) = self.by_bytes.get(b) {
            return i;
        }
        let i = self.id(&String::from_utf8_lossy(b));
        self.by_bytes.insert(b.into(), i);
        i
    }

    pub(crate) fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), i);
        i
    }

    pub(crate) fn get(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// Every name, by ID.
    pub(crate) fn to_vec(&self) -> Vec<String> {
        self.names.iter().map(|s| s.to_string()).collect()
    }
}

/// A small map from interned name to a value, in insertion order.
#[derive(Debug, Default, Clone)]
pub(crate) struct NameMap<T>(pub(crate) Vec<(u32, T)>);

impl<T: Default> NameMap<T> {
    pub(crate) fn entry(&mut self, k: u32) -> &mut T {
        let i = match self.0.iter().position(|e| e.0 == k) {
            Some(i) => i,
            None => {
                self.0.push((k, T::default()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }

    pub(crate) fn get(&self, k: u32) -> Option<&T> {
        self.0.iter().find(|e| e.0 == k).map(|e| &e.1)
    }

    fn remove(&mut self, k: u32) {
        if let Some(i) = self.0.iter().position(|e| e.0 == k) {
            self.0.remove(i);
        }
    }
}

/// Go's `GoroutineExecStats` (nanoseconds).
#[derive(Debug, Default, Clone)]
pub(crate) struct ExecStats {
    pub(crate) exec: i64,
    pub(crate) sched_wait: i64,
    pub(crate) block_by_reason: NameMap<i64>,
    pub(crate) syscall: i64,
    pub(crate) syscall_block: i64,
    pub(crate) total: i64,
    pub(crate) range_time: NameMap<i64>,
}

impl ExecStats {
    /// Go's `UnknownTime`.
    pub(crate) fn unknown(&self) -> i64 {
        let sum = self.exec
            + self.sched_wait
            + self.syscall
            + self.syscall_block
            + self.block_by_reason.0.iter().map(|e| e.1).sum::<i64>();
        if sum < self.total {
            self.total - sum
        } else {
            0
        }
    }
}

/// Go's `GoroutineSummary` with its private analysis state.
#[derive(Debug, Default)]
pub(crate) struct GoSummary {
    pub(crate) id: GoId,
    pub(crate) name: String,
    pub(crate) pc: u64,
    pub(crate) creation: Time,
    pub(crate) start: Time,
    pub(crate) end: Time,
    pub(crate) stats: ExecStats,
    /// Created in a syscall: its ID may be reused.
    reusable: bool,
    last_start: Time,
    last_runnable: Time,
    last_block: Time,
    last_block_reason: u32,
    last_syscall: Time,
    last_syscall_block: Time,
    last_range: NameMap<Time>,
}

impl GoSummary {
    fn new(id: GoId, creation: Time) -> Self {
        GoSummary {
            id,
            creation,
            ..GoSummary::default()
        }
    }

    /// Go's `snapshotStat`.
    fn snapshot(&self, last_ts: Time) -> ExecStats {
        let mut ret = self.stats.clone();
        if self.stats.total == 0 {
            ret.total = last_ts - self.creation;
        }
        if self.last_start != 0 {
            ret.exec += last_ts - self.last_start;
        }
        if self.last_runnable != 0 {
            ret.sched_wait += last_ts - self.last_runnable;
        }
        if self.last_block != 0 {
            *ret.block_by_reason.entry(self.last_block_reason) += last_ts - self.last_block;
        }
        if self.last_syscall != 0 {
            ret.syscall += last_ts - self.last_syscall;
        }
        if self.last_syscall_block != 0 {
            ret.sched_wait += last_ts - self.last_syscall_block;
        }
        for &(name, ts) in &self.last_range.0 {
            *ret.range_time.entry(name) += last_ts - ts;
        }
        ret
    }

    /// Go's `finalize` (without the regions).
    fn finalize(&mut self, last_ts: Time, trigger: Option<Time>) {
        if let Some(t) = trigger {
            self.end = t;
        }
        self.stats = self.snapshot(last_ts);
        self.last_start = 0;
        self.last_runnable = 0;
        self.last_block = 0;
        self.last_block_reason = 0;
        self.last_syscall = 0;
        self.last_syscall_block = 0;
        self.last_range = NameMap::default();
    }
}

/// Go's `Summarizer`, goroutines only. Finished summaries are appended to
/// `finished`; the caller drains it.
#[derive(Debug, Default)]
pub(crate) struct GoStats {
    /// Live goroutines by ID (small and dense: indexed, not hashed; boxed,
    /// so that a slot costs a pointer).
    gs: DenseMap<Box<GoSummary>, { 1 << 16 }>,
    syscalling_p: FxHashMap<ProcId, GoId>,
    syscalling_g: FxHashMap<GoId, ProcId>,
    ranges_p: FxHashMap<(ProcId, u32), GoId>,
    last_ts: Time,
    sync_ts: Time,
    /// `--start`/`--end`: every time is moved into this window (ns since
    /// the first event), so that each state's time is its part inside it.
    pub(crate) window: Option<(i64, i64)>,
    t0: Option<Time>,
    /// The current event's time (clamped to the window).
    now: Time,
    pub(crate) names: Names,
    /// Block reasons by string ID.
    reasons: Reasons,
    pub(crate) finished: Vec<GoSummary>,
}

/// The interned block reasons of the current table's string IDs: a
/// transition's reason is a string ID, the same one for the same reason
/// throughout a generation. Looking the bytes up in [`Names`] for every
/// blocking transition (hashing and comparing them) was a seventh of the
/// goroutine statistics' time.
#[derive(Debug, Default)]
struct Reasons {
    /// The table the IDs are of (its address; `Sync` events also clear
    /// the cache, so that a new table at an old one's address is never
    /// taken for it).
    table: usize,
    /// Name by string ID, [`Reasons::UNKNOWN`] if not looked up yet.
    by_id: Vec<u32>,
}

impl Reasons {
    const UNKNOWN: u32 = u32::MAX;
    /// Go's "forever" reason, which ends a goroutine (never interned).
    const FOREVER: u32 = u32::MAX - 1;
    /// String IDs cached (the others are looked up each time).
    const MAX_CACHED: u64 = 1 << 12;

    fn clear(&mut self) {
        self.by_id.clear();
    }

    /// The interned reason of transition `ev` in `names`, or
    /// [`Reasons::FOREVER`].
    #[inline]
    fn name(&mut self, ev: &Event, names: &mut Names) -> u32 {
        let id = ev.reason_id();
        let table = ev.table_addr();
        if table != self.table {
            self.by_id.clear();
            self.table = table;
        }
        if let Some(&n) = self.by_id.get(id as usize)
            && n != Self::UNKNOWN
        {
            return n;
        }
        let bytes = ev.string(id);
        let n = if bytes == b"forever" {
            Self::FOREVER
        } else {
            names.id_of_bytes(bytes)
        };
        if id < Self::MAX_CACHED {
            let i = id as usize;
            if i >= self.by_id.len() {
                self.by_id.resize(i + 1, Self::UNKNOWN);
            }
            self.by_id[i] = n;
        }
        n
    }
}

impl GoStats {
    pub(crate) fn new() -> Self {
        let mut s = GoStats::default();
        // Id 0: the empty reason (Go's zero lastBlockReason).
        s.names.id("");
        s
    }

    /// Go's `Summarizer.Event`.
    pub(crate) fn event(&mut self, ev: &Event) {
        let mut t = ev.time();
        let t0 = *self.t0.get_or_insert(t);
        if let Some((a, b)) = self.window {
            t = t.clamp(t0.saturating_add(a), t0.saturating_add(b));
        }
        self.now = t;
        if self.sync_ts == 0 {
            self.sync_ts = t;
        }
        self.last_ts = t;
        match ev.kind() {
            EventKind::Sync => {
                self.sync_ts = t;
                self.reasons.clear();
            }
            EventKind::StateTransition => self.transition(ev),
            EventKind::RangeBegin | EventKind::RangeActive => {
                let Some(r) = ev.range() else { return };
                let name = self.names.id(&r.name);
                let g = match r.scope {
                    ResourceId::Goroutine(id) => id,
                    ResourceId::Proc(p) => {
                        let g = ev.goroutine();
                        if self.gs.contains_key(&g) {
                            self.ranges_p.insert((p, name), g);
                        }
                        g
                    }
                    _ => return,
                };
                let sync_ts = self.sync_ts;
                let Some(g) = self.gs.get_mut(&g) else { return };
                if ev.kind() == EventKind::RangeActive {
                    if let Some(&ts) = g.last_range.get(name)
                        && ts != 0
                    {
                        *g.stats.range_time.entry(name) += sync_ts - ts;
                    }
                    *g.last_range.entry(name) = sync_ts;
                } else {
                    *g.last_range.entry(name) = t;
                }
            }
            EventKind::RangeEnd => {
                let Some(r) = ev.range() else { return };
                let name = self.names.id(&r.name);
                let g = match r.scope {
                    ResourceId::Goroutine(id) => Some(id),
                    ResourceId::Proc(p) => match self.ranges_p.remove(&(p, name)) {
                        Some(g) if g == ev.goroutine() => Some(g),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(g) = g.and_then(|g| self.gs.get_mut(&g)) else {
                    return;
                };
                let ts = g.last_range.get(name).copied().unwrap_or(0);
                if ts == 0 {
                    return;
                }
                *g.stats.range_time.entry(name) += t - ts;
                g.last_range.remove(name);
            }
            _ => {}
        }
    }

    fn transition(&mut self, ev: &Event) {
        let t = self.now;
        if let Some((id, old, new)) = ev.goroutine_states() {
            if old == new {
                return;
            }
            // Transition out.
            match old {
                GoState::Undetermined => {
                    let mut g = GoSummary::new(id, self.sync_ts);
                    let state_time = t - self.sync_ts;
                    match new {
                        GoState::Running => g.stats.exec += state_time,
                        GoState::Waiting => {
                            let r = self.reasons.name(ev, &mut self.names);
                            *g.stats.block_by_reason.entry(r) += state_time;
                        }
                        GoState::Runnable => g.stats.sched_wait += state_time,
                        GoState::Syscall => {
                            if ev.proc() == crate::event::NO_PROC {
                                g.stats.syscall_block += state_time;
                            } else {
                                g.stats.syscall += state_time;
                            }
                        }
                        _ => {}
                    }
                    self.gs.insert(id, Box::new(g));
                }
                GoState::NotExist => {
                    // Go replaces any earlier summary of the ID (a
                    // reused cgo-callback goroutine): the earlier
                    // incarnation is lost from its summary.
                    let mut g = GoSummary::new(id, t);
                    g.reusable =
                        new == GoState::Syscall || self.gs.get(&id).is_some_and(|o| o.reusable);
                    self.gs.insert(id, Box::new(g));
                    // (Task inheritance from the creator's regions is
                    // not needed for the statistics.)
                }
                // Any other state: the goroutine's summary (made if this
                // is its first event), its time in `old` closed.
                _ => {
                    let g = self
                        .gs
                        .get_or_insert_with(id, || Box::new(GoSummary::new(id, t)));
                    match old {
                        GoState::Running => {
                            g.stats.exec += t - g.last_start;
                            g.last_start = 0;
                        }
                        GoState::Waiting if g.last_block != 0 => {
                            *g.stats.block_by_reason.entry(g.last_block_reason) += t - g.last_block;
                            g.last_block = 0;
                        }
                        GoState::Runnable if g.last_runnable != 0 => {
                            g.stats.sched_wait += t - g.last_runnable;
                            g.last_runnable = 0;
                        }
                        GoState::Syscall if g.last_syscall != 0 => {
                            if g.last_syscall_block != 0 {
                                g.stats.syscall_block += t - g.last_syscall_block;
                                g.stats.syscall += g.last_syscall_block - g.last_syscall;
                            } else {
                                g.stats.syscall += t - g.last_syscall;
                            }
                            g.last_syscall = 0;
                            g.last_syscall_block = 0;
                            if let Some(p) = self.syscalling_g.remove(&id) {
                                self.syscalling_p.remove(&p);
                            }
                        }
                        _ => {}
                    }
                }
            }
            let Some(g) = self.gs.get_mut(&id) else {
                return;
            };

            // Name the goroutine by the root frame of a transition stack.
            if g.name.is_empty()
                && let Some(st) = ev.goroutine_transition()
                && let Some(f) = st.stack.frames().last()
            {
                g.pc = f.pc;
                g.name = String::from_utf8_lossy(f.func).into_owned();
            }

            // Transition in.
            let mut end = false;
            match new {
                GoState::Running => {
                    g.last_start = t;
                    if g.start == 0 {
                        g.start = t;
                    }
                }
                GoState::Runnable => g.last_runnable = t,
                GoState::Waiting => {
                    let r = self.reasons.name(ev, &mut self.names);
                    if r != Reasons::FOREVER {
                        g.last_block = t;
                        g.last_block_reason = r;
                    } else {
                        end = true;
                    }
                }
                GoState::NotExist => end = true,
                GoState::Syscall => {
                    self.syscalling_p.insert(ev.proc(), id);
                    self.syscalling_g.insert(id, ev.proc());
                    g.last_syscall = t;
                }
                _ => {}
            }
            if end {
                g.finalize(t, Some(t));
                // Final unless Go's last pass can still change it.
                if !g.reusable
                    && g.stats.total != 0
                    && let Some(g) = self.gs.remove(&id)
                {
                    self.finished.push(*g);
                }
            }
        } else if let Some(st) = ev.state_transition()
            && let ResourceId::Proc(id) = st.resource
        {
            let Some((old, new)) = st.proc() else { return };
            if old != new
                && new == ProcState::Idle
                && let Some(goid) = self.syscalling_p.remove(&id)
                && let Some(g) = self.gs.get_mut(&goid)
            {
                g.last_syscall_block = t;
            }
        }
    }

    /// Go's `Finalize`: every remaining goroutine goes to `finished`.
    pub(crate) fn finish(&mut self) {
        let last = self.last_ts;
        let mut rest: Vec<GoSummary> = std::mem::take(&mut self.gs)
            .into_values()
            .map(|g| *g)
            .collect();
        rest.sort_by_key(|g| g.id);
        for mut g in rest {
            g.finalize(last, None);
            self.finished.push(g);
        }
    }
}
