//! Love plot of a propensity-score weighting: one row per term of the propensity model, the
//! absolute standardised mean difference before weighting (open circle) and after (filled
//! circle), with a dashed line at 0.1, the usual bound of adequate balance.
//!
//! The x axis runs from 0 to a "nice" value just above the largest |SMD| (at least 0.1, so the
//! 0.1 line is always shown). A term whose SMD is not finite (a constant column in an arm) is
//! written "not estimable" and not drawn. With `min_cell`, a term flagged small (a 0/1 term
//! with fewer than k rows at one value in an arm) has "(<k)" after its name.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::paint::{Face, Painter, GREY, INK};
use super::{css_color, format_num, LayoutSeries, PlotLayout, PlotOptions, Tick};
use crate::report::Report;

/// The bound of adequate balance drawn as a dashed line.
pub const BALANCE_BOUND: f64 = 0.1;

/// Axis end and tick step for |SMD| values up to `hi`.
pub fn smd_axis(hi: f64) -> (f64, f64) {
    let hi = if hi.is_finite() { hi.max(BALANCE_BOUND) * 1.05 } else { BALANCE_BOUND };
    for step in [0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0] {
        let end = ((hi / step).ceil() * step * 1e9).round() / 1e9;
        if end / step <= 6.0 + 1e-9 {
            return (end, step);
        }
    }
    let step = 10f64.powf(hi.log10().ceil());
    ((hi / step).ceil() * step, step)
}

/// Natural height of the love plot of `report` (28 design pixels a row).
pub fn natural_height(report: &Report, opts: &PlotOptions) -> u32 {
    let n = report.propensity.as_ref().map_or(1, |p| p.balance.len().max(1));
    let s = opts.font_scale.clamp(0.25, 10.0);
    let fs = opts.font_size.clamp(6.0, 40.0);
    let title = if opts.title.as_ref().is_some_and(|t| !t.trim().is_empty()) { fs * 1.25 * s * 1.3 + 4.0 * s } else { 0.0 };
    let top = 12.0 * s + title + fs * s * 1.8;
    let below = 5.0 * s + 4.0 * s + fs * 0.92 * s * 1.2 + 6.0 * s + fs * s * 1.3 + 12.0 * s;
    (top + n as f64 * 28.0 * s + below).ceil() as u32 + 1
}

