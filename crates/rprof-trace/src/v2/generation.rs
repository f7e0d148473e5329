//! Reading one generation of a new-format trace: batch framing
//! (`batch.go`) and the structural batches (`generation.go`): strings,
//! stacks, CPU samples, the sync batch, experimental batches. Event
//! batches are kept as bytes, grouped by thread, for the cursors.

use std::io::Read;
use std::sync::Arc;

use crate::error::Error;
use crate::event::{GoId, NO_GOROUTINE, SchedCtx, ThreadId};
use crate::fxhash::FxHashMap;
use crate::gosort::sort_func;
use crate::input::{Input, ReadVarintError};
use crate::spec::{
    self, EV_CPU_SAMPLES, EV_END_OF_GENERATION, EV_EVENT_BATCH, EV_EXPERIMENTAL_BATCH,
};
use crate::table::{EvTable, ExperimentalBatch, Frame, Time, freq_mul};
use crate::varint::{VarintError, read_uvarint};
use crate::version::Version;

/// A batch header, as read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchHeader {
    pub(crate) generation: u64,
    pub(crate) m: ThreadId,
    pub(crate) time: u64,
    pub(crate) exp: u8,
    pub(crate) end_of_generation: bool,
}

/// A batch read ahead of its generation (traces before Go 1.26 end a
/// generation by starting the next one).
pub(crate) struct SpilledBatch {
    pub(crate) hdr: BatchHeader,
    pub(crate) data: Vec<u8>,
}

/// One event batch of a thread: its base time and its bytes in
/// [`Generation::data`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchRef {
    pub(crate) time: u64,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// A CPU profile sample.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuSample {
    pub(crate) ctx: SchedCtx,
    pub(crate) time: Time,
    pub(crate) stack: u64,
}

/// Everything of one generation the ordering needs.
pub(crate) struct Generation {
    pub(crate) generation: u64,
    /// Payloads of all event batches.
    pub(crate) data: Vec<u8>,
    /// Threads in order of their first batch.
    pub(crate) batch_ms: Vec<ThreadId>,
    /// Batches of each thread in `batch_ms`, in file order.
    pub(crate) batches: Vec<Vec<BatchRef>>,
    pub(crate) cpu_samples: Vec<CpuSample>,
    pub(crate) min_ts: u64,
    pub(crate) table: Arc<EvTable>,
}

/// A generation being assembled.
struct Builder {
    generation: u64,
    data: Vec<u8>,
    m_index: FxHashMap<ThreadId, usize>,
    batch_ms: Vec<ThreadId>,
    batches: Vec<Vec<BatchRef>>,
    cpu_samples: Vec<CpuSample>,
    min_ts: u64,
    table: EvTable,
}

impl Builder {
    /// A builder whose payloads go into `data` (emptied first): a buffer
    /// of an earlier generation, so that its pages are reused instead of
    /// new ones faulted in and zeroed by the kernel, and the vector is not
    /// grown by copying again.
    fn with_data(mut data: Vec<u8>) -> Self {
        data.clear();
        Builder {
            generation: 0,
            data,
            m_index: FxHashMap::default(),
            batch_ms: Vec::new(),
            batches: Vec::new(),
            cpu_samples: Vec::new(),
            min_ts: 0,
            table: EvTable::default(),
        }
    }

    /// Go's `processBatch`, for a batch whose bytes are `data[start..]`.
    fn process_batch(
        &mut self,
        hdr: &BatchHeader,
        start: usize,
        ver: Version,
    ) -> Result<(), Error> {
        let payload = &self.data[start..];
        let first = payload.first().copied();
        let plain = hdr.exp == 0 && first.is_some();
        let res = if plain && first == Some(spec::EV_STRINGS) {
            add_strings(&mut self.table, payload)
        } else if plain && first == Some(spec::EV_STACKS) {
            add_stacks(&mut self.table, payload)
        } else if plain && first == Some(EV_CPU_SAMPLES) {
            add_cpu_samples(&mut self.cpu_samples, payload)
        } else if plain && is_sync_batch(first, ver) {
            set_sync_batch(&mut self.table, payload, hdr.time, ver)
        } else if hdr.exp != 0 {
            let batch = ExperimentalBatch {
                thread: hdr.m,
                data: payload.to_vec(),
            };
            match self
                .table
                .exp_batches
                .iter_mut()
                .find(|(e, _)| *e == hdr.exp)
            {
                Some((_, v)) => v.push(batch),
                None => self.table.exp_batches.push((hdr.exp, vec![batch])),
            }
            Ok(())
        } else if plain && first == Some(EV_END_OF_GENERATION) {
            Err(Error::format(
                "internal error: unexpectedly processing EndOfGeneration; broken trace?",
            ))
        } else {
            // An event batch: keep its bytes.
            let i = match self.m_index.get(&hdr.m) {
                Some(&i) => i,
                None => {
                    let i = self.batch_ms.len();
                    self.m_index.insert(hdr.m, i);
                    self.batch_ms.push(hdr.m);
                    self.batches.push(Vec::new());
                    i
                }
            };
            self.batches[i].push(BatchRef {
                time: hdr.time,
                start,
                end: self.data.len(),
            });
            return Ok(());
        };
        // Structural batches are not kept.
        self.data.truncate(start);
        res
    }

