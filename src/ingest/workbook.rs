//! Excel and OpenDocument workbooks (`.xlsx`, `.xlsb`, `.xls`, `.ods`) with calamine.
//!
//! calamine is used with its default features off: it needs no `chrono` (date cells come as
//! `ExcelDateTime`, whose `to_ymd_hms_milli` handles the 1900 and 1904 date systems and Excel's
//! fictitious 1900-02-29), and it builds for `wasm32-unknown-unknown`.
//!
//! `.xlsx` sheets are streamed cell by cell (calamine's `worksheet_cells_reader`), so a stray
//! value far from the table costs nothing; `.xls`, `.xlsb` and `.ods` go through calamine's
//! dense `Range` (`.xls` is bounded at 65536 × 256 cells). `.xls` compound files are checked
//! for looping sector chains first ([`check_compound_file`]).
//!
//! Cells are turned into the text a user would see and go through the same [`Assembler`] and
//! inference as CSV, so a workbook and its CSV export give the same table: numbers are written
//! with the shortest text that reads back as the same `f64`, date cells as ISO dates, error
//! cells as their code (`#N/A` is missing by default, `#DIV/0!` is an unreadable cell),
//! booleans as `TRUE`/`FALSE`. Line numbers are the sheet's row numbers (the header's row
//! first), as Excel shows them.

use std::fmt::Write as _;
use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, DataRef, Ods, Reader, Xls, Xlsb, Xlsx};

use super::infer::{Assembler, Context, Missing};
use super::{Book, ReadOptions};
use crate::error::{Error, Result};
use crate::table::{format_number, Table};

fn broken(kind: Book, detail: impl std::fmt::Display) -> Error {
    Error::format(format!(
        "the {} cannot be opened: it looks damaged or truncated ({detail}). Open it in Excel or LibreOffice and save it again, or export the sheet as CSV, and drop that file.",
        kind.name()
    ))
}

/// Read the chosen sheet of a workbook into a table.
pub fn read(bytes: &[u8], kind: Book, name: &str, opts: &ReadOptions) -> Result<Table> {
    // calamine is not written to be panic-free on hostile input; where unwinding exists
    // (natively) a panic becomes an error too.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_inner(bytes, kind, name, opts))) {
        Ok(r) => r,
        Err(_) => Err(broken(kind, "the workbook reader failed on it")),
    }
}


/// The sheet to read: the one the spec names, else the first (or, when it is empty, the first
/// sheet with a used cell, tested with `has_cells`).
fn choose_sheet(names: &[String], sheet: Option<&str>, mut has_cells: impl FnMut(&str) -> bool) -> Result<String> {
    if names.is_empty() {
        return Err(Error::format("the workbook has no worksheets. Save it again with the data sheet, or export that sheet as CSV."));
    }
    match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .or_else(|| names.iter().find(|n| n.trim().eq_ignore_ascii_case(s.trim())))
            .cloned()
            .ok_or_else(|| {
                Error::spec(format!(
                    "the workbook has no sheet named '{s}'. Its sheets are: {}. Set \"sheet\" in the spec to one of them.",
                    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                ))
            }),
        None => Ok(names.iter().find(|n| has_cells(n)).unwrap_or(&names[0]).clone()),
    }
}

/// Feed a sheet held as a calamine `Range` (`.xls`, `.xlsb`, `.ods`) to the sink.
fn read_range<'a, R: Reader<Cursor<&'a [u8]>>>(bytes: &'a [u8], kind: Book, sheet: Option<&str>, sink: &mut RowSink) -> Result<(String, Vec<String>)>
where
    R::Error: std::fmt::Display,
{
    let mut wb: R = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| broken(kind, e))?;
    let names = wb.sheet_names();
    let chosen = choose_sheet(&names, sheet, |n| wb.worksheet_range(n).map(|r| r.used_cells().next().is_some()).unwrap_or(false))?;
    let range = wb.worksheet_range(&chosen).map_err(|e| broken(kind, e))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut cells: Vec<(u32, String)> = Vec::new();
    for (i, row) in range.rows().enumerate() {
        cells.clear();
        for (j, c) in row.iter().enumerate() {
            let mut t = String::new();
            cell_text(CellRef::Owned(c), &mut t);
            if !t.is_empty() {
                cells.push((col0 + j as u32, t));
            }
        }
        if !cells.is_empty() {
            sink.row(row0 as u64 + i as u64 + 1, &mut cells)?;
        }
    }
    Ok((chosen, names))
}

