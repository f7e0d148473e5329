//! Stack aggregation on integer ids: the call tree every output is made
//! from.
//!
//! A sample's stack is a slice of location indices; each location maps to
//! one or more node ids at the report's granularity ([`NodeKeys`], inlined
//! lines first). Node ids are mapped to *frame* ids, one per distinct
//! printable name, when first seen (so a name is produced once per key,
//! never per sample, and two profiles compared in a differential graph share
//! one frame space). The tree is a trie over frame ids, laid down from the
//! stacks in sorted order (each node is created once, never looked up),
//! values are added to the node the stack ends at, and cumulative values
//! are summed bottom-up in one pass because a child is always created
//! after its parent.
//!
//! Names are joined into `a;b;c` lines only afterwards, once per tree node
//! that is printed or drawn, never once per sample.

use crate::palette::{self, Category};
use rprof_report::Report;
use rprof_report::graph::NodeKeys;
use std::collections::HashMap;

/// The frame shown for a sample without any location.
pub(crate) const NO_STACK: &str = "[no stack]";

/// Frame names: one id per distinct printable name, with its Go category.
#[derive(Default)]
pub(crate) struct Frames {
    pub names: Vec<String>,
    pub categories: Vec<Category>,
    by_name: HashMap<String, u32>,
}

impl Frames {
    /// The frame id of a name, interning it on first sight.
    fn intern(&mut self, name: String, category: Category) -> u32 {
        if let Some(&id) = self.by_name.get(&name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.by_name.insert(name.clone(), id);
        self.names.push(name);
        self.categories.push(category);
        id
    }

    /// The frame id of node key `key`.
    fn of_key(&mut self, keys: &NodeKeys, key: u32) -> u32 {
        let k = &keys.keys[key as usize];
        let category = palette::category(keys.names.get(k.name), keys.names.get(k.file));
        self.intern(frame_name(&keys.printable_name(key)), category)
    }

    /// Rank of every frame id in name order, for sorting siblings.
    pub fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, &f) in order.iter().enumerate() {
            rank[f as usize] = r as u32;
        }
        rank
    }
}

/// A printable name made safe for the folded format: `;` separates frames
/// and a line ends at a newline, so neither may appear inside a name.
fn frame_name(name: &str) -> String {
    if name.contains([';', '\n', '\r']) {
        name.replace(';', ",").replace(['\n', '\r'], " ")
    } else {
        name.to_string()
    }
}

/// Bit set in [`Tree::inline`] when a sample reached the node as an
/// inlined call.
pub(crate) const INLINED: u8 = 1;
/// Bit set in [`Tree::inline`] when a sample reached the node as a real
/// call (or as the outermost frame of its location).
pub(crate) const CALLED: u8 = 2;

/// How samples are added to a [`Tree`].
#[derive(Clone, Copy)]
pub(crate) struct AddOptions {
    /// Which value column the samples go to.
    pub col: usize,
    /// Callers view: the leaf is the child of the root.
    pub reverse: bool,
    /// Add |value| (widths) instead of the signed value.
    pub abs: bool,
}

/// The call tree. Node 0 is the root ("all"); every other node is one
/// frame id under one parent. Values are kept per column (one column, or
/// current and base for a differential graph).
pub(crate) struct Tree {
    pub cols: usize,
    pub frame: Vec<u32>,
    pub parent: Vec<u32>,
    /// [`INLINED`] / [`CALLED`] bits per node.
    pub inline: Vec<u8>,
    /// Values of samples ending at the node: `own[node * cols + col]`.
    own: Vec<i64>,
    /// `--mean` divisors (value 0 of the samples), column 0 only.
    own_div: Vec<i64>,
    /// Filled by [`Tree::finish`].
    cum: Vec<i64>,
    cum_div: Vec<i64>,
    child_start: Vec<u32>,
    children: Vec<u32>,
}

