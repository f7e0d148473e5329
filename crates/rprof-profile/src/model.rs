//! The interned, columnar profile model.
//!
//! pprof files refer to mappings, locations and functions by sparse `u64`
//! ids and keep one heap object per sample. rprof maps the ids to dense
//! `u32` indices when it reads a file and keeps the samples in flat arrays:
//! every stack of every sample in one `Vec<u32>` with per-sample offsets,
//! every value in one `Vec<i64>` (samples × sample types). Reports then
//! aggregate on integer indices and produce names once per output row, which
//! is what keeps a 200k-sample profile in the tens of milliseconds.
//!
//! The original ids are kept beside the dense indices because `raw` output
//! prints them, and because a single profile shown as-is must look exactly
//! like the file it came from.

use std::ops::Range;

/// Index into [`Strings`]. Index 0 is always the empty string, which every
/// string-valued field uses to mean "unset".
pub type StrId = u32;

/// The string table: one buffer plus end offsets, so that a profile with
/// tens of thousands of function names costs two allocations, not one per
/// name.
#[derive(Clone, Debug)]
pub struct Strings {
    buf: String,
    ends: Vec<u32>,
}

impl Default for Strings {
    fn default() -> Self {
        Strings {
            buf: String::new(),
            ends: vec![0],
        }
    }
}

impl Strings {
    /// A table holding only the empty string at index 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty table, without even the leading empty string; for decoders
    /// that push the file's own entry 0.
    pub(crate) fn with_capacity(count: usize, bytes: usize) -> Self {
        Strings {
            buf: String::with_capacity(bytes),
            ends: Vec::with_capacity(count),
        }
    }

    /// Appends `s` and returns its index. Does not deduplicate: see
    /// [`crate::ProfileBuilder`] for interning.
    pub fn push(&mut self, s: &str) -> StrId {
        self.buf.push_str(s);
        self.ends.push(self.buf.len() as u32);
        (self.ends.len() - 1) as StrId
    }

    /// The string at `id`; out-of-range ids read as "" (the model never
    /// holds one: readers validate every index).
    #[inline]
    pub fn get(&self, id: StrId) -> &str {
        let i = id as usize;
        if i >= self.ends.len() {
            return "";
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }

    /// Number of entries, including the empty string at 0.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when the table has no entries at all (not even "").
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Iterates over all entries in index order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).map(|i| self.get(i as StrId))
    }
}

/// A sample type or period type: what is measured, in which unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ValueType {
    /// What is measured (pprof's `ValueType.type`): `samples`, `cpu`,
    /// `alloc_space`, `inuse_objects`, `contentions`, `delay`, ...
    pub ty: StrId,
    /// Its unit (`ValueType.unit`): `count`, `nanoseconds`, `bytes`, ...
    /// [`crate::measurement`] knows how to scale the time and memory ones.
    pub unit: StrId,
}

/// A region of the profiled process's address space holding code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Mapping {
    /// The id in the file (non-zero, unique).
    pub id: u64,
    /// The address the mapping starts at in the process (pprof's
    /// `memory_start`).
    pub start: u64,
    /// The address just past its end (`memory_limit`).
    pub limit: u64,
    /// The offset in `file` mapped at `start` (`file_offset`), for turning
    /// an address back into a file address when symbolizing.
    pub offset: u64,
    /// The object file mapped (`filename`): the binary's path for the
    /// main mapping, a shared library's, or a pseudo-file such as
    /// `[vdso]`. "" when unknown.
    pub file: StrId,
    /// The object file's build id (`build_id`; Go's runtime writes an ELF
    /// file's GNU build id, hex), used to find the right binary for
    /// symbolization. "" when unknown.
    pub build_id: StrId,
    /// Every location in the mapping has function names (`has_functions`):
    /// the profile was symbolized, as Go's runtime does when it writes one.
    pub has_functions: bool,
    /// Every location has source file names (`has_filenames`).
    pub has_filenames: bool,
    /// Every location has line numbers (`has_line_numbers`).
    pub has_line_numbers: bool,
    /// Inlined calls are expanded into several lines per location
    /// (`has_inline_frames`).
    pub has_inline_frames: bool,
}

