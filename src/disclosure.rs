//! Disclosure control: the one place that decides what of a [`Report`] may leave the page.
//!
//! Every export (the results link, the report JSON, the tables CSV, Table 1 as CSV or Markdown,
//! the methods paragraph, the figures, the R and Python scripts) is made from [`protect`]'s
//! output, for a threshold k, so the same rules hold whether the output is a link, a file or a
//! figure. The rules follow OpenSAFELY's output checking and its disclosure-safe Kaplan-Meier
//! (every step of a released curve rests on at least k events) and statistical disclosure
//! control's primary and secondary cell suppression:
//!
//! * **Small groups.** A group of fewer than k patients keeps its name (written "n < k") but
//!   none of its curve. A group with fewer than k events keeps its size but not its events.
//! * **Totals.** When a group's size or events are withheld, so are the totals they would be
//!   recovered from by subtraction (analysed rows and events, the models' n and events, the rows
//!   in the file). Rows in the file and rows filtered out are withheld when the rows excluded
//!   (file − filtered − analysed) or filtered out are between 1 and k − 1.
//! * **Curves.** Each Kaplan-Meier or cumulative-incidence curve is coarsened: consecutive event
//!   times are pooled until they hold at least k events, and only the estimate at the end of each
//!   pool is released (with its 95% CI, to 4 decimals). Any ratio of released steps, any
//!   difference of variances, rests on at least k events. The curve is cut where fewer than k
//!   remain at risk, or where the events left after the last release are fewer than k: what lies
//!   beyond is not released (the figure marks the cut, the number-at-risk cells read "<k").
//!   Released steps carry no event or censoring counts, standard errors or cumulative hazards
//!   (from which ΔH/Δ(se²) gives the number at risk); the number at risk shown with a step is
//!   the one at the start of its pool (at least k), and every number at risk released (with a
//!   step, in the risk table, at the summary times) is rounded by one rule, [`RiskRounding`]:
//!   without delayed entry N less the exits rounded down to a multiple of k (exact values would
//!   give the censorings between pools by subtraction). Inside a pool only
//!   censoring marks are released (no step at an event time), and only when the pool holds at
//!   least k censorings; a flat tail of censorings after the last pool is drawn to its end, with
//!   marks only when it holds at least k. Landmark estimates are the released curve's
//!   value at the landmark (so they never fall between pooled events).
//! * **Models.** Coefficients, covariance and tests stay. A categorical level with fewer than k
//!   patients or events in the model's rows (or a value of a 0/1 numeric term) is named in
//!   [`Withheld::terms`] and its row (covariance, PH test) is suppressed in every export, in the
//!   Cox, univariable, Fine-Gray and parametric models; a parametric model's covariate means
//!   (a level's share to 12 digits) never leave. The per-event Schoenfeld residuals never leave:
//!   the residual plot is released with the residuals pooled in runs of k events and the
//!   smoother between the first and last pooled points (`disclosure/residuals.rs`).
//! * **Tests.** The log-rank (or G-rho) test, the test for trend and the pairwise rows of a group
//!   of fewer than k patients or events, and Gray's test of a cause with fewer than k events in a
//!   group, are withheld (the statistic is near (O − E)²/V of that group); a model whose every
//!   term is suppressed keeps no global test, log-likelihood or concordance.
//! * **Table 1.** A count between 1 and k − 1 is written "<k" with no percent (primary);
//!   where a column of a variable (its levels and its missing count, which add up to the
//!   group's N) has exactly one suppressed cell, the next smallest non-zero cell is suppressed too
//!   (secondary, written "suppressed"), so no cell follows by subtraction. A group of fewer than k
//!   has every cell and summary withheld. Minimum and maximum (single patients' values) never
//!   leave.
//! * **Free text.** Warnings and ingestion notes (they can quote cells or small counts), the
//!   file name and smoothed hazards (drawn from every event time) are left out.

use serde::{Deserialize, Serialize};

mod adjusted;
mod flow;
mod kmunicate;
mod residuals;

pub use kmunicate::kmunicate_cells;

use crate::report::Report;
use crate::spec::AnalysisSpec;
use crate::stats::km::{KmAt, KmCurve, KmStep};
use crate::table::Table;

/// The page's default threshold.
pub const DEFAULT_K: u32 = 5;

/// Decimals of a released estimate (a survival probability printed to 4 decimals at most).
const DECIMALS: f64 = 1e4;

/// Where a released curve stops.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cut {
    pub group: Option<String>,
    /// `event` or `competing` for a cumulative-incidence curve; `None` for Kaplan-Meier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Time of the last released step (0 when nothing was released).
    pub at: f64,
    /// Why it stops there.
    pub reason: String,
}

/// What [`protect`] withheld, for the exports to say so (and to write withheld counts as such).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct Withheld {
    pub k: u32,
    /// How curves were protected (for the methods text and the JSON).
    pub method: String,
    /// Groups of fewer than k patients: named, curve not released.
    pub small_groups: Vec<String>,
    /// Groups whose number of events (or competing events) is between 1 and k − 1.
    pub few_events: Vec<String>,
    /// The overall n and events (and models' n and events) are withheld: they would give a
    /// withheld group's count by subtraction.
    pub totals: bool,
    /// Rows in the file and rows filtered out are withheld (a small number of excluded rows).
    pub file_rows: bool,
    /// Where each curve was cut.
    pub cuts: Vec<Cut>,
    /// Model terms (categorical levels) with fewer than k patients or events: suppressed.
    pub terms: Vec<String>,
    /// Subgroup rows (`column=level`) whose counts are withheld (see `disclosure/adjusted.rs`).
    pub subgroups: Vec<String>,
    /// A count of extreme propensity weights from 1 to k − 1 was withheld.
    pub propensity_extreme_withheld: bool,
    /// Exclusion reasons of the cohort flow with fewer than k rows were pooled.
    pub flow_pooled: bool,
    /// Tests withheld because they compare a group of fewer than k patients or events (the
    /// log-rank, trend, pairwise and Gray tests), or because every term of their model is
    /// suppressed (a model's global tests): named for the methods text.
    pub tests: Vec<String>,
    /// Table 1 cells suppressed: primary ("<k") and secondary.
    pub table1_primary: usize,
    pub table1_secondary: usize,
}

