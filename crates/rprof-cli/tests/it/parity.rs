//! Parity with `go tool pprof`, byte for byte.
//!
//! Every case of `fixtures/cases.txt` is an rprof command line; its
//! expected output in `fixtures/expected/ID.out` was written by the real
//! `go tool pprof` (translated arguments, see fixtures/README.md) when
//! `cargo xtask fixtures` ran. This test runs the rprof binary on the same
//! committed profiles and compares. It needs no Go.
//!
//! Go's debug=1 text profiles (`*.txt`) are the exception. pprof ignores
//! their symbol comments and symbolizes from the binary, which the xtask
//! passes it; its Go symbolizer folds inlined callees into their caller
//! (`main.hashUnderLock` where the protobuf profile of the same run says
//! `sync.(*Mutex).Lock`), and the binary names runtime frames that Go's
//! text form leaves unnamed. rprof reads the comments instead, so names can
//! legitimately differ. What the text itself carries must still match
//! exactly: for `raw`, every sample's values in order, its labels (rprof
//! may add the goroutine labels pprof drops), and its stack, of which
//! rprof's may lack leading frames that the allocator-frame pruning drops
//! because the comments name them as runtime frames where pprof's
//! symbolizer named their caller; for `top` and `traces`, the `Type:`
//! line, the total, and the multiset of sample values (`traces`) — pprof's
//! unsampling arithmetic and unit formatting, to the digit.
//!
//! Outputs that are not plain text are compared as what they hold:
//! `topproto` (gzipped protobuf) after inflating, since gzip headers and
//! compression levels are not part of the report; images byte for byte
//! (pprof pipes its DOT through Graphviz's `dot`, and so does rprof), PDF
//! with its `/CreationDate` masked. They hold only with the Graphviz that
//! drew the expected outputs (`fixtures/graphviz.txt`); with another one,
//! or none, the image cases are skipped, saying so. `disasm` cases need
//! the workload binary the profiles came from: the test builds it from
//! `fixtures/go/workload` with the Go of `fixtures/go-build.txt`
//! (`$RPROF_GO`, `go` on PATH, /opt/govenv/bin/go), and skips those cases,
//! saying so, without that Go. Their instruction text differs (Go's
//! assembly syntax in pprof, GNU's in rprof); everything else on every
//! line — values, addresses, source lines, inlined callers — must match.

use rayon::prelude::*;
use rprof_testkit::fixtures;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Why a case failed.
type Failed = String;

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

/// `proto` and `merge` write a profile, as `pprof -proto` does: to stdout
/// here, and compared decoded (see [`compare_protos`]).
fn writes_profile(case: &Case) -> bool {
    matches!(
        case.args.first().map(String::as_str),
        Some("proto" | "merge")
    )
}

/// The workload binary as the cases name it (relative to
/// fixtures/profiles, where pprof ran).
const WORKLOAD: &str = "../build/workload";

/// Why a case cannot run here, if it cannot.
fn unavailable(case: &Case) -> Option<&'static str> {
    if case.args.iter().any(|a| a == WORKLOAD) && workload().is_err() {
        return Some("disasm");
    }
    if is_image(case) && !same_graphviz() {
        return Some("image");
    }
    None
}

fn is_image(case: &Case) -> bool {
    case.args.first().is_some_and(|a| a == "graph")
        && case.args.iter().any(|a| {
            ["png", "pdf", "gif", "ps", "eps"]
                .iter()
                .any(|f| *a == format!("--format={f}"))
        })
}

/// $PATH without the directories that hold a `go` command.
fn path_without_go() -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::env::split_paths(&path).filter(|d| !d.join("go").exists()))
        .unwrap_or_default()
}

