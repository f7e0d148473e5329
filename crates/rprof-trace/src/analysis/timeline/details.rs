//! What a click on a slice shows, stored by slice ID: the goroutine, the
//! times, why it ended, its stacks and the event that let it run.
//!
//! Records are numbered in the order they are written and varint-encoded
//! in chunks of [`PER_CHUNK`]; memory is one offset per chunk. Fetching
//! record `i` reads and decodes its chunk.

use std::io;

use super::store::{Spill, get_iv, get_uv, put_iv, put_uv};

const PER_CHUNK: u32 = 64;

/// What a detail record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub(crate) enum Kind {
    /// A goroutine's time on a P (the proc view).
    #[default]
    ExecProc = 0,
    /// A goroutine's time on a thread (the thread and goroutine views).
    ExecThread = 1,
    Syscall = 2,
    Task = 3,
    Region = 4,
    Log = 5,
}

impl Kind {
    fn from_u8(v: u8) -> Option<Kind> {
        Some(match v {
            0 => Kind::ExecProc,
            1 => Kind::ExecThread,
            2 => Kind::Syscall,
            3 => Kind::Task,
            4 => Kind::Region,
            5 => Kind::Log,
            _ => return None,
        })
    }
}

/// How an execution slice ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub(crate) enum End {
    #[default]
    None = 0,
    /// Stopped, still runnable (preempted, yield...).
    Runnable = 1,
    /// Blocked (the reason says on what).
    Waiting = 2,
    /// The goroutine exited.
    Exit = 3,
    /// Its P was taken while it was in a syscall (proc view).
    SyscallLostP = 4,
    /// Still running when the trace (or window) ended.
    Unfinished = 5,
    /// Left the thread after a blocking syscall (thread view).
    SyscallBlocked = 6,
}

impl End {
    fn from_u8(v: u8) -> End {
        match v {
            1 => End::Runnable,
            2 => End::Waiting,
            3 => End::Exit,
            4 => End::SyscallLostP,
            5 => End::Unfinished,
            6 => End::SyscallBlocked,
            _ => End::None,
        }
    }
}

/// One record (see the module doc). Strings and stacks are interned IDs.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Detail {
    pub(crate) kind: Kind,
    pub(crate) g: i64,
    pub(crate) p: i64,
    pub(crate) m: i64,
    pub(crate) start: i64,
    pub(crate) end: i64,
    /// The goroutine's start function, the task or region type.
    pub(crate) name: u32,
    /// The goroutine's label (e.g. `GC (dedicated)`), or 0.
    pub(crate) label: u32,
    pub(crate) end_state: End,
    /// The block or stop reason.
    pub(crate) reason: u32,
    pub(crate) start_stack: u32,
    pub(crate) end_stack: u32,
    /// What let the goroutine run (`unblock (chan receive)`, `go`...), or 0.
    pub(crate) cause: u32,
    pub(crate) cause_time: i64,
    pub(crate) cause_p: i64,
    pub(crate) cause_m: i64,
    pub(crate) cause_g: i64,
    pub(crate) cause_stack: u32,
    /// Kind-specific: a task's ID, a region's or log's task, whether a
    /// syscall blocked.
    pub(crate) x: i64,
    /// A task's parent; the goroutine that ended a task.
    pub(crate) y: i64,
    /// A log message.
    pub(crate) text: Option<Box<str>>,
}

/// What a record is delta-encoded against: the previous one in its chunk.
#[derive(Debug, Clone, Copy, Default)]
struct Prev {
    g: i64,
    p: i64,
    m: i64,
    start: i64,
}

impl Prev {
    fn of(d: &Detail) -> Prev {
        Prev {
            g: d.g,
            p: d.p,
            m: d.m,
            start: d.start,
        }
    }
}

impl Detail {
    fn encode(&self, prev: Prev, out: &mut Vec<u8>) {
        out.push(self.kind as u8);
        put_iv(out, self.g.wrapping_sub(prev.g));
        put_iv(out, self.p.wrapping_sub(prev.p));
        put_iv(out, self.m.wrapping_sub(prev.m));
        put_iv(out, self.start.wrapping_sub(prev.start));
        put_iv(out, self.end - self.start);
        put_uv(out, self.name.into());
        put_uv(out, self.label.into());
        out.push(self.end_state as u8);
        put_uv(out, self.reason.into());
        put_uv(out, self.start_stack.into());
        put_uv(out, self.end_stack.into());
        put_uv(out, self.cause.into());
        if self.cause != 0 {
            put_iv(out, self.start - self.cause_time);
            put_iv(out, self.cause_p);
            put_iv(out, self.cause_m);
            put_iv(out, self.cause_g);
            put_uv(out, self.cause_stack.into());
        }
        put_iv(out, self.x);
        put_iv(out, self.y);
        let text = self.text.as_deref().unwrap_or("");
        put_uv(out, text.len() as u64);
        out.extend_from_slice(text.as_bytes());
    }