impl Withheld {
    /// Whether anything at all was suppressed (for "counts below k are withheld" sentences).
    pub fn any(&self) -> bool {
        !self.small_groups.is_empty()
            || !self.few_events.is_empty()
            || self.totals
            || self.file_rows
            || !self.cuts.is_empty()
            || !self.terms.is_empty()
            || !self.subgroups.is_empty()
            || self.propensity_extreme_withheld
            || self.flow_pooled
            || !self.tests.is_empty()
            || self.table1_primary > 0
    }
    /// Whether group `g`'s size is withheld.
    pub fn small(&self, g: Option<&str>) -> bool {
        g.is_some_and(|g| self.small_groups.iter().any(|x| x == g))
    }
    /// Whether group `g`'s events are withheld.
    pub fn few(&self, g: Option<&str>) -> bool {
        self.small(g) || g.is_some_and(|g| self.few_events.iter().any(|x| x == g))
    }
}

pub use crate::stats::table1::{Table1Mask, MISSING_CELL, N_CELL};

/// A report made safe to release for a threshold k: the same [`Report`] type (so the figures
/// draw from it), with withheld counts set to 0 and listed in [`Protected::withheld`].
#[derive(Debug, Clone)]
pub struct Protected {
    pub report: Report,
    pub withheld: Withheld,
    pub table1: Table1Mask,
}

fn round(v: f64) -> f64 {
    if v.is_finite() {
        (v * DECIMALS).round() / DECIMALS
    } else {
        v
    }
}

pub(super) fn small(v: usize, k: u32) -> bool {
    v > 0 && v < k as usize
}

/// One curve's event/at-risk tallies at its step times (time, at risk, events of the curve's cause,
/// censored or leaving otherwise).
struct Tally {
    time: f64,
    n_risk: f64,
    events: f64,
    leaving: f64,
}

/// A curve's pooling: the steps that are released, in time order, each with the number at risk
/// at the start of its pool, and where the curve stops.
struct Coarse {
    /// (tally index, number at risk at the start of its pool, whether it is a pool's end: a
    /// released estimate; otherwise a censoring mark on the released curve, or the end of its
    /// flat tail; whether its censorings may be marked)
    items: Vec<(usize, f64, bool, bool)>,
    /// The time of the last released step and why nothing after it is, when the curve stops
    /// before its last tally.
    cut: Option<(f64, String)>,
}

/// How a curve's numbers at risk are released (the steps' and those at chosen times: the risk
/// table, the summary at `times`). One rule for all of them, so that no two releases of the same
/// number rounded two ways narrow it down:
///
/// * **Without delayed entry** (every step's number at risk is the one before it less its events
///   and censorings) the number at risk at t is N − X, X the patients who left before t. It is
///   released as N − k⌊X/k⌋: the exits rounded **down** to a multiple of k, so the number is at
///   most k − 1 above the truth and never below it, and is withheld ("<k") when that is below k.
///   The exits' brackets are then aligned with those of the risk table's cumulative events and
///   censored (rounded up to multiples of k, `disclosure/kmunicate.rs`): together with N no
///   event or censoring count below k follows, at one time or between two (checked exhaustively
///   in `kmunicate.rs`' tests; the number at risk rounded up to a multiple of k instead gives
///   censorings away, e.g. N = 29, at risk "20", events "5" and censored "<5": exactly 4).
/// * **With delayed entry** the number at risk is not N less the exits (entries are not
///   released): it is rounded up to a multiple of k, and withheld below k.
///
/// OpenSAFELY's disclosure-safe Kaplan-Meier releases its numbers at risk the same way, as N less
/// rounded cumulative counts.
#[derive(Clone, Copy, Debug)]
pub struct RiskRounding {
    /// The number at risk at the curve's first step (N, the group's size, without entry).
    n0: f64,
    /// Whether the numbers at risk are N less the exits (no delayed entry).
    exits: bool,
    k: u32,
}

impl RiskRounding {
    /// The rule of one curve, from its steps' (time, at risk, events, censored) in time order.
    pub fn of(steps: &[(f64, f64, f64, f64)], k: u32) -> RiskRounding {
        let n0 = steps.first().map_or(0.0, |s| s.1);
        let tol = 1e-9 * n0.abs().max(1.0);
        let exits = steps.windows(2).all(|w| (w[0].1 - w[0].2 - w[0].3 - w[1].1).abs() <= tol);
        RiskRounding { n0, exits, k: k.max(1) }
    }

    /// The released value of a number at risk `n` (NaN stays NaN; below k, 0 too: NaN, "<k" —
    /// a 0 at the end of follow-up with the cumulative counts would give one of them exactly).
    pub fn release(&self, n: f64) -> f64 {
        let kf = f64::from(self.k);
        if !n.is_finite() {
            return n;
        }
        if self.exits {
            let x = (self.n0 - n).max(0.0);
            let r = self.n0 - ((x + 1e-9) / kf).floor() * kf;
            if r < kf {
                f64::NAN
            } else {
                r
            }
        } else if n < kf {
            f64::NAN
        } else {
            (n / kf).ceil() * kf
        }
    }

    /// The released number at risk at time `t` of a curve with these steps (the number at risk
    /// at the first step at or after `t`, as R's `summary(survfit, times = t)`; 0 past the last).
    pub fn at(&self, steps: &[(f64, f64, f64, f64)], t: f64) -> f64 {
        let i = steps.partition_point(|s| s.0 < t);
        self.release(steps.get(i).map_or(0.0, |s| s.1))
    }
}

