//! Live sources on the command line: `rprof fetch`, `rprof gops`,
//! `rprof collect`, the global `--seconds`/`--timeout`/`--no-save`, and
//! how progress is shown (a bar on a terminal, one line per stage
//! otherwise). The work is `rprof_source`'s; this file only turns
//! arguments into its option structs and its events into output.
//!
//! Ctrl-C sets the library's cancel flag (a second one ends the process
//! at once): fetches stop, nothing half-written stays behind, and the
//! command exits 130 (`collect` exits 0: Ctrl-C is how it is stopped).

use crate::{Failure, output};
use clap::{Args, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rprof_source::{
    CollectEvent, CollectOptions, CollectTarget, FetchError, FetchOptions, GopsProfile, GopsSource,
    GopsTarget, Kind, Progress, Source, Stage, gops,
};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Options for fetching live sources (global: every command takes them).
#[derive(Args, Clone, Debug, Default)]
pub struct LiveArgs {
    /// Profile or trace for N seconds: sets `seconds=N` on URLs (pprof's
    /// -seconds).
    #[arg(long, global = true, value_name = "N")]
    pub seconds: Option<u64>,
    /// Give up on a fetch after this long (`30`, `90s`, `2m`); default as
    /// pprof: 1.5 × seconds, else 60 s.
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Do not keep a copy of fetched profiles in $RPROF_TMPDIR,
    /// $PPROF_TMPDIR or ~/pprof.
    #[arg(long, global = true)]
    pub no_save: bool,
}

/// `rprof fetch SOURCE -o FILE`.
#[derive(Args, Debug)]
pub struct FetchCmd {
    /// Where the body goes, replaced only by a complete, validated one
    /// (`-` for stdout).
    #[arg(short, long, value_name = "FILE", required = true)]
    pub output: PathBuf,
    /// A URL (`http://host:port/debug/pprof/heap`, `host:port/...`,
    /// https://, https+insecure://), `gops://TARGET/heap|cpu|trace|stack`,
    /// or a file or `-` (validated and copied).
    #[arg(value_name = "SOURCE")]
    pub source: String,
}

/// `rprof gops TARGET COMMAND`.
#[derive(Args, Debug)]
pub struct GopsCmd {
    /// The agent: a process id (its port is read from $GOPS_CONFIG_DIR or
    /// ~/.config/gops) or host:port.
    #[arg(value_name = "TARGET")]
    pub target: String,
    #[command(subcommand)]
    pub command: GopsWhat,
    /// Write the answer to FILE instead of stdout (profiles and traces:
    /// instead of the saved copy).
    #[arg(short, long, value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,
}

/// What to ask a gops agent.
#[derive(Subcommand, Debug, Clone, Copy)]
pub enum GopsWhat {
    /// Every goroutine's stack.
    Stack,
    /// Run the garbage collector.
    Gc,
    /// Set the GC target percentage (GOGC); -1 turns the collector off.
    Setgc {
        /// The new percentage.
        #[arg(allow_negative_numbers = true)]
        percent: i64,
    },
    /// Memory statistics (runtime.MemStats).
    Memstats,
    /// The Go version the program was built with.
    Version,
    /// Goroutines, OS threads, GOMAXPROCS and CPUs.
    Stats,
    /// The heap profile, saved (analyse it with `rprof top`).
    PprofHeap,
    /// A 30-second CPU profile, saved.
    PprofCpu,
    /// A 5-second execution trace, saved (analyse it with `rprof trace`).
    Trace,
}

/// `rprof collect`.
#[derive(Args, Debug)]
pub struct CollectCmd {
    /// Take a snapshot of every target this often (`30s`, `5m`).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub every: Duration,
    /// Stop after this long (default: until Ctrl-C).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub for_: Option<Duration>,
    /// Profiles to take each time.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "heap,goroutine",
        value_parser = ["heap", "goroutine", "allocs", "block", "mutex", "threadcreate", "cpu"]
    )]
    pub profiles: Vec<String>,
    /// Also /debug/vars (expvar JSON); for gops targets, memstats and stats.
    #[arg(long)]
    pub vars: bool,
    /// Length of the cpu profile (default: half the interval, 1-30 s).
    #[arg(long, value_name = "N")]
    pub cpu_seconds: Option<u64>,
    /// Keep only the newest N snapshots of each target and profile.
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
    /// Remove the oldest snapshots while they all take more than SIZE
    /// (`500m`, `2g`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: Option<u64>,
    /// The directory (created; an existing collection is continued).
    #[arg(short, long, value_name = "DIR", required = true)]
    pub output: PathBuf,
    /// `http://host:port` (a net/http/pprof server), `gops://PID`,
    /// `gops://host:port` or a PID.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
}

