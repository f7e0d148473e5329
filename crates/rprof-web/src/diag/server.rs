//! The page's server side: [`DiagUi`] (the page rendered once, and the
//! goroutine profile's UI), its routes and assets.

use super::model::Diagnostics;
use super::pages::{self, DiagError};
use crate::page::{ASSETS, Asset, assets_router_of};
use crate::views::html;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;
use tower::ServiceExt;

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
    routes(ui).merge(assets_router_of(vec![ASSETS, DIAG_ASSETS]))
}

/// The whole page, secured for `bound`: what `--web` serves.
pub fn diag_app(ui: DiagUi, bound: &crate::Bound) -> Router {
    crate::secure(diag_router(ui), bound.guard())
}

type Ui = State<Arc<DiagUi>>;

fn routes(ui: Arc<DiagUi>) -> Router {
    Router::new()
        .route(
            "/",
            get(|State(ui): Ui| async move { html(ui.html.clone()) }),
        )
        .route("/pprof", get(|| async { redirect("/pprof/ui/") }))
        .route("/pprof/ui", get(|| async { redirect("/pprof/ui/") }))
        .route(
            "/pprof/ui/",
            get(|s: Ui, req: Request| mounted(s, String::new(), req)),
        )
        .route(
            "/pprof/ui/{*rest}",
            get(|s: Ui, Path(rest): Path<String>, req: Request| mounted(s, rest, req)),
        )
        .with_state(ui)
}

fn redirect(to: &'static str) -> Response {
    let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(to));
    r
}

/// The goroutine profile's UI serves `/ui/…`: the same request with the
/// `/pprof` prefix taken off (its links are relative, so they stay under
/// the prefix).
async fn mounted(State(ui): Ui, rest: String, req: Request) -> Response {
    let Some(router) = ui.profile.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "only goroutine dumps have a profile\n",
        )
            .into_response();
    };
    let (mut parts, body) = req.into_parts();
    let pq = match parts.uri.query() {
        Some(q) => format!("/ui/{rest}?{q}"),
        None => format!("/ui/{rest}"),
    };
    parts.uri = match pq.parse::<Uri>() {
        Ok(u) => u,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad path\n").into_response(),
    };
    let req = Request::from_parts(parts, Body::new(body));
    match router.oneshot(req).await {
        Ok(r) => r,
        Err(e) => match e {},
    }
}
