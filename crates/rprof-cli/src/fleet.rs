//! `rprof fleet …` (cargo feature `fleet`): profiles of a fleet as a
//! Parquet dataset (rprof-fleet), queried with SQL; `top`, `diff` and
//! `--to-profile` over a selection of profiles. Everything of the command
//! (arguments and runners) is in this file so that the feature touches
//! the rest of the CLI in two lines.

use crate::cli::fleet::{DiffCmd, EngineArgs, FleetCmd, FleetSub, IngestCmd, SqlCmd, TopCmd};
use crate::failure::Failure;
use rprof_fleet::{Fleet, FleetError, OpenOptions};

/// Runs `rprof fleet …`.
pub fn run(cmd: FleetCmd, fetch: rprof_source::FetchOptions) -> Result<(), Failure> {
    match cmd.command {
        FleetSub::Ingest(a) => ingest(a, &fetch),
        FleetSub::Sql(a) => sql(a),
        FleetSub::Top(a) => top(a),
        FleetSub::Diff(a) => diff(a),
    }
}

fn failed(e: FleetError) -> Failure {
    Failure::input(e.to_string())
}

fn open(dataset: &std::path::Path, engine: &EngineArgs) -> Result<Fleet, Failure> {
    let opts = OpenOptions {
        cluster: engine.cluster.clone(),
        ..OpenOptions::default()
    };
    Fleet::open(dataset, &opts).map_err(failed)
}

/// The inputs of `fleet ingest`: local ones as paths, remote ones fetched
/// (concurrently, with progress) and labelled `target` as `rprof collect`
/// labels its snapshots. Fetches that fail are reported and skipped.
fn ingest_inputs(
    args: &[String],
    fetch: &rprof_source::FetchOptions,
) -> Result<(Vec<rprof_fleet::Input>, usize), Failure> {
    use rprof_source::{CollectTarget, Source};
    let sources = args
        .iter()
        .map(|a| crate::sources::classify(a))
        .collect::<Result<Vec<_>, _>>()?;
    let remote: Vec<(&String, Source)> = args
        .iter()
        .zip(&sources)
        .filter(|(_, s)| s.is_remote())
        .map(|(a, s)| (a, s.clone()))
        .collect();
    let mut fetched = Vec::new();
    if !remote.is_empty() {
        let list: Vec<Source> = remote.iter().map(|(_, s)| s.clone()).collect();
        fetched = crate::sources::fetch_each(&list, fetch);
    }
    let mut fetched = remote.iter().zip(fetched);
    let mut inputs = Vec::with_capacity(args.len());
    let mut failed = 0;
    for s in &sources {
        let Source::File(path) = s else {
            if !s.is_remote() {
                return Err(Failure::usage(format!(
                    "{}: fleet ingest reads files, directories and URLs",
                    s.display_name()
                )));
            }
            let Some(((arg, src), r)) = fetched.next() else {
                continue;
            };
            let shown = src.display_name();
            match r {
                Err(e) if e.is_cancelled() => return Err(crate::sources::fetch_failure(e)),
                Err(e) => {
                    failed += 1;
                    eprintln!(
                        "rprof: {} (skipped)",
                        crate::sources::fetch_failure(e).message
                    );
                }
                Ok(f) => match f.profile {
                    None => {
                        failed += 1;
                        eprintln!("rprof: {}: not a profile (skipped)", f.display_name);
                    }
                    Some(profile) => {
                        let target = CollectTarget::parse(arg)
                            .map(|t| t.display_name())
                            .unwrap_or(shown);
                        inputs.push(rprof_fleet::Input::Profile {
                            source: f.display_name,
                            bytes: f.bytes.len() as u64,
                            profile: Box::new(profile),
                            labels: vec![("target".to_string(), target)],
                        });
                    }
                },
            }
            continue;
        };
        inputs.push(rprof_fleet::Input::Path(path.clone()));
    }
    Ok((inputs, failed))
}

