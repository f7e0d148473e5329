//! Helpers shared by the integration tests: fixtures, and an SVG reader
//! built on a real XML parser (so every test also checks well-formedness).
#![allow(dead_code)]

use rprof_profile::Profile;
use rprof_report::{Report, ReportOptions};
use std::path::PathBuf;

/// Every protobuf fixture with one profile kind each.
pub const FIXTURES: &[&str] = &[
    "cpu.pb.gz",
    "heap.pb.gz",
    "allocs.pb.gz",
    "block.pb.gz",
    "mutex.pb.gz",
    "goroutine.pb.gz",
    "threadcreate.pb.gz",
    "cpu_labels.pb.gz",
];

pub fn fixture_path(name: &str) -> PathBuf {
    rprof_testkit::fixture("profiles").join(name)
}

/// Reads a fixture as the CLI does (parse, then combine).
pub fn load(name: &str) -> Profile {
    let data = std::fs::read(fixture_path(name)).unwrap();
    let p = rprof_profile::parse(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
    rprof_profile::combine(vec![p]).unwrap()
}

/// A report at `sample_index` (a name or number; "" for the default).
pub fn report<'p>(p: &'p Profile, sample_index: &str) -> Report<'p> {
    let opts = ReportOptions {
        sample_index: sample_index.to_string(),
        ..ReportOptions::default()
    };
    Report::new(p, &opts).unwrap()
}

/// One drawn frame of a flame graph SVG.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The name, without the tooltip's parenthesised details.
    pub name: String,
    /// The details: `1.20s, 45.60%`.
    pub info: String,
    pub fill: (u8, u8, u8),
    pub x: u64,
    pub w: u64,
    pub depth: usize,
}

const FG: &str = "http://github.com/jonhoo/inferno";

/// Parses an SVG (panicking unless it is well-formed XML) and returns its
/// frames, with depths (0 = the root).
pub fn frames(svg: &str) -> Vec<Frame> {
    parse(svg).0
}

fn parse(svg: &str) -> (Vec<Frame>, bool) {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(svg, opts)
        .unwrap_or_else(|e| panic!("SVG is not well-formed XML: {e}"));
    let container = doc
        .descendants()
        .find(|n| n.has_tag_name("svg") && n.attribute("id") == Some("frames"))
        .expect("frames container");
    let mut raw = Vec::new();
    for g in container.children().filter(|n| n.has_tag_name("g")) {
        let title = g
            .children()
            .find(|n| n.has_tag_name("title"))
            .and_then(|t| t.text())
            .expect("frame title")
            .to_string();
        let rect = g.children().find(|n| n.has_tag_name("rect")).expect("rect");
        let num = |v: Option<&str>| -> u64 { v.expect("attribute").parse().expect("number") };
        let fill = rect.attribute("fill").expect("fill");
        let rgb: Vec<u8> = fill
            .trim_start_matches("rgb(")
            .trim_end_matches(')')
            .split(',')
            .map(|c| c.trim().parse().expect("colour component"))
            .collect();
        let cut = title.rfind(" (").expect("title has details");
        raw.push((
            Frame {
                name: title[..cut].to_string(),
                info: title[cut + 2..title.len() - 1].to_string(),
                fill: (rgb[0], rgb[1], rgb[2]),
                x: num(rect.attribute((FG, "x"))),
                w: num(rect.attribute((FG, "w"))),
                depth: 0,
            },
            num(rect.attribute("y")),
        ));
    }
    // The root ("all") is the frame whose y is at one end of the range.
    let root_y = raw
        .iter()
        .find(|(f, _)| f.name == "all")
        .map(|(_, y)| *y)
        .expect("root frame");
    let mut ys: Vec<u64> = raw.iter().map(|(_, y)| *y).collect();
    ys.sort_unstable();
    ys.dedup();
    let inverted = ys[0] == root_y;
    let frames = raw
        .into_iter()
        .map(|(mut f, y)| {
            let rank = ys.binary_search(&y).unwrap();
            f.depth = if inverted { rank } else { ys.len() - 1 - rank };
            f
        })
        .collect();
    (frames, inverted)
}

/// True when the root is drawn at the top (an icicle graph).
pub fn is_icicle(svg: &str) -> bool {
    parse(svg).1
}

/// Parses a value as rprof and pprof print it (`380ms`, `0.38s`, `7.40MB`,
/// `1234`) into the unit's base (ns, bytes, count).
pub fn parse_value(s: &str) -> f64 {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().unwrap_or_else(|_| panic!("not a value: {s:?}"));
    let f = match unit.trim() {
        // A count and its name: `3455 contentions`.
        _ if unit.starts_with(' ') => 1.0,
        "" => 1.0,
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "B" => 1.0,
        "kB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        other => panic!("unknown unit {other:?} in {s:?}"),
    };
    n * f
}