fn run_case(case: &Case) -> Result<(), Failed> {
    let expected_dir = fixtures().join("expected");
    let out_path = expected_dir.join(format!("{}.out", case.id));
    let err_path = expected_dir.join(format!("{}.err", case.id));
    let mut args = case.args.clone();
    if writes_profile(case) {
        args.splice(1..1, ["-o".to_string(), "-".to_string()]);
    }
    for a in &mut args {
        if a == WORKLOAD {
            let bin = workload().map_err(|e| e.to_string())?;
            *a = bin.display().to_string();
        }
    }
    let output = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(&args)
        .current_dir(fixtures().join("profiles"))
        .env("TZ", "UTC")
        // What pprof saw when it wrote the expected outputs: `list` finds
        // sources on the search path alone. rprof's also looks in GOROOT
        // and the module cache (asking `go env`), which, with a Go on
        // PATH, found runtime/malloc.go where pprof says it could not.
        .env("PATH", path_without_go())
        .env_remove("GOROOT")
        .env_remove("GOMODCACHE")
        .env("GOPATH", fixtures().join("no-gopath"))
        .output()
        .map_err(|e| format!("running rprof: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    if err_path.exists() {
        // pprof refused this input; rprof must refuse it too, in one line.
        if output.status.success() {
            return Err(format!(
                "pprof failed on this case but rprof succeeded:\n{stdout}"
            ));
        }
        if stderr.lines().count() != 1 || !stderr.starts_with("rprof: ") {
            return Err(format!(
                "expected one `rprof: ` line on stderr, got:\n{stderr}"
            ));
        }
        return Ok(());
    }

    if writes_profile(case) {
        if !output.status.success() {
            return Err(format!("rprof failed ({}):\n{stderr}", output.status));
        }
        let expected = std::fs::read(&out_path)
            .map_err(|e| format!("{}: {e} (run `cargo xtask fixtures`)", out_path.display()))?;
        return compare_protos(&expected, &output.stdout);
    }
    let expected_bytes = std::fs::read(&out_path)
        .map_err(|e| format!("{}: {e} (run `cargo xtask fixtures`)", out_path.display()))?;
    if !output.status.success() {
        return Err(format!("rprof failed ({}):\n{stderr}", output.status));
    }
    if case.args.first().is_some_and(|a| a == "topproto") {
        let (e, a) = (gunzip(&expected_bytes)?, gunzip(&output.stdout)?);
        return if e == a {
            Ok(())
        } else {
            Err(format!(
                "the inflated protobufs differ ({} bytes expected, {} got)",
                e.len(),
                a.len()
            ))
        };
    }
    if is_image(case) {
        let (e, a) = (
            mask_pdf_date(&expected_bytes),
            mask_pdf_date(&output.stdout),
        );
        return if e == a {
            Ok(())
        } else {
            Err(format!(
                "the images differ ({} bytes expected, {} got)",
                e.len(),
                a.len()
            ))
        };
    }
    let expected = String::from_utf8(expected_bytes)
        .map_err(|e| format!("{}: not UTF-8: {e}", out_path.display()))?;
    if case.args.first().is_some_and(|a| a == "disasm") {
        let (e, a) = (
            without_instructions(&expected),
            without_instructions(&stdout),
        );
        return if e == a { Ok(()) } else { Err(diff(&e, &a)) };
    }
    let text_profile = case.args.iter().any(|a| a.ends_with(".txt"));
    if text_profile && case.args.first().is_some_and(|a| a == "raw") {
        return compare_text_raw(&samples_block(&expected), &samples_block(&stdout));
    }
    if text_profile {
        let (e, a) = (text_profile_facts(&expected), text_profile_facts(&stdout));
        if e.len() < 2 {
            return Err(format!("expected output has too little to compare: {e:?}"));
        }
        return if e == a {
            Ok(())
        } else {
            Err(format!("expected {e:?}\n     got {a:?}"))
        };
    }
    if case.id.ends_with(".unordered-ties") {
        return if tie_normalized(&expected) == tie_normalized(&stdout) {
            Ok(())
        } else {
            Err(diff(&expected, &stdout))
        };
    }
    if stdout != expected {
        return Err(diff(&expected, &stdout));
    }
    Ok(())
}

fn gunzip(data: &[u8]) -> Result<Vec<u8>, Failed> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .map_err(|e| format!("not gzip: {e}"))?;
    Ok(out)
}

/// A PDF with the digits of its `/CreationDate (D:…)` zeroed (same
/// length, so the cross-reference offsets still agree); other formats
/// unchanged.
fn mask_pdf_date(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    if !data.starts_with(b"%PDF") {
        return out;
    }
    let key = b"/CreationDate (D:";
    if let Some(at) = data.windows(key.len()).position(|w| w == key) {
        for b in out[at + key.len()..].iter_mut() {
            if !b.is_ascii_digit() {
                break;
            }
            *b = b'0';
        }
    }
    out
}

