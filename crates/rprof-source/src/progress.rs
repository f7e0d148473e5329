//! Progress reporting: the library tells a [`Progress`] what it is doing
//! and the caller decides how to show it (a bar on a terminal, one line
//! per stage in a log, nothing in a test). Every method has an empty
//! default, so an implementation picks what it shows.

use std::path::Path;
use std::time::Duration;

/// A stage of fetching one source. `source` (passed beside it) is the
/// name as it may be shown: credentials are never in it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Stage<'a> {
    /// Connecting and sending the request (pprof's "Fetching profile over
    /// HTTP from ...").
    Fetching,
    /// The server profiles or traces for this long before it answers
    /// (pprof's "Please wait... (20s)"); [`Progress::countdown`] follows.
    Waiting(Duration),
    /// The body is arriving; [`Progress::received`] follows.
    Receiving {
        /// The announced length, if any.
        expected: Option<u64>,
    },
    /// Received in full and validated.
    Done {
        /// Body size.
        bytes: u64,
    },
    /// A copy was saved there (pprof's "Saved profile in ...").
    Saved(&'a Path),
    /// The copy could not be saved; the fetch itself succeeded.
    SaveFailed(&'a str),
}

/// What the collector reports between fetches.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum CollectEvent<'a> {
    /// A round of snapshots starts.
    Round {
        /// 1-based.
        number: u64,
    },
    /// One snapshot was written (path relative to the output directory).
    Snapshot {
        /// The target as shown.
        target: &'a str,
        /// `heap`, `goroutine`, `vars`, `memstats` ...
        what: &'a str,
        /// The file, relative to the output directory.
        file: &'a str,
        /// Its size.
        bytes: u64,
    },
    /// A snapshot failed for a reason other than the target being gone
    /// (a 500, a bad body); collection goes on.
    Failed {
        /// The target as shown.
        target: &'a str,
        /// What was asked for.
        what: &'a str,
        /// The error, one line.
        error: &'a str,
    },
    /// The target stopped answering; the collector keeps trying.
    Down {
        /// The target as shown.
        target: &'a str,
        /// Why, one line.
        error: &'a str,
    },
    /// The target answers again after being down.
    Back {
        /// The target as shown.
        target: &'a str,
        /// How long it was unreachable.
        after: Duration,
    },
    /// Old snapshots were removed to stay within `--keep` / `--max-size`.
    Pruned {
        /// How many files.
        files: usize,
        /// How many bytes.
        bytes: u64,
    },
}

/// Receives progress; called from several threads when sources are
/// fetched concurrently.
pub trait Progress: Sync {
    /// A source reached `stage`.
    fn stage(&self, _source: &str, _stage: Stage<'_>) {}
    /// While the server profiles: `elapsed` of `total` (about every 200 ms).
    fn countdown(&self, _source: &str, _elapsed: Duration, _total: Duration) {}
    /// Body bytes received so far.
    fn received(&self, _source: &str, _bytes: u64, _expected: Option<u64>) {}
    /// A collector event.
    fn collect(&self, _event: CollectEvent<'_>) {}
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
