//! `cargo xtask bench`: rprof and the Go tools side by side, in one run,
//! on the same inputs: best wall time and peak RSS of each command, and
//! their ratios. Numbers from different runs are not comparable on these
//! noisy machines; ratios from one run are.
//!
//! Peak RSS comes from `wait4`'s rusage of each child, so it is the
//! command's own high-water mark, not the bench's.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

struct Measure {
    wall: f64,
    rss_kb: i64,
}

/// Runs `cmd` to completion with output discarded and reports its wall
/// time and peak RSS.
fn measure(mut cmd: Command) -> Result<Measure> {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let child = cmd.spawn().with_context(|| format!("spawning {cmd:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet reaped; the pointers are valid.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    if r < 0 {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{cmd:?} failed with status {status}");
    }
    // The Child was reaped by wait4; forget it rather than wait again.
    std::mem::forget(child);
    Ok(Measure {
        wall,
        rss_kb: usage.ru_maxrss,
    })
}

/// `cargo xtask gen-big ARGS` in a process of its own. Not in this one:
/// a child's peak RSS as `wait4` reports it is at least its parent's RSS
/// when it was spawned (Linux keeps the high-water mark of the memory
/// replaced by `exec`), and generating the inputs leaves this process
/// hundreds of MB big, which became the floor of every rprof figure.
fn gen_big(args: &[String]) -> Result<()> {
    let status = Command::new(std::env::current_exe()?)
        .arg("gen-big")
        .args(args)
        .status()?;
    if !status.success() {
        bail!("xtask gen-big failed");
    }
    Ok(())
}

/// The best (shortest) wall time of `runs` runs, and the largest peak
/// RSS. The best, not the median, for both tools alike: on a shared
/// virtual machine the noise only ever adds time, so the fastest run is
/// the closest to the command's own cost.
fn best_of(runs: usize, make: &dyn Fn() -> Command) -> Result<Measure> {
    let ms: Vec<Measure> = (0..runs.max(1))
        .map(|_| measure(make()))
        .collect::<Result<_>>()?;
    Ok(Measure {
        wall: ms.iter().map(|m| m.wall).fold(f64::INFINITY, f64::min),
        rss_kb: ms.iter().map(|m| m.rss_kb).max().unwrap_or(0),
    })
}

struct Scenario {
    name: String,
    rprof: Vec<String>,
    /// Environment for rprof (the thread count of the merge rows).
    env: Vec<(&'static str, String)>,
    /// The Go tool's binary and arguments, or None when Go has no
    /// equivalent (or is not installed).
    go: Option<(PathBuf, Vec<String>)>,
    /// The input's size, for a throughput column (traces).
    mb: Option<f64>,
    /// At most this many runs of the Go tool (its slowest cases take
    /// half a minute and gigabytes each).
    go_runs: Option<usize>,
}

impl Scenario {
    fn new(name: &str, rprof: String) -> Self {
        Scenario {
            name: name.to_string(),
            rprof: words(&rprof),
            env: Vec::new(),
            go: None,
            mb: None,
            go_runs: None,
        }
    }

    fn go(mut self, tool: &Option<PathBuf>, args: String) -> Self {
        self.go = tool.clone().map(|t| (t, words(&args)));
        self
    }
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5);
    if let Some(i) = args.iter().position(|a| a == "--fleet") {
        let n: usize = args
            .get(i + 1)
            .context("--fleet needs a number of profiles")?
            .parse()
            .context("--fleet N: not a number")?;
        return fleet_bench(root, n, runs);
    }
    // Go's runs take seconds each; three are enough to see past the noise.
    let go_runs = runs.min(3);
    let dir = root.join("target/big");
    let big = dir.join("big.heap.pb.gz");
    let base = dir.join("big-base.heap.pb.gz");
    let fleet_dir = dir.join("fleet");
    let trace = dir.join(crate::genbig::BUSY_TRACE);
    let dense = dir.join(crate::genbig::DENSE_TRACE);
    let deep = dir.join(crate::genbig::DEEP);
    let go_installed = crate::fixtures::installed_go(root).is_some();
    if !big.exists()
        || !base.exists()
        || !fleet_dir.join("000.heap.pb.gz").exists()
        || (go_installed && !(trace.exists() && dense.exists() && deep.exists()))
    {
        gen_big(&[])?;
    }
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet", "-p", "rprof-cli"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    let rprof = root.join("target/release/rprof");
    let pprof = go_tool(root, "pprof");
    let trace_tool = go_tool(root, "trace");

