//! The proportional-hazards check of a Cox model, as R's `cox.zph` (survival 3.x).
//!
//! # The test (`transform = "km"`)
//!
//! A score test, at the fitted β, for adding the time-varying terms x·g(t), where
//! g(t) = 1 − S(t−) (S = Kaplan–Meier of all rows, strata pooled), centred on its mean over the
//! events. With the blocks A = I_ββ, B = I_βγ, C = I_γγ of the information of (β, γ) and the
//! score u_γ, the test for column j is u_j² / (C_jj − B_jᵀA⁻¹B_j), and the global test
//! u_γᵀ(C − BA⁻¹B)⁻¹u_γ. Every column of the design is its own term (df 1), as
//! `cox.zph(fit, terms = FALSE)`. The blocks are accumulated by the Cox fit's likelihood pass
//! (`fit::Data::loglik_score` and `fit::Data::information`) with the transform of
//! [`time_transform`]; [`zph`] turns them into the table. This module uses nothing of the fit
//! but those blocks (and [`CoxInput`] for the residuals).
//!
//! # The residual plot (`cox.zph`'s `$x`, `$y`, and `plot.cox.zph`)
//!
//! Conventions learnt from `?cox.zph`, `?plot.cox.zph` and by printing the R functions (survival
//! 3.5-3); the code is ours.
//!
//! * **Schoenfeld residuals**, one per event, in the order (stratum, time, row): the event's
//!   covariates minus the risk-weighted mean of its risk set. With d tied events, Breslow uses
//!   the full risk set for each; Efron uses, for all d of them, the average of the d
//!   sub-risk-set means x̄_k (k = 1..d), where the k-th counts the d dying rows with weight k/d.
//! * **Scaling** (`$y`): R divides the information I (at the fitted β) by the number of
//!   events and multiplies each residual by its inverse, then adds β: y = d·V·r + β with
//!   V = I⁻¹. With strata, "the number of events" is per pair of covariates: a covariate that is
//!   constant within a stratum is not "used" there, W_jl = Σ_strata min(used_sj, used_sl) with
//!   used_sj = that stratum's events when column j varies in it (else 0), Ī = I ⊘ W, and the
//!   residuals of stratum s are scaled by the inverse of Ī restricted to the columns used in s;
//!   the other columns' residuals of that stratum are undefined (NA in R, `null` here).
//!   `$var` = Ī⁻¹. (R assigns residual rows to strata by counts; when every covariate is
//!   constant in a stratum its rows are misplaced in R, here they are all `null`.)
//! * **x axis** (`$x`): `km` (default) 1 − S(t−) of the pooled Kaplan–Meier (uncentred),
//!   `identity` t, `log` ln t, `rank` the rank of t among all rows' times (ties averaged).
//! * **Smoother** (`plot.cox.zph`, df = 4): least squares of the residuals on a natural cubic
//!   spline basis with intercept (R's `ns(·, df = 4, intercept = TRUE)`): boundary knots at the
//!   range of x, 2 interior knots at the 1/3 and 2/3 quantiles (type 7) of the prediction grid
//!   *and* the x values together (R computes the basis on both at once). Fitted at `nsmo` evenly
//!   spaced x; the band is fit ± 2·sqrt(var_jj · pᵀ(XᵀX)⁻¹p) — R's pointwise band uses cox.zph's
//!   `$var`, not the residual scatter. We use the truncated-power basis of the same spline
//!   space (the fit and band do not depend on the basis) on x scaled to [0, 1], and solve the
//!   4 × 4 normal equations (one pass over the events, no n × 4 matrix).

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::input::CoxInput;
use crate::stats::common::{order_by_time, TestResult};
use crate::stats::km::{ProductLimit, RiskTable};
use crate::spec::Ties;

/// At most this many residual points per term go into the report (the smoother uses all).
pub const MAX_POINTS: usize = 2000;
/// Points of the smoothed curve in the report.
pub const SMOOTH_POINTS: usize = 101;

/// The `cox.zph` test of one term.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhTermTest {
    pub name: String,
    pub chisq: f64,
    pub df: f64,
    pub p: f64,
}

/// The `cox.zph` table: one row per term and the global test.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhTest {
    pub terms: Vec<PhTermTest>,
    pub global: TestResult,
    /// The scaled Schoenfeld residuals and their smoother, for the residual plot of each term.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residuals: Option<ZphPlot>,
}

/// The x axis of the residual plot (`cox.zph`'s `transform`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZphTransform {
    /// 1 − S(t−) of the pooled Kaplan–Meier (R's default).
    Km,
    Identity,
    Log,
    Rank,
}

/// Everything the residual plot needs, compact: the residual points (a subset, evenly spread
/// over time, when there are more than [`MAX_POINTS`] events) and the smoother from all of them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ZphPlot {
    pub transform: ZphTransform,
    /// Number of events (residuals) in the model.
    pub events: usize,
    /// Event time of each point sent.
    pub time: Vec<f64>,
    /// Transformed time of each point sent (the plot's x).
    pub x: Vec<f64>,
    pub terms: Vec<ZphTermPlot>,
}

