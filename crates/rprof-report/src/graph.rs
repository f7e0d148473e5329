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
//! The visual reports (`dot`) trim differently
//! ([`Report::trimmed_graph_visual`]): the build also collects each node's
//! label tags ([`SampleTags`], pprof's `LabelTags`/`NumericTags`), nodes
//! are sorted by pprof's entropy score, their label nodelets count towards
//! the node limit, and redundant residual edges are removed.

use crate::Report;
use rprof_profile::{Profile, StrId, measurement};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// pprof's `NodeInfo`, with strings replaced by ids into [`NodeKeys::names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeKey {
    pub name: u32,
    pub address: u64,
    pub file: u32,
    pub start_line: i64,
    pub line: i64,
    pub column: i64,
    pub objfile: u32,
}

/// Canonical strings: equal text gets an equal id, whatever the string
/// table of the profile did (a table may repeat an entry).
#[derive(Default)]
pub struct Names<'p> {
    map: HashMap<Cow<'p, str>, u32>,
    list: Vec<Cow<'p, str>>,
}

impl<'p> Names<'p> {
    fn new() -> Self {
        let mut n = Names::default();
        n.id(Cow::Borrowed(""));
        n
    }

    fn id(&mut self, s: Cow<'p, str>) -> u32 {
        if let Some(&i) = self.map.get(&s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s.clone());
        self.map.insert(s, i);
        i
    }

    /// The text of a canonical id.
    pub fn get(&self, id: u32) -> &str {
        &self.list[id as usize]
    }
}

/// Every node key a report can produce, and which keys each location maps
/// to (one per line, innermost first, as pprof's `CreateNodes`).
pub struct NodeKeys<'p> {
    pub names: Names<'p>,
    pub keys: Vec<NodeKey>,
    key_ids: HashMap<NodeKey, u32>,
    /// `loc_nodes[loc_ends[l-1]..loc_ends[l]]`: node ids of location l.
    loc_nodes: Vec<u32>,
    loc_ends: Vec<u32>,
}

/// Which fields of a location survive aggregation (pprof's
/// `Profile.Aggregate` flags, plus `ObjNames` of the graph options).
#[derive(Clone, Copy, Debug)]
pub struct KeyOptions {
    pub inline_frames: bool,
    pub function: bool,
    pub filename: bool,
    pub line_number: bool,
    pub column_number: bool,
    pub address: bool,
    pub obj_names: bool,
}

impl KeyOptions {
    /// The flags pprof's driver derives from granularity and noinlines.
    pub fn for_granularity(g: crate::Granularity, no_inlines: bool, show_columns: bool) -> Self {
        use crate::Granularity::*;
        let inlines = !no_inlines;
        let mut k = KeyOptions {
            inline_frames: inlines,
            function: false,
            filename: false,
            line_number: false,
            column_number: show_columns,
            address: false,
            obj_names: false,
        };
        match g {
            Addresses if inlines => {
                // pprof does not aggregate at all in this case.
                k.function = true;
                k.filename = true;
                k.line_number = true;
                k.column_number = true;
                k.address = true;
            }
            Addresses => {
                k.function = true;
                k.filename = true;
                k.line_number = true;
                k.address = true;
            }
            Lines => {
                k.function = true;
                k.filename = true;
                k.line_number = true;
            }
            Files => k.filename = true,
            Functions => k.function = true,
            FileFunctions => {
                k.function = true;
                k.filename = true;
            }
        }
        k
    }
}

impl<'p> NodeKeys<'p> {
    /// Interns the node keys of every location of `p`.
    pub fn new(p: &'p Profile, o: KeyOptions) -> Self {
        let mut names = Names::new();
        // Canonical ids per function and mapping, computed once.
        let mut str_ids: HashMap<StrId, u32> = HashMap::new();
        let mut canon = |names: &mut Names<'p>, id: StrId| -> u32 {
            *str_ids
                .entry(id)
                .or_insert_with(|| names.id(Cow::Borrowed(p.str(id))))
        };
        let funcs: Vec<(u32, u32, i64)> = p
            .functions
            .iter()
            .map(|f| {
                let name = if o.function {
                    canon(&mut names, f.name)
                } else {
                    0
                };
                let file = if o.filename && f.filename != 0 {
                    let raw = p.str(f.filename);
                    match clean_path(raw) {
                        Cow::Borrowed(_) => canon(&mut names, f.filename),
                        Cow::Owned(c) => names.id(Cow::Owned(c)),
                    }
                } else {
                    0
                };
                (name, file, f.start_line)
            })
            .collect();
        let objs: Vec<u32> = p
            .mappings
            .iter()
            .map(|m| canon(&mut names, m.file))
            .collect();

