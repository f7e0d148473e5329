//! # rprof-source: where profiles and traces come from
//!
//! Architecture: a command-line argument becomes a [`Source`]
//! ([`Source::parse`], classified as `go tool pprof` classifies it: `-`,
//! an existing file, a URL with `http://` added when it has no scheme, or
//! `gops://TARGET/KIND`). [`fetch`] turns a source into a validated
//! [`Fetched`] body (several at once with [`fetch_all`]); [`open`] gives
//! a [`Stream`] for execution traces too large to hold. Network I/O runs
//! on a helper thread feeding a channel, so that the caller can count
//! down while the server profiles (`seconds=N`), stop at once when
//! [`FetchOptions::cancel`] is set (Ctrl-C), and enforce pprof's timeout
//! (1.5 × seconds, else 60 s, plus 5 s). Every body is validated before it
//! is handed on or saved: profiles are parsed by `rprof_profile` (with
//! its gzip-bomb limits), traces checked by header (or fully, by a
//! [`TraceCheck`] the caller plugs in), `/debug/vars` as JSON; an HTML or
//! JSON page with status 200 is named as such, and a Go handler's error
//! body (`X-Go-Pprof: 1`) is shown as pprof shows it.
//!
//! Remote profiles are saved as pprof saves them ([`save_dir`],
//! [`profile_prefix`]: `$RPROF_TMPDIR`, `$PPROF_TMPDIR` or `~/pprof`,
//! `pprof.<binary>.<sample types>.NNN.pb.gz`), traces as
//! `trace.<host>.<time>.out`, each written aside and renamed complete.
//! [`gops`] speaks the gops agent protocol; [`collect()`] takes periodic
//! snapshots into a directory with an index.
//!
//! This crate never prints: what it is doing goes to a [`Progress`]
//! implementation, errors are typed ([`SourceError`], [`FetchError`] with
//! a [`Problem`], [`CollectError`]) and their messages never contain the
//! credentials of a URL (`user:pass@` becomes `xxxxx@`).

#![warn(missing_docs)]

mod collect;
mod error;
mod fetch;
pub mod gops;
mod progress;
mod save;
mod source;
mod validate;

pub use collect::{
    CollectOptions, CollectSummary, CollectTarget, INDEX_FILE, INDEX_FORMAT, Index, Snapshot,
    TargetEvent, collect,
};
pub use error::{CollectError, FetchError, Problem, SaveError, SourceError};
pub use fetch::{FetchOptions, Fetched, Stream, fetch, fetch_all, open};
pub use progress::{CollectEvent, NoProgress, Progress, Stage};
pub use save::{profile_prefix, save_dir};
pub use source::{
    CPU_PROFILE_PATH, GopsProfile, GopsSource, GopsTarget, HttpSource, Source, pprof_timeout,
    redact,
};
pub use validate::{Kind, TraceCheck, expected_kind};
