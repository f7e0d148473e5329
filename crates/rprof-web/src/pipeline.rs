//! The one place the web UI calls rprof's reading, merging, filtering and
//! report code.
//!
//! This mirrors what the `rprof` binary does per command (read the files,
//! merge them, subtract a base, apply the report options in pprof's
//! order, build a [`Report`], render it), with two differences a server
//! needs: the profiles are read **once** and kept, and the merged or
//! subtracted profile of each selection is cached, so a request only
//! clones it (and only when a filter reshapes it) before applying its own
//! options. Everything else in the crate talks to this module through
//! [`Pipeline`] and [`Filtered`]; when the library grows its own pipeline
//! value (sources → profile → report), this module is what changes.

use rprof_flame::{CallTree, FlameError, FlameOptions};
use rprof_profile::{MergeError, Profile};
use rprof_report::pipeline::Prepared;
pub use rprof_report::top::{TopRow, TopTable};
use rprof_report::{Report, ReportError, ReportOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Why a profile could not be loaded, or a view not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The profiles cannot be merged (different sample types, …).
    #[error("{names}: {source}")]
    Merge {
        /// The profiles merged, comma-separated.
        names: String,
        /// Why not.
        source: MergeError,
    },
    /// A report option cannot be used with this profile (an unknown
    /// sample index, a bad tag filter).
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The report pipeline could not prepare the profile.
    #[error(transparent)]
    Prepare(rprof_report::pipeline::PipelineError),
    /// The flame graph cannot be drawn (nothing to draw, incomparable
    /// profiles).
    #[error(transparent)]
    Flame(#[from] FlameError),
    /// A profile index that is not loaded.
    #[error("there is no profile {index}: {count} are loaded (0 to {last})", last = .count - 1)]
    NoSuchProfile {
        /// The index asked for.
        index: usize,
        /// How many are loaded.
        count: usize,
    },
    /// A regular expression argument (peek, source) is not one.
    #[error("parsing argument regexp {pattern}: {error}")]
    Regex {
        /// The pattern.
        pattern: String,
        /// Why Go would refuse it.
        #[source]
        error: rprof_profile::GoRegexError,
    },
    /// Peek or source found no function matching the pattern.
    #[error("no matches found for regexp: {0}")]
    NoMatches(String),
    /// The call graph could not be drawn.
    #[error(transparent)]
    Svg(#[from] rprof_report::svg::SvgError),
}

impl PipelineError {
    /// True when the request asked for something this profile does not
    /// have (a 400), false for failures of the server or its inputs.
    pub fn is_bad_request(&self) -> bool {
        !matches!(self, PipelineError::Svg(_) | PipelineError::Prepare(_))
    }
}

/// One loaded profile and the name it is shown by (its file name).
pub struct Source {
    /// What the UI calls it.
    pub name: String,
    /// The profile as read (not merged with anything).
    pub profile: Arc<Profile>,
}

/// What `rprof web` was started with.
#[derive(Default)]
pub struct Inputs {
    /// The profiles to show (merged when more than one is selected).
    pub profiles: Vec<Source>,
    /// `--base` / `--diff-base` profiles (merged), subtracted from the
    /// selection by default.
    pub bases: Vec<Source>,
    /// The bases are `--diff-base` ones.
    pub diff_base: bool,
}

/// Which loaded profiles a view shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Selection {
    /// One profile by index, or (`None`) all of them merged.
    pub profile: Option<usize>,
    /// What is subtracted from it.
    pub base: BaseChoice,
    /// Scale the selection to the base's total first (pprof's `-normalize`).
    pub normalize: bool,
}

/// The base of a [`Selection`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum BaseChoice {
    /// The `--base`/`--diff-base` profiles of the command line, if any.
    #[default]
    CommandLine,
    /// No base, even if the command line gave one.
    None,
    /// A loaded profile ("compare with…"): `diff` for `--diff-base`
    /// semantics, else `--base`.
    Profile {
        /// Its index among the loaded profiles.
        index: usize,
        /// `--diff-base` instead of `--base`.
        diff: bool,
    },
}