/// Pool consecutive tallies until they hold at least k events; stop where fewer than k are at
/// risk, and drop a last pool of fewer than k events. Each pool's number at risk at its start is
/// released by the curve's `rule` (`None`: curves whose numbers at risk are not released; NaN).
fn coarsen(tallies: &[Tally], k: u32, rule: Option<&RiskRounding>) -> Coarse {
    let kf = k as f64;
    // A pool's start is released at least k (it is: the curve is cut below k at risk).
    let release = |n: f64| rule.map_or(f64::NAN, |r| r.release(n).max(kf));
    let mut items = Vec::new();
    let mut cut = None;
    let mut start = 0;
    let mut events = 0.0;
    let mut pending: Vec<usize> = Vec::new();
    let mut last_time = 0.0;
    for (i, t) in tallies.iter().enumerate() {
        if t.n_risk < kf {
            cut = Some(format!("fewer than {k} at risk after this time"));
            break;
        }
        events += t.events;
        if t.events > 0.0 || t.leaving > 0.0 {
            pending.push(i);
        }
        if events >= kf {
            // The pool's start by the curve's rule (without entries the first pool's is N less
            // no exits: the group's size, released anyway; with entries, rounded up as the rest).
            let n0 = release(tallies[start].n_risk);
            // Inside a pool only censoring marks are released, and only when the pool holds at
            // least k censorings: a step at an event time inside the pool would date single
            // events, and a pool's few marks would count its censorings (below k).
            let marks = pending.iter().map(|&j| tallies[j].leaving).sum::<f64>() >= kf;
            items.extend(pending.drain(..).filter(|&j| j == i || (marks && tallies[j].leaving > 0.0)).map(|j| (j, n0, j == i, marks)));
            events = 0.0;
            start = i + 1;
            last_time = t.time;
        }
    }
    if events > 0.0 {
        cut.get_or_insert_with(|| format!("fewer than {k} events after this time"));
    } else if let Some(&j) = pending.last() {
        // Only censorings since the last release: the curve is flat there, and is shown so to
        // the last of them; their marks only when there are at least k.
        let n0 = tallies.get(start).map_or(f64::NAN, |t| release(t.n_risk));
        let censored: f64 = pending.iter().map(|&x| tallies[x].leaving).sum();
        if censored >= kf {
            items.extend(pending.iter().map(|&x| (x, n0, false, true)));
        } else {
            items.push((j, n0, false, false));
        }
        last_time = tallies[j].time;
    }
    Coarse { items, cut: cut.map(|why| (last_time, why)) }
}

/// A released step that carries only its time and number at risk (nothing past a cut, or a
/// step between pools before its estimate is filled in).
fn blank_step(time: f64, n_risk: f64) -> KmStep {
    KmStep {
        time,
        n_risk,
        n_event: f64::NAN,
        n_censor: 0.0,
        surv: f64::NAN,
        std_err: f64::NAN,
        lower: f64::NAN,
        upper: f64::NAN,
        cumhaz: f64::NAN,
        std_cumhaz: f64::NAN,
    }
}

/// A curve's steps as (time, at risk, events, censored): what [`RiskRounding`] reads.
pub fn risk_steps(c: &KmCurve) -> Vec<(f64, f64, f64, f64)> {
    c.steps.iter().map(|s| (s.time, s.n_risk, s.n_event, s.n_censor)).collect()
}

/// The Kaplan-Meier curve as released (see the module documentation), and its cut.
fn protect_km(c: &KmCurve, k: u32, end: f64) -> (KmCurve, Option<Cut>) {
    // A curve that carries no event counts was released already (a report opened from a
    // results link): it stays as it is.
    if !c.steps.is_empty() && c.steps.iter().all(|s| s.n_event.is_nan()) {
        return (c.clone(), None);
    }
    let tallies: Vec<Tally> = c.steps.iter().map(|s| Tally { time: s.time, n_risk: s.n_risk, events: s.n_event, leaving: s.n_censor }).collect();
    let full = risk_steps(c);
    let rule = RiskRounding::of(&full, k);
    let co = coarsen(&tallies, k, Some(&rule));
    let mut steps: Vec<KmStep> = Vec::new();
    let (mut sv, mut lo, mut hi) = (1.0, 1.0, 1.0);
    for &(i, n0, release, marks) in &co.items {
        let s = &c.steps[i];
        if release {
            (sv, lo, hi) = (round(s.surv), round(s.lower), round(s.upper));
        }
        let censored = if marks && s.n_censor > 0.0 { 1.0 } else { 0.0 };
        steps.push(KmStep { n_censor: censored, surv: sv, lower: lo, upper: hi, ..blank_step(s.time, n0) });
    }
    let cut = co.cut.as_ref().map(|(at, why)| Cut { group: c.group.clone(), cause: None, at: *at, reason: why.clone() });
    if cut.is_some() {
        // Past the cut the number at risk is not released ("<k" in the risk table).
        steps.push(blank_step(end.max(steps.last().map_or(0.0, |s| s.time)), f64::NAN));
    }
    let released_end = co.cut.as_ref().map_or(f64::INFINITY, |c| c.0);
    let at = c
        .at
        .iter()
        .map(|a| {
            if a.time > released_end {
                return KmAt { time: a.time, n_risk: f64::NAN, surv: f64::NAN, std_err: f64::NAN, lower: f64::NAN, upper: f64::NAN };
            }
            let last = steps.iter().filter(|s| s.time <= a.time && s.surv.is_finite()).last();
            let (sv, lo, hi) = last.map(|s| (s.surv, s.lower, s.upper)).unwrap_or((1.0, f64::NAN, f64::NAN));
            // The number at risk at this time, released as the risk table's (`RiskRounding`).
            let n = rule.at(&full, a.time);
            KmAt { time: a.time, n_risk: n, surv: sv, std_err: f64::NAN, lower: lo, upper: hi }
        })
        .collect();
    (KmCurve { steps, at, ..c.clone() }, cut)
}

