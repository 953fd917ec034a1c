//! The G-rho family of k-sample tests (`survdiff`), stratified; pairwise comparisons with Holm
//! adjustment; a test for trend across ordered groups.
//!
//! ## Method
//! Within each stratum, at every distinct event time t with n at risk and d events, group g
//! contributes observed d_g and expected n_g·d/n, weighted by w = S(t−)^rho where S is the
//! pooled Kaplan-Meier curve of that stratum just before t (rho = 0: log-rank; rho = 1:
//! Peto-Peto, as `survdiff`). The hypergeometric covariance is
//! w² · d (n − d)/(n − 1) · (n_g/n) (δ_gh − n_h/n). Sums run over times and strata; the
//! statistic is U' V⁻ U over the first k − 1 groups, with df = rank of V.

use nalgebra::DMatrix;
use serde::Serialize;

use super::common::{holm, order_by_time, TestResult};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PairwiseTest {
    pub a: String,
    pub b: String,
    pub chisq: f64,
    pub p: f64,
    pub p_adjusted: f64,
}

/// Observed − expected per group and its covariance matrix, summed over strata.
pub struct ScoreParts {
    pub obs: Vec<f64>,
    pub exp: Vec<f64>,
    pub var: DMatrix<f64>,
}

/// Accumulate O, E and V for groups `0..k` (rows whose group code is ≥ k are ignored).
pub fn score_parts(time: &[f64], status: &[u8], group: &[u32], k: usize, strata: Option<&[u32]>, rho: f64) -> ScoreParts {
    let mut obs = vec![0.0; k];
    let mut exp = vec![0.0; k];
    let mut var = DMatrix::<f64>::zeros(k, k);
    // Order rows by (stratum, time).
    let mut idx: Vec<usize> = order_by_time(time).into_iter().filter(|&i| (group[i] as usize) < k).collect();
    if let Some(s) = strata {
        idx.sort_by_key(|&i| s[i]); // stable: time order kept within stratum
    }
    let stratum = |i: usize| strata.map(|s| s[i]).unwrap_or(0);
    let mut start = 0;
    let mut n_g = vec![0.0; k];
    let mut d_g = vec![0.0; k];
    while start < idx.len() {
        let st = stratum(idx[start]);
        let mut end = start;
        while end < idx.len() && stratum(idx[end]) == st {
            end += 1;
        }
        // At-risk counts at the start of this stratum.
        n_g.iter_mut().for_each(|x| *x = 0.0);
        for &i in &idx[start..end] {
            n_g[group[i] as usize] += 1.0;
        }
        let mut km = 1.0f64;
        let mut i = start;
        while i < end {
            let t = time[idx[i]];
            d_g.iter_mut().for_each(|x| *x = 0.0);
            let mut leaving = Vec::new();
            let mut j = i;
            while j < end && time[idx[j]] == t {
                let r = idx[j];
                if status[r] == 1 {
                    d_g[group[r] as usize] += 1.0;
                }
                leaving.push(group[r] as usize);
                j += 1;
            }
            let n: f64 = n_g.iter().sum();
            let d: f64 = d_g.iter().sum();
            if d > 0.0 {
                let w = if rho == 0.0 { 1.0 } else { km.powf(rho) };
                for g in 0..k {
                    obs[g] += w * d_g[g];
                    exp[g] += w * n_g[g] * d / n;
                }
                if n > 1.0 {
                    let c = w * w * d * (n - d) / (n - 1.0);
                    for g in 0..k {
                        for h in 0..k {
                            let delta = if g == h { 1.0 } else { 0.0 };
                            var[(g, h)] += c * (n_g[g] / n) * (delta - n_g[h] / n);
                        }
                    }
                }
                km *= 1.0 - d / n;
            }
            for g in leaving {
                n_g[g] -= 1.0;
            }
            i = j;
        }
        start = end;
    }
    ScoreParts { obs, exp, var }
}

/// U' V⁻ U using a generalized inverse via the symmetric eigen-decomposition; df = rank.
pub fn quadratic_form(u: &[f64], v: &DMatrix<f64>) -> (f64, f64) {
    let k = u.len();
    if k == 0 {
        return (f64::NAN, 0.0);
    }
    let eig = v.clone().symmetric_eigen();
    let maxev = eig.eigenvalues.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    let tol = maxev * 1e-10;
    let mut stat = 0.0;
    let mut rank = 0.0;
    for (j, &lambda) in eig.eigenvalues.iter().enumerate() {
        if lambda > tol {
            rank += 1.0;
            let proj: f64 = (0..k).map(|i| eig.eigenvectors[(i, j)] * u[i]).sum();
            stat += proj * proj / lambda;
        }
    }
    (stat, rank)
}

