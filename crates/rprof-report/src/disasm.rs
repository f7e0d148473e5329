//! `disasm`: pprof's `-disasm REGEX`, the annotated assembly of every
//! symbol of the profiled binary whose name matches: per instruction, the
//! flat and cumulative value of the samples on it, and the source line
//! (pprof's `PrintAssembly`).
//!
//! The binary itself is read by the caller, through [`ObjectFile`] (as
//! pprof reads it through its `ObjTool` plugin): this crate knows the
//! report, not object file formats or instruction sets.
//!
//! As pprof: the report is at addresses granularity with inlined calls
//! attributed to their caller, untrimmed; symbols are those of the
//! mappings with matching samples (or whose range holds the address, when
//! the pattern is a number), sorted by name; each instruction sums the
//! samples from its address up to the next instruction's. One difference:
//! pprof decodes a symbol up to its last byte exclusive (its end is
//! `start + size - 1`, and the decoder stops before it), so the last
//! instruction of a routine comes out cut into `?` pieces; rprof decodes
//! the symbol whole.

use crate::Report;
use crate::base_name;
use crate::graph::{KeyOptions, NodeKeys, build};
use crate::{Granularity, ReportOptions};
use rprof_profile::measurement::percentage;
use std::fmt::Write;

/// A symbol of a binary (pprof's `plugin.Sym`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// The symbol's name.
    pub name: String,
    /// Its first address.
    pub start: u64,
    /// Its last address (`start + size - 1`, as pprof counts).
    pub end: u64,
}

/// One decoded instruction (pprof's `plugin.Inst`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Its address in the binary.
    pub addr: u64,
    /// The instruction as text.
    pub text: String,
    /// The function it belongs to, if the binary says ("" otherwise:
    /// the samples on it then name it).
    pub function: String,
    /// Its source file ("" if unknown).
    pub file: String,
    /// Its source line (0 if unknown).
    pub line: i64,
}

/// What `disasm` needs of an executable.
pub trait ObjectFile {
    /// The symbols whose name matches `re` and, when `address` is given,
    /// whose range holds it (pprof's `ObjFile.Symbols`), ignoring those
    /// with address and size 0.
    fn symbols(&self, re: &regex::Regex, address: Option<u64>) -> Vec<Symbol>;
    /// A sample address (where the program ran) as an address in the
    /// file (pprof's `ObjFile.ObjAddr`: minus the load offset).
    fn obj_addr(&self, addr: u64) -> u64;
    /// The instructions from `start` up to, not including, `end`, with
    /// the code cut at `end` (Go's `disasm.Decode`, which pprof's
    /// `ObjTool.Disasm` is in `go tool pprof`).
    fn disassemble(&self, start: u64, end: u64) -> Result<Vec<Instruction>, String>;
}

/// Opens the binaries of a profile's mappings.
pub trait ObjTool {
    /// The binary of the mapping of `file` loaded at `start..limit` from
    /// file offset `offset`, or why it cannot be read.
    fn open(
        &self,
        file: &str,
        start: u64,
        limit: u64,
        offset: u64,
    ) -> Result<Box<dyn ObjectFile + '_>, String>;
}

/// Why no listing could be made.
#[derive(Debug, thiserror::Error)]
pub enum DisasmError {
    /// No symbol with samples matches the pattern.
    #[error("no matches found for regexp {0}")]
    NoMatch(String),
    /// The pattern is an address that no binary has.
    #[error("no matches found for address {0:#x}")]
    NoAddress(u64),
    /// The address is in a binary but has no samples.
    #[error(
        "address {0:#x} found in binary, but the corresponding symbols do not have samples in the profile"
    )]
    AddressWithoutSamples(u64),
    /// The binary could not be disassembled.
    #[error("{0}")]
    Disassembly(String),
}

/// An annotated assembly listing.
#[derive(Debug)]
pub struct Disassembly {
    /// The report, as `go tool pprof -disasm` prints it.
    pub text: String,
    /// Binaries of the profile that could not be opened (file, reason).
    pub unreadable: Vec<(String, String)>,
}

/// A node of the addresses graph, as the listing needs it.
struct AddrNode {
    address: u64,
    name: String,
    file: String,
    line: i64,
    flat: i64,
    flat_div: i64,
    cum: i64,
    cum_div: i64,
    /// pprof's `fmt.Sprint(NodeInfo)`, its last tie breaker.
    sprint: String,
}

/// One instruction with its samples (pprof's `assemblyInstruction`).
struct Annotated {
    address: u64,
    instruction: String,
    function: String,
    file: String,
    line: i64,
    flat: i64,
    flat_div: i64,
    cum: i64,
    cum_div: i64,
}

