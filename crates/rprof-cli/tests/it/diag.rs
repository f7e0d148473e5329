//! `rprof goroutines`, `gctrace`, `memstats` and `race` on the runtime
//! diagnostics fixtures (fixtures/diag, written by real Go programs):
//! formats, several inputs, stdin, `-o`, and bad input.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn diag() -> PathBuf {
    rprof_testkit::fixture("diag")
}

fn rprof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(args)
        .current_dir(diag())
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn rprof_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(args)
        .current_dir(diag())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

use rprof_testkit::scratch;

fn one_error_line(out: &Output, status: i32, must_contain: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(status), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected, got: {err}");
    assert!(err.starts_with("rprof: "), "{err}");
    for m in must_contain {
        assert!(err.contains(m), "{err:?} should contain {m:?}");
    }
    assert!(out.stdout.is_empty(), "nothing on stdout for a failure");
}

fn headers(rel: &str) -> usize {
    std::fs::read_to_string(diag().join(rel))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("goroutine ") && l.ends_with(':') && l.contains(" ["))
        .count()
}

#[test]
fn goroutines_text_json_similar_and_stdin() {
    let text = ok(&rprof(&["goroutines", "go1.27/panic.txt"]));
    assert!(
        text.starts_with("go1.27/panic.txt: panic, 5 goroutines\n"),
        "{text}"
    );
    assert!(text.contains("← crashed here"));
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );

    let json: serde_json::Value =
        serde_json::from_str(&ok(&rprof(&["goroutines", "--json", "go1.27/sigquit.txt"]))).unwrap();
    assert_eq!(json["goroutines"], headers("go1.27/sigquit.txt"));
    assert_eq!(json["dumps"][0]["kind"], "signal");

    let count = |args: &[&str]| -> usize {
        let v: serde_json::Value = serde_json::from_str(&ok(&rprof(args))).unwrap();
        v["buckets"].as_array().unwrap().len()
    };
    let exact = count(&["goroutines", "--json", "go1.27/deadlock.txt"]);
    let similar = count(&["goroutines", "--json", "--similar", "go1.27/deadlock.txt"]);
    assert_eq!((exact, similar), (6, 3));

    let dump = std::fs::read(diag().join("go1.19/deadlock.txt")).unwrap();
    let from_stdin = ok(&rprof_stdin(&["goroutines", "-"], &dump));
    assert!(
        from_stdin.starts_with(&format!(
            "-: fatal error, {} goroutines\n",
            headers("go1.19/deadlock.txt")
        )),
        "{from_stdin}"
    );
}

#[test]
fn goroutines_over_time_html_and_profile() {
    let dumps = [
        "go1.27/leak/goroutine-005s.txt",
        "go1.27/leak/goroutine-065s.txt",
        "go1.27/leak/goroutineleak-125s.txt",
    ];
    let text = ok(&rprof(&[&["goroutines"][..], &dumps].concat()));
    assert!(text.contains("dump 3: go1.27/leak/goroutineleak-125s.txt"));
    assert!(text.contains("LEAK?"));
    assert!(text.contains("per dump: "));

    let d = scratch("html");
    let page = d.join("g.html");
    ok(&rprof(
        &[
            &["goroutines", "--html", "-o", page.to_str().unwrap()][..],
            &dumps,
        ]
        .concat(),
    ));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("possible leak"));

    let pb = d.join("g.pb.gz");
    ok(&rprof(&[
        "goroutines",
        "--to-profile",
        "-o",
        pb.to_str().unwrap(),
        "go1.27/sigquit.txt",
    ]));
    // Every profile report works on it: `top` counts every goroutine.
    let top = ok(&rprof(&[
        "top",
        "--sample-index",
        "goroutine",
        pb.to_str().unwrap(),
    ]));
    let total = headers("go1.27/sigquit.txt");
    assert!(top.contains(&format!("of {total} total")), "{top}");
    let tags = ok(&rprof(&["tags", pb.to_str().unwrap()]));
    assert!(
        tags.contains("state:") && tags.contains("IO wait"),
        "{tags}"
    );

    // --to-profile needs somewhere to go.
    one_error_line(
        &rprof(&["goroutines", "--to-profile", "go1.27/panic.txt"]),
        2,
        &["--to-profile needs -o"],
    );
}

