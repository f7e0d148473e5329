//! A track: the time-sorted items of one lane of the timeline (a P's
//! goroutine slices, its syscalls, the GC phases, a counter...), and the
//! pyramid that answers zoomed-out windows without reading every item.
//!
//! **Size classes.** An item of duration `d` is stored once, in the list
//! of its class: class 0 for `d < W0`, class `c >= 1` for
//! `W(c-1) <= d < W(c)`, where `W(k) = W0 * 4^k` (`W0` = 64µs).
//!
//! **Levels.** Level `k` cuts time into bins of `W(k)` and, for each bin
//! that holds any, sums the items *narrower* than `W(k)` that start in
//! it: count, busy time, extent, the dominant item ID (by busy time) and,
//! for counters, the largest value. Bins are built while streaming: an
//! item of class `c` goes into level `c`'s open bin; a closed level-`k`
//! bin folds into level `k+1`'s (its bins are aligned on four of them).
//!
//! **A query** for a window at `res` ns per pixel picks the finest level
//! `k` with `W(k) <= res`, and reads that level's bins plus the class
//! lists `c >= k+1` (the items at least `W(k)` long): both are bounded by
//! a few times the window's width in pixels, however many items the
//! window holds. Below `W0` per pixel it reads the items themselves (a
//! window then spans less than a microsecond per pixel). The answer then
//! keeps each item at least a pixel wide and merges the runs of narrower
//! items and bins starting in one pixel into a summary bar.

use std::io;

use super::store::{List, Rec, Spill, get_iv, get_uv, put_iv, put_uv};

/// The narrowest bin, ns. Finer levels would cost more than they save:
/// where items are more than a bin apart, a level holds as many bins as
/// there are items, and below `W0` per pixel a window is short enough
/// (`px * W0`: 90ms at 1400 pixels) to read its items.
pub(crate) const W0: i64 = 64_000;
/// Levels of the pyramid: bins from 64µs to `W0 * 4^15` (2 years).
pub(crate) const LEVELS: usize = 16;

/// The bin width of level `k`.
pub(crate) fn width(k: usize) -> i64 {
    W0 << (2 * k)
}

/// The size class of a duration.
pub(crate) fn class_of(d: i64) -> usize {
    if d < W0 {
        return 0;
    }
    let q = (d / W0) as u64;
    let log4 = (63 - q.leading_zeros() as usize) / 2;
    1 + log4.min(LEVELS - 1)
}

/// The level to answer `res` ns per pixel with (`None`: the items).
pub(crate) fn level_for(res: f64) -> Option<usize> {
    if res < W0 as f64 {
        return None;
    }
    let mut k = 0;
    while k + 1 < LEVELS && (width(k + 1) as f64) <= res {
        k += 1;
    }
    Some(k)
}

/// One item: a slice, a range, an instant or a counter sample. What `id`,
/// `a` and `b` hold depends on the track (see `build`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) start: i64,
    pub(crate) end: i64,
    /// A goroutine, task or counter value: what bars name as dominant.
    pub(crate) id: i64,
    pub(crate) a: u64,
    pub(crate) b: u64,
}

impl Item {
    pub(crate) fn dur(&self) -> i64 {
        self.end - self.start
    }
}

/// Bits of a record's header byte: which deltas follow (most are zero
/// on counters and ranges, whose items repeat their IDs and names).
const H_DUR: u8 = 1;
const H_ID: u8 = 2;
const H_A: u8 = 4;
const H_B: u8 = 8;
const H_BUSY: u8 = 16;
const H_VMAX: u8 = 32;

fn get_hdr(b: &mut &[u8]) -> Option<u8> {
    let (&h, rest) = b.split_first()?;
    *b = rest;
    Some(h)
}