/// A suppressed group's curve: its name and nothing else (the figure writes "n < k").
fn empty_km(c: &KmCurve, end: f64) -> KmCurve {
    KmCurve {
        group: c.group.clone(),
        n: 0,
        events: 0,
        median: None,
        median_lower: None,
        median_upper: None,
        steps: vec![blank_step(end, f64::NAN)],
        followup: crate::stats::km::Followup { median: None, lower: None, upper: None },
        at: c.at.iter().map(|a| KmAt { time: a.time, n_risk: f64::NAN, surv: f64::NAN, std_err: f64::NAN, lower: f64::NAN, upper: f64::NAN }).collect(),
        rmst: None,
    }
}

/// The report as it may be released with threshold `k` (at least 1). `table` is the analysed
/// table when there is one: the competing-risks curves and the model levels are counted from its
/// rows; without it (a report rebuilt from a results link, already protected) the curves are
/// left as they are.
// Long because: the one place that decides what of a report is released: every section's rule in report order, so a reader checks the whole policy in one pass.
pub fn protect(report: &Report, table: Option<&Table>, k: u32) -> Protected {
    let k = k.max(1);
    let mut r = report.clone();
    let mut w = Withheld {
        k,
        method: format!(
            "curves coarsened so that every released step rests on at least {k} events and cut where fewer than {k} remain at risk; counts from 1 to {} withheld",
            k.saturating_sub(1)
        ),
        ..Withheld::default()
    };
    let end = report
        .km
        .iter()
        .flat_map(|c| c.steps.last().map(|s| s.time))
        .chain(report.cuminc.iter().flat_map(|c| c.steps.last().map(|s| s.time)))
        .fold(0.0f64, f64::max);

    // Groups.
    for c in &report.km {
        let g = c.group.clone().unwrap_or_else(|| "All".to_string());
        if small(c.n, k) {
            w.small_groups.push(g);
        } else if small(c.events, k) {
            w.few_events.push(g);
        }
    }
    for c in &report.cuminc {
        let g = c.group.clone().unwrap_or_else(|| "All".to_string());
        if small(c.n, k) {
            if !w.small_groups.contains(&g) {
                w.small_groups.push(g);
            }
        } else if small(c.events, k) && !w.few_events.contains(&g) {
            w.few_events.push(g);
        }
    }
    let grouped = report.groups.len() > 1;
    w.totals = (grouped && (!w.small_groups.is_empty() || !w.few_events.is_empty()))
        || small(report.n, k)
        || small(report.events, k)
        || report.competing_events.is_some_and(|c| small(c, k));
    let excluded = report.rows_in_file.saturating_sub(report.rows_filtered_out).saturating_sub(report.n);
    // A file of fewer than k rows: with frequency weights its rows are not the patients, whose
    // count may be released, but the rows are not released either.
    w.file_rows = w.totals || small(excluded, k) || small(report.rows_filtered_out, k) || small(report.rows_in_file, k);

    // Kaplan-Meier.
    r.km = report
        .km
        .iter()
        .map(|c| {
            if w.small(c.group.as_deref()) || (c.group.is_none() && small(c.n, k)) {
                w.cuts.push(Cut { group: c.group.clone(), cause: None, at: 0.0, reason: format!("fewer than {k} patients") });
                return empty_km(c, end);
            }
            let (mut out, cut) = protect_km(c, k, end);
            if let Some(cut) = cut {
                w.cuts.push(cut);
            }
            if small(c.events, k) {
                out.events = 0;
            }
            out
        })
        .collect();

    // Study designs: conditional survival from the released curves; the immortal-time note
    // names file lines (as the warnings, it stays on the page).
    r.conditional = crate::study::released_conditional(&r.km, &report.conditional);
    r.immortal_time = None;

    // Cumulative incidence: tallies from the analysed rows.
    // (Competing risks are an extended estimator: a build without them releases none.)
    #[cfg(feature = "extended")]
    if !report.cuminc.is_empty() {
        r.cuminc = protect_cuminc(report, table, k, end, &mut w);
    }
    #[cfg(not(feature = "extended"))]
    r.cuminc.clear();

    protect_group_tests(report, &mut r, &mut w);

    if w.totals {
        r.n = 0;
        r.events = 0;
        r.competing_events = r.competing_events.map(|_| 0);
    }
    if w.file_rows {
        r.rows_in_file = 0;
        r.rows_filtered_out = 0;
    }

    // Models. Terms of identifier-like columns (their levels are values) are suppressed too.
    let mut flagged = small_levels(report, table, k);
    let ids: Vec<&str> = table.map(|t| t.columns.iter().filter(|c| c.identifier.is_some()).map(|c| c.name.as_str()).collect()).unwrap_or_default();
    let is_id_term = |name: &str| ids.iter().any(|c| crate::prepare::term_of(name, c));
    for name in report.cox.iter().flat_map(|c| c.terms.iter().map(|t| &t.name)).chain(report.finegray.iter().flat_map(|f| f.terms.iter().map(|t| &t.name))).chain(report.univariable.iter().flat_map(|u| u.terms.iter().map(|t| &t.name))) {
        if is_id_term(name) && !flagged.contains(name) {
            flagged.push(name.clone());
        }
    }
    if let Some(rows) = r.table1.as_mut() {
        rows.retain(|row| !ids.contains(&row.variable.as_str()));
    }
    w.terms = flagged.clone();
    if let Some(c) = r.cox.as_mut() {
        if w.totals || small(c.n, k) || small(c.events, k) {
            c.n = 0;
            c.events = 0;
        }
        let p = c.terms.len();
        for (j, t) in c.terms.iter_mut().enumerate() {
            if flagged.contains(&t.name) {
                blank_term(&mut t.coef, &mut [&mut t.se, &mut t.hr, &mut t.lower, &mut t.upper, &mut t.z, &mut t.p]);
                t.robust_se = None;
                if c.vcov.len() == p * p {
                    for i in 0..p {
                        c.vcov[j * p + i] = f64::NAN;
                        c.vcov[i * p + j] = f64::NAN;
                    }
                }
            }
        }
        if every_term_suppressed(c.terms.iter().map(|t| &t.name), &flagged) {
            blank_global_tests(c);
            w.tests.push("the Cox model's global tests".into());
        }
        let events_withheld = c.events == 0;
        if let Some(ph) = c.ph_test.as_mut() {
            ph.residuals = ph.residuals.take().and_then(|res| residuals::pool_residuals(&res, k, &flagged, events_withheld));
            // A suppressed term's own test goes with its row (the global test stays, as the
            // model's likelihood-ratio test does).
            for t in ph.terms.iter_mut().filter(|t| flagged.contains(&t.name)) {
                t.chisq = f64::NAN;
                t.p = f64::NAN;
            }
        }
        c.warnings.clear();
    }
    // (Fine-Gray is an extended estimator: a build without it releases none.)
    #[cfg(not(feature = "extended"))]
    {
        r.finegray = None;
    }
    #[cfg(feature = "extended")]
    if let Some(f) = r.finegray.as_mut() {
        if w.totals || small(f.n, k) || small(f.events, k) || small(f.competing, k) {
            f.n = 0;
            f.events = 0;
            f.competing = 0;
        }
        for t in f.terms.iter_mut() {
            if flagged.contains(&t.name) {
                blank_term(&mut t.coef, &mut [&mut t.se, &mut t.shr, &mut t.lower, &mut t.upper, &mut t.z, &mut t.p]);
            }
        }
        if every_term_suppressed(f.terms.iter().map(|t| &t.name), &flagged) {
            f.loglik = [f64::NAN; 2];
            w.tests.push("the Fine-Gray model's likelihoods".into());
        }
        f.warnings.clear();
    }
    for u in r.univariable.iter_mut() {
        if w.totals || small(u.n, k) || small(u.events, k) {
            u.n = 0;
            u.events = 0;
        }
        for t in u.terms.iter_mut() {
            if flagged.contains(&t.name) {
                blank_term(&mut t.coef, &mut [&mut t.se, &mut t.hr, &mut t.lower, &mut t.upper, &mut t.z, &mut t.p]);
                t.robust_se = None;
            }
        }
        if every_term_suppressed(u.terms.iter().map(|t| &t.name), &flagged) && u.lr_test.take().is_some() {
            w.tests.push(format!("the likelihood-ratio test of {}", u.covariate));
        }
    }
    #[cfg(feature = "extended")]
    protect_parametric(&mut r.parametric, k, &mut w, &flagged);
    #[cfg(not(feature = "extended"))]
    r.parametric.clear();

    // Table 1 (an extended estimator: a build without them never has one, and releases none).
    #[cfg(not(feature = "extended"))]
    {
        r.table1 = None;
    }
    #[cfg(feature = "extended")]
    let mask = r.table1.as_ref().map(|rows| table1_mask(rows, k)).unwrap_or(Table1Mask { k, ..Default::default() });
    #[cfg(not(feature = "extended"))]
    let mask = Table1Mask { k, ..Default::default() };
    w.table1_primary = mask.primary.len();
    w.table1_secondary = mask.secondary.len();
    if let Some(rows) = r.table1.as_mut() {
        for row in rows.iter_mut() {
            for g in row.groups.iter_mut() {
                g.min = None;
                g.max = None;
            }
        }
    }

    // Subgroups, adjusted curves, propensity weighting, RMST differences.
    adjusted::protect_adjusted(report, &mut r, k, &mut w);
    flow::protect_flow(&mut r, k, &mut w);

    // Free text and per-time smooths.
    r.warnings.clear();
    r.notes.clear();
    r.file = String::new();
    r.hazard.clear();
    r.hazard_ratio = None;
    // Nelson–Aalen steps and bands: ΔH/Δ(se²) gives the number at risk (as the curves' own
    // cumulative hazards, which are withheld above); the band gives se back.
    r.cumhaz.clear();
    Protected { report: r, withheld: w, table1: mask }
}

