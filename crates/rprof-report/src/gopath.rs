//! Go's `path/filepath` functions that pprof's output depends on, with
//! Unix rules (pprof runs them on the paths recorded in profiles).

use std::borrow::Cow;

/// Go's `filepath.Base`.
pub fn base_name(path: &str) -> &str {
    let p = path.trim_end_matches('/');
    if p.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    match p.rfind('/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

/// Go's `filepath.Clean` (Unix rules); borrows when nothing changes.
pub fn clean_path(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed(".");
    }
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let mut s = out.join("/");
    if rooted {
        s.insert(0, '/');
    }
    if s.is_empty() {
        s.push('.');
    }
    if s == path {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(s)
    }
}
