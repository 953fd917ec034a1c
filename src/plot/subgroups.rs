//! Subgroup forest plot: the hazard ratio of the group (second level against the first) within
//! each level of each subgroup column, as `report.subgroups`. Each column is a bold header row
//! carrying its interaction test ("interaction p = 0.042"), followed by one row per level with
//! its N, events, the estimate as a square sized by its events, the 95% CI on a log axis with a
//! dashed line at 1, and "HR (95% CI)" on the right.
//!
//! Disclosure control (`min_cell` = k): a level with fewer than k patients has its N written
//! "<k" (and its events "<k" when they are 1..k−1), as the project's tables do; a level the
//! disclosure module already withheld (a protected report: counts 0, flagged small) has "—" for
//! its counts and "withheld (<k)" for a withheld hazard ratio. A level without an estimate (no
//! events, or one arm only) is written "not estimable" and not drawn.
//!
//! The first row is the overall hazard ratio (`report.subgroup_overall`: the same model over all
//! analysed rows, without the split), in bold, drawn as a diamond spanning its 95% CI as
//! published forests draw the pooled estimate, with a dotted vertical line through it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::forest::{drawable, format_ratio_ci, rows_height, RowAxis, RowPlot, ESTIMATE};
use super::paint::{Face, GREY, INK};
use super::{css_color, format_p_digits, suppressed_count, LayoutSeries, PlotLayout, PlotOptions};
use crate::adjust::SubgroupRow;
use crate::report::Report;

/// One drawn row: a column header (`level` None) or a level.
struct Row<'a> {
    label: String,
    level: Option<&'a SubgroupRow>,
    note: String,
    overall: bool,
}

fn rows<'a>(report: &'a Report, opts: &PlotOptions) -> Vec<Row<'a>> {
    let mut out = Vec::new();
    if let Some(o) = &report.subgroup_overall {
        out.push(Row { label: "Overall".to_string(), level: Some(o), note: String::new(), overall: true });
    }
    let mut last: Option<&str> = None;
    for r in &report.subgroups {
        if last != Some(r.column.as_str()) {
            let note = report
                .interaction
                .iter()
                .find(|t| t.column == r.column)
                .map(|t| format!("interaction {}", format_p_digits(t.p, opts.p_digits)))
                .unwrap_or_default();
            out.push(Row { label: r.column.clone(), level: None, note, overall: false });
            last = Some(&r.column);
        }
        out.push(Row { label: r.level.clone(), level: Some(r), note: String::new(), overall: false });
    }
    out
}

/// Natural height of the subgroup forest plot of `report` (26 design pixels a row).
pub fn natural_height(report: &Report, opts: &PlotOptions) -> u32 {
    rows_height(opts, rows(report, opts).len().max(1), 26.0, 1.6)
}

