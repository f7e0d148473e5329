//! The integration tests of rprof-fleet, one binary (they need the
//! `engine` feature; `ballista` for the cluster test).

#[cfg(feature = "engine")]
mod fleet;
