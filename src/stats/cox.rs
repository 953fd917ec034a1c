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

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::common::{pnorm_two_sided, radix_sort, time_key, z95, TestResult};
use crate::spec::Ties;

pub use super::zph::{PhTermTest, PhTest};
use super::zph::{km_transform, zph};

pub use super::cox_input::CoxInput;

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

/// R's `coxph.control()` defaults.
const EPS: f64 = 1e-9;
const MAX_ITER: usize = 20;
/// `.Machine$double.eps^0.75`.
const TOLER_CHOL: f64 = 1.8189894035458617e-12;

/// Rows sharing a stratum and a time.
#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
    deaths: usize,
    /// First / last group of its stratum (in time order).
    first: bool,
    last: bool,
}

/// Sorted, centred and scaled data.
struct Data {
    n: usize,
    p: usize,
    /// Row stride of `x`: p rounded up to even (the padding column is zero), so that the
    /// information kernel works on 2 × 2 blocks.
    ps: usize,
    /// Original row of each sorted row.
    row: Vec<usize>,
    event: Vec<bool>,
    /// Row-major n × ps, centred and scaled.
    x: Vec<f64>,
    groups: Vec<Group>,
    efron: bool,
    /// Case weights in sorted order (sampling weights), when given.
    wt: Option<Vec<f64>>,
    /// Delayed entry (counting-process data), when given: see [`Entry`].
    entry: Option<Entry>,
}

/// Where rows of (entry, time] data join the risk sets. A sorted row i is at risk at the time
/// groups `first[i] ..= its own group` (groups of its stratum with time > entry_i); in the
/// reverse-time passes it leaves the running sums after group `first[i]`, so the rows leaving
/// after group gi are `leave[leave_start[gi]..leave_start[gi + 1]]`.
struct Entry {
    first: Vec<u32>,
    leave_start: Vec<usize>,
    leave: Vec<u32>,
}

impl Entry {
    /// From each sorted row's first group at risk.
    fn new(first: Vec<u32>, ngroups: usize) -> Entry {
        let mut leave_start = vec![0usize; ngroups + 1];
        for &f in &first {
            leave_start[f as usize + 1] += 1;
        }
        for g in 0..ngroups {
            leave_start[g + 1] += leave_start[g];
        }
        let mut next = leave_start.clone();
        let mut leave = vec![0u32; first.len()];
        for (i, &f) in first.iter().enumerate() {
            leave[next[f as usize]] = i as u32;
            next[f as usize] += 1;
        }
        Entry { first, leave_start, leave }
    }
    /// Rows leaving the risk set after group `gi` (going back in time).
    fn leaving(&self, gi: usize) -> &[u32] {
        &self.leave[self.leave_start[gi]..self.leave_start[gi + 1]]
    }
}

/// Scratch space of the likelihood passes (allocated once per fit).
struct Work {
    eta: Vec<f64>,
    risk: Vec<f64>,
    /// Row weights of the information kernel.
    wrow: Vec<f64>,
    s1: Vec<f64>,
    d1: Vec<f64>,
    xd: Vec<f64>,
    xbar_sum: Vec<f64>,
    /// Per group: a0 = Σ_k 1/den_k and a1 = Σ_k f_k/den_k over its sub-risk-sets (0 when
    /// the group has no event).
    a0: Vec<f64>,
    a1: Vec<f64>,
    /// Rows z (stride ps) with Σ z zᵀ = the mean-product part of the information, and the
    /// group of each.
    z: Vec<f64>,
    zgroup: Vec<u32>,
    zw: Vec<f64>,
    /// Kernel scratch: one chunk of rows (weighted and not) by column pairs, and a ps × ps
    /// accumulator.
    chunk: Vec<[f64; 2]>,
    acc: Vec<f64>,
}

impl Work {
    fn new(n: usize, p: usize, ps: usize, ngroups: usize) -> Self {
        Work {
            eta: vec![0.0; n],
            risk: vec![0.0; n],
            wrow: vec![0.0; n],
            s1: vec![0.0; ps],
            d1: vec![0.0; ps],
            xd: vec![0.0; ps],
            xbar_sum: vec![0.0; p],
            a0: vec![0.0; ngroups],
            a1: vec![0.0; ngroups],
            z: Vec::new(),
            zgroup: Vec::new(),
            zw: Vec::new(),
            chunk: vec![[0.0; 2]; KERNEL_CHUNK * ps],
            acc: vec![0.0; ps * ps],
        }
    }
}

/// Result of one likelihood pass.
struct Pass {
    loglik: f64,
    u: Vec<f64>,
    /// Information, p × p (full symmetric).
    imat: Vec<f64>,
    /// `cox.zph` blocks, filled only when a time transform is given.
    ug: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
}

impl Pass {
    fn new(p: usize) -> Self {
        Pass { loglik: 0.0, u: vec![0.0; p], imat: vec![0.0; p * p], ug: vec![0.0; p], b: vec![0.0; p * p], c: vec![0.0; p * p] }
    }
}

/// Rows per chunk of the information kernel (a chunk of weighted rows stays in L1 cache).
const KERNEL_CHUNK: usize = 64;

/// acc (ps × ps, row-major) += Σ_i w_i x_i x_iᵀ on the 2 × 2 blocks on and below the diagonal,
/// for the rows x_i (stride ps, ps even) of `x`.
///
/// This is the O(n p²) part of every Newton iteration. The rows are taken in chunks that stay
/// in L1 cache; a chunk is laid out by column pairs (for each pair of columns, the pairs of
/// entries of every row in turn), once weighted (w_i x_i) and once not. Each 2 × 2 block of the
/// result is then a sum over the chunk of the products of two such pairs, kept in four
/// registers, without bounds checks (natively the compiler turns it into 2-wide SIMD).
fn weighted_crossprod(x: &[f64], w: &[f64], ps: usize, chunk: &mut [[f64; 2]], acc: &mut [f64]) {
    for (xc, wc) in x.chunks(KERNEL_CHUNK * ps).zip(w.chunks(KERNEL_CHUNK)) {
        crossprod_chunk(xc, wc, ps, chunk, acc);
    }
}

/// One chunk of `weighted_crossprod` (a function of its own so that V8 can switch it to
/// optimised code between chunks; see `WASM_TIER_CHUNK`).
#[inline(never)]
fn crossprod_chunk(xc: &[f64], wc: &[f64], ps: usize, chunk: &mut [[f64; 2]], acc: &mut [f64]) {
    let h = ps / 2;
    {
        let m = wc.len();
        let (wxp, xp) = chunk[..2 * h * m].split_at_mut(h * m);
        for (r, (row, &wi)) in xc.chunks_exact(ps).zip(wc).enumerate() {
            for (k, pair) in row.chunks_exact(2).enumerate() {
                xp[k * m + r] = [pair[0], pair[1]];
                wxp[k * m + r] = [wi * pair[0], wi * pair[1]];
            }
        }
        for jh in 0..h {
            let a_col = &wxp[jh * m..(jh + 1) * m];
            for lh in 0..=jh {
                let b_col = &xp[lh * m..(lh + 1) * m];
                let (mut c00, mut c01, mut c10, mut c11) = (0.0, 0.0, 0.0, 0.0);
                for (a, b) in a_col.iter().zip(b_col) {
                    c00 += a[0] * b[0];
                    c01 += a[0] * b[1];
                    c10 += a[1] * b[0];
                    c11 += a[1] * b[1];
                }
                let (j, l) = (2 * jh, 2 * lh);
                acc[j * ps + l] += c00;
                acc[j * ps + l + 1] += c01;
                acc[(j + 1) * ps + l] += c10;
                acc[(j + 1) * ps + l + 1] += c11;
            }
        }
    }
}

impl Data {
    fn xrow(&self, i: usize) -> &[f64] {
        &self.x[i * self.ps..i * self.ps + self.p]
    }

    /// η and exp(η) of every sorted row. Returns false if any is not finite.
    fn linear_predictor(&self, beta: &[f64], w: &mut Work) -> bool {
        // β padded to the row stride; the products are summed in two lanes (SIMD pairs).
        let mut bp = beta.to_vec();
        bp.resize(self.ps, 0.0);
        let ps = self.ps;
        let mut ok = true;
        for ((x, e), r) in self.x.chunks(WASM_TIER_CHUNK * ps).zip(w.eta.chunks_mut(WASM_TIER_CHUNK)).zip(w.risk.chunks_mut(WASM_TIER_CHUNK)) {
            ok &= Self::linear_predictor_chunk(x, &bp, e, r);
        }
        ok
    }

    #[inline(never)]
    fn linear_predictor_chunk(xs: &[f64], bp: &[f64], eta: &mut [f64], risk: &mut [f64]) -> bool {
        let mut ok = true;
        for ((x, e), r) in xs.chunks_exact(bp.len()).zip(eta).zip(risk) {
            let (mut e0, mut e1) = (0.0, 0.0);
            for (xx, bb) in x.chunks_exact(2).zip(bp.chunks_exact(2)) {
                e0 += xx[0] * bb[0];
                e1 += xx[1] * bb[1];
            }
            *e = e0 + e1;
            *r = e.exp();
            ok &= r.is_finite();
        }
        ok
    }

    /// First stage of a likelihood pass: log partial likelihood and score at `beta` (and the
    /// `cox.zph` score u_γ with `g`), in one reverse-time pass, O(n p). It leaves in `w` what the
    /// information needs (risks, per-group a0 and a1, the rows z).
    ///
    /// Per event time (group) with d deaths, the sub-risk-sets are: Efron, d of them, the k-th
    /// with the fraction f = k/d of the dying rows' weight removed; Breslow, one, counted d
    /// times. With den_k = S0 − f_k·DS0, a0 = Σ1/den, a1 = Σf/den, b0 = Σ1/den², b1 = Σf/den²,
    /// b2 = Σf²/den² (closed forms over the d sub-risk-sets, O(d + p) per time):
    ///   loglik += Σ η(dying) − Σ ln den_k,   u += Σ x(dying) − (S1·a0 − D1·a1),
    /// and the information of the time is
    ///   V = S2·a0 − D2·a1 − (S1S1ᵀ·b0 − (S1D1ᵀ + D1S1ᵀ)·b1 + D1D1ᵀ·b2).
    /// The last part is [S1 D1] M [S1 D1]ᵀ with M = [[b0, −b1], [−b1, b2]] positive
    /// semi-definite; with M = LLᵀ it is z1z1ᵀ + z2z2ᵀ, z1 = √b0·S1 − (b1/√b0)·D1,
    /// z2 = √(b2 − b1²/b0)·D1 (z2 only for tied Efron times). Those rows are stored.
    fn loglik_score(&self, beta: &[f64], g: Option<&[f64]>, w: &mut Work, out: &mut Pass) {
        out.loglik = 0.0;
        out.u.iter_mut().for_each(|a| *a = 0.0);
        out.ug.iter_mut().for_each(|a| *a = 0.0);
        w.z.clear();
        w.zgroup.clear();
        if !self.linear_predictor(beta, w) {
            out.loglik = f64::NAN;
            return;
        }
        // Groups in batches of a few thousand rows (see `WASM_TIER_CHUNK`), last to first.
        let mut s0 = 0.0;
        let mut end = self.groups.len();
        while end > 0 {
            let mut start = end - 1;
            while start > 0 && self.groups[end - 1].end - self.groups[start - 1].start <= WASM_TIER_CHUNK {
                start -= 1;
            }
            self.loglik_score_groups(start..end, g, &mut s0, w, out);
            end = start;
        }
    }

