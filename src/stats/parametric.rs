//! Accelerated-failure-time models as R's `survreg`.

use serde::Serialize;

use crate::spec::Dist;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AftTerm {
    pub name: String,
    pub coef: f64,
    pub se: f64,
    pub z: f64,
    pub p: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ParametricReport {
    pub dist: &'static str,
    pub n: usize,
    pub terms: Vec<AftTerm>,
    pub scale: f64,
    pub loglik: f64,
    pub aic: f64,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Fit `survreg(Surv(time, status == 1) ~ x, dist = dist)`; `x` excludes the intercept.
pub fn survreg(time: &[f64], status: &[u8], x: &[Vec<f64>], names: &[String], dist: Dist) -> Result<ParametricReport, String> {
    let _ = (time, status, x, names, dist);
    todo!()
}
