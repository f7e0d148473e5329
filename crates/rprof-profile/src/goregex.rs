//! Go's regular expressions (RE2 syntax, as pprof's `regexp.Compile` reads
//! them) on the `regex` crate: patterns are rewritten so that they mean
//! what they mean in Go, and errors carry Go's codes and wording
//! ([`GoRegexError`]).

use regex::{Regex, RegexBuilder};
use std::fmt;
use std::ops::Range;

/// Why Go would refuse a pattern: Go's `syntax.Error`, whose text is
/// ``error parsing regexp: CODE: `EXPR` ``.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("error parsing regexp: {code}{}", expr.as_ref().map(|e| format!(": `{e}`")).unwrap_or_default())]
pub struct GoRegexError {
    /// What is wrong (Go's `ErrorCode`).
    pub code: GoRegexCode,
    /// The part of the pattern it is about, as Go shows it.
    pub expr: Option<String>,
}

impl GoRegexError {
    fn new(code: GoRegexCode, expr: &str) -> Self {
        GoRegexError {
            code,
            expr: Some(expr.to_string()),
        }
    }

    /// The message without Go's `error parsing regexp: ` prefix.
    pub fn reason(&self) -> String {
        let s = self.to_string();
        s.strip_prefix("error parsing regexp: ")
            .unwrap_or(&s)
            .to_string()
    }
}

/// Go's `syntax.ErrorCode`s that rprof reports, with Go's wording.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GoRegexCode {
    /// `invalid character class range`
    InvalidCharRange,
    /// `invalid escape sequence`
    InvalidEscape,
    /// `invalid named capture`
    InvalidNamedCapture,
    /// `invalid or unsupported Perl syntax`
    InvalidPerlOp,
    /// `invalid nested repetition operator`
    InvalidRepeatOp,
    /// `invalid repeat count`
    InvalidRepeatSize,
    /// `missing closing ]`
    MissingBracket,
    /// `missing closing )`
    MissingParen,
    /// `missing argument to repetition operator`
    MissingRepeatArgument,
    /// `trailing backslash at end of expression`
    TrailingBackslash,
    /// `unexpected )`
    UnexpectedParen,
    /// `expression too large`
    Large,
    /// A failure Go has no code for (the `regex` crate's own words).
    Other(String),
}

impl fmt::Display for GoRegexCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use GoRegexCode::*;
        f.write_str(match self {
            InvalidCharRange => "invalid character class range",
            InvalidEscape => "invalid escape sequence",
            InvalidNamedCapture => "invalid named capture",
            InvalidPerlOp => "invalid or unsupported Perl syntax",
            InvalidRepeatOp => "invalid nested repetition operator",
            InvalidRepeatSize => "invalid repeat count",
            MissingBracket => "missing closing ]",
            MissingParen => "missing closing )",
            MissingRepeatArgument => "missing argument to repetition operator",
            TrailingBackslash => "trailing backslash at end of expression",
            UnexpectedParen => "unexpected )",
            Large => "expression too large",
            Other(s) => s,
        })
    }
}

/// Compiles `pattern` as Go's `regexp.Compile` would read it.
///
/// Go's RE2 syntax and the `regex` crate's differ in ways that matter for
/// function names; the pattern is rewritten so that it means what it means
/// in Go:
///
/// * `\Q…\E` quotes literal text (`\Q(*conn).Write\E`);
/// * `\<` and `\>` are the literal characters `<` and `>` (C++ templates),
///   not word boundaries;
/// * a `{` that does not start a repetition `{n}`, `{n,}`, `{n,m}` is a
///   literal (`struct {`), as is a lone `}`;
/// * inside `[…]`, `[` (other than `[:alpha:]`), `&&`, `--` and `~~` are
///   ordinary characters, not nested classes or set operations;
/// * `\d`, `\s`, `\w`, `\b` and their negations are ASCII-only;
/// * octal escapes (`\012`) are accepted.
///
/// The error is Go's message, e.g. ``error parsing regexp: missing
/// argument to repetition operator: `*` `` (for the errors Go and the
/// `regex` crate share; the `regex` crate is a little more permissive).
pub fn compile_go_regex(pattern: &str) -> Result<Regex, GoRegexError> {
    let t = translate_go_regex(pattern)?;
    RegexBuilder::new(&t.text)
        .octal(true)
        .build()
        .map_err(|e| go_error(pattern, &t, &e))
}

