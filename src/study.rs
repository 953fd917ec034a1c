//! Study designs of retrospective cohorts: the row preparation behind the spec keys `entry`
//! (delayed entry, start–stop intervals), `id`, `time_varying` (rows split where an exposure
//! starts, as R's `tmerge(..., tdc(at))`), `landmark` and `weights`.
//!
//! [`apply`] runs after [`crate::prepare::prepare`] has kept the rows with a valid time,
//! outcome, group and strata, in this order:
//!
//! 1. weights: a missing, negative (or, for frequency weights, non-whole) weight excludes the
//!    row, with a warning naming the lines;
//! 2. entry: a missing entry, or an entry not before the time, excludes the row (a row is at
//!    risk on (entry, time]); with `time_varying` and no `entry` every row enters at 0, so a row
//!    with zero follow-up is excluded too (as `tmerge`);
//! 3. landmark L: only rows at risk at L (time > L, entry < L) are kept (counted in a warning);
//!    each time-varying covariate takes its value at L (exposed when its time ≤ L) and keeps it;
//!    `reset` measures time from L;
//! 4. id: the patient of each row; overlapping intervals of one patient exclude the later row,
//!    gaps and several events are named in warnings (kept);
//! 5. time-varying covariates (without a landmark): a row (e, t] whose exposure time a has
//!    e < a < t becomes (e, a] unexposed and censored and (a, t] exposed with the row's outcome;
//!    a ≤ e: exposed throughout (a warning when a < e: exposure before the start of follow-up);
//!    a ≥ t: unexposed (a warning when a > t: after the end of follow-up; a = t is `tmerge`'s
//!    "exposure on the last day is ignored");
//! 6. frequency weights: each row repeated w times (so every estimator is that of the expanded
//!    rows, as the contract says).
//!
//! Sampling weights are carried as a vector for the weighted estimators.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::columns::{column, date_values, line_list, numeric_values, Exclusions};
use crate::table::{factor, Factor};
use crate::spec::{AnalysisSpec, TimeSpec, WeightKind};
use crate::table::{ColumnData, Table, MISSING};

/// Most rows frequency weights may expand to.
pub const MAX_EXPANDED_ROWS: usize = 50_000_000;

/// What the study design adds to the analysed rows (one entry per analysed row or interval).
#[derive(Debug, Clone, Default)]
pub struct StudyRows {
    /// Entry time of each row, when rows can enter late (entry column, or split intervals).
    pub entry: Option<Vec<f64>>,
    /// Patient of each row (the `id` code, or the table row for split rows without `id`), when
    /// a patient can have several rows.
    pub patient: Option<Vec<u32>>,
    /// Sampling weight of each row.
    pub weight: Option<Vec<f64>>,
    /// Each time-varying covariate: name and 0/1 value of each row.
    pub time_varying: Vec<(String, Vec<f64>)>,
    /// Rows before any split: the top-level `n` (expanded for frequency weights).
    pub n_input: usize,
}

impl StudyRows {
    /// Whether any design key changed the layout of the rows (entry, patients or weights).
    pub fn is_plain(&self) -> bool {
        self.entry.is_none() && self.patient.is_none() && self.weight.is_none()
    }
}

/// Whether the spec uses any study-design key.
pub fn has_design(spec: &AnalysisSpec) -> bool {
    spec.entry.is_some() || spec.id.is_some() || !spec.time_varying.is_empty() || spec.landmark.is_some() || spec.weights.is_some()
}

/// A column read as a time in the analysis unit: numbers in the unit of `time` (converted to
/// its display unit), or dates when `time` comes from dates (days since the start date, in
/// the span's unit).
fn time_column(table: &Table, spec: &AnalysisSpec, name: &str, role: &str, warnings: &mut Vec<String>) -> Result<Vec<f64>> {
    let col = column(table, name, role)?;
    match &spec.time {
        TimeSpec::Dates(span) => {
            if matches!(col.data, ColumnData::Date(_)) || col.kind == crate::table::ColumnKind::Date {
                let start = column(table, &span.start, "start date")?;
                let s = date_values(table, start, warnings)?;
                let v = date_values(table, col, warnings)?;
                let per = span.unit.days();
                Ok(v.iter().zip(&s).map(|(a, b)| (a - b) / per).collect())
            } else {
                Ok(numeric_values(col).0)
            }
        }
        TimeSpec::Numeric(n) => {
            let f = n.factor();
            Ok(numeric_values(col).0.into_iter().map(|x| x * f).collect())
        }
        TimeSpec::Column(_) => {
            if matches!(col.data, ColumnData::Date(_)) {
                return Err(Error::spec(format!(
                    "the {role} column '{name}' holds dates, but time is the number column; give time as {{\"start\": DATE, \"end\": DATE}} to use date columns, or give {role} as a number in the unit of time"
                ))
                .at_column(name.to_string()));
            }
            Ok(numeric_values(col).0)
        }
    }
}

/// Keep the rows `k` of the parallel vectors for which `keep[k]`.
struct Rows<'a> {
    rows: &'a mut Vec<usize>,
    time: &'a mut Vec<f64>,
    status: &'a mut Vec<u8>,
    entry: Option<Vec<f64>>,
    weight: Option<Vec<f64>>,
    tv: Vec<(String, Vec<f64>)>,
    patient: Option<Vec<u32>>,
}

