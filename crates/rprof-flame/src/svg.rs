//! The interactive SVG flame graph, rendered by inferno and annotated by
//! rprof.
//!
//! Rendering is three steps:
//!
//! 1. **Layout.** The call tree is walked depth first, siblings in name
//!    order. A frame narrower than `min_width` percent of the total is
//!    dropped and its value stays in its caller (so the caller keeps its
//!    width); this is inferno's own rule, applied before any name is
//!    joined, so huge profiles cost little. Every kept frame gets its depth
//!    and its offset `x` in value units.
//! 2. **inferno.** One folded line per kept frame with a value of its own
//!    is fed to inferno in exactly that order (inferno's order-keeping
//!    "flame chart" input, since its own sort would split Go frames such
//!    as `main.work` around a sibling `main.work.func1`). inferno writes the
//!    SVG with its JavaScript: details on hover, click to zoom, search.
//! 3. **Annotation.** Each `<g><title>…</title><rect … fill=… fg:x=…>` of
//!    inferno's output is matched to its tree node by depth (the rank of
//!    its `y`) and `fg:x`, and rprof writes the tooltip (`name (1.20s,
//!    45.60%)`, values in the profile's unit with pprof's percentages, and
//!    `inline` for inlined frames) and the fill colour of the chosen
//!    palette. The tooltip keeps inferno's shape, `name (…)`, which its
//!    search relies on.

use crate::palette::{self, Category, Rgb};
use crate::stacks::{AddOptions, CALLED, Frames, INLINED, PathBuf, Tree};
use crate::{Colors, FlameError, FlameOptions, default_count_name, is_memory, value_label};
use inferno::flamegraph::color::{BackgroundColor, Palette};
use inferno::flamegraph::{Direction, Options};
use rprof_profile::measurement::percentage;
use rprof_report::{Granularity, Report};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::ops::Range;

/// Writes the flame graph of `report` as an interactive SVG.
///
/// Frames are sized by |value| at the report's sample index; tooltips show
/// the value (the mean with `--mean`) formatted as pprof formats it, and
/// its percentage of the report's total.
pub fn write_svg(report: &Report, opts: &FlameOptions, out: impl Write) -> Result<(), FlameError> {
    let mut io = inferno_options(opts, report.options().granularity)?;
    let keys = rprof_report::graph::NodeKeys::for_report(report);
    let mut frames = Frames::default();
    let mut tree = Tree::new(1, report.mean());
    let add = AddOptions {
        col: 0,
        reverse: opts.reverse,
        abs: true,
    };
    // Only the frames inferno can draw at `min_width` are made.
    tree.add_report_drawable(&mut frames, report, &keys, add, opts.min_width);
    tree.finish(&frames.ranks());
    if tree.cum(0, 0) == 0 {
        return Err(FlameError::Empty {
            sample_type: report.sample_type().to_string(),
        });
    }
    io.min_width = effective_min_width(&tree, 0, opts);

    let colors = match opts.colors {
        Colors::Auto if is_memory(report) => Colors::GoMemory,
        Colors::Auto => Colors::Go,
        c => c,
    };
    let count_name = opts
        .count_name
        .clone()
        .unwrap_or_else(|| default_count_name(report.sample_type()));
    let (palette, background) = match colors {
        Colors::Inferno(p) => (p.inferno(), None),
        Colors::GoMemory => (Palette::default(), Some(BackgroundColor::Green)),
        _ => (Palette::default(), Some(BackgroundColor::Yellow)),
    };
    io.colors = palette;
    io.bgcolors = background;
    io.count_name = count_name.clone();
    io.title = opts
        .title
        .clone()
        .unwrap_or_else(|| default_title(report, opts));
    let min_width = io.min_width;
    io.subtitle = subtitle(opts, || {
        let mut s = default_subtitle(report, opts, colors, &count_name);
        s.push_str(&omitted(opts, min_width));
        s
    });

    let label = |node: u32| -> String {
        let cum = tree.cum(node, 0);
        let div = tree.cum_div(node);
        let shown = if report.mean() && div != 0 {
            cum / div
        } else {
            cum
        };
        let mut s = String::new();
        push_name(&mut s, &tree, &frames, node);
        s.push_str(" (");
        s.push_str(inline_tag(&tree, node));
        let _ = write!(
            s,
            "{}, {})",
            value_label(report, shown, &count_name),
            percentage(shown, report.total()).trim()
        );
        s
    };
    let fill = |node: u32| -> Option<Rgb> {
        let memory = match colors {
            Colors::Go => false,
            Colors::GoMemory => true,
            _ => return None,
        };
        if node == 0 {
            return Some(palette::go_color(Category::Other, "all", false, memory));
        }
        let frame = tree.frame[node as usize] as usize;
        Some(palette::go_color(
            frames.categories[frame],
            &frames.names[frame],
            tree.inline[node as usize] == INLINED,
            memory,
        ))
    };
    render(&tree, &frames, 0, None, &mut io, label, fill, out)
}

