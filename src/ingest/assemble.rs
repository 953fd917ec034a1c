//! Records → columns as the rows come (see `infer` for the rules that then decide each column's
//! type): the missing-value codes, the per-column builders (a dictionary of texts, or `f64` values
//! parsed on the fly) and the [`Assembler`] that checks each row's shape against the header. Split
//! out of `infer.rs` (issue 16: one module per job — number parsing is in `numbers`, type
//! inference in `infer`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::infer::{infer_dict, infer_numbers};
use super::numbers::{decimal_prefix, fast_decimal, parse_comma, parse_dot};
use super::ReadOptions;
use crate::error::{Error, Result};
use crate::spec::DateOrder;
use crate::table::{Column, Table, MISSING};
use super::dates::Order;

/// The missing-value codes in force.
#[derive(Debug, Clone)]
pub struct Missing {
    codes: Vec<String>,
    /// Bytes (both ASCII cases) that some code starts with: a cell starting with any other
    /// byte (a digit, usually) is not missing, without comparing it to every code.
    first: [bool; 256],
    /// Bit `k` set when some code has `k` bytes (bit 63: 63 bytes or more).
    lens: u64,
    /// Some code is a plain decimal number (`-99`): only then can a cell read as a plain number
    /// be missing (a plain number has no letters, so it equals a code ignoring case only when
    /// it is that code).
    plain_number: bool,
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
        let plain_number = codes.iter().any(|c| matches!(decimal_prefix(c.as_bytes(), 0), Some((_, end)) if end == c.len()));
        Missing { codes, first, lens, plain_number }
    }

    /// Could a cell read as a plain number (the bytes `b`, all of them read by
    /// [`decimal_prefix`]) be a missing code?
    #[inline]
    pub fn may_be_number(&self, b: &[u8]) -> bool {
        self.plain_number && self.may_be(b)
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
pub(super) struct FxHasher(u64);

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

/// Levels up to which [`Dict::push`] compares a cell with each level rather than hashing it.
const FEW_LEVELS: usize = 6;

/// A column as a dictionary: its distinct non-missing (trimmed) texts in order of first
/// appearance, and each cell's code ([`MISSING`] for a missing cell). Every type can be
/// inferred from it exactly (a cell's type depends on its text only), text columns keep it as
/// it is, and a column of a few levels costs four bytes a row.
#[derive(Default)]
pub struct Dict {
    pub(super) index: HashMap<Box<str>, u32, BuildHasherDefault<FxHasher>>,
    pub(super) levels: Vec<String>,
    pub(super) codes: Vec<u32>,
}

impl Dict {
    /// Add a trimmed cell; returns whether it is not missing.
    #[inline]
    fn push(&mut self, s: &str, miss: &Missing) -> bool {
        if miss.is(s) {
            self.codes.push(MISSING);
            return false;
        }
        // A column of a few levels (a group, a flag) finds its level by comparing the texts,
        // without hashing the cell.
        let found = if self.levels.len() <= FEW_LEVELS {
            self.levels.iter().position(|l| same_text(l.as_bytes(), s.as_bytes())).map(|c| c as u32)
        } else {
            self.index.get(s).copied()
        };
        let code = match found {
            Some(c) => c,
            None => self.add_level(s),
        };
        self.codes.push(code);
        true
    }

    /// A text not seen before: its code (out of line, so that `push` inlines into the record
    /// loop).
    #[cold]
    #[inline(never)]
    fn add_level(&mut self, s: &str) -> u32 {
        let c = self.levels.len() as u32;
        self.index.insert(s.into(), c);
        self.levels.push(s.to_string());
        c
    }
}

/// `a == b`, byte by byte for short texts (a level such as `A` or `yes`: no call to `memcmp`,
/// which is what slice equality becomes in wasm).
#[inline]
fn same_text(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && if a.len() <= 16 { a.iter().zip(b).all(|(x, y)| x == y) } else { a == b }
}

/// A column read as numbers: the values (NaN for missing and unreadable cells), the
/// unreadable cells' text, and the count of non-missing cells.
#[derive(Default)]
pub(super) struct NumCol {
    pub(super) vals: Vec<f64>,
    pub(super) bad: Vec<(usize, String)>,
    pub(super) nonmissing: usize,
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
pub(super) fn number(s: &str) -> Option<f64> {
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
    /// A [`Assembler::fork`]: its probing columns are left to the assembler it joins.
    forked: bool,
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
        format!(" Its values are the row numbers 1 to {n}: it is not a variable, it is flagged as a row number and not offered as a covariate.")
    } else if n > 0 && seq(0.0) {
        format!(" Its values are the row numbers 0 to {}: it is not a variable, it is flagged as a row number and not offered as a covariate.", n - 1)
    } else {
        String::new()
    };
    format!(
        "column 1 has no name in the header row (R's write.csv and pandas' to_csv write row names that way): it is read as '{}', as R's read.csv names it (pandas: 'Unnamed: 0').{numbers}",
        col.name
    )
}

/// A cell of the record [`Assembler::fast_row`] is reading that is not a number stored at once:
/// its column and byte range.
#[derive(Clone, Copy)]
struct Staged {
    col: usize,
    start: usize,
    end: usize,
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
        Ok(Assembler { headers, header_line, named, cols, lines: Vec::new(), rows: 0, missing, numbers, record_lines: true, staged: Vec::new(), row_names, forked: false })
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
    /// straight from the bytes ([`decimal_prefix`]), without finding the field's end first, and
    /// store them at once; only the other cells are staged (as byte ranges) until the record is
    /// known to be plain. Returns the position of the record's terminator (or the end of the
    /// text), or `None`, having changed nothing (the numbers stored are taken back), when the
    /// record needs the general path ([`Assembler::row`]).
    #[inline]
    pub fn fast_row(&mut self, text: &str, start: usize, line: u64, delim: u8, special: &[bool; 256]) -> Option<usize> {
        let b = text.as_bytes();
        let n = self.named;
        let row = self.rows;
        let mut staged = std::mem::take(&mut self.staged);
        staged.clear();
        let mut pos = start;
        let mut nonempty = false;
        let mut ok = true;
        for j in 0..n {
            let mut end = usize::MAX;
            if let Builder::Num(c) = &mut self.cols[j] {
                let quick = match decimal_prefix(b, pos) {
                    // 16-17 significant digits: the standard library's parser on the digits
                    // (the same call as `parse_dot`; a plain decimal has only its characters).
                    Some((x, e)) if x.is_nan() => text.get(pos..e).and_then(|t| t.parse::<f64>().ok()).filter(|x| x.is_finite()).map(|x| (x, e)),
                    q => q,
                };
                if let Some((x, e)) = quick {
                    if (e == b.len() || special[b[e] as usize]) && !self.missing.may_be_number(&b[pos..e]) {
                        // Plain numbers are never empty, so the record is not all empty.
                        c.vals.push(x);
                        c.nonmissing += 1;
                        nonempty = true;
                        end = e;
                    }
                }
            }
            if end == usize::MAX {
                if pos < b.len() && b[pos] == b'"' {
                    ok = false;
                    break;
                }
                end = super::scan::field_end(b, pos, delim, special);
                if end > pos {
                    let (a, z) = (b[pos], b[end - 1]);
                    if !(a > b' ' && a < 0x80 && z > b' ' && z < 0x80) {
                        ok = false;
                        break;
                    }
                    nonempty = true;
                }
                staged.push(Staged { col: j, start: pos, end });
            }
            let more = end < b.len() && b[end] == delim;
            if more != (j + 1 < n) {
                ok = false;
                break;
            }
            pos = if more { end + 1 } else { end };
        }
        if !ok || !nonempty {
            // Take back the numbers stored for this record: a number column holds one value
            // per row read before it.
            for c in &mut self.cols {
                if let Builder::Num(c) = c {
                    if c.vals.len() > row {
                        c.vals.truncate(row);
                        c.nonmissing -= 1;
                    }
                }
            }
            self.staged = staged;
            return None;
        }
        for cell in &staged {
            if let Some(col) = self.cols.get_mut(cell.col) {
                col.push(text.get(cell.start..cell.end).unwrap_or(""), row, &self.missing);
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
            self.decide();
        }
    }

    /// The end of a probe's rows: each column still probing decides (out of line, so that
    /// `end_row` inlines into the record loop).
    #[cold]
    #[inline(never)]
    fn decide(&mut self) {
        if self.forked {
            return;
        }
        for c in &mut self.cols {
            c.decide(self.numbers);
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
            forked: false,
        }
    }

    /// An assembler for the records that follow those this one will read next, to be read at
    /// the same time on another thread and then appended with [`Assembler::join`]. Its columns
    /// start empty and of the same kinds: numbers, dictionaries of their own (codes that `join`
    /// maps to this one's), and columns still probing, which it never decides (this one decides
    /// them, at its own row counts).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn fork(&self) -> Assembler {
        let cols = self
            .cols
            .iter()
            .map(|b| match b {
                Builder::Probe { .. } => Builder::Probe { dict: Dict::default(), numbers: 0, nonmissing: 0 },
                Builder::Num(_) => Builder::Num(NumCol::default()),
                Builder::Dict(_) => Builder::Dict(Dict::default()),
                Builder::Rescan => Builder::Rescan,
                Builder::Skip => Builder::Skip,
            })
            .collect();
        Assembler {
            headers: Vec::new(),
            header_line: self.header_line,
            named: self.named,
            cols,
            lines: Vec::new(),
            rows: 0,
            missing: self.missing.clone(),
            numbers: self.numbers,
            record_lines: self.record_lines,
            staged: Vec::new(),
            row_names: self.row_names,
            forked: true,
        }
    }

    /// Add `n` to the file lines of the rows read (a [`Assembler::fork`] that counted its lines
    /// from 0).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn shift_lines(&mut self, n: u64) {
        self.lines.iter_mut().for_each(|l| *l += n);
    }

    /// Append the rows of `other` (a [`Assembler::fork`] of this one, which has read the records
    /// that follow this one's): afterwards this assembler is what reading all the records in
    /// order would have made. Returns `false`, having changed nothing, where that cannot be told
    /// from the two alone:
    /// - a column still probing when forked got a filled cell in `other` (in order, it would
    ///   have been decided at a row count that `other` did not know);
    /// - the cells of a number column that are not numbers reach 1,000 (in order, a column can
    ///   be sent to a second pass from there on, at a row that depends on the counts so far).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn join(&mut self, other: Assembler) -> bool {
        let fits = self.cols.len() == other.cols.len()
            && self.cols.iter().zip(&other.cols).all(|(a, b)| match (a, b) {
                (_, Builder::Probe { nonmissing, .. }) => *nonmissing == 0,
                (Builder::Num(a), Builder::Num(b)) => a.bad.len() + b.bad.len() <= 1000,
                (Builder::Rescan, Builder::Num(_)) | (Builder::Dict(_), Builder::Dict(_)) | (Builder::Rescan, Builder::Rescan) | (Builder::Skip, Builder::Skip) => true,
                _ => false,
            });
        if !fits {
            return false;
        }
        let (before, n) = (self.rows, other.rows);
        for (a, b) in self.cols.iter_mut().zip(other.cols) {
            match (a, b) {
                // Every cell of `other` missing: as the column stands in this one.
                (a, Builder::Probe { .. }) => match a {
                    Builder::Num(a) => a.vals.resize(a.vals.len() + n, f64::NAN),
                    Builder::Dict(d) | Builder::Probe { dict: d, .. } => d.codes.resize(d.codes.len() + n, MISSING),
                    Builder::Rescan | Builder::Skip => {}
                },
                (Builder::Num(a), Builder::Num(b)) => {
                    a.vals.extend_from_slice(&b.vals);
                    a.nonmissing += b.nonmissing;
                    a.bad.extend(b.bad.into_iter().map(|(r, t)| (before + r, t)));
                }
                (Builder::Dict(a), Builder::Dict(b)) => {
                    // Its new levels in their order of first appearance, after this one's: the
                    // order reading the records in turn gives.
                    let code: Vec<u32> = b
                        .levels
                        .iter()
                        .map(|l| match a.index.get(l.as_str()) {
                            Some(&c) => c,
                            None => a.add_level(l),
                        })
                        .collect();
                    a.codes.extend(b.codes.iter().map(|&c| if c == MISSING { MISSING } else { code[c as usize] }));
                }
                // A column sent to a second pass ignores the later cells.
                _ => {}
            }
        }
        self.lines.extend_from_slice(&other.lines);
        self.rows += n;
        // A column still probing here decides at the first multiple of the probe's rows, as in
        // order (the cells after it are all missing, so the decision is the same).
        if before / PROBE_ROWS != self.rows / PROBE_ROWS {
            self.decide();
        }
        true
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
        let lines = &self.lines;
        // The columns of `part` in order, with their notes.
        let infer = |part: Vec<(String, Builder)>| -> Result<(Vec<(Column, bool)>, Vec<String>)> {
            let mut notes = Vec::new();
            let cols = part
                .into_iter()
                .map(|(h, b)| match b {
                    Builder::Num(c) => infer_numbers(h, c, lines, &mut notes).ok_or_else(|| Error::internal("a column read as numbers was not read again as text")),
                    Builder::Dict(d) | Builder::Probe { dict: d, .. } => Ok(infer_dict(h, d, lines, ctx, &mut notes)),
                    Builder::Rescan | Builder::Skip => {
                        debug_assert!(false, "a column marked for a second pass reached the end of the read");
                        Err(Error::internal("a column was not read again as text"))
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((cols, notes))
        };
        #[cfg_attr(target_arch = "wasm32", allow(unused_mut))]
        let mut pairs: Vec<(String, Builder)> = self.headers.into_iter().zip(self.cols).collect();
        // Natively, a long table's columns are inferred on two cores (their identifier checks
        // sort a sample of each column), the second half of them on the other one.
        #[cfg(not(target_arch = "wasm32"))]
        let (inferred, col_notes) = if lines.len() >= super::infer_split_rows() && pairs.len() >= 2 {
            let second = pairs.split_off(pairs.len() / 2);
            let (a, b) = crate::beside(|| infer(pairs), || infer(second));
            let ((mut cols, mut notes), (more, more_notes)) = (a?, b.unwrap_or_else(|e| std::panic::resume_unwind(e))?);
            cols.extend(more);
            notes.extend(more_notes);
            (cols, notes)
        } else {
            infer(pairs)?
        };
        #[cfg(target_arch = "wasm32")]
        let (inferred, col_notes) = infer(pairs)?;
        let mut comma_cols = Vec::new();
        let mut columns = Vec::with_capacity(self.named);
        for (col, comma) in inferred {
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

pub(super) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}