impl Rows<'_> {
    fn retain(&mut self, keep: &[bool]) {
        fn f<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
            let mut k = 0;
            v.retain(|_| {
                k += 1;
                keep[k - 1]
            });
        }
        f(self.rows, keep);
        f(self.time, keep);
        f(self.status, keep);
        if let Some(e) = &mut self.entry {
            f(e, keep);
        }
        if let Some(w) = &mut self.weight {
            f(w, keep);
        }
        if let Some(p) = &mut self.patient {
            f(p, keep);
        }
        for (_, v) in &mut self.tv {
            f(v, keep);
        }
    }

    /// Repeat row k `times[k]` times, in place of the row.
    fn repeat(&mut self, times: &[usize]) {
        fn f<T: Copy>(v: &mut Vec<T>, times: &[usize], total: usize) {
            let mut out = Vec::with_capacity(total);
            for (x, &m) in v.iter().zip(times) {
                for _ in 0..m {
                    out.push(*x);
                }
            }
            *v = out;
        }
        let total = times.iter().sum();
        f(self.rows, times, total);
        f(self.time, times, total);
        f(self.status, times, total);
        if let Some(e) = &mut self.entry {
            f(e, times, total);
        }
        if let Some(w) = &mut self.weight {
            f(w, times, total);
        }
        if let Some(p) = &mut self.patient {
            f(p, times, total);
        }
        for (_, v) in &mut self.tv {
            f(v, times, total);
        }
    }
}

