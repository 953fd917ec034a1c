//! Accelerated-failure-time (AFT) models as R's `survreg`.
//!
//! # The model
//!
//! `log T = η + σ W`, with `η = β₀ + xβ` and `W` a standard error distribution:
//!
//! | `dist`        | distribution of `W`        | `S_W(w)`              |
//! |---------------|----------------------------|-----------------------|
//! | `weibull`     | minimum extreme value      | `exp(−eʷ)`            |
//! | `exponential` | minimum extreme value, σ=1 | `exp(−eʷ)`            |
//! | `lognormal`   | standard normal            | `1 − Φ(w)`            |
//! | `loglogistic` | standard logistic          | `1 / (1 + eʷ)`        |
//!
//! With `z = (log t − η)/σ`, an event contributes `log f_W(z) − log σ − log t` and a censored
//! row `log S_W(z)` to the log-likelihood. The `− log t` term is the Jacobian of the log
//! transform: like `survreg`, the reported log-likelihood is that of the times themselves, not
//! of their logarithms, so that AIC values are comparable with other models for `T`.
//!
//! # Fitting (what `survreg` does, and what we do)
//!
//! `survreg` maximises the likelihood over `(β, log σ)` by Newton–Raphson with step halving
//! (`survreg.control`: at most 30 iterations, convergence when the relative change of the
//! log-likelihood is at most 1e-9). It first fits the intercept-only model, starting from the
//! distribution's moment rule on `y = log t` (extreme value: intercept `mean + 0.572`,
//! variance `var/1.64`; logistic: `mean`, `var/3.2`; normal: `mean`, `var`; starting
//! `log σ = log(4·variance)/2`), then starts the full model at the intercept-only fit. Columns
//! that are not 0/1 are centred and scaled internally and the estimates transformed back.
//!
//! We do the same with our own code: per iteration one O(n p²) pass accumulates the score and
//! the Hessian from the first two derivatives `g`, `h` of each row's log-density (or log-
//! survival) with respect to `z` (see [`Family::derivs`]); the Newton step solves the
//! information (negative Hessian) by Cholesky, adding a ridge when it is not positive definite;
//! a step that lowers the likelihood (or makes it non-finite) is halved, up to 20 times.
//! Standard errors come from the inverse information at the maximum.
//!
//! # Derived quantities
//!
//! - time ratio `exp(β)` with the Wald 95% interval `exp(β ± 1.96 se)`;
//! - for the Weibull (and exponential) model, which is also a proportional-hazards model, the
//!   hazard ratio `exp(−β/σ)`; its 95% interval uses the delta method on `γ = −β e^{−log σ}`,
//!   `var γ = ∇γᵀ V ∇γ` with `∇γ = (−1/σ` for β, `β/σ` for log σ`)`;
//! - AIC `−2 loglik + 2k` and BIC `−2 loglik + log(n) k`, `k` = coefficients + 1 for a free
//!   scale (R's `BIC()` on a `survreg` fit uses `nobs() = n`, all rows, not the events);
//! - likelihood-ratio test against the intercept-only model (as `print.survreg`'s `Chisq=`).

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::spec::Dist;
use crate::stats::common::{pnorm_two_sided, z95, TestResult};

/// One coefficient of an AFT model (log-time scale).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AftTerm {
    pub name: String,
    pub coef: f64,
    pub se: f64,
    pub z: f64,
    pub p: f64,
    /// `exp(coef)`: the factor by which the term multiplies survival times (null for the intercept).
    pub time_ratio: Option<f64>,
    pub tr_lower: Option<f64>,
    pub tr_upper: Option<f64>,
    /// Weibull and exponential only: the proportional-hazards form `exp(−coef/scale)` with a
    /// delta-method 95% interval (null for the intercept and for other distributions).
    pub hr: Option<f64>,
    pub hr_lower: Option<f64>,
    pub hr_upper: Option<f64>,
}

