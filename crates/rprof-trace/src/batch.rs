//! Batches of events that share their tables per run, for the analyses
//! and dumps that read a whole trace.
//!
//! Every [`Event`] refers to its generation's table through an `Arc`.
//! Cloning and dropping that `Arc` for each of millions of events (two
//! atomic operations per event) was a fifth of the reading thread's time.
//! A batch instead keeps its events *bare* (no table) and records each
//! table once, for the run of events that use it; [`Batch::for_each`]
//! lends each event its table while the event is looked at.

use std::sync::Arc;

use crate::delivery::{increasing, validate_ids};
use crate::error::Error;
use crate::event::{Event, EventKind, kind_of};
use crate::spec::EventType;
use crate::table::{EvTable, Time};

/// Which events an analysis looks at, by type: the others are checked
/// and skipped before it is called ([`Batch::for_each_checked`]). Only a
/// hint, never a guarantee: an analysis must still ignore what it does
/// not want (the serial reader and the web UI's shared pass deliver
/// everything).
///
/// Of a busy trace's events about three quarters are heap metrics and
/// mark-assist ranges, which the blocking profiles never look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Interest([u64; 4]);

impl Interest {
    /// Every event.
    pub(crate) const ALL: Interest = Interest([u64::MAX; 4]);

    /// The events of these kinds, and Sync events (the first event of
    /// every trace: whether any event was read decides whether a damaged
    /// trace is an error or a partial result).
    pub(crate) fn kinds(kinds: &[EventKind]) -> Interest {
        let mut bits = [0u64; 4];
        for typ in 0..=EventType::MAX {
            let kind = kind_of(typ);
            if kind == EventKind::Sync || kinds.contains(&kind) {
                bits[usize::from(typ / 64)] |= 1 << (typ % 64);
            }
        }
        Interest(bits)
    }

    /// Whether events of type `typ` are wanted.
    #[inline]
    pub(crate) fn wants(&self, typ: EventType) -> bool {
        self.0[usize::from(typ / 64)] & (1 << (typ % 64)) != 0
    }
}

/// Events in trace order, and the table of each run of them.
#[derive(Default)]
pub(crate) struct Batch {
    /// The events, without their tables.
    pub(crate) events: Vec<Event>,
    /// The runs of events that share a table, in order.
    runs: Vec<Run>,
    /// Whether an event may own something (a table or an extra string):
    /// if not, [`Batch::clear`] has nothing to drop.
    pub(crate) owning: bool,
}

/// Events from `start` to the next run's start: their table, and what
/// [`Batch::for_each_checked`] has left to do for them.
struct Run {
    start: usize,
    table: Option<Arc<EvTable>>,
    delivery: Delivery,
}

/// What a run of events still needs of Go's delivery checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Everything: queued by the new-format reader's fast path. An error
    /// among them reports the trace as good up to `LostAt`.
    Unchecked(LostAt),
    /// Checked by the reader, whose times may lag the ones made to
    /// increase after it (moving them again gives Go's times).
    Checked,
    /// Nothing left: checked and timed by the reader, or old-format
    /// events, which Go delivers as converted.
    Done,
}

/// How much of a trace had been read when a run of events was queued:
/// what [`Error::Lost`] reports for a bad event among them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LostAt {
    pub(crate) generations_ok: u64,
    pub(crate) valid_bytes: u64,
    pub(crate) total_bytes: Option<u64>,
}

