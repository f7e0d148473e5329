//! The legacy parsers' intermediate model: a small pointer-free profile
//! shaped like pprof's `*Profile`, the in-place rewrites pprof applies to
//! it, its conversion into a [`Profile`], and pprof's tables of
//! uninteresting frames per profile kind.

use crate::builder::ProfileBuilder;
use crate::error::{ParseError, ValidationError};
use crate::model::{Label, Line, Location, Mapping, Profile};
use rustc_hash::FxHashMap;

/// Maps built from one local file (addresses, indices, names): FxHash.
pub(crate) type IntMap<K, V> = FxHashMap<K, V>;

/// Why a legacy parser gave up.
#[derive(Debug)]
pub(crate) enum LegacyError {
    /// Not this parser's format (pprof's `errUnrecognized`): try the next.
    Unrecognized,
    /// This parser's format, but malformed: the answer.
    Malformed {
        format: &'static str,
        /// 1-based line number (0 when the format has no lines).
        line: usize,
        what: String,
    },
}

pub(crate) type PResult<T> = Result<T, LegacyError>;

pub(crate) fn malformed(format: &'static str, line: usize, what: impl Into<String>) -> LegacyError {
    LegacyError::Malformed {
        format,
        line,
        what: what.into(),
    }
}

// ---------------------------------------------------------------------------
// The intermediate model.

