//! The execution-trace readers (old and new formats), as `rprof trace dump`
//! runs them: the wire-level dump, and the ordered events with their text
//! form (`--parsed`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rprof_trace::dump_wire(data, std::io::sink());
    if let Ok(r) = rprof_trace::Reader::new(data) {
        let _ =
            rprof_trace::write_parsed(&mut r.with_total_bytes(data.len() as u64), std::io::sink());
    }
});
