//! The integration tests of rprof-trace, one binary: a module per subject,
//! helpers shared through `crate::` and `rprof_testkit`.

mod analysis_chrome;
mod analysis_pprof;
mod analysis_robustness;
mod analysis_summary;
mod analysis_support;
mod analysis_timeline;
mod analysis_webui;
mod common;
mod go_testdata;
mod parity;
mod robustness;
