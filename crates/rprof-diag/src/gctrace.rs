//! `GODEBUG=gctrace=1` logs: one line per GC cycle, and the scavenger's
//! lines, mixed with whatever else the program writes to stderr.
//!
//! The cycle line (runtime/mgc.go, the same shape since Go 1.5 with
//! fields added at the end over time):
//!
//! ```text
//! gc 5 @0.112s 2%: 0.049+0.29+0.002 ms clock, 0.099+0.20/0/0+0.005 ms cpu, 7->8->6 MB, 8 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
//! ```
//!
//! is the cycle number, its start since the program started, the share
//! of CPU time spent in GC since the program started, the wall-clock
//! times of sweep termination (stop-the-world), concurrent mark and mark
//! termination (stop-the-world), the CPU times of sweep termination,
//! assists, background and idle marking and mark termination, the heap
//! at the start of the cycle, at the end of marking and marked live, the
//! heap goal, the scanned stacks and globals, the number of Ps, and
//! `(forced)` for `runtime.GC()`. Go 1.27 adds `(checking for goroutine
//! leaks)` after the percentage for a cycle run by the goroutine leak
//! profile. The parts after the colon are recognised by their units, so
//! a field that a later Go adds is kept as text instead of breaking the
//! line. The scavenger writes `scav N KiB work, N KiB total, N% util`
//! (Go 1.19) or `scav N KiB work (bg), N KiB work (eager), N KiB now, N%
//! util` (Go 1.21+).
//!
//! A log whose cycle numbers start again (the program restarted, two
//! logs concatenated) gives one [`GcTrace`] per run.

use crate::error::DiagError;
use crate::lines::{Lines, Source, sniff};
use serde::Serialize;
use std::io::BufRead;

/// One GC cycle.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcCycle {
    /// The line it was read from.
    pub line: u64,
    /// The cycle number (`gc N`).
    pub n: u64,
    /// When it started, in seconds since the program started.
    pub at_s: f64,
    /// Percentage of the CPU time used by GC since the program started.
    pub cpu_percent: u32,
    /// Wall-clock milliseconds: sweep termination (stop-the-world).
    pub sweep_term_ms: f64,
    /// Wall-clock milliseconds: concurrent mark and scan.
    pub mark_ms: f64,
    /// Wall-clock milliseconds: mark termination (stop-the-world).
    pub mark_term_ms: f64,
    /// CPU milliseconds: sweep termination.
    pub cpu_sweep_term_ms: f64,
    /// CPU milliseconds: mark assists by allocating goroutines.
    pub cpu_assist_ms: f64,
    /// CPU milliseconds: background (dedicated and fractional) marking.
    pub cpu_background_ms: f64,
    /// CPU milliseconds: idle marking.
    pub cpu_idle_ms: f64,
    /// CPU milliseconds: mark termination.
    pub cpu_mark_term_ms: f64,
    /// Heap in MB when the cycle started.
    pub heap_start_mb: u64,
    /// Heap in MB when marking ended.
    pub heap_end_mb: u64,
    /// Heap in MB marked live.
    pub heap_live_mb: u64,
    /// The heap goal in MB.
    pub goal_mb: u64,
    /// Scannable stacks in MB (Go 1.18+).
    pub stacks_mb: Option<u64>,
    /// Scannable globals in MB (Go 1.18+).
    pub globals_mb: Option<u64>,
    /// Number of Ps (GOMAXPROCS).
    pub procs: u32,
    /// Started by `runtime.GC()` (or debug.FreeOSMemory).
    pub forced: bool,
    /// Run by the goroutine leak profile (Go 1.27: `(checking for
    /// goroutine leaks)`).
    pub leak_check: bool,
    /// Parts of the line not recognised (fields of a later Go).
    pub extra: Vec<String>,
}

