//! Go's `Reader.ReadEvent` for the new format: per-thread cursors over a
//! generation's batches in a min-heap by time, advanced through the
//! ordering engine; CPU samples merged in by time; a Sync event before
//! each generation and at the end.

use std::io::Read;
use std::sync::mpsc;

use crate::batch::{Batch, Delivery, LostAt};
use crate::error::Error;
use crate::event::{BaseEvent, Event, ThreadId};
use crate::gosort::sort_func;
use crate::input::Input;
use crate::spec::{self, SPECS};
use crate::table::{Time, freq_mul};
use crate::varint::uvarint;
use crate::version::Version;

use super::generation::{Generation, SpilledBatch, read_generation, read_generation_with_spill};
use super::order::{Ordering, sync_event};
use crate::delivery::{increasing, validate_ids};

struct BatchCursor {
    m: ThreadId,
    /// `m`'s slot in the ordering's thread states, once it has one.
    m_slot: Option<u32>,
    /// Index of `m` in the generation's `batch_ms`.
    mi: usize,
    last_ts: Time,
    /// The next of `m`'s batches to open.
    idx: usize,
    /// The unread bytes of the open batch: `data[pos..end]` of the
    /// generation (absolute offsets: one bounds check per event).
    pos: usize,
    end: usize,
    /// The open batch's base time (ticks).
    batch_time: u64,
    /// The last event read (reused: Go leaves stale arguments in the
    /// unused slots, and so do we).
    ev: BaseEvent,
}

impl BatchCursor {
    fn new(m: ThreadId, mi: usize) -> Self {
        BatchCursor {
            m,
            m_slot: None,
            mi,
            last_ts: 0,
            idx: 0,
            pos: 0,
            end: 0,
            batch_time: 0,
            ev: BaseEvent::default(),
        }
    }

    /// Go's `batchCursor.nextEvent`.
    #[inline]
    fn next_event(&mut self, generation: &Generation) -> Result<bool, Error> {
        if self.pos == self.end && !self.next_batch(generation) {
            return Ok(false);
        }
        let freq = generation.table.freq;
        if self.last_ts == 0 {
            self.last_ts = freq_mul(freq, self.batch_time);
        }
        let (n, tsdiff) =
            read_timed_base_event(&generation.data[self.pos..self.end], &mut self.ev)?;
        self.ev.time = freq_mul(freq, tsdiff).wrapping_add(self.last_ts);
        self.last_ts = self.ev.time;
        self.pos += n;
        Ok(true)
    }

    /// Opens the next of `m`'s batches that has data, if any (Go accepts
    /// empty batches and skips them); each starts its own clock.
    #[inline(never)]
    fn next_batch(&mut self, generation: &Generation) -> bool {
        let batches = &generation.batches[self.mi];
        while let Some(b) = batches.get(self.idx) {
            self.idx += 1;
            self.last_ts = 0;
            if b.end > b.start {
                self.pos = b.start;
                self.end = b.end;
                self.batch_time = b.time;
                return true;
            }
        }
        false
    }
}

/// One varint of `b` at `*pos` (Go's `binary.Uvarint`), the one-byte
/// case inline: most of a trace's varints are small.
#[inline(always)]
fn varint_at(b: &[u8], pos: &mut usize) -> Option<u64> {
    if let Some(&x) = b.get(*pos)
        && x < 0x80
    {
        *pos += 1;
        return Some(u64::from(x));
    }
    let (v, n) = uvarint(&b[*pos..]);
    if n <= 0 {
        return None;
    }
    *pos += n as usize;
    Some(v)
}

/// Go's `readTimedBaseEvent`.
#[inline]
fn read_timed_base_event(b: &[u8], e: &mut BaseEvent) -> Result<(usize, u64), Error> {
    let typ = b[0];
    let nargs = usize::from(spec::TIMED_ARGS[usize::from(typ)]);
    if nargs == 0 {
        return Err(untimed_event(typ));
    }
    e.typ = typ;
    let mut n = 1;
    let Some(ts) = varint_at(b, &mut n) else {
        return Err(Error::format("found invalid uvarint for timestamp"));
    };
    for i in 0..nargs - 1 {
        let Some(arg) = varint_at(b, &mut n) else {
            return Err(Error::format("found invalid uvarint"));
        };
        e.args[i] = arg;
    }
    Ok((n, ts))
}

