//! The proportional-hazards residual plot of a Cox model, as R's `plot(cox.zph(fit))`: for each
//! term the scaled Schoenfeld residuals against (Kaplan–Meier-transformed) time, the smoothed
//! β(t) (natural spline, df = 4) with its ± 2 SE band, and reference lines at the model's β
//! (dashed: where a proportional-hazards term's residuals scatter) and at 0. The title names the
//! term and its `cox.zph` test; a term with p < 0.05 is flagged in vermillion ("proportional
//! hazards doubtful").
//!
//! The x axis is drawn in the transformed scale (the scale of the test and the smoother) but
//! labelled in time, as R does: "nice" time values are placed by linear interpolation of the
//! (time, transformed time) pairs of the events. The data come from `report.cox.ph_test.residuals`
//! (see [`crate::stats::zph`]).
//!
//! `PlotOptions::term` chooses one term (one panel filling the area); without it every term is
//! drawn, as small multiples in a grid.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::paint::{Face, Painter, YAxis, GREY, INK};
use super::{css_color, format_num, format_p_digits, nice_step, ticks_from, LayoutSeries, PlotLayout, PlotOptions, Tick};
use crate::report::Report;
use crate::stats::zph::{PhTermTest, ZphPlot, ZphTermPlot, ZphTransform};

/// Flag colour (Okabe–Ito vermillion) and the smoother's colour (blue).
const FLAG: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);

/// Below this p the term's panel is flagged.
pub const FLAG_P: f64 = 0.05;

/// The text of the flag.
pub const FLAG_TEXT: &str = "p < 0.05 — proportional hazards doubtful";

/// Labels with enough decimals for the spacing `step`.
fn tick_text(v: f64, step: f64) -> String {
    if v.abs() < step * 1e-9 {
        return "0".to_string();
    }
    // Decimals of the spacing: 0.5 → 1, 0.25 → 2, 2 → 0.
    let mut places = 0;
    while places < 8 && ((step * 10f64.powi(places as i32)) - (step * 10f64.powi(places as i32)).round()).abs() > 1e-9 {
        places += 1;
    }
    let s = format!("{:.*}", places, v);
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    s.replace('-', "−")
}

