//! The dataset on disk: its description file, its directories, Hive
//! partition paths, and the ids already stored (for idempotent appends).
//!
//! ```text
//! DATASET/rprof-fleet.json                      format version, partition label
//! DATASET/profiles/day=2026-11-27/service=api/part-<batch>-<n>.parquet
//! DATASET/samples/day=2026-11-27/service=api/part-<batch>-<n>.parquet
//! DATASET/stacks/part-<batch>-<n>.parquet
//! ```
//!
//! Every ingest writes new files with its own batch name and never
//! touches old ones: appending is adding files, and compaction (merging
//! small files of a partition) can be done later without changing what
//! queries see.

use crate::error::FleetError;
use datafusion::arrow::array::{Array, StringArray, UInt64Array};
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The description file at the root of a dataset.
pub const DESCRIPTION: &str = "rprof-fleet.json";
/// The dataset format this crate writes and reads.
pub const FORMAT_VERSION: u64 = 1;
/// The partition value of profiles that lack the partition label.
pub const NO_VALUE: &str = "__HIVE_DEFAULT_PARTITION__";

/// What `rprof-fleet.json` says about a dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetMeta {
    /// The label whose value is the second partition level, if any.
    pub partition_by: Option<String>,
}

impl DatasetMeta {
    /// The Hive partition columns of `profiles` and `samples`, in path order.
    pub fn partition_columns(&self) -> Vec<String> {
        let mut v = vec![crate::schema::DAY.to_string()];
        v.extend(self.partition_by.iter().cloned());
        v
    }

    fn describe(p: &Option<String>) -> String {
        match p {
            Some(l) => format!("label {l}"),
            None => "day only".to_string(),
        }
    }
}

/// Reads the dataset's description; `None` when `root` holds no dataset.
pub fn read_meta(root: &Path) -> Result<Option<DatasetMeta>, FleetError> {
    let path = root.join(DESCRIPTION);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FleetError::io(path, e)),
    };
    let bad = |reason: String| FleetError::BadDataset {
        path: path.clone(),
        reason,
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    match v.get("format").and_then(|f| f.as_u64()) {
        Some(FORMAT_VERSION) => {}
        Some(n) => {
            return Err(bad(format!(
                "format {n}, this rprof reads {FORMAT_VERSION}"
            )));
        }
        None => return Err(bad("no \"format\" number".into())),
    }
    let partition_by = match v.get("partition_by") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(bad(format!("partition_by is {other}, not a label name"))),
    };
    Ok(Some(DatasetMeta { partition_by }))
}

/// Opens the dataset at `root` for appending, creating it (with
/// `partition_by`) when there is none. `partition_by` must match an
/// existing dataset's when given.
pub fn create_or_open(root: &Path, partition_by: Option<&str>) -> Result<DatasetMeta, FleetError> {
    if let Some(label) = partition_by {
        check_partition_label(label)?;
    }
    if let Some(meta) = read_meta(root)? {
        if partition_by.is_some() && meta.partition_by.as_deref() != partition_by {
            return Err(FleetError::PartitionMismatch {
                path: root.to_path_buf(),
                existing: DatasetMeta::describe(&meta.partition_by),
                requested: DatasetMeta::describe(&partition_by.map(str::to_string)),
            });
        }
        return Ok(meta);
    }
    let meta = DatasetMeta {
        partition_by: partition_by.map(str::to_string),
    };
    for table in [
        crate::schema::PROFILES,
        crate::schema::SAMPLES,
        crate::schema::STACKS,
    ] {
        let dir = root.join(table);
        std::fs::create_dir_all(&dir).map_err(|e| FleetError::io(&dir, e))?;
    }
    let json = serde_json::json!({
        "format": FORMAT_VERSION,
        "partition_by": meta.partition_by,
        "tables": ["profiles", "samples", "stacks"],
    });
    let text = serde_json::to_string_pretty(&json).expect("a JSON value serializes") + "\n";
    write_atomically(&root.join(DESCRIPTION), text.as_bytes())?;
    Ok(meta)
}

