//! The four blocking profiles at Go's paths: `/io` (network), `/block`
//! (synchronization), `/syscall`, `/sched` (scheduler latency), with
//! Go's `name=` (one goroutine group), and `/regionio`, `/regionblock`,
//! `/regionsyscall`, `/regionsched` with Go's region filter (`type`,
//! `pc`, `latmin`, `latmax`); also `start`/`end` (ns) for a time window.
//!
//! `?raw=1` answers the profile as gzipped pprof protobuf, as Go's
//! handlers do. Otherwise the request is redirected into the profile UI
//! mounted for that profile at `/pprof/PATH/SCOPE/ui/…`, where `SCOPE` is
//! the filter's query string as one path segment (`all` for none): the
//! profile UI's views and links are relative, so they all stay under it.
//! Each profile is computed once (the unfiltered ones come from the
//! index's pass; filtered ones from another pass over the trace file)
//! and kept in a small cache with its profile UI.

use super::pages::{PageError, Q, SpanFilter, analyses_of, index_of, text, trace_menus};
use super::ui::{CACHE_ENTRIES, Slot, TraceUi};
use crate::page::Menu;
use crate::pipeline::Lru;
use crate::pipeline::{Inputs, Pipeline, Source};
use crate::views::{ProfileUi, profile_router};
use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rprof_profile::Profile;
use rprof_trace::analysis::{PprofFilter, PprofKind, pprof_filtered};
use std::sync::Mutex;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

type Ui = State<Arc<TraceUi>>;

/// The paths: (path, kind, by region).
const PATHS: [(&str, PprofKind, bool); 8] = [
    ("io", PprofKind::Net, false),
    ("block", PprofKind::Sync, false),
    ("syscall", PprofKind::Syscall, false),
    ("sched", PprofKind::Sched, false),
    ("regionio", PprofKind::Net, true),
    ("regionblock", PprofKind::Sync, true),
    ("regionsyscall", PprofKind::Syscall, true),
    ("regionsched", PprofKind::Sched, true),
];

pub(super) fn routes() -> Router<Arc<TraceUi>> {
    let mut r = Router::new();
    for (path, _, _) in PATHS {
        r = r.route(
            &format!("/{path}"),
            get(move |s: Ui, c: Cache, q: Query<Vec<(String, String)>>| entry(s, c, q, path)),
        );
    }
    r.route("/pprof/{path}/{scope}/ui", get(mounted_root))
        .route("/pprof/{path}/{scope}/ui/{*rest}", get(mounted))
        .layer(Extension(Arc::new(Profiles(Mutex::new(Lru::new(
            CACHE_ENTRIES,
        ))))))
}

/// The profiles computed so far, with their profile UIs.
struct Profiles(Mutex<Lru<ProfileKey, Slot<Arc<Built>>>>);

type Cache = Extension<Arc<Profiles>>;

/// Which goroutines a profile counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Scope {
    /// All of them.
    All,
    /// One group (Go's `name=`).
    Group(String),
    /// Their time in matching regions.
    Regions(SpanFilter),
}

/// A profile: its path (kind and whether by region), its scope, and the
/// time window asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ProfileKey {
    path: &'static str,
    kind: PprofKind,
    scope: Scope,
    window: Option<(i64, i64)>,
}

impl ProfileKey {
    fn parse(path: &str, q: &Q) -> Result<ProfileKey, PageError> {
        let (path, kind, regions) = PATHS
            .iter()
            .copied()
            .find(|(p, _, _)| *p == path)
            .ok_or_else(|| PageError::NotFound(format!("no profile {path:?}")))?;
        let scope = if regions {
            Scope::Regions(SpanFilter::parse(q))
        } else if q.get("name").is_empty() {
            Scope::All
        } else {
            Scope::Group(q.get("name").to_string())
        };
        let window = match (q.int("start")?, q.int("end")?) {
            (None, None) => None,
            (a, b) => {
                let (a, b) = (a.unwrap_or(0), b.unwrap_or(i64::MAX / 4));
                if b <= a {
                    return Err(PageError::Bad(format!(
                        "bad window: start {a} must be before end {b} (ns)"
                    )));
                }
                Some((a, b))
            }
        };
        Ok(ProfileKey {
            path,
            kind,
            scope,
            window,
        })
    }

