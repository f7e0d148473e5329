//! `rprof`: the command-line front end.
//!
//! Everything here is plumbing. `rprof top cpu.pb.gz` goes:
//!
//! 1. [`cli`]: clap parses argv; [`cli::Cli::into_run`] turns it into a
//!    [`Run`] holding the libraries' plain options (a report
//!    [`Pipeline`](rprof_report::pipeline::Pipeline)).
//! 2. [`sources`]: the files are read, in parallel.
//! 3. the pipeline (rprof-report): inputs are parsed and merged, bases
//!    subtracted, filters applied; a `Report` is made.
//! 4. the report module (`rprof_report::top`) renders it into memory.
//! 5. [`output`]: stdout, or with `-o` atomically into a file.
//!
//! Errors become one line on stderr, `rprof: <file>: <problem>`, and an
//! exit status: 0 ok, 1 bad input or failure, 2 usage.

mod browser;
mod cli;
mod diag;
mod failure;
mod live;
mod output;
mod progress;
mod sources;
mod trace;
mod traceweb;
mod web;

use clap::Parser;
use cli::{Cli, DiffRun, FlameRun, MergeRun, ReportFormat, ReportRun, Run};
use failure::Failure;
use output::write_profile;
use rprof_profile::Profile;
use rprof_report::ReportError;
use rprof_report::pipeline::{PipelineError, Prepared};
use sources::shown;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match cli.into_run().and_then(run) {
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

fn run(r: Run) -> Result<(), Failure> {
    match r {
        Run::Report(r) => report(r),
        Run::Flame(f) => flame(f),
        Run::Diff(d) => diff(d),
        Run::Merge(m) => merge(m),
        Run::Trace(t) => trace::run(t),
        Run::Fetch(f) => live::fetch(f),
        Run::Gops(g) => live::gops(g),
        Run::Collect(c) => live::collect(c),
        Run::Goroutines(a) => diag::goroutines(a),
        Run::Gctrace(a) => diag::gctrace(a),
        Run::Memstats(a) => diag::memstats(a),
        Run::Race(a) => diag::race(a),
        Run::Web(w, inputs) => web::run_web(w, inputs),
        Run::HtmlReport(r, inputs) => web::run_report(r, inputs),
    }
}

/// The reports over one profile (sources minus bases).
fn report(r: ReportRun) -> Result<(), Failure> {
    let out = r.output.as_deref();
    let profile = load(&r)?;
    if matches!(r.format, ReportFormat::Raw) {
        let mut text = String::new();
        rprof_report::raw::write_raw(&profile, &mut text)
            .map_err(|e| Failure::input(e.to_string()))?;
        return output::emit(out, text.as_bytes());
    }
    let prepared = prepare(&r.pipeline, profile)?;
    if matches!(r.format, ReportFormat::Proto) {
        let mut p = prepared.into_profile();
        let ratio = 1.0 / r.pipeline.report.divide_by;
        if ratio != 1.0 {
            // pprof's printProto: every value times the ratio, truncated.
            for v in &mut p.samples.values {
                *v = (*v as f64 * ratio) as i64;
            }
        }
        return write_profile(&p, out);
    }
    let report = prepared.report().map_err(report_failure)?;
    let mut text = String::new();
    match &r.format {
        ReportFormat::Top => rprof_report::top::write_top(&report, &mut text),
        ReportFormat::Tags => rprof_report::tags::write_tags(&report, &mut text),
        ReportFormat::Tree => rprof_report::tree::write_tree(&report, &mut text),
        ReportFormat::Traces => {
            return output::stream(out, |w| rprof_report::traces::stream_traces(&report, w));
        }
        ReportFormat::Peek(re) => rprof_report::tree::write_peek(&report, re, &mut text)
            .map_err(|e| Failure::usage(e.to_string()))?,
        ReportFormat::Dot | ReportFormat::Svg(_) => {
            rprof_report::dot::write_dot(&report, &mut text);
            if let ReportFormat::Svg(renderer) = r.format {
                text = rprof_report::svg::render_svg(&text, renderer).map_err(|e| match e {
                    rprof_report::svg::SvgError::GraphvizNotFound => {
                        Failure::usage(format!("{e} (or use --renderer builtin)"))
                    }
                    e => Failure::input(e.to_string()),
                })?;
            }
        }
        ReportFormat::Raw | ReportFormat::Proto => unreachable!("handled above"),
    }
    output::emit(out, text.as_bytes())
}

/// `rprof flame`: a flame graph of the profile, or, with a base, a
/// differential one drawn from both profiles (never from negated values).
fn flame(f: FlameRun) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let out = f.output.as_deref();
    if out.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::usage(
            "a flame graph is not for the terminal: use -o FILE.svg (or -o - for stdout)",
        ));
    }
    let flame_failure = |e: rprof_flame::FlameError| {
        std::io::Error::other(format!("{}: {e}", shown(&f.inputs.sources)))
    };
    let current = merged(&f.pipeline, &f.inputs.sources, &f.inputs)?;
    let current = prepare(&f.pipeline, current)?;
    let current_report = current.report().map_err(report_failure)?;
    if f.inputs.bases.is_empty() {
        return output::stream(out, |w| {
            let r = if f.folded {
                rprof_flame::write_folded(&current_report, &f.flame, w)
            } else {
                rprof_flame::write_svg(&current_report, &f.flame, w)
            };
            r.map_err(flame_failure)
        });
    }
    let base = merged(&f.pipeline, &f.inputs.bases, &f.inputs)?;
    let base = prepare(&f.pipeline, base)?;
    let base_report = base.report().map_err(report_failure)?;
    output::stream(out, |w| {
        let r = if f.folded {
            rprof_flame::write_diff_folded(&base_report, &current_report, &f.flame, w)
        } else {
            rprof_flame::write_diff_svg(&base_report, &current_report, &f.flame, w)
        };
        r.map_err(flame_failure)
    })
}

