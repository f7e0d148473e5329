//! Format detection: gzip or not, protobuf or one of Go's text forms, or
//! something that is no profile at all (an HTML error page, JSON, an
//! execution trace), each named in the error.

use crate::error::ParseError;
use crate::model::Profile;
use std::io::Read;

/// How to read profile files.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Refuse a gzip stream that inflates to more than this many bytes. A
    /// few kilobytes of gzip can expand to gigabytes (a "gzip bomb"); real
    /// profiles are rarely above a few hundred megabytes uncompressed.
    pub max_decompressed: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_decompressed: 4 << 30,
        }
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
    if data.is_empty() {
        return Err(ParseError::Empty);
    }
    if data.starts_with(&[0x1f, 0x8b]) {
        let inflated = gunzip(data, opts.max_decompressed)?;
        if inflated.is_empty() {
            return Err(ParseError::Empty);
        }
        return parse_plain(&inflated);
    }
    parse_plain(data)
}

fn gunzip(data: &[u8], limit: u64) -> Result<Vec<u8>, ParseError> {
    let mut out = Vec::with_capacity((data.len() * 4).min(limit as usize));
    let decoder = flate2::read::MultiGzDecoder::new(data);
    // Read one byte past the limit to tell "exactly at" from "over".
    let mut limited = decoder.take(limit + 1);
    match limited.read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > limit => Err(ParseError::TooLarge { limit }),
        Ok(_) => Ok(out),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(ParseError::TruncatedGzip(data.len() as u64))
        }
        Err(e) => Err(ParseError::Gzip(e.to_string())),
    }
}

fn parse_plain(data: &[u8]) -> Result<Profile, ParseError> {
    if let Some(e) = sniff_non_profile(data) {
        return Err(e);
    }
    match crate::proto::decode(data) {
        Ok(p) => Ok(p),
        // Decoded, but breaks a rule of the format: that is the answer.
        Err(e @ (ParseError::Invalid(_) | ParseError::Concatenated(_) | ParseError::BadString { .. } | ParseError::BadStringZero)) => {
            Err(e)
        }
        Err(wire) => match crate::legacy::parse(data) {
            Some(result) => result,
            None => Err(ParseError::Unrecognized(Box::new(wire))),
        },
    }
}

/// Recognizes the files people feed a profiler by mistake.
fn sniff_non_profile(data: &[u8]) -> Option<ParseError> {
    let head = &data[..data.len().min(512)];
    let trimmed = head.trim_ascii_start();
    let lower: Vec<u8> = trimmed.iter().take(64).map(|b| b.to_ascii_lowercase()).collect();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") || lower.starts_with(b"<head") || lower.starts_with(b"<body") {
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
