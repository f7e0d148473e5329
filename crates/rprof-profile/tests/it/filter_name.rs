//! Behaviour of the name filters (focus, ignore, hide, show, show_from,
//! prune_from) on small hand-built profiles, against pprof's rules.

use regex::Regex;
use rprof_profile::filter::*;
use rprof_profile::{Label, Line, Mapping, Profile, ProfileBuilder};

/// Location indices of [`sample_profile`].
const MAIN: u32 = 0;
const A: u32 = 1;
/// One location: `c` inlined into `b` (lines innermost first: c, b).
const BC: u32 = 2;
const RT: u32 = 3;
/// A location in a second mapping, `libz.so`, without lines.
const LIBZ: u32 = 4;

/// main → a → b(c inlined) and friends:
///
/// | sample | stack (leaf first)  | value |
/// |--------|---------------------|-------|
/// | 0      | a, main             | 10    |
/// | 1      | bc, a, main         | 20    |
/// | 2      | rt, main            | 5     |
/// | 3      | rt                  | 1     |
/// | 4      | libz, a, main       | 3     |
/// | 5      | (empty)             | 7     |
fn sample_profile() -> Profile {
    let mut b = ProfileBuilder::new();
    b.add_sample_type("cpu", "nanoseconds");
    let app = b.mapping(Mapping {
        start: 0x1000,
        limit: 0x9000,
        file: 0,
        ..Mapping::default()
    });
    let file = b.intern("/bin/app");
    b.profile_mut().mappings[app as usize].file = file;
    let libz = b.mapping(Mapping {
        start: 0x10000,
        limit: 0x20000,
        ..Mapping::default()
    });
    let libz_file = b.intern("/lib/libz.so");
    b.profile_mut().mappings[libz as usize].file = libz_file;

    let f_main = b.function("main.main", "", "app/main.go", 1);
    let f_a = b.function("main.a", "", "app/main.go", 10);
    let f_b = b.function("main.b", "", "app/b.go", 20);
    let f_c = b.function("main.c", "", "app/c.go", 30);
    let f_rt = b.function("runtime.mallocgc", "", "runtime/malloc.go", 40);
    let line = |function: u32, line: i64| Line {
        function,
        line,
        column: 0,
    };
    assert_eq!(
        b.location(Some(app), 0x1100, &[line(f_main, 2)], false),
        MAIN
    );
    assert_eq!(b.location(Some(app), 0x1200, &[line(f_a, 11)], false), A);
    assert_eq!(
        b.location(Some(app), 0x1300, &[line(f_c, 31), line(f_b, 21)], false),
        BC
    );
    assert_eq!(b.location(Some(app), 0x1400, &[line(f_rt, 41)], false), RT);
    assert_eq!(b.location(Some(libz), 0x10100, &[], false), LIBZ);

    let k = b.intern("tier");
    let gold = b.intern("gold");
    let label = Label {
        key: k,
        str: gold,
        num: 0,
        num_unit: 0,
    };
    b.push_sample(&[A, MAIN], &[10], &[]);
    b.push_sample(&[BC, A, MAIN], &[20], &[label]);
    b.push_sample(&[RT, MAIN], &[5], &[]);
    b.push_sample(&[RT], &[1], &[label]);
    b.push_sample(&[LIBZ, A, MAIN], &[3], &[]);
    b.push_sample(&[], &[7], &[]);
    b.finish()
}

fn re(s: &str) -> Regex {
    Regex::new(s).unwrap()
}

/// Every sample as (stack, value, number of labels).
fn samples(p: &Profile) -> Vec<(Vec<u32>, i64, usize)> {
    let s = &p.samples;
    (0..s.len())
        .map(|i| (s.stack(i).to_vec(), s.value(i, 0), s.labels(i).len()))
        .collect()
}

/// Function names of a location's lines, innermost first.
fn line_names(p: &Profile, loc: u32) -> Vec<&str> {
    p.location_lines(loc)
        .iter()
        .map(|l| p.str(p.functions[l.function as usize].name))
        .collect()
}

