//! Invariants of `analysis::summary` and `analysis::goroutines`, checked
//! against counts taken directly from the event stream, and between parts
//! computed along different paths.

use crate::analysis_support;

use std::collections::BTreeMap;

use analysis_support::{Input, whole, whole_named};
use rprof_trace::analysis::goroutines::{
    GoroutineGroup, GroupSort, goroutine_summary, sort_groups,
};
use rprof_trace::analysis::summary::{Summary, SummaryOptions, summary, write_text};
use rprof_trace::{GoState, Reader, ResourceId, spec};

/// Counts taken straight from the events.
#[derive(Debug, Default)]
struct Direct {
    events: u64,
    by_kind: BTreeMap<String, u64>,
    creates: u64,
    undetermined: u64,
    destroys: u64,
    region_begins: u64,
    stw_ends: u64,
    first: i64,
    last: i64,
    /// Goroutine IDs created more than once (cgo callbacks).
    reused: u64,
}

fn direct(bytes: &[u8]) -> Direct {
    let mut d = Direct::default();
    let mut seen = std::collections::HashSet::new();
    for ev in Reader::new(bytes).unwrap() {
        let ev = ev.unwrap();
        if d.events == 0 {
            d.first = ev.time();
        }
        d.last = ev.time();
        d.events += 1;
        *d.by_kind.entry(ev.kind().name().to_string()).or_default() += 1;
        match ev.wire_type() {
            spec::EV_GO_CREATE | spec::EV_GO_CREATE_SYSCALL | spec::EV_GO_CREATE_BLOCKED => {
                d.creates += 1
            }
            spec::EV_USER_REGION_BEGIN => d.region_begins += 1,
            spec::EV_STW_END => d.stw_ends += 1,
            _ => {}
        }
        if let Some(st) = ev.state_transition()
            && let ResourceId::Goroutine(g) = st.resource
            && let Some((old, new)) = st.goroutine()
            && old != new
        {
            if old == GoState::Undetermined {
                d.undetermined += 1;
                seen.insert(g);
            }
            if old == GoState::NotExist && !seen.insert(g) {
                d.reused += 1;
            }
            if new == GoState::NotExist {
                d.destroys += 1;
            }
        }
    }
    d
}

fn run(input: &Input) -> (Summary, Vec<GoroutineGroup>) {
    let s = summary(
        &mut Reader::new(&input.bytes[..]).unwrap(),
        &SummaryOptions::default(),
    )
    .unwrap()
    .into_result()
    .unwrap();
    let g = goroutine_summary(&mut Reader::new(&input.bytes[..]).unwrap())
        .unwrap()
        .into_result()
        .unwrap();
    (s, g)
}

fn non_overlapping_sum(g: &GoroutineGroup) -> i64 {
    g.exec_ns + g.sched_wait_ns + g.block_ns() + g.syscall_ns + g.syscall_block_ns + g.unknown_ns
}

