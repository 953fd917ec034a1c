//! Bytes → typed columnar [`Table`]: sniff the format and encoding, parse, infer column types.
//!
//! The steps, in order:
//!
//! 1. **Sniff** the first bytes ([`sniff`]): an empty file, an image, a PDF, an archive or a
//!    web page is refused with what it is and what to drop instead; a ZIP holding `xl/` is an
//!    `.xlsx` (`xl/workbook.bin`: `.xlsb`), one holding `content.xml` an `.ods`; an OLE2
//!    compound file is an `.xls` (or a password-protected workbook, which is refused). The
//!    file name's extension is never trusted.
//!    A file starting and ending with `PAR1` is Apache Parquet, read column by column with the
//!    `parquet` crate ([`parquet`], the `parquet` feature) into the same rows a CSV export
//!    of it gives.
//! 2. **Workbooks** are read with calamine ([`workbook`]): first sheet unless the spec names
//!    one; numbers stay numbers, date cells become dates, error cells (`#N/A`) are text.
//! 3. **Text** is decoded ([`decode`]): UTF-8 (BOM or not), UTF-16 LE/BE (with BOM, or
//!    recognised by its zero bytes), else Windows-1252 (a superset of Latin-1's printable
//!    characters, what Excel writes for "CSV" on Western Windows).
//! 4. The **delimiter** is the one of `,` `;` tab `|` that splits the header and the first
//!    records (parsed with quotes respected) into the most consistent number (≥ 2) of fields
//!    ([`sniff_delimiter`]).
//! 5. Records are split by `scan` with the `csv` crate's rules (quotes, doubled quotes,
//!    delimiters and line breaks inside quotes, CRLF/LF/CR), without copying unquoted fields;
//!    each row keeps the file line where it starts. Blank lines are skipped; one-cell title
//!    lines above the header are skipped with a note; a row with another number of fields than
//!    the header, an unterminated quote, an unnamed or a duplicated column name is refused with
//!    its line and the fix. Plain records (no quotes, no spaces around values, the header's
//!    number of fields) go straight into the columns, numbers parsed from the bytes
//!    (`assemble::Assembler::fast_row`); the rest take the general path, with the same result
//!    (a test compares the two on random tables).
//!
//!    Memory: the columns are built as the rows come (`f64` for numeric columns, dictionary
//!    codes for text; see `assemble::Builder`), sized from the first rows' average length, so a
//!    large CSV costs its bytes plus about 8 bytes a numeric cell — no per-cell strings, no
//!    decoded copy of a UTF-8 file.
//! 6. Each column's type is **inferred** from all its cells ([`infer`]): numbers (decimal
//!    point, or decimal comma when the delimiter is not a comma), dates (ISO, d/m/y, m/d/y,
//!    d.m.y, month names; the day/month order decided per column), else text (interned
//!    levels). A numeric or date column tolerates up to 10 % unreadable cells (`unk`,
//!    `12 months`): they are kept in [`Column::bad`](crate::table::Column::bad) with their text,
//!    listed in the notes, and named again when an analysis excludes their rows. Columns that
//!    look like direct identifiers are flagged.

mod charset;
pub mod dates;
mod assemble;
mod infer;
mod numbers;
pub mod identifiers;
mod scan;
mod stream;
// Without the `workbook` feature (the browser's core build, scripts/build.sh) the calamine
// readers are left out; the page sends ZIP and OLE2 files to the build with them (www/engine.js).
#[cfg(feature = "workbook")]
mod workbook;
// Parquet (the `parquet` feature): in the CLI and the page's on-demand module, not the core one.
#[cfg(feature = "parquet")]
mod parquet;

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::spec::DateOrder;
use crate::table::Table;

pub use infer::{looks_like_date_header, Missing};
pub use stream::{StreamEnd, TextStream};

/// Options a spec can set for reading.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Worksheet name for workbooks.
    pub sheet: Option<String>,
    /// Cell values that mean missing; `None` = the defaults. Blank cells are always missing.
    pub missing: Option<Vec<String>>,
    /// How to read dates such as `03/04/2020` when no value in the column decides it.
    pub date_order: Option<DateOrder>,
}

impl ReadOptions {
    /// The reading options a spec sets (`sheet`, `missing`, `date_order`).
    pub fn from_spec(spec: &crate::spec::AnalysisSpec) -> Self {
        ReadOptions { sheet: spec.sheet.clone(), missing: spec.missing.clone(), date_order: spec.date_order }
    }
}

/// Cell texts read as missing unless the spec says otherwise (compared ignoring ASCII case and
/// surrounding whitespace; blank cells are always missing).
pub const DEFAULT_MISSING: &[&str] = &["", "NA", "N/A", "N.A.", ".", "NULL", "-", "#N/A", "NaN", "missing", "?"];

