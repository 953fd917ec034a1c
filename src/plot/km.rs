//! The Kaplan-Meier figure (and its cumulative-incidence variants) as journals print it.
//!
//! What is drawn, in order: CI bands (translucent step polygons), landmark lines, median drop
//! lines, the step curves, censor marks, the axes (left and bottom only, outward ticks, no grid),
//! the legend above the plot, a text block with the medians and the test's p value placed in the
//! corner of the plot that the curves leave empty, the landmark values, and the number-at-risk
//! table below the x axis with one column exactly under each x tick.
//!
//! Step curves: S(t) is right-continuous, so a curve is drawn from (0, 1) horizontally to each
//! step time, then vertically to the new value; consecutive points falling on the same pixel
//! column are merged (a curve of 10^5 steps draws at most a few points per pixel column).
//!
//! Number at risk at a tick time t: the `n_risk` of the first step at or after t (the number
//! still followed just before t, as `summary(survfit, times=)` reports), 0 past the last step.
//!
//! Competing risks (`report.cuminc`): one curve per group × cause, solid for the event of
//! interest and dashed for the competing event; their bands use the log(−log) transform
//! F^exp(±1.96·√var / (F·ln F)) of cmprsk's variance (as tidycmprsk); Gray's test p per cause.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::paint::{Face, Painter, GREY, INK};
use super::{
    LegendEntryLayout,
    axis_step, css_color, format_num, format_p_digits, group_color, grey_of_group, nice_step, ticks_from, LayoutSeries, LineType, PlotLayout, PlotOptions, Style,
    RiskRowLayout, RiskTableLayout, Tick,
};
use crate::report::Report;
use crate::stats::km::KmStep;

/// A curve ready to draw, in plotted units (probability; 1 − S in cumulative displays).
struct Curve {
    index: usize,
    group: Option<String>,
    cause: Option<&'static str>,
    color: RGBColor,
    dashed: bool,
    /// Line type (solid in colour; per group in the grey style).
    line: LineType,
    /// Legend text.
    label: String,
    /// Risk-table row label.
    short: String,
    /// Value before the first step.
    start: f64,
    /// (time, value from this time on).
    knots: Vec<(f64, f64)>,
    /// (time, lower, upper) from this time on; non-finite where undefined.
    band: Vec<(f64, f64, f64)>,
    /// (time, value) of censorings.
    censors: Vec<(f64, f64)>,
    /// Last time of follow-up.
    end: f64,
    median: Option<(f64, Option<f64>, Option<f64>)>,
    /// A group of fewer than k (disclosure control): its median is withheld, not "not reached".
    withheld: Option<u32>,
    /// KM steps for the number-at-risk table.
    steps: Option<Vec<(f64, f64)>>,
    /// (time, events, censored) of each step, for the KMunicate rows: from the report the
    /// counts are taken from (the unprotected one when the figure is protected).
    tally: Option<Vec<(f64, f64, f64, f64)>>,
    /// Disclosure control cut the curve at `end` (a report from `crate::disclosure::protect`
    /// ends a cut curve with a step of unknown estimate and number at risk): drawn as a bar.
    cut: bool,
}

impl Curve {
    /// Plotted value at time t.
    fn value_at(&self, t: f64) -> f64 {
        match self.knots.partition_point(|k| k.0 <= t) {
            0 => self.start,
            i => self.knots[i - 1].1,
        }
    }
    /// Smallest and largest plotted value (curve, and band when `band`) over [a, b].
    fn range_over(&self, a: f64, b: f64, band: bool) -> Option<(f64, f64)> {
        if a > self.end {
            return None;
        }
        let b = b.min(self.end);
        let v0 = self.value_at(a);
        let (mut lo, mut hi) = (v0, v0);
        let first = self.knots.partition_point(|k| k.0 <= a);
        for k in &self.knots[first..] {
            if k.0 > b {
                break;
            }
            lo = lo.min(k.1);
            hi = hi.max(k.1);
        }
        if band {
            let i0 = self.band.partition_point(|k| k.0 <= a).saturating_sub(1);
            for k in &self.band[i0..] {
                if k.0 > b {
                    break;
                }
                if k.1.is_finite() {
                    lo = lo.min(k.1);
                }
                if k.2.is_finite() {
                    hi = hi.max(k.2);
                }
            }
        }
        Some((lo, hi))
    }
}

/// Number at risk at time `t` from KM steps `(time, n_risk)`: the `n_risk` of the first step
/// with time ≥ t; 0 past the last step.
pub fn n_at_risk(steps: &[(f64, f64)], t: f64) -> f64 {
    let i = steps.partition_point(|s| s.0 < t);
    steps.get(i).map_or(0.0, |s| s.1)
}

/// Number at risk at time `t` from a curve's steps.
pub fn n_at_risk_steps(steps: &[KmStep], t: f64) -> f64 {
    let i = steps.partition_point(|s| s.time < t);
    steps.get(i).map_or(0.0, |s| s.n_risk)
}

fn label_of(group: &Option<String>) -> String {
    group.clone().unwrap_or_else(|| "All".to_string())
}

/// A label cut to `max` characters with an ellipsis (risk-table rows must leave room for the
/// plot).
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn finite_or_nan(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        f64::NAN
    }
}

/// Colour and line type of the `i`-th group level (`single`: the only curve).
fn look(i: usize, single: bool, opts: &PlotOptions) -> (RGBColor, LineType) {
    match opts.style {
        Style::Grey => (if single { RGBColor(0, 0, 0) } else { grey_of_group(i) }, if single { LineType::Solid } else { LineType::of_group(i) }),
        Style::Colour => (if single { RGBColor(0, 0, 0) } else { group_color(i) }, LineType::Solid),
    }
}

fn km_curves(report: &Report, opts: &PlotOptions) -> Vec<Curve> {
    km_curves_counted(report, opts, report)
}

/// The Kaplan-Meier curves of `report`, with the KMunicate tallies of `counts` (the same
/// analysis unprotected, or `report` itself).
fn km_curves_counted(report: &Report, opts: &PlotOptions, counts: &Report) -> Vec<Curve> {
    let cum = opts.cumulative;
    let tr = |v: f64| if cum { 1.0 - v } else { v };
    report
        .km
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.group.as_ref().is_some_and(|g| opts.hidden_groups.contains(g)))
        .map(|(i, c)| {
            let mut knots = Vec::with_capacity(c.steps.len());
            let mut band = Vec::with_capacity(c.steps.len() + 1);
            let mut censors = Vec::new();
            band.push((0.0, tr(1.0), tr(1.0)));
            for s in c.steps.iter().filter(|s| s.time.is_finite() && s.surv.is_finite()) {
                let v = tr(s.surv);
                knots.push((s.time, v));
                let (lo, hi) = (finite_or_nan(s.lower), finite_or_nan(s.upper));
                band.push(if cum { (s.time, 1.0 - hi, 1.0 - lo) } else { (s.time, lo, hi) });
                if s.n_censor > 0.0 {
                    censors.push((s.time, v));
                }
            }
            let end = knots.last().map_or(0.0, |k| k.0);
            let cut = opts.min_cell.is_some() && !knots.is_empty() && c.steps.last().is_some_and(|s| s.surv.is_nan() && s.n_risk.is_nan());
            let label = format!("{} ({}{})", label_of(&c.group), super::group_n_text(c.n, opts.min_cell), crate::adjust::weighted_n_text(report, &c.group, opts.min_cell));
            let (color, line) = look(i, report.km.len() == 1, opts);
            let tally = counts
                .km
                .iter()
                .find(|x| x.group == c.group)
                .filter(|x| x.steps.iter().all(|s| s.n_event.is_finite() && s.n_censor.is_finite()))
                .map(crate::disclosure::risk_steps);
            Curve {
                index: i,
                group: c.group.clone(),
                cause: None,
                color,
                line,
                tally,
                dashed: false,
                label,
                short: truncate(&label_of(&c.group), 24),
                start: tr(1.0),
                knots,
                band,
                censors,
                end,
                median: c.median.filter(|m| m.is_finite()).map(|m| (m, c.median_lower, c.median_upper)),
                withheld: opts.min_cell.filter(|&k| (c.n as u64) < k as u64),
                steps: Some(c.steps.iter().map(|s| (s.time, s.n_risk)).collect()),
                cut,
            }
        })
        .collect()
}