/// The structural invariants every filter must keep.
fn assert_consistent(p: &Profile) {
    let s = &p.samples;
    assert_eq!(s.values.len(), s.len() * s.width);
    assert_eq!(*s.stack_ends.last().unwrap_or(&0) as usize, s.stacks.len());
    assert!(s.stack_ends.windows(2).all(|w| w[0] <= w[1]));
    assert!(s.stacks.iter().all(|&l| (l as usize) < p.locations.len()));
    if !s.label_ends.is_empty() {
        assert_eq!(s.label_ends.len(), s.len());
        assert_eq!(*s.label_ends.last().unwrap() as usize, s.labels.len());
    }
    for loc in &p.locations {
        assert!(loc.lines.start <= loc.lines.end && loc.lines.end as usize <= p.lines.len());
    }
    assert!(
        p.lines
            .iter()
            .all(|l| (l.function as usize) < p.functions.len())
    );
}

#[test]
fn no_expression_changes_nothing_and_counts_as_a_focus_match() {
    let mut p = sample_profile();
    let before = samples(&p);
    let m = filter_samples_by_name(&mut p, None, None, None, None);
    assert_eq!(
        m,
        NameFilterMatches {
            focus: true,
            ignore: false,
            hide: false,
            show: false
        }
    );
    assert_eq!(samples(&p), before);
}

#[test]
fn focus_keeps_exactly_the_samples_with_a_matching_frame() {
    let mut p = sample_profile();
    let m = filter_samples_by_name(&mut p, Some(&re(r"^main\.a$")), None, None, None);
    assert!(m.focus);
    assert_eq!(
        samples(&p),
        vec![
            (vec![A, MAIN], 10, 0),
            (vec![BC, A, MAIN], 20, 1),
            (vec![LIBZ, A, MAIN], 3, 0),
        ]
    );
    assert_consistent(&p);
}

#[test]
fn focus_matches_inlined_lines_file_names_and_mapping_files() {
    // `main.c` exists only as an inlined line of BC.
    let mut p = sample_profile();
    filter_samples_by_name(&mut p, Some(&re("main.c")), None, None, None);
    assert_eq!(samples(&p), vec![(vec![BC, A, MAIN], 20, 1)]);
    // By file name.
    let mut p = sample_profile();
    filter_samples_by_name(&mut p, Some(&re(r"malloc\.go")), None, None, None);
    assert_eq!(samples(&p), vec![(vec![RT, MAIN], 5, 0), (vec![RT], 1, 1)]);
    // By mapping file: the libz location has no lines at all.
    let mut p = sample_profile();
    filter_samples_by_name(&mut p, Some(&re("libz")), None, None, None);
    assert_eq!(samples(&p), vec![(vec![LIBZ, A, MAIN], 3, 0)]);
}

#[test]
fn focus_without_a_match_drops_everything_and_says_so() {
    let mut p = sample_profile();
    let m = filter_samples_by_name(&mut p, Some(&re("nosuch")), None, None, None);
    assert!(!m.focus);
    assert!(p.samples.is_empty());
    assert!(p.samples.stacks.is_empty() && p.samples.values.is_empty());
    assert!(p.samples.label_ends.is_empty());
    assert_consistent(&p);
}

#[test]
fn ignore_drops_samples_with_a_matching_frame_and_beats_focus() {
    let mut p = sample_profile();
    let m = filter_samples_by_name(&mut p, None, Some(&re("runtime")), None, None);
    assert!(m.ignore && m.focus);
    // The empty sample goes too: with any expression, a sample needs one
    // focused location.
    assert_eq!(
        samples(&p),
        vec![
            (vec![A, MAIN], 10, 0),
            (vec![BC, A, MAIN], 20, 1),
            (vec![LIBZ, A, MAIN], 3, 0),
        ]
    );
    // A location matching both is ignored, not focused.
    let mut p = sample_profile();
    let m = filter_samples_by_name(&mut p, Some(&re("main")), Some(&re(r"main\.b")), None, None);
    assert!(m.focus && m.ignore);
    assert_eq!(
        samples(&p),
        vec![
            (vec![A, MAIN], 10, 0),
            (vec![RT, MAIN], 5, 0),
            (vec![LIBZ, A, MAIN], 3, 0),
        ]
    );
}

#[test]
fn focus_and_ignore_report_their_matches_separately() {
    let mut p = sample_profile();
    let m = filter_samples_by_name(&mut p, Some(&re("main.a")), Some(&re("nosuch")), None, None);
    assert!(m.focus && !m.ignore);
}

