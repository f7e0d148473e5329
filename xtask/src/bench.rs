//! `cargo xtask bench`: rprof and the Go tools side by side, in one run,
//! on the same inputs: median wall time and peak RSS of each command, and
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

fn median_of(runs: usize, make: &dyn Fn() -> Command) -> Result<Measure> {
    let mut ms: Vec<Measure> = (0..runs).map(|_| measure(make())).collect::<Result<_>>()?;
    ms.sort_by(|a, b| a.wall.total_cmp(&b.wall));
    let rss = ms.iter().map(|m| m.rss_kb).max().unwrap_or(0);
    let mid = ms.swap_remove(ms.len() / 2);
    Ok(Measure {
        wall: mid.wall,
        rss_kb: rss,
    })
}

struct Scenario {
    name: &'static str,
    rprof: Vec<String>,
    /// pprof arguments, or None when pprof has no equivalent.
    pprof: Option<Vec<String>>,
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
        .unwrap_or(3);
    let big = root.join("target/big/big.heap.pb.gz");
    let base = root.join("target/big/big-base.heap.pb.gz");
    if !big.exists() || !base.exists() {
        crate::genbig::run(root, &[])?;
    }
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet", "-p", "rprof-cli"])
        .current_dir(root)
        .status()?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    let rprof = root.join("target/release/rprof");
    let pprof = pprof_binary(root);

    let (b, bb) = (big.display().to_string(), base.display().to_string());
    let supports = |sub: &str| -> bool {
        Command::new(&rprof)
            .args([sub, "--help"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut scenarios = vec![
        Scenario {
            name: "top",
            rprof: words(&format!("top {b}")),
            pprof: Some(words(&format!("-top {b}"))),
        },
        Scenario {
            name: "traces",
            rprof: words(&format!("traces {b}")),
            pprof: Some(words(&format!("-traces {b}"))),
        },
        Scenario {
            name: "top --base",
            rprof: words(&format!("top --base {bb} {b}")),
            pprof: Some(words(&format!("-top -base {bb} {b}"))),
        },
    ];
    if supports("flame") {
        scenarios.push(Scenario {
            name: "flame",
            rprof: words(&format!("flame -o /dev/null {b}")),
            pprof: None,
        });
    }
    if supports("graph") {
        scenarios.push(Scenario {
            name: "graph (dot)",
            rprof: words(&format!("graph --format dot {b}")),
            pprof: Some(words(&format!("-dot {b}"))),
        });
    }
    if supports("diff") {
        scenarios.push(Scenario {
            name: "diff --base",
            rprof: words(&format!("diff --base {bb} {b}")),
            pprof: None,
        });
    }

    println!("inputs: {} ({:.1} MB), base {}", b, size_mb(&big), bb);
    println!("runs per command: {runs} (median wall time, max peak RSS)\n");
    println!("| command | rprof | go tool pprof | speed-up | rprof RSS | pprof RSS | memory |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let gunzip = median_of(runs, &|| {
        let mut c = Command::new("gzip");
        c.args(["-dc", &b]);
        c
    })?;
    for s in &scenarios {
        let r = median_of(runs, &|| {
            let mut c = Command::new(&rprof);
            c.args(&s.rprof).env("TZ", "UTC");
            c
        })?;
        let g = match (&pprof, &s.pprof) {
            (Some(pp), Some(a)) => Some(median_of(runs.min(2), &|| {
                let mut c = Command::new(pp);
                c.args(a).env("TZ", "UTC");
                c
            })?),
            _ => None,
        };
        match g {
            Some(g) => println!(
                "| `{}` | {:.3} s | {:.2} s | {:.0}x | {} MB | {} MB | {:.1}x less |",
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
    println!(
        "\n`gzip -dc` of the input alone: {:.3} s. Reproduce with `cargo xtask bench`.",
        gunzip.wall
    );
    if pprof.is_none() {
        println!("(go tool pprof not found: Go columns left empty)");
    }
    Ok(())
}

fn size_mb(p: &Path) -> f64 {
    std::fs::metadata(p)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0)
}

/// The pprof binary behind `go tool pprof`, resolved once, so that each
/// measurement is pprof itself and not the go command's start-up.
fn pprof_binary(root: &Path) -> Option<PathBuf> {
    let go = crate::fixtures::find_go(root).ok()?;
    let out = Command::new(&go)
        .env("GOTOOLCHAIN", "local")
        .args(["tool", "-n", "pprof"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}
