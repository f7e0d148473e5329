//! Behaviour of `tree`, `peek` and `dot` on the real Go profiles of
//! `fixtures/profiles` (byte-for-byte parity with pprof is checked by the
//! CLI parity cases; these are properties that must hold whatever pprof
//! prints).

use rprof_report::graph::sort_nodes;
use rprof_report::{Report, ReportOptions};
use std::collections::{HashMap, HashSet};

const PROFILES: [&str; 7] = [
    "cpu.pb.gz",
    "heap.pb.gz",
    "allocs.pb.gz",
    "block.pb.gz",
    "mutex.pb.gz",
    "goroutine.pb.gz",
    "cpu_labels.pb.gz",
];

fn load(name: &str) -> rprof_profile::Profile {
    let path = rprof_testkit::fixture("profiles").join(name);
    rprof_profile::parse(&std::fs::read(&path).unwrap()).unwrap()
}

fn opts(node_count: Option<usize>) -> ReportOptions {
    ReportOptions {
        node_count,
        ..ReportOptions::default()
    }
}

fn tree(p: &rprof_profile::Profile, o: &ReportOptions) -> String {
    let r = Report::new(p, o).unwrap();
    let mut out = String::new();
    rprof_report::tree::write_tree(&r, &mut out);
    out
}

fn dot(p: &rprof_profile::Profile, o: &ReportOptions) -> String {
    let r = Report::new(p, o).unwrap();
    let mut out = String::new();
    rprof_report::dot::write_dot(&r, &mut out);
    out
}

const SEP: &str = "----------------------------------------------------------+-------------";

/// One block of a tree report: (callers, node line, callees); edge lines
/// are (raw weight text, name).
struct Block {
    callers: Vec<String>,
    node: String,
    callees: Vec<String>,
}

fn blocks(text: &str) -> Vec<Block> {
    let body = text
        .split_once("calls calls% + context")
        .expect("legend line")
        .1;
    body.split(SEP)
        .skip(1)
        .filter(|b| !b.trim().is_empty())
        .map(|b| {
            let lines: Vec<&str> = b.lines().filter(|l| !l.is_empty()).collect();
            let at = lines
                .iter()
                .position(|l| l.contains("                | "))
                .expect("a node line in every block");
            Block {
                callers: lines[..at].iter().map(|s| s.to_string()).collect(),
                node: lines[at].to_string(),
                callees: lines[at + 1..].iter().map(|s| s.to_string()).collect(),
            }
        })
        .collect()
}

fn edge_name(line: &str) -> &str {
    let name = line.split_once(" |   ").unwrap().1;
    name.strip_suffix(" (inline)").unwrap_or(name)
}

fn node_name(line: &str) -> &str {
    line.split_once("                | ").unwrap().1
}

#[test]
fn tree_edges_never_outweigh_their_node() {
    for name in PROFILES {
        let p = load(name);
        let keys_opts = opts(Some(0));
        let r = Report::new(&p, &keys_opts).unwrap();
        let keys = rprof_report::graph::NodeKeys::for_report(&r);
        let t = rprof_report::graph::trimmed_graph(&r, &keys, 80);
        let g = &t.graph;
        let cum: HashMap<u32, i64> = g.nodes.iter().map(|n| (n.key, n.cum)).collect();
        for n in &g.nodes {
            for &e in n.in_edges.iter().chain(&n.out_edges) {
                let e = &g.edges[e as usize];
                assert!(!e.removed);
                assert!(e.weight <= n.cum, "{name}: edge heavier than node");
                for end in [e.src, e.dst] {
                    if let Some(&c) = cum.get(&end) {
                        assert!(e.weight <= c, "{name}: edge heavier than its end");
                    }
                }
            }
        }
        // The printed tree lists each node once, with its callers' and
        // callees' weights as percentages of its cum, never above 100%.
        let text = tree(&p, &opts(None));
        let bs = blocks(&text);
        assert_eq!(bs.len(), g.nodes.len(), "{name}");
        let mut seen = HashSet::new();
        for b in &bs {
            assert!(
                seen.insert(node_name(&b.node).to_string()),
                "{name}: node twice"
            );
            for l in b.callers.iter().chain(&b.callees) {
                let pct = l.split_once(" |").unwrap().0.trim_end();
                let pct = pct.rsplit(' ').next().unwrap().trim_end_matches('%');
                let pct: f64 = pct.parse().unwrap();
                assert!(pct <= 100.0, "{name}: {l}");
            }
        }
    }
}