/// `30`, `30s`, `1m30s`, `2h`, `500ms`: a plain number is seconds (as
/// pprof's -timeout); the rest is jiff's friendly duration format.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Ok(Duration::from_secs(n));
    }
    t.parse::<jiff::SignedDuration>()
        .ok()
        .and_then(|d| Duration::try_from(d).ok())
        .ok_or_else(|| format!("{s:?} is not a duration (examples: 30s, 5m, 1h)"))
}

/// `512m`, `8g`, `1048576`: bytes with an optional binary suffix (the
/// same rule as --max-inflate's).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.trim_end_matches("ib").trim_end_matches('b');
    let (num, mult) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        Some('t') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("{s:?} is not a size (examples: 512m, 8g)"))
}

/// The cancel flag, set by Ctrl-C (SIGINT) or SIGTERM; a second signal
/// ends the process at once.
fn cancel_on_signals() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Order matters: the conditional exit sees the flag as it was
        // before this signal set it.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, flag.clone());
        let _ = signal_hook::flag::register(sig, flag.clone());
    }
    flag
}

/// Full validation of an execution trace (the trace parser, which the
/// source library does not depend on).
fn check_trace(data: &[u8]) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut r = rprof_trace::Reader::new(data)?.with_total_bytes(data.len() as u64);
    while r.next_event()?.is_some() {}
    Ok(())
}

fn fetch_options(live: &LiveArgs, cancel: Arc<AtomicBool>) -> FetchOptions {
    FetchOptions {
        seconds: live.seconds,
        timeout: live.timeout,
        save: !live.no_save,
        read: crate::READ_OPTIONS.get().cloned().unwrap_or_default(),
        check_trace: Some(check_trace),
        cancel,
        ..Default::default()
    }
}

fn fetch_failure(e: FetchError) -> Failure {
    Failure {
        status: if e.is_cancelled() { 130 } else { 1 },
        message: first_line(&e.to_string()),
    }
}

/// The first line of a message (a trace parser's error may append a dump
/// of the scheduler state), so that errors stay one line.
fn first_line(msg: &str) -> String {
    msg.lines().next().unwrap_or("").trim_end().to_string()
}

/// `rprof fetch SOURCE -o FILE`: download, validate, then replace FILE.
/// The `-o` file is the kept copy, so no second one is saved.
pub fn fetch(a: FetchCmd, live: &LiveArgs) -> Result<(), Failure> {
    let source = Source::parse(&a.source).map_err(|e| Failure::usage(e.to_string()))?;
    if let Source::File(p) = &source
        && std::fs::metadata(p).is_err()
    {
        return Err(Failure::usage(format!(
            "{}: not a URL, and no such file (rprof fetch takes http://host:port/debug/pprof/..., host:port/..., gops://TARGET/heap, a file or -)",
            p.display()
        )));
    }
    let cancel = cancel_on_signals();
    let mut opts = fetch_options(live, cancel);
    opts.save = false;
    let progress = CliProgress::new();
    let fetched = rprof_source::fetch(&source, &opts, &progress);
    progress.clear();
    let fetched = fetched.map_err(fetch_failure)?;
    // A file or stdin is copied only if rprof can read it (a profile or a
    // trace); the server's own text and JSON endpoints are for URLs.
    if !source.is_remote() && !matches!(fetched.kind, Kind::Profile | Kind::Trace) {
        let problem = match rprof_profile::parse_with(&fetched.bytes, &opts.read) {
            Err(e) => e.to_string(),
            Ok(_) => format!("a {}, not a profile or trace", fetched.kind.noun()),
        };
        return Err(Failure::input(format!(
            "{}: {problem}",
            fetched.display_name
        )));
    }
    if opts.cancel.load(Ordering::Relaxed) {
        return Err(Failure {
            status: 130,
            message: format!("{}: cancelled", fetched.display_name),
        });
    }
    output::emit_binary(Some(&a.output), &fetched.bytes)?;
    if a.output.as_os_str() != "-" {
        progress.line(&format!(
            "Wrote {} ({}, {})",
            a.output.display(),
            fetched.kind.noun(),
            human(fetched.bytes.len() as u64)
        ));
    }
    Ok(())
}