/// How many merged profiles and flame trees are kept.
const CACHE_ENTRIES: usize = 4;

/// The loaded profiles and the caches of what is made from them.
///
/// Every loaded profile is combined on its own once, when the pipeline is
/// made (mapping placeholders, pprof's merge, `drop_frames` pruning, as
/// the command line does for one file), and replaces what was read: a
/// view of one profile then shares it without a copy, and selections of
/// several profiles merge these (the steps are idempotent, so merging
/// combined profiles gives what merging the files gives).
pub struct Pipeline {
    profiles: Vec<Arc<Profile>>,
    names: Vec<String>,
    bases: Vec<Arc<Profile>>,
    base_names: Vec<String>,
    diff_base: bool,
    combined: Mutex<Lru<Selection, Arc<Profile>>>,
    sides: Mutex<Lru<Selection, Sides>>,
    trees: Mutex<Lru<String, Arc<FlameTree>>>,
}

impl Pipeline {
    /// A pipeline over what was loaded; fails when a profile cannot be
    /// combined (an invalid `drop_frames` pattern, …).
    pub fn new(inputs: Inputs) -> Result<Self, PipelineError> {
        use rayon::prelude::*;
        let one = |s: Source| -> Result<(String, Arc<Profile>), PipelineError> {
            // The only reference, normally: no copy.
            let p = Arc::try_unwrap(s.profile).unwrap_or_else(|a| (*a).clone());
            let p = rprof_profile::combine(vec![p]).map_err(|source| PipelineError::Merge {
                names: s.name.clone(),
                source,
            })?;
            Ok((s.name, Arc::new(p)))
        };
        let all = |v: Vec<Source>| -> Result<(Vec<String>, Vec<Arc<Profile>>), PipelineError> {
            let r: Vec<_> = v.into_par_iter().map(one).collect::<Result<_, _>>()?;
            Ok(r.into_iter().unzip())
        };
        let (names, profiles) = all(inputs.profiles)?;
        let (base_names, bases) = all(inputs.bases)?;
        Ok(Pipeline {
            profiles,
            names,
            bases,
            base_names,
            diff_base: inputs.diff_base,
            combined: Mutex::new(Lru::new(CACHE_ENTRIES)),
            sides: Mutex::new(Lru::new(2)),
            trees: Mutex::new(Lru::new(CACHE_ENTRIES)),
        })
    }

    /// The names of the loaded profiles, in index order.
    pub fn profile_names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// The names of the command line's base profiles.
    pub fn base_names(&self) -> Vec<&str> {
        self.base_names.iter().map(String::as_str).collect()
    }

    /// Whether the command line's bases are `--diff-base` ones.
    pub fn cli_diff_base(&self) -> bool {
        self.diff_base
    }

    /// Names of the sample types of the selected profile (for the menu).
    pub fn sample_types(&self, sel: &Selection) -> Result<Vec<String>, PipelineError> {
        let p = self.combined(sel)?;
        Ok(p.sample_type_names()
            .into_iter()
            .map(str::to_string)
            .collect())
    }

    fn check(&self, sel: &Selection) -> Result<(), PipelineError> {
        let count = self.profiles.len();
        let idx = [
            sel.profile,
            match sel.base {
                BaseChoice::Profile { index, .. } => Some(index),
                _ => None,
            },
        ];
        for index in idx.into_iter().flatten() {
            if index >= count {
                return Err(PipelineError::NoSuchProfile { index, count });
            }
        }
        Ok(())
    }

    /// The selected sources and bases (as indices into `profiles` and
    /// `bases`), with the diff-base flag.
    fn parts(&self, sel: &Selection) -> (Vec<Part<'_>>, Vec<Part<'_>>, bool) {
        let part = |i: usize| Part {
            name: &self.names[i],
            profile: &self.profiles[i],
        };
        let sources: Vec<Part> = match sel.profile {
            Some(i) => vec![part(i)],
            None => (0..self.profiles.len()).map(part).collect(),
        };
        match sel.base {
            BaseChoice::CommandLine => (
                sources,
                self.bases
                    .iter()
                    .zip(&self.base_names)
                    .map(|(profile, name)| Part { name, profile })
                    .collect(),
                self.diff_base,
            ),
            BaseChoice::None => (sources, Vec::new(), false),
            BaseChoice::Profile { index, diff } => (sources, vec![part(index)], diff),
        }
    }

