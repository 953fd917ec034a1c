//! Figures drawn once, generic over plotters' `DrawingBackend`: canvas in the browser, SVG
//! natively.
//!
//! Two figures read a [`Report`]:
//!
//! * [`km::draw_survival`]: Kaplan-Meier curves (or 1 − S, or competing-risks cumulative
//!   incidence) with CI bands, censor marks, medians, landmarks, the test's p value and a
//!   number-at-risk table aligned with the x ticks;
//! * [`forest::draw_forest`]: hazard ratios of the Cox model (or Fine-Gray) on a log axis.
//!
//! Both return a [`PlotLayout`]: the pixel mapping of the plot area (so the page can do hover
//! look-ups without drawing again) and the positions of what was drawn (ticks, risk-table
//! columns), which the tests check against the drawing itself.
//!
//! Layout is computed by this module, not by plotters' chart builder: text widths come from a
//! fixed table of Arial/Liberation Sans advance widths ([`text_width`]) so the layout is the same
//! in the browser and natively, and every position is decided once and reported.

pub mod adjusted;
pub mod flow;
pub mod forest;
pub mod hazard;
pub mod hist;
pub mod km;
pub mod love;
#[cfg(target_arch = "wasm32")]
pub(crate) mod canvas;
mod paint;
pub mod subgroups;
pub mod zph;

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::report::Report;

/// Which figure to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// Kaplan-Meier curves; competing-risks cumulative incidence when the report has `cuminc`
    /// curves and no `km` curves.
    Survival,
    /// Forest plot of the Cox hazard ratios (Fine-Gray subdistribution HRs without a Cox model).
    Forest,
    /// Kernel-smoothed hazard per group (`report.hazard`).
    Hazard,
    /// Nelson-Aalen cumulative hazard per group (from the Kaplan-Meier steps).
    Cumhaz,
    /// Ratio of two groups' smoothed hazards (`report.hazard_ratio`), log axis.
    HazardRatio,
    /// Kaplan-Meier with the fitted parametric survival curves overlaid.
    ParametricFit,
    /// Proportional-hazards check: scaled Schoenfeld residuals and smoothed β(t) per Cox term
    /// (`term` chooses one; all as small multiples otherwise).
    Zph,
    /// The cohort flow diagram (`report.flow`): rows read, excluded by reason, analysed, per group.
    Flow,
    /// Directly standardised survival curves (`report.adjusted`), drawn as the survival figure.
    Adjusted,
    /// Love plot of the propensity weighting's balance (`report.propensity`).
    Love,
    /// Subgroup forest plot (`report.subgroups`, `report.interaction`).
    Subgroups,
    /// Hazard-ratio curve of a spline covariate (`report.spline`; `term` names its column).
    Spline,
}