#[test]
fn hide_removes_frames_and_the_caller_becomes_the_leaf() {
    let mut p = sample_profile();
    let total_before: i64 = p.samples.values.iter().sum();
    let m = filter_samples_by_name(&mut p, None, None, Some(&re("runtime")), None);
    assert!(m.hide);
    // The runtime frame is gone: main is the leaf of sample 2 and gets its
    // flat value; sample 3 had nothing else and is dropped (as is the
    // empty one).
    assert_eq!(
        samples(&p),
        vec![
            (vec![A, MAIN], 10, 0),
            (vec![BC, A, MAIN], 20, 1),
            (vec![MAIN], 5, 0),
            (vec![LIBZ, A, MAIN], 3, 0),
        ]
    );
    let total_after: i64 = p.samples.values.iter().sum();
    assert_eq!(total_before - total_after, 1 + 7);
    assert_consistent(&p);
}

#[test]
fn hide_removes_inlined_lines_inside_a_location() {
    let mut p = sample_profile();
    filter_samples_by_name(&mut p, None, None, Some(&re(r"main\.c")), None);
    // The location stays, with b as its only line.
    assert_eq!(line_names(&p, BC), vec!["main.b"]);
    assert_eq!(p.samples.stack(1), &[BC, A, MAIN]);
    assert_eq!(line_names(&p, A), vec!["main.a"]);
    assert_consistent(&p);
}

#[test]
fn hide_by_mapping_file_removes_the_whole_location() {
    let mut p = sample_profile();
    let m = filter_samples_by_name(&mut p, None, None, Some(&re("libz")), None);
    assert!(m.hide);
    // (The empty sample 5 is gone; sample 4 is still at index 4.)
    assert_eq!(p.samples.stack(4), &[A, MAIN]);
}

#[test]
fn show_keeps_only_matching_frames() {
    let mut p = sample_profile();
    let m = filter_samples_by_name(&mut p, None, None, None, Some(&re(r"main\.(main|b)$")));
    assert!(m.show);
    assert_eq!(line_names(&p, BC), vec!["main.b"]);
    assert_eq!(
        samples(&p),
        vec![
            (vec![MAIN], 10, 0),
            (vec![BC, MAIN], 20, 1),
            (vec![MAIN], 5, 0),
            (vec![MAIN], 3, 0),
        ]
    );
    assert_consistent(&p);
    // A matching mapping file keeps all lines of a location; a location
    // without lines is hidden all the same (it has no line to keep).
    let mut p = sample_profile();
    let m = filter_samples_by_name(&mut p, None, None, None, Some(&re("bin/app|libz")));
    assert!(m.show);
    assert_eq!(line_names(&p, BC), vec!["main.c", "main.b"]);
    assert_eq!(p.samples.stack(4), &[A, MAIN]);
}

#[test]
fn show_without_match_warns_and_hide_applies_before_show() {
    let mut p = sample_profile();
    let m = filter_samples_by_name(&mut p, None, None, None, Some(&re("nosuch")));
    assert!(!m.show);
    assert!(p.samples.is_empty());
    // Hide takes main.c out, show would have kept it.
    let mut p = sample_profile();
    let m = filter_samples_by_name(
        &mut p,
        None,
        None,
        Some(&re("main.c")),
        Some(&re("main.[bc]")),
    );
    assert!(m.hide && m.show);
    assert_eq!(line_names(&p, BC), vec!["main.b"]);
    assert_eq!(samples(&p), vec![(vec![BC], 20, 1)]);
}

#[test]
fn all_four_at_once() {
    let mut p = sample_profile();
    let m = filter_samples_by_name(
        &mut p,
        Some(&re("main")),
        Some(&re("libz")),
        Some(&re("main.a")),
        Some(&re("main")),
    );
    assert_eq!(
        m,
        NameFilterMatches {
            focus: true,
            ignore: true,
            hide: true,
            show: true
        }
    );
    assert_eq!(
        samples(&p),
        vec![
            (vec![MAIN], 10, 0),
            (vec![BC, MAIN], 20, 1),
            (vec![MAIN], 5, 0)
        ]
    );
    assert_consistent(&p);
}

#[test]
fn show_from_drops_frames_above_the_highest_match_and_unmatched_samples() {
    let mut p = sample_profile();
    assert!(show_from(&mut p, &re(r"^main\.a$")));
    assert_eq!(
        samples(&p),
        vec![
            (vec![A], 10, 0),
            (vec![BC, A], 20, 1),
            (vec![LIBZ, A], 3, 0),
        ]
    );
    assert_consistent(&p);
}

