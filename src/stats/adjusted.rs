//! Adjusted survival curves by direct standardisation from a Cox model (R's
//! `survfit(coxph(...), newdata = ...)` averaged over the cohort).
//!
//! ## Method
//! With the fitted coefficients β, each row i has the linear predictor η_i = x_iᵀβ. The
//! baseline cumulative hazard is the Cox model's own (as `survfit.coxph`, whose `ctype`
//! follows the fit's ties): at each distinct time t with d events, risk-set sum
//! S0 = Σ_{time_j ≥ t} exp(η_j) and sum over the d dying rows D = Σ exp(η_j),
//! * Breslow: ΔH0 = d / S0;
//! * Efron: ΔH0 = Σ_{k=0}^{d−1} 1 / (S0 − (k/d)·D) (the dying rows leave the risk set a
//!   fraction at a time, as in the Efron likelihood).
//!
//! The predicted survival of a row with linear predictor η is exp(−H0(t)·exp(η)) (R's default
//! `stype = 2`). The directly standardised curve of group level L is the mean over all rows
//! of the predicted survival with each row's group set to L and its other covariates kept:
//! "the survival the whole cohort would have had, had everyone been in group L". The curves
//! step at every distinct time of the data (events and censorings), as `survfit.coxph`.
//!
//! Linear predictors are centred on their mean before exponentiating (the product H0·exp(η)
//! does not change), so large covariates do not overflow. The mean over rows at every time is
//! a sum of exp(−H·r_i) for many H: taken with power sums of the relative risks in buckets
//! (`RiskMean`: O(buckets) per time instead of O(rows), exact to ~1e-14), or row by row over
//! the distinct values when that is cheaper.

/// One standardised curve.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardisedCurve {
    pub time: Vec<f64>,
    pub surv: Vec<f64>,
}

/// Baseline cumulative hazard of a Cox fit (relative to exp(η − centre)) at every distinct
/// time of `time` (sorted ascending), `efron` choosing the tie handling. With `entry` (delayed
/// entry, the fit's counting-process rows) a row is in the risk set at t when entry < t ≤ time.
pub fn baseline_hazard(time: &[f64], status: &[u8], entry: Option<&[f64]>, eta: &[f64], centre: f64, efron: bool) -> (Vec<f64>, Vec<f64>) {
    let n = time.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    // Rows by entry, latest first: they leave the risk set as t comes down to their entry.
    let mut by_entry: Vec<usize> = if entry.is_some() { (0..n).collect() } else { Vec::new() };
    if let Some(e) = entry {
        by_entry.sort_by(|&a, &b| e[b].total_cmp(&e[a]));
    }
    let mut left = 0;
    let r: Vec<f64> = eta.iter().map(|e| (e - centre).exp()).collect();
    // Distinct times with their risk-set sum, deaths and dying sum, built from the right.
    let mut times = Vec::new();
    let mut incr = Vec::new();
    let mut s0 = 0.0;
    let mut k = n;
    while k > 0 {
        let t = time[order[k - 1]];
        let mut deaths = 0usize;
        let mut dsum = 0.0;
        while k > 0 && time[order[k - 1]] == t {
            let i = order[k - 1];
            s0 += r[i];
            if status[i] == 1 {
                deaths += 1;
                dsum += r[i];
            }
            k -= 1;
        }
        // Rows entered at or after t are not at risk at t (they were added with their exit,
        // which is after their entry, so after t).
        if let Some(e) = entry {
            while left < n && e[by_entry[left]] >= t {
                s0 -= r[by_entry[left]];
                left += 1;
            }
        }
        let h = if deaths == 0 {
            0.0
        } else if efron && deaths > 1 {
            (0..deaths).map(|j| 1.0 / (s0 - j as f64 / deaths as f64 * dsum)).sum()
        } else {
            deaths as f64 / s0
        };
        times.push(t);
        incr.push(h);
    }
    times.reverse();
    incr.reverse();
    let mut acc = 0.0;
    let cum = incr.iter().map(|h| {
        acc += h;
        acc
    });
    let cum: Vec<f64> = cum.collect();
    (times, cum)
}

