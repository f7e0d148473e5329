//! The filters on the real Go profiles of `fixtures/profiles`, checked
//! against a deliberately naive oracle: a line-by-line transcription of
//! pprof's `FilterSamplesByName`, `ShowFrom` and `PruneFrom` over
//! materialised samples (every frame as its function names, file names and
//! mapping file), with the regular expression run on every string of every
//! frame of every sample.

use regex::Regex;
use rprof_profile::filter::*;
use rprof_profile::tagfilter::{TagFilter, filter_samples_by_tag};
use rprof_profile::{Profile, compile_go_regex, parse};
use std::collections::HashMap;

fn load(name: &str) -> Profile {
    let path = rprof_testkit::fixture("profiles").join(name);
    parse(&std::fs::read(&path).unwrap()).unwrap()
}

#[derive(Clone, Debug, PartialEq)]
struct Frame {
    /// (function name, file name), innermost first.
    lines: Vec<(String, String)>,
    mapping: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Sample {
    frames: Vec<Frame>,
    values: Vec<i64>,
    labels: usize,
}

fn frame(p: &Profile, loc: u32) -> Frame {
    let l = &p.locations[loc as usize];
    Frame {
        lines: p
            .location_lines(loc)
            .iter()
            .map(|ln| {
                let f = &p.functions[ln.function as usize];
                (p.str(f.name).to_string(), p.str(f.filename).to_string())
            })
            .collect(),
        mapping: l
            .mapping
            .map(|m| p.str(p.mappings[m as usize].file).to_string()),
    }
}

fn materialise(p: &Profile) -> Vec<Sample> {
    let s = &p.samples;
    (0..s.len())
        .map(|i| Sample {
            frames: s.stack(i).iter().map(|&l| frame(p, l)).collect(),
            values: s.values(i).to_vec(),
            labels: s.labels(i).len(),
        })
        .collect()
}

fn line_matches(re: &Regex, l: &(String, String)) -> bool {
    re.is_match(&l.0) || re.is_match(&l.1)
}

fn mapping_matches(re: &Regex, f: &Frame) -> bool {
    f.mapping.as_ref().is_some_and(|m| re.is_match(m))
}

/// `Location.matchesName`.
fn matches_name(re: &Regex, f: &Frame) -> bool {
    f.lines.iter().any(|l| line_matches(re, l)) || mapping_matches(re, f)
}

/// `FilterSamplesByName`, with its flags computed over all locations.
fn oracle_by_name(
    p: &Profile,
    focus: Option<&Regex>,
    ignore: Option<&Regex>,
    hide: Option<&Regex>,
    show: Option<&Regex>,
) -> (Vec<Sample>, NameFilterMatches) {
    let samples = materialise(p);
    let mut m = NameFilterMatches::default();
    if focus.is_none() && ignore.is_none() && hide.is_none() && show.is_none() {
        m.focus = true;
        return (samples, m);
    }
    // Flags: over every location of the profile.
    for li in 0..p.locations.len() {
        let f = frame(p, li as u32);
        if ignore.is_some_and(|re| matches_name(re, &f)) {
            m.ignore = true;
        } else if focus.is_none_or(|re| matches_name(re, &f)) {
            m.focus = true;
        }
        let mut lines = f.lines.clone();
        if let Some(re) = hide
            && matches_name(re, &f)
        {
            m.hide = true;
            lines = if mapping_matches(re, &f) {
                vec![]
            } else {
                lines.into_iter().filter(|l| !line_matches(re, l)).collect()
            };
        }
        if let Some(re) = show {
            if !mapping_matches(re, &f) {
                lines.retain(|l| line_matches(re, l));
            }
            if !lines.is_empty() {
                m.show = true;
            }
        }
    }
    let mut out = Vec::new();
    for s in samples {
        let mut focused = false;
        let mut ignored = false;
        for f in &s.frames {
            if ignore.is_some_and(|re| matches_name(re, f)) {
                ignored = true;
            } else if focus.is_none_or(|re| matches_name(re, f)) {
                focused = true;
            }
        }
        if ignored || !focused {
            continue;
        }
        let mut frames = Vec::new();
        for f in s.frames {
            let mut f = f;
            let mut hidden = false;
            if let Some(re) = hide
                && matches_name(re, &f)
            {
                if mapping_matches(re, &f) {
                    f.lines.clear();
                } else {
                    f.lines.retain(|l| !line_matches(re, l));
                }
                hidden = f.lines.is_empty();
            }
            if let Some(re) = show {
                if !mapping_matches(re, &f) {
                    f.lines.retain(|l| line_matches(re, l));
                }
                hidden |= f.lines.is_empty();
            }
            if !hidden {
                frames.push(f);
            }
        }
        if frames.is_empty() {
            continue;
        }
        out.push(Sample { frames, ..s });
    }
    (out, m)
}

/// `ShowFrom`.
fn oracle_show_from(p: &Profile, re: &Regex) -> (Vec<Sample>, bool) {
    let matched = (0..p.locations.len()).any(|li| {
        let f = frame(p, li as u32);
        matches_name(re, &f)
    });
    let mut out = Vec::new();
    for s in materialise(p) {
        let mut frames: Vec<(Frame, bool)> = Vec::new();
        for mut f in s.frames.clone() {
            let m = if mapping_matches(re, &f) {
                true
            } else if let Some(i) = f.lines.iter().rposition(|l| line_matches(re, l)) {
                f.lines.truncate(i + 1);
                true
            } else {
                false
            };
            frames.push((f, m));
        }
        if let Some(i) = frames.iter().rposition(|(_, m)| *m) {
            frames.truncate(i + 1);
            out.push(Sample {
                frames: frames.into_iter().map(|(f, _)| f).collect(),
                ..s
            });
        }
    }
    (out, matched)
}

/// `PruneFrom`.
fn oracle_prune_from(p: &Profile, re: &Regex) -> Vec<Sample> {
    let mut out = Vec::new();
    for s in materialise(p) {
        let mut frames: Vec<(Frame, bool)> = Vec::new();
        for mut f in s.frames.clone() {
            let hit = f
                .lines
                .iter()
                .position(|l| !l.0.is_empty() && re.is_match(simplify_func(&l.0)));
            if let Some(i) = hit {
                f.lines.drain(..i);
            }
            frames.push((f, hit.is_some()));
        }
        let from = frames.iter().position(|(_, m)| *m).unwrap_or(0);
        out.push(Sample {
            frames: frames.into_iter().skip(from).map(|(f, _)| f).collect(),
            ..s
        });
    }
    out
}

const PROFILES: [&str; 5] = [
    "cpu.pb.gz",
    "heap.pb.gz",
    "goroutine.pb.gz",
    "cpu_labels.pb.gz",
    "mutex.pb.gz",
];

const PATTERNS: [&str; 10] = [
    "sort",
    r"main\.",
    "runtime",
    "^main.main$",
    r"\.go$",
    "workload$",
    "sha256|crc32",
    "cmp.Less",
    "Sort",
    "nosuchfunction",
];

fn re(s: &str) -> Regex {
    compile_go_regex(s).unwrap()
}

#[test]
fn name_filters_agree_with_pprofs_algorithm_on_real_profiles() {
    let mut checked = 0;
    for name in PROFILES {
        let p0 = load(name);
        for (i, a) in PATTERNS.iter().enumerate() {
            let b = PATTERNS[(i + 3) % PATTERNS.len()];
            let c = PATTERNS[(i + 7) % PATTERNS.len()];
            let (ra, rb, rc) = (re(a), re(b), re(c));
            let combos: [[Option<&Regex>; 4]; 7] = [
                [Some(&ra), None, None, None],
                [None, Some(&ra), None, None],
                [None, None, Some(&ra), None],
                [None, None, None, Some(&ra)],
                [Some(&ra), Some(&rb), None, None],
                [None, None, Some(&ra), Some(&rc)],
                [Some(&rb), Some(&rc), Some(&ra), Some(&rb)],
            ];
            for [f, ig, h, s] in combos {
                let (want, want_m) = oracle_by_name(&p0, f, ig, h, s);
                let mut p = p0.clone();
                let got_m = filter_samples_by_name(&mut p, f, ig, h, s);
                let what = format!("{name}: focus={f:?} ignore={ig:?} hide={h:?} show={s:?}");
                assert_eq!(got_m, want_m, "{what}");
                assert_eq!(materialise(&p), want, "{what}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, PROFILES.len() * PATTERNS.len() * 7);
}

#[test]
fn show_from_and_prune_from_agree_with_pprofs_algorithm_on_real_profiles() {
    for name in PROFILES {
        let p0 = load(name);
        for pat in PATTERNS {
            let r = re(pat);
            let (want, want_m) = oracle_show_from(&p0, &r);
            let mut p = p0.clone();
            assert_eq!(show_from(&mut p, &r), want_m, "{name} show_from={pat}");
            assert_eq!(materialise(&p), want, "{name} show_from={pat}");

            let want = oracle_prune_from(&p0, &r);
            let mut p = p0.clone();
            prune_from(&mut p, &r);
            assert_eq!(materialise(&p), want, "{name} prune_from={pat}");
        }
    }
}

#[test]
fn hide_keeps_every_value_whose_sample_keeps_a_frame() {
    // cpu.pb.gz: hiding the sorting code moves its time to the callers;
    // every sample has a main.* frame, so nothing is lost.
    let p0 = load("cpu.pb.gz");
    let total: i64 = p0.samples.values.iter().sum();
    let mut p = p0.clone();
    filter_samples_by_name(&mut p, None, None, Some(&re("slices|cmp")), None);
    let kept = p.samples.len();
    let survivors: i64 = p.samples.values.iter().sum();
    // Only samples made of nothing but hidden frames can go.
    let hidden = re("slices|cmp");
    let lost: i64 = materialise(&p0)
        .iter()
        .filter(|s| {
            s.frames.iter().all(|f| {
                matches_name(&hidden, f) && f.lines.iter().all(|l| line_matches(&hidden, l))
            })
        })
        .map(|s| s.values.iter().sum::<i64>())
        .sum();
    assert_eq!(survivors, total - lost);
    assert!(kept > 0);
    // No frame of a hidden function is left.
    for s in materialise(&p) {
        for f in &s.frames {
            assert!(f.lines.iter().all(|l| !line_matches(&hidden, l)));
        }
    }
}

#[test]
fn tag_ranges_on_the_heap_profile_agree_with_the_labels() {
    let p0 = load("heap.pb.gz");
    let units = HashMap::from([("bytes".to_string(), "bytes".to_string())]);
    for (value, lo, hi) in [
        ("bytes=8kb:16kb", 8 * 1024, 16 * 1024),
        ("64kb", 65536, 65536),
        (":1kb", i64::MIN, 1024),
        ("16kb:", 16 * 1024, i64::MAX),
    ] {
        let (f, note) = TagFilter::parse(value, &units).unwrap();
        assert!(note.is_some());
        let want: Vec<Vec<i64>> = (0..p0.samples.len())
            .filter(|&i| {
                p0.samples
                    .labels(i)
                    .iter()
                    .any(|l| p0.str(l.key) == "bytes" && l.num >= lo && l.num <= hi)
            })
            .map(|i| p0.samples.values(i).to_vec())
            .collect();
        assert!(!want.is_empty(), "{value} matches some heap samples");
        let mut p = p0.clone();
        assert_eq!(filter_samples_by_tag(&mut p, Some(&f), None), (true, false));
        let got: Vec<Vec<i64>> = (0..p.samples.len())
            .map(|i| p.samples.values(i).to_vec())
            .collect();
        assert_eq!(got, want, "{value}");
    }
}
