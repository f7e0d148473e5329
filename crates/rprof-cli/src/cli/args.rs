//! The clap argument types of the commands (what `rprof --help` shows).

use crate::failure::Failure;
use clap::{Args, Subcommand, ValueEnum};
use rprof_report::{ReportOptions, defaults};
use rprof_trace::analysis::goroutines::GroupSort;
use rprof_trace::analysis::pprof::PprofKind;
use std::path::PathBuf;
use std::time::Duration;

/// `512m`, `8g`, `1048576`: a byte count with an optional binary suffix.
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
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

#[derive(Args)]
pub struct DiffCmd {
    /// The profile(s) to compare against (merged).
    #[arg(long, value_name = "PROFILE", required = true)]
    pub base: Vec<String>,
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
    pub profiles: Vec<String>,
}

#[derive(Args)]
pub struct MergeCmd {
    /// The merged profile (gzipped pprof protobuf); `-` for stdout.
    #[arg(short, long, value_name = "FILE", required = true)]
    pub output: PathBuf,
    /// Profiles to merge.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
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
pub struct TopCmd {
    /// Print the table as JSON (total, header lines, rows with values
    /// and their text).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args)]
pub struct CommentsCmd {
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args)]
pub struct ListCmd {
    /// Regular expression matching the functions to list.
    #[arg(value_name = "RE")]
    pub regex: String,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args)]
pub struct DisasmCmd {
    /// Regular expression matching the symbols to disassemble, or an
    /// address (`0x4fed40`).
    #[arg(value_name = "RE")]
    pub regex: String,
    /// Intel syntax instead of GNU (AT&T) syntax (pprof's -intel_syntax).
    #[arg(long)]
    pub intel_syntax: bool,
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
    /// dot, svg, png, pdf, gif, ps, eps or callgrind; default: from the
    /// -o file's extension, else dot. Images are drawn by Graphviz; PNG
    /// without it from the built-in layout.
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
    Png,
    Pdf,
    Gif,
    Ps,
    Eps,
    /// Callgrind's format, for KCachegrind and QCachegrind.
    Callgrind,
}

/// What `rprof flame` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FlameFormat {
    /// An interactive SVG.
    Svg,
    /// The SVG as a PNG image.
    Png,
    /// Collapsed stacks (`a;b;c 42`).
    Folded,
    /// speedscope's JSON file format.
    Speedscope,
}