/// Draw the subgroup forest plot of `report` into `area` (filled white).
pub fn draw_subgroups<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &Report, opts: &PlotOptions) -> Result<PlotLayout, String> {
    opts.validate()?;
    if report.subgroups.is_empty() {
        return Err("the report has no subgroups to draw: set subgroups (with a two-level group) in the analysis".to_string());
    }
    let rows = rows(report, opts);
    let ok = drawable;
    let mut f = RowPlot::begin(area, opts, 1.6)?;
    let (s, fs, pad, wf, f_tick) = (f.s, f.fs, f.pad, f.wf, f.f_tick);
    let indent = 14.0 * s;

    let levels = &report.groups;
    let (a_name, b_name) = (levels.first().cloned().unwrap_or_default(), levels.get(1).cloned().unwrap_or_default());
    // A level the disclosure module withheld (src/disclosure/adjusted.rs) comes with n = 0: its
    // counts are "—" and, when its hazard ratio went too, the HR column says why.
    let withheld = |l: &SubgroupRow| opts.min_cell.is_some() && l.small && l.n == 0;
    let count = |l: &SubgroupRow, n: usize| if withheld(l) { "—".to_string() } else { suppressed_count(n as f64, opts.min_cell).unwrap_or_else(|| n.to_string()) };
    let n_texts: Vec<String> = rows.iter().map(|r| r.level.map(|l| count(l, l.n)).unwrap_or_default()).collect();
    let e_texts: Vec<String> = rows.iter().map(|r| r.level.map(|l| count(l, l.events)).unwrap_or_default()).collect();
    let ci_texts: Vec<String> = rows
        .iter()
        .map(|r| match (r.level, opts.min_cell) {
            (Some(l), Some(k)) if withheld(l) && !l.hr.is_finite() => format!("withheld (<{k})"),
            (Some(l), _) => format_ratio_ci(l.hr, l.lower, l.upper),
            (None, _) => String::new(),
        })
        .collect();

    let all = || report.subgroups.iter().chain(report.subgroup_overall.as_ref());
    let lo = all().filter(|r| ok(r.hr)).map(|r| if ok(r.lower) { r.lower } else { r.hr }).fold(1.0, f64::min);
    let hi = all().filter(|r| ok(r.hr)).map(|r| if ok(r.upper) { r.upper } else { r.hr }).fold(1.0, f64::max);
    let axis_name = if b_name.is_empty() { "Hazard ratio (log scale)".to_string() } else { format!("Hazard ratio, {b_name} vs {a_name} (log scale)") };

    let p = &f.p;
    let label_w = rows
        .iter()
        .map(|r| if r.level.is_some() && !r.overall { indent + p.width(&r.label, fs, Face::Normal) } else { p.width(&r.label, fs, Face::Bold) })
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
    f.place(rows.len(), 30.0, plot_left, plot_right, RowAxis::ratio(lo, hi, axis_name), "subgroup forest plot", "rows")?;
    let ci_x = (plot_right + gap).round() as i32;

    f.title()?;
    let p = &f.p;
    let hy = f.header_y.round() as i32;
    let x_pad = pad.round() as i32;
    p.text("Subgroup", (x_pad, hy), fs, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    p.text("N", (n_right.round() as i32, hy), fs, INK, HPos::Right, VPos::Top, Face::Bold, false)?;
    p.text("Events", (e_right.round() as i32, hy), fs, INK, HPos::Right, VPos::Top, Face::Bold, false)?;
    p.text("HR (95% CI)", (ci_x, hy), fs, INK, HPos::Left, VPos::Top, Face::Bold, false)?;
    f.rule((wf - pad).round() as i32)?;
    f.reference(1.0, true)?;

    let max_events = report.subgroups.iter().map(|r| r.events).max().unwrap_or(1).max(1) as f64;
    let mut series = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let yc = f.y_of(i);
        let Some(l) = r.level else {
            p.text(&r.label, (x_pad, yc), fs, INK, HPos::Left, VPos::Center, Face::Bold, false)?;
            p.text(&r.note, (ci_x, yc), f_tick, GREY, HPos::Left, VPos::Center, Face::Italic, false)?;
            continue;
        };
        let (face, x_label) = if r.overall { (Face::Bold, x_pad) } else { (Face::Normal, (pad + indent).round() as i32) };
        p.text(&r.label, (x_label, yc), fs, INK, HPos::Left, VPos::Center, face, false)?;
        p.text(&n_texts[i], (n_right.round() as i32, yc), fs, INK, HPos::Right, VPos::Center, face, false)?;
        p.text(&e_texts[i], (e_right.round() as i32, yc), fs, INK, HPos::Right, VPos::Center, face, false)?;
        p.text(&ci_texts[i], (ci_x, yc), fs, if ok(l.hr) { INK } else { GREY }, HPos::Left, VPos::Center, face, false)?;
        if r.overall {
            diamond(&f, yc, l)?;
        } else {
            // Square area proportional to the events (the row's information), 3–7 px half-side.
            f.estimate(yc, l.hr, l.lower, l.upper, 3.0 + 4.0 * (l.events as f64 / max_events).sqrt())?;
        }
        series.push(LayoutSeries {
            index: report.subgroups.iter().position(|x| std::ptr::eq(x, l)).unwrap_or(report.subgroups.len()),
            group: Some(if r.overall { "overall".to_string() } else { format!("{}={}", l.column, l.level) }),
            cause: None,
            label: if r.overall { format!("Overall: {}", ci_texts[i]) } else { format!("{} = {}: {}", l.column, l.level, ci_texts[i]) },
            color: css_color(ESTIMATE),
            dashed: false,
            y_px: Some(yc),
        });
    }

    let x_ticks = f.axis()?;
    Ok(f.layout("subgroups", x_ticks, series))
}

/// The overall estimate as a diamond from its lower to its upper limit (the limits clamped to the
/// axis), 6 design pixels half-height, and a dotted vertical line through the estimate over the
/// rows; nothing for an estimate that cannot be drawn (its text says why).
fn diamond<DB: DrawingBackend>(f: &RowPlot<'_, DB>, yc: i32, l: &SubgroupRow) -> Result<(), String> {
    if !drawable(l.hr) {
        return Ok(());
    }
    let (a, b) = f.axis_range();
    let lo = if drawable(l.lower) { l.lower } else { a };
    let hi = if drawable(l.upper) { l.upper } else { b };
    let (xl, xc, xu) = (f.x_of(lo), f.x_of(l.hr), f.x_of(hi));
    let h = f.p.px(6.0);
    f.p.dashed(vec![(xc, f.top), (xc, f.bottom)], RGBAColor(GREY.0, GREY.1, GREY.2, 1.0), 1.0, 1.5, 3.0)?;
    let fill = RGBAColor(ESTIMATE.0, ESTIMATE.1, ESTIMATE.2, 1.0);
    f.p.polygon(vec![(xl, yc), (xc, yc - h), (xu, yc), (xc, yc + h)], fill)
}
