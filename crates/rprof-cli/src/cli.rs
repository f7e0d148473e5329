//! The command line: clap derive types, and their conversion into a
//! [`Run`], which says what to do in the libraries' own terms (a
//! [`Pipeline`], [`FlameOptions`], a trace analysis) and where the result
//! goes. clap stops here: nothing past [`Cli::into_run`] sees its types,
//! and every default comes from the libraries' `defaults` modules.

use crate::failure::Failure;
use crate::sources::shown;
use clap::{Args, Parser, Subcommand, ValueEnum};
use rprof_flame::FlameOptions;
use rprof_report::image::ImageFormat;
use rprof_report::pipeline::Pipeline;
use rprof_report::{ReportOptions, defaults};
use rprof_source::FetchOptions;
use rprof_trace::analysis::chrome::ChromeOptions;
use rprof_trace::analysis::goroutines::GroupSort;
use rprof_trace::analysis::pprof::PprofKind;
use std::path::PathBuf;
use std::time::Duration;

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
    #[command(flatten)]
    pub live: LiveArgs,
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
    /// Functions by flat (or cumulative) value: `go tool pprof -top`
    /// (`rprof text` too, pprof's `-text`); `--json` for scripts.
    #[command(alias = "text")]
    Top(TopCmd),
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
    /// The call graph as DOT, SVG, an image (PNG, PDF, GIF, PS, EPS) or
    /// callgrind: `go tool pprof -dot` / `-svg` / `-png` / `-callgrind`…
    Graph(GraphCmd),
    /// Annotated source of the functions matching RE: `go tool pprof
    /// -list`. Sources are looked for as pprof does, then in GOROOT, the
    /// module cache and vendor/.
    List(ListCmd),
    /// Annotated assembly of the functions matching RE: `go tool pprof
    /// -disasm`. Give the program among the inputs (`rprof disasm RE
    /// ./server cpu.pb.gz`), else the profile's recorded path is used.
    Disasm(DisasmCmd),
    /// The profile's comments: `go tool pprof -comments`.
    Comments(CommentsCmd),
    /// The rows of `top` as a pprof file: `go tool pprof -topproto`.
    Topproto(ProtoCmd),
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
    /// Download a profile, trace, goroutine dump or /debug/vars from a live
    /// server or gops agent into FILE (validated before FILE is replaced).
    Fetch(FetchCmd),
    /// Talk to a gops agent: stack, gc, setgc N, memstats, version, stats,
    /// pprof-heap, pprof-cpu, trace.
    Gops(GopsCmd),
    /// Snapshot profiles (and /debug/vars or gops memstats) of services
    /// every interval into a directory with an index.
    Collect(CollectCmd),
    /// Goroutine dumps (panics, SIGQUIT, ?debug=2, test timeouts) grouped by stack; leak suspects.
    Goroutines(GoroutinesArgs),
    /// GODEBUG=gctrace=1 logs: per-cycle table, pauses, assists, heap vs goal, SVG chart.
    Gctrace(GctraceArgs),
    /// /debug/vars, gops memstats or runtime/metrics series: summary, leak verdict, chart, OpenMetrics.
    Memstats(MemstatsArgs),
    /// Race detector reports grouped by the pair of racing locations.
    Race(RaceArgs),
    /// The browser UI of `go tool pprof -http`: flame graph, top, graph,
    /// peek, source and labels views, served on 127.0.0.1.
    Web(WebCmd),
    /// A self-contained HTML report (flame graph, top table, call graph)
    /// that opens from file://: `rprof report -o report.html PROFILE`.
    Report(ReportHtmlCmd),
}

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
// What a command line asks for, in the libraries' terms.

/// One invocation, converted: the libraries' options plus where the
/// inputs come from and the output goes.
pub enum Run {
    /// A report over one profile made of sources minus bases.
    Report(ReportRun),
    /// A flame graph, differential when there are bases.
    Flame(FlameRun),
    /// rprof's comparison report.
    Diff(DiffRun),
    /// Many files merged into one.
    Merge(MergeRun),
    /// An execution-trace command.
    Trace(TraceRun),
    /// Download one source.
    Fetch(FetchRun),
    /// Ask a gops agent.
    Gops(GopsRun),
    /// Snapshot targets periodically.
    Collect(CollectRun),
    /// `goroutines`: goroutine dumps.
    Goroutines(GoroutinesArgs),
    /// `gctrace`: GC trace logs.
    Gctrace(GctraceArgs),
    /// `memstats`: memory statistics over time.
    Memstats(MemstatsArgs),
    /// `race`: race detector reports.
    Race(RaceArgs),
    /// `web`: the browser UI.
    Web(WebCmd, Inputs),
    /// `report`: a self-contained HTML report.
    HtmlReport(ReportHtmlCmd, Inputs),
}