/// The inferno options every graph starts from.
pub(crate) fn inferno_options(
    opts: &FlameOptions,
    granularity: Granularity,
) -> Result<Options<'static>, FlameError> {
    if !(0.0..=100.0).contains(&opts.min_width) {
        return Err(FlameError::InvalidOption(format!(
            "min_width must be a percentage between 0 and 100, not {}",
            opts.min_width
        )));
    }
    if let Some(w) = opts.width
        && w < 100
    {
        return Err(FlameError::InvalidOption(format!(
            "width must be at least 100 pixels, not {w}"
        )));
    }
    let mut io = Options::default();
    io.image_width = opts.width;
    io.min_width = opts.min_width;
    io.direction = if opts.icicle {
        Direction::Inverted
    } else {
        Direction::Straight
    };
    // Keep rprof's line order (see the module docs); colours by name are
    // then reproducible too.
    io.flame_chart = true;
    io.deterministic = true;
    io.name_type = match granularity {
        Granularity::Functions | Granularity::FileFunctions => "Function:",
        Granularity::Files => "File:",
        Granularity::Lines => "Line:",
        Granularity::Addresses => "Address:",
    }
    .to_string();
    Ok(io)
}

/// The `min_width` (percent) a graph is drawn with: the option, raised
/// when more than `max_frames` frames would be at least that wide.
pub(crate) fn effective_min_width(tree: &Tree, width_col: usize, opts: &FlameOptions) -> f64 {
    let total = tree.cum(0, width_col);
    if opts.max_frames == 0 || total <= 0 {
        return opts.min_width;
    }
    // inferno's rule: a frame is drawn when its width >= min_time.
    let min_time = opts.min_width / (100.0 / total as f64);
    let mut widths: Vec<i64> = (1..tree.len() as u32)
        .map(|n| tree.cum(n, width_col))
        .filter(|&w| w > 0 && w as f64 >= min_time)
        .collect();
    if widths.len() <= opts.max_frames {
        return opts.min_width;
    }
    // Everything as narrow as the (max_frames+1)-th widest frame goes.
    let k = opts.max_frames;
    widths.select_nth_unstable_by(k, |a, b| b.cmp(a));
    let cut = widths[k];
    ((cut + 1) as f64 * 100.0 / total as f64).max(opts.min_width)
}

/// A note for the default subtitle when `max_frames` raised `min_width`.
pub(crate) fn omitted(opts: &FlameOptions, min_width: f64) -> String {
    if min_width > opts.min_width {
        format!(" · frames under {min_width:.2}% left out")
    } else {
        String::new()
    }
}

/// `Some(subtitle)` from the options, the default when unset, and no
/// subtitle for `Some("")`.
pub(crate) fn subtitle(opts: &FlameOptions, default: impl FnOnce() -> String) -> Option<String> {
    match &opts.subtitle {
        Some(s) if s.is_empty() => None,
        Some(s) => Some(s.clone()),
        None => Some(default()),
    }
}

/// "Flame graph", "Icicle graph", with "callers" for the reversed view.
pub(crate) fn kind(opts: &FlameOptions) -> &'static str {
    match (opts.icicle, opts.reverse) {
        (false, false) => "Flame graph",
        (true, false) => "Icicle graph",
        (false, true) => "Callers flame graph",
        (true, true) => "Callers icicle graph",
    }
}

/// The base name of the profiled binary, if the profile names it.
pub(crate) fn binary_name<'a>(r: &Report<'a>) -> Option<&'a str> {
    let p = r.profile();
    let m = p.main_mapping()?;
    let f = p.str(m.file);
    if f.is_empty() {
        None
    } else {
        Some(rprof_report::base_name(f))
    }
}