impl Tree {
    /// An empty tree with `cols` value columns; `mean` keeps divisors.
    pub fn new(cols: usize, mean: bool) -> Self {
        Tree {
            cols,
            frame: vec![u32::MAX],
            parent: vec![u32::MAX],
            inline: vec![CALLED],
            own: vec![0; cols],
            own_div: if mean { vec![0] } else { Vec::new() },
            cum: Vec::new(),
            cum_div: Vec::new(),
            child_start: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Number of nodes, the root included.
    pub fn len(&self) -> usize {
        self.frame.len()
    }

    /// A new node for `frame` under `parent`.
    #[inline]
    fn new_child(&mut self, parent: u32, frame: u32) -> u32 {
        let id = self.frame.len() as u32;
        self.frame.push(frame);
        self.parent.push(parent);
        self.inline.push(0);
        self.own.extend(std::iter::repeat_n(0, self.cols));
        if !self.own_div.is_empty() {
            self.own_div.push(0);
        }
        id
    }

    /// Adds every sample of the report: its value at the report's sample
    /// index (and, with `--mean`, its divisor) to the node its stack ends at.
    pub fn add_report(&mut self, frames: &mut Frames, r: &Report, keys: &NodeKeys, o: AddOptions) {
        self.add_reports(frames, &[(r, keys, o)]);
    }

    /// [`Tree::add_report`] for several reports at once (the two columns
    /// of a differential graph), into a tree that has only its root.
    ///
    /// The stacks are spelled as frame-id paths, sorted (in parallel), and
    /// the trie is laid down in that order: a sample shares its prefix
    /// with the previous one and every node after it is new, so no node
    /// is ever looked up. Looking children up in a hash table was most of
    /// the time on big profiles of distinct stacks (millions of random
    /// accesses); the tree is the same (children are put in name order
    /// by [`Tree::finish`] either way), and frames are interned in the
    /// order the samples first name them, as a walk in sample order would.
    pub fn add_reports(
        &mut self,
        frames: &mut Frames,
        inputs: &[(&Report, &NodeKeys, AddOptions)],
    ) {
        assert_eq!(self.len(), 1, "add_reports needs a tree with only its root");
        let paths = Paths::collect(frames, inputs, !self.own_div.is_empty());
        self.lay_down(&paths);
    }

    /// [`Tree::add_report`] for a graph drawn with inferno's `min_width`
    /// (percent of the total): only the nodes it can draw are made. A
    /// node narrower than `min_width` (that is not a child of the root)
    /// is never drawn, nor is anything under it, since values are
    /// |values| and only shrink from a node to its children; its value is
    /// added to its parent's own value instead, which is all the drawing
    /// needs of it. On profiles of many distinct deep stacks this makes
    /// thousands of nodes instead of millions. Nodes at least that wide
    /// are exactly those of the full tree, with the same values and
    /// inline bits.
    pub fn add_report_drawable(
        &mut self,
        frames: &mut Frames,
        r: &Report,
        keys: &NodeKeys,
        o: AddOptions,
        min_width: f64,
    ) {
        assert_eq!(
            self.len(),
            1,
            "add_report_drawable needs a tree with only its root"
        );
        assert!(o.abs && self.cols == 1 && o.col == 0);
        let paths = Paths::collect(frames, &[(r, keys, o)], !self.own_div.is_empty());
        // Prefix sums of the values in sorted order: a node's samples are
        // a contiguous run of it, so its width is one subtraction.
        let m = paths.order.len();
        let mut pre_v = Vec::with_capacity(m + 1);
        let mut pre_d = Vec::with_capacity(m + 1);
        let (mut sv, mut sd) = (0i64, 0i64);
        pre_v.push(0);
        pre_d.push(0);
        for &k in &paths.order {
            let (_, v, d) = paths.vals[k as usize];
            sv += v;
            sd += d;
            pre_v.push(sv);
            pre_d.push(sd);
        }
        // inferno's rule, as `svg::render` applies it to the total.
        let min_time = min_width / (100.0 / sv as f64);
        let mean = !self.own_div.is_empty();
        // (node, depth, run of sorted samples through it).
        let mut todo: Vec<(u32, usize, usize, usize)> = vec![(0, 0, 0, m)];
        while let Some((node, depth, lo, hi)) = todo.pop() {
            let at = |i: usize| paths.path_of(paths.order[i] as usize);
            let mut i = lo;
            // Samples ending here sort first (a prefix before its
            // extensions).
            while i < hi && at(i).len() == depth {
                i += 1;
            }
            let mut own = pre_v[i] - pre_v[lo];
            let mut own_div = pre_d[i] - pre_d[lo];
            while i < hi {
                let f = at(i)[depth];
                // Sorted: the run of frame f at this depth ends where the
                // frame id grows.
                let j = i
                    + 1
                    + paths.order[i + 1..hi]
                        .partition_point(|&k| paths.path_of(k as usize)[depth] <= f);
                let w = pre_v[j] - pre_v[i];
                if node == 0 || (w > 0 && (w as f64) >= min_time) {
                    let child = self.new_child(node, f);
                    let mut bit = 0;
                    for &k in &paths.order[i..j] {
                        bit |= paths.bits_of(k as usize)[depth];
                    }
                    self.inline[child as usize] |= bit;
                    todo.push((child, depth + 1, i, j));
                } else {
                    own += w;
                    own_div += pre_d[j] - pre_d[i];
                }
                i = j;
            }
            self.own[node as usize] += own;
            if mean {
                self.own_div[node as usize] += own_div;
            }
        }
    }

    /// Lays the trie down from `paths` in sorted order.
    fn lay_down(&mut self, paths: &Paths) {
        let Paths {
            path,
            bits,
            ends,
            vals,
            order,
        } = paths;
        let span = |k: usize| (if k == 0 { 0 } else { ends[k - 1] })..ends[k];
        let cols = self.cols;
        // The nodes of the previous sample's path, root excluded.
        let mut prev: Vec<u32> = Vec::new();
        let mut prev_k: Option<usize> = None;
        for &k in order {
            let k = k as usize;
            let (p, b) = (&path[span(k)], &bits[span(k)]);
            let shared = match prev_k {
                Some(pk) => p
                    .iter()
                    .zip(&path[span(pk)])
                    .take_while(|(x, y)| x == y)
                    .count(),
                None => 0,
            };
            prev.truncate(shared);
            for (&node, &bit) in prev.iter().zip(b) {
                self.inline[node as usize] |= bit;
            }
            let mut cur = prev.last().copied().unwrap_or(0);
            for (&f, &bit) in p[shared..].iter().zip(&b[shared..]) {
                cur = self.new_child(cur, f);
                self.inline[cur as usize] |= bit;
                prev.push(cur);
            }
            let (col, v, d) = vals[k];
            self.own[cur as usize * cols + col] += v;
            if !self.own_div.is_empty() && col == 0 {
                self.own_div[cur as usize] += d;
            }
            prev_k = Some(k);
        }
    }

    /// Sums cumulative values bottom-up and lists every node's children,
    /// ordered by frame name (`rank` from [`Frames::ranks`]).
    pub fn finish(&mut self, rank: &[u32]) {
        let n = self.len();
        let cols = self.cols;
        self.cum = self.own.clone();
        self.cum_div = self.own_div.clone();
        // Children are created after their parent: one reverse pass.
        for i in (1..n).rev() {
            let p = self.parent[i] as usize;
            for c in 0..cols {
                self.cum[p * cols + c] += self.cum[i * cols + c];
            }
            if !self.cum_div.is_empty() {
                self.cum_div[p] += self.cum_div[i];
            }
        }
        let mut start = vec![0u32; n + 1];
        for i in 1..n {
            start[self.parent[i] as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut children = vec![0u32; n.saturating_sub(1)];
        for i in 1..n {
            let p = self.parent[i] as usize;
            children[fill[p] as usize] = i as u32;
            fill[p] += 1;
        }
        for p in 0..n {
            let kids = &mut children[start[p] as usize..start[p + 1] as usize];
            if kids.len() > 1 {
                kids.sort_unstable_by_key(|&c| rank[self.frame[c as usize] as usize]);
            }
        }
        self.child_start = start;
        self.children = children;
    }

    /// The children of `node`, in name order.
    pub fn children(&self, node: u32) -> &[u32] {
        let n = node as usize;
        &self.children[self.child_start[n] as usize..self.child_start[n + 1] as usize]
    }

    /// Value of the samples ending exactly at `node`.
    pub fn own(&self, node: u32, col: usize) -> i64 {
        self.own[node as usize * self.cols + col]
    }

    /// Value of all samples through `node`.
    pub fn cum(&self, node: u32, col: usize) -> i64 {
        self.cum[node as usize * self.cols + col]
    }

    /// Cumulative `--mean` divisor of `node` (0 without `--mean`).
    pub fn cum_div(&self, node: u32) -> i64 {
        self.cum_div.get(node as usize).copied().unwrap_or(0)
    }

    /// Every node for which `keep` holds (and whose ancestors are kept),
    /// in depth-first order with siblings by name; the root comes first.
    pub fn preorder(&self, keep: impl Fn(u32) -> bool) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut stack: Vec<(u32, u32)> = vec![(0, 0)];
        while let Some((node, depth)) = stack.pop() {
            out.push((node, depth));
            for &c in self.children(node).iter().rev() {
                if keep(c) {
                    stack.push((c, depth + 1));
                }
            }
        }
        out
    }
}

/// Every kept sample's stack spelled as a frame-id path from the root
/// (with the inline bit of each frame alongside), its column and values,
/// and the samples in the sorted order of their paths.
struct Paths {
    path: Vec<u32>,
    bits: Vec<u8>,
    ends: Vec<usize>,
    vals: Vec<(usize, i64, i64)>,
    order: Vec<u32>,
}

impl Paths {
    fn collect(
        frames: &mut Frames,
        inputs: &[(&Report, &NodeKeys, AddOptions)],
        mean: bool,
    ) -> Paths {
        use rayon::prelude::*;

        // Every kept sample: its path (frame ids from the root; the inline
        // bit of each frame alongside), its column and values.
        let mut path: Vec<u32> = Vec::new();
        let mut bits: Vec<u8> = Vec::new();
        let mut ends: Vec<usize> = Vec::new();
        let mut vals: Vec<(usize, i64, i64)> = Vec::new();
        let mut no_stack = u32::MAX;
        for &(r, keys, o) in inputs {
            let s = &r.profile().samples;
            let mean = mean && o.col == 0;
            // Node key id → frame id, filled on first use.
            let mut frame_of = vec![u32::MAX; keys.len()];
            for i in 0..s.len() {
                let mut v = s.value(i, r.sample_index());
                if o.abs {
                    v = v.abs();
                }
                let d = if mean { s.value(i, 0) } else { 0 };
                if v == 0 && d == 0 {
                    continue;
                }
                let start = path.len();
                let stack = s.stack(i);
                let mut walk = |loc: u32| {
                    let nodes = keys.of_location(loc);
                    let n = nodes.len();
                    for j in 0..n {
                        // Callers first (outermost line last in the list),
                        // unless the stack is walked leaf first.
                        let j = if o.reverse { j } else { n - 1 - j };
                        let key = nodes[j] as usize;
                        let mut f = frame_of[key];
                        if f == u32::MAX {
                            f = frames.of_key(keys, nodes[j]);
                            frame_of[key] = f;
                        }
                        path.push(f);
                        bits.push(if j + 1 < n { INLINED } else { CALLED });
                    }
                };
                if o.reverse {
                    stack.iter().for_each(|&l| walk(l));
                } else {
                    stack.iter().rev().for_each(|&l| walk(l));
                }
                if path.len() == start {
                    // A sample without locations still counts towards the
                    // total; give it a frame of its own.
                    if no_stack == u32::MAX {
                        no_stack = frames.intern(NO_STACK.to_string(), Category::Other);
                    }
                    path.push(no_stack);
                    bits.push(CALLED);
                }
                ends.push(path.len());
                vals.push((o.col, v, d));
            }
        }
        let span = |k: usize| (if k == 0 { 0 } else { ends[k - 1] })..ends[k];
        let mut order: Vec<u32> = (0..ends.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| path[span(a as usize)].cmp(&path[span(b as usize)]));
        Paths {
            path,
            bits,
            ends,
            vals,
            order,
        }
    }

    fn span(&self, k: usize) -> std::ops::Range<usize> {
        (if k == 0 { 0 } else { self.ends[k - 1] })..self.ends[k]
    }

    fn path_of(&self, k: usize) -> &[u32] {
        &self.path[self.span(k)]
    }

    fn bits_of(&self, k: usize) -> &[u8] {
        &self.bits[self.span(k)]
    }
}

/// Appends `a;b;c` (or, for the root, nothing) to `line` while walking a
/// preorder list: `path_end[d]` is where the path of the node at depth `d`
/// ends in `buf`.
pub(crate) struct PathBuf {
    buf: String,
    ends: Vec<usize>,
}

impl PathBuf {
    pub fn new() -> Self {
        PathBuf {
            buf: String::new(),
            ends: vec![0],
        }
    }

    /// Moves to a node at `depth` (≥ 1) named `name`, whose parent was the
    /// last node entered at `depth - 1`; returns the full path.
    pub fn enter(&mut self, depth: u32, name: &str, suffix: &str) -> &str {
        let d = depth as usize;
        self.buf.truncate(self.ends[d - 1]);
        self.ends.truncate(d);
        if d > 1 {
            self.buf.push(';');
        }
        self.buf.push_str(name);
        self.buf.push_str(suffix);
        self.ends.push(self.buf.len());
        &self.buf
    }
}
