//! A result as the aligned table DataFusion's own shell prints.

use crate::error::FleetError;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;

/// The batches as a table with a header row, ending in a newline; an
/// empty result is the header alone (so a script sees the columns).
pub fn write_text(batches: &[RecordBatch], out: &mut String) -> Result<(), FleetError> {
    let table = pretty_format_batches(batches).map_err(|source| FleetError::Format {
        format: "text",
        source,
    })?;
    out.push_str(&table.to_string());
    out.push('\n');
    Ok(())
}