    /// The checks and fix-ups after the last batch.
    fn finish(mut self, ver: Version) -> Result<Generation, Error> {
        if self.table.freq == 0.0 {
            return Err(Error::format("no frequency event found"));
        }
        if ver >= Version::Go125 && !self.table.has_clock_snapshot {
            return Err(Error::format("no clock snapshot event found"));
        }
        self.table.strings.shrink();
        self.table.stacks.shrink();
        validate_stack_strings(&self.table)?;
        let freq = self.table.freq;
        for s in &mut self.cpu_samples {
            s.time = freq_mul(freq, s.time as u64);
        }
        sort_func(&mut self.cpu_samples, &|a: &CpuSample, b: &CpuSample| {
            a.time < b.time
        });
        Ok(Generation {
            generation: self.generation,
            data: self.data,
            batch_ms: self.batch_ms,
            batches: self.batches,
            cpu_samples: self.cpu_samples,
            min_ts: self.min_ts,
            table: Arc::new(self.table),
        })
    }

    fn note_time(&mut self, t: u64) {
        if self.min_ts == 0 || t < self.min_ts {
            self.min_ts = t;
        }
    }
}

fn is_sync_batch(first: Option<u8>, ver: Version) -> bool {
    (first == Some(spec::EV_FREQUENCY) && ver < Version::Go125)
        || (first == Some(spec::EV_SYNC) && ver >= Version::Go125)
}

/// The outcome of reading one batch.
pub(crate) enum BatchRead {
    /// A clean end of the stream where a batch would start.
    Eof,
    /// A batch: header, and its payload appended to the buffer.
    Batch(BatchHeader),
}

fn header_field(what: &str, e: ReadVarintError) -> Error {
    match e {
        ReadVarintError::Varint(v) => {
            Error::format(format!("error reading batch {what}: {}", v.go_text()))
        }
        ReadVarintError::Io(e) => Error::Io(e),
    }
}

/// Go's `readBatch`: reads the next batch, appending its payload to `buf`.
pub(crate) fn read_batch<R: Read>(
    input: &mut Input<R>,
    buf: &mut Vec<u8>,
) -> Result<BatchRead, Error> {
    let Some(b) = input.read_byte().map_err(Error::Io)? else {
        return Ok(BatchRead::Eof);
    };
    if b == EV_END_OF_GENERATION {
        buf.push(b);
        return Ok(BatchRead::Batch(BatchHeader {
            generation: 0,
            m: -1,
            time: 0,
            exp: 0,
            end_of_generation: true,
        }));
    }
    if b != EV_EVENT_BATCH && b != EV_EXPERIMENTAL_BATCH {
        return Err(Error::format(format!(
            "expected batch event, got event {b}"
        )));
    }
    let mut exp = 0u8;
    if b == EV_EXPERIMENTAL_BATCH {
        // Go returns the bare io.EOF here, which reads as a clean end.
        let Some(e) = input.read_byte().map_err(Error::Io)? else {
            return Ok(BatchRead::Eof);
        };
        exp = e;
    }
    let generation = input.read_uvarint().map_err(|e| header_field("gen", e))?;
    let m = input.read_uvarint().map_err(|e| header_field("M ID", e))?;
    let time = input
        .read_uvarint()
        .map_err(|e| header_field("timestamp", e))?;
    let size = input.read_uvarint().map_err(|e| header_field("size", e))?;
    if size > spec::MAX_BATCH_SIZE {
        return Err(Error::format(format!(
            "invalid batch size {size}, maximum is {}",
            spec::MAX_BATCH_SIZE
        )));
    }
    let n = input.read_into(buf, size).map_err(Error::Io)?;
    if n != size {
        return Err(Error::format(format!(
            "failed to read full batch: read {n} but wanted {size}"
        )));
    }
    Ok(BatchRead::Batch(BatchHeader {
        generation,
        m: m as i64,
        time,
        exp,
        end_of_generation: false,
    }))
}

