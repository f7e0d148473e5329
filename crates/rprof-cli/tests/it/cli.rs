//! The binary's contract with its user: exit statuses, one-line errors
//! naming the file, `-o` replacing a file only with a complete one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn profiles() -> PathBuf {
    rprof_testkit::fixture("profiles")
}

fn rprof(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .unwrap()
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

#[test]
fn bad_inputs_get_one_line_naming_file_and_problem() {
    let d = scratch("bad");
    let gz = std::fs::read(profiles().join("cpu.pb.gz")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "error.html",
            b"<html><head><title>502</title></head></html>".to_vec(),
            "HTML page",
        ),
        ("body.json", b"{\"message\":\"forbidden\"}".to_vec(), "JSON"),
        (
            "trunc.pb.gz",
            gz[..gz.len() / 3].to_vec(),
            "truncated gzip stream",
        ),
        (
            "junk.bin",
            (0u8..=255).cycle().take(4000).collect(),
            "unrecognized profile format",
        ),
        ("empty.pb", Vec::new(), "empty input file"),
        (
            "dump.txt",
            b"goroutine 1 [running]:\nmain.main()\n\t/x.go:3\n".to_vec(),
            "goroutine dump",
        ),
    ];
    for (name, data, what) in &cases {
        std::fs::write(d.join(name), data).unwrap();
        for report in ["top", "traces", "raw"] {
            let out = rprof(&[report, name], &d);
            one_error_line(&out, 1, &[name, what]);
        }
    }
    let out = rprof(&["top", "no-such-file.pb.gz"], &d);
    one_error_line(&out, 1, &["no-such-file.pb.gz", "No such file"]);
}

#[test]
fn usage_errors_exit_2() {
    let p = profiles();
    let out = rprof(&["top", "--sample-index=foo", "heap.pb.gz"], &p);
    one_error_line(
        &out,
        2,
        &["alloc_objects alloc_space inuse_objects inuse_space"],
    );
    let out = rprof(&["top", "--sample-index=9", "heap.pb.gz"], &p);
    one_error_line(&out, 2, &["outside the range [0..3]"]);
    // pprof takes any fraction (parity cases cpu.top.nodefraction=1.5,
    // cpu.dot.edgefraction=2), but not what is no number.
    let out = rprof(&["top", "--nodefraction=NaN", "heap.pb.gz"], &p);
    one_error_line(&out, 2, &["--nodefraction"]);
    let out = rprof(&["top", "--edgefraction=inf", "heap.pb.gz"], &p);
    one_error_line(&out, 2, &["--edgefraction"]);
    let out = rprof(&["top", "--no-such-flag", "heap.pb.gz"], &p);
    one_error_line(&out, 2, &["--no-such-flag"]);
    let out = rprof(&["top"], &p);
    one_error_line(&out, 2, &["PROFILE"]);
    let out = rprof(&["top", "--granularity=fnctions", "heap.pb.gz"], &p);
    one_error_line(&out, 2, &["unknown granularity", "filefunctions"]);
    let out = rprof(&["top", "--tagfocus=tier=(", "cpu_labels.pb.gz"], &p);
    one_error_line(&out, 2, &["--tagfocus", "missing closing )"]);
    let out = rprof(&["top", "--tagfocus=bytes=1kb:2ms", "heap.pb.gz"], &p);
    // pprof accepts a range mixing units and matches nothing; so does rprof.
    assert_eq!(out.status.code(), Some(0));
    let out = rprof(&["top", "--divide-by=0", "heap.pb.gz"], &p);
    one_error_line(&out, 2, &["--divide-by"]);
    let out = rprof(&["top", "--normalize", "heap.pb.gz"], &p);
    one_error_line(&out, 2, &["--normalize"]);
}