#[test]
fn show_from_cuts_inlined_callers_above_the_match() {
    let mut p = sample_profile();
    assert!(show_from(&mut p, &re(r"main\.c")));
    // Lines of BC are (c, b): b, the caller of the match, goes.
    assert_eq!(line_names(&p, BC), vec!["main.c"]);
    assert_eq!(samples(&p), vec![(vec![BC], 20, 1)]);
}

#[test]
fn show_from_without_match_drops_every_sample() {
    let mut p = sample_profile();
    assert!(!show_from(&mut p, &re("nosuch")));
    assert!(p.samples.is_empty());
    assert_consistent(&p);
}

#[test]
fn prune_from_drops_frames_below_the_lowest_match() {
    let mut p = sample_profile();
    prune_from(&mut p, &re(r"^main\.a$"));
    assert_eq!(
        samples(&p),
        vec![
            (vec![A, MAIN], 10, 0),
            (vec![A, MAIN], 20, 1),
            (vec![RT, MAIN], 5, 0),
            (vec![RT], 1, 1),
            (vec![A, MAIN], 3, 0),
            (vec![], 7, 0),
        ]
    );
    assert_consistent(&p);
}

#[test]
fn prune_from_inside_a_location_drops_the_inlined_lines_below() {
    let mut p = sample_profile();
    prune_from(&mut p, &re(r"^main\.b$"));
    assert_eq!(line_names(&p, BC), vec!["main.b"]);
    assert_eq!(p.samples.stack(1), &[BC, A, MAIN]);
}

#[test]
fn prune_from_matches_simplified_function_names_only() {
    // File names do not count.
    let mut p = sample_profile();
    let before = samples(&p);
    prune_from(&mut p, &re(r"main\.go"));
    assert_eq!(samples(&p), before);
    // The argument list is cut before matching.
    assert_eq!(simplify_func("foo::bar(int, char)"), "foo::bar");
    assert_eq!(simplify_func(".ppc_func"), "ppc_func");
    assert_eq!(
        simplify_func("(anonymous namespace)::f(int)"),
        "(anonymous namespace)::f"
    );
    assert_eq!(simplify_func("A::operator()(int)"), "A::operator()");
    assert_eq!(simplify_func("net.(*conn).Write"), "net.");
    assert_eq!(simplify_func("plain"), "plain");
}

#[test]
fn tagshow_and_taghide_remove_label_keys() {
    let mut b = ProfileBuilder::new();
    b.add_sample_type("samples", "count");
    let f = b.function("f", "", "", 0);
    let l = b.location(
        None,
        1,
        &[Line {
            function: f,
            line: 1,
            column: 0,
        }],
        false,
    );
    let (tier, endpoint, bytes) = (b.intern("tier"), b.intern("endpoint"), b.intern("bytes"));
    let (gold, api) = (b.intern("gold"), b.intern("/api"));
    let s = |key, str| Label {
        key,
        str,
        num: 0,
        num_unit: 0,
    };
    let n = Label {
        key: bytes,
        str: 0,
        num: 64,
        num_unit: 0,
    };
    b.push_sample(&[l], &[1], &[s(tier, gold), s(endpoint, api), n]);
    b.push_sample(&[l], &[2], &[s(endpoint, api)]);
    let p0 = b.finish();

    let keys = |p: &Profile| -> Vec<Vec<String>> {
        (0..p.samples.len())
            .map(|i| {
                p.samples
                    .labels(i)
                    .iter()
                    .map(|l| p.str(l.key).to_string())
                    .collect()
            })
            .collect()
    };
    let mut p = p0.clone();
    assert_eq!(
        filter_tags_by_name(&mut p, Some(&re("tier|bytes")), None),
        (true, false)
    );
    assert_eq!(keys(&p), vec![vec!["tier", "bytes"], vec![]]);
    assert_eq!(p.samples.values, vec![1, 2]);

    let mut p = p0.clone();
    assert_eq!(
        filter_tags_by_name(&mut p, None, Some(&re("endpoint"))),
        (true, true)
    );
    assert_eq!(keys(&p), vec![vec!["tier", "bytes"], vec![]]);

    let mut p = p0.clone();
    assert_eq!(
        filter_tags_by_name(&mut p, Some(&re("nosuch")), Some(&re("nosuch"))),
        (false, false)
    );
    assert!(!p.samples.has_labels());
    assert!(p.samples.label_ends.is_empty());
}

