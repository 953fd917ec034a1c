//! Logistic regression by iteratively reweighted least squares, as R's
//! `glm(y ~ x, family = binomial)`: the propensity-score model.
//!
//! ## Method (R's `glm.fit` conventions)
//! * Start from μ = (y + ½)/2 (R's `mustart` for the binomial family), η = logit μ.
//! * Each iteration: working weights w = μ(1 − μ) and working response
//!   z = η + (y − μ)/(μ(1 − μ)); β = (XᵀWX)⁻¹XᵀWz (solved by Cholesky); η = Xβ, μ = 1/(1 + e^−η)
//!   (beyond |η| = 30 R's link holds the odds at ε or 1/ε and dμ/dη at ε, and so do we).
//! * Stop when |dev − dev_old| / (|dev| + 0.1) < 1e-8 (dev = −2 log-likelihood), at most 25
//!   iterations, as `glm.control()`.
//! * Standard errors: the square roots of the diagonal of (XᵀWX)⁻¹ with the weights of the
//!   last iteration (as `summary.glm`, whose QR decomposition is the last weighted fit's);
//!   z = β/se and the two-sided normal p-value.
//! * Separation: when a combination of covariates predicts the treatment perfectly, the
//!   likelihood has no maximum and β runs off to infinity; the fitted probabilities reach 0 or 1
//!   (within 1e-8 here; R warns "fitted probabilities numerically 0 or 1 occurred" within 10
//!   machine epsilons) and the fit says so in `separated` (the rows concerned) rather than
//!   returning huge numbers as if they were estimates.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::common::pnorm_two_sided;

/// A fitted probability closer than this to 0 or 1 counts as separated. R warns only within
/// 10 machine epsilons ("fitted probabilities numerically 0 or 1 occurred"); a probability of
/// 1e-8 already gives a weight of 10⁸, meaningless for weighting, so we flag it earlier.
const SEPARATED: f64 = 1e-8;
/// R's `glm.control()` defaults.
const EPSILON: f64 = 1e-8;
const MAX_ITER: usize = 25;

/// One coefficient of the logistic model (`(Intercept)` first).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LogisticTerm {
    pub name: String,
    pub coef: f64,
    pub se: f64,
    pub z: f64,
    pub p: f64,
}

/// A fitted logistic model.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    pub terms: Vec<LogisticTerm>,
    /// Fitted probabilities, one per row.
    pub fitted: Vec<f64>,
    pub deviance: f64,
    pub iterations: usize,
    pub converged: bool,
    /// Rows whose fitted probability is numerically 0 or 1 (perfect or quasi-complete
    /// separation).
    pub separated: Vec<usize>,
}

/// |η| beyond which R's logit link is held flat (`THRESH` in R's `family.c`).
const THRESH: f64 = 30.0;

/// Inverse logit, as R's `binomial()$linkinv`: beyond ±30 the odds are held at ε or 1/ε, so
/// that μ never reaches 0 or 1 exactly and the weights stay positive; `e` = exp(η) within.
fn linkinv(eta: f64, e: f64) -> f64 {
    let odds = if eta < -THRESH {
        f64::EPSILON
    } else if eta > THRESH {
        1.0 / f64::EPSILON
    } else {
        e
    };
    odds / (1.0 + odds)
}

/// dμ/dη, as R's `binomial()$mu.eta` (ε beyond ±30), given `e` = exp(η) when |η| ≤ 30 (the
/// value [`linkinv`] computed for the same η, so each η costs one exponential).
fn mu_eta(eta: f64, e: f64) -> f64 {
    if eta.abs() > THRESH {
        f64::EPSILON
    } else {
        e / ((1.0 + e) * (1.0 + e))
    }
}

/// exp(η) where [`mu_eta`] uses it (|η| ≤ 30), else unused.
fn exp_within(eta: f64) -> f64 {
    if eta.abs() > THRESH {
        0.0
    } else {
        eta.exp()
    }
}

/// Binomial deviance of 0/1 outcomes.
fn deviance(y: &[f64], mu: &[f64]) -> f64 {
    -2.0 * y.iter().zip(mu).map(|(&y, &m)| if y > 0.5 { m.ln() } else { (1.0 - m).ln() }).sum::<f64>()
}

