//! pprof's `newTrimmedGraph`: the graph a report shows, after
//! `nodefraction`, `edgefraction` and `nodecount`. The text reports and
//! the visual ones (DOT) trim differently, as pprof does.

use super::build::{build, build_kept, build_nodes, build_tagged};
use super::order::{sort_edges, sort_nodes, sort_nodes_entropy};
use super::tags::{SampleTags, count_tags, trim_low_frequency_tags};
use super::{Graph, NameCache, NodeKeys, NodeOrder};
use crate::Report;
use std::collections::HashMap;

/// pprof's `newTrimmedGraph` for the text reports: returns the graph,
/// the node count before `nodecount` selection, and the number of
/// nodes dropped by `nodefraction`.
pub fn trimmed_graph<'k, 'q>(
    r: &Report,
    keys: &'k NodeKeys<'q>,
    node_count: usize,
) -> TrimmedGraph<'k, 'q> {
    // The first graph only decides which nodes survive nodefraction;
    // its edges are never looked at unless nothing is dropped, and
    // then the full build below makes them.
    let first = build_nodes(r, keys);
    let (node_cutoff, edge_cutoff) = cutoffs(r, &first);
    let (mut g, dropped_nodes) = match node_fraction_survivors(&first, keys.len(), node_cutoff) {
        Some((kept, dropped)) => (build_kept(r, keys, &kept, &first, None), dropped),
        None => (build(r, keys, None), 0),
    };
    let orig_count = g.nodes.len();
    let order = if r.options().cum {
        NodeOrder::CumName
    } else {
        NodeOrder::FlatName
    };
    let mut names = NameCache::new(keys);
    sort_nodes(&mut g.nodes, order, &mut names);
    if node_count > 0 {
        trim_low_frequency_edges(&mut g, edge_cutoff);
        if node_count < g.nodes.len() {
            let mut kept = vec![false; keys.len()];
            for n in &g.nodes[..node_count] {
                kept[n.key as usize] = true;
            }
            g = build_kept(r, keys, &kept, &first, None);
            sort_nodes(&mut g.nodes, order, &mut names);
        }
    }
    let dropped_edges = trim_low_frequency_edges(&mut g, edge_cutoff);
    TrimmedGraph {
        graph: g,
        orig_count,
        dropped_nodes,
        dropped_edges,
        names,
    }
}

/// pprof's `newTrimmedGraph` in visual mode (`-dot` and the graphical
/// formats): nodes carry label tags, are sorted in entropy order, and
/// their nodelets count towards `node_count`; redundant residual
/// edges are removed at the end.
pub fn trimmed_graph_visual<'k, 'q>(
    r: &Report,
    keys: &'k NodeKeys<'q>,
    node_count: usize,
) -> TrimmedGraph<'k, 'q> {
    let tags = SampleTags::new(r);
    let tags = tags.as_ref();
    // As in [`trimmed_graph`]: the first graph only decides which nodes
    // survive nodefraction, so it is built without edges and tags,
    // and the full build follows whatever it decides.
    let first = build_nodes(r, keys);
    let (node_cutoff, edge_cutoff) = cutoffs(r, &first);
    let (mut g, dropped_nodes) = match node_fraction_survivors(&first, keys.len(), node_cutoff) {
        Some((kept, dropped)) => (build_kept(r, keys, &kept, &first, tags), dropped),
        None => (build_tagged(r, keys, None, tags), 0),
    };
    let orig_count = g.nodes.len();
    let mut names = NameCache::new(keys);
    sort_nodes_entropy(&mut g, &mut names);
    if node_count > 0 {
        trim_low_frequency_tags(&mut g, node_cutoff);
        trim_low_frequency_edges(&mut g, edge_cutoff);
        let n = select_top_nodes_visual(&g, node_count);
        if n != g.nodes.len() {
            let mut kept = vec![false; keys.len()];
            for node in &g.nodes[..n] {
                kept[node.key as usize] = true;
            }
            g = build_kept(r, keys, &kept, &first, tags);
            sort_nodes_entropy(&mut g, &mut names);
        }
    }
    trim_low_frequency_tags(&mut g, node_cutoff);
    let dropped_edges = trim_low_frequency_edges(&mut g, edge_cutoff);
    remove_redundant_edges(&mut g, &mut names);
    TrimmedGraph {
        graph: g,
        orig_count,
        dropped_nodes,
        dropped_edges,
        names,
    }
}

/// pprof's node and edge cutoffs: fractions of the sum of the first
/// graph's flat values (the net sum for diffs, raw sums with --mean).
fn cutoffs(r: &Report, first: &Graph) -> (i64, i64) {
    let total_value: i64 = first.nodes.iter().map(|n| n.flat).sum();
    (
        ((total_value as f64 * r.node_fraction()) as i64).abs(),
        ((total_value as f64 * r.edge_fraction()) as i64).abs(),
    )
}

