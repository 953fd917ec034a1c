//! Forest plot of a Cox model's hazard ratios (or a Fine-Gray model's subdistribution hazard
//! ratios when the report has no Cox model): one row per term with the name on the left, the
//! estimate as a square and its 95% CI as a line on a log axis with a dashed reference line at
//! 1, and "HR (95% CI)" and p columns on the right.
//!
//! The log axis spans the 1-2-5 series values just outside the smallest lower and largest upper
//! limit (always including 1), clamped to [0.001, 1000]; limits beyond the axis end in an arrow.
//! A term whose estimate is not finite (a coefficient that diverged) is written "not estimable"
//! and not drawn.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::paint::{Face, Painter, GREY, INK};
use super::{css_color, format_num, format_p_digits, LayoutSeries, PlotLayout, PlotOptions, Tick};
use crate::report::Report;

struct Row {
    name: String,
    est: f64,
    lower: f64,
    upper: f64,
    p: f64,
}

/// "0.58 (0.41–0.80)": two decimals, more for very small ratios, fewer for large ones.
pub fn format_ratio_ci(est: f64, lower: f64, upper: f64) -> String {
    if !est.is_finite() {
        return "not estimable".to_string();
    }
    let f = |v: f64| {
        if !v.is_finite() {
            "NA".to_string()
        } else if v >= 100.0 {
            format_num(v.round())
        } else if v < 0.01 {
            format!("{v:.3}")
        } else {
            format!("{v:.2}")
        }
    };
    format!("{} ({}–{})", f(est), f(lower), f(upper))
}

/// The 1-2-5 series from 0.001 to 1000.
fn series_125() -> Vec<f64> {
    let mut v = Vec::new();
    for e in -3..=3 {
        for m in [1.0, 2.0, 5.0] {
            let x = m * 10f64.powi(e);
            if x <= 1000.0 + 1e-9 {
                v.push((x * 1e6).round() / 1e6);
            }
        }
    }
    v
}

/// Axis range and ticks of a log axis covering [lo, hi].
pub fn log_axis(lo: f64, hi: f64) -> (f64, f64, Vec<f64>) {
    let s = series_125();
    let lo = lo.clamp(0.001, 1000.0).min(1.0);
    let hi = hi.clamp(0.001, 1000.0).max(1.0);
    let a = s.iter().copied().filter(|v| *v <= lo * (1.0 + 1e-9)).fold(0.001, f64::max);
    let b = s.iter().copied().filter(|v| *v >= hi * (1.0 - 1e-9)).fold(1000.0, f64::min);
    let mut ticks: Vec<f64> = s.iter().copied().filter(|v| *v >= a && *v <= b).collect();
    if ticks.len() > 9 {
        // Wide range: decades only (and the ends).
        ticks.retain(|v| {
            let l = v.log10();
            (l - l.round()).abs() < 1e-9 || *v == a || *v == b
        });
    }
    (a, b, ticks)
}

/// The height in pixels at which the forest plot of `report` has its natural row spacing
/// (28 design pixels a row): what the page should give the canvas.
pub fn natural_height(report: &Report, opts: &PlotOptions) -> u32 {
    let n = report
        .cox
        .as_ref()
        .map(|c| c.terms.len())
        .filter(|n| *n > 0)
        .or_else(|| report.finegray.as_ref().map(|f| f.terms.len()))
        .unwrap_or(1)
        .max(1);
    let s = opts.font_scale.clamp(0.25, 10.0);
    let fs = opts.font_size.clamp(6.0, 40.0);
    let title = if opts.title.as_ref().is_some_and(|t| !t.trim().is_empty()) { fs * 1.25 * s * 1.3 + 4.0 * s } else { 0.0 };
    let top = 12.0 * s + title + fs * s * 1.6;
    let below = 5.0 * s + 4.0 * s + fs * 0.92 * s * 1.2 + 6.0 * s + fs * s * 1.3 + 12.0 * s;
    (top + n as f64 * 28.0 * s + below).ceil() as u32 + 1
}