fn cuminc_curves(report: &Report, opts: &PlotOptions) -> Vec<Curve> {
    // Colour by the group's position among the levels (report.groups, else first appearance).
    let mut levels: Vec<Option<String>> = report.groups.iter().cloned().map(Some).collect();
    for c in &report.cuminc {
        if !levels.contains(&c.group) {
            levels.push(c.group.clone());
        }
    }
    report
        .cuminc
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.group.as_ref().is_some_and(|g| opts.hidden_groups.contains(g)))
        .map(|(i, c)| {
            let gi = levels.iter().position(|l| *l == c.group).unwrap_or(0);
            let competing = c.cause == "competing";
            let mut knots = Vec::with_capacity(c.steps.len());
            let mut band = Vec::with_capacity(c.steps.len() + 1);
            band.push((0.0, 0.0, 0.0));
            for s in c.steps.iter().filter(|s| s.time.is_finite() && s.estimate.is_finite()) {
                knots.push((s.time, s.estimate));
                // The report's band (stats::cuminc::loglog_band).
                band.push((s.time, s.lower, s.upper));
            }
            let end = knots.last().map_or(0.0, |k| k.0);
            let cause = if competing { "competing event" } else { "event" };
            let g = label_of(&c.group);
            let (color, line) = look(gi, levels.len() == 1, opts);
            // Grey style: the group's line type; the competing event in a light grey.
            let color = if opts.style == Style::Grey && competing { RGBColor(0x99, 0x99, 0x99) } else { color };
            Curve {
                index: i,
                group: c.group.clone(),
                cause: Some(c.cause),
                color,
                line,
                tally: None,
                dashed: competing && opts.style == Style::Colour,
                label: if c.group.is_some() { format!("{g}, {cause}") } else { cause.to_string() },
                short: truncate(&g, 24),
                start: 0.0,
                knots,
                band,
                censors: Vec::new(),
                cut: false,
                end,
                median: None,
                withheld: None,
                steps: None,
            }
        })
        .collect()
}

/// What a drawn curve shows at one time (the page's hover read-out).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CurveValue {
    /// Index into `report.km` or `report.cuminc`, as in [`PlotLayout::series`].
    pub index: usize,
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    pub label: String,
    /// The plotted value (S, 1 − S or cumulative incidence; a probability) and its 95% CI
    /// (`None` where undefined).
    pub estimate: f64,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// Number at risk at this time (Kaplan-Meier only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_risk: Option<f64>,
    /// "<k" when the number at risk is below the disclosure threshold (`min_cell`) and so left
    /// out of `n_risk`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_risk_suppressed: Option<String>,
}

/// Every drawn curve's value at time `t` (the curves `draw_survival` draws with `opts`), for
/// hover: map the pointer's x to `t` with the [`PlotLayout`], call this. Curves whose follow-up
/// ends before `t` are left out.
pub fn values_at(report: &Report, opts: &PlotOptions, t: f64) -> Vec<CurveValue> {
    if !t.is_finite() || t < 0.0 {
        return Vec::new();
    }
    let curves = if report.km.is_empty() { cuminc_curves(report, opts) } else { km_curves(report, opts) };
    curves
        .iter()
        .filter(|c| t <= c.end)
        .map(|c| {
            let i = c.band.partition_point(|b| b.0 <= t);
            let (lo, hi) = if i == 0 { (f64::NAN, f64::NAN) } else { (c.band[i - 1].1, c.band[i - 1].2) };
            CurveValue {
                index: c.index,
                group: c.group.clone(),
                cause: c.cause.map(str::to_string),
                label: c.label.clone(),
                estimate: c.value_at(t),
                lower: Some(lo).filter(|v| v.is_finite()),
                upper: Some(hi).filter(|v| v.is_finite()),
                n_risk: c.steps.as_ref().map(|s| n_at_risk(s, t)).filter(|n| super::suppressed_count(*n, opts.min_cell).is_none()),
                n_risk_suppressed: c.steps.as_ref().and_then(|s| super::suppressed_count(n_at_risk(s, t), opts.min_cell)),
            }
        })
        .collect()
}

/// Pixel mapping of the plot area.
#[derive(Clone, Copy)]
struct Map {
    left: i32,
    top: i32,
    w: i32,
    h: i32,
    x_max: f64,
    y_max: f64,
}

impl Map {
    fn x(&self, t: f64) -> i32 {
        (self.left as f64 + t / self.x_max * self.w as f64).round() as i32
    }
    fn y(&self, v: f64) -> i32 {
        let v = v.clamp(0.0, self.y_max);
        (self.top as f64 + (self.y_max - v) / self.y_max * self.h as f64).round() as i32
    }
    fn t_of(&self, x: i32) -> f64 {
        (x - self.left) as f64 / self.w as f64 * self.x_max
    }
    fn v_of(&self, y: i32) -> f64 {
        self.y_max - (y - self.top) as f64 / self.h as f64 * self.y_max
    }
}

/// The study design's landmark (the spec's `landmark`, not the `times` read off the curves):
/// without reset, a solid line at L labelled "Landmark L" (the curves start there: only patients
/// at risk at L); with the clock reset, time 0 is the landmark, labelled "Landmark L: time from here".
fn design_landmark<DB: DrawingBackend>(p: &Painter<DB>, m: &Map, report: &Report, x_end: f64, size: f64) -> Result<(), String> {
    let Some(lm) = report.spec.as_ref().and_then(|s| s.landmark.as_ref()) else { return Ok(()) };
    let label = format!("Landmark {}", format_num(lm.time));
    let (t, text) = if lm.reset { (0.0, format!("{label}: time from here")) } else { (lm.time, label) };
    if t > x_end {
        return Ok(());
    }
    let x = m.x(t);
    if !lm.reset {
        p.line(vec![(x, m.top), (x, m.top + m.h)], solid(GREY), 1.5)?;
    }
    p.text(&text, (x + p.px(4.0), m.top + m.h - p.px(4.0)), size, GREY, HPos::Left, VPos::Bottom, Face::Normal, false)
}

/// Merge consecutive points on the same pixel column (or row) into the first and last of the
/// run, and drop exact repeats.
fn thin(points: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(points.len().min(4096));
    for p in points {
        if out.last() == Some(&p) {
            continue;
        }
        let n = out.len();
        if n >= 2 && ((out[n - 1].0 == p.0 && out[n - 2].0 == p.0) || (out[n - 1].1 == p.1 && out[n - 2].1 == p.1)) {
            out[n - 1] = p;
            continue;
        }
        out.push(p);
    }
    out
}

/// The step path of a curve, clipped at `x_end`.
fn step_path(c: &Curve, m: &Map, x_end: f64) -> Vec<(i32, i32)> {
    let mut pts = Vec::with_capacity(2 * c.knots.len() + 2);
    let mut v = c.start;
    pts.push((m.x(0.0), m.y(v)));
    for &(t, nv) in &c.knots {
        if t > x_end {
            break;
        }
        pts.push((m.x(t), m.y(v)));
        pts.push((m.x(t), m.y(nv)));
        v = nv;
    }
    pts.push((m.x(c.end.min(x_end)), m.y(v)));
    thin(pts)
}

/// Band polygons (one per run of finite limits), clipped at `x_end`.
/// The censor marks of one curve ("+" of half-width `arm` and stroke `width` px at each mark)
/// as ONE polygon to fill: a figure of a 10^4-row cohort has thousands of marks, and one fill
/// per curve replaces two strokes per mark (each a call out of wasm and a draw of its own).
///
/// The "+" is the union of a horizontal and a vertical bar. Bars on the same row (column) that
/// overlap or touch are merged first — marks a few pixels apart on a flat stretch of the curve
/// become one bar — so the pixels covered are exactly those of the separate marks. Each bar is
/// a clockwise rectangle closed on its first corner; the path then goes on to the next bar's
/// first corner, and after the last bar walks the same corners back to the first, so every
/// connecting edge is traversed once each way and encloses nothing: under the non-zero rule
/// (canvas and SVG default) the filled area is the union of the bars.
fn censor_mark_outline(marks: &[(i32, i32)], arm: i32, width: i32) -> Vec<(i32, i32)> {
    let lo = width / 2;
    // Bars as (row or column start, its end, along start, along end).
    let mut rows: Vec<(i32, i32, i32, i32)> = marks.iter().map(|&(x, y)| (y - lo, y - lo + width, x - arm, x + arm)).collect();
    let mut cols: Vec<(i32, i32, i32, i32)> = marks.iter().map(|&(x, y)| (x - lo, x - lo + width, y - arm, y + arm)).collect();
    let merge = |bars: &mut Vec<(i32, i32, i32, i32)>| {
        bars.sort_unstable();
        let mut out: Vec<(i32, i32, i32, i32)> = Vec::with_capacity(bars.len());
        for &b in bars.iter() {
            match out.last_mut() {
                Some(last) if (last.0, last.1) == (b.0, b.1) && b.2 <= last.3 => last.3 = last.3.max(b.3),
                _ => out.push(b),
            }
        }
        *bars = out;
    };
    merge(&mut rows);
    merge(&mut cols);
    // Corners in screen coordinates (y down), clockwise from the top left.
    let rects = rows
        .iter()
        .map(|&(y0, y1, x0, x1)| (x0, y0, x1, y1))
        .chain(cols.iter().map(|&(x0, x1, y0, y1)| (x0, y0, x1, y1)));
    let mut path = Vec::with_capacity((rows.len() + cols.len()) * 6);
    let mut firsts = Vec::with_capacity(rows.len() + cols.len());
    for (x0, y0, x1, y1) in rects {
        path.extend([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]);
        firsts.push((x0, y0));
    }
    firsts.pop();
    path.extend(firsts.into_iter().rev());
    path
}

