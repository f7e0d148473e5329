//! A small, fast, non-cryptographic hasher for the integer-keyed maps of
//! the reader (goroutine, proc and thread states, PCs). Trace IDs are not
//! attacker-chosen in any way that matters for a one-shot offline tool.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.hash = (self.hash.rotate_left(5) ^ i).wrapping_mul(SEED);
    }

    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
pub(crate) type FxHashMap<K, V> = HashMap<K, V, FxBuild>;

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

    pub(crate) fn contains_key(&self, k: &i64) -> bool {
        self.get(k).is_some()
    }

    pub(crate) fn insert(&mut self, k: i64, v: V) -> Option<V> {
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

    pub(crate) fn remove(&mut self, k: &i64) -> Option<V> {
        match Self::slot(*k) {
            Some(i) => self.dense.get_mut(i).and_then(Option::take),
            None => self.sparse.remove(k),
        }
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
