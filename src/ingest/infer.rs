//! Records → typed columns, built as the rows come: a column holds either dictionary codes
//! (text, and every column during its first rows) or `f64` values parsed as they are read (a
//! column that is mostly plain numbers); no per-cell allocation. Each column's type is then
//! decided from all its cells, with the rules below — a column read as numbers that turns out
//! to need its text is read again (see `assemble::Builder`).
//!
//! Rules (each column on its own):
//! - **Missing**: blank, or one of the missing codes ([`super::DEFAULT_MISSING`] or the spec's
//!   `missing`), compared ignoring ASCII case.
//! - **Numeric** when at least 90 % of the non-missing cells are numbers. Decimal point always;
//!   decimal comma (`1,5`, `1.234,5`) when the delimiter is not a comma (or in workbooks) and
//!   some cell only reads with it: then the whole column is read with a decimal comma, `.`
//!   being a thousands separator where it groups digits by three (`1.234` = 1234) and a
//!   decimal point otherwise (`1.5`). The other (≤ 10 %) cells are *unreadable*: NaN, kept
//!   with their text in `Column::bad`, listed in the notes.
//! - **Excel serial dates**: a numeric column whose header names a date (`date`, `datum`,
//!   `fecha`, `dob`, `dt`) and whose values are all whole numbers in 20000–80000
//!   (1954-10-03 to 2119-01-10) is read as dates (serial − 25569 = days since 1970-01-01).
//! - **Dates** when at least 90 % of the non-missing cells are dates
//!   ([`dates::parse_date_text`]). For `a/b/year` cells the column decides the order: a first
//!   field above 12 somewhere means day/month/year, a second field above 12 month/day/year,
//!   both means the column mixes orders (read as text, with a note). When no value decides,
//!   the spec's `date_order` is used; dotted dates (`03.04.2020`) are day-first everywhere
//!   they are used; otherwise the column stays text, marked as `Date` kind, and a note and
//!   the date-span check tell the user to set `date_order`.
//! - **Text** otherwise: levels interned in order of first appearance.
//!
//! Identifier flags ([`identifier_reason`]) follow the header and the values: names, record
//! numbers, phone numbers, e-mail addresses, full dates of birth, near-unique codes.

use super::dates::{self, DateText, Order};
pub use super::numbers::{parse_comma, parse_dot};
pub use super::assemble::{Assembler, Context, Dict, Missing};
use super::assemble::{number, truncate, NumCol};
use crate::table::{Column, ColumnData, ColumnKind, MISSING};



/// Does a header name a date (so that Excel serial numbers in it are dates)?
pub fn looks_like_date_header(name: &str) -> bool {
    let l = name.to_lowercase();
    let tokens: Vec<&str> = l.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    l.contains("date") || l.contains("datum") || l.contains("fecha") || tokens.iter().any(|t| matches!(*t, "dt" | "dob" | "dod"))
}

fn describe_bad(col: &str, what: &str, bad: &[(usize, String)], nonmissing: usize, lines: &[u64]) -> String {
    // The cells of a column whose header names an identifier (a date of birth, a record number)
    // are never quoted: only their lines.
    let quote = !super::identifiers::header_suggests_identifier(col);
    let shown: Vec<String> = bad
        .iter()
        .take(5)
        .map(|(r, t)| if quote { format!("line {} '{}'", lines[*r], truncate(t, 30)) } else { format!("line {}", lines[*r]) })
        .collect();
    format!(
        "column '{col}': {} of {nonmissing} cells {} not {what} and count as not available ({}{}); rows using them are excluded from analyses of this column",
        bad.len(),
        if bad.len() == 1 { "is" } else { "are" },
        shown.join(", "),
        if bad.len() > 5 { format!(", ... and {} more", bad.len() - 5) } else { String::new() }
    )
}

