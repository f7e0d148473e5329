//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;

/// `fixtures/` at the workspace root.
pub fn fixtures() -> PathBuf {
    rprof_testkit::fixtures()
}

/// `fixtures/traces/`.
pub fn traces() -> PathBuf {
    fixtures().join("traces")
}

pub fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn gunzip(path: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&read(path)[..])
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    out
}

/// Asserts equal byte strings, reporting the first differing line.
pub fn assert_same(what: &str, want: &[u8], got: &[u8]) {
    if want == got {
        return;
    }
    let w: Vec<&[u8]> = want.split(|&b| b == b'\n').collect();
    let g: Vec<&[u8]> = got.split(|&b| b == b'\n').collect();
    let i = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let show = |v: &[&[u8]]| {
        v.get(i)
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_else(|| "<end>".into())
    };
    panic!(
        "{what}: output differs at line {} (want {} lines, got {}):\n  want: {}\n  got:  {}",
        i + 1,
        w.len(),
        g.len(),
        show(&w),
        show(&g)
    );
}

/// The new- and old-format traces with committed `go tool trace` outputs:
/// (path, name of the expected files).
pub fn parity_traces() -> Vec<(PathBuf, &'static str)> {
    let t = traces();
    let p = fixtures().join("profiles");
    vec![
        (t.join("annotations.trace"), "annotations.trace"),
        (t.join("stress.trace"), "stress.trace"),
        (t.join("gc-stress.trace"), "gc-stress.trace"),
        (p.join("trace.out"), "trace.out"),
        (t.join("go119-small.trace"), "go119-small.trace"),
        (p.join("trace-go119.out"), "trace-go119.out"),
    ]
}

/// A deterministic pseudo-random sequence (no dependency needed).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}
