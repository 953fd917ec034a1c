//! The adjusted comparisons' figures as the page and the exports ask for them by name:
//!
//! * `adjusted`: the directly standardised survival curves (`report.adjusted`) drawn in the main
//!   figure exactly as the crude Kaplan-Meier curves are (same axes, colours, legend, landmarks),
//!   by handing [`super::km::draw_survival`] a view of the report whose curves are the adjusted
//!   ones, with their 95% band (the robust standard errors of `stats::adjusted::standardised_se`, as the report carries them,
//!   drawn when the figure's bands are on). They carry no censoring mark, median or number at
//!   risk (the standardised curve is an average of predictions, not a count of patients) and no
//!   log-rank p (the test compares the crude curves); the legend's n is each group's own rows
//!   (every curve averages over all the model's rows: the page's note under the figure and
//!   the README say so).
//! * `love` and `subgroups`: [`super::love`] and [`super::subgroups`].
//! * `spline`: the hazard-ratio curve of a spline covariate against its median ([`draw_spline`]).
//!
//! [`natural_height`] gives the height each row figure wants, so the page sizes its canvas from
//! the core as it does for the forest plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{format_num, FigureKind, PlotLayout, PlotOptions};
use crate::report::Report;
use crate::stats::km::{Followup, KmCurve, KmStep};

/// The report as the survival figure draws its adjusted curves: `km` replaced by one curve per
/// `adjusted` entry (steps without CI or counts), tests removed.
pub fn adjusted_view(report: &Report) -> Result<Report, String> {
    if report.adjusted.is_empty() {
        return Err("the report has no adjusted curves to draw: set adjusted to \"direct\" (with a group and covariates) in the analysis".to_string());
    }
    let nan = f64::NAN;
    let km = report
        .adjusted
        .iter()
        .map(|a| KmCurve {
            group: Some(a.group.clone()),
            // The legend gives each arm's own size (`n_group`); where disclosure control withheld
            // it with the totals, the group's size as released with its Kaplan-Meier curve.
            n: if a.n_group > 0 { a.n_group } else { report.km.iter().find(|c| c.group.as_deref() == Some(a.group.as_str())).map_or(a.n, |c| c.n) },
            events: 0,
            median: None,
            median_lower: None,
            median_upper: None,
            steps: a
                .steps
                .iter()
                .map(|s| KmStep { time: s.time, n_risk: nan, n_event: nan, n_censor: 0.0, surv: s.surv, std_err: s.std_err, lower: s.lower, upper: s.upper, cumhaz: nan, std_cumhaz: nan })
                .collect(),
            followup: Followup { median: None, lower: None, upper: None },
            at: Vec::new(),
            rmst: None,
        })
        .collect();
    Ok(Report { km, cuminc: Vec::new(), logrank: None, trend: None, pairwise: None, adjusted: Vec::new(), ..report.clone() })
}

/// Draw the adjusted curves of `report` as the survival figure (see the module's text).
pub fn draw_adjusted<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    let view = adjusted_view(report)?;
    let y_label = match (opts.y_label.trim().is_empty(), opts.cumulative) {
        (false, _) => opts.y_label.clone(),
        (true, false) => "Adjusted survival probability".to_string(),
        (true, true) => "Adjusted cumulative incidence (1 − S)".to_string(),
    };
    let opts = PlotOptions { censor_marks: false, risk_table: false, show_median: false, y_label, ..opts.clone() };
    let mut layout = super::km::draw_survival(area, &view, &opts)?;
    layout.figure = if opts.cumulative { "adjusted_cumulative" } else { "adjusted" }.to_string();
    Ok(layout)
}

/// Height in pixels at which a row figure (forest, love, subgroups) has its natural row
/// spacing; `None` for the other figures (they fill the size they are given).
pub fn natural_height(kind: FigureKind, report: &Report, opts: &PlotOptions) -> Option<u32> {
    match kind {
        FigureKind::Forest => Some(super::forest::natural_height(report, opts)),
        FigureKind::Love => Some(super::love::natural_height(report, opts)),
        FigureKind::Subgroups => Some(super::subgroups::natural_height(report, opts)),
        _ => None,
    }
}

