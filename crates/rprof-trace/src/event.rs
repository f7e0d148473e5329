//! The ordered event model (Go's `internal/trace.Event` and friends).
//!
//! An [`Event`] is small and cheap to clone: its kind-specific details are
//! decoded on demand from a few integers and its generation's tables
//! (shared through an `Arc`). `Display` prints Go's `Event.String()`, which
//! is what `go tool trace -d=parsed` prints.

use std::borrow::Cow;
use std::fmt;
use std::io::Write as _;
use std::sync::Arc;

use crate::quote::quote_into;
use crate::spec::{self, EXPERIMENTS, EventType, SPECS};
use crate::table::{EvTable, Time, freq_mul};

/// A goroutine ID (`-1`: none).
pub type GoId = i64;
/// A P ID (`-1`: none).
pub type ProcId = i64;
/// An OS thread (M) ID (`-1`: none).
pub type ThreadId = i64;
/// A user task ID.
pub type TaskId = u64;

/// No goroutine.
pub const NO_GOROUTINE: GoId = -1;
/// No P.
pub const NO_PROC: ProcId = -1;
/// No thread.
pub const NO_THREAD: ThreadId = -1;
/// No task.
pub const NO_TASK: TaskId = u64::MAX;
/// The background task (events outside any task).
pub const BACKGROUND_TASK: TaskId = 0;

/// The type byte Go uses for the reader's own Sync events (`evSync`).
pub(crate) const EV_SYNC_KIND: EventType = 0xff;

/// The state of a goroutine (Go's `trace.GoState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GoState {
    /// Nothing is known (first generation, or before the first status).
    Undetermined,
    /// Does not exist (not yet created, or ended).
    NotExist,
    /// Runnable, waiting for a P.
    Runnable,
    /// Running on a thread.
    Running,
    /// Blocked.
    Waiting,
    /// In a system call.
    Syscall,
    /// A value outside Go's enum.
    Bad(u8),
}

impl GoState {
    pub(crate) fn from_u8(v: u8) -> GoState {
        match v {
            0 => GoState::Undetermined,
            1 => GoState::NotExist,
            2 => GoState::Runnable,
            3 => GoState::Running,
            4 => GoState::Waiting,
            5 => GoState::Syscall,
            v => GoState::Bad(v),
        }
    }

    /// Running or in a syscall: bound to its thread.
    pub fn executing(self) -> bool {
        matches!(self, GoState::Running | GoState::Syscall)
    }
}

impl fmt::Display for GoState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GoState::Undetermined => "Undetermined",
            GoState::NotExist => "NotExist",
            GoState::Runnable => "Runnable",
            GoState::Running => "Running",
            GoState::Waiting => "Waiting",
            GoState::Syscall => "Syscall",
            GoState::Bad(_) => "Bad",
        })
    }
}

/// The state of a P (Go's `trace.ProcState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcState {
    /// Nothing is known.
    Undetermined,
    /// Does not exist.
    NotExist,
    /// Running (bound to a thread).
    Running,
    /// Idle.
    Idle,
    /// A value outside Go's enum.
    Bad(u8),
}

impl ProcState {
    pub(crate) fn from_u8(v: u8) -> ProcState {
        match v {
            0 => ProcState::Undetermined,
            1 => ProcState::NotExist,
            2 => ProcState::Running,
            3 => ProcState::Idle,
            v => ProcState::Bad(v),
        }
    }

    /// Running: bound to its thread.
    pub fn executing(self) -> bool {
        self == ProcState::Running
    }
}

impl fmt::Display for ProcState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProcState::Undetermined => "Undetermined",
            ProcState::NotExist => "NotExist",
            ProcState::Running => "Running",
            ProcState::Idle => "Idle",
            ProcState::Bad(_) => "Bad",
        })
    }
}

// Go's internal numbering of GoState / ProcState (stored in events).
pub(crate) const GS_UNDETERMINED: u8 = 0;
pub(crate) const GS_NOT_EXIST: u8 = 1;
pub(crate) const GS_RUNNABLE: u8 = 2;
pub(crate) const GS_RUNNING: u8 = 3;
pub(crate) const GS_WAITING: u8 = 4;
pub(crate) const GS_SYSCALL: u8 = 5;
pub(crate) const PS_UNDETERMINED: u8 = 0;
pub(crate) const PS_NOT_EXIST: u8 = 1;
pub(crate) const PS_RUNNING: u8 = 2;
pub(crate) const PS_IDLE: u8 = 3;

/// Go's `tracev2GoStatus2GoState` (wire status → state; 0 for Bad).
pub(crate) fn go_status_to_state(s: u64) -> u8 {
    match s {
        spec::go_status::RUNNABLE => GS_RUNNABLE,
        spec::go_status::RUNNING => GS_RUNNING,
        spec::go_status::WAITING => GS_WAITING,
        spec::go_status::SYSCALL => GS_SYSCALL,
        _ => GS_UNDETERMINED,
    }
}

