//! Format detection: gzip or not, protobuf or one of Go's text forms, or
//! something that is no profile at all (an HTML error page, JSON, an
//! execution trace), each named in the error.

use crate::error::ParseError;
use crate::executable::{executable_kind, is_go_program};
use crate::model::Profile;
use std::io::Read;

/// How to read profile files.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Refuse a gzip stream that inflates to more than this many bytes,
    /// whatever its ratio. A few kilobytes of gzip can expand to gigabytes
    /// (a "gzip bomb"); real profiles are rarely above a few hundred
    /// megabytes uncompressed.
    pub max_decompressed: u64,
    /// Refuse a gzip stream that inflates to more than this many times its
    /// compressed size, once past [`ReadOptions::ratio_floor`]. pprof
    /// protobufs compress 3–10x and Go's text profiles rarely beyond 20x,
    /// while a stream of zeros reaches 1000x: this catches a bomb long
    /// before it fills memory (2 GiB of zeros stop at 128 MiB).
    pub max_ratio: u64,
    /// Below this many inflated bytes the ratio is not checked, so small
    /// but very repetitive profiles are always read.
    pub ratio_floor: u64,
    /// Gzipped inputs from this many bytes on are inflated on a thread of
    /// their own while this one reads their samples (when the current
    /// rayon pool has more than one thread). Below it the thread is not
    /// worth it, and many small files (a fleet merge) are read in
    /// parallel anyway: there the extra threads only compete (100 files
    /// of 1.5 MB merged about 5% slower).
    pub prefetch_min: usize,
    /// pprof's `-symbolize`: how function names are demangled once read
    /// (pprof's symbolizer runs on every profile it loads; see
    /// [`crate::demangle`]).
    pub symbolize: crate::demangle::Symbolize,
}

impl ReadOptions {
    /// The default [`ReadOptions::prefetch_min`].
    pub const DEFAULT_PREFETCH_MIN: usize = 4 << 20;
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_decompressed: 4 << 30,
            max_ratio: 64,
            ratio_floor: 64 << 20,
            prefetch_min: Self::DEFAULT_PREFETCH_MIN,
            symbolize: crate::demangle::Symbolize::default(),
        }
    }
}

impl ReadOptions {
    /// The most a `compressed`-byte gzip stream may inflate to.
    pub fn inflate_limit(&self, compressed: u64) -> u64 {
        self.max_decompressed.min(
            compressed
                .saturating_mul(self.max_ratio)
                .max(self.ratio_floor),
        )
    }
}

/// Reads a profile from the bytes of a file, with default options.
pub fn parse(data: &[u8]) -> Result<Profile, ParseError> {
    parse_with(data, &ReadOptions::default())
}

/// Reads a profile from the bytes of a file: gzip is detected and
/// inflated (several members are concatenated), then the result is read
/// as a pprof protobuf or as one of Go's `debug=1` text profiles.
pub fn parse_with(data: &[u8], opts: &ReadOptions) -> Result<Profile, ParseError> {
    let mut p = parse_undemangled(data, opts)?;
    // Per input rather than after merging, as pprof does: the names come
    // out the same (a function's new name depends only on its own name
    // and system name), and so every path that reads a profile sees them.
    crate::demangle::demangle(&mut p, opts.symbolize);
    Ok(p)
}

fn parse_undemangled(data: &[u8], opts: &ReadOptions) -> Result<Profile, ParseError> {
    if data.is_empty() {
        return Err(ParseError::Empty);
    }
    if data.starts_with(&GZIP_MAGIC) {
        let trailer = data
            .len()
            .checked_sub(4)
            .map_or([0; 4], |i| [data[i], data[i + 1], data[i + 2], data[i + 3]]);
        let gz = GzipStream {
            reader: data,
            len: data.len() as u64,
            isize_hint: u32::from_le_bytes(trailer),
        };
        return parse_gzip(gz, opts);
    }
    parse_plain(data, None)
}

/// The first two bytes of every gzip member.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A gzipped input that is inflated as it is read rather than read whole
/// first: for a big file on disk, reading it first was a serial step of
/// its own (7 ms for 10 MB, most of it faulting in the buffer) before
/// inflating could start; read in the inflater's own buffer it overlaps
/// inflating and needs no memory of its size.
pub struct GzipStream<R> {
    /// The compressed bytes, from the first.
    pub reader: R,
    /// The compressed size (the inflating ratio limit and messages use
    /// it; the stream may turn out shorter or longer).
    pub len: u64,
    /// The last four bytes of the input: the last member's ISIZE, its
    /// inflated size mod 2^32, a hint for the size of the buffer.
    pub isize_hint: u32,
}

impl<R> std::fmt::Debug for GzipStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GzipStream")
            .field("len", &self.len)
            .field("isize_hint", &self.isize_hint)
            .finish_non_exhaustive()
    }
}

