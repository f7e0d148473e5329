//! Go's line table (`gopclntab`), which every Go executable carries, even
//! stripped of its DWARF (`-ldflags=-s -w`): for a program counter, the
//! function, source file and line, exactly as Go's `debug/gosym` reads
//! them (and so as `go tool pprof -disasm` shows them).
//!
//! Hand-written: no maintained crate reads gopclntab's line tables (DWARF
//! readers such as gimli need the DWARF that production builds strip, and
//! give Go's lines less exactly). The format, per the runtime's
//! `pcHeader` and `debug/gosym`: a header (magic, pc quantum, pointer
//! size, offsets of the tables), a function table of (entry, offset)
//! pairs, and per function a record whose `pcfile` and `pcln` fields
//! point to varint-coded (value delta, pc delta) runs. Versions: Go 1.2
//! to 1.15, 1.16 and 1.17, 1.18 and 1.19, 1.20 and later.

use crate::BinaryError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Version {
    V12,
    V116,
    V118,
    V120,
}

/// A parsed gopclntab.
#[derive(Clone)]
pub struct LineTable {
    data: Vec<u8>,
    version: Version,
    big_endian: bool,
    quantum: u32,
    ptrsize: u32,
    text_start: u64,
    nfunctab: u32,
    funcnametab: usize,
    cutab: usize,
    filetab: usize,
    pctab: usize,
    funcdata: usize,
    functab: usize,
}

/// Where a program counter is: the function it is in, its file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// The function (its symbol name).
    pub function: String,
    /// The source file ("" if unknown).
    pub file: String,
    /// The line (0 if unknown).
    pub line: i64,
}

const BAD: BinaryError = BinaryError::Pclntab("offset out of range");

impl LineTable {
    /// Reads the table; `text_start` is the address of the text section
    /// (Go 1.18+ tables hold offsets from it).
    pub fn parse(data: Vec<u8>, text_start: u64) -> Result<Self, BinaryError> {
        if data.len() < 16
            || data[4] != 0
            || data[5] != 0
            || !matches!(data[6], 1 | 2 | 4)
            || !matches!(data[7], 4 | 8)
        {
            return Err(BinaryError::Pclntab("bad header"));
        }
        let le = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
        let be = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
        let of = |m: u32| match m {
            0xfffffffb => Some(Version::V12),
            0xfffffffa => Some(Version::V116),
            0xfffffff0 => Some(Version::V118),
            0xfffffff1 => Some(Version::V120),
            _ => None,
        };
        let (version, big_endian) = match (of(le), of(be)) {
            (Some(v), _) => (v, false),
            (None, Some(v)) => (v, true),
            _ => return Err(BinaryError::Pclntab("unknown magic number")),
        };
        let mut t = LineTable {
            data,
            version,
            big_endian,
            quantum: 0,
            ptrsize: 0,
            text_start,
            nfunctab: 0,
            funcnametab: 0,
            cutab: 0,
            filetab: 0,
            pctab: 0,
            funcdata: 0,
            functab: 0,
        };
        t.quantum = u32::from(t.data[6]);
        t.ptrsize = u32::from(t.data[7]);
        let word = |t: &LineTable, i: u32| t.uintptr(8 + (i * t.ptrsize) as usize);
        match version {
            Version::V118 | Version::V120 => {
                t.nfunctab = word(&t, 0)? as u32;
                t.funcnametab = word(&t, 3)? as usize;
                t.cutab = word(&t, 4)? as usize;
                t.filetab = word(&t, 5)? as usize;
                t.pctab = word(&t, 6)? as usize;
                t.funcdata = word(&t, 7)? as usize;
                t.functab = t.funcdata;
            }
            Version::V116 => {
                t.nfunctab = word(&t, 0)? as u32;
                t.funcnametab = word(&t, 2)? as usize;
                t.cutab = word(&t, 3)? as usize;
                t.filetab = word(&t, 4)? as usize;
                t.pctab = word(&t, 5)? as usize;
                t.funcdata = word(&t, 6)? as usize;
                t.functab = t.funcdata;
            }
            Version::V12 => {
                t.nfunctab = word(&t, 0)? as u32;
                t.funcdata = 0;
                t.funcnametab = 0;
                t.pctab = 0;
                t.functab = 8 + t.ptrsize as usize;
                let size = (t.nfunctab as usize * 2 + 1) * t.field_size();
                let fileoff = t.u32(t.functab + size)? as usize;
                t.filetab = fileoff;
            }
        }
        // The function table must be there whole.
        let end = t.functab + (t.nfunctab as usize * 2 + 1) * t.field_size();
        if end > t.data.len() {
            return Err(BAD);
        }
        Ok(t)
    }

