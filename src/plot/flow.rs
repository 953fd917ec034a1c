//! The cohort flow diagram (STROBE style) of a report's `flow`: the rows read from the file, the
//! rows outside the filters and those excluded (by reason, with their counts) in a box to the
//! side, the rows analysed, and one box per group with its rows and events. Drawn with the
//! painter's primitives, generic over the backend (the page's canvas, SVG for the exports).
//!
//! Counts below the disclosure threshold (`min_cell`) are written "<k", as in the other figures.
//! The file lines of each exclusion are in the report (`flow.excluded[].lines`) and on the page,
//! not in the figure.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::paint::{Face, Painter, GREY, INK};
use super::{group_color, suppressed_count, PlotLayout, PlotOptions};
use crate::report::{Flow, Report};

/// Base font size in design pixels.
const FONT: f64 = 12.0;

fn count_text(n: usize, k: Option<u32>) -> String {
    suppressed_count(n as f64, k).unwrap_or_else(|| n.to_string())
}

fn rows_text(n: usize, k: Option<u32>) -> String {
    let c = count_text(n, k);
    format!("{c} {}", if c == "1" { "row" } else { "rows" })
}

/// One line of a box: its text and face.
type Line = (String, Face);

/// Split `text` into lines no wider than `max` final pixels (words kept whole).
fn wrap<DB: DrawingBackend>(p: &Painter<DB>, text: &str, max: f64, face: Face, size: f64) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let next = if cur.is_empty() { word.to_string() } else { format!("{cur} {word}") };
        if p.width(&next, size, face) > max && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            cur = word.to_string();
        } else {
            cur = next;
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The boxes' texts, wrapped to their widths.
struct Boxes {
    read: Vec<Line>,
    side: Vec<Line>,
    analysed: Vec<Line>,
    groups: Vec<Vec<Line>>,
}

/// A group's title: `sex = 1` for one grouping column; crossed levels name their columns already.
fn group_title(report_group: Option<&str>, level: &str) -> String {
    match report_group {
        Some(col) if !col.contains(" × ") => format!("{col} = {level}"),
        _ => level.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn texts<DB: DrawingBackend>(p: &Painter<DB>, flow: &Flow, file: &str, group: Option<&str>, k: Option<u32>, main_w: f64, side_w: f64, group_w: f64) -> Boxes {
    let pad = 2.0 * 8.0 * p.s;
    let fit = |text: &str, w: f64, face: Face| -> Vec<Line> { wrap(p, text, w - pad, face, FONT).into_iter().map(|l| (l, face)).collect() };
    // Drawn for export (k given), the flow is the disclosure module's (crate::disclosure::flow):
    // a count it withheld is 0 there, and the file name is left out.
    let rows = |n: usize| if k.is_some() && n == 0 { "number not shown".to_string() } else { rows_text(n, k) };
    let mut read = fit(&if file.is_empty() { "Rows read".to_string() } else { format!("Rows read from {file}") }, main_w, Face::Normal);
    read.extend(fit(&rows(flow.rows_read), main_w, Face::Bold));
    let mut side = Vec::new();
    if flow.filtered_out > 0 {
        side.extend(fit(&format!("Outside the filters: {}", rows_text(flow.filtered_out, k)), side_w, Face::Bold));
    }
    let total = flow.excluded_total();
    if !flow.excluded.is_empty() {
        let total_text = match (total, k) {
            (0, Some(k)) => format!("fewer than {k} rows"),
            _ => rows_text(total, k),
        };
        side.extend(fit(&format!("Excluded: {total_text}"), side_w, Face::Bold));
        for e in &flow.excluded {
            let line = if k.is_some() && e.count == 0 { format!("• {}", e.reason) } else { format!("• {}: {}", e.reason, count_text(e.count, k)) };
            side.extend(fit(&line, side_w, Face::Normal));
        }
    }
    let mut analysed = fit("Analysed", main_w, Face::Normal);
    analysed.extend(fit(&rows(flow.analysed), main_w, Face::Bold));
    let groups = flow
        .groups
        .iter()
        .map(|g| {
            let mut l = fit(&group_title(group, &g.group), group_w, Face::Bold);
            let count = |v: usize| if k.is_some() && v == 0 && g.n == 0 { "not shown".to_string() } else { count_text(v, k) };
            l.extend(fit(&format!("n = {}", count(g.n)), group_w, Face::Normal));
            l.extend(fit(&format!("events = {}", count(g.events)), group_w, Face::Normal));
            l
        })
        .collect();
    Boxes { read, side, analysed, groups }
}

/// A white box with a border and its lines of text from the top-left.
fn draw_box<DB: DrawingBackend>(p: &Painter<DB>, x: i32, y: i32, w: i32, lines: &[Line], border: RGBColor, line_h: i32) -> Result<i32, String> {
    let pad = p.px(8.0);
    let h = 2 * pad + line_h * lines.len() as i32;
    p.rect((x, y), (x + w, y + h), WHITE.to_rgba())?;
    p.line(vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)], border.to_rgba(), 1.2)?;
    for (i, (text, face)) in lines.iter().enumerate() {
        p.text(text, (x + pad, y + pad + line_h * i as i32), FONT, INK, HPos::Left, VPos::Top, *face, false)?;
    }
    Ok(h)
}

/// An arrow from `a` to `b` (vertical or horizontal) with a filled head at `b`.
fn arrow<DB: DrawingBackend>(p: &Painter<DB>, a: (i32, i32), b: (i32, i32)) -> Result<(), String> {
    p.line(vec![a, b], GREY.to_rgba(), 1.2)?;
    let s = p.px(5.0);
    let head = if a.0 == b.0 {
        let d = if b.1 > a.1 { -1 } else { 1 };
        vec![b, (b.0 - s, b.1 + d * 2 * s), (b.0 + s, b.1 + d * 2 * s)]
    } else {
        let d = if b.0 > a.0 { -1 } else { 1 };
        vec![b, (b.0 + d * 2 * s, b.1 - s), (b.0 + d * 2 * s, b.1 + s)]
    };
    p.polygon(head, GREY.to_rgba())
}

/// Height in final pixels the diagram needs at scale `s` and width `w`.
fn needed<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, flow: &Flow, opts: &PlotOptions, s: f64, w: f64) -> (f64, Boxes) {
    let p = Painter::new(area, s);
    let (main_w, side_w, group_w) = widths(flow, w, s);
    let file = report.file.rsplit(['/', '\\']).next().unwrap_or(&report.file);
    let group = report.spec.as_ref().and_then(|s| s.group.as_ref()).map(|g| g.label());
    let b = texts(&p, flow, file, group.as_deref(), opts.min_cell, main_w, side_w, group_w);
    let lh = (FONT * 1.4 * s).round();
    let pad = 2.0 * (8.0 * s).round();
    let boxh = |lines: &[Line]| pad + lh * lines.len() as f64;
    let title = if opts.title.is_some() { lh * 1.6 } else { 0.0 };
    let gap = (36.0 * s).max(if b.side.is_empty() { 0.0 } else { boxh(&b.side) + 24.0 * s });
    let groups = b.groups.iter().map(|g| boxh(g)).fold(0.0, f64::max);
    let group_part = if b.groups.is_empty() { 0.0 } else { 36.0 * s + groups };
    (2.0 * 16.0 * s + title + boxh(&b.read) + gap + boxh(&b.analysed) + group_part, b)
}

