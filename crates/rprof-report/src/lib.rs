//! # rprof-report: pprof's reports over the rprof profile model
//!
//! Architecture, in the order data flows:
//!
//! 1. [`pipeline`]: named input bytes are read and merged, bases
//!    subtracted ([`Pipeline::load`](pipeline::Pipeline::load)), and the
//!    report options that reshape the profile applied in pprof's order
//!    ([`filters`]), giving a [`pipeline::Prepared`] profile.
//! 2. [`Report`]: the prepared profile plus resolved [`ReportOptions`]:
//!    which sample value is shown, the total every percentage refers to,
//!    the output unit.
//! 3. [`graph`]: pprof's report graph (flat/cum per node, edges,
//!    trimming) on integer node ids, built in one pass over the flat
//!    sample arrays.
//! 4. One module per output format, each printing exactly what
//!    `go tool pprof` prints for the same input and options: [`top`]
//!    (and [`topproto`]), [`traces`], [`tree`] (and peek), [`dot`] (and
//!    [`svg`], the call graph drawn by Graphviz or a built-in layout, and
//!    [`image`], PNG/PDF/GIF/PS through Graphviz or a rasteriser),
//!    [`callgrind`], [`tags`], [`raw`], [`comments`], [`list`] (annotated
//!    source, found by [`source`]) and [`disasm`] (annotated assembly of
//!    a binary read by the caller); the formats of other tools,
//!    [`speedscope`]; and rprof's own comparison, [`diff`].
//!
//! The crate never prints and knows nothing about command lines: reports
//! write into a `String` or an [`std::io::Write`], errors are typed, and
//! the caller decides where output goes.

#![warn(missing_docs)]

pub mod callgrind;
pub mod comments;
pub mod diff;
pub mod disasm;
pub mod dot;
mod dotlabel;
mod error;
pub mod filters;
mod gopath;
pub mod graph;
mod header;
pub mod image;
pub mod list;
mod options;
pub mod pipeline;
pub mod raw;
mod report;
pub mod source;
pub mod speedscope;
pub mod svg;
pub mod tags;
mod timefmt;
pub mod top;
pub mod topproto;
pub mod traces;
pub mod tree;
mod value;

pub use error::ReportError;
pub use gopath::base_name;
pub use header::profile_labels;
pub use options::{Granularity, ReportOptions, UnknownGranularity, defaults};
pub use report::Report;
