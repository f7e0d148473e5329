//! Builds the timeline index of a trace and times a few queries: the
//! numbers behind the index's memory and latency targets.
//!
//! ```text
//! cargo run --release -p rprof-trace --example timeline -- TRACE [PX]
//! ```
//!
//! Prints the build time, what was indexed, the index's memory and file
//! size, then the time and JSON size of whole-trace and zoomed windows in
//! both views, of a slice's details and of one goroutine's timeline. Run
//! it under `/usr/bin/time -v` for the peak RSS.

use std::time::Instant;

use rprof_trace::analysis::timeline::{
    GoroutineQuery, Progress, TimelineOptions, TimelineQuery, View, build_index,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: timeline TRACE [PX]");
        std::process::exit(2);
    };
    let px: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1400);
    let f = std::fs::File::open(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let size = f.metadata().map(|m| m.len()).ok();
    if std::env::var_os("TIMELINE_READ_ONLY").is_some() {
        // The reader alone: the baseline the index's memory adds to.
        // (With `drive`: the reading thread and batches the index uses,
        // through an analysis that keeps almost nothing: the MMU at one
        // window.)
        let t = Instant::now();
        let r = rprof_trace::Reader::new(std::io::BufReader::with_capacity(256 << 10, f));
        if std::env::var_os("TIMELINE_READ_ONLY").is_some_and(|v| v == "drive") {
            let m = rprof_trace::analysis::mmu(
                &mut r.expect("trace"),
                &[1_000_000],
                Default::default(),
            );
            println!(
                "read with drive in {:.3}s: {:?}",
                t.elapsed().as_secs_f64(),
                m.map(|m| m.value)
            );
            return;
        }
        let n = r.map(|r| r.take_while(|e| e.is_ok()).count()).unwrap_or(0);
        println!("read {n} events in {:.3}s", t.elapsed().as_secs_f64());
        return;
    }
    let progress = Progress::default();
    let t = Instant::now();
    let built = build_index(
        std::io::BufReader::with_capacity(256 << 10, f),
        size,
        &TimelineOptions::default(),
        &progress,
    )
    .unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let build = t.elapsed();
    let ix = built.value;
    let info = ix.info();
    println!(
        "built in {:.3}s: {} events, {} P rows, {} thread rows, {} proc slices, {} thread slices, {} details",
        build.as_secs_f64(),
        info.events,
        info.procs.len(),
        info.threads.len(),
        info.proc_slices,
        info.thread_slices,
        info.details
    );
    println!(
        "trace {:.1} MB, index file {:.1} MB ({:.2}x), index memory {:.2} MB",
        size.unwrap_or(0) as f64 / 1e6,
        info.index_bytes as f64 / 1e6,
        info.index_bytes as f64 / size.unwrap_or(1).max(1) as f64,
        ix.heap_bytes() as f64 / 1e6
    );
    if std::env::var_os("TIMELINE_DISK").is_some() {
        print!("{}", ix.disk_report());
    }
    if let Some(e) = &built.error {
        println!("trace error: {e}");
    }
    let (s, e) = (info.start_ns, info.end_ns.max(info.start_ns + 1));
    let d = e - s;
    let mut first_slice = None;
    for view in [View::Proc, View::Thread] {
        for (what, t0, t1) in [
            ("whole", s, e),
            ("1/10", s + d / 2, s + d / 2 + d / 10),
            ("1/1000", s + d / 2, s + d / 2 + d / 1000),
            ("1/1e6", s + d / 2, s + d / 2 + (d / 1_000_000).max(1)),
        ] {
            let t = Instant::now();
            let tl = ix
                .timeline(&TimelineQuery {
                    view,
                    start: t0,
                    end: t1,
                    px,
                })
                .expect("query");
            let q = t.elapsed();
            let json = serde_json::to_string(&tl).expect("json");
            let slices: usize = tl
                .rows
                .iter()
                .flat_map(|r| &r.lanes)
                .map(|l| l.slices.len())
                .sum();
            let bars: usize = tl
                .rows
                .iter()
                .flat_map(|r| &r.lanes)
                .map(|l| l.bars.len())
                .sum();
            if first_slice.is_none() {
                first_slice = tl
                    .rows
                    .iter()
                    .flat_map(|r| r.lanes.first())
                    .flat_map(|l| l.slices.first())
                    .find(|s| s.4 >= 0)
                    .copied();
            }
            println!(
                "{view:?} {what:>6}: {:7.2} ms query, {:7.2} ms with JSON, {:8} bytes, {slices} slices, {bars} bars, level {:?}",
                q.as_secs_f64() * 1e3,
                t.elapsed().as_secs_f64() * 1e3,
                json.len(),
                tl.level
            );
        }
    }
    if let Some(sl) = first_slice {
        let t = Instant::now();
        let det = ix.slice(sl.4 as u64).expect("slice");
        println!(
            "slice {}: {:.2} ms, G{} {} {}..{} end {} {:?}, {} frames, cause {:?}",
            sl.4,
            t.elapsed().as_secs_f64() * 1e3,
            det.g,
            det.name,
            det.start,
            det.end,
            det.end_state,
            det.reason,
            det.start_stack.len() + det.end_stack.len(),
            det.cause.as_ref().map(|c| &c.name)
        );
        let t = Instant::now();
        let gt = ix
            .goroutine(&GoroutineQuery {
                g: sl.2,
                start: None,
                end: None,
                px,
            })
            .expect("goroutine");
        println!(
            "goroutine {}: {:.2} ms, {} slices, {} bars",
            sl.2,
            t.elapsed().as_secs_f64() * 1e3,
            gt.slices.slices.len(),
            gt.slices.bars.len()
        );
    }
    let t = Instant::now();
    let tasks = ix.task_types();
    let regions = ix.region_types();
    println!(
        "{} task types, {} region groups: {:.2} ms",
        tasks.len(),
        regions.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
}
