//! Excel and OpenDocument workbooks (`.xlsx`, `.xlsb`, `.xls`, `.ods`) with calamine.
//!
//! calamine is used with its default features off: it needs no `chrono` (date cells come as
//! `ExcelDateTime`, whose `to_ymd_hms_milli` handles the 1900 and 1904 date systems and Excel's
//! fictitious 1900-02-29), and it builds for `wasm32-unknown-unknown`.
//!
//! Cells are turned into the text a user would see and go through the same [`Assembler`] and
//! inference as CSV, so a workbook and its CSV export give the same table: numbers are written
//! with the shortest text that reads back as the same `f64`, date cells as ISO dates, error
//! cells as their code (`#N/A` is missing by default, `#DIV/0!` is an unreadable cell),
//! booleans as `TRUE`/`FALSE`. Line numbers are the sheet's row numbers (the header's row
//! first), as Excel shows them.

use std::fmt::Write as _;
use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Ods, Range, Reader, Xls, Xlsb, Xlsx};

use super::infer::{Assembler, Context};
use super::ReadOptions;
use crate::error::{Error, Result};
use crate::table::{format_number, Table};

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

fn open<'a, R: Reader<Cursor<&'a [u8]>>>(bytes: &'a [u8], kind: Book, sheet: Option<&str>) -> Result<(Range<Data>, String, Vec<String>)>
where
    R::Error: std::fmt::Display,
{
    let mut wb: R = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| broken(kind, e))?;
    let names = wb.sheet_names();
    if names.is_empty() {
        return Err(Error::format("the workbook has no worksheets. Save it again with the data sheet, or export that sheet as CSV."));
    }
    let chosen = match sheet {
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
            })?,
        None => {
            // The first sheet, or the first one holding anything when the first is empty
            // (a blank cover sheet, a chart sheet).
            for n in &names {
                if let Ok(range) = wb.worksheet_range(n) {
                    if range.used_cells().next().is_some() {
                        return Ok((range, n.clone(), names.clone()));
                    }
                }
            }
            names[0].clone()
        }
    };
    let range = wb.worksheet_range(&chosen).map_err(|e| broken(kind, e))?;
    Ok((range, chosen, names))
}

fn read_inner(bytes: &[u8], kind: Book, name: &str, opts: &ReadOptions) -> Result<Table> {
    if kind == Book::Xls {
        check_compound_file(bytes).map_err(|why| broken(kind, why))?;
    }
    let sheet = opts.sheet.as_deref();
    let (range, chosen, names) = match kind {
        Book::Xlsx => open::<Xlsx<_>>(bytes, kind, sheet)?,
        Book::Xlsb => open::<Xlsb<_>>(bytes, kind, sheet)?,
        Book::Xls => open::<Xls<_>>(bytes, kind, sheet)?,
        Book::Ods => open::<Ods<_>>(bytes, kind, sheet)?,
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
    let (row0, _) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows().enumerate();
    let mut buf: Vec<String> = Vec::new();
    // Header: the first row with two or more filled cells (single-cell title rows skipped).
    let mut titles = 0;
    let mut first_single: Option<(Vec<String>, u64)> = None;
    let mut header: Option<(Vec<String>, u64)> = None;
    for (i, row) in rows.by_ref() {
        cells_text(row, &mut buf);
        let filled = buf.iter().filter(|c| !c.is_empty()).count();
        if filled == 0 {
            continue;
        }
        let line = row0 as u64 + i as u64 + 1;
        if filled >= 2 {
            header = Some((buf.clone(), line));
            break;
        }
        titles += 1;
        first_single.get_or_insert((buf.clone(), line));
        if titles >= 10 {
            break;
        }
    }
    let (header, header_line) = match (header, first_single) {
        (Some(h), _) => {
            if titles > 0 {
                notes.push(format!("skipped {titles} title row{} above the header (row {})", if titles == 1 { "" } else { "s" }, h.1));
            }
            h
        }
        (None, Some(h)) => {
            // A one-column sheet: start again after its header.
            rows = range.rows().enumerate();
            for (i, _) in rows.by_ref() {
                if row0 as u64 + i as u64 + 1 == h.1 {
                    break;
                }
            }
            h
        }
        (None, None) => return Err(Error::format(format!("the sheet '{chosen}' is empty. Choose the sheet with the data (\"sheet\" in the spec)."))),
    };
    let mut asm = Assembler::new(header, header_line)?;
    for (i, row) in rows {
        cells_text(row, &mut buf);
        if buf.iter().all(|c| c.is_empty()) {
            continue;
        }
        asm.row(buf.iter().map(String::as_str), buf.len(), row0 as u64 + i as u64 + 1)?;
    }
    let ctx = Context::new(opts, true);
    asm.finish(name, notes, &ctx)
}

/// The cells of a row as text (see the module documentation).
fn cells_text(row: &[Data], out: &mut Vec<String>) {
    out.resize(row.len(), String::new());
    for (cell, s) in row.iter().zip(out.iter_mut()) {
        s.clear();
        match cell {
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
            Data::DateTime(dt) => {
                let v = dt.as_f64();
                if dt.is_duration() || !(1.0..2_958_466.0).contains(&v) {
                    // A duration or a time of day: the number of days.
                    s.push_str(&format_number(v));
                } else {
                    let (y, m, d, ..) = dt.to_ymd_hms_milli();
                    let _ = write!(s, "{y:04}-{m:02}-{d:02}");
                }
            }
        }
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
fn check_compound_file(b: &[u8]) -> std::result::Result<(), String> {
    let shift = b.get(0x1E..0x20).map(|x| u16::from_le_bytes([x[0], x[1]])).ok_or("no header")?;
    if shift != 9 && shift != 12 {
        return Err(format!("sector size 2^{shift}"));
    }
    let size = 1usize << shift;
    let n_sectors = b.len().saturating_sub(size).div_ceil(size);
    let sector = |id: u32| -> Option<&[u8]> {
        let start = (id as usize + 1).checked_mul(size)?;
        b.get(start..(start + size).min(b.len()))
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
