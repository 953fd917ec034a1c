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
/// its own cluster), with no n × p matrix of dfbetas. The residuals at the fitted β and at
/// β = 0 (for the score test) come from one pair of passes ([`Data::score_meats`]).
pub(super) fn robust_variance(data: &Data, work: &mut Work, beta_s: &[f64], var_s: &[f64], scale: &[f64], cluster: Option<&[u32]>) -> Robust {
    let p = data.p;
    let Meats { meat, meat0, u0 } = data.score_meats(beta_s, work, cluster);
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
    let score_test = TestResult::chisq(quad_form(&meat0, &u0, p), p as f64);
    Robust { var, score_test }
}

/// With t_c the sum over cluster c of the rows' score residuals times their case weight:
/// Σ_c t_c t_cᵀ (p × p, full) at the fitted β (`meat`) and at β = 0 (`meat0`), and Σ_c t_c at
/// β = 0 (`u0`).
struct Meats {
    meat: Vec<f64>,
    meat0: Vec<f64>,
    u0: Vec<f64>,
}

/// Where the forward passes put each row's weighted score residuals (at β: 0, at β = 0: 1):
/// straight into the cross-products when each row is its own cluster, else into its
/// cluster's sums.
struct Residuals<'a> {
    cluster: Option<&'a [u32]>,
    sums: &'a mut [Vec<f64>; 2],
    cross: &'a mut [CrossProd; 2],
}

impl Residuals<'_> {
    // Always inlined: a call per row and β cost as much as the row's arithmetic in wasm.
    #[inline(always)]
    fn add(&mut self, b: usize, row: usize, t: &[f64]) {
        match self.cluster {
            None => self.cross[b].add(t),
            Some(cl) => {
                let p = t.len();
                let c = cl[row] as usize;
                self.sums[b][c * p..(c + 1) * p].iter_mut().zip(t).for_each(|(a, v)| *a += v);
            }
        }
    }
}

