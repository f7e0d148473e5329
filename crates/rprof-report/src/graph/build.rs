//! One pass over the samples sums every node's flat and cum values and
//! every edge's weight (pprof's `graph.New`, not the call-tree variant).

use super::{Edge, Graph, Node, NodeKeys, SampleTags};

/// No kept node yet in a sample's stack.
const NO_PARENT: u32 = u32::MAX;
use crate::Report;
use rustc_hash::FxHashMap;

/// pprof's `graph.New` (not the call-tree variant): one pass over the
/// samples. `kept`, when given, says which node ids may appear.
pub fn build(r: &Report, keys: &NodeKeys, kept: Option<&[bool]>) -> Graph {
    build_tagged(r, keys, kept, None)
}

/// [`build`], also collecting the label tags of every
/// node when `tags` is given (pprof's `Node.addSample`).
pub fn build_tagged(
    r: &Report,
    keys: &NodeKeys,
    kept: Option<&[bool]>,
    tags: Option<&SampleTags>,
) -> Graph {
    build_inner(r, keys, kept, tags, true, None)
}

/// The node values of [`build`] without its edges: what
/// the first trimming step needs, at a fraction of the cost (the edge
/// table is the expensive part of a build).
pub fn build_nodes(r: &Report, keys: &NodeKeys) -> Graph {
    build_inner(r, keys, None, None, false, None)
}

/// A [`sum_samples`] of chosen passes.
type SumFn = fn(&Report, &NodeKeys, Option<&[bool]>, std::ops::Range<usize>) -> Sums;

/// The [`sum_samples`] for a pass that makes edges or not, over some
/// kept nodes or all.
fn pick<const NODES: bool, const MEAN: bool>(edges: bool, kept: bool) -> SumFn {
    match (edges, kept) {
        (false, false) => sum_samples::<NODES, MEAN, false, false>,
        (false, true) => sum_samples::<NODES, MEAN, false, true>,
        (true, false) => sum_samples::<NODES, MEAN, true, false>,
        (true, true) => sum_samples::<NODES, MEAN, true, true>,
    }
}

/// The node and edge sums of samples `range` (pprof's `newGraph` loop).
///
/// `NODES == false` leaves the node sums at zero (the caller has them
/// from an earlier pass) and only makes the edges; `MEAN` also sums the
/// mean divisors; `EDGES` makes the edges; `KEPT` counts only the nodes
/// `kept` says (it is then given). Each combination is a function of its
/// own: with the choices made at run time, the loop kept every array of
/// every pass in registers or spilled them, and tested both choices on
/// every frame.
fn sum_samples<const NODES: bool, const MEAN: bool, const EDGES: bool, const KEPT: bool>(
    r: &Report,
    keys: &NodeKeys,
    kept: Option<&[bool]>,
    range: std::ops::Range<usize>,
) -> Sums {
    let s = &r.profile().samples;
    let kept = kept.unwrap_or(&[]);
    let mut acc = Sums::new(keys.len());
    if EDGES {
        acc.edge_ids = EdgeIndex::new(keys.len());
    }
    let Sums {
        flat,
        flat_div,
        cum,
        cum_div,
        visited,
        edges,
        edge_ids,
    } = &mut acc;
    let mut seen = vec![0u32; keys.len()];
    let mut edge_seen: Vec<u32> = Vec::new();
    let mut generation = 0u32;
    let index = r.sample_index();
    // One frame of a sample, callers first: `inline` when the node is
    // not its location's outermost line. `parent` is the last kept node
    // (NO_PARENT: none yet) and `residual` whether nodes were dropped
    // since it. A macro, not a closure: rustc would not inline the
    // closure into both call sites, and the call was a third of the loop.
    macro_rules! frame {
        ($node:expr, $inline:expr, $w:expr, $dw:expr, $parent:ident, $residual:ident) => {{
            let (node, inline, w, dw): (u32, bool, i64, i64) = ($node, $inline, $w, $dw);
            if KEPT && !kept[node as usize] {
                $residual = true;
            } else {
                if NODES {
                    let nu = node as usize;
                    // Once per sample, whatever the recursion: without a
                    // branch, because recursive stacks (a node seen again
                    // in half the frames) made it unpredictable.
                    let fresh = seen[nu] != generation;
                    seen[nu] = generation;
                    cum[nu] += w * i64::from(fresh);
                    if MEAN {
                        cum_div[nu] += dw * i64::from(fresh);
                    }
                }
                let par = $parent;
                if EDGES && par != NO_PARENT && par != node {
                    let e = match edge_ids.get(par, node) {
                        Some(e) => e,
                        None => {
                            edges.push(Edge {
                                src: par,
                                dst: node,
                                weight: 0,
                                weight_div: 0,
                                residual: $residual,
                                inline,
                                removed: false,
                            });
                            edge_seen.push(0);
                            let e = (edges.len() - 1) as u32;
                            edge_ids.insert(par, node, e);
                            e
                        }
                    };
                    let eu = e as usize;
                    // As for nodes: once per sample, without a branch.
                    let fresh = edge_seen[eu] != generation;
                    edge_seen[eu] = generation;
                    let ed = &mut edges[eu];
                    ed.weight += w * i64::from(fresh);
                    if MEAN {
                        ed.weight_div += dw * i64::from(fresh);
                    }
                    ed.residual |= $residual & fresh;
                    ed.inline &= inline | !fresh;
                }
                $parent = node;
                $residual = false;
            }
        }};
    }
    for i in range {
        let w = s.value(i, index);
        let dw = if MEAN { s.value(i, 0) } else { 0 };
        if dw == 0 && w == 0 {
            continue;
        }
        generation += 1;
        let mut parent = NO_PARENT;
        let mut residual = false;
        for &loc in s.stack(i).iter().rev() {
            let single = keys.single_node(loc);
            if single != NodeKeys::MULTI {
                frame!(single, false, w, dw, parent, residual);
                continue;
            }
            let nodes = keys.of_location(loc);
            for ni in (0..nodes.len()).rev() {
                let inline = ni != nodes.len() - 1;
                frame!(nodes[ni], inline, w, dw, parent, residual);
            }
        }
        if NODES && parent != NO_PARENT && !residual {
            flat[parent as usize] += w;
            if MEAN {
                flat_div[parent as usize] += dw;
            }
        }
    }
    if NODES {
        // A node was visited when some sample stamped it.
        for (v, &g) in visited.iter_mut().zip(&seen) {
            *v = g != 0;
        }
    }
    acc
}

