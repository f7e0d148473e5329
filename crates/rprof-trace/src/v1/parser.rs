//! The old-format parser (Go's `internal/trace/internal/tracev1`): reads
//! the whole trace, indexes the per-P batches, merges them into one stream
//! using goroutine sequence numbers (`order.go`), converts ticks to
//! nanoseconds and checks the result (`postProcessTrace`).

use crate::error::Error;
use crate::fxhash::FxHashMap;
use crate::gosort::sort_func;
use crate::table::go_f64_to_i64;
use crate::varint::uvarint;
use crate::version::Version;

pub(crate) type EventType = u8;

pub(crate) const EV_NONE: EventType = 0;
pub(crate) const EV_BATCH: EventType = 1;
pub(crate) const EV_FREQUENCY: EventType = 2;
pub(crate) const EV_STACK: EventType = 3;
pub(crate) const EV_GOMAXPROCS: EventType = 4;
pub(crate) const EV_PROC_START: EventType = 5;
pub(crate) const EV_PROC_STOP: EventType = 6;
pub(crate) const EV_GC_START: EventType = 7;
pub(crate) const EV_GC_DONE: EventType = 8;
pub(crate) const EV_STW_START: EventType = 9;
pub(crate) const EV_STW_DONE: EventType = 10;
pub(crate) const EV_GC_SWEEP_START: EventType = 11;
pub(crate) const EV_GC_SWEEP_DONE: EventType = 12;
pub(crate) const EV_GO_CREATE: EventType = 13;
pub(crate) const EV_GO_START: EventType = 14;
pub(crate) const EV_GO_END: EventType = 15;
pub(crate) const EV_GO_STOP: EventType = 16;
pub(crate) const EV_GO_SCHED: EventType = 17;
pub(crate) const EV_GO_PREEMPT: EventType = 18;
pub(crate) const EV_GO_SLEEP: EventType = 19;
pub(crate) const EV_GO_BLOCK: EventType = 20;
pub(crate) const EV_GO_UNBLOCK: EventType = 21;
pub(crate) const EV_GO_BLOCK_SEND: EventType = 22;
pub(crate) const EV_GO_BLOCK_RECV: EventType = 23;
pub(crate) const EV_GO_BLOCK_SELECT: EventType = 24;
pub(crate) const EV_GO_BLOCK_SYNC: EventType = 25;
pub(crate) const EV_GO_BLOCK_COND: EventType = 26;
pub(crate) const EV_GO_BLOCK_NET: EventType = 27;
pub(crate) const EV_GO_SYS_CALL: EventType = 28;
pub(crate) const EV_GO_SYS_EXIT: EventType = 29;
pub(crate) const EV_GO_SYS_BLOCK: EventType = 30;
pub(crate) const EV_GO_WAITING: EventType = 31;
pub(crate) const EV_GO_IN_SYSCALL: EventType = 32;
pub(crate) const EV_HEAP_ALLOC: EventType = 33;
pub(crate) const EV_HEAP_GOAL: EventType = 34;
pub(crate) const EV_TIMER_GOROUTINE: EventType = 35;
pub(crate) const EV_STRING: EventType = 37;
pub(crate) const EV_GO_START_LOCAL: EventType = 38;
pub(crate) const EV_GO_UNBLOCK_LOCAL: EventType = 39;
pub(crate) const EV_GO_SYS_EXIT_LOCAL: EventType = 40;
pub(crate) const EV_GO_START_LABEL: EventType = 41;
pub(crate) const EV_GO_BLOCK_GC: EventType = 42;
pub(crate) const EV_GC_MARK_ASSIST_START: EventType = 43;
pub(crate) const EV_GC_MARK_ASSIST_DONE: EventType = 44;
pub(crate) const EV_USER_TASK_CREATE: EventType = 45;
pub(crate) const EV_USER_TASK_END: EventType = 46;
pub(crate) const EV_USER_REGION: EventType = 47;
pub(crate) const EV_USER_LOG: EventType = 48;
pub(crate) const EV_CPU_SAMPLE: EventType = 49;
pub(crate) const EV_COUNT: EventType = 50;

/// (name, minimum version, has a stack, argument count).
pub(crate) struct Desc {
    pub(crate) name: &'static str,
    min_version: u32,
    pub(crate) stack: bool,
    nargs: usize,
}

const fn d(name: &'static str, min_version: u32, stack: bool, nargs: usize) -> Desc {
    Desc {
        name,
        min_version,
        stack,
        nargs,
    }
}

pub(crate) static DESCS: [Desc; EV_COUNT as usize] = [
    d("None", 5, false, 0),
    d("Batch", 5, false, 2),
    d("Frequency", 5, false, 1),
    d("Stack", 5, false, 2),
    d("Gomaxprocs", 5, true, 1),
    d("ProcStart", 5, false, 1),
    d("ProcStop", 5, false, 0),
    d("GCStart", 5, true, 1),
    d("GCDone", 5, false, 0),
    d("GCSTWStart", 5, false, 1),
    d("GCSTWDone", 5, false, 0),
    d("GCSweepStart", 5, true, 0),
    d("GCSweepDone", 5, false, 2),
    d("GoCreate", 5, true, 2),
    d("GoStart", 5, false, 2),
    d("GoEnd", 5, false, 0),
    d("GoStop", 5, true, 0),
    d("GoSched", 5, true, 0),
    d("GoPreempt", 5, true, 0),
    d("GoSleep", 5, true, 0),
    d("GoBlock", 5, true, 0),
    d("GoUnblock", 5, true, 2),
    d("GoBlockSend", 5, true, 0),
    d("GoBlockRecv", 5, true, 0),
    d("GoBlockSelect", 5, true, 0),
    d("GoBlockSync", 5, true, 0),
    d("GoBlockCond", 5, true, 0),
    d("GoBlockNet", 5, true, 0),
    d("GoSysCall", 5, true, 0),
    d("GoSysExit", 5, false, 3),
    d("GoSysBlock", 5, false, 0),
    d("GoWaiting", 5, false, 1),
    d("GoInSyscall", 5, false, 1),
    d("HeapAlloc", 5, false, 1),
    d("HeapGoal", 5, false, 1),
    d("TimerGoroutine", 5, false, 1),
    d("FutileWakeup", 5, false, 0),
    d("String", 7, false, 0),
    d("GoStartLocal", 7, false, 1),
    d("GoUnblockLocal", 7, true, 1),
    d("GoSysExitLocal", 7, false, 2),
    d("GoStartLabel", 8, false, 3),
    d("GoBlockGC", 8, true, 0),
    d("GCMarkAssistStart", 9, true, 0),
    d("GCMarkAssistDone", 9, false, 0),
    d("UserTaskCreate", 11, true, 3),
    d("UserTaskEnd", 11, true, 1),
    d("UserRegion", 11, true, 3),
    d("UserLog", 11, true, 2),
    d("CPUSample", 19, true, 3),
];

