//! CSV: the per-cycle gctrace table and the memstats series, one row per
//! cycle or snapshot, for spreadsheets and scripts.

use crate::error::DiagError;
use crate::gctrace::GcReport;
use crate::memstats::MemReport;
use std::io::Write;

/// One row per GC cycle of every run, with the run's source first.
pub fn gctrace_csv(r: &GcReport, w: impl Write) -> Result<(), DiagError> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "source",
        "gc",
        "at_s",
        "cpu_percent",
        "sweep_term_ms",
        "mark_ms",
        "mark_term_ms",
        "cpu_sweep_term_ms",
        "cpu_assist_ms",
        "cpu_background_ms",
        "cpu_idle_ms",
        "cpu_mark_term_ms",
        "heap_start_mb",
        "heap_end_mb",
        "heap_live_mb",
        "goal_mb",
        "stacks_mb",
        "globals_mb",
        "procs",
        "forced",
        "leak_check",
    ])?;
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    for t in &r.traces {
        for c in &t.cycles {
            out.write_record([
                t.source.clone(),
                c.n.to_string(),
                c.at_s.to_string(),
                c.cpu_percent.to_string(),
                c.sweep_term_ms.to_string(),
                c.mark_ms.to_string(),
                c.mark_term_ms.to_string(),
                c.cpu_sweep_term_ms.to_string(),
                c.cpu_assist_ms.to_string(),
                c.cpu_background_ms.to_string(),
                c.cpu_idle_ms.to_string(),
                c.cpu_mark_term_ms.to_string(),
                c.heap_start_mb.to_string(),
                c.heap_end_mb.to_string(),
                c.heap_live_mb.to_string(),
                c.goal_mb.to_string(),
                opt(c.stacks_mb),
                opt(c.globals_mb),
                c.procs.to_string(),
                c.forced.to_string(),
                c.leak_check.to_string(),
            ])?;
        }
    }
    out.flush()?;
    Ok(())
}

/// One row per snapshot: source, unix time, then every column of the
/// series (the union of all series' columns; empty where absent).
pub fn memstats_csv(r: &MemReport, w: impl Write) -> Result<(), DiagError> {
    let mut out = csv::Writer::from_writer(w);
    let mut names: Vec<&str> = Vec::new();
    for s in &r.series {
        for c in &s.columns {
            if !names.contains(&c.name.as_str()) {
                names.push(&c.name);
            }
        }
    }
    let mut header = vec!["source", "time_unix_s"];
    header.extend(&names);
    out.write_record(&header)?;
    for s in &r.series {
        let cols: Vec<Option<&crate::memstats::Column>> =
            names.iter().map(|n| s.column(n)).collect();
        for (row, t) in s.time_unix_s.iter().enumerate() {
            let mut rec = vec![s.source.clone(), t.to_string()];
            for c in &cols {
                rec.push(match c.and_then(|c| c.values.get(row)) {
                    Some(v) if !v.is_nan() => v.to_string(),
                    _ => String::new(),
                });
            }
            out.write_record(&rec)?;
        }
    }
    out.flush()?;
    Ok(())
}