    fn decode(prev: Prev, b: &mut &[u8]) -> Option<Detail> {
        let (&kind, rest) = b.split_first()?;
        *b = rest;
        let u32_of = |v: u64| u32::try_from(v).ok();
        let mut d = Detail {
            kind: Kind::from_u8(kind)?,
            g: prev.g.wrapping_add(get_iv(b)?),
            p: prev.p.wrapping_add(get_iv(b)?),
            m: prev.m.wrapping_add(get_iv(b)?),
            start: prev.start.wrapping_add(get_iv(b)?),
            ..Detail::default()
        };
        d.end = d.start + get_iv(b)?;
        d.name = u32_of(get_uv(b)?)?;
        d.label = u32_of(get_uv(b)?)?;
        let (&es, rest) = b.split_first()?;
        *b = rest;
        d.end_state = End::from_u8(es);
        d.reason = u32_of(get_uv(b)?)?;
        d.start_stack = u32_of(get_uv(b)?)?;
        d.end_stack = u32_of(get_uv(b)?)?;
        d.cause = u32_of(get_uv(b)?)?;
        if d.cause != 0 {
            d.cause_time = d.start - get_iv(b)?;
            d.cause_p = get_iv(b)?;
            d.cause_m = get_iv(b)?;
            d.cause_g = get_iv(b)?;
            d.cause_stack = u32_of(get_uv(b)?)?;
        }
        d.x = get_iv(b)?;
        d.y = get_iv(b)?;
        let n = usize::try_from(get_uv(b)?).ok()?;
        if n > 0 {
            let (t, rest) = b.split_at_checked(n)?;
            *b = rest;
            d.text = Some(String::from_utf8_lossy(t).into());
        }
        Some(d)
    }
}

/// The records, by ID.
#[derive(Default)]
pub(crate) struct Details {
    /// (offset, length) of each full chunk.
    index: Vec<(u64, u32)>,
    pending: Vec<u8>,
    pending_n: u32,
    prev: Prev,
    n: u64,
}

impl Details {
    /// Stores `d`; returns its ID.
    pub(crate) fn push(&mut self, d: &Detail, sp: &mut Spill) -> io::Result<u64> {
        let id = self.n;
        let before = self.pending.len();
        d.encode(self.prev, &mut self.pending);
        self.prev = Prev::of(d);
        sp.pending += self.pending.len() - before;
        self.n += 1;
        self.pending_n += 1;
        if self.pending_n == PER_CHUNK {
            self.write_chunk(sp)?;
        }
        Ok(id)
    }

    fn write_chunk(&mut self, sp: &mut Spill) -> io::Result<()> {
        if self.pending_n == 0 {
            return Ok(());
        }
        let off = sp.append(&self.pending)?;
        sp.pending -= self.pending.len();
        self.index.push((off, self.pending.len() as u32));
        self.pending.clear();
        self.prev = Prev::default();
        self.pending_n = 0;
        Ok(())
    }

    /// Writes the last, partial chunk.
    pub(crate) fn seal(&mut self, sp: &mut Spill) -> io::Result<()> {
        self.write_chunk(sp)?;
        self.pending = Vec::new();
        Ok(())
    }

    pub(crate) fn len(&self) -> u64 {
        self.n
    }

    /// Record `id`, if there is one.
    pub(crate) fn get(&self, sp: &Spill, id: u64) -> io::Result<Option<Detail>> {
        if id >= self.n {
            return Ok(None);
        }
        let Some(&(off, len)) = self.index.get((id / u64::from(PER_CHUNK)) as usize) else {
            return Ok(None);
        };
        let mut buf = vec![0u8; len as usize];
        sp.read_at(off, &mut buf)?;
        let mut b = &buf[..];
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "corrupt index detail chunk");
        let mut prev = Prev::default();
        for _ in 0..id % u64::from(PER_CHUNK) {
            prev = Prev::of(&Detail::decode(prev, &mut b).ok_or_else(bad)?);
        }
        Detail::decode(prev, &mut b).map(Some).ok_or_else(bad)
    }

    pub(crate) fn disk_bytes(&self) -> u64 {
        self.index.iter().map(|c| u64::from(c.1)).sum()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.index.capacity() * 16 + self.pending.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_round_trip() {
        let mut sp = Spill::new(tempfile::tempfile().unwrap());
        let mut ds = Details::default();
        let mk = |i: i64| Detail {
            kind: Kind::ExecThread,
            g: i,
            p: i % 3 - 1,
            m: 1000 + i,
            start: i * 100,
            end: i * 100 + 7,
            name: i as u32,
            end_state: End::Waiting,
            cause: (i % 2) as u32,
            cause_time: i * 100 - 5,
            cause_g: -1,
            text: (i % 5 == 0).then(|| format!("<b>{i}</b>").into()),
            ..Detail::default()
        };
        for i in 0..1000 {
            assert_eq!(ds.push(&mk(i), &mut sp).unwrap(), i as u64);
        }
        ds.seal(&mut sp).unwrap();
        sp.seal().unwrap();
        for i in [0, 1, 63, 64, 65, 500, 999] {
            let d = ds.get(&sp, i as u64).unwrap().unwrap();
            let mut want = mk(i);
            if want.cause == 0 {
                want.cause_time = 0;
                want.cause_g = 0;
            }
            assert_eq!(d, want);
        }
        assert!(ds.get(&sp, 1000).unwrap().is_none());
    }
}