    /// The query that gives this key back.
    fn query(&self) -> String {
        let mut v = Vec::new();
        match &self.scope {
            Scope::All => {}
            Scope::Group(n) => v.push(format!("name={}", crate::params::encode(n))),
            Scope::Regions(f) => {
                let q = f.query();
                if !q.is_empty() {
                    v.push(q);
                }
            }
        }
        if let Some((a, b)) = self.window {
            v.push(format!("start={a}&end={b}"));
        }
        v.join("&")
    }

    /// The profile UI's root for this profile.
    fn mount(&self) -> String {
        let q = self.query();
        let seg = if q.is_empty() {
            "all".to_string()
        } else {
            crate::params::encode(&q)
        };
        format!("/pprof/{}/{seg}/ui/", self.path)
    }

    /// What the profile is, for titles.
    fn describe(&self) -> String {
        let mut s = format!("{} profile", self.kind.description());
        match &self.scope {
            Scope::All => {}
            Scope::Group(n) => s.push_str(&format!(" of goroutines {n}")),
            Scope::Regions(f) => {
                let t = f.title();
                s.push_str(&if t.is_empty() {
                    " in regions".to_string()
                } else {
                    format!(" in regions {t}")
                });
            }
        }
        if let Some((a, b)) = self.window {
            s.push_str(&format!(
                " from {} to {}",
                super::pages::fmt_time(a),
                super::pages::fmt_time(b)
            ));
        }
        s
    }
}

/// A computed profile: its bytes as Go serves them and its profile UI.
pub(crate) struct Built {
    raw: Vec<u8>,
    router: Router,
}

/// The window both `--start`/`--end` and the request ask for.
fn intersect(a: Option<(i64, i64)>, b: Option<(i64, i64)>) -> Option<(i64, i64)> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.max(b0), a1.min(b1).max(a0.max(b0)))),
    }
}

fn compute(ui: &TraceUi, key: &ProfileKey) -> Result<Profile, PageError> {
    let a = analyses_of(ui)?;
    if key.scope == Scope::All && key.window.is_none() && ui.window().is_none() {
        return Ok(a.profiles.get(key.kind).clone());
    }
    let mut filter = match &key.scope {
        Scope::All => PprofFilter::default(),
        Scope::Group(name) => {
            let gi = a
                .table
                .groups
                .iter()
                .position(|g| &g.name == name)
                .ok_or_else(|| {
                    PageError::NotFound(format!(
                        "failed to find matching goroutines for name: {name}"
                    ))
                })?;
            PprofFilter {
                goroutines: Some(
                    a.table
                        .goroutines
                        .iter()
                        .filter(|s| s.group as usize == gi)
                        .map(|s| s.id)
                        .collect(),
                ),
                ..Default::default()
            }
        }
        Scope::Regions(f) => {
            let ix = index_of(ui)?;
            let inst = f.instances(&ix, true)?;
            PprofFilter::outermost_regions(inst.iter().map(|(_, i)| (i.g, i.start, i.end)))
        }
    };
    filter.window = intersect(ui.window(), key.window);
    let kind = key.kind;
    ui.reread(|r| pprof_filtered(r, &[kind], filter).map(|p| p.value.into_profile(kind)))
        .map_err(PageError::Failed)
}

fn build(ui: &TraceUi, key: &ProfileKey) -> Result<Built, PageError> {
    let profile = compute(ui, key)?;
    let raw = crate::pipeline::encode(&profile);
    let pipeline = Pipeline::new(Inputs {
        profiles: vec![Source {
            name: format!("{}: {}", ui.name(), key.describe()),
            profile: Arc::new(profile),
        }],
        ..Default::default()
    })
    .map_err(|e| PageError::Failed(e.to_string()))?;
    let mut menus = trace_menus();
    // Beside the profile UI's own View menu.
    menus[0].label = "Trace".into();
    menus[1].items.push(crate::page::MenuItem::link("-", ""));
    menus[1].items.push(
        crate::page::MenuItem::link("Download this profile (Go's raw=1)", {
            let q = key.query();
            let sep = if q.is_empty() { "" } else { "&" };
            format!("/{}?{q}{sep}raw=1", key.path)
        })
        .id("download-raw"),
    );
    let ui = menus
        .into_iter()
        .fold(ProfileUi::new(pipeline), |u, m: Menu| u.with_menu(m));
    Ok(Built {
        raw,
        router: profile_router(Arc::new(ui)),
    })
}