/// Reads a gzipped profile from a stream (see [`GzipStream`]), as
/// [`parse_with`] reads it from its bytes: same limits, same result and
/// errors, and an I/O error of the reader as [`ParseError::Read`].
pub fn parse_gzip_stream<R: std::io::BufRead + Send>(
    gz: GzipStream<R>,
    opts: &ReadOptions,
) -> Result<Profile, ParseError> {
    let mut p = parse_gzip(gz, opts)?;
    crate::demangle::demangle(&mut p, opts.symbolize);
    Ok(p)
}

fn parse_gzip<R: std::io::BufRead + Send>(
    gz: GzipStream<R>,
    opts: &ReadOptions,
) -> Result<Profile, ParseError> {
    let limit = opts.inflate_limit(gz.len);
    let guess = inflated_size_guess(gz.len, gz.isize_hint, limit);
    let len = gz.len;
    let reader = IoTracked {
        inner: gz.reader,
        failed: false,
    };
    let (inflated, prefetch) =
        if rayon::current_num_threads() > 1 && len >= opts.prefetch_min as u64 {
            gunzip_prefetching(reader, len, guess, limit)?
        } else {
            (gunzip(reader, len, guess, limit)?, None)
        };
    if inflated.is_empty() {
        return Err(ParseError::Empty);
    }
    parse_plain(&inflated, prefetch)
}

/// A reader that remembers failing, so that a failing disk is not
/// reported as corrupt gzip data (the inflater passes both on alike).
struct IoTracked<R> {
    inner: R,
    /// It returned an error other than `Interrupted` (which readers
    /// retry).
    failed: bool,
}

/// Whether `e` is a failure of the reader (`Interrupted` is retried).
fn is_failure(e: &std::io::Error) -> bool {
    e.kind() != std::io::ErrorKind::Interrupted
}

impl<R: std::io::BufRead> std::io::Read for IoTracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let r = self.inner.read(buf);
        if let Err(e) = &r {
            self.failed |= is_failure(e);
        }
        r
    }
}

impl<R: std::io::BufRead> std::io::BufRead for IoTracked<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        match self.inner.fill_buf() {
            Ok(b) => Ok(b),
            Err(e) => {
                self.failed |= is_failure(&e);
                Err(e)
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
    }
}

/// The size to expect of a gzip input of `compressed` bytes inflated:
/// its trailer's ISIZE (the inflated size mod 2^32 of the last member,
/// `isize_hint`), a good guess that saves
/// growing and copying the buffer, believed only up to a ratio real
/// profiles do not exceed (the file controls ISIZE: fuzzing found a forged
/// 4 GiB one).
fn inflated_size_guess(compressed: u64, isize_hint: u32, limit: u64) -> usize {
    let compressed = usize::try_from(compressed).unwrap_or(usize::MAX);
    let plausible = compressed.saturating_mul(64);
    let guess = (isize_hint as usize)
        .min(plausible)
        .max(compressed.saturating_mul(4));
    guess
        .min(usize::try_from(limit).unwrap_or(usize::MAX))
        .saturating_add(1)
}

/// Chunks the inflating thread hands over.
const CHUNK: usize = 256 << 10;

/// Bytes of samples read ahead between looks for new chunks: the fields
/// that arrived meanwhile are taken in first, so that few are left for
/// the first pass when inflating ends (reading a whole chunk's worth of
/// samples in between left it the tables that tools other than Go write
/// at the end).
const SAMPLES_PER_FEED: usize = 128 << 10;