/// Draw the love plot of `report.propensity` into `area` (filled white).
pub fn draw_love<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    opts.validate()?;
    let ps = report.propensity.as_ref().filter(|p| !p.balance.is_empty()).ok_or_else(|| "the report has no propensity-score balance to draw: set propensity in the analysis".to_string())?;
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

    let names: Vec<String> = ps
        .balance
        .iter()
        .map(|b| match opts.min_cell {
            Some(k) if b.small => format!("{} (<{k})", b.name),
            _ => b.name.clone(),
        })
        .collect();
    let hi = ps.balance.iter().flat_map(|b| [b.smd_before.abs(), b.smd_after.abs()]).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let (end, step) = smd_axis(hi);

    let name_w = names.iter().map(|n| p.width(n, fs, Face::Normal)).fold(p.width("Term", fs, Face::Bold), f64::max);
    let plot_left = (pad + name_w + 18.0 * s).ceil();
    let plot_right = (wf - pad - 10.0 * s).floor();
    let plot_w = plot_right - plot_left;
    if plot_w < 120.0 * s {
        return Err(format!("the figure is too narrow ({w} px) for the love plot: make it wider or reduce font_scale"));
    }
    let mut y = pad;
    let title_y = y;
    if opts.title.as_ref().is_some_and(|t| !t.trim().is_empty()) {
        y += f_title * s * 1.3 + 4.0 * s;
    }
    let header_y = y;
    y += fs * s * 1.8;
    let plot_top = y.ceil();
    let below = tick_len + 4.0 * s + f_tick * s * 1.2 + 6.0 * s + fs * s * 1.3 + pad;
    let rows = names.len();
    let row_h = ((hf - plot_top - below) / rows as f64).min(32.0 * s);
    if row_h < fs * s * 1.2 {
        return Err(format!("the figure is too short ({h} px) for {rows} terms: make it taller or reduce font_scale"));
    }
    let (left, top, pw) = (plot_left as i32, plot_top as i32, plot_w as i32);
    let ph = (row_h * rows as f64).round() as i32;
    let bottom = top + ph;
    let x_of = |v: f64| (plot_left + v.clamp(0.0, end) / end * plot_w).round() as i32;

    if let Some(t) = opts.title.as_ref().filter(|t| !t.trim().is_empty()) {
        p.text(t, ((wf / 2.0) as i32, title_y.round() as i32), f_title, INK, HPos::Center, VPos::Top, Face::Bold, false)?;
    }
    // Header: the column title and the legend.
    let hy = (header_y + fs * s * 0.6).round() as i32;
    p.text("Term", (pad.round() as i32, hy), fs, INK, HPos::Left, VPos::Center, Face::Bold, false)?;
    let before = RGBColor(0xD5, 0x5E, 0x00);
    let after = RGBColor(0x00, 0x72, 0xB2);
    let r = 4.5;
    let marker = |c: (i32, i32), color: RGBColor, open: bool| -> Result<(), String> {
        p.circle(c, r, RGBAColor(color.0, color.1, color.2, 1.0))?;
        if open {
            p.circle(c, r - 1.6, RGBAColor(255, 255, 255, 1.0))?;
        }
        Ok(())
    };
    let mut lx = left;
    let legend = [(format!("Before weighting ({})", ps.estimand), before, true), ("After weighting".to_string(), after, false)];
    for (label, color, open) in &legend {
        marker((lx + p.px(r), hy), *color, *open)?;
        let tx = lx + p.px(2.0 * r + 5.0);
        p.text(label, (tx, hy), fs, INK, HPos::Left, VPos::Center, Face::Normal, false)?;
        lx = tx + p.width(label, fs, Face::Normal).ceil() as i32 + p.px(18.0);
    }

    // Shading of every other row, then the zero line and the balance bound over it.
    let row_y = |i: usize| (plot_top + (i as f64 + 0.5) * row_h).round() as i32;
    for i in (1..rows).step_by(2) {
        let yc = row_y(i);
        p.rect((pad.round() as i32, yc - (row_h / 2.0) as i32), (left + pw, yc + (row_h / 2.0) as i32), RGBAColor(0xF2, 0xF2, 0xF2, 1.0))?;
    }
    let ink = RGBAColor(INK.0, INK.1, INK.2, 1.0);
    p.line(vec![(x_of(0.0), top), (x_of(0.0), bottom)], RGBAColor(0x99, 0x99, 0x99, 1.0), 1.0)?;
    let xb = x_of(BALANCE_BOUND);
    p.dashed(vec![(xb, top), (xb, bottom)], RGBAColor(GREY.0, GREY.1, GREY.2, 1.0), 1.0, 4.0, 3.0)?;

    let mut series = Vec::new();
    for (i, (b, name)) in ps.balance.iter().zip(&names).enumerate() {
        let yc = row_y(i);
        p.text(name, (pad.round() as i32, yc), fs, INK, HPos::Left, VPos::Center, Face::Normal, false)?;
        let (a, c) = (b.smd_before.abs(), b.smd_after.abs());
        if !a.is_finite() || !c.is_finite() {
            p.text("not estimable", (left + p.px(4.0), yc), f_tick, GREY, HPos::Left, VPos::Center, Face::Italic, false)?;
        } else {
            p.line(vec![(x_of(a), yc), (x_of(c), yc)], RGBAColor(0xBB, 0xBB, 0xBB, 1.0), 1.0)?;
            marker((x_of(a), yc), before, true)?;
            marker((x_of(c), yc), after, false)?;
        }
        series.push(LayoutSeries {
            index: i,
            group: Some(b.name.clone()),
            cause: None,
            label: format!("{}: {} → {}", b.name, format_num((a * 1000.0).round() / 1000.0), format_num((c * 1000.0).round() / 1000.0)),
            color: css_color(after),
            dashed: false,
            y_px: Some(yc),
        });
    }

    // Axis.
    p.line(vec![(left, bottom), (left + pw, bottom)], ink, 1.0)?;
    let tl = tick_len.round() as i32;
    let mut x_ticks = Vec::new();
    let n_ticks = (end / step).round() as usize;
    for k in 0..=n_ticks {
        let t = (k as f64 * step * 1e9).round() / 1e9;
        let x = x_of(t);
        p.line(vec![(x, bottom), (x, bottom + tl)], ink, 1.0)?;
        let label = format_num(t);
        p.text(&label, (x, bottom + tl + p.px(3.0)), f_tick, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
        x_ticks.push(Tick { value: t, px: x, label });
    }
    let axis_y = (bottom as f64 + tick_len + 4.0 * s + f_tick * s * 1.2 + 6.0 * s).round() as i32;
    p.text("Absolute standardised mean difference", (left + pw / 2, axis_y), fs, INK, HPos::Center, VPos::Top, Face::Normal, false)?;

    Ok(PlotLayout {
        figure: "love".to_string(),
        width: w,
        height: h,
        plot_left: left,
        plot_top: top,
        plot_width: pw,
        plot_height: ph,
        x_min: 0.0,
        x_max: end,
        x_log: false,
        y_min: 0.0,
        y_max: rows as f64,
        percent: false,
        x_ticks,
        y_ticks: Vec::new(),
        series,
        risk_table: None,
        legend: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_always_shows_the_bound_and_at_most_six_steps() {
        assert_eq!(smd_axis(0.0), (0.12, 0.02));
        assert_eq!(smd_axis(0.36), (0.4, 0.1));
        let (end, step) = smd_axis(1.7);
        assert!(end >= 1.7 && end / step <= 6.0, "{end} {step}");
        assert_eq!(smd_axis(f64::NAN), (0.1, 0.02));
    }
}
