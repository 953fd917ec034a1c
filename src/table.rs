//! The typed columnar table that ingestion produces and the statistics read.
//!
//! Numbers are `f64` (NaN = missing), text columns are dictionary codes into their levels
//! (`MISSING` = missing), dates are days since 1970-01-01 as `f64` (NaN = missing).

use serde::Serialize;

/// Code of a missing cell in a text column.
pub const MISSING: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub enum ColumnData {
    Numeric(Vec<f64>),
    Text { codes: Vec<u32>, levels: Vec<String> },
    Date(Vec<f64>),
}

/// What a column looks like to a person choosing analyses.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Numeric,
    Categorical,
    Date,
    /// Looks like a row or patient identifier (unique or near-unique codes).
    Identifier,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub data: ColumnData,
    pub kind: ColumnKind,
    /// Cells of a numeric or date column that could not be read as its type (`12 months`,
    /// `unk`): `(row, original text)` in row order. Their value is NaN; they are not
    /// *missing* (the user wrote something), so [`Column::text`] returns the original text and
    /// the analysis names them when it excludes their rows.
    pub bad: Vec<(usize, String)>,
    /// Why the column looks like a direct identifier (names, record numbers, phone numbers,
    /// e-mail addresses, full dates of birth), or `None`. The page warns about such columns
    /// and keeps them out of exports and share links.
    pub identifier: Option<String>,
}

