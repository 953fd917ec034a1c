//! Fine-Gray subdistribution hazards regression (`cmprsk::crr`).
//!
//! # Model and weights (Fine & Gray 1999, JASA 94:496)
//!
//! The subdistribution hazard of cause 1 is modelled as `γ(t | x) = γ0(t) exp(x'β)`. Its risk
//! set at an event time `t` keeps, besides everyone still under observation (`T_j ≥ t`), those
//! who failed earlier from the competing cause, with the weight `G(t−)/G(T_j−)`, `G` being the
//! Kaplan-Meier estimate of the censoring distribution (censorings are its "events"; failures
//! of either cause censor it). Those censored or failed from cause 1 before `t` leave the risk
//! set. As in `crr`, G is evaluated just before each subject's own time (`G(T_j−)`; crr uses
//! `T(1 − 100ε)`, so at time 0 it is `G(0)`). Tied event times share one denominator (Breslow).
//!
//! The weighted partial likelihood, its score `U` and information `I` are those of a Cox model
//! with these weights: with `r_j = exp(x_j'β)` and `w_j(t)` the weight above,
//! `S0(t) = Σ_j w_j(t) r_j`, `S1`, `S2` the same with `x_j`, `x_j x_j'`, and `d(t)` events at t,
//! `log L = Σ_events x'β − Σ_t d(t) log S0(t)`.
//!
//! # O(n) per iteration (crr's Fortran recomputes each risk set: O(n²) per iteration)
//!
//! Because `w_j(t) = G(t−)/G(T_j−)` factorises, after one sort by time
//!
//! ```text
//! S0(t) = Σ_{T_j ≥ t} r_j  +  G(t−) · Σ_{T_j < t, competing} r_j / G(T_j−)
//! ```
//!
//! The first sum is a suffix sum (accumulated in a reverse pass over the sorted rows), the
//! second a prefix sum over competing failures (accumulated in a forward pass and recorded at
//! each event time). The same holds for `S1`, `S2`, so the log-likelihood, score and
//! information cost O(n p²) per Newton iteration (100,000 rows × 3 covariates: about 70 ms for
//! the whole fit with its variance, `examples/competing_bench.rs`). Covariates are centred first (the likelihood,
//! score and information do not change, `exp` cannot overflow as easily).
//!
//! # Newton-Raphson as crr
//!
//! From β = 0; at most 10 iterations; converged when
//! `max_k |U_k| · max(|β_k|, 1) < max(|log L|, 1) · 1e−6` (crr's `gtol`); each Newton step is
//! halved (at most 20 times) until `−log L` decreases by at least `1e−4 ·` the predicted
//! decrease (Armijo), as crr does.
//!
//! # Variance: crr's sandwich `I⁻¹ Σ_i (η_i + ψ_i)(η_i + ψ_i)' I⁻¹`
//!
//! `η_i` is subject i's score residual:
//! `η_i = δ1_i (x_i − x̄(T_i)) − Σ_{events e} w_i(T_e) r_i (x_i − x̄(T_e)) / S0(T_e)`
//! with `x̄ = S1/S0`. It splits into the events at or before `T_i` (weight 1: running sums
//! `D0 = Σ 1/S0`, `D1 = Σ x̄/S0` forward) and, for competing failures, events after `T_i`
//! (weight `G(T_e−)/G(T_i−)`: running sums `C0 = Σ G/S0`, `C1 = Σ G x̄/S0` backward).
//! `ψ_i` is Fine & Gray's correction for estimating G: with `Y(u)` at risk at a censoring
//! time u,
//! `q(u) = Σ_{events e: T_e ≥ u} (G(T_e−)/S0(T_e)) Σ_{competing j: T_j < u} (r_j/G(T_j−)) (x_j − x̄(T_e))`
//! and `ψ_i = δ0_i q(T_i)/Y(T_i) − Σ_{censoring times u ≤ T_i} c(u) q(u)/Y(u)²`
//! (`c(u)` censored at u). Since the inner sum does not depend on e except through `x̄(T_e)`,
//! `q(u) = B1(u) C0(u) − B0(u) C1(u)` with prefix sums `B0 = Σ r_j/G(T_j−)`,
//! `B1 = Σ r_j x_j/G(T_j−)` over earlier competing failures: O(n p) in all, where crr takes
//! O(n²)–O(n³).

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::common::{order_by_time, pnorm_two_sided, z95};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FineGrayTerm {
    pub name: String,
    pub coef: f64,
    pub se: f64,
    pub shr: f64,
    pub lower: f64,
    pub upper: f64,
    pub z: f64,
    pub p: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FineGrayReport {
    pub n: usize,
    pub events: usize,
    /// Competing failures among the rows used.
    pub competing: usize,
    pub converged: bool,
    pub iterations: usize,
    /// Log pseudo-likelihood at β = 0 and at the estimate (crr's `loglik.null`, `loglik`).
    pub loglik: [f64; 2],
    pub terms: Vec<FineGrayTerm>,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// crr's defaults.
const GTOL: f64 = 1e-6;
const MAX_ITER: usize = 10;
const MAX_HALVINGS: usize = 20;

/// Sorted data and the censoring weights, shared by every evaluation.
struct Data {
    /// Centred covariates of the sorted rows, row-major n × p.
    x: Vec<f64>,
    /// Status of the sorted rows.
    status: Vec<u8>,
    /// `G(T−)` of the sorted rows.
    gminus: Vec<f64>,
    /// Distinct-time blocks `[start, end)` of the sorted rows.
    blocks: Vec<(usize, usize)>,
    /// Blocks holding at least one event of interest, in time order.
    event_blocks: Vec<usize>,
    p: usize,
}

/// Log-likelihood, score and information at β, with the risk-set sums at each distinct event
/// time (in time order; flat arrays, no allocation per event time).
struct Eval {
    loglik: f64,
    score: Vec<f64>,
    /// Information, row-major p × p.
    info: Vec<f64>,
    /// Per distinct event time (`Data::event_blocks`): number of events, `S0` and
    /// `x̄ = S1/S0` (T × p).
    ev_d: Vec<f64>,
    ev_s0: Vec<f64>,
    ev_xbar: Vec<f64>,
}

impl Data {
    fn new(time: &[f64], status: &[u8], x: &[crate::stats::Col]) -> Data {
        let n = time.len();
        let p = x.len();
        let order = order_by_time(time);
        let means: Vec<f64> = x.iter().map(|col| col.iter().sum::<f64>() / n as f64).collect();
        let mut xs = vec![0.0; n * p];
        for (r, &i) in order.iter().enumerate() {
            for k in 0..p {
                xs[r * p + k] = x[k][i] - means[k];
            }
        }
        let st: Vec<u8> = order.iter().map(|&i| status[i]).collect();
        let mut blocks = Vec::new();
        let mut s = 0;
        while s < n {
            let t = time[order[s]];
            let mut e = s;
            while e < n && time[order[e]] == t {
                e += 1;
            }
            blocks.push((s, e));
            s = e;
        }
        // Censoring Kaplan-Meier just before each time (at time 0: including censorings at 0).
        let mut gminus = vec![1.0; n];
        let mut g = 1.0;
        for &(s, e) in &blocks {
            let censored = st[s..e].iter().filter(|&&v| v == 0).count() as f64;
            let after = g * (1.0 - censored / (n - s) as f64);
            let at = if time[order[s]] == 0.0 { after } else { g };
            gminus[s..e].iter_mut().for_each(|v| *v = at);
            g = after;
        }
        let event_blocks = (0..blocks.len()).filter(|&b| st[blocks[b].0..blocks[b].1].contains(&1)).collect();
        Data { event_blocks, x: xs, status: st, gminus, blocks, p }
    }

    fn row(&self, r: usize) -> &[f64] {
        &self.x[r * self.p..(r + 1) * self.p]
    }

    fn linear(&self, beta: &[f64]) -> Vec<f64> {
        (0..self.status.len()).map(|r| self.row(r).iter().zip(beta).map(|(a, b)| a * b).sum::<f64>().exp()).collect()
    }

    /// Log pseudo-likelihood; with `full`, also score, information and the event-time sums.
    fn eval(&self, beta: &[f64], full: bool) -> Eval {
        let p = self.p;
        let r = self.linear(beta);
        let q = if full { p } else { 0 };
        let n_ev = self.event_blocks.len();
        // Forward pass: prefix sums over competing failures strictly before each event time,
        // recorded per event time (flat: T, T × q, T × q × q).
        let mut c0 = 0.0;
        let mut c1 = vec![0.0; q];
        let mut c2 = vec![0.0; q * q];
        let mut rec0 = vec![0.0; n_ev];
        let mut rec1 = vec![0.0; n_ev * q];
        let mut rec2 = vec![0.0; n_ev * q * q];
        let mut k = 0;
        for (b, &(s, e)) in self.blocks.iter().enumerate() {
            if k < n_ev && self.event_blocks[k] == b {
                rec0[k] = c0;
                rec1[k * q..(k + 1) * q].copy_from_slice(&c1);
                rec2[k * q * q..(k + 1) * q * q].copy_from_slice(&c2);
                k += 1;
            }
            for row in s..e {
                if self.status[row] == 2 {
                    let w = r[row] / self.gminus[row];
                    c0 += w;
                    add_moments(w, &self.row(row)[..q], &mut c1, &mut c2);
                }
            }
        }
        // Reverse pass: suffix sums over those still under observation.
        let mut a0 = 0.0;
        let mut a1 = vec![0.0; q];
        let mut a2 = vec![0.0; q * q];
        let mut loglik = 0.0;
        let mut score = vec![0.0; q];
        let mut info = vec![0.0; q * q];
        let mut ev_d = vec![0.0; if full { n_ev } else { 0 }];
        let mut ev_s0 = vec![0.0; if full { n_ev } else { 0 }];
        let mut ev_xbar = vec![0.0; n_ev * q];
        let mut k = n_ev;
        for (b, &(s, e)) in self.blocks.iter().enumerate().rev() {
            for row in s..e {
                a0 += r[row];
                if full {
                    add_moments(r[row], self.row(row), &mut a1, &mut a2);
                }
            }
            if k == 0 || self.event_blocks[k - 1] != b {
                continue;
            }
            k -= 1;
            let g = self.gminus[s];
            let s0 = a0 + g * rec0[k];
            let mut d = 0.0;
            for row in s..e {
                if self.status[row] == 1 {
                    d += 1.0;
                    let x = self.row(row);
                    loglik += x.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>();
                    for i in 0..q {
                        score[i] += x[i];
                    }
                }
            }
            loglik -= d * s0.ln();
            if full {
                let xbar = &mut ev_xbar[k * q..(k + 1) * q];
                for i in 0..q {
                    xbar[i] = (a1[i] + g * rec1[k * q + i]) / s0;
                }
                for i in 0..q {
                    score[i] -= d * xbar[i];
                    for j in 0..=i {
                        let s2 = (a2[i * q + j] + g * rec2[k * q * q + i * q + j]) / s0;
                        info[i * q + j] += d * (s2 - xbar[i] * xbar[j]);
                    }
                }
                ev_d[k] = d;
                ev_s0[k] = s0;
            }
        }
        mirror_lower(&mut info, q);
        Eval { loglik, score, info, ev_d, ev_s0, ev_xbar }
    }

    /// `Σ_i (η_i + ψ_i)(η_i + ψ_i)'` at β (row-major p × p); see the module notes.
    fn meat(&self, beta: &[f64], ev: &Eval) -> Vec<f64> {
        let p = self.p;
        let n = self.status.len();
        let r = self.linear(beta);
        let nb = self.blocks.len();
        // Per block: index of its event time, if any.
        let mut event_of = vec![usize::MAX; nb];
        for (k, &b) in self.event_blocks.iter().enumerate() {
            event_of[b] = k;
        }
        // C0, C1 over events strictly after each block (backward).
        let mut c0_after = vec![0.0; nb];
        let mut c1_after = vec![0.0; nb * p];
        {
            let (mut c0, mut c1) = (0.0, vec![0.0; p]);
            for b in (0..nb).rev() {
                c0_after[b] = c0;
                c1_after[b * p..(b + 1) * p].copy_from_slice(&c1);
                let e = event_of[b];
                if e != usize::MAX {
                    let g = self.gminus[self.blocks[b].0];
                    c0 += ev.ev_d[e] * g / ev.ev_s0[e];
                    for k in 0..p {
                        c1[k] += ev.ev_d[e] * g * ev.ev_xbar[e * p + k] / ev.ev_s0[e];
                    }
                }
            }
        }
        let mut meat = vec![0.0; p * p];
        let (mut d0, mut d1) = (0.0, vec![0.0; p]); // events at or before the block
        let (mut b0, mut b1) = (0.0, vec![0.0; p]); // competing failures before the block
        let mut psi_cum = vec![0.0; p];
        let mut q = vec![0.0; p];
        let mut u = vec![0.0; p];
        for (b, &(s, e)) in self.blocks.iter().enumerate() {
            let ek = event_of[b];
            if ek != usize::MAX {
                d0 += ev.ev_d[ek] / ev.ev_s0[ek];
                for k in 0..p {
                    d1[k] += ev.ev_d[ek] * ev.ev_xbar[ek * p + k] / ev.ev_s0[ek];
                }
            }
            let censored = self.status[s..e].iter().filter(|&&v| v == 0).count() as f64;
            let y = (n - s) as f64;
            if censored > 0.0 {
                // q(u) = B1 C0 − B0 C1 with C over events at or after u.
                let (mut c0, mut own) = (c0_after[b], 0.0);
                if ek != usize::MAX {
                    own = ev.ev_d[ek] * self.gminus[s] / ev.ev_s0[ek];
                    c0 += own;
                }
                for k in 0..p {
                    let c1 = c1_after[b * p + k] + if ek != usize::MAX { own * ev.ev_xbar[ek * p + k] } else { 0.0 };
                    q[k] = b1[k] * c0 - b0 * c1;
                    psi_cum[k] -= censored * q[k] / (y * y);
                }
            }
            for row in s..e {
                let x = self.row(row);
                let st = self.status[row];
                for k in 0..p {
                    let mut v = -r[row] * (x[k] * d0 - d1[k]);
                    if st == 1 {
                        v += x[k] - ev.ev_xbar[ek * p + k];
                    } else if st == 2 {
                        v -= r[row] / self.gminus[row] * (x[k] * c0_after[b] - c1_after[b * p + k]);
                    }
                    v += psi_cum[k];
                    if st == 0 {
                        v += q[k] / y;
                    }
                    u[k] = v;
                }
                add_moments(1.0, &u, &mut [], &mut meat);
            }
            for row in s..e {
                if self.status[row] == 2 {
                    let w = r[row] / self.gminus[row];
                    b0 += w;
                    let x = self.row(row);
                    for k in 0..p {
                        b1[k] += w * x[k];
                    }
                }
            }
        }
        mirror_lower(&mut meat, p);
        meat
    }
}

/// Add `w·x` to `s1` (when it has room) and the lower triangle of `w·x x'` to `s2` (row-major
/// `q × q`, `q = x.len()`).
fn add_moments(w: f64, x: &[f64], s1: &mut [f64], s2: &mut [f64]) {
    let q = x.len();
    for i in 0..q {
        let wx = w * x[i];
        if let Some(v) = s1.get_mut(i) {
            *v += wx;
        }
        for j in 0..=i {
            s2[i * q + j] += wx * x[j];
        }
    }
}

/// Copy the lower triangle of a row-major `q × q` matrix into its upper triangle.
fn mirror_lower(m: &mut [f64], q: usize) {
    for i in 0..q {
        for j in 0..i {
            m[j * q + i] = m[i * q + j];
        }
    }
}

/// Fit `crr(time, status, x, failcode = 1, cencode = 0)`; status 2 = competing.
/// `x` holds one column per term, named by `names`.
pub fn crr(time: &[f64], status: &[u8], x: &[crate::stats::Col], names: &[String]) -> Result<FineGrayReport, String> {
    let n = time.len();
    let p = x.len();
    if status.len() != n || names.len() != p || x.iter().any(|c| c.len() != n) {
        return Err("internal error: time, status and covariate columns differ in length".into());
    }
    if p == 0 {
        return Err("no covariates: add at least one covariate for the Fine-Gray model".into());
    }
    if n == 0 {
        return Err("no rows with complete covariates".into());
    }
    if let Some(i) = time.iter().position(|t| !t.is_finite() || *t < 0.0) {
        return Err(format!("time of row {} is not a non-negative number", i + 1));
    }
    if let Some(i) = status.iter().position(|&s| s > 2) {
        return Err(format!("status of row {} is {}, not 0, 1 or 2", i + 1, status[i]));
    }
    for (k, col) in x.iter().enumerate() {
        if col.iter().any(|v| !v.is_finite()) {
            return Err(format!("covariate '{}' has a value that is not a finite number", names[k]));
        }
    }
    let events = status.iter().filter(|&&s| s == 1).count();
    let competing = status.iter().filter(|&&s| s == 2).count();
    if events == 0 {
        return Err("no events of interest among the rows with complete covariates".into());
    }
    let mut warnings = Vec::new();
    for (k, col) in x.iter().enumerate() {
        if col.iter().all(|&v| v == col[0]) {
            return Err(format!(
                "covariate '{}' has the same value on every row used, so its effect cannot be estimated. Remove it from the covariates.",
                names[k]
            ));
        }
    }
    let data = Data::new(time, status, x);

    let mut beta = vec![0.0; p];
    let mut converged = false;
    let mut iterations = 0;
    let mut ev = data.eval(&beta, true);
    let loglik_null = ev.loglik;
    for iter in 0..=MAX_ITER {
        iterations = iter;
        // crr minimises −log L: its gradient is −U.
        let f = -ev.loglik;
        let crit = ev.score.iter().zip(&beta).map(|(g, b)| g.abs() * b.abs().max(1.0)).fold(0.0, f64::max);
        if crit < f.abs().max(1.0) * GTOL {
            converged = true;
            break;
        }
        if iter == MAX_ITER {
            break;
        }
        let info = DMatrix::from_row_slice(p, p, &ev.info);
        let Some(step) = info.lu().solve(&DVector::from_column_slice(&ev.score)) else {
            return Err(format!(
                "the information matrix is singular at iteration {}: the covariates ({}) are collinear or a term separates the events. Remove or merge terms.",
                iter + 1,
                names.join(", ")
            ));
        };
        let mut step: Vec<f64> = step.iter().cloned().collect();
        // Predicted change of −log L along the step: step · (−U).
        let slope: f64 = step.iter().zip(&ev.score).map(|(s, g)| -s * g).sum();
        let mut halvings = 0;
        let mut trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
        let mut f_new = -data.eval(&trial, false).loglik;
        while f_new.is_nan() || f_new > f + 1e-4 * slope {
            halvings += 1;
            step.iter_mut().for_each(|s| *s *= 0.5);
            trial = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
            f_new = -data.eval(&trial, false).loglik;
            if halvings > MAX_HALVINGS {
                break;
            }
        }
        if halvings > MAX_HALVINGS {
            warnings.push("Fine-Gray: the step search failed to improve the likelihood; estimates may not be the maximum".into());
            break;
        }
        beta = trial;
        ev = data.eval(&beta, true);
    }
    if !converged {
        warnings.push(format!(
            "Fine-Gray model did not converge in {MAX_ITER} iterations (as crr's maxiter); a coefficient may be infinite: check terms with few events ({})",
            names.join(", ")
        ));
    }

    let info = DMatrix::from_row_slice(p, p, &ev.info);
    let meat = DMatrix::from_row_slice(p, p, &data.meat(&beta, &ev));
    let var = match info.clone().try_inverse() {
        Some(inv) => Some(&inv * meat * &inv),
        None => {
            warnings.push(format!(
                "Fine-Gray: the information matrix is singular, so standard errors are undefined; the covariates ({}) may be collinear",
                names.join(", ")
            ));
            None
        }
    };
    let z975 = z95();
    let terms = (0..p)
        .map(|k| {
            let coef = beta[k];
            let se = var.as_ref().map_or(f64::NAN, |v| v[(k, k)].max(0.0).sqrt());
            let z = coef / se;
            FineGrayTerm {
                name: names[k].clone(),
                coef,
                se,
                shr: coef.exp(),
                lower: (coef - z975 * se).exp(),
                upper: (coef + z975 * se).exp(),
                z,
                p: pnorm_two_sided(z),
            }
        })
        .collect();
    Ok(FineGrayReport { n, events, competing, converged, iterations, loglik: [loglik_null, ev.loglik], terms, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// O(n²) evaluation of the weighted log-likelihood straight from the definition.
    fn naive_loglik(time: &[f64], status: &[u8], x: &[f64], beta: f64) -> f64 {
        let n = time.len();
        let g_minus = |t: f64| {
            // Censoring KM strictly before t.
            let mut g = 1.0;
            let mut ts: Vec<f64> = time.iter().cloned().filter(|&u| u < t).collect();
            ts.sort_unstable_by(f64::total_cmp);
            ts.dedup();
            for u in ts {
                let c = (0..n).filter(|&j| time[j] == u && status[j] == 0).count() as f64;
                let y = (0..n).filter(|&j| time[j] >= u).count() as f64;
                g *= 1.0 - c / y;
            }
            g
        };
        let mut ll = 0.0;
        for i in 0..n {
            if status[i] != 1 {
                continue;
            }
            let t = time[i];
            let s0: f64 = (0..n)
                .map(|j| {
                    if time[j] >= t {
                        (x[j] * beta).exp()
                    } else if status[j] == 2 {
                        (x[j] * beta).exp() * g_minus(t) / g_minus(time[j])
                    } else {
                        0.0
                    }
                })
                .sum();
            ll += x[i] * beta - s0.ln();
        }
        ll
    }

    #[test]
    fn loglik_matches_the_definition() {
        let time = [1., 2., 2., 3., 3., 4., 5., 5., 6., 7., 8., 9.];
        let status = [1u8, 2, 0, 1, 2, 0, 1, 1, 2, 0, 1, 0];
        let x = [0.5, -1.0, 2.0, 0.0, 1.0, -0.5, 1.5, 0.2, -2.0, 0.7, 0.1, 1.0];
        let data = Data::new(&time, &status, &crate::stats::cols(&[x.to_vec()]));
        for beta in [-0.7, 0.0, 0.4] {
            let a = data.eval(&[beta], true).loglik;
            let b = naive_loglik(&time, &status, &x, beta);
            assert!((a - b).abs() < 1e-12, "beta {beta}: {a} vs {b}");
            // Score is the derivative of the log-likelihood.
            let h = 1e-6;
            let num = (naive_loglik(&time, &status, &x, beta + h) - naive_loglik(&time, &status, &x, beta - h)) / (2.0 * h);
            let sc = data.eval(&[beta], true).score[0];
            assert!((num - sc).abs() < 1e-6, "score {sc} vs {num}");
        }
    }

    /// `Σ_i (η_i + ψ_i)²` for one covariate straight from the definitions (O(n³)).
    fn naive_meat(time: &[f64], status: &[u8], x: &[f64], beta: f64) -> f64 {
        let n = time.len();
        let gm = |t: f64| {
            let mut g = 1.0;
            let mut ts: Vec<f64> = time.iter().cloned().filter(|&u| u < t).collect();
            ts.sort_unstable_by(f64::total_cmp);
            ts.dedup();
            for u in ts {
                let c = (0..n).filter(|&j| time[j] == u && status[j] == 0).count() as f64;
                let y = (0..n).filter(|&j| time[j] >= u).count() as f64;
                g *= 1.0 - c / y;
            }
            g
        };
        let r = |j: usize| (x[j] * beta).exp();
        // Weight of subject j in the risk set at time t.
        let w = |j: usize, t: f64| {
            if time[j] >= t {
                1.0
            } else if status[j] == 2 {
                gm(t) / gm(time[j])
            } else {
                0.0
            }
        };
        let s0 = |t: f64| (0..n).map(|j| w(j, t) * r(j)).sum::<f64>();
        let xbar = |t: f64| (0..n).map(|j| w(j, t) * r(j) * x[j]).sum::<f64>() / s0(t);
        let y = |u: f64| (0..n).filter(|&j| time[j] >= u).count() as f64;
        // q(u) for a censoring time u.
        let q = |u: f64| {
            let mut acc = 0.0;
            for e in 0..n {
                if status[e] != 1 || time[e] < u {
                    continue;
                }
                for j in 0..n {
                    if time[j] < u && status[j] == 2 {
                        acc += w(j, time[e]) * r(j) * (x[j] - xbar(time[e])) / s0(time[e]);
                    }
                }
            }
            acc
        };
        let mut total = 0.0;
        for i in 0..n {
            let mut eta = if status[i] == 1 { x[i] - xbar(time[i]) } else { 0.0 };
            for e in 0..n {
                if status[e] == 1 {
                    eta -= w(i, time[e]) * r(i) * (x[i] - xbar(time[e])) / s0(time[e]);
                }
            }
            let mut psi = if status[i] == 0 { q(time[i]) / y(time[i]) } else { 0.0 };
            for c in 0..n {
                if status[c] == 0 && time[c] <= time[i] {
                    psi -= q(time[c]) / (y(time[c]) * y(time[c]));
                }
            }
            total += (eta + psi) * (eta + psi);
        }
        total
    }

    #[test]
    fn variance_matches_the_definition() {
        // Ties between and across causes and censorings, competing failures before and after
        // censorings: the O(n) reverse/forward sums must equal the O(n³) definition.
        let time = [1., 2., 2., 2., 3., 3., 4., 5., 5., 5., 6., 7., 7., 8., 9., 9.];
        let status = [2u8, 1, 0, 2, 0, 1, 2, 1, 0, 2, 0, 1, 2, 0, 1, 0];
        let x = [0.5, -1.0, 2.0, 0.0, 1.0, -0.5, 1.5, 0.2, -2.0, 0.7, 0.1, 1.0, -0.3, 0.4, 0.9, -1.2];
        let data = Data::new(&time, &status, &crate::stats::cols(&[x.to_vec()]));
        for beta in [-0.5, 0.3] {
            let ev = data.eval(&[beta], true);
            let fast = data.meat(&[beta], &ev)[0];
            let slow = naive_meat(&time, &status, &x, beta);
            assert!((fast - slow).abs() < 1e-10 * slow.abs(), "beta {beta}: {fast} vs {slow}");
        }
    }

    #[test]
    fn separation_warns_instead_of_failing() {
        // Every event has x = 1 and nobody else does: β → ∞, crr would not converge either.
        let time: Vec<f64> = (1..=12).map(|t| t as f64).collect();
        let status = [1u8, 0, 2, 1, 0, 2, 1, 0, 0, 1, 2, 0];
        let x: Vec<f64> = status.iter().map(|&s| if s == 1 { 1.0 } else { 0.0 }).collect();
        let fit = crr(&time, &status, &crate::stats::cols(&[x]), &["x".to_string()]).expect("a report with a warning");
        assert!(!fit.converged);
        assert!(fit.warnings.iter().any(|w| w.contains("did not converge")), "{:?}", fit.warnings);
        assert!(fit.terms[0].coef > 5.0);
    }

    #[test]
    fn constant_covariate_is_an_error() {
        let r = crr(&[1., 2., 3.], &[1, 2, 0], &crate::stats::cols(&[vec![1.0, 1.0, 1.0]]), &["k".to_string()]);
        assert!(r.unwrap_err().contains("'k'"));
    }
}
