//! `rprof web` and `rprof report` as a user runs them: the first line of
//! stdout, the served pages, the HTML file, and bad input.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    rprof_testkit::fixture("profiles").join(name)
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str) -> (u16, String) {
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

#[test]
fn web_prints_its_url_first_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["web", "--no-browser", "--sample-index=alloc_space"])
        .arg(fixture("heap.pb.gz"))
        .env_remove("BROWSER")
        .env_remove("DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let _guard = Kill(child);
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("Serving web UI on http://127.0.0.1:")
        .map(|port| format!("127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("first line: {line:?}"));
    let (status, body) = get(&addr, "/ui/top?si=alloc_space");
    assert_eq!(status, 200);
    assert!(body.contains("main.allocBuffer"));
    assert_eq!(get(&addr, "/").0, 307);
    // The command line's options are every view's defaults.
    let (status, body) = get(&addr, "/ui/top/data");
    assert_eq!(status, 200);
    assert!(body.contains("Type: alloc_space"), "{body:.400}");
}

#[test]
fn web_rejects_bad_input_and_options_before_serving() {
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["web", "--no-browser", "no-such-file.pb.gz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no URL printed");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "rprof: no-such-file.pb.gz: No such file or directory\n"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["web", "--no-browser", "--sample-index=nope"])
        .arg(fixture("cpu.pb.gz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("rprof: sample_index \"nope\""));
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["web", "--no-browser", "--http", "nonsense"])
        .arg(fixture("cpu.pb.gz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not split http address"));
}

#[test]
fn report_writes_one_self_contained_file() {
    let dir = std::env::temp_dir().join(format!("rprof-report-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["report", "-o"])
        .arg(&file)
        .arg(fixture("cpu.pb.gz"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("crypto/internal/fips140/sha256.blockSHANI"));
    assert!(html.contains("<svg"), "the call graph is in the file");
    assert!(
        !html.contains("src=\"/assets/") && !html.contains("href=\"/assets/"),
        "nothing to fetch"
    );
    assert!(
        !html.contains("http://") || !html.contains("<script src"),
        "no remote script"
    );
    // Bad input leaves an existing file as it was.
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["report", "-o"])
        .arg(&file)
        .arg(fixture("cpu.txt-does-not-exist"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), html);
    let _ = std::fs::remove_dir_all(&dir);
}
