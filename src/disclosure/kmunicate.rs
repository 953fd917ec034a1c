//! The KMunicate risk table's censored and events rows under disclosure control (the figure
//! draws these cells as given: `plot/km.rs` lays them out and computes nothing of them).
//!
//! Each cell is the cumulative count of censorings (or events) of one curve up to and including
//! a tick time (R's `summary(survfit, times =)` summed; ggsurvfit's `cum.censor`, `cum.event`).
//! With a threshold k:
//!
//! * a count from 1 to k − 1 is written "<k"; a larger one is rounded **up** to a multiple of k
//!   (10 at k = 5 stays 10, 11 becomes 15), so that the difference of two neighbouring cells —
//!   the censorings or events between two ticks — cannot be read to fewer than k;
//! * where the protected number at risk is withheld (NaN: past the curve's cut) nothing is
//!   written ("–"), nor for a curve whose tallies are unknown (a report opened from a results
//!   link carries no per-step counts);
//! * 0 is written 0 (nobody is described by it);
//! * at k = 2 or 3 nothing is written ("–"): "<k" would be one or two values, which the numbers
//!   at risk and N narrow down to one.
//!
//! Without k the counts are written as they are.

use crate::numfmt::format_num;

/// The censored and events cells of one curve at the tick `times`: `tally` holds (time, at risk,
/// events, censored) of each step of the unprotected curve (`None`: unknown), `at_risk` the protected
/// numbers at risk at the ticks (NaN where withheld), `k` the threshold (`None`: no control).
pub fn kmunicate_cells(tally: Option<&[(f64, f64, f64, f64)]>, times: &[f64], at_risk: &[f64], k: Option<u32>) -> (Vec<String>, Vec<String>) {
    // Below k = 4 a cell "<k" holds one or two values, and with N and the numbers at risk the
    // cells give counts below k away (the exhaustive check in the tests): not released.
    let (Some(tally), false) = (tally, k.is_some_and(|k| k < 4)) else {
        return (vec!["–".to_string(); times.len()], vec!["–".to_string(); times.len()]);
    };
    let cell = |n: f64, withheld: bool| -> String {
        if withheld {
            return "–".to_string();
        }
        count_cell(n, k)
    };
    let (mut cen, mut ev) = (Vec::new(), Vec::new());
    for (t, n) in times.iter().zip(at_risk) {
        let upto = tally.partition_point(|s| s.0 <= *t);
        let (e, x) = tally[..upto].iter().fold((0.0, 0.0), |a, s| (a.0 + s.2, a.1 + s.3));
        let withheld = k.is_some() && n.is_nan();
        cen.push(cell(x, withheld));
        ev.push(cell(e, withheld));
    }
    (cen, ev)
}

