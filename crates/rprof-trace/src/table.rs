//! Per-generation lookup tables (Go's `evTable`): strings, stacks, frames
//! by PC, the clock conversion and the sync data. Events share their
//! generation's table through an `Arc`, so a table lives as long as the
//! last event that refers to it and no longer.

use crate::fxhash::FxHashMap;

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
/// (Go's `dataTable`). Small dense IDs go in a vector, others in a map.
#[derive(Debug)]
pub(crate) struct DataTable<T> {
    dense: Vec<Option<T>>,
    sparse: FxHashMap<u64, T>,
    zero: T,
}

impl<T: Default> Default for DataTable<T> {
    fn default() -> Self {
        DataTable {
            dense: Vec::new(),
            sparse: FxHashMap::default(),
            zero: T::default(),
        }
    }
}

/// IDs up to this are stored densely while reading.
const DENSE_LIMIT: u64 = 1 << 20;

impl<T: Default> DataTable<T> {
    /// The value for `id`; ID 0 is always present (the empty value).
    #[inline]
    pub(crate) fn get(&self, id: u64) -> Option<&T> {
        if id == 0 {
            return Some(&self.zero);
        }
        if (id as usize as u64) == id && (id as usize) < self.dense.len() {
            if let Some(v) = &self.dense[id as usize] {
                return Some(v);
            }
            return None;
        }
        self.sparse.get(&id)
    }

    /// Adds `id`; fails if it is already there (ID 0 always is).
    pub(crate) fn insert(&mut self, id: u64, v: T) -> Result<(), T> {
        if self.get(id).is_some() {
            return Err(v);
        }
        if id < DENSE_LIMIT {
            let i = id as usize;
            if i >= self.dense.len() {
                self.dense.resize_with(i + 1, || None);
            }
            self.dense[i] = Some(v);
        } else {
            self.sparse.insert(id, v);
        }
        Ok(())
    }

    /// Every (ID, value) pair (not ID 0).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.dense
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (i as u64, v)))
            .chain(self.sparse.iter().map(|(k, v)| (*k, v)))
    }

    pub(crate) fn shrink(&mut self) {
        self.dense.shrink_to_fit();
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
