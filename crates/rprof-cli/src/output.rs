//! Where reports go: stdout, or a file replaced atomically.

use crate::failure::Failure;
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

/// Streams a report to stdout or, atomically, to `path`: `write` gets the
/// destination and may fail half-way, in which case a file destination is
/// left as it was.
pub fn stream(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Failure> {
    match path {
        Some(p) if p.as_os_str() != "-" && is_special(p) => {
            // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`,
            // `-o >(gzip > f)`): there is no file to keep, and renaming a
            // temporary file over it would replace the device itself.
            let result = std::fs::OpenOptions::new()
                .write(true)
                .open(p)
                .and_then(|mut f| write(&mut f).and_then(|_| f.flush()));
            match result {
                Ok(()) => Ok(()),
                Err(e) if broken_pipe(&e) => Ok(()),
                Err(e) => Err(Failure::input(format!("{}: {}", p.display(), io_error(&e)))),
            }
        }
        Some(p) if p.as_os_str() != "-" => {
            let (tmp, shown) = temp_path(p)?;
            let result = std::fs::File::create(&tmp).and_then(|mut f| {
                write(&mut f)?;
                f.sync_all()
            });
            let result = result.and_then(|_| std::fs::rename(&tmp, p));
            if let Err(e) = result {
                let _ = std::fs::remove_file(&tmp);
                return Err(Failure::input(format!("{shown}: {}", io_error(&e))));
            }
            Ok(())
        }
        _ => {
            let mut out = std::io::stdout().lock();
            match write(&mut out).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if broken_pipe(&e) => Ok(()),
                Err(e) => Err(Failure::input(format!(
                    "writing to stdout: {}",
                    io_error(&e)
                ))),
            }
        }
    }
}

/// Whether writing failed because the reader left (`rprof … | head`),
/// which is not an error. Writers that wrap their I/O errors
/// (`io::Error::other(FlameError::Io(..))`) keep the original inside, so
/// the chain is searched too.
pub fn broken_pipe(e: &std::io::Error) -> bool {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return true;
    }
    let mut next: Option<&(dyn std::error::Error + 'static)> =
        e.get_ref().map(|r| r as &(dyn std::error::Error + 'static));
    while let Some(err) = next {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return true;
        }
        next = err.source();
    }
    false
}

/// Whether `path` exists and is neither a regular file nor a directory
/// (following symbolic links, as `/dev/stdout` is one).
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The temporary file next to `path` that becomes `path` once complete.
fn temp_path(path: &Path) -> Result<(std::path::PathBuf, String), Failure> {
    let shown = path.display().to_string();
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
    Ok((tmp, shown))
}

fn to_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // `rprof top big.pb | head`: the reader left, which is not an error.
        Err(e) if broken_pipe(&e) => Ok(()),
        Err(e) => Err(Failure::input(format!(
            "writing to stdout: {}",
            io_error(&e)
        ))),
    }
}

fn to_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    stream(Some(path), |w| w.write_all(bytes))
}

/// An I/O error as a short phrase, without Rust's "(os error N)" suffix.
pub fn io_error(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A profile as gzipped protobuf, to stdout (not a terminal) or `path`.
pub fn write_profile(p: &rprof_profile::Profile, path: Option<&Path>) -> Result<(), Failure> {
    let mut bytes = Vec::new();
    rprof_profile::write_gz(p, &mut bytes).map_err(|e| Failure::input(e.to_string()))?;
    emit_binary(path, &bytes)
}

/// A trace analysis as pretty JSON or as its text rendering.
pub fn json_or_text<T: serde::Serialize>(
    json: bool,
    value: &T,
    text: impl FnOnce(&T, &mut String),
) -> Result<String, Failure> {
    if json {
        let mut j =
            serde_json::to_string_pretty(value).map_err(|e| Failure::input(e.to_string()))?;
        j.push('\n');
        Ok(j)
    } else {
        let mut t = String::new();
        text(value, &mut t);
        Ok(t)
    }
}
