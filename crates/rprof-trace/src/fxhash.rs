//! Maps for the reader's integer keys (goroutine, proc and thread
//! states, PCs, table IDs): rustc-hash's FxHash (trace IDs are not
//! attacker-chosen in any way that matters for a one-shot offline tool),
//! and [`DenseMap`] for the IDs the runtime numbers densely.

pub(crate) use rustc_hash::FxHashMap;

/// A map from small non-negative integer IDs (goroutine and proc IDs, and
/// the string and stack IDs of a generation's tables: the runtime numbers
/// them all from 0 or 1 up) to values: a vector indexed by ID, with
/// a hash map for IDs beyond it. The ordering engine looks a goroutine up
/// for nearly every event, and an indexed load beats hashing and probing.
///
/// IDs below `DENSE` are stored in the vector, so that an input's large
/// ID costs at most `DENSE` slots: each use picks the bound for its value
/// size.
#[derive(Debug)]
pub(crate) struct DenseMap<V, const DENSE: i64> {
    dense: Vec<Option<V>>,
    sparse: FxHashMap<i64, V>,
}

impl<V, const DENSE: i64> Default for DenseMap<V, DENSE> {
    fn default() -> Self {
        DenseMap {
            dense: Vec::new(),
            sparse: FxHashMap::default(),
        }
    }
}

impl<V, const DENSE: i64> DenseMap<V, DENSE> {
    #[inline]
    fn slot(k: i64) -> Option<usize> {
        (0..DENSE).contains(&k).then_some(k as usize)
    }

    #[inline]
    pub(crate) fn get(&self, k: &i64) -> Option<&V> {
        match Self::slot(*k) {
            Some(i) => self.dense.get(i).and_then(Option::as_ref),
            None => self.sparse.get(k),
        }
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, k: &i64) -> Option<&mut V> {
        match Self::slot(*k) {
            Some(i) => self.dense.get_mut(i).and_then(Option::as_mut),
            None => self.sparse.get_mut(k),
        }
    }

    #[inline]
    pub(crate) fn contains_key(&self, k: &i64) -> bool {
        self.get(k).is_some()
    }

    /// Inline for a slot already there (an analysis inserts per event; left
    /// to the compiler, whether it inlined changed with unrelated edits,
    /// by a percent of a trace summary's instructions), else out of line.
    #[inline]
    pub(crate) fn insert(&mut self, k: i64, v: V) -> Option<V> {
        if let Some(i) = Self::slot(k)
            && let Some(slot) = self.dense.get_mut(i)
        {
            return slot.replace(v);
        }
        self.insert_new(k, v)
    }

    #[inline(never)]
    fn insert_new(&mut self, k: i64, v: V) -> Option<V> {
        match Self::slot(k) {
            Some(i) => {
                if i >= self.dense.len() {
                    self.dense.resize_with(i + 1, || None);
                }
                self.dense[i].replace(v)
            }
            None => self.sparse.insert(k, v),
        }
    }

    #[inline]
    pub(crate) fn remove(&mut self, k: &i64) -> Option<V> {
        match Self::slot(*k) {
            Some(i) => self.dense.get_mut(i).and_then(Option::take),
            None => self.sparse.remove(k),
        }
    }

    /// The value of `k`, made by `f` if there is none.
    #[inline]
    pub(crate) fn get_or_insert_with(&mut self, k: i64, f: impl FnOnce() -> V) -> &mut V {
        match Self::slot(k) {
            Some(i) => {
                if i >= self.dense.len() {
                    self.dense.resize_with(i + 1, || None);
                }
                self.dense[i].get_or_insert_with(f)
            }
            None => self.sparse.entry(k).or_insert_with(f),
        }
    }

    /// Every value, in no particular order.
    pub(crate) fn into_values(self) -> impl Iterator<Item = V> {
        self.dense
            .into_iter()
            .flatten()
            .chain(self.sparse.into_values())
    }

    /// Every (ID, value) pair, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (i64, &V)> {
        self.dense
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (i as i64, v)))
            .chain(self.sparse.iter().map(|(&k, v)| (k, v)))
    }

    /// Gives back the vector's spare capacity.
    pub(crate) fn shrink(&mut self) {
        self.dense.shrink_to_fit();
    }

    /// Every value, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.dense.iter().flatten().chain(self.sparse.values())
    }
}
