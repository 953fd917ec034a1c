//! `cohort aggregate-sql`: the SQL that reduces row-level data, where it lives (DuckDB on a laptop
//! or server, Spark SQL on a cluster), to one row per distinct combination of the values an
//! analysis uses, with the number of rows it stands for. The small result is analysed with the
//! spec's frequency weight (`{"weights": {"column": COUNT, "kind": "frequency"}}`), which gives
//! exactly the analysis of the rows it came from: every row of a group has the same time,
//! outcome, group, strata and covariate values, so the expanded rows are the original ones up to
//! their order.
//!
//! Exact: Kaplan-Meier, log-rank, cumulative incidence, Gray's test, Cox and Fine-Gray models on
//! categorical covariates (and on numeric ones grouped by their exact values, `keep`). Approximate
//! (said in the plan's notes): times rounded up to a bin (`time_bin`), numeric covariates binned
//! (`bins`). Refused, with the reason: what needs one row per patient (`cluster`, `id`, sampling
//! weights), and numeric covariates or Table 1 columns that are neither binned, kept nor
//! categorical (a continuous column would leave as many groups as rows).

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::spec::{AnalysisSpec, FilterOp, NumericTime, TimeSpec, TimeUnit, WeightKind, Weights};

/// The SQL engine the query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    DuckDb,
    Spark,
}

impl Dialect {
    pub fn parse(s: &str) -> Result<Dialect> {
        match s.to_ascii_lowercase().as_str() {
            "duckdb" => Ok(Dialect::DuckDb),
            "spark" | "sparksql" | "spark-sql" => Ok(Dialect::Spark),
            other => Err(Error::spec(format!("unknown SQL dialect '{other}': use duckdb or spark"))),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
        }
    }
    /// A quoted identifier: `"a b"` in DuckDB, `` `a b` `` in Spark SQL.
    fn ident(self, name: &str) -> String {
        match self {
            Dialect::DuckDb => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
        }
    }
    /// A string literal.
    fn text(self, s: &str) -> String {
        match self {
            Dialect::DuckDb => format!("'{}'", s.replace('\'', "''")),
            Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        }
    }
    /// Whole days from date `a` to date `b`.
    fn days_between(self, a: &str, b: &str) -> String {
        match self {
            Dialect::DuckDb => format!("date_diff('day', CAST({a} AS DATE), CAST({b} AS DATE))"),
            Dialect::Spark => format!("datediff(CAST({b} AS DATE), CAST({a} AS DATE))"),
        }
    }
}

/// How to write the query.
#[derive(Debug, Clone)]
pub struct AggregateOptions {
    pub dialect: Dialect,
    /// A table name (`db.schema.table`) or a `.parquet` / `.csv` path.
    pub source: String,
    /// Numeric columns grouped into bins of this width (value → the bin's lower end).
    pub bins: BTreeMap<String, f64>,
    /// Numeric columns grouped by their exact values (few distinct values: a score, a count).
    pub keep: Vec<String>,
    /// Times rounded up to a multiple of this width (in the unit of the time column).
    pub time_bin: Option<f64>,
}

/// The query, the spec to analyse its result with, and what the user must know.
#[derive(Debug, Clone)]
pub struct AggregatePlan {
    pub sql: String,
    pub spec: AnalysisSpec,
    /// Caveats: which results are approximate and why; what was moved into the query.
    pub notes: Vec<String>,
    /// Name of the count column.
    pub count: String,
}

enum Source {
    Parquet(String),
    Csv(String),
    Table(String),
}

fn source(opts: &AggregateOptions) -> Result<Source> {
    let s = opts.source.trim();
    if s.is_empty() {
        return Err(Error::spec("--source is empty: give a table name or a .parquet/.csv path".to_string()));
    }
    let lower = s.to_ascii_lowercase();
    Ok(if lower.ends_with(".parquet") || lower.ends_with(".parq") || lower.ends_with("/") {
        Source::Parquet(s.to_string())
    } else if lower.ends_with(".csv") || lower.ends_with(".csv.gz") {
        Source::Csv(s.to_string())
    } else {
        Source::Table(s.to_string())
    })
}

