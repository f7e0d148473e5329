//! rprof's own output formats from issue 12, checked for what they must
//! hold: speedscope files against speedscope's published schema and
//! against the profile's numbers, `top --json` against `top`, and PNGs
//! (flame graphs, call graphs rasterised without Graphviz) decoded and
//! measured against the SVG they are drawn from.

use rprof_testkit::{fixture, read, scratch};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn rprof(args: &[&str], dir: &Path) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rprof {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn profiles() -> std::path::PathBuf {
    fixture("profiles")
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("rprof wrote JSON")
}

// ---------------------------------------------------------------------
// speedscope

/// speedscope's schema (fixtures/speedscope, from its npm package).
fn speedscope_schema() -> jsonschema::Validator {
    let schema: Value = json(&read(fixture("speedscope/file-format-schema.json")));
    jsonschema::validator_for(&schema).expect("speedscope's schema compiles")
}

fn schema_errors(v: &jsonschema::Validator, file: &Value) -> Vec<String> {
    v.iter_errors(file).map(|e| e.to_string()).collect()
}

#[test]
fn speedscope_files_follow_speedscopes_schema_and_the_profiles_numbers() {
    let validator = speedscope_schema();
    let d = scratch("speedscope");
    // (profile, extra options, speedscope's unit, a frame that must be
    // there)
    let cases: &[(&str, &[&str], &str, &str)] = &[
        ("cpu.pb.gz", &[], "nanoseconds", "main.sortInts"),
        (
            "heap.pb.gz",
            &["--sample-index=alloc_space"],
            "bytes",
            "main.allocBuffer",
        ),
        ("goroutine.pb.gz", &[], "none", "main.main"),
        (
            "cpu_labels.pb.gz",
            &["--granularity=lines"],
            "nanoseconds",
            "main.sortInts",
        ),
        (
            "mutex.pb.gz",
            &["--focus=hash"],
            "nanoseconds",
            "main.hashUnderLock",
        ),
    ];
    for &(file, extra, unit, frame) in cases {
        let input = profiles().join(file);
        let input = input.to_str().unwrap();
        let name = format!("{file}.json");
        // `.json` names speedscope; --format says it too.
        let mut args = vec!["flame", "-o", &name];
        args.extend_from_slice(extra);
        args.push(input);
        rprof(&args, &d);
        let file_json = json(&read(d.join(&name)));
        let errors = schema_errors(&validator, &file_json);
        assert!(errors.is_empty(), "{file}: {errors:#?}");

        let mut args = vec!["flame", "--format", "speedscope"];
        args.extend_from_slice(extra);
        args.push(input);
        let piped = json(&rprof(&args, &d).stdout);
        assert_eq!(piped, file_json, "{file}: -o FILE.json and --format agree");

        // The numbers: one weight per stack, every frame index in range,
        // the weights adding up to the report's total (top --json, same
        // options), the end value that total.
        let frames = file_json["shared"]["frames"].as_array().unwrap();
        let p = &file_json["profiles"][0];
        assert_eq!(p["type"], "sampled");
        assert_eq!(p["unit"], unit, "{file}");
        let samples = p["samples"].as_array().unwrap();
        let weights: Vec<i64> = p["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_i64().unwrap())
            .collect();
        assert!(!samples.is_empty(), "{file}: no samples");
        assert_eq!(samples.len(), weights.len(), "{file}");
        assert!(weights.iter().all(|&w| w > 0), "{file}: {weights:?}");
        for s in samples {
            let s = s.as_array().unwrap();
            assert!(!s.is_empty(), "{file}: an empty stack");
            assert!(
                s.iter()
                    .all(|i| (i.as_u64().unwrap() as usize) < frames.len()),
                "{file}: frame index out of range"
            );
        }
        let sum: i64 = weights.iter().sum();
        assert_eq!(p["endValue"].as_i64(), Some(sum), "{file}");
        assert_eq!(p["startValue"].as_i64(), Some(0), "{file}");
        let mut args = vec!["top", "--json"];
        args.extend_from_slice(extra);
        args.push(input);
        let top = json(&rprof(&args, &d).stdout);
        if extra.iter().all(|o| !o.starts_with("--focus")) {
            assert_eq!(top["total"].as_i64(), Some(sum), "{file}: total");
        } else {
            // --focus keeps part of the profile: what it kept is what
            // top's rows account for.
            let kept: i64 = top["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["flat"].as_i64().unwrap())
                .sum();
            assert_eq!(kept, sum, "{file}: kept");
        }
        // At line granularity a frame is a line: `main.sortInts
        // workload/main.go:326`, with its file and line as fields.
        let lines = extra.contains(&"--granularity=lines");
        let named = |f: &&Value| {
            let n = f["name"].as_str().unwrap_or_default();
            if lines {
                n.starts_with(&format!("{frame} "))
                    && f["file"] == "workload/main.go"
                    && f["line"].as_i64().is_some_and(|l| l > 0)
            } else {
                n == frame
            }
        };
        assert!(frames.iter().any(|f| named(&f)), "{file}: no frame {frame}");
    }
}

/// What is broken, and how.
type Breakage = (&'static str, fn(&mut Value));

#[test]
fn the_schema_check_rejects_what_speedscope_would() {
    // Not a vacuous check: the same file, broken in ways speedscope's
    // importer refuses, fails the schema.
    let validator = speedscope_schema();
    let d = scratch("speedscope-broken");
    let cpu = profiles().join("cpu.pb.gz");
    let good = json(
        &rprof(
            &["flame", "--format", "speedscope", cpu.to_str().unwrap()],
            &d,
        )
        .stdout,
    );
    assert!(schema_errors(&validator, &good).is_empty());
    let breakages: [Breakage; 4] = [
        ("unknown unit", |v| {
            v["profiles"][0]["unit"] = "furlongs".into()
        }),
        ("no weights", |v| {
            v["profiles"][0].as_object_mut().unwrap().remove("weights");
        }),
        ("frame without a name", |v| {
            v["shared"]["frames"][0]
                .as_object_mut()
                .unwrap()
                .remove("name");
        }),
        ("unknown profile type", |v| {
            v["profiles"][0]["type"] = "flame".into()
        }),
    ];
    for (what, break_it) in breakages {
        let mut bad = good.clone();
        break_it(&mut bad);
        assert!(
            !schema_errors(&validator, &bad).is_empty(),
            "the schema accepted a file with {what}"
        );
    }
}

// ---------------------------------------------------------------------
// top --json

#[test]
fn top_json_is_the_top_table() {
    let d = scratch("top-json");
    for (file, extra) in [
        ("cpu.pb.gz", &[][..]),
        (
            "heap.pb.gz",
            &["--sample-index=alloc_space", "--nodecount=7"][..],
        ),
        ("cpu.pb.gz", &["--cum", "--granularity=lines"][..]),
    ] {
        let input = profiles().join(file);
        let input = input.to_str().unwrap();
        let mut args = vec!["top"];
        args.extend_from_slice(extra);
        args.push(input);
        let text = String::from_utf8(rprof(&args, &d).stdout).unwrap();
        args.insert(1, "--json");
        let v = json(&rprof(&args, &d).stdout);

        // The legend is the text's header, the rows its rows.
        let lines: Vec<&str> = text.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.trim_start().starts_with("flat  flat%"))
            .expect("top's column header");
        let legend: Vec<&str> = v["legend"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert_eq!(legend, lines[..header], "{file} {extra:?}");
        let rows = v["rows"].as_array().unwrap();
        let text_rows = &lines[header + 1..];
        assert_eq!(rows.len(), text_rows.len(), "{file} {extra:?}");
        assert!(!rows.is_empty());
        for (row, line) in rows.iter().zip(text_rows) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(row["flat_text"], fields[0], "{line}");
            assert_eq!(row["cum_text"], fields[3], "{line}");
            let name = row["name"].as_str().unwrap();
            assert!(line.contains(name), "{line} should name {name}");
        }
        // Numbers that must hold: rows in top's order, and with every
        // node shown the flat values add up to the total.
        let flat: Vec<i64> = rows.iter().map(|r| r["flat"].as_i64().unwrap()).collect();
        let cum: Vec<i64> = rows.iter().map(|r| r["cum"].as_i64().unwrap()).collect();
        let total = v["total"].as_i64().unwrap();
        assert!(total > 0);
        if extra.contains(&"--cum") {
            assert!(cum.windows(2).all(|w| w[0] >= w[1]), "{cum:?}");
        } else {
            assert!(flat.windows(2).all(|w| w[0] >= w[1]), "{flat:?}");
        }
        if extra.is_empty() {
            assert_eq!(flat.iter().sum::<i64>(), total, "{file}");
        }
        assert!(flat.iter().zip(&cum).all(|(f, c)| f <= c));
    }
    // `text` is pprof's -text: the same as top.
    let cpu = profiles().join("cpu.pb.gz");
    let cpu = cpu.to_str().unwrap();
    assert_eq!(
        rprof(&["text", cpu], &d).stdout,
        rprof(&["top", cpu], &d).stdout
    );
}

// ---------------------------------------------------------------------
// PNG

#[cfg(feature = "raster")]
/// Width and height of a decoded PNG; panics unless it is a whole,
/// valid PNG (every chunk's CRC and the image data are checked).
fn png_size(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut pixels).expect("PNG image data");
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

#[cfg(feature = "raster")]
/// The number of an SVG root attribute (`width="1200"`).
fn svg_attr(svg: &str, name: &str) -> f64 {
    let root = &svg[svg.find("<svg").unwrap()..];
    let root = &root[..root.find('>').unwrap()];
    let at = root
        .find(&format!(" {name}=\""))
        .unwrap_or_else(|| panic!("no {name} in {root}"));
    let v = &root[at + name.len() + 3..];
    v[..v.find('"').unwrap()].parse().unwrap()
}

#[cfg(feature = "raster")]
/// Whether the picture has something drawn on it: pixels of more than
/// one colour, some of them not white.
fn has_drawing(pixels: &[u8]) -> bool {
    let first = &pixels[..4];
    pixels.chunks(4).any(|p| p != first) && pixels.chunks(4).any(|p| p[..3] != [255, 255, 255])
}

#[cfg(feature = "raster")]
#[test]
fn flame_png_is_the_flame_svg_at_twice_its_size() {
    let d = scratch("flame-png");
    let cpu = profiles().join("cpu.pb.gz");
    let cpu = cpu.to_str().unwrap();
    rprof(&["flame", "-o", "cpu.svg", cpu], &d);
    rprof(&["flame", "-o", "cpu.png", cpu], &d);
    let svg = std::fs::read_to_string(d.join("cpu.svg")).unwrap();
    let (w, h, pixels) = png_size(&read(d.join("cpu.png")));
    assert_eq!(
        (w, h),
        (
            (svg_attr(&svg, "width") * 2.0).ceil() as u32,
            (svg_attr(&svg, "height") * 2.0).ceil() as u32
        )
    );
    assert!(has_drawing(&pixels), "a blank flame graph");
    // --format png to stdout: the same picture.
    let piped = rprof(&["flame", "--format", "png", "-o", "-", cpu], &d).stdout;
    assert_eq!(png_size(&piped).0, w);
}

#[cfg(feature = "raster")]
#[test]
fn graph_png_without_graphviz_is_the_graphs_page_at_twice_its_size() {
    let d = scratch("graph-png");
    let cpu = profiles().join("cpu.pb.gz");
    let cpu = cpu.to_str().unwrap();
    // --renderer builtin: rasterised by rprof whether or not Graphviz is
    // installed.
    rprof(
        &[
            "graph",
            "--renderer",
            "builtin",
            "--nodecount=12",
            "-o",
            "g.png",
            cpu,
        ],
        &d,
    );
    rprof(
        &[
            "graph",
            "--renderer",
            "builtin",
            "--nodecount=12",
            "-o",
            "g.svg",
            cpu,
        ],
        &d,
    );
    // The SVG for browsers fills the window; the graph's page is its
    // white background polygon.
    let svg = std::fs::read_to_string(d.join("g.svg")).unwrap();
    let page = svg
        .split("<polygon fill=\"white\" stroke=\"transparent\" points=\"")
        .nth(1)
        .expect("the page's polygon");
    let page = &page[..page.find('"').unwrap()];
    let (xs, ys): (Vec<f64>, Vec<f64>) = page
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse::<f64>().unwrap(), y.parse::<f64>().unwrap())
        })
        .unzip();
    let span = |v: &[f64]| {
        v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min)
    };
    let (w, h, pixels) = png_size(&read(d.join("g.png")));
    assert_eq!(
        (w, h),
        (
            (span(&xs) * 2.0).ceil() as u32,
            (span(&ys) * 2.0).ceil() as u32
        )
    );
    assert!(has_drawing(&pixels), "a blank call graph");
}

#[cfg(not(feature = "raster"))]
#[test]
fn png_without_the_raster_feature_is_a_usage_error() {
    let d = scratch("no-raster");
    let cpu = profiles().join("cpu.pb.gz");
    let out = Command::new(env!("CARGO_BIN_EXE_rprof"))
        .args(["flame", "-o", "cpu.png", cpu.to_str().unwrap()])
        .current_dir(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("raster"));
    assert!(!d.join("cpu.png").exists());
}
