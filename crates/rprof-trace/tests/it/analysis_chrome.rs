//! `analysis::chrome`: the Chrome trace-event JSON export.

use crate::analysis_support;
use crate::common;

use std::collections::BTreeMap;

use rprof_trace::analysis::chrome::{ChromeOptions, ChromeStats, export_chrome};
use rprof_trace::{GoState, Reader, ResourceId};
use serde_json::Value;

fn trace_out() -> Vec<u8> {
    common::read(&common::fixtures().join("profiles/trace.out"))
}

fn annotations() -> Vec<u8> {
    common::read(&common::traces().join("annotations.trace"))
}

fn export(bytes: &[u8], opts: &ChromeOptions) -> (Value, ChromeStats, Option<rprof_trace::Error>) {
    let mut out = Vec::new();
    let p = export_chrome(&mut Reader::new(bytes).unwrap(), &mut out, opts).unwrap();
    let v: Value = serde_json::from_slice(&out).expect("output is JSON");
    (v, p.value, p.error)
}

fn events(v: &Value) -> &Vec<Value> {
    v["traceEvents"].as_array().expect("traceEvents array")
}

/// Transitions into Running from another state, and the trace's first
/// and last times.
fn running_transitions(bytes: &[u8]) -> (u64, i64, i64) {
    let (mut n, mut first, mut last) = (0, None, 0);
    for ev in Reader::new(bytes).unwrap() {
        let ev = ev.unwrap();
        first.get_or_insert(ev.time());
        last = ev.time();
        if let Some(st) = ev.state_transition()
            && let ResourceId::Goroutine(_) = st.resource
            && let Some((old, new)) = st.goroutine()
            && old != new
            && new == GoState::Running
        {
            n += 1;
        }
    }
    (n, first.unwrap(), last)
}

/// Checks what holds for every export; returns the X events by (pid, tid).
fn check_common(v: &Value, stats: &ChromeStats) -> BTreeMap<(i64, i64), Vec<(f64, f64)>> {
    let evs = events(v);
    assert_eq!(evs.len() as u64, stats.events);
    let mut by_thread: BTreeMap<(i64, i64), Vec<(f64, f64)>> = BTreeMap::new();
    for e in evs {
        let ph = e["ph"].as_str().unwrap();
        assert!(e["pid"].is_i64() && e["tid"].is_i64(), "{e}");
        assert!(e["name"].is_string(), "{e}");
        match ph {
            "X" => {
                let ts = e["ts"].as_f64().unwrap();
                let dur = e["dur"].as_f64().unwrap();
                assert!(ts >= 0.0 && dur >= 0.0, "{e}");
                by_thread
                    .entry((e["pid"].as_i64().unwrap(), e["tid"].as_i64().unwrap()))
                    .or_default()
                    .push((ts, ts + dur));
            }
            "i" | "b" | "e" => assert!(e["ts"].as_f64().unwrap() >= 0.0, "{e}"),
            "M" => {}
            _ => panic!("unexpected phase {ph}"),
        }
    }
    // Slices on one P thread (process 1) never overlap.
    for ((pid, tid), slices) in &mut by_thread {
        if *pid != 1 {
            continue;
        }
        slices.sort_by(|a, b| a.partial_cmp(b).unwrap());
        for w in slices.windows(2) {
            assert!(
                w[1].0 >= w[0].1 - 1e-9,
                "overlap on pid {pid} tid {tid}: {:?} {:?}",
                w[0],
                w[1]
            );
        }
    }
    by_thread
}

#[test]
fn whole_traces() {
    for bytes in [trace_out(), annotations()] {
        let (v, stats, err) = export(&bytes, &ChromeOptions::default());
        assert!(err.is_none());
        check_common(&v, &stats);
        let (n, _, _) = running_transitions(&bytes);
        assert!(n > 0);
        assert_eq!(stats.goroutine_slices, n);
        let x_goroutines = events(&v)
            .iter()
            .filter(|e| e["ph"] == "X" && e["cat"] == "goroutine")
            .count() as u64;
        assert_eq!(x_goroutines, n);
        // Every goroutine slice names a goroutine.
        for e in events(&v).iter().filter(|e| e["cat"] == "goroutine") {
            assert!(e["args"]["goid"].is_i64(), "{e}");
            assert_eq!(e["pid"], 1);
        }
        // Process names.
        assert!(events(&v).iter().any(|e| e["ph"] == "M"
            && e["name"] == "process_name"
            && e["args"]["name"] == "Procs"));
    }
}

#[test]
fn trace_out_has_gc_and_stw() {
    let (v, stats, _) = export(&trace_out(), &ChromeOptions::default());
    assert!(stats.stw_slices > 0, "{stats:?}");
    let evs = events(&v);
    assert!(
        evs.iter()
            .any(|e| e["name"].as_str().unwrap().starts_with("stop-the-world"))
    );
    assert!(stats.gc_slices > 0, "{stats:?}");
    assert!(evs.iter().any(|e| e["name"] == "GC concurrent mark phase"));
}

