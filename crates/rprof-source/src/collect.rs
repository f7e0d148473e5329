//! Periodic collection (`rprof collect`): every interval, a snapshot of
//! each target's profiles (and `/debug/vars` or gops memstats/stats) into
//! a directory, with an index file listing them.
//!
//! Layout: `DIR/index.json`, and one subdirectory per target holding
//! `<UTC time>.<what>.<ext>` files (`20260101T120000Z.heap.pb.gz`,
//! `...vars.json`, `...memstats.txt`). Every file is validated before it
//! is written and appears complete (written aside, then renamed); the
//! index is rewritten the same way after each round, so an interrupted
//! collection leaves a consistent directory. A target that stops
//! answering is reported once as down and tried again every round; when
//! it answers again that is reported too. An existing index is continued.

use crate::error::{CollectError, FetchError, Problem};
use crate::fetch::{FetchOptions, fetch};
use crate::gops::{self, Command};
use crate::progress::{CollectEvent, NoProgress, Progress};
use crate::save::io_msg;
use crate::source::{CPU_PROFILE_PATH, GopsProfile, GopsSource, GopsTarget, HttpSource, Source};
use crate::validate::Kind;
use rprof_profile::ReadOptions;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// The index file's name in the output directory.
pub const INDEX_FILE: &str = "index.json";

/// The index format written (`format` in the file).
pub const INDEX_FORMAT: &str = "rprof-collect/1";

/// How to collect.
#[derive(Clone, Debug)]
pub struct CollectOptions {
    /// Time between the starts of two rounds (at least one second).
    pub every: Duration,
    /// Stop starting rounds after this long; `None`: until cancelled.
    pub duration: Option<Duration>,
    /// `/debug/pprof` profiles to take each round: `heap`, `goroutine`,
    /// `allocs`, `block`, `mutex`, `threadcreate`, `cpu`. Over gops only
    /// `heap`, `goroutine` (a text dump) and `cpu` (30 s) exist.
    pub profiles: Vec<String>,
    /// Also `/debug/vars` (gops: memstats and stats).
    pub vars: bool,
    /// Length of a `cpu` profile over HTTP; `None`: half the interval,
    /// between 1 and 30 s.
    pub cpu_seconds: Option<u64>,
    /// Keep only the newest N snapshots of each target and kind.
    pub keep: Option<usize>,
    /// Remove the oldest snapshots while all of them exceed this many bytes.
    pub max_size: Option<u64>,
    /// Per-fetch timeout (pprof's default rule when `None`).
    pub timeout: Option<Duration>,
    /// Body limit per fetch.
    pub max_body: u64,
    /// How profiles are read when validated.
    pub read: ReadOptions,
    /// Set to stop (Ctrl-C): the round in progress ends, the index is
    /// written, and [`collect`] returns.
    pub cancel: Arc<AtomicBool>,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            every: Duration::from_secs(30),
            duration: None,
            profiles: vec!["heap".into(), "goroutine".into()],
            vars: false,
            cpu_seconds: None,
            keep: None,
            max_size: None,
            timeout: None,
            max_body: 2 << 30,
            read: ReadOptions::default(),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// A service to collect from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CollectTarget {
    /// A `net/http/pprof` server: the URL up to `/debug/pprof`
    /// (`http://host:port`, or with a prefix path).
    Http(HttpSource),
    /// A gops agent.
    Gops(GopsTarget),
}

impl CollectTarget {
    /// `http://host:port[/prefix]` (or `host:port`, with pprof's rules; a
    /// trailing `/debug/pprof/...` or `/debug/vars` is dropped),
    /// `gops://PID|host:port`, or a bare PID (a gops agent).
    pub fn parse(arg: &str) -> Result<CollectTarget, crate::SourceError> {
        if let Some(t) = arg.strip_prefix("gops://") {
            return GopsTarget::parse(t.trim_end_matches('/')).map(CollectTarget::Gops);
        }
        if !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_digit()) {
            return GopsTarget::parse(arg).map(CollectTarget::Gops);
        }
        match Source::parse(arg)? {
            Source::Http(h) => {
                let path = h.path();
                let prefix = if path == CPU_PROFILE_PATH && !arg.contains(CPU_PROFILE_PATH) {
                    ""
                } else if let Some(i) = path.find("/debug/pprof") {
                    &path[..i]
                } else if let Some(i) = path.find("/debug/vars") {
                    &path[..i]
                } else {
                    path.trim_end_matches('/')
                };
                Ok(CollectTarget::Http(h.with_path(prefix, &[])))
            }
            Source::Gops(g) => Ok(CollectTarget::Gops(g.target)),
            _ => Err(crate::SourceError::GopsTarget(crate::source::redact(arg))),
        }
    }

    /// The target as shown (credentials removed).
    pub fn display_name(&self) -> String {
        match self {
            CollectTarget::Http(h) => h.url(None, true),
            CollectTarget::Gops(t) => format!("gops://{t}"),
        }
    }

    /// The subdirectory its snapshots go to.
    fn dir_name(&self) -> String {
        let raw = match self {
            CollectTarget::Http(h) => format!("{}{}", h.host(), h.path()),
            CollectTarget::Gops(t) => format!("gops-{t}"),
        };
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .trim_matches('_')
            .to_string()
    }
}