/// A Go pattern rewritten for the `regex` crate, with the position in the
/// original pattern of every byte of the rewrite (for error messages).
struct Translated {
    text: String,
    /// `origin[i]`: byte offset in the Go pattern that produced byte `i` of
    /// `text`; one extra entry for the end.
    origin: Vec<usize>,
}

impl Translated {
    fn emit(&mut self, s: &str, from: usize) {
        self.text.push_str(s);
        self.origin.extend(std::iter::repeat_n(from, s.len()));
    }
}

/// `s[i..]` (at a `{`) starts a Go repetition `{n}`, `{n,}` or `{n,m}`:
/// its length and bounds (`max` -1 when open).
fn go_repeat(s: &[u8], i: usize) -> Option<(usize, i64, i64)> {
    let num = |j: &mut usize| -> Option<i64> {
        let st = *j;
        while *j < s.len() && s[*j].is_ascii_digit() {
            *j += 1;
        }
        if *j == st {
            return None;
        }
        // Go caps the parsed value; anything this long is out of range.
        Some(
            std::str::from_utf8(&s[st..*j])
                .ok()?
                .parse::<i64>()
                .unwrap_or(i64::MAX),
        )
    };
    let mut j = i + 1;
    let min = num(&mut j)?;
    let mut max = min;
    if j < s.len() && s[j] == b',' {
        j += 1;
        max = if j < s.len() && s[j] == b'}' {
            -1
        } else {
            num(&mut j)?
        };
    }
    (j < s.len() && s[j] == b'}').then_some((j + 1 - i, min, max))
}

/// The length of the char starting at byte `i`.
fn char_len(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(1, char::len_utf8)
}

/// Length of `\p{…}` / `\pX` / `\x{…}` starting at `i` (the backslash).
fn braced_escape_len(s: &str, i: usize) -> usize {
    let b = s.as_bytes();
    if i + 2 < b.len() && b[i + 2] == b'{' {
        match s[i + 2..].find('}') {
            Some(j) => 2 + j + 1,
            None => s.len() - i,
        }
    } else if i + 2 < b.len() {
        2 + char_len(s, i + 2)
    } else {
        s.len() - i
    }
}

/// Go's check of `\1`…`\7`: a single non-zero digit (not followed by an
/// octal digit) would be a backreference, which Go rejects.
fn go_bad_octal(b: &[u8], i: usize) -> bool {
    matches!(b[i + 1], b'1'..=b'7') && !(i + 2 < b.len() && matches!(b[i + 2], b'0'..=b'7'))
        || matches!(b[i + 1], b'8' | b'9')
}

