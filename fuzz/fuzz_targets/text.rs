//! Go's (and pprof's other legacy) text profile parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rprof_profile::parse_legacy(data);
});
