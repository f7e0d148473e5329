//! Bad input never crashes rprof, and nothing the user had is lost (issue 8).
//!
//! Every subcommand is fed inputs made from the fixtures: empty, junk,
//! truncated at several offsets (gzip, raw protobuf, text), bit-flipped,
//! the wrong kind of file (execution traces, an HTML error page, a JSON
//! body, a goroutine debug=2 dump, a PNG, an ELF binary) and a gzip bomb.
//! Each run must end with status 1 and exactly one stderr line
//! `rprof: ...` naming the file — or, when the damaged input still reads as
//! a profile, with status 0 and a correct result — never with a panic, a
//! signal, a hang, or more than 256 MiB of memory. The child's peak RSS is
//! measured with `wait4`.
//!
//! The files under `fuzz/regressions/<target>/` (crashes the fuzzers found,
//! minimised) are run here through the same entry points as the fuzz
//! targets, so they stay fixed without a nightly toolchain.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// Peak RSS allowed for any run, gzip bomb included.
const MAX_RSS_KIB: i64 = 256 * 1024;
/// A run that takes longer than this is killed and fails its test.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> Vec<u8> {
    let p = repo().join("fixtures/profiles").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A fresh directory for one test.
use rprof_testkit::scratch;

// ---------------------------------------------------------------------------
// Running the binary and measuring it.

struct Run {
    /// The exit status, `None` if a signal ended the process.
    status: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    /// Peak resident set size of the child, in KiB (`ru_maxrss`).
    max_rss_kib: i64,
    timed_out: bool,
}

/// Runs `rprof args...` in `dir`, capturing its output and, through
/// `wait4`, its peak memory.
///
/// Linux carries the old address space's high-water mark into
/// `ru_maxrss` at `exec`. With vfork (what `posix_spawn` does, and std
/// uses it when it can) the old address space is this test process's, so
/// its peak would count — and a panic's backtrace alone takes ~100 MiB
/// here. The child is therefore forked (a no-op `pre_exec` hook makes std
/// fork): its copy of the address space starts with a high-water mark of
/// this process's *current* anonymous memory (file mappings are not
/// copied). That can only over-estimate, so the tests keep their own
/// memory small (checked by [`own_rss_anon_kib`]).
fn rprof<S: AsRef<std::ffi::OsStr>>(args: &[S], dir: &Path) -> Run {
    rprof_to(args, dir, None)
}

/// Like [`rprof`], with stdout going to the file `stdout_file` (for big
/// outputs; `Run::stdout` is then empty).
fn rprof_to<S: AsRef<std::ffi::OsStr>>(args: &[S], dir: &Path, stdout_file: Option<&Path>) -> Run {
    rprof_limited(args, dir, stdout_file, None)
}

/// Like [`rprof_to`], with the child's address space (`RLIMIT_AS`) limited
/// to `max_address_space` bytes: an allocation beyond it fails, as it does
/// on a machine without overcommit or under `ulimit -v`.
fn rprof_limited<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    dir: &Path,
    stdout_file: Option<&Path>,
    max_address_space: Option<u64>,
) -> Run {
    let stdout_to = match stdout_file {
        Some(f) => Stdio::from(std::fs::File::create(f).unwrap()),
        None => Stdio::piped(),
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_rprof"));
    command
        .args(args)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(stdout_to)
        .stderr(Stdio::piped());
    // A pre_exec hook makes std fork instead of vfork (see above).
    // SAFETY: the hook only calls setrlimit, which is async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            if let Some(max) = max_address_space {
                let lim = libc::rlimit {
                    rlim_cur: max,
                    rlim_max: max,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let mut child = command.spawn().expect("spawn rprof");
    let pid = child.id() as libc::pid_t;

    // A watchdog for hangs. The child is reaped only below, by wait4, so
    // until `reaped` is set its pid cannot have been reused.
    let reaped = Arc::new(Mutex::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let watchdog = {
        let reaped = Arc::clone(&reaped);
        std::thread::spawn(move || {
            if done_rx.recv_timeout(RUN_TIMEOUT).is_err() {
                let reaped = reaped.lock().unwrap();
                if !*reaped {
                    // SAFETY: pid is our unreaped child.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return true;
                }
            }
            false
        })
    };

    let mut err_pipe = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let mut stdout = Vec::new();
    if let Some(mut pipe) = child.stdout.take() {
        let _ = pipe.read_to_end(&mut stdout);
    }
    let stderr = err_reader.join().unwrap();

    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = loop {
        // SAFETY: plain syscall on our own child with valid out pointers.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    *reaped.lock().unwrap() = true;
    let _ = done_tx.send(());
    let timed_out = watchdog.join().unwrap();
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    drop(child); // already reaped: dropping a Child neither waits nor kills

    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    Run {
        status: code,
        signal,
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        max_rss_kib: usage.ru_maxrss,
        timed_out,
    }
}

/// This test process's anonymous resident memory (what a forked child
/// starts with), in KiB.
fn own_rss_anon_kib() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// The subcommands.

/// How one subcommand is run on a bad file. `BAD` stands for the bad file,
/// `GOOD` for a valid profile of the same kind (the fixture the bad file
/// was made from), `OUT` for an output file.
struct Cmd {
    /// The subcommand as `rprof --help` lists it.
    name: &'static str,
    args: &'static [&'static str],
    /// Writes a text report (to stdout unless `-o`).
    text: bool,
}

const BAD: &str = "\0BAD";
const GOOD: &str = "\0GOOD";
const OUT: &str = "\0OUT";

const CMDS: &[Cmd] = &[
    Cmd {
        name: "top",
        args: &["top", BAD],
        text: true,
    },
    Cmd {
        name: "top",
        args: &["top", "--base", BAD, GOOD],
        text: true,
    },
    Cmd {
        name: "top",
        args: &["top", "-o", OUT, BAD],
        text: true,
    },
    Cmd {
        name: "traces",
        args: &["traces", BAD],
        text: true,
    },
    Cmd {
        name: "traces",
        args: &["traces", "-o", OUT, BAD],
        text: true,
    },
    Cmd {
        name: "raw",
        args: &["raw", BAD],
        text: true,
    },
    Cmd {
        name: "tags",
        args: &["tags", BAD],
        text: true,
    },
    Cmd {
        name: "tree",
        args: &["tree", BAD],
        text: true,
    },
    Cmd {
        name: "peek",
        args: &["peek", ".", BAD],
        text: true,
    },
    Cmd {
        name: "graph",
        args: &["graph", BAD],
        text: true,
    },
    Cmd {
        name: "list",
        args: &["list", ".", BAD],
        text: true,
    },
    Cmd {
        name: "disasm",
        args: &["disasm", ".", BAD],
        text: true,
    },
    Cmd {
        name: "comments",
        args: &["comments", BAD],
        text: true,
    },
    Cmd {
        name: "topproto",
        args: &["topproto", "-o", OUT, BAD],
        text: false,
    },
    Cmd {
        name: "flame",
        args: &["flame", BAD],
        text: true,
    },
    Cmd {
        name: "flame",
        args: &["flame", "--folded", BAD],
        text: true,
    },
    Cmd {
        name: "flame",
        args: &["flame", "--base", BAD, "-o", OUT, GOOD],
        text: true,
    },
    Cmd {
        name: "diff",
        args: &["diff", "--base", BAD, GOOD],
        text: true,
    },
    Cmd {
        name: "diff",
        args: &["diff", "--base", GOOD, BAD],
        text: true,
    },
    Cmd {
        name: "diff",
        args: &["diff", "--json", "--base", GOOD, "-o", OUT, BAD],
        text: true,
    },
    Cmd {
        name: "merge",
        args: &["merge", "-o", OUT, BAD],
        text: false,
    },
    Cmd {
        name: "merge",
        args: &["merge", "-o", OUT, GOOD, BAD],
        text: false,
    },
    Cmd {
        name: "proto",
        args: &["proto", "-o", OUT, BAD],
        text: false,
    },
    Cmd {
        name: "report",
        args: &["report", "-o", OUT, BAD],
        text: true,
    },
    Cmd {
        name: "report",
        args: &["report", "--base", BAD, "-o", OUT, GOOD],
        text: true,
    },
    Cmd {
        name: "proto",
        args: &["proto", "-o", OUT, "--diff-base", BAD, GOOD],
        text: false,
    },
    Cmd {
        name: "fetch",
        args: &["fetch", BAD, "-o", OUT],
        text: false,
    },
];

/// Commands that read no file: their bad input is a misbehaving server or
/// gops agent, fed to them by tests/live.rs.
const NETWORK_ONLY: &[&str] = &["gops", "collect"];

/// `rprof trace` reads execution traces, not profiles: it gets its own
/// bad inputs (see [`trace_cases`]).
const TRACE_CMDS: &[Cmd] = &[
    Cmd {
        name: "trace",
        args: &["trace", "dump", "--wire", BAD],
        text: true,
    },
    Cmd {
        name: "trace",
        args: &["trace", "dump", "--parsed", BAD],
        text: true,
    },
    Cmd {
        name: "trace",
        args: &["trace", "dump", "--parsed", "-o", OUT, BAD],
        text: true,
    },
];

/// The runtime diagnostics read logs, not profiles: they get their own
/// bad inputs (see [`diag_bad_inputs`]).
const DIAG_CMDS: &[Cmd] = &[
    Cmd {
        name: "goroutines",
        args: &["goroutines", "-o", OUT, BAD],
        text: true,
    },
    Cmd {
        name: "goroutines",
        args: &["goroutines", "--to-profile", "-o", OUT, BAD],
        text: false,
    },
    Cmd {
        name: "gctrace",
        args: &["gctrace", "-o", OUT, BAD],
        text: true,
    },
    Cmd {
        name: "memstats",
        args: &["memstats", "-o", OUT, BAD],
        text: true,
    },
    Cmd {
        name: "race",
        args: &["race", "-o", OUT, BAD],
        text: true,
    },
];

/// The subcommands `rprof --help` lists (without `help`).
fn listed_subcommands() -> Vec<String> {
    let run = rprof(&["--help"], &std::env::temp_dir());
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let help = String::from_utf8(run.stdout).unwrap();
    let mut in_commands = false;
    let mut names = Vec::new();
    for line in help.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            if !line.starts_with("  ") {
                break;
            }
            let name = line.split_whitespace().next().unwrap();
            if name != "help" {
                names.push(name.to_string());
            }
        }
    }
    assert!(
        !names.is_empty(),
        "no Commands: section in rprof --help:\n{help}"
    );
    names
}

/// The command variants to run: those of [`CMDS`] whose subcommand exists.
fn commands() -> Vec<&'static Cmd> {
    let listed: BTreeSet<String> = listed_subcommands().into_iter().collect();
    CMDS.iter().filter(|c| listed.contains(c.name)).collect()
}