    /// The groups `range` of `loglik_score`, last to first, with the running S0 (and S1 in `w`).
    #[inline(never)]
    fn loglik_score_groups(&self, range: std::ops::Range<usize>, g: Option<&[f64]>, s0: &mut f64, w: &mut Work, out: &mut Pass) {
        let (p, ps) = (self.p, self.ps);
        for gi in range.rev() {
            let grp = &self.groups[gi];
            if grp.last {
                *s0 = 0.0;
                w.s1.iter_mut().for_each(|a| *a = 0.0);
            }
            w.a0[gi] = 0.0;
            w.a1[gi] = 0.0;
            let xs = &self.x[grp.start * ps..grp.end * ps];
            let risk = &w.risk[grp.start..grp.end];
            match &self.wt {
                None => {
                    for (x, &r) in xs.chunks_exact(ps).zip(risk) {
                        *s0 += r;
                        for (s, &xj) in w.s1.iter_mut().zip(x) {
                            *s += r * xj;
                        }
                    }
                }
                Some(wt) => {
                    for ((x, &r), &c) in xs.chunks_exact(ps).zip(risk).zip(&wt[grp.start..grp.end]) {
                        *s0 += r * c;
                        for (s, &xj) in w.s1.iter_mut().zip(x) {
                            *s += r * c * xj;
                        }
                    }
                }
            }
            if grp.deaths == 0 {
                self.leave_after(gi, s0, w);
                continue;
            }
            // The dying rows' sums: D1 is needed only for Efron with tied events.
            let tied_efron = self.efron && grp.deaths > 1;
            let mut ds0 = 0.0;
            let mut eta_d = 0.0;
            let mut deadwt = 0.0;
            w.d1.iter_mut().for_each(|a| *a = 0.0);
            w.xd.iter_mut().for_each(|a| *a = 0.0);
            for i in grp.start..grp.end {
                if !self.event[i] {
                    continue;
                }
                let c = self.wt.as_ref().map_or(1.0, |wt| wt[i]);
                let (r, x) = (w.risk[i] * c, &self.x[i * ps..(i + 1) * ps]);
                ds0 += r;
                deadwt += c;
                eta_d += c * w.eta[i];
                for (s, &xj) in w.xd.iter_mut().zip(x) {
                    *s += c * xj;
                }
                if tied_efron {
                    for (s, &xj) in w.d1.iter_mut().zip(x) {
                        *s += r * xj;
                    }
                }
            }
            let d = grp.deaths as f64;
            out.loglik += eta_d;
            let (mut a0, mut a1, mut b0, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
            if tied_efron {
                for k in 0..grp.deaths {
                    let f = k as f64 / d;
                    let den = *s0 - f * ds0;
                    out.loglik -= den.ln();
                    let r = 1.0 / den;
                    a0 += r;
                    a1 += f * r;
                    b0 += r * r;
                    b1 += f * r * r;
                    b2 += f * f * r * r;
                }
            } else {
                out.loglik -= d * s0.ln();
                a0 = d / *s0;
                b0 = d / (*s0 * *s0);
            }
            if self.wt.is_some() {
                // Case weights: each sub-risk-set counts the mean weight of the dying rows
                // (R's `meanwt`); Breslow's d copies become their total weight.
                let meanwt = deadwt / d;
                if tied_efron {
                    let mut sum_ln = 0.0;
                    for k in 0..grp.deaths {
                        sum_ln += (*s0 - k as f64 / d * ds0).ln();
                    }
                    out.loglik += sum_ln - meanwt * sum_ln;
                } else {
                    out.loglik += d * s0.ln() - meanwt * d * s0.ln();
                }
                a0 *= meanwt;
                a1 *= meanwt;
                b0 *= meanwt;
                b1 *= meanwt;
                b2 *= meanwt;
            }
            w.a0[gi] = a0;
            w.a1[gi] = a1;
            for j in 0..p {
                w.xbar_sum[j] = w.s1[j] * a0 - w.d1[j] * a1;
                out.u[j] += w.xd[j] - w.xbar_sum[j];
            }
            if let Some(g) = g {
                for j in 0..p {
                    out.ug[j] += g[gi] * (w.xd[j] - w.xbar_sum[j]);
                }
            }
            let l11 = b0.sqrt();
            let l21 = if l11 > 0.0 { -b1 / l11 } else { 0.0 };
            w.z.extend(w.s1.iter().zip(&w.d1).map(|(s, d)| l11 * s + l21 * d));
            w.zgroup.push(gi as u32);
            if tied_efron {
                let l22 = (b2 - l21 * l21).max(0.0).sqrt();
                w.z.extend(w.d1.iter().map(|d| l22 * d));
                w.zgroup.push(gi as u32);
            }
            self.leave_after(gi, s0, w);
        }
    }

    /// With delayed entry: take the rows whose first group at risk is `gi` out of the running
    /// sums S0 (`s0`) and S1 (`w.s1`) of a reverse-time pass.
    #[inline]
    fn leave_after(&self, gi: usize, s0: &mut f64, w: &mut Work) {
        let Some(en) = &self.entry else { return };
        let ps = self.ps;
        for &i in en.leaving(gi) {
            let i = i as usize;
            let r = w.risk[i] * self.wt.as_ref().map_or(1.0, |wt| wt[i]);
            *s0 -= r;
            for (s, &xj) in w.s1.iter_mut().zip(&self.x[i * ps..(i + 1) * ps]) {
                *s -= r * xj;
            }
        }
    }

    /// Second stage of a pass, after `loglik_score` at the same β: the information (and with
    /// `g` the `cox.zph` blocks B = Σ g·V, C = Σ g²·V), O(n p²).
    ///
    /// Summed over the event times, the risk-set parts of V regroup by row: a row at risk at
    /// the event times k ≤ its own time enters Σ_k S2_k·a0_k with the weight
    /// A_i = Σ_{k ≤ i} a0_k (same stratum), and a dying row leaves D2·a1 of its own time, so
    ///   Σ_k (S2_k·a0_k − D2_k·a1_k) = Σ_i r_i (A_i − δ_i·a1_{k(i)}) x_i x_iᵀ,
    /// one weighted cross-product of the rows (and the same with g_k·a0_k, g_k²·a0_k), from which
    /// Σ z zᵀ of the stored rows is subtracted. R's `coxfit6` instead updates the running S2
    /// at every row; the regrouping does the same sums with one blocked kernel.
    fn information(&self, g: Option<&[f64]>, w: &mut Work, out: &mut Pass) {
        let (p, ps) = (self.p, self.ps);
        for m in [&mut out.imat, &mut out.b, &mut out.c] {
            m.iter_mut().for_each(|a| *a = 0.0);
        }
        if !out.loglik.is_finite() {
            out.imat.iter_mut().for_each(|a| *a = f64::NAN);
            return;
        }
        // Which cumulative weight: 0 → a0, 1 → g·a0, 2 → g²·a0.
        let powers: &[i32] = if g.is_some() { &[0, 1, 2] } else { &[0] };
        for &pow in powers {
            let gk = |gi: usize| g.map_or(1.0, |g| g[gi].powi(pow));
            let mut cum = 0.0;
            // With delayed entry, the cumulative weight before each group (within its stratum):
            // a row at risk from group f on enters with cum(own) − cum_before(f).
            let mut before = if self.entry.is_some() { vec![0.0; self.groups.len()] } else { Vec::new() };
            for (gi, grp) in self.groups.iter().enumerate() {
                if grp.first {
                    cum = 0.0;
                }
                if let Some(b) = before.get_mut(gi) {
                    *b = cum;
                }
                let gg = gk(gi);
                cum += gg * w.a0[gi];
                let a1 = gg * w.a1[gi];
                for i in grp.start..grp.end {
                    w.wrow[i] = w.risk[i] * if self.event[i] { cum - a1 } else { cum };
                }
            }
            if let Some(en) = &self.entry {
                for (i, &f) in en.first.iter().enumerate() {
                    w.wrow[i] -= w.risk[i] * before[f as usize];
                }
            }
            if let Some(wt) = &self.wt {
                for (r, c) in w.wrow.iter_mut().zip(wt) {
                    *r *= c;
                }
            }
            w.acc.iter_mut().for_each(|a| *a = 0.0);
            weighted_crossprod(&self.x, &w.wrow, ps, &mut w.chunk, &mut w.acc);
            w.zw.clear();
            w.zw.extend(w.zgroup.iter().map(|&gi| -gk(gi as usize)));
            weighted_crossprod(&w.z, &w.zw, ps, &mut w.chunk, &mut w.acc);
            let m = match pow {
                0 => &mut out.imat,
                1 => &mut out.b,
                _ => &mut out.c,
            };
            for j in 0..p {
                for l in 0..=j {
                    m[j * p + l] = w.acc[j * ps + l];
                }
            }
            symmetrize(m, p);
        }
    }

    /// Score residuals (n × p, row-major, sorted order) at `beta`, unweighted: with case
    /// weights the risk sets are weighted and the caller multiplies each row by its weight
    /// (R's `residuals(fit, "dfbeta", weighted = TRUE)`).
    fn score_residuals(&self, beta: &[f64], w: &mut Work) -> Vec<f64> {
        let p = self.p;
        let mut res = vec![0.0; self.n * p];
        if !self.linear_predictor(beta, w) {
            res.iter_mut().for_each(|a| *a = f64::NAN);
            return res;
        }
        let wt = |i: usize| self.wt.as_ref().map_or(1.0, |v| v[i]);
        // Per event group: h = Σ_k m/den_k, hd = Σ_k m(1−k/d)/den_k (m the mean weight of the
        // dying rows, 1 without weights), the same weighted x̄_k sums (xh, xhd), and the mean
        // of the x̄_k (xbm). Stored by group.
        let ng = self.groups.len();
        let mut h = vec![0.0; ng];
        let mut hd = vec![0.0; ng];
        let mut xh = vec![0.0; ng * p];
        let mut xhd = vec![0.0; ng * p];
        let mut xbm = vec![0.0; ng * p];
        let mut s0 = 0.0;
        for (gi, grp) in self.groups.iter().enumerate().rev() {
            if grp.last {
                s0 = 0.0;
                w.s1.iter_mut().for_each(|a| *a = 0.0);
            }
            let mut ds0 = 0.0;
            let mut deadwt = 0.0;
            w.d1.iter_mut().for_each(|a| *a = 0.0);
            for i in grp.start..grp.end {
                let r = w.risk[i] * wt(i);
                s0 += r;
                let x = self.xrow(i);
                for j in 0..p {
                    w.s1[j] += r * x[j];
                }
                if self.event[i] {
                    ds0 += r;
                    deadwt += wt(i);
                    for j in 0..p {
                        w.d1[j] += r * x[j];
                    }
                }
            }
            if grp.deaths > 0 {
                let d = grp.deaths as f64;
                let meanwt = deadwt / d;
                let (steps, mult) = if self.efron { (grp.deaths, meanwt) } else { (1, deadwt) };
                for k in 0..steps {
                    let f = if self.efron { k as f64 / d } else { 0.0 };
                    let den = s0 - f * ds0;
                    h[gi] += mult / den;
                    hd[gi] += mult * (1.0 - f) / den;
                    for j in 0..p {
                        let xb = (w.s1[j] - f * w.d1[j]) / den;
                        xh[gi * p + j] += mult * xb / den;
                        xhd[gi * p + j] += mult * (1.0 - f) * xb / den;
                        xbm[gi * p + j] += (if self.efron { 1.0 } else { d }) * xb / d;
                    }
                }
            }
            if let Some(en) = &self.entry {
                for &i in en.leaving(gi) {
                    let i = i as usize;
                    let r = w.risk[i] * wt(i);
                    s0 -= r;
                    let x = self.xrow(i);
                    for j in 0..p {
                        w.s1[j] -= r * x[j];
                    }
                }
            }
        }
        // Forward pass: cumulative hazard sums up to the previous event time of the stratum
        // (with delayed entry, less those before the row's first group at risk).
        let mut ch = 0.0;
        let mut cxh = vec![0.0; p];
        let (mut ch_before, mut cxh_before) = match self.entry {
            Some(_) => (vec![0.0; ng], vec![0.0; ng * p]),
            None => (Vec::new(), Vec::new()),
        };
        for (gi, grp) in self.groups.iter().enumerate() {
            if grp.first {
                ch = 0.0;
                cxh.iter_mut().for_each(|a| *a = 0.0);
            }
            if self.entry.is_some() {
                ch_before[gi] = ch;
                cxh_before[gi * p..(gi + 1) * p].copy_from_slice(&cxh);
            }
            for i in grp.start..grp.end {
                let r = w.risk[i];
                let x = self.xrow(i);
                let (c0, c1): (f64, &[f64]) = match &self.entry {
                    Some(en) => {
                        let f = en.first[i] as usize;
                        (ch_before[f], &cxh_before[f * p..(f + 1) * p])
                    }
                    None => (0.0, &[]),
                };
                let out = &mut res[i * p..(i + 1) * p];
                let (hh, add) = if self.event[i] { (ch + hd[gi] - c0, &xhd) } else { (ch + h[gi] - c0, &xh) };
                for j in 0..p {
                    let cx = cxh[j] + add[gi * p + j] - c1.get(j).copied().unwrap_or(0.0);
                    let own = if self.event[i] { x[j] - xbm[gi * p + j] } else { 0.0 };
                    out[j] = own - r * (x[j] * hh - cx);
                }
            }
            ch += h[gi];
            for j in 0..p {
                cxh[j] += xh[gi * p + j];
            }
        }
        res
    }
}

/// Copy the lower triangle of a row-major p × p matrix onto the upper one.
/// The result of [`newton`]: the returned β (centred and scaled units), the pass at it (log
/// likelihood, score, information and the `cox.zph` blocks), and the iterations used.
struct Newton {
    beta: Vec<f64>,
    pass: Pass,
    iterations: usize,
    converged: bool,
    /// ℓ(0) and ℓ at every accepted iterate.
    path: Vec<f64>,
}

/// Newton–Raphson from β = 0, as survival 3.5's `coxfit6` with `coxph.control()`'s defaults
/// (at most `MAX_ITER` = 20 iterations, convergence when |1 − ℓ_best/ℓ_new| ≤ `EPS` = 1e-9).
///
/// Each iteration evaluates one candidate β. A candidate is *accepted* only when its log
/// likelihood is finite and not below the best so far, and its information is finite with the
/// full rank of the information at zero (pivots above `TOLER_CHOL`, as `cholesky2`). Otherwise
/// the step is shortened towards the last accepted β: after the h-th failure in a row the
/// candidate becomes (h·β_best + β_cand)/(h + 1), i.e. the full step times 1/2, 1/6, 1/24, …
/// (R's halving since survival 3.1). An accepted candidate ends the fit when the relative change
/// of the log likelihood is within `EPS`; otherwise the next candidate is the accepted β plus
/// the Newton step there. When the iterations run out, the best accepted β is returned, never
/// the last attempt: the log likelihood of the returned fit is the largest one evaluated.
/// `step0` is the Newton step at β = 0 (`p0` holds that pass).
fn newton(data: &Data, p0: &Pass, step0: &[f64], gt: &[f64], work: &mut Work) -> Newton {
    let p = step0.len();
    let mut best_beta = vec![0.0; p];
    let mut best = p0.loglik;
    let mut cand: Vec<f64> = step0.to_vec();
    let mut failures = 0usize;
    let mut cur = Pass::new(p);
    // Whether `cur` holds the full pass (with the cox.zph blocks) at `best_beta`.
    let mut cur_is_best = false;
    let mut converged = false;
    let mut iterations = 0;
    let mut path = vec![best];
    for it in 1..=MAX_ITER {
        iterations = it;
        data.loglik_score(&cand, Some(gt), work, &mut cur);
        cur_is_best = false;
        let finite = cur.loglik.is_finite() && cur.u.iter().all(|v| v.is_finite());
        // Convergence is judged only on a full Newton step, against the best log likelihood.
        let small_change = finite && failures == 0 && (1.0 - best / cur.loglik).abs() <= EPS;
        let improved = finite && cur.loglik >= best;
        let last = small_change || (improved && it == MAX_ITER);
        // The information is needed for the next step, or (with the cox.zph blocks) at the end.
        let ok = (improved || small_change) && {
            data.information(if last { Some(gt) } else { None }, work, &mut cur);
            (0..p).all(|j| cur.imat[j * p + j].is_finite())
        };
        if ok && last {
            best_beta.copy_from_slice(&cand);
            path.push(cur.loglik);
            cur_is_best = true;
            converged = small_change;
            break;
        }
        if !ok || !improved {
            failures += 1;
            let h = failures as f64;
            for j in 0..p {
                cand[j] = (h * best_beta[j] + cand[j]) / (h + 1.0);
            }
            continue;
        }
        failures = 0;
        best = cur.loglik;
        path.push(best);
        best_beta.copy_from_slice(&cand);
        let step = generalized_solve(&cur.imat, &cur.u, p);
        cand.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
    }
    if !cur_is_best {
        // The last candidate was not accepted (or the loop stopped early): back to the best β.
        data.loglik_score(&best_beta, Some(gt), work, &mut cur);
        data.information(Some(gt), work, &mut cur);
    }
    Newton { beta: best_beta, pass: cur, iterations, converged, path }
}

/// Terms whose coefficient may be infinite (indices into the fitted terms).
///
/// After convergence this is R's check (`coxph.fit`): the Newton step that would follow,
/// V·u in original units, still exceeds `EPS` and √`EPS`·|β_j| for a term whose likelihood keeps
/// rising towards an asymptote, while the others have stopped moving. When the iterations ran
/// out (R then says only that the fit did not converge) every step is still non-zero, so a term
/// is named only when its next step would carry it further from zero by more than 1% of the
/// covariate's scale (n / Σ|x − x̄|, the unit of the centred, scaled column): a coefficient
/// still growing, as on a monotone likelihood, not one still settling.
fn diverging_terms(pass: &Pass, var_s: &[f64], coef: &[f64], scale: &[f64], converged: bool) -> Vec<usize> {
    let p = coef.len();
    (0..p)
        .filter(|&j| {
            if !pass.u[j].is_finite() {
                return true;
            }
            // The next Newton step in the centred, scaled units.
            let step_s = (0..p).map(|k| pass.u[k] * var_s[k * p + j]).sum::<f64>();
            let step = step_s.abs() * scale[j];
            if converged {
                step > EPS && step > EPS.sqrt() * coef[j].abs()
            } else {
                step_s.abs() > 0.01 && step_s.signum() == coef[j].signum()
            }
        })
        .collect()
}

/// The Newton step I⁻¹u with R's generalised inverse (`cholesky2`/`chsolve2`): the columns
/// whose Cholesky pivot is negligible (`singular_columns`) get a zero step, the others solve
/// the system without them.
fn generalized_solve(imat: &[f64], u: &[f64], p: usize) -> Vec<f64> {
    let bad = singular_columns(imat, p);
    let keep: Vec<usize> = (0..p).filter(|j| !bad.contains(j)).collect();
    let k = keep.len();
    let sub: Vec<f64> = keep.iter().flat_map(|&j| keep.iter().map(move |&l| imat[j * p + l])).collect();
    let rhs: Vec<f64> = keep.iter().map(|&j| u[j]).collect();
    let mut step = vec![0.0; p];
    if let Some(x) = chol_solve(&sub, &rhs, k) {
        for (i, &j) in keep.iter().enumerate() {
            step[j] = x[i];
        }
    }
    step
}

fn symmetrize(m: &mut [f64], p: usize) {
    for j in 0..p {
        for l in 0..j {
            m[l * p + j] = m[j * p + l];
        }
    }
}

fn dmat(m: &[f64], p: usize) -> DMatrix<f64> {
    DMatrix::from_row_slice(p, p, m)
}

/// Solve A a = b for a symmetric positive definite A (nalgebra's Cholesky); None if A is not
/// positive definite.
fn chol_solve(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let ch = dmat(a, p).cholesky()?;
    let x = ch.solve(&DVector::from_column_slice(b));
    let v: Vec<f64> = x.iter().copied().collect();
    v.iter().all(|z| z.is_finite()).then_some(v)
}

/// Inverse of a symmetric positive definite matrix (row-major), None if not positive definite.
fn chol_inverse(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let ch = dmat(a, p).cholesky()?;
    let inv = ch.inverse();
    let mut out = vec![0.0; p * p];
    for j in 0..p {
        for l in 0..p {
            out[j * p + l] = inv[(j, l)];
        }
    }
    out.iter().all(|z| z.is_finite()).then_some(out)
}

/// Quadratic form bᵀA⁻¹b (a chi-square statistic); NaN when A is singular.
fn quad_form(a: &[f64], b: &[f64], p: usize) -> f64 {
    match chol_solve(a, b, p) {
        Some(x) => x.iter().zip(b).map(|(x, b)| x * b).sum(),
        None => f64::NAN,
    }
}

/// Columns (in order) whose Cholesky pivot of the symmetric matrix `a` is below
/// `TOLER_CHOL` × the largest diagonal: they are linear combinations of earlier columns.
/// This is the test of R's `cholesky2`.
fn singular_columns(a: &[f64], p: usize) -> Vec<usize> {
    let mut m = a.to_vec();
    let maxdiag = (0..p).map(|j| m[j * p + j].abs()).fold(0.0, f64::max);
    let eps = if maxdiag > 0.0 { maxdiag * TOLER_CHOL } else { TOLER_CHOL };
    let mut bad = Vec::new();
    // Column-by-column LDLᵀ on the lower triangle (unnormalised multipliers as in R's
    // cholesky2); a singular column is zeroed and skipped.
    for i in 0..p {
        let pivot = m[i * p + i];
        if !pivot.is_finite() || pivot < eps {
            bad.push(i);
            for j in i..p {
                m[j * p + i] = 0.0;
            }
            continue;
        }
        for j in i + 1..p {
            let temp = m[j * p + i] / pivot;
            m[j * p + j] -= temp * temp * pivot;
            for k in j + 1..p {
                m[k * p + j] -= temp * m[k * p + i];
            }
        }
    }
    bad
}

/// Rows per call of the helpers that do the O(n) sweeps. In the browser, V8 first runs
/// WebAssembly from its baseline compiler and switches a function to optimised code only
/// between two calls of it; a sweep over a million rows made of a few thousand calls of a
/// small function therefore runs mostly optimised even the first time, where one long call
/// would run entirely on baseline code (two to three times slower).
const WASM_TIER_CHUNK: usize = 4096;

/// Ranks per block of the counts below.
const RANK_BLOCK: usize = 32;

/// Counts of the rows added so far by rank: a histogram by rank, and a Fenwick tree of the
/// counts by block of `RANK_BLOCK` ranks. The count below a rank is the tree's prefix over the
/// earlier blocks plus a short sum within its block. With a million ranks the histogram
/// does not stay in cache but the tree does, so a query touches one or two cache lines of the
/// histogram rather than a dozen scattered tree nodes.
struct RankCounts {
    hist: Vec<u32>,
    tree: Vec<u32>,
    total: u32,
}

impl RankCounts {
    fn new(m: usize) -> Self {
        RankCounts { hist: vec![0; m], tree: vec![0; m.div_ceil(RANK_BLOCK) + 1], total: 0 }
    }
    /// Add a row of rank `rank`.
    fn add(&mut self, rank: u32) {
        let r = rank as usize;
        self.hist[r] += 1;
        self.total += 1;
        let mut k = r / RANK_BLOCK + 1;
        while k < self.tree.len() {
            self.tree[k] += 1;
            k += k & k.wrapping_neg();
        }
    }
    /// Remove every row, given the ranks of (a superset of) the rows added: one by one when
    /// they are few, else by clearing the arrays (sequential writes instead of random ones).
    fn clear(&mut self, ranks: &[u32]) {
        if ranks.len() < self.hist.len() / 16 {
            for &r in ranks {
                self.hist[r as usize] = 0;
                let mut k = r as usize / RANK_BLOCK + 1;
                while k < self.tree.len() {
                    self.tree[k] = 0;
                    k += k & k.wrapping_neg();
                }
            }
        } else {
            self.hist.iter_mut().for_each(|c| *c = 0);
            self.tree.iter_mut().for_each(|c| *c = 0);
        }
        self.total = 0;
    }
    /// Rows added with a rank below, equal to and above `rank`.
    fn split(&self, rank: u32) -> [u32; 3] {
        let r = rank as usize;
        let block = r / RANK_BLOCK;
        let mut below: u32 = self.hist[block * RANK_BLOCK..r].iter().sum();
        let mut k = block;
        while k > 0 {
            below += self.tree[k];
            k &= k - 1;
        }
        let eq = self.hist[r];
        [below, eq, self.total - below - eq]
    }
}

/// Pair counts by sweeping the time groups of each stratum, with the rows' ranks (of `m`)
/// counted in `RankCounts` (see `concordance`); by sorted row.
fn pair_counts_by_time(data: &Data, rank: &[u32], m: usize, total: &mut [i64; 3]) -> Vec<[u32; 3]> {
    let n = data.n;
    let mut counts = RankCounts::new(m);
    // Per row: pairs it belongs to that are concordant, discordant, tied in the predictor.
    let mut cnt = vec![[0u32; 3]; n];
    let mut from = 0;
    while from < data.groups.len() {
        let to = from + data.groups[from..].iter().position(|g| g.last).map_or(data.groups.len() - from, |k| k + 1);
        let stratum = &data.groups[from..to];
        // Backwards: events as the earlier member.
        for g in stratum.iter().rev() {
            for i in g.start..g.end {
                if !data.event[i] {
                    counts.add(rank[i]);
                }
            }
            if g.deaths == 0 {
                continue;
            }
            for i in g.start..g.end {
                if data.event[i] {
                    let [below, eq, above] = counts.split(rank[i]);
                    cnt[i] = [below, above, eq];
                    total[0] += below as i64;
                    total[1] += above as i64;
                    total[2] += eq as i64;
                }
            }
            for i in g.start..g.end {
                if data.event[i] {
                    counts.add(rank[i]);
                }
            }
        }
        let rows = stratum[0].start..stratum[stratum.len() - 1].end;
        counts.clear(&rank[rows.clone()]);
        // Forwards: every row as the later member of pairs with earlier events.
        for g in stratum {
            for i in g.start..g.end {
                if data.event[i] {
                    let [below, eq, above] = counts.split(rank[i]);
                    let c = &mut cnt[i];
                    c[0] += above;
                    c[1] += below;
                    c[2] += eq;
                }
            }
            if g.deaths > 0 {
                for i in g.start..g.end {
                    if data.event[i] {
                        counts.add(rank[i]);
                    }
                }
            }
            for i in g.start..g.end {
                if !data.event[i] {
                    let [below, eq, above] = counts.split(rank[i]);
                    cnt[i] = [above, below, eq];
                }
            }
        }
        counts.clear(&rank[rows]);
        from = to;
    }
    cnt
}

/// State of `pair_counts_by_rank`: per time group, its stratum's first group, its stratum's
/// Fenwick segment (positions base+1 ..= base+len), rows of the later groups of its stratum,
/// its censored rows, events of the earlier groups of its stratum; and the rows of smaller
/// rank counted so far: all rows and events in Fenwick trees by group (one segment per
/// stratum), censored rows and events per group, all rows per stratum (at its first group).
struct RankSweep<'a> {
    data: &'a Data,
    first: Vec<usize>,
    base: Vec<usize>,
    len: Vec<usize>,
    later_rows: Vec<u32>,
    censored: Vec<u32>,
    earlier_events: Vec<u32>,
    all_tree: Vec<u32>,
    ev_tree: Vec<u32>,
    cens_added: Vec<u32>,
    ev_added: Vec<u32>,
    stratum_added: Vec<u32>,
}