/// An annotated-assembly listing with each instruction's text removed:
/// `     10ms       20ms     4fed6f: CALL math/rand.Intn(SB)   ;main.go:326`
/// becomes `     10ms       20ms     4fed6f: ;main.go:326`. pprof puts the
/// source annotation of an instruction whose text is too long for its
/// column on a line of its own, above it; where it goes depends on the
/// text's length, so such a line is joined to its instruction first. The
/// rest of every line is kept as it is.
fn without_instructions(text: &str) -> String {
    let mut out = String::new();
    let mut held: Option<&str> = None;
    for line in text.lines() {
        if line.trim_start().starts_with(';') && line.starts_with(' ') {
            held = Some(line.trim());
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let is_insn = fields.len() >= 3
            && fields[2].ends_with(':')
            && fields[2][..fields[2].len() - 1]
                .chars()
                .all(|c| c.is_ascii_hexdigit());
        if is_insn {
            let colon = line.find(fields[2]).expect("field of the line") + fields[2].len();
            let source = line[colon..]
                .find(" ;")
                .map(|i| line[colon + i + 1..].trim_end())
                .or(held.take());
            out.push_str(&line[..colon]);
            if let Some(s) = source {
                out.push(' ');
                out.push_str(s);
            }
        } else {
            if let Some(h) = held.take() {
                out.push_str(h);
                out.push('\n');
            }
            out.push_str(line.trim_end());
        }
        out.push('\n');
    }
    out
}

/// The Go toolchain, if there is one: `$RPROF_GO`, `go` on PATH,
/// /opt/govenv/bin/go.
fn go() -> Option<PathBuf> {
    if let Some(g) = std::env::var_os("RPROF_GO").filter(|g| !g.is_empty()) {
        return Some(PathBuf::from(g));
    }
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("go"))
            .find(|g| g.is_file())
    });
    on_path.or_else(|| {
        let g = PathBuf::from("/opt/govenv/bin/go");
        g.is_file().then_some(g)
    })
}

/// The value of `key: ` in one of the fixtures' records.
fn recorded(file: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(fixtures().join(file))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim().to_string())
}

/// The workload binary built as `cargo xtask fixtures` builds it, with
/// the Go that built the one the profiles came from (same source, same
/// Go: same addresses and line tables); once per test run.
fn workload() -> Result<&'static Path, &'static str> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let want = recorded("go-build.txt", "go:")
                .ok_or("fixtures/go-build.txt names no Go version")?;
            let go = go().ok_or(format!("no Go toolchain (want {want})"))?;
            let version = Command::new(&go)
                .arg("version")
                .env("GOTOOLCHAIN", "local")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .map_err(|e| format!("{}: {e}", go.display()))?;
            if version != want {
                return Err(format!(
                    "{} is {version}; the profiles were written by {want}",
                    go.display()
                ));
            }
            let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("parity-workload");
            let o = Command::new(&go)
                .args(["build", "-trimpath", "-buildvcs=false", "-o"])
                .arg(&out)
                .arg(".")
                .current_dir(fixtures().join("go/workload"))
                .env("GOTOOLCHAIN", "local")
                .env("GOFLAGS", "-mod=mod")
                .env("GOPROXY", "off")
                .env("CGO_ENABLED", "0")
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("go build: {e}"))?;
            if !o.status.success() {
                return Err(format!(
                    "go build of fixtures/go/workload failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                ));
            }
            Ok(out)
        })
        .as_deref()
        .map_err(String::as_str)
}

/// Whether `dot` is the Graphviz that drew the expected images.
fn same_graphviz() -> bool {
    static SAME: OnceLock<bool> = OnceLock::new();
    *SAME.get_or_init(|| {
        let want = std::fs::read_to_string(fixtures().join("graphviz.txt"))
            .ok()
            .and_then(|t| t.lines().find(|l| !l.starts_with('#')).map(String::from));
        let have = Command::new("dot")
            .arg("-V")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_string());
        want.is_some() && want == have
    })
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

/// What a report of a text profile must agree on with pprof's: the Type
/// line, the total, and the sorted values of the `traces` entries.
fn text_profile_facts(out: &str) -> Vec<String> {
    let mut facts = Vec::new();
    let mut values = Vec::new();
    let mut after_separator = false;
    for l in out.lines() {
        if l.starts_with("Type: ") {
            facts.push(l.to_string());
        } else if let Some(rest) = l.strip_prefix("Showing nodes accounting for ") {
            if let Some(total) = rest.rsplit(" of ").next() {
                facts.push(format!("total {total}"));
            }
        } else if l.starts_with("-----------+") {
            after_separator = true;
            continue;
        } else if after_separator && !l.contains(":  ") {
            values.push(l.split_whitespace().next().unwrap_or("").to_string());
            after_separator = false;
        }
    }
    values.sort();
    if !values.is_empty() {
        facts.push(format!("values {}", values.join(" ")));
    }
    facts
}

/// One sample of a raw dump: values, stack, label lines.
#[derive(Debug)]
struct RawSample {
    values: String,
    stack: Vec<String>,
    labels: Vec<String>,
}

fn raw_samples(block: &str) -> Vec<RawSample> {
    let mut out: Vec<RawSample> = Vec::new();
    for l in block.lines().skip(2) {
        if let Some((values, stack)) = l.split_once(':').filter(|(v, _)| {
            !v.trim().is_empty()
                && v.trim()
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        }) {
            out.push(RawSample {
                values: values.split_whitespace().collect::<Vec<_>>().join(" "),
                stack: stack.split_whitespace().map(String::from).collect(),
                labels: Vec::new(),
            });
        } else if let Some(last) = out.last_mut() {
            last.labels.push(l.trim().to_string());
        }
    }
    out
}

