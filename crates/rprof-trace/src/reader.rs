//! The public reader: detects the format from the header and yields the
//! ordered event stream.

use std::io::{Read, Write};

use crate::batch::{Batch, Delivery};
use crate::error::Error;
use crate::event::Event;
use crate::input::Input;
use crate::v2::reader::V2Reader;
use crate::version::{MAX_HEADER_PEEK, Version, parse_header};

enum Inner<R> {
    V2(Box<V2Reader<R>>),
    /// Old-format traces are read whole, then converted event by event.
    V1(Box<crate::v1::V1Reader>),
}

/// Reads a Go execution trace and yields its events in Go's order.
///
/// The stream always starts with a [`Sync`](crate::EventKind::Sync) event
/// and ends with one (one more precedes each generation). Memory is
/// bounded by one generation for the new format; an old-format trace is
/// one big generation and is read whole.
///
/// After an error the reader is done. An error after at least one event
/// is an [`Error::Lost`] saying how much of the trace was good.
pub struct Reader<R> {
    inner: Inner<R>,
    version: Version,
    total_bytes: Option<u64>,
    done: bool,
    /// Whether [`Reader::read_into`] leaves Go's delivery checks to
    /// [`Batch::for_each_checked`] on the thread that takes the batch.
    check_later: bool,
}

impl<R: Read> Reader<R> {
    /// Reads the header (and, for an old-format trace, the whole trace).
    pub fn new(r: R) -> Result<Self, Error> {
        let mut input = Input::new(r);
        let head = input.peek(MAX_HEADER_PEEK)?;
        let (version, used) = parse_header(head)?;
        input.consume(used);
        let inner = if version.is_old_format() {
            Inner::V1(Box::new(crate::v1::read_and_convert(input, version)?))
        } else {
            Inner::V2(Box::new(V2Reader::new(input, version)))
        };
        Ok(Reader {
            inner,
            version,
            total_bytes: None,
            done: false,
            check_later: false,
        })
    }

    /// Tells the reader the size of the whole input, so that an error can
    /// say which fraction of the trace was lost.
    pub fn with_total_bytes(mut self, n: u64) -> Self {
        self.total_bytes = Some(n);
        self
    }

    /// The trace's format version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The next event, `Ok(None)` at the end.
    pub fn next_event(&mut self) -> Result<Option<Event>, Error> {
        if self.done {
            return Ok(None);
        }
        let r = match &mut self.inner {
            Inner::V2(r) => r.read_event().map_err(|e| lost(r, self.total_bytes, e)),
            Inner::V1(c) => c.read_event(),
        };
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r
    }
}

impl<R: Read> Reader<R> {
    /// Whether [`Reader::read_into`] leaves Go's delivery checks of most
    /// events to [`Batch::for_each_checked`], for a caller that runs it on
    /// another thread. By default they are done while reading, when the
    /// events are still in cache.
    pub(crate) fn check_later(&mut self, yes: bool) {
        self.check_later = yes;
    }

    /// Reads the generations to come on a thread of `scope`, ahead of the
    /// ordering (see `V2Reader::read_ahead`); [`ReadingAhead`] ends it.
    fn read_ahead<'scope, 'env>(&mut self, scope: &'scope std::thread::Scope<'scope, 'env>)
    where
        R: Send + 'scope,
    {
        if let Inner::V2(r) = &mut self.inner {
            r.read_ahead(scope);
        }
    }

    /// Appends up to `max` events to `out` (what [`Reader::next_event`]
    /// would return one by one; with [`Reader::check_later`], once
    /// [`Batch::for_each_checked`] has checked them): `Ok(false)` once the
    /// trace has ended. On an error, `out` holds the events read before it.
    pub(crate) fn read_into(&mut self, out: &mut Batch, max: usize) -> Result<bool, Error> {
        if self.done {
            return Ok(false);
        }
        let total = self.total_bytes;
        let later = self.check_later;
        let r = match &mut self.inner {
            Inner::V2(r) => r
                .read_into(out, max, later.then_some(total))
                .map_err(|e| lost(r, total, e)),
            Inner::V1(_) => {
                while out.len() < max {
                    match self.next_event()? {
                        Some(e) => out.push(e, Delivery::Done),
                        None => return Ok(false),
                    }
                }
                return Ok(true);
            }
        };
        if !matches!(r, Ok(true)) {
            self.done = true;
        }
        r
    }
}

/// A reader that reads ahead on a thread of a scope for as long as this
/// lives: dropping it (also while unwinding) lets that thread end, which
/// the scope waits for.
pub(crate) struct ReadingAhead<'a, R: Read>(pub(crate) &'a mut Reader<R>);