/// Why an event of type `typ` cannot start a timed event.
#[cold]
fn untimed_event(typ: u8) -> Error {
    if spec::spec_of(typ).is_none() {
        return Error::format(format!("found invalid event type: {typ}"));
    }
    Error::format(format!("found event without a timestamp: type={typ}"))
}

fn heap_sift_up(h: &mut [BatchCursor], mut i: usize) -> usize {
    while i > 0 && h[(i - 1) / 2].ev.time > h[i].ev.time {
        h.swap((i - 1) / 2, i);
        i = (i - 1) / 2;
    }
    i
}

fn heap_sift_down(h: &mut [BatchCursor], mut i: usize) {
    loop {
        let m = min3(h, i, 2 * i + 1, 2 * i + 2);
        if m == i {
            break;
        }
        h.swap(i, m);
        i = m;
    }
}

fn min3(b: &[BatchCursor], i0: usize, i1: usize, i2: usize) -> usize {
    let mut min_idx = i0;
    let mut min_t = i64::MAX;
    if i0 < b.len() {
        min_t = b[i0].ev.time;
    }
    if i1 < b.len() && b[i1].ev.time < min_t {
        min_t = b[i1].ev.time;
        min_idx = i1;
    }
    if i2 < b.len() && b[i2].ev.time < min_t {
        min_idx = i2;
    }
    min_idx
}

fn heap_insert(h: &mut Vec<BatchCursor>, bc: BatchCursor) {
    h.push(bc);
    let n = h.len() - 1;
    heap_sift_up(h, n);
}

fn heap_update(h: &mut [BatchCursor], i: usize) {
    if heap_sift_up(h, i) != i {
        return;
    }
    heap_sift_down(h, i);
}

fn heap_remove(h: &mut Vec<BatchCursor>, mut i: usize) {
    while i > 0 {
        h.swap((i - 1) / 2, i);
        i = (i - 1) / 2;
    }
    let last = h.len() - 1;
    h.swap(0, last);
    h.pop();
    heap_sift_down(h, 0);
}

/// Reader state for one new-format trace.
pub(crate) struct V2Reader<R> {
    version: Version,
    /// The input; `None` while a read-ahead thread has it.
    input: Option<Input<R>>,
    /// The read-ahead thread's generations ([`V2Reader::read_ahead`]).
    ahead: Option<mpsc::Receiver<Ahead<R>>>,
    /// The payload buffers of delivered generations, back to whoever
    /// reads the next ones (the read-ahead thread, or this reader).
    spare: Spare,
    last_ts: Time,
    generation: Option<Generation>,
    frontier: Vec<BatchCursor>,
    cpu_next: usize,
    order: Ordering,
    syncs: u64,
    read_gen_err: Option<Error>,
    done: bool,
    spill: Option<SpilledBatch>,
    spill_err: Option<Error>,
    spill_err_sync: bool,
    /// Where the installed generation's bytes end.
    gen_end: u64,
    /// The installed generation was cut short (a read error after some of
    /// its batches; Go still delivers what it has).
    gen_partial: bool,
    /// The installed generation has been counted in `gens_ok`.
    gen_counted: bool,
    /// Complete generations delivered, and where the last one ends.
    pub(crate) gens_ok: u64,
    pub(crate) good_bytes: u64,
}

impl<R: Read> V2Reader<R> {
    pub(crate) fn new(input: Input<R>, version: Version) -> Self {
        let off = input.offset();
        V2Reader {
            version,
            input: Some(input),
            ahead: None,
            spare: Spare::Here(Vec::new()),
            last_ts: 0,
            generation: None,
            frontier: Vec::new(),
            cpu_next: 0,
            order: Ordering::new(version),
            syncs: 0,
            read_gen_err: None,
            done: false,
            spill: None,
            spill_err: None,
            spill_err_sync: false,
            gen_end: off,
            gen_partial: false,
            gen_counted: false,
            gens_ok: 0,
            good_bytes: off,
        }
    }