/// The residual plot of one term.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ZphTermPlot {
    pub name: String,
    /// The fitted coefficient: the residuals scatter around it when the hazards are proportional.
    pub coef: f64,
    /// `cox.zph(...)$var[j, j]`: the variance used for the smoother's band.
    pub var: f64,
    /// Scaled Schoenfeld residual of each point (`null` where R has NA: a covariate constant in
    /// the event's stratum).
    pub y: Vec<f64>,
    /// The smoothed β(t) with its ± 2 SE band; absent when the spline fit is singular (fewer
    /// than 4 distinct event times).
    pub smooth: Option<ZphSmooth>,
}

/// `plot.cox.zph`'s smoother: the fit and its band at evenly spaced x.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ZphSmooth {
    pub x: Vec<f64>,
    pub fit: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

/// Scaled Schoenfeld residuals of every event (`cox.zph(fit, terms = FALSE)`), uncapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Schoenfeld {
    /// Row (index into the input) of each event, in the order (stratum, time, row).
    pub row: Vec<usize>,
    /// Event time of each event.
    pub time: Vec<f64>,
    /// Per term, the scaled residual of each event (NaN where R has NA).
    pub y: Vec<Vec<f64>>,
    /// `$var` (p × p, row-major).
    pub var: Vec<f64>,
}

/// The scaled Schoenfeld residuals of a fitted model: `cols` are the columns of `input.x` in
/// the model, `coef` their coefficients and `var` their model-based variance (p × p,
/// row-major), all in the original units. None when the information (var⁻¹) is singular.
pub fn scaled_schoenfeld(input: &CoxInput, cols: &[usize], coef: &[f64], var: &[f64]) -> Option<Schoenfeld> {
    scaled_schoenfeld_by(input, &order_by_time(input.time), cols, coef, var)
}

/// [`scaled_schoenfeld`] given the rows' time order (`order_by_time(input.time)`).
fn scaled_schoenfeld_by(input: &CoxInput, by_time: &[usize], cols: &[usize], coef: &[f64], var: &[f64]) -> Option<Schoenfeld> {
    let n = input.time.len();
    let p = cols.len();
    if p == 0 || coef.len() != p || var.len() != p * p {
        return None;
    }
    let stratum = |i: usize| input.strata.map_or(0, |s| s[i]);
    // (stratum, time, row) order: the time order (ties in row order), then a stable counting
    // sort by stratum.
    let mut order = std::borrow::Cow::Borrowed(by_time);
    if let Some(st) = input.strata {
        let k = st.iter().map(|&v| v as usize + 1).max().unwrap_or(0);
        let mut start = vec![0usize; k + 1];
        for &v in st {
            start[v as usize + 1] += 1;
        }
        for i in 1..=k {
            start[i] += start[i - 1];
        }
        let mut by_stratum = vec![0usize; n];
        for &i in by_time {
            let slot = &mut start[st[i] as usize];
            by_stratum[*slot] = i;
            *slot += 1;
        }
        order = std::borrow::Cow::Owned(by_stratum);
    }
    // Centred columns (the means cancel in x − x̄ but keep exp(η) in range) and risks.
    let means: Vec<f64> = cols.iter().map(|&c| input.x[c].iter().sum::<f64>() / n as f64).collect();
    // The rows in sorted order, centred, row-major (gathered one column at a time, so that
    // each gather stays within one column), with their time, stratum, status and risk.
    let mut xs = vec![0.0; n * p];
    for (j, (&c, &mu)) in cols.iter().zip(&means).enumerate() {
        let col = &input.x[c];
        for (k, &i) in order.iter().enumerate() {
            xs[k * p + j] = col[i] - mu;
        }
    }
    let ts: Vec<f64> = order.iter().map(|&i| input.time[i]).collect();
    let ss: Vec<u32> = order.iter().map(|&i| stratum(i)).collect();
    let ev: Vec<bool> = order.iter().map(|&i| input.status[i] == 1).collect();
    let risk: Vec<f64> = xs.chunks_exact(p).map(|r| r.iter().zip(coef).map(|(a, b)| a * b).sum::<f64>().exp()).collect();
    let efron = input.ties == Ties::Efron;

    // Events in (stratum, time, row) order.
    let ev_rows: Vec<usize> = order.iter().zip(&ev).filter(|(_, &e)| e).map(|(&i, _)| i).collect();
    let m = ev_rows.len();
    if m == 0 {
        return None;
    }
    let resid = raw_residuals(&Sorted { xs: &xs, ts: &ts, ss: &ss, ev: &ev, risk: &risk, p }, m, efron);
    drop((xs, risk));

    // "Used": per stratum, its number of events for the columns that vary in it, else 0.
    let mut strata_span: Vec<(usize, usize)> = Vec::new(); // sorted-row ranges of the strata
    let mut a = 0;
    while a < n {
        let mut b = a + 1;
        while b < n && ss[b] == ss[a] {
            b += 1;
        }
        strata_span.push((a, b));
        a = b;
    }
    let mut used: Vec<Vec<f64>> = Vec::with_capacity(strata_span.len());
    for &(a, b) in &strata_span {
        let rows = &order[a..b];
        let d = ev[a..b].iter().filter(|&&e| e).count() as f64;
        used.push((0..p).map(|j| if rows.iter().any(|&i| input.x[cols[j]][i] != input.x[cols[j]][rows[0]]) { d } else { 0.0 }).collect());
    }
    let imat = DMatrix::from_row_slice(p, p, var).try_inverse()?;
    let mut vmean = imat.clone();
    for j in 0..p {
        for l in 0..p {
            let w: f64 = used.iter().map(|u| u[j].min(u[l])).sum();
            vmean[(j, l)] = imat[(j, l)] / if w == 0.0 { 1.0 } else { w };
        }
    }
    let var_out = vmean.clone().try_inverse()?;
    let mut y = vec![vec![f64::NAN; m]; p];
    let mut e0 = 0;
    for (s, &(a, b)) in strata_span.iter().enumerate() {
        let ne = ev[a..b].iter().filter(|&&e| e).count();
        let k: Vec<usize> = (0..p).filter(|&j| used[s][j] > 0.0).collect();
        if !k.is_empty() && ne > 0 {
            let sub = DMatrix::from_fn(k.len(), k.len(), |r, c| vmean[(k[r], k[c])]);
            // Ī restricted to the columns used here, inverted once; y = Ī⁻¹ r + β per event.
            let inv = sub.try_inverse()?;
            let kk = k.len();
            let inv: Vec<f64> = (0..kk * kk).map(|ab| inv[(ab / kk, ab % kk)]).collect();
            for e in e0..e0 + ne {
                let r = &resid[e * p..(e + 1) * p];
                for (a, &j) in k.iter().enumerate() {
                    let mut v = coef[j];
                    for (&w, &l) in inv[a * kk..(a + 1) * kk].iter().zip(&k) {
                        v += w * r[l];
                    }
                    y[j][e] = v;
                }
            }
        }
        e0 += ne;
    }
    let var_flat = (0..p * p).map(|jl| var_out[(jl / p, jl % p)]).collect();
    let time = ev_rows.iter().map(|&i| input.time[i]).collect();
    Some(Schoenfeld { row: ev_rows, time, y, var: var_flat })
}