/// x-axis ticks: (position in the transformed scale, label).
fn x_ticks(res: &ZphPlot, x_lo: f64, x_hi: f64) -> Vec<(f64, String)> {
    let mut pairs: Vec<(f64, f64)> = res.time.iter().zip(&res.x).map(|(t, x)| (*t, *x)).filter(|(t, x)| t.is_finite() && x.is_finite()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs.dedup_by(|a, b| a.0 == b.0);
    if pairs.is_empty() {
        return Vec::new();
    }
    if res.transform == ZphTransform::Identity {
        let step = nice_step(x_hi - x_lo, 5);
        return ticks_from(x_lo, x_hi, step).into_iter().map(|v| (v, format_num(v))).collect();
    }
    // As plot.cox.zph: 8 positions evenly spread over the transformed scale, the time there
    // rounded to two significant digits (one when that moves it by less than 15%), placed back.
    let interp = |v: f64, from: fn(&(f64, f64)) -> f64, to: fn(&(f64, f64)) -> f64| -> f64 {
        let k = pairs.partition_point(|p| from(p) < v);
        if k == 0 {
            to(&pairs[0])
        } else if k >= pairs.len() {
            to(&pairs[pairs.len() - 1])
        } else {
            let (a, b) = (&pairs[k - 1], &pairs[k]);
            let (fa, fb) = (from(a), from(b));
            if fb > fa { to(a) + (v - fa) / (fb - fa) * (to(b) - to(a)) } else { to(a) }
        }
    };
    let signif = |v: f64, d: i32| -> f64 {
        if v == 0.0 {
            return 0.0;
        }
        let m = 10f64.powi(d - 1 - v.abs().log10().floor() as i32);
        (v * m).round() / m
    };
    let mut out: Vec<(f64, String)> = Vec::new();
    for k in 1..=8 {
        let xp = x_lo + (x_hi - x_lo) * (2 * k - 1) as f64 / 16.0;
        let t = interp(xp, |p| p.1, |p| p.0);
        let t1 = signif(t, 1);
        let t = if t > 0.0 && ((t1 - t) / t).abs() < 0.15 { t1 } else { signif(t, 2) };
        let x = interp(t, |p| p.0, |p| p.1);
        if x >= x_lo - 1e-12 && x <= x_hi + 1e-12 && out.iter().all(|o| o.1 != format_num(t)) {
            out.push((x, format_num(t)));
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

fn time_title(report: &Report, opts: &PlotOptions, tr: ZphTransform) -> String {
    let base = if !opts.time_label.trim().is_empty() {
        opts.time_label.clone()
    } else {
        match report.time_unit {
            Some(u) => format!("Time ({u})"),
            None => "Time".to_string(),
        }
    };
    match tr {
        ZphTransform::Km => format!("{base}, Kaplan–Meier scale"),
        ZphTransform::Rank => format!("{base}, rank scale"),
        ZphTransform::Log => format!("{base}, log scale"),
        ZphTransform::Identity => base,
    }
}

/// Where a panel was drawn, for the layout.
struct Panel {
    left: i32,
    top: i32,
    width: i32,
    height: i32,
    x: (f64, f64),
    y: (f64, f64),
    x_ticks: Vec<Tick>,
    y_ticks: Vec<Tick>,
}

/// Draw one term's panel into `area` (its own coordinates).
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &Report,
    opts: &PlotOptions,
    res: &ZphPlot,
    term: &ZphTermPlot,
    test: Option<&PhTermTest>,
) -> Result<Panel, String> {
    let p = Painter::new(area, opts.font_scale);
    let s = opts.font_scale;
    let (w, h) = area.dim_in_pixel();
    let (wf, hf) = (w as f64, h as f64);
    let fs = opts.font_size;
    let f_tick = fs * 0.92;
    let f_title = fs * 1.1;
    let pad = 10.0 * s;
    let tick_len = 5.0 * s;
    let ink = RGBAColor(INK.0, INK.1, INK.2, 1.0);

    // Ranges: points, smoother, band and the β line (as R, plus β).
    let fin = |v: &&f64| v.is_finite();
    let xs: Vec<f64> = res.x.iter().filter(fin).copied().chain(term.smooth.iter().flat_map(|sm| sm.x.iter().copied())).collect();
    let (x_lo, x_hi) = (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    let mut ys: Vec<f64> = term.y.iter().filter(fin).copied().collect();
    if let Some(sm) = &term.smooth {
        ys.extend(sm.fit.iter().chain(&sm.lower).chain(&sm.upper).filter(fin).copied());
    }
    if term.coef.is_finite() {
        ys.push(term.coef);
    }
    if ys.is_empty() || !(x_hi >= x_lo) {
        return Err(format!("no residuals to draw for the term '{}'", term.name));
    }
    // One point (released at k: fewer than 2k events make one pool): a range around it.
    let (x_lo, x_hi) = if x_hi > x_lo { (x_lo, x_hi) } else { (x_lo - x_lo.abs().max(1.0) * 0.5, x_hi + x_hi.abs().max(1.0) * 0.5) };
    let (mut y_lo, mut y_hi) = (ys.iter().copied().fold(f64::INFINITY, f64::min), ys.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    if !(y_hi - y_lo > 1e-6 * y_lo.abs().max(y_hi.abs())) {
        // One value (or one pooled point on the β line: over all events the residuals' mean is
        // β): a range around it that shows 0 too.
        let c = (y_lo + y_hi) / 2.0;
        let half = if c == 0.0 { 1.0 } else { 1.2 * c.abs() };
        (y_lo, y_hi) = (c - half, c + half);
    }
    let y_step = nice_step(y_hi - y_lo, 5);
    let (y_lo, y_hi) = ((y_lo / y_step).floor() * y_step, (y_hi / y_step).ceil() * y_step);
    let yt = ticks_from(y_lo, y_hi, y_step);
    let y_labels: Vec<String> = yt.iter().map(|v| tick_text(*v, y_step)).collect();
    let xt = x_ticks(res, x_lo, x_hi);

    // Title lines: "name" bold + "PH test p = …"; the flag below when p < 0.05.
    let pv = test.map(|t| t.p).unwrap_or(f64::NAN);
    let flagged = pv.is_finite() && pv < FLAG_P;
    let title_y = pad;
    let mut top_y = title_y + f_title * s * 1.3;
    let flag_y = top_y;
    if flagged {
        top_y += fs * 0.95 * s * 1.3;
    }
    let f_leg = f_tick * 0.95;
    let legend_y = top_y + 2.0 * s;
    top_y = legend_y + f_leg * s * 1.3;
    let lab_w = y_labels.iter().map(|l| p.width(l, f_tick, Face::Normal)).fold(0.0, f64::max);
    let plot_left = (pad + fs * s * 1.3 + 4.0 * s + lab_w + tick_len + 4.0 * s).ceil();
    let plot_right = (wf - pad - 4.0 * s).floor();
    let plot_top = (top_y + 6.0 * s).ceil();
    let plot_bottom = (hf - pad - fs * s * 1.3 - 4.0 * s - f_tick * s * 1.2 - tick_len - 4.0 * s).floor();
    let (pw, ph) = (plot_right - plot_left, plot_bottom - plot_top);
    if pw < 100.0 * s || ph < 70.0 * s {
        return Err(format!("the figure is too small ({w}×{h} px) for the residual plot of '{}': make it larger or reduce font_scale", term.name));
    }
    let (left, top, pwi, phi) = (plot_left as i32, plot_top as i32, pw as i32, ph as i32);
    let bottom = top + phi;
    let x_of = |x: f64| -> i32 { (plot_left + (x - x_lo) / (x_hi - x_lo) * pw).round() as i32 };
    let y_of = |v: f64| -> i32 { (plot_top + (y_hi - v.clamp(y_lo, y_hi)) / (y_hi - y_lo) * ph).round() as i32 };

    paint_heading(&p, opts, term, pv, (title_y, flag_y, legend_y, top_y), plot_left, wf)?;

    // Grid, axes, ticks.
    let tl = tick_len.round() as i32;
    let y_ticks = p.y_ticks(&YAxis { left, width: pwi, tick: tl, grid: RGBAColor(0xEC, 0xEC, 0xEC, 1.0), font: f_tick }, &yt, &y_labels, y_of)?;
    let mut x_ticks_out: Vec<Tick> = Vec::new();
    for (x, label) in &xt {
        let px = x_of(*x);
        // Skip a label that would touch the previous one.
        if let Some(prev) = x_ticks_out.last() {
            let need = (p.width(&prev.label, f_tick, Face::Normal) + p.width(label, f_tick, Face::Normal)) / 2.0 + 8.0 * s;
            if ((px - prev.px) as f64) < need {
                continue;
            }
        }
        p.line(vec![(px, bottom), (px, bottom + tl)], ink, 1.0)?;
        p.text(label, (px, bottom + tl + p.px(3.0)), f_tick, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
        x_ticks_out.push(Tick { value: *x, px, label: label.clone() });
    }
    p.line(vec![(left, top), (left, bottom), (left + pwi, bottom)], ink, 1.0)?;
    let xt_y = (plot_bottom + tick_len + 4.0 * s + f_tick * s * 1.2 + 4.0 * s).round() as i32;
    p.text(&time_title(report, opts, res.transform), (left + pwi / 2, xt_y), fs, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
    let y_title = if opts.y_label.trim().is_empty() { format!("β(t) for {}", term.name) } else { opts.y_label.clone() };
    p.text(&y_title, (pad.round() as i32, top + phi / 2), fs, INK, HPos::Center, VPos::Top, Face::Normal, true)?;

    paint_data(&p, res, term, (y_lo, y_hi), &x_of, &y_of, (left, top, pwi), f_tick)?;
    Ok(Panel { left, top, width: pwi, height: phi, x: (x_lo, x_hi), y: (y_lo, y_hi), x_ticks: x_ticks_out, y_ticks })
}

/// A panel's heading: the term's name and its PH test p (flagged below `FLAG_P`), then the
/// legend row (smoother, Cox β, residual dots, as far as they fit). `rows`: the title's, the
/// flag's and the legend's top and the heading's bottom, in pixels.
fn paint_heading<DB: DrawingBackend>(p: &Painter<DB>, opts: &PlotOptions, term: &ZphTermPlot, pv: f64, rows: (f64, f64, f64, f64), plot_left: f64, wf: f64) -> Result<(), String> {
    let (title_y, flag_y, legend_y, top_y) = rows;
    let s = p.s;
    let fs = opts.font_size;
    let (f_title, f_leg) = (fs * 1.1, fs * 0.92 * 0.95);
    let pad = 10.0 * s;
    let flagged = pv.is_finite() && pv < FLAG_P;
    // Title.
    let tx = pad.round() as i32;
    let mut name_x = tx;
    if flagged {
        p.rect((tx, title_y.round() as i32), (tx + p.px(4.0), (top_y).round() as i32), RGBAColor(FLAG.0, FLAG.1, FLAG.2, 1.0))?;
        name_x += p.px(10.0);
    }
    p.text(&term.name, (name_x, title_y.round() as i32), f_title, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    let p_text = format!("PH test {}", format_p_digits(pv, opts.p_digits));
    let p_text = if opts.italic_p { p_text.replace("p ", "P ") } else { p_text };
    let name_w = p.advance(&term.name, f_title, Face::Bold);
    p.text(&p_text, (name_x + (name_w + 10.0 * s).round() as i32, (title_y + (f_title - fs) * s * 0.8).round() as i32), fs, if flagged { FLAG } else { GREY }, HPos::Left, VPos::Top, if flagged { Face::Bold } else { Face::Normal }, false)?;
    if flagged {
        p.text(FLAG_TEXT, (name_x, flag_y.round() as i32), fs * 0.95, FLAG, HPos::Left, VPos::Top, Face::Normal, false)?;
    }
    // Legend row: the smoother, the Cox β line, the residual dots (as far as they fit).
    let beta_text = format!("Cox β = {}", tick_text(term.coef, 10f64.powi((term.coef.abs().max(1e-12).log10().floor() as i32) - 1)));
    let sample = 18.0 * s;
    let items: [(&str, u8); 3] = [("β(t), spline ± 2 SE", 0), (&beta_text, 1), ("scaled Schoenfeld residuals", 2)];
    let mut lx = plot_left;
    let ly = (legend_y + f_leg * s * 0.65).round() as i32;
    for (text, kind) in items {
        let wd = sample + 5.0 * s + p.width(text, f_leg, Face::Normal);
        if lx + wd > wf - pad {
            break;
        }
        let (a, b) = (lx.round() as i32, (lx + sample).round() as i32);
        match kind {
            0 => {
                p.rect((a, ly - p.px(4.0)), (b, ly + p.px(4.0)), RGBAColor(BLUE.0, BLUE.1, BLUE.2, 0.16))?;
                p.line(vec![(a, ly), (b, ly)], RGBAColor(BLUE.0, BLUE.1, BLUE.2, 1.0), 2.2)?;
            }
            1 => p.dashed(vec![(a, ly), (b, ly)], RGBAColor(GREY.0, GREY.1, GREY.2, 1.0), 1.2, 5.0, 4.0)?,
            _ => p.circle(((a + b) / 2, ly), 2.2, RGBAColor(0x44, 0x44, 0x44, 0.6))?,
        }
        p.text(text, ((lx + sample + 5.0 * s).round() as i32, ly), f_leg, GREY, HPos::Left, VPos::Center, Face::Normal, false)?;
        lx += wd + 14.0 * s;
    }
    Ok(())
}

/// A panel's contents: the reference lines (0 and the model's β), the residuals, the
/// smoother and its band (`plot`: the plot's left edge, top and width).
#[allow(clippy::too_many_arguments)]
fn paint_data<DB: DrawingBackend>(p: &Painter<DB>, res: &ZphPlot, term: &ZphTermPlot, y: (f64, f64), x_of: &dyn Fn(f64) -> i32, y_of: &dyn Fn(f64) -> i32, plot: (i32, i32, i32), f_tick: f64) -> Result<(), String> {
    let ((y_lo, y_hi), (left, top, pwi)) = (y, plot);
    // Reference lines: 0 (solid, light) and the model's β (dashed).
    if y_lo < 0.0 && y_hi > 0.0 && (term.coef.abs() > (y_hi - y_lo) * 0.02) {
        let y0 = y_of(0.0);
        p.line(vec![(left, y0), (left + pwi, y0)], RGBAColor(0xA0, 0xA0, 0xA0, 1.0), 1.0)?;
    }
    if term.coef.is_finite() {
        let yb = y_of(term.coef);
        p.dashed(vec![(left, yb), (left + pwi, yb)], RGBAColor(GREY.0, GREY.1, GREY.2, 1.0), 1.2, 5.0, 4.0)?;
    }

    // Residuals: small translucent dots, drawn first so the smoother stays on top.
    let dot = RGBAColor(0x44, 0x44, 0x44, if term.y.len() > 600 { 0.28 } else { 0.5 });
    let r = if term.y.len() > 600 { 1.6 } else { 2.2 };
    for (x, y) in res.x.iter().zip(&term.y) {
        if x.is_finite() && y.is_finite() {
            p.circle((x_of(*x), y_of(*y)), r, dot)?;
        }
    }
    // Band and smoother.
    if let Some(sm) = &term.smooth {
        let mut poly: Vec<(i32, i32)> = sm.x.iter().zip(&sm.upper).map(|(x, u)| (x_of(*x), y_of(*u))).collect();
        poly.extend(sm.x.iter().zip(&sm.lower).rev().map(|(x, l)| (x_of(*x), y_of(*l))));
        p.polygon(poly, RGBAColor(BLUE.0, BLUE.1, BLUE.2, 0.16))?;
        let blue = RGBAColor(BLUE.0, BLUE.1, BLUE.2, 1.0);
        for edge in [&sm.upper, &sm.lower] {
            p.dashed(sm.x.iter().zip(edge.iter()).map(|(x, v)| (x_of(*x), y_of(*v))).collect(), blue, 1.0, 4.0, 3.0)?;
        }
        p.line(sm.x.iter().zip(&sm.fit).map(|(x, v)| (x_of(*x), y_of(*v))).collect(), blue, 2.2)?;
    } else {
        p.text("too few distinct event times for the smoother", (left + pwi / 2, top + p.px(4.0)), f_tick, GREY, HPos::Center, VPos::Top, Face::Italic, false)?;
    }
    Ok(())
}

/// Grid of small multiples for `n` panels in a `w`-pixel-wide figure at scale `s`: (rows, cols).
pub fn grid_shape(n: usize, w: u32, s: f64) -> (usize, usize) {
    let min_w = 340.0 * s;
    let cols = ((w as f64 / min_w).floor() as usize).clamp(1, 3).min(n.max(1));
    (n.max(1).div_ceil(cols), cols)
}

/// Draw the residual plot of `report` into `area` (filled white): the term `opts.term`, or all
/// terms as small multiples.
pub fn draw_zph<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    opts.validate()?;
    let cox = report.cox.as_ref().ok_or("the report has no Cox model: add covariates to the analysis to check proportional hazards")?;
    let ph = cox.ph_test.as_ref().ok_or("the proportional-hazards test of this Cox model could not be computed")?;
    let res = ph.residuals.as_ref().ok_or("the Schoenfeld residuals of this Cox model could not be computed")?;
    let chosen: Vec<usize> = match &opts.term {
        Some(name) => {
            let k = res.terms.iter().position(|t| &t.name == name).ok_or_else(|| {
                format!("the Cox model has no term '{name}' (terms: {})", res.terms.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "))
            })?;
            vec![k]
        }
        None => (0..res.terms.len()).collect(),
    };
    if chosen.is_empty() {
        return Err("the Cox model has no terms to check".to_string());
    }
    area.fill(&WHITE).map_err(|e| format!("drawing failed: {e}"))?;
    let (w, h) = area.dim_in_pixel();
    let (rows, cols) = if chosen.len() == 1 { (1, 1) } else { grid_shape(chosen.len(), w, opts.font_scale) };
    let cells = area.split_evenly((rows, cols));
    let mut first: Option<Panel> = None;
    let mut series = Vec::new();
    for (cell, &k) in cells.iter().zip(&chosen) {
        let term = &res.terms[k];
        let test = ph.terms.iter().find(|t| t.name == term.name);
        let panel = draw_panel(cell, report, opts, res, term, test)?;
        let flagged = test.is_some_and(|t| t.p.is_finite() && t.p < FLAG_P);
        let (_, oy) = cell.get_base_pixel();
        let (_, ay) = area.get_base_pixel();
        series.push(LayoutSeries {
            index: k,
            group: Some(term.name.clone()),
            cause: None,
            label: if flagged { format!("{} ({FLAG_TEXT})", term.name) } else { term.name.clone() },
            color: css_color(if flagged { FLAG } else { BLUE }),
            dashed: false,
            y_px: Some(oy - ay + panel.top),
        });
        if first.is_none() {
            first = Some(panel);
        }
    }
    let f = first.ok_or("nothing drawn")?;
    Ok(PlotLayout {
        annotation_strip: 0,
        figure: "zph".to_string(),
        width: w,
        height: h,
        plot_left: f.left,
        plot_top: f.top,
        plot_width: f.width,
        plot_height: f.height,
        x_min: f.x.0,
        x_max: f.x.1,
        x_log: false,
        y_min: f.y.0,
        y_max: f.y.1,
        percent: false,
        x_ticks: f.x_ticks,
        y_ticks: f.y_ticks,
        series,
        risk_table: None,
        legend: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_follow_the_spacing() {
        assert_eq!(tick_text(0.5, 0.5), "0.5");
        assert_eq!(tick_text(-1.0, 0.5), "−1");
        assert_eq!(tick_text(0.25, 0.25), "0.25");
        assert_eq!(tick_text(2.0, 1.0), "2");
        assert_eq!(tick_text(-0.2, 0.1), "−0.2");
    }

    #[test]
    fn grid_of_small_multiples() {
        assert_eq!(grid_shape(3, 1200, 1.0), (1, 3));
        assert_eq!(grid_shape(3, 800, 1.0), (2, 2));
        assert_eq!(grid_shape(2, 300, 1.0), (2, 1));
        assert_eq!(grid_shape(5, 1200, 1.0), (2, 3));
    }
}
