//! What happens to every profile between reading and reporting, in
//! pprof's order (its driver's fetch step): give mapping-less profiles a
//! placeholder mapping, merge all sources, drop uninteresting frames.

use crate::error::MergeError;
use crate::model::{Label, Mapping, Profile, StrId};

/// Turns the profiles read from the command line into the one profile a
/// report is made from.
pub fn combine(profiles: Vec<Profile>) -> Result<Profile, MergeError> {
    combine_with_base(profiles, Vec::new(), &BaseOptions::default())
}

/// How base profiles are subtracted (pprof's `-base`, `-diff_base`,
/// `-normalize`).
#[derive(Clone, Debug, Default)]
pub struct BaseOptions {
    /// Label every base sample `pprof::base=true` (`--diff-base`): nothing
    /// cancels in the profile, and percentages refer to the base total.
    pub diff_base: bool,
    /// Scale the sources so that each sample type sums to the base's total.
    pub normalize: bool,
}

/// The label key that marks samples of a `--diff-base` profile.
pub const BASE_LABEL: &str = "pprof::base";

/// Merges the sources, then, when there are base profiles, merges them
/// too and subtracts them, in pprof's order: label (diff-base), normalize,
/// negate, merge source and base.
pub fn combine_with_base(
    sources: Vec<Profile>,
    bases: Vec<Profile>,
    opts: &BaseOptions,
) -> Result<Profile, MergeError> {
    let mut p = merge_sources(sources)?;
    if !bases.is_empty() {
        let mut base = merge_sources(bases)?;
        if opts.diff_base {
            set_label(&mut base, BASE_LABEL, "true");
        }
        if opts.normalize {
            crate::merge::normalize(&mut p, &base)?;
        }
        crate::merge::scale(&mut base, -1.0);
        p = crate::merge::merge(vec![p, base])?;
    }
    // pprof's RemoveUninteresting: drop the frames the profile's own
    // drop_frames pattern names (Go's text heap profiles set it to the
    // allocator's frames).
    crate::prune::remove_uninteresting(&mut p)?;
    Ok(p)
}

fn merge_sources(mut profiles: Vec<Profile>) -> Result<Profile, MergeError> {
    for p in &mut profiles {
        ensure_mapping(p);
    }
    crate::merge::merge(profiles)
}

/// pprof's `Profile.SetLabel` with one value: every sample gets `key` =
/// `value`, replacing any value it had for `key`.
pub fn set_label(p: &mut Profile, key: &str, value: &str) {
    let k = intern_str(p, key);
    let v = intern_str(p, value);
    let s = &mut p.samples;
    let mut labels = Vec::with_capacity(s.labels.len() + s.len());
    let mut ends = Vec::with_capacity(s.len());
    for i in 0..s.len() {
        labels.extend(s.labels(i).iter().filter(|l| l.key != k || !l.is_str()));
        labels.push(Label {
            key: k,
            str: v,
            num: 0,
            num_unit: 0,
        });
        ends.push(labels.len() as u32);
    }
    s.labels = labels;
    s.label_ends = ends;
}

/// The id of `s` in the profile's string table, appending it if absent.
fn intern_str(p: &mut Profile, s: &str) -> StrId {
    let found = p.strings.iter().position(|x| x == s);
    match found {
        Some(i) => i as StrId,
        None => p.strings.push(s),
    }
}

/// pprof gives a profile without mappings one empty mapping with id 1 and
/// points every location at it (so it can try to symbolize Go's legacy
/// profiles). It shows in `raw` output, so rprof does the same.
pub fn ensure_mapping(p: &mut Profile) {
    if !p.mappings.is_empty() {
        return;
    }
    p.mappings.push(Mapping {
        id: 1,
        ..Mapping::default()
    });
    for l in &mut p.locations {
        l.mapping = Some(0);
    }
}
