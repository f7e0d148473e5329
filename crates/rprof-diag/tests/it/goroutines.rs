//! Goroutine dumps written by real Go programs (fixtures/diag, made by
//! `cargo xtask fixtures-diag` with Go 1.27 and Go 1.19): every count is
//! checked against the dump itself, counted here with plain string
//! handling independent of the reader.

use rprof_diag::{DumpKind, GoroutineOptions, GoroutineReport, read_goroutines};
use std::collections::{BTreeMap, BTreeSet};

use crate::fixture;

fn text(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap()
}

fn read(rel: &str, similar: bool) -> GoroutineReport {
    let bytes = std::fs::read(fixture(rel)).unwrap();
    read_goroutines(
        rel,
        &bytes[..],
        &GoroutineOptions {
            similar,
            ..Default::default()
        },
    )
    .unwrap()
}

/// The header lines of a dump: `goroutine N ... [state...]...:`.
fn headers(dump: &str) -> Vec<&str> {
    dump.lines()
        .filter(|l| {
            l.starts_with("goroutine ")
                && l.ends_with(':')
                && l.contains(" [")
                && l["goroutine ".len()..].starts_with(|c: char| c.is_ascii_digit())
                // Labels, when there are, close before the colon.
                && (!l.contains("] {") || l.ends_with("}:"))
        })
        .collect()
}

/// The state of a header: between `[` and the first `,` or `]`, without
/// the `(leaked)` mark.
fn state(header: &str) -> String {
    let inner = &header[header.find(" [").unwrap() + 2..];
    let end = inner.find([',', ']']).unwrap();
    inner[..end].trim_end_matches(" (leaked)").to_string()
}

/// Goroutine blocks: each header with the lines that follow it up to a
/// blank line, the next header, or the end.
fn blocks(dump: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut cur: Option<Vec<&str>> = None;
    for l in dump.lines() {
        if headers(l).len() == 1 {
            out.extend(cur.take());
            cur = Some(vec![l]);
        } else if l.is_empty() {
            out.extend(cur.take());
        } else if let Some(c) = cur.as_mut() {
            // Frame lines only: `go test` writes `FAIL pkg 2.0s` right
            // after the last goroutine.
            if l.starts_with('\t')
                || l.starts_with("created by ")
                || l.ends_with(')')
                || l.starts_with("...")
            {
                c.push(l);
            }
        }
    }
    out.extend(cur);
    out
}

const DUMPS: &[&str] = &[
    "go1.27/panic.txt",
    "go1.27/nilpanic.txt",
    "go1.27/deadlock.txt",
    "go1.27/deep.txt",
    "go1.27/sigquit.txt",
    "go1.27/test-timeout.txt",
    "go1.27/leak/goroutine-005s.txt",
    "go1.27/leak/goroutine-065s.txt",
    "go1.27/leak/goroutineleak-125s.txt",
    "go1.19/panic.txt",
    "go1.19/nilpanic.txt",
    "go1.19/deadlock.txt",
    "go1.19/deep.txt",
    "go1.19/sigquit.txt",
    "go1.19/test-timeout.txt",
];

#[test]
fn goroutine_and_state_counts_match_the_headers() {
    for rel in DUMPS {
        let dump = text(rel);
        let hs = headers(&dump);
        assert!(!hs.is_empty(), "{rel}: the fixture has goroutines");
        for similar in [false, true] {
            let r = read(rel, similar);
            assert_eq!(r.goroutines, hs.len() as u64, "{rel}");
            assert_eq!(
                r.buckets.iter().map(|b| b.count).sum::<u64>(),
                hs.len() as u64,
                "{rel}"
            );
            let mut want: BTreeMap<String, u64> = BTreeMap::new();
            for h in &hs {
                *want.entry(state(h)).or_default() += 1;
            }
            let mut got: BTreeMap<String, u64> = BTreeMap::new();
            for b in &r.buckets {
                for s in &b.states {
                    *got.entry(s.state.clone()).or_default() += s.count;
                }
            }
            assert_eq!(got, want, "{rel}: states");
            let leaked = hs.iter().filter(|h| h.contains("(leaked)")).count() as u64;
            assert_eq!(
                r.buckets.iter().map(|b| b.leaked).sum::<u64>(),
                leaked,
                "{rel}"
            );
            let locked = hs.iter().filter(|h| h.contains("locked to thread")).count() as u64;
            assert_eq!(
                r.buckets.iter().map(|b| b.locked_to_thread).sum::<u64>(),
                locked,
                "{rel}"
            );
            let minutes = hs
                .iter()
                .filter_map(|h| {
                    let i = h.find(" minutes")?;
                    h[..i].rsplit(' ').next()?.parse::<u64>().ok()
                })
                .max()
                .unwrap_or(0);
            assert_eq!(
                r.buckets.iter().map(|b| b.wait_minutes.max).max(),
                Some(minutes),
                "{rel}"
            );
            assert!(
                r.sources[0]
                    .skipped
                    .first
                    .iter()
                    .all(|s| !s.text.starts_with("goroutine "))
            );
        }
    }
}