/// Go's `tracev2ProcStatus2ProcState`.
pub(crate) fn proc_status_to_state(s: u64) -> u8 {
    match s {
        spec::proc_status::RUNNING | spec::proc_status::SYSCALL => PS_RUNNING,
        spec::proc_status::IDLE | spec::proc_status::SYSCALL_ABANDONED => PS_IDLE,
        _ => PS_UNDETERMINED,
    }
}

/// What an event is (Go's `trace.EventKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Not a valid event.
    Bad,
    /// A synchronisation point between generations.
    Sync,
    /// A metric sample (GOMAXPROCS, heap size, heap goal).
    Metric,
    /// A label applied to a goroutine (e.g. GC worker kinds).
    Label,
    /// A CPU profile sample.
    StackSample,
    /// Start of a range (GC, STW, sweep, mark assist).
    RangeBegin,
    /// A range already in progress when the generation started.
    RangeActive,
    /// End of a range.
    RangeEnd,
    /// `trace.NewTask`.
    TaskBegin,
    /// `Task.End`.
    TaskEnd,
    /// Start of a user region.
    RegionBegin,
    /// End of a user region.
    RegionEnd,
    /// `trace.Log`.
    Log,
    /// A goroutine or P changed state.
    StateTransition,
    /// An experimental event, unvalidated.
    Experimental,
}

impl EventKind {
    /// Go's name for the kind.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Bad => "Bad",
            EventKind::Sync => "Sync",
            EventKind::Metric => "Metric",
            EventKind::Label => "Label",
            EventKind::StackSample => "StackSample",
            EventKind::RangeBegin => "RangeBegin",
            EventKind::RangeActive => "RangeActive",
            EventKind::RangeEnd => "RangeEnd",
            EventKind::TaskBegin => "TaskBegin",
            EventKind::TaskEnd => "TaskEnd",
            EventKind::RegionBegin => "RegionBegin",
            EventKind::RegionEnd => "RegionEnd",
            EventKind::Log => "Log",
            EventKind::StateTransition => "StateTransition",
            EventKind::Experimental => "Experimental",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Go's `tracev2Type2Kind`.
#[inline]
pub(crate) fn kind_of(typ: EventType) -> EventKind {
    KINDS[usize::from(typ)]
}

/// [`kind_of`] for every type: one load per call. Every analysis asks
/// each event its kind, some more than once; the match below compiled
/// to a jump table and a call, a twentieth of the summary's main thread.
static KINDS: [EventKind; 256] = {
    let mut t = [EventKind::Bad; 256];
    let mut typ = 0;
    while typ < 256 {
        t[typ] = kind_by_match(typ as EventType);
        typ += 1;
    }
    t
};

const fn kind_by_match(typ: EventType) -> EventKind {
    use spec::*;
    match typ {
        EV_CPU_SAMPLE => EventKind::StackSample,
        EV_PROCS_CHANGE | EV_HEAP_ALLOC | EV_HEAP_GOAL => EventKind::Metric,
        EV_PROC_START
        | EV_PROC_STOP
        | EV_PROC_STEAL
        | EV_PROC_STATUS
        | EV_GO_CREATE
        | EV_GO_CREATE_SYSCALL
        | EV_GO_START
        | EV_GO_DESTROY
        | EV_GO_DESTROY_SYSCALL
        | EV_GO_STOP
        | EV_GO_BLOCK
        | EV_GO_UNBLOCK
        | EV_GO_SYSCALL_BEGIN
        | EV_GO_SYSCALL_END
        | EV_GO_SYSCALL_END_BLOCKED
        | EV_GO_STATUS
        | EV_GO_SWITCH
        | EV_GO_SWITCH_DESTROY
        | EV_GO_CREATE_BLOCKED
        | EV_GO_STATUS_STACK => EventKind::StateTransition,
        EV_STW_BEGIN | EV_GC_BEGIN | EV_GC_SWEEP_BEGIN | EV_GC_MARK_ASSIST_BEGIN => {
            EventKind::RangeBegin
        }
        EV_STW_END | EV_GC_END | EV_GC_SWEEP_END | EV_GC_MARK_ASSIST_END => EventKind::RangeEnd,
        EV_GC_ACTIVE | EV_GC_SWEEP_ACTIVE | EV_GC_MARK_ASSIST_ACTIVE => EventKind::RangeActive,
        EV_GO_LABEL => EventKind::Label,
        EV_USER_TASK_BEGIN => EventKind::TaskBegin,
        EV_USER_TASK_END => EventKind::TaskEnd,
        EV_USER_REGION_BEGIN => EventKind::RegionBegin,
        EV_USER_REGION_END => EventKind::RegionEnd,
        EV_USER_LOG => EventKind::Log,
        EV_SPAN..=EV_GOROUTINE_STACK_FREE => EventKind::Experimental,
        EV_SYNC_KIND => EventKind::Sync,
        _ => EventKind::Bad,
    }
}

/// The kind of resource a range or state machine belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceId {
    /// Global (e.g. the GC mark phase).
    None,
    /// A goroutine.
    Goroutine(GoId),
    /// A P.
    Proc(ProcId),
    /// A thread.
    Thread(ThreadId),
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceId::None => f.write_str("None"),
            ResourceId::Goroutine(id) => write!(f, "Goroutine({id})"),
            ResourceId::Proc(id) => write!(f, "Proc({id})"),
            ResourceId::Thread(id) => write!(f, "Thread({id})"),
        }
    }
}

