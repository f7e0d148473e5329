//! The binaries of a profile for `rprof disasm`: the executable given
//! among the inputs, else the file a mapping names (when it exists here),
//! read by rprof-binary and shown to the report as
//! [`rprof_report::disasm::ObjectFile`]s.

use crate::sources::Executable;
use rprof_binary::{Binary, Syntax};
use rprof_report::disasm::{Instruction, ObjTool, ObjectFile, Symbol};

/// Opens binaries as pprof's `objTool` does.
pub struct CliObjTool {
    /// The executables given on the command line, read.
    given: Vec<(String, Result<Binary, String>)>,
    syntax: Syntax,
}

impl CliObjTool {
    pub fn new(given: Vec<Executable>, syntax: Syntax) -> Self {
        CliObjTool {
            given: given
                .into_iter()
                .map(|e| {
                    let b = Binary::parse(&e.data).map_err(|err| err.to_string());
                    (e.name, b)
                })
                .collect(),
            syntax,
        }
    }
}

/// A binary and where it was loaded.
struct Loaded<'a> {
    binary: std::borrow::Cow<'a, Binary>,
    /// pprof's offset: the mapping's start minus the file's load address.
    offset: u64,
    syntax: Syntax,
}

impl ObjTool for CliObjTool {
    fn open(
        &self,
        file: &str,
        start: u64,
        _limit: u64,
        _offset: u64,
    ) -> Result<Box<dyn ObjectFile + '_>, String> {
        let binary = match self.given.iter().find(|(name, _)| name == file) {
            Some((_, Ok(b))) => std::borrow::Cow::Borrowed(b),
            Some((_, Err(e))) => return Err(e.clone()),
            None => {
                let data = std::fs::read(file).map_err(|e| {
                    format!(
                        "cannot read it ({}); give the program on the command line",
                        crate::output::io_error(&e)
                    )
                })?;
                std::borrow::Cow::Owned(Binary::parse(&data).map_err(|e| e.to_string())?)
            }
        };
        // pprof (cmd/pprof's objTool.Open): addresses move by the mapping's
        // start minus the load address, for position-independent code.
        let offset = match binary.load_address() {
            Some(load) if start != 0 => start.wrapping_sub(load),
            _ => 0,
        };
        Ok(Box::new(Loaded {
            binary,
            offset,
            syntax: self.syntax,
        }))
    }
}

impl ObjectFile for Loaded<'_> {
    fn symbols(&self, re: &regex::Regex, address: Option<u64>) -> Vec<Symbol> {
        self.binary
            .symbols()
            .iter()
            .filter(|s| re.is_match(&s.name))
            .filter(|s| {
                address.is_none_or(|a| s.address <= a && a < s.address.wrapping_add(s.size))
            })
            .map(|s| Symbol {
                name: s.name.clone(),
                start: s.address,
                end: s.address.wrapping_add(s.size).wrapping_sub(1),
            })
            .collect()
    }

    fn obj_addr(&self, addr: u64) -> u64 {
        addr.wrapping_sub(self.offset)
    }

    fn disassemble(&self, start: u64, end: u64) -> Result<Vec<Instruction>, String> {
        let insts = self
            .binary
            .disassemble(start, end, self.syntax)
            .map_err(|e| e.to_string())?;
        Ok(insts
            .into_iter()
            .map(|i| Instruction {
                addr: i.address,
                text: i.text,
                function: String::new(),
                file: i.file,
                line: i.line,
            })
            .collect())
    }
}
