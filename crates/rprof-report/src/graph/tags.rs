//! Label tags of nodes (pprof's `LabelTags` and `NumericTags`): the
//! nodelets the DOT graph hangs under each node.

use super::{Graph, Node, NodeKeys, per_divisor};
use crate::Report;
use rprof_profile::measurement;
use std::cmp::Ordering;
use std::collections::HashMap;

/// pprof's `Tag`: a label value attached to a node, with the share of the
/// node's flat and cum values carried by samples with that label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// The label set (`key:value` lines joined by a literal `\n`) for
    /// label tags; the formatted value for numeric tags.
    pub name: String,
    /// Unit of a numeric tag, `""` for a label tag.
    pub unit: String,
    /// Numeric value of a numeric tag (the first one seen with this name).
    pub value: i64,
    /// The node's flat value carried by samples with this tag.
    pub flat: i64,
    /// Its mean divisor.
    pub flat_div: i64,
    /// The node's cum value carried by samples with this tag.
    pub cum: i64,
    /// Its mean divisor.
    pub cum_div: i64,
}

impl Tag {
    /// Flat value, as a mean when a divisor is known.
    pub fn flat_value(&self) -> i64 {
        per_divisor(self.flat, self.flat_div)
    }

    /// Cumulative value, as a mean when a divisor is known.
    pub fn cum_value(&self) -> i64 {
        per_divisor(self.cum, self.cum_div)
    }
}

/// pprof's `SortTags`: heaviest first (by |cum| unless `flat`, then by
/// |flat|), then by name. Completed to a total order for equal names.
pub fn sort_tags(tags: &mut [Tag], flat: bool) {
    tags.sort_by(|a, b| {
        let by_cum = if !flat && a.cum != b.cum {
            b.cum.wrapping_abs().cmp(&a.cum.wrapping_abs())
        } else {
            Ordering::Equal
        };
        by_cum
            .then_with(|| {
                if a.flat != b.flat {
                    b.flat.wrapping_abs().cmp(&a.flat.wrapping_abs())
                } else {
                    Ordering::Equal
                }
            })
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| b.cum.cmp(&a.cum))
            .then_with(|| b.flat.cmp(&a.flat))
            .then_with(|| a.value.cmp(&b.value))
    });
}

/// What every sample contributes to node tags, computed once per report:
/// its label set (pprof's `joinLabels`, without `pprof::base`) and its
/// `bytes` numeric labels, formatted as pprof's report formats them
/// (`ScaledLabel(v, unit, outputUnit)` with the output unit as it is before
/// the report selects one). Other numeric labels are ignored, as pprof's
/// `Report.newGraph` drops them.
///
/// Samples with the same label set and the same `bytes` values share a
/// signature; tags are summed per signature group (one walk over the
/// stacks, like the graph build) and only then spread over the tags of
/// the group, instead of once per tag, node and sample as pprof does.
pub struct SampleTags {
    /// Interned tag names; 0 is `""`.
    names: Vec<String>,
    /// Signatures: label set and `(name, value)` of each `bytes` label;
    /// signature 0 is "no tag at all".
    sigs: Vec<(u32, Vec<(u32, i64)>)>,
    /// Sample indices grouped by signature (profile order within a group):
    /// `order[group_ends[g-1]..group_ends[g]]` have signature `g + 1`.
    order: Vec<u32>,
    group_ends: Vec<u32>,
    unit: String,
}

