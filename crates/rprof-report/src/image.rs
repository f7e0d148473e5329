//! `image`: the call graph (or any SVG) as an image file.
//!
//! pprof's `-png`, `-pdf`, `-gif` and `-ps` pipe its DOT text through
//! Graphviz (`dot -Tpng` …); [`graph_image`] does exactly that, so the
//! bytes are Graphviz's. EPS is Graphviz's too (`dot -Teps`), which
//! pprof does not offer. Without Graphviz, PNG can still be made from
//! rprof's own SVG (the built-in call-graph layout, or a flame graph) by
//! a pure-Rust rasteriser, [`svg_to_png`] (resvg; the `raster` cargo
//! feature, on in the command line's default build).

use crate::svg::{SvgError, graphviz_output};

/// An image format rprof writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// Portable Network Graphics.
    Png,
    /// Portable Document Format.
    Pdf,
    /// GIF.
    Gif,
    /// PostScript.
    Ps,
    /// Encapsulated PostScript.
    Eps,
}

impl ImageFormat {
    /// The format a file extension names (case-insensitive), if any.
    pub fn from_extension(ext: &str) -> Option<Self> {
        Some(match ext.to_ascii_lowercase().as_str() {
            "png" => ImageFormat::Png,
            "pdf" => ImageFormat::Pdf,
            "gif" => ImageFormat::Gif,
            "ps" => ImageFormat::Ps,
            "eps" => ImageFormat::Eps,
            _ => return None,
        })
    }

    /// Graphviz's name for it (`dot -T<name>`), also its usual extension.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Pdf => "pdf",
            ImageFormat::Gif => "gif",
            ImageFormat::Ps => "ps",
            ImageFormat::Eps => "eps",
        }
    }
}

/// Why no image could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// Graphviz failed (or is missing).
    #[error(transparent)]
    Graphviz(#[from] SvgError),
    /// The SVG could not be read by the rasteriser.
    #[error("rasterising SVG: {0}")]
    Svg(String),
    /// The picture is too large (or empty) to rasterise.
    #[error("cannot rasterise a {width}x{height} pixel image")]
    Size {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The PNG could not be encoded.
    #[error("encoding PNG: {0}")]
    Png(String),
}

/// The call graph of `dot_source` (the DOT text of
/// [`crate::dot::write_dot`]) as `format`, drawn by Graphviz: the bytes
/// `go tool pprof -png` (…) writes.
pub fn graph_image(dot_source: &str, format: ImageFormat) -> Result<Vec<u8>, ImageError> {
    Ok(graphviz_output(dot_source, format.name())?)
}

/// Whether this build can rasterise SVG without Graphviz.
pub fn can_rasterise() -> bool {
    cfg!(feature = "raster")
}

/// Largest side of a rasterised image, in pixels: a flame graph of a deep
/// profile or a call graph of thousands of nodes would otherwise need
/// gigabytes; larger pictures are scaled down to fit.
pub const MAX_SIDE: u32 = 16_384;

/// How many pixels a unit of the SVG becomes.
#[cfg(feature = "raster")]
const SCALE: f32 = 2.0;

/// Installed fonts that stand in for the generic families, best first.
#[cfg(feature = "raster")]
const SERIF: [&str; 6] = [
    "Times New Roman",
    "Times",
    "Liberation Serif",
    "DejaVu Serif",
    "Noto Serif",
    "FreeSerif",
];
#[cfg(feature = "raster")]
const SANS: [&str; 6] = [
    "Arial",
    "Helvetica",
    "Liberation Sans",
    "DejaVu Sans",
    "Noto Sans",
    "FreeSans",
];
#[cfg(feature = "raster")]
const MONO: [&str; 5] = [
    "Courier New",
    "Liberation Mono",
    "DejaVu Sans Mono",
    "Noto Sans Mono",
    "FreeMono",
];

/// An SVG document as PNG, drawn by resvg with the system's fonts (text
/// is drawn in the first of the SVG's font families found, else a sans
/// serif one). Scripts and interactivity are ignored.
#[cfg(feature = "raster")]
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, ImageError> {
    use resvg::{tiny_skia, usvg};
    use std::sync::{Arc, OnceLock};
    // Loading the system's fonts takes a while; once per process.
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_system_fonts();
        // The generic families (`serif` in Graphviz's "Times,serif",
        // `monospace`) default to fonts most Linux systems lack; point
        // them at ones that are installed.
        let pick = |db: &usvg::fontdb::Database, wanted: &[&str]| -> Option<String> {
            let families: Vec<&str> = db
                .faces()
                .flat_map(|f| f.families.iter().map(|(n, _)| n.as_str()))
                .collect();
            wanted
                .iter()
                .find(|w| families.contains(w))
                .map(|w| w.to_string())
                .or_else(|| families.first().map(|f| f.to_string()))
        };
        if let Some(f) = pick(&db, &SERIF) {
            db.set_serif_family(f);
        }
        if let Some(f) = pick(&db, &SANS) {
            db.set_sans_serif_family(f);
        }
        if let Some(f) = pick(&db, &MONO) {
            db.set_monospace_family(f);
        }
        Arc::new(db)
    });
    let opts = usvg::Options {
        fontdb: fonts.clone(),
        font_family: "serif".to_string(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opts).map_err(|e| ImageError::Svg(e.to_string()))?;
    let size = tree.size();
    // Twice the SVG's size (its units are CSS pixels or points, small on
    // today's screens), less if that would pass MAX_SIDE.
    let fit = (MAX_SIDE as f32 / size.width().max(size.height())).min(SCALE);
    let (width, height) = (
        (size.width() * fit).ceil() as u32,
        (size.height() * fit).ceil() as u32,
    );
    let mut pixmap =
        tiny_skia::Pixmap::new(width, height).ok_or(ImageError::Size { width, height })?;
    // A white page, as Graphviz draws one: transparent PNGs of black text
    // are unreadable in dark viewers.
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(fit, fit),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ImageError::Png(e.to_string()))
}