/// Build a column read as numbers ([`Builder::Num`]); `None` when it is not numeric after all
/// (the caller reads such columns again as text first, see [`Assembler::rescan_columns`]).
/// The same rules as [`infer_dict`]'s numeric branch, on values parsed as they were read.
pub(super) fn infer_numbers(name: String, c: NumCol, lines: &[u64], notes: &mut Vec<String>) -> Option<(Column, bool)> {
    let NumCol { vals, bad, nonmissing } = c;
    let ok = nonmissing - bad.len();
    if ok == 0 || bad.len() * 10 > nonmissing {
        return None;
    }
    Some(numeric_column(name, vals, bad, nonmissing, lines, notes))
}

/// A numeric column (`vals`, with `bad` its unreadable cells), or a date column when its header
/// names a date and every value is an Excel serial date.
fn numeric_column(name: String, vals: Vec<f64>, bad: Vec<(usize, String)>, nonmissing: usize, lines: &[u64], notes: &mut Vec<String>) -> (Column, bool) {
    if bad.is_empty() && looks_like_date_header(&name) && vals.iter().all(|&x| x.is_nan() || dates::is_excel_serial(x)) {
        let first = vals.iter().copied().find(|x| !x.is_nan()).unwrap_or(0.0);
        notes.push(format!(
            "column '{name}': whole numbers between 20000 and 80000 in a date column, read as Excel serial dates (1900 date system; {} = {})",
            crate::table::format_number(first),
            dates::format_iso(first - dates::EXCEL_EPOCH_OFFSET)
        ));
        let days = vals.into_iter().map(|x| x - dates::EXCEL_EPOCH_OFFSET).collect();
        let mut col = Column::new(name, ColumnData::Date(days), ColumnKind::Date);
        col.identifier = identifier_reason(&col, nonmissing);
        return (col, false);
    }
    if !bad.is_empty() {
        notes.push(describe_bad(&name, "numbers", &bad, nonmissing, lines));
    }
    let mut col = Column::new(name, ColumnData::Numeric(vals), ColumnKind::Numeric);
    col.bad = bad;
    flag_identifier(&mut col, nonmissing, notes);
    (col, false)
}

/// Decide the type of a column read as a dictionary and build it; returns whether a decimal
/// comma was used. Each distinct text is parsed once (as a number, with a decimal comma, as a
/// date) and the cells take their level's reading: numbers first, then dates, else text.
pub(super) fn infer_dict(name: String, dict: Dict, lines: &[u64], ctx: &Context, notes: &mut Vec<String>) -> (Column, bool) {
    let Dict { index, levels, codes } = dict;
    drop(index);
    let n = codes.len();
    let mut count = vec![0usize; levels.len()];
    for &c in &codes {
        if c != MISSING {
            count[c as usize] += 1;
        }
    }
    let nonmissing: usize = count.iter().sum();
    if nonmissing == 0 {
        // An empty column: numeric, all missing.
        return (Column::new(name, ColumnData::Numeric(vec![f64::NAN; n]), ColumnKind::Numeric), false);
    }

    // Numbers, decimal point first; a decimal comma when some cell only reads with it.
    let dot: Vec<Option<f64>> = levels.iter().map(|l| number(l)).collect();
    let comma = ctx.decimal_comma && levels.iter().zip(&dot).any(|(l, d)| d.is_none() && l.contains(',') && parse_comma(l).is_some());
    let level_vals = if comma { levels.iter().map(|l| parse_comma(l)).collect() } else { dot };
    let ok: usize = level_vals.iter().zip(&count).filter(|(v, _)| v.is_some()).map(|(_, k)| k).sum();
    if ok > 0 && (nonmissing - ok) * 10 <= nonmissing {
        let (vals, bad) = cells_of_levels(&codes, &levels, &level_vals);
        let (col, _) = numeric_column(name, vals, bad, nonmissing, lines, notes);
        let comma = comma && matches!(col.data, ColumnData::Numeric(_));
        return (col, comma);
    }
    drop(level_vals);

    let scan = DateScan::of(&codes, &levels, nonmissing);
    if scan.dok > 0 && (nonmissing - scan.dok) * 10 <= nonmissing {
        match date_order(&name, &scan, &codes, &levels, ctx, notes) {
            Some(DateOrder::Read(order)) => return (date_column(name, &codes, &levels, &scan, order, nonmissing, lines, notes), false),
            Some(DateOrder::Undecided) => {
                let mut col = Column::new(name, ColumnData::Text { codes, levels }, ColumnKind::Date);
                col.identifier = identifier_reason(&col, nonmissing);
                return (col, false);
            }
            // Mixed orders: text.
            None => {}
        }
    }

    let mut col = Column::new(name, ColumnData::Text { codes, levels }, ColumnKind::Categorical);
    flag_identifier(&mut col, nonmissing, notes);
    (col, false)
}

