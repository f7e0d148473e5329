//! The four pprof-like profiles of `go tool trace -pprof=KIND`, computed in
//! one streaming pass (a port of Go 1.27's `cmd/trace/pprof.go`).
//!
//! # What Go computes
//!
//! `makeComputePprofFunc(state, reasonFilter)` walks the goroutine state
//! transitions. When goroutine G enters `state` for a tracked reason, the
//! event is remembered; when G later enters any other state, the time in
//! between is added to the **stack of the remembered event** (for `sched`,
//! the event that made G runnable: the unblocker's stack, the creator's, or
//! G's own when it was preempted), with a count of 1. Intervals still open
//! at the end are dropped.
//!
//! | kind      | state    | reasons                                   |
//! |-----------|----------|-------------------------------------------|
//! | `net`     | Waiting  | `network`                                 |
//! | `sync`    | Waiting  | containing `chan`, `sync` or `select`     |
//! | `syscall` | Syscall  | any                                       |
//! | `sched`   | Runnable | any                                       |
//!
//! Each interval is then clipped to the goroutine's interval in Go's
//! goroutine summary, `[StartTime, EndTime]`, where `StartTime` is when the
//! goroutine **first ran** (0 if it never did) and `EndTime` when it ended
//! (or the end of the trace). So the first scheduling latency of a new
//! goroutine (from creation to its first run), and the waits of goroutines
//! that existed before the trace began, up to their first run, count
//! nothing, while every interval of a goroutine that never ran counts in
//! full. Only intervals that keep a positive duration are counted.
//!
//! The profile has sample types `contentions/count` and
//! `delay/nanoseconds`, period type `trace/count` with period 1, one
//! location per PC and one function per file and function name, no
//! mappings (Go's `traceviewer.BuildProfile`). Stacks are merged by their
//! first 128 PCs padded with zeros, so a stack whose only frame has PC 0
//! (shown as `<unknown>`) merges with the empty stack; a merged record
//! shows the frames of the last stack counted, as in Go.
//!
//! Of a damaged trace, Go profiles the events up to the last Sync (the
//! complete generations); so does this module. For a trace without any
//! goroutine Go fails ("failed to find matching goroutines"); this module
//! gives empty profiles.
//!
//! # Streaming
//!
//! Go computes the summary first, then the profile, so it knows every
//! goroutine's `StartTime` when it clips. Here the clipping is decided
//! when an interval ends if the goroutine has run by then (the usual case);
//! intervals of goroutines that have not run yet are held until they run
//! (they then count nothing: they ended before the first run) or end (they
//! count in full). Goroutine IDs are reused only by cgo callbacks
//! (goroutines created in a syscall); for those, Go's summary keeps the
//! last incarnation only, so that its interval clips the intervals of all
//! earlier ones (they count nothing if it ran, in full if it did not), and
//! this module keeps what it needs to do the same. (The one case left out:
//! an ID created again that was first created outside a syscall, which
//! the runtime never does.)
//!
//! Memory: the tracked intervals of live goroutines, one record per
//! distinct stack, and the current generation's stack cache.

use std::fmt;
use std::io::Read;
use std::str::FromStr;
use std::sync::Arc;

use rprof_profile::{Line, Profile, ProfileBuilder};

use super::Partial;
use crate::error::Error;
use crate::event::{Event, EventKind, GoId, GoState};
use crate::fxhash::{DenseMap, FxHashMap};
use crate::reader::Reader;
use crate::table::{EvTable, Time};

/// Which profile: the `-pprof=` values of `go tool trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PprofKind {
    /// Scheduler latency: time goroutines were runnable but not running
    /// (`-pprof=sched`, web UI `/sched`).
    Sched,
    /// Synchronization blocking: channels, `select`, `sync` (`-pprof=sync`,
    /// `/block`).
    Sync,
    /// Network blocking (`-pprof=net`, `/io`).
    Net,
    /// Time in system calls (`-pprof=syscall`, `/syscall`).
    Syscall,
}

