//! The trace UI's JSON: the timeline's `/trace/api/*` (the API of
//! `rprof_trace::analysis::timeline`, whose module docs describe it),
//! and `/mmu` (the page, and Go's `?mode=plot` data).
//!
//! While the index is built every `/trace/api/` request is answered 503
//! with `{"indexing": FRACTION}`; the timeline's script shows it and asks
//! again.

use super::pages::{PageError, Q, chrome, index_of, text};
use super::ui::{CACHE_ENTRIES, Slot, TraceUi};
use crate::page::{Chrome, PageData};
use crate::pipeline::Lru;
use crate::views::{html, json_response};
use askama::Template;
use axum::Extension;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rprof_trace::analysis::UtilFlags;
use rprof_trace::analysis::mmu::MmuAnalyzer;
use rprof_trace::analysis::timeline::{GoroutineQuery, TimelineIndex, TimelineQuery, View};
use serde::Serialize;
use serde_json::json;
use std::sync::Mutex;
use std::sync::{Arc, OnceLock};

type Ui = State<Arc<TraceUi>>;
type Pairs = Query<Vec<(String, String)>>;

pub(super) fn routes() -> Router<Arc<TraceUi>> {
    Router::new()
        .route("/mmu", get(mmu))
        .layer(Extension(Arc::new(MmuCache(Mutex::new(Lru::new(
            CACHE_ENTRIES,
        ))))))
        .route("/trace/api/info", get(|s, q| api(s, q, info)))
        .route("/trace/api/timeline", get(|s, q| api(s, q, timeline)))
        .route("/trace/api/slice", get(|s, q| api(s, q, slice)))
        .route("/trace/api/goroutine", get(|s, q| api(s, q, goroutine)))
}

type ApiResult = Result<Response, PageError>;

async fn api(State(ui): Ui, Query(q): Pairs, f: fn(&TimelineIndex, &Q) -> ApiResult) -> Response {
    let ix = match ui.index() {
        None => {
            let mut r = json_response(&json!({"indexing": ui.fraction()}));
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            return r;
        }
        Some(Err(e)) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{}: {e}\n", ui.name()),
            );
        }
        Some(Ok(ix)) => ix,
    };
    let q = Q(q);
    match tokio::task::spawn_blocking(move || f(&ix, &q)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => e.respond(&ui),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the query failed\n".into(),
        ),
    }
}

fn bad(e: impl std::fmt::Display) -> PageError {
    PageError::Bad(e.to_string())
}

fn required(q: &Q, k: &'static str) -> Result<i64, PageError> {
    q.int(k)?
        .ok_or_else(|| PageError::Bad(format!("{k}: missing")))
}

fn px(q: &Q) -> Result<u32, PageError> {
    let v = required(q, "px")?;
    u32::try_from(v).map_err(|_| PageError::Bad(format!("px: {v} is out of range")))
}

fn info(ix: &TimelineIndex, _: &Q) -> ApiResult {
    Ok(json_response(ix.info()))
}

fn timeline(ix: &TimelineIndex, q: &Q) -> ApiResult {
    let view: View = match q.get("view") {
        "" => View::Proc,
        v => v.parse().map_err(PageError::Bad)?,
    };
    let tq = TimelineQuery {
        view,
        start: required(q, "start")?,
        end: required(q, "end")?,
        px: px(q)?,
    };
    Ok(json_response(&ix.timeline(&tq).map_err(bad)?))
}

fn slice(ix: &TimelineIndex, q: &Q) -> ApiResult {
    let id = required(q, "id")?;
    let id = u64::try_from(id).map_err(|_| PageError::Bad(format!("id: {id} is negative")))?;
    match ix.slice(id) {
        Ok(d) => Ok(json_response(&d)),
        Err(e @ rprof_trace::analysis::timeline::TimelineError::NoSuchSlice(_)) => {
            Err(PageError::NotFound(e.to_string()))
        }
        Err(e) => Err(bad(e)),
    }
}

fn goroutine(ix: &TimelineIndex, q: &Q) -> ApiResult {
    let gq = GoroutineQuery {
        g: required(q, "g")?,
        start: q.int("start")?,
        end: q.int("end")?,
        px: px(q)?,
    };
    Ok(json_response(&ix.goroutine(&gq).map_err(bad)?))
}

/// Go's `/mmu?mode=plot` answer: the MMU at 100 windows from `xMin`
/// (the largest of 1s, 1ms, 1µs, 1ns whose MMU is below 0.0001, or 1ns)
/// over six decades, at most the trace's length.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MmuCurve {
    #[serde(rename = "xMin")]
    x_min: i64,
    #[serde(rename = "xMax")]
    x_max: i64,
    /// Go's mutator utilization distribution (not computed: `null`).
    quantiles: Option<Vec<f64>>,
    /// `[window ns, MMU]`.
    curve: Vec<(i64, f64)>,
}

/// Go's `requestUtilFlags`: `a|b|c` of perProc, stw, background,
/// assist, sweep (others ignored).
fn util_flags(s: &str) -> UtilFlags {
    let mut f = UtilFlags {
        per_proc: false,
        stw: false,
        background: false,
        assist: false,
        sweep: false,
    };
    for w in s.split('|') {
        match w {
            "perProc" => f.per_proc = true,
            "stw" => f.stw = true,
            "background" => f.background = true,
            "assist" => f.assist = true,
            "sweep" => f.sweep = true,
            _ => {}
        }
    }
    f
}