/// A fitted `survreg` model.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ParametricReport {
    pub dist: &'static str,
    pub n: usize,
    pub events: usize,
    pub terms: Vec<AftTerm>,
    /// σ (1 for the exponential).
    pub scale: f64,
    /// Standard error of log σ (null for the exponential, whose scale is fixed).
    pub log_scale_se: Option<f64>,
    pub loglik: f64,
    /// Log-likelihood of the intercept-only model.
    pub loglik_null: f64,
    pub aic: f64,
    pub bic: f64,
    /// Likelihood-ratio test of all covariate terms (null for an intercept-only model).
    pub lr_test: Option<TestResult>,
    pub iterations: usize,
    /// Mean of each covariate column (same order as the covariate terms): a default row for
    /// [`predict_survival`] when the page draws a fitted curve for one group.
    pub x_mean: Vec<f64>,
    /// Fitted median and survival for the rows the page and the figure show
    /// ([`predictions`]): the covariate means (`group` null), and each group's own row when
    /// the model's terms are the group column.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub predictions: Vec<AftPrediction>,
    /// Covariance of (coefficients, log σ) on the original scale, row-major (log σ last, left
    /// out for the exponential): the median's confidence interval.
    #[serde(skip)]
    pub vcov: Vec<f64>,
    #[serde(skip)]
    pub family: Dist,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Error distribution of `log T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Extreme,
    Logistic,
    Gaussian,
}

impl Family {
    fn of(dist: Dist) -> Family {
        match dist {
            Dist::Exponential | Dist::Weibull => Family::Extreme,
            Dist::Lognormal => Family::Gaussian,
            Dist::Loglogistic => Family::Logistic,
        }
    }

    /// `(l, g, h)`: the log-density (event) or log-survival (censored) of the standard
    /// distribution at `z`, and its first and second derivatives in `z`.
    ///
    /// - extreme value: `log f = z − eᶻ` (g = 1 − eᶻ, h = −eᶻ); `log S = −eᶻ` (g = h = −eᶻ);
    /// - logistic, `p = eᶻ/(1+eᶻ)`: `log f = z − 2 log(1+eᶻ)` (g = 1 − 2p, h = −2p(1−p));
    ///   `log S = −log(1+eᶻ)` (g = −p, h = −p(1−p));
    /// - normal: `log f = −z²/2 − log √(2π)` (g = −z, h = −1); `log S = log Q(z)` with the Mills
    ///   ratio `λ = φ/Q`: g = −λ, h = −λ(λ − z).
    fn derivs(self, z: f64, event: bool) -> (f64, f64, f64) {
        match self {
            Family::Extreme => {
                let ez = z.exp();
                if event {
                    (z - ez, 1.0 - ez, -ez)
                } else {
                    (-ez, -ez, -ez)
                }
            }
            Family::Logistic => {
                let p = logistic(z);
                let q = logistic(-z);
                let sp = softplus(z);
                if event {
                    (z - 2.0 * sp, 1.0 - 2.0 * p, -2.0 * p * q)
                } else {
                    (-sp, -p, -p * q)
                }
            }
            Family::Gaussian => {
                if event {
                    (-0.5 * z * z - LN_SQRT_2PI, -z, -1.0)
                } else {
                    let lq = log_q(z);
                    let lambda = (-0.5 * z * z - LN_SQRT_2PI - lq).exp();
                    (lq, -lambda, -lambda * (lambda - z))
                }
            }
        }
    }

    /// Survival function of the standard distribution.
    fn surv(self, w: f64) -> f64 {
        match self {
            Family::Extreme => (-w.exp()).exp(),
            Family::Logistic => logistic(-w),
            Family::Gaussian => log_q(w).exp(),
        }
    }

    /// The `w` with `S(w) = 1 − p`.
    fn quantile(self, p: f64) -> f64 {
        match self {
            Family::Extreme => (-(1.0 - p).ln()).ln(),
            Family::Logistic => (p / (1.0 - p)).ln(),
            Family::Gaussian => crate::stats::common::qnorm(p),
        }
    }

    /// survreg's moment-based start: (location, variance) from the mean and variance of y.
    fn init(self, mean: f64, var: f64) -> (f64, f64) {
        match self {
            Family::Extreme => (mean + 0.572, var / 1.64),
            Family::Logistic => (mean, var / 3.2),
            Family::Gaussian => (mean, var),
        }
    }
}

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

fn logistic(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `log(1 + eᶻ)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// `log Q(z) = log(1 − Φ(z))`, accurate in both tails.
fn log_q(z: f64) -> f64 {
    use statrs::function::erf::erfc;
    if z < 0.0 {
        (-0.5 * erfc(-z / std::f64::consts::SQRT_2)).ln_1p()
    } else if z < 30.0 {
        (0.5 * erfc(z / std::f64::consts::SQRT_2)).ln()
    } else {
        // Asymptotic series Q(z) = φ(z)/z (1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸); the next term is
        // below 1e-11 relative for z ≥ 30.
        let z2 = 1.0 / (z * z);
        let series = 1.0 - z2 * (1.0 - z2 * (3.0 - z2 * (15.0 - 105.0 * z2)));
        -0.5 * z * z - LN_SQRT_2PI - z.ln() + series.ln()
    }
}

/// Newton–Raphson controls (survreg.control defaults).
const MAX_ITER: usize = 30;
const REL_TOL: f64 = 1e-9;
const MAX_HALVING: usize = 20;

/// Data on the internal (possibly standardised) scale.
struct Problem<'a> {
    y: &'a [f64],
    event: &'a [bool],
    /// Columns, the first being the intercept.
    cols: Vec<Vec<f64>>,
    family: Family,
    free_scale: bool,
}

struct Eval {
    loglik: f64,
    score: DVector<f64>,
    /// Negative Hessian.
    info: DMatrix<f64>,
}