    /// The selection as one profile: merged, base subtracted (or labelled
    /// for `--diff-base`), uninteresting frames dropped. Cached.
    pub fn combined(&self, sel: &Selection) -> Result<Arc<Profile>, PipelineError> {
        self.check(sel)?;
        let (sources, bases, diff_base) = self.parts(sel);
        if sources.len() == 1 && bases.is_empty() {
            return Ok(sources[0].profile.clone());
        }
        if let Some(p) = self.combined.lock().unwrap().get(sel) {
            return Ok(p);
        }
        let names = names(sources.iter().chain(&bases));
        let opts = rprof_profile::BaseOptions {
            diff_base,
            normalize: sel.normalize && !bases.is_empty(),
        };
        let p = rprof_profile::combine_with_base(
            sources.iter().map(|s| (**s.profile).clone()).collect(),
            bases.iter().map(|s| (**s.profile).clone()).collect(),
            &opts,
        )
        .map_err(|source| PipelineError::Merge { names, source })?;
        let p = Arc::new(p);
        self.combined.lock().unwrap().put(sel.clone(), p.clone());
        Ok(p)
    }

    /// For a selection with a base: the base and the sources each merged
    /// on their own (what a differential flame graph is drawn from).
    pub fn sides(&self, sel: &Selection) -> Result<Option<Sides>, PipelineError> {
        self.check(sel)?;
        let (sources, bases, _) = self.parts(sel);
        if bases.is_empty() {
            return Ok(None);
        }
        if let Some(p) = self.sides.lock().unwrap().get(sel) {
            return Ok(Some(p));
        }
        let merge = |list: &[Part]| -> Result<Arc<Profile>, PipelineError> {
            if list.len() == 1 {
                return Ok(list[0].profile.clone());
            }
            rprof_profile::combine(list.iter().map(|s| (**s.profile).clone()).collect())
                .map(Arc::new)
                .map_err(|source| PipelineError::Merge {
                    names: names(list.iter()),
                    source,
                })
        };
        let both = (merge(&bases)?, merge(&sources)?);
        self.sides.lock().unwrap().put(sel.clone(), both.clone());
        Ok(Some(both))
    }

    /// The selection with `opts` applied: what every report of one request
    /// is made from.
    pub fn filtered(
        &self,
        sel: &Selection,
        opts: &ReportOptions,
    ) -> Result<Filtered, PipelineError> {
        let p = self.combined(sel)?;
        filter(p, opts)
    }

    /// The flame graph's call tree for `sel` and `opts`, cached under
    /// `key` (which must identify `sel`, `opts` and `reverse`): a
    /// differential tree (both sides drawn, red grew, blue shrank) when
    /// the selection has a base.
    pub fn flame_tree(
        &self,
        key: &str,
        sel: &Selection,
        opts: &ReportOptions,
        reverse: bool,
    ) -> Result<Arc<FlameTree>, PipelineError> {
        if let Some(t) = self.trees.lock().unwrap().get(&key.to_string()) {
            return Ok(t);
        }
        let t = match self.sides(sel)? {
            None => {
                let f = self.filtered(sel, opts)?;
                let r = f.report()?;
                FlameTree::new(CallTree::new(&r, reverse), &r)
            }
            Some((b, c)) => {
                // Both sides shaped alike by the filters (as `rprof flame
                // --base` does).
                let base = filter(b, opts)?;
                let current = filter(c, opts)?;
                let (br, cr) = (base.report()?, current.report()?);
                let fo = FlameOptions {
                    reverse,
                    normalize: sel.normalize,
                    ..Default::default()
                };
                FlameTree::new(CallTree::diff(&br, &cr, &fo)?, &cr)
            }
        };
        let t = Arc::new(t);
        self.trees.lock().unwrap().put(key.to_string(), t.clone());
        Ok(t)
    }
}

