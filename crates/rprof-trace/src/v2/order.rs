//! The ordering engine (Go's `order.go`): a model of the scheduler that
//! decides whether the next event of a thread may happen now, fills in its
//! scheduling context, and queues the resulting events.
//!
//! Per goroutine it tracks the status and a sequence number (per
//! generation); per P the same; per thread the P and goroutine bound to
//! it; globally the GC sequence number and state and the active tasks.
//! An event "advances" only if its preconditions hold (e.g. `GoStart`
//! needs a runnable goroutine whose sequence number is one less); if not,
//! the reader tries another thread. Impossible states are errors.

use std::sync::Arc;

use crate::error::Error;
use crate::event::{
    BACKGROUND_TASK, BaseEvent, EV_SYNC_KIND, Event, GS_UNDETERMINED, GoId, NO_GOROUTINE, NO_PROC,
    NO_TASK, NO_THREAD, PS_IDLE, PS_NOT_EXIST, PS_RUNNING, PS_UNDETERMINED, ProcId, SchedCtx,
    TaskId, ThreadId, go_status_to_state, proc_status_to_state,
};
use crate::fxhash::{DenseMap, FxHashMap};
use crate::spec::{self, EventType, SPECS, go_status, proc_status};
use crate::table::{EvTable, Time};
use crate::version::Version;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seq {
    generation: u64,
    seq: u64,
}

impl Seq {
    fn new(generation: u64, seq: u64) -> Seq {
        Seq { generation, seq }
    }

    /// `self` is the immediate successor of `b`.
    fn succeeds(self, b: Seq) -> bool {
        self.generation == b.generation && self.seq == b.seq.wrapping_add(1)
    }
}

impl std::fmt::Display for Seq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (gen={})", self.seq, self.generation)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RangeType {
    typ: EventType,
    desc: u64,
}

impl std::fmt::Display for RangeType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{} {}}}", self.typ, self.desc)
    }
}

fn make_range_type(typ: EventType, desc: u64) -> RangeType {
    let start = SPECS[usize::from(typ)].start_ev;
    RangeType {
        typ: if start != spec::EV_NONE { start } else { typ },
        desc,
    }
}

#[derive(Debug, Default)]
struct RangeState {
    in_flight: Vec<RangeType>,
}

impl RangeState {
    fn has(&self, t: RangeType) -> bool {
        self.in_flight.contains(&t)
    }

    fn begin(&mut self, t: RangeType) -> Result<(), Error> {
        if self.has(t) {
            return Err(Error::invalid(format!(
                "discovered event already in-flight for when starting event {}",
                SPECS[usize::from(t.typ)].name
            )));
        }
        self.in_flight.push(t);
        Ok(())
    }

    fn active(&mut self, t: RangeType, initial_gen: bool) -> Result<(), Error> {
        if initial_gen {
            if self.has(t) {
                return Err(Error::invalid(format!(
                    "found named active range already in first gen: {t}"
                )));
            }
            self.in_flight.push(t);
        } else if !self.has(t) {
            let list: Vec<String> = self.in_flight.iter().map(|r| r.to_string()).collect();
            return Err(Error::invalid(format!(
                "resource is missing active range: {} [{}]",
                SPECS[usize::from(t.typ)].name,
                list.join(" ")
            )));
        }
        Ok(())
    }

