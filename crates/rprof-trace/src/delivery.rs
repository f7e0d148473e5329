//! Go's delivery checks (`Reader.ReadEvent`'s deferred function), applied
//! to every event of the new format as it is handed out: its stack and
//! string IDs must be in its generation's tables, and times strictly
//! increase. Shared by the reader, which checks what it delivers itself,
//! and by batches, whose events the analysing thread may check instead.

use crate::error::Error;
use crate::event::BaseEvent;
use crate::spec::{self, SPECS};
use crate::table::{EvTable, Time};

/// Go's rule that event times strictly increase: `time` is moved past
/// `last`, the time of the event before, and becomes the new `last`.
pub(crate) fn increasing(last: &mut Time, time: &mut Time) {
    if *time <= *last {
        *time = last.wrapping_add(1);
    }
    *last = *time;
}

/// Whether every stack and string ID of `e` is in `t`: [`validate_ids`]'
/// answer without its error, for the common case (one load of the
/// type's ID positions instead of walking [`SPECS`]' slices).
#[inline]
fn ids_present(e: &BaseEvent, t: &EvTable) -> bool {
    let m = spec::ID_ARGS[usize::from(e.typ)];
    if m == 0 {
        return true;
    }
    (0..4).all(|i| {
        let id = e.args[i];
        (m & (1 << i) == 0 || t.stacks.contains(id))
            && (m & (16 << i) == 0 || t.strings.contains(id))
    })
}

/// Go's `Event.validateTableIDs`, against `table` (the event's own, or
/// its generation's for a bare event). No table, or the Sync kind (no
/// IDs in [`spec::ID_ARGS`]), is always valid.
#[inline]
pub(crate) fn validate_ids(e: &BaseEvent, table: Option<&EvTable>) -> Result<(), Error> {
    match table {
        Some(t) if !ids_present(e, t) => invalid_id(e, t).map_or(Ok(()), Err),
        _ => Ok(()),
    }
}

/// The first of `e`'s IDs missing from `t`, as Go names it (stacks
/// first, then strings, in the spec's order).
#[cold]
fn invalid_id(e: &BaseEvent, t: &EvTable) -> Option<Error> {
    let sp = SPECS.get(usize::from(e.typ))?;
    for &i in sp.stack_ids {
        let id = e.args[i - 1];
        if !t.stacks.contains(id) {
            return Some(Error::format(format!(
                "found invalid stack ID {id} for event {}",
                sp.name
            )));
        }
    }
    for &i in sp.string_ids {
        let id = e.args[i - 1];
        if !t.strings.contains(id) {
            return Some(Error::format(format!(
                "found invalid string ID {id} for event {}",
                sp.name
            )));
        }
    }
    None
}
