//! `rprof web` and `rprof report` as a user runs them: the first line of
//! stdout, the served pages, the HTML file, and bad input.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    rprof_testkit::fixture("profiles").join(name)
}

use crate::serving::{Kill, get_raw as get, serve};

#[test]
fn web_prints_its_url_first_and_serves() {
    let (_guard, addr) = serve(
        Command::new(env!("CARGO_BIN_EXE_rprof"))
            .args(["web", "--no-browser", "--sample-index=alloc_space"])
            .arg(fixture("heap.pb.gz"))
            .stderr(Stdio::piped()),
    );
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

fn trace_fixture(name: &str) -> PathBuf {
    match name {
        "trace.out" | "trace-go119.out" => fixture(name),
        _ => rprof_testkit::fixture("traces").join(name),
    }
}

/// `rprof trace web ARGS`: the server's address from its first line.
fn trace_web(args: &[&str]) -> (Kill, String, std::process::ChildStderr) {
    let (mut guard, addr) = serve(
        Command::new(env!("CARGO_BIN_EXE_rprof"))
            .args(["trace", "web", "--no-browser"])
            .args(args)
            .stderr(Stdio::piped()),
    );
    let err = guard.0.stderr.take().unwrap();
    (guard, addr, err)
}

/// GET until the answer is not 503 (the index is being built), at most
/// a minute.
fn get_indexed(addr: &str, path: &str) -> (u16, String) {
    for _ in 0..600 {
        let r = get(addr, path);
        if r.0 != 503 {
            return r;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{path}: still indexing after a minute");
}

#[test]
fn trace_web_prints_its_url_first_and_serves() {
    let t = trace_fixture("trace.out");
    let (_guard, addr, _) = trace_web(&[t.to_str().unwrap()]);
    let (status, body) = get(&addr, "/");
    assert_eq!(status, 200);
    assert!(body.contains("View trace by proc"));
    let (status, body) = get_indexed(&addr, "/goroutines");
    assert_eq!(status, 200);
    assert!(body.contains("main.runWorkload.func1.1"));
    let (status, _) = get(&addr, "/goroutine?name=main.main");
    assert_eq!(status, 200);
    let (status, body) = get(&addr, "/trace/api/info");
    assert_eq!(status, 200);
    assert!(body.contains("\"version\":\"go 1.26\""), "{body:.600}");
}

#[test]
fn trace_web_window() {
    let t = trace_fixture("trace.out");
    let (_guard, addr, _) = trace_web(&["--start", "50", "--end", "100", t.to_str().unwrap()]);
    let (status, body) = get_indexed(&addr, "/trace/api/info");
    assert_eq!(status, 200);
    assert!(body.contains("\"start_ns\":50000000"), "{body:.600}");
}

/// A trace fetched from a URL is written to a temporary file and served
/// from there: the same index as the file's, and pages that read the
/// trace again (the MMU plot) work. On Linux the copy has no name from the
/// start (it is read by descriptor), so that killing the server leaves
/// nothing behind in the temporary directory: it used to leave the copy.
#[test]
fn trace_web_from_a_url() {
    let bytes = std::fs::read(trace_fixture("trace.out")).unwrap();
    let ln = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = ln.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        // One request: the trace, as /debug/pprof/trace answers.
        let (mut s, _) = ln.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut req = [0u8; 4096];
        let _ = s.read(&mut req);
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            bytes.len()
        );
        let _ = s.write_all(&bytes);
    });
    let url = format!("http://127.0.0.1:{port}/debug/pprof/trace?seconds=1");
    let home = rprof_testkit::scratch("trace-web-url-home");
    let tmp = rprof_testkit::scratch("trace-web-url-tmp");
    let (guard, addr) = serve(
        Command::new(env!("CARGO_BIN_EXE_rprof"))
            .args(["trace", "web", "--no-browser", "--no-save", &url])
            .env("HOME", &home)
            .env("TMPDIR", &tmp)
            .stderr(Stdio::piped()),
    );
    server.join().unwrap();
    let (status, body) = get_indexed(&addr, "/trace/api/info");
    assert_eq!(status, 200);
    assert!(body.contains("\"events\":36903"), "{body:.600}");
    let (status, body) = get(&addr, "/mmu?mode=plot");
    assert_eq!(status, 200, "{body:.600}");
    assert!(body.contains("\"curve\":[["), "{body:.600}");
    let named = || crate::support::files_in(&tmp);
    if cfg!(target_os = "linux") {
        assert_eq!(named(), Vec::<String>::new(), "a named copy while serving");
    }
    drop(guard);
    if cfg!(target_os = "linux") {
        assert_eq!(
            named(),
            Vec::<String>::new(),
            "left behind by a killed server"
        );
    }
}

/// Not a trace, or a trace without a single event: one line on stderr
/// naming the file, exit status 1 (before or just after the URL).
#[test]
fn trace_web_rejects_bad_input() {
    let dir = rprof_testkit::scratch("trace-web-bad");
    let trace = std::fs::read(trace_fixture("trace.out")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.trace", Vec::new()),
        (
            "error.html",
            b"<html><body>502 Bad Gateway</body></html>".to_vec(),
        ),
        ("header-only.trace", b"go 1.22 trace\x00\x00\x00".to_vec()),
        (
            "future.trace",
            b"go 1.99 trace\x00\x00\x00\x01\x02\x03".to_vec(),
        ),
        ("cpu.pb.gz", std::fs::read(fixture("cpu.pb.gz")).unwrap()),
        ("cut20.trace", trace[..20].to_vec()),
        ("cut100.trace", trace[..100].to_vec()),
    ];
    for (name, data) in cases {
        let path = dir.join(name);
        std::fs::write(&path, &data).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rprof"))
            .args(["trace", "web", "--no-browser"])
            .arg(&path)
            .env_remove("BROWSER")
            .env_remove("DISPLAY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut status = None;
        for _ in 0..600 {
            if let Some(s) = child.try_wait().unwrap() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let Some(status) = status else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name}: still serving after a minute");
        };
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(status.code(), Some(1), "{name}: {err}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: one line: {err}");
        assert!(
            lines[0].starts_with("rprof: ") && lines[0].contains(name),
            "{name}: {err}"
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["trace", "web", "--no-browser", "--start", "5", "--end", "1"])
        .arg(trace_fixture("trace.out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--end must be after --start"));
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["trace", "web", "--no-browser", "--http", "nonsense"])
        .arg(trace_fixture("trace.out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not split http address"));
    let _ = std::fs::remove_dir_all(&dir);
}
