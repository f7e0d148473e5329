//! `traces`: pprof's `-traces`, every sample's stack in profile order.

use crate::Report;
use crate::header::profile_labels;
use rprof_profile::measurement;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::io::Write as _;

const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// Writes the `traces` report into a `String` (see [`stream_traces`]).
pub fn write_traces(r: &Report, out: &mut String) {
    let mut buf = Vec::new();
    stream_traces(r, &mut buf).expect("writing to memory cannot fail");
    out.push_str(&String::from_utf8_lossy(&buf));
}

/// Writes the `traces` report to `out` as it goes: a big profile's
/// traces run to hundreds of megabytes, which should not sit in memory.
/// Each frame's line is its node's printable name, made once per node.
pub fn stream_traces(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    out.write_all(profile_labels(r).join("\n").as_bytes())?;
    out.write_all(b"\n")?;
    let p = r.profile;
    let s = &p.samples;
    // pprof builds these nodes with default graph options at the report's
    // granularity: names only, no object file names.
    let keys = r.node_keys();
    let mut names: Vec<Option<Box<str>>> = vec![None; keys.len()];
    let num_units = num_label_units(p);
    let mut line = String::new();
    for i in 0..s.len() {
        let stack = s.stack(i);
        if stack.iter().all(|&l| keys.of_location(l).is_empty()) {
            continue;
        }
        out.write_all(SEPARATOR.as_bytes())?;
        out.write_all(b"\n")?;
        if !s.labels(i).is_empty() {
            write_labels(p, s.labels(i), &num_units, &mut out)?;
        }
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
                line.clear();
                if first {
                    let _ = write!(line, "{:>10}   ", r.format_value(v));
                    first = false;
                } else {
                    line.push_str("             ");
                }
                let name = names[n as usize].get_or_insert_with(|| keys.printable_name(n).into());
                line.push_str(name);
                if j != nodes.len() - 1 {
                    line.push_str(" (inline)");
                }
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
        }
    }
    out.write_all(SEPARATOR.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// A sample's labels as pprof prints them: grouped by key with values in
/// sample order, string labels then numeric ones, each block sorted.
fn write_labels(
    p: &rprof_profile::Profile,
    labels: &[rprof_profile::Label],
    num_units: &std::collections::HashMap<String, String>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let mut str_labels: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut num_labels: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for l in labels {
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
    for l in &lines {
        out.write_all(l.as_bytes())?;
    }
    let mut lines: Vec<String> = num_labels
        .iter()
        .map(|(k, vs)| {
            let unit = num_units.get(*k).map(String::as_str).unwrap_or(k);
            let vals: Vec<String> = vs.iter().map(|&v| measurement::label(v, unit)).collect();
            format!("{k:>10}:  {}\n", vals.join(" "))
        })
        .collect();
    lines.sort();
    for l in &lines {
        out.write_all(l.as_bytes())?;
    }
    Ok(())
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
