//! What a command-line argument names: a file, stdin, a URL or a gops
//! agent, classified as `go tool pprof` does (its `adjustURL` in
//! `cmd/pprof/pprof.go` and `internal/driver/fetch.go`).

use crate::error::SourceError;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Go's `net/http/pprof` CPU profile handler, fetched when a URL has no
/// path (pprof's `cpuProfileHandler`).
pub const CPU_PROFILE_PATH: &str = "/debug/pprof/profile";

/// One place a profile or trace comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// An existing path (file or directory), read as it is.
    File(PathBuf),
    /// `-`: standard input.
    Stdin,
    /// An `http://`, `https://` or `https+insecure://` URL.
    Http(HttpSource),
    /// `gops://TARGET/heap|cpu|trace|stack`: a gops agent.
    Gops(GopsSource),
}

/// A URL source, split as Go's `net/url` splits it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpSource {
    /// `http` or `https` (lower case).
    scheme: &'static str,
    /// `https+insecure://`: TLS without certificate verification.
    insecure: bool,
    /// `user:pass` before `@`, as written (never shown).
    userinfo: Option<String>,
    /// `host:port` (or `[v6]:port`), as written.
    host: String,
    /// The path as written, `/debug/pprof/profile` when empty or `/`.
    path: String,
    /// The decoded query, in order (re-encoded sorted by key, as Go's
    /// `url.Values.Encode` does).
    query: Vec<(String, String)>,
    /// No scheme was written: `http://` was added (`host:port/path`).
    scheme_added: bool,
}

/// What a gops agent is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GopsProfile {
    /// The heap profile (`pprof.WriteHeapProfile`).
    Heap,
    /// A 30-second CPU profile (the agent's fixed duration).
    Cpu,
    /// A 5-second execution trace (the agent's fixed duration).
    Trace,
    /// All goroutines' stacks (`goroutine` at debug=2), as text.
    Stack,
}

impl GopsProfile {
    /// The name in a `gops://` URL.
    pub fn name(self) -> &'static str {
        match self {
            GopsProfile::Heap => "heap",
            GopsProfile::Cpu => "cpu",
            GopsProfile::Trace => "trace",
            GopsProfile::Stack => "stack",
        }
    }

    /// How long the agent works before it answers.
    pub fn duration(self) -> Option<Duration> {
        match self {
            GopsProfile::Cpu => Some(Duration::from_secs(30)),
            GopsProfile::Trace => Some(Duration::from_secs(5)),
            _ => None,
        }
    }
}

/// Where a gops agent listens.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GopsTarget {
    /// A process id; the port is read from gops's config directory when
    /// the agent is contacted (see [`crate::gops::resolve`]).
    Pid(u32),
    /// `host:port`.
    Addr(String),
}

impl GopsTarget {
    /// A PID (all digits) or `host:port`; anything else is refused.
    pub fn parse(s: &str) -> Result<GopsTarget, SourceError> {
        let s = s.trim();
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s
                .parse()
                .map(GopsTarget::Pid)
                .map_err(|_| SourceError::GopsTarget(s.to_string()));
        }
        match s.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Ok(GopsTarget::Addr(s.to_string()))
            }
            _ => Err(SourceError::GopsTarget(s.to_string())),
        }
    }
}

impl fmt::Display for GopsTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GopsTarget::Pid(p) => write!(f, "{p}"),
            GopsTarget::Addr(a) => f.write_str(a),
        }
    }
}

/// A `gops://TARGET/PROFILE` source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GopsSource {
    /// The agent.
    pub target: GopsTarget,
    /// What to ask it for.
    pub profile: GopsProfile,
}