/// Options of the figures. Unknown keys are an error (a typo must not be silently ignored);
/// every key has a default, so `{}` is valid. Width and height are the caller's (the canvas or
/// [`render_svg`]'s arguments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlotOptions {
    /// Shaded 95% confidence bands.
    pub conf_bands: bool,
    /// `+` marks at censoring times.
    pub censor_marks: bool,
    /// Number-at-risk table below the plot (Kaplan-Meier only).
    pub risk_table: bool,
    /// Dashed drop lines at the median and the medians written in the figure.
    pub show_median: bool,
    /// Draw 1 − S(t) (cumulative incidence of the event, ignoring competing risks).
    pub cumulative: bool,
    /// Show the y axis in percent (0–100) instead of probability (0–1).
    pub percent: bool,
    /// Upper end of the x axis (default: the last follow-up time).
    pub x_max: Option<f64>,
    /// Upper end of the y axis when it shows cumulative incidence (default 1). Ignored for
    /// survival, which always spans 0–1.
    pub y_max: Option<f64>,
    /// x axis title; empty = "Time" (with the report's time unit when known).
    pub time_label: String,
    /// y axis title; empty = automatic ("Survival probability", "Cumulative incidence", ...).
    pub y_label: String,
    /// Title above the figure.
    pub title: Option<String>,
    /// Decimal places of p values; `None` = two significant digits, "p < 0.001" below 0.001.
    pub p_digits: Option<u32>,
    /// Write an italic capital *P* (NEJM, JAMA) instead of lower-case p (Lancet).
    pub italic_p: bool,
    /// Landmark times: a dotted vertical line with each curve's value written beside it.
    pub landmarks: Vec<f64>,
    /// Group levels not to draw (curves, legend and risk-table rows).
    pub hidden_groups: Vec<String>,
    /// Multiplies every text size, line width and margin: render at 2× width and height with
    /// `font_scale` 2 for a print-resolution copy of the same figure.
    pub font_scale: f64,
    /// x tick spacing (default: "nice" ticks chosen from the width).
    pub break_by: Option<f64>,
    /// Size in pixels of the base font (tick labels, legend, table) before `font_scale`
    /// (default 14); titles are a little larger.
    pub font_size: f64,
    /// Disclosure threshold k: a group of fewer than k patients has its "n" written "< k" and
    /// every number-at-risk cell below k (a suppressed cell of a shared report included) is
    /// written "<k" (see [`suppressed_count`]). `None` draws the counts as they are.
    pub min_cell: Option<u32>,
    /// The Cox term of a per-term figure (the proportional-hazards residual plot); `None` = all.
    pub term: Option<String>,
    /// Journal preset of the manuscript exports (`figure-png`, `figure-tiff`, `figure-pdf`,
    /// `docx`): the printed width (single column 85 mm, double column 180 mm) and a font size
    /// legible at that size ([`Preset`]). The page's canvas ignores it.
    pub preset: Option<Preset>,
    /// Resolution of the raster exports (`figure-png`, `figure-tiff`) in dots per inch, 72 to
    /// 1200 (default 300; journals ask for 300 for halftones, 600 or more for line art).
    pub dpi: Option<u32>,
    /// `colour` (the colour-blind-safe palette, [`PALETTE`]) or `grey`: black and greys told
    /// apart by line type (solid, dashed, dotted, dash-dot), for journals that print in grey.
    pub style: Style,
    /// Times of the x ticks, and so of the risk-table columns (ggsurvfit's and survminer's
    /// `breaks`); sorted, each within the axis. Empty = `break_by`, else nice ticks.
    pub breaks: Vec<f64>,
    /// KMunicate layout (Morris et al., BMJ Open 2019): confidence bands, no censor marks, and
    /// under the plot, per group, the numbers at risk, censored and with the event (cumulative)
    /// at each x tick.
    pub kmunicate: bool,
}

/// Journal figure presets: the printed width and the base font size in points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// One column of a two-column journal page: 85 mm wide, 8 pt text.
    Single,
    /// The full text width: 180 mm wide, 9 pt text.
    Double,
}

impl Preset {
    /// Printed width in millimetres.
    pub fn width_mm(self) -> f64 {
        match self {
            Preset::Single => 85.0,
            Preset::Double => 180.0,
        }
    }
    /// Height of the plot part (title, legend, axes, plot) in millimetres; the risk table adds
    /// its rows below.
    pub fn plot_height_mm(self) -> f64 {
        match self {
            Preset::Single => 68.0,
            Preset::Double => 105.0,
        }
    }
    /// Base font size in points (ticks and table at 92% of it: 7.4 and 8.3 pt, above the 6–7 pt
    /// minimum of journals' artwork guides).
    pub fn font_pt(self) -> f64 {
        match self {
            Preset::Single => 8.0,
            Preset::Double => 9.0,
        }
    }
    pub fn parse(name: &str) -> Result<Preset, String> {
        match name {
            "single" => Ok(Preset::Single),
            "double" => Ok(Preset::Double),
            other => Err(format!("unknown preset '{other}': use single (85 mm, one column) or double (180 mm, full width)")),
        }
    }
}

/// Colour or grey-scale figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    #[default]
    #[serde(alias = "color")]
    Colour,
    #[serde(alias = "gray")]
    Grey,
}

/// Line type of a curve: solid, or a dash pattern (dash, gap, ...) in design pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LineType {
    Solid,
    Dashed,
    Dotted,
    DashDot,
    LongDash,
}

impl LineType {
    /// The `i`-th group's line type in the grey style.
    pub fn of_group(i: usize) -> LineType {
        [LineType::Solid, LineType::Dashed, LineType::Dotted, LineType::DashDot, LineType::LongDash][i % 5]
    }
    /// Dash pattern (on, off, on, off) in design pixels; `None` for solid.
    pub fn pattern(self) -> Option<[f64; 4]> {
        match self {
            LineType::Solid => None,
            LineType::Dashed => Some([7.0, 4.0, 7.0, 4.0]),
            LineType::Dotted => Some([2.0, 3.0, 2.0, 3.0]),
            LineType::DashDot => Some([8.0, 3.0, 2.0, 3.0]),
            LineType::LongDash => Some([14.0, 4.0, 14.0, 4.0]),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            LineType::Solid => "solid",
            LineType::Dashed => "dashed",
            LineType::Dotted => "dotted",
            LineType::DashDot => "dash-dot",
            LineType::LongDash => "long dash",
        }
    }
}

