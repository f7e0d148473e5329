//! # rprof-fleet: the profiles of a fleet as a Parquet dataset, queried with SQL
//!
//! Architecture: [`ingest()`] reads pprof files (in parallel, on rayon) with
//! `rprof-profile`, turns each into rows of three tables and appends them
//! to a dataset directory as Parquet files ([`dataset`] describes the
//! layout: Hive partitions by day and by one optional label). [`Fleet`]
//! opens a dataset in Apache DataFusion (embedded, or on a Ballista
//! cluster with [`OpenOptions::cluster`]), registers the tables and the
//! profile functions of [`udf`], and runs SQL ([`Fleet::sql`]) or turns a
//! selection of profiles back into one rprof `Profile`
//! ([`Fleet::merged`]): the merge of those profiles, summed by the engine,
//! which every rprof report (`top`, `diff`, flame graphs, `-o x.pb.gz`)
//! takes as it takes a file. [`format`] renders results as text, JSON or
//! CSV. This crate never prints.
//!
//! ## Features
//!
//! Everything but the schema description needs the `engine` feature
//! (DataFusion: minutes to compile); the cluster needs `ballista`.
//! Without `engine` the items named above do not exist, and their links
//! lead here.
//!
// The links above resolve only when their items exist; without `engine`
// they point at this section instead of being broken.
#![cfg_attr(
    feature = "engine",
    doc = "[`ingest()`]: crate::ingest()
[`dataset`]: crate::dataset
[`Fleet`]: crate::Fleet
[`OpenOptions::cluster`]: crate::OpenOptions::cluster
[`udf`]: crate::udf
[`Fleet::sql`]: crate::Fleet::sql
[`Fleet::merged`]: crate::Fleet::merged
[`format`]: mod@crate::format"
)]
#![cfg_attr(
    not(feature = "engine"),
    doc = "[`ingest()`]: #features
[`dataset`]: #features
[`Fleet`]: #features
[`OpenOptions::cluster`]: #features
[`udf`]: #features
[`Fleet::sql`]: #features
[`Fleet::merged`]: #features
[`format`]: #features"
)]
//!
//! ## Schema
//!
//! `profiles`: one row per ingested profile.
//!
//! | column | type | |
//! |---|---|---|
//! | `profile_id` | Utf8 | 128-bit content hash (hex) of header and samples: the same profile is stored once |
//! | `time` | Timestamp(ns, UTC) | `time_nanos` |
//! | `duration_ns` | Int64 | `duration_nanos` |
//! | `sample_types`, `sample_units` | List\<Utf8\> | e.g. `[samples, cpu]`, `[count, nanoseconds]` |
//! | `default_sample_type` | Utf8 | |
//! | `period_type`, `period_unit`, `period` | Utf8, Utf8, Int64 | |
//! | `totals` | List\<Int64\> | sum of each sample type over the profile |
//! | `num_samples` | Int64 | |
//! | `comments` | List\<Utf8\> | |
//! | `drop_frames`, `keep_frames`, `doc_url` | Utf8 | |
//! | `source` | Utf8 | the file it was read from |
//! | `labels` | Map\<Utf8, Utf8\> | `key=value` directory names and `--label`s: `labels['service']` |
//! | `mappings` | List\<Struct\> | `mapping_id` (pprof's mapping key, hashed), `start`, `limit`, `offset`, `file`, `build_id`, `has_*` |
//! | `day` | Utf8 (partition) | UTC day of `time`, `YYYY-MM-DD` |
//! | *label* | Utf8 (partition) | the `--partition-by` label's value, if the dataset has one |
//!
//! `samples`: one row per sample, partitioned like `profiles`.
//!
//! | column | type | |
//! |---|---|---|
//! | `profile_id` | Utf8 | |
//! | `stack_id` | UInt64 | → `stacks` |
//! | `value` | List\<Int64\> | one value per sample type: `value[1]` is the first |
//! | `label_set` | UInt64 | hash of the sample's labels (0: none), for grouping |
//! | `labels` | Map\<Utf8, Utf8\> | pprof string labels: `labels['handler']` |
//! | `num_labels` | List\<Struct\<key, value, unit\>\> | pprof numeric labels |
//!
//! `stacks`: one row per distinct stack in the whole dataset.
//!
//! | column | type | |
//! |---|---|---|
//! | `stack_id` | UInt64 | 64-bit content hash of the frames (same code path of the same binary: same id) |
//! | `frames` | List\<Struct\> | leaf first: `function`, `system_name`, `file`, `start_line`, `line`, `column`, `inlined` (the next frame is the same location's caller), `address` (relative to the mapping's start), `mapping_id` |
#![warn(missing_docs)]

#[cfg(feature = "engine")]
mod cluster;
#[cfg(feature = "engine")]
pub mod dataset;
#[cfg(feature = "engine")]
mod engine;
#[cfg(feature = "engine")]
mod error;
#[cfg(feature = "engine")]
pub mod format;
#[cfg(feature = "engine")]
mod ingest;
#[cfg(feature = "engine")]
pub mod schema;
#[cfg(feature = "engine")]
mod select;
#[cfg(feature = "engine")]
pub mod udf;

#[cfg(feature = "ballista")]
pub use cluster::LocalCluster;
#[cfg(feature = "engine")]
pub use engine::{Fleet, OpenOptions};
#[cfg(feature = "engine")]
pub use error::{FleetError, SkipReason};
#[cfg(feature = "engine")]
pub use ingest::{
    IngestOptions, IngestReport, Input, Progress, Skipped, ingest, ingest_inputs, path_labels,
};
#[cfg(feature = "engine")]
pub use select::{Merged, ProfileInfo};
