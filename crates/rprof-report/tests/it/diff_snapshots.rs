//! Snapshots of the diff report's text and JSON forms on the cpu pair
//! (and one heap comparison, for memory units). These are rprof's own
//! formats, not pprof parity files: review a change, then re-bless with
//!
//! ```sh
//! RPROF_BLESS=1 cargo test -p rprof-report --test diff_snapshots
//! ```

use rprof_profile::Profile;
use rprof_report::ReportOptions;
use rprof_report::diff::{DiffReport, diff, to_json, to_json_string, write_text};
use std::path::PathBuf;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Profile {
    let path = rprof_testkit::fixture("profiles").join(name);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let p = rprof_profile::parse(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
    rprof_profile::combine(vec![p]).unwrap()
}

fn report(base: &str, current: &str, opts: &ReportOptions) -> DiffReport {
    diff(&load(base), &load(current), opts)
        .unwrap()
        .with_sources(vec![base.to_string()], vec![current.to_string()])
}

/// Compares `got` with the snapshot `name` (`RPROF_BLESS=1` rewrites it).
fn snapshot(name: &str, got: &str) {
    rprof_testkit::check_snapshot(manifest().join("tests/snapshots").join(name), got);
}

fn text(r: &DiffReport) -> String {
    let mut out = String::new();
    write_text(r, &mut out);
    out
}

fn json(r: &DiffReport) -> String {
    let s = to_json_string(r);
    // The text is the same data as the value (floats aside: parsing them
    // back need not give the same last bit).
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    let j = to_json(r);
    for key in [
        "base",
        "current",
        "change",
        "row_count",
        "unit",
        "sample_type",
    ] {
        assert_eq!(v[key], j[key], "{key}");
    }
    let names = |v: &serde_json::Value| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&v), names(&j));
    s
}

#[test]
fn cpu_text() {
    let r = report("cpu.pb.gz", "cpu.v2.pb.gz", &ReportOptions::default());
    snapshot("diff_cpu.txt", &text(&r));
}

#[test]
fn cpu_json() {
    // Ten rows: the shape is what matters, and the text snapshot has them all.
    let opts = ReportOptions {
        node_count: Some(10),
        ..ReportOptions::default()
    };
    let r = report("cpu.pb.gz", "cpu.v2.pb.gz", &opts);
    snapshot("diff_cpu.nodecount10.json", &json(&r));
}

#[test]
fn cpu_cum_nodecount_text() {
    let opts = ReportOptions {
        cum: true,
        node_count: Some(12),
        ..ReportOptions::default()
    };
    let r = report("cpu.pb.gz", "cpu.v2.pb.gz", &opts);
    snapshot("diff_cpu.cum.nodecount12.txt", &text(&r));
}

#[test]
fn heap_alloc_space_text() {
    let opts = ReportOptions {
        sample_index: "alloc_space".into(),
        ..ReportOptions::default()
    };
    let r = report("heap.pb.gz", "heap.v2.pb.gz", &opts);
    snapshot("diff_heap.alloc_space.txt", &text(&r));
}