/// Grey of the `i`-th group in the grey style: black, then darker to lighter greys that stay
/// legible on white (at most #7a7a7a, contrast ≥ 4.3:1).
pub fn grey_of_group(i: usize) -> RGBColor {
    [RGBColor(0, 0, 0), RGBColor(0x55, 0x55, 0x55), RGBColor(0x33, 0x33, 0x33), RGBColor(0x77, 0x77, 0x77), RGBColor(0x44, 0x44, 0x44)][i % 5]
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            conf_bands: true,
            censor_marks: true,
            risk_table: true,
            show_median: true,
            cumulative: false,
            percent: false,
            x_max: None,
            y_max: None,
            time_label: String::new(),
            y_label: String::new(),
            title: None,
            p_digits: None,
            italic_p: false,
            landmarks: Vec::new(),
            hidden_groups: Vec::new(),
            font_scale: 1.0,
            break_by: None,
            font_size: 14.0,
            min_cell: None,
            term: None,
            preset: None,
            dpi: None,
            style: Style::Colour,
            breaks: Vec::new(),
            kmunicate: false,
        }
    }
}

impl PlotOptions {
    /// Check values a user could have typed wrongly (the page passes them through unchanged).
    pub fn validate(&self) -> Result<(), String> {
        if !(self.font_scale.is_finite() && (0.25..=10.0).contains(&self.font_scale)) {
            return Err(format!("font_scale must be between 0.25 and 10 (got {})", self.font_scale));
        }
        if !(self.font_size.is_finite() && (6.0..=40.0).contains(&self.font_size)) {
            return Err(format!("font_size must be between 6 and 40 pixels (got {})", self.font_size));
        }
        if let Some(x) = self.x_max {
            if !(x.is_finite() && x > 0.0) {
                return Err(format!("x_max must be a positive number (got {x})"));
            }
        }
        if let Some(y) = self.y_max {
            if !(y.is_finite() && y > 0.0 && y <= 1.0) {
                return Err(format!("y_max must be in (0, 1] (got {y})"));
            }
        }
        if let Some(b) = self.break_by {
            if !(b.is_finite() && b > 0.0) {
                return Err(format!("break_by must be a positive number (got {b})"));
            }
        }
        if let Some(d) = self.p_digits {
            if !(1..=10).contains(&d) {
                return Err(format!("p_digits must be between 1 and 10 (got {d})"));
            }
        }
        if self.min_cell == Some(0) {
            return Err("min_cell (the disclosure threshold k) must be at least 1".to_string());
        }
        if let Some(l) = self.landmarks.iter().find(|l| !(l.is_finite() && **l >= 0.0)) {
            return Err(format!("landmark times must be non-negative numbers (got {l})"));
        }
        if let Some(d) = self.dpi {
            if !(72..=1200).contains(&d) {
                return Err(format!("dpi must be between 72 and 1200 (got {d}); journals ask for 300 or 600"));
            }
        }
        if let Some(b) = self.breaks.iter().find(|b| !(b.is_finite() && **b >= 0.0)) {
            return Err(format!("breaks must be non-negative times (got {b})"));
        }
        if self.breaks.windows(2).any(|w| w[1] <= w[0]) {
            return Err(format!("breaks must be increasing times without repeats (got {:?})", self.breaks));
        }
        if self.breaks.len() > 60 {
            return Err(format!("{} breaks are too many for the axis and the risk table: give at most 60", self.breaks.len()));
        }
        Ok(())
    }
}

/// One axis tick: its value (data units), its pixel position (relative to the drawing area's
/// origin; x for the x axis, y for the y axis) and its label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    pub value: f64,
    pub px: i32,
    pub label: String,
}

/// One drawn series, in the order of the report's arrays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutSeries {
    /// Index into `report.km` (Kaplan-Meier), `report.cuminc` (competing risks) or
    /// `cox.terms` / `finegray.terms` (forest).
    pub index: usize,
    /// Group level (`None` for an ungrouped curve), or the term name in a forest plot.
    pub group: Option<String>,
    /// `event` / `competing` for cumulative incidence curves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Legend text.
    pub label: String,
    /// CSS colour (`#rrggbb`).
    pub color: String,
    pub dashed: bool,
    /// Forest plot: the row's centre (pixels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y_px: Option<i32>,
}