    fn end(&mut self, typ: EventType) -> Result<u64, Error> {
        let st = SPECS[usize::from(typ)].start_ev;
        let Some(idx) = self.in_flight.iter().position(|r| r.typ == st) else {
            return Err(Error::invalid(format!(
                "tried to end event {}, but not in-flight",
                SPECS[usize::from(st)].name
            )));
        };
        let desc = self.in_flight[idx].desc;
        self.in_flight.swap_remove(idx);
        Ok(desc)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct UserRegion {
    task: TaskId,
    name: Arc<[u8]>,
}

#[derive(Debug)]
struct GState {
    id: GoId,
    status: u64,
    seq: Seq,
    regions: Vec<UserRegion>,
    ranges: RangeState,
}

impl GState {
    fn new(id: GoId, status: u64, seq: Seq) -> GState {
        GState {
            id,
            status,
            seq,
            regions: Vec::new(),
            ranges: RangeState::default(),
        }
    }

    fn end_region(&mut self, r: UserRegion) -> Result<(), Error> {
        let Some(next) = self.regions.last() else {
            // Regions that began before tracing started are not known.
            return Ok(());
        };
        if *next != r {
            return Err(Error::invalid(format!(
                "misuse of region in goroutine {}: region end {{{} {}}} when the inner-most active region start event is {{{} {}}}",
                self.id,
                r.task,
                String::from_utf8_lossy(&r.name),
                next.task,
                String::from_utf8_lossy(&next.name)
            )));
        }
        self.regions.pop();
        Ok(())
    }
}

#[derive(Debug)]
struct PState {
    status: u64,
    seq: Seq,
    ranges: RangeState,
}

#[derive(Debug, Clone, Copy)]
struct MState {
    g: GoId,
    p: ProcId,
}

/// The threads' states (Go's `mStates` map), each in a slot that never
/// moves once made: a batch cursor remembers its thread's slot, so that
/// the two lookups of every event are two loads instead of two hash
/// probes. A slot is made when Go would add the map entry, no earlier.
#[derive(Default)]
struct MStates {
    index: FxHashMap<ThreadId, u32>,
    slots: Vec<(ThreadId, MState)>,
}

impl MStates {
    /// The slot of `m`, made (with no G and no P) if it has none.
    fn slot_or_insert(&mut self, m: ThreadId) -> u32 {
        let n = self.slots.len() as u32;
        let slot = *self.index.entry(m).or_insert(n);
        if slot == n {
            self.slots.push((
                m,
                MState {
                    g: NO_GOROUTINE,
                    p: NO_PROC,
                },
            ));
        }
        slot
    }

    fn get(&self, m: &ThreadId) -> Option<&MState> {
        self.index.get(m).map(|&i| &self.slots[i as usize].1)
    }

    fn get_mut(&mut self, m: &ThreadId) -> Option<&mut MState> {
        self.index.get(m).map(|&i| &mut self.slots[i as usize].1)
    }

    fn insert(&mut self, m: ThreadId, st: MState) {
        let slot = self.slot_or_insert(m);
        self.slots[slot as usize].1 = st;
    }

    fn iter(&self) -> impl Iterator<Item = (&ThreadId, &MState)> {
        self.slots.iter().map(|(m, s)| (m, s))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GcState {
    Undetermined,
    NotRunning,
    Running,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Forbidden,
    Optional,
    Required,
}

#[derive(Debug, Clone, Copy)]
struct Reqs {
    m: Need,
    p: Need,
    g: Need,
}

const USER_GO_REQS: Reqs = Reqs {
    m: Need::Required,
    p: Need::Required,
    g: Need::Required,
};

/// Inlined, like the other checks every event goes through: a call takes
/// the context by reference to a copy on the stack, and the copy (16-byte
/// loads of fields just stored 8 bytes at a time) stalled the CPU on
/// every event; the errors are built out of line.
#[inline(always)]
fn validate_ctx(ctx: SchedCtx, r: Reqs) -> Result<(), Error> {
    #[inline(always)]
    fn check(need: Need, have: bool, what: &'static str) -> Result<(), Error> {
        match need {
            Need::Required if !have => Err(missing(what)),
            Need::Forbidden if have => Err(unexpected(what)),
            _ => Ok(()),
        }
    }
    #[cold]
    fn missing(what: &str) -> Error {
        Error::invalid(format!("expected a {what} but didn't have one"))
    }
    #[cold]
    fn unexpected(what: &str) -> Error {
        Error::invalid(format!("expected no {what} but had one"))
    }
    check(r.m, ctx.m != NO_THREAD, "thread")?;
    check(r.p, ctx.p != NO_PROC, "proc")?;
    check(r.g, ctx.g != NO_GOROUTINE, "goroutine")
}

#[cold]
fn not_running(ver: Version, typ: EventType) -> Error {
    Error::invalid(format!(
        "{} event for goroutine that's not Running",
        spec::event_name(ver, typ)
    ))
}

#[cold]
fn no_goroutine(ver: Version, typ: EventType, g: GoId) -> Error {
    Error::invalid(format!(
        "event {} for goroutine ({g}) that doesn't exist",
        spec::event_name(ver, typ)
    ))
}

/// The region a UserRegionBegin or UserRegionEnd event names: its task
/// and its name (Go's `userRegion{taskID, name}`).
fn user_region(ev: &BaseEvent, evt: &EvTable) -> Result<UserRegion, Error> {
    let name_id = ev.args[1];
    let Some(name) = evt.strings.get(name_id) else {
        return Err(Error::invalid(format!(
            "invalid string ID {name_id} for {} event",
            ev.typ
        )));
    };
    Ok(UserRegion {
        task: ev.args[0],
        name: Arc::from(&name[..]),
    })
}

/// The scheduler model.
pub(crate) struct Ordering {
    ver: Version,
    // Dense up to 2^16 IDs: at 80 bytes a state, a trace's (or a forged
    // trace's) large goroutine ID costs at most 5 MB of slots; IDs beyond
    // go to the map.
    g_states: DenseMap<GState, { 1 << 16 }>,
    p_states: DenseMap<PState, { 1 << 16 }>,
    m_states: MStates,
    active_tasks: FxHashMap<TaskId, (Arc<[u8]>, TaskId)>,
    gc_seq: u64,
    gc_state: GcState,
    initial_gen: u64,
    /// Events ready to be delivered, oldest first. A Vec, not a deque: it
    /// rarely holds more than two, and the batch reader lends it its own
    /// batch so that events are queued where they are delivered.
    pub(crate) queue: Vec<Event>,
    /// Queue events without their table (the batch reader records the
    /// table once for a run of events instead of once per event).
    pub(crate) bare: bool,
    /// Set when an event that owns an extra string is queued (the batch
    /// that lent the queue must then drop its events one by one).
    pub(crate) queued_owning: bool,
}

type Advance = Result<(SchedCtx, bool), Error>;

impl Ordering {
    pub(crate) fn new(ver: Version) -> Ordering {
        Ordering {
            ver,
            g_states: DenseMap::default(),
            p_states: DenseMap::default(),
            m_states: MStates::default(),
            active_tasks: FxHashMap::default(),
            gc_seq: 0,
            gc_state: GcState::Undetermined,
            initial_gen: 0,
            queue: Vec::new(),
            bare: false,
            queued_owning: false,
        }
    }

    /// The next queued event.
    pub(crate) fn next(&mut self) -> Option<Event> {
        (!self.queue.is_empty()).then(|| self.queue.remove(0))
    }

    fn ev_name(&self, typ: EventType) -> std::borrow::Cow<'static, str> {
        spec::event_name(self.ver, typ)
    }

    #[inline(always)]
    fn push(&mut self, evt: &Arc<EvTable>, ctx: SchedCtx, base: BaseEvent) {
        // Written in place, field by field: built whole, the event went
        // through a copy on the stack whose 16-byte loads spanned fields
        // just stored 8 bytes at a time, which a store cannot forward;
        // each waited for the stores before it to reach the cache, the
        // batch's cold lines among them (a third of this function's time).
        let table = (!self.bare).then(|| evt.clone());
        self.queue.reserve(1);
        let len = self.queue.len();
        // SAFETY: `reserve` made room for one more event at `len`; every
        // field is written before the length covers it.
        unsafe {
            use std::ptr::addr_of_mut;
            let dst = self.queue.as_mut_ptr().add(len);
            addr_of_mut!((*dst).table).write(table);
            addr_of_mut!((*dst).ctx).write(ctx);
            addr_of_mut!((*dst).base).write(base);
            addr_of_mut!((*dst).extra_str).write(None);
            self.queue.set_len(len + 1);
        }
    }

    fn push_made(
        &mut self,
        evt: &Arc<EvTable>,
        ctx: SchedCtx,
        typ: EventType,
        time: Time,
        args: &[u64],
    ) {
        let mut base = BaseEvent {
            typ,
            time,
            args: [0; 4],
        };
        base.args[..args.len()].copy_from_slice(args);
        self.push(evt, ctx, base);
    }

    /// Go's `ordering.Advance`: whether `ev`, the next event of thread
    /// `m`, can happen now. On success its events are queued.
    ///
    /// `m_slot` caches `m`'s slot between calls (`None` the first time).
    pub(crate) fn advance(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        m: ThreadId,
        m_slot: &mut Option<u32>,
        generation: u64,
    ) -> Result<bool, Error> {
        if self.initial_gen == 0 {
            self.initial_gen = generation;
        }
        let mut cur = SchedCtx {
            m,
            p: NO_PROC,
            g: NO_GOROUTINE,
        };
        let slot = if m != NO_THREAD {
            let slot = match *m_slot {
                Some(s) => s,
                None => {
                    let s = self.m_states.slot_or_insert(m);
                    *m_slot = Some(s);
                    s
                }
            };
            let ms = &self.m_states.slots[slot as usize].1;
            cur.p = ms.p;
            cur.g = ms.g;
            Some(slot)
        } else {
            None
        };
        use spec::*;
        let r = match ev.typ {
            EV_PROCS_CHANGE | EV_GO_LABEL | EV_USER_LOG => self.advance_annotation(ev, evt, cur),
            EV_PROC_START => self.advance_proc_start(ev, evt, generation, cur),
            EV_PROC_STOP => self.advance_proc_stop(ev, evt, cur),
            EV_PROC_STEAL => self.advance_proc_steal(ev, evt, generation, cur),
            EV_PROC_STATUS => self.advance_proc_status(ev, evt, generation, cur),
            EV_GO_CREATE | EV_GO_CREATE_BLOCKED => self.advance_go_create(ev, evt, generation, cur),
            EV_GO_CREATE_SYSCALL => self.advance_go_create_syscall(ev, evt, generation, cur),
            EV_GO_START => self.advance_go_start(ev, evt, generation, cur),
            EV_GO_DESTROY | EV_GO_STOP | EV_GO_BLOCK => self.advance_go_stop_exec(ev, evt, cur),
            EV_GO_DESTROY_SYSCALL => self.advance_go_destroy_syscall(ev, evt, cur),
            EV_GO_UNBLOCK => self.advance_go_unblock(ev, evt, generation, cur),
            EV_GO_SYSCALL_BEGIN => self.advance_go_syscall_begin(ev, evt, generation, cur),
            EV_GO_SYSCALL_END => self.advance_go_syscall_end(ev, evt, cur),
            EV_GO_SYSCALL_END_BLOCKED => self.advance_go_syscall_end_blocked(ev, evt, cur),
            EV_GO_STATUS | EV_GO_STATUS_STACK => self.advance_go_status(ev, evt, generation, cur),
            EV_STW_BEGIN | EV_GC_MARK_ASSIST_BEGIN => self.advance_go_range_begin(ev, evt, cur),
            EV_STW_END | EV_GC_MARK_ASSIST_END => self.advance_go_range_end(ev, evt, cur),
            EV_GC_ACTIVE => self.advance_gc_active(ev, evt, generation, cur),
            EV_GC_BEGIN => self.advance_gc_begin(ev, evt, cur),
            EV_GC_END => self.advance_gc_end(ev, evt, cur),
            EV_GC_SWEEP_ACTIVE => self.advance_gc_sweep_active(ev, evt, generation, cur),
            EV_GC_SWEEP_BEGIN => self.advance_gc_sweep_begin(ev, evt, cur),
            EV_GC_SWEEP_END => self.advance_gc_sweep_end(ev, evt, cur),
            EV_GC_MARK_ASSIST_ACTIVE => self.advance_go_range_active(ev, evt, generation, cur),
            EV_HEAP_ALLOC | EV_HEAP_GOAL => self.advance_heap_metric(ev, evt, cur),
            EV_USER_TASK_BEGIN => self.advance_user_task_begin(ev, evt, cur),
            EV_USER_TASK_END => self.advance_user_task_end(ev, evt, cur),
            EV_USER_REGION_BEGIN => self.advance_user_region_begin(ev, evt, cur),
            EV_USER_REGION_END => self.advance_user_region_end(ev, evt, cur),
            EV_GO_SWITCH | EV_GO_SWITCH_DESTROY => self.advance_go_switch(ev, evt, generation, cur),
            EV_SPAN..=EV_GOROUTINE_STACK_FREE => self.advance_alloc_free(ev, evt, cur),
            t => {
                return Err(Error::invalid(format!(
                    "bad event type found while ordering: {t}"
                )));
            }
        };
        let (new, ok) = r?;
        if ok && let Some(slot) = slot {
            let ms = &mut self.m_states.slots[slot as usize].1;
            ms.p = new.p;
            // Two 8-byte copies, not one of 16: the steps above write
            // `p` and `g` apart, and a 16-byte load of them cannot be
            // forwarded from those stores (a stall of some 15 cycles per
            // event, a seventh of this function's time).
            std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
            ms.g = new.g;
        }
        Ok(ok)
    }

    fn advance_proc_status(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        mut cur: SchedCtx,
    ) -> Advance {
        let pid = ev.args[0] as i64;
        let status = ev.args[1];
        if status > proc_status::SYSCALL_ABANDONED {
            return Err(Error::invalid(format!(
                "invalid status for proc {pid}: {status}"
            )));
        }
        let mut old = u64::from(proc_status_to_state(status));
        if let Some(s) = self.p_states.get_mut(&pid) {
            if status == proc_status::SYSCALL_ABANDONED && s.status == proc_status::SYSCALL {
                old = u64::from(PS_RUNNING);
                ev.args[1] = proc_status::SYSCALL;
            } else if status == proc_status::SYSCALL_ABANDONED
                && s.status == proc_status::SYSCALL_ABANDONED
            {
                old = u64::from(PS_IDLE);
                ev.args[1] = proc_status::SYSCALL_ABANDONED;
            } else if s.status != status {
                return Err(Error::invalid(format!(
                    "inconsistent status for proc {pid}: old {} vs. new {}",
                    proc_status::name(s.status),
                    proc_status::name(status)
                )));
            }
            s.seq = Seq::new(generation, 0);
        } else {
            self.p_states.insert(
                pid,
                PState {
                    status,
                    seq: Seq::new(generation, 0),
                    ranges: RangeState::default(),
                },
            );
            old = u64::from(if generation == self.initial_gen {
                PS_UNDETERMINED
            } else {
                PS_NOT_EXIST
            });
        }
        let x = ev.extra_index();
        ev.args[x] = old;
        let mut new = cur;
        if status == proc_status::RUNNING || status == proc_status::SYSCALL {
            new.p = pid;
        }
        if status == proc_status::SYSCALL_ABANDONED && old == u64::from(PS_RUNNING) {
            // Emit in the context the P is bound to. (Go iterates a map
            // here; with one M per P the result is the same.)
            let mut found = false;
            let mut ms: Vec<(&ThreadId, &MState)> =
                self.m_states.iter().filter(|(_, s)| s.p == pid).collect();
            ms.sort_by_key(|(m, _)| **m);
            if let Some((mid, s)) = ms.last() {
                cur.m = **mid;
                cur.p = pid;
                cur.g = s.g;
                found = true;
            }
            if !found {
                return Err(Error::invalid(format!(
                    "failed to find sched context for proc {pid} that's about to be stolen"
                )));
            }
        }
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    fn advance_proc_start(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        let pid = ev.args[0] as i64;
        let seq = Seq::new(generation, ev.args[1]);
        let Some(state) = self.p_states.get_mut(&pid) else {
            return Ok((cur, false));
        };
        if state.status != proc_status::IDLE || !seq.succeeds(state.seq) || cur.p != NO_PROC {
            return Ok((cur, false));
        }
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Forbidden,
                g: Need::Optional,
            },
        )?;
        state.status = proc_status::RUNNING;
        state.seq = seq;
        let mut new = cur;
        new.p = pid;
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    fn advance_proc_stop(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        let name = self.ev_name(ev.typ);
        let Some(state) = self.p_states.get_mut(&cur.p) else {
            return Err(Error::invalid(format!(
                "event {name} for proc ({}) that doesn't exist",
                cur.p
            )));
        };
        if state.status != proc_status::RUNNING && state.status != proc_status::SYSCALL {
            return Err(Error::invalid(format!(
                "{name} event for proc that's not Running or Syscall"
            )));
        }
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Required,
                g: Need::Optional,
            },
        )?;
        state.status = proc_status::IDLE;
        let mut new = cur;
        new.p = NO_PROC;
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    fn advance_proc_steal(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        let pid = ev.args[0] as i64;
        let seq = Seq::new(generation, ev.args[1]);
        let Some(state) = self.p_states.get_mut(&pid) else {
            return Ok((cur, false));
        };
        if (state.status != proc_status::SYSCALL && state.status != proc_status::SYSCALL_ABANDONED)
            || !seq.succeeds(state.seq)
        {
            return Ok((cur, false));
        }
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Optional,
                g: Need::Optional,
            },
        )?;
        let old_status = state.status;
        let x = ev.extra_index();
        ev.args[x] = old_status;
        state.status = proc_status::IDLE;
        state.seq = seq;
        if old_status == proc_status::SYSCALL_ABANDONED {
            self.push(evt, cur, *ev);
            return Ok((cur, true));
        }
        let mid = ev.args[2] as i64;
        let mut new = cur;
        if mid == cur.m {
            if cur.p != pid {
                return Err(Error::invalid(format!(
                    "tried to self-steal proc {pid} (thread {mid}), but got proc {} instead",
                    cur.p
                )));
            }
            new.p = NO_PROC;
            self.push(evt, cur, *ev);
            return Ok((new, true));
        }
        let Some(ms) = self.m_states.get_mut(&mid) else {
            return Err(Error::invalid(format!(
                "stole proc from non-existent thread {mid}"
            )));
        };
        if ms.p != pid {
            return Err(Error::invalid(format!(
                "tried to steal proc {pid} from thread {mid}, but got proc {} instead",
                ms.p
            )));
        }
        ms.p = NO_PROC;
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    fn advance_go_status(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        mut cur: SchedCtx,
    ) -> Advance {
        let gid = ev.args[0] as i64;
        let mid = ev.args[1] as i64;
        let status = ev.args[2];
        if status > go_status::WAITING {
            return Err(Error::invalid(format!(
                "invalid status for goroutine {gid}: {status}"
            )));
        }
        let mut old = u64::from(go_status_to_state(status));
        if let Some(s) = self.g_states.get_mut(&gid) {
            if s.status != status {
                return Err(Error::invalid(format!(
                    "inconsistent status for goroutine {gid}: old {} vs. new {}",
                    go_status::name(s.status),
                    go_status::name(status)
                )));
            }
            s.seq = Seq::new(generation, 0);
        } else if generation == self.initial_gen {
            self.g_states
                .insert(gid, GState::new(gid, status, Seq::new(generation, 0)));
            old = u64::from(GS_UNDETERMINED);
        } else {
            return Err(Error::invalid(format!(
                "found goroutine status for new goroutine after the first generation: id={gid} status={}",
                go_status::name(status)
            )));
        }
        ev.args[2] = (old << 32) | status;
        let mut new = cur;
        match status {
            go_status::RUNNING => new.g = gid,
            go_status::SYSCALL => {
                if mid == NO_THREAD {
                    return Err(Error::invalid(format!(
                        "found goroutine {gid} in syscall without a thread"
                    )));
                }
                if mid == cur.m {
                    if generation != self.initial_gen && cur.g != gid {
                        return Err(Error::invalid(format!(
                            "inconsistent thread for syscalling goroutine {gid}: thread has goroutine {}",
                            cur.g
                        )));
                    }
                    new.g = gid;
                } else {
                    match self.m_states.get(&mid) {
                        Some(ms) => {
                            if ms.g != gid {
                                return Err(Error::invalid(format!(
                                    "inconsistent thread for syscalling goroutine {gid}: thread has goroutine {}",
                                    ms.g
                                )));
                            }
                            cur.g = ms.g;
                        }
                        None => {
                            self.m_states.insert(mid, MState { g: gid, p: NO_PROC });
                        }
                    }
                    cur.m = mid;
                }
            }
            _ => {}
        }
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    #[inline(always)]
    fn check_running_g(&self, typ: EventType, cur: SchedCtx) -> Result<(), Error> {
        if let Some(s) = self.g_states.get(&cur.g)
            && s.status != go_status::RUNNING
        {
            return Err(not_running(self.ver, typ));
        }
        Ok(())
    }

    fn advance_go_create(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Required,
                g: Need::Optional,
            },
        )?;
        self.check_running_g(ev.typ, cur)?;
        let newg = ev.args[0] as i64;
        if self.g_states.contains_key(&newg) {
            return Err(Error::invalid(format!(
                "tried to create goroutine ({newg}) that already exists"
            )));
        }
        let status = if ev.typ == spec::EV_GO_CREATE_BLOCKED {
            go_status::WAITING
        } else {
            go_status::RUNNABLE
        };
        self.g_states
            .insert(newg, GState::new(newg, status, Seq::new(generation, 0)));
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    /// The running goroutine's state, for events that need one.
    #[inline(always)]
    fn running_g(
        &mut self,
        typ: EventType,
        cur: SchedCtx,
        want: u64,
    ) -> Result<&mut GState, Error> {
        let ver = self.ver;
        let Some(s) = self.g_states.get_mut(&cur.g) else {
            return Err(no_goroutine(ver, typ, cur.g));
        };
        if s.status != want {
            return Err(not_running(ver, typ));
        }
        Ok(s)
    }

    fn advance_go_stop_exec(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(cur, USER_GO_REQS)?;
        self.running_g(ev.typ, cur, go_status::RUNNING)?;
        let mut new = cur;
        match ev.typ {
            spec::EV_GO_DESTROY => {
                self.g_states.remove(&cur.g);
                new.g = NO_GOROUTINE;
            }
            spec::EV_GO_STOP => {
                if let Some(s) = self.g_states.get_mut(&cur.g) {
                    s.status = go_status::RUNNABLE;
                }
                new.g = NO_GOROUTINE;
            }
            _ => {
                if let Some(s) = self.g_states.get_mut(&cur.g) {
                    s.status = go_status::WAITING;
                }
                new.g = NO_GOROUTINE;
            }
        }
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    fn advance_go_start(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        let gid = ev.args[0] as i64;
        let seq = Seq::new(generation, ev.args[1]);
        let Some(state) = self.g_states.get_mut(&gid) else {
            return Ok((cur, false));
        };
        if state.status != go_status::RUNNABLE || !seq.succeeds(state.seq) {
            return Ok((cur, false));
        }
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Required,
                g: Need::Forbidden,
            },
        )?;
        state.status = go_status::RUNNING;
        state.seq = seq;
        let mut new = cur;
        new.g = gid;
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    fn advance_go_unblock(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        let gid = ev.args[0] as i64;
        let seq = Seq::new(generation, ev.args[1]);
        let Some(state) = self.g_states.get_mut(&gid) else {
            return Ok((cur, false));
        };
        if state.status != go_status::WAITING || !seq.succeeds(state.seq) {
            return Ok((cur, false));
        }
        state.status = go_status::RUNNABLE;
        state.seq = seq;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_go_switch(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(cur, USER_GO_REQS)?;
        self.running_g(ev.typ, cur, go_status::RUNNING)?;
        let nextg = ev.args[0] as i64;
        let seq = Seq::new(generation, ev.args[1]);
        match self.g_states.get(&nextg) {
            Some(s) if s.status == go_status::WAITING && seq.succeeds(s.seq) => {}
            _ => return Ok((cur, false)),
        }
        self.push(evt, cur, *ev);
        if ev.typ == spec::EV_GO_SWITCH {
            if let Some(s) = self.g_states.get_mut(&cur.g) {
                s.status = go_status::WAITING;
            }
            self.push_made(evt, cur, spec::EV_GO_BLOCK, ev.time, &[0, 0]);
        } else {
            self.g_states.remove(&cur.g);
            self.push_made(evt, cur, spec::EV_GO_DESTROY, ev.time, &[]);
        }
        if let Some(s) = self.g_states.get_mut(&nextg) {
            s.status = go_status::RUNNING;
            s.seq = seq;
        }
        let mut new = cur;
        new.g = nextg;
        let mut start = cur;
        start.g = NO_GOROUTINE;
        self.push_made(
            evt,
            start,
            spec::EV_GO_START,
            ev.time,
            &[nextg as u64, ev.args[1]],
        );
        Ok((new, true))
    }

    fn advance_go_syscall_begin(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(cur, USER_GO_REQS)?;
        self.running_g(ev.typ, cur, go_status::RUNNING)?.status = go_status::SYSCALL;
        let name = self.ev_name(ev.typ);
        let Some(ps) = self.p_states.get_mut(&cur.p) else {
            return Err(Error::invalid(format!(
                "uninitialized proc {} found during {name}",
                cur.p
            )));
        };
        ps.status = proc_status::SYSCALL;
        let pseq = Seq::new(generation, ev.args[0]);
        if !pseq.succeeds(ps.seq) {
            return Err(Error::invalid(format!(
                "failed to advance {name}: can't make sequence: {} -> {pseq}",
                ps.seq
            )));
        }
        ps.seq = pseq;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn syscall_g(&mut self, typ: EventType, cur: SchedCtx) -> Result<&mut GState, Error> {
        let name = self.ev_name(typ);
        let Some(s) = self.g_states.get_mut(&cur.g) else {
            return Err(Error::invalid(format!(
                "event {name} for goroutine ({}) that doesn't exist",
                cur.g
            )));
        };
        if s.status != go_status::SYSCALL {
            return Err(Error::invalid(format!(
                "{name} event for goroutine that's not Running"
            )));
        }
        Ok(s)
    }

    fn advance_go_syscall_end(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(cur, USER_GO_REQS)?;
        self.syscall_g(ev.typ, cur)?.status = go_status::RUNNING;
        let name = self.ev_name(ev.typ);
        let Some(ps) = self.p_states.get_mut(&cur.p) else {
            return Err(Error::invalid(format!(
                "uninitialized proc {} found during {name}",
                cur.p
            )));
        };
        if ps.status != proc_status::SYSCALL {
            return Err(Error::invalid(format!(
                "expected proc {} in state Syscall, but got {} instead",
                cur.p,
                proc_status::name(ps.status)
            )));
        }
        ps.status = proc_status::RUNNING;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_go_syscall_end_blocked(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        if cur.p != NO_PROC {
            let Some(ps) = self.p_states.get(&cur.p) else {
                return Err(Error::invalid(format!(
                    "uninitialized proc {} found during {}",
                    cur.p,
                    self.ev_name(ev.typ)
                )));
            };
            if ps.status == proc_status::SYSCALL {
                return Ok((cur, false));
            }
        }
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Optional,
                g: Need::Required,
            },
        )?;
        self.syscall_g(ev.typ, cur)?.status = go_status::RUNNABLE;
        let mut new = cur;
        new.g = NO_GOROUTINE;
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    fn advance_go_create_syscall(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Optional,
                g: Need::Forbidden,
            },
        )?;
        let newg = ev.args[0] as i64;
        if self.g_states.contains_key(&newg) {
            return Err(Error::invalid(format!(
                "tried to create goroutine ({newg}) in syscall that already exists"
            )));
        }
        self.g_states.insert(
            newg,
            GState::new(newg, go_status::SYSCALL, Seq::new(generation, 0)),
        );
        let mut new = cur;
        new.g = newg;
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    fn advance_go_destroy_syscall(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Optional,
                g: Need::Required,
            },
        )?;
        let name = self.ev_name(ev.typ);
        match self.g_states.get(&cur.g) {
            None => {
                return Err(Error::invalid(format!(
                    "event {name} for goroutine ({}) that doesn't exist",
                    cur.g
                )));
            }
            Some(s) if s.status != go_status::SYSCALL => {
                return Err(Error::invalid(format!(
                    "{name} event for goroutine that's not Syscall"
                )));
            }
            _ => {}
        }
        self.g_states.remove(&cur.g);
        let mut new = cur;
        new.g = NO_GOROUTINE;
        if cur.p != NO_PROC {
            let Some(ps) = self.p_states.get_mut(&cur.p) else {
                return Err(Error::invalid(format!(
                    "found invalid proc {} during {name}",
                    cur.p
                )));
            };
            if ps.status != proc_status::SYSCALL {
                return Err(Error::invalid(format!(
                    "proc {} in unexpected state {} during {name}",
                    cur.p,
                    proc_status::name(ps.status)
                )));
            }
            ps.status = proc_status::SYSCALL_ABANDONED;
            new.p = NO_PROC;
            // A self-ProcSteal, so the P does not stay bound to this thread.
            let mut extra = BaseEvent {
                typ: spec::EV_PROC_STEAL,
                time: ev.time,
                args: [0; 4],
            };
            extra.args[0] = cur.p as u64;
            let x = extra.extra_index();
            extra.args[x] = proc_status::SYSCALL;
            self.push(evt, cur, extra);
        }
        self.push(evt, cur, *ev);
        Ok((new, true))
    }

