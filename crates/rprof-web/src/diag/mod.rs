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

mod pages;

use crate::page::{ASSETS, Asset, assets_router_of};
use axum::Router;
use std::sync::Arc;

pub use pages::DiagError;

/// What a diagnostics page shows.
#[derive(Debug)]
pub enum Diagnostics {
    /// Goroutine dumps, bucketed.
    Goroutines(rprof_diag::GoroutineReport),
    /// GC trace runs.
    Gctrace(rprof_diag::GcReport),
    /// Memstats series.
    Memstats(rprof_diag::MemReport),
    /// Race reports, paired.
    Race(rprof_diag::RaceSummary),
}

/// The diagnostics pages' script and styles (the look is the profile
/// UI's `rprof.css`).
pub const DIAG_ASSETS: &[Asset] = &[
    Asset {
        name: "diag.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../assets/diag/diag.css"),
    },
    Asset {
        name: "diag.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/diag/diag.js"),
    },
];

/// A diagnostics page, rendered, with the goroutine profile's UI when it
/// shows goroutine dumps.
pub struct DiagUi {
    html: String,
    profile: Option<Router>,
}

impl DiagUi {
    /// Renders the page of `d`; `title` names the inputs (file names,
    /// URLs without credentials).
    pub fn new(d: &Diagnostics, title: &str) -> Result<DiagUi, DiagError> {
        let html = pages::render(d, title)?;
        let profile = match d {
            Diagnostics::Goroutines(r) => Some(pages::goroutine_profile_ui(r, title)?),
            _ => None,
        };
        Ok(DiagUi { html, profile })
    }

    /// The page's HTML, as `/` answers it.
    pub fn html(&self) -> &str {
        &self.html
    }
}

/// The page's routes with their assets, not yet [`secure`](crate::secure)d.
pub fn diag_router(ui: DiagUi) -> Router {
    let ui = Arc::new(ui);
    pages::routes(ui).merge(assets_router_of(vec![ASSETS, DIAG_ASSETS]))
}

/// The whole page, secured for `bound`: what `--web` serves.
pub fn diag_app(ui: DiagUi, bound: &crate::Bound) -> Router {
    crate::secure(diag_router(ui), bound.guard())
}