fn from_clause(d: Dialect, src: &Source) -> Result<String> {
    Ok(match (d, src) {
        (Dialect::DuckDb, Source::Parquet(p)) => format!("read_parquet({})", d.text(p)),
        (Dialect::DuckDb, Source::Csv(p)) => format!("read_csv_auto({}, header = true)", d.text(p)),
        (Dialect::Spark, Source::Parquet(p)) => format!("parquet.{}", d.ident(p)),
        (Dialect::Spark, Source::Csv(p)) => {
            return Err(Error::spec(format!(
                "Spark SQL reads a CSV path without its header row: register '{p}' as a table or view first \
                 (spark.read.option(\"header\", True).csv(...).createOrReplaceTempView(\"cohort\")) and pass --source cohort"
            )))
        }
        (_, Source::Table(t)) => t.split('.').map(|p| d.ident(p)).collect::<Vec<_>>().join("."),
    })
}

/// A number as SQL text (no exponent surprises for the usual widths).
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// What the aggregate groups by: an output column name and the SQL expression for it.
struct Key {
    name: String,
    expr: String,
}

/// Build the aggregation for `spec`.
// Long because: one list of what the spec needs grouped by, spec key by spec key (time, outcome, group, strata, filters, covariates, interactions, splines, subgroups, Table 1), each a short block; split, the keys would travel through every helper.
pub fn aggregate_sql(spec: &AnalysisSpec, opts: &AggregateOptions) -> Result<AggregatePlan> {
    let d = opts.dialect;
    let src = source(opts)?;
    let from = from_clause(d, &src)?;
    let mut notes = Vec::new();
    let mut out = spec.clone();

    // What cannot be aggregated.
    if let Some(c) = &spec.cluster {
        return Err(Error::spec(format!(
            "cluster '{c}' needs one row per patient (its robust variance sums each patient's rows): run this analysis on the row-level data, or drop cluster"
        )));
    }
    if let Some(id) = &spec.id {
        return Err(Error::spec(format!(
            "id '{id}' needs one row per patient interval: run this analysis on the row-level data"
        )));
    }
    if let Some(Weights { kind: WeightKind::Sampling, column }) = &spec.weights {
        return Err(Error::spec(format!(
            "sampling weights ('{column}') need one row per patient (their robust variance is per row): run this analysis on the row-level data"
        )));
    }

    if spec.propensity.is_some() {
        return Err(Error::spec(
            "propensity-score weights come from a model of each patient's covariates and are sampling weights: run this analysis on the row-level data".to_string(),
        ));
    }

    let mut keys: Vec<Key> = Vec::new();
    let push = |keys: &mut Vec<Key>, name: &str, expr: String| {
        if !keys.iter().any(|k| k.name == name) {
            keys.push(Key { name: name.to_string(), expr });
        }
    };
    let col = |c: &str| d.ident(c);

    // Time.
    match &spec.time {
        TimeSpec::Column(c) | TimeSpec::Numeric(NumericTime { column: c, .. }) => {
            let expr = match opts.time_bin {
                Some(w) => {
                    notes.push(format!(
                        "times are rounded up to a multiple of {} (in the unit of '{c}'): curves, tests and models are those of the binned times, an approximation",
                        num(w)
                    ));
                    format!("CEIL({} / {w}) * {w}", col(c), w = num(w))
                }
                None => col(c),
            };
            push(&mut keys, c, expr);
        }
        TimeSpec::Dates(span) => {
            // Days from the start date to the first non-blank end date, as the engine computes
            // them; the aggregate's spec reads them as a numeric time in days shown in the span's unit.
            let end = if span.end.len() == 1 {
                col(&span.end[0])
            } else {
                format!("COALESCE({})", span.end.iter().map(|e| col(e)).collect::<Vec<_>>().join(", "))
            };
            let days = d.days_between(&col(&span.start), &end);
            let name = unique_name(spec, "followup_days");
            let expr = match opts.time_bin {
                Some(w) => {
                    notes.push(format!("follow-up days are rounded up to a multiple of {}: an approximation", num(w)));
                    format!("CEIL({days} / {w}) * {w}", w = num(w))
                }
                None => days,
            };
            push(&mut keys, &name, expr);
            notes.push(format!(
                "time is computed in the query as whole days from '{}' to the first non-blank of {} (the dates must be DATE values or ISO text); the aggregate's column '{name}' holds it",
                span.start,
                span.end.iter().map(|e| format!("'{e}'")).collect::<Vec<_>>().join(", ")
            ));
            out.time = TimeSpec::Numeric(NumericTime {
                column: name,
                unit: TimeUnit::Days,
                display: (span.unit != TimeUnit::Days).then_some(span.unit),
            });
        }
    }
    push(&mut keys, &spec.event.column, col(&spec.event.column));
    if let Some(e) = &spec.entry {
        push(&mut keys, e, col(e));
    }
    for tv in &spec.time_varying {
        push(&mut keys, &tv.at, col(&tv.at));
    }
    if let Some(g) = &spec.group {
        for c in g.columns() {
            push(&mut keys, c, col(c));
        }
    }
    if let Some(s) = &spec.strata {
        push(&mut keys, s, col(s));
    }
    // Filters on categories stay in the spec (their columns are grouped by); comparisons of
    // numbers go into the query's WHERE, so the numeric column need not be grouped by.
    let mut wheres = Vec::new();
    let mut kept_filters = Vec::new();
    for f in &spec.filters {
        match (f.op, f.value) {
            (FilterOp::In | FilterOp::NotIn, _) => {
                push(&mut keys, &f.column, col(&f.column));
                kept_filters.push(f.clone());
            }
            (op, Some(v)) => {
                let sym = match op {
                    FilterOp::Lt => "<",
                    FilterOp::Le => "<=",
                    FilterOp::Gt => ">",
                    FilterOp::Ge => ">=",
                    _ => unreachable!("in/not_in handled above"),
                };
                wheres.push(format!("{} {sym} {}", col(&f.column), num(v)));
                notes.push(format!("the filter {} {sym} {} is applied in the query (WHERE)", f.column, num(v)));
            }
            (_, None) => return Err(Error::spec(format!("filter on '{}' has no value", f.column))),
        }
    }
    out.filters = kept_filters;

    // Model terms and Table 1 columns: categorical, kept exact, or binned.
    let tv_names: Vec<&str> = spec.time_varying.iter().map(|t| t.name.as_str()).collect();
    let mut model_cols: Vec<(String, &str)> = Vec::new();
    for c in &spec.covariates {
        model_cols.push((c.clone(), "covariate"));
    }
    for c in &spec.univariable {
        model_cols.push((c.clone(), "univariable candidate"));
    }
    for pair in &spec.interactions {
        for c in pair {
            model_cols.push((c.clone(), "interaction term"));
        }
    }
    for sp in &spec.splines {
        model_cols.push((sp.column.clone(), "spline"));
    }
    // Subgroup columns are compared level by level: grouped by as they are.
    for c in &spec.subgroups {
        push(&mut keys, c, col(c));
    }
    for c in spec.table1.iter().flatten() {
        model_cols.push((c.clone(), "Table 1 column"));
    }
    for (c, role) in model_cols {
        if tv_names.contains(&c.as_str()) || keys.iter().any(|k| k.name == c) {
            continue;
        }
        if let Some(w) = opts.bins.get(&c) {
            if !(*w > 0.0 && w.is_finite()) {
                return Err(Error::spec(format!("--bin {c}={w}: the width must be a positive number")));
            }
            push(&mut keys, &c, format!("FLOOR({} / {w}) * {w}", col(&c), w = num(*w)));
            notes.push(format!(
                "'{c}' is binned in widths of {} (each value replaced by its bin's lower end): its hazard ratio and Table 1 summary are those of the binned values, an approximation",
                num(*w)
            ));
        } else if spec.categorical.contains(&c) || opts.keep.contains(&c) {
            push(&mut keys, &c, col(&c));
        } else {
            return Err(Error::spec(format!(
                "the {role} '{c}' may be a continuous number, which cannot be aggregated (as many groups as rows): \
                 bin it (--bin {c}=WIDTH), keep its exact values if it has few (--keep {c}: a score, a count), \
                 or list it in the spec's \"categorical\""
            )));
        }
    }
    for b in opts.bins.keys().chain(opts.keep.iter()) {
        if !keys.iter().any(|k| &k.name == b) {
            return Err(Error::spec(format!("--bin/--keep names '{b}', which the analysis does not use")));
        }
    }

    // Frequency weights already in the data add up.
    let count = unique_name(spec, "n");
    let agg = match &spec.weights {
        Some(Weights { kind: WeightKind::Frequency, column }) => {
            notes.push(format!("the file's frequency weights '{column}' are summed into '{count}'"));
            format!("SUM({})", col(column))
        }
        _ => "COUNT(*)".to_string(),
    };
    out.weights = Some(Weights { column: count.clone(), kind: WeightKind::Frequency });

    let select = keys
        .iter()
        .map(|k| if k.expr == col(&k.name) { k.expr.clone() } else { format!("{} AS {}", k.expr, col(&k.name)) })
        .chain(std::iter::once(format!("{agg} AS {}", col(&count))))
        .collect::<Vec<_>>()
        .join(",\n       ");
    let ordinals = (1..=keys.len()).map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    let spec_json = out.to_json();
    let mut sql = String::new();
    sql.push_str(&format!(
        "-- cohort aggregate-sql ({}): one row per distinct combination of the analysis's values, with '{count}' rows each.\n",
        d.name()
    ));
    sql.push_str("-- Save the result as CSV with a header row and analyse it (in the page or with `cohort analyze`) with this spec:\n");
    sql.push_str(&format!("-- {spec_json}\n"));
    for n in &notes {
        sql.push_str(&format!("-- note: {n}\n"));
    }
    sql.push_str(&format!("SELECT {select}\nFROM {from}\n"));
    if !wheres.is_empty() {
        sql.push_str(&format!("WHERE {}\n", wheres.join(" AND ")));
    }
    sql.push_str(&format!("GROUP BY {ordinals}\nORDER BY {ordinals}"));
    Ok(AggregatePlan { sql, spec: out, notes, count })
}

