//! `rprof`: the command-line front end.
//!
//! Everything here is plumbing: clap parses the command line into plain
//! option structs of the library crates, profiles are read (in parallel)
//! and merged, a report is rendered into memory, and the result goes to
//! stdout or, with `-o`, atomically into a file. Errors become one line on
//! stderr, `rprof: <file>: <problem>`, and an exit status: 0 ok, 1 bad
//! input or failure, 2 usage.

mod cli;
#[cfg(feature = "fleet")]
mod fleet;
mod output;

use clap::Parser;
use cli::{Cli, Command};
use rayon::prelude::*;
use rprof_profile::Profile;
use rprof_report::{Report, ReportError};
use std::process::ExitCode;

/// An error with the exit status it deserves.
pub struct Failure {
    pub status: u8,
    pub message: String,
}

impl Failure {
    fn input(message: impl Into<String>) -> Self {
        Failure {
            status: 1,
            message: message.into(),
        }
    }
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            status: 2,
            message: message.into(),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::input(format!("{e:#}"))
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("rprof: {}", f.message);
            ExitCode::from(f.status)
        }
    }
}

/// Help and version go to stdout as clap prints them; a usage error
/// becomes one line, like every other rprof error, with exit status 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            let text = e.render().to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let first = lines.next().unwrap_or("invalid command line");
            let mut msg = first.strip_prefix("error: ").unwrap_or(first).to_string();
            // "the following required arguments were not provided:" names
            // them on the next line.
            if msg.ends_with(':')
                && let Some(next) = lines.next()
            {
                msg = format!("{msg} {next}");
            }
            eprintln!("rprof: {msg} (see rprof --help)");
            ExitCode::from(2)
        }
    }
}

/// How inputs are read; set once from the command line before any read.
static READ_OPTIONS: std::sync::OnceLock<rprof_profile::ReadOptions> = std::sync::OnceLock::new();

fn run(cli: Cli) -> Result<(), Failure> {
    let mut read = rprof_profile::ReadOptions::default();
    if let Some(max) = cli.max_inflate {
        read.max_decompressed = max;
        read.max_ratio = u64::MAX;
    }
    let _ = READ_OPTIONS.set(read);
    match cli.command {
        Command::Top(a) => text_report(&a.common, a.report.options()?, |r, out| {
            rprof_report::top::write_top(r, out)
        }),
        Command::Tags(a) => text_report(&a.common, a.report.options()?, |r, out| {
            rprof_report::tags::write_tags(r, out)
        }),
        Command::Tree(a) => text_report(&a.common, a.report.options()?, |r, out| {
            rprof_report::tree::write_tree(r, out)
        }),
        Command::Peek(a) => peek(a),
        Command::Graph(a) => graph(a),
        Command::Traces(a) => {
            let opts = a.report.options()?;
            let mut p = load(&a.common)?;
            let applied = apply_options(&mut p, &opts)?;
            let report = make_report(&p, &opts, &applied)?;
            output::stream(a.common.output.as_deref(), |w| {
                rprof_report::traces::stream_traces(&report, w)
            })
        }
        Command::Raw(a) => {
            let p = load(&a.common)?;
            let mut out = String::new();
            rprof_report::raw::write_raw(&p, &mut out)
                .map_err(|e| Failure::input(e.to_string()))?;
            output::emit(a.common.output.as_deref(), out.as_bytes())
        }
        Command::Flame(a) => flame(a),
        Command::Trace(cli::TraceCmd::Dump(a)) => trace_dump(a),
        Command::Trace(cli::TraceCmd::Pprof(a)) => trace_pprof(a),
        Command::Trace(cli::TraceCmd::Summary(a)) => trace_summary(a),
        Command::Trace(cli::TraceCmd::Goroutines(a)) => trace_goroutines(a),
        Command::Trace(cli::TraceCmd::Export(a)) => trace_export(a),
        Command::Diff(a) => diff(a),
        Command::Merge(a) => merge(a),
        Command::Proto(a) => proto(a),
        #[cfg(feature = "fleet")]
        Command::Fleet(a) => fleet::run(a),
    }
}

/// `rprof peek RE`.
fn peek(a: cli::PeekCmd) -> Result<(), Failure> {
    let re = rprof_profile::filter::compile_go_regex(&a.regex)
        .map_err(|e| Failure::usage(format!("parsing argument regexp {}: {e}", a.regex)))?;
    let opts = a.report.options()?;
    let mut p = load(&a.common)?;
    let applied = apply_options(&mut p, &opts)?;
    let mut report = make_report(&p, &opts, &applied)?;
    let mut out = String::new();
    rprof_report::tree::write_peek(&mut report, &re, &mut out)
        .map_err(|e| Failure::usage(e.to_string()))?;
    output::emit(a.common.output.as_deref(), out.as_bytes())
}