// Fake Ps.
pub(crate) const TIMER_P: i32 = 1_000_001;
pub(crate) const NETPOLL_P: i32 = 1_000_002;
pub(crate) const SYSCALL_P: i32 = 1_000_003;
pub(crate) const GC_P: i32 = 1_000_004;
pub(crate) const PROFILE_P: i32 = 1_000_005;

/// One old-format event.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct V1Event {
    pub(crate) ts: i64,
    pub(crate) g: u64,
    pub(crate) args: [u64; 4],
    pub(crate) stk: u32,
    pub(crate) p: i32,
    pub(crate) typ: EventType,
}

/// A parsed old-format trace.
pub(crate) struct V1Trace {
    pub(crate) version: Version,
    pub(crate) events: Vec<V1Event>,
    pub(crate) stacks: FxHashMap<u32, Vec<u64>>,
    /// PC → (func string ID, file string ID, line).
    pub(crate) pcs: FxHashMap<u64, (u64, u64, i64)>,
    pub(crate) strings: FxHashMap<u64, Vec<u8>>,
    pub(crate) inline_strings: Vec<Vec<u8>>,
}

const ERR_MALFORMED_VARINT: &str = "malformatted base-128 varint";
const ERR_TIME_ORDER: &str = "time stamps out of order";

fn err(msg: impl Into<String>) -> Error {
    Error::format(msg)
}

#[derive(Default)]
struct RawEvent {
    typ: EventType,
    args: Vec<u64>,
    sargs: Vec<Vec<u8>>,
    batch_pid: i32,
    batch_offset: usize,
}

impl RawEvent {
    fn arg_num(&self) -> usize {
        let desc = &DESCS[usize::from(self.typ)];
        if self.typ == EV_STACK {
            return self.args.len();
        }
        let mut n = desc.nargs;
        if desc.stack {
            n += 1;
        }
        match self.typ {
            EV_BATCH | EV_FREQUENCY | EV_TIMER_GOROUTINE => n,
            _ => n + 1,
        }
    }
}

#[derive(Clone, Copy)]
struct BatchOffset {
    offset: usize,
    num_events: usize,
}

/// Why reading a raw event stopped.
enum Stop {
    Eof,
    Err(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop::Err(e)
    }
}

const SKIP_ARGS: u32 = 1;
const SKIP_STRINGS: u32 = 2;

struct Parser {
    ver: Version,
    data: Vec<u8>,
    off: usize,
    strings: FxHashMap<u64, Vec<u8>>,
    inline_strings: Vec<Vec<u8>>,
    inline_mapping: FxHashMap<Vec<u8>, usize>,
    /// Batches of each P, in order of the P's first batch.
    batch_pids: Vec<i32>,
    batch_offsets: FxHashMap<i32, std::collections::VecDeque<BatchOffset>>,
    stacks: FxHashMap<u32, Vec<u64>>,
    ticks_per_sec: i64,
    pcs: FxHashMap<u64, (u64, u64, i64)>,
    cpu_samples: Vec<V1Event>,
    timer_goids: FxHashMap<u64, bool>,
    last_ts: i64,
    last_g: u64,
    last_gs: FxHashMap<i32, u64>,
    last_p: i32,
}

impl Parser {
    fn read_val(&mut self) -> Result<u64, Error> {
        let (v, n) = uvarint(&self.data[self.off.min(self.data.len())..]);
        if n <= 0 {
            return Err(err(ERR_MALFORMED_VARINT));
        }
        self.off += n as usize;
        Ok(v)
    }

    fn discard(&mut self, n: u64) -> bool {
        match (self.off as u64).checked_add(n) {
            Some(noff) if noff <= self.data.len() as u64 => {
                self.off = noff as usize;
                true
            }
            _ => false,
        }
    }

    fn read_full(&mut self, n: usize) -> Option<&[u8]> {
        if self.off >= self.data.len() || self.off.checked_add(n)? > self.data.len() {
            return None;
        }
        let s = &self.data[self.off..self.off + n];
        self.off += n;
        Some(s)
    }

    fn read_str(&mut self) -> Result<Vec<u8>, Error> {
        let sz = self.read_val()?;
        if sz == 0 {
            return Ok(Vec::new());
        }
        if sz > 1_000_000 {
            return Err(err(format!("string is too large (len={sz})")));
        }
        match self.read_full(sz as usize) {
            Some(b) => Ok(b.to_vec()),
            None => Err(err("failed to read trace: unexpected EOF")),
        }
    }

