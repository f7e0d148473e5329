//! The built-in renderer: pprof's DOT graph drawn as Graphviz draws it,
//! laid out by [`super::layout`], with no external program.
//!
//! What is drawn, from the DOT attributes pprof sets: `box` and `box3d`
//! nodes (other shapes are drawn as boxes) with their multi-line labels
//! (`\n` centred, `\l` left-, `\r` right-justified lines), `fontsize`,
//! `color`, `fillcolor` and `style=filled`; edges with `label`, `weight`,
//! `penwidth`, `color`, `minlen`, `style=dotted|dashed` and arrowheads;
//! `tooltip` and `labeltooltip` as link titles; nodes of cluster
//! subgraphs that have no edges (pprof's legend) stacked at the top left,
//! each cluster framed. Text is Times (Graphviz's default font), measured
//! with the Times-Roman metrics, so boxes fit their labels in browsers,
//! whose `Times` is Times New Roman or the metric-compatible Liberation
//! Serif.

use super::SvgError;
use super::dotparse::{self, Attrs, Graph};
use super::layout::{self, EdgeIn, LayoutIn, NodeIn, Pt, Seg};
use super::panzoom::pan_zoom_prefix;
use std::collections::HashSet;
use std::fmt::Write;

/// Graphviz's defaults: font size 14, node margins 0.11 x 0.055 inch,
/// minimum node size 0.75 x 0.5 inch, graph padding 4 points.
const DEFAULT_FONT_SIZE: f64 = 14.0;
const MARGIN_X: f64 = 8.0;
const MARGIN_Y: f64 = 4.0;
const MIN_W: f64 = 54.0;
const MIN_H: f64 = 36.0;
const PAD: f64 = 4.0;
const CLUSTER_MARGIN: f64 = 8.0;
/// Line height and baseline offset (from the line's middle) per point of
/// font size, as Graphviz spaces Times.
const LINE_H: f64 = 1.125;
const BASELINE: f64 = 0.23;

/// Renders pprof's DOT with the built-in layout.
pub fn render(dot_source: &str) -> Result<String, SvgError> {
    let g = dotparse::parse(dot_source)?;
    Ok(render_graph(&g))
}

/// What the SVG is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// A browser window: as pprof's `-svg`, the document fills the
    /// window and the graph is drawn at half size inside pprof's pan and
    /// zoom viewport.
    Window,
    /// A picture of its own (for rasterising): the document is the size
    /// of the graph's page, drawn at full size, without the script.
    Fixed,
}

/// Renders pprof's DOT with the built-in layout as a fixed-size picture
/// ([`Page::Fixed`]).
pub fn render_fixed(dot_source: &str) -> Result<String, SvgError> {
    let g = dotparse::parse(dot_source)?;
    Ok(render_graph_for(&g, Page::Fixed))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Justify {
    Left,
    Center,
    Right,
}

/// The lines of a Graphviz label: `\n`, `\l` and `\r` end centred, left
/// and right-justified lines; `\\` is a backslash; a last unterminated
/// line is centred.
fn label_lines(raw: &str, node_name: &str) -> Vec<(String, Justify)> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            cur.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => lines.push((std::mem::take(&mut cur), Justify::Center)),
            Some('l') => lines.push((std::mem::take(&mut cur), Justify::Left)),
            Some('r') => lines.push((std::mem::take(&mut cur), Justify::Right)),
            Some('N') => cur.push_str(node_name),
            Some(c) => cur.push(c),
            None => cur.push('\\'),
        }
    }
    if !cur.is_empty() {
        lines.push((cur, Justify::Center));
    }
    lines
}

/// Width of `s` in Times-Roman at `size` points (Adobe's AFM widths, in
/// thousandths of an em, for ASCII).
pub fn text_width(s: &str, size: f64) -> f64 {
    #[rustfmt::skip]
    const TIMES: [u16; 95] = [
        250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, // ' '..'/'
        500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, // '0'..'?'
        921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, // '@'..'O'
        556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500, // 'P'..'_'
        333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, // '`'..'o'
        500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,      // 'p'..'~'
    ];
    let units: u32 = s
        .chars()
        .map(|c| match c {
            ' '..='~' => u32::from(TIMES[c as usize - 32]),
            '…' | '—' => 1000,
            c if (c as u32) >= 0x2E80 => 1000,
            _ => 556,
        })
        .sum();
    f64::from(units) * size / 1000.0
}

