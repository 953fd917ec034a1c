//! What a Cox model is fitted to ([`CoxInput`], [`CoxExtra`]) and the checks made before
//! fitting ([`check`]). Shared by the fit and the proportional-hazards test's residuals
//! (`zph`), so that neither depends on the other for it.

use crate::error::{Error, Result};
use crate::spec::Ties;

/// Input of a Cox fit: rows are the complete cases.
pub struct CoxInput<'a> {
    pub time: &'a [f64],
    /// 1 = event, anything else = censored.
    pub status: &'a [u8],
    /// Covariate columns (one per term, each of length n; [`crate::stats::cols`] for `Vec`s).
    pub x: &'a [crate::stats::Col<'a>],
    pub names: &'a [String],
    pub strata: Option<&'a [u32]>,
    pub cluster: Option<&'a [u32]>,
    pub ties: Ties,
}

/// What a Cox fit may add to [`CoxInput`]: counting-process entry times (rows at risk on
/// (entry, time]) and case weights (sampling weights: the variance is then the robust one,
/// as `coxph(..., weights = w, robust = TRUE)`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CoxExtra<'a> {
    pub entry: Option<&'a [f64]>,
    pub weights: Option<&'a [f64]>,
}

/// The number of events, after checking what the fit relies on. The callers (`prepare.rs`)
/// build columns of one length with names for each and drop rows with missing values before
/// fitting, so a length mismatch is a programming error; the value checks name the row (its
/// position among the rows of the model) for a direct caller of the library.
pub(super) fn check(input: &CoxInput, extra: CoxExtra) -> Result<usize> {
    let n = input.time.len();
    let same_length = input.status.len() == n
        && input.x.iter().all(|c| c.len() == n)
        && input.strata.is_none_or(|s| s.len() == n)
        && input.cluster.is_none_or(|s| s.len() == n)
        && extra.entry.is_none_or(|e| e.len() == n)
        && extra.weights.is_none_or(|w| w.len() == n);
    debug_assert!(same_length, "Cox input columns of different lengths");
    debug_assert_eq!(input.names.len(), input.x.len(), "one name per Cox covariate column");
    if !same_length {
        return Err(Error::internal("the Cox model's columns have different lengths"));
    }
    if input.names.len() != input.x.len() {
        return Err(Error::internal("the Cox model's term names do not match its columns"));
    }
    if let Some(i) = extra.weights.and_then(|w| w.iter().position(|v| !(v.is_finite() && *v >= 0.0))) {
        return Err(Error::data(format!("row {} of the Cox model's rows has a weight that is not a finite number ≥ 0: give every row a weight of 0 or more", i + 1)));
    }
    if let Some(i) = extra.entry.and_then(|e| e.iter().zip(input.time).position(|(a, b)| !(a < b))) {
        return Err(Error::data(format!("row {} of the Cox model's rows has an entry time that is not before its exit time: each row's entry must come before its time", i + 1)));
    }
    if let Some(i) = input.time.iter().position(|t| !t.is_finite()) {
        return Err(Error::data(format!("row {} of the Cox model's rows has a time that is not a finite number: leave out rows without a follow-up time", i + 1)));
    }
    for (col, name) in input.x.iter().zip(input.names) {
        if let Some(i) = col.iter().position(|v| !v.is_finite()) {
            return Err(Error::data(format!("covariate '{name}' is not a finite number in row {} of the Cox model's rows: leave out rows with a missing value", i + 1)));
        }
    }
    let events = input.status.iter().filter(|&&s| s == 1).count();
    if events == 0 {
        return Err(Error::data("there are no events among the rows of the Cox model, so no hazard ratio can be estimated: check which values of the outcome column mean an event"));
    }
    Ok(events)
}