#[test]
fn tree_lists_callers_and_callees_heaviest_first_and_consistently() {
    let p = load("cpu.pb.gz");
    let text = tree(&p, &opts(Some(0)));
    let bs = blocks(&text);
    let by_name: HashMap<&str, &Block> = bs.iter().map(|b| (node_name(&b.node), b)).collect();
    for b in &bs {
        let me = node_name(&b.node);
        // A caller C of N lists N among its callees, and vice versa.
        for c in &b.callers {
            let other = by_name[edge_name(c)];
            assert!(
                other.callees.iter().any(|l| edge_name(l) == me),
                "{me} <- {c}"
            );
        }
        for c in &b.callees {
            let other = by_name[edge_name(c)];
            assert!(
                other.callers.iter().any(|l| edge_name(l) == me),
                "{me} -> {c}"
            );
        }
    }
    // Nodes in flat order, as in `top`.
    let r = Report::new(&p, &opts(Some(0))).unwrap();
    let keys = rprof_report::graph::NodeKeys::for_report(&r);
    let mut t = rprof_report::graph::trimmed_graph(&r, &keys, 0);
    sort_nodes(
        &mut t.graph.nodes,
        rprof_report::graph::NodeOrder::FlatName,
        &mut t.names,
    );
    let want: Vec<String> = t
        .graph
        .nodes
        .iter()
        .map(|n| t.names.get(n.key).to_string())
        .collect();
    let got: Vec<&str> = bs.iter().map(|b| node_name(&b.node)).collect();
    assert_eq!(got, want);
}

#[test]
fn tree_nodecount_limits_the_nodes() {
    for name in PROFILES {
        let p = load(name);
        for n in [1, 5, 12] {
            let text = tree(&p, &opts(Some(n)));
            assert!(blocks(&text).len() <= n, "{name} nodecount={n}");
        }
    }
}

#[test]
fn peek_selects_exactly_the_matching_nodes() {
    for (name, pattern) in [
        ("cpu.pb.gz", r"main\."),
        ("cpu.pb.gz", "sha256"),
        ("heap.pb.gz", "alloc"),
        ("block.pb.gz", r"sync\."),
        ("mutex.pb.gz", "Unlock$"),
    ] {
        let p = load(name);
        let re = regex::Regex::new(pattern).unwrap();
        let r = Report::new(&p, &opts(Some(3))).unwrap();
        let mut out = String::new();
        rprof_report::tree::write_peek(&r, &re, &mut out).unwrap();
        let got: Vec<String> = blocks(&out)
            .iter()
            .map(|b| node_name(&b.node).to_string())
            .collect();
        // peek ignores nodecount and the fractions: every node of the
        // whole graph that matches, in flat order.
        let r = Report::new(
            &p,
            &ReportOptions {
                trim: false,
                ..opts(None)
            },
        )
        .unwrap();
        let keys = rprof_report::graph::NodeKeys::for_report(&r);
        let mut t = rprof_report::graph::trimmed_graph(&r, &keys, 0);
        let want: Vec<String> = t
            .graph
            .nodes
            .iter()
            .map(|n| t.names.get(n.key).to_string())
            .filter(|s| re.is_match(s))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "{name} {pattern}");
        assert!(out.contains("Showing nodes accounting for"));
        assert!(!out.contains("Showing top"), "peek does not trim");
    }
}

