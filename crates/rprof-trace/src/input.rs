//! A small buffered byte source over any `Read`, counting the offset
//! (the readers report where a trace went bad).

use std::io::{self, Read};

use crate::varint::{MAX_VARINT_LEN64, VarintError};

const BUF_SIZE: usize = 64 << 10;

pub(crate) struct Input<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    /// Offset in the stream of `buf[0]`.
    base: u64,
    eof: bool,
}

/// Why a uvarint could not be read from the stream.
#[derive(Debug)]
pub(crate) enum ReadVarintError {
    Varint(VarintError),
    Io(io::Error),
}

impl<R: Read> Input<R> {
    pub(crate) fn new(inner: R) -> Self {
        Input {
            inner,
            buf: vec![0u8; BUF_SIZE].into_boxed_slice(),
            pos: 0,
            len: 0,
            base: 0,
            eof: false,
        }
    }

    /// The stream offset of the next byte.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Refills the buffer when it is empty; returns false at end of stream.
    fn fill(&mut self) -> io::Result<bool> {
        if self.pos < self.len {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.base += self.len as u64;
        self.pos = 0;
        self.len = 0;
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Up to `n` bytes without consuming them (fewer only at end of stream).
    pub(crate) fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        debug_assert!(n <= BUF_SIZE);
        if self.len - self.pos < n && !self.eof {
            // Move what is left to the front and read more.
            self.buf.copy_within(self.pos..self.len, 0);
            self.base += self.pos as u64;
            self.len -= self.pos;
            self.pos = 0;
            while self.len < n && !self.eof {
                match self.inner.read(&mut self.buf[self.len..]) {
                    Ok(0) => self.eof = true,
                    Ok(k) => self.len += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let end = self.len.min(self.pos + n);
        Ok(&self.buf[self.pos..end])
    }

    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(self.pos + n <= self.len);
        self.pos += n;
    }

    /// The next byte, or `None` at end of stream.
    #[inline]
    pub(crate) fn read_byte(&mut self) -> io::Result<Option<u8>> {
        if self.pos < self.len || self.fill()? {
            let b = self.buf[self.pos];
            self.pos += 1;
            Ok(Some(b))
        } else {
            Ok(None)
        }
    }

    /// Go's `binary.ReadUvarint` on this stream.
    #[inline]
    pub(crate) fn read_uvarint(&mut self) -> Result<u64, ReadVarintError> {
        // Fast path: the whole varint is buffered.
        if self.len - self.pos >= MAX_VARINT_LEN64 {
            let mut p = self.pos;
            let r = crate::varint::read_uvarint(&self.buf[..self.len], &mut p);
            self.pos = p;
            return r.map_err(ReadVarintError::Varint);
        }
        match crate::varint::read_uvarint_from(|| self.read_byte()) {
            Ok(r) => r.map_err(ReadVarintError::Varint),
            Err(e) => Err(ReadVarintError::Io(e)),
        }
    }

    /// Appends up to `n` bytes to `out`; returns how many were appended
    /// (fewer than `n` only at end of stream).
    pub(crate) fn read_into(&mut self, out: &mut Vec<u8>, n: u64) -> io::Result<u64> {
        let mut left = n;
        while left > 0 {
            if !(self.pos < self.len || self.fill()?) {
                break;
            }
            let take = ((self.len - self.pos) as u64).min(left) as usize;
            out.extend_from_slice(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
            left -= take as u64;
        }
        Ok(n - left)
    }
}
