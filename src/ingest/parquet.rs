//! Parquet files with the `parquet` crate's low-level column reader (no Arrow).
//!
//! A Parquet file is a set of row groups, each holding every column as compressed pages. The
//! columns of a row group are read together in batches of [`BATCH`] rows, so memory holds one
//! batch of cells beside the table being built (never the decoded file). Each value becomes the
//! text a CSV export of the same data holds (DuckDB's `COPY ... TO 'x.csv'`), and the rows go
//! through the same [`Assembler`] and inference as CSV, so a Parquet file and its CSV export give
//! the same table (`tests/ingest_parquet.rs` compares them):
//!
//! - integers (8 to 64 bits, signed or not) and decimals as their exact decimal text; doubles
//!   with the shortest text that reads back as the same `f64`, floats as the same for `f32`;
//! - strings (and enums, JSON) as they are; booleans as `true`/`false`;
//! - `DATE` as `YYYY-MM-DD`; timestamps (milli-, micro-, nanoseconds, and Spark's legacy `INT96`)
//!   as `YYYY-MM-DD HH:MM:SS[.ffffff]`, which inference reads as dates (the time of day is
//!   dropped, as for CSV; a note says so when some value has one); `TIME` as `HH:MM:SS`;
//! - nulls as blank cells, i.e. missing. A row whose every value is null is skipped, as a blank
//!   CSV line is, with a note.
//!
//! Rows are numbered as in the CSV export: header line 1, first row line 2. Nested columns
//! (structs) are named by their path (`a.b`); repeated values (lists, maps) are refused with the
//! column's name and how to flatten them. Compression: uncompressed, snappy (DuckDB's, Spark's and
//! pandas' default), gzip, LZ4 (raw and Hadoop's) everywhere; zstd only natively (its C library
//! is not in the browser build); brotli and LZO nowhere — each refused with the column, the codec
//! and how to re-export.

use std::fmt::Write as _;

