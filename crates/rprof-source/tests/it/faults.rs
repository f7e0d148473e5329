//! Fetching from servers that go wrong, and from one that works: each
//! fault is one error naming the URL (credentials removed) and the
//! problem, and no saved copy.

use crate::support;

use rprof_source::{
    FetchOptions, Kind, NoProgress, Problem, Progress, Source, Stage, fetch, fetch_all, open,
};
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use support::{Fault, serve};

fn heap_bytes() -> Vec<u8> {
    std::fs::read(support::fixtures().join("profiles/heap.pb.gz")).unwrap()
}

/// Options saving into a fresh directory, with a short timeout.
fn opts(name: &str) -> (FetchOptions, rprof_testkit::Scratch) {
    let dir = support::scratch(name);
    let o = FetchOptions {
        save_dir: Some(dir.to_path_buf()),
        timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    (o, dir)
}

fn src(url: &str) -> Source {
    Source::parse(url).unwrap()
}

/// Fetches `url` expecting a failure; checks the message and that
/// nothing was saved.
fn fails(name: &str, url: &str, want: &[&str]) -> Problem {
    let (o, dir) = opts(name);
    let e = fetch(&src(url), &o, &NoProgress).unwrap_err();
    let msg = e.to_string();
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert!(!msg.contains("s3cret"), "credentials shown: {msg}");
    for w in want {
        assert!(msg.contains(w), "{msg:?} should contain {w:?}");
    }
    assert_eq!(
        support::files_in(&dir),
        Vec::<String>::new(),
        "saved on failure"
    );
    e.problem
}

#[test]
fn refused() {
    let a = support::refused_addr();
    let p = fails(
        "refused",
        &format!("http://bob:s3cret@{a}/debug/pprof/heap"),
        &[&format!(
            "http://xxxxx@{a}/debug/pprof/heap: connection refused"
        )],
    );
    assert!(matches!(p, Problem::Refused));
}

#[test]
fn stall_times_out() {
    let s = serve(Fault::Stall);
    let began = Instant::now();
    let p = fails(
        "stall",
        &s.url("/debug/pprof/heap"),
        &[&s.url("/debug/pprof/heap"), "timed out after 1s"],
    );
    assert!(matches!(p, Problem::Timeout(_)), "{p:?}");
    // pprof's timeout plus its 5 s of grace, not the server's patience.
    assert!(began.elapsed() < Duration::from_secs(15));
}

#[test]
fn dropped_mid_body() {
    let body = heap_bytes();
    let sent = body.len() / 2;
    let s = serve(Fault::DropMidBody { body, sent });
    let p = fails(
        "drop",
        &s.url("/debug/pprof/heap"),
        &[&s.url("/debug/pprof/heap"), "connection closed mid-body"],
    );
    assert!(matches!(p, Problem::Truncated { .. }), "{p:?}");
}

#[test]
fn html_with_200() {
    let s = serve(Fault::Html);
    fails(
        "html",
        &s.url("/debug/pprof/heap"),
        &["the server answered 200 OK with an HTML page, not a profile"],
    );
    fails(
        "html-trace",
        &s.url("/debug/pprof/trace"),
        &["the server answered 200 OK with an HTML page, not a trace"],
    );
}

#[test]
fn json_with_200() {
    let s = serve(Fault::Ok(
        b"{\"error\":\"denied\"}".to_vec(),
        "application/json",
    ));
    fails(
        "json",
        &s.url("/debug/pprof/profile"),
        &["the server answered 200 OK with JSON, not a profile"],
    );
}

#[test]
fn gzip_bomb() {
    let s = serve(Fault::Ok(
        support::gzip_bomb().to_vec(),
        "application/octet-stream",
    ));
    let p = fails(
        "bomb",
        &s.url("/debug/pprof/heap"),
        &["gzip stream inflates past", "gzip bomb"],
    );
    assert!(matches!(p, Problem::Profile(_)), "{p:?}");
}

#[test]
fn go_error_body_is_shown() {
    let s = serve(Fault::GoError(
        500,
        "Internal Server Error",
        "Could not enable CPU profiling: cpu profiling already in use",
    ));
    fails(
        "goerr",
        &s.url("/debug/pprof/profile?seconds=1"),
        &[
            "server response: 500 Internal Server Error - Could not enable CPU profiling: cpu profiling already in use",
        ],
    );
}

#[test]
fn body_limit() {
    let s = serve(Fault::Ok(heap_bytes(), "application/octet-stream"));
    let (mut o, dir) = opts("limit");
    o.max_body = 100;
    let e = fetch(&src(&s.url("/debug/pprof/heap")), &o, &NoProgress).unwrap_err();
    assert!(e.to_string().contains("response larger than 100 B"), "{e}");
    assert!(support::files_in(&dir).is_empty());
}

#[test]
fn self_signed_certificate() {
    let s = support::serve_tls(Fault::Ok(heap_bytes(), "application/octet-stream"));
    let p = fails(
        "tls",
        &format!("https://{}/debug/pprof/heap", s.addr),
        &["TLS failure"],
    );
    assert!(matches!(p, Problem::Tls(_)), "{p:?}");
    // https+insecure:// skips verification, as in pprof.
    let (o, dir) = opts("tls-insecure");
    let f = fetch(
        &src(&format!("https+insecure://{}/debug/pprof/heap", s.addr)),
        &o,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(f.kind, Kind::Profile);
    assert_eq!(f.bytes, heap_bytes());
    assert!(f.saved_path.is_some());
    assert_eq!(support::files_in(&dir).len(), 1);
}

/// Records what a fetch reports.
#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl Progress for Log {
    fn stage(&self, source: &str, stage: Stage<'_>) {
        self.0.lock().unwrap().push(format!("{source} {stage:?}"));
    }
    fn countdown(&self, _: &str, elapsed: Duration, total: Duration) {
        self.0.lock().unwrap().push(format!(
            "countdown {}/{}",
            elapsed.as_millis(),
            total.as_millis()
        ));
    }
}

#[test]
fn works_saves_and_hides_credentials() {
    let body = heap_bytes();
    let s = serve(Fault::Slow(Duration::from_millis(1200), body.clone()));
    let (mut o, dir) = opts("ok");
    o.seconds = Some(1);
    o.timeout = None;
    let log = Log::default();
    let url = format!("http://alice:s3cret@{}/debug/pprof/heap", s.addr);
    let f = fetch(&src(&url), &o, &log).unwrap();
    assert_eq!(f.bytes, body);
    assert_eq!(f.kind, Kind::Profile);
    assert_eq!(
        f.display_name,
        format!("http://xxxxx@{}/debug/pprof/heap?seconds=1", s.addr)
    );
    // Saved as pprof names it: binary, sample types, 001.
    let saved = f.saved_path.unwrap();
    let name = saved.file_name().unwrap().to_str().unwrap().to_string();
    let p = f.profile.unwrap();
    assert_eq!(
        name,
        format!("{}001.pb.gz", rprof_source::profile_prefix(&p))
    );
    assert!(
        name.ends_with(".alloc_objects.alloc_space.inuse_objects.inuse_space.001.pb.gz"),
        "{name}"
    );
    assert_eq!(std::fs::read(&saved).unwrap(), body);
    assert_eq!(support::files_in(&dir), [name]);
    // The request carried seconds=1 and the credentials as Basic auth.
    let reqs = s.requests.lock().unwrap().clone();
    assert!(
        reqs[0].starts_with("GET /debug/pprof/heap?seconds=1 "),
        "{reqs:?}"
    );
    assert_eq!(reqs[1], "authorization: Basic YWxpY2U6czNjcmV0", "{reqs:?}");
    // Progress: stages and a countdown, never the password.
    let log = log.0.into_inner().unwrap();
    assert!(log.iter().all(|l| !l.contains("s3cret")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("Waiting(1s)")), "{log:?}");
    assert!(log.iter().any(|l| l.starts_with("countdown ")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("Saved(")), "{log:?}");
}

#[test]
fn no_save_option() {
    let s = serve(Fault::Ok(heap_bytes(), "application/octet-stream"));
    let (mut o, dir) = opts("nosave");
    o.save = false;
    let f = fetch(&src(&s.url("/debug/pprof/heap")), &o, &NoProgress).unwrap();
    assert!(f.saved_path.is_none());
    assert!(support::files_in(&dir).is_empty());
}

#[test]
fn concurrent_fetches_keep_order() {
    let good = serve(Fault::Ok(heap_bytes(), "application/octet-stream"));
    let html = serve(Fault::Html);
    let (o, _dir) = opts("all");
    let sources = vec![
        src(&good.url("/debug/pprof/heap")),
        src(&html.url("/debug/pprof/heap")),
        src(&format!(
            "http://{}/debug/pprof/heap",
            support::refused_addr()
        )),
        src(&good.url("/debug/pprof/allocs")),
    ];
    let r = fetch_all(&sources, &o, &NoProgress);
    assert_eq!(r.len(), 4);
    assert!(r[0].is_ok() && r[3].is_ok());
    assert!(r[1].as_ref().unwrap_err().to_string().contains("HTML page"));
    assert!(
        r[2].as_ref()
            .unwrap_err()
            .to_string()
            .contains("connection refused")
    );
}

#[test]
fn cancel_stops_a_wait() {
    let s = serve(Fault::Stall);
    let (mut o, _dir) = opts("cancel");
    o.timeout = Some(Duration::from_secs(60));
    let cancel = o.cancel.clone();
    let began = Instant::now();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        cancel.store(true, Ordering::Relaxed);
    });
    let e = fetch(
        &src(&s.url("/debug/pprof/profile?seconds=30")),
        &o,
        &NoProgress,
    )
    .unwrap_err();
    assert!(e.is_cancelled(), "{e}");
    assert!(began.elapsed() < Duration::from_secs(5));
}