/// Fit `y` (0/1) on an intercept plus the columns `x` (named `names`).
pub fn logistic(y: &[f64], x: &[Vec<f64>], names: &[String]) -> Result<LogisticFit, String> {
    let n = y.len();
    if x.iter().any(|c| c.len() != n) || names.len() != x.len() {
        return Err("internal error: the logistic model's columns have different lengths".into());
    }
    if y.iter().any(|&v| v != 0.0 && v != 1.0) {
        return Err("internal error: the logistic model's outcome is not 0/1".into());
    }
    let p = x.len() + 1;
    if n <= p {
        return Err(format!("{n} rows are too few for {p} coefficients"));
    }
    let col = |j: usize, i: usize| if j == 0 { 1.0 } else { x[j - 1][i] };
    let mut mu: Vec<f64> = y.iter().map(|&v| (v + 0.5) / 2.0).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| (m / (1.0 - m)).ln()).collect();
    let mut ex: Vec<f64> = eta.iter().map(|&e| exp_within(e)).collect();
    let mut dev_old = deviance(y, &mu);
    let mut beta = vec![0.0; p];
    let mut info = DMatrix::<f64>::zeros(p, p);
    let mut converged = false;
    let mut iterations = 0;
    for it in 1..=MAX_ITER {
        iterations = it;
        // X'WX and X'Wz summed row by row into plain arrays (the same sums in the same order as
        // indexing the matrix, without its bounds checks: 100k rows × 6 terms in a few ms).
        let mut lower = vec![0.0; p * p];
        let mut rhs_v = vec![0.0; p];
        let mut row = vec![0.0; p];
        for i in 0..n {
            let d = mu_eta(eta[i], ex[i]);
            let w = d * d / (mu[i] * (1.0 - mu[i]));
            let z = eta[i] + (y[i] - mu[i]) / d;
            for (j, r) in row.iter_mut().enumerate() {
                *r = col(j, i);
            }
            for a in 0..p {
                let wa = w * row[a];
                rhs_v[a] += wa * z;
                let line = &mut lower[a * p..a * p + a + 1];
                for (cell, &xb) in line.iter_mut().zip(&row[..=a]) {
                    *cell += wa * xb;
                }
            }
        }
        for a in 0..p {
            for b in 0..=a {
                info[(a, b)] = lower[a * p + b];
                info[(b, a)] = lower[a * p + b];
            }
        }
        let rhs = DVector::<f64>::from_vec(rhs_v);
        let Some(chol) = info.clone().cholesky() else {
            // Past the first step a singular information means the weights μ(1 − μ) vanished:
            // the probabilities ran to 0 or 1 (separation), which the caller is told below.
            if it > 1 && (0..n).any(|i| mu[i] < SEPARATED || mu[i] > 1.0 - SEPARATED) {
                break;
            }
            return Err("the covariates of the logistic model are collinear (or one is constant); remove one".into());
        };
        beta = chol.solve(&rhs).iter().copied().collect();
        for i in 0..n {
            eta[i] = (0..p).map(|j| col(j, i) * beta[j]).sum();
            ex[i] = exp_within(eta[i]);
            mu[i] = linkinv(eta[i], ex[i]);
        }
        let dev = deviance(y, &mu);
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < EPSILON {
            converged = true;
            break;
        }
        dev_old = dev;
    }
    let separated: Vec<usize> = (0..n).filter(|&i| mu[i] < SEPARATED || mu[i] > 1.0 - SEPARATED).collect();
    let cov = match info.cholesky() {
        Some(c) => c.inverse(),
        None if !separated.is_empty() => DMatrix::from_element(p, p, f64::NAN),
        None => return Err("the logistic model's information matrix is singular".to_string()),
    };
    let mut all_names = vec!["(Intercept)".to_string()];
    all_names.extend(names.iter().cloned());
    let terms = all_names
        .into_iter()
        .enumerate()
        .map(|(j, name)| {
            let se = cov[(j, j)].sqrt();
            let z = beta[j] / se;
            LogisticTerm { name, coef: beta[j], se, z, p: pnorm_two_sided(z) }
        })
        .collect();
    Ok(LogisticFit { terms, deviance: deviance(y, &mu), fitted: mu, iterations, converged, separated })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One binary covariate: the MLE reproduces the 2×2 table. x = 0: 1 of 4 treated;
    /// x = 1: 3 of 4 treated. Intercept = logit(1/4) = −log 3, slope = log 9;
    /// se(slope) ≈ sqrt(1/1 + 1/3 + 1/3 + 1/1) = sqrt(8/3) (the log odds ratio's); R's
    /// `summary(glm(y ~ x, binomial))` reports 1.63299175530967, the information at the
    /// weights of the last iteration (1.4e-6 below sqrt(8/3)), and so do we.
    #[test]
    fn two_by_two_table_by_hand() {
        let y = [1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let x = vec![vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]];
        let f = logistic(&y, &x, &["x".into()]).unwrap();
        assert!(f.converged);
        assert!((f.terms[0].coef + 3f64.ln()).abs() < 1e-9, "{:?}", f.terms);
        assert!((f.terms[1].coef - 9f64.ln()).abs() < 1e-9);
        assert!((f.terms[1].se - 1.63299175530967).abs() < 1e-12, "{}", f.terms[1].se);
        assert!((f.terms[0].se - 1.15469954380119).abs() < 1e-12, "{}", f.terms[0].se);
        assert!((f.terms[1].p - 0.178457068478475).abs() < 1e-9);
        assert!((f.fitted[0] - 0.25).abs() < 1e-9 && (f.fitted[7] - 0.75).abs() < 1e-9);
        assert!(f.separated.is_empty());
    }

    /// x > 2 ⇔ treated: perfect separation, the fitted probabilities reach 0 and 1.
    #[test]
    fn separation_is_reported() {
        let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let x = vec![vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]];
        let f = logistic(&y, &x, &["x".into()]).unwrap();
        assert!(!f.separated.is_empty(), "{f:?}");
    }

    #[test]
    fn collinear_columns_are_refused() {
        let y = [0.0, 1.0, 0.0, 1.0, 1.0];
        let x = vec![vec![1.0, 2.0, 3.0, 4.0, 5.0], vec![2.0, 4.0, 6.0, 8.0, 10.0]];
        assert!(logistic(&y, &x, &["a".into(), "b".into()]).unwrap_err().contains("collinear"));
    }
}
