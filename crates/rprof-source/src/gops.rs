//! The gops agent protocol (github.com/google/gops, `agent` and `signal`
//! packages): connect over TCP, write one command byte (set-GC-percent
//! adds a signed varint), read the answer until the agent closes the
//! connection. A PID is found through the port file the agent writes to
//! `$GOPS_CONFIG_DIR/<pid>` (else the user's config directory's
//! `gops/<pid>`, as Go's `os.UserConfigDir` finds it).

use crate::error::{FetchError, Problem};
use crate::progress::{Progress, Stage};
use crate::save::io_msg;
use crate::source::{GopsProfile, GopsTarget};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A gops command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// All goroutines' stacks (text).
    Stack,
    /// Run the garbage collector; answers `ok`.
    Gc,
    /// `runtime.MemStats`, one `name: value` line each.
    MemStats,
    /// The Go version the program was built with.
    Version,
    /// The heap profile (gzipped protobuf).
    HeapProfile,
    /// A 30-second CPU profile (gzipped protobuf).
    CpuProfile,
    /// Goroutines, OS threads, GOMAXPROCS, CPUs.
    Stats,
    /// A 5-second execution trace.
    Trace,
    /// Set `GOGC`; answers with the old and new values.
    SetGcPercent(i64),
}

impl Command {
    /// The command byte (gops's `signal` package).
    pub fn byte(self) -> u8 {
        match self {
            Command::Stack => 0x1,
            Command::Gc => 0x2,
            Command::MemStats => 0x3,
            Command::Version => 0x4,
            Command::HeapProfile => 0x5,
            Command::CpuProfile => 0x6,
            Command::Stats => 0x7,
            Command::Trace => 0x8,
            Command::SetGcPercent(_) => 0x10,
        }
    }

    /// What the client sends: the byte, and for set-GC-percent the value
    /// in Go's `binary.PutVarint` form in a 10-byte buffer, as gops's own
    /// client writes it (the agent stops reading at the varint's end).
    pub fn request(self) -> Vec<u8> {
        let mut out = vec![self.byte()];
        if let Command::SetGcPercent(v) = self {
            let mut buf = [0u8; 10];
            put_varint(&mut buf, v);
            out.extend_from_slice(&buf);
        }
        out
    }

    /// How long the agent works before it answers.
    pub fn duration(self) -> Option<Duration> {
        match self {
            Command::CpuProfile => GopsProfile::Cpu.duration(),
            Command::Trace => GopsProfile::Trace.duration(),
            _ => None,
        }
    }

    /// The command behind a `gops://` source.
    pub fn for_profile(p: GopsProfile) -> Command {
        match p {
            GopsProfile::Heap => Command::HeapProfile,
            GopsProfile::Cpu => Command::CpuProfile,
            GopsProfile::Trace => Command::Trace,
            GopsProfile::Stack => Command::Stack,
        }
    }
}

/// Go's `binary.PutVarint`: zig-zag, then 7 bits a byte, low first.
/// Written out because it is six lines; returns the bytes used.
fn put_varint(buf: &mut [u8; 10], v: i64) -> usize {
    let mut ux = (v as u64) << 1;
    if v < 0 {
        ux = !ux;
    }
    let mut i = 0;
    while ux >= 0x80 {
        buf[i] = ux as u8 | 0x80;
        ux >>= 7;
        i += 1;
    }
    buf[i] = ux as u8;
    i + 1
}

/// gops's config directory: `$GOPS_CONFIG_DIR`, else
/// `$XDG_CONFIG_HOME/gops`, else `$HOME/.config/gops`.
pub fn config_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = var("GOPS_CONFIG_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = var("XDG_CONFIG_HOME") {
        return Some(PathBuf::from(d).join("gops"));
    }
    var("HOME").map(|h| PathBuf::from(h).join(".config").join("gops"))
}

/// The `host:port` of an agent: a PID's port from its port file (the
/// agent listens on 127.0.0.1 for local processes).
pub fn resolve(target: &GopsTarget) -> Result<String, Problem> {
    match target {
        GopsTarget::Addr(a) => Ok(a.clone()),
        GopsTarget::Pid(pid) => {
            let path = config_dir()
                .unwrap_or_else(|| PathBuf::from(".config/gops"))
                .join(pid.to_string());
            let text = std::fs::read_to_string(&path).map_err(|e| Problem::NoAgent {
                pid: *pid,
                path: path.clone(),
                error: io_msg(&e),
            })?;
            let port = text.trim();
            if port.parse::<u16>().is_err() {
                return Err(Problem::NoAgent {
                    pid: *pid,
                    path,
                    error: format!("{port:?} is not a port"),
                });
            }
            Ok(format!("127.0.0.1:{port}"))
        }
    }
}

