//! The symbol comments of Go's `debug=1` profiles, which pprof ignores.
//!
//! After each sample line Go's `runtime/pprof` writes, for the frames of
//! the stack, lines `#\t0x4cb98f\truntime/pprof.writeHeapInternal+0xaf\t/path/pprof.go:650`
//! (`printStackRecord`): the address is the return address minus one —
//! exactly pprof's location address — then the function with the offset
//! from its entry, then file and line. Goroutine profiles precede them
//! with `# labels: {"k":"v", ...}`. Which frames get a line:
//!
//! * heap and goroutine profiles hide the runtime frames (`runtime.*`,
//!   `internal/runtime/*`) at the leaf end, up to the first other frame;
//!   mutex and block profiles print all frames;
//! * `runtime.goexit` (always the root of a goroutine's stack) is never
//!   printed;
//! * a frame without symbol prints as `#\t0x…` alone.
//!
//! Modern Go records one address per inlined call ("virtual" return
//! addresses next to the physical one) and so prints one line per address;
//! older runtimes printed one line per inlined frame, all with the same
//! address. Both are read: comment lines are aligned with the stack, and
//! `k` lines for a run of `r` equal stack addresses mean `k/r` inlined
//! frames per address (recursion repeats the address in the stack too).
//!
//! [`GoSymbols::apply`] then does what pprof's symbolizer does with the
//! binary: every location whose address has comments gets one line per
//! frame (innermost first), functions are created in location order, and
//! the mapping records which kinds of information it now has. Beyond the
//! comments it knows two things for certain, and uses them:
//!
//! * an uncommented root frame after commented ones is `runtime.goexit`
//!   (file and line unknown);
//! * in heap profiles the uncommented leaf frames are runtime allocator
//!   frames, which pprof's `drop_frames` for heap profiles (`runtime\..*`)
//!   removes once the binary names them; they are removed from the samples
//!   here (the locations stay in the table, as with pprof's `Prune`).
//!
//! What remains unknown without the binary: the names of the hidden leaf
//! runtime frames of goroutine profiles, the start lines of functions, and
//! the file and line of `runtime.goexit`.

use super::gonum::{parse_int, parse_uint};
use super::model::{IntMap, LFunction, LLine, LProfile};
use super::scan::{lossy, trim_space};

/// One frame of a comment line, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SymFrame<'a> {
    name: &'a [u8],
    file: &'a [u8],
    line: i64,
}

/// The sample whose comments are being read.
struct Block {
    sample: usize,
    /// The sample's location addresses (return addresses minus one).
    stack: Vec<u64>,
    labels: Vec<(String, String)>,
}

/// What the comments said about one sample's stack.
struct SampleSyms {
    /// Stack positions before the first commented one (hidden frames).
    first: usize,
    /// Position of the uncommented root frame that is `runtime.goexit`.
    goexit: Option<usize>,
    labels: Vec<(String, String)>,
}

/// Collects symbol comments and labels while a parser reads the samples.
#[derive(Default)]
pub(crate) struct GoSymbols<'a> {
    /// Comment address → frames, innermost first; the first sample that
    /// names an address defines it.
    frames: IntMap<u64, Vec<SymFrame<'a>>>,
    samples: IntMap<usize, SampleSyms>,
    cur: Option<Block>,
    /// The current block's comment lines (reused).
    comments: Vec<(u64, Option<SymFrame<'a>>)>,
    matched: Vec<bool>,
}

impl<'a> GoSymbols<'a> {
    /// A sample line was read: comments that follow belong to it.
    pub fn start_sample(&mut self, sample: usize, stack: Vec<u64>) {
        self.finish_block();
        self.cur = Some(Block {
            sample,
            stack,
            labels: Vec::new(),
        });
    }