/// The base and the current profile of a comparison, each merged.
pub type Sides = (Arc<Profile>, Arc<Profile>);

/// Per function and file: start line, cumulative value, and per line
/// (flat, cum).
type ByFunction = HashMap<(String, String), (i64, i64, HashMap<i64, (i64, i64)>)>;

/// A loaded profile and its name.
struct Part<'a> {
    name: &'a str,
    profile: &'a Arc<Profile>,
}

fn names<'a, 'b: 'a>(list: impl Iterator<Item = &'a Part<'b>>) -> String {
    list.map(|s| s.name).collect::<Vec<_>>().join(", ")
}

/// The request's options applied to a loaded profile, through the
/// report pipeline (which copies the profile only when a filter reshapes
/// it).
fn filter(p: Arc<Profile>, opts: &ReportOptions) -> Result<Filtered, PipelineError> {
    let pipeline = rprof_report::pipeline::Pipeline {
        report: opts.clone(),
        ..Default::default()
    };
    let prepared = pipeline.prepare_shared(p).map_err(|e| match e {
        rprof_report::pipeline::PipelineError::Report(e) => PipelineError::from(e),
        e => PipelineError::Prepare(e),
    })?;
    Ok(Filtered(prepared))
}

/// A selection with a request's options applied.
pub struct Filtered(Prepared);

impl Filtered {
    /// The profile after the filters.
    pub fn profile(&self) -> &Profile {
        self.0.profile()
    }

    /// Warnings of the filters, in pprof's words ("Focus expression
    /// matched no samples").
    pub fn notes(&self) -> Vec<String> {
        self.0.notes().iter().map(|n| n.to_string()).collect()
    }