/// `rprof diff`: each side is read and merged on its own, then compared.
fn diff(d: DiffRun) -> Result<(), Failure> {
    // Both sides are read at once: decoding is most of the work.
    let (base, current) = rayon::join(
        || merged(&d.pipeline, &d.inputs.bases, &d.inputs),
        || merged(&d.pipeline, &d.inputs.sources, &d.inputs),
    );
    // The filters shape both sides alike.
    let base = prepare(&d.pipeline, base?)?;
    let current = prepare(&d.pipeline, current?)?;
    let report = rprof_report::diff::diff(base.profile(), current.profile(), &d.pipeline.report)
        .map_err(|e| match e {
            rprof_report::diff::DiffError::Report(ReportError::SampleIndex(e)) => {
                Failure::usage(e.to_string())
            }
            e => Failure::input(format!("{}: {e}", shown(&d.inputs.sources))),
        })?
        .with_sources(
            sources::redacted(&d.inputs.bases),
            sources::redacted(&d.inputs.sources),
        );
    let out = if d.json {
        rprof_report::diff::to_json_string(&report)
    } else {
        let mut s = String::new();
        rprof_report::diff::write_text(&report, &mut s);
        s
    };
    output::emit(d.output.as_deref(), out.as_bytes())
}

/// `rprof merge`: many files, merged in parallel in bounded memory (each
/// file is read when a thread is ready for it, not all up front).
fn merge(m: MergeRun) -> Result<(), Failure> {
    let pipeline = rprof_report::pipeline::Pipeline {
        read: m.read,
        ..Default::default()
    };
    let merged = rprof_profile::fleet::merge_files(&m.inputs, |path| {
        let mut p = pipeline
            .read(sources::read(path, &m.fetch)?)
            .map_err(pipeline_failure)?;
        rprof_profile::pipeline::ensure_mapping(&mut p);
        Ok::<_, Failure>(p)
    })
    .map_err(|e| match e {
        rprof_profile::fleet::FleetError::Read { error, .. } => error,
        rprof_profile::fleet::FleetError::Merge(e) => {
            Failure::input(format!("{}: {e}", shown(&m.inputs)))
        }
    })?;
    write_profile(&merged, Some(&m.output))
}

/// Reads the sources and bases of a report run and combines them.
fn load(r: &ReportRun) -> Result<Profile, Failure> {
    let (sources, bases) = rayon::join(
        || sources::read_all(&r.inputs.sources, &r.inputs.fetch),
        || sources::read_all(&r.inputs.bases, &r.inputs.fetch),
    );
    r.pipeline.load(sources?, bases?).map_err(pipeline_failure)
}

/// Reads the files and merges them, for commands that keep a base apart
/// (flame, diff) instead of subtracting it.
fn merged(
    pipeline: &rprof_report::pipeline::Pipeline,
    names: &[String],
    inputs: &cli::Inputs,
) -> Result<Profile, Failure> {
    pipeline
        .merge(sources::read_all(names, &inputs.fetch)?)
        .map_err(pipeline_failure)
}

/// Filters and pseudo frames, in pprof's order; their warnings go to
/// stderr as pprof prints them.
fn prepare(
    pipeline: &rprof_report::pipeline::Pipeline,
    profile: Profile,
) -> Result<Prepared, Failure> {
    let prepared = pipeline.prepare(profile).map_err(pipeline_failure)?;
    for note in prepared.notes() {
        eprintln!("{note}");
    }
    Ok(prepared)
}

fn pipeline_failure(e: PipelineError) -> Failure {
    match e {
        PipelineError::Report(e) => report_failure(e),
        PipelineError::NormalizeWithoutBase => {
            Failure::usage("--normalize needs a base profile (--base or --diff-base)")
        }
        e => Failure::input(e.to_string()),
    }
}

/// Option errors are usage errors (exit 2); the rest are about the input.
fn report_failure(e: ReportError) -> Failure {
    match e {
        ReportError::SampleIndex(e) => Failure::usage(e.to_string()),
        ReportError::TagFilter { option, error } => Failure::usage(format!("--{option}: {error}")),
        e => Failure::input(e.to_string()),
    }
}
