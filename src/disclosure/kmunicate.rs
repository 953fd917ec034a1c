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
//! * 0 is written 0 (nobody is described by it).
//!
//! Without k the counts are written as they are.

use crate::numfmt::format_num;

/// The censored and events cells of one curve at the tick `times`: `tally` holds (time, events,
/// censored) of each step of the unprotected curve (`None`: unknown), `at_risk` the protected
/// numbers at risk at the ticks (NaN where withheld), `k` the threshold (`None`: no control).
pub fn kmunicate_cells(tally: Option<&[(f64, f64, f64)]>, times: &[f64], at_risk: &[f64], k: Option<u32>) -> (Vec<String>, Vec<String>) {
    let Some(tally) = tally else {
        return (vec!["–".to_string(); times.len()], vec!["–".to_string(); times.len()]);
    };
    let cell = |n: f64, withheld: bool| -> String {
        if withheld {
            return "–".to_string();
        }
        match k {
            Some(k) if n > 0.0 && n < k as f64 => format!("<{k}"),
            Some(k) if n > 0.0 => format_num((n / k as f64).ceil() * k as f64),
            _ => format_num(n),
        }
    };
    let (mut cen, mut ev) = (Vec::new(), Vec::new());
    for (t, n) in times.iter().zip(at_risk) {
        let upto = tally.partition_point(|s| s.0 <= *t);
        let (e, x) = tally[..upto].iter().fold((0.0, 0.0), |a, s| (a.0 + s.1, a.1 + s.2));
        let withheld = k.is_some() && n.is_nan();
        cen.push(cell(x, withheld));
        ev.push(cell(e, withheld));
    }
    (cen, ev)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steps: t = 1 (2 events), 2 (1 censored), 4 (3 events, 4 censored), 7 (6 events).
    /// Cumulative at the ticks 0, 3, 5, 8: events 0, 2, 5, 11; censored 0, 1, 5, 5.
    const TALLY: [(f64, f64, f64); 4] = [(1.0, 2.0, 0.0), (2.0, 0.0, 1.0), (4.0, 3.0, 4.0), (7.0, 6.0, 0.0)];

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
}
