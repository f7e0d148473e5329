//! # rprof-trace: Go execution traces, read the way Go 1.27 reads them
//!
//! ## Architecture
//!
//! ```text
//! bytes ─► version::parse_header ─┬─ new format (go 1.22/1.23/1.25/1.26 trace): v2, one generation at a time
//!                                 │    v2/generation  batches of one generation → tables (strings, stacks,
//!                                 │                   CPU samples, sync/clock) + each thread's event bytes
//!                                 │    v2/reader      per-thread cursors in a min-heap by time; CPU samples
//!                                 │                   merged in; a Sync event per generation
//!                                 │    v2/order       the scheduler model: may this event happen now?
//!                                 │                   (G/P/M states, sequence numbers, GC, ranges, tasks)
//!                                 └─ old format (go 1.11/1.19/1.21 trace): v1, read whole
//!                                      v1/parser      per-P batches merged by goroutine sequence numbers
//!                                      v1/mod         converted to the new model (Go's tracev1.go)
//!                                            │
//!                                            ▼
//!              Event: kind, time, G/P/M context, stack; details decoded on demand
//!              from its generation's tables (shared by Arc, dropped with the last event)
//!
//! wire    the raw stream (batch headers are events), no tables or ordering: -d=wire
//! text    the text form of the raw stream → wire bytes (GOROOT's testdata/tests/*.test)
//! ```
//!
//! **The specification is Go's source** (`src/internal/trace` of Go 1.27),
//! ported function by function, because the outputs must equal
//! `go tool trace -d=wire|parsed` byte for byte: the same event order
//! (Go's own heap code and its unstable `slices.SortFunc` are ported, as
//! equal timestamps are common), the same float arithmetic for timestamps
//! (per-delta truncation, Go's amd64 float→int conversion), the same
//! tie-breaking fix-up of equal times, even the stale argument slots Go
//! leaves in reused events.
//!
//! **Memory** is bounded by one generation for the new format: the reader
//! holds the current generation's event bytes and tables, the scheduler
//! state, and the events queued by the last advance (an analysis's pass
//! also holds the next generation, read ahead on another thread, and a
//! few batches of events between its threads). Old-format traces
//! (Go ≤1.21, unsupported since 2024) carry their frequency and stacks at
//! the end and are read whole, as in Go.
//!
//! **Errors** are typed ([`Error`]) and never panics. A trace that goes bad
//! after its start yields every event Go would yield (all complete
//! generations, then a Sync), then [`Error::Lost`]: the cause (Go's
//! message), how many generations were good, and which bytes were lost.
//! An unknown header version is [`Error::UnsupportedVersion`].
//!
//! ## Use
//!
//! ```no_run
//! let f = std::fs::File::open("trace.out")?;
//! let size = f.metadata()?.len();
//! let mut r = rprof_trace::Reader::new(std::io::BufReader::new(f))?.with_total_bytes(size);
//! while let Some(ev) = r.next_event()? {
//!     if let Some(st) = ev.state_transition() {
//!         // e.g. goroutine transitions for the blocking profiles
//!         let _ = (ev.time(), st.goroutine(), ev.stack().frames().count());
//!     }
//! }
//! # Ok::<(), rprof_trace::Error>(())
//! ```
//!
//! [`dump_wire`] and [`dump_parsed`] (or [`write_parsed`] on a reader made
//! with [`Reader::with_total_bytes`]) write what `go tool trace -d=wire` and
//! `-d=parsed` print; on failure they return the error after writing what
//! Go would have printed, and [`Error::cause`] is Go's message. [`WireReader`]
//! gives the raw events, [`text::text_to_wire`] reads the text form. This
//! crate never prints and never parses command lines.

#![warn(missing_docs)]

pub mod analysis;
mod batch;
mod delivery;
pub mod error;
pub mod event;
mod fxhash;
mod gosort;
mod gotime;
mod input;
mod isprint;
pub mod quote;
mod reader;
pub mod spec;
mod table;
pub mod text;
mod v1;
mod v2;
mod varint;
pub mod version;
pub mod wire;

pub use error::Error;
pub use event::{
    BACKGROUND_TASK, ClockSnapshot, Event, EventKind, ExperimentalEvent, GoId, GoState, Label, Log,
    Metric, NO_GOROUTINE, NO_PROC, NO_TASK, NO_THREAD, ProcId, ProcState, Range, Region,
    ResourceId, Stack, StackFrame, StateTransition, Sync, Task, TaskId, ThreadId, Value,
};
pub use reader::{Reader, dump_parsed, write_parsed};
pub use table::{ExperimentalBatch, Time};
pub use version::Version;
pub use wire::{WireEvent, WireReader, dump_wire};
