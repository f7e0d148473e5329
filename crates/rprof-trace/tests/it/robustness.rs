//! Damaged input: truncated prefixes (at every batch boundary and at
//! random offsets), corrupted bytes, unknown versions. The reader must
//! return an error or a partial result, never panic; a partial result is
//! exactly the events of the complete generations.

use crate::common;

use common::*;
use rprof_trace::{Error, Reader, WireEvent, WireReader, spec};

/// The text of every event the reader yields, and its error.
fn parse(bytes: &[u8]) -> (Vec<String>, Option<Error>) {
    let mut r = match Reader::new(bytes) {
        Ok(r) => r.with_total_bytes(bytes.len() as u64),
        Err(e) => return (Vec::new(), Some(e)),
    };
    let mut out = Vec::new();
    loop {
        match r.next_event() {
            Ok(Some(ev)) => out.push(ev.to_string()),
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}

/// Offsets where batches (and end-of-generation markers) start.
fn batch_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut r = WireReader::new(bytes).unwrap();
    let mut ev = WireEvent::default();
    let mut offs = Vec::new();
    loop {
        let at = r.offset() as usize;
        if !r.read_event(&mut ev).unwrap() {
            break;
        }
        if matches!(
            ev.typ,
            spec::EV_EVENT_BATCH | spec::EV_EXPERIMENTAL_BATCH | spec::EV_END_OF_GENERATION
        ) {
            offs.push(at);
        }
    }
    offs.push(bytes.len());
    offs
}

/// New-format traces to cut: the fixtures and the multi-generation
/// GOROOT tests (Go 1.22 framing).
fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut v = vec![
        (
            "annotations.trace".to_string(),
            read(&traces().join("annotations.trace")),
        ),
        (
            "trace.out".to_string(),
            read(&fixtures().join("profiles/trace.out")),
        ),
    ];
    for name in [
        "go122-gc-stress",
        "go122-annotations-stress",
        "go122-task-across-generations",
        "go122-confuse-seq-across-generations",
        "go123-sync",
        "go125-sync",
    ] {
        let text = std::fs::read_to_string(traces().join(format!("go-testdata/tests/{name}.test")))
            .unwrap();
        let body = &text[text.find("-- trace --\n").unwrap() + 12..];
        v.push((
            name.to_string(),
            rprof_trace::text::text_to_wire(body).unwrap(),
        ));
    }
    v
}

fn check_prefix(name: &str, full: &[String], bytes: &[u8], cut: usize) {
    let (events, err) = parse(&bytes[..cut]);
    match &err {
        None => {
            // A clean end: only possible where a generation ends.
            assert!(
                events.len() <= full.len(),
                "{name} cut {cut}: more events than the whole trace"
            );
        }
        Some(Error::NotATrace) => assert!(cut < 16, "{name} cut {cut}: header rejected"),
        Some(Error::Lost {
            valid_bytes,
            total_bytes,
            ..
        }) => {
            assert!(
                *valid_bytes as usize <= cut,
                "{name} cut {cut}: valid {valid_bytes}"
            );
            assert_eq!(*total_bytes, Some(cut as u64));
            let msg = err.as_ref().unwrap().to_string();
            assert!(msg.contains("lost"), "{name} cut {cut}: {msg}");
        }
        Some(e) => panic!("{name} cut {cut}: unexpected error kind {e:?}"),
    }
    // Go 1.26 framing: everything but the last (sync) event is what the
    // whole trace has. Before 1.26 a generation cut inside a batch is
    // still delivered (as Go does), so compare up to its sync.
    let n = if bytes.starts_with(b"go 1.26") {
        events.len().saturating_sub(1)
    } else {
        let last = events.len().saturating_sub(1);
        events[..last]
            .iter()
            .rposition(|e| e.contains(" Sync "))
            .unwrap_or(0)
    };
    for (i, (a, b)) in events[..n].iter().zip(full).enumerate() {
        assert_eq!(a, b, "{name} cut {cut}: event {i} differs");
    }
    if let (Some(last), true) = (events.last(), bytes.starts_with(b"go 1.26")) {
        assert!(
            last.contains(" Sync "),
            "{name} cut {cut}: does not end with a sync: {last}"
        );
    }
}