/// Read a file's bytes into a table. Never panics on any input: every problem is an [`Error`]
/// naming the file, line and column, and the fix.
pub fn read_table(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Table> {
    read_table_inner(bytes, name, opts).map_err(|e| e.at_file(name))
}

fn read_table_inner(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Table> {
    match sniff(bytes) {
        Sniffed::Empty => Err(Error::format(
            "the file is empty (0 bytes). Export the spreadsheet again (CSV or .xlsx) and drop that file.",
        )),
        Sniffed::Refuse { what, fix } => Err(Error::format(format!("this file is {what}, not a table. {fix}"))),
        #[cfg(feature = "workbook")]
        Sniffed::Workbook(kind) => workbook::read(bytes, kind, name, opts),
        #[cfg(not(feature = "workbook"))]
        Sniffed::Workbook(kind) => Err(Error::format(format!(
            "this build of the engine reads no workbooks, so the {} cannot be opened here. Export the sheet as CSV and drop that file.",
            kind.name()
        ))),
        #[cfg(feature = "parquet")]
        Sniffed::Parquet => parquet::read(bytes, name, opts),
        #[cfg(not(feature = "parquet"))]
        Sniffed::Parquet => Err(Error::format(
            "this build of the engine reads no Parquet files, so this one cannot be opened here. Export the table as CSV (DuckDB: COPY t TO 'file.csv' (HEADER)) and drop that file.",
        )),
        Sniffed::Text => read_text(bytes, name, opts),
    }
}

/// What the first bytes say a file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    Empty,
    Text,
    Workbook(Book),
    /// An Apache Parquet file (`PAR1` at both ends).
    Parquet,
    /// Not a table: what it is, and what to drop instead.
    Refuse { what: &'static str, fix: &'static str },
}

const DROP_TABLE: &str = "Drop the spreadsheet itself: a CSV/TSV export or an .xlsx/.xls/.ods workbook.";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Workbook formats, as sniffed from the magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Book {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

impl Book {
    fn name(self) -> &'static str {
        match self {
            Book::Xlsx => "Excel workbook (.xlsx)",
            Book::Xlsb => "Excel binary workbook (.xlsb)",
            Book::Xls => "Excel 97-2003 workbook (.xls)",
            Book::Ods => "OpenDocument spreadsheet (.ods)",
        }
    }
}

/// Identify a file by its magic bytes (never by its name).
pub fn sniff(b: &[u8]) -> Sniffed {
    if b.is_empty() {
        return Sniffed::Empty;
    }
    let refuse = |what, fix| Sniffed::Refuse { what, fix };
    if b.starts_with(b"PAR1") {
        return if b.len() >= 12 && b.ends_with(b"PAR1") {
            Sniffed::Parquet
        } else {
            refuse(
                "a truncated Parquet file (it starts with Parquet's mark but does not end with it)",
                "Copy or download the file again (it was cut short), or write it again, and drop that file.",
            )
        };
    }
    if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") || b.starts_with(b"PK\x07\x08") {
        return if contains(b, b"xl/workbook.bin") {
            Sniffed::Workbook(Book::Xlsb)
        } else if contains(b, b"xl/") {
            Sniffed::Workbook(Book::Xlsx)
        } else if contains(b, b"opendocument.spreadsheet") || contains(b, b"content.xml") {
            Sniffed::Workbook(Book::Ods)
        } else if contains(b, b"word/") || contains(b, b"opendocument.text") {
            refuse("a word-processor document", "Copy the table into a spreadsheet and save it as .xlsx or CSV.")
        } else if contains(b, b"ppt/") {
            refuse("a presentation", "Copy the table into a spreadsheet and save it as .xlsx or CSV.")
        } else {
            refuse("a ZIP archive (or a damaged workbook)", "Unzip it and drop the CSV or .xlsx file inside; if it is a workbook, open it in Excel and save it again.")
        };
    }
    if b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // "EncryptedPackage" in UTF-16LE: an encrypted OOXML workbook in an OLE2 wrapper.
        let enc: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        if contains(b, &enc) {
            return refuse(
                "a password-protected workbook",
                "Remove the password in Excel (File > Info > Protect Workbook > Encrypt with Password: clear it), save, and drop the file again.",
            );
        }
        return Sniffed::Workbook(Book::Xls);
    }
    let magic: &[(&[u8], &str)] = &[
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"\x1F\x8B", "a gzip-compressed file"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (b"Rar!", "a RAR archive"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"{\\rtf", "an RTF document"),
        (b"RIFF", "a media file"),
        (b"BZh", "a bzip2-compressed file"),
    ];
    for (m, what) in magic {
        if b.starts_with(m) {
            return refuse(what, DROP_TABLE);
        }
    }
    let head = String::from_utf8_lossy(&b[..b.len().min(512)]).trim_start_matches('\u{feff}').trim_start().to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<table") {
        return refuse(
            "a web page (HTML; some systems save web tables with an .xls name)",
            "Open it in Excel and save it as .xlsx or CSV, then drop that file.",
        );
    }
    if head.starts_with("<?xml") && contains(&b[..b.len().min(4096)], b"urn:schemas-microsoft-com:office:spreadsheet") {
        return refuse("an Excel 2003 XML spreadsheet", "Open it in Excel and save it as .xlsx or CSV, then drop that file.");
    }
    Sniffed::Text
}