/// Whether a model has terms and every one is in `flagged` (suppressed): its global tests and
/// likelihoods are then those of the suppressed terms alone.
fn every_term_suppressed<'a>(mut names: impl Iterator<Item = &'a String>, flagged: &[String]) -> bool {
    let mut any = false;
    names.all(|n| {
        any = true;
        flagged.contains(n)
    }) && any
}

/// A Cox model whose every term is suppressed: its global tests (one term: the term's own test;
/// the log-likelihoods differ by half the likelihood-ratio statistic) and concordance go with the
/// terms.
fn blank_global_tests(c: &mut crate::stats::cox::CoxReport) {
    for t in [&mut c.lr_test, &mut c.wald_test, &mut c.score_test].into_iter().chain(c.robust_score_test.as_mut()) {
        blank_test(t);
    }
    c.wald_chisq = f64::NAN;
    c.loglik = [f64::NAN; 2];
    c.concordance = crate::stats::cox::Concordance { c: f64::NAN, se: f64::NAN };
    if let Some(ph) = c.ph_test.as_mut() {
        blank_test(&mut ph.global);
    }
}

fn blank_test(t: &mut crate::stats::common::TestResult) {
    t.chisq = f64::NAN;
    t.p = f64::NAN;
}

/// Tests comparing the groups, withheld where a group they compare has fewer than k patients or
/// events: a test statistic is near a function of that group's events (O − E over its variance;
/// E and the variance are near what the released risk tables give), as its Cox row, which is
/// suppressed for the same reason. Pairwise rows of other groups stay; Gray's test of a cause
/// goes where a group has fewer than k events of that cause.
fn protect_group_tests(report: &Report, r: &mut Report, w: &mut Withheld) {
    let withheld_group = |g: &str| w.few(Some(g));
    let any = report.km.iter().filter_map(|c| c.group.as_deref()).any(withheld_group);
    let mut names = Vec::new();
    if any {
        if r.logrank.take().is_some() {
            names.push("the test comparing the groups".to_string());
        }
        if r.trend.take().is_some() {
            names.push("the test for trend".to_string());
        }
    }
    // (Competing risks are an extended estimator: a build without them releases no Gray's test.)
    #[cfg(not(feature = "extended"))]
    r.gray_test.clear();
    #[cfg(feature = "extended")]
    r.gray_test.retain(|g| {
        let keep = !report.cuminc.iter().any(|c| c.group.is_some() && c.cause == g.cause && (w.small(c.group.as_deref()) || small(c.events, w.k)));
        if !keep {
            names.push(format!("Gray's test of the {}", if g.cause == "event" { "event of interest" } else { "competing event" }));
        }
        keep
    });
    if let Some(pairs) = r.pairwise.as_mut() {
        let before = pairs.len();
        pairs.retain(|p| !withheld_group(&p.a) && !withheld_group(&p.b));
        if pairs.len() < before {
            names.push("the pairwise comparisons of those groups".to_string());
        }
        if pairs.is_empty() {
            r.pairwise = None;
        }
    }
    w.tests.extend(names);
}