impl PprofKind {
    /// All four, in Go's `-pprof=` order of documentation.
    pub const ALL: [PprofKind; 4] = [
        PprofKind::Net,
        PprofKind::Sync,
        PprofKind::Syscall,
        PprofKind::Sched,
    ];

    /// The `-pprof=` name.
    pub fn name(self) -> &'static str {
        match self {
            PprofKind::Sched => "sched",
            PprofKind::Sync => "sync",
            PprofKind::Net => "net",
            PprofKind::Syscall => "syscall",
        }
    }

    /// What the profile measures, for titles.
    pub fn description(self) -> &'static str {
        match self {
            PprofKind::Sched => "scheduler latency",
            PprofKind::Sync => "synchronization blocking",
            PprofKind::Net => "network blocking",
            PprofKind::Syscall => "syscall",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn state(self) -> GoState {
        match self {
            PprofKind::Sched => GoState::Runnable,
            PprofKind::Sync | PprofKind::Net => GoState::Waiting,
            PprofKind::Syscall => GoState::Syscall,
        }
    }

    /// Go's reason filter for the kind (on the reason's bytes: the same
    /// answers as on its text, see [`Event::goroutine_transition`]).
    fn tracks(self, reason: &[u8]) -> bool {
        let has = |w: &[u8]| reason.windows(w.len()).any(|x| x == w);
        match self {
            PprofKind::Net => reason == b"network",
            PprofKind::Sync => has(b"chan") || has(b"sync") || has(b"select"),
            PprofKind::Sched | PprofKind::Syscall => true,
        }
    }
}

impl fmt::Display for PprofKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PprofKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "sched" => PprofKind::Sched,
            "sync" => PprofKind::Sync,
            "net" => PprofKind::Net,
            "syscall" => PprofKind::Syscall,
            _ => {
                return Err(format!(
                    "unknown pprof type {s:?}: use sched, sync, net or syscall"
                ));
            }
        })
    }
}

/// The four profiles of one trace.
#[derive(Debug, Clone)]
pub struct PprofProfiles {
    profiles: [Profile; 4],
}

impl PprofProfiles {
    /// The profile of `kind` (empty if it was not computed).
    pub fn get(&self, kind: PprofKind) -> &Profile {
        &self.profiles[kind.index()]
    }

    /// Takes out the profile of `kind`.
    pub fn into_profile(self, kind: PprofKind) -> Profile {
        let [a, b, c, d] = self.profiles;
        match kind {
            PprofKind::Sched => a,
            PprofKind::Sync => b,
            PprofKind::Net => c,
            PprofKind::Syscall => d,
        }
    }
}

/// Computes the four profiles of `reader`'s trace in one pass. A damaged
/// trace gives the profiles of its complete generations plus the error.
pub fn pprof_profiles<R: Read + Send>(
    reader: &mut Reader<R>,
) -> Result<Partial<PprofProfiles>, Error> {
    let mut b = PprofAnalyzer::new(&PprofKind::ALL);
    let error = super::drive_kinds(reader, PprofAnalyzer::KINDS, |ev| b.event(ev))?;
    Ok(Partial {
        value: b.finish(),
        error,
    })
}

/// Computes one profile of `reader`'s trace (what `go tool trace
/// -pprof=KIND` writes).
pub fn pprof_profile<R: Read + Send>(
    reader: &mut Reader<R>,
    kind: PprofKind,
) -> Result<Partial<Profile>, Error> {
    let mut b = PprofAnalyzer::new(&[kind]);
    let error = super::drive_kinds(reader, PprofAnalyzer::KINDS, |ev| b.event(ev))?;
    Ok(Partial {
        value: b.finish().into_profile(kind),
        error,
    })
}

