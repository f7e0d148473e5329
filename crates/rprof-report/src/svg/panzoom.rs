//! pprof's pan and zoom for SVG call graphs: svgpan and the group it
//! moves, shared by both renderers.

/// pprof's vendored svgpan 1.2.2 (`third_party/svgpan/svgpan.js`), byte
/// for byte; its BSD licence is in its header comment.
pub const SVGPAN_JS: &str = include_str!("svgpan.js");

/// What pprof puts before the graph group: the script and the opening of
/// the `viewport` group svgpan pans and zooms.
pub(super) fn pan_zoom_prefix() -> String {
    format!(
        "<script type=\"text/ecmascript\"><![CDATA[{SVGPAN_JS}]]></script><g id=\"viewport\" transform=\"scale(0.5,0.5) translate(0,0)\">"
    )
}