    let (b, bb) = (big.display().to_string(), base.display().to_string());
    let mut fleet: Vec<String> = std::fs::read_dir(&fleet_dir)?
        .map(|e| e.map(|e| e.path().display().to_string()))
        .collect::<std::io::Result<_>>()?;
    fleet.sort();
    let fleet = fleet.join(" ");
    let merged = std::env::temp_dir().join(format!("rprof-bench-{}.pb.gz", std::process::id()));
    let merged = merged.display().to_string();
    let n_fleet = crate::genbig::FLEET;

    let mut scenarios = vec![
        Scenario::new("top", format!("top {b}")).go(&pprof, format!("-top {b}")),
        Scenario::new("traces", format!("traces {b}")).go(&pprof, format!("-traces {b}")),
        Scenario::new("top --base", format!("top --base {bb} {b}"))
            .go(&pprof, format!("-top -base {bb} {b}")),
        Scenario::new("graph (dot)", format!("graph --format dot {b}"))
            .go(&pprof, format!("-dot {b}")),
        Scenario::new("flame", format!("flame -o /dev/null {b}")),
        Scenario::new(
            "flame --base",
            format!("flame -o /dev/null --base {bb} {b}"),
        ),
        Scenario::new("diff --base", format!("diff --base {bb} {b}")),
    ];
    for threads in [1, 0] {
        let mut s = Scenario::new(
            &format!(
                "merge of {n_fleet} profiles{}",
                if threads == 1 { ", 1 thread" } else { "" }
            ),
            format!("merge -o {merged} {fleet}"),
        )
        .go(&pprof, format!("-proto {fleet}"));
        if threads == 1 {
            s.env.push(("RAYON_NUM_THREADS", "1".to_string()));
        }
        scenarios.push(s);
    }
    if deep.exists() {
        let d = deep.display().to_string();
        scenarios.extend([
            Scenario::new("deep: top", format!("top {d}")).go(&pprof, format!("-top {d}")),
            Scenario::new("deep: traces", format!("traces {d}")).go(&pprof, format!("-traces {d}")),
            Scenario::new("deep: flame", format!("flame -o /dev/null {d}")),
        ]);
    }
    if trace.exists() {
        let t = trace.display().to_string();
        let mb = Some(size_mb(&trace));
        for s in [
            Scenario::new(
                "trace pprof --kind sched",
                format!("trace pprof --kind sched -o - {t}"),
            )
            .go(&trace_tool, format!("-pprof=sched {t}")),
            Scenario::new(
                "trace pprof --kind sync",
                format!("trace pprof --kind sync -o - {t}"),
            )
            .go(&trace_tool, format!("-pprof=sync {t}")),
            Scenario::new(
                "trace dump --parsed",
                format!("trace dump --parsed -o - {t}"),
            )
            .go(&trace_tool, format!("-d=parsed {t}")),
            Scenario::new("trace summary", format!("trace summary {t}")),
        ] {
            scenarios.push(Scenario { mb, ..s });
        }
    }
    if dense.exists() {
        let t = dense.display().to_string();
        let mb = Some(size_mb(&dense));
        for s in [
            Scenario::new(
                "dense: trace pprof --kind sched",
                format!("trace pprof --kind sched -o - {t}"),
            )
            .go(&trace_tool, format!("-pprof=sched {t}")),
            Scenario::new(
                "dense: trace pprof --kind sync",
                format!("trace pprof --kind sync -o - {t}"),
            ),
            Scenario::new("dense: trace summary", format!("trace summary {t}")),
        ] {
            scenarios.push(Scenario {
                mb,
                go_runs: Some(1),
                ..s
            });
        }
    }

