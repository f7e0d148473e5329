//! The SVG flame graph on real profiles: well-formed, numbers as `top`
//! prints them, units, inline marks, layouts, pruning, determinism.

use crate::common;

use common::{FIXTURES, Frame, frames, is_icicle, load, parse_value, report};
use rprof_flame::palette::{self, Category};
use rprof_flame::{Colors, FlameError, FlameOptions, write_svg};
use rprof_profile::{Line, ProfileBuilder};
use rprof_report::{Report, ReportOptions};

fn svg(r: &Report, opts: &FlameOptions) -> String {
    let mut out = Vec::new();
    write_svg(r, opts, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn root(fr: &[Frame]) -> &Frame {
    fr.iter().find(|f| f.depth == 0).expect("root")
}

#[test]
fn every_fixture_and_sample_type_renders_well_formed_svg() {
    for name in FIXTURES {
        let p = load(name);
        for (i, _) in p.sample_types.iter().enumerate() {
            let r = report(&p, &i.to_string());
            let mut out = Vec::new();
            match write_svg(&r, &FlameOptions::default(), &mut out) {
                Ok(()) => {}
                Err(FlameError::Empty { .. }) => {
                    assert_eq!(r.total(), 0, "{name}/{i}: Empty with a non-zero total");
                    assert!(out.is_empty(), "nothing written on error");
                    continue;
                }
                Err(e) => panic!("{name}/{i}: {e}"),
            }
            let fr = frames(std::str::from_utf8(&out).unwrap());
            let all = root(&fr);
            assert_eq!(all.name, "all");
            assert_eq!(
                all.w as i64,
                r.total(),
                "{name}/{i}: root width is the total"
            );
            assert!(all.info.ends_with(", 100%"), "{name}/{i}: {}", all.info);
            // Children never stick out of their parent.
            for f in &fr {
                if f.depth == 0 {
                    continue;
                }
                assert!(
                    fr.iter()
                        .any(|p| p.depth + 1 == f.depth && p.x <= f.x && f.x + f.w <= p.x + p.w),
                    "{name}/{i}: {} has no parent frame",
                    f.name
                );
            }
        }
    }
}

/// `top --cum` rows: (cum, cum%, name).
fn top_rows(p: &rprof_profile::Profile, sample_index: &str) -> Vec<(String, String, String)> {
    let opts = ReportOptions {
        sample_index: sample_index.to_string(),
        cum: true,
        ..Default::default()
    };
    let r = Report::new(p, &opts).unwrap();
    let mut out = String::new();
    rprof_report::top::write_top(&r, &mut out);
    out.lines()
        .skip_while(|l| !l.trim_start().starts_with("flat"))
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let name = cols[5..].join(" ");
            let name = name
                .trim_end_matches(" (inline)")
                .trim_end_matches(" (partial-inline)");
            (cols[3].to_string(), cols[4].to_string(), name.to_string())
        })
        .collect()
}

#[test]
fn root_and_hottest_frames_carry_tops_values_and_percentages() {
    for (name, index) in [
        ("cpu.pb.gz", ""),
        ("heap.pb.gz", "inuse_space"),
        ("allocs.pb.gz", "alloc_space"),
        ("block.pb.gz", "delay"),
        ("mutex.pb.gz", "contentions"),
    ] {
        let p = load(name);
        let r = report(&p, index);
        // Every frame drawn, so that no part of a flat value is pruned.
        let all_frames = FlameOptions {
            min_width: 0.0,
            ..Default::default()
        };
        let fr = frames(&svg(&r, &all_frames));
        let all = root(&fr);
        assert_eq!(
            all.info,
            format!("{}, 100%", rprof_flame_value(&r, r.total())),
            "{name}: root"
        );

        let mut checked = 0;
        for (cum, cum_pct, fname) in top_rows(&p, index).iter().take(12) {
            let mine: Vec<&Frame> = fr.iter().filter(|f| &f.name == fname).collect();
            if mine.len() != 1 {
                continue; // several call sites: top's cum is their union
            }
            let (value, pct) = mine[0].info.rsplit_once(", ").unwrap();
            let value = value.rsplit(", ").next().unwrap(); // drop "inline, "
            assert_eq!(pct, cum_pct.as_str(), "{name}: cum% of {fname}");
            // top picks one unit for the table, tooltips one per value.
            // Equal up to rounding to two decimals of each one's unit.
            let (a, b) = (parse_value(value), parse_value(cum));
            let half_unit = |s: &str| {
                let unit = s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
                let unit = if unit.starts_with(' ') { "" } else { unit };
                parse_value(&format!("0.005{unit}")) * 1.0001
            };
            let tolerance = half_unit(value) + half_unit(cum);
            assert!(
                (a - b).abs() <= tolerance,
                "{name}: cum of {fname}: {value} vs top's {cum}"
            );
            assert_eq!(
                mine[0].w as i64,
                graph_cum(&r, fname),
                "{name}: width of {fname}"
            );
            checked += 1;
        }
        assert!(checked >= 4, "{name}: only {checked} of top's rows checked");

        // Flat: a function's own part of its frames (width minus children).
        let keys = rprof_report::graph::NodeKeys::for_report(&r);
        let g = rprof_report::graph::build(&r, &keys, None);
        let hottest = g
            .nodes
            .iter()
            .max_by_key(|n| (n.flat, std::cmp::Reverse(n.key)))
            .unwrap();
        let hname = keys.printable_name(hottest.key);
        let own: u64 = fr
            .iter()
            .filter(|f| f.name == hname)
            .map(|f| {
                let children: u64 = fr
                    .iter()
                    .filter(|c| c.depth == f.depth + 1 && c.x >= f.x && c.x < f.x + f.w)
                    .map(|c| c.w)
                    .sum();
                f.w - children
            })
            .sum();
        assert_eq!(own as i64, hottest.flat, "{name}: flat of {hname}");
    }
}

