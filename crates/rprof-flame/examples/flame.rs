//! Renders a flame graph without the `rprof` binary, with timings on
//! stderr: for trying the library and measuring it.
//!
//! ```sh
//! cargo run --release -p rprof-flame --example flame -- cpu.pb.gz /tmp/cpu.svg
//! cargo run --release -p rprof-flame --example flame -- --base cpu.pb.gz cpu.v2.pb.gz /tmp/diff.svg
//! ```
//!
//! Flags: `--base FILE`, `--sample-index NAME`, `--folded`, `--icicle`,
//! `--reverse`, `--negate`, `--min-width PCT`, `--colors NAME`.

use rprof_flame::FlameOptions;
use rprof_report::{Report, ReportOptions};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut opts = FlameOptions::default();
    let mut ropts = ReportOptions::default();
    let (mut base, mut folded, mut files) = (None, false, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--base" => base = args.next(),
            "--sample-index" => ropts.sample_index = args.next().unwrap_or_default(),
            "--folded" => folded = true,
            "--icicle" => opts.icicle = true,
            "--reverse" => opts.reverse = true,
            "--negate" => opts.negate = true,
            "--min-width" => opts.min_width = args.next().unwrap_or_default().parse()?,
            "--colors" => opts.colors = args.next().unwrap_or_default().parse()?,
            _ => files.push(a),
        }
    }
    let [input, output] = files.as_slice() else {
        return Err("usage: flame [flags] PROFILE OUT".into());
    };
    let t0 = Instant::now();
    let load = |path: &str| -> Result<_, Box<dyn std::error::Error>> {
        let data = std::fs::read(path)?;
        Ok(rprof_profile::combine(vec![rprof_profile::parse(&data)?])?)
    };
    let profile = load(input)?;
    let base_profile = base.as_deref().map(load).transpose()?;
    let t1 = Instant::now();
    let report = Report::new(&profile, &ropts)?;
    opts.source = Some(name(input));
    opts.base_source = base.as_deref().map(name);
    let mut out = Vec::new();
    match (&base_profile, folded) {
        (Some(b), false) => {
            let br = Report::new(b, &ropts)?;
            rprof_flame::write_diff_svg(&br, &report, &opts, &mut out)?
        }
        (Some(b), true) => {
            let br = Report::new(b, &ropts)?;
            rprof_flame::write_diff_folded(&br, &report, &opts, &mut out)?
        }
        (None, false) => rprof_flame::write_svg(&report, &opts, &mut out)?,
        (None, true) => rprof_flame::write_folded(&report, &opts, &mut out)?,
    }
    let t2 = Instant::now();
    std::fs::write(output, &out)?;
    eprintln!(
        "read {:.1} ms, render {:.1} ms, {} samples, {} bytes out",
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64() * 1e3,
        profile.samples.len(),
        out.len()
    );
    Ok(())
}

fn name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or(path.to_string(), |n| n.to_string_lossy().into_owned())
}
