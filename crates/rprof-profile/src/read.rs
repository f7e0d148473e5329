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

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_decompressed: 4 << 30,
            max_ratio: 64,
            ratio_floor: 64 << 20,
            prefetch_min: 4 << 20,
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
    if data.starts_with(&[0x1f, 0x8b]) {
        let limit = opts.inflate_limit(data.len() as u64);
        let (inflated, prefetch) =
            if rayon::current_num_threads() > 1 && data.len() >= opts.prefetch_min {
                gunzip_prefetching(data, limit)?
            } else {
                (gunzip(data, limit)?, None)
            };
        if inflated.is_empty() {
            return Err(ParseError::Empty);
        }
        return parse_plain(&inflated, prefetch);
    }
    parse_plain(data, None)
}

/// The size to expect of `data` inflated: the gzip trailer's ISIZE (the
/// inflated size mod 2^32 of the last member), a good guess that saves
/// growing and copying the buffer, believed only up to a ratio real
/// profiles do not exceed (the file controls ISIZE: fuzzing found a forged
/// 4 GiB one).
fn inflated_size_guess(data: &[u8], limit: u64) -> usize {
    let isize_hint = data
        .len()
        .checked_sub(4)
        .map(|i| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as usize)
        .unwrap_or(0);
    let plausible = data.len().saturating_mul(64);
    let guess = isize_hint.min(plausible).max(data.len().saturating_mul(4));
    guess.min(limit as usize).saturating_add(1)
}

/// Chunks the inflating thread hands over.
const CHUNK: usize = 1 << 20;

/// [`gunzip`] on a second thread, while this one reads the profile's
/// samples as they arrive (see
/// [`crate::proto::SamplePrefetch`]): for a big profile, decoding its
/// samples then costs almost nothing on top of inflating it.
fn gunzip_prefetching(
    data: &[u8],
    limit: u64,
) -> Result<(Vec<u8>, Option<crate::proto::SamplePrefetch>), ParseError> {
    use std::sync::mpsc;
    // Unbounded: the inflater never waits for the reader of samples, so
    // that it is done as early as it can be (see below).
    let (full_tx, full_rx) = mpsc::channel::<Vec<u8>>();
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let inflater = s.spawn(move || -> Result<(), ParseError> {
            let decoder = flate2::read::MultiGzDecoder::new(data);
            // One byte past the limit tells "exactly at" from "over".
            let mut limited = decoder.take(limit.saturating_add(1));
            loop {
                let mut chunk = empty_rx.try_recv().unwrap_or_default();
                chunk.clear();
                chunk.reserve(CHUNK);
                let n = (&mut limited)
                    .take(CHUNK as u64)
                    .read_to_end(&mut chunk)
                    .map_err(|e| gunzip_error(data, e))?;
                if n == 0 || full_tx.send(chunk).is_err() {
                    return Ok(());
                }
            }
        });
        let mut out = Vec::with_capacity(inflated_size_guess(data, limit));
        let mut prefetch = crate::proto::SamplePrefetch::default();
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
                    starved = !prefetch.feed(&out, CHUNK);
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

fn gunzip_error(data: &[u8], e: std::io::Error) -> ParseError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        ParseError::TruncatedGzip(data.len() as u64)
    } else {
        ParseError::Gzip(e.to_string())
    }
}

fn gunzip(data: &[u8], limit: u64) -> Result<Vec<u8>, ParseError> {
    let mut out = Vec::with_capacity(inflated_size_guess(data, limit));
    let decoder = flate2::read::MultiGzDecoder::new(data);
    // Read one byte past the limit to tell "exactly at" from "over".
    // Saturating: an unlimited --max-inflate is u64::MAX (found by fuzzing).
    let mut limited = decoder.take(limit.saturating_add(1));
    match limited.read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > limit => Err(ParseError::TooLarge { limit }),
        Ok(_) => Ok(out),
        Err(e) => Err(gunzip_error(data, e)),
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
