//! Executables among the inputs (`go tool pprof ./server cpu.pb.gz`),
//! recognised by their magic numbers so that the reader can name them
//! instead of failing on them as malformed protobuf. A leaf module: the
//! reader and its error type both refer to it.

/// An executable file format, as its first bytes say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecutableKind {
    /// ELF (Linux, the BSDs).
    Elf,
    /// Mach-O (macOS), one architecture or universal.
    MachO,
    /// PE (Windows).
    Pe,
}

impl ExecutableKind {
    /// "an ELF", "a Mach-O", "a PE".
    pub fn article_name(self) -> &'static str {
        match self {
            ExecutableKind::Elf => "an ELF",
            ExecutableKind::MachO => "a Mach-O",
            ExecutableKind::Pe => "a PE",
        }
    }
}

/// Whether `data` is an executable (or object file), by its magic
/// numbers. Hand-written rather than with the `object` crate, which the
/// profile reader has no other use for: four fixed byte patterns, and
/// the one ambiguity (Java class files share the universal Mach-O magic)
/// settled as `object` and `file(1)` settle it, by the count that
/// follows.
pub fn executable_kind(data: &[u8]) -> Option<ExecutableKind> {
    let u32_at = |i: usize, be: bool| -> Option<u32> {
        let b: [u8; 4] = data.get(i..i + 4)?.try_into().ok()?;
        Some(if be {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    if data.starts_with(b"\x7fELF") {
        return Some(ExecutableKind::Elf);
    }
    match u32_at(0, true)? {
        0xfeedface | 0xfeedfacf | 0xcefaedfe | 0xcffaedfe => return Some(ExecutableKind::MachO),
        // Universal binaries: a small count of architectures follows;
        // a Java class file has its version (45 and up) there.
        0xcafebabe | 0xcafebabf if u32_at(4, true).is_some_and(|n| n > 0 && n < 45) => {
            return Some(ExecutableKind::MachO);
        }
        _ => {}
    }
    if data.starts_with(b"MZ") {
        let pe = u32_at(0x3c, false)? as usize;
        if data.get(pe..pe + 4) == Some(b"PE\0\0") {
            return Some(ExecutableKind::Pe);
        }
    }
    None
}

/// Whether an executable carries Go's build information (the
/// `\xff Go buildinf:` header of its `.go.buildinfo` data).
pub(crate) fn is_go_program(data: &[u8]) -> bool {
    const MAGIC: &[u8] = b"\xff Go buildinf:";
    data.windows(MAGIC.len()).any(|w| w == MAGIC)
}