/// One scavenger line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scavenge {
    /// The line it was read from.
    pub line: u64,
    /// KiB returned to the OS by the background scavenger since the last line.
    pub background_kib: u64,
    /// KiB returned eagerly (by allocation) since the last line (Go 1.21+).
    pub eager_kib: Option<u64>,
    /// KiB of heap now returned to the OS.
    pub released_kib: u64,
    /// Heap in use as a percentage of the retained heap.
    pub util_percent: u32,
    /// debug.FreeOSMemory.
    pub forced: bool,
}

/// The smallest, median, 99th percentile and largest of some values.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Percentiles {
    /// Median (nearest rank).
    pub p50: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles of `values` (None when empty).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut v: Vec<f64> = values.into_iter().collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let rank = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Some(Percentiles {
            p50: rank(0.50),
            p99: rank(0.99),
            max: v[v.len() - 1],
        })
    }
}

/// The first, last and largest of a series.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct FirstLastMax {
    /// The first value.
    pub first: u64,
    /// The last value.
    pub last: u64,
    /// The largest value.
    pub max: u64,
}

/// What a run's cycles add up to.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcSummary {
    /// How many cycles.
    pub cycles: u64,
    /// Start of the first cycle, seconds since the program started.
    pub first_at_s: f64,
    /// Start of the last cycle.
    pub last_at_s: f64,
    /// Cycles per minute between the first cycle's start and the last's
    /// ((cycles - 1) / span); None with fewer than two cycles or no span.
    pub cycles_per_minute: Option<f64>,
    /// GC's share of CPU time since the program started, as of the last
    /// cycle (Go's own cumulative figure), in percent.
    pub gc_cpu_percent: u32,
    /// Stop-the-world sweep termination pauses, wall-clock ms.
    pub sweep_term_ms: Percentiles,
    /// Stop-the-world mark termination pauses, wall-clock ms.
    pub mark_term_ms: Percentiles,
    /// All stop-the-world time (both pauses of every cycle), ms.
    pub stw_total_ms: f64,
    /// Assists' share of the marking CPU time (assist / (assist +
    /// background + idle)): high when allocation outruns the collector.
    /// None when no marking time was recorded.
    pub assist_share: Option<f64>,
    /// The live heap (marked) in MB.
    pub live_heap_mb: FirstLastMax,
    /// The heap goal in MB.
    pub goal_mb: FirstLastMax,
    /// The largest heap seen (at the end of marking) in MB.
    pub peak_heap_mb: u64,
    /// Cycles started by runtime.GC().
    pub forced: u64,
    /// Cycles run by the goroutine leak profile.
    pub leak_checks: u64,
    /// GOMAXPROCS in the last cycle.
    pub procs: u32,
    /// Scavenger lines.
    pub scavenges: u64,
    /// KiB the scavenger returned to the OS (background and eager).
    pub scavenged_kib: u64,
}

/// The cycles of one program run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcTrace {
    /// The input (with `#2`, `#3` for later runs in the same input).
    pub source: String,
    /// The cycles, in order.
    pub cycles: Vec<GcCycle>,
    /// The scavenger lines, in order.
    pub scavenges: Vec<Scavenge>,
    /// Their summary.
    pub summary: GcSummary,
}

/// All the runs of some inputs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcReport {
    /// The inputs and what was skipped in them.
    pub sources: Vec<Source>,
    /// The runs, in input order.
    pub traces: Vec<GcTrace>,
}

