//! The estimators, one per file. Each takes plain slices (times, status codes, group codes,
//! covariate columns) so that it can be tested on hand-worked examples without a table.
//!
//! Status codes everywhere: 0 = censored, 1 = event of interest, 2 = competing event.

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