/// Draw the forest plot of `report` into `area` (filled white).
pub fn draw_forest<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    opts.validate()?;
    let (rows, est_name, axis_name): (Vec<Row>, &str, &str) = if let Some(cox) = report.cox.as_ref().filter(|c| !c.terms.is_empty()) {
        (
            cox.terms.iter().map(|t| Row { name: t.name.clone(), est: t.hr, lower: t.lower, upper: t.upper, p: t.p }).collect(),
            "HR (95% CI)",
            "Hazard ratio (log scale)",
        )
    } else if let Some(fg) = report.finegray.as_ref().filter(|f| !f.terms.is_empty()) {
        (
            fg.terms.iter().map(|t| Row { name: t.name.clone(), est: t.shr, lower: t.lower, upper: t.upper, p: t.p }).collect(),
            "SHR (95% CI)",
            "Subdistribution hazard ratio (log scale)",
        )
    } else {
        return Err("the report has no regression model to draw: add covariates to the analysis".to_string());
    };
    let ok = |v: f64| v.is_finite() && v > 0.0;

    let p = Painter::new(area, opts.font_scale);
    let s = opts.font_scale;
    let (w, h) = area.dim_in_pixel();
    let (wf, hf) = (w as f64, h as f64);
    area.fill(&WHITE).map_err(|e| format!("drawing failed: {e}"))?;
    let fs = opts.font_size;
    let f_text = fs;
    let f_tick = fs * 0.92;
    let f_title = fs * 1.25;
    let pad = 12.0 * s;
    let tick_len = 5.0 * s;

    let lo = rows.iter().filter(|r| ok(r.est)).map(|r| if ok(r.lower) { r.lower } else { r.est }).fold(1.0, f64::min);
    let hi = rows.iter().filter(|r| ok(r.est)).map(|r| if ok(r.upper) { r.upper } else { r.est }).fold(1.0, f64::max);
    let (a, b, ticks) = log_axis(lo, hi);

    // Columns.
    let ci_texts: Vec<String> = rows.iter().map(|r| format_ratio_ci(r.est, r.lower, r.upper)).collect();
    let p_texts: Vec<String> = rows
        .iter()
        .map(|r| {
            let t = format_p_digits(r.p, opts.p_digits);
            t.strip_prefix("p = ").map(str::to_string).unwrap_or_else(|| t.get(2..).unwrap_or("").to_string())
        })
        .collect();
    let name_w = rows.iter().map(|r| p.width(&r.name, f_text, Face::Normal)).fold(p.width("Variable", f_text, Face::Bold), f64::max);
    let ci_w = ci_texts.iter().map(|t| p.width(t, f_text, Face::Normal)).fold(p.width(est_name, f_text, Face::Bold), f64::max);
    let p_w = p_texts.iter().map(|t| p.width(t, f_text, Face::Normal)).fold(p.width("p", f_text, Face::Bold), f64::max);
    let col_gap = 18.0 * s;
    let plot_left = (pad + name_w + col_gap).ceil();
    let plot_right = (wf - pad - p_w - col_gap - ci_w - col_gap).floor();
    let plot_w = plot_right - plot_left;
    if plot_w < 120.0 * s {
        return Err(format!("the figure is too narrow ({w} px) for the forest plot: make it wider or reduce font_scale"));
    }
    let ci_x = (plot_right + col_gap).round() as i32;
    let p_right = (wf - pad).round() as i32;

    // Rows.
    let mut y = pad;
    let title_y = y;
    if opts.title.as_ref().is_some_and(|t| !t.trim().is_empty()) {
        y += f_title * s * 1.3 + 4.0 * s;
    }
    let header_y = y;
    y += f_text * s * 1.6;
    let plot_top = y.ceil();
    let below = tick_len + 4.0 * s + f_tick * s * 1.2 + 6.0 * s + f_text * s * 1.3 + pad;
    let avail = hf - plot_top - below;
    let row_h = (avail / rows.len() as f64).min(32.0 * s);
    if row_h < f_text * s * 1.2 {
        return Err(format!("the figure is too short ({h} px) for {} terms: make it taller or reduce font_scale", rows.len()));
    }
    let plot_h = (row_h * rows.len() as f64).round();
    let (left, top, pw, ph) = (plot_left as i32, plot_top as i32, plot_w as i32, plot_h as i32);
    let bottom = top + ph;
    let x_of = |v: f64| -> i32 {
        let v = v.clamp(a, b);
        (plot_left + (v.ln() - a.ln()) / (b.ln() - a.ln()) * plot_w).round() as i32
    };

    // Title and header.
    if let Some(t) = opts.title.as_ref().filter(|t| !t.trim().is_empty()) {
        p.text(t, ((wf / 2.0) as i32, title_y.round() as i32), f_title, INK, HPos::Center, VPos::Top, Face::Bold, false)?;
    }
    let hy = header_y.round() as i32;
    p.text("Variable", (pad.round() as i32, hy), f_text, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    p.text(est_name, (ci_x, hy), f_text, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    let (p_letter, p_face) = if opts.italic_p { ("P", Face::Italic) } else { ("p", Face::Bold) };
    p.text(p_letter, (p_right, hy), f_text, INK, HPos::Right, VPos::Top, p_face, false)?;
    let rule_y = top - p.px(4.0);
    p.line(vec![(pad.round() as i32, rule_y), (p_right, rule_y)], RGBAColor(0x99, 0x99, 0x99, 1.0), 1.0)?;

    // Reference line at 1.
    let x1 = x_of(1.0);
    p.dashed(vec![(x1, top), (x1, bottom)], RGBAColor(GREY.0, GREY.1, GREY.2, 1.0), 1.0, 4.0, 3.0)?;

    let blue = RGBColor(0x00, 0x72, 0xB2);
    let ink = RGBAColor(INK.0, INK.1, INK.2, 1.0);
    let mut series = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let yc = (plot_top + (i as f64 + 0.5) * row_h).round() as i32;
        if i % 2 == 1 {
            p.rect((pad.round() as i32, yc - (row_h / 2.0) as i32), (p_right, yc + (row_h / 2.0) as i32), RGBAColor(0xF2, 0xF2, 0xF2, 1.0))?;
        }
        p.text(&r.name, (pad.round() as i32, yc), f_text, INK, HPos::Left, VPos::Center, Face::Normal, false)?;
        p.text(&ci_texts[i], (ci_x, yc), f_text, INK, HPos::Left, VPos::Center, Face::Normal, false)?;
        p.text(&p_texts[i], (p_right, yc), f_text, INK, HPos::Right, VPos::Center, Face::Normal, false)?;
        if ok(r.est) {
            let xl = if ok(r.lower) { x_of(r.lower) } else { left };
            let xu = if ok(r.upper) { x_of(r.upper) } else { left + pw };
            p.line(vec![(xl, yc), (xu, yc)], ink, 1.5)?;
            let arrow = p.px(5.0);
            if !ok(r.lower) || r.lower < a {
                p.line(vec![(xl + arrow, yc - arrow / 2), (xl, yc), (xl + arrow, yc + arrow / 2)], ink, 1.5)?;
            }
            if !ok(r.upper) || r.upper > b {
                p.line(vec![(xu - arrow, yc - arrow / 2), (xu, yc), (xu - arrow, yc + arrow / 2)], ink, 1.5)?;
            }
            let xe = x_of(r.est);
            let half = p.px(4.5);
            p.rect((xe - half, yc - half), (xe + half, yc + half), RGBAColor(blue.0, blue.1, blue.2, 1.0))?;
        }
        series.push(LayoutSeries {
            index: i,
            group: Some(r.name.clone()),
            cause: None,
            label: format!("{} {}", r.name, ci_texts[i]),
            color: css_color(blue),
            dashed: false,
            y_px: Some(yc),
        });
    }

    // Axis.
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
    let title_y = (bottom as f64 + tick_len + 4.0 * s + f_tick * s * 1.2 + 6.0 * s).round() as i32;
    p.text(axis_name, (left + pw / 2, title_y), f_text, INK, HPos::Center, VPos::Top, Face::Normal, false)?;

    Ok(PlotLayout {
        figure: "forest".to_string(),
        width: w,
        height: h,
        plot_left: left,
        plot_top: top,
        plot_width: pw,
        plot_height: ph,
        x_min: a,
        x_max: b,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_text() {
        // lung, coxph(Surv(time, status) ~ age + sex + ph.ecog): sex=2 HR 0.5754 (0.4142–0.7994)
        assert_eq!(format_ratio_ci(0.575444556190492, 0.414213018549173, 0.799435127387147), "0.58 (0.41–0.80)");
        assert_eq!(format_ratio_ci(f64::INFINITY, 0.0, f64::INFINITY), "not estimable");
    }

    #[test]
    fn log_axis_covers_the_intervals_and_one() {
        // lung: CIs span 0.41 .. 1.99 → axis 0.2 .. 2
        let (a, b, t) = log_axis(0.414, 1.986);
        assert_eq!((a, b), (0.2, 2.0));
        assert_eq!(t, vec![0.2, 0.5, 1.0, 2.0]);
        // All above 1: the axis still shows 1.
        let (a, b, _) = log_axis(1.3, 4.2);
        assert_eq!((a, b), (1.0, 5.0));
        // Very wide: decades only.
        let (_, _, t) = log_axis(0.002, 400.0);
        assert!(t.iter().all(|v| { let l = v.log10(); (l - l.round()).abs() < 1e-9 } || *v == 0.002 || *v == 500.0));
    }
}