fn font_size(attrs: &Attrs) -> f64 {
    attrs
        .number("fontsize")
        .filter(|&s| s > 0.0)
        .unwrap_or(DEFAULT_FONT_SIZE)
}

/// Size of a label's text block.
fn text_block(lines: &[(String, Justify)], size: f64) -> (f64, f64) {
    let w = lines
        .iter()
        .map(|(l, _)| text_width(l, size))
        .fold(0.0, f64::max);
    (w, lines.len() as f64 * size * LINE_H)
}

struct NodeLook {
    lines: Vec<(String, Justify)>,
    size: f64,
    w: f64,
    h: f64,
}

fn node_look(g: &Graph, v: usize) -> NodeLook {
    let n = &g.nodes[v];
    let size = font_size(&n.attrs);
    let lines = label_lines(n.attrs.get("label").unwrap_or("\\N"), &n.id);
    let (tw, th) = text_block(&lines, size);
    NodeLook {
        w: (tw + 2.0 * MARGIN_X).max(MIN_W).ceil(),
        h: (th + 2.0 * MARGIN_Y).max(MIN_H).ceil(),
        lines,
        size,
    }
}

/// Renders a parsed graph.
pub fn render_graph(g: &Graph) -> String {
    render_graph_for(g, Page::Window)
}

