//! The dataset against the profiles it was made from: `fleet top` is
//! `rprof top` of the same files merged, byte for byte; SQL answers equal
//! values computed from the profiles directly; bad inputs are skipped and
//! reported; ingest is idempotent; a Ballista cluster answers as the
//! embedded engine does. Inputs are the Go-written fixtures.

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::datatypes::Int64Type;
use rprof_fleet::{Fleet, IngestOptions, OpenOptions};
use rprof_profile::Profile;
use rprof_report::ReportOptions;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/profiles")
        .join(name)
}

fn read(path: &Path) -> Profile {
    rprof_profile::parse(&std::fs::read(path).unwrap()).unwrap()
}

const CPU: &[&str] = &["cpu.pb.gz", "cpu.v2.pb.gz", "cpu_labels.pb.gz"];
const HEAP: &[&str] = &[
    "heap.pb.gz",
    "heap.v2.pb.gz",
    "allocs.pb.gz",
    "allocs.v2.pb.gz",
    "heap.txt",
];

/// A dataset of the CPU and heap fixtures, each group ingested with its
/// own labels, partitioned by `service`.
fn dataset(dir: &Path) -> PathBuf {
    let root = dir.join("ds");
    let ingest = |files: &[&str], labels: &[(&str, &str)]| {
        let opts = IngestOptions {
            partition_by: Some("service".into()),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let inputs: Vec<PathBuf> = files.iter().map(|f| fixture(f)).collect();
        let r = rprof_fleet::ingest(&root, &inputs, &opts, |_| {}).unwrap();
        assert_eq!(r.ingested, files.len(), "{:?}", r.skipped);
        assert!(r.skipped.is_empty());
    };
    ingest(&CPU[..2], &[("service", "api"), ("kind", "cpu")]);
    ingest(&CPU[2..], &[("service", "db"), ("kind", "cpu")]);
    ingest(&HEAP[..3], &[("service", "api"), ("kind", "heap")]);
    ingest(&HEAP[3..], &[("service", "db"), ("kind", "heap")]);
    root
}

/// `top` of a profile, through the report pipeline as the CLI makes it.
fn top(p: rprof_profile::Profile, opts: &ReportOptions) -> String {
    let pipeline = rprof_report::pipeline::Pipeline {
        report: opts.clone(),
        ..Default::default()
    };
    let prepared = pipeline.prepare(p).unwrap();
    let mut text = String::new();
    rprof_report::top::write_top(&prepared.report().unwrap(), &mut text);
    text
}

/// `rprof top FILES…`: the files read, combined (merged and pruned) as
/// the CLI does, and the report made by the same code.
fn rprof_top(files: &[PathBuf], opts: &ReportOptions) -> String {
    let profiles = files.iter().map(|f| read(f)).collect();
    top(rprof_profile::combine(profiles).unwrap(), opts)
}

fn fleet_top(fleet: &Fleet, cond: Option<&str>, opts: &ReportOptions) -> (String, Vec<PathBuf>) {
    let m = fleet.merged(cond).unwrap();
    let sources = m
        .profiles
        .iter()
        .map(|p| PathBuf::from(&p.source))
        .collect();
    (top(m.profile, opts), sources)
}

fn opts() -> ReportOptions {
    ReportOptions::default()
}

#[test]
fn fleet_top_is_rprof_top_of_the_merged_files() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = Fleet::open(&dataset(tmp.path()), &OpenOptions::default()).unwrap();
    let cases: &[(&str, usize, ReportOptions)] = &[
        ("labels['kind'] = 'cpu'", 3, opts()),
        ("labels['kind'] = 'heap'", 5, opts()),
        (
            "labels['kind'] = 'heap'",
            5,
            ReportOptions {
                sample_index: "alloc_space".into(),
                ..opts()
            },
        ),
        // A label filter on the dataset: one service's profiles.
        ("labels['kind'] = 'cpu' AND service = 'api'", 2, opts()),
        (
            "labels['kind'] = 'heap' AND labels['service'] = 'db'",
            2,
            opts(),
        ),
        // One profile alone (no merge at all in rprof top).
        ("source LIKE '%cpu_labels.pb.gz'", 1, opts()),
        // pprof label filters of the report on the merged selection.
        (
            "labels['kind'] = 'cpu'",
            3,
            ReportOptions {
                tagfocus: Some("endpoint=/api/a".into()),
                ..opts()
            },
        ),
        (
            "labels['kind'] = 'cpu'",
            3,
            ReportOptions {
                focus: Some("sha256".into()),
                cum: true,
                ..opts()
            },
        ),
    ];
    for (cond, n, o) in cases {
        let (got, sources) = fleet_top(&fleet, Some(cond), o);
        assert_eq!(sources.len(), *n, "{cond}");
        let want = rprof_top(&sources, o);
        assert!(want.contains("flat%"), "{want}");
        assert_eq!(got, want, "--where {cond}");
    }
    // The merge order is time, then id: the files as the profiles say.
    let (_, sources) = fleet_top(&fleet, Some("labels['kind'] = 'cpu'"), &opts());
    let names: Vec<_> = sources
        .iter()
        .map(|s| s.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(names, ["cpu.pb.gz", "cpu_labels.pb.gz", "cpu.v2.pb.gz"]);
}

#[test]
fn mixed_sample_types_merge_as_rprof_merges_them() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = Fleet::open(&dataset(tmp.path()), &OpenOptions::default()).unwrap();
    // CPU and heap profiles have no sample type in common: the same
    // error as `rprof top cpu.pb.gz heap.pb.gz`.
    let err = match fleet.merged(None) {
        Ok(_) => panic!("CPU and heap profiles merged"),
        Err(e) => e.to_string(),
    };
    let files = [fixture("cpu.pb.gz"), fixture("heap.pb.gz")];
    let direct = rprof_profile::combine(files.iter().map(|f| read(f)).collect()).unwrap_err();
    assert!(err.ends_with(&direct.to_string()), "{err} / {direct}");
    // An empty selection says so.
    let e = fleet
        .merged(Some("labels['kind'] = 'goroutine'"))
        .err()
        .unwrap();
    assert!(e.to_string().contains("no profile"), "{e}");
}

