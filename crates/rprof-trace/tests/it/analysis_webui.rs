//! The goroutine analysis and the MMU against the pages of `go tool
//! trace`'s web UI (Go 1.27.3), captured by
//! fixtures/traces/regen-analysis.sh: `/goroutines` (groups: count,
//! execution time), each group's `/goroutine?name=` (every goroutine's
//! non-overlapping times and special ranges, summed here per group), and
//! `/mmu?mode=plot` (the MMU curve at 100 windows, for several flag sets,
//! one of them per P).

use crate::analysis_support;
use crate::common;

use std::collections::BTreeMap;

use analysis_support::{Input, cuts, expected_dir, has_web_pages, whole};
use common::*;
use regex::Regex;
use rprof_trace::Reader;
use rprof_trace::analysis::goroutines::{GoroutineGroup, goroutine_summary};
use rprof_trace::analysis::mmu::{UtilFlags, mmu};

/// Go's `time.ParseDuration` for what `Duration.String` prints.
fn parse_go_duration(s: &str) -> i64 {
    let s = s.trim();
    if s == "0s" {
        return 0;
    }
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut total = 0i64;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or_else(|| panic!("bad duration {s:?}"));
        let (num, tail) = rest.split_at(n);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale: i64 = match unit {
            "ns" => 1,
            "µs" | "us" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => panic!("bad unit in {s:?}"),
        };
        // Exact decimal arithmetic: integer part and fraction digits.
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        let mut v = int.parse::<i64>().unwrap() * scale;
        let mut f = scale;
        for d in frac.bytes() {
            f /= 10;
            v += i64::from(d - b'0') * f;
        }
        total += v;
        rest = tail;
    }
    if neg { -total } else { total }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// One group as the web UI shows it.
#[derive(Debug, Default)]
struct WebGroup {
    name: String,
    count: u64,
    exec: i64,
    exec_percent: String,
    total: i64,
    max_total: i64,
    non_overlapping: BTreeMap<String, i64>,
    ranges: BTreeMap<String, i64>,
}