/// `rprof gops TARGET COMMAND`.
pub fn gops(a: GopsCmd, live: &LiveArgs) -> Result<(), Failure> {
    let target = GopsTarget::parse(&a.target).map_err(|e| Failure::usage(e.to_string()))?;
    let cancel = cancel_on_signals();
    let profile = match a.command {
        GopsWhat::PprofHeap => Some(GopsProfile::Heap),
        GopsWhat::PprofCpu => Some(GopsProfile::Cpu),
        GopsWhat::Trace => Some(GopsProfile::Trace),
        _ => None,
    };
    let progress = CliProgress::new();
    if let Some(profile) = profile {
        if a.output.is_none() && live.no_save {
            return Err(Failure::usage(
                "--no-save leaves nowhere to keep it: give -o FILE",
            ));
        }
        let mut opts = fetch_options(live, cancel);
        // With -o, that file is the copy kept.
        opts.save = a.output.is_none();
        let src = Source::Gops(GopsSource { target, profile });
        let fetched = rprof_source::fetch(&src, &opts, &progress);
        progress.clear();
        let fetched = fetched.map_err(fetch_failure)?;
        let path = match &a.output {
            Some(o) => {
                output::emit_binary(Some(o), &fetched.bytes)?;
                o.clone()
            }
            None => match (fetched.saved_path, fetched.save_error) {
                (Some(p), _) => p,
                (None, Some(e)) => return Err(Failure::input(e.to_string())),
                (None, None) => return Err(Failure::input("no copy was saved")),
            },
        };
        if path.as_os_str() != "-" {
            let how = if fetched.kind == Kind::Trace {
                "rprof trace summary"
            } else {
                "rprof top"
            };
            progress.line(&format!("Analyse it with: {how} {}", path.display()));
        }
        return Ok(());
    }
    let cmd = match a.command {
        GopsWhat::Stack => gops::Command::Stack,
        GopsWhat::Gc => gops::Command::Gc,
        GopsWhat::Setgc { percent } => gops::Command::SetGcPercent(percent),
        GopsWhat::Memstats => gops::Command::MemStats,
        GopsWhat::Version => gops::Command::Version,
        GopsWhat::Stats => gops::Command::Stats,
        GopsWhat::PprofHeap | GopsWhat::PprofCpu | GopsWhat::Trace => unreachable!("above"),
    };
    // Text commands answer at once: no progress lines around their output.
    let answer = gops::request(
        &target,
        cmd,
        live.timeout,
        1 << 30,
        &cancel,
        &rprof_source::NoProgress,
    );
    progress.clear();
    let mut answer = answer.map_err(fetch_failure)?;
    if answer.is_empty() {
        return Err(Failure::input(format!(
            "gops://{target}: the agent answered nothing (an older agent without this command?)"
        )));
    }
    if cmd == gops::Command::Gc && !answer.ends_with(b"\n") {
        answer.push(b'\n');
    }
    output::emit(a.output.as_deref(), &answer)
}

