//! `cargo xtask fixtures-diag`: the runtime diagnostics fixtures.
//!
//! Builds the Go programs under `fixtures/go/diag/` with Go >= 1.22 (the
//! current toolchain, see [`crate::fixtures::find_go`]) and, when it is
//! installed, Go 1.19 (`/usr/lib/go-1.19/bin/go`, Debian's
//! `golang-1.19-go`), runs them, and writes what the Go runtime printed
//! under `fixtures/diag/go1.NN/`:
//!
//! - goroutine dumps: `panic.txt` (a `[recovered]` chain, GOTRACEBACK=all),
//!   `nilpanic.txt` (a `[signal SIGSEGV ...]` panic), `deadlock.txt`
//!   (`fatal error: all goroutines are asleep - deadlock!`), `deep.txt` (a
//!   panic 200 calls deep, whose middle frames Go elides), `sigquit.txt`
//!   (a busy HTTP server sent SIGQUIT), `test-timeout.txt`
//!   (`go test -timeout 2s` of a hanging test);
//! - gctrace (`GODEBUG=gctrace=1`): `gctrace-grow.txt` (a growing heap),
//!   `gctrace-forced.txt` (runtime.GC() and debug.FreeOSMemory() calls,
//!   with `scavtrace=1` for the scavenger's lines);
//! - `race.txt`: `go test -race` with two distinct races, one reported
//!   twice (needs cgo and a C compiler: the only CGO_ENABLED=1 build;
//!   run with `-v` for Go 1.19, without for the current Go, so that both
//!   ways of naming the failing test are covered);
//! - current Go only: `leak/` (a service leaking goroutines and memory,
//!   watched for 125 s: `goroutine-005s.txt`, `goroutine-065s.txt`,
//!   `goroutineleak-125s.txt` from `?debug=2`, `/debug/vars` every second
//!   for 20 s as `vars/NNNN.json` and `vars.jsonl`, and its stderr with
//!   gctrace and log lines as `stderr.txt`), `steady/vars.jsonl` (the same
//!   service without the leak) and `gops-memstats.txt` (`memstats` from a
//!   gops agent once a second; that program needs the agent vendored in
//!   `shared/conformance/gops-agent` beside the project).
//!
//! Everything is built with `-trimpath`, so paths read `diag/main.go`,
//! `runtime/proc.go`. The outputs depend on timing and are committed; the
//! tests read them and need no Go. This takes about two minutes (the leak
//! service runs in the background meanwhile).

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::fixtures::find_go;

const GO119: &str = "/usr/lib/go-1.19/bin/go";

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    if let Some(a) = args.first() {
        bail!("fixtures-diag: unknown argument {a:?} (usage: cargo xtask fixtures-diag)");
    }
    let src = root.join("fixtures/go/diag");
    let build = root.join("fixtures/build/diag");
    fs::create_dir_all(&build)?;
    let go = find_go(root)?;
    let mut toolchains = vec![(go.clone(), version_dir(&go)?)];
    if Path::new(GO119).exists() {
        toolchains.push((PathBuf::from(GO119), version_dir(Path::new(GO119))?));
    } else {
        println!("fixtures-diag: note: {GO119} not found; the Go 1.19 forms are not regenerated");
    }
    let current_dir = root.join("fixtures/diag").join(&toolchains[0].1);

    // The leak service runs for 125 s: start it first, do the rest meanwhile.
    let bin = build.join(format!("diag-{}", toolchains[0].1));
    go_build(&go, &src, &bin, false)?;
    let leak_dir = current_dir.join("leak");
    let _ = fs::remove_dir_all(&leak_dir);
    fs::create_dir_all(&leak_dir)?;
    println!("fixtures-diag: starting the leaking service (125 s)");
    // Relative paths and a plain argv[0], so that no path of this
    // machine lands in the committed `cmdline` of /debug/vars.
    let mut leak = Command::new(&bin)
        .arg0("diag")
        .current_dir(root)
        .args(["-mode", "leak", "-leakprofile", "-out"])
        .arg(leak_dir.strip_prefix(root).unwrap_or(&leak_dir))
        .env("GODEBUG", "gctrace=1,tracebacklabels=1")
        .stdout(Stdio::null())
        .stderr(fs::File::create(leak_dir.join("stderr.txt"))?)
        .spawn()
        .context("starting the leak service")?;
    let result = the_rest(root, &src, &build, &go, &bin, &toolchains, &current_dir);
    if result.is_err() {
        // Do not leave the service running behind a failed run.
        let _ = leak.kill();
        let _ = leak.wait();
        return result;
    }
    let status = leak.wait()?;
    if !status.success() {
        bail!("the leak service failed ({status})");
    }
    let mut versions = String::from(
        "# Written by `cargo xtask fixtures-diag`: the toolchains that wrote fixtures/diag.\n",
    );
    for (go, dir) in &toolchains {
        versions.push_str(&format!("{dir}: {}\n", go_version(go)?));
    }
    fs::write(root.join("fixtures/diag/go-versions.txt"), versions)?;
    println!("fixtures-diag: done");
    Ok(())
}