/// Where a command's profiles come from: files, `-`, URLs, gops agents.
pub struct Inputs {
    /// The profiles, merged.
    pub sources: Vec<String>,
    /// Subtracted (`--base`) or compared against (`--diff-base`).
    pub bases: Vec<String>,
    /// How remote sources are fetched.
    pub fetch: FetchOptions,
}

/// `top`, `traces`, `tags`, `tree`, `peek`, `raw`, `graph`, `proto`.
pub struct ReportRun {
    pub pipeline: Pipeline,
    pub inputs: Inputs,
    pub format: ReportFormat,
    pub output: Option<PathBuf>,
}

/// The report a [`ReportRun`] writes.
pub enum ReportFormat {
    Top,
    Traces,
    Tags,
    Tree,
    /// Callers and callees of the functions matching the pattern.
    Peek(regex::Regex),
    /// The profile itself, before the report options (pprof's `-raw`).
    Raw,
    Dot,
    /// The call graph drawn by this renderer.
    Svg(rprof_report::svg::Renderer),
    /// The call graph as an image, drawn by Graphviz or rasterised from
    /// the built-in layout's SVG.
    Image(ImageFormat, ImageVia),
    /// The call graph in callgrind's format.
    Callgrind,
    /// The processed profile as gzipped protobuf.
    Proto,
    /// The top rows as a gzipped protobuf.
    TopProto,
    /// `top` as JSON.
    TopJson,
    /// The profile's comments.
    Comments,
    /// speedscope's JSON.
    Speedscope,
    /// Annotated source of the functions matching the pattern.
    List(regex::Regex),
    /// Annotated assembly of the symbols matching the pattern.
    Disasm {
        symbol: regex::Regex,
        syntax: rprof_binary::Syntax,
    },
}

/// How an image is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageVia {
    /// `dot -T<format>`, as pprof.
    Graphviz,
    /// rprof's SVG, rasterised (PNG only).
    Raster,
}

/// `flame`.
pub struct FlameRun {
    pub pipeline: Pipeline,
    pub inputs: Inputs,
    pub flame: FlameOptions,
    /// SVG, PNG or folded stacks (speedscope is a [`ReportRun`]).
    pub format: FlameFormat,
    pub output: Option<PathBuf>,
}

/// `diff`.
pub struct DiffRun {
    pub pipeline: Pipeline,
    pub inputs: Inputs,
    pub json: bool,
    pub output: Option<PathBuf>,
}

/// `merge`.
pub struct MergeRun {
    pub read: rprof_profile::ReadOptions,
    pub inputs: Vec<String>,
    pub fetch: FetchOptions,
    pub output: PathBuf,
}

/// The `trace` subcommands.
pub struct TraceRun {
    /// The execution trace: a file, `-`, or a URL.
    pub trace: String,
    pub fetch: FetchOptions,
    pub action: TraceAction,
}

/// `fetch`.
pub struct FetchRun {
    pub source: String,
    pub fetch: FetchOptions,
    pub output: PathBuf,
}

/// `gops`.
pub struct GopsRun {
    pub target: String,
    pub request: GopsRequest,
    pub fetch: FetchOptions,
    pub output: Option<PathBuf>,
}

/// What a [`GopsRun`] asks the agent for.
#[derive(Clone, Copy, Debug)]
pub enum GopsRequest {
    /// A profile or trace, saved (or written to `-o`).
    Profile(rprof_source::GopsProfile),
    /// A command answered in text (or nothing).
    Command(rprof_source::gops::Command),
}

/// `collect`.
pub struct CollectRun {
    pub targets: Vec<String>,
    pub opts: rprof_source::CollectOptions,
    pub output: PathBuf,
}