/// [`build`] over the nodes `kept`, with their values taken from
/// `first`, the [`build_nodes`] graph of the same report: a kept node's
/// flat and cum do not depend on which other nodes are kept (each sample
/// counts once for every node in it, and flat goes to the leaf only when
/// the leaf is kept), so only the edges need the samples again.
/// With `tags`, as [`build_tagged`].
pub(crate) fn build_kept(
    r: &Report,
    keys: &NodeKeys,
    kept: &[bool],
    first: &Graph,
    tags: Option<&SampleTags>,
) -> Graph {
    build_inner(r, keys, Some(kept), tags, true, Some(first))
}

fn build_inner(
    r: &Report,
    keys: &NodeKeys,
    kept: Option<&[bool]>,
    tags: Option<&SampleTags>,
    with_edges: bool,
    nodes_from: Option<&Graph>,
) -> Graph {
    let s = &r.profile().samples;
    let n = keys.len();
    // Samples are independent: with several threads, each sums a
    // contiguous share, and the shares merge in order, which gives
    // exactly the sequential result (edges keep their order of first
    // appearance, their flags combine as the sequential pass does).
    const SHARE: usize = 32_768;
    let threads = rayon::current_num_threads();
    let kept_some = kept.is_some();
    let sum = match (nodes_from.is_some(), r.mean()) {
        (true, true) => pick::<false, true>(with_edges, kept_some),
        (true, false) => pick::<false, false>(with_edges, kept_some),
        (false, true) => pick::<true, true>(with_edges, kept_some),
        (false, false) => pick::<true, false>(with_edges, kept_some),
    };
    let Sums {
        flat,
        flat_div,
        cum,
        cum_div,
        visited,
        edges,
        ..
    } = if threads > 1 && s.len() >= 2 * SHARE {
        use rayon::prelude::*;
        let chunk = s.len().div_ceil(threads.min(s.len() / SHARE));
        let ranges: Vec<_> = (0..s.len())
            .step_by(chunk)
            .map(|a| a..(a + chunk).min(s.len()))
            .collect();
        let parts: Vec<Sums> = ranges
            .into_par_iter()
            .map(|range| sum(r, keys, kept, range))
            .collect();
        let mut parts = parts.into_iter();
        let first = parts.next().unwrap_or_else(|| Sums::new(n));
        parts.fold(first, Sums::merge)
    } else {
        sum(r, keys, kept, 0..s.len())
    };

    // Nodes, in key order for now (callers sort them).
    let bare = |key: u32, flat, flat_div, cum, cum_div| Node {
        key,
        flat,
        flat_div,
        cum,
        cum_div,
        in_edges: Vec::new(),
        out_edges: Vec::new(),
        label_tags: Vec::new(),
        numeric_tags: Vec::new(),
    };
    let mut nodes: Vec<Node> = match (nodes_from, kept) {
        // The first pass's nodes that are kept (see `build_kept`).
        (Some(first), Some(kept)) => first
            .nodes
            .iter()
            .filter(|f| kept[f.key as usize])
            .map(|f| bare(f.key, f.flat, f.flat_div, f.cum, f.cum_div))
            .collect(),
        _ => (0..n)
            .filter(|&k| visited[k] && !(cum[k] == 0 && flat[k] == 0))
            .filter(|&k| {
                !(r.options().drop_negative && (flat[k] < 0 || (flat[k] == 0 && cum[k] < 0)))
            })
            .map(|k| bare(k as u32, flat[k], flat_div[k], cum[k], cum_div[k]))
            .collect(),
    };
    let mut slot = vec![u32::MAX; n];
    for (i, node) in nodes.iter().enumerate() {
        slot[node.key as usize] = i as u32;
    }
    if let Some(t) = tags {
        super::tags::collect(r, keys, kept, t).attach(t, &slot, &mut nodes);
    }
    // Edges keep node *key* ids; attach them to the selected nodes.
    for (ei, e) in edges.iter().enumerate() {
        if slot[e.dst as usize] != u32::MAX {
            nodes[slot[e.dst as usize] as usize]
                .in_edges
                .push(ei as u32);
        }
        if slot[e.src as usize] != u32::MAX {
            nodes[slot[e.src as usize] as usize]
                .out_edges
                .push(ei as u32);
        }
    }
    Graph { nodes, edges }
}

