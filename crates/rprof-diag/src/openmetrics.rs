//! OpenMetrics text: a memstats series with timestamps, for Prometheus'
//! backfill (`promtool tsdb create-blocks-from openmetrics FILE DIR`) —
//! memory statistics collected offline into a time-series database.
//!
//! MemStats fields get the names Prometheus' Go client gives them
//! (`go_memstats_heap_alloc_bytes`, `go_memstats_mallocs_total`, …),
//! expvar's `goroutines` is `go_goroutines`, runtime/metrics samples are
//! named as the Go client names them (`/gc/heap/live:bytes` →
//! `go_gc_heap_live_bytes`), and other expvars are `expvar_` and their
//! name. Every sample carries a `source` label (the input) and its
//! timestamp in seconds.

use crate::error::DiagError;
use crate::memstats::{MemReport, MemSeries};
use std::io::Write;

/// The Prometheus name, type and help of a MemStats field, and the
/// factor to its unit (ns to seconds).
fn memstats_family(field: &str) -> Option<(&'static str, &'static str, &'static str, f64)> {
    const G: &str = "gauge";
    const C: &str = "counter";
    Some(match field {
        "Alloc" => (
            "go_memstats_alloc_bytes",
            G,
            "Bytes of allocated heap objects.",
            1.0,
        ),
        "TotalAlloc" => (
            "go_memstats_total_alloc_bytes",
            C,
            "Cumulative bytes allocated for heap objects.",
            1.0,
        ),
        "Sys" => (
            "go_memstats_sys_bytes",
            G,
            "Bytes of memory obtained from the OS.",
            1.0,
        ),
        "Lookups" => (
            "go_memstats_lookups",
            C,
            "Pointer lookups performed by the runtime.",
            1.0,
        ),
        "Mallocs" => (
            "go_memstats_mallocs",
            C,
            "Cumulative count of heap objects allocated.",
            1.0,
        ),
        "Frees" => (
            "go_memstats_frees",
            C,
            "Cumulative count of heap objects freed.",
            1.0,
        ),
        "HeapAlloc" => (
            "go_memstats_heap_alloc_bytes",
            G,
            "Bytes of allocated heap objects.",
            1.0,
        ),
        "HeapSys" => (
            "go_memstats_heap_sys_bytes",
            G,
            "Bytes of heap memory obtained from the OS.",
            1.0,
        ),
        "HeapIdle" => (
            "go_memstats_heap_idle_bytes",
            G,
            "Bytes in idle (unused) spans.",
            1.0,
        ),
        "HeapInuse" => (
            "go_memstats_heap_inuse_bytes",
            G,
            "Bytes in in-use spans.",
            1.0,
        ),
        "HeapReleased" => (
            "go_memstats_heap_released_bytes",
            G,
            "Bytes of physical memory returned to the OS.",
            1.0,
        ),
        "HeapObjects" => (
            "go_memstats_heap_objects",
            G,
            "Number of allocated heap objects.",
            1.0,
        ),
        "StackInuse" => (
            "go_memstats_stack_inuse_bytes",
            G,
            "Bytes in stack spans.",
            1.0,
        ),
        "StackSys" => (
            "go_memstats_stack_sys_bytes",
            G,
            "Bytes of stack memory obtained from the OS.",
            1.0,
        ),
        "MSpanInuse" => (
            "go_memstats_mspan_inuse_bytes",
            G,
            "Bytes of allocated mspan structures.",
            1.0,
        ),
        "MSpanSys" => (
            "go_memstats_mspan_sys_bytes",
            G,
            "Bytes of memory obtained from the OS for mspan structures.",
            1.0,
        ),
        "MCacheInuse" => (
            "go_memstats_mcache_inuse_bytes",
            G,
            "Bytes of allocated mcache structures.",
            1.0,
        ),
        "MCacheSys" => (
            "go_memstats_mcache_sys_bytes",
            G,
            "Bytes of memory obtained from the OS for mcache structures.",
            1.0,
        ),
        "BuckHashSys" => (
            "go_memstats_buck_hash_sys_bytes",
            G,
            "Bytes of memory in profiling bucket hash tables.",
            1.0,
        ),
        "GCSys" => (
            "go_memstats_gc_sys_bytes",
            G,
            "Bytes of memory in garbage collection metadata.",
            1.0,
        ),
        "OtherSys" => (
            "go_memstats_other_sys_bytes",
            G,
            "Bytes of memory in miscellaneous off-heap runtime allocations.",
            1.0,
        ),
        "NextGC" => (
            "go_memstats_next_gc_bytes",
            G,
            "Target heap size of the next GC cycle.",
            1.0,
        ),
        "LastGC" => (
            "go_memstats_last_gc_time_seconds",
            G,
            "Time the last garbage collection finished, unix seconds.",
            1e-9,
        ),
        "PauseTotalNs" => (
            "go_memstats_gc_pause_seconds",
            C,
            "Cumulative time in GC stop-the-world pauses.",
            1e-9,
        ),
        "NumGC" => ("go_memstats_gc_cycles", C, "Completed GC cycles.", 1.0),
        "NumForcedGC" => (
            "go_memstats_gc_forced_cycles",
            C,
            "GC cycles forced by the application.",
            1.0,
        ),
        "GCCPUFraction" => (
            "go_memstats_gc_cpu_fraction",
            G,
            "Fraction of CPU time used by the GC since the program started.",
            1.0,
        ),
        "EnableGC" => (
            "go_memstats_enable_gc",
            G,
            "Whether GC is enabled (1) or not (0).",
            1.0,
        ),
        "DebugGC" => (
            "go_memstats_debug_gc",
            G,
            "Whether GODEBUG debug GC is on (1) or not (0).",
            1.0,
        ),
        _ => return None,
    })
}

