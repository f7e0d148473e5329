//! The four pages, their view models and routes.
//!
//! Each page is one askama template extending `layout.html`; the view
//! models below turn rprof-diag's reports into text cells, formatted as
//! the text outputs format them ([`format_num`], [`format_bytes`]), so
//! the page and `rprof … ` (text) show the same figures. Exact values
//! ride along in `data-` attributes for scripts and tests.

use super::model::Diagnostics;
use crate::page::{Chrome, Menu, MenuItem, PageData};
use crate::pipeline::{Inputs, Pipeline, Source};
use crate::views::{ProfileUi, profile_router};
use askama::Template;
use axum::Router;
use rprof_diag::{
    Bucket, GcReport, GoroutineReport, MemReport, MemSeries, Percentiles, RaceFrame, RaceSummary,
    format_bytes, format_num,
};
use serde_json::json;
use std::sync::Arc;

/// Why a page could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiagError {
    /// The template failed.
    #[error("rendering the {page} page: {source}")]
    Render {
        /// Which page.
        page: &'static str,
        /// Why.
        source: askama::Error,
    },
    /// A chart could not be drawn.
    #[error("drawing the {page} chart: {source}")]
    Chart {
        /// Which page.
        page: &'static str,
        /// Why.
        source: rprof_diag::DiagError,
    },
    /// The goroutine profile could not be loaded into the profile UI.
    #[error("the goroutine profile of the dump: {0}")]
    Profile(String),
}

/// At most this many rows in a table of cycles (the page says how many
/// were left out; the CSV has them all).
const MAX_ROWS: usize = 10_000;

/// The dump as a goroutine profile, in a profile UI with a way back.
pub(super) fn goroutine_profile_ui(r: &GoroutineReport, title: &str) -> Result<Router, DiagError> {
    let profile = rprof_diag::goroutine_profile(r);
    let pipeline = Pipeline::new(Inputs {
        profiles: vec![Source {
            name: format!("goroutines of {title}"),
            profile: Arc::new(profile),
        }],
        ..Default::default()
    })
    .map_err(|e| DiagError::Profile(e.to_string()))?;
    let back = Menu {
        label: "Goroutines".into(),
        id: "diag-back".into(),
        items: vec![MenuItem::link("Buckets and stacks", "/").id("nav-buckets")],
    };
    Ok(profile_router(Arc::new(
        ProfileUi::new(pipeline).with_menu(back),
    )))
}

pub(super) fn render(d: &Diagnostics, title: &str) -> Result<String, DiagError> {
    match d {
        Diagnostics::Goroutines(r) => goroutines(r, title),
        Diagnostics::Gctrace(r) => gctrace(r, title),
        Diagnostics::Memstats(r) => memstats(r, title),
        Diagnostics::Race(r) => race(r, title),
    }
}

/// The header of every diagnostics page.
fn chrome(kind: &str, title: &str, legend: Vec<String>, search: bool) -> Chrome {
    let mut menus = Vec::new();
    if kind == "goroutines" {
        menus.push(Menu {
            label: "Profile".into(),
            id: "diag-profile".into(),
            items: vec![
                MenuItem::link("Flame graph", "/pprof/ui/flamegraph").id("profile-flame"),
                MenuItem::link("Top", "/pprof/ui/top").id("profile-top"),
                MenuItem::link("Graph", "/pprof/ui/graph").id("profile-graph"),
                MenuItem::link("Labels", "/pprof/ui/labels").id("profile-labels"),
                MenuItem::link("Download (pprof)", "/pprof/ui/download").id("profile-download"),
            ],
        });
    }
    Chrome {
        title: format!("{kind} · {title}"),
        home: "/".into(),
        subtitle: title.to_string(),
        legend,
        menus,
        search,
        styles: vec!["rprof.css", "diag.css"],
        scripts: vec!["common.js", "diag.js"],
        ..Default::default()
    }
}

