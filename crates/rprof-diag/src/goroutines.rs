//! Goroutine dumps: what Go prints on a panic, a fatal error, `SIGQUIT`,
//! `?debug=2`, `gops stack` or a `go test -timeout`, from Go 1.19 to 1.27.
//!
//! A dump is read line by line and each goroutine, once complete, is put
//! into its bucket and forgotten: memory grows with the number of distinct
//! stacks, not with the number of goroutines or the size of the file. The
//! forms handled:
//!
//! - headers: `goroutine 7 [chan receive, 3 minutes, locked to thread]:`,
//!   with `gp=0x… m=N mp=0x…` (Go 1.21+, on a crash), `(leaked)`, `(scan)`,
//!   `(durable)` after the state, `synctest bubble N`, and labels
//!   `{k: v, "odd key": "odd value"}` (Go 1.27, `tracebacklabels`);
//! - frames: `pkg.fn(0x1, {0x2, 0x3}, ...)` then `\tfile.go:12 +0x1d`
//!   (with `fp= sp= pc=` on a crash), inlined frames `pkg.fn(...)` without
//!   an offset, `created by pkg.fn in goroutine N` (Go 1.21+; without the
//!   goroutine before), `...N frames elided...` (Go 1.21+) and
//!   `...additional frames elided...` (before), `goroutine running on other
//!   thread; stack unavailable`, `[originating from goroutine N]:`
//!   (tracebackancestors; those frames are not part of the stack);
//! - preambles: `panic: v [recovered]` with `\tpanic: w` chains (and Go
//!   1.23+'s `[recovered, repanicked]`), `[signal SIGSEGV: …]`,
//!   `fatal error: …` and `runtime: …` lines, `SIGQUIT: quit` with
//!   `PC=0x…` and the register block (`rax    0x0`) after the goroutines,
//!   `panic: test timed out after 2s` with its `running tests:` list.
//!
//! Lines that fit none of these (a log line in the middle of a dump, the
//! `FAIL pkg 2.0s` of `go test`) are skipped and reported with their
//! numbers; a goroutine cut short by the end of the input (a dump cut at
//! 64 MB by Go, a rotated log) is kept as far as it goes and the dump is
//! marked truncated.

use crate::error::DiagError;
use crate::lines::{Lines, Skipped, Source, clip, sniff};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

/// How goroutines are grouped and when a bucket looks like a leak.
#[derive(Debug, Clone)]
pub struct GoroutineOptions {
    /// Group stacks that differ only in their arguments (panicparse's
    /// `-s anyvalue`). Without it, arguments must match too, except that
    /// any two pointers (hexadecimal values of 1 MiB and more) count as
    /// equal, and so do values Go prints with a `?` (possibly
    /// inaccurate): every goroutine has its own channel or connection,
    /// and telling them apart would leave one goroutine per bucket.
    pub similar: bool,
    /// A bucket of at least this many blocked goroutines is a leak
    /// suspect when they have waited `leak_min_minutes` or grew across
    /// dumps.
    pub leak_min_count: u64,
    /// See `leak_min_count`.
    pub leak_min_minutes: u64,
}

impl Default for GoroutineOptions {
    fn default() -> Self {
        GoroutineOptions {
            similar: false,
            leak_min_count: 10,
            leak_min_minutes: 1,
        }
    }
}

/// One frame of a stack.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Frame {
    /// The function, as printed (`main.(*T).run.func1`, `panic`).
    pub function: String,
    /// The arguments between the parentheses, as printed; `...` for a
    /// frame inlined into the next one.
    pub args: String,
    /// The source file, as printed (absolute, or module-relative with
    /// `-trimpath`).
    pub file: String,
    /// The line in it (0 when the input did not say).
    pub line: u64,
    /// The `+0x…` offset from the function's entry, when printed.
    pub offset: Option<u64>,
}

impl Frame {
    /// Whether the compiler inlined this frame into its caller (the next
    /// frame).
    pub fn inlined(&self) -> bool {
        self.args == "..."
    }
}

/// Where a goroutine was started.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CreatedBy {
    /// The function whose `go` statement started it.
    pub function: String,
    /// Its file.
    pub file: String,
    /// The line of the `go` statement.
    pub line: u64,
}

/// One entry of a panic chain, outermost first.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PanicValue {
    /// The printed value.
    pub value: String,
    /// `[recovered]`: a deferred call recovered it (and then panicked
    /// again, or the next entry would not be there).
    pub recovered: bool,
    /// `[recovered, repanicked]` (Go 1.23+): re-panicked with the same value.
    pub repanicked: bool,
}