/// Apply the spec's study design to the analysed rows (`rows`, `time`, `status`, parallel).
/// See the module documentation for the order and the rules.
// Long because: the study design's six steps in their documented order (weights, entry, landmark, patients, time-varying splits, frequency weights), each keeping the row vectors parallel.
pub fn apply(
    table: &Table,
    spec: &AnalysisSpec,
    rows: &mut Vec<usize>,
    time: &mut Vec<f64>,
    status: &mut Vec<u8>,
    warnings: &mut Vec<String>,
) -> Result<StudyRows> {
    if !has_design(spec) {
        return Ok(StudyRows { n_input: rows.len(), ..Default::default() });
    }
    for tv in &spec.time_varying {
        if table.column(&tv.name).is_some() && spec.covariates.contains(&tv.name) {
            warnings.push(format!(
                "time_varying '{}' has the name of a column of the file: the model uses the time-varying covariate (0 before '{}', 1 from then on), not the column",
                tv.name, tv.at
            ));
        }
    }
    let mut r = Rows { rows, time, status, entry: None, weight: None, tv: Vec::new(), patient: None };
    let line = |table: &Table, row: usize| table.line(row);
    // (Each step below keeps `r`'s vectors parallel: `retain` and `repeat` act on all of them.)

    // 1. Weights.
    // Frequency weight of every table row.
    let mut freq: Option<Vec<usize>> = None;
    if let Some(w) = &spec.weights {
        let col = column(table, &w.column, "weights")?;
        let (v, _) = numeric_values(col);
        let mut ex = Exclusions::default();
        let mut keep = vec![true; r.rows.len()];
        let mut values = Vec::with_capacity(r.rows.len());
        for (k, &row) in r.rows.iter().enumerate() {
            let x = v[row];
            let why = if x.is_nan() {
                Some(match col.text(row) {
                    Some(t) => format!("weight '{t}' in '{}' is not a number", w.column),
                    None => format!("weight '{}' is missing", w.column),
                })
            } else if x < 0.0 || !x.is_finite() {
                Some(format!("weight in '{}' is negative or infinite", w.column))
            } else if w.kind == WeightKind::Frequency && x.fract() != 0.0 {
                Some(format!("frequency weight in '{}' is not a whole number (a frequency weight counts rows; use \"kind\": \"sampling\" for other weights)", w.column))
            } else {
                None
            };
            if let Some(why) = why {
                ex.add(why, line(table, row));
                keep[k] = false;
            }
            values.push(x);
        }
        warnings.extend(ex.into_warnings(""));
        r.weight = Some(values);
        r.retain(&keep);
        let total: f64 = r.weight.as_ref().map_or(0.0, |w| w.iter().sum());
        if !(total > 0.0) {
            return Err(Error::data(format!(
                "every weight in '{}' is zero (or no row has a usable weight): there is nothing to analyse",
                w.column
            ))
            .at_file(table.name.clone())
            .at_column(w.column.clone()));
        }
        if w.kind == WeightKind::Frequency {
            let ws = r.weight.take().unwrap_or_default();
            if ws.iter().sum::<f64>() > MAX_EXPANDED_ROWS as f64 {
                return Err(Error::data(format!(
                    "the frequency weights in '{}' add up to {} rows, more than {MAX_EXPANDED_ROWS} can be analysed",
                    w.column,
                    ws.iter().sum::<f64>()
                ))
                .at_column(w.column.clone()));
            }
            let zero: Vec<u64> = r.rows.iter().zip(&ws).filter(|(_, &x)| x == 0.0).map(|(&row, _)| line(table, row)).collect();
            if !zero.is_empty() {
                warnings.push(format!(
                    "{} {} frequency weight 0 in '{}' and count{} zero times ({})",
                    zero.len(),
                    if zero.len() == 1 { "row has" } else { "rows have" },
                    w.column,
                    if zero.len() == 1 { "s" } else { "" },
                    line_list(&zero)
                ));
            }
            // Rows counted zero times leave now (no later check should name them).
            let nonzero: Vec<bool> = ws.iter().map(|&x| x > 0.0).collect();
            r.retain(&nonzero);
            freq = Some(v.iter().map(|&x| if x.is_finite() && x > 0.0 { x as usize } else { 0 }).collect());
        }
    }

    // 2. Entry.
    let implicit_entry = spec.entry.is_none() && !spec.time_varying.is_empty() && spec.landmark.is_none();
    if let Some(name) = &spec.entry {
        let v = time_column(table, spec, name, "entry", warnings)?;
        let mut ex = Exclusions::default();
        let mut keep = vec![true; r.rows.len()];
        let mut entry = Vec::with_capacity(r.rows.len());
        for (k, &row) in r.rows.iter().enumerate() {
            let e = v[row];
            if e.is_nan() {
                ex.add(
                    match table.column(name).and_then(|c| c.text(row)) {
                        Some(t) => format!("entry '{t}' in '{name}' is not a number"),
                        None => format!("entry '{name}' is missing"),
                    },
                    line(table, row),
                );
                keep[k] = false;
            } else if e >= r.time[k] {
                ex.add(format!("entry '{name}' is not before the exit time (a row is at risk on (entry, time])"), line(table, row));
                keep[k] = false;
            }
            entry.push(e);
        }
        warnings.extend(ex.into_warnings(""));
        r.entry = Some(entry);
        r.retain(&keep);
    } else if implicit_entry {
        let mut ex = Exclusions::default();
        let keep: Vec<bool> = r.time.iter().map(|&t| t > 0.0).collect();
        for (k, &row) in r.rows.iter().enumerate() {
            if !keep[k] {
                ex.add("zero follow-up (a row is at risk on (0, time]; tmerge drops it too)".to_string(), line(table, row));
            }
        }
        warnings.extend(ex.into_warnings(""));
        r.retain(&keep);
    }

    // Exposure times of the time-varying covariates, over all table rows.
    let mut at_times: Vec<(String, String, Vec<f64>)> = Vec::new();
    for tv in &spec.time_varying {
        at_times.push((tv.name.clone(), tv.at.clone(), time_column(table, spec, &tv.at, "time_varying 'at'", warnings)?));
    }

    // 3. Landmark.
    if let Some(lm) = &spec.landmark {
        let l = lm.time;
        let keep: Vec<bool> = (0..r.rows.len()).map(|k| r.time[k] > l && r.entry.as_ref().map_or(true, |e| e[k] < l)).collect();
        let gone = keep.iter().filter(|&&x| !x).count();
        if gone > 0 {
            warnings.push(format!(
                "landmark at {}: {gone} of {} rows were not at risk at the landmark (event or censoring by then{}) and are left out, as the design asks",
                crate::table::format_number(l),
                r.rows.len(),
                if r.entry.is_some() { ", or entry after it" } else { "" }
            ));
        }
        for (name, _, at) in &at_times {
            let v: Vec<f64> = r.rows.iter().map(|&row| if at[row] <= l { 1.0 } else { 0.0 }).collect();
            r.tv.push((name.clone(), v));
        }
        r.retain(&keep);
        if lm.reset {
            r.time.iter_mut().for_each(|t| *t -= l);
        }
        // Every row kept is at risk from L on: entry no longer matters.
        r.entry = None;
    }

    // 4. Patients.
    if let Some(idname) = &spec.id {
        let col = column(table, idname, "id")?;
        let f: Factor = factor(col, r.rows);
        let mut ex = Exclusions::default();
        let keep: Vec<bool> = f.codes.iter().map(|&c| c != MISSING).collect();
        for (k, &row) in r.rows.iter().enumerate() {
            if !keep[k] {
                ex.add(format!("id '{idname}' is missing"), line(table, row));
            }
        }
        warnings.extend(ex.into_warnings(""));
        r.patient = Some(f.codes);
        r.retain(&keep);
        check_intervals(table, idname, spec.entry.is_some(), &mut r, warnings);
    }

    // 5. Time-varying splits.
    if spec.landmark.is_none() && !at_times.is_empty() {
        if r.entry.is_none() {
            r.entry = Some(vec![0.0; r.rows.len()]);
        }
        if r.patient.is_none() {
            r.patient = Some(r.rows.iter().map(|&x| x as u32).collect());
        }
        for (name, atname, at) in &at_times {
            split(table, name, atname, at, &mut r, warnings);
        }
    }

    // Top-level n: the input rows kept (before splits), each counted w times with frequency
    // weights.
    let mut seen = vec![false; table.n_rows()];
    let per_row = |row: usize| freq.as_ref().map_or(1, |f| f[row]);
    let n_input = r.rows.iter().filter(|&&row| !std::mem::replace(&mut seen[row], true)).map(|&row| per_row(row)).sum();

    // 6. Frequency weights: each row (or interval) repeated w times; copy c of a patient's
    // intervals is a patient of its own.
    if let Some(f) = &freq {
        let times: Vec<usize> = r.rows.iter().map(|&row| f[row]).collect();
        let patients = r.patient.take();
        r.repeat(&times);
        if let Some(p) = patients {
            let mut ids: HashMap<(u32, usize), u32> = HashMap::new();
            let mut out = Vec::with_capacity(r.rows.len());
            for (k, &m) in times.iter().enumerate() {
                for c in 0..m {
                    let next = ids.len() as u32;
                    out.push(*ids.entry((p[k], c)).or_insert(next));
                }
            }
            r.patient = Some(out);
        }
    }
    Ok(StudyRows { entry: r.entry, patient: r.patient, weight: r.weight, time_varying: r.tv, n_input })
}

