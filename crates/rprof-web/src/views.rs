//! The profile views at pprof's paths, and their pages.
//!
//! Every handler parses the query ([`Params`]), then does its work on a
//! blocking thread (reports take milliseconds to a second on big
//! profiles) through the [`Pipeline`], and renders an askama page or
//! JSON. Paths and redirects follow pprof's web UI: `/` → `/ui` (307),
//! `/ui/` → `flamegraph` (301, query kept), `/ui/flamegraph2` and
//! `/ui/flamegraphold` → `flamegraph`.

use crate::flame;
use crate::page::{ASSETS, Chrome, Menu, MenuItem, PageData, assets_router};
use crate::params::{ParamError, Params, REPORT_PARAMS, encode};
use crate::pipeline::{BaseChoice, Pipeline, PipelineError};
use askama::Template;
use axum::Router;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;

/// The profile UI's state: the loaded profiles and the options every
/// view starts from.
pub struct ProfileUi {
    pipeline: Pipeline,
    defaults: rprof_report::ReportOptions,
    normalize: bool,
    menus: Vec<Menu>,
}

impl ProfileUi {
    /// A UI over `pipeline` with pprof's default options.
    pub fn new(pipeline: Pipeline) -> Self {
        ProfileUi {
            pipeline,
            defaults: Default::default(),
            normalize: false,
            menus: Vec::new(),
        }
    }

    /// Adds a menu of the caller's to every view's header (the trace
    /// UI's way back to the trace's pages).
    pub fn with_menu(mut self, menu: Menu) -> Self {
        self.menus.push(menu);
        self
    }

    /// Views scale the selection to its base's total unless the URL says
    /// `norm=f` (the command line's `--normalize`).
    pub fn with_normalize(mut self, normalize: bool) -> Self {
        self.normalize = normalize;
        self
    }

    /// Views start from `defaults` (the command line's report options);
    /// URL parameters override them.
    pub fn with_defaults(mut self, defaults: rprof_report::ReportOptions) -> Self {
        self.defaults = defaults;
        self
    }

    /// The pipeline it serves from.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }
}

/// Why a view failed: a bad parameter (400), or the report (400 for
/// options this profile cannot use, 500 otherwise).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// A query parameter.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The pipeline.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// A template (a bug).
    #[error("rendering the page: {0}")]
    Template(#[from] askama::Error),
}

impl IntoResponse for ViewError {
    fn into_response(self) -> Response {
        let status = match &self {
            ViewError::Param(_) => StatusCode::BAD_REQUEST,
            ViewError::Pipeline(e) if e.is_bad_request() => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut r = (status, format!("{self}\n")).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        r
    }
}

type Pairs = Query<Vec<(String, String)>>;
type ViewResult = Result<Response, ViewError>;

/// The routes of the profile UI (with the assets), not yet
/// [`secure`](crate::secure)d.
pub fn profile_router(ui: Arc<ProfileUi>) -> Router {
    Router::new()
        .route(
            "/ui",
            get(|q: RawQuery| async move { redirect("/ui/", q, false) }),
        )
        .route(
            "/ui/",
            get(|q: RawQuery| async move { redirect("flamegraph", q, true) }),
        )
        .route(
            "/ui/flamegraph2",
            get(|q: RawQuery| async move { redirect("flamegraph", q, true) }),
        )
        .route(
            "/ui/flamegraphold",
            get(|q: RawQuery| async move { redirect("flamegraph", q, true) }),
        )
        .route("/ui/flamegraph", get(|s, q| view(s, q, flame_page)))
        .route("/ui/flamegraph/data", get(|s, q| view(s, q, flame_data)))
        .route(
            "/ui/flamegraph/search",
            get(|s, q| view(s, q, flame_search)),
        )
        .route("/ui/top", get(|s, q| view(s, q, top_page)))
        .route("/ui/top/data", get(|s, q| view(s, q, top_data)))
        .route("/ui/graph", get(|s, q| view(s, q, graph_page)))
        .route("/ui/peek", get(|s, q| view(s, q, peek_page)))
        .route("/ui/source", get(|s, q| view(s, q, source_page)))
        .route("/ui/labels", get(|s, q| view(s, q, labels_page)))
        .route("/ui/download", get(|s, q| view(s, q, download)))
        .route("/ui/disasm", get(|| async { not_here() }))
        .fallback(get(|uri: axum::http::Uri| async move {
            if uri.path().starts_with("/ui/") {
                (StatusCode::NOT_FOUND, "404 page not found\n").into_response()
            } else {
                // pprof sends every other path to the UI.
                redirect("/ui", RawQuery(uri.query().map(str::to_string)), false)
            }
        }))
        .merge(assets_router(ASSETS))
        .with_state(ui)
}

fn not_here() -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        "disassembly needs the program's binary; rprof does not disassemble yet\n",
    )
        .into_response()
}