impl Problem<'_> {
    fn dim(&self) -> usize {
        self.cols.len() + usize::from(self.free_scale)
    }

    /// Log-likelihood (on the log-time scale, without the Jacobian) and, if `derivs`, score
    /// and information at `theta = (β, log σ)`.
    fn eval(&self, theta: &[f64], derivs: bool) -> Eval {
        let p = self.cols.len();
        let d = self.dim();
        let tau = if self.free_scale { theta[p] } else { 0.0 };
        let sigma = tau.exp();
        let mut loglik = 0.0;
        let mut score = DVector::zeros(if derivs { d } else { 0 });
        let mut info = DMatrix::zeros(if derivs { d } else { 0 }, if derivs { d } else { 0 });
        let mut xi = vec![0.0; p];
        for i in 0..self.y.len() {
            let mut eta = 0.0;
            for j in 0..p {
                xi[j] = self.cols[j][i];
                eta += theta[j] * xi[j];
            }
            let z = (self.y[i] - eta) / sigma;
            let ev = self.event[i];
            let (l, g, h) = self.family.derivs(z, ev);
            loglik += l - if ev { tau } else { 0.0 };
            if !derivs {
                continue;
            }
            // dl/dη = −g/σ; d²l/dη² = h/σ²; dl/dτ = −g z − δ; d²l/dτ² = h z² + g z;
            // d²l/dη dτ = (h z + g)/σ.
            let u_eta = -g / sigma;
            let h_eta = h / (sigma * sigma);
            for j in 0..p {
                score[j] += u_eta * xi[j];
                for k in 0..=j {
                    info[(j, k)] -= h_eta * xi[j] * xi[k];
                }
            }
            if self.free_scale {
                score[p] += -g * z - if ev { 1.0 } else { 0.0 };
                let h_et = (h * z + g) / sigma;
                for j in 0..p {
                    info[(p, j)] -= h_et * xi[j];
                }
                info[(p, p)] -= h * z * z + g * z;
            }
        }
        if derivs {
            for j in 0..d {
                for k in 0..j {
                    info[(k, j)] = info[(j, k)];
                }
            }
        }
        Eval { loglik, score, info }
    }

    /// Maximise from `start`; returns (theta, eval at theta, iterations, converged).
    fn fit(&self, start: Vec<f64>) -> Result<(Vec<f64>, Eval, usize, bool), String> {
        let mut theta = start;
        let mut cur = self.eval(&theta, true);
        if !cur.loglik.is_finite() {
            return Err("the starting values give a non-finite likelihood".into());
        }
        let mut converged = false;
        let mut iter = 0;
        while iter < MAX_ITER {
            iter += 1;
            let step = newton_step(&cur.info, &cur.score);
            let mut halvings = 0;
            let mut scale = 1.0;
            let (next, next_eval) = loop {
                let cand: Vec<f64> = theta.iter().zip(step.iter()).map(|(t, s)| t + scale * s).collect();
                // Derivatives are computed with the likelihood: a rejected step (rare) wastes
                // them, an accepted one saves a second pass over the data.
                let ev = self.eval(&cand, true);
                if ev.loglik.is_finite() && ev.loglik >= cur.loglik - 1e-12 * cur.loglik.abs() {
                    break (cand, Some(ev));
                }
                halvings += 1;
                if halvings > MAX_HALVING {
                    break (theta.clone(), None);
                }
                scale *= 0.5;
            };
            let Some(next_eval) = next_eval else {
                // No step improves the likelihood: we are at the maximum to machine precision.
                converged = true;
                break;
            };
            let done = (1.0 - cur.loglik / next_eval.loglik).abs() <= REL_TOL;
            theta = next;
            cur = next_eval;
            if done {
                converged = true;
                break;
            }
        }
        Ok((theta, cur, iter, converged))
    }
}

/// Solve `info · step = score` (Cholesky; ridge added if `info` is not positive definite).
fn newton_step(info: &DMatrix<f64>, score: &DVector<f64>) -> DVector<f64> {
    let d = info.nrows();
    let mut ridge = 0.0;
    let base = (0..d).map(|j| info[(j, j)].abs()).fold(0.0, f64::max).max(1e-12);
    for _ in 0..40 {
        let mut m = info.clone();
        for j in 0..d {
            m[(j, j)] += ridge;
        }
        if let Some(ch) = m.cholesky() {
            let s = ch.solve(score);
            if s.iter().all(|v| v.is_finite()) {
                return s;
            }
        }
        ridge = if ridge == 0.0 { base * 1e-8 } else { ridge * 10.0 };
    }
    // Information hopeless: a small gradient step.
    score * (1.0 / base)
}

/// A standard deviation from a variance: rounding below 0 read as 0, an unknown (NaN) variance
/// kept unknown (`f64::max` would turn it into 0).
fn sd_of(var: f64) -> f64 {
    if var.is_nan() { f64::NAN } else { var.max(0.0).sqrt() }
}

/// Inverse of a symmetric positive-definite matrix, or None.
fn spd_inverse(m: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    m.clone().cholesky().map(|c| c.inverse())
}

