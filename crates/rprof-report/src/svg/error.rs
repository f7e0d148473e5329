//! Why no SVG (or image) could be made.

/// Why no SVG (or image) could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SvgError {
    /// `dot` is not installed (or not on `PATH`).
    #[error(
        "Graphviz's `dot` was not found on PATH (install Graphviz, or use the built-in renderer)"
    )]
    GraphvizNotFound,
    /// `dot` could not be run or talked to.
    #[error("running Graphviz's `dot`: {0}")]
    GraphvizIo(#[source] std::io::Error),
    /// `dot` ran and failed.
    #[error("Graphviz's `dot -T{format}` failed ({status}){}", stderr_suffix(.stderr))]
    GraphvizFailed {
        /// The output format asked for (`svg`, `png`, …).
        format: &'static str,
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The DOT text is not DOT the built-in renderer understands.
    #[error("DOT line {line}: {message}")]
    Dot {
        /// The line of the DOT text.
        line: usize,
        /// What is wrong there.
        message: String,
    },
}

fn stderr_suffix(stderr: &str) -> String {
    match stderr.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(l) => format!(": {l}"),
        None => String::new(),
    }
}