/// With `--similar`, a bucket is a distinct stack: functions and
/// file:line of every frame, the creator and its place, the labels, and
/// whether it is the goroutine that crashed.
#[test]
fn similar_buckets_are_the_distinct_stacks() {
    for rel in DUMPS {
        let dump = text(rel);
        let crashed_first =
            !dump.starts_with("goroutine ") && headers(&dump)[0].contains("[running");
        let mut stacks = BTreeSet::new();
        for (i, b) in blocks(&dump).iter().enumerate() {
            let mut key = Vec::new();
            if i == 0 && crashed_first {
                key.push("crashing".to_string());
            }
            if let Some(l) = b[0].find("] {") {
                key.push(b[0][l..].to_string());
            }
            for line in &b[1..] {
                let line = if let Some(rest) = line.strip_prefix('\t') {
                    rest.split(" +0x")
                        .next()
                        .unwrap()
                        .split(" fp=")
                        .next()
                        .unwrap()
                        .to_string()
                } else if let Some(c) = line.strip_prefix("created by ") {
                    format!("created by {}", c.split(" in goroutine ").next().unwrap())
                } else if let Some(open) = line.rfind('(') {
                    line[..open].to_string()
                } else {
                    line.to_string()
                };
                key.push(line);
            }
            stacks.insert(key);
        }
        assert_eq!(read(rel, true).buckets.len(), stacks.len(), "{rel}");
    }
}

#[test]
fn panic_preamble_and_the_recovered_chain() {
    for v in ["go1.27", "go1.19"] {
        let rel = format!("{v}/panic.txt");
        let r = read(&rel, false);
        assert_eq!(r.dumps.len(), 1);
        let d = &r.dumps[0];
        assert_eq!(d.kind, DumpKind::Panic);
        assert_eq!(d.panics.len(), 2, "{rel}: two panics in the chain");
        assert_eq!(d.panics[0].value, "job \"resize\": bad dimensions");
        assert!(d.panics[0].recovered && !d.panics[0].repanicked);
        assert_eq!(
            d.panics[1].value,
            "process 7 failed: job \"resize\": bad dimensions"
        );
        assert!(!d.panics[1].recovered);
        // The goroutine that panicked comes first, alone.
        let first = &r.buckets[0];
        assert!(first.crashing && first.count == 1);
        assert_eq!(first.frames[0].function, "main.process.func1");
        assert_eq!(first.frames[1].function, "panic");
        let created = first.created_by.as_ref().unwrap();
        assert_eq!(
            (created.function.as_str(), created.file.as_str()),
            ("main.doPanic", "diag/main.go")
        );
        // Go 1.21+ names the parent goroutine; Go 1.19 does not.
        assert_eq!(first.parents.is_empty(), v == "go1.19", "{rel}");
        // The three parked goroutines share one bucket.
        let parked = r
            .buckets
            .iter()
            .find(|b| b.frames[0].function == "main.parkSome.func1")
            .unwrap();
        assert_eq!(parked.count, 3);
        assert!(!d.truncated);
    }
    let r = read("go1.27/nilpanic.txt", false);
    assert!(
        r.dumps[0]
            .signal
            .as_deref()
            .unwrap()
            .starts_with("[signal SIGSEGV: segmentation violation")
    );
    assert_eq!(r.buckets[0].frames[0].function, "main.sum");
}