/// `rprof collect`.
pub fn collect(a: CollectCmd, live: &LiveArgs) -> Result<(), Failure> {
    let targets = a
        .targets
        .iter()
        .map(|t| CollectTarget::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::usage(e.to_string()))?;
    if a.every < Duration::from_secs(1) {
        return Err(Failure::usage("--every must be at least 1s"));
    }
    let cancel = cancel_on_signals();
    let opts = CollectOptions {
        every: a.every,
        duration: a.for_,
        profiles: a.profiles.clone(),
        vars: a.vars,
        cpu_seconds: a.cpu_seconds.or(live.seconds),
        keep: a.keep,
        max_size: a.max_size,
        timeout: live.timeout,
        read: crate::READ_OPTIONS.get().cloned().unwrap_or_default(),
        cancel,
        ..Default::default()
    };
    let progress = CliProgress::new();
    progress.line(&format!(
        "Collecting {} from {} target(s) every {} into {}{}",
        a.profiles.join(",") + if a.vars { ",vars" } else { "" },
        targets.len(),
        go_duration(a.every),
        a.output.display(),
        a.for_
            .map(|d| format!(" for {}", go_duration(d)))
            .unwrap_or_else(|| " until Ctrl-C".into())
    ));
    let summary = rprof_source::collect(&a.output, &targets, &opts, &progress);
    progress.clear();
    let summary = summary.map_err(|e| Failure::input(e.to_string()))?;
    progress.line(&format!(
        "{} after {} round(s): {} snapshot(s), {} failed fetch(es); index in {}",
        if summary.cancelled { "Stopped" } else { "Done" },
        summary.rounds,
        summary.snapshots,
        summary.failures,
        a.output.join(rprof_source::INDEX_FILE).display()
    ));
    Ok(())
}

/// Shows progress: bars on a terminal (stderr), else one line per stage.
struct CliProgress {
    bars: Option<Bars>,
}

struct Bars {
    multi: MultiProgress,
    by_source: Mutex<HashMap<String, ProgressBar>>,
    collect: Mutex<Option<(ProgressBar, u64, u64)>>,
}