/// Node and edge sums over some of a profile's samples, by node key.
struct Sums {
    flat: Vec<i64>,
    flat_div: Vec<i64>,
    cum: Vec<i64>,
    cum_div: Vec<i64>,
    visited: Vec<bool>,
    edges: Vec<Edge>,
    edge_ids: EdgeIndex,
}

/// Edge ids by (caller, callee) node key, looked up once per frame of
/// every sample.
enum EdgeIndex {
    /// Few node keys: a table of every pair, id + 1 (0: none), so that a
    /// lookup is one load instead of a hash probe (on profiles of deep
    /// stacks over few functions, the probes were most of `top`).
    Dense {
        n: usize,
        ids: Vec<u32>,
    },
    // Keyed by caller << 32 | callee: FxHash, not SipHash (the keys are
    // ours).
    Sparse(FxHashMap<u64, u32>),
}

/// Node keys up to which [`EdgeIndex::Dense`] is used: a table of 4 MiB
/// at most (per thread), whatever the edges.
const DENSE_EDGES_MAX_KEYS: usize = 1024;

impl EdgeIndex {
    fn new(n: usize) -> Self {
        if n <= DENSE_EDGES_MAX_KEYS {
            EdgeIndex::Dense {
                n,
                ids: vec![0; n * n],
            }
        } else {
            EdgeIndex::Sparse(FxHashMap::default())
        }
    }

    #[inline]
    fn get(&self, src: u32, dst: u32) -> Option<u32> {
        match self {
            EdgeIndex::Dense { n, ids } => {
                let id = ids[src as usize * n + dst as usize];
                id.checked_sub(1)
            }
            EdgeIndex::Sparse(m) => m.get(&(u64::from(src) << 32 | u64::from(dst))).copied(),
        }
    }

    #[inline]
    fn insert(&mut self, src: u32, dst: u32, id: u32) {
        match self {
            EdgeIndex::Dense { n, ids } => ids[src as usize * *n + dst as usize] = id + 1,
            EdgeIndex::Sparse(m) => {
                m.insert(u64::from(src) << 32 | u64::from(dst), id);
            }
        }
    }
}

impl Sums {
    fn new(n: usize) -> Self {
        Sums {
            flat: vec![0; n],
            flat_div: vec![0; n],
            cum: vec![0; n],
            cum_div: vec![0; n],
            visited: vec![false; n],
            edges: Vec::new(),
            // Only passes that make edges need their index.
            edge_ids: EdgeIndex::Sparse(FxHashMap::default()),
        }
    }

    /// Adds the sums of later samples. An edge keeps the place of its
    /// first appearance; it is residual if any sample made it so, and
    /// inline only if every sample did, as in one sequential pass.
    fn merge(mut self, later: Sums) -> Sums {
        for k in 0..self.flat.len() {
            self.flat[k] += later.flat[k];
            self.flat_div[k] += later.flat_div[k];
            self.cum[k] += later.cum[k];
            self.cum_div[k] += later.cum_div[k];
            self.visited[k] |= later.visited[k];
        }
        for e in later.edges {
            match self.edge_ids.get(e.src, e.dst) {
                Some(id) => {
                    let ed = &mut self.edges[id as usize];
                    ed.weight += e.weight;
                    ed.weight_div += e.weight_div;
                    ed.residual |= e.residual;
                    ed.inline &= e.inline;
                }
                None => {
                    self.edge_ids.insert(e.src, e.dst, self.edges.len() as u32);
                    self.edges.push(e);
                }
            }
        }
        self
    }
}
