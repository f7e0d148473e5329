//! Which sample value a report shows, and the total every percentage
//! refers to: shared by [`Report`](crate::Report) and the
//! [`filters`](crate::filters), which fix the total before (or, with
//! relative percentages, after) they reshape the profile.

use crate::{ReportError, ReportOptions};
use rprof_profile::Profile;

/// The index of the sample type `opts` asks for (pprof's
/// `sampleIndex`), after the checks pprof's `report.New` makes first.
pub(crate) fn sample_index(p: &Profile, opts: &ReportOptions) -> Result<usize, ReportError> {
    if p.sample_types.is_empty() {
        return Err(ReportError::NoSampleTypes);
    }
    if opts.divide_by == 0.0 {
        return Err(ReportError::ZeroDivisor);
    }
    Ok(p.sample_index(&opts.sample_index)?)
}

/// pprof's `computeTotal`: the sum of |value| over all samples, or over
/// the `pprof::base` samples alone when there are any (`--diff-base`),
/// divided by the summed mean divisor with `--mean`.
pub(crate) fn total(p: &Profile, sample_index: usize, mean: bool) -> i64 {
    let s = &p.samples;
    let base_key = p
        .strings
        .iter()
        .position(|x| x == rprof_profile::BASE_LABEL)
        .map(|i| i as u32);
    let (mut div, mut total, mut diff_div, mut diff_total) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..s.len() {
        let v = s.value(i, sample_index).abs();
        let d = if mean { s.value(i, 0) } else { 0 };
        total += v;
        div += d;
        if let Some(k) = base_key
            && s.labels(i)
                .iter()
                .any(|l| l.key == k && p.str(l.str) == "true")
        {
            diff_total += v;
            diff_div += d;
        }
    }
    if diff_total > 0 {
        total = diff_total;
        div = diff_div;
    }
    if div != 0 { total / div } else { total }
}
