//! Parity with `go tool pprof`, byte for byte.
//!
//! Every case of `fixtures/cases.txt` is an rprof command line; its
//! expected output in `fixtures/expected/ID.out` was written by the real
//! `go tool pprof` (translated arguments, see fixtures/README.md) when
//! `cargo xtask fixtures` ran. This test runs the rprof binary on the same
//! committed profiles and compares. It needs no Go.
//!
//! One normalisation: for Go's debug=1 text profiles (`*.txt`), pprof only
//! gets symbols from the binary, which it is given as an extra argument;
//! that is also where its `File:` and `Build ID:` header lines come from.
//! rprof reads the symbols from the text profile itself and has no binary
//! to name, so those two lines are left out of the comparison for them.
//! For their `raw` dumps, the same binary gives pprof's mapping (path and
//! address range) and the functions' start lines, which a text profile
//! does not carry: there the `Samples:` block (every value, location id
//! and label) is compared, and the rest is not.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

struct Case {
    id: String,
    args: Vec<String>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixtures().join("cases.txt"))
        .expect("fixtures/cases.txt is committed");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut words = l.split_whitespace().map(String::from);
            let id = words.next().expect("non-empty line");
            Case {
                id,
                args: words.collect(),
            }
        })
        .collect()
}

fn run_case(case: &Case) -> Result<(), Failed> {
    let expected_dir = fixtures().join("expected");
    let out_path = expected_dir.join(format!("{}.out", case.id));
    let err_path = expected_dir.join(format!("{}.err", case.id));
    let output = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(&case.args)
        .current_dir(fixtures().join("profiles"))
        .env("TZ", "UTC")
        .output()
        .map_err(|e| format!("running rprof: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    if err_path.exists() {
        // pprof refused this input; rprof must refuse it too, in one line.
        if output.status.success() {
            return Err(format!("pprof failed on this case but rprof succeeded:\n{stdout}").into());
        }
        if stderr.lines().count() != 1 || !stderr.starts_with("rprof: ") {
            return Err(format!("expected one `rprof: ` line on stderr, got:\n{stderr}").into());
        }
        return Ok(());
    }

    let expected = std::fs::read_to_string(&out_path)
        .map_err(|e| format!("{}: {e} (run `cargo xtask fixtures`)", out_path.display()))?;
    let text_profile = case.args.iter().any(|a| a.ends_with(".txt"));
    if !output.status.success() {
        return Err(format!("rprof failed ({}):\n{stderr}", output.status).into());
    }
    if text_profile && case.args.first().is_some_and(|a| a == "raw") {
        let (e, a) = (samples_block(&expected), samples_block(&stdout));
        if e.is_empty() {
            return Err("expected output has no Samples: block".into());
        }
        return if e == a { Ok(()) } else { Err(diff(&e, &a).into()) };
    }
    let expected: String = if text_profile {
        expected
            .lines()
            .filter(|l| !l.starts_with("File: ") && !l.starts_with("Build ID: "))
            .map(|l| format!("{l}\n"))
            .collect()
    } else {
        expected
    };
    if case.id.ends_with(".unordered-ties") {
        return if tie_normalized(&expected) == tie_normalized(&stdout) {
            Ok(())
        } else {
            Err(diff(&expected, &stdout).into())
        };
    }
    if stdout != expected {
        return Err(diff(&expected, &stdout).into());
    }
    Ok(())
}

/// The text with every run of `top` rows that tie on flat value and name
/// put in one canonical order (pprof's comparator leaves such rows in Go
/// map order). The sum% column depends on the order, so it is blanked
/// inside a run; everything else must still match.
fn tie_normalized(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let key = |l: &str| -> Option<(String, String)> {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.len() >= 6 && !l.starts_with("Showing") && f[0] != "flat")
            .then(|| (f[0].to_string(), f[5..].join(" ").replace(" (inline)", "")))
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(k) = key(lines[i]) else {
            out.push(lines[i].to_string());
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < lines.len() && key(lines[j]).as_ref() == Some(&k) {
            j += 1;
        }
        let mut run: Vec<String> = lines[i..j]
            .iter()
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                if j - i > 1 {
                    format!("{} {} _ {}", f[0], f[1], f[3..].join(" "))
                } else {
                    f.join(" ")
                }
            })
            .collect();
        run.sort();
        out.extend(run);
        i = j;
    }
    out
}

/// The lines from `Samples:` up to (not including) `Locations`.
fn samples_block(raw: &str) -> String {
    raw.lines()
        .skip_while(|l| *l != "Samples:")
        .take_while(|l| *l != "Locations")
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A short report of where two texts part.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = first.saturating_sub(2);
    let mut s = format!(
        "output differs from go tool pprof's at line {} (expected {} lines, got {})\n",
        first + 1,
        e.len(),
        a.len()
    );
    s.push_str("--- expected (go tool pprof)\n");
    for l in e.iter().skip(from).take(8) {
        s.push_str(&format!("  {l}\n"));
    }
    s.push_str("+++ actual (rprof)\n");
    for l in a.iter().skip(from).take(8) {
        s.push_str(&format!("  {l}\n"));
    }
    s
}

fn main() {
    let args = Arguments::from_args();
    let cases = cases();
    // A parity suite that silently lost its cases would pass vacuously.
    assert!(cases.len() >= 50, "only {} cases in fixtures/cases.txt", cases.len());
    let trials = cases
        .into_iter()
        .map(|c| Trial::test(c.id.clone(), move || run_case(&c)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
