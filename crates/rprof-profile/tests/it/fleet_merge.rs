//! Fleet merging: values equal a sequential merge, N copies give N times
//! the values, shards merged separately and then together give the same
//! values as one merge, and the number of profiles held at once stays
//! bounded.

use rprof_profile::fleet::{self, FleetError, FleetOptions};
use rprof_profile::{MergeError, ParseError, Profile, parse};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A fixture's bytes, gunzipped once here so that the tests, which parse
/// each many times, do not spend their time inflating.
fn fixture(name: &str) -> Vec<u8> {
    let dir = rprof_testkit::fixture("profiles");
    let bytes = std::fs::read(dir.join(name)).unwrap();
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return bytes;
    }
    let mut out = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::MultiGzDecoder::new(bytes.as_slice()),
        &mut out,
    )
    .unwrap();
    out
}

fn proto_fixtures() -> Vec<String> {
    let dir: PathBuf = rprof_testkit::fixture("profiles");
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pb.gz"))
        .collect();
    v.sort();
    assert!(v.len() >= 8, "fixture profiles missing");
    v
}

/// A stack as names: every location's lines as `function:line`, leaf
/// first, then the labels, so that profiles numbered differently compare.
type StackKey = (Vec<Vec<(String, i64)>>, Vec<(String, String, i64, String)>);

/// Per unique stack key, the sum of the values of its samples.
fn by_stack(p: &Profile) -> BTreeMap<StackKey, Vec<i64>> {
    let mut out: BTreeMap<StackKey, Vec<i64>> = BTreeMap::new();
    for i in 0..p.samples.len() {
        let stack = p
            .samples
            .stack(i)
            .iter()
            .map(|&l| {
                p.location_lines(l)
                    .iter()
                    .map(|ln| {
                        (
                            p.str(p.functions[ln.function as usize].name).to_string(),
                            ln.line,
                        )
                    })
                    .collect()
            })
            .collect();
        let mut labels: Vec<_> = p
            .samples
            .labels(i)
            .iter()
            .map(|l| {
                (
                    p.str(l.key).to_string(),
                    p.str(l.str).to_string(),
                    l.num,
                    p.str(l.num_unit).to_string(),
                )
            })
            .collect();
        labels.sort();
        let acc = out
            .entry((stack, labels))
            .or_insert_with(|| vec![0; p.samples.width]);
        for (a, v) in acc.iter_mut().zip(p.samples.values(i)) {
            *a += v;
        }
    }
    // Stacks summing to zero do not exist for pprof.
    out.retain(|_, v| v.iter().any(|&x| x != 0));
    out
}

fn type_names(p: &Profile) -> Vec<String> {
    p.sample_type_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Runs `f` on a pool of `n` threads.
fn on_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn hundred_copies_are_hundred_times_the_values() {
    for name in proto_fixtures() {
        let bytes = fixture(&name);
        let one = parse(&bytes).unwrap();
        let paths: Vec<usize> = (0..100).collect();
        let (m, stats) =
            fleet::merge_files_with(&paths, |_| parse(&bytes), &FleetOptions::default()).unwrap();
        assert_eq!(stats.inputs, 100, "{name}");
        assert_eq!(type_names(&m), type_names(&one), "{name}");
        let want: BTreeMap<_, _> = by_stack(&one)
            .into_iter()
            .map(|(k, v)| (k, v.iter().map(|x| x * 100).collect::<Vec<_>>()))
            .collect();
        assert_eq!(by_stack(&m), want, "{name}");
        assert_eq!(m.duration_nanos, one.duration_nanos * 100, "{name}");
        assert_eq!(
            (m.time_nanos, m.period),
            (one.time_nanos, one.period),
            "{name}"
        );
    }
}

/// The fixture groups that pprof can merge (common sample types).
fn groups() -> Vec<Vec<&'static str>> {
    vec![
        vec!["cpu.pb.gz", "cpu.v2.pb.gz", "cpu_labels.pb.gz"],
        vec![
            "heap.pb.gz",
            "allocs.pb.gz",
            "heap.v2.pb.gz",
            "allocs.v2.pb.gz",
        ],
        vec![
            "block.pb.gz",
            "block.v2.pb.gz",
            "mutex.pb.gz",
            "mutex.v2.pb.gz",
        ],
        vec!["goroutine.pb.gz", "goroutine.v2.pb.gz"],
        vec!["heap.txt", "heap.pb.gz", "allocs.txt"],
    ]
}

/// `copies` files cycling through `group`.
fn fleet_of(group: &[&str], copies: usize) -> (Vec<Vec<u8>>, Vec<usize>) {
    let bytes: Vec<Vec<u8>> = group.iter().map(|n| fixture(n)).collect();
    let paths = (0..copies).map(|i| i % group.len()).collect();
    (bytes, paths)
}

