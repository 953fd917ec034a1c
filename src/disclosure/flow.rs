//! Disclosure rules for the cohort flow (`report.flow`: rows read, filtered, excluded by reason,
//! analysed per group), with the same k as [`super::protect`]:
//!
//! * file line numbers of excluded rows never leave;
//! * rows read and filtered out are withheld with the report's other file counts, the analysed
//!   total with its totals, a group's n and events as the group's curve's;
//! * an exclusion reason with 1 to k − 1 rows is pooled with the other small ones into "other
//!   reasons"; while that pool still holds fewer than k rows the smallest remaining reason joins
//!   it (secondary suppression: no small count follows from the total by subtraction); when
//!   every reason is pooled and the pool is still below k, no exclusion count is released.

use super::{small, Withheld};
use crate::report::{FlowExclusion, Report};

pub(super) fn protect_flow(r: &mut Report, k: u32, w: &mut Withheld) {
    let Some(f) = r.flow.as_mut() else { return };
    let kk = k as usize;
    for e in f.excluded.iter_mut() {
        e.lines.clear();
    }
    if w.file_rows {
        f.rows_read = 0;
        f.filtered_out = 0;
    }
    if w.totals {
        f.analysed = 0;
    }
    for g in f.groups.iter_mut() {
        if w.totals || small(g.n, k) {
            g.n = 0;
            g.events = 0;
        } else if small(g.events, k) {
            g.events = 0;
        }
    }
    if !f.excluded.iter().any(|e| small(e.count, k)) {
        return;
    }
    w.flow_pooled = true;
    let mut rest = std::mem::take(&mut f.excluded);
    rest.sort_by_key(|e| e.count);
    let (mut pooled, mut count) = (Vec::new(), 0usize);
    while let Some(e) = rest.first() {
        if e.count >= kk && count >= kk {
            break;
        }
        count += e.count;
        pooled.push(rest.remove(0).reason);
    }
    // The reasons are named (they are no counts); only the pooled count is shown, or none.
    if count < kk {
        f.excluded = vec![FlowExclusion { reason: format!("{} (counts below {k} are not shown)", pooled.join("; ")), count: 0, lines: Vec::new() }];
    } else {
        rest.push(FlowExclusion { reason: format!("other reasons: {} (pooled so that no count below {k} is shown)", pooled.join("; ")), count, lines: Vec::new() });
        f.excluded = rest;
    }
}
