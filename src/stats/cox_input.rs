//! The rows a Cox model is fitted to, shared by the fit (`cox`) and the proportional-hazards
//! test's residuals (`zph`), so that neither module depends on the other for it
//! (`cox` → `zph` → `cox_input`, no cycle).

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
