//! `rprof web` (pprof's `-http` UI) and `rprof report -o report.html`.
//! The UI itself is the `rprof-web` crate; this loads the profiles
//! through the sources every command reads, and hands them over.

use crate::cli::{Inputs, ReportHtmlCmd, WebCmd, WebInputs};
use crate::failure::Failure;
use crate::sources;
use rayon::prelude::*;
use rprof_web::{BaseChoice, Pipeline, PipelineError, Selection, Source, ViewError};
use std::io::Write;
use std::sync::Arc;

/// Reads (or fetches) the profiles and bases as every command does, and
/// hands them to the UI's pipeline.
fn load(i: &WebInputs, inputs: &Inputs) -> Result<Pipeline, Failure> {
    let reader = rprof_report::pipeline::Pipeline {
        read: inputs.fetch.read.clone(),
        ..Default::default()
    };
    let read_all = |names: &[String]| -> Result<Vec<Source>, Failure> {
        sources::read_all(names, &inputs.fetch)?
            .into_par_iter()
            .map(|input| {
                let name = input.name.clone();
                let profile = reader
                    .read(input)
                    .map_err(|e| Failure::input(e.to_string()))?;
                Ok(Source {
                    name,
                    profile: Arc::new(profile),
                })
            })
            .collect()
    };
    let web_inputs = rprof_web::Inputs {
        profiles: read_all(&inputs.sources)?,
        bases: read_all(&inputs.bases)?,
        diff_base: !i.diff_base.is_empty(),
    };
    // Profiles that cannot be merged are bad input, not bad usage.
    Pipeline::new(web_inputs).map_err(|e| Failure::input(e.to_string()))
}

/// Binds the web server's address (loopback unless `http` says
/// otherwise), prints `Serving web UI on URL` (the first line of stdout,
/// which scripts and tests read) and warns on stderr when the address is
/// not a loopback one: anyone who can reach it can read `what`.
pub fn bind_announced(http: Option<&str>, what: &str) -> Result<rprof_web::Bound, Failure> {
    let bound = rprof_web::bind(http).map_err(|e| Failure::usage(e.to_string()))?;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "Serving web UI on {}", bound.url());
    let _ = out.flush();
    if !bound.is_loopback() {
        eprintln!(
            "rprof: warning: serving on {}, not a loopback address: anyone who can reach it can read {what}",
            bound.addr()
        );
    }
    Ok(bound)
}

fn pipeline_failure(e: PipelineError) -> Failure {
    if e.is_bad_request() {
        Failure::usage(e.to_string())
    } else {
        Failure::input(e.to_string())
    }
}

fn view_failure(e: ViewError) -> Failure {
    match e {
        ViewError::Pipeline(e) => pipeline_failure(e),
        e @ ViewError::Param(_) => Failure::usage(e.to_string()),
        e => Failure::input(e.to_string()),
    }
}

/// `rprof web`: loads the profiles, prints the URL as the first line of
/// stdout, opens a browser, serves until interrupted.
pub fn run_web(a: WebCmd, inputs: Inputs) -> Result<(), Failure> {
    let opts = a.report.options()?;
    if a.inputs.normalize && a.inputs.base.is_empty() && a.inputs.diff_base.is_empty() {
        return Err(Failure::usage(
            "--normalize needs a base profile (--base or --diff-base)",
        ));
    }
    let pipeline = load(&a.inputs, &inputs)?;
    // Check the options once, so that a bad one is a usage error here and
    // not a 400 in the browser.
    let sel = Selection {
        normalize: a.inputs.normalize,
        ..Default::default()
    };
    pipeline.filtered(&sel, &opts).map_err(pipeline_failure)?;
    let bound = crate::web::bind_announced(a.http.as_deref(), "the profile")?;
    let url = bound.url();
    if !a.no_browser {
        crate::browser::open(&format!("{url}/ui/"));
    }
    // The command line's options are where every view starts.
    let ui = rprof_web::ProfileUi::new(pipeline)
        .with_defaults(opts)
        .with_normalize(a.inputs.normalize);
    let app = rprof_web::secure_ui(ui, &bound);
    bound.serve(app).map_err(|e| Failure::input(e.to_string()))
}

/// `rprof report -o report.html`.
pub fn run_report(a: ReportHtmlCmd, inputs: Inputs) -> Result<(), Failure> {
    let opts = a.report.options()?;
    let pipeline = load(&a.inputs, &inputs)?;
    let sel = Selection {
        profile: None,
        base: BaseChoice::CommandLine,
        normalize: a.inputs.normalize,
    };
    let title = sources::shown(&inputs.sources);
    let html =
        rprof_web::standalone_report(&pipeline, &sel, &opts, &title).map_err(view_failure)?;
    crate::output::emit(Some(&a.output), html.as_bytes())
}
