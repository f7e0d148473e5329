//! A dataset opened for queries: a DataFusion session (embedded, or a
//! Ballista cluster's) with the three tables and the profile functions
//! registered, driven from synchronous code through its own Tokio runtime.

use crate::dataset::{self, DatasetMeta};
use crate::error::FleetError;
use crate::schema;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::ListingOptions;
use datafusion::prelude::SessionContext;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to open a dataset for queries.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// `HOST:PORT` of a Ballista scheduler: run the queries there instead
    /// of in this process. The executors must see the dataset at the same
    /// path (a shared file system; object stores are the plan for more).
    pub cluster: Option<String>,
    /// Threads of the embedded engine (0: one per core).
    pub threads: usize,
}

/// A dataset opened for queries.
pub struct Fleet {
    pub(crate) root: PathBuf,
    pub(crate) meta: DatasetMeta,
    pub(crate) rt: tokio::runtime::Runtime,
    pub(crate) ctx: SessionContext,
}

impl Fleet {
    /// Opens the dataset at `root` (which must exist).
    pub fn open(root: &Path, opts: &OpenOptions) -> Result<Fleet, FleetError> {
        let meta = dataset::read_meta(root)?.ok_or_else(|| FleetError::BadDataset {
            path: root.join(dataset::DESCRIPTION),
            reason: "missing: no dataset here (create one with `rprof fleet ingest -o DIR`)".into(),
        })?;
        let root = std::path::absolute(root).map_err(|e| FleetError::io(root, e))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(FleetError::Runtime)?;
        let ctx = match &opts.cluster {
            None => {
                let mut config = datafusion::prelude::SessionConfig::new();
                if opts.threads > 0 {
                    config = config.with_target_partitions(opts.threads);
                }
                SessionContext::new_with_config(config)
            }
            Some(address) => rt.block_on(crate::cluster::connect(address))?,
        };
        for f in crate::udf::functions() {
            ctx.register_udf(f);
        }
        let fleet = Fleet {
            root,
            meta,
            rt,
            ctx,
        };
        fleet.register_tables()?;
        Ok(fleet)
    }

    /// The dataset's description (its partitioning).
    pub fn meta(&self) -> &DatasetMeta {
        &self.meta
    }

    /// The DataFusion session, for callers that build their own plans.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    fn register_tables(&self) -> Result<(), FleetError> {
        let parts: Vec<(String, DataType)> = self
            .meta
            .partition_columns()
            .into_iter()
            .map(|c| (c, DataType::Utf8))
            .collect();
        type Table<'a> = (&'a str, SchemaRef, Vec<(String, DataType)>);
        let tables: [Table; 3] = [
            (
                schema::PROFILES,
                schema::profiles_file_schema(),
                parts.clone(),
            ),
            (schema::SAMPLES, schema::samples_file_schema(), parts),
            (schema::STACKS, schema::stacks_file_schema(), Vec::new()),
        ];
        for (name, file_schema, cols) in tables {
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet")
                .with_table_partition_cols(cols);
            let dir = self.root.join(name);
            let url = format!("{}/", dir.display());
            self.rt
                .block_on(self.ctx.register_listing_table(
                    name,
                    &url,
                    options,
                    Some(file_schema),
                    None,
                ))
                .map_err(|e| FleetError::query(format!("registering table {name} at {url}"), e))?;
        }
        Ok(())
    }

    /// Runs one SQL statement and returns its result.
    pub fn sql(&self, query: &str) -> Result<Vec<RecordBatch>, FleetError> {
        self.rt.block_on(async {
            let df = self
                .ctx
                .sql(query)
                .await
                .map_err(|e| FleetError::query(format!("query {query:?}"), e))?;
            df.collect()
                .await
                .map_err(|e| FleetError::query(format!("query {query:?}"), e))
        })
    }
}