/// The model's rows in (stratum, time, row) order: centred covariates (row-major, p columns),
/// time, stratum, event flag and risk exp(η).
#[derive(Clone, Copy)]
struct Sorted<'a> {
    xs: &'a [f64],
    ts: &'a [f64],
    ss: &'a [u32],
    ev: &'a [bool],
    risk: &'a [f64],
    p: usize,
}

/// The unscaled Schoenfeld residuals of the `m` events (m × p, row-major, in sorted order):
/// each event's covariates minus its risk set's mean (Efron: the mean of the d sub-risk-set
/// means), from one reverse pass.
fn raw_residuals(rows: &Sorted, m: usize, efron: bool) -> Vec<f64> {
    let Sorted { xs, ts, ss, ev, risk, p } = *rows;
    let n = ts.len();
    let mut resid = vec![0.0; m * p];
    // One reverse pass: S0, S1 over the rows at risk beyond the current time (censored rows at
    // the current time included), D0, D1 over the current time's events.
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut d1 = vec![0.0; p];
    let mut xbar = vec![0.0; p];
    let mut e_end = m; // events of the current group are resid rows e_start..e_end
    let mut k = n;
    while k > 0 {
        let (st, t) = (ss[k - 1], ts[k - 1]);
        let mut start = k - 1;
        while start > 0 && ss[start - 1] == st && ts[start - 1] == t {
            start -= 1;
        }
        let mut d0 = 0.0;
        d1.iter_mut().for_each(|v| *v = 0.0);
        let mut deaths = 0;
        for pos in start..k {
            let r = risk[pos];
            let x = &xs[pos * p..(pos + 1) * p];
            if ev[pos] {
                deaths += 1;
                d0 += r;
                for j in 0..p {
                    d1[j] += r * x[j];
                }
            } else {
                s0 += r;
                for j in 0..p {
                    s1[j] += r * x[j];
                }
            }
        }
        if deaths > 0 {
            let d = deaths as f64;
            if efron && deaths > 1 {
                xbar.iter_mut().for_each(|v| *v = 0.0);
                for kk in 1..=deaths {
                    let f = kk as f64 / d;
                    let den = s0 + f * d0;
                    for j in 0..p {
                        xbar[j] += (s1[j] + f * d1[j]) / den / d;
                    }
                }
            } else {
                for j in 0..p {
                    xbar[j] = (s1[j] + d1[j]) / (s0 + d0);
                }
            }
            let e_start = e_end - deaths;
            let mut e = e_start;
            for pos in (start..k).filter(|&pos| ev[pos]) {
                for j in 0..p {
                    resid[e * p + j] = xs[pos * p + j] - xbar[j];
                }
                e += 1;
            }
            e_end = e_start;
        }
        s0 += d0;
        for j in 0..p {
            s1[j] += d1[j];
        }
        k = start;
        // A new stratum starts afresh.
        if k > 0 && ss[k - 1] != st {
            s0 = 0.0;
            s1.iter_mut().for_each(|v| *v = 0.0);
        }
    }
    resid
}

