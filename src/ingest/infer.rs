//! Records → typed columns. Cells are copied once into one text arena per column (no
//! allocation per cell); each column's type is then decided from all its cells.
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

use std::collections::HashMap;

use super::dates::{self, DateText, Order};
use super::ReadOptions;
use crate::error::{Error, Result};
use crate::spec::DateOrder;
use crate::table::{Column, ColumnData, ColumnKind, Table, MISSING};

/// The missing-value codes in force.
#[derive(Debug, Clone)]
pub struct Missing {
    codes: Vec<String>,
    /// Bytes (both ASCII cases) that some code starts with: a cell starting with any other
    /// byte (a digit, usually) is not missing, without comparing it to every code.
    first: [bool; 256],
}

impl Missing {
    /// The spec's list, or [`super::DEFAULT_MISSING`].
    pub fn new(list: Option<&[String]>) -> Self {
        let codes: Vec<String> = match list {
            Some(l) => l.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            None => super::DEFAULT_MISSING.iter().map(|s| s.to_string()).filter(|s| !s.is_empty()).collect(),
        };
        let mut first = [false; 256];
        for c in &codes {
            if let Some(&b) = c.as_bytes().first() {
                first[b.to_ascii_lowercase() as usize] = true;
                first[b.to_ascii_uppercase() as usize] = true;
            }
        }
        Missing { codes, first }
    }
    /// Is a (trimmed) cell missing?
    pub fn is(&self, s: &str) -> bool {
        match s.as_bytes().first() {
            None => true,
            Some(&b) if !self.first[b as usize] => false,
            Some(_) => self.codes.iter().any(|m| m.len() == s.len() && m.eq_ignore_ascii_case(s)),
        }
    }
}

/// What inference needs from the reader and the spec.
pub struct Context {
    pub missing: Missing,
    pub date_order: Option<Order>,
    /// Whether a decimal comma may be detected (not in comma-delimited text).
    pub decimal_comma: bool,
}

impl Context {
    pub fn new(opts: &ReadOptions, decimal_comma: bool) -> Self {
        Context {
            missing: Missing::new(opts.missing.as_deref()),
            date_order: opts.date_order.map(|o| match o {
                DateOrder::Dmy => Order::Dmy,
                DateOrder::Mdy => Order::Mdy,
            }),
            decimal_comma,
        }
    }
}

/// The trimmed cells of one column, back to back in one string.
#[derive(Default)]
pub struct RawColumn {
    text: String,
    ends: Vec<u32>,
}

impl RawColumn {
    fn push(&mut self, s: &str) -> Result<()> {
        if self.text.len() + s.len() > u32::MAX as usize {
            return Err(Error::format("a column holds more than 4 GB of text: the file is too large to analyse here. Keep only the columns you need."));
        }
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        Ok(())
    }
    fn len(&self) -> usize {
        self.ends.len()
    }
    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }
}

/// Collects the header and the rows of a table, checking their shape as they come.
pub struct Assembler {
    headers: Vec<String>,
    header_line: u64,
    /// Columns up to the last named one (trailing unnamed, empty columns are ignored).
    named: usize,
    cols: Vec<RawColumn>,
    lines: Vec<u64>,
}

impl Assembler {
    /// Check the header: every column named (trailing unnamed columns are allowed when they
    /// stay empty), no name twice.
    pub fn new(headers: Vec<String>, header_line: u64) -> Result<Self> {
        let headers: Vec<String> = headers.into_iter().map(|h| h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_string()).collect();
        let named = headers.iter().rposition(|h| !h.is_empty()).map(|i| i + 1).unwrap_or(0);
        if named == 0 {
            return Err(Error::format("the header row is empty: the first row must name the columns.").at_line(header_line));
        }
        for (i, h) in headers[..named].iter().enumerate() {
            if h.is_empty() {
                return Err(Error::format(format!(
                    "column {} has no name in the header row: give every column a name (or delete the empty column).",
                    i + 1
                ))
                .at_line(header_line));
            }
            if headers[..i].contains(h) {
                return Err(Error::format(format!(
                    "two columns are both named '{h}' (columns {} and {}): rename one of them so that every column name is unique.",
                    headers[..i].iter().position(|x| x == h).unwrap_or(0) + 1,
                    i + 1
                ))
                .at_line(header_line)
                .at_column(h.clone()));
            }
        }
        let cols = (0..named).map(|_| RawColumn::default()).collect();
        Ok(Assembler { headers, header_line, named, cols, lines: Vec::new() })
    }