    fn u32(&self, off: usize) -> Result<u32, BinaryError> {
        let b: [u8; 4] = self
            .data
            .get(off..off + 4)
            .ok_or(BAD)?
            .try_into()
            .map_err(|_| BAD)?;
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn u64(&self, off: usize) -> Result<u64, BinaryError> {
        let b: [u8; 8] = self
            .data
            .get(off..off + 8)
            .ok_or(BAD)?
            .try_into()
            .map_err(|_| BAD)?;
        Ok(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }

    fn uintptr(&self, off: usize) -> Result<u64, BinaryError> {
        if self.ptrsize == 4 {
            self.u32(off).map(u64::from)
        } else {
            self.u64(off)
        }
    }

    /// Size of a function table entry.
    fn field_size(&self) -> usize {
        if self.version >= Version::V118 {
            4
        } else {
            self.ptrsize as usize
        }
    }

    fn functab_uint(&self, off: usize) -> Result<u64, BinaryError> {
        if self.field_size() == 4 {
            self.u32(off).map(u64::from)
        } else {
            self.u64(off)
        }
    }

    /// Entry address of function `i` (`i == nfunctab` gives the end).
    fn func_pc(&self, i: u32) -> Result<u64, BinaryError> {
        let u = self.functab_uint(self.functab + 2 * i as usize * self.field_size())?;
        Ok(if self.version >= Version::V118 {
            u + self.text_start
        } else {
            u
        })
    }

    fn func_off(&self, i: u32) -> Result<usize, BinaryError> {
        Ok(self.functab_uint(self.functab + (2 * i as usize + 1) * self.field_size())? as usize)
    }

    /// Field `n` (1-based after the entry) of the function record at
    /// `rec`.
    fn field(&self, rec: usize, n: u32) -> Result<u32, BinaryError> {
        let sz0 = if self.version >= Version::V118 {
            4
        } else {
            self.ptrsize
        };
        self.u32(rec + (sz0 + (n - 1) * 4) as usize)
    }

    fn entry_pc(&self, rec: usize) -> Result<u64, BinaryError> {
        if self.version >= Version::V118 {
            Ok(u64::from(self.u32(rec)?) + self.text_start)
        } else {
            self.uintptr(rec)
        }
    }

    fn cstring(&self, off: usize) -> Result<String, BinaryError> {
        let b = self.data.get(off..).ok_or(BAD)?;
        let end = b.iter().position(|&c| c == 0).ok_or(BAD)?;
        Ok(String::from_utf8_lossy(&b[..end]).into_owned())
    }

    /// The record of the function holding `pc`, if any.
    fn find_func(&self, pc: u64) -> Result<Option<usize>, BinaryError> {
        let n = self.nfunctab;
        if n == 0 || pc < self.func_pc(0)? || pc >= self.func_pc(n)? {
            return Ok(None);
        }
        // The last function whose entry is <= pc.
        let (mut lo, mut hi) = (0u32, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.func_pc(mid)? > pc {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(Some(self.funcdata + self.func_off(lo - 1)?))
    }

    fn varint(&self, p: &mut usize) -> Result<u32, BinaryError> {
        let mut v = 0u32;
        let mut shift = 0u32;
        loop {
            let b = *self.data.get(*p).ok_or(BAD)?;
            *p += 1;
            if shift < 32 {
                v |= (u32::from(b) & 0x7f) << shift;
            }
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    /// `debug/gosym`'s `pcvalue`: the value of the table at `off` for
    /// `target`, -1 if it has none.
    fn pcvalue(&self, off: u32, entry: u64, target: u64) -> Result<i32, BinaryError> {
        let mut p = self.pctab + off as usize;
        let mut val = -1i32;
        let mut pc = entry;
        let mut first = true;
        loop {
            let uvdelta = self.varint(&mut p)?;
            if uvdelta == 0 && !first {
                return Ok(-1);
            }
            first = false;
            let vdelta = if uvdelta & 1 != 0 {
                !(uvdelta >> 1)
            } else {
                uvdelta >> 1
            } as i32;
            let pcdelta = self.varint(&mut p)?.wrapping_mul(self.quantum);
            pc += u64::from(pcdelta);
            val = val.wrapping_add(vdelta);
            if target < pc {
                return Ok(val);
            }
        }
    }

    /// Function, file and line of `pc`; `None` outside every function.
    pub fn position(&self, pc: u64) -> Option<Position> {
        self.try_position(pc).ok().flatten()
    }

    fn try_position(&self, pc: u64) -> Result<Option<Position>, BinaryError> {
        let Some(rec) = self.find_func(pc)? else {
            return Ok(None);
        };
        let entry = self.entry_pc(rec)?;
        let function = self.cstring(self.funcnametab + self.field(rec, 1)? as usize)?;
        let line = self.pcvalue(self.field(rec, 6)?, entry, pc).unwrap_or(-1);
        let file = self.file(rec, entry, pc).unwrap_or_default();
        Ok(Some(Position {
            function,
            file,
            line: i64::from(line.max(0)),
        }))
    }

    fn file(&self, rec: usize, entry: u64, pc: u64) -> Result<String, BinaryError> {
        let fno = self.pcvalue(self.field(rec, 5)?, entry, pc)?;
        if self.version == Version::V12 {
            if fno <= 0 {
                return Ok(String::new());
            }
            let off = self.u32(self.filetab + 4 * fno as usize)?;
            return self.cstring(off as usize);
        }
        if fno < 0 {
            return Ok(String::new());
        }
        let cuoff = self.field(rec, 8)?;
        let fnoff = self.u32(self.cutab + (cuoff as usize + fno as usize) * 4)?;
        if fnoff == u32::MAX {
            return Ok(String::new());
        }
        self.cstring(self.filetab + fnoff as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_line_table() {
        assert!(LineTable::parse(vec![0; 8], 0).is_err());
        assert!(LineTable::parse(vec![0xff; 64], 0).is_err());
        // A Go 1.20 header whose tables lie past the end.
        let mut d = vec![0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8];
        d.extend_from_slice(&1000u64.to_le_bytes());
        d.extend(std::iter::repeat_n(0xee, 64));
        assert!(LineTable::parse(d, 0x401000).is_err());
    }
}
