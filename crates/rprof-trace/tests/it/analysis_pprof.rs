//! `analysis::pprof` against `go tool trace -pprof=KIND` (Go 1.27.3).
//!
//! The expected outputs in fixtures/traces/expected-analysis/ are what
//! `go tool pprof -top` and `-traces` print for the profile Go's tool
//! wrote (fixtures/traces/regen-analysis.sh). Here rprof's profile is
//! written with `rprof_profile::write_gz`, read back as the CLI
//! reads a file, and rendered by rprof's `top` and `traces` reports; the
//! text must be equal byte for byte. Go writes the samples of its profile
//! in map order, so `-traces` lists them in a different order on every
//! run: its blocks are compared as a sorted list.

use crate::analysis_support;
use crate::common;

use analysis_support::{Input, cuts, expected_dir, whole, whole_named};
use common::*;
use rprof_profile::Profile;
use rprof_report::{Report, ReportOptions};
use rprof_trace::Reader;
use rprof_trace::analysis::pprof::{PprofKind, pprof_profile, pprof_profiles};

fn expected(name: &str, kind: PprofKind, what: &str) -> String {
    let p = expected_dir().join(format!("{name}.{}.{what}", kind.name()));
    String::from_utf8(read(&p)).unwrap()
}

/// The profile as the CLI would see it in a file.
fn round_trip(p: &Profile) -> Profile {
    let mut gz = Vec::new();
    rprof_profile::write_gz(p, &mut gz).unwrap();
    rprof_profile::parse(&gz).unwrap()
}

fn render(p: &Profile, what: &str) -> String {
    let mut p = p.clone();
    let opts = ReportOptions::default();
    let applied = rprof_report::filters::apply(&mut p, &opts).unwrap();
    let r = Report::with_applied(&p, &opts, &applied).unwrap();
    let mut out = String::new();
    match what {
        "top" => rprof_report::top::write_top(&r, &mut out),
        _ => rprof_report::traces::write_traces(&r, &mut out),
    }
    out
}

/// `-traces` output: the header, then the sample blocks sorted.
fn canonical_traces(s: &str) -> (String, Vec<String>) {
    const SEP: &str = "-----------+-------------------------------------------------------\n";
    let mut parts = s.split(SEP);
    let head = parts.next().unwrap_or("").to_string();
    let mut blocks: Vec<String> = parts.map(str::to_string).collect();
    blocks.sort();
    (head, blocks)
}

fn check(input: &Input) {
    let name = &input.name;
    let res = pprof_profiles(&mut Reader::new(&input.bytes[..]).unwrap()).unwrap();
    // A cut trace: the profiles of its complete generations, and the error.
    assert_eq!(
        res.error.is_some(),
        input.truncated,
        "{name}: {:?}",
        res.error
    );
    let all = res.value;
    for kind in PprofKind::ALL {
        let p = round_trip(all.get(kind));
        let what = format!("{name} -pprof={kind}");
        assert_same(
            &format!("{what} -top"),
            expected(name, kind, "top").as_bytes(),
            render(&p, "top").as_bytes(),
        );
        let want = canonical_traces(&expected(name, kind, "traces"));
        let got = canonical_traces(&render(&p, "traces"));
        assert_eq!(want.0, got.0, "{what} -traces: header");
        assert_same(
            &format!("{what} -traces (blocks sorted)"),
            want.1.concat().as_bytes(),
            got.1.concat().as_bytes(),
        );
    }
}

/// The fixtures of fixtures/traces (new and old format) and the
/// multi-generation trace.
#[test]
fn pprof_matches_go() {
    for input in whole() {
        if input.name != "cgo-callback.trace" {
            check(&input);
        }
    }
}

/// Goroutines created in syscalls (cgo callbacks) with reused IDs: Go's
/// summary keeps the last goroutine of an ID, whose lifetime clips the
/// intervals of all of them.
#[test]
fn pprof_matches_go_cgo_callbacks() {
    let input = whole_named("cgo-callback.trace");
    check(&input);
}

/// Traces cut inside a generation: Go profiles the complete generations.
#[test]
fn pprof_matches_go_truncated() {
    for input in cuts() {
        check(&input);
    }
}

/// One kind alone gives the same profile as all four together (the
/// samples may come in another order).
#[test]
fn single_kind_equals_all_kinds() {
    let bytes = read(&fixtures().join("profiles/trace.out"));
    let all = pprof_profiles(&mut Reader::new(&bytes[..]).unwrap())
        .unwrap()
        .value;
    for kind in PprofKind::ALL {
        let one = pprof_profile(&mut Reader::new(&bytes[..]).unwrap(), kind)
            .unwrap()
            .value;
        let a = canonical_traces(&render(&one, "traces"));
        let b = canonical_traces(&render(all.get(kind), "traces"));
        assert_same(
            &format!("{kind} alone vs all four"),
            b.1.concat().as_bytes(),
            a.1.concat().as_bytes(),
        );
    }
}