/// The hazard-ratio curve of a spline covariate (`report.spline`; `opts.term` names the column,
/// else the first): the hazard ratio against the column's median (log axis) from its 5th to 95th
/// percentile, its 95% band, a dashed line at 1, a dotted line at the median, and the test of
/// non-linearity written in the plot. The x axis is the column's values.
pub fn draw_spline<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    use super::paint::{Face, YAxis, GREY, INK};
    use plotters::style::text_anchor::{HPos, VPos};
    opts.validate()?;
    let sp = match &opts.term {
        Some(t) => report.spline.iter().find(|s| &s.column == t).ok_or_else(|| format!("the report has no spline of '{t}': add it under splines"))?,
        None => report.spline.first().ok_or_else(|| "the report has no spline to draw: add a spline (column and df) to the analysis".to_string())?,
    };
    let pts: Vec<_> = sp.curve.iter().filter(|c| c.x.is_finite() && super::forest::drawable(c.hr)).collect();
    if pts.len() < 2 {
        return Err(format!("the spline of '{}' has no curve to draw (its model could not be fitted: see the warnings)", sp.column));
    }
    let frame = super::Frame::new(area, opts)?;
    let super::Frame { ref p, s, w, h, fs, f_tick, pad, tick, .. } = frame;
    let (wf, hf) = (w as f64, h as f64);
    let ok = super::forest::drawable;
    let lo = pts.iter().map(|c| if ok(c.lower) { c.lower } else { c.hr }).fold(1.0, f64::min);
    let hi = pts.iter().map(|c| if ok(c.upper) { c.upper } else { c.hr }).fold(1.0, f64::max);
    let (ya, yb, yticks) = super::forest::log_axis(lo, hi);
    let (xa, xb) = (pts[0].x, pts[pts.len() - 1].x);
    let step = super::nice_step(xb - xa, 5);
    let mut xticks = Vec::new();
    let mut t = (xa / step).ceil() * step;
    while t <= xb + step * 1e-9 {
        xticks.push((t * 1e9).round() / 1e9);
        t += step;
    }
    let ylabels: Vec<String> = yticks.iter().map(|v| format_num(*v)).collect();
    let ytick_w = ylabels.iter().map(|l| p.width(l, f_tick, Face::Normal)).fold(0.0, f64::max);
    frame.draw_title(opts)?;
    let top = pad + frame.title_height(opts);
    let left = (pad + fs * s * 1.3 + 6.0 * s + ytick_w + 3.0 * s + tick).ceil();
    let right = (wf - pad - 8.0 * s).floor();
    let bottom = (hf - pad - fs * s * 1.3 - 6.0 * s - f_tick * s * 1.2 - 4.0 * s - tick).floor();
    let plot_top = (top + fs * s * 0.5).ceil();
    if right - left < 120.0 * s || bottom - plot_top < 80.0 * s {
        return Err(format!("the figure is too small ({w}×{h} px) for the spline curve: make it larger or reduce font_scale"));
    }
    let x_of = |v: f64| (left + (v.clamp(xa, xb) - xa) / (xb - xa) * (right - left)).round() as i32;
    let y_of = |v: f64| (bottom - (v.clamp(ya, yb).ln() - ya.ln()) / (yb.ln() - ya.ln()) * (bottom - plot_top)).round() as i32;
    let (l, r, t_, b) = (left as i32, right as i32, plot_top as i32, bottom as i32);
    let ink = RGBAColor(INK.0, INK.1, INK.2, 1.0);
    let grid = RGBAColor(0xE6, 0xE6, 0xE6, 1.0);
    let y_ticks = p.y_ticks(&YAxis { left: l, width: r - l, tick: tick.round() as i32, grid, font: f_tick }, &yticks, &ylabels, y_of)?;
    // The 95% band, the reference lines, the curve.
    let blue = super::forest::ESTIMATE;
    let mut band: Vec<(i32, i32)> = pts.iter().map(|c| (x_of(c.x), y_of(if ok(c.upper) { c.upper } else { yb }))).collect();
    band.extend(pts.iter().rev().map(|c| (x_of(c.x), y_of(if ok(c.lower) { c.lower } else { ya }))));
    p.polygon(band, RGBAColor(blue.0, blue.1, blue.2, 0.18))?;
    p.dashed(vec![(l, y_of(1.0)), (r, y_of(1.0))], RGBAColor(GREY.0, GREY.1, GREY.2, 1.0), 1.0, 4.0, 3.0)?;
    if sp.reference.is_finite() && sp.reference >= xa && sp.reference <= xb {
        p.dashed(vec![(x_of(sp.reference), t_), (x_of(sp.reference), b)], RGBAColor(GREY.0, GREY.1, GREY.2, 1.0), 1.0, 1.5, 3.0)?;
    }
    p.line(pts.iter().map(|c| (x_of(c.x), y_of(c.hr))).collect(), RGBAColor(blue.0, blue.1, blue.2, 1.0), 2.0)?;
    // Axes.
    p.line(vec![(l, t_), (l, b), (r, b)], ink, 1.0)?;
    let tl = tick.round() as i32;
    let mut x_ticks = Vec::new();
    for &v in &xticks {
        let x = x_of(v);
        let label = format_num(v);
        p.line(vec![(x, b), (x, b + tl)], ink, 1.0)?;
        p.text(&label, (x, b + tl + p.px(3.0)), f_tick, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
        x_ticks.push(super::Tick { value: v, px: x, label });
    }
    let x_title = format!("{} (dotted: median {}, the reference)", sp.column, format_num(sp.reference));
    p.text(&x_title, ((l + r) / 2, (bottom + tick + 4.0 * s + f_tick * s * 1.2 + 6.0 * s).round() as i32), fs, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
    p.text("Hazard ratio (log scale)", ((pad + fs * s * 0.6).round() as i32, (t_ + b) / 2), fs, INK, HPos::Center, VPos::Center, Face::Normal, true)?;
    if let Some(nl) = &sp.nonlinear {
        let text = format!("Non-linearity: χ² = {:.2}, df = {}, {}", nl.chisq, format_num(nl.df), super::format_p_digits(nl.p, opts.p_digits));
        p.text(&text, (l + p.px(8.0), t_ + p.px(4.0)), f_tick, INK, HPos::Left, VPos::Top, Face::Normal, false)?;
    }
    Ok(PlotLayout {
        annotation_strip: 0,
        figure: "spline".to_string(),
        width: w,
        height: h,
        plot_left: l,
        plot_top: t_,
        plot_width: r - l,
        plot_height: b - t_,
        x_min: xa,
        x_max: xb,
        x_log: false,
        y_min: ya,
        y_max: yb,
        percent: false,
        x_ticks,
        y_ticks,
        series: vec![super::LayoutSeries { index: 0, group: Some(sp.column.clone()), cause: None, label: format!("HR of {} against {}", sp.column, format_num(sp.reference)), color: super::css_color(blue), dashed: false, y_px: None }],
        risk_table: None,
        legend: Vec::new(),
    })
}