/// What made the program print the dump.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DumpKind {
    /// `panic: …`.
    Panic,
    /// `panic: test timed out after …` from `go test -timeout`.
    TestTimeout,
    /// `fatal error: …` (a runtime throw, such as a deadlock).
    Fatal,
    /// A signal: `SIGQUIT: quit`, `SIGABRT: abort`, …
    Signal,
    /// Just the stacks: `?debug=2`, `gops stack`, `runtime.Stack`.
    Stacks,
}

/// One dump: a preamble (maybe) and its goroutines.
#[derive(Debug, Clone, Serialize)]
pub struct Dump {
    /// The input it came from.
    pub source: String,
    /// The line where it starts.
    pub first_line: u64,
    /// What kind of dump.
    pub kind: DumpKind,
    /// The first preamble line (`panic: …`, `fatal error: …`, `SIGQUIT: quit`).
    pub headline: Option<String>,
    /// The preamble's lines, as printed (at most 64).
    pub preamble: Vec<String>,
    /// The panic chain, outermost first.
    pub panics: Vec<PanicValue>,
    /// `[signal SIGSEGV: segmentation violation code=… addr=… pc=…]`, or
    /// the signal line of a signal dump.
    pub signal: Option<String>,
    /// For a test timeout: the tests that were running (`TestHang (2s)`).
    pub running_tests: Vec<String>,
    /// How many goroutines it has.
    pub goroutines: u64,
    /// How many register lines follow the goroutines (signal dumps).
    pub registers: u32,
    /// Whether it ends in the middle of a goroutine (cut short).
    pub truncated: bool,
}

/// How many goroutines of a bucket are in one state.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StateCount {
    /// The state, as Go names it (`chan receive`, `IO wait`, `running`).
    pub state: String,
    /// How many.
    pub count: u64,
}

/// A goroutine label.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label {
    /// Its key.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// The smallest and largest of some values.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Range {
    /// The smallest.
    pub min: u64,
    /// The largest.
    pub max: u64,
}

/// Goroutines with the same stack (see [`GoroutineOptions::similar`]),
/// labels and creator.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    /// How many goroutines, in all dumps.
    pub count: u64,
    /// How many in each dump, in the order of [`GoroutineReport::dumps`].
    pub per_dump: Vec<u64>,
    /// How many in each state, most first.
    pub states: Vec<StateCount>,
    /// How long they had been waiting, in whole minutes as Go prints them
    /// (0 for less than a minute or not waiting).
    pub wait_minutes: Range,
    /// How many were `locked to thread`.
    pub locked_to_thread: u64,
    /// How many the runtime marked `(leaked)` (Go 1.26+'s goroutine leak
    /// detector: blocked on something no other goroutine can reach).
    pub leaked: u64,
    /// Their labels.
    pub labels: Vec<Label>,
    /// The stack, innermost first, as the first goroutine of the bucket
    /// printed it.
    pub frames: Vec<Frame>,
    /// `...N frames elided...` or `...additional frames elided...` in the
    /// middle of the stack, if it was printed.
    pub elided: Option<String>,
    /// Where they were started.
    pub created_by: Option<CreatedBy>,
    /// The goroutines that started them (Go 1.21+), the first ten.
    pub parents: Vec<u64>,
    /// Their ids, the first ten.
    pub ids: Vec<u64>,
    /// The goroutine that was running when the program died: it printed
    /// the panic, or the signal stopped it. Always a bucket of its own.
    pub crashing: bool,
    /// Why this bucket looks like a goroutine leak, if it does.
    pub leak: Option<String>,
}

/// The buckets of one or more dumps.
#[derive(Debug, Clone, Serialize)]
pub struct GoroutineReport {
    /// Whether arguments were ignored when grouping.
    pub similar: bool,
    /// The inputs, in the order read.
    pub sources: Vec<Source>,
    /// The dumps, in the order read.
    pub dumps: Vec<Dump>,
    /// Every goroutine of every dump.
    pub goroutines: u64,
    /// The buckets: the crashing goroutines first, then the largest (in
    /// the last dump, then in all).
    pub buckets: Vec<Bucket>,
}

/// At most this many frames of one goroutine are kept; Go prints at most
/// 100 (50 inner, 50 outer) so only junk has more.
const MAX_FRAMES: usize = 1024;
/// At most this many preamble lines are kept.
const MAX_PREAMBLE: usize = 64;