#[test]
fn every_subcommand_is_covered() {
    // `web` serves until stopped on a readable profile; it reads its
    // inputs exactly as `report` does, which CMDS feeds bad input.
    let serves = ["web"];
    // `fleet` (feature `fleet`) reads a dataset, not profiles; its bad
    // inputs (damaged profiles at ingest, a bad query, a missing
    // dataset) are fed by fleet.rs's bad_profiles_are_reported_and_the_rest_ingested.
    let own_suite = ["fleet"];
    let known: BTreeSet<&str> = CMDS
        .iter()
        .chain(TRACE_CMDS)
        .chain(DIAG_CMDS)
        .map(|c| c.name)
        .chain(NETWORK_ONLY.iter().copied())
        .chain(serves)
        .chain(own_suite)
        .collect();
    let missing: Vec<String> = listed_subcommands()
        .into_iter()
        .filter(|n| !known.contains(n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "rprof --help lists subcommands that tests/bad_input.rs does not feed bad input: {missing:?}; add them to CMDS"
    );
}

// ---------------------------------------------------------------------------
// The bad inputs.

struct Case {
    /// File name, unique within a test; it must appear in the error.
    name: String,
    data: Vec<u8>,
    /// A valid profile of the same kind, for the other side of diff/merge.
    good: &'static str,
}

fn case(name: impl Into<String>, data: Vec<u8>, good: &'static str) -> Case {
    Case {
        name: name.into(),
        data,
        good,
    }
}

/// A small deterministic generator (xorshift64*), so junk is reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn empty_and_junk_cases() -> Vec<Case> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut gz_header_only = gzip(b"");
    gz_header_only.truncate(10);
    vec![
        case("empty.pb.gz", Vec::new(), "cpu.pb.gz"),
        case("random.pb.gz", rng.bytes(4096), "cpu.pb.gz"),
        case("random-small.pb", rng.bytes(7), "cpu.pb.gz"),
        case("ff.pb", vec![0xff; 1000], "cpu.pb.gz"),
        case("zeros.pb", vec![0; 1000], "cpu.pb.gz"),
        case("newline.txt", b"\n".to_vec(), "heap.txt"),
        case("spaces.txt", b"   \n\t\n  ".to_vec(), "heap.txt"),
        case(
            "prose.txt",
            b"hello, this is not a profile\nat all\n".to_vec(),
            "heap.txt",
        ),
        case("gzip-of-empty.pb.gz", gzip(b""), "cpu.pb.gz"),
        case("gzip-header-only.pb.gz", gz_header_only, "cpu.pb.gz"),
        case("gzip-magic-only.pb.gz", vec![0x1f, 0x8b], "cpu.pb.gz"),
        case("gzip-of-random.pb.gz", gzip(&rng.bytes(4096)), "cpu.pb.gz"),
        case("gzip-of-zeros.pb.gz", gzip(&[0; 100_000]), "cpu.pb.gz"),
    ]
}

fn truncated_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for fixture_name in ["cpu.pb.gz", "heap.pb.gz"] {
        let gz = fixture(fixture_name);
        let n = gz.len();
        // Inside the header, right after it, in the deflate data, in the
        // CRC and in the length of the trailer.
        for at in [
            1,
            2,
            3,
            9,
            10,
            11,
            100,
            n / 3,
            n / 2,
            n - 8,
            n - 5,
            n - 4,
            n - 1,
        ] {
            cases.push(case(
                format!("{fixture_name}.cut{at}"),
                gz[..at].to_vec(),
                fixture_name,
            ));
        }
        let raw = gunzip(&gz);
        let n = raw.len();
        for at in [1, 2, 3, 5, 17, 100, n / 3, n / 2, n - 3, n - 1] {
            cases.push(case(
                format!("{fixture_name}.raw.cut{at}"),
                raw[..at].to_vec(),
                fixture_name,
            ));
            // The same truncated protobuf, gzipped properly.
            cases.push(case(
                format!("{fixture_name}.raw.cut{at}.gz"),
                gzip(&raw[..at]),
                fixture_name,
            ));
        }
    }
    for fixture_name in ["heap.txt", "goroutine.txt", "mutex.txt"] {
        let txt = fixture(fixture_name);
        let n = txt.len();
        for at in [1, 5, 10, 30, 100, n / 2, n - 1] {
            cases.push(case(
                format!("{fixture_name}.cut{at}"),
                txt[..at].to_vec(),
                fixture_name,
            ));
        }
    }
    cases
}