fn i64_at(b: &RecordBatch, col: &str, row: usize) -> i64 {
    b.column_by_name(col)
        .unwrap()
        .as_primitive::<Int64Type>()
        .value(row)
}

#[test]
fn sql_answers_equal_the_profiles_values() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = Fleet::open(&dataset(tmp.path()), &OpenOptions::default()).unwrap();
    for name in CPU.iter().chain(HEAP) {
        let path = fixture(name);
        let mut p = read(&path);
        rprof_profile::ensure_mapping(&mut p);
        let w = p.samples.width;
        // Totals and sample counts, from the profiles table and from the
        // samples table.
        let q = format!(
            "SELECT p.num_samples, p.totals, count(*) AS n, sum(s.value[{w}]) AS last \
             FROM profiles p JOIN samples s USING (profile_id) \
             WHERE p.source = '{}' GROUP BY p.num_samples, p.totals",
            path.display()
        );
        let b = &fleet.sql(&q).unwrap()[0];
        assert_eq!(b.num_rows(), 1, "{name}");
        let n = p.samples.len() as i64;
        assert_eq!(i64_at(b, "num_samples", 0), n, "{name}");
        assert_eq!(i64_at(b, "n", 0), n, "{name}");
        let totals: Vec<i64> = (0..w)
            .map(|t| (0..p.samples.len()).map(|i| p.samples.value(i, t)).sum())
            .collect();
        let got = b
            .column_by_name("totals")
            .unwrap()
            .as_list::<i32>()
            .value(0);
        let got: Vec<i64> = got.as_primitive::<Int64Type>().values().to_vec();
        assert_eq!(got, totals, "{name}");
        assert_eq!(i64_at(b, "last", 0), totals[w - 1], "{name}");
    }

    // The hottest leaf function of cpu.pb.gz, by SQL and by hand.
    let path = fixture("cpu.pb.gz");
    let p = read(&path);
    let mut flat: std::collections::HashMap<&str, i64> = Default::default();
    let mut sha = 0i64;
    for i in 0..p.samples.len() {
        let leaf = p.samples.stack(i)[0];
        let f = p.location_lines(leaf)[0].function;
        *flat.entry(p.str(p.functions[f as usize].name)).or_default() += p.samples.value(i, 1);
        let on_stack = p.samples.stack(i).iter().any(|&l| {
            p.location_lines(l).iter().any(|ln| {
                p.str(p.functions[ln.function as usize].name)
                    .contains("sha256")
            })
        });
        if on_stack {
            sha += p.samples.value(i, 1);
        }
    }
    let (top_fn, top_v) = flat.iter().max_by_key(|(_, v)| **v).unwrap();
    let q = format!(
        "SELECT leaf_function(st.frames) AS f, sum(s.value[2]) AS v, \
         sum(CASE WHEN stack_contains(st.frames, 'sha256') THEN s.value[2] ELSE 0 END) AS sha \
         FROM samples s JOIN stacks st USING (stack_id) JOIN profiles p USING (profile_id) \
         WHERE p.source = '{}' GROUP BY f ORDER BY v DESC",
        path.display()
    );
    let batches = fleet.sql(&q).unwrap();
    let b = &batches[0];
    assert_eq!(b.column(0).as_string::<i32>().value(0), *top_fn);
    assert_eq!(i64_at(b, "v", 0), *top_v);
    let sql_sha: i64 = batches
        .iter()
        .map(|b| {
            let c = b.column_by_name("sha").unwrap().as_primitive::<Int64Type>();
            c.values().iter().sum::<i64>()
        })
        .sum();
    assert_eq!(sql_sha, sha);
    assert!(sha > 0);

    // pprof labels: CPU time per endpoint of cpu_labels.pb.gz.
    let path = fixture("cpu_labels.pb.gz");
    let p = read(&path);
    let mut want: std::collections::BTreeMap<String, i64> = Default::default();
    for i in 0..p.samples.len() {
        for l in p.samples.labels(i) {
            if p.str(l.key) == "endpoint" {
                *want.entry(p.str(l.str).to_string()).or_default() += p.samples.value(i, 1);
            }
        }
    }
    let q = format!(
        "SELECT s.labels['endpoint'] AS e, sum(s.value[2]) AS v FROM samples s \
         JOIN profiles p USING (profile_id) WHERE p.source = '{}' \
         AND s.labels['endpoint'] IS NOT NULL GROUP BY e ORDER BY e",
        path.display()
    );
    let mut got = std::collections::BTreeMap::new();
    for b in fleet.sql(&q).unwrap() {
        for i in 0..b.num_rows() {
            got.insert(
                b.column(0).as_string::<i32>().value(i).to_string(),
                i64_at(&b, "v", i),
            );
        }
    }
    assert_eq!(got, want);
    assert_eq!(got.len(), 3);

    // Stacks are stored once: as many rows as distinct stack ids.
    let b = &fleet
        .sql("SELECT count(*) AS n, count(DISTINCT stack_id) AS d FROM stacks")
        .unwrap()[0];
    assert_eq!(i64_at(b, "n", 0), i64_at(b, "d", 0));
}

