//! Fetching: a body from a URL, a gops agent, a file or stdin, validated
//! and saved.
//!
//! Network I/O runs on a thread of its own that hands the response over
//! a small channel; the calling thread waits on that channel in short
//! steps, so it can show a countdown while the server profiles and give
//! up at once when the user cancels (the I/O thread then finds nobody
//! listening and ends; the request timeout bounds it in any case).

use crate::error::{FetchError, Problem, SaveError};
use crate::progress::{Progress, Stage};
use crate::save::{self, TempFile};
use crate::source::{GopsSource, HttpSource, Source};
use crate::validate::{Kind, TraceCheck, expected_kind, validate};
use rprof_profile::{Profile, ReadOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// How to fetch.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// pprof's `-seconds`: sets `seconds=N` on every URL (Go's handlers
    /// profile or trace that long, and make heap, allocs, block, mutex and
    /// goroutine profiles deltas over it). `None`: the URL's own.
    pub seconds: Option<u64>,
    /// pprof's `-timeout`. `None`: 1.5 × seconds when there are seconds,
    /// else 60 s. As in pprof, 5 s of grace are added to it.
    pub timeout: Option<Duration>,
    /// Save a copy of each fetched profile and trace (pprof does).
    pub save: bool,
    /// Where the copies go; `None`: `$RPROF_TMPDIR`, `$PPROF_TMPDIR`,
    /// `~/pprof`, the temporary directory.
    pub save_dir: Option<PathBuf>,
    /// Refuse bodies larger than this (before any decompression; the
    /// profile reader limits what gzip inflates to).
    pub max_body: u64,
    /// How profiles are read (gzip-bomb limits).
    pub read: ReadOptions,
    /// A full check of execution traces (the trace parser's); without it
    /// only the header is checked.
    pub check_trace: Option<TraceCheck>,
    /// Set to cancel (Ctrl-C): fetches stop at the next step and return
    /// [`Problem::Cancelled`].
    pub cancel: Arc<AtomicBool>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            seconds: None,
            timeout: None,
            save: true,
            save_dir: None,
            max_body: 2 << 30,
            read: ReadOptions::default(),
            check_trace: None,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl FetchOptions {
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// A fetched, validated body.
#[derive(Debug)]
pub struct Fetched {
    /// The body as received.
    pub bytes: Vec<u8>,
    /// The source as it may be shown (URL with `seconds` applied,
    /// credentials replaced by `xxxxx`).
    pub display_name: String,
    /// What the body is.
    pub kind: Kind,
    /// The profile, parsed (with [`FetchOptions::read`]) when `kind` is
    /// [`Kind::Profile`].
    pub profile: Option<Profile>,
    /// The saved copy, if one was written.
    pub saved_path: Option<PathBuf>,
    /// Why no copy was saved although one should have been (pprof prints
    /// "Could not save profile" and goes on).
    pub save_error: Option<SaveError>,
}

/// pprof's grace on top of the timeout (`timeout + 5*time.Second`).
const GRACE: Duration = Duration::from_secs(5);

/// Fetches one source, validates its body, and saves a copy of a remote
/// profile or trace (unless [`FetchOptions::save`] is off).
pub fn fetch(
    source: &Source,
    opts: &FetchOptions,
    progress: &dyn Progress,
) -> Result<Fetched, FetchError> {
    let expected = expected_kind(source);
    let mut stream = open(source, opts, progress)?;
    let name = stream.name.clone();
    let mut bytes = Vec::new();
    if let Some(n) = stream.expected_len {
        bytes.reserve(n.min(opts.max_body) as usize);
    }
    stream.read_all(&mut bytes)?;
    let status = stream.status.clone();
    drop(stream);
    let (kind, profile) = validate(
        &bytes,
        expected,
        status.as_deref(),
        &opts.read,
        opts.check_trace,
    )
    .map_err(|p| FetchError::new(&name, p))?;
    progress.stage(
        &name,
        Stage::Done {
            bytes: bytes.len() as u64,
        },
    );
    let mut fetched = Fetched {
        bytes,
        display_name: name.clone(),
        kind,
        profile,
        saved_path: None,
        save_error: None,
    };
    if opts.save && source.is_remote() {
        let saved = match (kind, &fetched.profile) {
            (Kind::Profile, Some(p)) => Some(save::save_profile(
                opts.save_dir.as_deref(),
                &fetched.bytes,
                p,
            )),
            (Kind::Trace, _) => Some(save_trace(
                opts.save_dir.as_deref(),
                &source_host(source),
                &fetched.bytes,
            )),
            _ => None,
        };
        match saved {
            Some(Ok(path)) => {
                progress.stage(&name, Stage::Saved(&path));
                fetched.saved_path = Some(path);
            }
            Some(Err(e)) => {
                progress.stage(&name, Stage::SaveFailed(&e.to_string()));
                fetched.save_error = Some(e);
            }
            None => {}
        }
    }
    Ok(fetched)
}

/// Fetches several sources at once (at most 16 at a time), results in
/// the order of `sources`.
pub fn fetch_all(
    sources: &[Source],
    opts: &FetchOptions,
    progress: &dyn Progress,
) -> Vec<Result<Fetched, FetchError>> {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Fetched, FetchError>>>> =
        Mutex::new((0..sources.len()).map(|_| None).collect());
    let workers = sources.len().clamp(1, 16);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(src) = sources.get(i) else { break };
                    let r = fetch(src, opts, progress);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every source fetched"))
        .collect()
}

fn save_trace(dir: Option<&Path>, host: &str, bytes: &[u8]) -> Result<PathBuf, SaveError> {
    use std::io::Write;
    let dir = save::save_dir(dir)?;
    let tmp = TempFile::create(&dir)?;
    tmp.file().write_all(bytes).map_err(|e| SaveError {
        dir: dir.clone(),
        error: save::io_msg(&e),
    })?;
    tmp.publish(save::trace_names(&save::trace_stem(host)))
}

/// `host:port` of a remote source, for a trace's saved name.
fn source_host(source: &Source) -> String {
    match source {
        Source::Http(h) => h.host().to_string(),
        Source::Gops(g) => g.target.to_string(),
        _ => "local".to_string(),
    }
}

/// A body being received, readable as it arrives: for execution traces,
/// which can be far larger than a profile and are parsed as a stream.
///
/// For a remote trace (with saving on) the bytes read are also written to
/// a temporary file that [`Stream::finish`] turns into the saved copy once
/// the caller has validated what it read; dropped without `finish`, the
/// stream leaves nothing behind.
pub struct Stream<'a> {
    name: String,
    progress: &'a dyn Progress,
    began: Instant,
    duration: Option<Duration>,
    kind_hint: Option<Kind>,
    status: Option<String>,
    expected_len: Option<u64>,
    inner: Inner,
    received: u64,
    max_body: u64,
    eof: bool,
    copy: Option<(TempFile, String)>,
    save_error: Option<SaveError>,
    head: Vec<u8>,
}

enum Inner {
    Local(Box<dyn Read + Send>),
    Remote(Remote),
}

/// The receiving end of a network fetch.
struct Remote {
    rx: Receiver<Msg>,
    pending: Vec<u8>,
    pos: usize,
    cancel: Arc<AtomicBool>,
    deadline: Instant,
    timeout: Duration,
}

/// What the I/O thread sends.
enum Msg {
    Head {
        status: Option<String>,
        length: Option<u64>,
    },
    Chunk(Vec<u8>),
    End,
    Fail(Problem),
}

/// Opens a source for reading as a stream (see [`Stream`]); the server
/// has answered (after any countdown) when this returns.
pub fn open<'a>(
    source: &Source,
    opts: &FetchOptions,
    progress: &'a dyn Progress,
) -> Result<Stream<'a>, FetchError> {
    let name = source_name(source, opts);
    let kind_hint = expected_kind(source);
    let began = Instant::now();
    let mut duration = None;
    let (inner, status, expected_len) = match source {
        Source::File(p) => {
            let f = std::fs::File::open(p)
                .map_err(|e| FetchError::new(&name, Problem::Io(save::io_msg(&e))))?;
            let len = f.metadata().ok().map(|m| m.len());
            (Inner::Local(Box::new(f)), None, len)
        }
        Source::Stdin => (Inner::Local(Box::new(std::io::stdin())), None, None),
        Source::Http(h) => {
            let seconds = h.seconds(opts.seconds);
            duration = seconds.map(Duration::from_secs);
            let timeout = crate::source::pprof_timeout(opts.timeout, duration);
            let url = h.request_url(opts.seconds);
            let worker = http_worker(h.clone(), url, timeout + GRACE, opts.max_body);
            start(worker, &name, duration, timeout, opts, progress)?
        }
        Source::Gops(g) => {
            duration = g.profile.duration();
            let timeout = crate::source::pprof_timeout(opts.timeout, duration);
            let worker = gops_worker(g.clone(), timeout + GRACE, opts.max_body);
            start(worker, &name, duration, timeout, opts, progress)?
        }
    };
    let mut copy = None;
    let mut save_error = None;
    if opts.save && source.is_remote() && kind_hint == Some(Kind::Trace) {
        match save::save_dir(opts.save_dir.as_deref()).and_then(|d| TempFile::create(&d)) {
            Ok(t) => copy = Some((t, save::trace_stem(&source_host(source)))),
            Err(e) => save_error = Some(e),
        }
    }
    progress.stage(
        &name,
        Stage::Receiving {
            expected: expected_len,
        },
    );
    Ok(Stream {
        name,
        progress,
        began,
        duration,
        kind_hint,
        status,
        expected_len,
        inner,
        received: 0,
        max_body: opts.max_body,
        eof: false,
        copy,
        save_error,
        head: Vec::new(),
    })
}