/// One file of the collection, as listed in the index.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Snapshot {
    /// When its round started, RFC 3339 UTC.
    pub time: String,
    /// The same, in milliseconds since the Unix epoch.
    pub unix_ms: i64,
    /// The round (1-based, over the whole life of the directory).
    pub round: u64,
    /// The target, as shown.
    pub target: String,
    /// `heap`, `goroutine`, `cpu`, `vars`, `memstats`, `stats` ...
    pub what: String,
    /// `profile`, `goroutine-dump`, `vars`, `text`.
    pub kind: String,
    /// The file, relative to the directory.
    pub file: String,
    /// Its size.
    pub bytes: u64,
}

/// A target going down or coming back, as listed in the index.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TargetEvent {
    /// RFC 3339 UTC.
    pub time: String,
    /// The target, as shown.
    pub target: String,
    /// `down` or `back`.
    pub event: String,
    /// Why it is down, or how long it was.
    pub detail: String,
}

/// `index.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Index {
    /// [`INDEX_FORMAT`].
    pub format: String,
    /// Every target ever collected into the directory.
    pub targets: Vec<String>,
    /// Rounds started so far.
    pub rounds: u64,
    /// The files, oldest first.
    pub snapshots: Vec<Snapshot>,
    /// Targets going down and coming back.
    pub events: Vec<TargetEvent>,
}

impl Index {
    /// Reads `DIR/index.json`.
    pub fn read(dir: &Path) -> Result<Index, CollectError> {
        let path = dir.join(INDEX_FILE);
        let text = std::fs::read(&path).map_err(|e| CollectError::Io {
            path: path.clone(),
            error: io_msg(&e),
        })?;
        let index: Index = serde_json::from_slice(&text).map_err(|e| CollectError::BadIndex {
            path: path.clone(),
            error: e.to_string(),
        })?;
        if index.format != INDEX_FORMAT {
            return Err(CollectError::BadIndex {
                path,
                error: format!("format {:?}, expected {INDEX_FORMAT:?}", index.format),
            });
        }
        Ok(index)
    }
}

/// What a collection did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CollectSummary {
    /// Rounds run.
    pub rounds: u64,
    /// Files written.
    pub snapshots: u64,
    /// Fetches that failed (the target down, or a bad answer).
    pub failures: u64,
    /// Stopped by the cancel flag.
    pub cancelled: bool,
}

/// One thing to fetch from a target each round.
#[derive(Clone, Debug)]
struct Job {
    target: usize,
    what: String,
    how: How,
}

#[derive(Clone, Debug)]
enum How {
    Source(Source, Option<u64>),
    Gops(GopsTarget, Command),
}

