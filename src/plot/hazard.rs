//! Hazard figures: the Nelson-Aalen cumulative hazard, the kernel-smoothed hazard, the ratio of
//! two groups' smoothed hazards, and the parametric-fit overlay (Kaplan-Meier with each fitted
//! AFT survival curve on top, the visual goodness-of-fit check).
//!
//! All four are line charts over time drawn by one helper ([`draw_chart`]): series of points
//! (step functions or straight segments), optional pointwise bands, horizontal reference
//! lines, a legend in the top-right corner of the plot, a linear or log y axis.
//!
//! * Cumulative hazard: H(t) and its 95% CI `H·exp(±1.96·se(H)/H)` from `report.cumhaz`
//!   (`stats::hazard::cumhaz_curves`).
//! * Smoothed hazard: `report.hazard[]` as computed by `stats::hazard`, with the bandwidth in
//!   the legend.
//! * Hazard ratio: `report.hazard_ratio` on a log axis, with dashed lines at 1 and, when the
//!   Cox model has exactly one term, at its hazard ratio (the constant ratio the proportional
//!   hazards model assumes).
//! * Parametric fit: the fitted S(t) curves the report carries for each distribution
//!   (`parametric[].predictions[].curve`, computed by `stats::parametric::predictions`): one
//!   curve per group, in the group's colour, when the model's terms are exactly the group
//!   column (its dummies `group=level`, or the numeric column itself); otherwise one curve per
//!   model in ink — the intercept-only fit to everyone, or the fit at the covariate means.
//!
//! Every number drawn is the report's; this module computes layout only.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::paint::{Face, Painter, YAxis, GREY, INK};
use super::{css_color, format_num, group_color, nice_step, ticks_from, LayoutSeries, PlotLayout, PlotOptions, Tick};
use crate::report::Report;
use crate::stats::parametric::ParametricReport;

/// One drawn line.
struct Series {
    label: String,
    group: Option<String>,
    color: RGBColor,
    /// (time, value); NaN values break the line.
    pts: Vec<(f64, f64)>,
    /// (time, lower, upper) of the pointwise band; `None` ends the band.
    band: Vec<(f64, Option<f64>, Option<f64>)>,
    step: bool,
    /// Dash and gap (design pixels); `None` = solid.
    dash: Option<(f64, f64)>,
    width: f64,
    /// Shown in the legend.
    legend: bool,
}

/// A horizontal reference line.
struct HLine {
    value: f64,
    label: String,
    color: RGBColor,
}

struct Chart {
    figure: &'static str,
    y_label: String,
    log_y: bool,
    /// Lower end of the linear y axis (0) — the top is chosen from the data, or `y_top`.
    y_top: Option<f64>,
    series: Vec<Series>,
    hlines: Vec<HLine>,
    /// Extra legend rows (text, colour, dash) after the series.
    extra_legend: Vec<(String, RGBColor, Option<(f64, f64)>)>,
}

fn label_of(group: &Option<String>) -> String {
    group.clone().unwrap_or_else(|| "All".to_string())
}

/// Colour of a group as the survival figure draws it: by the index of its Kaplan-Meier curve,
/// black when there is a single curve.
fn color_of(report: &Report, group: &Option<String>, fallback: usize) -> RGBColor {
    if report.km.len() <= 1 && group.is_none() {
        return RGBColor(0, 0, 0);
    }
    let i = report.km.iter().position(|c| &c.group == group).unwrap_or(fallback);
    group_color(i)
}

fn hidden(opts: &PlotOptions, group: &Option<String>) -> bool {
    group.as_ref().is_some_and(|g| opts.hidden_groups.contains(g))
}

fn time_label(report: &Report, opts: &PlotOptions) -> String {
    if !opts.time_label.trim().is_empty() {
        return opts.time_label.clone();
    }
    match report.time_unit {
        Some(u) => format!("Time ({u})"),
        None => "Time".to_string(),
    }
}

