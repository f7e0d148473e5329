//! The runtime diagnostics commands: `goroutines`, `gctrace`, `memstats`
//! and `race`, over rprof-diag (their arguments are in `cli.rs`).
//!
//! Every command takes several inputs, `-` for stdin and URLs (as every
//! command classifies its sources: `sources.rs`), streams each input
//! through the library's readers (a URL's body as it arrives), and writes its output to stdout
//! or, with `-o`, atomically to a file. An input that holds nothing of
//! the kind is one line on stderr and exit status 1; lines that were
//! skipped in an otherwise good input are one note per input on stderr.
//! With `--web` the result is a page of the browser UI
//! (`rprof_web::DiagUi`) instead, served as `rprof web` serves.

use crate::cli::{
    DiagWebArgs, GcFormat, GctraceArgs, GoroutinesArgs, MemFormat, MemstatsArgs, RaceArgs,
};
use crate::failure::Failure;
use crate::output;
use crate::sources::{self, TextSource};
use rprof_diag::{DiagError, Source, TextOptions};
use rprof_source::FetchOptions;
use std::io::{BufRead, IsTerminal};
use std::path::Path;

/// Streams the input `name` (a file, `-`, a URL) into `read`.
fn with_input<T>(
    name: &str,
    fetch: &FetchOptions,
    read: impl FnOnce(&str, &mut dyn BufRead) -> Result<T, DiagError>,
) -> Result<T, Failure> {
    sources::with_text(name, fetch, |shown, r| read(shown, r).map_err(diag_failure))
}

/// `--web`: renders the page, prints the URL as the first line of
/// stdout, opens a browser (as `rprof web` does), serves until
/// interrupted.
fn serve_web(w: &DiagWebArgs, d: rprof_web::Diagnostics, names: &[String]) -> Result<(), Failure> {
    let title = sources::shown(names);
    let ui = rprof_web::DiagUi::new(&d, &title).map_err(|e| Failure::input(e.to_string()))?;
    // The page is rendered: the report is not needed any more.
    drop(d);
    let bound = crate::web::bind_announced(w.http.as_deref(), "what was loaded")?;
    let url = bound.url();
    if !w.no_browser {
        crate::browser::open(&format!("{url}/"));
    }
    let app = rprof_web::diag_app(ui, &bound);
    bound.serve(app).map_err(|e| Failure::input(e.to_string()))
}

fn diag_failure(e: DiagError) -> Failure {
    Failure::input(e.to_string())
}

/// One note per input whose lines were not all understood.
fn note_skipped(sources: &[Source]) {
    for s in sources {
        if let Some(first) = s.skipped.first.first() {
            eprintln!(
                "rprof: note: {}: {} line{} not understood (first: line {}: {})",
                s.name,
                s.skipped.count,
                if s.skipped.count == 1 { "" } else { "s" },
                first.line,
                first.reason
            );
        }
    }
}

