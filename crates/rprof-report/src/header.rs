//! The header lines pprof prints above its reports (`ProfileLabels` and
//! `reportLabels` in pprof's report package).

use crate::Report;
use crate::base_name;
use crate::timefmt::header_time;
use rprof_profile::measurement;

/// File, Build ID, comments, Type, Doc, Time, Duration/Total samples.
pub fn profile_labels(r: &Report) -> Vec<String> {
    let p = r.profile();
    let mut out = Vec::new();
    if let Some(m) = p.main_mapping() {
        if m.file != 0 && !p.str(m.file).is_empty() {
            out.push(format!("File: {}", base_name(p.str(m.file))));
        }
        if m.build_id != 0 && !p.str(m.build_id).is_empty() {
            out.push(format!("Build ID: {}", p.str(m.build_id)));
        }
    }
    for &c in &p.comments {
        let c = p.str(c);
        if !c.starts_with('#') {
            out.push(c.to_string());
        }
    }
    if !r.sample_type().is_empty() {
        out.push(format!("Type: {}", r.sample_type()));
    }
    if p.doc_url != 0 && !p.str(p.doc_url).is_empty() {
        out.push(format!("Doc: {}", p.str(p.doc_url)));
    }
    if p.time_nanos != 0 {
        out.push(format!("Time: {}", header_time(p.time_nanos)));
    }
    if p.duration_nanos != 0 {
        let duration = measurement::label(p.duration_nanos, "nanoseconds");
        let (total_nanos, total_unit) =
            measurement::scale(r.total(), r.sample_unit(), "nanoseconds");
        let ratio = if total_unit == "ns" && total_nanos != 0.0 {
            format!(
                "({})",
                measurement::percentage(total_nanos as i64, p.duration_nanos)
            )
        } else {
            String::new()
        };
        out.push(format!(
            "Duration: {duration}, Total samples = {} {ratio}",
            r.format_value(r.total())
        ));
    }
    out
}

/// What a trimmed graph report says about itself (pprof's
/// `reportLabels`): the profile labels unless compact, active filters,
/// "Showing nodes accounting for…", dropped nodes/edges, top N of M.
pub struct Shown {
    pub shown_total: i64,
    pub node_count: usize,
    pub orig_count: usize,
    pub dropped_nodes: usize,
    pub dropped_edges: usize,
}

/// The labels above a trimmed-graph report (top, tree, dot): what the
/// shown nodes add up to, and what trimming dropped. Text reports do not
/// mention dropped edges; the DOT legend does, with the full header.
pub fn graph_labels(r: &Report, t: &crate::graph::TrimmedGraph, dot: bool) -> Vec<String> {
    let g = &t.graph;
    report_labels(
        r,
        &Shown {
            shown_total: g.nodes.iter().map(|n| n.flat_value()).sum(),
            node_count: g.nodes.len(),
            orig_count: t.orig_count,
            dropped_nodes: t.dropped_nodes,
            dropped_edges: if dot { t.dropped_edges } else { 0 },
        },
        dot,
    )
}

/// pprof's `reportLabels`.
pub fn report_labels(r: &Report, s: &Shown, full_headers: bool) -> Vec<String> {
    let mut out = if full_headers || !r.options().compact_labels {
        profile_labels(r)
    } else {
        Vec::new()
    };
    if !r.active_filters().is_empty() {
        out.push("Active filters:".to_string());
        for f in r.active_filters() {
            if f.len() > 80 {
                let mut cut = 80;
                while !f.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.push(format!("   {}…", &f[..cut]));
            } else {
                out.push(format!("   {f}"));
            }
        }
    }
    out.push(format!(
        "Showing nodes accounting for {}, {} of {} total",
        r.format_value(s.shown_total),
        measurement::percentage(s.shown_total, r.total()).trim(),
        r.format_value(r.total())
    ));
    if r.total() != 0 {
        if s.dropped_nodes > 0 {
            let cut = ((r.total() as f64 * r.node_fraction()) as i64).abs();
            out.push(dropped(
                s.dropped_nodes,
                "node",
                "cum",
                &r.format_value(cut),
            ));
        }
        if s.dropped_edges > 0 {
            let cut = ((r.total() as f64 * r.edge_fraction()) as i64).abs();
            out.push(dropped(
                s.dropped_edges,
                "edge",
                "freq",
                &r.format_value(cut),
            ));
        }
        if s.node_count > 0 && s.node_count < s.orig_count {
            out.push(format!(
                "Showing top {} nodes out of {}",
                s.node_count, s.orig_count
            ));
        }
    }
    if full_headers {
        out.push("\nSee https://git.io/JfYMW for how to read the graph".to_string());
    }
    out
}

fn dropped(n: usize, what: &str, measure: &str, cut: &str) -> String {
    let s = if n > 1 { "s" } else { "" };
    format!("Dropped {n} {what}{s} ({measure} <= {cut})")
}