impl Source {
    /// Classifies a command-line argument as pprof does: `-` is stdin; an
    /// existing path is a file; `gops://TARGET/KIND` is a gops agent;
    /// anything Go's `url.Parse` reads as having a host (after adding
    /// `http://` when there is no scheme, so `localhost:6060/debug/pprof/heap`
    /// works) is a URL, whose empty path or `/` means
    /// `/debug/pprof/profile`; anything else is a file (that the reader
    /// will report missing).
    pub fn parse(arg: &str) -> Result<Source, SourceError> {
        if arg == "-" {
            return Ok(Source::Stdin);
        }
        if std::fs::metadata(arg).is_ok() {
            return Ok(Source::File(PathBuf::from(arg)));
        }
        let Some(parts) = url_parts(arg) else {
            return Ok(Source::File(PathBuf::from(arg)));
        };
        match parts.scheme.as_str() {
            "gops" => {
                let path = parts.path.trim_start_matches('/');
                let profile = match path {
                    "heap" => GopsProfile::Heap,
                    "cpu" | "profile" => GopsProfile::Cpu,
                    "trace" => GopsProfile::Trace,
                    "stack" | "goroutine" => GopsProfile::Stack,
                    _ => return Err(SourceError::GopsProfile(path.to_string())),
                };
                if parts.userinfo.is_some() {
                    return Err(SourceError::GopsTarget(redact(arg)));
                }
                Ok(Source::Gops(GopsSource {
                    target: GopsTarget::parse(&parts.host)?,
                    profile,
                }))
            }
            "http" | "https" | "https+insecure" => {
                let (scheme, insecure) = match parts.scheme.as_str() {
                    "http" => ("http", false),
                    "https" => ("https", false),
                    _ => ("https", true),
                };
                let path = if parts.path.is_empty() || parts.path == "/" {
                    CPU_PROFILE_PATH.to_string()
                } else {
                    parts.path
                };
                Ok(Source::Http(HttpSource {
                    scheme,
                    insecure,
                    userinfo: parts.userinfo,
                    host: parts.host,
                    path,
                    query: form_urlencoded::parse(parts.query.as_bytes())
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect(),
                    scheme_added: parts.scheme_added,
                }))
            }
            other => Err(SourceError::Scheme {
                scheme: other.to_string(),
                arg: redact(arg),
            }),
        }
    }

    /// Whether this source is fetched over the network (and so gets a
    /// saved copy).
    pub fn is_remote(&self) -> bool {
        matches!(self, Source::Http(_) | Source::Gops(_))
    }

    /// The source as it may be shown: credentials replaced by `xxxxx`.
    pub fn display_name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "stdin".to_string(),
            Source::Http(h) => h.url(None, true),
            Source::Gops(g) => format!("gops://{}/{}", g.target, g.profile.name()),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_name())
    }
}

impl fmt::Debug for HttpSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the credentials, not even in a debug dump.
        write!(f, "HttpSource({})", self.url(None, true))
    }
}

impl HttpSource {
    /// `host:port` as written.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The path (with `/debug/pprof/profile` for an empty one).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The last path segment: `heap`, `profile`, `trace`, `vars`...
    pub fn endpoint(&self) -> &str {
        self.path.rsplit('/').find(|s| !s.is_empty()).unwrap_or("")
    }

    /// A query parameter's first value.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `https+insecure://`: the certificate is not verified.
    pub fn insecure(&self) -> bool {
        self.insecure
    }

    /// Whether `http://` was added to a source written without a scheme.
    pub fn scheme_added(&self) -> bool {
        self.scheme_added
    }

    /// Whether the host is this machine's loopback (never proxied, as in
    /// Go's `http.ProxyFromEnvironment`).
    pub fn is_loopback(&self) -> bool {
        let host = match self.host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => self.host.rsplit_once(':').map_or(&*self.host, |(h, _)| h),
        };
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// `seconds` as pprof settles it (`adjustURL`): the option's value
    /// replaces the URL's, else the URL's is used.
    pub fn seconds(&self, option: Option<u64>) -> Option<u64> {
        match option {
            Some(s) if s > 0 => Some(s),
            _ => self
                .query("seconds")
                .and_then(|s| s.parse::<i32>().ok())
                .filter(|&s| s > 0)
                .map(|s| s as u64),
        }
    }

    /// A copy with `seconds=N` set (as `--seconds N` does).
    pub fn with_seconds(&self, seconds: u64) -> HttpSource {
        let mut h = self.clone();
        h.query.retain(|(k, _)| k != "seconds");
        h.query.push(("seconds".to_string(), seconds.to_string()));
        h
    }

    /// A copy with another path and no query (for the collector's
    /// `/debug/pprof/heap`, `/debug/vars` ... beside a base URL).
    pub fn with_path(&self, path: &str, query: &[(&str, &str)]) -> HttpSource {
        let mut h = self.clone();
        h.path = path.to_string();
        h.query = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        h
    }

    /// The URL as shown: `seconds` set when given (pprof's `-seconds`),
    /// the query re-encoded sorted by key as Go does, the scheme as
    /// written (`https+insecure`), and the credentials replaced by
    /// `xxxxx` when `redacted`.
    pub fn url(&self, seconds: Option<u64>, redacted: bool) -> String {
        self.build(seconds, redacted, false)
    }

    /// The URL actually requested (`https` for `https+insecure`), with the
    /// credentials (ureq sends them as Basic authentication).
    pub(crate) fn request_url(&self, seconds: Option<u64>) -> String {
        self.build(seconds, false, true)
    }