/// States in which a goroutine waits for another goroutine or the
/// network: the states of a leak.
fn is_blocked(state: &str) -> bool {
    const BLOCKING: &[&str] = &[
        "chan receive",
        "chan send",
        "select",
        "semacquire",
        "sync.Mutex.Lock",
        "sync.RWMutex.Lock",
        "sync.RWMutex.RLock",
        "sync.Cond.Wait",
        "sync.WaitGroup.Wait",
        "IO wait",
        "sleep",
    ];
    BLOCKING.iter().any(|b| state.starts_with(b)) && state != "select (no cases)"
        || state.starts_with("chan receive (nil chan)")
        || state.starts_with("chan send (nil chan)")
}

/// Reads goroutine dumps, one input after another, into buckets.
pub struct GoroutineReader {
    opts: GoroutineOptions,
    dumps: Vec<Dump>,
    sources: Vec<Source>,
    buckets: Vec<Acc>,
    index: HashMap<String, usize>,
    goroutines: u64,
}

/// A bucket being filled.
struct Acc {
    first_seen: usize,
    bucket: Bucket,
    states: BTreeMap<String, u64>,
}

/// A goroutine being read.
struct Pending {
    id: u64,
    state: String,
    wait_minutes: u64,
    locked: bool,
    leaked: bool,
    labels: Vec<Label>,
    frames: Vec<Frame>,
    /// A function line waiting for its file line.
    call: Option<(String, String)>,
    /// A `created by` line waiting for its file line.
    creator: Option<(String, Option<u64>)>,
    created_by: Option<CreatedBy>,
    parent: Option<u64>,
    elided: Option<String>,
    /// Inside an `[originating from goroutine N]:` block.
    ancestors: bool,
    crashing: bool,
}

impl GoroutineReader {
    /// A reader with these options.
    pub fn new(opts: GoroutineOptions) -> Self {
        GoroutineReader {
            opts,
            dumps: Vec::new(),
            sources: Vec::new(),
            buckets: Vec::new(),
            index: HashMap::new(),
            goroutines: 0,
        }
    }

    /// Reads one input (a file, stdin, a fetched body), which may hold
    /// several dumps. Fails if it cannot be read or holds no goroutine.
    pub fn read(&mut self, name: &str, input: impl BufRead) -> Result<(), DiagError> {
        let mut lines = Lines::new(input, name);
        let mut source = Source::new(name);
        let mut st = State {
            dump: None,
            pending: None,
            preamble_open: false,
            first_line: None,
        };
        let found_before = self.goroutines;
        while let Some(line) = lines.next_line()? {
            if st.first_line.is_none() && !line.text.trim().is_empty() {
                st.first_line = Some(clip(line.text, 200));
            }
            if line.cut {
                source.skipped.add(line.no, "line too long", line.text);
                continue;
            }
            self.line(&mut st, &mut source.skipped, name, line.no, line.text);
        }
        source.lines = lines.number();
        if let Some(p) = st.pending.take() {
            // A dump's last goroutine ends with the input. It was cut
            // short if its last line was (no newline: Go's 64 MB limit,
            // a rotated log) or a frame lacks its file line.
            if (lines.unterminated || p.call.is_some() || p.creator.is_some())
                && let Some(d) = st.dump.as_mut()
            {
                d.truncated = true;
            }
            self.finish_goroutine(&mut st, p);
        }
        if let Some(d) = st.dump.take() {
            self.dumps.push(d);
        }
        self.sources.push(source);
        if self.goroutines == found_before {
            let hint = st.first_line.as_deref().and_then(|l| {
                if l.starts_with("goroutine profile: total") {
                    Some("this is a debug=1 goroutine profile: read it with `rprof top`")
                } else {
                    sniff(l)
                }
            });
            return Err(DiagError::NothingFound {
                source_name: name.to_string(),
                what: "goroutine",
                hint,
            });
        }
        Ok(())
    }

