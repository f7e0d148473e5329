//! `rprof report -o report.html`: the flame graph, top table and call
//! graph of a profile in one self-contained HTML file.
//!
//! The file is the server's pages put together: the same layout, styles
//! and scripts (inlined), the same data (embedded as JSON), no server and
//! no network, so it opens from `file://` and can be attached to a ticket.
//! Its size is bounded like the server's answers: the flame graph is
//! pruned as [`crate::flame`] prunes the first view (with a larger frame
//! budget, since nothing can be fetched later), the top table has at most
//! 500 rows and the graph pprof's 80 nodes.

use crate::flame;
use crate::page::{ASSETS, Chrome, PageData};
use crate::pipeline::{Pipeline, Selection};
use crate::views::{ViewError, embeddable_svg};
use askama::Template;
use rprof_report::ReportOptions;
use serde_json::json;

/// Frames of the report's flame graph.
const REPORT_MAX_NODES: usize = 40_000;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    data: PageData,
    svg: String,
    renderer: &'static str,
}

/// The self-contained HTML report of `sel` with `opts`; `title` names the
/// profile(s) in the page.
pub fn standalone_report(
    pipeline: &Pipeline,
    sel: &Selection,
    opts: &ReportOptions,
    title: &str,
) -> Result<String, ViewError> {
    let f = pipeline.filtered(sel, opts)?;
    let legend = f.legend()?;
    let mut top_opts = opts.clone();
    if top_opts.node_count.is_none() {
        top_opts.node_count = Some(500);
    }
    let top = pipeline.filtered(sel, &top_opts)?.top()?;
    let (svg, renderer) = f.graph_svg(false)?;
    let notes = f.notes();
    drop(f);
    let key = format!("report|{opts:?}");
    let t = pipeline.flame_tree(&key, sel, opts, false)?;
    let tree = flame::subtree(&t, 0, flame::MIN_FRACTION, REPORT_MAX_NODES);
    let data = json!({
        "view": "report",
        "standalone": true,
        "query": "",
        "flame": {
            "total": t.total,
            "type": t.sample_type,
            "unit": t.unit,
            "diff": t.tree.is_diff(),
            "tree": tree,
        },
        "top": top,
    });
    let ty = legend
        .iter()
        .find_map(|l| l.strip_prefix("Type: "))
        .unwrap_or("");
    let mut chrome = Chrome {
        title: format!("{title} {ty}"),
        home: "#flame".into(),
        subtitle: format!("{title} {ty}"),
        legend,
        search: true,
        errors: notes,
        styles: vec!["rprof.css"],
        scripts: vec!["common.js", "flame.js", "top.js", "graph.js"],
        ..Default::default()
    };
    chrome.inline(ASSETS);
    Ok(ReportPage {
        chrome,
        data: PageData::new(&data),
        svg: embeddable_svg(&svg),
        renderer,
    }
    .render()?)
}