fn compare_text_raw(expected: &str, actual: &str) -> Result<(), Failed> {
    if expected.lines().nth(1) != actual.lines().nth(1) {
        return Err(diff(expected, actual));
    }
    let (e, a) = (raw_samples(expected), raw_samples(actual));
    if e.is_empty() || e.len() != a.len() {
        return Err(format!(
            "{} samples expected, {} found\n{}",
            e.len(),
            a.len(),
            diff(expected, actual)
        ));
    }
    for (i, (e, a)) in e.iter().zip(&a).enumerate() {
        let suffix =
            a.stack.len() <= e.stack.len() && e.stack.ends_with(&a.stack) && !a.stack.is_empty();
        let labels = e.labels.iter().all(|l| a.labels.contains(l));
        if e.values != a.values || !suffix || !labels {
            return Err(format!("sample {i}: expected {e:?}\n          got {a:?}"));
        }
    }
    Ok(())
}

/// The lines from `Samples:` up to (not including) `Locations`.
fn samples_block(raw: &str) -> String {
    raw.lines()
        .skip_while(|l| *l != "Samples:")
        .take_while(|l| *l != "Locations")
        .map(|l| format!("{l}\n"))
        .collect()
}

/// pprof's `-proto` output and rprof's, compared as `-raw` dumps of both
/// (samples, locations with their lines and function names, mappings, drop
/// frames, comments) and on every function's system name, which `-raw`
/// does not show but `merge` must keep (for the functions in use). Both are decoded by rprof's reader
/// without demangling (`demangle=none` would reset names), so what each
/// tool wrote is what is compared.
fn compare_protos(expected: &[u8], actual: &[u8]) -> Result<(), Failed> {
    let opts = rprof_profile::ReadOptions {
        symbolize: rprof_profile::Symbolize {
            off: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let decode = |what: &str, b: &[u8]| {
        let p = rprof_profile::parse_with(b, &opts).map_err(|e| format!("{what}: {e}"))?;
        let mut raw = String::new();
        rprof_report::raw::write_raw(&p, &mut raw).map_err(|e| format!("{what}: {e}"))?;
        // Functions that some location uses (a writer may keep or drop
        // the others).
        let systems: std::collections::BTreeSet<String> = (0..p.locations.len())
            .flat_map(|l| p.location_lines(l as u32))
            .map(|line| {
                let f = &p.functions[line.function as usize];
                format!("{} <- {}", p.str(f.name), p.str(f.system_name))
            })
            .collect();
        let systems: Vec<String> = systems.into_iter().collect();
        Ok::<_, Failed>(format!("{raw}\nFunctions:\n{}\n", systems.join("\n")))
    };
    let (e, a) = (decode("pprof's", expected)?, decode("rprof's", actual)?);
    if e != a {
        return Err(diff(&e, &a));
    }
    Ok(())
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

/// Every case, in parallel; all failures are reported together, each
/// with its id (`RPROF_CASE=ID` runs only the cases whose id contains ID).
#[test]
fn every_case_equals_go_tool_pprof() {
    let cases = cases();
    // A parity suite that silently lost its cases would pass vacuously.
    assert!(
        cases.len() >= 50,
        "only {} cases in fixtures/cases.txt",
        cases.len()
    );
    let only = std::env::var("RPROF_CASE").ok();
    let chosen: Vec<&Case> = cases
        .iter()
        .filter(|c| only.as_deref().is_none_or(|o| c.id.contains(o)))
        .collect();
    // Cases this machine cannot run (no Go of the fixtures' version for
    // disasm, another Graphviz for images) are named, not passed.
    let (skipped, runnable): (Vec<&Case>, Vec<&Case>) =
        chosen.into_iter().partition(|c| unavailable(c).is_some());
    if !skipped.is_empty() {
        let why = |what| match what {
            "disasm" => workload().err().unwrap_or_default().to_string(),
            _ => "dot is missing or not the Graphviz of fixtures/graphviz.txt".to_string(),
        };
        for what in ["disasm", "image"] {
            let ids: Vec<&str> = skipped
                .iter()
                .filter(|c| unavailable(c) == Some(what))
                .map(|c| c.id.as_str())
                .collect();
            if !ids.is_empty() {
                eprintln!(
                    "parity: skipped {} {what} case(s) ({}): {}",
                    ids.len(),
                    why(what),
                    ids.join(" ")
                );
            }
        }
    }
    let failures: Vec<String> = runnable
        .par_iter()
        .filter_map(|c| run_case(c).err().map(|e| format!("{}: {e}", c.id)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from go tool pprof:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
