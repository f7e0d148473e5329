//! `dot`: pprof's `-dot`, the call graph in Graphviz's DOT language
//! (`printDOT` in pprof's report package, `ComposeDot` in its graph
//! package).
//!
//! The graph is trimmed in pprof's visual mode
//! ([`crate::graph::trimmed_graph_visual`]): nodes in entropy order, label
//! nodelets counting towards `--nodecount` (default 80), redundant
//! residual edges removed. Then, as pprof writes it: the legend box with
//! the full header, one `N<i>` box per node (label of the shortened name
//! and the values, font size by flat, colour by cum) followed by its label
//! nodelets (`shape=box3d`, up to four, numeric `bytes` labels collapsed
//! into at most four ranges), then every edge, heaviest first (dotted
//! when residual, `(inline)` when inlined).

use crate::Report;
use crate::base_name;
use crate::dotlabel::{dot_color, escape_for_dot, shorten_function_name};
use crate::graph::{Graph, MAX_NODELETS, Node, NodeKeys, Tag, sort_edges, sort_tags};
use crate::header::graph_labels;
use rprof_profile::measurement::{self, go_f64_to_i64, percentage};
use std::collections::HashMap;
use std::fmt::Write;

/// Writes the `dot` report. `node_count: None` in the options means
/// pprof's default for graphs, 80.
pub fn write_dot(r: &Report, out: &mut String) {
    let keys = crate::graph::NodeKeys::for_report(r);
    let node_count = if r.options().trim {
        r.options().node_count.unwrap_or(80)
    } else {
        0
    };
    let mut t = crate::graph::trimmed_graph_visual(r, &keys, node_count);
    let r = &r.with_unit_for(t.graph.min_value());
    let g = &t.graph;
    let labels = graph_labels(r, &t, true);
    let title = r
        .profile()
        .main_mapping()
        .map(|m| r.profile().str(m.file))
        .filter(|f| !f.is_empty())
        .map(|f| base_name(f).to_string())
        .unwrap_or_default();

    let b = Builder { r, keys: &keys };
    let graph_name = if title.is_empty() { "unnamed" } else { &title };
    let _ = writeln!(out, "digraph \"{graph_name}\" {{");
    out.push_str("node [style=filled fillcolor=\"#f8f8f8\"]\n");
    b.legend(&labels, &title, out);
    if !g.nodes.is_empty() {
        let ids: HashMap<u32, usize> = g
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.key, i + 1))
            .collect();
        let mut max_flat = g.nodes[0].flat_value().wrapping_abs() as f64;
        for n in &g.nodes {
            max_flat = max_flat.max(n.flat_value().wrapping_abs() as f64);
        }
        let mut has_nodelets: HashMap<u32, bool> = HashMap::new();
        let mut edges: Vec<u32> = Vec::new();
        for (i, n) in g.nodes.iter().enumerate() {
            b.node(n, i + 1, max_flat, out);
            has_nodelets.insert(n.key, b.nodelets(g, n, i + 1, out));
            edges.extend(
                n.out_edges
                    .iter()
                    .filter(|&&e| !g.edges[e as usize].removed),
            );
        }
        sort_edges(&g.edges, &mut edges, &mut t.names);
        for e in edges {
            let ed = &g.edges[e as usize];
            let from = ids.get(&ed.src).copied().unwrap_or(0);
            let to = ids.get(&ed.dst).copied().unwrap_or(0);
            b.edge(
                ed,
                from,
                to,
                has_nodelets.get(&ed.src).copied().unwrap_or(false),
                &mut t.names,
                out,
            );
        }
    }
    out.push_str("}\n");
}

struct Builder<'a, 'r, 'p> {
    r: &'a Report<'r>,
    keys: &'a NodeKeys<'p>,
}