impl Rec for Item {
    fn start(&self) -> i64 {
        self.start
    }
    fn end(&self) -> i64 {
        self.end
    }
    fn encode(&self, prev: &Self, out: &mut Vec<u8>) {
        let dur = self.end.wrapping_sub(self.start);
        let id = self.id.wrapping_sub(prev.id);
        let a = self.a.wrapping_sub(prev.a) as i64;
        let b = self.b.wrapping_sub(prev.b) as i64;
        let h = (if dur != 0 { H_DUR } else { 0 })
            | (if id != 0 { H_ID } else { 0 })
            | (if a != 0 { H_A } else { 0 })
            | (if b != 0 { H_B } else { 0 });
        out.push(h);
        put_iv(out, self.start.wrapping_sub(prev.start));
        for (bit, v) in [(H_DUR, dur), (H_ID, id), (H_A, a), (H_B, b)] {
            if h & bit != 0 {
                put_iv(out, v);
            }
        }
    }
    fn decode(prev: &Self, b: &mut &[u8]) -> Option<Self> {
        let h = get_hdr(b)?;
        let start = prev.start.wrapping_add(get_iv(b)?);
        let mut f = |bit: u8| -> Option<i64> { if h & bit != 0 { get_iv(b) } else { Some(0) } };
        let end = start.wrapping_add(f(H_DUR)?);
        Some(Item {
            start,
            end,
            id: prev.id.wrapping_add(f(H_ID)?),
            a: prev.a.wrapping_add(f(H_A)? as u64),
            b: prev.b.wrapping_add(f(H_B)? as u64),
        })
    }
}

/// The sum of the narrow items that start in one bin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bin {
    /// The earliest start.
    pub(crate) start: i64,
    /// The latest end.
    pub(crate) end: i64,
    pub(crate) count: u64,
    /// The items' durations, summed.
    pub(crate) busy: i64,
    /// The `id` and `a` of the item (or items of one `id`) with the most
    /// busy time, and that time.
    pub(crate) dom: i64,
    pub(crate) dom_a: u64,
    pub(crate) dom_busy: i64,
    /// The largest `id` (counter tracks: the highest value).
    pub(crate) vmax: i64,
}

impl Rec for Bin {
    fn start(&self) -> i64 {
        self.start
    }
    fn end(&self) -> i64 {
        self.end
    }
    fn encode(&self, prev: &Self, out: &mut Vec<u8>) {
        let dur = self.end.wrapping_sub(self.start);
        let dom = self.dom.wrapping_sub(prev.dom);
        let dom_a = self.dom_a.wrapping_sub(prev.dom_a) as i64;
        let vmax = self.vmax.wrapping_sub(prev.vmax);
        let h = (if dur != 0 { H_DUR } else { 0 })
            | (if dom != 0 { H_ID } else { 0 })
            | (if dom_a != 0 { H_A } else { 0 })
            | (if self.busy != 0 { H_BUSY } else { 0 })
            | (if vmax != 0 { H_VMAX } else { 0 });
        out.push(h);
        put_iv(out, self.start.wrapping_sub(prev.start));
        put_uv(out, self.count);
        for (bit, v) in [(H_DUR, dur), (H_ID, dom), (H_A, dom_a), (H_VMAX, vmax)] {
            if h & bit != 0 {
                put_iv(out, v);
            }
        }
        if h & H_BUSY != 0 {
            put_iv(out, self.busy);
            put_iv(out, self.dom_busy);
        }
    }
    fn decode(prev: &Self, b: &mut &[u8]) -> Option<Self> {
        let h = get_hdr(b)?;
        let start = prev.start.wrapping_add(get_iv(b)?);
        let count = get_uv(b)?;
        let mut f = |bit: u8| -> Option<i64> { if h & bit != 0 { get_iv(b) } else { Some(0) } };
        let end = start.wrapping_add(f(H_DUR)?);
        let dom = prev.dom.wrapping_add(f(H_ID)?);
        let dom_a = prev.dom_a.wrapping_add(f(H_A)? as u64);
        let vmax = prev.vmax.wrapping_add(f(H_VMAX)?);
        let busy = f(H_BUSY)?;
        let dom_busy = f(H_BUSY)?;
        Some(Bin {
            start,
            end,
            count,
            busy,
            dom,
            dom_a,
            dom_busy,
            vmax,
        })
    }
}

/// Candidates for a bin's dominant ID: a few heavy hitters are enough to
/// name what a bar mostly is.
#[derive(Debug, Clone, Copy, Default)]
struct Dominant {
    c: [(i64, u64, i64); 4],
    n: usize,
}