/// The transformed time (`cox.zph`'s `$x`) of the given rows; `time` and `status` are all rows
/// of the model (the Kaplan–Meier and the ranks use them all). NaN where undefined (log of a
/// time ≤ 0).
pub fn transform_times(time: &[f64], status: &[u8], rows: &[usize], transform: ZphTransform) -> Vec<f64> {
    match transform {
        ZphTransform::Identity => rows.iter().map(|&i| time[i]).collect(),
        ZphTransform::Log => rows.iter().map(|&i| if time[i] > 0.0 { time[i].ln() } else { f64::NAN }).collect(),
        ZphTransform::Rank => {
            let mut sorted: Vec<f64> = time.to_vec();
            sorted.sort_unstable_by(f64::total_cmp);
            rows.iter()
                .map(|&i| {
                    // Average rank of the ties: (first + last) / 2, 1-based.
                    let lo = sorted.partition_point(|&u| u < time[i]);
                    let hi = sorted.partition_point(|&u| u <= time[i]);
                    (lo + hi + 1) as f64 / 2.0
                })
                .collect()
        }
        ZphTransform::Km => km_scale(time, status, &order_by_time(time), rows),
    }
}

/// The km transform of the given rows: 1 − S(t−) of the Kaplan–Meier over all rows, given
/// their time order `idx`.
fn km_scale(time: &[f64], status: &[u8], idx: &[usize], rows: &[usize]) -> Vec<f64> {
    // (time, events, rows) per distinct time, in time order.
    let mut groups: Vec<(f64, usize, usize)> = Vec::new();
    for &i in idx {
        match groups.last_mut() {
            Some(g) if g.0 == time[i] => {
                g.1 += usize::from(status[i] == 1);
                g.2 += 1;
            }
            _ => groups.push((time[i], usize::from(status[i] == 1), 1)),
        }
    }
    let km = pooled_km(groups);
    rows.iter().map(|&i| 1.0 - km.before(time[i])).collect()
}

/// The Kaplan–Meier of all rows pooled (strata ignored, as `cox.zph`) from (time, events, rows)
/// groups in any order (groups at the same time, of different strata, merged): the one estimate
/// ([`ProductLimit`], shared with `stats::km`) behind the km transform of the test
/// ([`km_transform`]) and of the residual plots ([`km_scale`]).
fn pooled_km(mut groups: Vec<(f64, usize, usize)>) -> ProductLimit {
    groups.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut at_risk: usize = groups.iter().map(|g| g.2).sum();
    let mut rt = RiskTable::default();
    let mut k = 0;
    while k < groups.len() {
        let t = groups[k].0;
        let (mut d, mut m) = (0, 0);
        while k < groups.len() && groups[k].0 == t {
            d += groups[k].1;
            m += groups[k].2;
            k += 1;
        }
        rt.time.push(t);
        rt.n_risk.push(at_risk as f64);
        rt.n_event.push(d as f64);
        rt.n_censor.push((m - d) as f64);
        at_risk -= m;
    }
    ProductLimit::new(&rt)
}

/// Natural cubic spline basis with knots `knots` (boundary knots first and last) at u:
/// 1, u, and d_k(u) − d_{K−1}(u), k = 1..K−2, with
/// d_k(u) = ((u − ξ_k)₊³ − (u − ξ_K)₊³) / (ξ_K − ξ_k) (Hastie, Tibshirani & Friedman, eq. 5.4).
fn ns_basis(u: f64, knots: &[f64], out: &mut [f64]) {
    let kk = knots.len();
    let cube = |v: f64| if v > 0.0 { v * v * v } else { 0.0 };
    let last = knots[kk - 1];
    let dk = |k: usize| (cube(u - knots[k]) - cube(u - last)) / (last - knots[k]);
    out[0] = 1.0;
    out[1] = u;
    let dlast = dk(kk - 2);
    for k in 0..kk - 2 {
        out[k + 2] = dk(k) - dlast;
    }
}

/// `plot.cox.zph`'s smoother of one term: `x` the transformed time of every event, `y` its
/// scaled residual (NaN = not used), `var` = `$var[j, j]`, `df` the spline's degrees of
/// freedom (R: 4), `nsmo` the number of points of the curve (R: 40). None when the fit is
/// singular (R: "spline fit is singular, variable skipped") or x has no range.
pub fn smooth(x: &[f64], y: &[f64], var: f64, df: usize, nsmo: usize) -> Option<ZphSmooth> {
    SmoothPlan::new(x, df, nsmo)?.fit(x, y, var)
}

/// The smoother's grid and knots for one set of x values (shared by every term's fit).
pub struct SmoothPlan {
    lo: f64,
    hi: f64,
    df: usize,
    grid: Vec<f64>,
    knots: Vec<f64>,
}