/// The profiles of `kinds` counting what `filter` selects (the web UI's
/// filtered profiles), in one pass over `reader`'s trace.
pub fn pprof_filtered<R: Read + Send>(
    reader: &mut Reader<R>,
    kinds: &[PprofKind],
    filter: PprofFilter,
) -> Result<Partial<PprofProfiles>, Error> {
    let mut b = PprofAnalyzer::new(kinds).with_filter(filter);
    let error = super::drive_kinds(reader, PprofAnalyzer::KINDS, |ev| b.event(ev))?;
    Ok(Partial {
        value: b.finish(),
        error,
    })
}

/// One interval, as counted: which stack variant it had (`variant`, see
/// [`Stacks`]) and when it ended (`seq`, the event's index: Go's profile
/// shows, for stacks merged by PCs, the frames of the last one counted).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Last {
    seq: u64,
    variant: u32,
}

/// Count and total nanoseconds of the intervals of one stack, with the
/// part that ended after the last Sync kept apart (Go drops it when the
/// trace turns out to be damaged).
#[derive(Debug, Default, Clone, Copy)]
struct Acc {
    done: (i64, i64, Last),
    open: (i64, i64, Last),
    open_seg: u64,
}

fn merge(a: &mut (i64, i64, Last), b: (i64, i64, Last)) {
    a.0 += b.0;
    a.1 += b.1;
    a.2 = a.2.max(b.2);
}

impl Acc {
    /// Adds one interval of `dur` that ended in segment `seg` (the number
    /// of Sync events before it).
    fn add(&mut self, seg: u64, dur: i64, last: Last) {
        let one = (1, dur, last);
        if seg < self.open_seg {
            merge(&mut self.done, one);
            return;
        }
        if seg > self.open_seg {
            let open = std::mem::take(&mut self.open);
            merge(&mut self.done, open);
            self.open_seg = seg;
        }
        merge(&mut self.open, one);
    }

    /// What counts when the last Sync was the `last_seg`-th: everything
    /// that ended before it.
    fn valid(&self, last_seg: u64) -> (i64, i64, Last) {
        let mut v = self.done;
        if self.open_seg < last_seg {
            merge(&mut v, self.open);
        }
        v
    }
}

/// Per-kind, per-stack (merged by PCs) accumulators.
type Accs = FxHashMap<(u8, u32), Acc>;

/// [`Accs`] for every goroutine's intervals together, indexed by stack key
/// and kind (keys are numbered densely as stacks are first seen): one
/// indexed add per interval instead of a hash probe. An accumulator never
/// added to counts nothing, like one that is not there.
#[derive(Debug, Default)]
struct Totals(Vec<Acc>);

impl Totals {
    #[inline]
    fn entry(&mut self, (kind, key): (u8, u32)) -> &mut Acc {
        let i = key as usize * PprofKind::ALL.len() + usize::from(kind);
        if i >= self.0.len() {
            self.0.resize_with(i + 1, Acc::default);
        }
        &mut self.0[i]
    }

    fn iter(&self) -> impl Iterator<Item = ((u8, u32), &Acc)> {
        let n = PprofKind::ALL.len();
        self.0
            .iter()
            .enumerate()
            .map(move |(i, a)| (((i % n) as u8, (i / n) as u32), a))
    }
}

/// An interval waiting for its goroutine's first run.
#[derive(Debug, Clone, Copy)]
struct Held {
    kind: u8,
    variant: u32,
    start: Time,
    end: Time,
    seg: u64,
    seq: u64,
}

/// What this module needs of Go's goroutine summary for one goroutine.
#[derive(Debug, Default)]
struct GoInfo {
    /// Go's `StartTime`: when the current incarnation first ran, 0 before.
    start: Time,
    /// Intervals of the current incarnation that ended before it ran.
    held: Vec<Held>,
    /// Set for goroutines whose ID may be reused (created in a syscall:
    /// cgo callbacks), whose intervals are kept until the end.
    reuse: Option<Box<Reuse>>,
}

#[derive(Debug, Default)]
struct Reuse {
    /// The current incarnation's intervals, clipped to its start: what
    /// counts if it is the last one and it ran.
    cur: Accs,
    /// Every incarnation's intervals in full: what counts if the last
    /// one never ran.
    full: Accs,
}

