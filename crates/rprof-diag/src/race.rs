//! Race detector reports (`go test -race`, `go run -race`), grouped by
//! the pair of racing locations.
//!
//! A report sits between two `==================` lines:
//!
//! ```text
//! WARNING: DATA RACE
//! Read at 0x00c00009c168 by goroutine 9:
//!   diag/racy.(*Counter).Inc()
//!       diag/racy/racy_test.go:15 +0x28
//!   …
//!
//! Previous write at 0x00c00009c168 by goroutine 8:
//!   …
//!
//! Goroutine 9 (running) created at:
//!   …
//! ```
//!
//! with `by main goroutine`, `Atomic write`, `Location is global 'x' of
//! size 8 at 0x… (pkg+0x…)` or `Location is heap block of size N at 0x…
//! allocated by goroutine N:` (with its stack) as variants. The race
//! detector drops a report only when its stacks or its address repeat,
//! so one bug reached from several places is reported several times;
//! grouping by the unordered pair of the two accesses' innermost frames
//! (function, file and line) puts those together. The test a report
//! belongs to is the one `=== RUN` named last (with `-v`), or else the
//! one whose `--- FAIL:` line follows it.

use crate::error::DiagError;
use crate::lines::{Lines, Source, sniff};
use serde::Serialize;
use std::collections::HashMap;
use std::io::BufRead;

/// One frame of a race report's stack.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RaceFrame {
    /// The function (`diag/racy.(*Counter).Inc`).
    pub function: String,
    /// Its file.
    pub file: String,
    /// The line.
    pub line: u64,
}

/// One of the two racing accesses (or the memory's allocation).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Access {
    /// `Read`, `Write`, `Atomic read`, … (without `Previous`).
    pub kind: String,
    /// Whether this is the earlier access (`Previous write at …`).
    pub previous: bool,
    /// The address, as printed.
    pub address: String,
    /// The goroutine (None for `by main goroutine`).
    pub goroutine: Option<u64>,
    /// The stack, innermost first.
    pub frames: Vec<RaceFrame>,
}

/// Where a racing goroutine was started.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Creation {
    /// The goroutine.
    pub goroutine: u64,
    /// `running` or `finished`.
    pub state: String,
    /// The stack of the `go` statement, innermost first.
    pub frames: Vec<RaceFrame>,
}

/// One `WARNING: DATA RACE` report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RaceReport {
    /// The input.
    pub source: String,
    /// The line of `WARNING: DATA RACE`.
    pub line: u64,
    /// The accesses: the current one, then the previous one.
    pub accesses: Vec<Access>,
    /// `Location is …` lines.
    pub location: Option<String>,
    /// The stack that allocated the heap block, if printed.
    pub allocated: Vec<RaceFrame>,
    /// Where the racing goroutines were started.
    pub created: Vec<Creation>,
    /// The test it happened in, if known.
    pub test: Option<String>,
}

/// The races at one pair of locations.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RacePair {
    /// The two locations (innermost frames of the two accesses), sorted.
    pub locations: [RaceFrame; 2],
    /// How many reports.
    pub count: u64,
    /// The tests they appeared in, in order of first appearance.
    pub tests: Vec<String>,
    /// The inputs they appeared in.
    pub sources: Vec<String>,
    /// The first report, with both stacks.
    pub first: RaceReport,
}

/// The pairs of all inputs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RaceSummary {
    /// The inputs and what was skipped in them.
    pub sources: Vec<Source>,
    /// All reports.
    pub reports: u64,
    /// The pairs, most reported first.
    pub pairs: Vec<RacePair>,
    /// `Found N data race(s)` totals printed at exit, summed.
    pub found: u64,
}

/// Reads race logs, one after another, into pairs.
#[derive(Default)]
pub struct RaceReader {
    sources: Vec<Source>,
    pairs: Vec<RacePair>,
    index: HashMap<[RaceFrame; 2], usize>,
    reports: u64,
    found: u64,
}

/// Which section of a report a line belongs to.
enum Section {
    None,
    Access,
    Created,
    Allocated,
}