fn blank_term(coef: &mut f64, rest: &mut [&mut f64]) {
    *coef = f64::NAN;
    for v in rest.iter_mut() {
        **v = f64::NAN;
    }
}

/// The parametric (survreg) models under the model rules (`flagged`: suppressed terms).
#[cfg(feature = "extended")]
fn protect_parametric(parametric: &mut [crate::stats::parametric::ParametricReport], k: u32, w: &mut Withheld, flagged: &[String]) {
    for p in parametric.iter_mut() {
        p.warnings.clear();
        if w.totals || small(p.n, k) || small(p.events, k) {
            p.n = 0;
            p.events = 0;
        }
        // Every term suppressed: the likelihood-ratio test against the null model goes too (the
        // two likelihoods give it back).
        if every_term_suppressed(p.terms.iter().map(|t| &t.name), flagged) {
            p.lr_test = None;
            p.loglik_null = f64::NAN;
            w.tests.push(format!("the {} model's likelihood-ratio test", p.dist));
        }
        for t in p.terms.iter_mut() {
            if flagged.contains(&t.name) {
                blank_term(&mut t.coef, &mut [&mut t.se, &mut t.z, &mut t.p]);
                for v in [&mut t.time_ratio, &mut t.tr_lower, &mut t.tr_upper, &mut t.hr, &mut t.hr_lower, &mut t.hr_upper] {
                    *v = None;
                }
            }
        }
        // The covariates' means over the model's rows: a level's share, to 12 digits, times n
        // is its count (and, n withheld, only one n makes every share a whole count).
        p.x_mean.iter_mut().for_each(|m| *m = f64::NAN);
        for pr in p.predictions.iter_mut() {
            if pr.group.is_none() {
                pr.x.iter_mut().for_each(|m| *m = f64::NAN);
            } else if w.few(pr.group.as_deref()) {
                // A group withheld for its size or events: its fitted median's interval (a
                // variance of about 1/d) and curve would give its events back.
                pr.median = f64::NAN;
                pr.median_lower = f64::NAN;
                pr.median_upper = f64::NAN;
                pr.at.iter_mut().for_each(|a| a.surv = f64::NAN);
                pr.curve.clear();
            }
        }
    }
}

/// Cumulative-incidence curves pooled and cut as the Kaplan-Meier ones, from the analysed rows.
#[cfg(feature = "extended")]
fn protect_cuminc(report: &Report, table: Option<&Table>, k: u32, end: f64, w: &mut Withheld) -> Vec<crate::stats::cuminc::CumincCurve> {
    use crate::stats::cuminc::{CumincAt, CumincCurve, CumincStep};
    let prep = table.and_then(|t| report.spec.as_ref().and_then(|s| crate::prepare::prepare(t, s, &mut Vec::new()).ok()));
    let mut out = Vec::new();
    for c in &report.cuminc {
        let gname = c.group.clone().unwrap_or_else(|| "All".to_string());
        let suppressed = w.small_groups.contains(&gname);
        let blank_curve = |c: &CumincCurve| CumincCurve {
            group: c.group.clone(),
            cause: c.cause,
            n: 0,
            events: 0,
            steps: vec![CumincStep::new(end, f64::NAN, f64::NAN)],
            at: c.at.iter().map(|a| CumincAt::new(a.time, f64::NAN, f64::NAN)).collect(),
        };
        if suppressed {
            w.cuts.push(Cut { group: c.group.clone(), cause: Some(c.cause.to_string()), at: 0.0, reason: format!("fewer than {k} patients") });
            out.push(blank_curve(c));
            continue;
        }
        let Some(prep) = prep.as_ref() else {
            // No rows (a report rebuilt from a link): it was protected when the link was made.
            out.push(c.clone());
            continue;
        };
        let code = match (&prep.group, &c.group) {
            (Some(g), Some(name)) => g.levels.iter().position(|l| l == name).map(|i| i as u32),
            (None, None) => Some(0),
            _ => None,
        };
        let cause: u8 = if c.cause == "event" { 1 } else { 2 };
        let mut rows: Vec<(f64, u8)> = (0..prep.time.len())
            .filter(|&i| prep.group.as_ref().map_or(0, |g| g.codes[i]) == code.unwrap_or(u32::MAX) || (prep.group.is_none() && code == Some(0)))
            .map(|i| (prep.time[i], prep.status[i]))
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Tallies at the curve's own step times (events of this cause at that time).
        let mut tallies = Vec::with_capacity(c.steps.len());
        for s in &c.steps {
            let at_risk = rows.iter().filter(|r| r.0 >= s.time).count() as f64;
            // A time listed twice (the start at 0 and events at 0) is tallied once: counted at
            // both, events at time 0 made a pool of k − 1 events look like k (tests/disclosure_bands.rs).
            if tallies.last().is_some_and(|t: &Tally| t.time == s.time) {
                tallies.push(Tally { time: s.time, n_risk: at_risk, events: 0.0, leaving: 0.0 });
                continue;
            }
            let events = rows.iter().filter(|r| r.0 == s.time && r.1 == cause).count() as f64;
            let leaving = rows.iter().filter(|r| r.0 == s.time && r.1 == 0).count() as f64;
            tallies.push(Tally { time: s.time, n_risk: at_risk, events, leaving });
        }
        // The point at time 0 (cmprsk's first point) is no event: it is kept as the start.
        let co = coarsen(&tallies, k, None);
        let mut steps = vec![];
        if let Some(first) = c.steps.first().filter(|s| s.time == 0.0 && s.estimate == 0.0) {
            steps.push(first.clone());
        }
        for &(i, _, release, _) in &co.items {
            if release {
                let s = &c.steps[i];
                // The band from the released estimate and variance: nothing more than they give.
                steps.push(CumincStep::new(s.time, round(s.estimate), s.variance));
            }
        }
        let released_end = co.cut.as_ref().map_or(f64::INFINITY, |x| x.0);
        if let Some((at, why)) = &co.cut {
            w.cuts.push(Cut { group: c.group.clone(), cause: Some(c.cause.to_string()), at: *at, reason: why.clone() });
            steps.push(CumincStep::new(end.max(*at), f64::NAN, f64::NAN));
        }
        let at = c
            .at
            .iter()
            .map(|a| {
                if a.time > released_end {
                    return CumincAt::new(a.time, f64::NAN, f64::NAN);
                }
                let last = steps.iter().filter(|s| s.time <= a.time && s.estimate.is_finite()).last();
                CumincAt::new(a.time, last.map_or(0.0, |s| s.estimate), last.map_or(0.0, |s| s.variance))
            })
            .collect();
        let events = if small(c.events, k) { 0 } else { c.events };
        out.push(CumincCurve { group: c.group.clone(), cause: c.cause, n: c.n, events, steps, at });
    }
    out
}

