//! The trace UI's HTML pages, at `go tool trace`'s paths.
//!
//! Every page is an askama template extending `layout.html` (askama
//! escapes every string from the trace); tables of numbers show Go's
//! duration format for reading and carry the exact nanoseconds in
//! `data-ns` attributes. Pages that need the index's pass answer, while
//! it runs, a page saying how far it is that reloads itself (503).

use super::ui::TraceUi;
use crate::page::{Chrome, Menu, MenuItem, PageData};
use crate::params::encode;
use crate::views::html;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rprof_trace::analysis::{GroupSort, fmt_dur, sort_groups};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

type Ui = State<Arc<TraceUi>>;
type Pairs = Query<Vec<(String, String)>>;

/// At most this many rows in a table of goroutines or instances (the
/// longest first; the page says how many were left out).
pub(crate) const MAX_ROWS: usize = 1000;

pub(super) fn routes() -> Router<Arc<TraceUi>> {
    Router::new()
        .route("/", get(|s, q| page(s, q, index)))
        .route("/goroutines", get(|s, q| page(s, q, goroutines)))
        .route("/goroutine", get(|s, q| page(s, q, group)))
        .route("/trace", get(|s, q| page(s, q, timeline)))
        .route("/usertasks", get(|s, q| page(s, q, tasks)))
        .route("/usertask", get(|s, q| page(s, q, task_instances)))
        .route("/userregions", get(|s, q| page(s, q, regions)))
        .route("/userregion", get(|s, q| page(s, q, region_instances)))
}

/// Why a page cannot be shown.
#[derive(Debug)]
pub(crate) enum PageError {
    /// A bad or unknown parameter (400), with the message.
    Bad(String),
    /// Nothing of that name (404).
    NotFound(String),
    /// The index's pass is still running.
    Indexing,
    /// The index or a pass failed (500).
    Failed(String),
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::Failed(format!("rendering the page: {e}"))
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

pub(crate) fn text(status: StatusCode, msg: String) -> Response {
    let mut r = (status, msg).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

impl PageError {
    /// As a response; `ui` for the waiting page.
    pub(crate) fn respond(self, ui: &TraceUi) -> Response {
        match self {
            PageError::Bad(m) => text(StatusCode::BAD_REQUEST, format!("{m}\n")),
            PageError::NotFound(m) => text(StatusCode::NOT_FOUND, format!("{m}\n")),
            PageError::Failed(m) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("{m}\n")),
            PageError::Indexing => {
                let c = Chrome {
                    refresh: 1,
                    ..chrome(ui, "Indexing")
                };
                let body = WaitPage {
                    chrome: c,
                    data: PageData::new(&json!({"indexing": ui.fraction()})),
                    percent: percent(ui.fraction()),
                }
                .render()
                .unwrap_or_default();
                let mut r = html(body);
                *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                r
            }
        }
    }
}

fn percent(f: f64) -> u32 {
    (f * 100.0).floor().clamp(0.0, 100.0) as u32
}

async fn page(State(ui): Ui, Query(q): Pairs, f: fn(&TraceUi, &Q) -> PageResult) -> Response {
    let q = Q(q);
    let u = Arc::clone(&ui);
    match tokio::task::spawn_blocking(move || f(&u, &q)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => e.respond(&ui),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the page failed\n".into(),
        ),
    }
}

/// A request's query parameters.
pub(crate) struct Q(pub(crate) Vec<(String, String)>);

