//! Difference in restricted mean survival time (RMST) between groups, beside the hazard ratio.
//!
//! ## Method
//! Each group's RMST up to the horizon τ and its standard error come from its Kaplan-Meier
//! curve (`km::KmCurve::rmst`, as R's `print(survfit(...), rmean = tau)`). The groups are
//! independent samples, so for every pair (a, b), a first in level order,
//! diff = RMST(b) − RMST(a), se = sqrt(se_a² + se_b²), the 95% interval is diff ± z·se and the
//! p-value is the two-sided normal one of z = diff / se. The difference reads in time units:
//! "over the first τ days, group b lived on average `diff` days longer than group a".
//! With sampling or propensity weights each group's RMST is the area under its weighted curve
//! with the robust (infinitesimal-jackknife) standard error of [`weighted_rmst`]; the arms are
//! still independent samples, so the difference is formed the same way.

use serde::Serialize;

use super::common::{pnorm_two_sided, z95};
use super::km::{KmCurve, KmRows, Rmst};

/// RMST(b) − RMST(a) up to the horizon `tau`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RmstDiff {
    pub a: String,
    pub b: String,
    pub tau: f64,
    pub diff: f64,
    pub se: f64,
    pub lower: f64,
    pub upper: f64,
    pub p: f64,
}

/// One difference per pair of curves that carry an RMST (curves in level order; a curve
/// without a group label or an RMST is skipped).
pub fn rmst_differences(curves: &[KmCurve]) -> Vec<RmstDiff> {
    let z = z95();
    let mut out = Vec::new();
    for (i, ca) in curves.iter().enumerate() {
        for cb in &curves[i + 1..] {
            let (Some(a), Some(b), Some(ra), Some(rb)) = (&ca.group, &cb.group, &ca.rmst, &cb.rmst) else {
                continue;
            };
            let diff = rb.estimate - ra.estimate;
            let se = (ra.std_err * ra.std_err + rb.std_err * rb.std_err).sqrt();
            // se is 0 only when neither curve has an event before tau with survivors left: the
            // difference is then exact, and the normal test's limit is p = 0 for a difference
            // (R: 2 * pnorm(-Inf)) and undefined for none (0 / 0).
            let p = if se > 0.0 {
                pnorm_two_sided(diff / se)
            } else if diff != 0.0 && diff.is_finite() {
                0.0
            } else {
                f64::NAN
            };
            out.push(RmstDiff { a: a.clone(), b: b.clone(), tau: ra.tau, diff, se, lower: diff - z * se, upper: diff + z * se, p });
        }
    }
    out
}