#[test]
fn an_invalid_regexp_is_matched_literally_with_a_note() {
    let p = profiles();
    // pprof: "missing argument to repetition operator" and no report.
    let out = rprof(&["top", "--focus=(*Rand).Int63", "cpu.pb.gz"], &p);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("matching it as literal text"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("focus=(*Rand).Int63"), "{stdout}");
    assert!(stdout.contains("math/rand.(*Rand).Int63"), "{stdout}");
    // The same as the escaped regular expression pprof would need.
    let escaped = rprof(&["top", "--focus=\\(\\*Rand\\)\\.Int63", "cpu.pb.gz"], &p);
    let strip = |s: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(s)
            .lines()
            .filter(|l| !l.contains("focus="))
            .map(String::from)
            .collect()
    };
    assert_eq!(strip(&out.stdout), strip(&escaped.stdout));
}

#[test]
fn output_file_is_replaced_only_by_a_complete_report() {
    let d = scratch("out");
    let target = d.join("report.txt");
    std::fs::write(&target, "previous contents\n").unwrap();
    std::fs::write(d.join("bad.pb"), b"<html></html>").unwrap();

    // A failing run leaves the old file alone, and no temporary behind.
    let out = rprof(&["top", "-o", "report.txt", "bad.pb"], &d);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "previous contents\n"
    );

    // A good run replaces it with exactly what stdout would have shown.
    let cpu = profiles().join("cpu.pb.gz");
    let cpu = cpu.to_str().unwrap();
    let out = rprof(&["top", "-o", "report.txt", cpu], &d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = rprof(&["top", cpu], &d).stdout;
    assert_eq!(std::fs::read(&target).unwrap(), stdout);
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Unwritable destination: one line, old content untouched elsewhere.
    let out = rprof(&["top", "-o", "/nonexistent-dir/x.txt", cpu], &d);
    one_error_line(&out, 1, &["/nonexistent-dir/x.txt"]);
}

/// `-o` naming a pipe or a device (`-o /dev/null`, `-o /dev/stdout`)
/// writes into it: the atomic replacement of files must not rename a
/// temporary file over it (that once turned a machine's /dev/null into a
/// regular file).
#[cfg(unix)]
#[test]
fn output_to_a_fifo_writes_into_it_and_leaves_it_a_fifo() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let d = scratch("fifo");
    let fifo = d.join("report.fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    // The reader must be there for the writer's open to complete; if rprof
    // never opens the FIFO this thread stays blocked and the checks below
    // fail.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = Vec::new();
            std::fs::File::open(&fifo)
                .and_then(|mut f| f.read_to_end(&mut s))
                .map(|_| s)
        })
    };
    let cpu = profiles().join("cpu.pb.gz");
    let cpu = cpu.to_str().unwrap();
    let out = rprof(&["top", "-o", "report.fifo", cpu], &d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO was replaced"
    );
    let got = reader.join().unwrap().unwrap();
    assert_eq!(got, rprof(&["top", cpu], &d).stdout);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["traces", "cpu.pb.gz"])
        .current_dir(profiles())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte and hang up, as `| head -c1` would.
    let mut stdout = child.stdout.take().unwrap();
    let mut b = [0u8; 1];
    stdout.read_exact(&mut b).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{:?}",
        out.status
    );
}

/// Sum of each sample type over a profile, read back through rprof.
fn totals(path: &Path) -> Vec<i64> {
    let p = rprof_profile::parse(&std::fs::read(path).unwrap()).unwrap();
    (0..p.sample_types.len())
        .map(|t| (0..p.samples.len()).map(|i| p.samples.value(i, t)).sum())
        .collect()
}