/// What a [`TraceRun`] does with its trace.
pub enum TraceAction {
    /// `go tool trace -d=wire` (true) or `-d=parsed`.
    Dump {
        wire: bool,
        output: Option<PathBuf>,
    },
    Pprof {
        kind: PprofKind,
        output: Option<PathBuf>,
    },
    Summary {
        json: bool,
    },
    Goroutines {
        sort: GroupSort,
        json: bool,
    },
    Export {
        opts: ChromeOptions,
        output: PathBuf,
    },
}

// ---------------------------------------------------------------------------
// Runtime diagnostics.

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
    /// Write to FILE (replaced only once complete); `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Goroutine dumps: panics, fatal errors, SIGQUIT, ?debug=2, go test
    /// timeouts; `-` for stdin. Several dumps are a time series, in the order given.
    #[arg(required = true, value_name = "DUMP")]
    pub dumps: Vec<PathBuf>,
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
    /// Logs with `GODEBUG=gctrace=1` lines (other lines are ignored); `-`
    /// for stdin.
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<PathBuf>,
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
    /// Series: a file of /debug/vars JSON documents (one per line, or one
    /// after another), a directory of one document per file (sorted by
    /// name), or gops memstats output; `-` for stdin.
    #[arg(required = true, value_name = "SERIES")]
    pub series: Vec<PathBuf>,
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
    /// Logs of `go test -race` or a -race binary; `-` for stdin.
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<PathBuf>,
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

impl Cli {
    /// Checks the arguments and converts them into a [`Run`]; errors are
    /// usage errors.
    pub fn into_run(self) -> Result<Run, Failure> {
        let mut read = rprof_profile::ReadOptions::default();
        if let Some(max) = self.max_inflate {
            read.max_decompressed = max;
            read.max_ratio = u64::MAX;
        }
        let fetch = FetchOptions {
            seconds: self.live.seconds,
            timeout: self.live.timeout,
            save: !self.live.no_save,
            read: read.clone(),
            check_trace: Some(crate::sources::check_trace),
            ..Default::default()
        };
        let ctx = Ctx { read, fetch };
        let report = |format, a: ReportCmd| ctx.report_run(format, a.report, a.common);
        Ok(match self.command {
            Command::Top(a) => {
                let format = if a.json {
                    ReportFormat::TopJson
                } else {
                    ReportFormat::Top
                };
                ctx.report_run(format, a.report, a.common)?
            }
            Command::Comments(a) => {
                check_output(&ReportFormat::Comments, a.common.output.as_deref())?;
                let pipeline = ctx.pipeline(&a.common, ReportOptions::default())?;
                Run::Report(ReportRun {
                    pipeline,
                    inputs: ctx.inputs(a.common.profiles, a.common.base, a.common.diff_base),
                    format: ReportFormat::Comments,
                    output: a.common.output,
                })
            }
            Command::Topproto(a) => ctx.report_run(ReportFormat::TopProto, a.report, a.common)?,
            Command::List(a) => {
                let re = compile_arg(&a.regex)?;
                ctx.report_run(ReportFormat::List(re), a.report, a.common)?
            }
            Command::Disasm(a) => {
                let re = compile_arg(&a.regex)?;
                let syntax = if a.intel_syntax {
                    rprof_binary::Syntax::Intel
                } else {
                    rprof_binary::Syntax::Gnu
                };
                ctx.report_run(
                    ReportFormat::Disasm { symbol: re, syntax },
                    a.report,
                    a.common,
                )?
            }
            Command::Traces(a) => report(ReportFormat::Traces, a)?,
            Command::Tags(a) => report(ReportFormat::Tags, a)?,
            Command::Tree(a) => report(ReportFormat::Tree, a)?,
            Command::Peek(a) => {
                let re = compile_arg(&a.regex)?;
                ctx.report_run(ReportFormat::Peek(re), a.report, a.common)?
            }
            Command::Raw(a) => {
                // pprof's -raw shows the profile as loaded: no report
                // options apply.
                check_output(&ReportFormat::Raw, a.common.output.as_deref())?;
                let pipeline = ctx.pipeline(&a.common, ReportOptions::default())?;
                Run::Report(ReportRun {
                    pipeline,
                    inputs: ctx.inputs(a.common.profiles, a.common.base, a.common.diff_base),
                    format: ReportFormat::Raw,
                    output: a.common.output,
                })
            }
            Command::Graph(a) => {
                let format = graph_format(&a)?;
                ctx.report_run(format, a.report, a.common)?
            }
            Command::Proto(a) => ctx.report_run(ReportFormat::Proto, a.report, a.common)?,
            Command::Flame(a) => ctx.flame_run(a)?,
            Command::Diff(a) => {
                let format = if a.json {
                    ReportFormat::TopJson
                } else {
                    ReportFormat::Comments
                };
                check_output(&format, a.output.as_deref())?;
                let report = a.report.options()?;
                let pipeline = Pipeline {
                    read: ctx.read.clone(),
                    report,
                    ..Default::default()
                };
                Run::Diff(DiffRun {
                    pipeline,
                    inputs: ctx.inputs(a.profiles, a.base, Vec::new()),
                    json: a.json,
                    output: a.output,
                })
            }
            Command::Merge(a) => Run::Merge(MergeRun {
                read: ctx.read,
                inputs: a.profiles,
                fetch: ctx.fetch,
                output: a.output,
            }),
            Command::Trace(t) => Run::Trace(trace_run(t, ctx.fetch)?),
            Command::Fetch(a) => Run::Fetch(FetchRun {
                source: a.source,
                // The -o file is the kept copy.
                fetch: FetchOptions {
                    save: false,
                    ..ctx.fetch
                },
                output: a.output,
            }),
            Command::Gops(a) => Run::Gops(gops_run(a, ctx.fetch)?),
            Command::Collect(a) => Run::Collect(collect_run(a, &ctx)?),
            Command::Goroutines(a) => Run::Goroutines(a),
            Command::Gctrace(a) => Run::Gctrace(a),
            Command::Memstats(a) => Run::Memstats(a),
            Command::Race(a) => Run::Race(a),
            Command::Web(a) => {
                let i = &a.inputs;
                let inputs = ctx.inputs(i.profiles.clone(), i.base.clone(), i.diff_base.clone());
                Run::Web(a, inputs)
            }
            Command::Report(a) => {
                let i = &a.inputs;
                let inputs = ctx.inputs(i.profiles.clone(), i.base.clone(), i.diff_base.clone());
                Run::HtmlReport(a, inputs)
            }
        })
    }
}

