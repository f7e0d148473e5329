//! The integration tests of rprof-flame, one binary: a module per subject,
//! helpers shared through `crate::` and `rprof_testkit`.

mod common;
mod diff;
mod folded;
mod snapshot;
mod svg;