    /// The report over it.
    pub fn report(&self) -> Result<Report<'_>, PipelineError> {
        Ok(self.0.report()?)
    }

    /// The legend lines pprof shows in its details box (File, Type, Time,
    /// Showing nodes…), as `rprof top` prints them.
    pub fn legend(&self) -> Result<Vec<String>, PipelineError> {
        let r = self.report()?;
        Ok(rprof_report::profile_labels(&r))
    }

    /// The `rprof top` text for these options.
    pub fn top_text(&self) -> Result<String, PipelineError> {
        let r = self.report()?;
        let mut out = String::new();
        rprof_report::top::write_top(&r, &mut out);
        Ok(out)
    }

    /// The rows of `rprof top` as data, with the header lines.
    pub fn top(&self) -> Result<TopTable, PipelineError> {
        Ok(rprof_report::top::top_table(&self.report()?))
    }

    /// pprof's `-peek RE` text (trimming off, as pprof does).
    pub fn peek_text(&self, pattern: &str) -> Result<String, PipelineError> {
        let re = compile(pattern)?;
        let r = self.report()?;
        let mut out = String::new();
        rprof_report::tree::write_peek(&r, &re, &mut out)
            .map_err(|e| PipelineError::NoMatches(e.0))?;
        Ok(out)
    }

    /// pprof's DOT call graph (`rprof graph --format dot`).
    pub fn dot(&self) -> Result<String, PipelineError> {
        let r = self.report()?;
        let mut dot = String::new();
        rprof_report::dot::write_dot(&r, &mut dot);
        Ok(dot)
    }

    /// The call graph as SVG, through Graphviz when it is installed and
    /// `builtin` is false, through the built-in layout otherwise; the
    /// second value says which drew it.
    pub fn graph_svg(&self, builtin: bool) -> Result<(String, &'static str), PipelineError> {
        use rprof_report::svg::{Renderer, graphviz_available, render_svg};
        let dot = quote_nodelet_labels(&self.dot()?);
        if !builtin && graphviz_available() {
            // A broken Graphviz must not cost the view: fall back.
            if let Ok(svg) = render_svg(&dot, Renderer::Graphviz) {
                return Ok((svg, "graphviz"));
            }
        }
        Ok((render_svg(&dot, Renderer::Builtin)?, "builtin"))
    }

    /// The `rprof tags` text.
    pub fn tags_text(&self) -> Result<String, PipelineError> {
        let r = self.report()?;
        let mut out = String::new();
        rprof_report::tags::write_tags(&r, &mut out);
        Ok(out)
    }

    /// Label keys with their values and shares (what `rprof tags`
    /// prints), as data; string values carry the `key=value` tag filter
    /// that selects them.
    pub fn labels(&self) -> Result<Vec<LabelKey>, PipelineError> {
        let text = self.tags_text()?;
        Ok(parse_tags(&text))
    }

    /// Annotated source of the functions matching `pattern`, line by
    /// line, with the files that could not be read.
    pub fn source(&self, pattern: &str, max_functions: usize) -> Result<Listing, PipelineError> {
        let re = compile(pattern)?;
        let mut opts = self.0.options().clone();
        opts.granularity = rprof_report::Granularity::Lines;
        opts.trim = false;
        let r = self.0.report_with(&opts)?;
        let keys = rprof_report::graph::NodeKeys::for_report(&r);
        let g = rprof_report::graph::build_nodes(&r, &keys);
        let r = r.with_unit_for(g.min_value());
        // function name → file → line → (flat, cum)
        let mut by_fn: ByFunction = HashMap::new();
        for n in &g.nodes {
            let k = &keys.keys[n.key as usize];
            let name = keys.names.get(k.name);
            if !re.is_match(name) {
                continue;
            }
            let file = keys.names.get(k.file).to_string();
            let e =
                by_fn
                    .entry((name.to_string(), file))
                    .or_insert((k.start_line, 0, HashMap::new()));
            e.1 += n.cum_value();
            let l = e.2.entry(k.line).or_default();
            l.0 += n.flat_value();
            l.1 += n.cum_value();
        }
        if by_fn.is_empty() {
            return Err(PipelineError::NoMatches(pattern.to_string()));
        }
        let mut fns: Vec<_> = by_fn.into_iter().collect();
        fns.sort_by(|a, b| b.1.1.cmp(&a.1.1).then_with(|| a.0.cmp(&b.0)));
        fns.truncate(max_functions);
        let mut listing = Listing::default();
        let mut files: HashMap<String, Option<Vec<String>>> = HashMap::new();
        for ((name, file), (start, cum, lines)) in fns {
            let text = files
                .entry(file.clone())
                .or_insert_with(|| read_source(&file))
                .clone();
            if text.is_none() && !listing.missing.contains(&file) {
                listing.missing.push(file.clone());
            }
            let (flat_sum, _) = lines.values().fold((0, 0), |a, v| (a.0 + v.0, 0));
            let min = lines.keys().copied().min().unwrap_or(0);
            let max = lines.keys().copied().max().unwrap_or(0);
            let first = if start > 0 && start <= min {
                start
            } else {
                min
            };
            let mut out_lines = Vec::new();
            match &text {
                Some(src) => {
                    let (from, to) = ((first - 2).max(1), (max + 2).min(src.len() as i64));
                    for ln in from..=to {
                        let (f, c) = lines.get(&ln).copied().unwrap_or((0, 0));
                        out_lines.push(SourceLine {
                            line: ln,
                            flat: (f != 0).then(|| r.format_value(f)),
                            cum: (c != 0).then(|| r.format_value(c)),
                            text: src.get(ln as usize - 1).cloned().unwrap_or_default(),
                        });
                    }
                }
                None => {
                    let mut ls: Vec<_> = lines.iter().collect();
                    ls.sort();
                    for (&ln, &(f, c)) in ls {
                        out_lines.push(SourceLine {
                            line: ln,
                            flat: (f != 0).then(|| r.format_value(f)),
                            cum: (c != 0).then(|| r.format_value(c)),
                            text: String::new(),
                        });
                    }
                }
            }
            listing.functions.push(SourceFunction {
                name,
                found: text.is_some(),
                file,
                flat: r.format_value(flat_sum),
                cum: r.format_value(cum),
                lines: out_lines,
            });
        }
        Ok(listing)
    }
}

