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
/// own cluster (case weights without a cluster). `risk_at_beta`: `work.risk` already holds
/// exp(η) of every sorted row at `beta_s` (the fit's last likelihood pass was at `beta_s`, and
/// a fit with a risk that is not finite there was refused), so the n exponentials are not taken
/// again.
///
/// D = T·V with T the score residuals summed by cluster (weighted by the case weights), so
/// DᵀD = V (TᵀT) V: the p × p "meat" TᵀT is accumulated directly (per row when each row is
/// its own cluster), with no n × p matrix of dfbetas. The residuals at the fitted β and at
/// β = 0 (for the score test) come from one pair of passes ([`Data::score_meats`]).
pub(super) fn robust_variance(data: &Data, work: &mut Work, beta_s: &[f64], risk_at_beta: bool, var_s: &[f64], scale: &[f64], cluster: Option<&[u32]>) -> Robust {
    let p = data.p;
    let Meats { meat, meat0, u0 } = data.score_meats(beta_s, risk_at_beta, work, cluster);
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

// Tests only: run the general forward pass on data without delayed entry too (1), the passes
// with the terms' number known at run time only (2), or the risks at β computed again (3), to
// check the others against them.
#[cfg(test)]
thread_local! {
    static FORCE: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
fn force_general() -> bool {
    FORCE.with(|f| f.get() == 1)
}

#[cfg(test)]
fn force_dynamic() -> bool {
    FORCE.with(|f| f.get() == 2)
}

#[cfg(test)]
fn force_recompute() -> bool {
    FORCE.with(|f| f.get() == 3)
}

#[cfg(not(test))]
#[inline]
fn force_recompute() -> bool {
    false
}

#[cfg(not(test))]
#[inline]
fn force_general() -> bool {
    false
}

#[cfg(all(not(test), feature = "extended"))]
#[inline]
fn force_dynamic() -> bool {
    false
}

/// The number of terms of the passes' vectors: known when compiled ([`Fixed`], 1 to 4 terms:
/// the propensity-weighted model of a treatment, alone or with a few covariates), so that the
/// loops over the terms are unrolled and the running sums stay in registers (in WebAssembly
/// too, where a short loop over heap vectors costs more than its arithmetic), or the data's
/// ([`Dynamic`]). The arithmetic is the same, operation for operation, either way.
trait Width {
    /// A p-vector of running sums.
    type V: AsRef<[f64]> + AsMut<[f64]>;
    /// A p × p matrix of running sums (row-major, stride p).
    type M: AsRef<[f64]> + AsMut<[f64]>;
    fn p(data_p: usize) -> usize;
    fn vector(p: usize) -> Self::V;
    fn matrix(p: usize) -> Self::M;
}

/// P terms (1 ≤ P ≤ 4), known when compiled.
#[cfg(feature = "extended")]
struct Fixed<const P: usize>;

#[cfg(feature = "extended")]
impl<const P: usize> Width for Fixed<P> {
    type V = [f64; P];
    type M = [f64; 16];
    #[inline(always)]
    fn p(_: usize) -> usize {
        P
    }
    #[inline(always)]
    fn vector(_: usize) -> [f64; P] {
        [0.0; P]
    }
    #[inline(always)]
    fn matrix(_: usize) -> [f64; 16] {
        [0.0; 16]
    }
}

/// The data's number of terms.
struct Dynamic;

impl Width for Dynamic {
    type V = Vec<f64>;
    type M = Vec<f64>;
    #[inline(always)]
    fn p(data_p: usize) -> usize {
        data_p
    }
    fn vector(p: usize) -> Vec<f64> {
        vec![0.0; p]
    }
    fn matrix(p: usize) -> Vec<f64> {
        vec![0.0; p * p]
    }
}

/// Σ t tᵀ (lower triangle) and Σ t of the vectors added.
struct CrossProd<W: Width> {
    m: W::M,
    u: W::V,
}

impl<W: Width> CrossProd<W> {
    fn new(p: usize) -> Self {
        CrossProd { m: W::matrix(p), u: W::vector(p) }
    }
    #[inline(always)]
    fn add(&mut self, p: usize, t: &[f64]) {
        let (m, u) = (self.m.as_mut(), self.u.as_mut());
        for j in 0..p {
            u[j] += t[j];
            for l in 0..=j {
                m[j * p + l] += t[j] * t[l];
            }
        }
    }
    /// The full symmetric matrix and the sum.
    fn full(self, p: usize) -> (Vec<f64>, Vec<f64>) {
        let mut m = self.m.as_ref()[..p * p].to_vec();
        for j in 0..p {
            for l in 0..j {
                m[l * p + j] = m[j * p + l];
            }
        }
        (m, self.u.as_ref()[..p].to_vec())
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
struct RiskSums<W: Width> {
    s0: f64,
    s1: W::V,
    ds0: f64,
    d1: W::V,
}

impl Hazards {
    fn new(ng: usize, p: usize) -> Self {
        Hazards { h: vec![0.0; ng], hd: vec![0.0; ng], xh: vec![0.0; ng * p], xhd: vec![0.0; ng * p], xbm: vec![0.0; ng * p] }
    }

    /// The group `gi`'s terms from the risk-set sums `rs` (its d deaths of weight `deadwt`),
    /// summed in local variables (registers) and stored once.
    #[inline(always)]
    fn group<W: Width>(&mut self, gi: usize, p: usize, d: usize, deadwt: f64, efron: bool, rs: &RiskSums<W>) {
        let df = d as f64;
        let meanwt = deadwt / df;
        let (steps, mult) = if efron { (d, meanwt) } else { (1, deadwt) };
        let gp = gi * p..(gi + 1) * p;
        let (mut h, mut hd) = (self.h[gi], self.hd[gi]);
        let (mut xh, mut xhd, mut xbm) = (W::vector(p), W::vector(p), W::vector(p));
        let (xh, xhd, xbm) = (xh.as_mut(), xhd.as_mut(), xbm.as_mut());
        xh.copy_from_slice(&self.xh[gp.clone()]);
        xhd.copy_from_slice(&self.xhd[gp.clone()]);
        xbm.copy_from_slice(&self.xbm[gp.clone()]);
        let (s1, d1) = (rs.s1.as_ref(), rs.d1.as_ref());
        for k in 0..steps {
            let f = if efron { k as f64 / df } else { 0.0 };
            let den = rs.s0 - f * rs.ds0;
            h += mult / den;
            hd += mult * (1.0 - f) / den;
            for j in 0..p {
                let xb = (s1[j] - f * d1[j]) / den;
                xh[j] += mult * xb / den;
                xhd[j] += mult * (1.0 - f) * xb / den;
                xbm[j] += (if efron { 1.0 } else { df }) * xb / df;
            }
        }
        (self.h[gi], self.hd[gi]) = (h, hd);
        self.xh[gp.clone()].copy_from_slice(xh);
        self.xhd[gp.clone()].copy_from_slice(xhd);
        self.xbm[gp].copy_from_slice(xbm);
    }
}

impl<W: Width> RiskSums<W> {
    fn new(p: usize) -> Self {
        RiskSums { s0: 0.0, s1: W::vector(p), ds0: 0.0, d1: W::vector(p) }
    }
    /// A row of risk `r` joins; an event row's also joins the dying rows' sums. Without a branch
    /// on `event` (events and censored rows alternate at random): a censored row adds +0.0 to
    /// them, which changes no sum (each starts at +0.0, so none is ever −0.0).
    #[inline(always)]
    fn add(&mut self, p: usize, r: f64, x: &[f64], event: bool) {
        self.s0 += r;
        self.ds0 += if event { r } else { 0.0 };
        let (s1, d1) = (self.s1.as_mut(), self.d1.as_mut());
        for j in 0..p {
            let rx = r * x[j];
            s1[j] += rx;
            d1[j] += if event { rx } else { 0.0 };
        }
    }
    #[inline(always)]
    fn remove(&mut self, p: usize, r: f64, x: &[f64]) {
        self.s0 -= r;
        let s1 = self.s1.as_mut();
        for j in 0..p {
            s1[j] -= r * x[j];
        }
    }
}

impl Data {
    /// The cluster cross-products of the weighted score residuals at `beta` and at β = 0
    /// ([`Meats`]), in one reverse-time pass (the risk-set sums of both β side by side) and
    /// one forward pass that forms each row's two residuals and adds them to the sums at once,
    /// with no n × p matrix. A non-finite risk at `beta` makes `meat` NaN. `risk_at_beta`: the
    /// risks at `beta` are already in `w` (see [`robust_variance`]).
    ///
    /// The score residual of sorted row i at β (unweighted: with case weights the risk sets are
    /// weighted and the row's residual is then multiplied by its weight, R's
    /// `residuals(fit, "dfbeta", weighted = TRUE)`): with H and X̄H the cumulative hazard sums
    /// of its stratum up to the previous event time (less those before its first group at risk
    /// with delayed entry), r_i = exp(η_i),
    /// * an event row: x_i − x̄m_g − r_i(x_i (H + hd_g) − (X̄H + xhd_g)),
    /// * a censored row: −r_i(x_i (H + h_g) − (X̄H + xh_g)).
    #[inline(never)]
    fn score_meats(&self, beta: &[f64], risk_at_beta: bool, w: &mut Work, cluster: Option<&[u32]>) -> Meats {
        let p = self.p;
        let finite = if risk_at_beta && !force_recompute() { w.risk.iter().all(|r| r.is_finite()) } else { self.linear_predictor(beta, w) };
        let mut sums = match cluster {
            Some(cl) => {
                let nc = cl.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
                [vec![0.0; nc * p], vec![0.0; nc * p]]
            }
            None => [Vec::new(), Vec::new()],
        };
        let plain = self.entry.is_none() && !force_general();
        // The models of a propensity-weighted analysis (the extended estimators) with their
        // number of terms known when compiled; the core module keeps one copy of the passes.
        #[cfg(feature = "extended")]
        let (meat, meat0, u0) = match (plain && !force_dynamic(), p) {
            (true, 1) => self.meats_plain::<Fixed<1>>(w, cluster, &mut sums),
            (true, 2) => self.meats_plain::<Fixed<2>>(w, cluster, &mut sums),
            (true, 3) => self.meats_plain::<Fixed<3>>(w, cluster, &mut sums),
            (true, 4) => self.meats_plain::<Fixed<4>>(w, cluster, &mut sums),
            _ => self.meats_dynamic(plain, w, cluster, &mut sums),
        };
        #[cfg(not(feature = "extended"))]
        let (meat, meat0, u0) = self.meats_dynamic(plain, w, cluster, &mut sums);
        let mut meat = meat;
        if !finite {
            meat.iter_mut().for_each(|a| *a = f64::NAN);
        }
        Meats { meat, meat0, u0 }
    }

    /// The passes with the data's number of terms: the plain forward pass, or the general one.
    fn meats_dynamic(&self, plain: bool, w: &Work, cluster: Option<&[u32]>, sums: &mut [Vec<f64>; 2]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let haz = self.hazards::<Dynamic>(w);
        let cross = if plain { self.forward_plain::<Dynamic>(w, &haz, cluster, sums) } else { self.forward_general(w, &haz, cluster, sums) };
        self.finish(cross, cluster, sums)
    }

    /// The passes without delayed entry, with `W`'s number of terms.
    #[cfg(feature = "extended")]
    fn meats_plain<W: Width>(&self, w: &Work, cluster: Option<&[u32]>, sums: &mut [Vec<f64>; 2]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let haz = self.hazards::<W>(w);
        let cross = self.forward_plain::<W>(w, &haz, cluster, sums);
        self.finish(cross, cluster, sums)
    }

    /// The clusters' sums into the cross-products, and the full matrices: (meat, meat0, u0).
    fn finish<W: Width>(&self, mut cross: [CrossProd<W>; 2], cluster: Option<&[u32]>, sums: &[Vec<f64>; 2]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let p = W::p(self.p);
        if cluster.is_some() {
            for b in 0..2 {
                sums[b].chunks_exact(p).for_each(|t| cross[b].add(p, t));
            }
        }
        let [c, c0] = cross;
        let (meat, _) = c.full(p);
        let (meat0, u0) = c0.full(p);
        (meat, meat0, u0)
    }

    /// The reverse-time pass of [`Data::score_meats`]: each group's hazard terms at β (the
    /// risks in `w`) and at β = 0.
    #[inline(never)]
    fn hazards<W: Width>(&self, w: &Work) -> [Hazards; 2] {
        let (p, ps) = (W::p(self.p), self.ps);
        let wt = |i: usize| self.wt.as_ref().map_or(1.0, |v| v[i]);
        let ng = self.groups.len();
        // [at β, at 0]
        let mut haz = [Hazards::new(ng, p), Hazards::new(ng, p)];
        let mut rs = [RiskSums::<W>::new(p), RiskSums::<W>::new(p)];
        for (gi, grp) in self.groups.iter().enumerate().rev() {
            if grp.last {
                rs = [RiskSums::new(p), RiskSums::new(p)];
            }
            for r in &mut rs {
                r.ds0 = 0.0;
                r.d1.as_mut().iter_mut().for_each(|a| *a = 0.0);
            }
            // The dying rows' weight, +0.0 for a censored row (no branch; see `RiskSums::add`).
            let mut deadwt = 0.0;
            for i in grp.start..grp.end {
                let x = &self.x[i * ps..i * ps + p];
                let v = wt(i);
                let ev = self.event[i];
                rs[0].add(p, w.risk[i] * v, x, ev);
                rs[1].add(p, v, x, ev);
                deadwt += if ev { v } else { 0.0 };
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
                    let x = &self.x[i * ps..i * ps + p];
                    rs[0].remove(p, w.risk[i] * v, x);
                    rs[1].remove(p, v, x);
                }
            }
        }
        haz
    }

    /// The forward pass of [`Data::score_meats`] in general (with delayed entry, each row's
    /// cumulative sums less those before its first group at risk): each row's two weighted score
    /// residuals, added to the cross-products (returned) or, with a cluster, to its sums.
    #[inline(never)]
    fn forward_general(&self, w: &Work, haz: &[Hazards; 2], cluster: Option<&[u32]>, sums: &mut [Vec<f64>; 2]) -> [CrossProd<Dynamic>; 2] {
        let p = self.p;
        let wt = |i: usize| self.wt.as_ref().map_or(1.0, |v| v[i]);
        let ng = self.groups.len();
        let mut cross = [CrossProd::new(p), CrossProd::new(p)];
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
                    add_residual(p, cluster, self.row[i], &res[b], &mut cross[b], &mut sums[b]);
                }
            }
            for b in 0..2 {
                ch[b] += haz[b].h[gi];
                for j in 0..p {
                    cxh[b][j] += haz[b].xh[gi * p + j];
                }
            }
        }
        cross
    }

    /// The forward pass of [`Data::score_meats`] without delayed entry, the same arithmetic as
    /// [`Data::forward_general`] (whose terms before a row's first group are then 0, and
    /// subtracting 0 changes nothing): each group's H + h_g, X̄H + xh_g (a censored row's) and
    /// H + hd_g, X̄H + xhd_g (an event row's) are formed once for its rows, not per row.
    #[inline(never)]
    fn forward_plain<W: Width>(&self, w: &Work, haz: &[Hazards; 2], cluster: Option<&[u32]>, sums: &mut [Vec<f64>; 2]) -> [CrossProd<W>; 2] {
        let (p, ps) = (W::p(self.p), self.ps);
        let mut cross = [CrossProd::<W>::new(p), CrossProd::<W>::new(p)];
        let mut ch = [0.0f64; 2];
        let mut cxh = [W::vector(p), W::vector(p)];
        // Per β (at β, at 0): [censored, event] cumulative sums of the group.
        let mut hh = [[0.0f64; 2]; 2];
        let mut cx = [[W::vector(p), W::vector(p)], [W::vector(p), W::vector(p)]];
        let mut xbm = [W::vector(p), W::vector(p)];
        let mut res = W::vector(p);
        for (gi, grp) in self.groups.iter().enumerate() {
            if grp.first {
                ch = [0.0; 2];
                cxh.iter_mut().for_each(|c| c.as_mut().iter_mut().for_each(|a| *a = 0.0));
            }
            let gp = gi * p..(gi + 1) * p;
            for b in 0..2 {
                let hz = &haz[b];
                hh[b] = [ch[b] + hz.h[gi], ch[b] + hz.hd[gi]];
                let [cens, evt] = &mut cx[b];
                let (cens, evt, s) = (cens.as_mut(), evt.as_mut(), cxh[b].as_ref());
                let (a, ad) = (&hz.xh[gp.clone()], &hz.xhd[gp.clone()]);
                for j in 0..p {
                    cens[j] = s[j] + a[j];
                    evt[j] = s[j] + ad[j];
                }
                xbm[b].as_mut().copy_from_slice(&hz.xbm[gp.clone()]);
            }
            for i in grp.start..grp.end {
                let x = &self.x[i * ps..i * ps + p];
                let v = self.wt.as_ref().map_or(1.0, |v| v[i]);
                let ev = self.event[i];
                let k = usize::from(ev);
                for b in 0..2 {
                    let r = if b == 0 { w.risk[i] } else { 1.0 };
                    let (h, c, m) = (hh[b][k], cx[b][k].as_ref(), xbm[b].as_ref());
                    let t = res.as_mut();
                    for j in 0..p {
                        let own = if ev { x[j] - m[j] } else { 0.0 };
                        // Times the case weight: the row's term of t_c.
                        t[j] = v * (own - r * (x[j] * h - c[j]));
                    }
                    add_residual(p, cluster, self.row[i], t, &mut cross[b], &mut sums[b]);
                }
            }
            for b in 0..2 {
                ch[b] += haz[b].h[gi];
                let (c, a) = (cxh[b].as_mut(), &haz[b].xh[gp.clone()]);
                for j in 0..p {
                    c[j] += a[j];
                }
            }
        }
        cross
    }
}

