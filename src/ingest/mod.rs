//! Bytes → typed columnar [`Table`]: sniff the format and encoding, parse, infer column types.

pub mod dates;

use crate::error::{Error, Result};
use crate::table::{Column, ColumnData, ColumnKind, Table, MISSING};

/// Options a spec can set for reading.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Worksheet name for workbooks.
    pub sheet: Option<String>,
    /// Cell values that mean missing; `None` = the defaults.
    pub missing: Option<Vec<String>>,
}

/// Cell texts read as missing unless the spec says otherwise.
pub const DEFAULT_MISSING: &[&str] = &["", "NA", "N/A", "n/a", "na", ".", "NULL", "null", "-", "#N/A", "NaN", "nan"];

/// Read a file's bytes into a table.
pub fn read_table(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Table> {
    read_table_inner(bytes, name, opts).map_err(|e| e.at_file(name))
}

fn read_table_inner(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Table> {
    if bytes.is_empty() {
        return Err(Error::format("the file is empty. Export the spreadsheet again (CSV or .xlsx) and drop that file."));
    }
    let (text, encoding) = decode(bytes)?;
    let mut notes = vec![format!("encoding: {encoding}")];
    let delim = sniff_delimiter(&text);
    notes.push(format!(
        "delimiter: {}",
        match delim {
            b',' => "comma",
            b';' => "semicolon",
            b'\t' => "tab",
            _ => "other",
        }
    ));
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::format(format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(Error::format("the first line (the header) is empty: the first row must name the columns."));
    }
    check_headers(&headers)?;
    let ncol = headers.len();
    let missing: Vec<String> = match &opts.missing {
        Some(m) => m.iter().map(|s| s.trim().to_string()).collect(),
        None => DEFAULT_MISSING.iter().map(|s| s.to_string()).collect(),
    };
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); ncol];
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue; // blank line
                }
                if record.len() != ncol {
                    return Err(Error::format(format!(
                        "this row has {} fields but the header has {ncol} columns. Check for an unquoted delimiter or a missing cell on that line.",
                        record.len()
                    ))
                    .at_line(line));
                }
                for (j, f) in record.iter().enumerate() {
                    let t = f.trim();
                    cells[j].push(if missing.iter().any(|m| m == t) { None } else { Some(t.to_string()) });
                }
                lines.push(line);
            }
            Err(e) => {
                let line = e.position().map(|p| p.line());
                let mut err = Error::format(format!("the file cannot be parsed as CSV: {e}"));
                if let Some(l) = line {
                    err = err.at_line(l);
                }
                return Err(err);
            }
        }
    }
    if lines.is_empty() {
        return Err(Error::format("the file has a header but no data rows."));
    }
    let columns = headers.into_iter().zip(cells).map(|(h, c)| infer_column(h, c)).collect();
    Ok(Table { name: name.to_string(), columns, lines, notes })
}

fn check_headers(headers: &[String]) -> Result<()> {
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            return Err(Error::format(format!("column {} has no name in the header row: give every column a name.", i + 1)).at_line(1));
        }
        if headers[..i].contains(h) {
            return Err(Error::format(format!("two columns are both named '{h}': rename one of them so that every column name is unique.")).at_line(1).at_column(h.clone()));
        }
    }
    Ok(())
}

/// Decode bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str)> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if had_errors && enc != encoding_rs::UTF_8 {
            return Err(Error::format(format!("the file starts with a {} byte-order mark but is not valid {}.", enc.name(), enc.name())));
        }
        return Ok((text.into_owned(), enc.name()));
    }
    if bytes.iter().take(4096).filter(|&&b| b == 0).count() > 0 {
        return Err(Error::format(
            "this is not a text table (it contains binary data). Drop a CSV/TSV export or an .xlsx workbook.",
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), "UTF-8")),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok((text.into_owned(), "windows-1252"))
        }
    }
}

/// Pick the delimiter that splits the first lines into the most consistent number of fields.
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(30).collect();
    let mut best = (b',', 0usize, false);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let first = counts.first().copied().unwrap_or(0);
        let consistent = counts.iter().all(|&c| c == first);
        if first > 0 && ((consistent && !best.2) || (consistent == best.2 && first > best.1)) {
            best = (d, first, consistent);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut inq = false;
    let mut n = 0;
    for &b in line.as_bytes() {
        if b == b'"' {
            inq = !inq;
        } else if b == d && !inq {
            n += 1;
        }
    }
    n
}

/// Infer a column's type from its cells: numbers, dates, else text.
pub fn infer_column(name: String, cells: Vec<Option<String>>) -> Column {
    let nonmissing = cells.iter().flatten().count();
    let numeric: Option<Vec<f64>> = cells
        .iter()
        .map(|c| match c {
            None => Some(f64::NAN),
            Some(s) => parse_number(s),
        })
        .collect();
    if let (Some(v), true) = (numeric, nonmissing > 0) {
        return Column { name, data: ColumnData::Numeric(v), kind: ColumnKind::Numeric };
    }
    if nonmissing > 0 {
        let parsed: Option<Vec<f64>> = cells
            .iter()
            .map(|c| match c {
                None => Some(f64::NAN),
                Some(s) => parse_iso_date(s),
            })
            .collect();
        if let Some(v) = parsed {
            return Column { name, data: ColumnData::Date(v), kind: ColumnKind::Date };
        }
    }
    let mut levels: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let codes: Vec<u32> = cells
        .into_iter()
        .map(|c| match c {
            None => MISSING,
            Some(s) => *index.entry(s.clone()).or_insert_with(|| {
                levels.push(s);
                (levels.len() - 1) as u32
            }),
        })
        .collect();
    let kind = if levels.len() > 20 && levels.len() * 10 >= nonmissing * 9 { ColumnKind::Identifier } else { ColumnKind::Categorical };
    Column { name, data: ColumnData::Text { codes, levels }, kind }
}

/// A finite number in plain or scientific notation.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("inf") || t.eq_ignore_ascii_case("infinity") || t.eq_ignore_ascii_case("nan") {
        return None;
    }
    let x: f64 = t.parse().ok()?;
    x.is_finite().then_some(x)
}

/// `YYYY-MM-DD` (optionally followed by a time, which is ignored) as days since 1970-01-01.
pub fn parse_iso_date(s: &str) -> Option<f64> {
    let t = s.trim();
    let d = t.get(..10)?;
    let b = d.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = d[..4].parse().ok()?;
    let m: u32 = d[5..7].parse().ok()?;
    let dd: u32 = d[8..10].parse().ok()?;
    dates::ymd(y, m, dd)
}