impl<'a> RankSweep<'a> {
    fn new(data: &'a Data) -> Self {
        let ng = data.groups.len();
        let mut first = vec![0usize; ng];
        let mut base = vec![0usize; ng];
        let mut len = vec![0usize; ng];
        let mut later_rows = vec![0u32; ng];
        let mut censored = vec![0u32; ng];
        let mut earlier_events = vec![0u32; ng];
        let (mut from, mut stratum) = (0, 0);
        while from < ng {
            let to = from + data.groups[from..].iter().position(|g| g.last).map_or(ng - from, |k| k + 1);
            let (mut events, mut rows) = (0u32, 0u32);
            for g in from..to {
                let grp = data.groups[g];
                (first[g], base[g], len[g]) = (from, from + stratum, to - from);
                censored[g] = (grp.end - grp.start - grp.deaths) as u32;
                earlier_events[g] = events;
                events += grp.deaths as u32;
            }
            for g in (from..to).rev() {
                later_rows[g] = rows;
                rows += (data.groups[g].end - data.groups[g].start) as u32;
            }
            from = to;
            stratum += 1;
        }
        RankSweep {
            data,
            first,
            base,
            len,
            later_rows,
            censored,
            earlier_events,
            all_tree: vec![0; ng + stratum + 1],
            ev_tree: vec![0; ng + stratum + 1],
            cens_added: vec![0; ng],
            ev_added: vec![0; ng],
            stratum_added: vec![0; ng],
        }
    }

