//! What a body is, and whether it is what was asked for: a body is
//! validated in full before anything is saved or handed on.

use crate::error::Problem;
use crate::source::{GopsProfile, Source};
use rprof_profile::{ParseError, Profile, ReadOptions};

/// What a fetched body holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A pprof profile (protobuf, gzipped or not, or one of Go's `debug=1`
    /// text forms).
    Profile,
    /// A Go execution trace (`/debug/pprof/trace`, gops `trace`).
    Trace,
    /// A goroutine dump (`goroutine?debug=2`, gops `stack`).
    GoroutineDump,
    /// `/debug/vars` (expvar) JSON.
    Vars,
    /// Other text (`/debug/pprof/cmdline`, `/debug/pprof/symbol`).
    Text,
}

impl Kind {
    /// "profile", "trace" ... for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Profile => "profile",
            Kind::Trace => "trace",
            Kind::GoroutineDump => "goroutine dump",
            Kind::Vars => "JSON document",
            Kind::Text => "text",
        }
    }
}

/// A check of a whole execution trace, plugged in by the caller (the
/// trace parser lives in another crate): `Err` says why it is not one.
pub type TraceCheck = fn(&[u8]) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// What the source's address says its body will be, if it says.
pub fn expected_kind(source: &Source) -> Option<Kind> {
    match source {
        Source::File(_) | Source::Stdin => None,
        Source::Gops(g) => Some(match g.profile {
            GopsProfile::Heap | GopsProfile::Cpu => Kind::Profile,
            GopsProfile::Trace => Kind::Trace,
            GopsProfile::Stack => Kind::GoroutineDump,
        }),
        Source::Http(h) => {
            let debug = h.query("debug").and_then(|d| d.parse::<i32>().ok());
            match h.endpoint() {
                "trace" => Some(Kind::Trace),
                "vars" => Some(Kind::Vars),
                "cmdline" | "symbol" => Some(Kind::Text),
                "goroutine" if debug.is_some_and(|d| d >= 2) => Some(Kind::GoroutineDump),
                "profile" | "heap" | "allocs" | "goroutine" | "block" | "mutex"
                | "threadcreate" => Some(Kind::Profile),
                _ => None,
            }
        }
    }
}

/// Validates `data` as `expected` (or whatever it is, when `None`).
/// `status` is the HTTP status line for network sources, to say "the
/// server answered 200 OK with an HTML page" rather than blame a file.
/// Returns the kind and, for a profile, the parsed profile.
pub(crate) fn validate(
    data: &[u8],
    expected: Option<Kind>,
    status: Option<&str>,
    read: &ReadOptions,
    check_trace: Option<TraceCheck>,
) -> Result<(Kind, Option<Profile>), Problem> {
    if data.is_empty() {
        return Err(Problem::Empty);
    }
    let wanted = expected.unwrap_or(Kind::Profile).noun();
    if looks_html(data) {
        return Err(match status {
            Some(s) => Problem::Html {
                status: s.to_string(),
                wanted,
            },
            None => Problem::Profile(ParseError::Html),
        });
    }
    let kind = match expected {
        Some(k) => k,
        None if is_trace(data) => Kind::Trace,
        None if looks_json(data) => Kind::Vars,
        None => Kind::Profile,
    };
    match kind {
        Kind::Trace => {
            if !is_trace(data) {
                if looks_json(data)
                    && let Some(s) = status
                {
                    return Err(Problem::Json {
                        status: s.to_string(),
                        wanted,
                    });
                }
                return Err(Problem::Trace(
                    "it does not start with Go's \"go 1.N trace\" header".to_string(),
                ));
            }
            if let Some(check) = check_trace {
                check(data).map_err(|e| Problem::Trace(e.to_string()))?;
            }
            Ok((Kind::Trace, None))
        }
        Kind::Vars => match serde_json::from_slice::<serde_json::Value>(data) {
            Ok(serde_json::Value::Object(_)) => Ok((Kind::Vars, None)),
            Ok(_) => Err(Problem::Vars("a JSON value, but not an object".to_string())),
            Err(e) => Err(Problem::Vars(e.to_string())),
        },
        Kind::Text => Ok((Kind::Text, None)),
        Kind::GoroutineDump => {
            if data.starts_with(b"goroutine ") {
                Ok((Kind::GoroutineDump, None))
            } else {
                Err(Problem::Profile(ParseError::Text {
                    format: "goroutine dump",
                    line: 1,
                    what: "does not start with \"goroutine \"".to_string(),
                }))
            }
        }
        Kind::Profile => match rprof_profile::parse_with(data, read) {
            Ok(p) => Ok((Kind::Profile, Some(p))),
            Err(ParseError::GoroutineDump) if expected.is_none() => Ok((Kind::GoroutineDump, None)),
            Err(ParseError::Json) if status.is_some() => Err(Problem::Json {
                status: status.unwrap_or_default().to_string(),
                wanted,
            }),
            Err(e) => Err(Problem::Profile(e)),
        },
    }
}