use parquet::basic::{Compression, LogicalType, TimeUnit, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{DataType, Int96};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;

use super::dates;
use super::infer::{Assembler, Context};
use super::ReadOptions;
use crate::error::{Error, Result};
use crate::table::Table;

/// Rows of every column decoded at a time.
const BATCH: usize = 8192;

fn broken(detail: impl std::fmt::Display) -> Error {
    Error::format(format!(
        "the Parquet file cannot be read: it looks damaged or truncated ({detail}). Write it again (DuckDB: COPY (SELECT * FROM t) TO 'file.parquet' (FORMAT parquet); pandas: df.to_parquet('file.parquet')), or export the table as CSV, and drop that file."
    ))
}

/// How to write a file again with snappy compression, which every build reads.
const REEXPORT: &str = "Write the file again with snappy compression — DuckDB: COPY (SELECT * FROM t) TO 'file.parquet' (FORMAT parquet, COMPRESSION snappy); pandas: df.to_parquet('file.parquet', compression='snappy'); Spark: df.write.option('compression', 'snappy').parquet(path) — or export the table as CSV, and drop that file.";

/// Whether this build decompresses `c`, and the codec's name.
fn codec(c: Compression) -> (bool, &'static str) {
    match c {
        Compression::UNCOMPRESSED => (true, "uncompressed"),
        Compression::SNAPPY => (true, "snappy"),
        Compression::GZIP(_) => (true, "gzip"),
        Compression::LZ4 => (true, "LZ4"),
        Compression::LZ4_RAW => (true, "LZ4_RAW"),
        Compression::ZSTD(_) => (cfg!(not(target_arch = "wasm32")), "zstd"),
        Compression::BROTLI(_) => (false, "brotli"),
        Compression::LZO => (false, "LZO"),
    }
}

/// How a column's values become cell text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Conv {
    Bool,
    Int { unsigned: bool },
    /// A decimal stored as an integer (INT32, INT64, or big-endian bytes) with `scale` digits
    /// after the point.
    Decimal { scale: u32 },
    Float,
    Double,
    Date,
    Time(TimeUnitKind),
    Timestamp(TimeUnitKind),
    Int96,
    Utf8,
    Uuid,
    Float16,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TimeUnitKind {
    Millis,
    Micros,
    Nanos,
}

impl TimeUnitKind {
    fn of(u: &TimeUnit) -> Self {
        match u {
            TimeUnit::MILLIS => TimeUnitKind::Millis,
            TimeUnit::MICROS => TimeUnitKind::Micros,
            TimeUnit::NANOS => TimeUnitKind::Nanos,
        }
    }
    /// Units per second.
    fn per_second(self) -> i64 {
        match self {
            TimeUnitKind::Millis => 1_000,
            TimeUnitKind::Micros => 1_000_000,
            TimeUnitKind::Nanos => 1_000_000_000,
        }
    }
}

/// The conversion for a leaf column, or the reason it cannot be read and what to do.
fn conversion(d: &ColumnDescriptor) -> std::result::Result<Conv, String> {
    let name = d.path().string();
    if d.max_rep_level() > 0 {
        return Err(format!(
            "column '{name}' holds lists (several values in one row), which a table of one value per cell cannot show. Write one value per row and column (DuckDB: UNNEST the list, or list_extract(x, 1) for its first value), or leave the column out, and drop that file."
        ));
    }
    let lt = d.logical_type_ref();
    let unsupported = |what: &str| {
        Err(format!(
            "column '{name}' holds {what}, which is not read here. Cast it to a number, date or text when writing the file (DuckDB: SELECT CAST({name} AS VARCHAR) ...), or leave the column out, and drop that file."
        ))
    };
    Ok(match (d.physical_type(), lt) {
        (PhysicalType::BOOLEAN, _) => Conv::Bool,
        (PhysicalType::INT32 | PhysicalType::INT64 | PhysicalType::FIXED_LEN_BYTE_ARRAY | PhysicalType::BYTE_ARRAY, Some(LogicalType::Decimal(t))) => {
            Conv::Decimal { scale: t.scale.max(0) as u32 }
        }
        (PhysicalType::INT32, Some(LogicalType::Date)) => Conv::Date,
        (PhysicalType::INT32 | PhysicalType::INT64, Some(LogicalType::Time(t))) => Conv::Time(TimeUnitKind::of(&t.unit)),
        (PhysicalType::INT64, Some(LogicalType::Timestamp(t))) => Conv::Timestamp(TimeUnitKind::of(&t.unit)),
        (PhysicalType::INT32 | PhysicalType::INT64, Some(LogicalType::Integer(t))) => Conv::Int { unsigned: !t.is_signed },
        (PhysicalType::INT32 | PhysicalType::INT64, None) => {
            // Files without logical types (older writers) still say UINT_*/DECIMAL/DATE/TIMESTAMP
            // in their converted type.
            use parquet::basic::ConvertedType as C;
            match d.converted_type() {
                C::UINT_8 | C::UINT_16 | C::UINT_32 | C::UINT_64 => Conv::Int { unsigned: true },
                C::DECIMAL => Conv::Decimal { scale: d.type_scale().max(0) as u32 },
                C::DATE => Conv::Date,
                C::TIMESTAMP_MILLIS => Conv::Timestamp(TimeUnitKind::Millis),
                C::TIMESTAMP_MICROS => Conv::Timestamp(TimeUnitKind::Micros),
                C::TIME_MILLIS => Conv::Time(TimeUnitKind::Millis),
                C::TIME_MICROS => Conv::Time(TimeUnitKind::Micros),
                _ => Conv::Int { unsigned: false },
            }
        }
        (PhysicalType::INT32 | PhysicalType::INT64, Some(other)) => return unsupported(&format!("integers marked {other:?}")),
        (PhysicalType::INT96, _) => Conv::Int96,
        (PhysicalType::FLOAT, _) => Conv::Float,
        (PhysicalType::DOUBLE, _) => Conv::Double,
        (PhysicalType::BYTE_ARRAY, Some(LogicalType::String | LogicalType::Enum | LogicalType::Json) | None) => Conv::Utf8,
        (PhysicalType::FIXED_LEN_BYTE_ARRAY, Some(LogicalType::Uuid)) if d.type_length() == 16 => Conv::Uuid,
        (PhysicalType::FIXED_LEN_BYTE_ARRAY, Some(LogicalType::Float16)) if d.type_length() == 2 => Conv::Float16,
        (PhysicalType::FIXED_LEN_BYTE_ARRAY, None) if d.converted_type() == parquet::basic::ConvertedType::DECIMAL => {
            Conv::Decimal { scale: d.type_scale().max(0) as u32 }
        }
        (PhysicalType::FIXED_LEN_BYTE_ARRAY, _) => return unsupported("fixed-length binary values"),
        (PhysicalType::BYTE_ARRAY, Some(other)) => return unsupported(&format!("binary values marked {other:?}")),
    })
}

/// One batch of one column's cells as text: cell `i` is `text[ends[i - 1]..ends[i]]` (blank
/// for a null).
#[derive(Default)]
struct Cells {
    text: String,
    ends: Vec<usize>,
    /// Whether some timestamp in the column has a time of day (dropped by date inference).
    had_time: bool,
}

impl Cells {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
    fn end_cell(&mut self) {
        self.ends.push(self.text.len());
    }
    fn get(&self, i: usize) -> &str {
        let a = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[a..self.ends[i]]
    }
}

/// Exact decimal text of `unscaled × 10^-scale`.
fn write_decimal(out: &mut String, unscaled: i128, scale: u32) {
    if scale == 0 {
        let _ = write!(out, "{unscaled}");
        return;
    }
    let digits = unscaled.unsigned_abs().to_string();
    let scale = scale as usize;
    if unscaled < 0 {
        out.push('-');
    }
    if digits.len() <= scale {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(&digits);
    } else {
        let (a, b) = digits.split_at(digits.len() - scale);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    }
}

/// A big-endian two's-complement integer of up to 16 bytes.
fn be_int(b: &[u8]) -> Option<i128> {
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let mut v: i128 = if b[0] & 0x80 != 0 { -1 } else { 0 };
    for &x in b {
        v = (v << 8) | x as i128;
    }
    Some(v)
}

/// `YYYY-MM-DD HH:MM:SS[.fraction]` for `t` units of `unit` since 1970-01-01 00:00 (UTC);
/// returns whether the time of day is not midnight.
fn write_timestamp(out: &mut String, t: i64, unit: TimeUnitKind) -> bool {
    let per = unit.per_second();
    let secs = t.div_euclid(per);
    let frac = t.rem_euclid(per);
    let days = secs.div_euclid(86_400);
    out.push_str(&dates::format_iso(days as f64));
    out.push(' ');
    let tod = secs.rem_euclid(86_400);
    write_time_of_day(out, tod, frac, unit);
    tod != 0 || frac != 0
}

fn write_time_of_day(out: &mut String, tod: i64, frac: i64, unit: TimeUnitKind) {
    let _ = write!(out, "{:02}:{:02}:{:02}", tod / 3600, tod / 60 % 60, tod % 60);
    if frac != 0 {
        let width = match unit {
            TimeUnitKind::Millis => 3,
            TimeUnitKind::Micros => 6,
            TimeUnitKind::Nanos => 9,
        };
        let f = format!("{frac:0width$}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
}

/// IEEE half precision to `f32`.
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let man = (h & 0x3ff) as f32;
    match exp {
        0 => sign * man * 2f32.powi(-24),
        31 => if man == 0.0 { sign * f32::INFINITY } else { f32::NAN },
        _ => sign * (1.0 + man / 1024.0) * 2f32.powi(exp - 15),
    }
}

/// A column's reader in the current row group, with its reusable buffers.
struct ColumnState {
    name: String,
    conv: Conv,
    max_def: i16,
    reader: ColumnReader,
    defs: Vec<i16>,
    cells: Cells,
}

/// Write one value of a column as text.
trait CellText {
    fn write(&self, conv: Conv, out: &mut Cells) -> std::result::Result<(), &'static str>;
}

impl CellText for bool {
    fn write(&self, _: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
        out.text.push_str(if *self { "true" } else { "false" });
        Ok(())
    }
}

fn write_int(v: i64, unsigned_bits: Option<u32>, conv: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
    let s = &mut out.text;
    match conv {
        Conv::Int { unsigned: true } => {
            let u = match unsigned_bits {
                Some(32) => v as u32 as u64,
                _ => v as u64,
            };
            let _ = write!(s, "{u}");
        }
        Conv::Decimal { scale } => write_decimal(s, v as i128, scale),
        Conv::Date => {
            let d = v as f64;
            if d.abs() > 3.6e6 {
                return Err("a date out of range");
            }
            s.push_str(&dates::format_iso(d));
        }
        Conv::Time(unit) => {
            let per = unit.per_second();
            write_time_of_day(s, v.div_euclid(per).rem_euclid(86_400), v.rem_euclid(per), unit);
        }
        Conv::Timestamp(unit) => {
            if v.div_euclid(unit.per_second()).abs() > 3.6e6 as i64 * 86_400 {
                return Err("a timestamp out of range");
            }
            out.had_time |= write_timestamp(s, v, unit);
        }
        _ => {
            let _ = write!(s, "{v}");
        }
    }
    Ok(())
}

impl CellText for i32 {
    fn write(&self, conv: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
        write_int(*self as i64, Some(32), conv, out)
    }
}

impl CellText for i64 {
    fn write(&self, conv: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
        write_int(*self, Some(64), conv, out)
    }
}

impl CellText for Int96 {
    fn write(&self, _: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
        // Julian day and nanoseconds of the day; micro-seconds keep the range of i64.
        let micros = self.to_micros();
        if micros.div_euclid(1_000_000).abs() > 3.6e6 as i64 * 86_400 {
            return Err("a timestamp out of range");
        }
        out.had_time |= write_timestamp(&mut out.text, micros, TimeUnitKind::Micros);
        Ok(())
    }
}

impl CellText for f32 {
    fn write(&self, _: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
        let _ = write!(out.text, "{self}");
        Ok(())
    }
}

impl CellText for f64 {
    fn write(&self, _: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
        let _ = write!(out.text, "{self}");
        Ok(())
    }
}

impl CellText for parquet::data_type::ByteArray {
    fn write(&self, conv: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
        bytes_text(self.data(), conv, out)
    }
}

impl CellText for parquet::data_type::FixedLenByteArray {
    fn write(&self, conv: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
        bytes_text(self.data(), conv, out)
    }
}

fn bytes_text(b: &[u8], conv: Conv, out: &mut Cells) -> std::result::Result<(), &'static str> {
    match conv {
        Conv::Decimal { scale } => write_decimal(&mut out.text, be_int(b).ok_or("a decimal wider than 16 bytes")?, scale),
        Conv::Uuid => {
            for (i, x) in b.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    out.text.push('-');
                }
                let _ = write!(out.text, "{x:02x}");
            }
        }
        Conv::Float16 if b.len() == 2 => {
            let _ = write!(out.text, "{}", f16_to_f32(u16::from_le_bytes([b[0], b[1]])));
        }
        _ => out.text.push_str(std::str::from_utf8(b).map_err(|_| "text that is not UTF-8 (binary data)")?),
    }
    Ok(())
}

