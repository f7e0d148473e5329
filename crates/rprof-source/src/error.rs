//! Errors: one enum per stage, each message one line that names the
//! source (credentials removed) and what went wrong.

use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// A command-line argument that names no usable source.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceError {
    /// A URL whose scheme rprof cannot fetch.
    #[error(
        "{arg}: unsupported scheme {scheme:?} (use http://, https://, https+insecure:// or gops://)"
    )]
    Scheme {
        /// The scheme as written.
        scheme: String,
        /// The argument, credentials removed.
        arg: String,
    },
    /// `gops://X/...` where X is neither a PID nor `host:port`.
    #[error("gops target {0:?} is neither a process id nor host:port")]
    GopsTarget(String),
    /// `gops://T/X` where X is not one of heap, cpu, trace, stack.
    #[error("gops://…/{0}: unknown gops profile (use heap, cpu, trace or stack)")]
    GopsProfile(String),
}

/// Why a source could not be fetched: `name` is the source as shown
/// (URL with `seconds` applied and credentials replaced by `xxxxx`).
#[derive(Debug, Error)]
#[error("{name}: {problem}")]
pub struct FetchError {
    /// The source, as it may be shown.
    pub name: String,
    /// What went wrong.
    pub problem: Problem,
}

impl FetchError {
    pub(crate) fn new(name: impl Into<String>, problem: Problem) -> Self {
        FetchError {
            name: name.into(),
            problem,
        }
    }

    /// Whether the user cancelled (Ctrl-C) rather than anything failing.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.problem, Problem::Cancelled)
    }

    /// Whether the target could not be reached at all (refused, no such
    /// host, no gops agent): what the collector reports as "gone".
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self.problem,
            Problem::Refused | Problem::Dns(_) | Problem::Connect(_) | Problem::NoAgent { .. }
        )
    }
}

/// What went wrong fetching one source.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Problem {
    /// Nothing listens on the port.
    #[error("connection refused")]
    Refused,
    /// The host name does not resolve.
    #[error("cannot resolve host {0}")]
    Dns(String),
    /// Another connection failure.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// TLS handshake or certificate failure.
    #[error("TLS failure: {0}")]
    Tls(String),
    /// The server did not answer in time.
    #[error(
        "timed out after {}s waiting for the server (raise it with --timeout)",
        .0.as_secs_f64()
    )]
    Timeout(Duration),
    /// The connection ended before the whole body arrived.
    #[error("connection closed mid-body after {received}{} bytes", expected.map(|e| format!(" of {e}")).unwrap_or_default())]
    Truncated {
        /// Bytes received.
        received: u64,
        /// The announced length, if any.
        expected: Option<u64>,
    },
    /// Reading the body failed.
    #[error("reading the response failed after {received} bytes: {error}")]
    Read {
        /// Bytes received.
        received: u64,
        /// The failure.
        error: String,
    },
    /// An HTTP protocol error (not an HTTP server?).
    #[error("bad HTTP response: {0}")]
    Protocol(String),
    /// A status other than 200. Go's pprof handlers explain errors in a
    /// `text/plain` body with `X-Go-Pprof: 1`: it is shown, as pprof does.
    #[error("server response: {status}{}", detail.as_ref().map(|d| format!(" - {d}")).unwrap_or_default())]
    Status {
        /// `500 Internal Server Error`.
        status: String,
        /// Go's explanation, on one line.
        detail: Option<String>,
    },
    /// A page (status 200) that is not what was asked for.
    #[error("the server answered {status} with an HTML page, not a {wanted}")]
    Html {
        /// The status line.
        status: String,
        /// What was expected ("profile", "trace" ...).
        wanted: &'static str,
    },
    /// JSON (status 200) where a profile or trace was expected.
    #[error("the server answered {status} with JSON, not a {wanted}")]
    Json {
        /// The status line.
        status: String,
        /// What was expected.
        wanted: &'static str,
    },
    /// More than the body limit.
    #[error("response larger than {} (raise the limit if it is genuine)", human(*.0))]
    TooLarge(u64),
    /// The body is not a profile.
    #[error("{0}")]
    Profile(#[from] rprof_profile::ParseError),
    /// The body is not an execution trace.
    #[error("not a Go execution trace: {0}")]
    Trace(String),
    /// `/debug/vars` (or a JSON endpoint) that is not JSON.
    #[error("not a JSON object: {0}")]
    Vars(String),
    /// An empty body.
    #[error("empty response")]
    Empty,
    /// A gops PID without a port file.
    #[error("no gops agent for process {pid}: cannot read {}: {error}", path.display())]
    NoAgent {
        /// The process.
        pid: u32,
        /// The port file looked for.
        path: PathBuf,
        /// Why it could not be read.
        error: String,
    },
    /// Reading a file or stdin failed.
    #[error("{0}")]
    Io(String),
    /// The user cancelled (Ctrl-C).
    #[error("cancelled")]
    Cancelled,
}

/// A saved copy that could not be written (pprof goes on without it).
#[derive(Debug, Error)]
#[error("could not save a copy in {}: {error}", dir.display())]
pub struct SaveError {
    /// The directory.
    pub dir: PathBuf,
    /// Why.
    pub error: String,
}

/// Why the collector stopped.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CollectError {
    /// The output directory cannot be created or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        error: String,
    },
    /// An existing index that cannot be read (not overwritten).
    #[error("{}: not an rprof collect index ({error}); use another directory", path.display())]
    BadIndex {
        /// The index file.
        path: PathBuf,
        /// Why it does not parse.
        error: String,
    },
    /// A target that names nothing to collect from.
    #[error("{0}")]
    Target(String),
    /// Nothing to collect.
    #[error("no targets to collect from")]
    NoTargets,
}

/// `1.5 MiB`, for limits in messages.
pub(crate) fn human(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else if v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[i])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}
