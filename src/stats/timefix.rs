//! Ties broken by floating-point round-off are restored before the survival estimators run.
//!
//! A spreadsheet that computes follow-up as `days / 30.4375`, or stores `0.1 + 0.2`, holds
//! times that print alike but differ in the last bits. Kaplan-Meier steps, log-rank sums and
//! the Efron/Breslow risk sets all depend on which times are tied, so R's `survfit`,
//! `survdiff` and `coxph` first adjudicate near ties (`aeqSurv`, on by default as
//! `timefix = TRUE`), and so do we, with the same rule:
//!
//! - the distinct finite times are sorted, `y₁ < y₂ < … < y_m`;
//! - neighbours are tied when `y_{k+1} − y_k ≤ tol` or `(y_{k+1} − y_k) / mean|y| ≤ tol`, with
//!   `tol = sqrt(machine epsilon)` ≈ 1.49e-8 and `mean|y|` over the distinct times;
//! - a run of tied neighbours becomes its smallest member (so a chain of tiny gaps collapses
//!   to its first value, as R's `findInterval` on the run starts does).
//!
//! cmprsk's `cuminc` and `crr` do not do this, so competing-risks analyses use the times as
//! read. Whole-number times (days) below 6.7e7 cannot tie and cost one pass; otherwise the cost
//! is one radix sort of the `u64` bit patterns (times are non-negative, and for non-negative
//! doubles the bit pattern orders like the value).

/// `sqrt(.Machine$double.eps)`.
pub const TOLERANCE: f64 = 1.4901161193847656e-8;

/// Replace near-tied times by the first time of their run; returns how many values changed.
/// Non-finite and negative values are left alone (the caller has rejected them already).
pub fn adjudicate(time: &mut [f64]) -> usize {
    let usable = |t: &f64| t.is_finite() && *t >= 0.0;
    // Whole numbers (days, say) are at least 1 apart, so they can tie only by the relative rule,
    // which needs mean|y| ≥ 1 / tol ≈ 6.7e7: below that, nothing to do and no sort.
    if all_whole_below_limit(time) {
        return 0;
    }
    let mut keys: Vec<u64> = time.iter().filter(|t| usable(t)).map(|t| (t + 0.0).to_bits()).collect();
    crate::stats::common::radix_sort_words(&mut keys, 64);
    keys.dedup();
    if keys.len() < 2 {
        return 0;
    }
    let y = |k: u64| f64::from_bits(k);
    let mean = keys.iter().map(|&k| y(k)).sum::<f64>() / keys.len() as f64;
    let tied = |a: f64, b: f64| {
        let d = b - a;
        d <= TOLERANCE || d / mean <= TOLERANCE
    };
    if !keys.windows(2).any(|w| tied(y(w[0]), y(w[1]))) {
        return 0;
    }
    // Start of each run of tied neighbours.
    let mut cuts: Vec<f64> = Vec::with_capacity(keys.len());
    cuts.push(y(keys[0]));
    for w in keys.windows(2) {
        if !tied(y(w[0]), y(w[1])) {
            cuts.push(y(w[1]));
        }
    }
    let mut changed = 0;
    for t in time.iter_mut().filter(|t| usable(t)) {
        // The last run start at or below t.
        let i = cuts.partition_point(|&c| c <= *t);
        let c = cuts[i.saturating_sub(1)];
        if c != *t {
            *t = c;
            changed += 1;
        }
    }
    changed
}

