//! # rprof-web: the browser UI of `go tool pprof -http`
//!
//! Architecture, from the socket inwards:
//!
//! - [`server`](bind): [`bind`] opens the socket (127.0.0.1 and a free
//!   port by default) so the caller can print the URL before serving;
//!   [`secure`] wraps any axum [`Router`](axum::Router) in the rules every
//!   view obeys (GET/HEAD only, `Host` header must name the server, a
//!   strict Content-Security-Policy); [`Bound::serve`] runs it.
//! - `params`: pprof's URL query parameters (`si`, `f`, `tf`, `g`, `n`,
//!   …, with pprof's names and defaults) parsed into
//!   [`rprof_report::ReportOptions`] and a [`Selection`] of the loaded
//!   profiles; a bad value is a 400 naming the field.
//! - [`pipeline`](Pipeline): the only module that calls rprof's
//!   reading, merging, filtering and report code. The profiles are read
//!   once; each selection's merged profile and each flame graph's call
//!   tree are cached; a request clones the profile only when a filter
//!   reshapes it.
//! - `views`: pprof's paths (`/ui/flamegraph`, `/ui/top`, `/ui/graph`,
//!   `/ui/peek`, `/ui/source`, `/ui/download`, plus `/ui/labels`) as
//!   handlers that run on blocking threads and render askama pages, with
//!   the header menus (sample type, refine, granularity, profile,
//!   compare with…, download).
//! - `flame`: the flame graph is sent as a merged call tree pruned below
//!   a fraction of a pixel and capped in frames; deeper parts are fetched
//!   (`/ui/flamegraph/data?root=ID`) when the user zooms in.
//! - [`page`]: the layout shared by all pages ([`page::Chrome`]), the
//!   embedded assets (JavaScript and CSS compiled into the binary with
//!   `include_str!`, served at `/assets/`), and [`page::PageData`], the
//!   only way data reaches a script: JSON in a non-executable
//!   `<script type="application/json">`, with `<`, `>` and `&` escaped.
//!   Scripts put profile strings into the page with `textContent` only.
//! - [`standalone_report`]: the same pages as one self-contained file.
//!
//! Adding another set of views (the trace UI): write a `Router` of its
//! own handlers whose askama templates `{% extends "layout.html" %}` with
//! a [`page::Chrome`] of their menus, give its assets as a
//! `&'static [page::Asset]` with the profile UI's to
//! [`page::assets_router_of`], merge the routers and pass the result
//! through [`secure`] before [`Bound::serve`]. The trace UI (module
//! `trace`: `rprof trace web`) is built so, and mounts a profile UI per
//! blocking profile under a path of its own.
//!
//! The runtime diagnostics pages ([`DiagUi`], module `diag`: `rprof
//! goroutines|gctrace|memstats|race --web`) are built the same way: one
//! page rendered from rprof-diag's report, and for goroutine dumps the
//! dump as a goroutine profile in a profile UI mounted under `/pprof/ui/`.
#![warn(missing_docs)]

mod diag;
mod flame;
pub mod page;
mod params;
mod pipeline;
mod report;
mod server;
mod trace;
mod views;

pub use diag::{DIAG_ASSETS, DiagError, DiagUi, Diagnostics, diag_app, diag_router};
pub use params::{ParamError, Params};
pub use pipeline::{
    BaseChoice, Filtered, FlameTree, Inputs, LabelKey, LabelValue, Listing, Pipeline,
    PipelineError, Selection, Source, SourceFunction, SourceLine, TopRow, TopTable,
};
pub use report::standalone_report;
pub use server::{Bound, CSP, HostGuard, ServeError, bind, secure};
pub use trace::{TRACE_ASSETS, TraceInputs, TraceUi, trace_app, trace_router};
pub use views::{ProfileUi, ViewError, profile_router};

/// The whole profile UI for `pipeline`, secured for `bound`: what
/// `rprof web` serves (with [`ProfileUi::with_defaults`] for its options).
pub fn profile_app(pipeline: Pipeline, bound: &Bound) -> axum::Router {
    secure_ui(ProfileUi::new(pipeline), bound)
}

/// [`profile_app`] for a [`ProfileUi`] made by the caller.
pub fn secure_ui(ui: ProfileUi, bound: &Bound) -> axum::Router {
    secure(profile_router(std::sync::Arc::new(ui)), bound.guard())
}