/// Go's execution trace header: `go 1.N trace\0\0\0...` (16 bytes).
pub(crate) fn is_trace(data: &[u8]) -> bool {
    let head = &data[..data.len().min(16)];
    data.starts_with(b"go 1.") && head.windows(7).any(|w| w == b" trace\0")
}

fn trimmed_head(data: &[u8]) -> &[u8] {
    let head = &data[..data.len().min(512)];
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    head.trim_ascii_start()
}

/// The start of a web page (the same rule as the profile reader's).
fn looks_html(data: &[u8]) -> bool {
    let lower: Vec<u8> = trimmed_head(data)
        .iter()
        .take(64)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    [&b"<!doctype html"[..], b"<html", b"<head", b"<body"]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn looks_json(data: &[u8]) -> bool {
    let t = trimmed_head(data);
    t.starts_with(b"{") || t.starts_with(b"[")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ro() -> ReadOptions {
        ReadOptions::default()
    }

    #[test]
    fn pages_are_named() {
        let html = b"<!DOCTYPE html><html><body>login</body></html>";
        let e = validate(html, Some(Kind::Profile), Some("200 OK"), &ro(), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the server answered 200 OK with an HTML page, not a profile"
        );
        let e = validate(b"{\"a\":1}", Some(Kind::Trace), Some("200 OK"), &ro(), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the server answered 200 OK with JSON, not a trace"
        );
        let e = validate(
            b"{\"a\":1}",
            Some(Kind::Profile),
            Some("200 OK"),
            &ro(),
            None,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the server answered 200 OK with JSON, not a profile"
        );
        assert_eq!(
            validate(b"{\"a\":1}", None, None, &ro(), None).unwrap().0,
            Kind::Vars
        );
        assert!(validate(b"[1]", Some(Kind::Vars), None, &ro(), None).is_err());
    }

    #[test]
    fn traces_by_header() {
        let t = b"go 1.23 trace\0\0\0rest";
        assert_eq!(validate(t, None, None, &ro(), None).unwrap().0, Kind::Trace);
        assert!(validate(b"go 1.23 nope", Some(Kind::Trace), None, &ro(), None).is_err());
        fn refuse(_: &[u8]) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            Err("truncated batch".into())
        }
        let e = validate(t, None, None, &ro(), Some(refuse)).unwrap_err();
        assert_eq!(e.to_string(), "not a Go execution trace: truncated batch");
    }

    #[test]
    fn goroutine_dumps() {
        let d = b"goroutine 1 [running]:\nmain.main()\n";
        assert_eq!(
            validate(d, None, None, &ro(), None).unwrap().0,
            Kind::GoroutineDump
        );
        assert!(validate(d, Some(Kind::Profile), None, &ro(), None).is_err());
        assert!(validate(b"", None, None, &ro(), None).is_err());
    }
}
