//! The analyses on damaged input: truncated prefixes of real traces (cut
//! at batch boundaries and at random offsets), GOROOT's fuzz seeds and
//! text-form tests. They must give an error or a partial result, never
//! panic; a partial result is the analysis of the complete generations
//! (what `go tool trace` keeps).

use crate::analysis_support;
use crate::common;

use analysis_support::{whole, whole_named};
use common::*;
use rprof_trace::analysis::goroutines::{GoroutineGroup, goroutine_summary};
use rprof_trace::analysis::pprof::{PprofKind, pprof_profiles};
use rprof_trace::analysis::summary::{Summary, SummaryAnalyzer, SummaryOptions, summary};
use rprof_trace::{Error, Reader, WireEvent, WireReader, spec};

/// Everything the analyses give for `bytes`: the encoded profiles, the
/// goroutine groups, the summary, and whether each reported an error.
#[derive(Debug, PartialEq)]
struct Outcome {
    profiles: Vec<Vec<u8>>,
    groups: Vec<GoroutineGroup>,
    summary: Summary,
    errors: [bool; 3],
}

/// Runs the three analyses; `None` when the trace gave nothing usable
/// (then each analysis must say so).
fn analyze(bytes: &[u8]) -> Option<Outcome> {
    let reader = || Reader::new(bytes);
    let Ok(mut r) = reader() else {
        return None;
    };
    let p = pprof_profiles(&mut r);
    let g = goroutine_summary(&mut reader().unwrap());
    let s = summary(&mut reader().unwrap(), &SummaryOptions::default());
    match (p, g, s) {
        (Ok(p), Ok(g), Ok(s)) => Some(Outcome {
            profiles: PprofKind::ALL
                .iter()
                .map(|k| rprof_profile::encode(p.value.get(*k)))
                .collect(),
            groups: g.value,
            summary: s.value,
            errors: [p.error.is_some(), g.error.is_some(), s.error.is_some()],
        }),
        (Err(_), Err(_), Err(_)) => None,
        (p, g, s) => panic!(
            "analyses disagree on usability: {:?} {:?} {:?}",
            p.err(),
            g.err(),
            s.err()
        ),
    }
}

/// Offsets just after each end-of-generation marker, and of every batch.
fn offsets(bytes: &[u8]) -> (Vec<usize>, Vec<usize>) {
    let mut r = WireReader::new(bytes).unwrap();
    let mut ev = WireEvent::default();
    let (mut gens, mut batches) = (Vec::new(), Vec::new());
    loop {
        let at = r.offset() as usize;
        if !r.read_event(&mut ev).unwrap() {
            break;
        }
        match ev.typ {
            spec::EV_EVENT_BATCH | spec::EV_EXPERIMENTAL_BATCH => batches.push(at),
            spec::EV_END_OF_GENERATION => gens.push(r.offset() as usize),
            _ => {}
        }
    }
    (gens, batches)
}

/// New-format traces: every batch boundary (up to 60 of them, spread over
/// the file) and 20 random offsets.
#[test]
fn truncated_new_format_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for input in whole() {
        if input.name.contains("go119") {
            continue;
        }
        let bytes = &input.bytes;
        let (_, batches) = offsets(bytes);
        let step = batches.len().div_ceil(60).max(1);
        let mut cuts: Vec<usize> = batches.iter().step_by(step).copied().collect();
        cuts.extend((0..20).map(|_| rng.below(bytes.len() as u64) as usize));
        for cut in cuts {
            if let Some(o) = analyze(&bytes[..cut]) {
                // A cut inside the file is reported by every analysis
                // (a cut between generations is a shorter, whole trace).
                if o.errors.iter().any(|&e| !e) {
                    assert!(
                        o.errors.iter().all(|&e| !e),
                        "{} cut at {cut}: {:?}",
                        input.name,
                        o.errors
                    );
                }
            }
        }
    }
}

/// Cutting a trace anywhere inside generation k+1 gives exactly the
/// analyses of its first k generations: profiles, goroutine groups and
/// summary (the reader delivers no event of an incomplete generation of
/// a Go 1.26 trace).
#[test]
fn partial_results_are_the_complete_generations() {
    let input = whole_named("multigen.trace");
    let bytes = &input.bytes;
    let (gens, _) = offsets(bytes);
    assert!(gens.len() > 3, "{} generations", gens.len());
    let mut rng = Rng(42);
    let mut checked = 0;
    for w in gens.windows(2) {
        let (end_k, end_next) = (w[0], w[1]);
        let clean = analyze(&bytes[..end_k]).expect("complete generations");
        assert_eq!(clean.errors, [false; 3], "prefix of whole generations");
        for _ in 0..2 {
            let cut = end_k + 1 + rng.below((end_next - end_k - 1) as u64) as usize;
            let mut got = analyze(&bytes[..cut]).expect("a partial result");
            assert_eq!(got.errors, [true; 3], "cut at {cut}");
            got.errors = clean.errors;
            assert!(
                got == clean,
                "cut at {cut} vs the {end_k} bytes of whole generations"
            );
            checked += 1;
        }
    }
    assert!(checked >= 6);
}

/// Old-format traces are read whole: any cut fails or gives a result,
/// without a panic.
#[test]
fn truncated_old_format_never_panics() {
    let mut rng = Rng(7);
    for input in whole() {
        if !input.name.contains("go119") {
            continue;
        }
        for _ in 0..40 {
            let cut = rng.below(input.bytes.len() as u64) as usize;
            let _ = analyze(&input.bytes[..cut]);
        }
    }
}

