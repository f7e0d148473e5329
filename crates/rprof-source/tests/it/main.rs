//! The integration tests of rprof-source, one binary: a module per subject,
//! helpers shared through `crate::` and `rprof_testkit`.

mod faults;
mod support;
