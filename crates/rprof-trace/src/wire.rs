//! The wire-level reader: events exactly as they appear in the byte stream,
//! without tables, ordering or validation (Go's `internal/trace/raw`), and
//! its text form, which is what `go tool trace -d=wire` prints.
//!
//! Batch headers are events here too (`EventBatch gen=… size=…`): the
//! payload that follows is read as more events, not skipped.

use std::fmt::Write as _;
use std::io::{Read, Write};

use crate::error::Error;
use crate::input::{Input, ReadVarintError};
use crate::spec::{EventSpec, EventType, specs_for};
use crate::varint::VarintError;
use crate::version::{MAX_HEADER_PEEK, Version, parse_header};

/// One event as read from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WireEvent {
    /// The type byte.
    pub typ: EventType,
    /// The arguments, then (for a stack) 4 values per frame.
    pub args: Vec<u64>,
    /// The trailing bytes of a string or experimental batch.
    pub data: Option<Vec<u8>>,
}

const FRAME_FIELDS: [&str; 4] = ["pc", "func", "file", "line"];

impl WireEvent {
    /// Appends the text form (Go's `raw.Event.String`) to `out`, without
    /// the final newline.
    pub fn write_text(&self, version: Version, out: &mut String) {
        let spec = &specs_for(version)[usize::from(self.typ)];
        out.push_str(spec.name);
        for (name, v) in spec.args.iter().zip(&self.args) {
            let _ = write!(out, " {name}={v}");
        }
        if spec.is_stack {
            for (i, v) in self.args.iter().skip(spec.args.len()).enumerate() {
                out.push_str(if i % 4 == 0 { "\n\t" } else { " " });
                let _ = write!(out, "{}={v}", FRAME_FIELDS[i % 4]);
            }
        }
        if let Some(data) = &self.data {
            out.push_str("\n\tdata=");
            crate::quote::quote_into(out, data);
        }
    }
}

/// Reads wire events one after the other.
pub struct WireReader<R> {
    input: Input<R>,
    version: Version,
    specs: &'static [EventSpec],
}

/// The result of reading a part of an event: a clean end of the stream is
/// not an error (Go's raw reader returns `io.EOF` for it).
enum Step {
    Eof,
    Err(Error),
}

fn varint_step(e: ReadVarintError) -> Step {
    match e {
        ReadVarintError::Varint(VarintError::Eof) => Step::Eof,
        ReadVarintError::Varint(v) => Step::Err(Error::format(v.go_text())),
        ReadVarintError::Io(e) => Step::Err(Error::Io(e)),
    }
}

impl<R: Read> WireReader<R> {
    /// Reads the header. Old-format traces are accepted here but every
    /// event then fails, as in Go (`invalid event type`).
    pub fn new(r: R) -> Result<Self, Error> {
        let mut input = Input::new(r);
        let head = input.peek(MAX_HEADER_PEEK)?;
        let (version, used) = parse_header(head)?;
        input.consume(used);
        Ok(WireReader {
            input,
            version,
            specs: specs_for(version),
        })
    }

    /// The trace's version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The offset in the stream of the next byte to read.
    pub fn offset(&self) -> u64 {
        self.input.offset()
    }

    /// Reads the next event into `ev`. `Ok(false)` at the end of the
    /// stream, which (as in Go) includes a stream that ends exactly where
    /// an argument or a data byte should start.
    pub fn read_event(&mut self, ev: &mut WireEvent) -> Result<bool, Error> {
        match self.read_inner(ev) {
            Ok(()) => Ok(true),
            Err(Step::Eof) => Ok(false),
            Err(Step::Err(e)) => Err(e),
        }
    }

    fn read_inner(&mut self, ev: &mut WireEvent) -> Result<(), Step> {
        let evb = match self.input.read_byte() {
            Ok(Some(b)) => b,
            Ok(None) => return Err(Step::Eof),
            Err(e) => return Err(Step::Err(Error::Io(e))),
        };
        if usize::from(evb) >= self.specs.len() || evb == 0 {
            return Err(Step::Err(Error::format(format!(
                "invalid event type: {evb}"
            ))));
        }
        let spec = &self.specs[usize::from(evb)];
        ev.typ = evb;
        ev.args.clear();
        ev.data = None;
        for _ in 0..spec.args.len() {
            ev.args
                .push(self.input.read_uvarint().map_err(varint_step)?);
        }
        if spec.is_stack {
            // Go converts with int(): counts of 2^63 and more are negative.
            let n = ev.args[1];
            let n = if n > i64::MAX as u64 { 0 } else { n };
            for _ in 0..n {
                for _ in 0..4 {
                    ev.args
                        .push(self.input.read_uvarint().map_err(varint_step)?);
                }
            }
        }
        if spec.has_data {
            let len = self.input.read_uvarint().map_err(varint_step)?;
            let len = if len > i64::MAX as u64 { 0 } else { len };
            let mut data = Vec::new();
            let got = self
                .input
                .read_into(&mut data, len)
                .map_err(|e| Step::Err(Error::Io(e)))?;
            if got < len {
                return Err(Step::Eof);
            }
            ev.data = Some(data);
        }
        Ok(())
    }
}

/// Writes what `go tool trace -d=wire TRACE` prints for `trace` to `out`.
///
/// On a malformed stream everything before the bad event has been written
/// when the error is returned (as Go prints it before failing).
pub fn dump_wire<R: Read, W: Write>(trace: R, mut out: W) -> Result<(), Error> {
    let mut rd = WireReader::new(trace)?;
    let version = rd.version();
    let mut ev = WireEvent::default();
    let mut text = String::with_capacity(64 << 10);
    let res = loop {
        match rd.read_event(&mut ev) {
            Ok(true) => {
                ev.write_text(version, &mut text);
                text.push('\n');
                if text.len() >= 60 << 10 {
                    out.write_all(text.as_bytes()).map_err(Error::Write)?;
                    text.clear();
                }
            }
            Ok(false) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    out.write_all(text.as_bytes()).map_err(Error::Write)?;
    out.flush().map_err(Error::Write)?;
    res
}