impl Q {
    /// The first value of `k` (Go's `FormValue`: "" when absent).
    pub(crate) fn get(&self, k: &str) -> &str {
        self.0
            .iter()
            .find(|(x, _)| x == k)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether `k` was given at all.
    pub(crate) fn has(&self, k: &str) -> bool {
        self.0.iter().any(|(x, _)| x == k)
    }

    /// An integer parameter (absent: `None`).
    pub(crate) fn int(&self, k: &'static str) -> Result<Option<i64>, PageError> {
        match self.get(k) {
            "" => Ok(None),
            v => v
                .parse()
                .map(Some)
                .map_err(|_| PageError::Bad(format!("{k}: {v:?} is not an integer"))),
        }
    }
}

/// The index, or why not.
pub(crate) fn index_of(
    ui: &TraceUi,
) -> Result<Arc<rprof_trace::analysis::timeline::TimelineIndex>, PageError> {
    match ui.index() {
        None => Err(PageError::Indexing),
        Some(Ok(i)) => Ok(i),
        Some(Err(e)) => Err(PageError::Failed(format!("{}: {e}", ui.name()))),
    }
}

/// The analyses, or why not.
pub(crate) fn analyses_of(ui: &TraceUi) -> Result<&super::ui::Analyses, PageError> {
    index_of(ui)?;
    ui.analyses()
        .ok_or_else(|| PageError::Failed("the analyses of the trace are missing".into()))
}

/// The header of every trace page: the views menu, the profiles menu.
pub(crate) fn chrome(ui: &TraceUi, title: &str) -> Chrome {
    let mut legend = vec![
        format!("Trace: {}", ui.name()),
        format!("Size: {:.1} MB", ui.size as f64 / 1e6),
    ];
    if let Some((a, b)) = ui.window() {
        legend.push(format!("Window: {} to {}", fmt_time(a), fmt_end(b)));
    }
    if let Some(Ok(ix)) = ui.index() {
        let i = ix.info();
        legend.push(format!("Format: {}", i.version));
        legend.push(format!("Duration: {}", fmt_dur(i.end_ns - i.start_ns)));
        legend.push(format!("Events: {}", i.events));
    }
    Chrome {
        title: format!("{title} · {}", ui.name()),
        home: "/".into(),
        subtitle: ui.name().to_string(),
        legend,
        menus: trace_menus(),
        search: false,
        styles: vec!["rprof.css", "trace.css"],
        scripts: vec!["common.js"],
        ..Default::default()
    }
}

/// The trace UI's menus (also added to the blocking profiles' views).
pub(crate) fn trace_menus() -> Vec<Menu> {
    vec![
        Menu {
            label: "View".into(),
            id: "trace-view".into(),
            items: vec![
                MenuItem::link("Trace index", "/").id("nav-index"),
                MenuItem::link("Timeline by proc", "/trace").id("nav-proc"),
                MenuItem::link("Timeline by thread", "/trace?view=thread").id("nav-thread"),
                MenuItem::link("Goroutine analysis", "/goroutines").id("nav-goroutines"),
                MenuItem::link("User-defined tasks", "/usertasks").id("nav-tasks"),
                MenuItem::link("User-defined regions", "/userregions").id("nav-regions"),
                MenuItem::link("Minimum mutator utilization", "/mmu").id("nav-mmu"),
            ],
        },
        Menu {
            label: "Profiles".into(),
            id: "trace-profiles".into(),
            items: vec![
                MenuItem::link("Network blocking", "/io").id("nav-io"),
                MenuItem::link("Synchronization blocking", "/block").id("nav-block"),
                MenuItem::link("Syscall", "/syscall").id("nav-syscall"),
                MenuItem::link("Scheduler latency", "/sched").id("nav-sched"),
            ],
        },
    ]
}

/// A time in the trace: seconds since its start, to the nanosecond.
pub(crate) fn fmt_time(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    format!("{sign}{}.{:09}s", a / 1_000_000_000, a % 1_000_000_000)
}

fn fmt_end(ns: i64) -> String {
    if ns >= i64::MAX / 8 {
        "the end".into()
    } else {
        fmt_time(ns)
    }
}

/// A number cell: Go's duration for reading, exact nanoseconds for
/// scripts and tests.
pub(crate) struct Ns {
    pub(crate) ns: i64,
    pub(crate) text: String,
}

impl Ns {
    pub(crate) fn new(ns: i64) -> Self {
        Ns {
            ns,
            text: fmt_dur(ns),
        }
    }
}

#[derive(Template)]
#[template(path = "trace/wait.html")]
struct WaitPage {
    chrome: Chrome,
    data: PageData,
    percent: u32,
}

#[derive(Template)]
#[template(path = "trace/index.html")]
struct IndexPage {
    chrome: Chrome,
    data: PageData,
    name: String,
    indexing: bool,
    percent: u32,
    failed: Option<String>,
    damaged: Option<String>,
    facts: Vec<(String, String)>,
}

fn index(ui: &TraceUi, _: &Q) -> PageResult {
    let mut facts = vec![
        ("Trace".to_string(), ui.name().to_string()),
        (
            "Size".to_string(),
            format!("{:.1} MB ({} bytes)", ui.size as f64 / 1e6, ui.size),
        ),
    ];
    if let Some((a, b)) = ui.window() {
        facts.push((
            "Window".into(),
            format!("{} to {}", fmt_time(a), fmt_end(b)),
        ));
    }
    let (mut failed, mut damaged) = (None, None);
    let state = ui.index();
    match &state {
        Some(Ok(ix)) => {
            let i = ix.info();
            facts.push(("Format".into(), i.version.clone()));
            facts.push((
                "Indexed".into(),
                format!(
                    "{} to {} ({})",
                    fmt_time(i.start_ns),
                    fmt_time(i.end_ns),
                    fmt_dur(i.end_ns - i.start_ns)
                ),
            ));
            facts.push(("Events".into(), i.events.to_string()));
            facts.push(("Generations".into(), i.generations.to_string()));
            facts.push(("Procs".into(), i.procs.len().to_string()));
            facts.push(("Threads".into(), i.threads.len().to_string()));
            if let Some(a) = ui.analyses() {
                let n: u64 = a.table.groups.iter().map(|g| g.count).sum();
                facts.push((
                    "Goroutines".into(),
                    format!("{n} in {} groups", a.table.groups.len()),
                ));
            }
            facts.push((
                "Index file".into(),
                format!("{:.1} MB on disk", i.index_bytes as f64 / 1e6),
            ));
            damaged = i.error.clone();
        }
        Some(Err(e)) => failed = Some(e.clone()),
        None => {}
    }
    let indexing = state.is_none();
    let mut c = chrome(ui, "Trace");
    if indexing {
        c.refresh = 1;
    }
    let data = json!({"view": "trace-index", "indexing": if indexing { Some(ui.fraction()) } else { None }});
    Ok(html(
        IndexPage {
            chrome: c,
            data: PageData::new(&data),
            name: ui.name().to_string(),
            indexing,
            percent: percent(ui.fraction()),
            failed,
            damaged,
            facts,
        }
        .render()?,
    ))
}

/// A row of the goroutines page: the columns of `rprof trace goroutines`.
struct GroupRow {
    name: String,
    link: String,
    count: u64,
    cells: Vec<Ns>,
    exec_percent: String,
}

/// The columns of `rprof trace goroutines` after Count, with their sort
/// keys.
const GROUP_COLUMNS: [(&str, &str); 8] = [
    ("Exec", "exec"),
    ("Sched", "sched"),
    ("Blk sync", "sync"),
    ("Blk net", "net"),
    ("Blk other", "block"),
    ("Syscall", "syscall"),
    ("Sys block", "syscall-block"),
    ("GC assist", "gc-assist"),
];

#[derive(Template)]
#[template(path = "trace/goroutines.html")]
struct GoroutinesPage {
    chrome: Chrome,
    data: PageData,
    columns: Vec<(&'static str, String)>,
    count_link: String,
    rows: Vec<GroupRow>,
}

fn goroutines(ui: &TraceUi, q: &Q) -> PageResult {
    let a = analyses_of(ui)?;
    let mut groups = a.table.groups.clone();
    let sort = match q.get("sort") {
        "" => GroupSort::Exec,
        s => s.parse::<GroupSort>().map_err(PageError::Bad)?,
    };
    sort_groups(&mut groups, sort);
    let rows = groups
        .iter()
        .map(|g| GroupRow {
            name: if g.name.is_empty() {
                "(Inactive, no stack trace sampled)".into()
            } else {
                g.name.clone()
            },
            link: format!("/goroutine?name={}", encode(&g.name)),
            count: g.count,
            cells: vec![
                Ns::new(g.exec_ns),
                Ns::new(g.sched_wait_ns),
                Ns::new(g.block_sync_ns()),
                Ns::new(g.block_net_ns()),
                Ns::new(g.block_other_ns()),
                Ns::new(g.syscall_ns),
                Ns::new(g.syscall_block_ns),
                Ns::new(g.gc_assist_ns()),
            ],
            exec_percent: format!("{:.2}%", g.exec_percent),
        })
        .collect();
    Ok(html(
        GoroutinesPage {
            chrome: chrome(ui, "Goroutines"),
            data: PageData::new(&json!({"view": "goroutines"})),
            columns: GROUP_COLUMNS
                .iter()
                .map(|(h, k)| (*h, format!("/goroutines?sort={k}")))
                .collect(),
            count_link: "/goroutines?sort=count".into(),
            rows,
        }
        .render()?,
    ))
}

/// Go's colour of a statistic (`stat2Color`), as a class.
fn stat_class(stat: &str) -> &'static str {
    match stat {
        "Execution time" => "st-exec",
        "Sched wait time" => "st-sched",
        "Syscall execution time" => "st-syscall",
        s if s.starts_with("Block time") => "st-block",
        _ => "st-other",
    }
}

struct Seg {
    class: &'static str,
    pct: String,
    title: String,
}

struct GoroutineRow {
    id: i64,
    total: Ns,
    bar: Vec<Seg>,
    cells: Vec<Ns>,
}

struct ProfileLink {
    label: &'static str,
    href: String,
    raw: String,
    file: &'static str,
}

/// The four profiles' links for a query (Go's group and region pages).
fn profile_links(prefix: &str, query: &str) -> Vec<ProfileLink> {
    let sep = if query.is_empty() { "" } else { "&" };
    let q = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    [
        ("Network wait profile", "io"),
        ("Sync block profile", "block"),
        ("Syscall profile", "syscall"),
        ("Scheduler wait profile", "sched"),
    ]
    .iter()
    .map(|(label, k)| ProfileLink {
        label,
        href: format!("/{prefix}{k}{q}"),
        raw: format!("/{prefix}{k}?{query}{sep}raw=1"),
        file: match *k {
            "io" => "io.profile",
            "block" => "block.profile",
            "syscall" => "syscall.profile",
            _ => "sched.profile",
        },
    })
    .collect()
}

#[derive(Template)]
#[template(path = "trace/group.html")]
struct GroupPage {
    chrome: Chrome,
    data: PageData,
    name: String,
    count: usize,
    exec_percent: String,
    profiles: Vec<ProfileLink>,
    stats: Vec<(String, &'static str, String)>,
    rows: Vec<GoroutineRow>,
    left_out: usize,
    range_names: Vec<String>,
    range_rows: Vec<(i64, Ns, Vec<Ns>)>,
}

fn group(ui: &TraceUi, q: &Q) -> PageResult {
    let a = analyses_of(ui)?;
    let name = q.get("name");
    let Some(gi) = a.table.groups.iter().position(|g| g.name == name) else {
        return Err(PageError::NotFound(format!(
            "no goroutine group {name:?} (see /goroutines)"
        )));
    };
    let g = &a.table.groups[gi];
    let names = &a.table.names;
    let mut members: Vec<_> = a
        .table
        .goroutines
        .iter()
        .filter(|s| s.group as usize == gi)
        .map(|s| (s, s.non_overlapping(names)))
        .collect();
    let mut stats: Vec<String> = members
        .iter()
        .flat_map(|(_, m)| m.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // Go's order: execution time first, then by name.
    stats.sort_by(|a, b| {
        (a != "Execution time")
            .cmp(&(b != "Execution time"))
            .then_with(|| a.cmp(b))
    });
    let sortby = q.get("sortby");
    if stats.iter().any(|s| s == sortby) {
        members
            .sort_by_key(|(s, m)| (std::cmp::Reverse(m.get(sortby).copied().unwrap_or(0)), s.id));
    } else {
        members.sort_by_key(|(s, _)| (std::cmp::Reverse(s.total_ns), s.id));
    }
    let max_total = members.iter().map(|(s, _)| s.total_ns).max().unwrap_or(0);
    let total_exec: i64 = a.table.groups.iter().map(|g| g.exec_ns).sum();
    let exec_percent = if total_exec > 0 {
        format!("{:.2}%", g.exec_ns as f64 / total_exec as f64 * 100.0)
    } else {
        String::new()
    };
    let left_out = members.len().saturating_sub(MAX_ROWS);
    let rows = members
        .iter()
        .take(MAX_ROWS)
        .map(|(s, m)| GoroutineRow {
            id: s.id,
            total: Ns::new(s.total_ns),
            bar: stats
                .iter()
                .filter_map(|k| {
                    let v = m.get(k).copied().unwrap_or(0);
                    (v > 0 && max_total > 0).then(|| Seg {
                        class: stat_class(k),
                        pct: format!("{:.2}", v as f64 / max_total as f64 * 100.0),
                        title: format!("{k}: {}", fmt_dur(v)),
                    })
                })
                .collect(),
            cells: stats
                .iter()
                .map(|k| Ns::new(m.get(k).copied().unwrap_or(0)))
                .collect(),
        })
        .collect();
    let range_names: Vec<String> = members
        .iter()
        .flat_map(|(s, _)| s.ranges(names).into_keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let range_rows = members
        .iter()
        .filter_map(|(s, _)| {
            let r: BTreeMap<String, i64> = s.ranges(names);
            (r.values().any(|&v| v != 0)).then(|| {
                (
                    s.id,
                    Ns::new(s.total_ns),
                    range_names
                        .iter()
                        .map(|k| Ns::new(r.get(k).copied().unwrap_or(0)))
                        .collect(),
                )
            })
        })
        .take(MAX_ROWS)
        .collect();
    let shown = if name.is_empty() {
        "(Inactive, no stack trace sampled)"
    } else {
        name
    };
    let query = format!("name={}", encode(name));
    let sort_base = format!("/goroutine?name={}&sortby=", encode(name));
    Ok(html(
        GroupPage {
            chrome: chrome(ui, &format!("Goroutines: {shown}")),
            data: PageData::new(&json!({"view": "goroutine-group", "name": name})),
            name: shown.to_string(),
            count: members.len(),
            exec_percent,
            profiles: profile_links("", &query),
            stats: stats
                .iter()
                .map(|k| {
                    (
                        k.clone(),
                        stat_class(k),
                        format!("{sort_base}{}", encode(k)),
                    )
                })
                .collect(),
            rows,
            left_out,
            range_names,
            range_rows,
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "trace/timeline.html")]
struct TimelinePage {
    chrome: Chrome,
    data: PageData,
    view: &'static str,
    goroutine: Option<GoroutineHead>,
}

struct GoroutineHead {
    id: i64,
    name: String,
    group_link: String,
    cells: Vec<(String, Ns)>,
}

fn timeline(ui: &TraceUi, q: &Q) -> PageResult {
    let view = match q.get("view") {
        "" | "proc" => "proc",
        "thread" => "thread",
        v => return Err(PageError::Bad(format!("view: {v:?} is not proc or thread"))),
    };
    // Go's links to a task: the timeline over the task's span.
    for k in ["taskid", "focustask"] {
        if let Some(id) = q.int(k)? {
            return task_window(ui, id);
        }
    }
    let goid = q.int("goid")?;
    let mut head = None;
    if let Some(g) = goid {
        let mut h = GoroutineHead {
            id: g,
            name: String::new(),
            group_link: String::new(),
            cells: Vec::new(),
        };
        if let Some(a) = ui.analyses()
            && let Ok(i) = a.table.goroutines.binary_search_by_key(&g, |s| s.id)
        {
            let s = &a.table.goroutines[i];
            let group = &a.table.groups[s.group as usize].name;
            h.name = group.clone();
            h.group_link = format!("/goroutine?name={}", encode(group));
            h.cells.push(("Total".into(), Ns::new(s.total_ns)));
            for (k, v) in s.non_overlapping(&a.table.names) {
                if v != 0 {
                    h.cells.push((k, Ns::new(v)));
                }
            }
        }
        head = Some(h);
    }
    let title = match goid {
        Some(g) => format!("Goroutine {g}"),
        None => format!("Timeline by {view}"),
    };
    let mut c = chrome(ui, &title);
    c.styles.push("timeline.css");
    c.scripts.push("timeline.js");
    Ok(html(
        TimelinePage {
            chrome: c,
            data: PageData::new(&json!({"view": "timeline", "by": view, "goroutine": goid})),
            view,
            goroutine: head,
        }
        .render()?,
    ))
}

/// `/trace?taskid=N`: a redirect to the timeline around task N.
fn task_window(ui: &TraceUi, id: i64) -> PageResult {
    let ix = index_of(ui)?;
    for t in ix.task_types() {
        let inst = ix
            .task_instances(t.index)
            .map_err(|e| PageError::Failed(e.to_string()))?;
        if let Some(i) = inst.iter().find(|i| i.task == Some(id as u64)) {
            let pad = ((i.end - i.start) / 20).max(1000);
            let loc = format!("/trace#start={}&end={}", i.start - pad, i.end + pad);
            let mut r = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&loc) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return Ok(r);
        }
    }
    Err(PageError::NotFound(format!("no task {id} in the trace")))
}

/// Go's duration format (`time.Duration.String`), for the `latmin` and
/// `latmax` links Go's pages make.
pub(crate) fn go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let sign = if neg { "-" } else { "" };
    let frac = |v: u64, digits: u32| -> String {
        // v / 10^digits, trailing zeros dropped.
        let p = 10u64.pow(digits);
        let (w, f) = (v / p, v % p);
        if f == 0 {
            return w.to_string();
        }
        let s = format!("{f:0width$}", width = digits as usize);
        format!("{w}.{}", s.trim_end_matches('0'))
    };
    if u < 1_000 {
        return format!("{sign}{u}ns");
    }
    if u < 1_000_000 {
        return format!("{sign}{}µs", frac(u, 3));
    }
    if u < 1_000_000_000 {
        return format!("{sign}{}ms", frac(u, 6));
    }
    let mut s = String::from(sign);
    let secs_ns = u % 60_000_000_000;
    let mins = u / 60_000_000_000;
    let (h, m) = (mins / 60, mins % 60);
    if h > 0 {
        s.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        s.push_str(&format!("{m}m"));
    }
    s.push_str(&format!("{}s", frac(secs_ns, 9)));
    s
}

/// Go's `time.ParseDuration` (units ns, us, µs, μs, ms, s, m, h).
pub(crate) fn parse_go_duration(s: &str) -> Option<i64> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        let v: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[u..];
        total += v * scale;
    }
    let t = total.round() as i64;
    Some(if neg { -t } else { t })
}

struct SpanRow {
    name: String,
    frame: Option<(String, String, String)>,
    count: u64,
    complete: u64,
    link: String,
    hist: Vec<HistRow>,
}

struct HistRow {
    range: String,
    count: u64,
    pct: String,
    link: String,
}

#[derive(Template)]
#[template(path = "trace/spans.html")]
struct SpansPage {
    chrome: Chrome,
    data: PageData,
    regions: bool,
    rows: Vec<SpanRow>,
}

fn span_page(ui: &TraceUi, regions: bool) -> PageResult {
    let ix = index_of(ui)?;
    let types = if regions {
        ix.region_types()
    } else {
        ix.task_types()
    };
    let rows = types
        .into_iter()
        .map(|t| {
            let base = if regions {
                let pc = t
                    .frame
                    .as_ref()
                    .map_or("0".into(), |f| f.pc.trim_start_matches("0x").to_string());
                format!("/userregion?type={}&pc={pc}", encode(&t.name))
            } else {
                format!("/usertask?type={}", encode(&t.name))
            };
            let max = t.histogram.iter().map(|b| b.count).max().unwrap_or(0);
            SpanRow {
                frame: t.frame.as_ref().map(|f| {
                    (
                        f.func.clone(),
                        f.pc.clone(),
                        format!("{}:{}", f.file, f.line),
                    )
                }),
                count: t.count,
                complete: t.complete,
                link: base.clone(),
                hist: t
                    .histogram
                    .iter()
                    .map(|b| HistRow {
                        range: format!("{}–{}", fmt_dur(b.min_ns), fmt_dur(b.max_ns)),
                        count: b.count,
                        pct: if max > 0 {
                            format!("{:.1}", b.count as f64 / max as f64 * 100.0)
                        } else {
                            "0".into()
                        },
                        link: format!(
                            "{base}&latmin={}&latmax={}",
                            encode(&go_duration(b.min_ns)),
                            encode(&go_duration(b.max_ns))
                        ),
                    })
                    .collect(),
                name: t.name,
            }
        })
        .collect();
    let title = if regions {
        "User-defined regions"
    } else {
        "User-defined tasks"
    };
    Ok(html(
        SpansPage {
            chrome: chrome(ui, title),
            data: PageData::new(&json!({"view": if regions { "regions" } else { "tasks" }})),
            regions,
            rows,
        }
        .render()?,
    ))
}

fn tasks(ui: &TraceUi, _: &Q) -> PageResult {
    span_page(ui, false)
}

fn regions(ui: &TraceUi, _: &Q) -> PageResult {
    span_page(ui, true)
}

/// A task or region filter: Go's `type`, `pc` (regions), `latmin`,
/// `latmax` (Go durations), and the resulting name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct SpanFilter {
    pub(crate) typ: Option<String>,
    pub(crate) pc: Option<u64>,
    pub(crate) latmin: Option<i64>,
    pub(crate) latmax: Option<i64>,
}

impl SpanFilter {
    /// As Go reads it (`newRegionFilter`): an unparsable `pc` or latency
    /// is ignored, as in Go.
    pub(crate) fn parse(q: &Q) -> SpanFilter {
        SpanFilter {
            typ: q.has("type").then(|| q.get("type").to_string()),
            pc: {
                let p = q.get("pc");
                u64::from_str_radix(p.trim_start_matches("0x"), 16).ok()
            },
            latmin: parse_go_duration(q.get("latmin")),
            latmax: parse_go_duration(q.get("latmax")),
        }
    }

