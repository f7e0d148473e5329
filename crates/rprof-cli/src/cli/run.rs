//! What a command line asks for, in the libraries' terms: the plain
//! types [`super::Cli::into_run`] produces and the runners consume.

use super::args::*;
#[cfg(feature = "fleet")]
use super::fleet;
use rprof_flame::FlameOptions;
use rprof_report::image::ImageFormat;
use rprof_report::pipeline::Pipeline;
use rprof_source::FetchOptions;
use rprof_trace::analysis::chrome::ChromeOptions;
use rprof_trace::analysis::goroutines::GroupSort;
use rprof_trace::analysis::pprof::PprofKind;
use std::path::PathBuf;

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
    /// `goroutines`: goroutine dumps (fetched as URLs are).
    Goroutines(GoroutinesArgs, FetchOptions),
    /// `gctrace`: GC trace logs.
    Gctrace(GctraceArgs, FetchOptions),
    /// `memstats`: memory statistics over time.
    Memstats(MemstatsArgs, FetchOptions),
    /// `race`: race detector reports.
    Race(RaceArgs, FetchOptions),
    /// `web`: the browser UI.
    Web(WebCmd, Inputs),
    /// `report`: a self-contained HTML report.
    HtmlReport(ReportHtmlCmd, Inputs),
    /// `fleet`: profiles as a dataset.
    #[cfg(feature = "fleet")]
    Fleet(fleet::FleetCmd, FetchOptions),
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

/// `top`, `traces`, `tags`, `tree`, `peek`, `raw`, `graph`, `proto`,
/// `list`, `disasm`, `comments`, `topproto`, `flame --format speedscope`.
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
    /// A trace cut short after complete generations is an error, not a
    /// warning.
    pub strict: bool,
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
    /// `rprof trace web`.
    Web(TraceWebRun),
}

/// `rprof trace web`: where to serve, and the window (ns after the
/// trace's first event).
pub struct TraceWebRun {
    pub http: Option<String>,
    pub no_browser: bool,
    pub start: Option<i64>,
    pub end: Option<i64>,
}
