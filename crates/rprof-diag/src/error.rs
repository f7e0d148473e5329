//! The errors of this crate: what went wrong, and in which input.

use thiserror::Error;

/// Why an input could not be read or an output not written.
#[derive(Debug, Error)]
pub enum DiagError {
    /// Reading the input failed part-way.
    #[error("{source_name}: reading line {line}: {error}")]
    Read {
        /// The input's name.
        source_name: String,
        /// The line being read.
        line: u64,
        /// The I/O error.
        #[source]
        error: std::io::Error,
    },
    /// The input holds nothing of the kind asked for.
    #[error("{source_name}: no {what} found{}", hint.map(|h| format!(" ({h})")).unwrap_or_default())]
    NothingFound {
        /// The input's name.
        source_name: String,
        /// What was looked for ("goroutine", "gctrace line", ...).
        what: &'static str,
        /// What the input looks like instead, if that is recognisable.
        hint: Option<&'static str>,
    },
    /// A JSON document of a memstats series is malformed.
    #[error("{source_name}: {place}: not a JSON document: {error}")]
    Json {
        /// The input's name.
        source_name: String,
        /// Where in it: `line 12`, `file 0003.json`.
        place: String,
        /// serde_json's description.
        #[source]
        error: serde_json::Error,
    },
    /// A directory of snapshots could not be listed or a file in it read.
    #[error("{path}: {error}")]
    Dir {
        /// The directory or file.
        path: String,
        /// The I/O error.
        #[source]
        error: std::io::Error,
    },
    /// There is nothing to draw or write (no cycles, no snapshots).
    #[error("nothing to chart: {0}")]
    Empty(&'static str),
    /// The chart library failed.
    #[error("drawing the chart: {0}")]
    Chart(String),
    /// The HTML template failed.
    #[error("rendering the page: {0}")]
    Template(#[from] askama::Error),
    /// Writing the output failed.
    #[error("writing: {0}")]
    Write(#[from] std::io::Error),
    /// The CSV writer failed.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
}