/// Decode bytes to text: UTF-8 (with or without BOM), UTF-16 (with BOM, or recognised by the
/// zero bytes of mostly-ASCII text), else Windows-1252. Borrows when the bytes are UTF-8.
/// Returns the text and the name of the encoding. Binary data (NUL bytes in a file that is
/// not UTF-16) is refused.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str)> {
    use charset::{Bom, Utf16};
    if let Some((enc, bom)) = charset::for_bom(bytes) {
        let body = &bytes[bom..];
        let Bom::Utf16(order) = enc else {
            return Ok(match std::str::from_utf8(body) {
                Ok(s) => (Cow::Borrowed(s), "UTF-8 (with byte-order mark)"),
                Err(_) => (Cow::Owned(String::from_utf8_lossy(body).into_owned()), "UTF-8 (with byte-order mark; invalid bytes replaced by �)"),
            });
        };
        let (text, had_errors) = charset::decode_utf16(body, order);
        let enc = if order == Utf16::Le { "UTF-16LE" } else { "UTF-16BE" };
        if had_errors {
            return Err(Error::format(format!(
                "the file starts with a {enc} byte-order mark but is not valid {enc}. Save it again from the spreadsheet as \"CSV UTF-8\"."
            )));
        }
        let name = if order == Utf16::Le { "UTF-16LE (with byte-order mark)" } else { "UTF-16BE (with byte-order mark)" };
        return Ok((Cow::Owned(text), name));
    }
    // UTF-16 without BOM: ASCII text has a zero in every other byte.
    let head = &bytes[..bytes.len().min(4096)];
    if head.len() >= 4 {
        let even = head.iter().step_by(2).filter(|&&b| b == 0).count();
        let odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        let half = head.len() / 2;
        let enc = if odd * 10 >= half * 7 && even * 20 < half {
            Some((Utf16::Le, "UTF-16LE (no byte-order mark)"))
        } else if even * 10 >= half * 7 && odd * 20 < half {
            Some((Utf16::Be, "UTF-16BE (no byte-order mark)"))
        } else {
            None
        };
        if let Some((enc, name)) = enc {
            let (text, had_errors) = charset::decode_utf16(bytes, enc);
            if !had_errors {
                return Ok((Cow::Owned(text), name));
            }
        }
    }
    if head.contains(&0) {
        return Err(Error::format(format!("this is not a text table (it contains binary data). {DROP_TABLE}")));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((Cow::Borrowed(s), "UTF-8")),
        Err(_) => {
            let text = charset::decode_windows_1252(bytes);
            Ok((text, "Windows-1252 (the file is not UTF-8; read as Western European)"))
        }
    }
}

fn delimiter_name(d: u8) -> &'static str {
    match d {
        b',' => "comma",
        b';' => "semicolon",
        b'\t' => "tab",
        b'|' => "pipe",
        _ => "other",
    }
}

/// Pick the delimiter among `,` `;` tab `|` whose most common number of fields (≥ 2) over
/// the first 50 records (quotes respected) is shared by the most records; ties go to more
/// fields. A semicolon file with decimal commas splits on commas only where there are
/// decimals (not in the header), so the semicolon wins.
/// Returns `,` when nothing splits (a one-column file).
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut end = text.len().min(1 << 16);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut sample = &text[..end];
    if end < text.len() {
        if let Some(nl) = sample.rfind('\n') {
            sample = &sample[..nl];
        }
    }
    let mut best: (u8, usize, usize) = (b',', 0, 0); // delimiter, records agreeing, fields
    for d in [b',', b';', b'\t', b'|'] {
        let mut rdr = csv::ReaderBuilder::new().delimiter(d).has_headers(false).flexible(true).from_reader(sample.as_bytes());
        let mut counts: Vec<usize> = Vec::new();
        let mut rec = csv::ByteRecord::new();
        while counts.len() < 50 {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {
                    if rec.iter().any(|f| !f.trim_ascii().is_empty()) {
                        counts.push(rec.len());
                    }
                }
                _ => break,
            }
        }
        // The most common number of fields (≥ 2) and how many records have it; title lines
        // above the header count against every delimiter alike.
        let mut sorted = counts.clone();
        sorted.sort_unstable();
        let mut i = 0;
        while i < sorted.len() {
            let c = sorted[i];
            let k = sorted[i..].iter().take_while(|&&x| x == c).count();
            if c >= 2 && (k, c) > (best.1, best.2) {
                best = (d, k, c);
            }
            i += k;
        }
    }
    best.0
}

