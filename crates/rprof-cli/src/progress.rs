//! How fetching shows what it is doing: bars on a terminal (stderr),
//! else one line per stage, in pprof's words where pprof has them.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rprof_source::{CollectEvent, Progress, Stage};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// Shows progress: bars on a terminal (stderr), else one line per stage.
pub struct CliProgress {
    bars: Option<Bars>,
}

struct Bars {
    multi: MultiProgress,
    by_source: Mutex<HashMap<String, ProgressBar>>,
    collect: Mutex<Option<(ProgressBar, u64, u64)>>,
}

impl CliProgress {
    pub fn new() -> CliProgress {
        let tty =
            std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        CliProgress {
            bars: tty.then(|| Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                by_source: Mutex::new(HashMap::new()),
                collect: Mutex::new(None),
            }),
        }
    }

    /// A line that stays (above any bars).
    pub fn line(&self, text: &str) {
        match &self.bars {
            Some(b) => {
                let _ = b.multi.println(text);
            }
            None => eprintln!("{text}"),
        }
    }

    /// Removes the bars (before an error line or the result).
    pub fn clear(&self) {
        if let Some(b) = &self.bars {
            for (_, bar) in b
                .by_source
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain()
            {
                bar.finish_and_clear();
            }
            if let Some((bar, _, _)) = b.collect.lock().unwrap_or_else(|e| e.into_inner()).take() {
                bar.finish_and_clear();
            }
            let _ = b.multi.clear();
        }
    }

    fn bar(&self, b: &Bars, source: &str) -> ProgressBar {
        let mut map = b.by_source.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(source.to_string())
            .or_insert_with(|| {
                let bar = b.multi.add(ProgressBar::new_spinner());
                bar.set_style(spinner_style());
                bar.set_message(source.to_string());
                bar.enable_steady_tick(Duration::from_millis(120));
                bar
            })
            .clone()
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {bytes} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

/// pprof's wording for what is fetched.
fn fetching_line(source: &str) -> String {
    if source.starts_with("gops://") {
        format!("Fetching from gops agent {source}")
    } else {
        format!("Fetching profile over HTTP from {source}")
    }
}

impl Progress for CliProgress {
    fn stage(&self, source: &str, stage: Stage<'_>) {
        let Some(b) = &self.bars else {
            match stage {
                Stage::Fetching => eprintln!("{}", fetching_line(source)),
                Stage::Waiting(d) => eprintln!("Please wait... ({})", go_duration(d)),
                Stage::Saved(p) => eprintln!("Saved {} in {}", saved_noun(p), p.display()),
                Stage::SaveFailed(e) => eprintln!("Could not save profile: {e}"),
                _ => {}
            }
            return;
        };
        let bar = self.bar(b, source);
        match stage {
            Stage::Fetching => bar.set_message(source.to_string()),
            Stage::Waiting(d) => {
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{bar:20}] {pos}/{len}s profiling: {wide_msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_length(d.as_secs().max(1));
                bar.set_position(0);
            }
            Stage::Receiving { expected } => {
                match expected {
                    Some(n) => {
                        bar.set_style(
                            ProgressStyle::with_template(
                                "{spinner} [{bar:20}] {bytes}/{total_bytes} {wide_msg}",
                            )
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                        );
                        bar.set_length(n);
                    }
                    None => bar.set_style(spinner_style()),
                }
                bar.set_position(0);
            }
            Stage::Done { .. } => bar.finish_and_clear(),
            Stage::Saved(p) => {
                let _ = b
                    .multi
                    .println(format!("Saved {} in {}", saved_noun(p), p.display()));
            }
            Stage::SaveFailed(e) => {
                let _ = b.multi.println(format!("Could not save profile: {e}"));
            }
            _ => {}
        }
    }

    fn countdown(&self, source: &str, elapsed: Duration, _total: Duration) {
        if let Some(b) = &self.bars {
            self.bar(b, source).set_position(elapsed.as_secs());
        }
    }

    fn received(&self, source: &str, bytes: u64, _expected: Option<u64>) {
        if let Some(b) = &self.bars {
            self.bar(b, source).set_position(bytes);
        }
    }

    fn collect(&self, event: CollectEvent<'_>) {
        let text = match event {
            CollectEvent::Round { number } => {
                match &self.bars {
                    Some(b) => {
                        let mut c = b.collect.lock().unwrap_or_else(|e| e.into_inner());
                        let (bar, round, snaps) = c.get_or_insert_with(|| {
                            let bar = b.multi.add(ProgressBar::new_spinner());
                            bar.enable_steady_tick(Duration::from_millis(200));
                            (bar, 0, 0)
                        });
                        *round = number;
                        bar.set_message(format!("round {number}, {snaps} snapshot(s) so far"));
                    }
                    None => eprintln!("Round {number}"),
                }
                return;
            }
            CollectEvent::Snapshot {
                target: _,
                what: _,
                file,
                bytes,
            } => {
                match &self.bars {
                    Some(b) => {
                        if let Some((bar, round, snaps)) =
                            b.collect.lock().unwrap_or_else(|e| e.into_inner()).as_mut()
                        {
                            *snaps += 1;
                            bar.set_message(format!(
                                "round {round}, {snaps} snapshot(s) so far (last: {file})"
                            ));
                        }
                    }
                    None => eprintln!("  {file} ({})", human(bytes)),
                }
                return;
            }
            CollectEvent::Failed {
                target,
                what,
                error,
            } => format!("{target}: {what}: {error}"),
            CollectEvent::Down { target, error } => {
                format!("{target} is unreachable ({error}); will keep trying every round")
            }
            CollectEvent::Back { target, after } => format!(
                "{target} answers again after {} unreachable",
                go_duration(Duration::from_secs(after.as_secs()))
            ),
            CollectEvent::Pruned { files, bytes } => {
                format!("Removed {files} old snapshot(s) ({})", human(bytes))
            }
            _ => return,
        };
        self.line(&text);
    }
}

fn saved_noun(p: &Path) -> &'static str {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.starts_with("trace.") {
        "trace"
    } else {
        "profile"
    }
}

/// A duration as Go prints it (`20s`, `1m30s`, `2h0m0s`), for pprof's
/// "Please wait... (20s)".
pub fn go_duration(d: Duration) -> String {
    let total = d.as_secs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let ms = d.subsec_millis();
    let secs = if ms > 0 {
        format!("{s}.{:03}", ms).trim_end_matches('0').to_string()
    } else {
        s.to_string()
    };
    match (h, m) {
        (0, 0) => format!("{secs}s"),
        (0, _) => format!("{m}m{secs}s"),
        _ => format!("{h}h{m}m{secs}s"),
    }
}

/// `12.3 KiB`.
pub fn human(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(go_duration(Duration::from_secs(20)), "20s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(7200)), "2h0m0s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
    }
}