/// Colour only for a terminal, and never with NO_COLOR set.
fn text_options(output: Option<&Path>) -> TextOptions {
    let to_stdout = output.is_none_or(|p| p.as_os_str() == "-");
    TextOptions {
        color: to_stdout
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// The lowercase extension of `-o`'s file, if any.
fn extension(output: Option<&Path>) -> Option<String> {
    output
        .filter(|p| p.as_os_str() != "-")
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// `rprof goroutines DUMP...`.
pub fn goroutines(a: GoroutinesArgs, fetch: &FetchOptions) -> Result<(), Failure> {
    if a.web.web && (a.html || a.to_profile) {
        return Err(Failure::usage(
            "--web shows the page itself: not with --html or --to-profile",
        ));
    }
    let opts = rprof_diag::GoroutineOptions {
        similar: a.similar,
        ..Default::default()
    };
    let mut reader = rprof_diag::GoroutineReader::new(opts);
    for name in &a.dumps {
        with_input(name, fetch, |shown, r| reader.read(shown, r))?;
    }
    let report = reader.finish();
    note_skipped(&report.sources);
    if a.web.web {
        return serve_web(&a.web, rprof_web::Diagnostics::Goroutines(report), &a.dumps);
    }
    let out = a.output.as_deref();
    if a.to_profile {
        if out.is_none() {
            return Err(Failure::usage(
                "--to-profile needs -o FILE (or -o - for stdout)",
            ));
        }
        let mut bytes = Vec::new();
        rprof_diag::write_goroutine_profile(&report, &mut bytes).map_err(diag_failure)?;
        return output::emit_binary(out, &bytes);
    }
    let html = a.html || (!a.json && extension(out).is_some_and(|e| e == "html" || e == "htm"));
    let text = if a.json {
        rprof_diag::to_json(&report)
    } else if html {
        rprof_diag::goroutines_html(&report).map_err(diag_failure)?
    } else {
        rprof_diag::goroutines_text(&report, &text_options(out))
    };
    output::emit(out, text.as_bytes())
}

/// `rprof gctrace LOG...`.
pub fn gctrace(a: GctraceArgs, fetch: &FetchOptions) -> Result<(), Failure> {
    if a.web.web && (a.csv || a.format.is_some()) {
        return Err(Failure::usage(
            "--web shows the page itself: not with --csv or --format",
        ));
    }
    let out = a.output.as_deref();
    let format = if a.json {
        GcFormat::Json
    } else if a.csv {
        GcFormat::Csv
    } else {
        a.format.unwrap_or(match extension(out).as_deref() {
            Some("svg") => GcFormat::Svg,
            Some("json") => GcFormat::Json,
            Some("csv") => GcFormat::Csv,
            _ => GcFormat::Text,
        })
    };
    let mut report = rprof_diag::GcReport {
        sources: Vec::new(),
        traces: Vec::new(),
    };
    for name in &a.logs {
        let (source, traces) =
            with_input(name, fetch, |shown, r| rprof_diag::read_gctrace(shown, r))?;
        report.sources.push(source);
        report.traces.extend(traces);
    }
    note_skipped(&report.sources);
    if a.web.web {
        return serve_web(&a.web, rprof_web::Diagnostics::Gctrace(report), &a.logs);
    }
    match format {
        GcFormat::Text => output::emit(
            out,
            rprof_diag::gctrace_text(&report, &text_options(out)).as_bytes(),
        ),
        GcFormat::Json => output::emit(out, rprof_diag::to_json(&report).as_bytes()),
        GcFormat::Csv => output::stream(out, |w| {
            rprof_diag::gctrace_csv(&report, w).map_err(std::io::Error::other)
        }),
        GcFormat::Svg => {
            let svg =
                rprof_diag::gctrace_svg(&report, &Default::default()).map_err(diag_failure)?;
            output::emit(out, svg.as_bytes())
        }
    }
}

/// `rprof memstats SERIES...`.
pub fn memstats(a: MemstatsArgs, fetch: &FetchOptions) -> Result<(), Failure> {
    if a.web.web && a.format.is_some() {
        return Err(Failure::usage(
            "--web shows the page itself: not with --format",
        ));
    }
    if !(a.interval > 0.0 && a.interval.is_finite()) {
        return Err(Failure::usage(
            "--interval must be a positive number of seconds",
        ));
    }
    let out = a.output.as_deref();
    let format = if a.json {
        MemFormat::Json
    } else {
        a.format.unwrap_or(match extension(out).as_deref() {
            Some("svg") => MemFormat::Svg,
            Some("json") => MemFormat::Json,
            Some("csv") => MemFormat::Csv,
            Some("om" | "openmetrics") => MemFormat::Openmetrics,
            _ => MemFormat::Text,
        })
    };
    let mut reader = rprof_diag::MemstatsReader::new(rprof_diag::MemstatsOptions {
        interval_s: a.interval,
        start_unix_s: a.start,
    });
    let every = match (a.every, a.for_) {
        (Some(e), Some(f)) if e.is_zero() || f < e => {
            return Err(Failure::usage(
                "--every must be more than zero and no longer than --for",
            ));
        }
        (Some(e), Some(f)) => Some((e, f)),
        _ => None,
    };
    for name in &a.series {
        match sources::text_source(name)? {
            TextSource::Dir(dir) if dir.join(rprof_source::INDEX_FILE).is_file() => {
                crate::series::read_collection(&mut reader, &dir)?;
            }
            TextSource::Dir(dir) => reader.read_dir(&dir).map_err(diag_failure)?,
            TextSource::Remote(source) if every.is_some() => {
                let (e, f) = every.unwrap_or_default();
                crate::series::read_repeated(&mut reader, &source, fetch, e, f)?;
            }
            _ => with_input(name, fetch, |shown, r| reader.read(shown, r))?,
        }
    }
    let report = reader.finish();
    note_skipped(&report.sources);
    if a.web.web {
        return serve_web(&a.web, rprof_web::Diagnostics::Memstats(report), &a.series);
    }
    match format {
        MemFormat::Text => output::emit(
            out,
            rprof_diag::memstats_text(&report, &text_options(out)).as_bytes(),
        ),
        MemFormat::Json => {
            output::emit(out, rprof_diag::to_json(&MemJson::new(&report)).as_bytes())
        }
        MemFormat::Csv => output::stream(out, |w| {
            rprof_diag::memstats_csv(&report, w).map_err(std::io::Error::other)
        }),
        MemFormat::Openmetrics => output::stream(out, |w| {
            rprof_diag::memstats_openmetrics(&report, w).map_err(std::io::Error::other)
        }),
        MemFormat::Svg => {
            let svg =
                rprof_diag::memstats_svg(&report, &Default::default()).map_err(diag_failure)?;
            output::emit(out, svg.as_bytes())
        }
    }
}

/// The JSON of `rprof memstats --json`: the summaries and the main
/// series (every metric is in `--format csv` and `openmetrics`).
#[derive(serde::Serialize)]
struct MemJson<'a> {
    sources: &'a [Source],
    series: Vec<SeriesJson<'a>>,
}

#[derive(serde::Serialize)]
struct SeriesJson<'a> {
    source: &'a str,
    times: rprof_diag::TimeBasis,
    time_unix_s: &'a [f64],
    summary: &'a rprof_diag::MemSummary,
    columns: Vec<&'a rprof_diag::Column>,
    pauses: &'a [rprof_diag::Pause],
}

impl<'a> MemJson<'a> {
    fn new(r: &'a rprof_diag::MemReport) -> Self {
        const MAIN: &[&str] = &[
            "HeapAlloc",
            "HeapInuse",
            "HeapSys",
            "HeapObjects",
            "Sys",
            "NextGC",
            "TotalAlloc",
            "NumGC",
            "PauseTotalNs",
            "GCCPUFraction",
            "goroutines",
            "/gc/heap/live:bytes",
            "/sched/goroutines:goroutines",
        ];
        MemJson {
            sources: &r.sources,
            series: r
                .series
                .iter()
                .map(|s| SeriesJson {
                    source: &s.source,
                    times: s.times,
                    time_unix_s: &s.time_unix_s,
                    summary: &s.summary,
                    columns: MAIN.iter().filter_map(|n| s.column(n)).collect(),
                    pauses: &s.pauses,
                })
                .collect(),
        }
    }
}

/// `rprof race LOG...`.
pub fn race(a: RaceArgs, fetch: &FetchOptions) -> Result<(), Failure> {
    let mut reader = rprof_diag::RaceReader::new();
    for name in &a.logs {
        with_input(name, fetch, |shown, r| reader.read(shown, r))?;
    }
    let summary = reader.finish();
    note_skipped(&summary.sources);
    if a.web.web {
        return serve_web(&a.web, rprof_web::Diagnostics::Race(summary), &a.logs);
    }
    let out = a.output.as_deref();
    let text = if a.json {
        rprof_diag::to_json(&summary)
    } else {
        rprof_diag::race_text(&summary, &text_options(out))
    };
    output::emit(out, text.as_bytes())
}