/// Excel's delimiter hint: a first line `sep=;` (written by some exports for the reader).
fn sep_hint(text: &str) -> Option<u8> {
    let first = text.lines().next()?.trim();
    let rest = first.strip_prefix("sep=").or_else(|| first.strip_prefix("SEP="))?;
    match rest.as_bytes() {
        [d] if matches!(d, b',' | b';' | b'\t' | b'|') => Some(*d),
        _ => None,
    }
}

fn unterminated_error(line: u64) -> Error {
    Error::format(
        "a quoted field that starts on this line is never closed: an opening \" without its closing \", so the rest of the file would be read as one cell. Remove the stray quote mark or close it, or save the file again from the spreadsheet.",
    )
    .at_line(line)
}

/// Read a text table (CSV, TSV, semicolon- or pipe-separated).
fn read_text(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Table> {
    read_text_with(bytes, name, opts, true)
}

/// [`read_text`]; `numbers = false` keeps every column as text until the end and reads every
/// record with the general scanner (the reference the tests compare the on-the-fly number
/// reading and the plain-record path with).
fn read_text_with(bytes: &[u8], name: &str, opts: &ReadOptions, numbers: bool) -> Result<Table> {
    let (mut text, encoding) = decode(bytes)?;
    let mut notes = vec![format!("encoding: {encoding}")];
    // Classic-Mac line ends (CR only): csv splits on CR but counts lines by LF.
    if !text.contains('\n') && text.contains('\r') {
        text = Cow::Owned(text.replace('\r', "\n"));
        notes.push("line ends: carriage returns only (classic Mac), read as line breaks".into());
    }
    if text.trim().is_empty() {
        return Err(Error::format("the file holds no text (only blank lines or spaces). Export the spreadsheet again and drop that file."));
    }
    // Binary data that survived decoding: many control characters.
    let (mut chars, mut control) = (0usize, 0usize);
    for c in text.chars().take(4096) {
        chars += 1;
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')) || c == '\u{fffd}' {
            control += 1;
        }
    }
    if control > 4 && control * 50 > chars {
        return Err(Error::format(format!("this is not a text table (it contains binary data). {DROP_TABLE}")));
    }
    let hint = sep_hint(&text);
    let delim = hint.unwrap_or_else(|| sniff_delimiter(&text));
    notes.push(format!("delimiter: {}{}", delimiter_name(delim), if hint.is_some() { " (from the file's sep= line)" } else { "" }));
    let ctx = infer::Context::new(opts, delim != b',');
    let Some(head) = find_header(&text, delim, &mut notes, true)? else {
        return Err(Error::format("the file holds no rows."));
    };
    let Head { header, header_info, queued, sc } = head;
    let mut asm = infer::Assembler::new(header.clone(), header_info.line, ctx.missing.clone(), numbers)?;
    #[cfg(not(target_arch = "wasm32"))]
    let read = feed_halves(&mut asm, &text, sc.clone(), &queued, numbers)?;
    #[cfg(target_arch = "wasm32")]
    let read = {
        feed_rows(&mut asm, &text, sc.clone(), &queued, true, numbers)?;
        true
    };
    if !read {
        asm = infer::Assembler::new(header, header_info.line, ctx.missing.clone(), numbers)?;
        feed_rows(&mut asm, &text, sc.clone(), &queued, true, numbers)?;
    }
    // Columns read as numbers that turned out to need their text: a second pass for them.
    let again = asm.rescan_columns(&ctx);
    if !again.is_empty() {
        let mut second = asm.for_rescan(&again);
        feed_rows(&mut second, &text, sc, &queued, false, true)?;
        asm.take_rescanned(second, &again);
    }
    asm.finish(name, notes, &ctx)
}

/// The header of a text table and what was read to find it.
struct Head<'a> {
    header: Vec<String>,
    header_info: scan::RecordInfo,
    /// Records read while looking for the header that are data rows (a one-column file).
    queued: Vec<(Vec<String>, scan::RecordInfo)>,
    /// The scanner, at the first data record after the header.
    sc: scan::Scanner<'a>,
}

