//! Numbers the diff report must get right on the real fixture pairs
//! (`X.pb.gz` = base, `X.v2.pb.gz` = current): every row adds up, the
//! totals are `top`'s totals, the flat deltas add up to the change of the
//! total, `(new)`/`(gone)` mark exactly the nodes one side lacks, rows are
//! in order, and profiles of different kinds are refused with both named.

use rprof_profile::Profile;
use rprof_report::diff::{DiffError, DiffReport, RowStatus, diff, to_json, write_text};
use rprof_report::{Granularity, Report, ReportOptions};
use std::collections::BTreeSet;

fn load(name: &str) -> Profile {
    let path = rprof_testkit::fixture("profiles").join(name);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let p = rprof_profile::parse(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
    rprof_profile::combine(vec![p]).unwrap()
}

fn pair(kind: &str) -> (Profile, Profile) {
    (
        load(&format!("{kind}.pb.gz")),
        load(&format!("{kind}.v2.pb.gz")),
    )
}

const PAIRS: [&str; 7] = [
    "cpu",
    "heap",
    "allocs",
    "block",
    "mutex",
    "goroutine",
    "threadcreate",
];

fn untrimmed() -> ReportOptions {
    ReportOptions {
        trim: false,
        ..ReportOptions::default()
    }
}

/// Every sample index of the profile, by name.
fn sample_indexes(p: &Profile) -> Vec<String> {
    p.sample_type_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The checks that hold for any report without trimming.
fn check_sums(kind: &str, base: &Profile, cur: &Profile, opts: &ReportOptions) -> DiffReport {
    let what = format!(
        "{kind} sample_index={:?} {:?}",
        opts.sample_index, opts.granularity
    );
    let r = diff(base, cur, opts).unwrap_or_else(|e| panic!("{what}: {e}"));
    for row in &r.rows {
        for (m, c) in [("flat", &row.flat), ("cum", &row.cum)] {
            assert_eq!(c.base + c.delta, c.current, "{what}: {m} of {}", row.name);
        }
        match row.status {
            RowStatus::New => assert_eq!(
                (row.flat.base, row.cum.base),
                (0, 0),
                "{what}: {}",
                row.name
            ),
            RowStatus::Gone => assert_eq!(
                (row.flat.current, row.cum.current),
                (0, 0),
                "{what}: {}",
                row.name
            ),
            RowStatus::Common => {}
        }
    }
    // Header totals are what `top` shows for each profile alone.
    let top_base = Report::new(base, opts).unwrap().total();
    let top_cur = Report::new(cur, opts).unwrap().total();
    assert_eq!(r.base.total, top_base, "{what}: base total");
    assert_eq!(r.current.total, top_cur, "{what}: current total");
    assert_eq!(r.change, top_cur - top_base, "{what}: change");
    // Without trimming, every node is a row and the flat deltas add up.
    assert_eq!(r.rows.len(), r.row_count, "{what}");
    assert_eq!(r.dropped_rows, 0, "{what}");
    let flat_delta: i64 = r.rows.iter().map(|x| x.flat.delta).sum();
    assert_eq!(flat_delta, top_cur - top_base, "{what}: sum of flat deltas");
    let flat_base: i64 = r.rows.iter().map(|x| x.flat.base).sum();
    let flat_cur: i64 = r.rows.iter().map(|x| x.flat.current).sum();
    assert_eq!(
        (flat_base, flat_cur),
        (top_base, top_cur),
        "{what}: flat sums"
    );
    r
}

#[test]
fn rows_add_up_for_every_pair_and_sample_type() {
    for kind in PAIRS {
        let (base, cur) = pair(kind);
        for index in sample_indexes(&cur) {
            let opts = ReportOptions {
                sample_index: index,
                ..untrimmed()
            };
            check_sums(kind, &base, &cur, &opts);
        }
    }
}

#[test]
fn rows_add_up_at_every_granularity() {
    use Granularity::*;
    for kind in ["cpu", "heap", "block"] {
        let (base, cur) = pair(kind);
        for granularity in [Functions, FileFunctions, Files, Lines, Addresses] {
            for no_inlines in [false, true] {
                let opts = ReportOptions {
                    granularity,
                    no_inlines,
                    ..untrimmed()
                };
                check_sums(kind, &base, &cur, &opts);
            }
        }
    }
}

/// Function names on the stacks of samples with a non-zero value.
fn functions(p: &Profile, index: usize) -> BTreeSet<String> {
    let s = &p.samples;
    let mut out = BTreeSet::new();
    for i in 0..s.len() {
        if s.value(i, index) == 0 {
            continue;
        }
        for &loc in s.stack(i) {
            let lines = p.location_lines(loc);
            for line in lines {
                let f = &p.functions[line.function as usize];
                out.insert(p.str(f.name).to_string());
            }
            if lines.is_empty() {
                out.insert(String::new());
            }
        }
    }
    // pprof's name for a frame without a function name or binary (the
    // threadcreate fixtures have one).
    if out.remove("") {
        out.insert("<unknown>".to_string());
    }
    out
}

#[test]
fn new_and_gone_mark_exactly_the_functions_one_side_lacks() {
    for kind in PAIRS {
        let (base, cur) = pair(kind);
        let r = diff(&base, &cur, &untrimmed()).unwrap();
        let index = cur.default_sample_index();
        let (fb, fc) = (functions(&base, index), functions(&cur, index));
        let rows = |st: RowStatus| -> BTreeSet<String> {
            r.rows
                .iter()
                .filter(|x| x.status == st)
                .map(|x| x.name.clone())
                .collect()
        };
        let all: BTreeSet<String> = r.rows.iter().map(|x| x.name.clone()).collect();
        assert_eq!(all, fb.union(&fc).cloned().collect(), "{kind}: rows");
        assert_eq!(
            rows(RowStatus::New),
            fc.difference(&fb).cloned().collect(),
            "{kind}: new"
        );
        assert_eq!(
            rows(RowStatus::Gone),
            fb.difference(&fc).cloned().collect(),
            "{kind}: gone"
        );
    }
}

#[test]
fn cpu_pair_new_and_gone_functions() {
    let (base, cur) = pair("cpu");
    let r = diff(&base, &cur, &untrimmed()).unwrap();
    let status = |name: &str| {
        r.rows
            .iter()
            .find(|x| x.name == name)
            .unwrap_or_else(|| panic!("no row for {name}"))
            .status
    };
    assert_eq!(status("main.encodeHex"), RowStatus::New);
    assert_eq!(status("main.sortRecords"), RowStatus::New);
    assert_eq!(status("main.checksumRecords"), RowStatus::Gone);
    assert_eq!(status("main.sortInts"), RowStatus::Common);

    let mut text = String::new();
    write_text(&r, &mut text);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().any(|w| w == name))
            .unwrap_or_else(|| panic!("no line for {name}"))
            .to_string()
    };
    assert!(line("main.encodeHex").ends_with("main.encodeHex (new)"));
    assert!(line("main.checksumRecords").ends_with("main.checksumRecords (gone)"));
    assert!(line("main.sortInts").ends_with("main.sortInts"));
    // The absent side prints as "-", the delta with its sign.
    let new_line = line("main.encodeHex");
    // Columns: flat base, current, delta, delta%, cum base, current, delta,
    // delta%, name, marker. main.encodeHex only calls (flat 0, cum > 0).
    let cells: Vec<&str> = new_line.split_whitespace().collect();
    assert_eq!((cells[0], cells[4]), ("-", "-"), "{cells:?}");
    assert!(
        cells[6].starts_with('+') && cells[7].starts_with('+'),
        "{cells:?}"
    );
    let gone_line = line("main.checksumRecords");
    let cells: Vec<&str> = gone_line.split_whitespace().collect();
    assert_eq!((cells[1], cells[5]), ("-", "-"), "{cells:?}");
    assert!(
        cells[6].starts_with('-') && cells[7].starts_with('-'),
        "{cells:?}"
    );
}