#[test]
fn ingest_is_idempotent_and_partitioned() {
    let tmp = tempfile::tempdir().unwrap();
    let root = dataset(tmp.path());
    let counts = |root: &Path| {
        let fleet = Fleet::open(root, &OpenOptions::default()).unwrap();
        ["profiles", "samples", "stacks"].map(|t| {
            let b = &fleet
                .sql(&format!("SELECT count(*) AS n FROM {t}"))
                .unwrap()[0];
            i64_at(b, "n", 0)
        })
    };
    let before = counts(&root);
    assert_eq!(before[0], 8);
    // The same files again, one of them uncompressed: nothing new.
    let raw = tmp.path().join("cpu.pb");
    let mut gz = flate2_free_gunzip(&fixture("cpu.pb.gz"));
    std::fs::write(&raw, &mut gz).unwrap();
    let mut inputs: Vec<PathBuf> = CPU.iter().chain(HEAP).map(|f| fixture(f)).collect();
    inputs.push(raw);
    let r = rprof_fleet::ingest(&root, &inputs, &IngestOptions::default(), |_| {}).unwrap();
    assert_eq!((r.ingested, r.duplicates), (0, 9));
    assert_eq!(counts(&root), before);
    // Hive partitions: day, then the service label.
    assert!(root.join("samples/day=2026-11-27/service=api").is_dir());
    assert!(root.join("profiles/day=2026-11-27/service=db").is_dir());
    // heap.txt has no time: 1970.
    assert!(root.join("profiles/day=1970-01-01/service=db").is_dir());
    // Another partition label than the dataset's is refused.
    let e = rprof_fleet::ingest(
        &root,
        &inputs[..1],
        &IngestOptions {
            partition_by: Some("version".into()),
            ..Default::default()
        },
        |_| {},
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("partitioned by label service"),
        "{e}"
    );
}

