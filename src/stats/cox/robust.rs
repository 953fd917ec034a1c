//! Cluster-robust (sandwich) variance and R's robust score test, from the score residuals.
//!
//! The dfbeta residuals are D = (score residuals)·V, summed within clusters (each row its own
//! cluster when only case weights are given), and V_robust = DᵀD, as `coxph(..., cluster = ,
//! robust = TRUE)`. R's robust score test (`rscore`) collapses the score residuals at β = 0 by
//! cluster: T = Σ_c t_c t_cᵀ, u0 = Σ_c t_c, chi-square u0ᵀT⁻¹u0. The score residual of a row is
//! in the module notes of [`super`].

use super::fit::{Data, Work};
use super::linalg::quad_form;
use crate::stats::common::TestResult;

/// The robust variance (original units, row-major p × p) and the robust score test.
pub(super) struct Robust {
    pub(super) var: Vec<f64>,
    pub(super) score_test: TestResult,
}

/// `beta_s` and `var_s` (the model-based variance, I⁻¹) in the fit's centred and scaled units,
/// `scale` each column's factor; `cluster` by input row, codes `0..`, or None for each row its
/// own cluster (case weights without a cluster).
///
/// D = T·V with T the score residuals summed by cluster (weighted by the case weights), so
/// DᵀD = V (TᵀT) V: the p × p "meat" TᵀT is accumulated directly (per row when each row is
/// its own cluster), with no n × p matrix of dfbetas.
pub(super) fn robust_variance(data: &Data, work: &mut Work, beta_s: &[f64], var_s: &[f64], scale: &[f64], cluster: Option<&[u32]>) -> Robust {
    let p = data.p;
    let res = data.score_residuals(beta_s, work);
    let (meat, _) = cluster_crossprod(data, &res, cluster);
    drop(res);
    // V M V (V symmetric), then back to the original units.
    let mut vm = vec![0.0; p * p];
    for j in 0..p {
        for k in 0..p {
            let a = var_s[j * p + k];
            for l in 0..p {
                vm[j * p + l] += a * meat[k * p + l];
            }
        }
    }
    let mut var = vec![0.0; p * p];
    for j in 0..p {
        for l in 0..p {
            let v: f64 = (0..p).map(|k| vm[j * p + k] * var_s[k * p + l]).sum();
            var[j * p + l] = v * scale[j] * scale[l];
        }
    }
    let res0 = data.score_residuals(&vec![0.0; p], work);
    let (meat0, u0) = cluster_crossprod(data, &res0, cluster);
    let score_test = TestResult::chisq(quad_form(&meat0, &u0, p), p as f64);
    Robust { var, score_test }
}

/// For the score residuals `res` (n × p, sorted rows): with t_c the sum over cluster c of the
/// rows' residuals times their case weight, Σ_c t_c t_cᵀ (p × p) and Σ_c t_c.
fn cluster_crossprod(data: &Data, res: &[f64], cluster: Option<&[u32]>) -> (Vec<f64>, Vec<f64>) {
    let p = data.p;
    let wt = |i: usize| data.wt.as_ref().map_or(1.0, |w| w[i]);
    let mut m = vec![0.0; p * p];
    let mut u = vec![0.0; p];
    let mut add = |t: &[f64]| {
        for j in 0..p {
            u[j] += t[j];
            for l in 0..=j {
                m[j * p + l] += t[j] * t[l];
            }
        }
    };
    match cluster {
        None => {
            let mut t = vec![0.0; p];
            for (i, r) in res.chunks_exact(p).enumerate() {
                let w = wt(i);
                t.iter_mut().zip(r).for_each(|(a, b)| *a = w * b);
                add(&t);
            }
        }
        Some(cl) => {
            let nc = cl.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            let mut sums = vec![0.0; nc * p];
            for (i, r) in res.chunks_exact(p).enumerate() {
                let (c, w) = (cl[data.row[i]] as usize, wt(i));
                sums[c * p..(c + 1) * p].iter_mut().zip(r).for_each(|(a, b)| *a += w * b);
            }
            sums.chunks_exact(p).for_each(|t| add(t));
        }
    }
    for j in 0..p {
        for l in 0..j {
            m[l * p + j] = m[j * p + l];
        }
    }
    (m, u)
}

impl Data {
    /// Score residuals (n × p, row-major, sorted order) at `beta`, unweighted: with case
    /// weights the risk sets are weighted and the caller multiplies each row by its weight
    /// (R's `residuals(fit, "dfbeta", weighted = TRUE)`).
    pub(super) fn score_residuals(&self, beta: &[f64], w: &mut Work) -> Vec<f64> {
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