impl Dominant {
    fn add(&mut self, id: i64, a: u64, busy: i64) {
        if let Some(e) = self.c[..self.n].iter_mut().find(|e| e.0 == id) {
            e.2 += busy;
            return;
        }
        if self.n < self.c.len() {
            self.c[self.n] = (id, a, busy);
            self.n += 1;
            return;
        }
        let (i, min) = self
            .c
            .iter()
            .enumerate()
            .min_by_key(|(_, e)| e.2)
            .map(|(i, e)| (i, e.2))
            .unwrap_or((0, 0));
        if busy >= min {
            self.c[i] = (id, a, busy);
        }
    }

    fn best(&self) -> (i64, u64, i64) {
        // The first of equals: the earliest seen.
        let mut best = (0, 0, i64::MIN);
        for e in &self.c[..self.n] {
            if e.2 > best.2 {
                best = *e;
            }
        }
        if self.n == 0 { (0, 0, 0) } else { best }
    }
}

#[derive(Debug, Clone, Copy)]
struct OpenBin {
    idx: i64,
    bin: Bin,
    dom: Dominant,
}

impl OpenBin {
    fn new(idx: i64) -> Self {
        OpenBin {
            idx,
            bin: Bin {
                start: i64::MAX,
                end: i64::MIN,
                vmax: i64::MIN,
                ..Bin::default()
            },
            dom: Dominant::default(),
        }
    }

    fn add_item(&mut self, it: &Item) {
        let b = &mut self.bin;
        b.start = b.start.min(it.start);
        b.end = b.end.max(it.end);
        b.count += 1;
        b.busy += it.dur();
        b.vmax = b.vmax.max(it.id);
        self.dom.add(it.id, it.a, it.dur());
    }

    fn add_bin(&mut self, o: &Bin) {
        let b = &mut self.bin;
        b.start = b.start.min(o.start);
        b.end = b.end.max(o.end);
        b.count += o.count;
        b.busy += o.busy;
        b.vmax = b.vmax.max(o.vmax);
        self.dom.add(o.dom, o.dom_a, o.dom_busy);
    }

    fn close(mut self) -> Bin {
        let (id, a, busy) = self.dom.best();
        self.bin.dom = id;
        self.bin.dom_a = a;
        self.bin.dom_busy = busy;
        self.bin
    }
}

/// One lane's items and pyramid (see the module doc).
pub(crate) struct Track {
    classes: Vec<Option<Box<List<Item>>>>,
    levels: Vec<Option<Box<List<Bin>>>>,
    open: Vec<Option<OpenBin>>,
    /// Items pushed.
    pub(crate) count: u64,
    /// Their durations, summed.
    pub(crate) busy: i64,
}

impl Default for Track {
    fn default() -> Self {
        Track {
            classes: (0..=LEVELS).map(|_| None).collect(),
            levels: (0..LEVELS).map(|_| None).collect(),
            open: vec![None; LEVELS],
            count: 0,
            busy: 0,
        }
    }
}

/// What a query gives for one track: the items kept whole and the
/// summary bars, each in time order.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Merged {
    pub(crate) items: Vec<Item>,
    pub(crate) bars: Vec<Bar>,
}

/// Narrow items (and bins) merged: `count` items with `busy` ns of
/// duration between `start` and `end`; `dom`/`dom_a` is the heaviest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bar {
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) count: u64,
    pub(crate) busy: i64,
    pub(crate) dom: i64,
    pub(crate) dom_a: u64,
    pub(crate) vmax: i64,
}

impl Track {
    /// Adds an item. Items come in start order (a few out of order cost
    /// only precision: they join the open bin).
    pub(crate) fn push(&mut self, it: Item, sp: &mut Spill) -> io::Result<()> {
        let c = class_of(it.dur());
        self.count += 1;
        self.busy += it.dur();
        self.classes[c]
            .get_or_insert_with(Default::default)
            .push(it, sp)?;
        if c >= LEVELS {
            return Ok(());
        }
        // Close the bins that this start has left behind, up to the item's
        // level (closing cascades upwards as needed).
        for k in 0..=c {
            let idx = it.start.div_euclid(width(k));
            if self.open[k].is_some_and(|o| o.idx < idx) {
                self.close(k, sp)?;
            }
        }
        let idx = it.start.div_euclid(width(c));
        self.open[c]
            .get_or_insert_with(|| OpenBin::new(idx))
            .add_item(&it);
        Ok(())
    }

