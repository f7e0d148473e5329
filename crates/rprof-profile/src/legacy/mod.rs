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

mod model;
mod scan;

use crate::error::ParseError;
use crate::model::Profile;
use model::{LProfile, LegacyError, PResult};

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
