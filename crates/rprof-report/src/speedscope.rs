//! `speedscope`: the profile in speedscope's JSON file format
//! (<https://www.speedscope.app/file-format-schema.json>), to open in
//! speedscope.app or its command-line viewer.
//!
//! One "sampled" profile: every sample of the (filtered) profile is a
//! stack of frame indices, root first, weighted by the reported sample
//! value in the profile's own unit (speedscope formats nanoseconds and
//! bytes itself; counts are unit `none`). Frames are the report's nodes
//! at its granularity (functions by default, lines with
//! `--granularity=lines`), with their file and line when the granularity
//! keeps them, and inlined calls as frames of their own. Samples whose
//! value is zero are left out; so are negative ones (a `--base`
//! subtraction), which speedscope cannot draw.

use crate::Report;
use crate::graph::NodeKeys;
use serde::Serialize;
use std::collections::HashMap;

/// The file, as speedscope's schema names its fields.
#[derive(Serialize)]
struct File<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    shared: Shared,
    profiles: Vec<Sampled<'a>>,
    name: String,
    #[serde(rename = "activeProfileIndex")]
    active_profile_index: usize,
    exporter: String,
}

#[derive(Serialize)]
struct Shared {
    frames: Vec<Frame>,
}

#[derive(Serialize)]
struct Frame {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    col: Option<i64>,
}

#[derive(Serialize)]
struct Sampled<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    name: String,
    unit: &'a str,
    #[serde(rename = "startValue")]
    start_value: i64,
    #[serde(rename = "endValue")]
    end_value: i64,
    samples: Vec<Vec<u32>>,
    weights: Vec<i64>,
}

/// speedscope's name for a pprof unit (`none` for counts and the rest).
fn unit(sample_unit: &str) -> &'static str {
    match sample_unit {
        "nanoseconds" | "ns" => "nanoseconds",
        "microseconds" | "us" => "microseconds",
        "milliseconds" | "ms" => "milliseconds",
        "seconds" | "s" => "seconds",
        "bytes" | "B" => "bytes",
        _ => "none",
    }
}

/// Writes the report's profile as a speedscope file. `name` names the
/// document (the input file, typically).
pub fn write_speedscope(r: &Report, name: &str, out: &mut String) {
    let keys = NodeKeys::for_report(r);
    let p = r.profile();
    let s = &p.samples;
    let index = r.sample_index();
    let mut frame_of: HashMap<u32, u32> = HashMap::new();
    let mut frames = Vec::new();
    let mut samples = Vec::new();
    let mut weights = Vec::new();
    let mut total = 0i64;
    for i in 0..s.len() {
        let w = s.value(i, index);
        if w <= 0 {
            continue;
        }
        let mut stack = Vec::new();
        for &loc in s.stack(i).iter().rev() {
            for &node in keys.of_location(loc).iter().rev() {
                let f = *frame_of.entry(node).or_insert_with(|| {
                    let k = &keys.keys[node as usize];
                    let file = keys.names.get(k.file);
                    frames.push(Frame {
                        name: keys.printable_name(node),
                        file: (!file.is_empty()).then(|| file.to_string()),
                        line: (k.line != 0).then_some(k.line),
                        col: (k.column != 0).then_some(k.column),
                    });
                    (frames.len() - 1) as u32
                });
                stack.push(f);
            }
        }
        samples.push(stack);
        weights.push(w);
        total = total.saturating_add(w);
    }
    let file = File {
        schema: "https://www.speedscope.app/file-format-schema.json",
        shared: Shared { frames },
        profiles: vec![Sampled {
            ty: "sampled",
            name: format!("{name} ({})", r.sample_type()),
            unit: unit(r.sample_unit()),
            start_value: 0,
            end_value: total,
            samples,
            weights,
        }],
        name: name.to_string(),
        active_profile_index: 0,
        exporter: format!("rprof {}", env!("CARGO_PKG_VERSION")),
    };
    // Serializing plain strings and numbers cannot fail.
    if let Ok(json) = serde_json::to_string(&file) {
        out.push_str(&json);
        out.push('\n');
    }
}
