//! Subgroup forest plot: the hazard ratio of the group (second level against the first) within
//! each level of each subgroup column, as `report.subgroups`. Each column is a bold header row
//! carrying its interaction test ("interaction p = 0.042"), followed by one row per level with
//! its N, events, the estimate as a square sized by its events, the 95% CI on a log axis with a
//! dashed line at 1, and "HR (95% CI)" on the right.
//!
//! Disclosure control (`min_cell` = k): a level with fewer than k patients has its N written
//! "<k" (and its events "<k" when they are 1..k−1), as the project's tables do. A level without
//! an estimate (no events, or one arm only) is written "not estimable" and not drawn.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::forest::{format_ratio_ci, log_axis};
use super::paint::{Face, Painter, GREY, INK};
use super::{css_color, format_num, format_p_digits, suppressed_count, LayoutSeries, PlotLayout, PlotOptions, Tick};
use crate::report::Report;

/// One drawn row: a column header (`level` None) or a level.
struct Row<'a> {
    label: String,
    level: Option<&'a crate::adjust::SubgroupRow>,
    note: String,
}

fn rows<'a>(report: &'a Report, opts: &PlotOptions) -> Vec<Row<'a>> {
    let mut out = Vec::new();
    let mut last: Option<&str> = None;
    for r in &report.subgroups {
        if last != Some(r.column.as_str()) {
            let note = report
                .interaction
                .iter()
                .find(|t| t.column == r.column)
                .map(|t| format!("interaction {}", format_p_digits(t.p, opts.p_digits)))
                .unwrap_or_default();
            out.push(Row { label: r.column.clone(), level: None, note });
            last = Some(&r.column);
        }
        out.push(Row { label: r.level.clone(), level: Some(r), note: String::new() });
    }
    out
}

/// Natural height of the subgroup forest plot of `report` (26 design pixels a row).
pub fn natural_height(report: &Report, opts: &PlotOptions) -> u32 {
    let n = rows(report, opts).len().max(1);
    let s = opts.font_scale.clamp(0.25, 10.0);
    let fs = opts.font_size.clamp(6.0, 40.0);
    let title = if opts.title.as_ref().is_some_and(|t| !t.trim().is_empty()) { fs * 1.25 * s * 1.3 + 4.0 * s } else { 0.0 };
    let top = 12.0 * s + title + fs * s * 1.6;
    let below = 5.0 * s + 4.0 * s + fs * 0.92 * s * 1.2 + 6.0 * s + fs * s * 1.3 + 12.0 * s;
    (top + n as f64 * 26.0 * s + below).ceil() as u32 + 1
}

