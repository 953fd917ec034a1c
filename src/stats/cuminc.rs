//! Competing risks: cumulative incidence (Aalen-Johansen) per group and cause with cmprsk's
//! variance, and Gray's test (`cmprsk::cuminc`).
//!
//! # Cumulative incidence
//!
//! Within one group, at the distinct times `t_j` with `Y_j` at risk, `d1_j` failures from the
//! cause of interest and `d2_j` from the other cause, with `S⁻_j` the all-cause Kaplan-Meier
//! just before `t_j` and `S_j = S⁻_j (1 − (d1_j + d2_j)/Y_j)`:
//!
//! ```text
//! F(t) = Σ_{t_j ≤ t} S⁻_j d1_j / Y_j
//! ```
//!
//! The variance is cmprsk's delta-method estimate (Gray's `cinc`): F is a function of the
//! cause-specific hazard increments `λ1_j = d1_j/Y_j`, `λ2_j = d2_j/Y_j`, treated as independent
//! with variance `d (Y − d) / (Y² (Y − 1))` (a binomial variance with a correction for tied
//! failures; `1/Y²` when `d = 1`). The derivatives are `∂F(t)/∂λ1_j = S⁻_j (1 − (F(t) − F_j)/S_j)`
//! and `∂F(t)/∂λ2_j = −S⁻_j (F(t) − F_j)/S_j`, so
//!
//! ```text
//! Var F(t) = Σ_{t_j ≤ t} S⁻_j² [ v1_j (1 + (F_j − F(t))/S_j)² + v2_j ((F_j − F(t))/S_j)² ]
//! ```
//!
//! (a competing failure with `S_j = 0` contributes nothing, and `1/S_j` is taken as 0 in the
//! cause-of-interest term). Expanding the squares in `F(t)` gives three running sums, so the
//! whole curve is one pass: `Var F(t) = A − 2 F(t) B + F(t)² C`. The variance only changes at
//! times where the cause of interest occurs (elsewhere `F_j = F(t)` and the terms vanish).
//!
//! Curves are reported as cmprsk stores them: a point at time 0, one at each distinct time of
//! the cause, and a last one at the group's largest follow-up time. Landmark values follow
//! `timepoints()`: the value at the last point at or before the time, and undefined (`null`)
//! beyond the group's follow-up.
//!
//! # Gray's test (Gray 1988, Ann. Statist. 16:1141)
//!
//! For the cause of interest, the subdistribution "risk set" of group k just before t is
//! `R_k = Y_k (1 − F⁻_k)/S⁻_k`, and the score for group k is the log-rank-like sum
//! `Σ_t w(t) [d1_k(t) − d1(t) R_k(t)/Σ_r R_r(t)]` with `w = (1 − F⁰⁻)^ρ`, `F⁰` being the pooled
//! estimate `F⁰ = F⁰⁻ + d1/Σ_r h_r`, `h_r = Y_r/S⁻_r`. Its covariance is Gray's martingale
//! estimate as computed by cmprsk's `crstm`: every failure contributes an influence term
//! `a_k(t) + t4_k(t) (c_k(τ) − c_k(t))`, where `a_{ik} = w h_i (δ_ik − h_k/Σh)`, `c` is the
//! running sum `Σ a d1/(Σh (1 − F⁰⁻))` and `t4` is `1 − (1 − F⁰)/S_k` for failures of the cause
//! of interest, `(1 − F⁰)/S_k` for the others, weighted by a hazard-increment variance (with
//! cmprsk's tie corrections). Expanding in `c(τ)` again gives running sums, so the test is one
//! pass over the sorted data (O(n + T·K²) for T distinct times and K groups). The statistic is
//! `s' V⁻¹ s` over the first K−1 groups, chi-square with K−1 df; when `V` is singular cmprsk
//! reports −1, we report an undefined statistic (`null`). Strata (`cuminc(strata=)`) add their
//! scores and covariances.
//!
//! Both need only, per (stratum,) group and distinct time, the numbers failing from each cause
//! and leaving: the rows are sorted once into [`Tallies`] and every curve and both tests run
//! over those cells (a few thousand for whole-day times, however many rows).

use serde::Serialize;

use super::common::{chisq_sf, GroupTimes, StratumCells, Tallies};

