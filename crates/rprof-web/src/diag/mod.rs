//! The runtime diagnostics pages (`rprof goroutines|gctrace|memstats|race
//! --web`): what rprof-diag read, as one page each on the profile UI's
//! look and server.
//!
//! ```text
//! rprof goroutines --web DUMP… ─► GoroutineReport ─┐
//! rprof gctrace --web LOG…     ─► GcReport        ─┼─► DiagUi::new: the page rendered once
//! rprof memstats --web SERIES… ─► MemReport       ─┤   (askama, `{% extends "layout.html" %}`)
//! rprof race --web LOG…        ─► RaceSummary     ─┘   └─► diag_router: `/` and the assets
//! ```
//!
//! The reports do not change while served, so each page is rendered once,
//! when the UI is made (a template error is the caller's error, before
//! the URL is printed), and `/` answers the same bytes every time.
//!
//! - goroutines: the buckets table (count, states, wait range, top
//!   function, creator, labels, leak and crash flags), each bucket's
//!   stack, the dumps' preambles (panic values, fatal errors, signals),
//!   a search box filtering buckets by function (`diag.js`), and the
//!   dump as a goroutine profile ([`rprof_diag::goroutine_profile`]) in
//!   the profile UI mounted under `/pprof/ui/`, as the trace UI mounts
//!   its blocking profiles.
//! - gctrace: each run's summary, the SVG chart inline, the per-cycle
//!   table.
//! - memstats: each series' summary, trends and leak verdict, the chart.
//! - race: the pairs table and each pair's first report with both stacks.
//!
//! **Strings from a dump or log** (function names, labels, panic values,
//! log lines, file names) reach the page only through askama's escaping;
//! `diag.js` reads the page's text with `textContent` and writes only its
//! own counts. The charts are plotters' SVG, which escapes its text and
//! attributes, inserted as markup.

mod model;
mod pages;
mod server;

pub use model::Diagnostics;
pub use pages::DiagError;
pub use server::{DIAG_ASSETS, DiagUi, diag_app, diag_router};