    /// Add one row (`n` fields) that starts on file line `line`.
    pub fn row<'a>(&mut self, fields: impl Iterator<Item = &'a str>, n: usize, line: u64) -> Result<()> {
        if n < self.named {
            return Err(Error::format(format!(
                "this row has {n} field{} but the header (line {}) has {} columns. Check that line for a missing delimiter, or a delimiter inside a value that is not in quotes.",
                if n == 1 { "" } else { "s" },
                self.header_line,
                self.named
            ))
            .at_line(line));
        }
        for (j, f) in fields.enumerate() {
            let t = trim_cell(f);
            if j < self.named {
                self.cols[j].push(t)?;
            } else if !t.is_empty() {
                return Err(Error::format(format!(
                    "this row has {n} fields but the header (line {}) names {} columns: field {} ('{}') has no column. Put values that contain the delimiter in quotes, or name the column in the header.",
                    self.header_line,
                    self.named,
                    j + 1,
                    truncate(t, 40)
                ))
                .at_line(line));
            }
        }
        self.lines.push(line);
        Ok(())
    }

    /// Infer every column's type and build the table.
    pub fn finish(self, name: &str, mut notes: Vec<String>, ctx: &Context) -> Result<Table> {
        if self.lines.is_empty() {
            return Err(Error::format(format!(
                "the file has a header (line {}) but no data rows. Export the sheet again with its rows.",
                self.header_line
            )));
        }
        let mut comma_cols = Vec::new();
        let mut columns = Vec::with_capacity(self.named);
        let mut col_notes = Vec::new();
        for (h, raw) in self.headers.into_iter().zip(self.cols) {
            let (col, comma) = infer_column(h, raw, &self.lines, ctx, &mut col_notes);
            if comma {
                comma_cols.push(col.name.clone());
            }
            columns.push(col);
        }
        if !comma_cols.is_empty() {
            notes.push(format!("decimal comma (1,5 = 1.5) in: {}", comma_cols.join(", ")));
        }
        notes.extend(col_notes);
        Ok(Table { name: name.to_string(), columns, lines: self.lines, notes })
    }
}

/// Trim whitespace around a cell; the common case (no space at either end) costs two byte
/// comparisons.
pub fn trim_cell(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&b)) if a > b' ' && a < 0x80 && b > b' ' && b < 0x80 => s,
        _ => s.trim(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// A finite number with a decimal point (`12`, `-1.5`, `.5`, `2.5e-3`, `+3`).
pub fn parse_dot(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E')) {
        return None;
    }
    if !b.iter().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let x: f64 = s.parse().ok()?;
    x.is_finite().then_some(x)
}

/// Is `s` digits grouped by three with dots (`1.234`, `12.345.678`; not `0.123`)?
fn dot_grouped(s: &str) -> bool {
    let mut groups = s.split('.');
    let Some(first) = groups.next() else { return false };
    if first.is_empty() || first.len() > 3 || first.starts_with('0') || !first.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let mut n = 0;
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
        n += 1;
    }
    n > 0
}

/// A number written with a decimal comma (`1,5`, `-0,25`, `1.234,5`); plain numbers
/// (`12`, `1.5`) and dot-grouped thousands (`1.234` = 1234) are accepted too.
pub fn parse_comma(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'-') => ("-", &s[1..]),
        Some(b'+') => ("", &s[1..]),
        _ => ("", s),
    };
    let (int, frac) = match body.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (body, None),
    };
    let int_digits: Cow<str> = if int.contains('.') {
        if !dot_grouped(int) {
            return if frac.is_none() { parse_dot(s) } else { None };
        }
        Cow::Owned(int.replace('.', ""))
    } else {
        Cow::Borrowed(int)
    };
    if !int_digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut buf = String::with_capacity(s.len() + 1);
    buf.push_str(sign);
    buf.push_str(if int_digits.is_empty() { "0" } else { &int_digits });
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        buf.push('.');
        buf.push_str(f);
    } else if int_digits.is_empty() {
        return None;
    }
    let x: f64 = buf.parse().ok()?;
    x.is_finite().then_some(x)
}

