//! Text reports for the terminal, with ANSI colour when asked.

use crate::gctrace::{GcReport, Percentiles};
use crate::goroutines::{Bucket, DumpKind, GoroutineReport};
use crate::lines::Source;
use crate::memstats::{MemReport, TimeBasis};
use crate::race::{RaceFrame, RaceSummary};
use crate::units::format_bytes as bytes;
use std::fmt::Write;

/// How text is written.
#[derive(Debug, Clone, Default)]
pub struct TextOptions {
    /// Colour with ANSI escapes (for a terminal).
    pub color: bool,
}

/// ANSI styles, or nothing.
struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn red(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn cyan(&self, s: &str) -> String {
        self.wrap("36", s)
    }
}

/// `n` with the noun in singular or plural.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn num(v: f64, digits: usize) -> String {
    crate::units::format_num(v, digits)
}

fn skipped_lines(out: &mut String, sources: &[Source], p: &Paint) {
    for s in sources {
        if s.skipped.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "{}",
            p.dim(&format!(
                "{}: {} skipped:",
                s.name,
                count(s.skipped.count, "line", "lines")
            ))
        );
        for l in &s.skipped.first {
            let _ = writeln!(
                out,
                "{}",
                p.dim(&format!("  line {}: {}: {}", l.line, l.reason, l.text))
            );
        }
        if s.skipped.count > s.skipped.first.len() as u64 {
            let _ = writeln!(
                out,
                "{}",
                p.dim(&format!(
                    "  … and {} more",
                    s.skipped.count - s.skipped.first.len() as u64
                ))
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Goroutines

/// The buckets of goroutine dumps: the crashing goroutine first, then
/// the largest buckets, each with its stack.
pub fn goroutines_text(r: &GoroutineReport, opts: &TextOptions) -> String {
    let p = Paint { on: opts.color };
    let mut out = String::new();
    let many = r.dumps.len() > 1;
    for (i, d) in r.dumps.iter().enumerate() {
        let kind = match d.kind {
            DumpKind::Panic => "panic",
            DumpKind::TestTimeout => "test timeout",
            DumpKind::Fatal => "fatal error",
            DumpKind::Signal => "signal",
            DumpKind::Stacks => "goroutine dump",
        };
        let prefix = if many {
            format!("dump {}: ", i + 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{prefix}{}: {kind}, {}{}",
            p.bold(&d.source),
            count(d.goroutines, "goroutine", "goroutines"),
            if d.truncated {
                ", cut short (the last goroutine is incomplete)"
            } else {
                ""
            }
        );
        for l in &d.preamble {
            let _ = writeln!(out, "  {}", p.red(l));
        }
    }
    let _ = writeln!(
        out,
        "{} in {}{}\n",
        count(r.goroutines, "goroutine", "goroutines"),
        count(r.buckets.len() as u64, "bucket", "buckets"),
        if r.similar {
            " (arguments ignored)"
        } else {
            ""
        }
    );
    for b in &r.buckets {
        bucket_text(&mut out, b, many, &p);
    }
    skipped_lines(&mut out, &r.sources, &p);
    out
}

fn bucket_text(out: &mut String, b: &Bucket, many: bool, p: &Paint) {
    let mut head = p.bold(&count(b.count, "goroutine", "goroutines"));
    let states: Vec<String> = b
        .states
        .iter()
        .map(|s| {
            if b.states.len() == 1 {
                p.yellow(&s.state)
            } else {
                format!("{} {}", s.count, p.yellow(&s.state))
            }
        })
        .collect();
    let _ = write!(head, ": {}", states.join(", "));
    if b.wait_minutes.max > 0 {
        if b.wait_minutes.min == b.wait_minutes.max {
            let _ = write!(head, ", {} minutes", b.wait_minutes.max);
        } else {
            let _ = write!(
                head,
                ", {}-{} minutes",
                b.wait_minutes.min, b.wait_minutes.max
            );
        }
    }
    if b.locked_to_thread > 0 {
        let _ = write!(head, ", {} locked to thread", b.locked_to_thread);
    }
    if b.leaked > 0 {
        let _ = write!(head, ", {}", p.red(&format!("{} leaked", b.leaked)));
    }
    if !b.labels.is_empty() {
        let labels: Vec<String> = b
            .labels
            .iter()
            .map(|l| format!("{}: {}", l.key, l.value))
            .collect();
        let _ = write!(head, " {{{}}}", labels.join(", "));
    }
    if b.crashing {
        let _ = write!(head, " {}", p.red("← crashed here"));
    }
    let ids: Vec<String> = b.ids.iter().map(u64::to_string).collect();
    let more = if b.count > b.ids.len() as u64 {
        ", …"
    } else {
        ""
    };
    let _ = writeln!(head, " {}", p.dim(&format!("[{}{more}]", ids.join(", "))));
    out.push_str(&head);
    if many {
        let per: Vec<String> = b.per_dump.iter().map(u64::to_string).collect();
        let _ = writeln!(out, "  per dump: {}", per.join(" → "));
    }
    if let Some(l) = &b.leak {
        let _ = writeln!(out, "  {} {l}", p.red("LEAK?"));
    }
    let calls: Vec<String> = b
        .frames
        .iter()
        .map(|f| format!("{}({})", f.function, f.args))
        .collect();
    let width = calls
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .min(72);
    for (f, call) in b.frames.iter().zip(&calls) {
        let pad = width.saturating_sub(call.chars().count());
        let shown = if f.function.starts_with("runtime.") || f.function.starts_with("internal/") {
            p.dim(call)
        } else {
            p.cyan(call)
        };
        let _ = writeln!(
            out,
            "    {shown}{}  {}",
            " ".repeat(pad),
            p.dim(&format!("{}:{}", f.file, f.line))
        );
    }
    if let Some(e) = &b.elided {
        let _ = writeln!(out, "    {}", p.dim(e));
    }
    if let Some(c) = &b.created_by {
        let parents = match b.parents.as_slice() {
            [] => String::new(),
            [one] => format!(" in goroutine {one}"),
            many => format!(
                " in goroutines {}",
                many.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let _ = writeln!(
            out,
            "  created by {}{parents}  {}",
            c.function,
            p.dim(&format!("{}:{}", c.file, c.line))
        );
    }
    out.push('\n');
}

// ---------------------------------------------------------------------------
// gctrace

fn pcts(p: &Percentiles) -> String {
    format!(
        "p50 {}  p99 {}  max {}",
        num(p.p50, 3),
        num(p.p99, 3),
        num(p.max, 3)
    )
}

/// The per-cycle table of each run, then its summary.
pub fn gctrace_text(r: &GcReport, opts: &TextOptions) -> String {
    let p = Paint { on: opts.color };
    let mut out = String::new();
    for t in &r.traces {
        let _ = writeln!(out, "{}", p.bold(&t.source));
        let _ = writeln!(
            out,
            "{:>6} {:>9} {:>4} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>15} {:>6} {:>4}",
            "gc",
            "@s",
            "cpu%",
            "stw1 ms",
            "mark ms",
            "stw2 ms",
            "assist",
            "bg",
            "idle",
            "heap MB",
            "goal",
            "P"
        );
        for c in &t.cycles {
            let mut flags = String::new();
            if c.forced {
                flags.push_str(" forced");
            }
            if c.leak_check {
                flags.push_str(" leak-check");
            }
            let _ = writeln!(
                out,
                "{:>6} {:>9} {:>4} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>15} {:>6} {:>4}{}",
                c.n,
                num(c.at_s, 3),
                c.cpu_percent,
                num(c.sweep_term_ms, 3),
                num(c.mark_ms, 3),
                num(c.mark_term_ms, 3),
                num(c.cpu_assist_ms, 3),
                num(c.cpu_background_ms, 3),
                num(c.cpu_idle_ms, 3),
                format!("{}->{}->{}", c.heap_start_mb, c.heap_end_mb, c.heap_live_mb),
                c.goal_mb,
                c.procs,
                p.yellow(&flags)
            );
        }
        let s = &t.summary;
        let _ = writeln!(out);
        let rate = s
            .cycles_per_minute
            .map(|r| format!(" ({} per minute)", num(r, 1)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{} from {} s to {} s{rate}; GC used {}% of the CPU (Go's figure since start), {} P",
            p.bold(&count(s.cycles, "cycle", "cycles")),
            num(s.first_at_s, 3),
            num(s.last_at_s, 3),
            s.gc_cpu_percent,
            s.procs
        );
        let _ = writeln!(
            out,
            "  STW sweep termination ms: {}",
            pcts(&s.sweep_term_ms)
        );
        let _ = writeln!(out, "  STW mark termination ms:  {}", pcts(&s.mark_term_ms));
        let _ = writeln!(out, "  STW in all: {} ms", num(s.stw_total_ms, 3));
        if let Some(a) = s.assist_share {
            let share = format!("{}% of marking CPU", num(a * 100.0, 1));
            let note = if a >= 0.25 {
                p.red(" (allocation outruns the collector)")
            } else {
                String::new()
            };
            let _ = writeln!(out, "  assists: {share}{note}");
        }
        let _ = writeln!(
            out,
            "  live heap: {} → {} MB (max {}), goal {} → {} MB, peak heap {} MB",
            s.live_heap_mb.first,
            s.live_heap_mb.last,
            s.live_heap_mb.max,
            s.goal_mb.first,
            s.goal_mb.last,
            s.peak_heap_mb
        );
        let _ = writeln!(
            out,
            "  forced: {}, goroutine leak checks: {}, scavenger: {} ({} KiB returned)",
            s.forced,
            s.leak_checks,
            count(s.scavenges, "line", "lines"),
            s.scavenged_kib
        );
        let _ = writeln!(out);
    }
    skipped_lines(&mut out, &r.sources, &p);
    out
}

// ---------------------------------------------------------------------------
// memstats

/// Each series: its main metrics, GC, allocation rate, trends and verdict.
pub fn memstats_text(r: &MemReport, opts: &TextOptions) -> String {
    let p = Paint { on: opts.color };
    let mut out = String::new();
    for s in &r.series {
        let sum = &s.summary;
        let times = match s.times {
            TimeBasis::Documents => "times from the documents",
            TimeBasis::Interval => "snapshots taken to be evenly spaced",
            TimeBasis::IntervalFromLastGc => {
                "snapshots taken to be evenly spaced from the first LastGC"
            }
            TimeBasis::IntervalFromZero => "snapshots taken to be evenly spaced, start unknown",
        };
        let _ = writeln!(
            out,
            "{}: {} over {} s ({times})",
            p.bold(&s.source),
            count(sum.snapshots, "snapshot", "snapshots"),
            num(sum.span_s, 1)
        );
        for m in &sum.metrics {
            let f = |v: f64| {
                if m.unit == "bytes" {
                    bytes(v)
                } else {
                    num(v, 3)
                }
            };
            let _ = writeln!(
                out,
                "  {:<20} {:>12} → {:<12} (min {}, max {})",
                m.label,
                f(m.first),
                f(m.last),
                f(m.min),
                f(m.max)
            );
        }
        if let Some(n) = sum.gc_cycles {
            let mut line = format!("  GC: {}", count(n, "cycle", "cycles"));
            if let Some(pm) = &sum.pause_ms {
                let _ = write!(line, ", pauses ms {}", pcts(pm));
            }
            if let Some(f) = sum.gc_cpu_fraction {
                let _ = write!(line, ", GC CPU {}%", num(f * 100.0, 2));
            }
            let _ = writeln!(out, "{line}");
        }
        if let Some(a) = sum.alloc_bytes_per_s {
            let _ = writeln!(out, "  allocation rate: {}/s", bytes(a));
        }
        for t in &sum.trends {
            let f = |v: f64| {
                if t.metric == "goroutines" {
                    num(v, 0)
                } else {
                    bytes(v)
                }
            };
            let verdict = if t.rising {
                p.red("keeps rising")
            } else {
                "steady".to_string()
            };
            let _ = writeln!(
                out,
                "  {} ({}): lowest {} (at {} s) → {} (at {} s): {verdict}",
                t.metric,
                t.column,
                f(t.from),
                num(t.from_s, 1),
                f(t.to),
                num(t.to_s, 1)
            );
        }
        match &sum.leak {
            Some(l) => {
                let _ = writeln!(out, "  {} {l}", p.red("LEAK SUSPECTED:"));
            }
            None if !sum.trends.is_empty() => {
                let _ = writeln!(
                    out,
                    "  no leak: neither the heap after GC nor the goroutine count keeps rising"
                );
            }
            None => {
                let _ = writeln!(out, "  (too few snapshots to judge a leak: 6 needed)");
            }
        }
        let _ = writeln!(out);
    }
    skipped_lines(&mut out, &r.sources, &p);
    out
}

// ---------------------------------------------------------------------------
// races

fn race_loc(f: &RaceFrame) -> String {
    format!("{} {}:{}", f.function, f.file, f.line)
}

/// Each pair of racing locations once, with its count, tests and the
/// first report's stacks.
pub fn race_text(r: &RaceSummary, opts: &TextOptions) -> String {
    let p = Paint { on: opts.color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} in {}\n",
        p.bold(&count(r.pairs.len() as u64, "race", "races")),
        count(r.reports, "report", "reports")
    );
    for pair in &r.pairs {
        let [a, b] = &pair.locations;
        let _ = writeln!(
            out,
            "{}: {}\n         {} {}",
            p.red(&count(pair.count, "report", "reports")),
            p.cyan(&race_loc(a)),
            p.dim("and"),
            p.cyan(&race_loc(b))
        );
        if !pair.tests.is_empty() {
            let _ = writeln!(out, "  tests: {}", pair.tests.join(", "));
        }
        if pair.sources.len() > 1 {
            let _ = writeln!(out, "  in: {}", pair.sources.join(", "));
        }
        let first = &pair.first;
        let _ = writeln!(out, "  first report: {} line {}", first.source, first.line);
        for acc in &first.accesses {
            let who = acc
                .goroutine
                .map_or("main goroutine".to_string(), |g| format!("goroutine {g}"));
            let prev = if acc.previous { "Previous " } else { "" };
            let what = if acc.previous {
                acc.kind.to_lowercase()
            } else {
                acc.kind.clone()
            };
            let _ = writeln!(
                out,
                "  {}",
                p.yellow(&format!("{prev}{what} at {} by {who}:", acc.address))
            );
            for f in &acc.frames {
                let _ = writeln!(
                    out,
                    "      {}  {}",
                    f.function,
                    p.dim(&format!("{}:{}", f.file, f.line))
                );
            }
        }
        if let Some(l) = &first.location {
            let _ = writeln!(out, "  Location is {l}");
        }
        for c in &first.created {
            let _ = writeln!(out, "  Goroutine {} ({}) created at:", c.goroutine, c.state);
            for f in &c.frames {
                let _ = writeln!(
                    out,
                    "      {}  {}",
                    f.function,
                    p.dim(&format!("{}:{}", f.file, f.line))
                );
            }
        }
        let _ = writeln!(out);
    }
    if r.found > 0 {
        let _ = writeln!(out, "the race detector's own count at exit: {}", r.found);
    }
    skipped_lines(&mut out, &r.sources, &p);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0), "3.0 MiB");
        assert_eq!(num(0.0500, 3), "0.05");
        assert_eq!(num(12.0, 3), "12");
    }
}
