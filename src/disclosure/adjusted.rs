//! Disclosure rules for the adjusted comparisons (subgroups, adjusted curves, propensity
//! weighting, RMST differences): the same threshold k as the rest of [`super::protect`].
//!
//! * **Subgroup rows.** A level with fewer than k patients or events, or with fewer than k
//!   patients free of the event, keeps its name but releases no count; with fewer than k
//!   patients or events its hazard ratio, CI and p are withheld too (a Cox variance of a few
//!   events is about 1/d₁ + 1/d₀: inverting it gives the counts back), and so they are when
//!   one arm of the group within the level has fewer than k patients or events (d₁ itself).
//!   Such a level's column releases no interaction test: with the other levels' rows and the
//!   overall hazard ratio, it gives the level's coefficient and variance back.
//! * **Adjusted curves.** Released only at the times of the released (coarsened) Kaplan-Meier
//!   steps, each resting on at least k events, and cut where those are cut; a landmark takes the
//!   released curve's value. Their jumps (baseline-hazard increments) then span ≥ k events.
//!   A group withheld for its size or its events releases no adjusted curve (its curve would
//!   give back its level's hazard ratio, withheld by the Cox rules).
//! * **Propensity.** The logistic model's coefficients and the effective sample sizes stay; the
//!   smallest and largest weight and propensity score (single patients' values) never leave; an
//!   arm of fewer than k patients releases no count; a count of extreme weights from 1 to k − 1
//!   is withheld; a balance row of a 0/1 term with fewer than k patients at either value in an
//!   arm releases no SMD (nor, then, the largest SMD after weighting, which may be that row's),
//!   and that term of the propensity model no coefficient (its variance, about Σ 1/cell over the
//!   term-by-arm table, gives the cell back).
//! * **RMST differences** involving a group withheld for its size are not released.

#[cfg(feature = "extended")]
use super::small;
use super::Withheld;
use crate::report::Report;

/// Applies the rules above to `r` (a clone of `orig` that [`super::protect`] is protecting).
pub(super) fn protect_adjusted(orig: &Report, r: &mut Report, k: u32, w: &mut Withheld) {
    #[cfg(feature = "extended")]
    protect_extended(orig, r, k, w);
    // A build without the extended estimators (the page's first module) never computes these;
    // should a report carry them, none leaves.
    #[cfg(not(feature = "extended"))]
    {
        let _ = (orig, k);
        r.subgroups.clear();
        r.subgroup_overall = None;
        r.interaction.clear();
        r.adjusted.clear();
        r.propensity = None;
    }

    // RMST differences with a small group.
    let small_groups = w.small_groups.clone();
    r.rmst_diff.retain(|d| !small_groups.contains(&d.a) && !small_groups.contains(&d.b));
}

