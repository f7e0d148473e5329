//! The call tree behind every flame graph, for callers that draw it
//! themselves (the web UI sends it to the browser in pieces).
//!
//! A [`CallTree`] is the tree the SVG is laid out from: node 0 is the root
//! ("all"), every other node is one frame under one parent, children in
//! name order. Node ids are stable for the same inputs and options (the
//! tree is built deterministically), so a client may ask for a node's
//! subtree later by its id.

use crate::diff::DiffTree;
use crate::palette::{self, Category, Rgb};
use crate::stacks::{AddOptions, CALLED, Frames, INLINED, Tree};
use crate::{FlameError, FlameOptions, is_memory};
use rprof_report::Report;

/// How a node was reached: only through inlined calls, only through real
/// calls, or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inlining {
    /// Every sample reached the frame as a real call.
    Called,
    /// Every sample reached it as an inlined call.
    Inlined,
    /// Some samples one way, some the other.
    Partly,
}

/// The call tree of one profile, or of two (a differential graph).
pub struct CallTree {
    tree: Tree,
    frames: Frames,
    /// `Some(factor)` for a differential tree: multiplies base values
    /// into the current profile's unit.
    base_factor: Option<f64>,
    mean: bool,
    memory: bool,
}

impl CallTree {
    /// The tree of `report`'s samples, sized by |value|; `reverse` puts
    /// the leaf functions at the root (the callers view).
    pub fn new(report: &Report, reverse: bool) -> Self {
        let keys = rprof_report::graph::NodeKeys::for_report(report);
        let mut frames = Frames::default();
        let mut tree = Tree::new(1, report.mean());
        let add = AddOptions {
            col: 0,
            reverse,
            abs: true,
        };
        tree.add_report(&mut frames, report, &keys, add);
        tree.finish(&frames.ranks());
        CallTree {
            tree,
            frames,
            base_factor: None,
            mean: report.mean(),
            memory: is_memory(report),
        }
    }

    /// The differential tree of `base` → `current`, as
    /// [`crate::write_diff_svg`] builds it (`opts.reverse` and
    /// `opts.normalize` apply).
    pub fn diff(base: &Report, current: &Report, opts: &FlameOptions) -> Result<Self, FlameError> {
        let d = DiffTree::new(base, current, opts)?;
        Ok(CallTree {
            base_factor: Some(d.factor),
            tree: d.tree,
            frames: d.frames,
            mean: false,
            memory: is_memory(current),
        })
    }

    /// Number of nodes, the root included.
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// Never true: the root is always there.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether this is a differential tree (with [`CallTree::base_value`]).
    pub fn is_diff(&self) -> bool {
        self.base_factor.is_some()
    }

    /// The children of `node`, in name order.
    pub fn children(&self, node: u32) -> &[u32] {
        self.tree.children(node)
    }

    /// The parent of `node` (`None` for the root).
    pub fn parent(&self, node: u32) -> Option<u32> {
        let p = self.tree.parent[node as usize];
        (p != u32::MAX).then_some(p)
    }

    /// The frame id of `node`: equal names share one id.
    pub fn frame(&self, node: u32) -> u32 {
        self.tree.frame[node as usize]
    }

    /// Number of distinct frame names.
    pub fn frame_count(&self) -> usize {
        self.frames.names.len()
    }

    /// The name of frame `frame` (see [`CallTree::frame`]).
    pub fn frame_name(&self, frame: u32) -> &str {
        &self.frames.names[frame as usize]
    }

    /// The Go palette's colour of frame `frame` (memory colours for heap
    /// profiles), as drawn for a frame reached by real calls.
    pub fn frame_color(&self, frame: u32) -> Rgb {
        let f = frame as usize;
        palette::go_color(
            self.frames.categories[f],
            &self.frames.names[f],
            false,
            self.memory,
        )
    }

    /// The colour of the root frame.
    pub fn root_color(&self) -> Rgb {
        palette::go_color(Category::Other, "all", false, self.memory)
    }

    /// The name shown for `node` ("all" for the root).
    pub fn name(&self, node: u32) -> &str {
        if node == 0 {
            "all"
        } else {
            self.frame_name(self.frame(node))
        }
    }

    /// How samples reached `node`.
    pub fn inlining(&self, node: u32) -> Inlining {
        match self.tree.inline[node as usize] {
            INLINED => Inlining::Inlined,
            x if x == INLINED | CALLED => Inlining::Partly,
            _ => Inlining::Called,
        }
    }

    /// |value| of all samples through `node` (its width); for a
    /// differential tree, of the current profile.
    pub fn total(&self, node: u32) -> i64 {
        self.tree.cum(node, 0)
    }

    /// |value| of the samples ending at `node`.
    pub fn own(&self, node: u32) -> i64 {
        self.tree.own(node, 0)
    }

    /// The value to show for `node`: [`CallTree::total`], or with
    /// `--mean` the total divided by the summed counts.
    pub fn shown(&self, node: u32) -> i64 {
        let cum = self.total(node);
        let div = self.tree.cum_div(node);
        if self.mean && div != 0 {
            cum / div
        } else {
            cum
        }
    }

    /// Differential trees: the base profile's |value| through `node`, in
    /// the current profile's unit (normalized if asked).
    pub fn base_value(&self, node: u32) -> Option<i64> {
        let f = self.base_factor?;
        let v = self.tree.cum(node, 1);
        Some(if f == 1.0 {
            v
        } else {
            (v as f64 * f).round() as i64
        })
    }

    /// Differential trees: the colour for a change `delta` when the
    /// largest change shown is `max` (red grew, blue shrank).
    pub fn diff_color(delta: i64, max: i64) -> Rgb {
        palette::diff_color(delta, max)
    }
}
