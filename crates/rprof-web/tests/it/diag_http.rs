//! The runtime diagnostics pages over HTTP: each page on the real
//! fixtures (fixtures/diag, written by Go programs) with the report's
//! figures, the goroutine profile mounted under `/pprof/ui/`, the
//! server's rules, and hostile strings from a dump or log shown as text.

use crate::support::{get, request};
use rprof_web::{DiagUi, Diagnostics};
use std::path::PathBuf;

pub fn diag_fixture(name: &str) -> PathBuf {
    rprof_testkit::fixture("diag").join("go1.27").join(name)
}

fn open(name: &str) -> std::io::BufReader<std::fs::File> {
    std::io::BufReader::new(std::fs::File::open(diag_fixture(name)).unwrap())
}

pub fn goroutines(names: &[&str]) -> rprof_diag::GoroutineReport {
    let mut r = rprof_diag::GoroutineReader::new(Default::default());
    for n in names {
        r.read(n, open(n)).unwrap();
    }
    r.finish()
}

pub fn gctrace(name: &str) -> rprof_diag::GcReport {
    let (source, traces) = rprof_diag::read_gctrace(name, open(name)).unwrap();
    rprof_diag::GcReport {
        sources: vec![source],
        traces,
    }
}

pub fn memstats(names: &[&str]) -> rprof_diag::MemReport {
    let mut r = rprof_diag::MemstatsReader::new(Default::default());
    for n in names {
        r.read(n, open(n)).unwrap();
    }
    r.finish()
}

pub fn race(name: &str) -> rprof_diag::RaceSummary {
    let mut r = rprof_diag::RaceReader::new();
    r.read(name, open(name)).unwrap();
    r.finish()
}

/// Serves the page of `d`; returns `127.0.0.1:PORT`.
pub fn serve_diag(d: Diagnostics, title: &str) -> String {
    let ui = DiagUi::new(&d, title).expect("page renders");
    let bound = rprof_web::bind(None).expect("bind");
    let addr = bound.addr().to_string();
    let app = rprof_web::diag_app(ui, &bound);
    std::thread::spawn(move || bound.serve(app));
    addr
}

/// The values of `attr` on the elements whose class starts with `class`.
pub fn attrs(page: &str, class: &str, attr: &str) -> Vec<String> {
    page.split(&format!("class=\"{class}"))
        .skip(1)
        .filter_map(|s| {
            let tag = &s[..s.find('>').unwrap_or(s.len())];
            let v = tag.split(&format!("{attr}=\"")).nth(1)?;
            Some(v[..v.find('"')?].to_string())
        })
        .collect()
}