    /// Writes level `k`'s open bin and folds it into level `k+1`.
    fn close(&mut self, k: usize, sp: &mut Spill) -> io::Result<()> {
        let Some(o) = self.open[k].take() else {
            return Ok(());
        };
        let bin = o.close();
        self.levels[k]
            .get_or_insert_with(Default::default)
            .push(bin, sp)?;
        if k + 1 < LEVELS {
            let up = o.idx.div_euclid(4);
            if self.open[k + 1].is_some_and(|u| u.idx != up) {
                self.close(k + 1, sp)?;
            }
            self.open[k + 1]
                .get_or_insert_with(|| OpenBin::new(up))
                .add_bin(&bin);
        }
        Ok(())
    }

    /// Closes every bin and writes every pending record.
    pub(crate) fn seal(&mut self, sp: &mut Spill) -> io::Result<()> {
        for k in 0..LEVELS {
            self.close(k, sp)?;
        }
        for l in self.classes.iter_mut().flatten() {
            l.seal(sp)?;
        }
        for l in self.levels.iter_mut().flatten() {
            l.seal(sp)?;
        }
        Ok(())
    }

    /// Writes the pending records of every list (the builder's memory cap).
    pub(crate) fn flush(&mut self, sp: &mut Spill) -> io::Result<()> {
        for l in self.classes.iter_mut().flatten() {
            l.flush(sp)?;
        }
        for l in self.levels.iter_mut().flatten() {
            l.flush(sp)?;
        }
        Ok(())
    }

    /// Every item that meets `[t0, t1)`, in start order.
    pub(crate) fn items(&self, sp: &Spill, t0: i64, t1: i64) -> io::Result<Vec<Item>> {
        let mut out = Vec::new();
        for l in self.classes.iter().flatten() {
            l.window(sp, t0, t1, &mut out)?;
        }
        out.sort_by_key(|it| (it.start, it.end));
        Ok(out)
    }

    /// The last item that starts before `t` (counters: the value at `t`).
    pub(crate) fn last_before(&self, sp: &Spill, t: i64) -> io::Result<Option<Item>> {
        let mut best: Option<Item> = None;
        for l in self.classes.iter().flatten() {
            if let Some(it) = l.last_before(sp, t)?
                && best.is_none_or(|b| it.start > b.start)
            {
                best = Some(it);
            }
        }
        Ok(best)
    }

    /// The items and bins a window at `res` ns per pixel reads (see the
    /// module doc), in start order. Returns the level used.
    pub(crate) fn read(
        &self,
        sp: &Spill,
        t0: i64,
        t1: i64,
        res: f64,
    ) -> io::Result<(Option<usize>, Vec<Item>, Vec<Bin>)> {
        let level = level_for(res);
        let from_class = level.map_or(0, |k| k + 1);
        let mut items = Vec::new();
        for l in self.classes[from_class..].iter().flatten() {
            l.window(sp, t0, t1, &mut items)?;
        }
        items.sort_by_key(|it| (it.start, it.end));
        let mut bins = Vec::new();
        if let Some(k) = level
            && let Some(l) = &self.levels[k]
        {
            l.window(sp, t0, t1, &mut bins)?;
        }
        Ok((level, items, bins))
    }

    /// The window `[t0, t1)` at `res` ns per pixel: items at least a pixel
    /// wide (once clipped to the window) are kept, runs of narrower items
    /// and bins that start in one pixel become a bar.
    pub(crate) fn query(&self, sp: &Spill, t0: i64, t1: i64, res: f64) -> io::Result<Merged> {
        let (_, items, bins) = self.read(sp, t0, t1, res)?;
        Ok(merge(&items, &bins, t0, t1, res))
    }

    /// Bytes of the file: (items, bins).
    pub(crate) fn disk_bytes(&self) -> (u64, u64) {
        (
            self.classes.iter().flatten().map(|l| l.disk_bytes()).sum(),
            self.levels.iter().flatten().map(|l| l.disk_bytes()).sum(),
        )
    }

