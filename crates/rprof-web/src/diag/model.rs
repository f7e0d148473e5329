//! What a diagnostics page shows: one of rprof-diag's reports.

/// What a diagnostics page shows.
#[derive(Debug)]
pub enum Diagnostics {
    /// Goroutine dumps, bucketed.
    Goroutines(rprof_diag::GoroutineReport),
    /// GC trace runs.
    Gctrace(rprof_diag::GcReport),
    /// Memstats series.
    Memstats(rprof_diag::MemReport),
    /// Race reports, paired.
    Race(rprof_diag::RaceSummary),
}
