//! Opening the user's browser on a served page (`rprof web`,
//! `rprof trace web`).

/// `$BROWSER` (a `:`-separated list, as xdg-utils reads it), then
/// `xdg-open` when there is a display; otherwise nothing (the URL is
/// printed already).
pub fn open(url: &str) {
    use std::process::{Command, Stdio};
    let mut candidates: Vec<String> = std::env::var("BROWSER")
        .map(|b| {
            b.split(':')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        candidates.push("xdg-open".into());
    }
    for c in candidates {
        let mut words = c.split_whitespace();
        let Some(prog) = words.next() else { continue };
        let started = Command::new(prog)
            .args(words)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if started.is_ok() {
            return;
        }
    }
}
