//! Saved copies of fetched profiles, where and as `go tool pprof` keeps
//! them (`setTmpDir`, `newTempFile` and the prefix rule in pprof's
//! `internal/driver/fetch.go`): `$PPROF_TMPDIR`, else `$HOME/pprof`, else
//! the system's temporary directory (rprof's `$RPROF_TMPDIR` first), named
//! `pprof.<binary>.<sample types>.NNN.pb.gz` with the first free NNN
//! counting from `001`. Traces, which pprof does not fetch, become
//! `trace.<host>.<time>.out`.
//!
//! A copy is written to a temporary file first and appears under its
//! final name only complete (a hard link, which fails if the name was
//! taken meanwhile, as pprof's `O_EXCL` does).

use crate::error::SaveError;
use rprof_profile::Profile;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The directory for saved copies: `dir` if given, else `$RPROF_TMPDIR`,
/// `$PPROF_TMPDIR`, `$HOME/pprof`, the temporary directory; the first
/// that exists or can be created.
pub fn save_dir(dir: Option<&Path>) -> Result<PathBuf, SaveError> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = dir {
        dirs.push(d.to_path_buf());
    } else {
        for var in ["RPROF_TMPDIR", "PPROF_TMPDIR"] {
            if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
                dirs.push(PathBuf::from(v));
            }
        }
        if let Some(home) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            dirs.push(PathBuf::from(home).join("pprof"));
        }
        dirs.push(std::env::temp_dir());
    }
    let mut last = None;
    for d in dirs {
        match std::fs::create_dir_all(&d) {
            Ok(()) => return Ok(d),
            Err(e) => last = Some((d, e)),
        }
    }
    let (dir, e) = last.expect("at least one candidate directory");
    Err(SaveError {
        dir,
        error: io_msg(&e),
    })
}

/// pprof's file-name prefix for a profile: `pprof.`, the base name of the
/// first mapping's file when it has one, then every sample type, each
/// followed by a dot.
pub fn profile_prefix(p: &Profile) -> String {
    let mut prefix = String::from("pprof.");
    if let Some(m) = p.mappings.first() {
        let file = p.str(m.file);
        if !file.is_empty() {
            let base = file.rsplit('/').find(|s| !s.is_empty()).unwrap_or(file);
            prefix.push_str(base);
            prefix.push('.');
        }
    }
    for t in &p.sample_types {
        prefix.push_str(p.str(t.ty));
        prefix.push('.');
    }
    prefix
}

/// Saves a validated profile: the bytes as received when gzipped (what
/// pprof writes is gzipped protobuf too), else the profile re-encoded.
pub(crate) fn save_profile(
    dir: Option<&Path>,
    data: &[u8],
    profile: &Profile,
) -> Result<PathBuf, SaveError> {
    let dir = save_dir(dir)?;
    let prefix = profile_prefix(profile);
    let tmp = TempFile::create(&dir)?;
    let written = if data.starts_with(&[0x1f, 0x8b]) {
        tmp.file().write_all(data)
    } else {
        rprof_profile::write_gz(profile, tmp.file())
    };
    written.map_err(|e| save_err(&dir, &e))?;
    tmp.publish((1..10000).map(|i| format!("{prefix}{i:03}.pb.gz")))
}

/// The name stem of a saved trace: `trace.<host>.<local time>`, the host
/// with anything but letters, digits, `.`, `-` and `_` made `_`.
pub(crate) fn trace_stem(host: &str) -> String {
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let time = jiff::Zoned::now().strftime("%Y%m%d-%H%M%S").to_string();
    format!("trace.{host}.{time}")
}

/// The names a trace is saved under, the plain one first.
pub(crate) fn trace_names(stem: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(format!("{stem}.out"))
        .chain((2..10000).map(move |i| format!("{stem}.{i:03}.out")))
}

/// A hidden file in the save directory that becomes a saved copy only
/// when complete; removed if dropped before.
pub(crate) struct TempFile {
    dir: PathBuf,
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl TempFile {
    pub(crate) fn create(dir: &Path) -> Result<TempFile, SaveError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".rprof-save-{}-{n}.tmp", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| save_err(dir, &e))?;
        Ok(TempFile {
            dir: dir.to_path_buf(),
            path,
            file: Some(file),
        })
    }

    pub(crate) fn file(&self) -> &std::fs::File {
        self.file.as_ref().expect("open until published")
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Gives the file the first free name of `names`.
    pub(crate) fn publish(
        mut self,
        names: impl Iterator<Item = String>,
    ) -> Result<PathBuf, SaveError> {
        let file = self.file.take().expect("published once");
        file.sync_all().map_err(|e| save_err(&self.dir, &e))?;
        drop(file);
        let mut first = None;
        for name in names {
            let target = self.dir.join(&name);
            first.get_or_insert_with(|| name.clone());
            match std::fs::hard_link(&self.path, &target) {
                Ok(()) => return Ok(target),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(_) => {
                    // No hard links here: reserve the name, then move the
                    // complete file over it.
                    match std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&target)
                    {
                        Ok(_) => {
                            return std::fs::rename(&self.path, &target)
                                .map(|_| target.clone())
                                .map_err(|e| {
                                    let _ = std::fs::remove_file(&target);
                                    save_err(&self.dir, &e)
                                });
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                        Err(e) => return Err(save_err(&self.dir, &e)),
                    }
                }
            }
        }
        Err(SaveError {
            dir: self.dir.clone(),
            error: format!(
                "could not create a file of the form {}",
                first.unwrap_or_default()
            ),
        })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.file.take();
        let _ = std::fs::remove_file(&self.path);
    }
}

fn save_err(dir: &Path, e: &std::io::Error) -> SaveError {
    SaveError {
        dir: dir.to_path_buf(),
        error: io_msg(e),
    }
}

/// An I/O error without Rust's "(os error N)" suffix.
pub(crate) fn io_msg(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_pprof() {
        let dir = std::env::temp_dir().join(format!("rprof-save-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut b = rprof_profile::ProfileBuilder::new();
        b.add_sample_type("alloc_objects", "count");
        b.add_sample_type("alloc_space", "bytes");
        let file = b.intern("/srv/bin/liveservice");
        b.mapping(rprof_profile::Mapping {
            start: 0x1000,
            limit: 0x2000,
            file,
            ..Default::default()
        });
        let p = b.finish();
        assert_eq!(
            profile_prefix(&p),
            "pprof.liveservice.alloc_objects.alloc_space."
        );
        let bytes = rprof_profile::encode(&p);
        let a = save_profile(Some(&dir), &bytes, &p).unwrap();
        let b2 = save_profile(Some(&dir), &bytes, &p).unwrap();
        assert_eq!(
            a.file_name().unwrap(),
            "pprof.liveservice.alloc_objects.alloc_space.001.pb.gz"
        );
        assert_eq!(
            b2.file_name().unwrap(),
            "pprof.liveservice.alloc_objects.alloc_space.002.pb.gz"
        );
        // Not gzipped when received: written gzipped, as pprof writes.
        let saved = std::fs::read(&a).unwrap();
        assert!(saved.starts_with(&[0x1f, 0x8b]));
        assert_eq!(
            rprof_profile::parse(&saved).unwrap().sample_type_names(),
            ["alloc_objects", "alloc_space"]
        );
        // No temporary file left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn trace_names_sanitise_host() {
        let stem = trace_stem("127.0.0.1:6060");
        assert!(stem.starts_with("trace.127.0.0.1_6060."), "{stem}");
        let names: Vec<_> = trace_names("t").take(2).collect();
        assert_eq!(names, ["t.out", "t.002.out"]);
    }
}