/// The standardised curve for each set of linear predictors in `eta_by_level` (one entry per
/// group level: every row's η with its group set to that level), from the fit's own rows
/// (`time`, `status`, actual linear predictors `eta`).
pub fn direct_standardisation(time: &[f64], status: &[u8], entry: Option<&[f64]>, eta: &[f64], eta_by_level: &[Vec<f64>], efron: bool) -> Vec<StandardisedCurve> {
    let n = eta.len().max(1) as f64;
    let centre = eta.iter().sum::<f64>() / n;
    let (times, cum) = baseline_hazard(time, status, entry, eta, centre, efron);
    let h_max = cum.last().copied().unwrap_or(0.0);
    eta_by_level
        .iter()
        .map(|lp| {
            let r: Vec<f64> = lp.iter().map(|e| (e - centre).exp()).collect();
            let mean = RiskMean::new(r, h_max);
            let surv = cum.iter().map(|&h| mean.at(h) / n).collect();
            StandardisedCurve { time: times.clone(), surv }
        })
        .collect()
}

/// Terms of the Taylor series of exp(−x) on [0, 1] used per bucket: the remainder is below
/// 1/17! ≈ 3e-15 of the bucket's leading factor.
const TAYLOR_TERMS: usize = 17;

/// Σ_i exp(−H·r_i) for many H in [0, h_max], without one exponential per row and H.
///
/// The sorted r are cut into buckets of width 1/h_max starting at a_b; then
/// exp(−H r) = exp(−H a_b)·exp(−H (r − a_b)) with H(r − a_b) ≤ 1, and the second factor is its
/// Taylor series, so Σ_{i in b} exp(−H r_i) = exp(−H a_b) Σ_m (−H)^m / m! · Σ_i (r_i − a_b)^m:
/// the power sums are computed once, and each H costs O(buckets × terms) instead of O(rows).
/// When that would not be cheaper (few rows, or r spread over many buckets) the sum is taken
/// row by row over the distinct values.
struct RiskMean {
    /// (a_b, power sums Σ (r − a_b)^m, m < TAYLOR_TERMS) per bucket; empty when direct.
    buckets: Vec<(f64, [f64; TAYLOR_TERMS])>,
    /// Distinct r with their counts, for the direct sum.
    distinct: Vec<(f64, f64)>,
}

impl RiskMean {
    fn new(mut r: Vec<f64>, h_max: f64) -> Self {
        r.sort_by(f64::total_cmp);
        let mut distinct: Vec<(f64, f64)> = Vec::new();
        for v in r {
            match distinct.last_mut() {
                Some((x, c)) if *x == v => *c += 1.0,
                _ => distinct.push((v, 1.0)),
            }
        }
        let mut buckets: Vec<(f64, [f64; TAYLOR_TERMS])> = Vec::new();
        if h_max > 0.0 && distinct.len() > 4 * TAYLOR_TERMS {
            let width = 1.0 / h_max;
            for &(v, c) in &distinct {
                if buckets.last().is_none_or(|b| v - b.0 > width) {
                    buckets.push((v, [0.0; TAYLOR_TERMS]));
                    if buckets.len() * TAYLOR_TERMS > distinct.len() {
                        buckets.clear();
                        break;
                    }
                }
                if let Some((a, sums)) = buckets.last_mut() {
                    let d = v - *a;
                    let mut pw = c;
                    for s in sums.iter_mut() {
                        *s += pw;
                        pw *= d;
                    }
                }
            }
        }
        RiskMean { buckets, distinct }
    }

    fn at(&self, h: f64) -> f64 {
        if self.buckets.is_empty() {
            return self.distinct.iter().map(|&(x, c)| c * (-h * x).exp()).sum();
        }
        let mut total = 0.0;
        for (a, sums) in &self.buckets {
            let lead = (-h * a).exp();
            if lead == 0.0 {
                break;
            }
            // Σ_m (−h)^m / m! · sums[m] by Horner's rule from the highest term.
            let mut acc = 0.0;
            for m in (0..TAYLOR_TERMS).rev() {
                acc = sums[m] + acc * (-h) / (m + 1) as f64;
            }
            total += lead * acc;
        }
        total
    }
}

