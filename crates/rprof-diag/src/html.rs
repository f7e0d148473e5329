//! The goroutine page: one self-contained HTML document (inline CSS, no
//! script) with the dumps' preambles and every bucket with its stack,
//! rendered with askama, which escapes every string from the dump.

use crate::error::DiagError;
use crate::goroutines::GoroutineReport;
use askama::Template;

#[derive(Template)]
#[template(path = "goroutines.html")]
struct Page<'a> {
    title: String,
    report: &'a GoroutineReport,
    buckets: Vec<BucketView>,
    many_dumps: bool,
}

/// What the template shows of a bucket, as text.
struct BucketView {
    count: u64,
    states: String,
    wait: String,
    labels: String,
    per_dump: String,
    ids: String,
    leak: Option<String>,
    crashing: bool,
    frames: Vec<FrameView>,
    elided: Option<String>,
    created_by: Option<String>,
}

struct FrameView {
    call: String,
    place: String,
    runtime: bool,
}

/// The page for `r`.
pub fn goroutines_html(r: &GoroutineReport) -> Result<String, DiagError> {
    let buckets = r
        .buckets
        .iter()
        .map(|b| {
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
                (a, z) if a == z => format!("{z} minutes"),
                (a, z) => format!("{a}-{z} minutes"),
            };
            let more = if b.count > b.ids.len() as u64 {
                ", …"
            } else {
                ""
            };
            BucketView {
                count: b.count,
                states,
                wait,
                labels: b
                    .labels
                    .iter()
                    .map(|l| format!("{}: {}", l.key, l.value))
                    .collect::<Vec<_>>()
                    .join(", "),
                per_dump: b
                    .per_dump
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(" → "),
                ids: format!(
                    "{}{more}",
                    b.ids
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                leak: b.leak.clone(),
                crashing: b.crashing,
                frames: b
                    .frames
                    .iter()
                    .map(|f| FrameView {
                        call: format!("{}({})", f.function, f.args),
                        place: format!("{}:{}", f.file, f.line),
                        runtime: f.function.starts_with("runtime.")
                            || f.function.starts_with("internal/"),
                    })
                    .collect(),
                elided: b.elided.clone(),
                created_by: b.created_by.as_ref().map(|c| {
                    let parents = match b.parents.as_slice() {
                        [] => String::new(),
                        p => format!(
                            " in goroutine {}",
                            p.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    format!("{}{parents} at {}:{}", c.function, c.file, c.line)
                }),
            }
        })
        .collect();
    let names: Vec<&str> = r.sources.iter().map(|s| s.name.as_str()).collect();
    let page = Page {
        title: format!("goroutines: {}", names.join(", ")),
        report: r,
        buckets,
        many_dumps: r.dumps.len() > 1,
    };
    Ok(page.render()?)
}
