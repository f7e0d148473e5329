//! pprof's orders: nodes by flat or cum value (`Nodes.Sort`), by entropy
//! score (`EntropyOrder`, for the DOT graph), and edges by weight. Each is
//! completed to a total order, so results never depend on the sort
//! algorithm.

use super::{Edge, Graph, NameCache, Node, NodeOrder};
use rprof_profile::measurement;
use std::cmp::Ordering;

/// Sorts nodes as pprof's `Nodes.Sort` (a total order, so the result does
/// not depend on the sorting algorithm).
pub fn sort_nodes(nodes: &mut [Node], order: NodeOrder, names: &mut NameCache) {
    // Name comparisons are the expensive part: make sure every name is
    // computed once, then sort with plain lookups.
    for n in nodes.iter() {
        names.get(n.key);
    }
    let cmp = |a: &Node, b: &Node, names: &mut NameCache| -> Ordering {
        let (pa, pb) = match order {
            NodeOrder::FlatName => (a.flat.abs(), b.flat.abs()),
            NodeOrder::CumName => (a.cum.abs(), b.cum.abs()),
        };
        pb.cmp(&pa)
            .then_with(|| names.compare(a.key, b.key))
            .then_with(|| match order {
                NodeOrder::FlatName => b.cum.abs().cmp(&a.cum.abs()),
                NodeOrder::CumName => b.flat.abs().cmp(&a.flat.abs()),
            })
            .then_with(|| {
                names
                    .keys
                    .go_sprint(a.key)
                    .cmp(&names.keys.go_sprint(b.key))
            })
    };
    nodes.sort_by(|a, b| cmp(a, b, names));
}

/// pprof's `edgeList` order (`EdgeMap.Sort`): heaviest |weight| first,
/// then by source and destination printable names. Completed to a total
/// order by the raw weight (pprof leaves edges of opposite equal weights,
/// which only diffs have, in map order).
pub fn sort_edges(edges: &[Edge], list: &mut [u32], names: &mut NameCache) {
    for &e in list.iter() {
        let ed = &edges[e as usize];
        names.get(ed.src);
        names.get(ed.dst);
    }
    list.sort_by(|&a, &b| {
        let (ea, eb) = (&edges[a as usize], &edges[b as usize]);
        eb.weight
            .wrapping_abs()
            .cmp(&ea.weight.wrapping_abs())
            .then_with(|| names.cache[&ea.src].cmp(&names.cache[&eb.src]))
            .then_with(|| names.cache[&ea.dst].cmp(&names.cache[&eb.dst]))
            .then_with(|| eb.weight.cmp(&ea.weight))
            .then_with(|| a.cmp(&b))
    });
}

/// pprof's `edgeEntropyScore`. Go sums over a map, so the order of the
/// float additions (and so, rarely, the last bit) varies between its runs;
/// here it is the order the edges were created in.
fn edge_entropy_score(edges: &[Edge], list: &[u32], self_value: i64) -> f64 {
    let mut score = 0.0f64;
    let mut total = self_value;
    for &e in list {
        let w = edges[e as usize].weight;
        if w > 0 {
            total = total.wrapping_add(w.wrapping_abs());
        }
    }
    if total != 0 {
        for &e in list {
            let frac = edges[e as usize].weight.wrapping_abs() as f64 / total as f64;
            score += -frac * rprof_profile::gomath::log2(frac);
        }
        if self_value > 0 {
            let frac = self_value.wrapping_abs() as f64 / total as f64;
            score += -frac * rprof_profile::gomath::log2(frac);
        }
    }
    score
}

/// pprof's `entropyScore`.
pub fn entropy_score(edges: &[Edge], n: &Node) -> i64 {
    let mut score = 0.0f64;
    if n.in_edges.is_empty() {
        score += 1.0;
    } else {
        score += edge_entropy_score(edges, &n.in_edges, 0);
    }
    if n.out_edges.is_empty() {
        score += 1.0;
    } else {
        score += edge_entropy_score(edges, &n.out_edges, n.flat);
    }
    measurement::go_f64_to_i64(score * n.cum as f64).wrapping_add(n.flat)
}

/// Sorts nodes in pprof's `EntropyOrder`: by |entropy score|, then name,
/// then |flat|, then `fmt.Sprint` of the key.
pub fn sort_nodes_entropy(g: &mut Graph, names: &mut NameCache) {
    let mut scored: Vec<(i64, Node)> = std::mem::take(&mut g.nodes)
        .into_iter()
        .map(|n| (entropy_score(&g.edges, &n), n))
        .collect();
    for (_, n) in &scored {
        names.get(n.key);
    }
    scored.sort_by(|(sa, a), (sb, b)| {
        sb.wrapping_abs()
            .cmp(&sa.wrapping_abs())
            .then_with(|| names.compare(a.key, b.key))
            .then_with(|| b.flat.wrapping_abs().cmp(&a.flat.wrapping_abs()))
            .then_with(|| {
                names
                    .keys
                    .go_sprint(a.key)
                    .cmp(&names.keys.go_sprint(b.key))
            })
    });
    g.nodes = scored.into_iter().map(|(_, n)| n).collect();
}