/// The number-at-risk table as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskTableLayout {
    /// Times of the columns (= the x ticks).
    pub times: Vec<f64>,
    /// x pixel of each column's centre.
    pub columns_px: Vec<i32>,
    pub rows: Vec<RiskRowLayout>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskRowLayout {
    pub group: Option<String>,
    pub label: String,
    /// y pixel of the row's centre.
    pub y_px: i32,
    /// Number at risk at each column time.
    pub counts: Vec<f64>,
    /// KMunicate layout: the number censored (cumulative, up to and including each column time,
    /// as `summary(survfit, times=)` sums them), as written in the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub censored: Option<Vec<String>>,
    /// KMunicate layout: the number of events (cumulative, as `censored`), as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
}

/// Where things were drawn. Pixels are relative to the drawing area's top-left corner.
///
/// Mapping: a value `(t, v)` is drawn at
/// `x = plot_left + (t − x_min) / (x_max − x_min) · plot_width` (with `ln` of the three values
/// when `x_log`), `y = plot_top + (y_max − v) / (y_max − y_min) · plot_height`, where `v` is a
/// probability — S(t) when `figure` is `survival`, 1 − S(t) for `cumulative`, the cumulative
/// incidence for `cuminc` — even when the axis is labelled in percent. For hover read-outs,
/// [`km::values_at`] gives every drawn curve's value at a time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlotLayout {
    /// Pixels the survival figure's plot gave up to a strip above it for the medians and the
    /// test (drawn there when no place inside the plot is free of curves); 0 otherwise. The
    /// manuscript exports make the figure that much taller (`manuscript::figure_svg`).
    #[serde(skip)]
    pub annotation_strip: i32,
    /// `survival`, `cumulative` (1 − S), `cuminc` (competing risks) or `forest`.
    pub figure: String,
    pub width: u32,
    pub height: u32,
    pub plot_left: i32,
    pub plot_top: i32,
    pub plot_width: i32,
    pub plot_height: i32,
    pub x_min: f64,
    pub x_max: f64,
    pub x_log: bool,
    pub y_min: f64,
    pub y_max: f64,
    /// y axis labels in percent.
    pub percent: bool,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub series: Vec<LayoutSeries>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_table: Option<RiskTableLayout>,
    /// The legend's group entries as drawn (survival figure), for the page's clicks: a click
    /// inside an entry's box shows or hides that group. Empty when the figure has no groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub legend: Vec<LegendEntryLayout>,
}

/// One group's legend entry (swatch and text) and the box around it, in pixels of the drawing
/// area (as the other layout positions).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegendEntryLayout {
    pub group: Option<String>,
    pub label: String,
    /// Drawn greyed and struck through: the group is in `hidden_groups`.
    pub hidden: bool,
    pub left: i32,
    pub top: i32,
    pub width: i32,
    pub height: i32,
}

impl PlotLayout {
    /// Pixel x of data value `t` (the same rounding the drawing uses).
    pub fn x_px(&self, t: f64) -> i32 {
        let (a, b, v) = if self.x_log {
            (self.x_min.ln(), self.x_max.ln(), t.ln())
        } else {
            (self.x_min, self.x_max, t)
        };
        (self.plot_left as f64 + (v - a) / (b - a) * self.plot_width as f64).round() as i32
    }
    /// Pixel y of probability `v`.
    pub fn y_px(&self, v: f64) -> i32 {
        (self.plot_top as f64 + (self.y_max - v) / (self.y_max - self.y_min) * self.plot_height as f64).round() as i32
    }
}

pub use crate::numfmt::suppressed_count;

/// A group's size for a legend or a sentence: "n = 48", or "n < 5" when k suppresses it (a
/// group's size is never 0, so 0 here means "suppressed upstream").
pub fn group_n_text(n: usize, k: Option<u32>) -> String {
    match k {
        Some(k) if (n as u64) < k as u64 => format!("n < {k}"),
        _ => format!("n = {n}"),
    }
}

/// Colour-blind-safe palette (Okabe & Ito 2008), ordered for contrast on white: blue,
/// vermillion, bluish green, orange, reddish purple, sky blue, black, yellow. Colours follow
/// the group's level index, so hiding a group does not recolour the others.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];

