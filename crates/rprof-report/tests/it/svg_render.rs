//! Both SVG renderers on the call graphs of the real Go profiles of
//! `fixtures/profiles`: well-formed SVG with every node and edge of the
//! DOT, pprof's pan and zoom; for the built-in layout also no overlapping
//! boxes or labels, no edge through a box, deterministic output, speed.
//! The Graphviz tests are skipped (with a message) when `dot` is not on
//! PATH.

use rprof_report::svg::text_width;
use rprof_report::svg::{Renderer, SvgError, graphviz_available, parse_dot, render_svg};
use rprof_report::{Report, ReportOptions};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const PROFILES: [&str; 4] = ["cpu.pb.gz", "heap.pb.gz", "block.pb.gz", "mutex.pb.gz"];

fn dot_of(name: &str, node_count: Option<usize>) -> String {
    let path = rprof_testkit::fixture("profiles").join(name);
    let p = rprof_profile::parse(&std::fs::read(&path).unwrap()).unwrap();
    let opts = ReportOptions {
        node_count,
        ..ReportOptions::default()
    };
    let r = Report::new(&p, &opts).unwrap();
    let mut out = String::new();
    rprof_report::dot::write_dot(&r, &mut out);
    out
}

fn parse_svg(svg: &str) -> roxmltree::Document<'_> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(svg, opts)
        .unwrap_or_else(|e| panic!("not well-formed XML: {e}"))
}

fn class<'a>(doc: &'a roxmltree::Document<'a>, c: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(c))
        .collect()
}

fn title(n: roxmltree::Node) -> String {
    n.children()
        .find(|c| c.has_tag_name("title"))
        .and_then(|t| t.text())
        .unwrap_or_default()
        .to_string()
}

/// Checks what both renderers must produce: pprof's pan and zoom, and a
/// node group per DOT node and an edge group per DOT edge, by title.
fn check_common(dot: &str, svg: &str) {
    let g = parse_dot(dot).unwrap();
    let doc = parse_svg(svg);
    let root = doc.root_element();
    assert!(root.has_tag_name("svg"));
    assert_eq!(root.attribute("width"), Some("100%"));
    assert_eq!(root.attribute("height"), Some("100%"));
    let script = doc
        .descendants()
        .find(|n| n.has_tag_name("script"))
        .expect("svgpan script");
    assert!(
        script
            .text()
            .unwrap_or_default()
            .contains("SVGPan library 1.2.2")
    );
    let viewport = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("viewport"))
        .expect("viewport group");
    assert_eq!(
        viewport.attribute("transform"),
        Some("scale(0.5,0.5) translate(0,0)")
    );
    let mut node_titles: Vec<String> = class(&doc, "node").into_iter().map(title).collect();
    let mut want: Vec<String> = g.nodes.iter().map(|n| n.id.clone()).collect();
    node_titles.sort();
    want.sort();
    assert_eq!(node_titles, want, "one node group per DOT node");
    let mut edge_titles: Vec<String> = class(&doc, "edge").into_iter().map(title).collect();
    let mut want: Vec<String> = g
        .edges
        .iter()
        .map(|e| format!("{}->{}", g.nodes[e.from].id, g.nodes[e.to].id))
        .collect();
    edge_titles.sort();
    want.sort();
    assert_eq!(edge_titles, want, "one edge group per DOT edge");
}

#[derive(Debug, Clone, Copy)]
struct Rect {
    l: f64,
    t: f64,
    r: f64,
    b: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect, eps: f64) -> bool {
        self.l < o.r - eps && o.l < self.r - eps && self.t < o.b - eps && o.t < self.b - eps
    }
    fn contains(&self, x: f64, y: f64, inset: f64) -> bool {
        x > self.l + inset && x < self.r - inset && y > self.t + inset && y < self.b - inset
    }
}

fn points_rect(points: &str) -> Rect {
    let mut r = Rect {
        l: f64::INFINITY,
        t: f64::INFINITY,
        r: f64::NEG_INFINITY,
        b: f64::NEG_INFINITY,
    };
    for p in points.split_whitespace() {
        let (x, y) = p.split_once(',').unwrap();
        let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
        r.l = r.l.min(x);
        r.r = r.r.max(x);
        r.t = r.t.min(y);
        r.b = r.b.max(y);
    }
    r
}

/// Box of every node, by title.
fn node_boxes(doc: &roxmltree::Document) -> Vec<(String, Rect)> {
    class(doc, "node")
        .into_iter()
        .map(|n| {
            let poly = n
                .descendants()
                .find(|c| c.has_tag_name("polygon"))
                .expect("node polygon");
            (title(n), points_rect(poly.attribute("points").unwrap()))
        })
        .collect()
}

