//! Merging many profiles (a fleet of processes, a day of hourly captures)
//! into one, in parallel and in memory bounded by the merged result.
//!
//! [`merge_files`] reads and merges on rayon's thread pool (the current
//! one: run it inside `ThreadPool::install` to choose the number of
//! threads). Each worker keeps a running *accumulator* (the merge of the
//! profiles it has read so far) and a few *pending* profiles read but not
//! yet merged; it merges the pending ones into its accumulator with one
//! [`crate::merge::merge`] call as soon as they together are
//! [`FleetOptions::pending_ratio`] (default 4) times the accumulator's size
//! or [`FleetOptions::max_pending`] (default 64) of them are waiting.
//! Accumulators of neighbouring runs of files are then merged pairwise,
//! in file order. So:
//!
//! * **Memory** is bounded by the merged result, not by the sum of the
//!   inputs: at any time there are at most a few accumulators per thread
//!   (one per worker, plus finished ones waiting for their neighbour:
//!   O(threads × log(files)) in the worst case of rayon's splitting, and
//!   in practice 2 to 4 per thread), each no larger than the result, and
//!   per worker pending inputs of at most `pending_ratio` times its
//!   accumulator (plus the one being read). [`FleetStats`] reports the
//!   peaks.
//! * **Time** is linear in the input: an accumulator is re-merged only
//!   after `pending_ratio` times as much new input has arrived, so each
//!   input is merged about 1 + 1/`pending_ratio` times.
//!
//! ## What is guaranteed
//!
//! Every step is pprof's merge (`CompatibilizeSampleTypes`,
//! `ScaleProfiles`, `profile.Merge`), only grouped differently than one
//! call over all files; pprof itself groups (`go tool pprof` merges its
//! inputs in chunks of 128, then merges the chunks one after another).
//! The values of the result are those of a sequential merge of all files:
//! per unique sample (stack and labels) the sum of the inputs' values,
//! for every sample type common to all inputs; the duration is the sum,
//! the period the largest, comments are the distinct ones in file order,
//! the default sample type and doc URL the first non-empty ones, the
//! sample types and the first mapping are the first file's. Merging is
//! associative: shards can be merged separately and their results merged
//! again (their files with [`merge_files`], or the profiles with
//! [`crate::merge::merge`]) with the same values.
//!
//! What is not guaranteed is the ids and order of samples, locations,
//! functions and mappings; they come out as a sequential merge numbers
//! them (in first-seen order, which grouping preserves) except where
//! pprof's merge is not associative:
//!
//! * a sample whose values cancel to 0 within one group is dropped there
//!   and, if later files bring it back, reappears later in the order;
//! * `time_nanos` is the earliest, but pprof lets a zero time replace the
//!   time before it, so with zero times among the inputs the result
//!   depends on grouping (Go's profiles always have a time);
//! * units are rescaled per group, so mixed units can round differently
//!   (profiles of one program use one unit and are not rescaled), and a
//!   sample type name repeated within one profile, which pprof's merge
//!   never treats as common, may be dropped in one grouping and not in
//!   another.
//!
//! Measured (release build, 2 cores): 1,000 copies of
//! `fixtures/profiles/cpu.pb.gz` read, merged and written in about 0.05 s
//! with 5 MB peak RSS, peak 8 accumulators and 8 pending inputs
//! (`go tool pprof -proto` on the same files: 0.35 s, 35 MB; the same
//! bytes after gunzip).
//!
//! Giving mapping-less profiles pprof's placeholder mapping
//! ([`crate::ensure_mapping`]), as `go tool pprof` does before
//! merging, is the `read` function's job:
//!
//! ```no_run
//! use rprof_profile::{ensure_mapping, fleet, parse, write_gz};
//!
//! let paths = vec!["a.pb.gz".to_string(), "b.pb.gz".to_string()];
//! let merged = fleet::merge_files(&paths, |path| -> Result<_, String> {
//!     let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
//!     let mut p = parse(&bytes).map_err(|e| format!("{path}: {e}"))?;
//!     ensure_mapping(&mut p);
//!     Ok(p)
//! })?;
//! write_gz(&merged, std::fs::File::create("merged.pb.gz")?)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::MergeError;
use crate::merge;
use crate::model::Profile;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Why a fleet merge failed.
#[derive(Debug, thiserror::Error)]
pub enum FleetError<E> {
    /// Reading input number `index` (into the `paths` slice) failed. When
    /// several inputs fail, which one is reported is not specified.
    #[error("{error}")]
    Read {
        /// Position of the failed input in the `paths` slice, from 0.
        index: usize,
        /// The reader's error, as the caller's read function returned it.
        error: E,
    },
    /// The profiles cannot be merged (no common sample types, incompatible
    /// units or period types), or there were none.
    #[error(transparent)]
    Merge(#[from] MergeError),
}

/// Tuning of [`merge_files_with`].
#[derive(Clone, Debug)]
pub struct FleetOptions {
    /// The most profiles one worker holds read but not yet merged, however
    /// small they are compared with its accumulator. At least 1.
    pub max_pending: usize,
    /// Pending profiles are merged into the accumulator once they are
    /// this many times its size (in table cells): higher is faster (the
    /// accumulator is re-merged less often) and holds more input.
    pub pending_ratio: usize,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            max_pending: 64,
            pending_ratio: 4,
        }
    }
}

