//! The one options struct every report takes, with pprof's defaults.

/// pprof's defaults, written once: [`ReportOptions::default`] and the
/// command line's default values both use them.
pub mod defaults {
    /// `-nodefraction`: nodes below 0.5% of the total are dropped.
    pub const NODE_FRACTION: f64 = 0.005;
    /// `-edgefraction`: edges below 0.1% of the total are dropped.
    pub const EDGE_FRACTION: f64 = 0.001;
    /// `-unit`: one unit for the whole report, fine enough for its
    /// smallest value.
    pub const UNIT: &str = "minimum";
    /// `-divide_by`: values as recorded.
    pub const DIVIDE_BY: f64 = 1.0;
}

/// How finely stack frames are told apart: pprof's `-functions`, `-lines`…
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Granularity {
    /// One node per function (pprof's default).
    #[default]
    Functions,
    /// One node per function and source file.
    FileFunctions,
    /// One node per source file.
    Files,
    /// One node per source line.
    Lines,
    /// One node per instruction address.
    Addresses,
}

impl Granularity {
    /// The name pprof gives this granularity (its flag).
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Functions => "functions",
            Granularity::FileFunctions => "filefunctions",
            Granularity::Files => "files",
            Granularity::Lines => "lines",
            Granularity::Addresses => "addresses",
        }
    }
}

impl std::fmt::Display for Granularity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A granularity name that is none of pprof's.
#[derive(Debug, thiserror::Error)]
#[error("unknown granularity {0:?}: use functions, filefunctions, files, lines or addresses")]
pub struct UnknownGranularity(pub String);

impl std::str::FromStr for Granularity {
    type Err = UnknownGranularity;
    fn from_str(s: &str) -> Result<Self, UnknownGranularity> {
        Ok(match s {
            "functions" => Granularity::Functions,
            "filefunctions" => Granularity::FileFunctions,
            "files" => Granularity::Files,
            "lines" => Granularity::Lines,
            "addresses" => Granularity::Addresses,
            _ => return Err(UnknownGranularity(s.to_string())),
        })
    }
}

/// Options shared by all reports; `Default` gives pprof's defaults.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Maximum number of nodes; `None` means the report's own default
    /// (unlimited for `top`, 80 for graphs and trees).
    pub node_count: Option<usize>,
    /// Drop nodes whose |cum| is below this fraction of the total.
    pub node_fraction: f64,
    /// Drop edges whose |weight| is below this fraction of the total.
    pub edge_fraction: f64,
    /// `false` = pprof's `-trim=false`: no node or edge dropping at all.
    pub trim: bool,
    /// Sort by cumulative instead of flat value.
    pub cum: bool,
    /// Sample type by index or name; empty = the profile's default.
    pub sample_index: String,
    /// Report value per count (`value[i] / value[0]`).
    pub mean: bool,
    /// Output unit: `minimum` (default), `auto`, or a unit such as `ms`.
    pub unit: String,
    /// Divide every displayed value by this.
    pub divide_by: f64,
    /// How finely frames are told apart.
    pub granularity: Granularity,
    /// Attribute inlined functions to their out-of-line caller.
    pub no_inlines: bool,
    /// Keep column numbers at lines granularity.
    pub show_columns: bool,
    /// Drop nodes with a negative flat (or zero flat and negative cum).
    pub drop_negative: bool,
    /// Omit the profile header lines (File, Type, Time…).
    pub compact_labels: bool,
    /// Keep only samples with a frame matching this regular expression.
    pub focus: Option<String>,
    /// Drop samples with a frame matching this.
    pub ignore: Option<String>,
    /// Remove matching frames from stacks.
    pub hide: Option<String>,
    /// Keep only matching frames in stacks.
    pub show: Option<String>,
    /// Drop the frames above (rootward of) the outermost match.
    pub show_from: Option<String>,
    /// Drop the frames below (leafward of) the innermost match.
    pub prune_from: Option<String>,
    /// Keep samples whose labels match (`key=value`, ranges like `64kb:`).
    pub tagfocus: Option<String>,
    /// Drop samples whose labels match.
    pub tagignore: Option<String>,
    /// Keep only label keys matching this.
    pub tagshow: Option<String>,
    /// Remove label keys matching this.
    pub taghide: Option<String>,
    /// Label keys to add as pseudo frames at the root.
    pub tagroot: Vec<String>,
    /// Label keys to add as pseudo frames at the leaf.
    pub tagleaf: Vec<String>,
    /// Percentages of what the filters kept, not of the whole profile.
    pub relative_percentages: bool,
    /// pprof's `-call_tree`: the call graph as a context-sensitive tree
    /// (a function reached through different paths is a node per path);
    /// honoured by the call-graph formats only (DOT and callgrind), as in
    /// pprof.
    pub call_tree: bool,
    /// pprof's `-source_path`: where source files are looked for (a
    /// list separated by `:`), empty for the working directory; also the
    /// guess of which prefix of a recorded path to trim (see
    /// [`crate::list`]).
    pub source_path: String,
    /// pprof's `-trim_path`: prefixes (separated by `:`) removed from the
    /// source paths recorded in the profile before they are shown and
    /// looked for.
    pub trim_path: String,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            node_count: None,
            node_fraction: defaults::NODE_FRACTION,
            edge_fraction: defaults::EDGE_FRACTION,
            trim: true,
            cum: false,
            sample_index: String::new(),
            mean: false,
            unit: defaults::UNIT.to_string(),
            divide_by: defaults::DIVIDE_BY,
            granularity: Granularity::Functions,
            no_inlines: false,
            show_columns: false,
            drop_negative: false,
            compact_labels: false,
            focus: None,
            ignore: None,
            hide: None,
            show: None,
            show_from: None,
            prune_from: None,
            tagfocus: None,
            tagignore: None,
            tagshow: None,
            taghide: None,
            tagroot: Vec::new(),
            tagleaf: Vec::new(),
            relative_percentages: false,
            call_tree: false,
            source_path: String::new(),
            trim_path: String::new(),
        }
    }
}
