//! # rprof-flame: flame graphs of Go profiles
//!
//! Architecture: every output is made from one call tree built on integer
//! ids (the private `stacks` module). A [`Report`] (rprof-report) has already resolved the
//! sample index, `--mean` and the total, and filters were applied to the
//! profile before it; its [`NodeKeys`](rprof_report::graph::NodeKeys) map
//! each location to node ids at the chosen granularity, inlined lines
//! first. The tree walks each sample's stack once, mapping node ids to
//! frame ids (one per distinct name, named once per key, never per sample)
//! and descending a trie keyed by `(parent, frame)`. Names are joined into
//! `a;b;c` lines only once per tree node that is printed or drawn.
//!
//! The outputs, one module each:
//!
//! - [`folded`](mod@folded): collapsed stacks (`main.main;main.work 4096`), root
//!   first, values in the profile's unit; and the two-column differential
//!   form (`stack BASE CURRENT`) that `inferno-flamegraph` reads.
//! - [`svg`](mod@svg): the interactive SVG (hover details, click to zoom, search),
//!   rendered by [inferno](https://github.com/jonhoo/inferno). rprof lays
//!   the tree out itself (siblings by name, frames narrower than
//!   [`FlameOptions::min_width`] folded into their parent before inferno
//!   sees them), feeds inferno the lines in that order, and then rewrites
//!   each frame's tooltip (values in the profile's unit, pprof's
//!   percentages, inline marks) and fill colour, finding each frame by its
//!   depth and offset, which it knows from its own layout.
//! - [`palette`]: the Go palette (runtime, standard library and the
//!   program's own code in different hues; memory profiles in memory
//!   colours; inlined frames paler) and the differential red/blue scale.
//! - [`diff`](mod@diff): base and current profiles in one tree with two value
//!   columns; frames are sized by one profile and coloured by the change of
//!   their own width.
//!
//! Two details of inferno shape this design. inferno sorts folded lines as
//! whole strings and merges neighbours, so a Go frame `main.work` with a
//! sibling `main.work.func1` is split in two (`.` sorts before `;`); rprof
//! therefore passes lines already in tree order and uses inferno's
//! order-keeping (flame chart) input mode. And inferno's tooltips show raw
//! integer counts with one fixed unit and colours frames by name only;
//! rprof knows each frame's node, so it writes both itself.
//!
//! - [`CallTree`]: the tree itself, for callers that draw it themselves
//!   (the web UI sends it to the browser in pieces).
//!
//! The crate never prints and knows nothing about command lines: outputs
//! go to an [`std::io::Write`], errors are [`FlameError`]. Output is
//! deterministic: the same input and options give the same bytes.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let data = std::fs::read("cpu.pb.gz")?;
//! let profile = rprof_profile::combine(vec![rprof_profile::parse(&data)?])?;
//! let report = rprof_report::Report::new(&profile, &Default::default())?;
//! let opts = rprof_flame::FlameOptions {
//!     source: Some("cpu.pb.gz".into()),
//!     ..Default::default()
//! };
//! let mut svg = Vec::new();
//! rprof_flame::write_svg(&report, &opts, &mut svg)?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod calltree;
pub mod diff;
pub mod folded;

/// rprof's flame graph defaults, written once: [`FlameOptions::default`]
/// and the command line's default values both use them.
pub mod defaults {
    /// [`FlameOptions::min_width`](crate::FlameOptions::min_width):
    /// inferno's default, 0.01 (%).
    pub const MIN_WIDTH: f64 = 0.01;
    /// [`FlameOptions::max_frames`](crate::FlameOptions::max_frames).
    pub const MAX_FRAMES: usize = 10_000;
    /// [`FlameOptions::colors`](crate::FlameOptions::colors), by name.
    pub const COLORS: &str = "auto";
}
pub mod palette;
mod stacks;
pub mod svg;

pub use calltree::{CallTree, Inlining};
pub use diff::write_diff_svg;
pub use folded::{diff_folded, folded, write_diff_folded, write_folded};
pub use svg::write_svg;

/// One of inferno's colour palettes (`hot`, `mem`, `io`, `java`, …),
/// chosen by name; inferno's own type stays out of this crate's API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamedPalette(inferno::flamegraph::Palette);

