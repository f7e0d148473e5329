//! The whole reader: gzip detection (and the inflate limits), the sniffing
//! of non-profiles, protobuf, and the fall-back to the text formats. Run
//! with the default options, with small limits (so that the limits' edges,
//! exactly at and one past, are exercised too), and with no limit at all
//! (what `rprof --max-inflate HUGE` asks for).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rprof_profile::ReadOptions;

fuzz_target!(|data: &[u8]| {
    let _ = rprof_profile::parse(data);
    let limits = [
        ReadOptions {
            max_decompressed: 1 << 24,
            ..ReadOptions::default()
        },
        ReadOptions {
            max_decompressed: 64,
            ..ReadOptions::default()
        },
        // A second thread inflating while the samples are read.
        ReadOptions {
            prefetch_min: 0,
            ..ReadOptions::default()
        },
        ReadOptions {
            max_ratio: 2,
            ratio_floor: 16,
            ..ReadOptions::default()
        },
        // No limit at all, as `--max-inflate 18446744073709551615` sets it.
        ReadOptions {
            max_decompressed: u64::MAX,
            max_ratio: u64::MAX,
            ..ReadOptions::default()
        },
    ];
    for opts in &limits {
        let _ = rprof_profile::parse_with(data, opts);
    }
});
