//! The crate's errors: what went wrong and where (file, table, query).

use std::path::PathBuf;

/// Everything that can go wrong with a fleet dataset.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// A file or directory of the dataset (or an input) could not be
    /// read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// `rprof-fleet.json` at the dataset's root is not what rprof wrote.
    #[error("{path}: not an rprof fleet dataset description: {reason}")]
    BadDataset {
        /// The description file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The dataset was created with another partition label.
    #[error(
        "{path}: the dataset is partitioned by {existing}, not {requested} (a dataset keeps the partitioning it was created with)"
    )]
    PartitionMismatch {
        /// The dataset's root.
        path: PathBuf,
        /// The dataset's partitioning ("no label" or `label NAME`).
        existing: String,
        /// The one asked for.
        requested: String,
    },
    /// A partition label name that cannot be a column (or collides with one).
    #[error(
        "--partition-by {0:?}: a partition label must be a name of letters, digits and '_' that is no column of the tables"
    )]
    BadPartitionLabel(String),
    /// A `key=value` label given to ingest is malformed.
    #[error("label {0:?}: expected KEY=VALUE")]
    BadLabel(String),
    /// A Parquet file could not be written or read.
    #[error("{path}: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What the Parquet library said.
        source: datafusion::parquet::errors::ParquetError,
    },
    /// Building Arrow data failed (a schema mismatch: a bug in rprof).
    #[error("building the {table} table: {source}")]
    Arrow {
        /// The table being built.
        table: &'static str,
        /// What Arrow said.
        source: datafusion::arrow::error::ArrowError,
    },
    /// A query failed (planning, execution, or the cluster). DataFusion's
    /// multi-line messages are joined into one line.
    #[error("{context}: {}", one_line(&source.to_string()))]
    Query {
        /// What rprof was doing (the query, or the step).
        context: String,
        /// What DataFusion said.
        source: Box<datafusion::error::DataFusionError>,
    },
    /// A query's result does not have the columns rprof expects.
    #[error("{context}: unexpected result column {column}")]
    Result {
        /// The step.
        context: &'static str,
        /// The column.
        column: String,
    },
    /// The selection holds no profile.
    #[error("no profile in the dataset matches {0}")]
    EmptySelection(String),
    /// Merging the selected profiles failed (incompatible sample types).
    #[error("merging the selected profiles: {0}")]
    Merge(#[from] rprof_profile::MergeError),
    /// The async runtime could not be started.
    #[error("starting the query runtime: {0}")]
    Runtime(std::io::Error),
    /// Writing query results as text, JSON or CSV failed.
    #[error("formatting the result as {format}: {source}")]
    Format {
        /// text, JSON or CSV.
        format: &'static str,
        /// What Arrow said.
        source: datafusion::arrow::error::ArrowError,
    },
    /// A Ballista cluster could not be reached or started.
    #[error("Ballista cluster {address}: {reason}")]
    Cluster {
        /// HOST:PORT of the scheduler.
        address: String,
        /// What failed.
        reason: String,
    },
}

impl FleetError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FleetError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn query(context: impl Into<String>, e: datafusion::error::DataFusionError) -> Self {
        FleetError::Query {
            context: context.into(),
            source: Box::new(e),
        }
    }
}

fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why one input of an ingest was skipped.
#[derive(Debug, thiserror::Error)]
pub enum SkipReason {
    /// The file could not be read.
    #[error("{0}")]
    Io(std::io::Error),
    /// The bytes are no profile (or a damaged one).
    #[error("{0}")]
    Parse(#[from] rprof_profile::ParseError),
}
