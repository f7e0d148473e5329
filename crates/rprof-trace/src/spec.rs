//! The new format's event table (`internal/trace/tracev2/events.go`):
//! one [`EventSpec`] per wire type byte, sliced per [`Version`].
//!
//! Arguments listed in a spec follow the event's type byte as uvarints; for
//! timed events the first is the timestamp delta. IDs only ever grow, so a
//! version's table is a prefix of the full one.

use crate::version::Version;

/// A wire event type byte.
pub type EventType = u8;

/// Static description of one wire event type.
#[derive(Debug, Clone, Copy)]
pub struct EventSpec {
    /// Name as printed by `go tool trace -d=wire`; empty for unused slots.
    pub name: &'static str,
    /// Argument names; their count is the number of uvarints on the wire.
    pub args: &'static [&'static str],
    /// Indices into `args` of string-table IDs.
    pub string_ids: &'static [usize],
    /// Indices into `args` of stack-table IDs; the first is the event's own stack.
    pub stack_ids: &'static [usize],
    /// For an "end" event, the type of its "begin" event ([`EV_NONE`] otherwise).
    pub start_ev: EventType,
    /// Appears in per-M batches with a timestamp delta as first argument.
    pub is_timed: bool,
    /// Followed by a uvarint length and that many bytes.
    pub has_data: bool,
    /// Followed by `nframes` groups of 4 uvarints (pc, func, file, line).
    pub is_stack: bool,
    /// Experiment ID (0: none).
    pub experiment: u8,
}

