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
    /// Allow a gzipped input to inflate to SIZE (e.g. 8g, 512m) whatever
    /// its compression ratio. By default a stream stops past 64x its size
    /// once beyond 64 MiB, and at 4 GiB in any case (gzip bombs).
    #[arg(long, global = true, value_name = "SIZE", value_parser = parse_size)]
    pub max_inflate: Option<u64>,
}

/// `512m`, `8g`, `1048576`: a byte count with an optional binary suffix.
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

#[derive(Subcommand)]
pub enum Command {
    /// Functions by flat (or cumulative) value: `go tool pprof -top`.
    Top(ReportCmd),
    /// Every sample's stack with its value: `go tool pprof -traces`.
    Traces(ReportCmd),
    /// Dump of the profile's samples, locations and mappings: `go tool pprof -raw`.
    Raw(RawCmd),
    /// Label keys with the value broken down by label value: `go tool pprof -tags`.
    Tags(ReportCmd),
    /// The call graph as text, callers above and callees below each node:
    /// `go tool pprof -tree`.
    Tree(ReportCmd),
    /// Callers and callees of the functions matching RE: `go tool pprof -peek`.
    Peek(PeekCmd),
    /// The call graph as DOT or SVG: `go tool pprof -dot` / `-svg`.
    Graph(GraphCmd),
    /// An interactive SVG flame graph (or folded stacks); with --base or
    /// --diff-base, a differential one (red grew, blue shrank).
    Flame(FlameCmd),
    /// Go execution traces (runtime/trace, go test -trace).
    #[command(subcommand)]
    Trace(TraceCmd),
    /// Compare profiles: base, current and delta per function, new and gone
    /// functions marked (rprof's own report; `--json` for scripts).
    Diff(DiffCmd),
    /// Merge many profiles (a fleet, hourly captures) into one pprof file.
    Merge(MergeCmd),
    /// Write the processed (merged, subtracted) profile as a pprof file:
    /// `go tool pprof -proto`.
    Proto(ProtoCmd),
    /// Profiles of a fleet as a Parquet dataset: ingest, SQL, and top/diff
    /// of selections (built with the `fleet` feature).
    #[cfg(feature = "fleet")]
    Fleet(crate::fleet::FleetCmd),
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
    #[command(flatten)]
    pub report: ReportArgs,
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
pub struct PeekCmd {
    /// Regular expression matching the functions to show.
    #[arg(value_name = "RE")]
    pub regex: String,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args)]
pub struct GraphCmd {
    /// dot or svg; default: from the -o file's extension, else dot.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<GraphFormat>,
    /// How SVG is drawn: dot (Graphviz, as pprof does) or builtin (pure
    /// Rust, needs nothing installed). Default: dot when Graphviz is on
    /// PATH, else builtin.
    #[arg(long, value_name = "RENDERER")]
    pub renderer: Option<GraphRenderer>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphRenderer {
    Dot,
    Builtin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Svg,
}

#[derive(Args)]
pub struct FlameCmd {
    /// Write collapsed stacks (`a;b;c 42`, values in the profile's unit)
    /// instead of SVG: the input of flamegraph.pl, inferno and speedscope.
    #[arg(long)]
    pub folded: bool,
    /// Title (default: names the file).
    #[arg(long)]
    pub title: Option<String>,
    /// Subtitle (default: file, type, sample index and total).
    #[arg(long)]
    pub subtitle: Option<String>,
    /// Width of the image in pixels (default: the window's).
    #[arg(long, value_name = "PX")]
    pub width: Option<usize>,
    /// Leave out frames narrower than this percentage of the total.
    #[arg(long, value_name = "PERCENT", default_value_t = 0.01)]
    pub min_width: f64,
    /// Root at the top (icicle graph).
    #[arg(long)]
    pub icicle: bool,
    /// Callers view: leaf functions at the root.
    #[arg(long)]
    pub reverse: bool,
    /// Palette: auto (Go palette; memory colours for heap profiles), go,
    /// gomem, or one of inferno's (hot, mem, io, …).
    #[arg(long, value_name = "PALETTE", default_value = "auto")]
    pub colors: rprof_flame::Colors,
    /// What one unit of a count profile is called (e.g. goroutines).
    #[arg(long, value_name = "NAME")]
    pub count_name: Option<String>,
    /// Differential graphs: size frames by the base profile.
    #[arg(long)]
    pub negate: bool,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Subcommand)]
pub enum TraceCmd {
    /// Print the trace as `go tool trace -d=wire` or `-d=parsed` does.
    Dump(TraceDumpCmd),
    /// A blocking profile of the trace, as `go tool trace -pprof=KIND`:
    /// sched (waiting to run), sync, net or syscall. Writes a pprof file
    /// that every rprof report reads.
    Pprof(TracePprofCmd),
    /// What the web UI is opened for, in the terminal: time by state, GC
    /// and STW pauses, per-P utilisation, tasks, regions, MMU.
    Summary(TraceSummaryCmd),
    /// go tool trace's goroutine analysis: goroutines grouped by start
    /// function, with execution, scheduler wait, blocking and syscall time.
    Goroutines(TraceGoroutinesCmd),
    /// Chrome trace-event JSON for Perfetto's UI or chrome://tracing,
    /// written as the trace is read; --start/--end export a window.
    Export(TraceExportCmd),
}