#[test]
fn rows_are_sorted_by_absolute_delta_then_other_delta_then_name() {
    for kind in PAIRS {
        let (base, cur) = pair(kind);
        for cum in [false, true] {
            let opts = ReportOptions { cum, ..untrimmed() };
            let r = diff(&base, &cur, &opts).unwrap();
            assert_eq!(r.sort, if cum { "cum" } else { "flat" });
            let key = |x: &rprof_report::diff::DiffRow| {
                let (d, o) = if cum {
                    (x.cum.delta, x.flat.delta)
                } else {
                    (x.flat.delta, x.cum.delta)
                };
                (
                    std::cmp::Reverse(d.unsigned_abs()),
                    std::cmp::Reverse(o.unsigned_abs()),
                    x.name.clone(),
                )
            };
            for w in r.rows.windows(2) {
                assert!(
                    key(&w[0]) <= key(&w[1]),
                    "{kind} cum={cum}: {} before {}",
                    w[0].name,
                    w[1].name
                );
            }
            // Deterministic: the same input gives the same order.
            let again = diff(&base, &cur, &opts).unwrap();
            let names = |r: &DiffReport| r.rows.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
            assert_eq!(names(&r), names(&again));
        }
    }
}

#[test]
fn trimming_drops_small_changes_and_nodecount_limits_rows() {
    let (base, cur) = pair("cpu");
    let all = diff(&base, &cur, &untrimmed()).unwrap();
    let trimmed = diff(&base, &cur, &ReportOptions::default()).unwrap();
    assert_eq!(trimmed.row_count, all.rows.len());
    // Default nodefraction 0.005 of the base total: every node whose flat and
    // cum did not change goes; every node that changed by a sample stays.
    let cutoff = (trimmed.base.total as f64 * 0.005) as i64;
    assert_eq!(trimmed.drop_cutoff, cutoff);
    let changed: Vec<_> = all
        .rows
        .iter()
        .filter(|x| x.flat.delta.abs() >= cutoff || x.cum.delta.abs() >= cutoff)
        .map(|x| x.name.clone())
        .collect();
    let kept: Vec<_> = trimmed.rows.iter().map(|x| x.name.clone()).collect();
    assert_eq!(kept, changed);
    assert_eq!(trimmed.dropped_rows, all.rows.len() - kept.len());
    assert!(trimmed.dropped_rows > 0);

    for n in [1, 5, 10] {
        let opts = ReportOptions {
            node_count: Some(n),
            ..ReportOptions::default()
        };
        let r = diff(&base, &cur, &opts).unwrap();
        assert_eq!(r.rows.len(), n);
        let names: Vec<_> = r.rows.iter().map(|x| x.name.clone()).collect();
        assert_eq!(names, kept[..n]);
        let mut text = String::new();
        write_text(&r, &mut text);
        assert!(
            text.contains(&format!("Showing {n} of {} functions", r.row_count)),
            "{text}"
        );
    }
}

