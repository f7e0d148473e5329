//! Error types of the profile crate, one enum per stage, each message
//! precise enough to act on: what is wrong and where.

use thiserror::Error;

/// Why a file could not be read as a profile.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The file has no bytes, or is a gzip stream that inflates to none.
    #[error("empty input file")]
    Empty,
    /// The gzip stream ends early, inside the deflate data or before a
    /// member's trailer (a download cut short, a file still being
    /// written). Holds the size of the compressed input in bytes.
    #[error("truncated gzip stream after {0} bytes")]
    TruncatedGzip(u64),
    /// The gzip stream is corrupt (bad header, bad deflate data, CRC or
    /// length mismatch); holds the inflater's own message.
    #[error("corrupt gzip stream: {0}")]
    Gzip(String),
    /// Reading the input failed part way (an I/O error of the disk or
    /// the file system, for an input inflated as it is read); holds the
    /// system's message.
    #[error("read error: {0}")]
    Read(String),
    /// The gzip stream inflates to more than
    /// [`ReadOptions::inflate_limit`](crate::ReadOptions::inflate_limit)
    /// allows (the absolute cap or the compression ratio): reading stops
    /// there, before the bytes fill memory.
    #[error(
        "gzip stream inflates past {} (a gzip bomb?); raise the limit with --max-inflate if the file is genuine", human_bytes(*limit)
    )]
    TooLarge {
        /// The limit that was passed, in inflated bytes.
        limit: u64,
    },
    /// The input starts like an HTML document (`<!doctype html`, `<html`,
    /// ...): typically the error page of a `/debug/pprof/` endpoint or a
    /// proxy, saved in place of the profile.
    #[error(
        "not a profile: this is an HTML page (an error page from the server?), not a pprof profile"
    )]
    Html,
    /// The input starts with `{` or `[` (neither can start a pprof
    /// protobuf): a JSON document such as an API error or `expvar` output.
    #[error("not a profile: this is JSON, not a pprof profile")]
    Json,
    /// The input is a Go execution trace (`go 1.N trace` header, as
    /// written by `/debug/pprof/trace` or `runtime/trace`), which the
    /// trace commands read.
    #[error(
        "not a profile: this is a Go execution trace (read it with `rprof trace summary`, `rprof trace pprof`, `rprof trace web`)"
    )]
    ExecutionTrace,
    /// The input is a `goroutine?debug=2` dump (`goroutine N [state]:`
    /// blocks), which has no counts to aggregate; the `debug=1` text form
    /// and the protobuf are profiles.
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
    /// The input is neither a pprof protobuf nor any of the text profiles
    /// pprof reads (Go's `debug=1` heap, allocs, block, mutex, goroutine
    /// and threadcreate profiles, and the legacy C++ and Java forms).
    /// Holds why the protobuf decoder gave up.
    #[error(
        "unrecognized profile format: not a known text profile, and not a pprof protobuf ({0})"
    )]
    Unrecognized(Box<ParseError>),
    /// The protobuf wire encoding is broken: a truncated or over-long
    /// varint, a length-delimited field running past its message, field
    /// number 0, a group or invalid wire type, a known field with the
    /// wrong wire type. Seen mostly as the cause inside
    /// [`ParseError::Unrecognized`], since such bytes are then tried as a
    /// text profile.
    #[error("malformed protobuf at byte {offset}: {what}")]
    Wire {
        /// Offset in the (inflated) protobuf of the byte the decoder
        /// stopped at.
        offset: usize,
        /// What was expected there.
        what: &'static str,
    },
    /// A field that indexes the profile's `string_table` (a function
    /// name, a sample type, a label key, ...) points past its end or is
    /// negative.
    #[error("string index {index} in {field} is out of range (string table has {len} entries)")]
    BadString {
        /// The message and field holding the index, as the proto names it
        /// (`function name`, `mapping build_id`, `sample_type`, ...).
        field: &'static str,
        /// The index found.
        index: i64,
        /// Number of entries in the string table.
        len: usize,
    },
    /// The profile's `string_table` does not start with the empty string,
    /// which the pprof format requires (index 0 means "unset").
    #[error("string_table[0] must be \"\"")]
    BadStringZero,
    /// The file decodes but breaks a structural rule of the format (what
    /// pprof's `CheckValid` checks).
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// As [`ParseError::Invalid`], in a file whose `time_nanos` field
    /// occurs more than once: several protobuf profiles concatenated into
    /// one file (`cat a.pb b.pb`), which decode as one broken profile.
    #[error(
        "{0} (the file holds several profiles concatenated with cat; pass them as separate files to merge them)"
    )]
    Concatenated(ValidationError),
    /// A text profile was recognised by its header but a later line
    /// cannot be read (a malformed sample line, a bad number, a stack
    /// address that is not hex).
    #[error("{format} profile, line {line}: {what}")]
    Text {
        /// The text form recognised: `heap` (Go's `debug=1` heap and
        /// allocs, gperftools' heapz), `contention` (Go's block and
        /// mutex, C++ contentionz), `count` (Go's goroutine and
        /// threadcreate), `thread` (threadz dumps) or `java`.
        format: &'static str,
        /// The line number in the (inflated) text, from 1.
        line: usize,
        /// What is wrong with the line.
        what: String,
    },
}