/// Model terms (`column=level`) whose level has fewer than k patients or events among the
/// model's rows (R fits the model on every row with a valid time and outcome, without the group),
/// and numeric terms of two values one of which has fewer than k patients or events (a 0/1
/// column: its coefficient's variance, about 1/d₁ + 1/d₀, gives d₁ back).
fn small_levels(report: &Report, table: Option<&Table>, k: u32) -> Vec<String> {
    let (Some(table), Some(spec)) = (table, report.spec.as_ref()) else { return Vec::new() };
    let mut all: Vec<String> = spec.covariates.iter().chain(spec.univariable.iter()).cloned().collect();
    all.sort();
    all.dedup();
    if all.is_empty() {
        return Vec::new();
    }
    let (cats, nums): (Vec<String>, Vec<String>) = all.into_iter().partition(|c| spec.categorical.contains(c) || is_text(table, c));
    let mspec = AnalysisSpec { group: None, ..spec.clone() };
    let Ok(prep) = crate::prepare::prepare(table, &mspec, &mut Vec::new()) else { return Vec::new() };
    let mut out = Vec::new();
    for c in &nums {
        let Ok(d) = crate::prepare::design(table, &mspec, &prep, std::slice::from_ref(c), &mut Vec::new()) else { continue };
        let (Some(x), [name]) = (d.x.first(), d.names.as_slice()) else { continue };
        let Some((a, b)) = two_values(x).filter(|(a, b)| a < b) else { continue };
        for value in [a, b] {
            let n = x.iter().filter(|&&v| v == value).count();
            let e = x.iter().zip(&d.status).filter(|(&v, &s)| v == value && s == 1).count();
            if n < k as usize || e < k as usize {
                out.push(name.clone());
            }
        }
    }
    for c in &cats {
        let Ok(d) = crate::prepare::design(table, &mspec, &prep, std::slice::from_ref(c), &mut Vec::new()) else { continue };
        let mut base_n = d.time.len();
        let mut base_e = d.status.iter().filter(|&&s| s == 1).count();
        for (j, name) in d.names.iter().enumerate() {
            let n = d.x[j].iter().filter(|&&v| v == 1.0).count();
            let e = d.x[j].iter().zip(&d.status).filter(|(&v, &s)| v == 1.0 && s == 1).count();
            base_n -= n;
            base_e -= e;
            if n < k as usize || e < k as usize {
                out.push(name.clone());
            }
        }
        // A reference level with fewer than k patients or events: every contrast rests on it.
        if !d.names.is_empty() && (base_n < k as usize || base_e < k as usize) {
            out.extend(d.names.iter().cloned());
        }
    }
    out.extend(small_interactions(table, &mspec, &prep, k));
    out.sort();
    out.dedup();
    out
}

