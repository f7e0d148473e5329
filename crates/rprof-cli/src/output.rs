//! Where reports go: stdout, or a file replaced atomically.

use crate::Failure;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to stdout, or to `path` via a temporary file in the same
/// directory and a rename, so that an existing file is only ever replaced
/// by a complete new one. `-` means stdout.
pub fn emit(path: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    match path {
        None => to_stdout(bytes),
        Some(p) if p.as_os_str() == "-" => to_stdout(bytes),
        Some(p) => to_file(p, bytes),
    }
}

/// Like [`emit`], for binary output: refuses to write it to a terminal.
pub fn emit_binary(path: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let to_stdout = path.is_none_or(|p| p.as_os_str() == "-");
    if to_stdout && std::io::stdout().is_terminal() {
        return Err(Failure::usage(
            "refusing to write a binary profile to the terminal; use -o FILE (or -o - to force)",
        ));
    }
    emit(path, bytes)
}

fn to_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // `rprof top big.pb | head`: the reader left, which is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::input(format!("writing to stdout: {}", io_error(&e)))),
    }
}

fn to_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let shown = path.display();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Failure::usage(format!("{shown}: not a file name")))?;
    let tmp = dir.join(format!(
        ".{}.rprof-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Failure::input(format!("{shown}: {}", io_error(&e))));
    }
    Ok(())
}

/// An I/O error as a short phrase, without Rust's "(os error N)" suffix.
pub fn io_error(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
