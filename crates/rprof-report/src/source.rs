//! Finding the source files a profile names, for `list`: pprof's search
//! (`openSourceFile` and `trimPath` in its report package), then the
//! places a Go engineer's sources actually are.
//!
//! pprof looks for a recorded path (after trimming, see [`trim_path`]) in
//! each directory of the search path and in each of their parents; an
//! absolute path must exist as it is. When that fails, rprof also tries,
//! in this order:
//!
//! 1. the local Go installation ([`SourceConfig::goroot`]): standard
//!    library paths as `-trimpath` records them (`runtime/proc.go`), and
//!    absolute paths under the GOROOT of the machine that built the
//!    program (found from the profile's own `runtime` paths,
//!    [`recorded_goroots`]) mapped onto the local one;
//! 2. the module cache ([`SourceConfig::gomodcache`]): `module@version/…`
//!    as `-trimpath` records dependencies, with the cache's `!` escaping of
//!    upper-case letters, and absolute paths under another machine's
//!    `…/pkg/mod/`;
//! 3. `vendor/` directories of the search path and their parents
//!    (google/pprof#1009): `module@version/file.go` is
//!    `vendor/module/file.go` there.
//!
//! Everything here reads files and nothing else: the caller says where
//! GOROOT and the module cache are (running `go env` is the command
//! line's business).

use crate::gopath::clean_path;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where sources are looked for.
#[derive(Clone, Debug, Default)]
pub struct SourceConfig {
    /// pprof's `-source_path` (directories separated by `:`); the caller
    /// puts the working directory here when the user gave none, as pprof
    /// does.
    pub search_path: String,
    /// pprof's `-trim_path` (prefixes separated by `:`).
    pub trim_path: String,
    /// The local GOROOT, if known.
    pub goroot: Option<PathBuf>,
    /// The local module cache (`go env GOMODCACHE`), if known.
    pub gomodcache: Option<PathBuf>,
    /// GOROOTs of the machines that built the profiled programs, as
    /// recorded in absolute paths (see [`recorded_goroots`]).
    pub recorded_goroots: Vec<String>,
}

/// pprof's `trimPath`: removes from `path` a prefix of `trim` (a
/// `:`-separated list), or, when `trim` is empty, everything up to the
/// base name of a search-path directory found inside it
/// (`/build/x/my-project/foo.c` with search path `/home/me/my-project`
/// becomes `foo.c`); `/proc/self/cwd/` prefixes always go.
pub fn trim_path<'a>(path: &'a str, trim: &str, search_path: &str) -> &'a str {
    if trim.is_empty() {
        for dir in split_list(search_path) {
            let want = format!("/{}/", crate::base_name(dir));
            if let Some(found) = path.find(&want) {
                return &path[found + want.len()..];
            }
        }
    }
    for prefix in split_list(trim).chain(["/proc/self/cwd/./", "/proc/self/cwd/"]) {
        let with_slash;
        let prefix = if prefix.ends_with('/') {
            prefix
        } else {
            with_slash = format!("{prefix}/");
            &with_slash
        };
        if let Some(rest) = path.strip_prefix(prefix) {
            return rest;
        }
    }
    path
}

/// Go's `filepath.SplitList` on Unix: an empty list has no elements.
fn split_list(list: &str) -> impl Iterator<Item = &str> {
    let mut parts = (!list.is_empty()).then(|| list.split(':'));
    std::iter::from_fn(move || parts.as_mut()?.next())
}

/// The GOROOTs recorded in the paths of `runtime` functions
/// (`/usr/local/go/src/runtime/proc.go` says `/usr/local/go`), so that
/// other standard-library paths under them can be found in the local
/// GOROOT. `functions` are (name, file) pairs.
pub fn recorded_goroots<'a>(functions: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut roots: Vec<String> = Vec::new();
    for (name, file) in functions {
        if !name.starts_with("runtime.") || !file.starts_with('/') {
            continue;
        }
        if let Some(i) = file.rfind("/src/runtime/") {
            let root = &file[..i];
            if !roots.iter().any(|r| r == root) {
                roots.push(root.to_string());
            }
        }
    }
    roots
}

/// Why a source file could not be read: pprof's own words, since the
/// listing prints them.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    /// A relative path found nowhere.
    #[error("could not find file {path} on path {search_path}")]
    NotFound {
        /// The path looked for (after trimming).
        path: String,
        /// The search path.
        search_path: String,
    },
    /// An absolute path that does not exist (or cannot be read).
    #[error("open {path}: {reason}")]
    Open {
        /// The path.
        path: String,
        /// The operating system's reason, as Go words it.
        reason: String,
    },
}

