//! [`Report`]: a profile and the resolved options of one report over it.

use crate::filters::Applied;
use crate::{ReportError, ReportOptions, value};
use rprof_profile::{Profile, measurement};

/// A profile and the resolved options of one report over it: which sample
/// value is shown (`sample_index`, `mean`), the total every percentage
/// refers to, and the unit values are printed in. Renderers take it by
/// shared reference; a report that picks its unit from the values it
/// shows uses a copy with that unit ([`Report::with_unit_for`]).
#[derive(Clone)]
pub struct Report<'p> {
    profile: &'p Profile,
    opts: ReportOptions,
    sample_index: usize,
    /// `Type:` of the header (`mean_` prefixed with `--mean`).
    sample_type: String,
    sample_unit: String,
    total: i64,
    /// `minimum` until [`Report::with_unit_for`] picks one.
    output_unit: String,
    active_filters: Vec<String>,
}

impl<'p> Report<'p> {
    /// Resolves `opts` against `profile` (pprof's `reportOptions` +
    /// `report.New`), with the total of the whole profile.
    pub fn new(profile: &'p Profile, opts: &ReportOptions) -> Result<Self, ReportError> {
        let sample_index = value::sample_index(profile, opts)?;
        let st = profile.sample_types[sample_index];
        let mut sample_type = profile.str(st.ty).to_string();
        if opts.mean {
            sample_type.insert_str(0, "mean_");
        }
        Ok(Report {
            profile,
            opts: opts.clone(),
            sample_index,
            sample_type,
            sample_unit: profile.str(st.unit).to_string(),
            total: value::total(profile, sample_index, opts.mean),
            output_unit: opts.unit.clone(),
            active_filters: Vec::new(),
        })
    }

    /// Like [`Report::new`], with the total (and active filters) that
    /// [`filters::apply`](crate::filters::apply) determined before it
    /// reshaped the profile.
    pub fn with_applied(
        profile: &'p Profile,
        opts: &ReportOptions,
        applied: &Applied,
    ) -> Result<Self, ReportError> {
        let mut r = Report::new(profile, opts)?;
        r.total = applied.total;
        r.active_filters = applied.active_filters.clone();
        Ok(r)
    }

    /// The profile reported on.
    pub fn profile(&self) -> &'p Profile {
        self.profile
    }

    /// The options, as given.
    pub fn options(&self) -> &ReportOptions {
        &self.opts
    }

    /// Index of the sample type shown.
    pub fn sample_index(&self) -> usize {
        self.sample_index
    }

    /// Whether values are divided by the count (value 0), `--mean`.
    pub fn mean(&self) -> bool {
        self.opts.mean
    }

    /// The sample type shown, `mean_`-prefixed with `--mean`.
    pub fn sample_type(&self) -> &str {
        &self.sample_type
    }

    /// The unit of the shown sample type, as written in the profile.
    pub fn sample_unit(&self) -> &str {
        &self.sample_unit
    }

    /// The denominator of every percentage (pprof's `computeTotal`).
    pub fn total(&self) -> i64 {
        self.total
    }

    /// The unit values are printed in (`minimum` until one is picked).
    pub fn output_unit(&self) -> &str {
        &self.output_unit
    }

    /// `name=value` of every active filter, for the header.
    pub fn active_filters(&self) -> &[String] {
        &self.active_filters
    }

    /// Nodes below this fraction of the total are dropped (0 untrimmed).
    pub fn node_fraction(&self) -> f64 {
        if self.opts.trim {
            self.opts.node_fraction
        } else {
            0.0
        }
    }

    /// Edges below this fraction of the total are dropped (0 untrimmed).
    pub fn edge_fraction(&self) -> f64 {
        if self.opts.trim {
            self.opts.edge_fraction
        } else {
            0.0
        }
    }

    /// The same report with trimming off (pprof's `-peek` ignores it).
    pub fn untrimmed(&self) -> Self {
        let mut r = self.clone();
        r.opts.trim = false;
        r
    }

    /// pprof's `formatValue`: scaled to the output unit, `divide_by` applied.
    pub fn format_value(&self, v: i64) -> String {
        let ratio = 1.0 / self.opts.divide_by;
        let v = if ratio > 0.0 && ratio != 1.0 {
            (v as f64 * ratio) as i64
        } else {
            v
        };
        measurement::scaled_label(v, &self.sample_unit, &self.output_unit)
    }

    /// This report with the unit pprof's `selectOutputUnit` picks for the
    /// values shown (`None`: nothing is shown; else the smallest non-zero
    /// one, see [`Graph::min_value`](crate::graph::Graph::min_value)):
    /// with `--unit=minimum`, one unit for the whole report, fine enough
    /// for the smallest value.
    pub fn with_unit_for(&self, min_value: Option<i64>) -> Self {
        self.with_unit_picked(min_value, true)
    }

    /// [`Report::with_unit_for`] for formats that print integers only
    /// (callgrind): the unit of the smallest value, never a larger one
    /// that would show it as a fraction.
    pub fn with_integer_unit_for(&self, min_value: Option<i64>) -> Self {
        self.with_unit_picked(min_value, false)
    }

    fn with_unit_picked(&self, min_value: Option<i64>, fractions: bool) -> Self {
        let mut r = self.clone();
        if let Some(unit) = min_value.and_then(|v| self.minimum_unit(v, fractions)) {
            r.output_unit = unit;
        }
        r
    }

    /// A copy with other options (same profile, sample type and total).
    pub fn with_options(&self, f: impl FnOnce(&mut ReportOptions)) -> Self {
        let mut r = self.clone();
        f(&mut r.opts);
        r
    }

    fn minimum_unit(&self, mut min_value: i64, fractions: bool) -> Option<String> {
        if self.output_unit != "minimum" {
            return None;
        }
        let mut max_value = self.total;
        if min_value == 0 {
            min_value = max_value;
        }
        let r = 1.0 / self.opts.divide_by;
        if r > 0.0 && r != 1.0 {
            min_value = (min_value as f64 * r) as i64;
            max_value = (max_value as f64 * r) as i64;
        }
        let (_, min_unit) = measurement::scale(min_value, &self.sample_unit, "minimum");
        let (_, max_unit) = measurement::scale(max_value, &self.sample_unit, "minimum");
        let mut unit = min_unit.clone();
        if fractions && min_unit != max_unit && min_value.saturating_mul(100) < max_value {
            unit = measurement::scale(min_value.wrapping_mul(100), &self.sample_unit, "minimum").1;
        }
        Some(if unit.is_empty() {
            self.sample_unit.clone()
        } else {
            unit
        })
    }
}
