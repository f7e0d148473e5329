//! pprof's `-tagfocus` / `-tagignore`: the value syntax
//! (`compileTagFilter` and `parseTagFilterRange` in pprof's
//! `internal/driver/driver_focus.go`) and the sample filter
//! (`Profile.FilterSamplesByTag`).
//!
//! A value is `[key=]filter`. A filter that reads as a numeric range
//! matches numeric labels:
//!
//! | filter      | matches label values     |
//! |-------------|--------------------------|
//! | `32kb`      | equal to 32 kB           |
//! | `:64kb`     | at most 64 kB            |
//! | `4mb:`      | at least 4 MB            |
//! | `12kb:64mb` | from 12 kB to 64 MB      |
//!
//! Values are compared in the filter's unit, converted from the label's
//! unit (the unit pprof identified for the label key, see
//! [`TagFilter::parse`]); a label whose unit is not of the same family
//! (memory, time) never matches. Without `key=`, any numeric label may
//! match; with it, only the values of that key.
//!
//! Anything else is a comma-separated list of Go regular expressions over
//! string labels: without `key=`, *every* expression must match some
//! `key:value` of the sample (AND); with `key=`, *some* expression must
//! match some value of that key (OR).

use crate::filter::{LabelKind, label_kind};
use crate::goregex::{GoRegexError, compile_go_regex};
use crate::measurement;
use crate::model::{Profile, StrId};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A `-tagfocus` / `-tagignore` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TagFilterError {
    /// One of the comma-separated regular expressions does not compile.
    /// `message` is Go's (``error parsing regexp: missing closing ): `(` ``);
    /// pprof prints it as `parsing tagfocus regexp: {error}`.
    #[error("{error}")]
    Regexp {
        /// The part of the filter that is the regular expression.
        pattern: String,
        /// Why Go would refuse it.
        #[source]
        error: GoRegexError,
    },
    /// A number of a range does not fit in 64 bits (pprof panics here).
    #[error("failed to parse int {text}: strconv.ParseInt: parsing {text:?}: value out of range")]
    Number { text: String },
}

/// A numeric range, in the filter's unit.
#[derive(Clone, Debug, PartialEq)]
enum Range {
    Eq(f64),
    AtLeast(f64),
    AtMost(f64),
    Between(f64, f64),
}

#[derive(Clone, Debug)]
enum Matcher {
    /// A numeric range in `unit` (a canonical unit name, or the unit as
    /// written when pprof does not know it).
    Range { range: Range, unit: String },
    /// Regular expressions over string labels.
    Regexps(Vec<Regex>),
}

/// A compiled `-tagfocus` / `-tagignore` value.
#[derive(Clone, Debug)]
pub struct TagFilter {
    /// The `key=` part, if given and not empty.
    key: Option<String>,
    matcher: Matcher,
    /// The unit of every numeric label key (pprof's `NumLabelUnits`).
    units: HashMap<String, String>,
}

/// pprof's `tagFilterRangeRx`.
static RANGE_RX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("([+-]?[[:digit:]]+)([[:alpha:]]+)?").expect("valid regexp"));

impl TagFilter {
    /// Compiles a tag filter value as pprof's `compileTagFilter` does.
    ///
    /// `num_label_units` is the unit of each numeric label key, as pprof's
    /// `Profile.NumLabelUnits` identifies it on the profile *before* any
    /// filtering or `-tagroot`/`-tagleaf` (the first unit given for the key,
    /// else `bytes` for the keys `alignment` and `request`, else the key
    /// itself).
    ///
    /// The note, when there is one, is what pprof prints on stderr after
    /// the option name and a colon: `tagfocus:Interpreted '8kb:16kb' as
    /// range, not regexp`.
    pub fn parse(
        value: &str,
        num_label_units: &HashMap<String, String>,
    ) -> Result<(TagFilter, Option<String>), TagFilterError> {
        let (key, value) = match value.split_once('=') {
            Some((k, v)) => (k, v),
            None => ("", value),
        };
        let key = (!key.is_empty()).then(|| key.to_string());
        if let Some((range, unit)) = parse_range(value)? {
            let note = format!("Interpreted '{value}' as range, not regexp");
            let filter = TagFilter {
                key,
                matcher: Matcher::Range { range, unit },
                units: num_label_units.clone(),
            };
            return Ok((filter, Some(note)));
        }
        let mut rxs = Vec::new();
        for part in value.split(',') {
            let rx = compile_go_regex(part).map_err(|error| TagFilterError::Regexp {
                pattern: part.to_string(),
                error,
            })?;
            rxs.push(rx);
        }
        Ok((
            TagFilter {
                key,
                matcher: Matcher::Regexps(rxs),
                units: num_label_units.clone(),
            },
            None,
        ))
    }