    fn line(&mut self, st: &mut State, skipped: &mut Skipped, name: &str, no: u64, line: &str) {
        let line = line.trim_end();
        if let Some(h) = parse_header(line) {
            if let Some(p) = st.pending.take() {
                self.finish_goroutine(st, p);
            }
            let dump = st.dump.get_or_insert_with(|| new_dump(name, no, None));
            st.preamble_open = false;
            // The first goroutine after a preamble, if it was running,
            // is the one that died (or that the signal stopped).
            let crashing =
                dump.goroutines == 0 && dump.kind != DumpKind::Stacks && h.state == "running";
            st.pending = Some(Pending {
                id: h.id,
                state: h.state,
                wait_minutes: h.minutes,
                locked: h.locked,
                leaked: h.leaked,
                labels: h.labels,
                frames: Vec::new(),
                call: None,
                creator: None,
                created_by: None,
                parent: None,
                elided: None,
                ancestors: false,
                crashing,
            });
            return;
        }
        if st.pending.is_some() {
            if line.is_empty() {
                let p = st.pending.take().unwrap();
                self.finish_goroutine(st, p);
                return;
            }
            let p = st.pending.as_mut().unwrap();
            if frame_line(p, line) {
                return;
            }
            // Not part of a goroutine: a preamble starts the next dump,
            // anything else is skipped and the goroutine goes on.
            if preamble_kind(line).is_none() && !is_register(line) {
                skipped.add(no, "not part of a goroutine", line);
                return;
            }
            let p = st.pending.take().unwrap();
            self.finish_goroutine(st, p);
        }
        if line.is_empty() || line == "-----" {
            return;
        }
        if let Some(kind) = preamble_kind(line) {
            let starts_new = st.dump.as_ref().is_some_and(|d| d.goroutines > 0);
            // A `\tpanic:` chain entry or a `[signal` line belongs to the
            // preamble being read.
            let continues = st.preamble_open
                && (line.starts_with('\t') || line.starts_with("[signal") || kind == Pre::Runtime);
            if starts_new
                && !continues
                && let Some(d) = st.dump.take()
            {
                self.dumps.push(d);
            }
            let dump = st
                .dump
                .get_or_insert_with(|| new_dump(name, no, Some(kind)));
            if dump.kind == DumpKind::Stacks && dump.goroutines == 0 {
                dump.kind = kind.dump_kind().unwrap_or(DumpKind::Stacks);
                dump.first_line = no;
            }
            st.preamble_open = true;
            preamble_line(dump, kind, line);
            return;
        }
        if is_register(line)
            && let Some(d) = st.dump.as_mut()
        {
            d.registers += 1;
            return;
        }
        if st.preamble_open {
            // A panic value that spans lines, `runtime stack:` frames of a
            // throw, the list of running tests.
            let dump = st.dump.as_mut().expect("a preamble has a dump");
            if line.starts_with("\t\t") && dump.kind == DumpKind::TestTimeout {
                dump.running_tests.push(line.trim().to_string());
            }
            if dump.preamble.len() < MAX_PREAMBLE {
                dump.preamble.push(line.to_string());
            }
            return;
        }
        skipped.add(no, "not part of a goroutine dump", line);
    }

    fn finish_goroutine(&mut self, st: &mut State, mut p: Pending) {
        if let Some((function, args)) = p.call.take() {
            // A function line whose file line never came.
            push_frame(&mut p, function, args, String::new(), 0, None);
        }
        if let Some((function, parent)) = p.creator.take() {
            p.created_by = Some(CreatedBy {
                function,
                file: String::new(),
                line: 0,
            });
            p.parent = parent;
        }
        let dump = st.dump.as_mut().expect("a goroutine has a dump");
        dump.goroutines += 1;
        self.goroutines += 1;
        let dump_index = self.dumps.len();
        let key = bucket_key(&p, self.opts.similar);
        let next = self.buckets.len();
        let i = *self.index.entry(key).or_insert(next);
        if i == next {
            self.buckets.push(Acc {
                first_seen: next,
                states: BTreeMap::new(),
                bucket: Bucket {
                    count: 0,
                    per_dump: Vec::new(),
                    states: Vec::new(),
                    wait_minutes: Range {
                        min: p.wait_minutes,
                        max: p.wait_minutes,
                    },
                    locked_to_thread: 0,
                    leaked: 0,
                    labels: std::mem::take(&mut p.labels),
                    frames: std::mem::take(&mut p.frames),
                    elided: p.elided.take(),
                    created_by: p.created_by.take(),
                    parents: Vec::new(),
                    ids: Vec::new(),
                    crashing: p.crashing,
                    leak: None,
                },
            });
        }
        let acc = &mut self.buckets[i];
        let b = &mut acc.bucket;
        b.count += 1;
        if b.per_dump.len() <= dump_index {
            b.per_dump.resize(dump_index + 1, 0);
        }
        b.per_dump[dump_index] += 1;
        *acc.states.entry(p.state).or_insert(0) += 1;
        b.wait_minutes.min = b.wait_minutes.min.min(p.wait_minutes);
        b.wait_minutes.max = b.wait_minutes.max.max(p.wait_minutes);
        b.locked_to_thread += u64::from(p.locked);
        b.leaked += u64::from(p.leaked);
        if b.ids.len() < 10 && !b.ids.contains(&p.id) {
            b.ids.push(p.id);
        }
        if let Some(parent) = p.parent
            && b.parents.len() < 10
            && !b.parents.contains(&parent)
        {
            b.parents.push(parent);
        }
    }