#[test]
fn peek_without_match_is_an_error_and_prints_nothing() {
    let p = load("cpu.pb.gz");
    let re = regex::Regex::new("no such function").unwrap();
    let r = Report::new(&p, &opts(None)).unwrap();
    let mut out = String::new();
    let err = rprof_report::tree::write_peek(&r, &re, &mut out).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no matches found for regexp: no such function"
    );
    assert!(out.is_empty());
}

/// A small DOT checker for the subset pprof writes: one statement per
/// line, every string properly quoted, brackets balanced, every edge
/// between declared nodes.
fn check_dot(text: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("digraph \"") && lines[0].ends_with("\" {"));
    assert_eq!(lines[1], "node [style=filled fillcolor=\"#f8f8f8\"]");
    assert_eq!(*lines.last().unwrap(), "}");
    assert!(text.ends_with("}\n"));
    let legend = lines[2];
    assert!(legend.starts_with("subgraph cluster_L { \""), "{legend}");
    assert!(legend.ends_with("] }"));
    assert!(legend.contains("See https://git.io/JfYMW for how to read the graph\\l\""));
    let mut declared = HashSet::new();
    let (mut nodes, mut edges) = (0, 0);
    for l in &lines[2..lines.len() - 1] {
        // Tokenize: quoted strings with backslash escapes, brackets.
        let mut depth = 0i32;
        let mut chars = l.chars();
        let mut outside = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => loop {
                    match chars.next() {
                        Some('\\') => {
                            chars.next().expect("escape at end of line");
                        }
                        Some('"') => break,
                        Some(_) => {}
                        None => panic!("unterminated string: {l}"),
                    }
                },
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                _ => outside.push(c),
            }
            assert!(depth >= 0, "{l}");
        }
        assert_eq!(depth, 0, "{l}");
        if l.starts_with("subgraph") {
            continue;
        }
        let head = l.split_once(" [").expect("attributes").0;
        if let Some((a, b)) = head.split_once(" -> ") {
            assert!(declared.contains(a), "edge from undeclared {a}");
            assert!(declared.contains(b), "edge to undeclared {b}");
            edges += 1;
        } else {
            assert!(head.starts_with('N') && !head.contains(' '), "{l}");
            if !head[1..].contains('_') {
                nodes += 1;
            }
            declared.insert(head.to_string());
        }
    }
    (nodes, edges)
}

#[test]
fn dot_is_valid_and_respects_nodecount() {
    for name in PROFILES {
        let p = load(name);
        for n in [None, Some(1), Some(5), Some(20), Some(0)] {
            let text = dot(&p, &opts(n));
            let (nodes, _) = check_dot(&text);
            let limit = n.unwrap_or(80);
            if limit > 0 {
                assert!(nodes <= limit, "{name} nodecount={n:?}: {nodes} nodes");
            }
            assert!(nodes > 0, "{name}");
            let title = text.lines().nth(2).unwrap();
            assert!(title.contains("File: workload\\l"));
            assert!(title.contains("Showing nodes accounting for"));
        }
    }
}

#[test]
fn dot_nodelets_count_towards_nodecount() {
    // Every node of the heap profile carries `bytes` nodelets, so a small
    // nodecount keeps fewer nodes than it says (pprof's visual mode).
    let p = load("heap.pb.gz");
    let text = dot(&p, &opts(Some(5)));
    let (nodes, _) = check_dot(&text);
    assert!(nodes < 5, "{nodes}");
    assert!(text.contains("shape=box3d"));
}

#[test]
fn dot_label_nodelets_on_labelled_profile() {
    let p = load("cpu_labels.pb.gz");
    let text = dot(&p, &opts(None));
    check_dot(&text);
    let nodelets: Vec<&str> = text.lines().filter(|l| l.contains("shape=box3d")).collect();
    assert!(!nodelets.is_empty());
    for l in nodelets {
        let label = l
            .split_once("label = \"")
            .unwrap()
            .1
            .split_once('"')
            .unwrap()
            .0;
        assert!(
            label.contains("endpoint:") || label.contains("tier:"),
            "{l}"
        );
    }
    // Edges out of a node with nodelets are lengthened.
    assert!(text.contains(" minlen=2]"));
}