    fn prefix(tree: &[u32], base: usize, mut k: usize) -> u32 {
        let mut s = 0u32;
        while k > 0 {
            s += tree[base + k];
            k &= k - 1;
        }
        s
    }

    /// For a row of group g among the rows counted so far: as the earlier member (events
    /// only), the rows at risk after it; as the later member, the events before it.
    fn query(&self, g: usize, ev: bool) -> (u32, u32) {
        let (f, b) = (self.first[g], self.base[g]);
        let c = if ev { self.stratum_added[f] - Self::prefix(&self.all_tree, b, g - f + 1) + self.cens_added[g] } else { 0 };
        let d = Self::prefix(&self.ev_tree, b, g - f) + if ev { 0 } else { self.ev_added[g] };
        (c, d)
    }

    fn add(&mut self, g: usize, ev: bool) {
        let (f, b) = (self.first[g], self.base[g]);
        let mut j = g - f + 1;
        while j <= self.len[g] {
            self.all_tree[b + j] += 1;
            if ev {
                self.ev_tree[b + j] += 1;
            }
            j += j & j.wrapping_neg();
        }
        self.stratum_added[f] += 1;
        if ev {
            self.ev_added[g] += 1;
        } else {
            self.cens_added[g] += 1;
        }
    }

    /// Count the rows `items` (whole blocks of equal predictor, in order), writing
    /// (sorted row, counts) to `out`.
    #[inline(never)]
    fn sweep(&mut self, items: &[(u64, (u32, u32))], out: &mut [(u32, [u32; 3])], total: &mut [i64; 3]) {
        let split = |gev: u32| ((gev >> 1) as usize, gev & 1 == 1);
        let n = items.len();
        let mut k = 0;
        while k < n {
            // One block of equal predictor.
            let mut e = k + 1;
            while e < n && items[e].0 == items[k].0 {
                e += 1;
            }
            for q in k..e {
                let (row, gev) = items[q].1;
                let (g, ev) = split(gev);
                let (c, d) = self.query(g, ev);
                out[q] = (row, [c, d, 0]);
            }
            for &(_, (_, gev)) in &items[k..e] {
                let (g, ev) = split(gev);
                self.add(g, ev);
            }
            for q in k..e {
                let (g, ev) = split(items[q].1 .1);
                let (c_le, d_le) = self.query(g, ev);
                let [c, d, _] = out[q].1;
                // Earlier member: the later rows of smaller rank are concordant pairs, of
                // equal rank tied, the others discordant.
                let (tied1, disc1) = if ev { (c_le - c, self.later_rows[g] + self.censored[g] - c_le) } else { (0, 0) };
                // Later member: the earlier events of smaller rank are discordant, of equal
                // rank tied, the others concordant.
                let earlier = self.earlier_events[g] + if ev { 0 } else { self.data.groups[g].deaths as u32 };
                let (tied2, conc2) = (d_le - d, earlier - d_le);
                out[q].1 = [c + conc2, disc1 + d, tied1 + tied2];
                total[0] += c as i64;
                total[1] += disc1 as i64;
                total[2] += tied1 as i64;
            }
            k = e;
        }
    }
}

/// Pair counts by sweeping the rows in order of the predictor, with the rows of smaller rank
/// counted by time group (see `concordance`). In the order of `by_lp`, with each row's sorted
/// row.
fn pair_counts_by_rank(data: &Data, by_lp: &[(u64, (u32, u32))], total: &mut [i64; 3]) -> Vec<(u32, [u32; 3])> {
    let n = by_lp.len();
    let mut out = vec![(0u32, [0u32; 3]); n];
    let mut sweep = RankSweep::new(data);
    let mut k = 0;
    while k < n {
        // A few thousand rows per call (see `WASM_TIER_CHUNK`), ending with a whole block.
        let mut e = (k + WASM_TIER_CHUNK).min(n);
        while e < n && by_lp[e].0 == by_lp[e - 1].0 {
            e += 1;
        }
        sweep.sweep(&by_lp[k..e], &mut out[k..e], total);
        k = e;
    }
    out
}

/// Concordance and its infinitesimal-jackknife standard error (see the module notes).
///
/// Each row's counts (c, d, t) of the comparable pairs it belongs to come from two sweeps over
/// the time groups of each stratum, with the rows' ranks of the linear predictor counted in a
/// Fenwick tree, O(n log n):
/// * backwards, as the earlier member: before an event time's events are counted in, each of
///   them is compared with the rows already counted (later times, and the censored rows of its
///   own time, which are counted in first): those of smaller rank are concordant pairs, larger
///   discordant, equal tied. Events tied in time never see each other.
/// * forwards, as the later member: each row is compared with the events of earlier times
///   (and a censored row also with the events of its own time).
fn concordance(data: &Data, lp: &[f64], cluster: Option<&[u32]>) -> Concordance {
    let n = data.n;
    let ng = data.groups.len();
    // Per sorted row: its time group and whether it is an event, (group << 1) | event.
    let mut ge = vec![0u32; n];
    for (gi, g) in data.groups.iter().enumerate() {
        for i in g.start..g.end {
            ge[i] = ((gi as u32) << 1) | data.event[i] as u32;
        }
    }
    // The rows in order of the linear predictor, carrying (sorted row, group-event). The keys
    // are the bits of η mapped to integers of the same order (−0 counted as +0).
    let mut by_lp: Vec<(u64, u64)> = lp.iter().zip(&ge).enumerate().map(|(i, (&v, &g))| (time_key(v), ((i as u64) << 32) | g as u64)).collect();
    radix_sort(&mut by_lp, false);
    let by_lp: Vec<(u64, (u32, u32))> = by_lp.into_iter().map(|(k, p)| (k, ((p >> 32) as u32, p as u32))).collect();
    drop(ge);
    let distinct = 1 + by_lp.windows(2).filter(|w| w[0].0 != w[1].0).count();
    let mut total = [0i64; 3];
    // Per row (sorted row, counts): pairs it belongs to that are concordant, discordant, tied
    // in the predictor. Sweep in order of the predictor, counting by time group, when there
    // are fewer groups than distinct predictors and few enough that those counts stay in cache
    // (times in whole days); else along the time order, counting by rank in blocks.
    let counted: Vec<(u32, [u32; 3])> = if ng <= distinct && (ng <= 1 << 16 || 8 * ng <= distinct) {
        pair_counts_by_rank(data, &by_lp, &mut total)
    } else {
        let mut rank = vec![0u32; n];
        let mut m = 0u32;
        for k in 0..n {
            if k > 0 && by_lp[k].0 != by_lp[k - 1].0 {
                m += 1;
            }
            rank[by_lp[k].1 .0 as usize] = m;
        }
        drop(by_lp);
        let cnt = pair_counts_by_time(data, &rank, m as usize + 1, &mut total);
        cnt.into_iter().enumerate().map(|(i, c)| (i as u32, c)).collect()
    };
    let [conc, disc, tied] = total;
    let npair = (conc + disc + tied) as f64;
    if npair == 0.0 {
        return Concordance { c: f64::NAN, se: f64::NAN };
    }
    let somers = (conc - disc) as f64 / npair;
    let dfbeta = |cnt: &[u32; 3]| {
        let [c, d, t] = cnt.map(|v| v as f64);
        ((c - d) - somers * (c + d + t)) / npair
    };
    let var = match cluster {
        None => counted.iter().map(|(_, c)| dfbeta(c).powi(2)).sum::<f64>(),
        Some(cl) => {
            let nc = cl.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            let mut sums = vec![0.0; nc];
            for (i, c) in &counted {
                sums[cl[data.row[*i as usize]] as usize] += dfbeta(c);
            }
            sums.iter().map(|s| s * s).sum()
        }
    } / 4.0;
    Concordance { c: (somers + 1.0) / 2.0, se: var.sqrt() }
}

/// `cox.zph`'s Kaplan–Meier transform on counting-process data: g(t) = 1 − S(t−) of the
/// pooled (strata ignored), unweighted Kaplan–Meier with delayed entry (at risk at t: entry <
/// t ≤ time, as `survfitKM` on the `Surv(entry, time, event)` of the fit), per time group of
/// `data`, centred on its mean over the events.
fn km_transform_entry(data: &Data, time: &[f64], entry: &[f64]) -> Vec<f64> {
    let n = time.len();
    let mut is_event = vec![false; n];
    for (i, &r) in data.row.iter().enumerate() {
        is_event[r] = data.event[i];
    }
    let exits: Vec<(f64, bool)> = super::common::order_by_time(time).into_iter().map(|r| (time[r], is_event[r])).collect();
    let entries: Vec<f64> = super::common::order_by_time(entry).into_iter().map(|r| entry[r]).collect();
    let (mut times, mut s_before) = (Vec::new(), Vec::new());
    let (mut s, mut k, mut e, mut left) = (1.0f64, 0usize, 0usize, 0usize);
    while k < n {
        let t = exits[k].0;
        while e < n && entries[e] < t {
            e += 1;
        }
        let at_risk = (e - left) as f64;
        let mut d = 0.0;
        while k < n && exits[k].0 == t {
            d += exits[k].1 as u8 as f64;
            k += 1;
        }
        left = k;
        times.push(t);
        s_before.push(s);
        if d > 0.0 {
            s *= 1.0 - d / at_risk;
        }
    }
    let g_of = |t: f64| 1.0 - s_before.get(times.partition_point(|&u| u < t)).copied().unwrap_or(s);
    let (mut sum, mut nev) = (0.0, 0.0);
    let mut g: Vec<f64> = data
        .groups
        .iter()
        .map(|grp| {
            let v = g_of(time[data.row[grp.start]]);
            sum += v * grp.deaths as f64;
            nev += grp.deaths as f64;
            v
        })
        .collect();
    let mean = sum / nev;
    g.iter_mut().for_each(|v| *v -= mean);
    g
}

