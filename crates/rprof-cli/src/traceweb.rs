//! `rprof trace web`: the browser view of `go tool trace -http`. The UI
//! is `rprof_web::TraceUi`; this checks the trace, gives the UI a file to
//! index (a fetched or piped trace is written to a temporary file first
//! and its bytes dropped, so that the server holds the index and not the
//! trace), prints the URL, opens a browser and serves.

use crate::cli::TraceWebRun;
use crate::failure::Failure;
use crate::output;
use crate::sources::TraceInput;
use std::io::BufReader;

/// Serves `input` until interrupted.
pub fn run(input: TraceInput, w: TraceWebRun) -> Result<(), Failure> {
    let name = input.name.clone();
    // A file that is not a trace (junk, an HTML error page, an empty
    // file) fails here, before anything is served.
    {
        let r = input
            .reader()
            .map_err(|e| Failure::input(format!("{name}: {}", output::io_error(&e))))?;
        rprof_trace::Reader::new(BufReader::new(r))
            .map_err(|e| Failure::input(format!("{name}: {}", first_line(&e.to_string()))))?;
    }
    let file = input.into_file()?;
    let bound = crate::web::bind_announced(w.http.as_deref(), "the trace")?;
    let url = bound.url();
    let ui = rprof_web::TraceUi::start(rprof_web::TraceInputs {
        name: name.clone(),
        path: file.path.clone(),
        start: w.start,
        end: w.end,
        temp_dir: None,
    });
    // The index is built in the background; a trace that turns out to
    // have no event ends the server (bad input), a damaged one is served
    // for what could be read, with a warning.
    {
        let ui = std::sync::Arc::clone(&ui);
        let name = name.clone();
        std::thread::spawn(move || match ui.indexing().wait() {
            Err(e) => {
                eprintln!("rprof: {name}: {}", first_line(&e.to_string()));
                std::process::exit(1);
            }
            Ok(ix) if ix.info().events == 0 => {
                eprintln!("rprof: {name}: the trace has no events");
                std::process::exit(1);
            }
            Ok(ix) if ix.info().generations == 0 && ix.info().error.is_some() => {
                // Not one complete generation: nothing to show.
                let e = ix.info().error.as_deref().unwrap_or("");
                eprintln!("rprof: {name}: {}", first_line(e));
                std::process::exit(1);
            }
            Ok(ix) => {
                if let Some(e) = &ix.info().error {
                    eprintln!(
                        "rprof: warning: {name}: {} (showing what could be read)",
                        first_line(e)
                    );
                }
            }
        });
    }
    if !w.no_browser {
        crate::browser::open(&format!("{url}/"));
    }
    let app = rprof_web::trace_app(ui, &bound);
    let r = bound.serve(app).map_err(|e| Failure::input(e.to_string()));
    drop(file);
    r
}

fn first_line(msg: &str) -> String {
    msg.lines().next().unwrap_or("").trim_end().to_string()
}