#[test]
fn truncated_at_batch_boundaries() {
    for (name, bytes) in inputs() {
        let (full, err) = parse(&bytes);
        assert!(err.is_none(), "{name}: {err:?}");
        let mut cuts = Vec::new();
        for off in batch_offsets(&bytes) {
            cuts.extend([off.saturating_sub(1), off, off + 1]);
        }
        cuts.retain(|&c| c <= bytes.len());
        cuts.dedup();
        for cut in cuts {
            check_prefix(&name, &full, &bytes, cut);
        }
    }
}

#[test]
fn truncated_at_random_offsets() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (name, bytes) in inputs() {
        let (full, _) = parse(&bytes);
        // Fewer cuts in the big ones: debug builds are slow.
        let n = if bytes.len() > 100_000 { 8 } else { 60 };
        for _ in 0..n {
            let cut = rng.below(bytes.len() as u64 + 1) as usize;
            check_prefix(&name, &full, &bytes, cut);
        }
        for cut in 0..40.min(bytes.len()) {
            check_prefix(&name, &full, &bytes, cut);
        }
    }
}

#[test]
fn multi_generation_truncation_keeps_good_generations() {
    // go125-sync has three generations: cutting inside the last batch
    // keeps the first two and says so.
    let (_, bytes) = inputs()
        .into_iter()
        .find(|(n, _)| n == "go125-sync")
        .unwrap();
    let (full, _) = parse(&bytes);
    let offs = batch_offsets(&bytes);
    let cut = offs[offs.len() - 2] + 3; // inside the last batch's header
    let (events, err) = parse(&bytes[..cut]);
    let err = err.expect("an error");
    let Error::Lost {
        generations_ok,
        valid_bytes,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*generations_ok, 2, "{err}");
    assert!(*valid_bytes > 16 && (*valid_bytes as usize) < cut);
    let syncs = |v: &[String]| v.iter().filter(|e| e.contains(" Sync ")).count();
    assert_eq!(
        syncs(&events),
        4,
        "three generation syncs and the one before the error"
    );
    let third = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.contains(" Sync "))
        .nth(2)
        .unwrap()
        .0;
    assert_eq!(
        events[..third],
        full[..third],
        "the first two generations are intact"
    );
}

#[test]
fn corrupted_bytes_do_not_panic() {
    let mut rng = Rng(42);
    for (name, bytes) in inputs() {
        if bytes.len() > 100_000 {
            continue; // debug builds are slow; the small ones cover the same code
        }
        for _ in 0..150 {
            let mut b = bytes.clone();
            for _ in 0..1 + rng.below(4) {
                let i = 16 + rng.below((b.len() - 16) as u64) as usize;
                b[i] = rng.next() as u8;
            }
            let _ = parse(&b);
            let _ = rprof_trace::dump_wire(&b[..], std::io::sink());
            let _ = &name;
        }
    }
}

#[test]
fn unknown_version_is_named() {
    let mut b = read(&traces().join("annotations.trace"));
    b[..16].copy_from_slice(b"go 1.30 trace\0\0\0");
    let err = Reader::new(&b[..]).err().expect("an error");
    assert!(matches!(err, Error::UnsupportedVersion { minor: 30 }));
    assert_eq!(
        err.to_string(),
        "unknown or unsupported trace version go 1.30"
    );
    let err = rprof_trace::dump_wire(&b[..], std::io::sink()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown or unsupported trace version go 1.30"
    );
}

#[test]
fn not_a_trace() {
    for b in [
        &b""[..],
        b"<html><body>502</body></html>",
        b"\x1f\x8b\x08\x00",
    ] {
        let err = Reader::new(b).err().expect("an error");
        assert!(matches!(err, Error::NotATrace), "{err:?}");
    }
}