/// Everything but the leak service, which runs meanwhile.
fn the_rest(
    root: &Path,
    src: &Path,
    build: &Path,
    go: &Path,
    bin: &Path,
    toolchains: &[(PathBuf, String)],
    current_dir: &Path,
) -> Result<()> {
    for (go, dir) in toolchains {
        let out = root.join("fixtures/diag").join(dir);
        fs::create_dir_all(&out)?;
        let bin = build.join(format!("diag-{dir}"));
        if dir != &toolchains[0].1 {
            go_build(go, src, &bin, false)?;
        }
        crash(
            &bin,
            "panic",
            &[("GOTRACEBACK", "all")],
            &out.join("panic.txt"),
        )?;
        crash(&bin, "nilpanic", &[], &out.join("nilpanic.txt"))?;
        crash(&bin, "deadlock", &[], &out.join("deadlock.txt"))?;
        crash(&bin, "deep", &[], &out.join("deep.txt"))?;
        for f in ["panic.txt", "nilpanic.txt", "deadlock.txt", "deep.txt"] {
            expect(&out.join(f), "\ngoroutine 1 [")?;
        }
        crash(
            &bin,
            "gcgrow",
            &[("GODEBUG", "gctrace=1")],
            &out.join("gctrace-grow.txt"),
        )?;
        crash(
            &bin,
            "gcforced",
            &[("GODEBUG", "gctrace=1,scavtrace=1")],
            &out.join("gctrace-forced.txt"),
        )?;
        for f in ["gctrace-grow.txt", "gctrace-forced.txt"] {
            expect(&out.join(f), "gc 1 @")?;
        }
        sigquit(&bin, &out.join("sigquit.txt"))?;
        go_test(
            go,
            src,
            &["-timeout", "2s", "./hang"],
            false,
            &out.join("test-timeout.txt"),
        )?;
        let verbose = dir == "go1.19";
        let mut race_args = vec!["-race"];
        if verbose {
            race_args.push("-v");
        }
        race_args.push("./racy");
        go_test(go, src, &race_args, true, &out.join("race.txt"))?;
        expect(&out.join("race.txt"), "WARNING: DATA RACE")?;
    }

    // The steady service and gops, current Go only.
    let steady_dir = current_dir.join("steady");
    let _ = fs::remove_dir_all(&steady_dir);
    println!("fixtures-diag: running the steady service (20 s)");
    check(
        Command::new(bin)
            .arg0("diag")
            .current_dir(root)
            .args(["-mode", "steady", "-seconds", "20", "-out"])
            .arg(steady_dir.strip_prefix(root).unwrap_or(&steady_dir))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        "diag -mode steady",
    )?;
    // One layout is enough for the steady series: the leak has both.
    fs::remove_dir_all(steady_dir.join("vars"))?;
    let gops_src = src.join("gopsmem");
    let gops_bin = build.join("gopsmem");
    match go_build(go, &gops_src, &gops_bin, false) {
        Ok(()) => check(
            Command::new(&gops_bin)
                .arg("-o")
                .arg(current_dir.join("gops-memstats.txt"))
                .args(["-n", "15"]),
            "gopsmem",
        )?,
        Err(e) => println!(
            "fixtures-diag: note: gops-memstats.txt not regenerated ({e:#}); it needs \
             shared/conformance/gops-agent beside the project"
        ),
    }

    Ok(())
}