fn ingest(a: IngestCmd, fetch: &rprof_source::FetchOptions) -> Result<(), Failure> {
    let read = fetch.read.clone();
    use std::io::{IsTerminal, Write};
    let mut labels = Vec::new();
    for l in &a.labels {
        let Some((k, v)) = l.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(Failure::usage(format!("--label {l:?}: expected KEY=VALUE")));
        };
        labels.push((k.to_string(), v.to_string()));
    }
    let opts = rprof_fleet::IngestOptions {
        partition_by: a.partition_by.clone(),
        labels,
        read,
        ..Default::default()
    };
    let show = !a.quiet && std::io::stderr().is_terminal();
    let last = std::sync::Mutex::new(std::time::Instant::now());
    let (inputs, fetch_failed) = ingest_inputs(&a.inputs, fetch)?;
    let report = rprof_fleet::ingest_inputs(&a.output, inputs, &opts, |p| {
        if !show {
            return;
        }
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        if p.done == p.total || last.elapsed() > std::time::Duration::from_millis(200) {
            *last = std::time::Instant::now();
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\rread {}/{} profiles ({:.1} MB)",
                p.done,
                p.total,
                p.bytes as f64 / 1e6
            );
            if p.done == p.total {
                let _ = writeln!(err);
            }
        }
    })
    .map_err(failed)?;
    for s in &report.skipped {
        eprintln!("rprof: {}: {} (skipped)", s.path.display(), s.reason);
    }
    println!(
        "{}: ingested {} profiles ({} samples, {} new stacks, {} files), {} already there, {} skipped",
        a.output.display(),
        report.ingested,
        report.samples,
        report.new_stacks,
        report.files_written,
        report.duplicates,
        report.skipped.len() + fetch_failed
    );
    let skipped = report.skipped.len() + fetch_failed;
    if skipped == 0 {
        Ok(())
    } else {
        Err(Failure::input(format!(
            "{} of {} inputs were no readable profile (the others were ingested)",
            skipped,
            skipped + report.ingested + report.duplicates
        )))
    }
}

fn sql(a: SqlCmd) -> Result<(), Failure> {
    let fleet = open(&a.dataset, &a.engine)?;
    let batches = fleet.sql(&a.query).map_err(failed)?;
    let mut out = Vec::new();
    if a.json {
        rprof_fleet::format::json::write_json(&batches, &mut out).map_err(failed)?;
    } else if a.csv {
        rprof_fleet::format::csv::write_csv(&batches, &mut out).map_err(failed)?;
    } else {
        let mut s = String::new();
        rprof_fleet::format::text::write_text(&batches, &mut s).map_err(failed)?;
        out = s.into_bytes();
    }
    crate::output::emit(a.output.as_deref(), &out)
}

fn top(a: TopCmd) -> Result<(), Failure> {
    let opts = a.report.options()?;
    let fleet = open(&a.dataset, &a.engine)?;
    let merged = fleet.merged(a.condition.as_deref()).map_err(failed)?;
    if a.to_profile {
        let mut bytes = Vec::new();
        rprof_profile::write_gz(&merged.profile, &mut bytes)
            .map_err(|e| Failure::input(e.to_string()))?;
        return crate::output::emit_binary(a.output.as_deref(), &bytes);
    }
    // Exactly as `rprof top` makes it from files.
    let pipeline = rprof_report::pipeline::Pipeline {
        report: opts,
        ..Default::default()
    };
    let prepared = crate::report::prepare(&pipeline, merged.profile)?;
    let r = prepared.report().map_err(crate::report::report_failure)?;
    let mut text = String::new();
    rprof_report::top::write_top(&r, &mut text);
    crate::output::emit(a.output.as_deref(), text.as_bytes())
}

fn diff(a: DiffCmd) -> Result<(), Failure> {
    let opts = a.report.options()?;
    let fleet = open(&a.dataset, &a.engine)?;
    let base = fleet.merged(Some(&a.base_where)).map_err(failed)?;
    let current = fleet.merged(a.condition.as_deref()).map_err(failed)?;
    let names = |m: &rprof_fleet::Merged| m.profiles.iter().map(|p| p.source.clone()).collect();
    let sides = crate::report::DiffSides {
        base_names: names(&base),
        current_names: names(&current),
        base: base.profile,
        current: current.profile,
    };
    let pipeline = rprof_report::pipeline::Pipeline {
        report: opts,
        ..Default::default()
    };
    crate::report::write_diff(&pipeline, sides, a.json, a.output.as_deref())
}
