//! Spec + table → the analysis data set: times, status codes, groups, strata, and the design
//! matrix of a model. Every excluded row is counted and named in a warning; nothing is dropped
//! silently.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::spec::{AnalysisSpec, FilterOp, TimeSpec};
use crate::table::{format_number, Column, ColumnData, Table, MISSING};

pub use crate::columns::{column, date_values, line_list, numeric_values, Exclusions, FlowExclusion};
pub use crate::table::{factor, Factor};

/// The rows an analysis uses, with their outcome.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Table row of each analysed row.
    pub rows: Vec<usize>,
    pub time: Vec<f64>,
    /// 0 = censored, 1 = event, 2 = competing event.
    pub status: Vec<u8>,
    pub group: Option<Factor>,
    pub strata: Option<Factor>,
    /// Whether the spec declares competing events.
    pub competing: bool,
    /// Unit of `time` when derived from dates.
    pub unit: Option<&'static str>,
    /// Rows removed by the spec's filters (intentional, so not a warning).
    pub filtered_out: usize,
    /// The study design's additions: entry times, patients, sampling weights, time-varying
    /// covariates (see [`crate::study`]).
    pub study: crate::study::StudyRows,
    /// Rows that continue in the next interval of the same patient and curve (not a censoring
    /// for the curves); `None` when no patient has several rows.
    pub continued: Option<Vec<bool>>,
    /// Rows excluded, by reason (the cohort flow; each also a warning).
    pub excluded: Vec<FlowExclusion>,
    /// The rows in order of `time` ([`crate::stats::common::order_by_time`]), when made once for
    /// several estimators: the propensity-weighted curves and the weighted Cox model's layout
    /// sort the same times (`analyze_cached`). `None`: each sorts for itself.
    pub time_order: Option<Vec<usize>>,
}

impl Prepared {
    /// The top-level `n`: input rows analysed (expanded for frequency weights), not intervals.
    pub fn n_input(&self) -> usize {
        self.study.n_input
    }
}

pub use crate::stats::Col;

/// Model matrix over the complete cases of `Prepared`; its columns may borrow the table's (`'t`).
#[derive(Debug, Clone)]
pub struct Design<'t> {
    /// Indices into `Prepared` rows.
    pub idx: Vec<usize>,
    pub names: Vec<String>,
    /// One column per term.
    pub x: Vec<Col<'t>>,
    pub time: Vec<f64>,
    pub status: Vec<u8>,
    pub strata: Option<Vec<u32>>,
    pub cluster: Option<Vec<u32>>,
    /// Entry time of each row (delayed entry, start–stop intervals), when the design has one.
    pub entry: Option<Vec<f64>>,
    /// Sampling weight of each row.
    pub weights: Option<Vec<f64>>,
    /// Covariates entered as natural splines (spec `splines`), with their terms' place.
    pub splines: Vec<DesignSpline>,
}

/// A covariate of the design entered as a natural cubic spline: its terms are
/// `names[first..first + spline.df()]` (`column[1]`..`column[k]`).
#[derive(Debug, Clone)]
pub struct DesignSpline {
    pub column: String,
    pub spline: crate::stats::spline::NaturalSpline,
    pub first: usize,
    /// The column's values over the design's rows.
    pub values: Vec<f64>,
}

impl Design<'_> {
    /// The design's counting-process entry times and sampling weights, for the Cox model.
    pub fn cox_extra(&self) -> crate::stats::cox::CoxExtra<'_> {
        crate::stats::cox::CoxExtra { entry: self.entry.as_deref(), weights: self.weights.as_deref() }
    }

    /// The Cox model input of this design, with the given ties method.
    pub fn cox_input(&self, ties: crate::spec::Ties) -> crate::stats::cox::CoxInput<'_> {
        crate::stats::cox::CoxInput {
            time: &self.time,
            status: &self.status,
            x: &self.x,
            names: &self.names,
            strata: self.strata.as_deref(),
            cluster: self.cluster.as_deref(),
            ties,
        }
    }
}

/// Does each cell equal one of the values (numerically when both are numbers)? One entry per
/// row, in one tight loop per column type.
fn matches(col: &Column, values: &[String]) -> Vec<bool> {
    if values.is_empty() {
        return vec![false; col.len()];
    }
    let nums: Vec<f64> = values.iter().filter_map(|v| v.trim().parse::<f64>().ok()).collect();
    let texts: Vec<String> = values.iter().map(|v| v.trim().to_string()).collect();
    match &col.data {
        ColumnData::Text { codes, levels } => {
            let hits = level_hits(levels, values);
            codes.iter().map(|&c| c != MISSING && hits[c as usize]).collect()
        }
        ColumnData::Numeric(v) => match nums[..] {
            [a] => v.iter().map(|&x| x == a).collect(),
            [a, b] => v.iter().map(|&x| x == a || x == b).collect(),
            _ => v.iter().map(|x| nums.contains(x)).collect(),
        },
        ColumnData::Date(_) => (0..col.len()).map(|r| col.text(r).map(|t| texts.contains(&t)).unwrap_or(false)).collect(),
    }
}

/// Which of a text column's `levels` are one of `values` ([`matches`]'s rule: the same text up
/// to case, or the same number).
fn level_hits(levels: &[String], values: &[String]) -> Vec<bool> {
    let nums: Vec<f64> = values.iter().filter_map(|v| v.trim().parse::<f64>().ok()).collect();
    let texts: Vec<String> = values.iter().map(|v| v.trim().to_string()).collect();
    levels
        .iter()
        .map(|l| texts.iter().any(|t| t == l || t.eq_ignore_ascii_case(l)) || l.trim().parse::<f64>().map(|x| nums.contains(&x)).unwrap_or(false))
        .collect()
}

