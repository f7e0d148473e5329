//! # rprof-profile: the profile model and everything that reads it
//!
//! Architecture: bytes come in through [`parse`] ([`read`]), which
//! detects gzip, decodes the pprof protobuf with a hand-rolled flat decoder
//! ([`proto`]) or one of Go's `debug=1` text profiles ([`legacy`]), and
//! yields one [`Profile`] ([`model`]): interned strings, dense `u32`
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

pub mod builder;
pub mod error;
mod executable;
pub mod filter;
pub mod fleet;
pub mod gomath;
mod goregex;
pub mod legacy;
pub mod measurement;
pub mod merge;
pub mod model;
pub mod pb;
pub mod pipeline;
pub mod proto;
pub mod prune;
pub mod read;
pub mod tagfilter;
pub mod write;

pub use builder::ProfileBuilder;
pub use error::{MergeError, ParseError, SampleIndexError, ValidationError};
pub use executable::{ExecutableKind, executable_kind};
pub use goregex::{GoRegexCode, GoRegexError, compile_go_regex};
pub use model::*;
pub use pipeline::{BASE_LABEL, BaseOptions, combine, combine_with_base};
pub use read::{ReadOptions, parse, parse_with};