fn default_title(r: &Report, opts: &FlameOptions) -> String {
    match opts.source.as_deref().or_else(|| binary_name(r)) {
        Some(s) => format!("{}: {s}", kind(opts)),
        None => kind(opts).to_string(),
    }
}

fn default_subtitle(r: &Report, opts: &FlameOptions, colors: Colors, count_name: &str) -> String {
    let mut parts = Vec::new();
    if opts.source.is_some()
        && let Some(b) = binary_name(r)
    {
        parts.push(format!("File: {b}"));
    }
    parts.push(format!(
        "Type: {} (sample index {}, {})",
        r.sample_type(),
        r.sample_index(),
        r.sample_unit()
    ));
    parts.push(format!("Total: {}", value_label(r, r.total(), count_name)));
    if !r.active_filters().is_empty() {
        parts.push(format!("Filters: {}", r.active_filters().join(", ")));
    }
    let legend = match colors {
        Colors::Go => "orange: your code, green: standard library, blue: runtime, pale: inlined",
        Colors::GoMemory => {
            "green: your code, aqua: standard library, blue: runtime, pale: inlined"
        }
        _ => "",
    };
    if !legend.is_empty() {
        parts.push(legend.to_string());
    }
    parts.join(" · ")
}

/// The frame's name as tooltips show it ("all" for the root).
pub(crate) fn push_name(s: &mut String, tree: &Tree, frames: &Frames, node: u32) {
    if node == 0 {
        s.push_str("all");
    } else {
        s.push_str(&frames.names[tree.frame[node as usize] as usize]);
    }
}

/// "inline, " for a frame only ever reached by inlined calls, "partly
/// inline, " for one reached both ways, "" otherwise.
pub(crate) fn inline_tag(tree: &Tree, node: u32) -> &'static str {
    match tree.inline[node as usize] {
        INLINED => "inline, ",
        x if x == INLINED | CALLED => "partly inline, ",
        _ => "",
    }
}

/// Lays out `tree` sized by column `width_col`, renders it with inferno
/// and writes the SVG with rprof's tooltips (`label`) and fills (`fill`,
/// `None` keeps inferno's colour). `other_col` adds inferno's second
/// (differential) column.
#[allow(clippy::too_many_arguments)]
pub(crate) fn render(
    tree: &Tree,
    frames: &Frames,
    width_col: usize,
    other_col: Option<usize>,
    io: &mut Options<'_>,
    label: impl Fn(u32) -> String,
    fill: impl Fn(u32) -> Option<Rgb>,
    mut out: impl Write,
) -> Result<(), FlameError> {
    let total = tree.cum(0, width_col);
    // inferno's own pruning rule, reproduced exactly so that it finds
    // nothing left to prune. Children of the root are always laid out:
    // the root has no line of its own to take their value.
    let min_time = io.min_width / (100.0 / total as f64);
    let order = tree.preorder(|n| {
        let w = tree.cum(n, width_col);
        w > 0 && (tree.parent[n as usize] == 0 || (w as f64) >= min_time)
    });

    // Value of the kept children of each node; the rest is the node's own.
    let n = tree.len();
    let mut kept_w = vec![0i64; n];
    let mut kept_o = if other_col.is_some() {
        vec![0i64; n]
    } else {
        Vec::new()
    };
    for &(node, _) in &order[1..] {
        let p = tree.parent[node as usize] as usize;
        kept_w[p] += tree.cum(node, width_col);
        if let Some(oc) = other_col {
            kept_o[p] += tree.cum(node, oc);
        }
    }

    let mut at: HashMap<(u32, u64), u32> = HashMap::with_capacity(order.len());
    let mut next_x: Vec<u64> = Vec::new();
    let mut text = String::new();
    let mut path = PathBuf::new();
    for &(node, depth) in &order {
        let d = depth as usize;
        if next_x.len() < d + 2 {
            next_x.resize(d + 2, 0);
        }
        // A node's own value comes first (its line precedes its
        // children's), then its children, left to right.
        let x = next_x[d];
        let own = tree.cum(node, width_col) - kept_w[node as usize];
        next_x[d] += tree.cum(node, width_col) as u64;
        next_x[d + 1] = x + own as u64;
        at.insert((depth, x), node);
        if node == 0 {
            continue;
        }
        let name = &frames.names[tree.frame[node as usize] as usize];
        // inferno's inline annotation: hidden in the text it shows, used
        // by its java/js palettes.
        let suffix = if tree.inline[node as usize] == INLINED {
            "_[i]"
        } else {
            ""
        };
        let line = path.enter(depth, name, suffix);
        if own > 0 {
            text.push_str(line);
            if let Some(oc) = other_col {
                let _ = write!(text, " {}", tree.cum(node, oc) - kept_o[node as usize]);
            }
            let _ = writeln!(text, " {own}");
        }
    }

    let mut svg = Vec::with_capacity(text.len() / 2 + 64 * 1024);
    // inferno's flame-chart input is consumed in reverse.
    inferno::flamegraph::from_lines(io, text.lines().rev(), &mut svg)?;
    let annotated = annotate(&svg, io.direction == Direction::Inverted, &at, label, fill)?;
    out.write_all(annotated.as_bytes())?;
    Ok(())
}