#[test]
fn annotations_regions_tasks_logs() {
    let bytes = annotations();
    let mut region_names = std::collections::BTreeSet::new();
    let mut task_names = std::collections::BTreeSet::new();
    let mut logs = 0u64;
    for ev in Reader::new(&bytes[..]).unwrap() {
        let ev = ev.unwrap();
        if let Some(r) = ev.region() {
            region_names.insert(r.typ.into_owned());
        }
        if let Some(t) = ev.task()
            && !t.typ.is_empty()
        {
            task_names.insert(t.typ.into_owned());
        }
        if ev.log().is_some() {
            logs += 1;
        }
    }
    assert!(!region_names.is_empty());
    let (v, stats, _) = export(&bytes, &ChromeOptions::default());
    let evs = events(&v);
    for name in &region_names {
        assert!(
            evs.iter()
                .any(|e| e["ph"] == "X" && e["cat"] == "region" && e["name"] == name.as_str()),
            "region {name} missing"
        );
    }
    for name in &task_names {
        assert!(
            evs.iter()
                .any(|e| e["ph"] == "b" && e["name"] == name.as_str()),
            "task {name} missing"
        );
    }
    assert!(stats.region_slices > 0 && stats.tasks > 0, "{stats:?}");
    assert_eq!(stats.logs, logs);
    // Async events come in pairs.
    let b = evs.iter().filter(|e| e["ph"] == "b").count();
    let e = evs.iter().filter(|e| e["ph"] == "e").count();
    assert_eq!(b, e);
    assert_eq!(b as u64, stats.tasks);
}

#[test]
fn window() {
    for bytes in [trace_out(), annotations()] {
        let (_, first, last) = running_transitions(&bytes);
        let span = last - first;
        let (ws, we) = (span / 4, span / 2);
        let opts = ChromeOptions {
            start: Some(ws),
            end: Some(we),
        };
        let (v, stats, err) = export(&bytes, &opts);
        assert!(err.is_none());
        let by_thread = check_common(&v, &stats);
        assert!(stats.goroutine_slices > 0 || stats.events == 0);
        let (lo, hi) = (ws as f64 / 1000.0, we as f64 / 1000.0);
        for slices in by_thread.values() {
            for &(s, e) in slices {
                assert!(
                    s >= lo - 1e-6 && e <= hi + 1e-6,
                    "{s}..{e} outside {lo}..{hi}"
                );
            }
        }
        for e in events(&v) {
            if e["ph"] != "M" {
                let ts = e["ts"].as_f64().unwrap();
                assert!(ts >= lo - 1e-6 && ts <= hi + 1e-6, "{e}");
            }
        }
        // A window has fewer slices than the whole.
        let (_, whole, _) = export(&bytes, &ChromeOptions::default());
        assert!(stats.goroutine_slices <= whole.goroutine_slices);
    }
}

#[test]
fn empty_window_is_valid() {
    let opts = ChromeOptions {
        start: Some(i64::MAX / 2),
        end: None,
    };
    let (v, stats, err) = export(&trace_out(), &opts);
    assert!(err.is_none());
    check_common(&v, &stats);
    assert_eq!(stats.goroutine_slices, 0);
}

#[test]
fn truncated() {
    let bytes = trace_out();
    for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() * 9 / 10] {
        let part = &bytes[..cut];
        let mut out = Vec::new();
        match export_chrome(
            &mut Reader::new(part).unwrap(),
            &mut out,
            &ChromeOptions::default(),
        ) {
            Ok(p) => {
                assert!(p.error.is_some(), "cut {cut}: no error");
                let v: Value = serde_json::from_slice(&out).expect("valid JSON");
                check_common(&v, &p.value);
            }
            Err(_) => assert!(out.is_empty()),
        }
    }
    // Multi-generation cuts: the complete generations are exported.
    let mut useful = 0;
    for input in analysis_support::cuts() {
        let mut out = Vec::new();
        if let Ok(mut r) = Reader::new(&input.bytes[..])
            && let Ok(p) = export_chrome(&mut r, &mut out, &ChromeOptions::default())
        {
            let v: Value = serde_json::from_slice(&out).expect("valid JSON");
            check_common(&v, &p.value);
            if p.error.is_some() && p.value.goroutine_slices > 0 {
                useful += 1;
            }
        }
    }
    assert!(useful > 0, "no cut kept a good part with its error");
}

#[test]
fn no_panic_on_garbage_prefixes() {
    let bytes = annotations();
    for cut in (0..bytes.len()).step_by(97) {
        let mut out = Vec::new();
        if let Ok(mut r) = Reader::new(&bytes[..cut])
            && let Ok(p) = export_chrome(&mut r, &mut out, &ChromeOptions::default())
        {
            let v: Value = serde_json::from_slice(&out).expect("valid JSON");
            check_common(&v, &p.value);
        }
    }
}