/// "events per day" from the unit "days".
fn per_unit(report: &Report) -> String {
    match report.time_unit {
        Some(u) => format!("events per {}", u.strip_suffix('s').unwrap_or(u)),
        None => "events per time unit".to_string(),
    }
}

/// Tick label with enough decimals for the tick spacing `step` (hazards are often 0.001-ish).
fn tick_text(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let places = if step >= 1.0 { 0 } else { (-(step.log10()).floor() as i32 + 1).clamp(0, 8) as usize };
    let s = format!("{:.*}", places, v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn ok(v: f64) -> bool {
    v.is_finite()
}

/// Draw a chart into the whole `area`.
fn draw_chart<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions, chart: Chart) -> Result<PlotLayout, String> {
    opts.validate()?;
    if chart.series.iter().all(|s| s.pts.iter().all(|p| !ok(p.1))) {
        return Err(format!("nothing to draw for the {} figure", chart.figure.replace('_', " ")));
    }
    let frame = super::Frame::new(area, opts)?;
    let super::Frame { ref p, s, w, h, fs, f_tick, pad, tick: tick_len, .. } = frame;
    let (wf, hf) = (w as f64, h as f64);

    // x range.
    let t_end = chart
        .series
        .iter()
        .flat_map(|se| se.pts.iter().filter(|p| ok(p.1)).map(|p| p.0))
        .fold(0.0, f64::max);
    let x_max = opts.x_max.unwrap_or(if t_end > 0.0 { t_end } else { 1.0 });
    let x_step = opts.break_by.unwrap_or_else(|| nice_step(x_max, 5));
    let xt = ticks_from(0.0, x_max, x_step);

    let (y_lo, y_hi, yt, y_labels) = y_axis(&chart, x_max);

    // Layout.
    let top_y = pad + frame.title_height(opts);
    let y_label = if opts.y_label.trim().is_empty() { chart.y_label.clone() } else { opts.y_label.clone() };
    let lab_w = y_labels.iter().map(|l| p.width(l, f_tick, Face::Normal)).fold(0.0, f64::max);
    let plot_left = (pad + fs * s * 1.3 + 6.0 * s + lab_w + tick_len + 4.0 * s).ceil();
    let plot_right = (wf - pad - 6.0 * s).floor();
    let plot_top = (top_y + 4.0 * s).ceil();
    let plot_bottom = (hf - pad - fs * s * 1.3 - 6.0 * s - f_tick * s * 1.2 - tick_len - 4.0 * s).floor();
    let (pw, ph) = (plot_right - plot_left, plot_bottom - plot_top);
    if pw < 120.0 * s || ph < 80.0 * s {
        return Err(format!("the figure is too small ({w}×{h} px) for the {} figure: make it larger or reduce font_scale", chart.figure.replace('_', " ")));
    }
    let (left, top, pwi, phi) = (plot_left as i32, plot_top as i32, pw as i32, ph as i32);
    let bottom = top + phi;
    let x_of = |t: f64| -> i32 { (plot_left + (t.clamp(0.0, x_max) / x_max) * pw).round() as i32 };
    let log_y = chart.log_y;
    let y_of = |v: f64| -> i32 {
        let u = if log_y { v.max(1e-300).ln() } else { v };
        let u = u.clamp(y_lo, y_hi);
        (plot_top + (y_hi - u) / (y_hi - y_lo) * ph).round() as i32
    };
    let ink = RGBAColor(INK.0, INK.1, INK.2, 1.0);

    frame.draw_title(opts)?;

    // Grid and axes.
    let tl = tick_len.round() as i32;
    let y_ticks = p.y_ticks(&YAxis { left, width: pwi, tick: tl, grid: RGBAColor(0xE6, 0xE6, 0xE6, 1.0), font: f_tick }, &yt, &y_labels, y_of)?;
    let mut x_ticks = Vec::new();
    for &t in &xt {
        let x = x_of(t);
        p.line(vec![(x, bottom), (x, bottom + tl)], ink, 1.0)?;
        let label = format_num(t);
        p.text(&label, (x, bottom + tl + p.px(3.0)), f_tick, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
        x_ticks.push(Tick { value: t, px: x, label });
    }
    p.line(vec![(left, top), (left, bottom), (left + pwi, bottom)], ink, 1.0)?;
    let xt_y = (plot_bottom + tick_len + 4.0 * s + f_tick * s * 1.2 + 6.0 * s).round() as i32;
    p.text(&time_label(report, opts), (left + pwi / 2, xt_y), fs, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
    p.text(&y_label, (pad.round() as i32, top + phi / 2), fs, INK, HPos::Center, VPos::Top, Face::Normal, true)?;

    // Reference lines.
    for l in &chart.hlines {
        if ok(l.value) && (!log_y || l.value > 0.0) {
            let y = y_of(l.value);
            p.dashed(vec![(left, y), (left + pwi, y)], RGBAColor(l.color.0, l.color.1, l.color.2, 1.0), 1.2, 5.0, 4.0)?;
            if !l.label.is_empty() {
                p.text(&l.label, (left + pwi - p.px(4.0), y - p.px(3.0)), f_tick, l.color, HPos::Right, VPos::Bottom, Face::Normal, false)?;
            }
        }
    }

    // Bands, then lines.
    if opts.conf_bands {
        for se in &chart.series {
            paint_band(p, se, x_max, &x_of, &y_of)?;
        }
    }
    let mut series_out = Vec::new();
    for (k, se) in chart.series.iter().enumerate() {
        paint_series(p, se, x_max, &x_of, &y_of)?;
        if se.legend {
            series_out.push(LayoutSeries {
                index: k,
                group: se.group.clone(),
                cause: None,
                label: se.label.clone(),
                color: css_color(se.color),
                dashed: se.dash.is_some(),
                y_px: None,
            });
        }
    }

    // Legend (top right, inside the plot).
    paint_legend(p, &chart, fs, (left, top, pwi))?;

    Ok(PlotLayout {
        annotation_strip: 0,
        figure: chart.figure.to_string(),
        width: w,
        height: h,
        plot_left: left,
        plot_top: top,
        plot_width: pwi,
        plot_height: phi,
        x_min: 0.0,
        x_max,
        x_log: false,
        y_min: y_lo,
        y_max: y_hi,
        percent: false,
        x_ticks,
        y_ticks,
        series: series_out,
        risk_table: None,
        legend: Vec::new(),
    })
}

/// The y axis of a chart over [0, `x_max`]: its ends (logs of them on a log axis), tick values
/// and labels.
fn y_axis(chart: &Chart, x_max: f64) -> (f64, f64, Vec<f64>, Vec<String>) {
    // y range: every value inside the x range, and the band limits as far as twice the
    // largest value (linear) or a factor 4 beyond the curves (log axis). Pointwise bands of a
    // smoothed hazard explode at the end of follow-up where few remain at risk; letting them set
    // the axis would flatten the curves, so they are clipped at the plot's edge instead.
    let mut vals: Vec<f64> = Vec::new();
    for se in &chart.series {
        vals.extend(se.pts.iter().filter(|p| p.0 <= x_max && ok(p.1)).map(|p| p.1));
    }
    let (c_lo, c_hi) = if chart.log_y {
        let pos = vals.iter().copied().filter(|v| *v > 0.0);
        (pos.clone().fold(f64::INFINITY, f64::min) / 4.0, pos.fold(0.0, f64::max) * 4.0)
    } else {
        (f64::NEG_INFINITY, vals.iter().copied().fold(0.0, f64::max) * 2.0)
    };
    let curve_vals = vals.len();
    for se in &chart.series {
        for b in se.band.iter().filter(|b| b.0 <= x_max) {
            vals.extend(b.1.iter().chain(b.2.iter()).copied().filter(|v| ok(*v)).map(|v| if curve_vals > 0 { v.clamp(c_lo, c_hi.max(c_lo)) } else { v }));
        }
    }
    vals.extend(chart.hlines.iter().map(|l| l.value).filter(|v| ok(*v)));
    let (y_lo, y_hi, yt): (f64, f64, Vec<f64>) = if chart.log_y {
        let pos: Vec<f64> = vals.iter().copied().filter(|v| *v > 0.0).collect();
        let lo = pos.iter().copied().fold(1.0, f64::min);
        let hi = pos.iter().copied().fold(1.0, f64::max);
        let (a, b, t) = super::forest::log_axis(lo, hi);
        (a.ln(), b.ln(), t)
    } else {
        let top = chart.y_top.unwrap_or_else(|| {
            let m = vals.iter().copied().filter(|v| *v > 0.0).fold(0.0, f64::max);
            if m > 0.0 {
                let st = nice_step(m * 1.05, 5);
                (m * 1.05 / st).ceil() * st
            } else {
                1.0
            }
        });
        let st = nice_step(top, 5);
        (0.0, top, ticks_from(0.0, top, st))
    };
    let y_step = if yt.len() > 1 { (yt[1] - yt[0]).abs() } else { y_hi - y_lo };
    let y_labels: Vec<String> = yt.iter().map(|v| if chart.log_y { tick_text(*v, *v) } else { tick_text(*v, y_step) }).collect();
    (y_lo, y_hi, yt, y_labels)
}

/// A series' pointwise band: one polygon per run of finite limits up to `x_max` (steps when
/// the series is a step function).
fn paint_band<DB: DrawingBackend>(p: &Painter<DB>, se: &Series, x_max: f64, x_of: &dyn Fn(f64) -> i32, y_of: &dyn Fn(f64) -> i32) -> Result<(), String> {
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let mut runs = Vec::new();
    for b in se.band.iter().filter(|b| b.0 <= x_max) {
        match (b.1, b.2) {
            (Some(lo), Some(hi)) if ok(lo) && ok(hi) => run.push((b.0, lo, hi)),
            _ => {
                if !run.is_empty() {
                    runs.push(std::mem::take(&mut run));
                }
            }
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    for r in runs {
        let mut upper = Vec::new();
        let mut lower = Vec::new();
        for (i, &(t, lo, hi)) in r.iter().enumerate() {
            if se.step && i > 0 {
                upper.push((x_of(t), y_of(r[i - 1].2)));
                lower.push((x_of(t), y_of(r[i - 1].1)));
            }
            upper.push((x_of(t), y_of(hi)));
            lower.push((x_of(t), y_of(lo)));
        }
        lower.reverse();
        upper.extend(lower);
        p.polygon(upper, RGBAColor(se.color.0, se.color.1, se.color.2, 0.18))?;
    }
    Ok(())
}

/// A series' line up to `x_max`, broken where its values are not finite.
fn paint_series<DB: DrawingBackend>(p: &Painter<DB>, se: &Series, x_max: f64, x_of: &dyn Fn(f64) -> i32, y_of: &dyn Fn(f64) -> i32) -> Result<(), String> {
    let color = RGBAColor(se.color.0, se.color.1, se.color.2, 1.0);
    let mut seg: Vec<(i32, i32)> = Vec::new();
    let mut segs = Vec::new();
    let mut prev: Option<f64> = None;
    for &(t, v) in se.pts.iter() {
        if t > x_max {
            if let (true, Some(pv)) = (se.step, prev) {
                seg.push((x_of(x_max), y_of(pv)));
            }
            break;
        }
        if !ok(v) {
            if seg.len() > 1 {
                segs.push(std::mem::take(&mut seg));
            }
            seg.clear();
            prev = None;
            continue;
        }
        if let (true, Some(pv)) = (se.step, prev) {
            seg.push((x_of(t), y_of(pv)));
        }
        seg.push((x_of(t), y_of(v)));
        prev = Some(v);
    }
    if seg.len() > 1 {
        segs.push(seg);
    }
    for sg in segs {
        match se.dash {
            Some((d, g)) => p.dashed(sg, color, se.width, d, g)?,
            None => p.line(sg, color, se.width)?,
        }
    }
    Ok(())
}

/// The legend box at the top right inside the plot (`plot`: its left edge, top and width):
/// the series shown in it, then the chart's extra rows.
fn paint_legend<DB: DrawingBackend>(p: &Painter<DB>, chart: &Chart, fs: f64, plot: (i32, i32, i32)) -> Result<(), String> {
    let (left, top, pwi) = plot;
    let s = p.s;
    let mut rows: Vec<(String, RGBColor, Option<(f64, f64)>, f64)> =
        chart.series.iter().filter(|se| se.legend).map(|se| (se.label.clone(), se.color, se.dash, se.width)).collect();
    rows.extend(chart.extra_legend.iter().map(|(l, c, d)| (l.clone(), *c, *d, 1.5)));
    if !rows.is_empty() {
        let f_leg = fs * 0.9;
        let line_w = 26.0 * s;
        let row_h = (f_leg * s * 1.35).round() as i32;
        let text_w = rows.iter().map(|r| p.width(&r.0, f_leg, Face::Normal)).fold(0.0, f64::max);
        let box_w = (line_w + 6.0 * s + text_w + 12.0 * s).round() as i32;
        let box_h = row_h * rows.len() as i32 + p.px(8.0);
        let bx = left + pwi - box_w - p.px(6.0);
        let by = top + p.px(6.0);
        p.rect((bx, by), (bx + box_w, by + box_h), RGBAColor(255, 255, 255, 0.85))?;
        for (i, (label, c, dash, width)) in rows.iter().enumerate() {
            let yc = by + p.px(4.0) + row_h * i as i32 + row_h / 2;
            let x0 = bx + p.px(6.0);
            let seg = vec![(x0, yc), (x0 + line_w as i32, yc)];
            let col = RGBAColor(c.0, c.1, c.2, 1.0);
            match dash {
                Some((d, g)) => p.dashed(seg, col, *width, *d, *g)?,
                None => p.line(seg, col, *width)?,
            }
            p.text(label, (x0 + line_w as i32 + p.px(6.0), yc), f_leg, INK, HPos::Left, VPos::Center, Face::Normal, false)?;
        }
    }
    Ok(())
}

/// Nelson-Aalen cumulative hazard per group with the report's 95% CI (`report.cumhaz`).
///
/// On the layout, `y_min`/`y_max` are cumulative hazards (linear axis).
pub fn draw_cumhaz<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    if report.cumhaz.is_empty() {
        return Err(if report.km.is_empty() {
            "the report has no Kaplan-Meier curves, so no cumulative hazard to draw".to_string()
        } else {
            "the report has no cumulative hazard: run the analysis with \"hazard\": {}".to_string()
        });
    }
    let series = report
        .cumhaz
        .iter()
        .enumerate()
        .filter(|(_, c)| !hidden(opts, &c.group))
        .map(|(i, c)| {
            let mut pts = vec![(0.0, 0.0)];
            let mut band = vec![(0.0, None, None)];
            for st in &c.steps {
                pts.push((st.time, st.cumhaz));
                band.push((st.time, st.lower, st.upper));
            }
            Series {
                label: format!("{} ({})", label_of(&c.group), super::group_n_text(c.n, opts.min_cell)),
                group: c.group.clone(),
                color: color_of(report, &c.group, i),
                pts,
                band,
                step: true,
                dash: None,
                width: 2.0,
                legend: true,
            }
        })
        .collect();
    draw_chart(
        area,
        report,
        opts,
        Chart {
            figure: "cumhaz",
            y_label: "Cumulative hazard (Nelson-Aalen)".to_string(),
            log_y: false,
            y_top: None,
            series,
            hlines: Vec::new(),
            extra_legend: Vec::new(),
        },
    )
}

/// Kernel-smoothed hazard per group with pointwise bands; the legend gives each bandwidth.
pub fn draw_hazard<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    if report.hazard.is_empty() {
        return Err("the report has no smoothed hazard: run the analysis with \"hazard\": {}".to_string());
    }
    let series = report
        .hazard
        .iter()
        .enumerate()
        .filter(|(_, g)| !hidden(opts, &g.group))
        .map(|(i, g)| {
            let bw = g.curve.bandwidth.map(|b| format!(", bandwidth {}", format_num(b))).unwrap_or_default();
            Series {
                label: format!("{}{bw}", label_of(&g.group)),
                group: g.group.clone(),
                color: color_of(report, &g.group, i),
                pts: g.curve.points.iter().map(|p| (p.time, p.hazard)).collect(),
                band: g.curve.points.iter().map(|p| (p.time, p.lower, p.upper)).collect(),
                step: false,
                dash: None,
                width: 2.0,
                legend: true,
            }
        })
        .collect();
    draw_chart(
        area,
        report,
        opts,
        Chart {
            figure: "hazard",
            y_label: format!("Hazard ({})", per_unit(report)),
            log_y: false,
            y_top: None,
            series,
            hlines: Vec::new(),
            extra_legend: Vec::new(),
        },
    )
}

/// Ratio of the two groups' smoothed hazards on a log axis, with reference lines at 1 and at
/// the Cox hazard ratio (when the Cox model has exactly one term).
///
/// On the layout, `y_min`/`y_max` are natural logs of the axis ends.
pub fn draw_hazard_ratio<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    let Some(hr) = report.hazard_ratio.as_ref() else {
        return Err("the report has no hazard ratio curve: it needs exactly two groups and \"hazard\": {}".to_string());
    };
    let nan = |v: Option<f64>| v.filter(|x| x.is_finite() && *x > 0.0).unwrap_or(f64::NAN);
    let bw = hr.curve.bandwidth.map(|b| format!(" (bandwidth {})", format_num(b))).unwrap_or_default();
    let color = RGBColor(0x00, 0x72, 0xB2);
    let series = vec![Series {
        label: format!("{} vs {}{bw}", hr.b, hr.a),
        group: None,
        color,
        pts: hr.curve.points.iter().map(|p| (p.time, nan(p.ratio))).collect(),
        band: hr
            .curve
            .points
            .iter()
            .map(|p| (p.time, p.lower.filter(|v| *v > 0.0), p.upper.filter(|v| *v > 0.0)))
            .collect(),
        step: false,
        dash: None,
        width: 2.0,
        legend: true,
    }];
    let mut hlines = vec![HLine { value: 1.0, label: String::new(), color: GREY }];
    if let Some(cox) = report.cox.as_ref().filter(|c| c.terms.len() == 1) {
        let t = &cox.terms[0];
        if t.hr.is_finite() && t.hr > 0.0 {
            hlines.push(HLine { value: t.hr, label: format!("Cox HR {}", format_num(t.hr)), color: RGBColor(0xD5, 0x5E, 0x00) });
        }
    }
    draw_chart(
        area,
        report,
        opts,
        Chart {
            figure: "hazard_ratio",
            y_label: format!("Hazard ratio, {} / {} (log scale)", hr.b, hr.a),
            log_y: true,
            y_top: None,
            series,
            hlines,
            extra_legend: Vec::new(),
        },
    )
}

/// Dash pattern of each distribution in the overlay.
fn dist_dash(dist: &str) -> Option<(f64, f64)> {
    match dist {
        "exponential" => Some((2.0, 3.0)),
        "weibull" => Some((8.0, 4.0)),
        "lognormal" => Some((14.0, 4.0)),
        _ => Some((4.0, 8.0)),
    }
}

/// Kaplan-Meier curves with the fitted survival of every parametric model overlaid.
pub fn draw_parametric_fit<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    if report.km.is_empty() {
        return Err("the report has no Kaplan-Meier curves to compare the parametric fits with".to_string());
    }
    if report.parametric.is_empty() {
        return Err("the report has no parametric models: run the analysis with \"parametric\": [\"weibull\", ...]".to_string());
    }
    // The fitted curves are the report's (`parametric[].predictions[].curve`): one per group,
    // in the group's colour, when every model predicts each group (its terms are the group
    // column); otherwise — intercept-only models fitted to everyone, or other covariates (at
    // their means) — one curve per model in ink.
    let curve_of = |f: &ParametricReport, g: &Option<String>| f.predictions.iter().find(|p| p.group == *g).map(|p| p.curve.iter().map(|q| (q.time, q.surv)).collect::<Vec<_>>());
    if report.parametric.iter().any(|f| f.predictions.is_empty()) {
        return Err("the report's parametric models carry no predictions: run the analysis again with this version".to_string());
    }
    let mut series = Vec::new();
    let per_group = report.km.len() > 1 && report.parametric.iter().all(|f| f.terms.len() > 1 && report.km.iter().all(|c| c.group.is_some() && curve_of(f, &c.group).is_some()));
    for (i, c) in report.km.iter().enumerate().filter(|(_, c)| !hidden(opts, &c.group)) {
        let color = color_of(report, &c.group, i);
        let mut pts = vec![(0.0, 1.0)];
        let mut band = vec![(0.0, Some(1.0), Some(1.0))];
        for st in c.steps.iter().filter(|s| s.time.is_finite() && s.surv.is_finite()) {
            pts.push((st.time, st.surv));
            band.push((st.time, Some(st.lower).filter(|v| v.is_finite()), Some(st.upper).filter(|v| v.is_finite())));
        }
        series.push(Series {
            label: format!("{} (Kaplan-Meier)", label_of(&c.group)),
            group: c.group.clone(),
            color,
            pts,
            band,
            step: true,
            dash: None,
            width: 2.0,
            legend: true,
        });
        if per_group {
            for f in &report.parametric {
                series.push(Series {
                    label: format!("{} {}", label_of(&c.group), f.dist),
                    group: c.group.clone(),
                    color,
                    pts: curve_of(f, &c.group).unwrap_or_default(),
                    band: Vec::new(),
                    step: false,
                    dash: dist_dash(f.dist),
                    width: 1.5,
                    legend: false,
                });
            }
        }
    }
    if !per_group {
        for f in &report.parametric {
            series.push(Series {
                label: if f.terms.len() > 1 { format!("{} (at covariate means)", f.dist) } else { f.dist.to_string() },
                group: None,
                color: RGBColor(0, 0, 0),
                pts: curve_of(f, &None).unwrap_or_default(),
                band: Vec::new(),
                step: false,
                dash: dist_dash(f.dist),
                width: 1.5,
                legend: false,
            });
        }
    }
    let ink_name = |f: &ParametricReport| {
        if per_group || f.terms.len() <= 1 {
            f.dist.to_string()
        } else {
            format!("{} (covariate means)", f.dist)
        }
    };
    let extra_legend = report.parametric.iter().map(|f| (ink_name(f), INK, dist_dash(f.dist))).collect();
    draw_chart(
        area,
        report,
        opts,
        Chart {
            figure: "parametric_fit",
            y_label: if opts.y_label.trim().is_empty() { "Survival probability".to_string() } else { opts.y_label.clone() },
            log_y: false,
            y_top: Some(1.0),
            series,
            hlines: Vec::new(),
            extra_legend,
        },
    )
}
