//! The SVG of a small real profile, byte for byte. rprof's own format, not
//! a pprof parity file: when a change to it is intended, re-bless with
//! `RPROF_BLESS=1 cargo test -p rprof-flame --test snapshot` and review the
//! diff of `tests/snapshots/`.

use crate::common;

use common::{load, report};
use rprof_flame::FlameOptions;

/// One tag per line, so that a change shows as a readable diff.
fn readable(svg: &str) -> String {
    svg.replace("><", ">\n<")
}

fn check(name: &str, svg: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    let got = readable(svg);
    rprof_testkit::check_snapshot(path, &got);
}

#[test]
fn block_profile_svg_snapshot() {
    let p = load("block.pb.gz");
    let r = report(&p, "delay");
    let opts = FlameOptions {
        source: Some("block.pb.gz".into()),
        ..Default::default()
    };
    let mut out = Vec::new();
    rprof_flame::write_svg(&r, &opts, &mut out).unwrap();
    check("block.svg", &String::from_utf8(out).unwrap());
}

#[test]
fn mutex_differential_svg_snapshot() {
    let (p1, p2) = (load("mutex.pb.gz"), load("mutex.v2.pb.gz"));
    let (r1, r2) = (report(&p1, "delay"), report(&p2, "delay"));
    let opts = FlameOptions {
        source: Some("mutex.v2.pb.gz".into()),
        base_source: Some("mutex.pb.gz".into()),
        icicle: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    rprof_flame::write_diff_svg(&r1, &r2, &opts, &mut out).unwrap();
    check("mutex-diff-icicle.svg", &String::from_utf8(out).unwrap());
}