/// Go's `readGeneration` (Go 1.26+ traces, generations end with an
/// EndOfGeneration byte), into `buf` (see [`Builder::with_data`]).
/// `Ok(None)`: the trace is over.
pub(crate) fn read_generation<R: Read>(
    input: &mut Input<R>,
    ver: Version,
    buf: Vec<u8>,
) -> Result<Option<Generation>, Error> {
    let mut g = Builder::with_data(buf);
    loop {
        let start = g.data.len();
        let hdr = match read_batch(input, &mut g.data) {
            Ok(BatchRead::Eof) => {
                if !g.batches.is_empty() {
                    return Err(Error::format(
                        "incomplete generation found; trace likely truncated",
                    ));
                }
                return Ok(None);
            }
            Ok(BatchRead::Batch(h)) => h,
            Err(e) => return Err(e),
        };
        if g.generation == 0 {
            g.generation = hdr.generation;
        }
        if hdr.end_of_generation {
            g.data.truncate(start);
            break;
        }
        if hdr.generation == 0 {
            return Err(Error::format(format!(
                "invalid generation number {}",
                hdr.generation
            )));
        }
        if hdr.generation != g.generation {
            return Err(Error::format(
                "broken trace: missing end-of-generation event, or generations are interleaved",
            ));
        }
        g.note_time(hdr.time);
        g.process_batch(&hdr, start, ver)?;
    }
    g.finish(ver).map(Some)
}

/// Go's `readGenerationWithSpill` (traces before Go 1.26): a generation
/// ends where a batch of the next one starts; that batch is returned as
/// the spill. A read error after the generation started is returned next
/// to the generation (which is still good).
pub(crate) fn read_generation_with_spill<R: Read>(
    input: &mut Input<R>,
    spill: Option<SpilledBatch>,
    ver: Version,
    spill_start: &mut u64,
    buf: Vec<u8>,
) -> Result<(Generation, Option<SpilledBatch>, Option<Error>), Error> {
    let mut g = Builder::with_data(buf);
    if let Some(sp) = spill {
        g.generation = sp.hdr.generation;
        g.min_ts = sp.hdr.time;
        let start = g.data.len();
        g.data.extend_from_slice(&sp.data);
        g.process_batch(&sp.hdr, start, ver)?;
    }
    let mut spill_err = None;
    let mut next_spill = None;
    loop {
        let start = g.data.len();
        *spill_start = input.offset();
        let hdr = match read_batch(input, &mut g.data) {
            Ok(BatchRead::Eof) => {
                g.data.truncate(start);
                break;
            }
            Ok(BatchRead::Batch(h)) => h,
            Err(e) => {
                g.data.truncate(start);
                if g.generation != 0 {
                    spill_err = Some(e);
                    break;
                }
                return Err(e);
            }
        };
        if hdr.generation == 0 {
            return Err(Error::format(format!(
                "invalid generation number {}",
                hdr.generation
            )));
        }
        if g.generation == 0 {
            g.generation = hdr.generation;
        }
        if hdr.generation == g.generation.wrapping_add(1) {
            let data = g.data[start..].to_vec();
            g.data.truncate(start);
            next_spill = Some(SpilledBatch { hdr, data });
            break;
        }
        if hdr.generation != g.generation {
            return Err(Error::format("generations out of order"));
        }
        g.note_time(hdr.time);
        g.process_batch(&hdr, start, ver)?;
    }
    let generation = g.finish(ver)?;
    Ok((generation, next_spill, spill_err))
}

fn varint_err(e: VarintError) -> Error {
    Error::format(e.go_text())
}

fn add_strings(t: &mut EvTable, b: &[u8]) -> Result<(), Error> {
    let mut pos = 1; // the Strings byte
    while pos < b.len() {
        let ev = b[pos];
        pos += 1;
        if ev != spec::EV_STRING {
            return Err(Error::format(format!("expected string event, got {ev}")));
        }
        let id = read_uvarint(b, &mut pos).map_err(varint_err)?;
        let len = read_uvarint(b, &mut pos).map_err(varint_err)?;
        if len > spec::MAX_EVENT_TRAILER_DATA_SIZE {
            return Err(Error::format(format!(
                "invalid string size {len}, maximum is {}",
                spec::MAX_EVENT_TRAILER_DATA_SIZE
            )));
        }
        let avail = (b.len() - pos) as u64;
        if avail < len {
            return Err(Error::format(format!(
                "failed to read full string: read {avail} but wanted {len}"
            )));
        }
        let s: Box<[u8]> = b[pos..pos + len as usize].into();
        pos += len as usize;
        if t.strings.insert(id, s).is_err() {
            return Err(Error::format(format!(
                "multiple strings with the same ID: id={id}"
            )));
        }
    }
    Ok(())
}

