//! Reading a text table as it streams in (the page's `file.stream()` chunks), never holding the
//! whole file: the table is built as the chunks come, and only the bytes after the last complete
//! record wait for the next chunk.
//!
//! The result is the table [`super::read_table`] gives for the whole file (the tests compare the
//! two on random tables cut into random chunks):
//!
//! - **Head.** The first 64 KiB (and up to the first record boundary after them) decide what
//!   [`super::read_text_with`] decides from the start of the file: the format (a workbook,
//!   Parquet, UTF-16 or anything not plain UTF-8 is read whole instead, see below), the delimiter
//!   (sniffed from the first 64 KiB, as for the whole file), the header and any title lines.
//! - **Record boundaries.** A line feed ends a record unless it is inside a quoted field; a small
//!   state machine with the scanner's rules ([`super::scan`]: a quote opens a field only at its
//!   start, `""` inside quotes is a quote, text after the closing quote runs to the delimiter)
//!   follows every byte, so a chunk is cut exactly where the scanner would end a record. The
//!   complete records go through the same [`super::feed_rows`] as a whole file, with their file
//!   lines.
//! - **Second pass.** A column read as numbers that turns out to need its text (more than 10 %
//!   text, or a decimal comma) is read again in a second pass, as for a whole file: [`TextStream::end`]
//!   says [`StreamEnd::Again`] and the caller streams the file once more.
//! - **Read whole.** Files that cannot be cut into records as they come — workbooks, Parquet
//!   (read by column chunks from its footer), UTF-16, Windows-1252 (not UTF-8), classic-Mac line
//!   ends, tiny files — are collected into one buffer of the file's size and read as before. A
//!   file whose bytes stop being UTF-8 after the head makes `end` say [`StreamEnd::Restart`]: the
//!   caller streams it again, read whole (Windows-1252 applies to the whole file).

use super::infer::{Assembler, Context};
use super::scan::Scanner;
use super::{feed_rows, find_header, sep_hint, sniff, sniff_delimiter, ReadOptions, Sniffed};
use crate::error::{Error, Result};
use crate::table::Table;

/// Bytes of the head that decide the format, delimiter and header (the delimiter is sniffed from
/// the first 64 KiB of a whole file: the head must be longer than that).
const HEAD: usize = 1 << 16;

/// Where the record-boundary state machine stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Split {
    /// At the start of a field.
    FieldStart,
    /// Inside an unquoted field (or the text after a closing quote).
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field (closing it, or the first of `""`).
    QuoteInQuoted,
}

/// What [`TextStream::end`] gives.
#[derive(Debug)]
pub enum StreamEnd {
    Table(Table),
    /// Stream the file once more (a column to read again as text: a second pass).
    Again,
    /// Stream the file once more, to be read whole (it is not UTF-8 after all).
    Restart,
}

/// A text table being read chunk by chunk; see the module's documentation.
pub struct TextStream {
    name: String,
    opts: ReadOptions,
    total: usize,
    head: usize,
    /// The bytes waiting are `buf[..len]`. `buf` itself keeps its length (the most bytes it has
    /// held): room made for the next batch ([`TextStream::spare`]) is not filled with zeros
    /// again each time (4 MiB a batch, the whole file's size in all).
    buf: Vec<u8>,
    len: usize,
    /// No byte of `buf[..scanned]` is above 0x7F: those bytes are UTF-8 without checking.
    ascii: bool,
    /// Bytes of `buf` that the boundary machine has seen, its state there, and the end of the
    /// last complete record among them.
    scanned: usize,
    split: Split,
    cut: usize,
    mode: Mode,
    /// After a first pass that left columns to read again: that pass's rows and the columns.
    first: Option<(Rows, Vec<usize>)>,
    /// Read whole in every pass from now on.
    whole: bool,
    /// Where the room made by [`TextStream::spare`] starts in `buf` and its size, until it is
    /// committed.
    spare: Option<(usize, usize)>,
}

enum Mode {
    Head,
    Rows(Rows),
    Whole,
    /// Bytes that are not UTF-8 came after the head: the rest of this pass is ignored.
    Restart,
}

