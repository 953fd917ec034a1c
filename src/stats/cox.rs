//! Cox proportional hazards (`coxph`): Efron and Breslow ties, strata, cluster-robust variance,
//! likelihood-ratio / Wald / score tests, concordance, and the `cox.zph` test.

use serde::Serialize;

use super::common::TestResult;
use crate::spec::Ties;

/// Input of a Cox fit: rows are the complete cases.
pub struct CoxInput<'a> {
    pub time: &'a [f64],
    /// 1 = event, anything else = censored.
    pub status: &'a [u8],
    /// Covariate columns (one `Vec` per term, each of length n).
    pub x: &'a [Vec<f64>],
    pub names: &'a [String],
    pub strata: Option<&'a [u32]>,
    pub cluster: Option<&'a [u32]>,
    pub ties: Ties,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoxTerm {
    pub name: String,
    pub coef: f64,
    pub se: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust_se: Option<f64>,
    pub hr: f64,
    pub lower: f64,
    pub upper: f64,
    pub z: f64,
    pub p: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Concordance {
    pub c: f64,
    pub se: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhTermTest {
    pub name: String,
    pub chisq: f64,
    pub df: f64,
    pub p: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhTest {
    pub terms: Vec<PhTermTest>,
    pub global: TestResult,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoxReport {
    pub n: usize,
    pub events: usize,
    pub ties: &'static str,
    pub terms: Vec<CoxTerm>,
    /// Log partial likelihood of the null and the fitted model.
    pub loglik: [f64; 2],
    pub lr_test: TestResult,
    pub wald_test: TestResult,
    pub score_test: TestResult,
    pub concordance: Concordance,
    pub ph_test: Option<PhTest>,
    /// Problems found while fitting (monotone likelihood, collinear term dropped, ...).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Fit the model. Errors are problems that leave no model (no events, no usable term).
pub fn coxph(input: &CoxInput) -> Result<CoxReport, String> {
    let _ = input;
    todo!()
}