/// Find the header of `text`: the first non-blank record with two or more filled cells;
/// single-cell lines above it (a title, a date) are skipped with a note. When no such record
/// comes within the first 10 non-blank records, the file has one column and its first record is
/// the header. `whole`: `text` is the whole file; otherwise (the start of a streamed file) `None`
/// when the text ended before the header was decided (read more first).
fn find_header<'a>(text: &'a str, delim: u8, notes: &mut Vec<String>, whole: bool) -> Result<Option<Head<'a>>> {
    let mut sc = scan::Scanner::new(text, delim);
    let (mut fields, mut scratch) = (Vec::new(), String::new());
    let mut buffered: Vec<(Vec<String>, scan::RecordInfo)> = Vec::new();
    let mut header: Option<(Vec<String>, scan::RecordInfo)> = None;
    while buffered.len() < 10 {
        let Some(info) = sc.next_record(&mut fields, &mut scratch) else { break };
        let cells: Vec<String> = fields.iter().map(|f| f.text(&text, &scratch).to_string()).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if cells.iter().filter(|f| !f.trim().is_empty()).count() >= 2 {
            header = Some((cells, info));
            break;
        }
        buffered.push((cells, info));
    }
    if header.is_none() && buffered.len() < 10 && !whole {
        return Ok(None);
    }
    let mut queued: Vec<(Vec<String>, scan::RecordInfo)> = Vec::new();
    let (header, header_info) = match header {
        Some(h) => {
            if !buffered.is_empty() {
                notes.push(format!(
                    "skipped {} title line{} above the header (line {})",
                    buffered.len(),
                    if buffered.len() == 1 { "" } else { "s" },
                    h.1.line
                ));
            }
            h
        }
        None => {
            let mut it = buffered.into_iter();
            let Some(h) = it.next() else {
                return Ok(None);
            };
            queued.extend(it);
            h
        }
    };
    Ok(Some(Head { header, header_info, queued, sc }))
}

/// Hand the data rows to the assembler: the queued records first (lines read while looking
/// for the header), then every record from the scanner's position. Blank records (all cells
/// blank) are skipped. A record cut off by the end of the file inside a quoted field is
/// refused with the line of its opening quote. `estimate`: reserve the columns' memory from
/// the first rows' average length. `fast`: plain records go straight into the columns
/// ([`assemble::Assembler::fast_row`]; the tests compare with `false`).
fn feed_rows(asm: &mut infer::Assembler, text: &str, mut sc: scan::Scanner<'_>, queued: &[(Vec<String>, scan::RecordInfo)], estimate: bool, fast: bool) -> Result<u64> {
    for (cells, info) in queued {
        let r = asm.row(cells.iter().map(String::as_str), cells.len(), info.line);
        if let Some(q) = info.unterminated {
            return Err(unterminated_error(q));
        }
        r?;
    }
    let start = sc.position();
    let (delim, special) = sc.delimiter();
    let special = *special;
    let (mut fields, mut scratch) = (Vec::with_capacity(64), String::new());
    loop {
        if estimate && asm.rows() == 1000 {
            let per_row = (sc.position() - start) as f64 / 1000.0;
            // A row takes at least one byte a column (delimiters and the line break).
            let left = text.len() - sc.position();
            let rest = ((left as f64 / per_row.max(1.0)) * 1.02) as usize + 16;
            asm.reserve(1000 + rest.min(left / asm.width().max(1)));
        }
        let Some((at, line)) = sc.next_start() else { break };
        // Plain records straight into the columns; anything else through the general path.
        if fast {
            if let Some(end) = asm.fast_row(text, at, line, delim, &special) {
                sc.finish_record(end);
                continue;
            }
        }
        let Some(info) = sc.next_record(&mut fields, &mut scratch) else { break };
        if fields.iter().all(|f| f.text(text, &scratch).trim().is_empty()) {
            continue;
        }
        let r = asm.row(fields.iter().map(|f| f.text(text, &scratch)), fields.len(), info.line);
        if let Some(q) = info.unterminated {
            return Err(unterminated_error(q));
        }
        r?;
    }
    // Every line feed of the text has been counted by now (the last `next_start` skipped the
    // trailing ones): the line the text after this one starts on.
    Ok(sc.line())
}