/// Fit `survreg(Surv(time, status == 1) ~ x, dist = dist)`; `x` holds one column per term
/// (without the intercept), `names` their names. Status 2 (competing event) counts as censored.
///
/// Rows with time 0 cannot enter a log-time model: they are left out with a warning (R stops
/// with an error instead). Terms that are constant or collinear with earlier terms are dropped
/// with a warning. Errors: no events, no positive times, or a likelihood that cannot be
/// evaluated.
// Long because: survreg's steps in order (rows kept, standardisation, aliased columns dropped, start values, intercept-only fit, full fit, back-transformation), each reading the previous one's state.
pub fn survreg(time: &[f64], status: &[u8], x: &[crate::stats::Col], names: &[String], dist: Dist) -> Result<ParametricReport, String> {
    let n_all = time.len();
    // The caller builds the columns from one set of rows: unequal lengths are a bug.
    let same = status.len() == n_all && x.iter().all(|c| c.len() == n_all) && names.len() == x.len();
    debug_assert!(same, "survreg: time, status, covariate columns and names differ in length");
    if !same {
        return Err("internal error (a bug in cohort, not a problem with your data): time, status and covariate columns differ in length".into());
    }
    let label = dist.name();
    let mut warnings = Vec::new();
    let keep: Vec<usize> = (0..n_all).filter(|&i| time[i] > 0.0 && time[i].is_finite()).collect();
    let dropped = n_all - keep.len();
    if dropped > 0 {
        warnings.push(format!(
            "{dropped} {} with time 0 (or not finite) left out of the {label} model: a log-time model needs positive times",
            if dropped == 1 { "row" } else { "rows" }
        ));
    }
    let n = keep.len();
    if n == 0 {
        return Err(format!("no rows with a positive time for the {label} model"));
    }
    let y: Vec<f64> = keep.iter().map(|&i| time[i].ln()).collect();
    let event: Vec<bool> = keep.iter().map(|&i| status[i] == 1).collect();
    let events = event.iter().filter(|&&e| e).count();
    if events == 0 {
        return Err(format!("no events among the {n} rows: the {label} model cannot be fitted"));
    }
    let mut raw: Vec<Vec<f64>> = x.iter().map(|c| keep.iter().map(|&i| c[i]).collect()).collect();
    if let Some(j) = raw.iter().position(|c| c.iter().any(|v| !v.is_finite())) {
        return Err(format!("covariate '{}' has missing or non-finite values", names[j]));
    }

    // Standardise columns that are not 0/1, as survreg does, for a well-conditioned problem.
    let mut center = Vec::new();
    let mut stdev = Vec::new();
    for c in &raw {
        let binary = c.iter().all(|&v| v == 0.0 || v == 1.0);
        let mean = c.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 { (c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
        if binary || !(sd > 0.0) {
            center.push(0.0);
            stdev.push(1.0);
        } else {
            center.push(mean);
            stdev.push(sd);
        }
    }
    let mut cols: Vec<Vec<f64>> = vec![vec![1.0; n]];
    for (j, c) in raw.iter().enumerate() {
        cols.push(c.iter().map(|v| (v - center[j]) / stdev[j]).collect());
    }

    // Drop aliased columns (modified Gram–Schmidt on the standardised columns).
    let mut kept_terms: Vec<usize> = Vec::new();
    {
        let mut basis: Vec<Vec<f64>> = vec![vec![1.0 / (n as f64).sqrt(); n]];
        for j in 0..raw.len() {
            let mut r = cols[j + 1].clone();
            let norm0: f64 = r.iter().map(|v| v * v).sum();
            for b in &basis {
                let dot: f64 = r.iter().zip(b).map(|(a, b)| a * b).sum();
                for (ri, bi) in r.iter_mut().zip(b) {
                    *ri -= dot * bi;
                }
            }
            let norm: f64 = r.iter().map(|v| v * v).sum();
            if norm0 > 0.0 && norm > 1e-10 * norm0 {
                let s = norm.sqrt();
                basis.push(r.iter().map(|v| v / s).collect());
                kept_terms.push(j);
            } else {
                warnings.push(format!(
                    "term '{}' dropped from the {label} model: it is constant or a linear combination of other terms",
                    names[j]
                ));
            }
        }
    }
    let cols: Vec<Vec<f64>> = std::iter::once(cols[0].clone()).chain(kept_terms.iter().map(|&j| cols[j + 1].clone())).collect();
    raw = kept_terms.iter().map(|&j| std::mem::take(&mut raw[j])).collect();
    let center: Vec<f64> = kept_terms.iter().map(|&j| center[j]).collect();
    let stdev: Vec<f64> = kept_terms.iter().map(|&j| stdev[j]).collect();
    let term_names: Vec<String> = kept_terms.iter().map(|&j| names[j].clone()).collect();

    let family = Family::of(dist);
    let free_scale = dist != Dist::Exponential;

    // Start: survreg's moment rule on y, then the intercept-only fit.
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let var_y = y.iter().map(|v| (v - mean_y).powi(2)).sum::<f64>() / n as f64;
    let (loc0, var0) = family.init(mean_y, var_y);
    let tau0 = if var0 > 0.0 && var0.is_finite() { (4.0 * var0).ln() / 2.0 } else { 0.0 };
    let null_problem = Problem { y: &y, event: &event, cols: vec![vec![1.0; n]], family, free_scale };
    let mut start0 = vec![loc0];
    if free_scale {
        start0.push(tau0);
    }
    let (theta0, eval0, _, conv0) = null_problem.fit(start0)?;
    let loglik0_raw = eval0.loglik;
    if !conv0 {
        warnings.push(format!("the intercept-only {label} model did not converge in {MAX_ITER} iterations"));
    }

    let problem = Problem { y: &y, event: &event, cols, family, free_scale };
    let p = problem.cols.len();
    let (theta, fit_eval, iterations) = if p == 1 {
        (theta0.clone(), eval0, 0)
    } else {
        let mut start = vec![0.0; problem.dim()];
        start[0] = theta0[0];
        if free_scale {
            start[p] = theta0[1];
        }
        let (theta, ev, it, conv) = problem.fit(start)?;
        if !conv {
            warnings.push(format!(
                "the {label} model did not converge in {MAX_ITER} iterations: estimates may be unreliable (a term may separate events from censorings, or have too few events)"
            ));
        }
        (theta, ev, it)
    };

    // A singular information where the iterations stopped (a coefficient or the scale running
    // off: monotone likelihood) leaves the estimates without a variance. R reports such a fit
    // with its warning and standard errors that are rounding error; the model is reported here
    // too (the spec's list of models stays whole), its standard errors, intervals and p-values
    // null, with the reason.
    let d = problem.dim();
    let (vinv, singular) = match spd_inverse(&fit_eval.info) {
        Some(v) => (v, false),
        None if p == 1 => return Err(format!("the {label} model cannot be estimated: too few events, or the times do not vary")),
        None => (DMatrix::from_element(d, d, f64::NAN), true),
    };
    if singular {
        warnings.push(format!(
            "the {label} model's standard errors, confidence intervals and p-values are not available: its information matrix is singular where the fit stopped (a coefficient may be infinite: a term with no events at one level, or one that separates events from censorings); the estimates shown are where it stopped"
        ));
    }
    // A coefficient drifting to ±infinity (e.g. a level without events) shows as a huge
    // standard error on the internal, standardised scale (one SD of the covariate, or 0 → 1).
    for j in 1..p {
        if vinv[(j, j)].sqrt() > 50.0 {
            warnings.push(format!(
                "the {label} coefficient of '{}' may be infinite (standard error {:.0} on the log-time scale): check whether one level or range of it has no events",
                term_names[j - 1],
                vinv[(j, j)].sqrt() / stdev[j - 1]
            ));
        }
    }

    // Back to the original scale: β_j = β̃_j / s_j, β₀ = β̃₀ − Σ β̃_j c_j / s_j.
    let mut tmat = DMatrix::<f64>::identity(d, d);
    for j in 0..p - 1 {
        tmat[(j + 1, j + 1)] = 1.0 / stdev[j];
        tmat[(0, j + 1)] = -center[j] / stdev[j];
    }
    let coef = &tmat * DVector::from_column_slice(&theta);
    let var = &tmat * vinv * tmat.transpose();

    let jacobian: f64 = y.iter().zip(&event).filter(|(_, &e)| e).map(|(v, _)| v).sum();
    let loglik = fit_eval.loglik - jacobian;
    let loglik_null = loglik0_raw - jacobian;
    let k = d as f64;
    let aic = -2.0 * loglik + 2.0 * k;
    let bic = -2.0 * loglik + (n as f64).ln() * k;
    let lr_test = (p > 1).then(|| TestResult::chisq((2.0 * (loglik - loglik_null)).max(0.0), (p - 1) as f64));

    let (scale, tau, log_scale_se) = if free_scale {
        (theta[p].exp(), theta[p], Some(sd_of(var[(p, p)])))
    } else {
        (1.0, 0.0, None)
    };
    let zq = z95();
    let mut terms = Vec::with_capacity(p);
    for j in 0..p {
        let b = coef[j];
        let se = sd_of(var[(j, j)]);
        let zval = b / se;
        let name = if j == 0 { "(Intercept)".to_string() } else { term_names[j - 1].clone() };
        let (mut time_ratio, mut tr_lower, mut tr_upper) = (None, None, None);
        let (mut hr, mut hr_lower, mut hr_upper) = (None, None, None);
        if j > 0 {
            time_ratio = Some(b.exp());
            tr_lower = Some((b - zq * se).exp());
            tr_upper = Some((b + zq * se).exp());
            if family == Family::Extreme {
                // γ = −β e^{−τ}; ∂γ/∂β = −e^{−τ}, ∂γ/∂τ = β e^{−τ}.
                let inv = (-tau).exp();
                let gamma = -b * inv;
                let mut vg = inv * inv * var[(j, j)];
                if free_scale {
                    let db = -inv;
                    let dt = b * inv;
                    vg = db * db * var[(j, j)] + 2.0 * db * dt * var[(j, p)] + dt * dt * var[(p, p)];
                }
                let sg = sd_of(vg);
                hr = Some(gamma.exp());
                hr_lower = Some((gamma - zq * sg).exp());
                hr_upper = Some((gamma + zq * sg).exp());
            }
        }
        terms.push(AftTerm { name, coef: b, se, z: zval, p: pnorm_two_sided(zval), time_ratio, tr_lower, tr_upper, hr, hr_lower, hr_upper });
    }
    if terms.iter().any(|t| !t.coef.is_finite() || !(singular || t.se.is_finite())) || !loglik.is_finite() {
        return Err(format!("the {label} model gave non-finite estimates: check for terms with no events at one level"));
    }
    let x_mean = raw.iter().map(|c| c.iter().sum::<f64>() / n as f64).collect();
    let vcov = (0..d).flat_map(|i| (0..d).map(move |j| (i, j))).map(|(i, j)| var[(i, j)]).collect();
    Ok(ParametricReport {
        dist: label,
        n,
        events,
        terms,
        scale,
        log_scale_se,
        loglik,
        loglik_null,
        aic,
        bic,
        lr_test,
        iterations,
        x_mean,
        predictions: Vec::new(),
        vcov,
        family: dist,
        warnings,
    })
}

/// Linear predictor `η = β₀ + xβ` for a covariate row (without the intercept, in the order of
/// the covariate terms); None when the row has the wrong length.
fn linear_predictor(report: &ParametricReport, x_row: &[f64]) -> Option<f64> {
    if x_row.len() + 1 != report.terms.len() {
        return None;
    }
    let mut eta = report.terms.first()?.coef;
    for (t, x) in report.terms[1..].iter().zip(x_row) {
        eta += t.coef * x;
    }
    Some(eta)
}

/// Fitted survival `S(t | x) = S_W((log t − η)/σ)`; 1 for t ≤ 0, NaN for a row of the wrong
/// length.
pub fn predict_survival(report: &ParametricReport, x_row: &[f64], t: f64) -> f64 {
    let Some(eta) = linear_predictor(report, x_row) else { return f64::NAN };
    if !(t > 0.0) {
        return 1.0;
    }
    Family::of(report.family).surv((t.ln() - eta) / report.scale)
}

/// Fitted `p`-quantile of T: the time by which a fraction `p` has had the event,
/// `exp(η + σ w_p)` (as `predict(fit, type = "quantile", p = p)`); NaN outside 0 < p < 1.
pub fn predict_quantile(report: &ParametricReport, x_row: &[f64], p: f64) -> f64 {
    let Some(eta) = linear_predictor(report, x_row) else { return f64::NAN };
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    (eta + report.scale * Family::of(report.family).quantile(p)).exp()
}

/// Fitted median survival time for a covariate row.
pub fn predict_median(report: &ParametricReport, x_row: &[f64]) -> f64 {
    predict_quantile(report, x_row, 0.5)
}

/// A fitted survival value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AftPoint {
    pub time: f64,
    pub surv: f64,
}

/// What a fitted model predicts for one covariate row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AftPrediction {
    /// The group whose row this is; null for the covariate means (`x_mean`), which for an
    /// intercept-only model is everyone.
    pub group: Option<String>,
    /// The covariate row (without the intercept, in the order of the covariate terms).
    pub x: Vec<f64>,
    /// Median survival time, `predict(fit, type = "quantile", p = 0.5)`, and its 95% interval
    /// `exp(u ± 1.96 se(u))` on the log-time scale (`type = "uquantile"`, `se.fit = TRUE`).
    pub median: f64,
    pub median_lower: f64,
    pub median_upper: f64,
    /// S(t) at the landmark times ([`landmark_times`]).
    pub at: Vec<AftPoint>,
    /// S(t) at 201 equally spaced times from 0 to the end of follow-up: the fitted curve the
    /// parametric-fit figure draws.
    pub curve: Vec<AftPoint>,
}

