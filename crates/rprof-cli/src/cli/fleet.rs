//! `rprof fleet`: its arguments (built with the `fleet` feature).

use super::args::ReportArgs;
use clap::{Args, Subcommand};
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
    /// Add profiles (files, directories, URLs) to a dataset, creating it
    /// if needed. `key=value` directory names become labels; the same profile
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
    /// Profiles, directories of profiles (`rprof collect` directories
    /// through their index), and URLs of `/debug/pprof` endpoints or gops
    /// agents (fetched concurrently; labelled `target`).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
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
