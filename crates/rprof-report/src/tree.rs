//! `tree` and `peek`: pprof's `-tree` and `-peek=RE` (`printTree` in
//! pprof's report package).
//!
//! For every node of the trimmed graph, in the text order (flat, or cum
//! with `--cum`): its callers (in-edges) with the edge weight and its share
//! of the node's cum, the node line, then its callees. `peek` prints only
//! the nodes whose printable name matches a regex, over the untrimmed
//! graph (pprof turns trimming off for it), and fails when none matches.

use crate::Report;
use crate::graph::{Graph, NameCache, sort_edges};
use crate::header::graph_labels;
use rprof_profile::measurement::percentage;
use std::fmt::Write;

const SEPARATOR: &str = "----------------------------------------------------------+-------------";
const LEGEND: &str = "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";

/// Nothing matched the `peek` regex (pprof's message, word for word).
#[derive(Debug, thiserror::Error)]
#[error("no matches found for regexp: {0}")]
pub struct NoMatches(pub String);

/// Writes the `tree` report. `node_count: None` in the options means
/// pprof's default for this report, 80.
pub fn write_tree(r: &Report, out: &mut String) {
    let node_count = if r.options().trim {
        r.options().node_count.unwrap_or(80)
    } else {
        0
    };
    print_tree(r, node_count, None, out);
}

/// Writes the `peek` report for the nodes whose printable name matches
/// `re`. Trimming is off, whatever the options say (as in pprof). On
/// [`NoMatches`] `out` is left as it was.
pub fn write_peek(r: &Report, re: &regex::Regex, out: &mut String) -> Result<(), NoMatches> {
    let r = &r.untrimmed();
    let mut text = String::new();
    if print_tree(r, 0, Some(re), &mut text) == 0 {
        return Err(NoMatches(re.as_str().to_string()));
    }
    out.push_str(&text);
    Ok(())
}

/// pprof's `printTree`; returns how many nodes were printed.
fn print_tree(r: &Report, node_count: usize, re: Option<&regex::Regex>, out: &mut String) -> usize {
    let keys = crate::graph::NodeKeys::for_report(r);
    let mut t = crate::graph::trimmed_graph(r, &keys, node_count);
    let r = &r.with_unit_for(t.graph.min_value());
    let g = &t.graph;
    let labels = graph_labels(r, &t, false);
    out.push_str(&labels.join("\n"));
    out.push('\n');
    out.push_str(SEPARATOR);
    out.push('\n');
    out.push_str(LEGEND);
    out.push('\n');
    let mut flat_sum = 0i64;
    let mut matched = 0;
    for n in &g.nodes {
        let (flat, cum) = (n.flat_value(), n.cum_value());
        if let Some(re) = re
            && !re.is_match(t.names.get(n.key))
        {
            continue;
        }
        matched += 1;
        out.push_str(SEPARATOR);
        out.push('\n');
        write_edges(r, g, &n.in_edges, cum, true, &mut t.names, out);
        flat_sum += flat;
        let _ = writeln!(
            out,
            "{:>10} {} {} {:>10} {}                | {}",
            r.format_value(flat),
            percentage(flat, r.total()),
            percentage(flat_sum, r.total()),
            r.format_value(cum),
            percentage(cum, r.total()),
            t.names.get(n.key)
        );
        write_edges(r, g, &n.out_edges, cum, false, &mut t.names, out);
    }
    if !g.nodes.is_empty() {
        out.push_str(SEPARATOR);
        out.push('\n');
    }
    matched
}

/// The caller (`callers`) or callee lines of a node, heaviest first.
fn write_edges(
    r: &Report,
    g: &Graph,
    edges: &[u32],
    cum: i64,
    callers: bool,
    names: &mut NameCache,
    out: &mut String,
) {
    let mut list: Vec<u32> = edges
        .iter()
        .copied()
        .filter(|&e| !g.edges[e as usize].removed)
        .collect();
    sort_edges(&g.edges, &mut list, names);
    for e in list {
        let e = &g.edges[e as usize];
        let other = if callers { e.src } else { e.dst };
        let _ = writeln!(
            out,
            "{:>50} {} |   {}{}",
            r.format_value(e.weight),
            percentage(e.weight, cum),
            names.get(other),
            if e.inline { " (inline)" } else { "" }
        );
    }
}
