//! # rprof-profile: the profile model and everything that reads it
//!
//! Architecture: bytes come in through [`parse`] (`read.rs`), which
//! detects gzip, decodes the pprof protobuf with a hand-rolled flat decoder
//! (`proto.rs`) or one of Go's `debug=1` text profiles (`legacy/`), and
//! yields one [`Profile`] (`model.rs`): interned strings, dense `u32`
//! indices instead of file ids, and samples in flat columns. Everything
//! downstream (merging several files, choosing a value, filtering,
//! aggregating to a granularity, the reports in `rprof-report`) works on
//! that model by integer index and turns indices into names only when it
//! prints. [`measurement`] is pprof's unit arithmetic and formatting, shared
//! by every report.
//!
//! This crate never prints and never parses command lines: errors are
//! typed ([`ParseError`], [`ValidationError`], [`MergeError`]) and say what
//! is wrong and where; the binary turns them into one line on stderr.

#![warn(missing_docs)]

mod builder;
mod demangle;
mod error;
mod executable;
pub mod filter;
pub mod fleet;
pub mod gomath;
mod goregex;
mod legacy;
pub mod measurement;
mod merge;
mod model;
/// The pprof protobuf schema as prost types (`proto/profile.proto`),
/// for tests and tools that check rprof's own decoder and writer against
/// prost's: feature `pb`. rprof reads with [`decode`] and writes with
/// [`encode`].
#[cfg(feature = "pb")]
pub mod pb;
#[cfg(not(feature = "pb"))]
mod pb;
mod pipeline;
mod proto;
mod prune;
mod read;
pub mod tagfilter;
mod write;

pub use builder::ProfileBuilder;
pub use demangle::{DemangleMode, Symbolize};
pub use error::{MergeError, ParseError, PruneError, SampleIndexError, ValidationError};
pub use executable::{ExecutableKind, executable_kind};
pub use goregex::{GoRegexCode, GoRegexError, compile_go_regex};
pub use legacy::parse as parse_legacy;
pub use merge::merge;
pub use model::*;
pub use pipeline::{
    BASE_LABEL, BaseOptions, combine, combine_with_base, ensure_mapping, set_label,
};
pub use proto::decode;
pub use prune::{prune, remove_uninteresting};
pub use read::{GZIP_MAGIC, GzipStream, ReadOptions, parse, parse_gzip_stream, parse_with};
pub use write::{encode, write_gz, write_uncompressed};
#[cfg(feature = "pb")]
pub use write::{encode_pb, to_pb};
