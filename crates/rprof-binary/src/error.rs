//! Why an executable could not be read.

/// Why an executable could not be read or disassembled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BinaryError {
    /// Not an object file `object` can read.
    #[error("not an executable rprof can read: {0}")]
    Format(String),
    /// No `.text` section.
    #[error("no text section")]
    NoText,
    /// An instruction set rprof does not disassemble.
    #[error("disassembling {0} code is not supported (only amd64 and 386)")]
    Architecture(String),
    /// The Go line table is damaged.
    #[error("malformed Go line table (gopclntab): {0}")]
    Pclntab(&'static str),
}
