//! Per-generation lookup tables (Go's `evTable`): strings, stacks, frames
//! by PC, the clock conversion and the sync data. Events share their
//! generation's table through an `Arc`, so a table lives as long as the
//! last event that refers to it and no longer.

use crate::fxhash::{DenseMap, FxHashMap};

/// Trace time: nanoseconds on the traced program's clock (Go's `trace.Time`).
pub type Time = i64;

/// Go's float64 → int64 conversion as amd64 does it (`i64::MIN` for NaN
/// and values that do not fit), shared with the profile reader.
pub(crate) use rprof_profile::measurement::go_f64_to_i64;

/// Go's `frequency.mul`: ticks to nanoseconds with nanoseconds-per-tick `f`.
#[inline]
pub(crate) fn freq_mul(f: f64, t: u64) -> Time {
    go_f64_to_i64(t as f64 * f)
}

/// A table from IDs to values, where ID 0 always means "the empty value"
/// (Go's `dataTable`). Small dense IDs go in a vector, others in a map
/// ([`DenseMap`], the goroutine states' map too).
#[derive(Debug)]
pub(crate) struct DataTable<T> {
    /// Keyed by the ID's bits as an `i64`: IDs past `i64::MAX` read as
    /// negative and go to the map, like every other large ID. IDs up to
    /// 2^20 are stored densely while reading.
    map: DenseMap<T, { DENSE_IDS as i64 }>,
    zero: T,
    /// One bit per dense ID present: checking every event's stack and
    /// string IDs (Go's `validateTableIDs`) against the values themselves
    /// was a cache miss per ID, a tenth of the reading thread's time.
    present: Vec<u64>,
}

/// IDs below this are dense (in [`DataTable::present`]).
const DENSE_IDS: u64 = 1 << 20;

impl<T: Default> Default for DataTable<T> {
    fn default() -> Self {
        DataTable {
            map: DenseMap::default(),
            zero: T::default(),
            present: Vec::new(),
        }
    }
}

impl<T: Default> DataTable<T> {
    /// The value for `id`; ID 0 is always present (the empty value).
    #[inline]
    pub(crate) fn get(&self, id: u64) -> Option<&T> {
        if id == 0 {
            return Some(&self.zero);
        }
        self.map.get(&(id as i64))
    }

    /// Whether `id` is there (ID 0 always is): [`DataTable::get`]`.is_some()`
    /// without touching the value.
    #[inline]
    pub(crate) fn contains(&self, id: u64) -> bool {
        if id == 0 {
            return true;
        }
        if id < DENSE_IDS {
            let w = (id / 64) as usize;
            return self
                .present
                .get(w)
                .is_some_and(|b| b & (1 << (id % 64)) != 0);
        }
        self.map.get(&(id as i64)).is_some()
    }

    /// Adds `id`; fails if it is already there (ID 0 always is).
    pub(crate) fn insert(&mut self, id: u64, v: T) -> Result<(), T> {
        if self.contains(id) {
            return Err(v);
        }
        self.map.insert(id as i64, v);
        if id < DENSE_IDS {
            let w = (id / 64) as usize;
            if w >= self.present.len() {
                self.present.resize(w + 1, 0);
            }
            self.present[w] |= 1 << (id % 64);
        }
        Ok(())
    }

    /// Every (ID, value) pair (not ID 0).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.map.iter().map(|(k, v)| (k as u64, v))
    }

    pub(crate) fn shrink(&mut self) {
        self.map.shrink();
    }
}

/// One stack frame as the trace records it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Frame {
    pub(crate) func_id: u64,
    pub(crate) file_id: u64,
    pub(crate) line: u64,
}

/// An experimental batch's raw data.
#[derive(Debug, Clone)]
pub struct ExperimentalBatch {
    /// The thread that wrote it.
    pub thread: i64,
    /// The unparsed payload.
    pub data: Vec<u8>,
}

/// The tables of one generation.
#[derive(Debug, Default)]
pub(crate) struct EvTable {
    /// Nanoseconds per tick.
    pub(crate) freq: f64,
    pub(crate) has_clock_snapshot: bool,
    pub(crate) snap_time: u64,
    pub(crate) snap_mono: u64,
    pub(crate) snap_sec: u64,
    pub(crate) snap_nsec: u64,
    pub(crate) strings: DataTable<Box<[u8]>>,
    pub(crate) stacks: DataTable<Box<[u64]>>,
    pub(crate) pcs: FxHashMap<u64, Frame>,
    /// Experimental batches by experiment ID, in reading order.
    pub(crate) exp_batches: Vec<(u8, Vec<ExperimentalBatch>)>,
}

impl EvTable {
    /// The string for `id`, or empty when it is unknown.
    #[inline]
    pub(crate) fn string(&self, id: u64) -> &[u8] {
        self.strings.get(id).map_or(&[][..], |s| &s[..])
    }
}