/// The profile of `key`, computed once by whoever asks first.
fn get_built(ui: &TraceUi, cache: &Profiles, key: &ProfileKey) -> Result<Arc<Built>, PageError> {
    // Not cached while the index's pass runs: nothing can be computed.
    analyses_of(ui)?;
    let slot = {
        let mut c = cache.0.lock().unwrap_or_else(|p| p.into_inner());
        match c.get(key) {
            Some(s) => s,
            None => {
                let s = Arc::new(OnceLock::new());
                c.put(key.clone(), Arc::clone(&s));
                s
            }
        }
    };
    let mut err = None;
    let r = slot.get_or_init(|| match build(ui, key) {
        Ok(b) => Ok(Arc::new(b)),
        Err(e) => {
            let m = match &e {
                PageError::Bad(m) | PageError::NotFound(m) | PageError::Failed(m) => m.clone(),
                PageError::Indexing => String::new(),
            };
            err = Some(e);
            Err(m)
        }
    });
    match (r, err) {
        (Ok(b), _) => Ok(Arc::clone(b)),
        (Err(_), Some(e)) => {
            // Not cached: another request may ask again.
            let mut c = cache.0.lock().unwrap_or_else(|p| p.into_inner());
            c.remove(key);
            Err(e)
        }
        (Err(m), None) => Err(PageError::Failed(m.clone())),
    }
}

async fn entry(
    State(ui): Ui,
    Extension(cache): Cache,
    Query(q): Query<Vec<(String, String)>>,
    path: &str,
) -> Response {
    let q = Q(q);
    let key = match ProfileKey::parse(path, &q) {
        Ok(k) => k,
        Err(e) => return e.respond(&ui),
    };
    if !q.get("raw").is_empty() {
        let u = Arc::clone(&ui);
        let r = tokio::task::spawn_blocking(move || get_built(&u, &cache, &key)).await;
        return match r {
            Ok(Ok(b)) => {
                let mut r = b.raw.clone().into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                r
            }
            Ok(Err(PageError::Indexing)) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the trace is still being indexed ({:.0}%): try again in a moment\n",
                    ui.fraction() * 100.0
                ),
            ),
            Ok(Err(e)) => e.respond(&ui),
            Err(_) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the profile failed\n".into(),
            ),
        };
    }
    // Go shows the profile at this path; it is shown in the profile UI.
    if let Err(PageError::Indexing) = analyses_of(&ui) {
        return PageError::Indexing.respond(&ui);
    }
    let loc = format!("{}flamegraph", key.mount());
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&loc) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The key a mounted path names (its scope segment is a query string).
fn key_of(path: &str, scope: &str) -> Result<ProfileKey, PageError> {
    let pairs: Vec<(String, String)> = if scope == "all" {
        Vec::new()
    } else {
        form_urlencoded::parse(scope.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    ProfileKey::parse(path, &Q(pairs))
}

async fn mounted_root(State(ui): Ui, Path((path, scope)): Path<(String, String)>) -> Response {
    match key_of(&path, &scope) {
        Ok(k) => {
            let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("{}flamegraph", k.mount())) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Err(e) => e.respond(&ui),
    }
}

async fn mounted(
    State(ui): Ui,
    Extension(cache): Cache,
    Path((path, scope, rest)): Path<(String, String, String)>,
    req: Request,
) -> Response {
    let key = match key_of(&path, &scope) {
        Ok(k) => k,
        Err(e) => return e.respond(&ui),
    };
    let u = Arc::clone(&ui);
    let built = match tokio::task::spawn_blocking(move || get_built(&u, &cache, &key)).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return e.respond(&ui),
        Err(_) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the profile failed\n".into(),
            );
        }
    };
    // The profile UI serves `/ui/…`: the same request, the prefix taken
    // off.
    let (mut parts, body) = req.into_parts();
    let pq = match parts.uri.query() {
        Some(q) => format!("/ui/{rest}?{q}"),
        None => format!("/ui/{rest}"),
    };
    parts.uri = match pq.parse::<Uri>() {
        Ok(u) => u,
        Err(_) => return text(StatusCode::BAD_REQUEST, "bad path\n".into()),
    };
    let req = Request::from_parts(parts, Body::new(body));
    match built.router.clone().oneshot(req).await {
        Ok(r) => r,
        Err(e) => match e {},
    }
}