/// `survdiff(Surv(time, status == 1) ~ group + strata(strata), rho = rho)`.
/// `group` holds codes `0..n_groups`; `strata` codes, when given.
pub fn survdiff(time: &[f64], status: &[u8], group: &[u32], n_groups: usize, strata: Option<&[u32]>, rho: f64) -> TestResult {
    let parts = score_parts(time, status, group, n_groups, strata, rho);
    let u: Vec<f64> = parts.obs.iter().zip(&parts.exp).map(|(o, e)| o - e).collect();
    // Drop the last group (the statistic is invariant to which one), as survdiff does.
    let k = n_groups.saturating_sub(1);
    let v = parts.var.view((0, 0), (k, k)).into_owned();
    let (chisq, df) = quadratic_form(&u[..k], &v);
    if df == 0.0 {
        return TestResult { chisq: f64::NAN, df: 0.0, p: f64::NAN };
    }
    TestResult::chisq(chisq, df)
}

/// Every pair of groups, `a` before `b` in level order, with Holm-adjusted p-values.
pub fn pairwise(time: &[f64], status: &[u8], group: &[u32], levels: &[String], strata: Option<&[u32]>, rho: f64) -> Vec<PairwiseTest> {
    let mut out = Vec::new();
    for a in 0..levels.len() {
        for b in a + 1..levels.len() {
            let rows: Vec<usize> = (0..time.len()).filter(|&i| group[i] == a as u32 || group[i] == b as u32).collect();
            let t: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
            let s: Vec<u8> = rows.iter().map(|&i| status[i]).collect();
            let g: Vec<u32> = rows.iter().map(|&i| if group[i] == a as u32 { 0 } else { 1 }).collect();
            let st: Option<Vec<u32>> = strata.map(|s| rows.iter().map(|&i| s[i]).collect());
            let r = survdiff(&t, &s, &g, 2, st.as_deref(), rho);
            out.push(PairwiseTest { a: levels[a].clone(), b: levels[b].clone(), chisq: r.chisq, p: r.p, p_adjusted: f64::NAN });
        }
    }
    let adj = holm(&out.iter().map(|p| p.p).collect::<Vec<_>>());
    for (p, a) in out.iter_mut().zip(adj) {
        p.p_adjusted = a;
    }
    out
}

/// Test for trend across ordered groups with the given scores (1 df): (Σ s_g (O_g − E_g))² /
/// s' V s, as `survdiff` with a score-weighted contrast (Collett's trend test).
pub fn trend(time: &[f64], status: &[u8], group: &[u32], scores: &[f64], strata: Option<&[u32]>, rho: f64) -> TestResult {
    let k = scores.len();
    let parts = score_parts(time, status, group, k, strata, rho);
    let u: f64 = (0..k).map(|g| scores[g] * (parts.obs[g] - parts.exp[g])).sum();
    let mut v = 0.0;
    for g in 0..k {
        for h in 0..k {
            v += scores[g] * scores[h] * parts.var[(g, h)];
        }
    }
    if !(v > 0.0) {
        return TestResult { chisq: f64::NAN, df: 1.0, p: f64::NAN };
    }
    TestResult::chisq(u * u / v, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_groups_hand_worked() {
        // Group 0: 1, 3 ; group 1: 2, 4 (all events).
        // t=1: n=(2,2) d=1 → E0 = .5, V = 1·3/3·(.5)(.5) = .25
        // t=2: n=(1,2) d=1 → E0 = 1/3, V = 1·2/2·(1/3)(2/3) = 2/9
        // t=3: n=(1,1) d=1 → E0 = .5, V = .25 ; t=4: n=(0,1) → E0 = 0, V = 0
        // O0 = 2, E0 = 4/3, V = .25 + 2/9 + .25 = 13/18 → chisq = (2/3)² / (13/18) = 8/13
        let r = survdiff(&[1.0, 3.0, 2.0, 4.0], &[1, 1, 1, 1], &[0, 0, 1, 1], 2, None, 0.0);
        assert!((r.chisq - 8.0 / 13.0).abs() < 1e-12, "{r:?}");
        assert_eq!(r.df, 1.0);
    }

    #[test]
    fn invariant_to_row_order() {
        let t = [5.0, 3.0, 8.0, 1.0, 9.0, 2.0, 7.0];
        let s = [1, 0, 1, 1, 1, 1, 0];
        let g = [0, 1, 2, 0, 1, 2, 1];
        let a = survdiff(&t, &s, &g, 3, None, 0.0);
        let perm = [6, 2, 4, 0, 1, 5, 3];
        let t2: Vec<f64> = perm.iter().map(|&i| t[i]).collect();
        let s2: Vec<u8> = perm.iter().map(|&i| s[i]).collect();
        let g2: Vec<u32> = perm.iter().map(|&i| g[i]).collect();
        let b = survdiff(&t2, &s2, &g2, 3, None, 0.0);
        assert!((a.chisq - b.chisq).abs() < 1e-12);
    }
}
