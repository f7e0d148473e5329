//! Where the index lives: records delta-encoded in chunks in one
//! temporary file, and the in-memory directory of those chunks.
//!
//! A [`List`] is an append-only sequence of records kept (nearly) in
//! start-time order. Records are varint-encoded against the previous one
//! as they are pushed (the bytes waiting for their chunk are all the list
//! holds in memory); a full chunk goes to the [`Spill`] file, and the list
//! keeps a [`ChunkRef`] (offset, length, first start, running maximum of
//! the ends) so that a window query reads only the chunks that can hold
//! records in it. Memory is the directory (tens of bytes per chunk of
//! hundreds of records) plus the pending bytes, which the builder caps
//! for all lists together ([`Spill::pending`]).
//!
//! Reads use positional I/O on the file, not a memory map: pages of a
//! map count in the server's resident set, while the kernel's page cache
//! serves repeated reads as fast and is not charged to the process.

use std::fs::File;
use std::io::{self, BufWriter, Write};

/// Bytes of encoded records a list gathers before it writes a chunk.
pub(crate) const CHUNK_BYTES: usize = 8 << 10;

/// Appends `v` as a LEB128 varint.
pub(crate) use crate::varint::put_uvarint as put_uv;

/// Appends `v` zig-zag encoded.
#[inline]
pub(crate) fn put_iv(out: &mut Vec<u8>, v: i64) {
    put_uv(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// Reads a LEB128 varint; `None` if the bytes end first or it is too long.
#[inline]
pub(crate) fn get_uv(b: &mut &[u8]) -> Option<u64> {
    let mut pos = 0;
    let v = crate::varint::read_uvarint(b, &mut pos).ok();
    *b = &b[pos..];
    v
}

/// Reads a zig-zag varint.
#[inline]
pub(crate) fn get_iv(b: &mut &[u8]) -> Option<i64> {
    let u = get_uv(b)?;
    Some((u >> 1) as i64 ^ -((u & 1) as i64))
}

/// A record of a list: its time extent, and a delta encoding against the
/// record before it (the first of a chunk against `Default`).
pub(crate) trait Rec: Copy + Default {
    /// Start time (ns since the trace's start): the sort key.
    fn start(&self) -> i64;
    /// End time (`>= start`; equal for instants and counter samples).
    fn end(&self) -> i64;
    fn encode(&self, prev: &Self, out: &mut Vec<u8>);
    fn decode(prev: &Self, b: &mut &[u8]) -> Option<Self>;
}

/// The temporary file: appended to while the index is built, read with
/// positional reads afterwards.
pub(crate) struct Spill {
    out: Option<BufWriter<File>>,
    file: Option<File>,
    /// Bytes written (the offset of the next chunk).
    len: u64,
    /// Encoded bytes waiting in all lists' pending buffers.
    pub(crate) pending: usize,
}

impl Spill {
    pub(crate) fn new(file: File) -> Self {
        Spill {
            out: Some(BufWriter::with_capacity(256 << 10, file)),
            file: None,
            len: 0,
            pending: 0,
        }
    }

    pub(crate) fn append(&mut self, bytes: &[u8]) -> io::Result<u64> {
        let off = self.len;
        let w = self
            .out
            .as_mut()
            .ok_or_else(|| io::Error::other("index file already sealed"))?;
        w.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(off)
    }

    /// Ends writing: from now on the file is only read.
    pub(crate) fn seal(&mut self) -> io::Result<()> {
        if let Some(w) = self.out.take() {
            let f = w.into_inner().map_err(|e| e.into_error())?;
            self.file = Some(f);
        }
        Ok(())
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn read_at(&self, off: u64, buf: &mut [u8]) -> io::Result<()> {
        let f = self
            .file
            .as_ref()
            .ok_or_else(|| io::Error::other("index file read before it was sealed"))?;
        read_exact_at(f, buf, off)
    }
}

#[cfg(unix)]
fn read_exact_at(f: &File, buf: &mut [u8], off: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, off)
}

#[cfg(windows)]
fn read_exact_at(f: &File, mut buf: &mut [u8], mut off: u64) -> io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_read(f, buf, off)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        off += n as u64;
    }
    Ok(())
}

/// Where a chunk is, and the time extent of its records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkRef {
    off: u64,
    len: u32,
    n: u32,
    /// The smallest start in the chunk.
    min_start: i64,
    /// The smallest start in this chunk and all after it (set when the
    /// list is sealed): where a window's scan can stop, whatever the
    /// order of the records.
    rest_min_start: i64,
    /// The largest end in this chunk and all before it.
    max_end: i64,
}

