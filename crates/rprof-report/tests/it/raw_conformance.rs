//! pprof's own golden dumps: for every profile X in pprof's
//! `profile/testdata` with an `X.string`, pprof's `TestParse` parses X
//! (protobuf or one of the legacy formats) and compares `p.String()` with
//! X.string. rprof must produce the same bytes: `rprof_profile::parse`,
//! then `raw::write_raw`. (pprof's test applies no `RemoveUninteresting`;
//! a second check shows that pruning changes nothing for these files, since
//! their frames have no function names or match no pattern.)
//!
//! None of the golden files has a `Time:` line, so the local time zone
//! does not matter here.

use rprof_profile::remove_uninteresting;
use rprof_report::raw::write_raw;
use std::path::PathBuf;

fn testdata() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/google-pprof/profile/testdata");
    dir.is_dir().then_some(dir)
}

fn cases() -> Option<Vec<(String, Vec<u8>, String)>> {
    let Some(dir) = testdata() else {
        eprintln!(
            "skipping: pprof conformance data not found (../../../shared/conformance relative to the crate)"
        );
        return None;
    };
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(base) = name.strip_suffix(".string") else {
            continue;
        };
        let data = std::fs::read(dir.join(base)).unwrap();
        let want = std::fs::read_to_string(&path).unwrap();
        out.push((base.to_string(), data, want));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty());
    Some(out)
}

fn first_difference(got: &str, want: &str) -> String {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {}:\n  got:  {g:?}\n  want: {w:?}", i + 1);
        }
    }
    format!(
        "length: got {} lines, want {}",
        got.lines().count(),
        want.lines().count()
    )
}

#[test]
fn raw_matches_pprof_string_dumps() {
    let Some(cases) = cases() else {
        return;
    };
    let mut failures = Vec::new();
    for (name, data, want) in &cases {
        let p = match rprof_profile::parse(data) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}: parse error: {e}"));
                continue;
            }
        };
        let mut got = String::new();
        write_raw(&p, &mut got).unwrap();
        if &got != want {
            failures.push(format!("{name}: {}", first_difference(&got, want)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn pruning_does_not_change_the_golden_files() {
    let Some(cases) = cases() else {
        return;
    };
    for (name, data, want) in &cases {
        let mut p = rprof_profile::parse(data).unwrap();
        remove_uninteresting(&mut p).unwrap();
        let mut got = String::new();
        write_raw(&p, &mut got).unwrap();
        assert!(&got == want, "{name}: {}", first_difference(&got, want));
    }
}

#[test]
fn legacy_profiles_get_pprofs_frame_patterns() {
    let Some(dir) = testdata() else {
        return;
    };
    let read = |n: &str| rprof_profile::parse(&std::fs::read(dir.join(n)).unwrap()).unwrap();
    let heap = read("cppbench.heap");
    assert!(
        heap.str(heap.drop_frames)
            .starts_with("calloc|cfree|malloc|free|")
    );
    assert_eq!(
        heap.str(heap.keep_frames),
        r"runtime\.panic|runtime\.reflectcall|runtime\.call[0-9]*"
    );
    let cont = read("cppbench.contention");
    assert!(
        cont.str(cont.drop_frames)
            .starts_with("RecordLockProfileData|")
    );
    assert_eq!(cont.keep_frames, 0);
    let cpu = read("cppbench.cpu");
    assert_eq!(
        cpu.str(cpu.drop_frames),
        "ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|__pthread_sighandler|__restore"
    );
}

#[test]
fn all_fourteen_golden_files_are_checked() {
    if let Some(c) = cases() {
        assert_eq!(
            c.len(),
            14,
            "{:?}",
            c.iter().map(|c| &c.0).collect::<Vec<_>>()
        );
    }
}