/// The Cox fit a standardised curve comes from, for its standard errors.
pub struct CoxFitColumns<'a> {
    pub time: &'a [f64],
    pub status: &'a [u8],
    /// Delayed entry: row j is at risk at t when entry_j < t ≤ time_j.
    pub entry: Option<&'a [f64]>,
    /// Design columns (the group's indicator columns first).
    pub x: &'a [crate::stats::Col<'a>],
    pub beta: &'a [f64],
    /// Model-based covariance of `beta` (p × p, row-major).
    pub vcov: &'a [f64],
    pub efron: bool,
}

/// Infinitesimal-jackknife standard errors of the directly standardised curves (see
/// "Standard errors" below), one vector per level, aligned with the curves' steps (the distinct
/// times of `fit.time`); a step whose entry of `which` is false gets NaN.
///
/// ## Standard errors
/// The standardised curve θ_L(t) = Σ_i w_i S_i^L(t) / Σ_i w_i is a function of the rows' case
/// weights w (all 1 here) through the average itself, the coefficients β̂(w) and the baseline
/// hazard H0(t; w, β̂). Its robust variance is that of `survfit(..., weights =, robust = TRUE)`
/// and `coxph(..., robust = TRUE)`: Σ_j (w_j ∂θ/∂w_j)² (the infinitesimal jackknife), with
/// ∂θ_L(t)/∂w_j = (S_j^L − θ_L)/n − A·∂H0(t)/∂w_j − H0(t)·Bᵀ ∂β/∂w_j, where
/// A = mean_i S_i^L r_i^L and B = mean_i S_i^L r_i^L x_i^L (r = exp(η − centre));
/// ∂β/∂w_j = V U_j (V the model-based covariance, U_j row j's score residual, R's
/// `residuals(fit, "dfbeta")`); and, at each event time k with d_k deaths written as a sum of
/// terms a_m / den_m, den_m = S0 − f_m D (Breslow: one term a = d, f = 0; Efron: a = 1, f = m/d,
/// m < d; D the dying rows' risk), ∂ΔH_k/∂w_j = [j dies at k]·Σ da_m/den_m (da = 1 Breslow,
/// 1/d Efron) − r_j·Σ a_m (Y_jk − f_m [j dies at k]) / den_m² − (Σ a_m x̄_km / den_m)ᵀ ∂β/∂w_j,
/// x̄_km = (S1 − f_m D1)/den_m. With delayed entry Y_jk = [entry_j < t_k ≤ time_j], so each
/// row's sums over event times (its score residual and its Y term) run from its entry on.
/// Checked against R by numerical differentiation of R's own
/// `survfit(coxph(..., weights = w), newdata)` average, with and without entry
/// (`tests/r/adjusted_bands.R`).
///
/// Cost: O(n·p) per level and step evaluated.
pub fn standardised_se(fit: &CoxFitColumns, level_x: &[Vec<f64>], which: &[bool]) -> Vec<Vec<f64>> {
    let n = fit.time.len();
    let p = fit.x.len();
    let g = level_x.first().map_or(0, |l| l.len());
    let eta: Vec<f64> = (0..n).map(|i| (0..p).map(|c| fit.x[c][i] * fit.beta[c]).sum()).collect();
    let centre = eta.iter().sum::<f64>() / n.max(1) as f64;
    let r: Vec<f64> = eta.iter().map(|e| (e - centre).exp()).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| fit.time[a].total_cmp(&fit.time[b]));
    // Distinct times (ascending) and each row's index among them.
    let mut times: Vec<f64> = Vec::new();
    let mut at = vec![0usize; n];
    for &i in &order {
        if times.last() != Some(&fit.time[i]) {
            times.push(fit.time[i]);
        }
        at[i] = times.len() - 1;
    }
    let nt = times.len();
    // With delayed entry: each row's last time index at or before its entry (None: at risk from
    // the first time on).
    let entered: Vec<Option<usize>> = match fit.entry {
        Some(e) => e.iter().map(|&x| times.partition_point(|&t| t <= x).checked_sub(1)).collect(),
        None => vec![None; n],
    };
    let EventSums { dh, gk, ck, fk, fh, gx, ex, fx } = event_sums(fit, &r, &order, &at, nt, &entered);
    // Cumulative sums over times ≤ t.
    let cum = |v: &[f64]| {
        let mut acc = 0.0;
        v.iter().map(|x| {
            acc += x;
            acc
        }).collect::<Vec<f64>>()
    };
    let (hcum, ccum) = (cum(&dh), cum(&ck));
    let mut ecum = vec![vec![0.0; p]; nt];
    let mut acc = vec![0.0; p];
    for t in 0..nt {
        for c in 0..p {
            acc[c] += ex[t][c];
        }
        ecum[t].clone_from(&acc);
    }
    // dfbeta of each row: V U_j.
    let dbeta: Vec<Vec<f64>> = (0..n)
        .map(|j| {
            let kj = at[j];
            let ev = fit.status[j] == 1;
            let u: Vec<f64> = (0..p)
                .map(|c| {
                    let xj = fit.x[c][j];
                    let (h0, e0) = entered[j].map_or((0.0, 0.0), |e| (hcum[e], ecum[e][c]));
                    let mut u = -r[j] * (xj * (hcum[kj] - h0) - (ecum[kj][c] - e0));
                    if ev {
                        u += xj - gx[kj][c] + r[j] * (xj * fh[kj] - fx[kj][c]);
                    }
                    u
                })
                .collect();
            (0..p).map(|a| (0..p).map(|b| fit.vcov[a * p + b] * u[b]).sum()).collect()
        })
        .collect();
    let nf = n as f64;
    level_x
        .iter()
        .map(|lx| {
            // Each row's η and covariates with the group set to this level.
            let shift: Vec<f64> = (0..n).map(|i| (0..g).map(|c| (lx[c] - fit.x[c][i]) * fit.beta[c]).sum()).collect();
            let rl: Vec<f64> = (0..n).map(|i| (eta[i] + shift[i] - centre).exp()).collect();
            let xl = |c: usize, i: usize| if c < g { lx[c] } else { fit.x[c][i] };
            (0..nt)
                .map(|t| {
                    if !which.get(t).copied().unwrap_or(false) {
                        return f64::NAN;
                    }
                    let h = hcum[t];
                    let s: Vec<f64> = rl.iter().map(|&x| (-h * x).exp()).collect();
                    let theta = s.iter().sum::<f64>() / nf;
                    let a = s.iter().zip(&rl).map(|(s, r)| s * r).sum::<f64>() / nf;
                    let bvec: Vec<f64> = (0..p).map(|c| (0..n).map(|i| s[i] * rl[i] * xl(c, i)).sum::<f64>() / nf).collect();
                    let coef: Vec<f64> = (0..p).map(|c| a * ecum[t][c] - h * bvec[c]).collect();
                    let mut var = 0.0;
                    for j in 0..n {
                        let kj = at[j];
                        let last = kj.min(t);
                        let mut dh0 = match entered[j] {
                            None => -r[j] * ccum[last],
                            Some(e) if e < last => -r[j] * (ccum[last] - ccum[e]),
                            Some(_) => 0.0,
                        };
                        if fit.status[j] == 1 && kj <= t {
                            dh0 += gk[kj] + r[j] * fk[kj];
                        }
                        let infl = (s[j] - theta) / nf - a * dh0 + (0..p).map(|c| coef[c] * dbeta[j][c]).sum::<f64>();
                        var += infl * infl;
                    }
                    var.sqrt()
                })
                .collect()
        })
        .collect()
}