    println!("inputs: {} ({:.1} MB), base {}", b, size_mb(&big), bb);
    println!(
        "fleet: {n_fleet} profiles under {} ({:.1} MB)",
        fleet_dir.display(),
        dir_mb(&fleet_dir)
    );
    if deep.exists() {
        println!(
            "deep-stacks profile (fixtures/go/deepalloc): {} ({:.1} MB)",
            deep.display(),
            size_mb(&deep)
        );
    }
    if trace.exists() {
        println!("trace: {} ({:.1} MB)", trace.display(), size_mb(&trace));
    }
    if dense.exists() {
        println!(
            "dense trace: {} ({:.1} MB)",
            dense.display(),
            size_mb(&dense)
        );
    }
    println!(
        "runs per command: {runs} for rprof, {} for Go (best wall time, max peak RSS); {} cores\n",
        go_runs,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| command | rprof | Go tool | speed-up | rprof RSS | Go RSS | memory |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let gunzip_of = |p: &Path| {
        best_of(runs, &|| {
            let mut c = Command::new("gzip");
            c.arg("-dc").arg(p);
            c
        })
    };
    let gunzip = gunzip_of(&big)?;
    let gunzip_deep = if deep.exists() {
        Some(gunzip_of(&deep)?)
    } else {
        None
    };
    let mut notes = Vec::new();
    let mut top_rss_mb = 0;
    let mut top_of: Vec<(&str, f64, i64)> = Vec::new();
    for s in &scenarios {
        let r = best_of(runs, &|| {
            let mut c = Command::new(&rprof);
            c.args(&s.rprof).env("TZ", "UTC");
            for (k, v) in &s.env {
                c.env(k, v);
            }
            c
        })?;
        let g = match &s.go {
            Some((tool, a)) => Some(best_of(s.go_runs.unwrap_or(go_runs), &|| {
                let mut c = Command::new(tool);
                c.args(a).env("TZ", "UTC");
                c
            })?),
            None => None,
        };
        if s.name == "top" {
            top_rss_mb = r.rss_kb / 1024;
        }
        // The targets of issue 18, as ratios of this run.
        let shape = s
            .name
            .strip_prefix("deep: ")
            .map_or("synthetic", |_| "deep");
        let plain = s.name.strip_prefix("deep: ").unwrap_or(&s.name);
        match plain {
            "top" => {
                let gz = if shape == "deep" {
                    gunzip_deep.as_ref().map_or(f64::NAN, |g| g.wall)
                } else {
                    gunzip.wall
                };
                top_of.push((shape, r.wall, r.rss_kb));
                notes.push(format!(
                    "`{}`: {:.2}x the time of `gzip -dc` alone ({:.3} s)",
                    s.name,
                    r.wall / gz,
                    gz
                ));
            }
            "flame" => {
                if let Some(&(_, _, top_rss)) = top_of.iter().find(|t| t.0 == shape) {
                    notes.push(format!(
                        "`{}`: {:.3} s, {:.2}x the peak RSS of `top` on the same profile",
                        s.name,
                        r.wall,
                        r.rss_kb as f64 / top_rss as f64
                    ));
                }
            }
            _ => {}
        }
        if let Some(mb) = s.mb {
            let go = g
                .as_ref()
                .map(|g| format!(", Go {:.0} MB/s", mb / g.wall))
                .unwrap_or_default();
            notes.push(format!(
                "`{}`: rprof {:.0} MB/s of trace{go}",
                s.name,
                mb / r.wall
            ));
        }
        match g {
            Some(g) => println!(
                "| `{}` | {:.3} s | {:.2} s | {:.1}x | {} MB | {} MB | {:.1}x less |",
                s.name,
                r.wall,
                g.wall,
                g.wall / r.wall,
                r.rss_kb / 1024,
                g.rss_kb / 1024,
                g.rss_kb as f64 / r.rss_kb as f64
            ),
            None => println!(
                "| `{}` | {:.3} s | – | – | {} MB | – | – |",
                s.name,
                r.wall,
                r.rss_kb / 1024
            ),
        }
    }
    let _ = std::fs::remove_file(&merged);
    crate::benchweb::rows(&rprof, pprof.as_deref(), &big, runs.min(3), top_rss_mb)?;
    if trace.exists() {
        crate::benchweb::trace_rows(
            &rprof,
            trace_tool.as_deref(),
            &trace,
            &root.join("fixtures/profiles/trace.out"),
            runs.min(3),
        )?;
    }
    println!(
        "\n`gzip -dc` of the big profile alone: {:.3} s. Reproduce with `cargo xtask bench`.",
        gunzip.wall
    );
    if let Some(g) = &gunzip_deep {
        println!(
            "`gzip -dc` of the deep-stacks profile alone: {:.3} s.",
            g.wall
        );
    }
    for n in notes {
        println!("{n}");
    }
    if pprof.is_none() {
        println!("(Go not found: Go columns left empty)");
    }
    Ok(())
}

fn dir_mb(p: &Path) -> f64 {
    std::fs::read_dir(p)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len() as f64 / 1e6)
                .sum()
        })
        .unwrap_or(0.0)
}