fn band_polygons(c: &Curve, m: &Map, x_end: f64) -> Vec<Vec<(i32, i32)>> {
    let stop = c.end.min(x_end);
    let mut runs: Vec<Vec<(f64, f64, f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64, f64, f64)> = Vec::new();
    for (i, &(t, lo, hi)) in c.band.iter().enumerate() {
        if t >= stop {
            break;
        }
        let next = c.band.get(i + 1).map_or(stop, |b| b.0).min(stop);
        if lo.is_finite() && hi.is_finite() && next > t {
            cur.push((t, next, lo, hi));
        } else if !(lo.is_finite() && hi.is_finite()) && !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs.into_iter()
        .map(|run| {
            let mut upper = Vec::with_capacity(2 * run.len());
            for &(a, b, _, hi) in &run {
                upper.push((m.x(a), m.y(hi)));
                upper.push((m.x(b), m.y(hi)));
            }
            let mut lower = Vec::with_capacity(2 * run.len());
            for &(a, b, lo, _) in run.iter().rev() {
                lower.push((m.x(b), m.y(lo)));
                lower.push((m.x(a), m.y(lo)));
            }
            let mut pts = thin(upper);
            pts.extend(thin(lower));
            pts
        })
        .collect()
}

fn with_alpha(c: RGBColor, a: f64) -> RGBAColor {
    RGBAColor(c.0, c.1, c.2, a)
}

fn solid(c: RGBColor) -> RGBAColor {
    with_alpha(c, 1.0)
}

/// Name of the test whose p the figure writes.
fn test_name(report: &Report) -> &'static str {
    match &report.spec {
        Some(s) if s.strata.is_some() => "Stratified log-rank",
        Some(s) if (s.rho - 1.0).abs() < 1e-12 => "Peto-Peto",
        Some(s) if s.rho != 0.0 => "Harrington-Fleming",
        _ => "Log-rank",
    }
}

/// One line of the annotation block: runs of (text, face) in one colour.
struct Line {
    parts: Vec<(String, Face)>,
    color: RGBColor,
}

/// A p statement "`prefix`p = 0.0013" split so that p can be italic.
fn p_line(prefix: &str, p: f64, opts: &PlotOptions, color: RGBColor) -> Line {
    let text = format_p_digits(p, opts.p_digits);
    let rest = text.get(1..).unwrap_or("").to_string();
    if !opts.italic_p {
        return Line { parts: vec![(format!("{prefix}{text}"), Face::Normal)], color };
    }
    Line { parts: vec![(prefix.to_string(), Face::Normal), ("P".to_string(), Face::Italic), (rest, Face::Normal)], color }
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

/// Draw the survival figure of `report` into `area` (the whole area; it is filled white).
///
/// Kaplan-Meier curves when `report.km` is non-empty, else the competing-risks cumulative
/// incidence curves of `report.cuminc`. Errors (never panics) when there is nothing to draw,
/// an option is invalid, or the area is too small for the figure.
pub fn draw_survival<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    draw_survival_counted(area, report, opts, report)
}

/// [`draw_survival`] of a protected `report` whose KMunicate rows (censored, events) come from
/// `counts`, the same analysis before protection: its cumulative counts at the ticks are
/// written as the numbers at risk are (below `min_cell` "<k", else rounded up to a multiple
/// of k), and not at all ("–") where the protected curve is cut.
///
/// Two steps: [`SurvivalLayout::new`] decides every position (pure), the `paint_*` functions
/// draw in a fixed order (bands, landmark and median lines, curves, axes, legend, annotation,
/// landmark values, risk table).
pub fn draw_survival_counted<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions, counts: &Report) -> Result<PlotLayout, String> {
    let frame = super::Frame::new(area, opts)?;
    let lay = SurvivalLayout::new(report, opts, counts, frame.w, frame.h)?;
    debug_assert!(lay.sz.f_tick == frame.f_tick && lay.sz.f_title == frame.f_title && lay.sz.pad == frame.pad && lay.sz.tick_len == frame.tick);
    let p = &frame.p;
    paint_plot_area(p, &lay, report, opts)?;
    paint_axes(p, &lay, opts)?;
    paint_legend(p, &lay, opts)?;
    paint_note(p, &lay)?;
    paint_landmark_values(p, &lay)?;
    paint_risk_table(p, &lay)?;
    Ok(lay.plot_layout(opts))
}

/// The layout of the survival figure at `width` × `height` pixels without drawing it: what
/// [`draw_survival_counted`] returns (plot area, ticks, legend boxes, risk table), from the
/// same pure step.
pub fn survival_layout(report: &Report, opts: &PlotOptions, counts: &Report, width: u32, height: u32) -> Result<PlotLayout, String> {
    opts.validate()?;
    Ok(SurvivalLayout::new(report, opts, counts, width, height)?.plot_layout(opts))
}

/// Font sizes (design pixels, the painter scales them) and spacings (pixels) of the figure;
/// those it shares with the other figures are [`super::Frame`]'s.
#[derive(Clone, Copy)]
struct Sizes {
    s: f64,
    f_axis: f64,
    f_tick: f64,
    f_legend: f64,
    f_table: f64,
    f_note: f64,
    f_title: f64,
    pad: f64,
    tick_len: f64,
}

impl Sizes {
    fn of(opts: &PlotOptions) -> Sizes {
        let (s, fs) = (opts.font_scale, opts.font_size);
        Sizes { s, f_axis: fs, f_tick: fs * 0.92, f_legend: fs * 0.95, f_table: fs * 0.92, f_note: fs * 0.92, f_title: fs * 1.25, pad: 12.0 * s, tick_len: 5.0 * s }
    }
    /// Width in pixels of `text` at `size` design pixels (as [`Painter::width`]).
    fn width(&self, text: &str, size: f64, face: Face) -> f64 {
        super::text_width(text, size * self.s, face == Face::Bold)
    }
    /// A design length in pixels (as [`Painter::px`]).
    fn px(&self, v: f64) -> i32 {
        (v * self.s).round() as i32
    }
}

/// One legend entry: a group's curve, or (competing risks) the line-style key.
struct Entry {
    text: String,
    color: RGBColor,
    dashed: bool,
    line: LineType,
    /// The group a click on this entry shows or hides (none for the line-style key).
    group: Option<String>,
    hidden: bool,
}

/// A legend entry where it is drawn: swatch from `x`, centred on row `yc`.
struct PlacedEntry {
    entry: Entry,
    x: f64,
    yc: i32,
}

/// The annotation block (medians and the test) and where it goes.
struct Note {
    lines: Vec<Line>,
    /// Top-left corner, pixels.
    at: (f64, f64),
    /// Over the curves (nowhere free, no room for a strip): on a white box.
    boxed: bool,
    w: f64,
    h: f64,
    line_h: f64,
}

/// The values written at one landmark: a dot where each curve crosses it, the labels pushed
/// apart vertically.
struct LandmarkValues {
    dots: Vec<((i32, i32), RGBColor)>,
    /// Left end of the labels.
    x: i32,
    /// (centre row, text, colour, width in pixels).
    labels: Vec<(i32, String, RGBColor, f64)>,
    /// Half the height of a label's white box.
    half: i32,
}