/// The lines a source skipped, for the details box and the page.
fn skipped(sources: &[rprof_diag::Source]) -> Vec<String> {
    let mut v = Vec::new();
    for s in sources {
        if s.skipped.count > 0 {
            v.push(format!(
                "{}: {} line{} not understood",
                s.name,
                s.skipped.count,
                if s.skipped.count == 1 { "" } else { "s" }
            ));
            for l in &s.skipped.first {
                v.push(format!("  line {}: {}: {}", l.line, l.reason, l.text));
            }
        }
    }
    v
}

fn legend(sources: &[rprof_diag::Source]) -> Vec<String> {
    let mut v: Vec<String> = sources
        .iter()
        .map(|s| format!("Input: {} ({} lines)", s.name, s.lines))
        .collect();
    v.extend(skipped(sources));
    v
}

fn render_page(t: &impl Template, page: &'static str) -> Result<String, DiagError> {
    t.render()
        .map_err(|source| DiagError::Render { page, source })
}

/// An SVG document as markup for inside a page (no XML declaration).
fn inline_svg(svg: &str) -> String {
    match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg.to_string(),
    }
}

// ---------------------------------------------------------------------------
// goroutines

#[derive(Template)]
#[template(path = "diag/goroutines.html")]
struct GoroutinesPage {
    chrome: Chrome,
    data: PageData,
    goroutines: u64,
    similar: bool,
    dumps: Vec<DumpView>,
    buckets: Vec<BucketView>,
    many_dumps: bool,
    leaks: usize,
    skipped: Vec<String>,
}

struct DumpView {
    what: String,
    headline: Option<String>,
    preamble: Vec<String>,
    truncated: bool,
}

struct BucketView {
    count: u64,
    states: String,
    wait: String,
    wait_max: u64,
    top: String,
    created_fn: String,
    created: Option<String>,
    labels: String,
    per_dump: String,
    ids: String,
    leak: Option<String>,
    leaked: u64,
    locked: u64,
    crashing: bool,
    frames: Vec<FrameView>,
    elided: Option<String>,
}

struct FrameView {
    function: String,
    args: String,
    place: String,
    runtime: bool,
}

fn join<T: ToString>(v: &[T], sep: &str) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(sep)
}

fn is_runtime(function: &str) -> bool {
    function.starts_with("runtime.") || function.starts_with("internal/")
}