fn same(a: &Option<Arc<EvTable>>, b: Option<&Arc<EvTable>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

impl Batch {
    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Empties the batch for reuse.
    ///
    /// Bare events own nothing (no table; an extra string only on a
    /// TaskEnd): then the events are forgotten rather than dropped one by
    /// one. Dropping them was a pass over every event just handed back
    /// by the other cores, a twentieth of the reading thread's time.
    pub(crate) fn clear(&mut self) {
        if self.owning {
            self.events.clear();
        } else {
            debug_assert!(
                self.events
                    .iter()
                    .all(|e| e.table.is_none() && e.extra_str.is_none())
            );
            // SAFETY: shortening a Vec to 0 never exposes uninitialized
            // memory; at worst it leaks, and these events own nothing.
            unsafe { self.events.set_len(0) };
        }
        self.owning = false;
        self.runs.clear();
    }

    /// Keeps the first `n` events.
    pub(crate) fn truncate(&mut self, n: usize) {
        self.events.truncate(n);
        while self
            .runs
            .last()
            .is_some_and(|r| r.start >= n && r.start > 0)
        {
            self.runs.pop();
        }
    }

    fn start_run(&mut self, table: Option<&Arc<EvTable>>, delivery: Delivery) {
        if !self
            .runs
            .last()
            .is_some_and(|r| same(&r.table, table) && r.delivery == delivery)
        {
            self.runs.push(Run {
                start: self.events.len(),
                table: table.cloned(),
                delivery,
            });
        }
    }

    /// Makes `table` the table of the bare events pushed from now on,
    /// which the reader has checked.
    #[cfg(test)]
    pub(crate) fn use_table(&mut self, table: Option<&Arc<EvTable>>) {
        self.start_run(table, Delivery::Done);
    }

    /// Makes `table` the table of the bare events pushed from now on, and
    /// `delivery` what they still need of Go's checks.
    #[inline]
    pub(crate) fn use_table_for(&mut self, table: &Arc<EvTable>, delivery: Delivery) {
        self.start_run(Some(table), delivery);
    }

    /// Adds an event that carries its table (see [`Delivery`] for what
    /// `delivery` says).
    pub(crate) fn push(&mut self, mut e: Event, delivery: Delivery) {
        let table = e.table.take();
        self.start_run(table.as_ref(), delivery);
        self.owning |= e.extra_str.is_some();
        self.events.push(e);
    }

    /// Calls `f` with every event `interest` wants, as [`Batch::for_each`]
    /// does, after Go's delivery checks (`ReadEvent`'s deferred function)
    /// of the events the reader queued unchecked: their table IDs
    /// ([`validate_ids`]), then, for every event but old-format ones,
    /// times made to increase strictly ([`increasing`], from `last_ts`,
    /// the time of the event before this batch; moving again the events
    /// that the reader moved with an older `last_ts` gives Go's times).
    ///
    /// The reader leaves this to the thread that takes the batch, so that
    /// it overlaps the reading of the next one; one pass, so that each
    /// event is loaded once. On a bad event `f` has seen the events before
    /// it, and the error is returned as the reader would have returned it.
    pub(crate) fn for_each_checked(
        &mut self,
        last_ts: &mut Time,
        interest: Interest,
        mut f: impl FnMut(&Event),
    ) -> Result<(), Error> {
        let n = self.events.len();
        for r in 0..self.runs.len() {
            let end = self.runs.get(r + 1).map_or(n, |next| next.start);
            let run = &self.runs[r];
            let (delivery, table) = (run.delivery, run.table.as_ref());
            for e in &mut self.events[run.start..end] {
                if let Delivery::Unchecked(at) = delivery
                    && let Err(cause) = validate_ids(&e.base, table.map(|t| &**t))
                {
                    return Err(Error::Lost {
                        generations_ok: at.generations_ok,
                        valid_bytes: at.valid_bytes,
                        total_bytes: at.total_bytes,
                        cause: Box::new(cause),
                    });
                }
                if delivery != Delivery::Done {
                    increasing(last_ts, &mut e.base.time);
                }
                if interest.wants(e.base.typ) {
                    f(&lend(e, table));
                }
            }
        }
        Ok(())
    }

    /// Each run: its events' range and their table.
    fn runs(&self) -> impl Iterator<Item = (std::ops::Range<usize>, Option<&Arc<EvTable>>)> {
        let ends = self
            .runs
            .iter()
            .skip(1)
            .map(|r| r.start)
            .chain(std::iter::once(self.events.len()));
        self.runs
            .iter()
            .zip(ends)
            .map(|(r, end)| (r.start..end, r.table.as_ref()))
    }

    /// Calls `f` with every event, its table lent to it for the call.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Event)) {
        for (range, table) in self.runs() {
            for e in &self.events[range] {
                f(&lend(e, table));
            }
        }
    }

    /// The events with their tables (one `Arc` clone each).
    pub(crate) fn into_events(self) -> Vec<Event> {
        let runs: Vec<_> = self.runs().map(|(r, t)| (r, t.cloned())).collect();
        let mut events = self.events;
        for (range, table) in runs {
            for e in &mut events[range] {
                e.table = table.clone();
            }
        }
        events
    }
}