/// Overlapping intervals within a patient exclude the later row; gaps and several events are
/// named in warnings (kept as they are).
fn check_intervals(table: &Table, idname: &str, has_entry: bool, r: &mut Rows, warnings: &mut Vec<String>) {
    let Some(p) = r.patient.as_ref() else { return };
    let n = r.rows.len();
    let entry: Vec<f64> = r.entry.clone().unwrap_or_else(|| vec![0.0; n]);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| p[a].cmp(&p[b]).then(entry[a].total_cmp(&entry[b])).then(r.time[a].total_cmp(&r.time[b])));
    let mut keep = vec![true; n];
    let (mut overlap, mut gap, mut multi) = (Vec::new(), Vec::new(), Vec::new());
    let mut k = 0;
    while k < n {
        let pid = p[order[k]];
        let mut end = k;
        while end < n && p[order[end]] == pid {
            end += 1;
        }
        let mut last_exit: Option<f64> = None;
        let mut events = 0;
        for &i in &order[k..end] {
            if let Some(t) = last_exit {
                if entry[i] < t {
                    overlap.push(table.line(r.rows[i]));
                    keep[i] = false;
                    continue;
                }
                if entry[i] > t {
                    gap.push(table.line(r.rows[i]));
                }
            }
            last_exit = Some(r.time[i]);
            if r.status[i] == 1 {
                events += 1;
            }
        }
        if events > 1 {
            multi.extend(order[k..end].iter().filter(|&&i| r.status[i] == 1).map(|&i| table.line(r.rows[i])));
        }
        k = end;
    }
    for v in [&mut overlap, &mut gap, &mut multi] {
        v.sort_unstable();
    }
    if !overlap.is_empty() {
        warnings.push(format!(
            "{} {} excluded: the interval overlaps an earlier interval of the same '{idname}' ({}). {}",
            overlap.len(),
            if overlap.len() == 1 { "row" } else { "rows" },
            line_list(&overlap),
            if has_entry {
                "Check the start and stop times of that patient."
            } else {
                "Without an entry column every row starts at 0: give the interval starts as \"entry\", or use \"cluster\" (not \"id\") when a patient's rows are lesions or sites followed at the same time."
            }
        ));
    }
    if !gap.is_empty() {
        warnings.push(format!(
            "'{idname}': {} {} after a gap in follow-up of the same patient ({}); kept: the patient is not at risk during the gap",
            gap.len(),
            if gap.len() == 1 { "interval starts" } else { "intervals start" },
            line_list(&gap)
        ));
    }
    if !multi.is_empty() {
        warnings.push(format!(
            "'{idname}': some patients have several events ({}); kept as repeated events (the curves count each event)",
            line_list(&multi)
        ));
    }
    r.retain(&keep);
}

