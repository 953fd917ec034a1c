//! The proportional-hazards residual plot as it may leave the page.
//!
//! Each scaled Schoenfeld residual belongs to one event: its time is a patient's event time and
//! its value a function of that patient's covariates (a 0/1 term's residual tells whether the
//! patient who died then had the trait). So no single point is released. The rule:
//!
//! * the events, in order of the plot's x (transformed time), are pooled in runs of k (the last
//!   run, when shorter, joins the one before); each pool is released as one point at its mean
//!   time and mean x, with each term's mean residual over the pool (withheld, `NaN`, when fewer
//!   than k of the pool's residuals are defined);
//! * the smoother β(t) and its ± 2 SE band (fitted to every event, an aggregate like a
//!   coefficient) are released between the first and last pooled points only — beyond them
//!   they would show the plot's range, the first and last event's transformed times;
//! * fewer than k events in the model: nothing (the plot is not released);
//! * a term whose level has fewer than k patients or events (suppressed in the model table) has
//!   no panel;
//! * the number of events is left out (0) when the model's is.
//!
//! Pooling averages k residuals as the Kaplan-Meier coarsening pools k events: any released
//! number rests on at least k patients' values. Released values have 6 significant digits (a
//! plot needs no more; the browser's WebAssembly and the native command line, whose `exp` and
//! `log` may differ in the last bit, then write the same bytes).

use crate::stats::zph::{ZphPlot, ZphSmooth, ZphTermPlot};

/// `res` as it may be released for threshold `k`, without the terms named in `suppressed`;
/// `None` when the model has fewer than k events (or no point can be pooled), or every term is
/// suppressed.
pub fn pool_residuals(res: &ZphPlot, k: u32, suppressed: &[String], events_withheld: bool) -> Option<ZphPlot> {
    let k = k.max(1) as usize;
    let n = res.x.len().min(res.time.len());
    if n < k || res.events < k || res.terms.iter().all(|t| suppressed.contains(&t.name)) {
        return None;
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| res.x[i].is_finite() && res.time[i].is_finite()).collect();
    if order.len() < k {
        return None;
    }
    order.sort_by(|&a, &b| res.x[a].total_cmp(&res.x[b]).then(res.time[a].total_cmp(&res.time[b])));
    // Runs of k; a short last run joins the one before.
    let mut pools: Vec<&[usize]> = order.chunks(k).collect();
    if pools.len() > 1 && pools.last().is_some_and(|p| p.len() < k) {
        let last = pools.pop().map(|p| p.len()).unwrap_or(0);
        let start = order.len() - last - pools.last().map(|p| p.len()).unwrap_or(0);
        pools.pop();
        pools.push(&order[start..]);
    }
    let mean = |v: &[f64], pool: &[usize]| -> f64 {
        let vals: Vec<f64> = pool.iter().map(|&i| v.get(i).copied().unwrap_or(f64::NAN)).filter(|x| x.is_finite()).collect();
        if vals.len() < k {
            f64::NAN
        } else {
            vals.iter().sum::<f64>() / vals.len() as f64
        }
    };
    let x: Vec<f64> = pools.iter().map(|p| mean(&res.x, p)).collect();
    let time: Vec<f64> = pools.iter().map(|p| mean(&res.time, p)).collect();
    let (lo, hi) = (x.first().copied().unwrap_or(0.0), x.last().copied().unwrap_or(0.0));
    let terms = res
        .terms
        .iter()
        .filter(|t| !suppressed.contains(&t.name))
        .map(|t| ZphTermPlot {
            name: t.name.clone(),
            coef: t.coef,
            var: t.var,
            y: pools.iter().map(|p| mean(&t.y, p)).collect(),
            smooth: t.smooth.as_ref().and_then(|s| clip_smooth(s, lo, hi)),
        })
        .collect();
    let mut out = ZphPlot { transform: res.transform, events: if events_withheld { 0 } else { res.events }, time, x, terms };
    let round = |v: &mut Vec<f64>| v.iter_mut().for_each(|x| *x = sig6(*x));
    round(&mut out.time);
    round(&mut out.x);
    for t in out.terms.iter_mut() {
        round(&mut t.y);
        t.var = sig6(t.var);
        if let Some(sm) = t.smooth.as_mut() {
            for v in [&mut sm.x, &mut sm.fit, &mut sm.lower, &mut sm.upper] {
                round(v);
            }
        }
    }
    Some(out)
}

