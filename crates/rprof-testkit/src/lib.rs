//! # rprof-testkit: what rprof's integration tests share
//!
//! Every crate's integration tests are one binary (`tests/it/main.rs`
//! with a module per subject) and take their inputs and snapshots from
//! here, so that there is one idea of where the fixtures are, one way to
//! compare outputs, and one bless switch:
//!
//! - [`fixtures`], [`fixture`], [`read`]: the committed inputs under
//!   `fixtures/` (written by real Go programs and the real Go tools);
//! - [`scratch`]: an empty directory per test;
//! - [`assert_same`]: byte-for-byte comparison that names the first
//!   differing line;
//! - [`check_snapshot`]: rprof's own formats against a committed
//!   snapshot; `RPROF_BLESS=1` rewrites the snapshot instead ([`blessing`]
//!   is the only place that reads it).
//!
//! It depends on nothing of rprof's, so every crate can use it without a
//! cycle.

#![warn(missing_docs)]

use std::path::{Path, PathBuf};

/// `fixtures/` at the workspace root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A path under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

/// The bytes of a file, or a panic naming it.
pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A new, empty directory for one test (under the system's temporary
/// directory, named after the process, the call and `name`). Numbered per
/// call because the tests of one binary run in parallel and two of them
/// picking the same name (`trace` in two modules) used to share, and
/// delete, each other's directory. Removed when the returned guard drops,
/// unless the test is failing (then it stays, to be looked at).
pub fn scratch(name: &str) -> Scratch {
    Scratch::new("rprof-test", name)
}

/// A test's scratch directory (see [`scratch`]); derefs to its path.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty directory `<prefix>-<pid>-<call>-<name>` under the
    /// system's temporary directory.
    pub fn new(prefix: &str, name: &str) -> Scratch {
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = std::env::temp_dir().join(format!("{prefix}-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        Scratch(d)
    }
}

impl std::ops::Deref for Scratch {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Whether snapshots are being re-blessed (`RPROF_BLESS=1`).
pub fn blessing() -> bool {
    std::env::var_os("RPROF_BLESS").is_some_and(|v| v == "1")
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

/// Compares `got` with the snapshot at `path`, or, when [`blessing`],
/// writes it there. A missing snapshot fails and says how to create it.
pub fn check_snapshot(path: impl AsRef<Path>, got: &str) {
    let path = path.as_ref();
    if blessing() {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, got).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let want = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with RPROF_BLESS=1 to create it",
            path.display()
        )
    });
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        panic!(
            "{} differs from the snapshot at line {}:\n  got:  {:?}\n  want: {:?}\n\
             (RPROF_BLESS=1 rewrites the snapshot if the change is intended)",
            path.display(),
            line + 1,
            got.lines().nth(line),
            want.lines().nth(line)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_fixtures() {
        assert!(fixture("profiles/cpu.pb.gz").is_file());
    }

    #[test]
    #[should_panic(expected = "differs at line 2")]
    fn names_the_first_differing_line() {
        assert_same("x", b"a\nb\nc", b"a\nB\nc");
    }
}