/// `pprof_profiles` skips the events the profiles never look at before
/// the analyzer is called; fed every event instead (the web UI's shared
/// pass), the analyzer gives the same profiles, errors included, on
/// whole and cut traces of both formats.
#[test]
fn events_skipped_change_nothing() {
    use rprof_trace::analysis::{PprofAnalyzer, for_each_event};
    for input in whole().into_iter().chain(cuts()) {
        let filtered = pprof_profiles(&mut Reader::new(&input.bytes[..]).unwrap()).unwrap();
        let mut b = PprofAnalyzer::new(&PprofKind::ALL);
        let error = for_each_event(&mut Reader::new(&input.bytes[..]).unwrap(), |ev| {
            b.event(ev)
        })
        .unwrap();
        let every = b.finish();
        assert_eq!(
            filtered.error.map(|e| e.to_string()),
            error.map(|e| e.to_string()),
            "{}",
            input.name
        );
        for kind in PprofKind::ALL {
            assert_same(
                &format!("{} {kind}: events skipped vs every event", input.name),
                render(every.get(kind), "traces").as_bytes(),
                render(filtered.value.get(kind), "traces").as_bytes(),
            );
        }
    }
}

/// The profile's header fields are Go's.
#[test]
fn profile_shape() {
    let bytes = read(&fixtures().join("profiles/trace.out"));
    let p = pprof_profile(&mut Reader::new(&bytes[..]).unwrap(), PprofKind::Sync)
        .unwrap()
        .value;
    let names: Vec<(&str, &str)> = p
        .sample_types
        .iter()
        .map(|t| (p.str(t.ty), p.str(t.unit)))
        .collect();
    assert_eq!(names, [("contentions", "count"), ("delay", "nanoseconds")]);
    let pt = p.period_type.unwrap();
    assert_eq!(
        (p.str(pt.ty), p.str(pt.unit), p.period),
        ("trace", "count", 1)
    );
    assert!(p.mappings.is_empty());
    assert!(!p.samples.is_empty());
    for i in 0..p.samples.len() {
        assert!(p.samples.value(i, 0) >= 1);
        assert!(p.samples.value(i, 1) > 0);
    }
}

/// The filters of the web UI's profiles, at their limits: every
/// goroutine, or a window over the whole trace, count what no filter
/// counts; no goroutine, or no interval, count nothing; and Go's
/// outermost regions.
#[test]
fn filters_at_their_limits() {
    use rprof_trace::analysis::{GoroutineAnalyzer, PprofFilter, pprof_filtered};
    for input in whole().into_iter().filter(|i| !i.name.contains("go119")) {
        let name = &input.name;
        let all = pprof_profiles(&mut Reader::new(&input.bytes[..]).unwrap())
            .unwrap()
            .value;
        let mut a = GoroutineAnalyzer::new().keep_goroutines();
        rprof_trace::analysis::for_each_event(&mut Reader::new(&input.bytes[..]).unwrap(), |ev| {
            a.event(ev)
        })
        .unwrap();
        let ids = a.finish_table().goroutines.iter().map(|g| g.id).collect();
        for (what, filter, same) in [
            (
                "every goroutine",
                PprofFilter {
                    goroutines: Some(ids),
                    ..Default::default()
                },
                true,
            ),
            (
                "the whole trace",
                PprofFilter {
                    window: Some((0, i64::MAX / 4)),
                    ..Default::default()
                },
                true,
            ),
            (
                "no goroutine",
                PprofFilter {
                    goroutines: Some(Default::default()),
                    ..Default::default()
                },
                false,
            ),
            ("no region", PprofFilter::outermost_regions([]), false),
        ] {
            let got = pprof_filtered(
                &mut Reader::new(&input.bytes[..]).unwrap(),
                &PprofKind::ALL,
                filter,
            )
            .unwrap()
            .value;
            for kind in PprofKind::ALL {
                let (g, w) = (render(got.get(kind), "top"), render(all.get(kind), "top"));
                if same {
                    assert_eq!(g, w, "{name} {kind}: {what}");
                } else {
                    assert_eq!(got.get(kind).samples.len(), 0, "{name} {kind}: {what}");
                }
            }
        }
    }
    let f = PprofFilter::outermost_regions([
        (1, 0, 10),
        (1, 2, 5),
        (1, 10, 20),
        (2, 5, 6),
        (1, 15, 30),
    ]);
    let iv = f.intervals.unwrap();
    assert_eq!(iv[&1], vec![(0, 10), (10, 20)]);
    assert_eq!(iv[&2], vec![(5, 6)]);
}