/// The name shown for a source: the URL as fetched (seconds applied).
fn source_name(source: &Source, opts: &FetchOptions) -> String {
    match source {
        Source::Http(h) => h.url(opts.seconds, true),
        other => other.display_name(),
    }
}

type Started = (Inner, Option<String>, Option<u64>);

/// Starts the I/O thread and waits for the answer's head, with a
/// countdown while the server profiles for `duration`.
fn start(
    worker: impl FnOnce(&SyncSender<Msg>) + Send + 'static,
    name: &str,
    duration: Option<Duration>,
    timeout: Duration,
    opts: &FetchOptions,
    progress: &dyn Progress,
) -> Result<Started, FetchError> {
    if opts.cancelled() {
        return Err(FetchError::new(name, Problem::Cancelled));
    }
    let (tx, rx) = std::sync::mpsc::sync_channel(8);
    std::thread::Builder::new()
        .name("rprof-fetch".into())
        .spawn(move || worker(&tx))
        .map_err(|e| FetchError::new(name, Problem::Io(save::io_msg(&e))))?;
    progress.stage(name, Stage::Fetching);
    if let Some(d) = duration {
        progress.stage(name, Stage::Waiting(d));
    }
    let began = Instant::now();
    // A little past the I/O thread's own limit: that one should fire
    // first and say what timed out.
    let deadline = began + timeout + GRACE + Duration::from_secs(2);
    loop {
        if opts.cancelled() {
            return Err(FetchError::new(name, Problem::Cancelled));
        }
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Msg::Head { status, length }) => {
                let remote = Remote {
                    rx,
                    pending: Vec::new(),
                    pos: 0,
                    cancel: opts.cancel.clone(),
                    deadline,
                    timeout,
                };
                return Ok((Inner::Remote(remote), status, length));
            }
            Ok(Msg::Fail(p)) => return Err(FetchError::new(name, p)),
            Ok(Msg::Chunk(_) | Msg::End) | Err(RecvTimeoutError::Disconnected) => {
                return Err(FetchError::new(
                    name,
                    Problem::Protocol("the connection ended without an answer".into()),
                ));
            }
            Err(RecvTimeoutError::Timeout) => {
                if Instant::now() >= deadline {
                    return Err(FetchError::new(name, Problem::Timeout(timeout)));
                }
                if let Some(d) = duration {
                    progress.countdown(name, began.elapsed().min(d), d);
                }
            }
        }
    }
}

