//! Cox proportional hazards (`coxph`): Efron and Breslow ties, strata, cluster-robust variance,
//! likelihood-ratio / Wald / score tests, concordance, and the `cox.zph` test.
//!
//! # What R does and what we do
//!
//! The conventions are those of R's `survival` 3.5-3 (`coxph`, `coxph.fit`, `summary.coxph`,
//! `concordancefit`, `cox.zph`), learnt from the package's documentation and by printing its R
//! functions; the code below is written from the mathematics, not translated.
//!
//! * **Data layout.** Rows are sorted once by (stratum, time) (stable radix sorts) into a
//!   row-major matrix. Rows sharing a stratum and a time form a *time group*. The log-likelihood
//!   and score come from one reverse-time pass with the running risk-set sums S0 = Σ r,
//!   S1 = Σ r x (r = exp(η)), O(n p) (`Data::loglik_score`). The information, whose risk-set
//!   part Σ_k a_k S2_k (S2 = Σ r x xᵀ) R accumulates row by row, is regrouped by row into one
//!   weighted cross-product Σ_i w_i x_i x_iᵀ computed by a blocked kernel, minus Σ z zᵀ over a
//!   few vectors per event time (`Data::information`); it is computed only when a Newton step
//!   or the final variance needs it (not on step halvings). O(n p²) per iteration.
//! * **Centring and scaling.** As R's `coxfit6`, each column is centred on its mean and scaled
//!   by n / Σ|x − mean| before fitting. The partial likelihood is invariant to shifts, and
//!   Newton–Raphson is invariant to rescaling, so this only improves the arithmetic; results are
//!   transformed back to the original units.
//! * **Ties.** Efron (default): at a time with d events, the k-th (k = 0..d−1) of the d
//!   "sub-risk-sets" removes the fraction k/d of the dying rows' weight from S0, S1, S2.
//!   Breslow: the full risk set is used d times. The sums over the d sub-risk-sets are taken
//!   in closed form (see `Data::loglik_score`), so a time with d events costs O(d + p), not
//!   O(d p²).
//! * **Newton–Raphson** as survival 3.5's `coxfit6`, with `coxph.control()`'s defaults
//!   (`iter.max` = 20, `eps` = 1e-9, `toler.chol` = `.Machine$double.eps^0.75`): start at
//!   β = 0 (that log-likelihood is the null model's, and the score test uses the score and
//!   information there) and take the Newton step. A candidate whose log-likelihood is not finite
//!   or lower than the best so far is never accepted: the step is shortened towards the best β,
//!   to 1/2, 1/6, 1/24, … of the full step ((h·β_best + β)/(h + 1) after h failures in a row).
//!   The fit has converged when a full Newton step changes the log-likelihood by a relative
//!   |1 − ℓ_best/ℓ_new| ≤ 1e-9. The Newton step uses R's generalised inverse: a column whose
//!   Cholesky pivot is negligible (its coefficient running off to infinity) gets no step. When
//!   the 20 iterations run out, the best β is returned, never the last attempt (`newton`).
//! * **Problems.** A constant column is dropped (named in a warning). A column collinear with
//!   earlier ones is dropped: we factor the information at β = 0 column by column and treat a
//!   pivot below 1.8e-12 (`.Machine$double.eps^0.75`, R's `toler.chol`) times the largest
//!   diagonal as zero, as R's `cholesky2` does (R then reports NA for that coefficient; we
//!   report the term with nulls and a warning). A term whose information vanishes at the fitted
//!   β (typically one patient alone in an arm, dying first) is NA in R too: reported with nulls
//!   and a warning, the variance and tests of the others computed without it. After
//!   convergence, R's check for monotone likelihood: if the next Newton step for β_j would
//!   still exceed 1e-9 and √1e-9·|β_j|, the coefficient may be infinite (the warning names only
//!   those terms). R runs that check only when the fit converged; after running out of
//!   iterations we name the terms whose next step would still carry them away from zero
//!   (`diverging_terms`).
//! * **Times** arrive already adjudicated: R's `timefix` (`aeqSurv`, merging times that differ
//!   by round-off) is applied when the rows are prepared (`prepare.rs`, `stats::timefix`).
//! * **Tests.** LR = 2(ℓ̂ − ℓ₀); score = uᵀI⁻¹u at β = 0; Wald = β̂ᵀV⁻¹β̂ with V the robust
//!   variance when a cluster is given. As R's `summary.coxph`, the Wald chi-square is reported
//!   rounded to 2 decimals (the p-value uses the unrounded statistic); the unrounded value is in
//!   `wald_chisq`.
//! * **Robust variance** (`cluster`): dfbeta residuals D = (score residuals)·V, summed within
//!   clusters, V_robust = DᵀD. The score residual of row i is
//!   δ_i (x_i − x̄̄(t_i)) − r_i Σ_{event times s ≤ t_i} w_is (x_i − x̄_s)/S0_s, where for Efron the
//!   sum runs over the sub-risk-sets, a row dying at s enters the k-th with weight 1 − k/d, and
//!   x̄̄ is the mean of the sub-risk-set means. It is computed with cumulative sums in one
//!   forward pass. R's robust score test (`rscore`, the score residuals at β = 0 collapsed by
//!   cluster) is `robust_score_test`; `score_test` is the ordinary score test, as R's summary.
//! * **Counting-process data and case weights** (`coxph_extra`, as `coxph(Surv(start, stop,
//!   event) ~ ..., weights = w, robust = TRUE)`): a row leaves the running sums of the
//!   reverse-time passes once they go back past its entry, and its information weight is the
//!   cumulative weight up to its time less that up to its entry; weights multiply each row's
//!   risk and its own terms, and tied deaths count their mean weight in each Efron
//!   sub-risk-set (R's `meanwt`). With weights the variance is the robust one (each row, or
//!   each cluster, its own term). The concordance and the `cox.zph` transform (Kaplan–Meier
//!   with delayed entry) follow R there too (`concordance_general`, `km_transform_entry`).
//! * **Concordance** as `concordancefit(..., reverse = TRUE, timefix = FALSE)`: a pair is
//!   comparable when the earlier time is an event (a row censored at the same time as an event
//!   counts as still at risk; tied event times are not comparable), within a stratum; it is
//!   concordant when the earlier event has the larger linear predictor; ties in the predictor
//!   count one half. C = (concordant + tied/2) / (concordant + discordant + tied). The standard
//!   error is R's infinitesimal-jackknife one: with N comparable pairs, Somers' d = (C−D)/N and
//!   each row's counts (c_i, d_i, t_i) of pairs it belongs to,
//!   dfbeta_i = (c_i − d_i)/N − d/N·(c_i + d_i + t_i), summed within cluster when a cluster is
//!   given, var(C) = Σ dfbeta² / 4. The counts come from sweeps with Fenwick trees, O(n log n):
//!   when there are fewer time groups than distinct predictors (tied times, as whole days), in
//!   order of the predictor with the rows counted by time group, so that the counts stay in
//!   cache (`pair_counts_by_rank`); otherwise along the time order with the rows counted by
//!   predictor rank (`pair_counts_by_time`).
//! * **Proportional hazards test** as `cox.zph(fit, transform = "km")` in survival 3.x: a score
//!   test, at the fitted β, for adding the time-varying terms x·g(t), where
//!   g(t) = 1 − S(t−) (S = Kaplan–Meier of all rows, strata pooled), centred on its mean over the
//!   events. With the blocks A = I_ββ, B = I_βγ, C = I_γγ of the information of (β, γ) and
//!   the score u_γ, the test for column j is u_j² / (C_jj − B_jᵀA⁻¹B_j), and the global test
//!   u_γᵀ(C − BA⁻¹B)⁻¹u_γ. Every column of the design is its own term (df 1).
//!
//! # Layout
//!
//! * [`input`]: what is fitted ([`CoxInput`], [`CoxExtra`]) and the checks made first.
//! * `fit`: sorting and grouping the rows, centring and scaling, the likelihood passes
//!   (with the `cox.zph` blocks) and Newton–Raphson.
//! * `linalg`: the small p × p linear algebra, with R's rules for singular matrices.
//! * `robust`: score residuals, the sandwich (cluster) variance and the robust score test.
//! * `concordance`: Harrell's C and its jackknife standard error.
//! * [`zph`]: the `cox.zph` time transform, test and residual plots; it consumes the blocks
//!   the fit exposes and depends on nothing else of the fit.
//! * this file: the public API, and [`coxph_extra_traced`] calling those in named steps
//!   (check → prepare → fit → variance → robust → Wald → concordance → PH test → report).
//!
//! # Errors
//!
//! [`crate::Error`]s: [`ErrorKind::Data`](crate::error::ErrorKind::Data) for what the rows given
//! cause (no events, no covariate that varies or is estimable, a fit that diverges, a row with a
//! value the fit cannot use), each saying what to do; [`ErrorKind::Internal`](crate::error::ErrorKind::Internal)
//! for a broken invariant of the callers or of the algebra (columns of different lengths, an
//! information matrix singular after its singular columns were set aside), which says it is a
//! bug. Problems that leave a model (a term dropped, no convergence, an infinite coefficient)
//! are warnings in [`CoxReport::warnings`].