impl RaceReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads one log. Lines outside reports are ignored (test output,
    /// logs); lines inside a report that fit nothing are skipped and
    /// reported. Fails if the input has no race report, no `Found N data
    /// race(s)` line and no `go test` result line (`PASS`, `ok`, `---
    /// PASS:`): then it is not a race log at all.
    pub fn read(&mut self, name: &str, input: impl BufRead) -> Result<(), DiagError> {
        let mut lines = Lines::new(input, name);
        let mut source = Source::new(name);
        let mut current_test: Option<String> = None;
        // Reports waiting for a `--- FAIL:` line to name their test.
        let mut unnamed: Vec<usize> = Vec::new();
        let mut report: Option<RaceReport> = None;
        let mut section = Section::None;
        let mut pending_func: Option<String> = None;
        let mut first_line = None;
        let mut recognised = false;
        let mut in_block = false;
        while let Some(line) = lines.next_line()? {
            let text = line.text.trim_end();
            if first_line.is_none() && !text.trim().is_empty() {
                first_line = sniff(text);
            }
            if text == "==================" {
                if let Some(r) = report.take() {
                    if let Some(i) = self.add(r) {
                        unnamed.push(i);
                    }
                    in_block = false;
                } else {
                    in_block = true;
                }
                section = Section::None;
                pending_func = None;
                continue;
            }
            if text == "WARNING: DATA RACE" {
                recognised = true;
                if let Some(r) = report.take() {
                    // The closing line was lost: keep what there was.
                    if let Some(i) = self.add(r) {
                        unnamed.push(i);
                    }
                }
                report = Some(RaceReport {
                    source: name.to_string(),
                    line: line.no,
                    accesses: Vec::new(),
                    location: None,
                    allocated: Vec::new(),
                    created: Vec::new(),
                    test: current_test.clone(),
                });
                section = Section::None;
                continue;
            }
            let Some(r) = report.as_mut() else {
                // Outside reports: test context.
                let t = text.trim_start();
                if let Some(rest) = t.strip_prefix("=== RUN") {
                    current_test = rest.split_whitespace().next().map(str::to_string);
                } else if let Some(rest) = t.strip_prefix("=== CONT") {
                    current_test = rest.split_whitespace().next().map(str::to_string);
                } else if let Some(rest) = t
                    .strip_prefix("--- FAIL: ")
                    .or_else(|| t.strip_prefix("--- PASS: "))
                {
                    let test = rest.split_whitespace().next().unwrap_or("").to_string();
                    for i in unnamed.drain(..) {
                        let p = &mut self.pairs[i];
                        if !p.tests.contains(&test) {
                            p.tests.push(test.clone());
                        }
                        if p.first.test.is_none() {
                            p.first.test = Some(test.clone());
                        }
                    }
                    current_test = None;
                    recognised = true;
                } else if t == "PASS"
                    || t == "FAIL"
                    || t.starts_with("ok  ")
                    || t.starts_with("ok\t")
                {
                    recognised = true;
                } else if let Some(n) = t
                    .strip_prefix("Found ")
                    .and_then(|r| r.strip_suffix(" data race(s)"))
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    self.found += n;
                    recognised = true;
                } else if in_block && !t.is_empty() {
                    source
                        .skipped
                        .add(line.no, "inside a race block, before WARNING", text);
                }
                continue;
            };
            if text.is_empty() {
                if let Some(f) = pending_func.take() {
                    push_race_frame(r, &section, f, String::new(), 0);
                }
                section = Section::None;
                continue;
            }
            if !text.starts_with(' ') {
                pending_func = None;
                if let Some(a) = parse_access(text) {
                    r.accesses.push(a);
                    section = Section::Access;
                } else if let Some(c) = parse_created(text) {
                    r.created.push(c);
                    section = Section::Created;
                } else if let Some(loc) = text.strip_prefix("Location is ") {
                    r.location = Some(loc.trim_end_matches(':').to_string());
                    section = if text.ends_with(':') {
                        Section::Allocated
                    } else {
                        Section::None
                    };
                } else {
                    source
                        .skipped
                        .add(line.no, "not part of a race report", text);
                    section = Section::None;
                }
                continue;
            }
            // A frame: `  pkg.fn()` then `      file.go:12 +0x28`.
            let t = text.trim_start();
            let indent = text.len() - t.len();
            if indent <= 2 {
                if let Some(prev) = pending_func.take() {
                    push_race_frame(r, &section, prev, String::new(), 0);
                }
                pending_func = Some(t.strip_suffix("()").unwrap_or(t).to_string());
            } else if let Some(f) = pending_func.take() {
                let loc = t.split(" +0x").next().unwrap_or(t);
                match loc
                    .rsplit_once(':')
                    .and_then(|(file, n)| Some((file, n.parse::<u64>().ok()?)))
                {
                    Some((file, n)) => push_race_frame(r, &section, f, file.to_string(), n),
                    None => source.skipped.add(line.no, "not a file:line", text),
                }
            } else {
                source
                    .skipped
                    .add(line.no, "a file line without a function", text);
            }
        }
        if let Some(r) = report.take() {
            self.add(r);
        }
        source.lines = lines.number();
        self.sources.push(source);
        if !recognised {
            return Err(DiagError::NothingFound {
                source_name: name.to_string(),
                what: "race report (WARNING: DATA RACE)",
                hint: first_line,
            });
        }
        Ok(())
    }

    /// Adds a report to its pair; the pair's index if it has no test yet.
    fn add(&mut self, r: RaceReport) -> Option<usize> {
        self.reports += 1;
        let top = |i: usize| {
            r.accesses
                .get(i)
                .and_then(|a| a.frames.first())
                .cloned()
                .unwrap_or(RaceFrame {
                    function: "?".into(),
                    file: String::new(),
                    line: 0,
                })
        };
        let mut key = [top(0), top(1)];
        key.sort();
        let next = self.pairs.len();
        let i = *self.index.entry(key.clone()).or_insert(next);
        if i == next {
            self.pairs.push(RacePair {
                locations: key,
                count: 0,
                tests: Vec::new(),
                sources: Vec::new(),
                first: r.clone(),
            });
        }
        let p = &mut self.pairs[i];
        p.count += 1;
        if !p.sources.contains(&r.source) {
            p.sources.push(r.source.clone());
        }
        match &r.test {
            Some(t) => {
                if !p.tests.contains(t) {
                    p.tests.push(t.clone());
                }
                None
            }
            None => Some(i),
        }
    }

    /// The pairs, most reported first (then in order of appearance).
    pub fn finish(self) -> RaceSummary {
        let mut pairs = self.pairs;
        // A stable sort keeps the order of appearance among equals.
        pairs.sort_by_key(|p| std::cmp::Reverse(p.count));
        RaceSummary {
            sources: self.sources,
            reports: self.reports,
            pairs,
            found: self.found,
        }
    }
}