        let mut keys = Vec::new();
        let mut key_ids = HashMap::new();
        let mut loc_nodes = Vec::with_capacity(p.lines.len() + p.locations.len());
        let mut loc_ends = Vec::with_capacity(p.locations.len());
        let mut intern = |k: NodeKey| -> u32 {
            *key_ids.entry(k).or_insert_with(|| {
                keys.push(k);
                (keys.len() - 1) as u32
            })
        };
        for (li, loc) in p.locations.iter().enumerate() {
            let objfile = loc.mapping.map_or(0, |m| objs[m as usize]);
            let address = if o.address { loc.address } else { 0 };
            let mut lines = p.location_lines(li as u32);
            if !o.inline_frames && lines.len() > 1 {
                lines = &lines[lines.len() - 1..];
            }
            if lines.is_empty() {
                loc_nodes.push(intern(NodeKey {
                    name: 0,
                    address,
                    file: 0,
                    start_line: 0,
                    line: 0,
                    column: 0,
                    objfile,
                }));
            }
            for line in lines {
                let (name, file, start_line) = funcs[line.function as usize];
                let mut k = NodeKey {
                    name,
                    address,
                    file,
                    start_line: 0,
                    line: if o.line_number { line.line } else { 0 },
                    column: if o.line_number && o.column_number {
                        line.column
                    } else {
                        0
                    },
                    objfile: 0,
                };
                if o.obj_names || name == 0 {
                    k.objfile = objfile;
                    k.start_line = start_line;
                }
                loc_nodes.push(intern(k));
            }
            loc_ends.push(loc_nodes.len() as u32);
        }
        NodeKeys {
            names,
            keys,
            key_ids,
            loc_nodes,
            loc_ends,
        }
    }

    /// Node ids of location `loc`, innermost line first.
    #[inline]
    pub fn of_location(&self, loc: u32) -> &[u32] {
        let l = loc as usize;
        let start = if l == 0 {
            0
        } else {
            self.loc_ends[l - 1] as usize
        };
        &self.loc_nodes[start..self.loc_ends[l] as usize]
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the profile has no locations.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The id of a key, if any location produced it.
    pub fn id(&self, k: &NodeKey) -> Option<u32> {
        self.key_ids.get(k).copied()
    }

    /// pprof's `NodeInfo.PrintableName`.
    pub fn printable_name(&self, id: u32) -> String {
        let k = &self.keys[id as usize];
        let mut parts: Vec<Cow<str>> = Vec::with_capacity(3);
        if k.address != 0 {
            parts.push(Cow::Owned(format!("{:016x}", k.address)));
        }
        if k.name != 0 {
            parts.push(Cow::Borrowed(self.names.get(k.name)));
        }
        if k.line != 0 {
            let mut s = format!("{}:{}", self.names.get(k.file), k.line);
            if k.column != 0 {
                s.push_str(&format!(":{}", k.column));
            }
            parts.push(Cow::Owned(s));
        } else if k.file != 0 {
            parts.push(Cow::Borrowed(self.names.get(k.file)));
        } else if k.name != 0 {
        } else if k.objfile != 0 {
            parts.push(Cow::Owned(format!(
                "[{}]",
                base_name(self.names.get(k.objfile))
            )));
        } else {
            parts.push(Cow::Borrowed("<unknown>"));
        }
        parts.join(" ")
    }

    /// `fmt.Sprint(NodeInfo)`: pprof's last-resort tie breaker.
    fn go_sprint(&self, id: u32) -> String {
        let k = &self.keys[id as usize];
        format!(
            "{{{} {} {} {} {} {} {} {}}}",
            self.names.get(k.name),
            "",
            k.address,
            self.names.get(k.file),
            k.start_line,
            k.line,
            k.column,
            self.names.get(k.objfile)
        )
    }
}