/// Read up to `want` rows of a typed column into `cells` (cleared first); returns the rows read.
fn read_typed<T: DataType>(r: &mut ColumnReaderImpl<T>, want: usize, st_max_def: i16, defs: &mut Vec<i16>, conv: Conv, cells: &mut Cells) -> std::result::Result<usize, String>
where
    T::T: CellText,
{
    cells.clear();
    let mut vals: Vec<T::T> = Vec::with_capacity(want);
    defs.clear();
    let mut rows = 0;
    while rows < want {
        let (n, _, _) = r.read_records(want - rows, if st_max_def > 0 { Some(defs) } else { None }, None, &mut vals).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        rows += n;
    }
    if st_max_def == 0 {
        if vals.len() != rows {
            return Err(format!("{} values for {rows} rows", vals.len()));
        }
        for v in &vals {
            v.write(conv, cells)?;
            cells.end_cell();
        }
    } else {
        if defs.len() != rows {
            return Err(format!("{} levels for {rows} rows", defs.len()));
        }
        let mut it = vals.iter();
        for &d in defs.iter() {
            if d == st_max_def {
                let v = it.next().ok_or("fewer values than non-null rows")?;
                v.write(conv, cells)?;
            }
            cells.end_cell();
        }
    }
    Ok(rows)
}

