//! What happens to every profile between reading and reporting, in
//! pprof's order (its driver's fetch step): give mapping-less profiles a
//! placeholder mapping, merge all sources, drop uninteresting frames.

use crate::error::MergeError;
use crate::model::{Mapping, Profile};

/// Turns the profiles read from the command line into the one profile a
/// report is made from.
pub fn combine(mut profiles: Vec<Profile>) -> Result<Profile, MergeError> {
    for p in &mut profiles {
        ensure_mapping(p);
    }
    let p = crate::merge::merge(profiles)?;
    Ok(p)
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