/// What a tooltip shows for `v`.
fn rprof_flame_value(r: &Report, v: i64) -> String {
    let s = r.format_value(v);
    if s.chars().last().is_some_and(|c| c.is_ascii_digit()) {
        format!("{s} {}", count_name(r.sample_type()))
    } else {
        s
    }
}

fn count_name(t: &str) -> &str {
    match t {
        "contentions" => "contentions",
        "goroutine" => "goroutines",
        "samples" => "samples",
        _ => "objects",
    }
}

fn graph_cum(r: &Report, fname: &str) -> i64 {
    let keys = rprof_report::graph::NodeKeys::for_report(r);
    let g = rprof_report::graph::build(r, &keys, None);
    g.nodes
        .iter()
        .find(|n| keys.printable_name(n.key) == fname)
        .map(|n| n.cum)
        .unwrap()
}

#[test]
fn tooltips_use_the_profiles_units() {
    let cases = [
        ("cpu.pb.gz", "", vec!["ms", "s"]),
        ("heap.pb.gz", "inuse_space", vec!["kB", "MB"]),
        ("heap.pb.gz", "inuse_objects", vec![" objects"]),
        ("block.pb.gz", "delay", vec!["ms", "s", "us", "µs"]),
        ("goroutine.pb.gz", "", vec![" goroutines"]),
    ];
    for (name, index, units) in cases {
        let p = load(name);
        let r = report(&p, index);
        let fr = frames(&svg(&r, &FlameOptions::default()));
        for f in &fr {
            let value = f.info.rsplit(", ").nth(1).unwrap();
            assert!(
                units.iter().any(|u| value.ends_with(u)),
                "{name} {index}: {} has {value:?}",
                f.name
            );
            assert!(f.info.ends_with('%'), "{}", f.info);
        }
    }
}

#[test]
fn inlined_frames_are_marked_and_paler() {
    let p = load("cpu.pb.gz");
    let r = report(&p, "");
    let fr = frames(&svg(&r, &FlameOptions::default()));
    let inlined: Vec<&Frame> = fr
        .iter()
        .filter(|f| f.info.starts_with("inline, "))
        .collect();
    assert!(inlined.len() >= 3, "cpu.pb.gz has inlined frames");
    for f in inlined {
        let cat = palette::category(&f.name, "");
        assert_eq!(
            f.fill,
            palette::go_color(cat, &f.name, true, false),
            "{}",
            f.name
        );
        assert_ne!(f.fill, palette::go_color(cat, &f.name, false, false));
    }
    // With --noinlines they are attributed to their caller.
    let opts = ReportOptions {
        no_inlines: true,
        ..Default::default()
    };
    let r = Report::new(&p, &opts).unwrap();
    let fr = frames(&svg(&r, &FlameOptions::default()));
    assert!(fr.iter().all(|f| !f.info.contains("inline")));
}