/// The number-at-risk table as it is written.
struct TableLayout {
    top: i32,
    kmunicate: bool,
    /// Row labels end this far left of the plot's left edge.
    label_gap: i32,
    /// Centre row of each table row (KMunicate: four per group).
    row_y: Vec<i32>,
    /// Each group's numbers at risk as written ("<k" below the threshold).
    at_risk: Vec<Vec<String>>,
    public: RiskTableLayout,
}

/// Everything the survival figure decides before it draws (pure: text widths come from the
/// fixed metrics of [`super::text_width`]).
struct SurvivalLayout {
    sz: Sizes,
    w: u32,
    h: u32,
    figure: &'static str,
    /// The drawn curves (hidden groups left out).
    curves: Vec<Curve>,
    /// The plot area (below the annotation strip, if any).
    m: Map,
    x_end: f64,
    y_max: f64,
    x_ticks: Vec<Tick>,
    y_ticks: Vec<Tick>,
    x_title: String,
    y_title: String,
    swatch: f64,
    /// Height of a legend row.
    legend_row_h: f64,
    legend: Vec<PlacedEntry>,
    note: Note,
    annotation_strip: i32,
    landmarks: Vec<f64>,
    landmark_values: Vec<LandmarkValues>,
    medians: Vec<(f64, RGBColor)>,
    table: Option<TableLayout>,
}

impl SurvivalLayout {
    /// Lay the figure out in `w` × `h` pixels (options already checked).
    fn new(report: &Report, opts: &PlotOptions, counts: &Report, w: u32, h: u32) -> Result<SurvivalLayout, String> {
        let competing = report.km.is_empty();
        let (curves, entries) = curves_and_entries(report, opts, counts)?;
        let figure = if competing {
            "cuminc"
        } else if opts.cumulative {
            "cumulative"
        } else {
            "survival"
        };
        let rising = competing || opts.cumulative;
        let sz = Sizes::of(opts);
        let s = sz.s;
        let (wf, hf) = (w as f64, h as f64);

        // Ranges.
        let data_end = curves.iter().map(|c| c.end).fold(0.0, f64::max);
        let x_end = opts.x_max.unwrap_or(if data_end > 0.0 { data_end } else { 1.0 });
        let (y_max, y_vals, y_labels) = y_axis(opts, rising);
        let show_table = opts.risk_table && !competing;
        let kmunicate = show_table && opts.kmunicate;

        // Horizontal: the y axis (title, tick labels) or the risk table's row labels, whichever
        // is wider, left of the plot; half a count or tick label right of it.
        let ytick_w = y_labels.iter().map(|l| sz.width(l, sz.f_tick, Face::Normal)).fold(0.0, f64::max);
        let left_axis = sz.pad + sz.f_axis * s * 1.2 + 6.0 * s + ytick_w + sz.tick_len + 4.0 * s;
        let row_label_w = if show_table { curves.iter().map(|c| sz.width(&c.short, sz.f_table, Face::Bold)).fold(0.0, f64::max) } else { 0.0 };
        let row_label_w = if kmunicate { KMUNICATE_ROWS.iter().map(|r| sz.width(r, sz.f_table, Face::Normal)).fold(row_label_w, f64::max) } else { row_label_w };
        // Risk-table row labels end left of the first column's numbers (centred on the y axis).
        let max_count = curves.iter().filter_map(|c| c.steps.as_ref()).flatten().map(|s| s.1).fold(0.0, f64::max);
        let count_half_w = sz.width(&format_num(max_count), sz.f_table, Face::Normal) / 2.0;
        let label_gap = count_half_w + 10.0 * s;
        let left_table = sz.pad + row_label_w + label_gap;
        let plot_left = left_axis.max(left_table).ceil();
        let max_count_w = sz.width("00000", sz.f_table, Face::Normal) / 2.0;
        let right_margin = sz.pad + max_count_w.max(sz.width(&format_num(x_end), sz.f_tick, Face::Normal) / 2.0) + 4.0 * s;
        let plot_w = (wf - plot_left - right_margin).floor();
        if plot_w < 120.0 * s {
            return Err(format!("the figure is too narrow ({w} px) for its labels: make it wider or reduce font_scale"));
        }
        let x_vals = x_tick_values(opts, &sz, x_end, plot_w)?;
        let (swatch, entry_w, gap, rows) = legend_rows(&entries, opts, &sz, plot_w);
        let legend_row_h = sz.f_legend * s * 1.5;

        // Vertical: title, legend rows, plot, x axis, risk table.
        let mut y = sz.pad;
        if opts.title.as_ref().is_some_and(|t| !t.trim().is_empty()) {
            y += sz.f_title * s * 1.3 + 4.0 * s;
        }
        let legend_top = y;
        y += rows.len() as f64 * legend_row_h + 8.0 * s;
        let plot_top = (y + sz.f_tick * s * 0.6).ceil();
        let table_row_h = sz.f_table * s * 1.55;
        // KMunicate: per group a header row and the at risk, censored and events rows.
        let table_rows = if kmunicate { 4 * curves.len() } else { curves.len() };
        let table_h = if show_table { sz.f_table * s * 1.8 + table_rows as f64 * table_row_h } else { 0.0 };
        let below_axis = sz.tick_len + 4.0 * s + sz.f_tick * s * 1.2 + 6.0 * s + sz.f_axis * s * 1.3;
        let plot_bottom = (hf - sz.pad - table_h - if show_table { 10.0 * s } else { 0.0 } - below_axis).floor();
        let plot_h = plot_bottom - plot_top;
        if plot_h < 80.0 * s {
            return Err(format!("the figure is too short ({h} px) for its plot, legend and risk table: make it taller or reduce font_scale"));
        }

        // The annotation block, placed before anything is drawn: in the plot where no curve,
        // band or drop line passes; where there is no such place, in a strip above the plot
        // (the plot gets shorter), so the text never covers a curve.
        let lines = note_lines(report, opts, &curves, competing);
        let landmarks: Vec<f64> = opts.landmarks.iter().copied().filter(|t| *t > 0.0 && *t <= x_end).collect();
        let medians: Vec<(f64, RGBColor)> = if opts.show_median && !competing {
            curves.iter().filter_map(|c| c.median.map(|md| (md.0, c.color))).filter(|(t, _)| *t <= x_end).collect()
        } else {
            Vec::new()
        };
        let note_line_h = sz.f_note * s * 1.4;
        let note_w = lines.iter().map(|l| l.parts.iter().map(|(t, f)| sz.width(t, sz.f_note, *f)).sum::<f64>()).fold(0.0, f64::max);
        let note_h = lines.len() as f64 * note_line_h;
        let m0 = Map { left: plot_left as i32, top: plot_top as i32, w: plot_w as i32, h: plot_h as i32, x_max: x_end, y_max };
        let clear = Clearance { curves: &curves, medians: &medians, landmarks: &landmarks, conf_bands: opts.conf_bands, s };
        let (score, at) = if lines.is_empty() { (0.0, (0.0, 0.0)) } else { clear.place(&m0, (note_w, note_h), rising) };
        let strip = (note_h + 6.0 * s).ceil();
        let (m, note_at, note_boxed, annotation_strip) = if score > 0.0 && plot_h - strip >= 80.0 * s {
            let m1 = Map { top: (plot_top + strip) as i32, h: (plot_h - strip) as i32, ..m0 };
            let given = m1.top - m0.top;
            (m1, (plot_left + 10.0 * s, plot_top - sz.f_tick * s * 0.3), false, given)
        } else {
            (m0, at, score > 0.0, 0)
        };

        let x_ticks = x_vals.iter().map(|&t| Tick { value: t, px: m.x(t), label: format_num(t) }).collect();
        let y_ticks = y_vals.iter().zip(y_labels).map(|(&v, label)| Tick { value: v, px: m.y(v), label }).collect();
        let legend = place_legend(entries, &entry_w, &rows, (m.left as f64, plot_w, sz.pad), gap, legend_top, legend_row_h);
        let landmark_values = landmarks.iter().map(|&t| landmark_values(&curves, competing, &m, &sz, t, rising, opts.percent)).collect();
        let table = show_table.then(|| {
            let below = (m.top + m.h) as f64 + below_axis;
            risk_table(&curves, opts, &sz, &m, &x_vals, below, label_gap, table_row_h, kmunicate)
        });
        let note = Note { lines, at: note_at, boxed: note_boxed, w: note_w, h: note_h, line_h: note_line_h };
        Ok(SurvivalLayout {
            sz,
            w,
            h,
            figure,
            m,
            x_end,
            y_max,
            x_ticks,
            y_ticks,
            x_title: time_label(report, opts),
            y_title: y_title(opts, figure),
            swatch,
            legend_row_h,
            legend,
            note,
            annotation_strip,
            landmarks,
            landmark_values,
            medians,
            table,
            curves,
        })
    }