/// `rprof graph`: pprof's DOT call graph, or SVG rendered from it.
fn graph(a: cli::GraphCmd) -> Result<(), Failure> {
    let format = a.format.unwrap_or_else(|| match &a.common.output {
        Some(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) => {
            cli::GraphFormat::Svg
        }
        _ => cli::GraphFormat::Dot,
    });
    let opts = a.report.options()?;
    let mut p = load(&a.common)?;
    let applied = apply_options(&mut p, &opts)?;
    let mut report = make_report(&p, &opts, &applied)?;
    let mut dot = String::new();
    rprof_report::dot::write_dot(&mut report, &mut dot);
    match format {
        cli::GraphFormat::Dot => output::emit(a.common.output.as_deref(), dot.as_bytes()),
        cli::GraphFormat::Svg => {
            use rprof_report::svg::{Renderer, graphviz_available, render_svg};
            let renderer = match a.renderer {
                Some(cli::GraphRenderer::Dot) => Renderer::Graphviz,
                Some(cli::GraphRenderer::Builtin) => Renderer::Builtin,
                None if graphviz_available() => Renderer::Graphviz,
                None => Renderer::Builtin,
            };
            let svg = render_svg(&dot, renderer).map_err(|e| match e {
                rprof_report::svg::SvgError::GraphvizNotFound => {
                    Failure::usage(format!("{e} (or use --renderer builtin)"))
                }
                e => Failure::input(e.to_string()),
            })?;
            output::emit(a.common.output.as_deref(), svg.as_bytes())
        }
    }
}

/// `rprof flame`: a flame graph of the profile, or, with a base, a
/// differential one drawn from both profiles (never from negated values).
fn flame(a: cli::FlameCmd) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if a.common.output.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::usage(
            "a flame graph is not for the terminal: use -o FILE.svg (or -o - for stdout)",
        ));
    }
    let opts = a.report.options()?;
    let bases = if a.common.diff_base.is_empty() {
        &a.common.base
    } else {
        &a.common.diff_base
    };
    let fopts = rprof_flame::FlameOptions {
        title: a.title.clone(),
        subtitle: a.subtitle.clone(),
        source: Some(shown(&a.common.profiles)),
        base_source: (!bases.is_empty()).then(|| shown(bases)),
        width: a.width,
        min_width: a.min_width,
        icicle: a.icicle,
        reverse: a.reverse,
        colors: a.colors,
        count_name: a.count_name.clone(),
        negate: a.negate,
        normalize: a.common.normalize,
        ..Default::default()
    };
    let flame_failure =
        |e: rprof_flame::FlameError| Failure::input(format!("{}: {e}", shown(&a.common.profiles)));
    let mut current = read_merged(&a.common.profiles)?;
    let applied = apply_options(&mut current, &opts)?;
    let current_report = make_report(&current, &opts, &applied)?;
    if bases.is_empty() {
        if a.common.normalize {
            return Err(Failure::usage(
                "--normalize needs a base profile (--base or --diff-base)",
            ));
        }
        return output::stream(a.common.output.as_deref(), |w| {
            let r = if a.folded {
                rprof_flame::write_folded(&current_report, &fopts, w)
            } else {
                rprof_flame::write_svg(&current_report, &fopts, w)
            };
            r.map_err(|e| std::io::Error::other(flame_failure(e).message))
        });
    }
    let mut base = read_merged(bases)?;
    let base_applied = apply_options(&mut base, &opts)?;
    let base_report = make_report(&base, &opts, &base_applied)?;
    output::stream(a.common.output.as_deref(), |w| {
        let r = if a.folded {
            rprof_flame::write_diff_folded(&base_report, &current_report, &fopts, w)
        } else {
            rprof_flame::write_diff_svg(&base_report, &current_report, &fopts, w)
        };
        r.map_err(|e| std::io::Error::other(flame_failure(e).message))
    })
}