/// The uncompressed protobuf of a gzipped fixture, via rprof's writer
/// (same content, other bytes).
fn flate2_free_gunzip(path: &Path) -> Vec<u8> {
    let p = read(path);
    rprof_profile::encode(&p)
}

#[test]
fn damaged_inputs_are_reported_and_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in/service=api");
    std::fs::create_dir_all(&inputs).unwrap();
    let good = std::fs::read(fixture("cpu.pb.gz")).unwrap();
    std::fs::write(inputs.join("a-good.pb.gz"), &good).unwrap();
    std::fs::write(inputs.join("b-truncated.pb.gz"), &good[..good.len() / 2]).unwrap();
    std::fs::write(
        inputs.join("c-error.html"),
        "<html><body>502 Bad Gateway</body></html>",
    )
    .unwrap();
    std::fs::write(inputs.join("d-empty"), "").unwrap();
    std::fs::copy(fixture("heap.pb.gz"), inputs.join("e-heap.pb.gz")).unwrap();
    let root = tmp.path().join("ds");
    let seen = std::sync::atomic::AtomicUsize::new(0);
    let r = rprof_fleet::ingest(
        &root,
        &[tmp.path().join("in")],
        &IngestOptions::default(),
        |p| {
            assert_eq!(p.total, 5);
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        },
    )
    .unwrap();
    assert_eq!(seen.into_inner(), 5);
    assert_eq!(r.ingested, 2);
    let mut skipped: Vec<String> = r
        .skipped
        .iter()
        .map(|s| {
            format!(
                "{}: {}",
                s.path.file_name().unwrap().to_string_lossy(),
                s.reason
            )
        })
        .collect();
    skipped.sort();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(skipped[0].starts_with("b-truncated.pb.gz: "), "{skipped:?}");
    assert!(skipped[1].starts_with("c-error.html: "), "{skipped:?}");
    assert!(skipped[1].contains("HTML"), "{skipped:?}");
    assert!(skipped[2].starts_with("d-empty: empty"), "{skipped:?}");
    // The good ones are there, with the label of their directory.
    let fleet = Fleet::open(&root, &OpenOptions::default()).unwrap();
    let b = &fleet
        .sql("SELECT count(*) AS n FROM profiles WHERE labels['service'] = 'api'")
        .unwrap()[0];
    assert_eq!(i64_at(b, "n", 0), 2);
}

#[test]
fn sql_results_format_as_text_json_and_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = Fleet::open(&dataset(tmp.path()), &OpenOptions::default()).unwrap();
    let q = "SELECT service, count(*) AS n, min(sample_types) AS t FROM profiles \
             WHERE labels['kind'] = 'cpu' GROUP BY service ORDER BY service";
    let b = fleet.sql(q).unwrap();
    let mut text = String::new();
    rprof_fleet::format::text::write_text(&b, &mut text).unwrap();
    assert!(text.contains("| api     | 2 | [samples, cpu] |"), "{text}");
    let mut json = Vec::new();
    rprof_fleet::format::json::write_json(&b, &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v[1]["service"], "db");
    assert_eq!(v[1]["n"], 1);
    assert_eq!(v[0]["t"], serde_json::json!(["samples", "cpu"]));
    let mut csv = Vec::new();
    rprof_fleet::format::csv::write_csv(&b, &mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "service,n,t\napi,2,\"[samples, cpu]\"\ndb,1,\"[samples, cpu]\"\n"
    );
}

