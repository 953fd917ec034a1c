//! Small numerical helpers shared by the estimators.

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// A test statistic with its degrees of freedom and p-value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TestResult {
    pub chisq: f64,
    pub df: f64,
    pub p: f64,
}

impl TestResult {
    /// Chi-square test; p is computed from the upper tail.
    pub fn chisq(chisq: f64, df: f64) -> Self {
        TestResult { chisq, df, p: chisq_sf(chisq, df) }
    }
}

/// Upper tail of the chi-square distribution; NaN for df ≤ 0 or a non-finite statistic.
pub fn chisq_sf(x: f64, df: f64) -> f64 {
    if !(df > 0.0) || !x.is_finite() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

/// Standard normal quantile.
pub fn qnorm(p: f64) -> f64 {
    Normal::new(0.0, 1.0).map(|d| d.inverse_cdf(p)).unwrap_or(f64::NAN)
}

/// Two-sided p-value of a z statistic.
pub fn pnorm_two_sided(z: f64) -> f64 {
    if !z.is_finite() {
        return f64::NAN;
    }
    let n = Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable_normal());
    2.0 * n.sf(z.abs())
}

/// Upper tail of the standard normal.
pub fn pnorm_upper(z: f64) -> f64 {
    Normal::new(0.0, 1.0).map(|d| d.sf(z)).unwrap_or(f64::NAN)
}

fn unreachable_normal() -> Normal {
    // Normal::new(0, 1) cannot fail; this keeps the code free of unwrap on a Result.
    Normal::standard()
}

/// z quantile for a two-sided 95% interval (1.959963984540054).
pub fn z95() -> f64 {
    qnorm(0.975)
}

/// Holm's step-down adjustment of p-values (as R's `p.adjust(method = "holm")`): an undefined
/// p-value (NaN, R's NA) stays undefined and does not count among the tests.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    let m = idx.len();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (rank, &i) in idx.iter().enumerate() {
        let adj = ((m - rank) as f64 * p[i]).min(1.0);
        running = running.max(adj);
        out[i] = running;
    }
    out
}