/// Cumulative incidence and its variance at a landmark time.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CumincAt {
    pub time: f64,
    /// NaN (`null` in JSON) beyond the group's follow-up, as `timepoints()` gives NA.
    pub estimate: f64,
    pub variance: f64,
    /// √variance.
    pub std_err: f64,
    /// 95% confidence interval, [`loglog_band`].
    pub lower: f64,
    pub upper: f64,
}

impl CumincAt {
    /// The landmark value with its standard error and 95% CI.
    pub fn new(time: f64, estimate: f64, variance: f64) -> CumincAt {
        let (lower, upper) = loglog_band(estimate, variance);
        CumincAt { time, estimate, variance, std_err: variance.sqrt(), lower, upper }
    }
}

/// Step of a cumulative incidence curve (for drawing).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CumincStep {
    pub time: f64,
    pub estimate: f64,
    pub variance: f64,
    /// 95% confidence interval, [`loglog_band`] (the figure's band).
    pub lower: f64,
    pub upper: f64,
}

impl CumincStep {
    /// A step with its 95% CI.
    pub fn new(time: f64, estimate: f64, variance: f64) -> CumincStep {
        let (lower, upper) = loglog_band(estimate, variance);
        CumincStep { time, estimate, variance, lower, upper }
    }
}

/// 95% confidence interval of a cumulative incidence `f` with variance `var` on the
/// log(−log) scale, the usual interval for cmprsk's estimate (cmprsk prints none itself):
/// `se_g = √var / (f |log f|)`, `(f^exp(z·se_g), f^exp(−z·se_g))` with z = 1.959964, which stays
/// inside (0, 1). Where no event has happened (`f = 0`, variance 0) the interval is (0, 0); where
/// it is undefined (`f = 1`, an undefined variance) both ends are NaN (`null`).
/// `tests/r/cuminc_bands.R` computes the same from `cmprsk::cuminc` for the tests.
pub fn loglog_band(f: f64, var: f64) -> (f64, f64) {
    if f == 0.0 && var == 0.0 {
        return (0.0, 0.0);
    }
    if !(f > 0.0 && f < 1.0 && var.is_finite() && var >= 0.0) {
        return (f64::NAN, f64::NAN);
    }
    let se_g = var.sqrt() / (f * f.ln().abs());
    let z = super::common::z95();
    (f.powf((z * se_g).exp()), f.powf((-z * se_g).exp()))
}

/// Cumulative incidence of one cause in one group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CumincCurve {
    pub group: Option<String>,
    /// `event` or `competing`.
    pub cause: &'static str,
    /// Rows in the group.
    pub n: usize,
    /// Failures from this cause in the group.
    pub events: usize,
    /// Time 0, each distinct time of this cause, and the group's last follow-up time.
    pub steps: Vec<CumincStep>,
    pub at: Vec<CumincAt>,
}

/// Gray's test for one cause.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GrayTest {
    pub cause: &'static str,
    /// NaN (`null`) when the covariance matrix is singular (cmprsk reports −1) or undefined
    /// (cmprsk stops): `why` says which.
    pub stat: f64,
    pub df: f64,
    pub p: f64,
    /// Why `stat` is null (the report's warning says it).
    #[serde(skip)]
    pub why: Option<NoStatistic>,
}

/// Why Gray's test gives no statistic ([`GrayTest::why`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoStatistic {
    /// The covariance matrix is (computationally) singular, or its rank could not be settled.
    Singular,
    /// The score or covariance is not finite (a division by zero within a stratum).
    Undefined,
}

/// Curves for each (group, cause); Gray's test per cause when there are ≥ 2 groups.
/// `status`: 0 censored, 1 event, 2 competing. `group` codes index `levels`
/// (`levels` empty = ungrouped; then `group` is all zeros).
pub fn cuminc(time: &[f64], status: &[u8], group: &[u32], levels: &[String], times: &[f64]) -> (Vec<CumincCurve>, Vec<GrayTest>) {
    cuminc_with(time, status, group, levels, None, 0.0, times)
}

