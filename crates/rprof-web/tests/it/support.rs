//! Starting a server in-process and talking HTTP to it.
//!
//! The client is a few lines over `TcpStream` (one request per
//! connection, `Connection: close`) instead of an HTTP client crate: the
//! tests need raw control over the `Host` header and the method, and
//! nothing more.

use rprof_web::{Inputs, Pipeline, Source};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

pub fn fixture(name: &str) -> PathBuf {
    rprof_testkit::fixture("profiles").join(name)
}

/// The inputs `rprof web` gets for these files (read as the command
/// line reads them).
pub fn inputs(profiles: &[PathBuf], bases: &[PathBuf], diff_base: bool) -> Inputs {
    let read = |paths: &[PathBuf]| -> Vec<Source> {
        paths
            .iter()
            .map(|p| Source {
                name: p.display().to_string(),
                profile: std::sync::Arc::new(
                    rprof_profile::parse(&rprof_testkit::read(p))
                        .unwrap_or_else(|e| panic!("{}: {e}", p.display())),
                ),
            })
            .collect()
    };
    Inputs {
        profiles: read(profiles),
        bases: read(bases),
        diff_base,
    }
}

/// A server for `profiles` (fixture names) with `bases`; returns
/// `127.0.0.1:PORT`.
pub fn serve(profiles: &[&str], bases: &[&str], diff_base: bool) -> String {
    let p: Vec<PathBuf> = profiles.iter().map(|n| fixture(n)).collect();
    let b: Vec<PathBuf> = bases.iter().map(|n| fixture(n)).collect();
    let inputs = inputs(&p, &b, diff_base);
    serve_pipeline(Pipeline::new(inputs).expect("fixtures combine"))
}

/// A server for an already built pipeline.
pub fn serve_pipeline(pipeline: Pipeline) -> String {
    let bound = rprof_web::bind(None).expect("bind");
    let addr = bound.addr().to_string();
    let app = rprof_web::profile_app(pipeline, &bound);
    std::thread::spawn(move || bound.serve(app));
    addr
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

pub fn get(addr: &str, path: &str) -> Resp {
    request(addr, "GET", path, addr)
}

pub fn request(addr: &str, method: &str, path: &str, host: &str) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
    out
}