/// `rprof trace dump`: go tool trace's -d=wire / -d=parsed output. On a
/// damaged trace stdout gets what Go would print before the damage, then
/// the error; an `-o` file is left as it was.
fn trace_dump(a: cli::TraceDumpCmd) -> Result<(), Failure> {
    let shown_trace = a.trace.display().to_string();
    let file = std::fs::File::open(&a.trace)
        .map_err(|e| Failure::input(format!("{shown_trace}: {}", output::io_error(&e))))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let input = std::io::BufReader::with_capacity(1 << 20, file);
    let to_file = a.output.as_deref().is_some_and(|p| p.as_os_str() != "-");
    let mut trace_error = None;
    let result = output::stream(a.output.as_deref(), |w| {
        let r = if a.wire {
            // Go's -d=wire stops quietly at a batch cut short; a second,
            // parsing pass finds such damage so that it is reported.
            rprof_trace::dump_wire(input, &mut *w).and_then(|()| validate_trace(&a.trace, size))
        } else {
            rprof_trace::Reader::new(input)
                .and_then(|rd| rprof_trace::write_parsed(&mut rd.with_total_bytes(size), w))
        };
        match r {
            Ok(()) => Ok(()),
            Err(rprof_trace::Error::Write(e)) => Err(e),
            Err(e) => {
                trace_error = Some(one_line(&e.to_string()));
                if to_file {
                    // Abandon the temporary file: the run failed.
                    Err(std::io::Error::other("damaged trace"))
                } else {
                    Ok(())
                }
            }
        }
    });
    match trace_error {
        Some(e) => Err(Failure::input(format!("{shown_trace}: {e}"))),
        None => result,
    }
}

/// Reads the whole trace, discarding events: its error, if any.
fn validate_trace(path: &std::path::Path, size: u64) -> Result<(), rprof_trace::Error> {
    let file = std::fs::File::open(path)?;
    let mut reader = rprof_trace::Reader::new(std::io::BufReader::with_capacity(1 << 20, file))?
        .with_total_bytes(size);
    while reader.next_event()?.is_some() {}
    Ok(())
}

/// The first line of a multi-line message (Go's trace errors append a
/// dump of the scheduler state), so that errors stay one line.
fn one_line(msg: &str) -> String {
    let mut lines = msg.lines();
    let first = lines.next().unwrap_or("").trim_end();
    let rest = lines.filter(|l| !l.trim().is_empty()).count();
    if rest == 0 {
        first.to_string()
    } else {
        format!(
            "{} (+{rest} lines of detail omitted)",
            first.trim_end_matches(':')
        )
    }
}

/// Opens a trace for streaming, with its size for loss reports.
fn open_trace(
    path: &std::path::Path,
) -> Result<rprof_trace::Reader<std::io::BufReader<std::fs::File>>, Failure> {
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::input(format!("{shown}: {}", output::io_error(&e))))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    rprof_trace::Reader::new(std::io::BufReader::with_capacity(1 << 20, file))
        .map(|r| r.with_total_bytes(size))
        .map_err(|e| Failure::input(format!("{shown}: {}", one_line(&e.to_string()))))
}

/// A damaged trace still gives what its good part says; the damage is
/// reported on stderr after the output, and the exit status says so.
fn trace_partial<T>(
    path: &std::path::Path,
    r: Result<rprof_trace::analysis::Partial<T>, rprof_trace::Error>,
) -> Result<(T, Option<Failure>), Failure> {
    let shown = path.display();
    let p = r.map_err(|e| Failure::input(format!("{shown}: {}", one_line(&e.to_string()))))?;
    Ok((
        p.value,
        p.error
            .map(|e| Failure::input(format!("{shown}: {}", one_line(&e.to_string())))),
    ))
}

/// `rprof trace pprof --kind K`: go tool trace -pprof=K.
fn trace_pprof(a: cli::TracePprofCmd) -> Result<(), Failure> {
    let mut reader = open_trace(&a.trace)?;
    let r = rprof_trace::analysis::pprof::pprof_profile(&mut reader, a.kind);
    let (profile, damage) = trace_partial(&a.trace, r)?;
    write_profile(&profile, a.output.as_deref())?;
    damage.map_or(Ok(()), Err)
}

/// `rprof trace summary`.
fn trace_summary(a: cli::TraceSummaryCmd) -> Result<(), Failure> {
    use rprof_trace::analysis::summary;
    let mut reader = open_trace(&a.trace)?;
    let r = summary::summary(&mut reader, &summary::SummaryOptions::default());
    let (s, damage) = trace_partial(&a.trace, r)?;
    let out = json_or_text(a.json, &s, summary::write_text)?;
    output::emit(None, out.as_bytes())?;
    damage.map_or(Ok(()), Err)
}