/// What every conversion needs: how inputs are read and fetched.
struct Ctx {
    read: rprof_profile::ReadOptions,
    fetch: FetchOptions,
}

impl Ctx {
    fn report_run(
        &self,
        format: ReportFormat,
        args: ReportArgs,
        common: CommonArgs,
    ) -> Result<Run, Failure> {
        check_output(&format, common.output.as_deref())?;
        let pipeline = self.pipeline(&common, args.options()?)?;
        Ok(Run::Report(ReportRun {
            pipeline,
            inputs: self.inputs(common.profiles, common.base, common.diff_base),
            format,
            output: common.output,
        }))
    }

    /// The pipeline of a command that subtracts (or compares with) bases.
    fn pipeline(&self, common: &CommonArgs, report: ReportOptions) -> Result<Pipeline, Failure> {
        if common.normalize && common.base.is_empty() && common.diff_base.is_empty() {
            return Err(Failure::usage(
                "--normalize needs a base profile (--base or --diff-base)",
            ));
        }
        Ok(Pipeline {
            read: self.read.clone(),
            base: rprof_profile::BaseOptions {
                diff_base: !common.diff_base.is_empty(),
                normalize: common.normalize,
            },
            report,
        })
    }

    /// `--base` and `--diff-base` exclude each other, so the bases are
    /// whichever was given.
    fn inputs(&self, sources: Vec<String>, base: Vec<String>, diff_base: Vec<String>) -> Inputs {
        Inputs {
            sources,
            bases: if diff_base.is_empty() {
                base
            } else {
                diff_base
            },
            fetch: self.fetch.clone(),
        }
    }

