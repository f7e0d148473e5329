//! Error types of the profile crate, one enum per stage, each message
//! precise enough to act on: what is wrong and where.

use thiserror::Error;

/// Why a file could not be read as a profile.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ParseError {
    #[error("empty input file")]
    Empty,
    #[error("truncated gzip stream after {0} bytes")]
    TruncatedGzip(u64),
    #[error("corrupt gzip stream: {0}")]
    Gzip(String),
    #[error(
        "gzip stream inflates past {} (a gzip bomb?); raise the limit with --max-inflate if the file is genuine", human_bytes(*limit)
    )]
    TooLarge { limit: u64 },
    #[error(
        "not a profile: this is an HTML page (an error page from the server?), not a pprof profile"
    )]
    Html,
    #[error("not a profile: this is JSON, not a pprof profile")]
    Json,
    #[error(
        "not a profile: this is a Go execution trace (read it with `rprof trace summary`, `rprof trace pprof`, `rprof trace web`)"
    )]
    ExecutionTrace,
    #[error(
        "not a profile: this is a goroutine dump (debug=2); capture /debug/pprof/goroutine?debug=1 or the binary form instead"
    )]
    GoroutineDump,
    /// An executable (`go tool pprof ./server cpu.pb.gz` takes one).
    #[error(
        "not a profile: this is {} executable{}; Go profiles carry their symbols, so no binary is needed (rprof disasm reads one)",
        .kind.article_name(),
        if *.go { " (a Go program)" } else { "" }
    )]
    Executable {
        /// Its object file format.
        kind: crate::executable::ExecutableKind,
        /// Whether it is a Go program (it has Go's build information).
        go: bool,
    },
    #[error(
        "unrecognized profile format: not a known text profile, and not a pprof protobuf ({0})"
    )]
    Unrecognized(Box<ParseError>),
    #[error("malformed protobuf at byte {offset}: {what}")]
    Wire { offset: usize, what: &'static str },
    #[error("string index {index} in {field} is out of range (string table has {len} entries)")]
    BadString {
        field: &'static str,
        index: i64,
        len: usize,
    },
    #[error("string_table[0] must be \"\"")]
    BadStringZero,
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    #[error(
        "{0} (the file holds several profiles concatenated with cat; pass them as separate files to merge them)"
    )]
    Concatenated(ValidationError),
    #[error("{format} profile, line {line}: {what}")]
    Text {
        format: &'static str,
        line: usize,
        what: String,
    },
}

/// A structural rule of the format is broken (pprof's `CheckValid`).
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    #[error("malformed profile: missing sample type information")]
    MissingSampleTypes,
    #[error("malformed profile: sample {sample}: has {values} values vs. {types} types")]
    ValueCount {
        sample: usize,
        values: usize,
        types: usize,
    },
    #[error("malformed profile: found {what} with reserved id 0")]
    ZeroId { what: &'static str },
    #[error("malformed profile: multiple {what}s with the same id {id}")]
    DuplicateId { what: &'static str, id: u64 },
    #[error("malformed profile: sample {sample} refers to unknown location id {id}")]
    UnknownLocation { sample: usize, id: u64 },
    #[error("malformed profile: location id {location} has a line with unknown function id {id}")]
    UnknownFunction { location: u64, id: u64 },
    #[error("malformed profile: too large ({0} entries exceed the 4-billion limit)")]
    TooLarge(&'static str),
}

/// A `--sample-index` that names no sample type of the profile.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SampleIndexError {
    #[error("sample_index {index} is outside the range [0..{max}]")]
    OutOfRange { index: i64, max: i64 },
    #[error("sample_index {name:?} must be one of: [{}]", valid.join(" "))]
    Unknown { name: String, valid: Vec<String> },
}

/// A `drop_frames` or `keep_frames` pattern that does not compile
/// (pprof: `failed to compile regexp %s: %v`).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("failed to compile regexp {pattern}: {error}")]
pub struct PruneError {
    /// The pattern as stored in the profile.
    pub pattern: String,
    /// Why Go would refuse it.
    #[source]
    pub error: crate::goregex::GoRegexError,
}

/// Profiles that cannot be merged.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum MergeError {
    /// The profile's `drop_frames`/`keep_frames` pattern does not compile.
    #[error("drop_frames/keep_frames: {0}")]
    Prune(#[from] PruneError),
    #[error("no profiles to merge")]
    Empty,
    #[error("profiles have empty common sample type list")]
    NoCommonSampleTypes,
    #[error("incompatible period types: {0} vs {1}")]
    PeriodType(String, String),
    #[error("incompatible sample types: {0} vs {1}")]
    SampleType(String, String),
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// pprof's `CompatibilizeSampleTypes`: a sample type counted as common
    /// is missing from a profile (possible only when a profile repeats a
    /// type name). Holds the name quoted as Go's `%q` quotes it.
    #[error("{0} sample type is not found in profile")]
    SampleTypeNotFound(String),
    /// pprof's `ScaleProfiles`: a period type (`what` = "period type") or a
    /// sample type column (`what` = "sample types") that cannot be brought
    /// to a common unit; `a` and `b` as Go prints a `ValueType` with `%v`
    /// (`{cpu nanoseconds 0 0}`: type, unit, and two always-zero indices).
    #[error("{what}: incompatible types: {a} {b}")]
    IncompatibleTypes {
        what: &'static str,
        a: String,
        b: String,
    },
    /// pprof's `ScaleProfiles`: profiles with different numbers of sample types.
    #[error("inconsistent samples type count: {0} != {1}")]
    SampleTypeCount(usize, usize),
    /// pprof's `Profile.compatible`: period types differ (as Go prints two
    /// `*ValueType`s: `&{cpu nanoseconds 0 0}`).
    #[error("incompatible period types {0} and {1}")]
    IncompatiblePeriodTypes(String, String),
    /// pprof's `Profile.compatible`: sample type lists differ. (Go prints
    /// the pointers of the lists' elements here; rprof prints the values.)
    #[error("incompatible sample types {0} and {1}")]
    IncompatibleSampleTypes(String, String),
    /// pprof's `ScaleN`: one ratio per sample type is needed.
    #[error("mismatched scale ratios, got {got}, want {want}")]
    ScaleRatios { got: usize, want: usize },
}

/// `127 MiB`, `512 KiB`, `100 bytes`: a limit as a person reads it.
fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}
