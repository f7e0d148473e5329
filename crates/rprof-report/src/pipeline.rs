//! The one path from input bytes to a report, built in one place.
//!
//! ```text
//! Input (name + bytes) ──read──► Profile ──merge, subtract bases──► Profile
//!     ──prepare: filters, pseudo frames, total──► Prepared ──report──► Report
//! ```
//!
//! A [`Pipeline`] is plain data: how inputs are read ([`ReadOptions`]), how
//! bases are subtracted ([`BaseOptions`]) and what the report shows
//! ([`ReportOptions`]). The command line builds one per run; a server
//! builds one per request and keeps the loaded [`Profile`] between them,
//! since [`Pipeline::prepare`] consumes a copy and leaves the loaded
//! profile as it was.
//!
//! Where the bytes come from (a file, a URL, stdin) is the caller's
//! business: this crate does no I/O of its own (a gzip stream is read
//! from the caller's reader). Every error names the input it is
//! about, as the user wrote it.

use crate::filters::{self, Applied};
use crate::{Report, ReportError, ReportOptions};
use rayon::prelude::*;
use rprof_profile::{BaseOptions, GzipStream, MergeError, ParseError, Profile, ReadOptions};
use std::sync::Arc;

/// One input and the name it is shown by (a path or a URL, as given):
/// its bytes, a gzip stream to inflate as it is read, or the profile
/// already read (a fetched body is parsed once, to be validated before
/// it is saved).
#[derive(Debug)]
pub struct Input {
    /// How errors name this input.
    pub name: String,
    /// The input itself.
    pub content: Content,
}

/// What an [`Input`] holds.
#[derive(Debug)]
pub enum Content {
    /// The input as read: gzipped or not, protobuf or text.
    Bytes(Vec<u8>),
    /// A gzipped input, read as it is inflated (a big file: see
    /// [`GzipStream`]).
    Gzip(GzipStream<Box<dyn std::io::BufRead + Send>>),
    /// The profile, read already (with the pipeline's read options).
    Parsed(Box<Profile>),
}

impl Input {
    /// An input of raw bytes.
    pub fn bytes(name: impl Into<String>, data: Vec<u8>) -> Self {
        Input {
            name: name.into(),
            content: Content::Bytes(data),
        }
    }

    /// A gzipped input to inflate as it is read.
    pub fn gzip(
        name: impl Into<String>,
        stream: GzipStream<Box<dyn std::io::BufRead + Send>>,
    ) -> Self {
        Input {
            name: name.into(),
            content: Content::Gzip(stream),
        }
    }

    /// An input already read.
    pub fn parsed(name: impl Into<String>, profile: Profile) -> Self {
        Input {
            name: name.into(),
            content: Content::Parsed(Box::new(profile)),
        }
    }
}

/// Everything a report run needs to know, as plain data.
#[derive(Clone, Debug, Default)]
pub struct Pipeline {
    /// How each input is read (gzip-bomb limits, read-ahead).
    pub read: ReadOptions,
    /// How base profiles are subtracted from the sources.
    pub base: BaseOptions,
    /// What the report shows, and the filters that reshape the profile.
    pub report: ReportOptions,
}

/// Why a pipeline stage failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// An input is not a readable profile.
    #[error("{name}: {error}")]
    Read {
        /// The input, as given.
        name: String,
        /// What is wrong with it.
        #[source]
        error: ParseError,
    },
    /// The inputs could not be merged (or a base subtracted).
    #[error("{names}: {error}")]
    Combine {
        /// The inputs involved, comma-separated.
        names: String,
        /// Why they do not combine.
        #[source]
        error: MergeError,
    },
    /// Normalising needs a base profile to scale to.
    #[error("normalizing needs a base profile")]
    NormalizeWithoutBase,
    /// The report options do not fit the profile.
    #[error(transparent)]
    Report(#[from] ReportError),
}