/// Feed an `.xlsx` sheet to the sink cell by cell, as the XML streams (never allocating the
/// dense rectangle calamine's `worksheet_range` would: one stray cell in XFD1048576 makes
/// that 17 billion cells).
fn read_xlsx(bytes: &[u8], sheet: Option<&str>, sink: &mut RowSink) -> Result<(String, Vec<String>)> {
    let kind = Book::Xlsx;
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| broken(kind, e))?;
    let names = wb.sheet_names();
    let chosen = choose_sheet(&names, sheet, |n| match wb.worksheet_cells_reader(n) {
        Ok(mut r) => loop {
            match r.next_cell() {
                Ok(Some(c)) if !matches!(c.get_value(), DataRef::Empty) => break true,
                Ok(Some(_)) => continue,
                _ => break false,
            }
        },
        Err(_) => false,
    })?;
    let mut reader = wb.worksheet_cells_reader(&chosen).map_err(|e| broken(kind, e))?;
    let mut cells: Vec<(u32, String)> = Vec::new();
    let mut current: Option<u32> = None;
    loop {
        let cell = reader.next_cell().map_err(|e| broken(kind, e))?;
        let Some(cell) = cell else { break };
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(prev) = current {
                if !cells.is_empty() {
                    sink.row(prev as u64 + 1, &mut cells)?;
                    cells.clear();
                }
            }
            current = Some(r);
        }
        let mut t = String::new();
        cell_text(CellRef::Borrowed(cell.get_value()), &mut t);
        if !t.is_empty() {
            cells.push((c, t));
        }
    }
    if let (Some(prev), false) = (current, cells.is_empty()) {
        sink.row(prev as u64 + 1, &mut cells)?;
    }
    Ok((chosen, names))
}

fn read_inner(bytes: &[u8], kind: Book, name: &str, opts: &ReadOptions) -> Result<Table> {
    if kind == Book::Xls {
        check_compound_file(bytes).map_err(|why| broken(kind, why))?;
    }
    let sheet = opts.sheet.as_deref();
    let ctx = Context::new(opts, true);
    let mut sink = RowSink { pending: Vec::new(), titles: 0, asm: None, col0: 0, width: 0, buf: Vec::new(), missing: ctx.missing.clone() };
    let (chosen, names) = match kind {
        Book::Xlsx => read_xlsx(bytes, sheet, &mut sink)?,
        Book::Xlsb => read_range::<Xlsb<_>>(bytes, kind, sheet, &mut sink)?,
        Book::Xls => read_range::<Xls<_>>(bytes, kind, sheet, &mut sink)?,
        Book::Ods => read_range::<Ods<_>>(bytes, kind, sheet, &mut sink)?,
    };
    let mut notes = vec![format!("format: {}", kind.name())];
    notes.push(if names.len() > 1 {
        format!(
            "sheet: '{chosen}' ({} of {}: {}){}",
            if opts.sheet.is_some() {
                "chosen"
            } else if names.first() == Some(&chosen) {
                "the first"
            } else {
                "the first sheet that is not empty"
            },
            names.len(),
            names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", "),
            if opts.sheet.is_some() { "" } else { "; set \"sheet\" in the spec to read another" }
        )
    } else {
        format!("sheet: '{chosen}'")
    });
    notes.push("line numbers are the sheet's row numbers".into());
    let asm = sink.finish(&chosen, &mut notes)?;
    asm.finish(name, notes, &ctx)
}