impl ColumnState {
    /// Decode the next `want` rows; returns how many there were.
    fn next_batch(&mut self, want: usize) -> Result<usize> {
        let (conv, max_def, cells, defs) = (self.conv, self.max_def, &mut self.cells, &mut self.defs);
        let r = match &mut self.reader {
            ColumnReader::BoolColumnReader(r) => read_typed(r, want, max_def, defs, conv, cells),
            ColumnReader::Int32ColumnReader(r) => read_typed(r, want, max_def, defs, conv, cells),
            ColumnReader::Int64ColumnReader(r) => read_typed(r, want, max_def, defs, conv, cells),
            ColumnReader::Int96ColumnReader(r) => read_typed(r, want, max_def, defs, conv, cells),
            ColumnReader::FloatColumnReader(r) => read_typed(r, want, max_def, defs, conv, cells),
            ColumnReader::DoubleColumnReader(r) => read_typed(r, want, max_def, defs, conv, cells),
            ColumnReader::ByteArrayColumnReader(r) => read_typed(r, want, max_def, defs, conv, cells),
            ColumnReader::FixedLenByteArrayColumnReader(r) => read_typed(r, want, max_def, defs, conv, cells),
        };
        r.map_err(|e| {
            if e.starts_with("text that") || e.starts_with("a ") {
                Error::format(format!("column '{}' holds {e}: write it as text, a number or a date, or leave it out, and drop that file.", self.name)).at_column(self.name.clone())
            } else {
                broken(format!("column '{}': {e}", self.name)).at_column(self.name.clone())
            }
        })
    }
}