#[test]
fn merge_of_100_copies_is_100_times_each_value() {
    let d = scratch("merge100");
    let src = profiles().join("heap.pb.gz");
    let mut args: Vec<String> = vec!["merge".into(), "-o".into(), "merged.pb.gz".into()];
    for i in 0..100 {
        let copy = d.join(format!("h{i}.pb.gz"));
        std::fs::copy(&src, &copy).unwrap();
        args.push(copy.file_name().unwrap().to_string_lossy().into_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = rprof(&args, &d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let one = totals(&src);
    let merged = totals(&d.join("merged.pb.gz"));
    assert!(one.iter().any(|&v| v != 0));
    assert_eq!(merged, one.iter().map(|v| v * 100).collect::<Vec<_>>());
    // Per stack, too: rprof's traces of the merged file show each of the
    // original's stacks with 100x its value (checked through top's flat).
    let top1 = rprof(
        &[
            "top",
            "--unit=B",
            "--sample-index=alloc_space",
            src.to_str().unwrap(),
        ],
        &d,
    );
    let top100 = rprof(
        &[
            "top",
            "--unit=B",
            "--sample-index=alloc_space",
            "merged.pb.gz",
        ],
        &d,
    );
    let flat = |o: &Output| -> Vec<(String, i64)> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("flat"))
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (
                    f[5..].join(" "),
                    f[0].trim_end_matches('B').parse().unwrap(),
                )
            })
            .collect()
    };
    let (a, b) = (flat(&top1), flat(&top100));
    assert_eq!(a.len(), b.len());
    for ((na, va), (nb, vb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert_eq!(va * 100, *vb, "{na}");
    }
}

#[test]
fn diff_rows_add_up_and_json_agrees() {
    let p = profiles();
    let out = rprof(
        &[
            "diff",
            "--json",
            "--no-trim",
            "--base",
            "cpu.pb.gz",
            "cpu.v2.pb.gz",
        ],
        &p,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert!(rows.len() > 20);
    let mut flat_delta = 0i64;
    for r in rows {
        for col in ["flat", "cum"] {
            let c = &r[col];
            let (b, cur, d) = (
                c["base"].as_i64().unwrap_or(0),
                c["current"].as_i64().unwrap_or(0),
                c["delta"].as_i64().unwrap(),
            );
            assert_eq!(b + d, cur, "{r}");
        }
        flat_delta += r["flat"]["delta"].as_i64().unwrap();
    }
    let (bt, ct) = (
        v["base"]["total"].as_i64().unwrap(),
        v["current"]["total"].as_i64().unwrap(),
    );
    assert_eq!(flat_delta, ct - bt);
    // A CPU profile against a heap profile: one line naming both types.
    let out = rprof(&["diff", "--base", "cpu.pb.gz", "heap.pb.gz"], &p);
    one_error_line(&out, 1, &["cpu/nanoseconds", "inuse_space/bytes"]);
}

#[test]
fn proto_output_reads_back_identically() {
    let d = scratch("proto");
    let cpu = profiles().join("cpu.pb.gz");
    let out = rprof(&["proto", "-o", "out.pb.gz", cpu.to_str().unwrap()], &d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = rprof(&["raw", cpu.to_str().unwrap()], &d).stdout;
    let b = rprof(&["raw", "out.pb.gz"], &d).stdout;
    assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
}

#[test]
fn flame_writes_svg_folded_and_differential() {
    let d = scratch("flame");
    let p = profiles();
    let cpu = p.join("cpu.pb.gz");
    let v2 = p.join("cpu.v2.pb.gz");
    let (cpu, v2) = (cpu.to_str().unwrap(), v2.to_str().unwrap());
    let out = rprof(&["flame", "-o", "cpu.svg", cpu], &d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(d.join("cpu.svg")).unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("</svg>"));
    // Folded stacks add up to the profile's total (cpu nanoseconds).
    let out = rprof(&["flame", "--folded", "-o", "-", cpu], &d);
    let sum: i64 = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum, totals(Path::new(cpu))[1]);
    // Differential: both profiles' columns, from the two inputs.
    let out = rprof(&["flame", "--folded", "-o", "-", "--base", cpu, v2], &d);
    let (mut b, mut c) = (0i64, 0i64);
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = l.rsplitn(3, ' ').collect();
        c += f[0].parse::<i64>().unwrap();
        b += f[1].parse::<i64>().unwrap();
    }
    assert_eq!(
        (b, c),
        (totals(Path::new(cpu))[1], totals(Path::new(v2))[1])
    );
    let out = rprof(&["flame", "-o", "diff.svg", "--diff-base", cpu, v2], &d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn trace_dump_matches_go_and_reports_damage_in_one_line() {
    let d = scratch("trace");
    let fixtures = rprof_testkit::fixtures();
    let trace = fixtures.join("profiles/trace.out");
    let out = rprof(&["trace", "dump", "--parsed", trace.to_str().unwrap()], &d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expected = String::new();
    let gz = std::fs::read(fixtures.join("traces/expected/trace.out.parsed.gz")).unwrap();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut expected)
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout) == expected,
        "differs from go tool trace -d=parsed"
    );
    // A truncated trace: what was good, then one line naming the loss.
    let data = std::fs::read(&trace).unwrap();
    std::fs::write(d.join("cut.trace"), &data[..data.len() / 2]).unwrap();
    let out = rprof(&["trace", "dump", "--parsed", "cut.trace"], &d);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("rprof: cut.trace: "), "{err}");
    assert!(!out.stdout.is_empty());
    // Not a trace at all.
    let out = rprof(
        &[
            "trace",
            "dump",
            "--parsed",
            profiles().join("cpu.pb.gz").to_str().unwrap(),
        ],
        &d,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn trace_analyses_feed_the_reports() {
    let d = scratch("tracepprof");
    let trace = profiles().join("trace.out");
    let trace = trace.to_str().unwrap();
    for kind in ["sched", "sync", "net", "syscall"] {
        let out = rprof(
            &["trace", "pprof", "--kind", kind, "-o", "k.pb.gz", trace],
            &d,
        );
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let top = rprof(&["top", "k.pb.gz"], &d);
        assert!(
            top.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&top.stderr)
        );
    }
    let out = rprof(&["trace", "summary", "--json", trace], &d);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.is_object());
    let out = rprof(&["trace", "goroutines", "--sort", "count", trace], &d);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("main.runWorkload"));
    let out = rprof(
        &["trace", "pprof", "--kind", "bogus", "-o", "x.pb.gz", trace],
        &d,
    );
    one_error_line(&out, 2, &["bogus"]);
}