/// pprof's `redirectWithQuery`: a relative `Location` with the query kept.
fn redirect(to: &str, RawQuery(q): RawQuery, permanent: bool) -> Response {
    let loc = match q.filter(|q| !q.is_empty()) {
        Some(q) => format!("{to}?{q}"),
        None => to.to_string(),
    };
    let status = if permanent {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::TEMPORARY_REDIRECT
    };
    let mut r = status.into_response();
    if let Ok(v) = HeaderValue::from_str(&loc) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

async fn view(
    State(ui): State<Arc<ProfileUi>>,
    Query(pairs): Pairs,
    f: fn(&ProfileUi, &Params) -> ViewResult,
) -> Response {
    let params = match Params::parse_over(pairs, &ui.defaults) {
        Ok(mut p) => {
            if p.extra("norm").is_none() {
                p.selection.normalize = ui.normalize;
            }
            p
        }
        Err(e) => return ViewError::from(e).into_response(),
    };
    match tokio::task::spawn_blocking(move || f(&ui, &params)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => e.into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the view failed\n").into_response(),
    }
}

pub(crate) fn html(body: String) -> Response {
    let mut r = Html(body).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(crate) fn json_response(v: &impl serde::Serialize) -> Response {
    let body = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A link to `path` with the request's report parameters, `set` applied
/// (`None` removes a parameter).
pub fn link(path: &str, p: &Params, set: &[(&str, Option<&str>)]) -> String {
    let mut kv: Vec<(String, String)> = p
        .raw
        .iter()
        .filter(|(k, v)| !v.is_empty() && REPORT_PARAMS.contains(&k.as_str()))
        .cloned()
        .collect();
    for (k, v) in set {
        kv.retain(|(x, _)| x != k);
        if let Some(v) = v {
            kv.push((k.to_string(), v.to_string()));
        }
    }
    if kv.is_empty() {
        return path.to_string();
    }
    let q: Vec<String> = kv
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{path}?{}", q.join("&"))
}

/// The header of a profile view.
fn chrome(ui: &ProfileUi, p: &Params, view: &str, legend: Vec<String>) -> Chrome {
    let pl = &ui.pipeline;
    let names = pl.profile_names();
    let shown = match p.selection.profile {
        Some(i) => names.get(i).copied().unwrap_or("?").to_string(),
        None => names.join(", "),
    };
    let ty = legend
        .iter()
        .find_map(|l| l.strip_prefix("Type: "))
        .unwrap_or("")
        .to_string();
    let mut menus = Vec::new();
    let views = [
        ("flamegraph", "Flame Graph", "The profile as a flame graph"),
        ("top", "Top", "Functions by flat or cumulative value"),
        ("graph", "Graph", "The call graph"),
        (
            "peek",
            "Peek",
            "Callers and callees of the selected functions",
        ),
        (
            "source",
            "Source",
            "Annotated source of the selected functions",
        ),
        (
            "labels",
            "Labels",
            "The profile's labels; click one to focus on it",
        ),
    ];
    menus.push(Menu {
        label: "View".into(),
        id: "view".into(),
        items: views
            .iter()
            .map(|(path, label, title)| {
                MenuItem::link(*label, link(&format!("./{path}"), p, &[]))
                    .id(format!("view-{path}"))
                    .title(*title)
                    .checked(*path == view)
            })
            .collect(),
    });
    if let Ok(types) = pl.sample_types(&p.selection)
        && types.len() > 1
    {
        let current = &p.opts.sample_index;
        menus.push(Menu {
            label: "Sample".into(),
            id: "sample".into(),
            items: types
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let checked = current == t
                        || current.parse::<usize>() == Ok(i)
                        || (current.is_empty() && ty.trim_start_matches("mean_") == t.as_str());
                    MenuItem::link(t.clone(), link(&format!("./{view}"), p, &[("si", Some(t))]))
                        .id(format!("sampletype-{t}"))
                        .checked(checked)
                })
                .collect(),
        });
    }
    let reset: Vec<(&str, Option<&str>)> = [
        "f",
        "i",
        "h",
        "s",
        "sf",
        "prunefrom",
        "tf",
        "ti",
        "ts",
        "th",
        "tagroot",
        "tagleaf",
    ]
    .iter()
    .map(|k| (*k, None))
    .collect();
    let mut refine = vec![
        MenuItem::link("Focus", "#")
            .id("focus")
            .title("Keep only samples through the selected functions (pprof's focus)"),
        MenuItem::link("Ignore", "#")
            .id("ignore")
            .title("Drop samples through the selected functions"),
        MenuItem::link("Hide", "#")
            .id("hide")
            .title("Remove the selected functions from the stacks"),
        MenuItem::link("Show", "#")
            .id("show")
            .title("Keep only the selected functions in the stacks"),
        MenuItem::link("Show from", "#")
            .id("show-from")
            .title("Drop the frames above the selected functions"),
        MenuItem::link("-", ""),
    ];
    for (k, label) in [
        ("f", "focus"),
        ("i", "ignore"),
        ("h", "hide"),
        ("s", "show"),
        ("sf", "show from"),
        ("prunefrom", "prune from"),
        ("tf", "tag focus"),
        ("ti", "tag ignore"),
        ("ts", "tag show"),
        ("th", "tag hide"),
    ] {
        if let Some(v) = p.extra(k) {
            refine.push(
                MenuItem::link(
                    format!("✕ {label}={v}"),
                    link(&format!("./{view}"), p, &[(k, None)]),
                )
                .title("Remove this filter"),
            );
        }
    }
    refine.push(
        MenuItem::link("Reset", link(&format!("./{view}"), p, &reset))
            .id("reset")
            .title("Show the entire profile"),
    );
    menus.push(Menu {
        label: "Refine".into(),
        id: "refine".into(),
        items: refine,
    });
    let g = p.extra("g").unwrap_or("functions");
    menus.push(Menu {
        label: "Granularity".into(),
        id: "granularity".into(),
        items: ["functions", "filefunctions", "files", "lines", "addresses"]
            .iter()
            .map(|x| {
                MenuItem::link(*x, link(&format!("./{view}"), p, &[("g", Some(x))]))
                    .id(format!("g-{x}"))
                    .checked(*x == g)
            })
            .collect(),
    });
    if names.len() > 1 {
        let mut items = vec![
            MenuItem::link("All, merged", link(&format!("./{view}"), p, &[("p", None)]))
                .id("profile-all")
                .checked(p.selection.profile.is_none()),
        ];
        for (i, n) in names.iter().enumerate() {
            let idx = i.to_string();
            items.push(
                MenuItem::link(*n, link(&format!("./{view}"), p, &[("p", Some(&idx))]))
                    .id(format!("profile-{i}"))
                    .checked(p.selection.profile == Some(i)),
            );
        }
        menus.push(Menu {
            label: "Profile".into(),
            id: "profile".into(),
            items,
        });
    }
    {
        let here = format!("./{view}");
        let none = [("base", None), ("diffbase", None)];
        let mut items = Vec::new();
        let cli = pl.base_names();
        if !cli.is_empty() {
            let kind = if pl.cli_diff_base() {
                "diff base"
            } else {
                "base"
            };
            items.push(
                MenuItem::link(
                    format!("Command line {kind}: {}", cli.join(", ")),
                    link(&here, p, &none),
                )
                .id("compare-cli")
                .checked(p.selection.base == BaseChoice::CommandLine),
            );
        }
        items.push(
            MenuItem::link(
                "Nothing",
                link(&here, p, &[("base", Some("none")), ("diffbase", None)]),
            )
            .id("compare-none")
            .checked(
                p.selection.base == BaseChoice::None
                    || (cli.is_empty() && p.selection.base == BaseChoice::CommandLine),
            ),
        );
        for (i, n) in names.iter().enumerate() {
            let idx = i.to_string();
            items.push(
                MenuItem::link(
                    format!("Base: {n}"),
                    link(&here, p, &[("base", Some(&idx)), ("diffbase", None)]),
                )
                .id(format!("compare-base-{i}"))
                .title("Subtract this profile (pprof's -base)")
                .checked(
                    p.selection.base
                        == BaseChoice::Profile {
                            index: i,
                            diff: false,
                        },
                ),
            );
            items.push(
                MenuItem::link(
                    format!("Diff base: {n}"),
                    link(&here, p, &[("diffbase", Some(&idx)), ("base", None)]),
                )
                .id(format!("compare-diffbase-{i}"))
                .title("Compare with this profile; percentages of it (pprof's -diff_base)")
                .checked(
                    p.selection.base
                        == BaseChoice::Profile {
                            index: i,
                            diff: true,
                        },
                ),
            );
        }
        menus.push(Menu {
            label: "Compare with…".into(),
            id: "compare".into(),
            items,
        });
    }
    let keep_sel: Vec<(&str, Option<&str>)> = reset.clone();
    menus.push(Menu {
        label: "Download".into(),
        id: "download".into(),
        items: vec![
            MenuItem::link("Profile as loaded", link("./download", p, &keep_sel))
                .id("download-loaded")
                .title("The selected profile(s), merged, base subtracted, no filters"),
            MenuItem::link(
                "Profile as shown",
                link("./download", p, &[("filtered", Some("1"))]),
            )
            .id("download-shown")
            .title("With the current filters applied (as rprof proto)"),
        ],
    });
    menus.extend(ui.menus.iter().cloned());
    Chrome {
        title: format!("{shown} {ty}"),
        home: link("./flamegraph", p, &[]),
        subtitle: format!("{shown} {ty}"),
        legend,
        menus,
        search: true,
        errors: Vec::new(),
        styles: vec!["rprof.css"],
        scripts: vec!["common.js"],
        standalone: false,
        inline_css: String::new(),
        inline_js: String::new(),
        refresh: 0,
    }
}

#[derive(Template)]
#[template(path = "flame.html")]
struct FlamePage {
    chrome: Chrome,
    data: PageData,
}

#[derive(Template)]
#[template(path = "top.html")]
struct TopPage {
    chrome: Chrome,
    data: PageData,
}

#[derive(Template)]
#[template(path = "graph.html")]
struct GraphPage {
    chrome: Chrome,
    data: PageData,
    svg: String,
    renderer: &'static str,
}

#[derive(Template)]
#[template(path = "text.html")]
struct TextPage {
    chrome: Chrome,
    data: PageData,
    text: String,
}

#[derive(Template)]
#[template(path = "source.html")]
struct SourcePage {
    chrome: Chrome,
    data: PageData,
    listing: crate::pipeline::Listing,
}

#[derive(Template)]
#[template(path = "labels.html")]
struct LabelsPage {
    chrome: Chrome,
    data: PageData,
    keys: Vec<LabelRow>,
}

struct LabelRow {
    key: String,
    total: String,
    values: Vec<LabelValueRow>,
}

struct LabelValueRow {
    value: String,
    amount: String,
    percent: String,
    focus: String,
    ignore: String,
}

/// The flame graph's cache key: everything that shapes the tree.
fn tree_key(p: &Params, mode: &str) -> String {
    format!("{mode}|{}", p.report_query())
}

/// `^name$` with the name's metacharacters quoted (Go's `QuoteMeta`).
pub fn exact(name: &str) -> String {
    let mut s = String::from("^");
    for c in name.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('$');
    s
}

fn flame_json(ui: &ProfileUi, p: &Params, mode: &str) -> Result<serde_json::Value, ViewError> {
    let pl = &ui.pipeline;
    let mut opts = p.opts.clone();
    let mut reverse = false;
    if let Some(name) = p.extra("pivot") {
        let re = exact(name);
        match mode {
            "callers" => {
                // Stacks cut below the function, leaf first: the stacks
                // through it have it at the root, their callers above.
                // (The other stacks stay in the tree, under other roots;
                // only the function's own subtree is sent.)
                opts.prune_from = Some(re);
                reverse = true;
            }
            _ => opts.show_from = Some(re),
        }
    }
    let t = pl.flame_tree(&tree_key(p, mode), &p.selection, &opts, reverse)?;
    let root: u32 = match p.extra("root") {
        Some(r) => r
            .parse()
            .ok()
            .filter(|&r: &u32| (r as usize) < t.tree.len())
            .ok_or(ParamError {
                field: "root",
                message: format!("{r:?} is not a node of this flame graph"),
            })?,
        None if mode == "callers" => {
            let name = p.extra("pivot").unwrap_or("");
            *t.tree
                .children(0)
                .iter()
                .find(|&&c| t.tree.name(c) == name)
                .ok_or_else(|| ParamError {
                    field: "pivot",
                    message: format!("no samples go through {name:?}"),
                })?
        }
        None => 0,
    };
    let sub = flame::subtree(&t, root, flame::MIN_FRACTION, flame::MAX_NODES);
    Ok(json!({
        "total": t.total,
        "type": t.sample_type,
        "unit": t.unit,
        "diff": t.tree.is_diff(),
        "tree": sub,
    }))
}

fn flame_page(ui: &ProfileUi, p: &Params) -> ViewResult {
    let f = ui.pipeline.filtered(&p.selection, &p.opts)?;
    let legend = f.legend()?;
    let notes = f.notes();
    drop(f);
    let mut data = json!({
        "view": "flamegraph",
        "query": p.report_query(),
    });
    if let Some(name) = p.extra("pivot") {
        data["pivot"] = json!(name);
        data["callers"] = flame_json(ui, p, "callers")?;
        data["callees"] = flame_json(ui, p, "callees")?;
    } else {
        data["flame"] = flame_json(ui, p, "flame")?;
    }
    let mut c = chrome(ui, p, "flamegraph", legend);
    c.errors = notes;
    c.scripts.push("flame.js");
    Ok(html(
        FlamePage {
            chrome: c,
            data: PageData::new(&data),
        }
        .render()?,
    ))
}

fn flame_data(ui: &ProfileUi, p: &Params) -> ViewResult {
    let mode = match p.extra("mode") {
        Some(m @ ("callers" | "callees")) if p.extra("pivot").is_some() => m,
        Some("flame") | None => "flame",
        Some(m) => {
            return Err(ParamError {
                field: "mode",
                message: format!("{m:?} is not flame, callers or callees (with pivot)"),
            }
            .into());
        }
    };
    Ok(json_response(&flame_json(ui, p, mode)?))
}

fn flame_search(ui: &ProfileUi, p: &Params) -> ViewResult {
    let q = p.extra("q").unwrap_or("");
    let re = crate::pipeline::compile(q)?;
    let t = ui
        .pipeline
        .flame_tree(&tree_key(p, "flame"), &p.selection, &p.opts, false)?;
    let m = flame::matched(&t, &re);
    Ok(json_response(&json!({
        "matched": m,
        "width": t.tree.total(0),
        "total": t.total,
    })))
}

fn top_params(p: &Params) -> Params {
    // pprof's web top shows at most 500 rows.
    let mut p = p.clone();
    if p.extra("n").is_none() {
        p.opts.node_count = Some(500);
    }
    p
}

fn top_data(ui: &ProfileUi, p: &Params) -> ViewResult {
    let p = top_params(p);
    let f = ui.pipeline.filtered(&p.selection, &p.opts)?;
    Ok(json_response(&f.top()?))
}

fn top_page(ui: &ProfileUi, p: &Params) -> ViewResult {
    let p = top_params(p);
    let f = ui.pipeline.filtered(&p.selection, &p.opts)?;
    let top = f.top()?;
    let mut c = chrome(ui, &p, "top", top.legend.clone());
    c.errors = f.notes();
    c.scripts.push("top.js");
    let data = json!({"view": "top", "query": p.report_query(), "top": top});
    Ok(html(
        TopPage {
            chrome: c,
            data: PageData::new(&data),
        }
        .render()?,
    ))
}

/// Drops everything before `<svg` and every `<script>` element: the
/// page's own script pans and zooms, and no script from a renderer runs
/// under the page's policy anyway.
pub fn embeddable_svg(svg: &str) -> String {
    let mut s = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
    .to_string();
    while let Some(a) = s.find("<script") {
        let Some(len) = s[a..].find("</script>") else {
            s.truncate(a);
            break;
        };
        s.replace_range(a..a + len + "</script>".len(), "");
    }
    s
}

fn graph_page(ui: &ProfileUi, p: &Params) -> ViewResult {
    let f = ui.pipeline.filtered(&p.selection, &p.opts)?;
    let builtin = p.extra("renderer") == Some("builtin");
    let (svg, renderer) = f.graph_svg(builtin)?;
    let legend = f.legend()?;
    let mut c = chrome(ui, p, "graph", legend);
    c.errors = f.notes();
    c.scripts.push("graph.js");
    let data = json!({"view": "graph", "query": p.report_query(), "renderer": renderer});
    Ok(html(
        GraphPage {
            chrome: c,
            data: PageData::new(&data),
            svg: embeddable_svg(&svg),
            renderer,
        }
        .render()?,
    ))
}

fn peek_page(ui: &ProfileUi, p: &Params) -> ViewResult {
    // pprof's peek: `f` is both the focus and the regexp; lines
    // granularity unless asked otherwise.
    let mut p = p.clone();
    if p.extra("g").is_none() {
        p.opts.granularity = rprof_report::Granularity::Lines;
    }
    let f = ui.pipeline.filtered(&p.selection, &p.opts)?;
    let text = f.peek_text(p.extra("f").unwrap_or(""))?;
    let legend = f.legend()?;
    let mut c = chrome(ui, &p, "peek", legend);
    c.errors = f.notes();
    let data = json!({"view": "peek", "query": p.report_query()});
    Ok(html(
        TextPage {
            chrome: c,
            data: PageData::new(&data),
            text,
        }
        .render()?,
    ))
}

fn source_page(ui: &ProfileUi, p: &Params) -> ViewResult {
    let f = ui.pipeline.filtered(&p.selection, &p.opts)?;
    let listing = f.source(p.extra("f").unwrap_or(""), 50)?;
    let legend = f.legend()?;
    let mut c = chrome(ui, p, "source", legend);
    c.errors = f.notes();
    if !listing.missing.is_empty() {
        c.errors.push(format!(
            "source not found for {} file(s): {}",
            listing.missing.len(),
            listing.missing.join(", ")
        ));
    }
    let data = json!({"view": "source", "query": p.report_query()});
    Ok(html(
        SourcePage {
            chrome: c,
            data: PageData::new(&data),
            listing,
        }
        .render()?,
    ))
}

fn labels_page(ui: &ProfileUi, p: &Params) -> ViewResult {
    let f = ui.pipeline.filtered(&p.selection, &p.opts)?;
    let keys = f.labels()?;
    let legend = f.legend()?;
    let mut c = chrome(ui, p, "labels", legend);
    c.errors = f.notes();
    let rows = keys
        .into_iter()
        .map(|k| {
            let values = k
                .values
                .into_iter()
                .map(|v| {
                    let filter = format!("{}={}", k.key, tag_value_pattern(&v.value));
                    LabelValueRow {
                        focus: link("./flamegraph", p, &[("tf", Some(&filter))]),
                        ignore: link("./flamegraph", p, &[("ti", Some(&filter))]),
                        value: v.value,
                        amount: v.amount,
                        percent: v.percent,
                    }
                })
                .collect();
            LabelRow {
                key: k.key,
                total: k.total,
                values,
            }
        })
        .collect();
    let data = json!({"view": "labels", "query": p.report_query()});
    Ok(html(
        LabelsPage {
            chrome: c,
            data: PageData::new(&data),
            keys: rows,
        }
        .render()?,
    ))
}

/// The tag filter value that selects exactly `value`: a numeric value
/// with its unit (`1kB`) is a numeric filter as it is; a string value is
/// a regexp, anchored and quoted (commas separate values in a tag
/// filter, so they are matched as any character).
fn tag_value_pattern(value: &str) -> String {
    let numeric = value
        .trim_start_matches('-')
        .starts_with(|c: char| c.is_ascii_digit());
    if numeric {
        value.to_string()
    } else {
        exact(value).replace(',', ".")
    }
}

fn download(ui: &ProfileUi, p: &Params) -> ViewResult {
    let bytes = if p.extra("filtered").is_some() {
        let f = ui.pipeline.filtered(&p.selection, &p.opts)?;
        crate::pipeline::encode(f.profile())
    } else {
        crate::pipeline::encode(&*ui.pipeline.combined(&p.selection)?)
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.google.protobuf+gzip"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment;filename=profile.pb.gz"),
    );
    Ok(r)
}