/// `rprof trace export --format chrome`: streamed; a damaged trace gives
/// valid JSON for its good part on stdout, while an `-o` file is only
/// replaced by a complete export.
fn trace_export(a: cli::TraceExportCmd) -> Result<(), Failure> {
    use rprof_trace::analysis::chrome::{ChromeOptions, export_chrome};
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
    let mut reader = open_trace(&a.trace)?;
    let to_file = a.output.as_os_str() != "-";
    let mut damage = None;
    let result = output::stream(Some(&a.output), |w| {
        match export_chrome(&mut reader, w, &opts) {
            Ok(p) => {
                damage = p.error.map(|e| one_line(&e.to_string()));
                if damage.is_some() && to_file {
                    return Err(std::io::Error::other("damaged trace"));
                }
                Ok(())
            }
            Err(rprof_trace::Error::Write(e)) => Err(e),
            Err(e) => {
                damage = Some(one_line(&e.to_string()));
                Err(std::io::Error::other("unreadable trace"))
            }
        }
    });
    match damage {
        Some(e) => Err(Failure::input(format!("{}: {e}", a.trace.display()))),
        None => result,
    }
}

/// `rprof trace goroutines`.
fn trace_goroutines(a: cli::TraceGoroutinesCmd) -> Result<(), Failure> {
    use rprof_trace::analysis::goroutines;
    let mut reader = open_trace(&a.trace)?;
    let r = goroutines::goroutine_summary(&mut reader);
    let (mut groups, damage) = trace_partial(&a.trace, r)?;
    goroutines::sort_groups(&mut groups, a.sort);
    let out = json_or_text(a.json, &groups, |g, t| goroutines::write_text(g, t))?;
    output::emit(None, out.as_bytes())?;
    damage.map_or(Ok(()), Err)
}

/// `rprof diff`: each side is read and merged on its own, then compared.
fn diff(a: cli::DiffCmd) -> Result<(), Failure> {
    let opts = a.report.options()?;
    // Both sides are read at once: decoding is most of the work.
    let (base, current) = rayon::join(|| read_merged(&a.base), || read_merged(&a.profiles));
    let (mut base, mut current) = (base?, current?);
    // The filters shape both sides alike.
    apply_options(&mut base, &opts)?;
    apply_options(&mut current, &opts)?;
    let names =
        |paths: &[std::path::PathBuf]| paths.iter().map(|p| p.display().to_string()).collect();
    let report = rprof_report::diff::diff(&base, &current, &opts)
        .map_err(|e| match e {
            rprof_report::diff::DiffError::Report(ReportError::SampleIndex(e)) => {
                Failure::usage(e.to_string())
            }
            e => Failure::input(format!("{}: {e}", shown(&a.profiles))),
        })?
        .with_sources(names(&a.base), names(&a.profiles));
    let out = if a.json {
        rprof_report::diff::to_json_string(&report)
    } else {
        let mut s = String::new();
        rprof_report::diff::write_text(&report, &mut s);
        s
    };
    output::emit(a.output.as_deref(), out.as_bytes())
}

/// `rprof merge`: many files, merged in parallel in bounded memory.
fn merge(a: cli::MergeCmd) -> Result<(), Failure> {
    let merged = rprof_profile::fleet::merge_files(&a.profiles, |path| {
        let mut p = read_one(path)?;
        rprof_profile::pipeline::ensure_mapping(&mut p);
        Ok::<_, Failure>(p)
    })
    .map_err(|e| match e {
        rprof_profile::fleet::FleetError::Read { error, .. } => error,
        rprof_profile::fleet::FleetError::Merge(e) => {
            Failure::input(format!("{}: {e}", shown(&a.profiles)))
        }
    })?;
    write_profile(&merged, Some(&a.output))
}

/// `rprof proto`: the processed profile, as `go tool pprof -proto` writes it.
fn proto(a: cli::ProtoCmd) -> Result<(), Failure> {
    let opts = a.report.options()?;
    let mut p = load(&a.common)?;
    apply_options(&mut p, &opts)?;
    let ratio = 1.0 / opts.divide_by;
    if ratio != 1.0 {
        // pprof's printProto: every value times the ratio, truncated.
        for v in &mut p.samples.values {
            *v = (*v as f64 * ratio) as i64;
        }
    }
    write_profile(&p, a.common.output.as_deref())
}