impl Builder<'_, '_, '_> {
    fn fmt(&self, v: i64) -> String {
        self.r.format_value(v)
    }

    /// pprof's `builder.addLegend`.
    fn legend(&self, labels: &[String], title: &str, out: &mut String) {
        let Some(first) = labels.first() else { return };
        let _ = write!(
            out,
            "subgraph cluster_L {{ \"{}\" [shape=box fontsize=16",
            escape_for_dot(first)
        );
        let escaped: Vec<String> = labels.iter().map(|l| escape_for_dot(l)).collect();
        let _ = write!(out, " label=\"{}\\l\"", escaped.join("\\l"));
        if !title.is_empty() {
            let _ = write!(out, " tooltip=\"{title}\"");
        }
        out.push_str("] }\n");
    }

    /// pprof's `multilinePrintableName`.
    fn multiline_name(&self, key: u32) -> String {
        let k = &self.keys.keys[key as usize];
        let names = &self.keys.names;
        let name = escape_for_dot(&shorten_function_name(names.get(k.name)))
            .replace("::", "\\n")
            .replace("[...]", "[…]")
            .replace('.', "\\n");
        let file = if k.file != 0 {
            base_name(names.get(k.file))
        } else {
            ""
        };
        let mut parts: Vec<String> = Vec::with_capacity(3);
        if k.address != 0 {
            parts.push(format!("{:016x}", k.address));
        }
        if !name.is_empty() {
            parts.push(name.clone());
        }
        if k.line != 0 {
            let mut s = format!("{file}:{}", k.line);
            if k.column != 0 {
                let _ = write!(s, ":{}", k.column);
            }
            parts.push(s);
        } else if !file.is_empty() {
            parts.push(file.to_string());
        } else if !name.is_empty() {
        } else if k.objfile != 0 && !names.get(k.objfile).is_empty() {
            parts.push(format!("[{}]", base_name(names.get(k.objfile))));
        } else {
            parts.push("<unknown>".to_string());
        }
        let mut s = parts.join("\\n");
        s.push_str("\\n");
        s
    }

    /// pprof's `builder.addNode`.
    fn node(&self, n: &Node, id: usize, max_flat: f64, out: &mut String) {
        let total = self.r.total();
        let (flat, cum) = (n.flat_value(), n.cum_value());
        let mut label = self.multiline_name(n.key);
        let flat_value = self.fmt(flat);
        if flat != 0 {
            let _ = write!(label, "{flat_value} ({})", percentage(flat, total).trim());
        } else {
            label.push('0');
        }
        let mut cum_value = flat_value;
        if cum != flat {
            label.push_str(if flat != 0 { "\\n" } else { " " });
            cum_value = self.fmt(cum);
            let _ = write!(label, "of {cum_value} ({})", percentage(cum, total).trim());
        }
        let mut font_size = 8i64;
        let aflat = flat.wrapping_abs() as f64;
        if max_flat != 0.0 && flat != 0 && aflat <= max_flat {
            font_size += go_f64_to_i64((16.0 * (aflat / max_flat).sqrt()).ceil());
        }
        let score = cum as f64 / total.wrapping_abs() as f64;
        let _ = writeln!(
            out,
            "N{id} [label=\"{label}\" id=\"node{id}\" fontsize={font_size} shape=box tooltip=\"{} ({cum_value})\" color=\"{}\" fillcolor=\"{}\"]",
            escape_for_dot(&self.keys.printable_name(n.key)),
            dot_color(score, false),
            dot_color(score, true)
        );
    }

    /// pprof's `builder.addNodelets`; returns whether it wrote any.
    fn nodelets(&self, g: &Graph, n: &Node, id: usize, out: &mut String) -> bool {
        let mut text = String::new();
        let mut ts: Vec<Tag> = n.label_tags.clone();
        let numeric: HashMap<&str, &Vec<Tag>> = n
            .numeric_tags
            .iter()
            .filter(|(_, ts)| !ts.is_empty())
            .map(|(k, ts)| (k.as_str(), ts))
            .collect();
        // Leaf nodes show cumulative tags (including what removed children
        // had), inner nodes flat ones.
        let flat_tags = n.out_edges.iter().any(|&e| !g.edges[e as usize].removed);
        sort_tags(&mut ts, flat_tags);
        ts.truncate(MAX_NODELETS);
        for (i, t) in ts.iter().enumerate() {
            let w = if flat_tags {
                t.flat_value()
            } else {
                t.cum_value()
            };
            if w == 0 {
                continue;
            }
            let weight = self.fmt(w);
            let _ = writeln!(
                text,
                "N{id}_{i} [label = \"{}\" id=\"N{id}_{i}\" fontsize=8 shape=box3d tooltip=\"{weight}\"]",
                t.name
            );
            let _ = writeln!(
                text,
                "N{id} -> N{id}_{i} [label=\" {weight}\" weight=100 tooltip=\"{weight}\" labeltooltip=\"{weight}\"]"
            );
            if let Some(nts) = numeric.get(t.name.as_str()) {
                self.numeric_nodelets(nts, flat_tags, &format!("N{id}_{i}"), &mut text);
            }
        }
        if let Some(nts) = numeric.get("") {
            self.numeric_nodelets(nts, flat_tags, &format!("N{id}"), &mut text);
        }
        out.push_str(&text);
        !text.is_empty()
    }

    /// pprof's `builder.numericNodelets`.
    fn numeric_nodelets(&self, nts: &[Tag], flat_tags: bool, source: &str, out: &mut String) {
        for (j, t) in collapsed_tags(nts.to_vec(), MAX_NODELETS, flat_tags)
            .iter()
            .enumerate()
        {
            let (w, attr) = if flat_tags || t.flat_value() == t.cum_value() {
                (t.flat_value(), "")
            } else {
                (t.cum_value(), " style=\"dotted\"")
            };
            if w == 0 {
                continue;
            }
            let weight = self.fmt(w);
            let _ = writeln!(
                out,
                "N{source}_{j} [label = \"{}\" id=\"N{source}_{j}\" fontsize=8 shape=box3d tooltip=\"{weight}\"]",
                t.name
            );
            let _ = writeln!(
                out,
                "{source} -> N{source}_{j} [label=\" {weight}\" weight=100 tooltip=\"{weight}\" labeltooltip=\"{weight}\"{attr}]"
            );
        }
    }

    /// pprof's `builder.addEdge`.
    fn edge(
        &self,
        e: &crate::graph::Edge,
        from: usize,
        to: usize,
        has_nodelets: bool,
        names: &mut crate::graph::NameCache,
        out: &mut String,
    ) {
        let total = self.r.total();
        let value = e.value();
        let w = self.fmt(value);
        let mut attr = format!(
            "label=\" {w}{}\"",
            if e.inline { "\\n (inline)" } else { "" }
        );
        if total != 0 {
            let weight = 1 + value
                .wrapping_mul(100)
                .wrapping_div(total)
                .wrapping_abs()
                .min(100);
            if weight > 1 {
                let _ = write!(attr, " weight={weight}");
            }
            let width = 1 + value
                .wrapping_mul(5)
                .wrapping_div(total)
                .wrapping_abs()
                .min(5);
            if width > 1 {
                let _ = write!(attr, " penwidth={width}");
            }
            let _ = write!(
                attr,
                " color=\"{}\"",
                dot_color(value as f64 / total.wrapping_abs() as f64, false)
            );
        }
        let arrow = if e.residual { "..." } else { "->" };
        let tooltip = format!(
            "\"{} {arrow} {} ({w})\"",
            escape_for_dot(names.get(e.src)),
            escape_for_dot(names.get(e.dst))
        );
        let _ = write!(attr, " tooltip={tooltip} labeltooltip={tooltip}");
        if e.residual {
            attr.push_str(" style=\"dotted\"");
        }
        if has_nodelets {
            attr.push_str(" minlen=2");
        }
        let _ = writeln!(out, "N{from} -> N{to} [{attr}]");
    }
}

