//! A goroutine dump as a pprof goroutine profile (gzipped protobuf), so
//! that `rprof top`, `traces`, `flame`, `web` and `go tool pprof` work on
//! a dump: one sample per bucket and state, valued by its goroutine count
//! (summed over all dumps), with a `state` label and the goroutines' own
//! labels. Frames inlined into their caller (printed with `(...)`) share
//! their caller's location, innermost first, as in a profile Go writes.
//! Dumps carry no program counters, so locations have no address or
//! mapping: reports by function, file or line work; `--granularity
//! addresses` has nothing to show.

use crate::error::DiagError;
use crate::goroutines::{Frame, GoroutineReport};
use rprof_profile::{Line, Profile, ProfileBuilder};

/// The profile of the buckets.
pub fn goroutine_profile(r: &GoroutineReport) -> Profile {
    let mut b = ProfileBuilder::new();
    b.add_sample_type("goroutine", "count");
    let period = b.value_type("goroutine", "count");
    let sources: Vec<&str> = r.sources.iter().map(|s| s.name.as_str()).collect();
    let comment = b.intern(&format!(
        "goroutine dump{} {} read by rprof ({} goroutines)",
        if sources.len() > 1 { "s" } else { "" },
        sources.join(", "),
        r.goroutines
    ));
    {
        let p = b.profile_mut();
        p.period_type = Some(period);
        p.period = 1;
        p.comments.push(comment);
    }
    let state_key = b.intern("state");
    for bucket in &r.buckets {
        let stack = locations(&mut b, &bucket.frames);
        let mut labels: Vec<rprof_profile::Label> = bucket
            .labels
            .iter()
            .map(|l| rprof_profile::Label {
                key: b.intern(&l.key),
                str: b.intern(&l.value),
                ..Default::default()
            })
            .collect();
        for s in &bucket.states {
            labels.push(rprof_profile::Label {
                key: state_key,
                str: b.intern(&s.state),
                ..Default::default()
            });
            b.push_sample(&stack, &[s.count as i64], &labels);
            labels.pop();
        }
    }
    b.finish()
}

/// The locations of a stack, innermost first, inlined frames folded into
/// the location of the frame that called them.
fn locations(b: &mut ProfileBuilder, frames: &[Frame]) -> Vec<u32> {
    let mut stack = Vec::new();
    let mut lines: Vec<Line> = Vec::new();
    for f in frames {
        let name = if f.function == "panic" {
            "runtime.gopanic"
        } else {
            &f.function
        };
        let function = b.function(name, name, &f.file, 0);
        lines.push(Line {
            function,
            line: f.line as i64,
            column: 0,
        });
        if !f.inlined() {
            stack.push(b.location(None, 0, &lines, false));
            lines.clear();
        }
    }
    if !lines.is_empty() {
        // The stack ends with an inlined frame whose caller was not
        // printed (runtime frames hidden): keep it on its own.
        stack.push(b.location(None, 0, &lines, false));
    }
    stack
}

/// The profile, gzipped as Go writes profiles.
pub fn write_goroutine_profile(
    r: &GoroutineReport,
    w: impl std::io::Write,
) -> Result<(), DiagError> {
    rprof_profile::write_gz(&goroutine_profile(r), w)?;
    Ok(())
}
