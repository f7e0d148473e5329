//! Hand comparison of `tree`, `peek` and `dot` with the real
//! `go tool pprof`, for cases the CLI cannot run yet. Ignored by default
//! (it needs Go); run it with
//!
//! ```sh
//! cargo test -p rprof-report --test graph_pprof_compare -- --ignored --nocapture
//! ```
//!
//! `RPROF_GO` names the `go` binary (default `go` on the PATH);
//! `RPROF_COMPARE_CASES` replaces the built-in case list (same format,
//! one case per line, absolute profile paths allowed);
//! `RPROF_COMPARE_OUT` a directory where both outputs of every differing
//! case are written (`ID.pprof`, `ID.rprof`). Each case is written as a
//! line of `fixtures/cases.txt` would be: `ID report [RE] options file`.
//!
//! pprof's own output is not always the same from one run to the next:
//! with `--base`/`--diff-base`, edges of opposite equal weights (`0.01s`
//! and `-0.01s`) are sorted in Go's map order, so for the IDs in
//! [`UNORDERED`] only the multiset of lines is compared. At `--files`
//! granularity many nodes share one name and pprof's output (even which
//! nodes it keeps) varies between runs, so no such case is here.

use rprof_profile::compile_go_regex;
use rprof_report::{Report, ReportOptions};
use std::path::PathBuf;
use std::process::Command;

