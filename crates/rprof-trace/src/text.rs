//! The trace text format (Go's `internal/trace/raw` text reader): the
//! line form `go tool trace -d=wire` prints, with a `Trace Go1.NN` header,
//! which GOROOT's `testdata/tests/*.test` files use. [`text_to_wire`]
//! turns it into the binary trace Go's `raw.Writer` would write.

use crate::error::Error;
use crate::quote::unquote;
use crate::spec::specs_for;
use crate::version::Version;

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `readToken`: the first token of `s` and the rest; `#` starts a
/// comment.
fn read_token(s: &str) -> (&str, &str) {
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c == '#' {
            return ("", "");
        }
        if !is_space(c) {
            start = Some(i);
            break;
        }
    }
    let Some(start) = start else { return ("", "") };
    for (i, c) in s[start..].char_indices() {
        if is_space(c) || c == '#' {
            return (&s[start..start + i], &s[start + i..]);
        }
    }
    (&s[start..], "")
}

fn read_args(mut s: &str, names: &[&str], out: &mut Vec<u64>) -> Result<(), Error> {
    for name in names {
        let (tok, rest) = read_token(s);
        if tok.is_empty() {
            return Err(Error::format("no argument"));
        }
        let Some((arg, val)) = tok.split_once('=') else {
            return Err(Error::format(format!("malformed argument: {tok:?}")));
        };
        let value: u64 = val.parse().map_err(|_| {
            Error::format(format!(
                "failed to parse argument value {val:?} for arg {arg:?}"
            ))
        })?;
        if arg != *name {
            return Err(Error::format(format!(
                "expected argument {name:?}, but got {arg:?}"
            )));
        }
        out.push(value);
        s = rest;
    }
    if s.chars().any(|c| !is_space(c)) {
        return Err(Error::format(format!(
            "encountered unexpected non-space at the end of an event: {s:?}"
        )));
    }
    Ok(())
}

/// Converts a text-form trace to its binary form.
pub fn text_to_wire(text: &str) -> Result<Vec<u8>, Error> {
    // bufio.Scanner lines: split on \n, drop a trailing \r; skip blank and
    // comment-only lines.
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !read_token(l).0.is_empty());
    let header = lines
        .next()
        .ok_or_else(|| Error::format("empty text trace"))?;
    let (t, rest) = read_token(header);
    if t != "Trace" {
        return Err(Error::format("failed to parse header"));
    }
    let (gover, rest) = read_token(rest);
    let minor = gover
        .strip_prefix("Go1.")
        .ok_or_else(|| Error::format("failed to parse header Go version"))?
        .parse::<u32>()
        .map_err(|e| Error::format(format!("failed to parse header Go version: {e}")))?;
    let version = Version::from_minor(minor)
        .ok_or_else(|| Error::format(format!("unknown or unsupported Go version 1.{minor}")))?;
    if rest.chars().any(|c| !is_space(c)) {
        return Err(Error::format(format!(
            "encountered unexpected non-space at the end of the header: {rest:?}"
        )));
    }
    let specs = specs_for(version);
    let mut out = format!("go 1.{minor} trace\x00\x00\x00").into_bytes();
    let mut args = Vec::new();
    while let Some(line) = lines.next() {
        let (name, rest) = read_token(line);
        let Some(typ) = specs
            .iter()
            .position(|s| !s.name.is_empty() && s.name == name)
        else {
            return Err(Error::format(format!("unidentified event: {name}")));
        };
        let spec = &specs[typ];
        args.clear();
        read_args(rest, spec.args, &mut args)
            .map_err(|e| Error::format(format!("reading args for {name}: {e}")))?;
        if spec.is_stack {
            for _ in 0..args[1] {
                let frame = lines
                    .next()
                    .ok_or_else(|| Error::format("unexpected EOF while reading stack"))?;
                read_args(frame, &["pc", "func", "file", "line"], &mut args)?;
            }
        }
        out.push(typ as u8);
        for &a in &args {
            crate::varint::put_uvarint(&mut out, a);
        }
        if spec.has_data {
            let line = lines.next().ok_or_else(|| {
                Error::format(format!("unexpected EOF while reading data for {name}"))
            })?;
            let (k, v) = line
                .split_once('=')
                .ok_or_else(|| Error::format(format!("malformed data: {line:?}")))?;
            if k.trim() != "data" {
                return Err(Error::format(format!("malformed data: {line:?}")));
            }
            let data = unquote(v.trim())
                .ok_or_else(|| Error::format(format!("failed to parse data: {line:?}")))?;
            crate::varint::put_uvarint(&mut out, data.len() as u64);
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts() {
        let t = "Trace Go1.22\nEventBatch gen=1 m=18446744073709551615 time=0 size=3\nFrequency freq=15625000\n\
                 String id=1\n\tdata=\"hi\"\n# comment\nStack id=1 nframes=1\n\tpc=1 func=2 file=3 line=4\n";
        let b = text_to_wire(t).unwrap();
        assert_eq!(&b[..16], b"go 1.22 trace\0\0\0");
        assert_eq!(b[16], 1);
        assert!(b.ends_with(&[3, 1, 1, 1, 2, 3, 4]));
    }
}