    /// The buckets, sorted, with leak suspects flagged.
    pub fn finish(self) -> GoroutineReport {
        let ndumps = self.dumps.len();
        let mut accs = self.buckets;
        for acc in &mut accs {
            let b = &mut acc.bucket;
            b.per_dump.resize(ndumps, 0);
            let mut states: Vec<StateCount> = std::mem::take(&mut acc.states)
                .into_iter()
                .map(|(state, count)| StateCount { state, count })
                .collect();
            states.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.state.cmp(&b.state)));
            b.states = states;
            b.leak = leak_reason(b, &self.opts);
        }
        accs.sort_by(|a, b| {
            let (x, y) = (&a.bucket, &b.bucket);
            y.crashing
                .cmp(&x.crashing)
                .then_with(|| y.per_dump.last().cmp(&x.per_dump.last()))
                .then_with(|| y.count.cmp(&x.count))
                .then_with(|| a.first_seen.cmp(&b.first_seen))
        });
        GoroutineReport {
            similar: self.opts.similar,
            sources: self.sources,
            dumps: self.dumps,
            goroutines: self.goroutines,
            buckets: accs.into_iter().map(|a| a.bucket).collect(),
        }
    }
}

/// Reads one input of goroutine dumps: a shortcut for
/// [`GoroutineReader`].
pub fn read_goroutines(
    name: &str,
    input: impl BufRead,
    opts: &GoroutineOptions,
) -> Result<GoroutineReport, DiagError> {
    let mut r = GoroutineReader::new(opts.clone());
    r.read(name, input)?;
    Ok(r.finish())
}

struct State {
    dump: Option<Dump>,
    pending: Option<Pending>,
    /// A preamble was read and no goroutine yet.
    preamble_open: bool,
    first_line: Option<String>,
}

fn new_dump(name: &str, no: u64, kind: Option<Pre>) -> Dump {
    Dump {
        source: name.to_string(),
        first_line: no,
        kind: kind.and_then(Pre::dump_kind).unwrap_or(DumpKind::Stacks),
        headline: None,
        preamble: Vec::new(),
        panics: Vec::new(),
        signal: None,
        running_tests: Vec::new(),
        goroutines: 0,
        registers: 0,
        truncated: false,
    }
}

/// The kinds of preamble line.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pre {
    Panic,
    TestTimeout,
    Fatal,
    Signal,
    /// `[signal SIGSEGV: …]` after a panic line.
    SignalInfo,
    /// `PC=0x… m=0 sigcode=0`.
    Pc,
    /// `runtime: …` messages before a throw.
    Runtime,
}

impl Pre {
    fn dump_kind(self) -> Option<DumpKind> {
        match self {
            Pre::Panic => Some(DumpKind::Panic),
            Pre::TestTimeout => Some(DumpKind::TestTimeout),
            Pre::Fatal => Some(DumpKind::Fatal),
            Pre::Signal => Some(DumpKind::Signal),
            Pre::SignalInfo | Pre::Pc | Pre::Runtime => None,
        }
    }
}

fn preamble_kind(line: &str) -> Option<Pre> {
    let t = line.trim_start_matches('\t');
    if let Some(v) = t.strip_prefix("panic: ") {
        if line.starts_with('\t') {
            return Some(Pre::Panic);
        }
        return Some(if v.starts_with("test timed out after ") {
            Pre::TestTimeout
        } else {
            Pre::Panic
        });
    }
    if line.starts_with("fatal error: ") {
        return Some(Pre::Fatal);
    }
    if line.starts_with("[signal ") {
        return Some(Pre::SignalInfo);
    }
    if line.starts_with("PC=0x") {
        return Some(Pre::Pc);
    }
    if line.starts_with("runtime: ") {
        return Some(Pre::Runtime);
    }
    // SIGQUIT: quit, SIGABRT: abort, SIGSEGV: segmentation violation.
    if let Some((sig, _)) = line.split_once(": ")
        && sig.len() > 3
        && sig.starts_with("SIG")
        && sig[3..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some(Pre::Signal);
    }
    None
}

