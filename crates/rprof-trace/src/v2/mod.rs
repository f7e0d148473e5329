//! The new format (Go 1.22+): generations of batches, read one generation
//! at a time, ordered by the scheduler model in [`order`].

pub(crate) mod generation;
pub(crate) mod order;
pub(crate) mod reader;
