//! Inputs of the analysis tests: the traces with outputs of the real
//! `go tool trace` under fixtures/traces/expected-analysis/ (see
//! fixtures/traces/regen-analysis.sh).
#![allow(dead_code)]

use std::path::PathBuf;

use crate::common::{fixtures, read, traces};

/// `fixtures/traces/expected-analysis/`.
pub fn expected_dir() -> PathBuf {
    traces().join("expected-analysis")
}

/// A trace under test: its name in the expected files and its bytes.
pub struct Input {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Cut short on purpose (a prefix of a whole trace).
    pub truncated: bool,
}

fn input(name: &str, path: PathBuf) -> Input {
    Input {
        name: name.to_string(),
        bytes: read(&path),
        truncated: false,
    }
}

/// The whole traces with pprof outputs.
pub fn whole() -> Vec<Input> {
    let t = traces();
    let p = fixtures().join("profiles");
    let i = expected_dir().join("inputs");
    vec![
        input("trace.out", p.join("trace.out")),
        input("annotations.trace", t.join("annotations.trace")),
        input("stress.trace", t.join("stress.trace")),
        input("gc-stress.trace", t.join("gc-stress.trace")),
        input("go119-small.trace", t.join("go119-small.trace")),
        input("trace-go119.out", p.join("trace-go119.out")),
        input("multigen.trace", i.join("multigen.trace")),
        input("cgo-callback.trace", i.join("cgo-callback.trace")),
    ]
}

/// The whole trace of [`whole`] named `name`.
pub fn whole_named(name: &str) -> Input {
    whole()
        .into_iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no input {name}"))
}

/// The truncated copies of `multigen.trace` the script made: the first N
/// bytes, named `multigen.trace.cut-N`.
pub fn cuts() -> Vec<Input> {
    let whole = read(&expected_dir().join("inputs/multigen.trace"));
    let mut ns: Vec<usize> = std::fs::read_dir(expected_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            let rest = name.strip_prefix("multigen.trace.cut-")?;
            rest.split('.').next()?.parse().ok()
        })
        .collect();
    ns.sort();
    ns.dedup();
    assert!(!ns.is_empty(), "no truncated traces in expected-analysis/");
    ns.into_iter()
        .map(|n| Input {
            name: format!("multigen.trace.cut-{n}"),
            bytes: whole[..n].to_vec(),
            truncated: true,
        })
        .collect()
}

/// Whether the web UI pages were captured for `name`.
pub fn has_web_pages(name: &str) -> bool {
    expected_dir()
        .join(format!("{name}.goroutines.html"))
        .exists()
}