    fn flame_run(&self, a: FlameCmd) -> Result<Run, Failure> {
        let format = flame_format(&a)?;
        if format == FlameFormat::Speedscope {
            return self.report_run(ReportFormat::Speedscope, a.report, a.common);
        }
        if format == FlameFormat::Png && !rprof_report::image::can_rasterise() {
            return Err(Failure::usage(
                "this rprof was built without PNG support (the `raster` feature): write .svg",
            ));
        }
        let report = a.report.options()?;
        let pipeline = self.pipeline(&a.common, report)?;
        let inputs = self.inputs(a.common.profiles, a.common.base, a.common.diff_base);
        let flame = FlameOptions {
            title: a.title,
            subtitle: a.subtitle,
            source: Some(shown(&inputs.sources)),
            base_source: (!inputs.bases.is_empty()).then(|| shown(&inputs.bases)),
            width: a.width,
            min_width: a.min_width,
            icicle: a.icicle,
            reverse: a.reverse,
            colors: a.colors,
            count_name: a.count_name,
            negate: a.negate,
            normalize: a.common.normalize,
            ..Default::default()
        };
        Ok(Run::Flame(FlameRun {
            pipeline,
            inputs,
            flame,
            format,
            output: a.common.output,
        }))
    }
}

/// `--format`, else the `-o` file's extension, else DOT; SVG through
/// Graphviz when it is installed, else the built-in layout; images
/// through Graphviz, PNG without it rasterised from the built-in layout.
fn graph_format(a: &GraphCmd) -> Result<ReportFormat, Failure> {
    use rprof_report::svg::{Renderer, graphviz_available};
    let from_name = match file_type(a.common.output.as_deref()) {
        None => None,
        Some(FileType::Dot) => Some(GraphFormat::Dot),
        Some(FileType::Svg) => Some(GraphFormat::Svg),
        Some(FileType::Image(f)) => Some(match f {
            ImageFormat::Png => GraphFormat::Png,
            ImageFormat::Pdf => GraphFormat::Pdf,
            ImageFormat::Gif => GraphFormat::Gif,
            ImageFormat::Ps => GraphFormat::Ps,
            ImageFormat::Eps => GraphFormat::Eps,
        }),
        Some(FileType::Callgrind) => Some(GraphFormat::Callgrind),
        Some(other) if a.format.is_none() => {
            return Err(Failure::usage(format!(
                "rprof graph cannot write {} files ({}): use .dot, .svg, .png, .pdf, .gif, .ps, .eps or callgrind.out.*, or say --format",
                other.describe(),
                shown_path(a.common.output.as_deref())
            )));
        }
        Some(_) => None,
    };
    let format = match (a.format, from_name) {
        (Some(f), Some(n)) if f != n => {
            return Err(Failure::usage(format!(
                "--format {} does not match the name of the output file {}",
                format_name(f),
                shown_path(a.common.output.as_deref())
            )));
        }
        (Some(f), _) | (None, Some(f)) => f,
        (None, None) => GraphFormat::Dot,
    };
    let renderer = || match a.renderer {
        Some(GraphRenderer::Dot) => Renderer::Graphviz,
        Some(GraphRenderer::Builtin) => Renderer::Builtin,
        None if graphviz_available() => Renderer::Graphviz,
        None => Renderer::Builtin,
    };
    let image = |f: ImageFormat| -> Result<ReportFormat, Failure> {
        match renderer() {
            Renderer::Graphviz => Ok(ReportFormat::Image(f, ImageVia::Graphviz)),
            Renderer::Builtin if f == ImageFormat::Png && rprof_report::image::can_rasterise() => {
                Ok(ReportFormat::Image(f, ImageVia::Raster))
            }
            Renderer::Builtin => Err(Failure::usage(format!(
                "writing {} needs Graphviz's `dot` on PATH{}",
                f.name().to_uppercase(),
                if f == ImageFormat::Png {
                    " (this rprof was built without the `raster` feature)"
                } else {
                    " (without it rprof writes .svg and .png)"
                }
            ))),
        }
    };
    Ok(match format {
        GraphFormat::Dot => ReportFormat::Dot,
        GraphFormat::Svg => ReportFormat::Svg(renderer()),
        GraphFormat::Callgrind => ReportFormat::Callgrind,
        GraphFormat::Png => image(ImageFormat::Png)?,
        GraphFormat::Pdf => image(ImageFormat::Pdf)?,
        GraphFormat::Gif => image(ImageFormat::Gif)?,
        GraphFormat::Ps => image(ImageFormat::Ps)?,
        GraphFormat::Eps => image(ImageFormat::Eps)?,
    })
}