struct Rows {
    delim: u8,
    ctx: Context,
    notes: Vec<String>,
    asm: Assembler,
    /// File line of `buf[0]`.
    line: u64,
    /// Bytes of the file consumed (for the memory estimate).
    consumed: usize,
    reserved: bool,
}

impl TextStream {
    /// A stream for file `name` of `total` bytes, read with `opts`.
    pub fn new(name: &str, total: usize, opts: ReadOptions) -> Self {
        Self::with_head(name, total, opts, HEAD)
    }

    /// As [`TextStream::new`] with another head size (the tests use small heads).
    pub fn with_head(name: &str, total: usize, opts: ReadOptions, head: usize) -> Self {
        TextStream {
            name: name.to_string(),
            opts,
            total,
            head: head.max(16),
            buf: Vec::new(),
            len: 0,
            ascii: true,
            scanned: 0,
            split: Split::FieldStart,
            cut: 0,
            mode: Mode::Head,
            first: None,
            whole: false,
            spare: None,
        }
    }

    /// The reading options.
    pub fn options(&self) -> &ReadOptions {
        &self.opts
    }

    /// Bytes held now (the waiting part of the file; the whole file when read whole).
    pub fn held(&self) -> usize {
        self.buf.capacity()
    }

    /// The next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.drop_spare();
        if matches!(self.mode, Mode::Restart) {
            return Ok(());
        }
        self.room(chunk.len()).copy_from_slice(chunk);
        self.len += chunk.len();
        self.added().map_err(|e| e.at_file(&self.name))
    }

    /// Room for the next `n` bytes of the file, right after the bytes still waiting: the page
    /// writes the file's next bytes there (straight into wasm memory, in batches of a megabyte
    /// or more) and then calls [`TextStream::commit`] with how many it wrote. So each byte of the
    /// file is copied into the engine once, and only the bytes after the last record move.
    pub fn spare(&mut self, n: usize) -> &mut [u8] {
        self.drop_spare();
        self.spare = Some((self.len, n));
        self.room(n)
    }

    /// `buf[len..len + n]`, for the next `n` bytes of the file (zeros only where `buf` never
    /// reached before).
    fn room(&mut self, n: usize) -> &mut [u8] {
        let (len, end) = (self.len, self.len + n);
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        &mut self.buf[len..end]
    }

    /// The bytes waiting.
    fn data(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The first `written` bytes of the room [`TextStream::spare`] gave are the file's next bytes.
    pub fn commit(&mut self, written: usize) -> Result<()> {
        let Some((len, n)) = self.spare.take() else {
            return Err(Error::internal("a streamed chunk was committed without room made for it").at_file(&self.name));
        };
        self.len = len + written.min(n);
        if matches!(self.mode, Mode::Restart) {
            self.len = 0;
            return Ok(());
        }
        self.added().map_err(|e| e.at_file(&self.name))
    }

    /// Bytes were added at the end of `buf`: read what can be read.
    fn added(&mut self) -> Result<()> {
        match self.mode {
            Mode::Restart | Mode::Whole => return Ok(()),
            Mode::Head | Mode::Rows(_) => {}
        }
        if matches!(self.mode, Mode::Head) {
            if self.len > self.head + 8 {
                self.start(false)?;
            }
            return Ok(());
        }
        self.rows(false)
    }

    /// The end of the file (of this pass).
    pub fn end(&mut self) -> Result<StreamEnd> {
        let r = self.end_inner();
        if r.is_err() {
            self.buf = Vec::new();
            self.len = 0;
        }
        r.map_err(|e| e.at_file(&self.name))
    }

    /// Room made by [`TextStream::spare`] and not committed holds no bytes of the file.
    fn drop_spare(&mut self) {
        if let Some((len, _)) = self.spare.take() {
            self.len = len;
        }
    }

    fn end_inner(&mut self) -> Result<StreamEnd> {
        self.drop_spare();
        if matches!(self.mode, Mode::Head) {
            self.start(true)?;
        }
        match std::mem::replace(&mut self.mode, Mode::Head) {
            Mode::Restart => {
                self.reset_pass();
                self.whole = true;
                self.first = None;
                self.mode = Mode::Whole;
                self.buf = Vec::new();
                self.len = 0;
                let _ = self.buf.try_reserve_exact(self.total);
                Ok(StreamEnd::Restart)
            }
            Mode::Whole => {
                let mut bytes = std::mem::take(&mut self.buf);
                bytes.truncate(std::mem::take(&mut self.len));
                let t = super::read_table_inner(&bytes, &self.name, &self.opts)?;
                Ok(StreamEnd::Table(t))
            }
            Mode::Head => Err(Error::internal("a streamed file ended before its head was read")),
            Mode::Rows(r) => {
                self.mode = Mode::Rows(r);
                self.rows(true)?;
                let Mode::Rows(rows) = std::mem::replace(&mut self.mode, Mode::Head) else { unreachable!() };
                self.reset_pass();
                match self.first.take() {
                    None => {
                        let again = rows.asm.rescan_columns(&rows.ctx);
                        if again.is_empty() {
                            return Ok(StreamEnd::Table(rows.asm.finish(&self.name, rows.notes, &rows.ctx)?));
                        }
                        self.first = Some((rows, again));
                        Ok(StreamEnd::Again)
                    }
                    Some((mut main, cols)) => {
                        main.asm.take_rescanned(rows.asm, &cols);
                        Ok(StreamEnd::Table(main.asm.finish(&self.name, main.notes, &main.ctx)?))
                    }
                }
            }
        }
    }

    /// Ready for the next pass over the file.
    fn reset_pass(&mut self) {
        self.buf = Vec::new();
        self.len = 0;
        self.ascii = true;
        self.spare = None;
        self.scanned = 0;
        self.split = Split::FieldStart;
        self.cut = 0;
        self.mode = if self.whole { Mode::Whole } else { Mode::Head };
    }

    /// Read the whole file into one buffer from now on (this pass's bytes so far are in `buf`).
    fn go_whole(&mut self) {
        self.whole = true;
        self.buf.truncate(self.len);
        let _ = self.buf.try_reserve_exact(self.total.saturating_sub(self.len));
        self.mode = Mode::Whole;
    }

    /// Follow the boundary machine over the bytes not yet seen.
    fn scan_boundaries(&mut self, delim: u8) {
        let b = &self.buf[..self.len];
        // Fast path: outside quotes, new bytes without a quote only move the last boundary to
        // their last line feed (the state after them is "field start" after a delimiter or line
        // break, else "unquoted", which differ only for a quote that comes later).
        let new = &b[self.scanned.min(b.len())..];
        let (quote, high) = quote_and_high(new);
        self.ascii &= !high;
        if matches!(self.split, Split::FieldStart | Split::Unquoted) && !quote {
            if let Some(k) = new.iter().rposition(|&c| c == b'\n') {
                self.cut = self.scanned + k + 1;
            }
            if let Some(&last) = new.last() {
                self.split = if last == b'\n' || last == b'\r' || last == delim { Split::FieldStart } else { Split::Unquoted };
            }
            self.scanned = b.len();
            return;
        }
        let mut st = self.split;
        let mut cut = self.cut;
        for (i, &c) in b.iter().enumerate().skip(self.scanned) {
            st = match (st, c) {
                (Split::Quoted, b'"') => Split::QuoteInQuoted,
                (Split::Quoted, _) => Split::Quoted,
                (Split::QuoteInQuoted, b'"') => Split::Quoted,
                (Split::FieldStart, b'"') => Split::Quoted,
                (_, b'\n') => {
                    cut = i + 1;
                    Split::FieldStart
                }
                (_, b'\r') => Split::FieldStart,
                (_, c) if c == delim => Split::FieldStart,
                _ => Split::Unquoted,
            };
        }
        self.scanned = b.len();
        self.split = st;
        self.cut = cut;
    }

    /// Drop the first `n` bytes of `buf` (read).
    fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.len, 0);
        self.len -= n;
        self.scanned -= n;
        self.cut -= n;
        // What is left (the start of a record, usually) decides the mark again.
        self.ascii = self.buf[..self.scanned].is_ascii();
    }

    /// Decide from the head how to read the file; start reading rows when it streams.
    fn start(&mut self, at_end: bool) -> Result<()> {
        // What is not a plain UTF-8 text table is read whole.
        if at_end || self.data().contains(&0) || !matches!(sniff(self.data()), Sniffed::Text) {
            self.go_whole();
            return Ok(());
        }
        let bom = if self.data().starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        if self.data().starts_with(b"\xFF\xFE") || self.data().starts_with(b"\xFE\xFF") {
            self.go_whole();
            return Ok(());
        }
        let valid = match std::str::from_utf8(&self.data()[bom..]) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                self.go_whole();
                return Ok(());
            }
        };
        let Ok(prefix) = std::str::from_utf8(&self.buf[bom..bom + valid]) else {
            self.go_whole();
            return Ok(());
        };
        if !prefix.contains('\n') || looks_binary(prefix) {
            self.go_whole();
            return Ok(());
        }
        let hint = sep_hint(prefix);
        let delim = hint.unwrap_or_else(|| sniff_delimiter(prefix));
        self.scan_boundaries(delim);
        // The delimiter is sniffed from the first 64 KiB: the text must reach past them, as it
        // does in a whole file longer than that.
        if self.cut <= bom + HEAD.min(self.head) {
            return Ok(());
        }
        let cut = self.cut;
        let Ok(text) = std::str::from_utf8(&self.buf[bom..cut]) else {
            self.go_whole();
            return Ok(());
        };
        let encoding = if bom > 0 { "UTF-8 (with byte-order mark)" } else { "UTF-8" };
        let mut notes = vec![format!("encoding: {encoding}")];
        notes.push(format!("delimiter: {}{}", super::delimiter_name(delim), if hint.is_some() { " (from the file's sep= line)" } else { "" }));
        let ctx = Context::new(&self.opts, delim != b',');
        let Some(head) = find_header(text, delim, &mut notes, false)? else {
            return Ok(()); // the header is not decided yet: more bytes first
        };
        let mut asm = match &self.first {
            Some((main, cols)) => main.asm.for_rescan(cols),
            None => Assembler::new(head.header, head.header_info.line, ctx.missing.clone(), true)?,
        };
        let line = feed_rows(&mut asm, text, head.sc, &head.queued, false, true)?;
        debug_assert_eq!(line, 1 + text.bytes().filter(|&c| c == b'\n').count() as u64);
        self.consume(cut);
        self.mode = Mode::Rows(Rows { delim, ctx, notes, asm, line, consumed: cut, reserved: self.first.is_some() });
        self.reserve();
        Ok(())
    }

    /// Feed the complete records in `buf` (at the end, all of it).
    fn rows(&mut self, at_end: bool) -> Result<()> {
        let Mode::Rows(r) = &self.mode else { return Ok(()) };
        let delim = r.delim;
        self.scan_boundaries(delim);
        let cut = if at_end { self.len } else { self.cut };
        if cut == 0 {
            return Ok(());
        }
        // (`scan_boundaries` has seen every byte: `cut <= scanned == len`.)
        let text = if self.ascii && cut <= self.scanned {
            ascii_text(&self.buf[..cut])
        } else {
            std::str::from_utf8(&self.buf[..cut]).ok()
        };
        let Some(text) = text else {
            self.mode = Mode::Restart;
            self.buf = Vec::new();
            self.len = 0;
            return Ok(());
        };
        let Mode::Rows(r) = &mut self.mode else { return Ok(()) };
        let sc = Scanner::at_line(text, delim, r.line);
        // The scanner counts the line feeds as it reads (no pass of its own over the bytes).
        let line = feed_rows(&mut r.asm, text, sc, &[], false, true)?;
        debug_assert_eq!(line, r.line + text.bytes().filter(|&c| c == b'\n').count() as u64);
        r.line = line;
        r.consumed += cut;
        if at_end {
            self.buf = Vec::new();
            self.len = 0;
            self.scanned = 0;
            self.cut = 0;
            self.ascii = true;
        } else {
            self.consume(cut);
        }
        self.reserve();
        Ok(())
    }

    /// Once 1,000 rows are in: room for the rows still to come, estimated from the bytes per row
    /// so far (the columns then grow without the copies, and transient double memory, of
    /// growing vectors).
    fn reserve(&mut self) {
        let total = self.total;
        let Mode::Rows(r) = &mut self.mode else { return };
        if r.reserved || r.asm.rows() < 1000 {
            return;
        }
        r.reserved = true;
        let per_row = r.consumed as f64 / r.asm.rows() as f64;
        let left = total.saturating_sub(r.consumed);
        let rest = ((left as f64 / per_row.max(1.0)) * 1.02) as usize + 16;
        let rows = r.asm.rows();
        r.asm.reserve(rows + rest.min(left / r.asm.width().max(1)));
    }
}