/// [`cuminc`] with optional strata for Gray's test (`cuminc(strata=)`) and its weight power
/// `rho` (`cuminc(rho=)`, 0 by default). Strata do not change the curves.
///
/// Rows with a non-finite or negative time, a status other than 0/1/2, or a group code outside
/// `levels` are ignored (the preparation step excludes them with a warning before this point).
pub fn cuminc_with(
    time: &[f64],
    status: &[u8],
    group: &[u32],
    levels: &[String],
    strata: Option<&[u32]>,
    rho: f64,
    times: &[f64],
) -> (Vec<CumincCurve>, Vec<GrayTest>) {
    let n_levels = levels.len().max(1);
    let valid = |i: usize| time[i].is_finite() && time[i] >= 0.0 && status.get(i).map_or(false, |&s| s <= 2);
    // One sort: every curve and both tests run over the (time, stratum, group) cells.
    let tallies = Tallies::new(time, status, Some(group), n_levels, strata, valid);
    let per_group = tallies.per_group();

    // Groups present, in level order, and their compact codes.
    let present: Vec<usize> = (0..n_levels).filter(|&g| !per_group[g].time.is_empty()).collect();
    let mut compact = vec![usize::MAX; n_levels];
    for (k, &g) in present.iter().enumerate() {
        compact[g] = k;
    }

    // Causes present anywhere (cmprsk only reports causes that occur).
    let causes: Vec<(u8, &'static str)> =
        [(1u8, "event"), (2u8, "competing")].into_iter().filter(|&(c, _)| tallies.count.iter().any(|n| n[c as usize] > 0)).collect();

    let mut curves = Vec::new();
    let mut tests = Vec::new();
    for &(cause, label) in &causes {
        for &g in &present {
            let mut curve = incidence_curve(&per_group[g], cause, times);
            curve.group = if levels.is_empty() { None } else { Some(levels[g].clone()) };
            curve.cause = label;
            curves.push(curve);
        }
        if present.len() >= 2 {
            let (stat, df, why) = gray_test(&tallies, &compact, present.len(), cause, rho);
            let p = if stat.is_finite() { chisq_sf(stat, df) } else { f64::NAN };
            tests.push(GrayTest { cause: label, stat, df, p, why });
        }
    }
    (curves, tests)
}

/// Tie-corrected variance factor of a hazard increment `d/y`, times `y²`: `d (y − d)/(y − 1)`,
/// or `d` when `d = 1` (cmprsk's convention).
fn binomial_factor(d: f64, y: f64) -> f64 {
    if d > 1.0 {
        d * (1.0 - (d - 1.0) / (y - 1.0))
    } else {
        d
    }
}

/// Aalen-Johansen curve of `cause` (1 or 2; the other is the competing cause) over one
/// group's distinct times.
fn incidence_curve(gt: &GroupTimes, cause: u8, times: &[f64]) -> CumincCurve {
    let (ci, oi) = if cause == 1 { (1, 2) } else { (2, 1) };
    let n = gt.n_risk.first().map_or(0, |&n| n as usize);
    let mut steps = vec![CumincStep::new(0.0, 0.0, 0.0)];
    let mut surv = 1.0; // all-cause KM just before the current time
    let mut f = 0.0;
    // Var F(t) = a − 2 F(t) b + F(t)² c
    let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
    let mut events = 0usize;
    for j in 0..gt.time.len() {
        let t = gt.time[j];
        let (d1, d2) = (gt.count[j][ci] as f64, gt.count[j][oi] as f64);
        let y = gt.n_risk[j];
        if d1 + d2 > 0.0 {
            let s_after = surv * (y - d1 - d2) / y;
            if d1 > 0.0 {
                f += surv * d1 / y;
            }
            // Competing failures: derivative ∝ (F_j − F(t))/S_j.
            if d2 > 0.0 && s_after > 0.0 {
                let w = surv * surv * binomial_factor(d2, y) / (y * y);
                let g = f / s_after;
                let h = 1.0 / s_after;
                a += w * g * g;
                b += w * g * h;
                c += w * h * h;
            }
            if d1 > 0.0 {
                let w = surv * surv * binomial_factor(d1, y) / (y * y);
                let h = if s_after > 0.0 { 1.0 / s_after } else { 0.0 };
                let g = 1.0 + f * h;
                a += w * g * g;
                b += w * g * h;
                c += w * h * h;
                events += d1 as usize;
                let variance = a - 2.0 * f * b + f * f * c;
                steps.push(CumincStep::new(t, f, variance));
            }
            surv = s_after;
        }
    }
    if let Some(&tmax) = gt.time.last() {
        if let Some(prev) = steps.last().cloned() {
            if tmax > prev.time {
                steps.push(CumincStep { time: tmax, ..prev });
            }
        }
    }
    let at = times
        .iter()
        .map(|&t| {
            // Last point at or before t; undefined before 0 or after the last follow-up.
            let tmax = steps.last().map_or(0.0, |s| s.time);
            let idx = steps.partition_point(|s| s.time <= t);
            if idx == 0 || t > tmax || !t.is_finite() {
                CumincAt::new(t, f64::NAN, f64::NAN)
            } else {
                CumincAt::new(t, steps[idx - 1].estimate, steps[idx - 1].variance)
            }
        })
        .collect();
    CumincCurve { group: None, cause: "event", n, events, steps, at }
}

/// Gray's K-sample test for `cause` (see the module notes) over the rows' tallies;
/// `compact[g]` is the index (0..ng) of group code g among the groups present. Returns
/// (statistic, df, why the statistic is NaN).
fn gray_test(t: &Tallies, compact: &[usize], ng: usize, cause: u8, rho: f64) -> (f64, f64, Option<NoStatistic>) {
    let m = ng - 1;
    let mut score = vec![0.0; m];
    let mut cov = vec![0.0; m * m];
    for st in t.strata() {
        gray_stratum(t, st, compact, ng, cause, rho, &mut score, &mut cov);
    }
    // An undefined score or covariance (e.g. an all-cause survival that reaches 0 in a
    // stratum, so 1 − F⁰ divides by 0) gives no statistic. It must not reach the SVD, whose
    // iterations never end on a NaN.
    if !score.iter().chain(&cov).all(|x| x.is_finite()) {
        return (f64::NAN, m as f64, Some(NoStatistic::Undefined));
    }
    let v = nalgebra::DMatrix::from_row_slice(m, m, &cov);
    let sv = nalgebra::DVector::from_column_slice(&score);
    // Rank check as cmprsk's qr(): a (near-)singular covariance gives no statistic. The SVD is
    // bounded (a few dozen sweeps converge for any finite m × m of this size); a rank it
    // cannot settle counts as singular.
    let Some(svd) = v.clone().try_svd(false, false, f64::EPSILON, 10_000) else {
        return (f64::NAN, m as f64, Some(NoStatistic::Singular));
    };
    let sing = svd.singular_values;
    let smax = sing.iter().cloned().fold(0.0f64, f64::max);
    let smin = sing.iter().cloned().fold(f64::INFINITY, f64::min);
    if !(smax > 0.0) || !(smin > 1e-7 * smax) {
        return (f64::NAN, m as f64, Some(NoStatistic::Singular));
    }
    match v.lu().solve(&sv) {
        Some(x) => (sv.dot(&x), m as f64, None),
        None => (f64::NAN, m as f64, Some(NoStatistic::Singular)),
    }
}

/// Adds one stratum's Gray scores (first ng−1 groups) and covariance (row-major m×m). A term
/// of c whose a is 0 (a group not at risk, or the only group at risk) adds nothing, also where
/// F⁰ has reached 1 and 1 − F⁰ divides by 0 (0·∞ would be NaN): as cmprsk, which gives a
/// statistic there.
#[allow(clippy::too_many_arguments)]
fn gray_stratum(
    t: &Tallies,
    st: StratumCells<'_>,
    compact: &[usize],
    ng: usize,
    cause: u8,
    rho: f64,
    score: &mut [f64],
    cov: &mut [f64],
) {
    let m = ng - 1;
    let (ci, oi) = if cause == 1 { (1, 2) } else { (2, 1) };
    let total = |c: &[u32; 4]| (c[0] + c[1] + c[2] + c[3]) as f64;
    let mut at_risk = vec![0.0f64; ng];
    for pos in 0..st.len() {
        let j = st.cell(pos);
        at_risk[compact[t.group[j] as usize]] += total(&t.count[j]);
    }
    let mut s_left = vec![1.0f64; ng]; // all-cause KM before t, per group
    let mut s_right = vec![1.0f64; ng];
    let mut f_left = vec![0.0f64; ng]; // cumulative incidence of the cause before t
    let mut f_right = vec![0.0f64; ng];
    let mut h = vec![0.0f64; ng];
    let mut pooled = 0.0f64; // F⁰ before t
    let mut a = vec![0.0f64; ng * ng]; // a[i*ng+k]
    let mut c = vec![0.0f64; ng * ng]; // running c[i*ng+k]
    let mut v3 = vec![0.0f64; ng];
    let mut v2 = vec![0.0f64; m * ng];
    let mut vv = vec![0.0f64; m * m];
    let mut d1 = vec![0.0f64; ng];
    let mut d2 = vec![0.0f64; ng];
    let mut dall = vec![0.0f64; ng];
    let mut u = vec![0.0f64; m];
    let mut pos = 0;
    while pos < st.len() {
        let time = t.time[st.cell(pos)];
        d1.iter_mut().for_each(|x| *x = 0.0);
        d2.iter_mut().for_each(|x| *x = 0.0);
        dall.iter_mut().for_each(|x| *x = 0.0);
        while pos < st.len() && t.time[st.cell(pos)] == time {
            let j = st.cell(pos);
            let g = compact[t.group[j] as usize];
            d1[g] += t.count[j][ci] as f64;
            d2[g] += t.count[j][oi] as f64;
            dall[g] += total(&t.count[j]);
            pos += 1;
        }
        let nd1: f64 = d1.iter().sum();
        let nd2: f64 = d2.iter().sum();
        if nd1 + nd2 > 0.0 {
            let mut sum_h = 0.0;
            let mut sum_r = 0.0;
            for k in 0..ng {
                h[k] = 0.0;
                if at_risk[k] > 0.0 {
                    let y = at_risk[k];
                    s_right[k] = s_left[k] * (y - d1[k] - d2[k]) / y;
                    f_right[k] = f_left[k] + s_left[k] * d1[k] / y;
                    h[k] = y / s_left[k];
                    sum_h += h[k];
                    sum_r += y * (1.0 - f_left[k]) / s_left[k];
                }
            }
            let f_now = pooled + nd1 / sum_h;
            let w = (1.0 - pooled).powf(rho);
            for i in 0..ng {
                for k in 0..ng {
                    a[i * ng + k] = if at_risk[i] > 0.0 && at_risk[k] > 0.0 {
                        w * h[i] * (if i == k { 1.0 } else { 0.0 } - h[k] / sum_h)
                    } else {
                        0.0
                    };
                    if nd1 > 0.0 && a[i * ng + k] != 0.0 {
                        c[i * ng + k] += a[i * ng + k] * nd1 / (sum_h * (1.0 - pooled));
                    }
                }
            }
            for i in 0..m {
                if at_risk[i] > 0.0 {
                    score[i] += w * (d1[i] - nd1 * at_risk[i] * (1.0 - f_left[i]) / (s_left[i] * sum_r));
                }
            }
            // Failures from the cause of interest: influence a − t4 c(t) (+ t4 c(τ) at the end).
            if nd1 > 0.0 {
                for k in 0..ng {
                    if at_risk[k] <= 0.0 {
                        continue;
                    }
                    let t4 = if s_right[k] > 0.0 { 1.0 - (1.0 - f_now) / s_right[k] } else { 1.0 };
                    let tie = if nd1 > 1.0 { 1.0 - (nd1 - 1.0) / (sum_h * s_left[k] - 1.0) } else { 1.0 };
                    let wt = tie * s_left[k] * nd1 / (sum_h * at_risk[k]);
                    v3[k] += t4 * t4 * wt;
                    for i in 0..m {
                        u[i] = a[i * ng + k] - t4 * c[i * ng + k];
                        v2[i * ng + k] += u[i] * t4 * wt;
                    }
                    for i in 0..m {
                        for j in 0..=i {
                            vv[i * m + j] += u[i] * u[j] * wt;
                        }
                    }
                }
            }
            // Other failures: influence −t4 c(t) (+ t4 c(τ) at the end).
            if nd2 > 0.0 {
                for k in 0..ng {
                    if s_right[k] <= 0.0 || d2[k] <= 0.0 || at_risk[k] <= 0.0 {
                        continue;
                    }
                    let y = at_risk[k];
                    let t4 = (1.0 - f_now) / s_right[k];
                    let wt = s_left[k] * s_left[k] * binomial_factor(d2[k], y) / (y * y);
                    v3[k] += t4 * t4 * wt;
                    for i in 0..m {
                        u[i] = t4 * c[i * ng + k];
                        v2[i * ng + k] -= u[i] * t4 * wt;
                    }
                    for i in 0..m {
                        for j in 0..=i {
                            vv[i * m + j] += u[i] * u[j] * wt;
                        }
                    }
                }
            }
            pooled = f_now;
            for k in 0..ng {
                if at_risk[k] > 0.0 {
                    s_left[k] = s_right[k];
                    f_left[k] = f_right[k];
                }
            }
        }
        for k in 0..ng {
            at_risk[k] -= dall[k];
        }
    }
    // Terms in c(τ): Σ_k c_ik c_jk v3_k + c_ik v2_jk + c_jk v2_ik.
    for i in 0..m {
        for j in 0..=i {
            let mut x = vv[i * m + j];
            for k in 0..ng {
                x += c[i * ng + k] * c[j * ng + k] * v3[k] + c[i * ng + k] * v2[j * ng + k] + c[j * ng + k] * v2[i * ng + k];
            }
            cov[i * m + j] += x;
            if i != j {
                cov[j * m + i] += x;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300) || (a - b).abs() < 1e-15
    }

    #[test]
    fn gray_test_with_an_undefined_covariance_is_null_not_a_hang() {
        // Random cohort 1221/182 (frequency weights written out as rows): in stratum "south"
        // everyone at risk has the event, so 1 − F⁰ reaches 0. The covariance was NaN and the SVD
        // of the rank check never returned on it; R's cuminc stops (NA/NaN/Inf in qr). With the
        // terms that are 0 left out where 1 − F⁰ is 0 (below), it is finite and singular: still
        // no statistic, and never a hang.
        let t = [13.6, 13.6, 13.6, 52.6, 57.0, 57.0, 81.5, 11.7, 212.3, 212.3, 212.3];
        let s = [1u8, 1, 1, 1, 2, 2, 1, 1, 0, 0, 0];
        let g = [0u32, 0, 0, 1, 0, 0, 2, 1, 3, 3, 3];
        let strata = [0u32, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1];
        let levels: Vec<String> = ["0", "2", "3", "5"].iter().map(|l| l.to_string()).collect();
        let (curves, tests) = cuminc_with(&t, &s, &g, &levels, Some(&strata), 0.0, &[]);
        assert_eq!(curves.len(), 8);
        let event = tests.iter().find(|x| x.cause == "event").unwrap();
        assert!(event.stat.is_nan() && event.p.is_nan());
        assert_eq!(event.df, 3.0);
        assert_eq!(event.why, Some(NoStatistic::Singular));
    }

    #[test]
    fn gray_test_where_the_pooled_incidence_reaches_one() {
        // Random cohort 8002/21: after the last event of group A only "ctl" is at risk, and the
        // pooled F⁰ reaches 1 before ctl's last event. R: cuminc(time, status, grp)$Tests gives
        // stat 2.815081, p 0.09338219 (the terms of a = 0 add nothing where 1 − F⁰ = 0).
        let t = [19.0, 39.0, 46.0, 19.0, 27.0, 86.0, 158.0];
        let s = [0u8, 1, 1, 0, 0, 1, 1];
        let g = [0u32, 0, 0, 1, 1, 1, 1];
        let levels: Vec<String> = ["A", "ctl"].iter().map(|l| l.to_string()).collect();
        let (_, tests) = cuminc_with(&t, &s, &g, &levels, None, 0.0, &[]);
        let event = tests.iter().find(|x| x.cause == "event").unwrap();
        assert!(close(event.stat, 2.815081, 1e-6), "{}", event.stat);
        assert!(close(event.p, 0.09338219, 1e-6), "{}", event.p);
        assert_eq!(event.why, None);
    }

    #[test]
    fn hand_worked_single_group() {
        // time  1 2 2 3 4 4 4 5 6 7 8 9, status 1 2 1 0 1 2 0 1 0 2 1 0.
        // t=1: Y=12, d1=1 → F = 1/12; Var = (1/144)·1 (S after = 11/12, (F_j − F)/S_j = 0).
        // t=2: Y=11, d1=1, d2=1, S⁻=11/12 → F = 1/12 + (11/12)/11 = 1/6.
        // R: cuminc(t, s)$`1 1` has est 0.08333333, 0.1666667, ... and var 0.006944444,
        // 0.012683655; timepoints(r, c(0.5,1,3,9,10)) gives 0, 1/12, 1/6, 0.5229167, NA.
        let t = [1., 2., 2., 3., 4., 4., 4., 5., 6., 7., 8., 9.];
        let s = [1u8, 2, 1, 0, 1, 2, 0, 1, 0, 2, 1, 0];
        let g = [0u32; 12];
        let (curves, tests) = cuminc(&t, &s, &g, &[], &[0.5, 1.0, 3.0, 9.0, 10.0]);
        assert!(tests.is_empty());
        assert_eq!(curves.len(), 2);
        let ev = &curves[0];
        assert_eq!(ev.cause, "event");
        assert_eq!(ev.group, None);
        assert!(close(ev.steps[1].estimate, 1.0 / 12.0, 1e-12));
        assert!(close(ev.steps[1].variance, 1.0 / 144.0, 1e-12));
        assert!(close(ev.steps[2].estimate, 1.0 / 6.0, 1e-12));
        assert!(close(ev.steps[2].variance, 0.012683655, 1e-7));
        let est: Vec<f64> = ev.at.iter().map(|a| a.estimate).collect();
        assert_eq!(est[0], 0.0);
        assert!(close(est[1], 1.0 / 12.0, 1e-12));
        assert!(close(est[2], 1.0 / 6.0, 1e-12));
        assert!(close(est[3], 0.5229167, 1e-6));
        assert!(est[4].is_nan());
        // Competing cause: R's est at 2, 4, 6, 8 are 0.08333333 0.1770833 0.1770833 0.3270833,
        // var 0.007001837 0.01447357 0.01447357 0.03403954.
        let cp = &curves[1];
        assert_eq!(cp.cause, "competing");
        let at = cuminc(&t, &s, &g, &[], &[2.0, 4.0, 6.0, 8.0]).0[1].at.clone();
        let e = [0.08333333, 0.1770833, 0.1770833, 0.3270833];
        let v = [0.007001837, 0.01447357, 0.01447357, 0.03403954];
        for i in 0..4 {
            assert!(close(at[i].estimate, e[i], 1e-6), "{at:?}");
            assert!(close(at[i].variance, v[i], 1e-6), "{at:?}");
        }
        // Last step at the largest follow-up time (9), carrying the last values.
        assert_eq!(cp.steps.last().map(|s| s.time), Some(9.0));
    }

    #[test]
    fn two_groups_without_competing() {
        // R: cuminc(c(1,2,3,4,5,6), c(1,1,0,1,0,0), c(1,1,1,2,2,2))
        // $Tests: stat 2.43811656055412, pv 0.118418332829628 (print(digits = 15); only cause 1
        // occurs); timepoints(., c(0,3,6,7)):
        // group 1: 0, 0.6666667, NA, NA; group 2: 0, 0, 0.3333333, NA.
        let t = [1., 2., 3., 4., 5., 6.];
        let s = [1u8, 1, 0, 1, 0, 0];
        let g = [0u32, 0, 0, 1, 1, 1];
        let levels = vec!["1".to_string(), "2".to_string()];
        let (curves, tests) = cuminc(&t, &s, &g, &levels, &[0.0, 3.0, 6.0, 7.0]);
        assert_eq!(curves.len(), 2);
        assert_eq!(tests.len(), 1);
        assert!(close(tests[0].stat, 2.43811656055412, 1e-10), "{tests:?}");
        assert!(close(tests[0].p, 0.118418332829628, 1e-10), "{tests:?}");
        assert_eq!(tests[0].df, 1.0);
        let a = &curves[0].at;
        assert!(close(a[1].estimate, 2.0 / 3.0, 1e-12) && a[2].estimate.is_nan());
        let b = &curves[1].at;
        assert!(b[1].estimate == 0.0 && close(b[2].estimate, 1.0 / 3.0, 1e-12) && b[3].estimate.is_nan());
    }

    #[test]
    fn singular_covariance_gives_no_statistic() {
        // Group "2" is censored (t = 0.5) before any failure, so it never contributes:
        // R: cuminc(c(0.5,0.5,1,2,3,4), c(0,0,1,2,1,0), c(2,2,1,1,1,1))$Tests has stat −1, pv 1
        // for both causes (its marker of a singular covariance); we report undefined values.
        let t = [0.5, 0.5, 1., 2., 3., 4.];
        let s = [0u8, 0, 1, 2, 1, 0];
        let g = [1u32, 1, 0, 0, 0, 0];
        let levels = vec!["1".to_string(), "2".to_string()];
        let (curves, tests) = cuminc(&t, &s, &g, &levels, &[]);
        assert_eq!(curves.len(), 4);
        assert_eq!(tests.len(), 2);
        for test in &tests {
            assert!(test.stat.is_nan() && test.p.is_nan(), "{test:?}");
            assert_eq!(test.df, 1.0);
            assert_eq!(test.why, Some(NoStatistic::Singular));
        }
        let json = serde_json::to_string(&tests[0]).unwrap_or_default();
        assert!(json.contains("\"stat\":null") && !json.contains("why"), "{json}");
    }
}
