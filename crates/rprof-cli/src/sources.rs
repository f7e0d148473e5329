//! Where profiles and traces come from: files, stdin, URLs of
//! `/debug/pprof` endpoints and gops agents, classified as pprof
//! classifies them ([`rprof_source::Source::parse`]) with one safety
//! rule more: an argument with neither a scheme nor a port
//! (`nosuch.pb.gz`) is a missing file, never a host name to look up.
//! Files are read in parallel, remote sources fetched concurrently, with
//! progress on stderr; every input becomes a named input of the report
//! pipeline.

use crate::failure::Failure;
use crate::output;
use crate::progress::CliProgress;
use rayon::prelude::*;
use rprof_report::pipeline::{Content, Input};
use rprof_source::{FetchError, FetchOptions, Source};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Reads or fetches every input; the first that fails is the error.
pub fn read_all(names: &[String], fetch: &FetchOptions) -> Result<Vec<Input>, Failure> {
    let sources = names
        .iter()
        .map(|n| classify(n))
        .collect::<Result<Vec<_>, _>>()?;
    let remote: Vec<Source> = sources.iter().filter(|s| s.is_remote()).cloned().collect();
    let mut fetched = if remote.is_empty() {
        Vec::new()
    } else {
        fetch_remote(&remote, fetch)?
    }
    .into_iter();
    let mut out: Vec<Option<Input>> = Vec::with_capacity(sources.len());
    let mut local = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        if s.is_remote() {
            out.push(fetched.next());
        } else {
            out.push(None);
            local.push((i, s));
        }
    }
    let read: Vec<(usize, Input)> = local
        .into_par_iter()
        .map(|(i, s)| read_local(s).map(|input| (i, input)))
        .collect::<Result<_, _>>()?;
    for (i, input) in read {
        out[i] = Some(input);
    }
    Ok(out.into_iter().flatten().collect())
}

/// An input that is an executable, not a profile (pprof's command line
/// takes the program before its profiles).
pub struct Executable {
    /// As given.
    pub name: String,
    /// Its bytes.
    pub data: Vec<u8>,
    /// What the profile reader recognised it as.
    pub kind: rprof_profile::ExecutableKind,
}

/// Sets the executables among `inputs` aside.
pub fn split_executables(inputs: Vec<Input>) -> (Vec<Input>, Vec<Executable>) {
    let mut profiles = Vec::with_capacity(inputs.len());
    let mut binaries = Vec::new();
    for input in inputs {
        let kind = match &input.content {
            Content::Bytes(data) => rprof_profile::executable_kind(data),
            Content::Gzip(_) | Content::Parsed(_) => None,
        };
        match (kind, input.content) {
            (Some(kind), Content::Bytes(data)) => binaries.push(Executable {
                name: input.name,
                data,
                kind,
            }),
            (_, content) => profiles.push(Input {
                name: input.name,
                content,
            }),
        }
    }
    (profiles, binaries)
}

/// [`read_all`] for commands that have no use for an executable among
/// the inputs: each is mentioned in one note and left out; with nothing
/// else left that is an error.
pub fn read_profiles(names: &[String], fetch: &FetchOptions) -> Result<Vec<Input>, Failure> {
    let (profiles, binaries) = split_executables(read_all(names, fetch)?);
    if binaries.is_empty() {
        return Ok(profiles);
    }
    let list: Vec<String> = binaries
        .iter()
        .map(|b| format!("{} ({} executable)", b.name, b.kind.article_name()))
        .collect();
    if profiles.is_empty() && !names.is_empty() {
        return Err(Failure::input(format!(
            "{}: not a profile, and no profile was given (Go profiles carry their symbols: give the profile, e.g. cpu.pb.gz)",
            list.join(", ")
        )));
    }
    eprintln!(
        "rprof: note: {} left out: Go profiles carry their symbols, so the program is not needed (rprof disasm reads it)",
        list.join(", ")
    );
    Ok(profiles)
}

/// Reads or fetches one input.
pub fn read(name: &str, fetch: &FetchOptions) -> Result<Input, Failure> {
    let source = classify(name)?;
    if source.is_remote() {
        let mut f = fetch_remote(std::slice::from_ref(&source), fetch)?;
        return f
            .pop()
            .ok_or_else(|| Failure::input(format!("{name}: nothing fetched")));
    }
    read_local(&source)
}

/// The inputs as shown in messages and titles: their names,
/// comma-separated, credentials in URLs hidden.
pub fn shown(names: &[String]) -> String {
    redacted(names).join(", ")
}

/// The names with the credentials of URLs (`user:pass@`) hidden.
pub fn redacted(names: &[String]) -> Vec<String> {
    names.iter().map(|n| rprof_source::redact(n)).collect()
}