/// Read a Parquet file into a table. Never panics on any input where unwinding exists (the
/// reader is not written to be panic-free on hostile files); every problem is an [`Error`].
pub fn read(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Table> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_inner(bytes, name, opts))) {
        Ok(r) => r,
        Err(_) => Err(broken("the Parquet reader failed on it")),
    }
}

fn read_inner(bytes: &[u8], name: &str, opts: &ReadOptions) -> Result<Table> {
    let file = SerializedFileReader::new(bytes::Bytes::copy_from_slice(bytes)).map_err(|e| broken(e))?;
    let meta = file.metadata();
    let schema = meta.file_metadata().schema_descr();
    let mut headers = Vec::new();
    let mut convs = Vec::new();
    for d in schema.columns() {
        let conv = conversion(d).map_err(|m| Error::format(m).at_column(d.path().string()))?;
        headers.push(d.path().string());
        convs.push(conv);
    }
    if headers.is_empty() {
        return Err(Error::format("the Parquet file has no columns. Write it again with the table's columns and drop that file."));
    }
    let mut codecs: Vec<&str> = Vec::new();
    for rg in meta.row_groups() {
        for c in rg.columns() {
            let (ok, cname) = codec(c.compression());
            if !ok {
                let col = c.column_path().string();
                let here = if cfg!(target_arch = "wasm32") { "the page" } else { "this build" };
                return Err(Error::format(format!("column '{col}' is compressed with {cname}, which {here} cannot decompress. {REEXPORT}")).at_column(col));
            }
            if !codecs.contains(&cname) {
                codecs.push(cname);
            }
        }
    }
    let rows_total: i64 = meta.row_groups().iter().map(|g| g.num_rows()).sum();
    let mut notes = vec![format!(
        "format: Parquet ({} row group{}, {}); rows are numbered as in a CSV export (header line 1, first row line 2)",
        meta.num_row_groups(),
        if meta.num_row_groups() == 1 { "" } else { "s" },
        if codecs.is_empty() { "no data".to_string() } else { codecs.join(", ") }
    )];
    let ctx = Context::new(opts, false);
    let mut asm = Assembler::new(headers.clone(), 1, ctx.missing.clone(), true)?;
    asm.reserve(rows_total.clamp(0, 1 << 31) as usize);
    let all: Vec<usize> = (0..headers.len()).collect();
    let pass = feed(&file, &headers, &convs, &all, &mut asm)?;
    let again = asm.rescan_columns(&ctx);
    if !again.is_empty() {
        let mut second = asm.for_rescan(&again);
        feed(&file, &headers, &convs, &again, &mut second)?;
        asm.take_rescanned(second, &again);
    }
    if pass.blank > 0 {
        notes.push(format!("skipped {} row{} whose every value is null (as blank lines of a CSV are)", pass.blank, if pass.blank == 1 { "" } else { "s" }));
    }
    if !pass.timed.is_empty() {
        notes.push(format!(
            "timestamps read as dates (the time of day is dropped, as for CSV): {}",
            pass.timed.iter().map(|&j| headers[j].as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    asm.finish(name, notes, &ctx)
}

/// What one pass over the rows saw.
struct Pass {
    /// Rows whose every value is null (skipped).
    blank: usize,
    /// Timestamp columns with a time of day.
    timed: Vec<usize>,
}

/// Feed every row to `asm`, decoding only the columns `cols` (the others are blank cells, which
/// a rescan's assembler skips).
fn feed(file: &SerializedFileReader<bytes::Bytes>, headers: &[String], convs: &[Conv], cols: &[usize], asm: &mut Assembler) -> Result<Pass> {
    let schema = file.metadata().file_metadata().schema_descr();
    let width = headers.len();
    let mut pass = Pass { blank: 0, timed: Vec::new() };
    let mut row_index: u64 = 0;
    let mut cells_of: Vec<Option<ColumnState>> = (0..width).map(|_| None).collect();
    let empty = Cells::default();
    let mut blank = vec![""; 0];
    blank.resize(width, "");
    for g in 0..file.num_row_groups() {
        let group = file.get_row_group(g).map_err(broken)?;
        let n = group.metadata().num_rows().max(0) as usize;
        for &j in cols {
            let reader = group.get_column_reader(j).map_err(|e| broken(format!("column '{}': {e}", headers[j])))?;
            let old = cells_of[j].take();
            let (defs, cells) = match old {
                Some(s) => (s.defs, s.cells),
                None => (Vec::new(), Cells::default()),
            };
            cells_of[j] = Some(ColumnState { name: headers[j].clone(), conv: convs[j], max_def: schema.column(j).max_def_level(), reader, defs, cells });
        }
        let mut done = 0;
        while done < n {
            let want = BATCH.min(n - done);
            for &j in cols {
                let st = cells_of[j].as_mut().expect("reader set above");
                let got = st.next_batch(want)?;
                if got != want {
                    return Err(broken(format!("column '{}' has {} rows in row group {} of {}, not {n}", headers[j], done + got, g + 1, file.num_row_groups())));
                }
            }
            for i in 0..want {
                let line = row_index + 2;
                row_index += 1;
                let cell = |j: usize| -> &str {
                    match &cells_of[j] {
                        Some(st) if cols.contains(&j) => st.cells.get(i),
                        _ => empty.text.as_str(),
                    }
                };
                if (0..width).all(|j| cell(j).is_empty()) {
                    pass.blank += 1;
                    continue;
                }
                asm.row((0..width).map(cell), width, line)?;
            }
            done += want;
        }
        for &j in cols {
            if cells_of[j].as_ref().is_some_and(|s| s.cells.had_time) && !pass.timed.contains(&j) {
                pass.timed.push(j);
            }
        }
    }
    pass.timed.sort_unstable();
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_and_times() {
        let mut s = String::new();
        write_decimal(&mut s, -12345, 2);
        s.push(' ');
        write_decimal(&mut s, 5, 3);
        s.push(' ');
        write_decimal(&mut s, -5, 3);
        s.push(' ');
        write_decimal(&mut s, 42, 0);
        assert_eq!(s, "-123.45 0.005 -0.005 42");
        assert_eq!(be_int(&[0xff, 0xfe]), Some(-2));
        assert_eq!(be_int(&[0x01, 0x00]), Some(256));
        // 2020-03-15 10:30:00.25 UTC = 1584268200.25 s.
        let mut s = String::new();
        assert!(write_timestamp(&mut s, 1_584_268_200_250, TimeUnitKind::Millis));
        assert_eq!(s, "2020-03-15 10:30:00.25");
        let mut s = String::new();
        assert!(!write_timestamp(&mut s, -86_400_000_000, TimeUnitKind::Micros));
        assert_eq!(s, "1969-12-31 00:00:00");
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
    }
}