/// A row's weighted score residuals `t` (at one β): straight into the cross-products when each
/// row is its own cluster, else into its cluster's sums. Always inlined: a call per row and β
/// cost as much as the row's arithmetic in wasm.
#[inline(always)]
fn add_residual<W: Width>(p: usize, cluster: Option<&[u32]>, row: usize, t: &[f64], cross: &mut CrossProd<W>, sums: &mut [f64]) {
    match cluster {
        None => cross.add(p, t),
        Some(cl) => {
            let c = cl[row] as usize;
            sums[c * p..(c + 1) * p].iter_mut().zip(t).for_each(|(a, v)| *a += v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FORCE;
    use crate::spec::Ties;
    use crate::stats::cox::{coxph_extra, CoxExtra, CoxInput, CoxReport, Residuals};

    /// The robust variance and score test of a weighted fit, by the passes `mode` forces (0:
    /// none, as the crate runs; 1: the general forward pass; 2: the data's number of terms; 3:
    /// the risks at β̂ computed again).
    fn fit(input: &CoxInput, w: &[f64], mode: u8) -> CoxReport {
        FORCE.with(|f| f.set(mode));
        let out = coxph_extra(input, CoxExtra { entry: None, weights: Some(w) }, Residuals::Never);
        FORCE.with(|f| f.set(0));
        out.unwrap()
    }

    /// Without delayed entry the plain forward pass gives the general pass's robust variance
    /// and robust score test bit for bit, and so do the passes with the number of terms known
    /// when compiled (1–4 terms) and those with the data's, and the risks of the fit's last
    /// pass and risks computed again: whole-day times with ties (Efron and Breslow), strata,
    /// one to five terms, case weights, and with a cluster.
    #[test]
    fn plain_forward_pass_equals_the_general_one() {
        let mut rng = crate::rng::SplitMix64(18);
        let n = 600;
        let time: Vec<f64> = (0..n).map(|_| (rng.uniform() * 40.0).ceil()).collect();
        let status: Vec<u8> = (0..n).map(|_| u8::from(rng.uniform() < 0.6)).collect();
        let xs: Vec<Vec<f64>> = (0..5).map(|j| (0..n).map(|_| if j == 0 { f64::from(rng.uniform() < 0.5) } else { rng.normal() }).collect()).collect();
        let w: Vec<f64> = (0..n).map(|_| 0.3 + 3.0 * rng.uniform()).collect();
        let strata: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let cluster: Vec<u32> = (0..n as u32).map(|i| i / 4).collect();
        let all: Vec<String> = ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect();
        for p in 1..=5 {
            let (x, names) = (&xs[..p], &all[..p]);
            for ties in [Ties::Efron, Ties::Breslow] {
                for (st, cl) in [(None, None), (Some(&strata[..]), None), (None, Some(&cluster[..])), (Some(&strata[..]), Some(&cluster[..]))] {
                    let input = CoxInput { time: &time, status: &status, x: &crate::stats::cols(x), names, strata: st, cluster: cl, ties };
                    let plain = fit(&input, &w, 0);
                    assert_eq!(plain.terms.len(), p);
                    for mode in 1..=3 {
                        let other = fit(&input, &w, mode);
                        for (a, b) in plain.terms.iter().zip(&other.terms) {
                            let (ra, rb) = (a.robust_se.unwrap(), b.robust_se.unwrap());
                            assert!(ra.is_finite() && ra > 0.0);
                            assert_eq!(ra.to_bits(), rb.to_bits(), "{p} {ties:?} {st:?} {cl:?} {mode}");
                        }
                        assert_eq!(plain.vcov.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), other.vcov.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
                        let (sa, sb) = (plain.robust_score_test.as_ref().unwrap(), other.robust_score_test.as_ref().unwrap());
                        assert!(sa.chisq > 0.0);
                        assert_eq!(sa.chisq.to_bits(), sb.chisq.to_bits());
                    }
                }
            }
        }
    }
}