#[test]
fn values_equal_a_sequential_merge() {
    for group in groups() {
        let (bytes, paths) = fleet_of(&group, 41);
        let seq = rprof_profile::merge(paths.iter().map(|&i| parse(&bytes[i]).unwrap()).collect())
            .unwrap();
        for threads in [1, 3] {
            for opts in [
                FleetOptions::default(),
                FleetOptions {
                    max_pending: 1,
                    pending_ratio: 1,
                },
            ] {
                let (m, _) = on_threads(threads, || {
                    fleet::merge_files_with(&paths, |&i| parse(&bytes[i]), &opts).unwrap()
                });
                let what = format!("{group:?} threads={threads} {opts:?}");
                assert_eq!(type_names(&m), type_names(&seq), "{what}");
                assert_eq!(by_stack(&m), by_stack(&seq), "{what}");
                assert_eq!(
                    (m.duration_nanos, m.period, m.time_nanos),
                    (seq.duration_nanos, seq.period, seq.time_nanos),
                    "{what}"
                );
                assert_eq!(
                    m.str(m.default_sample_type),
                    seq.str(seq.default_sample_type),
                    "{what}"
                );
                // Not guaranteed (see the module docs), but true for these
                // inputs: ids and order are the sequential merge's too, so
                // the files written are the same bytes.
                assert!(
                    rprof_profile::encode(&m) == rprof_profile::encode(&seq),
                    "{what}: not the same file"
                );
            }
        }
    }
}

#[test]
fn shards_merged_again_equal_one_merge() {
    for group in groups() {
        let (bytes, paths) = fleet_of(&group, 40);
        let all = fleet::merge_files(&paths, |&i| parse(&bytes[i])).unwrap();
        // Uneven shards, each written to "disk" and merged again from there.
        let shards: Vec<Vec<u8>> = [&paths[..7], &paths[7..8], &paths[8..31], &paths[31..]]
            .iter()
            .map(|shard| {
                let p = fleet::merge_files(shard, |&i| parse(&bytes[i])).unwrap();
                let mut gz = Vec::new();
                rprof_profile::write_gz(&p, &mut gz).unwrap();
                gz
            })
            .collect();
        let again = fleet::merge_files(&shards, |b| parse(b)).unwrap();
        assert_eq!(by_stack(&again), by_stack(&all), "{group:?}");
        assert_eq!(type_names(&again), type_names(&all), "{group:?}");
        assert_eq!(again.duration_nanos, all.duration_nanos, "{group:?}");
        // In memory, with merge::merge, too.
        let shard_profiles: Vec<Profile> = shards.iter().map(|b| parse(b).unwrap()).collect();
        assert_eq!(
            by_stack(&rprof_profile::merge(shard_profiles).unwrap()),
            by_stack(&all),
            "{group:?}"
        );
    }
}

#[test]
fn memory_stays_bounded() {
    // 400 inputs: never more than a handful of profiles alive. With rayon's
    // splitting, accumulators are O(threads × log(files)); observed: about
    // 2 per thread (and ≤ 4 on one thread).
    let bytes = fixture("cpu.pb.gz");
    let paths: Vec<usize> = (0..400).collect();
    for threads in [1, 2, 4] {
        let opts = FleetOptions::default();
        let (m, stats) = on_threads(threads, || {
            fleet::merge_files_with(&paths, |_| parse(&bytes), &opts).unwrap()
        });
        assert_eq!(stats.inputs, 400);
        // Equal inputs: the accumulator never outgrows one input, so at
        // most `pending_ratio` inputs wait per worker.
        assert!(
            stats.peak_pending <= threads * opts.pending_ratio,
            "threads={threads}: {stats:?}"
        );
        let log2 = usize::BITS - paths.len().leading_zeros();
        assert!(
            stats.peak_accumulators <= threads * log2 as usize,
            "threads={threads}: {stats:?}"
        );
        assert!(stats.merges < 400, "threads={threads}: {stats:?}");
        eprintln!("400 inputs, {threads} threads: {stats:?}");
        assert_eq!(m.samples.len(), parse(&bytes).unwrap().samples.len());
    }
    // max_pending caps the inputs held even when the accumulator is big.
    let (_, stats) = on_threads(2, || {
        fleet::merge_files_with(
            &paths,
            |_| parse(&bytes),
            &FleetOptions {
                max_pending: 2,
                pending_ratio: 1000,
            },
        )
        .unwrap()
    });
    assert!(stats.peak_pending <= 4, "{stats:?}");
}

#[test]
fn one_input_is_returned_as_is() {
    let bytes = fixture("cpu.pb.gz");
    let one = parse(&bytes).unwrap();
    let m = fleet::merge_files(&[()], |_| parse(&bytes)).unwrap();
    assert_eq!(rprof_profile::encode(&m), rprof_profile::encode(&one));
    assert_eq!(m.strings.len(), one.strings.len());
}

#[test]
fn errors() {
    let cpu = fixture("cpu.pb.gz");
    let heap = fixture("heap.pb.gz");
    let none: [usize; 0] = [];
    assert!(matches!(
        fleet::merge_files(&none, |_| parse(&cpu)),
        Err(FleetError::Merge(MergeError::Empty))
    ));
    // A bad input is named by its index.
    let paths: Vec<usize> = (0..50).collect();
    let err = fleet::merge_files(&paths, |&i| if i == 37 { parse(b"") } else { parse(&cpu) })
        .unwrap_err();
    match err {
        FleetError::Read { index, error } => {
            assert_eq!(index, 37);
            assert!(matches!(error, ParseError::Empty));
        }
        e => panic!("{e}"),
    }
    // Profiles that cannot be merged.
    let err =
        fleet::merge_files(&paths, |&i| parse(if i == 20 { &heap } else { &cpu })).unwrap_err();
    assert!(
        matches!(err, FleetError::Merge(MergeError::NoCommonSampleTypes)),
        "{err}"
    );
}
