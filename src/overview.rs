//! Cohort overview: which cells are missing, which rows the current analysis loses to
//! complete-case exclusion (named by column), and each column's distribution for the page's
//! column cards.
//!
//! Complete-case rule (the one `prepare` and `design` apply, stated here so it can be shown):
//!
//! * the survival estimates (Kaplan-Meier, log-rank, cumulative incidence) drop a row whose
//!   time, outcome, group or strata cell is missing;
//! * the regression model (Cox, Fine-Gray, parametric) drops a row whose time, outcome, strata,
//!   covariate or cluster cell is missing — not the group: R's `coxph` keeps a row missing only
//!   the `group` column.
//!
//! For each such column we count the rows (after the spec's filters) where it is missing, and
//! the rows where it is the *only* missing one (the rows that filling in that column alone would
//! bring back). Rows excluded for other reasons (a time that is not a number, a negative time, an
//! outcome value not listed) are not missing cells; the page shows them from the report's
//! warnings. One pass over the rows per column: O(rows × model columns).

use serde::Serialize;

use crate::error::Result;
use crate::prepare::{column, filter_rows};
use crate::spec::{AnalysisSpec, TimeSpec};
use crate::table::{Column, ColumnData, Table};

/// Missing cells of one column of the file (all rows).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColumnMissing {
    pub name: String,
    pub missing: usize,
}

/// A column the current analysis uses, and the rows it costs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelColumn {
    /// Column name (`end1 / end2` for end-date columns used in turn: missing when all are).
    pub name: String,
    /// `time`, `outcome`, `group`, `strata`, `covariate`, `cluster` (a column can have several).
    pub roles: Vec<&'static str>,
    /// Rows (after filters) where this column is missing.
    pub missing: usize,
    /// Rows where this is the only missing column of the analysis.
    pub only: usize,
}

/// Downsampled row × column map of missing cells: the file's rows in order, cut into `bins`
/// consecutive runs; `cells[c][b]` is the percentage (0–100) of rows of run `b` missing column
/// `c` (file order, as `columns`), `lost[b]` the percentage excluded by the analysis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MissingPattern {
    pub bins: usize,
    pub rows_per_bin: f64,
    pub cells: Vec<Vec<u8>>,
    pub lost: Vec<u8>,
}

/// What [`missingness`] returns (serialized for the page).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MissingnessReport {
    pub rows_in_file: usize,
    pub filtered_out: usize,
    /// Every column of the file, in file order.
    pub columns: Vec<ColumnMissing>,
    /// The analysis' columns, in the order time, outcome, group, strata, covariates, cluster.
    pub model: Vec<ModelColumn>,
    /// Rows (after filters) lost by the survival estimates to missing cells.
    pub survival_lost: usize,
    /// Rows (after filters) lost by the regression model to missing cells; `None` without
    /// covariates.
    pub model_lost: Option<usize>,
    /// Rows lost by either.
    pub lost: usize,
    pub pattern: MissingPattern,
}