/// Points along a path of the built-in renderer (`M`, `L`, `C` only).
fn path_samples(d: &str) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut cur = (0.0, 0.0);
    let nums = |s: &str| -> Vec<(f64, f64)> {
        s.split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    };
    let mut rest = d.trim();
    while !rest.is_empty() {
        let cmd = rest.as_bytes()[0];
        let end = rest[1..]
            .find(['M', 'L', 'C'])
            .map_or(rest.len(), |i| i + 1);
        let ps = nums(&rest[1..end]);
        match cmd {
            b'M' => cur = ps[0],
            b'L' => {
                for k in 0..=20 {
                    let t = k as f64 / 20.0;
                    out.push((cur.0 + (ps[0].0 - cur.0) * t, cur.1 + (ps[0].1 - cur.1) * t));
                }
                cur = ps[0];
            }
            b'C' => {
                let (p0, p1, p2, p3) = (cur, ps[0], ps[1], ps[2]);
                for k in 0..=40 {
                    let t = k as f64 / 40.0;
                    let u = 1.0 - t;
                    let f = |a: f64, b: f64, c: f64, d: f64| {
                        u * u * u * a + 3.0 * u * u * t * b + 3.0 * u * t * t * c + t * t * t * d
                    };
                    out.push((f(p0.0, p1.0, p2.0, p3.0), f(p0.1, p1.1, p2.1, p3.1)));
                }
                cur = p3;
            }
            c => panic!("unexpected path command {}", c as char),
        }
        rest = rest[end..].trim_start();
    }
    out
}

/// The geometry checks of the built-in layout.
fn check_builtin_geometry(dot: &str, svg: &str) {
    let doc = parse_svg(svg);
    let boxes = node_boxes(&doc);
    for (i, (a, ra)) in boxes.iter().enumerate() {
        for (b, rb) in &boxes[i + 1..] {
            assert!(!ra.overlaps(rb, 0.01), "boxes of {a} and {b} overlap");
        }
    }
    // The legend frame holds only the legend.
    let g = parse_dot(dot).unwrap();
    let clustered: Vec<&str> = g
        .nodes
        .iter()
        .filter(|n| n.cluster.is_some())
        .map(|n| n.id.as_str())
        .collect();
    for c in class(&doc, "cluster") {
        let frame = points_rect(
            c.descendants()
                .find(|n| n.has_tag_name("polygon"))
                .unwrap()
                .attribute("points")
                .unwrap(),
        );
        for (name, r) in &boxes {
            if !clustered.contains(&name.as_str()) {
                assert!(
                    !frame.overlaps(r, 0.01),
                    "{name} is inside the legend frame"
                );
            }
        }
    }
    let by_name: HashMap<&str, Rect> = boxes.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    let mut labels: Vec<(String, Rect)> = Vec::new();
    for e in class(&doc, "edge") {
        let t = title(e);
        let (from, to) = t.split_once("->").unwrap();
        let path = e
            .descendants()
            .find(|n| n.has_tag_name("path"))
            .expect("edge path");
        // No edge passes through a box, its own ends excepted (it starts
        // and ends on their borders).
        for (x, y) in path_samples(path.attribute("d").unwrap()) {
            for (name, r) in &boxes {
                if name != from && name != to {
                    assert!(
                        !r.contains(x, y, 0.5),
                        "edge {t} crosses the box of {name} at {x},{y}"
                    );
                }
            }
        }
        assert!(by_name.contains_key(from) && by_name.contains_key(to));
        for text in e.descendants().filter(|n| {
            n.has_tag_name("text")
                && n.parent()
                    .and_then(|p| p.parent())
                    .and_then(|g| g.attribute("id"))
                    .is_some_and(|id| id.ends_with("-label"))
        }) {
            let x: f64 = text.attribute("x").unwrap().parse().unwrap();
            let y: f64 = text.attribute("y").unwrap().parse().unwrap();
            let size: f64 = text.attribute("font-size").unwrap().parse().unwrap();
            let w = text_width(text.text().unwrap_or_default(), size);
            labels.push((
                t.clone(),
                Rect {
                    l: x,
                    t: y - 0.75 * size,
                    r: x + w,
                    b: y + 0.2 * size,
                },
            ));
        }
    }
    for (t, lr) in &labels {
        for (name, r) in &boxes {
            assert!(
                !lr.overlaps(r, 0.01),
                "label of {t} overlaps the box of {name}"
            );
        }
    }
    for (i, (a, ra)) in labels.iter().enumerate() {
        for (b, rb) in &labels[i + 1..] {
            if a != b {
                assert!(!ra.overlaps(rb, 0.01), "labels of {a} and {b} overlap");
            }
        }
    }
}