/// Outcome class of every row: 1 event, 2 competing, 0 a listed censoring value, 3 a value
/// not listed, 4 censored by default (no censoring values given).
#[inline(never)]
fn outcome_classes(col: &Column, event: &crate::spec::EventSpec) -> Vec<u8> {
    // A text column (the usual outcome: codes): the class of each level, then one pass over
    // the rows (a registry's million rows: one vector, not five).
    if let ColumnData::Text { codes, levels } = &col.data {
        let (ev, competing) = (level_hits(levels, &event.event), level_hits(levels, &event.competing));
        let censored = event.censored.as_ref().map(|v| level_hits(levels, v));
        let class: Vec<u8> = (0..levels.len())
            .map(|l| match (ev[l], competing[l], &censored) {
                (true, _, _) => 1,
                (false, true, _) => 2,
                (false, false, Some(c)) => u8::from(!c[l]) * 3,
                (false, false, None) => 4,
            })
            .collect();
        // A missing outcome matches no value: its class is that of an unlisted one.
        let missing = if censored.is_some() { 3 } else { 4 };
        return codes.iter().map(|&c| if c == MISSING { missing } else { class[c as usize] }).collect();
    }
    if let ColumnData::Numeric(v) = &col.data {
        // Numeric codes (0/1/2): the values listed as numbers, one pass ([`matches`]'s rule).
        let nums = |values: &[String]| -> Vec<f64> { values.iter().filter_map(|v| v.trim().parse::<f64>().ok()).collect() };
        let (ev, competing) = (nums(&event.event), nums(&event.competing));
        let censored = event.censored.as_deref().map(nums);
        // Each listed number with its class, in the order the rule tries them (events, then
        // competing events, then censoring values: the first equal one decides); a value not
        // listed is 3 when censoring values are given, else 4. A NaN never equals a cell and a
        // repeated number never decides, so neither is kept.
        let mut listed: Vec<(f64, u8)> = Vec::new();
        let tried = ev.iter().map(|&x| (x, 1)).chain(competing.iter().map(|&x| (x, 2))).chain(censored.iter().flatten().map(|&x| (x, 0)));
        for (x, c) in tried {
            if !x.is_nan() && !listed.iter().any(|l| l.0 == x) {
                listed.push((x, c));
            }
        }
        let unlisted = if censored.is_some() { 3 } else { 4 };
        return match listed[..] {
            [] => vec![unlisted; v.len()],
            [a] => classes_of(v, [a], unlisted),
            [a, b] => classes_of(v, [a, b], unlisted),
            [a, b, c] => classes_of(v, [a, b, c], unlisted),
            [a, b, c, d] => classes_of(v, [a, b, c, d], unlisted),
            _ => v.iter().map(|&x| listed.iter().find(|l| l.0 == x).map_or(unlisted, |l| l.1)).collect(),
        };
    }
    let ev = matches(col, &event.event);
    let competing = matches(col, &event.competing);
    let censored = event.censored.as_ref().map(|v| matches(col, v));
    let rest: Vec<u8> = match &censored {
        Some(c) => c.iter().map(|&listed| u8::from(!listed) * 3).collect(),
        None => vec![4; ev.len()],
    };
    ev.iter().zip(&competing).zip(rest).map(|((&e, &c), r)| if e { 1 } else if c { 2 } else { r }).collect()
}

/// The class of each number of `v`: that of the first equal entry of `listed`, else `unlisted`.
/// Without a branch per row (the outcome codes 0/1/2 come in random order, so the branches of a
/// chain of comparisons are mispredicted about every other row); a fixed number of comparisons.
fn classes_of<const N: usize>(v: &[f64], listed: [(f64, u8); N], unlisted: u8) -> Vec<u8> {
    v.iter()
        .map(|&x| {
            let mut class = unlisted;
            // Tried from the last, so the first equal entry is the one left.
            for &(value, c) in listed.iter().rev() {
                class = if x == value { c } else { class };
            }
            class
        })
        .collect()
}

/// Rows per block of the straight checks ([`all_in_blocks`]): the check of a block runs without
/// a branch per row, and a failing block ends the scan.
const BLOCK: usize = 4096;

/// Does `f` hold for every value? Checked a block at a time, without a branch per value.
fn all_in_blocks<T: Copy>(v: &[T], f: impl Fn(T) -> bool) -> bool {
    v.chunks(BLOCK).all(|b| b.iter().fold(true, |ok, &x| ok & f(x)))
}

/// [`factor`] of a column over `rows`, which are all its rows in order. A text column: one
/// straight pass finds a row of each level present, [`factor`] of those few rows gives the
/// levels in their order and each level's code, and a second straight pass maps the codes
/// (no gather through the row numbers). Other columns: [`factor`] itself.
fn factor_of_every_row(col: &Column, rows: &[usize]) -> Factor {
    let ColumnData::Text { codes, levels } = &col.data else {
        return factor(col, rows);
    };
    if codes.len() != rows.len() {
        return factor(col, rows);
    }
    // The first row of each level present (`usize::MAX`: absent; a missing cell has no level).
    let mut first = vec![usize::MAX; levels.len()];
    for (r, &c) in codes.iter().enumerate() {
        if let Some(f) = first.get_mut(c as usize) {
            *f = (*f).min(r);
        }
    }
    let one_each: Vec<usize> = first.iter().copied().filter(|&r| r != usize::MAX).collect();
    let few = factor(col, &one_each);
    let mut remap = vec![MISSING; levels.len()];
    for (&r, &code) in one_each.iter().zip(&few.codes) {
        remap[codes[r] as usize] = code;
    }
    let out = codes.iter().map(|&c| if c == MISSING { MISSING } else { remap[c as usize] }).collect();
    Factor { codes: out, levels: few.levels }
}

