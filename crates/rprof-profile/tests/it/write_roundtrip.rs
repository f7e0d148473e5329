//! The writer: every fixture profile (protobuf and Go text) written and
//! read back is the same profile, field by field; the bytes are in Go's
//! layout and prost reads them; gzip output is a valid `.pb.gz`.
//!
//! With `RPROF_GO=/path/to/go` set, written files are also checked against
//! the real `go tool pprof -raw` (see `go_pprof_reads_written_files`);
//! without it that test says it skipped.

use prost::Message;
use rprof_profile::{Label, Profile, parse, pb};
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    rprof_testkit::fixture("profiles")
}

/// Every profile fixture: `*.pb.gz` and Go's `debug=1` text profiles.
fn fixtures() -> Vec<(String, Profile)> {
    let mut v: Vec<(String, Profile)> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".pb.gz") || n.ends_with(".txt")
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let prof = parse(&std::fs::read(&p).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, prof)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(v.len() >= 20, "fixture profiles missing");
    v
}

/// A label as pprof holds it: string labels by key, then numeric ones by
/// key, each key's values in order; labels with no value are gone.
fn go_labels(p: &Profile, ls: &[Label]) -> Vec<(String, Option<String>, i64, String)> {
    let mut strs: Vec<_> = ls
        .iter()
        .filter(|l| l.str != 0)
        .map(|l| {
            (
                p.str(l.key).to_string(),
                Some(p.str(l.str).to_string()),
                0,
                String::new(),
            )
        })
        .collect();
    let mut nums: Vec<_> = ls
        .iter()
        .filter(|l| l.str == 0 && (l.num != 0 || l.num_unit != 0))
        .map(|l| {
            (
                p.str(l.key).to_string(),
                None,
                l.num,
                p.str(l.num_unit).to_string(),
            )
        })
        .collect();
    strs.sort_by(|a, b| a.0.cmp(&b.0));
    nums.sort_by(|a, b| a.0.cmp(&b.0));
    strs.extend(nums);
    strs
}