/// The scheduling context of an event: who was running where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SchedCtx {
    pub(crate) g: GoId,
    pub(crate) p: ProcId,
    pub(crate) m: ThreadId,
}

impl SchedCtx {
    pub(crate) const NONE: SchedCtx = SchedCtx {
        g: NO_GOROUTINE,
        p: NO_PROC,
        m: NO_THREAD,
    };
}

/// The undecoded core of an event: type, time and up to 4 arguments
/// (the wire arguments after the timestamp, plus values the ordering
/// engine "smuggles" into spare slots, as Go does).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BaseEvent {
    pub(crate) typ: EventType,
    pub(crate) time: Time,
    pub(crate) args: [u64; spec::MAX_TIMED_EVENT_ARGS - 1],
}

impl BaseEvent {
    /// Index of the first spare argument slot (Go's `extra`).
    #[inline]
    pub(crate) fn extra_index(&self) -> usize {
        SPECS[usize::from(self.typ)].args.len() - 1
    }
}

/// One event of the ordered stream.
#[derive(Clone)]
pub struct Event {
    pub(crate) table: Option<Arc<EvTable>>,
    pub(crate) ctx: SchedCtx,
    pub(crate) base: BaseEvent,
    /// The task type of a TaskEnd (from its TaskBegin, possibly in an
    /// earlier generation).
    pub(crate) extra_str: Option<Arc<[u8]>>,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string())
    }
}

/// A metric value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// An integer.
    Uint64(u64),
    /// A string.
    String(Cow<'a, str>),
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Uint64(v) => write!(f, "Value{{Uint64({v})}}"),
            Value::String(s) => f.write_str(s),
        }
    }
}

/// Details of a [`EventKind::Metric`] event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metric {
    /// A runtime/metrics name, e.g. `/sched/gomaxprocs:threads`.
    pub name: &'static str,
    /// The sampled value.
    pub value: u64,
}

/// Details of a [`EventKind::Label`] event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label<'a> {
    /// The label.
    pub label: Cow<'a, str>,
    /// The labelled resource.
    pub resource: ResourceId,
}

/// Details of a range event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range<'a> {
    /// e.g. `GC concurrent mark phase`, `stop-the-world (GC sweep termination)`.
    pub name: Cow<'a, str>,
    /// The resource the range belongs to.
    pub scope: ResourceId,
}

/// Details of a task event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task<'a> {
    /// The task.
    pub id: TaskId,
    /// Its parent ([`NO_TASK`] if none or unknown).
    pub parent: TaskId,
    /// The name given to `trace.NewTask` ("" if unknown).
    pub typ: Cow<'a, str>,
}

/// Details of a region event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region<'a> {
    /// The task the region belongs to.
    pub task: TaskId,
    /// The region's name.
    pub typ: Cow<'a, str>,
}

/// Details of a log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Log<'a> {
    /// The task.
    pub task: TaskId,
    /// The category (key).
    pub category: Cow<'a, str>,
    /// The message.
    pub message: Cow<'a, str>,
}

/// Details of a [`EventKind::StateTransition`] event.
#[derive(Debug, Clone)]
pub struct StateTransition<'a> {
    /// The goroutine or P that changed state.
    pub resource: ResourceId,
    /// Why (block and stop reasons), or "".
    pub reason: Cow<'a, str>,
    /// The stack of the resource making the transition (for goroutine
    /// creation: the new goroutine's start stack).
    pub stack: Stack<'a>,
    old: u8,
    new: u8,
}

impl StateTransition<'_> {
    /// For a goroutine transition: (from, to).
    pub fn goroutine(&self) -> Option<(GoState, GoState)> {
        match self.resource {
            ResourceId::Goroutine(_) => {
                Some((GoState::from_u8(self.old), GoState::from_u8(self.new)))
            }
            _ => None,
        }
    }

    /// For a P transition: (from, to).
    pub fn proc(&self) -> Option<(ProcState, ProcState)> {
        match self.resource {
            ResourceId::Proc(_) => {
                Some((ProcState::from_u8(self.old), ProcState::from_u8(self.new)))
            }
            _ => None,
        }
    }
}

/// A clock snapshot (Go 1.25+ traces): the trace clock next to the
/// monotonic and wall clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSnapshot {
    /// Trace time.
    pub trace: Time,
    /// Monotonic clock, ns.
    pub mono: u64,
    /// Wall clock, seconds since 1970 (as written, Go converts with int64()).
    pub wall_sec: i64,
    /// Wall clock nanoseconds.
    pub wall_nsec: i64,
}