/// Colour of the `i`-th group level.
pub fn group_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `#rrggbb` of a colour.
pub fn css_color(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// A p value as journals print it: `p < 0.001` below 0.001, otherwise two significant digits
/// (`p = 0.0013`, `p = 0.23`), `p > 0.99` above 0.99. When two significant digits would
/// round a p below 0.05 up to "0.050", three are kept (`p = 0.0496`) so the text never
/// contradicts the test. A missing p (NaN) is `p = NA`.
pub fn format_p(p: f64) -> String {
    format_p_digits(p, None)
}

/// [`format_p`] with a fixed number of decimal places when `digits` is given:
/// `p < 10^-digits` below that, else `p` rounded to `digits` places.
pub fn format_p_digits(p: f64, digits: Option<u32>) -> String {
    if !p.is_finite() {
        return "p = NA".to_string();
    }
    let p = p.clamp(0.0, 1.0);
    match digits {
        Some(d) => {
            let d = d.clamp(1, 10) as usize;
            let floor = 10f64.powi(-(d as i32));
            if p < floor {
                return format!("p < {:.*}", d, floor);
            }
            let ceil = 1.0 - floor;
            if p > ceil {
                return format!("p > {:.*}", d, ceil);
            }
            format!("p = {:.*}", d, p)
        }
        None => {
            if p < 0.001 {
                return "p < 0.001".to_string();
            }
            if p > 0.99 {
                return "p > 0.99".to_string();
            }
            let mut sig = 2;
            loop {
                // Decimal places giving `sig` significant digits.
                let places = (sig as i32 - 1 - p.log10().floor() as i32).max(0) as usize;
                let text = format!("{:.*}", places, p);
                let rounded: f64 = text.parse().unwrap_or(p);
                if p < 0.05 && rounded >= 0.05 && sig < 4 {
                    sig += 1;
                    continue;
                }
                return format!("p = {text}");
            }
        }
    }
}

/// "median (lower–upper)" with one number of decimals for all three, chosen from the median
/// (as `format_num`), so that a label never reads "14.6 (5.82–NR)"; integers stay integers and
/// an undefined limit is "NR" (not reached).
pub fn format_median_ci(md: f64, lo: Option<f64>, hi: Option<f64>) -> String {
    let vals = [Some(md), lo, hi];
    let finite = |v: &Option<f64>| v.filter(|x| x.is_finite());
    if vals.iter().filter_map(finite).all(|x| (x - x.round()).abs() < 1e-9) {
        let f = |v: Option<f64>| finite(&v).map_or("NR".to_string(), |x| format!("{}", x.round() as i64));
        return format!("{} ({}–{})", f(Some(md)), f(lo), f(hi));
    }
    let a = md.abs();
    let places = if a >= 100.0 { 0 } else if a >= 10.0 { 1 } else { 2 };
    let f = |v: Option<f64>| finite(&v).map_or("NR".to_string(), |x| format!("{:.*}", places, x));
    format!("{} ({}–{})", f(Some(md)), f(lo), f(hi))
}

pub use crate::numfmt::format_num;

/// Advance width of Arial / Liberation Sans (metric-compatible) in thousandths of an em, for
/// printable ASCII (32..=126).
const ARIAL_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    278, 278, 584, 584, 584, 556, 1015, // : ; < = > ? @
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // A-Z
    278, 278, 278, 469, 556, 333, // [ \ ] ^ _ `
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
    278, 556, 500, 722, 500, 500, 500, // a-z
    334, 260, 334, 584, // { | } ~
];

/// Estimated width in pixels of `text` at `size` pixels in the figure font (Arial metrics,
/// 5% wider to allow for a fallback font). Used for layout, identically in every backend.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    text_advance(text, size, bold) * 1.05
}

/// Width of `text` in Arial metrics exactly: where the next run of a line starts.
pub fn text_advance(text: &str, size: f64, bold: bool) -> f64 {
    let units: f64 = text
        .chars()
        .map(|c| {
            let u = c as u32;
            if (32..=126).contains(&u) {
                ARIAL_WIDTHS[(u - 32) as usize] as f64
            } else if u >= 0x2E80 {
                1000.0
            } else {
                600.0
            }
        })
        .sum();
    units / 1000.0 * size * if bold { 1.1 } else { 1.0 }
}

/// "Nice" tick spacing for a range: 1, 2, 2.5 or 5 × 10^k, giving about `target` intervals
/// (the smallest nice step giving at most `target`).
pub fn nice_step(range: f64, target: usize) -> f64 {
    if !(range.is_finite() && range > 0.0) {
        return 1.0;
    }
    nice_at_least(range / target.max(1) as f64)
}