impl CliProgress {
    fn new() -> CliProgress {
        let tty =
            std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        CliProgress {
            bars: tty.then(|| Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                by_source: Mutex::new(HashMap::new()),
                collect: Mutex::new(None),
            }),
        }
    }

    /// A line that stays (above any bars).
    fn line(&self, text: &str) {
        match &self.bars {
            Some(b) => {
                let _ = b.multi.println(text);
            }
            None => eprintln!("{text}"),
        }
    }

    /// Removes the bars (before an error line or the result).
    fn clear(&self) {
        if let Some(b) = &self.bars {
            for (_, bar) in b
                .by_source
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain()
            {
                bar.finish_and_clear();
            }
            if let Some((bar, _, _)) = b.collect.lock().unwrap_or_else(|e| e.into_inner()).take() {
                bar.finish_and_clear();
            }
            let _ = b.multi.clear();
        }
    }

    fn bar(&self, b: &Bars, source: &str) -> ProgressBar {
        let mut map = b.by_source.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(source.to_string())
            .or_insert_with(|| {
                let bar = b.multi.add(ProgressBar::new_spinner());
                bar.set_style(spinner_style());
                bar.set_message(source.to_string());
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            })
            .clone()
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {bytes} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// pprof's wording for what is fetched.
fn fetching_line(source: &str) -> String {
    if source.starts_with("gops://") {
        format!("Fetching from gops agent {source}")
    } else {
        format!("Fetching profile over HTTP from {source}")
    }
}

impl Progress for CliProgress {
    fn stage(&self, source: &str, stage: Stage<'_>) {
        let Some(b) = &self.bars else {
            match stage {
                Stage::Fetching => eprintln!("{}", fetching_line(source)),
                Stage::Waiting(d) => eprintln!("Please wait... ({})", go_duration(d)),
                Stage::Saved(p) => eprintln!("Saved {} in {}", saved_noun(p), p.display()),
                Stage::SaveFailed(e) => eprintln!("Could not save profile: {e}"),
                _ => {}
            }
            return;
        };
        let bar = self.bar(b, source);
        match stage {
            Stage::Fetching => bar.set_message(source.to_string()),
            Stage::Waiting(d) => {
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{bar:20}] {pos}/{len}s profiling: {wide_msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_length(d.as_secs().max(1));
                bar.set_position(0);
            }
            Stage::Receiving { expected } => {
                match expected {
                    Some(n) => {
                        bar.set_style(
                            ProgressStyle::with_template(
                                "{spinner} [{bar:20}] {bytes}/{total_bytes} {wide_msg}",
                            )
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                        );
                        bar.set_length(n);
                    }
                    None => bar.set_style(spinner_style()),
                }
                bar.set_position(0);
            }
            Stage::Done { .. } => bar.finish_and_clear(),
            Stage::Saved(p) => {
                let _ = b
                    .multi
                    .println(format!("Saved {} in {}", saved_noun(p), p.display()));
            }
            Stage::SaveFailed(e) => {
                let _ = b.multi.println(format!("Could not save profile: {e}"));
            }
            _ => {}
        }
    }

    fn countdown(&self, source: &str, elapsed: Duration, _total: Duration) {
        if let Some(b) = &self.bars {
            self.bar(b, source).set_position(elapsed.as_secs());
        }
    }

    fn received(&self, source: &str, bytes: u64, _expected: Option<u64>) {
        if let Some(b) = &self.bars {
            self.bar(b, source).set_position(bytes);
        }
    }

    fn collect(&self, event: CollectEvent<'_>) {
        let text = match event {
            CollectEvent::Round { number } => {
                match &self.bars {
                    Some(b) => {
                        let mut c = b.collect.lock().unwrap_or_else(|e| e.into_inner());
                        let (bar, round, snaps) = c.get_or_insert_with(|| {
                            let bar = b.multi.add(ProgressBar::new_spinner());
                            bar.enable_steady_tick(Duration::from_millis(200));
                            (bar, 0, 0)
                        });
                        *round = number;
                        bar.set_message(format!("round {number}, {snaps} snapshot(s) so far"));
                    }
                    None => eprintln!("Round {number}"),
                }
                return;
            }
            CollectEvent::Snapshot {
                target: _,
                what: _,
                file,
                bytes,
            } => {
                match &self.bars {
                    Some(b) => {
                        if let Some((bar, round, snaps)) =
                            b.collect.lock().unwrap_or_else(|e| e.into_inner()).as_mut()
                        {
                            *snaps += 1;
                            bar.set_message(format!(
                                "round {round}, {snaps} snapshot(s) so far (last: {file})"
                            ));
                        }
                    }
                    None => eprintln!("  {file} ({})", human(bytes)),
                }
                return;
            }
            CollectEvent::Failed {
                target,
                what,
                error,
            } => format!("{target}: {what}: {error}"),
            CollectEvent::Down { target, error } => {
                format!("{target} is unreachable ({error}); will keep trying every round")
            }
            CollectEvent::Back { target, after } => format!(
                "{target} answers again after {} unreachable",
                go_duration(Duration::from_secs(after.as_secs()))
            ),
            CollectEvent::Pruned { files, bytes } => {
                format!("Removed {files} old snapshot(s) ({})", human(bytes))
            }
            _ => return,
        };
        self.line(&text);
    }
}

fn saved_noun(p: &Path) -> &'static str {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.starts_with("trace.") {
        "trace"
    } else {
        "profile"
    }
}

/// A duration as Go prints it (`20s`, `1m30s`, `2h0m0s`), for pprof's
/// "Please wait... (20s)".
fn go_duration(d: Duration) -> String {
    let total = d.as_secs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let ms = d.subsec_millis();
    let secs = if ms > 0 {
        format!("{s}.{:03}", ms).trim_end_matches('0').to_string()
    } else {
        s.to_string()
    };
    match (h, m) {
        (0, 0) => format!("{secs}s"),
        (0, _) => format!("{m}m{secs}s"),
        _ => format!("{h}h{m}m{secs}s"),
    }
}

/// `12.3 KiB`.
fn human(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("soon").is_err());
        assert_eq!(go_duration(Duration::from_secs(20)), "20s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(7200)), "2h0m0s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
    }
}