impl Pipeline {
    /// Reads one input.
    pub fn read(&self, input: Input) -> Result<Profile, PipelineError> {
        let read = match input.content {
            Content::Parsed(p) => return Ok(*p),
            Content::Bytes(data) => rprof_profile::parse_with(&data, &self.read),
            Content::Gzip(stream) => rprof_profile::parse_gzip_stream(stream, &self.read),
        };
        read.map_err(|error| PipelineError::Read {
            name: input.name,
            error,
        })
    }

    /// Reads the inputs in parallel and merges them as pprof does, without
    /// subtracting anything (each side of a comparison drawn from both).
    pub fn merge(&self, inputs: Vec<Input>) -> Result<Profile, PipelineError> {
        let names = names(&inputs);
        let profiles = self.read_all(inputs)?;
        rprof_profile::combine(profiles).map_err(|error| PipelineError::Combine { names, error })
    }

    /// Reads sources and bases in parallel, merges each side and subtracts
    /// the bases as [`Pipeline::base`] says (pprof's `-base`,
    /// `-diff_base`, `-normalize`).
    pub fn load(&self, sources: Vec<Input>, bases: Vec<Input>) -> Result<Profile, PipelineError> {
        if self.base.normalize && bases.is_empty() {
            return Err(PipelineError::NormalizeWithoutBase);
        }
        let names = [names(&sources), names(&bases)]
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let (sources_read, bases_read) =
            rayon::join(|| self.read_all(sources), || self.read_all(bases));
        rprof_profile::combine_with_base(sources_read?, bases_read?, &self.base)
            .map_err(|error| PipelineError::Combine { names, error })
    }

    /// Applies the report options that reshape the profile (filters,
    /// pseudo frames) in pprof's order, and fixes the total every
    /// percentage refers to.
    pub fn prepare(&self, profile: Profile) -> Result<Prepared, PipelineError> {
        self.prepare_shared(Arc::new(profile))
    }

    /// [`Pipeline::prepare`] for a profile that stays loaded (a server's):
    /// it is copied only when an option reshapes it, and shared otherwise
    /// (on a big profile the copy would be most of a request's time and
    /// memory).
    pub fn prepare_shared(&self, profile: Arc<Profile>) -> Result<Prepared, PipelineError> {
        let opts = &self.report;
        let (profile, applied) = if filters::reshapes(opts) {
            let mut own = Arc::unwrap_or_clone(profile);
            let applied = filters::apply(&mut own, opts)?;
            (Arc::new(own), applied)
        } else {
            let applied = filters::apply_none(&profile, opts)?;
            (profile, applied)
        };
        Ok(Prepared {
            profile,
            applied,
            opts: opts.clone(),
        })
    }

    fn read_all(&self, inputs: Vec<Input>) -> Result<Vec<Profile>, PipelineError> {
        inputs.into_par_iter().map(|i| self.read(i)).collect()
    }
}

fn names(inputs: &[Input]) -> String {
    inputs
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A profile reshaped by a report's options, ready for any report.
#[derive(Clone)]
pub struct Prepared {
    profile: Arc<Profile>,
    applied: Applied,
    opts: ReportOptions,
}

impl Prepared {
    /// The reshaped profile (what `proto` writes).
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The reshaped profile, taken out (copied if it is shared).
    pub fn into_profile(self) -> Profile {
        Arc::unwrap_or_clone(self.profile)
    }

    /// The options it was prepared with.
    pub fn options(&self) -> &ReportOptions {
        &self.opts
    }

    /// pprof's warnings and rprof's notes about the filters ("Focus
    /// expression matched no samples", literal patterns).
    pub fn notes(&self) -> &[filters::Note] {
        &self.applied.notes
    }

    /// A report over the prepared profile, with the total and the active
    /// filters the preparation determined.
    pub fn report(&self) -> Result<Report<'_>, ReportError> {
        self.report_with(&self.opts)
    }

    /// A report with other display options (granularity, sort, unit,
    /// node count) over the same prepared profile and total; the
    /// options that reshape the profile are the prepared ones.
    pub fn report_with(&self, opts: &ReportOptions) -> Result<Report<'_>, ReportError> {
        Report::with_applied(&self.profile, opts, &self.applied)
    }
}