fn bit_flip_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let flip = |data: &[u8], at: usize, bit: u8| {
        let mut d = data.to_vec();
        d[at] ^= 1 << bit;
        d
    };
    for fixture_name in ["cpu.pb.gz", "heap.pb.gz"] {
        let gz = fixture(fixture_name);
        let n = gz.len();
        // Magic, method, flags, mtime, deflate data, CRC, length.
        for (at, bit) in [
            (0, 0),
            (1, 7),
            (2, 1),
            (3, 2),
            (3, 4),
            (5, 0),
            (10, 3),
            (11, 0),
            (n / 4, 5),
            (n / 2, 6),
            (n - 6, 0),
            (n - 2, 1),
            (n - 1, 7),
        ] {
            cases.push(case(
                format!("{fixture_name}.flip{at}.{bit}"),
                flip(&gz, at, bit),
                fixture_name,
            ));
        }
        let raw = gunzip(&gz);
        let n = raw.len();
        for (at, bit) in [
            (0, 0),
            (0, 3),
            (1, 7),
            (2, 0),
            (10, 2),
            (n / 4, 7),
            (n / 3, 1),
            (n / 2, 0),
            (n - 2, 4),
            (n - 1, 0),
        ] {
            cases.push(case(
                format!("{fixture_name}.raw.flip{at}.{bit}"),
                flip(&raw, at, bit),
                fixture_name,
            ));
        }
    }
    for fixture_name in ["heap.txt", "block.txt"] {
        let txt = fixture(fixture_name);
        let n = txt.len();
        for (at, bit) in [(0, 0), (0, 5), (3, 1), (20, 4), (n / 2, 2), (n - 2, 3)] {
            cases.push(case(
                format!("{fixture_name}.flip{at}.{bit}"),
                flip(&txt, at, bit),
                fixture_name,
            ));
        }
    }
    cases
}

/// The smallest valid PNG: a 1x1 grey pixel.
fn png() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(ty);
        crc.update(data);
        out.extend_from_slice(ty);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&[0, 0x80]).unwrap();
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

fn wrong_kind_cases() -> Vec<Case> {
    let html = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1></body></html>\n".to_vec();
    let json =
        b"{\"error\":\"forbidden\",\"message\":\"profiling is disabled on this instance\"}\n"
            .to_vec();
    let dump = b"goroutine 1 [running]:\nmain.main()\n\t/home/user/app/main.go:12 +0x1d\n\ngoroutine 18 [chan receive, 2 minutes]:\nmain.worker(0xc000012345)\n\t/home/user/app/worker.go:40 +0x65\ncreated by main.main in goroutine 1\n\t/home/user/app/main.go:10 +0x2f\n".to_vec();
    // Only the head: the test process must stay small (see `rprof`).
    let mut elf = Vec::new();
    std::fs::File::open(env!("CARGO_BIN_EXE_rprof"))
        .unwrap()
        .take(64 << 10)
        .read_to_end(&mut elf)
        .unwrap();
    let trace = fixture("trace.out");
    let old_trace = fixture("trace-go119.out");
    vec![
        case("trace.out", trace.clone(), "cpu.pb.gz"),
        case("trace-go119.out", old_trace, "cpu.pb.gz"),
        case("trace.out.gz", gzip(&trace), "cpu.pb.gz"),
        case("trace-cut.out", trace[..100].to_vec(), "cpu.pb.gz"),
        case("error.html", html.clone(), "cpu.pb.gz"),
        case("error.html.pb.gz", gzip(&html), "cpu.pb.gz"),
        case(
            "error-bom.html",
            [b"\xef\xbb\xbf  \r\n".as_slice(), &html].concat(),
            "cpu.pb.gz",
        ),
        case("body.json", json.clone(), "heap.pb.gz"),
        case("body.json.gz", gzip(&json), "heap.pb.gz"),
        case("list.json", b"[1, 2, 3]".to_vec(), "heap.pb.gz"),
        case("goroutine-debug2.txt", dump.clone(), "goroutine.pb.gz"),
        case("goroutine-debug2.txt.gz", gzip(&dump), "goroutine.pb.gz"),
        case("image.png", png(), "cpu.pb.gz"),
        case("binary.elf", elf, "cpu.pb.gz"),
        case("cpu.pb.gz.gz", gzip(&fixture("cpu.pb.gz")), "cpu.pb.gz"),
    ]
}

// ---------------------------------------------------------------------------
// The checks.

/// What the library says about `data`: the profile it reads, if any.
fn library_reads(data: &[u8]) -> Option<rprof_profile::Profile> {
    rprof_profile::parse(data).ok()
}

/// Fills the placeholders of `cmd` for `bad` (already written in `dir`).
fn argv(cmd: &Cmd, bad: &str, good: &Path, out: &str) -> Vec<String> {
    cmd.args
        .iter()
        .map(|a| match *a {
            BAD => bad.to_string(),
            GOOD => good.display().to_string(),
            OUT => out.to_string(),
            a => a.to_string(),
        })
        .collect()
}

fn no_panic(run: &Run, what: &str) {
    let stdout = String::from_utf8_lossy(&run.stdout);
    for text in [run.stderr.as_str(), &stdout] {
        assert!(
            !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
            "{what}: rprof panicked:\n{}",
            run.stderr
        );
    }
    assert!(
        !run.timed_out,
        "{what}: rprof did not finish in {RUN_TIMEOUT:?}"
    );
    assert!(
        run.signal.is_none(),
        "{what}: rprof was killed by signal {:?}; stderr:\n{}",
        run.signal,
        run.stderr
    );
    assert!(
        run.max_rss_kib <= MAX_RSS_KIB,
        "{what}: peak RSS {} MiB exceeds {} MiB",
        run.max_rss_kib / 1024,
        MAX_RSS_KIB / 1024
    );
}

/// A failed run: status 1, nothing on stdout, one line on stderr that
/// starts `rprof: ` and names `file`.
fn clean_failure(run: &Run, file: &str, what: &str) {
    clean_failure_status(run, 1, file, what)
}

fn clean_failure_status(run: &Run, status: i32, file: &str, what: &str) {
    no_panic(run, what);
    assert_eq!(
        run.status,
        Some(status),
        "{what}: expected status {status}; stderr:\n{}",
        run.stderr
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: expected exactly one line on stderr, got:\n{}",
        run.stderr
    );
    assert!(
        lines[0].starts_with("rprof: "),
        "{what}: {:?} should start with `rprof: `",
        lines[0]
    );
    assert!(
        lines[0].contains(file),
        "{what}: {:?} should name {file}",
        lines[0]
    );
    assert!(
        run.stdout.is_empty(),
        "{what}: nothing on stdout for a failure, got {} bytes",
        run.stdout.len()
    );
}