fn preamble_line(dump: &mut Dump, kind: Pre, line: &str) {
    if dump.headline.is_none()
        && matches!(
            kind,
            Pre::Panic | Pre::TestTimeout | Pre::Fatal | Pre::Signal
        )
    {
        dump.headline = Some(line.to_string());
    }
    if dump.preamble.len() < MAX_PREAMBLE {
        dump.preamble.push(line.to_string());
    }
    match kind {
        Pre::Panic | Pre::TestTimeout => {
            let v = line
                .trim_start_matches('\t')
                .strip_prefix("panic: ")
                .unwrap_or("");
            let (value, recovered, repanicked) =
                if let Some(v) = v.strip_suffix(" [recovered, repanicked]") {
                    (v, true, true)
                } else if let Some(v) = v.strip_suffix(" [recovered]") {
                    (v, true, false)
                } else {
                    (v, false, false)
                };
            if dump.panics.len() < MAX_PREAMBLE {
                dump.panics.push(PanicValue {
                    value: value.to_string(),
                    recovered,
                    repanicked,
                });
            }
        }
        Pre::SignalInfo => dump.signal = Some(line.to_string()),
        Pre::Signal if dump.signal.is_none() => dump.signal = Some(line.to_string()),
        _ => {}
    }
}

/// `rax    0x0`, `rflags 0x246`, `x0      0x1`, `lr      0x…`: one short
/// lowercase word, spaces, a hexadecimal number.
fn is_register(line: &str) -> bool {
    let Some((name, value)) = line.split_once(' ') else {
        return false;
    };
    !name.is_empty()
        && name.len() <= 8
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && value
            .trim_start()
            .strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

struct Header {
    id: u64,
    state: String,
    minutes: u64,
    locked: bool,
    leaked: bool,
    labels: Vec<Label>,
}

/// `goroutine 7 [chan receive, 3 minutes]:`, `goroutine 7 gp=0x… m=nil
/// [select]: `, `goroutine 7 [select] {k: v}:`.
fn parse_header(line: &str) -> Option<Header> {
    let rest = line.strip_prefix("goroutine ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id: u64 = rest[..digits].parse().ok()?;
    let rest = &rest[digits..];
    let open = rest.find(" [")?;
    // Between the id and the state only `gp=… m=… mp=…` may appear.
    if !rest[..open]
        .trim()
        .split(' ')
        .all(|w| w.is_empty() || w.contains('='))
    {
        return None;
    }
    let inner_start = open + 2;
    let close = inner_start + rest[inner_start..].find(']')?;
    let inner = &rest[inner_start..close];
    let tail = rest[close + 1..].trim();
    let tail = tail.strip_suffix(':')?.trim();
    let labels = if tail.is_empty() {
        Vec::new()
    } else {
        parse_labels(tail.strip_prefix('{')?.strip_suffix('}')?)?
    };
    let mut parts = inner.split(", ");
    let mut state = parts.next()?.to_string();
    let mut leaked = false;
    if let Some(s) = state.strip_suffix(" (leaked)") {
        state = s.to_string();
        leaked = true;
    }
    if let Some(s) = state.strip_suffix(" (scan)") {
        state = s.to_string();
    }
    let mut minutes = 0;
    let mut locked = false;
    for part in parts {
        if let Some(m) = part.strip_suffix(" minutes") {
            minutes = m.trim().parse().unwrap_or(0);
        } else if part == "locked to thread" {
            locked = true;
        }
        // `synctest bubble N` and future fields: not part of the state.
    }
    Some(Header {
        id,
        state,
        minutes,
        locked,
        leaked,
        labels,
    })
}

/// `k: v, "odd key": "odd \"value\""`: Go quotes a key or value only when
/// it has characters other than letters, digits, `.`, `/`, `_`.
fn parse_labels(s: &str) -> Option<Vec<Label>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key = label_token(&mut chars, ':')?;
        if chars.next() != Some(':') {
            return None;
        }
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let value = label_token(&mut chars, ',')?;
        out.push(Label { key, value });
        match chars.next() {
            None => break,
            Some(',') => {}
            Some(_) => return None,
        }
    }
    Some(out)
}

fn label_token(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, end: char) -> Option<String> {
    let mut out = String::new();
    if chars.peek() == Some(&'"') {
        chars.next();
        loop {
            match chars.next()? {
                '"' => return Some(out),
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'x' => {
                        let h: String = [chars.next()?, chars.next()?].iter().collect();
                        out.push(char::from(u8::from_str_radix(&h, 16).ok()?));
                    }
                    c @ ('u' | 'U') => {
                        let n = if c == 'u' { 4 } else { 8 };
                        let h: String = (0..n).filter_map(|_| chars.next()).collect();
                        out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
                    }
                    c => out.push(c),
                },
                c => out.push(c),
            }
        }
    }
    while let Some(&c) = chars.peek() {
        if c == end {
            break;
        }
        out.push(c);
        chars.next();
    }
    Some(out.trim_end().to_string())
}