impl Stream<'_> {
    /// The source as it may be shown.
    pub fn display_name(&self) -> &str {
        &self.name
    }

    /// What the address says the body is, if it says.
    pub fn kind_hint(&self) -> Option<Kind> {
        self.kind_hint
    }

    /// The announced length, if any.
    pub fn expected_len(&self) -> Option<u64> {
        self.expected_len
    }

    /// Reads the rest of the body into `out`, as one error naming the
    /// source.
    fn read_all(&mut self, out: &mut Vec<u8>) -> Result<(), FetchError> {
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match self.next(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(p) => return Err(FetchError::new(&self.name, p)),
            }
        }
    }

    /// The next bytes, or why there are none.
    fn next(&mut self, buf: &mut [u8]) -> Result<usize, Problem> {
        if self.eof || buf.is_empty() {
            return Ok(0);
        }
        let n = match &mut self.inner {
            Inner::Local(r) => loop {
                match r.read(buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(Problem::Read {
                            received: self.received,
                            error: save::io_msg(&e),
                        });
                    }
                }
            },
            Inner::Remote(r) => {
                // Go's trace handler streams while it traces: go on
                // counting down.
                let (progress, name, began, duration) =
                    (self.progress, &self.name, self.began, self.duration);
                r.next(buf, &mut || {
                    if let Some(d) = duration
                        && began.elapsed() < d
                    {
                        progress.countdown(name, began.elapsed(), d);
                    }
                })?
            }
        };
        if n > 0 {
            self.progress
                .received(&self.name, self.received + n as u64, self.expected_len);
        }
        if n == 0 {
            self.eof = true;
            return Ok(0);
        }
        self.received += n as u64;
        if self.received > self.max_body {
            return Err(Problem::TooLarge(self.max_body));
        }
        if self.head.len() < 16 {
            let take = (16 - self.head.len()).min(n);
            self.head.extend_from_slice(&buf[..take]);
        }
        if let Some((t, _)) = &self.copy {
            use std::io::Write;
            if let Err(e) = t.file().write_all(&buf[..n]) {
                let dir = t.dir().to_path_buf();
                self.copy = None;
                self.save_error = Some(SaveError {
                    dir,
                    error: save::io_msg(&e),
                });
            }
        }
        Ok(n)
    }

    /// Ends the stream once the caller has validated what it read: reads
    /// what is left, and turns the copy of a remote trace into its saved
    /// file (`trace.<host>.<time>.out`). Returns where it was saved.
    pub fn finish(mut self) -> Result<Option<PathBuf>, FetchError> {
        let mut sink = vec![0u8; 64 << 10];
        while self
            .next(&mut sink)
            .map_err(|p| FetchError::new(&self.name, p))?
            > 0
        {}
        if let Some(e) = self.save_error.take() {
            return Err(FetchError::new(&self.name, Problem::Io(e.to_string())));
        }
        match self.copy.take() {
            Some((t, stem)) if crate::validate::is_trace(&self.head) => t
                .publish(save::trace_names(&stem))
                .map(Some)
                .map_err(|e| FetchError::new(&self.name, Problem::Io(e.to_string()))),
            _ => Ok(None),
        }
    }
}

