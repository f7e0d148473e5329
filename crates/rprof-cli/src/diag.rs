//! The runtime diagnostics commands: `goroutines`, `gctrace`, `memstats`
//! and `race`, over rprof-diag (their arguments are in `cli.rs`).
//!
//! Every command takes several inputs and `-` for stdin, streams each
//! input through the library's readers, and writes its output to stdout
//! or, with `-o`, atomically to a file. An input that holds nothing of
//! the kind is one line on stderr and exit status 1; lines that were
//! skipped in an otherwise good input are one note per input on stderr.

use crate::cli::{GcFormat, GctraceArgs, GoroutinesArgs, MemFormat, MemstatsArgs, RaceArgs};
use crate::failure::Failure;
use crate::output;
use rprof_diag::{DiagError, Source, TextOptions};
use std::io::{BufRead, IsTerminal};
use std::path::Path;

/// Opens `path` (`-`: stdin) and hands a buffered reader to `read`.
fn with_input<T>(
    path: &Path,
    read: impl FnOnce(&str, &mut dyn BufRead) -> Result<T, DiagError>,
) -> Result<T, Failure> {
    let name = path.display().to_string();
    let result = if path.as_os_str() == "-" {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        read(&name, &mut lock)
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| Failure::input(format!("{name}: {}", output::io_error(&e))))?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(Failure::input(format!("{name}: is a directory")));
        }
        let mut r = std::io::BufReader::with_capacity(1 << 20, file);
        read(&name, &mut r)
    };
    result.map_err(diag_failure)
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
pub fn goroutines(a: GoroutinesArgs) -> Result<(), Failure> {
    let opts = rprof_diag::GoroutineOptions {
        similar: a.similar,
        ..Default::default()
    };
    let mut reader = rprof_diag::GoroutineReader::new(opts);
    for path in &a.dumps {
        with_input(path, |name, r| reader.read(name, r))?;
    }
    let report = reader.finish();
    note_skipped(&report.sources);
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
pub fn gctrace(a: GctraceArgs) -> Result<(), Failure> {
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
    for path in &a.logs {
        let (source, traces) = with_input(path, |name, r| rprof_diag::read_gctrace(name, r))?;
        report.sources.push(source);
        report.traces.extend(traces);
    }
    note_skipped(&report.sources);
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
pub fn memstats(a: MemstatsArgs) -> Result<(), Failure> {
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
    for path in &a.series {
        if path.is_dir() {
            reader.read_dir(path).map_err(diag_failure)?;
        } else {
            with_input(path, |name, r| reader.read(name, r))?;
        }
    }
    let report = reader.finish();
    note_skipped(&report.sources);
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
pub fn race(a: RaceArgs) -> Result<(), Failure> {
    let mut reader = rprof_diag::RaceReader::new();
    for path in &a.logs {
        with_input(path, |name, r| reader.read(name, r))?;
    }
    let summary = reader.finish();
    note_skipped(&summary.sources);
    let out = a.output.as_deref();
    let text = if a.json {
        rprof_diag::to_json(&summary)
    } else {
        rprof_diag::race_text(&summary, &text_options(out))
    };
    output::emit(out, text.as_bytes())
}