/// The smallest of 1, 2, 2.5, 5 × 10^k that is at least `x` (> 0).
fn nice_at_least(x: f64) -> f64 {
    let mag = 10f64.powf(x.log10().floor());
    // Representation slack: 0.3 / 0.1 is 2.9999999999999996, 1022 / 5.11 a hair over 200.
    let f = x / mag * (1.0 - 1e-9);
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Tick step for an axis of `axis_px` pixels showing `range` data units: the smallest of 1, 2,
/// 2.5, 5 × 10^k whose ticks are at least `min_px` apart. One rule, monotone in the axis
/// length: a wider axis never gets a larger step, the step changes only when the spacing
/// crosses `min_px`, and the ticks are between `min_px` and `2 × min_px` apart (never a sudden
/// jump from five intervals to two when the width changes by a pixel).
pub fn axis_step(range: f64, axis_px: f64, min_px: f64) -> f64 {
    if !(range.is_finite() && range > 0.0 && axis_px.is_finite() && axis_px > 0.0 && min_px > 0.0) {
        return 1.0;
    }
    nice_at_least(range * min_px / axis_px)
}

/// Tick values `0, step, 2 step, ...` up to `max` (inclusive, with rounding slack).
pub fn ticks_from(min: f64, max: f64, step: f64) -> Vec<f64> {
    let mut out = Vec::new();
    if !(step > 0.0 && max >= min) {
        return out;
    }
    let first = (min / step - 1e-9).ceil() as i64;
    let last = (max / step + 1e-9).floor() as i64;
    for k in first..=last {
        // k * step, cleaned of representation noise (0.30000000000000004).
        let v = k as f64 * step;
        out.push((v * 1e9).round() / 1e9);
        if out.len() > 200 {
            break;
        }
    }
    out
}

/// Draw figure `kind` of `report` into `area` (any backend: the page's canvas, SVG).
pub fn draw_figure<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    report: &Report,
    opts: &PlotOptions,
    kind: FigureKind,
) -> Result<PlotLayout, String> {
    match kind {
        FigureKind::Survival => km::draw_survival(area, report, opts),
        FigureKind::Forest => forest::draw_forest(area, report, opts),
        #[cfg(feature = "extended")]
        FigureKind::Hazard => hazard::draw_hazard(area, report, opts),
        #[cfg(feature = "extended")]
        FigureKind::Cumhaz => hazard::draw_cumhaz(area, report, opts),
        #[cfg(feature = "extended")]
        FigureKind::HazardRatio => hazard::draw_hazard_ratio(area, report, opts),
        #[cfg(feature = "extended")]
        FigureKind::ParametricFit => hazard::draw_parametric_fit(area, report, opts),
        FigureKind::Zph => zph::draw_zph(area, report, opts),
        FigureKind::Flow => flow::draw_flow(area, report, opts),
        #[cfg(feature = "extended")]
        FigureKind::Adjusted => adjusted::draw_adjusted(area, report, opts),
        #[cfg(feature = "extended")]
        FigureKind::Love => love::draw_love(area, report, opts),
        #[cfg(feature = "extended")]
        FigureKind::Subgroups => subgroups::draw_subgroups(area, report, opts),
        #[cfg(feature = "extended")]
        FigureKind::Spline => adjusted::draw_spline(area, report, opts),
        // The extended estimators' figures are not in the page's first module (issue 20).
        #[cfg(not(feature = "extended"))]
        _ => Err(format!("this figure {}", crate::analyze::EXTENDED_MISSING)),
    }
}

/// Draw a figure into an SVG string (native export, tests, and the page's "download SVG").
pub fn render_svg(report: &Report, opts: &PlotOptions, width: u32, height: u32, kind: FigureKind) -> Result<String, String> {
    svg_of(width, height, |root| draw_figure(root, report, opts, kind).map(|_| ()))
}

/// The survival figure of a protected `report` as SVG, its KMunicate rows (censored, events)
/// counted from `counts`, the same analysis before protection ([`km::draw_survival_counted`]).
/// Also returns the figure's layout.
pub fn render_survival_svg(report: &Report, counts: &Report, opts: &PlotOptions, width: u32, height: u32) -> Result<(String, PlotLayout), String> {
    let mut layout = None;
    let svg = svg_of(width, height, |root| km::draw_survival_counted(root, report, opts, counts).map(|l| layout = Some(l)))?;
    Ok((svg, layout.ok_or("the survival figure was not drawn")?))
}

/// The backend SVG documents are drawn with: plotters' `SVGBackend` natively; in the wasm engine
/// its one backend type ([`canvas::FigureBackend`], whose SVG variant writes through
/// `SVGBackend`, byte for byte the same document), so that the module holds one copy of every
/// figure's drawing code instead of one per backend (issue 20: ~100 KB raw, ~35 KB gzipped).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type SvgTarget<'a> = SVGBackend<'a>;
#[cfg(target_arch = "wasm32")]
pub(crate) type SvgTarget<'a> = canvas::FigureBackend<'a>;

