//! `rprof fleet` end to end (feature `fleet`): the binary's `fleet top`
//! prints what its `top` prints for the same files, `--to-profile` writes
//! a profile that every other command reads, `fleet diff` is `rprof diff`
//! of the two selections' files, and bad inputs are reported and skipped
//! with a non-zero exit.

use std::path::Path;
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/profiles")
        .join(name)
        .display()
        .to_string()
}

fn rprof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(args)
        .env("TZ", "UTC")
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = rprof(args);
    assert!(
        o.status.success(),
        "rprof {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// The CPU and heap fixtures under `service=…` directories.
fn dataset(tmp: &Path) -> String {
    let input = tmp.join("in");
    for (svc, files) in [
        ("api", &["cpu.pb.gz", "heap.pb.gz", "allocs.pb.gz"][..]),
        (
            "db",
            &["cpu_labels.pb.gz", "cpu.v2.pb.gz", "heap.v2.pb.gz"][..],
        ),
    ] {
        let d = input.join(format!("service={svc}"));
        std::fs::create_dir_all(&d).unwrap();
        for f in files {
            std::fs::copy(fixture(f), d.join(f)).unwrap();
        }
    }
    let ds = tmp.join("ds").display().to_string();
    let out = ok(&[
        "fleet",
        "ingest",
        "-q",
        "--partition-by",
        "service",
        "-o",
        &ds,
        &input.display().to_string(),
    ]);
    assert!(out.contains("ingested 6 profiles"), "{out}");
    ds
}

/// The sources of the profiles a condition selects, in merge order.
fn sources(ds: &str, cond: &str) -> Vec<String> {
    let csv = ok(&[
        "fleet",
        "sql",
        "--csv",
        &format!("SELECT source FROM profiles WHERE {cond} ORDER BY time, profile_id"),
        ds,
    ]);
    csv.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn fleet_top_prints_what_top_prints_for_the_merged_files() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = dataset(tmp.path());
    for (cond, extra, n) in [
        ("sample_types[1] = 'samples'", &[][..], 3),
        ("sample_types[1] = 'samples' AND service = 'db'", &[][..], 2),
        (
            "sample_types[1] = 'samples'",
            &["--tagfocus", "tier=gold"][..],
            3,
        ),
        (
            "sample_types[1] = 'alloc_objects'",
            &["--sample-index", "alloc_space"][..],
            3,
        ),
        (
            "labels['service'] = 'api' AND sample_types[1] = 'alloc_objects'",
            &[][..],
            2,
        ),
    ] {
        let files = sources(&ds, cond);
        assert_eq!(files.len(), n, "{cond}");
        let mut fleet = vec!["fleet", "top", "--where", cond];
        fleet.extend(extra);
        fleet.push(&ds);
        let mut top = vec!["top"];
        top.extend(extra);
        top.extend(files.iter().map(String::as_str));
        let want = ok(&top);
        assert!(want.contains("flat%"));
        assert_eq!(ok(&fleet), want, "{cond} {extra:?}");
        // And through a merged file, as `rprof merge` + `rprof top` would.
        let merged = tmp.path().join("m.pb.gz").display().to_string();
        let mut to = vec![
            "fleet",
            "top",
            "--to-profile",
            "-o",
            &merged,
            "--where",
            cond,
        ];
        to.push(&ds);
        ok(&to);
        let mut top = vec!["top"];
        top.extend(extra);
        top.push(&merged);
        assert_eq!(ok(&top), want, "{cond} via --to-profile");
    }
}

#[test]
fn fleet_diff_is_rprof_diff_of_the_selections() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = dataset(tmp.path());
    let base = "sample_types[1] = 'samples' AND service = 'api'";
    let cur = "sample_types[1] = 'samples' AND service = 'db'";
    let got = ok(&["fleet", "diff", "--base-where", base, "--where", cur, &ds]);
    let mut args = vec!["diff"];
    let b = sources(&ds, base);
    for f in &b {
        args.extend(["--base", f.as_str()]);
    }
    let c = sources(&ds, cur);
    args.extend(c.iter().map(String::as_str));
    assert_eq!(got, ok(&args));
    assert!(got.lines().count() > 5, "{got}");
}

#[test]
fn bad_profiles_are_reported_and_the_rest_ingested() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(fixture("cpu.pb.gz"), input.join("ok.pb.gz")).unwrap();
    std::fs::write(input.join("page.html"), "<!DOCTYPE html><html>404</html>").unwrap();
    let ds = tmp.path().join("ds").display().to_string();
    let o = rprof(&["fleet", "ingest", "-o", &ds, &input.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let page = input.join("page.html").display().to_string();
    assert!(
        err.lines()
            .any(|l| l.starts_with(&format!("rprof: {page}: "))),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("ingested 1 profiles"));
    let count = ok(&[
        "fleet",
        "sql",
        "--csv",
        "SELECT count(*) AS n FROM profiles",
        &ds,
    ]);
    assert_eq!(count, "n\n1\n");
    // A query error is one line and exit 1; a missing dataset too.
    let o = rprof(&["fleet", "sql", "SELECT nope FROM profiles", &ds]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
    let missing = tmp.path().join("none").display().to_string();
    let o = rprof(&["fleet", "top", &missing]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no dataset here"));
}

/// URLs are ingested as files are: fetched concurrently, stored with the
/// URL as their source and labelled `target` as `rprof collect` labels
/// its snapshots; the same profile from a file and a URL is stored once;
/// a URL that fails (refused, an HTML page) is reported in one line
/// naming it and skipped, the rest ingested, exit 1.
#[test]
fn urls_are_fetched_labelled_and_bad_ones_skipped() {
    use crate::support::{self, Fault, serve};
    let tmp = tempfile::tempdir().unwrap();
    let heap = std::fs::read(fixture("heap.pb.gz")).unwrap();
    let good = serve(Fault::Ok(heap, "application/octet-stream"));
    let html = serve(Fault::Html);
    let url = good.url("/debug/pprof/heap");
    let page = html.url("/debug/pprof/heap");
    let refused = format!("http://{}/debug/pprof/heap", support::refused_addr());
    let ds = tmp.path().join("ds").display().to_string();
    let o = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["fleet", "ingest", "-o", &ds, &url, &page, &refused])
        .args(["--no-save", "--timeout", "10"])
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("ingested 1 profiles") && out.contains("2 skipped"),
        "{out}"
    );
    for bad in [&page, &refused] {
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with(&format!("rprof: {bad}")))
            .collect();
        assert_eq!(lines.len(), 1, "{bad}: {err}");
        assert!(lines[0].ends_with("(skipped)"), "{}", lines[0]);
    }
    let csv = ok(&[
        "fleet",
        "sql",
        "--csv",
        "SELECT source, labels['target'] AS target FROM profiles",
        &ds,
    ]);
    assert_eq!(csv, format!("source,target\n{url},http://{}\n", good.addr));
    // The fetched profile's report is the file's.
    assert_eq!(
        ok(&["fleet", "top", &ds]),
        ok(&["top", &fixture("heap.pb.gz")])
    );
    // The same profile again, as a file: already there.
    let out = ok(&["fleet", "ingest", "-q", "-o", &ds, &fixture("heap.pb.gz")]);
    assert!(
        out.contains("ingested 0 profiles") && out.contains("1 already there"),
        "{out}"
    );
}