#[test]
fn go_palette_tells_runtime_stdlib_and_user_code_apart() {
    let p = load("cpu.pb.gz");
    let r = report(&p, "");
    let fr = frames(&svg(&r, &FlameOptions::default()));
    let fill = |n: &str| fr.iter().find(|f| f.name == n).map(|f| f.fill).unwrap();
    let user = fill("main.hashUnderLock");
    let std = fill("crypto/sha256.Sum256");
    let rt = fill("runtime.mallocgc");
    assert!(
        user.0 > 200 && user.2 < 100,
        "user code is orange: {user:?}"
    );
    assert!(
        std.1 > std.0 && std.1 > std.2,
        "standard library is green: {std:?}"
    );
    assert!(rt.2 > rt.0 && rt.2 > rt.1, "runtime is blue: {rt:?}");

    // Heap profiles get the memory variant; your code is green there.
    let p = load("heap.pb.gz");
    let r = report(&p, "alloc_space");
    let out = svg(&r, &FlameOptions::default());
    let fr = frames(&out);
    let f = fr.iter().find(|f| f.name == "main.allocBuffer").unwrap();
    assert_eq!(
        f.fill,
        palette::go_color(Category::User, "main.allocBuffer", false, true)
    );
    assert!(f.fill.1 > f.fill.0 && f.fill.1 > f.fill.2);
    assert!(out.contains("stop-color=\"#eef2ee\""), "green background");

    // An inferno palette keeps inferno's colours.
    let opts = FlameOptions {
        colors: Colors::Inferno("blue".parse().unwrap()),
        ..Default::default()
    };
    let fr = frames(&svg(&r, &opts));
    assert!(fr.iter().all(|f| f.fill.2 >= 205 && f.fill.0 == f.fill.1));
}

#[test]
fn titles_name_file_type_sample_index_and_total() {
    let p = load("heap.pb.gz");
    let r = report(&p, "alloc_space");
    let opts = FlameOptions {
        source: Some("heap.pb.gz".into()),
        ..Default::default()
    };
    let out = svg(&r, &opts);
    assert!(out.contains(">Flame graph: heap.pb.gz</text>"));
    let total = r.format_value(r.total());
    assert!(
        out.contains(&format!(
            "Type: alloc_space (sample index 1, bytes) · Total: {total}"
        )),
        "subtitle"
    );
    let opts = FlameOptions {
        title: Some("T <&>".into()),
        subtitle: Some(String::new()),
        ..Default::default()
    };
    let out = svg(&r, &opts);
    assert!(out.contains(">T &lt;&amp;&gt;</text>"));
    assert!(!out.contains("id=\"subtitle\""));
}

#[test]
fn icicle_reverse_and_width() {
    let p = load("cpu.pb.gz");
    let r = report(&p, "");
    let flame = svg(&r, &FlameOptions::default());
    assert!(!is_icicle(&flame));
    let icicle = svg(
        &r,
        &FlameOptions {
            icicle: true,
            ..Default::default()
        },
    );
    assert!(is_icicle(&icicle));
    assert!(icicle.contains(">Icicle graph: workload</text>"));
    // Same frames, same sizes, other way up.
    let key = |f: &Frame| (f.depth, f.x, f.w, f.name.clone(), f.info.clone());
    let mut a: Vec<_> = frames(&flame).iter().map(key).collect();
    let mut b: Vec<_> = frames(&icicle).iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);

    // Callers view: the leaf functions sit on the root.
    let rev = frames(&svg(
        &r,
        &FlameOptions {
            reverse: true,
            ..Default::default()
        },
    ));
    let keys = rprof_report::graph::NodeKeys::for_report(&r);
    let g = rprof_report::graph::build(&r, &keys, None);
    for n in g.nodes.iter().filter(|n| n.flat > 0) {
        let fname = keys.printable_name(n.key);
        let f = rev
            .iter()
            .find(|f| f.depth == 1 && f.name == fname)
            .unwrap_or_else(|| panic!("{fname} on the root"));
        assert_eq!(f.w as i64, n.flat, "{fname}");
    }

    let wide = svg(
        &r,
        &FlameOptions {
            width: Some(1800),
            ..Default::default()
        },
    );
    assert!(wide.contains("width=\"1800\""));
    let e = write_svg(
        &r,
        &FlameOptions {
            min_width: 101.0,
            ..Default::default()
        },
        Vec::new(),
    );
    assert!(matches!(e, Err(FlameError::InvalidOption(_))));
}

#[test]
fn granularity_applies() {
    let p = load("cpu.pb.gz");
    let opts = ReportOptions {
        granularity: rprof_report::Granularity::Lines,
        ..Default::default()
    };
    let r = Report::new(&p, &opts).unwrap();
    let out = svg(&r, &FlameOptions::default());
    let fr = frames(&out);
    assert!(
        fr.iter()
            .any(|f| f.name.starts_with("main.hashUnderLock workload/main.go:"))
    );
    assert!(out.contains("var nametype = 'Line:';"));
}

