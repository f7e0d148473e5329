//! `topproto`: the rows of `top` as a profile (pprof's `-topproto`,
//! `printTopProto`): one location and one sample per row, with the
//! sample types `cum` and `flat` in the report's unit.

use crate::Report;
use crate::graph::{NodeKeys, trimmed_graph};
use rprof_profile::measurement::{go_f64_to_i64, scale};
use rprof_profile::{Line, Location, Profile, ProfileBuilder};

/// The `top` rows of `r` as a profile (write it with
/// [`rprof_profile::write_gz`]).
pub fn top_profile(r: &Report) -> Profile {
    let keys = NodeKeys::for_report(r);
    let node_count = if r.options().trim {
        r.options().node_count.unwrap_or(0)
    } else {
        0
    };
    let t = trimmed_graph(r, &keys, node_count);
    let r = r.with_unit_for(t.graph.min_value());
    let src = r.profile();

    let mut b = ProfileBuilder::new();
    b.add_sample_type("cum", r.output_unit());
    b.add_sample_type("flat", r.output_unit());
    let period_type = src
        .period_type
        .map(|vt| b.value_type(src.str(vt.ty), src.str(vt.unit)));
    {
        let p = b.profile_mut();
        p.time_nanos = src.time_nanos;
        p.duration_nanos = src.duration_nanos;
        p.period_type = period_type;
        p.period = src.period;
    }
    let scaled = |v: i64| go_f64_to_i64(scale(v, r.sample_unit(), r.output_unit()).0);
    for (i, n) in t.graph.nodes.iter().enumerate() {
        let k = &keys.keys[n.key as usize];
        // pprof's functionMap: one function per (name, file, start line).
        let function = b.function(
            keys.names.get(k.name),
            "",
            keys.names.get(k.file),
            k.start_line,
        );
        // One location per row, even where two rows would make equal
        // locations (pprof does not merge them).
        let p = b.profile_mut();
        let start = p.lines.len() as u32;
        p.lines.push(Line {
            function,
            line: k.line,
            column: k.column,
        });
        p.locations.push(Location {
            id: i as u64 + 1,
            mapping: None,
            address: k.address,
            lines: start..start + 1,
            is_folded: false,
        });
        b.push_sample(
            &[i as u32],
            &[scaled(n.cum_value()), scaled(n.flat_value())],
            &[],
        );
    }
    b.finish()
}
