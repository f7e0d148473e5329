//! pprof's URL query parameters, mapped onto [`ReportOptions`].
//!
//! The set, names and defaults are those of pprof's web UI (its driver's
//! `config.go`: `urlparam` and `defaultConfig`), so that links people
//! share keep working: `si f i h s sf prunefrom g tf ti ts th n nf ef
//! sort unit mean norm noinlines showcolumns rel dropneg trim compact
//! calltree intel`. As in pprof, an empty value means "not set", booleans
//! are Go's `t/true/yes/y/1` and `f/false/no/n/0`, and a bad value is an
//! error naming the field (a 400). rprof adds `p` (which loaded profile:
//! an index, or `all`), `base` and `diffbase` (a loaded profile to
//! subtract, or `none`), `tagroot`/`tagleaf`, and view parameters that
//! the views read themselves (see [`Params::extra`]).

use crate::pipeline::{BaseChoice, Selection};
use rprof_report::{Granularity, ReportOptions};

/// A query parameter that cannot be used: pprof's message shape, "error
/// setting config field NAME: PROBLEM".
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("error setting config field {field}: {message}")]
pub struct ParamError {
    /// pprof's name of the field (`nodecount`, `granularity`, …).
    pub field: &'static str,
    /// What is wrong with the value.
    pub message: String,
}

/// The parameters of one request.
#[derive(Clone, Debug)]
pub struct Params {
    /// The report options they stand for.
    pub opts: ReportOptions,
    /// Which profiles.
    pub selection: Selection,
    /// Every parameter as given (first value of each name), for the views'
    /// own parameters (`f` of peek and source, `pivot`, `root`, …).
    pub raw: Vec<(String, String)>,
}

/// The report-shaping parameters, for links that keep the current view's
/// options (pprof's names).
pub const REPORT_PARAMS: &[&str] = &[
    "si",
    "f",
    "i",
    "h",
    "s",
    "sf",
    "prunefrom",
    "g",
    "tf",
    "ti",
    "ts",
    "th",
    "tagroot",
    "tagleaf",
    "n",
    "nf",
    "ef",
    "sort",
    "unit",
    "mean",
    "norm",
    "noinlines",
    "showcolumns",
    "rel",
    "dropneg",
    "trim",
    "compact",
    "calltree",
    "intel",
    "p",
    "base",
    "diffbase",
];

impl Params {
    /// Parses the query pairs (`pairs` in URL order; the first of a name
    /// counts, as Go's `Values.Get`) over pprof's defaults.
    pub fn parse(pairs: Vec<(String, String)>) -> Result<Params, ParamError> {
        Params::parse_over(pairs, &ReportOptions::default())
    }