    fn build(&self, seconds: Option<u64>, redacted: bool, for_request: bool) -> String {
        let mut query = self.query.clone();
        if let Some(s) = seconds.filter(|&s| s > 0) {
            query.retain(|(k, _)| k != "seconds");
            query.push(("seconds".to_string(), s.to_string()));
        }
        // Go's url.Values.Encode: sorted by key (stable, so repeated keys
        // keep their order).
        query.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::new();
        out.push_str(if self.insecure && !for_request {
            "https+insecure"
        } else {
            self.scheme
        });
        out.push_str("://");
        if let Some(u) = &self.userinfo {
            if redacted {
                out.push_str("xxxxx@");
            } else {
                out.push_str(u);
                out.push('@');
            }
        }
        out.push_str(&self.host);
        out.push_str(&self.path);
        if !query.is_empty() {
            out.push('?');
            let mut ser = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &query {
                ser.append_pair(k, v);
            }
            out.push_str(&ser.finish());
        }
        out
    }

    /// Removes the credentials from `text` (an error message from the HTTP
    /// library may quote the URL).
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.userinfo {
            Some(u) if !u.is_empty() => {
                text.replace(&format!("{u}@"), "xxxxx@").replace(u, "xxxxx")
            }
            _ => text.to_string(),
        }
    }
}

/// A URL's pieces, as Go's `url.Parse` finds them.
struct UrlParts {
    scheme: String,
    scheme_added: bool,
    userinfo: Option<String>,
    host: String,
    path: String,
    query: String,
}

/// pprof's `adjustURL` test: parse; if that fails, or finds a scheme but
/// no host (`localhost:6060/x` reads as scheme `localhost`), parse again
/// with `http://` in front; a URL is what then has a host.
fn url_parts(arg: &str) -> Option<UrlParts> {
    match parse_url(arg) {
        Ok(p) if !(p.host.is_empty() && !p.scheme.is_empty() && p.scheme != "file") => {
            (!p.host.is_empty()).then_some(p)
        }
        _ => {
            let mut p = parse_url(&format!("http://{arg}")).ok()?;
            p.scheme_added = true;
            (!p.host.is_empty()).then_some(p)
        }
    }
}

/// The subset of Go's `url.Parse` that decides scheme and host.
fn parse_url(raw: &str) -> Result<UrlParts, ()> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(());
    }
    let rest = raw.split('#').next().unwrap_or("");
    let (scheme, rest) = match get_scheme(rest)? {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => (String::new(), rest),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, q.to_string()),
        None => (rest, String::new()),
    };
    let mut parts = UrlParts {
        scheme,
        scheme_added: false,
        userinfo: None,
        host: String::new(),
        path: String::new(),
        query,
    };
    if !rest.starts_with('/') && !parts.scheme.is_empty() {
        // Opaque (`mailto:x`, `localhost:6060/x`): no host.
        return Ok(parts);
    }
    if !parts.scheme.is_empty() && rest.starts_with("//") {
        let after = &rest[2..];
        let end = after.find('/').unwrap_or(after.len());
        let (authority, path) = after.split_at(end);
        let host = match authority.rsplit_once('@') {
            Some((user, host)) => {
                parts.userinfo = Some(user.to_string());
                host
            }
            None => authority,
        };
        if !valid_host(host) {
            return Err(());
        }
        parts.host = host.to_string();
        parts.path = path.to_string();
        return Ok(parts);
    }
    // No scheme: a relative path, whose first segment may not hold a
    // colon (Go: "first path segment in URL cannot contain colon").
    let first = rest.split('/').next().unwrap_or("");
    if parts.scheme.is_empty() && first.contains(':') {
        return Err(());
    }
    parts.path = rest.to_string();
    Ok(parts)
}

/// Go's `getScheme`: `[A-Za-z][A-Za-z0-9+.-]*:`; a leading colon is an
/// error; anything else is no scheme.
fn get_scheme(raw: &str) -> Result<Option<(&str, &str)>, ()> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err(()),
            b':' => return Ok(Some((&raw[..i], &raw[i + 1..]))),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// Go's host check, enough to refuse what cannot be a host: a port after
/// the last colon (outside brackets) must be digits.
fn valid_host(host: &str) -> bool {
    if let Some(v6) = host.strip_prefix('[') {
        return match v6.split_once(']') {
            Some((_, rest)) => {
                rest.is_empty()
                    || rest
                        .strip_prefix(':')
                        .is_some_and(|port| port.bytes().all(|b| b.is_ascii_digit()))
            }
            None => false,
        };
    }
    match host.rsplit_once(':') {
        Some((_, port)) => port.bytes().all(|b| b.is_ascii_digit()),
        None => true,
    }
}