/// pprof writes label nodelets as `N1_0 [label = "VALUE" id="N1_0" …]`
/// with the label value unescaped (so does `rprof graph --format dot`,
/// byte for byte), which breaks the DOT text when a value has a quote or
/// a backslash. The graph view escapes them before drawing.
fn quote_nodelet_labels(dot: &str) -> String {
    let mut out = String::with_capacity(dot.len());
    for line in dot.split_inclusive('\n') {
        let fixed = (|| {
            let rest = line.strip_prefix('N')?;
            let open = rest.find(" [label = \"")?;
            let id = &rest[..open];
            if !id.contains('_') || !id.chars().all(|c| c.is_ascii_digit() || c == '_') {
                return None;
            }
            let start = 1 + open + " [label = \"".len();
            let close = line.rfind(&format!("\" id=\"N{id}\""))?;
            let value = &line[start..close];
            if !value.contains(['"', '\\']) {
                return None;
            }
            let v = value.replace('\\', "\\\\").replace('"', "\\\"");
            Some(format!("{}{v}{}", &line[..start], &line[close..]))
        })();
        out.push_str(fixed.as_deref().unwrap_or(line));
    }
    out
}

/// A source file's lines, if it can be read where the profile says it is
/// (a relative path: under the current directory), or, for the standard
/// library's trimmed paths (`runtime/malloc.go`), under `$GOROOT/src`.
/// (`rprof list`'s source finder, with `--source-path` and the module
/// cache, is the one to use here once it lands.)
fn read_source(file: &str) -> Option<Vec<String>> {
    if file.is_empty() {
        return None;
    }
    let mut candidates = vec![PathBuf::from(file)];
    if let Some(root) = std::env::var_os("GOROOT") {
        candidates.push(Path::new(&root).join("src").join(file));
    }
    let text = candidates.iter().find_map(|p| std::fs::read(p).ok())?;
    Some(
        String::from_utf8_lossy(&text)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// A Go regular expression, as pprof's options take them.
pub fn compile(pattern: &str) -> Result<regex::Regex, PipelineError> {
    rprof_profile::compile_go_regex(pattern).map_err(|error| PipelineError::Regex {
        pattern: pattern.to_string(),
        error,
    })
}

/// The profile as a gzipped pprof file (what `rprof proto` writes).
pub fn encode(p: &Profile) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into memory cannot fail.
    let _ = rprof_profile::write::write_gz(p, &mut out);
    out
}

/// One label key of the labels view.
#[derive(serde::Serialize, Debug)]
pub struct LabelKey {
    /// The key.
    pub key: String,
    /// "Total X of Y (Z%)" as `rprof tags` prints it.
    pub total: String,
    /// Its values, heaviest first.
    pub values: Vec<LabelValue>,
}

/// One value of a label key.
#[derive(serde::Serialize, Debug)]
pub struct LabelValue {
    /// The value as `rprof tags` prints it (numbers in the report's unit).
    pub value: String,
    /// Its amount, formatted.
    pub amount: String,
    /// Its share of the total, e.g. `41.67%` (empty when the total is 0).
    pub percent: String,
}

/// `rprof tags` output as data. The text is the report's, so the numbers
/// are the command's by construction; a value is everything after the
/// last `:\t ` separator (`tabwrite_right` turns tabs into spaces, so the
/// columns are split on the fixed `): ` / `:` shapes instead).
fn parse_tags(text: &str) -> Vec<LabelKey> {
    let mut out: Vec<LabelKey> = Vec::new();
    // Each key is a block: its line ("key: Total X of Y (Z%)"; nothing
    // after the key has ": "), then one line per value ("amount (pct):
    // value"; the amount has no ": "), then a blank line.
    let mut in_block = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            in_block = false;
            continue;
        }
        if !in_block {
            in_block = true;
            if let Some((key, rest)) = line.trim_start().rsplit_once(": ") {
                out.push(LabelKey {
                    key: key.to_string(),
                    total: rest.trim().to_string(),
                    values: Vec::new(),
                });
            }
            continue;
        }
        let Some(k) = out.last_mut() else { continue };
        let Some((head, value)) = line.trim_start().split_once(": ") else {
            continue;
        };
        let value = value.trim_start().to_string();
        let (amount, percent) = match head.split_once(" (") {
            Some((a, p)) => (a.trim(), p.trim_end_matches(')').trim()),
            None => (head.trim(), ""),
        };
        k.values.push(LabelValue {
            value,
            amount: amount.to_string(),
            percent: percent.to_string(),
        });
    }
    out
}