/// A function: name, linker name, source file and first line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Function {
    /// The id in the file (non-zero, unique).
    pub id: u64,
    /// The name reports show (pprof's `name`), for Go the package-path
    /// qualified name: `main.(*server).handle`, `runtime.mallocgc`.
    pub name: StrId,
    /// The name as the linker knows it (`system_name`): a mangled C++
    /// name; Go's runtime writes `name` again.
    pub system_name: StrId,
    /// The source file the function is in (`filename`), as recorded in
    /// the binary: an absolute path for Go code built without
    /// `-trimpath`. "" when unknown.
    pub filename: StrId,
    /// The line of the function's declaration (`start_line`), 0 when
    /// unknown (Go writes it since 1.20). pprof counts it in a node's
    /// identity and starts `list`/`weblist` listings there.
    pub start_line: i64,
}

/// One source line of a location.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Line {
    /// Dense index into [`Profile::functions`].
    pub function: u32,
    /// The line number in the function's source file (pprof's
    /// `Line.line`), 0 when unknown.
    pub line: i64,
    /// The column (`Line.column`), 0 when unknown; Go's runtime does not
    /// write it.
    pub column: i64,
}

/// A program counter and the source lines it stands for; several lines
/// mean inlining, innermost first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Location {
    /// The id in the file (non-zero, unique).
    pub id: u64,
    /// Dense index into [`Profile::mappings`], if the location has one.
    pub mapping: Option<u32>,
    /// The instruction address in the profiled process (pprof's
    /// `Location.address`), 0 when unknown. For a caller's frame Go
    /// writes the return address minus one, inside the call instruction.
    pub address: u64,
    /// Range into [`Profile::lines`].
    pub lines: Range<u32>,
    /// Several functions share this address (`is_folded`), as when the
    /// linker folds identical code; the lines then name one of them.
    pub is_folded: bool,
}

/// A sample label: a key and either a string or a number with a unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label {
    /// The label's name (pprof's `Label.key`): a Go profiler label set
    /// with `pprof.Do`/`pprof.Labels`, or one the runtime adds, such as
    /// `bytes` (the object size) on heap samples.
    pub key: StrId,
    /// The value of a string label (`Label.str`); non-zero for a string
    /// label.
    pub str: StrId,
    /// The value of a numeric label (`Label.num`), in `num_unit`.
    pub num: i64,
    /// The unit of `num` (`Label.num_unit`), "" when the file gives none;
    /// see [`Profile::num_label_units`] for how pprof infers it then.
    pub num_unit: StrId,
}

impl Label {
    /// True for a string label (`key: value`), false for a numeric one.
    pub fn is_str(&self) -> bool {
        self.str != 0
    }
}

/// All samples of a profile, column-wise.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// Number of values per sample (= number of sample types).
    pub width: usize,
    /// `stacks[stack_ends[i-1]..stack_ends[i]]` is sample i's stack.
    pub stack_ends: Vec<u32>,
    /// Dense location indices, leaf first, all samples back to back.
    pub stacks: Vec<u32>,
    /// `values[i*width..(i+1)*width]` are sample i's values.
    pub values: Vec<i64>,
    /// Empty when no sample has labels; else one end offset per sample
    /// into `labels`.
    pub label_ends: Vec<u32>,
    /// The labels of all samples back to back:
    /// `labels[label_ends[i-1]..label_ends[i]]` are sample i's.
    pub labels: Vec<Label>,
}

impl Samples {
    /// An empty sample table with `width` values per sample.
    pub fn new(width: usize) -> Self {
        Samples {
            width,
            ..Default::default()
        }
    }

    /// Number of samples.
    #[inline]
    pub fn len(&self) -> usize {
        self.stack_ends.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.stack_ends.is_empty()
    }

