//! The hand-rolled protobuf decoder against prost's generated decoder, on
//! real profiles written by Go, plus the wire-format rules a decoder must
//! follow and bad input it must survive.

use prost::Message;
use rprof_profile::{ParseError, Profile, ValidationError, parse, parse_with, pb};
use std::io::Read;
use std::path::PathBuf;

fn fixture_dir() -> PathBuf {
    rprof_testkit::fixture("profiles")
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn proto_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".pb.gz"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                gunzip(&std::fs::read(&p).unwrap()),
            )
        })
        .collect();
    v.sort();
    assert!(v.len() >= 8, "fixture profiles missing");
    v
}

/// Every field of the model equals what prost decodes, resolved by id.
fn assert_same(name: &str, ours: &Profile, theirs: &pb::Profile) {
    let s = |i: i64| theirs.string_table[i as usize].as_str();
    assert_eq!(
        ours.strings.len(),
        theirs.string_table.len(),
        "{name}: strings"
    );
    for (i, t) in theirs.string_table.iter().enumerate() {
        assert_eq!(ours.str(i as u32), t, "{name}: string {i}");
    }
    let types: Vec<(&str, &str)> = ours
        .sample_types
        .iter()
        .map(|t| (ours.str(t.ty), ours.str(t.unit)))
        .collect();
    let want: Vec<(&str, &str)> = theirs
        .sample_type
        .iter()
        .map(|t| (s(t.r#type), s(t.unit)))
        .collect();
    assert_eq!(types, want, "{name}: sample types");
    assert_eq!(
        ours.samples.len(),
        theirs.sample.len(),
        "{name}: sample count"
    );
    for (i, ts) in theirs.sample.iter().enumerate() {
        let ids: Vec<u64> = ours
            .samples
            .stack(i)
            .iter()
            .map(|&l| ours.locations[l as usize].id)
            .collect();
        assert_eq!(ids, ts.location_id, "{name}: sample {i} stack");
        assert_eq!(
            ours.samples.values(i),
            &ts.value[..],
            "{name}: sample {i} values"
        );
        let labels: Vec<(&str, &str, i64, &str)> = ours
            .samples
            .labels(i)
            .iter()
            .map(|l| {
                (
                    ours.str(l.key),
                    ours.str(l.str),
                    l.num,
                    ours.str(l.num_unit),
                )
            })
            .collect();
        let want: Vec<(&str, &str, i64, &str)> = ts
            .label
            .iter()
            .map(|l| (s(l.key), s(l.str), l.num, s(l.num_unit)))
            .collect();
        assert_eq!(labels, want, "{name}: sample {i} labels");
    }
    assert_eq!(ours.locations.len(), theirs.location.len());
    for (i, tl) in theirs.location.iter().enumerate() {
        let ol = &ours.locations[i];
        assert_eq!(ol.id, tl.id);
        assert_eq!(ol.address, tl.address);
        assert_eq!(ol.is_folded, tl.is_folded);
        assert_eq!(
            ol.mapping
                .map(|m| ours.mappings[m as usize].id)
                .unwrap_or(0),
            tl.mapping_id
        );
        let lines: Vec<(u64, i64, i64)> = ours
            .location_lines(i as u32)
            .iter()
            .map(|l| (ours.functions[l.function as usize].id, l.line, l.column))
            .collect();
        let want: Vec<(u64, i64, i64)> = tl
            .line
            .iter()
            .map(|l| (l.function_id, l.line, l.column))
            .collect();
        assert_eq!(lines, want, "{name}: location {} lines", tl.id);
    }
    assert_eq!(ours.functions.len(), theirs.function.len());
    for (of, tf) in ours.functions.iter().zip(&theirs.function) {
        assert_eq!(
            (
                of.id,
                ours.str(of.name),
                ours.str(of.system_name),
                ours.str(of.filename),
                of.start_line
            ),
            (
                tf.id,
                s(tf.name),
                s(tf.system_name),
                s(tf.filename),
                tf.start_line
            )
        );
    }
    assert_eq!(ours.mappings.len(), theirs.mapping.len());
    for (om, tm) in ours.mappings.iter().zip(&theirs.mapping) {
        assert_eq!(
            (
                om.id,
                om.start,
                om.limit,
                om.offset,
                ours.str(om.file),
                ours.str(om.build_id)
            ),
            (
                tm.id,
                tm.memory_start,
                tm.memory_limit,
                tm.file_offset,
                s(tm.filename),
                s(tm.build_id)
            )
        );
        assert_eq!(
            (
                om.has_functions,
                om.has_filenames,
                om.has_line_numbers,
                om.has_inline_frames
            ),
            (
                tm.has_functions,
                tm.has_filenames,
                tm.has_line_numbers,
                tm.has_inline_frames
            )
        );
    }
    assert_eq!(ours.time_nanos, theirs.time_nanos);
    assert_eq!(ours.duration_nanos, theirs.duration_nanos);
    assert_eq!(ours.period, theirs.period);
    assert_eq!(
        ours.str(ours.default_sample_type),
        s(theirs.default_sample_type)
    );
    let pt = theirs
        .period_type
        .as_ref()
        .map(|t| (s(t.r#type), s(t.unit)));
    assert_eq!(
        ours.period_type.map(|t| (ours.str(t.ty), ours.str(t.unit))),
        pt
    );
    let comments: Vec<&str> = ours.comments.iter().map(|&c| ours.str(c)).collect();
    let want: Vec<&str> = theirs.comment.iter().map(|&c| s(c)).collect();
    assert_eq!(comments, want);
}

#[test]
fn decoder_agrees_with_prost_on_every_fixture() {
    for (name, raw) in proto_fixtures() {
        let ours = rprof_profile::decode(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        let theirs = pb::Profile::decode(&raw[..]).unwrap();
        assert_same(&name, &ours, &theirs);
    }
}

#[test]
fn labels_of_the_first_sample_stay_with_it() {
    // The heap profile labels every sample with its object size; a
    // labelled first sample once lost its labels to the second.
    let raw = gunzip(&std::fs::read(fixture_dir().join("heap.pb.gz")).unwrap());
    let p = rprof_profile::decode(&raw).unwrap();
    for i in 0..p.samples.len() {
        assert_eq!(p.samples.labels(i).len(), 1, "sample {i}");
    }
    // And in a profile where only some samples are labelled.
    let mut prof = pb::Profile::decode(&raw[..]).unwrap();
    prof.sample[0].label.clear();
    prof.sample[2].label.clear();
    let p = rprof_profile::decode(&prof.encode_to_vec()).unwrap();
    let counts: Vec<usize> = (0..4).map(|i| p.samples.labels(i).len()).collect();
    assert_eq!(counts, [0, 1, 0, 1]);
}

#[test]
fn fields_in_any_order_and_split_messages_merge_as_protobuf_defines() {
    let raw = gunzip(&std::fs::read(fixture_dir().join("cpu.pb.gz")).unwrap());
    let full = pb::Profile::decode(&raw[..]).unwrap();
    // The string table first, then everything else: a valid encoding of
    // the same message that Go would never write.
    let strings = pb::Profile {
        string_table: full.string_table.clone(),
        ..Default::default()
    };
    let rest = pb::Profile {
        string_table: vec![],
        ..full.clone()
    };
    let mut bytes = strings.encode_to_vec();
    bytes.extend(rest.encode_to_vec());
    let ours = rprof_profile::decode(&bytes).unwrap();
    assert_same("reordered cpu", &ours, &full);
}

#[test]
fn gzip_and_plain_read_the_same() {
    let gz = std::fs::read(fixture_dir().join("cpu.pb.gz")).unwrap();
    let a = parse(&gz).unwrap();
    let b = parse(&gunzip(&gz)).unwrap();
    assert_eq!(a.samples.values, b.samples.values);
    assert_eq!(a.samples.stacks, b.samples.stacks);
}

#[test]
fn two_gzip_members_are_one_stream() {
    // `cat a.gz b.gz` is a valid gzip file whose content is both parts.
    let raw = gunzip(&std::fs::read(fixture_dir().join("cpu.pb.gz")).unwrap());
    let (head, tail) = raw.split_at(raw.len() / 2);
    let mut two = Vec::new();
    for part in [head, tail] {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, part).unwrap();
        two.extend(enc.finish().unwrap());
    }
    let p = parse(&two).unwrap();
    assert_eq!(p.samples.values, parse(&raw).unwrap().samples.values);
}

#[test]
fn concatenated_profiles_are_named_as_such() {
    let raw = gunzip(&std::fs::read(fixture_dir().join("cpu.pb.gz")).unwrap());
    let mut twice = raw.clone();
    twice.extend(&raw);
    let err = parse(&twice).unwrap_err();
    assert!(
        matches!(
            err,
            ParseError::Concatenated(ValidationError::DuplicateId { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("concatenated"), "{err}");
}

#[test]
fn every_truncation_is_an_error_or_a_smaller_profile_never_a_panic() {
    for (name, raw) in proto_fixtures().into_iter().take(3) {
        // Every prefix of the first 2 KB, then a spread over the rest.
        let stride = (raw.len() / 1500).max(1);
        for cut in (0..2048.min(raw.len())).chain((2048..raw.len()).step_by(stride)) {
            let _ = rprof_profile::decode(&raw[..cut]);
        }
        // A truncated gzip stream is reported as such.
        let gz = std::fs::read(fixture_dir().join(&name)).unwrap();
        let err = parse(&gz[..gz.len() / 2]).unwrap_err();
        assert!(matches!(err, ParseError::TruncatedGzip(_)), "{name}: {err}");
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let raw = gunzip(&std::fs::read(fixture_dir().join("heap.pb.gz")).unwrap());
    // A deterministic xorshift, so a failure reproduces.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..2000 {
        let mut data = raw.clone();
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x % data.len() as u64) as usize;
            data[i] ^= (x >> 32) as u8 | 1;
        }
        let _ = parse(&data);
    }
}

#[test]
fn ids_and_indexes_are_validated() {
    let raw = gunzip(&std::fs::read(fixture_dir().join("cpu.pb.gz")).unwrap());
    let good = pb::Profile::decode(&raw[..]).unwrap();
    let decode = |p: &pb::Profile| rprof_profile::decode(&p.encode_to_vec());

    let mut p = good.clone();
    p.sample[3].value.pop();
    assert_eq!(
        decode(&p).unwrap_err().to_string(),
        "malformed profile: sample 3: has 1 values vs. 2 types"
    );
    let mut p = good.clone();
    p.sample[0].location_id[0] = 999_999;
    assert!(matches!(
        decode(&p).unwrap_err(),
        ParseError::Invalid(ValidationError::UnknownLocation {
            sample: 0,
            id: 999_999
        })
    ));
    let mut p = good.clone();
    p.function[1].id = p.function[0].id;
    assert!(matches!(
        decode(&p).unwrap_err(),
        ParseError::Invalid(ValidationError::DuplicateId {
            what: "function",
            ..
        })
    ));
    let mut p = good.clone();
    p.location[0].id = 0;
    assert!(matches!(
        decode(&p).unwrap_err(),
        ParseError::Invalid(ValidationError::ZeroId { what: "location" })
    ));
    let mut p = good.clone();
    p.function[0].name = p.string_table.len() as i64 + 5;
    assert!(matches!(
        decode(&p).unwrap_err(),
        ParseError::BadString {
            field: "function name",
            ..
        }
    ));
    let mut p = good.clone();
    p.string_table[0] = "x".into();
    assert!(matches!(decode(&p).unwrap_err(), ParseError::BadStringZero));
    let mut p = good.clone();
    p.location[0].line[0].function_id = 424_242;
    assert!(matches!(
        decode(&p).unwrap_err(),
        ParseError::Invalid(ValidationError::UnknownFunction { id: 424_242, .. })
    ));
    let mut p = good.clone();
    p.sample_type.clear();
    assert!(matches!(
        decode(&p).unwrap_err(),
        ParseError::Invalid(ValidationError::MissingSampleTypes)
    ));
    // pprof tolerates an unknown mapping id: the location has no mapping.
    let mut p = good.clone();
    p.location[0].mapping_id = 77;
    assert_eq!(decode(&p).unwrap().locations[0].mapping, None);
}

#[test]
fn things_that_are_not_profiles_are_named() {
    let cases: [(&[u8], &str); 5] = [
        (
            b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
            "HTML page",
        ),
        (b"  {\"error\": \"unauthorized\"}", "JSON"),
        (b"go 1.26 trace\x00\x00\x00", "execution trace"),
        (b"goroutine 1 [running]:\nmain.main()\n", "goroutine dump"),
        (b"", "empty input file"),
    ];
    for (data, want) in cases {
        let err = parse(data).unwrap_err().to_string();
        assert!(err.contains(want), "{err:?} should mention {want:?}");
    }
    let err = parse(b"\x1f\x8b\x08\x00garbage").unwrap_err();
    assert!(
        matches!(err, ParseError::TruncatedGzip(_) | ParseError::Gzip(_)),
        "{err}"
    );
}

#[test]
fn a_gzip_bomb_stops_at_the_limit() {
    // 64 MiB of zeros compress to ~64 KiB.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        std::io::Write::write_all(&mut enc, &zeros).unwrap();
    }
    let gz = enc.finish().unwrap();
    let opts = rprof_profile::ReadOptions {
        max_decompressed: 8 << 20,
        ..Default::default()
    };
    let err = rprof_profile::parse_with(&gz, &opts).unwrap_err();
    assert!(
        matches!(err, ParseError::TooLarge { limit } if limit == 8 << 20),
        "{err}"
    );
    // The same when a second thread inflates (the stream stops there too).
    let threaded = rprof_profile::ReadOptions {
        prefetch_min: 0,
        ..opts.clone()
    };
    let err = in_pool(2, || rprof_profile::parse_with(&gz, &threaded)).unwrap_err();
    assert!(
        matches!(err, ParseError::TooLarge { limit } if limit == 8 << 20),
        "{err}"
    );
    // With the default options the ratio cap applies: 64 MiB of zeros are
    // ~64 KiB of gzip, far beyond 64x, but under the 64 MiB floor.
    assert!(rprof_profile::parse(&gz).is_err_and(|e| !matches!(e, ParseError::TooLarge { .. })));
    let small_floor = rprof_profile::ReadOptions {
        ratio_floor: 1 << 20,
        ..Default::default()
    };
    let err = rprof_profile::parse_with(&gz, &small_floor).unwrap_err();
    assert!(
        matches!(err, ParseError::TooLarge { limit } if limit == (gz.len() as u64 * 64).max(1 << 20)),
        "{err}"
    );
    assert!(err.to_string().contains("--max-inflate"), "{err}");
}

/// `cpu_labels.pb.gz` (real samples, with labels) with its samples repeated
/// until there are `n`, each copy's values changed so that copies differ.
fn replicated(n: usize) -> pb::Profile {
    let raw = gunzip(&std::fs::read(fixture_dir().join("cpu_labels.pb.gz")).unwrap());
    let mut p = pb::Profile::decode(&raw[..]).unwrap();
    let orig = p.sample.clone();
    assert!(orig.iter().any(|s| !s.label.is_empty()));
    let mut copy = 1;
    while p.sample.len() < n {
        for s in &orig {
            let mut s = s.clone();
            s.value.iter_mut().for_each(|v| *v += copy);
            p.sample.push(s);
        }
        copy += 1;
    }
    p.sample.truncate(n);
    p
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// Big profiles are decoded in one run of samples per thread; the result
/// must be what one run gives, and what prost decodes.
#[test]
fn samples_decoded_in_parallel_runs_equal_one_run() {
    let p = replicated(100_000);
    let bytes = p.encode_to_vec();
    let one = in_pool(1, || parse(&bytes)).unwrap();
    let four = in_pool(4, || parse(&bytes)).unwrap();
    assert_same("replicated, 1 thread", &one, &p);
    assert_same("replicated, 4 threads", &four, &p);
    assert_eq!(one.samples.stack_ends, four.samples.stack_ends);
    assert_eq!(one.samples.label_ends, four.samples.label_ends);
}

/// Whatever the number of threads, the error is the one a single pass
/// finds first: unknown locations before wrong value counts before bad
/// label strings, each the earliest sample's.
#[test]
fn parallel_decoding_reports_the_first_error_of_one_pass() {
    let check = |p: &pb::Profile, want: &dyn Fn(&ParseError) -> bool| {
        let bytes = p.encode_to_vec();
        for threads in [1, 2, 4] {
            let e = in_pool(threads, || parse(&bytes)).unwrap_err();
            assert!(want(&e), "{threads} threads: {e}");
        }
    };
    let mut p = replicated(100_000);
    p.sample[90_000].location_id[0] = 999_999;
    p.sample[80_000].location_id[0] = 888_888;
    p.sample[10].value.pop();
    let labelled = p.sample.iter().position(|s| !s.label.is_empty()).unwrap();
    p.sample[labelled].label[0].str = 1 << 40;
    check(&p, &|e| {
        matches!(
            e,
            ParseError::Invalid(ValidationError::UnknownLocation {
                sample: 80_000,
                id: 888_888
            })
        )
    });
    p.sample[80_000].location_id[0] = p.sample[0].location_id[0];
    p.sample[90_000].location_id[0] = p.sample[0].location_id[0];
    p.sample[70_000].value.push(1);
    check(&p, &|e| {
        matches!(
            e,
            ParseError::Invalid(ValidationError::ValueCount { sample: 10, .. })
        )
    });
    p.sample[10].value.push(1);
    p.sample[70_000].value.pop();
    check(&p, &|e| {
        matches!(
            e,
            ParseError::BadString {
                field: "label str",
                ..
            }
        )
    });
}

/// Read options that read every gzipped input while it inflates.
fn prefetch_all() -> rprof_profile::ReadOptions {
    rprof_profile::ReadOptions {
        prefetch_min: 0,
        ..Default::default()
    }
}

fn gz(raw: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(raw).unwrap();
    enc.finish().unwrap()
}

/// With several threads, a gzipped profile's samples are read while it
/// inflates, on guesses (dense location ids, existing label strings, the
/// sample types first) that are checked afterwards. Where a guess fails
/// the samples are read again: the profile, or the error, is always the
/// one the plain single-threaded reader gives.
#[test]
fn samples_read_while_inflating_equal_the_plain_reader() {
    let check = |name: &str, p: &pb::Profile| {
        let bytes = gz(&p.encode_to_vec());
        // The file as written: no demangling (which adds the simplified
        // names of cxx.pb.gz and generics.pb.gz to the string table).
        let as_written = rprof_profile::ReadOptions {
            symbolize: rprof_profile::Symbolize {
                off: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let plain = in_pool(1, || parse_with(&bytes, &as_written));
        let streamed = in_pool(2, || {
            parse_with(
                &bytes,
                &rprof_profile::ReadOptions {
                    symbolize: as_written.symbolize,
                    ..prefetch_all()
                },
            )
        });
        match (&plain, &streamed) {
            (Ok(a), Ok(b)) => {
                assert_same(name, b, p);
                assert_eq!(a.samples.stacks, b.samples.stacks, "{name}");
                assert_eq!(a.samples.label_ends, b.samples.label_ends, "{name}");
                assert_eq!(a.samples.labels, b.samples.labels, "{name}");
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
            _ => panic!("{name}: {plain:?} vs {streamed:?}"),
        }
    };
    for (name, raw) in proto_fixtures() {
        check(&name, &pb::Profile::decode(&raw[..]).unwrap());
    }
    let base = replicated(50_000);
    check("replicated", &base);

    // Location ids that are not 1..=n.
    let mut p = base.clone();
    for l in &mut p.location {
        l.id = l.id * 2 + 7;
    }
    for s in &mut p.sample {
        s.location_id.iter_mut().for_each(|id| *id = *id * 2 + 7);
    }
    check("sparse location ids", &p);
    // A location id past the table, late in the profile.
    let mut p = base.clone();
    p.sample[45_000].location_id[0] = p.location.len() as u64 + 1;
    check("unknown location", &p);
    // A label string past the table.
    let mut p = base.clone();
    let i = p.sample.iter().rposition(|s| !s.label.is_empty()).unwrap();
    p.sample[i].label[0].key = p.string_table.len() as i64;
    check("label key out of range", &p);
    // A sample with a value too many.
    let mut p = base.clone();
    p.sample[30_000].value.push(1);
    check("value count", &p);
}

/// A sample type after the samples changes the width the samples were
/// read with; the profile is then read the ordinary way (and is invalid,
/// since its samples have one value fewer than it has types).
#[test]
fn a_sample_type_after_the_samples_is_not_guessed_wrong() {
    let p = replicated(20_000);
    let mut tail = pb::Profile::default();
    tail.sample_type.push(pb::ValueType { r#type: 1, unit: 2 });
    let mut raw = p.encode_to_vec();
    raw.extend(tail.encode_to_vec());
    let bytes = gz(&raw);
    let plain = in_pool(1, || parse(&bytes)).unwrap_err().to_string();
    let streamed = in_pool(2, || parse_with(&bytes, &prefetch_all()))
        .unwrap_err()
        .to_string();
    assert_eq!(plain, streamed);
    assert!(plain.contains("value"), "{plain}");
}

/// A gzip stream over `gz` handed over `chunk` bytes at a time, as a
/// buffered file hands it to the inflater.
fn stream(gz: &[u8], chunk: usize) -> rprof_profile::GzipStream<std::io::BufReader<&[u8]>> {
    let trailer: [u8; 4] = gz[gz.len().saturating_sub(4)..]
        .try_into()
        .unwrap_or([0; 4]);
    rprof_profile::GzipStream {
        reader: std::io::BufReader::with_capacity(chunk, gz),
        len: gz.len() as u64,
        isize_hint: u32::from_le_bytes(trailer),
    }
}

/// Every fixture read as a stream (small reads, with and without the
/// inflating thread) is the profile read from its bytes, and a stream cut
/// short or corrupted fails as the bytes do.
#[test]
fn gzip_streams_read_as_the_bytes_do() {
    let threaded = rprof_profile::ReadOptions {
        prefetch_min: 0,
        ..Default::default()
    };
    let mut names: Vec<_> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".gz"))
        .collect();
    names.sort();
    assert!(names.len() >= 8);
    for path in names {
        let gz = std::fs::read(&path).unwrap();
        let name = path.display();
        for (opts, threads) in [(&threaded, 2), (&Default::default(), 1)] {
            let want = in_pool(threads, || parse_with(&gz, opts));
            let got = in_pool(threads, || {
                rprof_profile::parse_gzip_stream(stream(&gz, 1000), opts)
            });
            match (want, got) {
                (Ok(want), Ok(got)) => {
                    assert_eq!(
                        rprof_profile::encode(&got),
                        rprof_profile::encode(&want),
                        "{name}"
                    )
                }
                (Err(want), Err(got)) => assert_eq!(got.to_string(), want.to_string(), "{name}"),
                (want, got) => panic!("{name}: bytes {want:?}, stream {got:?}"),
            }
            for cut in [gz.len() / 2, gz.len() - 3] {
                let err = in_pool(threads, || {
                    rprof_profile::parse_gzip_stream(stream(&gz[..cut], 1000), opts)
                })
                .unwrap_err();
                assert!(
                    matches!(err, ParseError::TruncatedGzip(n) if n == cut as u64),
                    "{name}: {err}"
                );
            }
            let mut flipped = gz.clone();
            let at = gz.len() / 2;
            flipped[at] ^= 0x55;
            let want = in_pool(threads, || parse_with(&flipped, opts)).map(|_| ());
            let got = in_pool(threads, || {
                rprof_profile::parse_gzip_stream(stream(&flipped, 1000), opts)
            })
            .map(|_| ());
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{name}, flipped");
        }
    }
}

/// A reader that fails part way is a read error, not corrupt gzip.
#[test]
fn a_failing_reader_is_a_read_error() {
    struct Failing<'a>(&'a [u8]);
    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.0.len()).min(512);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let gz = std::fs::read(fixture_dir().join("cpu.pb.gz")).unwrap();
    let half = &gz[..gz.len() / 2];
    for threads in [1, 2] {
        let s = rprof_profile::GzipStream {
            reader: std::io::BufReader::with_capacity(512, Failing(half)),
            len: gz.len() as u64,
            isize_hint: 0,
        };
        let opts = rprof_profile::ReadOptions {
            prefetch_min: 0,
            ..Default::default()
        };
        let err = in_pool(threads, || rprof_profile::parse_gzip_stream(s, &opts)).unwrap_err();
        assert!(
            matches!(&err, ParseError::Read(m) if m.contains("disk on fire")),
            "{err}"
        );
        assert_eq!(err.to_string(), "read error: disk on fire");
    }
}
