//! `go tool trace`'s goroutine analysis (`/goroutines` and
//! `/goroutine?name=F`): goroutines grouped by start function, with the
//! execution statistics of Go's summarizer (`internal/trace/summary.go`)
//! summed over each group.
//!
//! Per goroutine, Go splits the time from its creation (or from the start
//! of the trace) to its end (or the end of the trace) into non-overlapping
//! parts: execution, scheduler wait (runnable, or in a syscall that lost
//! its P), blocked by reason (the runtime's block reasons: `chan receive`,
//! `sync`, `network`, `select`, `sleep`, `GC mark assist wait for work`…),
//! syscall execution, syscall blocked, and unknown. Overlapping "special
//! ranges" (GC mark assist, GC incremental sweep, stop-the-world) are kept
//! apart in [`GoroutineGroup::range_ns`].
//!
//! A goroutine's group is the function of the root frame of the first
//! stack seen for it ("" when none was: Go shows "(Inactive, no stack
//! trace sampled)").

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::str::FromStr;

use serde::Serialize;

use super::Partial;
use super::gostats::{GoStats, GoSummary, Names};
use crate::error::Error;
use crate::event::Event;
use crate::reader::Reader;

/// The goroutines with one start function, and their statistics summed
/// (all durations in nanoseconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GoroutineGroup {
    /// The start function ("" if no stack was ever seen).
    pub name: String,
    /// Number of goroutines.
    pub count: u64,
    /// Running on a P.
    pub exec_ns: i64,
    /// Runnable, waiting for a P (and Go counts here a syscall's time
    /// after it lost its P, for syscalls still running at the end).
    pub sched_wait_ns: i64,
    /// Blocked, by the runtime's block reason.
    pub block_ns_by_reason: BTreeMap<String, i64>,
    /// In a system call, holding a P.
    pub syscall_ns: i64,
    /// In a system call after its P was taken (Go's "Block time (syscall)").
    pub syscall_block_ns: i64,
    /// Time in the goroutine's lifetime not accounted for otherwise.
    pub unknown_ns: i64,
    /// Lifetimes within the trace, summed.
    pub total_ns: i64,
    /// The longest lifetime within the trace.
    pub max_total_ns: i64,
    /// Time in special ranges (overlapping the above): `GC mark assist`,
    /// `GC incremental sweep`, `stop-the-world (…)`.
    pub range_ns: BTreeMap<String, i64>,
    /// Share of the execution time of all goroutines, in percent (Go's
    /// "Execution Time: X% of total program execution time").
    pub exec_percent: f64,
}

impl GoroutineGroup {
    /// All blocked time.
    pub fn block_ns(&self) -> i64 {
        self.block_ns_by_reason.values().sum()
    }

    /// Blocked on synchronization: reasons containing `chan`, `sync` or
    /// `select` (what `-pprof=sync` counts).
    pub fn block_sync_ns(&self) -> i64 {
        self.block_ns_by_reason
            .iter()
            .filter(|(r, _)| r.contains("chan") || r.contains("sync") || r.contains("select"))
            .map(|(_, v)| v)
            .sum()
    }

    /// Blocked on the network.
    pub fn block_net_ns(&self) -> i64 {
        self.block_ns_by_reason.get("network").copied().unwrap_or(0)
    }

    /// Blocked for other reasons (sleep, GC, …).
    pub fn block_other_ns(&self) -> i64 {
        self.block_ns() - self.block_sync_ns() - self.block_net_ns()
    }

    /// Time in GC mark assists.
    pub fn gc_assist_ns(&self) -> i64 {
        self.range_ns.get("GC mark assist").copied().unwrap_or(0)
    }

    /// Go's `NonOverlappingStats` summed over the group: the columns of
    /// the `/goroutine?name=` page, keyed as Go names them.
    pub fn non_overlapping(&self) -> BTreeMap<String, i64> {
        let mut m = BTreeMap::new();
        m.insert("Execution time".to_string(), self.exec_ns);
        m.insert("Sched wait time".to_string(), self.sched_wait_ns);
        m.insert("Syscall execution time".to_string(), self.syscall_ns);
        m.insert("Block time (syscall)".to_string(), self.syscall_block_ns);
        m.insert("Unknown time".to_string(), self.unknown_ns);
        for (r, v) in &self.block_ns_by_reason {
            *m.entry(format!("Block time ({r})")).or_default() += v;
        }
        m
    }

