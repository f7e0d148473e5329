//! `top`: pprof's `-top` / `-text` table.

use crate::Report;
use crate::header::graph_labels;
use rprof_profile::measurement::percentage;
use std::fmt::Write;

/// Writes the `top` report. `node_count: None` in the options means
/// unlimited, as for pprof's command-line `-top`.
pub fn write_top(r: &Report, out: &mut String) {
    let keys = crate::graph::NodeKeys::for_report(r);
    let node_count = r.options().node_count.unwrap_or(0);
    let node_count = if r.options().trim { node_count } else { 0 };
    let mut t = crate::graph::trimmed_graph(r, &keys, node_count);
    let r = &r.with_unit_for(t.graph.min_value());
    let g = &t.graph;
    let labels = graph_labels(r, &t, false);
    for l in labels {
        out.push_str(&l);
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{:>10} {:>5}% {:>5}% {:>10} {:>5}%",
        "flat", "flat", "sum", "cum", "cum"
    );
    let mut flat_sum = 0i64;
    for n in &g.nodes {
        let (mut inline, mut noinline) = (false, false);
        for &e in &n.in_edges {
            if g.edges[e as usize].inline {
                inline = true;
            } else {
                noinline = true;
            }
        }
        let inl = match (inline, noinline) {
            (true, true) => " (partial-inline)",
            (true, false) => " (inline)",
            _ => "",
        };
        let (flat, cum) = (n.flat_value(), n.cum_value());
        flat_sum += flat;
        let _ = writeln!(
            out,
            "{:>10} {} {} {:>10} {}  {}{}",
            r.format_value(flat),
            percentage(flat, r.total()),
            percentage(flat_sum, r.total()),
            r.format_value(cum),
            percentage(cum, r.total()),
            t.names.get(n.key),
            inl
        );
    }
}
