//! The Graphviz renderer: `dot -Tsvg`, then pprof's `massageSVG`.

use super::SvgError;
use super::panzoom::pan_zoom_prefix;
use regex::Regex;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

// pprof's regular expressions (Go's RE2 syntax); Go's `\s` and `\d` are
// ASCII-only, so they are spelled out.
static VIEW_BOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"<svg[\t\n\f\r ]*width="[^"]+"[\t\n\f\r ]*height="[^"]+"[\t\n\f\r ]*viewBox="[^"]+""#,
    )
    .unwrap()
});
static GRAPH_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"<g id="graph[0-9]""#).unwrap());

/// Runs `dot -Tsvg` on `dot_source` and massages the result as pprof does
/// (pprof's `invokeDot("svg")` and `massageDotSVG`).
pub fn render(dot_source: &str) -> Result<String, SvgError> {
    let svg = run_dot(dot_source, "svg")?;
    let svg = String::from_utf8(svg).map_err(|e| SvgError::GraphvizFailed {
        format: "svg",
        status: "output is not UTF-8".to_string(),
        stderr: e.to_string(),
    })?;
    Ok(massage_svg(&svg))
}

/// Runs `dot -T<format>` on `dot_source` and returns what it wrote, as
/// pprof's `invokeDot` does for `-png`, `-pdf`, `-gif`, `-ps`.
pub fn run_dot(dot_source: &str, format: &'static str) -> Result<Vec<u8>, SvgError> {
    let mut child = Command::new("dot")
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SvgError::GraphvizNotFound,
            _ => SvgError::GraphvizIo(e),
        })?;
    // Feed stdin from another thread: dot may fill its stdout pipe before
    // it has read all of its input.
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = dot_source.as_bytes().to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().map_err(SvgError::GraphvizIo)?;
    let written = writer.join().unwrap_or_else(|_| {
        Err(std::io::Error::other(
            "the thread writing to dot's standard input panicked",
        ))
    });
    if !output.status.success() {
        return Err(SvgError::GraphvizFailed {
            format,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    written.map_err(SvgError::GraphvizIo)?;
    Ok(output.stdout)
}

/// pprof's `massageSVG`: works around dot's unquoted ampersands, lets the
/// SVG fill the window (no fixed size, no viewBox), and adds the svgpan
/// script with a `viewport` group around the graph.
pub fn massage_svg(svg: &str) -> String {
    let mut svg = svg.replace("&;", "&amp;;");
    if let Some(m) = VIEW_BOX.find(&svg) {
        let (start, end) = (m.start(), m.end());
        svg = format!(
            "{}<svg width=\"100%\" height=\"100%\"{}",
            &svg[..start],
            &svg[end..]
        );
    }
    if let Some(m) = GRAPH_ID.find(&svg) {
        let start = m.start();
        svg = format!("{}{}{}", &svg[..start], pan_zoom_prefix(), &svg[start..]);
    }
    if let Some(start) = svg.find("</svg>") {
        svg.insert_str(start, "</g>");
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn massages_like_pprof() {
        let dot = "<?xml version=\"1.0\"?>\n<svg width=\"100pt\" height=\"50pt\"\n viewBox=\"0.00 0.00 100.00 50.00\" xmlns=\"http://www.w3.org/2000/svg\">\n<g id=\"graph0\" class=\"graph\">\n<text>a &; b</text>\n</g>\n</svg>\n";
        let got = massage_svg(dot);
        let want = format!(
            "<?xml version=\"1.0\"?>\n<svg width=\"100%\" height=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">\n{}<g id=\"graph0\" class=\"graph\">\n<text>a &amp;; b</text>\n</g>\n</g></svg>\n",
            pan_zoom_prefix()
        );
        assert_eq!(got, want);
    }
}
