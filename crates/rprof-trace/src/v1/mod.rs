//! The old format (Go 1.11–1.21), converted to the new event model exactly
//! as Go 1.27's reader does (`internal/trace/tracev1.go`): the whole trace
//! is one generation with one table; instantaneous syscalls become 1 ns
//! ranges; goroutines that existed when tracing started get status events.
//!
//! The old format cannot be streamed (its frequency and stacks come at the
//! end), so the trace is read whole. Where Go ranges over a map (the order
//! of the Ps merged, the status events at the start), this port takes a
//! fixed order: Go's own output then varies from run to run, and ours is
//! one of its outputs.

mod parser;

use std::collections::VecDeque;
use std::io::Read;
use std::sync::Arc;

use crate::error::Error;
use crate::event::{BaseEvent, Event, NO_GOROUTINE, NO_PROC, NO_TASK, NO_THREAD, SchedCtx};
use crate::fxhash::FxHashMap;
use crate::input::Input;
use crate::spec::{self, SPECS, go_status, proc_status};
use crate::table::{EvTable, Frame, Time};
use crate::v2::order::sync_event;
use crate::version::Version;

use parser::*;

// The strings the converter adds (Go's sForever…sSTWResetDebugLog).
const BUILTINS: [&str; 29] = [
    "forever",
    "preempted",
    "runtime.Gosched",
    "sleep",
    "chan send",
    "chan receive",
    "network",
    "sync",
    "sync.(*Cond).Wait",
    "select",
    "",
    "GC mark assist wait for work",
    "",
    "GC mark termination",
    "GC sweep termination",
    "write heap dump",
    "goroutine profile",
    "goroutine profile cleanup",
    "all goroutine stack trace",
    "read mem stats",
    "AllThreadsSyscall",
    "GOMAXPROCS",
    "start trace",
    "stop trace",
    "CountPagesInUse (test)",
    "ReadMetricsSlow (test)",
    "ReadMemStatsSlow (test)",
    "PageCachePagesLeaked (test)",
    "ResetDebugLog (test)",
];
const S_FOREVER: usize = 0;
const S_PREEMPTED: usize = 1;
const S_GOSCHED: usize = 2;
const S_SLEEP: usize = 3;
const S_CHAN_SEND: usize = 4;
const S_CHAN_RECV: usize = 5;
const S_NETWORK: usize = 6;
const S_SYNC: usize = 7;
const S_SYNC_COND: usize = 8;
const S_SELECT: usize = 9;
const S_EMPTY: usize = 10;
const S_MARK_ASSIST_WAIT: usize = 11;
const S_STW_UNKNOWN: usize = 12;

/// An old-format trace being converted, event by event.
pub(crate) struct V1Reader {
    events: VecDeque<V1Event>,
    version: Version,
    evt: Arc<EvTable>,
    pre_init: bool,
    created_pre_init: Vec<u64>,
    extra: VecDeque<Event>,
    tasks: FxHashMap<u64, (Arc<[u8]>, u64)>,
    seen_procs: FxHashMap<i64, ()>,
    last_ts: Time,
    proc_ms: FxHashMap<i64, i64>,
    last_stw_reason: u64,
    inline_to_string_id: Vec<u64>,
    builtin_to_string_id: Vec<u64>,
    syncs: u64,
    done: bool,
}

/// Reads an old-format trace (everything after the header) and prepares
/// its conversion.
pub(crate) fn read_and_convert<R: Read>(
    mut input: Input<R>,
    v: Version,
) -> Result<V1Reader, Error> {
    let start = input.offset();
    let mut data = Vec::new();
    input.read_into(&mut data, u64::MAX)?;
    let total = start + data.len() as u64;
    // One generation: an error anywhere loses all of it.
    let tr = parse(data, v).map_err(|e| Error::Lost {
        generations_ok: 0,
        valid_bytes: start,
        total_bytes: Some(total),
        cause: Box::new(e),
    })?;
    Ok(V1Reader::new(tr))
}

