//! `rprof trace web`'s routes over HTTP, against trace UIs started
//! in-process on the fixture traces: every page and its content type,
//! the timeline's JSON, the 503 while indexing, the blocking profiles
//! (`?raw=1` read back and printed as `go tool pprof -top` prints them,
//! against what the real Go tools printed for Go's own server), the
//! mounted profile UI, the security rules, and markup from the trace
//! reaching pages only escaped.

use crate::support::{Resp, get, request};
use rprof_trace::analysis::timeline::{TimelineIndex, View};
use rprof_trace::analysis::{GroupSort, goroutine_summary, sort_groups};
use rprof_web::{TraceInputs, TraceUi};
use std::path::PathBuf;
use std::sync::Arc;

pub fn trace_fixture(name: &str) -> PathBuf {
    match name {
        "trace.out" => rprof_testkit::fixture("profiles").join(name),
        _ => rprof_testkit::fixture("traces").join(name),
    }
}

/// The markup strings of `fixtures/go/markuptrace`.
pub const TASK: &str = r#"<script>alert("task")</script>"#;
pub const REGION: &str = "<img src=x onerror=alert('region')>";
pub const REGION2: &str = r#""quoted" & <b>bold</b>"#;
pub const LOG_CATEGORY: &str = "<b>category</b>";
pub const LOG_MESSAGE: &str = "</script><script>alert('log')</script> & <i>more</i>";

/// A trace UI for `inputs` on 127.0.0.1:0; returns its address and the UI.
pub fn serve_trace_inputs(inputs: TraceInputs) -> (String, Arc<TraceUi>) {
    let bound = rprof_web::bind(None).expect("bind");
    let addr = bound.addr().to_string();
    let ui = TraceUi::start(inputs);
    let app = rprof_web::trace_app(Arc::clone(&ui), &bound);
    std::thread::spawn(move || bound.serve(app));
    (addr, ui)
}

/// A trace UI for a fixture trace, its index built.
pub fn serve_trace(name: &str) -> (String, Arc<TraceUi>, Arc<TimelineIndex>) {
    let path = trace_fixture(name);
    let (a, ui) = serve_trace_inputs(TraceInputs {
        name: name.to_string(),
        path,
        ..Default::default()
    });
    let ix = ui.indexing().wait().expect("the fixture indexes");
    (a, ui, ix)
}

/// The first goroutine slice on the first P.
pub fn first_slice(ix: &TimelineIndex) -> rprof_trace::analysis::timeline::SliceRef {
    let p = ix.info().procs[0];
    ix.row_slices(View::Proc, p, "goroutines", 0, ix.info().end_ns)
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|s| s.id >= 0 && s.detail.is_some())
        .expect("a goroutine slice")
}

fn html_ok(r: &Resp, what: &str) -> String {
    assert_eq!(r.status, 200, "{what}: {}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{what}"
    );
    assert_eq!(r.header("content-security-policy"), Some(rprof_web::CSP));
    r.text()
}