const CASES: &str = "
cpu.tree                     tree cpu.pb.gz
cpu.tree.nodecount=10        tree --nodecount=10 cpu.pb.gz
cpu.tree.cum.nodecount=15    tree --cum --nodecount=15 cpu.pb.gz
cpu.tree.focus=sortInts      tree --focus=sortInts cpu.pb.gz
cpu.peek.main                peek main\\. cpu.pb.gz
cpu.peek.sha256              peek sha256 cpu.pb.gz
cpu.peek.nodecount=3         peek runtime\\.mallocgc --nodecount=3 cpu.pb.gz
cpu.dot                      dot cpu.pb.gz
cpu.dot.nodecount=10         dot --nodecount=10 cpu.pb.gz
cpu.dot.nodecount=30         dot --nodecount=30 cpu.pb.gz
cpu.dot.nodecount=0          dot --nodecount=0 cpu.pb.gz
cpu.dot.focus=sortInts       dot --focus=sortInts cpu.pb.gz
cpu.dot.cum                  dot --cum cpu.pb.gz
heap.tree                    tree heap.pb.gz
heap.tree.nodecount=5        tree --nodecount=5 heap.pb.gz
heap.tree.sample_index=alloc_space tree --sample-index=alloc_space heap.pb.gz
heap.peek.alloc              peek alloc heap.pb.gz
heap.dot                     dot heap.pb.gz
heap.dot.nodecount=5         dot --nodecount=5 heap.pb.gz
heap.dot.nodecount=12        dot --nodecount=12 heap.pb.gz
heap.dot.sample_index=alloc_space dot --sample-index=alloc_space heap.pb.gz
heap.dot.sample_index=alloc_objects dot --sample-index=alloc_objects heap.pb.gz
heap.dot.focus=allocBuffer   dot --focus=allocBuffer heap.pb.gz
heap.dot.nodecount=0         dot --nodecount=0 heap.pb.gz
allocs.tree                  tree allocs.pb.gz
allocs.dot                   dot allocs.pb.gz
block.tree                   tree block.pb.gz
block.tree.nodecount=8       tree --nodecount=8 block.pb.gz
block.peek.sync              peek sync\\. block.pb.gz
block.dot                    dot block.pb.gz
block.dot.nodecount=8        dot --nodecount=8 block.pb.gz
block.dot.sample_index=contentions dot --sample-index=contentions block.pb.gz
block.dot.focus=Mutex        dot --focus=Mutex block.pb.gz
mutex.tree                   tree mutex.pb.gz
mutex.tree.nodecount=6       tree --nodecount=6 mutex.pb.gz
mutex.tree.focus=hash        tree --focus=hash mutex.pb.gz
mutex.peek.Unlock            peek Unlock mutex.pb.gz
mutex.dot                    dot mutex.pb.gz
mutex.dot.nodecount=6        dot --nodecount=6 mutex.pb.gz
mutex.dot.focus=hash         dot --focus=hash mutex.pb.gz
goroutine.tree               tree goroutine.pb.gz
goroutine.dot                dot goroutine.pb.gz
threadcreate.dot             dot threadcreate.pb.gz
cpu_labels.tree              tree cpu_labels.pb.gz
cpu_labels.dot               dot cpu_labels.pb.gz
cpu_labels.dot.nodecount=20  dot --nodecount=20 cpu_labels.pb.gz
cpu_labels.dot.nodecount=0   dot --nodecount=0 cpu_labels.pb.gz
cpu.v2.dot                   dot cpu.v2.pb.gz
heap.v2.dot                  dot heap.v2.pb.gz
mutex.v2.dot                 dot mutex.v2.pb.gz
block.v2.dot                 dot block.v2.pb.gz
allocs.v2.dot.sample_index=alloc_space dot --sample-index=alloc_space allocs.v2.pb.gz
cpu.peek.nomatch             peek zzzznomatch cpu.pb.gz
cpu.peek.sha256.focus=hashUnderLock peek sha256 --focus=hashUnderLock cpu.pb.gz
heap.tree.focus=allocBuffer  tree --focus=allocBuffer heap.pb.gz
block.tree.focus=Mutex       tree --focus=Mutex block.pb.gz
mutex.peek.focus=hash        peek Lock --focus=hash mutex.pb.gz
cpu.dot.edgefraction         dot --nodecount=0 --edgefraction=0.05 cpu.pb.gz
cpu.dot.lines                dot --lines cpu.pb.gz
cpu.tree.lines               tree --lines --nodecount=20 cpu.pb.gz
cpu.dot.addresses            dot --addresses --nodecount=25 cpu.pb.gz
cpu.dot.noinlines            dot --noinlines cpu.pb.gz
cpu.dot.unit                 dot --unit=ms --nodecount=20 cpu.pb.gz
cpu.dot.trim=false           dot --trim=false cpu.pb.gz
cpu.dot.diff_base            dot --diff-base=cpu.pb.gz cpu.v2.pb.gz
cpu.dot.base                 dot --base=cpu.pb.gz cpu.v2.pb.gz
cpu.tree.diff_base           tree --diff-base=cpu.pb.gz cpu.v2.pb.gz
heap.dot.diff_base           dot --diff-base=heap.pb.gz heap.v2.pb.gz
heap.dot.base.nodecount=15   dot --base=heap.pb.gz --nodecount=15 heap.v2.pb.gz
allocs.dot.base              dot --base=allocs.pb.gz --sample-index=alloc_space allocs.v2.pb.gz
block.dot.mean               dot --mean block.pb.gz
block.tree.mean              tree --mean block.pb.gz
mutex.dot.mean               dot --mean --nodecount=10 mutex.pb.gz
allocs.dot.alloc_space.nf0   dot --nodefraction=0 --sample-index=alloc_space allocs.pb.gz
allocs.dot.alloc_space.all   dot --nodefraction=0 --nodecount=0 --sample-index=alloc_space allocs.pb.gz
allocs.dot.alloc_space.nc10  dot --nodecount=10 --sample-index=alloc_space allocs.pb.gz
heap.v2.dot.alloc_space.nc20 dot --nodecount=20 --sample-index=alloc_space heap.v2.pb.gz
allocs.v2.dot.nf0            dot --nodefraction=0 --nodecount=0 --sample-index=alloc_objects allocs.v2.pb.gz
cpu_labels.dot.nodecount=8   dot --nodecount=8 cpu_labels.pb.gz
cpu_labels.dot.focus         dot --focus=sha256 cpu_labels.pb.gz
goroutine.dot.nodecount=0    dot --nodecount=0 --nodefraction=0 goroutine.pb.gz
synth.dot                    dot SYNTH
synth.dot.nodecount=6        dot --nodecount=6 SYNTH
synth.dot.nodecount=12       dot --nodecount=12 SYNTH
synth.dot.nodecount=0        dot --nodecount=0 --nodefraction=0 --edgefraction=0 SYNTH
synth.dot.alloc_objects      dot --sample-index=alloc_objects SYNTH
synth.dot.mean               dot --mean SYNTH
synth.dot.lines              dot --lines SYNTH
synth.dot.nf                 dot --nodefraction=0.05 --edgefraction=0.02 SYNTH
synth.dot.unit               dot --unit=kb SYNTH
synth.tree                   tree SYNTH
synth.tree.nodecount=5       tree --nodecount=5 SYNTH
synth.peek                   peek f[0-3] SYNTH
";