#[test]
fn builtin_renders_the_fixtures() {
    for name in PROFILES {
        let dot = dot_of(name, None);
        let svg = render_svg(&dot, Renderer::Builtin).unwrap();
        check_common(&dot, &svg);
        check_builtin_geometry(&dot, &svg);
        assert!(
            svg.contains("Generated by rprof's built-in layout"),
            "{name}"
        );
    }
}

#[test]
fn builtin_handles_other_node_counts() {
    for (name, n) in [("cpu.pb.gz", 10), ("cpu.pb.gz", 200), ("heap.pb.gz", 5)] {
        let dot = dot_of(name, Some(n));
        let svg = render_svg(&dot, Renderer::Builtin).unwrap();
        check_common(&dot, &svg);
        check_builtin_geometry(&dot, &svg);
    }
}

#[test]
fn builtin_is_deterministic() {
    for name in PROFILES {
        let dot = dot_of(name, None);
        let a = render_svg(&dot, Renderer::Builtin).unwrap();
        let b = render_svg(&dot.clone(), Renderer::Builtin).unwrap();
        assert!(a == b, "{name}: two renderings differ");
    }
}

#[test]
fn builtin_is_fast_at_80_nodes() {
    let dot = dot_of("cpu.pb.gz", None);
    assert!(dot.matches("shape=box tooltip").count() >= 80);
    let start = Instant::now();
    render_svg(&dot, Renderer::Builtin).unwrap();
    // Release builds take a few milliseconds; unoptimised test builds
    // are slower, but far below this.
    let took = start.elapsed();
    assert!(took < Duration::from_millis(500), "took {took:?}");
}

#[test]
fn builtin_draws_pprof_looks() {
    let dot = dot_of("heap.pb.gz", None);
    let svg = render_svg(&dot, Renderer::Builtin).unwrap();
    let doc = parse_svg(&svg);
    // N1's box: pprof's colours and font size, its tooltip.
    let n1 = class(&doc, "node")
        .into_iter()
        .find(|n| title(*n) == "N1")
        .unwrap();
    let line = dot.lines().find(|l| l.starts_with("N1 [")).unwrap();
    let attr = |name: &str| {
        let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        line[start..start + line[start..].find('"').unwrap()].to_string()
    };
    let poly = n1
        .descendants()
        .find(|c| c.has_tag_name("polygon"))
        .unwrap();
    assert_eq!(poly.attribute("fill"), Some(attr("fillcolor").as_str()));
    assert_eq!(poly.attribute("stroke"), Some(attr("color").as_str()));
    let a = n1.descendants().find(|c| c.has_tag_name("a")).unwrap();
    assert_eq!(
        a.attribute(("http://www.w3.org/1999/xlink", "title")),
        Some(attr("tooltip").as_str())
    );
    let fontsize = line.split(" fontsize=").nth(1).unwrap();
    let fontsize: f64 = fontsize[..fontsize.find(' ').unwrap()].parse().unwrap();
    let text = n1.descendants().find(|c| c.has_tag_name("text")).unwrap();
    assert_eq!(
        text.attribute("font-size").unwrap().parse::<f64>().unwrap(),
        fontsize
    );
    // Nodelets are 3D boxes; the legend is left-justified, top left.
    assert!(dot.contains("shape=box3d"));
    assert!(svg.contains("<polyline"));
    let boxes = node_boxes(&doc);
    let legend = boxes
        .iter()
        .find(|(n, _)| n.starts_with("File: "))
        .unwrap()
        .1;
    assert!(legend.l < 10.0 && legend.t < 10.0, "{legend:?}");
    // Residual edges are dotted, heavy ones wide.
    assert!(svg.contains("stroke-dasharray=\"1,5\"") || !dot.contains("dotted"));
    assert!(svg.contains("stroke-width=\"5\""));
}