/// The POSIX class names Go knows (`[:alpha:]`, `[:^alpha:]`).
const POSIX_CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Rewrites a Go pattern for the `regex` crate; errors that only Go
/// reports (nested repetitions, repeat counts over 1000, backreferences,
/// unknown POSIX classes) are returned as Go's message, without the
/// `error parsing regexp: ` prefix.
fn translate_go_regex(p: &str) -> Result<Translated, GoRegexError> {
    let b = p.as_bytes();
    let mut t = Translated {
        text: String::with_capacity(p.len() + 8),
        origin: Vec::with_capacity(p.len() + 9),
    };
    // Where the repetition operator just before the current position
    // started, if the previous item was one (Go rejects `a**`).
    let mut last_repeat: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        // Repetition operators: `*`, `+`, `?`, `{n,m}`, each with an
        // optional non-greedy `?`.
        let repeat = match b[i] {
            b'*' | b'+' | b'?' => Some(1),
            b'{' => match go_repeat(b, i) {
                Some((len, min, max)) => {
                    if min > 1000 || max > 1000 || (max >= 0 && min > max) {
                        return Err(GoRegexError::new(
                            GoRegexCode::InvalidRepeatSize,
                            &p[i..i + len],
                        ));
                    }
                    Some(len)
                }
                None => None,
            },
            _ => None,
        };
        if let Some(len) = repeat {
            let mut end = i + len;
            if end < b.len() && b[end] == b'?' {
                end += 1;
            }
            if let Some(st) = last_repeat {
                return Err(GoRegexError::new(GoRegexCode::InvalidRepeatOp, &p[st..end]));
            }
            t.emit(&p[i..end], i);
            last_repeat = Some(i);
            i = end;
            continue;
        }
        last_repeat = None;
        match b[i] {
            b'\\' if i + 1 < b.len() => {
                let n = b[i + 1];
                if go_bad_octal(b, i) {
                    return Err(GoRegexError::new(GoRegexCode::InvalidEscape, &p[i..i + 2]));
                }
                match n {
                    b'Q' => {
                        let rest = &p[i + 2..];
                        let (lit, adv) = match rest.find("\\E") {
                            Some(j) => (&rest[..j], 2 + j + 2),
                            None => (rest, p.len() - i),
                        };
                        t.emit(&regex::escape(lit), i);
                        i += adv;
                    }
                    b'<' | b'>' => {
                        t.emit(&p[i + 1..i + 2], i);
                        i += 2;
                    }
                    b'd' | b'D' | b'w' | b'W' | b's' | b'S' | b'b' | b'B' => {
                        let s = match n {
                            b'd' => "[0-9]",
                            b'D' => "[^0-9]",
                            b'w' => "[0-9A-Za-z_]",
                            b'W' => "[^0-9A-Za-z_]",
                            b's' => "[\\t\\n\\f\\r ]",
                            b'S' => "[^\\t\\n\\f\\r ]",
                            b'b' => "(?-u:\\b)",
                            _ => "(?-u:\\B)",
                        };
                        t.emit(s, i);
                        i += 2;
                    }
                    b'p' | b'P' | b'x' => {
                        let len = braced_escape_len(p, i);
                        t.emit(&p[i..i + len], i);
                        i += len;
                    }
                    _ => {
                        let len = 1 + char_len(p, i + 1);
                        t.emit(&p[i..i + len], i);
                        i += len;
                    }
                }
            }
            b'[' => i = translate_class(p, i, &mut t)?,
            b'(' if p[i..].starts_with("(?P<") || p[i..].starts_with("(?<") => {
                // Named group: Go allows any name of word characters
                // (also a leading digit, also twice); the name plays no
                // part in matching, so it becomes a plain group.
                let open = if b[i + 2] == b'P' { i + 4 } else { i + 3 };
                let Some(j) = p[open..].find('>') else {
                    return Err(GoRegexError::new(GoRegexCode::InvalidNamedCapture, &p[i..]));
                };
                let name = &p[open..open + j];
                if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    return Err(GoRegexError::new(
                        GoRegexCode::InvalidNamedCapture,
                        &p[i..open + j + 1],
                    ));
                }
                t.emit("(", i);
                i = open + j + 1;
            }
            b'(' if p[i..].starts_with("(?)") => {
                // An empty flag group: nothing in Go.
                i += 3;
            }
            b'(' if p[i..].starts_with("(?") => {
                // Flag groups: Go knows only i, m, s and U (the `regex`
                // crate also has u, x and R).
                let mut j = i + 2;
                if j < b.len() && !matches!(b[j], b'P' | b'<') {
                    while j < b.len() && b[j] != b')' && b[j] != b':' {
                        let dangling_minus =
                            b[j] == b'-' && j + 1 < b.len() && matches!(b[j + 1], b')' | b':');
                        if dangling_minus || !matches!(b[j], b'i' | b'm' | b's' | b'U' | b'-') {
                            let end = if dangling_minus {
                                j + 2
                            } else {
                                j + char_len(p, j)
                            };
                            return Err(GoRegexError::new(GoRegexCode::InvalidPerlOp, &p[i..end]));
                        }
                        j += 1;
                    }
                }
                t.emit("(?", i);
                i += 2;
            }
            b'{' => {
                t.emit("\\{", i);
                i += 1;
            }
            b'}' => {
                t.emit("\\}", i);
                i += 1;
            }
            _ => {
                let len = char_len(p, i);
                t.emit(&p[i..i + len], i);
                i += len;
            }
        }
    }
    t.origin.push(p.len());
    Ok(t)
}

