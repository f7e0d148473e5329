//! `analysis::timeline`: the timeline index behind `rprof trace web`.
//!
//! The slices are checked against what the real `go tool trace` draws
//! (fixtures/traces/expected-timeline/, written by regen-timeline.sh from
//! Go 1.27.3's /jsontrace), and against the event stream and the Chrome
//! export; the queries against brute force over the exact slices.

use crate::analysis_support;
use crate::common;

use std::collections::BTreeMap;

use rprof_trace::analysis::chrome::{ChromeOptions, export_chrome};
use rprof_trace::analysis::timeline::{
    GoroutineQuery, Progress, SliceRef, Timeline, TimelineError, TimelineIndex, TimelineOptions,
    TimelineQuery, View, build_index, spawn_index_file,
};
use rprof_trace::{GoState, Reader, ResourceId};

fn build(bytes: &[u8]) -> (TimelineIndex, Option<rprof_trace::Error>) {
    build_opts(bytes, &TimelineOptions::default())
}

fn build_opts(bytes: &[u8], opts: &TimelineOptions) -> (TimelineIndex, Option<rprof_trace::Error>) {
    let p = Progress::default();
    let r = build_index(bytes, Some(bytes.len() as u64), opts, &p).expect("index");
    assert!(p.is_done());
    assert_eq!(p.bytes_read(), bytes.len() as u64);
    (r.value, r.error)
}

/// Every fixture trace: (name, bytes).
fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = analysis_support::whole()
        .into_iter()
        .map(|i| (i.name, i.bytes))
        .collect();
    v.sort();
    v
}

fn end_of(ix: &TimelineIndex) -> i64 {
    ix.info().end_ns + 1
}

/// All slices of a lane of every row: row → slices.
fn lane(ix: &TimelineIndex, view: View, lane: &str) -> BTreeMap<i64, Vec<SliceRef>> {
    let rows = match view {
        View::Proc => ix.info().procs.clone(),
        View::Thread => ix.info().threads.clone(),
    };
    rows.into_iter()
        .map(|r| {
            let s = ix
                .row_slices(view, r, lane, 0, end_of(ix))
                .unwrap()
                .unwrap_or_default();
            (r, s)
        })
        .collect()
}

fn go_name(s: &SliceRef) -> String {
    if s.name.is_empty() {
        format!("G{}", s.id)
    } else {
        format!("G{} {}", s.id, s.name)
    }
}

