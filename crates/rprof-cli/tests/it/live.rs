//! Live sources end to end: `rprof fetch`, `rprof gops`, `rprof collect`
//! against a misbehaving Rust server (no Go needed) and against a real Go
//! service (`fixtures/go/liveservice`, built here when a Go toolchain is
//! found: `$RPROF_GO`, `go` on PATH, or /opt/govenv/bin/go; otherwise
//! those tests say so and pass). Everything listens on 127.0.0.1 only,
//! and every wait is bounded.

use crate::support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use support::{Fault, serve};

/// Runs rprof with a clean environment for saved copies: `$HOME` and
/// `$RPROF_TMPDIR` point into `dir`, proxies are off.
fn rprof_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rprof"));
    c.args(args)
        .current_dir(dir)
        .env("HOME", dir.join("home"))
        .env("RPROF_TMPDIR", dir.join("saved"))
        .env_remove("PPROF_TMPDIR")
        .env("TZ", "UTC")
        .stdin(Stdio::null());
    for v in [
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ] {
        c.env_remove(v);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A failed fetch: exit 1, exactly one error line (the last), naming the
/// URL and the problem; `-o` untouched, nothing saved, no temporary file.
fn assert_fetch_fails(name: &str, url: &str, extra: &[&str], want: &[&str]) {
    let dir = support::scratch(&format!("cli-{name}"));
    std::fs::write(dir.join("out.pb.gz"), b"previous").unwrap();
    let mut args = vec!["fetch"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[url, "-o", "out.pb.gz"]);
    let o = rprof_in(&dir, &args, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{name}: {err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("rprof: ")).collect();
    assert_eq!(errors.len(), 1, "{name}: one error line: {err}");
    assert_eq!(err.lines().last(), Some(errors[0]), "{name}: {err}");
    for w in want {
        assert!(
            errors[0].contains(w),
            "{name}: {:?} should contain {w:?}",
            errors[0]
        );
    }
    assert!(!err.contains("s3cret"), "{name}: credentials shown: {err}");
    assert!(o.stdout.is_empty());
    assert_eq!(std::fs::read(dir.join("out.pb.gz")).unwrap(), b"previous");
    assert_eq!(
        support::files_in(&dir),
        ["out.pb.gz"],
        "{name}: left behind"
    );
}

fn heap_fixture() -> Vec<u8> {
    std::fs::read(support::fixtures().join("profiles/heap.pb.gz")).unwrap()
}

#[test]
fn fetch_faults_are_one_line_and_leave_nothing() {
    let a = support::refused_addr();
    assert_fetch_fails(
        "refused",
        &format!("http://bob:s3cret@{a}/debug/pprof/heap"),
        &[],
        &[&format!(
            "rprof: http://xxxxx@{a}/debug/pprof/heap: connection refused"
        )],
    );
    let stall = serve(Fault::Stall);
    assert_fetch_fails(
        "stall",
        &stall.url("/debug/pprof/heap"),
        &["--timeout", "1"],
        &[&stall.url("/debug/pprof/heap"), "timed out after 1s"],
    );
    let body = heap_fixture();
    let sent = body.len() / 3;
    let drop = serve(Fault::DropMidBody { body, sent });
    assert_fetch_fails(
        "drop",
        &drop.url("/debug/pprof/heap"),
        &[],
        &[&drop.url("/debug/pprof/heap"), "connection closed mid-body"],
    );
    let html = serve(Fault::Html);
    assert_fetch_fails(
        "html",
        &html.url("/debug/pprof/heap"),
        &[],
        &["200 OK with an HTML page, not a profile"],
    );
    let bomb = serve(Fault::Ok(
        support::gzip_bomb().to_vec(),
        "application/octet-stream",
    ));
    assert_fetch_fails(
        "bomb",
        &bomb.url("/debug/pprof/heap"),
        &[],
        &[&bomb.url("/debug/pprof/heap"), "gzip bomb"],
    );
    let goerr = serve(Fault::GoError(
        500,
        "Internal Server Error",
        "profile duration exceeds server's WriteTimeout",
    ));
    assert_fetch_fails(
        "goerr",
        &format!("http://u:s3cret@{}/debug/pprof/profile", goerr.addr),
        &["--seconds", "60"],
        &[&format!(
            "rprof: http://xxxxx@{}/debug/pprof/profile?seconds=60: server response: 500 Internal Server Error - profile duration exceeds server's WriteTimeout",
            goerr.addr
        )],
    );
    let tls = support::serve_tls(Fault::Ok(heap_fixture(), "application/octet-stream"));
    assert_fetch_fails(
        "tls",
        &format!("https://{}/debug/pprof/heap", tls.addr),
        &[],
        &[&format!(
            "https://{}/debug/pprof/heap: TLS failure",
            tls.addr
        )],
    );
    // Not a URL, and no such file.
    let dir = support::scratch("cli-notfile");
    let o = rprof_in(&dir, &["fetch", "missing.pb.gz", "-o", "x"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("missing.pb.gz: not a URL, and no such file"));
    // A file: validated, then copied; a goroutine dump or JSON is refused.
    std::fs::write(
        dir.join("dump.txt"),
        b"goroutine 1 [running]:\nmain.main()\n",
    )
    .unwrap();
    let o = rprof_in(&dir, &["fetch", "dump.txt", "-o", "x"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("rprof: dump.txt: not a profile: this is a goroutine dump"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("x").exists());
    std::fs::write(dir.join("heap.pb.gz"), heap_fixture()).unwrap();
    let o = rprof_in(&dir, &["fetch", "heap.pb.gz", "-o", "x"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(dir.join("x")).unwrap(), heap_fixture());
}

#[test]
fn fetch_insecure_tls_replaces_output() {
    let tls = support::serve_tls(Fault::Ok(heap_fixture(), "application/octet-stream"));
    let dir = support::scratch("cli-insecure");
    std::fs::write(dir.join("out.pb.gz"), b"previous").unwrap();
    let url = format!("https+insecure://{}/debug/pprof/heap", tls.addr);
    let o = rprof_in(&dir, &["fetch", &url, "-o", "out.pb.gz"], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(
        std::fs::read(dir.join("out.pb.gz")).unwrap(),
        heap_fixture()
    );
    assert!(
        err.contains(&format!("Fetching profile over HTTP from {url}")),
        "{err}"
    );
    assert!(err.contains("Wrote out.pb.gz (profile,"), "{err}");
    // The -o file is the copy kept: none in $RPROF_TMPDIR.
    assert!(support::files_in(&dir.join("saved")).is_empty());
}

// ---------------------------------------------------------------------
// The real Go service.

/// The Go toolchain, if there is one.
fn go() -> Option<PathBuf> {
    if let Some(g) = std::env::var_os("RPROF_GO").filter(|g| !g.is_empty()) {
        return Some(PathBuf::from(g));
    }
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("go"))
            .find(|g| g.is_file())
    });
    on_path.or_else(|| {
        let g = PathBuf::from("/opt/govenv/bin/go");
        g.is_file().then_some(g)
    })
}

fn go_cmd(go: &Path) -> Command {
    let mut c = Command::new(go);
    c.env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .stdin(Stdio::null());
    c
}

/// Builds fixtures/go/liveservice once; `None` (said once) without Go.
fn liveservice() -> Option<&'static (PathBuf, PathBuf)> {
    static BUILT: OnceLock<Option<(PathBuf, PathBuf)>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let Some(go) = go() else {
                eprintln!(
                    "skipping the live Go service tests: no Go toolchain ($RPROF_GO, go on PATH, /opt/govenv/bin/go)"
                );
                return None;
            };
            let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("liveservice");
            let src = support::fixtures().join("go/liveservice");
            let o = go_cmd(&go)
                .args(["build", "-o"])
                .arg(&out)
                .arg(".")
                .current_dir(&src)
                .output()
                .expect("run go build");
            assert!(
                o.status.success(),
                "go build liveservice: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some((go, out))
        })
        .as_ref()
}

/// A running liveservice; killed when dropped.
struct Service {
    child: Child,
    http: String,
    gops: String,
    pid: u32,
    gops_dir: PathBuf,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    /// Starts the service (on the given addresses, else free ports) and
    /// reads its first line (10 s at most).
    fn start(bin: &Path, gops_dir: &Path, http: Option<&str>, gops: Option<&str>) -> Service {
        let mut c = Command::new(bin);
        c.env("GOPS_CONFIG_DIR", gops_dir)
            .args(["-lifetime", "5m"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(h) = http {
            c.args(["-http", h]);
        }
        if let Some(g) = gops {
            c.args(["-gops", g]);
        }
        let mut child = c.spawn().expect("start liveservice");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(l) if !l.is_empty() => l,
            other => {
                let _ = child.kill();
                panic!("liveservice did not start: {other:?}");
            }
        };
        let field = |k: &str| {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(k))
                .unwrap_or_else(|| panic!("no {k} in {line:?}"))
                .to_string()
        };
        let s = Service {
            http: field("http="),
            gops: field("gops="),
            pid: field("pid=").parse().unwrap(),
            child,
            gops_dir: gops_dir.to_path_buf(),
        };
        assert!(!s.gops.ends_with(":0"), "gops port not found: {line}");
        s
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }
}

/// What the test itself reads: one HTTP/1.1 GET on a plain socket, as
/// curl sends it (the server's goroutines for the connection then look
/// the same as for rprof's request).
fn plain_get(hostport: &str, path: &str) -> Vec<u8> {
    let s = TcpStream::connect(hostport).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    (&s).write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {hostport}\r\nAccept: */*\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let mut r = BufReader::new(&s);
    let mut status = String::new();
    r.read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{path}: {status}");
    let (mut chunked, mut length) = (false, None);
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        let h = h.trim_end().to_ascii_lowercase();
        if h.is_empty() {
            break;
        }
        if h == "transfer-encoding: chunked" {
            chunked = true;
        }
        if let Some(v) = h.strip_prefix("content-length: ") {
            length = Some(v.parse::<usize>().unwrap());
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0u8; n + 2];
            r.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        r.read_exact(&mut body).unwrap();
    } else {
        r.read_to_end(&mut body).unwrap();
    }
    body
}

/// `rprof raw` of a file, without the capture time (which differs from
/// one request to the next).
fn raw_without_time(dir: &Path, file: &str) -> String {
    let o = rprof_in(dir, &["raw", file], &[]);
    assert!(o.status.success(), "raw {file}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.starts_with("Time:"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn live_profiles_equal_a_plain_get() {
    let Some((_, bin)) = liveservice() else {
        return;
    };
    let dir = support::scratch("live-equal");
    let svc = Service::start(bin, &dir, None, None);
    // Some work, then none: profiles stay the same from one request to
    // the next.
    std::thread::sleep(Duration::from_millis(500));
    plain_get(&svc.http, "/quiesce");
    let kinds = [
        "heap",
        "allocs",
        "goroutine",
        "block",
        "mutex",
        "threadcreate",
        "heap?debug=1",
        "goroutine?debug=1",
    ];
    for kind in kinds {
        let path = format!("/debug/pprof/{kind}");
        // The goroutine profile includes the server's goroutines for the
        // connections being served and accepted, which come and go with
        // the requests themselves (and are unsymbolized in the debug=1
        // form): only the service's own goroutines are compared, and there
        // are a few tries before they must agree.
        let show = |file: &str| {
            if kind.starts_with("goroutine") {
                let o = rprof_in(
                    &dir,
                    &["traces", "--focus", r"main\.parked|main\.main\.func", file],
                    &[],
                );
                assert!(o.status.success(), "traces {file}: {}", stderr(&o));
                let text = String::from_utf8_lossy(&o.stdout).into_owned();
                assert!(text.contains("main.parked"), "{text}");
                text.lines()
                    .filter(|l| !l.starts_with("Time:"))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                raw_without_time(&dir, file)
            }
        };
        let mut last = None;
        for _ in 0..5 {
            let o = rprof_in(&dir, &["fetch", &svc.url(&path), "-o", "fetched"], &[]);
            assert!(o.status.success(), "{kind}: {}", stderr(&o));
            let fetched = show("fetched");
            // Let the server's goroutine for that connection end.
            std::thread::sleep(Duration::from_millis(150));
            std::fs::write(dir.join("plain"), plain_get(&svc.http, &path)).unwrap();
            let plain = show("plain");
            if fetched == plain {
                last = None;
                break;
            }
            last = Some((fetched, plain));
            std::thread::sleep(Duration::from_millis(300));
        }
        if let Some((fetched, plain)) = last {
            panic!("{kind}: rprof fetch and a plain GET differ:\n{fetched}\n----\n{plain}");
        }
    }
    // Text and JSON endpoints arrive byte for byte.
    for (path, name) in [
        ("/debug/pprof/goroutine?debug=2", "goroutine dump"),
        ("/debug/vars", "JSON document"),
    ] {
        let o = rprof_in(&dir, &["fetch", &svc.url(path), "-o", "body"], &[]);
        assert!(o.status.success(), "{path}: {}", stderr(&o));
        assert!(stderr(&o).contains(&format!("({name},")), "{}", stderr(&o));
        let body = std::fs::read(dir.join("body")).unwrap();
        if path.ends_with("vars") {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(v["work_rounds"].as_i64().is_some(), "{v}");
            assert!(v["memstats"]["HeapAlloc"].as_u64().is_some());
        } else {
            assert!(body.starts_with(b"goroutine "));
            assert!(String::from_utf8_lossy(&body).contains("main.parked"));
        }
    }
}

#[test]
fn live_cpu_profile_and_trace_with_seconds() {
    let Some((_, bin)) = liveservice() else {
        return;
    };
    let dir = support::scratch("live-seconds");
    let svc = Service::start(bin, &dir, None, None);
    let o = rprof_in(
        &dir,
        &[
            "fetch",
            "--seconds",
            "2",
            &format!("{}/debug/pprof/profile", svc.http),
            "-o",
            "cpu.pb.gz",
        ],
        &[],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "Fetching profile over HTTP from {}",
            svc.url("/debug/pprof/profile?seconds=2")
        )),
        "{err}"
    );
    assert!(err.contains("Please wait... (2s)"), "{err}");
    let p = rprof_profile::parse(&std::fs::read(dir.join("cpu.pb.gz")).unwrap()).unwrap();
    assert_eq!(p.sample_type_names(), ["samples", "cpu"]);
    assert!(p.duration_nanos >= 1_900_000_000, "{}", p.duration_nanos);
    let top = rprof_in(&dir, &["top", "cpu.pb.gz"], &[]);
    assert!(
        String::from_utf8_lossy(&top.stdout).contains("main.burnCPU"),
        "{}",
        String::from_utf8_lossy(&top.stdout)
    );
    // A 2-second trace, fully parsed before -o is written.
    let o = rprof_in(
        &dir,
        &[
            "fetch",
            &svc.url("/debug/pprof/trace?seconds=2"),
            "-o",
            "trace.out",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("Please wait... (2s)"));
    let s = rprof_in(&dir, &["trace", "summary", "trace.out"], &[]);
    assert!(s.status.success(), "{}", stderr(&s));
    assert!(!s.stdout.is_empty());
}

#[test]
fn live_saved_copies_are_named_as_pprof_names_them() {
    let Some((go, bin)) = liveservice() else {
        return;
    };
    let dir = support::scratch("live-names");
    let svc = Service::start(bin, &dir, None, None);
    let urls = [
        svc.url("/debug/pprof/heap"),
        svc.url("/debug/pprof/profile?seconds=1"),
        svc.url("/debug/pprof/goroutine?debug=1"),
        svc.url("/debug/pprof/mutex"),
    ];
    let ours = dir.join("ours");
    let opts = rprof_source::FetchOptions {
        save_dir: Some(ours.clone()),
        ..Default::default()
    };
    for u in &urls {
        let src = rprof_source::Source::parse(u).unwrap();
        let f = rprof_source::fetch(&src, &opts, &rprof_source::NoProgress).unwrap();
        assert!(f.saved_path.is_some(), "{u}");
    }
    let theirs = dir.join("theirs");
    for u in &urls {
        let o = go_cmd(go)
            .args(["tool", "pprof", "-raw", u])
            .env("PPROF_TMPDIR", &theirs)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "go tool pprof {u}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(support::files_in(&ours), support::files_in(&theirs));
    assert_eq!(support::files_in(&ours).len(), 4);
}

#[test]
fn live_gops_commands() {
    let Some((go, bin)) = liveservice() else {
        return;
    };
    let dir = support::scratch("live-gops");
    let svc = Service::start(bin, &dir, None, None);
    let gops_env = [("GOPS_CONFIG_DIR", svc.gops_dir.to_str().unwrap())];
    let pid = svc.pid.to_string();
    // The 30 s CPU profile runs while the other commands are tried.
    let cpu = {
        let (dir, gops) = (dir.clone(), svc.gops.clone());
        std::thread::spawn(move || {
            rprof_in(&dir, &["gops", &gops, "pprof-cpu", "-o", "cpu.pb.gz"], &[])
        })
    };
    let run = |args: &[&str]| {
        let o = rprof_in(&dir, args, &gops_env);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    for target in [svc.gops.as_str(), pid.as_str()] {
        let stack = run(&["gops", target, "stack"]);
        assert!(stack.starts_with("goroutine "), "{stack}");
        assert!(stack.contains("main.parked"), "{stack}");
        assert_eq!(run(&["gops", target, "gc"]), "ok\n");
        let mem = run(&["gops", target, "memstats"]);
        for key in [
            "alloc: ",
            "heap-alloc: ",
            "num-gc: ",
            "next-gc: when heap-alloc >= ",
        ] {
            assert!(mem.lines().any(|l| l.starts_with(key)), "{key}: {mem}");
        }
        let stats = run(&["gops", target, "stats"]);
        assert!(
            stats.contains("goroutines: ") && stats.contains("GOMAXPROCS: "),
            "{stats}"
        );
    }
    let num_gc = |mem: &str| -> u64 {
        mem.lines()
            .find_map(|l| l.strip_prefix("num-forced-gc: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let before = num_gc(&run(&["gops", &svc.gops, "memstats"]));
    run(&["gops", &svc.gops, "gc"]);
    assert_eq!(num_gc(&run(&["gops", &svc.gops, "memstats"])), before + 1);
    assert_eq!(
        run(&["gops", &svc.gops, "setgc", "50"]),
        "New GC percent set to 50. Previous value was 100.\n"
    );
    assert_eq!(
        run(&["gops", &pid, "setgc", "-1"]),
        "New GC percent set to -1. Previous value was 50.\n"
    );
    run(&["gops", &svc.gops, "setgc", "100"]);
    // The version the service was built with.
    let v = go_cmd(go).arg("version").output().unwrap();
    let go_version = String::from_utf8_lossy(&v.stdout);
    let version = run(&["gops", &svc.gops, "version"]);
    assert!(
        go_version.contains(&format!("{} ", version.trim())),
        "{version} vs {go_version}"
    );
    // Heap profile: saved as pprof names it, or to -o.
    let out = rprof_in(&dir, &["gops", &pid, "pprof-heap"], &gops_env);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let saved = support::files_in(&dir.join("saved"));
    assert_eq!(
        saved,
        ["pprof.liveservice.alloc_objects.alloc_space.inuse_objects.inuse_space.001.pb.gz"]
    );
    assert!(err.contains("Saved profile in "), "{err}");
    run(&["gops", &svc.gops, "pprof-heap", "-o", "heap.pb.gz"]);
    let heap = rprof_profile::parse(&std::fs::read(dir.join("heap.pb.gz")).unwrap()).unwrap();
    assert_eq!(heap.sample_type_names()[3], "inuse_space");
    // A 5-second trace.
    let out = rprof_in(&dir, &["gops", &svc.gops, "trace", "-o", "gops.trace"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Please wait... (5s)"),
        "{}",
        stderr(&out)
    );
    let s = rprof_in(&dir, &["trace", "summary", "gops.trace"], &[]);
    assert!(s.status.success(), "{}", stderr(&s));
    // No agent for a PID without a port file: one line.
    let o = rprof_in(&dir, &["gops", "999999999", "stats"], &gops_env);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("rprof: gops://999999999: no gops agent for process 999999999"),
        "{}",
        stderr(&o)
    );
    // The CPU profile.
    let o = cpu.join().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Please wait... (30s)"),
        "{}",
        stderr(&o)
    );
    let p = rprof_profile::parse(&std::fs::read(dir.join("cpu.pb.gz")).unwrap()).unwrap();
    assert_eq!(p.sample_type_names(), ["samples", "cpu"]);
}

#[test]
fn live_collect_survives_a_restart() {
    let Some((_, bin)) = liveservice() else {
        return;
    };
    let dir = support::scratch("live-collect");
    let svc = Service::start(bin, &dir, None, None);
    let (http, gops) = (svc.http.clone(), svc.gops.clone());
    let child = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args([
            "collect",
            "--every",
            "1s",
            "--for",
            "10s",
            "--profiles",
            "heap,goroutine",
            "--vars",
            "--keep",
            "20",
            "-o",
            "out",
        ])
        .arg(format!("http://{http}"))
        .arg(format!("gops://{gops}"))
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    drop(svc); // killed
    std::thread::sleep(Duration::from_millis(3000));
    let svc = Service::start(bin, &dir, Some(&http), Some(&gops));
    let out = wait_bounded(child, Duration::from_secs(40));
    drop(svc);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    for target in [format!("http://{http}"), format!("gops://{gops}")] {
        assert!(
            err.contains(&format!(
                "{target} is unreachable (connection refused); will keep trying"
            )),
            "{target}: {err}"
        );
        assert!(
            err.contains(&format!("{target} answers again after ")),
            "{target}: {err}"
        );
    }
    let index = rprof_source::Index::read(&dir.join("out")).unwrap();
    let events: Vec<(&str, &str)> = index
        .events
        .iter()
        .map(|e| (e.target.as_str(), e.event.as_str()))
        .collect();
    let h = format!("http://{http}");
    let g = format!("gops://{gops}");
    assert!(events.contains(&(h.as_str(), "down")) && events.contains(&(h.as_str(), "back")));
    assert!(events.contains(&(g.as_str(), "down")) && events.contains(&(g.as_str(), "back")));
    // Snapshots before and after the restart, all readable.
    let rounds_with_heap: Vec<u64> = index
        .snapshots
        .iter()
        .filter(|s| s.target == h && s.what == "heap")
        .map(|s| s.round)
        .collect();
    let down_round = rounds_with_heap.windows(2).any(|w| w[1] > w[0] + 1);
    assert!(
        down_round,
        "a gap while the service was down: {rounds_with_heap:?}"
    );
    for s in &index.snapshots {
        let bytes = std::fs::read(dir.join("out").join(&s.file)).unwrap();
        assert_eq!(bytes.len() as u64, s.bytes);
        match (s.target == h, s.what.as_str()) {
            (_, "heap") => {
                rprof_profile::parse(&bytes).unwrap();
            }
            (true, "goroutine") => {
                rprof_profile::parse(&bytes).unwrap();
            }
            (false, "goroutine") => assert!(bytes.starts_with(b"goroutine ")),
            (true, "vars") => {
                let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert!(v.get("memstats").is_some());
            }
            (false, "memstats") => assert!(bytes.starts_with(b"alloc: ")),
            (false, "stats") => assert!(bytes.starts_with(b"goroutines: ")),
            other => panic!("unexpected snapshot {other:?}"),
        }
    }
    // Nothing but the index and the snapshots.
    let mut listed: Vec<String> = index.snapshots.iter().map(|s| s.file.clone()).collect();
    listed.sort();
    let mut on_disk = Vec::new();
    for sub in support::files_in(&dir.join("out")) {
        if sub == "index.json" {
            continue;
        }
        for f in support::files_in(&dir.join("out").join(&sub)) {
            on_disk.push(format!("{sub}/{f}"));
        }
    }
    on_disk.sort();
    assert_eq!(listed, on_disk);
}

#[test]
fn live_ctrl_c_cancels_cleanly() {
    let Some((_, bin)) = liveservice() else {
        return;
    };
    let dir = support::scratch("live-ctrlc");
    let svc = Service::start(bin, &dir, None, None);
    let child = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["fetch", "--seconds", "30"])
        .arg(svc.url("/debug/pprof/profile"))
        .args(["-o", "cpu.pb.gz"])
        .current_dir(&dir)
        .env("RPROF_TMPDIR", dir.join("saved"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let began = Instant::now();
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = wait_bounded(child, Duration::from_secs(10));
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .lines()
            .last()
            .unwrap()
            .ends_with(": cancelled"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("cpu.pb.gz").exists());
    assert!(support::files_in(&dir.join("saved")).is_empty());

    // collect: Ctrl-C is how it stops; the index is complete.
    let child = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["collect", "--every", "1s", "-o", "coll"])
        .arg(svc.url(""))
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = wait_bounded(child, Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("Stopped after "), "{}", stderr(&out));
    let index = rprof_source::Index::read(&dir.join("coll")).unwrap();
    assert!(!index.snapshots.is_empty());
    for s in &index.snapshots {
        assert!(dir.join("coll").join(&s.file).exists());
    }
}

/// Waits for a child at most `limit`, killing it past that.
fn wait_bounded(mut child: Child, limit: Duration) -> Output {
    let until = Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > until {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("still running after {limit:?}: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every report takes a URL wherever it takes a file (sources, bases,
/// traces), and prints what it prints for the same bytes in a file.
#[test]
fn reports_read_urls_as_they_read_files() {
    let dir = support::scratch("reports-urls");
    let fixtures = support::fixtures();
    let heap = fixtures.join("profiles/heap.pb.gz");
    let heap2 = fixtures.join("profiles/heap.v2.pb.gz");
    let trace = fixtures.join("profiles/trace.out");
    let s1 = serve(Fault::Ok(
        std::fs::read(&heap).unwrap(),
        "application/octet-stream",
    ));
    let s2 = serve(Fault::Ok(
        std::fs::read(&heap2).unwrap(),
        "application/octet-stream",
    ));
    let st = serve(Fault::Ok(
        std::fs::read(&trace).unwrap(),
        "application/octet-stream",
    ));
    let url1 = format!("http://{}/debug/pprof/heap", s1.addr);
    // Without a scheme, as pprof takes host:port/path.
    let url2 = format!("{}/debug/pprof/heap", s2.addr);
    let turl = format!("http://{}/debug/pprof/trace?seconds=1", st.addr);
    let (h, h2, t) = (
        heap.to_str().unwrap(),
        heap2.to_str().unwrap(),
        trace.to_str().unwrap(),
    );
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["top", &url1], vec!["top", h]),
        (
            vec!["top", "--base", &url1, &url2],
            vec!["top", "--base", h, h2],
        ),
        (
            vec!["diff", "--json", "--base", &url1, &url2],
            vec!["diff", "--json", "--base", h, h2],
        ),
        (
            vec!["flame", "--folded", "-o", "-", &url2],
            vec!["flame", "--folded", "-o", "-", h2],
        ),
        (vec!["trace", "summary", &turl], vec!["trace", "summary", t]),
        (
            vec!["trace", "pprof", "--kind", "sync", "-o", "-", &turl],
            vec!["trace", "pprof", "--kind", "sync", "-o", "-", t],
        ),
    ];
    for (remote, local) in cases {
        let r = rprof_in(&dir, &remote, &[]);
        let l = rprof_in(&dir, &local, &[]);
        assert!(r.status.success(), "{remote:?}: {}", stderr(&r));
        assert!(l.status.success(), "{local:?}: {}", stderr(&l));
        let norm = |o: &Output, names: &[&str]| {
            // diff --json names its sources: the URL on one side, the path
            // on the other.
            let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
            for n in names {
                s = s.replace(n, "SOURCE");
            }
            s
        };
        assert_eq!(
            norm(&r, &[&url1, &url2]),
            norm(&l, &[h, h2]),
            "{remote:?} differs from {local:?}"
        );
        // pprof's lines about the fetch, and the saved copy.
        if remote[0] != "trace" {
            assert!(
                stderr(&r).contains("Fetching profile over HTTP from"),
                "{}",
                stderr(&r)
            );
        }
    }
    assert!(!support::files_in(&dir.join("saved")).is_empty());
    // A fault names the URL and fails the report in one line.
    let refused = format!("http://{}/debug/pprof/heap", support::refused_addr());
    let o = rprof_in(&dir, &["top", &refused], &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("rprof:")).count(),
        1,
        "{err}"
    );
    assert!(err.contains(&refused), "{err}");
}

/// A mistyped file name is a missing file, not a host to look up (pprof
/// would try `http://nosuch.pb.gz/debug/pprof/profile`).
#[test]
fn a_missing_file_is_never_looked_up_as_a_host() {
    let dir = support::scratch("missing-file");
    for args in [
        vec!["top", "nosuch.pb.gz"],
        vec!["trace", "summary", "nosuch.trace"],
    ] {
        let o = rprof_in(&dir, &args, &[]);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains("No such file or directory"), "{args:?}: {err}");
        assert!(!err.contains("Fetching"), "{err}");
    }
}