/// Split every row at the exposure time of one time-varying covariate.
fn split(table: &Table, name: &str, atname: &str, at: &[f64], r: &mut Rows, warnings: &mut Vec<String>) {
    let n = r.rows.len();
    let entry = r.entry.take().unwrap_or_else(|| vec![0.0; n]);
    let patient = r.patient.take().unwrap_or_default();
    let mut out_rows = Vec::with_capacity(n);
    let mut out_time = Vec::with_capacity(n);
    let mut out_status = Vec::with_capacity(n);
    let mut out_entry = Vec::with_capacity(n);
    let mut out_patient = Vec::with_capacity(n);
    let mut out_w = r.weight.as_ref().map(|_| Vec::with_capacity(n));
    let mut out_tv: Vec<Vec<f64>> = r.tv.iter().map(|_| Vec::with_capacity(n)).collect();
    let mut value = Vec::with_capacity(n);
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for k in 0..n {
        let row = r.rows[k];
        let (e, t, a) = (entry[k], r.time[k], at[row]);
        let mut push = |e0: f64, t0: f64, s: u8, x: f64| {
            out_rows.push(row);
            out_time.push(t0);
            out_status.push(s);
            out_entry.push(e0);
            out_patient.push(patient[k]);
            if let (Some(o), Some(w)) = (&mut out_w, &r.weight) {
                o.push(w[k]);
            }
            for (o, (_, v)) in out_tv.iter_mut().zip(&r.tv) {
                o.push(v[k]);
            }
            value.push(x);
        };
        if a.is_nan() || a >= t {
            if a > t {
                after.push(table.line(row));
            }
            push(e, t, r.status[k], 0.0);
        } else if a <= e {
            if a < e && !(a == 0.0 && e == 0.0) {
                // Only an exposure before the patient's first row is outside follow-up.
                before.push((patient[k], table.line(row), e));
            }
            push(e, t, r.status[k], 1.0);
        } else {
            push(e, a, 0, 0.0);
            push(a, t, r.status[k], 1.0);
        }
    }
    // An exposure before a later interval of the same patient is not "before follow-up": keep
    // only the patients' first intervals (patients are codes below the number of rows).
    let mut first_entry: Vec<f64> = Vec::new();
    if !before.is_empty() {
        first_entry = vec![f64::INFINITY; patient.iter().map(|&p| p as usize + 1).max().unwrap_or(0)];
        for k in 0..n {
            let f = &mut first_entry[patient[k] as usize];
            *f = f.min(entry[k]);
        }
    }
    let mut before: Vec<u64> = before.into_iter().filter(|(p, _, e)| first_entry.get(*p as usize) == Some(e)).map(|(_, l, _)| l).collect();
    before.sort_unstable();
    before.dedup();
    if !before.is_empty() {
        warnings.push(format!(
            "time_varying '{name}': the exposure time in '{atname}' is before the start of follow-up on {}; counted as exposed from the start",
            line_list(&before)
        ));
    }
    if !after.is_empty() {
        warnings.push(format!(
            "time_varying '{name}': the exposure time in '{atname}' is after the end of follow-up on {}; counted as unexposed throughout",
            line_list(&after)
        ));
    }
    *r.rows = out_rows;
    *r.time = out_time;
    *r.status = out_status;
    r.entry = Some(out_entry);
    r.patient = Some(out_patient);
    r.weight = out_w;
    for ((_, v), o) in r.tv.iter_mut().zip(out_tv) {
        *v = o;
    }
    r.tv.push((name.to_string(), value));
}

/// The interval of the same patient that starts where each row ends (`u32::MAX`: none):
/// rows ordered by entry (a radix sort), then stably by patient (a counting sort), so a
/// patient's intervals are neighbours in time order.
pub fn successors(patient: &[u32], entry: &[f64], time: &[f64]) -> Vec<u32> {
    let n = patient.len();
    let by_entry = crate::stats::common::order_by_time(entry);
    let np = patient.iter().map(|&p| p as usize + 1).max().unwrap_or(0);
    let mut start = vec![0usize; np + 1];
    for &p in patient {
        start[p as usize + 1] += 1;
    }
    for j in 0..np {
        start[j + 1] += start[j];
    }
    let mut order = vec![0u32; n];
    for &i in &by_entry {
        let p = patient[i] as usize;
        order[start[p]] = i as u32;
        start[p] += 1;
    }
    let mut next = vec![u32::MAX; n];
    for w in order.windows(2) {
        let (a, b) = (w[0] as usize, w[1] as usize);
        if patient[a] == patient[b] && time[a] == entry[b] {
            next[a] = b as u32;
        }
    }
    next
}

/// Rows whose next interval of the same patient starts at their exit time in the same curve
/// (group and stratum) and that end censored: for the curves they are not a censoring (R's
/// `survfit(..., id = id)` joins them).
pub fn continued(patient: &[u32], entry: &[f64], time: &[f64], status: &[u8], curve: &[u64]) -> Vec<bool> {
    let next = successors(patient, entry, time);
    (0..patient.len()).map(|k| status[k] == 0 && next[k] != u32::MAX && curve[next[k] as usize] == curve[k]).collect()
}

/// Whether groups are compared with the score test of a Cox model (delayed entry, or curves by
/// a time-varying exposure) rather than the log-rank test; sampling weights compare none.
pub fn groups_score_test(spec: &AnalysisSpec) -> bool {
    (spec.entry.is_some() || spec.time_varying_group().is_some()) && spec.group.is_some() && spec.sampling_weights().is_none()
}

