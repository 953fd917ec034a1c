//! A table's columns as an analysis reads them, shared by the row preparation (`prepare`) and
//! the study designs (`study`): a column by its role (the error names the file's columns), its
//! numbers or dates, and the rows excluded by reason with their file lines (the cohort flow's
//! [`FlowExclusion`], which the report carries).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::table::{format_number, Column, ColumnData, Table, MISSING};

/// Most line numbers a flow exclusion keeps (the warning names the first twelve).
pub const FLOW_LINES: usize = 500;

/// One reason of exclusion: its rows' count and file lines (the first [`FLOW_LINES`]).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlowExclusion {
    pub reason: String,
    pub count: usize,
    pub lines: Vec<u64>,
}

/// Collects row exclusions by reason and writes one warning per reason.
#[derive(Default)]
pub struct Exclusions {
    /// Per reason, in first-seen order: the offending values (None: the reason says it all), each
    /// with its file lines, in first-seen order.
    by_reason: BTreeMap<String, Vec<(Option<String>, Vec<u64>)>>,
    order: Vec<String>,
}

impl Exclusions {
    /// A row excluded for `reason` ("outcome 'status' is missing").
    pub fn add(&mut self, reason: String, line: u64) {
        self.push(reason, None, line);
    }
    /// A row excluded for `reason` because of the cell text `value`: the warning gives the total
    /// for the reason, then each value with its lines ("'unknown' (lines 5, 24), 'lost' (line 11)").
    pub fn add_value(&mut self, reason: String, value: &str, line: u64) {
        self.push(reason, Some(value.to_string()), line);
    }
    fn push(&mut self, reason: String, value: Option<String>, line: u64) {
        if !self.by_reason.contains_key(&reason) {
            self.order.push(reason.clone());
        }
        let values = self.by_reason.entry(reason).or_default();
        match values.iter_mut().find(|(v, _)| *v == value) {
            Some((_, lines)) => lines.push(line),
            None => values.push((value, vec![line])),
        }
    }
    /// The exclusions by reason for the cohort flow: each reason's count and its lines (the
    /// first [`FLOW_LINES`]), in first-seen order.
    pub fn flow(&self) -> Vec<FlowExclusion> {
        self.order
            .iter()
            .map(|reason| {
                let values = &self.by_reason[reason];
                let mut lines: Vec<u64> = values.iter().flat_map(|(_, l)| l.iter().copied()).collect();
                lines.sort_unstable();
                let count = lines.len();
                lines.truncate(FLOW_LINES);
                FlowExclusion { reason: reason.clone(), count, lines }
            })
            .collect()
    }
    /// One warning per reason: "3 rows excluded because the time in 'time' is not a number:
    /// 'unknown' (lines 5, 24), 'lost' (line 11)", or "2 rows excluded: negative time in 'time'
    /// (lines 3, 6)" when no values are named.
    pub fn into_warnings(self, what: &str) -> Vec<String> {
        let mut out = Vec::new();
        for reason in self.order {
            let values = &self.by_reason[&reason];
            let total: usize = values.iter().map(|(_, l)| l.len()).sum();
            let rows = if total == 1 { "row" } else { "rows" };
            if values.iter().all(|(v, _)| v.is_none()) {
                let lines: Vec<u64> = values.iter().flat_map(|(_, l)| l.iter().copied()).collect();
                out.push(format!("{total} {rows} excluded{what}: {reason} ({})", line_list(&lines)));
            } else {
                let parts: Vec<String> = values
                    .iter()
                    .map(|(v, lines)| match v {
                        Some(v) => format!("'{v}' ({})", line_list(lines)),
                        None => format!("other ({})", line_list(lines)),
                    })
                    .collect();
                out.push(format!("{total} {rows} excluded{what} because {reason}: {}", parts.join(", ")));
            }
        }
        out
    }
}