/// A copy of `e` on the stack with `table` lent to it: bitwise copies of
/// the batch's `Arc`s, never dropped (`ManuallyDrop`, also if the callee
/// panics: then they leak, they are never freed twice). Sound because the
/// batch, which owns the `Arc`s, outlives the loan and the callee only
/// sees `&Event`: any `Arc` it keeps is a proper clone, counted as usual.
/// A copy rather than the event itself, so that the analysing thread does
/// not write to the batch's memory, which goes back to the reading thread.
fn lend(e: &Event, table: Option<&Arc<EvTable>>) -> std::mem::ManuallyDrop<Event> {
    debug_assert!(e.table.is_none());
    std::mem::ManuallyDrop::new(Event {
        // SAFETY: see above.
        table: table.map(|t| unsafe { std::ptr::read(t) }),
        ctx: e.ctx,
        base: e.base,
        // SAFETY: as for the table; the event keeps its own.
        extra_str: e.extra_str.as_ref().map(|x| unsafe { std::ptr::read(x) }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{BaseEvent, SchedCtx};

    fn event(table: Option<&Arc<EvTable>>, time: i64) -> Event {
        Event {
            table: table.cloned(),
            ctx: SchedCtx { g: 0, p: 0, m: 0 },
            base: BaseEvent {
                time,
                ..BaseEvent::default()
            },
            extra_str: None,
        }
    }

    #[test]
    fn events_see_their_own_tables_and_counts_balance() {
        let a = Arc::new(EvTable::default());
        let b = Arc::new(EvTable::default());
        let mut batch = Batch::default();
        batch.push(event(Some(&a), 1), Delivery::Done);
        batch.use_table(Some(&a));
        batch.events.push(event(None, 2));
        batch.push(event(Some(&b), 3), Delivery::Done);
        batch.push(event(None, 4), Delivery::Done);
        batch.push(event(Some(&a), 5), Delivery::Done);
        let mut kept = Vec::new();
        let mut seen = Vec::new();
        batch.for_each(|e| {
            let t = e.table.as_ref();
            seen.push((
                e.base.time,
                t.is_some_and(|t| Arc::ptr_eq(t, &a)),
                t.is_some_and(|t| Arc::ptr_eq(t, &b)),
            ));
            kept.push(e.clone());
        });
        assert_eq!(
            seen,
            [
                (1, true, false),
                (2, true, false),
                (3, false, true),
                (4, false, false),
                (5, true, false)
            ]
        );
        // The batch holds one reference per run, the kept clones one each.
        assert_eq!(Arc::strong_count(&a), 1 + 2 + 3);
        drop(kept);
        assert_eq!(Arc::strong_count(&a), 1 + 2);
        batch.clear();
        assert_eq!(Arc::strong_count(&a), 1);
        assert_eq!(Arc::strong_count(&b), 1);
    }

    #[test]
    fn a_panic_inside_the_loan_does_not_free_the_table() {
        let a = Arc::new(EvTable::default());
        let mut batch = Batch::default();
        batch.push(event(Some(&a), 1), Delivery::Done);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            batch.for_each(|_| panic!("analysis failed"));
        }));
        assert!(r.is_err());
        assert_eq!(Arc::strong_count(&a), 2);
        drop(batch);
        assert_eq!(Arc::strong_count(&a), 1);
    }
}