/// Collects from `targets` into `dir` until `opts.duration` is over or
/// `opts.cancel` is set, reporting through `progress`.
pub fn collect(
    dir: &Path,
    targets: &[CollectTarget],
    opts: &CollectOptions,
    progress: &dyn Progress,
) -> Result<CollectSummary, CollectError> {
    if targets.is_empty() {
        return Err(CollectError::NoTargets);
    }
    let every = opts.every.max(Duration::from_secs(1));
    let io = |path: &Path, e: std::io::Error| CollectError::Io {
        path: path.to_path_buf(),
        error: io_msg(&e),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut index = if dir.join(INDEX_FILE).exists() {
        Index::read(dir)?
    } else {
        Index {
            format: INDEX_FORMAT.to_string(),
            targets: Vec::new(),
            rounds: 0,
            snapshots: Vec::new(),
            events: Vec::new(),
        }
    };
    let names: Vec<String> = targets.iter().map(CollectTarget::display_name).collect();
    for n in &names {
        if !index.targets.contains(n) {
            index.targets.push(n.clone());
        }
    }
    for t in targets {
        let d = dir.join(t.dir_name());
        std::fs::create_dir_all(&d).map_err(|e| io(&d, e))?;
    }
    let (jobs, unsupported) = jobs(targets, opts, every);
    for (t, what) in unsupported {
        progress.collect(CollectEvent::Failed {
            target: &names[t],
            what: &what,
            error: "not offered by a gops agent (it has heap, goroutine, cpu); skipped",
        });
    }
    write_index(dir, &index)?;

    let started = Instant::now();
    let mut summary = CollectSummary::default();
    // When each target went down (None: up).
    let mut down: Vec<Option<Instant>> = vec![None; targets.len()];
    loop {
        if opts.cancel.load(Ordering::Relaxed) {
            summary.cancelled = true;
            break;
        }
        let round_start = Instant::now();
        index.rounds += 1;
        summary.rounds += 1;
        let round = index.rounds;
        progress.collect(CollectEvent::Round { number: round });
        let now = SystemTime::now();
        let ts = jiff::Timestamp::try_from(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let stamp = ts.strftime("%Y%m%dT%H%M%SZ").to_string();
        let time = ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let results = run_jobs(&jobs, opts);
        // Per target: whether anything answered, and the last reason
        // it was unreachable.
        let mut answered = vec![false; targets.len()];
        let mut unreachable: Vec<Option<String>> = vec![None; targets.len()];
        for (job, result) in jobs.iter().zip(results) {
            let t = job.target;
            match result {
                Ok((kind, bytes)) => {
                    answered[t] = true;
                    let (kind_name, ext) = file_kind(kind, &job.what);
                    let rel = format!("{}/{stamp}.{}.{ext}", targets[t].dir_name(), job.what);
                    let path = dir.join(&rel);
                    write_atomic(&path, &bytes).map_err(|e| io(&path, e))?;
                    progress.collect(CollectEvent::Snapshot {
                        target: &names[t],
                        what: &job.what,
                        file: &rel,
                        bytes: bytes.len() as u64,
                    });
                    summary.snapshots += 1;
                    index.snapshots.push(Snapshot {
                        time: time.clone(),
                        unix_ms: ts.as_millisecond(),
                        round,
                        target: names[t].clone(),
                        what: job.what.clone(),
                        kind: kind_name.to_string(),
                        file: rel,
                        bytes: bytes.len() as u64,
                    });
                }
                Err(e) if e.is_cancelled() => summary.cancelled = true,
                Err(e) => {
                    summary.failures += 1;
                    if e.is_unreachable() {
                        unreachable[t] = Some(e.problem.to_string());
                    } else {
                        answered[t] = true;
                        progress.collect(CollectEvent::Failed {
                            target: &names[t],
                            what: &job.what,
                            error: &e.problem.to_string(),
                        });
                    }
                }
            }
        }
        for t in 0..targets.len() {
            match (answered[t], down[t], &unreachable[t]) {
                (true, Some(since), _) => {
                    let after = since.elapsed();
                    down[t] = None;
                    progress.collect(CollectEvent::Back {
                        target: &names[t],
                        after,
                    });
                    index.events.push(TargetEvent {
                        time: time.clone(),
                        target: names[t].clone(),
                        event: "back".into(),
                        detail: format!("unreachable for {:.0}s", after.as_secs_f64()),
                    });
                }
                (false, None, Some(why)) => {
                    down[t] = Some(round_start);
                    progress.collect(CollectEvent::Down {
                        target: &names[t],
                        error: why,
                    });
                    index.events.push(TargetEvent {
                        time: time.clone(),
                        target: names[t].clone(),
                        event: "down".into(),
                        detail: why.clone(),
                    });
                }
                _ => {}
            }
        }
        let (files, bytes) = prune(dir, &mut index, opts);
        if files > 0 {
            progress.collect(CollectEvent::Pruned { files, bytes });
        }
        write_index(dir, &index)?;
        if summary.cancelled {
            break;
        }
        // The next round starts `every` after this one started; none
        // starts after `duration`.
        let next = round_start + every;
        if opts
            .duration
            .is_some_and(|d| next.duration_since(started) >= d)
        {
            break;
        }
        while Instant::now() < next {
            if opts.cancel.load(Ordering::Relaxed) {
                summary.cancelled = true;
                return Ok(summary);
            }
            std::thread::sleep(Duration::from_millis(100).min(next - Instant::now()));
        }
    }
    Ok(summary)
}

/// The fetches of one round, and the (target, profile) pairs gops cannot
/// give.
fn jobs(
    targets: &[CollectTarget],
    opts: &CollectOptions,
    every: Duration,
) -> (Vec<Job>, Vec<(usize, String)>) {
    let cpu_seconds = opts
        .cpu_seconds
        .unwrap_or_else(|| (every.as_secs() / 2).clamp(1, 30));
    let mut jobs = Vec::new();
    let mut unsupported = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        for p in &opts.profiles {
            let what = p.clone();
            match target {
                CollectTarget::Http(h) => {
                    let (path, seconds) = match p.as_str() {
                        "cpu" | "profile" => {
                            ("/debug/pprof/profile".to_string(), Some(cpu_seconds))
                        }
                        other => (format!("/debug/pprof/{other}"), None),
                    };
                    let src = Source::Http(h.with_path(&format!("{}{path}", h.path()), &[]));
                    jobs.push(Job {
                        target: t,
                        what,
                        how: How::Source(src, seconds),
                    });
                }
                CollectTarget::Gops(g) => {
                    let profile = match p.as_str() {
                        "heap" => GopsProfile::Heap,
                        "goroutine" | "stack" => GopsProfile::Stack,
                        "cpu" | "profile" => GopsProfile::Cpu,
                        _ => {
                            unsupported.push((t, what));
                            continue;
                        }
                    };
                    let src = Source::Gops(GopsSource {
                        target: g.clone(),
                        profile,
                    });
                    jobs.push(Job {
                        target: t,
                        what,
                        how: How::Source(src, None),
                    });
                }
            }
        }
        if opts.vars {
            match target {
                CollectTarget::Http(h) => jobs.push(Job {
                    target: t,
                    what: "vars".into(),
                    how: How::Source(
                        Source::Http(h.with_path(&format!("{}/debug/vars", h.path()), &[])),
                        None,
                    ),
                }),
                CollectTarget::Gops(g) => {
                    for (what, cmd) in [("memstats", Command::MemStats), ("stats", Command::Stats)]
                    {
                        jobs.push(Job {
                            target: t,
                            what: what.into(),
                            how: How::Gops(g.clone(), cmd),
                        });
                    }
                }
            }
        }
    }
    (jobs, unsupported)
}

/// Runs a round's fetches at once; results in order.
fn run_jobs(jobs: &[Job], opts: &CollectOptions) -> Vec<Result<(Kind, Vec<u8>), FetchError>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|job| s.spawn(move || run_job(job, opts)))
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

