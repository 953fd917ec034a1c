//! The cohort overview's entry points: missingness, column charts and Table 1 exports of the
//! loaded file. The table stays inside wasm; only summaries and drawings cross the boundary.

// Without the `extended` feature (the page's first module) these entry points answer with an
// error of kind `engine` and the helpers below go unused.
#![cfg_attr(not(feature = "extended"), allow(unused_imports, dead_code))]

use plotters::prelude::*;
use wasm_bindgen::prelude::*;

use super::{js_error, js_msg, to_json, Session};
#[cfg(feature = "extended")]
use super::{CanvasBackend2d, FigureBackend};
#[cfg(feature = "extended")]
use crate::overview::{column_chart, missingness, ColumnChart};
#[cfg(feature = "extended")]
use crate::plot::hist::{draw_histogram, HistData, HistOptions};
#[cfg(feature = "extended")]
use crate::spec::AnalysisSpec;
#[cfg(feature = "extended")]
use crate::table::ColumnData;

/// Row bins of the missingness pattern.
const PATTERN_BINS: usize = 120;

#[wasm_bindgen]
impl Session {
    /// Missing cells of the loaded file and the rows the analysis `spec_json` loses to
    /// complete-case exclusion, named by column (`overview::MissingnessReport` as JSON).
    #[cfg_attr(not(feature = "extended"), allow(unused_variables))]
    pub fn missingness(&self, spec_json: &str) -> Result<String, JsValue> {
        // The Cohort tab is the on-demand module's (feature `extended`; its Table 1 is too).
        #[cfg(not(feature = "extended"))]
        return Err(super::left_out("the Cohort tab's missing values"));
        #[cfg(feature = "extended")]
        {
            let spec = AnalysisSpec::from_json(spec_json).map_err(|e| js_error(&e))?;
            let m = missingness(self.table()?, &spec, PATTERN_BINS).map_err(|e| js_error(&e))?;
            to_json(&m)
        }
    }

    /// Median follow-up by reverse Kaplan-Meier per group and overall (competing risks too),
    /// with events and competing events: `[overview::GroupFollowup]` as JSON.
    #[cfg_attr(not(feature = "extended"), allow(unused_variables))]
    pub fn followup(&self, spec_json: &str) -> Result<String, JsValue> {
        // The Cohort tab is the on-demand module's (feature `extended`; its Table 1 is too).
        #[cfg(not(feature = "extended"))]
        return Err(super::left_out("the Cohort tab's follow-up"));
        #[cfg(feature = "extended")]
        {
            let spec = AnalysisSpec::from_json(spec_json).map_err(|e| js_error(&e))?;
            to_json(&crate::overview::followup(self.table()?, &spec).map_err(|e| js_error(&e))?)
        }
    }

    /// Table 1 of report `handle` as `csv` or `markdown` text.
    pub fn table1_export(&self, handle: u32, format: &str) -> Result<String, JsValue> {
        // Table 1 is the on-demand module's (feature `extended`): the core's reports have none.
        #[cfg(not(feature = "extended"))]
        return Err(super::left_out(&format!("Table 1 ({format}, analysis {handle})")));
        #[cfg(feature = "extended")]
        {
            let report = self.held_report(handle)?;
            let rows = report.table1.as_ref().ok_or_else(|| js_msg("this analysis has no Table 1: choose its columns first"))?;
            match format {
                "csv" => Ok(crate::stats::table1::to_csv(rows)),
                "markdown" | "md" => Ok(crate::stats::table1::to_markdown(rows)),
                other => Err(js_msg(format!("unknown Table 1 format '{other}': use 'csv' or 'markdown'"))),
            }
        }
    }

    /// Draw column `name`'s histogram (or bar chart when text, or when `categorical`) into a
    /// canvas; returns the bars as JSON (label, count, pixel rectangle).
    #[cfg_attr(not(feature = "extended"), allow(unused_variables))]
    pub fn draw_column(&self, canvas: web_sys::HtmlCanvasElement, name: &str, categorical: bool, options_json: &str) -> Result<String, JsValue> {
        // The Cohort tab is the on-demand module's (feature `extended`; its Table 1 is too).
        #[cfg(not(feature = "extended"))]
        return Err(super::left_out("the Cohort tab's column charts"));
        #[cfg(feature = "extended")]
        {
            let backend = CanvasBackend2d::html(&canvas).map_err(js_msg)?;
            self.column_into(FigureBackend::Canvas(backend), name, categorical, options_json)
        }
    }

    /// As [`Session::draw_column`], into an `OffscreenCanvas` (the worker's way).
    #[cfg_attr(not(feature = "extended"), allow(unused_variables))]
    pub fn draw_column_offscreen(&self, canvas: web_sys::OffscreenCanvas, name: &str, categorical: bool, options_json: &str) -> Result<String, JsValue> {
        // The Cohort tab is the on-demand module's (feature `extended`; its Table 1 is too).
        #[cfg(not(feature = "extended"))]
        return Err(super::left_out("the Cohort tab's column charts"));
        #[cfg(feature = "extended")]
        {
            let backend = CanvasBackend2d::offscreen(&canvas).map_err(js_msg)?;
            self.column_into(FigureBackend::Canvas(backend), name, categorical, options_json)
        }
    }
}

#[cfg(feature = "extended")]
impl Session {
    fn column_into(&self, backend: FigureBackend, name: &str, categorical: bool, options_json: &str) -> Result<String, JsValue> {
        let table = self.table()?;
        let text = if options_json.trim().is_empty() { "{}" } else { options_json };
        let mut opts: HistOptions = serde_json::from_str(text).map_err(|e| js_msg(format!("the chart options are not valid: {e}")))?;
        opts.date_axis = !categorical && matches!(table.column(name).map(|c| &c.data), Some(ColumnData::Date(_)));
        let chart = column_chart(table, name, categorical).map_err(|e| js_error(&e))?;
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(|e| js_msg(format!("drawing failed: {e}")))?;
        let bars = match &chart {
            ColumnChart::Values(v) => draw_histogram(&root, HistData::Values(v), &opts),
            ColumnChart::Counts(c) => draw_histogram(&root, HistData::Counts(c), &opts),
        }
        .map_err(js_msg)?;
        root.present().map_err(|e| js_msg(format!("drawing failed: {e}")))?;
        to_json(&bars)
    }
}
