//! `rprof fleet …` (cargo feature `fleet`): profiles of a fleet as a
//! Parquet dataset (rprof-fleet), queried with SQL; `top`, `diff` and
//! `--to-profile` over a selection of profiles. Everything of the command
//! (arguments and runners) is in this file so that the feature touches
//! the rest of the CLI in two lines.

use crate::Failure;
use crate::cli::ReportArgs;
use clap::{Args, Subcommand};
use rprof_fleet::{Fleet, FleetError, OpenOptions};
use std::path::PathBuf;

/// `rprof fleet`.
#[derive(Args)]
pub struct FleetCmd {
    #[command(subcommand)]
    pub command: FleetSub,
}

/// The `rprof fleet` subcommands.
#[derive(Subcommand)]
pub enum FleetSub {
    /// Add profiles (files, directories) to a dataset, creating it if
    /// needed. `key=value` directory names become labels; the same profile
    /// is stored once; bad files are reported and skipped.
    Ingest(IngestCmd),
    /// Run SQL over the tables profiles, samples and stacks.
    Sql(SqlCmd),
    /// `rprof top` of the selected profiles merged (byte for byte).
    Top(TopCmd),
    /// `rprof diff` of two selections.
    Diff(DiffCmd),
}

#[derive(Args)]
pub struct IngestCmd {
    /// The dataset directory (created if missing).
    #[arg(short, long, value_name = "DATASET", required = true)]
    pub output: PathBuf,
    /// Partition by this label's value (under the day), e.g. service; only
    /// when the dataset is created.
    #[arg(long, value_name = "LABEL")]
    pub partition_by: Option<String>,
    /// Give every ingested profile this label (repeatable).
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// No progress line on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Profiles and directories of profiles.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
}

/// Where queries run.
#[derive(Args)]
pub struct EngineArgs {
    /// Run the queries on the Ballista scheduler at HOST:PORT (its
    /// executors must see DATASET at the same path).
    #[arg(long, value_name = "HOST:PORT")]
    pub cluster: Option<String>,
}

#[derive(Args)]
pub struct SqlCmd {
    /// The query (tables: profiles, samples, stacks; functions:
    /// leaf_function, stack_contains, stack_text).
    pub query: String,
    /// The dataset directory.
    #[arg(value_name = "DATASET")]
    pub dataset: PathBuf,
    /// JSON: an array of objects.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV with a header row.
    #[arg(long)]
    pub csv: bool,
    /// Write the result to FILE (replaced only once it is complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Args)]
pub struct TopCmd {
    /// Which profiles: a SQL condition on the profiles table, e.g.
    /// "labels['service'] = 'api' AND time > now() - INTERVAL '1 day'".
    #[arg(long = "where", value_name = "SQL")]
    pub condition: Option<String>,
    /// Write the merged selection as a pprof file (-o) instead of the report.
    #[arg(long, requires = "output")]
    pub to_profile: bool,
    /// Write the report (or, with --to-profile, the profile) to FILE.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The dataset directory.
    #[arg(value_name = "DATASET")]
    pub dataset: PathBuf,
}

#[derive(Args)]
pub struct DiffCmd {
    /// The base selection (SQL condition on profiles).
    #[arg(long, value_name = "SQL", required = true)]
    pub base_where: String,
    /// The current selection (default: all profiles).
    #[arg(long = "where", value_name = "SQL")]
    pub condition: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write the report to FILE.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The dataset directory.
    #[arg(value_name = "DATASET")]
    pub dataset: PathBuf,
}

/// Runs `rprof fleet …`.
pub fn run(cmd: FleetCmd) -> Result<(), Failure> {
    match cmd.command {
        FleetSub::Ingest(a) => ingest(a),
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

fn ingest(a: IngestCmd) -> Result<(), Failure> {
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
        read: crate::READ_OPTIONS.get_or_init(Default::default).clone(),
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
    let mut merged = fleet.merged(a.condition.as_deref()).map_err(failed)?;
    if a.to_profile {
        let mut bytes = Vec::new();
        rprof_profile::write::write_gz(&merged.profile, &mut bytes)
            .map_err(|e| Failure::input(e.to_string()))?;
        return crate::output::emit_binary(a.output.as_deref(), &bytes);
    }
    let report = rprof_fleet::report::top(&mut merged.profile, &opts).map_err(report_failure)?;
    for note in &report.notes {
        eprintln!("{note}");
    }
    crate::output::emit(a.output.as_deref(), report.text.as_bytes())
}

fn diff(a: DiffCmd) -> Result<(), Failure> {
    let opts = a.report.options()?;
    let fleet = open(&a.dataset, &a.engine)?;
    let mut base = fleet.merged(Some(&a.base_where)).map_err(failed)?;
    let mut current = fleet.merged(a.condition.as_deref()).map_err(failed)?;
    // The filters shape both sides alike, as in `rprof diff`.
    for p in [&mut base.profile, &mut current.profile] {
        let applied = rprof_report::filters::apply(p, &opts).map_err(report_failure)?;
        for note in &applied.notes {
            eprintln!("{note}");
        }
    }
    let names = |m: &rprof_fleet::Merged| m.profiles.iter().map(|p| p.source.clone()).collect();
    let report = rprof_report::diff::diff(&base.profile, &current.profile, &opts)
        .map_err(|e| match e {
            rprof_report::diff::DiffError::Report(e) => report_failure(e),
            e => Failure::input(e.to_string()),
        })?
        .with_sources(names(&base), names(&current));
    let out = if a.json {
        rprof_report::diff::to_json_string(&report)
    } else {
        let mut s = String::new();
        rprof_report::diff::write_text(&report, &mut s);
        s
    };
    crate::output::emit(a.output.as_deref(), out.as_bytes())
}

/// Option errors are usage errors (exit 2); the rest are about the input.
fn report_failure(e: rprof_report::ReportError) -> Failure {
    use rprof_report::ReportError;
    match e {
        ReportError::SampleIndex(e) => Failure::usage(e.to_string()),
        e @ ReportError::Option { .. } => Failure::usage(e.to_string()),
        e => Failure::input(e.to_string()),
    }
}