/// Go's `interval.overlap` of an interval `[a, b]` with the goroutine's
/// `[start, end]`, where the end is never before `b` (the goroutine ends,
/// and the trace ends, after its intervals).
fn clipped(start: Time, a: Time, b: Time) -> i64 {
    if start == 0 {
        // [0, EndTime]
        return b - a.max(0);
    }
    if b < start {
        return 0;
    }
    b - a.max(start)
}

/// Frames of an interned stack.
#[derive(Debug, Clone, Copy)]
struct Frame {
    pc: u64,
    func: u32,
    file: u32,
    line: i64,
}

/// Stacks, interned twice: each distinct PC sequence is a *variant* with
/// its frames; variants are merged under a *key*, the PC sequence without
/// trailing zero PCs, because Go merges stacks by their first 128 PCs
/// padded with zeros (so a stack whose only frame has PC 0 merges with the
/// empty stack). A cache maps the current generation's stack IDs to
/// variants (tables, and so stack IDs, change every generation).
#[derive(Debug, Default)]
struct Stacks {
    variants: FxHashMap<Box<[u64]>, u32>,
    frames: Vec<Box<[Frame]>>,
    key_of: Vec<u32>,
    keys: FxHashMap<Box<[u64]>, u32>,
    strings: Vec<Box<str>>,
    string_ids: FxHashMap<Box<str>, u32>,
    gen_table: Option<Arc<EvTable>>,
    gen_cache: FxHashMap<u64, u32>,
    pcs: Vec<u64>,
}

/// Go's `pprofMaxStack`.
const MAX_STACK: usize = 128;

impl Stacks {
    fn new() -> Self {
        let mut s = Stacks::default();
        s.variants.insert(Box::new([]), 0);
        s.frames.push(Box::new([]));
        s.keys.insert(Box::new([]), 0);
        s.key_of.push(0);
        s
    }

    fn string(&mut self, b: &[u8]) -> u32 {
        let s = String::from_utf8_lossy(b);
        if let Some(&i) = self.string_ids.get(&*s) {
            return i;
        }
        let i = self.strings.len() as u32;
        let s: Box<str> = s.into();
        self.strings.push(s.clone());
        self.string_ids.insert(s, i);
        i
    }

    /// The variant of `ev`'s own stack (0: no stack).
    fn of_event(&mut self, ev: &Event) -> u32 {
        let stk = ev.stack();
        if stk.is_none() {
            return 0;
        }
        let same = match (&self.gen_table, &ev.table) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        if !same {
            self.gen_cache.clear();
            self.gen_table = ev.table.clone();
        }
        if let Some(&i) = self.gen_cache.get(&stk.id()) {
            return i;
        }
        self.pcs.clear();
        self.pcs.extend(stk.frames().take(MAX_STACK).map(|f| f.pc));
        let i = match self.variants.get(&self.pcs[..]) {
            Some(&i) => i,
            None => {
                let i = self.frames.len() as u32;
                let frames: Vec<Frame> = stk
                    .frames()
                    .take(MAX_STACK)
                    .map(|f| Frame {
                        pc: f.pc,
                        func: self.string(f.func),
                        file: self.string(f.file),
                        line: f.line as i64,
                    })
                    .collect();
                self.frames.push(frames.into());
                self.variants.insert(self.pcs.clone().into(), i);
                let trimmed =
                    self.pcs.len() - self.pcs.iter().rev().take_while(|&&pc| pc == 0).count();
                let n = self.keys.len() as u32;
                let key = *self.keys.entry(self.pcs[..trimmed].into()).or_insert(n);
                self.key_of.push(key);
                i
            }
        };
        self.gen_cache.insert(stk.id(), i);
        i
    }

    fn key(&self, variant: u32) -> u32 {
        self.key_of[variant as usize]
    }
}