    /// Go's `readRawEvent`.
    fn read_raw_event(&mut self, flags: u32, ev: &mut RawEvent) -> Result<(), Stop> {
        const INLINE_ARGS: u8 = 3;
        let Some(&b) = self.data.get(self.off) else {
            return Err(Stop::Eof);
        };
        self.off += 1;
        let typ = b & 0x3f;
        let narg = (b >> 6) + 1;
        if typ == EV_NONE
            || typ >= EV_COUNT
            || DESCS[usize::from(typ)].min_version > self.ver.minor()
        {
            return Err(err(format!("unknown event type {typ}")).into());
        }
        match typ {
            EV_STRING => {
                if flags & SKIP_STRINGS != 0 {
                    self.read_val().map_err(|_| err(ERR_MALFORMED_VARINT))?;
                    let ln = self.read_val()?;
                    if !self.discard(ln) {
                        return Err(err("failed to read trace: EOF").into());
                    }
                } else {
                    let id = self.read_val()?;
                    if id == 0 {
                        return Err(err("string has invalid id 0").into());
                    }
                    if self.strings.get(&id).is_some_and(|s| !s.is_empty()) {
                        return Err(err(format!("string has duplicate id {id}")).into());
                    }
                    let ln = self.read_val()?;
                    if ln == 0 {
                        return Err(err("string has invalid length 0").into());
                    }
                    if ln > 1_000_000 {
                        return Err(err(format!("string has too large length {ln}")).into());
                    }
                    let s = match self.read_full(ln as usize) {
                        Some(s) => s.to_vec(),
                        None => return Err(err("failed to read trace: unexpected EOF").into()),
                    };
                    self.strings.insert(id, s);
                }
                ev.typ = EV_NONE;
                Ok(())
            }
            EV_BATCH => {
                if narg != 2 {
                    return Err(err(format!(
                        "EvBatch has wrong number of arguments: got {narg}, want 2"
                    ))
                    .into());
                }
                let off = self.off - 1;
                let pid = self.read_val()?;
                if pid != u64::MAX && pid > i32::MAX as u64 {
                    return Err(err(format!(
                        "processor ID {pid} is larger than maximum of {}",
                        u64::MAX
                    ))
                    .into());
                }
                let pid32 = if pid == u64::MAX { -1 } else { pid as i32 };
                let v = self.read_val()?;
                ev.typ = EV_BATCH;
                ev.args.clear();
                ev.sargs.clear();
                ev.batch_pid = pid32;
                ev.batch_offset = off;
                ev.args.extend([pid, v]);
                Ok(())
            }
            _ => {
                ev.typ = typ;
                ev.args.clear();
                ev.sargs.clear();
                if narg <= INLINE_ARGS {
                    for _ in 0..narg {
                        let v = self.read_val().map_err(|_| {
                            err(format!(
                                "failed to read event {typ} argument: {ERR_MALFORMED_VARINT}"
                            ))
                        })?;
                        if flags & SKIP_ARGS == 0 {
                            ev.args.push(v);
                        }
                    }
                } else {
                    let v = self.read_val().map_err(|_| {
                        err(format!(
                            "failed to read event {typ} argument: {ERR_MALFORMED_VARINT}"
                        ))
                    })?;
                    if v > 2048 {
                        return Err(err(format!(
                            "failed to read event {typ} argument: length-prefixed argument too big: {v} bytes, limit is 2048"
                        ))
                        .into());
                    }
                    if flags & SKIP_ARGS == 0 || typ == EV_CPU_SAMPLE {
                        let Some(buf) = self.read_full(v as usize) else {
                            return Err(err("failed to read trace: unexpected EOF").into());
                        };
                        let mut buf = buf;
                        let mut args = std::mem::take(&mut ev.args);
                        while !buf.is_empty() {
                            let (x, n) = uvarint(buf);
                            if n <= 0 {
                                return Err(err(ERR_MALFORMED_VARINT).into());
                            }
                            args.push(x);
                            buf = &buf[n as usize..];
                        }
                        ev.args = args;
                    } else if !self.discard(v) {
                        return Err(err("failed to read trace: EOF").into());
                    }
                    if typ == EV_USER_LOG {
                        if flags & SKIP_ARGS == 0 {
                            let s = self.read_str()?;
                            ev.sargs.push(s);
                        } else {
                            let v = self.read_val()?;
                            if !self.discard(v) {
                                return Err(Stop::Eof);
                            }
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// Pass 1: where the batches are, and the CPU samples.
    fn collect_batches_and_cpu_samples(&mut self) -> Result<(), Error> {
        let mut raw = RawEvent::default();
        let mut cur_p: i32 = 0;
        loop {
            match self.read_raw_event(SKIP_ARGS | SKIP_STRINGS, &mut raw) {
                Ok(()) => {}
                Err(Stop::Eof) => break,
                Err(Stop::Err(e)) => return Err(e),
            }
            if raw.typ == EV_NONE {
                continue;
            }
            if raw.typ == EV_BATCH {
                if !self.batch_offsets.contains_key(&raw.batch_pid) {
                    self.batch_pids.push(raw.batch_pid);
                }
                self.batch_offsets
                    .entry(raw.batch_pid)
                    .or_default()
                    .push_back(BatchOffset {
                        offset: raw.batch_offset,
                        num_events: 0,
                    });
                cur_p = raw.batch_pid;
            }
            let Some(last) = self
                .batch_offsets
                .get_mut(&cur_p)
                .and_then(|b| b.back_mut())
            else {
                return Err(err(format!(
                    "read event {} with current P of {cur_p}, but P has no batches yet",
                    raw.typ
                )));
            };
            last.num_events += 1;
            if raw.typ == EV_CPU_SAMPLE {
                let narg = raw.arg_num();
                if raw.args.len() != narg {
                    return Err(err(format!(
                        "CPU sample has wrong number of arguments: want {narg}, got {}",
                        raw.args.len()
                    )));
                }
                let mut e = V1Event {
                    typ: raw.typ,
                    ..Default::default()
                };
                for i in 1..narg {
                    if i == narg - 1 {
                        e.stk = raw.args[i] as u32;
                    } else {
                        e.args[i - 1] = raw.args[i];
                    }
                }
                e.ts = e.args[0] as i64;
                e.p = e.args[1] as i32;
                e.g = e.args[2];
                e.args[0] = 0;
                self.cpu_samples.push(e);
            }
        }
        Ok(())
    }

    /// Go's `loadBatch`: the events of the next batch of `pid`, or `None`
    /// when it has no more.
    fn load_batch(&mut self, pid: i32, events: &mut Vec<V1Event>) -> Result<bool, Error> {
        let Some(bo) = self.batch_offsets.get_mut(&pid).and_then(|q| q.pop_front()) else {
            return Ok(false);
        };
        self.off = bo.offset;
        events.clear();
        events.reserve(bo.num_events);
        let mut got_header = false;
        let mut raw = RawEvent::default();
        loop {
            match self.read_raw_event(0, &mut raw) {
                Ok(()) => {}
                Err(Stop::Eof) => break,
                Err(Stop::Err(e)) => return Err(e),
            }
            if raw.typ == EV_NONE || raw.typ == EV_CPU_SAMPLE {
                continue;
            }
            if raw.typ == EV_BATCH {
                if got_header {
                    break;
                }
                got_header = true;
            }
            if let Some(ev) = self.parse_event(&raw)? {
                events.push(ev);
            }
        }
        Ok(true)
    }

    /// Go's `parseEvent`.
    fn parse_event(&mut self, raw: &RawEvent) -> Result<Option<V1Event>, Error> {
        let desc = &DESCS[usize::from(raw.typ)];
        let narg = raw.arg_num();
        if raw.args.len() != narg {
            return Err(err(format!(
                "{} has wrong number of arguments: want {narg}, got {}",
                desc.name,
                raw.args.len()
            )));
        }
        match raw.typ {
            EV_BATCH => {
                self.last_gs.insert(self.last_p, self.last_g);
                if raw.args[0] != u64::MAX && raw.args[0] > i32::MAX as u64 {
                    return Err(err(format!(
                        "processor ID {} is larger than maximum of {}",
                        raw.args[0],
                        i32::MAX
                    )));
                }
                self.last_p = if raw.args[0] == u64::MAX {
                    -1
                } else {
                    raw.args[0] as i32
                };
                self.last_g = self.last_gs.get(&self.last_p).copied().unwrap_or(0);
                self.last_ts = raw.args[1] as i64;
            }
            EV_FREQUENCY => {
                self.ticks_per_sec = raw.args[0] as i64;
                if self.ticks_per_sec <= 0 {
                    return Err(err(ERR_TIME_ORDER));
                }
            }
            EV_TIMER_GOROUTINE => {
                self.timer_goids.insert(raw.args[0], true);
            }
            EV_STACK => {
                if raw.args.len() < 2 {
                    return Err(err(format!(
                        "EvStack has wrong number of arguments: want at least 2, got {}",
                        raw.args.len()
                    )));
                }
                let size = raw.args[1];
                if size > 1000 {
                    return Err(err(format!("EvStack has bad number of frames: {size}")));
                }
                let want = 2 + 4 * size;
                if raw.args.len() as u64 != want {
                    return Err(err(format!(
                        "EvStack has wrong number of arguments: want {want}, got {}",
                        raw.args.len()
                    )));
                }
                let id = raw.args[0] as u32;
                if id != 0 && size > 0 {
                    let mut stk = Vec::with_capacity(size as usize);
                    for i in 0..size as usize {
                        let pc = raw.args[2 + i * 4];
                        let f = (
                            raw.args[2 + i * 4 + 1],
                            raw.args[2 + i * 4 + 2],
                            raw.args[2 + i * 4 + 3] as i64,
                        );
                        stk.push(pc);
                        self.pcs.entry(pc).or_insert(f);
                    }
                    self.stacks.insert(id, stk);
                }
            }
            EV_CPU_SAMPLE => {}
            _ => {
                let mut ev = V1Event {
                    typ: raw.typ,
                    p: self.last_p,
                    g: self.last_g,
                    ..Default::default()
                };
                ev.ts = self.last_ts.wrapping_add(raw.args[0] as i64);
                self.last_ts = ev.ts;
                for i in 1..narg {
                    if i == narg - 1 && desc.stack {
                        ev.stk = raw.args[i] as u32;
                    } else {
                        ev.args[i - 1] = raw.args[i];
                    }
                }
                match raw.typ {
                    EV_GO_START | EV_GO_START_LOCAL | EV_GO_START_LABEL => {
                        self.last_g = ev.args[0];
                        ev.g = self.last_g;
                    }
                    EV_GO_END | EV_GO_STOP | EV_GO_SCHED | EV_GO_PREEMPT | EV_GO_SLEEP
                    | EV_GO_BLOCK | EV_GO_BLOCK_SEND | EV_GO_BLOCK_RECV | EV_GO_BLOCK_SELECT
                    | EV_GO_BLOCK_SYNC | EV_GO_BLOCK_COND | EV_GO_BLOCK_NET | EV_GO_SYS_BLOCK
                    | EV_GO_BLOCK_GC => {
                        self.last_g = 0;
                    }
                    EV_GO_SYS_EXIT | EV_GO_WAITING | EV_GO_IN_SYSCALL => ev.g = ev.args[0],
                    EV_USER_LOG => {
                        let s = raw.sargs.first().cloned().unwrap_or_default();
                        let id = match self.inline_mapping.get(&s) {
                            Some(&id) => id,
                            None => {
                                let id = self.inline_strings.len();
                                self.inline_mapping.insert(s.clone(), id);
                                self.inline_strings.push(s);
                                id
                            }
                        };
                        ev.args[3] = id as u64;
                    }
                    _ => {}
                }
                return Ok(Some(ev));
            }
        }
        Ok(None)
    }

    /// Go's `parseEventBatches`: the merged stream.
    fn parse_event_batches(&mut self) -> Result<Vec<V1Event>, Error> {
        sort_func(&mut self.cpu_samples, &|a: &V1Event, b: &V1Event| {
            a.ts < b.ts
        });

        struct Proc {
            pid: i32,
            events: Vec<V1Event>,
            next: usize,
            done: bool,
        }
        // Go ranges over a map here (a random order); take the order of
        // the Ps' first batches.
        let mut all: Vec<Proc> = self
            .batch_pids
            .iter()
            .map(|&pid| Proc {
                pid,
                events: Vec::new(),
                next: 0,
                done: false,
            })
            .collect();
        all.push(Proc {
            pid: PROFILE_P,
            events: std::mem::take(&mut self.cpu_samples),
            next: 0,
            done: false,
        });

        let mut events: Vec<V1Event> = Vec::new();
        let mut gs: FxHashMap<u64, GState> = FxHashMap::default();
        let mut frontier: Vec<(V1Event, usize)> = Vec::new();
        let mut available: Vec<usize> = (0..all.len()).collect();
        loop {
            let mut i = 0isize;
            'pids: while (i as usize) < available.len() {
                let pi = available[i as usize];
                while all[pi].next == all[pi].events.len() {
                    let pid = all[pi].pid;
                    let mut buf = std::mem::take(&mut all[pi].events);
                    if !self.load_batch(pid, &mut buf)? {
                        all[pi].done = true;
                        let last = available.len() - 1;
                        available.swap(i as usize, last);
                        available.pop();
                        all[pi].events = buf;
                        // Look at index i again.
                        continue 'pids;
                    }
                    all[pi].events = buf;
                    all[pi].next = 0;
                }
                let ev = all[pi].events[all[pi].next];
                let (g, init, _) = state_transition(&ev);
                let cur = gs.get(&g).copied().unwrap_or_default();
                if !transition_ready(g, cur, init) {
                    i += 1;
                    continue;
                }
                all[pi].next += 1;
                let last = available.len() - 1;
                available.swap(i as usize, last);
                available.pop();
                heap_push(&mut frontier, (ev, pi));
            }
            if frontier.is_empty() {
                if all.iter().any(|p| !p.done) {
                    return Err(err("no consistent ordering of events possible"));
                }
                break;
            }
            let (mut ev, pi) = heap_pop(&mut frontier);
            let (g, init, next) = state_transition(&ev);
            match ev.typ {
                EV_GO_START_LOCAL => ev.typ = EV_GO_START,
                EV_GO_UNBLOCK_LOCAL => ev.typ = EV_GO_UNBLOCK,
                EV_GO_SYS_EXIT_LOCAL => ev.typ = EV_GO_SYS_EXIT,
                _ => {}
            }
            events.push(ev);
            transition(&mut gs, g, init, next)?;
            available.push(pi);
        }

        if events.windows(2).any(|w| w[1].ts < w[0].ts) {
            return Err(err(ERR_TIME_ORDER));
        }
        let mut last_sys_block: FxHashMap<u64, i64> = FxHashMap::default();
        for ev in events.iter_mut() {
            match ev.typ {
                EV_GO_SYS_BLOCK | EV_GO_IN_SYSCALL => {
                    last_sys_block.insert(ev.g, ev.ts);
                }
                EV_GO_SYS_EXIT => {
                    let ts = ev.args[2] as i64;
                    if ts == 0 {
                        continue;
                    }
                    let block = last_sys_block.get(&ev.g).copied().unwrap_or(0);
                    if block == 0 {
                        return Err(err("stray syscall exit"));
                    }
                    if ts < block {
                        return Err(err(ERR_TIME_ORDER));
                    }
                    ev.ts = ts;
                }
                _ => {}
            }
        }
        events.sort_by_key(|e| e.ts);
        Ok(events)
    }
}

// Goroutine ordering states (order.go).
const G_DEAD: u8 = 0;
const G_RUNNABLE: u8 = 1;
const G_RUNNING: u8 = 2;
const G_WAITING: u8 = 3;
const UNORDERED: u64 = u64::MAX;
const GARBAGE: u64 = u64::MAX - 1;
const NOSEQ: u64 = u64::MAX;
const SEQINC: u64 = u64::MAX - 1;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct GState {
    seq: u64,
    status: u8,
}

const fn gs(seq: u64, status: u8) -> GState {
    GState { seq, status }
}

/// Go's `stateTransition`: (goroutine, state needed, state after).
fn state_transition(ev: &V1Event) -> (u64, GState, GState) {
    match ev.typ {
        EV_GO_CREATE => (ev.args[0], gs(0, G_DEAD), gs(1, G_RUNNABLE)),
        EV_GO_WAITING | EV_GO_IN_SYSCALL => (ev.g, gs(1, G_RUNNABLE), gs(2, G_WAITING)),
        EV_GO_START | EV_GO_START_LABEL => (
            ev.g,
            gs(ev.args[1], G_RUNNABLE),
            gs(ev.args[1].wrapping_add(1), G_RUNNING),
        ),
        EV_GO_START_LOCAL => (ev.g, gs(NOSEQ, G_RUNNABLE), gs(SEQINC, G_RUNNING)),
        EV_GO_BLOCK | EV_GO_BLOCK_SEND | EV_GO_BLOCK_RECV | EV_GO_BLOCK_SELECT
        | EV_GO_BLOCK_SYNC | EV_GO_BLOCK_COND | EV_GO_BLOCK_NET | EV_GO_SLEEP | EV_GO_SYS_BLOCK
        | EV_GO_BLOCK_GC => (ev.g, gs(NOSEQ, G_RUNNING), gs(NOSEQ, G_WAITING)),
        EV_GO_SCHED | EV_GO_PREEMPT => (ev.g, gs(NOSEQ, G_RUNNING), gs(NOSEQ, G_RUNNABLE)),
        EV_GO_UNBLOCK | EV_GO_SYS_EXIT => (
            ev.args[0],
            gs(ev.args[1], G_WAITING),
            gs(ev.args[1].wrapping_add(1), G_RUNNABLE),
        ),
        EV_GO_UNBLOCK_LOCAL | EV_GO_SYS_EXIT_LOCAL => {
            (ev.args[0], gs(NOSEQ, G_WAITING), gs(SEQINC, G_RUNNABLE))
        }
        EV_GC_START => (
            GARBAGE,
            gs(ev.args[0], G_DEAD),
            gs(ev.args[0].wrapping_add(1), G_DEAD),
        ),
        _ => (UNORDERED, GState::default(), GState::default()),
    }
}

fn transition_ready(g: u64, cur: GState, init: GState) -> bool {
    g == UNORDERED || (init.seq == NOSEQ || init.seq == cur.seq) && init.status == cur.status
}

fn transition(
    gmap: &mut FxHashMap<u64, GState>,
    g: u64,
    init: GState,
    mut next: GState,
) -> Result<(), Error> {
    if g == UNORDERED {
        return Ok(());
    }
    let cur = gmap.get(&g).copied().unwrap_or_default();
    if !transition_ready(g, cur, init) {
        return Err(err("encountered impossible goroutine state transition"));
    }
    match next.seq {
        NOSEQ => next.seq = cur.seq,
        SEQINC => next.seq = cur.seq.wrapping_add(1),
        _ => {}
    }
    gmap.insert(g, next);
    Ok(())
}

fn heap_push(h: &mut Vec<(V1Event, usize)>, x: (V1Event, usize)) {
    h.push(x);
    let mut j = h.len() - 1;
    loop {
        let i = j.wrapping_sub(1) / 2;
        if j == 0 || i == j || h[j].0.ts >= h[i].0.ts {
            break;
        }
        h.swap(i, j);
        j = i;
    }
}

fn heap_pop(h: &mut Vec<(V1Event, usize)>) -> (V1Event, usize) {
    let n = h.len() - 1;
    h.swap(0, n);
    // heapDown(h, 0, n)
    let mut i = 0;
    loop {
        let j1 = 2 * i + 1;
        if j1 >= n {
            break;
        }
        let mut j = j1;
        let j2 = j1 + 1;
        if j2 < n && h[j2].0.ts < h[j1].0.ts {
            j = j2;
        }
        if h[j].0.ts >= h[i].0.ts {
            break;
        }
        h.swap(i, j);
        i = j;
    }
    h.pop().expect("non-empty heap")
}

/// Go's `tracev1.Parse`: `data` is everything after the header.
pub(crate) fn parse(data: Vec<u8>, ver: Version) -> Result<V1Trace, Error> {
    let mut p = Parser {
        ver,
        data,
        off: 0,
        strings: FxHashMap::default(),
        inline_strings: Vec::new(),
        inline_mapping: FxHashMap::default(),
        batch_pids: Vec::new(),
        batch_offsets: FxHashMap::default(),
        stacks: FxHashMap::default(),
        ticks_per_sec: 0,
        pcs: FxHashMap::default(),
        cpu_samples: Vec::new(),
        timer_goids: FxHashMap::default(),
        last_ts: 0,
        last_g: 0,
        last_gs: FxHashMap::default(),
        last_p: 0,
    };
    p.collect_batches_and_cpu_samples()?;
    let mut events = p.parse_event_batches()?;
    if p.ticks_per_sec == 0 {
        return Err(err("no EvFrequency event"));
    }
    if let Some(first) = events.first() {
        let min_ts = first.ts;
        let freq = 1e9 / p.ticks_per_sec as f64;
        for ev in events.iter_mut() {
            ev.ts = go_f64_to_i64(ev.ts.wrapping_sub(min_ts) as f64 * freq);
            if p.timer_goids.get(&ev.g).copied().unwrap_or(false) && ev.typ == EV_GO_UNBLOCK {
                ev.p = TIMER_P;
            }
            if ev.typ == EV_GO_SYS_EXIT {
                ev.p = SYSCALL_P;
            }
        }
    }
    post_process(&mut events, &p.stacks)?;
    Ok(V1Trace {
        version: ver,
        events,
        stacks: p.stacks,
        pcs: p.pcs,
        strings: p.strings,
        inline_strings: p.inline_strings,
    })
}

fn ev_string(ev: &V1Event) -> String {
    let desc = &DESCS[usize::from(ev.typ)];
    let mut s = format!(
        "{} {} p={} g={} stk={}",
        ev.ts, desc.name, ev.p, ev.g, ev.stk
    );
    for i in 0..desc.nargs.min(4) {
        s.push_str(&format!(" arg{i}={}", ev.args[i]));
    }
    s
}

/// Go's `postProcessTrace`: consistency checks and a few fix-ups.
fn post_process(events: &mut [V1Event], stacks: &FxHashMap<u32, Vec<u64>>) -> Result<(), Error> {
    const GD_DEAD: u8 = 0;
    const GD_RUNNABLE: u8 = 1;
    const GD_RUNNING: u8 = 2;
    const GD_WAITING: u8 = 3;
    #[derive(Clone, Copy, Default)]
    struct GDesc {
        state: u8,
        /// Index of the event that last changed the state (`ev`).
        ev: Option<usize>,
        ev_create: Option<usize>,
        ev_mark_assist: bool,
    }
    #[derive(Clone, Copy, Default)]
    struct PDesc {
        running: bool,
        g: u64,
        ev_sweep: bool,
    }
    let mut gds: FxHashMap<u64, GDesc> = FxHashMap::default();
    let mut pds: FxHashMap<i32, PDesc> = FxHashMap::default();
    let mut tasks: FxHashMap<u64, usize> = FxHashMap::default();
    let mut regions: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
    gds.insert(
        0,
        GDesc {
            state: GD_RUNNING,
            ..Default::default()
        },
    );
    let (mut ev_gc, mut ev_stw) = (false, false);

    let check_running = |p: PDesc, g: GDesc, ev: &V1Event, allow_g0: bool| -> Result<(), Error> {
        let name = DESCS[usize::from(ev.typ)].name;
        if g.state != GD_RUNNING {
            return Err(err(format!(
                "g {} is not running while {name} (time {})",
                ev.g, ev.ts
            )));
        }
        if p.g != ev.g {
            return Err(err(format!(
                "p {} is not running g {} while {name} (time {})",
                ev.p, ev.g, ev.ts
            )));
        }
        if !allow_g0 && ev.g == 0 {
            return Err(err(format!("g 0 did {name} (time {})", ev.ts)));
        }
        Ok(())
    };

    for idx in 0..events.len() {
        let ev = events[idx];
        let g = gds.get(&ev.g).copied().unwrap_or_default();
        let p = pds.get(&ev.p).copied().unwrap_or_default();
        match ev.typ {
            EV_PROC_START => {
                if p.running {
                    return Err(err(format!(
                        "p {} is running before start (time {})",
                        ev.p, ev.ts
                    )));
                }
                pds.insert(ev.p, PDesc { running: true, ..p });
            }
            EV_PROC_STOP => {
                if !p.running {
                    return Err(err(format!(
                        "p {} is not running before stop (time {})",
                        ev.p, ev.ts
                    )));
                }
                if p.g != 0 {
                    return Err(err(format!(
                        "p {} is running a goroutine {} during stop (time {})",
                        ev.p, p.g, ev.ts
                    )));
                }
                pds.insert(
                    ev.p,
                    PDesc {
                        running: false,
                        ..p
                    },
                );
            }
            EV_GC_START => {
                if ev_gc {
                    return Err(err(format!(
                        "previous GC is not ended before a new one (time {})",
                        ev.ts
                    )));
                }
                ev_gc = true;
                events[idx].p = GC_P;
            }
            EV_GC_DONE => {
                if !ev_gc {
                    return Err(err(format!("bogus GC end (time {})", ev.ts)));
                }
                ev_gc = false;
            }
            EV_STW_START => {
                if ev_stw {
                    return Err(err(format!(
                        "previous STW is not ended before a new one (time {})",
                        ev.ts
                    )));
                }
                ev_stw = true;
            }
            EV_STW_DONE => {
                if !ev_stw {
                    return Err(err(format!("bogus STW end (time {})", ev.ts)));
                }
                ev_stw = false;
            }
            EV_GC_SWEEP_START => {
                if p.ev_sweep {
                    return Err(err(format!(
                        "previous sweeping is not ended before a new one (time {})",
                        ev.ts
                    )));
                }
                pds.insert(
                    ev.p,
                    PDesc {
                        ev_sweep: true,
                        ..p
                    },
                );
            }
            EV_GC_MARK_ASSIST_START => {
                if g.ev_mark_assist {
                    return Err(err(format!(
                        "previous mark assist is not ended before a new one (time {})",
                        ev.ts
                    )));
                }
                gds.insert(
                    ev.g,
                    GDesc {
                        ev_mark_assist: true,
                        ..g
                    },
                );
            }
            EV_GC_MARK_ASSIST_DONE => {
                gds.insert(
                    ev.g,
                    GDesc {
                        ev_mark_assist: false,
                        ..g
                    },
                );
            }
            EV_GC_SWEEP_DONE => {
                if !p.ev_sweep {
                    return Err(err(format!("bogus sweeping end (time {})", ev.ts)));
                }
                pds.insert(
                    ev.p,
                    PDesc {
                        ev_sweep: false,
                        ..p
                    },
                );
            }
            EV_GO_WAITING | EV_GO_IN_SYSCALL => {
                if g.state != GD_RUNNABLE {
                    let what = if ev.typ == EV_GO_WAITING {
                        "EvGoWaiting"
                    } else {
                        "EvGoInSyscall"
                    };
                    return Err(err(format!(
                        "g {} is not runnable before {what} (time {})",
                        ev.g, ev.ts
                    )));
                }
                gds.insert(
                    ev.g,
                    GDesc {
                        state: GD_WAITING,
                        ev: Some(idx),
                        ..g
                    },
                );
            }
            EV_GO_CREATE => {
                check_running(p, g, &ev, true)?;
                if gds.contains_key(&ev.args[0]) {
                    return Err(err(format!(
                        "g {} already exists (time {})",
                        ev.args[0], ev.ts
                    )));
                }
                gds.insert(
                    ev.args[0],
                    GDesc {
                        state: GD_RUNNABLE,
                        ev: Some(idx),
                        ev_create: Some(idx),
                        ev_mark_assist: false,
                    },
                );
            }
            EV_GO_START | EV_GO_START_LABEL => {
                if g.state != GD_RUNNABLE {
                    return Err(err(format!(
                        "g {} is not runnable before start (time {})",
                        ev.g, ev.ts
                    )));
                }
                if p.g != 0 {
                    return Err(err(format!(
                        "p {} is already running g {} while start g {} (time {})",
                        ev.p, p.g, ev.g, ev.ts
                    )));
                }
                let mut g = g;
                g.state = GD_RUNNING;
                if let Some(c) = g.ev_create.take() {
                    events[idx].stk = events[c].args[1] as u32;
                }
                g.ev = None;
                gds.insert(ev.g, g);
                pds.insert(ev.p, PDesc { g: ev.g, ..p });
            }
            EV_GO_END | EV_GO_STOP => {
                check_running(p, g, &ev, false)?;
                gds.insert(
                    ev.g,
                    GDesc {
                        state: GD_DEAD,
                        ..g
                    },
                );
                pds.insert(ev.p, PDesc { g: 0, ..p });
                if ev.typ == EV_GO_END {
                    regions.remove(&ev.g);
                }
            }
            EV_GO_SCHED | EV_GO_PREEMPT => {
                check_running(p, g, &ev, false)?;
                gds.insert(
                    ev.g,
                    GDesc {
                        state: GD_RUNNABLE,
                        ev: Some(idx),
                        ..g
                    },
                );
                pds.insert(ev.p, PDesc { g: 0, ..p });
            }
            EV_GO_UNBLOCK => {
                if g.state != GD_RUNNING {
                    return Err(err(format!(
                        "g {} is not running while unpark (time {})",
                        ev.g, ev.ts
                    )));
                }
                if ev.p != TIMER_P && p.g != ev.g {
                    return Err(err(format!(
                        "p {} is not running g {} while unpark (time {})",
                        ev.p, ev.g, ev.ts
                    )));
                }
                let g1 = gds.get(&ev.args[0]).copied().unwrap_or_default();
                if g1.state != GD_WAITING {
                    return Err(err(format!(
                        "g {} is not waiting before unpark (time {})",
                        ev.args[0], ev.ts
                    )));
                }
                if g1.ev.is_some_and(|e| events[e].typ == EV_GO_BLOCK_NET) {
                    events[idx].p = NETPOLL_P;
                }
                gds.insert(
                    ev.args[0],
                    GDesc {
                        state: GD_RUNNABLE,
                        ev: Some(idx),
                        ..g1
                    },
                );
            }
            EV_GO_SYS_CALL => {
                check_running(p, g, &ev, false)?;
                gds.insert(ev.g, GDesc { ev: Some(idx), ..g });
            }
            EV_GO_SYS_BLOCK => {
                check_running(p, g, &ev, false)?;
                gds.insert(
                    ev.g,
                    GDesc {
                        state: GD_WAITING,
                        ..g
                    },
                );
                pds.insert(ev.p, PDesc { g: 0, ..p });
            }
            EV_GO_SYS_EXIT => {
                if g.state != GD_WAITING {
                    return Err(err(format!(
                        "g {} is not waiting during syscall exit (time {})",
                        ev.g, ev.ts
                    )));
                }
                gds.insert(
                    ev.g,
                    GDesc {
                        state: GD_RUNNABLE,
                        ev: Some(idx),
                        ..g
                    },
                );
            }
            EV_GO_SLEEP | EV_GO_BLOCK | EV_GO_BLOCK_SEND | EV_GO_BLOCK_RECV
            | EV_GO_BLOCK_SELECT | EV_GO_BLOCK_SYNC | EV_GO_BLOCK_COND | EV_GO_BLOCK_NET
            | EV_GO_BLOCK_GC => {
                check_running(p, g, &ev, false)?;
                gds.insert(
                    ev.g,
                    GDesc {
                        state: GD_WAITING,
                        ev: Some(idx),
                        ..g
                    },
                );
                pds.insert(ev.p, PDesc { g: 0, ..p });
            }
            EV_USER_TASK_CREATE => {
                let id = ev.args[0];
                if let Some(&prev) = tasks.get(&id) {
                    return Err(err(format!(
                        "task id conflicts (id:{id}), {:?} vs {:?}",
                        ev_string(&ev),
                        ev_string(&events[prev])
                    )));
                }
                tasks.insert(id, idx);
            }
            EV_USER_TASK_END => {
                tasks.remove(&ev.args[0]);
            }
            EV_USER_REGION => {
                let mode = ev.args[1];
                let rs = regions.entry(ev.g).or_default();
                if mode == 0 {
                    rs.push(idx);
                } else if mode == 1 {
                    if let Some(&s) = rs.last() {
                        let s = events[s];
                        if s.args[0] != ev.args[0] || s.args[2] != ev.args[2] {
                            return Err(err(format!(
                                "misuse of region in goroutine {}: span end {:?} when the inner-most active span start event is {:?}",
                                ev.g,
                                ev_string(&ev),
                                ev_string(&s)
                            )));
                        }
                        rs.pop();
                    }
                    if rs.is_empty() {
                        regions.remove(&ev.g);
                    }
                } else {
                    return Err(err(format!(
                        "invalid user region mode: {:?}",
                        ev_string(&ev)
                    )));
                }
            }
            _ => {}
        }
        let stk = events[idx].stk;
        if stk != 0 && stacks.get(&stk).is_none_or(|s| s.is_empty()) {
            events[idx].stk = 0;
        }
    }
    Ok(())
}

/// Go's `Trace.STWReason`.
pub(crate) fn stw_reason(ver: Version, kind: u64) -> u64 {
    const NUM_STW_REASONS: u64 = 17;
    match ver.minor() {
        v if v < 21 && (kind == 0 || kind == 1) => kind + 1,
        21 if kind < NUM_STW_REASONS => kind,
        _ => 0,
    }
}