/// An append-only list of records (see the module doc).
pub(crate) struct List<T: Rec> {
    chunks: Vec<ChunkRef>,
    pending: Vec<u8>,
    pending_n: u32,
    prev: T,
    min_start: i64,
    max_end: i64,
    n: u64,
}

impl<T: Rec> Default for List<T> {
    fn default() -> Self {
        List {
            chunks: Vec::new(),
            pending: Vec::new(),
            pending_n: 0,
            prev: T::default(),
            min_start: i64::MAX,
            max_end: i64::MIN,
            n: 0,
        }
    }
}

impl<T: Rec> List<T> {
    pub(crate) fn push(&mut self, x: T, sp: &mut Spill) -> io::Result<()> {
        let before = self.pending.len();
        x.encode(&self.prev, &mut self.pending);
        sp.pending += self.pending.len() - before;
        self.prev = x;
        self.pending_n += 1;
        self.n += 1;
        self.min_start = self.min_start.min(x.start());
        self.max_end = self.max_end.max(x.end());
        if self.pending.len() >= CHUNK_BYTES {
            self.flush(sp)?;
        }
        Ok(())
    }

    /// Writes the pending records as a chunk.
    pub(crate) fn flush(&mut self, sp: &mut Spill) -> io::Result<()> {
        if self.pending_n == 0 {
            return Ok(());
        }
        let off = sp.append(&self.pending)?;
        sp.pending -= self.pending.len();
        let max_end = self
            .chunks
            .last()
            .map_or(self.max_end, |c| c.max_end.max(self.max_end));
        self.chunks.push(ChunkRef {
            off,
            len: self.pending.len() as u32,
            n: self.pending_n,
            min_start: self.min_start,
            rest_min_start: i64::MIN,
            max_end,
        });
        // A fresh buffer: most lists are small, and a flushed list should
        // not keep a chunk's capacity.
        self.pending = Vec::new();
        self.pending_n = 0;
        self.prev = T::default();
        self.min_start = i64::MAX;
        self.max_end = i64::MIN;
        Ok(())
    }

    /// Writes the last records and completes the directory: the list is
    /// read-only from now on.
    pub(crate) fn seal(&mut self, sp: &mut Spill) -> io::Result<()> {
        self.flush(sp)?;
        let mut m = i64::MAX;
        for c in self.chunks.iter_mut().rev() {
            m = m.min(c.min_start);
            c.rest_min_start = m;
        }
        self.chunks.shrink_to_fit();
        Ok(())
    }