/// Translates the class starting at `p[start] == '['` following Go's
/// `parseClass`; returns the position after it.
fn translate_class(p: &str, start: usize, t: &mut Translated) -> Result<usize, GoRegexError> {
    let b = p.as_bytes();
    let mut i = start + 1;
    t.emit("[", start);
    if i < b.len() && b[i] == b'^' {
        t.emit("^", i);
        i += 1;
    }
    let mut first = true;
    while i < b.len() {
        if b[i] == b']' && !first {
            t.emit("]", i);
            return Ok(i + 1);
        }
        first = false;
        // POSIX [:alpha:], only when closed (else `[` is a literal).
        if b[i] == b'['
            && i + 1 < b.len()
            && b[i + 1] == b':'
            && let Some(j) = p[i + 2..].find(":]")
        {
            let end = i + 2 + j + 2;
            let name = &p[i + 2..i + 2 + j];
            if !POSIX_CLASSES.contains(&name.strip_prefix('^').unwrap_or(name)) {
                return Err(GoRegexError::new(GoRegexCode::InvalidCharRange, &p[i..end]));
            }
            t.emit(&p[i..end], i);
            i = end;
            continue;
        }
        if b[i] == b'\\' && i + 1 < b.len() {
            let s = match b[i + 1] {
                b'd' => Some("0-9"),
                b'D' => Some("[^0-9]"),
                b'w' => Some("0-9A-Za-z_"),
                b'W' => Some("[^0-9A-Za-z_]"),
                b's' => Some("\\t\\n\\f\\r "),
                b'S' => Some("[^\\t\\n\\f\\r ]"),
                _ => None,
            };
            if let Some(s) = s {
                t.emit(s, i);
                i += 2;
                continue;
            }
            if matches!(b[i + 1], b'p' | b'P') {
                let len = braced_escape_len(p, i);
                t.emit(&p[i..i + len], i);
                i += len;
                continue;
            }
        }
        i = class_char(p, i, t)?;
        if i + 1 < b.len() && b[i] == b'-' && b[i + 1] != b']' {
            t.emit("-", i);
            i = class_char(p, i + 1, t)?;
        }
    }
    Ok(i)
}

/// One character of a class (a literal or an escape), made unambiguous.
fn class_char(p: &str, i: usize, t: &mut Translated) -> Result<usize, GoRegexError> {
    let b = p.as_bytes();
    if i >= b.len() {
        return Ok(i);
    }
    if b[i] == b'\\' {
        if i + 1 >= b.len() {
            t.emit("\\", i);
            return Ok(i + 1);
        }
        if go_bad_octal(b, i)
            || matches!(
                b[i + 1],
                b'd' | b'D' | b'w' | b'W' | b's' | b'S' | b'p' | b'P'
            )
        {
            // (A Perl or Unicode class where a single character must be,
            // as a range end.)
            return Err(GoRegexError::new(GoRegexCode::InvalidEscape, &p[i..i + 2]));
        }
        return Ok(match b[i + 1] {
            b'<' | b'>' => {
                t.emit(&p[i + 1..i + 2], i);
                i + 2
            }
            b'x' => {
                let len = braced_escape_len(p, i);
                t.emit(&p[i..i + len], i);
                i + len
            }
            _ => {
                let len = 1 + char_len(p, i + 1);
                t.emit(&p[i..i + len], i);
                i + len
            }
        });
    }
    let len = char_len(p, i);
    let c = &p[i..i + len];
    if len == 1 && b[i].is_ascii_punctuation() {
        t.emit("\\", i);
    }
    t.emit(c, i);
    Ok(i + len)
}