/// A profile from (stack root first, value) pairs, one function per frame.
fn synthetic(stacks: &[(Vec<String>, i64)]) -> rprof_profile::Profile {
    let mut b = ProfileBuilder::new();
    b.add_sample_type("samples", "count");
    b.add_sample_type("cpu", "nanoseconds");
    for (stack, v) in stacks {
        let locs: Vec<u32> = stack
            .iter()
            .rev()
            .map(|f| {
                let func = b.function(f, f, "x.go", 1);
                b.location(
                    None,
                    0,
                    &[Line {
                        function: func,
                        line: 1,
                        column: 0,
                    }],
                    false,
                )
            })
            .collect();
        b.push_sample(&locs, &[1, *v], &[]);
    }
    rprof_profile::combine(vec![b.finish()]).unwrap()
}

fn stack(s: &str) -> Vec<String> {
    s.split(';').map(str::to_string).collect()
}

/// inferno's own sort would put `main.work.func1` between the two
/// `main.work` stacks (`.` sorts before `;`) and draw `main.work` twice.
#[test]
fn a_frame_with_a_dotted_sibling_is_drawn_once() {
    let p = synthetic(&[
        (stack("main.main;main.work"), 5),
        (stack("main.main;main.work.func1;x.y"), 3),
        (stack("main.main;main.work;x.z"), 2),
    ]);
    let r = report(&p, "cpu");
    let fr = frames(&svg(&r, &FlameOptions::default()));
    let work: Vec<&Frame> = fr.iter().filter(|f| f.name == "main.work").collect();
    assert_eq!(work.len(), 1, "{fr:#?}");
    assert_eq!(work[0].w, 7);
    assert_eq!(work[0].info, "7ns, 70.00%");
}

#[test]
fn min_width_prunes_narrow_frames_and_keeps_the_total() {
    // 3000 stacks of depth 8 over 40 functions, from a fixed LCG.
    let mut seed = 42u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let stacks: Vec<(Vec<String>, i64)> = (0..3000)
        .map(|_| {
            let frames = (0..8)
                .map(|d| format!("pkg{}.f{}", d % 3, next() % 40))
                .collect();
            (frames, 1 + (next() % 1000) as i64)
        })
        .collect();
    let total: i64 = stacks.iter().map(|s| s.1).sum();
    let p = synthetic(&stacks);
    let r = report(&p, "cpu");
    let mut sizes = Vec::new();
    for min_width in [0.0, 0.01, 0.5] {
        let out = svg(
            &r,
            &FlameOptions {
                min_width,
                max_frames: 0,
                ..Default::default()
            },
        );
        let fr = frames(&out);
        assert_eq!(root(&fr).w as i64, total);
        for f in &fr {
            assert!(f.w as f64 >= min_width / 100.0 * total as f64, "{f:?}");
        }
        sizes.push((fr.len(), out.len()));
    }
    assert!(
        sizes[0].0 > sizes[1].0 && sizes[1].0 > sizes[2].0,
        "{sizes:?}"
    );

    // A frame budget raises min_width until the widest frames fit.
    for max_frames in [10, 500, 5000] {
        let out = svg(
            &r,
            &FlameOptions {
                max_frames,
                ..Default::default()
            },
        );
        let fr = frames(&out);
        assert_eq!(root(&fr).w as i64, total);
        assert!(
            fr.len() <= max_frames + 1,
            "{max_frames}: {} frames",
            fr.len()
        );
        assert!(
            fr.len() * 2 > max_frames,
            "{max_frames}: only {} frames",
            fr.len()
        );
        assert!(out.contains("% left out</text>"), "the subtitle says so");
    }
    // The default budget: the subtitle says so exactly when it cut.
    let out = svg(&r, &FlameOptions::default());
    let n = frames(&out).len();
    assert!(n <= 10_001);
    assert_eq!(out.contains("left out"), sizes[1].0 > 10_001, "{n} frames");
}

#[test]
fn rendering_is_deterministic() {
    let p = load("cpu.pb.gz");
    let a = svg(&report(&p, ""), &FlameOptions::default());
    let q = load("cpu.pb.gz");
    let b = svg(&report(&q, ""), &FlameOptions::default());
    assert!(a == b, "two renders differ");
    let opts = FlameOptions {
        colors: Colors::Inferno("hot".parse().unwrap()),
        ..Default::default()
    };
    assert!(svg(&report(&p, ""), &opts) == svg(&report(&q, ""), &opts));
}

#[test]
fn mean_shows_the_mean() {
    let p = load("block.pb.gz");
    let opts = ReportOptions {
        sample_index: "delay".into(),
        mean: true,
        ..Default::default()
    };
    let r = Report::new(&p, &opts).unwrap();
    let fr = frames(&svg(&r, &FlameOptions::default()));
    let all = root(&fr);
    assert_eq!(all.info, format!("{}, 100%", r.format_value(r.total())));
    let total: i64 = (0..p.samples.len()).map(|i| p.samples.value(i, 1)).sum();
    assert_eq!(all.w as i64, total, "widths stay sums");
}