/// `base`, or `base_2`, `base_3`… when the spec already uses that name for a column.
fn unique_name(spec: &AnalysisSpec, base: &str) -> String {
    let used = spec_columns(spec);
    let mut name = base.to_string();
    let mut i = 2;
    while used.iter().any(|c| c == &name) {
        name = format!("{base}_{i}");
        i += 1;
    }
    name
}

/// Every column name the spec mentions.
fn spec_columns(spec: &AnalysisSpec) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    match &spec.time {
        TimeSpec::Column(c) | TimeSpec::Numeric(NumericTime { column: c, .. }) => v.push(c.clone()),
        TimeSpec::Dates(s) => {
            v.push(s.start.clone());
            v.extend(s.end.iter().cloned());
        }
    }
    v.push(spec.event.column.clone());
    v.extend(spec.group.iter().flat_map(|g| g.columns().to_vec()));
    v.extend(spec.strata.iter().cloned());
    v.extend(spec.entry.iter().cloned());
    v.extend(spec.weights.iter().map(|w| w.column.clone()));
    v.extend(spec.covariates.iter().cloned());
    v.extend(spec.table1.iter().flatten().cloned());
    v.extend(spec.filters.iter().map(|f| f.column.clone()));
    v.extend(spec.time_varying.iter().flat_map(|t| [t.name.clone(), t.at.clone()]));
    v.extend(spec.interactions.iter().flatten().cloned());
    v.extend(spec.splines.iter().map(|s| s.column.clone()));
    v.extend(spec.subgroups.iter().cloned());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> AnalysisSpec {
        AnalysisSpec::from_json(json).unwrap()
    }
    fn opts(d: Dialect, source: &str) -> AggregateOptions {
        AggregateOptions { dialect: d, source: source.to_string(), bins: BTreeMap::new(), keep: vec![], time_bin: None }
    }

    #[test]
    fn groups_by_every_value_the_analysis_uses_and_counts() {
        let s = spec(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","strata":"inst","covariates":["ph.ecog"],"categorical":["ph.ecog"]}"#);
        let p = aggregate_sql(&s, &opts(Dialect::DuckDb, "lung.parquet")).unwrap();
        assert!(p.sql.contains("SELECT \"time\",\n       \"status\",\n       \"sex\",\n       \"inst\",\n       \"ph.ecog\",\n       COUNT(*) AS \"n\""), "{}", p.sql);
        assert!(p.sql.contains("FROM read_parquet('lung.parquet')"));
        assert!(p.sql.contains("GROUP BY 1, 2, 3, 4, 5"));
        assert_eq!(p.spec.weights, Some(Weights { column: "n".into(), kind: WeightKind::Frequency }));
        // The printed spec is the one returned, and it parses.
        let line = p.sql.lines().nth(2).unwrap().trim_start_matches("-- ");
        assert_eq!(AnalysisSpec::from_json(line).unwrap(), p.spec);
    }

    #[test]
    fn continuous_covariates_are_refused_unless_binned_kept_or_categorical() {
        let s = spec(r#"{"time":"time","event":{"column":"status","event":["2"]},"covariates":["age"]}"#);
        let e = aggregate_sql(&s, &opts(Dialect::DuckDb, "t")).unwrap_err().to_string();
        assert!(e.contains("'age'") && e.contains("--bin age=") && e.contains("--keep age"), "{e}");
        let mut o = opts(Dialect::Spark, "db.cohort");
        o.bins.insert("age".into(), 5.0);
        let p = aggregate_sql(&s, &o).unwrap();
        assert!(p.sql.contains("FLOOR(`age` / 5) * 5 AS `age`"), "{}", p.sql);
        assert!(p.sql.contains("FROM `db`.`cohort`"));
        assert!(p.notes.iter().any(|n| n.contains("binned")));
        let mut o = opts(Dialect::DuckDb, "t");
        o.keep.push("age".into());
        assert!(aggregate_sql(&s, &o).unwrap().notes.is_empty());
    }

    #[test]
    fn per_patient_analyses_are_refused_with_the_reason() {
        for (extra, word) in [
            (r#","cluster":"litter""#, "cluster"),
            (r#","id":"pid""#, "id"),
            (r#","weights":{"column":"w","kind":"sampling"}"#, "sampling"),
            (r#","group":"trt","propensity":{"treatment":"trt","covariates":["age"]}"#, "propensity"),
        ] {
            let s = spec(&format!(r#"{{"time":"time","event":{{"column":"status","event":["1"]}}{extra}}}"#));
            let e = aggregate_sql(&s, &opts(Dialect::DuckDb, "t")).unwrap_err().to_string();
            assert!(e.contains(word) && e.contains("row-level"), "{e}");
        }
    }

    #[test]
    fn names_are_quoted_and_a_count_column_never_collides() {
        let s = spec(r#"{"time":"n","event":{"column":"it's \"x\"","event":["1"]},"group":"a`b"}"#);
        let p = aggregate_sql(&s, &opts(Dialect::DuckDb, "o'brien.parquet")).unwrap();
        assert!(p.sql.contains(r#""it's ""x""""#), "{}", p.sql);
        assert!(p.sql.contains("read_parquet('o''brien.parquet')"));
        assert_eq!(p.count, "n_2");
        let p = aggregate_sql(&s, &opts(Dialect::Spark, "t")).unwrap();
        assert!(p.sql.contains("`a``b`"), "{}", p.sql);
    }

    #[test]
    fn numeric_filters_go_into_where_and_dates_into_days() {
        let s = spec(
            r#"{"time":{"start":"dx","end":["death","last"],"unit":"months"},"event":{"column":"status","event":["1"]},
               "filters":[{"column":"age","op":">=","value":65},{"column":"site","op":"in","values":["A"]}]}"#,
        );
        let p = aggregate_sql(&s, &opts(Dialect::DuckDb, "t")).unwrap();
        assert!(p.sql.contains("WHERE \"age\" >= 65"), "{}", p.sql);
        assert!(p.sql.contains("date_diff('day', CAST(\"dx\" AS DATE), CAST(COALESCE(\"death\", \"last\") AS DATE)) AS \"followup_days\""), "{}", p.sql);
        assert_eq!(p.spec.filters.len(), 1);
        assert_eq!(p.spec.time, TimeSpec::Numeric(NumericTime { column: "followup_days".into(), unit: TimeUnit::Days, display: Some(TimeUnit::Months) }));
        let sp = aggregate_sql(&s, &opts(Dialect::Spark, "t")).unwrap();
        assert!(sp.sql.contains("datediff(CAST(COALESCE(`death`, `last`) AS DATE), CAST(`dx` AS DATE))"), "{}", sp.sql);
    }

    #[test]
    fn existing_frequency_weights_are_summed_and_time_bins_noted() {
        let s = spec(r#"{"time":"t","event":{"column":"e","event":["1"]},"weights":{"column":"w","kind":"frequency"}}"#);
        let mut o = opts(Dialect::DuckDb, "t");
        o.time_bin = Some(30.0);
        let p = aggregate_sql(&s, &o).unwrap();
        assert!(p.sql.contains("SUM(\"w\") AS \"n\""), "{}", p.sql);
        assert!(p.sql.contains("CEIL(\"t\" / 30) * 30 AS \"t\""), "{}", p.sql);
        assert!(p.notes.iter().any(|n| n.contains("approximation")));
    }
}
