//! Property test: no report, filter or option panics on profiles whose
//! function names, file names, mapping files and labels are full of
//! multi-byte characters (`main.berechneGröße`, `slices_test.Large·9`,
//! CJK, emoji, combining marks), with brackets and C++-looking pieces that
//! make the name simplifications (`simplify_func`, the demangling
//! heuristics, DOT's short names) cut names. The patterns given to the
//! filters are pieces of those names too, so they match mid-character
//! neighbours.
//!
//! The profiles come from a seeded generator (a xorshift, written here:
//! reproducible, no dependency for ten lines; proptest's shrinking would
//! not help much with a whole command line as the input). A failure names
//! the seed and the command line; `RPROF_MULTIBYTE_SEEDS=N` tries N profiles.

use rayon::prelude::*;
use rprof_profile::{Label, Line, Mapping, ProfileBuilder};
use std::path::Path;
use std::process::Command;

/// Pieces names are made of: multi-byte characters of every UTF-8 length,
/// and the ASCII the name simplifications cut at.
const PIECES: &[&str] = &[
    "main.",
    "berechne",
    "Größe",
    "ö",
    "·",
    "ß",
    "日本語",
    "λ",
    "é",
    "e\u{301}",
    "🙂",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "::",
    "(*T)",
    ".func1",
    "[go.shape.func(int) (int, error)]",
    "(anonymous namespace)",
    "operator()",
    " ",
    ".",
    "/",
    "_ZN3foo3barEv",
];

/// Patterns given to the filters: whole pieces, regexps over them, and
/// pieces that are not valid regexps (matched literally).
const PATTERNS: &[&str] = &[
    "Größe", "ö", "日本", "🙂", "é.*", "ß$", "^main", "(", "λ|·", ".",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn text(&mut self, max_pieces: usize) -> String {
        let n = 1 + self.below(max_pieces);
        (0..n).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }
}

/// A heap-like profile (two sample types, string and numeric labels,
/// inlined frames, one mapping) with multi-byte text everywhere.
fn profile(seed: u64) -> Vec<u8> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut b = ProfileBuilder::new();
    b.add_sample_type("alloc_objects", "count");
    b.add_sample_type("alloc_space", "bytes");
    let file = b.intern(&format!("/opt/größe/{}", r.text(2)));
    let build = b.intern("ビルド");
    let mapping = b.mapping(Mapping {
        start: 0x1000,
        limit: 0x90000,
        file,
        build_id: build,
        has_functions: true,
        has_filenames: true,
        has_line_numbers: true,
        has_inline_frames: true,
        ..Default::default()
    });
    let functions: Vec<u32> = (0..12)
        .map(|i| {
            let name = r.text(4);
            // Some names differ from their system name, some do not.
            let system = if i % 3 == 0 { r.text(3) } else { name.clone() };
            let file = format!("pkg/{}/{}.go", r.text(2), r.text(1));
            b.function(&name, &system, &file, r.below(300) as i64)
        })
        .collect();
    let locations: Vec<u32> = (0..20)
        .map(|i| {
            let lines: Vec<Line> = (0..1 + r.below(3))
                .map(|_| Line {
                    function: functions[r.below(functions.len())],
                    line: 1 + r.below(500) as i64,
                    column: r.below(40) as i64,
                })
                .collect();
            b.location(Some(mapping), 0x1000 + 16 * i as u64, &lines, false)
        })
        .collect();
    let keys = ["ключ", "tier", "größe"];
    for _ in 0..60 {
        let stack: Vec<u32> = (0..1 + r.below(8))
            .map(|_| locations[r.below(locations.len())])
            .collect();
        let objects = r.below(50) as i64 - 5;
        let values = [objects, objects * 1024];
        let mut labels = Vec::new();
        if r.below(2) == 0 {
            let key = b.intern(keys[r.below(keys.len())]);
            let value = r.text(2);
            labels.push(Label {
                key,
                str: b.intern(&value),
                num: 0,
                num_unit: 0,
            });
        }
        if r.below(3) == 0 {
            labels.push(Label {
                key: b.intern("bytes"),
                str: 0,
                num: r.below(1 << 20) as i64,
                num_unit: b.intern("bytes"),
            });
        }
        b.push_sample(&stack, &values, &labels);
    }
    let mut p = b.finish();
    p.drop_frames = p.strings.push("Größe.*|日本語");
    p.comments = vec![p.strings.push("kommentar: ü")];
    let mut out = Vec::new();
    rprof_profile::write_gz(&p, &mut out).unwrap();
    out
}