/// Go's `filepath.Base`.
pub fn base_name(path: &str) -> &str {
    let p = path.trim_end_matches('/');
    if p.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    match p.rfind('/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

/// Go's `filepath.Clean` (Unix rules); borrows when nothing changes.
pub fn clean_path(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed(".");
    }
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let mut s = out.join("/");
    if rooted {
        s.insert(0, '/');
    }
    if s.is_empty() {
        s.push('.');
    }
    if s == path {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(s)
    }
}

/// A summed value, divided by its summed mean divisor when `--mean` gave
/// it one (pprof's `FlatValue`/`CumValue`/`WeightValue`).
#[inline]
fn per_divisor(v: i64, div: i64) -> i64 {
    if div == 0 { v } else { v / div }
}

/// A caller→callee edge.
#[derive(Clone, Debug)]
pub struct Edge {
    pub src: u32,
    pub dst: u32,
    pub weight: i64,
    pub weight_div: i64,
    /// Goes over nodes that were removed from the graph.
    pub residual: bool,
    /// The call was inlined into the caller.
    pub inline: bool,
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
    pub key: u32,
    pub flat: i64,
    pub flat_div: i64,
    pub cum: i64,
    pub cum_div: i64,
    /// Indices into [`Graph::edges`].
    pub in_edges: Vec<u32>,
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
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// How to sort nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeOrder {
    FlatName,
    CumName,
}

impl Report<'_> {
    /// pprof's `graph.New` (not the call-tree variant): one pass over the
    /// samples. `kept`, when given, says which node ids may appear.
    pub fn build_graph(&self, keys: &NodeKeys, kept: Option<&[bool]>) -> Graph {
        self.build_graph_tagged(keys, kept, None)
    }

    /// [`Report::build_graph`], also collecting the label tags of every
    /// node when `tags` is given (pprof's `Node.addSample`).
    pub fn build_graph_tagged(
        &self,
        keys: &NodeKeys,
        kept: Option<&[bool]>,
        tags: Option<&SampleTags>,
    ) -> Graph {
        self.build_graph_inner(keys, kept, tags, true)
    }

    /// The node values of [`Report::build_graph`] without its edges: what
    /// the first trimming step needs, at a fraction of the cost (the edge
    /// table is the expensive part of a build).
    pub fn build_nodes(&self, keys: &NodeKeys) -> Graph {
        self.build_graph_inner(keys, None, None, false)
    }

    /// The node and edge sums of samples `range` (pprof's `newGraph` loop).
    fn sum_samples(
        &self,
        keys: &NodeKeys,
        kept: Option<&[bool]>,
        with_edges: bool,
        range: std::ops::Range<usize>,
    ) -> Sums {
        let s = &self.profile.samples;
        let mut acc = Sums::new(keys.len());
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
        let index = self.sample_index;
        let mean = self.mean;
        for i in range {
            let w = s.value(i, index);
            let dw = if mean { s.value(i, 0) } else { 0 };
            if dw == 0 && w == 0 {
                continue;
            }
            generation += 1;
            let mut parent: Option<u32> = None;
            let mut residual = false;
            for &loc in s.stack(i).iter().rev() {
                let nodes = keys.of_location(loc);
                for ni in (0..nodes.len()).rev() {
                    let node = nodes[ni];
                    if kept.is_some_and(|k| !k[node as usize]) {
                        residual = true;
                        continue;
                    }
                    let nu = node as usize;
                    visited[nu] = true;
                    if seen[nu] != generation {
                        seen[nu] = generation;
                        cum[nu] += w;
                        cum_div[nu] += dw;
                    }
                    if let Some(par) = parent
                        && par != node
                        && with_edges
                    {
                        let inline = ni != nodes.len() - 1;
                        let e = *edge_ids
                            .entry(u64::from(par) << 32 | u64::from(node))
                            .or_insert_with(|| {
                                edges.push(Edge {
                                    src: par,
                                    dst: node,
                                    weight: 0,
                                    weight_div: 0,
                                    residual,
                                    inline,
                                    removed: false,
                                });
                                edge_seen.push(0);
                                (edges.len() - 1) as u32
                            });
                        let eu = e as usize;
                        if edge_seen[eu] != generation {
                            edge_seen[eu] = generation;
                            let ed = &mut edges[eu];
                            ed.weight += w;
                            ed.weight_div += dw;
                            if residual {
                                ed.residual = true;
                            }
                            if !inline {
                                ed.inline = false;
                            }
                        }
                    }
                    parent = Some(node);
                    residual = false;
                }
            }
            if let Some(leaf) = parent
                && !residual
            {
                flat[leaf as usize] += w;
                flat_div[leaf as usize] += dw;
            }
        }
        acc
    }

    fn build_graph_inner(
        &self,
        keys: &NodeKeys,
        kept: Option<&[bool]>,
        tags: Option<&SampleTags>,
        with_edges: bool,
    ) -> Graph {
        let s = &self.profile.samples;
        let n = keys.len();
        // Samples are independent: with several threads, each sums a
        // contiguous share, and the shares merge in order, which gives
        // exactly the sequential result (edges keep their order of first
        // appearance, their flags combine as the sequential pass does).
        const SHARE: usize = 32_768;
        let threads = rayon::current_num_threads();
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
                .map(|r| self.sum_samples(keys, kept, with_edges, r))
                .collect();
            let mut parts = parts.into_iter();
            let first = parts.next().unwrap_or_else(|| Sums::new(n));
            parts.fold(first, Sums::merge)
        } else {
            self.sum_samples(keys, kept, with_edges, 0..s.len())
        };

        // Nodes, in key order for now (callers sort them).
        let mut slot = vec![u32::MAX; n];
        let mut nodes = Vec::new();
        for k in 0..n {
            if !visited[k] || (cum[k] == 0 && flat[k] == 0) {
                continue;
            }
            if self.opts.drop_negative && (flat[k] < 0 || (flat[k] == 0 && cum[k] < 0)) {
                continue;
            }
            slot[k] = nodes.len() as u32;
            nodes.push(Node {
                key: k as u32,
                flat: flat[k],
                flat_div: flat_div[k],
                cum: cum[k],
                cum_div: cum_div[k],
                in_edges: Vec::new(),
                out_edges: Vec::new(),
                label_tags: Vec::new(),
                numeric_tags: Vec::new(),
            });
        }
        if let Some(t) = tags {
            self.collect_tags(keys, kept, t)
                .attach(t, &slot, &mut nodes);
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

    /// pprof's `newTrimmedGraph` for the text reports: returns the graph,
    /// the node count before `nodecount` selection, and the number of
    /// nodes dropped by `nodefraction`.
    pub fn trimmed_graph<'k, 'q>(
        &self,
        keys: &'k NodeKeys<'q>,
        node_count: usize,
    ) -> TrimmedGraph<'k, 'q> {
        // The first graph only decides which nodes survive nodefraction;
        // its edges are never looked at unless nothing is dropped, and
        // then the full build below makes them.
        let first = self.build_nodes(keys);
        let (node_cutoff, edge_cutoff) = self.cutoffs(&first);
        let (mut g, dropped_nodes) = match node_fraction_survivors(&first, keys.len(), node_cutoff)
        {
            Some((kept, dropped)) => (self.build_graph(keys, Some(&kept)), dropped),
            None => (self.build_graph(keys, None), 0),
        };
        let orig_count = g.nodes.len();
        let order = if self.opts.cum {
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
                g = self.build_graph(keys, Some(&kept));
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
}

impl Report<'_> {
    /// pprof's node and edge cutoffs: fractions of the sum of the first
    /// graph's flat values (the net sum for diffs, raw sums with --mean).
    fn cutoffs(&self, first: &Graph) -> (i64, i64) {
        let total_value: i64 = first.nodes.iter().map(|n| n.flat).sum();
        (
            ((total_value as f64 * self.node_fraction) as i64).abs(),
            ((total_value as f64 * self.edge_fraction) as i64).abs(),
        )
    }
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

/// A hasher for keys that are already well-spread integers: one
/// SplitMix64 finalisation of the `u64` written.
#[derive(Default)]
pub struct Mix64(u64);

impl std::hash::Hasher for Mix64 {
    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// The result of [`Report::trimmed_graph`].
pub struct TrimmedGraph<'k, 'p> {
    pub graph: Graph,
    pub orig_count: usize,
    pub dropped_nodes: usize,
    pub dropped_edges: usize,
    pub names: NameCache<'k, 'p>,
}

/// Printable names of node keys, computed once each.
pub struct NameCache<'k, 'p> {
    pub keys: &'k NodeKeys<'p>,
    cache: HashMap<u32, String>,
}

impl<'k, 'p> NameCache<'k, 'p> {
    pub fn new(keys: &'k NodeKeys<'p>) -> Self {
        NameCache {
            keys,
            cache: HashMap::new(),
        }
    }

    /// pprof's `PrintableName` of node key `id`.
    pub fn get(&mut self, id: u32) -> &str {
        let keys = self.keys;
        self.cache
            .entry(id)
            .or_insert_with(|| keys.printable_name(id))
    }

    /// pprof's `comparePrintableName`, returning an ordering.
    fn compare(&mut self, a: u32, b: u32) -> Ordering {
        if a == b {
            return Ordering::Equal;
        }
        let (ka, kb) = (self.keys.keys[a as usize], self.keys.keys[b as usize]);
        if ka.address != 0 && kb.address != 0 && ka.address != kb.address {
            return ka.address.cmp(&kb.address);
        }
        let na = self.get(a).to_string();
        na.as_str().cmp(self.get(b))
    }
}

/// Removes edges lighter than `cutoff` from the nodes' in-edge lists;
/// returns how many went (pprof's `TrimLowFrequencyEdges`).
fn trim_low_frequency_edges(g: &mut Graph, cutoff: i64) -> usize {
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

// ---------------------------------------------------------------------------
// Label tags, entropy order and the visual trimming of the DOT graph.

/// pprof's `Tag`: a label value attached to a node, with the share of the
/// node's flat and cum values carried by samples with that label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// The label set (`key:value` lines joined by a literal `\n`) for
    /// label tags; the formatted value for numeric tags.
    pub name: String,
    /// Unit of a numeric tag, `""` for a label tag.
    pub unit: String,
    /// Numeric value of a numeric tag (the first one seen with this name).
    pub value: i64,
    pub flat: i64,
    pub flat_div: i64,
    pub cum: i64,
    pub cum_div: i64,
}

impl Tag {
    /// Flat value, as a mean when a divisor is known.
    pub fn flat_value(&self) -> i64 {
        per_divisor(self.flat, self.flat_div)
    }

    /// Cumulative value, as a mean when a divisor is known.
    pub fn cum_value(&self) -> i64 {
        per_divisor(self.cum, self.cum_div)
    }
}

/// pprof's `SortTags`: heaviest first (by |cum| unless `flat`, then by
/// |flat|), then by name. Completed to a total order for equal names.
pub fn sort_tags(tags: &mut [Tag], flat: bool) {
    tags.sort_by(|a, b| {
        let by_cum = if !flat && a.cum != b.cum {
            b.cum.wrapping_abs().cmp(&a.cum.wrapping_abs())
        } else {
            Ordering::Equal
        };
        by_cum
            .then_with(|| {
                if a.flat != b.flat {
                    b.flat.wrapping_abs().cmp(&a.flat.wrapping_abs())
                } else {
                    Ordering::Equal
                }
            })
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| b.cum.cmp(&a.cum))
            .then_with(|| b.flat.cmp(&a.flat))
            .then_with(|| a.value.cmp(&b.value))
    });
}

/// What every sample contributes to node tags, computed once per report:
/// its label set (pprof's `joinLabels`, without `pprof::base`) and its
/// `bytes` numeric labels, formatted as pprof's report formats them
/// (`ScaledLabel(v, unit, outputUnit)` with the output unit as it is before
/// the report selects one). Other numeric labels are ignored, as pprof's
/// `Report.newGraph` drops them.
///
/// Samples with the same label set and the same `bytes` values share a
/// signature; tags are summed per signature group (one walk over the
/// stacks, like the graph build) and only then spread over the tags of
/// the group, instead of once per tag, node and sample as pprof does.
pub struct SampleTags {
    /// Interned tag names; 0 is `""`.
    names: Vec<String>,
    /// Signatures: label set and `(name, value)` of each `bytes` label;
    /// signature 0 is "no tag at all".
    sigs: Vec<(u32, Vec<(u32, i64)>)>,
    /// Sample indices grouped by signature (profile order within a group):
    /// `order[group_ends[g-1]..group_ends[g]]` have signature `g + 1`.
    order: Vec<u32>,
    group_ends: Vec<u32>,
    unit: String,
}

impl SampleTags {
    /// The tags of every sample of `r`'s profile; `None` when no sample
    /// has a label that makes a tag.
    pub fn new(r: &Report) -> Option<SampleTags> {
        use rprof_profile::filter::{LabelKind, label_kind};
        let p = r.profile;
        let s = &p.samples;
        if !s.has_labels() {
            return None;
        }
        let units = crate::traces::num_label_units(p);
        let unit = units
            .get("bytes")
            .cloned()
            .unwrap_or_else(|| "bytes".to_string());
        let mut names = vec![String::new()];
        let mut name_ids: HashMap<String, u32> = HashMap::new();
        name_ids.insert(String::new(), 0);
        let mut intern = |names: &mut Vec<String>, s: String| -> u32 {
            if let Some(&i) = name_ids.get(&s) {
                return i;
            }
            let i = names.len() as u32;
            names.push(s.clone());
            name_ids.insert(s, i);
            i
        };
        let mut sigs: Vec<(u32, Vec<(u32, i64)>)> = vec![(0, Vec::new())];
        let mut sig_ids: HashMap<(u32, Vec<(u32, i64)>), u32> = HashMap::new();
        let mut sample_sig: Vec<u32> = Vec::with_capacity(s.len());
        let mut parts: Vec<String> = Vec::new();
        let mut nums: Vec<(u32, i64)> = Vec::new();
        for i in 0..s.len() {
            parts.clear();
            nums.clear();
            for l in s.labels(i) {
                match label_kind(l) {
                    LabelKind::Str => {
                        let key = p.str(l.key);
                        if key != "pprof::base" {
                            parts.push(format!("{key}:{}", p.str(l.str)));
                        }
                    }
                    LabelKind::Num if p.str(l.key) == "bytes" => {
                        let name = measurement::scaled_label(l.num, &unit, &r.output_unit);
                        nums.push((intern(&mut names, name), l.num));
                    }
                    _ => {}
                }
            }
            let set = if parts.is_empty() {
                0
            } else {
                parts.sort();
                intern(&mut names, parts.join("\\n"))
            };
            let sig = if set == 0 && nums.is_empty() {
                0
            } else {
                let key = (set, nums.clone());
                *sig_ids.entry(key.clone()).or_insert_with(|| {
                    sigs.push(key);
                    (sigs.len() - 1) as u32
                })
            };
            sample_sig.push(sig);
        }
        if sigs.len() == 1 {
            return None;
        }
        // Counting sort of the tagged samples by signature.
        let mut group_ends = vec![0u32; sigs.len() - 1];
        for &g in &sample_sig {
            if g != 0 {
                group_ends[g as usize - 1] += 1;
            }
        }
        let mut next = Vec::with_capacity(group_ends.len());
        let mut acc = 0u32;
        for e in group_ends.iter_mut() {
            next.push(acc);
            acc += *e;
            *e = acc;
        }
        let mut order = vec![0u32; acc as usize];
        for (i, &g) in sample_sig.iter().enumerate() {
            if g != 0 {
                let at = &mut next[g as usize - 1];
                order[*at as usize] = i as u32;
                *at += 1;
            }
        }
        Some(SampleTags {
            names,
            sigs,
            order,
            group_ends,
            unit,
        })
    }
}

#[derive(Clone, Copy)]
struct TagSums {
    /// Index of the first sample that made the tag, and its value.
    first: u32,
    value: i64,
    flat: i64,
    flat_div: i64,
    cum: i64,
    cum_div: i64,
}

impl TagSums {
    fn new() -> Self {
        TagSums {
            first: u32::MAX,
            value: 0,
            flat: 0,
            flat_div: 0,
            cum: 0,
            cum_div: 0,
        }
    }

    fn add(&mut self, o: &TagSums) {
        self.flat += o.flat;
        self.flat_div += o.flat_div;
        self.cum += o.cum;
        self.cum_div += o.cum_div;
    }
}

/// Tag sums of one graph build, keyed by node key id.
struct TagAcc {
    /// (node, label set) -> sums.
    label: HashMap<(u32, u32), TagSums>,
    /// (node, label set, name) -> sums and value.
    num: HashMap<(u32, u32, u32), TagSums>,
}

impl Report<'_> {
    /// The tags of every node (pprof's `Node.addSample`, for the tags):
    /// per signature group, flat and cum of each node over the group's
    /// samples, walked exactly as [`Report::build_graph`] walks them.
    fn collect_tags(&self, keys: &NodeKeys, kept: Option<&[bool]>, t: &SampleTags) -> TagAcc {
        let s = &self.profile.samples;
        let n = keys.len();
        let mut acc = TagAcc {
            label: HashMap::new(),
            num: HashMap::new(),
        };
        let mut sums = vec![TagSums::new(); n];
        let mut seen = vec![0u32; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut generation = 0u32;
        let mut start = 0usize;
        for (g, &end) in t.group_ends.iter().enumerate() {
            touched.clear();
            for &i in &t.order[start..end as usize] {
                let i = i as usize;
                let w = s.value(i, self.sample_index);
                let dw = if self.mean { s.value(i, 0) } else { 0 };
                if dw == 0 && w == 0 {
                    continue;
                }
                generation += 1;
                let mut leaf: Option<u32> = None;
                let mut residual = false;
                for &loc in s.stack(i).iter().rev() {
                    for &node in keys.of_location(loc).iter().rev() {
                        if kept.is_some_and(|k| !k[node as usize]) {
                            residual = true;
                            continue;
                        }
                        let nu = node as usize;
                        if seen[nu] != generation {
                            seen[nu] = generation;
                            let sm = &mut sums[nu];
                            if sm.first == u32::MAX {
                                sm.first = i as u32;
                                touched.push(node);
                            }
                            sm.cum += w;
                            sm.cum_div += dw;
                        }
                        leaf = Some(node);
                        residual = false;
                    }
                }
                if let Some(leaf) = leaf
                    && !residual
                {
                    sums[leaf as usize].flat += w;
                    sums[leaf as usize].flat_div += dw;
                }
            }
            start = end as usize;
            let (set, nums) = &t.sigs[g + 1];
            for &node in &touched {
                let sm = std::mem::replace(&mut sums[node as usize], TagSums::new());
                if *set != 0 {
                    acc.label
                        .entry((node, *set))
                        .or_insert_with(TagSums::new)
                        .add(&sm);
                }
                for &(name, v) in nums {
                    let cell = acc
                        .num
                        .entry((node, *set, name))
                        .or_insert_with(TagSums::new);
                    cell.add(&sm);
                    // The value of the sample that created the tag; within
                    // one sample, the first label with this name.
                    if sm.first < cell.first {
                        cell.first = sm.first;
                        cell.value = v;
                    }
                }
            }
        }
        acc
    }
}

impl TagAcc {
    /// Moves the sums onto the nodes of the graph (`slot[key]`).
    fn attach(self, t: &SampleTags, slot: &[u32], nodes: &mut [Node]) {
        let tag = |name: u32, unit: &str, s: &TagSums| Tag {
            name: t.names[name as usize].clone(),
            unit: unit.to_string(),
            value: s.value,
            flat: s.flat,
            flat_div: s.flat_div,
            cum: s.cum,
            cum_div: s.cum_div,
        };
        for ((node, set), s) in &self.label {
            if let Some(&sl) = slot.get(*node as usize)
                && sl != u32::MAX
            {
                nodes[sl as usize].label_tags.push(tag(*set, "", s));
            }
        }
        let mut groups: HashMap<(u32, u32), Vec<Tag>> = HashMap::new();
        for ((node, set, name), s) in &self.num {
            if let Some(&sl) = slot.get(*node as usize)
                && sl != u32::MAX
            {
                groups
                    .entry((sl, *set))
                    .or_default()
                    .push(tag(*name, &t.unit, s));
            }
        }
        for ((sl, set), tags) in groups {
            nodes[sl as usize]
                .numeric_tags
                .push((t.names[set as usize].clone(), tags));
        }
        for n in nodes.iter_mut() {
            n.label_tags.sort_by(|a, b| a.name.cmp(&b.name));
            n.numeric_tags.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, tags) in &mut n.numeric_tags {
                tags.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
    }
}

/// pprof's `TrimLowFrequencyTags`: keeps tags with |flat| or |cum| at
/// least `cutoff`.
pub fn trim_low_frequency_tags(g: &mut Graph, cutoff: i64) {
    let keep = |t: &Tag| t.flat.wrapping_abs() >= cutoff || t.cum.wrapping_abs() >= cutoff;
    for n in &mut g.nodes {
        n.label_tags.retain(keep);
        for (_, tags) in &mut n.numeric_tags {
            tags.retain(keep);
        }
    }
}

/// pprof's `countTags`: tags with a non-zero flat value.
fn count_tags(n: &Node) -> usize {
    n.label_tags.iter().filter(|t| t.flat != 0).count()
        + n.numeric_tags
            .iter()
            .flat_map(|(_, ts)| ts.iter())
            .filter(|t| t.flat != 0)
            .count()
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
            score += -frac * crate::gomath::log2(frac);
        }
        if self_value > 0 {
            let frac = self_value.wrapping_abs() as f64 / total as f64;
            score += -frac * crate::gomath::log2(frac);
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

impl Report<'_> {
    /// pprof's `newTrimmedGraph` in visual mode (`-dot` and the graphical
    /// formats): nodes carry label tags, are sorted in entropy order, and
    /// their nodelets count towards `node_count`; redundant residual
    /// edges are removed at the end.
    pub fn trimmed_graph_visual<'k, 'q>(
        &self,
        keys: &'k NodeKeys<'q>,
        node_count: usize,
    ) -> TrimmedGraph<'k, 'q> {
        let tags = SampleTags::new(self);
        let tags = tags.as_ref();
        // As in `trimmed_graph`: the first graph only decides which nodes
        // survive nodefraction, so it is built without edges and tags,
        // and the full build follows whatever it decides.
        let first = self.build_nodes(keys);
        let (node_cutoff, edge_cutoff) = self.cutoffs(&first);
        let (mut g, dropped_nodes) = match node_fraction_survivors(&first, keys.len(), node_cutoff)
        {
            Some((kept, dropped)) => (self.build_graph_tagged(keys, Some(&kept), tags), dropped),
            None => (self.build_graph_tagged(keys, None, tags), 0),
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
                g = self.build_graph_tagged(keys, Some(&kept), tags);
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
}

/// Node and edge sums over some of a profile's samples, by node key.
struct Sums {
    flat: Vec<i64>,
    flat_div: Vec<i64>,
    cum: Vec<i64>,
    cum_div: Vec<i64>,
    visited: Vec<bool>,
    edges: Vec<Edge>,
    // Keyed by caller << 32 | callee. The hash is a SplitMix64 finaliser,
    // not SipHash (the keys are ours, and this runs once per frame of
    // every sample) and not Fx, whose low bits collide on such keys.
    edge_ids: HashMap<u64, u32, BuildHasherDefault<Mix64>>,
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
            edge_ids: HashMap::default(),
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
            let key = u64::from(e.src) << 32 | u64::from(e.dst);
            match self.edge_ids.entry(key) {
                std::collections::hash_map::Entry::Occupied(o) => {
                    let ed = &mut self.edges[*o.get() as usize];
                    ed.weight += e.weight;
                    ed.weight_div += e.weight_div;
                    ed.residual |= e.residual;
                    ed.inline &= e.inline;
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(self.edges.len() as u32);
                    self.edges.push(e);
                }
            }
        }
        self
    }
}
