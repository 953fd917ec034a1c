//! Splitting delimited text into records and fields, without copying unquoted fields.
//!
//! The rules are the `csv` crate's (csv-core's state machine with `"` as the quote, doubled
//! quotes as the escape, and CR, LF or CRLF as record terminators), re-implemented here so that
//! the common case costs one pass over the bytes and no allocation:
//!
//! - A field that does not start with `"` runs to the next delimiter or line break; quotes
//!   inside it are ordinary characters. It is returned as a slice of the input (no copy).
//! - A field that starts with `"` is quoted: delimiters and line breaks inside it are text,
//!   `""` is one quote, and whatever follows the closing quote up to the next delimiter or line
//!   break is appended (`"ab"cd` reads `abcd`, as csv-core does). Only such fields are copied,
//!   into a scratch string reused from record to record.
//! - Line breaks (CR, LF, CRLF) end a record; empty lines are skipped. A record that ends at the
//!   end of the file inside a quoted field is returned with what it holds and marked
//!   unterminated, with the line of the opening quote, so the caller can say where the stray
//!   quote is.
//! - Lines are counted by line feeds (a CR alone ends a record but is not a new line: files
//!   with CR-only line ends are converted before they get here), so every record knows the file
//!   line it starts on, also after blank lines and quoted line breaks.
//!
//! `tests::matches_csv_crate` checks the records against the `csv` crate's on many random
//! texts made of delimiters, quotes, line breaks, spaces and letters.

/// One field of the current record: a byte range of the input, or of the scratch string when
/// the field was quoted.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    start: usize,
    end: usize,
    quoted: bool,
}

impl Field {
    /// The field's text.
    #[inline]
    pub fn text<'a>(&self, input: &'a str, scratch: &'a str) -> &'a str {
        let src = if self.quoted { scratch } else { input };
        src.get(self.start..self.end).unwrap_or("")
    }
}

/// Where a record starts and whether it ends inside a quoted field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordInfo {
    /// File line (1-based) of the record's first byte.
    pub line: u64,
    /// The line of the opening quote of a quoted field that the end of the file cut off.
    pub unterminated: Option<u64>,
}

/// A cursor over delimited text.
#[derive(Debug, Clone)]
pub struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
    /// `special[b]`: byte `b` ends an unquoted field (the delimiter, CR, LF).
    special: [bool; 256],
    delim: u8,
}

impl<'a> Scanner<'a> {
    /// The delimiter and the table of bytes that end an unquoted field.
    pub fn delimiter(&self) -> (u8, &[bool; 256]) {
        (self.delim, &self.special)
    }

    pub fn new(text: &'a str, delim: u8) -> Self {
        let mut special = [false; 256];
        special[delim as usize] = true;
        special[b'\n' as usize] = true;
        special[b'\r' as usize] = true;
        Scanner { text, pos: 0, line: 1, special, delim }
    }

