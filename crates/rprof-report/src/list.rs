//! `list`: pprof's `-list REGEX`, the annotated source of every function
//! whose name matches: per source line, the flat and cumulative value of
//! the samples on it (pprof's `printSource`).
//!
//! As pprof: the report is at lines granularity (inlined functions keep
//! their own lines unless `--noinlines`), untrimmed, each value printed in
//! its own unit; a function's lines run from its first line (or five
//! before its first sampled line) to five after its last sampled one.
//! Sources are found as pprof finds them and then some (see
//! [`crate::source`]); what was not found is listed in
//! [`Listing::missing`] for the caller to mention once.

use crate::Report;
use crate::graph::{KeyOptions, NodeKeys, build};
use crate::source::{SourceConfig, SourceError, SourceReader, recorded_goroots};
use crate::{Granularity, base_name};
use rprof_profile::measurement::percentage;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// Lines listed before the first and after the last sampled line.
const MARGIN: i64 = 5;

/// An annotated source listing.
#[derive(Debug)]
pub struct Listing {
    /// The report, as `go tool pprof -list` prints it.
    pub text: String,
    /// Source files that were not found (as recorded, with the reason),
    /// once each, in the order they were needed.
    pub missing: Vec<(String, SourceError)>,
    /// Files that pprof would not have found and rprof did (recorded
    /// path, local file): in GOROOT, the module cache or `vendor/`.
    pub found_elsewhere: Vec<(String, PathBuf)>,
}

/// Why no listing could be made.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// No function with samples matches the pattern.
    #[error("no matches found for regexp: {0}")]
    NoMatch(String),
}

/// One node of the lines graph, as the listing needs it.
struct LineNode {
    file: String,
    line: i64,
    start_line: i64,
    flat: i64,
    cum: i64,
}

/// pprof's `printSource` for the functions matching `symbol`, reading
/// sources as `sources` says.
pub fn write_list(
    r: &Report,
    symbol: &regex::Regex,
    sources: &SourceConfig,
) -> Result<Listing, ListError> {
    let o = r.options();
    let mut ko = KeyOptions::for_granularity(Granularity::Lines, o.no_inlines, o.show_columns);
    // pprof keeps binary names (and so start lines) for source listings.
    ko.obj_names = true;
    let keys = NodeKeys::with_paths(r.profile(), ko, &o.trim_path, &o.source_path);
    let g = build(r, &keys, None);

    // Functions by name (sorted), each with its nodes in graph order.
    let mut functions: BTreeMap<&str, Vec<LineNode>> = BTreeMap::new();
    for n in &g.nodes {
        let k = &keys.keys[n.key as usize];
        let name = keys.names.get(k.name);
        if !symbol.is_match(name) {
            continue;
        }
        functions.entry(name).or_default().push(LineNode {
            file: keys.names.get(k.file).to_string(),
            line: k.line,
            start_line: k.start_line,
            flat: n.flat,
            cum: n.cum,
        });
    }
    if functions.is_empty() {
        return Err(ListError::NoMatch(symbol.as_str().to_string()));
    }

    let p = r.profile();
    let mut config = sources.clone();
    if config.recorded_goroots.is_empty() {
        config.recorded_goroots = recorded_goroots(
            p.functions
                .iter()
                .map(|f| (p.str(f.name), p.str(f.filename))),
        );
    }
    let mut reader = SourceReader::new(config);
    let mut missing: Vec<(String, SourceError)> = Vec::new();

    let mut out = String::new();
    let _ = writeln!(out, "Total: {}", r.format_value(r.total()));
    for (name, nodes) in &functions {
        // Source files of this function, sorted, each with its nodes.
        let mut files: BTreeMap<&str, Vec<&LineNode>> = BTreeMap::new();
        for n in nodes.iter().filter(|n| !n.file.is_empty()) {
            files.entry(&n.file).or_default().push(n);
        }
        if files.is_empty() {
            let _ = writeln!(out, "No source information for {name}");
            continue;
        }
        for (file, fns) in files {
            let (flat_sum, cum_sum) = fns
                .iter()
                .fold((0i64, 0i64), |(f, c), n| (f + n.flat, c + n.cum));
            let _ = writeln!(out, "ROUTINE ======================== {name} in {file}");
            let _ = writeln!(
                out,
                "{:>10} {:>10} (flat, cum) {} of Total",
                r.format_value(flat_sum),
                r.format_value(cum_sum),
                percentage(cum_sum, r.total())
            );
            let lines = source_lines(file, &mut reader, &fns);
            if let Some(e) = reader.error(file) {
                let _ = writeln!(out, " Error: {e}");
                if !missing.iter().any(|(f, _)| f == file) {
                    missing.push((file.to_string(), e));
                }
                continue;
            }
            for (lineno, text, flat, cum) in lines {
                let _ = writeln!(
                    out,
                    "{:>10} {:>10} {:>6}:{}",
                    value_or_dot(r, flat),
                    value_or_dot(r, cum),
                    lineno,
                    text
                );
            }
        }
    }
    Ok(Listing {
        text: out,
        missing,
        found_elsewhere: reader.found_elsewhere().to_vec(),
    })
}

/// pprof's `getSourceFromFile` with no range given: the lines from the
/// function's start (or five before the first sample) to five after the
/// last sampled line, each with the values of the samples on it.
fn source_lines(
    file: &str,
    reader: &mut SourceReader,
    fns: &[&LineNode],
) -> Vec<(i64, String, i64, i64)> {
    let first = fns[0];
    let mut start = if first.start_line != 0 {
        first.start_line
    } else {
        first.line - MARGIN
    };
    let mut end = first.line + MARGIN;
    let mut per_line: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for n in fns {
        let node_start = if n.start_line != 0 {
            n.start_line
        } else {
            n.line - MARGIN
        };
        let node_end = n.line + MARGIN;
        if node_start < start {
            start = node_start;
        } else if node_end > end {
            end = node_end;
        }
        let e = per_line.entry(n.line).or_default();
        e.0 += n.flat;
        e.1 += n.cum;
    }
    start = start.max(1);
    let mut out = Vec::new();
    for lineno in start..=end {
        let Some(text) = reader.line(file, lineno) else {
            break;
        };
        let (flat, cum) = per_line.get(&lineno).copied().unwrap_or_default();
        out.push((lineno, text.to_string(), flat, cum));
    }
    out
}

/// pprof's `valueOrDot`.
fn value_or_dot(r: &Report, v: i64) -> String {
    if v == 0 {
        ".".to_string()
    } else {
        r.format_value(v)
    }
}

/// One line naming the files that were not found, for a note after the
/// listing (`None` when all were found).
pub fn missing_note(l: &Listing) -> Option<String> {
    if l.missing.is_empty() {
        return None;
    }
    let names: Vec<&str> = l.missing.iter().map(|(f, _)| base_or_path(f)).collect();
    Some(format!(
        "source not found for {} file{}: {} (see --source-path and --trim-path; GOROOT and the module cache are searched too)",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    ))
}

/// Recorded paths are shown whole unless they are long absolute ones.
fn base_or_path(f: &str) -> &str {
    if f.len() > 60 && f.starts_with('/') {
        base_name(f)
    } else {
        f
    }
}
