//! Kaplan-Meier survival with Greenwood variance, Nelson-Aalen cumulative hazard, median and
//! its CI as `survfit` derives them, landmark survival, RMST, and reverse-KM follow-up.
//!
//! ## Method (R's conventions)
//! At each distinct time t_j (event or censoring) with n_j at risk and d_j events:
//! S(t_j) = Π (1 − d_i/n_i); Greenwood's variance of log S is Σ d_i / (n_i (n_i − d_i)), and the
//! reported standard error is that of S itself, S·sqrt(Σ…) (as `summary.survfit`). The 95% CI is
//! built on the chosen scale (log: S·exp(±z·se_log), capped at 1; log-log; plain, clipped to
//! [0, 1]); it is undefined once S reaches 0 (and, for log-log, while S = 1 — R's convention).
//! Nelson-Aalen: H = Σ d/n with standard error sqrt(Σ d/n²) (`survfit`'s `cumhaz`, `std.chaz`).
//!
//! The median and its CI are those R prints (`print(survfit)`, `summary(fit)$table`, computed
//! by `survmean`), which users compare with: the first time the curve is at or below 0.5; when
//! it sits at exactly 0.5 there ("exactly" within sqrt(machine epsilon)) and falls lower later,
//! the midpoint of that time and the first time it is lower; when it stays at 0.5 to the last
//! time, the first time of that flat. The CI is the same rule applied to the upper and lower
//! confidence curves, whose undefined points are skipped; a confidence curve that rises above
//! 0.5 again later does not change the answer (`median_as_printed`). Other quantiles (and the
//! follow-up median of the reverse Kaplan-Meier) follow `quantile.survfit` (`quantile`), which
//! differs only on a flat at exactly the level: the midpoint of its ends, or of its start and
//! the last time when the curve stays there.

use serde::Serialize;

use super::common::{z95, GroupTimes, Tallies};
use crate::spec::ConfType;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KmStep {
    pub time: f64,
    pub n_risk: f64,
    pub n_event: f64,
    pub n_censor: f64,
    pub surv: f64,
    /// Greenwood standard error of S(t).
    pub std_err: f64,
    pub lower: f64,
    pub upper: f64,
    /// Nelson-Aalen cumulative hazard and its standard error (survfit's `cumhaz`, `std.chaz`).
    pub cumhaz: f64,
    pub std_cumhaz: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KmAt {
    pub time: f64,
    pub n_risk: f64,
    pub surv: f64,
    pub std_err: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Followup {
    pub median: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rmst {
    pub tau: f64,
    pub estimate: f64,
    pub std_err: f64,
}

/// One Kaplan-Meier curve (one group).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KmCurve {
    pub group: Option<String>,
    pub n: usize,
    pub events: usize,
    pub median: Option<f64>,
    pub median_lower: Option<f64>,
    pub median_upper: Option<f64>,
    pub steps: Vec<KmStep>,
    pub followup: Followup,
    pub at: Vec<KmAt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmst: Option<Rmst>,
}

/// Options shared by every curve of an analysis.
#[derive(Debug, Clone, Copy)]
pub struct KmOptions<'a> {
    pub conf_type: ConfType,
    pub times: &'a [f64],
    pub rmst_tau: Option<f64>,
}

/// Risk-set table at each distinct time: the common first pass of every estimator here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskTable {
    pub time: Vec<f64>,
    pub n_risk: Vec<f64>,
    pub n_event: Vec<f64>,
    pub n_censor: Vec<f64>,
    /// (time, number at risk) where only intervals that the same patient continues in the same
    /// curve end (start–stop rows with an id): no step, but R's `survfit(..., id = id)` keeps
    /// each such time as a point of its curve, and `summary(fit, times = t)` reads them
    /// ([`at_time`]). Empty for one row per patient.
    pub silent: Vec<(f64, f64)>,
}

impl RiskTable {
    /// One more row: the time, the number at risk, the events and the censored at that time.
    fn push_row(&mut self, t: f64, n_risk: f64, n_event: f64, n_censor: f64) {
        self.time.push(t);
        self.n_risk.push(n_risk);
        self.n_event.push(n_event);
        self.n_censor.push(n_censor);
    }

    /// Build from unsorted data; status 1 is an event, anything else a censoring.
    pub fn new(time: &[f64], status: &[u8]) -> Self {
        let t = Tallies::new(time, status, None, 1, None, |_| true);
        t.per_group().into_iter().next().map(RiskTable::from_group).unwrap_or_default()
    }

    /// One group's table from its distinct times (status 1 = event, else censored).
    pub fn from_group(g: GroupTimes) -> Self {
        let n_event = g.count.iter().map(|c| c[1] as f64).collect();
        let n_censor = g.count.iter().map(|c| (c[0] + c[2] + c[3]) as f64).collect();
        RiskTable { time: g.time, n_risk: g.n_risk, n_event, n_censor, silent: Vec::new() }
    }
}

/// The product-limit estimate over a [`RiskTable`]'s (time, events, at risk) groups, as a step
/// function of time: S(t−), just before t. The one pooled Kaplan–Meier behind `cox.zph`'s km
/// transform, with and without delayed entry, and its residual plots (`stats::cox::zph`); each
/// step multiplies S by 1 − d/n as [`kaplan_meier`]'s curves do.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductLimit {
    times: Vec<f64>,
    /// S just before each time.
    s_before: Vec<f64>,
    /// S after the last time.
    s_end: f64,
}

impl ProductLimit {
    /// From a risk table in time order (distinct times, `n_risk` > 0 where there are events).
    pub fn new(rt: &RiskTable) -> ProductLimit {
        debug_assert!(rt.time.windows(2).all(|w| w[0] < w[1]), "risk-table times increase");
        let mut s_before = Vec::with_capacity(rt.time.len());
        let mut s = 1.0f64;
        for (&n, &d) in rt.n_risk.iter().zip(&rt.n_event) {
            s_before.push(s);
            if d > 0.0 {
                s *= 1.0 - d / n;
            }
        }
        ProductLimit { times: rt.time.clone(), s_before, s_end: s }
    }

    /// S(t−): the estimate just before `t` (1 before the first time, the last value after it).
    pub fn before(&self, t: f64) -> f64 {
        let i = self.times.partition_point(|&u| u < t);
        self.s_before.get(i).copied().unwrap_or(self.s_end)
    }
}

/// Confidence limits of S given S and the standard error of log S.
pub fn conf_limits(s: f64, se_log: f64, conf: ConfType, z: f64) -> (f64, f64) {
    if s.is_nan() || se_log.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    match conf {
        ConfType::Plain => {
            let w = z * se_log * s;
            ((s - w).max(0.0), (s + w).min(1.0))
        }
        ConfType::Log => {
            if s == 0.0 {
                return (f64::NAN, f64::NAN);
            }
            let w = z * se_log;
            ((s.ln() - w).exp(), (s.ln() + w).exp().min(1.0))
        }
        ConfType::LogLog => {
            if s == 0.0 || s == 1.0 {
                return (f64::NAN, f64::NAN);
            }
            let w = z * se_log / s.ln();
            let ll = (-s.ln()).ln();
            ((-(ll - w).exp()).exp(), (-(ll + w).exp()).exp())
        }
    }
}

/// Fit one curve. `status`: 1 = event, anything else = censored.
pub fn kaplan_meier(time: &[f64], status: &[u8], opts: &KmOptions) -> KmCurve {
    curve(RiskTable::new(time, status), opts)
}

/// One curve per group code `0..t.n_groups` from the rows' shared tallies (one sort for every
/// group, the log-rank tests and the landmarks); `levels` name the groups.
pub fn kaplan_meier_groups(t: &Tallies, levels: &[String], opts: &KmOptions) -> Vec<KmCurve> {
    t.per_group()
        .into_iter()
        .enumerate()
        .map(|(g, times)| {
            let mut c = curve(RiskTable::from_group(times), opts);
            c.group = levels.get(g).cloned();
            c
        })
        .collect()
}