#[test]
fn graph_svg_without_graphviz_and_format_from_extension() {
    let d = scratch("graphsvg");
    let cpu = profiles().join("cpu.pb.gz");
    let out = rprof(
        &[
            "graph",
            "--renderer",
            "builtin",
            "-o",
            "cpu.svg",
            cpu.to_str().unwrap(),
        ],
        &d,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(d.join("cpu.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("viewport") && svg.contains("</svg>"));
    // Without -o and --format: DOT, as pprof's -dot prints it.
    let out = rprof(&["graph", cpu.to_str().unwrap()], &d);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("digraph"));
}

#[test]
fn trace_export_writes_chrome_json() {
    let d = scratch("traceexport");
    let trace = profiles().join("trace.out");
    let trace = trace.to_str().unwrap();
    let out = rprof(&["trace", "export", "-o", "t.json", trace], &d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("t.json")).unwrap()).unwrap();
    let events = v["traceEvents"].as_array().unwrap();
    assert!(events.iter().any(|e| e["ph"] == "X"));
    // A window holds fewer events, all inside it (10 ms .. 20 ms).
    let out = rprof(
        &[
            "trace", "export", "--start", "10", "--end", "20", "-o", "w.json", trace,
        ],
        &d,
    );
    assert!(out.status.success());
    let w: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("w.json")).unwrap()).unwrap();
    let inside = w["traceEvents"].as_array().unwrap();
    assert!(inside.len() < events.len());
    for e in inside.iter().filter(|e| e["ph"] == "X") {
        let (ts, dur) = (e["ts"].as_f64().unwrap(), e["dur"].as_f64().unwrap());
        assert!(ts >= 10_000.0 - 1e-6 && ts + dur <= 20_000.0 + 1e-6, "{e}");
    }
    // A damaged trace leaves an existing -o file alone.
    let data = std::fs::read(trace).unwrap();
    std::fs::write(d.join("cut.trace"), &data[..data.len() / 2]).unwrap();
    std::fs::write(d.join("keep.json"), "old").unwrap();
    let out = rprof(&["trace", "export", "-o", "keep.json", "cut.trace"], &d);
    one_error_line(&out, 1, &["cut.trace"]);
    assert_eq!(std::fs::read_to_string(d.join("keep.json")).unwrap(), "old");
}

