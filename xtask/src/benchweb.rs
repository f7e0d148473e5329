//! The web UI's rows of `cargo xtask bench`: `rprof web` beside
//! `go tool pprof -http` on the big profile, in the same run. For each
//! server: the time from starting it to the first complete flame graph
//! page (loading the profile included), the size of every page, and the
//! server's peak RSS after serving them (VmHWM), beside `rprof top`'s.

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

fn peak_rss_mb(pid: u32) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
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
/// one function of the generated profile (`…/internal/api.handle290.func1`).
const PAGES: &[&str] = &[
    "flamegraph",
    "top",
    "graph",
    "peek?f=api%5C.handle290%5C.func1%20",
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