/// No `.rprof-*.tmp` file was left behind in `dir`.
fn no_temp_files(dir: &Path, what: &str) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.contains(".rprof-"),
            "{what}: temporary file {name} left behind"
        );
    }
}

/// Runs every subcommand on every case and checks each outcome.
fn feed_every_command(test: &str, cases: Vec<Case>) {
    let dir = scratch(test);
    let cmds = commands();
    let mut failures = Vec::new();
    let mut runs = 0;
    for c in &cases {
        std::fs::write(dir.join(&c.name), &c.data).unwrap();
        let good = repo().join("fixtures/profiles").join(c.good);
        let read = library_reads(&c.data);
        for cmd in &cmds {
            let out = "out.file";
            let _ = std::fs::remove_file(dir.join(out));
            let args = argv(cmd, &c.name, &good, out);
            let what = format!("rprof {} (input {})", args.join(" "), c.name);
            let run = rprof(&args, &dir);
            runs += 1;
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check_outcome(&run, cmd, c, read.as_ref(), &dir, out, &what);
                no_temp_files(&dir, &what);
            }));
            if let Err(e) = result {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(msg);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {runs} runs misbehaved:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn check_outcome(
    run: &Run,
    cmd: &Cmd,
    c: &Case,
    read: Option<&rprof_profile::Profile>,
    dir: &Path,
    out: &str,
    what: &str,
) {
    no_panic(run, what);
    match (run.status, read) {
        (Some(1), _) => {
            clean_failure(run, &c.name, what);
            if cmd.args.contains(&OUT) {
                assert!(!dir.join(out).exists(), "{what}: failed, yet wrote {out}");
            }
        }
        // `rprof fetch` also copies an execution trace, once it has read
        // all of it.
        (Some(0), None) if cmd.name == "fetch" && trace_reads(&c.data) => {
            let written = std::fs::read(dir.join(out))
                .unwrap_or_else(|e| panic!("{what}: status 0 but {out}: {e}"));
            assert!(written == c.data, "{what}: the copy differs from the input");
        }
        (Some(0), None) => panic!(
            "{what}: exit status 0, but the library does not read the input as a profile ({}); stderr:\n{}",
            rprof_profile::parse(&c.data)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            run.stderr
        ),
        (Some(0), Some(p)) => {
            // Still a valid profile: the result must be right. Notes
            // (`list`: sources not found) are not errors.
            assert!(
                !run.stderr
                    .lines()
                    .any(|l| l.starts_with("rprof: ") && !l.starts_with("rprof: note: ")),
                "{what}: status 0 with an error line:\n{}",
                run.stderr
            );
            let to_stdout = !cmd.args.contains(&OUT);
            if to_stdout {
                assert!(cmd.text);
                // `tags` prints nothing for a profile without labels,
                // `comments` for one without comments (pprof's fixtures
                // have none), and folded stacks are nothing for a profile
                // without samples.
                let may_be_empty =
                    cmd.name == "tags" || cmd.name == "comments" || cmd.args.contains(&"--folded");
                assert!(
                    !run.stdout.is_empty() || may_be_empty || p.samples.values.is_empty(),
                    "{what}: status 0 and no output"
                );
            } else {
                let written = std::fs::read(dir.join(out))
                    .unwrap_or_else(|e| panic!("{what}: status 0 but {out}: {e}"));
                if !cmd.text {
                    rprof_profile::parse(&written).unwrap_or_else(|e| {
                        panic!("{what}: wrote a profile rprof cannot read: {e}")
                    });
                }
            }
            if cmd.args == ["raw", BAD] {
                let combined = rprof_profile::combine_with_base(
                    vec![p.clone()],
                    Vec::new(),
                    &rprof_profile::BaseOptions::default(),
                )
                .expect("the CLI combined it");
                let mut want = String::new();
                rprof_report::raw::write_raw(&combined, &mut want).unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&run.stdout),
                    want,
                    "{what}: raw output differs from the library's"
                );
            }
        }
        // `peek RE` on a valid profile where nothing matches (here: one
        // left without samples) is pprof's "no matches found" error,
        // which rprof treats as a usage error; so are `list RE` on such
        // a profile and `disasm RE` without the program's binary (none is
        // given here, and the profile's recorded path is another
        // machine's).
        (Some(2), Some(_))
            if ["peek", "list", "disasm"].contains(&cmd.name)
                && run.stderr.contains("no matches found") =>
        {
            clean_failure_status(run, 2, "", what);
        }
        (status, _) => panic!(
            "{what}: exit status {status:?} (want 1, or 0 for a still-valid profile); stderr:\n{}",
            run.stderr
        ),
    }
}