/// Whether `b` holds a quote, and whether it holds a byte above 0x7F (not ASCII): one pass,
/// 16 bytes at a time in wasm (`simd128`, enabled for this function only, as for the Cox
/// kernels), where `memchr` and the UTF-8 check each went 4 bytes at a time.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn quote_and_high(b: &[u8]) -> (bool, bool) {
    use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, v128_any_true, v128_load, v128_or};
    let q = u8x16_splat(b'"');
    let (mut quotes, mut any) = (u8x16_splat(0), u8x16_splat(0));
    let (chunks, rest) = b.as_chunks::<16>();
    for c in chunks {
        // SAFETY: `c` is 16 readable bytes, and `v128_load` reads with alignment 1.
        let v = unsafe { v128_load(c.as_ptr().cast()) };
        quotes = v128_or(quotes, u8x16_eq(v, q));
        any = v128_or(any, v);
    }
    let (mut quote, mut high) = (v128_any_true(quotes), u8x16_bitmask(any) != 0);
    for &c in rest {
        quote |= c == b'"';
        high |= c > 0x7F;
    }
    (quote, high)
}

/// Whether `b` holds a quote, and whether it holds a byte above 0x7F (not ASCII).
#[cfg(not(target_arch = "wasm32"))]
fn quote_and_high(b: &[u8]) -> (bool, bool) {
    (b.contains(&b'"'), !b.is_ascii())
}