/// The expected output of a parity case, written by `go tool pprof`.
fn pprof_expected(id: &str) -> String {
    std::fs::read_to_string(rprof_testkit::fixture(&format!("expected/{id}.out"))).unwrap()
}

/// rprof's stdout, which must be a success.
fn stdout_of(args: &[&str]) -> String {
    let out = rprof(args, &profiles());
    assert!(
        out.status.success(),
        "rprof {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn pprof_single_dash_spellings_give_pprofs_output() {
    // Each line: pprof's spelling, and the parity case (written by pprof
    // from the long spelling) it must equal.
    let cases: &[(&[&str], &str)] = &[
        (
            &["top", "-nodecount=10", "cpu.pb.gz"],
            "cpu.top.nodecount=10",
        ),
        (
            &["top", "-nodecount", "10", "cpu.pb.gz"],
            "cpu.top.nodecount=10",
        ),
        (
            &["top", "-sample_index=alloc_space", "heap.pb.gz"],
            "heap.top.sample_index=alloc_space",
        ),
        (
            &["top", "--sample_index=alloc_space", "heap.pb.gz"],
            "heap.top.sample_index=alloc_space",
        ),
        (&["top", "-lines", "-cum", "cpu.pb.gz"], "cpu.top.lines.cum"),
        (
            &["top", "-lines", "-noinlines", "cpu.pb.gz"],
            "cpu.top.lines.noinlines",
        ),
        (
            &["top", "-addresses", "-nodecount=20", "cpu.pb.gz"],
            "cpu.top.addresses.nodecount=20",
        ),
        (&["top", "-flat", "-cum=false", "cpu.pb.gz"], "cpu.top"),
        (&["traces", "-lines", "cpu.pb.gz"], "cpu.traces.lines"),
        (
            &["graph", "-format=dot", "-focus=sortInts", "cpu.pb.gz"],
            "cpu.dot.focus=sortInts",
        ),
        (&["raw", "-drop_negative", "cpu.pb.gz"], "cpu.raw"),
    ];
    for (args, id) in cases {
        assert_eq!(
            stdout_of(args),
            pprof_expected(id),
            "rprof {args:?} vs {id}"
        );
    }
}

#[test]
fn a_flag_given_twice_takes_the_last_and_lists_accumulate() {
    let d = profiles();
    assert_eq!(
        stdout_of(&[
            "top",
            "--granularity=files",
            "--granularity=lines",
            "--cum",
            "cpu.pb.gz"
        ]),
        pprof_expected("cpu.top.lines.cum")
    );
    assert_eq!(
        stdout_of(&["top", "--nodecount=3", "-nodecount=10", "cpu.pb.gz"]),
        pprof_expected("cpu.top.nodecount=10")
    );
    assert_eq!(
        stdout_of(&["top", "--focus=zzz", "--focus=sortInts", "cpu.pb.gz"]),
        stdout_of(&["top", "--focus=sortInts", "cpu.pb.gz"])
    );
    // Inputs and --base accumulate: two copies are twice the values.
    let one = stdout_of(&["raw", "cpu.pb.gz"]);
    let two = stdout_of(&["raw", "cpu.pb.gz", "cpu.pb.gz"]);
    assert_ne!(one, two);
    let zero = stdout_of(&[
        "top",
        "--base",
        "cpu.pb.gz",
        "--base",
        "cpu.pb.gz",
        "cpu.pb.gz",
        "cpu.pb.gz",
    ]);
    assert!(
        zero.contains("Showing nodes accounting for 0, 0% of 0 total"),
        "{zero}"
    );
    // --cum and --flat exclude each other, as in pprof.
    one_error_line(
        &rprof(&["top", "-cum", "-flat", "cpu.pb.gz"], &d),
        2,
        &["--flat"],
    );
}

#[test]
fn unknown_options_are_usage_errors_with_a_suggestion() {
    let d = profiles();
    one_error_line(
        &rprof(&["top", "-nodecont=5", "cpu.pb.gz"], &d),
        2,
        &["--nodecont", "did you mean '--nodecount'"],
    );
    one_error_line(
        &rprof(&["top", "-n", "5", "cpu.pb.gz"], &d),
        2,
        &["'-n'", "-nodecount=5"],
    );
    one_error_line(
        &rprof(&["top", "--symbolize=demangle=fancy", "cpu.pb.gz"], &d),
        2,
        &["demangle=fancy"],
    );
}

/// A profile whose reports are far bigger than a pipe's buffer, so that a
/// reader hanging up is seen by the writer.
fn big_profile(dir: &Path) -> PathBuf {
    use rprof_profile::{Line, ProfileBuilder};
    let mut b = ProfileBuilder::new();
    b.add_sample_type("samples", "count");
    let funcs: Vec<u32> = (0..400)
        .map(|i| {
            b.function(
                &format!("main.someRatherLongFunctionName{i}"),
                "",
                "main.go",
                1,
            )
        })
        .collect();
    let locs: Vec<u32> = funcs
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            let line = Line {
                function: f,
                line: 10,
                column: 0,
            };
            b.location(None, 0x1000 + i as u64, &[line], false)
        })
        .collect();
    for i in 0..4000usize {
        let stack: Vec<u32> = (0..12)
            .map(|d| locs[(i * 7 + d * 13 + i / 17) % locs.len()])
            .collect();
        b.push_sample(&stack, &[1 + i as i64 % 5], &[]);
    }
    let path = dir.join("big.pb.gz");
    let mut bytes = Vec::new();
    rprof_profile::write_gz(&b.finish(), &mut bytes).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_reader_hanging_up_is_silent_for_every_report() {
    use std::io::Read;
    use std::process::Stdio;
    let d = scratch("hangup");
    big_profile(&d);
    for args in [
        &["flame", "--folded", "big.pb.gz"][..],
        &["flame", "-o", "-", "big.pb.gz"],
        &["traces", "big.pb.gz"],
        &["raw", "big.pb.gz"],
        &["top", "big.pb.gz"],
        &["tree", "big.pb.gz"],
        &["graph", "--format=dot", "--no-trim", "big.pb.gz"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rprof"))
            .args(args)
            .current_dir(&d)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read a line's worth and hang up, as `| head -1` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut b = [0u8; 64];
        stdout.read_exact(&mut b).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.is_empty(), "rprof {args:?}: {err}");
        assert!(out.status.success(), "rprof {args:?}: {:?}", out.status);
    }
}

