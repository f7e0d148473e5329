//! `comments`: the profile's comments, one per line, as pprof's
//! `-comments` prints them (`printComments`).

use crate::Report;

/// Writes every comment of the report's profile on a line of its own.
pub fn write_comments(r: &Report, out: &mut String) {
    let p = r.profile();
    for &c in &p.comments {
        out.push_str(p.str(c));
        out.push('\n');
    }
}
