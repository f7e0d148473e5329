//! Developer tasks: `cargo xtask <task>`.
//!
//! - `codegen`: regenerate the prost types in
//!   `crates/rprof-profile/src/pb.rs` from `proto/profile.proto`, with a
//!   pure-Rust protobuf compiler (protox), so nobody needs protoc.
//! - `fixtures`: build and run the Go programs under `fixtures/go/`, then
//!   run the real `go tool pprof` to write the expected outputs that the
//!   parity tests compare against (needs Go; never run in CI).
//! - `fixtures-diag`: build and run the Go programs under
//!   `fixtures/go/diag/` (Go 1.27 and Go 1.19) and write the goroutine
//!   dumps, gctrace logs, memstats series and race reports they print
//!   under `fixtures/diag/` (needs Go; never run in CI).
//! - `gen-big`: a large synthetic allocation profile (and a second one to
//!   diff against) and a fleet of 100 profiles under `target/big/`, from a
//!   deterministic generator, and, when Go is installed, the inputs of
//!   real Go programs: a deep-stacks allocation profile from
//!   `fixtures/go/deepalloc`, a busy and a dense 5-second execution trace
//!   from `fixtures/go/busytrace`.
//! - `deps`: module cycles inside each crate (there should be none).
//! - `bench`: rprof and the Go tools (`go tool pprof`, `go tool trace`)
//!   side by side on those inputs: wall time, peak RSS, ratios.

mod bench;
mod benchweb;
mod codegen;
mod deps;
mod diag;
mod fixtures;
mod genbig;

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => codegen::run(&root()),
        Some("fixtures") => fixtures::run(&root(), &args[1..]),
        Some("fixtures-diag") => diag::run(&root(), &args[1..]),
        Some("gen-big") => genbig::run(&root(), &args[1..]),
        Some("bench") => bench::run(&root(), &args[1..]),
        Some("deps") => deps::run(&root()),
        _ => {
            eprintln!(
                "usage: cargo xtask <codegen|deps|fixtures [--expected-only]|fixtures-diag|gen-big [OUT | --fleet N]|bench [--runs N] [--fleet N]>"
            );
            std::process::exit(2);
        }
    }
}

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}