fn write_profile(p: &Profile, path: Option<&std::path::Path>) -> Result<(), Failure> {
    let mut bytes = Vec::new();
    rprof_profile::write::write_gz(p, &mut bytes).map_err(|e| Failure::input(e.to_string()))?;
    output::emit_binary(path, &bytes)
}

fn shown(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Loads the profiles, makes a report with `opts`, renders it with
/// `render` and writes it out.
fn text_report(
    common: &cli::CommonArgs,
    opts: rprof_report::ReportOptions,
    render: impl FnOnce(&mut Report, &mut String),
) -> Result<(), Failure> {
    let mut p = load(common)?;
    let applied = apply_options(&mut p, &opts)?;
    let mut report = make_report(&p, &opts, &applied)?;
    let mut out = String::new();
    render(&mut report, &mut out);
    output::emit(common.output.as_deref(), out.as_bytes())
}

/// Filters and pseudo frames, in pprof's order; their warnings go to
/// stderr as pprof prints them.
fn apply_options(
    p: &mut Profile,
    opts: &rprof_report::ReportOptions,
) -> Result<rprof_report::filters::Applied, Failure> {
    let applied = rprof_report::filters::apply(p, opts).map_err(report_failure)?;
    for note in &applied.notes {
        eprintln!("{note}");
    }
    Ok(applied)
}

fn make_report<'p>(
    p: &'p Profile,
    opts: &rprof_report::ReportOptions,
    applied: &rprof_report::filters::Applied,
) -> Result<Report<'p>, Failure> {
    Report::with_applied(p, opts, applied).map_err(report_failure)
}

/// Option errors are usage errors (exit 2); the rest are about the input.
fn report_failure(e: ReportError) -> Failure {
    match e {
        ReportError::SampleIndex(e) => Failure::usage(e.to_string()),
        e @ ReportError::Option { .. } => Failure::usage(e.to_string()),
        e => Failure::input(e.to_string()),
    }
}

/// Reads the files in parallel and merges them, for commands that keep a
/// base apart (flame, diff) instead of subtracting it.
fn read_merged(paths: &[std::path::PathBuf]) -> Result<Profile, Failure> {
    let profiles = paths
        .par_iter()
        .map(|p| read_one(p))
        .collect::<Result<Vec<_>, _>>()?;
    rprof_profile::combine(profiles).map_err(|e| Failure::input(format!("{}: {e}", shown(paths))))
}

/// A trace analysis as pretty JSON or as its text rendering.
fn json_or_text<T: serde::Serialize>(
    json: bool,
    value: &T,
    text: impl FnOnce(&T, &mut String),
) -> Result<String, Failure> {
    if json {
        let mut j =
            serde_json::to_string_pretty(value).map_err(|e| Failure::input(e.to_string()))?;
        j.push('\n');
        Ok(j)
    } else {
        let mut t = String::new();
        text(value, &mut t);
        Ok(t)
    }
}

/// Reads every file (in parallel) and merges them as pprof does,
/// subtracting `--base`/`--diff-base` profiles.
fn load(common: &cli::CommonArgs) -> Result<Profile, Failure> {
    if common.normalize && common.base.is_empty() && common.diff_base.is_empty() {
        return Err(Failure::usage(
            "--normalize needs a base profile (--base or --diff-base)",
        ));
    }
    let bases = if common.diff_base.is_empty() {
        &common.base
    } else {
        &common.diff_base
    };
    let read_all = |paths: &[std::path::PathBuf]| -> Result<Vec<Profile>, Failure> {
        paths.par_iter().map(|path| read_one(path)).collect()
    };
    let (sources, base_profiles) = rayon::join(|| read_all(&common.profiles), || read_all(bases));
    let (sources, base_profiles) = (sources?, base_profiles?);
    let opts = rprof_profile::BaseOptions {
        diff_base: !common.diff_base.is_empty(),
        normalize: common.normalize,
    };
    let names: Vec<String> = common
        .profiles
        .iter()
        .chain(bases)
        .map(|p| p.display().to_string())
        .collect();
    rprof_profile::combine_with_base(sources, base_profiles, &opts)
        .map_err(|e| Failure::input(format!("{}: {e}", names.join(", "))))
}

fn read_one(path: &std::path::Path) -> Result<Profile, Failure> {
    let shown = path.display();
    let data = std::fs::read(path)
        .map_err(|e| Failure::input(format!("{shown}: {}", output::io_error(&e))))?;
    let opts = READ_OPTIONS.get_or_init(Default::default);
    rprof_profile::parse_with(&data, opts).map_err(|e| Failure::input(format!("{shown}: {e}")))
}
