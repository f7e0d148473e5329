//! Text scanning as pprof's legacy parsers do it: Go's `bufio.Scanner`
//! lines, Go's whitespace, lazily compiled patterns, hex addresses.

use super::gonum;

/// Bytes as text for messages and names (invalid UTF-8 replaced).
pub(crate) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
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
            RX.get_or_init(|| $crate::legacy::scan::rx($pat))
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