/// Turns a `regex` crate error on a translated pattern into Go's error.
fn go_error(pattern: &str, t: &Translated, e: &regex::Error) -> GoRegexError {
    let text = match e {
        regex::Error::Syntax(s) => s.as_str(),
        regex::Error::CompiledTooBig(_) => {
            return GoRegexError::new(GoRegexCode::Large, pattern);
        }
        _ => {
            return GoRegexError {
                code: GoRegexCode::Other(e.to_string()),
                expr: None,
            };
        }
    };
    let kind = text
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("error: "))
        .unwrap_or(text)
        .to_string();
    // The span, from the caret line (single-line patterns only).
    let span: Option<Range<usize>> = (|| {
        if t.text.contains('\n') || t.text.contains('\r') {
            return None;
        }
        let lines: Vec<&str> = text.lines().collect();
        let carets = lines.get(2)?.strip_prefix("    ")?;
        let col = carets.find('^')?;
        let n = carets[col..].chars().take_while(|&c| c == '^').count();
        let byte_at = |chars: usize| {
            t.text
                .char_indices()
                .nth(chars)
                .map_or(t.text.len(), |(b, _)| b)
        };
        let (s, e) = (byte_at(col), byte_at(col + n));
        let (os, oe) = (t.origin[s], t.origin[e]);
        Some(os..oe.max(os))
    })();
    let span_text = |whole_rest: bool| -> &str {
        match &span {
            Some(r) if whole_rest => &pattern[r.start..],
            Some(r) => pattern.get(r.clone()).unwrap_or(pattern),
            None => pattern,
        }
    };
    use GoRegexCode::*;
    let (code, expr) = match kind.as_str() {
        "unclosed group" => (MissingParen, pattern),
        "unopened group" => (UnexpectedParen, pattern),
        "repetition operator missing expression" => (MissingRepeatArgument, span_text(false)),
        "unclosed character class" => (MissingBracket, span_text(true)),
        "unrecognized escape sequence" => (InvalidEscape, span_text(false)),
        "incomplete escape sequence, reached end of pattern prematurely" => (TrailingBackslash, ""),
        k if k.starts_with("invalid character class range") => (InvalidCharRange, span_text(false)),
        k if k.starts_with("invalid repetition count range") => {
            (InvalidRepeatSize, span_text(false))
        }
        k if k.starts_with("look-around") || k.starts_with("backreferences") => {
            (InvalidPerlOp, span_text(false))
        }
        k if k.contains("flag") => {
            // Go shows the group from `(?` through the offending flag.
            let expr = match &span {
                Some(r) => {
                    let st = pattern[..r.start].rfind("(?").unwrap_or(r.start);
                    let end = if r.is_empty() { pattern.len() } else { r.end };
                    &pattern[st..end]
                }
                None => pattern,
            };
            (InvalidPerlOp, expr)
        }
        k if k.contains("capture group name") || k.contains("group name") => {
            let expr = match &span {
                Some(r) => {
                    let st = pattern[..r.start].rfind("(?").unwrap_or(r.start);
                    let end = pattern[r.start..]
                        .find('>')
                        .map_or(pattern.len(), |j| r.start + j + 1);
                    &pattern[st..end]
                }
                None => pattern,
            };
            (InvalidNamedCapture, expr)
        }
        k if k.starts_with("Unicode property") => (InvalidCharRange, span_text(false)),
        k => (Other(k.to_string()), span_text(false)),
    };
    GoRegexError::new(code, expr)
}
