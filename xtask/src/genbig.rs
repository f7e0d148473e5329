//! `cargo xtask gen-big`: a large allocation profile shaped like the ones
//! that make `go tool pprof` slow (≈200k samples, ≈200k distinct stacks
//! about 40 frames deep, four heap sample types, Go-like names, inlined
//! frames, a `bytes` label), written with a deterministic generator so
//! that no Go is needed and every run produces the same file; a base to
//! diff it against; a fleet of 100 smaller profiles of the same service
//! for merges; and, when Go is installed, a busy 5-second execution trace
//! from `fixtures/go/busytrace`.

use anyhow::Context;
use flate2::write::GzEncoder;
use prost::Message;
use rprof_profile::pb;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// xorshift64*: deterministic and good enough for shaping test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub struct Shape {
    pub samples: usize,
    pub depth: usize,
    pub functions: usize,
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            samples: 200_000,
            depth: 40,
            functions: 12_000,
            seed: 0x5eed,
        }
    }
}

struct Builder {
    p: pb::Profile,
    strings: HashMap<String, i64>,
    locations: HashMap<(u64, i64, bool), u64>,
}

impl Builder {
    fn s(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.p.string_table.len() as i64;
        self.p.string_table.push(s.to_string());
        self.strings.insert(s.to_string(), i);
        i
    }
}

/// Builds the profile in memory.
pub fn generate(shape: &Shape) -> pb::Profile {
    let mut rng = Rng(shape.seed | 1);
    let mut b = Builder {
        p: pb::Profile::default(),
        strings: HashMap::new(),
        locations: HashMap::new(),
    };
    b.s("");
    for (ty, unit) in [
        ("alloc_objects", "count"),
        ("alloc_space", "bytes"),
        ("inuse_objects", "count"),
        ("inuse_space", "bytes"),
    ] {
        let vt = pb::ValueType {
            r#type: b.s(ty),
            unit: b.s(unit),
        };
        b.p.sample_type.push(vt);
    }
    b.p.period_type = Some(pb::ValueType {
        r#type: b.s("space"),
        unit: b.s("bytes"),
    });
    b.p.period = 524_288;
    b.p.time_nanos = 1_764_201_600_000_000_000;
    let file = b.s("/srv/bin/bigservice");
    let build_id = b.s("0123456789abcdef0123456789abcdef01234567");
    b.p.mapping.push(pb::Mapping {
        id: 1,
        memory_start: 0x40_0000,
        memory_limit: 0x4000_0000,
        file_offset: 0,
        filename: file,
        build_id,
        has_functions: true,
        has_filenames: true,
        has_line_numbers: true,
        has_inline_frames: true,
    });

    // Functions: packages of a fictional service, the standard library
    // and the runtime, with Go's method-name shapes.
    let pkgs = [
        "github.com/acme/bigservice/internal/api",
        "github.com/acme/bigservice/internal/store",
        "github.com/acme/bigservice/internal/codec",
        "github.com/acme/bigservice/pkg/cache",
        "encoding/json",
        "net/http",
        "bufio",
        "runtime",
        "sync",
        "google.golang.org/grpc/internal/transport",
    ];
    let nf = shape.functions;
    for i in 0..nf {
        let pkg = pkgs[i % pkgs.len()];
        let short = pkg.rsplit('/').next().unwrap_or(pkg);
        let name = match i % 3 {
            0 => format!("{pkg}.(*Type{}).Method{}", i / 30, i % 97),
            1 => format!("{pkg}.func{}", i),
            _ => format!("{pkg}.handle{}.func{}", i / 7, i % 5 + 1),
        };
        let file_name = format!("{pkg}/{short}{}.go", i % 40);
        let (name, file_name) = (b.s(&name), b.s(&file_name));
        b.p.function.push(pb::Function {
            id: i as u64 + 1,
            name,
            system_name: name,
            filename: file_name,
            start_line: (i % 900) as i64 + 10,
        });
    }

    // A call "tree" walked at random: frame k of a stack is drawn from a
    // band of functions that depends on k and on the frame before, so that
    // stacks share prefixes like real ones and still mostly differ.
    let mut stack = Vec::with_capacity(shape.depth);
    for _ in 0..shape.samples {
        stack.clear();
        let depth = shape.depth / 2 + rng.below(shape.depth as u64 / 2 + 1) as usize;
        let mut f = rng.below(64) as usize;
        for k in 0..depth {
            let band = 1 + k * 7;
            f = (f * 31 + band + rng.below(if k < 6 { 3 } else { 40 }) as usize) % nf;
            let line = (rng.below(3) + 1) as i64 + (f % 900) as i64 + 10;
            // One location in eight carries an inlined callee.
            let inlined = rng.below(8) == 0;
            let key = (f as u64, line, inlined);
            let id = match b.locations.get(&key) {
                Some(&id) => id,
                None => {
                    let id = b.p.location.len() as u64 + 1;
                    // The address follows from the key, so that every
                    // profile of the service (the fleet) agrees on it.
                    let address = 0x40_1000
                        + ((f as u64) << 8)
                        + ((line - (f % 900) as i64 - 10) << 4) as u64
                        + u64::from(inlined) * 8;
                    let mut lines = vec![pb::Line {
                        function_id: f as u64 + 1,
                        line,
                        column: 0,
                    }];
                    if inlined {
                        let g = (f * 7 + 3) % nf;
                        lines.insert(
                            0,
                            pb::Line {
                                function_id: g as u64 + 1,
                                line: (g % 900) as i64 + 12,
                                column: 0,
                            },
                        );
                    }
                    b.p.location.push(pb::Location {
                        id,
                        mapping_id: 1,
                        address,
                        line: lines,
                        is_folded: false,
                    });
                    b.locations.insert(key, id);
                    id
                }
            };
            stack.push(id);
        }
        stack.reverse(); // leaf first
        let size = 16u64 << rng.below(12);
        let objects = 1 + rng.below(200) as i64;
        let inuse = if rng.below(3) == 0 { objects / 3 } else { 0 };
        let bytes_key = b.s("bytes");
        let unit = b.s("bytes");
        b.p.sample.push(pb::Sample {
            location_id: stack.clone(),
            value: vec![objects, objects * size as i64, inuse, inuse * size as i64],
            label: vec![pb::Label {
                key: bytes_key,
                str: 0,
                num: size as i64,
                num_unit: unit,
            }],
        });
    }
    b.p
}

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let out = args
        .first()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target/big/big.heap.pb.gz"));
    let dir = out.parent().unwrap_or(Path::new(".")).to_path_buf();
    std::fs::create_dir_all(&dir)?;
    let shape = Shape::default();
    let p = generate(&shape);
    let raw = p.encode_to_vec();
    let bytes = gzip(&raw)?;
    std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    // A second capture for diff benchmarks: same shape, other seed.
    let p2 = generate(&Shape {
        seed: shape.seed ^ 0xfeed,
        ..Shape::default()
    });
    let base = out.with_file_name("big-base.heap.pb.gz");
    std::fs::write(&base, gzip(&p2.encode_to_vec())?)?;
    println!(
        "wrote {} ({:.1} MB gzipped, {:.1} MB raw, {} samples, {} locations, {} functions) and {}",
        out.display(),
        bytes.len() as f64 / 1e6,
        raw.len() as f64 / 1e6,
        p.sample.len(),
        p.location.len(),
        p.function.len(),
        base.display()
    );
    write_fleet(&dir.join("fleet"))?;
    busy_trace(root, &dir)?;
    Ok(())
}

