//! Readers for the text and legacy binary profile formats that pprof still
//! accepts, ported from pprof's `profile/legacy_profile.go` and
//! `legacy_java_profile.go` with pprof's exact numeric semantics:
//!
//! * gperftools' binary CPU profile, 32 or 64-bit words of either
//!   endianness, and its Java variant ([`cpu`]);
//! * heap profiles: Go's `heap profile: … @ heap/N` (`debug=1`, heap and
//!   allocs), `heapz_v2`, `heapprofile`, `growthz`, `fragmentationz`
//!   ([`heap`]);
//! * Go's count profiles, `goroutine profile: total N` and
//!   `threadcreate profile: total N` (`debug=1`) ([`count`]);
//! * threadz dumps ([`thread`]);
//! * contention profiles: Go's `--- mutex:` and `--- contention:` (block)
//!   and C++ `--- contentionz` ([`contention`]);
//! * Java's heapz and contentionz ([`java`]).
//!
//! The parsers are tried in pprof's order; the first that recognizes the
//! data wins, and an error from a parser that recognized its format is the
//! answer (pprof's `parseLegacy`). Memory-map sections become mappings
//! ([`maps`]), and the profile gets pprof's `drop_frames`/`keep_frames` for
//! its kind (`addLegacyFrameInfo`), which [`crate::prune`] applies.
//!
//! Beyond pprof: Go's `debug=1` profiles carry the symbols of every frame in
//! `#` comment lines, and goroutine profiles their labels; pprof ignores
//! both and needs the binary. rprof reads them ([`gosym`]), so that these
//! files show function names, files and lines without the binary.
//!
//! The parsers first build a small pointer-free model ([`LProfile`]) that
//! follows Go's structures closely enough to port pprof's in-place
//! rewrites (renumbering, mapping heuristics, frame stripping) line by line,
//! and convert it to a [`Profile`] at the end. Ids are numbered the way
//! pprof numbers them, so that `raw` output matches pprof's byte for byte.

mod contention;
mod count;
mod cpu;
mod gonum;
mod gosym;
mod heap;
mod java;
mod maps;
mod thread;

use crate::builder::ProfileBuilder;
use crate::error::{ParseError, ValidationError};
use crate::model::{Label, Line, Location, Mapping, Profile};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast hasher for the maps built from one local file: addresses,
/// indices, names (FxHash's multiply-rotate, 8 bytes at a time).
#[derive(Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

impl Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.write_u64(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 59));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// Reads `data` as one of the legacy formats. `None` when no legacy parser
/// recognizes it (the caller then reports the protobuf error); `Some(Err)`
/// when a parser recognized its format but the data is malformed.
pub fn parse(data: &[u8]) -> Option<Result<Profile, ParseError>> {
    type Parser = fn(&[u8]) -> PResult<LProfile>;
    let parsers: [Parser; 6] = [
        cpu::parse_cpu,
        heap::parse_heap,
        count::parse_go_count,
        thread::parse_thread,
        contention::parse_contention,
        java::parse_java_profile,
    ];
    for parser in parsers {
        match parser(data) {
            Ok(mut p) => {
                p.add_legacy_frame_info();
                return Some(p.into_profile());
            }
            Err(LegacyError::Unrecognized) => continue,
            Err(LegacyError::Malformed { format, line, what }) => {
                return Some(Err(ParseError::Text { format, line, what }));
            }
        }
    }
    None
}

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

/// Bytes as text for messages and names (invalid UTF-8 replaced).
pub(crate) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
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
    fn value_type(t: &str, u: &str) -> (String, String) {
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
    fn add_legacy_frame_info(&mut self) {
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
    fn into_profile(self) -> Result<Profile, ParseError> {
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
// Line scanning with Go's bufio.Scanner/ScanLines semantics.

/// Splits like Go's `bufio.Scanner` with `ScanLines`: lines end at `\n`,
/// one trailing `\r` is dropped, a last line without newline counts, and
/// after the end `text()` is empty.
pub(crate) struct Scanner<'a> {
    data: &'a [u8],
    pos: usize,
    text: &'a [u8],
    line_no: usize,
}

impl<'a> Scanner<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Scanner {
            data,
            pos: 0,
            text: b"",
            line_no: 0,
        }
    }

    pub fn scan(&mut self) -> bool {
        if self.pos >= self.data.len() {
            self.text = b"";
            return false;
        }
        let rest = &self.data[self.pos..];
        let (mut line, adv) = match rest.iter().position(|&c| c == b'\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        if let [head @ .., b'\r'] = line {
            line = head;
        }
        self.pos += adv;
        self.line_no += 1;
        self.text = line;
        true
    }

    /// The current line (empty after the end).
    pub fn text(&self) -> &'a [u8] {
        self.text
    }

    /// 1-based number of the current line.
    pub fn line_no(&self) -> usize {
        self.line_no
    }
}