/// R's default quantile (type 7) of `v` (unsorted; reordered in place), by selection: O(n).
fn quantile7_select(v: &mut [f64], prob: f64) -> f64 {
    let h = (v.len() - 1) as f64 * prob;
    let lo = h.floor() as usize;
    let (_, &mut a, right) = v.select_nth_unstable_by(lo, |p, q| p.total_cmp(q));
    // The next order statistic is the smallest of those above.
    let b = right.iter().copied().fold(f64::INFINITY, f64::min);
    if right.is_empty() || h == lo as f64 {
        a
    } else {
        a + (h - lo as f64) * (b - a)
    }
}

impl SmoothPlan {
    /// `None` when the x values are not finite or all equal, or the knots coincide.
    pub fn new(x: &[f64], df: usize, nsmo: usize) -> Option<SmoothPlan> {
        if df < 2 || nsmo < 2 || x.is_empty() || x.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !(hi > lo) {
            return None;
        }
        let grid: Vec<f64> = (0..nsmo).map(|i| lo + (hi - lo) * i as f64 / (nsmo - 1) as f64).collect();
        // Knots from the grid and the data together, as R (on the [0, 1] scale).
        let mut all: Vec<f64> = grid.iter().chain(x).map(|v| (v - lo) / (hi - lo)).collect();
        let mut knots = vec![0.0];
        for j in 1..df - 1 {
            knots.push(quantile7_select(&mut all, j as f64 / (df - 1) as f64));
        }
        knots.push(1.0);
        if knots.windows(2).any(|w| !(w[1] > w[0])) {
            return None;
        }
        Some(SmoothPlan { lo, hi, df, grid, knots })
    }

    /// The smoother of `y` on `x` (the x the plan was made from) with its ±2 SE band.
    pub fn fit(&self, x: &[f64], y: &[f64], var: f64) -> Option<ZphSmooth> {
        self.fit_basis(&self.basis(x), y, var)
    }

    /// The spline basis at every x (row-major, `df` values per x): the same for every term.
    pub fn basis(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len() * self.df];
        for (&xi, row) in x.iter().zip(out.chunks_exact_mut(self.df)) {
            ns_basis((xi - self.lo) / (self.hi - self.lo), &self.knots, row);
        }
        out
    }

    /// As [`SmoothPlan::fit`], from the x values' [`SmoothPlan::basis`].
    pub fn fit_basis(&self, basis: &[f64], y: &[f64], var: f64) -> Option<ZphSmooth> {
        let (lo, hi, df, knots) = (self.lo, self.hi, self.df, &self.knots);
        if basis.len() != y.len() * df {
            return None;
        }
        // Normal equations XᵀX b = Xᵀy, one pass (lower triangle, flat).
        let mut xtx_l = vec![0.0; df * df];
        let mut xty_l = vec![0.0; df];
        let mut used = 0;
        for (r, &yi) in basis.chunks_exact(df).zip(y) {
            if !yi.is_finite() {
                continue;
            }
            used += 1;
            for a in 0..df {
                xty_l[a] += r[a] * yi;
                for b in 0..=a {
                    xtx_l[a * df + b] += r[a] * r[b];
                }
            }
        }
        if used < df {
            return None;
        }
        let xtx = DMatrix::<f64>::from_fn(df, df, |a, b| xtx_l[a.max(b) * df + a.min(b)]);
        let xty = DVector::<f64>::from_column_slice(&xty_l);
        // Rank check as R's QR (tolerance 1e-7 on the R factor, relative): a Cholesky pivot
        // below 1e-14 of its diagonal means a column is (nearly) a combination of the others.
        let chol = xtx.clone().cholesky()?;
        let l = chol.l();
        if (0..df).any(|a| l[(a, a)] * l[(a, a)] < 1e-14 * xtx[(a, a)]) {
            return None;
        }
        let coef = chol.solve(&xty);
        let inv = chol.inverse();
        let mut row = vec![0.0; df];
        let mut fit = Vec::with_capacity(self.grid.len());
        let mut lower = Vec::with_capacity(self.grid.len());
        let mut upper = Vec::with_capacity(self.grid.len());
        for &g in &self.grid {
            ns_basis((g - lo) / (hi - lo), &knots, &mut row);
            let pv = DVector::from_column_slice(&row);
            let f = pv.dot(&coef);
            let se2 = 2.0 * (var * pv.dot(&(&inv * &pv))).max(0.0).sqrt();
            fit.push(f);
            lower.push(f - se2);
            upper.push(f + se2);
        }
        Some(ZphSmooth { x: self.grid.clone(), fit, lower, upper })
    }
}

impl PhTest {
    /// The test with the residual plot's data added (see [`ZphPlot`]): `cols`, `coef`, `var` as
    /// for [`scaled_schoenfeld`], `names` the model's term names. Unchanged (no residuals) when
    /// they cannot be computed.
    pub fn with_residuals(mut self, input: &CoxInput, cols: &[usize], coef: &[f64], var: &[f64], names: &[String]) -> PhTest {
        self.residuals = plot_data(input, cols, coef, var, names, MAX_POINTS);
        self
    }
}