/// Reads the gctrace lines of one input. Other lines are ignored; lines
/// that start like a GC line but do not parse are skipped and reported.
/// Fails if the input has no GC line at all.
pub fn read_gctrace(name: &str, input: impl BufRead) -> Result<(Source, Vec<GcTrace>), DiagError> {
    let mut lines = Lines::new(input, name);
    let mut source = Source::new(name);
    let mut runs: Vec<(Vec<GcCycle>, Vec<Scavenge>)> = Vec::new();
    let mut first_line = None;
    while let Some(line) = lines.next_line()? {
        if first_line.is_none() && !line.text.trim().is_empty() {
            first_line = sniff(line.text);
        }
        let text = line.text;
        if let Some(start) = find_gc(text) {
            match parse_cycle(&text[start..], line.no) {
                // The input ends in this line and it has text we do not
                // know at the end: more likely cut than a new field.
                Some(c) if line.last_unterminated && !c.extra.is_empty() => {
                    source.skipped.add(line.no, "gc line cut short", text)
                }
                Some(c) => {
                    // A new run when the numbering starts again; scavenger
                    // lines before the first cycle belong to the first run.
                    let restart = match runs.last() {
                        None => true,
                        Some((cs, _)) => cs.last().is_some_and(|prev| c.n <= prev.n),
                    };
                    if restart {
                        runs.push((Vec::new(), Vec::new()));
                    }
                    runs.last_mut().unwrap().0.push(c);
                }
                None => source.skipped.add(line.no, "malformed gc line", text),
            }
        } else if let Some(start) = text
            .find("scav ")
            .filter(|&i| text[i + 5..].starts_with(|c: char| c.is_ascii_digit()))
        {
            match parse_scav(&text[start..], line.no) {
                Some(s) => {
                    if runs.is_empty() {
                        runs.push((Vec::new(), Vec::new()));
                    }
                    runs.last_mut().unwrap().1.push(s);
                }
                None => source.skipped.add(line.no, "malformed scav line", text),
            }
        }
    }
    source.lines = lines.number();
    runs.retain(|(c, _)| !c.is_empty());
    if runs.is_empty() {
        return Err(DiagError::NothingFound {
            source_name: name.to_string(),
            what: "gctrace line (gc N @…)",
            hint: first_line,
        });
    }
    let many = runs.len() > 1;
    let traces = runs
        .into_iter()
        .enumerate()
        .map(|(i, (cycles, scavenges))| {
            let summary = summarize(&cycles, &scavenges);
            GcTrace {
                source: if many {
                    format!("{name}#{}", i + 1)
                } else {
                    name.to_string()
                },
                cycles,
                scavenges,
                summary,
            }
        })
        .collect();
    Ok((source, traces))
}

