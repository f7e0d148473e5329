//! Go's `strconv.Quote` (what `%q` prints), byte for byte: printable runes
//! as themselves, the C escapes, `\xNN` for bytes that are not UTF-8, and
//! `\u`/`\U` for other runes. "Printable" is Go's `unicode.IsPrint`, taken
//! from the same tables Go's strconv uses (`isprint.rs`).

use crate::isprint::{IS_NOT_PRINT16, IS_NOT_PRINT32, IS_PRINT16, IS_PRINT32};

const LOWERHEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` quoted like Go's `strconv.Quote` to `out`.
pub fn quote_into(out: &mut String, s: &[u8]) {
    out.push('"');
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            escape_rune(out, c);
        }
        for &b in chunk.invalid() {
            out.push_str("\\x");
            out.push(char::from(LOWERHEX[usize::from(b >> 4)]));
            out.push(char::from(LOWERHEX[usize::from(b & 0xf)]));
        }
    }
    out.push('"');
}

/// Go's `strconv.Quote(s)`.
pub fn quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

fn escape_rune(out: &mut String, c: char) {
    if c == '"' || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        _ => {
            let r = c as u32;
            if r < u32::from(b' ') || r == 0x7f {
                out.push_str("\\x");
                out.push(char::from(LOWERHEX[(r >> 4) as usize & 0xf]));
                out.push(char::from(LOWERHEX[r as usize & 0xf]));
            } else if r < 0x10000 {
                out.push_str("\\u");
                for s in (0..=12).rev().step_by(4) {
                    out.push(char::from(LOWERHEX[(r >> s) as usize & 0xf]));
                }
            } else {
                out.push_str("\\U");
                for s in (0..=28).rev().step_by(4) {
                    out.push(char::from(LOWERHEX[(r >> s) as usize & 0xf]));
                }
            }
        }
    }
}

/// Go's `strconv.IsPrint`.
pub fn is_print(c: char) -> bool {
    let r = c as u32;
    if r <= 0xff {
        if (0x20..=0x7e).contains(&r) {
            return true;
        }
        if (0xa1..=0xff).contains(&r) {
            return r != 0xad;
        }
        return false;
    }
    if r < 0x10000 {
        let rr = r as u16;
        let i = IS_PRINT16.partition_point(|&x| x < rr);
        if i >= IS_PRINT16.len() || rr < IS_PRINT16[i & !1] || IS_PRINT16[i | 1] < rr {
            return false;
        }
        return IS_NOT_PRINT16.binary_search(&rr).is_err();
    }
    let i = IS_PRINT32.partition_point(|&x| x < r);
    if i >= IS_PRINT32.len() || r < IS_PRINT32[i & !1] || IS_PRINT32[i | 1] < r {
        return false;
    }
    if r >= 0x20000 {
        return true;
    }
    IS_NOT_PRINT32
        .binary_search(&((r - 0x10000) as u16))
        .is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_go() {
        assert_eq!(quote(b"hello world\x00"), r#""hello world\x00""#);
        assert_eq!(quote(b"a\"b\\c\n\t\x7f"), r#""a\"b\\c\n\t\x7f""#);
        assert_eq!(quote("héllo ☺".as_bytes()), "\"héllo ☺\"");
        assert_eq!(quote(b"\xff\xe2\x82"), r#""\xff\xe2\x82""#);
        assert_eq!(quote("\u{ad}\u{2028}".as_bytes()), r#""\u00ad\u2028""#);
        assert_eq!(quote("\u{e0001}".as_bytes()), r#""\U000e0001""#);
    }
}

/// Go's `strconv.Unquote` for double-quoted and back-quoted strings: the
/// bytes the literal denotes, or `None` if it is not a valid literal.
pub fn unquote(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() < 2 {
        return None;
    }
    let (q, last) = (b[0], b[b.len() - 1]);
    if q != last {
        return None;
    }
    let body = &b[1..b.len() - 1];
    if q == b'`' {
        if body.contains(&b'`') {
            return None;
        }
        // Go drops carriage returns from raw strings.
        return Some(body.iter().copied().filter(|&c| c != b'\r').collect());
    }
    if q != b'"' {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        match c {
            b'"' | b'\n' => return None,
            b'\\' => {
                let e = *body.get(i + 1)?;
                i += 2;
                match e {
                    b'a' => out.push(0x07),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'v' => out.push(0x0b),
                    b'\\' => out.push(b'\\'),
                    b'"' => out.push(b'"'),
                    b'x' => {
                        let h = std::str::from_utf8(body.get(i..i + 2)?).ok()?;
                        out.push(u8::from_str_radix(h, 16).ok()?);
                        i += 2;
                    }
                    b'0'..=b'7' => {
                        let o = std::str::from_utf8(body.get(i - 1..i + 2)?).ok()?;
                        let v = u32::from_str_radix(o, 8).ok()?;
                        if v > 255 {
                            return None;
                        }
                        out.push(v as u8);
                        i += 2;
                    }
                    b'u' | b'U' => {
                        let n = if e == b'u' { 4 } else { 8 };
                        let h = std::str::from_utf8(body.get(i..i + n)?).ok()?;
                        let v = u32::from_str_radix(h, 16).ok()?;
                        let ch = char::from_u32(v)?;
                        let mut tmp = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                        i += n;
                    }
                    _ => return None,
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    // The literal itself must be valid UTF-8 (Go decodes it rune by rune).
    Some(out)
}

#[cfg(test)]
mod unquote_tests {
    use super::*;

    #[test]
    fn roundtrip() {
        for s in [
            &b"hello\x00\xff\n\"\\"[..],
            "héllo ☺\u{2028}".as_bytes(),
            b"",
        ] {
            assert_eq!(unquote(&quote(s)).as_deref(), Some(s));
        }
        assert_eq!(unquote(r#""\101\x41\u0041""#).as_deref(), Some(&b"AAA"[..]));
        assert_eq!(unquote(r#""\400""#), None);
        assert_eq!(unquote(r#""abc"#), None);
    }
}