mod concordance;
mod fit;
pub mod input;
mod linalg;
mod robust;
pub mod zph;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::error::{Error, Result};

use super::common::{pnorm_two_sided, z95, TestResult};
use fit::{diverging_terms, newton, Data, Layout, Newton, Pass, Work, MAX_ITER};
pub(crate) use linalg::singular_columns;
use linalg::{chol_inverse, chol_solve, generalized_solve};

pub use input::{CoxExtra, CoxInput};
pub use zph::{PhTermTest, PhTest};

/// One coefficient of the model.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoxTerm {
    pub name: String,
    pub coef: f64,
    /// Model-based standard error (R's `se(coef)`).
    pub se: f64,
    /// Cluster-robust standard error (R's `robust se`), when a cluster is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust_se: Option<f64>,
    pub hr: f64,
    /// 95% confidence interval of the hazard ratio (robust when a cluster is given).
    pub lower: f64,
    pub upper: f64,
    pub z: f64,
    pub p: f64,
}

/// Harrell's C as `coxph`'s `concordance` component.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Concordance {
    pub c: f64,
    pub se: f64,
}

/// A fitted Cox model.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoxReport {
    pub n: usize,
    pub events: usize,
    pub ties: &'static str,
    pub terms: Vec<CoxTerm>,
    /// Covariance matrix of the coefficients, row-major (terms × terms): R's `vcov(fit)`, the
    /// robust one when a cluster is given. Lets a reader compute any contrast and its CI.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vcov: Vec<f64>,
    /// Log partial likelihood of the null and the fitted model.
    pub loglik: [f64; 2],
    pub lr_test: TestResult,
    /// Wald test; as R's `summary.coxph`, `chisq` is rounded to 2 decimals (p is not).
    pub wald_test: TestResult,
    /// The unrounded Wald statistic.
    pub wald_chisq: f64,
    pub score_test: TestResult,
    /// Robust score test (R's `robscore`), when a cluster is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robust_score_test: Option<TestResult>,
    pub concordance: Concordance,
    pub ph_test: Option<PhTest>,
    /// Newton–Raphson iterations used.
    pub iterations: usize,
    pub converged: bool,
    /// Terms left out of the model (constant or collinear); R reports NA for them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    /// Problems found while fitting (monotone likelihood, collinear term dropped, ...).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Up to this many events the report carries the scaled Schoenfeld residuals of the PH test