/// `x` to 6 significant digits.
fn sig6(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.5e}").parse().unwrap_or(x)
}

/// The smoother between `lo` and `hi` (its grid points inside, and the fit at both ends by
/// linear interpolation); `None` when fewer than two points remain.
fn clip_smooth(s: &ZphSmooth, lo: f64, hi: f64) -> Option<ZphSmooth> {
    if !(hi > lo) {
        return None;
    }
    let at = |v: &[f64], x: f64| -> f64 {
        let j = s.x.partition_point(|&g| g < x);
        if j == 0 {
            return v[0];
        }
        if j >= s.x.len() {
            return v[s.x.len() - 1];
        }
        let (x0, x1) = (s.x[j - 1], s.x[j]);
        if x1 > x0 { v[j - 1] + (x - x0) / (x1 - x0) * (v[j] - v[j - 1]) } else { v[j] }
    };
    let mut out = ZphSmooth { x: vec![], fit: vec![], lower: vec![], upper: vec![] };
    let mut push = |x: f64| {
        out.x.push(x);
        out.fit.push(at(&s.fit, x));
        out.lower.push(at(&s.lower, x));
        out.upper.push(at(&s.upper, x));
    };
    if s.x.is_empty() {
        return None;
    }
    push(lo);
    for &g in s.x.iter().filter(|&&g| g > lo && g < hi) {
        push(g);
    }
    push(hi);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::zph::ZphTransform;

    fn plot(n: usize) -> ZphPlot {
        let x: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
        ZphPlot {
            transform: ZphTransform::Km,
            events: n,
            time: (0..n).map(|i| 10.0 * (i + 1) as f64).collect(),
            x: x.clone(),
            terms: vec![ZphTermPlot {
                name: "a".into(),
                coef: 0.5,
                var: 0.1,
                y: (0..n).map(|i| i as f64).collect(),
                smooth: Some(ZphSmooth { x: vec![0.0, 0.25, 0.5, 0.75, 1.0], fit: vec![0.0, 1.0, 2.0, 3.0, 4.0], lower: vec![-1.0; 5], upper: vec![5.0; 5] }),
            }],
        }
    }

    /// 12 events at k = 5: pools of 5 and 7 (the short run of 2 joins the one before); the
    /// points are the pools' means: x (0..4)/12 → 2/12, (5..11)/12 → 8/12; residual means 2 and 8.
    #[test]
    fn pools_of_at_least_k_events() {
        let p = pool_residuals(&plot(12), 5, &[], false).unwrap();
        assert_eq!(p.x.len(), 2);
        assert!((p.x[0] - 2.0 / 12.0).abs() < 1e-6 && (p.x[1] - 8.0 / 12.0).abs() < 1e-6, "6 significant digits");
        assert_eq!(p.terms[0].y, vec![2.0, 8.0]);
        assert_eq!(p.time, vec![30.0, 90.0]);
        // The smoother starts and ends at the pooled points: fit at x = 2/12 is 2/3 (linear).
        let s = p.terms[0].smooth.as_ref().unwrap();
        assert!((s.x[0] - 2.0 / 12.0).abs() < 1e-6 && (s.x.last().unwrap() - 8.0 / 12.0).abs() < 1e-6);
        assert!((s.fit[0] - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(s.x.len(), 4, "ends plus the grid points 0.25 and 0.5 inside");
    }

    #[test]
    fn fewer_than_k_events_release_nothing_and_suppressed_terms_go() {
        assert!(pool_residuals(&plot(4), 5, &[], false).is_none());
        // Every term suppressed: nothing to draw, and the export says why.
        assert!(pool_residuals(&plot(10), 5, &["a".to_string()], true).is_none());
        let p = pool_residuals(&plot(10), 5, &["b".to_string()], true).unwrap();
        assert_eq!(p.terms.len(), 1);
        assert_eq!(p.events, 0);
    }

    /// A pool with fewer than k defined residuals (R's NA) withholds that term's point.
    #[test]
    fn undefined_residuals_do_not_count() {
        let mut r = plot(10);
        r.terms[0].y[0] = f64::NAN;
        let p = pool_residuals(&r, 5, &[], false).unwrap();
        assert!(p.terms[0].y[0].is_nan());
        assert_eq!(p.terms[0].y[1], 7.0);
    }
}