impl SampleTags {
    /// The tags of every sample of `r`'s profile; `None` when no sample
    /// has a label that makes a tag.
    pub fn new(r: &Report) -> Option<SampleTags> {
        use rprof_profile::filter::{LabelKind, label_kind};
        let p = r.profile();
        let s = &p.samples;
        if !s.has_labels() {
            return None;
        }
        let units = p.num_label_units();
        let unit = units
            .get("bytes")
            .cloned()
            .unwrap_or_else(|| "bytes".to_string());
        let mut names = vec![String::new()];
        let mut name_ids: HashMap<String, u32> = HashMap::new();
        name_ids.insert(String::new(), 0);
        let mut intern = |names: &mut Vec<String>, s: String| -> u32 {
            if let Some(&i) = name_ids.get(&s) {
                return i;
            }
            let i = names.len() as u32;
            names.push(s.clone());
            name_ids.insert(s, i);
            i
        };
        let mut sigs: Vec<(u32, Vec<(u32, i64)>)> = vec![(0, Vec::new())];
        let mut sig_ids: HashMap<(u32, Vec<(u32, i64)>), u32> = HashMap::new();
        let mut sample_sig: Vec<u32> = Vec::with_capacity(s.len());
        let mut parts: Vec<String> = Vec::new();
        let mut nums: Vec<(u32, i64)> = Vec::new();
        for i in 0..s.len() {
            parts.clear();
            nums.clear();
            for l in s.labels(i) {
                match label_kind(l) {
                    LabelKind::Str => {
                        let key = p.str(l.key);
                        if key != "pprof::base" {
                            parts.push(format!("{key}:{}", p.str(l.str)));
                        }
                    }
                    LabelKind::Num if p.str(l.key) == "bytes" => {
                        let name = measurement::scaled_label(l.num, &unit, r.output_unit());
                        nums.push((intern(&mut names, name), l.num));
                    }
                    _ => {}
                }
            }
            let set = if parts.is_empty() {
                0
            } else {
                parts.sort();
                intern(&mut names, parts.join("\\n"))
            };
            let sig = if set == 0 && nums.is_empty() {
                0
            } else {
                let key = (set, nums.clone());
                *sig_ids.entry(key.clone()).or_insert_with(|| {
                    sigs.push(key);
                    (sigs.len() - 1) as u32
                })
            };
            sample_sig.push(sig);
        }
        if sigs.len() == 1 {
            return None;
        }
        // Counting sort of the tagged samples by signature.
        let mut group_ends = vec![0u32; sigs.len() - 1];
        for &g in &sample_sig {
            if g != 0 {
                group_ends[g as usize - 1] += 1;
            }
        }
        let mut next = Vec::with_capacity(group_ends.len());
        let mut acc = 0u32;
        for e in group_ends.iter_mut() {
            next.push(acc);
            acc += *e;
            *e = acc;
        }
        let mut order = vec![0u32; acc as usize];
        for (i, &g) in sample_sig.iter().enumerate() {
            if g != 0 {
                let at = &mut next[g as usize - 1];
                order[*at as usize] = i as u32;
                *at += 1;
            }
        }
        Some(SampleTags {
            names,
            sigs,
            order,
            group_ends,
            unit,
        })
    }
}

#[derive(Clone, Copy)]
struct TagSums {
    /// Index of the first sample that made the tag, and its value.
    first: u32,
    value: i64,
    flat: i64,
    flat_div: i64,
    cum: i64,
    cum_div: i64,
}

impl TagSums {
    fn new() -> Self {
        TagSums {
            first: u32::MAX,
            value: 0,
            flat: 0,
            flat_div: 0,
            cum: 0,
            cum_div: 0,
        }
    }

    fn add(&mut self, o: &TagSums) {
        self.flat += o.flat;
        self.flat_div += o.flat_div;
        self.cum += o.cum;
        self.cum_div += o.cum_div;
    }
}

/// Tag sums of one graph build, keyed by node key id.
pub(super) struct TagAcc {
    /// (node, label set) -> sums.
    label: HashMap<(u32, u32), TagSums>,
    /// (node, label set, name) -> sums and value.
    num: HashMap<(u32, u32, u32), TagSums>,
}