/// Make room in the WebAssembly heap for the `bytes` that a step is about to allocate in
/// vectors of about `piece` bytes, growing the memory in two steps at most. In V8 each
/// `memory.grow` gives the memory a new ArrayBuffer that counts as external memory and starts a
/// full garbage collection (tens of ms each in a page with many JavaScript objects), and the
/// allocator grows the memory once per vector that its free space cannot hold: the first Cox
/// analysis of a 1M-row file in a fresh instance paid about 20 of them (README "Benchmark").
/// Blocks of `piece` bytes are taken, as the vectors would take them (from free space first),
/// until one grows the memory; then the rest in one block; then all are freed for the vectors
/// that follow. Nothing is done when the memory would pass 3 GiB (of the 4 GiB of wasm32: the
/// vectors smaller than `piece` may still find free holes the blocks did not, and near the
/// limit that headroom matters more than the collections), nor natively (the system allocator
/// maps large blocks itself).
pub fn reserve_heap(bytes: usize, piece: usize) {
    #[cfg(target_arch = "wasm32")]
    {
        use core::arch::wasm32::memory_size;
        if (memory_size::<0>() as u64) * 65536 + bytes as u64 > 3 << 30 {
            return;
        }
        let mut held: Vec<Vec<u8>> = Vec::new();
        let (mut left, mut grown) = (bytes, false);
        while left > 0 {
            let size = if grown { left } else { left.min(piece.max(1 << 16)) };
            let before = memory_size::<0>();
            let mut block: Vec<u8> = Vec::new();
            if block.try_reserve_exact(size).is_err() {
                break;
            }
            // Keep the compiler from leaving out an allocation that is freed unused.
            std::hint::black_box(block.as_mut_ptr());
            grown = memory_size::<0>() > before;
            held.push(block);
            left -= size;
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (bytes, piece);
}

/// Indices that sort `time` ascending (ties in row order; −0 counts as 0; NaN last). A stable
/// radix sort of order-preserving integer keys ([`time_key`]): a few linear passes instead of
/// n log n comparisons (see [`KeySort`]); when the keys differ in few bits (whole days), a
/// counting sort (see [`COUNTING_KEY_BITS`]).
pub fn order_by_time(time: &[f64]) -> Vec<usize> {
    let n = time.len();
    let sort = KeySort::plan(time, bit_width(n.saturating_sub(1) as u64));
    if sort.key_bits <= COUNTING_KEY_BITS && n >= 1 << sort.key_bits && n >= 64 {
        return counting_order(time, &sort);
    }
    match sort.words_or_pairs(n) {
        Ok(mut words) => {
            words.extend(time.iter().enumerate().map(|(i, &t)| sort.word(sort.key(t), i as u64)));
            radix_sort_words(&mut words, sort.key_bits + sort.payload_bits);
            let mask = low_mask(sort.payload_bits);
            words.into_iter().map(|w| (w & mask) as usize).collect()
        }
        Err(mut pairs) => {
            pairs.extend(time.iter().enumerate().map(|(i, &t)| (sort.key(t), i as u64)));
            radix_sort(&mut pairs, false);
            pairs.into_iter().map(|(_, i)| i as usize).collect()
        }
    }
}

/// Widest varying part of the time keys that [`order_by_time`] sorts by counting (one bucket
/// per key value, 2^16 buckets at most) rather than by radix passes: whole-day times of a few
/// years differ in 12 or 13 bits, so one counting pass and one placing pass replace the three
/// passes of each over packed words, and no words are made (the order is written directly).
const COUNTING_KEY_BITS: u32 = 16;

/// [`order_by_time`] by counting: the number of rows of each key value, their running sums
/// (where each value's rows start), and each row written at its value's next place in row
/// order (so ties keep the row order).
fn counting_order(time: &[f64], sort: &KeySort) -> Vec<usize> {
    let mut next = vec![0usize; (1usize << sort.key_bits) + 1];
    for chunk in time.chunks(CHUNK) {
        count_buckets(chunk, sort, &mut next[1..]);
    }
    for b in 1..next.len() {
        next[b] += next[b - 1];
    }
    let mut order = vec![0usize; time.len()];
    for (c, chunk) in time.chunks(CHUNK).enumerate() {
        place_buckets(chunk, c * CHUNK, sort, &mut next, &mut order);
    }
    order
}

/// The bucket of a time in [`counting_order`]: its key's varying bits.
#[inline]
fn bucket(sort: &KeySort, t: f64) -> usize {
    ((sort.key(t) >> sort.lo) & low_mask(sort.key_bits)) as usize
}

#[inline(never)]
fn count_buckets(time: &[f64], sort: &KeySort, count: &mut [usize]) {
    for &t in time {
        count[bucket(sort, t)] += 1;
    }
}

#[inline(never)]
fn place_buckets(time: &[f64], first_row: usize, sort: &KeySort, next: &mut [usize], order: &mut [usize]) {
    for (i, &t) in time.iter().enumerate() {
        let b = bucket(sort, t);
        order[next[b]] = first_row + i;
        next[b] += 1;
    }
}

/// `order` stably re-sorted by `code[order[k]]` (ascending; equal codes keep their order in
/// `order`): a counting sort when the codes are dense (below the number of rows, as factor
/// codes are), else a radix sort of (code, position) pairs.
pub fn stable_order_by_code(order: &[usize], code: &[u32]) -> Vec<usize> {
    let n = order.len();
    let max = order.iter().map(|&i| code[i]).max().unwrap_or(0) as usize;
    if max < n.max(1 << 12) {
        let mut next = vec![0usize; max + 2];
        for &i in order {
            next[code[i] as usize + 1] += 1;
        }
        for b in 1..next.len() {
            next[b] += next[b - 1];
        }
        let mut out = vec![0usize; n];
        for &i in order {
            let b = code[i] as usize;
            out[next[b]] = i;
            next[b] += 1;
        }
        return out;
    }
    let mut pairs: Vec<(u64, u64)> = order.iter().map(|&i| (code[i] as u64, i as u64)).collect();
    radix_sort(&mut pairs, false);
    pairs.into_iter().map(|(_, i)| i as usize).collect()
}

/// Bits needed to write `x` (0 for 0).
fn bit_width(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// The `bits` lowest bits set.
fn low_mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// How to sort (time key, payload) items by key then payload. Keys of real data share most of
/// their bits (whole days from 1 to 5000 differ only in bits 42–62 of the key), so when the bits
/// in which the keys differ and the payload fit in one 64-bit word together, each item is packed
/// into one word — half the memory traffic of (key, payload) pairs, and fewer radix passes.
struct KeySort {
    /// Every time is a whole number in [0, 2^53) and is its own key (whole days 1 to 5000 then
    /// differ only in their lowest 13 bits); otherwise the key is [`time_key`].
    ints: bool,
    /// Key bits shared by every key (outside the varying range).
    base: u64,
    /// Lowest varying key bit.
    lo: u32,
    /// Width of the varying key bits.
    key_bits: u32,
    payload_bits: u32,
}

impl KeySort {
    /// Plan from the times (the keys of every row, kept or not: a superset of the varying bits
    /// is still correct).
    fn plan(time: &[f64], payload_bits: u32) -> KeySort {
        // One pass (in chunks, see CHUNK): whether every time is whole, and the bits in which
        // the keys of either kind differ from the first.
        let (first_int, first_key) = time.first().map_or((0, 0), |&t| (t as u64, time_key(t)));
        let (mut ints, mut diff_int, mut diff_key) = (true, 0u64, 0u64);
        for chunk in time.chunks(CHUNK) {
            let (i, d, k) = KeySort::key_bits_in(chunk, first_int, first_key);
            ints &= i;
            diff_int |= d;
            diff_key |= k;
        }
        let first = if ints { first_int } else { first_key };
        let diff = if ints { diff_int } else { diff_key };
        let (lo, key_bits) = if diff == 0 { (0, 0) } else { (diff.trailing_zeros(), bit_width(diff) - diff.trailing_zeros()) };
        KeySort { ints, base: first & !(low_mask(key_bits) << lo), lo, key_bits, payload_bits }
    }

    /// (every time whole, bits differing from `first_int` as whole numbers, from `first_key` as
    /// [`time_key`]s) over a chunk of times.
    #[inline(never)]
    fn key_bits_in(time: &[f64], first_int: u64, first_key: u64) -> (bool, u64, u64) {
        let (mut ints, mut di, mut dk) = (true, 0u64, 0u64);
        for &t in time {
            ints &= t >= 0.0 && t < 9_007_199_254_740_992.0 && t == (t as u64) as f64;
            di |= (t as u64) ^ first_int;
            dk |= time_key(t) ^ first_key;
        }
        (ints, di, dk)
    }

    /// The sort key of a time.
    #[inline]
    fn key(&self, t: f64) -> u64 {
        if self.ints {
            t as u64
        } else {
            time_key(t)
        }
    }

    /// The time of a sort key.
    #[inline]
    fn time(&self, key: u64) -> f64 {
        if self.ints {
            key as f64
        } else {
            key_time(key)
        }
    }

    /// An empty vector of words when items fit in one, else of pairs.
    fn words_or_pairs(&self, n: usize) -> Result<Vec<u64>, Vec<(u64, u64)>> {
        if self.key_bits + self.payload_bits <= 64 {
            Ok(Vec::with_capacity(n))
        } else {
            Err(Vec::with_capacity(n))
        }
    }

    #[inline]
    fn word(&self, key: u64, payload: u64) -> u64 {
        if self.key_bits == 0 {
            payload
        } else {
            (((key >> self.lo) & low_mask(self.key_bits)) << self.payload_bits) | payload
        }
    }

    /// (key, payload) of a word.
    #[inline]
    fn unpack(&self, w: u64) -> (u64, u64) {
        let k = if self.payload_bits >= 64 { 0 } else { w >> self.payload_bits };
        (self.base | (k << self.lo), w & low_mask(self.payload_bits))
    }
}

/// Digits of at most 11 bits covering the lowest `bits` bits of the first (or `second`) word:
/// the fewest passes with histograms small enough for the cache.
fn digits(bits: u32, second: bool) -> Vec<Digit> {
    if bits == 0 {
        return Vec::new();
    }
    let passes = bits.div_ceil(11);
    let width = bits.div_ceil(passes);
    (0..passes).map(|p| Digit { shift: p * width, width: width.min(bits - p * width), second }).collect()
}

/// A radix digit: `width` (≤ 11) bits at `shift` of the item's first word (its key) or, when
/// `second`, of its second word (a pair's payload).
#[derive(Clone, Copy)]
struct Digit {
    shift: u32,
    width: u32,
    second: bool,
}

/// One stable counting-sort pass per digit, least significant first; `word(item, second)`
/// gives the item's word a digit is cut from. All histograms are counted before any pass; a
/// digit that is the same in every item needs no pass.
fn lsd_sort<T: Copy + Default>(v: &mut Vec<T>, digits: &[Digit], word: impl Fn(&T, bool) -> u64) {
    let n = v.len();
    let mut hist: Vec<[u32; 2048]> = vec![[0u32; 2048]; digits.len()];
    for (h, dg) in hist.iter_mut().zip(digits) {
        for chunk in v.chunks(CHUNK) {
            count_digits(chunk, h, *dg, &word);
        }
    }
    let mut buf: Vec<T> = vec![T::default(); n];
    for (h, dg) in hist.iter_mut().zip(digits) {
        if h.iter().any(|&c| c as usize == n) {
            continue; // every item has the same digit here
        }
        let mut at = 0u32;
        for c in h.iter_mut() {
            let count = *c;
            *c = at;
            at += count;
        }
        for chunk in v.chunks(CHUNK) {
            scatter(chunk, &mut buf, h, *dg, &word);
        }
        std::mem::swap(v, &mut buf);
    }
}

/// Items per call of the functions that run the passes of a sort. In the browser a function
/// starts as quickly compiled baseline code and is swapped for optimised code only between
/// calls (a running loop is not replaced), so a long pass runs as many calls of a small
/// function: after the first few, the rest run optimised.
const CHUNK: usize = 1 << 15;

/// Widest item (time key and payload bits) [`Tallies::new`] counts in a histogram instead of
/// sorting: 2^20 slots, 4 MB.
const HISTOGRAM_BITS: u32 = 20;

/// Histogram of digit `dg` over `items`.
#[inline(never)]
fn count_digits<T>(items: &[T], h: &mut [u32; 2048], dg: Digit, word: &impl Fn(&T, bool) -> u64) {
    let mask = low_mask(dg.width);
    for x in items {
        h[((word(x, dg.second) >> dg.shift) & mask) as usize & 2047] += 1;
    }
}

/// Move `items` to their places in `buf` by digit `dg` (`h`: next place of each digit value).
#[inline(never)]
fn scatter<T: Copy>(items: &[T], buf: &mut [T], h: &mut [u32; 2048], dg: Digit, word: &impl Fn(&T, bool) -> u64) {
    let mask = low_mask(dg.width);
    for x in items {
        let b = ((word(x, dg.second) >> dg.shift) & mask) as usize & 2047;
        buf[h[b] as usize] = *x;
        h[b] += 1;
    }
}

/// Radix sort of words (`u32` or `u64`) whose bits above the lowest `bits` are all zero.
pub fn radix_sort_words<W: Copy + Default + Ord + Into<u64>>(v: &mut Vec<W>, bits: u32) {
    if v.len() < 64 {
        v.sort_unstable();
        return;
    }
    lsd_sort(v, &digits(bits.min(64), false), |&w, _| w.into());
}

/// An integer key whose unsigned order is the order of `f64::total_cmp` (with −0 taken as 0):
/// flip every bit of a negative number, only the sign bit of a positive one.
#[inline]
pub fn time_key(t: f64) -> u64 {
    let b = (t + 0.0).to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// The time a [`time_key`] was made from.
#[inline]
pub fn key_time(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// Stable LSD radix sort of (key, payload) pairs by key — and by payload within equal keys
/// when `with_payload` — over the bits in which keys (payloads) differ.
pub fn radix_sort(v: &mut Vec<(u64, u64)>, with_payload: bool) {
    if v.len() < 64 {
        if with_payload {
            v.sort_unstable();
        } else {
            v.sort_by_key(|p| p.0);
        }
        return;
    }
    let (k0, p0) = v[0];
    let (dk, dp) = v.iter().fold((0u64, 0u64), |(a, b), &(k, p)| (a | (k ^ k0), b | (p ^ p0)));
    // Payload digits first (less significant), then key digits.
    let pd = if with_payload { digits(bit_width(dp), true) } else { Vec::new() };
    let all: Vec<Digit> = pd.into_iter().chain(digits(bit_width(dk), false)).collect();
    lsd_sort(v, &all, |&(k, p), second| if second { p } else { k });
}

/// The rows of an analysis collapsed to their distinct (time, stratum, group) cells, with the
/// number of rows of each status in each cell: the one sort that Kaplan-Meier, the log-rank
/// family, cumulative incidence and Gray's test share.
///
/// Every one of those estimators needs only, at each distinct time, how many rows of each group
/// (within each stratum) end there with an event, a competing event or a censoring; the number
/// at risk follows by subtracting those counts from the group's size. Sorting the rows once by
/// (time, stratum, group) — a radix sort of order-preserving integer keys — and counting equal
/// neighbours gives exactly that. Cells come in time order; with strata, [`Tallies::strata`]
/// lists them stratum by stratum (time order kept within each). A registry extract with whole-day
/// times has a few thousand cells however many rows it has, so everything after the sort runs
/// over cells, not rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tallies {
    /// Time of each cell (non-decreasing).
    pub time: Vec<f64>,
    /// Group code of each cell (`< n_groups`).
    pub group: Vec<u32>,
    /// Stratum code of each cell (0 without strata).
    pub stratum: Vec<u32>,
    /// Rows of the cell with status 0, 1, 2 and any other value.
    pub count: Vec<[u32; 4]>,
    pub n_groups: usize,
    /// Cell indices stratum by stratum (ascending code), time order kept within a stratum;
    /// empty without strata.
    by_stratum: Vec<u32>,
    /// Where each stratum's run starts in `by_stratum` (and one past the end).
    stratum_start: Vec<usize>,
}

impl Tallies {
    /// Collapse the rows `i` with `group[i] < n_groups` and `keep(i)`; without `group` every
    /// row is in group 0. `strata` (codes), when given, splits cells further. Rows beyond the end
    /// of `status`, `group` or `strata` are skipped.
    pub fn new(
        time: &[f64],
        status: &[u8],
        group: Option<&[u32]>,
        n_groups: usize,
        strata: Option<&[u32]>,
        keep: impl Fn(usize) -> bool,
    ) -> Tallies {
        // Strata codes take at most 30 bits of the payload; larger codes are renumbered.
        let dense;
        let strata = match strata {
            Some(s) if s.iter().any(|&c| c >= 1 << 30) => {
                let mut levels: Vec<u32> = s.to_vec();
                levels.sort_unstable();
                levels.dedup();
                dense = s.iter().map(|c| levels.partition_point(|l| l < c) as u32).collect::<Vec<u32>>();
                Some(&dense[..])
            }
            other => other,
        };
        // Payload: stratum | group | status class (2 bits), each as wide as it needs.
        let gbits = bit_width(n_groups.saturating_sub(1) as u64).min(32);
        let sbits = strata.map_or(0, |x| bit_width(x.iter().copied().max().unwrap_or(0) as u64));
        let sort = KeySort::plan(time, sbits + gbits + 2);
        let mut tl = Tallies { n_groups, ..Default::default() };
        let mut add = |key: u64, cell: u64, c: [u32; 4]| {
            tl.time.push(sort.time(key));
            tl.group.push((cell & low_mask(gbits)) as u32);
            tl.stratum.push((cell >> gbits) as u32);
            tl.count.push(c);
        };
        // Equal (key, cell) neighbours form a cell; the payload's last two bits count by status.
        let rows = Rows { time, status, group, strata, n_groups, gbits, sort: &sort };
        let bits = sort.key_bits + sort.payload_bits;
        if bits <= HISTOGRAM_BITS && 1usize << bits <= 4 * time.len().max(1) {
            // Few distinct items (whole days, a few groups): count each item in a histogram
            // indexed by the item itself, then read the cells off in order — one pass over the
            // rows instead of a sort. Four consecutive slots are one cell's status classes.
            let mut hist = vec![0u32; 1 << bits];
            rows.each(&keep, |k, p| hist[sort.word(k, p) as usize] += 1);
            for (cell, c) in hist.chunks_exact(4).enumerate() {
                if c != [0; 4] {
                    let (key, payload) = sort.unpack((cell as u64) << 2);
                    add(key, payload >> 2, [c[0], c[1], c[2], c[3]]);
                }
            }
            return tl.by_stratum_order(strata.is_some());
        }
        if bits <= 32 {
            // Half the memory again when an item fits in 32 bits.
            let mut words: Vec<u32> = Vec::with_capacity(time.len());
            rows.each(&keep, |k, p| words.push(sort.word(k, p) as u32));
            radix_sort_words(&mut words, bits);
            collapse_words(&words, &sort, &mut add);
            return tl.by_stratum_order(strata.is_some());
        }
        match sort.words_or_pairs(time.len()) {
            Ok(mut words) => {
                rows.each(&keep, |k, p| words.push(sort.word(k, p)));
                radix_sort_words(&mut words, sort.key_bits + sort.payload_bits);
                collapse_words(&words, &sort, &mut add);
            }
            Err(mut pairs) => {
                rows.each(&keep, |k, p| pairs.push((k, p)));
                radix_sort(&mut pairs, true);
                let mut i = 0;
                while i < pairs.len() {
                    let (key, cell) = (pairs[i].0, pairs[i].1 >> 2);
                    let mut c = [0u32; 4];
                    while i < pairs.len() && pairs[i].0 == key && pairs[i].1 >> 2 == cell {
                        c[(pairs[i].1 & 3) as usize] += 1;
                        i += 1;
                    }
                    add(key, cell, c);
                }
            }
        }
        tl.by_stratum_order(strata.is_some())
    }

    /// With strata, list the cells stratum by stratum (see [`Tallies::strata`]).
    fn by_stratum_order(mut self, strata: bool) -> Tallies {
        let tl = &mut self;
        if strata {
            // Counting sort of the cells by stratum (stable: time order kept).
            let n_strata = tl.stratum.iter().max().map_or(0, |&m| m as usize + 1);
            let mut start = vec![0usize; n_strata + 1];
            for &s in &tl.stratum {
                start[s as usize + 1] += 1;
            }
            for k in 0..n_strata {
                start[k + 1] += start[k];
            }
            let mut next = start.clone();
            let mut by = vec![0u32; tl.time.len()];
            for (j, &s) in tl.stratum.iter().enumerate() {
                by[next[s as usize]] = j as u32;
                next[s as usize] += 1;
            }
            // Keep only strata that have cells.
            start.dedup();
            tl.by_stratum = by;
            tl.stratum_start = start;
        }
        self
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// The cells of each stratum in time order (one list, all cells, without strata).
    pub fn strata(&self) -> impl Iterator<Item = StratumCells<'_>> + '_ {
        let runs: Vec<(usize, usize)> = if self.stratum_start.len() >= 2 {
            self.stratum_start.windows(2).map(|w| (w[0], w[1])).collect()
        } else {
            vec![(0, self.len())]
        };
        runs.into_iter().filter(|r| r.1 > r.0).map(move |(a, b)| StratumCells { tallies: self, start: a, end: b })
    }

    /// Each group's distinct times in order, merged over strata, with the number at risk.
    pub fn per_group(&self) -> Vec<GroupTimes> {
        let mut out = vec![GroupTimes::default(); self.n_groups];
        for j in 0..self.len() {
            let g = &mut out[self.group[j] as usize];
            let c = self.count[j];
            if g.time.last() == Some(&self.time[j]) {
                if let Some(last) = g.count.last_mut() {
                    for k in 0..4 {
                        last[k] += c[k];
                    }
                }
            } else {
                g.time.push(self.time[j]);
                g.count.push(c);
            }
        }
        for g in &mut out {
            let total: u64 = g.count.iter().map(|c| c.iter().map(|&x| x as u64).sum::<u64>()).sum();
            let mut at_risk = total;
            g.n_risk.reserve(g.time.len());
            for c in &g.count {
                g.n_risk.push(at_risk as f64);
                at_risk -= c.iter().map(|&x| x as u64).sum::<u64>();
            }
        }
        out
    }
}

/// Runs of equal sorted words but for the two status bits are one cell each: `add(time key,
/// cell, counts by status)`.
fn collapse_words<W: Copy + Into<u64>>(words: &[W], sort: &KeySort, add: &mut impl FnMut(u64, u64, [u32; 4])) {
    let mut i = 0;
    while i < words.len() {
        let cell_word = words[i].into() >> 2;
        let mut c = [0u32; 4];
        while i < words.len() && words[i].into() >> 2 == cell_word {
            c[(words[i].into() & 3) as usize] += 1;
            i += 1;
        }
        let (key, payload) = sort.unpack(cell_word << 2);
        add(key, payload >> 2, c);
    }
}

/// The rows [`Tallies::new`] collapses.
struct Rows<'a> {
    time: &'a [f64],
    status: &'a [u8],
    group: Option<&'a [u32]>,
    strata: Option<&'a [u32]>,
    n_groups: usize,
    gbits: u32,
    sort: &'a KeySort,
}

impl Rows<'_> {
    /// `emit(time key, payload)` for each kept row, payload = stratum | group | status class
    /// (2 bits). Rows end where the shortest of the slices ends. Runs as calls of a small
    /// function over [`CHUNK`] rows each (with `emit` inlined into it; see [`CHUNK`]).
    fn each(&self, keep: &impl Fn(usize) -> bool, mut emit: impl FnMut(u64, u64)) {
        let n = [Some(self.time.len()), Some(self.status.len()), self.group.map(<[u32]>::len), self.strata.map(<[u32]>::len)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(0);
        for start in (0..n).step_by(CHUNK) {
            self.each_in(start..n.min(start + CHUNK), keep, &mut emit);
        }
    }

    #[inline(never)]
    fn each_in(&self, rows: std::ops::Range<usize>, keep: &impl Fn(usize) -> bool, emit: &mut impl FnMut(u64, u64)) {
        let (time, status) = (&self.time[..rows.end], &self.status[..rows.end]);
        let (group, strata, n_groups, sort) = (self.group, self.strata, self.n_groups, self.sort);
        let shift = self.gbits + 2;
        for i in rows {
            let g = match group {
                Some(x) => x[i],
                None => 0,
            };
            if (g as usize) < n_groups && keep(i) {
                let st = match strata {
                    Some(x) => x[i] as u64,
                    None => 0,
                };
                emit(sort.key(time[i]), st << shift | (g as u64) << 2 | status[i].min(3) as u64);
            }
        }
    }
}

/// One group's distinct times (see [`Tallies::per_group`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupTimes {
    pub time: Vec<f64>,
    /// Rows at risk just before each time (time ≥ t).
    pub n_risk: Vec<f64>,
    /// Rows ending at each time with status 0, 1, 2 and any other value.
    pub count: Vec<[u32; 4]>,
}

/// The cells of one stratum, in time order.
#[derive(Clone, Copy)]
pub struct StratumCells<'a> {
    tallies: &'a Tallies,
    start: usize,
    end: usize,
}

impl StratumCells<'_> {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// Cell index (into the [`Tallies`] vectors) of the stratum's `k`-th cell.
    #[inline]
    pub fn cell(&self, k: usize) -> usize {
        let pos = self.start + k;
        if self.tallies.by_stratum.is_empty() {
            pos
        } else {
            self.tallies.by_stratum[pos] as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn holm_matches_r() {
        // p.adjust(c(0.01, 0.04, 0.03, 0.2), "holm") = 0.04 0.09 0.09 0.20
        let a = holm(&[0.01, 0.04, 0.03, 0.2]);
        let e = [0.04, 0.09, 0.09, 0.2];
        for (x, y) in a.iter().zip(e) {
            assert!((x - y).abs() < 1e-12, "{a:?}");
        }
        // p.adjust(c(NA, 0.3173105, 0.3173105), "holm") = NA 0.634621 0.634621: the undefined
        // test neither becomes 1 nor counts (a pair of groups with delayed entry where only one
        // has events, from a random cohort of tests/random/run.sh --designs).
        let a = holm(&[f64::NAN, 0.3173105, 0.3173105]);
        assert!(a[0].is_nan() && (a[1] - 0.634621).abs() < 1e-12 && (a[2] - 0.634621).abs() < 1e-12, "{a:?}");
    }
    /// xorshift64*: deterministic test data.
    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    #[test]
    fn time_keys_order_as_total_cmp() {
        let v = [f64::NEG_INFINITY, -3.5, -1e-300, -0.0, 0.0, 1e-300, 1.0, 2.5, 1e300, f64::INFINITY, f64::NAN];
        for w in v.windows(2) {
            // −0 and 0 share a key; every other pair keeps its order.
            assert!(time_key(w[0]) < time_key(w[1]) || (w[0] == 0.0 && w[1] == 0.0), "{w:?}");
        }
        for &x in &v[..10] {
            assert_eq!(key_time(time_key(x)), x + 0.0);
        }
        assert!(key_time(time_key(f64::NAN)).is_nan());
    }

    #[test]
    fn order_by_time_matches_a_stable_comparison_sort() {
        let mut next = rng(17);
        for &(n, distinct) in &[(0usize, 1u64), (5, 3), (63, 10), (64, 10), (1000, 7), (5000, 1 << 40), (3000, 2)] {
            let time: Vec<f64> = (0..n)
                .map(|_| {
                    let r = next();
                    match r % 50 {
                        0 => f64::NAN,
                        1 => -0.0,
                        2 => -(((r >> 8) % distinct) as f64) / 4.0,
                        _ => ((r >> 8) % distinct) as f64 / 4.0,
                    }
                })
                .collect();
            let mut expect: Vec<usize> = (0..n).collect();
            expect.sort_by(|&a, &b| (time[a] + 0.0).total_cmp(&(time[b] + 0.0)));
            assert_eq!(order_by_time(&time), expect, "n = {n}");
        }
        // Whole numbers (their own keys), with −0 among them.
        let time: Vec<f64> = (0..3000).map(|i| if i % 97 == 0 { -0.0 } else { (next() % 5000) as f64 }).collect();
        assert!(KeySort::plan(&time, 12).ints);
        let mut expect: Vec<usize> = (0..time.len()).collect();
        expect.sort_by(|&a, &b| (time[a] + 0.0).total_cmp(&(time[b] + 0.0)));
        assert_eq!(order_by_time(&time), expect);
        // Counted rather than radix-sorted (few varying key bits, more rows than buckets):
        // whole days with −0 among them, and quarter days whose keys differ in a few bits.
        for quarter in [false, true] {
            let time: Vec<f64> = (0..20_000)
                .map(|i| match (i % 211 == 0, quarter) {
                    (true, false) => -0.0,
                    (_, true) => 1000.0 + (next() % 64) as f64 / 4.0,
                    _ => (next() % 1500) as f64,
                })
                .collect();
            let sort = KeySort::plan(&time, 15);
            assert!(sort.key_bits <= COUNTING_KEY_BITS && 1 << sort.key_bits <= time.len(), "{}", sort.key_bits);
            let mut expect: Vec<usize> = (0..time.len()).collect();
            expect.sort_by(|&a, &b| (time[a] + 0.0).total_cmp(&(time[b] + 0.0)));
            assert_eq!(order_by_time(&time), expect, "quarter days: {quarter}");
        }
    }

    #[test]
    fn stable_order_by_code_keeps_ties_in_order() {
        let mut next = rng(9);
        for max in [3u32, 5000, u32::MAX] {
            let code: Vec<u32> = (0..3000).map(|_| (next() % max as u64) as u32).collect();
            let order: Vec<usize> = (0..3000).rev().collect();
            let mut expect = order.clone();
            expect.sort_by_key(|&i| code[i]);
            assert_eq!(stable_order_by_code(&order, &code), expect, "codes below {max}");
        }
    }

    #[test]
    fn radix_sort_with_payload_is_lexicographic() {
        let mut next = rng(5);
        let mut v: Vec<(u64, u64)> = (0..2000).map(|_| (next() % 13 << 52, next() % 5 << 40 | next() % 3)).collect();
        let mut expect = v.clone();
        expect.sort_unstable();
        radix_sort(&mut v, true);
        assert_eq!(v, expect);
    }

    #[test]
    fn tallies_hand_worked() {
        // rows (time, status, group, stratum):
        // (2,1,0,1) (1,0,1,0) (2,2,0,1) (1,1,1,0) (2,1,1,1) (3,1,0,0) (2,0,0,1) (1,1,5,0)
        // The last row's group (5) is not below n_groups = 2: dropped. Cells in (time, stratum,
        // group) order: t=1 s=0 g=1: one censored, one event; t=2 s=1 g=0: status 1, 2, 0;
        // t=2 s=1 g=1: one event; t=3 s=0 g=0: one event.
        let time = [2.0, 1.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0];
        let status = [1u8, 0, 2, 1, 1, 1, 0, 1];
        let group = [0u32, 1, 0, 1, 1, 0, 0, 5];
        let strata = [1u32, 0, 1, 0, 1, 0, 1, 0];
        let t = Tallies::new(&time, &status, Some(&group), 2, Some(&strata), |_| true);
        assert_eq!(t.time, vec![1.0, 2.0, 2.0, 3.0]);
        assert_eq!(t.group, vec![1, 0, 1, 0]);
        assert_eq!(t.stratum, vec![0, 1, 1, 0]);
        assert_eq!(t.count, vec![[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0]]);
        // Stratum 0: cells 0 and 3; stratum 1: cells 1 and 2 (time order kept).
        let runs: Vec<Vec<usize>> = t.strata().map(|s| (0..s.len()).map(|k| s.cell(k)).collect()).collect();
        assert_eq!(runs, vec![vec![0, 3], vec![1, 2]]);
        // Group 0: times 2 (3 rows) and 3 (1 row): at risk 4 then 1.
        let g = t.per_group();
        assert_eq!(g[0].time, vec![2.0, 3.0]);
        assert_eq!(g[0].n_risk, vec![4.0, 1.0]);
        assert_eq!(g[1].time, vec![1.0, 2.0]);
        assert_eq!(g[1].n_risk, vec![3.0, 1.0]);
        assert_eq!(g[1].count[0], [1, 1, 0, 0]);
        // A filter and huge strata codes (renumbered) give the same cells.
        let big: Vec<u32> = strata.iter().map(|&s| s * 2_000_000_000).collect();
        let u = Tallies::new(&time, &status, Some(&group), 2, Some(&big), |i| i != 5);
        assert_eq!(u.time, vec![1.0, 2.0, 2.0]);
        assert_eq!(u.stratum, vec![0, 1, 1]);
    }

    #[test]
    fn tallies_match_a_naive_count() {
        // 32-bit words (whole days up to 200), 64-bit words (up to 10^9), (key, payload)
        // pairs (continuous times with negatives) and the histogram (16 distinct days; also
        // days up to 200 without strata), with and without strata, against counting in an
        // ordered map.
        let mut next = rng(3);
        for kind in 0..4 {
            for with_strata in [false, true] {
                let n = 3000;
                let time: Vec<f64> = (0..n)
                    .map(|_| {
                        let r = next();
                        match kind {
                            0 => (r % 200) as f64,
                            1 => (r % 1_000_000_000) as f64,
                            2 => (r >> 11) as f64 / (1u64 << 40) as f64 - 100.0,
                            _ => (r % 16) as f64,
                        }
                    })
                    .collect();
                let status: Vec<u8> = (0..n).map(|_| (next() % 5) as u8).collect();
                let group: Vec<u32> = (0..n).map(|_| (next() % 4) as u32).collect();
                let strata: Vec<u32> = (0..n).map(|_| (next() % 3) as u32 * 7).collect();
                let st = with_strata.then_some(&strata[..]);
                // The representation each kind is meant to exercise (payload: stratum 4 bits,
                // group 2, status 2).
                let plan = KeySort::plan(&time, if with_strata { 8 } else { 4 });
                let bits = plan.key_bits + plan.payload_bits;
                assert_eq!([bits <= 32, bits <= 64], [[true, true], [false, true], [false, false], [true, true]][kind], "kind {kind}");
                let histogram = bits <= HISTOGRAM_BITS && 1usize << bits <= 4 * n;
                assert_eq!(histogram, kind == 3 || (kind == 0 && !with_strata), "kind {kind}, strata {with_strata}");
                let t = Tallies::new(&time, &status, Some(&group), 3, st, |i| i % 10 != 0);
                let mut naive: std::collections::BTreeMap<(u64, u32, u32), [u32; 4]> = Default::default();
                for i in (0..n).filter(|&i| i % 10 != 0 && group[i] < 3) {
                    let s = if with_strata { strata[i] } else { 0 };
                    naive.entry((time_key(time[i]), s, group[i])).or_default()[status[i].min(3) as usize] += 1;
                }
                let got: Vec<((u64, u32, u32), [u32; 4])> =
                    (0..t.len()).map(|j| ((time_key(t.time[j]), t.stratum[j], t.group[j]), t.count[j])).collect();
                let expect: Vec<((u64, u32, u32), [u32; 4])> = naive.into_iter().collect();
                assert_eq!(got, expect, "kind {kind}, strata {with_strata}");
                // Each stratum's cells are in time order and cover every cell once.
                let mut seen = 0;
                for run in t.strata() {
                    let cells: Vec<usize> = (0..run.len()).map(|k| run.cell(k)).collect();
                    assert!(cells.windows(2).all(|w| w[0] < w[1] && t.stratum[w[0]] == t.stratum[w[1]]));
                    seen += cells.len();
                }
                assert_eq!(seen, t.len());
            }
        }
    }

    #[test]
    fn tails() {
        assert!((chisq_sf(3.841458820694124, 1.0) - 0.05).abs() < 1e-12);
        let p = pnorm_two_sided(1.959963984540054);
        assert!((p - 0.05).abs() < 1e-10, "{p}");
    }
}
#[cfg(test)]
mod accuracy {
    #[test]
    fn z95_is_exact() {
        let z = super::z95();
        assert!((z - 1.959963984540054).abs() < 1e-14, "{z}");
        let p = super::pnorm_upper(5.0);
        // pnorm(5, lower.tail = FALSE) = 2.866515718791939e-07
        assert!((p / 2.866515718791939e-07 - 1.0).abs() < 1e-9, "{p}");
    }
}
