//! The integration tests of rprof-diag, one binary: a module per subject,
//! helpers shared through `crate::` and `rprof_testkit`.

mod gctrace;
mod goroutines;
mod memstats;
mod race;
mod snapshots;

/// A file under `fixtures/diag/`, where `cargo xtask fixtures-diag` wrote
/// what the Go programs printed.
fn fixture(rel: &str) -> std::path::PathBuf {
    rprof_testkit::fixture("diag").join(rel)
}