/// The tags of every node (pprof's `Node.addSample`, for the tags):
/// per signature group, flat and cum of each node over the group's
/// samples, walked exactly as [`build`](super::build) walks them.
pub(super) fn collect(
    r: &Report,
    keys: &NodeKeys,
    kept: Option<&[bool]>,
    t: &SampleTags,
) -> TagAcc {
    let s = &r.profile().samples;
    let n = keys.len();
    let mut acc = TagAcc {
        label: HashMap::new(),
        num: HashMap::new(),
    };
    let mut sums = vec![TagSums::new(); n];
    let mut seen = vec![0u32; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut generation = 0u32;
    let mut start = 0usize;
    for (g, &end) in t.group_ends.iter().enumerate() {
        touched.clear();
        for &i in &t.order[start..end as usize] {
            let i = i as usize;
            let w = s.value(i, r.sample_index());
            let dw = if r.mean() { s.value(i, 0) } else { 0 };
            if dw == 0 && w == 0 {
                continue;
            }
            generation += 1;
            let mut leaf: Option<u32> = None;
            let mut residual = false;
            for &loc in s.stack(i).iter().rev() {
                for &node in keys.of_location(loc).iter().rev() {
                    if kept.is_some_and(|k| !k[node as usize]) {
                        residual = true;
                        continue;
                    }
                    let nu = node as usize;
                    if seen[nu] != generation {
                        seen[nu] = generation;
                        let sm = &mut sums[nu];
                        if sm.first == u32::MAX {
                            sm.first = i as u32;
                            touched.push(node);
                        }
                        sm.cum += w;
                        sm.cum_div += dw;
                    }
                    leaf = Some(node);
                    residual = false;
                }
            }
            if let Some(leaf) = leaf
                && !residual
            {
                sums[leaf as usize].flat += w;
                sums[leaf as usize].flat_div += dw;
            }
        }
        start = end as usize;
        let (set, nums) = &t.sigs[g + 1];
        for &node in &touched {
            let sm = std::mem::replace(&mut sums[node as usize], TagSums::new());
            if *set != 0 {
                acc.label
                    .entry((node, *set))
                    .or_insert_with(TagSums::new)
                    .add(&sm);
            }
            for &(name, v) in nums {
                let cell = acc
                    .num
                    .entry((node, *set, name))
                    .or_insert_with(TagSums::new);
                cell.add(&sm);
                // The value of the sample that created the tag; within
                // one sample, the first label with this name.
                if sm.first < cell.first {
                    cell.first = sm.first;
                    cell.value = v;
                }
            }
        }
    }
    acc
}

impl TagAcc {
    /// Moves the sums onto the nodes of the graph (`slot[key]`).
    pub(super) fn attach(self, t: &SampleTags, slot: &[u32], nodes: &mut [Node]) {
        let tag = |name: u32, unit: &str, s: &TagSums| Tag {
            name: t.names[name as usize].clone(),
            unit: unit.to_string(),
            value: s.value,
            flat: s.flat,
            flat_div: s.flat_div,
            cum: s.cum,
            cum_div: s.cum_div,
        };
        for ((node, set), s) in &self.label {
            if let Some(&sl) = slot.get(*node as usize)
                && sl != u32::MAX
            {
                nodes[sl as usize].label_tags.push(tag(*set, "", s));
            }
        }
        let mut groups: HashMap<(u32, u32), Vec<Tag>> = HashMap::new();
        for ((node, set, name), s) in &self.num {
            if let Some(&sl) = slot.get(*node as usize)
                && sl != u32::MAX
            {
                groups
                    .entry((sl, *set))
                    .or_default()
                    .push(tag(*name, &t.unit, s));
            }
        }
        for ((sl, set), tags) in groups {
            nodes[sl as usize]
                .numeric_tags
                .push((t.names[set as usize].clone(), tags));
        }
        for n in nodes.iter_mut() {
            n.label_tags.sort_by(|a, b| a.name.cmp(&b.name));
            n.numeric_tags.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, tags) in &mut n.numeric_tags {
                tags.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
    }
}

/// pprof's `TrimLowFrequencyTags`: keeps tags with |flat| or |cum| at
/// least `cutoff`.
pub fn trim_low_frequency_tags(g: &mut Graph, cutoff: i64) {
    let keep = |t: &Tag| t.flat.wrapping_abs() >= cutoff || t.cum.wrapping_abs() >= cutoff;
    for n in &mut g.nodes {
        n.label_tags.retain(keep);
        for (_, tags) in &mut n.numeric_tags {
            tags.retain(keep);
        }
    }
}

/// pprof's `countTags`: tags with a non-zero flat value.
pub(super) fn count_tags(n: &Node) -> usize {
    n.label_tags.iter().filter(|t| t.flat != 0).count()
        + n.numeric_tags
            .iter()
            .flat_map(|(_, ts)| ts.iter())
            .filter(|t| t.flat != 0)
            .count()
}