/// `go_` plus the runtime/metrics name with every other character made
/// `_`, as Prometheus' Go client names them.
fn sanitize(prefix: &str, name: &str) -> String {
    let mut out = String::from(prefix);
    let mut last_us = prefix.ends_with('_');
    for c in name.trim_start_matches('/').chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            last_us = false;
        } else if !last_us {
            out.push('_');
            last_us = true;
        }
    }
    out.trim_end_matches('_').to_string()
}

struct Family {
    name: String,
    kind: &'static str,
    help: String,
    scale: f64,
    column: String,
}

fn family(column: &str) -> Family {
    if let Some((name, kind, help, scale)) = memstats_family(column) {
        return Family {
            name: name.to_string(),
            kind,
            help: help.to_string(),
            scale,
            column: column.to_string(),
        };
    }
    let (name, help) = if column == "goroutines" {
        (
            "go_goroutines".to_string(),
            "Number of goroutines (expvar goroutines).".to_string(),
        )
    } else if column.starts_with('/') {
        (
            sanitize("go_", column),
            format!("runtime/metrics {column}."),
        )
    } else {
        (sanitize("expvar_", column), format!("expvar {column}."))
    };
    Family {
        name,
        kind: "gauge",
        help,
        scale: 1.0,
        column: column.to_string(),
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Every column of every series as an OpenMetrics family, samples in
/// time order, ending with `# EOF`.
pub fn memstats_openmetrics(r: &MemReport, mut w: impl Write) -> Result<(), DiagError> {
    let mut families: Vec<Family> = Vec::new();
    for s in &r.series {
        for c in &s.columns {
            if !families.iter().any(|f| f.column == c.name) {
                let f = family(&c.name);
                // Two columns may map to one name (expvar `goroutines`
                // and an app's own): the first wins.
                if !families.iter().any(|g| g.name == f.name) {
                    families.push(f);
                }
            }
        }
    }
    for f in &families {
        writeln!(w, "# TYPE {} {}", f.name, f.kind)?;
        writeln!(w, "# HELP {} {}", f.name, f.help)?;
        let sample = if f.kind == "counter" {
            format!("{}_total", f.name)
        } else {
            f.name.clone()
        };
        for s in &r.series {
            write_samples(&mut w, s, f, &sample)?;
        }
    }
    writeln!(w, "# EOF")?;
    Ok(())
}

fn write_samples(
    w: &mut impl Write,
    s: &MemSeries,
    f: &Family,
    sample: &str,
) -> Result<(), DiagError> {
    let Some(c) = s.column(&f.column) else {
        return Ok(());
    };
    let source = escape(&s.source);
    for (v, t) in c.values.iter().zip(&s.time_unix_s) {
        if v.is_nan() {
            continue;
        }
        writeln!(w, "{sample}{{source=\"{source}\"}} {} {t:.3}", v * f.scale)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            sanitize("go_", "/gc/heap/live:bytes"),
            "go_gc_heap_live_bytes"
        );
        assert_eq!(
            sanitize("go_", "/sched/goroutines:goroutines"),
            "go_sched_goroutines_goroutines"
        );
        assert_eq!(
            sanitize("expvar_", "myapp.requests"),
            "expvar_myapp_requests"
        );
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