    fn advance_user_task_begin(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        let id = ev.args[0];
        if self.active_tasks.contains_key(&id) {
            return Err(Error::invalid(format!("task ID conflict: {id}")));
        }
        let mut parent = ev.args[1];
        if parent == BACKGROUND_TASK {
            parent = NO_TASK;
            ev.args[1] = NO_TASK;
        }
        let name_id = ev.args[2];
        let Some(name) = evt.strings.get(name_id) else {
            return Err(Error::invalid(format!(
                "invalid string ID {name_id} for {} event",
                ev.typ
            )));
        };
        self.active_tasks.insert(id, (Arc::from(&name[..]), parent));
        validate_ctx(cur, USER_GO_REQS)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_user_task_end(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        let id = ev.args[0];
        let x = ev.extra_index();
        let name = match self.active_tasks.remove(&id) {
            Some((name, parent)) => {
                ev.args[x] = parent;
                name
            }
            None => {
                ev.args[x] = NO_TASK;
                Arc::from(&[][..])
            }
        };
        // Go keeps the name in a per-generation "extra strings" table and
        // its ID in the next slot; the slot keeps Go's value (0: empty).
        ev.args[x + 1] = u64::from(!name.is_empty());
        validate_ctx(cur, USER_GO_REQS)?;
        self.queued_owning |= !name.is_empty();
        self.queue.push(Event {
            table: (!self.bare).then(|| evt.clone()),
            ctx: cur,
            base: *ev,
            extra_str: (!name.is_empty()).then_some(name),
        });
        Ok((cur, true))
    }

    fn region_g(&mut self, typ: &str, cur: SchedCtx) -> Result<&mut GState, Error> {
        self.g_states.get_mut(&cur.g).ok_or_else(|| {
            Error::invalid(format!(
                "encountered {typ} without known state for current goroutine {}",
                cur.g
            ))
        })
    }

    fn advance_user_region_begin(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(cur, USER_GO_REQS)?;
        let r = user_region(ev, evt)?;
        self.region_g("EvUserRegionBegin", cur)?.regions.push(r);
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_user_region_end(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(cur, USER_GO_REQS)?;
        let r = user_region(ev, evt)?;
        self.region_g("EvUserRegionEnd", cur)?.end_region(r)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_gc_active(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        let seq = ev.args[0];
        if generation == self.initial_gen {
            if self.gc_state != GcState::Undetermined {
                return Err(Error::invalid(
                    "GCActive in the first generation isn't first GC event",
                ));
            }
            self.gc_seq = seq;
            self.gc_state = GcState::Running;
            self.push(evt, cur, *ev);
            return Ok((cur, true));
        }
        if seq != self.gc_seq.wrapping_add(1) {
            return Ok((cur, false));
        }
        if self.gc_state != GcState::Running {
            return Err(Error::invalid(
                "encountered GCActive while GC was not in progress",
            ));
        }
        self.gc_seq = seq;
        validate_ctx(cur, USER_GO_REQS)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_gc_begin(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        let seq = ev.args[0];
        if self.gc_state == GcState::Undetermined {
            self.gc_seq = seq;
            self.gc_state = GcState::Running;
            self.push(evt, cur, *ev);
            return Ok((cur, true));
        }
        if seq != self.gc_seq.wrapping_add(1) {
            return Ok((cur, false));
        }
        if self.gc_state == GcState::Running {
            return Err(Error::invalid(
                "encountered GCBegin while GC was already in progress",
            ));
        }
        self.gc_seq = seq;
        self.gc_state = GcState::Running;
        validate_ctx(cur, USER_GO_REQS)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_gc_end(&mut self, ev: &mut BaseEvent, evt: &Arc<EvTable>, cur: SchedCtx) -> Advance {
        let seq = ev.args[0];
        if seq != self.gc_seq.wrapping_add(1) {
            return Ok((cur, false));
        }
        if self.gc_state == GcState::NotRunning {
            return Err(Error::invalid(
                "encountered GCEnd when GC was not in progress",
            ));
        }
        if self.gc_state == GcState::Undetermined {
            return Err(Error::invalid(
                "encountered GCEnd when GC was in an undetermined state",
            ));
        }
        self.gc_seq = seq;
        self.gc_state = GcState::NotRunning;
        validate_ctx(cur, USER_GO_REQS)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_annotation(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(cur, USER_GO_REQS)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_heap_metric(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Required,
                g: Need::Optional,
            },
        )?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn p_state_for_range(&mut self, cur: SchedCtx) -> Result<&mut PState, Error> {
        // Go dereferences a nil map entry here (a panic); report it instead.
        self.p_states.get_mut(&cur.p).ok_or_else(|| {
            Error::invalid(format!(
                "uninitialized proc {} found during GC sweep",
                cur.p
            ))
        })
    }

    fn advance_gc_sweep_begin(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Required,
                g: Need::Optional,
            },
        )?;
        let rt = make_range_type(ev.typ, 0);
        self.p_state_for_range(cur)?.ranges.begin(rt)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_gc_sweep_active(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        let pid = ev.args[0] as i64;
        let initial = generation == self.initial_gen;
        let Some(ps) = self.p_states.get_mut(&pid) else {
            return Err(Error::invalid(format!(
                "encountered GCSweepActive for unknown proc {pid}"
            )));
        };
        ps.ranges.active(make_range_type(ev.typ, 0), initial)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_gc_sweep_end(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Required,
                g: Need::Optional,
            },
        )?;
        self.p_state_for_range(cur)?.ranges.end(ev.typ)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_go_range_begin(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(cur, USER_GO_REQS)?;
        let desc = if ev.typ == spec::EV_STW_BEGIN {
            ev.args[0]
        } else {
            0
        };
        let Some(gs) = self.g_states.get_mut(&cur.g) else {
            return Err(Error::invalid(format!(
                "encountered event of type {} without known state for current goroutine {}",
                ev.typ, cur.g
            )));
        };
        gs.ranges.begin(make_range_type(ev.typ, desc))?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_go_range_active(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        generation: u64,
        cur: SchedCtx,
    ) -> Advance {
        let gid = ev.args[0] as i64;
        let initial = generation == self.initial_gen;
        let name = self.ev_name(ev.typ);
        let Some(gs) = self.g_states.get_mut(&gid) else {
            return Err(Error::invalid(format!(
                "uninitialized goroutine {gid} found during {name}"
            )));
        };
        gs.ranges.active(make_range_type(ev.typ, 0), initial)?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_go_range_end(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(cur, USER_GO_REQS)?;
        let Some(gs) = self.g_states.get_mut(&cur.g) else {
            return Err(Error::invalid(format!(
                "encountered event of type {} without known state for current goroutine {}",
                ev.typ, cur.g
            )));
        };
        let desc = gs.ranges.end(ev.typ)?;
        if ev.typ == spec::EV_STW_END {
            ev.args[0] = desc;
        }
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    fn advance_alloc_free(
        &mut self,
        ev: &mut BaseEvent,
        evt: &Arc<EvTable>,
        cur: SchedCtx,
    ) -> Advance {
        validate_ctx(
            cur,
            Reqs {
                m: Need::Required,
                p: Need::Optional,
                g: Need::Optional,
            },
        )?;
        self.push(evt, cur, *ev);
        Ok((cur, true))
    }

    /// A short description of the state, for "failed to advance" errors.
    pub(crate) fn dump(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let mut gs: Vec<_> = self.g_states.values().collect();
        gs.sort_by_key(|g| g.id);
        for g in gs {
            let _ = writeln!(
                s,
                "G {} [status={} seq={}]",
                g.id,
                go_status::name(g.status),
                g.seq
            );
        }
        s.push('\n');
        let mut ps: Vec<_> = self.p_states.iter().collect();
        ps.sort_by_key(|(id, _)| *id);
        for (id, p) in ps {
            let _ = writeln!(
                s,
                "P {id} [status={} seq={}]",
                proc_status::name(p.status),
                p.seq
            );
        }
        s.push('\n');
        let mut ms: Vec<_> = self.m_states.iter().collect();
        ms.sort_by_key(|(id, _)| **id);
        for (id, m) in ms {
            let _ = writeln!(s, "M {id} [g={} p={}]", m.g, m.p);
        }
        s.push('\n');
        let gc = match self.gc_state {
            GcState::Undetermined => "Undetermined",
            GcState::NotRunning => "NotRunning",
            GcState::Running => "Running",
        };
        let _ = writeln!(s, "GC {} {gc}", self.gc_seq);
        s
    }
}

/// Kept for the v1 converter and tests: the reader's sync event.
pub(crate) fn sync_event(table: Option<Arc<EvTable>>, time: Time, n: u64) -> Event {
    let mut base = BaseEvent {
        typ: EV_SYNC_KIND,
        time,
        args: [0; 4],
    };
    base.args[0] = n;
    Event {
        table,
        ctx: SchedCtx::NONE,
        base,
        extra_str: None,
    }
}
