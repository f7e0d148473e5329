//! Why a report cannot be made.

use rprof_profile::SampleIndexError;
use rprof_profile::tagfilter::TagFilterError;

/// Why a report cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The sample index names no sample type of the profile.
    #[error("{0}")]
    SampleIndex(#[from] SampleIndexError),
    /// The profile has no sample types at all.
    #[error("profile has no samples")]
    NoSampleTypes,
    /// Values cannot be divided by zero (`divide_by`).
    #[error("zero divisor specified")]
    ZeroDivisor,
    /// A tag filter option (`tagfocus`, `tagignore`) cannot be parsed.
    #[error("{option}: {error}")]
    TagFilter {
        /// The option, by pprof's name.
        option: &'static str,
        /// What is wrong with its value.
        #[source]
        error: TagFilterError,
    },
}