fn run_job(job: &Job, opts: &CollectOptions) -> Result<(Kind, Vec<u8>), FetchError> {
    match &job.how {
        How::Source(src, seconds) => {
            let fo = FetchOptions {
                seconds: *seconds,
                timeout: opts.timeout,
                save: false,
                save_dir: None,
                max_body: opts.max_body,
                read: opts.read.clone(),
                check_trace: None,
                cancel: opts.cancel.clone(),
            };
            fetch(src, &fo, &NoProgress).map(|f| (f.kind, f.bytes))
        }
        How::Gops(t, cmd) => {
            let bytes = gops::request(
                t,
                *cmd,
                opts.timeout,
                opts.max_body,
                &opts.cancel,
                &NoProgress,
            )?;
            if bytes.is_empty() {
                return Err(FetchError::new(format!("gops://{t}"), Problem::Empty));
            }
            Ok((Kind::Text, bytes))
        }
    }
}

/// The index's kind name and the file extension.
fn file_kind(kind: Kind, what: &str) -> (&'static str, &'static str) {
    match kind {
        Kind::Profile => ("profile", "pb.gz"),
        Kind::GoroutineDump => ("goroutine-dump", "txt"),
        Kind::Vars => ("vars", "json"),
        Kind::Trace => ("trace", "out"),
        Kind::Text if what == "vars" => ("vars", "json"),
        Kind::Text => ("text", "txt"),
    }
}

