//! Reading logs line by line in bounded memory, and keeping account of
//! the lines that were not understood.

use crate::error::DiagError;
use serde::Serialize;
use std::io::BufRead;

/// Lines longer than this are cut (and the cut reported): a runtime line
/// is at most a few kilobytes, so a longer one is junk, and a gigabyte
/// without a newline must not become a gigabyte string.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// How many skipped lines are kept with their text; the rest are counted.
const KEPT_SKIPS: usize = 20;

/// Yields the lines of a reader one at a time, each without its `\n` or
/// `\r\n`, invalid UTF-8 replaced, numbered from 1.
pub(crate) struct Lines<R> {
    reader: R,
    source: String,
    buf: Vec<u8>,
    text: String,
    number: u64,
    /// Whether the last line returned was cut at [`MAX_LINE`].
    pub cut: bool,
    /// Whether the input ended without a final newline.
    pub unterminated: bool,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R, source: &str) -> Self {
        Lines {
            reader,
            source: source.to_string(),
            buf: Vec::new(),
            text: String::new(),
            number: 0,
            cut: false,
            unterminated: false,
        }
    }

    /// The number of the last line returned (0 before the first).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The next line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>, DiagError> {
        self.buf.clear();
        self.cut = false;
        let mut saw_newline = false;
        let mut read_any = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(DiagError::Read {
                        source_name: self.source.clone(),
                        line: self.number + 1,
                        error: e,
                    });
                }
            };
            if chunk.is_empty() {
                break;
            }
            read_any = true;
            let (used, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            let room = MAX_LINE.saturating_sub(self.buf.len());
            let take = if done { used - 1 } else { used };
            if take > room {
                self.cut = true;
            }
            self.buf.extend_from_slice(&chunk[..take.min(room)]);
            self.reader.consume(used);
            if done {
                saw_newline = true;
                break;
            }
        }
        if !read_any {
            return Ok(None);
        }
        self.unterminated = !saw_newline;
        self.number += 1;
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        self.text.clear();
        match std::str::from_utf8(&self.buf) {
            Ok(s) => self.text.push_str(s),
            Err(_) => self.text.push_str(&String::from_utf8_lossy(&self.buf)),
        }
        Ok(Some(Line {
            no: self.number,
            cut: self.cut,
            last_unterminated: self.unterminated,
            text: &self.text,
        }))
    }
}

/// One line of input.
pub(crate) struct Line<'a> {
    /// Its number, from 1.
    pub no: u64,
    /// Whether it was cut at [`MAX_LINE`].
    pub cut: bool,
    /// Whether the input ended in it, without a newline (cut short?).
    pub last_unterminated: bool,
    /// Its text, without the line ending.
    pub text: &'a str,
}

/// One input and what was skipped in it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Source {
    /// Its name (a path, `-` for stdin, a URL).
    pub name: String,
    /// How many lines it has.
    pub lines: u64,
    /// The lines that were not understood.
    pub skipped: Skipped,
}

impl Source {
    pub(crate) fn new(name: &str) -> Self {
        Source {
            name: name.to_string(),
            lines: 0,
            skipped: Skipped::default(),
        }
    }
}

/// A line that was not understood.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SkippedLine {
    /// Its number in its input, from 1.
    pub line: u64,
    /// Why it was skipped.
    pub reason: String,
    /// Its start (at most 120 characters).
    pub text: String,
}

/// The lines of one input that were skipped: the first few with their
/// text, and how many in all.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Skipped {
    /// How many lines were skipped.
    pub count: u64,
    /// The first of them.
    pub first: Vec<SkippedLine>,
}

impl Skipped {
    pub(crate) fn add(&mut self, line: u64, reason: &str, text: &str) {
        self.count += 1;
        if self.first.len() < KEPT_SKIPS {
            self.first.push(SkippedLine {
                line,
                reason: reason.to_string(),
                text: clip(text, 120),
            });
        }
    }

    /// Whether nothing was skipped.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// `s` cut to at most `n` characters, with `…` when cut.
pub(crate) fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// What an input looks like when it is not what was expected: a hint for
/// the error message.
pub(crate) fn sniff(first_line: &str) -> Option<&'static str> {
    let t = first_line.trim_start().to_ascii_lowercase();
    if t.starts_with("<!doctype html") || t.starts_with("<html") {
        Some("this is an HTML page (an error page from the server?)")
    } else if t.starts_with('{') || t.starts_with('[') {
        Some("this looks like JSON")
    } else if first_line.starts_with('\u{1f}') || first_line.starts_with("\u{fffd}\u{8}") {
        Some("this looks like compressed data (gunzip it first?)")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<(String, bool)> {
        let mut l = Lines::new(input, "t");
        let mut out = Vec::new();
        while let Some(line) = l.next_line().unwrap() {
            out.push((line.text.to_string(), line.cut));
        }
        out
    }

    #[test]
    fn crlf_and_unterminated() {
        let got = all(b"a\r\nb\n\nc");
        let texts: Vec<_> = got.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(texts, ["a", "b", "", "c"]);
    }

    #[test]
    fn long_lines_are_cut_not_kept() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\nnext\n");
        let got = all(&input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.len(), MAX_LINE);
        assert!(got[0].1);
        assert_eq!(got[1], ("next".to_string(), false));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let got = all(b"a\xffb\n");
        assert_eq!(got[0].0, "a\u{fffd}b");
    }
}
