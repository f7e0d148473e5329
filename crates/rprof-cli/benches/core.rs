//! Micro-benchmarks of the three costs that decide rprof's speed: decoding
//! a profile, aggregating it into the report graph, and folding stacks for
//! a flame graph. `cargo bench -p rprof-cli`; for the side-by-side
//! comparison with go tool pprof see `cargo xtask bench`.
//!
//! Inputs: the committed CPU and heap fixtures, and, when `cargo xtask
//! gen-big` has been run, the 200k-stack synthetic heap profile.

use criterion::{Criterion, criterion_group, criterion_main};
use rprof_report::{Report, ReportOptions};
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn inputs() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut v: Vec<(String, PathBuf)> = vec![
        ("cpu".into(), root.join("fixtures/profiles/cpu.pb.gz")),
        ("heap".into(), root.join("fixtures/profiles/heap.pb.gz")),
    ];
    let big = root.join("target/big/big.heap.pb.gz");
    if big.exists() {
        v.push(("big".into(), big));
    } else {
        eprintln!("(run `cargo xtask gen-big` to include the 200k-stack profile)");
    }
    v.into_iter()
        .map(|(n, p)| (n, std::fs::read(p).expect("fixture")))
        .collect()
}

fn benches(c: &mut Criterion) {
    for (name, bytes) in inputs() {
        let mut g = c.benchmark_group(&name);
        g.sample_size(10);
        g.bench_function("decode", |b| {
            b.iter(|| rprof_profile::parse(black_box(&bytes)).unwrap())
        });
        let p = rprof_profile::parse(&bytes).unwrap();
        let opts = ReportOptions::default();
        g.bench_function("aggregate (top graph)", |b| {
            b.iter(|| {
                let r = Report::new(&p, &opts).unwrap();
                let keys = rprof_report::graph::NodeKeys::for_report(&r);
                black_box(
                    rprof_report::graph::trimmed_graph(&r, &keys, 0)
                        .graph
                        .nodes
                        .len(),
                )
            })
        });
        g.bench_function("fold (flame stacks)", |b| {
            b.iter(|| {
                let r = Report::new(&p, &opts).unwrap();
                let keys = rprof_report::graph::NodeKeys::for_report(&r);
                black_box(rprof_flame::folded(&r, &keys, &Default::default()).len())
            })
        });
        g.finish();
    }
}

criterion_group!(core, benches);
criterion_main!(core);