#[derive(Args)]
pub struct FlameCmd {
    /// svg, png, folded or speedscope; default: from the -o file's
    /// extension (.svg, .png, .folded, .json), else svg.
    #[arg(long, value_name = "FORMAT", conflicts_with = "folded")]
    pub format: Option<FlameFormat>,
    /// Write collapsed stacks (`a;b;c 42`, values in the profile's unit)
    /// instead of SVG: the input of flamegraph.pl, inferno and speedscope
    /// (same as --format folded).
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
    #[arg(long, value_name = "PERCENT", default_value_t = rprof_flame::defaults::MIN_WIDTH)]
    pub min_width: f64,
    /// Root at the top (icicle graph).
    #[arg(long)]
    pub icicle: bool,
    /// Callers view: leaf functions at the root.
    #[arg(long)]
    pub reverse: bool,
    /// Palette: auto (Go palette; memory colours for heap profiles), go,
    /// gomem, or one of inferno's (hot, mem, io, …).
    #[arg(long, value_name = "PALETTE", default_value = rprof_flame::defaults::COLORS)]
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

/// `rprof trace [--strict] COMMAND`.
#[derive(Args)]
pub struct TraceArgs {
    /// A trace cut short (a crashed program, a copy still being written)
    /// is an error. By default, as `go tool trace`, its complete
    /// generations are used and one line on stderr says where the rest
    /// was lost.
    #[arg(long, global = true)]
    pub strict: bool,
    #[command(subcommand)]
    pub command: TraceCmd,
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
    /// The browser view of `go tool trace -http`: timelines by proc and
    /// by thread, goroutine analysis, blocking profiles, tasks, regions,
    /// MMU. Pages answer at once while the trace is indexed; the server
    /// holds the index, not the trace.
    Web(TraceWebCmd),
}

#[derive(Args)]
pub struct TraceWebCmd {
    /// Serve on HOST:PORT; default 127.0.0.1 and a free port. Any other
    /// host than a loopback one lets anyone who can reach it read the
    /// trace.
    #[arg(long, value_name = "HOST:PORT")]
    pub http: Option<String>,
    /// Do not open a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Start of the window, in ms after the trace's first event: every
    /// view shows only what happened from then on.
    #[arg(long, value_name = "MS")]
    pub start: Option<f64>,
    /// End of the window, in ms after the trace's first event.
    #[arg(long, value_name = "MS")]
    pub end: Option<f64>,
    /// The execution trace: a file, `-`, or a URL (fetched whole into a
    /// temporary file first).
    #[arg(value_name = "TRACE")]
    pub trace: String,
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
    pub trace: String,
}

#[derive(Args)]
pub struct TracePprofCmd {
    /// sched, sync, net or syscall.
    #[arg(long, value_name = "KIND")]
    pub kind: PprofKind,
    /// The profile to write (gzipped pprof); `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The execution trace.
    #[arg(value_name = "TRACE")]
    pub trace: String,
}

#[derive(Args)]
pub struct TraceSummaryCmd {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The execution trace.
    #[arg(value_name = "TRACE")]
    pub trace: String,
}

#[derive(Args)]
pub struct TraceGoroutinesCmd {
    /// Sort groups by exec, count, total, sched, block, sync, net,
    /// syscall, syscall-block, gc-assist, unknown or name.
    #[arg(long, value_name = "COLUMN", default_value = "exec")]
    pub sort: GroupSort,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The execution trace.
    #[arg(value_name = "TRACE")]
    pub trace: String,
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
    pub trace: String,
}

#[derive(Args)]
pub struct RawCmd {
    /// Accepted as pprof accepts it with -raw, where it changes nothing:
    /// the dump shows the profile as loaded.
    #[arg(long)]
    pub drop_negative: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Arguments every command takes.
#[derive(Args)]
pub struct CommonArgs {
    /// Subtract these profiles (merged) from the sources; identical stacks
    /// cancel.
    #[arg(long, value_name = "PROFILE", conflicts_with = "diff_base")]
    pub base: Vec<String>,
    /// Compare against these profiles: percentages refer to their total.
    #[arg(long, value_name = "PROFILE")]
    pub diff_base: Vec<String>,
    /// Scale the sources to the base's total before subtracting.
    #[arg(long)]
    pub normalize: bool,
    /// Write the report to FILE (replaced only once it is complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Profiles to read (pprof protobuf, gzipped or not, or Go's debug=1
    /// text form); several are merged.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
}

/// Options that shape a report, with pprof's names and meaning.
#[derive(Args)]
pub struct ReportArgs {
    /// Show at most N nodes (default: all for top).
    #[arg(long, value_name = "N")]
    pub nodecount: Option<usize>,
    /// Hide nodes below this fraction of the total.
    #[arg(long, value_name = "F", default_value_t = defaults::NODE_FRACTION)]
    pub nodefraction: f64,
    /// Hide edges below this fraction of the total.
    #[arg(long, value_name = "F", default_value_t = defaults::EDGE_FRACTION)]
    pub edgefraction: f64,
    /// Sort by cumulative value.
    #[arg(long)]
    pub cum: bool,
    /// Sort by flat value (the default; pprof's -flat, which pprof refuses
    /// together with -cum, and so does rprof).
    #[arg(long, conflicts_with = "cum")]
    pub flat: bool,
    /// Sample value to report, by index or name (e.g. alloc_space);
    /// default: the profile's default type, else the last one.
    #[arg(long, value_name = "NAME|N")]
    pub sample_index: Option<String>,
    /// Report the mean value per sample (value / count), e.g. mean delay.
    #[arg(long)]
    pub mean: bool,
    /// Output unit: minimum (one unit for the report), auto (each value
    /// its own), or a unit such as ms, s, kb, mb.
    #[arg(long, value_name = "UNIT", default_value = defaults::UNIT)]
    pub unit: String,
    /// Divide every value by F (percentages are unchanged).
    #[arg(long, value_name = "F", default_value_t = defaults::DIVIDE_BY)]
    pub divide_by: f64,
    /// Aggregate frames by functions, filefunctions, files, lines or addresses.
    #[arg(long, value_name = "G", default_value_t)]
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
    /// Omit the profile's header lines (File, Type, Time…) from text
    /// reports.
    #[arg(long)]
    pub compact_labels: bool,
    /// Where source files are looked for (directories separated by `:`);
    /// default: the working directory. Also trims recorded paths that
    /// contain a directory's name.
    #[arg(long, value_name = "DIRS")]
    pub source_path: Option<String>,
    /// Prefixes to remove from the source paths recorded in the profile
    /// (separated by `:`).
    #[arg(long, value_name = "PREFIXES")]
    pub trim_path: Option<String>,
}

impl ReportArgs {
    /// The library options these arguments stand for.
    pub(crate) fn options(&self) -> Result<ReportOptions, Failure> {
        // Any number, as pprof takes it: a fraction above 1 (or below 0)
        // is a cut-off that drops every node (or none); only what pprof
        // cannot compute with is refused.
        for (name, v) in [
            ("--nodefraction", self.nodefraction),
            ("--edgefraction", self.edgefraction),
        ] {
            if !v.is_finite() {
                return Err(Failure::usage(format!("{name} must be a number, not {v}")));
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
            compact_labels: self.compact_labels,
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
            call_tree: false,
            source_path: self.source_path.clone().unwrap_or_default(),
            trim_path: self.trim_path.clone().unwrap_or_default(),
        })
    }
}

fn nonempty(v: &[String]) -> Vec<String> {
    v.iter().filter(|s| !s.is_empty()).cloned().collect()
}

// ---------------------------------------------------------------------------
// Runtime diagnostics.

/// `--web`, `--http`, `--no-browser` of the diagnostics commands, as
/// `rprof web` takes them.
#[derive(Args, Clone, Debug, Default)]
pub struct DiagWebArgs {
    /// Show the result in the browser UI (tables, stacks, charts) instead
    /// of printing it; serves until interrupted.
    #[arg(long, conflicts_with_all = ["output", "json"])]
    pub web: bool,
    /// With --web: serve on HOST:PORT; default 127.0.0.1 and a free port.
    /// Any other host than a loopback one lets anyone who can reach it
    /// read what was loaded.
    #[arg(long, value_name = "HOST:PORT", requires = "web")]
    pub http: Option<String>,
    /// With --web: do not open a browser.
    #[arg(long, requires = "web")]
    pub no_browser: bool,
}

/// `rprof goroutines`.
#[derive(Args)]
pub struct GoroutinesArgs {
    /// Print JSON instead of text.
    #[arg(long, conflicts_with_all = ["html", "to_profile"])]
    pub json: bool,
    /// Write a self-contained HTML page.
    #[arg(long, conflicts_with = "to_profile")]
    pub html: bool,
    /// Write a pprof goroutine profile (gzipped) for `rprof top`, `flame`,
    /// `go tool pprof`…; needs -o.
    #[arg(long)]
    pub to_profile: bool,
    /// Also group stacks that differ only in their arguments.
    #[arg(long)]
    pub similar: bool,
    #[command(flatten)]
    pub web: DiagWebArgs,
    /// Write to FILE (replaced only once complete); `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Goroutine dumps: panics, fatal errors, SIGQUIT, ?debug=2, go test
    /// timeouts; `-` for stdin; a URL
    /// (`http://host:port/debug/pprof/goroutine?debug=2`) or
    /// `gops://TARGET/stack`. Several dumps are a time series, in the
    /// order given.
    #[arg(required = true, value_name = "DUMP")]
    pub dumps: Vec<String>,
}

/// Output formats of `rprof gctrace`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GcFormat {
    /// The per-cycle table and the summary.
    Text,
    /// Cycles and summary as JSON.
    Json,
    /// One row per cycle.
    Csv,
    /// A chart of heap and pauses per cycle.
    Svg,
}

/// `rprof gctrace`.
#[derive(Args)]
pub struct GctraceArgs {
    /// Print JSON (same as --format json).
    #[arg(long, conflicts_with_all = ["csv", "format"])]
    pub json: bool,
    /// Print CSV (same as --format csv).
    #[arg(long, conflicts_with = "format")]
    pub csv: bool,
    /// Output format; by default from -o's extension (.svg, .json, .csv),
    /// else text.
    #[arg(long, value_enum)]
    pub format: Option<GcFormat>,
    /// Write to FILE (replaced only once complete); `-o gc.svg` draws the
    /// chart.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub web: DiagWebArgs,
    /// Logs with `GODEBUG=gctrace=1` lines (other lines are ignored); `-`
    /// for stdin; a URL serving the log.
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<String>,
}

/// Output formats of `rprof memstats`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MemFormat {
    /// The summary and the leak verdict.
    Text,
    /// Summary, main series and pauses as JSON.
    Json,
    /// One row per snapshot, every metric.
    Csv,
    /// OpenMetrics text with timestamps (`promtool tsdb
    /// create-blocks-from openmetrics`).
    Openmetrics,
    /// A chart of memory, goroutines and GC pauses.
    Svg,
}