/// A profile with what the Go fixtures lack: string labels and `bytes`
/// labels on the same samples (numeric nodelets under label nodelets,
/// collapsed into ranges), names to shorten and to escape, inlined frames.
fn synth() -> Vec<u8> {
    use rprof_profile::pb;
    let mut strings: Vec<String> = vec![String::new()];
    let mut s = |x: &str| -> i64 {
        if let Some(i) = strings.iter().position(|y| y == x) {
            return i as i64;
        }
        strings.push(x.to_string());
        (strings.len() - 1) as i64
    };
    let mut p = pb::Profile {
        sample_type: vec![
            pb::ValueType {
                r#type: s("alloc_objects"),
                unit: s("count"),
            },
            pb::ValueType {
                r#type: s("alloc_space"),
                unit: s("bytes"),
            },
        ],
        period_type: Some(pb::ValueType {
            r#type: s("space"),
            unit: s("bytes"),
        }),
        period: 524288,
        time_nanos: 1_700_000_000_000_000_000,
        ..Default::default()
    };
    p.mapping.push(pb::Mapping {
        id: 1,
        memory_start: 0x400000,
        memory_limit: 0x800000,
        filename: s("/opt/synth/bin/synth"),
        build_id: s("feedface"),
        has_functions: true,
        ..Default::default()
    });
    let names = [
        "main.f0",
        "main.f1",
        "github.com/acme/lib/v3/pkg.f2",
        "example.com/x/y.(*T).f3",
        "main.\"quoted\".f4",
        "slices.f5[...]",
        "ns::Class::f6",
        "com.acme.Widget.f7",
        "runtime.f8",
        "main.f9.func1",
        "main.f10",
        "main.f11",
    ];
    for (i, n) in names.iter().enumerate() {
        p.function.push(pb::Function {
            id: i as u64 + 1,
            name: s(n),
            system_name: s(n),
            filename: s(&format!("src/file{}.go", i % 4)),
            start_line: 10 * i as i64,
        });
    }
    let mut rng = 12345u64;
    let mut next = |n: u64| -> u64 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (rng >> 33) % n
    };
    for l in 0..30u64 {
        let mut lines = vec![pb::Line {
            function_id: next(12) + 1,
            line: next(50) as i64 + 1,
            column: 0,
        }];
        if next(4) == 0 {
            lines.insert(
                0,
                pb::Line {
                    function_id: next(12) + 1,
                    line: next(50) as i64 + 1,
                    column: 0,
                },
            );
        }
        p.location.push(pb::Location {
            id: l + 1,
            mapping_id: 1,
            address: 0x401000 + 0x10 * l,
            line: lines,
            is_folded: false,
        });
    }
    let sizes = [
        16i64,
        96,
        512,
        1024,
        3000,
        4096,
        9472,
        16384,
        65536,
        1 << 20,
        200_000,
    ];
    let (tier, endpoint, bytes, align) = (s("tier"), s("endpoint"), s("bytes"), s("alignment"));
    let vals = [s("gold"), s("free"), s("/a"), s("/b"), s("/c")];
    for _ in 0..600 {
        let depth = 1 + next(7);
        let mut stack: Vec<u64> = (0..depth).map(|_| next(30) + 1).collect();
        // Hot paths share their root frames.
        if next(2) == 0 {
            stack.extend([3, 2, 1]);
        }
        let size = sizes[next(sizes.len() as u64) as usize];
        let n = 1 + next(20) as i64;
        let mut label = Vec::new();
        match next(5) {
            0 => {}
            1 => label.push(pb::Label {
                key: tier,
                str: vals[next(2) as usize],
                ..Default::default()
            }),
            _ => {
                label.push(pb::Label {
                    key: tier,
                    str: vals[next(2) as usize],
                    ..Default::default()
                });
                label.push(pb::Label {
                    key: endpoint,
                    str: vals[2 + next(3) as usize],
                    ..Default::default()
                });
            }
        }
        if next(6) != 0 {
            label.push(pb::Label {
                key: bytes,
                num: size,
                ..Default::default()
            });
        }
        if next(3) == 0 {
            label.push(pb::Label {
                key: align,
                num: 8,
                ..Default::default()
            });
        }
        p.sample.push(pb::Sample {
            location_id: stack,
            value: vec![n, n * size],
            label,
        });
    }
    p.string_table = strings;
    rprof_profile::encode_pb(&p)
}