    /// Bytes of memory the track's directories and open bins take.
    pub(crate) fn heap_bytes(&self) -> usize {
        let lists: usize = self
            .classes
            .iter()
            .flatten()
            .map(|l| l.heap_bytes() + std::mem::size_of::<List<Item>>())
            .sum::<usize>()
            + self
                .levels
                .iter()
                .flatten()
                .map(|l| l.heap_bytes() + std::mem::size_of::<List<Bin>>())
                .sum::<usize>();
        lists + std::mem::size_of::<Self>() + LEVELS * std::mem::size_of::<Option<OpenBin>>()
    }
}

/// The pixel of time `t` in a window from `t0` at `res` ns per pixel
/// (times before `t0` fall in pixel 0).
pub(crate) fn pixel(t: i64, t0: i64, res: f64) -> i64 {
    ((i128::from(t.max(t0)) - i128::from(t0)) as f64 / res).floor() as i64
}

/// Merges items and bins (each in start order) as [`Track::query`] says.
pub(crate) fn merge(items: &[Item], bins: &[Bin], t0: i64, t1: i64, res: f64) -> Merged {
    let res = res.max(1e-9);
    let mut out = Merged::default();
    let mut bar: Option<(i64, Bar, Dominant)> = None;
    let pixel = |t: i64| pixel(t, t0, res);
    let flush = |bar: &mut Option<(i64, Bar, Dominant)>, out: &mut Merged| {
        if let Some((_, mut b, d)) = bar.take() {
            let (id, a, _) = d.best();
            b.dom = id;
            b.dom_a = a;
            out.bars.push(b);
        }
    };
    let (mut i, mut j) = (0, 0);
    while i < items.len() || j < bins.len() {
        let take_item = j >= bins.len() || (i < items.len() && items[i].start <= bins[j].start);
        let (start, end, count, busy, dom, dom_a, dom_busy, vmax) = if take_item {
            let it = &items[i];
            i += 1;
            let visible = i128::from(it.end.min(t1)) - i128::from(it.start.max(t0));
            if visible as f64 >= res {
                flush(&mut bar, &mut out);
                out.items.push(*it);
                continue;
            }
            (it.start, it.end, 1, it.dur(), it.id, it.a, it.dur(), it.id)
        } else {
            let b = &bins[j];
            j += 1;
            (
                b.start, b.end, b.count, b.busy, b.dom, b.dom_a, b.dom_busy, b.vmax,
            )
        };
        let p = pixel(start);
        match &mut bar {
            Some((bp, b, d)) if *bp == p => {
                b.end = b.end.max(end);
                b.count += count;
                b.busy += busy;
                b.vmax = b.vmax.max(vmax);
                d.add(dom, dom_a, dom_busy);
            }
            _ => {
                flush(&mut bar, &mut out);
                let mut d = Dominant::default();
                d.add(dom, dom_a, dom_busy);
                bar = Some((
                    p,
                    Bar {
                        start,
                        end,
                        count,
                        busy,
                        dom: 0,
                        dom_a: 0,
                        vmax,
                    },
                    d,
                ));
            }
        }
    }
    flush(&mut bar, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_levels() {
        assert_eq!(class_of(0), 0);
        assert_eq!(class_of(W0 - 1), 0);
        assert_eq!(class_of(W0), 1);
        assert_eq!(class_of(4 * W0 - 1), 1);
        assert_eq!(class_of(4 * W0), 2);
        assert_eq!(class_of(i64::MAX), LEVELS);
        for d in [0, 1, W0 - 1, W0, 4 * W0, 16 * W0 - 1, 16 * W0, 1 << 50] {
            let c = class_of(d);
            for k in 0..LEVELS {
                // Wide at level k exactly when at least W(k) long.
                assert_eq!(c > k, d >= width(k), "d={d} k={k}");
            }
        }
        assert_eq!(level_for(W0 as f64 - 1.0), None);
        assert_eq!(level_for(W0 as f64), Some(0));
        assert_eq!(level_for(4.0 * W0 as f64 - 1.0), Some(0));
        assert_eq!(level_for(4.0 * W0 as f64), Some(1));
        assert_eq!(level_for(1e30), Some(LEVELS - 1));
    }

    #[test]
    fn records_round_trip() {
        let items = [
            Item::default(),
            Item {
                start: 5,
                end: 5,
                id: -1,
                a: u64::MAX,
                b: 7,
            },
            Item {
                start: 5,
                end: 90,
                id: -1,
                a: u64::MAX,
                b: 7,
            },
            Item {
                start: -3,
                end: 1 << 40,
                id: 1 << 50,
                a: 0,
                b: 0,
            },
        ];
        let mut out = Vec::new();
        let mut prev = Item::default();
        for it in &items {
            it.encode(&prev, &mut out);
            prev = *it;
        }
        let (mut b, mut prev) = (&out[..], Item::default());
        for it in &items {
            let got = Item::decode(&prev, &mut b).unwrap();
            assert_eq!(&got, it);
            prev = got;
        }
        assert!(b.is_empty());
        let bins = [
            Bin::default(),
            Bin {
                start: 1,
                end: 9,
                count: 3,
                busy: 5,
                dom: 4,
                dom_a: 2,
                dom_busy: 3,
                vmax: 4,
            },
            Bin {
                start: 10,
                end: 10,
                count: 1,
                busy: 0,
                dom: 4,
                dom_a: 2,
                dom_busy: 0,
                vmax: -8,
            },
        ];
        let mut out = Vec::new();
        let mut prev = Bin::default();
        for x in &bins {
            x.encode(&prev, &mut out);
            prev = *x;
        }
        let (mut b, mut prev) = (&out[..], Bin::default());
        for x in &bins {
            let got = Bin::decode(&prev, &mut b).unwrap();
            assert_eq!(&got, x);
            prev = got;
        }
        assert!(b.is_empty());
    }

    /// Items of many sizes, back to back with gaps: every level's answer
    /// conserves the count and the busy time, and stays within a few
    /// times the pixel count.
    #[test]
    fn pyramid_conserves_and_bounds() {
        let mut sp = Spill::new(tempfile::tempfile().unwrap());
        let mut tr = Track::default();
        let mut t = 0i64;
        let mut x = 12345u64;
        let (mut n, mut busy) = (0u64, 0i64);
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let d = match x % 100 {
                0 => (x % 3_000_000_000) as i64,
                1..=10 => (x % 6_000_000) as i64,
                _ => (x % 120_000) as i64,
            };
            let gap = (x >> 32) as i64 % 200_000;
            let it = Item {
                start: t,
                end: t + d,
                id: (i % 7) as i64,
                a: 0,
                b: 0,
            };
            tr.push(it, &mut sp).unwrap();
            n += 1;
            busy += d;
            t += d + gap;
        }
        tr.seal(&mut sp).unwrap();
        sp.seal().unwrap();
        assert_eq!(tr.count, n);
        for px in [1u32, 100, 1000, 3000] {
            let res = t as f64 / f64::from(px);
            let m = tr.query(&sp, 0, t, res).unwrap();
            let cnt = m.items.len() as u64 + m.bars.iter().map(|b| b.count).sum::<u64>();
            let b = m.items.iter().map(Item::dur).sum::<i64>()
                + m.bars.iter().map(|b| b.busy).sum::<i64>();
            assert_eq!((cnt, b), (n, busy), "px={px}");
            assert!(m.bars.len() <= px as usize + 1, "{} bars", m.bars.len());
            assert!(m.items.len() <= px as usize + 1, "{} items", m.items.len());
            let (_, items, bins) = tr.read(&sp, 0, t, res).unwrap();
            assert!(items.len() + bins.len() <= 12 * px as usize + 4);
        }
        // A narrow window, exactly: every item that meets it.
        let (t0, t1) = (t / 3, t / 3 + 30_000_000);
        let exact = tr.items(&sp, t0, t1).unwrap();
        let m = tr.query(&sp, t0, t1, 6_000.0).unwrap();
        let cnt = m.items.len() as u64 + m.bars.iter().map(|b| b.count).sum::<u64>();
        assert_eq!(cnt, exact.len() as u64);
    }
}