/// [`render_graph`] for a window or as a fixed-size picture.
pub fn render_graph_for(g: &Graph, page: Page) -> String {
    let looks: Vec<NodeLook> = (0..g.nodes.len()).map(|v| node_look(g, v)).collect();

    // Cluster nodes without edges (pprof's legend) go to the top left.
    let mut has_edge = vec![false; g.nodes.len()];
    for e in &g.edges {
        has_edge[e.from] = true;
        has_edge[e.to] = true;
    }
    let boxed: Vec<bool> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(v, n)| n.cluster.is_some() && !has_edge[v])
        .collect();
    // (cluster, node, top-left of the node box) and cluster frames.
    let mut side: Vec<(usize, Pt)> = Vec::new();
    let mut frames: Vec<(usize, f64, f64, f64, f64)> = Vec::new();
    let (mut side_w, mut side_h) = (0.0f64, 0.0f64);
    for c in 0..g.clusters.len() {
        let members: Vec<usize> = (0..g.nodes.len())
            .filter(|&v| boxed[v] && g.nodes[v].cluster == Some(c))
            .collect();
        if members.is_empty() {
            continue;
        }
        let top = if side.is_empty() {
            0.0
        } else {
            side_h + CLUSTER_MARGIN
        };
        let mut y = top + CLUSTER_MARGIN;
        let mut w = 0.0f64;
        for &v in &members {
            side.push((
                v,
                layout::Pt {
                    x: CLUSTER_MARGIN,
                    y,
                },
            ));
            y += looks[v].h + CLUSTER_MARGIN;
            w = w.max(looks[v].w);
        }
        let frame_w = w + 2.0 * CLUSTER_MARGIN;
        frames.push((c, 0.0, top, frame_w, y - top));
        side_w = side_w.max(frame_w);
        side_h = y;
    }

    // Everything else is laid out.
    let laid: Vec<usize> = (0..g.nodes.len()).filter(|&v| !boxed[v]).collect();
    let mut slot = vec![usize::MAX; g.nodes.len()];
    for (i, &v) in laid.iter().enumerate() {
        slot[v] = i;
    }
    let edge_labels: Vec<(Vec<(String, Justify)>, f64)> = g
        .edges
        .iter()
        .map(|e| {
            let size = font_size(&e.attrs);
            (label_lines(e.attrs.get("label").unwrap_or(""), ""), size)
        })
        .collect();
    let inp = LayoutIn {
        nodes: laid
            .iter()
            .map(|&v| NodeIn {
                width: looks[v].w,
                height: looks[v].h,
            })
            .collect(),
        edges: g
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (lines, size) = &edge_labels[i];
                EdgeIn {
                    from: slot[e.from],
                    to: slot[e.to],
                    minlen: e
                        .attrs
                        .number("minlen")
                        .map_or(1, |m| m.clamp(1.0, 100.0) as usize),
                    weight: e.attrs.number("weight").unwrap_or(1.0).clamp(0.0, 1000.0),
                    label: (!lines.is_empty()).then(|| text_block(lines, *size)),
                    pen: pen_width(&e.attrs),
                }
            })
            .collect(),
        reserve: (!side.is_empty()).then_some((side_w, side_h)),
    };
    let out = layout::layout(&inp);

    let width = out.width.ceil() + 2.0 * PAD;
    let height = out.height.ceil() + 2.0 * PAD;
    let mut s = String::with_capacity(64 * 1024 + g.nodes.len() * 1024);
    let title = xml(&g.name);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    s.push_str("<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"\n \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n");
    s.push_str("<!-- Generated by rprof's built-in layout -->\n");
    let _ = writeln!(
        s,
        "<!-- Title: {} Pages: 1 -->",
        title.replace("--", "&#45;&#45;")
    );
    match page {
        Page::Window => {
            s.push_str("<svg width=\"100%\" height=\"100%\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n");
            s.push_str(&pan_zoom_prefix());
        }
        Page::Fixed => {
            let (w, h) = (num(width), num(height));
            let _ = writeln!(
                s,
                "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
            );
            // The same nesting as the window's viewport group, unscaled.
            s.push_str("<g id=\"viewport\">");
        }
    }
    let _ = writeln!(
        s,
        "<g id=\"graph0\" class=\"graph\" transform=\"scale(1 1) rotate(0) translate({} {})\">",
        num(PAD),
        num(PAD)
    );
    let _ = writeln!(s, "<title>{title}</title>");
    let _ = writeln!(
        s,
        "<polygon fill=\"white\" stroke=\"transparent\" points=\"{}\"/>",
        rect_points(-PAD, -PAD, width - PAD, height - PAD)
    );

    for (i, &(c, x, y, w, h)) in frames.iter().enumerate() {
        let _ = writeln!(
            s,
            "<g id=\"clust{}\" class=\"cluster\">\n<title>{}</title>",
            i + 1,
            xml(&g.clusters[c].name)
        );
        let _ = writeln!(
            s,
            "<polygon fill=\"none\" stroke=\"black\" points=\"{}\"/>\n</g>",
            rect_points(x, y, x + w, y + h)
        );
    }

    // Node positions: top-left corners.
    let mut corner = vec![Pt { x: 0.0, y: 0.0 }; g.nodes.len()];
    for &(v, p) in &side {
        corner[v] = p;
    }
    for (i, &v) in laid.iter().enumerate() {
        let c = out.centers[i];
        corner[v] = Pt {
            x: c.x - looks[v].w / 2.0,
            y: c.y - looks[v].h / 2.0,
        };
    }

    let explicit: HashSet<&str> = g.nodes.iter().filter_map(|n| n.attrs.get("id")).collect();
    let mut used: HashSet<String> = HashSet::new();
    let node_order = side.iter().map(|&(v, _)| v).chain(laid.iter().copied());
    let mut node_svg = String::new();
    for v in node_order {
        let id = match g.nodes[v].attrs.get("id") {
            Some(id) => id.to_string(),
            None => {
                let mut id = format!("node{}", v + 1);
                while explicit.contains(id.as_str()) || used.contains(&id) {
                    id.push('_');
                }
                id
            }
        };
        used.insert(id.clone());
        write_node(&mut node_svg, g, v, &looks[v], corner[v], &id);
    }
    for (i, e) in g.edges.iter().enumerate() {
        if slot[e.from] == usize::MAX || slot[e.to] == usize::MAX {
            continue;
        }
        write_edge(&mut s, g, i, &out.routes[i], &edge_labels[i]);
    }
    s.push_str(&node_svg);
    s.push_str("</g>\n</g></svg>\n");
    s
}

fn pen_width(a: &Attrs) -> f64 {
    a.number("penwidth")
        .filter(|&p| p >= 0.0)
        .unwrap_or(1.0)
        .min(50.0)
}