/// Go's slices, as `(row, start, dur, name)` lines.
fn go_slices(name: &str, view: &str) -> Vec<(i64, i64, i64, String)> {
    let path = common::traces().join(format!("expected-timeline/{name}.{view}.gz"));
    let text = String::from_utf8(common::gunzip(&path)).unwrap();
    text.lines()
        .map(|l| {
            let mut f = l.splitn(4, ' ');
            let mut num = || f.next().unwrap().parse::<i64>().unwrap();
            let (r, s, d) = (num(), num(), num());
            (r, s, d, f.next().unwrap().to_string())
        })
        .collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

const GO_GC_ROW: i64 = 1_000_004;

fn is_goroutine_slice(name: &str) -> bool {
    name.strip_prefix('G')
        .and_then(|r| r.split(' ').next())
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The proc view has the goroutine slices, syscalls, GC ranges and GC
/// phases `go tool trace` draws, at the same times, on the same Ps.
#[test]
fn proc_view_equals_go_tool_trace() {
    for name in ["trace.out", "annotations.trace", "gc-stress.trace"] {
        let bytes = if name == "trace.out" {
            common::read(&common::fixtures().join("profiles/trace.out"))
        } else {
            common::read(&common::traces().join(name))
        };
        let (ix, err) = build(&bytes);
        assert!(err.is_none());
        let go = go_slices(name, "proc");
        let mut want: BTreeMap<&str, Vec<(i64, i64, i64, String)>> = BTreeMap::new();
        for (r, s, d, n) in &go {
            let lane = if *r == GO_GC_ROW {
                "GC"
            } else if is_goroutine_slice(n) {
                "goroutines"
            } else if n == "syscall" {
                "syscalls"
            } else if n == "GC incremental sweep" {
                "sweep"
            } else if n == "GC mark assist" {
                "mark assist"
            } else if n.starts_with("stop-the-world") {
                "stop-the-world"
            } else {
                "ranges"
            };
            want.entry(lane).or_default().push((*r, *s, *d, n.clone()));
        }
        let mut got: BTreeMap<&str, Vec<(i64, i64, i64, String)>> = BTreeMap::new();
        for l in [
            "goroutines",
            "syscalls",
            "sweep",
            "mark assist",
            "stop-the-world",
            "ranges",
        ] {
            for (r, ss) in lane(&ix, View::Proc, l) {
                for s in ss {
                    let n = if l == "goroutines" {
                        go_name(&s)
                    } else {
                        s.name.clone()
                    };
                    got.entry(l)
                        .or_default()
                        .push((r, s.start, s.end - s.start, n));
                }
            }
        }
        for s in ix.gc_slices(false, 0, end_of(&ix)).unwrap() {
            got.entry("GC")
                .or_default()
                .push((GO_GC_ROW, s.start, s.end - s.start, s.name));
        }
        assert!(
            want["goroutines"].len() > 5,
            "{name}: too few slices to test"
        );
        let lanes: Vec<&str> = want.keys().chain(got.keys()).copied().collect();
        for l in lanes {
            let w = sorted(want.get(l).cloned().unwrap_or_default());
            let g = sorted(got.get(l).cloned().unwrap_or_default());
            if w != g {
                let only_w: Vec<_> = w.iter().filter(|x| !g.contains(x)).take(5).collect();
                let only_g: Vec<_> = g.iter().filter(|x| !w.contains(x)).take(5).collect();
                panic!(
                    "{name} proc view, lane {l}: Go has {} slices, rprof {}\n  only Go: {only_w:?}\n  only rprof: {only_g:?}",
                    w.len(),
                    g.len()
                );
            }
        }
    }
}

/// The thread view has Go's goroutine slices on the same threads. (Go
/// draws a syscall that blocked on the thread where the goroutine next
/// stops; rprof keeps it on its own thread, so syscalls are not
/// compared.)
#[test]
fn thread_view_equals_go_tool_trace() {
    for name in ["trace.out", "annotations.trace", "gc-stress.trace"] {
        let bytes = if name == "trace.out" {
            common::read(&common::fixtures().join("profiles/trace.out"))
        } else {
            common::read(&common::traces().join(name))
        };
        let (ix, _) = build(&bytes);
        let want = sorted(
            go_slices(name, "thread")
                .into_iter()
                .filter(|(r, _, _, n)| *r != GO_GC_ROW && is_goroutine_slice(n))
                .collect(),
        );
        let got = sorted(
            lane(&ix, View::Thread, "goroutines")
                .into_iter()
                .flat_map(|(r, ss)| {
                    ss.into_iter()
                        .map(move |s| (r, s.start, s.end - s.start, go_name(&s)))
                })
                .collect(),
        );
        assert!(want.len() > 5);
        assert_eq!(want.len(), got.len(), "{name}: slice counts");
        assert!(want == got, "{name}: thread view differs from Go's");
    }
}

/// On every fixture: slices of a row never overlap, every transition
/// into Running starts a slice on its P at its time, and every Chrome
/// export slice (Running only) lies within one of the index's slices of
/// the same goroutine on the same P.
#[test]
fn slices_are_consistent_with_the_event_stream() {
    for (name, bytes) in fixtures() {
        let (ix, _) = build(&bytes);
        let procs = lane(&ix, View::Proc, "goroutines");
        for (view, rows) in [
            (View::Proc, procs.clone()),
            (View::Thread, lane(&ix, View::Thread, "goroutines")),
        ] {
            for (r, ss) in &rows {
                for w in ss.windows(2) {
                    assert!(
                        w[0].end <= w[1].start,
                        "{name} {view:?} row {r}: {:?} overlaps {:?}",
                        w[0],
                        w[1]
                    );
                }
            }
        }
        let total: usize = procs.values().map(Vec::len).sum();
        assert_eq!(total as u64, ix.info().proc_slices, "{name}");

        // Transitions into Running, from the events.
        let (mut t0, mut n) = (None, 0);
        for ev in Reader::new(&bytes[..]).unwrap() {
            let Ok(ev) = ev else { break };
            let t0 = *t0.get_or_insert(ev.time());
            if let Some(st) = ev.state_transition()
                && let ResourceId::Goroutine(g) = st.resource
                && let Some((from, to)) = st.goroutine()
                && !from.executing()
                && to == GoState::Running
            {
                n += 1;
                let t = if from == GoState::Undetermined {
                    0
                } else {
                    ev.time() - t0
                };
                let row = procs.get(&ev.proc()).map_or(&[][..], |v| &v[..]);
                let i = row.partition_point(|s| s.start < t);
                assert!(
                    row[i..]
                        .iter()
                        .take_while(|s| s.start == t)
                        .any(|s| s.id == g),
                    "{name}: G{g} starts running at {t} on P{} without a slice",
                    ev.proc()
                );
            }
        }
        assert!(n > 0 && total >= n, "{name}: {total} slices, {n} starts");

        // The Chrome export's Running slices.
        if name.contains("go119") || name.contains("cgo") {
            // Old-format traces and cgo callbacks put Running goroutines
            // without a P in the export's "No P" row.
            continue;
        }
        let mut out = Vec::new();
        export_chrome(
            &mut Reader::new(&bytes[..]).unwrap(),
            &mut out,
            &ChromeOptions::default(),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let mut checked = 0;
        for e in v["traceEvents"].as_array().unwrap() {
            if e["ph"] != "X" || e["cat"] != "goroutine" {
                continue;
            }
            let p = e["tid"].as_i64().unwrap() - 2;
            let g = e["args"]["goid"].as_i64().unwrap();
            let s = (e["ts"].as_f64().unwrap() * 1000.0).round() as i64;
            let d = (e["dur"].as_f64().unwrap() * 1000.0).round() as i64;
            let row = procs.get(&p).map_or(&[][..], |v| &v[..]);
            let i = row.partition_point(|x| x.end < s + d);
            assert!(
                row[i..]
                    .iter()
                    .take_while(|x| x.start <= s)
                    .any(|x| x.id == g && x.start <= s && x.end >= s + d),
                "{name}: Chrome slice G{g} [{s}, {}] on P{p} is not within an index slice",
                s + d
            );
            checked += 1;
        }
        assert!(checked > 0, "{name}");
    }
}

fn query(ix: &TimelineIndex, view: View, start: i64, end: i64, px: u32) -> Timeline {
    ix.timeline(&TimelineQuery {
        view,
        start,
        end,
        px,
    })
    .unwrap()
}

/// Count and busy time of a lane's answer.
fn totals(l: &rprof_trace::analysis::timeline::Lane) -> (u64, i64) {
    let n = l.slices.len() as u64 + l.bars.iter().map(|b| b.2).sum::<u64>();
    let busy = l.slices.iter().map(|s| s.1).sum::<i64>() + l.bars.iter().map(|b| b.3).sum::<i64>();
    (n, busy)
}

/// The whole trace at any width: the slices and bars of a lane account
/// for every slice and all its busy time, and there are at most about
/// as many of each as pixels.
#[test]
fn summary_bars_conserve_count_and_busy_time() {
    for (name, bytes) in fixtures() {
        let (ix, _) = build(&bytes);
        let end = end_of(&ix);
        for view in [View::Proc, View::Thread] {
            let exact = lane(&ix, view, "goroutines");
            for px in [1u32, 7, 100, 1400, 5000] {
                let tl = query(&ix, view, 0, end, px);
                assert_eq!(tl.rows.len(), exact.len());
                for row in &tl.rows {
                    let ss = &exact[&row.id];
                    let want = (ss.len() as u64, ss.iter().map(|s| s.end - s.start).sum());
                    assert_eq!(
                        totals(&row.lanes[0]),
                        want,
                        "{name} {view:?} row {} px {px}",
                        row.id
                    );
                    for l in &row.lanes {
                        assert!(
                            l.slices.len() <= px as usize + 1,
                            "{name}: {} slices",
                            l.slices.len()
                        );
                        assert!(
                            l.bars.len() <= px as usize + 1,
                            "{name}: {} bars",
                            l.bars.len()
                        );
                    }
                }
                // Widths beyond the trace also stay bounded.
                let far = query(&ix, view, 0, end * 1000, px);
                for row in &far.rows {
                    assert!(
                        row.lanes[0].slices.len() + row.lanes[0].bars.len() <= 2 * px as usize + 2
                    );
                }
            }
        }
    }
}

/// A slice kept whole: (start, dur, goroutine).
type Kept = (i64, i64, i64);
/// A bar: (start, count, busy).
type Merged = (i64, u64, i64);

/// What the answer for a window must be, computed from the exact slices:
/// the slices that meet it, those at least a pixel wide once clipped
/// kept, runs of the others starting in one pixel merged.
fn brute_force(ss: &[SliceRef], t0: i64, t1: i64, res: f64) -> (Vec<Kept>, Vec<Merged>) {
    let mut slices = Vec::new();
    let mut bars: Vec<Merged> = Vec::new();
    let mut last_px = None;
    for s in ss
        .iter()
        .filter(|s| s.start < t1 && (s.end > t0 || s.start >= t0))
    {
        let vis = s.end.min(t1) - s.start.max(t0);
        if vis as f64 >= res {
            slices.push((s.start, s.end - s.start, s.id));
            last_px = None;
            continue;
        }
        let p = ((s.start.max(t0) - t0) as f64 / res).floor() as i64;
        match bars.last_mut() {
            Some(b) if last_px == Some(p) => {
                b.1 += 1;
                b.2 += s.end - s.start;
            }
            _ => bars.push((s.start, 1, s.end - s.start)),
        }
        last_px = Some(p);
    }
    (slices, bars)
}

/// Windows at fine resolutions (items read one by one) equal brute
/// force exactly; at coarse ones (pyramid bins), the count lies between
/// the slices meeting the window and those meeting it widened by a bin.
#[test]
fn windows_equal_brute_force() {
    let mut rng = common::Rng(0x7157_a11e);
    for (name, bytes) in fixtures() {
        let (ix, _) = build(&bytes);
        let end = end_of(&ix);
        for view in [View::Proc, View::Thread] {
            let exact = lane(&ix, view, "goroutines");
            for _ in 0..20 {
                let a = rng.below(end as u64) as i64;
                // Fine: under 64µs per pixel.
                let len = 1 + rng.below(60_000_000) as i64;
                let px = 1000 + rng.below(1000) as u32;
                let tl = query(&ix, view, a, a + len, px);
                assert_eq!(tl.level, None, "{name}: {len}ns at {px}px");
                for row in &tl.rows {
                    let (ws, wb) = brute_force(&exact[&row.id], a, a + len, tl.res);
                    let gs: Vec<(i64, i64, i64)> = row.lanes[0]
                        .slices
                        .iter()
                        .map(|s| (s.0, s.1, s.2))
                        .collect();
                    let gb: Vec<(i64, u64, i64)> =
                        row.lanes[0].bars.iter().map(|b| (b.0, b.2, b.3)).collect();
                    assert_eq!(gs, ws, "{name} {view:?} row {} [{a}, {})", row.id, a + len);
                    assert_eq!(gb, wb, "{name} {view:?} row {} [{a}, {})", row.id, a + len);
                }
                // Coarse.
                let len = 1 + rng.below(end as u64) as i64;
                let px = 1 + rng.below(2000) as u32;
                let tl = query(&ix, view, a, a + len, px);
                let Some(level) = tl.level else { continue };
                let bin = 64_000i64 << (2 * level);
                for row in &tl.rows {
                    let ss = &exact[&row.id];
                    let meets = |t0: i64, t1: i64| {
                        ss.iter()
                            .filter(|s| s.start < t1 && (s.end > t0 || s.start >= t0))
                            .count() as u64
                    };
                    let (n, _) = totals(&row.lanes[0]);
                    let (lo, hi) = (meets(a, a + len), meets(a - bin, a + len + bin));
                    assert!(
                        lo <= n && n <= hi,
                        "{name} {view:?} row {} [{a}, {}) level {level}: {n} not in [{lo}, {hi}]",
                        row.id,
                        a + len
                    );
                }
            }
        }
    }
}

/// A goroutine of trace.out that Go draws on P0 from 106.232704ms for
/// 1.005184ms (expected-timeline/trace.out.proc.gz): the index puts it
/// there, zoomed in and zoomed out, and its details name it.
#[test]
fn known_goroutine_slice() {
    let bytes = common::read(&common::fixtures().join("profiles/trace.out"));
    let (ix, _) = build(&bytes);
    let (start, dur) = (106_232_704, 1_005_184);
    let find = |tl: &Timeline| {
        let row = tl.rows.iter().find(|r| r.id == 0).unwrap();
        row.lanes[0]
            .slices
            .iter()
            .find(|s| s.0 == start && s.1 == dur)
            .copied()
    };
    let zoomed = query(&ix, View::Proc, 105_000_000, 110_000_000, 1000);
    let s = find(&zoomed).expect("the slice, zoomed in");
    assert_eq!(s.2, 34);
    assert_eq!(zoomed.strings[s.3 as usize], "main.runWorkload.func1.1");
    let whole = query(&ix, View::Proc, 0, end_of(&ix), 1400);
    assert!(whole.res < dur as f64, "wider than a pixel");
    let w = find(&whole).expect("the slice, zoomed out");
    assert_eq!((w.2, w.4), (s.2, s.4));
    assert_eq!(whole.strings[w.3 as usize], "main.runWorkload.func1.1");
    let d = ix.slice(s.4 as u64).unwrap();
    assert_eq!(
        (d.kind, d.g, d.p, d.start, d.end),
        ("goroutine", 34, 0, start, start + dur)
    );
    assert_eq!(d.name, "main.runWorkload.func1.1");
    assert!(
        !d.end_stack.is_empty() && d.end_stack.iter().all(|f| !f.func.is_empty() && f.line > 0)
    );
    assert!(!d.end_state.is_empty());
    // It was woken by something earlier: the arrow's tail.
    let c = d.cause.expect("a cause");
    assert!(c.time <= start, "{c:?}");
    assert!(c.name == "go" || c.name.starts_with("unblock"), "{c:?}");
    // Its goroutine's own timeline has it too.
    let gt = ix
        .goroutine(&GoroutineQuery {
            g: 34,
            start: Some(105_000_000),
            end: Some(110_000_000),
            px: 1000,
        })
        .unwrap();
    assert_eq!(gt.name, "main.runWorkload.func1.1");
    assert!(gt.slices.slices.iter().any(|x| x.0 == start && x.2 == 34));
    let mine = ix.goroutine_slices(34, 0, end_of(&ix)).unwrap();
    assert!(mine.iter().all(|x| x.id == 34));
    assert!(mine.iter().any(|x| x.start == start));
}

/// GC, STW, counters, tasks, regions and logs of annotations.trace and
/// trace.out against the summary's numbers.
#[test]
fn bands_counters_tasks_regions_logs() {
    use rprof_trace::analysis::summary::{SummaryOptions, summary};
    for name in ["trace.out", "annotations.trace", "gc-stress.trace"] {
        let bytes = if name == "trace.out" {
            common::read(&common::fixtures().join("profiles/trace.out"))
        } else {
            common::read(&common::traces().join(name))
        };
        let (ix, _) = build(&bytes);
        let s = summary(
            &mut Reader::new(&bytes[..]).unwrap(),
            &SummaryOptions::default(),
        )
        .unwrap()
        .value;
        let end = end_of(&ix);
        let gc = ix.gc_slices(false, 0, end).unwrap();
        assert_eq!(
            gc.len() as u64,
            s.gc.mark_phases.count + s.gc.mark_phases.open_at_end,
            "{name}"
        );
        let stw = ix.gc_slices(true, 0, end).unwrap();
        assert_eq!(
            stw.len() as u64,
            s.gc.stw.count + s.gc.stw.open_at_end,
            "{name}"
        );
        let stw_ns: i64 = stw.iter().map(|x| x.end - x.start).sum();
        assert_eq!(stw_ns, s.gc.stw.total_ns + s.gc.stw.open_ns, "{name}");

        let tl = query(&ix, View::Proc, 0, end, 1400);
        let heap = tl.counters.iter().find(|c| c.name == "heap_alloc").unwrap();
        let max = heap.points.iter().map(|p| p.1).max().unwrap_or(0);
        assert_eq!(max as u64, s.gc.max_heap_bytes, "{name}: highest heap");
        for c in &tl.counters {
            assert!(c.points.iter().all(|p| p.1 >= 0), "{name}: {} < 0", c.name);
            assert!(c.points.len() <= 1401, "{name}: {} points", c.points.len());
        }
        let tasks = ix.task_types();
        let want: BTreeMap<String, u64> =
            s.tasks.iter().map(|t| (t.name.clone(), t.seen)).collect();
        let got: BTreeMap<String, u64> = tasks.iter().map(|t| (t.name.clone(), t.count)).collect();
        assert_eq!(got, want, "{name}: tasks");
        for t in &tasks {
            let inst = ix.task_instances(t.index).unwrap();
            assert_eq!(inst.len() as u64, t.count);
            assert_eq!(
                inst.iter().filter(|i| i.complete).count() as u64,
                t.complete
            );
            let h: u64 = t.histogram.iter().map(|b| b.count).sum();
            assert_eq!(h, t.complete, "{name}: histogram of complete tasks");
            for i in inst {
                let d = ix.slice(i.detail).unwrap();
                assert_eq!(
                    (d.kind, d.start, d.end, d.name.as_str(), d.task, d.g),
                    ("task", i.start, i.end, t.name.as_str(), i.task, i.g)
                );
            }
        }
        let regions = ix.region_types();
        let mut got: BTreeMap<String, u64> = BTreeMap::new();
        for r in &regions {
            *got.entry(r.name.clone()).or_default() += r.count;
            assert_eq!(r.histogram.iter().map(|b| b.count).sum::<u64>(), r.count);
            let inst = ix.region_instances(r.index).unwrap();
            assert_eq!(inst.len() as u64, r.count);
            for i in inst {
                let d = ix.slice(i.detail).unwrap();
                assert_eq!(
                    (d.kind, d.start, d.end, d.name.as_str(), d.g, d.task),
                    ("region", i.start, i.end, r.name.as_str(), i.g, i.task)
                );
            }
        }
        let want: BTreeMap<String, u64> =
            s.regions.iter().map(|t| (t.name.clone(), t.seen)).collect();
        assert_eq!(got, want, "{name}: regions");
        // The lanes hold every task and region once, without overlaps.
        let lane_total = |lanes: &[rprof_trace::analysis::timeline::Lane]| -> u64 {
            lanes.iter().map(|l| totals(l).0).sum()
        };
        assert_eq!(
            lane_total(&tl.tasks),
            tasks.iter().map(|t| t.count).sum::<u64>()
        );
        assert_eq!(
            lane_total(&tl.regions),
            regions.iter().map(|t| t.count).sum::<u64>()
        );
        let logs = tl.logs.marks.len() as u64 + tl.logs.bars.iter().map(|b| b.2).sum::<u64>();
        assert_eq!(
            logs,
            s.events_by_kind.get("Log").copied().unwrap_or(0),
            "{name}: logs"
        );
        assert_eq!(logs, ix.info().logs);
    }
    // annotations.trace logs "log message" texts: shown as Go names them.
    let bytes = common::read(&common::traces().join("annotations.trace"));
    let (ix, _) = build(&bytes);
    let tl = query(&ix, View::Proc, 0, end_of(&ix), 60_000);
    assert!(!tl.logs.marks.is_empty());
    for m in &tl.logs.marks {
        let d = ix.slice(m.3 as u64).unwrap();
        assert_eq!(d.kind, "log");
        assert_eq!(d.text.as_deref(), Some(m.4.as_str()));
    }
}

/// `--start`/`--end`: only the window is indexed, clipped, on the
/// trace's clock.
#[test]
fn window_options_clip() {
    let bytes = common::read(&common::fixtures().join("profiles/trace.out"));
    let (full, _) = build(&bytes);
    let (a, b) = (100_000_000, 150_000_000);
    let (win, _) = build_opts(
        &bytes,
        &TimelineOptions {
            start: Some(a),
            end: Some(b),
            temp_dir: None,
        },
    );
    assert_eq!((win.info().start_ns, win.info().end_ns), (a, b));
    for p in &full.info().procs {
        let f = full
            .row_slices(View::Proc, *p, "goroutines", a, b)
            .unwrap()
            .unwrap();
        let w = win
            .row_slices(View::Proc, *p, "goroutines", 0, i64::MAX)
            .unwrap()
            .unwrap();
        let clipped: Vec<(i64, i64, i64)> = f
            .iter()
            .map(|s| (s.start.max(a), s.end.min(b), s.id))
            .filter(|s| s.0 <= s.1)
            .collect();
        let got: Vec<(i64, i64, i64)> = w.iter().map(|s| (s.start, s.end, s.id)).collect();
        assert_eq!(got, clipped, "P{p}");
        assert!(!got.is_empty());
    }
}

/// A damaged trace: the index of what was read, and the reader's error;
/// every slice that ended before the damage is the full trace's.
#[test]
fn damaged_traces_give_the_good_part_and_the_error() {
    let whole = analysis_support::whole_named("multigen.trace");
    let (full, _) = build(&whole.bytes);
    for cut in analysis_support::cuts() {
        let (ix, err) = build(&cut.bytes);
        let err = err.expect("an error");
        assert!(err.to_string().contains("lost"), "{err}");
        assert_eq!(ix.info().error.as_deref(), Some(err.to_string().as_str()));
        let end = ix.info().end_ns;
        let mut n = 0;
        for (p, ss) in lane(&ix, View::Proc, "goroutines") {
            let f = full
                .row_slices(View::Proc, p, "goroutines", 0, end + 1)
                .unwrap()
                .unwrap();
            for s in ss.iter().filter(|s| s.end < end) {
                assert!(
                    f.iter()
                        .any(|x| x.start == s.start && x.end == s.end && x.id == s.id),
                    "{}: {s:?} not in the whole trace's index",
                    cut.name
                );
                n += 1;
            }
        }
        assert!(n > 100, "{}: only {n} slices", cut.name);
    }
    // Cut inside the only generation: nothing usable (only the reader's
    // first Sync), the error, no panic.
    let bytes = common::read(&common::fixtures().join("profiles/trace.out"));
    let r = build_index(
        &bytes[..bytes.len() / 2],
        None,
        &TimelineOptions::default(),
        &Progress::default(),
    )
    .unwrap();
    assert!(r.error.is_some());
    assert_eq!(r.value.info().proc_slices, 0);
    let tl = query(&r.value, View::Proc, 0, 1_000_000, 100);
    assert!(tl.rows.is_empty());
    // Not a trace at all.
    let r = build_index(
        &b"<html>nope</html>"[..],
        None,
        &TimelineOptions::default(),
        &Progress::default(),
    );
    assert!(matches!(r, Err(TimelineError::Trace(_))), "{r:?}");
}

/// A goroutine's own slices (thread-view boundaries) for random windows
/// equal the thread view's slices of that goroutine.
#[test]
fn goroutine_queries_equal_the_thread_view() {
    let mut rng = common::Rng(0x6047);
    for (name, bytes) in fixtures() {
        let (ix, _) = build(&bytes);
        let end = end_of(&ix);
        let all: Vec<SliceRef> = lane(&ix, View::Thread, "goroutines")
            .into_values()
            .flatten()
            .collect();
        let mut gs: Vec<i64> = all.iter().map(|s| s.id).collect();
        gs.sort_unstable();
        gs.dedup();
        assert!(!gs.is_empty(), "{name}");
        for _ in 0..30 {
            let g = gs[rng.below(gs.len() as u64) as usize];
            let a = rng.below(end as u64) as i64;
            let b = a + 1 + rng.below((end - a) as u64) as i64;
            let mut want: Vec<(i64, i64)> = all
                .iter()
                .filter(|s| s.id == g && s.start < b && (s.end > a || s.start >= a))
                .map(|s| (s.start, s.end))
                .collect();
            want.sort_unstable();
            let got: Vec<(i64, i64)> = ix
                .goroutine_slices(g, a, b)
                .unwrap()
                .iter()
                .map(|s| (s.start, s.end))
                .collect();
            assert_eq!(got, want, "{name}: G{g} in [{a}, {b})");
        }
    }
}

/// Bad queries are errors, not panics.
#[test]
fn bad_queries() {
    let bytes = common::read(&common::traces().join("annotations.trace"));
    let (ix, _) = build(&bytes);
    let q = |start, end, px| {
        ix.timeline(&TimelineQuery {
            view: View::Thread,
            start,
            end,
            px,
        })
    };
    assert!(matches!(q(10, 10, 100), Err(TimelineError::Window { .. })));
    assert!(matches!(q(10, 5, 100), Err(TimelineError::Window { .. })));
    assert!(matches!(q(0, 10, 0), Err(TimelineError::Width { .. })));
    assert!(matches!(
        q(0, 10, u32::MAX),
        Err(TimelineError::Width { .. })
    ));
    assert!(q(i64::MIN, i64::MAX, 1).is_ok());
    assert!(matches!(
        ix.slice(u64::MAX),
        Err(TimelineError::NoSuchSlice(_))
    ));
    assert!(matches!(
        ix.task_instances(999),
        Err(TimelineError::NoSuchType { .. })
    ));
    assert_eq!("thread".parse::<View>(), Ok(View::Thread));
    assert!("x".parse::<View>().is_err());
}

/// Indexing on a thread: progress, then the index.
#[test]
fn spawned_index() {
    let path = common::traces().join("stress.trace");
    let job = spawn_index_file(path.clone(), TimelineOptions::default());
    let ix = job.wait().expect("index");
    assert!(job.progress().is_done());
    assert_eq!(job.progress().fraction(), Some(1.0));
    assert_eq!(
        job.progress().bytes_read(),
        std::fs::metadata(&path).unwrap().len()
    );
    assert!(ix.info().proc_slices > 0);
    let missing = spawn_index_file(
        common::traces().join("no-such.trace"),
        TimelineOptions::default(),
    );
    let e = missing.wait().unwrap_err();
    assert!(e.to_string().contains("no-such.trace"), "{e}");
}
