//! The runtime diagnostics readers (goroutine dumps, gctrace, memstats,
//! race logs) and every output drawn from what they read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = rprof_diag::TextOptions::default();
    let opts = rprof_diag::GoroutineOptions::default();
    if let Ok(r) = rprof_diag::read_goroutines("fuzz", data, &opts) {
        let _ = rprof_diag::goroutines_text(&r, &text);
        let _ = rprof_diag::goroutines_html(&r);
        let mut pb = Vec::new();
        if rprof_diag::write_goroutine_profile(&r, &mut pb).is_ok() {
            rprof_profile::parse(&pb).expect("the goroutine profile reads back");
        }
    }
    if let Ok((source, traces)) = rprof_diag::read_gctrace("fuzz", data) {
        let r = rprof_diag::GcReport {
            sources: vec![source],
            traces,
        };
        let _ = rprof_diag::gctrace_text(&r, &text);
        let _ = rprof_diag::gctrace_csv(&r, std::io::sink());
        let _ = rprof_diag::gctrace_svg(&r, &Default::default());
    }
    let mut m = rprof_diag::MemstatsReader::new(Default::default());
    if m.read("fuzz", data).is_ok() {
        let r = m.finish();
        let _ = rprof_diag::memstats_text(&r, &text);
        let _ = rprof_diag::memstats_openmetrics(&r, std::io::sink());
        let _ = rprof_diag::memstats_csv(&r, std::io::sink());
        let _ = rprof_diag::memstats_svg(&r, &Default::default());
    }
    let mut race = rprof_diag::RaceReader::new();
    if race.read("fuzz", data).is_ok() {
        let _ = rprof_diag::race_text(&race.finish(), &text);
    }
});