    /// What the page and the tests read: the plot area, ticks, series, risk table and legend boxes.
    fn plot_layout(self, opts: &PlotOptions) -> PlotLayout {
        let s = self.sz.s;
        let half = (self.legend_row_h / 2.0).round() as i32;
        let legend = self
            .legend
            .iter()
            .filter(|e| e.entry.group.is_some())
            .map(|e| LegendEntryLayout {
                group: e.entry.group.clone(),
                label: e.entry.text.clone(),
                hidden: e.entry.hidden,
                left: (e.x - 2.0 * s).floor() as i32,
                top: e.yc - half,
                width: (self.entry_width(&e.entry) + 4.0 * s).ceil() as i32,
                height: 2 * half,
            })
            .collect();
        PlotLayout {
            annotation_strip: self.annotation_strip,
            figure: self.figure.to_string(),
            width: self.w,
            height: self.h,
            plot_left: self.m.left,
            plot_top: self.m.top,
            plot_width: self.m.w,
            plot_height: self.m.h,
            x_min: 0.0,
            x_max: self.x_end,
            x_log: false,
            y_min: 0.0,
            y_max: self.y_max,
            percent: opts.percent,
            x_ticks: self.x_ticks,
            y_ticks: self.y_ticks,
            series: self
                .curves
                .iter()
                .map(|c| LayoutSeries {
                    index: c.index,
                    group: c.group.clone(),
                    cause: c.cause.map(str::to_string),
                    label: c.label.clone(),
                    color: css_color(c.color),
                    dashed: c.dashed,
                    y_px: None,
                })
                .collect(),
            risk_table: self.table.map(|t| t.public),
            legend,
        }
    }

    /// Width of a legend entry: swatch, gap, text.
    fn entry_width(&self, e: &Entry) -> f64 {
        entry_width(e, self.swatch, &self.sz)
    }
}

fn entry_width(e: &Entry, swatch: f64, sz: &Sizes) -> f64 {
    swatch + 6.0 * sz.s + sz.width(&e.text, sz.f_legend, Face::Normal)
}

/// The drawn curves and the legend's entries. Every group's curves are made: the hidden
/// groups stay in the legend (greyed and struck through, so a click on them brings them back)
/// but are not drawn.
fn curves_and_entries(report: &Report, opts: &PlotOptions, counts: &Report) -> Result<(Vec<Curve>, Vec<Entry>), String> {
    let competing = report.km.is_empty();
    if competing && report.cuminc.is_empty() {
        return Err("the report has no survival curves to draw (no Kaplan-Meier or cumulative incidence curves)".to_string());
    }
    let every = PlotOptions { hidden_groups: Vec::new(), ..opts.clone() };
    let all = if competing { cuminc_curves(report, &every) } else { km_curves_counted(report, &every, counts) };
    let is_hidden = |c: &Curve| c.group.as_ref().is_some_and(|g| opts.hidden_groups.contains(g));
    let mut entries: Vec<Entry> = all
        .iter()
        .filter(|c| !competing || c.cause != Some("competing"))
        .map(|c| Entry {
            text: if competing { c.short.clone() } else { c.label.clone() },
            color: c.color,
            dashed: false,
            line: c.line,
            group: c.group.clone(),
            hidden: is_hidden(c),
        })
        .collect();
    let curves: Vec<Curve> = all.into_iter().filter(|c| !is_hidden(c)).collect();
    if curves.is_empty() {
        return Err("every group is hidden: remove some from hidden_groups".to_string());
    }
    if competing {
        let grey = opts.style == Style::Grey;
        entries.push(Entry { text: "Event of interest".into(), color: if grey { INK } else { GREY }, dashed: false, line: LineType::Solid, group: None, hidden: false });
        let (color, dashed) = if grey { (RGBColor(0x99, 0x99, 0x99), false) } else { (GREY, true) };
        entries.push(Entry { text: "Competing event".into(), color, dashed, line: LineType::Solid, group: None, hidden: false });
    }
    Ok((curves, entries))
}

/// The y axis: its upper end, tick values and their labels (probability or percent, with the
/// decimals the step needs).
fn y_axis(opts: &PlotOptions, rising: bool) -> (f64, Vec<f64>, Vec<String>) {
    let y_max = if rising { opts.y_max.unwrap_or(1.0) } else { 1.0 };
    let y_step = if rising && y_max < 1.0 { nice_step(y_max, 4) } else { 0.25 };
    let y_vals = ticks_from(0.0, y_max, y_step);
    let y_places = if opts.percent {
        ((-(y_step * 100.0).log10()).ceil().max(0.0)) as usize
    } else {
        let mut d = 0;
        while d < 6 && ((y_step * 10f64.powi(d as i32)).round() - y_step * 10f64.powi(d as i32)).abs() > 1e-9 {
            d += 1;
        }
        d.max(1)
    };
    let labels = y_vals.iter().map(|&v| if opts.percent { format!("{:.*}", y_places, v * 100.0) } else { format!("{:.*}", y_places, v) }).collect();
    (y_max, y_vals, labels)
}

/// The y axis title: the options' own, else from the figure and the scale.
fn y_title(opts: &PlotOptions, figure: &str) -> String {
    if !opts.y_label.trim().is_empty() {
        return opts.y_label.clone();
    }
    match (figure, opts.percent) {
        ("survival", false) => "Survival probability".to_string(),
        ("survival", true) => "Survival (%)".to_string(),
        (_, false) => "Cumulative incidence".to_string(),
        (_, true) => "Cumulative incidence (%)".to_string(),
    }
}

/// x ticks: the breaks asked for, else the spacing asked for, else the densest nice spacing
/// whose labels don't touch.
fn x_tick_values(opts: &PlotOptions, sz: &Sizes, x_end: f64, plot_w: f64) -> Result<Vec<f64>, String> {
    let s = sz.s;
    if !opts.breaks.is_empty() {
        if let Some(b) = opts.breaks.iter().find(|b| **b > x_end * (1.0 + 1e-9)) {
            return Err(format!("the break at {} is beyond the end of the x axis ({}): remove it or set x_max", format_num(*b), format_num(x_end)));
        }
        return Ok(opts.breaks.clone());
    }
    if let Some(b) = opts.break_by {
        let v = ticks_from(0.0, x_end, b);
        if v.len() > 60 {
            return Err(format!("break_by = {b} gives {} ticks up to {}: choose a larger spacing", v.len(), format_num(x_end)));
        }
        return Ok(v);
    }
    // Ticks at least 5 base-font widths apart (70 px at the default 14 px font; at most
    // 10 intervals), wider when the labels need it: `axis_step`'s one rule, so the step
    // follows the width without jumps.
    let mut min_px = (5.0 * sz.f_axis * s).max(plot_w / 10.0);
    loop {
        let step = axis_step(x_end, plot_w, min_px);
        let v = ticks_from(0.0, x_end, step);
        let widest = v.iter().map(|t| sz.width(&format_num(*t), sz.f_tick, Face::Normal)).fold(0.0, f64::max);
        let spacing = plot_w * step / x_end;
        if widest + 10.0 * s < spacing || v.len() <= 2 {
            return Ok(v);
        }
        min_px = min_px.max(widest + 10.0 * s + 0.5);
    }
}

/// The legend's rows over a plot `plot_w` wide: the swatch length, each entry's width, the gap
/// between entries and the entries of each row.
fn legend_rows(entries: &[Entry], opts: &PlotOptions, sz: &Sizes, plot_w: f64) -> (f64, Vec<f64>, f64, Vec<Vec<usize>>) {
    let s = sz.s;
    // Line types need a longer swatch to be told apart.
    let swatch = if opts.style == Style::Grey { 34.0 } else { 22.0 } * s;
    let entry_w: Vec<f64> = entries.iter().map(|e| entry_width(e, swatch, sz)).collect();
    let gap = 20.0 * s;
    let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
    let mut row_w = 0.0;
    for (i, ew) in entry_w.iter().enumerate() {
        let add = if rows.last().is_some_and(|r| r.is_empty()) { *ew } else { gap + ew };
        if row_w + add > plot_w && !rows.last().is_some_and(|r| r.is_empty()) {
            rows.push(vec![i]);
            row_w = *ew;
        } else {
            if let Some(r) = rows.last_mut() {
                r.push(i);
            }
            row_w += add;
        }
    }
    (swatch, entry_w, gap, rows)
}