fn add_stacks(t: &mut EvTable, b: &[u8]) -> Result<(), Error> {
    let mut pos = 1; // the Stacks byte
    while pos < b.len() {
        let ev = b[pos];
        pos += 1;
        if ev != spec::EV_STACK {
            return Err(Error::format(format!("expected stack event, got {ev}")));
        }
        let id = read_uvarint(b, &mut pos).map_err(varint_err)?;
        let n = read_uvarint(b, &mut pos).map_err(varint_err)?;
        if n > spec::MAX_FRAMES_PER_STACK {
            return Err(Error::format(format!(
                "invalid stack size {n}, maximum is {}",
                spec::MAX_FRAMES_PER_STACK
            )));
        }
        let mut pcs = Vec::with_capacity(n as usize);
        for i in 0..n {
            let mut field = |what: &str| {
                read_uvarint(b, &mut pos).map_err(|e| {
                    Error::format(format!(
                        "reading frame {}'s {what} for stack {id}: {}",
                        i + 1,
                        e.go_text()
                    ))
                })
            };
            let pc = field("PC")?;
            let func_id = field("funcID")?;
            let file_id = field("fileID")?;
            let line = field("line")?;
            pcs.push(pc);
            t.pcs.entry(pc).or_insert(Frame {
                func_id,
                file_id,
                line,
            });
        }
        if t.stacks.insert(id, pcs.into_boxed_slice()).is_err() {
            return Err(Error::format(format!(
                "multiple stacks with the same ID: id={id}"
            )));
        }
    }
    Ok(())
}

fn add_cpu_samples(samples: &mut Vec<CpuSample>, b: &[u8]) -> Result<(), Error> {
    let mut pos = 1; // the CPUSamples byte
    while pos < b.len() {
        let ev = b[pos];
        pos += 1;
        if ev != spec::EV_CPU_SAMPLE {
            return Err(Error::format(format!(
                "expected CPU sample event, got {ev}"
            )));
        }
        let ts = read_uvarint(b, &mut pos).map_err(varint_err)?;
        let m = read_uvarint(b, &mut pos).map_err(varint_err)?;
        let p = read_uvarint(b, &mut pos).map_err(varint_err)?;
        let g = read_uvarint(b, &mut pos).map_err(varint_err)?;
        let stack = read_uvarint(b, &mut pos).map_err(varint_err)?;
        let g: GoId = if g == 0 { NO_GOROUTINE } else { g as i64 };
        samples.push(CpuSample {
            ctx: SchedCtx {
                g,
                p: p as i64,
                m: m as i64,
            },
            // The raw timestamp for now; converted once the frequency is known.
            time: ts as i64,
            stack,
        });
    }
    Ok(())
}

fn set_sync_batch(t: &mut EvTable, b: &[u8], batch_time: u64, ver: Version) -> Result<(), Error> {
    let mut pos = 0;
    if ver >= Version::Go125 {
        pos = 1; // the Sync byte (checked by the caller)
    }
    let mut last_ts = batch_time;
    while pos < b.len() {
        let ev = b[pos];
        pos += 1;
        if ev == spec::EV_FREQUENCY {
            if t.freq != 0.0 {
                return Err(Error::format("found multiple frequency events"));
            }
            let f = read_uvarint(b, &mut pos).map_err(varint_err)?;
            t.freq = 1.0 / (f as f64 / 1e9);
        } else if ev == spec::EV_CLOCK_SNAPSHOT && ver >= Version::Go125 {
            if t.has_clock_snapshot {
                return Err(Error::format("found multiple clock snapshot events"));
            }
            t.has_clock_snapshot = true;
            let dt = read_uvarint(b, &mut pos).map_err(varint_err)?;
            last_ts = last_ts.wrapping_add(dt);
            t.snap_time = last_ts;
            t.snap_mono = read_uvarint(b, &mut pos).map_err(varint_err)?;
            t.snap_sec = read_uvarint(b, &mut pos).map_err(varint_err)?;
            t.snap_nsec = read_uvarint(b, &mut pos).map_err(varint_err)?;
        } else {
            return Err(Error::format(format!(
                "expected frequency or clock snapshot event, got {ev}"
            )));
        }
    }
    Ok(())
}

fn validate_stack_strings(t: &EvTable) -> Result<(), Error> {
    for (id, pcs) in t.stacks.iter() {
        for pc in pcs.iter() {
            let Some(f) = t.pcs.get(pc) else {
                return Err(Error::format(format!(
                    "found unknown pc {pc:x} for stack {id}"
                )));
            };
            if t.strings.get(f.func_id).is_none() {
                return Err(Error::format(format!(
                    "found invalid func string ID {} for stack {id}",
                    f.func_id
                )));
            }
            if t.strings.get(f.file_id).is_none() {
                return Err(Error::format(format!(
                    "found invalid file string ID {} for stack {id}",
                    f.file_id
                )));
            }
        }
    }
    Ok(())
}
