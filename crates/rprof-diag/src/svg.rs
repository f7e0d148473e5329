//! SVG charts of GC cycles and memstats series, drawn with plotters'
//! SVG backend. No font is loaded: plotters estimates text sizes and the
//! browser draws the text, so the output is the same on every machine.

use crate::error::DiagError;
use crate::gctrace::{GcReport, GcTrace};
use crate::memstats::{MemReport, MemSeries};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Chart size.
#[derive(Debug, Clone)]
pub struct ChartOptions {
    /// Width in pixels.
    pub width: u32,
    /// Height of one panel in pixels.
    pub panel_height: u32,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            width: 960,
            panel_height: 280,
        }
    }
}

/// One line of a panel.
struct Line<'a> {
    name: &'a str,
    color: RGBColor,
    points: Vec<(f64, f64)>,
    /// Dots instead of a line (pauses).
    dots: bool,
}

/// Colours that stay apart for the colour-blind (Okabe-Ito).
const BLUE: RGBColor = RGBColor(0, 114, 178);
const ORANGE: RGBColor = RGBColor(230, 159, 0);
const GREEN: RGBColor = RGBColor(0, 158, 115);
const VERMILION: RGBColor = RGBColor(213, 94, 0);
const PURPLE: RGBColor = RGBColor(204, 121, 167);
const GREY: RGBColor = RGBColor(90, 90, 90);

fn chart_err<E: std::fmt::Display>(e: E) -> DiagError {
    DiagError::Chart(e.to_string())
}