/// Details of a [`EventKind::Sync`] event.
#[derive(Debug, Clone)]
pub struct Sync<'a> {
    /// This is the Nth sync event.
    pub n: u64,
    /// The generation's clock snapshot.
    pub clock_snapshot: Option<ClockSnapshot>,
    /// Raw experimental batches by experiment name.
    pub experimental_batches: Vec<(&'static str, &'a [crate::table::ExperimentalBatch])>,
}

/// Details of an experimental event.
#[derive(Debug, Clone)]
pub struct ExperimentalEvent<'a> {
    /// The event's name.
    pub name: &'static str,
    /// The experiment's name.
    pub experiment: &'static str,
    /// Argument names.
    pub arg_names: &'static [&'static str],
    /// Argument values.
    pub args: Vec<Value<'a>>,
}

/// A handle to a stack in an event's tables.
#[derive(Clone, Copy)]
pub struct Stack<'a> {
    table: Option<&'a EvTable>,
    id: u64,
}

impl fmt::Debug for Stack<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.frames()).finish()
    }
}

/// One frame of a [`Stack`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFrame<'a> {
    /// Program counter.
    pub pc: u64,
    /// Function name (as bytes: Go strings need not be UTF-8).
    pub func: &'a [u8],
    /// File name.
    pub file: &'a [u8],
    /// Line number.
    pub line: u64,
}

impl StackFrame<'_> {
    /// The function name.
    pub fn func_name(&self) -> Cow<'_, str> {
        lossy(self.func)
    }

    /// The file name.
    pub fn file_name(&self) -> Cow<'_, str> {
        lossy(self.file)
    }
}

impl<'a> Stack<'a> {
    /// No stack (Go's `NoStack`).
    pub const NONE: Stack<'static> = Stack { table: None, id: 0 };

    /// Whether this is [`Stack::NONE`]. A stack with ID 0 in a table is
    /// not `NONE` (but has no frames), as in Go.
    pub fn is_none(&self) -> bool {
        self.table.is_none() && self.id == 0
    }

    /// The stack's ID in its generation (0: empty).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// A key that identifies this stack within the whole trace: equal keys
    /// mean the same frames (different keys may still have equal frames).
    pub fn key(&self) -> (usize, u64) {
        (
            self.table.map_or(0, |t| t as *const EvTable as usize),
            self.id,
        )
    }

    /// The frames, innermost first.
    pub fn frames(&self) -> impl Iterator<Item = StackFrame<'a>> + 'a {
        let (t, pcs): (&'a EvTable, &'a [u64]) = match self.table {
            Some(t) if self.id != 0 => (t, t.stacks.get(self.id).map_or(&[][..], |s| &s[..])),
            _ => (&EMPTY_TABLE, &[]),
        };
        pcs.iter().map(move |&pc| {
            let f = t.pcs.get(&pc).copied().unwrap_or_default();
            StackFrame {
                pc,
                func: t.string(f.func_id),
                file: t.string(f.file_id),
                line: f.line,
            }
        })
    }
}

static EMPTY_TABLE: std::sync::LazyLock<EvTable> = std::sync::LazyLock::new(EvTable::default);

/// `String::from_utf8_lossy`, with `str::from_utf8`'s faster check first:
/// names and reasons are valid UTF-8 nearly always, and this runs for
/// every state transition an analysis looks at.
#[inline]
fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

impl Event {
    fn table(&self) -> Option<&EvTable> {
        self.table.as_deref()
    }

    /// String `id` of the event's table (empty if unknown).
    pub(crate) fn string(&self, id: u64) -> &[u8] {
        self.table().map_or(&[][..], |t| t.string(id))
    }

    /// The address of the event's table (0 if none), to tell tables apart
    /// while it is alive.
    #[inline]
    pub(crate) fn table_addr(&self) -> usize {
        self.table.as_ref().map_or(0, |t| Arc::as_ptr(t) as usize)
    }

    /// What kind of event this is.
    #[inline]
    pub fn kind(&self) -> EventKind {
        kind_of(self.base.typ)
    }

    /// When it happened (ns, on the traced program's clock).
    pub fn time(&self) -> Time {
        self.base.time
    }

    /// The goroutine running when it happened, before any transition
    /// ([`NO_GOROUTINE`] if none).
    pub fn goroutine(&self) -> GoId {
        self.ctx.g
    }

    /// The P, before any transition ([`NO_PROC`] if none).
    pub fn proc(&self) -> ProcId {
        self.ctx.p
    }

    /// The thread ([`NO_THREAD`] if none).
    pub fn thread(&self) -> ThreadId {
        self.ctx.m
    }

    /// The wire type byte this event came from (the reader's Sync events
    /// use 255).
    pub fn wire_type(&self) -> EventType {
        self.base.typ
    }

