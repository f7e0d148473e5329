//! rprof's own formats on real fixtures, byte for byte. When a change is
//! intended, re-bless with `RPROF_BLESS=1 cargo test -p rprof-diag --test
//! snapshots` and review the diff of `tests/snapshots/`. The numbers in
//! them are checked by the other tests.

use rprof_diag::*;

use crate::fixture;

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap()
}

fn check(name: &str, got: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    rprof_testkit::check_snapshot(path, got);
}

fn plain() -> TextOptions {
    TextOptions { color: false }
}

#[test]
fn goroutine_reports() {
    let r = read_goroutines(
        "go1.27/panic.txt",
        &bytes("go1.27/panic.txt")[..],
        &Default::default(),
    )
    .unwrap();
    check("goroutines-panic.txt", &goroutines_text(&r, &plain()));
    let mut reader = GoroutineReader::new(GoroutineOptions::default());
    for rel in [
        "go1.27/leak/goroutine-005s.txt",
        "go1.27/leak/goroutine-065s.txt",
        "go1.27/leak/goroutineleak-125s.txt",
    ] {
        reader.read(rel, &bytes(rel)[..]).unwrap();
    }
    let r = reader.finish();
    check("goroutines-leak.txt", &goroutines_text(&r, &plain()));
    check("goroutines-leak.html", &goroutines_html(&r).unwrap());
    // Colour is only escapes around the same text.
    let colored = goroutines_text(&r, &TextOptions { color: true });
    assert!(colored.contains("\x1b["));
    let stripped = regex::Regex::new("\x1b\\[[0-9;]*m")
        .unwrap()
        .replace_all(&colored, "");
    assert_eq!(stripped, goroutines_text(&r, &plain()));
}

#[test]
fn gctrace_report_and_chart() {
    let rel = "go1.19/gctrace-forced.txt";
    let (source, traces) = read_gctrace(rel, &bytes(rel)[..]).unwrap();
    let r = GcReport {
        sources: vec![source],
        traces,
    };
    check("gctrace-forced.txt", &gctrace_text(&r, &plain()));
    let rel = "go1.27/gctrace-grow.txt";
    let (source, traces) = read_gctrace(rel, &bytes(rel)[..]).unwrap();
    let r = GcReport {
        sources: vec![source],
        traces,
    };
    check(
        "gctrace-grow.svg",
        &gctrace_svg(&r, &Default::default()).unwrap(),
    );
}

#[test]
fn memstats_reports() {
    let mut reader = MemstatsReader::new(MemstatsOptions::default());
    for rel in [
        "go1.27/leak/vars.jsonl",
        "go1.27/steady/vars.jsonl",
        "go1.27/gops-memstats.txt",
    ] {
        reader.read(rel, &bytes(rel)[..]).unwrap();
    }
    let r = reader.finish();
    check("memstats.txt", &memstats_text(&r, &plain()));
    let mut leak = MemstatsReader::new(MemstatsOptions::default());
    leak.read(
        "go1.27/leak/vars.jsonl",
        &bytes("go1.27/leak/vars.jsonl")[..],
    )
    .unwrap();
    check(
        "memstats-leak.svg",
        &memstats_svg(&leak.finish(), &Default::default()).unwrap(),
    );
}

#[test]
fn race_report() {
    let mut r = RaceReader::new();
    r.read("go1.27/race.txt", &bytes("go1.27/race.txt")[..])
        .unwrap();
    check("race.txt", &race_text(&r.finish(), &plain()));
}