fn format_name(f: GraphFormat) -> String {
    f.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// `--format`, `--folded`, else the `-o` file's extension, else SVG.
fn flame_format(a: &FlameCmd) -> Result<FlameFormat, Failure> {
    let asked = if a.folded {
        Some(FlameFormat::Folded)
    } else {
        a.format
    };
    let from_name = match file_type(a.common.output.as_deref()) {
        None => None,
        Some(FileType::Svg) => Some(FlameFormat::Svg),
        Some(FileType::Image(ImageFormat::Png)) => Some(FlameFormat::Png),
        Some(FileType::Folded) => Some(FlameFormat::Folded),
        Some(FileType::Json) => Some(FlameFormat::Speedscope),
        Some(other) if asked.is_none() || matches!(other, FileType::Image(_)) => {
            return Err(Failure::usage(format!(
                "rprof flame cannot write {} files ({}): use .svg, .png, .folded or .json (speedscope), or say --format",
                other.describe(),
                shown_path(a.common.output.as_deref())
            )));
        }
        Some(_) => None,
    };
    match (asked, from_name) {
        (Some(f), Some(n)) if f != n => Err(Failure::usage(format!(
            "the flame graph format asked for does not match the name of the output file {}",
            shown_path(a.common.output.as_deref())
        ))),
        (Some(f), _) | (None, Some(f)) => Ok(f),
        (None, None) => Ok(FlameFormat::Svg),
    }
}

/// What an output file's name says it holds: the one place rprof reads
/// meaning into `-o` extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileType {
    Dot,
    Svg,
    Image(ImageFormat),
    /// `callgrind.out.*` or `*.callgrind`.
    Callgrind,
    /// `.folded`, `.collapsed`.
    Folded,
    Json,
    /// `.pb.gz`, `.pb`, `.pprof`, `.prof`.
    Profile,
    Html,
    /// Another extension (lower-cased), e.g. `txt`.
    Other(String),
}

impl FileType {
    fn describe(&self) -> String {
        match self {
            FileType::Dot => "DOT".into(),
            FileType::Svg => "SVG".into(),
            FileType::Image(f) => f.name().to_uppercase(),
            FileType::Callgrind => "callgrind".into(),
            FileType::Folded => "folded-stack".into(),
            FileType::Json => "JSON".into(),
            FileType::Profile => "pprof profile".into(),
            FileType::Html => "HTML".into(),
            FileType::Other(e) => format!(".{e}"),
        }
    }
}

/// The type an `-o` file's name says; `None` for stdout (`-`), devices
/// and names without an extension.
pub fn file_type(path: Option<&std::path::Path>) -> Option<FileType> {
    let path = path?;
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name == "-" || path.starts_with("/dev") {
        return None;
    }
    if name.starts_with("callgrind.out") {
        return Some(FileType::Callgrind);
    }
    let ext = name.rsplit_once('.')?.1.to_string();
    if let Some(f) = ImageFormat::from_extension(&ext) {
        return Some(FileType::Image(f));
    }
    Some(match ext.as_str() {
        "dot" | "gv" => FileType::Dot,
        "svg" => FileType::Svg,
        "callgrind" => FileType::Callgrind,
        "folded" | "collapsed" => FileType::Folded,
        "json" => FileType::Json,
        "pb" | "gz" | "pprof" | "prof" => FileType::Profile,
        "html" | "htm" => FileType::Html,
        _ => FileType::Other(ext),
    })
}

fn shown_path(p: Option<&std::path::Path>) -> String {
    p.map(|p| p.display().to_string()).unwrap_or_default()
}

/// Refuses to write a report into a file whose name says it is
/// something the report is not (`rprof top -o cpu.png`).
fn check_output(format: &ReportFormat, out: Option<&std::path::Path>) -> Result<(), Failure> {
    let Some(t) = file_type(out) else {
        return Ok(());
    };
    let (what, fits) = match format {
        ReportFormat::Proto | ReportFormat::TopProto => (
            "a gzipped pprof profile",
            !matches!(
                t,
                FileType::Image(_)
                    | FileType::Svg
                    | FileType::Dot
                    | FileType::Json
                    | FileType::Html
            ),
        ),
        ReportFormat::TopJson => ("JSON", !matches!(t, FileType::Image(_) | FileType::Svg)),
        ReportFormat::Speedscope => (
            "speedscope JSON",
            !matches!(t, FileType::Image(_) | FileType::Svg),
        ),
        // Graph formats are matched to the name by graph_format.
        ReportFormat::Dot
        | ReportFormat::Svg(_)
        | ReportFormat::Image(..)
        | ReportFormat::Callgrind => return Ok(()),
        _ => (
            "text",
            !matches!(t, FileType::Image(_) | FileType::Svg | FileType::Profile),
        ),
    };
    if fits {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "this command writes {what}, not {} ({}){}",
        t.describe(),
        shown_path(out),
        match t {
            FileType::Image(_) | FileType::Svg => "; for a picture use rprof graph or rprof flame",
            _ => "",
        }
    )))
}