/// A profile under construction, shaped like pprof's `*Profile` (indices
/// instead of pointers).
#[derive(Debug, Default)]
pub(crate) struct LProfile {
    pub sample_types: Vec<(String, String)>,
    pub period_type: Option<(String, String)>,
    pub period: i64,
    pub duration_nanos: i64,
    pub samples: Vec<LSample>,
    /// In pprof's `p.Location` order.
    pub locations: Vec<LLocation>,
    pub functions: Vec<LFunction>,
    pub mappings: Vec<LMapping>,
    pub drop_frames: String,
    pub keep_frames: String,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct LSample {
    /// Indices into `locations`, leaf first.
    pub locs: Vec<usize>,
    pub values: Vec<i64>,
    /// Numeric labels without unit (`bytes` of heap profiles).
    pub num_labels: Vec<(String, i64)>,
    /// String labels (goroutine labels of Go's `debug=1` profiles).
    pub labels: Vec<(String, String)>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct LLocation {
    pub address: u64,
    pub mapping: Option<usize>,
    pub lines: Vec<LLine>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct LLine {
    pub function: usize,
    pub line: i64,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct LFunction {
    pub name: String,
    pub system_name: String,
    pub filename: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct LMapping {
    pub start: u64,
    pub limit: u64,
    pub offset: u64,
    pub file: String,
    pub build_id: String,
    pub has_functions: bool,
    pub has_filenames: bool,
    pub has_line_numbers: bool,
    pub has_inline_frames: bool,
}

/// Interns locations by address, as every legacy parser does
/// (`locs := make(map[uint64]*Location)`).
#[derive(Default)]
pub(crate) struct LocTable {
    by_addr: IntMap<u64, usize>,
}

impl LocTable {
    pub fn get(&mut self, p: &mut LProfile, addr: u64) -> usize {
        *self.by_addr.entry(addr).or_insert_with(|| {
            p.locations.push(LLocation {
                address: addr,
                ..Default::default()
            });
            p.locations.len() - 1
        })
    }

    pub fn lookup(&self, addr: u64) -> Option<usize> {
        self.by_addr.get(&addr).copied()
    }
}

impl LProfile {
    pub(crate) fn value_type(t: &str, u: &str) -> (String, String) {
        (t.to_string(), u.to_string())
    }

    /// pprof's `remapLocationIDs`: keeps the locations that samples use, in
    /// order of first use.
    pub fn remap_location_ids(&mut self) {
        let mut new_index = vec![usize::MAX; self.locations.len()];
        let mut order = Vec::new();
        for s in &mut self.samples {
            for l in &mut s.locs {
                if new_index[*l] == usize::MAX {
                    new_index[*l] = order.len();
                    order.push(*l);
                }
                *l = new_index[*l];
            }
        }
        let mut old: Vec<Option<LLocation>> = std::mem::take(&mut self.locations)
            .into_iter()
            .map(Some)
            .collect();
        self.locations = order
            .iter()
            .map(|&i| old[i].take().unwrap_or_default())
            .collect();
    }

    /// pprof's `remapFunctionIDs`: keeps the functions that locations use,
    /// in order of first use.
    pub fn remap_function_ids(&mut self) {
        let mut new_index = vec![usize::MAX; self.functions.len()];
        let mut order = Vec::new();
        for loc in &mut self.locations {
            for ln in &mut loc.lines {
                if new_index[ln.function] == usize::MAX {
                    new_index[ln.function] = order.len();
                    order.push(ln.function);
                }
                ln.function = new_index[ln.function];
            }
        }
        let old = std::mem::take(&mut self.functions);
        self.functions = order.iter().map(|&i| old[i].clone()).collect();
    }

    /// pprof's `addLegacyFrameInfo`.
    pub(crate) fn add_legacy_frame_info(&mut self) {
        let names: Vec<&str> = self.sample_types.iter().map(|(t, _)| t.as_str()).collect();
        let is = |types: &[&[&str]]| types.contains(&names.as_slice());
        const HEAPZ: &[&[&str]] = &[
            &["allocations", "size"],
            &["objects", "space"],
            &["inuse_objects", "inuse_space"],
            &["alloc_objects", "alloc_space"],
            &[
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space",
            ],
        ];
        const CONTENTIONZ: &[&[&str]] = &[&["contentions", "delay"]];
        if is(HEAPZ) {
            self.drop_frames = ALLOC_RX.join("|");
            self.keep_frames = ALLOC_SKIP_RX.join("|");
        } else if is(CONTENTIONZ) {
            self.drop_frames = LOCK_RX.join("|");
            self.keep_frames = String::new();
        } else {
            self.drop_frames = CPU_PROFILER_RX.join("|");
            self.keep_frames = String::new();
        }
    }

    /// Converts to the model, checking what pprof's `CheckValid` checks of
    /// a freshly parsed legacy profile.
    pub(crate) fn into_profile(self) -> Result<Profile, ParseError> {
        let width = self.sample_types.len();
        if width == 0 && !self.samples.is_empty() {
            return Err(ValidationError::MissingSampleTypes.into());
        }
        for (i, s) in self.samples.iter().enumerate() {
            if s.values.len() != width {
                return Err(ValidationError::ValueCount {
                    sample: i,
                    values: s.values.len(),
                    types: width,
                }
                .into());
            }
        }
        for (what, n) in [
            ("locations", self.locations.len()),
            ("functions", self.functions.len()),
            ("mappings", self.mappings.len()),
            ("samples", self.samples.len()),
        ] {
            if n >= u32::MAX as usize {
                return Err(ValidationError::TooLarge(what).into());
            }
        }

        let mut b = ProfileBuilder::new();
        for (t, u) in &self.sample_types {
            b.add_sample_type(t, u);
        }
        let period_type = self.period_type.as_ref().map(|(t, u)| b.value_type(t, u));
        let drop_frames = b.intern(&self.drop_frames);
        let keep_frames = b.intern(&self.keep_frames);
        let mappings: Vec<Mapping> = self
            .mappings
            .iter()
            .enumerate()
            .map(|(i, m)| Mapping {
                id: i as u64 + 1,
                start: m.start,
                limit: m.limit,
                offset: m.offset,
                file: b.intern(&m.file),
                build_id: b.intern(&m.build_id),
                has_functions: m.has_functions,
                has_filenames: m.has_filenames,
                has_line_numbers: m.has_line_numbers,
                has_inline_frames: m.has_inline_frames,
            })
            .collect();
        let functions: Vec<crate::model::Function> = self
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| crate::model::Function {
                id: i as u64 + 1,
                name: b.intern(&f.name),
                system_name: b.intern(&f.system_name),
                filename: b.intern(&f.filename),
                start_line: 0,
            })
            .collect();
        let mut lines = Vec::new();
        let mut locations = Vec::with_capacity(self.locations.len());
        for (i, l) in self.locations.iter().enumerate() {
            let start = lines.len() as u32;
            lines.extend(l.lines.iter().map(|ln| Line {
                function: ln.function as u32,
                line: ln.line,
                column: 0,
            }));
            locations.push(Location {
                id: i as u64 + 1,
                mapping: l.mapping.map(|m| m as u32),
                address: l.address,
                lines: start..lines.len() as u32,
                is_folded: false,
            });
        }
        let mut labels: Vec<Label> = Vec::new();
        let mut stacks: Vec<u32> = Vec::new();
        for s in &self.samples {
            labels.clear();
            for (k, v) in &s.labels {
                labels.push(Label {
                    key: b.intern(k),
                    str: b.intern(v),
                    num: 0,
                    num_unit: 0,
                });
            }
            for (k, v) in &s.num_labels {
                labels.push(Label {
                    key: b.intern(k),
                    str: 0,
                    num: *v,
                    num_unit: 0,
                });
            }
            stacks.clear();
            stacks.extend(s.locs.iter().map(|&l| l as u32));
            b.push_sample(&stacks, &s.values, &labels);
        }
        let p = b.profile_mut();
        p.period_type = period_type;
        p.period = self.period;
        p.duration_nanos = self.duration_nanos;
        p.mappings = mappings;
        p.functions = functions;
        p.locations = locations;
        p.lines = lines;
        p.drop_frames = drop_frames;
        p.keep_frames = keep_frames;
        Ok(b.finish())
    }
}

/// pprof's `cleanupDuplicateLocations`: drops a duplicated leaf (the same
/// address once from the signal context and once, decremented, from
/// unwinding).
pub(crate) fn cleanup_duplicate_locations(p: &mut LProfile) {
    for s in &mut p.samples {
        if s.locs.len() > 1 {
            let a0 = p.locations[s.locs[0]].address;
            let a1 = p.locations[s.locs[1]].address;
            if a0 == a1.wrapping_add(1) {
                s.locs.remove(1);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// pprof's tables of uninteresting frames (legacy_profile.go).

const ALLOC_RX: &[&str] = &[
    // POSIX entry points.
    "calloc",
    "cfree",
    "malloc",
    "free",
    "memalign",
    "do_memalign",
    "(__)?posix_memalign",
    "pvalloc",
    "valloc",
    "realloc",
    // TC malloc.
    "tcmalloc::.*",
    "tc_calloc",
    "tc_cfree",
    "tc_malloc",
    "tc_free",
    "tc_memalign",
    "tc_posix_memalign",
    "tc_pvalloc",
    "tc_valloc",
    "tc_realloc",
    "tc_new",
    "tc_delete",
    "tc_newarray",
    "tc_deletearray",
    "tc_new_nothrow",
    "tc_newarray_nothrow",
    // Memory-allocation routines on OS X.
    "malloc_zone_malloc",
    "malloc_zone_calloc",
    "malloc_zone_valloc",
    "malloc_zone_realloc",
    "malloc_zone_memalign",
    "malloc_zone_free",
    // Go runtime
    r"runtime\..*",
    // Other misc. memory allocation routines
    "BaseArena::.*",
    "(::)?do_malloc_no_errno",
    "(::)?do_malloc_pages",
    "(::)?do_malloc",
    "DoSampledAllocation",
    "MallocedMemBlock::MallocedMemBlock",
    "_M_allocate",
    "__builtin_(vec_)?delete",
    "__builtin_(vec_)?new",
    "__gnu_cxx::new_allocator::allocate",
    "__libc_malloc",
    "__malloc_alloc_template::allocate",
    "allocate",
    "cpp_alloc",
    r"operator new(\[\])?",
    "simple_alloc::allocate",
];

const ALLOC_SKIP_RX: &[&str] = &[
    // Preserve Go runtime frames that appear in the middle/bottom of the
    // stack.
    r"runtime\.panic",
    r"runtime\.reflectcall",
    r"runtime\.call[0-9]*",
];

const CPU_PROFILER_RX: &[&str] = &[
    "ProfileData::Add",
    "ProfileData::prof_handler",
    "CpuProfiler::prof_handler",
    "__pthread_sighandler",
    "__restore",
];

const LOCK_RX: &[&str] = &[
    "RecordLockProfileData",
    "(base::)?RecordLockProfileData.*",
    "(base::)?SubmitMutexProfileData.*",
    "(base::)?SubmitSpinLockProfileData.*",
    "(base::Mutex::)?AwaitCommon.*",
    "(base::Mutex::)?Unlock.*",
    "(base::Mutex::)?UnlockSlow.*",
    "(base::Mutex::)?ReaderUnlock.*",
    "(base::MutexLock::)?~MutexLock.*",
    "(Mutex::)?AwaitCommon.*",
    "(Mutex::)?Unlock.*",
    "(Mutex::)?UnlockSlow.*",
    "(Mutex::)?ReaderUnlock.*",
    "(MutexLock::)?~MutexLock.*",
    "(SpinLock::)?Unlock.*",
    "(SpinLock::)?SlowUnlock.*",
    "(SpinLockHolder::)?~SpinLockHolder.*",
];
