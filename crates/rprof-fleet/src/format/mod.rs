//! Query results as text (a table), JSON or CSV: one module per format.

pub mod csv;
pub mod json;
pub mod text;
