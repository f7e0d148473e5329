//! The command line, as clap derive types. Nothing here knows how a
//! report is made: `options()` turns the arguments into the library's
//! plain option structs.

use crate::Failure;
use clap::{Args, Parser, Subcommand};
use rprof_report::ReportOptions;
use std::path::PathBuf;

/// Analyse Go profiles offline: a faster `go tool pprof`.
#[derive(Parser)]
#[command(name = "rprof", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Functions by flat (or cumulative) value: `go tool pprof -top`.
    Top(ReportCmd),
    /// Every sample's stack with its value: `go tool pprof -traces`.
    Traces(ReportCmd),
    /// Dump of the profile's samples, locations and mappings: `go tool pprof -raw`.
    Raw(RawCmd),
    /// Compare profiles: base, current and delta per function, new and gone
    /// functions marked (rprof's own report; `--json` for scripts).
    Diff(DiffCmd),
    /// Merge many profiles (a fleet, hourly captures) into one pprof file.
    Merge(MergeCmd),
    /// Write the processed (merged, subtracted) profile as a pprof file:
    /// `go tool pprof -proto`.
    Proto(ProtoCmd),
}

#[derive(Args)]
pub struct DiffCmd {
    /// The profile(s) to compare against (merged).
    #[arg(long, value_name = "PROFILE", required = true)]
    pub base: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Write the report to FILE (replaced only once it is complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The current profile(s) (merged).
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
}

#[derive(Args)]
pub struct MergeCmd {
    /// The merged profile (gzipped pprof protobuf); `-` for stdout.
    #[arg(short, long, value_name = "FILE", required = true)]
    pub output: PathBuf,
    /// Profiles to merge.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
}

#[derive(Args)]
pub struct ProtoCmd {
    /// Divide every value by F before writing.
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    pub divide_by: f64,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args)]
pub struct ReportCmd {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args)]
pub struct RawCmd {
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Arguments every command takes.
#[derive(Args)]
pub struct CommonArgs {
    /// Subtract these profiles (merged) from the sources; identical stacks
    /// cancel.
    #[arg(long, value_name = "PROFILE", conflicts_with = "diff_base")]
    pub base: Vec<PathBuf>,
    /// Compare against these profiles: percentages refer to their total.
    #[arg(long, value_name = "PROFILE")]
    pub diff_base: Vec<PathBuf>,
    /// Scale the sources to the base's total before subtracting.
    #[arg(long)]
    pub normalize: bool,
    /// Write the report to FILE (replaced only once it is complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Profiles to read (pprof protobuf, gzipped or not, or Go's debug=1
    /// text form); several are merged.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
}

/// Options that shape a report, with pprof's names and meaning.
#[derive(Args)]
pub struct ReportArgs {
    /// Show at most N nodes (default: all for top).
    #[arg(long, value_name = "N")]
    pub nodecount: Option<usize>,
    /// Hide nodes below this fraction of the total.
    #[arg(long, value_name = "F", default_value_t = 0.005)]
    pub nodefraction: f64,
    /// Hide edges below this fraction of the total.
    #[arg(long, value_name = "F", default_value_t = 0.001)]
    pub edgefraction: f64,
    /// Sort by cumulative value.
    #[arg(long)]
    pub cum: bool,
    /// Sample value to report, by index or name (e.g. alloc_space);
    /// default: the profile's default type, else the last one.
    #[arg(long, value_name = "NAME|N")]
    pub sample_index: Option<String>,
    /// Report the mean value per sample (value / count), e.g. mean delay.
    #[arg(long)]
    pub mean: bool,
    /// Output unit: minimum (one unit for the report), auto (each value
    /// its own), or a unit such as ms, s, kb, mb.
    #[arg(long, value_name = "UNIT", default_value = "minimum")]
    pub unit: String,
    /// Divide every value by F (percentages are unchanged).
    #[arg(long, value_name = "F", default_value_t = 1.0)]
    pub divide_by: f64,
    /// Aggregate frames by functions, filefunctions, files, lines or addresses.
    #[arg(long, value_name = "G", default_value = "functions")]
    pub granularity: rprof_report::Granularity,
    /// Attribute inlined functions to their out-of-line caller.
    #[arg(long)]
    pub noinlines: bool,
    /// Keep column numbers at lines granularity.
    #[arg(long)]
    pub showcolumns: bool,
    /// Show every node and edge: no nodecount, nodefraction or edgefraction.
    #[arg(long)]
    pub no_trim: bool,
    /// Drop nodes with negative values (for --base comparisons).
    #[arg(long)]
    pub drop_negative: bool,
}

impl ReportArgs {
    /// The library options these arguments stand for.
    pub fn options(&self) -> Result<ReportOptions, Failure> {
        for (name, v) in [
            ("--nodefraction", self.nodefraction),
            ("--edgefraction", self.edgefraction),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Failure::usage(format!(
                    "{name} must be between 0 and 1, not {v}"
                )));
            }
        }
        if self.divide_by == 0.0 || !self.divide_by.is_finite() {
            return Err(Failure::usage(format!(
                "--divide-by must be a non-zero number, not {}",
                self.divide_by
            )));
        }
        Ok(ReportOptions {
            node_count: self.nodecount,
            node_fraction: self.nodefraction,
            edge_fraction: self.edgefraction,
            trim: !self.no_trim,
            cum: self.cum,
            sample_index: self.sample_index.clone().unwrap_or_default(),
            mean: self.mean,
            unit: self.unit.clone(),
            divide_by: self.divide_by,
            granularity: self.granularity,
            no_inlines: self.noinlines,
            show_columns: self.showcolumns,
            drop_negative: self.drop_negative,
            compact_labels: false,
        })
    }
}