/// The rows of one curve of a study design: delayed entry (rows at risk on (entry, time]),
/// several rows per patient, sampling weights. `status`: 1 event, 0 censored, anything else a
/// row that continues in the patient's next interval of the same curve (neither; see
/// [`crate::study::continued`]).
#[derive(Debug, Clone, Copy)]
pub struct KmRows<'a> {
    pub time: &'a [f64],
    pub status: &'a [u8],
    pub entry: Option<&'a [f64]>,
    /// Sampling weights: weighted curve with robust (infinitesimal-jackknife) standard errors.
    pub weight: Option<&'a [f64]>,
    /// Patient of each row: `n` counts patients.
    pub patient: Option<&'a [u32]>,
}

/// Robust standard errors of log S and of the Nelson–Aalen H at each step.
struct RobustSe {
    se_log: Vec<f64>,
    se_h: Vec<f64>,
}

/// Kaplan–Meier of one curve of a study design (see [`KmRows`]), as `survfit(Surv(entry, time,
/// status) ~ 1, id = id, weights = w, robust = TRUE)`.
///
/// At each distinct exit time t with an event or a censoring, the number at risk is the
/// (weighted) number of rows with entry < t ≤ time; S, Greenwood's variance and Nelson–Aalen
/// follow as without entry. With sampling weights the standard errors are the infinitesimal
/// jackknife: with λ_j = d_j/n_j, the derivative of log S(t) by the weight of row i is
/// U_i(t) = Σ_{t_j ≤ t} −(dN_i(t_j) − Y_i(t_j) λ_j)/(n_j − d_j) and that of H(t) the same with
/// 1/n_j; var = Σ_i (w_i U_i(t))². With A(t) = Σ_{t_j ≤ t} λ_j/(n_j − d_j), a row still at risk
/// at t has U_i(t) = A(t) − A(entry_i), so the sum over the rows at risk is
/// A²·Σw² − 2A·Σw²B + Σw²B² (B_i = A(entry_i)), kept as running sums; a row that has left adds
/// its final w_i²U_i² once. One pass over the rows sorted by exit and by entry.
pub fn kaplan_meier_rows(rows: &KmRows, opts: &KmOptions) -> KmCurve {
    kaplan_meier_rows_joined(rows, &[], opts)
}

/// [`kaplan_meier_rows`] of rows in which a patient's intervals that continue one another in
/// the curve were joined into one: `joins` (sorted, distinct) are the times where a joined
/// interval ended. They are no steps, but the points of R's `survfit(..., id = id)` curve, and
/// `summary(fit, times = t)` reads the number at risk and S from them
/// ([`RiskTable::silent`]).
pub fn kaplan_meier_rows_joined(rows: &KmRows, joins: &[f64], opts: &KmOptions) -> KmCurve {
    debug_assert!(joins.windows(2).all(|w| w[0] < w[1]), "joins sorted and distinct");
    let by_exit = super::common::order_by_time(rows.time);
    let by_entry: Vec<usize> = rows.entry.map(super::common::order_by_time).unwrap_or_default();
    km_rows_of(rows, Members::Every(rows.time.len()), &by_exit, &by_entry, joins, opts)
}

/// The rows a curve is made of: every row of the columns (no list of 0..n made for them), or
/// the listed ones, in row order either way.
#[derive(Clone, Copy)]
enum Members<'a> {
    Every(usize),
    Listed(&'a [usize]),
}

impl<'a> Members<'a> {
    fn len(self) -> usize {
        match self {
            Members::Every(n) => n,
            Members::Listed(m) => m.len(),
        }
    }

    /// The rows in order.
    fn iter(self) -> impl Iterator<Item = usize> + 'a {
        let (every, listed) = match self {
            Members::Every(n) => (0..n, &[][..]),
            Members::Listed(m) => (0..0, m),
        };
        every.chain(listed.iter().copied())
    }
}

/// The weighted curves of several groups of rows without delayed entry or patients (sampling
/// weights, as the propensity-weighted arms): one sort of all the rows by exit (stable, so each
/// group's rows keep their order among equal times) shared by the groups, and no copy of their
/// columns. The curve of group g is exactly [`kaplan_meier_rows`] of its rows (`group[i]` = g),
/// in the same order of sums; `rows.entry` and `rows.patient` must be None.
///
/// With weights (the propensity-weighted arms), one pass in row order makes each group's
/// rows, events, Σw and Σw² (the sums its curve starts from, in its rows' order), and one pass
/// in the sorted order writes the times, weights and outcomes in exit order, group after group
/// (each group's rows at its own offset), so that each curve reads its rows in order
/// ([`weighted_curve`]) instead of through row numbers.
pub fn kaplan_meier_weighted_groups(rows: &KmRows, group: &[u32], n_groups: usize, opts: &KmOptions, order: Option<&[usize]>) -> Vec<KmCurve> {
    debug_assert!(rows.entry.is_none() && rows.patient.is_none(), "weighted groups take neither entry nor patients");
    let Some(weight) = rows.weight else {
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_groups];
        for (i, &g) in group.iter().enumerate() {
            if let Some(m) = members.get_mut(g as usize) {
                m.push(i);
            }
        }
        let mut by_exit: Vec<Vec<usize>> = members.iter().map(|m| Vec::with_capacity(m.len())).collect();
        for i in super::common::order_by_time(rows.time) {
            if let Some(o) = by_exit.get_mut(group[i] as usize) {
                o.push(i);
            }
        }
        return members.iter().zip(&by_exit).map(|(m, o)| km_rows_of(rows, Members::Listed(m), o, &[], &[], opts)).collect();
    };
    let mut sums = vec![GroupSums::default(); n_groups];
    for ((&g, &w), &st) in group.iter().zip(weight).zip(rows.status) {
        if let Some(s) = sums.get_mut(g as usize) {
            s.n += 1;
            s.events += usize::from(st == 1);
            s.w += w;
        }
    }
    // Group g's rows go to `start[g]..start[g + 1]` of the laid-out columns, in exit order.
    let mut start = Vec::with_capacity(n_groups + 1);
    start.push(0usize);
    for s in &sums {
        start.push(start[start.len() - 1] + s.n);
    }
    let total = start[n_groups];
    let mut next = start[..n_groups].to_vec();
    let (mut time, mut wt, mut status) = (vec![0.0f64; total], vec![0.0f64; total], vec![0u8; total]);
    let made;
    let order = match order {
        Some(o) => o,
        None => {
            made = super::common::order_by_time(rows.time);
            &made
        }
    };
    debug_assert_eq!(order.len(), rows.time.len());
    for &i in order {
        if let Some(k) = next.get_mut(group[i] as usize) {
            time[*k] = rows.time[i];
            wt[*k] = weight[i];
            status[*k] = rows.status[i];
            *k += 1;
        }
    }
    (0..n_groups)
        .map(|g| {
            let r = start[g]..start[g + 1];
            weighted_curve(&time[r.clone()], &wt[r.clone()], &status[r], &sums[g], opts)
        })
        .collect()
}

/// One group's rows, events and Σw, summed in row order.
#[derive(Clone, Copy, Default)]
struct GroupSums {
    n: usize,
    events: usize,
    w: f64,
}

/// Σw² of rows `j..n` for every j (and 0 for j = n), for rows in exit order: without entry the
/// rows at risk at the j-th exit are those from it on. A suffix sum, not the total less the rows
/// that left, which cancels to noise when the rows still at risk weigh 1e-8 beside weights of 1
/// (as a propensity near 0 gives).
fn suffix_squares(n: usize, weight: impl Fn(usize) -> f64) -> Vec<f64> {
    let mut suffix = vec![0.0f64; n + 1];
    for j in (0..n).rev() {
        suffix[j] = suffix[j + 1] + weight(j) * weight(j);
    }
    suffix
}

