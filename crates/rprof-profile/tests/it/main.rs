//! The integration tests of rprof-profile, one binary: a module per subject,
//! helpers shared through `crate::` and `rprof_testkit`.

mod filter_fixtures;
mod filter_name;
mod filter_regex;
mod filter_tagfilter;
mod fleet_merge;
mod legacy_go_text;
mod legacy_robustness;
mod proto_decoder;
mod write_roundtrip;