/// Column letters of a 0-based column index (0 → A, 27 → AB).
fn column_letters(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Receives the non-empty cells of a sheet row by row, finds the header (the first row with
/// two or more filled cells; up to 10 single-cell title rows above it are skipped; a sheet
/// with no such row is a one-column table) and hands the rows to the [`Assembler`] over the
/// header's columns. A filled cell left of the header's first column is refused like one
/// right of its last (the CSV rule: every value needs a named column).
struct RowSink {
    pending: Vec<(u64, Vec<(u32, String)>)>,
    titles: usize,
    asm: Option<Assembler>,
    col0: u32,
    width: usize,
    buf: Vec<String>,
    missing: Missing,
}

impl RowSink {
    fn start(&mut self, line: u64, cells: &[(u32, String)]) -> Result<()> {
        let col0 = cells.iter().map(|c| c.0).min().unwrap_or(0);
        let last = cells.iter().map(|c| c.0).max().unwrap_or(0);
        let width = (last - col0) as usize + 1;
        let mut header = vec![String::new(); width];
        for (c, t) in cells {
            header[(c - col0) as usize] = t.clone();
        }
        self.asm = Some(Assembler::new(header, line, self.missing.clone(), false)?);
        self.col0 = col0;
        self.width = width;
        Ok(())
    }

    fn data(&mut self, line: u64, cells: &mut [(u32, String)]) -> Result<()> {
        let Some(asm) = self.asm.as_mut() else { return Ok(()) };
        if let Some((c, t)) = cells.iter().find(|c| c.0 < self.col0) {
            return Err(Error::format(format!(
                "cell {}{line} ('{t}') is left of the table, whose header starts in column {}: delete it, or name its column in the header row.",
                column_letters(*c),
                column_letters(self.col0)
            ))
            .at_line(line));
        }
        let n = cells.iter().map(|c| (c.0 - self.col0) as usize + 1).max().unwrap_or(0).max(self.width);
        self.buf.clear();
        self.buf.resize(n, String::new());
        for (c, t) in cells.iter_mut() {
            self.buf[(*c - self.col0) as usize] = std::mem::take(t);
        }
        asm.row(self.buf.iter().map(String::as_str), n, line)
    }

    /// One sheet row (`line` = its row number) with its non-empty cells.
    fn row(&mut self, line: u64, cells: &mut Vec<(u32, String)>) -> Result<()> {
        if self.asm.is_some() {
            return self.data(line, cells);
        }
        if cells.len() >= 2 {
            self.titles = self.pending.len();
            self.pending.clear();
            return self.start(line, cells);
        }
        self.pending.push((line, std::mem::take(cells)));
        if self.pending.len() >= 11 {
            self.one_column()?;
        }
        Ok(())
    }

    /// No row with two filled cells came: the first row heads a one-column table.
    fn one_column(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let mut it = pending.into_iter();
        if let Some((line, cells)) = it.next() {
            self.start(line, &cells)?;
            for (l, mut c) in it {
                self.data(l, &mut c)?;
            }
        }
        Ok(())
    }

    fn finish(mut self, sheet: &str, notes: &mut Vec<String>) -> Result<Assembler> {
        if self.asm.is_none() {
            self.one_column()?;
        }
        if self.titles > 0 {
            notes.push(format!("skipped {} title row{} above the header", self.titles, if self.titles == 1 { "" } else { "s" }));
        }
        self.asm.ok_or_else(|| Error::format(format!("the sheet '{sheet}' is empty. Choose the sheet with the data (\"sheet\" in the spec).")))
    }
}

/// A cell from either calamine reader.
enum CellRef<'a, 'b> {
    Owned(&'a Data),
    Borrowed(&'a DataRef<'b>),
}

/// A cell as text (see the module documentation).
fn cell_text(cell: CellRef<'_, '_>, s: &mut String) {
    let datetime = |dt: &calamine::ExcelDateTime, s: &mut String| {
        let v = dt.as_f64();
        if dt.is_duration() || !(1.0..2_958_466.0).contains(&v) {
            // A duration or a time of day: the number of days.
            s.push_str(&format_number(v));
        } else {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            let _ = write!(s, "{y:04}-{m:02}-{d:02}");
        }
    };
    match cell {
        CellRef::Owned(c) => match c {
            Data::Empty => {}
            Data::String(t) | Data::DateTimeIso(t) | Data::DurationIso(t) => s.push_str(t.trim()),
            Data::Float(x) => s.push_str(&format_number(*x)),
            Data::Int(i) => {
                let _ = write!(s, "{i}");
            }
            Data::Bool(b) => s.push_str(if *b { "TRUE" } else { "FALSE" }),
            Data::Error(e) => {
                let _ = write!(s, "{e}");
            }
            Data::DateTime(dt) => datetime(dt, s),
        },
        CellRef::Borrowed(c) => match c {
            DataRef::Empty => {}
            DataRef::String(t) | DataRef::DateTimeIso(t) | DataRef::DurationIso(t) => s.push_str(t.trim()),
            DataRef::SharedString(t) => s.push_str(t.trim()),
            DataRef::Float(x) => s.push_str(&format_number(*x)),
            DataRef::Int(i) => {
                let _ = write!(s, "{i}");
            }
            DataRef::Bool(b) => s.push_str(if *b { "TRUE" } else { "FALSE" }),
            DataRef::Error(e) => {
                let _ = write!(s, "{e}");
            }
            DataRef::DateTime(dt) => datetime(dt, s),
        },
    }
}


/// Sector ids at or above this are markers (end of chain, free, FAT or DIFAT sector).
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

/// Check that the sector chains of an OLE2 compound file (the container of `.xls`) are sound
/// before calamine walks them: calamine 0.38 follows a chain until it ends, so a chain that
/// loops grows without bound (out of memory), and it indexes the FAT with whatever a sector
/// says (a panic, which aborts in wasm). Here every FAT and mini-FAT entry must point inside
/// its table or be a marker, and no chain may loop (each table is a functional graph: a walk
/// with three colours finds any cycle in linear time).
///
/// Layout (MS-CFB): a 512-byte header — sector shift at 0x1E, first directory sector at
/// 0x30, first mini-FAT sector at 0x3C, first DIFAT sector at 0x44, then 109 DIFAT entries
/// from 0x4C; sector `i` starts at byte `(i + 1) × sector size`. The DIFAT lists the FAT's
/// sectors; each DIFAT sector holds `size/4 − 1` more entries and the next DIFAT sector.
/// DIFAT, FAT and mini-FAT sectors must lie wholly inside the file (calamine asserts that
/// they split into whole `u32`s) and mini sectors must be 64 bytes, as the format fixes.
fn check_compound_file(b: &[u8]) -> std::result::Result<(), String> {
    let shift = b.get(0x1E..0x20).map(|x| u16::from_le_bytes([x[0], x[1]])).ok_or("no header")?;
    if shift != 9 && shift != 12 {
        return Err(format!("sector size 2^{shift}"));
    }
    let mini_shift = b.get(0x20..0x22).map(|x| u16::from_le_bytes([x[0], x[1]])).ok_or("no header")?;
    if mini_shift != 6 {
        return Err(format!("mini sector size 2^{mini_shift}"));
    }
    let size = 1usize << shift;
    let n_sectors = b.len().saturating_sub(size).div_ceil(size);
    // A whole sector (the tables calamine reads as u32 arrays must not be cut short).
    let sector = |id: u32| -> Option<&[u8]> {
        let start = (id as usize + 1).checked_mul(size)?;
        b.get(start..start.checked_add(size)?)
    };
    // DIFAT: header entries, then the DIFAT chain (bounded by the number of sectors).
    let mut difat: Vec<u32> = (0..109).filter_map(|i| le_u32(b, 0x4C + 4 * i)).collect();
    let mut next = le_u32(b, 0x44).ok_or("no header")?;
    let mut steps = 0;
    while next < MAX_REGULAR_SECTOR {
        steps += 1;
        if steps > n_sectors {
            return Err("the DIFAT chain loops".into());
        }
        let sec = sector(next).ok_or("a DIFAT sector lies beyond the end of the file")?;
        let k = size / 4 - 1;
        difat.extend((0..k).filter_map(|i| le_u32(sec, 4 * i)));
        next = le_u32(sec, 4 * k).unwrap_or(u32::MAX);
    }
    let mut fat = Vec::new();
    for &id in difat.iter().filter(|&&id| id < MAX_REGULAR_SECTOR) {
        let sec = sector(id).ok_or("a FAT sector lies beyond the end of the file")?;
        fat.extend((0..sec.len() / 4).filter_map(|i| le_u32(sec, 4 * i)));
    }
    check_chains(&fat, "FAT")?;
    let dir_start = le_u32(b, 0x30).ok_or("no header")?;
    if dir_start < MAX_REGULAR_SECTOR && dir_start as usize >= fat.len() {
        return Err("the directory starts outside the FAT".into());
    }
    // The mini FAT is stored in a FAT chain (now known to end).
    let mut mini = Vec::new();
    let mut id = le_u32(b, 0x3C).ok_or("no header")?;
    while id < MAX_REGULAR_SECTOR {
        let sec = sector(id).ok_or("a mini-FAT sector lies beyond the end of the file")?;
        mini.extend((0..sec.len() / 4).filter_map(|i| le_u32(sec, 4 * i)));
        id = *fat.get(id as usize).ok_or("the mini FAT leaves the FAT")?;
    }
    check_chains(&mini, "mini FAT")
}

/// Every entry of a sector table is a marker or an index into the table, and no chain loops.
fn check_chains(table: &[u32], what: &str) -> std::result::Result<(), String> {
    // 0 = unvisited, 1 = on the current walk, 2 = known to end.
    let mut state = vec![0u8; table.len()];
    for start in 0..table.len() {
        let mut path = Vec::new();
        let mut i = start;
        loop {
            match state[i] {
                2 => break,
                1 => return Err(format!("a {what} chain loops")),
                _ => {}
            }
            state[i] = 1;
            path.push(i);
            let next = table[i];
            if next >= MAX_REGULAR_SECTOR {
                break;
            }
            if next as usize >= table.len() {
                return Err(format!("a {what} entry points outside the table"));
            }
            i = next as usize;
        }
        for p in path {
            state[p] = 2;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_chains;

    #[test]
    fn sector_chains() {
        const END: u32 = 0xFFFF_FFFE;
        const FREE: u32 = 0xFFFF_FFFF;
        // 0 → 1 → 2 → end, 3 free: fine.
        assert!(check_chains(&[1, 2, END, FREE], "FAT").is_ok());
        // 0 → 1 → 0: loops.
        assert!(check_chains(&[1, 0, END], "FAT").unwrap_err().contains("loops"));
        // 2 → 7 with 4 entries: outside.
        assert!(check_chains(&[END, END, 7, FREE], "FAT").unwrap_err().contains("outside"));
        // A self-loop.
        assert!(check_chains(&[END, 1], "FAT").is_err());
    }
}