/// (`ph_test.residuals`, for the residual plots) unasked; above it they cost more than the fit
/// itself (one pass over the rows and a smoother per term over every event) and come only
/// when asked for ([`coxph_with`], the spec's `ph_residuals`).
pub const RESIDUALS_UNASKED_MAX_EVENTS: usize = 20_000;

/// Whether the PH test carries its residuals (see [`RESIDUALS_UNASKED_MAX_EVENTS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Residuals {
    /// Not at all (a model whose residuals nobody plots, e.g. the univariable screen's).
    Never,
    /// Up to [`RESIDUALS_UNASKED_MAX_EVENTS`] events.
    Auto,
    Always,
}

/// Fit the model. Errors are problems that leave no model (no events, no usable term; see the
/// module's "Errors").
pub fn coxph(input: &CoxInput) -> Result<CoxReport> {
    coxph_with(input, Residuals::Auto)
}

/// [`coxph`], choosing whether the PH test carries its residuals.
pub fn coxph_with(input: &CoxInput, residuals: Residuals) -> Result<CoxReport> {
    coxph_extra(input, CoxExtra::default(), residuals)
}

/// [`coxph_with`], with the log partial likelihood at β = 0 and at every accepted Newton
/// iterate, in order (never decreasing but for R's convergence tolerance on the last step: a
/// step that would lower it is shortened instead).
pub fn coxph_traced(input: &CoxInput, residuals: Residuals) -> Result<(CoxReport, Vec<f64>)> {
    coxph_extra_traced(input, CoxExtra::default(), residuals)
}