/// What a fleet merge did and held, for tests and tuning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FleetStats {
    /// Profiles read.
    pub inputs: usize,
    /// Calls to [`merge::merge`].
    pub merges: usize,
    /// The most profiles held read but not yet merged at one time, over
    /// all workers.
    pub peak_pending: usize,
    /// The most partial results (accumulators) alive at one time, over all
    /// workers; the final result counts as one.
    pub peak_accumulators: usize,
}

/// Reads every path with `read` and merges the profiles as `go tool pprof`
/// merges several inputs (see the module docs for what is guaranteed),
/// in parallel and with bounded memory.
pub fn merge_files<P, E, F>(paths: &[P], read: F) -> Result<Profile, FleetError<E>>
where
    P: Sync,
    E: Send,
    F: Fn(&P) -> Result<Profile, E> + Sync,
{
    merge_files_with(paths, read, &FleetOptions::default()).map(|(p, _)| p)
}

/// [`merge_files`] with options, also returning what the merge did.
pub fn merge_files_with<P, E, F>(
    paths: &[P],
    read: F,
    opts: &FleetOptions,
) -> Result<(Profile, FleetStats), FleetError<E>>
where
    P: Sync,
    E: Send,
    F: Fn(&P) -> Result<Profile, E> + Sync,
{
    if paths.is_empty() {
        return Err(MergeError::Empty.into());
    }
    let t = Tracker::default();
    let max_pending = opts.max_pending.max(1);
    let ratio = opts.pending_ratio.max(1);
    let merged = paths
        .par_iter()
        .enumerate()
        .try_fold(Acc::default, |mut acc, (index, path)| {
            let p = read(path).map_err(|error| FleetError::Read { index, error })?;
            t.inputs.fetch_add(1, Ordering::Relaxed);
            t.up(&t.pending, &t.peak_pending, 1);
            acc.pending_weight += weight(&p);
            acc.pending.push(p);
            if acc.pending.len() >= max_pending
                || acc.pending_weight >= acc.weight.saturating_mul(ratio)
            {
                acc.flush(&t)?;
            }
            Ok(acc)
        })
        .map(
            |acc: Result<Acc, FleetError<E>>| -> Result<Option<Profile>, FleetError<E>> {
                let mut acc = acc?;
                acc.flush(&t)?;
                Ok(acc.merged)
            },
        )
        .try_reduce(
            || None,
            |a, b| match (a, b) {
                (Some(a), Some(b)) => {
                    let p = t.merge(vec![a, b])?;
                    t.partials.fetch_sub(1, Ordering::Relaxed);
                    Ok(Some(p))
                }
                (a, None) => Ok(a),
                (None, b) => Ok(b),
            },
        )?;
    let p = merged.ok_or(MergeError::Empty)?;
    let stats = FleetStats {
        inputs: t.inputs.into_inner(),
        merges: t.merges.into_inner(),
        peak_pending: t.peak_pending.into_inner(),
        peak_accumulators: t.peak_partials.into_inner(),
    };
    Ok((p, stats))
}

/// One worker's state: the merge of what it has read, and what it has
/// read since.
#[derive(Default)]
struct Acc {
    merged: Option<Profile>,
    weight: usize,
    pending: Vec<Profile>,
    pending_weight: usize,
}

impl Acc {
    /// Merges the pending profiles into the accumulator.
    fn flush(&mut self, t: &Tracker) -> Result<(), MergeError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let n = self.pending.len();
        let mut batch = Vec::with_capacity(n + 1);
        let had = self.merged.is_some();
        batch.extend(self.merged.take());
        batch.append(&mut self.pending);
        let p = t.merge(batch)?;
        if !had {
            t.up(&t.partials, &t.peak_partials, 1);
        }
        t.pending.fetch_sub(n, Ordering::Relaxed);
        self.weight = weight(&p);
        self.pending_weight = 0;
        self.merged = Some(p);
        Ok(())
    }
}

/// Counters of what is alive, and their peaks.
#[derive(Default)]
struct Tracker {
    inputs: AtomicUsize,
    merges: AtomicUsize,
    pending: AtomicUsize,
    peak_pending: AtomicUsize,
    partials: AtomicUsize,
    peak_partials: AtomicUsize,
}

impl Tracker {
    fn up(&self, count: &AtomicUsize, peak: &AtomicUsize, n: usize) {
        let now = count.fetch_add(n, Ordering::Relaxed) + n;
        peak.fetch_max(now, Ordering::Relaxed);
    }

    fn merge(&self, batch: Vec<Profile>) -> Result<Profile, MergeError> {
        self.merges.fetch_add(1, Ordering::Relaxed);
        merge::merge(batch)
    }
}

/// The size of a profile in table cells: what merging it costs and, to a
/// constant factor, what it occupies.
fn weight(p: &Profile) -> usize {
    let s = &p.samples;
    s.stacks.len()
        + s.values.len()
        + s.labels.len()
        + p.locations.len()
        + p.lines.len()
        + p.functions.len()
        + p.mappings.len()
        + p.strings.len()
}