/// `b`, whose bytes are all ASCII ([`TextStream::ascii`]), as text without checking it again.
fn ascii_text(b: &[u8]) -> Option<&str> {
    debug_assert!(b.is_ascii());
    // SAFETY: every byte of `b` is at most 0x7F (the caller's mark, kept by `scan_boundaries`
    // and `consume` for `buf[..scanned]`), and ASCII bytes are valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(b) })
}

/// The whole-file reader's binary check on the first 4096 characters (many control characters).
fn looks_binary(text: &str) -> bool {
    let (mut chars, mut control) = (0usize, 0usize);
    for c in text.chars().take(4096) {
        chars += 1;
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')) || c == '\u{fffd}' {
            control += 1;
        }
    }
    control > 4 && control * 50 > chars
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stream `bytes` in chunks of the given sizes (cycled), with second passes and restarts as
    /// asked; returns the table (or error) and how many passes it took.
    pub(crate) fn stream(bytes: &[u8], opts: &ReadOptions, sizes: &[usize], head: usize) -> (Result<Table>, usize) {
        let mut s = TextStream::with_head("t.csv", bytes.len(), opts.clone(), head);
        for pass in 1..=3 {
            let mut at = 0;
            let mut k = 0;
            while at < bytes.len() {
                let n = sizes[k % sizes.len()].max(1).min(bytes.len() - at);
                // Every other chunk is written into the room the stream makes (as the page
                // does), some of it left unused.
                let r = if k % 2 == 1 {
                    s.spare(n + k % 5)[..n].copy_from_slice(&bytes[at..at + n]);
                    s.commit(n)
                } else {
                    s.push(&bytes[at..at + n])
                };
                if let Err(e) = r {
                    return (Err(e), pass);
                }
                at += n;
                k += 1;
            }
            match s.end() {
                Ok(StreamEnd::Table(t)) => return (Ok(t), pass),
                Ok(StreamEnd::Again | StreamEnd::Restart) => continue,
                Err(e) => return (Err(e), pass),
            }
        }
        panic!("more than three passes");
    }

    fn same(a: &Result<Table>, b: &Result<Table>) -> bool {
        match (a, b) {
            (Ok(a), Ok(b)) => format!("{:?}{:?}{:?}", a.columns, a.lines, a.notes) == format!("{:?}{:?}{:?}", b.columns, b.lines, b.notes),
            (Err(a), Err(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }

    /// Random tables (the whole-file reader's test generator: quotes with delimiters and line
    /// breaks, CRLF, blank records, decimal commas, missing codes, columns that turn to text)
    /// cut into random chunks read exactly as the whole file.
    #[test]
    fn chunks_read_as_the_whole_file() {
        let mut rng = crate::rng::SplitMix64(23);
        let mut passes = [0usize; 4];
        for case in 0..150 {
            let delim = if case % 3 == 0 { ';' } else { ',' };
            let mut text = super::super::tests::random_table(&mut rng, delim);
            if case % 10 == 7 {
                text.insert_str(0, "Registry extract, 2024\n\n");
            }
            if case % 10 == 8 {
                text.insert_str(0, "\u{feff}");
            }
            let mut opts = ReadOptions::default();
            if case % 4 == 1 {
                opts.missing = Some(vec!["NA".into(), "-99".into(), "unk".into()]);
            }
            let whole = super::super::read_table(text.as_bytes(), "t.csv", &opts);
            let sizes: Vec<usize> = (0..5).map(|_| 1 + (rng.next_u64() % [7, 300, 5000][case % 3]) as usize).collect();
            let head = 64 + (rng.next_u64() % 2000) as usize;
            let (got, n) = stream(text.as_bytes(), &opts, &sizes, head);
            passes[n] += 1;
            assert!(same(&got, &whole), "case {case} (chunks {sizes:?}, head {head}):\n{:?}\n{:?}", got.as_ref().map(|t| &t.notes), whole.as_ref().map(|t| &t.notes));
        }
        // Most files stream in one pass; some need the second (columns back to text).
        assert!(passes[1] > 50 && passes[2] > 5, "passes: {passes:?}");
    }

    /// A file that stops being UTF-8 after its head is streamed again and read whole as
    /// Windows-1252, as the whole-file reader reads it; a UTF-16 file and a tiny file are read
    /// whole from the start; while streaming, only the bytes after the last record are held.
    #[test]
    fn fallbacks_and_memory() {
        let mut csv = String::from("id,city,x\n");
        for i in 0..5000 {
            csv.push_str(&format!("{i},Köln,{}.5\n", i % 17));
        }
        let mut latin: Vec<u8> = csv.as_bytes().to_vec();
        latin.extend_from_slice(b"5000,K\xf6ln,3.5\n");
        let opts = ReadOptions::default();
        let whole = super::super::read_table(&latin, "t.csv", &opts);
        let (got, passes) = stream(&latin, &opts, &[1000], 256);
        assert_eq!(passes, 2);
        assert!(same(&got, &whole));
        assert!(got.unwrap().notes[0].contains("Windows-1252"));

        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(csv.encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
        let (got, passes) = stream(&utf16, &opts, &[777], 256);
        assert_eq!(passes, 1);
        assert!(same(&got, &super::super::read_table(&utf16, "t.csv", &opts)));

        let (got, _) = stream(b"a,b\n1,2\n", &opts, &[3], 256);
        assert_eq!(got.unwrap().n_rows(), 1);

        // Held bytes stay near one chunk plus a record while streaming.
        let mut s = TextStream::with_head("t.csv", csv.len(), opts.clone(), 1024);
        let mut most = 0;
        for chunk in csv.as_bytes().chunks(4096) {
            s.push(chunk).unwrap();
            most = most.max(s.len);
        }
        assert!(most < 2 * 4096 + HEAD + 64, "held {most} bytes of {}", csv.len());
        assert!(matches!(s.end().unwrap(), StreamEnd::Table(t) if t.n_rows() == 5000));
    }
}