/// [`coxph_with`] on counting-process data and/or with case weights.
///
/// Delayed entry: a row joins the risk sets of the times after its entry; the reverse-time
/// passes take it out of the running sums once they go back past its entry, and in the
/// information (regrouped by row) its weight is the cumulative weight up to its own time less
/// that up to its entry. Weights multiply each row's risk in every risk-set sum and its
/// contribution to the log-likelihood and score; the tied deaths of a time count their mean
/// weight in each Efron sub-risk-set (R's `meanwt`).
pub fn coxph_extra(input: &CoxInput, extra: CoxExtra, residuals: Residuals) -> Result<CoxReport> {
    coxph_extra_traced(input, extra, residuals).map(|(fit, _)| fit)
}


/// A linear predictor whose every value is within this of 0 is rounding noise of coefficients
/// that are 0 (its terms are the centred, scaled covariates, of order 1, times β): its pairs
/// are all tied for the concordance.
const NULL_PREDICTOR: f64 = 1e-12;

/// [`coxph_extra`] with the accepted log-likelihood path of [`coxph_traced`].
///
/// The fit in named steps: [`input::check`] → [`prepare`] (sort and group the rows, drop
/// constant and collinear terms, the null model) → [`fit_model`] (score test, Newton–Raphson)
/// → [`variance`] (model-based, NA terms, fit warnings) → [`robust::robust_variance`] (with a
/// cluster or weights) → [`wald`] → [`concordance::concordance`] → [`ph_test`] → [`report`].
pub fn coxph_extra_traced(input: &CoxInput, extra: CoxExtra, residuals: Residuals) -> Result<(CoxReport, Vec<f64>)> {
    fit_in_steps(input, extra, residuals, None, &mut |_| {})
}

/// [`coxph_extra`] given the rows in order of `input.time` as
/// [`crate::stats::common::order_by_time`] makes it (made once for several estimators of the
/// same rows: the propensity-weighted curves and this model), instead of sorting them again.
pub fn coxph_extra_ordered(input: &CoxInput, extra: CoxExtra, residuals: Residuals, time_order: &[usize]) -> Result<CoxReport> {
    fit_in_steps(input, extra, residuals, Some(time_order), &mut |_| {}).map(|(fit, _)| fit)
}

