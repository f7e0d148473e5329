//! Bad input to the legacy readers: errors say where, and nothing panics
//! (truncation, huge numbers, invalid UTF-8, random corruption); the
//! binary CPU format in all four word layouts.

use rprof_profile::{ParseError, parse};
use std::path::PathBuf;

fn err(data: &[u8]) -> String {
    match parse(data) {
        Ok(_) => panic!("parsed: {:?}", String::from_utf8_lossy(data)),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_lines_are_named() {
    let cases: &[(&[u8], &str)] = &[
        // Truncated sample line.
        (b"heap profile: 1: 2 [3: 4] @ heap/8\n1: 2 [3:", "heap profile, line 2: "),
        // Count too large for 64 bits.
        (
            b"heap profile: 1: 2 [3: 4] @ heap/8\n99999999999999999999: 1 [1: 1] @ 0x1\n",
            "heap profile, line 2: malformed sample",
        ),
        // Address too large.
        (
            b"heap profile: 1: 2 [3: 4] @ heap/8\n# c\n1: 1 [1: 1] @ 0x10000000000000000\n",
            "heap profile, line 3: malformed sample",
        ),
        (b"goroutine profile: total 1\n\n1 @ 0x10 0xzz\n", "count profile, line 3: "),
        (b"threadcreate profile: total 1\n99999999999999999999 @ 0x1\n", "count profile, line 2: "),
        (
            b"--- mutex:\ncycles/second=1\n99999999999999999999 1 @ 0x1\n",
            "contention profile, line 3: malformed sample",
        ),
        (
            b"--- threadz 1 ---\n--- Thread 1 (name: a/1) stack: ---\n  0x10000000000000000\n--- Memory map: ---\n",
            "thread profile, line 3: malformed sample",
        ),
        (
            b"--- heapz 1 ---\nformat = java\nresolution = bytes\n 10 0 @ 0x1\n",
            "java profile, line 4: parsing sample",
        ),
    ];
    for (data, want) in cases {
        let e = err(data);
        assert!(e.starts_with(want), "{e:?} should start with {want:?}");
    }
}

#[test]
fn unrecognized_text_is_not_a_legacy_profile() {
    for data in [
        &b"hello world\n"[..],
        b"heap profile: x\n",
        b"--- mutex:\nformat=java\n",
        b"\xff\xfe\x00",
    ] {
        let e = parse(data).unwrap_err();
        assert!(matches!(e, ParseError::Unrecognized(_)), "{e}");
    }
}

#[test]
fn invalid_utf8_is_read_lossily() {
    let mut text = b"goroutine profile: total 1\n1 @ 0x10 0x20\n# labels: {\"k\":\"\xff\"}\n#\t0xf\tmain.\xfe+0x1\t/a\xff.go:3\n".to_vec();
    let p = parse(&text).unwrap();
    let f = &p.functions[0];
    assert_eq!(p.str(f.name), "main.\u{fffd}");
    assert_eq!(p.str(f.filename), "/a\u{fffd}.go");
    let l = p.samples.labels(0)[0];
    assert_eq!(p.str(l.str), "\u{fffd}");
    text.extend_from_slice(b"\xff\xff\n");
    assert!(parse(&text).is_err());
}

/// A gperftools CPU profile: header, two samples, end marker, memory map.
fn cpu_profile(word: impl Fn(u64) -> Vec<u8>, java: bool) -> Vec<u8> {
    let words: &[u64] = &[
        0,
        3,
        java as u64,
        10000,
        0, // header: period 10000us
        5,
        3,
        0x400100,
        0x400200,
        0x400300, // 5 x [leaf, caller, root]
        2,
        2,
        0x400100,
        0x400201, // 2 x [leaf, caller]
        0,
        1,
        0, // end of data
    ];
    let mut out: Vec<u8> = words.iter().flat_map(|&w| word(w)).collect();
    out.extend_from_slice(b"00400000-00500000 r-xp 00000000 00:00 0 /bin/prog\n");
    out
}

#[test]
fn binary_cpu_profile_in_every_word_layout() {
    type Word = fn(u64) -> Vec<u8>;
    let layouts: [(&str, Word); 4] = [
        ("32l", |w| (w as u32).to_le_bytes().to_vec()),
        ("32b", |w| (w as u32).to_be_bytes().to_vec()),
        ("64l", |w| w.to_le_bytes().to_vec()),
        ("64b", |w| w.to_be_bytes().to_vec()),
    ];
    let mut dumps = Vec::new();
    for (name, word) in &layouts {
        let p = parse(&cpu_profile(word, false)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.period, 10_000_000, "{name}");
        assert_eq!(p.samples.len(), 2);
        assert_eq!(p.samples.values(0), &[5, 50_000_000]);
        // Caller addresses step back onto the call; the leaf does not.
        let addrs: Vec<u64> = p
            .samples
            .stack(0)
            .iter()
            .map(|&l| p.locations[l as usize].address)
            .collect();
        assert_eq!(addrs, [0x400100, 0x4001ff, 0x4002ff], "{name}");
        // 0x400201-1 == 0x400200 is not the leaf + 1: kept.
        assert_eq!(p.samples.stack(1).len(), 2);
        assert_eq!(p.mappings.len(), 1);
        assert_eq!(p.str(p.mappings[0].file), "/bin/prog");
        dumps.push(format!(
            "{:?}",
            (p.samples.stacks.clone(), p.samples.values.clone())
        ));
        // Truncated anywhere: an error or a profile, never a panic.
        let data = cpu_profile(word, false);
        for cut in 0..data.len() {
            let _ = parse(&data[..cut]);
        }
        let _ = parse(&cpu_profile(word, true));
    }
    assert!(dumps.windows(2).all(|w| w[0] == w[1]));
}

/// A tiny deterministic generator, so that failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = vec![
        b"heap profile: 3: 12288 [5: 20480] @ heap/8192\n1: 4096 [2: 8192] @ 0x47c36c 0x4e1a25 0x4839e1\n#\t0x4e1a24\tmain.caller+0x84\t/tmp/main.go:23\n\n# runtime.MemStats\n# Alloc = 1\n".to_vec(),
        b"goroutine profile: total 2\n2 @ 0x10 0x20 0x20 0x30\n# labels: {\"a\":\"b\"}\n#\t0x1f\tf+0x1\t/f.go:1\n#\t0x1f\tg+0x1\t/f.go:2\n#\t0x2f\th+0x1\t/f.go:3\n".to_vec(),
        b"--- mutex:\ncycles/second=2445429647\nsampling period=1\n7983831367 799 @ 0x4df2dd 0x4df2dc 0x483981\n#\t0x4df2dc\tsync.(*Mutex).Unlock+0x1\t/m.go:1\n".to_vec(),
        cpu_profile(|w: u64| w.to_le_bytes().to_vec(), false),
    ];
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/google-pprof/profile/testdata");
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut files: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            if f.extension().is_none_or(|e| e != "string") {
                out.push(std::fs::read(f).unwrap());
            }
        }
    }
    out
}

