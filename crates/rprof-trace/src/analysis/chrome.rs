//! Chrome trace-event JSON export (what `chrome://tracing` and Perfetto's
//! UI open), with the content `go tool trace`'s viewer shows.
//!
//! The output is `{"traceEvents":[...]}`, written as events arrive: only
//! the open slices (running goroutines, syscalls, ranges, regions, tasks)
//! are kept. Times are microseconds (floats, ns precision) since the
//! trace's first event.
//!
//! Layout:
//! - process 1 "Procs": thread "GC" (mark phases), thread "STW" (pauses),
//!   and one thread per P with goroutine execution slices (named by the
//!   goroutine's start function, else `G<id>`; `args.goid`) and log
//!   messages as instants;
//! - process 2 "Threads": one thread per OS thread with its syscalls;
//! - process 3 "Tasks": user tasks as async (`b`/`e`) events;
//! - process 4 "Regions": one thread per goroutine with its user regions
//!   (nested slices) and the logs made outside a P.

use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Read, Write};

use super::Partial;
use crate::error::Error;
use crate::event::{
    Event, EventKind, GoId, GoState, NO_GOROUTINE, NO_PROC, NO_TASK, ProcId, ResourceId, TaskId,
    ThreadId,
};
use crate::reader::Reader;
use crate::table::Time;

/// What to export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChromeOptions {
    /// Window start, ns after the trace's first event (`None`: from the start).
    pub start: Option<i64>,
    /// Window end, ns after the trace's first event (`None`: to the end).
    pub end: Option<i64>,
}

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChromeStats {
    /// Every trace event written (all kinds below, metadata included).
    pub events: u64,
    /// Metadata (`M`) events: process and thread names and sort indexes.
    pub metadata: u64,
    /// Goroutine execution slices.
    pub goroutine_slices: u64,
    /// GC mark phase slices.
    pub gc_slices: u64,
    /// Stop-the-world slices.
    pub stw_slices: u64,
    /// Syscall slices.
    pub syscall_slices: u64,
    /// User region slices.
    pub region_slices: u64,
    /// User tasks (each a `b`/`e` pair, counted once).
    pub tasks: u64,
    /// Log instants.
    pub logs: u64,
}

const PID_PROCS: u32 = 1;
const PID_THREADS: u32 = 2;
const PID_TASKS: u32 = 3;
const PID_REGIONS: u32 = 4;
const TID_GC: i64 = 0;
const TID_STW: i64 = 1;

fn proc_tid(p: ProcId) -> i64 {
    p.saturating_add(2)
}