/// A Fenwick tree of weights over ranks `0..m`, with the weight at each rank beside it.
struct Fenwick(Vec<f64>, Vec<f64>);

impl Fenwick {
    fn new(m: usize) -> Fenwick {
        Fenwick(vec![0.0; m + 1], vec![0.0; m])
    }
    fn add(&mut self, rank: usize, w: f64) {
        self.1[rank] += w;
        let mut k = rank + 1;
        while k < self.0.len() {
            self.0[k] += w;
            k += k & k.wrapping_neg();
        }
    }
    /// Sum over ranks `< rank`.
    fn below(&self, rank: usize) -> f64 {
        let (mut k, mut s) = (rank, 0.0);
        while k > 0 {
            s += self.0[k];
            k -= k & k.wrapping_neg();
        }
        s
    }
    /// (below, equal, above) of `rank`, given the total.
    fn split(&self, rank: usize, total: f64) -> [f64; 3] {
        let lo = self.below(rank);
        let eq = self.1[rank];
        [lo, eq, total - lo - eq]
    }
}

/// Concordance of a counting-process and/or weighted fit, as `concordancefit` (timewt "n"):
/// a pair (i, j) is comparable when i has an event at T_i and j, of the same stratum, is at
/// risk then (entry_j < T_i ≤ T_j) without an event at T_i; it weighs w_i·w_j and is
/// concordant when η_i > η_j. The infinitesimal-jackknife variance uses each row's weighted
/// counts of the pairs it belongs to: dfbeta_i = w_i((c_i − d_i) − d·(c_i + d_i + t_i))/N,
/// summed by cluster, var(C) = Σ dfbeta² / 4.
///
/// Two sweeps per stratum with a Fenwick tree of weights over the ranks of η: backwards in
/// time for the event rows (the rows at risk: censored rows of the time counted in first, rows
/// whose entry is not before the time taken out), forwards for each row as the partner (the
/// events up to its exit, less those up to its entry).
fn concordance_general(data: &Data, time: &[f64], entry: Option<&[f64]>, lp: &[f64], cluster: Option<&[u32]>) -> Concordance {
    let n = data.n;
    let wt = |i: usize| data.wt.as_ref().map_or(1.0, |w| w[i]);
    let t_of = |i: usize| time[data.row[i]];
    let ent: Vec<f64> = match entry {
        Some(e) => data.row.iter().map(|&r| e[r]).collect(),
        None => vec![f64::NEG_INFINITY; n],
    };
    let e_of = |i: usize| ent[i];
    let ranks = super::common::order_by_time(lp);
    let mut rank = vec![0usize; n];
    let mut m = 0;
    for k in 0..n {
        if k > 0 && lp[ranks[k]] != lp[ranks[k - 1]] {
            m += 1;
        }
        rank[ranks[k]] = m;
    }
    let mut tree = Fenwick::new(m + 1);
    // Per row: weighted counts of its pairs that are concordant, discordant, tied.
    let mut cnt = vec![[0.0f64; 3]; n];
    let mut total = [0.0f64; 3];
    // Sorted rows by entry within their stratum (a radix sort by entry, then a stable counting
    // sort by stratum run; strata are runs of sorted rows).
    let mut run_of = vec![0u32; n];
    let mut run_start = vec![0usize];
    for (gi, grp) in data.groups.iter().enumerate() {
        if grp.first && gi > 0 {
            run_start.push(grp.start);
        }
        let r = (run_start.len() - 1) as u32;
        run_of[grp.start..grp.end].iter_mut().for_each(|x| *x = r);
    }
    let by_entry_all: Vec<usize> = {
        let mut next = run_start.clone();
        let mut out = vec![0usize; n];
        for i in super::common::order_by_time(&ent) {
            let r = run_of[i] as usize;
            out[next[r]] = i;
            next[r] += 1;
        }
        out
    };
    // Strata: runs of groups.
    let mut g0 = 0;
    while g0 < data.groups.len() {
        let mut g1 = g0 + 1;
        while g1 < data.groups.len() && !data.groups[g1].first {
            g1 += 1;
        }
        let (r0, r1) = (data.groups[g0].start, data.groups[g1 - 1].end);
        // Rows of the stratum by entry, latest first (to take out going backwards).
        let by_entry: Vec<usize> = by_entry_all[r0..r1].iter().rev().copied().collect();
        let mut in_tree = vec![false; r1 - r0];
        let mut tw = 0.0;
        let mut out_k = 0;
        for gi in (g0..g1).rev() {
            let grp = data.groups[gi];
            let t = t_of(grp.start);
            for i in grp.start..grp.end {
                if !data.event[i] {
                    tree.add(rank[i], wt(i));
                    tw += wt(i);
                    in_tree[i - r0] = true;
                }
            }
            while out_k < by_entry.len() && e_of(by_entry[out_k]) >= t {
                let j = by_entry[out_k];
                if in_tree[j - r0] {
                    tree.add(rank[j], -wt(j));
                    tw -= wt(j);
                    in_tree[j - r0] = false;
                }
                out_k += 1;
            }
            for i in grp.start..grp.end {
                if data.event[i] {
                    // [below, equal, above] = [concordant, tied, discordant] for the event row.
                    let [lo, eq, hi] = tree.split(rank[i], tw);
                    cnt[i][0] += lo;
                    cnt[i][1] += hi;
                    cnt[i][2] += eq;
                    total[0] += wt(i) * lo;
                    total[1] += wt(i) * hi;
                    total[2] += wt(i) * eq;
                }
            }
            for i in grp.start..grp.end {
                if data.event[i] && e_of(i) < t {
                    tree.add(rank[i], wt(i));
                    tw += wt(i);
                    in_tree[i - r0] = true;
                }
            }
        }
        for (k, &inn) in in_tree.iter().enumerate() {
            if inn {
                tree.add(rank[r0 + k], -wt(r0 + k));
            }
        }
        // Forwards: events by time; each row as partner = events in (entry, exit] (events at
        // its own time only when it is censored).
        let by_entry_up = &by_entry_all[r0..r1];
        let mut ek = 0;
        let mut ew = 0.0;
        for gi in g0..g1 {
            let grp = data.groups[gi];
            let t = t_of(grp.start);
            // Entries before this time: subtract the events counted up to the entry.
            while ek < by_entry_up.len() && e_of(by_entry_up[ek]) < t {
                let j = by_entry_up[ek];
                let [lo, eq, hi] = tree.split(rank[j], ew);
                cnt[j][0] -= hi;
                cnt[j][1] -= lo;
                cnt[j][2] -= eq;
                ek += 1;
            }
            for i in grp.start..grp.end {
                if data.event[i] {
                    let [lo, eq, hi] = tree.split(rank[i], ew);
                    cnt[i][0] += hi;
                    cnt[i][1] += lo;
                    cnt[i][2] += eq;
                }
            }
            for i in grp.start..grp.end {
                if data.event[i] {
                    tree.add(rank[i], wt(i));
                    ew += wt(i);
                }
            }
            for i in grp.start..grp.end {
                if !data.event[i] {
                    let [lo, eq, hi] = tree.split(rank[i], ew);
                    cnt[i][0] += hi;
                    cnt[i][1] += lo;
                    cnt[i][2] += eq;
                }
            }
        }
        for gi in g0..g1 {
            let grp = data.groups[gi];
            for i in grp.start..grp.end {
                if data.event[i] {
                    tree.add(rank[i], -wt(i));
                }
            }
        }
        g0 = g1;
    }
    let npair = total[0] + total[1] + total[2];
    if !(npair > 0.0) {
        return Concordance { c: f64::NAN, se: f64::NAN };
    }
    let somers = (total[0] - total[1]) / npair;
    let dfbeta: Vec<f64> = (0..n).map(|i| wt(i) * ((cnt[i][0] - cnt[i][1]) - somers * (cnt[i][0] + cnt[i][1] + cnt[i][2])) / npair).collect();
    let var = match cluster {
        None => dfbeta.iter().map(|d| d * d).sum::<f64>(),
        Some(cl) => {
            let nc = cl.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            let mut sums = vec![0.0; nc];
            for i in 0..n {
                sums[cl[data.row[i]] as usize] += dfbeta[i];
            }
            sums.iter().map(|s| s * s).sum()
        }
    } / 4.0;
    Concordance { c: (somers + 1.0) / 2.0, se: var.sqrt() }
}

/// Rows `range` of the columns `src`, centred and scaled, written to their sorted places
/// `rank_of` in the row-major matrix `x` (stride ps).
#[inline(never)]
fn scatter_rows(src: &[&[f64]], mean: &[f64], scale: &[f64], range: std::ops::Range<usize>, rank_of: &[u32], ps: usize, x: &mut [f64]) {
    for (i, &r) in range.zip(rank_of) {
        let dst = &mut x[r as usize * ps..(r as usize + 1) * ps];
        for (j, col) in src.iter().enumerate() {
            dst[j] = (col[i] - mean[j]) * scale[j];
        }
    }
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

/// Fit the model. Errors are problems that leave no model (no events, no usable term).
pub fn coxph(input: &CoxInput) -> Result<CoxReport, String> {
    coxph_with(input, Residuals::Auto)
}

/// What a Cox fit may add to [`CoxInput`]: counting-process entry times (rows at risk on
/// (entry, time]) and case weights (sampling weights: the variance is then the robust one,
/// as `coxph(..., weights = w, robust = TRUE)`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CoxExtra<'a> {
    pub entry: Option<&'a [f64]>,
    pub weights: Option<&'a [f64]>,
}

/// [`coxph`], choosing whether the PH test carries its residuals.
pub fn coxph_with(input: &CoxInput, residuals: Residuals) -> Result<CoxReport, String> {
    coxph_extra(input, CoxExtra::default(), residuals)
}

