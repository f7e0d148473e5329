//! # rprof-binary: the executables behind Go profiles
//!
//! What `rprof disasm` needs of a binary, read as `go tool pprof` reads it
//! (its `objTool`, on Go's `cmd/internal/objfile`):
//!
//! 1. [`Binary::parse`]: the object file (ELF, Mach-O or PE, through the
//!    `object` crate): its symbol table, text section, load address and
//!    Go line table;
//! 2. [`pclntab`]: Go's own line table (`gopclntab`), which every Go
//!    binary carries, for the function, file and line of an address;
//! 3. [`Binary::disassemble`]: amd64 (and 386) instructions decoded by
//!    `iced-x86`, in GNU (AT&T) or Intel syntax, branch and call targets
//!    named by symbol. Go's tools print Go's own assembly syntax; the
//!    addresses, sizes and lines are the same.
//!
//! (Which inputs are executables is decided by the profile reader's
//! format detection, `rprof_profile::executable_kind`.)

#![warn(missing_docs)]

mod error;
mod model;
pub mod pclntab;
mod x86;

pub use error::BinaryError;
pub use model::{Instruction, Symbol, Syntax};
use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol};
pub use pclntab::{LineTable, Position};

/// An executable, read.
#[derive(Clone)]
pub struct Binary {
    symbols: Vec<Symbol>,
    text_start: u64,
    text: Vec<u8>,
    load_address: Option<u64>,
    lines: Option<LineTable>,
    arch: object::Architecture,
    build_id: Option<String>,
}

impl Binary {
    /// Reads an executable from its bytes.
    pub fn parse(data: &[u8]) -> Result<Self, BinaryError> {
        let file = object::File::parse(data).map_err(|e| BinaryError::Format(e.to_string()))?;
        let text = file
            .section_by_name(".text")
            .or_else(|| file.section_by_name("__text"))
            .ok_or(BinaryError::NoText)?;
        let text_start = text.address();
        let text_bytes = text
            .data()
            .map_err(|e| BinaryError::Format(e.to_string()))?
            .to_vec();
        let mut symbols: Vec<Symbol> = file
            .symbols()
            .filter(|s| s.address() != 0 || s.size() != 0)
            .filter_map(|s| {
                Some(Symbol {
                    name: s.name().ok()?.to_string(),
                    address: s.address(),
                    size: s.size(),
                })
            })
            .collect();
        symbols.sort_by_key(|s| s.address);
        let pclntab = [".gopclntab", ".data.rel.ro.gopclntab", "__gopclntab"]
            .iter()
            .find_map(|n| file.section_by_name(n))
            .and_then(|s| s.data().ok().map(<[u8]>::to_vec))
            .or_else(|| symbol_range(&file, &symbols, "runtime.pclntab", "runtime.epclntab"));
        let lines = pclntab.and_then(|d| LineTable::parse(d, text_start).ok());
        Ok(Binary {
            symbols,
            text_start,
            text: text_bytes,
            load_address: load_address(&file),
            lines,
            arch: file.architecture(),
            build_id: file
                .build_id()
                .ok()
                .flatten()
                .map(|b| b.iter().map(|x| format!("{x:02x}")).collect()),
        })
    }

    /// The symbols, by address.
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    /// The GNU build id, in hex, if the file has one.
    pub fn build_id(&self) -> Option<&str> {
        self.build_id.as_deref()
    }

    /// Whether the file has a Go line table.
    pub fn has_go_lines(&self) -> bool {
        self.lines.is_some()
    }

    /// The address the executable segment is mapped at, as pprof computes
    /// it (its address rounded down to its alignment), when known.
    pub fn load_address(&self) -> Option<u64> {
        self.load_address
    }

    /// Function, file and line of `pc` from the Go line table.
    pub fn position(&self, pc: u64) -> Option<Position> {
        self.lines.as_ref()?.position(pc)
    }

    /// The instructions from `start` up to (not including) `end`, with
    /// their source lines.
    pub fn disassemble(
        &self,
        start: u64,
        end: u64,
        syntax: Syntax,
    ) -> Result<Vec<Instruction>, BinaryError> {
        let bitness = match self.arch {
            object::Architecture::X86_64 | object::Architecture::X86_64_X32 => 64,
            object::Architecture::I386 => 32,
            other => return Err(BinaryError::Architecture(format!("{other:?}"))),
        };
        let text_end = self.text_start + self.text.len() as u64;
        let start = start.max(self.text_start);
        let end = end.min(text_end);
        if start >= end {
            return Ok(Vec::new());
        }
        let code = &self.text[(start - self.text_start) as usize..(end - self.text_start) as usize];
        let mut out = x86::decode(code, start, bitness, syntax, &self.symbols);
        for i in &mut out {
            if let Some(p) = self.position(i.address) {
                i.file = p.file;
                i.line = p.line;
            }
        }
        Ok(out)
    }
}

/// The bytes between two symbols (Go's fallback for a line table without
/// a section of its own).
fn symbol_range(
    file: &object::File,
    symbols: &[Symbol],
    start: &str,
    end: &str,
) -> Option<Vec<u8>> {
    let a = symbols.iter().find(|s| s.name == start)?.address;
    let b = symbols.iter().find(|s| s.name == end)?.address;
    for s in file.sections() {
        let (sa, size) = (s.address(), s.size());
        if a >= sa && b <= sa + size {
            let d = s.data().ok()?;
            return d
                .get((a - sa) as usize..(b - sa) as usize)
                .map(<[u8]>::to_vec);
        }
    }
    None
}

/// pprof's load address: for ELF the first executable `PT_LOAD` segment's
/// address rounded down to its alignment; else the first segment's.
fn load_address(file: &object::File) -> Option<u64> {
    match file.format() {
        object::BinaryFormat::MachO => {
            return file
                .segments()
                .find(|s| s.name().ok().flatten() == Some("__TEXT"))
                .map(|s| s.address());
        }
        object::BinaryFormat::Pe => return Some(file.relative_address_base()),
        _ => {}
    }
    for seg in file.segments() {
        match seg.flags() {
            object::SegmentFlags::Elf { p_flags } => {
                if p_flags & object::elf::PF_X != 0 {
                    let align = seg.align().max(1);
                    return Some(seg.address() - seg.address() % align);
                }
            }
            _ => return Some(seg.address()),
        }
    }
    None
}
