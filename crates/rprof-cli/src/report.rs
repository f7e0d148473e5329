//! The commands over profiles: the reports (`top`, `traces`, `tree`,
//! `peek`, `tags`, `raw`, `graph`, `proto`, `list`, `disasm`,
//! `comments`, `topproto`), `flame`, `diff` and `merge`.
//! Each reads its inputs through [`sources`], runs them
//! through the report pipeline, and writes through
//! [`output`].

use crate::cli::{
    self, DiffRun, FlameFormat, FlameRun, ImageVia, MergeRun, ReportFormat, ReportRun,
};
use crate::failure::Failure;
use crate::objtool;
use crate::output::{self, write_profile};
use crate::sources::{self, shown};
use rprof_profile::Profile;
use rprof_report::ReportError;
use rprof_report::filters::Note;
use rprof_report::pipeline::{Pipeline, PipelineError, Prepared};

/// The reports over one profile (sources minus bases).
pub fn report(r: ReportRun) -> Result<(), Failure> {
    let out = r.output.as_deref();
    let (mut profile, binaries) = load(&r)?;
    if matches!(r.format, ReportFormat::Raw) {
        let mut text = String::new();
        rprof_report::raw::write_raw(&profile, &mut text)
            .map_err(|e| Failure::input(e.to_string()))?;
        return output::emit(out, text.as_bytes());
    }
    // pprof's `go tool pprof BINARY PROFILE`: the program named on the
    // command line stands for the profile's main mapping.
    if let Some(b) = binaries.first()
        && !profile.mappings.is_empty()
    {
        let file = profile.strings.push(&b.name);
        profile.mappings[0].file = file;
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
        ReportFormat::TopJson => {
            text = serde_json::to_string_pretty(&rprof_report::top::top_table(&report))
                .map_err(|e| Failure::input(e.to_string()))?;
            text.push('\n');
        }
        ReportFormat::TopProto => {
            return write_profile(&rprof_report::topproto::top_profile(&report), out);
        }
        ReportFormat::Comments => rprof_report::comments::write_comments(&report, &mut text),
        ReportFormat::Tags => rprof_report::tags::write_tags(&report, &mut text),
        ReportFormat::Tree => rprof_report::tree::write_tree(&report, &mut text),
        ReportFormat::Traces => {
            return output::stream(out, |w| rprof_report::traces::stream_traces(&report, w));
        }
        ReportFormat::Peek(re) => rprof_report::tree::write_peek(&report, re, &mut text)
            .map_err(|e| Failure::usage(e.to_string()))?,
        ReportFormat::Callgrind => rprof_report::callgrind::write_callgrind(&report, &mut text),
        ReportFormat::Speedscope => rprof_report::speedscope::write_speedscope(
            &report,
            &shown(&r.inputs.sources),
            &mut text,
        ),
        ReportFormat::List(re) => {
            let config = source_config(&report);
            let listing = rprof_report::list::write_list(&report, re, &config)
                .map_err(|e| Failure::usage(e.to_string()))?;
            output::emit(out, listing.text.as_bytes())?;
            if let Some(note) = rprof_report::list::missing_note(&listing) {
                eprintln!("rprof: note: {note}");
            }
            return Ok(());
        }
        ReportFormat::Disasm { symbol, syntax } => {
            let tool = objtool::CliObjTool::new(binaries, *syntax);
            let d = rprof_report::disasm::write_disasm(&report, symbol, &tool).map_err(
                |e| match e {
                    rprof_report::disasm::DisasmError::Disassembly(m) => Failure::input(m),
                    e => Failure::usage(e.to_string()),
                },
            )?;
            output::emit(out, d.text.as_bytes())?;
            for (file, why) in &d.unreadable {
                eprintln!("rprof: note: {file}: {why}");
            }
            return Ok(());
        }
        ReportFormat::Dot | ReportFormat::Svg(_) | ReportFormat::Image(..) => {
            rprof_report::dot::write_dot(&report, &mut text);
            let svg_failure = |e: rprof_report::svg::SvgError| match e {
                rprof_report::svg::SvgError::GraphvizNotFound => {
                    Failure::usage(format!("{e} (or use --renderer builtin)"))
                }
                e => Failure::input(e.to_string()),
            };
            match r.format {
                ReportFormat::Svg(renderer) => {
                    text = rprof_report::svg::render_svg(&text, renderer).map_err(svg_failure)?;
                }
                ReportFormat::Image(format, ImageVia::Graphviz) => {
                    let bytes = rprof_report::image::graph_image(&text, format)
                        .map_err(|e| Failure::input(e.to_string()))?;
                    return output::emit_binary(out, &bytes);
                }
                ReportFormat::Image(_, ImageVia::Raster) => {
                    // The picture at the graph's own size, not the
                    // window-filling SVG of -svg (half size, pan and zoom).
                    let svg =
                        rprof_report::svg::render_builtin_fixed(&text).map_err(svg_failure)?;
                    return output::emit_binary(out, &rasterise(&svg)?);
                }
                _ => {}
            }
        }
        ReportFormat::Raw | ReportFormat::Proto => unreachable!("handled above"),
    }
    output::emit(out, text.as_bytes())
}