/// The source an argument names.
pub fn classify(name: &str) -> Result<Source, Failure> {
    let source = Source::parse(name).map_err(|e| Failure::usage(e.to_string()))?;
    if let Source::Http(h) = &source
        && h.scheme_added()
        && !h.host().contains(':')
    {
        // pprof would look `nosuch.pb.gz` up as a host; a typo in a file
        // name should not become a DNS query.
        return Ok(Source::File(name.into()));
    }
    Ok(source)
}

fn read_local(source: &Source) -> Result<Input, Failure> {
    match source {
        Source::Stdin => {
            let mut data = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut data)
                .map_err(|e| Failure::input(format!("-: {}", output::io_error(&e))))?;
            Ok(Input::bytes("-", data))
        }
        Source::File(path) => {
            let name = path.display().to_string();
            match read_file(path, name.clone()) {
                Ok(input) => Ok(input),
                Err(e) => Err(Failure::input(format!("{name}: {}", output::io_error(&e)))),
            }
        }
        other => Err(Failure::input(format!(
            "{}: not a local source",
            other.display_name()
        ))),
    }
}

/// Gzipped files from this size on are inflated as they are read (see
/// [`rprof_profile::GzipStream`]); smaller ones are read whole, as the
/// profile reader inflates them on one thread anyway.
const STREAM_MIN: u64 = rprof_profile::ReadOptions::DEFAULT_PREFETCH_MIN as u64;

/// A local file as an input: a big gzipped regular file as a stream,
/// anything else (small, not gzip, a pipe) read whole.
fn read_file(path: &std::path::Path, name: String) -> std::io::Result<Input> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() >= STREAM_MIN {
        let mut head = [0u8; 2];
        file.read_exact(&mut head)?;
        if head == rprof_profile::GZIP_MAGIC {
            let mut trailer = [0u8; 4];
            file.seek(SeekFrom::End(-4))?;
            file.read_exact(&mut trailer)?;
            file.seek(SeekFrom::Start(0))?;
            let stream = rprof_profile::GzipStream {
                reader: Box::new(std::io::BufReader::with_capacity(STREAM_BUFFER, file))
                    as Box<dyn std::io::BufRead + Send>,
                len: meta.len(),
                isize_hint: u32::from_le_bytes(trailer),
            };
            return Ok(Input::gzip(name, stream));
        }
        file.seek(SeekFrom::Start(0))?;
    }
    let mut data = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut data)?;
    Ok(Input::bytes(name, data))
}

/// The read size of a gzip stream: big enough that reading costs
/// few system calls, small enough to stay in the cache.
const STREAM_BUFFER: usize = 256 << 10;

/// Fetches remote sources concurrently, with progress on stderr and
/// Ctrl-C cancelling them.
fn fetch_remote(sources: &[Source], fetch: &FetchOptions) -> Result<Vec<Input>, Failure> {
    fetch_each(sources, fetch)
        .into_iter()
        .map(|r| {
            let f = r.map_err(fetch_failure)?;
            Ok(match f.profile {
                Some(p) => Input::parsed(f.display_name, p),
                None => Input::bytes(f.display_name, f.bytes),
            })
        })
        .collect()
}

/// Fetches remote sources concurrently, with progress on stderr and
/// Ctrl-C cancelling them: each one's result, in order.
pub fn fetch_each(
    sources: &[Source],
    fetch: &FetchOptions,
) -> Vec<Result<rprof_source::Fetched, FetchError>> {
    cancel_on_signals(&fetch.cancel);
    let progress = CliProgress::new();
    let results = rprof_source::fetch_all(sources, fetch, &progress);
    progress.clear();
    results
}

/// An execution trace: a file, streamed each time it is read, or a
/// body in memory (fetched, or read from stdin).
pub struct TraceInput {
    /// As shown in messages.
    pub name: String,
    /// Its size, when known (for loss reports).
    pub size: u64,
    data: TraceData,
}

enum TraceData {
    File(std::path::PathBuf),
    Memory(Vec<u8>),
}

/// A trace as a file on disk, for readers that come back to it (the web
/// UI): the file itself, or a temporary copy of a body held in memory.
///
/// On Linux the copy's name is removed at once and it is read through
/// this process's descriptor (`/proc/self/fd/N`), so that it goes with
/// the process however that ends: a server is stopped with Ctrl-C or
/// killed, and a named copy (a whole trace, often 100 MB) was left behind
/// each time. Elsewhere the named copy is deleted when this is dropped.
pub struct TraceFile {
    /// The file.
    pub path: std::path::PathBuf,
    _temp: Option<tempfile::TempPath>,
    _open: Option<std::fs::File>,
}