/// Is every usable time (finite, ≥ 0) a whole number below `1 / TOLERANCE`? That is
/// `t.fract() == 0.0 && t < 1 / TOLERANCE` for each, written without `fract` (a call of libm's
/// `trunc` per value on x86-64 without SSE4.1), without conversions to integers (several
/// instructions each way for `u64` there) and without a branch per value: for 0 ≤ t < 2⁵²,
/// t + 2⁵² rounds t to a whole number (the doubles from 2⁵² to 2⁵³ are the whole numbers), so
/// t is whole exactly when (t + 2⁵²) − 2⁵² is t again. Blocks of 4096 values, so a file of
/// fractional times stops at its first block.
fn all_whole_below_limit(time: &[f64]) -> bool {
    const LIMIT: f64 = 1.0 / TOLERANCE;
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    // Not usable (NaN, negative, +∞): not asked about.
    let whole = |t: f64| !(t >= 0.0) | (t == f64::INFINITY) | ((t < LIMIT) & ((t + TWO_52) - TWO_52 == t));
    time.chunks(4096).all(|b| b.iter().fold(true, |ok, &t| ok & whole(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_off_becomes_a_tie() {
        // 0.1 + 0.2 = 0.30000000000000004 ≠ 0.3: one time as R sees it.
        let mut t = vec![0.1 + 0.2, 0.3, 1.0, 2.0];
        assert_eq!(adjudicate(&mut t), 1);
        assert_eq!(t, vec![0.3, 0.3, 1.0, 2.0]);
    }

    #[test]
    fn distinct_times_are_left_alone() {
        let mut t = vec![5.0, 1.0, 1.0, 3.0, 1e-3, 0.0];
        let before = t.clone();
        assert_eq!(adjudicate(&mut t), 0);
        assert_eq!(t, before);
    }

    #[test]
    fn relative_rule_and_chains() {
        // mean|y| of the five distinct values ≈ 6e8, so gaps up to ~8.9 are ties by the
        // relative rule; 1e9, 1e9 + 3 and 1e9 + 6 chain into one run starting at 1e9 even
        // though 1e9 + 6 is more than one tolerance from it. 1 and 2 (gap 1) also tie.
        let mut t = vec![1e9 + 6.0, 1e9, 1e9 + 3.0, 1.0, 2.0];
        adjudicate(&mut t);
        assert_eq!(t, vec![1e9, 1e9, 1e9, 1.0, 1.0]);
    }

    #[test]
    fn whole_numbers() {
        // Days: nothing to adjudicate. Huge whole numbers still follow the relative rule.
        let mut t = vec![3.0, 1.0, 2.0, 2.0, 0.0];
        assert_eq!(adjudicate(&mut t), 0);
        let mut t = vec![1e12, 1e12 + 1.0, 5.0];
        assert_eq!(adjudicate(&mut t), 1);
        assert_eq!(t, vec![1e12, 1e12, 5.0]);
    }

    #[test]
    fn many_values_against_a_comparison_sort() {
        // Enough values for the radix path; every third one nudged by one ulp.
        let mut t: Vec<f64> = (0..5000).map(|i| (i % 997) as f64 * 0.1).collect();
        for (i, v) in t.iter_mut().enumerate() {
            if i % 3 == 0 {
                *v = f64::from_bits(v.to_bits() + 1);
            }
        }
        let mut want = t.clone();
        let mut d: Vec<f64> = t.clone();
        d.sort_unstable_by(f64::total_cmp);
        d.dedup();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        for w in want.iter_mut() {
            // The smallest distinct value within a chain of tiny gaps below w.
            let mut k = d.partition_point(|&x| x < *w);
            while k > 0 && (d[k] - d[k - 1] <= TOLERANCE || (d[k] - d[k - 1]) / mean <= TOLERANCE) {
                k -= 1;
            }
            *w = d[k];
        }
        adjudicate(&mut t);
        assert_eq!(t, want);
    }

    #[test]
    fn whole_number_check_agrees_with_fract() {
        let limit = 1.0 / TOLERANCE;
        let odd = [
            0.0, -0.0, 1.0, 2.5, 1e-300, -3.0, -2.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, limit, limit - 1.0,
            (limit - 1.0).floor(), limit.floor(), limit.ceil(), 6.7e7, 4503599627370496.5, 9007199254740992.0, 1e300, 0.5, 1.0 - 1e-16,
            f64::MIN_POSITIVE, f64::MAX,
        ];
        let fract_rule = |v: &[f64]| v.iter().filter(|t| t.is_finite() && **t >= 0.0).all(|&t| t.fract() == 0.0 && t < limit);
        for &x in &odd {
            // Alone, among whole days, and past the first block.
            let mut v: Vec<f64> = (0..5000).map(|i| (i % 1500) as f64).collect();
            for probe in [vec![x], vec![1.0, x, 3.0], { v[4500] = x; v.clone() }] {
                assert_eq!(all_whole_below_limit(&probe), fract_rule(&probe), "{x}");
            }
        }
        assert!(all_whole_below_limit(&[]));
    }

    #[test]
    fn absolute_rule_near_zero() {
        // Gaps below 1.49e-8 tie whatever the scale; -0.0 and 0.0 are one value.
        let mut t = vec![1e-9, -0.0, 0.0, 1.0];
        adjudicate(&mut t);
        assert_eq!(t[0], 0.0);
        assert_eq!(t[3], 1.0);
    }
}