/// An SVG backend writing into `buf` (see [`SvgTarget`]).
pub(crate) fn svg_target(buf: &mut String, size: (u32, u32)) -> SvgTarget<'_> {
    #[cfg(target_arch = "wasm32")]
    return canvas::FigureBackend::Svg(SVGBackend::with_string(buf, size));
    #[cfg(not(target_arch = "wasm32"))]
    SVGBackend::with_string(buf, size)
}

fn svg_of(width: u32, height: u32, draw: impl FnOnce(&DrawingArea<SvgTarget, plotters::coord::Shift>) -> Result<(), String>) -> Result<String, String> {
    if !(100..=20000).contains(&width) || !(100..=20000).contains(&height) {
        return Err(format!("figure size must be between 100 and 20000 pixels (got {width}×{height})"));
    }
    let mut svg = String::new();
    {
        let root = svg_target(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| format!("drawing failed: {e}"))?;
        paint::with_dash_paths(|| draw(&root))?;
        root.present().map_err(|e| format!("drawing failed: {e}"))?;
    }
    // Dashed and dotted lines as one path each with a dash array (not one element per dash).
    Ok(paint::dash_placeholders_to_paths(&svg))
}

// ---------- the chart prologue (km.rs, adjusted.rs, hazard.rs) ----------

/// What a chart figure starts from (the survival figure in `km.rs`, the spline curve in
/// `adjusted.rs`, the hazard charts in `hazard.rs`): a white background, the painter, the
/// figure's pixel size, and the font sizes and spacings the options give.
pub(crate) struct Frame<'a, DB: DrawingBackend> {
    pub p: paint::Painter<'a, DB>,
    /// `font_scale`: design lengths × `s` = pixels.
    pub s: f64,
    pub w: u32,
    pub h: u32,
    /// Font sizes of the axis titles, the tick labels and the figure title (the painter scales them).
    pub fs: f64,
    pub f_tick: f64,
    pub f_title: f64,
    /// Outer padding and tick length, in pixels.
    pub pad: f64,
    pub tick: f64,
}

impl<'a, DB: DrawingBackend> Frame<'a, DB> {
    /// Fill `area` white and derive the sizes from `opts` (checked first).
    pub fn new(area: &'a DrawingArea<DB, plotters::coord::Shift>, opts: &PlotOptions) -> Result<Self, String> {
        opts.validate()?;
        let s = opts.font_scale;
        let (w, h) = area.dim_in_pixel();
        area.fill(&WHITE).map_err(|e| format!("drawing failed: {e}"))?;
        let fs = opts.font_size;
        Ok(Frame { p: paint::Painter::new(area, s), s, w, h, fs, f_tick: fs * 0.92, f_title: fs * 1.25, pad: 12.0 * s, tick: 5.0 * s })
    }