#[test]
fn label_nodes_go_above_the_root_and_below_the_leaf() {
    let mut b = ProfileBuilder::new();
    b.add_sample_type("samples", "count");
    let f = b.function("work", "", "w.go", 0);
    let l = b.location(
        None,
        1,
        &[Line {
            function: f,
            line: 1,
            column: 0,
        }],
        false,
    );
    let (tier, endpoint, bytes) = (b.intern("tier"), b.intern("endpoint"), b.intern("bytes"));
    let (gold, a) = (b.intern("gold"), b.intern("/a"));
    let unit = b.intern("bytes");
    let s = |key, str| Label {
        key,
        str,
        num: 0,
        num_unit: 0,
    };
    let n = Label {
        key: bytes,
        str: 0,
        num: 2048,
        num_unit: unit,
    };
    b.push_sample(&[l], &[1], &[s(tier, gold), s(endpoint, a), n]);
    b.push_sample(&[l], &[2], &[s(endpoint, a)]);
    let mut p = b.finish();
    let (nloc, nfunc) = (p.locations.len(), p.functions.len());

    let roots = vec!["tier".to_string(), "endpoint".to_string()];
    let leaves = vec!["bytes".to_string()];
    assert_eq!(
        add_label_nodes(&mut p, &roots, &leaves, "minimum"),
        (true, true)
    );
    let frames = |p: &Profile, i: usize| -> Vec<(String, String)> {
        p.samples
            .stack(i)
            .iter()
            .map(|&loc| {
                let f = &p.functions[p.location_lines(loc)[0].function as usize];
                (p.str(f.name).to_string(), p.str(f.filename).to_string())
            })
            .collect()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    // Leaf first: bytes pseudo frame, the real frame, then endpoint and
    // tier (the first root key outermost).
    assert_eq!(
        frames(&p, 0),
        vec![
            pair("2kB", "bytes"),
            pair("work", "w.go"),
            pair("/a", "endpoint"),
            pair("gold", "tier"),
        ]
    );
    // Without the label: a frame with an empty name.
    assert_eq!(
        frames(&p, 1),
        vec![
            pair("", "bytes"),
            pair("work", "w.go"),
            pair("/a", "endpoint"),
            pair("", "tier"),
        ]
    );
    // One new function and location per (key, value), numbered on.
    assert_eq!(p.locations.len(), nloc + 5);
    assert_eq!(p.functions.len(), nfunc + 5);
    assert_eq!(p.locations.last().unwrap().id, nloc as u64 + 5);
    assert!(p.locations[nloc..].iter().all(|l| l.mapping.is_none()));
    assert_consistent(&p);

    let mut p2 = p.clone();
    assert_eq!(
        add_label_nodes(&mut p2, &["nosuch".to_string()], &[], "minimum"),
        (false, false)
    );
}

#[test]
fn compaction_keeps_values_and_labels_with_their_samples_over_many_samples() {
    // Many samples, every third matching: the in-place compaction must
    // move values and labels along with stacks.
    let mut b = ProfileBuilder::new();
    b.add_sample_type("a", "count");
    b.add_sample_type("b", "count");
    let line = |function| Line {
        function,
        line: 1,
        column: 0,
    };
    let fx = b.function("x", "", "", 0);
    let fy = b.function("y", "", "", 0);
    let lx = b.location(None, 1, &[line(fx)], false);
    let ly = b.location(None, 2, &[line(fy)], false);
    let k = b.intern("k");
    for i in 0..300i64 {
        let stack: Vec<u32> = if i % 3 == 0 { vec![lx, ly] } else { vec![ly] };
        let labels: Vec<Label> = (0..(i % 4))
            .map(|j| Label {
                key: k,
                str: 0,
                num: i * 10 + j,
                num_unit: 0,
            })
            .collect();
        b.push_sample(&stack, &[i, -i], &labels);
    }
    let mut p = b.finish();
    filter_samples_by_name(&mut p, Some(&re("^x$")), None, None, None);
    assert_eq!(p.samples.len(), 100);
    for (n, i) in (0..300i64).step_by(3).enumerate() {
        assert_eq!(p.samples.stack(n), &[lx, ly]);
        assert_eq!(p.samples.values(n), &[i, -i]);
        let nums: Vec<i64> = p.samples.labels(n).iter().map(|l| l.num).collect();
        let want: Vec<i64> = (0..(i % 4)).map(|j| i * 10 + j).collect();
        assert_eq!(nums, want);
    }
    assert_consistent(&p);
}