/// A structural rule of the format is broken (pprof's `CheckValid`).
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// The profile has samples but no `sample_type` entries, so their
    /// values mean nothing.
    #[error("malformed profile: missing sample type information")]
    MissingSampleTypes,
    /// A sample has a different number of values than the profile has
    /// sample types (each `Sample.value[i]` is measured in
    /// `sample_type[i]`).
    #[error("malformed profile: sample {sample}: has {values} values vs. {types} types")]
    ValueCount {
        /// The sample's position in the file, from 0.
        sample: usize,
        /// How many values it has.
        values: usize,
        /// How many sample types the profile has.
        types: usize,
    },
    /// A function, mapping or location has id 0, which pprof reserves
    /// for "none" (a `Location.mapping_id` or `Line.function_id` of 0
    /// means no mapping, no function).
    #[error("malformed profile: found {what} with reserved id 0")]
    ZeroId {
        /// `function`, `mapping` or `location`.
        what: &'static str,
    },
    /// Two functions, mappings or locations share an id, so references
    /// to it are ambiguous.
    #[error("malformed profile: multiple {what}s with the same id {id}")]
    DuplicateId {
        /// `function`, `mapping` or `location`.
        what: &'static str,
        /// The repeated id.
        id: u64,
    },
    /// A sample's `location_id` names no location of the profile.
    #[error("malformed profile: sample {sample} refers to unknown location id {id}")]
    UnknownLocation {
        /// The sample's position in the file, from 0.
        sample: usize,
        /// The location id it refers to.
        id: u64,
    },
    /// A location's `Line.function_id` names no function of the profile.
    #[error("malformed profile: location id {location} has a line with unknown function id {id}")]
    UnknownFunction {
        /// The id of the location holding the line.
        location: u64,
        /// The function id the line refers to.
        id: u64,
    },
    /// A table reaches 2^32 entries (4 billion), past what the model's
    /// `u32` indices address. Holds the table's name (`samples`, `locations`,
    /// `lines`, `labels`, ...).
    #[error("malformed profile: too large ({0} entries exceed the 4-billion limit)")]
    TooLarge(&'static str),
}

/// A `--sample-index` that names no sample type of the profile.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SampleIndexError {
    /// A numeric `--sample-index` past the last sample type.
    #[error("sample_index {index} is outside the range [0..{max}]")]
    OutOfRange {
        /// The index asked for.
        index: i64,
        /// The last valid index (number of sample types - 1; -1 for a
        /// profile without sample types).
        max: i64,
    },
    /// A `--sample-index` name that is no sample type's name, even after
    /// removing an `inuse_` prefix.
    #[error("sample_index {name:?} must be one of: [{}]", valid.join(" "))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The profile's sample type names, in profile order (for a Go
        /// heap profile `alloc_objects alloc_space inuse_objects
        /// inuse_space`).
        valid: Vec<String>,
    },
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
    /// The list of profiles to merge is empty.
    #[error("no profiles to merge")]
    Empty,
    /// pprof's `CompatibilizeSampleTypes`: no sample type name occurs in
    /// every profile (merging a CPU profile with a heap profile, say).
    #[error("profiles have empty common sample type list")]
    NoCommonSampleTypes,
    /// Two profiles' period types differ; holds both.
    /// Not produced by this crate's merge, which reports
    /// [`MergeError::IncompatibleTypes`] and
    /// [`MergeError::IncompatiblePeriodTypes`] with pprof's wording.
    #[error("incompatible period types: {0} vs {1}")]
    PeriodType(String, String),
    /// Two profiles' sample types differ; holds both lists. Not produced
    /// by this crate's merge, which reports
    /// [`MergeError::IncompatibleTypes`] and
    /// [`MergeError::IncompatibleSampleTypes`] with pprof's wording.
    #[error("incompatible sample types: {0} vs {1}")]
    SampleType(String, String),
    /// A profile breaks a structural rule of the format. Nothing in this
    /// crate returns it at present: profiles are validated when read,
    /// before they are merged.
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
        /// `period type` or `sample types`.
        what: &'static str,
        /// The finest value type found so far among the earlier profiles,
        /// as Go's `%v` prints it.
        a: String,
        /// The first later profile's value type that cannot be converted
        /// to `a`'s unit.
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
    /// pprof's `ScaleN`: one ratio per sample type is needed. The merge
    /// always passes one per sample type, so this means a bug in the
    /// caller of the scaling step.
    #[error("mismatched scale ratios, got {got}, want {want}")]
    ScaleRatios {
        /// Number of ratios passed.
        got: usize,
        /// Number of sample types of the profile.
        want: usize,
    },
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
