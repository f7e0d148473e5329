//! What the crate hands out: symbols, decoded instructions, the syntax
//! they are printed in. A leaf module, so that the decoder (`x86`) and
//! the crate root both use these types without depending on each other.

/// A symbol of the binary's symbol table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// Its name.
    pub name: String,
    /// Its address.
    pub address: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// One decoded instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Its address.
    pub address: u64,
    /// Its length in bytes (1 for bytes that decode to nothing).
    pub len: u64,
    /// Its text (`?` for bytes that decode to nothing).
    pub text: String,
    /// Source file of the address (Go line table), "" if unknown.
    pub file: String,
    /// Source line, 0 if unknown.
    pub line: i64,
}

/// Assembly syntax.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Syntax {
    /// GNU as (AT&T): `movq 0x18(%rsp), %rax` (objdump's default, and
    /// the closest to Go's operand order).
    #[default]
    Gnu,
    /// Intel: `mov rax, [rsp+0x18]`.
    Intel,
}
