//! `top`: pprof's `-top` / `-text` table, as text ([`write_top`]) or as
//! data ([`top_table`], for JSON and the web UI): the same rows either way.

use crate::Report;
use crate::header::graph_labels;
use rprof_profile::measurement::percentage;
use serde::Serialize;
use std::fmt::Write;

/// The `top` report as data.
#[derive(Clone, Debug, Serialize)]
pub struct TopTable {
    /// The denominator of every percentage.
    pub total: i64,
    /// The header lines (File, Type, …, Showing nodes accounting for …).
    pub legend: Vec<String>,
    /// The rows, in pprof's order.
    pub rows: Vec<TopRow>,
}

/// One row of [`TopTable`].
#[derive(Clone, Debug, Serialize)]
pub struct TopRow {
    /// The node's own value.
    pub flat: i64,
    /// Its value with its callees.
    pub cum: i64,
    /// `flat` as `top` prints it (in the report's unit).
    pub flat_text: String,
    /// `cum` as `top` prints it.
    pub cum_text: String,
    /// pprof's printable name.
    pub name: String,
    /// `(inline)` when every call into it was inlined, `(partial-inline)`
    /// when some were, else empty.
    pub inline: &'static str,
}

/// The rows of the `top` report. `node_count: None` in the options means
/// unlimited, as for pprof's command-line `-top`.
pub fn top_table(r: &Report) -> TopTable {
    let keys = crate::graph::NodeKeys::for_report(r);
    let node_count = r.options().node_count.unwrap_or(0);
    let node_count = if r.options().trim { node_count } else { 0 };
    let mut t = crate::graph::trimmed_graph(r, &keys, node_count);
    let r = &r.with_unit_for(t.graph.min_value());
    let legend = graph_labels(r, &t, false);
    let g = &t.graph;
    let mut rows = Vec::with_capacity(g.nodes.len());
    for n in &g.nodes {
        let (mut inline, mut noinline) = (false, false);
        for &e in &n.in_edges {
            if g.edges[e as usize].inline {
                inline = true;
            } else {
                noinline = true;
            }
        }
        let (flat, cum) = (n.flat_value(), n.cum_value());
        rows.push(TopRow {
            flat,
            cum,
            flat_text: r.format_value(flat),
            cum_text: r.format_value(cum),
            name: t.names.get(n.key).to_string(),
            inline: match (inline, noinline) {
                (true, true) => "(partial-inline)",
                (true, false) => "(inline)",
                _ => "",
            },
        });
    }
    TopTable {
        total: r.total(),
        legend,
        rows,
    }
}

/// Writes the `top` report.
pub fn write_top(r: &Report, out: &mut String) {
    let t = top_table(r);
    for l in &t.legend {
        out.push_str(l);
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{:>10} {:>5}% {:>5}% {:>10} {:>5}%",
        "flat", "flat", "sum", "cum", "cum"
    );
    let mut flat_sum = 0i64;
    for row in &t.rows {
        flat_sum += row.flat;
        let _ = writeln!(
            out,
            "{:>10} {} {} {:>10} {}  {}{}{}",
            row.flat_text,
            percentage(row.flat, t.total),
            percentage(flat_sum, t.total),
            row.cum_text,
            percentage(row.cum, t.total),
            row.name,
            if row.inline.is_empty() { "" } else { " " },
            row.inline
        );
    }
}