impl Column {
    /// A column with no unreadable cells and no identifier flag.
    pub fn new(name: impl Into<String>, data: ColumnData, kind: ColumnKind) -> Self {
        Column { name: name.into(), data, kind, bad: Vec::new(), identifier: None }
    }
    /// The original text of an unreadable cell of a numeric or date column.
    pub fn bad_text(&self, row: usize) -> Option<&str> {
        if self.bad.is_empty() {
            return None;
        }
        self.bad.binary_search_by_key(&row, |b| b.0).ok().map(|i| self.bad[i].1.as_str())
    }
    pub fn len(&self) -> usize {
        match &self.data {
            ColumnData::Numeric(v) | ColumnData::Date(v) => v.len(),
            ColumnData::Text { codes, .. } => codes.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn is_missing(&self, row: usize) -> bool {
        match &self.data {
            ColumnData::Numeric(v) | ColumnData::Date(v) => v[row].is_nan() && self.bad_text(row).is_none(),
            ColumnData::Text { codes, .. } => codes[row] == MISSING,
        }
    }
    /// Blank cells and cells holding one of the missing-value codes (unreadable cells are
    /// counted in `bad`, not here).
    pub fn missing_count(&self) -> usize {
        match &self.data {
            ColumnData::Numeric(v) | ColumnData::Date(v) => self.missing_of_nan(v.iter().filter(|x| x.is_nan()).count()),
            ColumnData::Text { codes, .. } => codes.iter().filter(|&&c| c == MISSING).count(),
        }
    }
    /// [`Column::missing_count`] of a number or date column that has `nan` NaN cells: those
    /// that are not unreadable (an unreadable cell is NaN too, and counted in `bad`).
    pub fn missing_of_nan(&self, nan: usize) -> usize {
        nan.saturating_sub(self.bad.len())
    }
    /// The cell as text, the way a user would type it in a spec (`2`, `1.5`, `ltx`,
    /// `2020-03-01`); `None` when missing. An unreadable cell of a numeric or date column
    /// gives its original text.
    pub fn text(&self, row: usize) -> Option<String> {
        match &self.data {
            ColumnData::Numeric(v) => {
                let x = v[row];
                if x.is_nan() { self.bad_text(row).map(str::to_string) } else { Some(format_number(x)) }
            }
            ColumnData::Date(v) => {
                let x = v[row];
                if x.is_nan() {
                    self.bad_text(row).map(str::to_string)
                } else {
                    Some(crate::calendar::format_iso(x))
                }
            }
            ColumnData::Text { codes, levels } => {
                let c = codes[row];
                (c != MISSING).then(|| levels[c as usize].clone())
            }
        }
    }
    /// The numeric value of a cell (dates as days since 1970-01-01); NaN when missing or text.
    pub fn number(&self, row: usize) -> f64 {
        match &self.data {
            ColumnData::Numeric(v) | ColumnData::Date(v) => v[row],
            ColumnData::Text { .. } => f64::NAN,
        }
    }
}

/// Shortest text that reads back as the same number (`2`, `72.3315`, `1e-8`).
pub fn format_number(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A table read from one file.
#[derive(Debug, Clone)]
pub struct Table {
    /// File name as given by the user (for messages).
    pub name: String,
    pub columns: Vec<Column>,
    /// File line (1-based; header is line 1 for CSV) where each row starts.
    pub lines: Vec<u64>,
    /// What ingestion detected and did (encoding, delimiter, ...), shown to the user.
    pub notes: Vec<String>,
}

impl Table {
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
    /// Bytes the table's rows hold in memory (the columns' vectors, their levels and
    /// unreadable cells, the row lines; capacities, not lengths): the bench's and the streaming
    /// tests' measure of compact columns.
    pub fn heap_bytes(&self) -> usize {
        let text = |s: &String| s.capacity() + std::mem::size_of::<String>();
        let cols: usize = self
            .columns
            .iter()
            .map(|c| {
                let data = match &c.data {
                    ColumnData::Numeric(v) | ColumnData::Date(v) => v.capacity() * 8,
                    ColumnData::Text { codes, levels } => codes.capacity() * 4 + levels.iter().map(text).sum::<usize>(),
                };
                data + c.bad.iter().map(|b| 8 + text(&b.1)).sum::<usize>()
            })
            .sum();
        cols + self.lines.capacity() * 8
    }
    /// The file line of a row, for messages.
    pub fn line(&self, row: usize) -> u64 {
        self.lines.get(row).copied().unwrap_or(row as u64 + 2)
    }
    /// Summary of the columns for the page's pickers.
    pub fn schema(&self) -> Schema {
        // Distinct values of each numeric or date column (and the values when there are at
        // most 12 of them, for the level list).
        // The range and the NaN cells come from the same passes over the column (see
        // [`NumberStats`]).
        let mut scratch = Vec::new();
        let stats: Vec<NumberStats> = self
            .columns
            .iter()
            .map(|c| match &c.data {
                ColumnData::Numeric(v) | ColumnData::Date(v) => number_stats(v, 12, &mut scratch),
                ColumnData::Text { .. } => NumberStats::default(),
            })
            .collect();
        Schema {
            name: self.name.clone(),
            rows: self.n_rows(),
            notes: self.notes.clone(),
            count_column: self.count_column(),
            columns: self
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    // The values of a possible identifier are never listed (privacy).
                    let levels = match &c.data {
                        _ if c.identifier.is_some() => None,
                        ColumnData::Text { levels, .. } if levels.len() <= 50 => {
                            let mut l = levels.clone();
                            sort_levels(&mut l);
                            Some(l)
                        }
                        ColumnData::Numeric(_) if stats[i].distinct <= 12 => {
                            let mut d = stats[i].first.clone();
                            d.sort_unstable_by(f64::total_cmp);
                            d.dedup();
                            Some(d.into_iter().map(format_number).collect())
                        }
                        _ => None,
                    };
                    let (min, max, missing) = match &c.data {
                        ColumnData::Numeric(_) | ColumnData::Date(_) => {
                            let NumberStats { lo, hi, nan, .. } = stats[i];
                            let missing = c.missing_of_nan(nan);
                            if lo.is_finite() { (Some(lo), Some(hi), missing) } else { (None, None, missing) }
                        }
                        _ => (None, None, c.missing_count()),
                    };
                    // Row numbers: every cell start + row, start 0 (pandas) or 1 (R), at least 3 rows.
                    let row_number = c.len() >= 3
                        && matches!(&c.data, ColumnData::Numeric(v) if [0.0, 1.0].into_iter().any(|s| v.iter().enumerate().all(|(r, &x)| x == s + r as f64)));
                    ColumnSummary {
                        row_number,
                        name: c.name.clone(),
                        kind: c.kind,
                        identifier_reason: c.identifier.clone(),
                        unreadable: c.bad.len(),
                        unreadable_examples: c
                            .bad
                            .iter()
                            .take(10)
                            .map(|(r, t)| format!("line {}: '{t}'", self.line(*r)))
                            .collect(),
                        missing,
                        distinct: match &c.data {
                            ColumnData::Text { levels, .. } => levels.len(),
                            ColumnData::Numeric(_) | ColumnData::Date(_) => stats[i].distinct,
                        },
                        levels,
                        min,
                        max,
                    }
                })
                .collect(),
            start_stop: detect_start_stop(self),
        }
    }
}

/// Column names that say a column counts rows (compared ignoring case, spaces and `_`).
const COUNT_NAMES: &[&str] = &["n", "count", "counts", "freq", "frequency", "weight", "weights", "npatients", "ncases"];

impl Table {
    /// The column that looks like a count of patients per row (an aggregated file, as `cohort
    /// aggregate-sql` writes): named `n`, `count`, `freq`, `frequency` or `weight` (see
    /// [`COUNT_NAMES`]), numeric, every cell a whole number ≥ 0 (none missing or unreadable),
    /// some cell above 1. The page offers it as frequency weights with one click (the spec's
    /// `weights: {column, kind: "frequency"}`); nothing is weighted until the user says so.
    pub fn count_column(&self) -> Option<CountColumn> {
        self.columns.iter().find_map(|c| {
            let key: String = c.name.chars().filter(|ch| !ch.is_whitespace() && *ch != '_' && *ch != '.').collect::<String>().to_ascii_lowercase();
            if !COUNT_NAMES.contains(&key.as_str()) || c.identifier.is_some() || !c.bad.is_empty() {
                return None;
            }
            let ColumnData::Numeric(v) = &c.data else { return None };
            let (mut total, mut max) = (0.0f64, 0.0f64);
            for &x in v {
                if !(x >= 0.0 && x == x.trunc() && x < 1e15) {
                    return None;
                }
                total += x;
                max = max.max(x);
            }
            if max <= 1.0 {
                return None;
            }
            Some(CountColumn {
                column: c.name.clone(),
                total,
                reason: format!(
                    "'{}' holds whole numbers from {} to {} (together {} in {} rows): if each row stands for that many patients (an aggregated file), analyse it with these counts as frequency weights",
                    c.name,
                    format_number(v.iter().copied().fold(f64::INFINITY, f64::min)),
                    format_number(max),
                    format_number(total),
                    v.len()
                ),
            })
        })
    }
}

/// A column that looks like a count of patients per row (see [`Table::count_column`]).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CountColumn {
    pub column: String,
    /// The sum of the counts: the number of patients the rows stand for.
    pub total: f64,
    /// Why it looks like counts, for the page's offer.
    pub reason: String,
}