/// Why a row has no time from its dates: which date is missing or unreadable.
fn date_span_reason(table: &Table, start: &str, ends: &[String], r: usize) -> String {
    let unreadable = |name: &str| table.column(name).and_then(|c| c.number(r).is_nan().then(|| c.text(r)).flatten());
    if let Some(c) = table.column(start) {
        if c.number(r).is_nan() {
            return match unreadable(start) {
                Some(t) => format!("start date '{t}' in '{start}' is not a date"),
                None => format!("start date '{start}' is missing"),
            };
        }
    }
    for e in ends {
        if let Some(t) = unreadable(e) {
            return format!("end date '{t}' in '{e}' is not a date");
        }
    }
    format!("end date '{}' is missing", ends.join("' / '"))
}

/// Rows kept by the spec's filters.
pub(crate) fn filter_rows(table: &Table, spec: &AnalysisSpec) -> Result<Vec<usize>> {
    let mut keep: Vec<usize> = (0..table.n_rows()).collect();
    for f in &spec.filters {
        let col = column(table, &f.column, "filter")?;
        if let (FilterOp::In | FilterOp::NotIn, ColumnData::Text { codes, levels }) = (f.op, &col.data) {
            // A text column: whether each level is one of the values, once per level (the
            // cell's text is its level; a missing cell is none of the values).
            let hit: Vec<bool> = levels.iter().map(|l| f.values.iter().any(|v| v == l)).collect();
            let wanted = f.op == FilterOp::In;
            keep.retain(|&r| (codes[r] != MISSING && hit[codes[r] as usize]) == wanted);
            continue;
        }
        keep.retain(|&r| match f.op {
            FilterOp::In | FilterOp::NotIn => {
                let hit = col.text(r).map(|t| f.values.iter().any(|v| v == &t)).unwrap_or(false);
                (f.op == FilterOp::In) == hit
            }
            op => {
                let x = col.number(r);
                let v = f.value.unwrap_or(f64::NAN);
                !x.is_nan()
                    && match op {
                        FilterOp::Lt => x < v,
                        FilterOp::Le => x <= v,
                        FilterOp::Gt => x > v,
                        FilterOp::Ge => x >= v,
                        _ => false,
                    }
            }
        });
    }
    Ok(keep)
}

/// Two crossed factors over `rows`, as R's strata of `survfit(Surv(t, s) ~ a + b)`: the levels
/// are the combinations present in the rows, ordered with `a` varying slowest (each column's
/// own level order), labelled `a=x, b=y`. A row missing either value gets `MISSING`.
///
/// Working: code of (i, j) is `i * nb + j`; one pass marks the combinations used, a second
/// renumbers them in that (slowest-first) order — O(n + na·nb) with no sorting of labels.
pub fn crossed(a: &Column, b: &Column, rows: &[usize], labels: &crate::spec::Labels) -> Result<Factor> {
    let mut fa = factor(a, rows);
    let mut fb = factor(b, rows);
    // Level labels name each part of a crossed group ("sex=Female, ph.ecog=fully active").
    labels.relabel(&a.name, &mut fa.levels)?;
    labels.relabel(&b.name, &mut fb.levels)?;
    let nb = fb.levels.len();
    let combo = |k: usize| -> Option<usize> {
        let (i, j) = (fa.codes[k], fb.codes[k]);
        (i != MISSING && j != MISSING).then(|| i as usize * nb + j as usize)
    };
    let mut new_code = vec![MISSING; fa.levels.len() * nb];
    for k in 0..rows.len() {
        if let Some(c) = combo(k) {
            new_code[c] = 0;
        }
    }
    let mut levels = Vec::new();
    for (c, slot) in new_code.iter_mut().enumerate() {
        if *slot != MISSING {
            *slot = levels.len() as u32;
            levels.push(format!("{}={}, {}={}", a.name, fa.levels[c / nb], b.name, fb.levels[c % nb]));
        }
    }
    let codes = (0..rows.len()).map(|k| combo(k).map_or(MISSING, |c| new_code[c])).collect();
    Ok(Factor { codes, levels })
}