/// Widths of the main column, the side box and each group box, in final pixels.
fn widths(flow: &Flow, w: f64, s: f64) -> (f64, f64, f64) {
    let m = 16.0 * s;
    let main_w = (w * 0.42).min(320.0 * s);
    let side_w = (w - m - (m + main_w + 28.0 * s)).max(80.0 * s);
    let n = flow.groups.len().max(1) as f64;
    let group_w = ((w - 2.0 * m - (n - 1.0) * 12.0 * s) / n).min(220.0 * s).max(40.0 * s);
    (main_w, side_w, group_w)
}

/// Draw the flow diagram of `report` into `area`. Shrinks the text when the area is too low for it.
pub fn draw_flow<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    let flow = report.flow.as_ref().ok_or_else(|| "this report has no cohort flow (a results-only link carries none)".to_string())?;
    let (w, h) = area.dim_in_pixel();
    let mut s = opts.font_scale;
    let (need, mut boxes) = needed(area, report, flow, opts, s, w as f64);
    if need > h as f64 {
        s = (s * h as f64 / need).max(opts.font_scale * 0.5);
        boxes = needed(area, report, flow, opts, s, w as f64).1;
    }
    let p = Painter::new(area, s);
    let lh = p.px(FONT * 1.4);
    let m = p.px(16.0);
    let (main_w, side_w, group_w) = widths(flow, w as f64, s);
    let (main_w, side_w, group_w) = (main_w.round() as i32, side_w.round() as i32, group_w.round() as i32);
    let mut y = m;
    if let Some(t) = &opts.title {
        p.text(t, (w as i32 / 2, y), FONT * 1.15, INK, HPos::Center, VPos::Top, Face::Bold, false)?;
        y += (lh as f64 * 1.6) as i32;
    }
    let x = m;
    let cx = x + main_w / 2;
    let read_h = draw_box(&p, x, y, main_w, &boxes.read, INK, lh)?;
    let pad = p.px(8.0);
    let side_h = if boxes.side.is_empty() { 0 } else { 2 * pad + lh * boxes.side.len() as i32 };
    let gap = p.px(36.0).max(if side_h > 0 { side_h + p.px(24.0) } else { 0 });
    let top2 = y + read_h + gap;
    if side_h > 0 {
        let sx = x + main_w + p.px(28.0);
        let sy = y + read_h + p.px(12.0);
        draw_box(&p, sx, sy, side_w, &boxes.side, GREY, lh)?;
        p.line(vec![(cx, y + read_h), (cx, top2)], GREY.to_rgba(), 1.2)?;
        arrow(&p, (cx, sy + side_h / 2), (sx, sy + side_h / 2))?;
        arrow(&p, (cx, top2 - 1), (cx, top2))?;
    } else {
        arrow(&p, (cx, y + read_h), (cx, top2))?;
    }
    let an_h = draw_box(&p, x, top2, main_w, &boxes.analysed, INK, lh)?;
    if !boxes.groups.is_empty() {
        let n = boxes.groups.len() as i32;
        let gap_x = p.px(12.0);
        let gy = top2 + an_h + p.px(36.0);
        let span = n * group_w + (n - 1) * gap_x;
        let gx0 = (x.max((w as i32 - span) / 2)).min(x);
        let branch_y = top2 + an_h + p.px(18.0);
        let centres: Vec<i32> = (0..n).map(|i| gx0 + i * (group_w + gap_x) + group_w / 2).collect();
        p.line(vec![(cx, top2 + an_h), (cx, branch_y)], GREY.to_rgba(), 1.2)?;
        if let (Some(&a), Some(&b)) = (centres.first(), centres.last()) {
            p.line(vec![(a.min(cx), branch_y), (b.max(cx), branch_y)], GREY.to_rgba(), 1.2)?;
        }
        for (i, lines) in boxes.groups.iter().enumerate() {
            let gx = gx0 + i as i32 * (group_w + gap_x);
            arrow(&p, (centres[i], branch_y), (centres[i], gy))?;
            draw_box(&p, gx, gy, group_w, lines, group_color(i), lh)?;
        }
    }
    Ok(PlotLayout {
        annotation_strip: 0,
        figure: "flow".to_string(),
        width: w,
        height: h,
        plot_left: 0,
        plot_top: 0,
        plot_width: w as i32,
        plot_height: h as i32,
        x_min: 0.0,
        x_max: 0.0,
        x_log: false,
        y_min: 0.0,
        y_max: 0.0,
        percent: false,
        x_ticks: Vec::new(),
        y_ticks: Vec::new(),
        series: Vec::new(),
        risk_table: None,
        legend: Vec::new(),
    })
}

/// Height in CSS pixels (scale 1) that the flow of `report` needs at `width` CSS pixels: the
/// page sizes its canvas with it.
pub fn flow_height(report: &Report, width: u32, title: Option<&str>) -> u32 {
    let Some(flow) = &report.flow else { return 0 };
    let mut probe = String::new();
    let root = super::svg_target(&mut probe, (width.max(100), 100)).into_drawing_area();
    let opts = PlotOptions { title: title.map(str::to_string), ..PlotOptions::default() };
    needed(&root, report, flow, &opts, 1.0, width.max(100) as f64).0.ceil() as u32
}