#[test]
fn elided_frames() {
    for v in ["go1.27", "go1.19"] {
        let rel = format!("{v}/deep.txt");
        let dump = text(&rel);
        let r = read(&rel, false);
        let b = &r.buckets[0];
        assert!(b.crashing);
        let printed = dump
            .lines()
            .filter(|l| l.starts_with("main.descend("))
            .count();
        assert_eq!(
            b.frames
                .iter()
                .filter(|f| f.function == "main.descend")
                .count(),
            printed
        );
        let elided = dump
            .lines()
            .find(|l| l.starts_with("...") && l.ends_with("elided..."));
        assert_eq!(b.elided.as_deref(), elided, "{rel}");
        // Go 1.21+ says how many; Go 1.19 just stops at 100 frames.
        assert_eq!(elided.is_some(), v == "go1.27", "{rel}");
        // With --similar all 200-deep panics are one stack however their
        // arguments differ.
        assert_eq!(read(&rel, true).buckets.len(), 1);
    }
}

#[test]
fn deadlock_sigquit_and_test_timeout() {
    for v in ["go1.27", "go1.19"] {
        let r = read(&format!("{v}/deadlock.txt"), false);
        assert_eq!(r.dumps[0].kind, DumpKind::Fatal);
        assert_eq!(
            r.dumps[0].headline.as_deref(),
            Some("fatal error: all goroutines are asleep - deadlock!")
        );
        assert!(
            !r.buckets.iter().any(|b| b.crashing),
            "a deadlock has no running goroutine"
        );
        // The four workers differ in their argument in Go 1.27 (0x0..0x3):
        // four buckets, one with --similar. Go 1.19 printed `0x0?` (a
        // possibly stale value) for all four: one bucket either way.
        let dump = text(&format!("{v}/deadlock.txt"));
        let args: BTreeSet<String> = dump
            .lines()
            .filter_map(|l| l.strip_prefix("main.doDeadlock.func1("))
            .map(|a| {
                if a.contains('?') {
                    "*".to_string()
                } else {
                    a.to_string()
                }
            })
            .collect();
        let want: Vec<u64> = vec![4 / args.len() as u64; args.len()];
        assert_eq!(args.len(), if v == "go1.27" { 4 } else { 1 });
        let workers = |r: &GoroutineReport| -> Vec<u64> {
            r.buckets
                .iter()
                .filter(|b| {
                    b.frames
                        .iter()
                        .any(|f| f.function == "main.doDeadlock.func1")
                })
                .map(|b| b.count)
                .collect()
        };
        assert_eq!(workers(&r), want);
        assert_eq!(workers(&read(&format!("{v}/deadlock.txt"), true)), [4]);

        let rel = format!("{v}/sigquit.txt");
        let dump = text(&rel);
        let r = read(&rel, false);
        assert_eq!(r.dumps[0].kind, DumpKind::Signal);
        assert_eq!(r.dumps[0].signal.as_deref(), Some("SIGQUIT: quit"));
        let registers = dump
            .lines()
            .filter(|l| {
                let mut w = l.split_whitespace();
                matches!((w.next(), w.next(), w.next()), (Some(n), Some(v), None)
                    if n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) && v.starts_with("0x"))
            })
            .count();
        assert!(registers >= 16, "{rel}: the register block");
        assert_eq!(r.dumps[0].registers as usize, registers, "{rel}");
        assert!(
            r.sources[0].skipped.is_empty(),
            "{rel}: {:?}",
            r.sources[0].skipped
        );

        let r = read(&format!("{v}/test-timeout.txt"), false);
        let d = &r.dumps[0];
        assert_eq!(d.kind, DumpKind::TestTimeout);
        assert_eq!(d.panics[0].value, "test timed out after 2s");
        // Go 1.27 lists the running tests; Go 1.19 does not.
        if v == "go1.27" {
            assert_eq!(d.running_tests, ["TestHang (2s)"]);
        } else {
            assert!(d.running_tests.is_empty());
        }
        let hung = r
            .buckets
            .iter()
            .find(|b| {
                b.frames
                    .iter()
                    .any(|f| f.function == "diag/hang.TestHang.func1")
            })
            .unwrap();
        assert_eq!(hung.count, 3);
        // `FAIL diag/hang 2.0s`: go test's own lines, skipped and reported.
        let skipped = &r.sources[0].skipped;
        assert!(
            skipped
                .first
                .iter()
                .any(|s| s.text.starts_with("FAIL\tdiag/hang")),
            "{skipped:?}"
        );
        let whole = text(&format!("{v}/test-timeout.txt"));
        let lines: Vec<&str> = whole.lines().collect();
        for s in &skipped.first {
            assert_eq!(
                lines[s.line as usize - 1],
                s.text,
                "the skipped line's number is right"
            );
        }
    }
}