    /// [`Params::parse`] over `defaults` instead of pprof's: the options
    /// `rprof web` was started with, which every view starts from (as
    /// pprof's flags set its web UI's configuration).
    pub fn parse_over(
        pairs: Vec<(String, String)>,
        defaults: &ReportOptions,
    ) -> Result<Params, ParamError> {
        let mut raw: Vec<(String, String)> = Vec::new();
        for (k, v) in pairs {
            if !raw.iter().any(|(x, _)| *x == k) {
                raw.push((k, v));
            }
        }
        let get = |name: &str| {
            raw.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let mut o = defaults.clone();
        let string = |name: &str, d: &Option<String>| get(name).map(str::to_string).or(d.clone());
        if let Some(v) = get("si") {
            o.sample_index = v.to_string();
        }
        o.focus = string("f", &o.focus);
        o.ignore = string("i", &o.ignore);
        o.hide = string("h", &o.hide);
        o.show = string("s", &o.show);
        o.show_from = string("sf", &o.show_from);
        o.prune_from = string("prunefrom", &o.prune_from);
        o.tagfocus = string("tf", &o.tagfocus);
        o.tagignore = string("ti", &o.tagignore);
        o.tagshow = string("ts", &o.tagshow);
        o.taghide = string("th", &o.taghide);
        let list = |v: Option<&str>| -> Vec<String> {
            v.map(|v| {
                v.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
        };
        if get("tagroot").is_some() {
            o.tagroot = list(get("tagroot"));
        }
        if get("tagleaf").is_some() {
            o.tagleaf = list(get("tagleaf"));
        }
        if let Some(v) = get("g") {
            o.granularity = match v {
                "functions" => Granularity::Functions,
                "filefunctions" => Granularity::FileFunctions,
                "files" => Granularity::Files,
                "lines" => Granularity::Lines,
                "addresses" => Granularity::Addresses,
                _ => {
                    return Err(ParamError {
                        field: "granularity",
                        message: format!("invalid \"granularity\" value {v:?}"),
                    });
                }
            };
        }
        if let Some(v) = get("sort") {
            o.cum = match v {
                "cum" => true,
                "flat" => false,
                _ => {
                    return Err(ParamError {
                        field: "sort",
                        message: format!("invalid \"sort\" value {v:?}"),
                    });
                }
            };
        }
        if let Some(v) = get("unit") {
            o.unit = v.to_string();
        }
        if let Some(v) = get("n") {
            let n: i64 = v.parse().map_err(|_| ParamError {
                field: "nodecount",
                message: format!("strconv.Atoi: parsing {v:?}: invalid syntax"),
            })?;
            // pprof: -1 is "the view's default"; other values <= 0 mean
            // no limit.
            o.node_count = match n {
                -1 => None,
                n if n <= 0 => Some(0),
                n => Some(n as usize),
            };
        }
        for (name, field, slot) in [
            ("nf", "nodefraction", &mut o.node_fraction),
            ("ef", "edgefraction", &mut o.edge_fraction),
        ] {
            if let Some(v) = get(name) {
                *slot = v
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| ParamError {
                        field,
                        message: format!("strconv.ParseFloat: parsing {v:?}: invalid syntax"),
                    })?;
            }
        }
        let mut normalize = false;
        let mut compact = false;
        let (mut calltree, mut intel) = (false, false);
        for (name, field, slot) in [
            ("mean", "mean", &mut o.mean),
            ("noinlines", "noinlines", &mut o.no_inlines),
            ("showcolumns", "showcolumns", &mut o.show_columns),
            ("rel", "relative_percentages", &mut o.relative_percentages),
            ("dropneg", "drop_negative", &mut o.drop_negative),
            ("trim", "trim", &mut o.trim),
            ("norm", "normalize", &mut normalize),
            ("compact", "compact_labels", &mut compact),
            // Accepted for pprof's links; they change nothing here.
            ("calltree", "call_tree", &mut calltree),
            ("intel", "intel_syntax", &mut intel),
        ] {
            if let Some(v) = get(name) {
                *slot = go_bool(v).ok_or_else(|| ParamError {
                    field,
                    message: format!("illegal value \"{v}\" for bool variable"),
                })?;
            }
        }
        o.compact_labels = compact || defaults.compact_labels;
        let index = |field: &'static str, v: &str| {
            v.parse::<usize>().map_err(|_| ParamError {
                field,
                message: format!("{v:?} is not a profile number (0, 1, …) or \"all\""),
            })
        };
        let profile = match get("p") {
            None | Some("all") => None,
            Some(v) => Some(index("profile", v)?),
        };
        let base = match (get("base"), get("diffbase")) {
            (Some(_), Some(_)) => {
                return Err(ParamError {
                    field: "base",
                    message: "give base or diffbase, not both".into(),
                });
            }
            (Some("none"), None) | (None, Some("none")) => BaseChoice::None,
            (Some(v), None) => BaseChoice::Profile {
                index: index("base", v)?,
                diff: false,
            },
            (None, Some(v)) => BaseChoice::Profile {
                index: index("diffbase", v)?,
                diff: true,
            },
            (None, None) => BaseChoice::CommandLine,
        };
        Ok(Params {
            opts: o,
            selection: Selection {
                profile,
                base,
                normalize,
            },
            raw,
        })
    }

    /// A view parameter (not a report option), `None` when absent or empty.
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.raw
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The report parameters as a query string (`si=…&f=…`), sorted by
    /// name: links between views keep them, and caches key on them.
    pub fn report_query(&self) -> String {
        let mut kept: Vec<&(String, String)> = self
            .raw
            .iter()
            .filter(|(k, v)| !v.is_empty() && REPORT_PARAMS.contains(&k.as_str()))
            .collect();
        kept.sort();
        kept.iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Go's `stringToBool` (pprof's commands.go).
fn go_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Percent-encodes a query component (everything but unreserved bytes).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &[(&str, &str)]) -> Result<Params, ParamError> {
        Params::parse(
            q.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_are_pprofs() {
        let p = parse(&[]).unwrap();
        let d = ReportOptions::default();
        assert_eq!(p.opts.node_fraction, d.node_fraction);
        assert_eq!(p.opts.unit, "minimum");
        assert!(p.opts.trim);
        assert_eq!(p.selection, Selection::default());
    }

    #[test]
    fn every_parameter() {
        let p = parse(&[
            ("si", "alloc_space"),
            ("f", "main"),
            ("i", "runtime"),
            ("h", "fmt"),
            ("s", "x"),
            ("sf", "y"),
            ("prunefrom", "z"),
            ("g", "lines"),
            ("tf", "k=v"),
            ("ti", "k=w"),
            ("ts", "a"),
            ("th", "b"),
            ("n", "7"),
            ("nf", "0.1"),
            ("ef", "0.2"),
            ("sort", "cum"),
            ("unit", "ms"),
            ("mean", "t"),
            ("norm", "true"),
            ("noinlines", "yes"),
            ("showcolumns", "1"),
            ("rel", "y"),
            ("dropneg", "t"),
            ("trim", "f"),
            ("p", "1"),
            ("diffbase", "0"),
            ("tagroot", "a,b"),
        ])
        .unwrap();
        let o = &p.opts;
        assert_eq!(o.sample_index, "alloc_space");
        assert_eq!(o.focus.as_deref(), Some("main"));
        assert_eq!(o.ignore.as_deref(), Some("runtime"));
        assert_eq!(o.hide.as_deref(), Some("fmt"));
        assert_eq!(o.show.as_deref(), Some("x"));
        assert_eq!(o.show_from.as_deref(), Some("y"));
        assert_eq!(o.prune_from.as_deref(), Some("z"));
        assert_eq!(o.granularity, Granularity::Lines);
        assert_eq!(o.tagfocus.as_deref(), Some("k=v"));
        assert_eq!(o.tagignore.as_deref(), Some("k=w"));
        assert_eq!(o.tagshow.as_deref(), Some("a"));
        assert_eq!(o.taghide.as_deref(), Some("b"));
        assert_eq!(o.node_count, Some(7));
        assert_eq!((o.node_fraction, o.edge_fraction), (0.1, 0.2));
        assert!(o.cum && o.mean && o.no_inlines && o.show_columns);
        assert!(o.relative_percentages && o.drop_negative && !o.trim);
        assert_eq!(o.unit, "ms");
        assert_eq!(o.tagroot, vec!["a", "b"]);
        assert_eq!(p.selection.profile, Some(1));
        assert!(p.selection.normalize);
        assert_eq!(
            p.selection.base,
            BaseChoice::Profile {
                index: 0,
                diff: true
            }
        );
    }

    #[test]
    fn bad_values_name_the_field() {
        for (q, field) in [
            (("n", "x"), "nodecount"),
            (("nf", "x"), "nodefraction"),
            (("g", "bogus"), "granularity"),
            (("sort", "name"), "sort"),
            (("mean", "maybe"), "mean"),
            (("p", "-1"), "profile"),
        ] {
            let e = parse(&[q]).unwrap_err();
            assert_eq!(e.field, field, "{q:?}");
            assert!(e.to_string().starts_with("error setting config field"));
        }
    }

    #[test]
    fn defaults_from_the_command_line() {
        let d = ReportOptions {
            focus: Some("main".into()),
            sample_index: "alloc_space".into(),
            divide_by: 10.0,
            ..Default::default()
        };
        let pairs = |q: &[(&str, &str)]| -> Vec<(String, String)> {
            q.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let p = Params::parse_over(pairs(&[]), &d).unwrap();
        assert_eq!(p.opts.focus.as_deref(), Some("main"));
        assert_eq!(p.opts.sample_index, "alloc_space");
        assert_eq!(p.opts.divide_by, 10.0);
        let p = Params::parse_over(pairs(&[("f", "other"), ("si", "inuse_space")]), &d).unwrap();
        assert_eq!(p.opts.focus.as_deref(), Some("other"));
        assert_eq!(p.opts.sample_index, "inuse_space");
    }

    #[test]
    fn empty_means_unset_and_first_wins() {
        let p = parse(&[("f", ""), ("n", "3"), ("n", "x")]).unwrap();
        assert_eq!(p.opts.focus, None);
        assert_eq!(p.opts.node_count, Some(3));
        assert_eq!(p.report_query(), "n=3");
    }
}