#[test]
fn every_page_answers() {
    let (a, _, ix) = serve_trace("markup.trace");
    let g = first_slice(&ix).id;
    for path in [
        "/".to_string(),
        "/goroutines".into(),
        "/goroutines?sort=count".into(),
        "/goroutine?name=main.main.func1".into(),
        "/goroutine?name=main.main.func1&sortby=Execution%20time".into(),
        "/trace".into(),
        "/trace?view=thread".into(),
        format!("/trace?goid={g}"),
        "/usertasks".into(),
        "/userregions".into(),
        format!("/usertask?type={}", enc(TASK)),
        format!("/userregion?type={}", enc(REGION)),
        format!("/userregion?type={}&latmin=0s&latmax=1s", enc(REGION2)),
        "/mmu".into(),
        "/mmu?flags=perProc|stw".into(),
        "/pprof/block/all/ui/flamegraph".into(),
        "/pprof/block/all/ui/top".into(),
        "/pprof/block/all/ui/graph?renderer=builtin".into(),
        format!(
            "/pprof/regionio/{}/ui/flamegraph",
            enc(&format!("type={}", enc(REGION2)))
        ),
    ] {
        html_ok(&get(&a, &path), &path);
    }
    for (path, ty) in [
        ("/trace/api/info", "application/json"),
        (
            "/trace/api/timeline?view=proc&start=0&end=1000000&px=800",
            "application/json",
        ),
        ("/mmu?mode=plot", "application/json"),
        ("/io?raw=1", "application/octet-stream"),
        ("/pprof/io/all/ui/top/data", "application/json"),
        ("/pprof/io/all/ui/flamegraph/data", "application/json"),
        ("/assets/timeline.js", "text/javascript; charset=utf-8"),
        ("/assets/mmu.js", "text/javascript; charset=utf-8"),
        ("/assets/trace.css", "text/css; charset=utf-8"),
        ("/assets/timeline.css", "text/css; charset=utf-8"),
        ("/assets/common.js", "text/javascript; charset=utf-8"),
        ("/assets/rprof.css", "text/css; charset=utf-8"),
    ] {
        let r = get(&a, path);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(r.header("content-type"), Some(ty), "{path}");
    }
    assert_eq!(get(&a, "/nosuchpage").status, 404);
    assert_eq!(get(&a, "/assets/nope.js").status, 404);
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[test]
fn index_lists_what_go_lists() {
    let (a, ui, ix) = serve_trace("trace.out");
    let page = html_ok(&get(&a, "/"), "/");
    for link in [
        "href=\"/trace\"",
        "href=\"/trace?view=thread\"",
        "href=\"/goroutines\"",
        "href=\"/io\"",
        "href=\"/io?raw=1\"",
        "href=\"/block\"",
        "href=\"/syscall\"",
        "href=\"/sched?raw=1\"",
        "href=\"/usertasks\"",
        "href=\"/userregions\"",
        "href=\"/mmu\"",
    ] {
        assert!(page.contains(link), "the index links {link}");
    }
    assert!(!page.contains("id=\"indexing\""), "done: no progress");
    assert!(page.contains(&format!("<td>{}</td>", ix.info().events)));
    assert!(ui.name() == "trace.out" && page.contains("trace.out"));
}

/// The index's pass reads a FIFO that the test fills only after looking:
/// meanwhile every page answers, the ones that need the index with 503.
#[test]
fn pages_answer_while_indexing() {
    let dir = rprof_testkit::scratch("trace-web-fifo");
    let fifo = dir.join("trace.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let (a, ui) = serve_trace_inputs(TraceInputs {
        name: "slow.trace".into(),
        path: fifo.clone(),
        ..Default::default()
    });
    let first = get(&a, "/");
    let page = html_ok(&first, "/ while indexing");
    assert!(page.contains("id=\"indexing\""), "says it is indexing");
    assert!(page.contains("http-equiv=\"refresh\""), "reloads itself");
    html_ok(&get(&a, "/trace"), "/trace while indexing");
    let r = get(&a, "/trace/api/info");
    assert_eq!(r.status, 503);
    assert!(r.json()["indexing"].is_number(), "{}", r.text());
    let r = get(&a, "/trace/api/timeline?start=0&end=10&px=10");
    assert_eq!(r.status, 503);
    for path in ["/goroutines", "/usertasks", "/userregions", "/io"] {
        let r = get(&a, path);
        assert_eq!(r.status, 503, "{path}");
        assert!(r.text().contains("being indexed"), "{path}: {}", r.text());
    }
    let r = get(&a, "/io?raw=1");
    assert_eq!(r.status, 503);
    assert!(r.text().contains("still being indexed"));
    let r = get(&a, "/mmu?mode=plot");
    assert_eq!(r.status, 503);
    assert!(r.json()["indexing"].is_number());
    // Now the trace arrives.
    std::fs::write(&fifo, rprof_testkit::read(trace_fixture("trace.out"))).unwrap();
    ui.indexing().wait().expect("indexed");
    assert_eq!(get(&a, "/trace/api/info").status, 200);
    assert_eq!(get(&a, "/goroutines").status, 200);
    assert_eq!(get(&a, "/io?raw=1").status, 200);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_trace_that_is_not_one_is_an_error_page() {
    let dir = rprof_testkit::scratch("trace-web-junk");
    let junk = dir.join("junk.trace");
    std::fs::write(&junk, b"<html>not a trace</html>").unwrap();
    let (a, ui) = serve_trace_inputs(TraceInputs {
        name: "junk.trace".into(),
        path: junk,
        ..Default::default()
    });
    assert!(ui.indexing().wait().is_err());
    let page = html_ok(&get(&a, "/"), "/");
    assert!(page.contains("id=\"failed\""), "{page}");
    let r = get(&a, "/trace/api/info");
    assert_eq!(r.status, 500);
    assert!(r.text().starts_with("junk.trace: "), "{}", r.text());
    assert_eq!(get(&a, "/goroutines").status, 500);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timeline_api() {
    let (a, _, ix) = serve_trace("trace.out");
    let info = get(&a, "/trace/api/info").json();
    assert_eq!(info["end_ns"], ix.info().end_ns);
    assert_eq!(
        info["procs"].as_array().unwrap().len(),
        ix.info().procs.len()
    );
    let end = ix.info().end_ns;
    let t = get(
        &a,
        &format!("/trace/api/timeline?view=proc&start=0&end={end}&px=1000"),
    )
    .json();
    let names: Vec<&str> = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    let want: Vec<String> = ix
        .info()
        .procs
        .iter()
        .map(|p| format!("Proc {p}"))
        .collect();
    assert_eq!(names, want);
    let t = get(
        &a,
        &format!("/trace/api/timeline?view=thread&start=0&end={end}&px=1000"),
    )
    .json();
    assert_eq!(t["rows"].as_array().unwrap().len(), ix.info().threads.len());
    // One goroutine's slices around one of its slices, and that slice's
    // details.
    let sr = first_slice(&ix);
    let g = sr.id;
    let gt = get(
        &a,
        &format!(
            "/trace/api/goroutine?g={g}&start={}&end={}&px=1000",
            sr.start,
            sr.end + 1
        ),
    )
    .json();
    assert_eq!(gt["g"], g);
    let slice = gt["slices"]["slices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s[0] == sr.start)
        .expect("the slice")
        .clone();
    assert_eq!(slice[4].as_u64(), sr.detail);
    let d = get(&a, &format!("/trace/api/slice?id={}", slice[4])).json();
    assert_eq!(d["g"], g);
    assert_eq!(d["start"], sr.start);
    assert_eq!(d["end"], sr.end);
    for (q, status) in [
        ("/trace/api/timeline?start=10&end=5&px=10", 400),
        ("/trace/api/timeline?start=0&end=5&px=0", 400),
        ("/trace/api/timeline?start=0&end=5", 400),
        ("/trace/api/timeline?start=zero&end=5&px=1", 400),
        ("/trace/api/timeline?view=sideways&start=0&end=5&px=1", 400),
        ("/trace/api/slice?id=99999999999", 404),
        ("/trace/api/slice?id=-1", 400),
        ("/trace/api/goroutine?px=10", 400),
    ] {
        let r = get(&a, q);
        assert_eq!(r.status, status, "{q}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    }
}

/// The goroutine analysis page shows the numbers of `rprof trace
/// goroutines` (the same library call), group by group.
#[test]
fn goroutines_page_has_the_cli_numbers() {
    let (a, _, _) = serve_trace("trace.out");
    let page = html_ok(&get(&a, "/goroutines?sort=count"), "/goroutines");
    let bytes = rprof_testkit::read(trace_fixture("trace.out"));
    let mut groups = goroutine_summary(&mut rprof_trace::Reader::new(&bytes[..]).unwrap())
        .unwrap()
        .value;
    sort_groups(&mut groups, GroupSort::Count);
    let rows: Vec<&str> = page.split("<tr><td class=\"fn\">").skip(1).collect();
    assert_eq!(rows.len(), groups.len());
    for (row, g) in rows.iter().zip(&groups) {
        let name = if g.name.is_empty() {
            "(Inactive, no stack trace sampled)"
        } else {
            &g.name
        };
        assert!(row.contains(&format!(">{name}</a>")), "{name} in {row}");
        assert!(row.contains(&format!("data-count=\"{}\"", g.count)));
        let ns: Vec<i64> = row
            .split("data-ns=\"")
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
            .collect();
        assert_eq!(
            ns,
            vec![
                g.exec_ns,
                g.sched_wait_ns,
                g.block_sync_ns(),
                g.block_net_ns(),
                g.block_other_ns(),
                g.syscall_ns,
                g.syscall_block_ns,
                g.gc_assist_ns(),
            ],
            "{name}"
        );
    }
    // A group's page: one row per goroutine, their execution times add
    // up to the group's.
    let g = groups.iter().find(|g| g.count > 1).expect("a bigger group");
    let page = html_ok(
        &get(&a, &format!("/goroutine?name={}", enc(&g.name))),
        "group",
    );
    assert!(page.contains(&format!("<td id=\"group-count\">{}</td>", g.count)));
    let table = page
        .split("id=\"goroutines\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let rows: Vec<&str> = table
        .split("<tr><td><a href=\"/trace?goid=")
        .skip(1)
        .collect();
    assert_eq!(rows.len() as u64, g.count);
    // The first stat column is "Execution time" (Go's order).
    let exec: i64 = rows
        .iter()
        .map(|r| {
            let cells: Vec<&str> = r.split("data-ns=\"").skip(1).collect();
            cells[1][..cells[1].find('"').unwrap()]
                .parse::<i64>()
                .unwrap()
        })
        .sum();
    assert_eq!(exec, g.exec_ns);
    assert_eq!(get(&a, "/goroutine?name=no.such.func").status, 404);
    assert_eq!(get(&a, "/goroutines?sort=sideways").status, 400);
}

/// rprof's `top` of the bytes each path serves with `raw=1` equals what
/// `go tool pprof -top` printed for the same path of Go's own server
/// (fixtures/traces/expected-web, written by regen-web.sh; the script
/// also checked `go tool pprof -top` against rprof's server by hand).
#[test]
fn raw_profiles_are_gos() {
    let dir = rprof_testkit::fixture("traces/expected-web");
    let mut checked = 0;
    for name in ["markup.trace", "trace.out"] {
        let (a, _, _) = serve_trace(name);
        let script = String::from_utf8(rprof_testkit::read(rprof_testkit::fixture(
            "traces/regen-web.sh",
        )))
        .unwrap();
        // The script's table of paths for this trace.
        let section = if name == "markup.trace" {
            script.split("markup.trace)\n").nth(1).unwrap()
        } else {
            script.split("    *)\n").nth(1).unwrap()
        };
        let table = section.split("cat <<'EOF'\n").nth(1).unwrap();
        let table = table.split("\nEOF").next().unwrap();
        for line in table.lines() {
            let (suffix, path) = line.split_once(' ').unwrap();
            let want = rprof_testkit::read(dir.join(format!("{name}.{suffix}.top")));
            let r = get(&a, path);
            assert_eq!(r.status, 200, "{name} {path}: {}", r.text());
            assert_eq!(r.header("content-type"), Some("application/octet-stream"));
            let p = rprof_profile::parse(&r.body).expect("a profile");
            let got = top(&p);
            rprof_testkit::assert_same(&format!("{name} {path}"), &want, got.as_bytes());
            checked += 1;
        }
    }
    assert_eq!(checked, 16);
}

fn top(p: &rprof_profile::Profile) -> String {
    let mut p = p.clone();
    let opts = rprof_report::ReportOptions::default();
    let applied = rprof_report::filters::apply(&mut p, &opts).unwrap();
    let r = rprof_report::Report::with_applied(&p, &opts, &applied).unwrap();
    let mut out = String::new();
    rprof_report::top::write_top(&r, &mut out);
    out
}

#[test]
fn profiles_open_in_the_profile_ui() {
    let (a, _, _) = serve_trace("markup.trace");
    let r = get(&a, "/block");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/pprof/block/all/ui/flamegraph"));
    let r = get(&a, "/sched?name=main.main.func1");
    assert_eq!(
        r.header("location"),
        Some("/pprof/sched/name%3Dmain.main.func1/ui/flamegraph")
    );
    let r = get(&a, &format!("/regionio?type={}", enc(REGION2)));
    let loc = r.header("location").unwrap().to_string();
    assert!(loc.starts_with("/pprof/regionio/type%3D"), "{loc}");
    let page = html_ok(&get(&a, &loc), &loc);
    // The flame graph of the region profile, titled by its filter
    // (escaped), with the way back to the trace.
    assert!(page.contains("network blocking profile in regions"));
    assert!(page.contains("&#60;b&#62;bold&#60;/b&#62;"), "escaped");
    assert!(!page.contains("<b>bold</b>"));
    assert!(page.contains("href=\"/goroutines\""));
    // Its views are relative: the same profile's top table.
    let base = loc.trim_end_matches("flamegraph");
    let top = get(&a, &format!("{base}top/data")).json();
    assert!(
        top["rows"].as_array().is_some_and(|r| !r.is_empty()),
        "{top}"
    );
    let dl = get(&a, &format!("{base}download"));
    assert_eq!(dl.status, 200);
    assert!(rprof_profile::parse(&dl.body).is_ok());
    // The mount without a view goes to the flame graph.
    let r = get(&a, "/pprof/io/all/ui");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/pprof/io/all/ui/flamegraph"));
    // A time window: less time than the whole trace.
    let whole = rprof_profile::parse(&get(&a, "/io?raw=1").body).unwrap();
    let part = rprof_profile::parse(&get(&a, "/io?start=0&end=20000000&raw=1").body).unwrap();
    let total = |p: &rprof_profile::Profile| -> i64 {
        (0..p.samples.len()).map(|i| p.samples.value(i, 1)).sum()
    };
    assert!(
        total(&part) > 0 && total(&part) < total(&whole),
        "{} of {}",
        total(&part),
        total(&whole)
    );
    for (path, status) in [
        ("/io?name=no.such.group&raw=1", 404),
        ("/io?start=5&end=1&raw=1", 400),
        ("/io?start=soon&raw=1", 400),
        ("/pprof/nosuch/all/ui/top", 404),
        ("/pprof/io/name%3Dno.such/ui/top", 404),
    ] {
        assert_eq!(get(&a, path).status, status, "{path}");
    }
}

#[test]
fn tasks_and_regions() {
    let (a, _, ix) = serve_trace("markup.trace");
    let page = html_ok(&get(&a, "/usertasks"), "/usertasks");
    let tasks = ix.task_types();
    let t = tasks
        .iter()
        .find(|t| t.name == TASK)
        .expect("the task type");
    assert!(page.contains(&format!(
        "<a href=\"/usertask?type={}\">{}</a>",
        enc(TASK),
        t.count
    )));
    let page = html_ok(&get(&a, &format!("/usertask?type={}", enc(TASK))), "task");
    assert!(page.contains(&format!("{} tasks", t.count)), "count");
    let page = html_ok(&get(&a, "/userregions"), "/userregions");
    for r in ix.region_types() {
        let pc = r
            .frame
            .as_ref()
            .unwrap()
            .pc
            .trim_start_matches("0x")
            .to_string();
        assert!(
            page.contains(&format!(
                "<a href=\"/userregion?type={}&#38;pc={pc}\">{}</a>",
                enc(&r.name),
                r.count
            )) || page.contains(&format!(
                "<a href=\"/userregion?type={}&amp;pc={pc}\">{}</a>",
                enc(&r.name),
                r.count
            )),
            "{}",
            r.name
        );
    }
    // A histogram bucket's link keeps Go's latmin/latmax form and narrows
    // the instances.
    let page = html_ok(
        &get(
            &a,
            &format!("/userregion?type={}&latmin=0s&latmax=1ns", enc(REGION)),
        ),
        "none",
    );
    assert!(page.contains("0 regions"), "no region that short");
    // /trace?taskid= goes to the task's window.
    let inst = ix.task_instances(t.index).unwrap();
    let r = get(&a, &format!("/trace?taskid={}", inst[0].task.unwrap()));
    assert_eq!(r.status, 302);
    assert!(r.header("location").unwrap().starts_with("/trace#start="));
    assert_eq!(get(&a, "/trace?taskid=999999").status, 404);
}

/// Every string the program put into the trace is markup; no page lets it
/// through as markup, and the JSON carries it as data.
#[test]
fn markup_from_the_trace_is_escaped() {
    let (a, _, ix) = serve_trace("markup.trace");
    let evil = [TASK, REGION, REGION2, LOG_CATEGORY, LOG_MESSAGE];
    let mut pages = vec![
        "/usertasks".to_string(),
        "/userregions".into(),
        format!("/usertask?type={}", enc(TASK)),
        format!("/userregion?type={}", enc(REGION)),
        format!("/userregion?type={}", enc(REGION2)),
        format!(
            "/pprof/regionio/{}/ui/flamegraph",
            enc(&format!("type={}", enc(REGION2)))
        ),
        format!(
            "/pprof/regionsched/{}/ui/top",
            enc(&format!("type={}", enc(REGION)))
        ),
    ];
    pages.push("/goroutines".into());
    let mut seen = 0;
    for p in &pages {
        let page = html_ok(&get(&a, p), p);
        for e in evil {
            assert!(!page.contains(e), "{p}: {e:?} unescaped");
        }
        if page.contains("&lt;script&gt;alert")
            || page.contains("&#60;script&#62;alert")
            || page.contains("&lt;img")
            || page.contains("&#60;img")
            || page.contains("&#60;b&#62;")
            || page.contains("&lt;b&gt;")
        {
            seen += 1;
        }
        assert!(!page.contains("<script>alert"), "{p}");
    }
    assert!(
        seen >= 6,
        "the strings are shown (escaped) on the pages: {seen}"
    );
    // The timeline's JSON carries them as data.
    let end = ix.info().end_ns;
    let t = get(
        &a,
        &format!("/trace/api/timeline?start=0&end={end}&px=60000"),
    )
    .json();
    let strings: Vec<&str> = t["strings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert!(strings.contains(&TASK), "{strings:?}");
    assert!(strings.contains(&REGION));
    let marks = t["logs"]["marks"].as_array().unwrap();
    let text = marks[0][4].as_str().unwrap();
    assert!(
        text.contains(LOG_MESSAGE) && text.contains(LOG_CATEGORY),
        "{text}"
    );
    let d = get(&a, &format!("/trace/api/slice?id={}", marks[0][3])).json();
    assert_eq!(d["kind"], "log");
    assert!(d["text"].as_str().unwrap().contains(LOG_MESSAGE));
}

#[test]
fn security_rules() {
    let (a, _, _) = serve_trace("trace.out");
    for m in ["POST", "PUT", "DELETE"] {
        for p in ["/", "/trace/api/info", "/io?raw=1", "/pprof/io/all/ui/top"] {
            let r = request(&a, m, p, &a);
            assert_eq!(r.status, 405, "{m} {p}");
        }
    }
    let port = a.rsplit(':').next().unwrap();
    for p in ["/", "/trace/api/info", "/io?raw=1"] {
        let r = request(&a, "GET", p, &format!("evil.example:{port}"));
        assert_eq!(r.status, 403, "{p}");
    }
    let r = request(&a, "HEAD", "/goroutines", &a);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    for p in ["/", "/goroutines", "/trace/api/info", "/io?raw=1"] {
        let r = get(&a, p);
        assert_eq!(
            r.header("content-security-policy"),
            Some(rprof_web::CSP),
            "{p}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
    }
}

/// `/mmu?mode=plot` is Go's JSON; its values are the library's MMU (whose
/// parity with Go's is tested in rprof-trace), and where Go's plot has the
/// same windows (sweep alone, assist alone on trace.out) they are Go's.
#[test]
fn mmu_plot() {
    let (a, _, _) = serve_trace("trace.out");
    for flags in ["sweep", "assist"] {
        let ours = get(&a, &format!("/mmu?mode=plot&flags={flags}")).json();
        let go: serde_json::Value = serde_json::from_slice(&rprof_testkit::read(
            rprof_testkit::fixture("traces/expected-analysis")
                .join(format!("trace.out.mmu.{flags}.json")),
        ))
        .unwrap();
        assert_eq!(ours["xMin"], go["xMin"], "{flags}");
        assert_eq!(ours["xMax"], go["xMax"], "{flags}");
        let (o, g) = (
            ours["curve"].as_array().unwrap(),
            go["curve"].as_array().unwrap(),
        );
        assert_eq!(o.len(), g.len());
        for (o, g) in o.iter().zip(g) {
            assert_eq!(o[0].as_f64(), g[0].as_f64(), "{flags}: windows");
            if g[0].as_f64() == Some(1.0) {
                // Go's MMU at 1ns is always 0 (see rprof-trace's mmu docs).
                continue;
            }
            let d = (o[1].as_f64().unwrap() - g[1].as_f64().unwrap()).abs();
            assert!(d <= 1e-12, "{flags} at {}: {o} vs {g}", g[0]);
        }
    }
    // The default flags and per P: values between 0 and 1, rising.
    for flags in ["stw|background|assist", "perProc|stw|background|assist"] {
        let ours = get(
            &a,
            &format!("/mmu?mode=plot&flags={}", flags.replace('|', "%7C")),
        )
        .json();
        let c = ours["curve"].as_array().unwrap();
        assert_eq!(c.len(), 100);
        let last = c.last().unwrap()[1].as_f64().unwrap();
        assert!(last > 0.0 && last <= 1.0, "{flags}: {last}");
    }
    assert_eq!(get(&a, "/mmu?mode=sideways").status, 400);
}

#[test]
fn a_window_limits_everything() {
    let path = trace_fixture("trace.out");
    let (a, ui) = serve_trace_inputs(TraceInputs {
        name: "trace.out".into(),
        path,
        start: Some(50_000_000),
        end: Some(100_000_000),
        temp_dir: None,
    });
    let ix = ui.indexing().wait().unwrap();
    assert_eq!(ix.info().start_ns, 50_000_000);
    assert!(ix.info().end_ns <= 100_000_000);
    let (b, _, _) = serve_trace("trace.out");
    let total = |addr: &str, path: &str| -> i64 {
        let p = rprof_profile::parse(&get(addr, path).body).unwrap();
        (0..p.samples.len()).map(|i| p.samples.value(i, 1)).sum()
    };
    let (part, whole) = (total(&a, "/block?raw=1"), total(&b, "/block?raw=1"));
    assert!(part > 0 && part < whole, "{part} of {whole}");
    // The window's profile equals the whole trace's profile of the window.
    assert_eq!(part, total(&b, "/block?start=50000000&end=100000000&raw=1"));
    let page = html_ok(&get(&a, "/"), "/");
    assert!(
        page.contains("0.050000000s to 0.100000000s"),
        "the window is shown"
    );
    // Goroutine times are those inside the window.
    let page = get(&a, "/goroutines").text();
    let ns: i64 = page
        .split("<tr><td class=\"fn\">")
        .skip(1)
        .map(|r| {
            let c = r.split("data-ns=\"").nth(1).unwrap();
            c[..c.find('"').unwrap()].parse::<i64>().unwrap()
        })
        .sum();
    // Two Ps for 50 ms at most.
    assert!(
        ns > 0 && ns <= 2 * 50_000_000,
        "execution in the window: {ns}"
    );
}