fn bucket_view(b: &Bucket) -> BucketView {
    let states = b
        .states
        .iter()
        .map(|s| {
            if b.states.len() == 1 {
                s.state.clone()
            } else {
                format!("{} {}", s.count, s.state)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let wait = match (b.wait_minutes.min, b.wait_minutes.max) {
        (_, 0) => String::new(),
        (a, z) if a == z => format!("{z} min"),
        (a, z) => format!("{a}-{z} min"),
    };
    let more = if b.count > b.ids.len() as u64 {
        ", …"
    } else {
        ""
    };
    // The first frame of the program's own, else the first: what a reader
    // looks for in a bucket.
    let top = b
        .frames
        .iter()
        .find(|f| !is_runtime(&f.function))
        .or(b.frames.first())
        .map(|f| f.function.clone())
        .unwrap_or_default();
    let parents = match b.parents.as_slice() {
        [] => String::new(),
        [one] => format!(" in goroutine {one}"),
        many => format!(" in goroutines {}", join(many, ", ")),
    };
    BucketView {
        count: b.count,
        states,
        wait,
        wait_max: b.wait_minutes.max,
        top,
        created_fn: b
            .created_by
            .as_ref()
            .map(|c| c.function.clone())
            .unwrap_or_default(),
        created: b
            .created_by
            .as_ref()
            .map(|c| format!("{}{parents} at {}:{}", c.function, c.file, c.line)),
        labels: b
            .labels
            .iter()
            .map(|l| format!("{}: {}", l.key, l.value))
            .collect::<Vec<_>>()
            .join(", "),
        per_dump: join(&b.per_dump, " → "),
        ids: format!("{}{more}", join(&b.ids, ", ")),
        leak: b.leak.clone(),
        leaked: b.leaked,
        locked: b.locked_to_thread,
        crashing: b.crashing,
        frames: b
            .frames
            .iter()
            .map(|f| FrameView {
                function: f.function.clone(),
                args: f.args.clone(),
                place: format!("{}:{}", f.file, f.line),
                runtime: is_runtime(&f.function),
            })
            .collect(),
        elided: b.elided.clone(),
    }
}

fn goroutines(r: &GoroutineReport, title: &str) -> Result<String, DiagError> {
    let buckets: Vec<BucketView> = r.buckets.iter().map(bucket_view).collect();
    let dumps = r
        .dumps
        .iter()
        .enumerate()
        .map(|(i, d)| DumpView {
            what: format!(
                "{}{} (line {}): {} goroutines",
                if r.dumps.len() > 1 {
                    format!("dump {}: ", i + 1)
                } else {
                    String::new()
                },
                d.source,
                d.first_line,
                d.goroutines
            ),
            headline: d.headline.clone(),
            preamble: d.preamble.clone(),
            truncated: d.truncated,
        })
        .collect();
    let page = GoroutinesPage {
        chrome: chrome("goroutines", title, legend(&r.sources), true),
        data: PageData::new(&json!({"page": "goroutines", "buckets": r.buckets.len()})),
        goroutines: r.goroutines,
        similar: r.similar,
        dumps,
        leaks: buckets.iter().filter(|b| b.leak.is_some()).count(),
        buckets,
        many_dumps: r.dumps.len() > 1,
        skipped: skipped(&r.sources),
    };
    render_page(&page, "goroutines")
}

// ---------------------------------------------------------------------------
// gctrace

#[derive(Template)]
#[template(path = "diag/gctrace.html")]
struct GctracePage {
    chrome: Chrome,
    data: PageData,
    runs: Vec<RunView>,
    columns: &'static [&'static str],
    chart: String,
    skipped: Vec<String>,
}

struct RunView {
    source: String,
    facts: Vec<(String, String)>,
    cycles: Vec<Vec<String>>,
    numbers: Vec<u64>,
    left_out: usize,
}

fn pcts(p: &Percentiles) -> String {
    format!(
        "p50 {}  p99 {}  max {}",
        format_num(p.p50, 3),
        format_num(p.p99, 3),
        format_num(p.max, 3)
    )
}

/// The columns of the per-cycle table, as `rprof gctrace` prints them.
const GC_COLUMNS: [&str; 13] = [
    "gc", "@s", "cpu%", "stw1 ms", "mark ms", "stw2 ms", "assist", "bg", "idle", "heap MB", "goal",
    "P", "flags",
];

fn gctrace(r: &GcReport, title: &str) -> Result<String, DiagError> {
    let runs = r
        .traces
        .iter()
        .map(|t| {
            let s = &t.summary;
            let mut facts = vec![
                (
                    "Cycles".to_string(),
                    format!(
                        "{} from {} s to {} s{}",
                        s.cycles,
                        format_num(s.first_at_s, 3),
                        format_num(s.last_at_s, 3),
                        s.cycles_per_minute
                            .map(|r| format!(" ({} per minute)", format_num(r, 1)))
                            .unwrap_or_default()
                    ),
                ),
                (
                    "GC CPU".into(),
                    format!(
                        "{}% (Go's figure since start), {} P",
                        s.gc_cpu_percent, s.procs
                    ),
                ),
                ("STW sweep termination ms".into(), pcts(&s.sweep_term_ms)),
                ("STW mark termination ms".into(), pcts(&s.mark_term_ms)),
                (
                    "STW in all".into(),
                    format!("{} ms", format_num(s.stw_total_ms, 3)),
                ),
            ];
            if let Some(a) = s.assist_share {
                facts.push((
                    "Assists".into(),
                    format!(
                        "{}% of marking CPU{}",
                        format_num(a * 100.0, 1),
                        if a >= 0.25 {
                            " (allocation outruns the collector)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            facts.push((
                "Live heap".into(),
                format!(
                    "{} → {} MB (max {}), goal {} → {} MB, peak heap {} MB",
                    s.live_heap_mb.first,
                    s.live_heap_mb.last,
                    s.live_heap_mb.max,
                    s.goal_mb.first,
                    s.goal_mb.last,
                    s.peak_heap_mb
                ),
            ));
            facts.push((
                "Forced".into(),
                format!(
                    "{}, goroutine leak checks: {}, scavenger: {} lines ({} KiB returned)",
                    s.forced, s.leak_checks, s.scavenges, s.scavenged_kib
                ),
            ));
            let shown = t.cycles.len().min(MAX_ROWS);
            let cycles = t.cycles[..shown]
                .iter()
                .map(|c| {
                    let mut flags = Vec::new();
                    if c.forced {
                        flags.push("forced");
                    }
                    if c.leak_check {
                        flags.push("leak-check");
                    }
                    vec![
                        c.n.to_string(),
                        format_num(c.at_s, 3),
                        c.cpu_percent.to_string(),
                        format_num(c.sweep_term_ms, 3),
                        format_num(c.mark_ms, 3),
                        format_num(c.mark_term_ms, 3),
                        format_num(c.cpu_assist_ms, 3),
                        format_num(c.cpu_background_ms, 3),
                        format_num(c.cpu_idle_ms, 3),
                        format!("{}->{}->{}", c.heap_start_mb, c.heap_end_mb, c.heap_live_mb),
                        c.goal_mb.to_string(),
                        c.procs.to_string(),
                        flags.join(" "),
                    ]
                })
                .collect();
            RunView {
                source: t.source.clone(),
                facts,
                numbers: t.cycles[..shown].iter().map(|c| c.n).collect(),
                cycles,
                left_out: t.cycles.len() - shown,
            }
        })
        .collect();
    let chart =
        rprof_diag::gctrace_svg(r, &Default::default()).map_err(|source| DiagError::Chart {
            page: "gctrace",
            source,
        })?;
    let page = GctracePage {
        chrome: chrome("gctrace", title, legend(&r.sources), false),
        data: PageData::new(&json!({"page": "gctrace"})),
        runs,
        columns: &GC_COLUMNS,
        chart: inline_svg(&chart),
        skipped: skipped(&r.sources),
    };
    render_page(&page, "gctrace")
}

// ---------------------------------------------------------------------------
// memstats

#[derive(Template)]
#[template(path = "diag/memstats.html")]
struct MemstatsPage {
    chrome: Chrome,
    data: PageData,
    series: Vec<SeriesView>,
    chart: String,
    skipped: Vec<String>,
}

struct SeriesView {
    source: String,
    what: String,
    metrics: Vec<[String; 5]>,
    facts: Vec<(String, String)>,
    trends: Vec<(String, String, bool)>,
    leak: Option<String>,
    judged: bool,
}

fn series_view(s: &MemSeries) -> SeriesView {
    let sum = &s.summary;
    let times = match s.times {
        rprof_diag::TimeBasis::Documents => "times from the documents",
        rprof_diag::TimeBasis::Interval => "snapshots taken to be evenly spaced",
        rprof_diag::TimeBasis::IntervalFromLastGc => {
            "snapshots taken to be evenly spaced from the first LastGC"
        }
        rprof_diag::TimeBasis::IntervalFromZero => {
            "snapshots taken to be evenly spaced, start unknown"
        }
    };
    let metrics = sum
        .metrics
        .iter()
        .map(|m| {
            let f = |v: f64| {
                if m.unit == "bytes" {
                    format_bytes(v)
                } else {
                    format_num(v, 3)
                }
            };
            [
                m.label.to_string(),
                f(m.first),
                f(m.last),
                f(m.min),
                f(m.max),
            ]
        })
        .collect();
    let mut facts = Vec::new();
    if let Some(n) = sum.gc_cycles {
        facts.push(("GC cycles".to_string(), n.to_string()));
    }
    if let Some(p) = &sum.pause_ms {
        facts.push(("GC pauses ms".into(), pcts(p)));
    }
    if let Some(f) = sum.gc_cpu_fraction {
        facts.push(("GC CPU".into(), format!("{}%", format_num(f * 100.0, 2))));
    }
    if let Some(a) = sum.alloc_bytes_per_s {
        facts.push(("Allocation rate".into(), format!("{}/s", format_bytes(a))));
    }
    let trends = sum
        .trends
        .iter()
        .map(|t| {
            let f = |v: f64| {
                if t.metric == "goroutines" {
                    format_num(v, 0)
                } else {
                    format_bytes(v)
                }
            };
            (
                format!("{} ({})", t.metric, t.column),
                format!(
                    "lowest {} (at {} s) → {} (at {} s)",
                    f(t.from),
                    format_num(t.from_s, 1),
                    f(t.to),
                    format_num(t.to_s, 1)
                ),
                t.rising,
            )
        })
        .collect();
    SeriesView {
        source: s.source.clone(),
        what: format!(
            "{} snapshot{} over {} s ({times})",
            sum.snapshots,
            if sum.snapshots == 1 { "" } else { "s" },
            format_num(sum.span_s, 1)
        ),
        metrics,
        facts,
        trends,
        leak: sum.leak.clone(),
        judged: !sum.trends.is_empty(),
    }
}

fn memstats(r: &MemReport, title: &str) -> Result<String, DiagError> {
    let series: Vec<SeriesView> = r.series.iter().map(series_view).collect();
    let chart =
        rprof_diag::memstats_svg(r, &Default::default()).map_err(|source| DiagError::Chart {
            page: "memstats",
            source,
        })?;
    let page = MemstatsPage {
        chrome: chrome("memstats", title, legend(&r.sources), false),
        data: PageData::new(&json!({"page": "memstats"})),
        series,
        chart: inline_svg(&chart),
        skipped: skipped(&r.sources),
    };
    render_page(&page, "memstats")
}

// ---------------------------------------------------------------------------
// race

#[derive(Template)]
#[template(path = "diag/race.html")]
struct RacePage {
    chrome: Chrome,
    data: PageData,
    reports: u64,
    found: u64,
    pairs: Vec<PairView>,
    skipped: Vec<String>,
}

struct PairView {
    count: u64,
    locations: [String; 2],
    tests: String,
    sources: String,
    location: Option<String>,
    stacks: Vec<StackView>,
}

struct StackView {
    title: String,
    frames: Vec<FrameView>,
}

fn race_frames(frames: &[RaceFrame]) -> Vec<FrameView> {
    frames
        .iter()
        .map(|f| FrameView {
            function: f.function.clone(),
            args: String::new(),
            place: format!("{}:{}", f.file, f.line),
            runtime: is_runtime(&f.function),
        })
        .collect()
}

fn race_location(f: &RaceFrame) -> String {
    format!("{} {}:{}", f.function, f.file, f.line)
}

fn race(r: &RaceSummary, title: &str) -> Result<String, DiagError> {
    let pairs = r
        .pairs
        .iter()
        .map(|p| {
            let first = &p.first;
            let mut stacks: Vec<StackView> = first
                .accesses
                .iter()
                .map(|a| {
                    let mut t = if a.previous {
                        format!("Previous {} at {}", a.kind.to_lowercase(), a.address)
                    } else {
                        format!("{} at {}", a.kind, a.address)
                    };
                    if let Some(g) = a.goroutine {
                        t.push_str(&format!(" by goroutine {g}"));
                    }
                    StackView {
                        title: t,
                        frames: race_frames(&a.frames),
                    }
                })
                .collect();
            if !first.allocated.is_empty() {
                stacks.push(StackView {
                    title: "Heap block allocated at".into(),
                    frames: race_frames(&first.allocated),
                });
            }
            for c in &first.created {
                stacks.push(StackView {
                    title: format!("Goroutine {} ({}) created at", c.goroutine, c.state),
                    frames: race_frames(&c.frames),
                });
            }
            PairView {
                count: p.count,
                locations: [
                    race_location(&p.locations[0]),
                    race_location(&p.locations[1]),
                ],
                tests: p.tests.join(", "),
                sources: p.sources.join(", "),
                location: first.location.clone(),
                stacks,
            }
        })
        .collect();
    let page = RacePage {
        chrome: chrome("race", title, legend(&r.sources), false),
        data: PageData::new(&json!({"page": "race"})),
        reports: r.reports,
        found: r.found,
        pairs,
        skipped: skipped(&r.sources),
    };
    render_page(&page, "race")
}