/// Asserts that `b` is `a` field by field, strings compared by content.
fn assert_same(name: &str, a: &Profile, b: &Profile) {
    let vt = |p: &Profile, v: rprof_profile::ValueType| {
        (p.str(v.ty).to_string(), p.str(v.unit).to_string())
    };
    let types = |p: &Profile| p.sample_types.iter().map(|&v| vt(p, v)).collect::<Vec<_>>();
    assert_eq!(types(a), types(b), "{name}: sample types");
    assert_eq!(
        a.str(a.default_sample_type),
        b.str(b.default_sample_type),
        "{name}: default type"
    );
    assert_eq!(a.samples.len(), b.samples.len(), "{name}: sample count");
    assert_eq!(a.samples.width, b.samples.width, "{name}: width");
    for i in 0..a.samples.len() {
        assert_eq!(a.samples.stack(i), b.samples.stack(i), "{name}: stack {i}");
        assert_eq!(
            a.samples.values(i),
            b.samples.values(i),
            "{name}: values {i}"
        );
        assert_eq!(
            go_labels(a, a.samples.labels(i)),
            go_labels(b, b.samples.labels(i)),
            "{name}: labels {i}"
        );
    }
    assert_eq!(a.mappings.len(), b.mappings.len(), "{name}: mappings");
    for (x, y) in a.mappings.iter().zip(&b.mappings) {
        assert_eq!(
            (
                x.id,
                x.start,
                x.limit,
                x.offset,
                a.str(x.file),
                a.str(x.build_id)
            ),
            (
                y.id,
                y.start,
                y.limit,
                y.offset,
                b.str(y.file),
                b.str(y.build_id)
            ),
            "{name}: mapping"
        );
        assert_eq!(
            (
                x.has_functions,
                x.has_filenames,
                x.has_line_numbers,
                x.has_inline_frames
            ),
            (
                y.has_functions,
                y.has_filenames,
                y.has_line_numbers,
                y.has_inline_frames
            ),
            "{name}: mapping flags"
        );
    }
    assert_eq!(a.locations, b.locations, "{name}: locations");
    assert_eq!(a.lines, b.lines, "{name}: lines");
    assert_eq!(a.functions.len(), b.functions.len(), "{name}: functions");
    for (x, y) in a.functions.iter().zip(&b.functions) {
        assert_eq!(
            (
                x.id,
                a.str(x.name),
                a.str(x.system_name),
                a.str(x.filename),
                x.start_line
            ),
            (
                y.id,
                b.str(y.name),
                b.str(y.system_name),
                b.str(y.filename),
                y.start_line
            ),
            "{name}: function"
        );
    }
    assert_eq!(
        a.str(a.drop_frames),
        b.str(b.drop_frames),
        "{name}: drop_frames"
    );
    assert_eq!(
        a.str(a.keep_frames),
        b.str(b.keep_frames),
        "{name}: keep_frames"
    );
    assert_eq!(
        (a.time_nanos, a.duration_nanos, a.period),
        (b.time_nanos, b.duration_nanos, b.period),
        "{name}: header"
    );
    // pprof has no "absent" period type: an empty one is not written.
    let pt = |p: &Profile| p.period_type.map(|v| vt(p, v)).unwrap_or_default();
    assert_eq!(pt(a), pt(b), "{name}: period type");
    let comments = |p: &Profile| {
        p.comments
            .iter()
            .map(|&c| p.str(c).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(comments(a), comments(b), "{name}: comments");
    assert_eq!(a.str(a.doc_url), b.str(b.doc_url), "{name}: doc_url");
}

#[test]
fn every_fixture_round_trips() {
    for (name, p) in fixtures() {
        let bytes = rprof_profile::encode(&p);
        let back = parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same(&name, &p, &back);
        // Written twice, the same bytes: the writer is a function of the
        // profile, not of its string table's history.
        assert_eq!(
            rprof_profile::encode(&back),
            bytes,
            "{name}: not a fixed point"
        );
    }
}

#[test]
fn prost_reads_what_is_written() {
    for (name, p) in fixtures() {
        let m = rprof_profile::to_pb(&p);
        let bytes = rprof_profile::encode_pb(&m);
        let decoded = pb::Profile::decode(bytes.as_slice()).unwrap();
        assert_eq!(decoded, m, "{name}");
        // The string table holds each string once, "" first.
        let mut seen = std::collections::HashSet::new();
        assert_eq!(m.string_table[0], "", "{name}");
        assert!(
            m.string_table.iter().all(|s| seen.insert(s)),
            "{name}: duplicate string"
        );
        // Our reader and prost's agree on prost's own layout too.
        let theirs = parse(&m.encode_to_vec()).unwrap();
        assert_same(&name, &p, &theirs);
    }
}

#[test]
fn gzip_output_reads_back() {
    for (name, p) in fixtures() {
        let mut gz = Vec::new();
        rprof_profile::write_gz(&p, &mut gz).unwrap();
        // Go's gzip header: no name, mtime 0, OS unknown.
        assert_eq!(&gz[..4], [0x1f, 0x8b, 8, 0], "{name}");
        assert_eq!(&gz[4..8], [0, 0, 0, 0], "{name}");
        assert_eq!(gz[9], 255, "{name}");
        let back = parse(&gz).unwrap();
        assert_same(&name, &p, &back);
        let mut raw = Vec::new();
        rprof_profile::write_uncompressed(&p, &mut raw).unwrap();
        assert_eq!(raw, rprof_profile::encode(&p), "{name}");
    }
}

#[test]
fn merged_profiles_round_trip() {
    // Merged labels carry a second "" string id; it must come out as Go
    // writes an empty string: index 0.
    let all = fixtures();
    let get = |n: &str| all.iter().find(|(name, _)| name == n).unwrap().1.clone();
    for group in [
        &["cpu.pb.gz", "cpu.v2.pb.gz", "cpu_labels.pb.gz"][..],
        &["heap.pb.gz", "allocs.pb.gz", "heap.txt"][..],
        &["goroutine.pb.gz", "goroutine.txt"][..],
    ] {
        let mut ps: Vec<Profile> = group.iter().map(|n| get(n)).collect();
        for p in &mut ps {
            rprof_profile::ensure_mapping(p);
        }
        let m = rprof_profile::merge(ps).unwrap();
        let back = parse(&rprof_profile::encode(&m)).unwrap();
        assert_same(&group.join("+"), &m, &back);
    }
}

/// `RPROF_GO` names a `go` binary: each protobuf fixture is written, and
/// `go tool pprof -raw` of the written file must equal `-raw` of the
/// original (pprof's `-raw` prints every sample, location, mapping and
/// header field). Skipped (with a note) when the variable is not set.
///
/// Text fixtures are left out: rprof reads more from them than pprof
/// (symbols, goroutine labels), so the profile written is not the one
/// pprof makes of the text.
#[test]
fn go_pprof_reads_written_files() {
    let Some(go) = std::env::var_os("RPROF_GO") else {
        eprintln!("skipped: set RPROF_GO=/path/to/go to compare with go tool pprof -raw");
        return;
    };
    let dir = std::env::temp_dir().join(format!("rprof-write-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let raw = |path: &Path| {
        let out = std::process::Command::new(&go)
            .args(["tool", "pprof", "-raw"])
            .arg(path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    for (name, p) in fixtures()
        .into_iter()
        .filter(|(n, _)| n.ends_with(".pb.gz"))
    {
        let written = dir.join(format!("{name}.written.pb.gz"));
        let mut f = std::fs::File::create(&written).unwrap();
        rprof_profile::write_gz(&p, &mut f).unwrap();
        drop(f);
        let want = raw(&fixture_dir().join(&name));
        let got = raw(&written);
        assert!(
            want == got,
            "{name}: go tool pprof -raw differs:\n--- original\n{}\n--- written\n{}",
            String::from_utf8_lossy(&want),
            String::from_utf8_lossy(&got)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