/// Build the analysed rows: valid time, outcome, group and strata.
// Long because: every exclusion of a row (time, outcome, group, strata, study design) recorded with its reason and file line in one pass over the rows, with the fast column-by-column path beside it.
pub fn prepare(table: &Table, spec: &AnalysisSpec, warnings: &mut Vec<String>) -> Result<Prepared> {
    spec.validate()?;
    let mut candidates = filter_rows(table, spec)?;
    let filtered_out = table.n_rows() - candidates.len();

    // Time.
    let (mut time_all, unit, time_name): (Vec<f64>, Option<&'static str>, String) = match &spec.time {
        TimeSpec::Column(name) | TimeSpec::Numeric(crate::spec::NumericTime { column: name, .. }) => {
            let col = column(table, name, "time")?;
            let (v, bad) = numeric_values(col);
            if !bad.is_empty() && bad.len() == col.len() - col.missing_count() {
                return Err(Error::data(format!(
                    "the time column holds no numbers (e.g. '{}' on line {}). Choose the column with follow-up durations, or give start and end date columns.",
                    col.text(bad[0]).unwrap_or_default(),
                    table.line(bad[0])
                ))
                .at_file(table.name.clone())
                .at_column(name.clone()));
            }
            match &spec.time {
                // A unit given for the durations: convert to the display unit, as the date path
                // converts days (x · days per recorded unit / days per display unit).
                TimeSpec::Numeric(n) => {
                    let (per, to) = (n.unit.days(), n.display().days());
                    let v = if per == to { v } else { v.into_iter().map(|t| t * per / to).collect() };
                    (v, Some(n.display().name()), name.clone())
                }
                _ => (v, None, name.clone()),
            }
        }
        TimeSpec::Dates(span) => {
            let start = column(table, &span.start, "start date")?;
            let ends: Vec<&Column> = span.end.iter().map(|e| column(table, e, "end date")).collect::<Result<_>>()?;
            let start_days = date_values(table, start, warnings)?;
            let end_days: Vec<Vec<f64>> = ends.iter().map(|c| date_values(table, c, warnings)).collect::<Result<_>>()?;
            let per = span.unit.days();
            let v = (0..table.n_rows())
                .map(|r| {
                    let s = start_days[r];
                    let e = end_days.iter().map(|c| c[r]).find(|x| !x.is_nan()).unwrap_or(f64::NAN);
                    (e - s) / per
                })
                .collect();
            (v, Some(span.unit.name()), format!("{} → {}", span.start, span.end.join(" / ")))
        }
    };

    let ev_col = column(table, &spec.event.column, "outcome")?;
    let class = outcome_classes(ev_col, &spec.event);

    // A time-varying covariate as group is not a column: its factor comes from the split rows.
    let tv_group = spec.time_varying_group().map(|t| t.name.clone());
    let group_cols: Vec<&Column> = match &spec.group {
        Some(g) if tv_group.is_none() => g.columns().iter().map(|c| column(table, c, "group")).collect::<Result<_>>()?,
        _ => Vec::new(),
    };
    let strata_col = spec.strata.as_deref().map(|g| column(table, g, "strata")).transpose()?;

    let mut ex = Exclusions::default();
    let mut rows = Vec::new();
    let mut time = Vec::new();
    let mut status = Vec::new();
    let mut censored_rows: Vec<usize> = Vec::new();
    let mut unlisted: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    // The usual case, every candidate row kept, is copied column by column; otherwise each row
    // is checked in turn and every exclusion recorded with its reason.
    // (A cell that is NaN counts as absent here, so an unreadable cell takes the careful path.)
    // Without filters the candidates are every row in order: the columns are read straight,
    // in blocks without a branch per row (no gather through the row numbers).
    let every_row = filtered_out == 0;
    let present = |col: &Column| match &col.data {
        ColumnData::Numeric(v) | ColumnData::Date(v) if every_row => all_in_blocks(v, |x| !x.is_nan()),
        ColumnData::Text { codes, .. } if every_row => all_in_blocks(codes, |c| c != MISSING),
        ColumnData::Numeric(v) | ColumnData::Date(v) => candidates.iter().all(|&r| !v[r].is_nan()),
        ColumnData::Text { codes, .. } => candidates.iter().all(|&r| codes[r] != MISSING),
    };
    let usable = |t: f64, c: u8| t >= 0.0 && c != 3;
    let times_usable = if every_row {
        time_all.chunks(BLOCK).zip(class.chunks(BLOCK)).all(|(t, c)| t.iter().zip(c).fold(true, |ok, (&t, &c)| ok & usable(t, c)))
    } else {
        candidates.iter().all(|&r| usable(time_all[r], class[r]))
    };
    let all_kept = times_usable && present(ev_col) && group_cols.iter().all(|c| present(c)) && strata_col.map_or(true, present);
    let checked: &[usize] = if all_kept { &[] } else { &candidates };
    if !all_kept {
        rows.reserve(candidates.len());
        time.reserve(candidates.len());
        status.reserve(candidates.len());
    }
    for &r in checked {
        let line = table.line(r);
        let t = time_all[r];
        if t.is_nan() {
            match &spec.time {
                TimeSpec::Column(n) | TimeSpec::Numeric(crate::spec::NumericTime { column: n, .. }) => match table.column(n).and_then(|c| c.text(r)) {
                    Some(txt) => ex.add_value(format!("the time in '{time_name}' is not a number"), &txt, line),
                    None => ex.add(format!("time is missing in '{time_name}'"), line),
                },
                TimeSpec::Dates(span) => ex.add(date_span_reason(table, &span.start, &span.end, r), line),
            }
            continue;
        }
        if t < 0.0 {
            ex.add(
                match &spec.time {
                    TimeSpec::Column(_) | TimeSpec::Numeric(_) => format!("negative time in '{time_name}'"),
                    TimeSpec::Dates(_) => format!("end date before start date ({time_name})"),
                },
                line,
            );
            continue;
        }
        if ev_col.is_missing(r) {
            ex.add(format!("outcome '{}' is missing", spec.event.column), line);
            continue;
        }
        let s = match class[r] {
            3 => {
                unlisted.entry(ev_col.text(r).unwrap_or_default()).or_default().push(line);
                continue;
            }
            4 => {
                censored_rows.push(r);
                0
            }
            c => c,
        };
        if let Some(g) = group_cols.iter().find(|g| g.is_missing(r)) {
            ex.add(format!("group '{}' is missing", g.name), line);
            continue;
        }
        if let Some(g) = strata_col {
            if g.is_missing(r) {
                ex.add(format!("strata '{}' is missing", g.name), line);
                continue;
            }
        }
        rows.push(r);
        time.push(t);
        status.push(s);
    }
    if all_kept {
        // The candidates and their times become the analysed rows as they are (no copies).
        let outcome = |c: u8| if c == 4 { 0 } else { c };
        censored_rows = if every_row {
            // Censored by default: only when no censoring values are listed (rare otherwise).
            if class.contains(&4) { (0..class.len()).filter(|&r| class[r] == 4).collect() } else { Vec::new() }
        } else {
            candidates.iter().copied().filter(|&r| class[r] == 4).collect()
        };
        if every_row {
            // No filter: the candidates are every row in order (the classes become the
            // statuses in place).
            status = class;
            status.iter_mut().for_each(|c| *c = outcome(*c));
            time = std::mem::take(&mut time_all);
        } else {
            status = candidates.iter().map(|&r| outcome(class[r])).collect();
            time = candidates.iter().map(|&r| time_all[r]).collect();
        }
        rows = std::mem::take(&mut candidates);
    }
    for (value, lines) in &unlisted {
        warnings.push(format!(
            "{} {} excluded: outcome '{}' value '{value}' is neither an event, a competing event nor a declared censored value ({}). Add it to event.event, event.competing or event.censored.",
            lines.len(),
            if lines.len() == 1 { "row" } else { "rows" },
            spec.event.column,
            line_list(lines)
        ));
    }
    let mut excluded = ex.flow();
    for (value, lines) in &unlisted {
        let mut lines = lines.clone();
        let count = lines.len();
        lines.truncate(crate::columns::FLOW_LINES);
        excluded.push(FlowExclusion {
            reason: format!("outcome '{}' value '{value}' is not declared", spec.event.column),
            count,
            lines,
        });
    }
    warnings.extend(ex.into_warnings(""));
    let censored_levels = factor(ev_col, &censored_rows);
    let mut other_censor_values: BTreeMap<String, usize> = BTreeMap::new();
    for &c in &censored_levels.codes {
        if c != MISSING {
            *other_censor_values.entry(censored_levels.levels[c as usize].clone()).or_default() += 1;
        }
    }
    if other_censor_values.len() > 1 {
        let list: Vec<String> = other_censor_values.iter().map(|(v, n)| format!("'{v}' ({n} rows)")).collect();
        warnings.push(format!(
            "outcome '{}': {} values were treated as censored: {}. If any of them is an event, mark it as an event (or competing event) under “What each outcome value means” (spec: event.event, event.competing).",
            spec.event.column,
            other_censor_values.len(),
            list.join(", ")
        ));
    }
    #[cfg(feature = "extended")]
    let study = crate::study::apply(table, spec, &mut rows, &mut time, &mut status, warnings)?;
    // The core build has no study designs (`crate::analyze::extended_need` refuses their specs
    // before any row is prepared): the rows stay as they are.
    #[cfg(not(feature = "extended"))]
    let study = crate::study::StudyRows { n_input: rows.len(), ..Default::default() };
    if rows.is_empty() {
        return Err(Error::data(format!(
            "no rows are left to analyse{}. {}",
            if filtered_out > 0 { format!(" ({filtered_out} removed by filters)") } else { String::new() },
            warnings.last().cloned().unwrap_or_default()
        ))
        .at_file(table.name.clone()));
    }
    let roles = group_cols.iter().map(|&c| (Some(c), "group")).chain([(strata_col, "strata")]);
    for (col, role) in roles {
        if let Some(c) = col.filter(|c| !c.bad.is_empty()) {
            let shown: Vec<String> = c.bad.iter().take(5).map(|(r, t)| format!("'{t}' on line {}", table.line(*r))).collect();
            warnings.push(format!(
                "{role} '{}': {} cell{} of this {} column could not be read ({}{}) and form{} their own level",
                c.name,
                c.bad.len(),
                if c.bad.len() == 1 { "" } else { "s" },
                if matches!(c.data, ColumnData::Date(_)) { "date" } else { "numeric" },
                shown.join(", "),
                if c.bad.len() > 5 { ", ..." } else { "" },
                if c.bad.len() == 1 { "s" } else { "" }
            ));
        }
    }
    // Every row of the table analysed, in order (no filter, no exclusion, no study design to
    // add or remove rows): a text column's factor is read straight from its codes.
    let every_row_analysed = every_row && all_kept && !crate::study::has_design(spec) && rows.len() == table.n_rows();
    let factor = |col: &Column, rows: &[usize]| if every_row_analysed { factor_of_every_row(col, rows) } else { factor(col, rows) };
    let group = match group_cols.as_slice() {
        [] if tv_group.is_some() => study.time_varying.iter().find(|t| Some(&t.0) == tv_group.as_ref()).map(|(_, v)| {
            let mut levels: Vec<String> = Vec::new();
            for x in [0.0, 1.0] {
                if v.contains(&x) {
                    levels.push(level_text(x));
                }
            }
            let codes = v.iter().map(|&x| levels.iter().position(|l| *l == level_text(x)).map_or(MISSING, |i| i as u32)).collect();
            Factor { codes, levels }
        }),
        [] => None,
        [one] => {
            let mut f = factor(one, &rows);
            spec.labels.relabel(&one.name, &mut f.levels)?;
            Some(f)
        }
        [a, b, ..] => Some(crossed(a, b, &rows, &spec.labels)?),
    };
    let strata = strata_col.map(|g| factor(g, &rows));
    if let Some(g) = &group {
        if g.levels.len() < 2 {
            warnings.push(format!(
                "group '{}' has a single level ('{}') among the analysed rows: there is nothing to compare.",
                spec.group.as_ref().map(|g| g.label()).unwrap_or_default(),
                g.levels.first().cloned().unwrap_or_default()
            ));
        }
    }
    let competing = !spec.event.competing.is_empty();
    if status.iter().all(|&s| s != 1) {
        warnings.push(format!(
            "no events: no analysed row has outcome '{}' equal to {}. Check which values of that column mean the event (spec: event.event).",
            spec.event.column,
            spec.event.event.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(" or ")
        ));
    }
    // survival's estimators treat times equal up to round-off as ties (R's timefix); cmprsk's
    // do not (see stats::timefix).
    let mut time = time;
    let mut study = study;
    if !competing {
        match study.entry.as_mut() {
            // Entry and exit times are adjudicated together, as R's aeqSurv on Surv(start, stop).
            Some(entry) => {
                let mut all = std::mem::take(entry);
                let n = all.len();
                all.extend_from_slice(&time);
                crate::stats::timefix::adjudicate(&mut all);
                time.copy_from_slice(&all[n..]);
                all.truncate(n);
                *entry = all;
            }
            None => {
                crate::stats::timefix::adjudicate(&mut time);
            }
        }
    }
    // Patients with several rows: which rows continue in the same curve.
    let continued = match (&study.patient, &study.entry) {
        (Some(p), Some(e)) => {
            let curve: Vec<u64> = (0..rows.len())
                .map(|k| {
                    let g = group.as_ref().map_or(0, |g| g.codes[k]) as u64;
                    let s = strata.as_ref().map_or(0, |s| s.codes[k]) as u64;
                    g << 32 | s
                })
                .collect();
            let c = crate::study::continued(p, e, &time, &status, &curve);
            c.iter().any(|&x| x).then_some(c)
        }
        _ => None,
    };
    Ok(Prepared { rows, time, status, group, strata, competing, unit, filtered_out, study, continued, excluded, time_order: None })
}