impl V1Reader {
    fn new(tr: V1Trace) -> V1Reader {
        let mut evt = EvTable::default();
        let mut max = 0u64;
        for (&id, s) in &tr.strings {
            let _ = evt.strings.insert(id, s.clone().into_boxed_slice());
            max = max.max(id);
        }
        let mut inline_to_string_id = Vec::with_capacity(tr.inline_strings.len());
        for (i, s) in tr.inline_strings.iter().enumerate() {
            let nid = max.wrapping_add(1).wrapping_add(i as u64);
            inline_to_string_id.push(nid);
            let _ = evt.strings.insert(nid, s.clone().into_boxed_slice());
        }
        max = max.wrapping_add(tr.inline_strings.len() as u64);
        let mut builtin_to_string_id = Vec::with_capacity(BUILTINS.len());
        for (c, s) in BUILTINS.iter().enumerate() {
            let nid = max.wrapping_add(1).wrapping_add(c as u64);
            builtin_to_string_id.push(nid);
            let _ = evt.strings.insert(nid, s.as_bytes().into());
        }
        for (&id, stk) in &tr.stacks {
            let _ = evt
                .stacks
                .insert(u64::from(id), stk.clone().into_boxed_slice());
        }
        for (&pc, &(func, file, line)) in &tr.pcs {
            evt.pcs.insert(
                pc,
                Frame {
                    func_id: func,
                    file_id: file,
                    line: line as u64,
                },
            );
        }
        V1Reader {
            events: tr.events.into(),
            version: tr.version,
            evt: Arc::new(evt),
            pre_init: true,
            created_pre_init: Vec::new(),
            extra: VecDeque::new(),
            tasks: FxHashMap::default(),
            seen_procs: FxHashMap::default(),
            last_ts: -1,
            proc_ms: FxHashMap::default(),
            last_stw_reason: 0,
            inline_to_string_id,
            builtin_to_string_id,
            syncs: 0,
            done: false,
        }
    }

    /// The next event (Go's `Reader.ReadEvent` for old-format traces).
    pub(crate) fn read_event(&mut self) -> Result<Option<Event>, Error> {
        if self.done {
            return Ok(None);
        }
        if self.syncs == 0
            && let Some(first) = self.events.front()
        {
            self.syncs += 1;
            return Ok(Some(sync_event(
                Some(self.evt.clone()),
                first.ts.wrapping_sub(1),
                self.syncs,
            )));
        }
        match self.next()? {
            Some(ev) => Ok(Some(ev)),
            None => {
                self.done = true;
                self.syncs += 1;
                Ok(Some(sync_event(
                    None,
                    self.last_ts.wrapping_add(1),
                    self.syncs,
                )))
            }
        }
    }

    fn fix_time(&mut self, mut ev: Event) -> Event {
        if ev.base.time <= self.last_ts {
            ev.base.time = self.last_ts.wrapping_add(1);
        }
        self.last_ts = ev.base.time;
        ev
    }

    fn next(&mut self) -> Result<Option<Event>, Error> {
        loop {
            if let Some(ev) = self.extra.pop_front() {
                return Ok(Some(self.fix_time(ev)));
            }
            let Some(oev) = self.events.pop_front() else {
                return Ok(None);
            };
            if let Some(ev) = self.convert(&oev)? {
                return Ok(Some(self.fix_time(ev)));
            }
        }
    }

    fn make(&self, ctx: SchedCtx, typ: u8, time: Time, args: [u64; 4]) -> Event {
        Event {
            table: Some(self.evt.clone()),
            ctx,
            base: BaseEvent { typ, time, args },
            extra_str: None,
        }
    }

    fn builtin(&self, s: usize) -> u64 {
        self.builtin_to_string_id[s]
    }

    fn proc_m(&self, p: i32) -> i64 {
        // Go reads a map here: a missing P gives thread 0.
        self.proc_ms.get(&i64::from(p)).copied().unwrap_or(0)
    }