/// Per distinct time (of [`standardised_se`]): the baseline hazard's increment and the pieces of
/// its derivatives, each a sum over the time's terms a_m / den_m.
struct EventSums {
    /// Σ a/den (the increment ΔH0).
    dh: Vec<f64>,
    /// Σ da/den.
    gk: Vec<f64>,
    /// Σ a/den².
    ck: Vec<f64>,
    /// Σ a f/den².
    fk: Vec<f64>,
    /// Σ a f/den.
    fh: Vec<f64>,
    /// Σ da x̄, per column.
    gx: Vec<Vec<f64>>,
    /// Σ a x̄/den, per column.
    ex: Vec<Vec<f64>>,
    /// Σ a f x̄/den, per column.
    fx: Vec<Vec<f64>>,
}

/// One sweep from the last time to the first: rows join the risk sums S0, S1 at their exit time
/// (`order` by time, `at` each row's time index) and, with delayed entry, leave them before the
/// first time not after their entry (`entered`).
fn event_sums(fit: &CoxFitColumns, r: &[f64], order: &[usize], at: &[usize], nt: usize, entered: &[Option<usize>]) -> EventSums {
    let (n, p) = (fit.time.len(), fit.x.len());
    // The rows with an entry, latest first, to leave the sums.
    let mut by_entry: Vec<usize> = (0..n).filter(|&i| entered[i].is_some()).collect();
    by_entry.sort_by_key(|&i| std::cmp::Reverse(entered[i]));
    let mut leaving = by_entry.iter().peekable();
    let mut e = EventSums {
        dh: vec![0.0; nt],
        gk: vec![0.0; nt],
        ck: vec![0.0; nt],
        fk: vec![0.0; nt],
        fh: vec![0.0; nt],
        gx: vec![vec![0.0; p]; nt],
        ex: vec![vec![0.0; p]; nt],
        fx: vec![vec![0.0; p]; nt],
    };
    let (mut s0, mut s1) = (0.0, vec![0.0; p]);
    let mut k = n;
    for t in (0..nt).rev() {
        // Rows that entered at or after this time leave the risk set (they were added at their
        // own later exit).
        while let Some(&&i) = leaving.peek() {
            if entered[i].is_none_or(|x| x < t) {
                break;
            }
            s0 -= r[i];
            for c in 0..p {
                s1[c] -= r[i] * fit.x[c][i];
            }
            leaving.next();
        }
        let (mut d, mut dsum, mut d1) = (0usize, 0.0, vec![0.0; p]);
        while k > 0 && at[order[k - 1]] == t {
            let i = order[k - 1];
            s0 += r[i];
            for c in 0..p {
                s1[c] += r[i] * fit.x[c][i];
            }
            if fit.status[i] == 1 {
                d += 1;
                dsum += r[i];
                for c in 0..p {
                    d1[c] += r[i] * fit.x[c][i];
                }
            }
            k -= 1;
        }
        if d == 0 {
            continue;
        }
        let terms: Vec<(f64, f64, f64)> = if fit.efron && d > 1 { (0..d).map(|m| (1.0, 1.0 / d as f64, m as f64 / d as f64)).collect() } else { vec![(d as f64, 1.0, 0.0)] };
        for (a, da, f) in terms {
            let den = s0 - f * dsum;
            e.dh[t] += a / den;
            e.gk[t] += da / den;
            e.ck[t] += a / (den * den);
            e.fk[t] += a * f / (den * den);
            e.fh[t] += a * f / den;
            for c in 0..p {
                let xbar = (s1[c] - f * d1[c]) / den;
                e.gx[t][c] += da * xbar;
                e.ex[t][c] += a * xbar / den;
                e.fx[t][c] += a * f * xbar / den;
            }
        }
    }
    e
}