/// [`km_rows_of`] of one group's weighted rows (no delayed entry, no patients), given their
/// times, weights and outcomes in order of exit and their sums in row order: the same sums in the same order. Without entry
/// every row enters at A = 0, so its B terms are 0 and the running sums of w²B and w²B² stay
/// +0.0 (the weights are finite: the study's rule); they are kept as the constant they are.
fn weighted_curve(time: &[f64], weight: &[f64], status: &[u8], sums: &GroupSums, opts: &KmOptions) -> KmCurve {
    let n = time.len();
    let (weight, status) = (&weight[..n], &status[..n]);
    let mut rt = RiskTable::default();
    let (mut se_log, mut se_h) = (Vec::new(), Vec::new());
    let (w_in, mut w_out) = (sums.w, 0.0f64);
    let (n_in, mut n_out) = (n, 0usize);
    let (mut a_s, mut a_h) = (0.0f64, 0.0f64);
    // Σw²B, Σw²B² of the rows at risk (for log S and for H): +0.0 without entry.
    const S2B: f64 = 0.0;
    const S2B2: f64 = 0.0;
    // Σw² of the rows at risk.
    let suffix = suffix_squares(n, |j| weight[j]);
    let (mut fin_s, mut fin_h) = (0.0f64, 0.0f64);
    let mut k = 0;
    while k < n {
        let t = time[k];
        let start = k;
        let (mut d, mut c, mut m, mut n_d) = (0.0, 0.0, 0.0, 0usize);
        // The row's weight to its event or censored sum and +0.0 to the other, without a branch
        // on its outcome (events and censored rows alternate at random): the sums start at +0.0
        // and are never −0.0, so adding +0.0 leaves them as they are.
        while k < n && time[k] == t {
            let (w, st) = (weight[k], status[k]);
            d += if st == 1 { w } else { 0.0 };
            c += if st == 0 { w } else { 0.0 };
            n_d += usize::from(st == 1);
            m += w;
            k += 1;
        }
        let at_risk = w_in - w_out;
        if n_d > 0 && n_d == n_in - n_out {
            d = at_risk;
        }
        let (mut c_s, mut c_h) = (0.0, 0.0);
        if d > 0.0 {
            let lambda = d / at_risk;
            c_s = if at_risk - d > 0.0 { 1.0 / (at_risk - d) } else { 0.0 };
            c_h = 1.0 / at_risk;
            a_s += lambda * c_s;
            a_h += lambda * c_h;
        }
        for j in start..k {
            let w2 = weight[j] * weight[j];
            let ev = if status[j] == 1 { 1.0 } else { 0.0 };
            // A − B − δ·c with B = 0 (a_s − 0.0 is a_s: a_s is never −0.0).
            let u_s = a_s - ev * c_s;
            let u_h = a_h - ev * c_h;
            fin_s += w2 * u_s * u_s;
            fin_h += w2 * u_h * u_h;
        }
        let s2 = suffix[k];
        w_out += m;
        n_out += k - start;
        if d > 0.0 || c > 0.0 {
            rt.push_row(t, at_risk, d, c);
            let v_s = fin_s + a_s * a_s * s2 - 2.0 * a_s * S2B + S2B2;
            let v_h = fin_h + a_h * a_h * s2 - 2.0 * a_h * S2B + S2B2;
            se_log.push(v_s.max(0.0).sqrt());
            se_h.push(v_h.max(0.0).sqrt());
        }
    }
    let mut out = curve_with(rt, opts, Some(&RobustSe { se_log, se_h }));
    out.n = n;
    out.events = sums.events;
    out
}

/// [`kaplan_meier_rows`] of the rows `members` (in row order) of `rows`' columns, given them
/// sorted by exit (`by_exit`) and, with entry, by entry (`by_entry`); `joins` as in
/// [`kaplan_meier_rows_joined`].
fn km_rows_of(rows: &KmRows, members: Members, by_exit: &[usize], by_entry: &[usize], joins: &[f64], opts: &KmOptions) -> KmCurve {
    let n = members.len();
    let wt = |i: usize| rows.weight.map_or(1.0, |w| w[i]);
    let robust = rows.weight.is_some();
    let mut rt = RiskTable::default();
    let (mut se_log, mut se_h) = (Vec::new(), Vec::new());
    // Running sums: weight entered and left; robust: Σw², Σw²B, Σw²B² of the rows at risk (for
    // log S and for H), and Σ w²U² of the rows that left.
    let (mut w_in, mut w_out) = (0.0f64, 0.0f64);
    // Rows at risk, counted: when every one of them has the event, S reaches exactly 0 (the
    // weight at risk, a running difference of float sums, can miss the events' weight by an ulp).
    let (mut n_in, mut n_out) = (if rows.entry.is_none() { n } else { 0 }, 0usize);
    let (mut a_s, mut a_h) = (0.0f64, 0.0f64);
    // B_i by row, needed only with delayed entry (without, every row enters at A = 0).
    let keep_b = robust && rows.entry.is_some();
    let mut b_s = if keep_b { vec![0.0; rows.time.len()] } else { Vec::new() };
    let mut b_h = if keep_b { vec![0.0; rows.time.len()] } else { Vec::new() };
    let (mut s2, mut s2b_s, mut s2b2_s, mut s2b_h, mut s2b2_h, mut fin_s, mut fin_h) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    // Σw² of the rows at risk: without entry a suffix sum in exit order ([`suffix_squares`]);
    // with entry (`keep_b`), running sums of the rows entered less those left.
    let mut suffix = Vec::new();
    if rows.entry.is_none() {
        for i in members.iter() {
            w_in += wt(i);
        }
        if robust {
            suffix = suffix_squares(n, |j| wt(by_exit[j]));
            s2 = suffix[0];
        }
    }
    let (mut k, mut e, mut ji) = (0, 0, 0);
    while k < n {
        let t_exit = rows.time[by_exit[k]];
        // A join before this exit time: a point of the curve with its number at risk (the rows
        // entered before it less those that left before it), then on to the exit.
        let join = joins.get(ji).copied().filter(|&j| j < t_exit);
        let t = join.unwrap_or(t_exit);
        if let Some(en) = rows.entry {
            while e < n && en[by_entry[e]] < t {
                let i = by_entry[e];
                let w = wt(i);
                w_in += w;
                n_in += 1;
                if robust {
                    b_s[i] = a_s;
                    b_h[i] = a_h;
                    let w2 = w * w;
                    s2 += w2;
                    s2b_s += w2 * a_s;
                    s2b2_s += w2 * a_s * a_s;
                    s2b_h += w2 * a_h;
                    s2b2_h += w2 * a_h * a_h;
                }
                e += 1;
            }
        }
        if join.is_some() {
            rt.silent.push((t, w_in - w_out));
            ji += 1;
            continue;
        }
        // A join at this exit time is this point itself.
        while joins.get(ji).is_some_and(|&j| j <= t) {
            ji += 1;
        }
        let start = k;
        let (mut d, mut c, mut m, mut n_d) = (0.0, 0.0, 0.0, 0usize);
        while k < n && rows.time[by_exit[k]] == t {
            let i = by_exit[k];
            match rows.status[i] {
                1 => {
                    d += wt(i);
                    n_d += 1;
                }
                0 => c += wt(i),
                _ => {}
            }
            m += wt(i);
            k += 1;
        }
        let at_risk = w_in - w_out;
        if n_d > 0 && n_d == n_in - n_out {
            d = at_risk;
        }
        let (mut c_s, mut c_h) = (0.0, 0.0);
        if d > 0.0 && robust {
            let lambda = d / at_risk;
            c_s = if at_risk - d > 0.0 { 1.0 / (at_risk - d) } else { 0.0 };
            c_h = 1.0 / at_risk;
            a_s += lambda * c_s;
            a_h += lambda * c_h;
        }
        if robust {
            for &i in &by_exit[start..k] {
                let w2 = wt(i) * wt(i);
                let ev = if rows.status[i] == 1 { 1.0 } else { 0.0 };
                let (bs, bh) = if keep_b { (b_s[i], b_h[i]) } else { (0.0, 0.0) };
                let u_s = a_s - bs - ev * c_s;
                let u_h = a_h - bh - ev * c_h;
                fin_s += w2 * u_s * u_s;
                fin_h += w2 * u_h * u_h;
                if keep_b {
                    s2 -= w2;
                    s2b_s -= w2 * bs;
                    s2b2_s -= w2 * bs * bs;
                    s2b_h -= w2 * bh;
                    s2b2_h -= w2 * bh * bh;
                }
            }
            if !keep_b {
                s2 = suffix[k];
            }
        }
        w_out += m;
        n_out += k - start;
        if keep_b && n_out == n_in {
            // No row at risk: the running sums of its rows are 0, not the ulps their
            // subtractions leave (whose square roots would show as a standard error of 1e-8).
            (s2, s2b_s, s2b2_s, s2b_h, s2b2_h) = (0.0, 0.0, 0.0, 0.0, 0.0);
        }
        if d > 0.0 || c > 0.0 {
            rt.push_row(t, at_risk, d, c);
            if robust {
                let v_s = fin_s + a_s * a_s * s2 - 2.0 * a_s * s2b_s + s2b2_s;
                let v_h = fin_h + a_h * a_h * s2 - 2.0 * a_h * s2b_h + s2b2_h;
                se_log.push(v_s.max(0.0).sqrt());
                se_h.push(v_h.max(0.0).sqrt());
            }
        }
    }
    let robust_se = robust.then_some(RobustSe { se_log, se_h });
    let mut out = curve_with(rt, opts, robust_se.as_ref());
    out.n = match rows.patient {
        Some(p) => {
            let mut seen = vec![false; members.iter().map(|i| p[i] as usize + 1).max().unwrap_or(0)];
            members.iter().filter(|&i| !std::mem::replace(&mut seen[p[i] as usize], true)).count()
        }
        None => n,
    };
    out.events = members.iter().filter(|&i| rows.status[i] == 1).count();
    out
}