    /// The stack of the current execution context ([`Stack::NONE`] if none).
    pub fn stack(&self) -> Stack<'_> {
        let typ = self.base.typ;
        if typ == EV_SYNC_KIND {
            return Stack::NONE;
        }
        if typ == spec::EV_CPU_SAMPLE {
            return Stack {
                table: self.table(),
                id: self.base.args[0],
            };
        }
        let Some(sp) = spec::spec_of(typ) else {
            return Stack::NONE;
        };
        let Some(&i) = sp.stack_ids.first() else {
            return Stack::NONE;
        };
        let id = self.base.args[i - 1];
        if id == 0 {
            return Stack::NONE;
        }
        Stack {
            table: self.table(),
            id,
        }
    }

    /// Details of a metric event.
    pub fn metric(&self) -> Option<Metric> {
        let name = match self.base.typ {
            spec::EV_PROCS_CHANGE => "/sched/gomaxprocs:threads",
            spec::EV_HEAP_ALLOC => "/memory/classes/heap/objects:bytes",
            spec::EV_HEAP_GOAL => "/gc/heap/goal:bytes",
            _ => return None,
        };
        Some(Metric {
            name,
            value: self.base.args[0],
        })
    }

    fn label_bytes(&self) -> &[u8] {
        self.string(self.base.args[0])
    }

    /// Details of a label event.
    pub fn label(&self) -> Option<Label<'_>> {
        (self.base.typ == spec::EV_GO_LABEL).then(|| Label {
            label: lossy(self.label_bytes()),
            resource: ResourceId::Goroutine(self.ctx.g),
        })
    }

    fn range_parts(&self) -> Option<(RangeName<'_>, ResourceId)> {
        use spec::*;
        Some(match self.base.typ {
            EV_STW_BEGIN | EV_STW_END => (
                RangeName::Stw(self.string(self.base.args[0])),
                ResourceId::Goroutine(self.ctx.g),
            ),
            EV_GC_BEGIN | EV_GC_ACTIVE | EV_GC_END => (
                RangeName::Static("GC concurrent mark phase"),
                ResourceId::None,
            ),
            EV_GC_SWEEP_BEGIN | EV_GC_SWEEP_ACTIVE | EV_GC_SWEEP_END => {
                let p = if self.base.typ == EV_GC_SWEEP_ACTIVE {
                    self.base.args[0] as i64
                } else {
                    self.ctx.p
                };
                (
                    RangeName::Static("GC incremental sweep"),
                    ResourceId::Proc(p),
                )
            }
            EV_GC_MARK_ASSIST_BEGIN | EV_GC_MARK_ASSIST_ACTIVE | EV_GC_MARK_ASSIST_END => {
                let g = if self.base.typ == EV_GC_MARK_ASSIST_ACTIVE {
                    self.base.args[0] as i64
                } else {
                    self.ctx.g
                };
                (
                    RangeName::Static("GC mark assist"),
                    ResourceId::Goroutine(g),
                )
            }
            _ => return None,
        })
    }

    /// Details of a range event.
    pub fn range(&self) -> Option<Range<'_>> {
        let (name, scope) = self.range_parts()?;
        let name = match name {
            RangeName::Static(s) => Cow::Borrowed(s),
            RangeName::Stw(kind) => Cow::Owned(format!("stop-the-world ({})", lossy(kind))),
        };
        Some(Range { name, scope })
    }

    /// Attributes of a completed range: (name, value); only sweeps have any.
    pub fn range_attributes(&self) -> Vec<(&'static str, u64)> {
        if self.base.typ != spec::EV_GC_SWEEP_END {
            return Vec::new();
        }
        vec![
            ("bytes swept", self.base.args[0]),
            ("bytes reclaimed", self.base.args[1]),
        ]
    }

    fn task_type_bytes(&self) -> &[u8] {
        match self.base.typ {
            spec::EV_USER_TASK_BEGIN => self.string(self.base.args[2]),
            _ => self.extra_str.as_deref().unwrap_or(&[]),
        }
    }

    /// Details of a task event.
    pub fn task(&self) -> Option<Task<'_>> {
        let parent = match self.base.typ {
            spec::EV_USER_TASK_BEGIN => self.base.args[1],
            spec::EV_USER_TASK_END => self.base.args[self.base.extra_index()],
            _ => return None,
        };
        Some(Task {
            id: self.base.args[0],
            parent,
            typ: lossy(self.task_type_bytes()),
        })
    }

    /// Details of a region event.
    pub fn region(&self) -> Option<Region<'_>> {
        matches!(
            self.base.typ,
            spec::EV_USER_REGION_BEGIN | spec::EV_USER_REGION_END
        )
        .then(|| Region {
            task: self.base.args[0],
            typ: lossy(self.string(self.base.args[1])),
        })
    }

    /// Details of a log event.
    pub fn log(&self) -> Option<Log<'_>> {
        (self.base.typ == spec::EV_USER_LOG).then(|| Log {
            task: self.base.args[0],
            category: lossy(self.string(self.base.args[1])),
            message: lossy(self.string(self.base.args[2])),
        })
    }

    /// A goroutine's state transition as the analyses that run on every
    /// event want it: the reason left as bytes, not checked as UTF-8
    /// ([`Event::state_transition`] converts it, a tenth of such an
    /// analysis's time). Tests of the reason against ASCII words answer
    /// the same on the bytes as on the converted text, whose replacement
    /// characters never form ASCII.
    pub(crate) fn goroutine_transition(&self) -> Option<GoTransition<'_>> {
        let t = self.transition()?;
        let ResourceId::Goroutine(g) = t.resource else {
            return None;
        };
        Some(GoTransition {
            g,
            old: GoState::from_u8(t.old),
            new: GoState::from_u8(t.new),
            reason: t.reason,
            stack: t.stack,
        })
    }

    /// [`Event::goroutine_transition`]'s goroutine and states alone, for
    /// the analyses that need neither the reason nor the stack (the
    /// summary, the MMU): without the string and stack lookups.
    #[inline]
    pub(crate) fn goroutine_states(&self) -> Option<(GoId, GoState, GoState)> {
        let (g, old, new) = self.goroutine_states_raw()?;
        Some((g, GoState::from_u8(old), GoState::from_u8(new)))
    }

    /// The goroutine and its states (Go's numbering) of a goroutine
    /// transition: Go's table, shared by [`Event::goroutine_states`] and
    /// the full transition.
    #[inline]
    fn goroutine_states_raw(&self) -> Option<(GoId, u8, u8)> {
        use spec::*;
        let a = &self.base.args;
        Some(match self.base.typ {
            EV_GO_CREATE => (a[0] as i64, GS_NOT_EXIST, GS_RUNNABLE),
            EV_GO_CREATE_BLOCKED => (a[0] as i64, GS_NOT_EXIST, GS_WAITING),
            EV_GO_CREATE_SYSCALL => (a[0] as i64, GS_NOT_EXIST, GS_SYSCALL),
            EV_GO_START => (a[0] as i64, GS_RUNNABLE, GS_RUNNING),
            EV_GO_DESTROY => (self.ctx.g, GS_RUNNING, GS_NOT_EXIST),
            EV_GO_DESTROY_SYSCALL => (self.ctx.g, GS_SYSCALL, GS_NOT_EXIST),
            EV_GO_STOP => (self.ctx.g, GS_RUNNING, GS_RUNNABLE),
            EV_GO_BLOCK => (self.ctx.g, GS_RUNNING, GS_WAITING),
            EV_GO_UNBLOCK | EV_GO_SWITCH | EV_GO_SWITCH_DESTROY => {
                (a[0] as i64, GS_WAITING, GS_RUNNABLE)
            }
            EV_GO_SYSCALL_BEGIN => (self.ctx.g, GS_RUNNING, GS_SYSCALL),
            EV_GO_SYSCALL_END => (self.ctx.g, GS_SYSCALL, GS_RUNNING),
            EV_GO_SYSCALL_END_BLOCKED => (self.ctx.g, GS_SYSCALL, GS_RUNNABLE),
            EV_GO_STATUS | EV_GO_STATUS_STACK => {
                let packed = a[2];
                (
                    a[0] as i64,
                    (packed >> 32) as u8,
                    go_status_to_state(packed & 0xffff_ffff),
                )
            }
            _ => return None,
        })
    }

    /// The string ID of a goroutine transition's reason (Go's reason for
    /// a GoStop or GoBlock; 0, the empty string, for the others): what
    /// [`Event::goroutine_transition`]'s `reason` is, before the lookup.
    #[inline]
    pub(crate) fn reason_id(&self) -> u64 {
        match self.base.typ {
            spec::EV_GO_STOP | spec::EV_GO_BLOCK => self.base.args[0],
            _ => 0,
        }
    }

    /// Details of a state transition (Go's `Event.StateTransition`).
    pub fn state_transition(&self) -> Option<StateTransition<'_>> {
        let t = self.transition()?;
        Some(StateTransition {
            resource: t.resource,
            reason: lossy(t.reason),
            stack: t.stack,
            old: t.old,
            new: t.new,
        })
    }

    fn transition(&self) -> Option<RawTransition<'_>> {
        use spec::*;
        let a = &self.base.args;
        if let Some((g, old, new)) = self.goroutine_states_raw() {
            let stack = match self.base.typ {
                // The new goroutine's stack, not the creator's.
                EV_GO_CREATE | EV_GO_CREATE_BLOCKED => Stack {
                    table: self.table(),
                    id: a[1],
                },
                EV_GO_STOP | EV_GO_BLOCK | EV_GO_SYSCALL_BEGIN | EV_GO_STATUS
                | EV_GO_STATUS_STACK => self.stack(),
                _ => Stack::NONE,
            };
            let reason = match self.reason_id() {
                0 => &[][..],
                id => self.string(id),
            };
            return Some(RawTransition {
                resource: ResourceId::Goroutine(g),
                old,
                new,
                reason,
                stack,
            });
        }
        let p = |id: i64, old, new| RawTransition {
            resource: ResourceId::Proc(id),
            old,
            new,
            reason: &[],
            stack: Stack::NONE,
        };
        Some(match self.base.typ {
            EV_PROC_START => p(a[0] as i64, PS_IDLE, PS_RUNNING),
            EV_PROC_STOP => p(self.ctx.p, PS_RUNNING, PS_IDLE),
            EV_PROC_STEAL => {
                let before = if a[self.base.extra_index()] == proc_status::SYSCALL_ABANDONED {
                    PS_IDLE
                } else {
                    PS_RUNNING
                };
                p(a[0] as i64, before, PS_IDLE)
            }
            EV_PROC_STATUS => p(
                a[0] as i64,
                a[self.base.extra_index()] as u8,
                proc_status_to_state(a[1]),
            ),
            _ => return None,
        })
    }

    /// Details of a sync event.
    pub fn sync(&self) -> Option<Sync<'_>> {
        if self.base.typ != EV_SYNC_KIND {
            return None;
        }
        let mut s = Sync {
            n: self.base.args[0],
            clock_snapshot: None,
            experimental_batches: Vec::new(),
        };
        if let Some(t) = self.table() {
            for (exp, batches) in &t.exp_batches {
                let name = EXPERIMENTS.get(usize::from(*exp)).copied().unwrap_or("");
                s.experimental_batches.push((name, &batches[..]));
            }
            if t.has_clock_snapshot {
                s.clock_snapshot = Some(ClockSnapshot {
                    trace: freq_mul(t.freq, t.snap_time),
                    mono: t.snap_mono,
                    wall_sec: t.snap_sec as i64,
                    wall_nsec: t.snap_nsec as i64,
                });
            }
        }
        Some(s)
    }

    /// Details of an experimental event.
    pub fn experimental(&self) -> Option<ExperimentalEvent<'_>> {
        if self.kind() != EventKind::Experimental {
            return None;
        }
        let sp = &SPECS[usize::from(self.base.typ)];
        let names = &sp.args[1..];
        let args = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                if n.ends_with("string") {
                    Value::String(lossy(self.string(self.base.args[i])))
                } else {
                    Value::Uint64(self.base.args[i])
                }
            })
            .collect();
        Some(ExperimentalEvent {
            name: sp.name,
            experiment: EXPERIMENTS
                .get(usize::from(sp.experiment))
                .copied()
                .unwrap_or(""),
            arg_names: names,
            args,
        })
    }

    /// Appends Go's `Event.String()` (what `-d=parsed` prints, without the
    /// final newline) to `out`. Strings are written as the trace has them,
    /// so the output need not be UTF-8.
    pub fn write_go_string(&self, out: &mut Vec<u8>) {
        let _ = write!(
            out,
            "M={} P={} G={} {} Time={}",
            self.ctx.m,
            self.ctx.p,
            self.ctx.g,
            self.kind(),
            self.time()
        );
        let mut q = String::new();
        let mut quoted = |out: &mut Vec<u8>, s: &[u8]| {
            q.clear();
            quote_into(&mut q, s);
            out.extend_from_slice(q.as_bytes());
        };
        match self.kind() {
            EventKind::Metric => {
                if let Some(m) = self.metric() {
                    out.extend_from_slice(b" Name=");
                    quoted(out, m.name.as_bytes());
                    let _ = write!(out, " Value=Value{{Uint64({})}}", m.value);
                }
            }
            EventKind::Label => {
                out.extend_from_slice(b" Label=");
                quoted(out, self.label_bytes());
                let _ = write!(out, " Resource={}", ResourceId::Goroutine(self.ctx.g));
            }
            kind @ (EventKind::RangeBegin | EventKind::RangeActive | EventKind::RangeEnd) => {
                if let Some((name, scope)) = self.range_parts() {
                    out.extend_from_slice(b" Name=");
                    match name {
                        RangeName::Static(s) => quoted(out, s.as_bytes()),
                        RangeName::Stw(kind) => {
                            let mut n = b"stop-the-world (".to_vec();
                            n.extend_from_slice(kind);
                            n.push(b')');
                            quoted(out, &n);
                        }
                    }
                    let _ = write!(out, " Scope={scope}");
                    if kind == EventKind::RangeEnd {
                        out.extend_from_slice(b" Attributes=[");
                        for (i, (name, v)) in self.range_attributes().iter().enumerate() {
                            if i != 0 {
                                out.push(b' ');
                            }
                            quoted(out, name.as_bytes());
                            let _ = write!(out, "=Value{{Uint64({v})}}");
                        }
                        out.push(b']');
                    }
                }
            }
            EventKind::TaskBegin | EventKind::TaskEnd => {
                if let Some(t) = self.task() {
                    let _ = write!(out, " ID={} Parent={} Type=", t.id, t.parent);
                    quoted(out, self.task_type_bytes());
                }
            }
            EventKind::RegionBegin | EventKind::RegionEnd => {
                let _ = write!(out, " Task={} Type=", self.base.args[0]);
                quoted(out, self.string(self.base.args[1]));
            }
            EventKind::Log => {
                let _ = write!(out, " Task={} Category=", self.base.args[0]);
                quoted(out, self.string(self.base.args[1]));
                out.extend_from_slice(b" Message=");
                quoted(out, self.string(self.base.args[2]));
            }
            EventKind::StateTransition => {
                if let Some(t) = self.transition() {
                    match t.resource {
                        ResourceId::Goroutine(id) => {
                            let _ = write!(
                                out,
                                " GoID={id} {}->{}",
                                GoState::from_u8(t.old),
                                GoState::from_u8(t.new)
                            );
                        }
                        ResourceId::Proc(id) => {
                            let _ = write!(
                                out,
                                " ProcID={id} {}->{}",
                                ProcState::from_u8(t.old),
                                ProcState::from_u8(t.new)
                            );
                        }
                        _ => {}
                    }
                    out.extend_from_slice(b" Reason=");
                    quoted(out, t.reason);
                    if !t.stack.is_none() {
                        out.extend_from_slice(b"\nTransitionStack=\n");
                        write_stack(out, &t.stack);
                    }
                }
            }
            EventKind::Experimental => {
                if let Some(x) = self.experimental() {
                    let _ = write!(out, " Name={} Args=[", x.name);
                    for (i, (n, v)) in x.arg_names.iter().zip(&x.args).enumerate() {
                        if i != 0 {
                            out.extend_from_slice(b", ");
                        }
                        match v {
                            Value::Uint64(v) => {
                                let _ = write!(out, "{n}=Value{{Uint64({v})}}");
                            }
                            Value::String(_) => {
                                let _ = write!(out, "{n}=");
                                out.extend_from_slice(self.string(self.base.args[i]));
                            }
                        }
                    }
                    out.push(b']');
                }
            }
            EventKind::Sync => {
                if let Some(s) = self.sync() {
                    let _ = write!(out, " N={}", s.n);
                    if let Some(c) = s.clock_snapshot {
                        let _ = write!(out, " Trace={} Mono={} Wall=", c.trace, c.mono);
                        crate::gotime::write_rfc3339_nano(out, c.wall_sec, c.wall_nsec);
                    }
                }
            }
            EventKind::StackSample | EventKind::Bad => {}
        }
        let stk = self.stack();
        if !stk.is_none() {
            out.extend_from_slice(b"\nStack=\n");
            write_stack(out, &stk);
        }
    }
}