/// Each cell's value from its level's (`NaN` for a missing cell), and the unreadable cells
/// (row, text): those whose level has no value.
fn cells_of_levels(codes: &[u32], levels: &[String], level_vals: &[Option<f64>]) -> (Vec<f64>, Vec<(usize, String)>) {
    let mut bad = Vec::new();
    let vals = codes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if c == MISSING {
                return f64::NAN;
            }
            level_vals[c as usize].unwrap_or_else(|| {
                bad.push((i, levels[c as usize].clone()));
                f64::NAN
            })
        })
        .collect();
    (vals, bad)
}

/// A dictionary column's cells read as dates: each level parsed once, when a cell first needs
/// it; the scan stops as soon as more than 10 % of the cells are not dates.
struct DateScan {
    /// Each level's reading (`None`: not parsed, the scan stopped first).
    cache: Vec<Option<Option<DateText>>>,
    /// Cells read as dates.
    dok: usize,
    /// Some `a/b/year` cell has a > 12 (day first), b > 12 (month first).
    day_first: bool,
    month_first: bool,
    /// `a/b/year` cells, those of them dotted, and the first one's row.
    ab: usize,
    ab_dotted: usize,
    example_ab: Option<usize>,
}

impl DateScan {
    fn of(codes: &[u32], levels: &[String], nonmissing: usize) -> DateScan {
        let mut s = DateScan { cache: vec![None; levels.len()], dok: 0, day_first: false, month_first: false, ab: 0, ab_dotted: 0, example_ab: None };
        let mut failed = 0usize;
        for (i, &c) in codes.iter().enumerate() {
            if c == MISSING {
                continue;
            }
            let p = *s.cache[c as usize].get_or_insert_with(|| dates::parse_date_text(&levels[c as usize]));
            match p {
                None => {
                    failed += 1;
                    if failed * 10 > nonmissing {
                        break; // not a date column: stop early
                    }
                }
                Some(d) => {
                    s.dok += 1;
                    if let DateText::Ab { a, b, sep, .. } = d {
                        s.ab += 1;
                        s.example_ab.get_or_insert(i);
                        s.day_first |= a > 12;
                        s.month_first |= b > 12;
                        if sep == b'.' {
                            s.ab_dotted += 1;
                        }
                    }
                }
            }
        }
        s
    }
}

/// How a date column's `a/b/year` cells are read.
enum DateOrder {
    Read(Order),
    /// No value decides and nothing says which: kept as text of kind `Date` (with a warning).
    Undecided,
}