/// One curve per group with delayed entry, from the rows' exit tallies (time, group, status)
/// and entry tallies (entry time, group), as [`crate::stats::logrank::entry_tallies`] makes
/// them: at each exit time t the number at risk is the number of rows entered before t less
/// those that left before t. The same curves as [`kaplan_meier_rows`] without weights or
/// patients, over the tallies' cells instead of the rows (the fast path of delayed entry).
pub fn kaplan_meier_entry_groups(exits: &Tallies, entries: &Tallies, levels: &[String], opts: &KmOptions) -> Vec<KmCurve> {
    let ins = entries.per_group();
    exits
        .per_group()
        .into_iter()
        .enumerate()
        .map(|(g, out)| {
            let inn = ins.get(g).cloned().unwrap_or_default();
            let mut rt = RiskTable::default();
            let (mut entered, mut left, mut e) = (0.0f64, 0.0f64, 0usize);
            let mut rows = 0.0;
            for (t, c) in out.time.iter().zip(&out.count) {
                while e < inn.time.len() && inn.time[e] < *t {
                    entered += inn.count[e].iter().map(|&x| x as f64).sum::<f64>();
                    e += 1;
                }
                let m: f64 = c.iter().map(|&x| x as f64).sum();
                rows += m;
                if c[1] + c[0] + c[2] > 0 {
                    rt.time.push(*t);
                    rt.n_risk.push(entered - left);
                    rt.n_event.push(c[1] as f64);
                    rt.n_censor.push((c[0] + c[2]) as f64);
                }
                left += m;
            }
            let mut k = curve(rt, opts);
            k.group = levels.get(g).cloned();
            k.n = rows as usize;
            k.events = out.count.iter().map(|c| c[1] as usize).sum();
            k
        })
        .collect()
}

/// The curve, its median, landmarks, RMST and reverse-KM follow-up from one risk table.
fn curve(rt: RiskTable, opts: &KmOptions) -> KmCurve {
    curve_with(rt, opts, None)
}

/// [`curve`], with robust standard errors of log S and H in place of Greenwood's and
/// Nelson–Aalen's (where S reaches 0 the standard error of S is then 0: the plain limits 0,
/// the log and log-log ones undefined, as R's `survfit(..., robust = TRUE)`).
fn curve_with(rt: RiskTable, opts: &KmOptions, robust: Option<&RobustSe>) -> KmCurve {
    let z = z95();
    let m = rt.time.len();
    let mut steps = Vec::with_capacity(m);
    let (mut surv, mut lower, mut upper) = (Vec::with_capacity(m), Vec::with_capacity(m), Vec::with_capacity(m));
    let (mut s, mut gw, mut h, mut vh) = (1.0f64, 0.0f64, 0.0f64, 0.0f64);
    for j in 0..m {
        let (n, d) = (rt.n_risk[j], rt.n_event[j]);
        if d > 0.0 {
            s *= 1.0 - d / n;
            gw += if n > d { d / (n * (n - d)) } else { f64::INFINITY };
            h += d / n;
            vh += d / (n * n);
        }
        let se_log = if s > 0.0 { robust.map_or(gw.sqrt(), |r| r.se_log[j]) } else { f64::NAN };
        // Where S reaches 0 the robust standard error of S is 0: the plain interval is then
        // [0, 0], as R's (the log and log-log ones stay undefined); the median's limits read it.
        let (lo, up) = if robust.is_some() && s == 0.0 && opts.conf_type == ConfType::Plain { (0.0, 0.0) } else { conf_limits(s, se_log, opts.conf_type, z) };
        surv.push(s);
        lower.push(lo);
        upper.push(up);
        steps.push(KmStep {
            time: rt.time[j],
            n_risk: n,
            n_event: d,
            n_censor: rt.n_censor[j],
            surv: s,
            std_err: if robust.is_some() && s == 0.0 { 0.0 } else { s * se_log },
            lower: lo,
            upper: up,
            cumhaz: h,
            std_cumhaz: robust.map_or(vh.sqrt(), |r| r.se_h[j]),
        });
    }
    let median = median_as_printed(&rt.time, &surv);
    // The lower confidence curve reaches 0.5 first: it gives the lower limit of the median.
    let median_lower = median_as_printed(&rt.time, &lower);
    let median_upper = median_as_printed(&rt.time, &upper);

    let at = opts.times.iter().map(|&t| at_time(&rt, &steps, t, opts.conf_type)).collect();
    let rmst = opts.rmst_tau.map(|tau| rmst(&rt, tau));

    // Reverse Kaplan-Meier: censoring is the "event" (same times, same numbers at risk).
    let followup = {
        let (mut s, mut gw) = (1.0f64, 0.0f64);
        surv.clear();
        lower.clear();
        upper.clear();
        for j in 0..m {
            let (n, d) = (rt.n_risk[j], rt.n_censor[j]);
            if d > 0.0 {
                s *= 1.0 - d / n;
                gw += if n > d { d / (n * (n - d)) } else { f64::INFINITY };
            }
            let se_log = if s > 0.0 { gw.sqrt() } else { f64::NAN };
            let (l, u) = conf_limits(s, se_log, opts.conf_type, z);
            surv.push(s);
            lower.push(l);
            upper.push(u);
        }
        Followup { median: quantile(&rt.time, &surv, 0.5), lower: quantile(&rt.time, &lower, 0.5), upper: quantile(&rt.time, &upper, 0.5) }
    };

    KmCurve {
        group: None,
        n: rt.n_risk.first().map_or(0, |&n| n as usize),
        events: rt.n_event.iter().sum::<f64>() as usize,
        median,
        median_lower,
        median_upper,
        steps,
        followup,
        at,
        rmst,
    }
}