/// Missingness of `table` under `spec` (see the module documentation); the pattern has at most
/// `max_bins` row bins (at least 1).
pub fn missingness(table: &Table, spec: &AnalysisSpec, max_bins: usize) -> Result<MissingnessReport> {
    let n = table.n_rows();
    let rows = filter_rows(table, spec)?;
    // (name, roles, columns: missing when all of them are missing)
    let mut model: Vec<(String, Vec<&'static str>, Vec<&Column>)> = Vec::new();
    type Model<'t> = Vec<(String, Vec<&'static str>, Vec<&'t Column>)>;
    fn push<'t>(model: &mut Model<'t>, name: String, role: &'static str, cols: Vec<&'t Column>) {
        match model.iter_mut().find(|m| m.0 == name) {
            Some(m) => {
                if !m.1.contains(&role) {
                    m.1.push(role)
                }
            }
            None => model.push((name, vec![role], cols)),
        }
    }
    match &spec.time {
        TimeSpec::Column(name) | TimeSpec::Numeric(crate::spec::NumericTime { column: name, .. }) => {
            let c = column(table, name, "time")?;
            push(&mut model, name.clone(), "time", vec![c]);
        }
        TimeSpec::Dates(span) => {
            let s = column(table, &span.start, "start date")?;
            push(&mut model, span.start.clone(), "time", vec![s]);
            let ends: Vec<&Column> = span.end.iter().map(|e| column(table, e, "end date")).collect::<Result<_>>()?;
            push(&mut model, span.end.join(" / "), "time", ends);
        }
    }
    push(&mut model, spec.event.column.clone(), "outcome", vec![column(table, &spec.event.column, "outcome")?]);
    // A time-varying covariate (spec `time_varying`) is not a column and is never missing.
    let tv = |c: &String| spec.time_varying.iter().any(|t| &t.name == c);
    if let Some(g) = &spec.group {
        for c in g.columns().iter().filter(|c| !tv(c)) {
            push(&mut model, c.clone(), "group", vec![column(table, c, "group")?]);
        }
    }
    if let Some(s) = &spec.strata {
        push(&mut model, s.clone(), "strata", vec![column(table, s, "strata")?]);
    }
    for c in spec.covariates.iter().filter(|c| !tv(c)) {
        push(&mut model, c.clone(), "covariate", vec![column(table, c, "covariate")?]);
    }
    if let Some(c) = &spec.cluster {
        push(&mut model, c.clone(), "cluster", vec![column(table, c, "cluster")?]);
    }
    let has_model = !spec.covariates.is_empty();
    let in_survival = |roles: &[&str]| roles.iter().any(|r| matches!(*r, "time" | "outcome" | "group" | "strata"));
    let in_model = |roles: &[&str]| has_model && roles.iter().any(|r| matches!(*r, "time" | "outcome" | "strata" | "covariate" | "cluster"));

    let mut missing = vec![0usize; model.len()];
    let mut only = vec![0usize; model.len()];
    let mut survival_lost = 0;
    let mut model_lost = 0;
    let mut lost = 0;
    let mut lost_row = vec![false; n];
    let mut miss_here = vec![false; model.len()];
    for &r in &rows {
        let mut count = 0;
        let (mut s_lost, mut m_lost) = (false, false);
        for (k, (_, roles, cols)) in model.iter().enumerate() {
            let m = cols.iter().all(|c| c.is_missing(r));
            miss_here[k] = m;
            if m {
                missing[k] += 1;
                count += 1;
                s_lost |= in_survival(roles);
                m_lost |= in_model(roles);
            }
        }
        if count == 1 {
            if let Some(k) = miss_here.iter().position(|&m| m) {
                only[k] += 1;
            }
        }
        survival_lost += s_lost as usize;
        model_lost += m_lost as usize;
        if s_lost || m_lost {
            lost += 1;
            lost_row[r] = true;
        }
    }

    let bins = max_bins.max(1).min(n.max(1));
    let per = n as f64 / bins as f64;
    let bin_of = |r: usize| ((r as f64 / per) as usize).min(bins - 1);
    let mut bin_size = vec![0usize; bins];
    for r in 0..n {
        bin_size[bin_of(r)] += 1;
    }
    let pct = |counts: Vec<usize>| -> Vec<u8> {
        counts.iter().zip(&bin_size).map(|(&c, &s)| if s == 0 { 0 } else { (100.0 * c as f64 / s as f64).round() as u8 }).collect()
    };
    let mut cells = Vec::with_capacity(table.columns.len());
    let mut columns = Vec::with_capacity(table.columns.len());
    for c in &table.columns {
        let mut counts = vec![0usize; bins];
        let mut total = 0;
        for r in 0..n {
            if c.is_missing(r) {
                counts[bin_of(r)] += 1;
                total += 1;
            }
        }
        columns.push(ColumnMissing { name: c.name.clone(), missing: total });
        cells.push(pct(counts));
    }
    let mut lost_counts = vec![0usize; bins];
    for (r, &l) in lost_row.iter().enumerate() {
        if l {
            lost_counts[bin_of(r)] += 1;
        }
    }
    Ok(MissingnessReport {
        rows_in_file: n,
        filtered_out: n - rows.len(),
        columns,
        model: model
            .into_iter()
            .enumerate()
            .map(|(k, (name, roles, _))| ModelColumn { name, roles, missing: missing[k], only: only[k] })
            .collect(),
        survival_lost,
        model_lost: has_model.then_some(model_lost),
        lost,
        pattern: MissingPattern { bins: if n == 0 { 0 } else { bins }, rows_per_bin: if n == 0 { 0.0 } else { per }, cells, lost: pct(lost_counts) },
    })
}

/// Median follow-up of one group by reverse Kaplan-Meier.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupFollowup {
    pub group: Option<String>,
    pub n: usize,
    /// Events of interest and competing events.
    pub events: usize,
    pub competing_events: usize,
    #[serde(flatten)]
    pub followup: crate::stats::km::Followup,
}