/// Points on the fitted curves ([`AftPrediction::curve`]).
pub const CURVE_POINTS: usize = 201;

/// The landmark times of the predictions: the analysis' `times`, else 25%, 50% and 75% of the
/// longest follow-up `t_end`, rounded to the power of ten below a quarter of it.
pub fn landmark_times(times: &[f64], t_end: f64) -> Vec<f64> {
    if !times.is_empty() {
        return times.to_vec();
    }
    if !(t_end > 0.0 && t_end.is_finite()) {
        return Vec::new();
    }
    let mag = 10f64.powf((t_end / 4.0).log10().floor());
    [0.25, 0.5, 0.75].iter().map(|f| mag.max((t_end * f / mag).round() * mag)).collect()
}

/// Fitted `p`-quantile with its 95% interval: `u = η + σ w_p` with standard error from the
/// covariance of (β, log σ) by the delta method (gradient `(1, x)` for β and `σ w_p` for
/// log σ), then `exp(u)`, `exp(u ± z se)` — R's `predict(fit, type = "uquantile", se.fit = TRUE)`.
/// NaN where undefined (a row of the wrong length, no covariance).
pub fn predict_quantile_ci(report: &ParametricReport, x_row: &[f64], p: f64) -> (f64, f64, f64) {
    let nan = (f64::NAN, f64::NAN, f64::NAN);
    let Some(eta) = linear_predictor(report, x_row) else { return nan };
    if !(p > 0.0 && p < 1.0) {
        return nan;
    }
    let wp = Family::of(report.family).quantile(p);
    let u = eta + report.scale * wp;
    let k = report.terms.len();
    let d = if report.vcov.len() == (k + 1) * (k + 1) { k + 1 } else { k };
    if report.vcov.len() != d * d {
        return (u.exp(), f64::NAN, f64::NAN);
    }
    let mut g = Vec::with_capacity(d);
    g.push(1.0);
    g.extend_from_slice(x_row);
    if d == k + 1 {
        g.push(report.scale * wp);
    }
    let var: f64 = (0..d).map(|i| (0..d).map(|j| g[i] * report.vcov[i * d + j] * g[j]).sum::<f64>()).sum();
    let se = sd_of(var);
    let z = z95();
    (u.exp(), (u - z * se).exp(), (u + z * se).exp())
}