/// Whether the trace reader reads `data` to its end.
fn trace_reads(data: &[u8]) -> bool {
    let Ok(mut r) = rprof_trace::Reader::new(data) else {
        return false;
    };
    loop {
        match r.next_event() {
            Ok(Some(_)) => {}
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn empty_and_junk_inputs() {
    let cases = empty_and_junk_cases();
    for c in &cases {
        assert!(
            library_reads(&c.data).is_none(),
            "{} reads as a profile",
            c.name
        );
    }
    feed_every_command("junk", cases);
}

#[test]
fn truncated_inputs() {
    feed_every_command("truncated", truncated_cases());
}

#[test]
fn bit_flipped_inputs() {
    feed_every_command("flipped", bit_flip_cases());
}

#[test]
fn wrong_kind_inputs() {
    let cases = wrong_kind_cases();
    for c in &cases {
        if c.name != "cpu.pb.gz.gz" {
            assert!(
                library_reads(&c.data).is_none(),
                "{} reads as a profile",
                c.name
            );
        }
    }
    feed_every_command("wrong-kind", cases);
}

#[test]
fn wrong_kind_inputs_are_named() {
    let dir = scratch("wrong-kind-named");
    let expect: &[(&str, &str)] = &[
        // `rprof top trace.out` points to the command that reads traces.
        (
            "trace.out",
            "execution trace (read it with `rprof trace summary`",
        ),
        (
            "trace-go119.out",
            "execution trace (read it with `rprof trace",
        ),
        ("trace.out.gz", "execution trace (read it with `rprof trace"),
        ("error.html", "HTML page"),
        ("error.html.pb.gz", "HTML page"),
        ("error-bom.html", "HTML page"),
        ("body.json", "JSON"),
        ("body.json.gz", "JSON"),
        ("list.json", "JSON"),
        ("goroutine-debug2.txt", "goroutine dump"),
        ("goroutine-debug2.txt.gz", "goroutine dump"),
    ];
    let cases = wrong_kind_cases();
    let mut wrong = Vec::new();
    for (name, hint) in expect {
        let c = cases.iter().find(|c| c.name == *name).unwrap();
        std::fs::write(dir.join(name), &c.data).unwrap();
        let run = rprof(&["top", name], &dir);
        clean_failure(&run, name, &format!("rprof top {name}"));
        if !run.stderr.contains(hint) {
            wrong.push(format!(
                "{name}: {:?} should say {hint:?}",
                run.stderr.trim_end()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        wrong.is_empty(),
        "wrong-kind inputs without the right hint:\n{}",
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Output files.

#[test]
fn existing_output_file_survives_a_failed_run() {
    let dir = scratch("keep-output");
    let before = b"the user's precious file\n".to_vec();
    let cut = {
        let gz = fixture("cpu.pb.gz");
        gz[..gz.len() / 2].to_vec()
    };
    std::fs::write(dir.join("cut.pb.gz"), &cut).unwrap();
    std::fs::write(dir.join("junk.pb"), b"\x00\x01\x02 not a profile").unwrap();
    let good = repo()
        .join("fixtures/profiles/cpu.pb.gz")
        .display()
        .to_string();
    let runs: Vec<Vec<&str>> = vec![
        vec!["merge", "-o", "keep.pb.gz", "cut.pb.gz"],
        vec!["merge", "-o", "keep.pb.gz", &good, "junk.pb"],
        vec!["merge", "-o", "keep.pb.gz", &good, "missing.pb.gz"],
        vec!["proto", "-o", "keep.pb.gz", "cut.pb.gz"],
        vec!["proto", "-o", "keep.pb.gz", "junk.pb"],
        vec!["proto", "-o", "keep.pb.gz", "--base", "junk.pb", &good],
        vec!["topproto", "-o", "keep.pb.gz", "cut.pb.gz"],
        vec!["top", "-o", "keep.txt", "cut.pb.gz"],
        vec!["traces", "-o", "keep.txt", "junk.pb"],
        vec!["diff", "--base", &good, "-o", "keep.txt", "junk.pb"],
        vec!["graph", "-o", "keep.png", "cut.pb.gz"],
        vec!["flame", "-o", "keep.svg", "junk.pb"],
    ];
    let output_of = |args: &[&str]| -> String {
        let at = args.iter().position(|a| *a == "-o").unwrap();
        args[at + 1].to_string()
    };
    for args in runs {
        let out = output_of(&args);
        std::fs::write(dir.join(&out), &before).unwrap();
        let what = format!("rprof {}", args.join(" "));
        let run = rprof(&args, &dir);
        let named = args.iter().rev().find(|a| !a.contains("fixtures")).unwrap();
        clean_failure(&run, named, &what);
        assert_eq!(
            std::fs::read(dir.join(&out)).unwrap(),
            before,
            "{what}: -o file changed"
        );
        no_temp_files(&dir, &what);
    }
    // An -o name that says another kind of file is a usage error, and
    // the file stays as it was too.
    for args in [
        vec!["top", "-o", "keep.pb.gz", good.as_str()],
        vec!["graph", "-o", "keep.json", good.as_str()],
        vec!["flame", "-o", "keep.pdf", good.as_str()],
        vec!["proto", "-o", "keep.svg", good.as_str()],
    ] {
        let out = output_of(&args);
        std::fs::write(dir.join(&out), &before).unwrap();
        let what = format!("rprof {}", args.join(" "));
        let run = rprof(&args, &dir);
        clean_failure_status(&run, 2, &out, &what);
        assert_eq!(std::fs::read(dir.join(&out)).unwrap(), before, "{what}");
        no_temp_files(&dir, &what);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Execution traces (`rprof trace dump`).

fn trace_cases() -> Vec<Case> {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut cases = vec![
        case("empty.trace", Vec::new(), ""),
        case("random.trace", rng.bytes(4096), ""),
        case(
            "header-only.trace",
            b"go 1.22 trace\x00\x00\x00".to_vec(),
            "",
        ),
        case(
            "future-version.trace",
            b"go 1.99 trace\x00\x00\x00\x01\x02\x03".to_vec(),
            "",
        ),
        case(
            "ancient-version.trace",
            b"go 1.4 trace\x00\x00\x00\x00\x01\x02".to_vec(),
            "",
        ),
        case("cpu.pb.gz", fixture("cpu.pb.gz"), ""),
        case("heap.txt", fixture("heap.txt"), ""),
        case(
            "error.html",
            b"<html><body>502 Bad Gateway</body></html>".to_vec(),
            "",
        ),
        case("body.json", b"{\"error\":\"forbidden\"}".to_vec(), ""),
        case("image.png", png(), ""),
        case("trace.out.gz", gzip(&fixture("trace-go119.out")), ""),
    ];
    for name in ["trace.out", "trace-go119.out"] {
        let t = fixture(name);
        let n = t.len();
        for at in [1, 10, 15, 16, 17, 20, 100, 1000, n / 3, n / 2, n - 3, n - 1] {
            cases.push(case(format!("{name}.cut{at}"), t[..at].to_vec(), ""));
        }
        for (at, bit) in [
            (0, 0),
            (3, 1),
            (14, 0),
            (16, 0),
            (17, 3),
            (20, 7),
            (40, 2),
            (n / 4, 5),
            (n / 2, 0),
            (n - 2, 6),
        ] {
            let mut d = t.clone();
            d[at] ^= 1 << bit;
            cases.push(case(format!("{name}.flip{at}.{bit}"), d, ""));
        }
    }
    cases
}

/// Writes what the library dumps for `data` to `path`; true when it got
/// to the end without an error.
fn library_trace_dump(data: &[u8], wire: bool, path: &Path) -> bool {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let r = if wire {
        // rprof's wire dump also reads the trace through to find damage
        // that Go's -d=wire passes over in silence (a batch cut short).
        rprof_trace::dump_wire(data, &mut out).and_then(|()| {
            let mut r = rprof_trace::Reader::new(data)?;
            while r.next_event()?.is_some() {}
            Ok(())
        })
    } else {
        rprof_trace::Reader::new(data).and_then(|r| {
            rprof_trace::write_parsed(&mut r.with_total_bytes(data.len() as u64), &mut out)
        })
    };
    out.flush().unwrap();
    r.is_ok()
}

/// Whether two files have the same bytes (read in chunks: dumps are big,
/// and this process must stay small).
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(fa), Ok(fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    if fa.metadata().unwrap().len() != fb.metadata().unwrap().len() {
        return false;
    }
    let (mut ra, mut rb) = (std::io::BufReader::new(fa), std::io::BufReader::new(fb));
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = ra.read(&mut ba).unwrap();
        if n == 0 {
            return true;
        }
        rb.read_exact(&mut bb[..n]).unwrap();
        if ba[..n] != bb[..n] {
            return false;
        }
    }
}

/// Every runtime diagnostics command on damaged fixtures/diag logs: cut at
/// several offsets, bytes flipped, junk, the wrong kind of file, a huge
/// line without a newline. Each run ends with status 0 (what could be
/// read; an `-o` file written whole) or 1 (one line naming the file, the
/// `-o` file untouched), within the memory limit, never with a panic.
#[test]
fn diag_bad_inputs() {
    let listed = listed_subcommands();
    if !listed.iter().any(|c| c == "goroutines") {
        return;
    }
    let diag = repo().join("fixtures/diag");
    let mut rng = Rng(0xfeed_f00d_dead_beef);
    let mut cases = vec![
        case("empty.log", Vec::new(), ""),
        case("random.log", rng.bytes(4096), ""),
        case("cpu.pb.gz", fixture("cpu.pb.gz"), ""),
        case(
            "error.html",
            b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n".to_vec(),
            "",
        ),
        // 8 MiB without a newline: a line is capped (at 1 MiB), not kept whole.
        case("one-long-line.log", vec![b'g'; 8 << 20], ""),
    ];
    for rel in [
        "go1.27/sigquit.txt",
        "go1.27/gctrace-forced.txt",
        "go1.27/leak/vars.jsonl",
        "go1.19/race.txt",
    ] {
        let data = std::fs::read(diag.join(rel)).unwrap();
        let stem = rel.replace('/', "-");
        for frac in [1, 3, 7] {
            let cut = data.len() * frac / 8;
            cases.push(case(format!("cut{frac}-{stem}"), data[..cut].to_vec(), ""));
        }
        let mut flipped = data.clone();
        for _ in 0..64 {
            let i = (rng.next() % flipped.len() as u64) as usize;
            flipped[i] ^= 1 << (rng.next() % 8);
        }
        cases.push(case(format!("flipped-{stem}"), flipped, ""));
    }
    let dir = scratch("diag");
    let mut failures = Vec::new();
    let mut runs = 0;
    for c in &cases {
        std::fs::write(dir.join(&c.name), &c.data).unwrap();
        for cmd in DIAG_CMDS {
            let out = "out.file";
            std::fs::write(dir.join(out), "old").unwrap();
            let args = argv(cmd, &c.name, Path::new(""), out);
            let what = format!("rprof {} (input {})", args.join(" "), c.name);
            let run = rprof(&args, &dir);
            runs += 1;
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                no_panic(&run, &what);
                no_temp_files(&dir, &what);
                let written = std::fs::read(dir.join(out)).unwrap();
                match run.status {
                    Some(0) => {
                        assert!(written != b"old", "{what}: status 0 but -o not written");
                        if !cmd.text {
                            rprof_profile::parse(&written).unwrap_or_else(|e| {
                                panic!("{what}: wrote a profile rprof cannot read: {e}")
                            });
                        }
                        assert!(
                            run.stderr.lines().all(|l| l.starts_with("rprof: note: ")),
                            "{what}: status 0 with an error:\n{}",
                            run.stderr
                        );
                    }
                    Some(1) => {
                        clean_failure(&run, &c.name, &what);
                        assert_eq!(written, b"old", "{what}: failed, yet replaced -o");
                    }
                    status => panic!("{what}: exit status {status:?}; stderr:\n{}", run.stderr),
                }
            }));
            if let Err(e) = result {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(msg);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {runs} runs misbehaved:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn trace_dump_bad_inputs() {
    let listed = listed_subcommands();
    if !listed.iter().any(|c| c == "trace") {
        return;
    }
    let dir = scratch("trace");
    let mut failures = Vec::new();
    let mut runs = 0;
    for c in trace_cases() {
        std::fs::write(dir.join(&c.name), &c.data).unwrap();
        for cmd in TRACE_CMDS {
            let out = "out.file";
            let _ = std::fs::remove_file(dir.join(out));
            let args = argv(cmd, &c.name, Path::new(""), out);
            let what = format!("rprof {} (input {})", args.join(" "), c.name);
            let wire = args.iter().any(|a| a == "--wire");
            let to_file = cmd.args.contains(&OUT);
            let (stdout, want) = (dir.join("stdout.txt"), dir.join("want.txt"));
            let run = rprof_to(&args, &dir, Some(&stdout));
            runs += 1;
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                no_panic(&run, &what);
                let ok = library_trace_dump(&c.data, wire, &want);
                match run.status {
                    Some(0) => {
                        assert!(
                            ok,
                            "{what}: status 0, but the library fails on this trace; stderr:\n{}",
                            run.stderr
                        );
                        assert!(
                            run.stderr.is_empty(),
                            "{what}: status 0 with stderr:\n{}",
                            run.stderr
                        );
                        let got = if to_file {
                            dir.join(out)
                        } else {
                            stdout.clone()
                        };
                        assert!(
                            same_file(&got, &want),
                            "{what}: the dump differs from the library's"
                        );
                    }
                    Some(1) => {
                        assert!(
                            !ok,
                            "{what}: status 1, but the library reads this trace; stderr:\n{}",
                            run.stderr
                        );
                        let lines: Vec<&str> = run.stderr.lines().collect();
                        assert_eq!(
                            lines.len(),
                            1,
                            "{what}: expected one line on stderr, got:\n{}",
                            run.stderr
                        );
                        assert!(lines[0].starts_with("rprof: "), "{what}: {:?}", lines[0]);
                        assert!(
                            lines[0].contains(&c.name),
                            "{what}: {:?} should name {}",
                            lines[0],
                            c.name
                        );
                        // The dump up to the damage may come first, and then
                        // it is the library's.
                        if !to_file {
                            let empty = std::fs::metadata(&stdout).unwrap().len() == 0;
                            assert!(
                                empty || same_file(&stdout, &want),
                                "{what}: partial dump differs from the library's"
                            );
                        }
                    }
                    status => panic!("{what}: exit status {status:?}; stderr:\n{}", run.stderr),
                }
                no_temp_files(&dir, &what);
            }));
            if let Err(e) = result {
                failures.push(e.downcast_ref::<String>().cloned().unwrap_or_default());
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {runs} runs misbehaved:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn existing_output_file_survives_a_failed_trace_dump() {
    let listed = listed_subcommands();
    if !listed.iter().any(|c| c == "trace") {
        return;
    }
    let dir = scratch("keep-output-trace");
    let before = b"the user's precious file\n".to_vec();
    let t = fixture("trace.out");
    std::fs::write(dir.join("cut.trace"), &t[..t.len() / 2]).unwrap();
    std::fs::write(dir.join("junk.trace"), b"\x00\x01 not a trace").unwrap();
    for args in [
        ["trace", "dump", "--wire", "-o", "keep.txt", "junk.trace"],
        ["trace", "dump", "--parsed", "-o", "keep.txt", "junk.trace"],
        ["trace", "dump", "--wire", "-o", "keep.txt", "cut.trace"],
        ["trace", "dump", "--parsed", "-o", "keep.txt", "cut.trace"],
    ] {
        std::fs::write(dir.join("keep.txt"), &before).unwrap();
        let what = format!("rprof {}", args.join(" "));
        let run = rprof(&args, &dir);
        no_panic(&run, &what);
        assert_eq!(run.status, Some(1), "{what}: {}", run.stderr);
        assert!(
            std::fs::read(dir.join("keep.txt")).unwrap() == before,
            "{what}: the run failed (status 1: {}), yet replaced the existing -o file (issue 8: a failed run never leaves a half-written or clobbered -o file)",
            run.stderr.trim_end()
        );
        no_temp_files(&dir, &what);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Gzip bombs.

/// CRC-32 (gzip's) of `a ++ b` from the CRCs of `a` and `b` and the length
/// of `b` (zlib's `crc32_combine`, by GF(2) matrix squaring).
fn crc32_combine(crc1: u32, crc2: u32, mut len2: u64) -> u32 {
    fn times(mat: &[u32; 32], mut vec: u32) -> u32 {
        let mut sum = 0;
        let mut i = 0;
        while vec != 0 {
            if vec & 1 != 0 {
                sum ^= mat[i];
            }
            vec >>= 1;
            i += 1;
        }
        sum
    }
    fn square(mat: &[u32; 32]) -> [u32; 32] {
        std::array::from_fn(|n| times(mat, mat[n]))
    }
    if len2 == 0 {
        return crc1;
    }
    // The operator for one zero bit, then two, then four.
    let mut odd = [0u32; 32];
    odd[0] = 0xedb8_8320;
    for (n, v) in odd.iter_mut().enumerate().skip(1) {
        *v = 1 << (n - 1);
    }
    let mut even = square(&odd);
    odd = square(&even);
    let mut crc1 = crc1;
    loop {
        even = square(&odd);
        if len2 & 1 != 0 {
            crc1 = times(&even, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
        odd = square(&even);
        if len2 & 1 != 0 {
            crc1 = times(&odd, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
    }
    crc1 ^ crc2
}

/// A single-member gzip file that inflates to `chunks` MiB of zeros.
///
/// Deflating gigabytes in a debug build takes minutes, so one MiB of zeros
/// is deflated (by flate2, streaming, ending in a full flush: byte-aligned,
/// referring to nothing before it) and that block is repeated; a final
/// empty block and the real CRC and length close the stream. `gzip -t`
/// accepts the result.
fn zeros_bomb(chunks: u64) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    const CHUNK: usize = 1 << 20;
    let zeros = vec![0u8; CHUNK];
    let deflate = |input: &[u8], flush: FlushCompress| {
        let mut c = Compress::new(Compression::best(), false);
        let mut out = Vec::with_capacity(64 << 10);
        let status = c.compress_vec(input, &mut out, flush).unwrap();
        assert_eq!(c.total_in(), input.len() as u64, "{status:?}");
        out
    };
    let block = deflate(&zeros, FlushCompress::Full);
    let last = deflate(&[], FlushCompress::Finish);

    let mut crc_chunk = flate2::Crc::new();
    crc_chunk.update(&zeros);
    let mut crc = 0u32;
    for _ in 0..chunks {
        crc = crc32_combine(crc, crc_chunk.sum(), CHUNK as u64);
    }

    let mut out = Vec::with_capacity(10 + block.len() * chunks as usize + last.len() + 8);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    for _ in 0..chunks {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&last);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&((chunks * CHUNK as u64) as u32).to_le_bytes());
    out
}

#[test]
fn zeros_bomb_is_a_valid_gzip_stream() {
    // Small enough to inflate here: the construction, CRC and length are
    // right (the 2 GiB one is made the same way).
    let bomb = zeros_bomb(5);
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&bomb[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated.len(), 5 << 20);
    assert!(inflated.iter().all(|&b| b == 0));
    // And the combine matches a direct CRC.
    let mut direct = flate2::Crc::new();
    direct.update(&inflated);
    assert_eq!(
        u32::from_le_bytes(bomb[bomb.len() - 8..bomb.len() - 4].try_into().unwrap()),
        direct.sum()
    );
}

/// The 2 GiB bomb, built once per target directory.
fn two_gib_bomb() -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad-input-zeros-2GiB.gz");
    static BUILD: std::sync::Once = std::sync::Once::new();
    BUILD.call_once(|| {
        if std::fs::metadata(&path).is_err() {
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, zeros_bomb(2048)).unwrap();
            std::fs::rename(&tmp, &path).unwrap();
        }
    });
    path
}

#[test]
fn gzip_bomb_stops_early_in_every_command() {
    let dir = scratch("bomb");
    let bomb = std::fs::read(two_gib_bomb()).unwrap();
    // The measured peaks include this process's own (see `rprof`).
    let own = own_rss_anon_kib();
    assert!(
        own < MAX_RSS_KIB / 2,
        "the test process itself holds {} MiB",
        own / 1024
    );
    assert!(bomb.len() < 4 << 20, "the bomb is {} bytes", bomb.len());
    std::fs::write(dir.join("bomb.pb.gz"), &bomb).unwrap();
    let good = repo().join("fixtures/profiles/cpu.pb.gz");
    let mut failures = Vec::new();
    let listed = listed_subcommands();
    let trace_cmds = TRACE_CMDS
        .iter()
        .filter(|c| listed.iter().any(|l| l == c.name));
    for cmd in commands().into_iter().chain(trace_cmds) {
        let args = argv(cmd, "bomb.pb.gz", &good, "out.file");
        let what = format!("rprof {}", args.join(" "));
        let run = rprof(&args, &dir);
        eprintln!(
            "{what}: status {:?}, peak RSS {} MiB",
            run.status,
            run.max_rss_kib / 1024
        );
        if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            clean_failure(&run, "bomb.pb.gz", &what);
            assert!(!dir.join("out.file").exists(), "{what}: wrote its output");
        })) {
            failures.push(e.downcast_ref::<String>().cloned().unwrap_or_default());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn gzip_bomb_error_names_the_flag() {
    let dir = scratch("bomb-flag");
    std::fs::copy(two_gib_bomb(), dir.join("bomb.pb.gz")).unwrap();
    let run = rprof(&["top", "bomb.pb.gz"], &dir);
    clean_failure(&run, "bomb.pb.gz", "rprof top bomb.pb.gz");
    assert!(
        run.stderr.contains("--max-inflate"),
        "the error should name the flag that raises the limit: {}",
        run.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn max_inflate_raises_the_limit() {
    // 200 MiB of zeros in ~200 KB: past the default ratio cap, within an
    // explicit --max-inflate, after which the zeros are no profile.
    let dir = scratch("max-inflate");
    std::fs::write(dir.join("zeros.pb.gz"), zeros_bomb(200)).unwrap();
    let capped = rprof(&["top", "zeros.pb.gz"], &dir);
    clean_failure(&capped, "zeros.pb.gz", "rprof top zeros.pb.gz");
    assert!(capped.stderr.contains("--max-inflate"), "{}", capped.stderr);

    let raised = rprof(&["top", "--max-inflate", "1g", "zeros.pb.gz"], &dir);
    no_panic_except_memory(&raised, "rprof top --max-inflate 1g zeros.pb.gz");
    clean_failure_except_memory(
        &raised,
        "zeros.pb.gz",
        "rprof top --max-inflate 1g zeros.pb.gz",
    );
    assert!(
        !raised.stderr.contains("--max-inflate"),
        "{}",
        raised.stderr
    );

    let tiny = rprof(&["top", "--max-inflate", "1k", "zeros.pb.gz"], &dir);
    clean_failure(
        &tiny,
        "zeros.pb.gz",
        "rprof top --max-inflate 1k zeros.pb.gz",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn max_inflate_without_limit_reads_a_normal_profile() {
    // The largest value --max-inflate accepts must not overflow anything.
    let good = repo()
        .join("fixtures/profiles/cpu.pb.gz")
        .display()
        .to_string();
    let dir = scratch("max-inflate-max");
    let normal = rprof(&["top", &good], &dir);
    assert_eq!(normal.status, Some(0), "{}", normal.stderr);
    for max in ["18446744073709551615", "16777215t", "8g"] {
        let run = rprof(&["top", "--max-inflate", max, &good], &dir);
        no_panic(&run, &format!("rprof top --max-inflate {max}"));
        assert_eq!(run.status, Some(0), "--max-inflate {max}: {}", run.stderr);
        assert_eq!(run.stdout, normal.stdout, "--max-inflate {max}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn gzip_trailer_size_is_not_trusted() {
    // 10 bytes of gzip data whose trailer claims 4 GiB (ISIZE 0xffffffff):
    // the claim must not be allocated up front. Under a 1 GiB address
    // space (plenty for rprof: the real profiles below read fine) the
    // answer must still be a clean error, not an abort.
    let dir = scratch("isize");
    let mut forged = gzip(b"xxxxxxxxxx");
    let n = forged.len();
    forged[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(dir.join("forged.pb.gz"), &forged).unwrap();
    let good = repo()
        .join("fixtures/profiles/heap.pb.gz")
        .display()
        .to_string();
    const AS_LIMIT: u64 = 1 << 30;
    let sane = rprof_limited(
        &["top", "--max-inflate", "8g", &good],
        &dir,
        None,
        Some(AS_LIMIT),
    );
    assert_eq!(
        sane.status,
        Some(0),
        "a normal profile under the address-space limit: {}",
        sane.stderr
    );
    for args in [
        vec!["top", "forged.pb.gz"],
        vec!["top", "--max-inflate", "8g", "forged.pb.gz"],
        vec![
            "merge",
            "--max-inflate",
            "3g",
            "-o",
            "out.pb.gz",
            "forged.pb.gz",
        ],
    ] {
        let what = format!("rprof {} (address space limited to 1 GiB)", args.join(" "));
        let run = rprof_limited(&args, &dir, None, Some(AS_LIMIT));
        clean_failure(&run, "forged.pb.gz", &what);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// [`no_panic`] without the memory bound (for a run allowed to inflate
/// a lot on purpose).
fn no_panic_except_memory(run: &Run, what: &str) {
    let relaxed = Run {
        status: run.status,
        signal: run.signal,
        stdout: run.stdout.clone(),
        stderr: run.stderr.clone(),
        max_rss_kib: 0,
        timed_out: run.timed_out,
    };
    no_panic(&relaxed, what);
}

fn clean_failure_except_memory(run: &Run, file: &str, what: &str) {
    let relaxed = Run {
        status: run.status,
        signal: run.signal,
        stdout: run.stdout.clone(),
        stderr: run.stderr.clone(),
        max_rss_kib: 0,
        timed_out: run.timed_out,
    };
    clean_failure(&relaxed, file, what);
}

// ---------------------------------------------------------------------------
// Fuzzer findings: fuzz/regressions/<target>/* through the fuzz targets'
// entry points, in process (a panic fails the test).

fn regression_files(target: &str) -> Vec<PathBuf> {
    let dir = repo().join("fuzz/regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    files
}

/// Runs `f` on each regression file of `target`; collects the panics.
fn each_regression(target: &str, f: impl Fn(&[u8]) + std::panic::RefUnwindSafe) {
    let mut failures = Vec::new();
    for path in regression_files(target) {
        let data = std::fs::read(&path).unwrap();
        if let Err(e) = std::panic::catch_unwind(|| f(&data)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {msg}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz regressions ({target}) panic again:\n{}",
        failures.join("\n")
    );
}

/// The `report` fuzz target's body (fuzz/fuzz_targets/report.rs).
fn report_pipeline(data: &[u8]) {
    use rprof_report::{Report, ReportOptions};
    let Ok(p) = rprof_profile::parse(data) else {
        return;
    };
    let opts = ReportOptions::default();
    if let Ok(r) = Report::new(&p, &opts) {
        let mut out = String::new();
        rprof_report::top::write_top(&r, &mut out);
        out.clear();
        rprof_report::traces::write_traces(&r, &mut out);
        out.clear();
        rprof_report::tags::write_tags(&r, &mut out);
    }
    let mut raw = String::new();
    let _ = rprof_report::raw::write_raw(&p, &mut raw);
    let Ok(mut c) = rprof_profile::combine(vec![p]) else {
        return;
    };
    let Ok(applied) = rprof_report::filters::apply(&mut c, &opts) else {
        return;
    };
    if let Ok(r) = Report::with_applied(&c, &opts, &applied) {
        let mut out = String::new();
        rprof_report::top::write_top(&r, &mut out);
        out.clear();
        rprof_report::traces::write_traces(&r, &mut out);
    }
    let bytes = rprof_profile::encode(&c);
    if let Err(e) = rprof_profile::decode(&bytes) {
        panic!("rprof wrote a profile it cannot read back: {e}");
    }
}

/// The `trace` fuzz target's body (fuzz/fuzz_targets/trace.rs).
fn trace_reader(data: &[u8]) {
    let _ = rprof_trace::dump_wire(data, std::io::sink());
    if let Ok(r) = rprof_trace::Reader::new(data) {
        let _ =
            rprof_trace::write_parsed(&mut r.with_total_bytes(data.len() as u64), std::io::sink());
    }
}

#[test]
fn fuzz_regressions_proto() {
    each_regression("proto", |d| {
        let _ = rprof_profile::decode(d);
    });
}

#[test]
fn fuzz_regressions_text() {
    each_regression("text", |d| {
        let _ = rprof_profile::parse_legacy(d);
    });
}

#[test]
fn fuzz_regressions_parse() {
    each_regression("parse", |d| {
        use rprof_profile::ReadOptions;
        let _ = rprof_profile::parse(d);
        let limits = [
            ReadOptions {
                max_decompressed: 1 << 24,
                ..ReadOptions::default()
            },
            ReadOptions {
                max_decompressed: 64,
                ..ReadOptions::default()
            },
            // A second thread inflating while the samples are read.
            ReadOptions {
                prefetch_min: 0,
                ..ReadOptions::default()
            },
            ReadOptions {
                max_ratio: 2,
                ratio_floor: 16,
                ..ReadOptions::default()
            },
            // What `rprof --max-inflate 18446744073709551615` asks for.
            ReadOptions {
                max_decompressed: u64::MAX,
                max_ratio: u64::MAX,
                ..ReadOptions::default()
            },
        ];
        for opts in &limits {
            let _ = rprof_profile::parse_with(d, opts);
        }
    });
}

#[test]
fn fuzz_regressions_report() {
    each_regression("report", report_pipeline);
}

#[test]
fn fuzz_regressions_trace() {
    each_regression("trace", trace_reader);
}

/// Every regression input is also bad (or odd) input for the binary.
#[test]
fn fuzz_regressions_through_the_binary() {
    let dir = scratch("fuzz-regressions");
    let mut failures = Vec::new();
    let mut check = |what: String, run: Run, name: &str, profile: bool| {
        if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            no_panic(&run, &what);
            if profile && run.status != Some(0) {
                clean_failure(&run, name, &what);
            }
            assert!(
                matches!(run.status, Some(0 | 1)),
                "{what}: status {:?}: {}",
                run.status,
                run.stderr
            );
        })) {
            failures.push(e.downcast_ref::<String>().cloned().unwrap_or_default());
        }
    };
    for target in ["proto", "text", "parse", "report"] {
        for path in regression_files(target) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            std::fs::copy(&path, dir.join(&name)).unwrap();
            for cmd in ["top", "traces", "raw"] {
                let run = rprof(&[cmd, &name], &dir);
                check(
                    format!("rprof {cmd} fuzz/regressions/{target}/{name}"),
                    run,
                    &name,
                    true,
                );
            }
        }
    }
    for path in regression_files("trace") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(&path, dir.join(&name)).unwrap();
        for mode in ["--wire", "--parsed"] {
            let run = rprof_to(
                &["trace", "dump", mode, &name],
                &dir,
                Some(&dir.join("dump.txt")),
            );
            check(
                format!("rprof trace dump {mode} fuzz/regressions/trace/{name}"),
                run,
                &name,
                false,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
