//! `rprof fetch`, `rprof gops`, `rprof collect`: the work is
//! `rprof_source`'s; this file turns its results into files and lines.
//!
//! Ctrl-C sets the library's cancel flag (a second one ends the process
//! at once): fetches stop, nothing half-written stays behind, and the
//! command exits 130 (`collect` exits 0: Ctrl-C is how it is stopped).

use crate::cli::{CollectRun, FetchRun, GopsRequest, GopsRun};
use crate::failure::Failure;
use crate::output;
use crate::progress::{CliProgress, go_duration, human};
use crate::sources::{cancel_on_signals, fetch_failure};
use rprof_source::{CollectTarget, GopsSource, GopsTarget, Kind, Source, gops};
use std::sync::atomic::Ordering;

/// `rprof fetch SOURCE -o FILE`: download, validate, then replace FILE.
pub fn fetch(r: FetchRun) -> Result<(), Failure> {
    let source = Source::parse(&r.source).map_err(|e| Failure::usage(e.to_string()))?;
    if let Source::File(p) = &source
        && std::fs::metadata(p).is_err()
    {
        return Err(Failure::usage(format!(
            "{}: not a URL, and no such file (rprof fetch takes http://host:port/debug/pprof/..., host:port/..., gops://TARGET/heap, a file or -)",
            p.display()
        )));
    }
    cancel_on_signals(&r.fetch.cancel);
    let progress = CliProgress::new();
    let fetched = rprof_source::fetch(&source, &r.fetch, &progress);
    progress.clear();
    let fetched = fetched.map_err(fetch_failure)?;
    // A file or stdin is copied only if rprof can read it (a profile or a
    // trace); the server's own text and JSON endpoints are for URLs.
    if !source.is_remote() && !matches!(fetched.kind, Kind::Profile | Kind::Trace) {
        let problem = match rprof_profile::parse_with(&fetched.bytes, &r.fetch.read) {
            Err(e) => e.to_string(),
            Ok(_) => format!("a {}, not a profile or trace", fetched.kind.noun()),
        };
        return Err(Failure::input(format!(
            "{}: {problem}",
            fetched.display_name
        )));
    }
    if r.fetch.cancel.load(Ordering::Relaxed) {
        return Err(Failure {
            status: 130,
            message: format!("{}: cancelled", fetched.display_name),
        });
    }
    output::emit_binary(Some(&r.output), &fetched.bytes)?;
    if r.output.as_os_str() != "-" {
        progress.line(&format!(
            "Wrote {} ({}, {})",
            r.output.display(),
            fetched.kind.noun(),
            human(fetched.bytes.len() as u64)
        ));
    }
    Ok(())
}

/// `rprof gops TARGET COMMAND`.
pub fn gops(r: GopsRun) -> Result<(), Failure> {
    let target = GopsTarget::parse(&r.target).map_err(|e| Failure::usage(e.to_string()))?;
    cancel_on_signals(&r.fetch.cancel);
    let progress = CliProgress::new();
    let cmd = match r.request {
        GopsRequest::Command(cmd) => cmd,
        GopsRequest::Profile(profile) => {
            let src = Source::Gops(GopsSource { target, profile });
            let fetched = rprof_source::fetch(&src, &r.fetch, &progress);
            progress.clear();
            let fetched = fetched.map_err(fetch_failure)?;
            let path = match &r.output {
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
    };
    // Text commands answer at once: no progress lines around their output.
    let answer = gops::request(
        &target,
        cmd,
        r.fetch.timeout,
        1 << 30,
        &r.fetch.cancel,
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
    output::emit(r.output.as_deref(), &answer)
}

/// `rprof collect`.
pub fn collect(r: CollectRun) -> Result<(), Failure> {
    let targets = r
        .targets
        .iter()
        .map(|t| CollectTarget::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::usage(e.to_string()))?;
    cancel_on_signals(&r.opts.cancel);
    let progress = CliProgress::new();
    progress.line(&format!(
        "Collecting {} from {} target(s) every {} into {}{}",
        r.opts.profiles.join(",") + if r.opts.vars { ",vars" } else { "" },
        targets.len(),
        go_duration(r.opts.every),
        r.output.display(),
        r.opts
            .duration
            .map(|d| format!(" for {}", go_duration(d)))
            .unwrap_or_else(|| " until Ctrl-C".into())
    ));
    let summary = rprof_source::collect(&r.output, &targets, &r.opts, &progress);
    progress.clear();
    let summary = summary.map_err(|e| Failure::input(e.to_string()))?;
    progress.line(&format!(
        "{} after {} round(s): {} snapshot(s), {} failed fetch(es); index in {}",
        if summary.cancelled { "Stopped" } else { "Done" },
        summary.rounds,
        summary.snapshots,
        summary.failures,
        r.output.join(rprof_source::INDEX_FILE).display()
    ));
    Ok(())
}