/// The number of distinct non-NaN values of `v` (by bit pattern: `0` and `-0` are two), and
/// the values themselves in order of first appearance when there are at most `keep` of them.
///
/// First an open-addressing hash set of the bit patterns (linear probing, kept at most half
/// full) that stays small enough for the cache, with whole numbers below 65,536 in a bitmap
/// beside it: most columns (times, codes, scores) end there.
/// A column with more than `SMALL_SET` (4096) distinct values is counted again by partitions: one
/// pass scatters the values' hashes into 256 buckets by the top bits of their hash, then each
/// bucket's values (a 256th of the column) are counted apart ([`PartCount`]). Random accesses into
/// one large table (a cache miss per value, the cost on a million-row column) become sequential
/// passes plus cache-resident sets. The empty slot is a NaN pattern, which never enters a set.
pub fn distinct_values(v: &[f64], keep: usize) -> (usize, Vec<f64>) {
    let s = number_stats(v, keep, &mut Vec::new());
    (s.distinct, s.first)
}

/// What the schema needs of a number column, from the same passes over it: the exact number of
/// distinct non-NaN values and, when there are at most `keep`, the values in order of first
/// appearance ([`distinct_values`]); the range (`lo > hi` when every cell is NaN) and the NaN
/// cells.
#[derive(Debug, Clone, Default)]
struct NumberStats {
    distinct: usize,
    first: Vec<f64>,
    lo: f64,
    hi: f64,
    nan: usize,
}

/// One cell into a column's range and NaN count, without a branch: a comparison with NaN is
/// false, so a NaN cell leaves the range as it is (comparisons, not `f64::min`/`max`: a libm
/// call each in wasm).
#[inline(always)]
fn range_step(x: f64, lo: &mut f64, hi: &mut f64, nan: &mut usize) {
    *nan += usize::from(x.is_nan());
    *lo = if x < *lo { x } else { *lo };
    *hi = if x > *hi { x } else { *hi };
}

/// [`NumberStats`] of `v`, with the partitions' buffer passed in (the schema counts many columns
/// with one buffer: a fresh one per column costs a fresh page of memory per few values).
fn number_stats(v: &[f64], keep: usize, scattered: &mut Vec<u64>) -> NumberStats {
    let (mut lo, mut hi, mut nan) = (f64::INFINITY, f64::NEG_INFINITY, 0usize);
    let mut first = Vec::new();
    let mut set = BitSet::new(6);
    // Whole numbers 0..WHOLE (times in days, codes, counts: most columns with few values) are
    // marked in a bitmap instead of the set: no hashing, no probing. `+0.0` is marked, `-0.0`
    // (another bit pattern) goes to the set.
    let mut whole = vec![0u64; WHOLE / 64];
    let mut whole_count = 0usize;
    let mut small = true;
    for &x in v {
        range_step(x, &mut lo, &mut hi, &mut nan);
        if x.is_nan() {
            continue;
        }
        let i = x as u32 as usize;
        let new = if i < WHOLE && (i as f64).to_bits() == x.to_bits() {
            let (w, bit) = (i / 64, 1u64 << (i % 64));
            let old = whole.get(w).copied().unwrap_or(bit);
            if old & bit == 0 {
                whole[w] = old | bit;
                whole_count += 1;
                true
            } else {
                false
            }
        } else {
            set.insert(x.to_bits())
        };
        let count = whole_count + set.count;
        if new && count <= keep {
            first.push(x);
        }
        if count > SMALL_SET {
            small = false;
            break;
        }
    }
    if small {
        let count = whole_count + set.count;
        if count > keep {
            first.clear();
        }
        return NumberStats { distinct: count, first, lo, hi, nan };
    }
    // Partitioned count (scattered straight from the column: one vector of the column's size,
    // the peak of a streamed file's memory when its schema is made). `hash64` is a bijection (an
    // xor-shift and a multiplication by an odd constant are both invertible), so distinct values
    // have distinct hashes: the partitions hold the hashes, and the sets count those without
    // hashing again.
    exact_partitions(v, scattered)
}

