//! The dataset's three tables as Arrow schemas (stored as Parquet).
//!
//! The layout is written for the questions a fleet asks: "which profiles"
//! is a filter on the small `profiles` table (time, labels); "what do they
//! add up to" is an aggregation of the long, narrow `samples` table by
//! `stack_id`; the frames of a stack are looked up once per distinct stack
//! in `stacks`, which every profile of the same binary shares. See the
//! crate docs for the column-by-column description.

use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use std::sync::{Arc, LazyLock};

/// Name of the table of profiles (one row per ingested profile).
pub const PROFILES: &str = "profiles";
/// Name of the table of samples (one row per sample).
pub const SAMPLES: &str = "samples";
/// Name of the table of stacks (one row per distinct stack).
pub const STACKS: &str = "stacks";

/// The Hive partition column holding the profile's UTC day (`YYYY-MM-DD`).
pub const DAY: &str = "day";

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn list_of(name: &str, item: DataType) -> Field {
    Field::new(
        name,
        DataType::List(Arc::new(Field::new("item", item, true))),
        true,
    )
}

/// `Map<Utf8, Utf8>`, the type of both label columns.
pub fn label_map_type() -> DataType {
    DataType::Map(
        Arc::new(Field::new(
            "entries",
            DataType::Struct(Fields::from(vec![
                Field::new("keys", DataType::Utf8, false),
                Field::new("values", DataType::Utf8, true),
            ])),
            false,
        )),
        false,
    )
}

/// One numeric pprof label: key, value, unit.
pub fn num_label_fields() -> Fields {
    Fields::from(vec![
        utf8("key"),
        Field::new("value", DataType::Int64, true),
        utf8("unit"),
    ])
}

/// One mapping of a profile (the binary and the shared libraries).
pub fn mapping_fields() -> Fields {
    Fields::from(vec![
        Field::new("mapping_id", DataType::UInt64, false),
        Field::new("start", DataType::UInt64, true),
        Field::new("limit", DataType::UInt64, true),
        Field::new("offset", DataType::UInt64, true),
        utf8("file"),
        utf8("build_id"),
        Field::new("has_functions", DataType::Boolean, true),
        Field::new("has_filenames", DataType::Boolean, true),
        Field::new("has_line_numbers", DataType::Boolean, true),
        Field::new("has_inline_frames", DataType::Boolean, true),
    ])
}

/// One frame of a stack: one source line of a location.
pub fn frame_fields() -> Fields {
    Fields::from(vec![
        utf8("function"),
        utf8("system_name"),
        utf8("file"),
        Field::new("start_line", DataType::Int64, true),
        Field::new("line", DataType::Int64, true),
        Field::new("column", DataType::Int64, true),
        Field::new("inlined", DataType::Boolean, true),
        Field::new("address", DataType::UInt64, true),
        Field::new("mapping_id", DataType::UInt64, true),
    ])
}

/// The columns stored in the `profiles` files (the partition columns
/// `day` and the partition label come from the directory names).
pub fn profiles_file_schema() -> SchemaRef {
    static S: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            Field::new("profile_id", DataType::Utf8, false),
            Field::new(
                "time",
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                true,
            ),
            Field::new("duration_ns", DataType::Int64, true),
            list_of("sample_types", DataType::Utf8),
            list_of("sample_units", DataType::Utf8),
            utf8("default_sample_type"),
            utf8("period_type"),
            utf8("period_unit"),
            Field::new("period", DataType::Int64, true),
            list_of("totals", DataType::Int64),
            Field::new("num_samples", DataType::Int64, true),
            list_of("comments", DataType::Utf8),
            utf8("drop_frames"),
            utf8("keep_frames"),
            utf8("doc_url"),
            utf8("source"),
            Field::new("labels", label_map_type(), true),
            list_of("mappings", DataType::Struct(mapping_fields())),
        ]))
    });
    S.clone()
}

/// The columns stored in the `samples` files.
pub fn samples_file_schema() -> SchemaRef {
    static S: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            Field::new("profile_id", DataType::Utf8, false),
            Field::new("stack_id", DataType::UInt64, false),
            list_of("value", DataType::Int64),
            Field::new("label_set", DataType::UInt64, false),
            Field::new("labels", label_map_type(), true),
            list_of("num_labels", DataType::Struct(num_label_fields())),
        ]))
    });
    S.clone()
}

/// The columns of the `stacks` files (not partitioned).
pub fn stacks_file_schema() -> SchemaRef {
    static S: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            Field::new("stack_id", DataType::UInt64, false),
            list_of("frames", DataType::Struct(frame_fields())),
        ]))
    });
    S.clone()
}
