//! `go test -race` output of a package with two distinct races, one of
//! which the race detector reports twice (from two tests, with other
//! stacks at the same two locations), from Go 1.27 (without -v) and Go
//! 1.19 (with -v).

use rprof_diag::{RaceReader, RaceSummary};

use crate::fixture;

fn read(rels: &[&str]) -> RaceSummary {
    let mut r = RaceReader::new();
    for rel in rels {
        r.read(rel, std::fs::read(fixture(rel)).unwrap().as_slice())
            .unwrap();
    }
    r.finish()
}

/// The innermost frame of each access of each report, read here: the
/// line after `Read at …:` / `Previous write at …:`.
fn pairs_in(log: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = log.lines().collect();
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.contains(" at 0x") && l.contains(" by ") && l.ends_with(':') {
            let func = lines[i + 1].trim().trim_end_matches("()");
            let file = lines[i + 2].trim().split(" +0x").next().unwrap();
            cur.push(format!("{func} {file}"));
            if cur.len() == 2 {
                cur.sort();
                out.push((cur[0].clone(), cur[1].clone()));
                cur.clear();
            }
        }
    }
    out
}

#[test]
fn two_races_one_reported_twice() {
    for v in ["go1.27", "go1.19"] {
        let rel = format!("{v}/race.txt");
        let log = std::fs::read_to_string(fixture(&rel)).unwrap();
        let s = read(&[&rel]);
        let reports = log.lines().filter(|l| *l == "WARNING: DATA RACE").count() as u64;
        assert_eq!(s.reports, reports, "{rel}");
        let mut want = pairs_in(&log);
        assert_eq!(want.len() as u64, reports);
        want.sort();
        want.dedup();
        assert_eq!(s.pairs.len(), want.len(), "{rel}");
        assert_eq!(s.pairs.len(), 2, "{rel}: two distinct races");
        let counts: Vec<u64> = s.pairs.iter().map(|p| p.count).collect();
        assert_eq!(counts, [2, 1], "{rel}");
        let counter = &s.pairs[0];
        assert!(
            counter
                .locations
                .iter()
                .all(|l| l.function == "diag/racy.(*Counter).Inc" && l.line == 15)
        );
        assert_eq!(counter.tests, ["TestCounterA", "TestCounterB"], "{rel}");
        let mode = &s.pairs[1];
        let funcs: Vec<&str> = mode.locations.iter().map(|l| l.function.as_str()).collect();
        assert_eq!(funcs, ["diag/racy.currentMode", "diag/racy.setMode"]);
        assert_eq!(mode.tests, ["TestMode"]);
        // Both stacks and the goroutines' creation sites are kept.
        let first = &mode.first;
        assert_eq!(first.accesses.len(), 2);
        assert!(!first.accesses[0].previous && first.accesses[1].previous);
        assert_eq!(first.accesses[0].kind, "Write");
        assert_eq!(first.accesses[1].kind, "Read");
        assert_eq!(first.created.len(), 2);
        assert!(first.created.iter().all(|c| !c.frames.is_empty()));
        assert!(
            s.sources[0].skipped.is_empty(),
            "{:?}",
            s.sources[0].skipped
        );
    }
    // Both logs together: the same two pairs, counted over both.
    let s = read(&["go1.27/race.txt", "go1.19/race.txt"]);
    assert_eq!(s.pairs.len(), 2);
    assert_eq!(s.pairs[0].count, 4);
    assert_eq!(s.pairs[0].sources.len(), 2);
}

#[test]
fn a_cut_log_and_junk() {
    let log = std::fs::read_to_string(fixture("go1.27/race.txt")).unwrap();
    // Cut in the middle of the last report: the first two are whole.
    let cut = &log[..log.find("Goroutine 14 (running)").unwrap()];
    let mut r = RaceReader::new();
    r.read("cut", cut.as_bytes()).unwrap();
    let s = r.finish();
    assert_eq!(s.reports, 3);
    assert_eq!(s.pairs[0].count, 2);
    let mut r = RaceReader::new();
    let e = r.read("junk", &b"hello\nworld\n"[..]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "junk: no race report (WARNING: DATA RACE) found"
    );
    // A clean `go test -race` run is a race log with no race.
    let mut r = RaceReader::new();
    r.read(
        "clean",
        &b"=== RUN   TestA\n--- PASS: TestA (0.00s)\nPASS\nok  \tpkg\t1.0s\n"[..],
    )
    .unwrap();
    assert_eq!(r.finish().pairs.len(), 0);
}

/// Logs cut anywhere: never a panic, and every report begun is counted.
#[test]
fn random_truncations() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for rel in ["go1.27/race.txt", "go1.19/race.txt"] {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        for _ in 0..100 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let cut = (seed % bytes.len() as u64) as usize;
            let prefix = String::from_utf8_lossy(&bytes[..cut]);
            let begun = prefix
                .lines()
                .filter(|l| *l == "WARNING: DATA RACE")
                .count() as u64;
            let mut r = RaceReader::new();
            match r.read(rel, &bytes[..cut]) {
                Ok(()) => {
                    let s = r.finish();
                    assert_eq!(s.reports, begun, "{rel} cut at {cut}");
                    assert_eq!(s.pairs.iter().map(|p| p.count).sum::<u64>(), begun);
                }
                Err(e) => assert_eq!(begun, 0, "{rel} cut at {cut}: {e}"),
            }
        }
    }
}
