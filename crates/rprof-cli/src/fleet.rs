//! `rprof fleet …` (cargo feature `fleet`): profiles of a fleet as a
//! Parquet dataset (rprof-fleet), queried with SQL; `top`, `diff` and
//! `--to-profile` over a selection of profiles. Everything of the command
//! (arguments and runners) is in this file so that the feature touches
//! the rest of the CLI in two lines.

use crate::cli::fleet::{DiffCmd, EngineArgs, FleetCmd, FleetSub, IngestCmd, SqlCmd, TopCmd};
use crate::failure::Failure;
use rprof_fleet::{Fleet, FleetError, OpenOptions};

/// Runs `rprof fleet …`.
pub fn run(cmd: FleetCmd, read: rprof_profile::ReadOptions) -> Result<(), Failure> {
    match cmd.command {
        FleetSub::Ingest(a) => ingest(a, read),
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

fn ingest(a: IngestCmd, read: rprof_profile::ReadOptions) -> Result<(), Failure> {
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
    let report = rprof_fleet::ingest(&a.output, &a.inputs, &opts, |p| {
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
        report.skipped.len()
    );
    if report.skipped.is_empty() {
        Ok(())
    } else {
        Err(Failure::input(format!(
            "{} of {} inputs were no readable profile (the others were ingested)",
            report.skipped.len(),
            report.skipped.len() + report.ingested + report.duplicates
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
        rprof_profile::write::write_gz(&merged.profile, &mut bytes)
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