    /// Go's `ReadEvent`, including the fix-ups of its deferred function.
    pub(crate) fn read_event(&mut self) -> Result<Option<Event>, Error> {
        if self.done {
            return Ok(None);
        }
        let mut e = match self.read_inner()? {
            Some(e) => e,
            None => return Ok(None),
        };
        validate_ids(&e.base, e.table.as_deref())?;
        increasing(&mut self.last_ts, &mut e.base.time);
        Ok(Some(e))
    }

    /// Appends up to `max` events to `out`: `Ok(false)` at the end of the
    /// trace. On an error, `out` holds the events read before it.
    ///
    /// The same events as [`V2Reader::read_event`] one by one, with its
    /// common case inlined: the next event of the earliest thread can
    /// happen now, and what the ordering engine queues goes straight to
    /// `out`, bare (the batch records the generation's table once) and
    /// checked right after (Go's delivery checks). With `later`, they are
    /// left unchecked instead, for [`Batch::for_each_checked`] on the thread
    /// that takes the batch (an error there reports the trace as good up to
    /// this generation, as this reader would; `later` holds the size of
    /// the whole input, if known). Anything else (another thread's event
    /// first, a CPU sample, a new generation, the end) takes
    /// `read_event`'s path and is checked here.
    pub(crate) fn read_into(
        &mut self,
        out: &mut Batch,
        max: usize,
        later: Option<Option<u64>>,
    ) -> Result<bool, Error> {
        // Events checked here: their times are final unless the fast
        // path's are left for later (then `for_each_checked` moves them on).
        let checked = if later.is_some() {
            Delivery::Checked
        } else {
            Delivery::Done
        };
        while out.len() < max {
            while let Some(mut e) = self.order.next() {
                validate_ids(&e.base, e.table.as_deref())?;
                increasing(&mut self.last_ts, &mut e.base.time);
                out.push(e, checked);
            }
            if self.done {
                return Ok(false);
            }
            if !self.cpu_sample_due()
                && !self.frontier.is_empty()
                && let Some(g) = &self.generation
            {
                let delivery = match later {
                    Some(total_bytes) => Delivery::Unchecked(LostAt {
                        generations_ok: self.gens_ok,
                        valid_bytes: self.good_bytes,
                        total_bytes,
                    }),
                    None => Delivery::Done,
                };
                out.use_table_for(&g.table, delivery);
                let start = out.events.len();
                // The ordering engine's queue is empty here: lend it the
                // batch, so that what it queues lands in place, and
                // advance the earliest thread for as long as that is
                // possible (a thread that must wait, a CPU sample due or
                // the end of the generation take `read_event`'s path).
                std::mem::swap(&mut out.events, &mut self.order.queue);
                self.order.bare = true;
                let mut advanced = Ok(false);
                let mut before = self.order.queue.len();
                while self.order.queue.len() < max {
                    before = self.order.queue.len();
                    prefetch_for_write(
                        self.order
                            .queue
                            .as_ptr()
                            .wrapping_add(before + PREFETCH_AHEAD),
                    );
                    advanced = self.try_advance(0);
                    if !matches!(advanced, Ok(true))
                        || self.frontier.is_empty()
                        || self.cpu_sample_due()
                    {
                        break;
                    }
                }
                self.order.bare = false;
                std::mem::swap(&mut out.events, &mut self.order.queue);
                out.owning |= std::mem::take(&mut self.order.queued_owning);
                if advanced.is_err() {
                    // What the failing step queued is not delivered.
                    out.events.truncate(before);
                }
                if later.is_none() {
                    let table = self.generation.as_ref().map(|g| &*g.table);
                    for i in start..out.events.len() {
                        let e = &mut out.events[i];
                        if let Err(err) = validate_ids(&e.base, table) {
                            out.events.truncate(i);
                            return Err(err);
                        }
                        increasing(&mut self.last_ts, &mut e.base.time);
                    }
                }
                match advanced {
                    Err(e) => return Err(e),
                    Ok(true) => continue,
                    Ok(false) => {}
                }
            }
            match self.read_event()? {
                Some(e) => out.push(e, checked),
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Whether the installed generation's next CPU sample comes before the
    /// next event of every thread (Go delivers it first).
    fn cpu_sample_due(&self) -> bool {
        self.generation.as_ref().is_some_and(|g| {
            self.cpu_next < g.cpu_samples.len()
                && (self.frontier.is_empty()
                    || g.cpu_samples[self.cpu_next].time < self.frontier[0].ev.time)
        })
    }

    fn cpu_left(&self) -> bool {
        self.generation
            .as_ref()
            .is_some_and(|g| self.cpu_next < g.cpu_samples.len())
    }

    fn read_inner(&mut self) -> Result<Option<Event>, Error> {
        if let Some(ev) = self.order.next() {
            return Ok(Some(ev));
        }
        if self.frontier.is_empty() && !self.cpu_left() {
            // The installed generation (if any) has been delivered in full.
            if self.generation.is_some() && !self.gen_partial && !self.gen_counted {
                self.gens_ok += 1;
                self.good_bytes = self.gen_end;
                self.gen_counted = true;
            }
            // Its bytes go to the reading of the next one (events still
            // hold its tables, not its bytes), so at most one generation
            // is in memory (two while reading ahead: the next one waits,
            // read, while the one after is read into these bytes).
            let had_generation = match self.generation.take() {
                Some(g) => {
                    self.spare.give(g.data);
                    true
                }
                None => false,
            };
            if self.version < Version::Go126 {
                return self.next_gen_with_spill(had_generation);
            }
            if let Some(e) = self.read_gen_err.take() {
                self.done = true;
                return Err(e);
            }
            let (read, end) = self.next_generation()?;
            match read {
                Err(e) => {
                    self.read_gen_err = Some(e);
                    self.generation = None;
                    self.syncs += 1;
                    return Ok(Some(sync_event(None, self.last_ts, self.syncs)));
                }
                Ok(g) => {
                    self.gen_end = end;
                    return self.install_gen(g);
                }
            }
        }
        let Some(generation) = self.generation.as_ref() else {
            return Err(Error::invalid(
                "internal error: events left but no generation",
            ));
        };
        if self.cpu_sample_due() {
            let s = generation.cpu_samples[self.cpu_next];
            self.cpu_next += 1;
            let mut base = BaseEvent {
                typ: spec::EV_CPU_SAMPLE,
                time: s.time,
                args: [0; 4],
            };
            base.args[0] = s.stack;
            return Ok(Some(Event {
                table: Some(generation.table.clone()),
                ctx: s.ctx,
                base,
                extra_str: None,
            }));
        }
        if self.frontier.is_empty() {
            return Err(Error::invalid(format!(
                "broken trace: frontier is empty:\n[gen={}]\n\n\n{}",
                generation.generation,
                self.order.dump()
            )));
        }
        if !self.try_advance(0)? {
            // Sort the heap (still a heap) and try the others in time order.
            sort_func(&mut self.frontier, &|a: &BatchCursor, b: &BatchCursor| {
                a.ev.time < b.ev.time
            });
            let mut success = false;
            for i in 1..self.frontier.len() {
                if self.try_advance(i)? {
                    success = true;
                    break;
                }
            }
            if !success {
                return Err(self.failed_to_advance());
            }
        }
        match self.order.next() {
            Some(ev) => Ok(Some(ev)),
            None => Err(Error::invalid(
                "internal error: advance successful, but queue is empty",
            )),
        }
    }

    fn failed_to_advance(&self) -> Error {
        use std::fmt::Write as _;
        let generation = self.generation.as_ref().map_or(0, |g| g.generation);
        let mut f = String::new();
        for bc in &self.frontier {
            let sp = &SPECS[usize::from(bc.ev.typ)];
            let _ = write!(f, "M {} [{} time={}", bc.m, sp.name, bc.ev.time);
            for (i, a) in sp.args.iter().skip(1).enumerate() {
                let _ = write!(f, " {a}={}", bc.ev.args[i]);
            }
            f.push_str("]\n");
        }
        Error::invalid(format!(
            "broken trace: failed to advance: frontier:\n[gen={generation}]\n\n{f}\n{}\n",
            self.order.dump()
        ))
    }

    #[inline(always)]
    fn try_advance(&mut self, i: usize) -> Result<bool, Error> {
        let Some(generation) = self.generation.as_ref() else {
            return Err(Error::invalid("internal error: no generation installed"));
        };
        let bc = &mut self.frontier[i];
        if !self.order.advance(
            &mut bc.ev,
            &generation.table,
            bc.m,
            &mut bc.m_slot,
            generation.generation,
        )? {
            return Ok(false);
        }
        if bc.next_event(generation)? {
            heap_update(&mut self.frontier, i);
        } else {
            heap_remove(&mut self.frontier, i);
        }
        Ok(true)
    }

    fn next_gen_with_spill(&mut self, had_generation: bool) -> Result<Option<Event>, Error> {
        if let Some(e) = self.spill_err.take() {
            if self.spill_err_sync {
                self.done = true;
                return Err(e);
            }
            self.spill_err = Some(e);
            self.spill_err_sync = true;
            self.syncs += 1;
            return Ok(Some(sync_event(None, self.last_ts, self.syncs)));
        }
        if had_generation && self.spill.is_none() {
            self.done = true;
            self.syncs += 1;
            return Ok(Some(sync_event(None, self.last_ts, self.syncs)));
        }
        let spill = self.spill.take();
        let mut spill_start = 0;
        let version = self.version;
        let buf = self.spare.take_here();
        let input = self.input()?;
        match read_generation_with_spill(input, spill, version, &mut spill_start, buf) {
            Err(e) => {
                self.spill_err = Some(e);
                self.generation = None;
                self.spill_err_sync = true;
                self.syncs += 1;
                Ok(Some(sync_event(None, self.last_ts, self.syncs)))
            }
            Ok((g, spill, err)) => {
                self.spill = spill;
                self.gen_partial = err.is_some();
                self.spill_err = err;
                self.gen_end = if self.spill.is_some() {
                    spill_start
                } else {
                    self.input()?.offset()
                };
                self.install_gen(Some(g))
            }
        }
    }

    fn input(&mut self) -> Result<&mut Input<R>, Error> {
        self.input.as_mut().ok_or_else(|| {
            Error::invalid("internal error: the input is with the read-ahead thread")
        })
    }

    /// The next generation, as [`read_generation`] returns it, and the
    /// input's offset after it: from the read-ahead thread if there is
    /// one (taking the input back after the last), else read here.
    #[allow(clippy::type_complexity)]
    fn next_generation(&mut self) -> Result<(Result<Option<Generation>, Error>, u64), Error> {
        let Some(ahead) = &self.ahead else {
            let version = self.version;
            let buf = self.spare.take_here();
            let input = self.input()?;
            let read = read_generation(input, version, buf);
            return Ok((read, input.offset()));
        };
        let Ok(Ahead::Generation(read, end)) = ahead.recv() else {
            return Err(Error::invalid(
                "internal error: the read-ahead thread stopped",
            ));
        };
        if !matches!(read, Ok(Some(_))) {
            // The last: the thread sends the input back and ends.
            if let Ok(Ahead::Input(input)) = ahead.recv() {
                self.input = Some(input);
            }
            self.ahead = None;
            self.spare = Spare::Here(Vec::new());
        }
        Ok((read, end))
    }

    fn install_gen(&mut self, g: Option<Generation>) -> Result<Option<Event>, Error> {
        let Some(g) = g else {
            self.generation = None;
            self.done = true;
            self.syncs += 1;
            return Ok(Some(sync_event(None, self.last_ts, self.syncs)));
        };
        self.cpu_next = 0;
        self.gen_counted = false;
        self.frontier.clear();
        self.generation = None;
        for (mi, &m) in g.batch_ms.iter().enumerate() {
            let mut bc = BatchCursor::new(m, mi);
            match bc.next_event(&g) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    self.frontier.clear();
                    return Err(e);
                }
            }
            heap_insert(&mut self.frontier, bc);
        }
        self.syncs += 1;
        let ev = sync_event(
            Some(g.table.clone()),
            freq_mul(g.table.freq, g.min_ts),
            self.syncs,
        );
        self.generation = Some(g);
        Ok(Some(ev))
    }
}

/// Events ahead of the next free slot of a batch that [`prefetch_for_write`]
/// asks for.
const PREFETCH_AHEAD: usize = 12;

/// Asks for the cache lines of the event slot at `p` for writing. A
/// batch comes back from the analysing threads with its lines in their
/// caches, and each event written into it waited for its lines to come
/// over (perf put half of the ordering step's samples on its stores into
/// the batch; with this and the field-by-field writes of
/// `Ordering::push`, `trace pprof` of the dense trace took a fifth less
/// time). Never faults, whatever `p` is.
#[inline(always)]
fn prefetch_for_write(p: *const Event) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and never faults.
    unsafe {
        let b = p as *const u8;
        std::arch::asm!(
            "prefetchw [{0}]",
            "prefetchw [{0} + 64]",
            in(reg) b,
            options(nostack, preserves_flags, readonly)
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Where a delivered generation's payload buffer goes to be reused.
enum Spare {
    /// Kept for the next generation this reader reads itself.
    Here(Vec<u8>),
    /// Sent to the read-ahead thread (ignored once it has ended).
    There(mpsc::Sender<Vec<u8>>),
}

impl Spare {
    fn give(&mut self, buf: Vec<u8>) {
        match self {
            Spare::Here(b) => *b = buf,
            Spare::There(tx) => {
                let _ = tx.send(buf);
            }
        }
    }

    fn take_here(&mut self) -> Vec<u8> {
        match self {
            Spare::Here(b) => std::mem::take(b),
            Spare::There(_) => Vec::new(),
        }
    }
}

/// What a read-ahead thread hands the reader.
enum Ahead<R> {
    /// The next generation, as [`read_generation`] returned it, and the
    /// input's offset after it.
    Generation(Result<Option<Generation>, Error>, u64),
    /// The input, given back after the last generation.
    Input(Input<R>),
}

impl<R: Read + Send> V2Reader<R> {
    /// Reads the generations still to come on a thread of `scope`, one
    /// ahead of the ordering: decoding a generation's batches and building
    /// its tables (a sixth of the reading on a busy trace, in which no
    /// event came out) then overlaps the ordering of the one before. At
    /// most two generations are in memory. Does nothing for the formats
    /// before Go 1.26, whose generations end where the next one's first
    /// batch is found (read here, [`read_generation_with_spill`]), once
    /// reading has started, or if an error is pending.
    ///
    /// [`V2Reader::stop_read_ahead`] must be called before `scope` ends
    /// (the thread waits to hand over its next generation until then).
    pub(crate) fn read_ahead<'scope, 'env>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
    ) where
        R: 'scope,
    {
        if self.version < Version::Go126
            || self.generation.is_some()
            || self.syncs > 0
            || self.done
            || self.ahead.is_some()
        {
            return;
        }
        let Some(mut input) = self.input.take() else {
            return;
        };
        let version = self.version;
        // A rendezvous: the thread holds one finished generation until
        // the reader takes it.
        let (tx, rx) = mpsc::sync_channel::<Ahead<R>>(0);
        self.ahead = Some(rx);
        let (spare_tx, spare) = mpsc::channel::<Vec<u8>>();
        self.spare = Spare::There(spare_tx);
        scope.spawn(move || {
            loop {
                // The buffer of the generation the reader let go of when
                // it took the last one sent (it gives it back first).
                let buf = spare.try_recv().unwrap_or_default();
                let read = read_generation(&mut input, version, buf);
                let last = !matches!(read, Ok(Some(_)));
                if tx.send(Ahead::Generation(read, input.offset())).is_err() {
                    return;
                }
                if last {
                    let _ = tx.send(Ahead::Input(input));
                    return;
                }
            }
        });
    }
}

impl<R> V2Reader<R> {
    /// Lets the read-ahead thread end: the generations it has not handed
    /// over are dropped, and with them the input (reading on then fails
    /// at the next generation).
    pub(crate) fn stop_read_ahead(&mut self) {
        self.ahead = None;
    }
}
