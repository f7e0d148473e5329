//! The integration tests of rprof-cli, one binary: a module per subject,
//! helpers shared through `crate::` and `rprof_testkit`.

mod bad_input;
mod cli;
mod diag;
mod diag_web;
#[cfg(feature = "fleet")]
mod fleet;
mod live;
mod multibyte;
mod outputs;
mod parity;
mod serving;
#[path = "../../../rprof-source/tests/it/support/mod.rs"]
mod support;
mod web;