/// A report's pattern argument, as Go's regexp package reads it.
fn compile_arg(re: &str) -> Result<regex::Regex, Failure> {
    rprof_profile::filter::compile_go_regex(re)
        .map_err(|e| Failure::usage(format!("parsing argument regexp {re}: {e}")))
}

fn trace_run(t: TraceCmd, fetch: FetchOptions) -> Result<TraceRun, Failure> {
    let run = |trace, action| TraceRun {
        trace,
        fetch: fetch.clone(),
        action,
    };
    Ok(match t {
        TraceCmd::Dump(a) => run(
            a.trace,
            TraceAction::Dump {
                wire: a.wire,
                output: a.output,
            },
        ),
        TraceCmd::Pprof(a) => run(
            a.trace,
            TraceAction::Pprof {
                kind: a.kind,
                output: a.output,
            },
        ),
        TraceCmd::Summary(a) => run(a.trace, TraceAction::Summary { json: a.json }),
        TraceCmd::Goroutines(a) => run(
            a.trace,
            TraceAction::Goroutines {
                sort: a.sort,
                json: a.json,
            },
        ),
        TraceCmd::Export(a) => {
            let ms = |v: Option<f64>| v.map(|m| (m * 1e6) as i64);
            let opts = ChromeOptions {
                start: ms(a.start),
                end: ms(a.end),
            };
            if let (Some(s), Some(e)) = (opts.start, opts.end)
                && e < s
            {
                return Err(Failure::usage("--end must not be before --start"));
            }
            run(
                a.trace,
                TraceAction::Export {
                    opts,
                    output: a.output,
                },
            )
        }
    })
}

fn gops_run(a: GopsCmd, fetch: FetchOptions) -> Result<GopsRun, Failure> {
    use rprof_source::{GopsProfile, gops};
    let request = match a.command {
        GopsWhat::PprofHeap => GopsRequest::Profile(GopsProfile::Heap),
        GopsWhat::PprofCpu => GopsRequest::Profile(GopsProfile::Cpu),
        GopsWhat::Trace => GopsRequest::Profile(GopsProfile::Trace),
        GopsWhat::Stack => GopsRequest::Command(gops::Command::Stack),
        GopsWhat::Gc => GopsRequest::Command(gops::Command::Gc),
        GopsWhat::Setgc { percent } => GopsRequest::Command(gops::Command::SetGcPercent(percent)),
        GopsWhat::Memstats => GopsRequest::Command(gops::Command::MemStats),
        GopsWhat::Version => GopsRequest::Command(gops::Command::Version),
        GopsWhat::Stats => GopsRequest::Command(gops::Command::Stats),
    };
    if matches!(request, GopsRequest::Profile(_)) && a.output.is_none() && !fetch.save {
        return Err(Failure::usage(
            "--no-save leaves nowhere to keep it: give -o FILE",
        ));
    }
    // With -o, that file is the copy kept.
    let save = fetch.save && a.output.is_none();
    Ok(GopsRun {
        target: a.target,
        request,
        fetch: FetchOptions { save, ..fetch },
        output: a.output,
    })
}

fn collect_run(a: CollectCmd, ctx: &Ctx) -> Result<CollectRun, Failure> {
    if a.every < Duration::from_secs(1) {
        return Err(Failure::usage("--every must be at least 1s"));
    }
    Ok(CollectRun {
        targets: a.targets,
        opts: rprof_source::CollectOptions {
            every: a.every,
            duration: a.for_,
            profiles: a.profiles,
            vars: a.vars,
            cpu_seconds: a.cpu_seconds.or(ctx.fetch.seconds),
            keep: a.keep,
            max_size: a.max_size,
            timeout: ctx.fetch.timeout,
            read: ctx.read.clone(),
            cancel: ctx.fetch.cancel.clone(),
            ..Default::default()
        },
        output: a.output,
    })
}