/// The interaction terms of two categorical (or 0/1) covariates one of whose joint cells (a level
/// of one with a level of the other, reference levels included) has fewer than k patients or
/// events: an interaction's variance, about the sum of 1/d over the four cells it contrasts,
/// gives that cell back. Every term of the pair is suppressed.
fn small_interactions(table: &Table, spec: &AnalysisSpec, prep: &crate::prepare::Prepared, k: u32) -> Vec<String> {
    let mut out = Vec::new();
    for [a, b] in &spec.interactions {
        if !(spec.covariates.contains(a) && spec.covariates.contains(b)) {
            continue;
        }
        let Ok(d) = crate::prepare::design(table, spec, prep, &[a.clone(), b.clone()], &mut Vec::new()) else { continue };
        // Each column's main-effect columns with the value that marks a row as at that level:
        // a level's dummy (1), or the larger of a two-valued numeric column's values; none for
        // a column of more values (the pair is skipped).
        let main = |c: &str| -> Option<Vec<(usize, f64)>> {
            let js: Vec<usize> = (0..d.names.len()).filter(|&j| !d.names[j].contains(':') && crate::prepare::term_of(&d.names[j], c)).collect();
            let out: Option<Vec<(usize, f64)>> = js.iter().map(|&j| two_values(&d.x[j]).map(|(lo, hi)| (j, if hi > lo { hi } else { f64::NAN }))).collect();
            out.filter(|v| !v.is_empty())
        };
        let (Some(ja), Some(jb)) = (main(a), main(b)) else { continue };
        // Each row's level of each column (0: the reference, or the smaller value).
        let level = |js: &[(usize, f64)], i: usize| js.iter().position(|&(j, at)| d.x[j][i] == at).map_or(0, |p| p + 1);
        let (la, lb) = (ja.len() + 1, jb.len() + 1);
        let mut cells = vec![(0usize, 0usize); la * lb];
        for i in 0..d.time.len() {
            let c = &mut cells[level(&ja, i) * lb + level(&jb, i)];
            c.0 += 1;
            c.1 += usize::from(d.status[i] == 1);
        }
        if cells.iter().any(|&(n, e)| n < k as usize || e < k as usize) {
            out.extend(d.names.iter().filter(|n| n.contains(':')).cloned());
        }
    }
    out
}

/// The values (smaller, larger) of a design column that takes at most two finite values (equal
/// when it takes one); `None` for a column of more values, or of none.
fn two_values(x: &[f64]) -> Option<(f64, f64)> {
    let mut finite = x.iter().copied().filter(|v| v.is_finite());
    let a = finite.next()?;
    let b = finite.clone().find(|&v| v != a).unwrap_or(a);
    finite.all(|v| v == a || v == b).then(|| (a.min(b), a.max(b)))
}

fn is_text(table: &Table, name: &str) -> bool {
    table.column(name).is_some_and(|c| !matches!(c.data, crate::table::ColumnData::Numeric(_)))
}

/// Whether some withheld cell of a column has a single possible value given their total, what
/// their labels say — a primary cell ("<k") lies in 1..k−1, a secondary one is at least k — and
/// the rule that chose them: secondary cells are the smallest of the others, so none is above
/// `secondary_max`, the smallest cell still shown.
#[cfg(feature = "extended")]
fn pinned(hidden: &[(usize, usize, bool)], k: u32, secondary_max: f64) -> bool {
    let k = k as f64;
    let total: f64 = hidden.iter().map(|h| h.1 as f64).sum();
    let bounds = |primary: bool| if primary { (1.0, k - 1.0) } else { (k, secondary_max) };
    hidden.iter().enumerate().any(|(i, h)| {
        let (others_lo, others_hi) = hidden.iter().enumerate().filter(|(j, _)| *j != i).fold((0.0, 0.0), |(lo, hi), (_, o)| {
            let (a, b) = bounds(o.2);
            (lo + a, hi + b)
        });
        let (a, b) = bounds(h.2);
        let lo = a.max(total - others_hi);
        let hi = b.min(total - others_lo);
        lo >= hi
    })
}

/// Primary and secondary suppression of Table 1 (see the module documentation).
#[cfg(feature = "extended")]
pub fn table1_mask(rows: &[crate::stats::table1::Table1Row], k: u32) -> Table1Mask {
    let mut m = Table1Mask { k, ..Default::default() };
    if let Some(first) = rows.first() {
        for (gi, g) in first.groups.iter().enumerate() {
            if small(g.n + g.missing, k) {
                m.groups.push(gi);
            }
        }
    }
    for (ri, row) in rows.iter().enumerate() {
        for (gi, g) in row.groups.iter().enumerate() {
            if m.groups.contains(&gi) {
                continue;
            }
            // The column's cells: every level count and the missing count (they add up to N).
            let mut cells: Vec<(usize, usize)> = g.levels.iter().flatten().enumerate().map(|(li, l)| (li, l.count)).collect();
            cells.push((MISSING_CELL, g.missing));
            let primary: Vec<usize> = cells.iter().filter(|(_, n)| small(*n, k)).map(|(i, _)| *i).collect();
            for &i in &primary {
                m.primary.push((ri, gi, i));
            }
            // Numeric variables have one cell (missing): N − missing is their n, shown in the
            // summaries' basis, so a small missing count needs its complement (the summaries'
            // n) withheld too: the summaries then stand for "N − <k" rows, which is not a count.
            if g.levels.is_none() && g.smallest_value_count < k as usize {
                m.columns.push((ri, gi));
            }
            if g.levels.is_none() && !primary.is_empty() {
                m.secondary.push((ri, gi, N_CELL));
                continue;
            }
            if g.levels.is_none() || primary.is_empty() {
                continue;
            }
            // Secondary suppression: the withheld cells add up to a known total (N minus the cells
            // shown). An attacker who knows the rule knows a "<k" cell is 1..k−1 and a
            // "suppressed" one at least k and at most the smallest cell shown; add the next
            // smallest cell until no withheld cell has a single possible value.
            let mut hidden: Vec<(usize, usize, bool)> = cells.iter().filter(|(i, _)| primary.contains(i)).map(|&(i, n)| (i, n, true)).collect();
            loop {
                let next = cells.iter().filter(|(i, n)| *n > 0 && !hidden.iter().any(|h| h.0 == *i)).min_by_key(|(_, n)| *n);
                if !pinned(&hidden, k, next.map_or(f64::INFINITY, |c| c.1 as f64)) {
                    break;
                }
                let Some(&(i, n)) = next else {
                    // Every cell withheld and a "<k" cell still has one possible value (a 1
                    // beside cells of exactly k): the column is withheld whole, its cells
                    // written alike, so no label bounds any of them.
                    m.columns.push((ri, gi));
                    break;
                };
                hidden.push((i, n, false));
                m.secondary.push((ri, gi, i));
            }
        }
    }
    m
}