/// pprof's `PrintAssembly` for the symbols matching `symbol`, with the
/// binaries `obj` opens.
pub fn write_disasm(
    r: &Report,
    symbol: &regex::Regex,
    obj: &dyn ObjTool,
) -> Result<Disassembly, DisasmError> {
    // pprof's `disasm` overrides: addresses, inlined calls folded into
    // their caller, no trimming.
    let r = r.with_options(|o: &mut ReportOptions| {
        o.trim = false;
        o.granularity = Granularity::Addresses;
        o.no_inlines = true;
    });
    let o = r.options();
    let mut ko = KeyOptions::for_granularity(Granularity::Addresses, true, o.show_columns);
    ko.obj_names = true;
    let keys = NodeKeys::with_paths(r.profile(), ko, &o.trim_path, &o.source_path);
    let g = build(&r, &keys, None);
    let p = r.profile();

    let address = parse_go_uint(symbol.as_str());
    let mut out = String::new();
    let _ = writeln!(out, "Total: {}", r.format_value(r.total()));

    // The binaries with matching samples (pprof's symbolsFromBinaries).
    let mut matched_files: Vec<u32> = Vec::new();
    for n in &g.nodes {
        let k = &keys.keys[n.key as usize];
        if k.objfile != 0 && symbol.is_match(&keys.printable_name(n.key)) {
            matched_files.push(k.objfile);
        }
    }
    let nodes: Vec<(u32, AddrNode)> = g
        .nodes
        .iter()
        .map(|n| {
            let k = &keys.keys[n.key as usize];
            (
                k.objfile,
                AddrNode {
                    address: k.address,
                    name: keys.names.get(k.name).to_string(),
                    file: keys.names.get(k.file).to_string(),
                    line: k.line,
                    flat: n.flat,
                    flat_div: n.flat_div,
                    cum: n.cum,
                    cum_div: n.cum_div,
                    sprint: keys.go_sprint(n.key),
                },
            )
        })
        .collect();

    let mut unreadable = Vec::new();
    let mut opened: Vec<Box<dyn ObjectFile + '_>> = Vec::new();
    // (symbol, index of its binary in `opened`)
    let mut symbols: Vec<(Symbol, usize)> = Vec::new();
    let mut all_symbols = 0usize;
    for m in &p.mappings {
        let file = p.str(m.file);
        let has = keys
            .names
            .id_of(file)
            .is_some_and(|id| matched_files.contains(&id));
        if !has && address.is_none_or(|a| m.start > a || a > m.limit) {
            continue;
        }
        let f = match obj.open(file, m.start, m.limit, m.offset) {
            Ok(f) => f,
            Err(e) => {
                unreadable.push((file.to_string(), e));
                continue;
            }
        };
        let syms = f.symbols(symbol, address);
        all_symbols += syms.len();
        opened.push(f);
        symbols.extend(syms.into_iter().map(|s| (s, opened.len() - 1)));
    }

    // Nodes per symbol (pprof's nodesPerSymbol); symbols without any are
    // not shown.
    let mut shown: Vec<(Symbol, usize, Vec<&AddrNode>)> = symbols
        .into_iter()
        .filter_map(|(s, fi)| {
            let f = &opened[fi];
            let ns: Vec<&AddrNode> = nodes
                .iter()
                .map(|(_, n)| n)
                .filter(|n| {
                    let a = f.obj_addr(n.address);
                    a >= s.start && a < s.end
                })
                .collect();
            (!ns.is_empty()).then_some((s, fi, ns))
        })
        .collect();
    shown.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.start.cmp(&b.0.start)));
    if shown.is_empty() {
        return Err(match address {
            None => DisasmError::NoMatch(symbol.as_str().to_string()),
            Some(a) if all_symbols == 0 => DisasmError::NoAddress(a),
            Some(a) => DisasmError::AddressWithoutSamples(a),
        });
    }

    for (s, fi, mut ns) in shown {
        let f = &opened[fi];
        let flat_sum: i64 = ns.iter().map(|n| n.flat).sum();
        let cum_sum: i64 = ns.iter().map(|n| n.cum).sum();
        // As pprof's report.PrintAssembly: the symbol's (inclusive) end
        // goes to the tool as it is. `go tool pprof`'s tool decodes up to,
        // not including, that address, so the last byte of a symbol is
        // never shown and an instruction that reaches it comes out cut;
        // rprof's tool does the same, for the same lines.
        let insts = f
            .disassemble(s.start, s.end)
            .map_err(DisasmError::Disassembly)?;
        ns.sort_by(|a, b| {
            f.obj_addr(a.address)
                .cmp(&f.obj_addr(b.address))
                .then_with(|| a.sprint.cmp(&b.sprint))
        });
        let annotated = annotate(&insts, &ns, f.as_ref());

        let _ = writeln!(out, "ROUTINE ======================== {}", s.name);
        let _ = writeln!(
            out,
            "{:>10} {:>10} (flat, cum) {} of Total",
            r.format_value(flat_sum),
            r.format_value(cum_sum),
            percentage(cum_sum, r.total())
        );
        let (mut function, mut file, mut line) = (String::new(), String::new(), 0i64);
        for n in &annotated {
            let mut loc = String::new();
            if n.function != function || n.file != file || n.line != line {
                function.clone_from(&n.function);
                file.clone_from(&n.file);
                line = n.line;
                if !n.function.is_empty() {
                    loc = format!("{} ", n.function);
                }
                if !n.file.is_empty() {
                    loc.push_str(&n.file);
                    if n.line != 0 {
                        let _ = write!(loc, ":{}", n.line);
                    }
                }
            }
            let flat = value_or_dot(&r, per_divisor(n.flat, n.flat_div));
            let cum = value_or_dot(&r, per_divisor(n.cum, n.cum_div));
            if loc.is_empty() {
                let _ = writeln!(
                    out,
                    "{flat:>10} {cum:>10} {:>10x}: {}",
                    n.address, n.instruction
                );
            } else if n.instruction.len() < 40 {
                let _ = writeln!(
                    out,
                    "{flat:>10} {cum:>10} {:>10x}: {:<40};{loc}",
                    n.address, n.instruction
                );
            } else {
                let _ = writeln!(out, "{:74};{loc}", "");
                let _ = writeln!(
                    out,
                    "{flat:>10} {cum:>10} {:>10x}: {}",
                    n.address, n.instruction
                );
            }
        }
    }
    Ok(Disassembly {
        text: out,
        unreadable,
    })
}