impl TraceInput {
    /// The trace as a file: a fetched or piped trace is written to a
    /// temporary file and its bytes dropped, so that memory does not hold
    /// the trace.
    pub fn into_file(self) -> Result<TraceFile, Failure> {
        match self.data {
            TraceData::File(path) => Ok(TraceFile {
                path,
                _temp: None,
                _open: None,
            }),
            TraceData::Memory(bytes) => {
                let fail = |e: std::io::Error| {
                    Failure::input(format!(
                        "{}: writing a temporary copy: {}",
                        self.name,
                        output::io_error(&e)
                    ))
                };
                let mut f = tempfile::Builder::new()
                    .prefix("rprof-trace-")
                    .suffix(".trace")
                    .tempfile()
                    .map_err(fail)?;
                std::io::Write::write_all(&mut f, &bytes).map_err(fail)?;
                drop(bytes);
                let (open, temp) = f.into_parts();
                #[cfg(target_os = "linux")]
                {
                    use std::os::fd::AsRawFd;
                    let by_fd = format!("/proc/self/fd/{}", open.as_raw_fd());
                    // Only if /proc is there to open it by (a chroot or a
                    // container may not mount it).
                    if std::fs::File::open(&by_fd).is_ok() {
                        // Should removing the name fail, the copy stays
                        // named, as elsewhere; it is read by descriptor
                        // all the same.
                        let _ = temp.close();
                        return Ok(TraceFile {
                            path: by_fd.into(),
                            _temp: None,
                            _open: Some(open),
                        });
                    }
                }
                // Elsewhere, as before: the copy closed and read by name,
                // deleted on drop.
                drop(open);
                Ok(TraceFile {
                    path: temp.to_path_buf(),
                    _temp: Some(temp),
                    _open: None,
                })
            }
        }
    }

    /// The trace's bytes from the start (a second call starts again).
    pub fn reader(&self) -> std::io::Result<Box<dyn Read + Send + '_>> {
        Ok(match &self.data {
            TraceData::File(p) => Box::new(std::fs::File::open(p)?),
            TraceData::Memory(b) => Box::new(&b[..]),
        })
    }
}

/// Finds a trace: a file is streamed when read; a remote trace is fetched
/// whole (validated by the trace parser and saved as pprof saves
/// profiles), stdin read whole, then read from memory.
pub fn open_trace(name: &str, fetch: &FetchOptions) -> Result<TraceInput, Failure> {
    let source = classify(name)?;
    if source.is_remote() {
        cancel_on_signals(&fetch.cancel);
        let progress = CliProgress::new();
        let f = rprof_source::fetch(&source, fetch, &progress);
        progress.clear();
        let f = f.map_err(fetch_failure)?;
        return Ok(TraceInput {
            name: f.display_name,
            size: f.bytes.len() as u64,
            data: TraceData::Memory(f.bytes),
        });
    }
    match source {
        Source::Stdin => {
            let mut data = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut data)
                .map_err(|e| Failure::input(format!("-: {}", output::io_error(&e))))?;
            Ok(TraceInput {
                name: "-".into(),
                size: data.len() as u64,
                data: TraceData::Memory(data),
            })
        }
        Source::File(path) => {
            let shown = path.display().to_string();
            let meta = std::fs::metadata(&path)
                .map_err(|e| Failure::input(format!("{shown}: {}", output::io_error(&e))))?;
            Ok(TraceInput {
                name: shown,
                size: meta.len(),
                data: TraceData::File(path),
            })
        }
        other => Err(Failure::input(format!(
            "{}: not a trace source",
            other.display_name()
        ))),
    }
}

/// Where a text input of the diagnostics commands (`goroutines`,
/// `gctrace`, `memstats`, `race`) comes from.
pub enum TextSource {
    /// A file, streamed.
    File(std::path::PathBuf),
    /// A directory (memstats: one document per file, or a collection).
    Dir(std::path::PathBuf),
    /// Standard input, streamed.
    Stdin,
    /// A URL or gops source, streamed as it arrives.
    Remote(Source),
}

/// Classifies a diagnostics input as every command classifies its
/// sources.
pub fn text_source(name: &str) -> Result<TextSource, Failure> {
    Ok(match classify(name)? {
        Source::Stdin => TextSource::Stdin,
        Source::File(p) if p.is_dir() => TextSource::Dir(p),
        Source::File(p) => TextSource::File(p),
        remote => TextSource::Remote(remote),
    })
}

