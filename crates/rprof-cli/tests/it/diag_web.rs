//! `rprof goroutines|gctrace|memstats|race --web` as a user runs them
//! (the URL first on stdout, the page served with the same figures as
//! the command's JSON and text output for the same fixture), and the
//! diagnostics commands reading URLs (a server on 127.0.0.1 started by
//! the test) and `rprof collect` directories.

use crate::serving::{Kill, get_raw, serve as serve_cmd};
use crate::support::{Fault, serve};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn diag() -> PathBuf {
    rprof_testkit::fixture("diag").join("go1.27")
}

fn rprof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(args)
        .current_dir(diag())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> Value {
    let o = rprof(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn text(args: &[&str]) -> String {
    let o = rprof(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Starts `rprof ARGS --web --no-browser`; the guard and `127.0.0.1:PORT`.
fn web(args: &[&str]) -> (Kill, String) {
    serve_cmd(
        Command::new(env!("CARGO_BIN_EXE_rprof"))
            .args(args)
            .args(["--web", "--no-browser"])
            .current_dir(diag())
            .stderr(Stdio::null()),
    )
}

/// GET: the status and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let (status, raw) = get_raw(addr, path);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The values of `attr="…"` on elements whose class starts with `class`,
/// in page order.
fn attrs(page: &str, class: &str, attr: &str) -> Vec<String> {
    page.split(&format!("class=\"{class}"))
        .skip(1)
        .filter_map(|s| {
            let tag = &s[..s.find('>').unwrap_or(s.len())];
            let v = tag.split(&format!("{attr}=\"")).nth(1)?;
            Some(v[..v.find('"')?].to_string())
        })
        .collect()
}

fn numbers(v: &Value, path: &[&str]) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let mut x = x;
            for p in path {
                x = &x[*p];
            }
            x.to_string()
        })
        .collect()
}

#[test]
fn goroutines_web_has_the_buckets_of_the_json() {
    let dumps = ["leak/goroutine-005s.txt", "leak/goroutine-065s.txt"];
    let j = json(&["goroutines", "--json", dumps[0], dumps[1]]);
    let (_g, addr) = web(&["goroutines", dumps[0], dumps[1]]);
    let (status, page) = get(&addr, "/");
    assert_eq!(status, 200);
    let counts = attrs(&page, "bucket-row", "data-count");
    assert_eq!(counts, numbers(&j["buckets"], &["count"]));
    assert!(
        page.contains(&format!(
            "{} goroutines in {} buckets",
            j["goroutines"],
            counts.len()
        )),
        "{page:.600}"
    );
    // Each bucket has its stack, and the leak suspects are flagged.
    let leaks = j["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| !b["leak"].is_null())
        .count();
    assert!(leaks > 0);
    assert_eq!(page.matches("class=\"bucket-stack").count(), counts.len());
    assert_eq!(page.matches("<tr class=\"bucket-row leak").count(), leaks);
    // The dump as a goroutine profile, in the profile UI.
    let (status, top) = get(&addr, "/pprof/ui/top");
    assert_eq!(status, 200);
    assert!(top.contains("main.watch"), "{top:.600}");
    let (status, _) = get(&addr, "/pprof/ui/");
    assert_eq!(status, 301);
}

#[test]
fn gctrace_web_has_the_cycles_of_the_json() {
    let j = json(&["gctrace", "--json", "gctrace-grow.txt"]);
    let (_g, addr) = web(&["gctrace", "gctrace-grow.txt"]);
    let (status, page) = get(&addr, "/");
    assert_eq!(status, 200);
    let cycles = &j["traces"][0]["cycles"];
    assert_eq!(attrs(&page, "cycle", "data-n"), numbers(cycles, &["n"]));
    let s = &j["traces"][0]["summary"];
    assert!(
        page.contains(&format!(
            "peak heap {} MB",
            s["peak_heap_mb"].as_u64().unwrap()
        )),
        "{page:.2000}"
    );
    // The chart, inline.
    assert_eq!(page.matches("<svg").count(), 1);
    assert!(page.contains("gctrace-grow.txt: heap per GC cycle"));
}

#[test]
fn memstats_web_has_the_summary_of_the_text_and_the_verdicts() {
    let inputs = ["leak/vars.jsonl", "steady/vars.jsonl"];
    let j = json(&["memstats", "--json", inputs[0], inputs[1]]);
    assert!(!j["series"][0]["summary"]["leak"].is_null());
    assert!(j["series"][1]["summary"]["leak"].is_null());
    let t = text(&["memstats", inputs[0], inputs[1]]);
    let (_g, addr) = web(&["memstats", inputs[0], inputs[1]]);
    let (status, page) = get(&addr, "/");
    assert_eq!(status, 200);
    assert_eq!(page.matches("class=\"verdict leak\"").count(), 1);
    assert_eq!(page.matches("class=\"verdict ok\"").count(), 1);
    let leak = j["series"][0]["summary"]["leak"].as_str().unwrap();
    assert!(page.contains(&format!("Leak suspected: {leak}")));
    // Every metric line of the text output is a row of the page:
    // "  heap allocated        310.8 KiB → 20.0 MiB (min …, max …)".
    let mut rows = 0;
    for line in t
        .lines()
        .filter(|l| l.contains(" → ") && l.contains("(min "))
    {
        let (head, minmax) = line.split_once(" (min ").unwrap();
        let (left, last) = head.split_once(" → ").unwrap();
        let left = left.trim();
        // The label is text, the first value its last two words or one.
        let (label, first) = match left.rsplit_once(' ') {
            Some((l, unit)) if ["B", "KiB", "MiB", "GiB"].contains(&unit) => {
                let (l, n) = l.trim_end().rsplit_once(' ').unwrap();
                (l.trim(), format!("{n} {unit}"))
            }
            Some((l, n)) => (l.trim(), n.to_string()),
            None => panic!("{line}"),
        };
        let (min, max) = minmax.trim_end_matches(')').split_once(", max ").unwrap();
        let row = format!(
            "<tr><td>{label}</td><td class=\"num\">{first}</td><td class=\"num\">{}</td><td class=\"num\">{min}</td><td class=\"num\">{max}</td></tr>",
            last.trim()
        );
        assert!(page.contains(&row), "missing {row}");
        rows += 1;
    }
    assert!(rows >= 10, "{rows} metric lines in {t}");
    assert_eq!(page.matches("<svg").count(), 1);
}

#[test]
fn race_web_has_the_pairs_of_the_json() {
    let j = json(&["race", "--json", "race.txt"]);
    let (_g, addr) = web(&["race", "race.txt"]);
    let (status, page) = get(&addr, "/");
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&page, "pair-row", "data-count"),
        numbers(&j["pairs"], &["count"])
    );
    for p in j["pairs"].as_array().unwrap() {
        for t in p["tests"].as_array().unwrap() {
            assert!(page.contains(t.as_str().unwrap()));
        }
    }
    assert!(page.contains(&format!("{} race reports", j["reports"])));
}