/// [`number_stats`]' partitioned count: a counting pass by partition (which also takes the range
/// and the NaN cells, from the start of the column: no pass of their own), then the scatter.
fn exact_partitions(v: &[f64], scattered: &mut Vec<u64>) -> NumberStats {
    let (mut lo, mut hi, mut nan) = (f64::INFINITY, f64::NEG_INFINITY, 0usize);
    let mut start = [0usize; 257];
    for &x in v {
        range_step(x, &mut lo, &mut hi, &mut nan);
        if !x.is_nan() {
            start[(hash64(x.to_bits()) >> 56) as usize + 1] += 1;
        }
    }
    for i in 0..256 {
        start[i + 1] += start[i];
    }
    let mut next = start;
    if scattered.len() < start[256] {
        scattered.resize(start[256], 0);
    }
    for x in v.iter().filter(|x| !x.is_nan()) {
        let h = hash64(x.to_bits());
        let k = (h >> 56) as usize;
        scattered[next[k]] = h;
        next[k] += 1;
    }
    let mut count = 0;
    let mut part_count = PartCount::default();
    for k in 0..256 {
        count += part_count.count(&scattered[start[k]..start[k + 1]]);
    }
    NumberStats { distinct: count, first: Vec::new(), lo, hi, nan }
}

/// Counts the distinct hashes of one partition of [`number_stats`] (all with the same top
/// 8 bits). Without a hash set's probing (a branch per value that goes either way at random):
/// each hash marks a bit of a bitmap of about 16 bits per value, indexed by the hash's next bits,
/// in two bitmaps — marked once, marked again. A bit marked once stands for exactly one distinct
/// value (a hash different from every other in the partition), counted by a population count of
/// the bitmaps; the few hashes whose bit was marked again (about one in sixteen, plus the
/// repeated values) are counted apart in a small set. A partition with many repeats is counted
/// with the hash set instead.
#[derive(Default)]
struct PartCount {
    once: Vec<u64>,
    again: Vec<u64>,
    shared: Vec<u64>,
    /// The slots of [`PartCount::distinct_shared`].
    tiny: Vec<u64>,
    set: Option<BitSet>,
}

impl PartCount {
    fn count(&mut self, part: &[u64]) -> usize {
        let len = part.len();
        let bits = (16 * len).next_power_of_two().trailing_zeros().clamp(6, 24);
        let words = 1usize << (bits - 6);
        let mask = (1usize << bits) - 1;
        self.once.clear();
        self.once.resize(words, 0);
        self.again.clear();
        self.again.resize(words, 0);
        // The slot of a hash: its bits below the top 8 (the partition's), as the set's.
        let slot = |h: u64| (h >> 8) as usize & mask;
        for &h in part {
            let i = slot(h);
            let (w, bit) = (i >> 6, 1u64 << (i & 63));
            if let (Some(o), Some(a)) = (self.once.get(w).copied(), self.again.get_mut(w)) {
                *a |= o & bit;
                self.once[w] = o | bit;
            }
        }
        let single: usize = self.once.iter().zip(&self.again).map(|(o, a)| (o & !a).count_ones() as usize).sum();
        // The hashes whose bit was marked again, gathered without a branch: each is written
        // at the end and kept (the end moves on) only when its bit is set. (`shared` keeps its
        // length from partition to partition: only `shared[..n]` is read, each slot written
        // first, so it is not zero-filled again.)
        if self.shared.len() < len {
            self.shared.resize(len, 0);
        }
        let mut n = 0;
        for &h in part {
            let i = slot(h);
            let a = self.again.get(i >> 6).copied().unwrap_or(0);
            if let Some(s) = self.shared.get_mut(n) {
                *s = h;
            }
            n += ((a >> (i & 63)) & 1) as usize;
        }
        if n * 4 > len + 64 {
            return self.by_set(part);
        }
        single + self.distinct_shared(n)
    }