impl<'a, R: Read + Send> ReadingAhead<'a, R> {
    /// `reader`, reading ahead on a thread of `scope`.
    pub(crate) fn new<'scope, 'env>(
        reader: &'a mut Reader<R>,
        scope: &'scope std::thread::Scope<'scope, 'env>,
    ) -> Self
    where
        R: 'scope,
    {
        reader.read_ahead(scope);
        ReadingAhead(reader)
    }
}

impl<R: Read> Drop for ReadingAhead<'_, R> {
    fn drop(&mut self) {
        if let Inner::V2(r) = &mut self.0.inner {
            r.stop_read_ahead();
        }
    }
}

/// A new-format reader's error, with how much of the trace was good.
fn lost<R>(r: &V2Reader<R>, total_bytes: Option<u64>, cause: Error) -> Error {
    Error::Lost {
        generations_ok: r.gens_ok,
        valid_bytes: r.good_bytes,
        total_bytes,
        cause: Box::new(cause),
    }
}

impl<R: Read> Iterator for Reader<R> {
    type Item = Result<Event, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event().transpose()
    }
}

/// Writes what `go tool trace -d=parsed TRACE` prints for `trace` to `out`:
/// every event of the ordered stream in Go's `Event.String()` form.
///
/// On a damaged trace everything before the failure has been written when
/// the error is returned (as Go prints it before failing). Use
/// [`write_parsed`] with [`Reader::with_total_bytes`] for errors that say
/// which fraction of the file was lost.
pub fn dump_parsed<R: Read, W: Write>(trace: R, out: W) -> Result<(), Error> {
    write_parsed(&mut Reader::new(trace)?, out)
}

/// Writes the rest of `reader`'s events as `go tool trace -d=parsed` does.
///
/// Events are read in batches and each batch is formatted in parallel
/// (formatting is most of the work: the text is some 50 times the size of
/// the trace), then written in order.
pub fn write_parsed<R: Read, W: Write>(reader: &mut Reader<R>, mut out: W) -> Result<(), Error> {
    use rayon::prelude::*;
    const BATCH: usize = 16 << 10;
    const PER_TASK: usize = 1 << 10;
    loop {
        // Checked while read (the reader's default): complete events.
        let mut batch = Batch::default();
        let more = reader.read_into(&mut batch, BATCH);
        let events = batch.into_events();
        let texts: Vec<Vec<u8>> = events
            .par_chunks(PER_TASK)
            .map(|evs| {
                let mut buf = Vec::with_capacity(evs.len() * 256);
                for ev in evs {
                    ev.write_go_string(&mut buf);
                    buf.push(b'\n');
                }
                buf
            })
            .collect();
        for t in &texts {
            out.write_all(t).map_err(Error::Write)?;
        }
        match more {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                out.flush().map_err(Error::Write)?;
                return Err(e);
            }
        }
    }
    out.flush().map_err(Error::Write)
}

#[cfg(test)]
mod read_ahead_tests {
    use super::*;

    fn multigen() -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/traces/expected-analysis/inputs/multigen.trace");
        std::fs::read(p).unwrap()
    }

    /// The events read with the generations read ahead are the events
    /// read without; a reader that stops early (its guard dropped after a
    /// few events, the read-ahead thread waiting to hand over the next
    /// generation) lets that thread end, so the scope ends.
    #[test]
    fn reading_ahead_gives_the_same_events_and_stops_with_its_guard() {
        let bytes = multigen();
        let serial: Vec<String> = Reader::new(&bytes[..])
            .unwrap()
            .map(|e| e.unwrap().to_string())
            .collect();
        assert!(serial.iter().filter(|e| e.contains("Sync")).count() > 3);
        let mut ahead = Vec::new();
        {
            let mut r = Reader::new(&bytes[..]).unwrap();
            std::thread::scope(|s| {
                let r = ReadingAhead::new(&mut r, s);
                while let Some(e) = r.0.next_event().unwrap() {
                    ahead.push(e.to_string());
                }
            });
        }
        assert!(ahead == serial, "the events differ");

        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = Reader::new(&bytes[..]).unwrap();
            let mut n = 0;
            std::thread::scope(|s| {
                let r = ReadingAhead::new(&mut r, s);
                while n < 10 && r.0.next_event().unwrap().is_some() {
                    n += 1;
                }
            });
            let _ = tx.send(n);
        });
        let n = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the scope ended");
        assert_eq!(n, 10);
    }
}
