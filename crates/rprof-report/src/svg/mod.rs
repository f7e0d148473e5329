//! `svg`: the call graph of [`crate::dot`] as SVG, with or without
//! Graphviz.
//!
//! Two renderers take the DOT text that [`crate::dot::write_dot`] writes:
//!
//! - [`Renderer::Graphviz`] runs `dot -Tsvg` on it and then massages the
//!   result exactly as pprof's `-svg` does (`massageSVG` in pprof's driver
//!   package): the SVG fills the window, and the svgpan script (pan, zoom,
//!   drag; BSD-licensed, vendored by pprof under `third_party/svgpan`) is
//!   added with a `viewport` group around the graph.
//! - [`Renderer::Builtin`] needs no external program: a small parser for
//!   the DOT subset pprof writes ([`parse_dot`], `dotparse.rs`), a
//!   layered (Sugiyama-style) layout (`layout.rs`) and an SVG writer
//!   (`builtin.rs`) that draws what Graphviz draws for pprof (boxes with multi-line
//!   labels, colours, font sizes, weighted, dotted and labelled edges, the
//!   legend, tooltips) and adds the same pan and zoom.

mod builtin;
mod dotparse;
mod error;
mod graphviz;
mod layout;
mod panzoom;

pub use builtin::text_width;
pub use dotparse::{Graph as DotGraph, parse as parse_dot};
pub use error::SvgError;
use std::path::Path;

/// Which program lays out and draws the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// Graphviz's `dot -Tsvg`, as `go tool pprof -svg` (needs `dot` on
    /// `PATH`).
    Graphviz,
    /// rprof's own layout, in pure Rust.
    Builtin,
}

/// Renders `dot_source` (the DOT text of [`crate::dot::write_dot`]) as an
/// SVG document with pprof's pan and zoom.
pub fn render_svg(dot_source: &str, renderer: Renderer) -> Result<String, SvgError> {
    match renderer {
        Renderer::Graphviz => graphviz::render(dot_source),
        Renderer::Builtin => builtin::render(dot_source),
    }
}

/// Renders `dot_source` with the built-in layout as a picture the size of
/// the graph (no pan and zoom), for rasterising.
pub fn render_builtin_fixed(dot_source: &str) -> Result<String, SvgError> {
    builtin::render_fixed(dot_source)
}

/// Runs Graphviz's `dot -T<format>` on `dot_source` (the DOT text of
/// [`crate::dot::write_dot`]) and returns its output, unchanged: what
/// pprof's `-png`, `-pdf`, `-gif` and `-ps` write.
pub fn graphviz_output(dot_source: &str, format: &'static str) -> Result<Vec<u8>, SvgError> {
    graphviz::run_dot(dot_source, format)
}

/// Whether Graphviz's `dot` is on `PATH` (an executable file named `dot`,
/// or `dot.exe` on Windows, in one of its directories).
pub fn graphviz_available() -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        ["dot", "dot.exe"]
            .iter()
            .any(|name| is_executable(&dir.join(name)))
    })
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file())
}