/// Build the model matrix of `covariates` over the complete cases among `prep`'s rows.
/// Categorical covariates become treatment contrasts against the reference level
/// (`column=level` terms); numeric ones keep their column name.
// Long because: the model matrix in R's column order: covariates (factors as treatment contrasts, splines), clusters, then the interaction products, which read the main effects' columns.
pub fn design<'t>(
    table: &'t Table,
    spec: &AnalysisSpec,
    prep: &'t Prepared,
    covariates: &[String],
    warnings: &mut Vec<String>,
) -> Result<Design<'t>> {
    // Time-varying covariates of the design are not columns of the file.
    let tv_of = |c: &str| prep.study.time_varying.iter().find(|t| t.0 == c).map(|t| &t.1);
    let cols: Vec<Option<&Column>> =
        covariates.iter().map(|c| if tv_of(c).is_some() { Ok(None) } else { column(table, c, "covariate").map(Some) }).collect::<Result<_>>()?;
    let cluster_col = spec.cluster.as_deref().map(|c| column(table, c, "cluster")).transpose()?;
    enum Kind<'t> {
        Num(Col<'t>),
        Cat(Factor, usize),
    }
    let spline_df = |name: &str| spec.splines.iter().find(|s| s.column == name).map(|s| s.df);
    let mut kinds = Vec::new();
    let mut ex = Exclusions::default();
    // The covariates' columns (one at least each), the rows kept, their times and status.
    let n = prep.rows.len();
    // The analysed rows' values of a number column: the column itself when the rows are the
    // table's first rows in order (as usually), else those rows' values; and whether one of them
    // is missing (NaN).
    let every_row = prep.rows.iter().enumerate().all(|(i, &r)| i == r);
    // A number (or date) column's values, or `None` for a categorical covariate (a text column
    // is always one).
    let numbers = |col: &'t Column| match &col.data {
        ColumnData::Numeric(all) | ColumnData::Date(all) if !spec.categorical.contains(&col.name) => Some(&all[..]),
        _ => None,
    };
    // What is copied: the time, status and row numbers, and the columns that are not the file's.
    let copied = if every_row { cols.iter().flatten().filter(|c| numbers(c).is_none()).count() } else { covariates.len() };
    crate::stats::common::reserve_heap(n.saturating_mul(8 * copied + 8 + 2 + std::mem::size_of::<usize>()), n.saturating_mul(8));
    let mut complete = vec![true; n];
    let values_of = |all: &'t [f64]| -> (Col<'t>, bool) {
        let v: Col<'t> = if every_row { Col::Borrowed(&all[..prep.rows.len()]) } else { Col::Owned(prep.rows.iter().map(|&r| all[r]).collect()) };
        let missing = v.iter().any(|x| x.is_nan());
        (v, missing)
    };
    for (name, col) in covariates.iter().zip(&cols) {
        let Some(col) = col else {
            kinds.push(Kind::Num(tv_of(name).map_or(Col::Owned(Vec::new()), |v| Col::Borrowed(&v[..]))));
            continue;
        };
        let Some(all) = numbers(col) else {
            let mut f = factor(col, &prep.rows);
            // The reference is named by its value in the file, or by its label.
            let reference = match spec.reference.get(&col.name) {
                Some(r) => f.levels.iter().position(|l| l == r || spec.labels.level(&col.name, l) == r).ok_or_else(|| {
                    Error::spec(format!(
                        "reference level '{r}' is not a level of '{}' (levels: {})",
                        col.name,
                        f.levels.join(", ")
                    ))
                    .at_column(col.name.clone())
                })?,
                None => 0,
            };
            // Level labels name the model's terms ("sex=Female"), as they name the groups.
            spec.labels.relabel(&col.name, &mut f.levels).map_err(|e| e.at_column(col.name.clone()))?;
            for (i, &c) in f.codes.iter().enumerate() {
                if c == MISSING && complete[i] {
                    complete[i] = false;
                    ex.add(format!("covariate '{}' is missing", col.name), table.line(prep.rows[i]));
                }
            }
            kinds.push(Kind::Cat(f, reference));
            continue;
        };
        // The analysed rows' values, read from the column (a number column is not copied whole).
        let (v, missing) = values_of(all);
        let missing_rows = v.iter().enumerate().filter(|(_, x)| x.is_nan()).map(|(i, _)| i);
        for i in missing_rows.take(if missing { usize::MAX } else { 0 }) {
            if complete[i] {
                complete[i] = false;
                let line = table.line(prep.rows[i]);
                match col.text(prep.rows[i]) {
                    Some(t) => ex.add_value(format!("covariate '{}' is not a number", col.name), &t, line),
                    None => ex.add(format!("covariate '{}' is missing", col.name), line),
                }
            }
        }
        kinds.push(Kind::Num(v));
    }
    let cluster_all = cluster_col.map(|c| factor(c, &prep.rows));
    if let (Some(f), Some(c)) = (&cluster_all, cluster_col) {
        for (i, &code) in f.codes.iter().enumerate() {
            if code == MISSING && complete[i] {
                complete[i] = false;
                ex.add(format!("cluster '{}' is missing", c.name), table.line(prep.rows[i]));
            }
        }
    }
    warnings.extend(ex.into_warnings(" from the model"));
    let idx: Vec<usize> = (0..prep.rows.len()).filter(|&i| complete[i]).collect();
    let mut names = Vec::new();
    let mut x: Vec<Col<'t>> = Vec::new();
    let mut splines = Vec::new();
    // Each covariate's columns of the design (for the interactions), and whether it is a spline.
    let mut blocks: Vec<(std::ops::Range<usize>, bool)> = Vec::new();
    for (name, kind) in covariates.iter().zip(kinds) {
        let start = names.len();
        let mut spline = false;
        match kind {
            Kind::Num(v) => {
                // Every row complete (the usual case): the values as read (the file's own column
                // when every row is analysed), not a copy of them.
                let values: Col<'t> = if idx.len() == v.len() { v } else { Col::Owned(idx.iter().map(|&i| v[i]).collect()) };
                let basis = spline_df(name).map(|df| crate::stats::spline::NaturalSpline::new(&values, df));
                match basis {
                    Some(Ok(ns)) => {
                        for j in 0..ns.df() {
                            names.push(format!("{}[{}]", name, j + 1));
                        }
                        let rows: Vec<Vec<f64>> = values.iter().map(|&v| ns.basis(v)).collect();
                        for j in 0..ns.df() {
                            x.push(Col::Owned(rows.iter().map(|r| r[j]).collect()));
                        }
                        splines.push(DesignSpline { column: name.clone(), spline: ns, first: start, values: values.into_owned() });
                        spline = true;
                    }
                    other => {
                        if let Some(Err(e)) = other {
                            warnings.push(format!(
                                "spline of '{}' not used: {e}; '{}' enters the model linearly. Lower its df or use it without a spline.",
                                name, name
                            ));
                        }
                        names.push(name.clone());
                        x.push(values);
                    }
                }
            }
            Kind::Cat(f, reference) => {
                // The levels are those of the model's own rows (as R's model frame turns a text
                // column into a factor after dropping incomplete rows): a level whose rows all
                // left the model is no term, and the first level present is the reference
                // unless the spec names one.
                let mut present = vec![false; f.levels.len()];
                for &i in &idx {
                    if let Some(p) = present.get_mut(f.codes[i] as usize) {
                        *p = true;
                    }
                }
                let reference = if spec.reference.contains_key(name.as_str()) { reference } else { present.iter().position(|&p| p).unwrap_or(0) };
                for (li, level) in f.levels.iter().enumerate() {
                    if li == reference || !present[li] {
                        continue;
                    }
                    names.push(format!("{}={}", name, level));
                    x.push(Col::Owned(idx.iter().map(|&i| if f.codes[i] == li as u32 { 1.0 } else { 0.0 }).collect()));
                }
                if present.iter().filter(|&&p| p).count() < 2 {
                    warnings.push(format!(
                        "covariate '{}' has a single level among the analysed rows and adds no term to the model",
                        name
                    ));
                }
                if spline_df(name).is_some() {
                    warnings.push(format!(
                        "spline of '{}' not used: the column is categorical; it enters the model as categories",
                        name
                    ));
                }
            }
        }
        blocks.push((start..names.len(), spline));
    }
    // Interactions x:y between two covariates of the model: the product of every term of x
    // with every term of y, after the main effects (R's order; x's terms vary fastest).
    for [a, b] in &spec.interactions {
        let (Some(ia), Some(ib)) = (covariates.iter().position(|c| c == a), covariates.iter().position(|c| c == b)) else {
            continue;
        };
        if blocks[ia].1 || blocks[ib].1 {
            warnings.push(format!(
                "interaction {a}:{b} left out: an interaction with a spline covariate is not supported; enter that covariate linearly (drop it from splines) to test the interaction"
            ));
            continue;
        }
        for jb in blocks[ib].0.clone() {
            for ja in blocks[ia].0.clone() {
                names.push(format!("{}:{}", names[ja], names[jb]));
                x.push(Col::Owned(x[ja].iter().zip(x[jb].iter()).map(|(p, q)| p * q).collect()));
            }
        }
    }
    Ok(Design {
        splines,
        time: idx.iter().map(|&i| prep.time[i]).collect(),
        status: idx.iter().map(|&i| prep.status[i]).collect(),
        strata: prep.strata.as_ref().map(|s| idx.iter().map(|&i| s.codes[i]).collect()),
        entry: prep.study.entry.as_ref().map(|e| idx.iter().map(|&i| e[i]).collect()),
        // With sampling weights, a patient's several rows form one cluster of the robust
        // variance (as `coxph(..., id = id, weights = w, robust = TRUE)`).
        cluster: match (cluster_all.as_ref(), prep.study.weight.as_ref(), prep.study.patient.as_ref()) {
            (Some(f), _, _) => Some(idx.iter().map(|&i| f.codes[i]).collect()),
            (None, Some(_), Some(p)) => Some(idx.iter().map(|&i| p[i]).collect()),
            _ => None,
        },
        weights: prep.study.weight.as_ref().map(|w| idx.iter().map(|&i| w[i]).collect()),
        idx,
        names,
        x,
    })
}