    /// This scanner, with the text ending at byte `end` (a record boundary after its position).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn ending_at(mut self, end: usize) -> Self {
        self.text = &self.text[..end];
        self
    }

    /// A scanner over a piece of a streamed file whose first byte is on file line `line`.
    pub fn at_line(text: &'a str, delim: u8, line: u64) -> Self {
        Scanner { line, ..Self::new(text, delim) }
    }

    /// Byte offset of the next record (or of the blank lines before it).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The file line of the next record (after the whole text: the line of the text after it).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Skip the line breaks before the next record; returns where it starts and its line, or
    /// `None` at the end of the text.
    pub fn next_start(&mut self) -> Option<(usize, u64)> {
        let b = self.text.as_bytes();
        while self.pos < b.len() {
            match b[self.pos] {
                b'\n' => self.line += 1,
                b'\r' => {}
                _ => return Some((self.pos, self.line)),
            }
            self.pos += 1;
        }
        None
    }

    /// A record read by the caller ended at `end` (a line break or the end of the text): move
    /// past its terminator.
    pub fn finish_record(&mut self, end: usize) {
        let b = self.text.as_bytes();
        let mut pos = end;
        if pos < b.len() {
            if b[pos] == b'\n' {
                self.line += 1;
            } else if pos + 1 < b.len() && b[pos + 1] == b'\n' {
                pos += 1;
                self.line += 1;
            }
            pos += 1;
        }
        self.pos = pos;
    }

    /// Read the next record's fields into `fields` (quoted fields' text into `scratch`); `None`
    /// at the end of the text.
    pub fn next_record(&mut self, fields: &mut Vec<Field>, scratch: &mut String) -> Option<RecordInfo> {
        let b = self.text.as_bytes();
        let n = b.len();
        // Skip line breaks: empty lines are no records.
        while self.pos < n {
            match b[self.pos] {
                b'\n' => self.line += 1,
                b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
        if self.pos >= n {
            return None;
        }
        fields.clear();
        scratch.clear();
        let line = self.line;
        let mut unterminated = None;
        let mut pos = self.pos;
        loop {
            if pos < n && b[pos] == b'"' {
                let open_line = self.line;
                pos += 1;
                let start = scratch.len();
                loop {
                    match b[pos..].iter().position(|&c| c == b'"') {
                        None => {
                            self.push_text(scratch, pos, n);
                            pos = n;
                            unterminated = Some(open_line);
                            break;
                        }
                        Some(k) => {
                            self.push_text(scratch, pos, pos + k);
                            pos += k + 1;
                            if pos < n && b[pos] == b'"' {
                                scratch.push('"');
                                pos += 1;
                            } else {
                                break;
                            }
                        }
                    }
                }
                // Text after the closing quote, up to the end of the field, is kept.
                let a = pos;
                while pos < n && !self.special[b[pos] as usize] {
                    pos += 1;
                }
                if pos > a {
                    self.push_text(scratch, a, pos);
                }
                fields.push(Field { start, end: scratch.len(), quoted: true });
            } else {
                let a = pos;
                pos = self.field_end(pos);
                fields.push(Field { start: a, end: pos, quoted: false });
            }
            if pos >= n {
                break;
            }
            let c = b[pos];
            pos += 1;
            if c == self.delim {
                continue;
            }
            if c == b'\n' {
                self.line += 1;
            } else if pos < n && b[pos] == b'\n' {
                // CRLF
                pos += 1;
                self.line += 1;
            }
            break;
        }
        self.pos = pos;
        Some(RecordInfo { line, unterminated })
    }

    /// The end of an unquoted field starting at `pos`: the next delimiter, CR or LF (or the end).
    /// Eight bytes at a time while none of them is special (SWAR: a byte equal to `c` is a zero
    /// byte of `word ^ c·0x0101…`, and `(x - 0x01…) & !x & 0x80…` is non-zero iff `x` has a zero
    /// byte); the exact byte is then found one at a time.
    #[inline]
    fn field_end(&self, pos: usize) -> usize {
        field_end(self.text.as_bytes(), pos, self.delim, &self.special)
    }

    /// Append `text[a..z]` (inside a quoted field) to the scratch string, counting its line feeds.
    fn push_text(&mut self, scratch: &mut String, a: usize, z: usize) {
        let s = self.text.get(a..z).unwrap_or("");
        self.line += s.bytes().filter(|&c| c == b'\n').count() as u64;
        scratch.push_str(s);
    }
}

/// The end of an unquoted field of `b` starting at `pos`: the next `delim`, CR or LF (or the
/// end). Eight bytes at a time (SWAR: a byte equal to `c` is a zero byte of `word ^ c·0x0101…`,
/// and `(x - 0x01…) & !x & 0x80…` flags the zero bytes exactly up to the first one, which is
/// all that is needed: its position is the lowest flag's); `special` marks the three bytes for
/// the last few bytes of the text.
#[inline]
pub fn field_end(b: &[u8], mut pos: usize, delim: u8, special: &[bool; 256]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const CR: u64 = LO.wrapping_mul(b'\r' as u64);
    const LF: u64 = LO.wrapping_mul(b'\n' as u64);
    let d = LO.wrapping_mul(delim as u64);
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    while pos + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[pos..pos + 8]);
        let w = u64::from_le_bytes(w);
        let m = zero(w ^ d) | zero(w ^ CR) | zero(w ^ LF);
        if m != 0 {
            return pos + (m.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while pos < b.len() && !special[b[pos] as usize] {
        pos += 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, delim: u8) -> Vec<(Vec<String>, RecordInfo)> {
        let mut s = Scanner::new(text, delim);
        let (mut f, mut scratch) = (Vec::new(), String::new());
        let mut out = Vec::new();
        while let Some(info) = s.next_record(&mut f, &mut scratch) {
            out.push((f.iter().map(|x| x.text(text, &scratch).to_string()).collect(), info));
        }
        out
    }

    #[test]
    fn quoted_fields_and_lines() {
        // Line 1: header; the quoted field of the row on line 2 spans lines 2-3; a blank line
        // (4, CRLF) is skipped; the last row (line 5) has a trailing empty field.
        let r = records("a,b\r\n\"x\r\ny, \"\"q\"\"\",2\r\n\r\n3,\n", b',');
        let got: Vec<(Vec<&str>, u64)> = r.iter().map(|(f, i)| (f.iter().map(|s| s.as_str()).collect(), i.line)).collect();
        assert_eq!(got, vec![(vec!["a", "b"], 1), (vec!["x\r\ny, \"q\"", "2"], 2), (vec!["3", ""], 5)]);
        // Text after a closing quote is kept; a quote inside an unquoted field is text.
        let r = records("\"ab\"cd,e\"f\n", b',');
        assert_eq!(r[0].0, vec!["abcd", "e\"f"]);
        // An unterminated quote: the record runs to the end, marked with the quote's line.
        let r = records("a;b\n1;2\n3;\"x\n4;5\n", b';');
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].1, RecordInfo { line: 3, unterminated: Some(3) });
        assert_eq!(r[2].0, vec!["3", "x\n4;5\n"]);
    }

    /// Random texts from a small alphabet rich in delimiters, quotes and line breaks: the same
    /// records as the `csv` crate (flexible, no headers), and line numbers that count the line
    /// feeds before each record's first byte.
    #[test]
    fn matches_csv_crate() {
        let mut rng = crate::rng::SplitMix64(42);
        let alphabet: &[&str] = &[",", ";", "\"", "\"\"", "\n", "\r", "\r\n", " ", "a", "bc", "1.5", "é"];
        for case in 0..20000 {
            let len = (rng.next_u64() % 40) as usize;
            let text: String = (0..len).map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize]).collect();
            let delim = if case % 2 == 0 { b',' } else { b';' };
            let ours = records(&text, delim);
            let mut rdr = csv::ReaderBuilder::new().delimiter(delim).has_headers(false).flexible(true).from_reader(text.as_bytes());
            let mut theirs = Vec::new();
            let mut rec = csv::ByteRecord::new();
            while rdr.read_byte_record(&mut rec).unwrap() {
                let fields: Vec<String> = rec.iter().map(|f| String::from_utf8(f.to_vec()).unwrap()).collect();
                theirs.push(fields);
            }
            let ours_fields: Vec<Vec<String>> = ours.iter().map(|r| r.0.clone()).collect();
            assert_eq!(ours_fields, theirs, "text {text:?}");
            // Line of each record: 1 + line feeds before its first byte.
            let mut s = Scanner::new(&text, delim);
            let (mut f, mut scratch) = (Vec::new(), String::new());
            loop {
                let before = s.position();
                let Some(info) = s.next_record(&mut f, &mut scratch) else { break };
                let first = before + text[before..].bytes().take_while(|&c| c == b'\n' || c == b'\r').count();
                assert_eq!(info.line, 1 + text[..first].bytes().filter(|&c| c == b'\n').count() as u64, "text {text:?}");
            }
        }
    }
}
