//! memstats series that are not one input: an `rprof collect` directory
//! (one series per target, read through its index) and a URL fetched
//! every interval (`--every 1s --for 30s`).
//!
//! Both hand the memstats reader one stream of documents, one per line,
//! produced as the reader asks for them: a collection is read one file at
//! a time and a URL fetched one snapshot at a time, so memory holds one
//! document, not the series. A `/debug/vars` document carries no time of
//! its own; the time it was taken (the collection's index, the clock at
//! the fetch) is added as a `time` field, which the reader takes as the
//! snapshot's time.

use crate::failure::Failure;
use crate::sources;
use rprof_diag::MemstatsReader;
use rprof_source::{FetchOptions, Index, Source};
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

/// Documents from an iterator, one per line, as one stream.
struct Documents<I> {
    items: I,
    current: Cursor<Vec<u8>>,
}

impl<I: Iterator<Item = std::io::Result<Vec<u8>>>> Read for Documents<I> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            match self.items.next() {
                None => return Ok(0),
                Some(Ok(mut doc)) => {
                    doc.push(b'\n');
                    self.current = Cursor::new(doc);
                }
                Some(Err(e)) => return Err(e),
            }
        }
    }
}

fn documents<I: Iterator<Item = std::io::Result<Vec<u8>>>>(items: I) -> BufReader<Documents<I>> {
    BufReader::new(Documents {
        items,
        current: Cursor::new(Vec::new()),
    })
}

/// A JSON document on one line with `time` (unix milliseconds) added
/// when it has none; anything else as it is, for the reader to judge.
fn with_time(doc: &[u8], unix_ms: i64) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(doc) {
        Ok(serde_json::Value::Object(mut m)) => {
            if !["time", "timestamp", "ts"]
                .iter()
                .any(|k| m.contains_key(*k))
            {
                m.insert("time".into(), unix_ms.into());
            }
            serde_json::to_vec(&m).unwrap_or_else(|_| doc.to_vec())
        }
        _ => doc.to_vec(),
    }
}

/// An `rprof collect --vars` directory: one series per target and kind
/// (`/debug/vars` documents, gops `memstats` text), in the index's order.
pub fn read_collection(reader: &mut MemstatsReader, dir: &Path) -> Result<(), Failure> {
    let index = Index::read(dir).map_err(|e| Failure::input(e.to_string()))?;
    let mut found = false;
    for target in &index.targets {
        for what in ["vars", "memstats"] {
            let files: Vec<(PathBuf, i64)> = index
                .snapshots
                .iter()
                .filter(|s| &s.target == target && s.what == what)
                .map(|s| (dir.join(&s.file), s.unix_ms))
                .collect();
            if files.is_empty() {
                continue;
            }
            found = true;
            let name = format!("{} ({target})", dir.display());
            let docs = files.into_iter().map(move |(path, ms)| {
                let bytes = std::fs::read(&path).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                })?;
                Ok(if what == "vars" {
                    with_time(&bytes, ms)
                } else {
                    bytes
                })
            });
            reader
                .read(&name, documents(docs))
                .map_err(|e| Failure::input(e.to_string()))?;
        }
    }
    if !found {
        return Err(Failure::input(format!(
            "{}: the collection has no /debug/vars or gops memstats snapshots (collect with --vars)",
            dir.display()
        )));
    }
    Ok(())
}

/// `source` fetched every `every` for `span` (the first fetch at once):
/// one series. Ctrl-C ends the series early and keeps what was fetched.
pub fn read_repeated(
    reader: &mut MemstatsReader,
    source: &Source,
    fetch: &FetchOptions,
    every: Duration,
    span: Duration,
) -> Result<(), Failure> {
    let rounds = (span.as_secs_f64() / every.as_secs_f64()).floor() as u32 + 1;
    let start = Instant::now();
    let mut failed = None;
    let docs = (0..rounds).map_while(|i| {
        let due = start + every * i;
        while Instant::now() < due {
            if fetch.cancel.load(Ordering::Relaxed) {
                return None;
            }
            std::thread::sleep((due - Instant::now()).min(Duration::from_millis(100)));
        }
        if fetch.cancel.load(Ordering::Relaxed) {
            return None;
        }
        match sources::fetch_text(source, fetch) {
            Ok((_, body)) => {
                let ms = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                Some(Ok(with_time(&body, ms)))
            }
            Err(f) => {
                // Cancelled (Ctrl-C): the series ends here.
                if f.status != 130 {
                    failed = Some(f);
                }
                None
            }
        }
    });
    let r = reader.read(&source.display_name(), documents(docs));
    if let Some(f) = failed {
        return Err(f);
    }
    r.map_err(|e| Failure::input(e.to_string()))
}