#[test]
fn goroutine_page_has_every_bucket_and_the_profile() {
    let r = goroutines(&["leak/goroutine-005s.txt", "leak/goroutine-065s.txt"]);
    let want: Vec<String> = r.buckets.iter().map(|b| b.count.to_string()).collect();
    let total = r.goroutines;
    // The goroutines counted in the dumps themselves: one header each.
    let headers: u64 = ["leak/goroutine-005s.txt", "leak/goroutine-065s.txt"]
        .iter()
        .map(|n| {
            std::fs::read_to_string(diag_fixture(n))
                .unwrap()
                .lines()
                .filter(|l| l.starts_with("goroutine ") && l.ends_with(':'))
                .count() as u64
        })
        .sum();
    assert_eq!(total, headers);
    let addr = serve_diag(Diagnostics::Goroutines(r), "two dumps");
    let resp = get(&addr, "/");
    assert_eq!(resp.status, 200);
    assert!(
        resp.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert_eq!(resp.header("content-security-policy"), Some(rprof_web::CSP));
    let page = resp.text();
    let counts = attrs(&page, "bucket-row", "data-count");
    assert_eq!(counts, want);
    let sum: u64 = counts.iter().map(|c| c.parse::<u64>().unwrap()).sum();
    assert_eq!(sum, headers, "the buckets hold every goroutine");
    assert!(page.contains(&format!("{total} goroutines in {} buckets", want.len())));
    assert!(page.contains("/assets/diag.js") && page.contains("/assets/rprof.css"));
    assert_eq!(get(&addr, "/assets/diag.js").status, 200);
    assert_eq!(get(&addr, "/assets/diag.css").status, 200);
    // The dump as a goroutine profile, in the profile UI under /pprof/ui/.
    let top = get(&addr, "/pprof/ui/top/data");
    assert_eq!(top.status, 200);
    let t = top.text();
    assert!(t.contains("main.watch"), "{t:.800}");
    assert!(t.contains(&format!("{headers} total")), "{t:.800}");
    let flame = get(&addr, "/pprof/ui/flamegraph");
    assert_eq!(flame.status, 200);
    assert!(flame.text().contains("id=\"nav-buckets\""), "the way back");
    // The server's rules hold here too.
    assert_eq!(request(&addr, "GET", "/", "evil.example:80").status, 403);
    assert_eq!(request(&addr, "POST", "/", &addr).status, 405);
}

#[test]
fn gctrace_page_has_every_cycle_and_the_chart() {
    let r = gctrace("gctrace-grow.txt");
    let want: Vec<String> = r.traces[0].cycles.iter().map(|c| c.n.to_string()).collect();
    // The cycles counted in the log itself.
    let lines = std::fs::read_to_string(diag_fixture("gctrace-grow.txt"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("gc ") && l.contains(" MB goal"))
        .count();
    assert_eq!(want.len(), lines);
    let peak = r.traces[0].summary.peak_heap_mb;
    let addr = serve_diag(Diagnostics::Gctrace(r), "gctrace-grow.txt");
    let page = get(&addr, "/").text();
    assert_eq!(attrs(&page, "cycle", "data-n"), want);
    assert!(page.contains(&format!("peak heap {peak} MB")));
    assert_eq!(page.matches("<svg").count(), 1, "one chart, inline");
    assert!(!page.contains("<?xml"));
    // Not a goroutine page: no profile.
    assert_eq!(get(&addr, "/pprof/ui/top").status, 404);
}

#[test]
fn memstats_page_says_leak_only_for_the_leaking_service() {
    let r = memstats(&["leak/vars.jsonl", "steady/vars.jsonl"]);
    let leak = r.series[0].summary.leak.clone().expect("the leak is found");
    assert!(r.series[1].summary.leak.is_none());
    let addr = serve_diag(Diagnostics::Memstats(r), "two services");
    let page = get(&addr, "/").text();
    assert!(page.contains(&format!(
        "<p class=\"verdict leak\" id=\"verdict-0\">Leak suspected: {leak}</p>"
    )));
    assert!(page.contains("<p class=\"verdict ok\" id=\"verdict-1\">No leak"));
    assert_eq!(page.matches("<svg").count(), 1);
}

#[test]
fn race_page_has_every_pair() {
    let r = race("race.txt");
    let want: Vec<String> = r.pairs.iter().map(|p| p.count.to_string()).collect();
    let reports = std::fs::read_to_string(diag_fixture("race.txt"))
        .unwrap()
        .matches("WARNING: DATA RACE")
        .count() as u64;
    assert_eq!(r.reports, reports);
    let addr = serve_diag(Diagnostics::Race(r), "race.txt");
    let page = get(&addr, "/").text();
    assert_eq!(attrs(&page, "pair-row", "data-count"), want);
    assert_eq!(want, ["2", "1"], "two races, one reported twice");
    assert!(page.contains("TestCounterA, TestCounterB"));
    assert!(page.contains("Previous write at"));
}

pub const SCRIPT: &str = "<script>alert('dump')</script>";
pub const IMG: &str = "<img src=x onerror=alert('log')>";

/// A dump whose function, file, label, panic value and creator are
/// markup.
pub fn hostile_dump() -> String {
    format!(
        "panic: {SCRIPT}\n\ngoroutine 1 [running] {{tenant: {IMG}}}:\nmain.{SCRIPT}(0x1)\n\t/src/{IMG}.go:10 +0x1\nmain.main()\n\t/src/main.go:5 +0x2\n\ngoroutine 7 [chan receive, 9 minutes]:\nmain.wait{IMG}()\n\t/src/main.go:20 +0x3\ncreated by main.{SCRIPT} in goroutine 1\n\t/src/main.go:6 +0x4\n"
    )
}

fn assert_escaped(what: &str, page: &str) {
    for raw in [SCRIPT, IMG, "<script>alert", "<img src=x"] {
        assert!(
            !page.contains(raw),
            "{what}: {raw:?} reached the page as markup"
        );
    }
    assert!(
        page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
        "{what}: the string is shown, escaped"
    );
}

#[test]
fn markup_from_dumps_and_logs_is_text() {
    let mut g = rprof_diag::GoroutineReader::new(Default::default());
    g.read("dump.txt", hostile_dump().as_bytes()).unwrap();
    let r = g.finish();
    assert_eq!(r.buckets.len(), 2);
    let addr = serve_diag(Diagnostics::Goroutines(r), "dump.txt");
    let page = get(&addr, "/").text();
    assert_escaped("goroutines", &page);
    assert!(page.contains("&#60;img src=x onerror=alert(&#39;log&#39;)&#62;"));

    // The log's name (in the page and in the chart's captions) and a
    // line that is not understood.
    let log = format!(
        "gc 1 @0.011s 1%: 0.066+0.35+0.006 ms clock, 0.13+0.28/0/0+0.013 ms cpu, 3->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\ngc 2 @{SCRIPT}\n"
    );
    let name = format!("{IMG}{SCRIPT}.log");
    let (source, traces) = rprof_diag::read_gctrace(&name, log.as_bytes()).unwrap();
    let r = rprof_diag::GcReport {
        sources: vec![source],
        traces,
    };
    let addr = serve_diag(Diagnostics::Gctrace(r), &name);
    assert_escaped("gctrace", &get(&addr, "/").text());

    let vars = std::fs::read_to_string(diag_fixture("leak/vars.jsonl")).unwrap();
    let mut m = rprof_diag::MemstatsReader::new(Default::default());
    m.read(&name, format!("{vars}{SCRIPT}\n").as_bytes())
        .unwrap();
    let r = m.finish();
    let addr = serve_diag(Diagnostics::Memstats(r), &name);
    assert_escaped("memstats", &get(&addr, "/").text());

    let race = format!(
        "==================\nWARNING: DATA RACE\nWrite at 0x00c000018258 by goroutine 9:\n  main.{SCRIPT}()\n      /src/{IMG}.go:15 +0x28\n\nPrevious read at 0x00c000018258 by goroutine 8:\n  main.reader()\n      /src/main.go:20 +0x28\n\nGoroutine 9 (running) created at:\n  main.main()\n      /src/main.go:5 +0x1\n==================\n--- FAIL: Test{SCRIPT} (0.00s)\n"
    );
    let mut rr = rprof_diag::RaceReader::new();
    rr.read("race.log", race.as_bytes()).unwrap();
    let r = rr.finish();
    assert_eq!(r.pairs.len(), 1);
    let addr = serve_diag(Diagnostics::Race(r), "race.log");
    assert_escaped("race", &get(&addr, "/").text());
}