/// The methods paragraph's sentence on the study design (`export::methods_text`), empty when
/// the spec uses no design key. `unit` is the time unit with a leading space (or empty).
pub fn methods_sentence(spec: &AnalysisSpec, unit: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let num = crate::table::format_number;
    if let Some(e) = &spec.entry {
        parts.push(match &spec.id {
            Some(id) => format!("Follow-up was analysed as start–stop intervals (entry '{e}', one or more rows per patient identified by '{id}'; curves count patients)"),
            None => format!("Follow-up was left-truncated at each row's entry time ('{e}'): a patient was at risk only after entry (delayed entry)"),
        });
    } else if let Some(id) = &spec.id {
        parts.push(format!("Patients were identified by '{id}' (curves count patients)"));
    }
    for tv in &spec.time_varying {
        parts.push(match &spec.landmark {
            Some(l) => format!("'{}' was defined by exposure ('{}') at the landmark ({}{unit})", tv.name, tv.at, num(l.time)),
            None => format!(
                "'{}' was a time-varying exposure from the time in '{}' (follow-up split there, as R's tmerge, so that time before exposure counts as unexposed and no immortal time is credited to the exposed){}",
                tv.name,
                tv.at,
                if spec.time_varying_group().is_some_and(|t| t.name == tv.name) { "; curves by current exposure are Simon–Makuch estimates" } else { "" }
            ),
        });
    }
    if let Some(l) = &spec.landmark {
        parts.push(format!(
            "in a landmark analysis at {}{unit}, only patients alive and at risk at the landmark were included, {}",
            num(l.time),
            if l.reset { "with time measured from the landmark" } else { "and survival is conditional on survival to the landmark" }
        ));
    }
    if let Some(w) = &spec.weights {
        parts.push(match w.kind {
            WeightKind::Frequency => format!("each row counted as many patients as its frequency weight ('{}')", w.column),
            WeightKind::Sampling => format!(
                "rows were weighted by the sampling weights in '{}' (weighted Kaplan-Meier with robust infinitesimal-jackknife standard errors, weighted Cox model with robust standard errors; no log-rank test)",
                w.column
            ),
        });
    }
    if let Some(c) = &spec.conditional {
        let list = |v: &[f64]| v.iter().map(|&x| format!("{}{unit}", num(x))).collect::<Vec<_>>().join(", ");
        parts.push(format!(
            "conditional survival (the probability of surviving a further {} given survival to {}) was estimated as S(s + t)/S(s) from the Kaplan-Meier curves, with Greenwood's variance over (s, s + t]",
            list(&c.more),
            list(&c.given)
        ));
    }
    if parts.is_empty() {
        return String::new();
    }
    let groups_test = groups_score_test(spec);
    let mut s = parts.join("; ");
    if let Some(c) = s.get(..1) {
        s = c.to_uppercase() + &s[1..];
    }
    if groups_test {
        s.push_str("; groups were compared with the score test of a Cox model with Breslow ties (the log-rank test with delayed entry)");
    }
    s.push_str(". ");
    s
}

// ---------------------------------------------------------------------------------------------
// Conditional survival, the immortal-time check and start–stop recognition (the page's "Study
// design" block reads them from the report and the schema; the CLI prints the same).

pub use crate::spec::{Conditional, MAX_CONDITIONAL_TIMES};

/// One cell of the conditional survival table: given survival to `given`, the chance of
/// surviving `more` beyond it, S(given + more) / S(given), with its confidence interval.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct ConditionalRow {
    pub group: Option<String>,
    pub given: f64,
    pub more: f64,
    /// Number at risk just after `given` (those the estimate conditions on).
    pub n_risk: f64,
    pub surv: f64,
    /// Standard error of the conditional survival (Greenwood).
    pub std_err: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Conditional survival from Kaplan-Meier curves with Greenwood errors:
/// CS(t | s) = S(s + t) / S(s), and, because the Kaplan-Meier product and the Greenwood sum over
/// (s, s + t] are those of the patients still at risk after s, var(log CS) = V(s + t) − V(s) with
/// V = (std_err / S)². This is exactly R's
/// `summary(survfit(Surv(time, ev) ~ g, data = subset(d, time > s)), times = s + t, extend = TRUE)`
/// (the same for delayed entry: rows that enter after s are at risk in both). Limits use the
/// spec's `conf_type`. A cell whose S(s) is 0 (nobody left) is null.
pub fn conditional_rows(curves: &[crate::stats::km::KmCurve], cond: &Conditional, conf: crate::spec::ConfType) -> Vec<ConditionalRow> {
    let z = crate::stats::common::z95();
    let mut out = Vec::new();
    for c in curves {
        // S and V at t: the last step at or before t.
        let at = |t: f64| -> (f64, f64) {
            match c.steps.partition_point(|s| s.time <= t).checked_sub(1) {
                Some(j) => {
                    let s = &c.steps[j];
                    (s.surv, if s.surv > 0.0 { (s.std_err / s.surv).powi(2) } else { f64::NAN })
                }
                None => (1.0, 0.0),
            }
        };
        for &s in &cond.given {
            let first_after = c.steps.partition_point(|st| st.time <= s);
            let n_risk = c.steps.get(first_after).map_or(0.0, |st| st.n_risk);
            let (s0, v0) = at(s);
            for &t in &cond.more {
                let (s1, v1) = at(s + t);
                let (surv, se_log) = if s0 > 0.0 { (s1 / s0, if s1 > 0.0 { (v1 - v0).max(0.0).sqrt() } else { f64::NAN }) } else { (f64::NAN, f64::NAN) };
                let (lower, upper) = crate::stats::km::conf_limits(surv, se_log, conf, z);
                out.push(ConditionalRow {
                    group: c.group.clone(),
                    given: s,
                    more: t,
                    n_risk,
                    surv,
                    std_err: if surv > 0.0 { surv * se_log } else if surv == 0.0 { 0.0 } else { f64::NAN },
                    lower,
                    upper,
                });
            }
        }
    }
    out
}