/// Draw the subgroup forest plot of `report` into `area` (filled white).
pub fn draw_subgroups<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    opts.validate()?;
    if report.subgroups.is_empty() {
        return Err("the report has no subgroups to draw: set subgroups (with a two-level group) in the analysis".to_string());
    }
    let rows = rows(report, opts);
    let ok = |v: f64| v.is_finite() && v > 0.0;
    let p = Painter::new(area, opts.font_scale);
    let s = opts.font_scale;
    let (w, h) = area.dim_in_pixel();
    let (wf, hf) = (w as f64, h as f64);
    area.fill(&WHITE).map_err(|e| format!("drawing failed: {e}"))?;
    let fs = opts.font_size;
    let f_tick = fs * 0.92;
    let f_title = fs * 1.25;
    let pad = 12.0 * s;
    let tick_len = 5.0 * s;
    let indent = 14.0 * s;

    let levels = &report.groups;
    let (a_name, b_name) = (levels.first().cloned().unwrap_or_default(), levels.get(1).cloned().unwrap_or_default());
    let count = |n: usize| suppressed_count(n as f64, opts.min_cell).unwrap_or_else(|| n.to_string());
    let n_texts: Vec<String> = rows.iter().map(|r| r.level.map(|l| count(l.n)).unwrap_or_default()).collect();
    let e_texts: Vec<String> = rows.iter().map(|r| r.level.map(|l| count(l.events)).unwrap_or_default()).collect();
    let ci_texts: Vec<String> = rows.iter().map(|r| r.level.map(|l| format_ratio_ci(l.hr, l.lower, l.upper)).unwrap_or_default()).collect();

    let lo = report.subgroups.iter().filter(|r| ok(r.hr)).map(|r| if ok(r.lower) { r.lower } else { r.hr }).fold(1.0, f64::min);
    let hi = report.subgroups.iter().filter(|r| ok(r.hr)).map(|r| if ok(r.upper) { r.upper } else { r.hr }).fold(1.0, f64::max);
    let (ax_a, ax_b, ticks) = log_axis(lo, hi);

    let label_w = rows
        .iter()
        .map(|r| if r.level.is_some() { indent + p.width(&r.label, fs, Face::Normal) } else { p.width(&r.label, fs, Face::Bold) })
        .fold(p.width("Subgroup", fs, Face::Bold), f64::max);
    let n_w = n_texts.iter().map(|t| p.width(t, fs, Face::Normal)).fold(p.width("N", fs, Face::Bold), f64::max);
    let e_w = e_texts.iter().map(|t| p.width(t, fs, Face::Normal)).fold(p.width("Events", fs, Face::Bold), f64::max);
    let ci_w = ci_texts
        .iter()
        .map(|t| p.width(t, fs, Face::Normal))
        .chain(rows.iter().map(|r| p.width(&r.note, f_tick, Face::Normal)))
        .fold(p.width("HR (95% CI)", fs, Face::Bold), f64::max);
    let gap = 16.0 * s;
    let n_right = pad + label_w + gap + n_w;
    let e_right = n_right + gap + e_w;
    let plot_left = (e_right + gap).ceil();
    let plot_right = (wf - pad - ci_w - gap).floor();
    let plot_w = plot_right - plot_left;
    if plot_w < 120.0 * s {
        return Err(format!("the figure is too narrow ({w} px) for the subgroup forest plot: make it wider or reduce font_scale"));
    }
    let ci_x = (plot_right + gap).round() as i32;

    let mut y = pad;
    let title_y = y;
    if opts.title.as_ref().is_some_and(|t| !t.trim().is_empty()) {
        y += f_title * s * 1.3 + 4.0 * s;
    }
    let header_y = y;
    y += fs * s * 1.6;
    let plot_top = y.ceil();
    let below = tick_len + 4.0 * s + f_tick * s * 1.2 + 6.0 * s + fs * s * 1.3 + pad;
    let row_h = ((hf - plot_top - below) / rows.len() as f64).min(30.0 * s);
    if row_h < fs * s * 1.2 {
        return Err(format!("the figure is too short ({h} px) for {} rows: make it taller or reduce font_scale", rows.len()));
    }
    let (left, top, pw) = (plot_left as i32, plot_top as i32, plot_w as i32);
    let ph = (row_h * rows.len() as f64).round() as i32;
    let bottom = top + ph;
    let x_of = |v: f64| -> i32 {
        let v = v.clamp(ax_a, ax_b);
        (plot_left + (v.ln() - ax_a.ln()) / (ax_b.ln() - ax_a.ln()) * plot_w).round() as i32
    };

    if let Some(t) = opts.title.as_ref().filter(|t| !t.trim().is_empty()) {
        p.text(t, ((wf / 2.0) as i32, title_y.round() as i32), f_title, INK, HPos::Center, VPos::Top, Face::Bold, false)?;
    }
    let hy = header_y.round() as i32;
    let x_pad = pad.round() as i32;
    p.text("Subgroup", (x_pad, hy), fs, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    p.text("N", (n_right.round() as i32, hy), fs, INK, HPos::Right, VPos::Top, Face::Bold, false)?;
    p.text("Events", (e_right.round() as i32, hy), fs, INK, HPos::Right, VPos::Top, Face::Bold, false)?;
    p.text("HR (95% CI)", (ci_x, hy), fs, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    let right_edge = (wf - pad).round() as i32;
    p.line(vec![(x_pad, top - p.px(4.0)), (right_edge, top - p.px(4.0))], RGBAColor(0x99, 0x99, 0x99, 1.0), 1.0)?;

    let x1 = x_of(1.0);
    p.dashed(vec![(x1, top), (x1, bottom)], RGBAColor(GREY.0, GREY.1, GREY.2, 1.0), 1.0, 4.0, 3.0)?;

    let blue = RGBColor(0x00, 0x72, 0xB2);
    let ink = RGBAColor(INK.0, INK.1, INK.2, 1.0);
    let max_events = report.subgroups.iter().map(|r| r.events).max().unwrap_or(1).max(1) as f64;
    let mut series = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let yc = (plot_top + (i as f64 + 0.5) * row_h).round() as i32;
        let Some(l) = r.level else {
            p.text(&r.label, (x_pad, yc), fs, INK, HPos::Left, VPos::Center, Face::Bold, false)?;
            p.text(&r.note, (ci_x, yc), f_tick, GREY, HPos::Left, VPos::Center, Face::Italic, false)?;
            continue;
        };
        p.text(&r.label, ((pad + indent).round() as i32, yc), fs, INK, HPos::Left, VPos::Center, Face::Normal, false)?;
        p.text(&n_texts[i], (n_right.round() as i32, yc), fs, INK, HPos::Right, VPos::Center, Face::Normal, false)?;
        p.text(&e_texts[i], (e_right.round() as i32, yc), fs, INK, HPos::Right, VPos::Center, Face::Normal, false)?;
        p.text(&ci_texts[i], (ci_x, yc), fs, if ok(l.hr) { INK } else { GREY }, HPos::Left, VPos::Center, Face::Normal, false)?;
        if ok(l.hr) {
            let xl = if ok(l.lower) { x_of(l.lower) } else { left };
            let xu = if ok(l.upper) { x_of(l.upper) } else { left + pw };
            p.line(vec![(xl, yc), (xu, yc)], ink, 1.5)?;
            let arrow = p.px(5.0);
            if !ok(l.lower) || l.lower < ax_a {
                p.line(vec![(xl + arrow, yc - arrow / 2), (xl, yc), (xl + arrow, yc + arrow / 2)], ink, 1.5)?;
            }
            if !ok(l.upper) || l.upper > ax_b {
                p.line(vec![(xu - arrow, yc - arrow / 2), (xu, yc), (xu - arrow, yc + arrow / 2)], ink, 1.5)?;
            }
            // Square area proportional to the events (the row's information), 3–7 px half-side.
            let half = p.px(3.0 + 4.0 * (l.events as f64 / max_events).sqrt());
            let xe = x_of(l.hr);
            p.rect((xe - half, yc - half), (xe + half, yc + half), RGBAColor(blue.0, blue.1, blue.2, 1.0))?;
        }
        series.push(LayoutSeries {
            index: report.subgroups.iter().position(|x| std::ptr::eq(x, l)).unwrap_or(i),
            group: Some(format!("{}={}", l.column, l.level)),
            cause: None,
            label: format!("{} = {}: {}", l.column, l.level, ci_texts[i]),
            color: css_color(blue),
            dashed: false,
            y_px: Some(yc),
        });
    }

    p.line(vec![(left, bottom), (left + pw, bottom)], ink, 1.0)?;
    let tl = tick_len.round() as i32;
    let mut x_ticks = Vec::new();
    for &t in &ticks {
        let x = x_of(t);
        p.line(vec![(x, bottom), (x, bottom + tl)], ink, 1.0)?;
        let label = format_num(t);
        p.text(&label, (x, bottom + tl + p.px(3.0)), f_tick, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
        x_ticks.push(Tick { value: t, px: x, label });
    }
    let axis_y = (bottom as f64 + tick_len + 4.0 * s + f_tick * s * 1.2 + 6.0 * s).round() as i32;
    let axis_name = if b_name.is_empty() { "Hazard ratio (log scale)".to_string() } else { format!("Hazard ratio, {b_name} vs {a_name} (log scale)") };
    p.text(&axis_name, (left + pw / 2, axis_y), fs, INK, HPos::Center, VPos::Top, Face::Normal, false)?;

    Ok(PlotLayout {
        figure: "subgroups".to_string(),
        width: w,
        height: h,
        plot_left: left,
        plot_top: top,
        plot_width: pw,
        plot_height: ph,
        x_min: ax_a,
        x_max: ax_b,
        x_log: true,
        y_min: 0.0,
        y_max: rows.len() as f64,
        percent: false,
        x_ticks,
        y_ticks: Vec::new(),
        series,
        risk_table: None,
        legend: Vec::new(),
    })
}