/// Drops the oldest snapshots beyond `keep` per target and kind, then
/// while the total exceeds `max_size`. Returns files and bytes removed.
fn prune(dir: &Path, index: &mut Index, opts: &CollectOptions) -> (usize, u64) {
    let mut remove = vec![false; index.snapshots.len()];
    if let Some(keep) = opts.keep {
        let mut seen: std::collections::HashMap<(&str, &str), usize> = Default::default();
        // Newest first.
        for (i, s) in index.snapshots.iter().enumerate().rev() {
            let n = seen.entry((&s.target, &s.what)).or_default();
            *n += 1;
            if *n > keep {
                remove[i] = true;
            }
        }
    }
    if let Some(max) = opts.max_size {
        let mut total: u64 = index
            .snapshots
            .iter()
            .zip(&remove)
            .filter(|(_, r)| !**r)
            .map(|(s, _)| s.bytes)
            .sum();
        for (i, s) in index.snapshots.iter().enumerate() {
            if total <= max {
                break;
            }
            if !remove[i] {
                remove[i] = true;
                total -= s.bytes;
            }
        }
    }
    let (mut files, mut bytes) = (0, 0);
    let mut kept = Vec::with_capacity(index.snapshots.len());
    for (s, r) in index.snapshots.drain(..).zip(remove) {
        if r {
            let _ = std::fs::remove_file(dir.join(&s.file));
            files += 1;
            bytes += s.bytes;
        } else {
            kept.push(s);
        }
    }
    index.snapshots = kept;
    (files, bytes)
}

fn write_index(dir: &Path, index: &Index) -> Result<(), CollectError> {
    let path = dir.join(INDEX_FILE);
    let mut text = serde_json::to_vec_pretty(index).expect("the index serializes");
    text.push(b'\n');
    write_atomic(&path, &text).map_err(|e| CollectError::Io {
        path,
        error: io_msg(&e),
    })
}

/// Writes `path` through a temporary file beside it and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp: PathBuf = {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
    };
    let result = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let result = result.and_then(|_| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let base = |a: &str| match CollectTarget::parse(a).unwrap() {
            CollectTarget::Http(h) => h.url(None, true),
            other => panic!("{other:?}"),
        };
        assert_eq!(base("127.0.0.1:6060"), "http://127.0.0.1:6060");
        assert_eq!(base("http://127.0.0.1:6060/"), "http://127.0.0.1:6060");
        assert_eq!(base("http://h:1/svc/debug/pprof/"), "http://h:1/svc");
        assert_eq!(base("http://u:p@h:1/debug/vars"), "http://xxxxx@h:1");
        assert_eq!(
            CollectTarget::parse("4242").unwrap(),
            CollectTarget::Gops(GopsTarget::Pid(4242))
        );
        assert_eq!(
            CollectTarget::parse("gops://127.0.0.1:9").unwrap(),
            CollectTarget::Gops(GopsTarget::Addr("127.0.0.1:9".into()))
        );
        assert_eq!(
            CollectTarget::parse("http://h:1/svc").unwrap().dir_name(),
            "h_1_svc"
        );
    }

    fn snap(target: &str, what: &str, bytes: u64, n: usize) -> Snapshot {
        Snapshot {
            time: String::new(),
            unix_ms: 0,
            round: n as u64,
            target: target.into(),
            what: what.into(),
            kind: "profile".into(),
            file: format!("f{n}.{what}"),
            bytes,
        }
    }

    #[test]
    fn pruning() {
        let dir = std::env::temp_dir().join(format!("rprof-prune-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut index = Index {
            format: INDEX_FORMAT.into(),
            targets: vec![],
            rounds: 3,
            snapshots: (0..3)
                .flat_map(|n| [snap("a", "heap", 10, n), snap("a", "vars", 1, n)])
                .collect(),
            events: vec![],
        };
        for s in &index.snapshots {
            std::fs::write(dir.join(&s.file), b"x").unwrap();
        }
        let opts = CollectOptions {
            keep: Some(2),
            ..Default::default()
        };
        assert_eq!(prune(&dir, &mut index, &opts), (2, 11));
        assert!(!dir.join("f0.heap").exists());
        assert!(dir.join("f1.heap").exists());
        let opts = CollectOptions {
            max_size: Some(12),
            ..Default::default()
        };
        // 22 bytes left: the oldest go until 12 or less remain.
        assert_eq!(prune(&dir, &mut index, &opts), (1, 10));
        let left: Vec<_> = index.snapshots.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(left, ["f1.vars", "f2.heap", "f2.vars"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
