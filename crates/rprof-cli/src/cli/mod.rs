//! The command line: clap derive types, and their conversion into a
//! [`Run`], which says what to do in the libraries' own terms (a
//! [`Pipeline`], [`FlameOptions`], a trace analysis) and where the result
//! goes. clap stops here: nothing past [`Cli::into_run`] sees its types,
//! and every default comes from the libraries' `defaults` modules.

use crate::failure::Failure;
use crate::sources::shown;

mod args;
mod filetype;
#[cfg(feature = "fleet")]
pub mod fleet;
mod run;
mod spellings;
pub use args::*;
use clap::{Parser, Subcommand};
use filetype::{FileType, check_output, file_type, shown_path};
use rprof_flame::FlameOptions;
use rprof_report::ReportOptions;
use rprof_report::image::ImageFormat;
use rprof_report::pipeline::Pipeline;
use rprof_source::FetchOptions;
use rprof_trace::analysis::chrome::ChromeOptions;
pub use run::*;
pub use spellings::pprof_spellings;
use std::time::Duration;

/// Analyse Go profiles offline: a faster `go tool pprof`.
#[derive(Parser)]
// A flag given twice: the last wins, as with Go's flag package (shell
// aliases and scripts rely on it); list flags (Append) keep accumulating.
#[command(name = "rprof", version, about, long_about = None, args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Allow a gzipped input to inflate to SIZE (e.g. 8g, 512m) whatever
    /// its compression ratio. By default a stream stops past 64x its size
    /// once beyond 64 MiB, and at 4 GiB in any case (gzip bombs).
    #[arg(long, global = true, value_name = "SIZE", value_parser = parse_size)]
    pub max_inflate: Option<u64>,
    /// pprof's -symbolize: `demangle=none` (names as linked),
    /// `demangle=full` (whole C++ names), `demangle=templates` (with
    /// template arguments), or `none` (leave every name as it is). By
    /// default, as pprof: C++ names demangled without parameters, template
    /// arguments and return type, and `(...)` and `<...>` dropped from
    /// names that look demangled (Go generics: `main.Apply[go.shape.func ]`).
    #[arg(long, global = true, value_name = "MODE")]
    pub symbolize: Option<rprof_profile::Symbolize>,
    #[command(flatten)]
    pub live: LiveArgs,
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
    Trace(TraceArgs),
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
    /// Profiles of a fleet as a Parquet dataset: ingest, SQL, and top/diff
    /// of selections (built with the `fleet` feature).
    #[cfg(feature = "fleet")]
    Fleet(fleet::FleetCmd),
}

/// Options for fetching live sources (global: every command takes them).
impl Cli {
    /// Checks the arguments and converts them into a [`Run`]; errors are
    /// usage errors.
    pub fn into_run(self) -> Result<Run, Failure> {
        let mut read = rprof_profile::ReadOptions::default();
        if let Some(max) = self.max_inflate {
            read.max_decompressed = max;
            read.max_ratio = u64::MAX;
        }
        read.symbolize = self.symbolize.unwrap_or_default();
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
            Command::Trace(t) => Run::Trace(TraceRun {
                strict: t.strict,
                ..trace_run(t.command, ctx.fetch)?
            }),
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
            Command::Goroutines(a) => Run::Goroutines(a, ctx.fetch),
            Command::Gctrace(a) => Run::Gctrace(a, ctx.fetch),
            Command::Memstats(a) => Run::Memstats(a, ctx.fetch),
            Command::Race(a) => Run::Race(a, ctx.fetch),
            Command::Web(a) => {
                let i = &a.inputs;
                let inputs = ctx.inputs(i.profiles.clone(), i.base.clone(), i.diff_base.clone());
                Run::Web(a, inputs)
            }
            #[cfg(feature = "fleet")]
            Command::Fleet(a) => Run::Fleet(a, ctx.fetch),
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
        // A name that says nothing rprof knows (`graph.out`) takes the
        // default; one that says another kind of file is refused.
        Some(FileType::Other(_)) => None,
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
    use clap::ValueEnum;
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
        Some(FileType::Other(_)) => None,
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

/// A report's pattern argument, as Go's regexp package reads it.
fn compile_arg(re: &str) -> Result<regex::Regex, Failure> {
    rprof_profile::compile_go_regex(re)
        .map_err(|e| Failure::usage(format!("parsing argument regexp {re}: {e}")))
}

fn trace_run(t: TraceCmd, fetch: FetchOptions) -> Result<TraceRun, Failure> {
    let run = |trace, action| TraceRun {
        trace,
        fetch: fetch.clone(),
        action,
        strict: false,
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
        TraceCmd::Web(a) => {
            let ms = |v: Option<f64>| v.map(|m| (m * 1e6) as i64);
            let (start, end) = (ms(a.start), ms(a.end));
            if let (Some(s), Some(e)) = (start, end)
                && e <= s
            {
                return Err(Failure::usage("--end must be after --start"));
            }
            if start.is_some_and(|s| s < 0) || end.is_some_and(|e| e < 0) {
                return Err(Failure::usage("--start and --end must not be negative"));
            }
            run(
                a.trace,
                TraceAction::Web(TraceWebRun {
                    http: a.http,
                    no_browser: a.no_browser,
                    start,
                    end,
                }),
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
