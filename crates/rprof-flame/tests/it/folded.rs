//! Folded stacks on every fixture and sample type, checked against a
//! naive fold (names joined per sample) and against the report graph's
//! flat and cum values.

use crate::common;

use common::{FIXTURES, load, report};
use rprof_flame::{FlameOptions, folded};
use std::collections::HashMap;

/// Joins names per sample, root first: slow, obviously right.
fn naive(r: &rprof_report::Report, keys: &rprof_report::graph::NodeKeys) -> HashMap<String, i64> {
    let s = &r.profile().samples;
    let mut out: HashMap<String, i64> = HashMap::new();
    for i in 0..s.len() {
        let v = s.value(i, r.sample_index());
        let mut names = Vec::new();
        for &loc in s.stack(i).iter().rev() {
            for &k in keys.of_location(loc).iter().rev() {
                names.push(keys.printable_name(k));
            }
        }
        if names.is_empty() {
            names.push("[no stack]".to_string());
        }
        *out.entry(names.join(";")).or_default() += v;
    }
    out.retain(|_, v| *v != 0);
    out
}

#[test]
fn folded_values_add_up_for_every_fixture_and_sample_type() {
    let mut checked = 0;
    for name in FIXTURES {
        let p = load(name);
        for (i, _) in p.sample_types.iter().enumerate() {
            let r = report(&p, &i.to_string());
            let keys = rprof_report::graph::NodeKeys::for_report(&r);
            let lines = folded(&r, &keys, &FlameOptions::default());
            let sum: i64 = lines.iter().map(|(_, v)| v).sum();
            let values: i64 = (0..p.samples.len()).map(|j| p.samples.value(j, i)).sum();
            assert_eq!(sum, values, "{name} sample index {i}: folded sum");
            assert_eq!(sum, r.total(), "{name} sample index {i}: Report.total");

            // The same stacks as the naive fold, each once.
            let got: HashMap<String, i64> = lines.iter().cloned().collect();
            assert_eq!(got.len(), lines.len(), "{name}/{i}: a stack printed twice");
            assert_eq!(
                got,
                naive(&r, &keys),
                "{name}/{i}: stacks differ from the naive fold"
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} sample types checked");
}

#[test]
fn folded_flat_and_cum_match_the_report_graph() {
    for name in FIXTURES {
        let p = load(name);
        for (i, _) in p.sample_types.iter().enumerate() {
            let r = report(&p, &i.to_string());
            let keys = rprof_report::graph::NodeKeys::for_report(&r);
            let lines = folded(&r, &keys, &FlameOptions::default());
            let g = rprof_report::graph::build(&r, &keys, None);
            for n in &g.nodes {
                let fname = keys.printable_name(n.key);
                let mut flat = 0;
                let mut cum = 0;
                for (stack, v) in &lines {
                    let frames: Vec<&str> = stack.split(';').collect();
                    if frames.last() == Some(&fname.as_str()) {
                        flat += v;
                    }
                    if frames.contains(&fname.as_str()) {
                        cum += v;
                    }
                }
                assert_eq!(flat, n.flat, "{name}/{i}: flat of {fname}");
                assert_eq!(cum, n.cum, "{name}/{i}: cum of {fname}");
            }
        }
    }
}

#[test]
fn folded_is_root_first_and_reverse_is_leaf_first() {
    let p = load("cpu.pb.gz");
    let r = report(&p, "");
    let keys = rprof_report::graph::NodeKeys::for_report(&r);
    let lines = folded(&r, &keys, &FlameOptions::default());
    // The goroutine entry points are roots; the hashing leaf is a leaf.
    let hash = lines
        .iter()
        .find(|(s, _)| s.ends_with("crypto/internal/fips140/sha256.blockSHANI"))
        .expect("a stack ending in the SHA-256 block function");
    assert!(
        hash.0.starts_with("main.runWorkload.func1.1;"),
        "{}",
        hash.0
    );
    assert!(
        hash.0
            .contains("main.hashWorker;main.paced;main.hashWorker.func1;main.hashUnderLock")
    );
    assert_eq!(hash.1 % 10_000_000, 0, "values in nanoseconds");

    let reversed = folded(
        &r,
        &keys,
        &FlameOptions {
            reverse: true,
            ..Default::default()
        },
    );
    let flip = |s: &str| s.split(';').rev().collect::<Vec<_>>().join(";");
    let a: HashMap<String, i64> = lines.iter().map(|(s, v)| (flip(s), *v)).collect();
    let b: HashMap<String, i64> = reversed.into_iter().collect();
    assert_eq!(a, b);
}

#[test]
fn folded_text_and_units() {
    let p = load("heap.pb.gz");
    let r = report(&p, "alloc_space");
    let mut out = Vec::new();
    rprof_flame::write_folded(&r, &FlameOptions::default(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut sum = 0i64;
    for line in text.lines() {
        let (stack, v) = line.rsplit_once(' ').unwrap();
        assert!(!stack.is_empty() && !stack.starts_with(';') && !stack.ends_with(';'));
        sum += v.parse::<i64>().unwrap();
    }
    // Bytes, not kB or MB.
    assert_eq!(sum, r.total());
    assert!(text.lines().any(|l| l.contains("main.allocBuffer")));
}

#[test]
fn diff_folded_has_two_non_negative_columns() {
    let (p1, p2) = (load("cpu.pb.gz"), load("cpu.v2.pb.gz"));
    let (r1, r2) = (report(&p1, ""), report(&p2, ""));
    let lines = rprof_flame::diff_folded(&r1, &r2, &FlameOptions::default()).unwrap();
    let base: i64 = lines.iter().map(|l| l.1).sum();
    let cur: i64 = lines.iter().map(|l| l.2).sum();
    assert_eq!((base, cur), (r1.total(), r2.total()));
    assert!(lines.iter().all(|l| l.1 >= 0 && l.2 >= 0));
    let only = |f: &str| -> (i64, i64) {
        lines
            .iter()
            .filter(|l| l.0.split(';').any(|x| x == f))
            .fold((0, 0), |a, l| (a.0 + l.1, a.1 + l.2))
    };
    assert!(matches!(only("main.encodeHex"), (0, c) if c > 0));
    assert!(matches!(only("main.checksumRecords"), (b, 0) if b > 0));

    let mut text = Vec::new();
    rprof_flame::write_diff_folded(&r1, &r2, &FlameOptions::default(), &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert_eq!(text.lines().count(), lines.len());
    assert!(text.lines().all(|l| l.rsplitn(3, ' ').count() == 3));
}

#[test]
fn diff_of_incompatible_profiles_is_an_error() {
    let (p1, p2) = (load("cpu.pb.gz"), load("heap.pb.gz"));
    let (r1, r2) = (report(&p1, ""), report(&p2, ""));
    let e = rprof_flame::diff_folded(&r1, &r2, &FlameOptions::default()).unwrap_err();
    assert!(e.to_string().contains("cannot compare cpu"), "{e}");
}