/// Handles a line inside a goroutine; false if it is not one of its lines.
fn frame_line(p: &mut Pending, line: &str) -> bool {
    if p.ancestors {
        // Frames of an ancestor's stack (GODEBUG=tracebackancestors):
        // shown by Go, but not this goroutine's stack.
        return !line.starts_with("goroutine ");
    }
    if line.starts_with('\t') || line.starts_with("    ") {
        let t = line.trim_start();
        if t == "goroutine running on other thread; stack unavailable" {
            return true;
        }
        let Some((file, lineno, offset)) = parse_file_line(t) else {
            return false;
        };
        if let Some((function, args)) = p.call.take() {
            push_frame(p, function, args, file, lineno, offset);
            return true;
        }
        if let Some((function, parent)) = p.creator.take() {
            p.created_by = Some(CreatedBy {
                function,
                file,
                line: lineno,
            });
            p.parent = parent;
            return true;
        }
        return false;
    }
    if let Some(rest) = line.strip_prefix("created by ") {
        let (function, parent) = match rest.split_once(" in goroutine ") {
            Some((f, g)) => (f.to_string(), g.trim().parse().ok()),
            None => (rest.to_string(), None),
        };
        flush_call(p);
        p.creator = Some((function, parent));
        return true;
    }
    if line.starts_with("...") && line.ends_with("frames elided...") {
        flush_call(p);
        p.elided = Some(line.to_string());
        return true;
    }
    if line.starts_with("[originating from goroutine ") {
        flush_call(p);
        p.ancestors = true;
        return true;
    }
    if let Some((function, args)) = parse_call(line) {
        flush_call(p);
        p.call = Some((function.to_string(), args.to_string()));
        return true;
    }
    false
}

fn flush_call(p: &mut Pending) {
    if let Some((function, args)) = p.call.take() {
        push_frame(p, function, args, String::new(), 0, None);
    }
}

fn push_frame(
    p: &mut Pending,
    function: String,
    args: String,
    file: String,
    line: u64,
    offset: Option<u64>,
) {
    if p.frames.len() < MAX_FRAMES {
        p.frames.push(Frame {
            function,
            args,
            file,
            line,
            offset,
        });
    } else if p.elided.is_none() {
        p.elided = Some(format!(
            "...frames after the first {MAX_FRAMES} not kept..."
        ));
    }
}

/// `pkg.(*T).fn[...](0x1, {0x2})` → (`pkg.(*T).fn[...]`, `0x1, {0x2}`).
/// Arguments never contain parentheses, so the last `(` opens them.
fn parse_call(line: &str) -> Option<(&str, &str)> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let body = line.strip_suffix(')')?;
    let open = body.rfind('(')?;
    let function = &body[..open];
    if function.is_empty() || function.contains(' ') {
        return None;
    }
    Some((function, &body[open + 1..]))
}

/// `file.go:12 +0x1d fp=0x… sp=0x… pc=0x…` → (`file.go`, 12, Some(0x1d)).
fn parse_file_line(t: &str) -> Option<(String, u64, Option<u64>)> {
    let (loc, rest) = match t.find(" +0x") {
        Some(i) => (&t[..i], &t[i + 2..]),
        None => match t.find(" fp=") {
            Some(i) => (&t[..i], ""),
            None => (t, ""),
        },
    };
    let (file, lineno) = loc.rsplit_once(':')?;
    let lineno: u64 = lineno.parse().ok()?;
    if file.is_empty() {
        return None;
    }
    let offset = rest
        .strip_prefix("0x")
        .and_then(|h| u64::from_str_radix(h.split(' ').next().unwrap_or(""), 16).ok());
    Some((file.to_string(), lineno, offset))
}

/// What makes two goroutines the same: stack, creator, labels, and
/// whether one crashed.
fn bucket_key(p: &Pending, similar: bool) -> String {
    use std::fmt::Write;
    let mut k = String::with_capacity(64 * (p.frames.len() + 1));
    if p.crashing {
        k.push_str("!crashing\n");
    }
    for f in &p.frames {
        let _ = write!(k, "{}\u{0}{}\u{0}{}", f.function, f.file, f.line);
        if !similar {
            k.push('\u{0}');
            normalize_args(&f.args, &mut k);
        }
        k.push('\n');
    }
    if let Some(e) = &p.elided {
        let _ = writeln!(k, "{e}");
    }
    if let Some(c) = &p.created_by {
        let _ = writeln!(k, "created by {}\u{0}{}\u{0}{}", c.function, c.file, c.line);
    }
    for l in &p.labels {
        let _ = writeln!(k, "label {}\u{0}{}", l.key, l.value);
    }
    k
}