#[derive(Args)]
pub struct TraceExportCmd {
    /// Output format (only chrome: Chrome trace-event JSON).
    #[arg(long, value_name = "FORMAT", default_value = "chrome", value_parser = ["chrome"])]
    pub format: String,
    /// Start of the window, in ms after the trace's first event.
    #[arg(long, value_name = "MS")]
    pub start: Option<f64>,
    /// End of the window, in ms after the trace's first event.
    #[arg(long, value_name = "MS")]
    pub end: Option<f64>,
    /// The JSON file to write (replaced only once complete); `-` for stdout.
    #[arg(short, long, value_name = "FILE", required = true)]
    pub output: PathBuf,
    /// The execution trace.
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
}

#[derive(Args)]
pub struct TracePprofCmd {
    /// sched, sync, net or syscall.
    #[arg(long, value_name = "KIND")]
    pub kind: rprof_trace::analysis::pprof::PprofKind,
    /// The profile to write (gzipped pprof); `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The execution trace.
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
}

#[derive(Args)]
pub struct TraceSummaryCmd {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The execution trace.
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
}

#[derive(Args)]
pub struct TraceGoroutinesCmd {
    /// Sort groups by exec, count, total, sched, block, sync, net,
    /// syscall, syscall-block, gc-assist, unknown or name.
    #[arg(long, value_name = "COLUMN", default_value = "exec")]
    pub sort: rprof_trace::analysis::goroutines::GroupSort,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The execution trace.
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
}

#[derive(Args)]
pub struct TraceDumpCmd {
    /// The raw events, batch by batch (go tool trace -d=wire).
    #[arg(long, conflicts_with = "parsed", required_unless_present = "parsed")]
    pub wire: bool,
    /// The ordered events (go tool trace -d=parsed).
    #[arg(long)]
    pub parsed: bool,
    /// Write to FILE (replaced only once complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The execution trace.
    #[arg(value_name = "TRACE")]
    pub trace: PathBuf,
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
    /// Keep only samples with a frame matching RE (function, file or
    /// binary name). A pattern that is not a valid regular expression,
    /// such as `(*conn).Write`, is matched as literal text.
    #[arg(long, value_name = "RE")]
    pub focus: Option<String>,
    /// Drop samples with a frame matching RE.
    #[arg(long, value_name = "RE")]
    pub ignore: Option<String>,
    /// Remove frames matching RE from the stacks.
    #[arg(long, value_name = "RE")]
    pub hide: Option<String>,
    /// Keep only frames matching RE in the stacks.
    #[arg(long, value_name = "RE")]
    pub show: Option<String>,
    /// Drop the frames above the outermost frame matching RE (samples
    /// without a match are dropped).
    #[arg(long, value_name = "RE")]
    pub show_from: Option<String>,
    /// Drop the frames below the innermost frame matching RE.
    #[arg(long, value_name = "RE")]
    pub prune_from: Option<String>,
    /// Keep samples whose labels match: `key=value`, regexps, or numeric
    /// ranges such as `bytes=1kb:`, `64kb:1mb`.
    #[arg(long, value_name = "FILTER")]
    pub tagfocus: Option<String>,
    /// Drop samples whose labels match (same syntax as --tagfocus).
    #[arg(long, value_name = "FILTER")]
    pub tagignore: Option<String>,
    /// Keep only label keys matching RE.
    #[arg(long, value_name = "RE")]
    pub tagshow: Option<String>,
    /// Remove label keys matching RE.
    #[arg(long, value_name = "RE")]
    pub taghide: Option<String>,
    /// Add label values of these keys as pseudo frames at the root.
    #[arg(long, value_name = "KEY,...", value_delimiter = ',')]
    pub tagroot: Vec<String>,
    /// Add label values of these keys as pseudo frames at the leaf.
    #[arg(long, value_name = "KEY,...", value_delimiter = ',')]
    pub tagleaf: Vec<String>,
    /// Show percentages of what the filters kept, not of the whole profile.
    #[arg(long)]
    pub relative_percentages: bool,
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
            focus: self.focus.clone(),
            ignore: self.ignore.clone(),
            hide: self.hide.clone(),
            show: self.show.clone(),
            show_from: self.show_from.clone(),
            prune_from: self.prune_from.clone(),
            tagfocus: self.tagfocus.clone(),
            tagignore: self.tagignore.clone(),
            tagshow: self.tagshow.clone(),
            taghide: self.taghide.clone(),
            tagroot: nonempty(&self.tagroot),
            tagleaf: nonempty(&self.tagleaf),
            relative_percentages: self.relative_percentages,
        })
    }
}

fn nonempty(v: &[String]) -> Vec<String> {
    v.iter().filter(|s| !s.is_empty()).cloned().collect()
}
