//! `Report`: what the page shows, the CLI prints and the exports write. Non-finite numbers
//! serialize as `null` (serde_json's rule), so JSON never carries NaN or infinity.

use serde::Serialize;

use crate::spec::AnalysisSpec;
use crate::stats::common::TestResult;
use crate::stats::cox::CoxReport;
use crate::stats::cuminc::{CumincCurve, GrayTest};
use crate::stats::finegray::FineGrayReport;
use crate::stats::km::KmCurve;
use crate::stats::logrank::PairwiseTest;
use crate::stats::parametric::ParametricReport;
use crate::stats::table1::Table1Row;

/// One univariable model in a screen of candidate covariates.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnivariableModel {
    pub covariate: String,
    pub n: usize,
    pub events: usize,
    /// Cox terms (or Fine-Gray terms with competing events) of this covariate alone.
    pub terms: Vec<crate::stats::cox::CoxTerm>,
    /// Likelihood-ratio test of the covariate (all its terms).
    pub lr_test: Option<TestResult>,
}

/// Smoothed hazard of one group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupHazard {
    pub group: Option<String>,
    #[serde(flatten)]
    pub curve: crate::stats::hazard::HazardCurve,
}

/// Ratio of two groups' smoothed hazards (`b` over `a`), beside the Cox hazard ratio.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HazardRatio {
    pub a: String,
    pub b: String,
    #[serde(flatten)]
    pub curve: crate::stats::hazard::HazardRatioCurve,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Report {
    /// The spec this report answers.
    pub spec: Option<AnalysisSpec>,
    /// Data file name.
    pub file: String,
    /// Rows in the file, and removed by filters.
    pub rows_in_file: usize,
    pub rows_filtered_out: usize,
    /// Rows used (valid time, outcome, group) and events among them.
    pub n: usize,
    pub events: usize,
    /// Competing events among the rows used (competing-risks analyses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub competing_events: Option<usize>,
    /// Time unit when time comes from dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<&'static str>,
    /// Group levels in level order (empty when ungrouped).
    pub groups: Vec<String>,
    pub warnings: Vec<String>,
    /// What ingestion detected (encoding, delimiter, ...).
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub km: Vec<KmCurve>,
    /// The test between groups; `null` when there is none (one group, or sampling weights).
    pub logrank: Option<TestResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairwise: Option<Vec<PairwiseTest>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<TestResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cox: Option<CoxReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub univariable: Vec<UnivariableModel>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cuminc: Vec<CumincCurve>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gray_test: Vec<GrayTest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finegray: Option<FineGrayReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table1: Option<Vec<Table1Row>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parametric: Vec<ParametricReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hazard: Vec<GroupHazard>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hazard_ratio: Option<HazardRatio>,
    /// RMST(b) − RMST(a) per pair of groups, with `rmst_tau`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rmst_diff: Vec<crate::stats::rmst::RmstDiff>,
    /// Spline covariates of the Cox model: hazard-ratio curve and test of non-linearity.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spline: Vec<crate::stats::spline::SplineReport>,
    /// Hazard ratio of the (two-level) group within each level of each `subgroups` column.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subgroups: Vec<crate::adjust::SubgroupRow>,
    /// Likelihood-ratio test of group × column, per `subgroups` column.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interaction: Vec<crate::adjust::InteractionTest>,
    /// Directly standardised survival per group (`"adjusted": "direct"`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjusted: Vec<crate::adjust::AdjustedCurve>,
    /// Propensity-score model, weights' effective sample sizes and balance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propensity: Option<crate::adjust::PropensityReport>,
}

impl Report {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