#[cfg(feature = "ballista")]
#[test]
fn a_ballista_cluster_answers_as_the_embedded_engine() {
    let tmp = tempfile::tempdir().unwrap();
    let root = dataset(tmp.path());
    let embedded = Fleet::open(&root, &OpenOptions::default()).unwrap();
    let cluster = rprof_fleet::LocalCluster::start(2, 2).unwrap();
    let remote = Fleet::open(
        &root,
        &OpenOptions {
            cluster: Some(cluster.address.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    for cond in [
        "labels['kind'] = 'cpu'",
        "labels['kind'] = 'heap' AND service = 'api'",
    ] {
        let (a, sa) = fleet_top(&embedded, Some(cond), &opts());
        let (b, sb) = fleet_top(&remote, Some(cond), &opts());
        assert_eq!(sa, sb);
        assert_eq!(a, b, "{cond}");
    }
    let q = "SELECT s.stack_id, sum(s.value[1]) AS v FROM samples s \
             JOIN stacks st USING (stack_id) WHERE stack_contains(st.frames, 'runtime') \
             GROUP BY s.stack_id ORDER BY s.stack_id";
    let rows = |f: &Fleet| {
        let mut out = Vec::new();
        for b in f.sql(q).unwrap() {
            let ids = b
                .column(0)
                .as_primitive::<datafusion::arrow::datatypes::UInt64Type>();
            for i in 0..b.num_rows() {
                out.push((ids.value(i), i64_at(&b, "v", i)));
            }
        }
        out
    };
    let want = rows(&embedded);
    assert!(want.len() > 10);
    assert_eq!(rows(&remote), want);
}

/// An `rprof collect` directory is read through its index: profile
/// snapshots only (its `/debug/vars` JSON and the index itself are not
/// inputs that fail), each labelled with its target; a snapshot whose file
/// the collector dropped (`--keep`) is left out.
#[test]
fn a_collect_directory_is_ingested_through_its_index() {
    let tmp = tempfile::tempdir().unwrap();
    let snaps = tmp.path().join("snaps");
    let target_dir = snaps.join("127.0.0.1_8080");
    std::fs::create_dir_all(&target_dir).unwrap();
    std::fs::copy(
        fixture("heap.pb.gz"),
        target_dir.join("20261206T120000Z.heap.pb.gz"),
    )
    .unwrap();
    std::fs::copy(
        fixture("heap.v2.pb.gz"),
        target_dir.join("20261206T120100Z.heap.pb.gz"),
    )
    .unwrap();
    std::fs::write(
        target_dir.join("20261206T120000Z.vars.json"),
        r#"{"memstats": {"HeapAlloc": 1}}"#,
    )
    .unwrap();
    let snap = |what: &str, kind: &str, file: &str| {
        format!(
            r#"{{"time": "2026-12-06T12:00:00Z", "unix_ms": 1796558400000, "round": 1,
                "target": "http://127.0.0.1:8080", "what": "{what}", "kind": "{kind}",
                "file": "{file}", "bytes": 1}}"#
        )
    };
    let index = format!(
        r#"{{"format": "rprof-collect/1", "targets": ["http://127.0.0.1:8080"], "rounds": 2,
            "snapshots": [{}, {}, {}, {}]}}"#,
        snap(
            "heap",
            "profile",
            "127.0.0.1_8080/20261206T120000Z.heap.pb.gz"
        ),
        snap(
            "heap",
            "profile",
            "127.0.0.1_8080/20261206T120100Z.heap.pb.gz"
        ),
        snap("vars", "vars", "127.0.0.1_8080/20261206T120000Z.vars.json"),
        snap(
            "heap",
            "profile",
            "127.0.0.1_8080/20261206T115900Z.heap.pb.gz"
        ),
    );
    std::fs::write(snaps.join("index.json"), index).unwrap();

    let root = tmp.path().join("ds");
    let r = rprof_fleet::ingest(&root, &[snaps], &IngestOptions::default(), |_| {}).unwrap();
    assert_eq!(r.ingested, 2, "{:?}", r.skipped);
    assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    let fleet = Fleet::open(&root, &OpenOptions::default()).unwrap();
    let m = fleet
        .merged(Some("labels['target'] = 'http://127.0.0.1:8080'"))
        .unwrap();
    let mut sources: Vec<String> = m
        .profiles
        .iter()
        .map(|p| {
            Path::new(&p.source)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        ["20261206T120000Z.heap.pb.gz", "20261206T120100Z.heap.pb.gz"]
    );
}
