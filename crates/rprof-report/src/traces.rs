//! `traces`: pprof's `-traces`, every sample's stack in profile order.

use crate::Report;
use crate::header::profile_labels;
use rprof_profile::measurement;
use std::collections::BTreeMap;

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
///
/// Samples are formatted in batches, a window of them in parallel, and
/// written in order: memory stays at one window's text.
pub fn stream_traces(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use rayon::prelude::*;
    out.write_all(profile_labels(r).join("\n").as_bytes())?;
    out.write_all(b"\n")?;
    let s = &r.profile().samples;
    // pprof builds these nodes with default graph options at the report's
    // granularity: names only, no object file names.
    let keys = crate::graph::NodeKeys::for_report(r);
    let names: Vec<std::sync::OnceLock<Box<str>>> = (0..keys.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    let ctx = Traces {
        r,
        keys: &keys,
        names: &names,
        num_units: r.profile().num_label_units(),
    };
    const BATCH: usize = 1024;
    let batches = s.len().div_ceil(BATCH);
    let window = 2 * rayon::current_num_threads();
    for first in (0..batches).step_by(window) {
        let texts: Vec<Vec<u8>> = (first..batches.min(first + window))
            .into_par_iter()
            .map(|b| ctx.format(b * BATCH..s.len().min((b + 1) * BATCH)))
            .collect();
        for t in &texts {
            out.write_all(t)?;
        }
    }
    out.write_all(SEPARATOR.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// What formatting a batch of samples needs.
struct Traces<'a, 'p> {
    r: &'a Report<'p>,
    keys: &'a crate::graph::NodeKeys<'p>,
    /// Printable node names, made on first use.
    names: &'a [std::sync::OnceLock<Box<str>>],
    num_units: std::collections::HashMap<String, String>,
}

impl Traces<'_, '_> {
    /// The text of samples `range`.
    fn format(&self, range: std::ops::Range<usize>) -> Vec<u8> {
        let (r, keys) = (self.r, self.keys);
        let p = r.profile();
        let s = &p.samples;
        let mut out = Vec::with_capacity(range.len() * 256);
        for i in range {
            let stack = s.stack(i);
            if stack.iter().all(|&l| keys.of_location(l).is_empty()) {
                continue;
            }
            out.extend_from_slice(SEPARATOR.as_bytes());
            out.push(b'\n');
            if !s.labels(i).is_empty() {
                write_labels(p, s.labels(i), &self.num_units, &mut out)
                    .expect("writing to memory cannot fail");
            }
            let mut v = s.value(i, r.sample_index());
            if r.mean() {
                let d = s.value(i, 0);
                if d != 0 {
                    v /= d;
                }
            }
            let mut first = true;
            for &loc in stack {
                let nodes = keys.of_location(loc);
                for (j, &n) in nodes.iter().enumerate() {
                    if first {
                        let _ = std::io::Write::write_fmt(
                            &mut out,
                            format_args!("{:>10}   ", r.format_value(v)),
                        );
                        first = false;
                    } else {
                        out.extend_from_slice(b"             ");
                    }
                    let name = self.names[n as usize].get_or_init(|| keys.printable_name(n).into());
                    out.extend_from_slice(name.as_bytes());
                    if j != nodes.len() - 1 {
                        out.extend_from_slice(b" (inline)");
                    }
                    out.push(b'\n');
                }
            }
        }
        out
    }
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