/// Which goroutines and which time a profile counts (the web UI's
/// `/io?name=G`, `/regionio?type=T`, and a time window). Times are ns
/// since the trace's first event, as everywhere in the web UI.
///
/// The default counts every goroutine over its lifetime, as
/// `go tool trace -pprof` does.
#[derive(Debug, Clone, Default)]
pub struct PprofFilter {
    /// Only these goroutines (Go's `pprofMatchingGoroutines`: the
    /// goroutines of one group), each still over its lifetime.
    pub goroutines: Option<std::collections::HashSet<GoId>>,
    /// Only the time inside these intervals of each goroutine, instead of
    /// its lifetime (Go's `pprofMatchingRegions`: the outermost regions of
    /// a type); goroutines not listed count nothing.
    pub intervals: Option<std::collections::HashMap<GoId, Vec<(i64, i64)>>>,
    /// Only the time inside `[start, end]` (`--start`/`--end`, or a window
    /// selected in the timeline): every interval is cut to it first.
    pub window: Option<(i64, i64)>,
}

impl PprofFilter {
    /// Go's `pprofMatchingRegions` for the regions given as
    /// `(goroutine, start, end)`: per goroutine, its outermost regions
    /// (sorted by start then end, a region is kept when it starts at or
    /// after the end of the last one kept).
    pub fn outermost_regions(regions: impl IntoIterator<Item = (GoId, i64, i64)>) -> Self {
        let mut by_g: std::collections::HashMap<GoId, Vec<(i64, i64)>> = Default::default();
        for (g, a, b) in regions {
            by_g.entry(g).or_default().push((a, b));
        }
        for v in by_g.values_mut() {
            v.sort_unstable();
            let mut last = i64::MIN;
            v.retain(|&(a, b)| {
                if last <= a {
                    last = b;
                    true
                } else {
                    false
                }
            });
        }
        PprofFilter {
            intervals: Some(by_g),
            ..Default::default()
        }
    }
}

/// Go's `pprofOverlappingDuration`: the time `[a, b]` shares with the
/// intervals (Go's `interval.overlap`, which counts touching intervals as
/// overlapping by 0).
fn overlapping(intervals: &[(i64, i64)], a: i64, b: i64) -> i64 {
    intervals
        .iter()
        .map(|&(s, e)| {
            if e < a || b < s {
                0
            } else {
                e.min(b) - s.max(a)
            }
        })
        .filter(|&d| d > 0)
        .sum()
}

/// The streaming computation of the profiles: feed it every event of a
/// trace with [`PprofAnalyzer::event`], then [`PprofAnalyzer::finish`].
#[derive(Debug)]
pub struct PprofAnalyzer {
    kinds: Vec<PprofKind>,
    filter: PprofFilter,
    /// The first event's time: the origin of the filter's times.
    t0: Option<Time>,
    /// Per kind (by index): goroutine → (start of the interval, stack).
    /// Per kind, the goroutines in the kind's state: since when, and the
    /// stack variant. Goroutine IDs are small and dense: indexed maps,
    /// not hashed (several lookups per transition).
    tracking: [DenseMap<(Time, u32), { 1 << 16 }>; 4],
    goroutines: DenseMap<GoInfo, { 1 << 16 }>,
    totals: Totals,
    stacks: Stacks,
    /// Sync events seen.
    seg: u64,
    /// Events seen.
    seq: u64,
}

impl PprofAnalyzer {
    /// The kinds of events [`PprofAnalyzer::event`] looks at (besides
    /// Sync events); it ignores the others.
    const KINDS: &[EventKind] = &[EventKind::StateTransition];

    /// A builder for the given kinds.
    pub fn new(kinds: &[PprofKind]) -> Self {
        let mut kinds = kinds.to_vec();
        kinds.sort();
        kinds.dedup();
        PprofAnalyzer {
            kinds,
            filter: PprofFilter::default(),
            t0: None,
            tracking: Default::default(),
            goroutines: DenseMap::default(),
            totals: Totals::default(),
            stacks: Stacks::new(),
            seg: 0,
            seq: 0,
        }
    }