/// [`coxph_extra`] with the time each step took (milliseconds by `now`, in order: `sort` (the
/// rows by stratum and time, and their time groups), `matrix` (the centred and scaled design in
/// sorted order), `null_pass` (the pass at β = 0 with the information, the collinearity check),
/// `fit`, `variance`, `robust`, `concordance`, `ph_test`), for the benchmarks.
pub fn coxph_timed(input: &CoxInput, extra: CoxExtra, residuals: Residuals, now: &dyn Fn() -> f64) -> Result<(CoxReport, Vec<(&'static str, f64)>)> {
    let mut laps = Vec::new();
    let mut last = now();
    let fit = fit_in_steps(input, extra, residuals, None, &mut |step| {
        let t = now();
        laps.push((step, t - last));
        last = t;
    })?;
    Ok((fit.0, laps))
}

/// The steps of [`coxph_extra_traced`]; `lap` is called with each step's name as it ends.
fn fit_in_steps(input: &CoxInput, extra: CoxExtra, residuals: Residuals, time_order: Option<&[usize]>, lap: &mut dyn FnMut(&'static str)) -> Result<(CoxReport, Vec<f64>)> {
    let events = input::check(input, extra)?;
    let mut notes = Notes::default();
    // Until the concordance: the sorted rows (order and events, which the data take over from
    // the layout) and the ranks, the matrix, η and exp(η).
    let (n, ps) = (input.time.len(), input.x.len() + input.x.len() % 2);
    let matrix = n.saturating_mul(8 * ps);
    crate::stats::common::reserve_heap(matrix.saturating_add(n.saturating_mul(std::mem::size_of::<usize>() + 4 + 1 + 16)), matrix);
    let layout = Layout::new(input, extra, time_order);
    // The cox.zph time transform depends only on the times: computed once; its blocks are
    // accumulated with the information at the returned β.
    let gt = zph::time_transform(&layout.group_summary(input.time), input.time, input.status, extra.entry);
    lap("sort");
    let Start { keep, names, mut data, scale, mut work, p0 } = prepare(input, layout, &mut notes, lap)?;
    lap("null_pass");
    let fitted = fit_model(&data, &p0, &gt, &mut work)?;
    lap("fit");
    let est = variance(&fitted, &scale, &names, &mut notes)?;
    lap("variance");

    // Case weights call for the robust variance too (each row its own cluster unless a
    // cluster is given), as `coxph(..., weights = w, robust = TRUE)`. `true`: `newton` ends
    // with its likelihood pass at β̂, so `work.risk` holds exp(η) there (no n exponentials again).
    let robust = (input.cluster.is_some() || extra.weights.is_some())
        .then(|| robust::robust_variance(&data, &mut work, &fitted.beta_s, true, &est.var_s, &scale, input.cluster));
    let wald = wald(&est, robust.as_ref(), &fitted);
    lap("robust");

    // Linear predictor by sorted row, centred as R's (x − mean)·β, in η's buffer. The design
    // matrix and the passes' scratch space are not needed again: they go before the
    // concordance's sweeps allocate theirs (at 10M rows × 10 terms, 0.96 GB less at the peak of
    // the page's memory, which never shrinks).
    let mut lp = std::mem::take(&mut work.eta);
    data.predictor(&fitted.beta_s, &mut lp);
    // Coefficients that are zero but for rounding (a score of exactly 0 at β = 0 reached as
    // 1e-17: one event whose covariates are its risk set's mean) leave a predictor of rounding
    // noise, whose order would make pairs concordant or discordant at random: every pair is
    // tied, as R's exactly-zero coefficients make them (concordance 0.5, standard error 0).
    if lp.iter().all(|v| v.abs() <= NULL_PREDICTOR) {
        lp.iter_mut().for_each(|v| *v = 0.0);
    }
    drop(work);
    data.x = Vec::new();
    let conc = concordance::concordance(&data, input.time, extra.entry, &lp, input.cluster);
    drop((lp, data));
    lap("concordance");

    // The residual plots (scaled Schoenfeld residuals) are not made for counting-process or
    // weighted fits: the PH test itself is.
    let want_residuals = extra.entry.is_none()
        && extra.weights.is_none()
        && match residuals {
            Residuals::Never => false,
            Residuals::Auto => events <= RESIDUALS_UNASKED_MAX_EVENTS,
            Residuals::Always => true,
        };
    let ph = ph_test(input, &fitted.pass, &est, &names, &scale, &keep, want_residuals, &mut notes);
    lap("ph_test");
    let path = fitted.path.clone();
    Ok((report(input, events, &names, &fitted, &est, robust, wald, conc, ph, notes), path))
}

/// Warnings and terms left out, in the order they are found.
#[derive(Default)]
struct Notes {
    warnings: Vec<String>,
    dropped: Vec<String>,
}

/// What [`prepare`] hands on: the estimable columns (indices into the input, and their names),
/// their centred and scaled data with each column's scale, the scratch space of the passes,
/// and the pass at β = 0 (null log-likelihood, score and information).
struct Start {
    keep: Vec<usize>,
    names: Vec<String>,
    data: Data,
    scale: Vec<f64>,
    work: Work,
    p0: Pass,
}

/// Drop constant columns (they carry no information), lay the others out, and fit the null
/// model; a column collinear with earlier ones (a negligible Cholesky pivot of the information
/// at β = 0, R's `cholesky2` with `toler.chol`) is dropped too and the data rebuilt without it.
fn prepare(input: &CoxInput, layout: Layout, notes: &mut Notes, lap: &mut dyn FnMut(&'static str)) -> Result<Start> {
    let mut keep: Vec<usize> = Vec::new();
    for (j, col) in input.x.iter().enumerate() {
        if col.iter().all(|&v| v == col[0]) {
            notes.warnings.push(format!(
                "Cox model: term '{}' has the same value in every row and was left out of the model",
                input.names[j]
            ));
            notes.dropped.push(input.names[j].clone());
        } else {
            keep.push(j);
        }
    }
    if keep.is_empty() {
        return Err(Error::data("no covariate of the Cox model varies between the rows analysed, so there is nothing to estimate: choose covariates whose values differ between patients"));
    }
    let (rank_of, rows) = layout.into_rows();
    let (mut data, mut scale) = Data::new(input, &rank_of, rows, &keep)?;
    lap("matrix");
    let (mut work, mut p0) = null_pass(&data);
    let bad = singular_columns(&p0.imat, keep.len());
    if !bad.is_empty() {
        for &j in &bad {
            let name = &input.names[keep[j]];
            notes.warnings.push(format!(
                "Cox model: term '{name}' is collinear with other terms (or constant within strata) and was left out of the model (R reports NA)"
            ));
            notes.dropped.push(name.clone());
        }
        keep = keep.iter().enumerate().filter(|(j, _)| !bad.contains(j)).map(|(_, &c)| c).collect();
        if keep.is_empty() {
            return Err(Error::data("no covariate of the Cox model is estimable: each is constant within the strata or a combination of the others. Remove the strata, or choose covariates that vary within them"));
        }
        drop(work);
        (data, scale) = Data::new(input, &rank_of, data.into_rows(), &keep)?;
        (work, p0) = null_pass(&data);
    }
    if !p0.loglik.is_finite() {
        return Err(Error::data("the Cox model's log partial likelihood at β = 0 is not finite: an event's risk set has a total weight of 0. Give the rows with events a weight above 0, or leave them out"));
    }
    debug_assert_eq!(data.p, keep.len(), "one design column per kept term");
    debug_assert_eq!(scale.len(), keep.len(), "one scale per kept term");
    let names = keep.iter().map(|&c| input.names[c].clone()).collect();
    Ok(Start { keep, names, data, scale, work, p0 })
}

/// Scratch space for `data`'s passes and the pass at β = 0 (with the information).
fn null_pass(data: &Data) -> (Work, Pass) {
    let mut work = Work::new(data.n, data.p, data.ps, data.groups.len());
    let mut p0 = Pass::new(data.p);
    data.loglik_score(&vec![0.0; data.p], None, &mut work, &mut p0);
    data.information(None, &mut work, &mut p0);
    (work, p0)
}

/// The fitted model in the centred and scaled units ([`Newton`]) with the score statistic at
/// β = 0.
struct Fitted {
    beta_s: Vec<f64>,
    pass: Pass,
    iterations: usize,
    converged: bool,
    path: Vec<f64>,
    loglik0: f64,
    score: f64,
}

/// The score test at β = 0 (uᵀI⁻¹u, which is also the first Newton step's work) and
/// Newton–Raphson with step halving, as `coxfit6` (see [`newton`] and the module notes).
fn fit_model(data: &Data, p0: &Pass, gt: &[f64], work: &mut Work) -> Result<Fitted> {
    let step0 = chol_solve(&p0.imat, &p0.u, data.p)
        .ok_or_else(|| Error::internal("the Cox model's information matrix at β = 0 is singular after its collinear terms were dropped"))?;
    let score = step0.iter().zip(&p0.u).map(|(a, b)| a * b).sum::<f64>();
    let Newton { beta, pass, iterations, converged, path } = newton(data, p0, &step0, gt, work);
    if !pass.loglik.is_finite() {
        return Err(Error::data("the Cox model diverged (its log partial likelihood is no longer finite): a covariate may separate the events from the non-events. Leave it out, or merge its levels so that each has events and non-events"));
    }
    Ok(Fitted { beta_s: beta, pass, iterations, converged, path, loglik0: p0.loglik, score })
}

/// The coefficients in the original units and their model-based variance.
struct Estimates {
    /// Terms whose information vanished at the fitted β (reported as NA), and the others.
    na: Vec<usize>,
    kept: Vec<usize>,
    /// I⁻¹ in the centred and scaled units (zero rows and columns for the NA terms).
    var_s: Vec<f64>,
    coef: Vec<f64>,
    /// I⁻¹ in the original units, and the model-based standard errors (NaN for NA terms).
    var: Vec<f64>,
    se: Vec<f64>,
}

/// The model-based variance at the fitted β, with the warnings about the fit: terms whose
/// information vanished (R's NA: its generalised inverse leaves them out of the variance, the
/// other terms estimated around them), no convergence, coefficients that may be infinite.
fn variance(fitted: &Fitted, scale: &[f64], names: &[String], notes: &mut Notes) -> Result<Estimates> {
    let p = scale.len();
    let imat = &fitted.pass.imat;
    let na = singular_columns(imat, p);
    let kept: Vec<usize> = (0..p).filter(|j| !na.contains(j)).collect();
    debug_assert_eq!(imat.len(), p * p, "the information is p × p");
    let inv = chol_inverse(&sub_matrix(imat, p, &kept), kept.len()).ok_or_else(|| {
        Error::internal("the Cox model's information matrix at the fitted β is singular after the terms without information were set aside")
    })?;
    let mut var_s = vec![0.0; p * p];
    for (a, &j) in kept.iter().enumerate() {
        for (b, &l) in kept.iter().enumerate() {
            var_s[j * p + l] = inv[a * kept.len() + b];
        }
    }
    for &j in &na {
        notes.warnings.push(format!(
            "Cox model: the information for term '{}' vanished at the fitted coefficients (its coefficient runs off to infinity: a covariate level whose events all come first, or none at all), so it is reported as NA, as R does; the other terms are estimated with it held fixed",
            names[j]
        ));
    }
    let coef: Vec<f64> = (0..p).map(|j| fitted.beta_s[j] * scale[j]).collect();
    fit_warnings(fitted, &var_s, &coef, scale, &na, names, notes);
    let var: Vec<f64> = (0..p * p).map(|jl| var_s[jl] * scale[jl / p] * scale[jl % p]).collect();
    let se: Vec<f64> = (0..p).map(|j| if na.contains(&j) { f64::NAN } else { var[j * p + j].sqrt() }).collect();
    Ok(Estimates { na, kept, var_s, coef, var, se })
}

/// No convergence, and the terms whose coefficient may be infinite ([`diverging_terms`]).
fn fit_warnings(fitted: &Fitted, var_s: &[f64], coef: &[f64], scale: &[f64], na: &[usize], names: &[String], notes: &mut Notes) {
    let converged = fitted.converged;
    let inf_terms: Vec<usize> = diverging_terms(&fitted.pass, var_s, coef, scale, converged).into_iter().filter(|j| !na.contains(j)).collect();
    if !converged {
        notes.warnings.push(format!(
            "Cox model: ran out of iterations ({MAX_ITER}) and did not converge; the estimates are those of the best iteration"
        ));
    }
    if inf_terms.is_empty() {
        return;
    }
    let names_inf = inf_terms.iter().map(|&j| format!("'{}'", names[j])).collect::<Vec<_>>().join(", ");
    let one = inf_terms.len() == 1;
    notes.warnings.push(if converged {
        format!(
            "Cox model: the log-likelihood converged before {} {names_inf}; {} may be infinite (monotone likelihood: a covariate level with no events, or one that separates events)",
            if one { "term" } else { "terms" },
            if one { "its coefficient" } else { "their coefficients" },
        )
    } else {
        format!(
            "Cox model: {} {names_inf} still {} growing when the iterations ran out; {} may be infinite (monotone likelihood: a covariate level with no events, or one that separates events)",
            if one { "the coefficient of" } else { "the coefficients of" },
            if one { "was" } else { "were" },
            if one { "it" } else { "they" },
        )
    });
}

/// The rows and columns `keep` of a row-major p × p matrix.
fn sub_matrix(m: &[f64], p: usize, keep: &[usize]) -> Vec<f64> {
    keep.iter().flat_map(|&j| keep.iter().map(move |&l| m[j * p + l])).collect()
}

/// The unrounded Wald statistic over the estimable terms: βᵀV⁻¹β with V the robust variance
/// when there is one (inverted as R's `coxph.wtest`, a generalised inverse with `toler.chol`,
/// so that a robust variance of rank below the number of terms (fewer clusters than terms)
/// leaves out its null directions instead of dividing by rounding error), else V = I⁻¹, i.e.
/// βᵀIβ in the scaled units.
fn wald(est: &Estimates, robust: Option<&robust::Robust>, fitted: &Fitted) -> f64 {
    let p = est.coef.len();
    match robust {
        Some(r) => {
            let b: Vec<f64> = est.kept.iter().map(|&j| est.coef[j]).collect();
            generalized_solve(&sub_matrix(&r.var, p, &est.kept), &b, est.kept.len()).iter().zip(&b).map(|(x, b)| x * b).sum()
        }
        None => {
            let (beta, imat) = (&fitted.beta_s, &fitted.pass.imat);
            est.kept.iter().map(|&j| est.kept.iter().map(|&l| beta[j] * imat[j * p + l] * beta[l]).sum::<f64>()).sum()
        }
    }
}

/// The `cox.zph` test from the blocks of the final pass (over the estimable terms, as
/// `cox.zph` on a fit with NA coefficients), with the scaled Schoenfeld residuals when wanted.
#[allow(clippy::too_many_arguments)]
fn ph_test(input: &CoxInput, pass: &Pass, est: &Estimates, names: &[String], scale: &[f64], keep: &[usize], want_residuals: bool, notes: &mut Notes) -> Option<PhTest> {
    let p = scale.len();
    let ph = if est.na.is_empty() {
        zph::zph(&pass.imat, &pass.b, &pass.c, &pass.ug, names, scale)
            .map(|t| if want_residuals { t.with_residuals(input, keep, &est.coef, &est.var, names) } else { t })
    } else {
        let kept = &est.kept;
        let names_k: Vec<String> = kept.iter().map(|&j| names[j].clone()).collect();
        let scale_k: Vec<f64> = kept.iter().map(|&j| scale[j]).collect();
        let ug_k: Vec<f64> = kept.iter().map(|&j| pass.ug[j]).collect();
        zph::zph(&sub_matrix(&pass.imat, p, kept), &sub_matrix(&pass.b, p, kept), &sub_matrix(&pass.c, p, kept), &ug_k, &names_k, &scale_k)
    };
    if ph.is_none() {
        notes.warnings.push(
            "Cox model: no proportional-hazards test (ph_test is null): the information matrix of the coefficients and their time-varying terms is singular (R's cox.zph stops: 'system is computationally singular'), typically when a coefficient is infinite or a term barely varies among the events".into(),
        );
    }
    ph
}

/// The report: one term per input column in input order (terms left out before fitting, and
/// NA terms, with nulls, as R's NA coefficients; `vcov` with null rows and columns for them),
/// the variance used being the robust one when there is one.
#[allow(clippy::too_many_arguments)]
fn report(input: &CoxInput, events: usize, names: &[String], fitted: &Fitted, est: &Estimates, robust: Option<robust::Robust>, wald: f64, concordance: Concordance, ph_test: Option<PhTest>, notes: Notes) -> CoxReport {
    let p = names.len();
    let pk = est.kept.len();
    let (robust_var, robust_score_test) = match robust {
        Some(r) => (Some(r.var), Some(r.score_test)),
        None => (None, None),
    };
    let used_var = robust_var.as_ref().unwrap_or(&est.var);
    let zq = z95();
    let nan_term = |name: &str| CoxTerm {
        name: name.to_string(),
        coef: f64::NAN,
        se: f64::NAN,
        robust_se: robust_var.as_ref().map(|_| f64::NAN),
        hr: f64::NAN,
        lower: f64::NAN,
        upper: f64::NAN,
        z: f64::NAN,
        p: f64::NAN,
    };
    let fitted_term = |j: usize| {
        let (c, s) = if est.na.contains(&j) { (f64::NAN, f64::NAN) } else { (est.coef[j], used_var[j * p + j].sqrt()) };
        let z = c / s;
        CoxTerm {
            name: names[j].clone(),
            coef: c,
            se: est.se[j],
            robust_se: robust_var.as_ref().map(|_| s),
            hr: c.exp(),
            lower: (c - zq * s).exp(),
            upper: (c + zq * s).exp(),
            z,
            p: pnorm_two_sided(z),
        }
    };
    let is_na = |j: usize| est.na.contains(&j);
    // Position of each input column among the fitted terms.
    let pos: Vec<Option<usize>> = if notes.dropped.is_empty() {
        (0..p).map(Some).collect()
    } else {
        input.names.iter().map(|nm| names.iter().position(|k| k == nm)).collect()
    };
    let m = pos.len();
    let terms = pos.iter().zip(input.names).map(|(at, nm)| at.map_or_else(|| nan_term(nm), fitted_term)).collect();
    let vcov = (0..m * m)
        .map(|jl| match (pos[jl / m], pos[jl % m]) {
            (Some(j), Some(l)) if !is_na(j) && !is_na(l) => used_var[j * p + l],
            _ => f64::NAN,
        })
        .collect();
    let wald_exact = TestResult::chisq(wald, pk as f64);
    let loglik = [fitted.loglik0, fitted.pass.loglik];
    CoxReport {
        n: input.time.len(),
        events,
        ties: input.ties.name(),
        terms,
        vcov,
        loglik,
        lr_test: TestResult::chisq(2.0 * (loglik[1] - loglik[0]), pk as f64),
        wald_test: TestResult { chisq: (wald * 100.0).round() / 100.0, df: pk as f64, p: wald_exact.p },
        wald_chisq: wald,
        score_test: TestResult::chisq(fitted.score, pk as f64),
        robust_score_test,
        concordance,
        ph_test,
        iterations: fitted.iterations,
        converged: fitted.converged,
        dropped: notes.dropped,
        warnings: notes.warnings,
    }
}