#[test]
fn a_trace_cut_short_gives_its_complete_generations_and_one_warning() {
    // multigen.trace has a generation every 5 ms; Go's profiles of it cut
    // at byte 151272 were written by `go tool trace -pprof` and rendered by
    // `go tool pprof -top` (fixtures/traces/regen-analysis.sh).
    let d = scratch("tracecut");
    let analysis = rprof_testkit::fixture("traces/expected-analysis");
    let data = std::fs::read(analysis.join("inputs/multigen.trace")).unwrap();
    std::fs::write(d.join("cut.trace"), &data[..151272]).unwrap();
    let warned = |out: &Output| {
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("rprof: warning: cut.trace: "), "{err}");
        assert!(err.contains("from byte offset "), "{err}");
        assert!(err.contains("--strict"), "{err}");
    };
    let out = rprof(
        &[
            "trace",
            "pprof",
            "--kind",
            "sched",
            "-o",
            "sched.pb.gz",
            "cut.trace",
        ],
        &d,
    );
    warned(&out);
    let top = rprof(&["top", "sched.pb.gz"], &d);
    assert_eq!(
        String::from_utf8_lossy(&top.stdout),
        std::fs::read_to_string(analysis.join("multigen.trace.cut-151272.sched.top")).unwrap()
    );
    // Every trace subcommand agrees: output from what is complete, exit 0.
    for args in [
        &["trace", "summary", "cut.trace"][..],
        &["trace", "goroutines", "cut.trace"],
        &["trace", "dump", "--parsed", "cut.trace"],
        &["trace", "dump", "--wire", "cut.trace"],
        &["trace", "dump", "--parsed", "-o", "dump.txt", "cut.trace"],
        &["trace", "export", "-o", "cut.json", "cut.trace"],
    ] {
        let out = rprof(args, &d);
        warned(&out);
    }
    assert!(std::fs::metadata(d.join("dump.txt")).unwrap().len() > 0);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("cut.json")).unwrap()).unwrap();
    assert!(json.is_object() || json.is_array());
    // --strict: an error, and an -o file is left as it was.
    std::fs::write(d.join("keep.pb.gz"), b"old").unwrap();
    let out = rprof(
        &[
            "trace",
            "--strict",
            "pprof",
            "--kind",
            "sched",
            "-o",
            "keep.pb.gz",
            "cut.trace",
        ],
        &d,
    );
    one_error_line(&out, 1, &["cut.trace", "from byte offset "]);
    assert_eq!(std::fs::read(d.join("keep.pb.gz")).unwrap(), b"old");
    let out = rprof(
        &[
            "trace",
            "export",
            "--strict",
            "-o",
            "keep.pb.gz",
            "cut.trace",
        ],
        &d,
    );
    one_error_line(&out, 1, &["cut.trace"]);
    assert_eq!(std::fs::read(d.join("keep.pb.gz")).unwrap(), b"old");
}

