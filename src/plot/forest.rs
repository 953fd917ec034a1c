//! Forest plot of a Cox model's hazard ratios (or a Fine-Gray model's subdistribution hazard
//! ratios when the report has no Cox model): one row per term with the name on the left, the
//! estimate as a square and its 95% CI as a line on a log axis with a dashed reference line at
//! 1, and "HR (95% CI)" and p columns on the right.
//!
//! The log axis spans the 1-2-5 series values just outside the smallest lower and largest upper
//! limit (always including 1), clamped to [0.001, 1000]; limits beyond the axis end in an arrow.
//! A term whose estimate is not finite (a coefficient that diverged) is written "not estimable"
//! and not drawn.
//!
//! The frame of every "rows of estimates against one axis" figure lives here too ([`RowPlot`]:
//! title, header band, row shading, reference lines, intervals with arrows, squares, the axis
//! and the layout); the love plot (`love.rs`) and the subgroup forest plot (`subgroups.rs`)
//! draw on it and add only their own columns and markers.

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
    rows_height(opts, n, 28.0, 1.6)
}

// ---------- rows of estimates against one axis: shared by the forest, love and subgroup plots ----------

/// Height in pixels of a row figure of `n` rows of `row` design pixels under a header of
/// `header` text lines (and the title, if any), with the axis below.
pub(crate) fn rows_height(opts: &PlotOptions, n: usize, row: f64, header: f64) -> u32 {
    let s = opts.font_scale.clamp(0.25, 10.0);
    let fs = opts.font_size.clamp(6.0, 40.0);
    let title = if opts.title.as_ref().is_some_and(|t| !t.trim().is_empty()) { fs * 1.25 * s * 1.3 + 4.0 * s } else { 0.0 };
    let top = 12.0 * s + title + fs * s * header;
    let below = 5.0 * s + 4.0 * s + fs * 0.92 * s * 1.2 + 6.0 * s + fs * s * 1.3 + 12.0 * s;
    (top + n.max(1) as f64 * row * s + below).ceil() as u32 + 1
}

/// The horizontal axis of a row figure: a log axis of ratios (1-2-5 ticks, see [`log_axis`])
/// or a linear one from 0, with its title.
pub(crate) struct RowAxis {
    pub min: f64,
    pub max: f64,
    pub log: bool,
    pub ticks: Vec<f64>,
    pub title: String,
}

impl RowAxis {
    /// A log axis covering the ratios [lo, hi] and 1.
    pub fn ratio(lo: f64, hi: f64, title: String) -> RowAxis {
        let (min, max, ticks) = log_axis(lo, hi);
        RowAxis { min, max, log: true, ticks, title }
    }

    /// A linear axis from 0 to `end` with ticks every `step`.
    pub fn linear(end: f64, step: f64, title: String) -> RowAxis {
        let n = (end / step).round() as usize;
        let ticks = (0..=n).map(|k| (k as f64 * step * 1e9).round() / 1e9).collect();
        RowAxis { min: 0.0, max: end, log: false, ticks, title }
    }
}

/// A row figure being drawn: the frame (white background, title, header band, the rows' band,
/// the axis below) and the drawing of what every row figure shares — the title, the rule under
/// the header, row shading, reference lines, an interval with arrows where it leaves the axis, a
/// square estimate, the axis with its ticks and title, and the layout. Each figure draws its own
/// header and columns of text between.
pub(crate) struct RowPlot<'a, DB: DrawingBackend> {
    pub p: Painter<'a, DB>,
    /// Scale, font size, tick font size and outer padding (final pixels for `pad`).
    pub s: f64,
    pub fs: f64,
    pub f_tick: f64,
    pub pad: f64,
    pub w: u32,
    pub h: u32,
    pub wf: f64,
    hf: f64,
    title: Option<String>,
    title_y: f64,
    /// Top of the header band, and of the rows.
    pub header_y: f64,
    pub plot_top: f64,
    /// Set by [`RowPlot::place`].
    pub row_h: f64,
    pub plot_left: f64,
    pub plot_w: f64,
    pub left: i32,
    pub top: i32,
    pub pw: i32,
    pub ph: i32,
    pub bottom: i32,
    rows: usize,
    axis: RowAxis,
}

