//! The report options that reshape the profile itself, applied in pprof's
//! order (its driver's `generateRawReport` and `applyFocus`):
//!
//! 1. the units of numeric labels are noted (before anything changes);
//! 2. `--tagroot` / `--tagleaf` add pseudo frames, so filters can see them;
//! 3. the total is taken — after the filters with
//!    `--relative-percentages`, before them otherwise, which is why a
//!    focused report still shows percentages of the whole profile;
//! 4. focus/ignore/hide/show in one pass, then show_from, then
//!    tagfocus/tagignore, then tagshow/taghide, then prune_from.
//!
//! Each filter that matches nothing yields pprof's warning, and every
//! active filter a `name=value` line for the report header.

use crate::{ReportError, ReportOptions, value};
use rprof_profile::Profile;
use rprof_profile::filter::{self, compile_pattern};
use rprof_profile::tagfilter::{self, TagFilter};

/// What applying the options did, for the caller to show.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// The denominator of every percentage.
    pub total: i64,
    /// Warnings and notes for the user.
    pub notes: Vec<Note>,
    /// `name=value` of every active filter, for the header.
    pub active_filters: Vec<String>,
}

/// A warning or note about the options, for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// One of pprof's warnings, in its words ("Focus expression matched
    /// no samples").
    Pprof(String),
    /// rprof matches a pattern that is no regular expression as literal
    /// text, where pprof would stop.
    Literal {
        /// The option, by pprof's name (`focus`, `show-from`).
        option: &'static str,
        /// The pattern, and why Go refuses it.
        pattern: filter::LiteralPattern,
    },
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::Pprof(s) => f.write_str(s),
            Note::Literal { option, pattern } => write!(
                f,
                "{option}: {:?} is not a valid regular expression ({}); matching it as literal text",
                pattern.pattern,
                pattern.reason.reason()
            ),
        }
    }
}

/// Applies the reshaping options of `opts` to `p`, in place.
pub fn apply(p: &mut Profile, opts: &ReportOptions) -> Result<Applied, ReportError> {
    let mut out = Applied::default();
    let units = p.num_label_units();
    if !opts.tagroot.is_empty() || !opts.tagleaf.is_empty() {
        let (root, leaf) = filter::add_label_nodes(p, &opts.tagroot, &opts.tagleaf, &opts.unit);
        if !opts.tagroot.is_empty() && !root {
            out.notes
                .push(Note::Pprof("TagRoot expression matched no samples".into()));
        }
        if !opts.tagleaf.is_empty() && !leaf {
            out.notes
                .push(Note::Pprof("TagLeaf expression matched no samples".into()));
        }
    }
    let index = value::sample_index(p, opts)?;
    if opts.relative_percentages {
        focus(p, opts, &units, &mut out)?;
        out.total = value::total(p, index, opts.mean);
    } else {
        out.total = value::total(p, index, opts.mean);
        focus(p, opts, &units, &mut out)?;
    }
    for (name, v) in [
        ("focus", &opts.focus),
        ("ignore", &opts.ignore),
        ("hide", &opts.hide),
        ("show", &opts.show),
        ("show_from", &opts.show_from),
        ("tagfocus", &opts.tagfocus),
        ("tagignore", &opts.tagignore),
        ("tagshow", &opts.tagshow),
        ("taghide", &opts.taghide),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            out.active_filters.push(format!("{name}={v}"));
        }
    }
    Ok(out)
}

/// Whether `opts` change the profile itself (filters, label pseudo
/// frames); when they do not, [`apply_none`] gives what [`apply`] would,
/// without a mutable profile.
pub fn reshapes(opts: &ReportOptions) -> bool {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    [
        &opts.focus,
        &opts.ignore,
        &opts.hide,
        &opts.show,
        &opts.show_from,
        &opts.prune_from,
        &opts.tagfocus,
        &opts.tagignore,
        &opts.tagshow,
        &opts.taghide,
    ]
    .into_iter()
    .any(set)
        || !opts.tagroot.is_empty()
        || !opts.tagleaf.is_empty()
}

/// [`apply`] for options that do not [reshape](reshapes) the profile:
/// only the total (and the same errors for a bad sample index).
pub fn apply_none(p: &Profile, opts: &ReportOptions) -> Result<Applied, ReportError> {
    debug_assert!(!reshapes(opts));
    let index = value::sample_index(p, opts)?;
    Ok(Applied {
        total: value::total(p, index, opts.mean),
        ..Applied::default()
    })
}

/// pprof's `applyFocus`.
fn focus(
    p: &mut Profile,
    opts: &ReportOptions,
    units: &std::collections::HashMap<String, String>,
    out: &mut Applied,
) -> Result<(), ReportError> {
    let mut re = |option: &'static str, v: &Option<String>| {
        v.as_deref().filter(|v| !v.is_empty()).map(|v| {
            let (re, literal) = compile_pattern(v);
            out.notes
                .extend(literal.map(|pattern| Note::Literal { option, pattern }));
            re
        })
    };
    let (f, i, h, s) = (
        re("focus", &opts.focus),
        re("ignore", &opts.ignore),
        re("hide", &opts.hide),
        re("show", &opts.show),
    );
    let show_from = re("show-from", &opts.show_from);
    let tagshow = re("tagshow", &opts.tagshow);
    let taghide = re("taghide", &opts.taghide);
    let prune_from = re("prune-from", &opts.prune_from);
    let mut tag =
        |name: &'static str, v: &Option<String>| -> Result<Option<TagFilter>, ReportError> {
            match v.as_deref().filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => {
                    let (tf, note) =
                        TagFilter::parse(v, units).map_err(|error| ReportError::TagFilter {
                            option: name,
                            error,
                        })?;
                    out.notes
                        .extend(note.map(|n| Note::Pprof(format!("{name}:{n}"))));
                    Ok(Some(tf))
                }
            }
        };
    let tagfocus = tag("tagfocus", &opts.tagfocus)?;
    let tagignore = tag("tagignore", &opts.tagignore)?;

    let m = filter::filter_samples_by_name(p, f.as_ref(), i.as_ref(), h.as_ref(), s.as_ref());
    warn(f.is_some() && !m.focus, "Focus", out);
    warn(i.is_some() && !m.ignore, "Ignore", out);
    warn(h.is_some() && !m.hide, "Hide", out);
    warn(s.is_some() && !m.show, "Show", out);
    if let Some(sf) = &show_from {
        let matched = filter::show_from(p, sf);
        warn(!matched, "ShowFrom", out);
    }
    if tagfocus.is_some() || tagignore.is_some() {
        let (fm, im) = tagfilter::filter_samples_by_tag(p, tagfocus.as_ref(), tagignore.as_ref());
        warn(tagfocus.is_some() && !fm, "TagFocus", out);
        warn(tagignore.is_some() && !im, "TagIgnore", out);
    }
    if tagshow.is_some() || taghide.is_some() {
        let (sm, hm) = filter::filter_tags_by_name(p, tagshow.as_ref(), taghide.as_ref());
        warn(tagshow.is_some() && !sm, "TagShow", out);
        warn(taghide.is_some() && !hm, "TagHide", out);
    }
    if let Some(pf) = &prune_from {
        filter::prune_from(p, pf);
    }
    Ok(())
}

fn warn(cond: bool, what: &str, out: &mut Applied) {
    if cond {
        out.notes
            .push(Note::Pprof(format!("{what} expression matched no samples")));
    }
}