/// The immortal-time warning: the group looks like an exposure that began after time zero.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct ImmortalTime {
    /// The grouping column.
    pub group: String,
    /// The column that gives when the exposure began (a date, or a time in the unit of follow-up).
    pub at: String,
    /// The group levels that are the exposed ones (most of their rows have `at`).
    pub exposed: Vec<String>,
    /// Rows of the exposed levels whose exposure began after time zero and before their exit.
    pub rows: usize,
    /// Their file lines (the first twelve).
    pub lines: Vec<u64>,
    /// A landmark time to offer: the median start of exposure among those rows, rounded.
    pub landmark: f64,
    /// The warning's text (also in the report's `warnings`).
    pub message: String,
}

/// Whether a column name reads as a time or date of an event: `tx.date`, `chemo_start`,
/// `days_to_surgery`, `surgery_dt`, `time_to_progression`, `onset`.
fn time_like_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let words: Vec<&str> = n.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    const WORDS: [&str; 16] = ["date", "dt", "time", "day", "days", "week", "weeks", "month", "months", "year", "years", "start", "began", "begin", "onset", "since"];
    words.iter().any(|w| WORDS.contains(w)) || n.contains("date") || n.contains("days_to") || n.contains("time_to") || n.ends_with("_at") || n.ends_with(".at")
}

/// Round to two significant digits (a landmark to offer).
fn round2(x: f64) -> f64 {
    if !(x > 0.0) {
        return x;
    }
    let p = 10f64.powf(x.log10().floor() - 1.0);
    (x / p).round() * p
}

/// The immortal-time check (see the README's "Study designs in the page" for the rule).
///
/// With `group` one column G (not a time-varying covariate, and no landmark), a column A is taken
/// for the start of G's exposure when
/// 1. A is a date column (follow-up from dates) or a number column whose name reads as a time or
///    date (`tx.date`, `chemo_start`, `days_to_surgery`);
/// 2. A's presence tracks G: the exposed levels are those where most rows have A, and at least
///    90% of the analysed rows agree (A present in an exposed level, blank in another), with at
///    least one exposed and one unexposed level;
/// 3. on some rows of the exposed levels, A falls after time zero and before the exit time
///    (0 < A < time): those patients are counted exposed for time in which they were not yet.
///
/// The first such column (in file order) gives the warning. With crossed groups (`group: [a,
/// b]`) each group column is checked by itself, in the spec's order (the other group columns are
/// no start of exposure), and the first that looks like a late exposure is named.
pub fn immortal_time(table: &Table, spec: &AnalysisSpec, rows: &[usize], time: &[f64], group: Option<&Factor>) -> Option<ImmortalTime> {
    let g = group?;
    let columns = spec.group.as_ref()?.columns();
    if spec.landmark.is_some() || rows.is_empty() {
        return None;
    }
    if let [one] = columns {
        return immortal_time_of(table, spec, rows, time, one, g, columns);
    }
    columns.iter().find_map(|c| {
        let f = crate::table::factor(table.column(c)?, rows);
        immortal_time_of(table, spec, rows, time, c, &f, columns)
    })
}