#[test]
fn leak_across_dumps_is_flagged_and_nothing_else() {
    let rels = [
        "go1.27/leak/goroutine-005s.txt",
        "go1.27/leak/goroutine-065s.txt",
        "go1.27/leak/goroutineleak-125s.txt",
    ];
    let mut reader = rprof_diag::GoroutineReader::new(GoroutineOptions::default());
    for rel in rels {
        reader
            .read(rel, &std::fs::read(fixture(rel)).unwrap()[..])
            .unwrap();
    }
    let r = reader.finish();
    assert_eq!(r.dumps.len(), 3);
    // The leaked watchers, counted per dump in the dumps themselves.
    let watchers: Vec<u64> = rels
        .iter()
        .map(|rel| {
            blocks(&text(rel))
                .iter()
                .filter(|b| b.get(1).is_some_and(|l| l.starts_with("main.watch(")))
                .count() as u64
        })
        .collect();
    assert!(
        watchers[0] < watchers[1] && watchers[1] < watchers[2],
        "{watchers:?}"
    );
    let flagged: Vec<_> = r.buckets.iter().filter(|b| b.leak.is_some()).collect();
    assert!(flagged.iter().all(|b| b.frames[0].function == "main.watch"));
    let mut per_dump = [0u64; 3];
    for b in &flagged {
        for (i, n) in b.per_dump.iter().enumerate() {
            per_dump[i] += n;
        }
        let tenant = b.labels.iter().find(|l| l.key == "tenant").unwrap();
        assert!(["acme", "globex", "initech"].contains(&tenant.value.as_str()));
    }
    assert_eq!(
        per_dump.to_vec(),
        watchers,
        "every watcher is in a flagged bucket"
    );
    // The biggest buckets come first and are the leak.
    assert!(r.buckets[0].leak.is_some());
    assert!(
        r.buckets[0]
            .leak
            .as_ref()
            .unwrap()
            .contains("growing across dumps")
    );
}

#[test]
fn crlf_and_interleaved_lines() {
    let rel = "go1.27/panic.txt";
    let dump = text(rel);
    let want = read(rel, false);
    let crlf = dump.replace('\n', "\r\n");
    let got = read_goroutines(rel, crlf.as_bytes(), &GoroutineOptions::default()).unwrap();
    assert_eq!(got.goroutines, want.goroutines);
    assert_eq!(got.buckets.len(), want.buckets.len());
    assert_eq!(got.buckets[0].frames, want.buckets[0].frames);
    // A log line in the middle of a goroutine: skipped with its number,
    // and the goroutine still whole.
    let mut lines: Vec<&str> = dump.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("main.validate"))
        .unwrap()
        + 1;
    lines.insert(
        at,
        "2026/12/06 10:00:00 INFO a log line from another goroutine",
    );
    let mixed = lines.join("\n");
    let got = read_goroutines(rel, mixed.as_bytes(), &GoroutineOptions::default()).unwrap();
    assert_eq!(got.goroutines, want.goroutines);
    assert_eq!(got.buckets[0].frames, want.buckets[0].frames);
    let s = &got.sources[0].skipped;
    assert_eq!(s.count, 1);
    assert_eq!(s.first[0].line, at as u64 + 1);
}

/// A tiny deterministic generator (xorshift), so that the cuts are the
/// same on every run.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Dumps cut anywhere (Go's 64 MB limit, a rotated log) and bytes
/// flipped: never a panic, and every complete header still counted.
#[test]
fn truncated_and_damaged_dumps_never_panic() {
    let mut seed = 0x9e3779b97f4a7c15u64;
    for rel in [
        "go1.27/sigquit.txt",
        "go1.19/panic.txt",
        "go1.27/leak/goroutineleak-125s.txt",
    ] {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        for _ in 0..150 {
            let cut = (xorshift(&mut seed) % bytes.len() as u64) as usize;
            let prefix = &bytes[..cut];
            let shown = String::from_utf8_lossy(prefix);
            let complete = headers(&shown).len() as u64;
            match read_goroutines(rel, prefix, &GoroutineOptions::default()) {
                Ok(r) => {
                    assert_eq!(r.goroutines, complete, "{rel} cut at {cut}");
                    let last_line_cut = !prefix.ends_with(b"\n");
                    if r.dumps.last().unwrap().truncated {
                        assert!(
                            last_line_cut
                                || shown.lines().last().is_some_and(|l| !l.starts_with('\t')),
                            "{rel} cut at {cut}"
                        );
                    }
                }
                Err(e) => {
                    assert_eq!(complete, 0, "{rel} cut at {cut}: {e}");
                    assert!(e.to_string().contains("no goroutine found"), "{e}");
                }
            }
            let mut damaged = bytes.clone();
            for _ in 0..20 {
                let i = (xorshift(&mut seed) % damaged.len() as u64) as usize;
                damaged[i] = (xorshift(&mut seed) & 0xff) as u8;
            }
            let _ = read_goroutines(rel, &damaged[..], &GoroutineOptions::default());
        }
    }
}