/// The report's residual plot data, at most `cap` points per term.
pub fn plot_data(input: &CoxInput, cols: &[usize], coef: &[f64], var: &[f64], names: &[String], cap: usize) -> Option<ZphPlot> {
    // One time order of the rows serves the residuals and the km transform.
    let by_time = order_by_time(input.time);
    let sch = scaled_schoenfeld_by(input, &by_time, cols, coef, var)?;
    let p = cols.len();
    let m = sch.row.len();
    let x = km_scale(input.time, input.status, &by_time, &sch.row);
    drop(by_time);
    // Points sent: all, or `cap` spread evenly over the events in time order.
    let pick: Vec<usize> = if m <= cap {
        (0..m).collect()
    } else {
        let by_time = order_by_time(&sch.time);
        (0..cap.max(2)).map(|k| by_time[(k as f64 * (m - 1) as f64 / (cap.max(2) - 1) as f64).round() as usize]).collect()
    };
    // The knots depend on the times only: found once for every term.
    let plan = SmoothPlan::new(&x, 4, SMOOTH_POINTS).map(|plan| {
        let basis = plan.basis(&x);
        (plan, basis)
    });
    let terms = (0..p)
        .map(|j| ZphTermPlot {
            name: names.get(j).cloned().unwrap_or_default(),
            coef: coef[j],
            var: sch.var[j * p + j],
            y: pick.iter().map(|&e| sch.y[j][e]).collect(),
            smooth: plan.as_ref().and_then(|(plan, basis)| plan.fit_basis(basis, &sch.y[j], sch.var[j * p + j])),
        })
        .collect();
    Some(ZphPlot {
        transform: ZphTransform::Km,
        events: m,
        time: pick.iter().map(|&e| sch.time[e]).collect(),
        x: pick.iter().map(|&e| x[e]).collect(),
        terms,
    })
}

/// g(t) = 1 − S(t−) of the pooled Kaplan–Meier, centred on its mean over events, per time
/// group: the time transform of the `cox.zph` test. `groups` lists, for every group of rows
/// sharing a stratum and a time (in the fit's sorted order), its time, its number of events
/// and its number of rows. With counting-process data (`entry`) the Kaplan–Meier has delayed
/// entry ([`km_transform_entry`]); `time`, `status` and `entry` are by input row.
pub(super) fn time_transform(groups: &[(f64, usize, usize)], time: &[f64], status: &[u8], entry: Option<&[f64]>) -> Vec<f64> {
    match entry {
        None => km_transform(groups),
        Some(e) => km_transform_entry(groups, time, status, e),
    }
}

/// g(t) = 1 − S(t−) of the pooled Kaplan–Meier, centred on its mean over events, per time
/// group (see [`time_transform`]).
fn km_transform(groups: &[(f64, usize, usize)]) -> Vec<f64> {
    let km = pooled_km(groups.to_vec());
    centred_on_events(groups, |t| 1.0 - km.before(t))
}

/// g(t) of each time group, centred on its mean over the events (weighted by the deaths).
fn centred_on_events(groups: &[(f64, usize, usize)], g_of: impl Fn(f64) -> f64) -> Vec<f64> {
    let (mut sum, mut nev) = (0.0, 0.0);
    let mut g: Vec<f64> = groups
        .iter()
        .map(|&(t, deaths, _)| {
            let v = g_of(t);
            sum += v * deaths as f64;
            nev += deaths as f64;
            v
        })
        .collect();
    let mean = sum / nev;
    g.iter_mut().for_each(|v| *v -= mean);
    g
}

/// `cox.zph`'s Kaplan–Meier transform on counting-process data: g(t) = 1 − S(t−) of the
/// pooled (strata ignored), unweighted Kaplan–Meier with delayed entry (at risk at t: entry <
/// t ≤ time, as `survfitKM` on the `Surv(entry, time, event)` of the fit), per time group
/// (`groups` as in [`time_transform`]), centred on its mean over the events. The risk sets are
/// counted here; the estimate is the same [`ProductLimit`] as without entry.
fn km_transform_entry(groups: &[(f64, usize, usize)], time: &[f64], status: &[u8], entry: &[f64]) -> Vec<f64> {
    let n = time.len();
    let exits: Vec<(f64, bool)> = order_by_time(time).into_iter().map(|r| (time[r], status[r] == 1)).collect();
    let entries: Vec<f64> = order_by_time(entry).into_iter().map(|r| entry[r]).collect();
    let mut rt = RiskTable::default();
    let (mut k, mut e, mut left) = (0usize, 0usize, 0usize);
    while k < n {
        let t = exits[k].0;
        while e < n && entries[e] < t {
            e += 1;
        }
        // Every row exiting at t entered before it (entry < time is checked before the fit).
        debug_assert!(e > left, "a row exiting at {t} is at risk");
        let at_risk = (e - left) as f64;
        let mut d = 0.0;
        while k < n && exits[k].0 == t {
            d += exits[k].1 as u8 as f64;
            k += 1;
        }
        rt.time.push(t);
        rt.n_risk.push(at_risk);
        rt.n_event.push(d);
        rt.n_censor.push((k - left) as f64 - d);
        left = k;
    }
    let km = ProductLimit::new(&rt);
    centred_on_events(groups, |t| 1.0 - km.before(t))
}

