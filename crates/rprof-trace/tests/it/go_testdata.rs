//! GOROOT's `src/internal/trace/testdata`: the text-form traces of
//! `tests/*.test` with their SUCCESS/FAILURE expectations, and the
//! `FuzzReader` seeds (inputs that once crashed Go's parser: any result
//! but a panic is fine).

use crate::common;

use common::*;
use rprof_trace::text::text_to_wire;
use rprof_trace::{Error, Reader};

/// Reads a whole trace; the error, if any.
fn read_all(bytes: &[u8]) -> (usize, Option<Error>) {
    let mut r = match Reader::new(bytes) {
        Ok(r) => r,
        Err(e) => return (0, Some(e)),
    };
    let mut n = 0;
    loop {
        match r.next_event() {
            Ok(Some(ev)) => {
                // Exercise every accessor and the text form on the way.
                let _ = ev.to_string();
                let _ = ev.state_transition();
                let _ = (
                    ev.range(),
                    ev.task(),
                    ev.region(),
                    ev.log(),
                    ev.label(),
                    ev.metric(),
                    ev.sync(),
                );
                let _ = ev.stack().frames().count();
                n += 1;
            }
            Ok(None) => return (n, None),
            Err(e) => return (n, Some(e)),
        }
    }
}

/// txtar: `-- name --` lines start files.
fn txtar(text: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim_end_matches(['\n', '\r']);
        if let Some(name) = t.strip_prefix("-- ").and_then(|s| s.strip_suffix(" --")) {
            files.push((name.to_string(), String::new()));
        } else if let Some(f) = files.last_mut() {
            f.1.push_str(line);
        }
    }
    files
}

#[test]
fn golden_tests_meet_expectations() {
    let dir = traces().join("go-testdata/tests");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 22, "GOROOT ships 22 .test files");
    let mut failures = Vec::new();
    for p in &paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let files = txtar(&std::fs::read_to_string(p).unwrap());
        assert_eq!(files.len(), 2, "{name}: want expect and trace");
        assert_eq!(
            (files[0].0.as_str(), files[1].0.as_str()),
            ("expect", "trace"),
            "{name}"
        );
        let expect = files[0].1.lines().next().unwrap_or("");
        let wire = text_to_wire(&files[1].1).unwrap_or_else(|e| panic!("{name}: text form: {e}"));
        let (n, err) = read_all(&wire);
        match (expect.split_once(' '), err) {
            (None, None) if expect == "SUCCESS" => {
                assert!(n > 0, "{name}: no events");
            }
            (Some(("FAILURE", pat)), Some(e)) => {
                let pat = rprof_trace::quote::unquote(pat).unwrap();
                let re = regex::Regex::new(std::str::from_utf8(&pat).unwrap()).unwrap();
                let msg = e.cause().to_string();
                if !re.is_match(&msg) {
                    failures.push(format!(
                        "{name}: error {msg:?} does not match {}",
                        re.as_str()
                    ));
                }
            }
            (_, err) => failures.push(format!("{name}: expected {expect}, got {err:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The binary form of each .test file, dumped by `go tool trace -d=wire`
/// and `-d=parsed` (fixtures/traces/expected/go-testdata/): the same bytes.
/// The wire dump also checks the text reader (it must give the text back).
#[test]
fn golden_tests_dump_like_go() {
    let dir = traces().join("go-testdata/tests");
    let exp = traces().join("expected/go-testdata");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let files = txtar(&std::fs::read_to_string(&p).unwrap());
        let wire = text_to_wire(&files[1].1).unwrap();
        for mode in ["wire", "parsed"] {
            let want = gunzip(&exp.join(format!("{name}.{mode}.gz")));
            let want_err = std::fs::read_to_string(exp.join(format!("{name}.{mode}.err"))).ok();
            let mut got = Vec::new();
            let res = match mode {
                "wire" => rprof_trace::dump_wire(&wire[..], &mut got),
                _ => rprof_trace::dump_parsed(&wire[..], &mut got),
            };
            assert_same(&format!("{name} -d={mode}"), &want, &got);
            match (res, want_err) {
                (Ok(()), None) => {}
                (Err(e), Some(w)) => {
                    assert_eq!(e.cause().to_string(), w.trim_end(), "{name} -d={mode}")
                }
                (r, w) => panic!("{name} -d={mode}: got {r:?}, go's stderr {w:?}"),
            }
        }
        n += 1;
    }
    assert_eq!(n, 22);
}

/// Go's fuzz corpus file: `go test fuzz v1` then `[]byte("…")`.
fn fuzz_seed(text: &str) -> Vec<u8> {
    let line = text.lines().nth(1).expect("seed line");
    let lit = line
        .strip_prefix("[]byte(")
        .and_then(|s| s.strip_suffix(')'))
        .expect("[]byte literal");
    rprof_trace::quote::unquote(lit).expect("Go string literal")
}

/// The seeds dumped by `go tool trace` (fixtures/traces/expected/go-fuzz):
/// the same output, and the same first line of the error (Go's errors
/// may go on with a dump of its state in map order).
#[test]
fn fuzz_seeds_dump_like_go() {
    let dir = traces().join("go-testdata/fuzz");
    let exp = traces().join("expected/go-fuzz");
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let seed = fuzz_seed(&std::fs::read_to_string(&p).unwrap());
        for mode in ["wire", "parsed"] {
            let want = read(&exp.join(format!("{name}.{mode}")));
            let want_err = std::fs::read_to_string(exp.join(format!("{name}.{mode}.err"))).ok();
            let mut got = Vec::new();
            let res = match mode {
                "wire" => rprof_trace::dump_wire(&seed[..], &mut got),
                _ => rprof_trace::dump_parsed(&seed[..], &mut got),
            };
            assert_same(&format!("seed {name} -d={mode}"), &want, &got);
            match (res, want_err) {
                (Ok(()), None) => {}
                (Err(e), Some(w)) => assert_eq!(
                    e.cause().to_string().lines().next(),
                    w.lines().next(),
                    "seed {name} -d={mode}"
                ),
                (r, w) => panic!("seed {name} -d={mode}: got {r:?}, go's stderr {w:?}"),
            }
        }
    }
}

#[test]
fn fuzz_seeds_do_not_panic() {
    let dir = traces().join("go-testdata/fuzz");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let seed = fuzz_seed(&std::fs::read_to_string(&p).unwrap());
        let _ = read_all(&seed);
        let _ = rprof_trace::dump_wire(&seed[..], std::io::sink());
        let _ = rprof_trace::dump_parsed(&seed[..], std::io::sink());
        n += 1;
    }
    assert_eq!(n, 17);
}