use std::borrow::Cow;

/// Does a header name a date (so that Excel serial numbers in it are dates)?
pub fn looks_like_date_header(name: &str) -> bool {
    let l = name.to_lowercase();
    let tokens: Vec<&str> = l.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    l.contains("date") || l.contains("datum") || l.contains("fecha") || tokens.iter().any(|t| matches!(*t, "dt" | "dob" | "dod"))
}

fn describe_bad(col: &str, what: &str, bad: &[(usize, String)], nonmissing: usize, lines: &[u64]) -> String {
    let shown: Vec<String> = bad.iter().take(5).map(|(r, t)| format!("line {} '{}'", lines[*r], truncate(t, 30))).collect();
    format!(
        "column '{col}': {} of {nonmissing} cells {} not {what} and count as not available ({}{}); rows using them are excluded from analyses of this column",
        bad.len(),
        if bad.len() == 1 { "is" } else { "are" },
        shown.join(", "),
        if bad.len() > 5 { format!(", ... and {} more", bad.len() - 5) } else { String::new() }
    )
}

/// Decide one column's type and build it; returns whether a decimal comma was used.
fn infer_column(name: String, raw: RawColumn, lines: &[u64], ctx: &Context, notes: &mut Vec<String>) -> (Column, bool) {
    let n = raw.len();
    let miss = &ctx.missing;

    // Numbers, decimal point first.
    let mut vals = Vec::with_capacity(n);
    let mut nonmissing = 0usize;
    let mut ok = 0usize;
    let mut comma_only = 0usize;
    for i in 0..n {
        let s = raw.get(i);
        if miss.is(s) {
            vals.push(f64::NAN);
            continue;
        }
        nonmissing += 1;
        match parse_dot(s) {
            Some(x) => {
                ok += 1;
                vals.push(x);
            }
            None => {
                if ctx.decimal_comma && s.contains(',') && parse_comma(s).is_some() {
                    comma_only += 1;
                }
                vals.push(f64::NAN);
            }
        }
    }
    let comma = comma_only > 0;
    if comma {
        ok = 0;
        for (i, v) in vals.iter_mut().enumerate() {
            let s = raw.get(i);
            if miss.is(s) {
                continue;
            }
            *v = parse_comma(s).unwrap_or(f64::NAN);
            if !v.is_nan() {
                ok += 1;
            }
        }
    }
    if nonmissing == 0 {
        // An empty column: numeric, all missing.
        return (Column::new(name, ColumnData::Numeric(vals), ColumnKind::Numeric), false);
    }
    if ok > 0 && (nonmissing - ok) * 10 <= nonmissing {
        let bad: Vec<(usize, String)> =
            (0..n).filter(|&i| vals[i].is_nan() && !miss.is(raw.get(i))).map(|i| (i, raw.get(i).to_string())).collect();
        if bad.is_empty() && looks_like_date_header(&name) && vals.iter().all(|&x| x.is_nan() || dates::is_excel_serial(x)) {
            notes.push(format!(
                "column '{name}': whole numbers between 20000 and 80000 in a date column, read as Excel serial dates (1900 date system; {} = {})",
                crate::table::format_number(vals.iter().copied().find(|x| !x.is_nan()).unwrap_or(0.0)),
                dates::format_iso(vals.iter().copied().find(|x| !x.is_nan()).unwrap_or(0.0) - dates::EXCEL_EPOCH_OFFSET)
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
        return (col, comma);
    }
    drop(vals);

    // Dates.
    let mut parsed: Vec<Option<DateText>> = Vec::with_capacity(n);
    let (mut dok, mut day_first, mut month_first, mut ab, mut ab_dotted) = (0usize, false, false, 0usize, 0usize);
    let mut example_ab: Option<usize> = None;
    let mut failed = 0usize;
    for i in 0..n {
        let s = raw.get(i);
        let p = if miss.is(s) { None } else { dates::parse_date_text(s) };
        if p.is_none() && !miss.is(s) {
            failed += 1;
            if failed * 10 > nonmissing {
                break; // not a date column: stop early
            }
        }
        if let Some(d) = p {
            dok += 1;
            if let DateText::Ab { a, b, sep, .. } = d {
                ab += 1;
                example_ab.get_or_insert(i);
                day_first |= a > 12;
                month_first |= b > 12;
                if sep == b'.' {
                    ab_dotted += 1;
                }
            }
        }
        parsed.push(p);
    }
    if dok > 0 && (nonmissing - dok) * 10 <= nonmissing {
        let example = example_ab.map(|i| raw.get(i).to_string()).unwrap_or_default();
        let order = if day_first && month_first {
            notes.push(format!(
                "column '{name}': the dates mix day/month/year and month/day/year (some values have a day above 12 first, others second), so the column is read as text. Write the dates as 2020-03-15 (ISO)."
            ));
            None
        } else if day_first {
            Some(Order::Dmy)
        } else if month_first {
            Some(Order::Mdy)
        } else if ab == 0 {
            Some(Order::Dmy) // no a/b/year cell: the order does not matter
        } else if let Some(o) = ctx.date_order {
            notes.push(format!(
                "column '{name}': no date decides between day/month and month/day (e.g. '{example}'); read as {} as the spec's date_order says",
                if o == Order::Dmy { "day/month/year" } else { "month/day/year" }
            ));
            Some(o)
        } else if ab_dotted == ab {
            notes.push(format!(
                "column '{name}': dotted dates such as '{example}' read as day.month.year (no value has a day above 12; set date_order to \"mdy\" in the spec if that is wrong)"
            ));
            Some(Order::Dmy)
        } else {
            notes.push(format!(
                "warning: column '{name}': the dates are ambiguous: no value has a number above 12 in the first or second place (e.g. '{example}'), so they may be day/month/year or month/day/year. Set \"date_order\": \"dmy\" or \"mdy\" in the spec to use this column as a date."
            ));
            let mut col = text_column(name, &raw, miss);
            col.kind = ColumnKind::Date;
            col.identifier = identifier_reason(&col, nonmissing);
            return (col, false);
        };
        if let Some(order) = order {
            if ab > 0 && (day_first || month_first) {
                notes.push(format!(
                    "column '{name}': dates read as {} (a value such as '{}' decides)",
                    if order == Order::Dmy { "day/month/year" } else { "month/day/year" },
                    (0..n)
                        .find_map(|i| match parsed[i] {
                            Some(DateText::Ab { a, b, .. }) if (order == Order::Dmy && a > 12) || (order == Order::Mdy && b > 12) => Some(raw.get(i)),
                            _ => None,
                        })
                        .unwrap_or("")
                ));
            }
            let mut bad = Vec::new();
            let days: Vec<f64> = (0..n)
                .map(|i| match parsed[i].and_then(|d| d.days(order)) {
                    Some(x) => x,
                    None => {
                        let s = raw.get(i);
                        if !miss.is(s) {
                            bad.push((i, s.to_string()));
                        }
                        f64::NAN
                    }
                })
                .collect();
            if !bad.is_empty() {
                notes.push(describe_bad(&name, "valid dates", &bad, nonmissing, lines));
            }
            let mut col = Column::new(name, ColumnData::Date(days), ColumnKind::Date);
            col.bad = bad;
            flag_identifier(&mut col, nonmissing, notes);
            return (col, false);
        }
    }
    drop(parsed);

    let mut col = text_column(name, &raw, miss);
    flag_identifier(&mut col, nonmissing, notes);
    (col, false)
}

fn text_column(name: String, raw: &RawColumn, miss: &Missing) -> Column {
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut levels: Vec<String> = Vec::new();
    let codes: Vec<u32> = (0..raw.len())
        .map(|i| {
            let s = raw.get(i);
            if miss.is(s) {
                return MISSING;
            }
            *index.entry(s).or_insert_with(|| {
                levels.push(s.to_string());
                (levels.len() - 1) as u32
            })
        })
        .collect();
    Column::new(name, ColumnData::Text { codes, levels }, ColumnKind::Categorical)
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

/// Why a column looks like a direct identifier, or `None`.
///
/// - names: a header such as `name`, `surname`, `first_name`, `patient name`, `nom`, `Vorname`;
/// - record numbers: `mrn`, `ssn`, `nhs`, `id`, `patient_id`, `pid`, `record`/`chart` numbers;
/// - phone numbers: a header `phone`/`tel`/`mobile`/`fax`, or values like `+41 44 123 45 67`;
/// - e-mail addresses: values with `@` and a dot after it;
/// - full dates of birth: a date column headed `dob`, `birth...`, `Geburtsdatum`, `naissance`;
/// - near-unique text codes: more than 20 levels, at least 90 % of the cells distinct.
pub fn identifier_reason(col: &Column, nonmissing: usize) -> Option<String> {
    let l = col.name.to_lowercase();
    let tokens: Vec<&str> = l.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    let joined: String = tokens.concat();
    let has = |t: &str| tokens.contains(&t);
    let is_text = matches!(col.data, ColumnData::Text { .. });
    let levels: &[String] = match &col.data {
        ColumnData::Text { levels, .. } => levels,
        _ => &[],
    };
    let share = |f: &dyn Fn(&str) -> bool| -> bool {
        let k = levels.iter().take(1000).filter(|l| f(l)).count();
        k > 0 && k * 2 >= levels.len().min(1000)
    };
    if matches!(col.data, ColumnData::Date(_)) || col.kind == ColumnKind::Date {
        if has("dob") || l.contains("birth") || l.contains("geburt") || l.contains("naissance") || l.contains("nacimiento") || has("ddn") {
            return Some("full dates of birth".into());
        }
        return None;
    }
    if is_text && share(&|v: &str| v.split_once('@').map(|(a, b)| !a.is_empty() && b.contains('.')).unwrap_or(false)) {
        return Some("e-mail addresses".into());
    }
    if has("email") || has("mail") || l.contains("e-mail") {
        return Some("header suggests e-mail addresses".into());
    }
    let name_words = ["surname", "firstname", "lastname", "forename", "fullname", "givenname", "familyname", "patientname", "prenom", "prénom", "vorname", "nachname", "apellido", "apellidos", "nombre", "nom", "initials", "cognome"];
    if name_words.iter().any(|w| has(w) || joined == *w)
        || ((has("name") || has("names")) && (tokens.len() == 1 || ["patient", "pt", "first", "last", "given", "family", "full", "maiden"].iter().any(|w| has(w))))
    {
        return Some("header suggests personal names".into());
    }
    if ["phone", "telephone", "tel", "mobile", "fax", "telefon", "handy", "portable", "phonenumber"].iter().any(|w| has(w)) {
        return Some("header suggests phone numbers".into());
    }
    if is_text
        && share(&|v: &str| {
            let digits = v.bytes().filter(|b| b.is_ascii_digit()).count();
            (v.starts_with('+') || v.starts_with('(')) && (8..=15).contains(&digits) && v.bytes().all(|b| b.is_ascii_digit() || b" +-().".contains(&b))
        })
    {
        return Some("phone numbers".into());
    }
    let id_words = ["mrn", "ssn", "nhs", "medicalrecord", "recordnumber", "chartnumber", "hospitalnumber", "patientid", "patid", "pid", "ptid", "subjectid", "insurance", "ahv", "nir", "insee", "dossier"];
    if id_words.iter().any(|w| has(w) || joined == *w) || has("id") || (has("record") && (has("medical") || has("number") || has("no"))) {
        return Some("header suggests record or patient numbers".into());
    }
    if is_text && levels.len() > 20 && levels.len() * 10 >= nonmissing * 9 {
        return Some("nearly every row has its own value (a code or a name?)".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

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