/// The synthetic profile as a file, under cargo's scratch directory for
/// tests (not the system's, where a copy per run was left behind); written
/// under a name of this process's, then renamed, so that tests running at
/// once never read a half-written one.
fn synth_path() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("graph-synth.pb");
    if !path.exists() {
        let part = dir.join(format!("graph-synth.pb.{}", std::process::id()));
        std::fs::write(&part, synth()).unwrap();
        std::fs::rename(&part, &path).unwrap();
    }
    path
}

/// Cases whose line order pprof itself does not fix.
const UNORDERED: [&str; 3] = ["cpu.dot.diff_base", "cpu.dot.base", "cpu.tree.diff_base"];

fn sorted_lines(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.lines().collect();
    v.sort_unstable();
    v
}

fn profiles() -> PathBuf {
    rprof_testkit::fixture("profiles")
}

struct Case {
    id: String,
    report: String,
    peek: Option<String>,
    opts: Vec<(String, String)>,
    file: String,
}

fn parse(line: &str) -> Case {
    let mut w = line.split_whitespace();
    let id = w.next().unwrap().to_string();
    let report = w.next().unwrap().to_string();
    let peek = (report == "peek").then(|| w.next().unwrap().to_string());
    let rest: Vec<&str> = w.collect();
    let (file, opts) = rest.split_last().unwrap();
    let opts = opts
        .iter()
        .map(|o| {
            let o = o.trim_start_matches("--");
            match o.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (o.to_string(), String::new()),
            }
        })
        .collect();
    let file = if *file == "SYNTH" {
        synth_path().display().to_string()
    } else {
        file.to_string()
    };
    Case {
        id,
        report,
        peek,
        opts,
        file,
    }
}