/// The order of a date column's `a/b/year` cells, with the note that says why; `None` when the
/// column mixes both orders (read as text).
fn date_order(name: &str, scan: &DateScan, codes: &[u32], levels: &[String], ctx: &Context, notes: &mut Vec<String>) -> Option<DateOrder> {
    let example = scan.example_ab.map(|i| levels[codes[i] as usize].as_str()).unwrap_or_default();
    let read = |o| Some(DateOrder::Read(o));
    if scan.day_first && scan.month_first {
        notes.push(format!(
            "column '{name}': the dates mix day/month/year and month/day/year (some values have a day above 12 first, others second), so the column is read as text. Write the dates as 2020-03-15 (ISO)."
        ));
        None
    } else if scan.day_first {
        read(Order::Dmy)
    } else if scan.month_first {
        read(Order::Mdy)
    } else if scan.ab == 0 {
        read(Order::Dmy) // no a/b/year cell: the order does not matter
    } else if let Some(o) = ctx.date_order {
        notes.push(format!(
            "column '{name}': no date decides between day/month and month/day (e.g. '{example}'); read as {} as the spec's date_order says",
            if o == Order::Dmy { "day/month/year" } else { "month/day/year" }
        ));
        read(o)
    } else if scan.ab_dotted == scan.ab {
        notes.push(format!(
            "column '{name}': dotted dates such as '{example}' read as day.month.year (no value has a day above 12; set date_order to \"mdy\" in the spec if that is wrong)"
        ));
        read(Order::Dmy)
    } else {
        notes.push(format!(
            "warning: column '{name}': the dates are ambiguous: no value has a number above 12 in the first or second place (e.g. '{example}'), so they may be day/month/year or month/day/year. Set \"date_order\": \"dmy\" or \"mdy\" in the spec to use this column as a date."
        ));
        Some(DateOrder::Undecided)
    }
}

/// The date column of a scan that read at least 90 % of the cells as dates, in `order`.
#[allow(clippy::too_many_arguments)]
fn date_column(name: String, codes: &[u32], levels: &[String], scan: &DateScan, order: Order, nonmissing: usize, lines: &[u64], notes: &mut Vec<String>) -> Column {
    // Every non-missing level was parsed (the scan did not stop early).
    let parsed = |c: u32| scan.cache[c as usize].flatten();
    if scan.ab > 0 && (scan.day_first || scan.month_first) {
        notes.push(format!(
            "column '{name}': dates read as {} (a value such as '{}' decides)",
            if order == Order::Dmy { "day/month/year" } else { "month/day/year" },
            codes
                .iter()
                .find_map(|&c| match (c != MISSING).then(|| parsed(c)).flatten() {
                    Some(DateText::Ab { a, b, .. }) if (order == Order::Dmy && a > 12) || (order == Order::Mdy && b > 12) => Some(levels[c as usize].as_str()),
                    _ => None,
                })
                .unwrap_or("")
        ));
    }
    let level_days: Vec<Option<f64>> = (0..levels.len() as u32).map(|c| parsed(c).and_then(|d| d.days(order))).collect();
    let (days, bad) = cells_of_levels(codes, levels, &level_days);
    if !bad.is_empty() {
        notes.push(describe_bad(&name, "valid dates", &bad, nonmissing, lines));
    }
    let mut col = Column::new(name, ColumnData::Date(days), ColumnKind::Date);
    col.bad = bad;
    flag_identifier(&mut col, nonmissing, notes);
    col
}

fn flag_identifier(col: &mut Column, nonmissing: usize, notes: &mut Vec<String>) {
    col.identifier = identifier_reason(col, nonmissing);
    if let Some(reason) = &col.identifier {
        if !matches!(col.data, ColumnData::Date(_)) {
            col.kind = ColumnKind::Identifier;
        }
        notes.push(format!(
            "column '{}' may identify patients ({reason}): it is not offered for analysis by default and is kept out of exports and share links",
            col.name
        ));
    }
}