/// Median follow-up per group (and overall when grouped, last) by reverse Kaplan-Meier, for any
/// analysis, competing risks included. Reverse KM takes censoring as the "event"; any event —
/// the event of interest or a competing one — ends follow-up, so it counts as censored here
/// (Schemper & Smith 1996). Without competing events this is exactly the report's
/// `km[].followup` (same function, same rows).
pub fn followup(table: &Table, spec: &AnalysisSpec) -> Result<Vec<GroupFollowup>> {
    let prep = crate::prepare::prepare(table, spec, &mut Vec::new())?;
    let opts = crate::stats::km::KmOptions { conf_type: spec.conf_type, times: &[], rmst_tau: None };
    let one = |idx: &[usize], group: Option<String>| {
        let t: Vec<f64> = idx.iter().map(|&i| prep.time[i]).collect();
        // 2 (competing) → 1: kaplan_meier's reverse curve treats every status but 1 as censoring.
        let s: Vec<u8> = idx.iter().map(|&i| prep.status[i].min(1)).collect();
        let curve = crate::stats::km::kaplan_meier(&t, &s, &opts);
        GroupFollowup {
            group,
            n: idx.len(),
            events: idx.iter().filter(|&&i| prep.status[i] == 1).count(),
            competing_events: idx.iter().filter(|&&i| prep.status[i] == 2).count(),
            followup: curve.followup,
        }
    };
    let all: Vec<usize> = (0..prep.rows.len()).collect();
    let mut out = Vec::new();
    if let Some(g) = &prep.group {
        for (k, level) in g.levels.iter().enumerate() {
            let idx: Vec<usize> = all.iter().copied().filter(|&i| g.codes[i] == k as u32).collect();
            out.push(one(&idx, Some(level.clone())));
        }
    }
    out.push(one(&all, None));
    Ok(out)
}

/// A column's values for its card's chart: numbers (numeric and date columns, unless treated as
/// categorical) or counts per level in level order (text columns, or `categorical`).
pub enum ColumnChart {
    Values(Vec<f64>),
    Counts(Vec<(String, usize)>),
}

