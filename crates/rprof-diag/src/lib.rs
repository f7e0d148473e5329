//! # rprof-diag: what a Go runtime says besides profiles
//!
//! Architecture: four readers, one per kind of input, each a streaming
//! line reader over any [`std::io::BufRead`] (a file, stdin, a fetched
//! body), fold what they read into a summary whose size is bounded by
//! the number of distinct things (stacks, race pairs, GC cycles,
//! snapshots), never by the size of the log:
//!
//! - goroutines ([`GoroutineReader`]): goroutine dumps (panics, fatal errors, `SIGQUIT`,
//!   `?debug=2`, `go test -timeout`) → [`GoroutineReport`]: buckets of
//!   goroutines with the same stack, their states, wait times, creators,
//!   and leak suspects; several dumps make a time series.
//! - gctrace ([`read_gctrace`]): `GODEBUG=gctrace=1` lines → [`GcReport`]: the cycles
//!   and their summary (pauses, CPU share, assists, heap vs goal).
//! - memstats ([`MemstatsReader`]): `/debug/vars` JSON (a file of documents or a
//!   directory of one per file), `gops memstats` text and runtime/metrics
//!   samples → [`MemReport`]: the series, its summary and a leak verdict.
//! - race ([`RaceReader`]): `WARNING: DATA RACE` reports → [`RaceSummary`]: one entry
//!   per unordered pair of racing locations, with its count and tests.
//!
//! The summaries are plain serde-serialisable structs, so a web page or a
//! script can use them as they are. The outputs are one module per
//! format: text ([`goroutines_text`] …, with optional colour), JSON
//! ([`to_json`]), HTML (the goroutine page, [`goroutines_html`], askama),
//! SVG charts ([`gctrace_svg`], [`memstats_svg`], plotters' SVG backend),
//! OpenMetrics ([`memstats_openmetrics`], memstats series for Prometheus'
//! backfill), CSV ([`gctrace_csv`], [`memstats_csv`]) and pprof
//! ([`write_goroutine_profile`]: a goroutine dump as a goroutine profile,
//! so that every profile report works on it).
//!
//! Bad input never panics: lines that cannot be understood are skipped
//! and listed with their numbers ([`Skipped`]), a dump cut short is kept
//! as far as it goes and marked, CRLF and invalid UTF-8 are accepted, and
//! an input that holds nothing of the expected kind is a
//! [`DiagError::NothingFound`] naming it. This crate never prints and
//! never parses command lines.

#![warn(missing_docs)]

mod csv;
mod error;
mod gctrace;
mod goroutines;
mod html;
mod json;
mod lines;
mod memstats;
mod openmetrics;
mod profile;
mod race;
mod svg;
mod text;
mod units;

pub use csv::{gctrace_csv, memstats_csv};
pub use error::DiagError;
pub use gctrace::{
    FirstLastMax, GcCycle, GcReport, GcSummary, GcTrace, Percentiles, Scavenge, read_gctrace,
};
pub use goroutines::{
    Bucket, CreatedBy, Dump, DumpKind, Frame, GoroutineOptions, GoroutineReader, GoroutineReport,
    Label, PanicValue, Range, StateCount, read_goroutines,
};
pub use html::goroutines_html;
pub use json::to_json;
pub use lines::{Skipped, SkippedLine, Source};
pub use memstats::{
    Column, MemReport, MemSeries, MemSummary, MemstatsOptions, MemstatsReader, MetricSummary,
    Pause, TimeBasis, Trend,
};
pub use openmetrics::memstats_openmetrics;
pub use profile::{goroutine_profile, write_goroutine_profile};
pub use race::{Access, Creation, RaceFrame, RacePair, RaceReader, RaceReport, RaceSummary};
pub use svg::{ChartOptions, gctrace_svg, memstats_svg};
pub use text::{TextOptions, gctrace_text, goroutines_text, memstats_text, race_text};
pub use units::{format_bytes, format_num};