    /// Counts only what `filter` selects.
    pub fn with_filter(mut self, filter: PprofFilter) -> Self {
        self.filter = filter;
        self
    }

    /// Processes the next event of the trace.
    pub fn event(&mut self, ev: &Event) {
        self.t0.get_or_insert(ev.time());
        self.seq += 1;
        match ev.kind() {
            EventKind::Sync => self.seg += 1,
            EventKind::StateTransition => self.transition(ev),
            _ => {}
        }
    }

    fn transition(&mut self, ev: &Event) {
        let Some(st) = ev.goroutine_transition() else {
            return;
        };
        let (id, old, new) = (st.g, st.old, st.new);
        let mut t = ev.time();
        if let Some((a, b)) = self.filter.window {
            // Intervals cut to the window: every time inside it.
            let t0 = self.t0.unwrap_or(t);
            t = t.clamp(t0.saturating_add(a), t0.saturating_add(b));
        }

        // Go's summarizer: a goroutine's summary starts when it is first
        // seen (or created), and StartTime is its first run.
        if old != new {
            match old {
                GoState::Undetermined => {
                    self.goroutines.insert(id, GoInfo::default());
                }
                GoState::NotExist => match self.goroutines.get_mut(&id) {
                    Some(g) => {
                        // A reused ID (cgo callback): a new incarnation.
                        g.start = 0;
                        g.held.clear();
                        if let Some(r) = &mut g.reuse {
                            r.cur.clear();
                        }
                    }
                    None => {
                        let reuse = (new == GoState::Syscall).then(Box::default);
                        self.goroutines.insert(
                            id,
                            GoInfo {
                                reuse,
                                ..GoInfo::default()
                            },
                        );
                    }
                },
                _ => {}
            }
            if new == GoState::Running {
                let g = self.goroutines.get_or_insert_with(id, GoInfo::default);
                if g.start == 0 {
                    g.start = t;
                    // They ended before this first run: Go's overlap is 0.
                    g.held.clear();
                }
            }
        }

        // Go's makeComputePprofFunc, for each kind.
        for ki in 0..self.kinds.len() {
            let kind = self.kinds[ki];
            let tracking = &mut self.tracking[kind.index()];
            let Some(&(a, variant)) = tracking.get(&id) else {
                if new == kind.state()
                    && kind.tracks(st.reason)
                    && self
                        .filter
                        .goroutines
                        .as_ref()
                        .is_none_or(|s| s.contains(&id))
                {
                    let variant = self.stacks.of_event(ev);
                    tracking.insert(id, (t, variant));
                }
                continue;
            };
            if new == kind.state() {
                continue;
            }
            tracking.remove(&id);
            let key = (kind.index() as u8, self.stacks.key(variant));
            let last = Last {
                seq: self.seq,
                variant,
            };
            if let Some(iv) = &self.filter.intervals {
                // Go's region profiles: the overlap with the goroutine's
                // regions, not clipped to its lifetime.
                let t0 = self.t0.unwrap_or(t);
                let d = iv.get(&id).map_or(0, |v| overlapping(v, a - t0, t - t0));
                if d > 0 {
                    self.totals.entry(key).add(self.seg, d, last);
                }
                continue;
            }
            let g = self.goroutines.get_or_insert_with(id, GoInfo::default);
            if let Some(r) = &mut g.reuse {
                let full = t - a.max(0);
                if full > 0 {
                    r.full.entry(key).or_default().add(self.seg, full, last);
                }
                if g.start != 0 {
                    let d = clipped(g.start, a, t);
                    if d > 0 {
                        r.cur.entry(key).or_default().add(self.seg, d, last);
                    }
                }
            } else if g.start != 0 {
                let d = clipped(g.start, a, t);
                if d > 0 {
                    self.totals.entry(key).add(self.seg, d, last);
                }
            } else {
                g.held.push(Held {
                    kind: key.0,
                    variant,
                    start: a,
                    end: t,
                    seg: self.seg,
                    seq: self.seq,
                });
            }
        }

        // The goroutine's end (Go finalizes at NotExist and at a block
        // "forever"): held intervals of a goroutine that never ran count
        // in full.
        let ended = new == GoState::NotExist
            || (new == GoState::Waiting && old != new && st.reason == b"forever");
        if ended
            && self.goroutines.get(&id).is_some_and(|g| g.reuse.is_none())
            && let Some(g) = self.goroutines.remove(&id)
        {
            for h in g.held {
                add_held(&mut self.totals, &self.stacks, &h);
            }
        }
    }

