//! The trace UI: the pages of `go tool trace -http`, at Go's paths, on
//! the profile UI's server and look.
//!
//! ```text
//! rprof trace web TRACE ─► TraceUi::start ─┬─ one pass on a thread of its own
//!                                          │   (rprof_trace::analysis::timeline):
//!                                          │   the timeline index, spilled to a
//!                                          │   temporary file, plus the goroutine
//!                                          │   analysis and the four blocking
//!                                          │   profiles, fed the same events
//!                                          └─ the pages answer at once; what
//!                                             needs the pass says "indexing N%"
//! ```
//!
//! - `pages`: `/` (what Go's index lists, with the indexing progress),
//!   `/goroutines`, `/goroutine?name=` (a group), `/trace` (the timeline
//!   by proc, `?view=thread`, and `?goid=N`: one goroutine's page with
//!   its own timeline), `/usertasks`, `/usertask`, `/userregions`,
//!   `/userregion`, `/mmu`.
//! - `api`: the timeline's JSON (`/trace/api/*`, documented in
//!   `rprof_trace::analysis::timeline`), 503 with `{"indexing": F}`
//!   while the index is built; `/mmu?mode=plot` (Go's JSON).
//! - `profiles`: `/io`, `/block`, `/syscall`, `/sched` and the
//!   `/region…` variants. With `?raw=1` they answer the profile as
//!   gzipped pprof protobuf, as Go's do; otherwise they redirect into the
//!   profile UI (flame graph, top, graph…), mounted for that profile
//!   under `/pprof/KIND/SCOPE/ui/`, built from the profile in memory.
//!
//! **Memory.** The server holds the index (its directory of chunks,
//! strings and stacks; the items stay in the temporary file), the
//! goroutine table (a hundred bytes per goroutine), the four profiles,
//! and a few cached filtered profiles and MMU curves. Filtered profiles
//! (one group's goroutines, regions, a time window) and MMU curves are
//! computed on demand by reading the trace file again, one pass at a
//! time; the trace itself is never held in memory.
//!
//! **Strings from the trace** (goroutine names, task and region types,
//! log messages) reach pages through askama's escaping or as JSON read by
//! scripts that put them into the page with `textContent`.

mod api;
mod pages;
mod profiles;
mod ui;

pub use ui::{TraceInputs, TraceUi};

use crate::page::{ASSETS, Asset, assets_router_of};
use axum::Router;
use std::sync::Arc;

/// The trace pages' own scripts and styles (the look is the profile
/// UI's `rprof.css`).
pub const TRACE_ASSETS: &[Asset] = &[
    Asset {
        name: "timeline.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/trace/timeline.js"),
    },
    Asset {
        name: "timeline.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../assets/trace/timeline.css"),
    },
    Asset {
        name: "trace.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../assets/trace/trace.css"),
    },
    Asset {
        name: "mmu.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/trace/mmu.js"),
    },
];

/// The trace UI's routes with their assets and the profile UI's assets,
/// not yet [`secure`](crate::secure)d.
pub fn trace_router(ui: Arc<TraceUi>) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(profiles::routes())
        .with_state(ui)
        .merge(assets_router_of(vec![ASSETS, TRACE_ASSETS]))
}

/// The whole trace UI, secured for `bound`: what `rprof trace web` serves.
pub fn trace_app(ui: Arc<TraceUi>, bound: &crate::Bound) -> Router {
    crate::secure(trace_router(ui), bound.guard())
}