/// Connects to the agent and sends `cmd`; the answer is read from the
/// returned stream until EOF. `timeout` bounds connecting and each read.
pub(crate) fn connect(
    target: &GopsTarget,
    cmd: Command,
    timeout: Duration,
) -> Result<TcpStream, Problem> {
    let addr = resolve(target)?;
    let addrs: Vec<_> = addr
        .to_socket_addrs()
        .map_err(|_| Problem::Dns(addr.clone()))?
        .collect();
    let mut last = Problem::Dns(addr.clone());
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout.min(Duration::from_secs(10))) {
            Ok(conn) => {
                let _ = conn.set_read_timeout(Some(timeout));
                let _ = conn.set_write_timeout(Some(timeout));
                let mut w = &conn;
                w.write_all(&cmd.request())
                    .map_err(|e| Problem::Connect(io_msg(&e)))?;
                return Ok(conn);
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => last = Problem::Refused,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => last = Problem::Timeout(timeout),
            Err(e) => last = Problem::Connect(io_msg(&e)),
        }
    }
    Err(last)
}

pub(crate) fn read_problem(e: std::io::Error, received: u64, timeout: Duration) -> Problem {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::TimedOut | K::WouldBlock => Problem::Timeout(timeout),
        K::ConnectionReset | K::UnexpectedEof => Problem::Truncated {
            received,
            expected: None,
        },
        _ => Problem::Read {
            received,
            error: io_msg(&e),
        },
    }
}

/// Runs one command and returns the agent's whole answer (a text
/// command's output, or a profile's or trace's bytes, unvalidated).
/// `timeout` as pprof's: `None` is 1.5 × the agent's fixed duration, or
/// 60 s. Cancelling stops at the next read (within 200 ms).
pub fn request(
    target: &GopsTarget,
    cmd: Command,
    timeout: Option<Duration>,
    max_body: u64,
    cancel: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Vec<u8>, FetchError> {
    let name = format!("gops://{target}");
    let err = |p| FetchError::new(&name, p);
    let total = crate::source::pprof_timeout(timeout, cmd.duration());
    progress.stage(&name, Stage::Fetching);
    let conn = connect(target, cmd, total + Duration::from_secs(5)).map_err(err)?;
    if let Some(d) = cmd.duration() {
        progress.stage(&name, Stage::Waiting(d));
    }
    // Short reads so that cancelling and the countdown are noticed.
    let _ = conn.set_read_timeout(Some(Duration::from_millis(200)));
    let began = Instant::now();
    let deadline = began + total + Duration::from_secs(5);
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut r = &conn;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(err(Problem::Cancelled));
        }
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() as u64 > max_body {
                    return Err(err(Problem::TooLarge(max_body)));
                }
                progress.received(&name, out.len() as u64, None);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                if Instant::now() >= deadline {
                    return Err(err(Problem::Timeout(total)));
                }
                if let Some(d) = cmd.duration()
                    && out.is_empty()
                {
                    progress.countdown(&name, began.elapsed().min(d), d);
                }
            }
            Err(e) => return Err(err(read_problem(e, out.len() as u64, total))),
        }
    }
    progress.stage(
        &name,
        Stage::Done {
            bytes: out.len() as u64,
        },
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_as_go() {
        // Values from Go's binary.PutVarint.
        let cases: [(i64, &[u8]); 6] = [
            (0, &[0x00]),
            (1, &[0x02]),
            (-1, &[0x01]),
            (50, &[0x64]),
            (100, &[0xc8, 0x01]),
            (-129, &[0x81, 0x02]),
        ];
        for (v, want) in cases {
            let mut buf = [0u8; 10];
            let n = put_varint(&mut buf, v);
            assert_eq!(&buf[..n], want, "{v}");
        }
        let req = Command::SetGcPercent(100).request();
        assert_eq!(req.len(), 11);
        assert_eq!(&req[..3], &[0x10, 0xc8, 0x01]);
        assert_eq!(Command::MemStats.request(), [0x3]);
    }

    #[test]
    fn targets() {
        assert_eq!(GopsTarget::parse("4242").unwrap(), GopsTarget::Pid(4242));
        assert_eq!(
            GopsTarget::parse("127.0.0.1:9").unwrap(),
            GopsTarget::Addr("127.0.0.1:9".into())
        );
        assert!(GopsTarget::parse("nohost").is_err());
        assert!(GopsTarget::parse("h:99999").is_err());
    }
}