/// S(t) at a landmark, as `summary(fit, times = t, extend = TRUE)`: the curve's value at the
/// last step at or before t, and the number still at risk at t (time ≥ t: the number at risk at
/// the first distinct time ≥ t). With start–stop rows the curve's points are R's: its steps
/// and its silent times ([`RiskTable::silent`]). The number at risk is then that of the first
/// point ≥ t of either kind; and before the first step, once a silent point has passed, S is 1
/// with the limits a step at S = 1 has (undefined on the log-log scale), not the 1 of time 0.
fn at_time(rt: &RiskTable, steps: &[KmStep], t: f64, conf: ConfType) -> KmAt {
    let first_after = rt.time.partition_point(|&x| x < t);
    let mut next = rt.time.get(first_after).map(|&x| (x, rt.n_risk[first_after]));
    let silent_after = rt.silent.partition_point(|&(x, _)| x < t);
    if let Some(&(x, n)) = rt.silent.get(silent_after) {
        if next.is_none_or(|(y, _)| x < y) {
            next = Some((x, n));
        }
    }
    let n_risk = if t.is_nan() { 0.0 } else { next.map_or(0.0, |(_, n)| n) };
    match rt.time.partition_point(|&x| x <= t).checked_sub(1) {
        Some(j) => {
            let s = &steps[j];
            KmAt { time: t, n_risk, surv: s.surv, std_err: s.std_err, lower: s.lower, upper: s.upper }
        }
        None if rt.silent.first().is_some_and(|&(x, _)| x <= t) => {
            let (lower, upper) = conf_limits(1.0, 0.0, conf, z95());
            KmAt { time: t, n_risk, surv: 1.0, std_err: 0.0, lower, upper }
        }
        None => KmAt { time: t, n_risk, surv: 1.0, std_err: 0.0, lower: 1.0, upper: 1.0 },
    }
}

/// The median of a survival-type `curve` (S, or a confidence limit of S) at `times`, as
/// `print(survfit)` and `summary(fit)$table` show it (R's `survmean`): among the defined points
/// with S < 0.5 + tol (tol = sqrt(machine epsilon)), the first; if its S is 0.5 within tol and a
/// later kept point is lower, the midpoint of the two times; otherwise that first time (so a
/// curve that stays at exactly 0.5 to the end gives the start of the flat). `None` when the
/// curve never gets to 0.5.
pub fn median_as_printed(times: &[f64], curve: &[f64]) -> Option<f64> {
    let tol = f64::EPSILON.sqrt();
    let mut kept = times.iter().zip(curve).filter(|(_, s)| !s.is_nan() && **s < 0.5 + tol);
    let (&x1, &s1) = kept.next()?;
    if (s1 - 0.5).abs() < tol {
        if let Some((&x2, _)) = kept.find(|(_, s)| **s < s1) {
            return Some((x1 + x2) / 2.0);
        }
    }
    Some(x1)
}

/// The time at which a survival-type `curve` reaches `level` (0.5 for the median), by
/// `quantile.survfit`'s rule. NaN entries of the curve (undefined confidence limits) are
/// skipped; `None` when the curve never gets there.
///
/// `quantile.survfit` works on the points (x, y = 1 − S), starting at (0, 0), keeping only the
/// first time each y value appears (and the first undefined point). With p = 1 − level and
/// tol = sqrt(machine epsilon): the answer is the midpoint of the first x whose y ≥ p − tol
/// and the first x whose y ≥ p + tol (the curve crossing p, or the ends of a flat stretch at p),
/// or, when the last point kept lies at p (within tol), the midpoint of the first and the
/// largest time. "The first x whose y ≥ c" is the first appearance of the smallest such y, so
/// a forward scan finds it without sorting; only the last point kept needs the set of values
/// seen, and only when some y is within tol of p: a non-decreasing y (survival, its lower limit)
/// gives it directly, otherwise the values are sorted.
pub fn quantile(times: &[f64], curve: &[f64], level: f64) -> Option<f64> {
    let tol = f64::EPSILON.sqrt();
    let p = 1.0 - level;
    let xmax = *times.last()?;
    let n = times.len().min(curve.len());
    // Range of y over the defined points (with the origin), whether y never decreases, the first
    // point of its largest value, the first undefined point, and whether any y is near p.
    let (mut lo, mut hi, mut prev) = (0.0f64, 0.0f64, 0.0f64);
    let mut monotone = true;
    let mut first_max: Option<usize> = None;
    let mut first_nan: Option<usize> = None;
    let mut near = p.abs() < tol;
    for (j, &s) in curve[..n].iter().enumerate() {
        let y = 1.0 - s;
        if y.is_nan() {
            first_nan.get_or_insert(j);
            continue;
        }
        monotone &= y >= prev;
        prev = y;
        lo = lo.min(y);
        if y > hi {
            hi = y;
            first_max = Some(j);
        }
        near |= (p - y).abs() < tol;
    }
    if hi < p {
        return None;
    }
    // First x of the smallest y with y + shift ≥ p; None when p lies outside the range.
    let find = |shift: f64| -> Option<f64> {
        if p < lo + shift || p > hi + shift {
            return None;
        }
        let mut best: Option<(f64, f64)> = (0.0 + shift >= p).then_some((0.0, 0.0));
        for (&x, &s) in times[..n].iter().zip(&curve[..n]) {
            let y = 1.0 - s;
            if y + shift >= p && best.map_or(true, |(by, _)| y < by) {
                best = Some((y, x));
            }
        }
        best.map(|(_, x)| x)
    };
    let x1 = find(tol);
    let x2 = find(-tol);
    if near {
        // The last point kept: the latest first appearance of a value (index 0 = the origin,
        // j + 1 = curve point j), unless the first undefined point comes after it.
        let last_new = if monotone {
            first_max.map_or(0, |j| j + 1)
        } else {
            let mut firsts: Vec<(u64, usize)> = std::iter::once((super::common::time_key(0.0), 0))
                .chain(curve[..n].iter().enumerate().filter(|(_, s)| !(1.0 - **s).is_nan()).map(|(j, &s)| (super::common::time_key(1.0 - s), j + 1)))
                .collect();
            firsts.sort_unstable();
            firsts.dedup_by_key(|f| f.0);
            firsts.iter().map(|f| f.1).max().unwrap_or(0)
        };
        let last = match first_nan {
            Some(j) if j + 1 > last_new => f64::NAN,
            _ if last_new == 0 => 0.0,
            _ => 1.0 - curve[last_new - 1],
        };
        if !last.is_nan() && (p - last).abs() < tol {
            return x1.map(|x| (x + xmax) / 2.0);
        }
    }
    match (x1, x2) {
        (Some(a), Some(b)) => Some((a + b) / 2.0),
        _ => None,
    }
}