const fn spec(name: &'static str, args: &'static [&'static str]) -> EventSpec {
    EventSpec {
        name,
        args,
        string_ids: &[],
        stack_ids: &[],
        start_ev: EV_NONE,
        is_timed: false,
        has_data: false,
        is_stack: false,
        experiment: 0,
    }
}

const fn timed(name: &'static str, args: &'static [&'static str]) -> EventSpec {
    let mut s = spec(name, args);
    s.is_timed = true;
    s
}

const fn stacks(mut s: EventSpec, ids: &'static [usize]) -> EventSpec {
    s.stack_ids = ids;
    s
}

const fn strings(mut s: EventSpec, ids: &'static [usize]) -> EventSpec {
    s.string_ids = ids;
    s
}

const fn ends(mut s: EventSpec, start: EventType) -> EventSpec {
    s.start_ev = start;
    s
}

const fn exp(mut s: EventSpec) -> EventSpec {
    s.experiment = ALLOC_FREE;
    s
}

/// `EvNone`: unused.
pub const EV_NONE: EventType = 0;
/// `EvEventBatch`: start of per-M batch of events [generation, M ID, timestamp, batch length].
pub const EV_EVENT_BATCH: EventType = 1;
/// `EvStacks`: start of a section of the stack table [...EvStack].
pub const EV_STACKS: EventType = 2;
/// `EvStack`: stack table entry [ID, ...{PC, func string ID, file string ID, line #}].
pub const EV_STACK: EventType = 3;
/// `EvStrings`: start of a section of the string dictionary [...EvString].
pub const EV_STRINGS: EventType = 4;
/// `EvString`: string dictionary entry [ID, length, string].
pub const EV_STRING: EventType = 5;
/// `EvCPUSamples`: start of a section of CPU samples [...EvCPUSample].
pub const EV_CPU_SAMPLES: EventType = 6;
/// `EvCPUSample`: CPU profiling sample [timestamp, M ID, P ID, goroutine ID, stack ID].
pub const EV_CPU_SAMPLE: EventType = 7;
/// `EvFrequency`: timestamp units per sec \[freq\].
pub const EV_FREQUENCY: EventType = 8;
/// `EvProcsChange`: current value of GOMAXPROCS [timestamp, GOMAXPROCS, stack ID].
pub const EV_PROCS_CHANGE: EventType = 9;
/// `EvProcStart`: start of P [timestamp, P ID, P seq].
pub const EV_PROC_START: EventType = 10;
/// `EvProcStop`: stop of P \[timestamp\].
pub const EV_PROC_STOP: EventType = 11;
/// `EvProcSteal`: P was stolen [timestamp, P ID, P seq, M ID].
pub const EV_PROC_STEAL: EventType = 12;
/// `EvProcStatus`: P status at the start of a generation [timestamp, P ID, status].
pub const EV_PROC_STATUS: EventType = 13;
/// `EvGoCreate`: goroutine creation [timestamp, new goroutine ID, new stack ID, stack ID].
pub const EV_GO_CREATE: EventType = 14;
/// `EvGoCreateSyscall`: goroutine appears in syscall (cgo callback) [timestamp, new goroutine ID].
pub const EV_GO_CREATE_SYSCALL: EventType = 15;
/// `EvGoStart`: goroutine starts running [timestamp, goroutine ID, goroutine seq].
pub const EV_GO_START: EventType = 16;
/// `EvGoDestroy`: goroutine ends \[timestamp\].
pub const EV_GO_DESTROY: EventType = 17;
/// `EvGoDestroySyscall`: goroutine ends in syscall (cgo callback) \[timestamp\].
pub const EV_GO_DESTROY_SYSCALL: EventType = 18;
/// `EvGoStop`: goroutine yields its time, but is runnable [timestamp, reason, stack ID].
pub const EV_GO_STOP: EventType = 19;
/// `EvGoBlock`: goroutine blocks [timestamp, reason, stack ID].
pub const EV_GO_BLOCK: EventType = 20;
/// `EvGoUnblock`: goroutine is unblocked [timestamp, goroutine ID, goroutine seq, stack ID].
pub const EV_GO_UNBLOCK: EventType = 21;
/// `EvGoSyscallBegin`: syscall enter [timestamp, P seq, stack ID].
pub const EV_GO_SYSCALL_BEGIN: EventType = 22;
/// `EvGoSyscallEnd`: syscall exit \[timestamp\].
pub const EV_GO_SYSCALL_END: EventType = 23;
/// `EvGoSyscallEndBlocked`: syscall exit and it blocked at some point \[timestamp\].
pub const EV_GO_SYSCALL_END_BLOCKED: EventType = 24;
/// `EvGoStatus`: goroutine status at the start of a generation [timestamp, goroutine ID, M ID, status].
pub const EV_GO_STATUS: EventType = 25;
/// `EvSTWBegin`: STW start [timestamp, kind, stack ID].
pub const EV_STW_BEGIN: EventType = 26;
/// `EvSTWEnd`: STW done \[timestamp\].
pub const EV_STW_END: EventType = 27;
/// `EvGCActive`: GC active [timestamp, seq].
pub const EV_GC_ACTIVE: EventType = 28;
/// `EvGCBegin`: GC start [timestamp, seq, stack ID].
pub const EV_GC_BEGIN: EventType = 29;
/// `EvGCEnd`: GC done [timestamp, seq].
pub const EV_GC_END: EventType = 30;
/// `EvGCSweepActive`: GC sweep active [timestamp, P ID].
pub const EV_GC_SWEEP_ACTIVE: EventType = 31;
/// `EvGCSweepBegin`: GC sweep start [timestamp, stack ID].
pub const EV_GC_SWEEP_BEGIN: EventType = 32;
/// `EvGCSweepEnd`: GC sweep done [timestamp, swept bytes, reclaimed bytes].
pub const EV_GC_SWEEP_END: EventType = 33;
/// `EvGCMarkAssistActive`: GC mark assist active [timestamp, goroutine ID].
pub const EV_GC_MARK_ASSIST_ACTIVE: EventType = 34;
/// `EvGCMarkAssistBegin`: GC mark assist start [timestamp, stack ID].
pub const EV_GC_MARK_ASSIST_BEGIN: EventType = 35;
/// `EvGCMarkAssistEnd`: GC mark assist done \[timestamp\].
pub const EV_GC_MARK_ASSIST_END: EventType = 36;
/// `EvHeapAlloc`: gcController.heapLive change [timestamp, heap alloc in bytes].
pub const EV_HEAP_ALLOC: EventType = 37;
/// `EvHeapGoal`: gcController.heapGoal() change [timestamp, heap goal in bytes].
pub const EV_HEAP_GOAL: EventType = 38;
/// `EvGoLabel`: apply string label to current running goroutine [timestamp, label string ID].
pub const EV_GO_LABEL: EventType = 39;
/// `EvUserTaskBegin`: trace.NewTask [timestamp, internal task ID, internal parent task ID, name string ID, stack ID].
pub const EV_USER_TASK_BEGIN: EventType = 40;
/// `EvUserTaskEnd`: end of a task [timestamp, internal task ID, stack ID].
pub const EV_USER_TASK_END: EventType = 41;
/// `EvUserRegionBegin`: trace.{Start,With}Region [timestamp, internal task ID, name string ID, stack ID].
pub const EV_USER_REGION_BEGIN: EventType = 42;
/// `EvUserRegionEnd`: trace.{End,With}Region [timestamp, internal task ID, name string ID, stack ID].
pub const EV_USER_REGION_END: EventType = 43;
/// `EvUserLog`: trace.Log [timestamp, internal task ID, key string ID, value string ID, stack].
pub const EV_USER_LOG: EventType = 44;
/// `EvGoSwitch`: goroutine switch (coroswitch) [timestamp, goroutine ID, goroutine seq].
pub const EV_GO_SWITCH: EventType = 45;
/// `EvGoSwitchDestroy`: goroutine switch and destroy [timestamp, goroutine ID, goroutine seq].
pub const EV_GO_SWITCH_DESTROY: EventType = 46;
/// `EvGoCreateBlocked`: goroutine creation (starts blocked) [timestamp, new goroutine ID, new stack ID, stack ID].
pub const EV_GO_CREATE_BLOCKED: EventType = 47;
/// `EvGoStatusStack`: goroutine status at the start of a generation, with a stack [timestamp, goroutine ID, M ID, status, stack ID].
pub const EV_GO_STATUS_STACK: EventType = 48;
/// `EvExperimentalBatch`: start of extra data [experiment ID, generation, M ID, timestamp, batch length, batch data...].
pub const EV_EXPERIMENTAL_BATCH: EventType = 49;
/// `EvSync`: start of a sync batch [...EvFrequency|EvClockSnapshot].
pub const EV_SYNC: EventType = 50;
/// `EvClockSnapshot`: snapshot of trace, mono and wall clocks [timestamp, mono, sec, nsec].
pub const EV_CLOCK_SNAPSHOT: EventType = 51;
/// `EvEndOfGeneration`: the end of a generation (Go 1.25+ traces) [].
pub const EV_END_OF_GENERATION: EventType = 52;

/// Last non-experimental slot (`MaxEvent`); experimental IDs follow it.
pub const MAX_EVENT: EventType = 127;
/// `EvSpan`: heap span exists [timestamp, id, npages, type/class].
pub const EV_SPAN: EventType = 128;
/// `EvSpanAlloc`: heap span alloc [timestamp, id, npages, type/class].
pub const EV_SPAN_ALLOC: EventType = 129;
/// `EvSpanFree`: heap span free [timestamp, id].
pub const EV_SPAN_FREE: EventType = 130;
/// `EvHeapObject`: heap object exists [timestamp, id, type].
pub const EV_HEAP_OBJECT: EventType = 131;
/// `EvHeapObjectAlloc`: heap object alloc [timestamp, id, type].
pub const EV_HEAP_OBJECT_ALLOC: EventType = 132;
/// `EvHeapObjectFree`: heap object free [timestamp, id].
pub const EV_HEAP_OBJECT_FREE: EventType = 133;
/// `EvGoroutineStack`: stack exists [timestamp, id, order].
pub const EV_GOROUTINE_STACK: EventType = 134;
/// `EvGoroutineStackAlloc`: stack alloc [timestamp, id, order].
pub const EV_GOROUTINE_STACK_ALLOC: EventType = 135;
/// `EvGoroutineStackFree`: stack free [timestamp, id].
pub const EV_GOROUTINE_STACK_FREE: EventType = 136;
/// Number of slots in the full table.
pub const NUM_SPECS: usize = 137;

/// The alloc/free experiment (`GODEBUG=traceallocfree=1`).
pub const ALLOC_FREE: u8 = 1;
/// Experiment names by ID.
pub const EXPERIMENTS: [&str; 2] = ["None", "AllocFree"];

/// Most arguments a timed event has (`MaxTimedEventArgs`).
pub const MAX_TIMED_EVENT_ARGS: usize = 5;
/// Largest batch payload (`MaxBatchSize`).
pub const MAX_BATCH_SIZE: u64 = 64 << 10;
/// Most frames in one stack (`MaxFramesPerStack`).
pub const MAX_FRAMES_PER_STACK: u64 = 128;
/// Longest string (`MaxEventTrailerDataSize`).
pub const MAX_EVENT_TRAILER_DATA_SIZE: u64 = 1 << 10;

const EMPTY: EventSpec = spec("", &[]);

/// The full table, indexed by type byte.
pub static SPECS: [EventSpec; NUM_SPECS] = build();

/// Per event type, which of an event's arguments (`BaseEvent::args`,
/// without the time) are table IDs: bit `i` for a stack ID in `args[i]`,
/// bit `4 + i` for a string ID. Checking every event's IDs through
/// [`SPECS`]' slices was a chain of dependent loads per event, a twentieth
/// of the reading thread's time.
pub(crate) static ID_ARGS: [u8; 256] = id_args();

/// Per event type, the number of arguments of a timed event (the time
/// delta first), 0 for a type that cannot start one: what
/// `readTimedBaseEvent` needs of [`SPECS`], one load per event.
pub(crate) static TIMED_ARGS: [u8; 256] = timed_args();

const fn timed_args() -> [u8; 256] {
    let specs = build();
    let mut t = [0u8; 256];
    let mut typ = 0;
    while typ < NUM_SPECS {
        let s = &specs[typ];
        if s.is_timed && !s.args.is_empty() {
            // The time and at most four arguments (`BaseEvent::args`).
            assert!(s.args.len() <= 5);
            t[typ] = s.args.len() as u8;
        }
        typ += 1;
    }
    t
}

const fn id_args() -> [u8; 256] {
    /// A bit per argument in `ids` (1-based, as in the specs), from `low`.
    const fn bits(ids: &[usize], low: u8) -> u8 {
        let mut b = 0;
        let mut j = 0;
        while j < ids.len() {
            b |= low << (ids[j] - 1);
            j += 1;
        }
        b
    }
    let specs = build();
    let mut t = [0u8; 256];
    let mut typ = 0;
    while typ < NUM_SPECS {
        t[typ] = bits(specs[typ].stack_ids, 1) | bits(specs[typ].string_ids, 16);
        typ += 1;
    }
    t
}

const fn build() -> [EventSpec; NUM_SPECS] {
    let mut t = [EMPTY; NUM_SPECS];
    t[EV_EVENT_BATCH as usize] = spec("EventBatch", &["gen", "m", "time", "size"]);
    t[EV_STACKS as usize] = spec("Stacks", &[]);
    let mut s = spec("Stack", &["id", "nframes"]);
    s.is_stack = true;
    t[EV_STACK as usize] = s;
    t[EV_STRINGS as usize] = spec("Strings", &[]);
    let mut s = spec("String", &["id"]);
    s.has_data = true;
    t[EV_STRING as usize] = s;
    t[EV_CPU_SAMPLES as usize] = spec("CPUSamples", &[]);
    t[EV_CPU_SAMPLE as usize] = stacks(spec("CPUSample", &["time", "m", "p", "g", "stack"]), &[4]);
    t[EV_FREQUENCY as usize] = spec("Frequency", &["freq"]);
    let mut s = spec("ExperimentalBatch", &["exp", "gen", "m", "time"]);
    s.has_data = true;
    t[EV_EXPERIMENTAL_BATCH as usize] = s;
    t[EV_SYNC as usize] = spec("Sync", &[]);
    t[EV_END_OF_GENERATION as usize] = spec("EndOfGeneration", &[]);

    t[EV_PROCS_CHANGE as usize] =
        stacks(timed("ProcsChange", &["dt", "procs_value", "stack"]), &[2]);
    t[EV_PROC_START as usize] = timed("ProcStart", &["dt", "p", "p_seq"]);
    t[EV_PROC_STOP as usize] = timed("ProcStop", &["dt"]);
    t[EV_PROC_STEAL as usize] = timed("ProcSteal", &["dt", "p", "p_seq", "m"]);
    t[EV_PROC_STATUS as usize] = timed("ProcStatus", &["dt", "p", "pstatus"]);
    t[EV_GO_CREATE as usize] = stacks(
        timed("GoCreate", &["dt", "new_g", "new_stack", "stack"]),
        &[3, 2],
    );
    t[EV_GO_CREATE_SYSCALL as usize] = timed("GoCreateSyscall", &["dt", "new_g"]);
    t[EV_GO_START as usize] = timed("GoStart", &["dt", "g", "g_seq"]);
    t[EV_GO_DESTROY as usize] = timed("GoDestroy", &["dt"]);
    t[EV_GO_DESTROY_SYSCALL as usize] = timed("GoDestroySyscall", &["dt"]);
    t[EV_GO_STOP as usize] = strings(
        stacks(timed("GoStop", &["dt", "reason_string", "stack"]), &[2]),
        &[1],
    );
    t[EV_GO_BLOCK as usize] = strings(
        stacks(timed("GoBlock", &["dt", "reason_string", "stack"]), &[2]),
        &[1],
    );
    t[EV_GO_UNBLOCK as usize] = stacks(timed("GoUnblock", &["dt", "g", "g_seq", "stack"]), &[3]);
    t[EV_GO_SYSCALL_BEGIN as usize] =
        stacks(timed("GoSyscallBegin", &["dt", "p_seq", "stack"]), &[2]);
    t[EV_GO_SYSCALL_END as usize] = ends(timed("GoSyscallEnd", &["dt"]), EV_GO_SYSCALL_BEGIN);
    t[EV_GO_SYSCALL_END_BLOCKED as usize] =
        ends(timed("GoSyscallEndBlocked", &["dt"]), EV_GO_SYSCALL_BEGIN);
    t[EV_GO_STATUS as usize] = timed("GoStatus", &["dt", "g", "m", "gstatus"]);
    t[EV_STW_BEGIN as usize] = strings(
        stacks(timed("STWBegin", &["dt", "kind_string", "stack"]), &[2]),
        &[1],
    );
    t[EV_STW_END as usize] = ends(timed("STWEnd", &["dt"]), EV_STW_BEGIN);
    t[EV_GC_ACTIVE as usize] = ends(timed("GCActive", &["dt", "gc_seq"]), EV_GC_BEGIN);
    t[EV_GC_BEGIN as usize] = stacks(timed("GCBegin", &["dt", "gc_seq", "stack"]), &[2]);
    t[EV_GC_END as usize] = ends(timed("GCEnd", &["dt", "gc_seq"]), EV_GC_BEGIN);
    t[EV_GC_SWEEP_ACTIVE as usize] = ends(timed("GCSweepActive", &["dt", "p"]), EV_GC_SWEEP_BEGIN);
    t[EV_GC_SWEEP_BEGIN as usize] = stacks(timed("GCSweepBegin", &["dt", "stack"]), &[1]);
    t[EV_GC_SWEEP_END as usize] = ends(
        timed("GCSweepEnd", &["dt", "swept_value", "reclaimed_value"]),
        EV_GC_SWEEP_BEGIN,
    );
    t[EV_GC_MARK_ASSIST_ACTIVE as usize] = ends(
        timed("GCMarkAssistActive", &["dt", "g"]),
        EV_GC_MARK_ASSIST_BEGIN,
    );
    t[EV_GC_MARK_ASSIST_BEGIN as usize] =
        stacks(timed("GCMarkAssistBegin", &["dt", "stack"]), &[1]);
    t[EV_GC_MARK_ASSIST_END as usize] =
        ends(timed("GCMarkAssistEnd", &["dt"]), EV_GC_MARK_ASSIST_BEGIN);
    t[EV_HEAP_ALLOC as usize] = timed("HeapAlloc", &["dt", "heapalloc_value"]);
    t[EV_HEAP_GOAL as usize] = timed("HeapGoal", &["dt", "heapgoal_value"]);
    t[EV_GO_LABEL as usize] = strings(timed("GoLabel", &["dt", "label_string"]), &[1]);
    t[EV_USER_TASK_BEGIN as usize] = strings(
        stacks(
            timed(
                "UserTaskBegin",
                &["dt", "task", "parent_task", "name_string", "stack"],
            ),
            &[4],
        ),
        &[3],
    );
    t[EV_USER_TASK_END as usize] = stacks(timed("UserTaskEnd", &["dt", "task", "stack"]), &[2]);
    t[EV_USER_REGION_BEGIN as usize] = strings(
        stacks(
            timed("UserRegionBegin", &["dt", "task", "name_string", "stack"]),
            &[3],
        ),
        &[2],
    );
    t[EV_USER_REGION_END as usize] = ends(
        strings(
            stacks(
                timed("UserRegionEnd", &["dt", "task", "name_string", "stack"]),
                &[3],
            ),
            &[2],
        ),
        EV_USER_REGION_BEGIN,
    );
    t[EV_USER_LOG as usize] = strings(
        stacks(
            timed(
                "UserLog",
                &["dt", "task", "key_string", "value_string", "stack"],
            ),
            &[4],
        ),
        &[2, 3],
    );
    t[EV_GO_SWITCH as usize] = timed("GoSwitch", &["dt", "g", "g_seq"]);
    t[EV_GO_SWITCH_DESTROY as usize] = timed("GoSwitchDestroy", &["dt", "g", "g_seq"]);
    t[EV_GO_CREATE_BLOCKED as usize] = stacks(
        timed("GoCreateBlocked", &["dt", "new_g", "new_stack", "stack"]),
        &[3, 2],
    );
    t[EV_GO_STATUS_STACK as usize] = stacks(
        timed("GoStatusStack", &["dt", "g", "m", "gstatus", "stack"]),
        &[4],
    );
    t[EV_CLOCK_SNAPSHOT as usize] = timed("ClockSnapshot", &["dt", "mono", "sec", "nsec"]);

    t[EV_SPAN as usize] = exp(timed("Span", &["dt", "id", "npages_value", "kindclass"]));
    t[EV_SPAN_ALLOC as usize] = exp(timed(
        "SpanAlloc",
        &["dt", "id", "npages_value", "kindclass"],
    ));
    t[EV_SPAN_FREE as usize] = exp(timed("SpanFree", &["dt", "id"]));
    t[EV_HEAP_OBJECT as usize] = exp(timed("HeapObject", &["dt", "id", "type"]));
    t[EV_HEAP_OBJECT_ALLOC as usize] = exp(timed("HeapObjectAlloc", &["dt", "id", "type"]));
    t[EV_HEAP_OBJECT_FREE as usize] = exp(timed("HeapObjectFree", &["dt", "id"]));
    t[EV_GOROUTINE_STACK as usize] = exp(timed("GoroutineStack", &["dt", "id", "order"]));
    t[EV_GOROUTINE_STACK_ALLOC as usize] =
        exp(timed("GoroutineStackAlloc", &["dt", "id", "order"]));
    t[EV_GOROUTINE_STACK_FREE as usize] = exp(timed("GoroutineStackFree", &["dt", "id"]));
    t
}

/// The spec of `typ` in the full table, if the slot exists.
#[inline]
pub fn spec_of(typ: EventType) -> Option<&'static EventSpec> {
    SPECS.get(usize::from(typ))
}

/// The slice of [`SPECS`] a trace version may use.
pub fn specs_for(v: Version) -> &'static [EventSpec] {
    match v {
        Version::Go122 => &SPECS[..=EV_USER_LOG as usize],
        Version::Go123 => &SPECS[..=EV_EXPERIMENTAL_BATCH as usize],
        Version::Go125 => &SPECS[..=EV_CLOCK_SNAPSHOT as usize],
        Version::Go126 => &SPECS[..],
        Version::Go111 | Version::Go119 | Version::Go121 => &[],
    }
}