pub use super::identifiers::identifier_reason;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::numbers::fast_decimal;

    #[test]
    fn numbers() {
        assert_eq!(parse_dot("1.5"), Some(1.5));
        assert_eq!(parse_dot("-2e3"), Some(-2000.0));
        assert_eq!(parse_dot("inf"), None);
        assert_eq!(parse_dot("1e999"), None);
        assert_eq!(parse_dot("-"), None);
        assert_eq!(parse_dot("12 months"), None);
        assert_eq!(parse_comma("1,5"), Some(1.5));
        assert_eq!(parse_comma("-0,25"), Some(-0.25));
        assert_eq!(parse_comma("1.234,5"), Some(1234.5));
        assert_eq!(parse_comma("1.234"), Some(1234.0));
        assert_eq!(parse_comma("0.123"), Some(0.123));
        assert_eq!(parse_comma("1.5"), Some(1.5));
        assert_eq!(parse_comma("1,2,3"), None);
        assert_eq!(parse_comma(",5"), Some(0.5));
        assert_eq!(parse_comma("a,5"), None);
    }

    /// The quick decimal parser gives bit for bit the standard library's value whenever it
    /// answers, on a million random texts: values printed with 1–17 significant digits, random
    /// digit strings with the point anywhere, signs, leading zeros, and odd forms.
    #[test]
    fn fast_decimal_matches_std() {
        let mut rng = crate::rng::SplitMix64(2024);
        let mut answered = 0usize;
        let total = 1_000_000;
        for i in 0..total {
            let s = match i % 4 {
                0 => {
                    let x = f64::from_bits(rng.next_u64());
                    if !x.is_finite() {
                        continue;
                    }
                    let digits = (rng.next_u64() % 17) as usize;
                    format!("{:.*e}", digits, x).parse::<f64>().map(|v| format!("{v}")).unwrap_or_default()
                }
                1 => {
                    let mut s = String::new();
                    s.push_str(["", "-", "+"][(rng.next_u64() % 3) as usize]);
                    let len = 1 + (rng.next_u64() % 22) as usize;
                    let point = (rng.next_u64() % (len as u64 + 2)) as usize;
                    for k in 0..len {
                        if k == point {
                            s.push('.');
                        }
                        s.push((b'0' + (rng.next_u64() % 10) as u8) as char);
                    }
                    s
                }
                2 => {
                    let x = rng.normal() * 10f64.powi((rng.next_u64() % 12) as i32 - 6);
                    let mut out = String::new();
                    crate::numfmt::r_number(x, &mut out);
                    out
                }
                _ => ["0", "-0", "+0.0", "1.", ".5", "-.5", "+.", ".", "-", "", "00012.500", "9007199254740992", "9007199254740993", "0.1e1", "1,5", "1.5.2", "--1", "1e5"]
                    [(rng.next_u64() % 18) as usize]
                    .to_string(),
            };
            let want = s.parse::<f64>().ok();
            if let Some(v) = fast_decimal(s.as_bytes()) {
                answered += 1;
                assert_eq!(Some(v.to_bits()), want.map(f64::to_bits), "{s:?}");
                assert_eq!(parse_dot(&s).map(f64::to_bits), Some(v.to_bits()), "{s:?}");
            }
        }
        // Most of the texts are in reach of the quick path.
        assert!(answered > total / 3, "{answered}");
    }

    #[test]
    fn identifiers() {
        let c = |name: &str, levels: &[&str]| {
            let levels: Vec<String> = levels.iter().map(|s| s.to_string()).collect();
            let codes = (0..levels.len() as u32).collect();
            Column::new(name, ColumnData::Text { codes, levels }, ColumnKind::Categorical)
        };
        assert!(identifier_reason(&c("Patient Name", &["A B", "C D"]), 2).unwrap().contains("names"));
        assert!(identifier_reason(&c("contact", &["a@b.org", "c@d.ch"]), 2).unwrap().contains("e-mail"));
        assert!(identifier_reason(&c("x", &["+41 44 123 45 67", "+41 79 000 00 00"]), 2).unwrap().contains("phone"));
        assert!(identifier_reason(&c("MRN", &["1", "2"]), 2).is_some());
        assert!(identifier_reason(&c("celltype", &["squamous", "large"]), 2).is_none());
        assert!(identifier_reason(&c("drug_name", &["a", "b", "a"]), 3).is_none());
        let dob = Column::new("Date of birth", ColumnData::Date(vec![0.0]), ColumnKind::Date);
        assert_eq!(identifier_reason(&dob, 1).unwrap(), "full dates of birth");
    }
}