    /// Sample i's stack, leaf first.
    #[inline]
    pub fn stack(&self, i: usize) -> &[u32] {
        let start = if i == 0 {
            0
        } else {
            self.stack_ends[i - 1] as usize
        };
        &self.stacks[start..self.stack_ends[i] as usize]
    }

    /// Sample i's values, one per sample type.
    #[inline]
    pub fn values(&self, i: usize) -> &[i64] {
        &self.values[i * self.width..(i + 1) * self.width]
    }

    /// Sample i's value for sample type `index`.
    #[inline]
    pub fn value(&self, i: usize, index: usize) -> i64 {
        self.values[i * self.width + index]
    }

    /// Sample i's labels (empty when the profile has none).
    #[inline]
    pub fn labels(&self, i: usize) -> &[Label] {
        if self.label_ends.is_empty() {
            return &[];
        }
        let start = if i == 0 {
            0
        } else {
            self.label_ends[i - 1] as usize
        };
        &self.labels[start..self.label_ends[i] as usize]
    }

    /// True when at least one sample has a label.
    pub fn has_labels(&self) -> bool {
        !self.labels.is_empty()
    }

    /// Appends a sample.
    pub fn push(&mut self, stack: &[u32], values: &[i64], labels: &[Label]) {
        debug_assert_eq!(values.len(), self.width);
        self.stacks.extend_from_slice(stack);
        self.stack_ends.push(self.stacks.len() as u32);
        self.values.extend_from_slice(values);
        // Label offsets exist only once some sample has labels; the samples
        // before the first labelled one get empty ranges.
        let n = self.stack_ends.len();
        if !labels.is_empty() && self.label_ends.len() < n - 1 {
            self.label_ends.resize(n - 1, 0);
        }
        if !labels.is_empty() || !self.label_ends.is_empty() {
            self.labels.extend_from_slice(labels);
            self.label_ends.push(self.labels.len() as u32);
        }
    }
}

/// A profile: sample types, samples, and the tables their stacks refer to.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// The string table (pprof's `string_table`) every [`StrId`] indexes.
    pub strings: Strings,
    /// What each sample value measures, one entry per value column
    /// (`sample_type`): `samples/count, cpu/nanoseconds` for a Go CPU
    /// profile, `alloc_objects/count, alloc_space/bytes,
    /// inuse_objects/count, inuse_space/bytes` for a heap profile.
    pub sample_types: Vec<ValueType>,
    /// String id of the default sample type's name, 0 if unset.
    pub default_sample_type: StrId,
    /// The samples: stacks, values and labels.
    pub samples: Samples,
    /// The address space regions of the profiled process (`mapping`);
    /// the first is the main binary.
    pub mappings: Vec<Mapping>,
    /// The locations (program counters) that stacks refer to
    /// (`location`), indexed by the dense indices in
    /// [`Samples::stacks`].
    pub locations: Vec<Location>,
    /// Lines of all locations back to back (see [`Location::lines`]).
    pub lines: Vec<Line>,
    /// The functions lines refer to (`function`), indexed by
    /// [`Line::function`].
    pub functions: Vec<Function>,
    /// A regular expression (`drop_frames`, "" if none): frames whose
    /// function name matches it entirely are removed from every stack,
    /// with the frames they called. Go's text heap profiles set it to
    /// the allocator's frames; see [`crate::remove_uninteresting`].
    pub drop_frames: StrId,
    /// A regular expression (`keep_frames`, "" if none) naming frames
    /// kept even when `drop_frames` matches them.
    pub keep_frames: StrId,
    /// When the profile was collected (`time_nanos`), in nanoseconds
    /// since the Unix epoch, UTC; 0 if unknown. Go writes when profiling
    /// began for a CPU profile, when the profile was written for the
    /// others.
    pub time_nanos: i64,
    /// How long the profile covers (`duration_nanos`), in nanoseconds; 0
    /// when it makes no sense (a heap snapshot). Go's runtime writes it
    /// for CPU profiles; `net/http/pprof`'s delta profiles (`?seconds=N`
    /// on heap, allocs, block, mutex, ...) have it too.
    pub duration_nanos: i64,
    /// What one sampling period is measured in (`period_type`):
    /// `cpu/nanoseconds` for CPU profiles, `space/bytes` for heap
    /// profiles, `contentions/count` for block and mutex profiles.
    pub period_type: Option<ValueType>,
    /// The sampling period in `period_type`'s unit (`period`): 10000000
    /// (10ms, 100 Hz) for a Go CPU profile, `runtime.MemProfileRate`
    /// (524288) for heap profiles.
    pub period: i64,
    /// Free-form notes written with the profile (`comment`), shown by
    /// pprof's `-comments`.
    pub comments: Vec<StrId>,
    /// A link to documentation about the profile (`doc_url`, "" if none).
    pub doc_url: StrId,
}