/// Which node keys have |cum| ≥ `cutoff` (pprof's
/// `DiscardLowFrequencyNodes`), and how many nodes fail it; `None` when
/// the cutoff is 0 or every node passes, so the graph need not be rebuilt.
fn node_fraction_survivors(g: &Graph, nkeys: usize, cutoff: i64) -> Option<(Vec<bool>, usize)> {
    if cutoff <= 0 {
        return None;
    }
    let mut kept = vec![false; nkeys];
    let mut count = 0;
    for n in &g.nodes {
        if n.cum.abs() >= cutoff {
            kept[n.key as usize] = true;
            count += 1;
        }
    }
    (count != g.nodes.len()).then(|| (kept, g.nodes.len() - count))
}

/// The result of [`trimmed_graph`] and [`trimmed_graph_visual`].
pub struct TrimmedGraph<'k, 'p> {
    /// The graph shown.
    pub graph: Graph,
    /// Nodes before `nodecount` selection.
    pub orig_count: usize,
    /// Nodes dropped by `nodefraction`.
    pub dropped_nodes: usize,
    /// Edges dropped by `edgefraction`.
    pub dropped_edges: usize,
    /// The printable names computed on the way.
    pub names: NameCache<'k, 'p>,
}

/// Removes edges lighter than `cutoff` from the nodes' in-edge lists;
/// returns how many went (pprof's `TrimLowFrequencyEdges`).
pub(super) fn trim_low_frequency_edges(g: &mut Graph, cutoff: i64) -> usize {
    let mut dropped = 0;
    for n in &mut g.nodes {
        n.in_edges.retain(|&e| {
            let ed = &mut g.edges[e as usize];
            if ed.removed {
                return false;
            }
            if ed.weight.abs() < cutoff {
                ed.removed = true;
                dropped += 1;
                return false;
            }
            true
        });
    }
    for n in &mut g.nodes {
        n.out_edges.retain(|&e| !g.edges[e as usize].removed);
    }
    dropped
}

/// Maximum number of nodelets per node (pprof's `maxNodelets`).
pub const MAX_NODELETS: usize = 4;

/// pprof's `selectTopNodes` in visual mode: how many of the first nodes
/// fit in `max_nodes` when every node also counts its nodelets (at most
/// [`MAX_NODELETS`]).
pub fn select_top_nodes_visual(g: &Graph, max_nodes: usize) -> usize {
    let mut max_nodes = max_nodes;
    if max_nodes > 0 {
        let mut count = 0;
        for (i, n) in g.nodes.iter().enumerate() {
            count += count_tags(n).min(MAX_NODELETS) + 1;
            if count >= max_nodes {
                max_nodes = i + 1;
                break;
            }
        }
    }
    max_nodes.min(g.nodes.len())
}

/// pprof's `RemoveRedundantEdges`: drops residual edges whose destination
/// is reachable from their source another way, lightest first.
pub fn remove_redundant_edges(g: &mut Graph, names: &mut NameCache) {
    let slot: HashMap<u32, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.key, i))
        .collect();
    for i in (0..g.nodes.len()).rev() {
        let mut ins = g.nodes[i].in_edges.clone();
        sort_edges(&g.edges, &mut ins, names);
        for &e in ins.iter().rev() {
            if !g.edges[e as usize].residual {
                break;
            }
            if g.edges[e as usize].removed || !is_redundant_edge(g, &slot, e) {
                continue;
            }
            let (src, dst) = (g.edges[e as usize].src, g.edges[e as usize].dst);
            g.edges[e as usize].removed = true;
            if let Some(&s) = slot.get(&src) {
                g.nodes[s].out_edges.retain(|&x| x != e);
            }
            if let Some(&d) = slot.get(&dst) {
                g.nodes[d].in_edges.retain(|&x| x != e);
            }
        }
    }
}

/// pprof's `isRedundantEdge`: can `e.src` reach `e.dst` without `e`?
fn is_redundant_edge(g: &Graph, slot: &HashMap<u32, usize>, e: u32) -> bool {
    let (src, dst) = (g.edges[e as usize].src, g.edges[e as usize].dst);
    let mut seen: std::collections::HashSet<u32> = std::collections::HashSet::new();
    seen.insert(dst);
    let mut queue = std::collections::VecDeque::from([dst]);
    while let Some(n) = queue.pop_front() {
        let Some(&ni) = slot.get(&n) else { continue };
        for &ie in &g.nodes[ni].in_edges {
            let s = g.edges[ie as usize].src;
            if ie == e || seen.contains(&s) {
                continue;
            }
            if s == src {
                return true;
            }
            seen.insert(s);
            queue.push_back(s);
        }
    }
    false
}
