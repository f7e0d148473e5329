//! What the tests of the serving commands (`web`, `trace web`, the
//! diagnostics' `--web`) share: a guard that stops the server, its
//! address from the first line it prints, and a plain HTTP GET.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Kills and reaps the server when dropped (also when a test panics).
pub struct Kill(pub Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `cmd` with no browser to open and stdout piped, and reads the
/// first line, which must be `Serving web UI on http://127.0.0.1:PORT`:
/// the guard and `127.0.0.1:PORT`.
pub fn serve(cmd: &mut Command) -> (Kill, String) {
    let mut child = cmd
        .env_remove("BROWSER")
        .env_remove("DISPLAY")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let guard = Kill(child);
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("Serving web UI on http://127.0.0.1:")
        .map(|port| format!("127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("first line: {line:?}"));
    (guard, addr)
}

/// GET `path`: the status and the whole answer (headers and body).
pub fn get_raw(addr: &str, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    (status, raw)
}