fn size_mb(p: &Path) -> f64 {
    std::fs::metadata(p)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0)
}

/// The binary behind `go tool NAME` (pprof, trace), resolved once, so
/// that each measurement is the tool itself and not the go command's
/// start-up. None when Go is not installed (nothing is installed here).
fn go_tool(root: &Path, name: &str) -> Option<PathBuf> {
    let go = crate::fixtures::installed_go(root)?;
    let out = Command::new(&go)
        .env("GOTOOLCHAIN", "local")
        .args(["tool", "-n", name])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Every file under `dir` (recursively).
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            if e.file_type()?.is_dir() {
                todo.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    Ok(out)
}

fn tree_mb(dir: &Path) -> Result<f64> {
    Ok(files_under(dir)?.iter().map(|f| size_mb(f)).sum())
}

/// `cargo xtask bench --fleet N`: `rprof fleet` (a release build with the
/// `fleet` feature) on the fleet of `gen-big --fleet N`: ingest rate,
/// dataset size against the gzipped inputs, `fleet top` over everything,
/// one service and one hour, against `rprof merge` + `rprof top` of the
/// same files and `go tool pprof -top` (on the hour's files only: N/10).
fn fleet_bench(root: &Path, n: usize, runs: usize) -> Result<()> {
    let input = root.join(format!("target/big/fleet-{n}"));
    if !input.exists() {
        gen_big(&["--fleet".to_string(), n.to_string()])?;
    }
    let status = Command::new("cargo")
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "rprof-cli",
            "--features",
            "fleet",
        ])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("cargo build --release --features fleet failed");
    }
    let rprof = root.join("target/release/rprof");
    let pprof = go_tool(root, "pprof");
    let dataset = root.join(format!("target/big/fleet-{n}.dataset"));
    let _ = std::fs::remove_dir_all(&dataset);
    let rcmd = |args: &[&str]| {
        let mut c = Command::new(&rprof);
        c.args(args).env("TZ", "UTC");
        c
    };
    let (ds, inp) = (dataset.display().to_string(), input.display().to_string());
    let ingest = measure(rcmd(&[
        "fleet",
        "ingest",
        "-q",
        "--partition-by",
        "service",
        "-o",
        &ds,
        &inp,
    ]))?;
    let in_mb = tree_mb(&input)?;
    let ds_mb = tree_mb(&dataset)?;
    let mut all = files_under(&input)?;
    // File names start with the hour and the profile's index: by name is by time.
    all.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    let hour_prefix = "h03-";
    let hour_files: Vec<PathBuf> = all
        .iter()
        .filter(|f| {
            f.file_name()
                .is_some_and(|x| x.to_string_lossy().starts_with(hour_prefix))
        })
        .cloned()
        .collect();
    let api_files: Vec<PathBuf> = all
        .iter()
        .filter(|f| f.to_string_lossy().contains("/service=api/"))
        .cloned()
        .collect();
    let hour_start = crate::genbig::FLEET_START_NANOS / 1_000_000_000 + 3 * 3600;
    let ts = |secs: i64| format!("to_timestamp({secs})");
    let hour_where = format!(
        "time >= {} AND time < {}",
        ts(hour_start),
        ts(hour_start + 3600)
    );
    println!(
        "fleet: {n} profiles under {inp} ({in_mb:.1} MB gzipped); {} cores; best of {runs} runs\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "ingest: {:.1} s, {:.0} profiles/s, {:.1} MB/s of gzipped input, peak RSS {} MB",
        ingest.wall,
        n as f64 / ingest.wall,
        in_mb / ingest.wall,
        ingest.rss_kb / 1024
    );
    println!(
        "dataset: {ds_mb:.1} MB ({:.2}x the gzipped inputs)\n",
        ds_mb / in_mb
    );
    println!(
        "| selection | profiles | `rprof fleet top` | `rprof merge` + `rprof top` | `go tool pprof -top` | fleet RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let merged =
        std::env::temp_dir().join(format!("rprof-fleet-bench-{}.pb.gz", std::process::id()));
    let m = merged.display().to_string();
    let selections: [(&str, Option<String>, &Vec<PathBuf>); 3] = [
        ("all", None, &all),
        (
            "service=api",
            Some("service = 'api'".to_string()),
            &api_files,
        ),
        ("one hour", Some(hour_where), &hour_files),
    ];
    for (name, cond, files) in selections {
        let mut args = vec!["fleet", "top"];
        if let Some(c) = &cond {
            args.extend(["--where", c]);
        }
        args.push(&ds);
        let fleet = best_of(runs, &|| rcmd(&args))?;
        // Same answer as rprof top of the merged files?
        let out = rcmd(&args).output()?;
        let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let mut margs = vec!["merge", "-o", &m];
        margs.extend(paths.iter().map(String::as_str));
        let merge = best_of(runs.min(3), &|| rcmd(&margs))?;
        let top = best_of(runs, &|| rcmd(&["top", &m]))?;
        let same = rcmd(&["top", &m]).output()?.stdout == out.stdout;
        let go = match &pprof {
            Some(tool) if files.len() <= 1_000 => {
                let g = best_of(1, &|| {
                    let mut c = Command::new(tool);
                    c.arg("-top").args(&paths).env("TZ", "UTC");
                    c
                })?;
                format!("{:.2} s", g.wall)
            }
            Some(_) => "(not run: > 1,000 files)".to_string(),
            None => "–".to_string(),
        };
        println!(
            "| {name} | {} | {:.2} s | {:.2} s + {:.2} s{} | {go} | {} MB |",
            files.len(),
            fleet.wall,
            merge.wall,
            top.wall,
            if same { "" } else { " (output differs!)" },
            fleet.rss_kb / 1024
        );
    }
    let diff = best_of(runs, &|| {
        rcmd(&[
            "fleet",
            "diff",
            "--base-where",
            "labels['version'] = '1.7'",
            "--where",
            "labels['version'] = '1.8'",
            &ds,
        ])
    })?;
    println!(
        "\n`rprof fleet diff` version 1.7 against 1.8 (all services): {:.2} s",
        diff.wall
    );
    let _ = std::fs::remove_file(&merged);
    Ok(())
}