    /// The profiles of everything up to the last Sync event.
    pub fn finish(mut self) -> PprofProfiles {
        let last_seg = self.seg;
        let mut totals: FxHashMap<(u8, u32), (i64, i64, Last)> = FxHashMap::default();
        let mut add = |k: (u8, u32), v: (i64, i64, Last)| {
            if v.0 > 0 {
                merge(totals.entry(k).or_default(), v);
            }
        };
        for g in std::mem::take(&mut self.goroutines).into_values() {
            match g.reuse {
                Some(r) => {
                    let accs = if g.start == 0 { r.full } else { r.cur };
                    for (k, a) in accs {
                        add(k, a.valid(last_seg));
                    }
                }
                None => {
                    for h in &g.held {
                        add_held(&mut self.totals, &self.stacks, h);
                    }
                }
            }
        }
        for (k, a) in self.totals.iter() {
            add(k, a.valid(last_seg));
        }
        let mut by_kind: [Vec<(u32, i64, i64, u32)>; 4] = Default::default();
        for ((kind, key), (c, t, last)) in totals {
            by_kind[usize::from(kind)].push((key, c, t, last.variant));
        }
        let profiles = by_kind.map(|mut recs| {
            recs.sort_unstable_by_key(|r| r.0);
            build_profile(&self.stacks, &recs)
        });
        PprofProfiles { profiles }
    }
}

fn add_held(totals: &mut Totals, stacks: &Stacks, h: &Held) {
    let d = clipped(0, h.start, h.end);
    if d > 0 {
        let last = Last {
            seq: h.seq,
            variant: h.variant,
        };
        totals
            .entry((h.kind, stacks.key(h.variant)))
            .add(h.seg, d, last);
    }
}

/// Go's `traceviewer.BuildProfile`.
/// `recs`: (key, count, time, variant whose frames are shown).
fn build_profile(stacks: &Stacks, recs: &[(u32, i64, i64, u32)]) -> Profile {
    let mut b = ProfileBuilder::new();
    b.add_sample_type("contentions", "count");
    b.add_sample_type("delay", "nanoseconds");
    let period = b.value_type("trace", "count");
    b.profile_mut().period_type = Some(period);
    b.profile_mut().period = 1;
    let mut locs: FxHashMap<u64, u32> = FxHashMap::default();
    let mut funcs: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    let mut sloc = Vec::new();
    for &(_, count, time, variant) in recs {
        sloc.clear();
        for f in stacks.frames[variant as usize].iter() {
            let loc = match locs.get(&f.pc) {
                Some(&l) => l,
                None => {
                    let func = match funcs.get(&(f.file, f.func)) {
                        Some(&x) => x,
                        None => {
                            let name = &stacks.strings[f.func as usize];
                            let file = &stacks.strings[f.file as usize];
                            let x = b.function(name, name, file, 0);
                            funcs.insert((f.file, f.func), x);
                            x
                        }
                    };
                    let line = Line {
                        function: func,
                        line: f.line,
                        column: 0,
                    };
                    let l = b.location(None, f.pc, &[line], false);
                    locs.insert(f.pc, l);
                    l
                }
            };
            sloc.push(loc);
        }
        b.push_sample(&sloc, &[count, time], &[]);
    }
    b.finish()
}