#[test]
fn json_carries_the_same_numbers() {
    let (base, cur) = pair("heap");
    let opts = ReportOptions {
        sample_index: "alloc_space".into(),
        ..ReportOptions::default()
    };
    let r = diff(&base, &cur, &opts).unwrap();
    let j = to_json(&r);
    assert_eq!(j["sample_type"], "alloc_space");
    assert_eq!(j["unit"], "bytes");
    assert_eq!(j["base"]["total"], r.base.total);
    assert_eq!(j["current"]["total"], r.current.total);
    assert_eq!(j["change"], r.current.total - r.base.total);
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), r.rows.len());
    for (jr, row) in rows.iter().zip(&r.rows) {
        assert_eq!(jr["name"], row.name.as_str());
        for (m, c) in [("flat", &row.flat), ("cum", &row.cum)] {
            assert_eq!(jr[m]["base"], c.base);
            assert_eq!(jr[m]["current"], c.current);
            assert_eq!(jr[m]["delta"], c.delta);
            let pct = jr[m]["delta_percent"].as_f64().unwrap();
            assert!((pct - c.delta as f64 * 100.0 / r.base.total as f64).abs() < 1e-9);
        }
        let st = jr["status"].as_str().unwrap();
        assert!(["new", "gone", "common"].contains(&st));
    }
}