/// The `cox.zph` score tests from the blocks of a likelihood pass at the fitted β (made with
/// the transform of [`time_transform`]): `imat` = A, `b` = B, `c` = C (row-major p × p,
/// symmetric, in the centred and scaled units of the fit, `scale` being each column's factor)
/// and `ug` = u_γ. None when R's `cox.zph` stops instead (`zph_singular`).
pub(super) fn zph(imat: &[f64], b: &[f64], c: &[f64], ug: &[f64], names: &[String], scale: &[f64]) -> Option<PhTest> {
    let p = ug.len();
    if zph_singular(imat, b, c, scale) {
        return None;
    }
    let a = DMatrix::from_row_slice(p, p, imat).cholesky()?;
    let bm = DMatrix::from_row_slice(p, p, b);
    // Schur complement S = C − B A⁻¹ B (symmetrised against rounding).
    let s = DMatrix::from_row_slice(p, p, c) - bm.transpose() * a.solve(&bm);
    let schur = (&s + s.transpose()) * 0.5;
    if schur.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let terms = (0..p)
        .map(|j| {
            let t = TestResult::chisq(ug[j] * ug[j] / schur[(j, j)], 1.0);
            PhTermTest { name: names[j].clone(), chisq: t.chisq, df: 1.0, p: t.p }
        })
        .collect();
    let u = DVector::from_column_slice(ug);
    let global = match schur.cholesky() {
        Some(ch) => u.dot(&ch.solve(&u)),
        None => f64::NAN,
    };
    Some(PhTest { terms, global: TestResult::chisq(global, p as f64), residuals: None })
}