/// Go's `Version.EventName`: the name of `typ` for version `v`.
pub fn event_name(v: Version, typ: EventType) -> std::borrow::Cow<'static, str> {
    // Borrowed in the usual case: the ordering engine names the event on
    // every transition it checks, and allocating there cost 5% of a pass.
    let s = specs_for(v);
    if s.is_empty() {
        return "<v1 trace event type>".into();
    }
    match s.get(usize::from(typ)) {
        Some(sp) if !sp.name.is_empty() => sp.name.into(),
        _ => format!("Invalid({typ})").into(),
    }
}

/// Goroutine status on the wire (`tracev2.GoStatus`).
pub mod go_status {
    /// `GoBad`: not a valid status.
    pub const BAD: u64 = 0;
    /// `GoRunnable`: ready to run.
    pub const RUNNABLE: u64 = 1;
    /// `GoRunning`: running on a P.
    pub const RUNNING: u64 = 2;
    /// `GoSyscall`: in a system call.
    pub const SYSCALL: u64 = 3;
    /// `GoWaiting`: blocked.
    pub const WAITING: u64 = 4;

    /// Go's `GoStatus.String`.
    pub fn name(s: u64) -> &'static str {
        match s {
            RUNNABLE => "Runnable",
            RUNNING => "Running",
            SYSCALL => "Syscall",
            WAITING => "Waiting",
            _ => "Bad",
        }
    }
}