// Tests only: run the general forward pass on data without delayed entry too, to check the
// plain one against it.
#[cfg(test)]
thread_local! {
    static FORCE_GENERAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn force_general() -> bool {
    FORCE_GENERAL.with(|f| f.get())
}

#[cfg(not(test))]
#[inline]
fn force_general() -> bool {
    false
}

/// Σ t tᵀ (lower triangle) and Σ t of the vectors added.
struct CrossProd {
    p: usize,
    m: Vec<f64>,
    u: Vec<f64>,
}

impl CrossProd {
    fn new(p: usize) -> Self {
        CrossProd { p, m: vec![0.0; p * p], u: vec![0.0; p] }
    }
    #[inline(always)]
    fn add(&mut self, t: &[f64]) {
        let p = self.p;
        for j in 0..p {
            self.u[j] += t[j];
            let row = &mut self.m[j * p..j * p + j + 1];
            for (a, &tl) in row.iter_mut().zip(&t[..=j]) {
                *a += t[j] * tl;
            }
        }
    }
    /// The full symmetric matrix.
    fn full(mut self) -> (Vec<f64>, Vec<f64>) {
        let p = self.p;
        for j in 0..p {
            for l in 0..j {
                self.m[l * p + j] = self.m[j * p + l];
            }
        }
        (self.m, self.u)
    }
}

/// Per time group, the sums of the score residuals' hazard terms at one β (see
/// [`Data::score_meats`]): h = Σ_k m/den_k, hd = Σ_k m(1−k/d)/den_k (m the mean weight of the
/// dying rows, 1 without weights), the same weighted x̄_k sums (xh, xhd), and the mean of the
/// x̄_k (xbm).
struct Hazards {
    h: Vec<f64>,
    hd: Vec<f64>,
    xh: Vec<f64>,
    xhd: Vec<f64>,
    xbm: Vec<f64>,
}

/// Running risk-set sums of the reverse-time pass at one β.
struct RiskSums {
    s0: f64,
    s1: Vec<f64>,
    ds0: f64,
    d1: Vec<f64>,
}

impl Hazards {
    fn new(ng: usize, p: usize) -> Self {
        Hazards { h: vec![0.0; ng], hd: vec![0.0; ng], xh: vec![0.0; ng * p], xhd: vec![0.0; ng * p], xbm: vec![0.0; ng * p] }
    }

    /// The group `gi`'s terms from the risk-set sums `rs` (its d deaths of weight `deadwt`).
    fn group(&mut self, gi: usize, p: usize, d: usize, deadwt: f64, efron: bool, rs: &RiskSums) {
        let df = d as f64;
        let meanwt = deadwt / df;
        let (steps, mult) = if efron { (d, meanwt) } else { (1, deadwt) };
        for k in 0..steps {
            let f = if efron { k as f64 / df } else { 0.0 };
            let den = rs.s0 - f * rs.ds0;
            self.h[gi] += mult / den;
            self.hd[gi] += mult * (1.0 - f) / den;
            for j in 0..p {
                let xb = (rs.s1[j] - f * rs.d1[j]) / den;
                self.xh[gi * p + j] += mult * xb / den;
                self.xhd[gi * p + j] += mult * (1.0 - f) * xb / den;
                self.xbm[gi * p + j] += (if efron { 1.0 } else { df }) * xb / df;
            }
        }
    }
}

impl RiskSums {
    fn new(p: usize) -> Self {
        RiskSums { s0: 0.0, s1: vec![0.0; p], ds0: 0.0, d1: vec![0.0; p] }
    }
    #[inline]
    fn add(&mut self, r: f64, x: &[f64], event: bool) {
        self.s0 += r;
        for (a, &v) in self.s1.iter_mut().zip(x) {
            *a += r * v;
        }
        if event {
            self.ds0 += r;
            for (a, &v) in self.d1.iter_mut().zip(x) {
                *a += r * v;
            }
        }
    }
    #[inline]
    fn remove(&mut self, r: f64, x: &[f64]) {
        self.s0 -= r;
        for (a, &v) in self.s1.iter_mut().zip(x) {
            *a -= r * v;
        }
    }
}

impl Data {
    /// The cluster cross-products of the weighted score residuals at `beta` and at β = 0
    /// ([`Meats`]), in one reverse-time pass (the risk-set sums of both β side by side) and
    /// one forward pass that forms each row's two residuals and adds them to the sums at once,
    /// with no n × p matrix. A non-finite risk at `beta` makes `meat` NaN.
    ///
    /// The score residual of sorted row i at β (unweighted: with case weights the risk sets are
    /// weighted and the row's residual is then multiplied by its weight, R's
    /// `residuals(fit, "dfbeta", weighted = TRUE)`): with H and X̄H the cumulative hazard sums
    /// of its stratum up to the previous event time (less those before its first group at risk
    /// with delayed entry), r_i = exp(η_i),
    /// * an event row: x_i − x̄m_g − r_i(x_i (H + hd_g) − (X̄H + xhd_g)),
    /// * a censored row: −r_i(x_i (H + h_g) − (X̄H + xh_g)).
    #[inline(never)]
    fn score_meats(&self, beta: &[f64], w: &mut Work, cluster: Option<&[u32]>) -> Meats {
        let p = self.p;
        let finite = self.linear_predictor(beta, w);
        let haz = self.hazards(w);
        let mut sums = match cluster {
            Some(cl) => {
                let nc = cl.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
                [vec![0.0; nc * p], vec![0.0; nc * p]]
            }
            None => [Vec::new(), Vec::new()],
        };
        let mut cross = [CrossProd::new(p), CrossProd::new(p)];
        let mut out = Residuals { cluster, sums: &mut sums, cross: &mut cross };
        if self.entry.is_none() && !force_general() {
            self.forward_plain(w, &haz, &mut out);
        } else {
            self.forward_general(w, &haz, &mut out);
        }
        if cluster.is_some() {
            for b in 0..2 {
                sums[b].chunks_exact(p).for_each(|t| cross[b].add(t));
            }
        }
        let [c, c0] = cross;
        let (mut meat, _) = c.full();
        let (meat0, u0) = c0.full();
        if !finite {
            meat.iter_mut().for_each(|a| *a = f64::NAN);
        }
        Meats { meat, meat0, u0 }
    }

    /// The reverse-time pass of [`Data::score_meats`]: each group's hazard terms at β (the
    /// risks in `w`) and at β = 0.
    #[inline(never)]
    fn hazards(&self, w: &Work) -> [Hazards; 2] {
        let p = self.p;
        let wt = |i: usize| self.wt.as_ref().map_or(1.0, |v| v[i]);
        let ng = self.groups.len();
        // [at β, at 0]
        let mut haz = [Hazards::new(ng, p), Hazards::new(ng, p)];
        let mut rs = [RiskSums::new(p), RiskSums::new(p)];
        for (gi, grp) in self.groups.iter().enumerate().rev() {
            if grp.last {
                rs = [RiskSums::new(p), RiskSums::new(p)];
            }
            for r in &mut rs {
                r.ds0 = 0.0;
                r.d1.iter_mut().for_each(|a| *a = 0.0);
            }
            let mut deadwt = 0.0;
            for i in grp.start..grp.end {
                let x = self.xrow(i);
                let v = wt(i);
                rs[0].add(w.risk[i] * v, x, self.event[i]);
                rs[1].add(v, x, self.event[i]);
                if self.event[i] {
                    deadwt += v;
                }
            }
            if grp.deaths > 0 {
                for (hz, r) in haz.iter_mut().zip(&rs) {
                    hz.group(gi, p, grp.deaths, deadwt, self.efron, r);
                }
            }
            if let Some(en) = &self.entry {
                for &i in en.leaving(gi) {
                    let i = i as usize;
                    let v = wt(i);
                    rs[0].remove(w.risk[i] * v, self.xrow(i));
                    rs[1].remove(v, self.xrow(i));
                }
            }
        }
        haz
    }

    /// The forward pass of [`Data::score_meats`] in general (with delayed entry, each row's
    /// cumulative sums less those before its first group at risk): each row's two weighted score
    /// residuals, added to `out`.
    #[inline(never)]
    fn forward_general(&self, w: &Work, haz: &[Hazards; 2], out: &mut Residuals) {
        let p = self.p;
        let wt = |i: usize| self.wt.as_ref().map_or(1.0, |v| v[i]);
        let ng = self.groups.len();
        // Forward pass: cumulative hazard sums up to the previous event time of the stratum
        // (with delayed entry, kept per group to take off those before a row's first group).
        let mut ch = [0.0f64; 2];
        let mut cxh = [vec![0.0; p], vec![0.0; p]];
        let (mut ch_before, mut cxh_before) = match self.entry {
            Some(_) => (vec![[0.0; 2]; ng], [vec![0.0; ng * p], vec![0.0; ng * p]]),
            None => (Vec::new(), [Vec::new(), Vec::new()]),
        };
        let mut res = [vec![0.0; p], vec![0.0; p]];
        for (gi, grp) in self.groups.iter().enumerate() {
            if grp.first {
                ch = [0.0; 2];
                cxh.iter_mut().for_each(|c| c.iter_mut().for_each(|a| *a = 0.0));
            }
            if self.entry.is_some() {
                ch_before[gi] = ch;
                for b in 0..2 {
                    cxh_before[b][gi * p..(gi + 1) * p].copy_from_slice(&cxh[b]);
                }
            }
            for i in grp.start..grp.end {
                let x = self.xrow(i);
                let v = wt(i);
                let ev = self.event[i];
                let first = self.entry.as_ref().map(|en| en.first[i] as usize);
                for b in 0..2 {
                    let r = if b == 0 { w.risk[i] } else { 1.0 };
                    let hz = &haz[b];
                    let (c0, c1): (f64, &[f64]) = match first {
                        Some(f) => (ch_before[f][b], &cxh_before[b][f * p..(f + 1) * p]),
                        None => (0.0, &[]),
                    };
                    let (hh, add) = if ev { (ch[b] + hz.hd[gi] - c0, &hz.xhd) } else { (ch[b] + hz.h[gi] - c0, &hz.xh) };
                    for j in 0..p {
                        let cx = cxh[b][j] + add[gi * p + j] - c1.get(j).copied().unwrap_or(0.0);
                        let own = if ev { x[j] - hz.xbm[gi * p + j] } else { 0.0 };
                        // Times the case weight: the row's term of t_c.
                        res[b][j] = v * (own - r * (x[j] * hh - cx));
                    }
                    out.add(b, self.row[i], &res[b]);
                }
            }
            for b in 0..2 {
                ch[b] += haz[b].h[gi];
                for j in 0..p {
                    cxh[b][j] += haz[b].xh[gi * p + j];
                }
            }
        }
    }

    /// The forward pass of [`Data::score_meats`] without delayed entry, the same arithmetic as
    /// [`Data::forward_general`] (whose terms before a row's first group are then 0, and
    /// subtracting 0 changes nothing): each group's H + h_g, X̄H + xh_g (a censored row's) and
    /// H + hd_g, X̄H + xhd_g (an event row's) are formed once for its rows, not per row.
    #[inline(never)]
    fn forward_plain(&self, w: &Work, haz: &[Hazards; 2], out: &mut Residuals) {
        let p = self.p;
        let mut ch = [0.0f64; 2];
        let mut cxh = [vec![0.0; p], vec![0.0; p]];
        // Per β (at β, at 0): [censored, event] cumulative sums of the group.
        let mut hh = [[0.0f64; 2]; 2];
        let mut cx = [[vec![0.0; p], vec![0.0; p]], [vec![0.0; p], vec![0.0; p]]];
        let mut res = [vec![0.0; p], vec![0.0; p]];
        for (gi, grp) in self.groups.iter().enumerate() {
            if grp.first {
                ch = [0.0; 2];
                cxh.iter_mut().for_each(|c| c.iter_mut().for_each(|a| *a = 0.0));
            }
            let gp = gi * p..(gi + 1) * p;
            for b in 0..2 {
                let hz = &haz[b];
                hh[b] = [ch[b] + hz.h[gi], ch[b] + hz.hd[gi]];
                let [cens, evt] = &mut cx[b];
                for (((c, e), &s), (&a, &ad)) in cens.iter_mut().zip(evt.iter_mut()).zip(&cxh[b]).zip(hz.xh[gp.clone()].iter().zip(&hz.xhd[gp.clone()])) {
                    *c = s + a;
                    *e = s + ad;
                }
            }
            let xbm = [&haz[0].xbm[gp.clone()], &haz[1].xbm[gp]];
            for i in grp.start..grp.end {
                let x = self.xrow(i);
                let v = self.wt.as_ref().map_or(1.0, |v| v[i]);
                let ev = self.event[i];
                let k = usize::from(ev);
                for b in 0..2 {
                    let r = if b == 0 { w.risk[i] } else { 1.0 };
                    let (h, c) = (hh[b][k], &cx[b][k]);
                    for (((t, &xj), &cj), &mj) in res[b].iter_mut().zip(x).zip(c).zip(xbm[b]) {
                        let own = if ev { xj - mj } else { 0.0 };
                        // Times the case weight: the row's term of t_c.
                        *t = v * (own - r * (xj * h - cj));
                    }
                    out.add(b, self.row[i], &res[b]);
                }
            }
            for b in 0..2 {
                ch[b] += haz[b].h[gi];
                for j in 0..p {
                    cxh[b][j] += haz[b].xh[gi * p + j];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FORCE_GENERAL;
    use crate::spec::Ties;
    use crate::stats::cox::{coxph_extra, CoxExtra, CoxInput, CoxReport, Residuals};

    /// The robust variance and score test of a weighted fit, by the forward pass without delayed
    /// entry (`general` false) or the general one.
    fn fit(input: &CoxInput, w: &[f64], general: bool) -> CoxReport {
        FORCE_GENERAL.with(|f| f.set(general));
        let out = coxph_extra(input, CoxExtra { entry: None, weights: Some(w) }, Residuals::Never);
        FORCE_GENERAL.with(|f| f.set(false));
        out.unwrap()
    }

    /// Without delayed entry the plain forward pass gives the general pass's robust variance
    /// and robust score test bit for bit: whole-day times with ties (Efron and Breslow),
    /// strata, three terms, case weights, and with a cluster.
    #[test]
    fn plain_forward_pass_equals_the_general_one() {
        let mut rng = crate::rng::SplitMix64(18);
        let n = 600;
        let time: Vec<f64> = (0..n).map(|_| (rng.uniform() * 40.0).ceil()).collect();
        let status: Vec<u8> = (0..n).map(|_| u8::from(rng.uniform() < 0.6)).collect();
        let x: Vec<Vec<f64>> = (0..3).map(|j| (0..n).map(|_| if j == 0 { f64::from(rng.uniform() < 0.5) } else { rng.normal() }).collect()).collect();
        let w: Vec<f64> = (0..n).map(|_| 0.3 + 3.0 * rng.uniform()).collect();
        let strata: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let cluster: Vec<u32> = (0..n as u32).map(|i| i / 4).collect();
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        for ties in [Ties::Efron, Ties::Breslow] {
            for (st, cl) in [(None, None), (Some(&strata[..]), None), (None, Some(&cluster[..])), (Some(&strata[..]), Some(&cluster[..]))] {
                let input = CoxInput { time: &time, status: &status, x: &x, names: &names, strata: st, cluster: cl, ties };
                let (plain, general) = (fit(&input, &w, false), fit(&input, &w, true));
                assert_eq!(plain.terms.len(), 3);
                for (a, b) in plain.terms.iter().zip(&general.terms) {
                    let (ra, rb) = (a.robust_se.unwrap(), b.robust_se.unwrap());
                    assert!(ra.is_finite() && ra > 0.0);
                    assert_eq!(ra.to_bits(), rb.to_bits(), "{ties:?} {st:?} {cl:?}");
                }
                assert_eq!(plain.vcov.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), general.vcov.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
                let (sa, sb) = (plain.robust_score_test.unwrap(), general.robust_score_test.unwrap());
                assert!(sa.chisq > 0.0);
                assert_eq!(sa.chisq.to_bits(), sb.chisq.to_bits());
            }
        }
    }
}