#[test]
fn trace_streams_and_saves_when_finished() {
    let trace = std::fs::read(support::fixtures().join("profiles/trace.out")).unwrap();
    let s = serve(Fault::Ok(trace.clone(), "application/octet-stream"));
    let (o, dir) = opts("stream");
    let src = src(&s.url("/debug/pprof/trace?seconds=1"));
    // Dropped before finish: nothing is left.
    {
        let mut st = open(&src, &o, &NoProgress).unwrap();
        let mut head = [0u8; 16];
        st.read_exact(&mut head).unwrap();
        assert!(head.starts_with(b"go 1."));
    }
    assert!(support::files_in(&dir).is_empty());
    let mut st = open(&src, &o, &NoProgress).unwrap();
    assert_eq!(st.kind_hint(), Some(Kind::Trace));
    let mut got = Vec::new();
    st.read_to_end(&mut got).unwrap();
    assert_eq!(got, trace);
    let saved = st.finish().unwrap().unwrap();
    let name = saved.file_name().unwrap().to_str().unwrap();
    let host = s.addr.to_string().replace(':', "_");
    assert!(
        name.starts_with(&format!("trace.{host}.")) && name.ends_with(".out"),
        "{name}"
    );
    assert_eq!(std::fs::read(&saved).unwrap(), trace);
    assert_eq!(support::files_in(&dir).len(), 1);
}