    fn read_chunk(c: &ChunkRef, sp: &Spill, out: &mut Vec<T>) -> io::Result<()> {
        let mut buf = vec![0u8; c.len as usize];
        sp.read_at(c.off, &mut buf)?;
        let mut b = &buf[..];
        let mut prev = T::default();
        for _ in 0..c.n {
            let x = T::decode(&prev, &mut b)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "corrupt index chunk"))?;
            out.push(x);
            prev = x;
        }
        Ok(())
    }

    /// Appends to `out` the records that meet `[t0, t1)`: those with
    /// `start < t1` and `end > t0`, and the instants at `t0`. Only the
    /// chunks that can hold such records are read: those from the first
    /// whose records (or earlier ones) end after `t0`, until none after
    /// starts before `t1`. Records in start order (a track's) cost the
    /// chunks the window spans; records in end order (the goroutine
    /// buckets') may cost more after a long slice. The list must be
    /// sealed.
    pub(crate) fn window(&self, sp: &Spill, t0: i64, t1: i64, out: &mut Vec<T>) -> io::Result<()> {
        debug_assert_eq!(self.pending_n, 0, "window() on an unflushed list");
        // The first chunk whose records (or earlier ones) reach past t0.
        let first = self.chunks.partition_point(|c| c.max_end < t0);
        let mut tmp = Vec::new();
        for c in &self.chunks[first..] {
            if c.rest_min_start >= t1 {
                // Nothing from here on starts in the window.
                break;
            }
            tmp.clear();
            Self::read_chunk(c, sp, &mut tmp)?;
            out.extend(
                tmp.iter()
                    .filter(|x| x.start() < t1 && (x.end() > t0 || x.start() >= t0)),
            );
        }
        Ok(())
    }

    /// Every record.
    pub(crate) fn all(&self, sp: &Spill, out: &mut Vec<T>) -> io::Result<()> {
        for c in &self.chunks {
            Self::read_chunk(c, sp, out)?;
        }
        Ok(())
    }

    /// The last record (in list order) that starts before `t`. The list
    /// must be sealed.
    pub(crate) fn last_before(&self, sp: &Spill, t: i64) -> io::Result<Option<T>> {
        let i = self.chunks.partition_point(|c| c.rest_min_start < t);
        for c in self.chunks[..i].iter().rev() {
            let mut tmp = Vec::new();
            Self::read_chunk(c, sp, &mut tmp)?;
            if let Some(x) = tmp.iter().rev().find(|x| x.start() < t) {
                return Ok(Some(*x));
            }
        }
        Ok(None)
    }

    /// Bytes of the file the list's chunks take.
    pub(crate) fn disk_bytes(&self) -> u64 {
        self.chunks.iter().map(|c| u64::from(c.len)).sum()
    }

    /// Bytes of memory the directory and pending bytes take.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<ChunkRef>() + self.pending.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Default, Debug, PartialEq)]
    struct R(i64, i64);

    impl Rec for R {
        fn start(&self) -> i64 {
            self.0
        }
        fn end(&self) -> i64 {
            self.1
        }
        fn encode(&self, prev: &Self, out: &mut Vec<u8>) {
            put_iv(out, self.0 - prev.0);
            put_iv(out, self.1 - self.0);
        }
        fn decode(prev: &Self, b: &mut &[u8]) -> Option<Self> {
            let s = prev.0 + get_iv(b)?;
            Some(R(s, s + get_iv(b)?))
        }
    }

    #[test]
    fn varints_round_trip() {
        let vals = [0i64, 1, -1, 63, -64, 64, 1 << 40, i64::MAX, i64::MIN];
        let mut out = Vec::new();
        for &v in &vals {
            put_iv(&mut out, v);
        }
        put_uv(&mut out, u64::MAX);
        let mut b = &out[..];
        for &v in &vals {
            assert_eq!(get_iv(&mut b), Some(v));
        }
        assert_eq!(get_uv(&mut b), Some(u64::MAX));
        assert!(b.is_empty());
        assert_eq!(get_uv(&mut &[0x80u8][..]), None);
    }

    #[test]
    fn window_reads_what_meets_it() {
        let mut sp = Spill::new(tempfile::tempfile().unwrap());
        let mut l = List::<R>::default();
        // 100k back-to-back records of 10ns, in several chunks.
        for i in 0..100_000 {
            l.push(R(i * 10, i * 10 + 10), &mut sp).unwrap();
            if i % 30_000 == 0 {
                l.flush(&mut sp).unwrap();
            }
        }
        l.seal(&mut sp).unwrap();
        sp.seal().unwrap();
        assert!(l.chunks.len() > 10);
        let mut out = Vec::new();
        l.window(&sp, 12_345, 23_456, &mut out).unwrap();
        let want: Vec<R> = (1234..2346).map(|i| R(i * 10, i * 10 + 10)).collect();
        assert_eq!(out, want);
        assert_eq!(
            l.last_before(&sp, 555_555).unwrap(),
            Some(R(555_550, 555_560))
        );
        assert_eq!(l.last_before(&sp, 0).unwrap(), None);
        let mut all = Vec::new();
        l.all(&sp, &mut all).unwrap();
        assert_eq!(all.len(), 100_000);
    }

    /// Records in end order (a long one ends last): a window still finds
    /// every record that meets it.
    #[test]
    fn window_in_end_order() {
        let mut sp = Spill::new(tempfile::tempfile().unwrap());
        let mut l = List::<R>::default();
        for i in 0..10_000 {
            l.push(R(i * 10 + 1_000, i * 10 + 1_005), &mut sp).unwrap();
            if i % 700 == 0 {
                l.flush(&mut sp).unwrap();
            }
        }
        l.push(R(0, 200_000), &mut sp).unwrap();
        l.seal(&mut sp).unwrap();
        sp.seal().unwrap();
        let mut out = Vec::new();
        l.window(&sp, 500, 600, &mut out).unwrap();
        assert_eq!(out, vec![R(0, 200_000)]);
        out.clear();
        l.window(&sp, 50_000, 50_020, &mut out).unwrap();
        assert_eq!(
            out,
            vec![R(50_000, 50_005), R(50_010, 50_015), R(0, 200_000)]
        );
        assert_eq!(l.last_before(&sp, 1).unwrap(), Some(R(0, 200_000)));
    }
}