/// Go's `strings.TrimSpace`: Unicode white space at both ends (invalid
/// UTF-8 is not space).
pub(crate) fn trim_space(b: &[u8]) -> &[u8] {
    let mut start = 0;
    while start < b.len() {
        match space_len_at(&b[start..]) {
            Some(n) => start += n,
            None => break,
        }
    }
    let mut end = b.len();
    while end > start {
        match space_len_before(&b[start..end]) {
            Some(n) => end -= n,
            None => break,
        }
    }
    &b[start..end]
}

fn space_len_at(b: &[u8]) -> Option<usize> {
    let c = b[0];
    if c < 0x80 {
        return matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ').then_some(1);
    }
    let n = match c {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return None,
    };
    let s = std::str::from_utf8(b.get(..n)?).ok()?;
    s.chars().next().filter(|ch| ch.is_whitespace()).map(|_| n)
}

fn space_len_before(b: &[u8]) -> Option<usize> {
    let last = *b.last()?;
    if last < 0x80 {
        return matches!(last, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ').then_some(1);
    }
    for n in 2..=4.min(b.len()) {
        if let Ok(s) = std::str::from_utf8(&b[b.len() - n..]) {
            return s.chars().next().filter(|ch| ch.is_whitespace()).map(|_| n);
        }
    }
    None
}

/// pprof's `isSpaceOrComment`.
pub(crate) fn is_space_or_comment(line: &[u8]) -> bool {
    let t = trim_space(line);
    t.is_empty() || t[0] == b'#'
}

/// pprof's `isMemoryMapSentinel`.
pub(crate) fn is_memory_map_sentinel(line: &[u8]) -> bool {
    contains(line, b"--- Memory map: ---") || contains(line, b"MAPPED_LIBRARIES:")
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Compiles one of the parsers' patterns: bytes, ASCII classes (Go's `\d`,
/// `\s`, `\w` are ASCII), `.` matching any byte but `\n` as Go's does on
/// text.
pub(crate) fn rx(pattern: &str) -> regex::bytes::Regex {
    regex::bytes::Regex::new(&format!("(?-u){pattern}")).expect("legacy pattern compiles")
}

/// A lazily compiled pattern.
macro_rules! lazy_rx {
    ($name:ident, $pat:expr) => {
        fn $name() -> &'static regex::bytes::Regex {
            static RX: std::sync::OnceLock<regex::bytes::Regex> = std::sync::OnceLock::new();
            RX.get_or_init(|| $crate::legacy::rx($pat))
        }
    };
}
pub(crate) use lazy_rx;

lazy_rx!(hex_number_rx, r"0x[0-9a-f]+");

/// pprof's `parseHexAddresses`: every `0x…` in `s`; `Err` names a number
/// too large for 64 bits.
pub(crate) fn parse_hex_addresses(s: &[u8]) -> Result<Vec<u64>, String> {
    let mut out = Vec::new();
    for m in hex_number_rx().find_iter(s) {
        match gonum::parse_uint(m.as_bytes(), 0) {
            Some(a) => out.push(a),
            None => {
                return Err(format!(
                    "failed to parse as hex 64-bit number: {}",
                    lossy(m.as_bytes())
                ));
            }
        }
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_matches_go() {
        let mut s = Scanner::new(b"a\r\nb\n\nc");
        let mut got = Vec::new();
        while s.scan() {
            got.push(s.text().to_vec());
        }
        assert_eq!(
            got,
            vec![b"a".to_vec(), b"b".to_vec(), b"".to_vec(), b"c".to_vec()]
        );
        assert_eq!(s.text(), b"");
        assert!(!s.scan());
    }

    #[test]
    fn trim_space_is_unicode_aware() {
        assert_eq!(trim_space(" \t x \u{a0}".as_bytes()), b"x");
        assert_eq!(trim_space(b"\xff x \xff"), b"\xff x \xff");
        assert_eq!(trim_space(b"   "), b"");
    }

    #[test]
    fn hex_addresses() {
        assert_eq!(
            parse_hex_addresses(b"@ 0x1 0xff x0x2").unwrap(),
            vec![1, 255, 2]
        );
        assert!(parse_hex_addresses(b"0x10000000000000000").is_err());
    }
}
