//! Adjusted comparisons: the steps of an analysis that need the table and the spec around the
//! estimators of `stats::spline`, `stats::logistic` and `stats::adjusted` (spline reports,
//! subgroup hazard ratios and interaction tests, directly standardised curves, propensity-score
//! weights). `analyze` calls these; each returns its report part and pushes warnings that name
//! the column and say what to do, and none of them stops the rest of the analysis.

use crate::prepare::{design, Design, Prepared};
use crate::spec::AnalysisSpec;
use crate::stats::common::TestResult;
use crate::stats::cox::CoxReport;
use crate::stats::spline::{hr_curve, SplineReport};
use crate::table::Table;

/// A Cox fit of a design with the spec's ties, strata and cluster, without PH residuals (a
/// helper model whose residuals nobody plots).
fn cox_quiet(d: &Design, spec: &AnalysisSpec) -> Result<CoxReport, String> {
    crate::stats::cox::coxph_with(&d.cox_input(spec.ties), crate::stats::cox::Residuals::Never)
}

/// The report of each spline covariate of the multivariable Cox model `fit` of design `d`:
/// the hazard-ratio curve against the median and the likelihood-ratio test of non-linearity
/// (the model refitted with the column entering linearly, on the same rows).
pub fn spline_reports(table: &Table, spec: &AnalysisSpec, prep: &Prepared, d: &Design, fit: &CoxReport, warnings: &mut Vec<String>) -> Vec<SplineReport> {
    let mut out = Vec::new();
    let p = fit.terms.len();
    for s in &d.splines {
        let k = s.spline.df();
        let names: Vec<String> = d.names[s.first..s.first + k].to_vec();
        let Some(pos) = names.iter().map(|n| fit.terms.iter().position(|t| &t.name == n)).collect::<Option<Vec<usize>>>() else {
            warnings.push(format!(
                "spline of '{}': a spline term was left out of the Cox model (collinear or constant), so no hazard-ratio curve or non-linearity test is given",
                s.column
            ));
            continue;
        };
        let coef: Vec<f64> = pos.iter().map(|&i| fit.terms[i].coef).collect();
        let vcov: Vec<f64> = pos.iter().flat_map(|&r| pos.iter().map(move |&c| (r, c))).map(|(r, c)| fit.vcov.get(r * p + c).copied().unwrap_or(f64::NAN)).collect();
        let (reference, curve) = hr_curve(&s.spline, &coef, &vcov, &s.values);
        let nonlinear = if k >= 2 {
            let linear_spec = AnalysisSpec { splines: spec.splines.iter().filter(|t| t.column != s.column).cloned().collect(), ..spec.clone() };
            let linear = design(table, &linear_spec, prep, &spec.covariates, &mut Vec::new()).map_err(|e| e.message).and_then(|dl| cox_quiet(&dl, spec));
            match linear {
                Ok(lin) => Some(TestResult::chisq(2.0 * (fit.loglik[1] - lin.loglik[1]), (k - 1) as f64)),
                Err(e) => {
                    warnings.push(format!("spline of '{}': the linear model for the test of non-linearity was not fitted: {e}", s.column));
                    None
                }
            }
        } else {
            None
        };
        let mut knots = s.spline.interior.clone();
        knots.sort_by(f64::total_cmp);
        out.push(SplineReport {
            column: s.column.clone(),
            df: k,
            terms: names,
            knots,
            boundary_knots: s.spline.boundary,
            reference,
            nonlinear,
            curve,
        });
    }
    out
}

/// Warnings for `splines` and `interactions` that name a column the model does not hold: each
/// is left out, and the warning says what to add.
pub fn model_term_warnings(spec: &AnalysisSpec) -> Vec<String> {
    let mut out = Vec::new();
    for s in &spec.splines {
        if !spec.covariates.contains(&s.column) {
            out.push(format!(
                "spline of '{}' not used: '{}' is not among the covariates; add it to covariates to enter it as a spline",
                s.column, s.column
            ));
        }
    }
    for [a, b] in &spec.interactions {
        let missing: Vec<&String> = [a, b].into_iter().filter(|c| !spec.covariates.contains(c)).collect();
        if !missing.is_empty() {
            out.push(format!(
                "interaction {a}:{b} left out: {} not among the covariates; both sides of an interaction must be main effects of the model (add {} to covariates)",
                missing.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(" and "),
                if missing.len() == 1 { "it" } else { "them" }
            ));
        }
    }
    out
}