#[test]
fn summary_invariants() {
    for input in whole() {
        let name = &input.name;
        let d = direct(&input.bytes);
        let (s, groups) = run(&input);

        // The stream.
        assert_eq!(s.events, d.events, "{name}: events");
        assert_eq!(s.events_by_kind, d.by_kind, "{name}: events by kind");
        assert_eq!((s.start_ns, s.end_ns), (d.first, d.last), "{name}: span");
        assert_eq!(s.duration_ns, d.last - d.first, "{name}: duration");
        assert!(s.generations >= 1, "{name}: generations");

        // Goroutine counts: GoCreate* events, statuses at the start, ends.
        let g = &s.goroutines;
        assert_eq!(g.created, d.creates, "{name}: created = GoCreate events");
        assert_eq!(g.at_start, d.undetermined, "{name}: at start");
        assert_eq!(g.ended, d.destroys, "{name}: ended");
        assert_eq!(
            g.live_at_end,
            g.at_start + g.created - g.ended,
            "{name}: live at end"
        );
        assert!(g.max_live >= g.live_at_end && g.max_live >= g.at_start);
        // Every goroutine is in a group, except earlier goroutines of a
        // reused ID (Go's summary keeps the last).
        let in_groups: u64 = groups.iter().map(|g| g.count).sum();
        assert_eq!(
            in_groups + d.reused,
            g.at_start + g.created,
            "{name}: goroutines in groups"
        );
        assert_eq!(g.groups, groups.len() as u64);

        // Time by state: the groups summed; running time = time on Ps.
        let st = &s.states;
        assert_eq!(st.running_ns, groups.iter().map(|g| g.exec_ns).sum::<i64>());
        assert_eq!(st.total_ns, groups.iter().map(|g| g.total_ns).sum::<i64>());
        assert_eq!(
            st.blocked_ns,
            st.blocked_ns_by_reason.values().sum::<i64>(),
            "{name}: blocked"
        );
        let on_ps: i64 = s.procs.iter().map(|p| p.running_ns).sum();
        if d.reused == 0 {
            assert_eq!(st.running_ns, on_ps, "{name}: running = time on Ps");
        } else {
            // Go's summary drops the earlier goroutines of a reused ID.
            assert!(st.running_ns < on_ps, "{name}: running < time on Ps");
        }
        for p in &s.procs {
            assert!(
                (0.0..=1.0).contains(&p.utilization),
                "{name}: P{} utilization {}",
                p.id,
                p.utilization
            );
        }

        // Per group: the non-overlapping parts cover the lifetimes (Go
        // counts a syscall still running at the end, after its P was
        // taken, both as syscall and as sched wait, so they may exceed
        // them then), and no goroutine lives longer than the trace.
        let mut whole_trace = false;
        for gr in &groups {
            let sum = non_overlapping_sum(gr);
            assert!(sum >= gr.total_ns, "{name}: {:?}: {sum} < total", gr.name);
            if gr.syscall_block_ns == 0 {
                assert_eq!(sum, gr.total_ns, "{name}: {:?}: parts", gr.name);
            }
            assert!(gr.max_total_ns <= s.duration_ns, "{name}: {:?}", gr.name);
            assert!(gr.total_ns <= gr.count as i64 * s.duration_ns);
            whole_trace |= gr.max_total_ns == s.duration_ns;
        }
        // Some goroutine (main) exists from the first event to the last.
        assert!(whole_trace, "{name}: no goroutine spans the trace");

        // Regions: every begin is seen once (ended, ended with its
        // goroutine, or open at the end).
        let seen: u64 = s.regions.iter().map(|r| r.seen).sum();
        assert!(seen >= d.region_begins, "{name}: regions");
        let complete_or_open: u64 = s
            .regions
            .iter()
            .map(|r| r.durations.count + r.durations.open_at_end)
            .sum();
        assert!(complete_or_open >= d.region_begins, "{name}: regions");

        // STW pauses: every end is a pause.
        assert_eq!(s.gc.stw.count, d.stw_ends, "{name}: STW pauses");
        let by_kind: u64 = s.gc.stw_by_kind.iter().map(|k| k.pauses.count).sum();
        assert_eq!(by_kind, s.gc.stw.count);
        assert!(s.gc.gc_stw.count <= s.gc.stw.count);
        assert!(s.gc.stw.max_ns <= s.gc.stw.total_ns);

        // MMU: in [0, 1], and a window as long as the trace is the mean.
        for m in &s.mmu {
            if let Some(v) = m.mmu {
                assert!((0.0..=1.0).contains(&v), "{name}: MMU {v}");
            }
        }

        // The text and JSON forms.
        let mut text = String::new();
        write_text(&s, &mut text);
        assert!(text.contains("Goroutines:"), "{name}");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["events"].as_u64(), Some(d.events));
    }
}

