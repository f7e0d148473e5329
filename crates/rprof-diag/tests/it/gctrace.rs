//! gctrace logs written by real Go programs: every figure of the summary
//! is recomputed here from the log with a regular expression of its own.

use regex::Regex;
use rprof_diag::{GcTrace, read_gctrace};

use crate::fixture;

/// What the test reads of one `gc` line.
struct Line {
    n: u64,
    at: f64,
    pct: u32,
    clock: [f64; 3],
    cpu: [f64; 5],
    heap: [u64; 3],
    goal: u64,
    forced: bool,
    leak_check: bool,
}

fn gc_lines(log: &str) -> Vec<Line> {
    let re = Regex::new(
        r"^gc (\d+) @([\d.]+)s (\d+)%( \(checking for goroutine leaks\))?: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock, ([\d.]+)\+([\d.]+)/([\d.]+)/([\d.]+)\+([\d.]+) ms cpu, (\d+)->(\d+)->(\d+) MB, (\d+) MB goal, (\d+) MB stacks, (\d+) MB globals, (\d+) P( \(forced\))?$",
    )
    .unwrap();
    log.lines()
        .filter_map(|l| re.captures(l))
        .map(|c| {
            let f = |i: usize| c[i].parse::<f64>().unwrap();
            let u = |i: usize| c[i].parse::<u64>().unwrap();
            Line {
                n: u(1),
                at: f(2),
                pct: c[3].parse().unwrap(),
                leak_check: c.get(4).is_some(),
                clock: [f(5), f(6), f(7)],
                cpu: [f(8), f(9), f(10), f(11), f(12)],
                heap: [u(13), u(14), u(15)],
                goal: u(16),
                forced: c.get(20).is_some(),
            }
        })
        .collect()
}

/// Nearest-rank percentile.
fn rank(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let k = (q * v.len() as f64).ceil() as usize;
    v[k.max(1) - 1]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn check(rel: &str, t: &GcTrace, lines: &[Line]) {
    let s = &t.summary;
    assert_eq!(t.cycles.len(), lines.len(), "{rel}");
    assert_eq!(s.cycles, lines.len() as u64);
    for (c, l) in t.cycles.iter().zip(lines) {
        assert_eq!(
            (c.n, c.cpu_percent, c.forced, c.leak_check),
            (l.n, l.pct, l.forced, l.leak_check)
        );
        assert_eq!(
            [c.heap_start_mb, c.heap_end_mb, c.heap_live_mb, c.goal_mb],
            [l.heap[0], l.heap[1], l.heap[2], l.goal]
        );
        assert!(c.extra.is_empty(), "{rel}: {:?}", c.extra);
    }
    let first = &lines[0];
    let last = &lines[lines.len() - 1];
    assert!(close(s.first_at_s, first.at) && close(s.last_at_s, last.at));
    let per_min = (lines.len() - 1) as f64 / (last.at - first.at) * 60.0;
    assert!(close(s.cycles_per_minute.unwrap(), per_min), "{rel}");
    assert_eq!(s.gc_cpu_percent, last.pct);
    let sweep: Vec<f64> = lines.iter().map(|l| l.clock[0]).collect();
    let markterm: Vec<f64> = lines.iter().map(|l| l.clock[2]).collect();
    for (got, v) in [(&s.sweep_term_ms, &sweep), (&s.mark_term_ms, &markterm)] {
        assert!(close(got.p50, rank(v, 0.5)), "{rel}: p50");
        assert!(close(got.p99, rank(v, 0.99)), "{rel}: p99");
        assert!(
            close(got.max, v.iter().copied().fold(0.0, f64::max)),
            "{rel}: max"
        );
    }
    let stw: f64 = lines.iter().map(|l| l.clock[0] + l.clock[2]).sum();
    assert!(close(s.stw_total_ms, stw), "{rel}");
    let assist: f64 = lines.iter().map(|l| l.cpu[1]).sum();
    let marking: f64 = lines.iter().map(|l| l.cpu[1] + l.cpu[2] + l.cpu[3]).sum();
    assert!(close(s.assist_share.unwrap(), assist / marking), "{rel}");
    assert_eq!(s.forced, lines.iter().filter(|l| l.forced).count() as u64);
    assert_eq!(
        s.leak_checks,
        lines.iter().filter(|l| l.leak_check).count() as u64
    );
    assert_eq!(s.live_heap_mb.last, last.heap[2]);
    assert_eq!(
        s.live_heap_mb.max,
        lines.iter().map(|l| l.heap[2]).max().unwrap()
    );
    assert_eq!(s.goal_mb.last, last.goal);
}

#[test]
fn summaries_recomputed_from_the_logs() {
    for rel in [
        "go1.27/gctrace-grow.txt",
        "go1.27/gctrace-forced.txt",
        "go1.19/gctrace-grow.txt",
        "go1.19/gctrace-forced.txt",
        "go1.27/leak/stderr.txt",
    ] {
        let log = std::fs::read_to_string(fixture(rel)).unwrap();
        let lines = gc_lines(&log);
        assert!(lines.len() >= 10, "{rel}: a real log has cycles");
        let (source, traces) = read_gctrace(rel, log.as_bytes()).unwrap();
        assert_eq!(traces.len(), 1, "{rel}: one run");
        check(rel, &traces[0], &lines);
        // Other lines (the program's own log) are ignored, not skipped.
        assert!(source.skipped.is_empty(), "{rel}: {:?}", source.skipped);
        let scav = log.lines().filter(|l| l.starts_with("scav ")).count();
        assert_eq!(traces[0].scavenges.len(), scav, "{rel}");
        // CRLF line endings change nothing.
        let (_, crlf) = read_gctrace(rel, log.replace('\n', "\r\n").as_bytes()).unwrap();
        assert_eq!(crlf, traces);
    }
}

#[test]
fn the_forced_log_has_forced_cycles_and_scavenger_lines() {
    for v in ["go1.27", "go1.19"] {
        let rel = format!("{v}/gctrace-forced.txt");
        let (_, t) = read_gctrace(
            &rel,
            std::fs::File::open(fixture(&rel))
                .map(std::io::BufReader::new)
                .unwrap(),
        )
        .unwrap();
        let s = &t[0].summary;
        // 12 runtime.GC() calls and debug.FreeOSMemory's force at least
        // 13 cycles (Go 1.19 marks more: a call during a cycle runs two).
        let log = std::fs::read_to_string(fixture(&rel)).unwrap();
        assert_eq!(
            s.forced,
            log.lines()
                .filter(|l| l.starts_with("gc ") && l.ends_with(" (forced)"))
                .count() as u64
        );
        assert!(s.forced >= 13, "{rel}");
        assert!(s.scavenges > 0, "{rel}: scavtrace=1 lines");
        let forced_scav = t[0].scavenges.iter().filter(|s| s.forced).count();
        assert_eq!(forced_scav, 1, "{rel}: FreeOSMemory's forced scavenge");
        // The Go 1.21+ line splits background and eager work.
        assert_eq!(t[0].scavenges[0].eager_kib.is_some(), v == "go1.27");
    }
    let (_, t) = read_gctrace(
        "s",
        std::fs::File::open(fixture("go1.27/leak/stderr.txt"))
            .map(std::io::BufReader::new)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        t[0].summary.leak_checks, 1,
        "the goroutineleak profile's cycle"
    );
}

#[test]
fn restarts_damage_and_junk() {
    let log = std::fs::read_to_string(fixture("go1.27/gctrace-grow.txt")).unwrap();
    let n = gc_lines(&log).len();
    // Two runs in one file: two traces.
    let twice = format!("{log}{log}");
    let (_, t) = read_gctrace("twice", twice.as_bytes()).unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].source.as_str(), t[1].source.as_str()),
        ("twice#1", "twice#2")
    );
    assert_eq!(t[1].cycles.len(), n);
    // A gc line cut in the middle: skipped with its number, the rest kept.
    let mut lines: Vec<String> = log.lines().map(str::to_string).collect();
    let i = lines.iter().position(|l| l.starts_with("gc 3 ")).unwrap();
    lines[i].truncate(30);
    let (source, t) = read_gctrace("cut", lines.join("\n").as_bytes()).unwrap();
    assert_eq!(t[0].cycles.len(), n - 1);
    assert_eq!(source.skipped.count, 1);
    assert_eq!(source.skipped.first[0].line, i as u64 + 1);
    // A log prefix before the line (journald, a log shipper) is fine.
    let prefixed: String = log
        .lines()
        .map(|l| format!("Dec 06 10:00:00 host app[42]: {l}\n"))
        .collect();
    let (_, t) = read_gctrace("prefixed", prefixed.as_bytes()).unwrap();
    assert_eq!(t[0].cycles.len(), n);
    // Not a gctrace log at all.
    let e = read_gctrace("vars.json", &b"{\"memstats\": {}}\n"[..]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "vars.json: no gctrace line (gc N @…) found (this looks like JSON)"
    );
}

