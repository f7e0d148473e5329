//! `dump_wire` / `dump_parsed` against `go tool trace -d=wire|parsed`
//! (Go 1.27.3), byte for byte, on every committed trace. The expected
//! outputs were written by the real tool: see fixtures/traces/README.md.

use crate::common;

use common::*;

fn check(mode: &str, trace: &std::path::Path, name: &str) {
    let exp = traces().join("expected");
    let want = gunzip(&exp.join(format!("{name}.{mode}.gz")));
    let want_err = std::fs::read_to_string(exp.join(format!("{name}.{mode}.err"))).ok();
    let input = read(trace);
    let mut got = Vec::new();
    let res = match mode {
        "wire" => rprof_trace::dump_wire(&input[..], &mut got),
        _ => rprof_trace::dump_parsed(&input[..], &mut got),
    };
    assert_same(&format!("{name} -d={mode}"), &want, &got);
    match (res, want_err) {
        (Ok(()), None) => {}
        (Err(e), Some(w)) => assert_eq!(e.to_string(), w.trim_end(), "{name} -d={mode}: error"),
        (r, w) => panic!("{name} -d={mode}: got {r:?}, go's stderr {w:?}"),
    }
}

#[test]
fn wire_matches_go() {
    for (path, name) in parity_traces() {
        check("wire", &path, name);
    }
}

#[test]
fn parsed_matches_go_new_format() {
    for (path, name) in parity_traces() {
        let head = read(&path);
        if rprof_trace::version::parse_header(&head)
            .unwrap()
            .0
            .is_old_format()
        {
            continue;
        }
        check("parsed", &path, name);
    }
}

#[test]
fn parsed_matches_go_old_format() {
    for (path, name) in parity_traces() {
        let head = read(&path);
        if !rprof_trace::version::parse_header(&head)
            .unwrap()
            .0
            .is_old_format()
        {
            continue;
        }
        check("parsed", &path, name);
    }
}
