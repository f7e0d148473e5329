//! The trace UI's state: the inputs, the indexing job and the analyses
//! made in its pass, and the on-demand passes over the trace file.

use rprof_trace::analysis::timeline::{
    EventSink, Indexing, TimelineIndex, TimelineOptions, spawn_index_file_with,
};
use rprof_trace::analysis::{
    GoroutineAnalyzer, GoroutineTable, PprofAnalyzer, PprofKind, PprofProfiles,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// What `rprof trace web` serves.
#[derive(Debug, Clone, Default)]
pub struct TraceInputs {
    /// The trace as shown (its file name or URL).
    pub name: String,
    /// The trace file. It is read once to build the index, and again for
    /// what is computed on demand (filtered profiles, MMU curves), so it
    /// must stay until the server ends (a fetched trace: a temporary file
    /// the caller keeps).
    pub path: PathBuf,
    /// `--start`: ns after the trace's first event.
    pub start: Option<i64>,
    /// `--end`: ns after the trace's first event.
    pub end: Option<i64>,
    /// Where the index's temporary file goes (`None`: the system's
    /// temporary directory).
    pub temp_dir: Option<PathBuf>,
}

/// What the pass besides the index computes.
pub(crate) struct Analyses {
    pub(crate) table: GoroutineTable,
    pub(crate) profiles: PprofProfiles,
}

/// A profile or MMU curve computed on demand, shared by the requests
/// that wait for it.
pub(crate) type Slot<T> = Arc<OnceLock<Result<T, String>>>;

/// The trace UI's state (see the module docs).
pub struct TraceUi {
    inputs: TraceInputs,
    pub(crate) size: u64,
    indexing: Arc<Indexing>,
    analyses: Arc<OnceLock<Analyses>>,
    /// One on-demand pass over the trace at a time: each holds a
    /// generation of the trace in memory.
    pass: Mutex<()>,
}

impl std::fmt::Debug for TraceUi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceUi")
            .field("inputs", &self.inputs)
            .finish_non_exhaustive()
    }
}

/// How many filtered profiles and MMU curves are kept (each in a cache
/// of the module that computes them: `profiles`, `api`).
pub(crate) const CACHE_ENTRIES: usize = 8;

impl TraceUi {
    /// Starts indexing `inputs.path` in the background and returns at
    /// once: pages can be served while it runs.
    pub fn start(inputs: TraceInputs) -> Arc<TraceUi> {
        let size = std::fs::metadata(&inputs.path).map_or(0, |m| m.len());
        let analyses = Arc::new(OnceLock::new());
        let window = window_of(inputs.start, inputs.end);
        let mut goroutines = GoroutineAnalyzer::new().keep_goroutines();
        // With a window, the profiles are made on demand from a pass over
        // the whole trace: the index's pass stops at the window's end,
        // where the intervals still open would be lost.
        let pprof = PprofAnalyzer::new(if window.is_some() {
            &[]
        } else {
            &PprofKind::ALL
        });
        if let Some((a, b)) = window {
            goroutines = goroutines.with_window(a, b);
        }
        let out = Arc::clone(&analyses);
        let indexing = spawn_index_file_with(
            inputs.path.clone(),
            TimelineOptions {
                start: inputs.start,
                end: inputs.end,
                temp_dir: inputs.temp_dir.clone(),
            },
            Pass { goroutines, pprof },
            move |p: Pass| {
                let _ = out.set(Analyses {
                    table: p.goroutines.finish_table(),
                    profiles: p.pprof.finish(),
                });
            },
        );
        Arc::new(TraceUi {
            inputs,
            size,
            indexing,
            analyses,
            pass: Mutex::new(()),
        })
    }

    /// The indexing job (its progress, and the index when done).
    pub fn indexing(&self) -> &Indexing {
        &self.indexing
    }

    /// The trace's name as shown.
    pub fn name(&self) -> &str {
        &self.inputs.name
    }

    /// The index, once built (`Err`: it failed, with why).
    pub(crate) fn index(&self) -> Option<Result<Arc<TimelineIndex>, String>> {
        self.indexing.get().map(|r| r.map_err(|e| e.to_string()))
    }

    /// The goroutine analysis and the profiles, once the pass is done.
    pub(crate) fn analyses(&self) -> Option<&Analyses> {
        // Set before the index is handed over: done means ready.
        if self.indexing.progress().is_done() {
            self.analyses.get()
        } else {
            None
        }
    }

    /// How far indexing has come, in `[0, 1]`.
    pub(crate) fn fraction(&self) -> f64 {
        self.indexing.progress().fraction().unwrap_or(0.0)
    }

    /// `--start`/`--end`, if given.
    pub(crate) fn window(&self) -> Option<(i64, i64)> {
        window_of(self.inputs.start, self.inputs.end)
    }

    /// Opens the trace for an on-demand pass (holding the pass lock).
    pub(crate) fn reread<T>(
        &self,
        f: impl FnOnce(
            &mut rprof_trace::Reader<std::io::BufReader<std::fs::File>>,
        ) -> Result<T, rprof_trace::Error>,
    ) -> Result<T, String> {
        let _one = self.pass.lock().unwrap_or_else(|p| p.into_inner());
        let shown = &self.inputs.name;
        let file = std::fs::File::open(&self.inputs.path).map_err(|e| format!("{shown}: {e}"))?;
        let mut r = rprof_trace::Reader::new(std::io::BufReader::with_capacity(256 << 10, file))
            .map_err(|e| format!("{shown}: {e}"))?
            .with_total_bytes(self.size);
        f(&mut r).map_err(|e| format!("{shown}: {e}"))
    }
}

/// The analyses made in the index's pass.
struct Pass {
    goroutines: GoroutineAnalyzer,
    pprof: PprofAnalyzer,
}

impl EventSink for Pass {
    fn event(&mut self, ev: &rprof_trace::Event) {
        self.goroutines.event(ev);
        self.pprof.event(ev);
    }
}

/// `--start`/`--end` as a window (ns since the first event), if either
/// is given.
pub(crate) fn window_of(start: Option<i64>, end: Option<i64>) -> Option<(i64, i64)> {
    match (start, end) {
        (None, None) => None,
        (a, b) => Some((a.unwrap_or(0), b.unwrap_or(i64::MAX / 4))),
    }
}