/// `text` with any `scheme://user:pass@` credentials replaced by `xxxxx`,
/// for messages about a source that did not even parse.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(['/', '?', '#', ' ']).unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("xxxxx");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// How long pprof lets a fetch take (`adjustURL`): the timeout given,
/// else 1.5 × the profiling duration, else 60 s.
pub fn pprof_timeout(timeout: Option<Duration>, duration: Option<Duration>) -> Duration {
    match (timeout, duration) {
        (Some(t), _) if !t.is_zero() => t,
        (_, Some(d)) if !d.is_zero() => d + d / 2,
        _ => Duration::from_secs(60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(arg: &str) -> HttpSource {
        match Source::parse(arg).unwrap() {
            Source::Http(h) => h,
            other => panic!("{arg}: {other:?}"),
        }
    }

    #[test]
    fn classifies_as_pprof() {
        // Scheme added, path defaulted.
        let h = url("localhost:6060");
        assert_eq!(
            h.url(None, false),
            "http://localhost:6060/debug/pprof/profile"
        );
        assert!(h.scheme_added());
        let h = url("127.0.0.1:6060/debug/pprof/heap");
        assert_eq!(h.url(None, false), "http://127.0.0.1:6060/debug/pprof/heap");
        let h = url("http://127.0.0.1:6060/");
        assert_eq!(h.path(), "/debug/pprof/profile");
        assert!(!h.scheme_added());
        // pprof's own example of a file name read as host:port.
        let h = url("mem_2023-11-02_03:55:24");
        assert_eq!(h.host(), "mem_2023-11-02_03:55:24");
        // No colon and no scheme: a (missing) file, not a URL.
        assert_eq!(
            Source::parse("missing.pb.gz").unwrap(),
            Source::File("missing.pb.gz".into())
        );
        assert_eq!(Source::parse("-").unwrap(), Source::Stdin);
        // An existing file wins over a URL reading.
        let dir = std::env::temp_dir().join(format!("rprof-src-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("host:80");
        std::fs::write(&f, b"x").unwrap();
        let arg = f.to_str().unwrap();
        assert_eq!(Source::parse(arg).unwrap(), Source::File(f.clone()));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(
            Source::parse("ftp://x/y"),
            Err(SourceError::Scheme { .. })
        ));
    }

    #[test]
    fn seconds_and_query_as_pprof() {
        let h = url("http://h:1/debug/pprof/profile?seconds=20&debug=0");
        assert_eq!(h.seconds(None), Some(20));
        assert_eq!(h.seconds(Some(5)), Some(5));
        // Sorted by key, like url.Values.Encode.
        assert_eq!(
            h.url(Some(5), false),
            "http://h:1/debug/pprof/profile?debug=0&seconds=5"
        );
        assert_eq!(url("h:1/x?seconds=abc").seconds(None), None);
    }

    #[test]
    fn credentials_never_shown() {
        let h = url("https://alice:s3cret@h:1/debug/pprof/heap");
        assert_eq!(h.url(None, true), "https://xxxxx@h:1/debug/pprof/heap");
        assert!(!format!("{h:?}").contains("s3cret"));
        assert_eq!(
            h.request_url(None),
            "https://alice:s3cret@h:1/debug/pprof/heap"
        );
        assert!(
            !h.scrub("error for https://alice:s3cret@h:1/x")
                .contains("s3cret")
        );
        assert_eq!(
            redact("bad ftp://bob:pw@host/x and more"),
            "bad ftp://xxxxx@host/x and more"
        );
        let h = url("https+insecure://h:1/debug/pprof/heap");
        assert!(h.insecure());
        assert_eq!(h.request_url(None), "https://h:1/debug/pprof/heap");
        assert_eq!(h.url(None, true), "https+insecure://h:1/debug/pprof/heap");
    }

    #[test]
    fn gops_sources() {
        assert_eq!(
            Source::parse("gops://4242/heap").unwrap(),
            Source::Gops(GopsSource {
                target: GopsTarget::Pid(4242),
                profile: GopsProfile::Heap
            })
        );
        assert_eq!(
            Source::parse("gops://127.0.0.1:9999/cpu").unwrap(),
            Source::Gops(GopsSource {
                target: GopsTarget::Addr("127.0.0.1:9999".into()),
                profile: GopsProfile::Cpu
            })
        );
        assert!(matches!(
            Source::parse("gops://4242/nope"),
            Err(SourceError::GopsProfile(_))
        ));
        assert!(matches!(
            Source::parse("gops://host/heap"),
            Err(SourceError::GopsTarget(_))
        ));
    }

    #[test]
    fn odd_hosts_do_not_panic() {
        for arg in [
            "http://[::1]é/x",
            "http://[::1/x",
            "http://h:é/x",
            "://x",
            "é:1/x",
        ] {
            let _ = Source::parse(arg);
        }
        assert_eq!(url("http://[::1]:6060").host(), "[::1]:6060");
    }

    #[test]
    fn loopback() {
        assert!(url("localhost:1/x").is_loopback());
        assert!(url("127.0.0.2:1/x").is_loopback());
        assert!(url("http://[::1]:1/x").is_loopback());
        assert!(!url("example.invalid:1/x").is_loopback());
    }
}