    fn add(&mut self, g: &GoSummary, names: &Names) {
        let s = &g.stats;
        self.count += 1;
        self.exec_ns += s.exec;
        self.sched_wait_ns += s.sched_wait;
        for &(r, v) in &s.block_by_reason.0 {
            *self
                .block_ns_by_reason
                .entry(names.get(r).to_string())
                .or_default() += v;
        }
        self.syscall_ns += s.syscall;
        self.syscall_block_ns += s.syscall_block;
        self.unknown_ns += s.unknown();
        self.total_ns += s.total;
        self.max_total_ns = self.max_total_ns.max(s.total);
        for &(r, v) in &s.range_time.0 {
            *self.range_ns.entry(names.get(r).to_string()).or_default() += v;
        }
    }
}

/// What to sort goroutine groups by (largest first; ties by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupSort {
    /// Total execution time (Go's order on `/goroutines`).
    #[default]
    Exec,
    /// Number of goroutines.
    Count,
    /// Summed lifetimes.
    Total,
    /// Scheduler wait.
    SchedWait,
    /// All blocked time.
    Block,
    /// Blocked on synchronization.
    BlockSync,
    /// Blocked on the network.
    BlockNet,
    /// Syscall execution.
    Syscall,
    /// Syscall blocked.
    SyscallBlock,
    /// GC mark assist.
    GcAssist,
    /// Unknown time.
    Unknown,
    /// Start function name (ascending).
    Name,
}

impl FromStr for GroupSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "exec" | "execution" => GroupSort::Exec,
            "count" => GroupSort::Count,
            "total" => GroupSort::Total,
            "sched" | "sched-wait" => GroupSort::SchedWait,
            "block" => GroupSort::Block,
            "sync" | "block-sync" => GroupSort::BlockSync,
            "net" | "block-net" => GroupSort::BlockNet,
            "syscall" => GroupSort::Syscall,
            "syscall-block" => GroupSort::SyscallBlock,
            "gc-assist" | "assist" => GroupSort::GcAssist,
            "unknown" => GroupSort::Unknown,
            "name" => GroupSort::Name,
            _ => {
                return Err(format!(
                    "unknown sort key {s:?}: use exec, count, total, sched, block, sync, net, \
                     syscall, syscall-block, gc-assist, unknown or name"
                ));
            }
        })
    }
}