/// The chart data of column `name`; `categorical` treats a numeric column as categorical (the
/// spec's `categorical` list). Missing cells are left out.
pub fn column_chart(table: &Table, name: &str, categorical: bool) -> Result<ColumnChart> {
    let col = column(table, name, "chart")?;
    let as_counts = categorical || matches!(col.data, ColumnData::Text { .. });
    if !as_counts {
        let v = match &col.data {
            ColumnData::Numeric(v) | ColumnData::Date(v) => v.iter().copied().filter(|x| !x.is_nan()).collect(),
            ColumnData::Text { .. } => Vec::new(),
        };
        return Ok(ColumnChart::Values(v));
    }
    let all: Vec<usize> = (0..table.n_rows()).collect();
    let f = crate::prepare::factor(col, &all);
    let mut counts = vec![0usize; f.levels.len()];
    for &c in &f.codes {
        if let Some(n) = counts.get_mut(c as usize) {
            *n += 1;
        }
    }
    Ok(ColumnChart::Counts(f.levels.into_iter().zip(counts).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{read_table, ReadOptions};

    fn table(csv: &str) -> Table {
        read_table(csv.as_bytes(), "t.csv", &ReadOptions::default()).unwrap()
    }

    fn spec(json: &str) -> AnalysisSpec {
        AnalysisSpec::from_json(json).unwrap()
    }

    // Six rows; missing cells: time on row 3, sex on rows 2 and 3, age on rows 4 and 5.
    const CSV: &str = "time,status,sex,age\n5,1,m,60\n8,0,,61\n,1,,70\n3,1,f,\n9,0,m,\n4,1,f,50\n";

    #[test]
    fn survival_losses_named_by_column() {
        let t = table(CSV);
        let m = missingness(&t, &spec(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"sex"}"#), 100).unwrap();
        let by = |n: &str| m.model.iter().find(|c| c.name == n).unwrap().clone();
        // time missing on row 3 (which also lacks sex): missing 1, only 0.
        assert_eq!((by("time").missing, by("time").only), (1, 0));
        // sex missing on rows 2 and 3; alone on row 2.
        assert_eq!((by("sex").missing, by("sex").only), (2, 1));
        assert_eq!(by("status").missing, 0);
        // Rows 2 and 3 lost; age is not used.
        assert_eq!(m.survival_lost, 2);
        assert_eq!(m.model_lost, None);
        assert_eq!(m.lost, 2);
        assert_eq!(m.columns.iter().map(|c| c.missing).collect::<Vec<_>>(), vec![1, 0, 2, 2]);
    }

    #[test]
    fn model_losses_ignore_the_group_and_pattern_bins() {
        let t = table(CSV);
        let s = spec(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"sex","covariates":["age"]}"#);
        let m = missingness(&t, &s, 3).unwrap();
        // Model drops rows 3 (time), 4, 5 (age): 3 rows; survival drops 2, 3; either: 2, 3, 4, 5.
        assert_eq!(m.model_lost, Some(3));
        assert_eq!(m.survival_lost, 2);
        assert_eq!(m.lost, 4);
        let age = m.model.iter().find(|c| c.name == "age").unwrap();
        assert_eq!(age.roles, vec!["covariate"]);
        assert_eq!((age.missing, age.only), (2, 2));
        // 3 bins of 2 rows: sex missing in bin 0 (row 2) and bin 1 (row 3) → 50%, 50%, 0%.
        assert_eq!(m.pattern.bins, 3);
        assert_eq!(m.pattern.cells[2], vec![50, 50, 0]);
        // age: rows 4, 5 → bin 1 50%, bin 2 50%.
        assert_eq!(m.pattern.cells[3], vec![0, 50, 50]);
        // lost rows 2, 3, 4, 5 → 50%, 100%, 50%.
        assert_eq!(m.pattern.lost, vec![50, 100, 50]);
    }

    #[test]
    fn filters_and_unknown_columns() {
        let t = table(CSV);
        let s = spec(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"sex","filters":[{"column":"status","op":"in","values":["1"]}]}"#);
        let m = missingness(&t, &s, 10).unwrap();
        // status 1 rows: 1, 3, 4, 6; among them row 3 lacks time and sex.
        assert_eq!(m.filtered_out, 2);
        assert_eq!(m.survival_lost, 1);
        let bad = spec(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"nope"}"#);
        let e = missingness(&t, &bad, 10).unwrap_err().to_string();
        assert!(e.contains("nope"), "{e}");
    }

    #[test]
    fn followup_by_reverse_km() {
        // Times 1..6; status 1 = event, 2 = competing, 0 = censored:
        // t 1 2 3 4 5 6 / s 1 0 2 0 1 0. R: survfit(Surv(1:6, c(0,1,0,1,0,1)) ~ 1): median 6. Reverse KM events (censorings) at 2, 4, 6; risk sets
        // 5, 3, 1 → S(2) = 4/5, S(4) = 4/5 · 2/3 = 0.533, S(6) = 0: median = 6 (first S ≤ 0.5).
        // Had the competing event at 3 counted as censoring, S(3) would drop and the median be 4.
        let t = table("t,s\n1,1\n2,0\n3,2\n4,0\n5,1\n6,0\n");
        let s = spec(r#"{"time":"t","event":{"column":"s","event":["1"],"competing":["2"]}}"#);
        let f = followup(&t, &s).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].n, f[0].events, f[0].competing_events), (6, 2, 1));
        assert_eq!(f[0].followup.median, Some(6.0));
    }

    #[test]
    fn followup_equals_the_reports_without_competing_events() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
        let t = read_table(&bytes, "lung.csv", &ReadOptions::default()).unwrap();
        let s = spec(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex"}"#);
        let f = followup(&t, &s).unwrap();
        let r = crate::analyze(&t, &s).unwrap();
        // R: survfit(Surv(time, status == 1) ~ sex, lung): medians 840 (806, NA) and 529 (376, NA).
        assert_eq!(f[0].followup, r.km[0].followup);
        assert_eq!(f[1].followup, r.km[1].followup);
        assert_eq!((f[0].followup.median, f[0].followup.lower), (Some(840.0), Some(806.0)));
        assert_eq!(f[2].group, None);
        assert_eq!(f[2].n, 228);
    }

    #[test]
    fn chart_data() {
        let t = table(CSV);
        match column_chart(&t, "sex", false).unwrap() {
            ColumnChart::Counts(c) => assert_eq!(c, vec![("f".to_string(), 2), ("m".to_string(), 2)]),
            ColumnChart::Values(_) => panic!("sex is text"),
        }
        match column_chart(&t, "age", false).unwrap() {
            ColumnChart::Values(v) => assert_eq!(v, vec![60.0, 61.0, 70.0, 50.0]),
            ColumnChart::Counts(_) => panic!("age is numeric"),
        }
        match column_chart(&t, "status", true).unwrap() {
            ColumnChart::Counts(c) => assert_eq!(c, vec![("0".to_string(), 2), ("1".to_string(), 4)]),
            ColumnChart::Values(_) => panic!("asked as categorical"),
        }
    }
}