/// A finite positive ratio (drawable on a log axis).
pub(crate) fn drawable(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

impl<'a, DB: DrawingBackend> RowPlot<'a, DB> {
    /// Validate the options, fill `area` white and lay out the title and a header band of
    /// `header` text lines.
    pub fn begin(area: &'a DrawingArea<DB, Shift>, opts: &PlotOptions, header: f64) -> Result<Self, String> {
        opts.validate()?;
        let p = Painter::new(area, opts.font_scale);
        let s = opts.font_scale;
        let (w, h) = area.dim_in_pixel();
        area.fill(&WHITE).map_err(|e| format!("drawing failed: {e}"))?;
        let fs = opts.font_size;
        let pad = 12.0 * s;
        let title = opts.title.clone().filter(|t| !t.trim().is_empty());
        let mut y = pad;
        let title_y = y;
        if title.is_some() {
            y += fs * 1.25 * s * 1.3 + 4.0 * s;
        }
        let header_y = y;
        y += fs * s * header;
        Ok(RowPlot {
            p,
            s,
            fs,
            f_tick: fs * 0.92,
            pad,
            w,
            h,
            wf: w as f64,
            hf: h as f64,
            title,
            title_y,
            header_y,
            plot_top: y.ceil(),
            row_h: 0.0,
            plot_left: 0.0,
            plot_w: 0.0,
            left: 0,
            top: 0,
            pw: 0,
            ph: 0,
            bottom: 0,
            rows: 0,
            axis: RowAxis { min: 0.0, max: 1.0, log: false, ticks: Vec::new(), title: String::new() },
        })
    }

    fn tick_len(&self) -> f64 {
        5.0 * self.s
    }

    /// Place `rows` rows (at most `max_row` design pixels each) with the plot between
    /// `plot_left` and `plot_right`; an error names the figure (`what`) and its rows (`noun`)
    /// when the area is too narrow or too short.
    #[allow(clippy::too_many_arguments)]
    pub fn place(&mut self, rows: usize, max_row: f64, plot_left: f64, plot_right: f64, axis: RowAxis, what: &str, noun: &str) -> Result<(), String> {
        let s = self.s;
        let plot_w = plot_right - plot_left;
        if plot_w < 120.0 * s {
            return Err(format!("the figure is too narrow ({} px) for the {what}: make it wider or reduce font_scale", self.w));
        }
        let below = self.tick_len() + 4.0 * s + self.f_tick * s * 1.2 + 6.0 * s + self.fs * s * 1.3 + self.pad;
        let row_h = ((self.hf - self.plot_top - below) / rows as f64).min(max_row * s);
        if row_h < self.fs * s * 1.2 {
            return Err(format!("the figure is too short ({} px) for {rows} {noun}: make it taller or reduce font_scale", self.h));
        }
        self.rows = rows;
        self.row_h = row_h;
        self.plot_left = plot_left;
        self.plot_w = plot_w;
        self.left = plot_left as i32;
        self.top = self.plot_top as i32;
        self.pw = plot_w as i32;
        self.ph = (row_h * rows as f64).round() as i32;
        self.bottom = self.top + self.ph;
        self.axis = axis;
        Ok(())
    }

    /// Pixel column of axis value `v` (clamped to the axis).
    pub fn x_of(&self, v: f64) -> i32 {
        let a = &self.axis;
        let v = v.clamp(a.min, a.max);
        let f = if a.log { (v.ln() - a.min.ln()) / (a.max.ln() - a.min.ln()) } else { (v - a.min) / (a.max - a.min) };
        (self.plot_left + f * self.plot_w).round() as i32
    }

    /// Pixel row of the centre of row `i`.
    pub fn y_of(&self, i: usize) -> i32 {
        (self.plot_top + (i as f64 + 0.5) * self.row_h).round() as i32
    }

    /// The axis' ends.
    pub fn axis_range(&self) -> (f64, f64) {
        (self.axis.min, self.axis.max)
    }

    /// The title, centred at the top.
    pub fn title(&self) -> Result<(), String> {
        match &self.title {
            Some(t) => self.p.text(t, ((self.wf / 2.0) as i32, self.title_y.round() as i32), self.fs * 1.25, INK, HPos::Center, VPos::Top, Face::Bold, false),
            None => Ok(()),
        }
    }

    /// The thin rule between the header and the rows, from the left padding to `right`.
    pub fn rule(&self, right: i32) -> Result<(), String> {
        let y = self.top - self.p.px(4.0);
        self.p.line(vec![(self.pad.round() as i32, y), (right, y)], RGBAColor(0x99, 0x99, 0x99, 1.0), 1.0)
    }

    /// Light shading behind every other row (the second, fourth, …) from the left padding to `right`.
    pub fn shade(&self, right: i32) -> Result<(), String> {
        for i in (1..self.rows).step_by(2) {
            let yc = self.y_of(i);
            let half = (self.row_h / 2.0) as i32;
            self.p.rect((self.pad.round() as i32, yc - half), (right, yc + half), RGBAColor(0xF2, 0xF2, 0xF2, 1.0))?;
        }
        Ok(())
    }

    /// A vertical reference line at axis value `v` over the rows: dashed grey (no effect, a
    /// bound) or solid light grey.
    pub fn reference(&self, v: f64, dashed: bool) -> Result<(), String> {
        let x = self.x_of(v);
        if dashed {
            self.p.dashed(vec![(x, self.top), (x, self.bottom)], RGBAColor(GREY.0, GREY.1, GREY.2, 1.0), 1.0, 4.0, 3.0)
        } else {
            self.p.line(vec![(x, self.top), (x, self.bottom)], RGBAColor(0x99, 0x99, 0x99, 1.0), 1.0)
        }
    }

    /// A ratio's 95% interval on row centre `yc`: a line from `lower` to `upper` ending in an
    /// arrow where a limit is not finite or beyond the axis, and the estimate as a square of
    /// `half` design pixels half-side. Nothing for an estimate that is not a finite ratio.
    pub fn estimate(&self, yc: i32, est: f64, lower: f64, upper: f64, half: f64) -> Result<(), String> {
        if !drawable(est) {
            return Ok(());
        }
        let ink = RGBAColor(INK.0, INK.1, INK.2, 1.0);
        let (a, b) = self.axis_range();
        let xl = if drawable(lower) { self.x_of(lower) } else { self.left };
        let xu = if drawable(upper) { self.x_of(upper) } else { self.left + self.pw };
        self.p.line(vec![(xl, yc), (xu, yc)], ink, 1.5)?;
        let arrow = self.p.px(5.0);
        if !drawable(lower) || lower < a {
            self.p.line(vec![(xl + arrow, yc - arrow / 2), (xl, yc), (xl + arrow, yc + arrow / 2)], ink, 1.5)?;
        }
        if !drawable(upper) || upper > b {
            self.p.line(vec![(xu - arrow, yc - arrow / 2), (xu, yc), (xu - arrow, yc + arrow / 2)], ink, 1.5)?;
        }
        let xe = self.x_of(est);
        let half = self.p.px(half);
        self.p.rect((xe - half, yc - half), (xe + half, yc + half), RGBAColor(ESTIMATE.0, ESTIMATE.1, ESTIMATE.2, 1.0))
    }

    /// The axis under the rows: line, ticks, tick labels and title; the ticks drawn.
    pub fn axis(&self) -> Result<Vec<Tick>, String> {
        let ink = RGBAColor(INK.0, INK.1, INK.2, 1.0);
        let (left, pw, bottom) = (self.left, self.pw, self.bottom);
        self.p.line(vec![(left, bottom), (left + pw, bottom)], ink, 1.0)?;
        let tl = self.tick_len().round() as i32;
        let mut x_ticks = Vec::new();
        for &t in &self.axis.ticks {
            let x = self.x_of(t);
            self.p.line(vec![(x, bottom), (x, bottom + tl)], ink, 1.0)?;
            let label = format_num(t);
            self.p.text(&label, (x, bottom + tl + self.p.px(3.0)), self.f_tick, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
            x_ticks.push(Tick { value: t, px: x, label });
        }
        let s = self.s;
        let title_y = (bottom as f64 + self.tick_len() + 4.0 * s + self.f_tick * s * 1.2 + 6.0 * s).round() as i32;
        self.p.text(&self.axis.title, (left + pw / 2, title_y), self.fs, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
        Ok(x_ticks)
    }

    /// The figure's layout: the rows' band, the axis and the rows drawn.
    pub fn layout(&self, figure: &str, x_ticks: Vec<Tick>, series: Vec<LayoutSeries>) -> PlotLayout {
        PlotLayout {
            annotation_strip: 0,
            figure: figure.to_string(),
            width: self.w,
            height: self.h,
            plot_left: self.left,
            plot_top: self.top,
            plot_width: self.pw,
            plot_height: self.ph,
            x_min: self.axis.min,
            x_max: self.axis.max,
            x_log: self.axis.log,
            y_min: 0.0,
            y_max: self.rows as f64,
            percent: false,
            x_ticks,
            y_ticks: Vec::new(),
            series,
            risk_table: None,
            legend: Vec::new(),
        }
    }
}

/// Colour of the estimates' squares (and of the love plot's "after" markers).
pub(crate) const ESTIMATE: RGBColor = RGBColor(0x00, 0x72, 0xB2);

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
    let ok = drawable;
    let mut f = RowPlot::begin(area, opts, 1.6)?;
    let (s, fs, pad, wf) = (f.s, f.fs, f.pad, f.wf);

    let lo = rows.iter().filter(|r| ok(r.est)).map(|r| if ok(r.lower) { r.lower } else { r.est }).fold(1.0, f64::min);
    let hi = rows.iter().filter(|r| ok(r.est)).map(|r| if ok(r.upper) { r.upper } else { r.est }).fold(1.0, f64::max);

    // Columns.
    let ci_texts: Vec<String> = rows.iter().map(|r| format_ratio_ci(r.est, r.lower, r.upper)).collect();
    let p_texts: Vec<String> = rows
        .iter()
        .map(|r| {
            let t = format_p_digits(r.p, opts.p_digits);
            t.strip_prefix("p = ").map(str::to_string).unwrap_or_else(|| t.get(2..).unwrap_or("").to_string())
        })
        .collect();
    let p = &f.p;
    let name_w = rows.iter().map(|r| p.width(&r.name, fs, Face::Normal)).fold(p.width("Variable", fs, Face::Bold), f64::max);
    let ci_w = ci_texts.iter().map(|t| p.width(t, fs, Face::Normal)).fold(p.width(est_name, fs, Face::Bold), f64::max);
    let p_w = p_texts.iter().map(|t| p.width(t, fs, Face::Normal)).fold(p.width("p", fs, Face::Bold), f64::max);
    let col_gap = 18.0 * s;
    let plot_left = (pad + name_w + col_gap).ceil();
    let plot_right = (wf - pad - p_w - col_gap - ci_w - col_gap).floor();
    f.place(rows.len(), 32.0, plot_left, plot_right, RowAxis::ratio(lo, hi, axis_name.to_string()), "forest plot", "terms")?;
    let ci_x = (plot_right + col_gap).round() as i32;
    let p_right = (wf - pad).round() as i32;

    // Title and header.
    f.title()?;
    let p = &f.p;
    let hy = f.header_y.round() as i32;
    p.text("Variable", (pad.round() as i32, hy), fs, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    p.text(est_name, (ci_x, hy), fs, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    let (p_letter, p_face) = if opts.italic_p { ("P", Face::Italic) } else { ("p", Face::Bold) };
    p.text(p_letter, (p_right, hy), fs, INK, HPos::Right, VPos::Top, p_face, false)?;
    f.rule(p_right)?;
    // Shading first, then the line at 1 over it (it runs unbroken through every row).
    f.shade(p_right)?;
    f.reference(1.0, true)?;

    let mut series = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let yc = f.y_of(i);
        p.text(&r.name, (pad.round() as i32, yc), fs, INK, HPos::Left, VPos::Center, Face::Normal, false)?;
        p.text(&ci_texts[i], (ci_x, yc), fs, INK, HPos::Left, VPos::Center, Face::Normal, false)?;
        p.text(&p_texts[i], (p_right, yc), fs, INK, HPos::Right, VPos::Center, Face::Normal, false)?;
        f.estimate(yc, r.est, r.lower, r.upper, 4.5)?;
        series.push(LayoutSeries {
            index: i,
            group: Some(r.name.clone()),
            cause: None,
            label: format!("{} {}", r.name, ci_texts[i]),
            color: css_color(ESTIMATE),
            dashed: false,
            y_px: Some(yc),
        });
    }

    let x_ticks = f.axis()?;
    Ok(f.layout("forest", x_ticks, series))
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