fn push_race_frame(
    r: &mut RaceReport,
    section: &Section,
    function: String,
    file: String,
    line: u64,
) {
    let f = RaceFrame {
        function,
        file,
        line,
    };
    match section {
        Section::Access => {
            if let Some(a) = r.accesses.last_mut() {
                a.frames.push(f);
            }
        }
        Section::Created => {
            if let Some(c) = r.created.last_mut() {
                c.frames.push(f);
            }
        }
        Section::Allocated => r.allocated.push(f),
        Section::None => {}
    }
}

/// `Read at 0x00c00009c168 by goroutine 9:`, `Previous write at 0x… by
/// main goroutine:`, `Atomic write at …`.
fn parse_access(text: &str) -> Option<Access> {
    let body = text.strip_suffix(':')?;
    let (previous, body) = match body.strip_prefix("Previous ") {
        Some(b) => (true, b),
        None => (false, body),
    };
    let (kind, rest) = body.split_once(" at ")?;
    let (address, who) = rest.split_once(" by ")?;
    let goroutine = if who == "main goroutine" {
        None
    } else {
        Some(who.strip_prefix("goroutine ")?.parse().ok()?)
    };
    let mut kind = kind.to_string();
    if let Some(first) = kind.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    Some(Access {
        kind,
        previous,
        address: address.to_string(),
        goroutine,
        frames: Vec::new(),
    })
}

/// `Goroutine 9 (running) created at:`.
fn parse_created(text: &str) -> Option<Creation> {
    let body = text
        .strip_prefix("Goroutine ")?
        .strip_suffix(" created at:")?;
    let (id, state) = body.split_once(' ')?;
    Some(Creation {
        goroutine: id.parse().ok()?,
        state: state.trim_matches(|c| c == '(' || c == ')').to_string(),
        frames: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_lines() {
        let a = parse_access("Previous write at 0x00c00009c168 by goroutine 8:").unwrap();
        assert!(a.previous);
        assert_eq!((a.kind.as_str(), a.goroutine), ("Write", Some(8)));
        let a = parse_access("Read at 0x1 by main goroutine:").unwrap();
        assert_eq!(a.goroutine, None);
        assert!(parse_access("Goroutine 9 (running) created at:").is_none());
        let c = parse_created("Goroutine 9 (running) created at:").unwrap();
        assert_eq!((c.goroutine, c.state.as_str()), (9, "running"));
    }
}