/// One frame of inferno's output: where its title text and fill value
/// are, and its `y` and `fg:x`.
struct SvgFrame {
    title: Range<usize>,
    fill: Range<usize>,
    y: u64,
    x: u64,
}

/// Rewrites the title and fill of every frame of inferno's SVG.
fn annotate(
    svg: &[u8],
    inverted: bool,
    at: &HashMap<(u32, u64), u32>,
    label: impl Fn(u32) -> String,
    fill: impl Fn(u32) -> Option<Rgb>,
) -> Result<String, FlameError> {
    let s = std::str::from_utf8(svg).map_err(|_| FlameError::Render("not UTF-8"))?;
    let start = s
        .find("<svg id=\"frames\"")
        .ok_or(FlameError::Render("no frames container"))?;
    const OPEN: &str = "<g><title>";
    let mut found = Vec::new();
    let mut pos = start;
    while let Some(i) = s[pos..].find(OPEN) {
        let t0 = pos + i + OPEN.len();
        let t1 = t0
            + s[t0..]
                .find("</title>")
                .ok_or(FlameError::Render("unclosed title"))?;
        let r0 = t1
            + s[t1..]
                .find("<rect ")
                .ok_or(FlameError::Render("frame without rect"))?;
        let r1 = r0
            + s[r0..]
                .find("/>")
                .ok_or(FlameError::Render("unclosed rect"))?;
        let attr = |name: &str| -> Option<Range<usize>> {
            let key = format!(" {name}=\"");
            let a = r0 + s[r0..r1].find(&key)? + key.len();
            let b = a + s[a..r1].find('"')?;
            Some(a..b)
        };
        let number = |name: &str| -> Result<u64, FlameError> {
            attr(name)
                .and_then(|r| s[r].parse().ok())
                .ok_or(FlameError::Render("frame without y or fg:x"))
        };
        found.push(SvgFrame {
            title: t0..t1,
            fill: attr("fill").ok_or(FlameError::Render("frame without fill"))?,
            y: number("y")?,
            x: number("fg:x")?,
        });
        pos = r1;
    }

    // Depth is the rank of a frame's y: every depth up to the deepest
    // frame has at least one frame (its ancestors are wider).
    let mut ys: Vec<u64> = found.iter().map(|f| f.y).collect();
    ys.sort_unstable();
    ys.dedup();

    let mut out = String::with_capacity(s.len() + s.len() / 4);
    let mut last = 0;
    for f in &found {
        let rank = ys.binary_search(&f.y).unwrap_or(0);
        let depth = if inverted { rank } else { ys.len() - 1 - rank } as u32;
        let &node = at
            .get(&(depth, f.x))
            .ok_or(FlameError::Render("a frame rprof did not lay out"))?;
        out.push_str(&s[last..f.title.start]);
        escape_into(&mut out, &label(node));
        last = f.title.end;
        if let Some((r, g, b)) = fill(node) {
            out.push_str(&s[last..f.fill.start]);
            let _ = write!(out, "rgb({r},{g},{b})");
            last = f.fill.end;
        }
    }
    out.push_str(&s[last..]);
    Ok(out)
}

/// XML character data.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}