/// Restricted mean survival time up to `tau` and its standard error (as `print(survfit,
/// rmean = tau)`): the area under S on [0, tau]; the variance sums, over event times t_j ≤ tau,
/// A_j² d_j / (n_j (n_j − d_j)) with A_j the area under S from t_j to tau.
fn rmst(rt: &RiskTable, tau: f64) -> Rmst {
    // Event times up to tau with the survival just after each.
    let mut ev: Vec<(f64, f64, f64, f64)> = Vec::new(); // (t, S after, n, d)
    let mut s = 1.0;
    for j in 0..rt.time.len() {
        if rt.time[j] > tau {
            break;
        }
        if rt.n_event[j] > 0.0 {
            s *= 1.0 - rt.n_event[j] / rt.n_risk[j];
            ev.push((rt.time[j], s, rt.n_risk[j], rt.n_event[j]));
        }
    }
    // Areas of the pieces after each event time, accumulated from the right.
    let mut area_after = vec![0.0; ev.len()];
    let mut acc = 0.0;
    for k in (0..ev.len()).rev() {
        let end = if k + 1 < ev.len() { ev[k + 1].0 } else { tau };
        acc += ev[k].1 * (end - ev[k].0);
        area_after[k] = acc;
    }
    let first = ev.first().map(|e| e.0).unwrap_or(tau);
    let estimate = first + area_after.first().copied().unwrap_or(0.0);
    let mut var = 0.0;
    for (k, &(_, _, n, d)) in ev.iter().enumerate() {
        if n > d {
            var += area_after[k] * area_after[k] * d / (n * (n - d));
        }
    }
    Rmst { tau, estimate, std_err: var.sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The former implementation (a hash set of the values seen): the specification the
    // linear-scan `quantile` is checked against.
    /// The time at which a survival-type curve reaches 1 − p... expressed for survival `curve`
    /// reaching `level` (0.5 for the median), by `quantile.survfit`'s rule. NaN entries of the curve
    /// (undefined confidence limits) are skipped; `None` when the curve never gets there.
    fn quantile_reference(times: &[f64], curve: &[f64], level: f64) -> Option<f64> {
        let tol = f64::EPSILON.sqrt();
        let p = 1.0 - level;
        // Points (x, y) with y = 1 − S, starting at (0, 0); keep the first time each value appears.
        let mut xs = vec![0.0];
        let mut ys = vec![0.0];
        let xmax = *times.last()?;
        let mut seen_nan = false;
        let mut seen = std::collections::HashSet::new();
        seen.insert(0.0f64.to_bits());
        for (&t, &s) in times.iter().zip(curve) {
            let y = 1.0 - s;
            if y.is_nan() {
                if !seen_nan {
                    seen_nan = true;
                    xs.push(t);
                    ys.push(f64::NAN);
                }
                continue;
            }
            if !seen.insert((y + 0.0).to_bits()) {
                continue;
            }
            xs.push(t);
            ys.push(y);
        }
        if ys.iter().filter(|y| !y.is_nan()).all(|&y| y < p) {
            return None;
        }
        // First point (in order of y) whose y + shift ≥ p; None when p lies outside the range.
        let mut pts: Vec<(f64, usize)> = ys.iter().enumerate().filter(|(_, y)| !y.is_nan()).map(|(i, &y)| (y, i)).collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let find = |shift: f64| -> Option<usize> {
            let lo = pts.first()?.0 + shift;
            let hi = pts.last()?.0 + shift;
            if p < lo || p > hi {
                return None;
            }
            pts.iter().find(|(y, _)| y + shift >= p).map(|&(_, i)| i)
        };
        let i1 = find(tol);
        let i2 = find(-tol);
        let last = *ys.last()?;
        if !last.is_nan() && (p - last).abs() < tol {
            return i1.map(|i| (xs[i] + xmax) / 2.0);
        }
        match (i1, i2) {
            (Some(a), Some(b)) => Some((xs[a] + xs[b]) / 2.0),
            _ => None,
        }
    }

    fn opts() -> KmOptions<'static> {
        KmOptions { conf_type: ConfType::Log, times: &[], rmst_tau: None }
    }

    #[test]
    fn quantile_agrees_with_the_hash_set_version() {
        // Random step curves: non-increasing (survival), wandering (an upper limit), with
        // undefined stretches and values landing exactly on 0.5 and 0.5 ± tol/2.
        let mut x: u64 = 99;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let tol = f64::EPSILON.sqrt();
        for case in 0..3000 {
            let n = 1 + (next() % 12) as usize;
            let times: Vec<f64> = (1..=n).map(|i| i as f64 + (next() % 3) as f64 * 0.25).collect();
            let mut s = 1.0;
            let curve: Vec<f64> = (0..n)
                .map(|_| {
                    let r = next() % 10;
                    if case % 2 == 0 {
                        s = match r {
                            0 => 0.5,
                            1 => 0.5 + tol / 2.0,
                            2 => s,
                            _ => s * [1.0, 0.9, 0.75, 0.6, 0.5][(next() % 5) as usize],
                        };
                        s
                    } else {
                        match r {
                            0 => f64::NAN,
                            1 => 0.5,
                            2 => 0.5 - tol / 2.0,
                            3 => 1.0,
                            _ => [0.2, 0.4, 0.6, 0.8, 0.45, 0.55][(next() % 6) as usize],
                        }
                    }
                })
                .collect();
            for level in [0.5, 0.25, 0.75] {
                assert_eq!(quantile(&times, &curve, level), quantile_reference(&times, &curve, level), "{times:?} {curve:?} {level}");
            }
        }
    }

    #[test]
    fn grouped_curves_equal_separate_fits() {
        // kaplan_meier_groups over shared tallies = kaplan_meier on each group's rows.
        let time = [5.0, 3.0, 8.0, 1.0, 9.0, 2.0, 7.0, 3.0, 3.0, 6.0];
        let status = [1u8, 0, 1, 1, 1, 2, 0, 1, 1, 1];
        let group = [0u32, 1, 0, 0, 1, 1, 1, 0, 1, 0];
        let levels = vec!["a".to_string(), "b".to_string()];
        let o = KmOptions { conf_type: ConfType::LogLog, times: &[0.5, 3.0, 10.0], rmst_tau: Some(6.0) };
        let t = Tallies::new(&time, &status, Some(&group), 2, None, |_| true);
        let curves = kaplan_meier_groups(&t, &levels, &o);
        for (g, c) in curves.iter().enumerate() {
            let rows: Vec<usize> = (0..time.len()).filter(|&i| group[i] == g as u32).collect();
            let tg: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
            let sg: Vec<u8> = rows.iter().map(|&i| status[i]).collect();
            let mut alone = kaplan_meier(&tg, &sg, &o);
            alone.group = Some(levels[g].clone());
            assert_eq!(format!("{c:?}"), format!("{alone:?}"));
        }
        // Group a: 1,3,5,6,8, all events; at 3 the number at risk is 4 (times ≥ 3), at 10 none.
        assert_eq!(curves[0].at[1].n_risk, 4.0);
        assert_eq!(curves[0].at[2].n_risk, 0.0);
        assert_eq!(curves[0].n, 5);
        assert_eq!(curves[0].events, 5);
    }

    /// The weighted groups from one shared sort = `kaplan_meier_rows` on each group's own
    /// rows, to the last bit (ties of time across and within groups, a group code outside the
    /// groups left out, an empty group).
    #[test]
    fn weighted_groups_equal_separate_fits() {
        let time = [5.0, 3.0, 8.0, 1.0, 9.0, 2.0, 7.0, 3.0, 3.0, 6.0, 3.0, 4.0];
        let status = [1u8, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1];
        let weight = [0.7, 1.3, 2.0, 0.4, 1.1, 0.9, 3.2, 1.0, 0.6, 1.7, 2.2, 0.5];
        let group = [0u32, 1, 0, 0, 1, 1, 1, 0, 1, 0, u32::MAX, 1];
        let o = KmOptions { conf_type: ConfType::LogLog, times: &[0.5, 3.0, 10.0], rmst_tau: None };
        let all = KmRows { time: &time, status: &status, entry: None, weight: Some(&weight), patient: None };
        let curves = kaplan_meier_weighted_groups(&all, &group, 3, &o, None);
        let given = kaplan_meier_weighted_groups(&all, &group, 3, &o, Some(&crate::stats::common::order_by_time(all.time)));
        // Compared as text: the curves hold NaN limits (NaN ≠ NaN), and every bit shows there.
        assert_eq!(format!("{curves:?}"), format!("{given:?}"), "the order given is the order made");
        assert_eq!(curves.len(), 3);
        for (g, c) in curves.iter().enumerate() {
            let rows: Vec<usize> = (0..time.len()).filter(|&i| group[i] == g as u32).collect();
            let tg: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
            let sg: Vec<u8> = rows.iter().map(|&i| status[i]).collect();
            let wg: Vec<f64> = rows.iter().map(|&i| weight[i]).collect();
            let alone = kaplan_meier_rows(&KmRows { time: &tg, status: &sg, entry: None, weight: Some(&wg), patient: None }, &o);
            assert_eq!(format!("{c:?}"), format!("{alone:?}"), "group {g}");
        }
        // Group a (rows 0, 2, 3, 7, 9): weight 0.4 + 1.0 + 0.7 + 1.7 + 2.0 at risk at time 1.
        assert!((curves[0].steps[0].n_risk - 5.8).abs() < 1e-12);
        assert_eq!((curves[0].n, curves[0].events, curves[2].n), (5, 5, 0));
    }

    #[test]
    fn hand_worked_curve() {
        // times 1,2+,3,3,4+ : at t=1 n=5 d=1 → S=.8; t=3 n=3 d=2 → S=.8·(1/3)=.2667
        let k = kaplan_meier(&[1.0, 2.0, 3.0, 3.0, 4.0], &[1, 0, 1, 1, 0], &opts());
        assert_eq!(k.steps.len(), 4);
        assert!((k.steps[2].surv - 0.8 / 3.0).abs() < 1e-15);
        // Greenwood: var log S = 1/(5·4) + 2/(3·1) ; se(S) = S·sqrt(var)
        let v: f64 = 1.0 / 20.0 + 2.0 / 3.0;
        assert!((k.steps[2].std_err - 0.8 / 3.0 * v.sqrt()).abs() < 1e-15);
        // Nelson-Aalen: 1/5 + 2/3
        assert!((k.steps[2].cumhaz - (0.2 + 2.0 / 3.0)).abs() < 1e-15);
        // S first ≤ 0.5 at t = 3
        assert_eq!(k.median, Some(3.0));
    }

    #[test]
    fn median_on_a_flat_half_is_the_midpoint() {
        // 1 2 3 4 all events: S = .75 .5 .25 0 → S is exactly .5 on [2,3): median 2.5
        let k = kaplan_meier(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 1, 1], &opts());
        assert_eq!(k.median, Some(2.5));
    }

    /// R: d <- data.frame(t = 1:4, s = c(1, 1, 0, 0)); S = .75 .5 .5 .5 stays at exactly 0.5 to
    /// the last time. print(survfit(Surv(t, s) ~ 1, d)) shows median 2 (the start of the flat);
    /// quantile(fit, 0.5) gives 3, the midpoint of 2 and the last time 4.
    #[test]
    fn median_on_a_flat_half_to_the_end_is_the_start_of_the_flat() {
        let k = kaplan_meier(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 0, 0], &opts());
        assert_eq!(k.median, Some(2.0));
        let surv: Vec<f64> = k.steps.iter().map(|s| s.surv).collect();
        let times: Vec<f64> = k.steps.iter().map(|s| s.time).collect();
        assert_eq!(quantile(&times, &surv, 0.5), Some(3.0));
    }

    /// A confidence curve that falls to 0.5 and rises again: survmean keeps its first time
    /// below 0.5 + tol (0.45 at t = 2), whatever comes after; undefined points are skipped.
    #[test]
    fn printed_median_of_a_band_that_rises_again() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(median_as_printed(&t, &[0.9, 0.45, 0.6, 0.4, f64::NAN]), Some(2.0));
        assert_eq!(median_as_printed(&t, &[0.9, 0.5, 0.6, 0.5, 0.3]), Some(3.5));
        assert_eq!(median_as_printed(&t, &[f64::NAN, 0.7, 0.6, 0.55, 0.51]), None);
    }

    #[test]
    fn median_not_reached() {
        let k = kaplan_meier(&[1.0, 2.0, 3.0, 4.0], &[1, 0, 0, 0], &opts());
        assert_eq!(k.median, None);
        assert!(k.steps.iter().all(|s| s.lower.is_finite()));
    }

    /// Delayed entry, rows (entry, time, status): (0,2,1) (1,3,1) (2,4,0) (0,5,1).
    /// t=2: at risk entry < 2 ≤ time: rows 1, 2, 4 (row 3 enters at 2) → n=3, d=1, S=2/3;
    /// t=3: rows 2, 3, 4 → n=3, d=1, S=4/9; t=4: rows 3, 4 → n=2, one censored;
    /// t=5: row 4 → n=1, d=1, S=0. Greenwood at 3: 1/(3·2) + 1/(3·2) = 1/3.
    /// R (survfit(Surv(e, t, s) ~ 1)): n.risk 3 3 2 1, surv .6667 .4444 .4444 0,
    /// std.err (of log S) .4082483 .5773503.
    #[test]
    fn delayed_entry_by_hand() {
        let (entry, time, status) = ([0.0, 1.0, 2.0, 0.0], [2.0, 3.0, 4.0, 5.0], [1u8, 1, 0, 1]);
        let k = kaplan_meier_rows(&KmRows { time: &time, status: &status, entry: Some(&entry), weight: None, patient: None }, &opts());
        let n: Vec<f64> = k.steps.iter().map(|s| s.n_risk).collect();
        assert_eq!(n, vec![3.0, 3.0, 2.0, 1.0]);
        assert!((k.steps[1].surv - 4.0 / 9.0).abs() < 1e-15);
        assert!((k.steps[1].std_err / k.steps[1].surv - (1.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((k.steps[0].std_err / k.steps[0].surv - 0.4082483).abs() < 1e-7);
        assert_eq!(k.steps[3].surv, 0.0);
        assert_eq!((k.n, k.events), (4, 3));
    }

    /// The tallies' fast path gives the curves of the row sweep.
    #[test]
    fn entry_tallies_equal_the_row_sweep() {
        let time = [2.0, 3.0, 4.0, 5.0, 3.0, 6.0, 7.0, 4.0, 9.0];
        let entry = [0.0, 1.0, 2.0, 0.0, 2.0, 3.0, 0.0, 1.0, 4.0];
        let status = [1u8, 1, 0, 1, 1, 0, 1, 2, 1];
        let group = [0u32, 1, 0, 1, 0, 1, 0, 1, 0];
        let levels = vec!["a".to_string(), "b".to_string()];
        let o = KmOptions { conf_type: ConfType::Log, times: &[3.5], rmst_tau: Some(8.0) };
        let exits = Tallies::new(&time, &status, Some(&group), 2, None, |_| true);
        let entries = Tallies::new(&entry, &[0; 9], Some(&group), 2, None, |_| true);
        let fast = kaplan_meier_entry_groups(&exits, &entries, &levels, &o);
        for g in 0..2u32 {
            let idx: Vec<usize> = (0..9).filter(|&i| group[i] == g).collect();
            let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
            let e: Vec<f64> = idx.iter().map(|&i| entry[i]).collect();
            let s: Vec<u8> = idx.iter().map(|&i| if status[i] == 1 { 1 } else { 0 }).collect();
            let mut rows = kaplan_meier_rows(&KmRows { time: &t, status: &s, entry: Some(&e), weight: None, patient: None }, &o);
            rows.group = Some(levels[g as usize].clone());
            assert_eq!(format!("{:?}", fast[g as usize]), format!("{rows:?}"));
        }
    }

    /// Sampling weights, times 1 (event, w=2), 2 (event, w=1), 3 (censored, w=1).
    /// t=1: n = 4, d = 2, λ = 1/2, S = 1/2. The derivative of log S(1) by w_i is
    /// −(dN_i − Y_i λ)/(n − d): row 1 −(1 − 1/2)/2 = −1/4, rows 2 and 3 +(1/2)/2 = 1/4;
    /// var log S = Σ (w_i U_i)² = (2·1/4)² + (1/4)² + (1/4)² = 3/8, se(S) = S·√(3/8) = 0.3061862.
    /// R: survfit(Surv(c(1,2,3), c(1,1,0)) ~ 1, weights = c(2,1,1), robust = TRUE): std.err
    /// 0.3061862 0.2338536, std.chaz 0.3061862 0.4677072, lower 0.15056279 0.03996813.
    #[test]
    fn sampling_weights_jackknife_by_hand() {
        let (time, status, w) = ([1.0, 2.0, 3.0], [1u8, 1, 0], [2.0, 1.0, 1.0]);
        let k = kaplan_meier_rows(&KmRows { time: &time, status: &status, entry: None, weight: Some(&w), patient: None }, &opts());
        assert_eq!(k.steps[0].n_risk, 4.0);
        assert!((k.steps[0].std_err - 0.5 * (3.0f64 / 8.0).sqrt()).abs() < 1e-15);
        for (s, (se, chaz, lo)) in k.steps.iter().zip([(0.3061862, 0.3061862, 0.15056279), (0.2338536, 0.4677072, 0.03996813)]) {
            assert!((s.std_err - se).abs() < 1e-7 && (s.std_cumhaz - chaz).abs() < 1e-7 && (s.lower - lo).abs() < 1e-8, "{s:?}");
        }
        // Unweighted counts of rows and events.
        assert_eq!((k.n, k.events), (3, 2));
    }

    /// Where a weighted curve reaches 0 its robust standard error is 0: the plain interval is
    /// [0, 0] and the median's upper limit is where that interval first falls below 0.5; the
    /// log interval is undefined there. R: d <- data.frame(t = 1:5, e = c(1,0,1,1,1),
    /// w = c(1.2,0.5,2,1,0.7)); survfit(Surv(t, e) ~ 1, d, weights = w, robust = TRUE,
    /// conf.type = "plain"): at t = 5 surv 0, std.err 0, lower 0, upper 0; upper at t = 4
    /// 0.4362928; median 3, 0.95LCL 1, 0.95UCL 4. With conf.type = "log": lower and upper NA at
    /// t = 5, 0.95UCL NA.
    #[test]
    fn sampling_weights_curve_reaching_zero() {
        let (time, status, w) = ([1.0, 2.0, 3.0, 4.0, 5.0], [1u8, 0, 1, 1, 1], [1.2, 0.5, 2.0, 1.0, 0.7]);
        let rows = KmRows { time: &time, status: &status, entry: None, weight: Some(&w), patient: None };
        let plain = kaplan_meier_rows(&rows, &KmOptions { conf_type: ConfType::Plain, ..opts() });
        let last = plain.steps.last().unwrap();
        assert_eq!((last.surv, last.std_err, last.lower, last.upper), (0.0, 0.0, 0.0, 0.0));
        assert!((plain.steps[3].upper - 0.4362928).abs() < 1e-7, "{:?}", plain.steps[3]);
        assert_eq!((plain.median, plain.median_lower, plain.median_upper), (Some(3.0), Some(1.0), Some(4.0)));
        let log = kaplan_meier_rows(&rows, &KmOptions { conf_type: ConfType::Log, ..opts() });
        let last = log.steps.last().unwrap();
        assert!(last.lower.is_nan() && last.upper.is_nan() && last.std_err == 0.0);
        assert_eq!((log.median, log.median_lower, log.median_upper), (Some(3.0), Some(1.0), None));
    }

    /// The rows still at risk may weigh 1e-8 beside weights near 1 (a propensity near 0): their
    /// Σw² is summed from the end, not left from the total less the rows gone (which cancels to
    /// noise: a standard error 20 % off here). R: survfit(Surv(c(1,2,3), c(1,1,0)) ~ 1,
    /// weights = c(0.5, 0.7, 1e-8), robust = TRUE)$std.err = 0.343732459803151,
    /// 1.02533492020919e-08, 1.02533492020919e-08.
    #[test]
    fn sampling_weights_with_a_tiny_weight_at_risk() {
        let (time, status, w) = ([1.0, 2.0, 3.0], [1u8, 1, 0], [0.5, 0.7, 1e-8]);
        let k = kaplan_meier_rows(&KmRows { time: &time, status: &status, entry: None, weight: Some(&w), patient: None }, &opts());
        for (s, r) in k.steps.iter().zip([0.343732459803151, 1.02533492020919e-08, 1.02533492020919e-08]) {
            assert!((s.std_err - r).abs() < 1e-6 * r, "{s:?}");
        }
    }

    /// A patient's continuing interval is neither a censoring nor a new patient: (0,2] status 3
    /// (continues) then (2,5] event for patient 0, and (0,4] censored for patient 1, give the
    /// curve of (0,5] event and (0,4] censored.
    #[test]
    fn continued_intervals_join() {
        let k = kaplan_meier_rows(
            &KmRows { time: &[2.0, 5.0, 4.0], status: &[3, 1, 0], entry: Some(&[0.0, 2.0, 0.0]), weight: None, patient: Some(&[0, 0, 1]) },
            &opts(),
        );
        let plain = kaplan_meier(&[5.0, 4.0], &[1, 0], &opts());
        assert_eq!(format!("{:?}", k.steps), format!("{:?}", plain.steps));
        assert_eq!(k.n, 2);
    }

    /// The points R's curve keeps where a patient's intervals were joined: patient 0 (0,2] then
    /// (2,5] event (joined into (0,5], a join at 2), patient 1 (3,6] censored. R's
    /// `summary(survfit(Surv(start, stop, ev) ~ 1, id = id, conf.type = "log-log"),
    /// times = c(1.5, 2.5))` gives n.risk 1 and 2, S 1 and 1, limits 1 and 1 then NA and NA.
    #[test]
    fn joined_intervals_keep_their_points_for_landmarks() {
        let o = KmOptions { conf_type: ConfType::LogLog, times: &[1.5, 2.5], rmst_tau: None };
        let rows = KmRows { time: &[5.0, 6.0], status: &[1, 0], entry: Some(&[0.0, 3.0]), weight: None, patient: Some(&[0, 1]) };
        let k = kaplan_meier_rows_joined(&rows, &[2.0], &o);
        let at: Vec<(f64, f64)> = k.at.iter().map(|a| (a.n_risk, a.surv)).collect();
        assert_eq!(at, vec![(1.0, 1.0), (2.0, 1.0)]);
        assert_eq!((k.at[0].lower, k.at[0].upper), (1.0, 1.0));
        assert!(k.at[1].lower.is_nan() && k.at[1].upper.is_nan());
        // The steps are those without the join; without it, the landmarks read the steps only.
        let plain = kaplan_meier_rows(&rows, &o);
        assert_eq!(format!("{:?}", k.steps), format!("{:?}", plain.steps));
        assert_eq!((plain.at[0].n_risk, plain.at[0].lower, plain.at[1].lower), (2.0, 1.0, 1.0));
    }

    #[test]
    fn rmst_of_a_hand_curve() {
        // S = 1 on [0,1), .5 on [1,3), then 0; tau = 2 → 1 + .5 = 1.5
        let k = kaplan_meier(&[1.0, 3.0], &[1, 1], &KmOptions { rmst_tau: Some(2.0), ..opts() });
        assert!((k.rmst.unwrap().estimate - 1.5).abs() < 1e-15);
    }
}
