//! The estimators, one per file. Each takes plain slices (times, status codes, group codes,
//! covariate columns) so that it can be tested on hand-worked examples without a table.
//!
//! Status codes everywhere: 0 = censored, 1 = event of interest, 2 = competing event.

pub mod common;
pub mod timefix;
pub mod km;
pub mod logrank;
pub mod cox;
pub mod cox_input;
pub mod cuminc;
pub mod finegray;
pub mod table1;
pub mod parametric;
pub mod hazard;
pub mod zph;
pub mod rmst;
pub mod spline;
pub mod adjusted;
pub mod logistic;
