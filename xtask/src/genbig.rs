//! `cargo xtask gen-big`: a large allocation profile shaped like the ones
//! that make `go tool pprof` slow (≈200k samples, ≈200k distinct stacks
//! about 40 frames deep, four heap sample types, Go-like names, inlined
//! frames, a `bytes` label), written with a deterministic generator so
//! that no Go is needed and every run produces the same file; a base to
//! diff it against; a fleet of 100 smaller profiles of the same service
//! for merges; and, when Go is installed, inputs written by real Go
//! programs: a profile of the other shape (`fixtures/go/deepalloc`: about
//! 200k distinct stacks 44 frames deep over only about 4k locations, the
//! same frames recurring in most stacks), a busy 5-second execution trace
//! and a dense 8-second one (`fixtures/go/busytrace`, the dense one with more
//! goroutines and hand-offs over unbuffered channels, about 100 MB).

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
    if let Some(i) = args.iter().position(|a| a == "--fleet") {
        let n: usize = match args.get(i + 1) {
            Some(n) => n
                .parse()
                .with_context(|| format!("--fleet {n}: not a number of profiles"))?,
            None => anyhow::bail!("--fleet needs a number of profiles"),
        };
        let dir = root.join(format!("target/big/fleet-{n}"));
        write_service_fleet(&dir, n)?;
        return Ok(());
    }
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
    go_inputs(root, &dir)?;
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

/// The inputs written by real Go programs, when Go is installed (Go is
/// not installed for them: the synthetic profile's benchmarks do not
/// need it): the deep-stacks profile of `fixtures/go/deepalloc`, and the
/// busy (5 s) and dense (8 s: about 100 MB on a loaded 2-core machine)
/// execution traces of `fixtures/go/busytrace`.
fn go_inputs(root: &Path, dir: &Path) -> anyhow::Result<()> {
    let Some(go) = crate::fixtures::installed_go(root) else {
        println!("gen-big: no Go installed; skipping the deep profile and the execution traces");
        return Ok(());
    };
    let deepalloc = dir.join("deepalloc");
    crate::fixtures::build(&go, &root.join("fixtures/go/deepalloc"), &deepalloc)?;
    let deep = dir.join(DEEP);
    run_go_program(&deepalloc, &deep, &[])?;
    println!(
        "wrote {} ({:.1} MB, the allocation profile of fixtures/go/deepalloc)",
        deep.display(),
        std::fs::metadata(&deep)?.len() as f64 / 1e6
    );
    let bin = dir.join("busytrace");
    crate::fixtures::build(&go, &root.join("fixtures/go/busytrace"), &bin)?;
    for (name, args) in [
        (BUSY_TRACE, &["-d", "5s"][..]),
        (
            DENSE_TRACE,
            &["-d", "8s", "-scale", "4", "-handoff", "32"][..],
        ),
    ] {
        let out = dir.join(name);
        run_go_program(&bin, &out, args)?;
        println!(
            "wrote {} ({:.1} MB, an execution trace: busytrace {})",
            out.display(),
            std::fs::metadata(&out)?.len() as f64 / 1e6,
            args.join(" ")
        );
    }
    Ok(())
}

/// The deep-stacks profile's file name under the gen-big directory.
pub const DEEP: &str = "deep.heap.pb.gz";
/// The busy trace's file name under the gen-big directory.
pub const BUSY_TRACE: &str = "busy.trace";
/// The dense trace's file name under the gen-big directory.
pub const DENSE_TRACE: &str = "dense.trace";

fn run_go_program(bin: &Path, out: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = std::process::Command::new(bin)
        .arg("-out")
        .arg(out)
        .args(args)
        .status()
        .with_context(|| format!("running {}", bin.display()))?;
    anyhow::ensure!(status.success(), "{} failed ({status})", bin.display());
    Ok(())
}

/// Services of the generated fleet (`gen-big --fleet N`).
pub const SERVICES: [&str; 5] = ["api", "auth", "db", "search", "worker"];
/// Hours the generated fleet's profiles span.
pub const FLEET_HOURS: i64 = 10;
/// Hosts per service.
const HOSTS: usize = 20;

/// The start of the generated fleet's time range (2025-11-27 00:00 UTC).
pub const FLEET_START_NANOS: i64 = 1_764_201_600_000_000_000;

/// `gen-big --fleet N`: heap profiles of a fleet of five services, 20
/// hosts each, spread evenly over 10 hours (so one hour holds N/10), as a
/// continuous profiler collects them, laid out as
/// `DIR/service=S/version=V/hHH-TIME-hostNN.pb.gz` (the `key=value`
/// directories become labels on `rprof fleet ingest`). Each service runs
/// its own code (a pool of 3,000 stacks; each profile draws about 30% of
/// them, ≈900 samples, with its own values); halfway through, version
/// 1.8 rolls out host by host, and in it one stack in ten allocates
/// three times as much (the regression a fleet diff should find).
fn write_service_fleet(dir: &Path, n: usize) -> anyhow::Result<()> {
    let pools: Vec<pb::Profile> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, _)| {
            generate(&Shape {
                samples: 3_000,
                depth: 24,
                functions: 4_000,
                seed: 0xf1ee7 + i as u64 * 0x1000,
            })
        })
        .collect();
    let span = FLEET_HOURS * 3_600_000_000_000;
    let mut total = 0u64;
    for i in 0..n {
        let svc = i % SERVICES.len();
        let host = (i / SERVICES.len()) % HOSTS;
        let offset = (i as i128 * span as i128 / n as i128) as i64;
        // Host h switches to 1.8 at 50% + h/HOSTS * 40% of the span.
        let switch = span / 2 + span / 100 * 40 * host as i64 / HOSTS as i64;
        let version = if offset >= switch { "1.8" } else { "1.7" };
        let mut rng = Rng(0x9e37_79b9 ^ (i as u64).wrapping_mul(0x1000_0000_01b3));
        let mut p = pools[svc].clone();
        p.sample.retain(|_| rng.below(10) < 3);
        for (k, s) in p.sample.iter_mut().enumerate() {
            let mut scale = 1 + rng.below(4) as i64;
            if version == "1.8" && k % 10 == 0 {
                scale *= 3;
            }
            s.value.iter_mut().for_each(|v| *v *= scale);
        }
        p.time_nanos = FLEET_START_NANOS + offset;
        p.duration_nanos = 0;
        let hour = offset / 3_600_000_000_000;
        let sub = dir.join(format!("service={}/version={version}", SERVICES[svc]));
        std::fs::create_dir_all(&sub)?;
        let bytes = gzip(&p.encode_to_vec())?;
        total += bytes.len() as u64;
        std::fs::write(
            sub.join(format!("h{hour:02}-{:06}-host{host:02}.pb.gz", i)),
            bytes,
        )?;
    }
    println!(
        "wrote {n} fleet profiles ({} services, {FLEET_HOURS} hours, {:.1} MB gzipped) under {}",
        SERVICES.len(),
        total as f64 / 1e6,
        dir.display()
    );
    Ok(())
}