#[test]
fn not_a_dump_is_an_error_naming_the_input() {
    let e = read_goroutines(
        "page.html",
        &b"<!DOCTYPE html><html>502</html>\n"[..],
        &GoroutineOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "page.html: no goroutine found (this is an HTML page (an error page from the server?))"
    );
    let e = read_goroutines(
        "g.txt",
        &b"goroutine profile: total 4\n4 @ 0x1 0x2\n"[..],
        &GoroutineOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("debug=1 goroutine profile"), "{e}");
    let e = read_goroutines("empty", &b""[..], &GoroutineOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "empty: no goroutine found");
}

#[test]
fn to_profile_round_trips_through_the_profile_reader() {
    for rel in [
        "go1.27/sigquit.txt",
        "go1.27/leak/goroutineleak-125s.txt",
        "go1.19/deadlock.txt",
    ] {
        let r = read(rel, false);
        let mut bytes = Vec::new();
        rprof_diag::write_goroutine_profile(&r, &mut bytes).unwrap();
        let p = rprof_profile::parse(&bytes).unwrap();
        assert_eq!(p.sample_type_names(), ["goroutine"]);
        let total: i64 = (0..p.samples.len()).map(|i| p.samples.value(i, 0)).sum();
        assert_eq!(total as u64, headers(&text(rel)).len() as u64, "{rel}");
        // One sample per bucket and state, labelled with the state.
        let samples: usize = r.buckets.iter().map(|b| b.states.len()).sum();
        assert_eq!(p.samples.len(), samples);
        let mut by_state: BTreeMap<String, i64> = BTreeMap::new();
        for i in 0..p.samples.len() {
            let label = p
                .samples
                .labels(i)
                .iter()
                .find(|l| p.str(l.key) == "state")
                .unwrap();
            *by_state.entry(p.str(label.str).to_string()).or_default() += p.samples.value(i, 0);
        }
        for h in headers(&text(rel)) {
            *by_state.get_mut(&state(h)).unwrap() -= 1;
        }
        assert!(by_state.values().all(|&v| v == 0), "{rel}: {by_state:?}");
        // The innermost frame of each sample is its bucket's first
        // frame (inlined frames share their caller's location).
        let leaf = |i: usize| {
            let loc = p.samples.stack(i)[0];
            p.str(p.functions[p.location_lines(loc)[0].function as usize].name)
                .to_string()
        };
        let mut i = 0;
        for b in &r.buckets {
            for _ in &b.states {
                let want = if b.frames[0].function == "panic" {
                    "runtime.gopanic"
                } else {
                    b.frames[0].function.as_str()
                };
                assert_eq!(leaf(i), want, "{rel}");
                i += 1;
            }
        }
    }
}

#[test]
fn html_escapes_what_the_dump_says() {
    let dump = "goroutine 7 [chan receive] {\"k\": \"<script>alert(1)</script>\"}:\nmain.f(...)\n\t/x/<b>.go:3\n";
    let r = read_goroutines("<evil>.txt", dump.as_bytes(), &GoroutineOptions::default()).unwrap();
    assert_eq!(r.buckets[0].labels[0].value, "<script>alert(1)</script>");
    let html = rprof_diag::goroutines_html(&r).unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<b>"));
    assert!(!html.contains("<evil>"));
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    // JSON is JSON.
    let v: serde_json::Value = serde_json::from_str(&rprof_diag::to_json(&r)).unwrap();
    assert_eq!(v["goroutines"], 1);
}
