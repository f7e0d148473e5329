//! Micro-benchmarks of the costs that decide rprof's speed: decoding
//! a profile, aggregating it into the report graph, folding stacks for
//! a flame graph, and reading an execution trace. `cargo bench -p
//! rprof-cli`; for the side-by-side comparison with go tool pprof and go
//! tool trace see `cargo xtask bench`.
//!
//! Inputs: the committed CPU and heap fixtures, and, when `cargo xtask
//! gen-big` has been run, the 200k-stack synthetic heap profile, the
//! allocation profile of deep stacks over few functions and the busy
//! execution trace.

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
    let deep = root.join("target/big/deep.heap.pb.gz");
    if big.exists() && deep.exists() {
        v.push(("big".into(), big));
        v.push(("deep".into(), deep));
    } else {
        eprintln!("(run `cargo xtask gen-big` to include the two 200k-stack profiles)");
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

/// The reading of an execution trace (decoding, Go's ordering) alone
/// (every event handed to a closure that counts it), with the cheapest
/// analysis, and with the summary's three: the busy trace of
/// `cargo xtask gen-big`, when it is there.
fn trace_benches(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Ok(bytes) = std::fs::read(root.join("target/big/busy.trace")) else {
        eprintln!("(run `cargo xtask gen-big` to include the busy trace)");
        return;
    };
    let mut g = c.benchmark_group("busy-trace");
    g.sample_size(10);
    g.throughput(criterion::Throughput::Bytes(bytes.len() as u64));
    g.bench_function("read", |b| {
        b.iter(|| {
            let mut r = rprof_trace::Reader::new(black_box(&bytes[..])).unwrap();
            let mut n = 0u64;
            rprof_trace::analysis::for_each_event(&mut r, |_| n += 1).unwrap();
            black_box(n)
        })
    });
    g.bench_function("pprof sched", |b| {
        b.iter(|| {
            let mut r = rprof_trace::Reader::new(black_box(&bytes[..])).unwrap();
            let p = rprof_trace::analysis::pprof_profile(
                &mut r,
                rprof_trace::analysis::PprofKind::Sched,
            )
            .unwrap();
            black_box(p.value.samples.len())
        })
    });
    g.bench_function("summary", |b| {
        b.iter(|| {
            let mut r = rprof_trace::Reader::new(black_box(&bytes[..])).unwrap();
            let s = rprof_trace::analysis::summary(&mut r, &Default::default()).unwrap();
            black_box(s.value)
        })
    });
    g.finish();
}

criterion_group!(core, benches, trace_benches);
criterion_main!(core);
