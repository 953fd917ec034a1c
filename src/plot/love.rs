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

use super::forest::{rows_height, RowAxis, RowPlot, ESTIMATE};
use super::paint::{Face, GREY, INK};
use super::{css_color, LayoutSeries, PlotLayout, PlotOptions};
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
    rows_height(opts, n, 28.0, 1.8)
}

/// Draw the love plot of `report.propensity` into `area` (filled white).
pub fn draw_love<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    opts.validate()?;
    let ps = report.propensity.as_ref().filter(|p| !p.balance.is_empty()).ok_or_else(|| "the report has no propensity-score balance to draw: set propensity in the analysis".to_string())?;
    let mut f = RowPlot::begin(area, opts, 1.8)?;
    let (s, fs, pad, wf) = (f.s, f.fs, f.pad, f.wf);

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

    let name_w = names.iter().map(|n| f.p.width(n, fs, Face::Normal)).fold(f.p.width("Term", fs, Face::Bold), f64::max);
    let plot_left = (pad + name_w + 18.0 * s).ceil();
    let plot_right = (wf - pad - 10.0 * s).floor();
    let axis = RowAxis::linear(end, step, "Absolute standardised mean difference".to_string());
    f.place(names.len(), 32.0, plot_left, plot_right, axis, "love plot", "terms")?;
    let (left, pw) = (f.left, f.pw);

    f.title()?;
    let p = &f.p;
    // Header: the column title and the legend.
    let hy = (f.header_y + fs * s * 0.6).round() as i32;
    p.text("Term", (pad.round() as i32, hy), fs, INK, HPos::Left, VPos::Center, Face::Bold, false)?;
    let before = RGBColor(0xD5, 0x5E, 0x00);
    let after = ESTIMATE;
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
    f.shade(left + pw)?;
    f.reference(0.0, false)?;
    f.reference(BALANCE_BOUND, true)?;

    let mut series = Vec::new();
    for (i, (b, name)) in ps.balance.iter().zip(&names).enumerate() {
        let yc = f.y_of(i);
        p.text(name, (pad.round() as i32, yc), fs, INK, HPos::Left, VPos::Center, Face::Normal, false)?;
        let (a, c) = (b.smd_before.abs(), b.smd_after.abs());
        if !a.is_finite() || !c.is_finite() {
            p.text("not estimable", (left + p.px(4.0), yc), f.f_tick, GREY, HPos::Left, VPos::Center, Face::Italic, false)?;
        } else {
            p.line(vec![(f.x_of(a), yc), (f.x_of(c), yc)], RGBAColor(0xBB, 0xBB, 0xBB, 1.0), 1.0)?;
            marker((f.x_of(a), yc), before, true)?;
            marker((f.x_of(c), yc), after, false)?;
        }
        series.push(LayoutSeries {
            index: i,
            group: Some(b.name.clone()),
            cause: None,
            label: format!("{}: {:.3} → {:.3}", b.name, a, c),
            color: css_color(after),
            dashed: false,
            y_px: Some(yc),
        });
    }

    let x_ticks = f.axis()?;
    Ok(f.layout("love", x_ticks, series))
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
