//! `callgrind`: the call graph in Callgrind's format, for KCachegrind and
//! QCachegrind, as pprof's `-callgrind` writes it (`printCallgrind`).
//!
//! The graph is pprof's at addresses granularity, untrimmed, with binary
//! names kept; values are in one unit picked for the smallest value
//! (never a larger unit: Callgrind costs are integers). Names, files and
//! binaries use Callgrind's compression (`(N) name` the first time, `(N)`
//! after), addresses its relative sub-positions (`+12`, `-3`, `*`). A
//! function name that stands for several functions (different binaries or
//! start lines) gets a ` [i/n]` suffix so that KCachegrind keeps them
//! apart.

use crate::Report;
use crate::graph::{KeyOptions, NodeKey, NodeKeys, sort_edges, trimmed_graph};
use crate::{Granularity, ReportOptions};
use rprof_profile::measurement::{go_f64_to_i64, scale};
use std::collections::HashMap;
use std::fmt::Write;

/// Writes the callgrind report.
pub fn write_callgrind(r: &Report, out: &mut String) {
    // pprof: no trimming at all, addresses granularity.
    let r = r.with_options(|o: &mut ReportOptions| {
        o.trim = false;
        o.node_count = Some(0);
        o.granularity = Granularity::Addresses;
    });
    let o = r.options();
    let mut ko = KeyOptions::for_granularity(Granularity::Addresses, o.no_inlines, o.show_columns);
    ko.obj_names = true;
    let keys = NodeKeys::with_paths(r.profile(), ko, &o.trim_path, &o.source_path);
    let mut t = trimmed_graph(&r, &keys, 0);
    let r = r.with_integer_unit_for(t.graph.min_value());
    let g = &t.graph;
    let node_names = disambiguated_names(&keys, g.nodes.iter().map(|n| n.key));

    let _ = writeln!(out, "positions: instr line");
    let _ = writeln!(out, "events: {}({})", r.sample_type(), r.output_unit());
    let mut objfiles = Compressor::default();
    let mut files = Compressor::default();
    let mut names = Compressor::default();
    let scaled = |v: i64| go_f64_to_i64(scale(v, r.sample_unit(), r.output_unit()).0);
    let name_of = |id: u32| keys.names.get(id);

    let mut prev: Option<&NodeKey> = None;
    for n in &g.nodes {
        let k = &keys.keys[n.key as usize];
        if prev.is_none_or(|p| k.objfile != p.objfile || k.file != p.file || k.name != p.name) {
            let _ = writeln!(out);
            let _ = writeln!(out, "ob={}", objfiles.name(name_of(k.objfile)));
            let _ = writeln!(out, "fl={}", files.name(name_of(k.file)));
            let _ = writeln!(out, "fn={}", names.name(name_of(k.name)));
        }
        let _ = writeln!(
            out,
            "{} {} {}",
            address(prev, k.address),
            k.line,
            scaled(n.flat_value())
        );
        let mut outs = n.out_edges.clone();
        outs.retain(|&e| !g.edges[e as usize].removed);
        sort_edges(&g.edges, &mut outs, &mut t.names);
        for e in outs {
            let e = &g.edges[e as usize];
            let callee = &keys.keys[e.dst as usize];
            let callee_name = node_names.get(&e.dst).map_or("", String::as_str);
            let _ = writeln!(out, "cfl={}", files.name(name_of(callee.file)));
            let _ = writeln!(out, "cfn={}", names.name(callee_name));
            let _ = writeln!(
                out,
                "calls=0 {} {}",
                address(prev, callee.address),
                callee.line
            );
            let _ = writeln!(out, "* * {}", scaled(e.weight));
        }
        prev = Some(k);
    }
}

/// A function as [`disambiguated_names`] tells them apart: name, file,
/// start line and object file (string indices and the line).
type FunctionKey = (u32, u32, i64, u32);

/// pprof's `getDisambiguatedNames`: a node's function name, with
/// ` [i/n]` when its (file, name) stands for several functions (nodes
/// that differ in more than address, line and column).
fn disambiguated_names(
    keys: &NodeKeys,
    nodes: impl Iterator<Item = u32> + Clone,
) -> HashMap<u32, String> {
    // The function of a node: its key without address, line and column.
    let function = |k: &NodeKey| -> FunctionKey { (k.name, k.file, k.start_line, k.objfile) };
    let mut index: HashMap<(u32, u32), Vec<FunctionKey>> = HashMap::new();
    for id in nodes.clone() {
        let k = &keys.keys[id as usize];
        let fs = index.entry((k.file, k.name)).or_default();
        if !fs.contains(&function(k)) {
            fs.push(function(k));
        }
    }
    nodes
        .map(|id| {
            let k = &keys.keys[id as usize];
            let mut name = keys.names.get(k.name).to_string();
            let fs = &index[&(k.file, k.name)];
            if fs.len() > 1 {
                let i = fs.iter().position(|f| *f == function(k)).unwrap_or(0);
                let _ = write!(name, " [{}/{}]", i + 1, fs.len());
            }
            (id, name)
        })
        .collect()
}

/// Callgrind's name compression (pprof's `callgrindName`).
#[derive(Default)]
struct Compressor {
    ids: HashMap<String, usize>,
}

impl Compressor {
    fn name(&mut self, name: &str) -> String {
        if name.is_empty() {
            return String::new();
        }
        if let Some(id) = self.ids.get(name) {
            return format!("({id})");
        }
        let id = self.ids.len() + 1;
        self.ids.insert(name.to_string(), id);
        format!("({id}) {name}")
    }
}

/// Callgrind's sub-position compression (pprof's `callgrindAddress`):
/// relative to the previous node's address when that is shorter.
fn address(prev: Option<&NodeKey>, curr: u64) -> String {
    let abs = if curr == 0 {
        "0x0".to_string()
    } else {
        format!("{curr:#x}")
    };
    let Some(prev) = prev else { return abs };
    if prev.address == curr {
        return "*".to_string();
    }
    let diff = curr.wrapping_sub(prev.address) as i64;
    let relative = format!("{diff:+}");
    if relative.len() < abs.len() {
        relative
    } else {
        abs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compresses_names_and_addresses_as_pprof() {
        let mut c = Compressor::default();
        assert_eq!(c.name("main.f"), "(1) main.f");
        assert_eq!(c.name("main.g"), "(2) main.g");
        assert_eq!(c.name("main.f"), "(1)");
        assert_eq!(c.name(""), "");
        let k = |address| NodeKey {
            name: 0,
            address,
            file: 0,
            start_line: 0,
            line: 0,
            column: 0,
            objfile: 0,
        };
        assert_eq!(address(None, 0x4fed73), "0x4fed73");
        assert_eq!(address(None, 0), "0x0");
        assert_eq!(address(Some(&k(0x4fed73)), 0x4fed73), "*");
        assert_eq!(address(Some(&k(0x4fed73)), 0x4fed80), "+13");
        assert_eq!(address(Some(&k(0x4fed80)), 0x4fed73), "-13");
        assert_eq!(address(Some(&k(0x4fed73)), 0x9000000), "0x9000000");
    }
}