#[test]
fn csv_and_chart() {
    let rel = "go1.27/gctrace-grow.txt";
    let (source, traces) =
        read_gctrace(rel, std::fs::read(fixture(rel)).unwrap().as_slice()).unwrap();
    let report = rprof_diag::GcReport {
        sources: vec![source],
        traces,
    };
    let mut csv = Vec::new();
    rprof_diag::gctrace_csv(&report, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.lines().count(), report.traces[0].cycles.len() + 1);
    assert!(csv.starts_with("source,gc,at_s,"));
    let svg = rprof_diag::gctrace_svg(&report, &Default::default()).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for legend in [
        "heap goal",
        "live heap (marked)",
        "sweep termination (STW)",
        "mark assist CPU",
    ] {
        assert!(svg.contains(legend), "{legend}");
    }
    // One dot per cycle for each of the two pauses.
    assert!(svg.matches("<circle").count() >= 2 * report.traces[0].cycles.len());
}

/// Logs cut anywhere: never a panic, and exactly the complete gc lines
/// of what is left are read.
#[test]
fn random_truncations() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for rel in ["go1.27/leak/stderr.txt", "go1.19/gctrace-forced.txt"] {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        for _ in 0..100 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let cut = (seed % bytes.len() as u64) as usize;
            let prefix = String::from_utf8_lossy(&bytes[..cut]);
            let want = gc_lines(&prefix).len();
            match read_gctrace(rel, &bytes[..cut]) {
                Ok((_, t)) => assert_eq!(
                    t.iter().map(|t| t.cycles.len()).sum::<usize>(),
                    want,
                    "{rel} cut at {cut}"
                ),
                Err(e) => {
                    assert_eq!(want, 0, "{rel} cut at {cut}: {e}");
                }
            }
        }
    }
}