/// The user tasks and regions of trace.out, whose program runs one task
/// "workload" over the whole trace and five regions in it.
#[test]
fn tasks_and_regions_of_trace_out() {
    let input = whole_named("trace.out");
    let (s, _) = run(&input);
    let tasks: Vec<(&str, u64, u64)> = s
        .tasks
        .iter()
        .map(|t| (t.name.as_str(), t.seen, t.durations.count))
        .collect();
    assert_eq!(tasks, [("workload", 1, 1)]);
    let mut regions: Vec<(&str, u64)> = s
        .regions
        .iter()
        .map(|r| (r.name.as_str(), r.durations.count))
        .collect();
    regions.sort();
    assert_eq!(
        regions,
        [
            ("alloc", 1),
            ("checksum", 1),
            ("hash", 2),
            ("pipeline", 1),
            ("sort", 1)
        ]
    );
    for r in &s.regions {
        assert!(r.min_ns <= r.durations.mean_ns() && r.durations.mean_ns() <= r.durations.max_ns);
        assert!(r.durations.max_ns <= s.duration_ns);
    }
}

/// The multi-generation trace: its tasks ("fixture" over the whole
/// program, "net" inside it) and regions ("worker" ×4, many "echo").
#[test]
fn tasks_and_regions_across_generations() {
    let input = whole_named("multigen.trace");
    let (s, groups) = run(&input);
    assert!(s.generations > 3, "{} generations", s.generations);
    let task = |n: &str| s.tasks.iter().find(|t| t.name == n).unwrap();
    assert_eq!(task("fixture").durations.count, 1);
    assert_eq!(task("net").durations.count, 1);
    assert!(task("fixture").durations.max_ns > task("net").durations.max_ns);
    let region = |n: &str| s.regions.iter().find(|r| r.name == n).unwrap();
    assert_eq!(region("worker").durations.count, 4);
    assert!(region("echo").durations.count > 10);
    // It blocks on the network, in syscalls, on channels and a mutex.
    let blocked = &s.states.blocked_ns_by_reason;
    for r in ["network", "chan receive", "sleep"] {
        assert!(blocked.contains_key(r), "{r}: {blocked:?}");
    }
    assert!(s.states.syscall_ns > 0);
    assert!(s.gc.mark_phases.count > 0);
    // Sorting the goroutine groups.
    let mut by_count = groups.clone();
    sort_groups(&mut by_count, GroupSort::Count);
    assert!(by_count.windows(2).all(|w| w[0].count >= w[1].count));
    let mut by_name = groups;
    sort_groups(&mut by_name, GroupSort::Name);
    assert!(by_name.windows(2).all(|w| w[0].name <= w[1].name));
}

/// Windows at least as long as the trace give the mean utilization over
/// the trace, the same for every such window; MMU never exceeds it.
#[test]
fn mmu_long_windows() {
    for input in whole() {
        let opts = SummaryOptions {
            mmu_windows: vec![1_000, 1_000_000, i64::MAX / 4, i64::MAX / 2],
            ..SummaryOptions::default()
        };
        let s = summary(&mut Reader::new(&input.bytes[..]).unwrap(), &opts)
            .unwrap()
            .value;
        if s.mmu.iter().all(|m| m.mmu.is_none()) {
            // No GOMAXPROCS event: no utilization to measure.
            assert_eq!(s.gomaxprocs, 0, "{}", input.name);
            continue;
        }
        let v: Vec<f64> = s.mmu.iter().map(|m| m.mmu.unwrap()).collect();
        assert_eq!(v[2], v[3], "{}", input.name);
        assert!(v[0] <= v[2] && v[1] <= v[2], "{}: {v:?}", input.name);
    }
}

#[test]
fn durations_format() {
    use rprof_trace::analysis::fmt_dur;
    assert_eq!(fmt_dur(0), "0");
    assert_eq!(fmt_dur(850), "850ns");
    assert_eq!(fmt_dur(12_500), "12.5µs");
    assert_eq!(fmt_dur(3_250_000), "3.25ms");
    assert_eq!(fmt_dur(1_500_000_000), "1.50s");
    assert_eq!(fmt_dur(-2_000), "-2.00µs");
    assert_eq!(fmt_dur(123_456_789), "123ms");
}