/// `rprof memstats`.
#[derive(Args)]
pub struct MemstatsArgs {
    /// Print JSON (same as --format json).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Output format; by default from -o's extension (.svg, .json, .csv,
    /// .om), else text.
    #[arg(long, value_enum)]
    pub format: Option<MemFormat>,
    /// Seconds between snapshots that carry no time of their own.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub interval: f64,
    /// When the first snapshot was taken (unix seconds), for snapshots
    /// that carry no time of their own; by default its last GC.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub start: Option<f64>,
    /// Write to FILE (replaced only once complete); `-o chart.svg` draws
    /// the chart.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fetch URL inputs this often (`1s`, `30s`) instead of once; with
    /// --for.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "for_")]
    pub every: Option<Duration>,
    /// With --every: fetch for this long (`30s`, `5m`).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration, requires = "every")]
    pub for_: Option<Duration>,
    #[command(flatten)]
    pub web: DiagWebArgs,
    /// Series: a file of /debug/vars JSON documents (one per line, or one
    /// after another), a directory of one document per file (sorted by
    /// name), an `rprof collect --vars` directory (one series per target),
    /// or gops memstats output; `-` for stdin; a URL
    /// (`http://host:port/debug/vars`: one snapshot, or one per --every).
    #[arg(required = true, value_name = "SERIES")]
    pub series: Vec<String>,
}