enum RangeName<'a> {
    Static(&'static str),
    Stw(&'a [u8]),
}

/// A goroutine's state transition, its reason as bytes (see
/// [`Event::goroutine_transition`]).
pub(crate) struct GoTransition<'a> {
    pub(crate) g: GoId,
    pub(crate) old: GoState,
    pub(crate) new: GoState,
    pub(crate) reason: &'a [u8],
    pub(crate) stack: Stack<'a>,
}

struct RawTransition<'a> {
    resource: ResourceId,
    old: u8,
    new: u8,
    reason: &'a [u8],
    stack: Stack<'a>,
}

/// Go's `printStack(w, "\t", frames)`.
fn write_stack(out: &mut Vec<u8>, stk: &Stack<'_>) {
    for f in stk.frames() {
        out.push(b'\t');
        out.extend_from_slice(f.func);
        let _ = writeln!(out, " @ {:#x}", f.pc);
        out.extend_from_slice(b"\t\t");
        out.extend_from_slice(f.file);
        let _ = writeln!(out, ":{}", f.line);
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        self.write_go_string(&mut out);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lean accessors the per-event analyses use say what the full
    /// transition says, for every event type (the states come from one
    /// table; the reason's string ID must name the reason the full
    /// transition looks up).
    #[test]
    fn goroutine_states_and_reason_id_follow_the_transition() {
        let mut table = EvTable::default();
        table
            .strings
            .insert(7, b"chan receive".to_vec().into())
            .unwrap();
        let table = Arc::new(table);
        let mut some = 0;
        for typ in 0..=EventType::MAX {
            for packed in [(2u64 << 32) | 3, (4 << 32) | 5, 1] {
                let ev = Event {
                    table: Some(table.clone()),
                    ctx: SchedCtx { g: 11, p: 1, m: 3 },
                    base: BaseEvent {
                        typ,
                        time: 100,
                        args: [7, 0, packed, 0],
                    },
                    extra_str: None,
                };
                let full = ev.goroutine_transition();
                let lean = ev.goroutine_states();
                assert_eq!(
                    lean,
                    full.as_ref().map(|t| (t.g, t.old, t.new)),
                    "type {typ}"
                );
                if let Some(t) = full {
                    some += 1;
                    assert_eq!(table.string(ev.reason_id()), t.reason, "type {typ}");
                }
            }
        }
        assert!(some >= 3 * 15, "only {some} goroutine transitions");
    }
}