#[test]
fn corrupted_input_never_panics() {
    let mut rng = XorShift(0x9e3779b97f4a7c15);
    let interesting: &[&[u8]] = &[
        b"0x",
        b"\n",
        b" ",
        b"@",
        b"#\t",
        b"99999999999999999999",
        b"-",
        b"\xff",
        b"---",
        b"--- Memory map: ---\n",
        b"[",
        b":",
    ];
    for data in corpus() {
        // Every prefix of the first 400 bytes.
        for cut in 0..data.len().min(400) {
            let _ = parse(&data[..cut]);
        }
        for _ in 0..150 {
            let mut d = data.clone();
            for _ in 0..1 + rng.next() % 4 {
                if d.is_empty() {
                    break;
                }
                let at = (rng.next() % d.len() as u64) as usize;
                match rng.next() % 4 {
                    0 => d[at] = rng.next() as u8,
                    1 => {
                        d.truncate(at);
                    }
                    2 => {
                        let ins = interesting[(rng.next() % interesting.len() as u64) as usize];
                        d.splice(at..at, ins.iter().copied());
                    }
                    _ => {
                        let len = (rng.next() % 16) as usize;
                        d.drain(at..(at + len).min(d.len()));
                    }
                }
            }
            let _ = parse(&d);
        }
    }
}
