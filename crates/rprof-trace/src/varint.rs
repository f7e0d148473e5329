//! Unsigned LEB128 varints with exactly the results of Go's
//! `encoding/binary.Uvarint` and `ReadUvarint` (the overflow rules
//! decide which inputs are errors, so they are ported, not approximated).

/// The longest encoding of a `u64`.
pub(crate) const MAX_VARINT_LEN64: usize = 10;

/// Go's `binary.Uvarint`: `(value, n)` with `n > 0` the bytes read,
/// `n == 0` when `buf` ends too early and `n < 0` (minus the bytes read)
/// on overflow.
#[inline]
pub(crate) fn uvarint(buf: &[u8]) -> (u64, isize) {
    let mut x: u64 = 0;
    let mut s: u32 = 0;
    for (i, &b) in buf.iter().enumerate() {
        if i == MAX_VARINT_LEN64 {
            return (0, -(i as isize + 1));
        }
        if b < 0x80 {
            if i == MAX_VARINT_LEN64 - 1 && b > 1 {
                return (0, -(i as isize + 1));
            }
            return (x | (u64::from(b) << s), i as isize + 1);
        }
        x |= u64::from(b & 0x7f) << s;
        s += 7;
    }
    (0, 0)
}

/// Why a varint could not be read from a stream (Go's `ReadUvarint`
/// errors: `io.EOF`, `io.ErrUnexpectedEOF`, the overflow error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarintError {
    /// No byte at all: the stream ended cleanly before the varint.
    Eof,
    /// The stream ended inside the varint.
    UnexpectedEof,
    /// More than 64 bits.
    Overflow,
}

impl VarintError {
    /// The text Go prints for this error.
    pub(crate) fn go_text(self) -> &'static str {
        match self {
            VarintError::Eof => "EOF",
            VarintError::UnexpectedEof => "unexpected EOF",
            VarintError::Overflow => "binary: varint overflows a 64-bit integer",
        }
    }
}

impl std::fmt::Display for VarintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.go_text())
    }
}

/// Go's `binary.ReadUvarint` over a byte cursor: reads from `buf[*pos..]`
/// and advances `*pos` past the bytes consumed (also on error, as Go's
/// reader has consumed them).
#[inline]
pub(crate) fn read_uvarint(buf: &[u8], pos: &mut usize) -> Result<u64, VarintError> {
    let mut x: u64 = 0;
    let mut s: u32 = 0;
    for i in 0..MAX_VARINT_LEN64 {
        let Some(&b) = buf.get(*pos) else {
            return Err(if i > 0 {
                VarintError::UnexpectedEof
            } else {
                VarintError::Eof
            });
        };
        *pos += 1;
        if b < 0x80 {
            if i == MAX_VARINT_LEN64 - 1 && b > 1 {
                return Err(VarintError::Overflow);
            }
            return Ok(x | (u64::from(b) << s));
        }
        x |= u64::from(b & 0x7f) << s;
        s += 7;
    }
    Err(VarintError::Overflow)
}

/// Go's `binary.ReadUvarint` over bytes handed out one at a time by
/// `next` (`Ok(None)`: the end of the stream), for readers whose buffer
/// may end inside a varint. `E` is the stream's own error.
#[inline]
pub(crate) fn read_uvarint_from<E>(
    mut next: impl FnMut() -> Result<Option<u8>, E>,
) -> Result<Result<u64, VarintError>, E> {
    let mut x: u64 = 0;
    let mut s: u32 = 0;
    for i in 0..MAX_VARINT_LEN64 {
        let Some(b) = next()? else {
            return Ok(Err(if i > 0 {
                VarintError::UnexpectedEof
            } else {
                VarintError::Eof
            }));
        };
        if b < 0x80 {
            if i == MAX_VARINT_LEN64 - 1 && b > 1 {
                return Ok(Err(VarintError::Overflow));
            }
            return Ok(Ok(x | (u64::from(b) << s)));
        }
        x |= u64::from(b & 0x7f) << s;
        s += 7;
    }
    Ok(Err(VarintError::Overflow))
}

/// Appends `v` as an unsigned LEB128 varint (Go's `binary.AppendUvarint`).
#[inline]
pub(crate) fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_uvarint_cases() {
        assert_eq!(uvarint(&[]), (0, 0));
        assert_eq!(uvarint(&[0x80]), (0, 0));
        assert_eq!(uvarint(&[0x01]), (1, 1));
        assert_eq!(
            uvarint(&[0x98, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
            (24, 10)
        );
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(uvarint(&max), (u64::MAX, 10));
        let over = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(uvarint(&over), (0, -10));
        let long = [0x80; 11];
        assert_eq!(uvarint(&long), (0, -11));
        let mut pos = 0;
        assert_eq!(read_uvarint(&max, &mut pos), Ok(u64::MAX));
        pos = 0;
        assert_eq!(read_uvarint(&over, &mut pos), Err(VarintError::Overflow));
        pos = 0;
        assert_eq!(
            read_uvarint(&[0x80], &mut pos),
            Err(VarintError::UnexpectedEof)
        );
        pos = 0;
        assert_eq!(read_uvarint(&[], &mut pos), Err(VarintError::Eof));
        for bytes in [&max[..], &over[..], &long[..], &[0x80], &[], &[0x01]] {
            let mut pos = 0;
            let mut it = bytes.iter().copied();
            let streamed = read_uvarint_from(|| Ok::<_, ()>(it.next()));
            assert_eq!(streamed, Ok(read_uvarint(bytes, &mut pos)), "{bytes:?}");
        }
        for v in [0, 1, 127, 128, 300, u64::MAX] {
            let mut out = Vec::new();
            put_uvarint(&mut out, v);
            assert_eq!(uvarint(&out), (v, out.len() as isize));
        }
    }
}