/// Every command line to try on `f` (and, for comparisons, `g`).
fn command_lines(f: &str, g: &str) -> Vec<Vec<String>> {
    let reports: Vec<Vec<&str>> = vec![
        vec!["top"],
        vec!["traces"],
        vec!["tree"],
        vec!["tags"],
        vec!["peek", "Größe|ö|."],
        vec!["graph", "--format=dot"],
        vec!["graph", "--format=svg", "--renderer=builtin"],
        vec!["flame", "-o", "-"],
        vec!["flame", "--folded", "-o", "-"],
        vec!["proto", "-o", "-"],
        vec!["diff", "--base", g],
        vec!["report", "-o", "-"],
    ];
    let mut lines = Vec::new();
    // The filters, with the reports that print names in different ways.
    let mut filters: Vec<String> = Vec::new();
    for pat in PATTERNS {
        for opt in ["focus", "ignore", "hide", "show", "show-from", "prune-from"] {
            filters.push(format!("--{opt}={pat}"));
        }
        filters.push(format!("--tagfocus=ключ={pat}"));
        filters.push(format!("--tagignore=größe={pat}"));
        filters.push(format!("--tagshow={pat}"));
        filters.push(format!("--taghide={pat}"));
    }
    for r in [&reports[0], &reports[5]] {
        for o in &filters {
            let mut l: Vec<String> = r.iter().map(|s| s.to_string()).collect();
            l.push(o.clone());
            l.push(f.to_string());
            lines.push(l);
        }
    }
    // The other options, with every report.
    let mut options: Vec<Vec<String>> = vec![vec![], vec![filters[5].clone()]];
    for o in [
        "--tagroot=ключ,größe",
        "--tagleaf=ключ,bytes",
        "--tagfocus=bytes=1kb:",
        "--granularity=lines",
        "--granularity=files",
        "--granularity=filefunctions",
        "--granularity=addresses",
        "--noinlines",
        "--showcolumns",
        "--cum",
        "--nodecount=3",
        "--unit=auto",
        "--sample-index=alloc_objects",
        "--mean",
        "--relative-percentages",
        "--drop-negative",
        "--no-trim",
        "--symbolize=demangle=full",
        "--symbolize=demangle=templates",
        "--symbolize=demangle=none",
    ] {
        options.push(vec![o.to_string()]);
    }
    for r in &reports {
        for o in &options {
            let mut l: Vec<String> = r.iter().map(|s| s.to_string()).collect();
            l.extend(o.iter().cloned());
            l.push(f.to_string());
            lines.push(l);
        }
    }
    lines.push(vec!["raw".into(), f.into()]);
    lines.push(vec![
        "merge".into(),
        "-o".into(),
        "-".into(),
        f.into(),
        g.into(),
    ]);
    lines
}

fn check(dir: &Path, seed: u64, args: &[String]) -> Result<(), String> {
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .map_err(|e| e.to_string())?;
    let err = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    // Success, or a clean refusal (bad pattern, empty profile): one line.
    let clean = code == Some(0) || (matches!(code, Some(1 | 2)) && err.lines().count() == 1);
    if err.contains("panicked") || !clean {
        return Err(format!(
            "seed {seed}: rprof {} -> {:?}\n{err}",
            args.join(" "),
            out.status
        ));
    }
    Ok(())
}

#[test]
fn no_option_panics_on_multibyte_names_files_and_labels() {
    let dir = rprof_testkit::scratch("multibyte");
    let mut failures = Vec::new();
    // One profile by default (a thousand command lines is enough for CI);
    // RPROF_MULTIBYTE_SEEDS=N tries N.
    let seeds: u64 = std::env::var("RPROF_MULTIBYTE_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    for seed in 1..=seeds {
        let (f, g) = (format!("p{seed}.pb.gz"), format!("q{seed}.pb.gz"));
        std::fs::write(dir.join(&f), profile(seed)).unwrap();
        std::fs::write(dir.join(&g), profile(seed + 100)).unwrap();
        let lines = command_lines(&f, &g);
        failures.extend(
            lines
                .par_iter()
                .filter_map(|l| check(&dir, seed, l).err())
                .collect::<Vec<_>>(),
        );
    }
    assert!(
        failures.is_empty(),
        "{} command lines failed:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