/// A label usable as a partition column: an identifier that is no column
/// of the tables (DataFusion would see two columns of one name).
fn check_partition_label(label: &str) -> Result<(), FleetError> {
    let ident = !label.is_empty()
        && !label.starts_with(|c: char| c.is_ascii_digit())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let taken = [
        crate::schema::profiles_file_schema(),
        crate::schema::samples_file_schema(),
    ]
    .iter()
    .any(|s| s.field_with_name(label).is_ok())
        || label == crate::schema::DAY;
    if ident && !taken {
        Ok(())
    } else {
        Err(FleetError::BadPartitionLabel(label.to_string()))
    }
}

/// Writes `bytes` to `path` through a temporary file in the same
/// directory, so readers see the old file or the whole new one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FleetError> {
    let tmp = tmp_name(path);
    std::fs::write(&tmp, bytes).map_err(|e| FleetError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| FleetError::io(path, e))
}

/// `x.parquet` → `.x.parquet.tmp`: hidden, and without the `.parquet`
/// extension that queries list, so a half-written file is never read.
pub(crate) fn tmp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// A partition value as a directory name: bytes other than ASCII letters,
/// digits, `.`, `_` and `-` are percent-encoded, so that no label value can
/// make a path (`/`, `..`) or a second `=`.
pub fn encode_partition_value(v: &str) -> String {
    if v.is_empty() {
        return NO_VALUE.to_string();
    }
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric()
            || b == b'_'
            || b == b'-'
            || (b == b'.' && v != "." && v != "..")
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every `.parquet` file under `dir`, sorted (for a stable scan order).
pub(crate) fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>, FleetError> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(FleetError::io(&d, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| FleetError::io(&d, e))?;
            let path = entry.path();
            let ty = entry.file_type().map_err(|e| FleetError::io(&path, e))?;
            if ty.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "parquet") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The ids already in the dataset: profile ids (for idempotent ingest)
/// and stack ids (so that a stack is stored once). Only those columns
/// are read.
pub(crate) fn existing_ids(root: &Path) -> Result<(HashSet<String>, HashSet<u64>), FleetError> {
    let mut profiles = HashSet::new();
    for f in parquet_files(&root.join(crate::schema::PROFILES))? {
        read_column(&f, 0, |a| {
            let a = a.as_any().downcast_ref::<StringArray>();
            profiles.extend(a.into_iter().flatten().flatten().map(str::to_string));
        })?;
    }
    let mut stacks = HashSet::new();
    for f in parquet_files(&root.join(crate::schema::STACKS))? {
        read_column(&f, 0, |a| {
            let a = a.as_any().downcast_ref::<UInt64Array>();
            stacks.extend(a.into_iter().flatten().flatten());
        })?;
    }
    Ok((profiles, stacks))
}

fn read_column(
    path: &Path,
    column: usize,
    mut each: impl FnMut(&dyn Array),
) -> Result<(), FleetError> {
    let perr = |source| FleetError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(|e| FleetError::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(perr)?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), [column]);
    let reader = builder.with_projection(mask).build().map_err(perr)?;
    for batch in reader {
        let batch = batch.map_err(|e| FleetError::Arrow {
            table: "existing ids",
            source: e,
        })?;
        each(batch.column(0).as_ref());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_cannot_escape_their_directory() {
        assert_eq!(encode_partition_value("api"), "api");
        assert_eq!(encode_partition_value("v1.8.2"), "v1.8.2");
        assert_eq!(encode_partition_value("a/b"), "a%2Fb");
        assert_eq!(encode_partition_value(".."), "%2E%2E");
        assert_eq!(encode_partition_value("k=v"), "k%3Dv");
        assert_eq!(encode_partition_value(""), NO_VALUE);
    }

    #[test]
    fn partition_labels_must_be_free_identifiers() {
        assert!(check_partition_label("service").is_ok());
        assert!(check_partition_label("labels").is_err());
        assert!(check_partition_label("day").is_err());
        assert!(check_partition_label("a b").is_err());
        assert!(check_partition_label("").is_err());
    }
}