#[test]
fn gctrace_formats_and_chart() {
    let text = ok(&rprof(&[
        "gctrace",
        "go1.27/gctrace-grow.txt",
        "go1.19/gctrace-forced.txt",
    ]));
    assert!(
        text.contains("go1.27/gctrace-grow.txt\n") && text.contains("go1.19/gctrace-forced.txt\n")
    );
    assert!(text.contains("STW sweep termination ms"));
    let json: serde_json::Value = serde_json::from_str(&ok(&rprof(&[
        "gctrace",
        "--json",
        "go1.27/leak/stderr.txt",
    ])))
    .unwrap();
    assert_eq!(json["traces"][0]["summary"]["leak_checks"], 1);
    let cycles = json["traces"][0]["cycles"].as_array().unwrap().len();
    let csv = ok(&rprof(&["gctrace", "--csv", "go1.27/leak/stderr.txt"]));
    assert_eq!(csv.lines().count(), cycles + 1);
    let d = scratch("gc");
    let svg = d.join("gc.svg");
    let out = rprof(&[
        "gctrace",
        "go1.27/gctrace-grow.txt",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert!(ok(&out).is_empty(), "-o gc.svg: the chart goes to the file");
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    let log = std::fs::read(diag().join("go1.19/gctrace-grow.txt")).unwrap();
    assert!(ok(&rprof_stdin(&["gctrace", "--format", "csv", "-"], &log)).starts_with("source,gc,"));
}

#[test]
fn memstats_leak_openmetrics_and_chart() {
    let text = ok(&rprof(&[
        "memstats",
        "go1.27/leak/vars",
        "go1.27/steady/vars.jsonl",
    ]));
    let (leak, steady) = text.split_once("go1.27/steady/vars.jsonl").unwrap();
    assert!(leak.contains("LEAK SUSPECTED"), "{text}");
    assert!(steady.contains("no leak"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&ok(&rprof(&[
        "memstats",
        "--json",
        "go1.27/gops-memstats.txt",
    ])))
    .unwrap();
    assert_eq!(json["series"][0]["summary"]["snapshots"], 15);
    let om = ok(&rprof(&[
        "memstats",
        "--format",
        "openmetrics",
        "--start",
        "1700000000",
        "go1.27/steady/vars.jsonl",
    ]));
    assert!(om.ends_with("# EOF\n"));
    assert!(
        om.contains("go_goroutines{source=\"go1.27/steady/vars.jsonl\"} 10 1700000000.000\n"),
        "{om}"
    );
    let d = scratch("mem");
    let svg = d.join("chart.svg");
    ok(&rprof(&[
        "memstats",
        "-o",
        svg.to_str().unwrap(),
        "go1.27/leak/vars",
    ]));
    assert!(
        std::fs::read_to_string(&svg)
            .unwrap()
            .contains("goroutines")
    );
    let lines = std::fs::read(diag().join("go1.27/leak/vars.jsonl")).unwrap();
    assert!(ok(&rprof_stdin(&["memstats", "-"], &lines)).contains("LEAK SUSPECTED"));
    one_error_line(
        &rprof(&["memstats", "--interval", "0", "go1.27/leak/vars"]),
        2,
        &["--interval"],
    );
}

#[test]
fn race_pairs_from_several_logs() {
    let text = ok(&rprof(&["race", "go1.27/race.txt"]));
    assert!(text.starts_with("2 races in 3 reports\n"), "{text}");
    assert!(text.contains("tests: TestCounterA, TestCounterB"));
    let json: serde_json::Value = serde_json::from_str(&ok(&rprof(&[
        "race",
        "--json",
        "go1.27/race.txt",
        "go1.19/race.txt",
    ])))
    .unwrap();
    assert_eq!(json["reports"], 6);
    assert_eq!(json["pairs"][0]["count"], 4);
    assert_eq!(json["pairs"][1]["count"], 2);
}

#[test]
fn bad_input_is_one_line_and_keeps_the_output_file() {
    let d = scratch("bad");
    let html = d.join("error.html");
    std::fs::write(
        &html,
        "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n",
    )
    .unwrap();
    let h = html.to_str().unwrap();
    let keep = d.join("keep.txt");
    std::fs::write(&keep, "old").unwrap();
    let k = keep.to_str().unwrap();
    for (args, what) in [
        (vec!["goroutines", "-o", k, h], "no goroutine found"),
        (vec!["gctrace", "-o", k, h], "no gctrace line"),
        (vec!["memstats", "-o", k, h], "no memstats snapshot"),
        (vec!["race", "-o", k, h], "no race report"),
    ] {
        let out = rprof(&args);
        one_error_line(&out, 1, &[h, what, "HTML page"]);
        assert_eq!(std::fs::read_to_string(&keep).unwrap(), "old", "{args:?}");
    }
    one_error_line(
        &rprof(&["goroutines", "no-such-dump.txt"]),
        1,
        &["no-such-dump.txt", "No such file"],
    );
    // A good input after a bad one still fails, naming the bad one.
    one_error_line(&rprof(&["race", "go1.27/race.txt", h]), 1, &[h]);
    // Lines that are not part of a dump: a note on stderr, exit 0.
    let out = rprof(&["goroutines", "go1.27/test-timeout.txt"]);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("rprof: note: go1.27/test-timeout.txt: "),
        "{err}"
    );
    assert!(err.contains("not understood (first: line "), "{err}");
}