    /// A line that is blank or a comment (`#…`); anything else ends the
    /// current sample's block ([`Self::finish_block`]).
    pub fn comment_or_blank(&mut self, line: &'a [u8]) {
        let line = trim_space(line);
        if line.is_empty() {
            self.finish_block();
            return;
        }
        let Some(block) = self.cur.as_mut() else {
            return;
        };
        if let Some(rest) = line.strip_prefix(b"# labels: ") {
            if let Some(labels) = parse_labels(trim_space(rest)) {
                block.labels = labels;
            }
            return;
        }
        if let Some(c) = parse_symbol_line(line) {
            self.comments.push(c);
        }
    }

    /// Ends the current sample's block: aligns its comments with its stack.
    pub fn finish_block(&mut self) {
        let Some(b) = self.cur.take() else {
            self.comments.clear();
            return;
        };
        let n = b.stack.len();
        let matched = &mut self.matched;
        matched.clear();
        matched.resize(n, false);
        let comments = &self.comments;
        let (mut c, mut j) = (0, 0);
        while c < comments.len() {
            let a = comments[c].0;
            let mut ce = c;
            while ce < comments.len() && comments[ce].0 == a {
                ce += 1;
            }
            let run = &comments[c..ce];
            c = ce;
            let k = run.len();
            let Some(js) = (j..n).find(|&i| b.stack[i] == a) else {
                continue;
            };
            let mut je = js;
            while je < n && b.stack[je] == a {
                je += 1;
            }
            let r = je - js;
            // Frames per stack entry of this run.
            let per = if k >= r && k.is_multiple_of(r) && repeats(run, k / r) {
                k / r
            } else if k < r {
                1
            } else {
                k
            };
            let entries = if k < r { k } else { r };
            matched[js..js + entries].iter_mut().for_each(|m| *m = true);
            j = js + entries;
            if let std::collections::hash_map::Entry::Vacant(e) = self.frames.entry(a) {
                let named: Vec<SymFrame> = run[..per].iter().filter_map(|(_, f)| *f).collect();
                if !named.is_empty() {
                    e.insert(named);
                }
            }
        }
        self.comments.clear();
        let first = matched.iter().position(|&m| m);
        if first.is_none() && b.labels.is_empty() {
            return;
        }
        // An uncommented root after commented frames, all commented in
        // between, is runtime.goexit (the only frame Go hides there).
        let goexit = first.and_then(|f| {
            let last = n - 1;
            (!matched[last] && f < last && matched[f..last].iter().all(|&m| m)).then_some(last)
        });
        self.samples.insert(
            b.sample,
            SampleSyms {
                first: first.unwrap_or(0),
                goexit,
                labels: b.labels,
            },
        );
    }

    /// Symbolizes `p` from the comments (see the module documentation);
    /// call after the parser has finished (locations renumbered, mappings
    /// assigned). `strip_hidden_leaf` for heap profiles.
    pub fn apply(mut self, p: &mut LProfile, strip_hidden_leaf: bool) {
        self.finish_block();
        if self.frames.is_empty() && self.samples.is_empty() {
            return;
        }
        let mut goexit: IntMap<u64, ()> = IntMap::default();
        for (&si, ss) in &self.samples {
            if let Some(&loc) = ss.goexit.and_then(|g| p.samples.get(si)?.locs.get(g)) {
                goexit.insert(p.locations[loc].address, ());
            }
        }
        let goexit_frame = [SymFrame {
            name: b"runtime.goexit",
            file: b"",
            line: 0,
        }];

        // Like pprof's symbolizer: functions deduplicated, in location order.
        let mut fn_index: IntMap<(&[u8], &[u8]), usize> = IntMap::default();
        for loc in &mut p.locations {
            if !loc.lines.is_empty() {
                continue;
            }
            let frames: &[SymFrame] = match self.frames.get(&loc.address) {
                Some(f) => f,
                None if goexit.contains_key(&loc.address) => &goexit_frame,
                None => continue,
            };
            for f in frames {
                let function = *fn_index.entry((f.name, f.file)).or_insert_with(|| {
                    let name = lossy(f.name);
                    p.functions.push(LFunction {
                        system_name: name.clone(),
                        name,
                        filename: lossy(f.file),
                    });
                    p.functions.len() - 1
                });
                loc.lines.push(LLine {
                    function,
                    line: f.line,
                });
                if let Some(m) = loc.mapping.and_then(|m| p.mappings.get_mut(m)) {
                    m.has_functions |= !f.name.is_empty();
                    m.has_filenames |= !f.file.is_empty();
                    m.has_line_numbers |= f.line != 0;
                    m.has_inline_frames = true;
                }
            }
        }

        for (si, ss) in self.samples {
            let Some(sample) = p.samples.get_mut(si) else {
                continue;
            };
            sample.labels = ss.labels;
            if strip_hidden_leaf && ss.first > 0 && ss.first <= sample.locs.len() {
                sample.locs.drain(..ss.first);
            }
        }
    }
}

