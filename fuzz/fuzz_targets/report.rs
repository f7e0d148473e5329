//! Whatever reads as a profile must also go through the pipeline the CLI
//! runs on one file (combine, filters, report) and every text report
//! without a panic; and what `proto -o` writes must read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rprof_report::{Report, ReportOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = rprof_profile::parse(data) else {
        return;
    };
    let opts = ReportOptions::default();

    // Report::new on the profile as read.
    if let Ok(mut r) = Report::new(&p, &opts) {
        let mut out = String::new();
        rprof_report::top::write_top(&mut r, &mut out);
        out.clear();
        rprof_report::traces::write_traces(&r, &mut out);
        out.clear();
        rprof_report::tags::write_tags(&r, &mut out);
    }
    let mut raw = String::new();
    let _ = rprof_report::raw::write_raw(&p, &mut raw);

    // What the CLI does: combine (validation, merge of one), filters, report.
    let Ok(mut c) = rprof_profile::combine(vec![p]) else {
        return;
    };
    let Ok(applied) = rprof_report::filters::apply(&mut c, &opts) else {
        return;
    };
    if let Ok(mut r) = Report::with_applied(&c, &opts, &applied) {
        let mut out = String::new();
        rprof_report::top::write_top(&mut r, &mut out);
        out.clear();
        rprof_report::traces::write_traces(&r, &mut out);
    }

    // `rprof proto`: the written file reads back.
    let bytes = rprof_profile::encode(&c);
    if let Err(e) = rprof_profile::decode(&bytes) {
        panic!("rprof wrote a profile it cannot read back: {e}");
    }
});