#[test]
fn web_options_are_checked() {
    let o = rprof(&["goroutines", "--web", "--html", "panic.txt"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let o = rprof(&["gctrace", "--web", "--json", "gctrace-grow.txt"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    // --http and --no-browser belong to --web.
    let o = rprof(&["race", "--http", "127.0.0.1:0", "race.txt"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    // Bad input fails before anything is served.
    let o = rprof(&["race", "--web", "--no-browser", "gctrace-grow.txt"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("gctrace-grow.txt"));
}

/// The JSON of a command, with the input's name replaced.
fn json_named(args: &[&str], name: &str) -> String {
    let o = rprof(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().replace(name, "INPUT")
}

#[test]
fn diagnostics_read_urls_as_they_read_files() {
    let read = |p: &str| std::fs::read(diag().join(p)).unwrap();
    let dump = serve(Fault::Ok(read("leak/goroutine-065s.txt"), "text/plain"));
    let gc = serve(Fault::Ok(read("gctrace-grow.txt"), "text/plain"));
    let race = serve(Fault::Ok(read("race.txt"), "text/plain"));
    let vars = serve(Fault::Ok(read("leak/vars/0005.json"), "application/json"));
    let cases = [
        (
            "goroutines",
            dump.url("/debug/pprof/goroutine?debug=2"),
            "leak/goroutine-065s.txt",
        ),
        ("gctrace", gc.url("/log"), "gctrace-grow.txt"),
        ("race", race.url("/race.log"), "race.txt"),
        ("memstats", vars.url("/debug/vars"), "leak/vars/0005.json"),
    ];
    for (cmd, url, file) in &cases {
        assert_eq!(
            json_named(&[cmd, "--json", url], url),
            json_named(&[cmd, "--json", file], file),
            "{cmd} {url}"
        );
    }
    // --every: one snapshot per fetch, timed by the clock.
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
    };
    let before = now();
    let j = json(&[
        "memstats",
        "--json",
        "--every",
        "200ms",
        "--for",
        "1s",
        &vars.url("/debug/vars"),
    ]);
    let s = &j["series"][0];
    assert_eq!(s["summary"]["snapshots"], 6, "{s}");
    assert_eq!(s["times"], "documents");
    let t: Vec<f64> = s["time_unix_s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // In order, the last no sooner than 5 intervals after the start
    // (however slow the machine, the fetches are not early).
    assert!(t.windows(2).all(|w| w[0] < w[1]), "{t:?}");
    assert!(
        t[0] >= before - 0.01 && t[5] >= before + 1.0,
        "{before}: {t:?}"
    );
    assert!(t[5] <= now() + 0.01, "{t:?}");
    // A failing URL is one line naming it.
    let refused = format!(
        "http://{}/debug/pprof/goroutine?debug=2",
        crate::support::refused_addr()
    );
    let o = rprof(&["goroutines", &refused]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("rprof:")).count(),
        1,
        "{err}"
    );
    assert!(err.contains(&refused), "{err}");
}

/// A service answering /debug/vars (the leaking service's documents, one
/// after another) and /debug/pprof/heap, on 127.0.0.1, for `rprof
/// collect`; it stops answering after the test's bounded number of
/// requests.
fn vars_service(docs: Vec<Vec<u8>>, heap: Vec<u8>) -> String {
    let ln = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = ln.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut next = 0;
        for _ in 0..200 {
            let Ok((mut s, _)) = ln.accept() else { return };
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut first = String::new();
            let _ = r.read_line(&mut first);
            loop {
                let mut l = String::new();
                match r.read_line(&mut l) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if l.trim().is_empty() => break,
                    Ok(_) => {}
                }
            }
            let (ctype, body) = if first.contains("/debug/vars") {
                let d = docs[next % docs.len()].clone();
                next += 1;
                ("application/json", d)
            } else if first.contains("/debug/pprof/heap") {
                ("application/octet-stream", heap.clone())
            } else {
                ("text/plain", b"404 page not found\n".to_vec())
            };
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    addr
}

fn vars_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn memstats_reads_a_collect_directory() {
    let docs: Vec<Vec<u8>> = vars_files(&diag().join("leak/vars"))
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let heap = std::fs::read(rprof_testkit::fixture("profiles").join("heap.pb.gz")).unwrap();
    let addr = vars_service(docs, heap);
    let dir = rprof_testkit::scratch("diag-web-collect");
    let out = dir.join("collected");
    let o = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["collect", "--vars", "--profiles", "heap", "--every", "1s"])
        .args(["--for", "2s", "-o"])
        .arg(&out)
        .arg(format!("http://{addr}"))
        .env("HOME", &dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let index: Value =
        serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap()).unwrap();
    let vars: Vec<&Value> = index["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["what"] == "vars")
        .collect();
    assert!(vars.len() >= 2, "{index}");
    let o = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["memstats", "--json"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &j["series"].as_array().unwrap()[..];
    assert_eq!(s.len(), 1, "one target, one series: {j}");
    assert_eq!(s[0]["summary"]["snapshots"], vars.len());
    assert_eq!(s[0]["times"], "documents");
    // The times are the index's.
    let times: Vec<f64> = s[0]["time_unix_s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let want: Vec<f64> = vars
        .iter()
        .map(|v| v["unix_ms"].as_i64().unwrap() as f64 / 1e3)
        .collect();
    assert_eq!(times, want);
    // The heap profiles beside them are not read as snapshots.
    assert!(j["sources"][0]["skipped"]["count"] == 0, "{j}");
    // Not a collection of vars: one line.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(
        empty.join("index.json"),
        r#"{"format":"rprof-collect/1","targets":["x"],"rounds":0,"snapshots":[],"events":[]}"#,
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["memstats"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("collect with --vars"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