/// Whether R's `cox.zph` stops ("system is computationally singular") on these blocks: it
/// solves, in the covariates' own units, the 2p × 2p information of (β, γ) for the global test
/// and its (p + 1) × (p + 1) part (β, γ_j) for each term with `solve`, which refuses a matrix
/// whose reciprocal condition number (1-norm) is below machine epsilon. The blocks come in the
/// fit's scaled units: the information in the original units is D M D with D = 1/scale for both
/// β and γ (centring changes neither). The condition number is computed exactly here (LAPACK
/// estimates it), so a matrix within a small factor of the limit may be judged differently.
pub(super) fn zph_singular(imat: &[f64], b: &[f64], c: &[f64], scale: &[f64]) -> bool {
    let p = scale.len();
    let d = |j: usize| 1.0 / scale[j % p];
    let full = DMatrix::from_fn(2 * p, 2 * p, |r, k| {
        let v = match (r < p, k < p) {
            (true, true) => imat[r * p + k],
            (true, false) => b[r * p + (k - p)],
            (false, true) => b[(r - p) * p + k],
            (false, false) => c[(r - p) * p + (k - p)],
        };
        v * d(r) * d(k)
    });
    let rcond_small = |m: &DMatrix<f64>| -> bool {
        let norm1 = |m: &DMatrix<f64>| m.column_iter().map(|c| c.iter().map(|v| v.abs()).sum::<f64>()).fold(0.0, f64::max);
        match m.clone().try_inverse() {
            Some(inv) if inv.iter().all(|v| v.is_finite()) => {
                let rc = 1.0 / (norm1(m) * norm1(&inv));
                !(rc >= f64::EPSILON)
            }
            _ => true,
        }
    };
    if rcond_small(&full) {
        return true;
    }
    (0..p).any(|j| {
        let kk: Vec<usize> = (0..p).chain(std::iter::once(p + j)).collect();
        let m = DMatrix::from_fn(p + 1, p + 1, |r, k| full[(kk[r], kk[k])]);
        rcond_small(&m)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(time: &'a [f64], status: &'a [u8], x: &'a [crate::stats::Col<'a>], names: &'a [String], ties: Ties) -> CoxInput<'a> {
        CoxInput { time, status, x, names, strata: None, cluster: None, ties }
    }

    #[test]
    fn scaled_residuals_by_hand() {
        // times 1 2 3 4, status 1 1 0 1, x 0 1 0 1; β = ln 2 (risk 2 for x = 1), var 0.5, 3 events:
        //   t = 1: risk set all, x̄ = (2 + 2)/(1 + 2 + 1 + 2) = 2/3, r = 0 − 2/3;
        //   t = 2: rows 2..4, x̄ = (2 + 2)/(2 + 1 + 2) = 4/5, r = 1 − 4/5 = 1/5;
        //   t = 4: row 4 alone, r = 0.
        // y = 3 · 0.5 · r + ln 2.
        let (time, status) = ([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1]);
        let x = vec![vec![0.0, 1.0, 0.0, 1.0]];
        let names = vec!["x".to_string()];
        let b = 2f64.ln();
        let s = scaled_schoenfeld(&input(&time, &status, &crate::stats::cols(&x), &names, Ties::Breslow), &[0], &[b], &[0.5]).unwrap();
        assert_eq!(s.row, vec![0, 1, 3]);
        let want = [-1.0 + b, 0.3 + b, b];
        for (g, w) in s.y[0].iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{g} vs {w}");
        }
        assert!((s.var[0] - 1.0 / (2.0 / 3.0)).abs() < 1e-12); // (I / d)⁻¹ = d · var = 1.5
    }

    #[test]
    fn efron_ties_use_the_mean_of_the_sub_risk_set_means() {
        // times 1 1 2, status 1 1 0, x 1 0 0, β = 0, var 1, 2 events. At t = 1 the censored
        // row 3 (S0 = 1, S1 = 0) and the two deaths (D0 = 2, D1 = 1):
        //   Efron: x̄₁ = (0 + 1/2)/(1 + 2/2) = 1/4, x̄₂ = (0 + 1)/(1 + 2) = 1/3, mean 7/24;
        //   Breslow: 1/3. y = 2 · 1 · (x − x̄).
        let (time, status) = ([1.0, 1.0, 2.0], [1, 1, 0]);
        let x = vec![vec![1.0, 0.0, 0.0]];
        let names = vec!["x".to_string()];
        let e = scaled_schoenfeld(&input(&time, &status, &crate::stats::cols(&x), &names, Ties::Efron), &[0], &[0.0], &[1.0]).unwrap();
        assert!((e.y[0][0] - 2.0 * 17.0 / 24.0).abs() < 1e-12 && (e.y[0][1] + 2.0 * 7.0 / 24.0).abs() < 1e-12, "{:?}", e.y);
        let b = scaled_schoenfeld(&input(&time, &status, &crate::stats::cols(&x), &names, Ties::Breslow), &[0], &[0.0], &[1.0]).unwrap();
        assert!((b.y[0][0] - 4.0 / 3.0).abs() < 1e-12 && (b.y[0][1] + 2.0 / 3.0).abs() < 1e-12, "{:?}", b.y);
    }

    #[test]
    fn km_and_rank_transforms_by_hand() {
        // times 1 2 2 3, status 1 1 0 1: S(1−) = 1, S(2−) = 3/4, S(3−) = 3/4 · 2/3 = 1/2.
        let (time, status) = ([1.0, 2.0, 2.0, 3.0], [1, 1, 0, 1]);
        let km = transform_times(&time, &status, &[0, 1, 3], ZphTransform::Km);
        assert!((km[0]).abs() < 1e-15 && (km[1] - 0.25).abs() < 1e-15 && (km[2] - 0.5).abs() < 1e-15, "{km:?}");
        // Ranks among all four times: 1, (2 + 3)/2, 4.
        assert_eq!(transform_times(&time, &status, &[0, 1, 3], ZphTransform::Rank), vec![1.0, 2.5, 4.0]);
    }

    #[test]
    fn smoother_reproduces_a_line_and_needs_four_distinct_times() {
        // A straight line lies in the natural-spline space: the fit is the line itself, and
        // with var = 0 the band collapses onto it.
        let x: Vec<f64> = (0..30).map(|i| (i as f64 * 0.37).sin() + i as f64 * 0.1).collect();
        let y: Vec<f64> = x.iter().map(|v| 2.0 - 0.5 * v).collect();
        let s = smooth(&x, &y, 0.0, 4, 40).unwrap();
        for (g, f) in s.x.iter().zip(&s.fit) {
            assert!((f - (2.0 - 0.5 * g)).abs() < 1e-9);
        }
        assert_eq!(s.lower, s.fit);
        // Three distinct x values: the 4-df spline is not identifiable (R skips the term).
        assert!(smooth(&[1.0, 2.0, 3.0, 1.0, 2.0], &[0.0, 1.0, 0.0, 1.0, 0.5], 1.0, 4, 40).is_none());
    }

    #[test]
    fn report_caps_the_points_but_smooths_them_all() {
        // 500 events, cap 50: 50 points spanning the first and last event time; the smoother
        // is the one from all 500.
        let n = 500;
        let time: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
        let status = vec![1u8; n];
        let x = vec![(0..n).map(|i| ((i * 7919) % 13) as f64).collect::<Vec<_>>()];
        let names = vec!["x".to_string()];
        let xc = crate::stats::cols(&x);
        let inp = input(&time, &status, &xc, &names, Ties::Efron);
        let full = plot_data(&inp, &[0], &[0.1], &[0.01], &names, 10_000).unwrap();
        let capped = plot_data(&inp, &[0], &[0.1], &[0.01], &names, 50).unwrap();
        assert_eq!((full.events, full.time.len(), capped.events, capped.time.len()), (500, 500, 500, 50));
        assert_eq!((capped.time[0], capped.time[49]), (1.0, 500.0));
        assert_eq!(full.terms[0].smooth, capped.terms[0].smooth);
    }
}