impl Read for Stream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.next(buf).map_err(|p| {
            let kind = match p {
                Problem::Timeout(_) => std::io::ErrorKind::TimedOut,
                Problem::Truncated { .. } => std::io::ErrorKind::UnexpectedEof,
                _ => std::io::ErrorKind::Other,
            };
            std::io::Error::new(kind, FetchError::new(&self.name, p))
        })
    }
}

impl Remote {
    fn next(&mut self, buf: &mut [u8], tick: &mut dyn FnMut()) -> Result<usize, Problem> {
        loop {
            if self.pos < self.pending.len() {
                let n = (self.pending.len() - self.pos).min(buf.len());
                buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Problem::Cancelled);
            }
            match self.rx.recv_timeout(Duration::from_millis(200)) {
                Ok(Msg::Chunk(c)) => {
                    self.pending = c;
                    self.pos = 0;
                }
                Ok(Msg::End) => return Ok(0),
                Ok(Msg::Fail(p)) => return Err(p),
                Ok(Msg::Head { .. }) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Problem::Protocol("the I/O thread ended early".into()));
                }
                Err(RecvTimeoutError::Timeout) => {
                    if Instant::now() >= self.deadline {
                        return Err(Problem::Timeout(self.timeout));
                    }
                    tick();
                }
            }
        }
    }
}

