//! A misbehaving HTTP server for fault tests, on 127.0.0.1 only: each
//! [`Fault`] is one way a real server goes wrong. Shared by the library's
//! tests and the CLI's (which include this file by path).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How the server answers every request.
#[derive(Clone)]
pub enum Fault {
    /// 200 with these bytes and this content type.
    Ok(Vec<u8>, &'static str),
    /// Reads the request and says nothing (until the test ends).
    Stall,
    /// Announces `Content-Length: total` and closes after `sent` bytes
    /// of `body`.
    DropMidBody { body: Vec<u8>, sent: usize },
    /// A 200 HTML page (a login or proxy page).
    Html,
    /// A status with Go's pprof error body (`X-Go-Pprof: 1`, text/plain).
    GoError(u16, &'static str, &'static str),
    /// 200, after sleeping this long (a profile that takes `seconds`).
    Slow(Duration, Vec<u8>),
}

/// A running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    /// The request lines and `Authorization` headers received.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// The longest any server lives, whatever the test does.
const LIFETIME: Duration = Duration::from_secs(120);

/// Serves `fault` over plain HTTP.
pub fn serve(fault: Fault) -> Server {
    serve_with(fault, None)
}

/// Serves `fault` over TLS with a self-signed certificate for 127.0.0.1
/// (made now with rcgen).
pub fn serve_tls(fault: Fault) -> Server {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("self-signed certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        cert.signing_key.serialize_der(),
    ));
    // ring, as ureq's client uses (deprecated in rustls 0.23.48 for want
    // of post-quantum key exchange, which a test certificate does not need).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .expect("server certificate");
    serve_with(fault, Some(Arc::new(config)))
}

fn serve_with(fault: Fault, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (stop2, requests2) = (stop.clone(), requests.clone());
    std::thread::spawn(move || {
        let born = Instant::now();
        while !stop2.load(Ordering::Relaxed) && born.elapsed() < LIFETIME {
            match listener.accept() {
                Ok((conn, _)) => {
                    let (fault, stop, requests, tls) =
                        (fault.clone(), stop2.clone(), requests2.clone(), tls.clone());
                    std::thread::spawn(move || {
                        conn.set_nonblocking(false).unwrap();
                        conn.set_read_timeout(Some(Duration::from_secs(10)))
                            .unwrap();
                        match tls {
                            Some(cfg) => {
                                let Ok(server) = rustls::ServerConnection::new(cfg) else {
                                    return;
                                };
                                let stream = rustls::StreamOwned::new(server, conn);
                                handle(stream, &fault, &stop, &requests);
                            }
                            None => handle(conn, &fault, &stop, &requests),
                        }
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    Server {
        addr,
        stop,
        requests,
    }
}

fn handle<S: Read + Write>(
    stream: S,
    fault: &Fault,
    stop: &AtomicBool,
    requests: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return; // e.g. a TLS client that refused our certificate
    }
    let mut seen = vec![first.trim_end().to_string()];
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {
                if line.to_ascii_lowercase().starts_with("authorization:") {
                    seen.push(line.trim_end().to_string());
                }
            }
        }
    }
    requests.lock().unwrap().extend(seen);
    let mut w = reader.into_inner();
    let reply = |w: &mut S, status: &str, headers: &str, body: &[u8]| {
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
            body.len()
        );
        let _ = w.write_all(head.as_bytes());
        let _ = w.write_all(body);
        let _ = w.flush();
    };
    match fault {
        Fault::Ok(body, ctype) => reply(&mut w, "200 OK", &format!("Content-Type: {ctype}\r\n"), body),
        Fault::Html => reply(
            &mut w,
            "200 OK",
            "Content-Type: text/html; charset=utf-8\r\n",
            b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Sign in</body></html>\n",
        ),
        Fault::GoError(code, reason, text) => {
            let body = format!("{text}\n");
            reply(
                &mut w,
                &format!("{code} {reason}"),
                "Content-Type: text/plain; charset=utf-8\r\nX-Go-Pprof: 1\r\nX-Content-Type-Options: nosniff\r\n",
                body.as_bytes(),
            )
        }
        Fault::Stall => {
            let born = Instant::now();
            while !stop.load(Ordering::Relaxed) && born.elapsed() < LIFETIME {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Fault::DropMidBody { body, sent } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\r\n",
                body.len()
            );
            let _ = w.write_all(head.as_bytes());
            let _ = w.write_all(&body[..*sent]);
            let _ = w.flush();
            // Dropping the stream closes the connection mid-body.
        }
        Fault::Slow(wait, body) => {
            std::thread::sleep(*wait);
            reply(&mut w, "200 OK", "Content-Type: application/octet-stream\r\n", body)
        }
    }
}

/// An address where nothing listens (a port just released).
pub fn refused_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a
}

/// A gzip stream of 256 MiB of zeros (about 250 KiB): far past the
/// profile reader's 64x-ratio limit.
pub fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..256 {
            enc.write_all(&zeros).unwrap();
        }
        enc.finish().unwrap()
    })
}

/// The repository's fixtures.
pub fn fixtures() -> PathBuf {
    rprof_testkit::fixtures()
}

/// A scratch directory, new and empty, removed when the test ends (see
/// [`rprof_testkit::Scratch`]).
pub fn scratch(name: &str) -> rprof_testkit::Scratch {
    rprof_testkit::Scratch::new("rprof-src-test", name)
}

/// The files in `dir` (names).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Connects and closes, to check a server is up (bounded).
pub fn wait_listening(addr: SocketAddr) {
    let until = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(Instant::now() < until, "{addr} never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
}