/// Annotated source of the matching functions.
#[derive(serde::Serialize, Default)]
pub struct Listing {
    /// The functions, heaviest first.
    pub functions: Vec<SourceFunction>,
    /// Source files that could not be read.
    pub missing: Vec<String>,
}

/// One function of a [`Listing`].
#[derive(serde::Serialize)]
pub struct SourceFunction {
    /// Its name.
    pub name: String,
    /// Its file, as recorded in the profile.
    pub file: String,
    /// Whether the file was read.
    pub found: bool,
    /// Flat total.
    pub flat: String,
    /// Cumulative total.
    pub cum: String,
    /// The lines shown (only those with values when the file is missing).
    pub lines: Vec<SourceLine>,
}

/// One source line.
#[derive(serde::Serialize)]
pub struct SourceLine {
    /// Line number.
    pub line: i64,
    /// Flat value, if any.
    pub flat: Option<String>,
    /// Cumulative value, if any.
    pub cum: Option<String>,
    /// The line's text.
    pub text: String,
}

/// A flame graph's call tree with what the page needs to label it.
pub struct FlameTree {
    /// The tree.
    pub tree: CallTree,
    /// The denominator of the percentages (the report's total).
    pub total: i64,
    /// The sample type shown (`mean_` prefixed with `--mean`).
    pub sample_type: String,
    /// Its unit, as written in the profile.
    pub unit: String,
}

impl FlameTree {
    fn new(tree: CallTree, r: &Report) -> Self {
        FlameTree {
            tree,
            total: r.total(),
            sample_type: r.sample_type().to_string(),
            unit: r.sample_unit().to_string(),
        }
    }
}

/// A small least-recently-used map (a handful of entries: a linear scan
/// is as fast as hashing, and no crate is needed for it).
pub(crate) struct Lru<K, V> {
    cap: usize,
    entries: Vec<(K, V)>,
}

impl<K: PartialEq, V: Clone> Lru<K, V> {
    pub(crate) fn new(cap: usize) -> Self {
        Lru {
            cap,
            entries: Vec::new(),
        }
    }
    pub(crate) fn get(&mut self, k: &K) -> Option<V> {
        let i = self.entries.iter().position(|(x, _)| x == k)?;
        let e = self.entries.remove(i);
        let v = e.1.clone();
        self.entries.push(e);
        Some(v)
    }
    pub(crate) fn remove(&mut self, k: &K) {
        self.entries.retain(|(x, _)| x != k);
    }

    pub(crate) fn put(&mut self, k: K, v: V) {
        self.entries.retain(|(x, _)| x != &k);
        if self.entries.len() >= self.cap {
            self.entries.remove(0);
        }
        self.entries.push((k, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodelet_labels_quoted() {
        let dot = "N1_0 [label = \"k:\"><x>\" id=\"N1_0\" fontsize=8]\nN1 [label=\"a\"]\n";
        assert_eq!(
            quote_nodelet_labels(dot),
            "N1_0 [label = \"k:\\\"><x>\" id=\"N1_0\" fontsize=8]\nN1 [label=\"a\"]\n"
        );
    }

    #[test]
    fn tags_text_parses() {
        let text = " bytes: Total 100 of 200 (50.00%)\n          60 (30.00%): 1kB\n          40 (20.00%): 2kB\n\n   key: Total 5 of 200 ( 2.50%)\n     5 ( 2.50%): a: b\n";
        let k = parse_tags(text);
        assert_eq!(k.len(), 2);
        assert_eq!(k[0].key, "bytes");
        assert_eq!(k[0].values[1].value, "2kB");
        assert_eq!(k[0].values[1].percent, "20.00%");
        assert_eq!(k[1].values[0].value, "a: b");
    }
}