fn gzip(raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(raw)?;
    Ok(gz.finish()?)
}

/// Profiles in a fleet: one service's heap profile from each instance.
pub const FLEET: usize = 100;

/// `FLEET` heap profiles of the same service, as a fleet-wide merge sees
/// them: every instance runs the same code, so each profile is drawn from
/// one pool of 10,000 stacks (about 70% of them, with its own values) and
/// the merged profile is about as big as one of them, not the sum.
fn write_fleet(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let pool = generate(&Shape {
        samples: 10_000,
        seed: 0xf1ee7,
        ..Shape::default()
    });
    let mut total = 0;
    for i in 0..FLEET {
        let mut rng = Rng(0x9e37_79b9 + i as u64);
        let mut p = pool.clone();
        p.sample.retain(|_| rng.below(10) < 7);
        for s in &mut p.sample {
            let scale = 1 + rng.below(4) as i64;
            s.value.iter_mut().for_each(|v| *v *= scale);
        }
        p.time_nanos += i as i64 * 60_000_000_000;
        let bytes = gzip(&p.encode_to_vec())?;
        total += bytes.len();
        std::fs::write(dir.join(format!("{i:03}.heap.pb.gz")), bytes)?;
    }
    println!(
        "wrote {FLEET} fleet profiles (about 7,000 samples each, {:.1} MB in all) under {}",
        total as f64 / 1e6,
        dir.display()
    );
    Ok(())
}

/// The busy execution trace: `fixtures/go/busytrace` run for 5 seconds,
/// when Go is installed (Go is not installed for it: the profile
/// benchmarks do not need it).
fn busy_trace(root: &Path, dir: &Path) -> anyhow::Result<()> {
    let Some(go) = crate::fixtures::installed_go(root) else {
        println!("gen-big: no Go installed; skipping the busy execution trace");
        return Ok(());
    };
    let bin = dir.join("busytrace");
    crate::fixtures::build(&go, &root.join("fixtures/go/busytrace"), &bin)?;
    let out = dir.join("busy.trace");
    let status = std::process::Command::new(&bin)
        .arg("-out")
        .arg(&out)
        .args(["-d", "5s"])
        .status()
        .with_context(|| format!("running {}", bin.display()))?;
    anyhow::ensure!(status.success(), "{} failed ({status})", bin.display());
    println!(
        "wrote {} ({:.1} MB, a 5-second execution trace)",
        out.display(),
        std::fs::metadata(&out)?.len() as f64 / 1e6
    );
    Ok(())
}
