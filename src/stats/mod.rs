//! The estimators, one per file. Each takes plain slices (times, status codes, group codes,
//! covariate columns) so that it can be tested on hand-worked examples without a table.
//!
//! Status codes everywhere: 0 = censored, 1 = event of interest, 2 = competing event.

/// Rows per call of the helpers that do the O(n) sweeps (the Cox model's passes, the
/// propensity model's IRLS passes). In the browser, V8 first runs WebAssembly from its baseline
/// compiler and switches a function to optimised code only between two calls of it; a sweep
/// over a million rows made of a few thousand calls of a small function therefore runs mostly
/// optimised even the first time, where one long call would run entirely on baseline code (two
/// to three times slower).
pub(crate) const WASM_TIER_CHUNK: usize = 4096;

/// `a` when `pick`, else `b`, through the bits: no branch to mispredict where the condition
/// follows no pattern (a random arm, a 0/1 outcome in random order).
#[inline]
pub(crate) fn select(pick: bool, a: f64, b: f64) -> f64 {
    let mask = u64::from(pick).wrapping_neg();
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// One covariate column of a model (the Cox, Fine-Gray and parametric fits, the adjusted
/// curves): the file's own column when the model's rows are all its rows in order (no copy: at
/// 10M rows ten copied columns are 800 MB more of the page's memory), or the values built for
/// the model (factor indicators, splines, products, a subset of rows).
pub type Col<'a> = std::borrow::Cow<'a, [f64]>;

/// Columns held as `Vec`s, as model columns (borrowed, not copied).
pub fn cols(x: &[Vec<f64>]) -> Vec<Col<'_>> {
    x.iter().map(|c| Col::Borrowed(&c[..])).collect()
}

pub mod common;
pub mod timefix;
pub mod km;
pub mod logrank;
pub mod cox;
pub mod cuminc;
pub mod finegray;
pub mod table1;
pub mod parametric;
pub mod hazard;
/// `cox.zph` lives in the Cox module (it consumes the fit's blocks); kept at this path too.
pub use cox::zph;
pub mod rmst;
pub mod spline;
pub mod adjusted;
pub mod logistic;