/// Draws one panel: `lines` over x in seconds.
fn panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    y_desc: &str,
    lines: &[Line<'_>],
) -> Result<(), DiagError> {
    let all = lines.iter().flat_map(|l| l.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
    for &(x, y) in all {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= 0.0 {
        y1 = 1.0;
    }
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, 0.0..y1 * 1.08)
        .map_err(chart_err)?;
    chart
        .configure_mesh()
        .x_desc("seconds")
        .y_desc(y_desc)
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(chart_err)?;
    for l in lines {
        if l.points.is_empty() {
            continue;
        }
        let color = l.color;
        let series = if l.dots {
            chart
                .draw_series(l.points.iter().map(|&p| Circle::new(p, 2, color.filled())))
                .map_err(chart_err)?
        } else {
            chart
                .draw_series(LineSeries::new(
                    l.points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(chart_err)?
        };
        series.label(l.name).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
        });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .draw()
        .map_err(chart_err)?;
    Ok(())
}

/// Draws `panels` (title, y label, lines) stacked into one SVG document.
fn stacked(
    opts: &ChartOptions,
    panels: Vec<(String, &str, Vec<Line<'_>>)>,
) -> Result<String, DiagError> {
    let mut svg = String::new();
    {
        let height = opts.panel_height * panels.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (opts.width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let areas = root.split_evenly((panels.len(), 1));
        for (area, (title, y, lines)) in areas.iter().zip(&panels) {
            panel(area, title, y, lines)?;
        }
        root.present().map_err(chart_err)?;
    }
    Ok(svg)
}

fn gc_panels<'a>(t: &'a GcTrace, panels: &mut Vec<(String, &'a str, Vec<Line<'a>>)>) {
    let at = |f: fn(&crate::gctrace::GcCycle) -> f64| -> Vec<(f64, f64)> {
        t.cycles.iter().map(|c| (c.at_s, f(c))).collect()
    };
    panels.push((
        format!("{}: heap per GC cycle", t.source),
        "MB",
        vec![
            Line {
                name: "heap goal",
                color: ORANGE,
                points: at(|c| c.goal_mb as f64),
                dots: false,
            },
            Line {
                name: "heap at end of mark",
                color: BLUE,
                points: at(|c| c.heap_end_mb as f64),
                dots: false,
            },
            Line {
                name: "live heap (marked)",
                color: GREEN,
                points: at(|c| c.heap_live_mb as f64),
                dots: false,
            },
        ],
    ));
    panels.push((
        format!("{}: stop-the-world pauses and assists", t.source),
        "ms",
        vec![
            Line {
                name: "sweep termination (STW)",
                color: VERMILION,
                points: at(|c| c.sweep_term_ms),
                dots: true,
            },
            Line {
                name: "mark termination (STW)",
                color: PURPLE,
                points: at(|c| c.mark_term_ms),
                dots: true,
            },
            Line {
                name: "mark assist CPU",
                color: GREY,
                points: at(|c| c.cpu_assist_ms),
                dots: false,
            },
        ],
    ));
}

/// Two panels per run: the heap (start, end of mark, live, goal) and the
/// pauses, over the seconds since the program started.
pub fn gctrace_svg(r: &GcReport, opts: &ChartOptions) -> Result<String, DiagError> {
    if r.traces.is_empty() {
        return Err(DiagError::Empty("no GC cycles"));
    }
    let mut panels = Vec::new();
    for t in &r.traces {
        gc_panels(t, &mut panels);
    }
    stacked(opts, panels)
}

fn mem_panels<'a>(s: &'a MemSeries, panels: &mut Vec<(String, &'a str, Vec<Line<'a>>)>) {
    let rel = s.relative_s();
    let t0 = s.time_unix_s.first().copied().unwrap_or(0.0);
    let points = |name: &str, scale: f64| -> Vec<(f64, f64)> {
        s.column(name)
            .map(|c| {
                c.values
                    .iter()
                    .zip(&rel)
                    .filter(|(v, _)| !v.is_nan())
                    .map(|(v, t)| (*t, v * scale))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mib = 1.0 / (1024.0 * 1024.0);
    let mut heap = vec![
        Line {
            name: "Sys",
            color: GREY,
            points: points("Sys", mib),
            dots: false,
        },
        Line {
            name: "HeapInuse",
            color: BLUE,
            points: points("HeapInuse", mib),
            dots: false,
        },
        Line {
            name: "HeapAlloc",
            color: GREEN,
            points: points("HeapAlloc", mib),
            dots: false,
        },
        Line {
            name: "NextGC",
            color: ORANGE,
            points: points("NextGC", mib),
            dots: false,
        },
    ];
    if s.column("/gc/heap/live:bytes").is_some() {
        heap.push(Line {
            name: "live after GC",
            color: VERMILION,
            points: points("/gc/heap/live:bytes", mib),
            dots: false,
        });
    }
    panels.push((format!("{}: memory", s.source), "MiB", heap));
    if let Some(g) = s.goroutines() {
        panels.push((
            format!("{}: goroutines", s.source),
            "goroutines",
            vec![Line {
                name: "goroutines",
                color: PURPLE,
                points: points(&g.name, 1.0),
                dots: false,
            }],
        ));
    }
    // Allocation rate between snapshots, from TotalAlloc.
    let total = points("TotalAlloc", mib);
    if total.len() > 1 {
        let rate: Vec<(f64, f64)> = total
            .windows(2)
            .filter(|w| w[1].0 > w[0].0)
            .map(|w| (w[1].0, (w[1].1 - w[0].1).max(0.0) / (w[1].0 - w[0].0)))
            .collect();
        panels.push((
            format!("{}: allocation rate", s.source),
            "MiB/s",
            vec![Line {
                name: "allocated per second (TotalAlloc)",
                color: GREEN,
                points: rate,
                dots: false,
            }],
        ));
    }
    if !s.pauses.is_empty() {
        let end = rel.last().copied().unwrap_or(0.0);
        panels.push((
            format!("{}: GC pauses", s.source),
            "ms",
            vec![Line {
                name: "stop-the-world pause",
                color: VERMILION,
                // Pauses from before the first snapshot (the ring's
                // history) are left out: the x axis is the series.
                points: s
                    .pauses
                    .iter()
                    .map(|p| (p.end_unix_s - t0, p.ns as f64 / 1e6))
                    .filter(|&(t, _)| (-1.0..=end + 1.0).contains(&t))
                    .collect(),
                dots: true,
            }],
        ));
    }
}

/// Per series: memory (Sys, HeapInuse, HeapAlloc, NextGC, live heap),
/// goroutines, allocation rate and GC pauses, over the seconds since the
/// first snapshot.
pub fn memstats_svg(r: &MemReport, opts: &ChartOptions) -> Result<String, DiagError> {
    if r.series.is_empty() {
        return Err(DiagError::Empty("no snapshots"));
    }
    let mut panels = Vec::new();
    for s in &r.series {
        mem_panels(s, &mut panels);
    }
    stacked(opts, panels)
}