fn pprof(go: &str, c: &Case) -> (bool, String) {
    let mut args = vec!["tool".to_string(), "pprof".to_string()];
    match &c.peek {
        Some(re) => args.push(format!("-peek={re}")),
        None => args.push(format!("-{}", c.report)),
    }
    for (k, v) in &c.opts {
        let k = k.replace('-', "_");
        if v.is_empty() {
            args.push(format!("-{k}"));
        } else {
            args.push(format!("-{k}={v}"));
        }
    }
    args.push(c.file.clone());
    let out = Command::new(go)
        .args(&args)
        .current_dir(profiles())
        .env("TZ", "UTC")
        .output()
        .expect("running go tool pprof");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn rprof(c: &Case) -> (bool, String) {
    let read = |f: &str| rprof_profile::parse(&std::fs::read(profiles().join(f)).unwrap()).unwrap();
    let bases: Vec<_> = c
        .opts
        .iter()
        .filter(|(k, _)| k == "base" || k == "diff-base")
        .map(|(_, v)| read(v))
        .collect();
    let bopts = rprof_profile::BaseOptions {
        diff_base: c.opts.iter().any(|(k, _)| k == "diff-base"),
        normalize: false,
    };
    let p = rprof_profile::combine_with_base(vec![read(&c.file)], bases, &bopts).unwrap();
    let mut o = ReportOptions::default();
    let mut focus = None;
    for (k, v) in &c.opts {
        match k.as_str() {
            "nodecount" => o.node_count = Some(v.parse().unwrap()),
            "nodefraction" => o.node_fraction = v.parse().unwrap(),
            "edgefraction" => o.edge_fraction = v.parse().unwrap(),
            "cum" => o.cum = true,
            "sample-index" => o.sample_index = v.clone(),
            "focus" => focus = Some(v.clone()),
            "mean" => o.mean = true,
            "unit" => o.unit = v.clone(),
            "trim" => o.trim = v != "false",
            "lines" => o.granularity = rprof_report::Granularity::Lines,
            "files" => o.granularity = rprof_report::Granularity::Files,
            "addresses" => o.granularity = rprof_report::Granularity::Addresses,
            "noinlines" => o.no_inlines = true,
            "base" | "diff-base" => {}
            k => panic!("option {k} not handled here"),
        }
    }
    o.focus = focus;
    // As the CLI does it: filters in pprof's order, total before them.
    let mut p = p;
    let applied = rprof_report::filters::apply(&mut p, &o).unwrap();
    let r = Report::with_applied(&p, &o, &applied).unwrap();
    let mut out = String::new();
    match c.report.as_str() {
        "tree" => rprof_report::tree::write_tree(&r, &mut out),
        "dot" => rprof_report::dot::write_dot(&r, &mut out),
        "peek" => {
            let re = compile_go_regex(c.peek.as_ref().unwrap()).unwrap();
            if rprof_report::tree::write_peek(&r, &re, &mut out).is_err() {
                return (false, out);
            }
        }
        _ => unreachable!(),
    }
    (true, out)
}

#[test]
#[ignore = "needs Go: compares with go tool pprof"]
fn compare_with_pprof() {
    let go = std::env::var("RPROF_GO").unwrap_or_else(|_| "go".to_string());
    if Command::new(&go).arg("version").output().is_err() {
        eprintln!("skipping: no `{go}`");
        return;
    }
    let dump = std::env::var_os("RPROF_COMPARE_OUT").map(PathBuf::from);
    let mut bad = Vec::new();
    let cases = std::env::var("RPROF_COMPARE_CASES").unwrap_or_else(|_| CASES.to_string());
    for line in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let c = parse(line);
        let t = std::time::Instant::now();
        let (ok_p, want) = pprof(&go, &c);
        let tp = t.elapsed();
        let t = std::time::Instant::now();
        let (ok_r, got) = rprof(&c);
        let tr = t.elapsed();
        if tp.as_secs_f64() > 1.0 {
            println!("  {}: pprof {tp:.2?}, rprof {tr:.2?}", c.id);
        }
        let same = ok_p == ok_r
            && (!ok_p
                || want == got
                || (UNORDERED.contains(&c.id.as_str())
                    && sorted_lines(&want) == sorted_lines(&got)));
        println!("{} {}", if same { "SAME" } else { "DIFF" }, c.id);
        if !same {
            bad.push(c.id.clone());
            if let Some(d) = &dump {
                std::fs::create_dir_all(d).unwrap();
                std::fs::write(d.join(format!("{}.pprof", c.id)), &want).unwrap();
                std::fs::write(d.join(format!("{}.rprof", c.id)), &got).unwrap();
            }
        }
    }
    assert!(bad.is_empty(), "differ from pprof: {bad:?}");
}