/// Where `gc N @` starts in a line, after a log prefix if any.
fn find_gc(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("gc ") {
        let at = from + i;
        let boundary = at == 0 || text.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = &text[at + 3..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if boundary && digits > 0 && rest[digits..].starts_with(" @") {
            return Some(at);
        }
        from = at + 3;
    }
    None
}

fn parse_cycle(line: &str, no: u64) -> Option<GcCycle> {
    let rest = line.strip_prefix("gc ")?;
    let (n, rest) = rest.split_once(" @")?;
    let n: u64 = n.parse().ok()?;
    let (at, rest) = rest.split_once("s ")?;
    let at_s: f64 = at.parse().ok()?;
    let (pct, rest) = rest.split_once('%')?;
    let cpu_percent: u32 = pct.trim().parse().ok()?;
    let (annotation, fields) = rest.split_once(": ")?;
    let mut c = GcCycle {
        line: no,
        n,
        at_s,
        cpu_percent,
        sweep_term_ms: 0.0,
        mark_ms: 0.0,
        mark_term_ms: 0.0,
        cpu_sweep_term_ms: 0.0,
        cpu_assist_ms: 0.0,
        cpu_background_ms: 0.0,
        cpu_idle_ms: 0.0,
        cpu_mark_term_ms: 0.0,
        heap_start_mb: 0,
        heap_end_mb: 0,
        heap_live_mb: 0,
        goal_mb: 0,
        stacks_mb: None,
        globals_mb: None,
        procs: 0,
        forced: false,
        leak_check: annotation.contains("checking for goroutine leaks"),
        extra: Vec::new(),
    };
    let (mut clock, mut cpu, mut heap, mut goal, mut procs) = (false, false, false, false, false);
    for part in fields.trim_end().split(", ") {
        if let Some(v) = part.strip_suffix(" ms clock") {
            let t = floats(v, &['+'])?;
            if t.len() != 3 {
                return None;
            }
            (c.sweep_term_ms, c.mark_ms, c.mark_term_ms) = (t[0], t[1], t[2]);
            clock = true;
        } else if let Some(v) = part.strip_suffix(" ms cpu") {
            let t = floats(v, &['+', '/'])?;
            if t.len() != 5 {
                return None;
            }
            c.cpu_sweep_term_ms = t[0];
            c.cpu_assist_ms = t[1];
            c.cpu_background_ms = t[2];
            c.cpu_idle_ms = t[3];
            c.cpu_mark_term_ms = t[4];
            cpu = true;
        } else if let Some(v) = part.strip_suffix(" MB goal") {
            c.goal_mb = v.trim().parse().ok()?;
            goal = true;
        } else if let Some(v) = part.strip_suffix(" MB stacks") {
            c.stacks_mb = Some(v.trim().parse().ok()?);
        } else if let Some(v) = part.strip_suffix(" MB globals") {
            c.globals_mb = Some(v.trim().parse().ok()?);
        } else if let Some(v) = part.strip_suffix(" MB").filter(|v| v.contains("->")) {
            let h: Vec<u64> = v
                .split("->")
                .map(|x| x.trim().parse().ok())
                .collect::<Option<_>>()?;
            if h.len() != 3 {
                return None;
            }
            (c.heap_start_mb, c.heap_end_mb, c.heap_live_mb) = (h[0], h[1], h[2]);
            heap = true;
        } else if let Some((p, tail)) = part.split_once(" P") {
            if let Ok(p) = p.trim().parse() {
                c.procs = p;
                procs = true;
                let tail = tail.trim();
                if tail == "(forced)" {
                    c.forced = true;
                } else if !tail.is_empty() {
                    c.extra.push(tail.to_string());
                }
            } else {
                c.extra.push(part.to_string());
            }
        } else {
            c.extra.push(part.to_string());
        }
    }
    (clock && cpu && heap && goal && procs).then_some(c)
}

fn floats(s: &str, seps: &[char]) -> Option<Vec<f64>> {
    s.trim().split(seps).map(|x| x.parse().ok()).collect()
}

fn parse_scav(line: &str, no: u64) -> Option<Scavenge> {
    let mut rest = line.strip_prefix("scav ")?.trim_end();
    let mut forced = false;
    if let Some(r) = rest.strip_suffix(" (forced)") {
        rest = r;
        forced = true;
    }
    rest = rest.strip_suffix(" [controller reset]").unwrap_or(rest);
    let mut s = Scavenge {
        line: no,
        background_kib: 0,
        eager_kib: None,
        released_kib: 0,
        util_percent: 0,
        forced,
    };
    let (mut work, mut total, mut util) = (false, false, false);
    for part in rest.split(", ") {
        let num = |suffix: &str| {
            part.strip_suffix(suffix)
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        if let Some(v) = num(" KiB work (bg)").or_else(|| num(" KiB work")) {
            s.background_kib = v;
            work = true;
        } else if let Some(v) = num(" KiB work (eager)") {
            s.eager_kib = Some(v);
        } else if let Some(v) = num(" KiB now").or_else(|| num(" KiB total")) {
            s.released_kib = v;
            total = true;
        } else if let Some(v) = num("% util") {
            s.util_percent = v.try_into().ok()?;
            util = true;
        }
    }
    (work && total && util).then_some(s)
}

fn summarize(cycles: &[GcCycle], scavenges: &[Scavenge]) -> GcSummary {
    let first = &cycles[0];
    let last = &cycles[cycles.len() - 1];
    let span = last.at_s - first.at_s;
    let cycles_per_minute =
        (cycles.len() > 1 && span > 0.0).then(|| (cycles.len() - 1) as f64 / span * 60.0);
    let pct =
        |f: fn(&GcCycle) -> f64| Percentiles::of(cycles.iter().map(f)).expect("at least one cycle");
    let assist: f64 = cycles.iter().map(|c| c.cpu_assist_ms).sum();
    let marking: f64 = cycles
        .iter()
        .map(|c| c.cpu_assist_ms + c.cpu_background_ms + c.cpu_idle_ms)
        .sum();
    let flm = |f: fn(&GcCycle) -> u64| FirstLastMax {
        first: f(first),
        last: f(last),
        max: cycles.iter().map(f).max().unwrap_or(0),
    };
    GcSummary {
        cycles: cycles.len() as u64,
        first_at_s: first.at_s,
        last_at_s: last.at_s,
        cycles_per_minute,
        gc_cpu_percent: last.cpu_percent,
        sweep_term_ms: pct(|c| c.sweep_term_ms),
        mark_term_ms: pct(|c| c.mark_term_ms),
        stw_total_ms: cycles
            .iter()
            .map(|c| c.sweep_term_ms + c.mark_term_ms)
            .sum(),
        assist_share: (marking > 0.0).then(|| assist / marking),
        live_heap_mb: flm(|c| c.heap_live_mb),
        goal_mb: flm(|c| c.goal_mb),
        peak_heap_mb: cycles
            .iter()
            .map(|c| c.heap_end_mb.max(c.heap_start_mb))
            .max()
            .unwrap_or(0),
        forced: cycles.iter().filter(|c| c.forced).count() as u64,
        leak_checks: cycles.iter().filter(|c| c.leak_check).count() as u64,
        procs: last.procs,
        scavenges: scavenges.len() as u64,
        scavenged_kib: scavenges
            .iter()
            .map(|s| s.background_kib + s.eager_kib.unwrap_or(0))
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_line() {
        let c = parse_cycle(
            "gc 6 @0.006s 9% (checking for goroutine leaks): 0.095+0.13+0.001 ms clock, 0.19+0/0.074/0.084+0.003 ms cpu, 1->1->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)",
            1,
        )
        .unwrap();
        assert_eq!(c.n, 6);
        assert!(c.forced && c.leak_check);
        assert_eq!(c.cpu_idle_ms, 0.084);
        assert_eq!((c.goal_mb, c.procs), (4, 2));
        // A field from a later Go is kept, not fatal.
        let c = parse_cycle(
            "gc 1 @0.1s 0%: 1+2+3 ms clock, 1+2/3/4+5 ms cpu, 3->4->1 MB, 4 MB goal, 7 MB new, 2 P",
            1,
        )
        .unwrap();
        assert_eq!(c.extra, ["7 MB new"]);
        assert!(parse_cycle("gc 1 @0.1s 0%: 1+2+3 ms clock", 1).is_none());
    }

    #[test]
    fn scav_lines() {
        let s = parse_scav(
            "scav 0 KiB work (bg), 12 KiB work (eager), 6816 KiB now, 86% util (forced)",
            3,
        )
        .unwrap();
        assert_eq!(
            (s.eager_kib, s.released_kib, s.forced),
            (Some(12), 6816, true)
        );
        let s = parse_scav("scav 5 KiB work, 6816 KiB total, 86% util", 3).unwrap();
        assert_eq!((s.background_kib, s.eager_kib), (5, None));
    }

    #[test]
    fn prefixed_lines() {
        assert_eq!(find_gc("Dec 06 host app[1]: gc 12 @3.1s 1%: …"), Some(20));
        assert_eq!(find_gc("logc 1 @x"), None);
    }

    #[test]
    fn percentiles_nearest_rank() {
        let p = Percentiles::of((1..=100).map(f64::from)).unwrap();
        assert_eq!((p.p50, p.p99, p.max), (50.0, 99.0, 100.0));
        let p = Percentiles::of([3.0]).unwrap();
        assert_eq!((p.p50, p.p99), (3.0, 3.0));
    }
}