/// `line 5` / `lines 5, 9, 12` / `lines 5, 9, 12, ... and 40 more`.
pub fn line_list(lines: &[u64]) -> String {
    const SHOW: usize = 12;
    let shown: Vec<String> = lines.iter().take(SHOW).map(|l| l.to_string()).collect();
    let more = lines.len().saturating_sub(SHOW);
    format!(
        "{} {}{}",
        if lines.len() == 1 { "line" } else { "lines" },
        shown.join(", "),
        if more > 0 { format!(", ... and {more} more") } else { String::new() }
    )
}

pub fn column<'a>(table: &'a Table, name: &str, role: &str) -> Result<&'a Column> {
    table.column(name).ok_or_else(|| {
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        Error::spec(format!(
            "the {role} column '{name}' is not in the file. Its columns are: {}. Pick one of these in the spec.",
            names.join(", ")
        ))
        .at_file(table.name.clone())
    })
}

/// Numeric values of a column, with the rows whose text is not a number.
pub fn numeric_values(col: &Column) -> (Vec<f64>, Vec<usize>) {
    match &col.data {
        ColumnData::Numeric(v) | ColumnData::Date(v) => (v.clone(), col.bad.iter().map(|b| b.0).collect()),
        ColumnData::Text { codes, levels } => {
            let parsed: Vec<Option<f64>> = levels.iter().map(|l| crate::ingest::parse_number(l)).collect();
            let mut bad = Vec::new();
            let v = codes
                .iter()
                .enumerate()
                .map(|(r, &c)| {
                    if c == MISSING {
                        f64::NAN
                    } else {
                        match parsed[c as usize] {
                            Some(x) => x,
                            None => {
                                bad.push(r);
                                f64::NAN
                            }
                        }
                    }
                })
                .collect();
            (v, bad)
        }
    }
}

/// A column used as a date: its day counts since 1970-01-01.
///
/// Date columns are used as read. A numeric column whose values are all whole numbers in
/// 20000–80000 is taken as Excel serial dates (an export that lost the date format;
/// 43905 = 2020-03-15) with a warning. A text column that ingestion recognised as dates but
/// could not order (day/month vs month/day) asks for `date_order`; anything else is refused.
pub fn date_values(table: &Table, col: &Column, warnings: &mut Vec<String>) -> Result<Vec<f64>> {
    use crate::calendar as dates;
    let refuse = |msg: String| Err(Error::data(msg).at_file(table.name.clone()).at_column(col.name.clone()));
    match &col.data {
        ColumnData::Date(v) => Ok(v.clone()),
        ColumnData::Numeric(v) if col.bad.is_empty() && v.iter().any(|x| !x.is_nan()) && v.iter().all(|&x| x.is_nan() || dates::is_excel_serial(x)) => {
            let first = v.iter().copied().find(|x| !x.is_nan()).unwrap_or(0.0);
            warnings.push(format!(
                "'{}' holds numbers, read as Excel serial dates (1900 date system; e.g. {} = {}). If these are not dates, choose another column.",
                col.name,
                format_number(first),
                dates::format_iso(first - dates::EXCEL_EPOCH_OFFSET)
            ));
            Ok(v.iter().map(|x| x - dates::EXCEL_EPOCH_OFFSET).collect())
        }
        ColumnData::Text { .. } if col.kind == crate::table::ColumnKind::Date => refuse(format!(
            "the dates in '{}' are ambiguous: no value has a number above 12 in the first or second place (e.g. '{}'), so they could be day/month/year or month/day/year. Set \"date_order\": \"dmy\" or \"mdy\" in the spec.",
            col.name,
            (0..col.len()).find_map(|r| col.text(r)).unwrap_or_default()
        )),
        _ => refuse(format!(
            "'{}' was not read as dates (e.g. '{}'). Use ISO dates (2021-03-15), or d/m/yyyy or m/d/yyyy dates; set date_order to \"dmy\" or \"mdy\" in the spec if the dates are ambiguous.",
            col.name,
            (0..col.len()).find_map(|r| col.text(r)).unwrap_or_default()
        )),
    }
}