/// True when `run` is the same `per` frames repeated.
fn repeats(run: &[(u64, Option<SymFrame<'_>>)], per: usize) -> bool {
    per > 0 && run.chunks(per).all(|c| c == &run[..per])
}

/// Reads `#\t0x4cb98f\tname+0xaf\tfile:line` or `#\t0x4cb98f` (a frame
/// Go could not name). Fields are separated by one or more tabs (Go aligns
/// them); the file and line are the rest of the line.
fn parse_symbol_line(line: &[u8]) -> Option<(u64, Option<SymFrame<'_>>)> {
    let rest = line.strip_prefix(b"#\t")?;
    let mut fields = rest.split(|&c| c == b'\t').filter(|f| !f.is_empty());
    let addr = fields.next()?;
    if !addr.starts_with(b"0x") {
        return None;
    }
    let addr = parse_uint(addr, 0)?;
    let Some(name) = fields.next() else {
        return Some((addr, None));
    };
    let name = strip_offset(name);
    let Some(file_line) = fields.next() else {
        return Some((
            addr,
            Some(SymFrame {
                name,
                file: b"",
                line: 0,
            }),
        ));
    };
    // The file:line is the rest of the line after its leading tabs.
    let off = file_line.as_ptr() as usize - line.as_ptr() as usize;
    let (file, line_no) = split_file_line(&line[off..]);
    Some((
        addr,
        Some(SymFrame {
            name,
            file,
            line: line_no,
        }),
    ))
}

/// `main.f+0x1c` → `main.f`.
fn strip_offset(name: &[u8]) -> &[u8] {
    if let Some(i) = name.iter().rposition(|&c| c == b'+') {
        let off = &name[i + 1..];
        if off.len() > 2 && off.starts_with(b"0x") && off[2..].iter().all(|c| c.is_ascii_hexdigit())
        {
            return &name[..i];
        }
    }
    name
}

/// `/path/file.go:123` → (`/path/file.go`, 123); without a valid line
/// number the whole text is the file.
fn split_file_line(s: &[u8]) -> (&[u8], i64) {
    if let Some(i) = s.iter().rposition(|&c| c == b':')
        && let Some(n) = parse_int(&s[i + 1..], 10)
    {
        return (&s[..i], n);
    }
    (s, 0)
}

/// Reads the `{"k":"v", "k2":"v2"}` of a `# labels:` line (Go's
/// `labelMap.String`, keys and values quoted with `%q`). Labels with an
/// empty value are dropped: the protobuf form cannot hold them either.
fn parse_labels(s: &[u8]) -> Option<Vec<(String, String)>> {
    let mut s = s.strip_prefix(b"{")?.strip_suffix(b"}")?;
    let mut out = Vec::new();
    loop {
        s = s.trim_ascii_start();
        if s.is_empty() {
            break;
        }
        let (k, rest) = unquote_prefix(s)?;
        let rest = rest
            .trim_ascii_start()
            .strip_prefix(b":")?
            .trim_ascii_start();
        let (v, rest) = unquote_prefix(rest)?;
        if !v.is_empty() {
            out.push((lossy(&k), lossy(&v)));
        }
        s = rest.trim_ascii_start();
        match s.strip_prefix(b",") {
            Some(r) => s = r,
            None if s.is_empty() => break,
            None => return None,
        }
    }
    Some(out)
}

/// Reads one Go double-quoted string literal at the start of `s`; returns
/// its bytes and the rest.
fn unquote_prefix(s: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut s = s.strip_prefix(b"\"")?;
    let mut out = Vec::new();
    loop {
        let (&c, rest) = s.split_first()?;
        s = rest;
        match c {
            b'"' => return Some((out, s)),
            b'\\' => {
                let (&e, rest) = s.split_first()?;
                s = rest;
                let simple = match e {
                    b'a' => Some(7),
                    b'b' => Some(8),
                    b'f' => Some(12),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    b'v' => Some(11),
                    b'\\' | b'"' | b'\'' => Some(e),
                    _ => None,
                };
                if let Some(b) = simple {
                    out.push(b);
                    continue;
                }
                match e {
                    b'x' => {
                        let h = s.get(..2)?;
                        out.push(u8::try_from(parse_uint(h, 16)?).ok()?);
                        s = &s[2..];
                    }
                    b'u' | b'U' => {
                        let n = if e == b'u' { 4 } else { 8 };
                        let h = s.get(..n)?;
                        let ch = char::from_u32(u32::try_from(parse_uint(h, 16)?).ok()?)?;
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        s = &s[n..];
                    }
                    b'0'..=b'7' => {
                        let o = [e, *s.first()?, *s.get(1)?];
                        out.push(u8::try_from(parse_uint(&o, 8)?).ok()?);
                        s = &s[2..];
                    }
                    _ => return None,
                }
            }
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_lines() {
        let (a, f) = parse_symbol_line(
            b"#\t0x4cb98f\truntime/pprof.writeHeapInternal+0xaf\t/p/pprof.go:650",
        )
        .unwrap();
        assert_eq!(a, 0x4cb98f);
        let f = f.unwrap();
        assert_eq!(f.name, b"runtime/pprof.writeHeapInternal");
        assert_eq!(f.file, b"/p/pprof.go");
        assert_eq!(f.line, 650);
        let (a, f) =
            parse_symbol_line(b"#\t0x4e1d86\tmain.main+0x46\t\t/tmp/a b/main.go:49").unwrap();
        assert_eq!(a, 0x4e1d86);
        assert_eq!(f.unwrap().file, b"/tmp/a b/main.go");
        assert_eq!(parse_symbol_line(b"#\t0x0"), Some((0, None)));
        assert_eq!(parse_symbol_line(b"# runtime.MemStats"), None);
        assert_eq!(parse_symbol_line(b"# Alloc = 1"), None);
        assert_eq!(parse_symbol_line(b"#\tnot-an-address"), None);
        assert_eq!(strip_offset(b"a+b"), b"a+b");
        assert_eq!(strip_offset(b"f+0x"), b"f+0x");
    }

    #[test]
    fn labels() {
        assert_eq!(
            parse_labels(br#"{"kind":"sleeper", "worker":"w0"}"#).unwrap(),
            vec![
                ("kind".into(), "sleeper".into()),
                ("worker".into(), "w0".into())
            ]
        );
        assert_eq!(
            parse_labels(br#"{"a\"b":"\u00e9\x41\n\101", "e":""}"#).unwrap(),
            vec![("a\"b".into(), "\u{e9}A\nA".into())]
        );
        assert_eq!(parse_labels(b"{}").unwrap(), vec![]);
        assert!(parse_labels(br#"{"a":"b" "c":"d"}"#).is_none());
        assert!(parse_labels(br#"{"a":"b"#).is_none());
        assert!(parse_labels(br#"{"a\"#).is_none());
    }
}
