//! Text reports of a merged selection, made exactly as `rprof top` makes
//! them from files: the report options' filters, then the report.

use rprof_profile::Profile;
use rprof_report::{Report, ReportError, ReportOptions};

/// A rendered report and the notes pprof prints on stderr beside it
/// (e.g. which filters matched nothing).
#[derive(Clone, Debug, Default)]
pub struct TextReport {
    /// The report.
    pub text: String,
    /// Notes for stderr.
    pub notes: Vec<String>,
}

/// `rprof top` of `profile` with `opts` (the filters reshape `profile`).
pub fn top(profile: &mut Profile, opts: &ReportOptions) -> Result<TextReport, ReportError> {
    let applied = rprof_report::filters::apply(profile, opts)?;
    let mut r = Report::with_applied(profile, opts, &applied)?;
    let mut text = String::new();
    rprof_report::top::write_top(&mut r, &mut text);
    Ok(TextReport {
        text,
        notes: applied.notes,
    })
}