/// [`gunzip`] on a second thread, while this one takes in the profile's
/// fields and reads its samples as they arrive (see
/// [`crate::proto::SamplePrefetch`]): for a big profile, decoding it then
/// costs little on top of inflating it.
fn gunzip_prefetching<R: std::io::BufRead + Send>(
    reader: IoTracked<R>,
    compressed: u64,
    guess: usize,
    limit: u64,
) -> Result<(Vec<u8>, Option<crate::proto::SamplePrefetch>), ParseError> {
    use std::sync::mpsc;
    // Unbounded: the inflater never waits for the reader of samples, so
    // that it is done as early as it can be (see below).
    let (full_tx, full_rx) = mpsc::channel::<Vec<u8>>();
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let inflater = s.spawn(move || -> Result<(), ParseError> {
            let decoder = flate2::bufread::MultiGzDecoder::new(reader);
            // One byte past the limit tells "exactly at" from "over".
            let mut limited = decoder.take(limit.saturating_add(1));
            loop {
                let mut chunk = empty_rx.try_recv().unwrap_or_default();
                chunk.clear();
                chunk.reserve(CHUNK);
                let n = match (&mut limited).take(CHUNK as u64).read_to_end(&mut chunk) {
                    Ok(n) => n,
                    Err(e) => return Err(gunzip_error(compressed, &limited, e)),
                };
                if n == 0 || full_tx.send(chunk).is_err() {
                    return Ok(());
                }
            }
        });
        let mut out = Vec::with_capacity(guess);
        let mut prefetch = crate::proto::SamplePrefetch::with_size_hint(guess);
        // Whether the prefetch waits for bytes not inflated yet.
        let mut starved = false;
        // Read samples while the inflater works; once it is done, stop:
        // the samples left are decoded by every thread after the first
        // pass (as many as there are), not by this one alone.
        loop {
            let chunk = match full_rx.try_recv() {
                Ok(chunk) => chunk,
                Err(mpsc::TryRecvError::Disconnected) => break,
                Err(mpsc::TryRecvError::Empty) if !starved && prefetch.wants(&out) => {
                    starved = !prefetch.feed(&out, SAMPLES_PER_FEED);
                    continue;
                }
                Err(mpsc::TryRecvError::Empty) => match full_rx.recv() {
                    Ok(chunk) => chunk,
                    Err(_) => break,
                },
            };
            out.extend_from_slice(&chunk);
            starved = false;
            let _ = empty_tx.send(chunk);
            if out.len() as u64 > limit {
                // Dropping the receiver stops the inflater.
                break;
            }
        }
        drop(full_rx);
        let inflated = match inflater.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if out.len() as u64 > limit {
            return Err(ParseError::TooLarge { limit });
        }
        inflated?;
        Ok((out, Some(prefetch)))
    })
}

/// The error of an inflater over `compressed` bytes that failed with `e`:
/// the reader's own I/O error if it had one, else what the inflater
/// found wrong.
fn gunzip_error<R>(
    compressed: u64,
    limited: &std::io::Take<flate2::bufread::MultiGzDecoder<IoTracked<R>>>,
    e: std::io::Error,
) -> ParseError {
    if limited.get_ref().get_ref().failed {
        ParseError::Read(e.to_string())
    } else if e.kind() == std::io::ErrorKind::UnexpectedEof {
        ParseError::TruncatedGzip(compressed)
    } else {
        ParseError::Gzip(e.to_string())
    }
}

fn gunzip<R: std::io::BufRead>(
    reader: IoTracked<R>,
    compressed: u64,
    guess: usize,
    limit: u64,
) -> Result<Vec<u8>, ParseError> {
    let mut out = Vec::with_capacity(guess);
    let decoder = flate2::bufread::MultiGzDecoder::new(reader);
    // Read one byte past the limit to tell "exactly at" from "over".
    // Saturating: an unlimited --max-inflate is u64::MAX (found by fuzzing).
    let mut limited = decoder.take(limit.saturating_add(1));
    match limited.read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > limit => Err(ParseError::TooLarge { limit }),
        Ok(_) => Ok(out),
        Err(e) => Err(gunzip_error(compressed, &limited, e)),
    }
}

fn parse_plain(
    data: &[u8],
    prefetch: Option<crate::proto::SamplePrefetch>,
) -> Result<Profile, ParseError> {
    if let Some(e) = sniff_non_profile(data) {
        return Err(e);
    }
    match crate::proto::decode_with(data, prefetch) {
        Ok(p) => Ok(p),
        // Decoded, but breaks a rule of the format: that is the answer.
        Err(
            e @ (ParseError::Invalid(_)
            | ParseError::Concatenated(_)
            | ParseError::BadString { .. }
            | ParseError::BadStringZero),
        ) => Err(e),
        Err(wire) => match crate::legacy::parse(data) {
            Some(result) => result,
            None => Err(ParseError::Unrecognized(Box::new(wire))),
        },
    }
}

/// Recognizes the files people feed a profiler by mistake.
fn sniff_non_profile(data: &[u8]) -> Option<ParseError> {
    if let Some(kind) = executable_kind(data) {
        return Some(ParseError::Executable {
            kind,
            go: is_go_program(data),
        });
    }
    let head = &data[..data.len().min(512)];
    // A UTF-8 byte order mark often leads a saved web page.
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let trimmed = head.trim_ascii_start();
    let lower: Vec<u8> = trimmed
        .iter()
        .take(64)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    if lower.starts_with(b"<!doctype html")
        || lower.starts_with(b"<html")
        || lower.starts_with(b"<head")
        || lower.starts_with(b"<body")
    {
        return Some(ParseError::Html);
    }
    // '{' and '[' cannot start a profile: as protobuf keys they would be
    // fields 15 and 11 with the (unused) group wire type.
    if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        return Some(ParseError::Json);
    }
    if data.starts_with(b"go 1.") && head.windows(6).any(|w| w == b" trace") {
        return Some(ParseError::ExecutionTrace);
    }
    if data.starts_with(b"goroutine ") && head.windows(2).any(|w| w == b" [") {
        return Some(ParseError::GoroutineDump);
    }
    None
}
