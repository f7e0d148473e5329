//! What an `-o` file's name says it holds: the one place rprof reads
//! meaning into output extensions, so that `rprof top -o cpu.png` is a
//! usage error instead of a text file named like a picture.

use super::run::ReportFormat;
use crate::failure::Failure;
use rprof_report::image::ImageFormat;
use std::path::Path;

/// The kinds of file an output name can announce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileType {
    Dot,
    Svg,
    Image(ImageFormat),
    /// `callgrind.out.*` or `*.callgrind`.
    Callgrind,
    /// `.folded`, `.collapsed`.
    Folded,
    Json,
    /// `.pb.gz`, `.pb`, `.pprof`, `.prof`.
    Profile,
    Html,
    /// Another extension (lower-cased), e.g. `txt`.
    Other(String),
}

impl FileType {
    /// For messages: "PNG files", "JSON files".
    pub fn describe(&self) -> String {
        match self {
            FileType::Dot => "DOT".into(),
            FileType::Svg => "SVG".into(),
            FileType::Image(f) => f.name().to_uppercase(),
            FileType::Callgrind => "callgrind".into(),
            FileType::Folded => "folded-stack".into(),
            FileType::Json => "JSON".into(),
            FileType::Profile => "pprof profile".into(),
            FileType::Html => "HTML".into(),
            FileType::Other(e) => format!(".{e}"),
        }
    }
}

/// The type an `-o` file's name says; `None` for stdout (`-`), devices
/// and names without an extension.
pub fn file_type(path: Option<&Path>) -> Option<FileType> {
    let path = path?;
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name == "-" || path.starts_with("/dev") {
        return None;
    }
    if name.starts_with("callgrind.out") {
        return Some(FileType::Callgrind);
    }
    let ext = name.rsplit_once('.')?.1.to_string();
    if let Some(f) = ImageFormat::from_extension(&ext) {
        return Some(FileType::Image(f));
    }
    Some(match ext.as_str() {
        "dot" | "gv" => FileType::Dot,
        "svg" => FileType::Svg,
        "callgrind" => FileType::Callgrind,
        "folded" | "collapsed" => FileType::Folded,
        "json" => FileType::Json,
        "pb" | "gz" | "pprof" | "prof" => FileType::Profile,
        "html" | "htm" => FileType::Html,
        _ => FileType::Other(ext),
    })
}

/// The `-o` path for a message.
pub fn shown_path(p: Option<&Path>) -> String {
    p.map(|p| p.display().to_string()).unwrap_or_default()
}

/// Refuses to write a report into a file whose name says it is
/// something the report is not (`rprof top -o cpu.png`).
pub fn check_output(format: &ReportFormat, out: Option<&Path>) -> Result<(), Failure> {
    let Some(t) = file_type(out) else {
        return Ok(());
    };
    let (what, fits) = match format {
        ReportFormat::Proto | ReportFormat::TopProto => (
            "a gzipped pprof profile",
            !matches!(
                t,
                FileType::Image(_)
                    | FileType::Svg
                    | FileType::Dot
                    | FileType::Json
                    | FileType::Html
            ),
        ),
        ReportFormat::TopJson => ("JSON", !matches!(t, FileType::Image(_) | FileType::Svg)),
        ReportFormat::Speedscope => (
            "speedscope JSON",
            !matches!(t, FileType::Image(_) | FileType::Svg),
        ),
        // Graph formats are matched to the name by graph_format.
        ReportFormat::Dot
        | ReportFormat::Svg(_)
        | ReportFormat::Image(..)
        | ReportFormat::Callgrind => return Ok(()),
        _ => (
            "text",
            !matches!(t, FileType::Image(_) | FileType::Svg | FileType::Profile),
        ),
    };
    if fits {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "this command writes {what}, not {} ({}){}",
        t.describe(),
        shown_path(out),
        match t {
            FileType::Image(_) | FileType::Svg => "; for a picture use rprof graph or rprof flame",
            _ => "",
        }
    )))
}