    /// The options' title, if any (blank counts as none).
    pub fn title<'o>(&self, opts: &'o PlotOptions) -> Option<&'o String> {
        opts.title.as_ref().filter(|t| !t.trim().is_empty())
    }

    /// Pixels the title takes at the top, below the padding (0 without a title).
    pub fn title_height(&self, opts: &PlotOptions) -> f64 {
        if self.title(opts).is_some() {
            self.f_title * self.s * 1.3 + 4.0 * self.s
        } else {
            0.0
        }
    }

    /// Draw the title centred at the top (nothing without one).
    pub fn draw_title(&self, opts: &PlotOptions) -> Result<(), String> {
        use plotters::style::text_anchor::{HPos, VPos};
        if let Some(t) = self.title(opts) {
            let at = ((self.w as f64 / 2.0) as i32, self.pad.round() as i32);
            self.p.text(t, at, self.f_title, paint::INK, HPos::Center, VPos::Top, paint::Face::Bold, false)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod median_label_tests {
    use super::format_median_ci;
    #[test]
    fn one_precision_for_the_median_and_its_limits() {
        assert_eq!(format_median_ci(270.0, Some(212.0), Some(310.0)), "270 (212–310)");
        assert_eq!(format_median_ci(14.55, Some(5.82), None), "14.6 (5.8–NR)");
        assert_eq!(format_median_ci(0.82, Some(0.46), Some(1.86)), "0.82 (0.46–1.86)");
        assert_eq!(format_median_ci(14.0, Some(5.82), Some(20.0)), "14.0 (5.8–20.0)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_as_journals_print_them() {
        assert_eq!(format_p(0.00004), "p < 0.001");
        assert_eq!(format_p(0.0009999), "p < 0.001");
        assert_eq!(format_p(0.001), "p = 0.0010");
        // lung by sex, survdiff p = 0.00131116 → two significant digits.
        assert_eq!(format_p(0.00131116452035549), "p = 0.0013");
        assert_eq!(format_p(0.232415680999612), "p = 0.23");
        assert_eq!(format_p(0.5), "p = 0.50");
        // 0.0496 would round to 0.050 with two digits: keep three so it stays below 0.05.
        assert_eq!(format_p(0.0496), "p = 0.0496");
        assert_eq!(format_p(0.0504), "p = 0.050");
        assert_eq!(format_p(0.995), "p > 0.99");
        assert_eq!(format_p(f64::NAN), "p = NA");
        assert_eq!(format_p_digits(0.0004, Some(3)), "p < 0.001");
        assert_eq!(format_p_digits(0.01234, Some(3)), "p = 0.012");
        assert_eq!(format_p_digits(0.01234, Some(2)), "p = 0.01");
        assert_eq!(format_p_digits(0.004, Some(2)), "p < 0.01");
        assert_eq!(format_p_digits(0.9999, Some(3)), "p > 0.999");
    }

    #[test]
    fn numbers_for_labels() {
        assert_eq!(format_num(270.0), "270");
        assert_eq!(format_num(10.36), "10.4");
        assert_eq!(format_num(0.456), "0.46");
        assert_eq!(format_num(2.5), "2.5");
        assert_eq!(format_num(-0.001), "0");
    }

    #[test]
    fn nice_ticks() {
        // lung: follow-up to 1022 days, ~5 intervals → 250-day ticks (as survminer).
        assert_eq!(nice_step(1022.0, 5), 250.0);
        assert_eq!(ticks_from(0.0, 1022.0, 250.0), vec![0.0, 250.0, 500.0, 750.0, 1000.0]);
        assert_eq!(nice_step(60.0, 6), 10.0);
        assert_eq!(ticks_from(0.0, 1.0, 0.2), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_step(0.3, 3), 0.1);
    }

    #[test]
    fn axis_steps_are_stable_as_the_axis_widens() {
        // lung's 1022 days at 70 px per tick: 250 days from 286 px (4 intervals) to 357 px...
        assert_eq!(axis_step(1022.0, 300.0, 70.0), 250.0);
        assert_eq!(axis_step(1022.0, 357.0, 70.0), 250.0);
        assert_eq!(axis_step(1022.0, 358.0, 70.0), 200.0);
        assert_eq!(axis_step(1022.0, 900.0, 70.0), 100.0);
        for range in [1.0, 7.3, 60.0, 1022.0, 3650.0, 0.042] {
            let mut last = f64::INFINITY;
            for px in 150..=2400 {
                let px = px as f64;
                let step = axis_step(range, px, 70.0);
                // 1, 2, 2.5 or 5 × 10^k.
                let m = step / 10f64.powf(step.log10().floor());
                assert!([1.0, 2.0, 2.5, 5.0].iter().any(|n| (m - n).abs() < 1e-9), "{range} at {px} px: step {step}");
                // Never larger on a wider axis; ticks at least 70 px apart, and at most twice that
                // (so the count follows the width: no jump from 5 intervals to 2).
                assert!(step <= last, "{range}: step grows from {last} to {step} at {px} px");
                let spacing = px * step / range;
                assert!((70.0 - 1e-6..=140.0 + 1e-6).contains(&spacing), "{range} at {px} px: {spacing} px apart");
                last = step;
            }
        }
    }

    #[test]
    fn options_reject_typos_and_nonsense() {
        let o: PlotOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(o, PlotOptions::default());
        assert!(serde_json::from_str::<PlotOptions>(r#"{"conf_band": true}"#).is_err());
        let o: PlotOptions = serde_json::from_str(r#"{"break_by": -3}"#).unwrap();
        assert!(o.validate().unwrap_err().contains("break_by"));
        let o: PlotOptions = serde_json::from_str(r#"{"landmarks": [6, 12], "percent": true}"#).unwrap();
        assert!(o.validate().is_ok());
    }

    #[test]
    fn text_width_grows_with_text_and_size() {
        let a = text_width("138", 12.0, false);
        // three digits of 0.556 em at 12 px, ×1.05
        assert!((a - 3.0 * 0.556 * 12.0 * 1.05).abs() < 1e-9);
        assert!(text_width("Female", 12.0, false) > text_width("Male", 12.0, false));
    }
}
