//! The adjusted comparisons' figures as the page and the exports ask for them by name:
//!
//! * `adjusted`: the directly standardised survival curves (`report.adjusted`) drawn in the main
//!   figure exactly as the crude Kaplan-Meier curves are (same axes, colours, legend, landmarks),
//!   by handing [`super::km::draw_survival`] a view of the report whose curves are the adjusted
//!   ones. They carry no confidence band, censoring mark, median or number at risk (the
//!   standardised curve is an average of predictions, not a count of patients) and no log-rank p
//!   (the test compares the crude curves); the legend's n is the rows the model averaged over.
//! * `love` and `subgroups`: [`super::love`] and [`super::subgroups`].
//!
//! [`natural_height`] gives the height each row figure wants, so the page sizes its canvas from
//! the core as it does for the forest plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FigureKind, PlotLayout, PlotOptions};
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
            n: a.n,
            events: 0,
            median: None,
            median_lower: None,
            median_upper: None,
            steps: a
                .steps
                .iter()
                .map(|s| KmStep { time: s.time, n_risk: nan, n_event: nan, n_censor: 0.0, surv: s.surv, std_err: nan, lower: nan, upper: nan, cumhaz: nan, std_cumhaz: nan })
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
    let opts = PlotOptions { conf_bands: false, censor_marks: false, risk_table: false, show_median: false, y_label, ..opts.clone() };
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