/// [`coxph_with`], with the log partial likelihood at β = 0 and at every accepted Newton
/// iterate, in order (never decreasing but for R's convergence tolerance on the last step: a
/// step that would lower it is shortened instead).
pub fn coxph_traced(input: &CoxInput, residuals: Residuals) -> Result<(CoxReport, Vec<f64>), String> {
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
pub fn coxph_extra(input: &CoxInput, extra: CoxExtra, residuals: Residuals) -> Result<CoxReport, String> {
    coxph_extra_traced(input, extra, residuals).map(|(fit, _)| fit)
}

/// [`coxph_extra`] with the accepted log-likelihood path of [`coxph_traced`].
pub fn coxph_extra_traced(input: &CoxInput, extra: CoxExtra, residuals: Residuals) -> Result<(CoxReport, Vec<f64>), String> {
    let n = input.time.len();
    if extra.entry.is_some_and(|e| e.len() != n) || extra.weights.is_some_and(|w| w.len() != n) {
        return Err("internal error: the Cox model's entry times or weights have a different length".into());
    }
    if let Some(i) = extra.weights.and_then(|w| w.iter().position(|v| !(v.is_finite() && *v >= 0.0))) {
        return Err(format!("row {} has a weight that is not a finite number ≥ 0", i + 1));
    }
    if let Some(i) = extra.entry.and_then(|e| e.iter().zip(input.time).position(|(a, b)| !(a < b))) {
        return Err(format!("row {} has an entry time that is not before its exit time", i + 1));
    }
    if input.status.len() != n
        || input.x.iter().any(|c| c.len() != n)
        || input.strata.is_some_and(|s| s.len() != n)
        || input.cluster.is_some_and(|s| s.len() != n)
    {
        return Err("internal error: the Cox model's columns have different lengths".into());
    }
    if input.names.len() != input.x.len() {
        return Err("internal error: the Cox model's term names do not match its columns".into());
    }
    if let Some(i) = input.time.iter().position(|t| !t.is_finite()) {
        return Err(format!("row {} has a time that is not a finite number", i + 1));
    }
    for (col, name) in input.x.iter().zip(input.names) {
        if let Some(i) = col.iter().position(|v| !v.is_finite()) {
            return Err(format!("covariate '{name}' is not a finite number in row {}", i + 1));
        }
    }
    let events = input.status.iter().filter(|&&s| s == 1).count();
    if events == 0 {
        return Err("there are no events among the rows of the model, so no hazard ratio can be estimated".into());
    }
    let mut warnings = Vec::new();
    let mut dropped = Vec::new();

    // Constant columns carry no information.
    let mut keep: Vec<usize> = Vec::new();
    for (j, col) in input.x.iter().enumerate() {
        if col.iter().all(|&v| v == col[0]) {
            warnings.push(format!(
                "Cox model: term '{}' has the same value in every row and was left out of the model",
                input.names[j]
            ));
            dropped.push(input.names[j].clone());
        } else {
            keep.push(j);
        }
    }
    if keep.is_empty() {
        return Err("no covariate of the Cox model varies between rows; there is nothing to estimate".into());
    }

    // Sort once by (stratum, time), ties in row order: stable radix sorts by time, then by
    // stratum.
    let strata = input.strata;
    let mut keys: Vec<(u64, u64)> = (0..n).map(|i| (time_key(input.time[i]), i as u64)).collect();
    radix_sort(&mut keys, false);
    if let Some(s) = strata {
        keys = keys.iter().map(|&(_, i)| (s[i as usize] as u64, i)).collect();
        radix_sort(&mut keys, false);
    }
    let order: Vec<usize> = keys.iter().map(|k| k.1 as usize).collect();
    drop(keys);
    // Sorted position of each input row.
    let mut rank_of = vec![0u32; n];
    for (r, &i) in order.iter().enumerate() {
        rank_of[i] = r as u32;
    }
    let event: Vec<bool> = order.iter().map(|&i| input.status[i] == 1).collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut k = 0;
    while k < n {
        let i0 = order[k];
        let s0 = strata.map_or(0, |s| s[i0]);
        let t0 = input.time[i0];
        let start = k;
        let mut deaths = 0;
        while k < n && input.time[order[k]] == t0 && strata.map_or(0, |s| s[order[k]]) == s0 {
            deaths += event[k] as usize;
            k += 1;
        }
        let first = groups.last().is_none_or(|g: &Group| strata.map_or(0, |s| s[order[g.start]]) != s0);
        if first {
            if let Some(g) = groups.last_mut() {
                g.last = true;
            }
        }
        groups.push(Group { start, end: k, deaths, first, last: false });
    }
    if let Some(g) = groups.last_mut() {
        g.last = true;
    }

    let efron = input.ties == Ties::Efron;
    let wt_sorted: Option<Vec<f64>> = extra.weights.map(|w| order.iter().map(|&i| w[i]).collect());
    // With delayed entry, each sorted row's first group at risk: the first group of its
    // stratum whose time is after its entry.
    let entry_first: Option<Vec<u32>> = extra.entry.map(|e| {
        let mut first = vec![0u32; n];
        let mut gi0 = 0;
        while gi0 < groups.len() {
            let mut gi1 = gi0 + 1;
            while gi1 < groups.len() && !groups[gi1].first {
                gi1 += 1;
            }
            let times: Vec<f64> = groups[gi0..gi1].iter().map(|g| input.time[order[g.start]]).collect();
            for g in &groups[gi0..gi1] {
                for (k, &i) in order[g.start..g.end].iter().enumerate() {
                    first[g.start + k] = (gi0 + times.partition_point(|&t| t <= e[i])) as u32;
                }
            }
            gi0 = gi1;
        }
        first
    });
    // Centre and scale the kept columns into a row-major copy in sorted order.
    let build = |cols: &[usize]| -> (Data, Vec<f64>) {
        let p = cols.len();
        let ps = p + p % 2;
        let mut scale = vec![1.0; p];
        let mut mean = vec![0.0; p];
        for (j, &c) in cols.iter().enumerate() {
            let col = &input.x[c];
            let m = col.iter().sum::<f64>() / n as f64;
            let mad = col.iter().map(|v| (v - m).abs()).sum::<f64>();
            scale[j] = if mad > 0.0 { n as f64 / mad } else { 1.0 };
            mean[j] = m;
        }
        // Read the columns in input order (sequential) and write each row once to its sorted
        // place: one scattered row instead of p scattered reads per row, which with a million
        // rows (an 80 MB matrix) miss the cache and the TLB.
        let src: Vec<&[f64]> = cols.iter().map(|&c| &input.x[c][..]).collect();
        let mut x = vec![0.0; n * ps];
        for start in (0..n).step_by(WASM_TIER_CHUNK) {
            let end = (start + WASM_TIER_CHUNK).min(n);
            scatter_rows(&src, &mean, &scale, start..end, &rank_of[start..end], ps, &mut x);
        }
        (Data { n, p, ps, row: order.clone(), event: event.clone(), x, groups: groups.clone(), efron, wt: wt_sorted.clone(), entry: entry_first.clone().map(|f| Entry::new(f, groups.len())) }, scale)
    };

    // Collinearity: factor the information at β = 0 and drop columns with a zero pivot.
    let (mut data, mut scale) = build(&keep);
    let mut work = Work::new(n, keep.len(), data.ps, data.groups.len());
    // The cox.zph time transform depends only on the times: computed once; its blocks are
    // accumulated with the information at the returned β.
    let gt = match extra.entry {
        None => km_transform(&data.groups.iter().map(|g| (input.time[data.row[g.start]], g.deaths, g.end - g.start)).collect::<Vec<_>>()),
        Some(e) => km_transform_entry(&data, input.time, e),
    };
    let mut p0 = Pass::new(keep.len());
    data.loglik_score(&vec![0.0; keep.len()], None, &mut work, &mut p0);
    data.information(None, &mut work, &mut p0);
    let bad = singular_columns(&p0.imat, keep.len());
    if !bad.is_empty() {
        for &j in &bad {
            let name = &input.names[keep[j]];
            warnings.push(format!(
                "Cox model: term '{name}' is collinear with other terms (or constant within strata) and was left out of the model (R reports NA)"
            ));
            dropped.push(name.clone());
        }
        keep = keep.iter().enumerate().filter(|(j, _)| !bad.contains(j)).map(|(_, &c)| c).collect();
        if keep.is_empty() {
            return Err("no covariate of the Cox model is estimable (all are constant within strata)".into());
        }
        (data, scale) = build(&keep);
        work = Work::new(n, keep.len(), data.ps, data.groups.len());
        p0 = Pass::new(keep.len());
        data.loglik_score(&vec![0.0; keep.len()], None, &mut work, &mut p0);
        data.information(None, &mut work, &mut p0);
    }
    let p = keep.len();
    let names: Vec<String> = keep.iter().map(|&c| input.names[c].clone()).collect();
    let loglik0 = p0.loglik;
    if !loglik0.is_finite() {
        return Err("the null log partial likelihood is not finite".into());
    }

    // Score test at β = 0 and the first Newton step.
    let step0 = chol_solve(&p0.imat, &p0.u, p)
        .ok_or_else(|| "the information matrix at zero is singular; check the covariates for collinearity".to_string())?;
    let score = step0.iter().zip(&p0.u).map(|(a, b)| a * b).sum::<f64>();

    // Newton–Raphson with step halving, as coxfit6 (see `newton` and the module notes).
    let fit = newton(&data, &p0, &step0, &gt, &mut work);
    let Newton { beta: beta_s, pass: cur, iterations, converged, path: loglik_path } = fit;
    let loglik1 = cur.loglik;
    if !loglik1.is_finite() {
        return Err("the fit diverged (the log partial likelihood is not finite); a covariate may separate events from non-events".into());
    }
    // Terms whose information vanished at the fitted β (a coefficient run off towards
    // infinity, the others converged around it): R reports them as NA, its generalised inverse
    // leaving them out of the variance. We do the same and name them.
    let na = singular_columns(&cur.imat, p);
    let kept: Vec<usize> = (0..p).filter(|j| !na.contains(j)).collect();
    let pk = kept.len();
    let var_s = {
        let sub: Vec<f64> = kept.iter().flat_map(|&j| kept.iter().map(|&l| cur.imat[j * p + l]).collect::<Vec<_>>()).collect();
        let inv = chol_inverse(&sub, pk).ok_or_else(|| {
            "the information matrix of the fitted model is singular; check the covariates for collinearity or separation".to_string()
        })?;
        let mut v = vec![0.0; p * p];
        for (a, &j) in kept.iter().enumerate() {
            for (b, &l) in kept.iter().enumerate() {
                v[j * p + l] = inv[a * pk + b];
            }
        }
        v
    };
    for &j in &na {
        warnings.push(format!(
            "Cox model: the information for term '{}' vanished at the fitted coefficients (its coefficient runs off to infinity: a covariate level whose events all come first, or none at all), so it is reported as NA, as R does; the other terms are estimated with it held fixed",
            names[j]
        ));
    }
    let coef: Vec<f64> = (0..p).map(|j| beta_s[j] * scale[j]).collect();
    let inf_terms: Vec<usize> = diverging_terms(&cur, &var_s, &coef, &scale, converged).into_iter().filter(|j| !na.contains(j)).collect();
    if !converged {
        warnings.push(format!(
            "Cox model: ran out of iterations ({MAX_ITER}) and did not converge; the estimates are those of the best iteration"
        ));
    }
    if !inf_terms.is_empty() {
        let names_inf = inf_terms.iter().map(|&j| format!("'{}'", names[j])).collect::<Vec<_>>().join(", ");
        let one = inf_terms.len() == 1;
        warnings.push(if converged {
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
    let var: Vec<f64> = (0..p * p).map(|jl| var_s[jl] * scale[jl / p] * scale[jl % p]).collect();
    let se: Vec<f64> = (0..p).map(|j| if na.contains(&j) { f64::NAN } else { var[j * p + j].sqrt() }).collect();

    // Robust variance and robust score test.
    let mut robust_var: Option<Vec<f64>> = None;
    let mut robust_score_test = None;
    // Case weights call for the robust variance too (each row its own cluster unless a
    // cluster is given), as `coxph(..., weights = w, robust = TRUE)`.
    let own_clusters: Vec<u32>;
    let cluster = match (input.cluster, extra.weights) {
        (Some(cl), _) => Some(cl),
        (None, Some(_)) => {
            own_clusters = (0..n as u32).collect();
            Some(&own_clusters[..])
        }
        (None, None) => None,
    };
    if let Some(cl) = cluster {
        let nc = cl.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        let collapse = |res: &[f64], tr: Option<&[f64]>| -> Vec<f64> {
            // Per-cluster sums of (res · tr) rows (weighted by the case weights): nc × p.
            let mut out = vec![0.0; nc * p];
            for i in 0..n {
                let c = cl[data.row[i]] as usize;
                let r = &res[i * p..(i + 1) * p];
                let wi = data.wt.as_ref().map_or(1.0, |w| w[i]);
                for j in 0..p {
                    out[c * p + j] += wi * match tr {
                        Some(v) => (0..p).map(|k| r[k] * v[k * p + j]).sum::<f64>(),
                        None => r[j],
                    };
                }
            }
            out
        };
        let crossprod = |d: &[f64]| -> Vec<f64> {
            let mut m = vec![0.0; p * p];
            for row in d.chunks(p) {
                for j in 0..p {
                    for l in 0..p {
                        m[j * p + l] += row[j] * row[l];
                    }
                }
            }
            m
        };
        let res = data.score_residuals(&beta_s, &mut work);
        let dfb = collapse(&res, Some(&var_s));
        let rv_s = crossprod(&dfb);
        robust_var = Some((0..p * p).map(|jl| rv_s[jl] * scale[jl / p] * scale[jl % p]).collect());
        let res0 = data.score_residuals(&vec![0.0; p], &mut work);
        let t0 = collapse(&res0, None);
        let u0: Vec<f64> = (0..p).map(|j| t0.chunks(p).map(|r| r[j]).sum()).collect();
        robust_score_test = Some(TestResult::chisq(quad_form(&crossprod(&t0), &u0, p), p as f64));
    }

    let used_var = robust_var.as_ref().unwrap_or(&var);
    let zq = z95();
    let terms: Vec<CoxTerm> = (0..p)
        .map(|j| {
            let (c, s) = if na.contains(&j) { (f64::NAN, f64::NAN) } else { (coef[j], used_var[j * p + j].sqrt()) };
            let z = c / s;
            CoxTerm {
                name: names[j].clone(),
                coef: c,
                se: se[j],
                robust_se: robust_var.as_ref().map(|_| s),
                hr: c.exp(),
                lower: (c - zq * s).exp(),
                upper: (c + zq * s).exp(),
                z,
                p: pnorm_two_sided(z),
            }
        })
        .collect();
    // Over the estimable terms (all of them unless some are NA).
    let sub = |m: &[f64]| -> Vec<f64> { kept.iter().flat_map(|&j| kept.iter().map(|&l| m[j * p + l]).collect::<Vec<_>>()).collect() };
    let wald = match &robust_var {
        // R's coxph.wtest: a generalised inverse (cholesky2 with toler.chol), so that a robust
        // variance of rank below the number of terms (fewer clusters than terms) leaves out
        // its null directions instead of dividing by rounding error.
        Some(rv) => {
            let b: Vec<f64> = kept.iter().map(|&j| coef[j]).collect();
            generalized_solve(&sub(rv), &b, pk).iter().zip(&b).map(|(x, b)| x * b).sum()
        }
        None => {
            // βᵀ V⁻¹ β with V = I⁻¹: βᵀ I β, in scaled units.
            kept.iter().map(|&j| kept.iter().map(|&l| beta_s[j] * cur.imat[j * p + l] * beta_s[l]).sum::<f64>()).sum()
        }
    };
    let wald_exact = TestResult::chisq(wald, pk as f64);
    let wald_test = TestResult { chisq: (wald * 100.0).round() / 100.0, df: pk as f64, p: wald_exact.p };

    // Linear predictor by sorted row, centred as R's (x − mean)·β.
    let lp: Vec<f64> = (0..n).map(|i| data.xrow(i).iter().zip(&beta_s).map(|(a, b)| a * b).sum()).collect();
    let conc = if data.entry.is_some() || data.wt.is_some() {
        concordance_general(&data, input.time, extra.entry, &lp, cluster)
    } else {
        concordance(&data, &lp, input.cluster)
    };
    // The residual plots (scaled Schoenfeld residuals) are not made for counting-process or
    // weighted fits: the PH test itself is.
    let residuals = if extra.entry.is_some() || extra.weights.is_some() { Residuals::Never } else { residuals };
    let want_residuals = match residuals {
        Residuals::Never => false,
        Residuals::Auto => events <= RESIDUALS_UNASKED_MAX_EVENTS,
        Residuals::Always => true,
    };
    let ph_test = if na.is_empty() {
        zph(&cur.imat, &cur.b, &cur.c, &cur.ug, &names, &scale).map(|t| if want_residuals { t.with_residuals(input, &keep, &coef, &var, &names) } else { t })
    } else {
        // As cox.zph on a fit with NA coefficients: the test of the estimable terms.
        let names_k: Vec<String> = kept.iter().map(|&j| names[j].clone()).collect();
        let scale_k: Vec<f64> = kept.iter().map(|&j| scale[j]).collect();
        zph(&sub(&cur.imat), &sub(&cur.b), &sub(&cur.c), &kept.iter().map(|&j| cur.ug[j]).collect::<Vec<_>>(), &names_k, &scale_k)
    };
    if ph_test.is_none() {
        warnings.push(
            "Cox model: no proportional-hazards test (ph_test is null): the information matrix of the coefficients and their time-varying terms is singular (R's cox.zph stops: 'system is computationally singular'), typically when a coefficient is infinite or a term barely varies among the events".into(),
        );
    }

    let vcov: Vec<f64> = (0..p * p).map(|jl| if na.contains(&(jl / p)) || na.contains(&(jl % p)) { f64::NAN } else { used_var[jl] }).collect();
    // Terms left out before fitting (constant, collinear) are reported in their place with
    // nulls, as R's NA coefficients; `vcov` grows null rows and columns for them.
    let (terms, vcov) = if dropped.is_empty() {
        (terms, vcov)
    } else {
        let m = input.names.len();
        let pos: Vec<Option<usize>> = input.names.iter().map(|nm| names.iter().position(|k| k == nm)).collect();
        let all: Vec<CoxTerm> = input
            .names
            .iter()
            .zip(&pos)
            .map(|(nm, at)| match at {
                Some(j) => terms[*j].clone(),
                None => CoxTerm {
                    name: nm.clone(),
                    coef: f64::NAN,
                    se: f64::NAN,
                    robust_se: robust_var.as_ref().map(|_| f64::NAN),
                    hr: f64::NAN,
                    lower: f64::NAN,
                    upper: f64::NAN,
                    z: f64::NAN,
                    p: f64::NAN,
                },
            })
            .collect();
        let v = (0..m * m)
            .map(|jl| match (pos[jl / m], pos[jl % m]) {
                (Some(j), Some(l)) => vcov[j * p + l],
                _ => f64::NAN,
            })
            .collect();
        (all, v)
    };
    Ok((CoxReport {
        n,
        events,
        ties: input.ties.name(),
        terms,
        vcov,
        loglik: [loglik0, loglik1],
        lr_test: TestResult::chisq(2.0 * (loglik1 - loglik0), pk as f64),
        wald_test,
        wald_chisq: wald,
        score_test: TestResult::chisq(score, pk as f64),
        robust_score_test,
        concordance: conc,
        ph_test,
        iterations,
        converged,
        dropped,
        warnings,
    }, loglik_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(time: &[f64], status: &[u8], x: &[Vec<f64>], names: &[&str], ties: Ties) -> Result<CoxReport, String> {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        coxph(&CoxInput { time, status, x, names: &names, strata: None, cluster: None, ties })
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
    }

    /// Two groups, no ties (so Efron = Breslow, and the score test is the log-rank test):
    /// t=1 g=1 event, t=2 g=0 event, t=3 g=1 event, t=4 g=0 censored.
    /// At β = 0: t=1: 4 at risk, 2 with g=1: O−E = 1 − 1/2, V = 1/4;
    /// t=2: 3 at risk, 1 with g=1: O−E = 0 − 1/3, V = 2/9; t=3: 2 at risk, 1 with g=1:
    /// O−E = 1/2, V = 1/4. U = 2/3, I = 13/18, score = U²/I = 8/13;
    /// null log-likelihood = −(ln 4 + ln 3 + ln 2) = −ln 24.
    #[test]
    fn two_groups_by_hand() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let s = [1, 1, 1, 0];
        let g = vec![vec![1.0, 0.0, 1.0, 0.0]];
        for ties in [Ties::Efron, Ties::Breslow] {
            let f = fit(&t, &s, &g, &["g"], ties).unwrap();
            assert!(rel(f.score_test.chisq, 8.0 / 13.0) < 1e-12, "{}", f.score_test.chisq);
            assert!(rel(f.loglik[0], -(24f64.ln())) < 1e-12);
            assert_eq!(f.score_test.df, 1.0);
            assert!(f.converged && f.warnings.is_empty());
            assert!(f.loglik[1] > f.loglik[0]);
        }
    }

    /// With tied event times Efron differs from Breslow; R values from
    /// `tests/r/cox_unit.R` (d3): coxph(Surv(time, status) ~ g, data = d3).
    #[test]
    fn efron_ties_match_r() {
        let t = [1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0, 5.0, 6.0];
        let s = [1, 1, 1, 0, 1, 1, 1, 0, 1, 0];
        let g = vec![vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0]];
        let f = fit(&t, &s, &g, &["g"], Ties::Efron).unwrap();
        assert!(rel(f.terms[0].coef, 0.301482148414588) < 1e-8, "{}", f.terms[0].coef);
        assert!(rel(f.loglik[0], -12.8018274800815) < 1e-12);
        assert!(rel(f.loglik[1], -12.7249374909869) < 1e-12);
        assert!(rel(f.score_test.chisq, 0.153227811386426) < 1e-10);
        // concordant 11 (R's "discordant" before reverse), discordant 10, tied.x 17:
        // C = (11 + 17/2) / 38 = 0.486842105263158 (R: 0.486842105263158, std 0.123052582191116).
        assert!(rel(f.concordance.c, 0.486842105263158) < 1e-12);
        assert!(rel(f.concordance.se, 0.123052582191116) < 1e-10);
        let ph = f.ph_test.unwrap();
        assert!(rel(ph.terms[0].chisq, 1.80685727776574) < 1e-8);
        // coxph(..., ties = "breslow")$score = 0.160264900662252.
        let b = fit(&t, &s, &g, &["g"], Ties::Breslow).unwrap();
        assert!(rel(b.score_test.chisq, 0.160264900662252) < 1e-10);
    }

    /// R (tests/r/cox_unit.R, d2): z = x + g is collinear; R gives NA for z and the fit of x + g.
    /// z stays in `terms` in its place, with nulls (R's NA), and a warning names it.
    #[test]
    fn collinear_term_is_dropped_with_a_warning() {
        let t = [5.0, 3.0, 8.0, 2.0, 9.0, 4.0, 7.0, 6.0, 1.0, 10.0];
        let s = [1, 0, 1, 1, 0, 1, 1, 0, 1, 1];
        let x = [1.2, 0.5, 3.1, 2.2, 0.7, 1.9, 2.8, 0.3, 1.1, 2.5];
        let g = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let z: Vec<f64> = x.iter().zip(&g).map(|(a, b)| a + b).collect();
        let f = fit(&t, &s, &[x.to_vec(), g.to_vec(), z], &["x", "g", "z"], Ties::Efron).unwrap();
        assert_eq!(f.terms.len(), 3);
        assert!(f.terms[2].name == "z" && f.terms[2].coef.is_nan() && f.terms[2].se.is_nan());
        assert_eq!(f.lr_test.df, 2.0);
        assert_eq!(f.vcov.len(), 9);
        assert_eq!(f.dropped, vec!["z".to_string()]);
        assert!(f.warnings.iter().any(|w| w.contains("'z'") && w.contains("collinear")), "{:?}", f.warnings);
        assert!(rel(f.terms[0].coef, 0.267175780699375) < 1e-8);
        assert!(rel(f.terms[1].coef, 0.583440858406398) < 1e-8);
        assert!(rel(f.loglik[1], -10.4046259111360) < 1e-12);
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("NaN") && json.contains(r#"{"name":"z","coef":null"#), "{json}");
    }

    #[test]
    fn constant_column_is_dropped_and_no_events_is_an_error() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let f = fit(&t, &[1, 0, 1, 1], &[vec![1.0, 0.0, 1.0, 0.0], vec![2.0; 4]], &["g", "k"], Ties::Efron).unwrap();
        assert_eq!(f.terms.len(), 2);
        assert!(f.terms[0].coef.is_finite() && f.terms[1].coef.is_nan());
        assert!(f.warnings.iter().any(|w| w.contains("'k'") && w.contains("same value")));
        let e = fit(&t, &[0, 0, 2, 0], &[vec![1.0, 0.0, 1.0, 0.0]], &["g"], Ties::Efron).unwrap_err();
        assert!(e.contains("no events"), "{e}");
    }

    /// Monotone likelihood (group g = 1 has no events): R (tests/r/cox_unit.R, d1) runs to
    /// 20 iterations with coef(g) ≈ −21.8 and warns. We name the term.
    #[test]
    fn monotone_likelihood_warns_naming_the_term() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let s = [1, 1, 0, 1, 0, 0, 0, 0];
        let g = vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let x = vec![3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let f = fit(&t, &s, &[g, x], &["g", "x"], Ties::Efron).unwrap();
        assert!(f.terms[0].coef < -15.0, "{}", f.terms[0].coef);
        // R: loglik -5.63478960316925 -2.47628918398966, coef(x) -0.0695731390324804.
        assert!(rel(f.loglik[1], -2.47628918398966) < 1e-8);
        assert!(rel(f.terms[1].coef, -0.0695731390324804) < 1e-6);
        assert!(f.warnings.iter().any(|w| w.contains("'g'") && w.contains("infinite")), "{:?}", f.warnings);
        assert!(!f.warnings.iter().any(|w| w.contains("'x'")));
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("NaN"));
    }

    /// Deterministic pseudo-random data with ties, two covariates and strata.
    fn sample(n: usize, seed: u64) -> (Vec<f64>, Vec<u8>, Vec<Vec<f64>>, Vec<u32>) {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut t = Vec::new();
        let mut s = Vec::new();
        let mut x1 = Vec::new();
        let mut x2 = Vec::new();
        let mut st = Vec::new();
        for _ in 0..n {
            let a = next() * 2.0 - 1.0;
            let b = if next() < 0.4 { 1.0 } else { 0.0 };
            let rate = (0.7 * a - 0.5 * b).exp();
            t.push((-next().ln() / rate * 10.0).ceil());
            s.push(if next() < 0.7 { 1 } else { 0 });
            x1.push(a * 50.0 + 60.0);
            x2.push(b);
            st.push(if next() < 0.5 { 0 } else { 1 });
        }
        (t, s, vec![x1, x2], st)
    }

    #[test]
    fn rescaling_a_covariate_divides_its_coefficient() {
        let (t, s, x, st) = sample(150, 7);
        let names = vec!["a".to_string(), "b".to_string()];
        for ties in [Ties::Efron, Ties::Breslow] {
            let base = coxph(&CoxInput { time: &t, status: &s, x: &x, names: &names, strata: Some(&st), cluster: None, ties }).unwrap();
            for c in [0.001, 3.0, 1000.0] {
                let xs = vec![x[0].iter().map(|v| v * c).collect(), x[1].clone()];
                let f = coxph(&CoxInput { time: &t, status: &s, x: &xs, names: &names, strata: Some(&st), cluster: None, ties }).unwrap();
                assert!(rel(f.terms[0].coef * c, base.terms[0].coef) < 1e-8, "c = {c}");
                assert!(rel(f.terms[0].se * c, base.terms[0].se) < 1e-8);
                assert!(rel(f.terms[1].coef, base.terms[1].coef) < 1e-8);
                assert!(rel(f.loglik[1], base.loglik[1]) < 1e-12);
                assert!(rel(f.score_test.chisq, base.score_test.chisq) < 1e-9);
                assert!(rel(f.concordance.c, base.concordance.c) < 1e-12);
            }
        }
    }

    #[test]
    fn row_order_does_not_matter() {
        let (t, s, x, st) = sample(120, 11);
        let cl: Vec<u32> = (0..t.len() as u32).map(|i| i / 3).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let base = coxph(&CoxInput { time: &t, status: &s, x: &x, names: &names, strata: Some(&st), cluster: Some(&cl), ties: Ties::Efron }).unwrap();
        // Reverse the rows, then interleave.
        let perm: Vec<usize> = (0..t.len()).rev().step_by(2).chain((0..t.len()).rev().skip(1).step_by(2)).collect();
        let pt: Vec<f64> = perm.iter().map(|&i| t[i]).collect();
        let ps: Vec<u8> = perm.iter().map(|&i| s[i]).collect();
        let px: Vec<Vec<f64>> = x.iter().map(|c| perm.iter().map(|&i| c[i]).collect()).collect();
        let pst: Vec<u32> = perm.iter().map(|&i| st[i]).collect();
        let pcl: Vec<u32> = perm.iter().map(|&i| cl[i]).collect();
        let f = coxph(&CoxInput { time: &pt, status: &ps, x: &px, names: &names, strata: Some(&pst), cluster: Some(&pcl), ties: Ties::Efron }).unwrap();
        for (a, b) in f.terms.iter().zip(&base.terms) {
            assert!(rel(a.coef, b.coef) < 1e-9 && rel(a.se, b.se) < 1e-9);
            assert!(rel(a.robust_se.unwrap(), b.robust_se.unwrap()) < 1e-9);
        }
        assert!(rel(f.loglik[1], base.loglik[1]) < 1e-12);
        assert!(rel(f.concordance.se, base.concordance.se) < 1e-9);
        let (pa, pb) = (f.ph_test.unwrap(), base.ph_test.unwrap());
        assert!(rel(pa.global.chisq, pb.global.chisq) < 1e-9);
    }
    /// The radix sort orders by the numeric value of the keys (negative, −0 = +0, large and
    /// tiny magnitudes) and keeps equal keys in their input order, as a stable comparison sort.
    #[test]
    fn radix_sort_is_a_stable_numeric_sort() {
        let (t, _, x, _) = sample(500, 5);
        let mut v: Vec<f64> = t.iter().chain(&x[0]).map(|a| a - 40.0).collect();
        v.extend([0.0, -0.0, 1e300, -1e300, 1e-300, -1e-300, 0.0, 5.0, 5.0, -0.0]);
        let mut sorted: Vec<(u64, u64)> = v.iter().enumerate().map(|(i, &a)| (time_key(a), i as u64)).collect();
        radix_sort(&mut sorted, false);
        let mut expect: Vec<usize> = (0..v.len()).collect();
        expect.sort_by(|&a, &b| v[a].partial_cmp(&v[b]).unwrap());
        let got: Vec<usize> = sorted.iter().map(|&(_, i)| i as usize).collect();
        assert_eq!(got, expect);
    }

    /// Concordance counts and the jackknife SE against a direct O(n²) count over all pairs,
    /// on data with tied times, tied predictors, strata and clusters.
    #[test]
    fn concordance_matches_brute_force() {
        let (t, s, x, st) = sample(300, 3);
        // Coarse covariates so that the linear predictor has many ties.
        let xc: Vec<Vec<f64>> = vec![x[0].iter().map(|v| (v / 40.0).round()).collect(), x[1].clone()];
        let cl: Vec<u32> = (0..t.len() as u32).map(|i| (i * 7) % 50).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        // Second case: distinct predictors in 40 small strata (the rank counts are then emptied
        // row by row between strata rather than cleared).
        let st40: Vec<u32> = (0..t.len() as u32).map(|i| i % 40).collect();
        for (xc, st, cluster, coarse) in [(&xc, &st, None, true), (&xc, &st, Some(&cl[..]), true), (&x, &st40, None, false), (&x, &st40, Some(&cl[..]), false)] {
            let f = coxph(&CoxInput { time: &t, status: &s, x: xc, names: &names, strata: Some(st), cluster, ties: Ties::Efron }).unwrap();
            let lp: Vec<f64> = (0..t.len()).map(|i| xc[0][i] * f.terms[0].coef + xc[1][i] * f.terms[1].coef).collect();
            let n = t.len();
            let mut cnt = vec![[0f64; 3]; n];
            let mut tot = [0f64; 3];
            for i in 0..n {
                for j in 0..n {
                    let comparable = st[i] == st[j] && s[i] == 1 && (t[i] < t[j] || (t[i] == t[j] && s[j] != 1));
                    if !comparable {
                        continue;
                    }
                    let k = if lp[i] > lp[j] { 0 } else if lp[i] < lp[j] { 1 } else { 2 };
                    cnt[i][k] += 1.0;
                    cnt[j][k] += 1.0;
                    tot[k] += 1.0;
                }
            }
            let np = tot[0] + tot[1] + tot[2];
            let somers = (tot[0] - tot[1]) / np;
            let dfb: Vec<f64> = cnt.iter().map(|c| ((c[0] - c[1]) - somers * (c[0] + c[1] + c[2])) / np).collect();
            let var = match cluster {
                None => dfb.iter().map(|d| d * d).sum::<f64>(),
                Some(cl) => {
                    let mut sums = vec![0.0; 50];
                    for i in 0..n {
                        sums[cl[i] as usize] += dfb[i];
                    }
                    sums.iter().map(|d| d * d).sum()
                }
            } / 4.0;
            if coarse {
                assert!(tot[2] > 100.0, "the test needs tied predictors");
            }
            // `concordance` sweeps by time when there are more time groups than distinct
            // predictors (the coarse case), else (few groups) by predictor: both are tested.
            let mut groups: Vec<(u32, u64)> = (0..n).map(|i| (st[i], t[i].to_bits())).collect();
            groups.sort_unstable();
            groups.dedup();
            let mut distinct: Vec<u64> = lp.iter().map(|v| v.to_bits()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(groups.len() > distinct.len(), coarse, "{} groups, {} predictors", groups.len(), distinct.len());
            assert!(rel(f.concordance.c, (somers + 1.0) / 2.0) < 1e-12, "{} vs {}", f.concordance.c, (somers + 1.0) / 2.0);
            assert!(rel(f.concordance.se, var.sqrt()) < 1e-10, "{} vs {}", f.concordance.se, var.sqrt());
        }
    }
}

/// Counting-process data and case weights (`coxph_extra`), by properties that pin them down
/// exactly (the R cases are in `tests/designs_reference.rs`).
#[cfg(test)]
mod design_tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
    }

    /// Tied whole-number times, two covariates, two strata.
    fn data(n: usize) -> (Vec<f64>, Vec<u8>, Vec<Vec<f64>>, Vec<u32>) {
        let mut state = 42u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut t, mut s, mut a, mut b, mut st) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let x = next() * 2.0 - 1.0;
            let g = if next() < 0.4 { 1.0 } else { 0.0 };
            t.push((-next().ln() / (0.7 * x - 0.5 * g).exp() * 8.0).ceil() + 1.0);
            s.push(u8::from(next() < 0.7));
            a.push(x);
            b.push(g);
            st.push(u32::from(next() < 0.5));
        }
        (t, s, vec![a, b], st)
    }

    /// Splitting a row (0, t] into (0, c] censored and (c, t] with its outcome changes no risk
    /// set, so the counting-process fit equals the plain one: coefficients, variance,
    /// likelihoods, tests, concordance and the PH test.
    #[test]
    fn split_rows_fit_as_the_unsplit_ones() {
        let (t, s, x, st) = data(200);
        let names = vec!["a".to_string(), "b".to_string()];
        for ties in [Ties::Efron, Ties::Breslow] {
            let plain = coxph(&CoxInput { time: &t, status: &s, x: &x, names: &names, strata: Some(&st), cluster: None, ties }).unwrap();
            let (mut t2, mut s2, mut e2, mut x2, mut st2) = (vec![], vec![], vec![], vec![vec![], vec![]], vec![]);
            for i in 0..t.len() {
                let cut = (t[i] / 2.0).floor();
                let pieces: Vec<(f64, f64, u8)> = if cut > 0.0 && i % 3 != 0 { vec![(0.0, cut, 0), (cut, t[i], s[i])] } else { vec![(0.0, t[i], s[i])] };
                for (e, tt, ss) in pieces {
                    e2.push(e);
                    t2.push(tt);
                    s2.push(ss);
                    x2[0].push(x[0][i]);
                    x2[1].push(x[1][i]);
                    st2.push(st[i]);
                }
            }
            assert!(t2.len() > t.len() + 50);
            let input = CoxInput { time: &t2, status: &s2, x: &x2, names: &names, strata: Some(&st2), cluster: None, ties };
            let split = coxph_extra(&input, CoxExtra { entry: Some(&e2), weights: None }, Residuals::Never).unwrap();
            for (a, b) in split.terms.iter().zip(&plain.terms) {
                assert!(rel(a.coef, b.coef) < 1e-9 && rel(a.se, b.se) < 1e-9, "{ties:?} {a:?} {b:?}");
            }
            assert!(rel(split.loglik[0], plain.loglik[0]) < 1e-12 && rel(split.loglik[1], plain.loglik[1]) < 1e-12);
            assert!(rel(split.score_test.chisq, plain.score_test.chisq) < 1e-9);
            assert!(rel(split.concordance.c, plain.concordance.c) < 1e-12, "{:?} {:?}", split.concordance, plain.concordance);
            let (pa, pb) = (split.ph_test.unwrap(), plain.ph_test.unwrap());
            assert!(rel(pa.global.chisq, pb.global.chisq) < 1e-8);
            assert_eq!(split.n, t2.len());
        }
    }

    /// With Breslow ties, whole-number case weights give the coefficients and log-likelihood of
    /// the rows repeated that many times (Efron's sub-risk-sets count rows, so it differs), and
    /// the robust variance: each row's dfbeta times its weight, its square summed.
    #[test]
    fn whole_weights_with_breslow_are_repeated_rows() {
        let (t, s, x, _) = data(120);
        let names = vec!["a".to_string(), "b".to_string()];
        let w: Vec<f64> = (0..t.len()).map(|i| (i % 3 + 1) as f64).collect();
        let weighted = coxph_extra(
            &CoxInput { time: &t, status: &s, x: &x, names: &names, strata: None, cluster: None, ties: Ties::Breslow },
            CoxExtra { entry: None, weights: Some(&w) },
            Residuals::Never,
        )
        .unwrap();
        let (mut t2, mut s2, mut x2) = (vec![], vec![], vec![vec![], vec![]]);
        for i in 0..t.len() {
            for _ in 0..w[i] as usize {
                t2.push(t[i]);
                s2.push(s[i]);
                x2[0].push(x[0][i]);
                x2[1].push(x[1][i]);
            }
        }
        let repeated = coxph(&CoxInput { time: &t2, status: &s2, x: &x2, names: &names, strata: None, cluster: None, ties: Ties::Breslow }).unwrap();
        for (a, b) in weighted.terms.iter().zip(&repeated.terms) {
            assert!(rel(a.coef, b.coef) < 1e-9 && rel(a.se, b.se) < 1e-9, "{a:?} {b:?}");
            assert!(a.robust_se.is_some());
        }
        assert!(rel(weighted.loglik[1], repeated.loglik[1]) < 1e-12);
        assert!(rel(weighted.concordance.c, repeated.concordance.c) < 1e-12);
    }

    #[test]
    fn bad_entry_and_weights_are_errors_not_panics() {
        let names = vec!["a".to_string()];
        let x = vec![vec![0.0, 1.0, 0.0]];
        let input = CoxInput { time: &[1.0, 2.0, 3.0], status: &[1, 1, 0], x: &x, names: &names, strata: None, cluster: None, ties: Ties::Efron };
        let e = coxph_extra(&input, CoxExtra { entry: Some(&[0.0, 2.0, 0.0]), weights: None }, Residuals::Never).unwrap_err();
        assert!(e.contains("row 2") && e.contains("entry"), "{e}");
        let e = coxph_extra(&input, CoxExtra { entry: None, weights: Some(&[1.0, -1.0, 1.0]) }, Residuals::Never).unwrap_err();
        assert!(e.contains("row 2") && e.contains("weight"), "{e}");
    }
}
