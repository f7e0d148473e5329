//! Go's `debug=1` text profiles: heap/allocs, goroutine/threadcreate,
//! mutex/block, with and without the symbol comments rprof reads (and
//! pprof ignores), labels, inlined frames, and the MemStats trailer.

use rprof_profile::{Profile, parse};

/// The stack of sample `i` as "name@file:line" per frame (inlined frames
/// joined with "+", innermost first), or the address for frames without
/// lines.
fn stack(p: &Profile, i: usize) -> Vec<String> {
    p.samples
        .stack(i)
        .iter()
        .map(|&l| {
            let lines = p.location_lines(l);
            if lines.is_empty() {
                return format!("{:#x}", p.locations[l as usize].address);
            }
            lines
                .iter()
                .map(|ln| {
                    let f = &p.functions[ln.function as usize];
                    format!("{}@{}:{}", p.str(f.name), p.str(f.filename), ln.line)
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect()
}

fn labels(p: &Profile, i: usize) -> Vec<String> {
    p.samples
        .labels(i)
        .iter()
        .map(|l| {
            if l.is_str() {
                format!("{}={}", p.str(l.key), p.str(l.str))
            } else {
                format!("{}#{}", p.str(l.key), l.num)
            }
        })
        .collect()
}

fn types(p: &Profile) -> Vec<String> {
    p.sample_types
        .iter()
        .map(|t| format!("{}/{}", p.str(t.ty), p.str(t.unit)))
        .collect()
}

const HEAP: &str = "heap profile: 3: 12288 [5: 20480] @ heap/8192
1: 4096 [2: 8192] @ 0x47c36c 0x47f767 0x4e1a25 0x4e1d87 0x44aaa7 0x4839e1
#\t0x4e1a24\tmain.caller+0x84\t/tmp/main.go:23
#\t0x4e1d86\tmain.main+0x46\t\t/tmp/main.go:49
#\t0x44aaa6\truntime.main+0x426\t/go/src/runtime/proc.go:302

2: 8192 [3: 12288] @ 0x47c36c 0x4e1b85 0x4e1d87 0x44aaa7 0x4839e1
#\t0x4e1b84\tmain.other+0x1e4\t/tmp/main.go:28
#\t0x4e1d86\tmain.main+0x46\t\t/tmp/main.go:49
#\t0x44aaa6\truntime.main+0x426\t/go/src/runtime/proc.go:302


# runtime.MemStats
# Alloc = 22109312
# PauseNs = [73620 74632 0 0]
# NumGC = 4
# DebugGC = false
";

#[test]
fn heap_with_symbols() {
    let p = parse(HEAP.as_bytes()).unwrap();
    assert_eq!(
        types(&p),
        [
            "alloc_objects/count",
            "alloc_space/bytes",
            "inuse_objects/count",
            "inuse_space/bytes"
        ]
    );
    assert_eq!(p.period, 4096);
    let pt = p.period_type.unwrap();
    assert_eq!((p.str(pt.ty), p.str(pt.unit)), ("space", "bytes"));
    assert_eq!(p.samples.len(), 2);
    // pprof's v2 unsampling with rate 4096: [2: 8192] and [1: 4096].
    assert_eq!(p.samples.values(0), &[3, 12959, 1, 6479]); // as go tool pprof -raw prints
    assert_eq!(labels(&p, 0), ["bytes#4096"]);
    // The hidden runtime allocator frames at the leaf are gone, goexit is
    // named.
    assert_eq!(
        stack(&p, 0),
        [
            "main.caller@/tmp/main.go:23",
            "main.main@/tmp/main.go:49",
            "runtime.main@/go/src/runtime/proc.go:302",
            "runtime.goexit@:0"
        ]
    );
    assert_eq!(stack(&p, 1)[0], "main.other@/tmp/main.go:28");
    // ... but their locations stay in the table (as after pprof's Prune),
    // numbered as pprof numbers them.
    assert_eq!(p.locations[0].address, 0x47c36b);
    assert!(p.location_lines(0).is_empty());
    assert_eq!(
        p.locations.iter().map(|l| l.id).collect::<Vec<_>>(),
        (1..=7).collect::<Vec<_>>()
    );
    // One fake mapping, marked symbolized as pprof's symbolizer marks it.
    assert_eq!(p.mappings.len(), 1);
    let m = &p.mappings[0];
    assert_eq!((m.id, m.start, m.limit), (1, 0, u64::MAX));
    assert!(m.has_functions && m.has_filenames && m.has_line_numbers && m.has_inline_frames);
    // Functions in location order, deduplicated.
    let names: Vec<&str> = p.functions.iter().map(|f| p.str(f.name)).collect();
    assert_eq!(
        names,
        [
            "main.caller",
            "main.main",
            "runtime.main",
            "runtime.goexit",
            "main.other"
        ]
    );
    assert!(
        p.functions
            .iter()
            .all(|f| f.start_line == 0 && f.name == f.system_name)
    );
    assert!(p.str(p.drop_frames).contains(r"runtime\..*"));
}

#[test]
fn heap_without_symbols_is_pprofs() {
    let text: String = HEAP
        .lines()
        .filter(|l| !l.starts_with("#\t"))
        .map(|l| format!("{l}\n"))
        .collect();
    let p = parse(text.as_bytes()).unwrap();
    assert_eq!(
        stack(&p, 0),
        [
            "0x47c36b", "0x47f766", "0x4e1a24", "0x4e1d86", "0x44aaa6", "0x4839e0"
        ]
    );
    assert!(p.functions.is_empty());
    let m = &p.mappings[0];
    assert!(!m.has_functions && !m.has_inline_frames);
}

#[test]
fn heap_formats_and_columns() {
    // No alloc columns when [..] equals the inuse pair; heapz_v2 keeps the
    // period; heapprofile has period 1 and no unsampling.
    let p = parse(b"heap profile: 1: 100 [1: 100] @ heapz_v2/524288\n1: 100 [1: 100] @ 0x10\n")
        .unwrap();
    assert_eq!(types(&p), ["objects/count", "space/bytes"]);
    assert_eq!(p.period, 524288);
    let p = parse(b"heap profile: 1: 100 [0: 0] @ heapprofile\n1: 100 [0: 0] @ 0x10\n").unwrap();
    assert_eq!(p.period, 1);
    assert_eq!(p.samples.values(0), &[1, 100]);
    let p =
        parse(b"heap profile: 1: 100 [1: 100] @ growthz\n1: 100 [1: 100] @ 0x10 0x20\n").unwrap();
    assert_eq!(p.period, 1);
    let p =
        parse(b"heap profile: 1: 100 [1: 100] @ fragmentationz\n1: 100 [1: 100] @ 0x10\n").unwrap();
    assert_eq!(p.samples.values(0), &[1, 100]);
    // A zero count with a non-zero size is an error naming the line.
    let e = parse(b"heap profile: 1: 100 [1: 100] @ heap/8\n\n0: 5 [0: 0] @ 0x10\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "heap profile, line 3: inuse count was 0 but inuse bytes was 5"
    );
}

const GOROUTINE: &str = r#"goroutine profile: total 7
2 @ 0x47daea 0x41512e 0x414c72 0x4e2259 0x4839e1
# labels: {"kind":"sleeper", "worker":"w\"0"}
#	0x4e2258	main.main.func1+0x18	/tmp/main.go:60

1 @ 0x47daea 0x41512e 0x414c72 0x4e2259 0x4839e1
#	0x4e2258	main.main.func1+0x18	/tmp/main.go:60

1 @ 0x4e1cca 0x4e1cc9 0x4e2297 0x4839e1
#	0x4e1cc9	sync.(*Mutex).Unlock+0x89	/go/src/sync/mutex.go:65
#	0x4e1cc8	main.contend+0x88		/tmp/main.go:41
#	0x4e2296	main.main.gowrap1+0x16		/tmp/main.go:53

1 @ 0x100 0x200 0x4839e1
#	0xff	inner+0x1	/a.go:1
#	0xff	outer+0x5	/a.go:10
#	0x1ff	root+0x9	/a.go:20

1 @ 0x300 0x300 0x400 0x4839e1
#	0x2ff	rec+0x1	/r.go:5
#	0x2ff	rec+0x1	/r.go:5
#	0x3ff	main.r+0x2	/r.go:9

1 @ 0x500 0x600
#	0x4ff
#	0x5ff	caller+0x1	/c.go:3
"#;

#[test]
fn goroutine_with_labels_inlining_recursion() {
    let p = parse(GOROUTINE.as_bytes()).unwrap();
    assert_eq!(types(&p), ["goroutine/count"]);
    assert_eq!(p.samples.len(), 6);
    assert_eq!(p.samples.values(0), &[2]);
    assert_eq!(labels(&p, 0), ["kind=sleeper", "worker=w\"0"]);
    assert!(labels(&p, 1).is_empty());
    // Hidden runtime frames at the leaf stay (pprof keeps them: no
    // allocator patterns here) but have no names; goexit is named.
    assert_eq!(
        stack(&p, 0),
        [
            "0x47dae9",
            "0x41512d",
            "0x414c71",
            "main.main.func1@/tmp/main.go:60",
            "runtime.goexit@:0"
        ]
    );
    // Modern inlining: one address per inlined call.
    assert_eq!(
        stack(&p, 2),
        [
            "sync.(*Mutex).Unlock@/go/src/sync/mutex.go:65",
            "main.contend@/tmp/main.go:41",
            "main.main.gowrap1@/tmp/main.go:53",
            "runtime.goexit@:0"
        ]
    );
    // Old-style inlining: several lines with the same address.
    assert_eq!(
        stack(&p, 3),
        [
            "inner@/a.go:1+outer@/a.go:10",
            "root@/a.go:20",
            "runtime.goexit@:0"
        ]
    );
    // Recursion repeats the address in the stack and in the comments.
    assert_eq!(
        stack(&p, 4),
        [
            "rec@/r.go:5",
            "rec@/r.go:5",
            "main.r@/r.go:9",
            "runtime.goexit@:0"
        ]
    );
    // A frame Go could not name; no goexit guess when the root is commented.
    assert_eq!(stack(&p, 5), ["0x4ff", "caller@/c.go:3"]);
    assert!(p.str(p.drop_frames).starts_with("ProfileData::Add"));
}

#[test]
fn threadcreate_with_empty_stacks() {
    let text = "threadcreate profile: total 4\n4 @ 0x0 0x0 0x0\n#\t0x0\n\n";
    let p = parse(text.as_bytes()).unwrap();
    assert_eq!(types(&p), ["threadcreate/count"]);
    assert_eq!(stack(&p, 0), ["0xffffffffffffffff"; 3]);
    assert_eq!(p.locations.len(), 1);
    assert!(!p.mappings[0].has_functions);
}

#[test]
fn count_profile_errors_name_the_line() {
    let e = parse(b"goroutine profile: total 1\n1 @ 0x10 junk\n").unwrap_err();
    assert!(e.to_string().starts_with("count profile, line 2: "), "{e}");
    let e = parse(b"goroutine profile: total 1\n1 @ 0x1ffffffffffffffff\n").unwrap_err();
    assert!(e.to_string().starts_with("count profile, line 2: "), "{e}");
    // A leading "0" count is octal, as strconv.ParseInt(s, 0, 64) reads it.
    let p = parse(b"goroutine profile: total 8\n010 @ 0x10\n").unwrap();
    assert_eq!(p.samples.values(0), &[8]);
}

const MUTEX: &str = "--- mutex:
cycles/second=2000000000
sampling period=5
4000 3 @ 0x4e1cca 0x4e1cc9 0x4e2297 0x4839e1
#\t0x4e1cc9\tsync.(*Mutex).Unlock+0x89\t/go/src/sync/mutex.go:65
#\t0x4e1cc8\tmain.contend+0x88\t\t/tmp/main.go:41
#\t0x4e2296\tmain.main.gowrap1+0x16\t\t/tmp/main.go:53

";

#[test]
fn mutex_with_symbols() {
    let p = parse(MUTEX.as_bytes()).unwrap();
    assert_eq!(types(&p), ["contentions/count", "delay/nanoseconds"]);
    assert_eq!(p.period, 5);
    // contentions = 3*5; delay = 4000 cycles * 5 / 2 GHz = 10000ns.
    assert_eq!(p.samples.values(0), &[15, 10000]);
    assert_eq!(stack(&p, 0).last().unwrap(), "runtime.goexit@:0");
    assert_eq!(
        stack(&p, 0)[0],
        "sync.(*Mutex).Unlock@/go/src/sync/mutex.go:65"
    );
    assert!(p.str(p.drop_frames).starts_with("RecordLockProfileData|"));
}

#[test]
fn block_without_symbols_and_without_period() {
    let text = "--- contention:\ncycles/second=1000000000\n2500 2 @ 0x20 0x30\n";
    let p = parse(text.as_bytes()).unwrap();
    assert_eq!(p.period, 1);
    assert_eq!(p.samples.values(0), &[2, 2500]);
    assert_eq!(stack(&p, 0), ["0x1f", "0x2f"]);
}

#[test]
fn contention_sample_that_is_no_sample_is_unrecognized() {
    // pprof gives up on the format (and then on the file).
    let e = parse(b"--- mutex:\ncycles/second=1\nhello\n").unwrap_err();
    assert!(
        e.to_string().starts_with("unrecognized profile format"),
        "{e}"
    );
}
