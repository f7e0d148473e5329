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
    map: DenseMap<T, { 1 << 20 }>,
    zero: T,
}

impl<T: Default> Default for DataTable<T> {
    fn default() -> Self {
        DataTable {
            map: DenseMap::default(),
            zero: T::default(),
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

    /// Adds `id`; fails if it is already there (ID 0 always is).
    pub(crate) fn insert(&mut self, id: u64, v: T) -> Result<(), T> {
        if self.get(id).is_some() {
            return Err(v);
        }
        self.map.insert(id as i64, v);
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
