//! Differential flame graphs on the fixture pairs (v1 → v2): v2 adds
//! `main.encodeHex` and `main.sortRecords`, v1 alone has
//! `main.checksumRecords` (and, in the heap profiles, the labelled
//! goroutines `main.runLabelled.*`).

use crate::common;

use common::{Frame, frames, load, report};
use rprof_flame::{FlameOptions, write_diff_svg};
use rprof_report::Report;
use std::collections::HashMap;

fn diff_svg(base: &Report, current: &Report, opts: &FlameOptions) -> String {
    let mut out = Vec::new();
    write_diff_svg(base, current, opts, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn is_red(c: (u8, u8, u8)) -> bool {
    c.0 == 255 && c.1 == c.2 && c.1 < 250
}

fn is_blue(c: (u8, u8, u8)) -> bool {
    c.2 == 255 && c.0 == c.1 && c.0 < 250
}

/// The value through every stack prefix (`a;b` → all samples under a;b),
/// from the folded stacks (themselves checked against a naive fold).
fn path_values(r: &Report) -> HashMap<String, i64> {
    let keys = rprof_report::graph::NodeKeys::for_report(r);
    let mut out: HashMap<String, i64> = HashMap::new();
    for (stack, v) in rprof_flame::folded(r, &keys, &FlameOptions::default()) {
        let mut end = 0;
        for part in stack.split(';') {
            end += part.len();
            *out.entry(stack[..end].to_string()).or_default() += v;
            end += 1;
        }
    }
    out
}

/// `a;b;c` of a drawn frame, from its ancestors' extents.
fn path_of(fr: &[Frame], f: &Frame) -> String {
    let mut names = vec![f.name.as_str()];
    let mut cur = f;
    while cur.depth > 1 {
        cur = fr
            .iter()
            .find(|p| p.depth + 1 == cur.depth && p.x <= cur.x && cur.x + cur.w <= p.x + p.w)
            .expect("parent frame");
        names.push(&cur.name);
    }
    names.reverse();
    names.join(";")
}

fn negate() -> FlameOptions {
    FlameOptions {
        negate: true,
        ..Default::default()
    }
}

#[test]
fn grown_is_red_and_shrunk_is_blue() {
    // (base, current, sample index, a function only in v1's samples)
    for (v1, v2, index, gone_fn) in [
        ("cpu.pb.gz", "cpu.v2.pb.gz", "", "main.checksumRecords"),
        // checksumRecords allocates nothing; the labelled goroutines of v1 do.
        (
            "heap.pb.gz",
            "heap.v2.pb.gz",
            "alloc_space",
            "main.runLabelled.func1.1",
        ),
    ] {
        let (p1, p2) = (load(v1), load(v2));
        let (r1, r2) = (report(&p1, index), report(&p2, index));
        let current = frames(&diff_svg(&r1, &r2, &FlameOptions::default()));
        let base = frames(&diff_svg(&r1, &r2, &negate()));

        // Sized by the current profile, or by the base with negate.
        let root = |fr: &[Frame]| fr.iter().find(|f| f.depth == 0).unwrap().w as i64;
        assert_eq!(root(&current), r2.total(), "{v2}");
        assert_eq!(root(&base), r1.total(), "{v1}");

        // Only in v2: drawn red; absent when sized by the base.
        let new: Vec<&Frame> = current
            .iter()
            .filter(|f| f.name == "main.encodeHex")
            .collect();
        assert!(!new.is_empty(), "{v2}: main.encodeHex drawn");
        for f in &new {
            assert!(is_red(f.fill), "{v2}: new main.encodeHex is red: {f:?}");
            assert!(f.info.ends_with(", new"), "{}", f.info);
        }
        assert!(base.iter().all(|f| f.name != "main.encodeHex"));

        // Only in v1: drawn blue when sized by the base, absent otherwise.
        let gone: Vec<&Frame> = base.iter().filter(|f| f.name == gone_fn).collect();
        assert!(!gone.is_empty(), "{v1}: {gone_fn} drawn with negate");
        for f in &gone {
            assert!(is_blue(f.fill), "{v1}: vanished {gone_fn} is blue: {f:?}");
            assert!(f.info.contains("now 0"), "{}", f.info);
            assert!(f.info.ends_with("-100.00%"), "{}", f.info);
        }
        assert!(current.iter().all(|f| f.name != gone_fn));

        // Every frame: red exactly when the value through its path grew.
        let (f1, f2) = (path_values(&r1), path_values(&r2));
        let mut checked = 0;
        for (drawn, sized_by) in [(&current, &f2), (&base, &f1)] {
            for f in drawn.iter().filter(|f| f.depth > 0) {
                let path = path_of(drawn, f);
                let change =
                    f2.get(&path).copied().unwrap_or(0) - f1.get(&path).copied().unwrap_or(0);
                assert_eq!(f.w as i64, sized_by[&path], "{v2}: width of {path}");
                match change.signum() {
                    1 => assert!(is_red(f.fill), "{v2}: {path} grew by {change}: {f:?}"),
                    -1 => assert!(is_blue(f.fill), "{v2}: {path} shrank by {change}: {f:?}"),
                    _ => assert_eq!(f.fill, (250, 250, 250), "{path}"),
                }
                checked += 1;
            }
        }
        assert!(checked >= 40, "{v2}: only {checked} frames checked");
    }
}

#[test]
fn tooltips_show_both_values_and_the_change() {
    let (p1, p2) = (load("cpu.pb.gz"), load("cpu.v2.pb.gz"));
    let (r1, r2) = (report(&p1, ""), report(&p2, ""));
    let out = diff_svg(
        &r1,
        &r2,
        &FlameOptions {
            source: Some("cpu.v2.pb.gz".into()),
            base_source: Some("cpu.pb.gz".into()),
            ..Default::default()
        },
    );
    assert!(out.contains(">Differential flame graph: cpu.pb.gz → cpu.v2.pb.gz</text>"));
    assert!(out.contains("Total: 1.49s → 1.25s (-16.11%)"), "subtitle");
    let fr = frames(&out);
    let root = fr.iter().find(|f| f.depth == 0).unwrap();
    assert_eq!(root.info, "1.25s, 100%; was 1.49s, -240ms, -16.11%");
}

#[test]
fn normalize_scales_the_base_to_the_current_total() {
    let (p1, p2) = (load("cpu.pb.gz"), load("cpu.v2.pb.gz"));
    let (r1, r2) = (report(&p1, ""), report(&p2, ""));
    let opts = FlameOptions {
        normalize: true,
        ..Default::default()
    };
    let fr = frames(&diff_svg(&r1, &r2, &opts));
    let root = fr.iter().find(|f| f.depth == 0).unwrap();
    assert_eq!(root.info, "1.25s, 100%; was 1.25s, unchanged");
    assert_eq!(root.fill, (250, 250, 250));
}

#[test]
fn differential_output_is_deterministic() {
    let render = || {
        let (p1, p2) = (load("heap.pb.gz"), load("heap.v2.pb.gz"));
        let (r1, r2) = (report(&p1, ""), report(&p2, ""));
        (
            diff_svg(&r1, &r2, &FlameOptions::default()),
            diff_svg(&r1, &r2, &negate()),
        )
    };
    assert!(render() == render());
}
