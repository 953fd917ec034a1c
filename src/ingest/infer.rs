//! Records → typed columns, built as the rows come: a column holds either dictionary codes
//! (text, and every column during its first rows) or `f64` values parsed as they are read (a
//! column that is mostly plain numbers); no per-cell allocation. Each column's type is then
//! decided from all its cells, with the rules below — a column read as numbers that turns out
//! to need its text is read again (see `Builder`).
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
use std::hash::{BuildHasherDefault, Hasher};

use super::dates::{self, DateText, Order};
pub use super::numbers::{decimal_prefix, fast_decimal, parse_comma, parse_dot};
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
    /// Bit `k` set when some code has `k` bytes (bit 63: 63 bytes or more).
    lens: u64,
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
        let lens = codes.iter().fold(0u64, |m, c| m | 1 << c.len().min(63));
        Missing { codes, first, lens }
    }
    /// Could these bytes be a missing code? (`false` is sure: no code starts with the first
    /// byte or has their length; `true` means "compare".)
    #[inline]
    pub fn may_be(&self, b: &[u8]) -> bool {
        match b.first() {
            None => true,
            Some(&c) => self.first[c as usize] && self.lens & (1 << b.len().min(63)) != 0,
        }
    }

    /// Is a (trimmed) cell missing?
    pub fn is(&self, s: &str) -> bool {
        match s.as_bytes().first() {
            None => true,
            Some(&b) if !self.first[b as usize] || self.lens & (1 << s.len().min(63)) == 0 => false,
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

/// Rows a column collects as text before it decides whether to keep numbers instead (see
/// [`Builder`]).
const PROBE_ROWS: usize = 256;

/// FxHash's mixing step: a fast hasher for interning short cell texts (the data is the user's
/// own file, so there is no adversary to defend against with a keyed hash).
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
        self.0 = h;
    }
    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A column as a dictionary: its distinct non-missing (trimmed) texts in order of first
/// appearance, and each cell's code ([`MISSING`] for a missing cell). Every type can be
/// inferred from it exactly (a cell's type depends on its text only), text columns keep it as
/// it is, and a column of a few levels costs four bytes a row.
#[derive(Default)]
pub struct Dict {
    index: HashMap<Box<str>, u32, BuildHasherDefault<FxHasher>>,
    levels: Vec<String>,
    codes: Vec<u32>,
}

impl Dict {
    /// Add a trimmed cell; returns whether it is not missing.
    #[inline]
    fn push(&mut self, s: &str, miss: &Missing) -> bool {
        if miss.is(s) {
            self.codes.push(MISSING);
            return false;
        }
        let code = match self.index.get(s) {
            Some(&c) => c,
            None => {
                let c = self.levels.len() as u32;
                self.index.insert(s.into(), c);
                self.levels.push(s.to_string());
                c
            }
        };
        self.codes.push(code);
        true
    }
}

/// A column read as numbers: the values (NaN for missing and unreadable cells), the
/// unreadable cells' text, and the count of non-missing cells.
#[derive(Default)]
struct NumCol {
    vals: Vec<f64>,
    bad: Vec<(usize, String)>,
    nonmissing: usize,
}

/// One column as it is read, row by row.
///
/// Every column starts as a [`Dict`] (`Probe`). After [`PROBE_ROWS`] rows (with at least one
/// filled cell), a column whose filled cells are mostly plain numbers switches to `Num`: values
/// straight to `f64`, no text kept except for the cells that are not numbers. The type is
/// still decided from all the cells at the end ([`infer_dict`]'s rules); when a `Num` column
/// ends up not numeric (more than 10 % text, or a decimal comma) the text of its number cells is
/// needed after all, and the column is read again as a `Dict` in a second pass over the file
/// (`Rescan`). This costs time only for such unusual columns; ordinary numeric columns are
/// parsed once and cost eight bytes a row, text columns four.
enum Builder {
    Probe { dict: Dict, numbers: usize, nonmissing: usize },
    Num(NumCol),
    Dict(Dict),
    /// A `Num` column with too much text: to be read again as a `Dict`.
    Rescan,
    /// Not collected (in a second pass, the columns that need no second reading).
    Skip,
}

/// A plain number: [`fast_decimal`] when it applies, else [`parse_dot`].
#[inline]
fn number(s: &str) -> Option<f64> {
    match fast_decimal(s.as_bytes()) {
        Some(x) => Some(x),
        None => parse_dot(s),
    }
}

impl Builder {
    #[inline]
    fn push(&mut self, s: &str, row: usize, miss: &Missing) {
        match self {
            Builder::Num(c) => {
                if miss.is(s) {
                    c.vals.push(f64::NAN);
                    return;
                }
                c.nonmissing += 1;
                match number(s) {
                    Some(x) => c.vals.push(x),
                    None => {
                        c.vals.push(f64::NAN);
                        c.bad.push((row, s.to_string()));
                        if c.bad.len() > 1000 && c.bad.len() * 5 > c.nonmissing {
                            *self = Builder::Rescan;
                        }
                    }
                }
            }
            Builder::Dict(d) => {
                d.push(s, miss);
            }
            Builder::Probe { dict, numbers, nonmissing } => {
                if dict.push(s, miss) {
                    *nonmissing += 1;
                    if number(s).is_some() {
                        *numbers += 1;
                    }
                }
            }
            Builder::Rescan | Builder::Skip => {}
        }
    }

    /// End of the probe: numbers (`Num`) when most filled cells are numbers, else text.
    fn decide(&mut self, numbers_allowed: bool) {
        let Builder::Probe { dict, numbers, nonmissing } = self else { return };
        if *nonmissing == 0 {
            return;
        }
        if !numbers_allowed || *numbers * 2 <= *nonmissing {
            *self = Builder::Dict(std::mem::take(dict));
            return;
        }
        let level_vals: Vec<Option<f64>> = dict.levels.iter().map(|l| number(l)).collect();
        let mut col = NumCol { vals: Vec::with_capacity(dict.codes.len()), bad: Vec::new(), nonmissing: *nonmissing };
        for (i, &c) in dict.codes.iter().enumerate() {
            if c == MISSING {
                col.vals.push(f64::NAN);
                continue;
            }
            match level_vals[c as usize] {
                Some(x) => col.vals.push(x),
                None => {
                    col.vals.push(f64::NAN);
                    col.bad.push((i, dict.levels[c as usize].clone()));
                }
            }
        }
        *self = Builder::Num(col);
    }

    /// Room for `rows` rows, when the memory is there (a failed reservation only means the
    /// vectors grow as usual).
    fn reserve(&mut self, rows: usize) {
        let _ = match self {
            Builder::Num(c) => c.vals.try_reserve(rows.saturating_sub(c.vals.len())),
            Builder::Dict(d) | Builder::Probe { dict: d, .. } => d.codes.try_reserve(rows.saturating_sub(d.codes.len())),
            Builder::Rescan | Builder::Skip => Ok(()),
        };
    }
}

/// Collects the header and the rows of a table, checking their shape as they come.
pub struct Assembler {
    headers: Vec<String>,
    header_line: u64,
    /// Columns up to the last named one (trailing unnamed, empty columns are ignored).
    named: usize,
    cols: Vec<Builder>,
    lines: Vec<u64>,
    rows: usize,
    missing: Missing,
    /// Whether columns may switch to numbers after the probe (only where the source can be
    /// read again for a rescan: text files).
    numbers: bool,
    /// Whether row lines are recorded (not in a second pass).
    record_lines: bool,
    /// The cells of the record [`Assembler::fast_row`] is reading.
    staged: Vec<Staged>,
    /// Whether the first header cell was empty (row names, as R and pandas write them).
    row_names: bool,
}

/// `base`, or `base.1`, `base.2`, ... (R's make.unique) when a header already has that name.
fn unused_name(headers: &[String], base: &str) -> String {
    if !headers.iter().any(|h| h == base) {
        return base.to_string();
    }
    (1..).map(|i| format!("{base}.{i}")).find(|n| !headers.iter().any(|h| h == n)).unwrap_or_default()
}

/// The note for a first column whose header cell was empty; says whether it holds 1..n (R's row
/// names) or 0..n-1 (pandas' index), i.e. row numbers rather than a variable.
fn row_names_note(col: &Column) -> String {
    let n = col.len();
    let seq = |start: f64| (0..n).all(|r| col.number(r) == start + r as f64);
    let numbers = if n > 0 && seq(1.0) {
        format!(" Its values are the row numbers 1 to {n}: it is not a variable, leave it out of the analysis.")
    } else if n > 0 && seq(0.0) {
        format!(" Its values are the row numbers 0 to {}: it is not a variable, leave it out of the analysis.", n - 1)
    } else {
        String::new()
    };
    format!(
        "column 1 has no name in the header row (R's write.csv and pandas' to_csv write row names that way): it is read as '{}', as R's read.csv names it (pandas: 'Unnamed: 0').{numbers}",
        col.name
    )
}

/// A cell read by [`Assembler::fast_row`]: a plain number, or a byte range of the text.
#[derive(Clone, Copy)]
enum Staged {
    Num(f64),
    Text(usize, usize),
}

impl Assembler {
    /// Check the header: every column named (trailing unnamed columns are allowed when they
    /// stay empty), no name twice. `numbers`: whether columns may be read as numbers on the fly
    /// (the caller then runs [`Assembler::rescan_columns`] and a second pass when needed).
    pub fn new(headers: Vec<String>, header_line: u64, missing: Missing, numbers: bool) -> Result<Self> {
        let mut headers: Vec<String> = headers.into_iter().map(|h| h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_string()).collect();
        let named = headers.iter().rposition(|h| !h.is_empty()).map(|i| i + 1).unwrap_or(0);
        if named == 0 {
            return Err(Error::format("the header row is empty: the first row must name the columns.").at_line(header_line));
        }
        // R's write.csv and pandas' to_csv write the row names (the index) as a first column
        // with an empty header cell: read it as R's read.csv does, named "X" (pandas: "Unnamed: 0").
        let row_names = named > 1 && headers[0].is_empty();
        if row_names {
            headers[0] = unused_name(&headers, "X");
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
        let cols = (0..named).map(|_| Builder::Probe { dict: Dict::default(), numbers: 0, nonmissing: 0 }).collect();
        Ok(Assembler { headers, header_line, named, cols, lines: Vec::new(), rows: 0, missing, numbers, record_lines: true, staged: Vec::new(), row_names })
    }

    /// Rows added so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns read.
    pub fn width(&self) -> usize {
        self.named
    }

    /// Make room for about `rows` rows in every column (a good estimate saves the copies of
    /// growing vectors, and their transient double memory, on large files).
    pub fn reserve(&mut self, rows: usize) {
        for c in &mut self.cols {
            c.reserve(rows);
        }
        if self.record_lines {
            let _ = self.lines.try_reserve(rows.saturating_sub(self.lines.len()));
        }
    }

    /// Add one row (`n` fields) that starts on file line `line`.
    #[inline]
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
        let row = self.rows;
        for (j, f) in fields.enumerate() {
            let t = trim_cell(f);
            if j < self.named {
                self.cols[j].push(t, row, &self.missing);
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
        self.end_row(line);
        Ok(())
    }

    /// Read the record starting at byte `start` of `text` (file line `line`) directly into the
    /// columns, when it is a plain one: exactly the header's number of fields, none quoted,
    /// none with spaces around its value, not all empty. Number columns take plain decimals
    /// straight from the bytes ([`decimal_prefix`]), without finding the field's end first.
    /// Returns the position of the record's terminator (or the end of the text), or `None`,
    /// having changed nothing, when the record needs the general path ([`Assembler::row`]).
    #[inline]
    pub fn fast_row(&mut self, text: &str, start: usize, line: u64, delim: u8, special: &[bool; 256]) -> Option<usize> {
        let b = text.as_bytes();
        let n = self.named;
        let mut staged = std::mem::take(&mut self.staged);
        staged.clear();
        let mut pos = start;
        let mut nonempty = false;
        let mut ok = true;
        for j in 0..n {
            if pos < b.len() && b[pos] == b'"' {
                ok = false;
                break;
            }
            let quick = match self.cols[j] {
                Builder::Num(_) => match decimal_prefix(b, pos) {
                    // 16-17 significant digits: the standard library's parser on the digits
                    // (the same call as `parse_dot`; a plain decimal has only its characters).
                    Some((x, end)) if x.is_nan() => text.get(pos..end).and_then(|t| t.parse::<f64>().ok()).filter(|x| x.is_finite()).map(|x| (x, end)),
                    q => q,
                },
                _ => None,
            };
            let end = match quick {
                Some((x, end)) if (end == b.len() || special[b[end] as usize]) && !self.missing.may_be(&b[pos..end]) => {
                    staged.push(Staged::Num(x));
                    end
                }
                _ => {
                    let end = super::scan::field_end(b, pos, delim, special);
                    if end > pos {
                        let (a, z) = (b[pos], b[end - 1]);
                        if !(a > b' ' && a < 0x80 && z > b' ' && z < 0x80) {
                            ok = false;
                            break;
                        }
                    }
                    staged.push(Staged::Text(pos, end));
                    end
                }
            };
            nonempty |= end > pos;
            let more = end < b.len() && b[end] == delim;
            if more != (j + 1 < n) {
                ok = false;
                break;
            }
            pos = if more { end + 1 } else { end };
        }
        if !ok || !nonempty {
            self.staged = staged;
            return None;
        }
        let row = self.rows;
        for (j, cell) in staged.iter().enumerate() {
            match (*cell, &mut self.cols[j]) {
                (Staged::Num(x), Builder::Num(c)) => {
                    c.vals.push(x);
                    c.nonmissing += 1;
                }
                // Only number columns stage numbers, and a column's builder does not change
                // while its row is staged.
                (Staged::Num(_), _) => {}
                (Staged::Text(a, z), col) => col.push(text.get(a..z).unwrap_or(""), row, &self.missing),
            }
        }
        self.staged = staged;
        self.end_row(line);
        Some(pos)
    }

    /// Count a row that has been added.
    #[inline]
    fn end_row(&mut self, line: u64) {
        if self.record_lines {
            self.lines.push(line);
        }
        self.rows += 1;
        if self.rows % PROBE_ROWS == 0 {
            for c in &mut self.cols {
                c.decide(self.numbers);
            }
        }
    }

    /// The columns read as numbers that cannot stay so: too much text in them, or a decimal
    /// comma (which reads `1.234` as 1234, so every cell must be read again from its text).
    pub fn rescan_columns(&self, ctx: &Context) -> Vec<usize> {
        (0..self.cols.len())
            .filter(|&j| match &self.cols[j] {
                Builder::Rescan => true,
                Builder::Num(c) => {
                    let comma = ctx.decimal_comma && c.bad.iter().any(|(_, s)| s.contains(',') && parse_comma(s).is_some());
                    comma || c.bad.len() == c.nonmissing || c.bad.len() * 10 > c.nonmissing
                }
                _ => false,
            })
            .collect()
    }

    /// An assembler for a second pass over the same rows that reads only columns `cols`, as
    /// text dictionaries.
    pub fn for_rescan(&self, cols: &[usize]) -> Assembler {
        Assembler {
            headers: self.headers.clone(),
            header_line: self.header_line,
            named: self.named,
            cols: (0..self.named).map(|j| if cols.contains(&j) { Builder::Dict(Dict::default()) } else { Builder::Skip }).collect(),
            lines: Vec::new(),
            rows: 0,
            missing: self.missing.clone(),
            numbers: false,
            record_lines: false,
            staged: Vec::new(),
            row_names: self.row_names,
        }
    }

    /// Take the columns a second pass (`for_rescan`) has read.
    pub fn take_rescanned(&mut self, other: Assembler, cols: &[usize]) {
        for (j, b) in other.cols.into_iter().enumerate() {
            if cols.contains(&j) {
                self.cols[j] = b;
            }
        }
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
        for (h, b) in self.headers.into_iter().zip(self.cols) {
            let (col, comma) = match b {
                Builder::Num(c) => infer_numbers(h, c, &self.lines, &mut col_notes)
                    .ok_or_else(|| Error::format("internal: a column read as numbers was not read again as text"))?,
                Builder::Dict(d) | Builder::Probe { dict: d, .. } => infer_dict(h, d, &self.lines, ctx, &mut col_notes),
                Builder::Rescan | Builder::Skip => {
                    return Err(Error::format("internal: a column was not read again as text"));
                }
            };
            if comma {
                comma_cols.push(col.name.clone());
            }
            columns.push(col);
        }
        if !comma_cols.is_empty() {
            notes.push(format!("decimal comma (1,5 = 1.5) in: {}", comma_cols.join(", ")));
        }
        if self.row_names {
            if let Some(first) = columns.first() {
                notes.push(row_names_note(first));
            }
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
fn infer_numbers(name: String, c: NumCol, lines: &[u64], notes: &mut Vec<String>) -> Option<(Column, bool)> {
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
/// date) and the cells take their level's reading.
fn infer_dict(name: String, dict: Dict, lines: &[u64], ctx: &Context, notes: &mut Vec<String>) -> (Column, bool) {
    let Dict { index, levels, codes } = dict;
    drop(index);
    let n = codes.len();
    let text = |i: usize| -> &str {
        match codes[i] {
            MISSING => "",
            c => &levels[c as usize],
        }
    };
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
        let mut bad = Vec::new();
        let vals: Vec<f64> = codes
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
        let (col, _) = numeric_column(name, vals, bad, nonmissing, lines, notes);
        let comma = comma && matches!(col.data, ColumnData::Numeric(_));
        return (col, comma);
    }
    drop(level_vals);

    // Dates: each level parsed once, when a cell first needs it; the scan stops as soon as
    // more than 10 % of the cells are not dates.
    let mut cache: Vec<Option<Option<DateText>>> = vec![None; levels.len()];
    let (mut dok, mut day_first, mut month_first, mut ab, mut ab_dotted) = (0usize, false, false, 0usize, 0usize);
    let mut example_ab: Option<usize> = None;
    let mut failed = 0usize;
    for (i, &c) in codes.iter().enumerate() {
        if c == MISSING {
            continue;
        }
        let p = *cache[c as usize].get_or_insert_with(|| dates::parse_date_text(&levels[c as usize]));
        match p {
            None => {
                failed += 1;
                if failed * 10 > nonmissing {
                    break; // not a date column: stop early
                }
            }
            Some(d) => {
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
        }
    }
    if dok > 0 && (nonmissing - dok) * 10 <= nonmissing {
        let example = example_ab.map(|i| text(i).to_string()).unwrap_or_default();
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
            let mut col = Column::new(name, ColumnData::Text { codes, levels }, ColumnKind::Date);
            col.identifier = identifier_reason(&col, nonmissing);
            return (col, false);
        };
        if let Some(order) = order {
            // Every non-missing level was parsed (the scan did not stop early).
            let parsed = |c: u32| cache[c as usize].flatten();
            if ab > 0 && (day_first || month_first) {
                notes.push(format!(
                    "column '{name}': dates read as {} (a value such as '{}' decides)",
                    if order == Order::Dmy { "day/month/year" } else { "month/day/year" },
                    codes
                        .iter()
                        .find_map(|&c| match (c != MISSING).then(|| parsed(c)).flatten() {
                            Some(DateText::Ab { a, b, .. }) if (order == Order::Dmy && a > 12) || (order == Order::Mdy && b > 12) => {
                                Some(levels[c as usize].as_str())
                            }
                            _ => None,
                        })
                        .unwrap_or("")
                ));
            }
            let level_days: Vec<Option<f64>> = (0..levels.len() as u32).map(|c| parsed(c).and_then(|d| d.days(order))).collect();
            let mut bad = Vec::new();
            let days: Vec<f64> = codes
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    if c == MISSING {
                        return f64::NAN;
                    }
                    level_days[c as usize].unwrap_or_else(|| {
                        bad.push((i, levels[c as usize].clone()));
                        f64::NAN
                    })
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

    let mut col = Column::new(name, ColumnData::Text { codes, levels }, ColumnKind::Categorical);
    flag_identifier(&mut col, nonmissing, notes);
    (col, false)
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
        let mut rng = crate::bench::SplitMix64(2024);
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
                    crate::bench::r_number(x, &mut out);
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