/// Writes the Chrome trace-event JSON of `reader`'s events (within
/// `opts`'s window) to `out`.
///
/// `Err` if the reader fails before its first event (nothing is written)
/// or on a write error. A trace that goes bad later gives valid JSON for
/// what was read, with the reader's error in [`Partial::error`]. With a
/// window end, reading stops at the first event after it.
pub fn export_chrome<R: Read, W: Write>(
    reader: &mut Reader<R>,
    out: W,
    opts: &ChromeOptions,
) -> Result<Partial<ChromeStats>, Error> {
    let mut ex = Exporter::new(BufWriter::with_capacity(64 << 10, out), *opts);
    let mut error = None;
    loop {
        match reader.next_event() {
            Ok(Some(ev)) => {
                if !ex.event(&ev)? {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) if ex.t0.is_some() => {
                error = Some(e);
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let stats = ex.finish()?;
    Ok(Partial {
        value: stats,
        error,
    })
}

struct Running {
    p: ProcId,
    start: Time,
}

struct OpenSyscall {
    m: ThreadId,
    start: Time,
}

struct OpenRegion {
    name: String,
    task: TaskId,
    start: Time,
}

struct OpenTask {
    name: String,
    parent: TaskId,
    start: Time,
}

struct Exporter<W: Write> {
    out: BufWriter<W>,
    /// Window in absolute trace time (set at the first event).
    win: (Time, Time),
    opts: ChromeOptions,
    t0: Option<Time>,
    last: Time,
    stats: ChromeStats,
    first_written: bool,
    named: HashSet<(u32, i64)>,
    names: HashMap<GoId, String>,
    running: HashMap<GoId, Running>,
    on_proc: HashMap<ProcId, GoId>,
    syscalls: HashMap<GoId, OpenSyscall>,
    ranges: HashMap<(String, ResourceId), Time>,
    regions: HashMap<GoId, Vec<OpenRegion>>,
    tasks: HashMap<TaskId, OpenTask>,
    buf: String,
}

fn esc(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

impl<W: Write> Exporter<W> {
    fn new(out: BufWriter<W>, opts: ChromeOptions) -> Self {
        Exporter {
            out,
            win: (Time::MIN, Time::MAX),
            opts,
            t0: None,
            last: 0,
            stats: ChromeStats::default(),
            first_written: false,
            named: HashSet::new(),
            names: HashMap::new(),
            running: HashMap::new(),
            on_proc: HashMap::new(),
            syscalls: HashMap::new(),
            ranges: HashMap::new(),
            regions: HashMap::new(),
            tasks: HashMap::new(),
            buf: String::new(),
        }
    }

    fn us(&self, t: Time) -> f64 {
        (t - self.t0.unwrap_or(0)) as f64 / 1000.0
    }

    /// Writes one JSON object (in `self.buf`) to the array.
    fn emit(&mut self) -> Result<(), Error> {
        let sep: &[u8] = if self.first_written { b",\n" } else { b"\n" };
        self.first_written = true;
        self.out.write_all(sep).map_err(Error::Write)?;
        self.out
            .write_all(self.buf.as_bytes())
            .map_err(Error::Write)?;
        self.stats.events += 1;
        Ok(())
    }

    fn meta(&mut self, pid: u32, tid: i64, what: &str, name: &str, sort: i64) -> Result<(), Error> {
        self.buf.clear();
        self.buf.push_str(&format!(
            "{{\"ph\":\"M\",\"pid\":{pid},\"tid\":{tid},\"name\":\"{what}\",\"args\":{{\"name\":"
        ));
        esc(&mut self.buf, name);
        self.buf.push_str("}}");
        self.emit()?;
        self.stats.metadata += 1;
        let kind = if what == "process_name" {
            "process_sort_index"
        } else {
            "thread_sort_index"
        };
        self.buf.clear();
        self.buf.push_str(&format!(
            "{{\"ph\":\"M\",\"pid\":{pid},\"tid\":{tid},\"name\":\"{kind}\",\"args\":{{\"sort_index\":{sort}}}}}"
        ));
        self.emit()?;
        self.stats.metadata += 1;
        Ok(())
    }

    /// Names the process and thread the first time they are used.
    fn ensure_thread(&mut self, pid: u32, tid: i64) -> Result<(), Error> {
        if !self.named.contains(&(pid, i64::MIN)) {
            self.named.insert((pid, i64::MIN));
            let pname = match pid {
                PID_PROCS => "Procs",
                PID_THREADS => "Threads",
                PID_TASKS => "Tasks",
                _ => "Regions",
            };
            self.meta(pid, 0, "process_name", pname, i64::from(pid))?;
        }
        if self.named.insert((pid, tid)) {
            let tname = match pid {
                PID_PROCS if tid == TID_GC => "GC".to_string(),
                PID_PROCS if tid == TID_STW => "STW".to_string(),
                PID_PROCS if tid == proc_tid(NO_PROC) => "No P".to_string(),
                PID_PROCS => format!("Proc {}", tid - 2),
                PID_THREADS => format!("Thread {tid}"),
                PID_TASKS => "Tasks".to_string(),
                _ => format!("G{tid}"),
            };
            self.meta(pid, tid, "thread_name", &tname, tid)?;
        }
        Ok(())
    }

    /// Writes a complete slice clipped to the window; `args` is a JSON
    /// object's members. Returns whether it was written.
    #[allow(clippy::too_many_arguments)]
    fn slice(
        &mut self,
        pid: u32,
        tid: i64,
        name: &str,
        cat: &str,
        start: Time,
        end: Time,
        args: &str,
    ) -> Result<bool, Error> {
        let end = end.max(start);
        if end < self.win.0 || start > self.win.1 {
            return Ok(false);
        }
        let (s, e) = (start.max(self.win.0), end.min(self.win.1));
        self.ensure_thread(pid, tid)?;
        let (ts, dur) = (self.us(s), (e - s) as f64 / 1000.0);
        self.buf.clear();
        self.buf.push_str(&format!(
            "{{\"ph\":\"X\",\"pid\":{pid},\"tid\":{tid},\"ts\":{ts:.3},\"dur\":{dur:.3},\"cat\":\"{cat}\",\"name\":"
        ));
        esc(&mut self.buf, name);
        self.buf.push_str(",\"args\":{");
        self.buf.push_str(args);
        self.buf.push_str("}}");
        self.emit()?;
        Ok(true)
    }

    fn instant(
        &mut self,
        pid: u32,
        tid: i64,
        name: &str,
        t: Time,
        args: &str,
    ) -> Result<bool, Error> {
        if t < self.win.0 || t > self.win.1 {
            return Ok(false);
        }
        self.ensure_thread(pid, tid)?;
        let ts = self.us(t);
        self.buf.clear();
        self.buf.push_str(&format!(
            "{{\"ph\":\"i\",\"s\":\"t\",\"pid\":{pid},\"tid\":{tid},\"ts\":{ts:.3},\"cat\":\"log\",\"name\":"
        ));
        esc(&mut self.buf, name);
        self.buf.push_str(",\"args\":{");
        self.buf.push_str(args);
        self.buf.push_str("}}");
        self.emit()?;
        Ok(true)
    }

    fn task(&mut self, id: TaskId, t: OpenTask, end: Time) -> Result<(), Error> {
        let end = end.max(t.start);
        if end < self.win.0 || t.start > self.win.1 {
            return Ok(());
        }
        let (s, e) = (t.start.max(self.win.0), end.min(self.win.1));
        self.ensure_thread(PID_TASKS, 0)?;
        let mut name = String::new();
        esc(&mut name, &t.name);
        let parent = if t.parent == NO_TASK {
            String::from("null")
        } else {
            t.parent.to_string()
        };
        for (ph, ts) in [("b", s), ("e", e)] {
            let ts = self.us(ts);
            self.buf.clear();
            self.buf.push_str(&format!(
                "{{\"ph\":\"{ph}\",\"pid\":{PID_TASKS},\"tid\":0,\"ts\":{ts:.3},\"cat\":\"task\",\"id\":{id},\"name\":{name},\"args\":{{\"id\":{id},\"parent\":{parent}}}}}"
            ));
            self.emit()?;
        }
        self.stats.tasks += 1;
        Ok(())
    }

    fn end_goroutine_slice(&mut self, g: GoId, t: Time) -> Result<(), Error> {
        let Some(r) = self.running.remove(&g) else {
            return Ok(());
        };
        if self.on_proc.get(&r.p) == Some(&g) {
            self.on_proc.remove(&r.p);
        }
        let name = match self.names.get(&g) {
            Some(n) if !n.is_empty() => n.clone(),
            _ => format!("G{g}"),
        };
        if self.slice(
            PID_PROCS,
            proc_tid(r.p),
            &name,
            "goroutine",
            r.start,
            t,
            &format!("\"goid\":{g}"),
        )? {
            self.stats.goroutine_slices += 1;
        }
        Ok(())
    }

    fn start_goroutine_slice(&mut self, g: GoId, p: ProcId, t: Time) -> Result<(), Error> {
        self.end_goroutine_slice(g, t)?;
        // Never two slices at once on one P.
        if let Some(&other) = self.on_proc.get(&p) {
            self.end_goroutine_slice(other, t)?;
        }
        self.running.insert(g, Running { p, start: t });
        self.on_proc.insert(p, g);
        Ok(())
    }

    fn end_syscall(&mut self, g: GoId, t: Time) -> Result<(), Error> {
        if let Some(s) = self.syscalls.remove(&g)
            && self.slice(
                PID_THREADS,
                s.m,
                "syscall",
                "syscall",
                s.start,
                t,
                &format!("\"goid\":{g}"),
            )?
        {
            self.stats.syscall_slices += 1;
        }
        Ok(())
    }

    fn end_range(
        &mut self,
        name: &str,
        scope: ResourceId,
        start: Time,
        t: Time,
    ) -> Result<(), Error> {
        if name == "GC concurrent mark phase" {
            if self.slice(PID_PROCS, TID_GC, name, "gc", start, t, "")? {
                self.stats.gc_slices += 1;
            }
        } else if name.starts_with("stop-the-world") {
            let args = match scope {
                ResourceId::Goroutine(g) => format!("\"goid\":{g}"),
                _ => String::new(),
            };
            if self.slice(PID_PROCS, TID_STW, name, "stw", start, t, &args)? {
                self.stats.stw_slices += 1;
            }
        }
        Ok(())
    }

    fn end_region(&mut self, g: GoId, r: OpenRegion, t: Time) -> Result<(), Error> {
        let task = if r.task == NO_TASK {
            String::from("null")
        } else {
            r.task.to_string()
        };
        if self.slice(
            PID_REGIONS,
            g,
            &r.name,
            "region",
            r.start,
            t,
            &format!("\"goid\":{g},\"task\":{task}"),
        )? {
            self.stats.region_slices += 1;
        }
        Ok(())
    }

    /// Handles one event; false when past the window's end.
    fn event(&mut self, ev: &Event) -> Result<bool, Error> {
        let t = ev.time();
        let first = self.t0.is_none();
        let t0 = *self.t0.get_or_insert(t);
        if first {
            self.win = (
                self.opts.start.map_or(Time::MIN, |s| t0.saturating_add(s)),
                self.opts.end.map_or(Time::MAX, |e| t0.saturating_add(e)),
            );
            self.out
                .write_all(b"{\"traceEvents\":[")
                .map_err(Error::Write)?;
        }
        if t > self.win.1 {
            return Ok(false);
        }
        self.last = self.last.max(t);
        match ev.kind() {
            EventKind::StateTransition => {
                let Some(st) = ev.state_transition() else {
                    return Ok(true);
                };
                let ResourceId::Goroutine(g) = st.resource else {
                    return Ok(true);
                };
                let Some((old, new)) = st.goroutine() else {
                    return Ok(true);
                };
                if !self.names.contains_key(&g)
                    && let Some(f) = st.stack.frames().last()
                {
                    self.names
                        .insert(g, String::from_utf8_lossy(f.func).into_owned());
                }
                if old == new {
                    return Ok(true);
                }
                if old == GoState::Running {
                    self.end_goroutine_slice(g, t)?;
                }
                if old == GoState::Syscall {
                    self.end_syscall(g, t)?;
                }
                match new {
                    GoState::Running => self.start_goroutine_slice(g, ev.proc(), t)?,
                    GoState::Syscall if old == GoState::Running => {
                        let m = ev.thread();
                        self.syscalls.insert(g, OpenSyscall { m, start: t });
                    }
                    GoState::NotExist => {
                        self.names.remove(&g);
                        if let Some(rs) = self.regions.remove(&g) {
                            for r in rs.into_iter().rev() {
                                self.end_region(g, r, t)?;
                            }
                        }
                    }
                    _ => {}
                }
            }
            EventKind::RangeBegin | EventKind::RangeActive => {
                if let Some(r) = ev.range() {
                    self.ranges
                        .entry((r.name.into_owned(), r.scope))
                        .or_insert(t);
                }
            }
            EventKind::RangeEnd => {
                if let Some(r) = ev.range() {
                    let key = (r.name.into_owned(), r.scope);
                    let start = self.ranges.remove(&key).unwrap_or(t0);
                    self.end_range(&key.0, key.1, start, t)?;
                }
            }
            EventKind::TaskBegin => {
                if let Some(task) = ev.task() {
                    self.tasks.insert(
                        task.id,
                        OpenTask {
                            name: task.typ.into_owned(),
                            parent: task.parent,
                            start: t,
                        },
                    );
                }
            }
            EventKind::TaskEnd => {
                if let Some(task) = ev.task() {
                    let open = self.tasks.remove(&task.id).unwrap_or_else(|| OpenTask {
                        name: task.typ.into_owned(),
                        parent: task.parent,
                        start: t0,
                    });
                    self.task(task.id, open, t)?;
                }
            }
            EventKind::RegionBegin => {
                if let Some(r) = ev.region() {
                    let g = ev.goroutine();
                    self.regions.entry(g).or_default().push(OpenRegion {
                        name: r.typ.into_owned(),
                        task: r.task,
                        start: t,
                    });
                }
            }
            EventKind::RegionEnd => {
                if let Some(r) = ev.region() {
                    let g = ev.goroutine();
                    let stack = self.regions.entry(g).or_default();
                    let open = match stack.iter().rposition(|o| o.name == r.typ) {
                        Some(i) => stack.remove(i),
                        // Begun before the trace started.
                        None => OpenRegion {
                            name: r.typ.into_owned(),
                            task: r.task,
                            start: t0,
                        },
                    };
                    if stack.is_empty() {
                        self.regions.remove(&g);
                    }
                    self.end_region(g, open, t)?;
                }
            }
            EventKind::Log => {
                if let Some(l) = ev.log() {
                    let task = if l.task == NO_TASK {
                        String::from("null")
                    } else {
                        l.task.to_string()
                    };
                    let mut args = String::from("\"category\":");
                    esc(&mut args, &l.category);
                    args.push_str(",\"message\":");
                    esc(&mut args, &l.message);
                    args.push_str(&format!(",\"task\":{task},\"goid\":{}", ev.goroutine()));
                    let (pid, tid) = if ev.proc() != NO_PROC {
                        (PID_PROCS, proc_tid(ev.proc()))
                    } else if ev.goroutine() != NO_GOROUTINE {
                        (PID_REGIONS, ev.goroutine())
                    } else {
                        (PID_TASKS, 0)
                    };
                    let name = if l.category.is_empty() {
                        l.message.to_string()
                    } else {
                        format!("{}: {}", l.category, l.message)
                    };
                    if self.instant(pid, tid, &name, t, &args)? {
                        self.stats.logs += 1;
                    }
                }
            }
            _ => {}
        }
        Ok(true)
    }

    /// Closes what is still open at the last event read (or the window's
    /// end) and ends the JSON.
    fn finish(mut self) -> Result<ChromeStats, Error> {
        let Some(t0) = self.t0 else {
            // No event: an empty but valid document.
            self.out
                .write_all(b"{\"traceEvents\":[]}\n")
                .map_err(Error::Write)?;
            self.out.flush().map_err(Error::Write)?;
            return Ok(self.stats);
        };
        let end = if self.win.1 == Time::MAX {
            self.last
        } else {
            self.win.1.max(t0)
        };
        let mut gs: Vec<GoId> = self.running.keys().copied().collect();
        gs.sort_unstable();
        for g in gs {
            self.end_goroutine_slice(g, end)?;
        }
        let mut gs: Vec<GoId> = self.syscalls.keys().copied().collect();
        gs.sort_unstable();
        for g in gs {
            self.end_syscall(g, end)?;
        }
        let mut ranges: Vec<((String, ResourceId), Time)> = self.ranges.drain().collect();
        ranges.sort_by_key(|r| r.1);
        for ((name, scope), start) in ranges {
            self.end_range(&name, scope, start, end)?;
        }
        let mut regions: Vec<(GoId, Vec<OpenRegion>)> = self.regions.drain().collect();
        regions.sort_by_key(|r| r.0);
        for (g, rs) in regions {
            for r in rs.into_iter().rev() {
                self.end_region(g, r, end)?;
            }
        }
        let mut tasks: Vec<(TaskId, OpenTask)> = self.tasks.drain().collect();
        tasks.sort_by_key(|t| t.0);
        for (id, task) in tasks {
            self.task(id, task, end)?;
        }
        self.out
            .write_all(b"\n],\"displayTimeUnit\":\"ns\"}\n")
            .map_err(Error::Write)?;
        self.out.flush().map_err(Error::Write)?;
        Ok(self.stats)
    }
}