#[test]
fn error_says_what_was_lost() {
    let bytes = read(&traces().join("stress.trace"));
    let cut = bytes.len() / 2;
    let (events, err) = parse(&bytes[..cut]);
    assert_eq!(
        events.len(),
        1,
        "one generation: only the sync before the error"
    );
    let msg = err.unwrap().to_string();
    assert!(
        msg.contains(&format!(
            "read 0 good generations; lost {} of {cut} bytes",
            cut - 16
        )),
        "{msg}"
    );
    // Cut right before the end-of-generation byte.
    let (_, err) = parse(&bytes[..bytes.len() - 1]);
    let msg = err.unwrap().to_string();
    assert!(
        msg.starts_with("incomplete generation found; trace likely truncated"),
        "{msg}"
    );
}

#[test]
fn old_format_damage_does_not_panic() {
    let mut inputs = vec![read(&traces().join("go119-small.trace"))];
    for e in std::fs::read_dir(traces().join("go-testdata/tracev1")).unwrap() {
        let b = read(&e.unwrap().path());
        if b.len() < 10_000 {
            inputs.push(b);
        }
    }
    let mut rng = Rng(7);
    for bytes in inputs {
        let (full, err) = parse(&bytes);
        assert!(err.is_none(), "{err:?}");
        assert!(full.len() > 2);
        for _ in 0..40 {
            let cut = rng.below(bytes.len() as u64) as usize;
            let _ = parse(&bytes[..cut]);
            let mut b = bytes.clone();
            let i = 16 + rng.below((b.len() - 16) as u64) as usize;
            b[i] = rng.next() as u8;
            let _ = parse(&b);
        }
    }
}

#[test]
fn random_bytes_after_a_header_do_not_panic() {
    let mut rng = Rng(0xdead_beef);
    let headers: [&[u8]; 6] = [
        b"go 1.11 trace\0\0\0",
        b"go 1.21 trace\0\0\0",
        b"go 1.22 trace\0\0\0",
        b"go 1.23 trace\0\0\0",
        b"go 1.25 trace\0\0\0",
        b"go 1.26 trace\0\0\0",
    ];
    for i in 0..3000 {
        let mut b = headers[i % headers.len()].to_vec();
        let n = rng.below(200) as usize;
        for _ in 0..n {
            // Mostly small values, so that batch and event types occur.
            let v = if rng.below(3) == 0 {
                rng.next() as u8
            } else {
                rng.below(54) as u8
            };
            b.push(v);
        }
        let _ = parse(&b);
        let _ = rprof_trace::dump_wire(&b[..], std::io::sink());
    }
}

/// A longer mutation run over every committed input, for release builds:
/// `RPROF_TRACE_SOAK=200000 cargo test -p rprof-trace --release --test robustness -- --ignored`
#[test]
#[ignore]
fn soak_mutations() {
    let n: usize = std::env::var("RPROF_TRACE_SOAK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut inputs: Vec<Vec<u8>> = inputs().into_iter().map(|(_, b)| b).collect();
    inputs.push(read(&traces().join("go119-small.trace")));
    for e in std::fs::read_dir(traces().join("go-testdata/tracev1")).unwrap() {
        inputs.push(read(&e.unwrap().path()));
    }
    let mut rng = Rng(0x5eed);
    for i in 0..n {
        let src = &inputs[i % inputs.len()];
        let mut b = src.clone();
        match rng.below(4) {
            0 => b.truncate(rng.below(b.len() as u64) as usize),
            1 => {
                for _ in 0..1 + rng.below(8) {
                    let j = 16 + rng.below((b.len() - 16) as u64) as usize;
                    b[j] = rng.next() as u8;
                }
            }
            2 => {
                let j = 16 + rng.below((b.len() - 16) as u64) as usize;
                let k = (j + 1 + rng.below(64) as usize).min(b.len());
                b.drain(j..k);
            }
            _ => {
                let j = 16 + rng.below((b.len() - 16) as u64) as usize;
                let v = rng.next() as u8;
                b.insert(j, v);
            }
        }
        let mut r = match Reader::new(&b[..]) {
            Ok(r) => r,
            Err(_) => continue,
        };
        while let Ok(Some(ev)) = r.next_event() {
            let mut out = Vec::new();
            ev.write_go_string(&mut out);
            let _ = (
                ev.state_transition(),
                ev.range(),
                ev.task(),
                ev.experimental(),
            );
        }
    }
}
