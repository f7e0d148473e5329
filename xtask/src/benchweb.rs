//! The web UI's rows of `cargo xtask bench`: `rprof web` beside
//! `go tool pprof -http` on the big profile, in the same run. For each
//! server: the time from starting it to the first complete flame graph
//! page (loading the profile included), the size of every page, and the
//! server's peak RSS after serving them (VmHWM), beside `rprof top`'s.
//!
//! And `rprof trace web` beside `go tool trace -http` on the busy trace:
//! the time from start to the first page, to the whole trace's timeline
//! data (rprof: the JSON the timeline page draws; Go: the Catapult JSON
//! of its first section), rprof's pan/zoom answers, and both servers'
//! RSS (peak, and rprof's after serving, beside its RSS on a small
//! fixture trace: the constant part).

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills and reaps a server on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// GET `path`; the status and the body's size.
fn get(addr: &str, path: &str, timeout: Duration) -> Result<(u16, usize)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(timeout))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("no status")?;
    Ok((status, raw.len() - end - 4))
}

/// Polls until the server accepts connections (at most `limit`).
fn wait_up(addr: &str, limit: Duration) -> Result<()> {
    let start = Instant::now();
    while TcpStream::connect(addr).is_err() {
        if start.elapsed() > limit {
            bail!("{addr} did not come up within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// A process's peak resident set, MB (0 once it is gone).
fn peak_rss_mb(pid: u32) -> i64 {
    status_mb(pid, "VmHWM:")
}

/// A process's resident set now, MB (0 once it is gone).
fn current_rss_mb(pid: u32) -> i64 {
    status_mb(pid, "VmRSS:")
}

/// The kB figure of `field` in `/proc/PID/status`, in MB.
fn status_mb(pid: u32, field: &str) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<i64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

struct Run {
    first_flame: f64,
    pages: Vec<(String, Option<usize>)>,
    rss_mb: i64,
}

/// The pages fetched after the first flame graph; the peek pattern names
/// one function of the generated profile (`…/internal/api.handle290.func1`,
/// and its `func1N` siblings: peek's lines granularity names a node
/// `func file:line`, and the generated functions have no file, so a
/// trailing space or `$` matches nothing, in pprof as in rprof).
const PAGES: &[&str] = &[
    "flamegraph",
    "top",
    "graph",
    "peek?f=api%5C.handle290%5C.func1",
];

fn visit(server: &Server, addr: &str, start: Instant) -> Result<Run> {
    let long = Duration::from_secs(600);
    let (status, _) = get(addr, "/ui/flamegraph", long)?;
    let first_flame = start.elapsed().as_secs_f64();
    if status != 200 {
        bail!("flame graph: HTTP {status}");
    }
    let mut pages = Vec::new();
    for p in PAGES {
        let (status, size) = get(addr, &format!("/ui/{p}"), long)?;
        pages.push((p.to_string(), (status == 200).then_some(size)));
    }
    Ok(Run {
        first_flame,
        pages,
        rss_mb: peak_rss_mb(server.0.id()),
    })
}

fn rprof_web(rprof: &Path, big: &Path) -> Result<Run> {
    let start = Instant::now();
    let mut child = Command::new(rprof)
        .args(["web", "--no-browser"])
        .arg(big)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let out = child.stdout.take().context("stdout")?;
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("Serving web UI on http://")
        .with_context(|| format!("unexpected first line {line:?}"))?
        .to_string();
    visit(&server, &addr, start)
}

fn pprof_web(pprof: &Path, big: &Path) -> Result<Run> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let start = Instant::now();
    let server = Server(
        Command::new(pprof)
            .args(["-no_browser", &format!("-http={addr}")])
            .arg(big)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    wait_up(&addr, Duration::from_secs(600))?;
    visit(&server, &addr, start)
}

/// Prints the web rows: first flame view and RSS in the main table's
/// shape, then a table of page sizes. `top_rss_mb` is `rprof top`'s peak
/// RSS on the same profile in this run.
pub fn rows(
    rprof: &Path,
    pprof: Option<&Path>,
    big: &Path,
    runs: usize,
    top_rss_mb: i64,
) -> Result<()> {
    let mut best: Option<Run> = None;
    for _ in 0..runs.max(1) {
        let r = rprof_web(rprof, big)?;
        if best.as_ref().is_none_or(|b| r.first_flame < b.first_flame) {
            best = Some(r);
        }
    }
    let r = best.context("no run")?;
    let g = match pprof {
        Some(p) => Some(pprof_web(p, big)?),
        None => None,
    };
    println!(
        "\n| web UI (`rprof web` / `go tool pprof -http`) | rprof | Go tool | speed-up | rprof RSS | Go RSS | memory |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    match &g {
        Some(g) => println!(
            "| first flame graph page, from start | {:.3} s | {:.2} s | {:.1}x | {} MB | {} MB | {:.1}x less |",
            r.first_flame,
            g.first_flame,
            g.first_flame / r.first_flame,
            r.rss_mb,
            g.rss_mb,
            g.rss_mb as f64 / r.rss_mb.max(1) as f64
        ),
        None => println!(
            "| first flame graph page, from start | {:.3} s | – | – | {} MB | – | – |",
            r.first_flame, r.rss_mb
        ),
    }
    println!(
        "\nServer peak RSS after serving every page: {} MB, {:.1}x `rprof top`'s {} MB.",
        r.rss_mb,
        r.rss_mb as f64 / top_rss_mb.max(1) as f64,
        top_rss_mb
    );
    println!("\n| page | rprof | Go tool |");
    println!("|---|---:|---:|");
    let mb = |s: &Option<usize>| match s {
        Some(n) => format!("{:.2} MB", *n as f64 / 1e6),
        None => "error".to_string(),
    };
    for (i, (name, size)) in r.pages.iter().enumerate() {
        let go = g
            .as_ref()
            .map(|g| mb(&g.pages[i].1))
            .unwrap_or_else(|| "–".into());
        println!("| `/ui/{name}` | {} | {go} |", mb(size));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// `rprof trace web` beside `go tool trace -http`.

/// GET `path` until it is not 503 (rprof answers 503 while it indexes);
/// the final status, the body's size and when it came.
fn get_ready(addr: &str, path: &str, limit: Duration) -> Result<(u16, usize)> {
    let start = Instant::now();
    loop {
        let r = get(addr, path, limit)?;
        if r.0 != 503 {
            return Ok(r);
        }
        if start.elapsed() > limit {
            bail!("{path}: still 503 after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct TraceRun {
    /// Seconds from start to the first page (`/`).
    first_page: f64,
    /// Seconds from start to the whole trace's timeline data.
    timeline: f64,
    /// Its size, bytes.
    timeline_bytes: usize,
    /// Pan/zoom answers (ms): median and slowest.
    pans: Option<(f64, f64)>,
    /// Peak RSS and RSS at the end, MB.
    peak_mb: i64,
    now_mb: i64,
}

/// The trace's length in ns, from rprof's `/trace/api/info`.
fn trace_end(addr: &str) -> Result<i64> {
    let mut s = TcpStream::connect(addr)?;
    write!(
        s,
        "GET /trace/api/info HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let i = raw.find("\"end_ns\":").context("no end_ns")? + 9;
    let n: String = raw[i..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    Ok(n.parse()?)
}

fn rprof_trace_web(rprof: &Path, trace: &Path) -> Result<TraceRun> {
    let start = Instant::now();
    let mut child = Command::new(rprof)
        .args(["trace", "web", "--no-browser"])
        .arg(trace)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let out = child.stdout.take().context("stdout")?;
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("Serving web UI on http://")
        .with_context(|| format!("unexpected first line {line:?}"))?
        .to_string();
    let long = Duration::from_secs(600);
    let (status, _) = get(&addr, "/", long)?;
    let first_page = start.elapsed().as_secs_f64();
    if status != 200 {
        bail!("/: HTTP {status}");
    }
    // What the timeline page asks first: the info, then the whole trace
    // at the width of a screen.
    let _ = get_ready(&addr, "/trace/api/info", long)?;
    let end = trace_end(&addr)?;
    let (status, timeline_bytes) = get(
        &addr,
        &format!("/trace/api/timeline?view=proc&start=0&end={end}&px=1400"),
        long,
    )?;
    let timeline = start.elapsed().as_secs_f64();
    if status != 200 {
        bail!("timeline: HTTP {status}");
    }
    // Pan and zoom: windows of a tenth, a hundredth and a thousandth of
    // the trace at ten places each, as a user's W/A/S/D would ask.
    let mut ms = Vec::new();
    for frac in [10, 100, 1000] {
        let w = (end / frac).max(1000);
        for k in 0..10 {
            let a = (end - w) / 10 * k;
            let t = Instant::now();
            let (status, _) = get(
                &addr,
                &format!(
                    "/trace/api/timeline?view=proc&start={a}&end={}&px=1400",
                    a + w
                ),
                long,
            )?;
            if status != 200 {
                bail!("pan: HTTP {status}");
            }
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    ms.sort_by(f64::total_cmp);
    // The other pages, so that the RSS counts them too.
    for p in ["/goroutines", "/usertasks", "/userregions", "/io?raw=1"] {
        let _ = get(&addr, p, long)?;
    }
    let pid = server.0.id();
    Ok(TraceRun {
        first_page,
        timeline,
        timeline_bytes,
        pans: Some((ms[ms.len() / 2], ms[ms.len() - 1])),
        peak_mb: peak_rss_mb(pid),
        now_mb: current_rss_mb(pid),
    })
}

fn go_trace_web(tool: &Path, trace: &Path) -> Result<TraceRun> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let start = Instant::now();
    let server = Server(
        Command::new(tool)
            .arg(format!("-http={addr}"))
            .arg(trace)
            // The tool opens a browser; `true` is one that does nothing.
            .env("BROWSER", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let long = Duration::from_secs(900);
    // Go listens first and serves once the trace is parsed and split.
    wait_up(&addr, long)?;
    let (status, _) = get(&addr, "/", long)?;
    let first_page = start.elapsed().as_secs_f64();
    if status != 200 {
        bail!("go /: HTTP {status}");
    }
    // Go's timeline is the Catapult viewer over /jsontrace, for the whole
    // trace when it is small, else for its first section.
    let (_, page) = get_body(&addr, "/", long)?;
    let json = page
        .split("href=\"/trace?")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|q| format!("/jsontrace?{}", q.replace("&amp;", "&")))
        .unwrap_or_else(|| "/jsontrace".into());
    let (status, timeline_bytes) = get(&addr, &json, long)?;
    let timeline = start.elapsed().as_secs_f64();
    if status != 200 {
        bail!("go {json}: HTTP {status}");
    }
    for p in ["/goroutines", "/usertasks", "/userregions", "/io?raw=1"] {
        let _ = get(&addr, p, long)?;
    }
    let pid = server.0.id();
    Ok(TraceRun {
        first_page,
        timeline,
        timeline_bytes,
        pans: None,
        peak_mb: peak_rss_mb(pid),
        now_mb: current_rss_mb(pid),
    })
}

/// GET `path`: the status and the body.
fn get_body(addr: &str, path: &str, timeout: Duration) -> Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(timeout))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("no status")?;
    let body = raw.split_once("\r\n\r\n").map_or("", |x| x.1).to_string();
    Ok((status, body))
}

/// Prints the trace web rows: first page, whole-trace timeline, pan/zoom
/// and RSS, beside `go tool trace -http` on the same trace, in the same
/// run; `small` (a fixture trace of a few hundred KB) gives the constant
/// part of rprof's RSS.
pub fn trace_rows(
    rprof: &Path,
    go_trace: Option<&Path>,
    trace: &Path,
    small: &Path,
    runs: usize,
) -> Result<()> {
    let mut best: Option<TraceRun> = None;
    for _ in 0..runs.max(1) {
        let r = rprof_trace_web(rprof, trace)?;
        if best.as_ref().is_none_or(|b| r.timeline < b.timeline) {
            best = Some(r);
        }
    }
    let r = best.context("no run")?;
    let base = rprof_trace_web(rprof, small)?;
    let g = match go_trace {
        Some(t) => Some(go_trace_web(t, trace)?),
        None => None,
    };
    let size_mb = std::fs::metadata(trace)?.len() as f64 / 1e6;
    println!(
        "\n| trace UI (`rprof trace web` / `go tool trace -http`), {size_mb:.1} MB trace | rprof | Go tool | speed-up | rprof RSS | Go RSS | memory |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let row = |what: &str, ours: f64, go: Option<f64>, rss: (i64, Option<i64>)| match go {
        Some(gv) => println!(
            "| {what} | {ours:.3} s | {gv:.2} s | {:.1}x | {} MB | {} MB | {:.1}x less |",
            gv / ours,
            rss.0,
            rss.1.unwrap_or(0),
            rss.1.unwrap_or(0) as f64 / rss.0.max(1) as f64
        ),
        None => println!("| {what} | {ours:.3} s | – | – | {} MB | – | – |", rss.0),
    };
    row(
        "first page, from start",
        r.first_page,
        g.as_ref().map(|g| g.first_page),
        (r.peak_mb, g.as_ref().map(|g| g.peak_mb)),
    );
    row(
        "whole-trace timeline data, from start",
        r.timeline,
        g.as_ref().map(|g| g.timeline),
        (r.peak_mb, g.as_ref().map(|g| g.peak_mb)),
    );
    if let Some((med, max)) = r.pans {
        println!(
            "| pan/zoom answer (30 windows of 1/10 to 1/1000 of the trace) | median {med:.1} ms, slowest {max:.1} ms | (in the browser) | – | – | – | – |"
        );
    }
    println!(
        "\nTrace UI memory: rprof's server peaks at {} MB and holds {} MB after serving every page \
         ({} MB on a {:.1} MB fixture trace: the constant part), so {:.1} MB above the constant \
         for a {size_mb:.1} MB trace ({:.2}x its size; target < 0.10x).{}",
        r.peak_mb,
        r.now_mb,
        base.now_mb,
        std::fs::metadata(small)?.len() as f64 / 1e6,
        (r.now_mb - base.now_mb).max(0) as f64,
        (r.now_mb - base.now_mb).max(0) as f64 / size_mb,
        match &g {
            Some(g) => format!(
                " Go's server peaks at {} MB ({:.0}x the trace).",
                g.peak_mb,
                g.peak_mb as f64 / size_mb
            ),
            None => String::new(),
        }
    );
    println!(
        "Timeline data sent for the whole trace: rprof {:.2} MB{}.",
        r.timeline_bytes as f64 / 1e6,
        g.as_ref()
            .map(|g| format!(
                ", Go {:.2} MB (its first section's JSON)",
                g.timeline_bytes as f64 / 1e6
            ))
            .unwrap_or_default()
    );
    Ok(())
}
