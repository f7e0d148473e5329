//! The hand-rolled protobuf decoder on raw bytes: an error is fine, a
//! panic, a hang or an unbounded allocation is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rprof_profile::decode(data);
});
