//! A result as a JSON array of objects, one per row (Arrow's JSON writer:
//! lists become arrays, maps and structs objects, nulls are left out).

use crate::error::FleetError;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::json::ArrayWriter;

/// The rows as one JSON array, ending in a newline.
pub fn write_json(batches: &[RecordBatch], out: &mut Vec<u8>) -> Result<(), FleetError> {
    let err = |source| FleetError::Format {
        format: "JSON",
        source,
    };
    let mut w = ArrayWriter::new(&mut *out);
    for b in batches {
        w.write(b).map_err(err)?;
    }
    w.finish().map_err(err)?;
    drop(w);
    if out.is_empty() {
        out.extend_from_slice(b"[]");
    }
    out.push(b'\n');
    Ok(())
}