impl NamedPalette {
    /// The names [`NamedPalette`] parses.
    pub fn names() -> &'static [&'static str] {
        inferno::flamegraph::Palette::VARIANTS
    }

    pub(crate) fn inferno(self) -> inferno::flamegraph::Palette {
        self.0
    }
}

impl std::str::FromStr for NamedPalette {
    type Err = UnknownPalette;
    fn from_str(s: &str) -> Result<Self, UnknownPalette> {
        s.parse().map(NamedPalette).map_err(|_| UnknownPalette {
            name: s.to_string(),
        })
    }
}

/// A colour scheme that is neither rprof's nor one of inferno's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown colour palette {name:?}: use auto, go, gomem or one of {}",
    NamedPalette::names().join(", ")
)]
pub struct UnknownPalette {
    /// The name asked for.
    pub name: String,
}

use rprof_profile::measurement;
use rprof_report::Report;

/// How frames are coloured (differential graphs always use red and blue).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Colors {
    /// [`Colors::GoMemory`] for heap and allocs profiles (a sample type
    /// in bytes or named `alloc_*`/`inuse_*`), [`Colors::Go`] otherwise.
    #[default]
    Auto,
    /// Runtime blue, standard library green, your code orange; see
    /// [`palette`].
    Go,
    /// The memory variant: runtime blue, standard library aqua, your code
    /// green, on a green background.
    GoMemory,
    /// One of inferno's palettes, coloured by a hash of the frame name.
    Inferno(NamedPalette),
}

impl std::str::FromStr for Colors {
    type Err = UnknownPalette;
    fn from_str(s: &str) -> Result<Self, UnknownPalette> {
        match s {
            "auto" => Ok(Colors::Auto),
            "go" => Ok(Colors::Go),
            "gomem" | "go-mem" | "go-memory" => Ok(Colors::GoMemory),
            other => other.parse().map(Colors::Inferno),
        }
    }
}

/// Options of a flame graph; `Default` gives rprof's defaults.
#[derive(Clone, Debug)]
pub struct FlameOptions {
    /// The title; `None` names the graph kind and the profile:
    /// `Flame graph: cpu.pb.gz`.
    pub title: Option<String>,
    /// The line under the title; `None` names the binary, sample type,
    /// sample index and total; `Some("")` leaves it out.
    pub subtitle: Option<String>,
    /// The profile file(s), for the default title (e.g. `cpu.pb.gz`).
    /// Without it the title names the profiled binary.
    pub source: Option<String>,
    /// The base profile file(s), for the default title of a differential
    /// graph.
    pub base_source: Option<String>,
    /// Image width in pixels; `None` fills the browser window (1200 px
    /// in viewers that run no JavaScript).
    pub width: Option<usize>,
    /// Frames narrower than this percentage of the total are left out
    /// (their value stays in their caller), so huge profiles stay small
    /// and responsive. inferno's default, 0.01 (%).
    pub min_width: f64,
    /// At most about this many frames are drawn: when more would be at
    /// least `min_width` wide, `min_width` is raised until they fit (the
    /// default subtitle then says so). 0 means no limit. The default,
    /// 10 000, keeps an SVG near 2 MB and quick in a browser whatever the
    /// profile; every frame of a typical Go profile fits.
    pub max_frames: usize,
    /// Icicle layout: the root at the top, callees below.
    pub icicle: bool,
    /// Callers view: stacks leaf first, so the functions where the value
    /// is spent form the bottom row and their callers stack up on them.
    pub reverse: bool,
    /// Frame colours; ignored by differential graphs.
    pub colors: Colors,
    /// What a value of a count profile is called in tooltips (`1234
    /// goroutines`); `None` derives it from the sample type. Values with a
    /// unit (bytes, nanoseconds) print the unit instead.
    pub count_name: Option<String>,
    /// Differential graphs: size frames by the base profile instead of the
    /// current one, so that what disappeared is visible (in blue).
    pub negate: bool,
    /// Differential graphs: scale the base profile to the current
    /// profile's total before comparing (like pprof's `-normalize`).
    pub normalize: bool,
}