/// Each legend entry's place: the rows centred over the plot (`plot` = its left edge, its width
/// and the outer padding), from `top` down.
fn place_legend(entries: Vec<Entry>, entry_w: &[f64], rows: &[Vec<usize>], plot: (f64, f64, f64), gap: f64, top: f64, row_h: f64) -> Vec<PlacedEntry> {
    let (left, plot_w, pad) = plot;
    let mut at: Vec<Option<(f64, i32)>> = vec![None; entries.len()];
    for (r, row) in rows.iter().enumerate() {
        let total: f64 = row.iter().map(|i| entry_w[*i]).sum::<f64>() + gap * row.len().saturating_sub(1) as f64;
        let mut x = (left + (plot_w - total) / 2.0).max(pad);
        let yc = (top + (r as f64 + 0.5) * row_h).round() as i32;
        for &i in row {
            at[i] = Some((x, yc));
            x += entry_w[i] + gap;
        }
    }
    entries.into_iter().zip(at).filter_map(|(entry, at)| at.map(|(x, yc)| PlacedEntry { entry, x, yc })).collect()
}

/// The annotation block's lines: the medians (Kaplan-Meier) and the test, written only when
/// every group is drawn (it compares them all).
fn note_lines(report: &Report, opts: &PlotOptions, curves: &[Curve], competing: bool) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    if !competing && opts.show_median {
        let many = curves.len() > 1 || curves.iter().any(|c| c.group.is_some());
        let head = match report.time_unit {
            Some(u) => format!("Median (95% CI), {u}"),
            None => "Median (95% CI)".to_string(),
        };
        lines.push(Line { parts: vec![(head, Face::Normal)], color: INK });
        for c in curves {
            let text = match (c.median, c.withheld) {
                (Some((md, lo, hi)), _) => super::format_median_ci(md, lo, hi),
                (None, Some(k)) => format!("withheld (n < {k})"),
                (None, None) => "not reached".to_string(),
            };
            let text = if many { format!("{}: {}", c.short, text) } else { text };
            lines.push(Line { parts: vec![(text, Face::Normal)], color: c.color });
        }
    }
    let all_drawn = curves.len() == if competing { report.cuminc.len() } else { report.km.len() };
    if !all_drawn {
    } else if !competing {
        if let Some(t) = report.logrank.as_ref().filter(|_| report.km.len() > 1) {
            lines.push(p_line(&format!("{}, ", test_name(report)), t.p, opts, INK));
        }
    } else {
        for g in &report.gray_test {
            let cause = if g.cause == "competing" { "competing event" } else { "event" };
            lines.push(p_line(&format!("Gray's test ({cause}), "), g.p, opts, INK));
        }
    }
    lines
}

/// What the annotation block must keep clear of.
struct Clearance<'a> {
    curves: &'a [Curve],
    medians: &'a [(f64, RGBColor)],
    landmarks: &'a [f64],
    conf_bands: bool,
    s: f64,
}

impl Clearance<'_> {
    /// The first candidate place of a `block` (width, height) in the plot `m` that nothing
    /// crosses, else the least crossed one: (its score, 0 when free; its top-left corner).
    fn place(&self, m: &Map, block: (f64, f64), rising: bool) -> (f64, (f64, f64)) {
        let (block_w, block_h) = block;
        let (bottom, right) = (m.top + m.h, m.left + m.w);
        let inset = 10.0 * self.s;
        let (l, r, t, b) = (m.left as f64 + inset, right as f64 - inset, m.top as f64 + inset, bottom as f64 - inset);
        // Corners first (bottom-left for falling curves, top-left for rising ones), then the
        // middle of the edges and a coarse grid inside: the first place no curve crosses.
        let (xc, ym) = ((l + r - block_w) / 2.0, (t + b - block_h) / 2.0);
        let mut candidates: Vec<(f64, f64)> = if rising {
            vec![(l, t), (r - block_w, b - block_h), (r - block_w, t), (l, b - block_h)]
        } else {
            vec![(l, b - block_h), (r - block_w, t), (r - block_w, b - block_h), (l, t)]
        };
        candidates.extend([(xc, t), (xc, b - block_h), (r - block_w, ym), (l, ym)]);
        for fx in [0.25, 0.5, 0.75] {
            for fy in [0.2, 0.4, 0.6, 0.8] {
                candidates.push((l + fx * (r - block_w - l), t + fy * (b - block_h - t)));
            }
        }
        let mut best = (f64::INFINITY, candidates[0]);
        for &(x0, y0) in &candidates {
            let sc = self.overlap(m, (x0, y0), block);
            if sc < best.0 {
                best = (sc, (x0, y0));
            }
            if sc == 0.0 {
                break;
            }
        }
        best
    }

    /// How much of the curves, bands, median and landmark lines a block at `at` would cover.
    fn overlap(&self, m: &Map, at: (f64, f64), block: (f64, f64)) -> f64 {
        let ((x0, y0), (block_w, block_h), s) = (at, block, self.s);
        // Data window of the block, plus a margin of 8 px around it.
        let ta = m.t_of((x0 - 8.0 * s) as i32).max(0.0);
        let tb = m.t_of((x0 + block_w + 8.0 * s) as i32);
        let vhi = m.v_of((y0 - 8.0 * s) as i32);
        let vlo = m.v_of((y0 + block_h + 8.0 * s) as i32);
        let mut score = 0.0;
        for c in self.curves {
            if let Some((lo, hi)) = c.range_over(ta, tb, self.conf_bands && c.cause != Some("competing")) {
                let o = hi.min(vhi) - lo.max(vlo);
                if o >= 0.0 {
                    score += o + 0.01;
                }
            }
        }
        for &(t, _) in self.medians {
            if t >= ta && t <= tb && vlo <= 0.5 {
                score += 0.01;
            }
        }
        for &t in self.landmarks {
            if t >= ta && t <= tb {
                score += 0.005;
            }
        }
        score
    }
}

/// The values at landmark `t`: a dot where each curve crosses the line, the value written right
/// of the line on the side the curve leaves free (above a falling curve, below a rising one),
/// labels pushed apart vertically so they never overlap and kept inside the plot.
fn landmark_values(curves: &[Curve], competing: bool, m: &Map, sz: &Sizes, t: f64, rising: bool, percent: bool) -> LandmarkValues {
    let sep = sz.f_note * sz.s * 1.25;
    let bottom = m.top + m.h;
    let mut dots = Vec::new();
    let mut labels: Vec<(f64, String, RGBColor)> = Vec::new();
    for c in curves.iter().filter(|c| t <= c.end && !(c.dashed && competing)) {
        let v = c.value_at(t);
        let yv = m.y(v);
        dots.push(((m.x(t), yv), c.color));
        let text = if percent { format!("{:.0}%", v * 100.0) } else { format!("{v:.2}") };
        let shift = 0.7 * sep;
        labels.push((yv as f64 + if rising { shift } else { -shift }, text, c.color));
    }
    labels.sort_by(|a, b| a.0.total_cmp(&b.0));
    for i in 1..labels.len() {
        if labels[i].0 - labels[i - 1].0 < sep {
            labels[i].0 = labels[i - 1].0 + sep;
        }
    }
    // Keep the stack inside the plot.
    if let Some(last) = labels.last().map(|l| l.0) {
        let over = last - (bottom as f64 - sep / 2.0);
        if over > 0.0 {
            labels.iter_mut().for_each(|l| l.0 -= over);
        }
    }
    if let Some(first) = labels.first().map(|l| l.0) {
        let under = (m.top as f64 + sep / 2.0) - first;
        if under > 0.0 {
            labels.iter_mut().for_each(|l| l.0 += under);
        }
    }
    let labels = labels.into_iter().map(|(yy, text, col)| (yy.round() as i32, sz.width(&text, sz.f_note, Face::Bold), text, col)).map(|(y, w, text, col)| (y, text, col, w)).collect();
    LandmarkValues { dots, x: m.x(t) + sz.px(5.0), labels, half: (sep / 2.0).round() as i32 - sz.px(1.0) }
}