/// Proc status on the wire (`tracev2.ProcStatus`).
pub mod proc_status {
    /// `ProcBad`: not a valid status.
    pub const BAD: u64 = 0;
    /// `ProcRunning`: running a goroutine.
    pub const RUNNING: u64 = 1;
    /// `ProcIdle`: idle.
    pub const IDLE: u64 = 2;
    /// `ProcSyscall`: its M is in a system call.
    pub const SYSCALL: u64 = 3;
    /// `ProcSyscallAbandoned`: its M left it in a system call.
    pub const SYSCALL_ABANDONED: u64 = 4;

    /// Go's `ProcStatus.String`.
    pub fn name(s: u64) -> &'static str {
        match s {
            RUNNING => "Running",
            IDLE => "Idle",
            SYSCALL => "Syscall",
            SYSCALL_ABANDONED => "SyscallAbandoned",
            _ => "Bad",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ID_ARGS` says what `SPECS` says, for every type (and nothing for
    /// the types past them, such as the Sync kind).
    #[test]
    fn id_args_follow_the_specs() {
        let mut some = 0;
        for (typ, &m) in ID_ARGS.iter().enumerate() {
            let (mut stacks, mut strings) = (Vec::new(), Vec::new());
            if let Some(s) = SPECS.get(typ) {
                stacks = s.stack_ids.iter().map(|i| i - 1).collect();
                strings = s.string_ids.iter().map(|i| i - 1).collect();
            }
            let bits = |shift: usize| {
                (0..4)
                    .filter(|i| m & (1 << (i + shift)) != 0)
                    .collect::<Vec<_>>()
            };
            stacks.sort();
            strings.sort();
            assert_eq!(bits(0), stacks, "stack IDs of type {typ}");
            assert_eq!(bits(4), strings, "string IDs of type {typ}");
            some += usize::from(m != 0);
        }
        assert!(some > 10, "{some} types with IDs");
    }

    /// `TIMED_ARGS` says what `SPECS` says of timed events.
    #[test]
    fn timed_args_follow_the_specs() {
        for (typ, &n) in TIMED_ARGS.iter().enumerate() {
            let want = SPECS
                .get(typ)
                .filter(|s| s.is_timed && !s.args.is_empty())
                .map_or(0, |s| s.args.len());
            assert_eq!(usize::from(n), want, "type {typ}");
        }
        assert!(TIMED_ARGS.iter().filter(|&&n| n > 0).count() > 30);
    }
}
