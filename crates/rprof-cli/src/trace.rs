//! `rprof trace …`: execution traces are streamed from the file through
//! rprof-trace's reader into one analysis, never held whole in memory. A
//! damaged trace still gives what its good part says; the damage is one
//! line on stderr and the exit status says so.

use crate::cli::{TraceAction, TraceRun};
use crate::failure::Failure;
use crate::output;
use crate::sources::{TraceInput, open_trace};
use rprof_trace::analysis::{Partial, chrome, goroutines, pprof, summary};
use std::io::{BufReader, Read};
use std::path::Path;

type TraceReader<'a> = rprof_trace::Reader<BufReader<Box<dyn Read + Send + 'a>>>;

/// Runs one trace command.
pub fn run(t: TraceRun) -> Result<(), Failure> {
    let input = open_trace(&t.trace, &t.fetch)?;
    let path = &input;
    match t.action {
        TraceAction::Dump { wire, output } => dump(path, wire, output.as_deref()),
        TraceAction::Pprof { kind, output } => {
            let r = pprof::pprof_profile(&mut open(path)?, kind);
            let (profile, damage) = partial(path, r)?;
            output::write_profile(&profile, output.as_deref())?;
            damage.map_or(Ok(()), Err)
        }
        TraceAction::Summary { json } => {
            let r = summary::summary(&mut open(path)?, &summary::SummaryOptions::default());
            let (s, damage) = partial(path, r)?;
            let out = output::json_or_text(json, &s, summary::write_text)?;
            output::emit(None, out.as_bytes())?;
            damage.map_or(Ok(()), Err)
        }
        TraceAction::Goroutines { sort, json } => {
            let r = goroutines::goroutine_summary(&mut open(path)?);
            let (mut groups, damage) = partial(path, r)?;
            goroutines::sort_groups(&mut groups, sort);
            let out = output::json_or_text(json, &groups, |g, t| goroutines::write_text(g, t))?;
            output::emit(None, out.as_bytes())?;
            damage.map_or(Ok(()), Err)
        }
        TraceAction::Export { opts, output } => export(path, &opts, &output),
        TraceAction::Web(w) => crate::traceweb::run(input, w),
    }
}

/// `go tool trace -d=wire` / `-d=parsed`. On a damaged trace stdout gets
/// what Go would print before the damage, then the error; an `-o` file is
/// left as it was.
fn dump(path: &TraceInput, wire: bool, out: Option<&Path>) -> Result<(), Failure> {
    let shown_trace = path.name.clone();
    let size = path.size;
    let file = path
        .reader()
        .map_err(|e| Failure::input(format!("{shown_trace}: {}", output::io_error(&e))))?;
    let input = BufReader::with_capacity(1 << 20, file);
    let to_file = out.is_some_and(|p| p.as_os_str() != "-");
    let mut trace_error = None;
    let result = output::stream(out, |w| {
        let r = if wire {
            // Go's -d=wire stops quietly at a batch cut short; a second,
            // parsing pass finds such damage so that it is reported.
            rprof_trace::dump_wire(input, &mut *w).and_then(|()| validate(path, size))
        } else {
            rprof_trace::Reader::new(input)
                .and_then(|rd| rprof_trace::write_parsed(&mut rd.with_total_bytes(size), w))
        };
        match r {
            Ok(()) => Ok(()),
            Err(rprof_trace::Error::Write(e)) => Err(e),
            Err(e) => {
                trace_error = Some(one_line(&e.to_string()));
                if to_file {
                    // Abandon the temporary file: the run failed.
                    Err(std::io::Error::other("damaged trace"))
                } else {
                    Ok(())
                }
            }
        }
    });
    match trace_error {
        Some(e) => Err(Failure::input(format!("{shown_trace}: {e}"))),
        None => result,
    }
}

/// Reads the whole trace, discarding events: its error, if any.
fn validate(path: &TraceInput, size: u64) -> Result<(), rprof_trace::Error> {
    let file = path.reader()?;
    let mut reader =
        rprof_trace::Reader::new(BufReader::with_capacity(1 << 20, file))?.with_total_bytes(size);
    while reader.next_event()?.is_some() {}
    Ok(())
}

/// `rprof trace export --format chrome`: streamed; a damaged trace gives
/// valid JSON for its good part on stdout, while an `-o` file is only
/// replaced by a complete export.
fn export(path: &TraceInput, opts: &chrome::ChromeOptions, out: &Path) -> Result<(), Failure> {
    let mut reader = open(path)?;
    let to_file = out.as_os_str() != "-";
    let mut damage = None;
    let result = output::stream(Some(out), |w| {
        match chrome::export_chrome(&mut reader, w, opts) {
            Ok(p) => {
                damage = p.error.map(|e| one_line(&e.to_string()));
                if damage.is_some() && to_file {
                    return Err(std::io::Error::other("damaged trace"));
                }
                Ok(())
            }
            Err(rprof_trace::Error::Write(e)) => Err(e),
            Err(e) => {
                damage = Some(one_line(&e.to_string()));
                Err(std::io::Error::other("unreadable trace"))
            }
        }
    });
    match damage {
        Some(e) => Err(Failure::input(format!("{}: {e}", path.name))),
        None => result,
    }
}

/// The first line of a multi-line message (Go's trace errors append a
/// dump of the scheduler state), so that errors stay one line.
fn one_line(msg: &str) -> String {
    let mut lines = msg.lines();
    let first = lines.next().unwrap_or("").trim_end();
    let rest = lines.filter(|l| !l.trim().is_empty()).count();
    if rest == 0 {
        first.to_string()
    } else {
        format!(
            "{} (+{rest} lines of detail omitted)",
            first.trim_end_matches(':')
        )
    }
}

/// Opens a trace for streaming, with its size for loss reports.
fn open(path: &TraceInput) -> Result<TraceReader<'_>, Failure> {
    let shown = &path.name;
    let file = path
        .reader()
        .map_err(|e| Failure::input(format!("{shown}: {}", output::io_error(&e))))?;
    rprof_trace::Reader::new(BufReader::with_capacity(1 << 20, file))
        .map(|r| r.with_total_bytes(path.size))
        .map_err(|e| Failure::input(format!("{shown}: {}", one_line(&e.to_string()))))
}

/// The value of an analysis and, when the trace was damaged, the failure
/// to report after its output.
fn partial<T>(
    path: &TraceInput,
    r: Result<Partial<T>, rprof_trace::Error>,
) -> Result<(T, Option<Failure>), Failure> {
    let shown = &path.name;
    let p = r.map_err(|e| Failure::input(format!("{shown}: {}", one_line(&e.to_string()))))?;
    Ok((
        p.value,
        p.error
            .map(|e| Failure::input(format!("{shown}: {}", one_line(&e.to_string())))),
    ))
}
