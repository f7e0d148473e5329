//! Binding, serving and the security every view gets.
//!
//! [`bind`] opens the listening socket (127.0.0.1 with a free port by
//! default) before anything is served, so the caller can print the URL
//! first; [`Bound::serve`] runs an axum [`Router`] on it. [`secure`] wraps
//! any router (the profile views, and later the trace views) in one
//! middleware that:
//!
//! - answers only GET and HEAD (405 otherwise): the UI changes nothing on
//!   the server;
//! - rejects requests whose `Host` header is not the address served
//!   (403): a page on another site that resolves its own name to
//!   127.0.0.1 (DNS rebinding) sends its own name as `Host`. IP literals
//!   and `localhost` are accepted with the served port, and so is the
//!   host name given to `--http`;
//! - adds a Content-Security-Policy that allows only the server's own
//!   scripts (no inline script runs, so a string that slipped through
//!   escaping still could not execute), no framing, no referrer.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr, TcpListener, ToSocketAddrs};

/// The Content-Security-Policy of every response.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// `--http` is not `HOST:PORT`.
    #[error("could not split http address {0:?}: want HOST:PORT (e.g. 127.0.0.1:8080, :0)")]
    Address(String),
    /// The host name does not resolve.
    #[error("could not resolve {host}: {source}")]
    Resolve {
        /// The host given.
        host: String,
        /// Why.
        source: std::io::Error,
    },
    /// The address cannot be listened on.
    #[error("listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The runtime or the server failed.
    #[error("serving: {0}")]
    Serve(#[source] std::io::Error),
}

/// A listening socket and what is known about it.
pub struct Bound {
    listener: TcpListener,
    addr: SocketAddr,
    guard: HostGuard,
}

/// Opens the socket for `spec`, pprof's `-http` value: `HOST:PORT`,
/// `:PORT` (loopback; pprof says `localhost`), port 0 or empty for a free
/// one. `None` means `127.0.0.1:0`.
pub fn bind(spec: Option<&str>) -> Result<Bound, ServeError> {
    let spec = spec.unwrap_or("127.0.0.1:0");
    let (host, port) = split_host_port(spec).ok_or_else(|| ServeError::Address(spec.into()))?;
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    let port: u16 = if port.is_empty() {
        0
    } else {
        port.parse().map_err(|_| ServeError::Address(spec.into()))?
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|source| ServeError::Resolve {
            host: host.into(),
            source,
        })?
        .collect();
    let mut last = None;
    for a in &addrs {
        match TcpListener::bind(a) {
            Ok(listener) => {
                let addr = listener.local_addr().map_err(|source| ServeError::Listen {
                    addr: a.to_string(),
                    source,
                })?;
                let guard = HostGuard {
                    port: addr.port(),
                    name: host.trim_matches(['[', ']']).to_ascii_lowercase(),
                };
                return Ok(Bound {
                    listener,
                    addr,
                    guard,
                });
            }
            Err(e) => last = Some(e),
        }
    }
    Err(ServeError::Listen {
        addr: spec.into(),
        source: last.unwrap_or_else(|| std::io::Error::other("no address")),
    })
}

/// `host:port`, `[v6]:port`, `:port`.
fn split_host_port(s: &str) -> Option<(&str, &str)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (h, p) = rest.split_once("]:")?;
        return Some((h, p));
    }
    let (h, p) = s.rsplit_once(':')?;
    if h.contains(':') {
        return None;
    }
    Some((h, p))
}

impl Bound {
    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, what to open in a browser.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Whether only this machine can connect.
    pub fn is_loopback(&self) -> bool {
        self.addr.ip().is_loopback()
    }

    /// The `Host` check for this address, for [`secure`].
    pub fn guard(&self) -> HostGuard {
        self.guard.clone()
    }

    /// Serves `app` (already [`secure`]d) until the process ends, on a
    /// runtime of its own.
    pub fn serve(self, app: Router) -> Result<(), ServeError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(ServeError::Serve)?;
        rt.block_on(self.serve_async(app))
    }

    /// [`Bound::serve`] on the caller's runtime.
    pub async fn serve_async(self, app: Router) -> Result<(), ServeError> {
        self.listener
            .set_nonblocking(true)
            .map_err(ServeError::Serve)?;
        let l = tokio::net::TcpListener::from_std(self.listener).map_err(ServeError::Serve)?;
        axum::serve(l, app).await.map_err(ServeError::Serve)
    }
}

/// Which `Host` headers a server accepts (see the module docs).
#[derive(Clone, Debug)]
pub struct HostGuard {
    port: u16,
    name: String,
}

impl HostGuard {
    /// Whether `host` (a `Host` header value) names this server.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, port) = if let Some(rest) = host.strip_prefix('[') {
            match rest.split_once(']') {
                Some((h, p)) => (h.to_string(), p.strip_prefix(':').unwrap_or("")),
                None => return false,
            }
        } else {
            match host.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p),
                None => (host.clone(), ""),
            }
        };
        let port_ok = match port {
            "" => self.port == 80,
            p => p.parse::<u16>() == Ok(self.port),
        };
        port_ok && (name.parse::<IpAddr>().is_ok() || name == "localhost" || name == self.name)
    }
}

/// Wraps `router` in the method, `Host` and header rules of the module
/// docs. Every router the server serves goes through this.
pub fn secure(router: Router, guard: HostGuard) -> Router {
    router.layer(middleware::from_fn_with_state(guard, check))
}

async fn check(State(guard): State<HostGuard>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = (
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are served\n",
        )
            .into_response();
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    if !host.is_some_and(|h| guard.allows(h)) {
        return (
            StatusCode::FORBIDDEN,
            "this server answers only requests addressed to it (Host header mismatch)\n",
        )
            .into_response();
    }
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_guard() {
        let g = HostGuard {
            port: 8080,
            name: "127.0.0.1".into(),
        };
        assert!(g.allows("127.0.0.1:8080"));
        assert!(g.allows("localhost:8080"));
        assert!(g.allows("[::1]:8080"));
        assert!(!g.allows("127.0.0.1:8081"));
        assert!(!g.allows("evil.example:8080"));
        assert!(!g.allows("127.0.0.1"));
        assert!(!g.allows(""));
        let named = HostGuard {
            port: 80,
            name: "box.lan".into(),
        };
        assert!(named.allows("box.lan"));
        assert!(named.allows("BOX.lan:80"));
    }

    #[test]
    fn addresses() {
        assert_eq!(split_host_port(":8080"), Some(("", "8080")));
        assert_eq!(split_host_port("[::1]:0"), Some(("::1", "0")));
        assert_eq!(split_host_port("h:1"), Some(("h", "1")));
        assert_eq!(split_host_port("nocolon"), None);
        assert!(matches!(bind(Some("bad")), Err(ServeError::Address(_))));
        let b = bind(None).unwrap();
        assert!(b.is_loopback());
        assert!(b.url().starts_with("http://127.0.0.1:"));
    }
}
