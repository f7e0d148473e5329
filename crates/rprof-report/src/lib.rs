//! # rprof-report: pprof's reports over the rprof profile model
//!
//! Architecture: a [`Report`] is a profile plus resolved
//! [`ReportOptions`]: which sample value is shown (`--sample-index`,
//! `--mean`), the total every percentage refers to, the output unit. The
//! text reports are one module each and print exactly what `go tool pprof`
//! prints for the same input and options:
//!
//! - [`top`] (`-top`): the flat/cum table, built from the trimmed
//!   [`graph`] (pprof's `graph.New` + `newTrimmedGraph`, on integer node
//!   ids).
//! - [`traces`] (`-traces`): every sample's stack, unaggregated.
//! - [`raw`] (`-raw`): the debug dump of the profile itself.
//!
//! [`header`] holds the header lines the reports share (File, Type, Time,
//! Duration, "Showing nodes accounting for…"). The crate never prints to
//! the terminal and knows nothing about command lines: reports write into
//! a `String` and the binary decides where it goes.

pub mod diff;
pub mod dot;
pub mod dotlabel;
pub mod filters;
pub use rprof_profile::gomath;
pub mod graph;
pub mod header;
pub mod options;
pub mod pipeline;
pub mod raw;
pub mod svg;
pub mod tags;
pub mod timefmt;
pub mod top;
pub mod traces;
pub mod tree;

pub use options::{Granularity, ReportOptions, defaults};

use rprof_profile::measurement;
use rprof_profile::{Profile, SampleIndexError};

/// Why a report cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("{0}")]
    SampleIndex(#[from] SampleIndexError),
    #[error("profile has no samples")]
    NoSampleTypes,
    #[error("zero divisor specified")]
    ZeroDivisor,
    /// A report option whose value cannot be used.
    #[error("--{option}: {message}")]
    Option {
        option: &'static str,
        message: String,
    },
}

/// A profile and the resolved options of one report over it.
pub struct Report<'p> {
    pub profile: &'p Profile,
    pub opts: ReportOptions,
    /// Index of the sample type shown.
    pub sample_index: usize,
    /// Divide by value 0 (`--mean`).
    pub mean: bool,
    /// `Type:` of the header (`mean_` prefixed with `--mean`).
    pub sample_type: String,
    /// Unit of the shown sample type, as written in the profile.
    pub sample_unit: String,
    /// The denominator of every percentage (pprof's `computeTotal`).
    pub total: i64,
    /// The unit values are printed in; `minimum` until a report picks one.
    pub output_unit: String,
    /// `1 / divide_by`.
    pub ratio: f64,
    pub node_fraction: f64,
    pub edge_fraction: f64,
    /// `name=value` of every active filter, for the header.
    pub active_filters: Vec<String>,
}

impl<'p> Report<'p> {
    /// Resolves `opts` against `profile` (pprof's `reportOptions` +
    /// `report.New`).
    pub fn new(profile: &'p Profile, opts: &ReportOptions) -> Result<Self, ReportError> {
        if profile.sample_types.is_empty() {
            return Err(ReportError::NoSampleTypes);
        }
        if opts.divide_by == 0.0 {
            return Err(ReportError::ZeroDivisor);
        }
        let sample_index = profile.sample_index(&opts.sample_index)?;
        let st = profile.sample_types[sample_index];
        let mut sample_type = profile.str(st.ty).to_string();
        if opts.mean {
            sample_type.insert_str(0, "mean_");
        }
        let (node_fraction, edge_fraction) = if opts.trim {
            (opts.node_fraction, opts.edge_fraction)
        } else {
            (0.0, 0.0)
        };
        let mut r = Report {
            profile,
            opts: opts.clone(),
            sample_index,
            mean: opts.mean,
            sample_type,
            sample_unit: profile.str(st.unit).to_string(),
            total: 0,
            output_unit: opts.unit.clone(),
            ratio: 1.0 / opts.divide_by,
            node_fraction,
            edge_fraction,
            active_filters: Vec::new(),
        };
        r.total = r.compute_total();
        Ok(r)
    }

    /// Like [`Report::new`], with the total (and active filters) that
    /// [`filters::apply`] determined before it reshaped the profile.
    pub fn with_applied(
        profile: &'p Profile,
        opts: &ReportOptions,
        applied: &filters::Applied,
    ) -> Result<Self, ReportError> {
        let mut r = Report::new(profile, opts)?;
        r.total = applied.total;
        r.active_filters = applied.active_filters.clone();
        Ok(r)
    }

    /// pprof's `computeTotal`: the sum of |value| over all samples, or over
    /// the `pprof::base` samples alone when there are any (`--diff-base`),
    /// divided by the summed mean divisor with `--mean`.
    fn compute_total(&self) -> i64 {
        let p = self.profile;
        let s = &p.samples;
        let base_key = p
            .strings
            .iter()
            .position(|x| x == "pprof::base")
            .map(|i| i as u32);
        let (mut div, mut total, mut diff_div, mut diff_total) = (0i64, 0i64, 0i64, 0i64);
        for i in 0..s.len() {
            let v = s.value(i, self.sample_index).abs();
            let d = if self.mean { s.value(i, 0) } else { 0 };
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

    /// pprof's `formatValue`: scaled to the output unit, `divide_by` applied.
    pub fn format_value(&self, v: i64) -> String {
        let v = if self.ratio > 0.0 && self.ratio != 1.0 {
            (v as f64 * self.ratio) as i64
        } else {
            v
        };
        measurement::scaled_label(v, &self.sample_unit, &self.output_unit)
    }

    /// pprof's `selectOutputUnit`: with `--unit=minimum`, one unit for the
    /// whole report, fine enough for the smallest value shown.
    pub fn select_output_unit(&mut self, g: &graph::Graph) {
        if self.output_unit != "minimum" || g.nodes.is_empty() {
            return;
        }
        let mut min_value = 0i64;
        for n in &g.nodes {
            let mut node_min = n.flat_value().abs();
            if node_min == 0 {
                node_min = n.cum_value().abs();
            }
            if node_min > 0 && (min_value == 0 || node_min < min_value) {
                min_value = node_min;
            }
        }
        let mut max_value = self.total;
        if min_value == 0 {
            min_value = max_value;
        }
        let r = self.ratio;
        if r > 0.0 && r != 1.0 {
            min_value = (min_value as f64 * r) as i64;
            max_value = (max_value as f64 * r) as i64;
        }
        let (_, min_unit) = measurement::scale(min_value, &self.sample_unit, "minimum");
        let (_, max_unit) = measurement::scale(max_value, &self.sample_unit, "minimum");
        let mut unit = min_unit.clone();
        if min_unit != max_unit && min_value.saturating_mul(100) < max_value {
            unit = measurement::scale(min_value.wrapping_mul(100), &self.sample_unit, "minimum").1;
        }
        self.output_unit = if unit.is_empty() {
            self.sample_unit.clone()
        } else {
            unit
        };
    }

    /// The node keys for this report's granularity.
    pub fn node_keys(&self) -> graph::NodeKeys<'p> {
        graph::NodeKeys::new(
            self.profile,
            graph::KeyOptions::for_granularity(
                self.opts.granularity,
                self.opts.no_inlines,
                self.opts.show_columns,
            ),
        )
    }
}