/// The data rows of a whole text into `asm`, as [`feed_rows`] reads them (with `fast`), where
/// `sc` stands after the header. Natively, on two or more cores, a long text is read on two
/// threads: its first rows in order (the columns' types are decided from them), then the rest in
/// two halves at once, cut at the line feed after its middle. The second half is read into a
/// [`assemble::Assembler::fork`] that is then joined, so the columns are those of reading in
/// order. The cut is a record boundary when the first half reads cleanly to it (a line feed
/// inside a quoted field leaves that half with an unclosed quote); when it does not, or on any
/// error, `Ok(false)` says "start again from a new assembler, in order" (the caller's
/// [`feed_rows`]). Where the second half alone goes wrong (an error, or a column that `join`
/// cannot tell), it is read again in order.
#[cfg(not(target_arch = "wasm32"))]
fn feed_halves(asm: &mut infer::Assembler, text: &str, sc: scan::Scanner<'_>, queued: &[(Vec<String>, scan::RecordInfo)], fast: bool) -> Result<bool> {
    let (least, first) = split_sizes();
    let start = sc.position();
    let b = text.as_bytes();
    let cut_after = |at: usize| b.get(at..).and_then(|r| r.iter().position(|&c| c == b'\n')).map(|k| at + k + 1);
    let Some(first_end) = cut_after(start + first).filter(|_| fast && text.len() - start >= least) else {
        feed_rows(asm, text, sc, queued, true, fast)?;
        return Ok(true);
    };
    let (delim, _) = sc.delimiter();
    let Ok(line) = feed_rows(asm, text, sc.ending_at(first_end), queued, false, fast) else {
        return Ok(false);
    };
    // Room for the rows to come, from the bytes a row so far.
    let rows = asm.rows().max(1);
    let left = text.len() - first_end;
    let rest = (left as f64 / ((first_end - start) as f64 / rows as f64).max(1.0) * 1.02) as usize + 16;
    asm.reserve(rows + rest.min(left / asm.width().max(1)));
    let Some(mid) = cut_after(first_end + left / 2).filter(|&m| m < text.len()) else {
        return Ok(feed_rows(asm, &text[first_end..], scan::Scanner::at_line(&text[first_end..], delim, line), &[], false, fast).is_ok());
    };
    let (one, two) = (&text[first_end..mid], &text[mid..]);
    let mut fork = asm.fork();
    // The second half counts its lines from 0: its first line is known when the first half has
    // been read.
    let (done, later) = crate::beside(
        || feed_rows(asm, one, scan::Scanner::at_line(one, delim, line), &[], false, fast),
        || feed_rows(&mut fork, two, scan::Scanner::at_line(two, delim, 0), &[], true, fast),
    );
    let Ok(at) = done else {
        #[cfg(test)]
        tests::took(2);
        return Ok(false);
    };
    if let Ok(Ok(_)) = later {
        fork.shift_lines(at);
        if asm.join(fork) {
            #[cfg(test)]
            tests::took(0);
            return Ok(true);
        }
    }
    #[cfg(test)]
    tests::took(1);
    feed_rows(asm, two, scan::Scanner::at_line(two, delim, at), &[], false, fast)?;
    Ok(true)
}

/// The least rows whose columns' types are inferred on two threads (never with one core).
#[cfg(not(target_arch = "wasm32"))]
fn infer_split_rows() -> usize {
    #[cfg(test)]
    if let Some((least, _)) = tests::SPLIT.with(|c| c.get()) {
        return least;
    }
    crate::two_cores_from(1 << 16)
}

/// The least text (bytes after the header) read on two threads, and the bytes of its first rows
/// read in order before (the probe's rows, and the rows that estimate the memory of the rest);
/// never with one core.
#[cfg(not(target_arch = "wasm32"))]
fn split_sizes() -> (usize, usize) {
    #[cfg(test)]
    if let Some(sizes) = tests::SPLIT.with(|c| c.get()) {
        return sizes;
    }
    (crate::two_cores_from(4 << 20), 1 << 18)
}

/// A finite number in plain or scientific notation with a decimal point (`12`, `-1.5`,
/// `2.5e-3`); `None` for text, `Inf` and `NaN`.
pub fn parse_number(s: &str) -> Option<f64> {
    infer::parse_dot(s.trim())
}