/// The number-at-risk table (KMunicate: at risk, censored and events under each group), its
/// title `below` pixels from the top: the counts at the x ticks, with disclosure control.
#[allow(clippy::too_many_arguments)]
fn risk_table(curves: &[Curve], opts: &PlotOptions, sz: &Sizes, m: &Map, x_vals: &[f64], below: f64, label_gap: f64, row_h: f64, kmunicate: bool) -> TableLayout {
    let s = sz.s;
    let top = (below + 10.0 * s).round() as i32;
    let columns_px: Vec<i32> = x_vals.iter().map(|t| m.x(*t)).collect();
    let n_rows = if kmunicate { 4 * curves.len() } else { curves.len() };
    let row_y: Vec<i32> = (0..n_rows).map(|r| (top as f64 + sz.f_table * s * 1.8 + (r as f64 + 0.5) * row_h).round() as i32).collect();
    let mut rows = Vec::new();
    let mut at_risk = Vec::new();
    for (r, c) in curves.iter().enumerate() {
        let yc = row_y[if kmunicate { 4 * r + 1 } else { r }];
        let steps = c.steps.as_deref().unwrap_or(&[]);
        // Disclosure control: cells below k are written "<k" and reported as NaN (null). With k
        // and the curve's tallies, the numbers at risk at the ticks are released by the
        // disclosure module's one rule (`RiskRounding`); past the curve's cut, withheld.
        let rule = c.tally.as_deref().zip(opts.min_cell).map(|(t, k)| (t, crate::disclosure::RiskRounding::of(t, k)));
        let counts: Vec<f64> = x_vals
            .iter()
            .map(|t| match (&rule, n_at_risk(steps, *t)) {
                (Some((tally, rule)), n) if !n.is_nan() => rule.at(tally, *t),
                (_, n) => n,
            })
            .map(|n| if super::suppressed_count(n, opts.min_cell).is_some() { f64::NAN } else { n })
            .collect();
        at_risk.push(counts.iter().map(|n| super::suppressed_count(*n, opts.min_cell).unwrap_or_else(|| format_num(*n))).collect());
        let (censored, events) = if kmunicate {
            // Disclosed by the disclosure module (src/disclosure/kmunicate.rs); drawn as given.
            let (cen, ev) = crate::disclosure::kmunicate_cells(c.tally.as_deref(), x_vals, &counts, opts.min_cell);
            (Some(cen), Some(ev))
        } else {
            (None, None)
        };
        rows.push(RiskRowLayout { group: c.group.clone(), label: c.short.clone(), y_px: yc, counts, censored, events });
    }
    let public = RiskTableLayout { times: x_vals.to_vec(), columns_px, rows };
    TableLayout { top, kmunicate, label_gap: label_gap.round() as i32, row_y, at_risk, public }
}

/// The plot area's contents: CI bands, landmark lines, median drop lines, the curves with their
/// censor marks.
fn paint_plot_area<DB: DrawingBackend>(p: &Painter<DB>, lay: &SurvivalLayout, report: &Report, opts: &PlotOptions) -> Result<(), String> {
    let (m, x_end) = (&lay.m, lay.x_end);
    let bottom = m.top + m.h;
    if opts.conf_bands {
        for c in lay.curves.iter().filter(|c| c.cause != Some("competing")) {
            for poly in band_polygons(c, m, x_end) {
                p.polygon(poly, with_alpha(c.color, 0.16))?;
            }
        }
    }
    for &t in &lay.landmarks {
        let x = m.x(t);
        p.dashed(vec![(x, m.top), (x, bottom)], solid(GREY), 1.0, 2.0, 3.0)?;
    }
    design_landmark(p, m, report, x_end, lay.sz.f_note)?;
    // Median drop lines (at 0.5 of the plotted scale).
    if let Some(far) = lay.medians.iter().map(|m| m.0).reduce(f64::max) {
        let y_half = m.y(0.5);
        p.dashed(vec![(m.x(0.0), y_half), (m.x(far), y_half)], solid(GREY), 1.0, 5.0, 4.0)?;
        for &(t, col) in &lay.medians {
            p.dashed(vec![(m.x(t), y_half), (m.x(t), bottom)], solid(col), 1.0, 5.0, 4.0)?;
        }
    }
    for c in &lay.curves {
        let path = step_path(c, m, x_end);
        if c.dashed {
            p.dashed(path, solid(c.color), 2.0, 7.0, 4.0)?;
        } else {
            p.patterned(path, solid(c.color), 2.0, c.line.pattern())?;
        }
        if c.cut && c.end <= x_end {
            // Where disclosure control ends the curve: a bar across it.
            let (x, y) = (m.x(c.end), m.y(c.value_at(c.end)));
            let arm = p.px(7.0);
            p.line(vec![(x, y - arm), (x, y + arm)], solid(c.color), 2.5)?;
        }
        if opts.censor_marks {
            let marks: Vec<(i32, i32)> = c.censors.iter().filter(|(t, _)| *t <= x_end).map(|&(t, v)| (m.x(t), m.y(v))).collect();
            let width = (1.2 * p.s).round().max(1.0) as i32;
            p.polygon(censor_mark_outline(&marks, p.px(4.0), width), solid(c.color))?;
        }
    }
    Ok(())
}

