//! The integration tests of rprof-report, one binary: a module per subject,
//! helpers shared through `crate::` and `rprof_testkit`.

mod diff_invariants;
mod diff_snapshots;
mod graph_pprof_compare;
mod graph_tree_dot;
mod raw_conformance;
mod svg_render;
