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

pub use crate::columns::{FlowExclusion, FLOW_LINES};

/// The cohort flow (STROBE): rows read → removed by the filters → excluded, by reason → analysed,
/// per group. The page's and the exports' flow diagram (`plot::flow`) draws it.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Flow {
    /// Data rows in the file.
    pub rows_read: usize,
    /// Rows outside the spec's filters (a choice, not an exclusion).
    pub filtered_out: usize,
    /// Rows excluded because a value the analysis needs is missing or unusable, by reason.
    pub excluded: Vec<FlowExclusion>,
    /// Rows analysed.
    pub analysed: usize,
    /// Analysed rows and events per group (empty without a group).
    pub groups: Vec<FlowGroup>,
}

/// One group of the analysed rows.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlowGroup {
    pub group: String,
    pub n: usize,
    pub events: usize,
}

impl Flow {
    /// The flow of a preparation of `rows_read` rows.
    pub fn of(rows_read: usize, prep: &crate::prepare::Prepared) -> Flow {
        let groups = match &prep.group {
            Some(g) => {
                // One pass over the rows for every group (rows, events); a code past the levels
                // (a missing group) counts nowhere.
                let mut counts = vec![(0usize, 0usize); g.levels.len() + 1];
                let last = g.levels.len();
                for (&c, &s) in g.codes.iter().zip(&prep.status) {
                    let k = &mut counts[(c as usize).min(last)];
                    k.0 += 1;
                    k.1 += usize::from(s == 1);
                }
                g.levels.iter().zip(counts).map(|(level, (n, events))| FlowGroup { group: level.clone(), n, events }).collect()
            }
            None => Vec::new(),
        };
        Flow { rows_read, filtered_out: prep.filtered_out, excluded: prep.excluded.clone(), analysed: prep.rows.len(), groups }
    }

    /// Rows excluded in all.
    pub fn excluded_total(&self) -> usize {
        self.excluded.iter().map(|e| e.count).sum()
    }

    /// The flow in words for the methods paragraph, counts below `k` written "<k":
    /// " (12 outside the filters; 3 excluded: the time in 'time' is not a number, 3)", or ""
    /// when every row was analysed.
    pub fn sentence(&self, k: Option<u32>) -> String {
        let cnt = |v: usize| crate::numfmt::suppressed_count(v as f64, k).unwrap_or_else(|| v.to_string());
        let mut parts = Vec::new();
        if self.filtered_out > 0 {
            parts.push(format!("{} outside the filters", cnt(self.filtered_out)));
        }
        if !self.excluded.is_empty() {
            // A count of 0 is one the disclosure control withheld (crate::disclosure::flow).
            let why: Vec<String> = self.excluded.iter().map(|e| if e.count == 0 { e.reason.clone() } else { format!("{}, {}", e.reason, cnt(e.count)) }).collect();
            let total = match (self.excluded_total(), k) {
                (0, Some(k)) => format!("fewer than {k}"),
                (n, _) => cnt(n),
            };
            parts.push(format!("{total} excluded: {}", why.join("; ")));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join("; "))
        }
    }
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
    /// The subgroup forest's overall row: the group's hazard ratio over all analysed rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subgroup_overall: Option<crate::adjust::SubgroupRow>,
    /// Directly standardised survival per group (`"adjusted": "direct"`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjusted: Vec<crate::adjust::AdjustedCurve>,
    /// Propensity-score model, weights' effective sample sizes and balance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propensity: Option<crate::adjust::PropensityReport>,
    /// The cohort flow: rows read, filtered, excluded by reason, analysed per group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
    /// Conditional survival (`conditional` in the spec): S(given + more) / S(given) per group.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditional: Vec<crate::study::ConditionalRow>,
    /// The group looks like an exposure that began after time zero (also a warning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immortal_time: Option<crate::study::ImmortalTime>,
    /// Nelson–Aalen cumulative hazard per group with its 95% CI (with `hazard` in the spec;
    /// `stats::hazard::cumhaz_curves`). The CI bands of `cuminc[]` and the parametric models'
    /// `predictions[]` sit in those entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cumhaz: Vec<crate::stats::hazard::CumhazCurve>,
}

impl Report {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