#[test]
fn dot_passes_graphviz_when_installed() {
    let Ok(status) = std::process::Command::new("dot")
        .arg("-V")
        .stderr(std::process::Stdio::null())
        .status()
    else {
        eprintln!("skipping: graphviz `dot` not installed");
        return;
    };
    assert!(status.success());
    for name in PROFILES {
        let p = load(name);
        let text = dot(&p, &opts(None));
        let mut child = std::process::Command::new("dot")
            .arg("-Tcanon")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `name`'s samples repeated until there are at least `n`, each copy's
/// values scaled differently, so that copies differ (labels dropped).
fn replicated(name: &str, n: usize) -> rprof_profile::Profile {
    let mut p = load(name);
    let s = p.samples.clone();
    assert!(!s.is_empty());
    let mut copy = 2;
    while p.samples.len() < n {
        for i in 0..s.len() {
            let stack = s.stack(i);
            p.samples.stacks.extend_from_slice(stack);
            p.samples.stack_ends.push(p.samples.stacks.len() as u32);
            for k in 0..s.width {
                p.samples.values.push(s.value(i, k) * copy);
            }
        }
        copy += 1;
    }
    // Labels do not shape these reports; drop them rather than copy them.
    p.samples.label_ends.clear();
    p.samples.labels.clear();
    p
}

/// The graph of a big profile is summed in shares, one per thread; every
/// report built on it must be what one pass gives.
#[test]
fn graphs_summed_in_parallel_equal_one_pass() {
    let in_pool = |threads: usize, f: &(dyn Fn() -> String + Sync)| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    };
    for name in ["cpu.pb.gz", "heap.pb.gz"] {
        let p = replicated(name, 150_000);
        for granularity in [
            rprof_report::Granularity::Functions,
            rprof_report::Granularity::Lines,
        ] {
            let o = ReportOptions {
                granularity,
                ..opts(Some(30))
            };
            let all = || {
                let r = Report::new(&p, &o).unwrap();
                let mut out = String::new();
                rprof_report::top::write_top(&r, &mut out);
                format!("{out}{}{}", dot(&p, &o), tree(&p, &o))
            };
            let one = in_pool(1, &all);
            assert!(one.contains(" -> "), "{name}: no edges");
            assert_eq!(one, in_pool(4, &all), "{name} {granularity:?}");
        }
    }
}

/// `traces` formats batches of samples in parallel and writes them in
/// order: on a profile that repeats its samples, the k-th trace shows
/// the stack of sample k modulo the original count, however many threads.
#[test]
fn traces_of_batches_come_out_in_sample_order() {
    let orig = load("cpu.pb.gz");
    let n = orig.samples.len();
    let p = replicated("cpu.pb.gz", 5_000);
    let o = opts(None);
    let text = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| {
            let r = Report::new(&p, &o).unwrap();
            let mut out = String::new();
            rprof_report::traces::write_traces(&r, &mut out);
            out
        });
    let sep = "-----------+-------------------------------------------------------";
    // Frames of a trace, without the value column of its first line.
    let frames = |block: &str| -> Vec<String> {
        block
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.get(13..).unwrap_or("").to_string())
            .collect()
    };
    let blocks: Vec<&str> = text.split(sep).skip(1).collect();
    // Every sample of cpu.pb.gz has a stack: one block each, then the end.
    assert_eq!(blocks.len(), p.samples.len() + 1);
    for (k, b) in blocks[..p.samples.len()].iter().enumerate() {
        assert_eq!(frames(b), frames(blocks[k % n]), "trace {k}");
    }
}