/// Where `list` looks for sources: pprof's search path (the working
/// directory unless --source-path), then GOROOT and the module cache as
/// the local Go says (`go env`), else as $GOROOT, $GOMODCACHE, $GOPATH say.
fn source_config(r: &rprof_report::Report) -> rprof_report::source::SourceConfig {
    let o = r.options();
    let search_path = if o.source_path.is_empty() {
        std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| ".".into())
    } else {
        o.source_path.clone()
    };
    let env_path = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    };
    let (mut goroot, mut gomodcache) = (None, None);
    // `go env` answers as the build did; GOTOOLCHAIN=local so that it
    // never downloads a toolchain to answer.
    if let Ok(out) = std::process::Command::new("go")
        .args(["env", "GOROOT", "GOMODCACHE"])
        .env("GOTOOLCHAIN", "local")
        .stderr(std::process::Stdio::null())
        .output()
        && out.status.success()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines().map(str::trim);
        let mut next = || {
            lines
                .next()
                .filter(|l| !l.is_empty())
                .map(std::path::PathBuf::from)
        };
        goroot = next();
        gomodcache = next();
    }
    let goroot = goroot.or_else(|| env_path("GOROOT"));
    let gomodcache = gomodcache.or_else(|| env_path("GOMODCACHE")).or_else(|| {
        env_path("GOPATH")
            .or_else(|| env_path("HOME").map(|h| h.join("go")))
            .map(|p| p.join("pkg/mod"))
    });
    rprof_report::source::SourceConfig {
        search_path,
        trim_path: o.trim_path.clone(),
        goroot,
        gomodcache,
        recorded_goroots: Vec::new(),
    }
}

/// An SVG as PNG, in pure Rust.
#[cfg(feature = "raster")]
fn rasterise(svg: &str) -> Result<Vec<u8>, Failure> {
    rprof_report::image::svg_to_png(svg).map_err(|e| Failure::input(e.to_string()))
}

#[cfg(not(feature = "raster"))]
fn rasterise(_svg: &str) -> Result<Vec<u8>, Failure> {
    Err(Failure::usage(
        "this rprof was built without PNG support (the `raster` feature)",
    ))
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
    let folded = f.format == FlameFormat::Folded;
    let base = if f.inputs.bases.is_empty() {
        None
    } else {
        let base = merged(&f.pipeline, &f.inputs.bases, &f.inputs)?;
        Some(prepare(&f.pipeline, base)?)
    };
    let base_report = match &base {
        Some(b) => Some(b.report().map_err(report_failure)?),
        None => None,
    };
    let write = |w: &mut dyn std::io::Write| {
        let r = match (&base_report, folded) {
            (None, true) => rprof_flame::write_folded(&current_report, &f.flame, w),
            (None, false) => rprof_flame::write_svg(&current_report, &f.flame, w),
            (Some(b), true) => rprof_flame::write_diff_folded(b, &current_report, &f.flame, w),
            (Some(b), false) => rprof_flame::write_diff_svg(b, &current_report, &f.flame, w),
        };
        r.map_err(flame_failure)
    };
    if f.format == FlameFormat::Png {
        let mut svg = Vec::new();
        write(&mut svg).map_err(|e| Failure::input(e.to_string()))?;
        let png = rasterise(&String::from_utf8_lossy(&svg))?;
        return output::emit_binary(out, &png);
    }
    output::stream(out, write)
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

/// Reads the sources and bases of a report run and combines them; the
/// executables among the sources are set aside for `disasm` (and
/// mentioned and left out by the other reports).
fn load(r: &ReportRun) -> Result<(Profile, Vec<sources::Executable>), Failure> {
    let disasm = matches!(r.format, ReportFormat::Disasm { .. });
    let (sources, bases) = rayon::join(
        || {
            if disasm {
                let (p, b) = sources::split_executables(sources::read_all(
                    &r.inputs.sources,
                    &r.inputs.fetch,
                )?);
                if p.is_empty() {
                    // As the other commands say of an executable alone:
                    // about the input, naming it.
                    let names: Vec<&str> = b.iter().map(|e| e.name.as_str()).collect();
                    return Err(Failure::input(format!(
                        "{}: an executable, and no profile was given (rprof disasm RE ./server cpu.pb.gz)",
                        names.join(", ")
                    )));
                }
                Ok((p, b))
            } else {
                Ok((
                    sources::read_profiles(&r.inputs.sources, &r.inputs.fetch)?,
                    Vec::new(),
                ))
            }
        },
        || sources::read_profiles(&r.inputs.bases, &r.inputs.fetch),
    );
    let (sources, binaries) = sources?;
    let profile = r.pipeline.load(sources, bases?).map_err(pipeline_failure)?;
    Ok((profile, binaries))
}

/// Reads the files and merges them, for commands that keep a base apart
/// (flame, diff) instead of subtracting it.
fn merged(pipeline: &Pipeline, names: &[String], inputs: &cli::Inputs) -> Result<Profile, Failure> {
    pipeline
        .merge(sources::read_profiles(names, &inputs.fetch)?)
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