/// Whether model term `name` is of covariate `column`: the column itself (a numeric term) or one
/// of its levels (`column=level`, as [`design`] names them); an interaction's name begins with
/// its first column's term.
pub(crate) fn term_of(name: &str, column: &str) -> bool {
    name == column || name.strip_prefix(column).is_some_and(|rest| rest.starts_with('='))
}

/// Text of a number as used in level names (kept here so prepare and table agree).
pub fn level_text(x: f64) -> String {
    format_number(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::ColumnKind;

    fn event(ev: &[&str], competing: &[&str], censored: Option<&[&str]>) -> crate::spec::EventSpec {
        let texts = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        crate::spec::EventSpec { column: "s".into(), event: texts(ev), competing: texts(competing), censored: censored.map(texts) }
    }

    /// The rule as a chain of comparisons, one row at a time (the code before the table of
    /// listed numbers).
    fn classes_by_chain(v: &[f64], e: &crate::spec::EventSpec) -> Vec<u8> {
        let nums = |values: &[String]| -> Vec<f64> { values.iter().filter_map(|v| v.trim().parse::<f64>().ok()).collect() };
        let (ev, competing, censored) = (nums(&e.event), nums(&e.competing), e.censored.as_deref().map(nums));
        v.iter()
            .map(|x| {
                if ev.contains(x) {
                    1
                } else if competing.contains(x) {
                    2
                } else {
                    match &censored {
                        Some(c) => u8::from(!c.contains(x)) * 3,
                        None => 4,
                    }
                }
            })
            .collect()
    }

    #[test]
    fn numeric_outcome_classes_follow_the_chain_of_comparisons() {
        let v: Vec<f64> = [0.0, 1.0, 2.0, 3.0, -0.0, f64::NAN, 1.5, 9.0, f64::INFINITY, -1.0].iter().cycle().take(95).copied().collect();
        let col = Column::new("s", ColumnData::Numeric(v.clone()), ColumnKind::Numeric);
        let specs = [
            event(&["1"], &[], Some(&["0", "2"])),
            event(&["1"], &[], None),
            event(&["1"], &["2"], Some(&["0"])),
            event(&["1", " 2 "], &["2"], Some(&["0", "1"])),
            event(&["nan", "1"], &["inf"], Some(&["-0", "x"])),
            event(&["1", "1"], &["1"], Some(&["1"])),
            event(&["x"], &[], Some(&[])),
            event(&["x"], &[], None),
            event(&["1", "2", "3"], &["9"], Some(&["0", "-1", "1.5"])),
            event(&["1", "2"], &["9", "-1"], Some(&["0"])),
        ];
        for e in &specs {
            assert_eq!(outcome_classes(&col, e), classes_by_chain(&v, e), "{e:?}");
        }
    }

    #[test]
    fn factor_of_every_row_equals_factor() {
        let levels: Vec<String> = ["10", "b", "2", "A", "unused", "a", "1"].iter().map(|s| s.to_string()).collect();
        let codes: Vec<u32> = (0..200u32).map(|i| if i % 17 == 3 { MISSING } else { [6, 0, 2, 1, 5, 3][(i as usize * 7) % 6] }).collect();
        let rows: Vec<usize> = (0..codes.len()).collect();
        for (codes, levels) in [(codes.clone(), levels.clone()), (vec![MISSING; 5], levels.clone()), (Vec::new(), Vec::new())] {
            let rows = &rows[..codes.len()];
            let col = Column::new("g", ColumnData::Text { codes, levels }, ColumnKind::Categorical);
            let (want, got) = (factor(&col, rows), factor_of_every_row(&col, rows));
            assert_eq!((want.codes, want.levels), (got.codes, got.levels));
        }
        let num = Column::new("x", ColumnData::Numeric(vec![3.0, 1.0, f64::NAN, 3.0]), ColumnKind::Numeric);
        let (want, got) = (factor(&num, &rows[..4]), factor_of_every_row(&num, &rows[..4]));
        assert_eq!((want.codes, want.levels), (got.codes, got.levels));
    }

    #[test]
    fn text_filters_compare_each_level_once() {
        let codes = vec![0, 1, MISSING, 2, 1, 0];
        let levels: Vec<String> = ["a", "B", "c"].iter().map(|s| s.to_string()).collect();
        let table = Table {
            name: "t.csv".into(),
            columns: vec![Column::new("g", ColumnData::Text { codes, levels }, ColumnKind::Categorical)],
            lines: (2..8).collect(),
            notes: Vec::new(),
        };
        for (op, values, want) in [
            ("in", r#"["a","c"]"#, vec![0, 3, 5]),
            ("not_in", r#"["a","c"]"#, vec![1, 2, 4]),
            ("in", r#"["b"]"#, vec![]),
            ("not_in", r#"[]"#, vec![0, 1, 2, 3, 4, 5]),
        ] {
            let spec = AnalysisSpec::from_json(&format!(
                r#"{{"time":"t","event":{{"column":"s","event":["1"]}},"filters":[{{"column":"g","op":"{op}","values":{values}}}]}}"#
            ))
            .expect("spec");
            assert_eq!(filter_rows(&table, &spec).expect("rows"), want, "{op} {values}");
        }
    }
}