/// The events of a `-d=parsed` dump with their times left out, sorted
/// (each event with its stack lines).
fn event_multiset(dump: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(dump);
    let time = regex::Regex::new(r" Time=-?\d+").unwrap();
    let mut out: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("M=") || out.is_empty() {
            out.push(time.replace(line, "").into_owned());
        } else {
            out.last_mut().unwrap().push_str(line);
        }
    }
    out.sort();
    out
}

/// GOROOT's old-format traces (`internal/tracev1/testdata`, the small
/// ones) against `go tool trace -d=parsed`. Where Go's own output changes
/// from run to run (it ranges over maps), compare the events as a
/// multiset without times.
#[test]
fn old_format_traces_parse_like_go() {
    let dir = traces().join("go-testdata/tracev1");
    let exp = traces().join("expected/go-tracev1");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let want = gunzip(&exp.join(format!("{name}.parsed.gz")));
        let mut got = Vec::new();
        rprof_trace::dump_parsed(&read(&p)[..], &mut got).unwrap_or_else(|e| panic!("{name}: {e}"));
        if exp.join(format!("{name}.parsed.unordered")).exists() {
            let (w, g) = (event_multiset(&want), event_multiset(&got));
            assert_eq!(w.len(), g.len(), "{name}: number of events");
            if let Some(i) = (0..w.len()).find(|&i| w[i] != g[i]) {
                panic!(
                    "{name}: event multisets differ:\n  want: {}\n  got:  {}",
                    w[i], g[i]
                );
            }
        } else {
            assert_same(&format!("{name} -d=parsed"), &want, &got);
        }
        n += 1;
    }
    assert_eq!(n, 9);
}