/// Streams `r` to `tx` in chunks, stopping past `max` bytes in all
/// (`already` of them were sent before); `length` (if announced) tells a
/// cut connection from the end.
fn pump(
    mut r: impl Read,
    tx: &SyncSender<Msg>,
    (max, already): (u64, u64),
    length: Option<u64>,
    map_err: impl Fn(std::io::Error, u64) -> Problem,
) {
    let mut total = already;
    loop {
        let mut chunk = vec![0u8; 64 << 10];
        match r.read(&mut chunk) {
            Ok(0) => {
                let msg = match length {
                    Some(l) if total < l => Msg::Fail(Problem::Truncated {
                        received: total,
                        expected: Some(l),
                    }),
                    _ => Msg::End,
                };
                let _ = tx.send(msg);
                return;
            }
            Ok(n) => {
                total += n as u64;
                chunk.truncate(n);
                if total > max {
                    let _ = tx.send(Msg::Fail(Problem::TooLarge(max)));
                    return;
                }
                if tx.send(Msg::Chunk(chunk)).is_err() {
                    return; // Nobody listens (cancelled).
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = tx.send(Msg::Fail(map_err(e, total)));
                return;
            }
        }
    }
}

/// The system's root certificates, loaded once; `None` when there are
/// none (then ureq's bundled webpki roots are used).
fn native_roots() -> Option<Arc<Vec<ureq::tls::Certificate<'static>>>> {
    static ROOTS: std::sync::OnceLock<Option<Arc<Vec<ureq::tls::Certificate<'static>>>>> =
        std::sync::OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let certs: Vec<_> = found
                .certs
                .iter()
                .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
                .collect();
            (!certs.is_empty()).then(|| Arc::new(certs))
        })
        .clone()
}

fn agent(h: &HttpSource, deadline: Duration) -> ureq::Agent {
    use ureq::tls::{RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder();
    if h.insecure() {
        tls = tls.disable_verification(true);
    } else if let Some(roots) = native_roots() {
        tls = tls.root_certs(RootCerts::Specific(roots));
    }
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(deadline))
        .user_agent(concat!("rprof/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls.build());
    if h.is_loopback() {
        // As Go's http.ProxyFromEnvironment: never for this machine.
        config = config.proxy(None);
    }
    config.build().new_agent()
}

fn http_worker(
    h: HttpSource,
    url: String,
    deadline: Duration,
    max: u64,
) -> impl FnOnce(&SyncSender<Msg>) + Send + 'static {
    move |tx| {
        let agent = agent(&h, deadline);
        let resp = match agent.get(&url).call() {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Msg::Fail(call_problem(&h, e, deadline)));
                return;
            }
        };
        let status = resp.status();
        let status_line = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_string();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let go_pprof = header("x-go-pprof").is_some_and(|v| !v.is_empty());
        let text_plain = header("content-type").is_some_and(|v| v.contains("text/plain"));
        let length = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
        let (_, body) = resp.into_parts();
        let reader = body.into_with_config().limit(u64::MAX).reader();
        if status != ureq::http::StatusCode::OK {
            // pprof's statusCodeError: Go's handlers explain themselves.
            let detail = (go_pprof && text_plain).then(|| {
                let mut text = String::new();
                let _ = reader.take(4096).read_to_string(&mut text);
                let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
                h.scrub(&one_line)
            });
            let _ = tx.send(Msg::Fail(Problem::Status {
                status: status_line,
                detail: detail.filter(|d| !d.is_empty()),
            }));
            return;
        }
        if tx
            .send(Msg::Head {
                status: Some(status_line),
                length,
            })
            .is_err()
        {
            return;
        }
        pump(reader, tx, (max, 0), length, |e, received| {
            body_problem(&h, e, received, length, deadline)
        });
    }
}