    /// The distinct hashes among `shared[..n]` (a few per cent of a partition: pairs whose bitmap
    /// bits met, and repeats), by a small open-addressing set indexed by the hashes' bits from
    /// 32 up (the bitmaps used the bits from 8 to at most 32: pairs that met there part here).
    /// Fewer steps than sorting them.
    fn distinct_shared(&mut self, n: usize) -> usize {
        let cap = (2 * n).next_power_of_two().max(16);
        let mask = cap - 1;
        self.tiny.clear();
        self.tiny.resize(cap, BitSet::EMPTY);
        // The empty mark is one hash value: that value, if present, is counted apart.
        let mut empty_mark = false;
        let mut count = 0;
        for &h in &self.shared[..n.min(self.shared.len())] {
            if h == BitSet::EMPTY {
                empty_mark = true;
                continue;
            }
            let mut i = (h >> 32) as usize & mask;
            // Never more than half full: the probe ends at the hash or at an empty slot.
            while let Some(&t) = self.tiny.get(i) {
                if t == h {
                    break;
                }
                if t == BitSet::EMPTY {
                    self.tiny[i] = h;
                    count += 1;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        count + usize::from(empty_mark)
    }

    /// The partition's distinct hashes counted with the hash set.
    fn by_set(&mut self, part: &[u64]) -> usize {
        let set = self.set.get_or_insert_with(|| BitSet::new(4));
        set.reset((2 * part.len()).next_power_of_two().trailing_zeros().max(4));
        // The set's empty mark is one hash value: that value, if present, is counted apart.
        let mut empty_mark = false;
        for &h in part {
            if h == BitSet::EMPTY {
                empty_mark = true;
            } else {
                set.insert_hashed(h);
            }
        }
        set.count + usize::from(empty_mark)
    }
}

/// Whole numbers below this are counted by [`distinct_values`] in a bitmap (8 KiB).
const WHOLE: usize = 1 << 16;

/// Distinct values up to which [`distinct_values`] keeps one hash set (64 KiB of slots).
const SMALL_SET: usize = 4096;

fn hash64(x: u64) -> u64 {
    (x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// An open-addressing set of `u64` bit patterns of `f64` values that are not NaN.
struct BitSet {
    slots: Vec<u64>,
    bits: u32,
    count: usize,
}

impl BitSet {
    const EMPTY: u64 = u64::MAX; // a NaN pattern

    fn new(bits: u32) -> Self {
        BitSet { slots: vec![Self::EMPTY; 1 << bits], bits, count: 0 }
    }

    /// Empty, with `2^bits` slots (reusing the memory).
    fn reset(&mut self, bits: u32) {
        self.slots.clear();
        self.slots.resize(1 << bits, Self::EMPTY);
        self.bits = bits;
        self.count = 0;
    }

    /// Insert; true when the value was new. Doubles the table past half full. The slot is
    /// chosen by the hash's bits below the top 8 (the partition bits of `distinct_values`).
    #[inline]
    fn insert(&mut self, b: u64) -> bool {
        let mask = (1usize << self.bits) - 1;
        let mut h = (hash64(b) >> 8) as usize & mask;
        loop {
            let t = self.slots[h];
            if t == b {
                return false;
            }
            if t == Self::EMPTY {
                self.slots[h] = b;
                self.count += 1;
                if self.count * 2 > self.slots.len() {
                    self.grow();
                }
                return true;
            }
            h = (h + 1) & mask;
        }
    }

    /// Insert a hash (from a partition of [`number_stats`]: not `EMPTY`; the table is sized
    /// for its partition, so it never grows): its slot is its bits below the top 8.
    #[inline]
    fn insert_hashed(&mut self, h: u64) {
        let mask = (1usize << self.bits) - 1;
        let mut i = (h >> 8) as usize & mask;
        loop {
            let t = self.slots[i];
            if t == h {
                return;
            }
            if t == Self::EMPTY {
                self.slots[i] = h;
                self.count += 1;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let old = std::mem::replace(&mut self.slots, vec![Self::EMPTY; 1 << (self.bits + 1)]);
        self.bits += 1;
        let mask = (1usize << self.bits) - 1;
        for t in old.into_iter().filter(|&t| t != Self::EMPTY) {
            let mut h = (hash64(t) >> 8) as usize & mask;
            while self.slots[h] != Self::EMPTY {
                h = (h + 1) & mask;
            }
            self.slots[h] = t;
        }
    }
}

/// Level order used everywhere: numeric order when every level parses as a number, else byte
/// order of the text (the contract's rule).
pub fn sort_levels(levels: &mut [String]) {
    let nums: Option<Vec<f64>> = levels.iter().map(|l| l.trim().parse::<f64>().ok()).collect();
    match nums {
        Some(_) => levels.sort_by(|a, b| {
            let x: f64 = a.trim().parse().unwrap_or(f64::NAN);
            let y: f64 = b.trim().parse().unwrap_or(f64::NAN);
            x.total_cmp(&y)
        }),
        None => levels.sort(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    pub name: String,
    pub rows: usize,
    pub notes: Vec<String>,
    /// A column that looks like counts of patients per row, offered as frequency weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count_column: Option<CountColumn>,
    pub columns: Vec<ColumnSummary>,
    /// Start–stop intervals within an id, when the rows look like them ([`detect_start_stop`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_stop: Option<StartStop>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnSummary {
    pub name: String,
    pub kind: ColumnKind,
    /// Why the column looks like a direct identifier (keep it out of exports), if it does.
    pub identifier_reason: Option<String>,
    /// Cells that could not be read as the column's type (treated as not available).
    pub unreadable: usize,
    /// The first few of them, as `line 12: '12 months'`.
    pub unreadable_examples: Vec<String>,
    pub missing: usize,
    pub distinct: usize,
    /// The distinct values in level order when there are few of them (never for a column
    /// flagged as a possible identifier).
    pub levels: Option<Vec<String>>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The column holds the row numbers 0..n−1 (pandas' index) or 1..n (R's row names), in
    /// order, with no gap: not a variable. The page does not offer it as a covariate.
    pub row_number: bool,
}

// ---------------------------------------------------------------------------------------------
// Factors of columns over rows, and start–stop recognition (the schema's `start_stop`; the study
// designs use both).

/// A factor: codes into `levels` (level order of the contract).
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    pub codes: Vec<u32>,
    pub levels: Vec<String>,
}

/// Factor of a column over the given rows (levels present among them, in level order).
/// Works on codes and values, not per-row text, so it stays cheap for millions of rows.
pub fn factor(col: &Column, rows: &[usize]) -> Factor {
    match &col.data {
        ColumnData::Text { codes, levels } => {
            let mut used = vec![false; levels.len()];
            for &r in rows {
                let c = codes[r];
                if c != MISSING {
                    used[c as usize] = true;
                }
            }
            let mut present: Vec<String> = levels.iter().zip(&used).filter(|(_, &u)| u).map(|(l, _)| l.clone()).collect();
            sort_levels(&mut present);
            let index: std::collections::HashMap<&str, u32> =
                present.iter().enumerate().map(|(i, l)| (l.as_str(), i as u32)).collect();
            let remap: Vec<u32> = levels.iter().map(|l| index.get(l.as_str()).copied().unwrap_or(MISSING)).collect();
            let out = rows.iter().map(|&r| if codes[r] == MISSING { MISSING } else { remap[codes[r] as usize] }).collect();
            Factor { codes: out, levels: present }
        }
        ColumnData::Numeric(v) | ColumnData::Date(v) => {
            let is_date = matches!(col.data, ColumnData::Date(_));
            let mut distinct: Vec<f64> = rows.iter().map(|&r| v[r]).filter(|x| !x.is_nan()).collect();
            distinct.sort_unstable_by(f64::total_cmp);
            distinct.dedup();
            // Unreadable cells (kept as text by ingestion) form levels of their own.
            let mut extra: Vec<String> = Vec::new();
            if !col.bad.is_empty() {
                for &r in rows {
                    if v[r].is_nan() {
                        if let Some(t) = col.bad_text(r) {
                            if !extra.iter().any(|e| e == t) {
                                extra.push(t.to_string());
                            }
                        }
                    }
                }
            }
            let text_of = |x: f64| if is_date { crate::calendar::format_iso(x) } else { format_number(x) };
            let mut levels: Vec<String> = distinct.iter().map(|&x| text_of(x)).collect();
            levels.extend(extra.iter().cloned());
            if !extra.is_empty() {
                sort_levels(&mut levels);
            }
            let index: std::collections::HashMap<&str, u32> = levels.iter().enumerate().map(|(i, l)| (l.as_str(), i as u32)).collect();
            // Level code of each distinct number (levels may have been re-sorted).
            let num_code: Vec<u32> = distinct.iter().map(|&x| index.get(text_of(x).as_str()).copied().unwrap_or(MISSING)).collect();
            let out = rows
                .iter()
                .map(|&r| {
                    let x = v[r];
                    if x.is_nan() {
                        col.bad_text(r).and_then(|t| index.get(t).copied()).unwrap_or(MISSING)
                    } else {
                        distinct.binary_search_by(|d| d.total_cmp(&x)).map(|i| num_code[i]).unwrap_or(MISSING)
                    }
                })
                .collect();
            Factor { codes: out, levels }
        }
    }
}

/// A (start, stop) pair of columns within an id column, recognised in a file's rows.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct StartStop {
    pub id: String,
    pub start: String,
    pub stop: String,
    /// Rows and patients (distinct ids) among the rows examined.
    pub rows: usize,
    pub patients: usize,
}

/// Rows examined by [`detect_start_stop`] (the first of the file).
pub const START_STOP_SAMPLE: usize = 20_000;

/// Recognise start–stop data: an id column with several rows for some ids, and two number (or
/// date) columns (start, stop) with start < stop on every row examined, whose intervals chain
/// within an id — sorted by start, each interval starts where the one before ended (at least
/// 90% of consecutive pairs; none overlaps). Columns named like ids (`id`, `patient`, `subject`)
/// are tried first, then by most distinct values; the first pair found is returned. Only the
/// first [`START_STOP_SAMPLE`] rows are examined (the layout shows there).
pub fn detect_start_stop(table: &Table) -> Option<StartStop> {
    let n = table.n_rows().min(START_STOP_SAMPLE);
    if n < 3 {
        return None;
    }
    let rows: Vec<usize> = (0..n).collect();
    // Number/date columns with values on most rows.
    let nums: Vec<&Column> = table
        .columns
        .iter()
        .filter(|c| matches!(c.data, ColumnData::Numeric(_) | ColumnData::Date(_)) && (0..n).filter(|&r| !c.number(r).is_nan()).count() * 10 >= n * 9)
        .collect();
    // Ordered (start, stop) pairs with start < stop wherever both are present.
    let mut pairs = Vec::new();
    for a in &nums {
        for b in &nums {
            if std::ptr::eq(*a, *b) || matches!(a.data, ColumnData::Date(_)) != matches!(b.data, ColumnData::Date(_)) {
                continue;
            }
            if (0..n).all(|r| {
                let (x, y) = (a.number(r), b.number(r));
                x.is_nan() || y.is_nan() || x < y
            }) {
                pairs.push((*a, *b));
            }
        }
    }
    if pairs.is_empty() {
        return None;
    }
    // Id candidates: repeated values, at least 2 ids, not mostly one id.
    let id_name = |s: &str| {
        let s = s.to_ascii_lowercase();
        s == "id" || s.ends_with("id") || s.contains("patient") || s.contains("subject") || s.contains("mrn") || s.contains("record")
    };
    // Distinct values among the rows examined, without formatting (whole numbers or text only).
    let distinct = |c: &Column| -> Option<usize> {
        match &c.data {
            ColumnData::Text { codes, .. } => {
                let mut v: Vec<u32> = codes[..n].to_vec();
                v.sort_unstable();
                v.dedup();
                (!v.contains(&MISSING)).then_some(v.len())
            }
            ColumnData::Numeric(_) => {
                let mut v: Vec<f64> = (0..n).map(|r| c.number(r)).collect();
                if v.iter().any(|x| x.is_nan() || x.fract() != 0.0) {
                    return None;
                }
                v.sort_unstable_by(f64::total_cmp);
                v.dedup();
                Some(v.len())
            }
            ColumnData::Date(_) => None,
        }
    };
    let mut ids: Vec<(bool, usize, &Column)> = table
        .columns
        .iter()
        .filter_map(|c| distinct(c).map(|d| (id_name(&c.name), d, c)))
        .filter(|&(_, d, _)| d >= 2 && d < n && d * 20 >= n.min(2000))
        .collect();
    ids.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let ids: Vec<(bool, usize, &Column, Factor)> = ids.into_iter().take(3).map(|(named, d, c)| (named, d, c, factor(c, &rows))).collect();
    for (_, patients, idc, f) in ids.iter().take(3) {
        for (a, b) in &pairs {
            if std::ptr::eq(*a, *idc) || std::ptr::eq(*b, *idc) {
                continue;
            }
            let mut order: Vec<usize> = (0..n).filter(|&r| !a.number(r).is_nan() && !b.number(r).is_nan()).collect();
            order.sort_by(|&x, &y| f.codes[x].cmp(&f.codes[y]).then(a.number(x).total_cmp(&a.number(y))));
            let (mut chained, mut links, mut overlap) = (0usize, 0usize, false);
            for w in order.windows(2) {
                if f.codes[w[0]] != f.codes[w[1]] {
                    continue;
                }
                links += 1;
                let (stop0, start1) = (b.number(w[0]), a.number(w[1]));
                if start1 < stop0 {
                    overlap = true;
                    break;
                }
                if start1 == stop0 {
                    chained += 1;
                }
            }
            if !overlap && links > 0 && chained * 10 >= links * 9 {
                return Some(StartStop { id: idc.name.clone(), start: a.name.clone(), stop: b.name.clone(), rows: n, patients: *patients });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(name: &str, v: Vec<f64>) -> Column {
        Column::new(name, ColumnData::Numeric(v), ColumnKind::Numeric)
    }

    /// A count column is recognised by its name and its whole, non-negative numbers, and only
    /// then; the reason gives the range and the total.
    #[test]
    fn count_column_is_recognised_only_when_it_looks_like_counts() {
        let table = |cols: Vec<Column>| Table { name: "t".into(), lines: (0..cols[0].len() as u64).map(|i| i + 2).collect(), columns: cols, notes: Vec::new() };
        let t = table(vec![numeric("time", vec![5.0, 8.0, 9.0]), numeric("N", vec![3.0, 0.0, 12.0])]);
        let c = t.count_column().unwrap();
        assert_eq!(c.column, "N");
        assert_eq!(c.total, 15.0);
        assert!(c.reason.contains("whole numbers from 0 to 12 (together 15 in 3 rows)"), "{}", c.reason);
        assert_eq!(t.schema().count_column, Some(c));
        for (name, v) in [
            ("n", vec![1.0, 2.5, 3.0]),           // not whole
            ("count", vec![1.0, -2.0, 3.0]),      // negative
            ("freq", vec![1.0, f64::NAN, 3.0]),   // missing
            ("weight", vec![1.0, 1.0, 0.0]),      // nothing above 1: counts change nothing
            ("age", vec![61.0, 70.0, 55.0]),      // not a count's name
        ] {
            let t = table(vec![numeric("time", vec![5.0, 8.0, 9.0]), numeric(name, v)]);
            assert_eq!(t.count_column(), None, "{name}");
        }
        let t = table(vec![numeric("time", vec![5.0, 8.0]), Column::new("n", ColumnData::Text { codes: vec![0, 1], levels: vec!["a".into(), "b".into()] }, ColumnKind::Categorical)]);
        assert_eq!(t.count_column(), None);
        let t = table(vec![numeric("Patient_Count", vec![2.0, 7.0])]);
        assert_eq!(t.count_column(), None, "only the names of COUNT_NAMES");
        let t = table(vec![numeric("n_patients", vec![2.0, 7.0])]);
        assert_eq!(t.count_column().unwrap().column, "n_patients");
    }

    /// Large columns (partitions of hundreds to thousands of values, counted with the bitmaps
    /// or, when repeats abound, the hash set) give the count of sorting and removing repeats.
    #[test]
    fn distinct_values_of_large_columns_match_sorting() {
        let mut rng = crate::rng::SplitMix64(11);
        for case in 0..14 {
            let n = 100_000 + (rng.next_u64() % 200_000) as usize;
            let v: Vec<f64> = (0..n)
                .map(|_| match (case, rng.next_u64() % 100) {
                    (_, 0) => f64::NAN,
                    (0 | 1, _) => rng.normal(),
                    (2 | 3, k) if k < 50 => (rng.next_u64() % 1000) as f64,
                    (2 | 3, _) => rng.normal(),
                    (4 | 5, _) => (rng.next_u64() % 50_000) as f64 * 0.25,
                    (6 | 7, _) => (rng.next_u64() % 80_000) as f64,
                    // A few thousand values repeated: uneven partitions.
                    (8 | 9, _) => (rng.next_u64() % 5_000) as f64 * 0.37 - 300.0,
                    // One value in most cells: one partition holds most of the column.
                    (10 | 11, k) if k < 97 => 0.5,
                    (10 | 11, _) => rng.normal(),
                    // Mostly NaN, −0 and ±∞.
                    (_, k) if k < 60 => f64::NAN,
                    (_, k) if k < 62 => [-0.0, f64::INFINITY, f64::NEG_INFINITY][k as usize % 3],
                    _ => rng.normal() * 1e3,
                })
                .collect();
            let mut bits: Vec<u64> = v.iter().filter(|x| !x.is_nan()).map(|x| x.to_bits()).collect();
            bits.sort_unstable();
            bits.dedup();
            let s = number_stats(&v, 12, &mut Vec::new());
            assert_eq!(s.distinct, bits.len(), "case {case}");
            assert_eq!(distinct_values(&v, 12).0, bits.len(), "case {case}");
            // The range and the NaN cells as one plain pass gives them.
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &x in &v {
                lo = if x < lo { x } else { lo };
                hi = if x > hi { x } else { hi };
            }
            assert_eq!((s.lo.to_bits(), s.hi.to_bits()), (lo.to_bits(), hi.to_bits()), "case {case}");
            assert_eq!(s.nan, v.iter().filter(|x| x.is_nan()).count(), "case {case}");
        }
    }

    /// The hash set's count equals sorting the bit patterns and removing repeats; the kept
    /// values come in order of first appearance.
    #[test]
    fn distinct_values_match_sorting() {
        let mut rng = crate::rng::SplitMix64(5);
        for case in 0..200 {
            let n = (rng.next_u64() % 30000) as usize;
            let range = 1 + rng.next_u64() % [3, 20, 1000, 6000, u64::MAX][case % 5];
            let v: Vec<f64> = (0..n)
                .map(|_| match rng.next_u64() % 50 {
                    0 => f64::NAN,
                    1 => -0.0,
                    _ => (rng.next_u64() % range) as f64 * 0.5,
                })
                .collect();
            let mut bits: Vec<u64> = v.iter().filter(|x| !x.is_nan()).map(|x| x.to_bits()).collect();
            bits.sort_unstable();
            bits.dedup();
            let (count, kept) = distinct_values(&v, 12);
            assert_eq!(count, bits.len());
            if count <= 12 {
                let mut first: Vec<u64> = Vec::new();
                for x in v.iter().filter(|x| !x.is_nan()) {
                    if !first.contains(&x.to_bits()) {
                        first.push(x.to_bits());
                    }
                }
                assert_eq!(kept.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), first);
            } else {
                assert!(kept.is_empty());
            }
        }
    }
}