fn dash(a: &Attrs) -> &'static str {
    let style = a.get("style").unwrap_or("");
    if style.split(',').any(|s| s.trim() == "dotted") {
        " stroke-dasharray=\"1,5\""
    } else if style.split(',').any(|s| s.trim() == "dashed") {
        " stroke-dasharray=\"5,2\""
    } else {
        ""
    }
}

fn write_node(s: &mut String, g: &Graph, v: usize, look: &NodeLook, c: Pt, id: &str) {
    let n = &g.nodes[v];
    let a = &n.attrs;
    let (l, t, r, b) = (c.x, c.y, c.x + look.w, c.y + look.h);
    let stroke = a.get("color").unwrap_or("black");
    let filled = a
        .get("style")
        .is_some_and(|st| st.split(',').any(|x| x.trim() == "filled"));
    let fill = if filled {
        a.get("fillcolor").or(a.get("color")).unwrap_or("lightgrey")
    } else {
        "none"
    };
    let tooltip = a.get("tooltip").map(dotparse::unescape).unwrap_or_else(|| {
        look.lines
            .iter()
            .map(|l| l.0.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    });
    let _ = writeln!(s, "<!-- {} -->", xml(&n.id).replace("--", "&#45;&#45;"));
    let _ = writeln!(
        s,
        "<g id=\"{}\" class=\"node\">\n<title>{}</title>",
        xml(id),
        xml(&n.id)
    );
    let _ = writeln!(
        s,
        "<g id=\"a_{}\"><a xlink:title=\"{}\">",
        xml(id),
        xml(&tooltip)
    );
    let stroke_attrs = format!(
        "fill=\"{}\" stroke=\"{}\"{}",
        xml(fill),
        xml(stroke),
        dash(a)
    );
    if a.get("shape") == Some("box3d") {
        let d = 4.0;
        let _ = writeln!(
            s,
            "<polygon {stroke_attrs} points=\"{}\"/>",
            points(&[
                (r, t),
                (l + d, t),
                (l, t + d),
                (l, b),
                (r - d, b),
                (r, b - d),
                (r, t)
            ])
        );
        for (x1, y1, x2, y2) in [
            (r - d, t + d, l, t + d),
            (r - d, t + d, r - d, b),
            (r - d, t + d, r, t),
        ] {
            let _ = writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"{}\" points=\"{} \"/>",
                xml(stroke),
                points(&[(x1, y1), (x2, y2)])
            );
        }
    } else {
        let _ = writeln!(
            s,
            "<polygon {stroke_attrs} points=\"{}\"/>",
            rect_points(l, t, r, b)
        );
    }
    let font_color = a.get("fontcolor");
    let line_h = look.size * LINE_H;
    let top = (t + b) / 2.0 - look.lines.len() as f64 * line_h / 2.0;
    for (i, (text, j)) in look.lines.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let y = top + (i as f64 + 0.5) * line_h + BASELINE * look.size;
        let (anchor, x) = match j {
            Justify::Left => ("start", l + MARGIN_X),
            Justify::Center => ("middle", (l + r) / 2.0),
            Justify::Right => ("end", r - MARGIN_X),
        };
        write_text(s, anchor, x, y, look.size, font_color, text);
    }
    s.push_str("</a>\n</g>\n</g>\n");
}

fn write_text(
    s: &mut String,
    anchor: &str,
    x: f64,
    y: f64,
    size: f64,
    color: Option<&str>,
    text: &str,
) {
    let fill = color.map_or(String::new(), |c| format!(" fill=\"{}\"", xml(c)));
    let _ = writeln!(
        s,
        "<text text-anchor=\"{anchor}\" x=\"{}\" y=\"{}\" font-family=\"Times,serif\" font-size=\"{:.2}\"{fill}>{}</text>",
        num(x),
        num(y),
        size,
        xml(text)
    );
}