/// One cumulative count as released: "<k" from 1 to k − 1, else rounded up to a multiple of k
/// (0 stays 0); as it is without k.
pub fn count_cell(n: f64, k: Option<u32>) -> String {
    match k {
        Some(k) if n > 0.0 && n < k as f64 => format!("<{k}"),
        Some(k) if n > 0.0 => format_num((n / k as f64).ceil() * k as f64),
        _ => format_num(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steps: t = 1 (2 events), 2 (1 censored), 4 (3 events, 4 censored), 7 (6 events).
    /// Cumulative at the ticks 0, 3, 5, 8: events 0, 2, 5, 11; censored 0, 1, 5, 5.
    const TALLY: [(f64, f64, f64, f64); 4] = [(1.0, 20.0, 2.0, 0.0), (2.0, 18.0, 0.0, 1.0), (4.0, 17.0, 3.0, 4.0), (7.0, 10.0, 6.0, 0.0)];

    #[test]
    fn without_k_the_counts_are_written() {
        let (cen, ev) = kmunicate_cells(Some(&TALLY), &[0.0, 3.0, 5.0, 8.0], &[20.0, 17.0, 9.0, 3.0], None);
        assert_eq!(ev, ["0", "2", "5", "11"]);
        assert_eq!(cen, ["0", "1", "5", "5"]);
    }

    #[test]
    fn with_k_small_counts_are_below_k_and_others_rounded_up() {
        // k = 5: 2 → "<5", 5 stays 5, 11 → 15; 1 → "<5"; at tick 8 the number at risk is
        // withheld (past the cut): "–".
        let (cen, ev) = kmunicate_cells(Some(&TALLY), &[0.0, 3.0, 5.0, 8.0], &[20.0, 17.0, 9.0, f64::NAN], Some(5));
        assert_eq!(ev, ["0", "<5", "5", "–"]);
        assert_eq!(cen, ["0", "<5", "5", "–"]);
        let (_, ev) = kmunicate_cells(Some(&TALLY), &[8.0], &[3.0], Some(5));
        assert_eq!(ev, ["15"]);
    }

    #[test]
    fn unknown_tallies_write_nothing() {
        let (cen, ev) = kmunicate_cells(None, &[0.0, 3.0], &[20.0, 17.0], Some(5));
        assert_eq!(cen, ["–", "–"]);
        assert_eq!(ev, ["–", "–"]);
    }

    /// Every (events, censored) history an attacker cannot tell apart from the released cells —
    /// N, and at two times the number at risk and the cumulative events and censored — keyed by
    /// what is released. A count below k is found when all histories behind one release agree on
    /// it (an event or censoring count at either time, or between the two).
    fn pinned_counts(k: u32, release_n: impl Fn(f64, f64) -> f64) -> Vec<String> {
        use std::collections::HashMap;
        let kf = k as f64;
        let mut found = Vec::new();
        for n in k..=22 {
            let nf = n as f64;
            let key = |e: u32, c: u32| -> String {
                let r = release_n(nf, nf - (e + c) as f64);
                if r.is_nan() {
                    return "withheld".into();
                }
                format!("{r}|{}|{}", count_cell(e as f64, Some(k)), count_cell(c as f64, Some(k)))
            };
            let mut seen: HashMap<(String, String), Vec<[u32; 4]>> = HashMap::new();
            for e1 in 0..=n {
                for c1 in 0..=n - e1 {
                    for e2 in e1..=n - c1 {
                        for c2 in c1..=n - e2 {
                            seen.entry((key(e1, c1), key(e2, c2))).or_default().push([e1, c1, e2, c2]);
                        }
                    }
                }
            }
            for ((a, b), hs) in &seen {
                let quantities: [(&str, fn(&[u32; 4]) -> u32, bool); 6] = [
                    ("events then", |h| h[0], a != "withheld"),
                    ("censored then", |h| h[1], a != "withheld"),
                    ("events later", |h| h[2], b != "withheld"),
                    ("censored later", |h| h[3], b != "withheld"),
                    ("events between", |h| h[2] - h[0], a != "withheld" && b != "withheld"),
                    ("censored between", |h| h[3] - h[1], a != "withheld" && b != "withheld"),
                ];
                for (what, f, shown) in quantities {
                    let v = f(&hs[0]);
                    if shown && v > 0 && (v as f64) < kf && hs.iter().all(|h| f(h) == v) {
                        found.push(format!("N = {n}, released {a} / {b}: {what} = {v}"));
                    }
                }
            }
        }
        found
    }

    #[test]
    fn numbers_at_risk_with_the_cells_pin_no_count_below_k() {
        // The released rule: N less the exits rounded down to a multiple of k. (At k = 2 or 3
        // "<k" is one or two values and the cumulative rows are not released at all.)
        for k in [4, 5, 6, 7, 10] {
            let rule = |n0: f64, n: f64| crate::disclosure::RiskRounding::of(&[(0.0, n0, 0.0, 0.0)], k).release(n);
            let found = pinned_counts(k, rule);
            assert!(found.is_empty(), "k = {k}: {:?}", &found[..found.len().min(3)]);
        }
        // The attack works: the number at risk rounded up to a multiple of k (a natural rule,
        // misaligned with N) gives censorings away.
        let ceil = |_n0: f64, n: f64| if n < 5.0 { f64::NAN } else { (n / 5.0).ceil() * 5.0 };
        let found = pinned_counts(5, ceil);
        assert!(found.iter().any(|f| f.starts_with("N = 9,")), "{found:?}");
    }
}