/// Source files read once each, by the path the profile records.
pub struct SourceReader {
    config: SourceConfig,
    files: HashMap<String, Result<Vec<String>, SourceError>>,
    /// Files found only by rprof's own lookups, and where.
    found_elsewhere: Vec<(String, PathBuf)>,
}

impl SourceReader {
    /// A reader looking where `config` says.
    pub fn new(config: SourceConfig) -> Self {
        SourceReader {
            config,
            files: HashMap::new(),
            found_elsewhere: Vec::new(),
        }
    }

    /// Line `lineno` (from 1) of the file recorded as `path`, without its
    /// line ending; `None` past the end or when the file is missing.
    pub fn line(&mut self, path: &str, lineno: i64) -> Option<&str> {
        let lines = self.lines(path).ok()?;
        if lineno <= 0 {
            return None;
        }
        lines.get(lineno as usize - 1).map(String::as_str)
    }

    /// Why the file recorded as `path` could not be read, if it could not.
    pub fn error(&mut self, path: &str) -> Option<SourceError> {
        self.lines(path).err()
    }

    /// Files that pprof's search would not have found, with the local
    /// file rprof read instead.
    pub fn found_elsewhere(&self) -> &[(String, PathBuf)] {
        &self.found_elsewhere
    }

    fn lines(&mut self, path: &str) -> Result<&Vec<String>, SourceError> {
        if !self.files.contains_key(path) {
            let read = self.open(path).map(|(text, local, pprof_would)| {
                if !pprof_would {
                    self.found_elsewhere.push((path.to_string(), local));
                }
                split_lines(&text)
            });
            self.files.insert(path.to_string(), read);
        }
        match &self.files[path] {
            Ok(lines) => Ok(lines),
            Err(e) => Err(e.clone()),
        }
    }

    /// The file's text, where it was read, and whether pprof's own
    /// search finds it there.
    fn open(&self, recorded: &str) -> Result<(Vec<u8>, PathBuf, bool), SourceError> {
        let c = &self.config;
        let path = trim_path(recorded, &c.trim_path, &c.search_path);
        let pprof_result = if path.starts_with('/') {
            std::fs::read(path)
                .map(|t| (t, PathBuf::from(path)))
                .map_err(|e| SourceError::Open {
                    path: path.to_string(),
                    reason: go_io_reason(&e),
                })
        } else {
            self.search_up(Path::new(path))
                .ok_or_else(|| SourceError::NotFound {
                    path: path.to_string(),
                    search_path: c.search_path.clone(),
                })
        };
        match pprof_result {
            Ok((t, p)) => Ok((t, p, true)),
            Err(e) => match self.elsewhere(path) {
                Some((t, p)) => Ok((t, p, false)),
                None => Err(e),
            },
        }
    }

    /// pprof's search: `path` under each search directory and each of
    /// their parents (Go's `filepath.Dir` up to `.` or `/`).
    fn search_up(&self, path: &Path) -> Option<(Vec<u8>, PathBuf)> {
        let path = path.to_string_lossy();
        for dir in split_list(&self.config.search_path) {
            let mut dir = dir.to_string();
            loop {
                let candidate = PathBuf::from(clean_path(&format!("{dir}/{path}")).as_ref());
                if let Ok(t) = std::fs::read(&candidate) {
                    return Some((t, candidate));
                }
                let parent = go_dir(&dir);
                if parent == dir {
                    break;
                }
                dir = parent;
            }
        }
        None
    }

    /// rprof's lookups past pprof's: GOROOT, the module cache, vendor/.
    fn elsewhere(&self, path: &str) -> Option<(Vec<u8>, PathBuf)> {
        let c = &self.config;
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(goroot) = &c.goroot {
            let src = goroot.join("src");
            if path.starts_with('/') {
                for recorded in &c.recorded_goroots {
                    if let Some(rest) = path.strip_prefix(&format!("{recorded}/src/")) {
                        candidates.push(src.join(rest));
                    }
                }
            } else {
                candidates.push(src.join(path));
            }
        }
        if let Some(cache) = &c.gomodcache {
            if path.starts_with('/') {
                if let Some(i) = path.find("/pkg/mod/") {
                    candidates.push(cache.join(&path[i + "/pkg/mod/".len()..]));
                }
            } else if let Some((module, rest)) = module_version_split(path) {
                candidates.push(cache.join(escape_module_path(module)).join(rest));
            }
        }
        // vendor/: `module@version/rest` is `vendor/module/rest`; an
        // absolute path with `/vendor/` in it is looked for by the part
        // from `vendor/` on.
        let vendored = if let Some((module, rest)) = module_version_split(path) {
            let module = module.split('@').next().unwrap_or(module);
            Some(format!("vendor/{module}/{rest}"))
        } else {
            path.rfind("/vendor/").map(|i| path[i + 1..].to_string())
        };
        for c in candidates {
            if let Ok(t) = std::fs::read(&c) {
                return Some((t, c));
            }
        }
        if let Some(v) = vendored {
            return self.search_up(Path::new(&v));
        }
        None
    }
}

