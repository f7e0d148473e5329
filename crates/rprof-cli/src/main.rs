//! `rprof`: the command-line front end.
//!
//! Everything here is plumbing. `rprof top cpu.pb.gz` goes:
//!
//! 1. [`cli`]: clap parses argv; [`cli::Cli::into_run`] turns it into a
//!    [`Run`] holding the libraries' plain options (a report
//!    [`Pipeline`](rprof_report::pipeline::Pipeline)).
//! 2. [`sources`]: the files are read, in parallel.
//! 3. the pipeline (rprof-report): inputs are parsed and merged, bases
//!    subtracted, filters applied; a `Report` is made.
//! 4. [`report`] runs the pipeline and the report module
//!    (`rprof_report::top`) renders it into memory.
//! 5. [`output`]: stdout, or with `-o` atomically into a file.
//!
//! Errors become one line on stderr, `rprof: <file>: <problem>`, and an
//! exit status: 0 ok, 1 bad input or failure, 2 usage.

mod browser;
mod cli;
mod diag;
mod failure;
#[cfg(feature = "fleet")]
mod fleet;
mod live;
mod objtool;
mod output;
mod progress;
mod report;
mod series;
mod sources;
mod trace;
mod traceweb;
mod web;

use clap::Parser;
use cli::{Cli, Run};
use failure::Failure;
use std::process::ExitCode;

fn main() -> ExitCode {
    // pprof's `-nodecount=5`, `-lines`, `-sample_index=…` become long options.
    let args = cli::pprof_spellings(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match cli.into_run().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("rprof: {}", f.message);
            ExitCode::from(f.status)
        }
    }
}

/// Help and version go to stdout as clap prints them; a usage error
/// becomes one line, like every other rprof error, with exit status 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            let text = e.render().to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let first = lines.next().unwrap_or("invalid command line");
            let mut msg = first.strip_prefix("error: ").unwrap_or(first).to_string();
            // "the following required arguments were not provided:" names
            // them on the next line.
            if msg.ends_with(':')
                && let Some(next) = lines.next()
            {
                msg = format!("{msg} {next}");
            }
            eprintln!("rprof: {msg}{} (see rprof --help)", suggestion(&e));
            ExitCode::from(2)
        }
    }
}

fn run(r: Run) -> Result<(), Failure> {
    match r {
        Run::Report(r) => report::report(r),
        Run::Flame(f) => report::flame(f),
        Run::Diff(d) => report::diff(d),
        Run::Merge(m) => report::merge(m),
        Run::Trace(t) => trace::run(t),
        Run::Fetch(f) => live::fetch(f),
        Run::Gops(g) => live::gops(g),
        Run::Collect(c) => live::collect(c),
        Run::Goroutines(a, f) => diag::goroutines(a, &f),
        Run::Gctrace(a, f) => diag::gctrace(a, &f),
        Run::Memstats(a, f) => diag::memstats(a, &f),
        Run::Race(a, f) => diag::race(a, &f),
        Run::Web(w, inputs) => web::run_web(w, inputs),
        Run::HtmlReport(r, inputs) => web::run_report(r, inputs),
        #[cfg(feature = "fleet")]
        Run::Fleet(f, fetch) => fleet::run(f, fetch),
    }
}

/// What to say after "unexpected argument": clap's nearest option, or for
/// an unknown one-letter option, how long options are spelled.
fn suggestion(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let suggested = match e.get(ContextKind::SuggestedArg) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        Some(ContextValue::Strings(v)) => v.first().map(String::as_str),
        _ => None,
    };
    if let Some(s) = suggested {
        return format!(" (did you mean '{s}'?)");
    }
    if let Some(ContextValue::String(a)) = e.get(ContextKind::InvalidArg)
        && a.len() == 2
        && a.starts_with('-')
        && a != "--"
    {
        return " (options are whole words: --nodecount=5, or as in pprof -nodecount=5)"
            .to_string();
    }
    String::new()
}
