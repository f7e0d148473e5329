//! /debug/vars series of a leaking and a steady service, and gops
//! memstats, all written by real Go programs: the leak is flagged on the
//! leaking one only, and the figures agree with the documents read here
//! with serde_json directly.

use rprof_diag::{MemReport, MemSeries, MemstatsOptions, MemstatsReader, TimeBasis};

use crate::fixture;

fn read_file(rel: &str) -> MemReport {
    let mut r = MemstatsReader::new(MemstatsOptions::default());
    r.read(rel, std::fs::read(fixture(rel)).unwrap().as_slice())
        .unwrap();
    r.finish()
}

fn read_dir(rel: &str) -> MemReport {
    let mut r = MemstatsReader::new(MemstatsOptions::default());
    r.read_dir(&fixture(rel)).unwrap();
    r.finish()
}

fn docs(rel: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(fixture(rel))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn values(s: &MemSeries, name: &str) -> Vec<f64> {
    s.column(name).unwrap().values.clone()
}

#[test]
fn the_leak_is_flagged_on_the_leaking_service_only() {
    let leak = read_dir("go1.27/leak/vars");
    let s = &leak.series[0];
    let l = s
        .summary
        .leak
        .as_deref()
        .expect("the leaking service leaks");
    assert!(
        l.contains("heap after GC rose") && l.contains("goroutines rose"),
        "{l}"
    );
    assert!(s.summary.trends.iter().all(|t| t.rising));
    let steady = read_file("go1.27/steady/vars.jsonl");
    let s = &steady.series[0];
    assert_eq!(s.summary.leak, None, "{:?}", s.summary.trends);
    assert_eq!(s.summary.trends.len(), 2);
    assert!(s.summary.trends.iter().all(|t| !t.rising));
    // And the goroutine count, read straight from the documents: rising
    // on one, flat on the other.
    let g = |rel: &str| -> Vec<u64> {
        docs(rel)
            .iter()
            .map(|d| d["goroutines"].as_u64().unwrap())
            .collect()
    };
    let lg = g("go1.27/leak/vars.jsonl");
    let sg = g("go1.27/steady/vars.jsonl");
    assert!(lg.last().unwrap() > &(lg[0] + 20), "{lg:?}");
    assert_eq!(sg.iter().min(), sg.iter().max(), "{sg:?}");
}

#[test]
fn a_directory_and_a_jsonl_file_are_the_same_series() {
    let dir = read_dir("go1.27/leak/vars");
    let lines = read_file("go1.27/leak/vars.jsonl");
    let (a, b) = (&dir.series[0], &lines.series[0]);
    assert_eq!(a.time_unix_s, b.time_unix_s);
    assert_eq!(a.columns.len(), b.columns.len());
    for (x, y) in a.columns.iter().zip(&b.columns) {
        assert_eq!(x.name, y.name);
        assert!(
            x.values
                .iter()
                .zip(&y.values)
                .all(|(p, q)| p == q || (p.is_nan() && q.is_nan())),
            "{}",
            x.name
        );
    }
    assert_eq!(a.pauses, b.pauses);
    assert_eq!(a.summary, b.summary);
}

#[test]
fn figures_agree_with_the_documents() {
    let rel = "go1.27/leak/vars.jsonl";
    let d = docs(rel);
    let r = read_file(rel);
    let s = &r.series[0];
    assert_eq!(s.summary.snapshots, d.len() as u64);
    let m = |i: usize, k: &str| d[i]["memstats"][k].as_f64().unwrap();
    let n = d.len() - 1;
    assert_eq!(
        values(s, "HeapAlloc"),
        (0..=n).map(|i| m(i, "HeapAlloc")).collect::<Vec<_>>()
    );
    assert_eq!(
        values(s, "/gc/heap/live:bytes")[n],
        d[n]["metrics"]["/gc/heap/live:bytes"].as_f64().unwrap()
    );
    // One second apart (the collector's period), anchored on a LastGC.
    assert_eq!(s.times, TimeBasis::IntervalFromLastGc);
    assert_eq!(s.summary.span_s, n as f64);
    let alloc_rate = (m(n, "TotalAlloc") - m(0, "TotalAlloc")) / n as f64;
    assert_eq!(s.summary.alloc_bytes_per_s, Some(alloc_rate));
    assert_eq!(
        s.summary.gc_cycles,
        Some((m(n, "NumGC") - m(0, "NumGC")) as u64)
    );
    // Every GC cycle's pause, from the rings (fewer than 256 cycles).
    let num_gc = m(n, "NumGC") as usize;
    assert_eq!(s.pauses.len(), num_gc);
    for p in &s.pauses {
        let i = (p.gc as usize + 255) % 256;
        assert_eq!(p.ns, d[n]["memstats"]["PauseNs"][i].as_u64().unwrap());
    }
    let mut ms: Vec<f64> = s.pauses.iter().map(|p| p.ns as f64 / 1e6).collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pm = s.summary.pause_ms.unwrap();
    assert_eq!(pm.max, ms[ms.len() - 1]);
    assert_eq!(pm.p50, ms[(ms.len() as f64 * 0.5).ceil() as usize - 1]);
}

#[test]
fn gops_memstats_text() {
    let rel = "go1.27/gops-memstats.txt";
    let text = std::fs::read_to_string(fixture(rel)).unwrap();
    let r = read_file(rel);
    let s = &r.series[0];
    let blocks = text.lines().filter(|l| l.starts_with("alloc: ")).count();
    assert_eq!(s.summary.snapshots, blocks as u64);
    assert!(
        r.sources[0].skipped.is_empty(),
        "{:?}",
        r.sources[0].skipped
    );
    // `heap-alloc: 2.27MB (2383664 bytes)`: the exact bytes.
    let want: Vec<f64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("heap-alloc: "))
        .map(|v| {
            v[v.find('(').unwrap() + 1..]
                .trim_end_matches(" bytes)")
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(values(s, "HeapAlloc"), want);
    // The program keeps 2 MiB more every second: a leak, seen in NextGC.
    assert_eq!(s.summary.trends[0].column, "NextGC");
    assert!(s.summary.leak.is_some());
    // gops prints one pause per snapshot: the last cycle's.
    assert!(!s.pauses.is_empty() && s.pauses.len() <= blocks);
}

#[test]
fn one_snapshot_per_input_makes_one_series() {
    let mut r = MemstatsReader::new(MemstatsOptions {
        interval_s: 1.0,
        start_unix_s: Some(1_700_000_000.0),
    });
    for i in 0..=20 {
        let rel = format!("go1.27/leak/vars/{i:04}.json");
        r.read(&rel, std::fs::read(fixture(&rel)).unwrap().as_slice())
            .unwrap();
    }
    let r = r.finish();
    assert_eq!(r.series.len(), 1);
    assert_eq!(r.series[0].summary.snapshots, 21);
    assert_eq!(r.series[0].times, TimeBasis::Interval);
    assert_eq!(r.series[0].time_unix_s[0], 1_700_000_000.0);
    assert_eq!(
        r.series[0].summary.leak,
        read_dir("go1.27/leak/vars").series[0].summary.leak
    );
}

#[test]
fn truncated_and_bad_documents_are_skipped_with_their_lines() {
    let text = std::fs::read_to_string(fixture("go1.27/steady/vars.jsonl")).unwrap();
    let cut = &text[..text.len() - 200];
    let mut r = MemstatsReader::new(MemstatsOptions::default());
    let mixed = format!("not json\n{cut}");
    r.read("cut", mixed.as_bytes()).unwrap();
    let r = r.finish();
    assert_eq!(r.series[0].summary.snapshots, 20);
    let sk = &r.sources[0].skipped;
    assert_eq!(sk.count, 2);
    assert_eq!(sk.first[0].line, 1);
    assert_eq!(sk.first[1].line, 22);
    assert!(sk.first[1].reason.contains("cut short"), "{sk:?}");
    // Pretty documents one after another (raw bodies appended) and CRLF.
    let mut raw = String::new();
    for i in 0..3 {
        raw.push_str(
            &std::fs::read_to_string(fixture(&format!("go1.27/leak/vars/{i:04}.json"))).unwrap(),
        );
    }
    let mut r = MemstatsReader::new(MemstatsOptions::default());
    r.read("raw", raw.replace('\n', "\r\n").as_bytes()).unwrap();
    assert_eq!(r.finish().series[0].summary.snapshots, 3);
    // An HTML error page instead of /debug/vars.
    let mut r = MemstatsReader::new(MemstatsOptions::default());
    let e = r
        .read(
            "vars",
            &b"<html><body>404 page not found</body></html>\n"[..],
        )
        .unwrap_err();
    assert!(
        e.to_string().starts_with("vars: no memstats snapshot"),
        "{e}"
    );
    assert!(e.to_string().contains("HTML page"), "{e}");
}

#[test]
fn openmetrics_and_csv() {
    let r = read_dir("go1.27/leak/vars");
    let mut om = Vec::new();
    rprof_diag::memstats_openmetrics(&r, &mut om).unwrap();
    let om = String::from_utf8(om).unwrap();
    assert!(om.ends_with("# EOF\n"));
    let samples = |name: &str| {
        om.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")))
            .count()
    };
    assert_eq!(samples("go_memstats_heap_alloc_bytes"), 21);
    assert_eq!(samples("go_goroutines"), 21);
    assert_eq!(samples("go_gc_heap_live_bytes"), 21);
    assert_eq!(samples("go_memstats_mallocs_total"), 21);
    // Families are declared once, and every sample has a timestamp that
    // only grows within a family.
    let mut types = std::collections::HashSet::new();
    let mut last: (String, f64) = (String::new(), 0.0);
    for l in om.lines() {
        if let Some(t) = l.strip_prefix("# TYPE ") {
            assert!(
                types.insert(t.split(' ').next().unwrap().to_string()),
                "{l}"
            );
        } else if !l.starts_with('#') {
            let mut w = l.split(' ');
            let (name, _value, ts) = (w.next().unwrap(), w.next().unwrap(), w.next().unwrap());
            let ts: f64 = ts.parse().unwrap();
            let family = name.split('{').next().unwrap().to_string();
            if family == last.0 {
                assert!(ts > last.1, "{l}");
            }
            last = (family, ts);
        }
    }
    let mut csv = Vec::new();
    rprof_diag::memstats_csv(&r, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.lines().count(), 22);
    assert!(csv.lines().next().unwrap().contains(",HeapAlloc,"));
    let svg = rprof_diag::memstats_svg(&r, &Default::default()).unwrap();
    for title in [
        "go1.27/leak/vars: memory",
        "go1.27/leak/vars: goroutines",
        "go1.27/leak/vars: GC pauses",
    ] {
        assert!(svg.contains(title), "{title}");
    }
}

/// Series cut anywhere: never a panic, and exactly the documents left
/// whole are read.
#[test]
fn random_truncations() {
    let mut seed = 0x0123_4567_89ab_cdefu64;
    for rel in ["go1.27/leak/vars.jsonl", "go1.27/gops-memstats.txt"] {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        let gops = rel.ends_with(".txt");
        for _ in 0..60 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let cut = (seed % bytes.len() as u64) as usize;
            let prefix = String::from_utf8_lossy(&bytes[..cut]);
            let mut r = MemstatsReader::new(MemstatsOptions::default());
            let got = r
                .read(rel, &bytes[..cut])
                .map(|()| r.finish().series[0].summary.snapshots);
            if gops {
                // A gops snapshot counts once it has two of its lines.
                let starts = prefix.lines().filter(|l| l.starts_with("alloc: ")).count() as u64;
                let got = got.unwrap_or(0);
                assert!(
                    got == starts || got + 1 == starts,
                    "{rel} cut at {cut}: {got} of {starts}"
                );
            } else {
                let whole = prefix
                    .lines()
                    .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
                    .count() as u64;
                assert_eq!(got.unwrap_or(0), whole, "{rel} cut at {cut}");
            }
        }
    }
}
