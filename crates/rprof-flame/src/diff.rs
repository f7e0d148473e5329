//! Differential flame graphs: what changed between a base profile and a
//! current one.
//!
//! Both profiles go into one call tree with two value columns (current,
//! base), over one frame space: frames are matched by their printable name
//! at the report's granularity, so the two profiles need not share any
//! ids. Nothing is subtracted: each column holds |value| sums of its own
//! profile, which is also inferno's two-column differential input.
//!
//! Frames are sized by the current profile (by the base with
//! [`FlameOptions::negate`], so that code that disappeared is visible) and
//! coloured by the change of their own width, current − base: red grew,
//! blue shrank, the intensity relative to the largest change of any drawn
//! frame ([`palette::diff_color`]). inferno and `flamegraph.pl` colour by
//! the change of a frame's *self* value instead, which leaves a frame white
//! when all of its change is in its callees (a new function that only calls
//! others); the cumulative change marks the whole path to what changed.

use crate::palette::{self, Rgb};
use crate::stacks::{AddOptions, Frames, Tree};
use crate::svg::{
    effective_min_width, inferno_options, inline_tag, kind, omitted, push_name, render, subtitle,
};
use crate::{FlameError, FlameOptions, check_comparable, default_count_name, value_label};
use inferno::flamegraph::color::BackgroundColor;
use rprof_profile::measurement::percentage;
use rprof_report::Report;
use std::fmt::Write as _;
use std::io::Write;

/// Column of the current profile's values.
const CURRENT: usize = 0;
/// Column of the base profile's values.
const BASE: usize = 1;

/// The call tree of two profiles.
pub(crate) struct DiffTree {
    pub tree: Tree,
    pub frames: Frames,
    /// Multiplies base values into the current profile's unit (and, with
    /// `normalize`, to its total).
    pub factor: f64,
}

impl DiffTree {
    pub(crate) fn new(
        base: &Report,
        current: &Report,
        opts: &FlameOptions,
    ) -> Result<Self, FlameError> {
        let mut factor = check_comparable(base, current)?;
        let (base_keys, current_keys) = (
            rprof_report::graph::NodeKeys::for_report(base),
            rprof_report::graph::NodeKeys::for_report(current),
        );
        let mut frames = Frames::default();
        let mut tree = Tree::new(2, false);
        let add = |col| AddOptions {
            col,
            reverse: opts.reverse,
            abs: true,
        };
        tree.add_reports(
            &mut frames,
            &[
                (current, &current_keys, add(CURRENT)),
                (base, &base_keys, add(BASE)),
            ],
        );
        tree.finish(&frames.ranks());
        if opts.normalize {
            let base_total = tree.cum(0, BASE) as f64 * factor;
            if base_total > 0.0 {
                factor *= tree.cum(0, CURRENT) as f64 / base_total;
            }
        }
        Ok(DiffTree {
            tree,
            frames,
            factor,
        })
    }

    /// A base value in the current profile's unit.
    pub(crate) fn base_scaled(&self, v: i64) -> i64 {
        if self.factor == 1.0 {
            v
        } else {
            (v as f64 * self.factor).round() as i64
        }
    }
}

/// Writes a differential flame graph of `base` → `current` as an
/// interactive SVG. Tooltips show the frame's value, its percentage of the
/// drawn profile's total, the other profile's value and the change.
pub fn write_diff_svg(
    base: &Report,
    current: &Report,
    opts: &FlameOptions,
    out: impl Write,
) -> Result<(), FlameError> {
    let mut io = inferno_options(opts, current.options().granularity)?;
    let d = DiffTree::new(base, current, opts)?;
    let tree = &d.tree;
    let (width_col, other_col) = if opts.negate {
        (BASE, CURRENT)
    } else {
        (CURRENT, BASE)
    };
    let width_total = tree.cum(0, width_col);
    if width_total == 0 {
        let r = if opts.negate { base } else { current };
        return Err(FlameError::Empty {
            sample_type: r.sample_type().to_string(),
        });
    }
    let delta = |node: u32| tree.cum(node, CURRENT) - d.base_scaled(tree.cum(node, BASE));
    io.min_width = effective_min_width(tree, width_col, opts);

    // The colour scale: the largest change of any frame that is drawn
    // (inferno's pruning rule), the root excepted.
    let min_time = io.min_width / (100.0 / width_total as f64);
    let mut max_delta = 0i64;
    for node in 1..tree.len() as u32 {
        let w = tree.cum(node, width_col);
        if w > 0 && (w as f64) >= min_time {
            max_delta = max_delta.max(delta(node).abs());
        }
    }

    let count_name = opts
        .count_name
        .clone()
        .unwrap_or_else(|| default_count_name(current.sample_type()));
    let value = |v: i64| value_label(current, v, &count_name);
    let (cur_total, base_total) = (tree.cum(0, CURRENT), d.base_scaled(tree.cum(0, BASE)));

    io.bgcolors = Some(BackgroundColor::Grey);
    io.count_name = count_name.clone();
    io.negate_differentials = opts.negate;
    io.title = opts.title.clone().unwrap_or_else(|| {
        format!(
            "Differential {}: {} → {}",
            kind(opts).to_lowercase(),
            opts.base_source.as_deref().unwrap_or("base"),
            opts.source.as_deref().unwrap_or("current")
        )
    });
    let min_width = io.min_width;
    io.subtitle = subtitle(opts, || {
        let mut s = format!(
            "Type: {} · Total: {} → {}",
            current.sample_type(),
            value(base_total),
            value(cur_total)
        );
        if base_total != 0 {
            let change = 100.0 * (cur_total - base_total) as f64 / base_total as f64;
            let _ = write!(s, " ({change:+.2}%)");
        }
        s.push_str(if opts.negate {
            " · widths: base"
        } else {
            " · widths: current"
        });
        if opts.normalize {
            s.push_str(" (base normalized)");
        }
        s.push_str(" · red: grew, blue: shrank");
        s.push_str(&omitted(opts, min_width));
        s
    });

    let label = |node: u32| -> String {
        let (cur, was) = (tree.cum(node, CURRENT), d.base_scaled(tree.cum(node, BASE)));
        let (shown, other, word, total) = if opts.negate {
            (was, cur, "now", base_total)
        } else {
            (cur, was, "was", cur_total)
        };
        let change = cur - was;
        let mut s = String::new();
        push_name(&mut s, tree, &d.frames, node);
        let _ = write!(
            s,
            " ({}{}, {}; {word} {}, ",
            inline_tag(tree, node),
            value(shown),
            percentage(shown, total).trim(),
            value(other)
        );
        if change == 0 {
            s.push_str("unchanged)");
        } else {
            let sign = if change > 0 { '+' } else { '-' };
            let _ = write!(s, "{sign}{}", value(change.abs()));
            if was != 0 {
                let _ = write!(s, ", {:+.2}%)", 100.0 * change as f64 / was as f64);
            } else {
                s.push_str(", new)");
            }
        }
        s
    };
    let fill = |node: u32| -> Option<Rgb> { Some(palette::diff_color(delta(node), max_delta)) };
    render(
        tree,
        &d.frames,
        width_col,
        Some(other_col),
        &mut io,
        label,
        fill,
        out,
    )
}