/// GOROOT's fuzz corpus (past crashes of Go's reader) and text-form tests
/// (hand-written scenarios, some of them invalid).
#[test]
fn go_testdata_never_panics() {
    let dir = traces().join("go-testdata/fuzz");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let text = String::from_utf8(read(&e.unwrap().path())).unwrap();
        let lit = text
            .lines()
            .nth(1)
            .and_then(|l| l.strip_prefix("[]byte("))
            .and_then(|l| l.strip_suffix(')'))
            .and_then(rprof_trace::quote::unquote)
            .expect("a []byte literal");
        let _ = analyze(&lit);
        n += 1;
    }
    let dir = traces().join("go-testdata/tests");
    for e in std::fs::read_dir(&dir).unwrap() {
        let text = String::from_utf8(read(&e.unwrap().path())).unwrap();
        let trace = text.split("-- trace --\n").nth(1).expect("a trace section");
        let bytes = rprof_trace::text::text_to_wire(trace).unwrap();
        let _ = analyze(&bytes);
        n += 1;
    }
    assert!(n >= 30, "{n} inputs");
}

/// A trace that is not one, or of an unknown version: an error, no result.
#[test]
fn unusable_input_is_an_error() {
    assert!(matches!(
        Reader::new(&b"not a trace at all"[..]).err(),
        Some(Error::NotATrace)
    ));
    let header = b"go 1.26 trace\x00\x00\x00";
    // A header alone is a trace without generations: nothing to report,
    // but no failure either, or an error; never a panic.
    let _ = analyze(header);
    assert!(analyze(&header[..10]).is_none());
}

/// A bad table ID is found by the thread that takes each batch of events
/// (the analysing thread, or the dump's), not by the reader: the events
/// handed over and the error are still exactly what the event-by-event
/// reader gives (Go's `ReadEvent`), for a stack ID and for a string ID
/// that the generation lacks, in the middle of GOROOT's GC stress trace
/// (the IDs rewritten keep their one-byte length, so the batch sizes
/// still hold).
#[test]
fn bad_ids_end_the_batches_where_the_reader_ends() {
    use rprof_trace::analysis::for_each_event;
    let text =
        std::fs::read_to_string(traces().join("go-testdata/tests/go122-gc-stress.test")).unwrap();
    let body = &text[text.find("-- trace --\n").unwrap() + 12..];
    let line = body
        .lines()
        .filter(|l| l.starts_with("GoStop ") && l.ends_with(" reason_string=20 stack=9"))
        .nth(20)
        .unwrap();
    for (bad, want) in [
        (line.replace("stack=9", "stack=120"), "invalid stack ID 120"),
        (
            line.replace("reason_string=20", "reason_string=121"),
            "invalid string ID 121",
        ),
    ] {
        let bytes = rprof_trace::text::text_to_wire(&body.replacen(line, &bad, 1)).unwrap();
        let total = bytes.len() as u64;
        let mut serial = Vec::new();
        let mut serial_summary = SummaryAnalyzer::new(SummaryOptions::default());
        let mut r = Reader::new(&bytes[..]).unwrap().with_total_bytes(total);
        let serial_err = loop {
            match r.next_event() {
                Ok(Some(ev)) => {
                    serial_summary.event(&ev);
                    serial.push(ev.to_string())
                }
                Ok(None) => break None,
                Err(e) => break Some(e.to_string()),
            }
        };
        let mut batched = Vec::new();
        let mut r = Reader::new(&bytes[..]).unwrap().with_total_bytes(total);
        let batched_err = for_each_event(&mut r, |ev| batched.push(ev.to_string()))
            .unwrap()
            .map(|e| e.to_string());
        assert!(
            serial_err.as_deref().is_some_and(|e| e.contains(want)),
            "{serial_err:?}"
        );
        assert!(
            serial.len() > 100,
            "{} events before the bad one",
            serial.len()
        );
        assert_eq!(batched_err, serial_err, "{want}");
        assert_eq!(batched.len(), serial.len(), "{want}");
        assert!(batched == serial, "{want}: the events differ");
        // The summary's two analysing threads (the second sees each
        // batch after the first has checked it) both stop at the bad
        // event.
        let mut r = Reader::new(&bytes[..]).unwrap().with_total_bytes(total);
        let split = summary(&mut r, &SummaryOptions::default()).unwrap();
        assert_eq!(
            split.error.map(|e| e.to_string()),
            serial_err,
            "{want}: summary"
        );
        assert!(
            split.value == serial_summary.finish(),
            "{want}: the summaries differ"
        );
        let mut dump = Vec::new();
        let dump_err = rprof_trace::dump_parsed(&bytes[..], &mut dump).unwrap_err();
        assert!(dump_err.to_string().contains(want), "{dump_err}");
        let mut lines = String::from_utf8(dump).unwrap();
        lines.truncate(lines.trim_end().len());
        assert_eq!(
            lines.lines().filter(|l| l.starts_with("M=")).count(),
            serial.len()
        );
    }
}

/// An analysis that panics mid-trace: its panic comes out of the pass
/// (not a hang), with the reading thread and the one reading generations
/// ahead ended, in a trace of several generations.
#[test]
fn a_panicking_analysis_ends_the_reading_threads() {
    use rprof_trace::analysis::for_each_event;
    let input = whole_named("multigen.trace");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut r = Reader::new(&input.bytes[..]).unwrap();
            let mut n = 0;
            let _ = for_each_event(&mut r, |_| {
                n += 1;
                if n == 1 {
                    panic!("analysis failed");
                }
            });
        }));
        let _ = tx.send(r.is_err());
    });
    let panicked = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the pass ended");
    assert!(panicked);
}
