//! amd64 and 386 code decoded by iced-x86.
//!
//! As Go's disassembler (`cmd/internal/disasm`), bytes that do not decode
//! to an instruction (padding, the middle of a cut instruction) come out
//! one at a time as `?`, so that every later address is still decoded
//! from where the code really continues.

use crate::model::{Instruction, Symbol, Syntax};
use iced_x86::{
    Decoder, DecoderOptions, Formatter, GasFormatter, IntelFormatter, SymbolResolver, SymbolResult,
};

/// Names addresses that are the start of a symbol (call targets, data),
/// leaving jumps inside a function as plain addresses, as Go's
/// disassembler prints them.
struct Starts {
    /// (address, name), by address.
    starts: Vec<(u64, String)>,
}

impl SymbolResolver for Starts {
    fn symbol(
        &mut self,
        _instruction: &iced_x86::Instruction,
        _operand: u32,
        _instruction_operand: Option<u32>,
        address: u64,
        _address_size: u32,
    ) -> Option<SymbolResult<'_>> {
        let i = self.starts.binary_search_by_key(&address, |s| s.0).ok()?;
        Some(SymbolResult::with_str(address, &self.starts[i].1))
    }
}

/// Decodes `code`, which starts at address `ip`.
pub fn decode(
    code: &[u8],
    ip: u64,
    bitness: u32,
    syntax: Syntax,
    symbols: &[Symbol],
) -> Vec<Instruction> {
    let mut starts: Vec<(u64, String)> = symbols
        .iter()
        .filter(|s| s.size > 0)
        .map(|s| (s.address, s.name.clone()))
        .collect();
    starts.sort_by_key(|s| s.0);
    starts.dedup_by_key(|s| s.0);
    let resolver: Box<dyn SymbolResolver> = Box::new(Starts { starts });
    let mut formatter: Box<dyn Formatter> = match syntax {
        Syntax::Gnu => Box::new(GasFormatter::with_options(Some(resolver), None)),
        Syntax::Intel => Box::new(IntelFormatter::with_options(Some(resolver), None)),
    };
    // As objdump and Go print numbers: lower-case hex, no leading zeros,
    // negative immediates as such.
    let o = formatter.options_mut();
    o.set_first_operand_char_index(0);
    o.set_space_after_operand_separator(true);
    o.set_uppercase_hex(false);
    o.set_branch_leading_zeros(false);
    o.set_signed_immediate_operands(true);

    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut text = String::new();
    while pos < code.len() {
        let pc = ip + pos as u64;
        let mut decoder = Decoder::with_ip(bitness, &code[pos..], pc, DecoderOptions::NONE);
        let inst = decoder.decode();
        let len = if inst.is_invalid() || inst.len() == 0 {
            text.clear();
            text.push('?');
            1
        } else {
            text.clear();
            formatter.format(&inst, &mut text);
            inst.len()
        };
        out.push(Instruction {
            address: pc,
            len: len as u64,
            text: text.clone(),
            file: String::new(),
            line: 0,
        });
        pos += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_go_code_and_cuts_as_go() {
        // CMPQ SP, 0x10(R14); JBE +0; a call cut after two bytes.
        let code = [0x49, 0x3b, 0x66, 0x10, 0x76, 0x00, 0xe8, 0x01];
        let syms = [Symbol {
            name: "main.f".into(),
            address: 0x1000,
            size: 8,
        }];
        let got = decode(&code, 0x1000, 64, Syntax::Gnu, &syms);
        let addrs: Vec<u64> = got.iter().map(|i| i.address).collect();
        assert_eq!(addrs[..3], [0x1000, 0x1004, 0x1006]);
        assert_eq!(got[0].text, "cmp 0x10(%r14), %rsp");
        assert!(got[1].text.starts_with("jbe"), "{}", got[1].text);
        // The call needs three more bytes than there are: cut, one `?` a
        // byte.
        assert_eq!(got[2].text, "?");
        assert_eq!(got.last().unwrap().address, 0x1007);
        assert_eq!(got.last().unwrap().text, "?");
    }
}