/// ureq's error for a request, as a problem without credentials.
fn call_problem(h: &HttpSource, e: ureq::Error, deadline: Duration) -> Problem {
    match e {
        ureq::Error::Timeout(_) => Problem::Timeout(deadline - GRACE),
        ureq::Error::HostNotFound => Problem::Dns(host_only(h.host())),
        ureq::Error::Io(io) => io_problem(h, &io, deadline),
        ureq::Error::Tls(s) => Problem::Tls(s.to_string()),
        ureq::Error::Rustls(r) => Problem::Tls(h.scrub(&r.to_string())),
        ureq::Error::Protocol(p) => Problem::Protocol(h.scrub(&p.to_string())),
        ureq::Error::ConnectionFailed => Problem::Connect("connection failed".into()),
        other => Problem::Connect(h.scrub(&other.to_string())),
    }
}

fn io_problem(h: &HttpSource, io: &std::io::Error, deadline: Duration) -> Problem {
    use std::io::ErrorKind as K;
    match io.kind() {
        K::ConnectionRefused => Problem::Refused,
        K::TimedOut | K::WouldBlock => Problem::Timeout(deadline - GRACE),
        K::InvalidData if is_tls_message(&io.to_string()) => {
            Problem::Tls(h.scrub(&save::io_msg(io)))
        }
        K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted => {
            Problem::Protocol("the server closed the connection without an answer".into())
        }
        _ => Problem::Connect(h.scrub(&save::io_msg(io))),
    }
}

fn is_tls_message(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    s.contains("certificate") || s.contains("tls") || s.contains("handshake")
}

fn body_problem(
    h: &HttpSource,
    e: std::io::Error,
    received: u64,
    length: Option<u64>,
    deadline: Duration,
) -> Problem {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::TimedOut | K::WouldBlock => Problem::Timeout(deadline - GRACE),
        K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
            Problem::Truncated {
                received,
                expected: length,
            }
        }
        _ => {
            let msg = h.scrub(&save::io_msg(&e));
            // ureq reports a cut chunked body or a short Content-Length
            // body as a protocol error inside an io::Error.
            if msg.contains("closed") || msg.contains("incomplete") || msg.contains("EOF") {
                Problem::Truncated {
                    received,
                    expected: length,
                }
            } else if msg.to_ascii_lowercase().contains("timeout") {
                Problem::Timeout(deadline - GRACE)
            } else {
                Problem::Read {
                    received,
                    error: msg,
                }
            }
        }
    }
}

/// The host without its port.
fn host_only(hostport: &str) -> String {
    if hostport.starts_with('[') {
        return hostport.split(']').next().unwrap_or("").to_string() + "]";
    }
    hostport
        .rsplit_once(':')
        .map_or(hostport, |(h, _)| h)
        .to_string()
}

fn gops_worker(
    g: GopsSource,
    deadline: Duration,
    max: u64,
) -> impl FnOnce(&SyncSender<Msg>) + Send + 'static {
    move |tx| {
        let cmd = crate::gops::Command::for_profile(g.profile);
        match crate::gops::connect(&g.target, cmd, deadline) {
            Ok(mut conn) => {
                // The agent answers after profiling: the answer's first
                // bytes are its "head", so the countdown runs until then.
                let mut first = vec![0u8; 64 << 10];
                let n = loop {
                    match conn.read(&mut first) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.send(Msg::Fail(crate::gops::read_problem(
                                e,
                                0,
                                deadline - GRACE,
                            )));
                            return;
                        }
                    }
                };
                first.truncate(n);
                if tx
                    .send(Msg::Head {
                        status: None,
                        length: None,
                    })
                    .is_err()
                {
                    return;
                }
                if n == 0 {
                    let _ = tx.send(Msg::End);
                    return;
                }
                if tx.send(Msg::Chunk(first)).is_err() {
                    return;
                }
                pump(conn, tx, (max, n as u64), None, |e, received| {
                    crate::gops::read_problem(e, received, deadline - GRACE)
                });
            }
            Err(p) => {
                let _ = tx.send(Msg::Fail(p));
            }
        }
    }
}