/// Sorts `groups` by `by`, largest first, ties by name.
pub fn sort_groups(groups: &mut [GoroutineGroup], by: GroupSort) {
    let key = |g: &GoroutineGroup| -> i64 {
        match by {
            GroupSort::Exec => g.exec_ns,
            GroupSort::Count => g.count as i64,
            GroupSort::Total => g.total_ns,
            GroupSort::SchedWait => g.sched_wait_ns,
            GroupSort::Block => g.block_ns(),
            GroupSort::BlockSync => g.block_sync_ns(),
            GroupSort::BlockNet => g.block_net_ns(),
            GroupSort::Syscall => g.syscall_ns,
            GroupSort::SyscallBlock => g.syscall_block_ns,
            GroupSort::GcAssist => g.gc_assist_ns(),
            GroupSort::Unknown => g.unknown_ns,
            GroupSort::Name => 0,
        }
    };
    groups.sort_by(|a, b| {
        Reverse(key(a))
            .cmp(&Reverse(key(b)))
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// One goroutine's statistics: a row of Go's `/goroutine?name=` page
/// (nanoseconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GoroutineStats {
    /// The goroutine ID.
    pub id: i64,
    /// Its group: an index into [`GoroutineTable::groups`].
    pub group: u32,
    /// Running on a P.
    pub exec_ns: i64,
    /// Runnable (see [`GoroutineGroup::sched_wait_ns`]).
    pub sched_wait_ns: i64,
    /// In a system call, holding a P.
    pub syscall_ns: i64,
    /// In a system call after its P was taken.
    pub syscall_block_ns: i64,
    /// Not accounted for otherwise.
    pub unknown_ns: i64,
    /// Its lifetime within the trace.
    pub total_ns: i64,
    /// Blocked, by reason: (index into [`GoroutineTable::names`], ns).
    pub block_ns_by_reason: Vec<(u32, i64)>,
    /// Special ranges: (index into [`GoroutineTable::names`], ns).
    pub range_ns: Vec<(u32, i64)>,
}

impl GoroutineStats {
    /// Go's `NonOverlappingStats` of the goroutine, keyed as Go names
    /// them (see [`GoroutineGroup::non_overlapping`]).
    pub fn non_overlapping(&self, names: &[String]) -> BTreeMap<String, i64> {
        let mut m = BTreeMap::new();
        m.insert("Execution time".to_string(), self.exec_ns);
        m.insert("Sched wait time".to_string(), self.sched_wait_ns);
        m.insert("Syscall execution time".to_string(), self.syscall_ns);
        m.insert("Block time (syscall)".to_string(), self.syscall_block_ns);
        m.insert("Unknown time".to_string(), self.unknown_ns);
        for &(r, v) in &self.block_ns_by_reason {
            let r = names.get(r as usize).map_or("", String::as_str);
            *m.entry(format!("Block time ({r})")).or_default() += v;
        }
        m
    }

    /// The special ranges by name.
    pub fn ranges(&self, names: &[String]) -> BTreeMap<String, i64> {
        let mut m = BTreeMap::new();
        for &(r, v) in &self.range_ns {
            let r = names.get(r as usize).map_or("", String::as_str);
            *m.entry(r.to_string()).or_default() += v;
        }
        m
    }
}

/// The groups and, when kept ([`GoroutineAnalyzer::keep_goroutines`]),
/// every goroutine.
#[derive(Debug, Clone, Default)]
pub struct GoroutineTable {
    /// The groups, sorted by execution time (Go's order).
    pub groups: Vec<GoroutineGroup>,
    /// The goroutines, by ID.
    pub goroutines: Vec<GoroutineStats>,
    /// The block reasons and range names the goroutines refer to.
    pub names: Vec<String>,
}

/// The streaming goroutine analysis: feed it every event with
/// [`GoroutineAnalyzer::event`], then [`GoroutineAnalyzer::finish`].
#[derive(Debug)]
pub struct GoroutineAnalyzer {
    stats: GoStats,
    groups: BTreeMap<String, GoroutineGroup>,
    /// Per goroutine, when kept: the stats and the group's name.
    goroutines: Option<Vec<(GoroutineStats, u32)>>,
    group_names: Vec<String>,
    group_ids: std::collections::HashMap<String, u32>,
}

impl Default for GoroutineAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl GoroutineAnalyzer {
    /// An empty analysis.
    pub fn new() -> Self {
        GoroutineAnalyzer {
            stats: GoStats::new(),
            groups: BTreeMap::new(),
            goroutines: None,
            group_names: Vec::new(),
            group_ids: Default::default(),
        }
    }

    /// Keeps every goroutine's statistics (for [`GoroutineAnalyzer::finish_table`]):
    /// a hundred bytes or so per goroutine of the trace.
    pub fn keep_goroutines(mut self) -> Self {
        self.goroutines = Some(Vec::new());
        self
    }

    /// Counts only the time inside `[start, end]` (ns since the first
    /// event): each state's time is its part inside the window, and
    /// goroutines with no time in it are left out.
    pub fn with_window(mut self, start: i64, end: i64) -> Self {
        self.stats.window = Some((start, end.max(start)));
        self
    }

    /// Processes the next event of the trace.
    pub fn event(&mut self, ev: &Event) {
        self.stats.event(ev);
        self.fold();
    }

    fn fold(&mut self) {
        // Most events finish no goroutine (an empty drain still costs a
        // call per event).
        if self.stats.finished.is_empty() {
            return;
        }
        for g in self.stats.finished.drain(..) {
            if self.stats.window.is_some() && g.stats.total == 0 {
                // Outside the window.
                continue;
            }
            if let Some(list) = &mut self.goroutines {
                let gid = match self.group_ids.get(&g.name) {
                    Some(&i) => i,
                    None => {
                        let i = self.group_names.len() as u32;
                        self.group_names.push(g.name.clone());
                        self.group_ids.insert(g.name.clone(), i);
                        i
                    }
                };
                let s = &g.stats;
                list.push((
                    GoroutineStats {
                        id: g.id,
                        group: 0,
                        exec_ns: s.exec,
                        sched_wait_ns: s.sched_wait,
                        syscall_ns: s.syscall,
                        syscall_block_ns: s.syscall_block,
                        unknown_ns: s.unknown(),
                        total_ns: s.total,
                        block_ns_by_reason: s.block_by_reason.0.clone(),
                        range_ns: s.range_time.0.clone(),
                    },
                    gid,
                ));
            }
            let group = match self.groups.get_mut(&g.name) {
                Some(x) => x,
                None => self
                    .groups
                    .entry(g.name.clone())
                    .or_insert_with(|| GoroutineGroup {
                        name: g.name.clone(),
                        ..GoroutineGroup::default()
                    }),
            };
            group.add(&g, &self.stats.names);
        }
    }

    /// The groups, sorted by execution time (Go's order).
    pub fn finish(self) -> Vec<GoroutineGroup> {
        self.finish_table().groups
    }

    /// The groups and, if kept, every goroutine (sorted by ID).
    pub fn finish_table(mut self) -> GoroutineTable {
        self.stats.finish();
        self.fold();
        let total_exec: i64 = self.groups.values().map(|g| g.exec_ns).sum();
        let mut groups: Vec<GoroutineGroup> = self.groups.into_values().collect();
        for g in &mut groups {
            if total_exec > 0 {
                g.exec_percent = g.exec_ns as f64 / total_exec as f64 * 100.0;
            }
        }
        sort_groups(&mut groups, GroupSort::Exec);
        let mut goroutines = Vec::new();
        if let Some(list) = self.goroutines.take() {
            let pos: std::collections::HashMap<&str, u32> = groups
                .iter()
                .enumerate()
                .map(|(i, g)| (g.name.as_str(), i as u32))
                .collect();
            goroutines = list
                .into_iter()
                .map(|(mut s, gid)| {
                    s.group = pos
                        .get(self.group_names[gid as usize].as_str())
                        .copied()
                        .unwrap_or(0);
                    s
                })
                .collect();
            goroutines.sort_by_key(|s| s.id);
        }
        GoroutineTable {
            groups,
            goroutines,
            names: self.stats.names.to_vec(),
        }
    }
}

/// The goroutine analysis of `reader`'s trace, groups sorted by execution
/// time. A damaged trace gives the analysis of everything read, plus the
/// error.
pub fn goroutine_summary<R: Read + Send>(
    reader: &mut Reader<R>,
) -> Result<Partial<Vec<GoroutineGroup>>, Error> {
    let mut a = GoroutineAnalyzer::new();
    let error = super::drive(reader, |ev| a.event(ev))?;
    Ok(Partial {
        value: a.finish(),
        error,
    })
}

/// Writes `groups` as a table for the terminal, in the given order.
pub fn write_text(groups: &[GoroutineGroup], out: &mut String) {
    use super::fmt_dur;
    let _ = writeln!(
        out,
        "{:>7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  Start function",
        "Count",
        "Exec",
        "Sched",
        "Blk sync",
        "Blk net",
        "Blk other",
        "Syscall",
        "Sys block",
        "GC assist"
    );
    for g in groups {
        let name = if g.name.is_empty() {
            "(Inactive, no stack trace sampled)"
        } else {
            &g.name
        };
        let _ = writeln!(
            out,
            "{:>7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  {}",
            g.count,
            fmt_dur(g.exec_ns),
            fmt_dur(g.sched_wait_ns),
            fmt_dur(g.block_sync_ns()),
            fmt_dur(g.block_net_ns()),
            fmt_dur(g.block_other_ns()),
            fmt_dur(g.syscall_ns),
            fmt_dur(g.syscall_block_ns),
            fmt_dur(g.gc_assist_ns()),
            name
        );
    }
}