#[test]
fn mean_and_divide_by_apply() {
    let (base, cur) = pair("block");
    let opts = ReportOptions {
        mean: true,
        sample_index: "delay".into(),
        ..untrimmed()
    };
    let r = diff(&base, &cur, &opts).unwrap();
    assert_eq!(r.sample_type, "mean_delay");
    assert_eq!(r.base.total, Report::new(&base, &opts).unwrap().total());
    for row in &r.rows {
        assert_eq!(row.flat.base + row.flat.delta, row.flat.current);
    }
    let opts = ReportOptions {
        divide_by: 1e6,
        unit: "auto".into(),
        ..ReportOptions::default()
    };
    let r = diff(&base, &cur, &opts).unwrap();
    let mut text = String::new();
    write_text(&r, &mut text);
    // Raw numbers stay raw; printed ones are divided.
    assert_eq!(r.base.total, Report::new(&base, &opts).unwrap().total());
    assert!(text.contains(&r.format_value(r.base.total)));
}

#[test]
fn different_kinds_of_profile_are_refused_with_both_named() {
    let cpu = load("cpu.pb.gz");
    let heap = load("heap.pb.gz");
    let cpu_desc = "cpu profile [samples/count cpu/nanoseconds]";
    let heap_desc = "heap profile [alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes]";
    let e = diff(&cpu, &heap, &ReportOptions::default()).unwrap_err();
    assert!(matches!(e, DiffError::Incompatible { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "cannot compare base {cpu_desc} with current {heap_desc}: they have no sample type in common"
        )
    );
    let e = diff(&heap, &cpu, &ReportOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "cannot compare base {heap_desc} with current {cpu_desc}: they have no sample type in common"
        )
    );
    let block = load("block.pb.gz");
    let goroutine = load("goroutine.pb.gz");
    let e = diff(&goroutine, &block, &ReportOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("goroutine profile [goroutine/count]"), "{msg}");
    assert!(
        msg.contains("block/mutex profile [contentions/count delay/nanoseconds]"),
        "{msg}"
    );
}

#[test]
fn same_types_different_kinds_compare() {
    // heap and allocs profiles have the same sample types: comparable. So
    // are block and mutex profiles.
    let heap = load("heap.pb.gz");
    let allocs = load("allocs.pb.gz");
    let opts = ReportOptions {
        sample_index: "alloc_space".into(),
        ..untrimmed()
    };
    check_sums("heap→allocs", &heap, &allocs, &opts);
    check_sums(
        "block→mutex",
        &load("block.pb.gz"),
        &load("mutex.pb.gz"),
        &untrimmed(),
    );
}

#[test]
fn bad_sample_index_is_a_report_error() {
    let (base, cur) = pair("cpu");
    let opts = ReportOptions {
        sample_index: "alloc_space".into(),
        ..ReportOptions::default()
    };
    let e = diff(&base, &cur, &opts).unwrap_err();
    assert!(matches!(e, DiffError::Report(_)), "{e:?}");
}

#[test]
fn a_profile_against_itself_has_no_change() {
    for kind in PAIRS {
        let p = load(&format!("{kind}.pb.gz"));
        let r = diff(&p, &p, &untrimmed()).unwrap();
        assert_eq!(r.change, 0);
        assert!(
            r.rows
                .iter()
                .all(|x| x.status == RowStatus::Common && x.flat.delta == 0 && x.cum.delta == 0)
        );
        let trimmed = diff(&p, &p, &ReportOptions::default()).unwrap();
        if trimmed.drop_cutoff > 0 {
            assert!(trimmed.rows.is_empty(), "{kind}");
        }
    }
}

#[test]
fn an_empty_base_makes_everything_new() {
    let cur = load("cpu.v2.pb.gz");
    let mut empty = load("cpu.pb.gz");
    empty.samples = rprof_profile::Samples::new(empty.samples.width);
    let r = diff(&empty, &cur, &ReportOptions::default()).unwrap();
    assert_eq!(r.base.total, 0);
    assert_eq!(r.change, r.current.total);
    assert_eq!(r.change_percent, None);
    assert!(!r.rows.is_empty());
    assert!(
        r.rows
            .iter()
            .all(|x| x.status == RowStatus::New && x.flat.delta_percent.is_none())
    );
    let mut text = String::new();
    write_text(&r, &mut text);
    assert!(text.contains("n/a"), "{text}");
    assert_eq!(to_json(&r)["change_percent"], serde_json::Value::Null);
    // And the other way round.
    let r = diff(&cur, &empty, &ReportOptions::default()).unwrap();
    assert!(r.rows.iter().all(|x| x.status == RowStatus::Gone));
    assert_eq!(r.change_percent, Some(-100.0));
}