/// `go1.27` for `go version go1.27.3 linux/amd64`.
fn version_dir(go: &Path) -> Result<String> {
    let v = go_version(go)?;
    let word = v
        .split_whitespace()
        .nth(2)
        .with_context(|| format!("odd `go version` output: {v}"))?;
    let mut parts = word.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => Ok(format!("{major}.{minor}")),
        _ => bail!("odd Go version {word}"),
    }
}

fn go_version(go: &Path) -> Result<String> {
    let out = go_cmd(go).arg("version").output()?;
    if !out.status.success() {
        bail!("{} version failed", go.display());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A `go` command that never downloads a toolchain or a module.
fn go_cmd(go: &Path) -> Command {
    let mut cmd = Command::new(go);
    cmd.env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off");
    cmd
}

fn go_build(go: &Path, src: &Path, out: &Path, cgo: bool) -> Result<()> {
    println!("fixtures-diag: building {}", out.display());
    check(
        go_cmd(go)
            .args(["build", "-trimpath", "-o"])
            .arg(out)
            .arg(".")
            .current_dir(src)
            .env("CGO_ENABLED", if cgo { "1" } else { "0" }),
        &format!("go build in {}", src.display()),
    )
}

/// Runs `bin -mode MODE`, which is expected to die (or to print its
/// diagnostics on stderr): stdout and stderr together into `out`.
fn crash(bin: &Path, mode: &str, env: &[(&str, &str)], out: &Path) -> Result<()> {
    println!("fixtures-diag: {} -mode {mode}", bin.display());
    let mut cmd = Command::new(bin);
    cmd.args(["-mode", mode]).envs(env.iter().copied());
    capture(&mut cmd, out)
}

/// Starts the busy server, waits for "ready", sends SIGQUIT: its dump.
fn sigquit(bin: &Path, out: &Path) -> Result<()> {
    use std::io::{BufRead, BufReader};
    println!("fixtures-diag: {} -mode server + SIGQUIT", bin.display());
    let mut child = Command::new(bin)
        .args(["-mode", "server"])
        .stdout(Stdio::piped())
        .stderr(fs::File::create(out)?)
        .spawn()?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    if line.trim() != "ready" {
        let _ = child.kill();
        bail!("the server said {line:?} instead of ready");
    }
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGQUIT) };
    if rc != 0 {
        bail!("kill -QUIT failed");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("the server did not die of SIGQUIT");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    non_empty(out)
}

/// `go test -trimpath ARGS` in `src`, its output (it fails on purpose) into `out`.
fn go_test(go: &Path, src: &Path, args: &[&str], cgo: bool, out: &Path) -> Result<()> {
    println!("fixtures-diag: go test {}", args.join(" "));
    let mut cmd = go_cmd(go);
    cmd.args(["test", "-trimpath"])
        .args(args)
        .current_dir(src)
        .env("CGO_ENABLED", if cgo { "1" } else { "0" });
    capture(&mut cmd, out)
}

/// Runs `cmd` with stdout and stderr both into `out`, whatever its status.
fn capture(cmd: &mut Command, out: &Path) -> Result<()> {
    let file = fs::File::create(out)?;
    cmd.stdout(file.try_clone()?).stderr(file);
    cmd.status()
        .with_context(|| format!("running {:?}", cmd.get_program()))?;
    non_empty(out)
}

/// Fails unless the file at `path` contains `needle`: a run that printed
/// something else (or raced to a clean exit) must not become a fixture.
fn expect(path: &Path, needle: &str) -> Result<()> {
    let text = fs::read_to_string(path)?;
    if !text.contains(needle) {
        bail!("{} does not contain {needle:?}", path.display());
    }
    Ok(())
}

fn non_empty(path: &Path) -> Result<()> {
    if fs::metadata(path)?.len() == 0 {
        bail!("{} is empty", path.display());
    }
    Ok(())
}

fn check(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