    /// The query string that gives this filter back.
    pub(crate) fn query(&self) -> String {
        let mut v = Vec::new();
        if let Some(t) = &self.typ {
            v.push(format!("type={}", encode(t)));
        }
        if let Some(pc) = self.pc {
            v.push(format!("pc={pc:x}"));
        }
        if let Some(l) = self.latmin {
            v.push(format!("latmin={}", encode(&go_duration(l))));
        }
        if let Some(l) = self.latmax {
            v.push(format!("latmax={}", encode(&go_duration(l))));
        }
        v.join("&")
    }

    /// Go's name for the filter.
    pub(crate) fn title(&self) -> String {
        let mut v = Vec::new();
        if let Some(t) = &self.typ {
            v.push(format!("{t:?}"));
        }
        if let Some(pc) = self.pc {
            v.push(format!("@ 0x{pc:x}"));
        }
        if let Some(l) = self.latmin {
            v.push(format!("(latency >= {})", go_duration(l)));
        }
        if let Some(l) = self.latmax {
            v.push(format!("(latency <= {})", go_duration(l)));
        }
        v.join(" ")
    }

    fn type_matches(&self, t: &rprof_trace::analysis::timeline::SpanType) -> bool {
        let pc = t.frame.as_ref().map_or(0, |f| {
            u64::from_str_radix(f.pc.trim_start_matches("0x"), 16).unwrap_or(0)
        });
        self.typ.as_ref().is_none_or(|x| *x == t.name) && self.pc.is_none_or(|x| x == pc)
    }