/// RMST up to `tau` of a weighted Kaplan-Meier curve (sampling or propensity weights) with its
/// robust (infinitesimal-jackknife) standard error, the companion of the curve's own robust
/// standard errors (`survfit(..., weights = w, robust = TRUE)`); `survRM2` takes no weights, and
/// R's `print(survfit, rmean =)` applies the unweighted formula to weighted counts.
///
/// The estimate is the area under the weighted curve on [0, τ]. With n_j, d_j the weighted
/// numbers at risk and of events at event time t_j ≤ τ, λ_j = d_j/n_j and A_j the area under S
/// from t_j to τ, the derivative of log S(t_j) by the weight of row i is
/// −(dN_i(t_j) − Y_i(t_j) λ_j)/(n_j − d_j), so that of the RMST is
/// D_i = Σ_j A_j (Y_i(t_j) λ_j − dN_i(t_j)) / (n_j − d_j) (Y_i: entry_i < t_j ≤ time_i), and
/// var = Σ_i (w_i D_i)², as the curve's. A step where S reaches 0 adds nothing (A_j = 0).
/// Checked against R by numerical differentiation of the area of R's weighted `survfit` by each
/// weight (`tests/r/adjusted_bands.R`).
pub fn weighted_rmst(rows: &KmRows, tau: f64) -> Rmst {
    let n = rows.time.len();
    let wt = |i: usize| rows.weight.map_or(1.0, |w| w[i]);
    let mut by_exit: Vec<usize> = (0..n).collect();
    by_exit.sort_by(|&a, &b| rows.time[a].total_cmp(&rows.time[b]));
    let mut by_entry: Vec<usize> = if rows.entry.is_some() { (0..n).collect() } else { Vec::new() };
    if let Some(e) = rows.entry {
        by_entry.sort_by(|&a, &b| e[a].total_cmp(&e[b]));
    }
    // Event times ≤ τ with weighted n, d, and S just after.
    let (mut ev_t, mut ev_n, mut ev_d, mut ev_s) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut w_in: f64 = if rows.entry.is_none() { (0..n).map(wt).sum() } else { 0.0 };
    let (mut k, mut e, mut s) = (0usize, 0usize, 1.0f64);
    while k < n && rows.time[by_exit[k]] <= tau {
        let t = rows.time[by_exit[k]];
        if let Some(en) = rows.entry {
            while e < n && en[by_entry[e]] < t {
                w_in += wt(by_entry[e]);
                e += 1;
            }
        }
        let (mut d, mut m) = (0.0, 0.0);
        while k < n && rows.time[by_exit[k]] == t {
            let i = by_exit[k];
            if rows.status[i] == 1 {
                d += wt(i);
            }
            m += wt(i);
            k += 1;
        }
        if d > 0.0 {
            s *= if d >= w_in * (1.0 - 1e-12) { 0.0 } else { 1.0 - d / w_in };
            ev_t.push(t);
            ev_n.push(w_in);
            ev_d.push(d);
            ev_s.push(s);
        }
        w_in -= m;
    }
    let m = ev_t.len();
    // Areas from each event time to τ.
    let mut area = vec![0.0; m];
    let mut acc = 0.0;
    for j in (0..m).rev() {
        let end = if j + 1 < m { ev_t[j + 1] } else { tau };
        acc += ev_s[j] * (end - ev_t[j]);
        area[j] = acc;
    }
    let estimate = ev_t.first().copied().unwrap_or(tau) + area.first().copied().unwrap_or(0.0);
    // c_j = A_j/(n_j − d_j) (0 where S reaches 0) and the running Σ c_j λ_j.
    let c: Vec<f64> = (0..m).map(|j| if ev_s[j] > 0.0 { area[j] / (ev_n[j] - ev_d[j]) } else { 0.0 }).collect();
    let mut cum = vec![0.0; m + 1];
    for j in 0..m {
        cum[j + 1] = cum[j] + c[j] * ev_d[j] / ev_n[j];
    }
    let mut var = 0.0;
    for i in 0..n {
        let hi = ev_t.partition_point(|&t| t <= rows.time[i]);
        let lo = rows.entry.map_or(0, |en| ev_t.partition_point(|&t| t <= en[i]));
        let mut d_i = if hi > lo { cum[hi] - cum[lo] } else { 0.0 };
        if rows.status[i] == 1 && hi > 0 && ev_t[hi - 1] == rows.time[i] {
            d_i -= c[hi - 1];
        }
        var += (wt(i) * d_i).powi(2);
    }
    Rmst { tau, estimate, std_err: var.sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ConfType;
    use crate::stats::km::{kaplan_meier, KmOptions};

    fn curve(group: &str, time: &[f64], status: &[u8], tau: f64) -> KmCurve {
        let mut c = kaplan_meier(time, status, &KmOptions { conf_type: ConfType::Log, times: &[], rmst_tau: Some(tau) });
        c.group = Some(group.into());
        c
    }

    /// Neither curve varies before τ (no event in A; B's only row dies at 2): the difference is
    /// exact, se 0, and p the normal test's limit, 0 (R: 2 * pnorm(-abs(diff / 0)) = 0); two
    /// equal exact curves give 0 / 0, undefined (R: NaN).
    #[test]
    fn exact_differences_have_the_limits_p() {
        let (a, b) = (curve("A", &[5.0, 6.0], &[0, 0], 4.0), curve("B", &[2.0], &[1], 4.0));
        let d = rmst_differences(&[a.clone(), b]);
        assert_eq!((d[0].diff, d[0].se, d[0].p), (-2.0, 0.0, 0.0));
        let d = rmst_differences(&[a.clone(), KmCurve { group: Some("C".into()), ..a }]);
        assert!(d[0].diff == 0.0 && d[0].se == 0.0 && d[0].p.is_nan());
    }

    /// Group A: deaths at 1, 2, 3, 4 (S = 3/4, 1/2, 1/4, 0): RMST to τ = 4 is
    /// 1 + 3/4 + 1/2 + 1/4 = 2.5. Greenwood terms A_j² d/(n(n−d)), A_j the area after t_j:
    /// A(1) = 1.5, A(2) = 0.75, A(3) = 0.25, A(4) = 0 → 2.25/12 + 0.5625/6 + 0.0625/2 = 0.3125.
    /// Group B: deaths at 2, 4 and a censoring at 3 (S = 2/3 from 2, 0 from 4): RMST = 2 + 2·2/3
    /// = 10/3; var = (4/3)²·1/(3·2) + 0 = 8/27.
    /// diff = 10/3 − 5/2 = 5/6, se = sqrt(0.3125 + 8/27).
    #[test]
    fn difference_of_two_hand_curves() {
        let a = curve("A", &[1.0, 2.0, 3.0, 4.0], &[1, 1, 1, 1], 4.0);
        let b = curve("B", &[2.0, 3.0, 4.0], &[1, 0, 1], 4.0);
        assert!((a.rmst.as_ref().unwrap().estimate - 2.5).abs() < 1e-12);
        assert!((b.rmst.as_ref().unwrap().estimate - 10.0 / 3.0).abs() < 1e-12);
        let d = rmst_differences(&[a, b]);
        assert_eq!(d.len(), 1);
        let d = &d[0];
        assert_eq!((d.a.as_str(), d.b.as_str()), ("A", "B"));
        let se = (0.3125f64 + 8.0 / 27.0).sqrt();
        assert!((d.diff - 5.0 / 6.0).abs() < 1e-12);
        assert!((d.se - se).abs() < 1e-12, "{} vs {se}", d.se);
        assert!((d.lower - (5.0 / 6.0 - 1.959963984540054 * se)).abs() < 1e-9);
        assert!((d.p - pnorm_two_sided(5.0 / 6.0 / se)).abs() < 1e-15);
    }

    /// Times 1 (event), 2 (event), 3 (censored), τ = 3: S = 2/3 from 1, 1/3 from 2, RMST = 2.
    /// A(1) = 1, A(2) = 1/3; c = A/(n − d) = 1/2, 1/3; Σ c λ = 1/6 after t = 1, 1/3 after 2.
    /// D = 1/6 − 1/2 = −1/3 (row 1), 1/3 − 1/3 = 0 (row 2), 1/3 (row 3): var = 2/9 (here equal
    /// to Greenwood's 1/6 + 1/18). Equal weights of 2 change nothing (D halves, w doubles).
    #[test]
    fn weighted_rmst_by_hand() {
        let (time, status) = ([1.0, 2.0, 3.0], [1u8, 1, 0]);
        for w in [1.0, 2.0] {
            let weight = [w; 3];
            let rows = KmRows { time: &time, status: &status, entry: None, weight: Some(&weight), patient: None };
            let r = weighted_rmst(&rows, 3.0);
            assert!((r.estimate - 2.0).abs() < 1e-14);
            assert!((r.std_err - (2.0f64 / 9.0).sqrt()).abs() < 1e-14, "{}", r.std_err);
        }
        // Delayed entry: a fourth row entering at 1.5 (after the first event) and censored at
        // 2.5 joins the risk set at t = 2 only (n = 3 there).
        let (time, status, entry) = ([1.0, 2.0, 3.0, 2.5], [1u8, 1, 0, 0], [0.0, 0.0, 0.0, 1.5]);
        let rows = KmRows { time: &time, status: &status, entry: Some(&entry), weight: Some(&[1.0; 4]), patient: None };
        let r = weighted_rmst(&rows, 3.0);
        // S = 2/3 from 1, 2/3·2/3 = 4/9 from 2: RMST = 1 + 2/3 + 4/9.
        assert!((r.estimate - (1.0 + 2.0 / 3.0 + 4.0 / 9.0)).abs() < 1e-14);
    }

    /// Three groups give the three pairs in level order; a curve without an RMST is skipped.
    #[test]
    fn every_pair_in_level_order() {
        let c: Vec<KmCurve> = ["1", "2", "3"].iter().map(|g| curve(g, &[1.0, 2.0, 3.0], &[1, 0, 1], 2.5)).collect();
        let pairs: Vec<(String, String)> = rmst_differences(&c).into_iter().map(|d| (d.a, d.b)).collect();
        assert_eq!(pairs, [("1", "2"), ("1", "3"), ("2", "3")].map(|(a, b)| (a.to_string(), b.to_string())));
        let mut none = c.clone();
        none[1].rmst = None;
        assert_eq!(rmst_differences(&none).len(), 1);
    }
}