/// `YYYY-MM-DD` (optionally followed by a time, which is ignored) as days since 1970-01-01.
pub fn parse_iso_date(s: &str) -> Option<f64> {
    match dates::parse_date_text(s)? {
        d @ dates::DateText::Ymd(..) => d.days(dates::Order::Dmy),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// [`split_sizes`] for the tests on this thread.
        pub(super) static SPLIT: std::cell::Cell<Option<(usize, usize)>> = const { std::cell::Cell::new(None) };
        /// How often [`feed_halves`] joined the halves, read the second again in order, and
        /// started again in order.
        static TOOK: std::cell::Cell<[usize; 3]> = const { std::cell::Cell::new([0; 3]) };
    }

    pub(super) fn took(path: usize) {
        TOOK.with(|c| {
            let mut t = c.get();
            t[path] += 1;
            c.set(t);
        });
    }

    /// A whole text read on two threads (its columns then inferred on two threads too) gives the
    /// table (or the error) of reading it in order, wherever it is cut: inside a quoted line break (the first half does not end cleanly: all
    /// again in order), before the columns' types are decided, after cells that `join` cannot
    /// place (the second half again in order), on the random tables of `random_table` (quotes
    /// with delimiters and line breaks, CRLF, blank records, decimal commas, missing codes,
    /// columns that turn to text).
    #[test]
    fn halves_read_as_in_order() {
        let mut rng = crate::rng::SplitMix64(41);
        for case in 0..400 {
            let delim = if case % 3 == 0 { ';' } else { ',' };
            let mut text = random_table(&mut rng, delim);
            if case % 10 == 7 {
                text.insert_str(0, "Registry extract, 2024\n\n");
            }
            if case % 25 == 3 {
                // A record short of fields, or an unclosed quote, late in the file.
                text.push_str(if case % 2 == 0 { "1\n" } else { "\"open,2\n3,4\n" });
            }
            let mut opts = ReadOptions::default();
            if case % 4 == 1 {
                opts.missing = Some(vec!["NA".into(), "-99".into(), "unk".into()]);
            }
            SPLIT.with(|c| c.set(Some((usize::MAX, 0))));
            let in_order = read_table(text.as_bytes(), "t.csv", &opts);
            let first = (rng.next_u64() % (text.len() as u64 / 2 + 1)) as usize;
            SPLIT.with(|c| c.set(Some((0, first))));
            let halves = read_table(text.as_bytes(), "t.csv", &opts);
            SPLIT.with(|c| c.set(None));
            let show = |t: &Result<Table>| match t {
                Ok(t) => format!("{:?}{:?}{:?}", t.columns, t.lines, t.notes),
                Err(e) => e.to_string(),
            };
            assert!(show(&in_order) == show(&halves), "case {case} (first rows {first} bytes):\n{}\n{}", show(&in_order), show(&halves));
        }
        let took = TOOK.with(|c| c.get());
        assert!(took.iter().all(|&n| n >= 10), "joined, second half again, all again: {took:?}");
    }
    use crate::table::ColumnData;

    fn read(text: &str) -> Result<Table> {
        read_table(text.as_bytes(), "t.csv", &ReadOptions::default())
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n4,5;1;2\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\n\"x,y\"\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n"), b'|');
        // A title line does not decide.
        assert_eq!(sniff_delimiter("Cohort, 2024\na;b;c\n1;2;3\n4;5;6\n"), b';');
        assert_eq!(sep_hint("sep=;\r\na;b\n"), Some(b';'));
        let t = read("sep=;\na;b\n1,5;2\n").unwrap();
        assert_eq!(t.column("a").unwrap().number(0), 1.5);
    }

    #[test]
    fn quoted_line_breaks_keep_file_lines() {
        // Row 1 starts on line 2 and spans lines 2-3; row 2 starts on line 4.
        let t = read("id,note,x\r\n1,\"two\r\nlines, \"\"quoted\"\"\",5\r\n2,plain,unk\r\n3,c,7\r\n").unwrap();
        assert_eq!(t.lines, vec![2, 4, 5]);
        let note = t.column("note").unwrap();
        assert_eq!(note.text(0).unwrap(), "two\r\nlines, \"quoted\"");
        // 'unk' is 1 of 3 cells (more than 10 %): x is text.
        assert!(matches!(t.column("x").unwrap().data, ColumnData::Text { .. }));
        // A one-column file: 1 unreadable cell of 11 (≤ 10 %) keeps it numeric; the cell is
        // kept with its text and its line (13: header on line 2 after a blank line).
        let t = read("\nx\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\nunk\n").unwrap();
        let x = t.column("x").unwrap();
        assert!(matches!(x.data, ColumnData::Numeric(_)));
        assert_eq!(x.bad, vec![(10, "unk".to_string())]);
        assert_eq!(t.line(10), 13);
        assert_eq!(x.text(10).as_deref(), Some("unk"));
        assert!(!x.is_missing(10));
        assert!(t.notes.iter().any(|n| n.contains("line 13 'unk'")), "{:?}", t.notes);
    }

    /// A random table: each column draws its cells from one kind (plain numbers, numbers with
    /// some or much text, numbers then text, decimal commas late in the column, missing codes,
    /// dates, quoted text with delimiters and line breaks, exponents, 17 digits, dot-grouped
    /// thousands), sometimes switching kind after the probe rows.
    pub(crate) fn random_table(rng: &mut crate::rng::SplitMix64, delim: char) -> String {
        let rows = 200 + (rng.next_u64() % 1800) as usize;
        let ncol = 1 + (rng.next_u64() % 6) as usize;
        let mut kinds: Vec<(u64, u64, usize)> = (0..ncol).map(|_| (rng.next_u64() % 14, rng.next_u64() % 14, (rng.next_u64() % 2000) as usize)).collect();
        if ncol == 1 {
            kinds.push((0, 0, 0));
        }
        let mut out = String::new();
        let header: Vec<String> = (0..kinds.len()).map(|j| if j == 2 { "start_date".to_string() } else { format!("c{j}") }).collect();
        out.push_str(&header.join(&delim.to_string()));
        out.push_str(if rng.next_u64() % 2 == 0 { "\n" } else { "\r\n" });
        for i in 0..rows {
            let cells: Vec<String> = kinds
                .iter()
                .map(|&(k1, k2, switch)| {
                    let k = if i < switch { k1 } else { k2 };
                    let u = rng.uniform();
                    let x = rng.normal();
                    match k {
                        0 => format!("{:.3}", x * 10.0),
                        1 => if u < 0.05 { "unk".into() } else { format!("{x}") },
                        2 => if u < 0.3 { "12 months".into() } else { format!("{}", (x * 100.0).round()) },
                        3 => if u < 0.1 { "NA".into() } else if u < 0.15 { "-99".into() } else if u < 0.2 { String::new() } else { format!("{:.2}", x) },
                        4 => if u < 0.02 && delim == ';' { format!("{:.2}", x).replace('.', ",") } else { format!("{:.1}", x) },
                        5 => format!("{}", (u * 3.0) as u32 + 1).repeat(1 + (u * 10.0) as usize % 2) + if u < 0.3 { ".234" } else { "" },
                        6 => format!("20{:02}-{:02}-{:02}", 10 + (u * 10.0) as u32, 1 + (u * 12.0) as u32 % 12, 1 + (x.abs() * 9.0) as u32 % 28),
                        7 => format!("{:02}/{:02}/2021", 1 + (u * 28.0) as u32, 1 + (x.abs() * 5.0) as u32 % 12),
                        8 => ["\"A, b\"", "B", "\"C\r\nline\"", "\"d \"\"q\"\"\"", " e "][(u * 5.0) as usize % 5].into(),
                        9 => format!("{:e}", x * 1e-3),
                        10 => format!("{}", x * 1e-7 + 1.0 / 3.0),
                        11 => format!("{}", 20000 + (u * 30000.0) as u32),
                        12 => if u < 0.5 { format!("{x:.2}") } else { "a".into() },
                        _ => if u < 0.01 { "1,5".into() } else { format!(" {:.4} ", x) },
                    }
                })
                .collect();
            out.push_str(&cells.join(&delim.to_string()));
            let u = rng.uniform();
            if u < 0.02 {
                out.push(delim); // an empty field in an unnamed trailing column
            } else if u < 0.03 {
                out.push_str("\r\n");
                out.push_str(&delim.to_string().repeat(kinds.len() - 1)); // a blank record
            }
            out.push('\n');
            if rng.uniform() < 0.01 {
                out.push('\n');
            }
        }
        out
    }

    /// Reading numbers on the fly (with its second pass for columns that turn out to be text)
    /// gives exactly the table that inferring every column from its text gives.
    #[test]
    fn numbers_on_the_fly_equal_text_inference() {
        let mut rng = crate::rng::SplitMix64(9);
        for case in 0..300 {
            let delim = if case % 3 == 0 { ';' } else { ',' };
            let text = random_table(&mut rng, delim);
            let mut opts = ReadOptions::default();
            if case % 4 == 1 {
                opts.missing = Some(vec!["NA".into(), "-99".into(), "unk".into()]);
            }
            let fast = read_text_with(text.as_bytes(), "t.csv", &opts, true);
            let slow = read_text_with(text.as_bytes(), "t.csv", &opts, false);
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "case {case}:\n{}", &text[..text.len().min(2000)]);
        }
    }

    #[test]
    fn refusals() {
        let e = read("").unwrap_err();
        assert!(e.message.contains("empty"));
        let e = read("a,b\n").unwrap_err();
        assert!(e.message.contains("no data rows"), "{e}");
        let e = read("a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(e.pos.line, Some(3));
        assert!(e.message.contains("1 field"), "{e}");
        let e = read("a,b\n1,2\n3,\"x\n4,5\n").unwrap_err();
        assert_eq!(e.pos.line, Some(3));
        assert!(e.message.contains("never closed"), "{e}");
        let e = read("a,b,a\n1,2,3\n").unwrap_err();
        assert!(e.message.contains("both named 'a'"), "{e}");
        let e = read_table(b"\x89PNG\r\n\x1a\n\0\0\0", "x.csv", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with("x.csv: this file is a PNG image"), "{e}");
    }
}