    fn latency_matches(&self, d: i64) -> bool {
        self.latmin.is_none_or(|l| d >= l) && self.latmax.is_none_or(|l| d <= l)
    }

    /// The matching instances, with their type's name.
    pub(crate) fn instances(
        &self,
        ix: &rprof_trace::analysis::timeline::TimelineIndex,
        regions: bool,
    ) -> Result<Vec<(String, rprof_trace::analysis::timeline::SpanInstance)>, PageError> {
        let types = if regions {
            ix.region_types()
        } else {
            ix.task_types()
        };
        let mut out = Vec::new();
        for t in types.iter().filter(|t| self.type_matches(t)) {
            let inst = if regions {
                ix.region_instances(t.index)
            } else {
                ix.task_instances(t.index)
            }
            .map_err(|e| PageError::Failed(e.to_string()))?;
            out.extend(
                inst.into_iter()
                    .filter(|i| self.latency_matches(i.end - i.start))
                    .map(|i| (t.name.clone(), i)),
            );
        }
        Ok(out)
    }
}

struct InstanceRow {
    name: String,
    task: String,
    task_link: String,
    g: i64,
    start: String,
    dur: Ns,
    complete: bool,
    window: String,
}

#[derive(Template)]
#[template(path = "trace/instances.html")]
struct InstancesPage {
    chrome: Chrome,
    data: PageData,
    regions: bool,
    title: String,
    profiles: Vec<ProfileLink>,
    count: usize,
    left_out: usize,
    rows: Vec<InstanceRow>,
}

fn instances_page(ui: &TraceUi, q: &Q, regions: bool) -> PageResult {
    let ix = index_of(ui)?;
    let f = SpanFilter::parse(q);
    let mut inst = f.instances(&ix, regions)?;
    // The longest first, as Go sorts by total time.
    inst.sort_by_key(|(_, i)| (std::cmp::Reverse(i.end - i.start), i.start));
    let count = inst.len();
    let rows = inst
        .iter()
        .take(MAX_ROWS)
        .map(|(name, i)| {
            let pad = ((i.end - i.start) / 20).max(1000);
            InstanceRow {
                name: name.clone(),
                task: i.task.map(|t| t.to_string()).unwrap_or_default(),
                task_link: i
                    .task
                    .map(|t| format!("/trace?taskid={t}"))
                    .unwrap_or_default(),
                g: i.g,
                start: fmt_time(i.start),
                dur: Ns::new(i.end - i.start),
                complete: i.complete,
                window: format!("start={}&end={}", i.start - pad, i.end + pad),
            }
        })
        .collect();
    let what = if regions { "Regions" } else { "Tasks" };
    let title = format!("{what}: {}", f.title());
    Ok(html(
        InstancesPage {
            chrome: chrome(ui, &title),
            data: PageData::new(&json!({"view": if regions { "region" } else { "task" }})),
            regions,
            title,
            profiles: if regions {
                profile_links("region", &f.query())
            } else {
                Vec::new()
            },
            count,
            left_out: count.saturating_sub(MAX_ROWS),
            rows,
        }
        .render()?,
    ))
}

fn task_instances(ui: &TraceUi, q: &Q) -> PageResult {
    instances_page(ui, q, false)
}

fn region_instances(ui: &TraceUi, q: &Q) -> PageResult {
    instances_page(ui, q, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        for (ns, s) in [
            (0, "0s"),
            (384, "384ns"),
            (46_144, "46.144µs"),
            (100_000, "100µs"),
            (1_500_000, "1.5ms"),
            (2_000_000_000, "2s"),
            (62_000_000_001, "1m2.000000001s"),
            (3_600_000_000_000, "1h0m0s"),
        ] {
            assert_eq!(go_duration(ns), s);
            assert_eq!(parse_go_duration(s), Some(ns), "{s}");
        }
        assert_eq!(parse_go_duration("1.5us"), Some(1500));
        assert_eq!(parse_go_duration("x"), None);
        assert_eq!(parse_go_duration(""), None);
        assert_eq!(fmt_time(1_500_000_001), "1.500000001s");
    }
}
