//! Folded (collapsed) stacks: `main.main;main.work;runtime.mallocgc 4096`.
//!
//! One line per distinct stack at the report's granularity, frames root
//! first (leaf first with [`FlameOptions::reverse`]) and separated by `;`,
//! then the summed value in the profile's own unit: nanoseconds, bytes,
//! counts, unscaled (`--unit`, `--divide-by` and `--mean` only change how
//! values are *printed*, so they do not apply here). Lines come in tree
//! order: depth first, siblings by name, a stack before the stacks it is a
//! prefix of. This is the format of Brendan Gregg's `flamegraph.pl`,
//! inferno and speedscope.
//!
//! The differential form has two value columns, `stack BASE CURRENT`, which
//! is what `inferno-diff-folded` writes and `inferno-flamegraph` reads.

use crate::stacks::{AddOptions, Frames, PathBuf, Tree};
use crate::{FlameError, FlameOptions};
use rprof_report::Report;
use rprof_report::graph::NodeKeys;
use std::io::{BufWriter, Write};

/// The folded stacks of a report: `(stack, value)` per distinct stack
/// whose values do not sum to zero. The values add up to the sum of the
/// sample values at the report's sample index.
pub fn folded(report: &Report, keys: &NodeKeys, opts: &FlameOptions) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let _ = each_line(report, keys, opts, |stack, v| {
        out.push((stack.to_string(), v));
        Ok(())
    });
    out
}

/// Calls `emit` with every folded line, in tree order.
fn each_line(
    report: &Report,
    keys: &NodeKeys,
    opts: &FlameOptions,
    mut emit: impl FnMut(&str, i64) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut frames = Frames::default();
    let mut tree = Tree::new(1, false);
    let add = AddOptions {
        col: 0,
        reverse: opts.reverse,
        abs: false,
    };
    tree.add_report(&mut frames, report, keys, add);
    tree.finish(&frames.ranks());
    let mut path = PathBuf::new();
    for (node, depth) in tree.preorder(|_| true) {
        if node == 0 {
            continue;
        }
        let name = &frames.names[tree.frame[node as usize] as usize];
        let line = path.enter(depth, name, "");
        let v = tree.own(node, 0);
        if v != 0 {
            emit(line, v)?;
        }
    }
    Ok(())
}

/// Writes [`folded`] as text, one `stack value` line each, streaming (a
/// profile of deep, distinct stacks makes tens of megabytes of text).
pub fn write_folded(
    report: &Report,
    opts: &FlameOptions,
    out: impl Write,
) -> Result<(), FlameError> {
    let keys = rprof_report::graph::NodeKeys::for_report(report);
    let mut w = BufWriter::with_capacity(1 << 16, out);
    each_line(report, &keys, opts, |stack, v| writeln!(w, "{stack} {v}"))?;
    w.flush()?;
    Ok(())
}

/// Differential folded stacks: `(stack, base, current)` for every stack of
/// either profile, both values non-negative (|value| summed per stack, in
/// the current profile's unit; the base is scaled to its total with
/// [`FlameOptions::normalize`]). This is inferno's two-column input, made
/// from the two profiles, not from a subtraction.
pub fn diff_folded(
    base: &Report,
    current: &Report,
    opts: &FlameOptions,
) -> Result<Vec<(String, i64, i64)>, FlameError> {
    let mut out = Vec::new();
    each_diff_line(base, current, opts, |stack, b, c| {
        out.push((stack.to_string(), b, c));
        Ok(())
    })?;
    Ok(out)
}

fn each_diff_line(
    base: &Report,
    current: &Report,
    opts: &FlameOptions,
    mut emit: impl FnMut(&str, i64, i64) -> std::io::Result<()>,
) -> Result<(), FlameError> {
    let d = crate::diff::DiffTree::new(base, current, opts)?;
    let mut path = PathBuf::new();
    for (node, depth) in d.tree.preorder(|_| true) {
        if node == 0 {
            continue;
        }
        let name = &d.frames.names[d.tree.frame[node as usize] as usize];
        let line = path.enter(depth, name, "");
        let (b, c) = (d.base_scaled(d.tree.own(node, 1)), d.tree.own(node, 0));
        if b != 0 || c != 0 {
            emit(line, b, c)?;
        }
    }
    Ok(())
}

/// Writes [`diff_folded`] as text, one `stack base current` line each.
pub fn write_diff_folded(
    base: &Report,
    current: &Report,
    opts: &FlameOptions,
    out: impl Write,
) -> Result<(), FlameError> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    each_diff_line(base, current, opts, |stack, b, c| {
        writeln!(w, "{stack} {b} {c}")
    })?;
    w.flush()?;
    Ok(())
}