/// `rprof race`.
#[derive(Args)]
pub struct RaceArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write to FILE (replaced only once complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub web: DiagWebArgs,
    /// Logs of `go test -race` or a -race binary; `-` for stdin; a URL
    /// serving the log.
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<String>,
}

// ---------------------------------------------------------------------------
// The web UI and the HTML report.

/// Profiles and bases, as every profile command takes them.
#[derive(Args)]
pub struct WebInputs {
    /// Subtract these profiles (merged) from the sources; identical stacks
    /// cancel. The UI can change the base later ("Compare with…").
    #[arg(long, value_name = "PROFILE", conflicts_with = "diff_base")]
    pub base: Vec<String>,
    /// Compare against these profiles: percentages refer to their total.
    #[arg(long, value_name = "PROFILE")]
    pub diff_base: Vec<String>,
    /// Scale the sources to the base's total before subtracting.
    #[arg(long)]
    pub normalize: bool,
    /// Profiles to read; several are offered each on its own and merged.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
}

/// `rprof web`.
#[derive(Args)]
pub struct WebCmd {
    /// Serve on HOST:PORT (pprof's -http); default 127.0.0.1 and a free
    /// port. Any other host than a loopback one lets anyone who can reach
    /// it read the profile.
    #[arg(long, value_name = "HOST:PORT")]
    pub http: Option<String>,
    /// Do not open a browser.
    #[arg(long)]
    pub no_browser: bool,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub inputs: WebInputs,
}

/// `rprof report`.
#[derive(Args)]
pub struct ReportHtmlCmd {
    /// The HTML file to write (replaced only once complete); `-` for
    /// stdout.
    #[arg(short, long, value_name = "FILE", required = true)]
    pub output: PathBuf,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub inputs: WebInputs,
}