/// A gzipped file from 4 MiB on is inflated as it is read from disk
/// instead of read whole first: the report is the same as for the small
/// file, and a cut or corrupted big file fails with one line naming it.
/// (Made big by empty gzip members with long header comments before the
/// real one, as `cat` would join them: the profile inside is the real
/// one.)
#[test]
fn big_gzip_files_read_as_they_inflate_report_the_same() {
    let d = scratch("big-gzip");
    let gz = std::fs::read(profiles().join("cpu.pb.gz")).unwrap();
    let mut big = Vec::new();
    while big.len() < 5 << 20 {
        let member = flate2::GzBuilder::new()
            .comment(vec![b'c'; 60_000])
            .write(Vec::new(), flate2::Compression::default());
        big.extend(member.finish().unwrap());
    }
    big.extend(&gz);
    std::fs::write(d.join("big.pb.gz"), &big).unwrap();
    std::fs::write(d.join("small.pb.gz"), &gz).unwrap();
    for report in [&["top"][..], &["traces"], &["top", "--cum", "--lines"]] {
        let run = |f: &str| rprof(&[report, &[f]].concat(), &d);
        let (small, big) = (run("small.pb.gz"), run("big.pb.gz"));
        assert!(
            big.status.success(),
            "{}",
            String::from_utf8_lossy(&big.stderr)
        );
        assert_eq!(big.stdout, small.stdout, "{report:?}");
        assert!(!big.stdout.is_empty());
    }
    let cut = big.len() - gz.len() / 2;
    std::fs::write(d.join("cut.pb.gz"), &big[..cut]).unwrap();
    let out = rprof(&["top", "cut.pb.gz"], &d);
    one_error_line(
        &out,
        1,
        &[
            "cut.pb.gz",
            &format!("truncated gzip stream after {cut} bytes"),
        ],
    );
    let mut bad = big.clone();
    let at = big.len() - gz.len() / 2;
    bad[at] ^= 0x55;
    std::fs::write(d.join("bad.pb.gz"), &bad).unwrap();
    let out = rprof(&["top", "bad.pb.gz"], &d);
    one_error_line(&out, 1, &["bad.pb.gz"]);
}