/// The check of one group column `gname` with its factor `g` over the analysed rows; `groups`
/// are all the spec's group columns (none of them is taken for the start of exposure).
fn immortal_time_of(table: &Table, spec: &AnalysisSpec, rows: &[usize], time: &[f64], gname: &str, g: &Factor, groups: &[String]) -> Option<ImmortalTime> {
    let gname = gname.to_string();
    if spec.time_varying.iter().any(|t| t.name == gname) || g.levels.len() < 2 {
        return None;
    }
    let mut skip: Vec<&str> = vec![gname.as_str(), spec.event.column.as_str()];
    skip.extend(groups.iter().map(String::as_str));
    match &spec.time {
        TimeSpec::Dates(span) => {
            skip.push(&span.start);
            skip.extend(span.end.iter().map(String::as_str));
        }
        TimeSpec::Numeric(n) => skip.push(&n.column),
        TimeSpec::Column(c) => skip.push(c),
    }
    skip.extend(spec.entry.as_deref());
    skip.extend(spec.id.as_deref());
    let dates = matches!(spec.time, TimeSpec::Dates(_));
    for col in &table.columns {
        if skip.contains(&col.name.as_str()) || col.identifier.is_some() {
            continue;
        }
        // (A number column named after the group but not a time — `chemo_cycles` beside `chemo`
        // — is no start of exposure.)
        let eligible = match &col.data {
            ColumnData::Date(_) => dates,
            ColumnData::Numeric(_) => time_like_name(&col.name),
            ColumnData::Text { .. } => false,
        };
        if !eligible {
            continue;
        }
        let Ok(at) = time_column(table, spec, &col.name, "exposure", &mut Vec::new()) else { continue };
        // Share of each level's rows that have A.
        let nl = g.levels.len();
        let (mut has, mut all) = (vec![0usize; nl], vec![0usize; nl]);
        for (k, &row) in rows.iter().enumerate() {
            let c = g.codes[k];
            if c == MISSING {
                continue;
            }
            all[c as usize] += 1;
            if !at[row].is_nan() {
                has[c as usize] += 1;
            }
        }
        let exposed: Vec<bool> = (0..nl).map(|l| all[l] > 0 && 2 * has[l] > all[l]).collect();
        let used: Vec<usize> = (0..nl).filter(|&l| all[l] > 0).collect();
        if !used.iter().any(|&l| exposed[l]) || used.iter().all(|&l| exposed[l]) {
            continue;
        }
        let total: usize = all.iter().sum();
        let agree: usize = (0..nl).map(|l| if exposed[l] { has[l] } else { all[l] - has[l] }).sum();
        if (agree as f64) < 0.9 * total as f64 {
            continue;
        }
        let mut late: Vec<(u64, f64)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (k, &row) in rows.iter().enumerate() {
            let c = g.codes[k];
            let a = at[row];
            if c != MISSING && exposed[c as usize] && a > 0.0 && a < time[k] && seen.insert(row) {
                late.push((table.line(row), a));
            }
        }
        if late.is_empty() {
            continue;
        }
        late.sort_by(|a, b| a.0.cmp(&b.0));
        let mut starts: Vec<f64> = late.iter().map(|x| x.1).collect();
        starts.sort_by(f64::total_cmp);
        let landmark = round2(starts[(starts.len() - 1) / 2]);
        let exposed_levels: Vec<String> = (0..nl).filter(|&l| exposed[l] && all[l] > 0).map(|l| g.levels[l].clone()).collect();
        let lines: Vec<u64> = late.iter().map(|x| x.0).collect();
        let exposed_rows: usize = (0..nl).filter(|&l| exposed[l]).map(|l| all[l]).sum();
        let message = format!(
            "immortal time: '{gname}' looks like an exposure that began during follow-up — '{}' (when it began) falls after time zero on {} of the {exposed_rows} rows of {} ({}). Grouping by it from time 0 counts the time before exposure as exposed time (immortal time bias, favouring the exposed). Analyse '{}' as a time-varying exposure (\"time_varying\": curves by current exposure, Simon–Makuch) or use a landmark analysis (\"landmark\", e.g. at {}).",
            col.name,
            lines.len(),
            exposed_levels.iter().map(|l| format!("{gname} = {l}")).collect::<Vec<_>>().join(", "),
            line_list(&lines),
            col.name,
            crate::table::format_number(landmark),
        );
        return Some(ImmortalTime {
            group: gname.clone(),
            at: col.name.clone(),
            exposed: exposed_levels,
            rows: lines.len(),
            lines: lines.into_iter().take(12).collect(),
            landmark,
            message,
        });
    }
    None
}

pub use crate::table::{detect_start_stop, StartStop, START_STOP_SAMPLE};

/// The conditional survival table as an export may release it (`crate::disclosure::protect`),
/// from the released (coarsened, cut) curves: S(s + t) / S(s) of the released steps; the number
/// at risk is the released pool's; no standard error or limits (the Greenwood sum of a few
/// events would give their counts); null where s + t is past the cut of the curve.
pub fn released_conditional(released: &[crate::stats::km::KmCurve], rows: &[ConditionalRow]) -> Vec<ConditionalRow> {
    rows.iter()
        .map(|row| {
            let curve = released.iter().find(|c| c.group == row.group);
            let value = |t: f64| -> f64 {
                let Some(c) = curve else { return f64::NAN };
                let cut = c.steps.iter().any(|s| s.surv.is_nan());
                let last_released = c.steps.iter().filter(|s| s.surv.is_finite()).map(|s| s.time).fold(f64::NEG_INFINITY, f64::max);
                if cut && t > last_released {
                    return f64::NAN;
                }
                c.steps.iter().filter(|s| s.time <= t && s.surv.is_finite()).last().map_or(1.0, |s| s.surv)
            };
            let n_risk = curve.and_then(|c| c.steps.iter().find(|s| s.time > row.given)).map_or(f64::NAN, |s| s.n_risk);
            let (s0, s1) = (value(row.given), value(row.given + row.more));
            ConditionalRow {
                n_risk,
                surv: if s0 > 0.0 { s1 / s0 } else { f64::NAN },
                std_err: f64::NAN,
                lower: f64::NAN,
                upper: f64::NAN,
                ..row.clone()
            }
        })
        .collect()
}

/// The R cross-check script's lines for the spec's `conditional` (empty without it): for each s,
/// `summary(survfit(SURV ~ RHS, data = DATA[DATA$STOP > s, ]), times = s + more, extend = TRUE)`
/// (the Kaplan-Meier of those still at risk after s is S(s + t) / S(s) with its Greenwood
/// limits). `extra` is appended to survfit's arguments (e.g. `, id = .id`).
pub fn r_conditional_lines(spec: &AnalysisSpec, surv: &str, rhs: &str, data: &str, stop: &str, extra: &str) -> String {
    let Some(c) = &spec.conditional else { return String::new() };
    let v = |x: &[f64]| x.iter().map(|&t| crate::table::format_number(t)).collect::<Vec<_>>().join(", ");
    format!(
        "\n# Conditional survival: given survival to s, the chance of surviving t more, S(s + t) / S(s)\nfor (s0 in c({})) print(summary(survfit({surv} ~ {rhs}, data = {data}[{data}${stop} > s0, , drop = FALSE]{extra}), times = s0 + c({}), extend = TRUE))\n",
        v(&c.given),
        v(&c.more)
    )
}