fn write_edge(
    s: &mut String,
    g: &Graph,
    i: usize,
    route: &layout::Route,
    label: &(Vec<(String, Justify)>, f64),
) {
    let e = &g.edges[i];
    let a = &e.attrs;
    let color = a.get("color").unwrap_or("black");
    let pen = pen_width(a);
    let width_attr = if pen != 1.0 {
        format!(" stroke-width=\"{}\"", num(pen))
    } else {
        String::new()
    };
    let name = format!("{}->{}", g.nodes[e.from].id, g.nodes[e.to].id);
    let tooltip = a.get("tooltip").map(dotparse::unescape);
    let _ = writeln!(s, "<!-- {} -->", xml(&name).replace("--", "&#45;&#45;"));
    let _ = writeln!(
        s,
        "<g id=\"edge{}\" class=\"edge\">\n<title>{}</title>",
        i + 1,
        xml(&name)
    );
    let _ = writeln!(
        s,
        "<g id=\"a_edge{}\"><a xlink:title=\"{}\">",
        i + 1,
        xml(tooltip.as_deref().unwrap_or(&name))
    );
    let mut d = format!("M{},{}", num(route.start.x), num(route.start.y));
    for seg in &route.segs {
        match seg {
            Seg::Line(p) => {
                let _ = write!(d, " L{},{}", num(p.x), num(p.y));
            }
            Seg::Cubic(c1, c2, p) => {
                let _ = write!(
                    d,
                    " C{},{} {},{} {},{}",
                    num(c1.x),
                    num(c1.y),
                    num(c2.x),
                    num(c2.y),
                    num(p.x),
                    num(p.y)
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "<path fill=\"none\" stroke=\"{}\"{width_attr}{} d=\"{d}\"/>",
        xml(color),
        dash(a)
    );
    let (b, t) = (route.arrow_base, route.arrow_tip);
    let (dx, dy) = (t.x - b.x, t.y - b.y);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    let half = 3.5 + (pen - 1.0).max(0.0) * 0.5;
    let (nx, ny) = (-dy / len * half, dx / len * half);
    let _ = writeln!(
        s,
        "<polygon fill=\"{c}\" stroke=\"{c}\"{width_attr} points=\"{}\"/>",
        points(&[
            (b.x + nx, b.y + ny),
            (t.x, t.y),
            (b.x - nx, b.y - ny),
            (b.x + nx, b.y + ny)
        ]),
        c = xml(color)
    );
    s.push_str("</a>\n</g>\n");
    if let (Some(p), false) = (route.label, label.0.is_empty()) {
        let label_tip = a
            .get("labeltooltip")
            .map(dotparse::unescape)
            .or(tooltip)
            .unwrap_or_else(|| name.clone());
        let _ = writeln!(
            s,
            "<g id=\"a_edge{}-label\"><a xlink:title=\"{}\">",
            i + 1,
            xml(&label_tip)
        );
        let size = label.1;
        let line_h = size * LINE_H;
        for (k, (text, _)) in label.0.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let y = p.y + (k as f64 + 0.5) * line_h + BASELINE * size;
            write_text(s, "start", p.x, y, size, a.get("fontcolor"), text);
        }
        s.push_str("</a>\n</g>\n");
    }
    s.push_str("</g>\n");
}

/// Text for XML content and attribute values.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && c != '\t' && c != '\r' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with at most two decimals.
fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    let r = if r == 0.0 { 0.0 } else { r };
    let s = format!("{r:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn points(ps: &[(f64, f64)]) -> String {
    ps.iter()
        .map(|&(x, y)| format!("{},{}", num(x), num(y)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn rect_points(l: f64, t: f64, r: f64, b: f64) -> String {
    points(&[(r, t), (l, t), (l, b), (r, b), (r, t)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_labels() {
        assert_eq!(
            label_lines(r"a\nb\lc\\d\r", "N"),
            vec![
                ("a".to_string(), Justify::Center),
                ("b".to_string(), Justify::Left),
                ("c\\d".to_string(), Justify::Right)
            ]
        );
        assert_eq!(
            label_lines(r"x\N", "N1"),
            vec![("xN1".to_string(), Justify::Center)]
        );
        assert!(label_lines("", "N").is_empty());
    }

    #[test]
    fn measures_times() {
        assert_eq!(
            text_width("main", 10.0),
            (778.0 + 444.0 + 278.0 + 500.0) / 100.0
        );
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(2.345), "2.35");
        assert_eq!(num(10.5), "10.5");
    }
}
