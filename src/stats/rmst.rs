//! Difference in restricted mean survival time (RMST) between groups, beside the hazard ratio.
//!
//! ## Method
//! Each group's RMST up to the horizon τ and its standard error come from its Kaplan-Meier
//! curve (`km::KmCurve::rmst`, as R's `print(survfit(...), rmean = tau)`). The groups are
//! independent samples, so for every pair (a, b), a first in level order,
//! diff = RMST(b) − RMST(a), se = sqrt(se_a² + se_b²), the 95% interval is diff ± z·se and the
//! p-value is the two-sided normal one of z = diff / se. The difference reads in time units:
//! "over the first τ days, group b lived on average `diff` days longer than group a".

use serde::Serialize;

use super::common::{pnorm_two_sided, z95};
use super::km::KmCurve;

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
            // se is 0 only when neither curve has an event before tau with survivors left:
            // the difference is then exact and no test applies (p undefined).
            let p = if se > 0.0 { pnorm_two_sided(diff / se) } else { f64::NAN };
            out.push(RmstDiff { a: a.clone(), b: b.clone(), tau: ra.tau, diff, se, lower: diff - z * se, upper: diff + z * se, p });
        }
    }
    out
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