fn web_groups(name: &str) -> Vec<WebGroup> {
    let dir = expected_dir();
    let page = String::from_utf8(read(&dir.join(format!("{name}.goroutines.html")))).unwrap();
    let row = Regex::new(
        r#"<td><code><a href="/goroutine\?name=[^"]*">([^<]*)</a></code></td>\s*<td>(\d+)</td>\s*<td>([^<]*)</td>"#,
    )
    .unwrap();
    let th = Regex::new(r#"<th[^>]*>\s*([^<]*?)\s*</th>"#).unwrap();
    let td = Regex::new(r#"<td>\s*([0-9][^<]*?)\s*</td>"#).unwrap();
    let pct = Regex::new(r#"<td>Execution Time:</td>\s*<td>([^ <]*)"#).unwrap();
    let mut out = Vec::new();
    for (i, c) in row.captures_iter(&page).enumerate() {
        let shown = unescape(&c[1]);
        let mut g = WebGroup {
            name: if shown == "(Inactive, no stack trace sampled)" {
                String::new()
            } else {
                shown
            },
            count: c[2].parse().unwrap(),
            exec: parse_go_duration(&c[3]),
            ..WebGroup::default()
        };
        let detail =
            String::from_utf8(read(&dir.join(format!("{name}.goroutine/{i}.html")))).unwrap();
        g.exec_percent = pct
            .captures(&detail)
            .map_or(String::new(), |c| c[1].to_string());
        let (main, ranges) = detail
            .split_once(r#"<h3 id="ranges">"#)
            .unwrap_or((&detail, ""));
        // The per-goroutine table: Goroutine, Total, (bar), stats...
        let table = &main[main.find(r#"<table class="details">"#).unwrap()..];
        let heads: Vec<String> = th
            .captures_iter(table)
            .map(|c| unescape(&c[1]))
            .filter(|h| !h.is_empty() && h != "Goroutine" && h != "Total")
            .collect();
        let mut n = 0;
        for r in table.split("<tr>").filter(|r| r.contains("/trace?goid=")) {
            let vals: Vec<i64> = td
                .captures_iter(r)
                .map(|c| parse_go_duration(&c[1]))
                .collect();
            assert_eq!(vals.len(), heads.len() + 1, "{name} group {i}: {r}");
            g.total += vals[0];
            g.max_total = g.max_total.max(vals[0]);
            for (h, v) in heads.iter().zip(&vals[1..]) {
                *g.non_overlapping.entry(h.clone()).or_default() += v;
            }
            n += 1;
        }
        assert_eq!(n, g.count, "{name} group {i}: goroutine rows");
        if let Some(start) = ranges.find(r#"<table class="details">"#) {
            let table = &ranges[start..];
            let heads: Vec<String> = th
                .captures_iter(table)
                .map(|c| unescape(&c[1]))
                .filter(|h| h != "Goroutine" && h != "Total")
                .collect();
            for r in table.split("<tr>").filter(|r| r.contains("/trace?goid=")) {
                let vals: Vec<i64> = td
                    .captures_iter(r)
                    .map(|c| parse_go_duration(&c[1]))
                    .collect();
                assert_eq!(vals.len(), heads.len() + 1);
                for (h, v) in heads.iter().zip(&vals[1..]) {
                    *g.ranges.entry(h.clone()).or_default() += v;
                }
            }
        }
        out.push(g);
    }
    assert!(!out.is_empty(), "{name}: no groups on /goroutines");
    out
}

fn ours(input: &Input) -> Vec<GoroutineGroup> {
    let res = goroutine_summary(&mut Reader::new(&input.bytes[..]).unwrap()).unwrap();
    assert_eq!(res.error.is_some(), input.truncated, "{}", input.name);
    res.value
}

/// Every trace with captured web pages.
fn web_inputs() -> Vec<Input> {
    let v: Vec<Input> = whole()
        .into_iter()
        .chain(cuts())
        .filter(|i| has_web_pages(&i.name))
        .collect();
    assert!(v.len() >= 5, "web pages of {} traces", v.len());
    v
}

fn check_goroutines(input: &Input) {
    let name = input.name.as_str();
    let web = web_groups(name);
    let ours = ours(input);
    let by_name: BTreeMap<&str, &GoroutineGroup> =
        ours.iter().map(|g| (g.name.as_str(), g)).collect();
    assert_eq!(
        by_name.keys().copied().collect::<Vec<_>>(),
        web.iter()
            .map(|g| g.name.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>(),
        "{name}: group names"
    );
    for w in &web {
        let g = by_name[w.name.as_str()];
        let what = format!("{name}: group {:?}", w.name);
        assert_eq!(g.count, w.count, "{what}: count");
        assert_eq!(g.exec_ns, w.exec, "{what}: execution time");
        assert_eq!(g.total_ns, w.total, "{what}: total time");
        assert_eq!(g.max_total_ns, w.max_total, "{what}: longest goroutine");
        assert_eq!(g.non_overlapping(), w.non_overlapping, "{what}: breakdown");
        let ranges: BTreeMap<String, i64> = g
            .range_ns
            .iter()
            .filter(|(_, v)| **v != 0)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let web_ranges: BTreeMap<String, i64> = w
            .ranges
            .iter()
            .filter(|(_, v)| **v != 0)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        assert_eq!(ranges, web_ranges, "{what}: special ranges");
        assert_eq!(
            format!("{:.2}%", g.exec_percent),
            w.exec_percent,
            "{what}: share of execution time"
        );
    }
    // Go's order on /goroutines: by execution time, largest first.
    let web_exec: Vec<i64> = web.iter().map(|g| g.exec).collect();
    let our_exec: Vec<i64> = ours.iter().map(|g| g.exec_ns).collect();
    assert_eq!(our_exec, web_exec, "{name}: order by execution time");
}

/// trace.out, gc-stress.trace, the multi-generation trace and its
/// truncated copies (Go's goroutine analysis uses every event read), and
/// the cgo-callback trace (reused goroutine IDs: Go keeps the last).
#[test]
fn goroutines_match_web_ui() {
    for input in web_inputs() {
        check_goroutines(&input);
    }
}

/// Returns whether the curve has values strictly between 0 and 1.
fn check_mmu(input: &Input, flags: UtilFlags) -> bool {
    let name = input.name.as_str();
    let file = format!("{name}.mmu.{}.json", flags.go_query().replace('|', "-"));
    let json: serde_json::Value =
        serde_json::from_slice(&read(&expected_dir().join(file))).unwrap();
    let curve = json["curve"].as_array().unwrap();
    let windows: Vec<i64> = curve
        .iter()
        .map(|p| p[0].as_f64().unwrap() as i64)
        .collect();
    let want: Vec<f64> = curve.iter().map(|p| p[1].as_f64().unwrap()).collect();
    let got = mmu(&mut Reader::new(&input.bytes[..]).unwrap(), &windows, flags)
        .unwrap()
        .value;
    let mut worst = 0f64;
    for ((w, want), got) in windows.iter().zip(&want).zip(&got) {
        assert_eq!(got.window_ns, *w);
        if *w == 1 {
            // Go's MMU(1ns) is always 0: for a 1ns window its band search
            // also tries a window starting after the end of the trace
            // (mkBandUtil keeps the extra last band when a window spans
            // one band), where the utilization function is 0. rprof gives
            // the lowest instantaneous utilization.
            assert_eq!(*want, 0.0, "{name}: Go's MMU at 1ns");
            continue;
        }
        let got = got.mmu.unwrap();
        let d = (got - want).abs();
        worst = worst.max(d);
        assert!(
            d <= 1e-12,
            "{name} MMU ({}) at window {w}ns: go {want}, rprof {got}",
            flags.go_query()
        );
    }
    eprintln!(
        "{name} MMU ({}): {} windows, largest difference {worst:e}",
        flags.go_query(),
        windows.len()
    );
    want.iter().any(|&v| v > 0.0 && v < 1.0)
}

/// The same traces; for the truncated ones Go (and rprof) use the
/// complete generations.
#[test]
fn mmu_matches_web_ui() {
    let none = UtilFlags {
        per_proc: false,
        stw: false,
        background: false,
        assist: false,
        sweep: false,
    };
    let sweep = UtilFlags {
        sweep: true,
        ..none
    };
    let assist = UtilFlags {
        assist: true,
        ..none
    };
    let (mut n, mut interesting) = (0, 0);
    // Not the old-format trace: no GOMAXPROCS event, no MMU (Go's /mmu
    // fails on it).
    for input in web_inputs()
        .into_iter()
        .filter(|i| !i.name.contains("go119"))
    {
        let per_proc = UtilFlags {
            per_proc: true,
            ..UtilFlags::default()
        };
        for flags in [UtilFlags::default(), sweep, assist, per_proc] {
            n += 1;
            interesting += usize::from(check_mmu(&input, flags));
        }
    }
    assert!(
        interesting * 4 >= n * 3,
        "{interesting} of {n} curves between 0 and 1"
    );
}

#[test]
fn go_durations_parse() {
    assert_eq!(parse_go_duration("0s"), 0);
    assert_eq!(parse_go_duration("384ns"), 384);
    assert_eq!(parse_go_duration("46.144µs"), 46_144);
    assert_eq!(parse_go_duration("337.349823ms"), 337_349_823);
    assert_eq!(parse_go_duration("1.5s"), 1_500_000_000);
    assert_eq!(parse_go_duration("1m2.000000001s"), 62_000_000_001);
}

/// Every goroutine row of every `/goroutine?name=` page of `name`: ID,
/// total, and the non-overlapping times by Go's column name.
fn web_goroutines(name: &str) -> Vec<(i64, i64, BTreeMap<String, i64>)> {
    let dir = expected_dir();
    let th = Regex::new(r#"<th[^>]*>\s*([^<]*?)\s*</th>"#).unwrap();
    let td = Regex::new(r#"<td>\s*([0-9][^<]*?)\s*</td>"#).unwrap();
    let id = Regex::new(r#"/trace\?goid=(\d+)"#).unwrap();
    let mut out = Vec::new();
    for i in 0.. {
        let Ok(detail) = std::fs::read(dir.join(format!("{name}.goroutine/{i}.html"))) else {
            break;
        };
        let detail = String::from_utf8(detail).unwrap();
        let main = detail
            .split_once(r#"<h3 id="ranges">"#)
            .map_or(detail.as_str(), |(m, _)| m);
        let table = &main[main.find(r#"<table class="details">"#).unwrap()..];
        let heads: Vec<String> = th
            .captures_iter(table)
            .map(|c| unescape(&c[1]))
            .filter(|h| !h.is_empty() && h != "Goroutine" && h != "Total")
            .collect();
        for r in table.split("<tr>").filter(|r| r.contains("/trace?goid=")) {
            let g: i64 = id.captures(r).unwrap()[1].parse().unwrap();
            let vals: Vec<i64> = td
                .captures_iter(r)
                .map(|c| parse_go_duration(&c[1]))
                .collect();
            let stats = heads
                .iter()
                .cloned()
                .zip(vals[1..].iter().copied())
                .collect();
            out.push((g, vals[0], stats));
        }
    }
    out
}

/// The web UI's per-goroutine table (`GoroutineAnalyzer::keep_goroutines`)
/// against every row of Go's group pages, and its sums against the groups.
#[test]
fn per_goroutine_stats_match_web_ui() {
    use rprof_trace::analysis::GoroutineAnalyzer;
    let mut rows = 0;
    for input in web_inputs() {
        let name = input.name.as_str();
        let mut a = GoroutineAnalyzer::new().keep_goroutines();
        let _ = rprof_trace::analysis::for_each_event(
            &mut Reader::new(&input.bytes[..]).unwrap(),
            |ev| a.event(ev),
        )
        .unwrap();
        let table = a.finish_table();
        assert_eq!(table.groups, ours(&input), "{name}: the same groups");
        let web = web_goroutines(name);
        assert_eq!(web.len(), table.goroutines.len(), "{name}: goroutines");
        for (g, total, stats) in web {
            let s = table
                .goroutines
                .iter()
                .find(|s| s.id == g)
                .unwrap_or_else(|| panic!("{name}: G{g} missing"));
            assert_eq!(s.total_ns, total, "{name}: G{g} total");
            // Go's columns are the group's; a goroutine lacks the reasons
            // it never blocked for (0 on Go's page).
            let mut mine = s.non_overlapping(&table.names);
            for k in stats.keys() {
                mine.entry(k.clone()).or_insert(0);
            }
            assert_eq!(mine, stats, "{name}: G{g}");
            rows += 1;
        }
        for (i, g) in table.groups.iter().enumerate() {
            let exec: i64 = table
                .goroutines
                .iter()
                .filter(|s| s.group as usize == i)
                .map(|s| s.exec_ns)
                .sum();
            assert_eq!(exec, g.exec_ns, "{name}: group {:?}", g.name);
        }
    }
    assert!(rows > 50, "{rows} goroutines compared");
}