    /// True for a numeric range filter, false for regular expressions.
    pub fn is_range(&self) -> bool {
        matches!(self.matcher, Matcher::Range { .. })
    }

    /// The `key=` of the filter, if any.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Whether sample `sample` of `p` matches. (Runs the regular
    /// expressions on the sample's labels: to filter a whole profile use
    /// [`filter_samples_by_tag`], which runs each at most once per
    /// distinct label.)
    pub fn matches(&self, p: &Profile, sample: usize) -> bool {
        let labels = p.samples.labels(sample);
        match &self.matcher {
            Matcher::Range { range, unit } => labels.iter().any(|l| {
                label_kind(l) == LabelKind::Num
                    && self.key_ok(p, l.key)
                    && in_range(range, unit, l.num, self.unit_of(p.str(l.key)))
            }),
            Matcher::Regexps(rxs) => match &self.key {
                Some(key) => labels.iter().any(|l| {
                    label_kind(l) == LabelKind::Str
                        && p.str(l.key) == key
                        && rxs.iter().any(|rx| rx.is_match(p.str(l.str)))
                }),
                None => {
                    let mut buf = String::new();
                    rxs.iter().all(|rx| {
                        labels.iter().any(|l| {
                            label_kind(l) == LabelKind::Str && {
                                key_value(&mut buf, p.str(l.key), p.str(l.str));
                                rx.is_match(&buf)
                            }
                        })
                    })
                }
            },
        }
    }

    fn key_ok(&self, p: &Profile, key: StrId) -> bool {
        self.key.as_deref().is_none_or(|k| p.str(key) == k)
    }

    fn unit_of(&self, key: &str) -> &str {
        self.units.get(key).map_or("", String::as_str)
    }

    /// Evaluates the filter on every label of `p` once (per distinct
    /// key/value pair for the regular expressions).
    fn prepare(&self, p: &Profile) -> Prepared {
        let labels = &p.samples.labels;
        let (need, any) = match &self.matcher {
            Matcher::Regexps(rxs) if self.key.is_none() => {
                if rxs.len() > 64 {
                    return Prepared::Direct;
                }
                (u64::MAX >> (64 - rxs.len()), false)
            }
            _ => (1, true),
        };
        let mut masks = Vec::with_capacity(labels.len());
        match &self.matcher {
            Matcher::Range { range, unit } => {
                let mut units: HashMap<StrId, bool> = HashMap::new();
                for l in labels {
                    let ok = label_kind(l) == LabelKind::Num && {
                        let key_ok = *units.entry(l.key).or_insert_with(|| self.key_ok(p, l.key));
                        key_ok && in_range(range, unit, l.num, self.unit_of(p.str(l.key)))
                    };
                    masks.push(ok as u64);
                }
            }
            Matcher::Regexps(rxs) => {
                let mut memo: HashMap<(StrId, StrId), u64> = HashMap::new();
                let mut buf = String::new();
                for l in labels {
                    if label_kind(l) != LabelKind::Str {
                        masks.push(0);
                        continue;
                    }
                    let m = *memo
                        .entry((l.key, l.str))
                        .or_insert_with(|| match &self.key {
                            Some(k) => {
                                let v = p.str(l.str);
                                (p.str(l.key) == k && rxs.iter().any(|rx| rx.is_match(v))) as u64
                            }
                            None => {
                                key_value(&mut buf, p.str(l.key), p.str(l.str));
                                let mut m = 0u64;
                                for (j, rx) in rxs.iter().enumerate() {
                                    if rx.is_match(&buf) {
                                        m |= 1 << j;
                                    }
                                }
                                m
                            }
                        });
                    masks.push(m);
                }
            }
        }
        Prepared::Masks { masks, need, any }
    }
}

/// A filter evaluated on every label of one profile.
enum Prepared {
    /// Per label of `Samples::labels`, the bit set of the expressions it
    /// satisfies; a sample matches when the union of its labels' sets is
    /// non-empty (`any`) or equals `need`.
    Masks {
        masks: Vec<u64>,
        need: u64,
        any: bool,
    },
    /// Too many expressions for a bit set: evaluate per sample.
    Direct,
}

