//! Typed errors. Messages follow Go's `internal/trace` where the Go
//! reader has one, so a failure reads the same in both tools.

/// Everything that can go wrong reading a trace.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The first bytes are not a Go trace header.
    #[error("bad file format: not a Go execution trace?")]
    NotATrace,
    /// A well-formed header naming a version Go 1.27 cannot read.
    #[error("unknown or unsupported trace version go 1.{minor}")]
    UnsupportedVersion {
        /// `N` in the header's `go 1.N trace`.
        minor: u32,
    },
    /// Reading the input failed.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    /// Writing a dump failed.
    #[error("write error: {0}")]
    Write(std::io::Error),
    /// The bytes break the wire format (framing, tables, varints).
    #[error("{0}")]
    Format(String),
    /// The events break the runtime's state machine (the ordering engine
    /// cannot place them).
    #[error("{0}")]
    Invalid(String),
    /// A trace that was good up to some point: the events of every
    /// generation before `valid_bytes` were delivered, the rest was lost.
    #[error("{}", lost_message(*.generations_ok, *.valid_bytes, *.total_bytes, .cause))]
    Lost {
        /// Complete generations delivered before the failure.
        generations_ok: u64,
        /// Bytes of the file (header included) that were read and used.
        valid_bytes: u64,
        /// The file's size, when the reader knows it.
        total_bytes: Option<u64>,
        /// What went wrong.
        cause: Box<Error>,
    },
}

impl Error {
    pub(crate) fn format(msg: impl Into<String>) -> Error {
        Error::Format(msg.into())
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Error {
        Error::Invalid(msg.into())
    }

    /// The underlying error, looking through [`Error::Lost`].
    pub fn cause(&self) -> &Error {
        match self {
            Error::Lost { cause, .. } => cause.cause(),
            e => e,
        }
    }
}

fn lost_message(ok: u64, valid: u64, total: Option<u64>, cause: &Error) -> String {
    let gens = if ok == 1 { "generation" } else { "generations" };
    match total {
        Some(total) if total >= valid && total > 0 => {
            let lost = total - valid;
            let pct = lost as f64 / total as f64 * 100.0;
            format!(
                "{cause} (read {ok} good {gens}; lost {lost} of {total} bytes ({pct:.2}%) from byte offset {valid} on)"
            )
        }
        _ => {
            format!("{cause} (read {ok} good {gens}; lost everything from byte offset {valid} on)")
        }
    }
}