/// pprof's `annotateAssembly`: each instruction gets the samples from its
/// address up to the next instruction's, and a file, line and function
/// from them when the binary has none.
fn annotate(insts: &[Instruction], samples: &[&AddrNode], f: &dyn ObjectFile) -> Vec<Annotated> {
    let mut s = 0;
    let mut out = Vec::with_capacity(insts.len());
    for (ix, inst) in insts.iter().enumerate() {
        let mut n = Annotated {
            address: inst.addr,
            instruction: inst.text.clone(),
            function: inst.function.clone(),
            file: if inst.file.is_empty() {
                String::new()
            } else {
                base_name(&inst.file).to_string()
            },
            line: inst.line,
            flat: 0,
            flat_div: 0,
            cum: 0,
            cum_div: 0,
        };
        let next = insts.get(ix + 1).map_or(u64::MAX, |i| i.addr);
        while s < samples.len() {
            let sample = samples[s];
            if f.obj_addr(sample.address) >= next {
                break;
            }
            n.flat += sample.flat;
            n.flat_div += sample.flat_div;
            n.cum += sample.cum;
            n.cum_div += sample.cum_div;
            if !sample.file.is_empty() && n.file.is_empty() {
                n.file = base_name(&sample.file).to_string();
            }
            if sample.line != 0 && n.line == 0 {
                n.line = sample.line;
            }
            if !sample.name.is_empty() && n.function.is_empty() {
                n.function.clone_from(&sample.name);
            }
            s += 1;
        }
        out.push(n);
    }
    out
}

fn per_divisor(v: i64, div: i64) -> i64 {
    if div == 0 { v } else { v / div }
}

/// pprof's `valueOrDot`.
fn value_or_dot(r: &Report, v: i64) -> String {
    if v == 0 {
        ".".to_string()
    } else {
        r.format_value(v)
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: decimal, `0x` hex, `0o`/`0`
/// octal, `0b` binary, with `_` separators after a prefix.
pub fn parse_go_uint(s: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (b, 2)
    } else if let Some(o) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (o, 8)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    let prefixed = radix != 10;
    if digits.is_empty() || (!prefixed && digits.contains('_')) {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() || digits.starts_with('_') && radix == 8 && !s.starts_with("0o") {
        return None;
    }
    u64::from_str_radix(&clean, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses_as_go() {
        assert_eq!(parse_go_uint("0x4fed40"), Some(0x4fed40));
        assert_eq!(parse_go_uint("1234"), Some(1234));
        assert_eq!(parse_go_uint("017"), Some(15));
        assert_eq!(parse_go_uint("0"), Some(0));
        assert_eq!(parse_go_uint("main\\.f"), None);
        assert_eq!(parse_go_uint(""), None);
    }
}