impl Default for FlameOptions {
    fn default() -> Self {
        FlameOptions {
            title: None,
            subtitle: None,
            source: None,
            base_source: None,
            width: None,
            min_width: defaults::MIN_WIDTH,
            max_frames: defaults::MAX_FRAMES,
            icicle: false,
            reverse: false,
            colors: Colors::Auto,
            count_name: None,
            negate: false,
            normalize: false,
        }
    }
}

/// Why a flame graph cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlameError {
    /// Every sample's value is zero: there is nothing to draw.
    #[error("nothing to draw: no sample has a non-zero {sample_type} value")]
    Empty {
        /// The sample type shown.
        sample_type: String,
    },
    /// The two profiles of a differential graph measure different things.
    #[error(
        "cannot compare {base_type} ({base_unit}) in the base profile with {current_type} ({current_unit})"
    )]
    Incompatible {
        /// The base profile's sample type.
        base_type: String,
        /// Its unit.
        base_unit: String,
        /// The current profile's sample type.
        current_type: String,
        /// Its unit.
        current_unit: String,
    },
    /// An option is out of range (`min_width` not a percentage, a width
    /// too small to draw in).
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// inferno's SVG did not have the shape rprof annotates (a changed
    /// inferno version).
    #[error("unexpected SVG from inferno: {0}")]
    Render(&'static str),
    /// Writing the output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The factor that converts base values into the current profile's unit,
/// or an error when the two sample types cannot be compared.
pub(crate) fn check_comparable(base: &Report, current: &Report) -> Result<f64, FlameError> {
    let b = (base.sample_type(), base.sample_unit());
    let c = (current.sample_type(), current.sample_unit());
    if !measurement::compatible_value_types(b, c) {
        return Err(FlameError::Incompatible {
            base_type: b.0.to_string(),
            base_unit: b.1.to_string(),
            current_type: c.0.to_string(),
            current_unit: c.1.to_string(),
        });
    }
    if b.1 == c.1 {
        return Ok(1.0);
    }
    Ok(measurement::scale_ref(1, b.1, c.1).0)
}

/// True for the heap and allocs profiles, which get memory colours.
pub(crate) fn is_memory(r: &Report) -> bool {
    let t = r.sample_type();
    let t = t.strip_prefix("mean_").unwrap_or(t);
    t.starts_with("alloc_")
        || t.starts_with("inuse_")
        || matches!(t, "space" | "objects")
        || r.sample_unit() == "bytes"
}

/// The word after a count in tooltips, from the sample type:
/// `alloc_objects` → `objects`, `goroutine` → `goroutines`.
pub(crate) fn default_count_name(sample_type: &str) -> String {
    let t = sample_type.strip_prefix("mean_").unwrap_or(sample_type);
    let last = t.rsplit('_').next().unwrap_or(t);
    match last {
        "" => "samples".to_string(),
        "goroutine" => "goroutines".to_string(),
        "threadcreate" => "threads".to_string(),
        s if s.ends_with('s') => s.to_string(),
        s => format!("{s}s"),
    }
}

/// A value as tooltips show it: in the report's unit, scaled to a
/// readable size per value (`1.20s`, `450ms`, `12.50MB`), or followed by
/// `count_name` when the unit is a plain count.
pub(crate) fn value_label(r: &Report, v: i64, count_name: &str) -> String {
    let s = r.format_value(v);
    if !count_name.is_empty()
        && measurement::scale_ref(1, r.sample_unit(), r.output_unit())
            .1
            .is_empty()
    {
        format!("{s} {count_name}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_names() {
        assert_eq!(default_count_name("samples"), "samples");
        assert_eq!(default_count_name("alloc_objects"), "objects");
        assert_eq!(default_count_name("goroutine"), "goroutines");
        assert_eq!(default_count_name("contentions"), "contentions");
        assert_eq!(default_count_name("threadcreate"), "threads");
        assert_eq!(default_count_name("mean_inuse_objects"), "objects");
    }

    #[test]
    fn colors_parse() {
        assert_eq!("go".parse::<Colors>(), Ok(Colors::Go));
        assert_eq!("gomem".parse::<Colors>(), Ok(Colors::GoMemory));
        assert!(matches!("hot".parse::<Colors>(), Ok(Colors::Inferno(_))));
        assert!(
            "nope"
                .parse::<Colors>()
                .unwrap_err()
                .to_string()
                .contains("gomem")
        );
    }
}
