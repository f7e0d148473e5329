//! `traces`: pprof's `-traces`, every sample's stack in profile order.

use crate::header::profile_labels;
use crate::Report;
use rprof_profile::measurement;
use std::collections::BTreeMap;
use std::fmt::Write;

const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// Writes the `traces` report.
pub fn write_traces(r: &Report, out: &mut String) {
    out.push_str(&profile_labels(r).join("\n"));
    out.push('\n');
    let p = r.profile;
    let s = &p.samples;
    // pprof builds these nodes with default graph options at the report's
    // granularity: names only, no object file names.
    let keys = r.node_keys();
    let mut names = crate::graph::NameCache::new(&keys);
    let num_units = num_label_units(p);
    for i in 0..s.len() {
        let stack = s.stack(i);
        if stack.iter().all(|&l| keys.of_location(l).is_empty()) {
            continue;
        }
        out.push_str(SEPARATOR);
        out.push('\n');
        // Labels grouped by key, values in sample order; string labels
        // then numeric ones, each block sorted as pprof sorts its lines.
        let mut str_labels: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut num_labels: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for l in s.labels(i) {
            let key = p.str(l.key);
            if l.is_str() {
                str_labels.entry(key).or_default().push(p.str(l.str));
            } else {
                num_labels.entry(key).or_default().push(l.num);
            }
        }
        let mut lines: Vec<String> = str_labels
            .iter()
            .map(|(k, vs)| format!("{k:>10}:  {}\n", vs.join(" ")))
            .collect();
        lines.sort();
        lines.iter().for_each(|l| out.push_str(l));
        let mut lines: Vec<String> = num_labels
            .iter()
            .map(|(k, vs)| {
                let unit = num_units.get(*k).map(String::as_str).unwrap_or(k);
                let vals: Vec<String> = vs.iter().map(|&v| measurement::label(v, unit)).collect();
                format!("{k:>10}:  {}\n", vals.join(" "))
            })
            .collect();
        lines.sort();
        lines.iter().for_each(|l| out.push_str(l));

        let mut v = s.value(i, r.sample_index);
        if r.mean {
            let d = s.value(i, 0);
            if d != 0 {
                v /= d;
            }
        }
        let mut first = true;
        for &loc in stack {
            let nodes = keys.of_location(loc);
            for (j, &n) in nodes.iter().enumerate() {
                let vs = if first { r.format_value(v) } else { String::new() };
                first = false;
                let inline = if j != nodes.len() - 1 { " (inline)" } else { "" };
                let _ = writeln!(out, "{vs:>10}   {}{inline}", names.get(n));
            }
        }
    }
    out.push_str(SEPARATOR);
    out.push('\n');
}

/// pprof's `Profile.NumLabelUnits`: the unit of each numeric label key,
/// the first one seen, else inferred from the key.
pub fn num_label_units(p: &rprof_profile::Profile) -> std::collections::HashMap<String, String> {
    use std::collections::HashMap;
    let mut units: HashMap<String, String> = HashMap::new();
    let mut keys: Vec<&str> = Vec::new();
    for l in &p.samples.labels {
        if l.is_str() {
            continue;
        }
        let key = p.str(l.key);
        if !units.contains_key(key) && !keys.contains(&key) {
            keys.push(key);
        }
        let unit = p.str(l.num_unit);
        if !unit.is_empty() && !units.contains_key(key) {
            units.insert(key.to_string(), unit.to_string());
        }
    }
    for key in keys {
        units.entry(key.to_string()).or_insert_with(|| match key {
            "alignment" | "request" => "bytes".to_string(),
            k => k.to_string(),
        });
    }
    units
}
