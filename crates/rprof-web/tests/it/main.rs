//! rprof-web's integration tests: one binary (HTTP-level tests against
//! the server started in-process, and end-to-end tests in headless
//! Chromium).

mod browser;
mod diag_browser;
mod diag_http;
mod http;
mod support;
mod top_parity;
mod trace_browser;
mod trace_http;