/// The curve's value at `t` (the last step at or before t; 1 before the first).
pub fn surv_at(curve: &StandardisedCurve, t: f64) -> f64 {
    match curve.time.partition_point(|&x| x <= t) {
        0 => 1.0,
        k => curve.surv[k - 1],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three rows, times 1 (event), 2 (event), 3 (censored); η = 0, log 2, 0 (r = 1, 2, 1).
    /// Breslow: ΔH0(1) = 1/(1+2+1) = 1/4, ΔH0(2) = 1/(2+1) = 1/3, ΔH0(3) = 0.
    #[test]
    fn breslow_baseline_by_hand() {
        let eta = [0.0, 2f64.ln(), 0.0];
        let (t, h) = baseline_hazard(&[1.0, 2.0, 3.0], &[1, 1, 0], None, &eta, 0.0, false);
        assert_eq!(t, vec![1.0, 2.0, 3.0]);
        for (a, b) in h.iter().zip([0.25, 0.25 + 1.0 / 3.0, 0.25 + 1.0 / 3.0]) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    /// Delayed entry: rows (0,2] event, (2.5,3] event, (0,4] censored, r = 1, 2, 1. At 2 the
    /// second row has not entered: ΔH0(2) = 1/(1+1); at 3 the first has left: ΔH0(3) = 1/(2+1).
    #[test]
    fn baseline_with_delayed_entry_by_hand() {
        let eta = [0.0, 2f64.ln(), 0.0];
        let (t, h) = baseline_hazard(&[2.0, 3.0, 4.0], &[1, 1, 0], Some(&[0.0, 2.5, 0.0]), &eta, 0.0, false);
        assert_eq!(t, vec![2.0, 3.0, 4.0]);
        for (a, b) in h.iter().zip([0.5, 0.5 + 1.0 / 3.0, 0.5 + 1.0 / 3.0]) {
            assert!((a - b).abs() < 1e-15, "{h:?}");
        }
    }

    /// Two tied events at time 1 among rows with r = 1, 1, 2 (the third censored at 2):
    /// S0 = 4, D = 2. Efron: 1/4 + 1/(4 − 1) = 7/12; Breslow: 2/4.
    #[test]
    fn efron_baseline_by_hand() {
        let eta = [0.0, 0.0, 2f64.ln()];
        let (_, efron) = baseline_hazard(&[1.0, 1.0, 2.0], &[1, 1, 0], None, &eta, 0.0, true);
        let (_, breslow) = baseline_hazard(&[1.0, 1.0, 2.0], &[1, 1, 0], None, &eta, 0.0, false);
        assert!((efron[0] - 7.0 / 12.0).abs() < 1e-15);
        assert!((breslow[0] - 0.5).abs() < 1e-15);
    }

    /// The bucketed Taylor sum equals the direct one (to 1e-13 relative) for spread-out risks.
    #[test]
    fn bucketed_sum_equals_the_direct_sum() {
        let r: Vec<f64> = (0..5000).map(|i| ((i as f64 * 0.7391).sin() * 2.5).exp()).collect();
        let h_max = 3.0;
        let fast = RiskMean::new(r.clone(), h_max);
        assert!(!fast.buckets.is_empty() && fast.buckets.len() < 300, "{}", fast.buckets.len());
        for h in [0.0, 1e-4, 0.01, 0.3, 1.0, 2.999, 3.0] {
            let direct: f64 = r.iter().map(|x| (-h * x).exp()).sum();
            let got = fast.at(h);
            assert!((got - direct).abs() <= 1e-13 * direct.max(1e-300), "h = {h}: {got} vs {direct}");
        }
        // Few distinct values: direct.
        assert!(RiskMean::new(vec![1.0, 2.0, 2.0], 1.0).buckets.is_empty());
    }

    /// The standardised curve averages exp(−H0 r) over rows; centring does not change it.
    /// Rows as in the Breslow example; with every row's η set to 0 (r = 1 relative to η = 0)
    /// S(1) = exp(−1/4), S(2) = exp(−7/12).
    #[test]
    fn standardised_curve_by_hand() {
        let eta = [0.0, 2f64.ln(), 0.0];
        let c = direct_standardisation(&[1.0, 2.0, 3.0], &[1, 1, 0], None, &eta, &[vec![0.0; 3], eta.to_vec()], false);
        assert!((c[0].surv[0] - (-0.25f64).exp()).abs() < 1e-14);
        assert!((c[0].surv[1] - (-7.0f64 / 12.0).exp()).abs() < 1e-14);
        // Actual η: mean of exp(−H r) with r = 1, 2, 1.
        let want = (2.0 * (-0.25f64).exp() + (-0.5f64).exp()) / 3.0;
        assert!((c[1].surv[0] - want).abs() < 1e-14);
        assert_eq!(surv_at(&c[0], 0.5), 1.0);
        assert_eq!(surv_at(&c[0], 2.5), c[0].surv[1]);
    }
}