/// A made-up graph with recursion, self-loops, long and back edges,
/// several components and characters XML escapes.
fn synthetic_dot(n: usize) -> String {
    let mut s = String::from("digraph \"x & <y>\" {\nnode [style=filled fillcolor=\"#f8f8f8\"]\n");
    s.push_str("subgraph cluster_L { \"File: x\" [shape=box fontsize=16 label=\"File: x\\lType: <cpu> & \\\"more\\\"\\l\" tooltip=\"x\"] }\n");
    let mut seed = 12345u64;
    let mut rand = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for i in 1..=n {
        let _ = std::fmt::Write::write_fmt(
            &mut s,
            format_args!(
                "N{i} [label=\"pkg\\nfunc{i}<T&U>\\n{i}ms (0.1%)\" id=\"node{i}\" fontsize={} shape=box tooltip=\"pkg.func{i} (\\\"q\\\")\" color=\"#b2b0aa\" fillcolor=\"#edecea\"]\n",
                8 + rand() % 17
            ),
        );
    }
    for i in 1..=n {
        for _ in 0..1 + rand() % 3 {
            let j = if rand() % 5 == 0 {
                1 + rand() % n
            } else {
                (i + 1 + rand() % 4).min(n)
            };
            let style = if rand() % 4 == 0 {
                " style=\"dotted\""
            } else {
                ""
            };
            let _ = std::fmt::Write::write_fmt(
                &mut s,
                format_args!(
                    "N{i} -> N{j} [label=\" {}ms\\n (inline)\" weight={} penwidth={} color=\"#b2b0aa\" tooltip=\"a -> b\" labeltooltip=\"a -> b\"{style}]\n",
                    rand() % 100,
                    1 + rand() % 100,
                    1 + rand() % 5
                ),
            );
        }
    }
    // A component of its own.
    s.push_str(
        "Z1 [label=\"alone\" shape=box]\nZ2 [label=\"alone too\" shape=box3d]\nZ1 -> Z2\n}\n",
    );
    s
}

#[test]
fn builtin_renders_made_up_graphs() {
    for n in [1, 2, 30, 150] {
        let dot = synthetic_dot(n);
        let svg = render_svg(&dot, Renderer::Builtin).unwrap();
        check_common(&dot, &svg);
        check_builtin_geometry(&dot, &svg);
        assert!(svg.contains("x &amp; &lt;y&gt;"));
    }
}

#[test]
fn builtin_copes_with_huge_graphs() {
    // Long edges are drawn without dummies past a size limit: output comes
    // quickly and boxes still never overlap.
    let dot = synthetic_dot(1500);
    let start = Instant::now();
    let svg = render_svg(&dot, Renderer::Builtin).unwrap();
    let took = start.elapsed();
    assert!(took < Duration::from_secs(60), "took {took:?}");
    let doc = parse_svg(&svg);
    let mut boxes = node_boxes(&doc);
    assert_eq!(boxes.len(), 1503);
    // Sweep by left edge instead of comparing every pair.
    boxes.sort_by(|a, b| a.1.l.total_cmp(&b.1.l));
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            if boxes[j].1.l >= boxes[i].1.r {
                break;
            }
            assert!(
                !boxes[i].1.overlaps(&boxes[j].1, 0.01),
                "{} and {} overlap",
                boxes[i].0,
                boxes[j].0
            );
        }
    }
}

#[test]
fn builtin_renders_empty_and_bad_dot() {
    let empty = "digraph \"unnamed\" {\nnode [style=filled fillcolor=\"#f8f8f8\"]\n}\n";
    let svg = render_svg(empty, Renderer::Builtin).unwrap();
    check_common(empty, &svg);
    let e = render_svg("digraph {\n N1 -> \n", Renderer::Builtin).unwrap_err();
    assert!(matches!(e, SvgError::Dot { .. }), "{e}");
}

#[test]
fn graphviz_renders_the_fixtures_like_pprof() {
    if !graphviz_available() {
        eprintln!("skipping the Graphviz SVG tests: Graphviz's `dot` is not on PATH");
        return;
    }
    for name in PROFILES {
        let dot = dot_of(name, None);
        let svg = render_svg(&dot, Renderer::Graphviz).unwrap();
        check_common(&dot, &svg);
        // pprof's massageSVG: no fixed size or viewBox left, the graph
        // inside the viewport group, closed before </svg>.
        assert!(!svg.contains("viewBox="), "{name}");
        assert!(svg.contains(
            "<g id=\"viewport\" transform=\"scale(0.5,0.5) translate(0,0)\"><g id=\"graph0\""
        ));
        assert!(svg.ends_with("</g>\n</g></svg>\n"), "{name}");
    }
}

#[test]
fn graphviz_reports_bad_dot() {
    if !graphviz_available() {
        eprintln!("skipping the Graphviz SVG tests: Graphviz's `dot` is not on PATH");
        return;
    }
    let e = render_svg("digraph { a -> }", Renderer::Graphviz).unwrap_err();
    assert!(matches!(e, SvgError::GraphvizFailed { .. }), "{e}");
    assert!(e.to_string().contains("dot -Tsvg"), "{e}");
}