impl Prepared {
    fn matches(&self, f: &TagFilter, p: &Profile, sample: usize) -> bool {
        match self {
            Prepared::Direct => f.matches(p, sample),
            Prepared::Masks { masks, need, any } => {
                let s = &p.samples;
                if s.label_ends.is_empty() {
                    return false;
                }
                let start = if sample == 0 {
                    0
                } else {
                    s.label_ends[sample - 1] as usize
                };
                let m = masks[start..s.label_ends[sample] as usize]
                    .iter()
                    .fold(0u64, |a, &b| a | b);
                if *any { m != 0 } else { m == *need }
            }
        }
    }
}

fn key_value(buf: &mut String, key: &str, value: &str) {
    buf.clear();
    buf.push_str(key);
    buf.push(':');
    buf.push_str(value);
}

/// pprof's range test: `v` in `label_unit`, scaled to the filter's unit.
fn in_range(range: &Range, unit: &str, v: i64, label_unit: &str) -> bool {
    let (sv, su) = measurement::scale_ref(v, label_unit, unit);
    if su != unit {
        return false;
    }
    match *range {
        Range::Eq(x) => sv == x,
        Range::AtLeast(x) => sv >= x,
        Range::AtMost(x) => sv <= x,
        Range::Between(lo, hi) => sv >= lo && sv <= hi,
    }
}

/// pprof's `parseTagFilterRange`: the range and its unit, or `None` when
/// the text is not a range (then it is a list of regular expressions).
fn parse_range(filter: &str) -> Result<Option<(Range, String)>, TagFilterError> {
    let ranges: Vec<regex::Captures> = RANGE_RX.captures_iter(filter).take(2).collect();
    if ranges.is_empty() {
        return Ok(None);
    }
    let number = |c: &regex::Captures| -> Result<i64, TagFilterError> {
        let text = &c[1];
        text.parse::<i64>().map_err(|_| TagFilterError::Number {
            text: text.to_string(),
        })
    };
    let unit_text = |c: &regex::Captures| c.get(2).map_or("", |m| m.as_str()).to_string();
    let v = number(&ranges[0])?;
    let u0 = unit_text(&ranges[0]);
    let (scaled, unit) = measurement::scale(v, &u0, &u0);
    let whole0 = &ranges[0][0];
    if ranges.len() == 1 {
        let range = if filter == whole0 {
            Range::Eq(scaled)
        } else if filter == format!("{whole0}:") {
            Range::AtLeast(scaled)
        } else if filter == format!(":{whole0}") {
            Range::AtMost(scaled)
        } else {
            return Ok(None);
        };
        return Ok(Some((range, unit)));
    }
    let whole1 = &ranges[1][0];
    if filter != format!("{whole0}:{whole1}") {
        return Ok(None);
    }
    let v2 = number(&ranges[1])?;
    let (scaled2, unit2) = measurement::scale(v2, &unit_text(&ranges[1]), &unit);
    if unit != unit2 {
        return Ok(None);
    }
    Ok(Some((Range::Between(scaled, scaled2), unit)))
}

/// pprof's `FilterSamplesByTag`: keeps the samples that match `focus` (all
/// when `None`) and do not match `ignore`. Returns (some sample matched
/// focus, some sample matched ignore); with `focus` absent the first is
/// true as soon as there is a sample.
pub fn filter_samples_by_tag(
    p: &mut Profile,
    focus: Option<&TagFilter>,
    ignore: Option<&TagFilter>,
) -> (bool, bool) {
    let fp = focus.map(|f| (f, f.prepare(p)));
    let ip = ignore.map(|f| (f, f.prepare(p)));
    let n = p.samples.len();
    let mut keep = vec![true; n];
    let (mut fm, mut im) = (false, false);
    for (i, k) in keep.iter_mut().enumerate() {
        let focused = fp.as_ref().is_none_or(|(f, pr)| pr.matches(f, p, i));
        let ignored = ip.as_ref().is_some_and(|(f, pr)| pr.matches(f, p, i));
        fm |= focused;
        im |= ignored;
        *k = focused && !ignored;
    }
    crate::filter::retain_sample_set(&mut p.samples, &keep);
    (fm, im)
}