/// Subgroups, adjusted curves and propensity weighting (the extended estimators).
#[cfg(feature = "extended")]
fn protect_extended(orig: &Report, r: &mut Report, k: u32, w: &mut Withheld) {
    let kk = k as usize;

    // Subgroups (the overall row by the same rule).
    let mut hidden_levels: Vec<String> = Vec::new();
    for s in r.subgroups.iter_mut().chain(r.subgroup_overall.as_mut()) {
        let few = small(s.n, k) || small(s.events, k);
        let complement = s.n > s.events && s.n - s.events < kk;
        if few || complement {
            w.subgroups.push(format!("{}={}", s.column, s.level));
            s.n = 0;
            s.events = 0;
            s.small = true;
        }
        // An arm with few patients or events within the level: the HR's variance gives them.
        if few || s.smallest_arm_count < kk {
            for v in [&mut s.coef, &mut s.se, &mut s.hr, &mut s.lower, &mut s.upper, &mut s.p] {
                *v = f64::NAN;
            }
            hidden_levels.push(s.column.clone());
        }
    }
    // A column with a level whose hazard ratio is withheld releases no interaction test either:
    // with the other levels' rows and the overall hazard ratio (close to their inverse-variance
    // mean), the test (about (b₁ − b₂)²/(v₁ + v₂) for two levels) gives the withheld level's b
    // and v back, and v (about 1/d₁ + 1/d₀) its counts.
    r.interaction.retain(|t| {
        let keep = !hidden_levels.contains(&t.column);
        if !keep {
            w.tests.push(format!("the test of interaction with {}", t.column));
        }
        keep
    });

    // The overall row counts every analysed patient: withheld with the totals.
    if let Some(o) = r.subgroup_overall.as_mut().filter(|_| w.totals) {
        o.n = 0;
        o.events = 0;
        o.small = true;
    }

    // Adjusted curves: released at the ends of pools of consecutive event times (all groups
    // together) holding at least k events, and cut where fewer than k remain at risk.
    if !r.adjusted.is_empty() {
        let released = pooled_times(orig, kk);
        let end = released.last().copied();
        for a in r.adjusted.iter_mut() {
            // A group withheld for its size or its events: its adjusted curve is the cohort's
            // baseline survival raised to its level's hazard ratio, which the Cox rules withhold
            // for such a level; none of the curve leaves (the figure names the group, no line).
            if w.few(Some(&a.group)) {
                a.steps.clear();
                a.at.iter_mut().for_each(|at| at.surv = f64::NAN);
                a.n = 0;
                // The group's own count of the model's rows: withheld as the others' are (it
                // was released as it stood: 1 for lung's ph.ecog = 3).
                if w.totals || small(a.n_group, k) {
                    a.n_group = 0;
                }
                continue;
            }
            let Some(o) = orig.adjusted.iter().find(|o| o.group == a.group) else { continue };
            // The original curve's point at t (a step function starting at 1); the band at a released time is the original step's (before the first: none).
            let point_at = |t: f64| o.steps.iter().take_while(|s| s.time <= t).last().map_or(crate::adjust::TimeSurv::bare(t, 1.0), |s| crate::adjust::TimeSurv { time: t, ..s.clone() });
            a.steps = released.iter().map(|&t| point_at(t)).collect();
            for at in a.at.iter_mut() {
                *at = match end {
                    Some(e) if at.time <= e => released.iter().take_while(|&&t| t <= at.time).last().map_or(crate::adjust::TimeSurv::bare(at.time, 1.0), |&t| crate::adjust::TimeSurv { time: at.time, ..point_at(t) }),
                    _ => crate::adjust::TimeSurv::bare(at.time, f64::NAN),
                };
            }
            if w.totals || small(a.n_group, k) {
                a.n_group = 0;
            }
            if w.totals {
                a.n = 0;
            }
        }
        if end.is_some_and(|e| orig.adjusted.iter().any(|o| o.steps.last().is_some_and(|s| s.time > e))) {
            w.cuts.push(super::Cut {
                group: None,
                cause: Some("adjusted".to_string()),
                at: end.unwrap_or(0.0),
                reason: format!("adjusted curves released at pools of at least {k} events, cut where fewer than {k} remain at risk"),
            });
        }
    }

    // Propensity weighting.
    if let Some(p) = r.propensity.as_mut() {
        if w.totals || small(p.n, k) {
            p.n = 0;
        }
        for e in p.ess.iter_mut() {
            e.min_weight = f64::NAN;
            e.max_weight = f64::NAN;
            e.ps_min = f64::NAN;
            e.ps_max = f64::NAN;
            if small(e.extreme, k) {
                e.extreme = 0;
                w.propensity_extreme_withheld = true;
            }
            // Under ATT the treated arm's weights are all 1: its ESS is its count exactly, and
            // otherwise a lower bound of it.
            if small(e.n, k) || w.totals {
                e.n = 0;
                e.weight_sum = f64::NAN;
                e.ess = f64::NAN;
            }
        }
        // The count of extreme weights over both arms: small, or an arm's withheld (the total
        // less the other arm's would give it).
        if small(p.extreme, k) || w.propensity_extreme_withheld {
            p.extreme = 0;
            w.propensity_extreme_withheld = true;
        }
        for b in p.balance.iter_mut() {
            if b.small || b.smallest_cell < k as usize {
                b.small = true;
                b.smd_before = f64::NAN;
                b.smd_after = f64::NAN;
            }
        }
        // The largest |SMD| after weighting may be a withheld row's.
        if p.balance.iter().any(|b| b.small) {
            p.max_smd_after = f64::NAN;
        }
        // The propensity model's term of such a 0/1 column: its variance (about the sum of
        // 1/cell over the 2×2 table of term by arm) gives the small cell back.
        for t in p.terms.iter_mut() {
            if p.balance.iter().any(|b| b.small && b.name == t.name) {
                for v in [&mut t.coef, &mut t.se, &mut t.z, &mut t.p] {
                    *v = f64::NAN;
                }
            }
        }
    }
}

/// Ends of pools of consecutive event times (all Kaplan-Meier groups together) that hold at
/// least `k` events, up to where fewer than `k` remain at risk.
#[cfg(feature = "extended")]
fn pooled_times(orig: &Report, k: usize) -> Vec<f64> {
    let mut times: Vec<f64> = orig.km.iter().flat_map(|c| c.steps.iter().map(|s| s.time)).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut out = Vec::new();
    let mut pool = 0.0;
    for &t in &times {
        // At risk just before t and events at t, over the groups.
        let (mut at_risk, mut events) = (0.0, 0.0);
        for c in &orig.km {
            let i = c.steps.partition_point(|s| s.time < t);
            if let Some(s) = c.steps.get(i) {
                at_risk += s.n_risk;
                if s.time == t {
                    events += s.n_event;
                }
            }
        }
        if at_risk < k as f64 {
            break;
        }
        pool += events;
        if pool >= k as f64 {
            out.push(t);
            pool = 0.0;
        }
    }
    out
}
