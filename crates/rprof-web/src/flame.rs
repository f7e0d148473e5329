//! The flame graph's data: a call tree sent in pieces bounded by what a
//! screen can show.
//!
//! A request names a node (the root for the first view) and gets that
//! node's subtree with every frame narrower than [`MIN_FRACTION`] of the
//! node left out, and at most [`MAX_NODES`] frames (the threshold rises
//! until they fit). A frame whose children were left out is marked, and
//! the page asks for its subtree when the user zooms into it, so deeper
//! parts arrive only when they become wide enough to see. On the
//! 200k-stack test profile the first view is a few hundred kilobytes
//! where pprof inlines every sample's stack (about 200 MB).

use crate::pipeline::FlameTree;
use serde::Serialize;

/// Frames narrower than this fraction of the requested node are not sent:
/// a quarter of a pixel on a 4096-pixel-wide graph.
pub const MIN_FRACTION: f64 = 1.0 / 16384.0;

/// At most this many frames per response.
pub const MAX_NODES: usize = 25_000;

/// Bits of [`Subtree::nodes`]' flags column.
pub mod flags {
    /// Only ever reached as an inlined call.
    pub const INLINED: i64 = 1;
    /// Reached both inlined and called.
    pub const PARTLY_INLINED: i64 = 2;
    /// Some children were left out (fetch the subtree to see them).
    pub const TRUNCATED: i64 = 4;
}

/// Columns per node in [`Subtree::nodes`].
pub const STRIDE: usize = 7;

/// A piece of the tree, as the page's script reads it.
#[derive(Serialize)]
pub struct Subtree {
    /// Frame names used by `nodes`.
    pub names: Vec<String>,
    /// Their colours (`#rrggbb`, the Go palette), same order.
    pub colors: Vec<String>,
    /// [`STRIDE`] numbers per node, parents before children, siblings in
    /// name order: node id, index of the parent in this list (-1 for the
    /// first), name index, width (|value| through the node), self value,
    /// shown value (the mean with `mean`), flags ([`flags`]); for a
    /// differential tree an eighth: the base's value.
    pub nodes: Vec<i64>,
    /// Numbers per node (7, or 8 with a base column).
    pub stride: usize,
    /// Frames narrower than this value were left out.
    pub cutoff: i64,
}

/// The subtree of `root` (a node id of `t`), pruned as the module says.
pub fn subtree(t: &FlameTree, root: u32, min_fraction: f64, max_nodes: usize) -> Subtree {
    let tree = &t.tree;
    let root_width = tree.total(root).max(1);
    let mut cutoff = ((root_width as f64 * min_fraction).ceil() as i64).max(1);
    // Count what passes; raise the cutoff until at most max_nodes do.
    let mut widths = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        for &c in tree.children(n) {
            let w = tree.total(c);
            if w >= cutoff {
                widths.push(w);
                stack.push(c);
            }
        }
        if widths.len() > 4 * max_nodes {
            // Enough to know the cutoff must rise: raise it and restart.
            cutoff *= 2;
            widths.clear();
            stack.clear();
            stack.push(root);
        }
    }
    if widths.len() > max_nodes {
        let k = max_nodes;
        widths.select_nth_unstable_by(k, |a, b| b.cmp(a));
        cutoff = cutoff.max(widths[k] + 1);
    }

    let diff = tree.is_diff();
    let stride = if diff { STRIDE + 1 } else { STRIDE };
    let mut out = Subtree {
        names: Vec::new(),
        colors: Vec::new(),
        nodes: Vec::new(),
        stride,
        cutoff,
    };
    let mut name_of: std::collections::HashMap<u32, i64> = Default::default();
    // (node, index of its parent in the output)
    let mut stack: Vec<(u32, i64)> = vec![(root, -1)];
    let mut index = 0i64;
    while let Some((n, parent)) = stack.pop() {
        let (key, color) = if n == 0 {
            (u32::MAX, tree.root_color())
        } else {
            (tree.frame(n), tree.frame_color(tree.frame(n)))
        };
        let name = *name_of.entry(key).or_insert_with(|| {
            out.names.push(tree.name(n).to_string());
            out.colors
                .push(format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2));
            out.names.len() as i64 - 1
        });
        let mut f = match tree.inlining(n) {
            rprof_flame::Inlining::Inlined => flags::INLINED,
            rprof_flame::Inlining::Partly => flags::PARTLY_INLINED,
            rprof_flame::Inlining::Called => 0,
        };
        let kids = tree.children(n);
        for &c in kids.iter().rev() {
            let w = tree.total(c);
            if w >= cutoff {
                stack.push((c, index));
            } else if w > 0 || tree.base_value(c).unwrap_or(0) > 0 {
                f |= flags::TRUNCATED;
            }
        }
        out.nodes.extend_from_slice(&[
            i64::from(n),
            parent,
            name,
            tree.total(n),
            tree.own(n),
            tree.shown(n),
            f,
        ]);
        if diff {
            out.nodes.push(tree.base_value(n).unwrap_or(0));
        }
        index += 1;
    }
    out
}

/// What share of the total the frames matching `re` account for: the
/// widths of the outermost matching frames (a frame inside a matching
/// one is already counted), over the whole tree, pruned parts included.
pub fn matched(t: &FlameTree, re: &regex::Regex) -> i64 {
    let tree = &t.tree;
    let mut is_match: Vec<Option<bool>> = vec![None; tree.frame_count()];
    let mut sum = 0i64;
    let mut stack = vec![0u32];
    while let Some(n) = stack.pop() {
        for &c in tree.children(n) {
            let f = tree.frame(c) as usize;
            let m = *is_match[f].get_or_insert_with(|| re.is_match(tree.frame_name(f as u32)));
            if m {
                sum += tree.total(c);
            } else {
                stack.push(c);
            }
        }
    }
    sum
}
