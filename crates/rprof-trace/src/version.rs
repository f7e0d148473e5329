//! Trace versions and the 16-byte header (`internal/trace/version`).

use crate::error::Error;

/// A trace format version, named after the Go release that introduced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `go 1.11 trace` (Go 1.11–1.18), old format.
    Go111,
    /// `go 1.19 trace` (Go 1.19–1.20), old format.
    Go119,
    /// `go 1.21 trace` (Go 1.21), old format.
    Go121,
    /// `go 1.22 trace`, the first of the new format.
    Go122,
    /// `go 1.23 trace` (Go 1.23–1.24): coroutines, GoStatusStack, experiments.
    Go123,
    /// `go 1.25 trace`: sync batches with clock snapshots.
    Go125,
    /// `go 1.26 trace` (Go 1.26 and 1.27): in-band end of generation.
    Go126,
}

impl Version {
    /// The minor version number in the header (`go 1.N trace`).
    pub fn minor(self) -> u32 {
        match self {
            Version::Go111 => 11,
            Version::Go119 => 19,
            Version::Go121 => 21,
            Version::Go122 => 22,
            Version::Go123 => 23,
            Version::Go125 => 25,
            Version::Go126 => 26,
        }
    }

    /// The version with header minor number `n`, if Go 1.27 can read it.
    pub fn from_minor(n: u32) -> Option<Version> {
        Some(match n {
            11 => Version::Go111,
            19 => Version::Go119,
            21 => Version::Go121,
            22 => Version::Go122,
            23 => Version::Go123,
            25 => Version::Go125,
            26 => Version::Go126,
            _ => return None,
        })
    }

    /// Whether this is the old (Go 1.11–1.21) format.
    pub fn is_old_format(self) -> bool {
        self <= Version::Go121
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "go 1.{}", self.minor())
    }
}

/// The longest header this parser looks at; real headers are 16 bytes.
pub(crate) const MAX_HEADER_PEEK: usize = 64;

/// Parses the header at the start of `buf` the way Go's
/// `fmt.Fscanf(r, "go 1.%d trace\x00\x00\x00", &v)` does, returning the
/// version and the number of bytes the header took.
///
/// `buf` should hold the first 64 bytes of the file (or
/// all of it if shorter).
pub fn parse_header(buf: &[u8]) -> Result<(Version, usize), Error> {
    let (n, used) = scan_header(buf).ok_or(Error::NotATrace)?;
    match Version::from_minor(n) {
        Some(v) => Ok((v, used)),
        None => Err(Error::UnsupportedVersion { minor: n }),
    }
}

fn scan_header(buf: &[u8]) -> Option<(u32, usize)> {
    let prefix = b"go 1.";
    if !buf.starts_with(prefix) {
        return None;
    }
    let mut i = prefix.len();
    // Fscanf's %d skips leading spaces and accepts a sign.
    while buf.get(i) == Some(&b' ') {
        i += 1;
    }
    if buf.get(i) == Some(&b'+') {
        i += 1;
    }
    let start = i;
    let mut n: u32 = 0;
    while let Some(&c) = buf.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(c - b'0'))?;
        i += 1;
    }
    if i == start {
        return None;
    }
    let suffix = b" trace\x00\x00\x00";
    if buf.get(i..i + suffix.len())? != suffix {
        return None;
    }
    Some((n, i + suffix.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            parse_header(b"go 1.26 trace\0\0\0").unwrap(),
            (Version::Go126, 16)
        );
        assert_eq!(
            parse_header(b"go 1.11 trace\0\0\0").unwrap(),
            (Version::Go111, 16)
        );
        assert!(matches!(
            parse_header(b"go 1.5 trace\0\0\0\0"),
            Err(Error::UnsupportedVersion { minor: 5 })
        ));
        assert!(matches!(
            parse_header(b"go 1.30 trace\0\0\0"),
            Err(Error::UnsupportedVersion { minor: 30 })
        ));
        assert!(matches!(parse_header(b"<html>"), Err(Error::NotATrace)));
        assert!(matches!(
            parse_header(b"go 1.22 trace\0\0"),
            Err(Error::NotATrace)
        ));
    }
}
