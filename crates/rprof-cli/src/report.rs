//! The commands over profiles: the reports (`top`, `traces`, `tree`,
//! `peek`, `tags`, `raw`, `graph`, `proto`), `flame`, `diff` and `merge`.
//! Each reads its inputs through [`sources`], runs them through the
//! report pipeline, and writes through [`output`].

use crate::cli::{self, DiffRun, FlameRun, MergeRun, ReportFormat, ReportRun};
use crate::failure::Failure;
use crate::output::{self, write_profile};
use crate::sources::{self, shown};
use rprof_profile::Profile;
use rprof_report::ReportError;
use rprof_report::filters::Note;
use rprof_report::pipeline::{Pipeline, PipelineError, Prepared};

/// The reports over one profile (sources minus bases).
pub fn report(r: ReportRun) -> Result<(), Failure> {
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
        if r.pipeline.report.no_inlines {
            // pprof's -proto aggregates at addresses granularity: with
            // -noinlines, only the inlined lines go.
            rprof_profile::filter::drop_inlined_frames(&mut p, r.pipeline.report.show_columns);
        }
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
pub fn flame(f: FlameRun) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let out = f.output.as_deref();
    if out.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure::usage(
            "a flame graph is not for the terminal: use -o FILE.svg (or -o - for stdout)",
        ));
    }
    let flame_failure = |e: rprof_flame::FlameError| match e {
        // Kept as is so that a reader leaving (`| head`) stays silent.
        rprof_flame::FlameError::Io(io) => io,
        e => std::io::Error::other(format!("{}: {e}", shown(&f.inputs.sources))),
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
pub fn diff(d: DiffRun) -> Result<(), Failure> {
    // Both sides are read at once: decoding is most of the work.
    let (base, current) = rayon::join(
        || merged(&d.pipeline, &d.inputs.bases, &d.inputs),
        || merged(&d.pipeline, &d.inputs.sources, &d.inputs),
    );
    let sides = DiffSides {
        base: base?,
        current: current?,
        base_names: sources::redacted(&d.inputs.bases),
        current_names: sources::redacted(&d.inputs.sources),
    };
    write_diff(&d.pipeline, sides, d.json, d.output.as_deref())
}

/// The two sides of a comparison and what they are called.
pub struct DiffSides {
    pub base: Profile,
    pub current: Profile,
    pub base_names: Vec<String>,
    pub current_names: Vec<String>,
}

/// rprof's comparison report of two profiles, after the filters shaped
/// both sides alike (for `rprof diff` and `rprof fleet diff`).
pub fn write_diff(
    pipeline: &Pipeline,
    s: DiffSides,
    json: bool,
    out: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let base = prepare(pipeline, s.base)?;
    let current = prepare(pipeline, s.current)?;
    let report = rprof_report::diff::diff(base.profile(), current.profile(), &pipeline.report)
        .map_err(|e| match e {
            rprof_report::diff::DiffError::Report(ReportError::SampleIndex(e)) => {
                Failure::usage(e.to_string())
            }
            e => Failure::input(format!("{}: {e}", s.current_names.join(", "))),
        })?
        .with_sources(s.base_names, s.current_names);
    let text = if json {
        rprof_report::diff::to_json_string(&report)
    } else {
        let mut t = String::new();
        rprof_report::diff::write_text(&report, &mut t);
        t
    };
    output::emit(out, text.as_bytes())
}

/// `rprof merge`: many files, merged in parallel in bounded memory (each
/// file is read when a thread is ready for it, not all up front).
pub fn merge(m: MergeRun) -> Result<(), Failure> {
    let pipeline = Pipeline {
        read: m.read,
        ..Default::default()
    };
    let merged = rprof_profile::fleet::merge_files(&m.inputs, |path| {
        let mut p = pipeline
            .read(sources::read(path, &m.fetch)?)
            .map_err(pipeline_failure)?;
        rprof_profile::ensure_mapping(&mut p);
        Ok::<_, Failure>(p)
    })
    .map_err(|e| match e {
        rprof_profile::fleet::FleetError::Read { error, .. } => error,
        rprof_profile::fleet::FleetError::Merge(e) => {
            Failure::input(format!("{}: {e}", shown(&m.inputs)))
        }
    })?;
    // As pprof -proto (and rprof proto) do after merging: the frames the
    // profile's drop_frames names go, so that other tools reading the
    // merged file do not see them.
    let mut merged = merged;
    rprof_profile::remove_uninteresting(&mut merged)
        .map_err(|e| Failure::input(format!("{}: {e}", shown(&m.inputs))))?;
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
fn merged(pipeline: &Pipeline, names: &[String], inputs: &cli::Inputs) -> Result<Profile, Failure> {
    pipeline
        .merge(sources::read_all(names, &inputs.fetch)?)
        .map_err(pipeline_failure)
}

/// Filters and pseudo frames, in pprof's order; their warnings go to
/// stderr as pprof prints them.
pub fn prepare(pipeline: &Pipeline, profile: Profile) -> Result<Prepared, Failure> {
    let prepared = pipeline.prepare(profile).map_err(pipeline_failure)?;
    for note in prepared.notes() {
        match note {
            // pprof's warnings, as pprof prints them.
            Note::Pprof(text) => eprintln!("{text}"),
            // rprof's own notes name the option as the command line does.
            note => eprintln!("rprof: --{note}"),
        }
    }
    Ok(prepared)
}

pub fn pipeline_failure(e: PipelineError) -> Failure {
    match e {
        PipelineError::Report(e) => report_failure(e),
        PipelineError::NormalizeWithoutBase => {
            Failure::usage("--normalize needs a base profile (--base or --diff-base)")
        }
        e => Failure::input(e.to_string()),
    }
}

/// Option errors are usage errors (exit 2); the rest are about the input.
pub fn report_failure(e: ReportError) -> Failure {
    match e {
        ReportError::SampleIndex(e) => Failure::usage(e.to_string()),
        ReportError::TagFilter { option, error } => Failure::usage(format!("--{option}: {error}")),
        e => Failure::input(e.to_string()),
    }
}