/// The axes (left and bottom, outward ticks), their titles and the figure's title.
fn paint_axes<DB: DrawingBackend>(p: &Painter<DB>, lay: &SurvivalLayout, opts: &PlotOptions) -> Result<(), String> {
    let (m, sz, s) = (&lay.m, &lay.sz, lay.sz.s);
    let (bottom, right) = (m.top + m.h, m.left + m.w);
    p.line(vec![(m.left, m.top), (m.left, bottom)], solid(INK), 1.0)?;
    p.line(vec![(m.left, bottom), (right, bottom)], solid(INK), 1.0)?;
    let tl = sz.tick_len.round() as i32;
    for t in &lay.x_ticks {
        p.line(vec![(t.px, bottom), (t.px, bottom + tl)], solid(INK), 1.0)?;
        p.text(&t.label, (t.px, bottom + tl + p.px(3.0)), sz.f_tick, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
    }
    for t in &lay.y_ticks {
        p.line(vec![(m.left - tl, t.px), (m.left, t.px)], solid(INK), 1.0)?;
        p.text(&t.label, (m.left - tl - p.px(4.0), t.px), sz.f_tick, INK, HPos::Right, VPos::Center, Face::Normal, false)?;
    }
    let x_title_y = (bottom as f64 + sz.tick_len + 4.0 * s + sz.f_tick * s * 1.2 + 6.0 * s).round() as i32;
    p.text(&lay.x_title, ((m.left + right) / 2, x_title_y), sz.f_axis, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
    let y_title_x = (sz.pad + sz.f_axis * s * 0.6).round() as i32;
    p.text(&lay.y_title, (y_title_x, (m.top + bottom) / 2), sz.f_axis, INK, HPos::Center, VPos::Center, Face::Normal, true)?;
    if let Some(t) = opts.title.as_ref().filter(|t| !t.trim().is_empty()) {
        p.text(t, ((m.left + right) / 2, sz.pad.round() as i32), sz.f_title, INK, HPos::Center, VPos::Top, Face::Bold, false)?;
    }
    Ok(())
}

/// The legend above the plot (a hidden group: pale swatch, grey text struck through).
fn paint_legend<DB: DrawingBackend>(p: &Painter<DB>, lay: &SurvivalLayout, opts: &PlotOptions) -> Result<(), String> {
    let (sz, s) = (&lay.sz, lay.sz.s);
    for PlacedEntry { entry: e, x, yc } in &lay.legend {
        let (x, yc) = (*x, *yc);
        let (x0, x1) = (x.round() as i32, (x + lay.swatch).round() as i32);
        if e.hidden {
            p.line(vec![(x0, yc), (x1, yc)], with_alpha(e.color, 0.3), 2.0)?;
        } else {
            if opts.conf_bands && !e.dashed && e.color != GREY {
                p.rect((x0, yc - p.px(5.0)), (x1, yc + p.px(5.0)), with_alpha(e.color, 0.16))?;
            }
            if e.dashed {
                p.dashed(vec![(x0, yc), (x1, yc)], solid(e.color), 2.0, 5.0, 3.0)?;
            } else {
                p.patterned(vec![(x0, yc), (x1, yc)], solid(e.color), 2.0, e.line.pattern())?;
            }
        }
        let ink = if e.hidden { HIDDEN_INK } else { INK };
        let tx = (x + lay.swatch + 6.0 * s).round() as i32;
        p.text(&e.text, (tx, yc), sz.f_legend, ink, HPos::Left, VPos::Center, Face::Normal, false)?;
        if e.hidden {
            let tw = p.width(&e.text, sz.f_legend, Face::Normal).round() as i32;
            p.line(vec![(tx, yc), (tx + tw, yc)], solid(ink), 1.0)?;
        }
    }
    Ok(())
}

/// The annotation block: the medians and the test, run by run (p may be italic).
fn paint_note<DB: DrawingBackend>(p: &Painter<DB>, lay: &SurvivalLayout) -> Result<(), String> {
    let (note, s, f_note) = (&lay.note, lay.sz.s, lay.sz.f_note);
    if note.lines.is_empty() {
        return Ok(());
    }
    let (x0, y0) = note.at;
    if note.boxed {
        // Nowhere free: keep the text legible over the curves.
        p.rect(
            ((x0 - 4.0 * s) as i32, (y0 - 2.0 * s) as i32),
            ((x0 + note.w + 4.0 * s) as i32, (y0 + note.h + 2.0 * s) as i32),
            RGBAColor(255, 255, 255, 0.85),
        )?;
    }
    for (i, line) in note.lines.iter().enumerate() {
        let yc = (y0 + (i as f64 + 0.5) * note.line_h).round() as i32;
        let mut x = x0;
        for (text, face) in &line.parts {
            // SVG collapses leading spaces: advance over them instead of drawing them.
            let body = text.trim_start();
            let x_body = x + p.advance(&text[..text.len() - body.len()], f_note, *face);
            p.text(body, (x_body.round() as i32, yc), f_note, line.color, HPos::Left, VPos::Center, *face, false)?;
            x += p.advance(text, f_note, *face);
        }
    }
    Ok(())
}

/// Each landmark's dots and values (on white boxes).
fn paint_landmark_values<DB: DrawingBackend>(p: &Painter<DB>, lay: &SurvivalLayout) -> Result<(), String> {
    for lv in &lay.landmark_values {
        for &(at, color) in &lv.dots {
            p.circle(at, 3.0, solid(color))?;
        }
        for (yi, text, col, wdt) in &lv.labels {
            let (x, yi) = (lv.x, *yi);
            p.rect((x - p.px(2.0), yi - lv.half), (x + wdt.ceil() as i32 + p.px(2.0), yi + lv.half), RGBAColor(255, 255, 255, 0.8))?;
            p.text(text, (x, yi), lay.sz.f_note, *col, HPos::Left, VPos::Center, Face::Bold, false)?;
        }
    }
    Ok(())
}

/// The number-at-risk table below the x axis, one column under each x tick.
fn paint_risk_table<DB: DrawingBackend>(p: &Painter<DB>, lay: &SurvivalLayout) -> Result<(), String> {
    let Some(t) = &lay.table else { return Ok(()) };
    let (sz, m) = (&lay.sz, &lay.m);
    let pad = sz.pad.round() as i32;
    let title = if t.kmunicate { "Number at risk, censored and with the event" } else { "Number at risk" };
    p.text(title, (pad, t.top), sz.f_table, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    let cells = |cells: &[String], y: i32| -> Result<(), String> {
        for (x, text) in t.public.columns_px.iter().zip(cells) {
            p.text(text, (*x, y), sz.f_table, INK, HPos::Center, VPos::Center, Face::Normal, false)?;
        }
        Ok(())
    };
    for (r, (c, row)) in lay.curves.iter().zip(&t.public.rows).enumerate() {
        if t.kmunicate {
            p.text(&c.short, (pad, t.row_y[4 * r]), sz.f_table, c.color, HPos::Left, VPos::Center, Face::Bold, false)?;
            let (cen, ev) = (row.censored.as_deref().unwrap_or(&[]), row.events.as_deref().unwrap_or(&[]));
            for (i, (name, texts)) in KMUNICATE_ROWS.iter().zip([&t.at_risk[r][..], cen, ev]).enumerate() {
                let y = t.row_y[4 * r + 1 + i];
                p.text(name, (m.left - t.label_gap, y), sz.f_table, INK, HPos::Right, VPos::Center, Face::Normal, false)?;
                cells(texts, y)?;
            }
        } else {
            p.text(&c.short, (m.left - t.label_gap, row.y_px), sz.f_table, c.color, HPos::Right, VPos::Center, Face::Bold, false)?;
            cells(&t.at_risk[r], row.y_px)?;
        }
    }
    Ok(())
}

/// Row names of the KMunicate table, under each group's name.
const KMUNICATE_ROWS: [&str; 3] = ["At risk", "Censored", "Events"];

/// Text colour of a hidden group's legend entry.
const HIDDEN_INK: RGBColor = RGBColor(0x8a, 0x8f, 0x96);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_risk_is_first_step_at_or_after() {
        // Steps at 2 (n 10), 5 (n 7), 9 (n 3).
        let steps = [(2.0, 10.0), (5.0, 7.0), (9.0, 3.0)];
        assert_eq!(n_at_risk(&steps, 0.0), 10.0);
        assert_eq!(n_at_risk(&steps, 2.0), 10.0); // at a step time: those at risk at it
        assert_eq!(n_at_risk(&steps, 2.5), 7.0);
        assert_eq!(n_at_risk(&steps, 9.0), 3.0);
        assert_eq!(n_at_risk(&steps, 9.5), 0.0); // past the end
    }

    #[test]
    fn thin_merges_pixel_columns() {
        let pts = vec![(0, 0), (3, 0), (5, 0), (5, 3), (5, 4), (5, 7), (9, 7), (9, 7), (12, 7)];
        assert_eq!(thin(pts), vec![(0, 0), (5, 0), (5, 7), (12, 7)]);
    }

    /// Non-zero winding number of the closed polygon `pts` around the point (px, py).
    fn winding(pts: &[(i32, i32)], px: f64, py: f64) -> i32 {
        let mut w = 0;
        for i in 0..pts.len() {
            let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
            let (ax, ay, bx, by) = (a.0 as f64, a.1 as f64, b.0 as f64, b.1 as f64);
            if (ay <= py) != (by <= py) {
                let x = ax + (py - ay) * (bx - ax) / (by - ay);
                if x > px {
                    w += if by > ay { 1 } else { -1 };
                }
            }
        }
        w
    }

    #[test]
    fn censor_marks_fill_exactly_the_pixels_of_their_strokes() {
        // Seeded marks on a 60 × 40 grid, many overlapping, some repeated, along a falling
        // step curve as on a figure (and a few off it).
        // A seeded xorshift (the test keeps plot free of a dependency on `bench`).
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut marks = Vec::new();
        let (mut x, mut y) = (3, 5);
        for _ in 0..40 {
            x += (uniform() * 4.0) as i32;
            if uniform() < 0.3 {
                y += 1 + (uniform() * 3.0) as i32;
            }
            marks.push((x, y));
        }
        marks.push((20, 30));
        marks.push((20, 30));
        for (arm, width) in [(4, 1), (4, 2), (8, 3), (1, 1)] {
            let outline = censor_mark_outline(&marks, arm, width);
            let lo = width / 2;
            for py in -10..60 {
                for px in -10..90 {
                    let (cx, cy) = (px as f64 + 0.5, py as f64 + 0.5);
                    let stroked = marks.iter().any(|&(x, y)| {
                        let h = (x - arm) as f64 <= cx && cx <= (x + arm) as f64 && (y - lo) as f64 <= cy && cy <= (y - lo + width) as f64;
                        let v = (x - lo) as f64 <= cx && cx <= (x - lo + width) as f64 && (y - arm) as f64 <= cy && cy <= (y + arm) as f64;
                        h || v
                    });
                    assert_eq!(winding(&outline, cx, cy) != 0, stroked, "pixel ({px}, {py}), arm {arm}, width {width}");
                }
            }
            // Merged: fewer than the 6 points per bar of two bars a mark.
            assert!(outline.len() < marks.len() * 12, "{} points", outline.len());
        }
        assert!(censor_mark_outline(&[], 4, 1).is_empty());
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(truncate("Stereotactic body radiotherapy 24 Gy", 24), "Stereotactic body radio…"); // 23 characters + …
        assert_eq!(truncate("Male", 24), "Male");
    }
}