/// The windows of the plot for a given `x_min`.
fn grid(x_min: i64, span: i64) -> (i64, Vec<i64>) {
    let x_max = x_min.saturating_mul(1_000_000).min(span.max(1));
    let (lo, hi) = ((x_min as f64).ln(), (x_max as f64).ln());
    const SAMPLES: usize = 100;
    let w = (0..SAMPLES)
        .map(|i| (i as f64 / (SAMPLES - 1) as f64 * (hi - lo) + lo).exp() as i64)
        .collect();
    (x_max, w)
}

/// One pass for every window the plot may need: the four probes, and
/// the grid of each possible `xMin`.
fn compute_mmu(ui: &TraceUi, flags: UtilFlags, span: i64) -> Result<MmuCurve, String> {
    const PROBES: [i64; 4] = [1_000_000_000, 1_000_000, 1_000, 1];
    let mut windows: Vec<i64> = PROBES.to_vec();
    for p in PROBES {
        windows.extend(grid(p, span).1);
    }
    windows.retain(|&w| w > 0);
    windows.sort_unstable();
    windows.dedup();
    let points = ui.reread(|r| {
        let mut a = MmuAnalyzer::new(&windows, flags);
        if let Some((s, e)) = ui.window() {
            a = a.with_window(s, e);
        }
        rprof_trace::analysis::for_each_event(r, |ev| a.event(ev))?;
        Ok(a.finish())
    })?;
    let at =
        |w: i64| -> Option<f64> { points.iter().find(|p| p.window_ns == w).and_then(|p| p.mmu) };
    if at(1_000_000_000).is_none() && at(1).is_none() {
        return Err(format!(
            "{}: no mutator utilization data (the trace has no GOMAXPROCS event)",
            ui.name()
        ));
    }
    let mut x_min = 1_000_000_000;
    while x_min > 1 {
        if at(x_min).is_some_and(|m| m < 0.0001) {
            break;
        }
        x_min /= 1000;
    }
    let (x_max, ws) = grid(x_min, span);
    Ok(MmuCurve {
        x_min,
        x_max,
        quantiles: None,
        curve: ws.iter().map(|&w| (w, at(w).unwrap_or(0.0))).collect(),
    })
}

#[derive(Template)]
#[template(path = "trace/mmu.html")]
struct MmuPage {
    chrome: Chrome,
    data: PageData,
    boxes: Vec<(&'static str, &'static str, bool)>,
}

/// MMU curves by Go's `flags` query, computed once by whoever asks first.
struct MmuCache(Mutex<Lru<String, Slot<Arc<MmuCurve>>>>);

/// `/mmu`: the page; `?mode=plot&flags=…`: Go's JSON.
async fn mmu(
    State(ui): Ui,
    Extension(cache): Extension<Arc<MmuCache>>,
    Query(q): Pairs,
) -> Response {
    let q = Q(q);
    let u = Arc::clone(&ui);
    let r = tokio::task::spawn_blocking(move || mmu_blocking(&u, &cache, &q)).await;
    match r {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => e.respond(&ui),
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "the MMU failed\n".into()),
    }
}

fn mmu_blocking(ui: &TraceUi, cache: &MmuCache, q: &Q) -> Result<Response, PageError> {
    let flags = if q.has("flags") {
        util_flags(q.get("flags"))
    } else {
        UtilFlags::default()
    };
    match q.get("mode") {
        "plot" => {
            let ix = match index_of(ui) {
                Err(PageError::Indexing) => {
                    let mut r = json_response(&json!({"indexing": ui.fraction()}));
                    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                    return Ok(r);
                }
                r => r?,
            };
            let span = ix.info().end_ns - ix.info().start_ns;
            let key = flags.go_query();
            let slot = {
                let mut c = cache.0.lock().unwrap_or_else(|p| p.into_inner());
                match c.get(&key) {
                    Some(s) => s,
                    None => {
                        let s = Arc::new(OnceLock::new());
                        c.put(key, Arc::clone(&s));
                        s
                    }
                }
            };
            let curve = slot.get_or_init(|| compute_mmu(ui, flags, span).map(Arc::new));
            match curve {
                Ok(c) => Ok(json_response(&**c)),
                Err(e) => Err(PageError::Failed(e.clone())),
            }
        }
        "" => {
            let mut c = chrome(ui, "Minimum mutator utilization");
            c.scripts.push("mmu.js");
            let boxes = vec![
                ("perProc", "Per-P", flags.per_proc),
                ("stw", "STW", flags.stw),
                ("background", "Background workers", flags.background),
                ("assist", "Mark assist", flags.assist),
                ("sweep", "Sweep", flags.sweep),
            ];
            Ok(html(
                MmuPage {
                    chrome: c,
                    data: PageData::new(&json!({"view": "mmu", "flags": flags.go_query()})),
                    boxes,
                }
                .render()?,
            ))
        }
        m => Ok(text(
            StatusCode::BAD_REQUEST,
            format!("mode: {m:?} is not plot (or absent, for the page)\n"),
        )
        .into_response()),
    }
}