/// The arguments with every pointer-sized value (>= 1 MiB) and every
/// value Go marks as possibly inaccurate (`0x0?`, Go 1.18+: a register
/// argument whose spill slot may be stale) replaced by `*`: addresses
/// differ from goroutine to goroutine, and the marked values are noise.
fn normalize_args(args: &str, out: &mut String) {
    let mut rest = args;
    while let Some(i) = rest.find("0x") {
        out.push_str(&rest[..i]);
        let hex = &rest[i + 2..];
        let n = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
        let value = u64::from_str_radix(&hex[..n], 16).unwrap_or(u64::MAX);
        let doubtful = hex[n..].starts_with('?');
        if n > 0 && (value >= 1 << 20 || doubtful) {
            out.push('*');
            rest = &hex[n + usize::from(doubtful)..];
        } else {
            out.push_str(&rest[i..i + 2 + n]);
            rest = &hex[n..];
        }
    }
    out.push_str(rest);
}

/// Why a bucket looks like a leak: the runtime said so, or many
/// goroutines blocked for minutes, or a blocked bucket that keeps growing
/// from dump to dump.
fn leak_reason(b: &Bucket, opts: &GoroutineOptions) -> Option<String> {
    let mut reasons = Vec::new();
    if b.leaked > 0 {
        reasons.push(format!(
            "the runtime marked {} of them leaked (blocked on something no running goroutine can reach)",
            b.leaked
        ));
    }
    let blocked: u64 = b
        .states
        .iter()
        .filter(|s| is_blocked(&s.state))
        .map(|s| s.count)
        .sum();
    let main_state = b.states.first().map(|s| s.state.as_str()).unwrap_or("");
    let big = b.per_dump.iter().copied().max().unwrap_or(0) >= opts.leak_min_count;
    if big && blocked * 2 > b.count && !b.crashing {
        if b.wait_minutes.max >= opts.leak_min_minutes.max(1) {
            reasons.push(format!(
                "{blocked} goroutines blocked in {main_state}, the longest for {} min",
                b.wait_minutes.max
            ));
        }
        let counts = &b.per_dump;
        let present: Vec<u64> = counts.iter().copied().skip_while(|&c| c == 0).collect();
        if present.len() >= 2
            && present.windows(2).all(|w| w[1] >= w[0])
            && present.last() > present.first()
        {
            let shown: Vec<String> = counts.iter().map(u64::to_string).collect();
            reasons.push(format!(
                "blocked in {main_state} and growing across dumps: {}",
                shown.join(" → ")
            ));
        }
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = parse_header("goroutine 31 gp=0x159abcb31a40 m=0 mp=0xb76cc0 [running]:").unwrap();
        assert_eq!((h.id, h.state.as_str()), (31, "running"));
        let h = parse_header("goroutine 7 [chan receive (leaked), 2 minutes, locked to thread] {handler: session, \"a b\": \"x\\\"y\"}:").unwrap();
        assert_eq!(h.state, "chan receive");
        assert!(h.leaked && h.locked);
        assert_eq!(h.minutes, 2);
        assert_eq!(h.labels[1].key, "a b");
        assert_eq!(h.labels[1].value, "x\"y");
        assert!(parse_header("goroutine profile: total 4").is_none());
        assert!(parse_header("goroutine 1 [running]").is_none());
    }

    #[test]
    fn calls_and_files() {
        assert_eq!(
            parse_call("main.(*T).Run[...](0x1, {0x2, 0x3})"),
            Some(("main.(*T).Run[...]", "0x1, {0x2, 0x3}"))
        );
        assert_eq!(parse_call("\tmain.f()"), None);
        assert_eq!(
            parse_file_line("diag/main.go:210 +0x30 fp=0x1 sp=0x2 pc=0x3"),
            Some(("diag/main.go".to_string(), 210, Some(0x30)))
        );
        assert_eq!(
            parse_file_line("C:/go/src/x.go:5"),
            Some(("C:/go/src/x.go".to_string(), 5, None))
        );
    }

    #[test]
    fn pointers_compare_equal() {
        let mut a = String::new();
        normalize_args("0x159abcb31a40, 0x3, {0xc000012000?, 0x10}, 0x0?", &mut a);
        assert_eq!(a, "*, 0x3, {*, 0x10}, *");
    }

    #[test]
    fn registers() {
        assert!(is_register("rax    0x159abcb31a78"));
        assert!(is_register("rflags 0xa86"));
        assert!(!is_register("goroutine 1 [running]:"));
        assert!(!is_register("exit status 2"));
    }
}