/// pprof's `collapsedTags`: sorted tags, or, when there are more than
/// `count`, `count` groups of tags around the heaviest ones, each labelled
/// with its range (`3kB..9.25kB`).
fn collapsed_tags(mut ts: Vec<Tag>, count: usize, flat: bool) -> Vec<Tag> {
    sort_tags(&mut ts, flat);
    if ts.len() <= count {
        return ts;
    }
    let mut groups: Vec<Vec<&Tag>> = ts[..count].iter().map(|t| vec![t]).collect();
    for t in &ts[count..] {
        let (mut g, mut d) = (0, tag_distance(t, groups[0][0]));
        for (i, group) in groups.iter().enumerate().skip(1) {
            let nd = tag_distance(t, group[0]);
            if nd < d {
                g = i;
                d = nd;
            }
        }
        groups[g].push(t);
    }
    let mut nts: Vec<Tag> = groups
        .iter()
        .map(|g| {
            let (name, flat, cum) = tag_group_label(g);
            Tag {
                name,
                unit: String::new(),
                value: 0,
                flat,
                flat_div: 0,
                cum,
                cum_div: 0,
            }
        })
        .collect();
    sort_tags(&mut nts, flat);
    nts
}

/// pprof's `tagDistance`.
fn tag_distance(t: &Tag, u: &Tag) -> f64 {
    let (v, _) = measurement::scale_ref(u.value, &u.unit, &t.unit);
    let tv = t.value as f64;
    if v < tv { tv - v } else { v - tv }
}

/// pprof's `tagGroupLabel`: the range label and the summed values.
fn tag_group_label(g: &[&Tag]) -> (String, i64, i64) {
    if g.len() == 1 {
        let t = g[0];
        return (
            measurement::label(t.value, &t.unit),
            t.flat_value(),
            t.cum_value(),
        );
    }
    let (mut min, mut max) = (g[0], g[0]);
    let (mut df, mut f) = (min.flat_div, min.flat);
    let (mut dc, mut c) = (min.cum_div, min.cum);
    for &t in &g[1..] {
        if go_f64_to_i64(measurement::scale_ref(t.value, &t.unit, &min.unit).0) < min.value {
            min = t;
        }
        if go_f64_to_i64(measurement::scale_ref(t.value, &t.unit, &max.unit).0) > max.value {
            max = t;
        }
        f += t.flat;
        df += t.flat_div;
        c += t.cum;
        dc += t.cum_div;
    }
    if df != 0 {
        f /= df;
    }
    if dc != 0 {
        c /= dc;
    }
    (
        format!(
            "{}..{}",
            measurement::label(min.value, &min.unit),
            measurement::label(max.value, &max.unit)
        ),
        f,
        c,
    )
}