/// The predictions of a fit for each `(group, row)`: median with CI, S at `times`, and the
/// curve from 0 to `t_end`.
pub fn predictions(report: &ParametricReport, rows: &[(Option<String>, Vec<f64>)], times: &[f64], t_end: f64) -> Vec<AftPrediction> {
    let end = if t_end > 0.0 && t_end.is_finite() { t_end } else { 1.0 };
    rows.iter()
        .map(|(group, x)| {
            let (median, median_lower, median_upper) = predict_quantile_ci(report, x, 0.5);
            let point = |t: f64| AftPoint { time: t, surv: predict_survival(report, x, t) };
            AftPrediction {
                group: group.clone(),
                x: x.clone(),
                median,
                median_lower,
                median_upper,
                at: times.iter().map(|&t| point(t)).collect(),
                curve: (0..CURVE_POINTS).map(|i| point(end * i as f64 / (CURVE_POINTS - 1) as f64)).collect(),
            }
        })
        .collect()
}

/// The rows predicted for a fit: the covariate means (null group; nothing for an
/// intercept-only model), then — when the model's terms after the intercept are exactly the
/// group column `group_col` (its dummies `col=level`, or the numeric column itself) — each
/// level's own row (its dummy row, or its value).
pub fn prediction_rows(report: &ParametricReport, group_col: Option<&str>, levels: &[String]) -> Vec<(Option<String>, Vec<f64>)> {
    let mut rows = vec![(None, if report.terms.len() <= 1 { Vec::new() } else { report.x_mean.clone() })];
    let Some(col) = group_col else { return rows };
    let terms = &report.terms[1.min(report.terms.len())..];
    if terms.is_empty() {
        return rows;
    }
    let prefix = format!("{col}=");
    if terms.len() == 1 && terms[0].name == col {
        // A numeric group column entered as it is: each group at its own value.
        for l in levels {
            if let Ok(v) = l.trim().parse::<f64>() {
                rows.push((Some(l.clone()), vec![v]));
            }
        }
    } else if terms.iter().all(|t| t.name.starts_with(&prefix)) {
        for l in levels {
            let me = format!("{col}={l}");
            rows.push((Some(l.clone()), terms.iter().map(|t| if t.name == me { 1.0 } else { 0.0 }).collect()));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_intercept_only_closed_form() {
        // Exponential, no covariates: the MLE of the rate is d / Σt, so the intercept is
        // log(Σt / d). Times 1, 2, 3 (events) and 4 (censored): Σt = 10, d = 3,
        // coef = log(10/3) = 1.2039728; se = 1/√d = 0.5773503; loglik = d log(rate) − rate Σt
        // = 3 log(0.3) − 3 = −6.6119184 (already on the time scale: no Jacobian for the
        // exponential density f(t) = λ e^{−λt}).
        let fit = survreg(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 1, 0], &[], &[], Dist::Exponential).unwrap();
        assert!((fit.terms[0].coef - (10.0f64 / 3.0).ln()).abs() < 1e-9);
        assert!((fit.terms[0].se - 1.0 / 3f64.sqrt()).abs() < 1e-6);
        assert!((fit.loglik - (3.0 * 0.3f64.ln() - 3.0)).abs() < 1e-9);
        assert_eq!(fit.scale, 1.0);
        assert!((fit.aic - (-2.0 * fit.loglik + 2.0)).abs() < 1e-12);
        assert!((fit.bic - (-2.0 * fit.loglik + 4f64.ln())).abs() < 1e-12);
        // Fitted median: ln 2 / rate = ln 2 · 10/3.
        assert!((predict_median(&fit, &[]) - 2f64.ln() * 10.0 / 3.0).abs() < 1e-9);
        assert!((predict_survival(&fit, &[], 2.0) - (-0.6f64).exp()).abs() < 1e-9);
    }

    #[test]
    fn lognormal_all_events_is_normal_mle() {
        // Lognormal without censoring: the MLE is the mean of log t and the ML (divide by n)
        // standard deviation. log t = 0, 1, 2, 3 → mean 1.5, σ² = 1.25.
        let t: Vec<f64> = [0.0f64, 1.0, 2.0, 3.0].iter().map(|v| v.exp()).collect();
        let fit = survreg(&t, &[1, 1, 1, 1], &[], &[], Dist::Lognormal).unwrap();
        assert!((fit.terms[0].coef - 1.5).abs() < 1e-7);
        assert!((fit.scale - 1.25f64.sqrt()).abs() < 1e-7);
        assert!((predict_median(&fit, &[]) - 1.5f64.exp()).abs() < 1e-6);
    }

    #[test]
    fn problems_are_errors_or_warnings() {
        assert!(survreg(&[1.0, 2.0], &[0, 0], &[], &[], Dist::Weibull).is_err());
        assert!(survreg(&[], &[], &[], &[], Dist::Weibull).is_err());
        let x = vec![vec![1.0, 1.0, 1.0, 1.0, 1.0]];
        let fit = survreg(&[0.0, 1.0, 2.0, 3.0, 5.0], &[1, 1, 0, 1, 1], &crate::stats::cols(&x), &["c".into()], Dist::Weibull).unwrap();
        assert_eq!(fit.n, 4);
        assert_eq!(fit.terms.len(), 1);
        assert_eq!(fit.warnings.len(), 2, "{:?}", fit.warnings);
        // One level without events: the coefficient diverges (R: survreg(Surv(t, s) ~ g,
        // dist = "weibull") gives coef 10.66, se 16129 after 23 iterations); we warn.
        let t = [5.0, 8.0, 12.0, 20.0, 3.0, 9.0, 15.0, 30.0];
        let s = [1, 1, 1, 1, 0, 0, 0, 0];
        let g = vec![vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]];
        let fit = survreg(&t, &s, &crate::stats::cols(&g), &["g".into()], Dist::Weibull).unwrap();
        assert!(fit.warnings.iter().any(|w| w.contains("'g' may be infinite")), "{:?}", fit.warnings);
        assert!(survreg(&[5.0], &[1], &[], &[], Dist::Lognormal).is_err());
    }

    #[test]
    fn a_fit_whose_information_is_singular_is_reported_without_standard_errors() {
        // Five rows of a random messy cohort (tests/random seed 1204, cohort 109): the
        // log-logistic scale runs off to 0 (R: "Ran out of iterations and did not converge",
        // log(scale) se 23). The model is in the report, as R's is, with its estimates and a
        // warning; its standard errors, intervals and p-values are unknown (null in JSON), not 0.
        let t = [5.0, 34.0, 183.0, 20.0, 58.0];
        let s = [0, 1, 1, 1, 0];
        let x = vec![vec![0.3142, -1.2968, 0.6569, 1.4582, -0.0060], vec![0.0, 1.0, 1.0, 0.0, 1.0]];
        let fit = survreg(&t, &s, &crate::stats::cols(&x), &["x".into(), "stage=II".into()], Dist::Loglogistic).unwrap();
        assert_eq!((fit.n, fit.events, fit.terms.len()), (5, 3, 3));
        assert!(fit.terms.iter().all(|t| t.coef.is_finite() && t.se.is_nan() && t.p.is_nan()), "{:?}", fit.terms);
        assert!(fit.terms[1].tr_lower.is_some_and(f64::is_nan));
        assert!(fit.log_scale_se.is_some_and(f64::is_nan));
        assert!(fit.loglik.is_finite() && fit.lr_test.is_some());
        assert!(fit.warnings.iter().any(|w| w.contains("standard errors, confidence intervals and p-values are not available")), "{:?}", fit.warnings);
        let json = serde_json::to_value(&fit).unwrap();
        assert!(json["terms"][1]["se"].is_null() && json["terms"][1]["coef"].is_number());
    }

    #[test]
    fn tails_of_log_q() {
        // log(1 - pnorm(z)) from R: pnorm(z, lower.tail = FALSE, log.p = TRUE)
        // z = 40: -804.6084420137538; z = -3: -0.001350809964748; z = 2: -3.783184333682032
        assert!((log_q(40.0) + 804.6084420137538).abs() < 1e-9);
        assert!((log_q(-3.0) + 0.001350809964748).abs() < 1e-12);
        // statrs' erfc is accurate to about 1e-10 relative, ample for the model tolerances.
        assert!((log_q(2.0) + 3.783184333682032).abs() < 1e-9, "{}", log_q(2.0));
    }
}
