//! A result as CSV with a header row (Arrow's CSV writer). CSV has no
//! nested values, so list, map and struct columns are written as their
//! text form (as the text table shows them).

use crate::error::FleetError;
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringBuilder};
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use std::sync::Arc;

/// The rows as CSV.
pub fn write_csv(batches: &[RecordBatch], out: &mut Vec<u8>) -> Result<(), FleetError> {
    let err = |source| FleetError::Format {
        format: "CSV",
        source,
    };
    let mut w = WriterBuilder::new().with_header(true).build(&mut *out);
    for b in batches {
        w.write(&flatten(b).map_err(err)?).map_err(err)?;
    }
    Ok(())
}

fn nested(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_)
            | DataType::LargeList(_)
            | DataType::FixedSizeList(..)
            | DataType::Map(..)
            | DataType::Struct(_)
    )
}

/// `b` with every nested column replaced by its text form.
fn flatten(b: &RecordBatch) -> Result<RecordBatch, datafusion::arrow::error::ArrowError> {
    if !b.schema().fields().iter().any(|f| nested(f.data_type())) {
        return Ok(b.clone());
    }
    let mut fields = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    let opts = FormatOptions::default();
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        if !nested(f.data_type()) {
            fields.push(f.as_ref().clone());
            cols.push(c.clone());
            continue;
        }
        let fmt = ArrayFormatter::try_new(c.as_ref(), &opts)?;
        let mut s = StringBuilder::new();
        for i in 0..c.len() {
            if c.is_null(i) {
                s.append_null();
            } else {
                s.append_value(fmt.value(i).to_string());
            }
        }
        fields.push(Field::new(f.name(), DataType::Utf8, true));
        cols.push(Arc::new(s.finish()));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
}