/// Streams a text input (a file, stdin, or a remote body as it arrives:
/// memory stays bounded by what the reader keeps, not by the body) into
/// `read`, with its name as shown (URLs without credentials).
pub fn with_text<T>(
    name: &str,
    fetch: &FetchOptions,
    read: impl FnOnce(&str, &mut dyn std::io::BufRead) -> Result<T, Failure>,
) -> Result<T, Failure> {
    match text_source(name)? {
        TextSource::Stdin => {
            let stdin = std::io::stdin();
            let mut lock = stdin.lock();
            read("-", &mut lock)
        }
        TextSource::File(path) => {
            let file = std::fs::File::open(&path)
                .map_err(|e| Failure::input(format!("{name}: {}", output::io_error(&e))))?;
            let mut r = std::io::BufReader::with_capacity(1 << 20, file);
            read(name, &mut r)
        }
        TextSource::Dir(_) => Err(Failure::input(format!("{name}: is a directory"))),
        TextSource::Remote(source) => {
            cancel_on_signals(&fetch.cancel);
            let progress = CliProgress::new();
            let r = (|| {
                let stream =
                    rprof_source::open(&source, fetch, &progress).map_err(fetch_failure)?;
                let shown = stream.display_name().to_string();
                let mut r = std::io::BufReader::with_capacity(1 << 20, stream);
                read(&shown, &mut r)
            })();
            progress.clear();
            r
        }
    }
}

/// A remote text input's whole body and its name as shown (one snapshot
/// of a series fetched repeatedly).
pub fn fetch_text(source: &Source, fetch: &FetchOptions) -> Result<(String, Vec<u8>), Failure> {
    cancel_on_signals(&fetch.cancel);
    let progress = CliProgress::new();
    let r = (|| {
        let mut stream = rprof_source::open(source, fetch, &progress).map_err(fetch_failure)?;
        let shown = stream.display_name().to_string();
        let mut body = Vec::new();
        stream
            .read_to_end(&mut body)
            .map_err(|e| Failure::input(format!("{shown}: {e}")))?;
        Ok((shown, body))
    })();
    progress.clear();
    r
}

/// Makes Ctrl-C (SIGINT) or SIGTERM set `flag`; a second signal ends the
/// process at once. Registered once per process.
pub fn cancel_on_signals(flag: &Arc<AtomicBool>) {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| {
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Order matters: the conditional exit sees the flag as it was
            // before this signal set it.
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, flag.clone());
            let _ = signal_hook::flag::register(sig, flag.clone());
        }
    });
}

/// Full validation of an execution trace (the trace parser, which the
/// source library does not depend on).
pub fn check_trace(data: &[u8]) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut r = rprof_trace::Reader::new(data)?.with_total_bytes(data.len() as u64);
    while r.next_event()?.is_some() {}
    Ok(())
}

/// A failed fetch: one line, exit 130 when cancelled, else 1.
pub fn fetch_failure(e: FetchError) -> Failure {
    Failure {
        status: if e.is_cancelled() { 130 } else { 1 },
        message: first_line(&e.to_string()),
    }
}

/// The first line of a message (a trace parser's error may append a dump
/// of the scheduler state), so that errors stay one line.
fn first_line(msg: &str) -> String {
    msg.lines().next().unwrap_or("").trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Big gzipped regular files become streams; small ones, other big
    /// files and pipes are read whole.
    #[test]
    fn big_gzip_files_are_streamed_the_rest_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let gz = std::fs::read(rprof_testkit::fixture("profiles").join("cpu.pb.gz")).unwrap();
        let mut big = gz.clone();
        big.resize(STREAM_MIN as usize + 1, 0);
        let mut plain = b"heap profile: ".to_vec();
        plain.resize(STREAM_MIN as usize + 1, b' ');
        let cases = [
            ("small.pb.gz", &gz, false),
            ("big.pb.gz", &big, true),
            ("big.txt", &plain, false),
        ];
        for (name, data, streamed) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, data).unwrap();
            let input = read_file(&path, name.to_string()).unwrap();
            match input.content {
                Content::Gzip(s) => {
                    assert!(streamed, "{name}");
                    assert_eq!(s.len, data.len() as u64);
                    let trailer: [u8; 4] = data[data.len() - 4..].try_into().unwrap();
                    assert_eq!(s.isize_hint, u32::from_le_bytes(trailer));
                    let mut read = Vec::new();
                    let mut r = s.reader;
                    r.read_to_end(&mut read).unwrap();
                    assert_eq!(&read, data, "{name}: the stream starts at the start");
                }
                Content::Bytes(b) => {
                    assert!(!streamed, "{name}");
                    assert_eq!(&b, data);
                }
                Content::Parsed(_) => panic!("{name}"),
            }
        }
    }
}