impl Profile {
    /// pprof's `Profile.NumLabelUnits`: the unit of each numeric label key,
    /// the first one seen, else inferred from the key.
    pub fn num_label_units(&self) -> std::collections::HashMap<String, String> {
        use std::collections::HashMap;
        let p = self;
        let mut units: HashMap<String, String> = HashMap::new();
        let mut keys: Vec<&str> = Vec::new();
        for l in &p.samples.labels {
            if l.is_str() {
                continue;
            }
            let key = p.str(l.key);
            if !units.contains_key(key) && !keys.contains(&key) {
                keys.push(key);
            }
            let unit = p.str(l.num_unit);
            if !unit.is_empty() && !units.contains_key(key) {
                units.insert(key.to_string(), unit.to_string());
            }
        }
        for key in keys {
            units.entry(key.to_string()).or_insert_with(|| match key {
                "alignment" | "request" => "bytes".to_string(),
                k => k.to_string(),
            });
        }
        units
    }

    /// The string at `id`.
    #[inline]
    pub fn str(&self, id: StrId) -> &str {
        self.strings.get(id)
    }

    /// The lines of location `loc` (dense index), innermost first.
    #[inline]
    pub fn location_lines(&self, loc: u32) -> &[Line] {
        let r = &self.locations[loc as usize].lines;
        &self.lines[r.start as usize..r.end as usize]
    }

    /// Names of the sample types, in order.
    pub fn sample_type_names(&self) -> Vec<&str> {
        self.sample_types.iter().map(|t| self.str(t.ty)).collect()
    }

    /// The index of the sample type shown when none is asked for:
    /// `default_sample_type` if it names one, else the last type.
    pub fn default_sample_index(&self) -> usize {
        if self.default_sample_type != 0 {
            let want = self.str(self.default_sample_type);
            if let Some(i) = self
                .sample_types
                .iter()
                .position(|t| self.str(t.ty) == want)
            {
                return i;
            }
        }
        self.sample_types.len().saturating_sub(1)
    }

    /// Resolves a sample index given by number or by type name, as pprof's
    /// `-sample_index` does: a name matches exactly or after stripping an
    /// `inuse_` prefix (so `inuse_space` selects a legacy `space`).
    pub fn sample_index(&self, spec: &str) -> Result<usize, crate::SampleIndexError> {
        let n = self.sample_types.len();
        if spec.is_empty() {
            return Ok(self.default_sample_index());
        }
        if let Ok(i) = spec.parse::<i64>() {
            if i < 0 || i as usize >= n {
                return Err(crate::SampleIndexError::OutOfRange {
                    index: i,
                    max: n as i64 - 1,
                });
            }
            return Ok(i as usize);
        }
        let stripped = spec.strip_prefix("inuse_").unwrap_or(spec);
        for (i, t) in self.sample_types.iter().enumerate() {
            let name = self.str(t.ty);
            if name == spec || name == stripped {
                return Ok(i);
            }
        }
        // Profile order, as pprof lists them (not sorted).
        let names = self
            .sample_type_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        Err(crate::SampleIndexError::Unknown {
            name: spec.to_string(),
            valid: names,
        })
    }

    /// The main binary's mapping (the first one), if any.
    pub fn main_mapping(&self) -> Option<&Mapping> {
        self.mappings.first()
    }
}