    /// Go's `convertEvent`; `None` for events that produce nothing.
    fn convert(&mut self, ev: &V1Event) -> Result<Option<Event>, Error> {
        let mut args = ev.args;
        let mut extra_str = None;
        let typ = match ev.typ {
            EV_GOMAXPROCS => {
                if self.pre_init {
                    self.pre_init = false;
                    let mut gids = std::mem::take(&mut self.created_pre_init);
                    gids.sort_unstable();
                    for gid in gids {
                        let e = self.make(
                            SchedCtx::NONE,
                            spec::EV_GO_STATUS,
                            ev.ts,
                            [gid, u64::MAX, go_status::RUNNABLE, 0],
                        );
                        self.extra.push_back(e);
                    }
                    return Ok(None);
                }
                spec::EV_PROCS_CHANGE
            }
            EV_PROC_START => {
                let p = i64::from(ev.p);
                self.proc_ms.insert(p, ev.args[0] as i64);
                if self.seen_procs.insert(p, ()).is_some() {
                    args = [ev.p as i64 as u64, 0, 0, 0];
                    spec::EV_PROC_START
                } else {
                    args = [ev.p as i64 as u64, proc_status::RUNNING, 0, 0];
                    spec::EV_PROC_STATUS
                }
            }
            EV_PROC_STOP => {
                let p = i64::from(ev.p);
                if self.seen_procs.insert(p, ()).is_some() {
                    args = [ev.p as i64 as u64, 0, 0, 0];
                    spec::EV_PROC_STOP
                } else {
                    args = [ev.p as i64 as u64, proc_status::IDLE, 0, 0];
                    spec::EV_PROC_STATUS
                }
            }
            EV_GC_START => spec::EV_GC_BEGIN,
            EV_GC_DONE => spec::EV_GC_END,
            EV_STW_START => {
                let sid =
                    self.builtin(S_STW_UNKNOWN + stw_reason(self.version, ev.args[0]) as usize);
                self.last_stw_reason = sid;
                args = [sid, 0, 0, 0];
                spec::EV_STW_BEGIN
            }
            EV_STW_DONE => {
                args = [self.last_stw_reason, 0, 0, 0];
                spec::EV_STW_END
            }
            EV_GC_SWEEP_START => spec::EV_GC_SWEEP_BEGIN,
            EV_GC_SWEEP_DONE => spec::EV_GC_SWEEP_END,
            EV_GO_CREATE => {
                if self.pre_init {
                    if !self.created_pre_init.contains(&ev.args[0]) {
                        self.created_pre_init.push(ev.args[0]);
                    }
                    return Ok(None);
                }
                spec::EV_GO_CREATE
            }
            EV_GO_START => {
                if self.pre_init {
                    args = [ev.args[0], u64::MAX, go_status::RUNNING, 0];
                    self.created_pre_init.retain(|&g| g != ev.args[0]);
                    spec::EV_GO_STATUS
                } else {
                    spec::EV_GO_START
                }
            }
            EV_GO_START_LABEL => {
                let ctx = SchedCtx {
                    g: ev.g as i64,
                    p: i64::from(ev.p),
                    m: self.proc_m(ev.p),
                };
                let label = self.make(ctx, spec::EV_GO_LABEL, ev.ts, [ev.args[2], 0, 0, 0]);
                self.extra.clear();
                self.extra.push_back(label);
                return Ok(Some(self.make(ctx, spec::EV_GO_START, ev.ts, args)));
            }
            EV_GO_END => spec::EV_GO_DESTROY,
            EV_GO_STOP => self.block(&mut args, S_FOREVER, ev, spec::EV_GO_BLOCK),
            EV_GO_SCHED => self.block(&mut args, S_GOSCHED, ev, spec::EV_GO_STOP),
            EV_GO_PREEMPT => self.block(&mut args, S_PREEMPTED, ev, spec::EV_GO_STOP),
            EV_GO_SLEEP => self.block(&mut args, S_SLEEP, ev, spec::EV_GO_BLOCK),
            EV_GO_BLOCK => self.block(&mut args, S_EMPTY, ev, spec::EV_GO_BLOCK),
            EV_GO_UNBLOCK => spec::EV_GO_UNBLOCK,
            EV_GO_BLOCK_SEND => self.block(&mut args, S_CHAN_SEND, ev, spec::EV_GO_BLOCK),
            EV_GO_BLOCK_RECV => self.block(&mut args, S_CHAN_RECV, ev, spec::EV_GO_BLOCK),
            EV_GO_BLOCK_SELECT => self.block(&mut args, S_SELECT, ev, spec::EV_GO_BLOCK),
            EV_GO_BLOCK_SYNC => self.block(&mut args, S_SYNC, ev, spec::EV_GO_BLOCK),
            EV_GO_BLOCK_COND => self.block(&mut args, S_SYNC_COND, ev, spec::EV_GO_BLOCK),
            EV_GO_BLOCK_NET => self.block(&mut args, S_NETWORK, ev, spec::EV_GO_BLOCK),
            EV_GO_BLOCK_GC => self.block(&mut args, S_MARK_ASSIST_WAIT, ev, spec::EV_GO_BLOCK),
            EV_GO_SYS_CALL => {
                // Did the syscall block? The next event of the same G says.
                let blocked = self
                    .events
                    .iter()
                    .find(|n| n.g == ev.g)
                    .is_some_and(|n| n.typ == EV_GO_SYS_BLOCK);
                if blocked {
                    args = [0, u64::from(ev.stk), 0, 0];
                    spec::EV_GO_SYSCALL_BEGIN
                } else {
                    let ctx = SchedCtx {
                        g: ev.g as i64,
                        p: i64::from(ev.p),
                        m: self.proc_m(ev.p),
                    };
                    let out1 = self.make(
                        ctx,
                        spec::EV_GO_SYSCALL_BEGIN,
                        ev.ts,
                        [0, u64::from(ev.stk), 0, 0],
                    );
                    let out2 =
                        self.make(ctx, spec::EV_GO_SYSCALL_END, ev.ts.wrapping_add(1), [0; 4]);
                    self.extra.push_back(out2);
                    return Ok(Some(out1));
                }
            }
            EV_GO_SYS_EXIT => spec::EV_GO_SYSCALL_END_BLOCKED,
            EV_GO_SYS_BLOCK => return Ok(None),
            EV_GO_WAITING => {
                args = [ev.args[0], u64::MAX, go_status::WAITING, 0];
                self.created_pre_init.retain(|&g| g != ev.args[0]);
                spec::EV_GO_STATUS
            }
            EV_GO_IN_SYSCALL => {
                args = [ev.args[0], u64::MAX, go_status::SYSCALL, 0];
                self.created_pre_init.retain(|&g| g != ev.args[0]);
                spec::EV_GO_STATUS
            }
            EV_HEAP_ALLOC => spec::EV_HEAP_ALLOC,
            EV_HEAP_GOAL => spec::EV_HEAP_GOAL,
            EV_GC_MARK_ASSIST_START => spec::EV_GC_MARK_ASSIST_BEGIN,
            EV_GC_MARK_ASSIST_DONE => spec::EV_GC_MARK_ASSIST_END,
            EV_USER_TASK_CREATE => {
                let parent = if ev.args[1] == 0 { NO_TASK } else { ev.args[1] };
                args = [ev.args[0], parent, ev.args[2], u64::from(ev.stk)];
                let name: Arc<[u8]> = Arc::from(self.evt.string(ev.args[2]));
                self.tasks.insert(ev.args[0], (name, ev.args[1]));
                spec::EV_USER_TASK_BEGIN
            }
            EV_USER_TASK_END => {
                match self.tasks.remove(&ev.args[0]) {
                    Some((name, parent)) => {
                        args = [ev.args[0], ev.args[1], parent, u64::from(!name.is_empty())];
                        if !name.is_empty() {
                            extra_str = Some(name);
                        }
                    }
                    None => args = [ev.args[0], ev.args[1], NO_TASK, 0],
                }
                spec::EV_USER_TASK_END
            }
            EV_USER_REGION => {
                args = [ev.args[0], ev.args[2], u64::from(ev.stk), 0];
                match ev.args[1] {
                    0 => spec::EV_USER_REGION_BEGIN,
                    1 => spec::EV_USER_REGION_END,
                    _ => spec::EV_NONE,
                }
            }
            EV_USER_LOG => {
                let Some(&sid) = self.inline_to_string_id.get(ev.args[3] as usize) else {
                    return Err(Error::format("user log message out of range"));
                };
                args = [ev.args[0], ev.args[1], sid, u64::from(ev.stk)];
                spec::EV_USER_LOG
            }
            EV_CPU_SAMPLE => {
                args = [u64::from(ev.stk), u64::MAX, ev.p as i64 as u64, ev.g];
                spec::EV_CPU_SAMPLE
            }
            t => return Err(Error::format(format!("unexpected event type {t}"))),
        };
        if DESCS[usize::from(ev.typ)].stack
            && let Some(&i) = SPECS[usize::from(typ)].stack_ids.first()
        {
            args[i - 1] = u64::from(ev.stk);
        }
        let mut m = NO_THREAD;
        if ev.p != -1
            && ev.typ != EV_CPU_SAMPLE
            && let Some(&t) = self.proc_ms.get(&i64::from(ev.p))
        {
            m = t;
        }
        if ev.typ == EV_PROC_STOP {
            self.proc_ms.remove(&i64::from(ev.p));
        }
        let g = if ev.g == 0 { NO_GOROUTINE } else { ev.g as i64 };
        let p = if ev.p == -1 { NO_PROC } else { i64::from(ev.p) };
        let mut out = self.make(SchedCtx { g, p, m }, typ, ev.ts, args);
        out.extra_str = extra_str;
        Ok(Some(out))
    }

    fn block(&self, args: &mut [u64; 4], reason: usize, ev: &V1Event, typ: u8) -> u8 {
        *args = [self.builtin(reason), u64::from(ev.stk), 0, 0];
        typ
    }
}