/// Go's `filepath.Dir` (Unix): everything before the last `/`, cleaned.
fn go_dir(path: &str) -> String {
    let head = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    clean_path(head).into_owned()
}

/// `github.com/x/y@v1.2.3/z/f.go` as (`github.com/x/y@v1.2.3`,
/// `z/f.go`): the module directory and the path inside it, when a path
/// element carries a version.
fn module_version_split(path: &str) -> Option<(&str, &str)> {
    let at = path.find('@')?;
    let end = path[at..].find('/')? + at;
    Some((&path[..end], &path[end + 1..]))
}

/// The module cache's escaping of a module path and version
/// (`golang.org/x/mod/module.EscapePath`): every upper-case letter
/// becomes `!` and its lower-case form, since file systems may ignore
/// case.
pub fn escape_module_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Go's `bufio.Scanner` lines: split at `\n`, a `\r` before it dropped,
/// no empty last line after a final newline.
fn split_lines(text: &[u8]) -> Vec<String> {
    let mut lines: Vec<String> = text
        .split(|&b| b == b'\n')
        .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
        .collect();
    if text.ends_with(b"\n") || text.is_empty() {
        lines.pop();
    }
    lines
}

/// An I/O error as Go's `os.Open` words it (`no such file or directory`).
fn go_io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => &s[..i],
        None => &s,
    };
    // Rust capitalises the C library's message; Go keeps it lower-case.
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_as_pprof() {
        assert_eq!(trim_path("/proc/self/cwd/a/b.go", "", ""), "a/b.go");
        assert_eq!(trim_path("/proc/self/cwd/./a/b.go", "", ""), "a/b.go");
        assert_eq!(
            trim_path("/some/remote/my-project/foo/bar.c", "", "/local/my-project"),
            "foo/bar.c"
        );
        assert_eq!(
            trim_path("/build/src/x.go", "/build:/other", ""),
            "src/x.go"
        );
        assert_eq!(
            trim_path("/build/src/x.go", "/build/", "/z/src"),
            "src/x.go"
        );
        assert_eq!(
            trim_path("workload/main.go", "", "../go"),
            "workload/main.go"
        );
    }

    #[test]
    fn walks_up_as_go_filepath_dir() {
        assert_eq!(go_dir("../go"), "..");
        assert_eq!(go_dir(".."), ".");
        assert_eq!(go_dir("."), ".");
        assert_eq!(go_dir("/a/b"), "/a");
        assert_eq!(go_dir("/a"), "/");
        assert_eq!(go_dir("/"), "/");
    }

    #[test]
    fn escapes_module_paths_as_the_module_cache() {
        assert_eq!(
            escape_module_path("github.com/BurntSushi/toml@v1.2.0"),
            "github.com/!burnt!sushi/toml@v1.2.0"
        );
        assert_eq!(
            module_version_split("github.com/x/y@v1.0.0/z/f.go"),
            Some(("github.com/x/y@v1.0.0", "z/f.go"))
        );
        assert_eq!(module_version_split("runtime/proc.go"), None);
    }

    #[test]
    fn finds_recorded_goroots() {
        let fns = [
            ("runtime.main", "/usr/local/go/src/runtime/proc.go"),
            ("main.main", "/home/x/main.go"),
            ("runtime.mallocgc", "/usr/local/go/src/runtime/malloc.go"),
            ("runtime.x", "runtime/proc.go"),
        ];
        assert_eq!(recorded_goroots(fns.into_iter()), vec!["/usr/local/go"]);
    }

    #[test]
    fn splits_lines_as_bufio_scanner() {
        assert_eq!(split_lines(b"a\r\nb\n"), vec!["a", "b"]);
        assert_eq!(split_lines(b"a\n\nb"), vec!["a", "", "b"]);
        assert!(split_lines(b"").is_empty());
    }
}
