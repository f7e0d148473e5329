//! Where profiles come from: the files named on the command line, read
//! in parallel into the named inputs of the report pipeline.

use crate::failure::Failure;
use crate::output;
use rayon::prelude::*;
use rprof_report::pipeline::Input;
use std::path::{Path, PathBuf};

/// Reads every file (in parallel); the first that cannot be read is the
/// error.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Input>, Failure> {
    paths.par_iter().map(|p| read(p)).collect()
}

/// Reads one file.
pub fn read(path: &Path) -> Result<Input, Failure> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(data) => Ok(Input { name, data }),
        Err(e) => Err(Failure::input(format!("{name}: {}", output::io_error(&e)))),
    }
}

/// The inputs as shown in messages: their names, comma-separated.
pub fn shown(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
