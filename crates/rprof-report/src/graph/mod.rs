//! The report graph: nodes with flat/cum values and caller→callee edges,
//! built from the samples exactly as pprof's `graph.New` builds it, and
//! trimmed as `Report.newTrimmedGraph` trims it.
//!
//! pprof keys nodes on a `NodeInfo` struct of strings and rebuilds the
//! whole graph, with maps of pointers, at every trimming step. Here every
//! distinct node key is interned once per report ([`NodeKeys`]), each
//! location is mapped to its node ids once, and a graph build is a single
//! pass over the flat sample arrays that accumulates into `Vec<i64>`s
//! indexed by node id. Names are materialised only for nodes that survive.
//!
//! The visual reports (`dot`) trim differently ([`trimmed_graph_visual`]):
//! the build also collects each node's label tags ([`SampleTags`], pprof's
//! `LabelTags`/`NumericTags`), nodes are sorted by pprof's entropy score,
//! their label nodelets count towards the node limit, and redundant
//! residual edges are removed.
//!
//! The files, in the order the data flows:
//!
//! - `keys`: node keys ([`NodeKeys`]) interned per report, and their
//!   printable names ([`NameCache`]);
//! - `build`: one pass over the samples sums nodes and edges ([`build`]);
//! - `tags`: label tags of nodes, for the DOT nodelets ([`SampleTags`]);
//! - `order`: pprof's node and edge orders (flat/cum, entropy);
//! - `trim`: pprof's `newTrimmedGraph`, text and visual
//!   ([`trimmed_graph`], [`trimmed_graph_visual`]).

mod build;
mod keys;
mod order;
mod tags;
mod trim;

pub use build::{build, build_nodes, build_tagged};
pub use keys::{KeyOptions, NameCache, Names, NodeKey, NodeKeys};
pub use order::{entropy_score, sort_edges, sort_nodes, sort_nodes_entropy};
pub use tags::{SampleTags, Tag, sort_tags, trim_low_frequency_tags};
pub use trim::{
    MAX_NODELETS, TrimmedGraph, remove_redundant_edges, select_top_nodes_visual, trimmed_graph,
    trimmed_graph_visual,
};

/// A summed value, divided by its summed mean divisor when `--mean` gave
/// it one (pprof's `FlatValue`/`CumValue`/`WeightValue`).
#[inline]
fn per_divisor(v: i64, div: i64) -> i64 {
    if div == 0 { v } else { v / div }
}

/// A caller→callee edge.
#[derive(Clone, Debug)]
pub struct Edge {
    /// The caller's node id.
    pub src: u32,
    /// The callee's node id.
    pub dst: u32,
    /// Summed value of the samples through this call.
    pub weight: i64,
    /// Summed mean divisor of those samples (`mean`).
    pub weight_div: i64,
    /// Goes over nodes that were removed from the graph.
    pub residual: bool,
    /// The call was inlined into the caller.
    pub inline: bool,
    /// Trimmed away (kept in the list so ids stay valid).
    pub removed: bool,
}

impl Edge {
    /// The weight, divided by its mean divisor when there is one.
    pub fn value(&self) -> i64 {
        per_divisor(self.weight, self.weight_div)
    }
}

/// A node of the graph (values indexed by node key id).
#[derive(Clone, Debug)]
pub struct Node {
    /// The node key id (an index into [`NodeKeys::keys`]).
    pub key: u32,
    /// Summed value of the samples whose leaf this is.
    pub flat: i64,
    /// Their summed mean divisor.
    pub flat_div: i64,
    /// Summed value of the samples through this node.
    pub cum: i64,
    /// Their summed mean divisor.
    pub cum_div: i64,
    /// Indices into [`Graph::edges`].
    pub in_edges: Vec<u32>,
    /// Indices into [`Graph::edges`] of the calls out of this node.
    pub out_edges: Vec<u32>,
    /// pprof's `LabelTags`: one tag per distinct set of string labels
    /// (only built for the visual reports, see [`SampleTags`]).
    pub label_tags: Vec<Tag>,
    /// pprof's `NumericTags`: the `bytes` tags, per label set (`""` for
    /// samples without string labels).
    pub numeric_tags: Vec<(String, Vec<Tag>)>,
}

impl Node {
    /// Flat value, as a mean when a divisor is known.
    pub fn flat_value(&self) -> i64 {
        per_divisor(self.flat, self.flat_div)
    }

    /// Cumulative value, as a mean when a divisor is known.
    pub fn cum_value(&self) -> i64 {
        per_divisor(self.cum, self.cum_div)
    }
}

/// A built graph: the selected nodes (in the current sort order) and all
/// edges between visited nodes.
pub struct Graph {
    /// The nodes, in the current sort order.
    pub nodes: Vec<Node>,
    /// Every edge made, indexed by the nodes' edge lists.
    pub edges: Vec<Edge>,
}

impl Graph {
    /// The smallest value a report over this graph prints, as pprof's
    /// `selectOutputUnit` finds it: per node its |flat|, or its |cum| when
    /// flat is 0; 0 when all are 0; `None` without nodes.
    pub fn min_value(&self) -> Option<i64> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut min_value = 0i64;
        for n in &self.nodes {
            let mut node_min = n.flat_value().abs();
            if node_min == 0 {
                node_min = n.cum_value().abs();
            }
            if node_min > 0 && (min_value == 0 || node_min < min_value) {
                min_value = node_min;
            }
        }
        Some(min_value)
    }
}

/// How to sort nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeOrder {
    /// Heaviest |flat| first, then by name (`top`).
    FlatName,
    /// Heaviest |cum| first, then by name (`top -cum`).
    CumName,
}
