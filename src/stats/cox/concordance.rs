//! Harrell's concordance of the fitted linear predictor and its infinitesimal-jackknife
//! standard error, as `coxph`'s `concordance` component (see the module notes of [`super`]):
//! O(n log n) sweeps with Fenwick trees over the ranks of the predictor or of the time groups.

use super::fit::{Data, WASM_TIER_CHUNK};
use super::Concordance;
use crate::stats::common::{key_time, time_key};

/// The concordance of `lp` (the linear predictor by sorted row of `data`), within strata,
/// cluster-collapsed jackknife when `cluster` (by input row) is given. `time` and `entry` are
/// by input row. Counting-process or weighted fits take the general sweep; otherwise the
/// faster integer-count one.
pub(super) fn concordance(data: &Data, time: &[f64], entry: Option<&[f64]>, lp: &[f64], cluster: Option<&[u32]>) -> Concordance {
    debug_assert_eq!(lp.len(), data.n);
    if data.entry.is_some() || data.wt.is_some() {
        concordance_general(data, time, entry, lp, cluster)
    } else {
        concordance_plain(data, lp, cluster)
    }
}

/// Items per call of the passes of [`sort_by_value`] (see `WASM_TIER_CHUNK`).
const SORT_CHUNK: usize = 1 << 15;

/// `items` sorted stably by their keys (`key(item)`: a [`time_key`], whose order is that of
/// the value it was made from) — the order a stable radix sort of the 64-bit keys gives, with
/// fewer passes. Each value is put in one of 2^b bins of equal width between the smallest and
/// the largest value (b ≈ log2 n; the bin (v − lo)·s, truncated, never decreases as v grows,
/// and equal values share a bin), the items are sorted stably by bin in two radix passes, and
/// the items of a bin, in order already when the values are spread, are then sorted by key
/// (stably). Predictors of a million rows take one counting pass and two placing passes
/// instead of up to six of each over 64-bit keys.
fn sort_by_value<T: Copy + Default>(items: &mut Vec<T>, key: impl Fn(&T) -> u64 + Copy) {
    let n = items.len();
    let (kmin, kmax) = items.iter().fold((u64::MAX, 0u64), |(a, b), x| (a.min(key(x)), b.max(key(x))));
    let (lo, hi) = (key_time(kmin), key_time(kmax));
    let bits = (usize::BITS - n.leading_zeros()).clamp(2, 22);
    let top = ((1u64 << bits) - 1) as f64;
    let scale = top / (hi - lo);
    if n < 64 || kmin == kmax || !(scale.is_finite() && scale > 0.0 && lo.is_finite()) {
        // Few items, one value, or values too far apart (or too close) for the bins.
        items.sort_by_key(key);
        return;
    }
    // `f64::min` by a comparison (it is a libm call in wasm): the same bin for every value (a
    // NaN cannot occur: the keys are finite between `lo` and `hi`; it would give `top` both ways).
    let bin = move |x: &T| {
        let b = (key_time(key(x)) - lo) * scale;
        (if b < top { b } else { top }) as u32
    };
    let low_bits = bits / 2;
    // (shift, mask) of the low and high digits of a bin.
    let digits = [(0, (1u32 << low_bits) - 1), (low_bits, u32::MAX)];
    let mut hist = [[0u32; 2048]; 2];
    for chunk in items.chunks(SORT_CHUNK) {
        count_bins(chunk, &bin, low_bits, &mut hist);
    }
    let mut buf = vec![T::default(); n];
    for (h, &(shift, mask)) in hist.iter_mut().zip(&digits) {
        let mut at = 0u32;
        for c in h.iter_mut() {
            let count = *c;
            *c = at;
            at += count;
        }
        for chunk in items.chunks(SORT_CHUNK) {
            place_bins(chunk, &bin, shift, mask, h, &mut buf);
        }
        std::mem::swap(items, &mut buf);
    }
    drop(buf);
    // Within each bin, by key (stable: equal keys keep their order).
    let mut start = 0;
    while start < n {
        let b = bin(&items[start]);
        let mut end = start + 1;
        let mut sorted = true;
        while end < n && bin(&items[end]) == b {
            sorted &= key(&items[end - 1]) <= key(&items[end]);
            end += 1;
        }
        if !sorted {
            items[start..end].sort_by_key(key);
        }
        start = end;
    }
}

/// The histograms of the low and high digits of the bins of `items` ([`sort_by_value`]).
#[inline(never)]
fn count_bins<T>(items: &[T], bin: &impl Fn(&T) -> u32, low_bits: u32, hist: &mut [[u32; 2048]; 2]) {
    let mask = (1u32 << low_bits) - 1;
    for x in items {
        let b = bin(x);
        hist[0][(b & mask) as usize & 2047] += 1;
        hist[1][(b >> low_bits) as usize & 2047] += 1;
    }
}

/// Move `items` to their places in `buf` by the digit `(bin >> shift) & mask` of their bin
/// (`next`: the next place of each digit value).
#[inline(never)]
fn place_bins<T: Copy>(items: &[T], bin: &impl Fn(&T) -> u32, shift: u32, mask: u32, next: &mut [u32; 2048], buf: &mut [T]) {
    for x in items {
        let d = ((bin(x) >> shift) & mask) as usize & 2047;
        buf[next[d] as usize] = *x;
        next[d] += 1;
    }
}

/// Ranks per block of the counts below.
const RANK_BLOCK: usize = 32;

/// Counts of the rows added so far by rank: a histogram by rank, and a Fenwick tree of the
/// counts by block of `RANK_BLOCK` ranks. The count below a rank is the tree's prefix over the
/// earlier blocks plus a short sum within its block. With a million ranks the histogram
/// does not stay in cache but the tree does, so a query touches one or two cache lines of the
/// histogram rather than a dozen scattered tree nodes.
struct RankCounts {
    hist: Vec<u32>,
    tree: Vec<u32>,
    total: u32,
}

impl RankCounts {
    fn new(m: usize) -> Self {
        RankCounts { hist: vec![0; m], tree: vec![0; m.div_ceil(RANK_BLOCK) + 1], total: 0 }
    }
    /// Add a row of rank `rank`.
    fn add(&mut self, rank: u32) {
        let r = rank as usize;
        self.hist[r] += 1;
        self.total += 1;
        let mut k = r / RANK_BLOCK + 1;
        while k < self.tree.len() {
            self.tree[k] += 1;
            k += k & k.wrapping_neg();
        }
    }
    /// Remove every row, given the ranks of (a superset of) the rows added: one by one when
    /// they are few, else by clearing the arrays (sequential writes instead of random ones).
    fn clear(&mut self, ranks: &[u32]) {
        if ranks.len() < self.hist.len() / 16 {
            for &r in ranks {
                self.hist[r as usize] = 0;
                let mut k = r as usize / RANK_BLOCK + 1;
                while k < self.tree.len() {
                    self.tree[k] = 0;
                    k += k & k.wrapping_neg();
                }
            }
        } else {
            self.hist.iter_mut().for_each(|c| *c = 0);
            self.tree.iter_mut().for_each(|c| *c = 0);
        }
        self.total = 0;
    }
    /// Rows added with a rank below, equal to and above `rank`.
    fn split(&self, rank: u32) -> [u32; 3] {
        let r = rank as usize;
        let block = r / RANK_BLOCK;
        let mut below: u32 = self.hist[block * RANK_BLOCK..r].iter().sum();
        let mut k = block;
        while k > 0 {
            below += self.tree[k];
            k &= k - 1;
        }
        let eq = self.hist[r];
        [below, eq, self.total - below - eq]
    }
}

/// Pair counts by sweeping the time groups of each stratum, with the rows' ranks (of `m`)
/// counted in `RankCounts` (see `concordance`); by sorted row.
fn pair_counts_by_time(data: &Data, rank: &[u32], m: usize, total: &mut [i64; 3]) -> Vec<[u32; 3]> {
    let n = data.n;
    let mut counts = RankCounts::new(m);
    // Per row: pairs it belongs to that are concordant, discordant, tied in the predictor.
    let mut cnt = vec![[0u32; 3]; n];
    let mut from = 0;
    while from < data.groups.len() {
        let to = from + data.groups[from..].iter().position(|g| g.last).map_or(data.groups.len() - from, |k| k + 1);
        let stratum = &data.groups[from..to];
        // Backwards: events as the earlier member.
        for g in stratum.iter().rev() {
            for i in g.start..g.end {
                if !data.event[i] {
                    counts.add(rank[i]);
                }
            }
            if g.deaths == 0 {
                continue;
            }
            for i in g.start..g.end {
                if data.event[i] {
                    let [below, eq, above] = counts.split(rank[i]);
                    cnt[i] = [below, above, eq];
                    total[0] += below as i64;
                    total[1] += above as i64;
                    total[2] += eq as i64;
                }
            }
            for i in g.start..g.end {
                if data.event[i] {
                    counts.add(rank[i]);
                }
            }
        }
        let rows = stratum[0].start..stratum[stratum.len() - 1].end;
        counts.clear(&rank[rows.clone()]);
        // Forwards: every row as the later member of pairs with earlier events.
        for g in stratum {
            for i in g.start..g.end {
                if data.event[i] {
                    let [below, eq, above] = counts.split(rank[i]);
                    let c = &mut cnt[i];
                    c[0] += above;
                    c[1] += below;
                    c[2] += eq;
                }
            }
            if g.deaths > 0 {
                for i in g.start..g.end {
                    if data.event[i] {
                        counts.add(rank[i]);
                    }
                }
            }
            for i in g.start..g.end {
                if !data.event[i] {
                    let [below, eq, above] = counts.split(rank[i]);
                    cnt[i] = [above, below, eq];
                }
            }
        }
        counts.clear(&rank[rows]);
        from = to;
    }
    cnt
}

/// What [`RankSweep`] keeps of a time group that does not change during the sweep: its
/// stratum's first group, its stratum's Fenwick segment (positions base+1 ..= base+len), the
/// rows of the later groups of its stratum plus its own censored rows (an event's partners),
/// the events of the earlier groups of its stratum, and its own events. One record per group,
/// so that a row's query reads one cache line of them.
#[derive(Clone, Copy, Default)]
struct GroupFacts {
    first: u32,
    base: u32,
    len: u32,
    partners: u32,
    earlier_events: u32,
    deaths: u32,
}

/// State of `pair_counts_by_rank`: the facts of each time group, and the rows of smaller rank
/// counted so far: in a Fenwick tree by group (one segment per stratum) whose nodes hold the
/// count of all rows in the low 32 bits and of the events in the high 32 bits (one walk of the
/// tree gives both), per group its censored rows and events counted so far, and per stratum
/// (at its first group) all its rows counted so far.
struct RankSweep {
    facts: Vec<GroupFacts>,
    tree: Vec<u64>,
    /// Per group: [censored rows, events] counted so far.
    added: Vec<[u32; 2]>,
    stratum_added: Vec<u32>,
}

impl RankSweep {
    fn new(data: &Data) -> Self {
        let ng = data.groups.len();
        let mut facts = vec![GroupFacts::default(); ng];
        let (mut from, mut stratum) = (0, 0);
        while from < ng {
            let to = from + data.groups[from..].iter().position(|g| g.last).map_or(ng - from, |k| k + 1);
            let (mut events, mut rows) = (0u32, 0u32);
            for g in from..to {
                let grp = data.groups[g];
                let f = &mut facts[g];
                (f.first, f.base, f.len) = (from as u32, (from + stratum) as u32, (to - from) as u32);
                f.partners = (grp.end - grp.start - grp.deaths) as u32;
                f.earlier_events = events;
                f.deaths = grp.deaths as u32;
                events += grp.deaths as u32;
            }
            for g in (from..to).rev() {
                facts[g].partners += rows;
                rows += (data.groups[g].end - data.groups[g].start) as u32;
            }
            from = to;
            stratum += 1;
        }
        RankSweep { facts, tree: vec![0; ng + stratum + 1], added: vec![[0; 2]; ng], stratum_added: vec![0; ng] }
    }

    /// For a row of group g among the rows counted so far: as the earlier member (events
    /// only), the rows at risk after it (the stratum's rows less those of groups before g and
    /// the events of g); as the later member, the events before it.
    #[inline(always)]
    fn query(&self, g: usize, ev: bool) -> (u32, u32) {
        let fa = self.facts[g];
        let (f, b) = (fa.first as usize, fa.base as usize);
        let mut k = g - f;
        let mut s = 0u64;
        while k > 0 {
            s += self.tree[b + k];
            k &= k - 1;
        }
        let (all_before, ev_before) = (s as u32, (s >> 32) as u32);
        let ev_here = self.added[g][1];
        if ev {
            (self.stratum_added[f] - all_before - ev_here, ev_before)
        } else {
            (0, ev_before + ev_here)
        }
    }

    #[inline(always)]
    fn add(&mut self, g: usize, ev: bool) {
        let fa = self.facts[g];
        let (f, b, len) = (fa.first as usize, fa.base as usize, fa.len as usize);
        let one = 1 | (ev as u64) << 32;
        let mut j = g - f + 1;
        while j <= len {
            self.tree[b + j] += one;
            j += j & j.wrapping_neg();
        }
        self.stratum_added[f] += 1;
        self.added[g][ev as usize] += 1;
    }

    /// Count the rows `items` (whole blocks of equal predictor, in order), writing
    /// (sorted row, counts) to `out`.
    #[inline(never)]
    fn sweep(&mut self, items: &[(u64, (u32, u32))], out: &mut [(u32, [u32; 3])], total: &mut [i64; 3]) {
        let split = |gev: u32| ((gev >> 1) as usize, gev & 1 == 1);
        let n = items.len();
        let mut k = 0;
        while k < n {
            // One block of equal predictor.
            let mut e = k + 1;
            while e < n && items[e].0 == items[k].0 {
                e += 1;
            }
            for q in k..e {
                let (row, gev) = items[q].1;
                let (g, ev) = split(gev);
                let (c, d) = self.query(g, ev);
                out[q] = (row, [c, d, 0]);
            }
            for &(_, (_, gev)) in &items[k..e] {
                let (g, ev) = split(gev);
                self.add(g, ev);
            }
            for q in k..e {
                let (g, ev) = split(items[q].1 .1);
                let [c, d, _] = out[q].1;
                // A row alone with its predictor ties with no one: counted up to its rank is
                // counted below it.
                let (c_le, d_le) = if e == k + 1 { (c, d) } else { self.query(g, ev) };
                let fa = self.facts[g];
                // Earlier member: the later rows of smaller rank are concordant pairs, of
                // equal rank tied, the others discordant.
                let (tied1, disc1) = if ev { (c_le - c, fa.partners - c_le) } else { (0, 0) };
                // Later member: the earlier events of smaller rank are discordant, of equal
                // rank tied, the others concordant.
                let earlier = fa.earlier_events + if ev { 0 } else { fa.deaths };
                let (tied2, conc2) = (d_le - d, earlier - d_le);
                out[q].1 = [c + conc2, disc1 + d, tied1 + tied2];
                total[0] += c as i64;
                total[1] += disc1 as i64;
                total[2] += tied1 as i64;
            }
            k = e;
        }
    }
}

/// Pair counts by sweeping the rows in order of the predictor, with the rows of smaller rank
/// counted by time group (see `concordance`). In the order of `by_lp`, with each row's sorted
/// row.
fn pair_counts_by_rank(data: &Data, by_lp: &[(u64, (u32, u32))], total: &mut [i64; 3]) -> Vec<(u32, [u32; 3])> {
    let n = by_lp.len();
    let mut out = vec![(0u32, [0u32; 3]); n];
    let mut sweep = RankSweep::new(data);
    let mut k = 0;
    while k < n {
        // A few thousand rows per call (see `WASM_TIER_CHUNK`), ending with a whole block.
        let mut e = (k + WASM_TIER_CHUNK).min(n);
        while e < n && by_lp[e].0 == by_lp[e - 1].0 {
            e += 1;
        }
        sweep.sweep(&by_lp[k..e], &mut out[k..e], total);
        k = e;
    }
    out
}

/// Concordance and its infinitesimal-jackknife standard error (see the module notes).
///
/// Each row's counts (c, d, t) of the comparable pairs it belongs to come from two sweeps over
/// the time groups of each stratum, with the rows' ranks of the linear predictor counted in a
/// Fenwick tree, O(n log n):
/// * backwards, as the earlier member: before an event time's events are counted in, each of
///   them is compared with the rows already counted (later times, and the censored rows of its
///   own time, which are counted in first): those of smaller rank are concordant pairs, larger
///   discordant, equal tied. Events tied in time never see each other.
/// * forwards, as the later member: each row is compared with the events of earlier times
///   (and a censored row also with the events of its own time).
fn concordance_plain(data: &Data, lp: &[f64], cluster: Option<&[u32]>) -> Concordance {
    let n = data.n;
    let ng = data.groups.len();
    // Per sorted row: its time group and whether it is an event, (group << 1) | event.
    let mut ge = vec![0u32; n];
    for (gi, g) in data.groups.iter().enumerate() {
        for i in g.start..g.end {
            ge[i] = ((gi as u32) << 1) | data.event[i] as u32;
        }
    }
    // The rows in order of the linear predictor, carrying (sorted row, group-event). The keys
    // are the bits of η mapped to integers of the same order (−0 counted as +0).
    let mut by_lp: Vec<(u64, (u32, u32))> = lp.iter().zip(&ge).enumerate().map(|(i, (&v, &g))| (time_key(v), (i as u32, g))).collect();
    drop(ge);
    sort_by_value(&mut by_lp, |item| item.0);
    let distinct = 1 + by_lp.windows(2).filter(|w| w[0].0 != w[1].0).count();
    let mut total = [0i64; 3];
    // Per row (sorted row, counts): pairs it belongs to that are concordant, discordant, tied
    // in the predictor. Sweep in order of the predictor, counting by time group, when there
    // are fewer groups than distinct predictors and few enough that those counts stay in cache
    // (times in whole days); else along the time order, counting by rank in blocks.
    let counted: Vec<(u32, [u32; 3])> = if ng <= distinct && (ng <= 1 << 16 || 8 * ng <= distinct) {
        pair_counts_by_rank(data, &by_lp, &mut total)
    } else {
        let mut rank = vec![0u32; n];
        let mut m = 0u32;
        for k in 0..n {
            if k > 0 && by_lp[k].0 != by_lp[k - 1].0 {
                m += 1;
            }
            rank[by_lp[k].1 .0 as usize] = m;
        }
        drop(by_lp);
        let cnt = pair_counts_by_time(data, &rank, m as usize + 1, &mut total);
        cnt.into_iter().enumerate().map(|(i, c)| (i as u32, c)).collect()
    };
    let [conc, disc, tied] = total;
    let npair = (conc + disc + tied) as f64;
    if npair == 0.0 {
        return Concordance { c: f64::NAN, se: f64::NAN };
    }
    let somers = (conc - disc) as f64 / npair;
    let dfbeta = |cnt: &[u32; 3]| {
        let [c, d, t] = cnt.map(|v| v as f64);
        ((c - d) - somers * (c + d + t)) / npair
    };
    let var = match cluster {
        None => counted.iter().map(|(_, c)| dfbeta(c).powi(2)).sum::<f64>(),
        Some(cl) => {
            let nc = cl.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            let mut sums = vec![0.0; nc];
            for (i, c) in &counted {
                sums[cl[data.row[*i as usize]] as usize] += dfbeta(c);
            }
            sums.iter().map(|s| s * s).sum()
        }
    } / 4.0;
    Concordance { c: (somers + 1.0) / 2.0, se: var.sqrt() }
}

/// Per row of [`concordance_general`]'s sweep (gathered in order of the predictor): its sorted
/// row, time group and event flag `(group << 1) | event`, first time group at risk, and weight.
#[derive(Clone, Copy, Default)]
struct Partner {
    row: u32,
    gev: u32,
    first: u32,
    w: f64,
}

/// Prefix sums over time groups: a Fenwick tree of weights (positions 1..=ng).
struct GroupSums(Vec<f64>);

impl GroupSums {
    /// The tree of the weights `by_group` (in linear time).
    fn rebuild(&mut self, by_group: &[f64]) {
        let len = self.0.len();
        self.0[1..].copy_from_slice(by_group);
        for k in 1..len {
            let parent = k + (k & k.wrapping_neg());
            if parent < len {
                self.0[parent] += self.0[k];
            }
        }
    }
    /// The prefix sums `out[g]` = Σ over groups `< g` of `by_group`.
    fn prefixes(by_group: &[f64], out: &mut [f64]) {
        out[0] = 0.0;
        for (g, &w) in by_group.iter().enumerate() {
            out[g + 1] = out[g] + w;
        }
    }
    fn add(&mut self, g: usize, w: f64) {
        let mut k = g + 1;
        while k < self.0.len() {
            self.0[k] += w;
            k += k & k.wrapping_neg();
        }
    }
    /// Σ over groups `< g`.
    fn below(&self, g: usize) -> f64 {
        let (mut k, mut s) = (g, 0.0);
        while k > 0 {
            s += self.0[k];
            k &= k - 1;
        }
        s
    }
}

/// State of [`concordance_general`]'s sweep in order of the predictor: of the rows counted so
/// far (those of smaller rank), the weight by exit group, by first group at risk (only with
/// delayed entry; without, every row's first group is its stratum's) and of the events by
/// group; and per group, the events' weight counted so far. Fixed per group: the weight at risk
/// less the events' (an event's partners), and the events' weight before it (cumulative).
struct WeightedRankSweep {
    exits: GroupSums,
    firsts: GroupSums,
    events: GroupSums,
    /// The same weights by group (the trees' leaves), and scratch for their prefix sums: a
    /// block of equal η as large as a fraction of the groups is counted through plain prefix
    /// sums, and the trees rebuilt after it (a binary treatment's η has two values).
    exit_w: Vec<f64>,
    first_w: Vec<f64>,
    prefix: [Vec<f64>; 3],
    ev_added: Vec<f64>,
    partners_of_event: Vec<f64>,
    events_before: Vec<f64>,
    event_weight: Vec<f64>,
    /// Whether no row has been counted yet (all the weights so far are +0.0).
    empty: bool,
}

impl WeightedRankSweep {
    /// For a row among the rows counted so far: as the earlier member (events only), the
    /// weight of the rows at risk at its time without an event then; as the later member, the
    /// weight of the events at the times it is at risk (before its own time, or at it too when
    /// it is censored).
    #[inline]
    fn query(&self, r: &Partner) -> (f64, f64) {
        let (g, ev, f) = ((r.gev >> 1) as usize, r.gev & 1 == 1, r.first as usize);
        // At risk at g: first ≤ g ≤ exit; exit ≥ g is "not before g", and a row whose first
        // group is after g has its exit after g too. Rows of earlier strata count in both
        // prefixes and cancel.
        let c = if ev { self.firsts.below(g + 1) - self.exits.below(g) - self.ev_added[g] } else { 0.0 };
        let d = self.events.below(g) - self.events.below(f) + if ev { 0.0 } else { self.ev_added[g] };
        (c, d)
    }

    fn add(&mut self, r: &Partner) {
        let (g, ev) = ((r.gev >> 1) as usize, r.gev & 1 == 1);
        self.empty = false;
        self.exits.add(g, r.w);
        self.firsts.add(r.first as usize, r.w);
        self.add_leaves(r);
        if ev {
            self.events.add(g, r.w);
        }
    }

    /// `add` without the trees (a dense block's rows).
    #[inline]
    fn add_leaves(&mut self, r: &Partner) {
        let (g, ev) = ((r.gev >> 1) as usize, r.gev & 1 == 1);
        self.exit_w[g] += r.w;
        self.first_w[r.first as usize] += r.w;
        if ev {
            self.ev_added[g] += r.w;
        }
    }

    /// [`Self::query`] from the prefix sums of the leaves (`prefix`: exits, firsts, events).
    #[inline]
    fn query_dense(&self, r: &Partner) -> (f64, f64) {
        let (g, ev, f) = ((r.gev >> 1) as usize, r.gev & 1 == 1, r.first as usize);
        let [pe, pf, pv] = &self.prefix;
        let c = if ev { pf[g + 1] - pe[g] - self.ev_added[g] } else { 0.0 };
        let d = pv[g] - pv[f] + if ev { 0.0 } else { self.ev_added[g] };
        (c, d)
    }

    fn refresh_prefixes(&mut self) {
        let [pe, pf, pv] = &mut self.prefix;
        GroupSums::prefixes(&self.exit_w, pe);
        GroupSums::prefixes(&self.first_w, pf);
        GroupSums::prefixes(&self.ev_added, pv);
    }

    /// Count the rows `items` (whole blocks of equal predictor, in order, `keys` their
    /// predictors' keys): per row, (w·(c − d), w·(c + d + t)) of the pairs it belongs to, and
    /// the weighted totals of concordant, discordant and tied pairs.
    #[inline(never)]
    fn sweep(&mut self, keys: &[u64], items: &[Partner], out: &mut [[f64; 2]], total: &mut [f64; 3]) {
        let n = items.len();
        let mut k = 0;
        let mut before = Vec::new();
        while k < n {
            let mut e = k + 1;
            while e < n && keys[e] == keys[k] {
                e += 1;
            }
            let block = &items[k..e];
            if e == k + 1 {
                // A row alone with its predictor ties with no one: what it finds counted
                // before it is all of the smaller rank.
                let r = &block[0];
                let (c, d) = self.query(r);
                out[k] = self.counts(r, c, d, c, d, total);
                self.add(r);
            } else if 4 * block.len() >= self.exit_w.len() {
                // A large block: O(groups + rows) through prefix sums, not O(rows · log groups).
                // Before the first rows counted, every row finds +0.0 of both (the prefix sums
                // of +0.0 leaves, and their differences, are +0.0): the queries are skipped (the
                // first of a treatment's two blocks).
                before.clear();
                if self.empty {
                    before.resize(block.len(), (0.0, 0.0));
                } else {
                    self.refresh_prefixes();
                    before.extend(block.iter().map(|r| self.query_dense(r)));
                }
                for r in block {
                    self.add_leaves(r);
                }
                self.refresh_prefixes();
                for (q, r) in block.iter().enumerate() {
                    let (c_le, d_le) = self.query_dense(r);
                    let (c, d) = before[q];
                    out[k + q] = self.counts(r, c, d, c_le, d_le, total);
                }
                self.empty = false;
                self.exits.rebuild(&self.exit_w);
                self.firsts.rebuild(&self.first_w);
                self.events.rebuild(&self.ev_added);
            } else {
                before.clear();
                before.extend(block.iter().map(|r| self.query(r)));
                for r in block {
                    self.add(r);
                }
                for (q, r) in block.iter().enumerate() {
                    let (c_le, d_le) = self.query(r);
                    let (c, d) = before[q];
                    out[k + q] = self.counts(r, c, d, c_le, d_le, total);
                }
            }
            k = e;
        }
    }

    /// A row's (w·(c − d), w·(c + d + t)) from the weights of its partners counted below its
    /// rank (`c`, `d`) and up to it (`c_le`, `d_le`); adds its pairs as the earlier member to
    /// the totals.
    #[inline]
    fn counts(&self, r: &Partner, c: f64, d: f64, c_le: f64, d_le: f64, total: &mut [f64; 3]) -> [f64; 2] {
        let (g, ev) = ((r.gev >> 1) as usize, r.gev & 1 == 1);
        // Earlier member: partners of smaller rank are concordant pairs, of equal rank tied,
        // the others discordant.
        let (tied1, disc1) = if ev { (c_le - c, self.partners_of_event[g] - c_le) } else { (0.0, 0.0) };
        // Later member: the events of smaller rank are discordant, of equal rank tied, the
        // others concordant.
        let events = self.events_before[g] - self.events_before[r.first as usize] + if ev { 0.0 } else { self.event_weight[g] };
        let (tied2, conc2) = (d_le - d, events - d_le);
        total[0] += r.w * c;
        total[1] += r.w * disc1;
        total[2] += r.w * tied1;
        let (cc, dd, tt) = (c + conc2, disc1 + d, tied1 + tied2);
        [r.w * (cc - dd), r.w * (cc + dd + tt)]
    }
}

/// The rows' [`Partner`]s in order of the linear predictor `lp`, stably (equal predictors in
/// sorted-row order), with their keys (the bits of η mapped to integers of the same order, −0
/// counted as +0). `two`: `meta` is already in that order, laid out by [`TwoValues`] (a
/// predictor of exactly two values, the smaller and larger key and the rows of the smaller):
/// the order and keys the sort gives, without its passes and its copies of the rows. Else
/// `meta` is by sorted row and sorted here by [`sort_by_value`].
fn partners_by_predictor(lp: &[f64], meta: Vec<Partner>, two: Option<(u64, u64, usize)>) -> (Vec<u64>, Vec<Partner>) {
    if let Some((lo, hi, n_lo)) = two {
        let mut keys = vec![hi; meta.len()];
        keys[..n_lo].fill(lo);
        return (keys, meta);
    }
    let mut by_lp: Vec<(u64, u64)> = lp.iter().enumerate().map(|(i, &v)| (time_key(v), i as u64)).collect();
    sort_by_value(&mut by_lp, |item| item.0);
    let keys: Vec<u64> = by_lp.iter().map(|p| p.0).collect();
    let items: Vec<Partner> = by_lp.iter().map(|p| meta[p.1 as usize]).collect();
    (keys, items)
}

/// The stable partition of a predictor whose keys ([`time_key`]) take exactly two values: the
/// smaller (`lo`, on `n_lo` rows) and the larger (`hi`); `place` gives each row in turn its
/// position in the order of the predictor (the rows of `lo` first, each value's rows in
/// their own order), without a branch on the value (a treatment alternates at random).
#[derive(Clone, Copy)]
struct TwoValues {
    lo: u64,
    hi: u64,
    n_lo: usize,
    at_lo: usize,
    at_hi: usize,
}

impl TwoValues {
    /// `None` unless `lp` takes exactly two values.
    fn of(lp: &[f64]) -> Option<Self> {
        let first = time_key(*lp.first()?);
        let (mut other, mut n_first) = (first, 0usize);
        for &v in lp {
            let k = time_key(v);
            let is_first = k == first;
            n_first += usize::from(is_first);
            if !is_first && k != other {
                if other != first {
                    return None;
                }
                other = k;
            }
        }
        let (lo, hi, n_lo) = match other.cmp(&first) {
            std::cmp::Ordering::Equal => return None,
            std::cmp::Ordering::Greater => (first, other, n_first),
            std::cmp::Ordering::Less => (other, first, lp.len() - n_first),
        };
        Some(TwoValues { lo, hi, n_lo, at_lo: 0, at_hi: n_lo })
    }

    /// The position of the next row, whose predictor is `v` (one of the two values).
    #[inline]
    fn place(&mut self, v: f64) -> usize {
        let is_lo = time_key(v) == self.lo;
        let at = if is_lo { self.at_lo } else { self.at_hi };
        self.at_lo += usize::from(is_lo);
        self.at_hi += usize::from(!is_lo);
        at
    }
}

/// Concordance of a counting-process and/or weighted fit, as `concordancefit` (timewt "n"):
/// a pair (i, j) is comparable when i has an event at T_i and j, of the same stratum, is at
/// risk then (entry_j < T_i ≤ T_j) without an event at T_i; it weighs w_i·w_j and is
/// concordant when η_i > η_j. The infinitesimal-jackknife variance uses each row's weighted
/// counts of the pairs it belongs to: dfbeta_i = w_i((c_i − d_i) − d·(c_i + d_i + t_i))/N,
/// summed by cluster, var(C) = Σ dfbeta² / 4.
///
/// The same sweep as the unweighted fit's by rank (`pair_counts_by_rank`): the rows in order
/// of η, each compared with the rows of smaller η counted so far in Fenwick trees of weights
/// over the time groups (a few thousand of them with times in days, so the trees stay in
/// cache), then with the rows of equal η. The time groups carry the entry: a row is at risk at
/// the groups from its first group at risk (`Entry::first`, the first time after its entry) to
/// its own. For an event row at group g, the partners counted are the rows whose first group
/// is ≤ g less those whose exit group is < g, less the events at g; for a row as the later
/// member, the events counted at the groups from its first to its own (its own only when it is
/// censored). The totals of partners per row, to split the rest into the larger and equal η,
/// are per group: the weight at risk less the events', and the cumulative events' weight.
/// `time` and `entry` (by input row) are those the groups of `data` were made from.
fn concordance_general(data: &Data, time: &[f64], entry: Option<&[f64]>, lp: &[f64], cluster: Option<&[u32]>) -> Concordance {
    let n = data.n;
    let ng = data.groups.len();
    debug_assert_eq!(entry.is_some(), data.entry.is_some());
    debug_assert!(data.groups.iter().all(|g| time[data.row[g.start]] == time[data.row[g.end - 1]]));
    let wt = |i: usize| data.wt.as_ref().map_or(1.0, |w| w[i]);
    // Per sorted row: its group and event, first group at risk, weight; per group: the events'
    // weight and the weight at risk (a difference array: in at the first group, out after the
    // own group).
    // A predictor of two values (a binary treatment alone) is laid out by a stable partition
    // as the rows are described: each row's Partner goes straight to its place in the order of
    // the predictor (`TwoValues`); any other predictor is sorted below. Only where the
    // weighted analyses are (feature `extended`: the propensity-weighted Cox of a treatment):
    // the page's first-load module sorts, with the same order and keys, and is 0.2 KB smaller.
    let mut two = if cfg!(feature = "extended") { TwoValues::of(lp) } else { None };
    let mut meta = vec![Partner::default(); n];
    let mut event_weight = vec![0.0; ng];
    let mut at_risk = vec![0.0; ng + 1];
    let mut stratum_first = 0usize;
    for (gi, g) in data.groups.iter().enumerate() {
        if g.first {
            stratum_first = gi;
        }
        for i in g.start..g.end {
            let first = data.entry.as_ref().map_or(stratum_first as u32, |e| e.first[i]);
            let w = wt(i);
            let at = two.as_mut().map_or(i, |t| t.place(lp[i]));
            meta[at] = Partner { row: i as u32, gev: ((gi as u32) << 1) | data.event[i] as u32, first, w };
            // +0.0 for a censored row, without a branch on the event: the sum starts at +0.0
            // and is never −0.0, so adding +0.0 leaves it as it is.
            event_weight[gi] += if data.event[i] { w } else { 0.0 };
            at_risk[first as usize] += w;
            at_risk[gi + 1] -= w;
        }
    }
    let mut partners_of_event = vec![0.0; ng];
    let mut events_before = vec![0.0; ng + 1];
    let mut running = 0.0;
    for gi in 0..ng {
        running += at_risk[gi];
        partners_of_event[gi] = running - event_weight[gi];
        events_before[gi + 1] = events_before[gi] + event_weight[gi];
    }
    drop(at_risk);
    let (keys, items) = partners_by_predictor(lp, meta, two.map(|t| (t.lo, t.hi, t.n_lo)));
    let mut sweep = WeightedRankSweep {
        exits: GroupSums(vec![0.0; ng + 1]),
        firsts: GroupSums(vec![0.0; ng + 1]),
        events: GroupSums(vec![0.0; ng + 1]),
        exit_w: vec![0.0; ng],
        first_w: vec![0.0; ng],
        prefix: [vec![0.0; ng + 1], vec![0.0; ng + 1], vec![0.0; ng + 1]],
        ev_added: vec![0.0; ng],
        partners_of_event,
        events_before,
        event_weight,
        empty: true,
    };
    let mut out = vec![[0.0f64; 2]; n];
    let mut total = [0.0f64; 3];
    let mut k = 0;
    while k < n {
        // A few thousand rows per call (see `WASM_TIER_CHUNK`), ending with a whole block.
        let mut e = (k + WASM_TIER_CHUNK).min(n);
        while e < n && keys[e] == keys[e - 1] {
            e += 1;
        }
        sweep.sweep(&keys[k..e], &items[k..e], &mut out[k..e], &mut total);
        k = e;
    }
    let npair = total[0] + total[1] + total[2];
    if !(npair > 0.0) {
        return Concordance { c: f64::NAN, se: f64::NAN };
    }
    let somers = (total[0] - total[1]) / npair;
    let dfbeta = |o: &[f64; 2]| (o[0] - somers * o[1]) / npair;
    let var = match cluster {
        None => out.iter().map(|o| dfbeta(o).powi(2)).sum::<f64>(),
        Some(cl) => {
            let nc = cl.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            let mut sums = vec![0.0; nc];
            for (o, r) in out.iter().zip(&items) {
                sums[cl[data.row[r.row as usize]] as usize] += dfbeta(o);
            }
            sums.iter().map(|s| s * s).sum()
        }
    } / 4.0;
    Concordance { c: (somers + 1.0) / 2.0, se: var.sqrt() }
}

#[cfg(test)]
mod tests {
    use super::super::{coxph_extra, CoxExtra, CoxInput, Residuals};
    use super::{partners_by_predictor, sort_by_value, Partner, TwoValues};
    use crate::spec::Ties;
    use crate::stats::common::time_key;

    #[test]
    fn sort_by_value_is_a_stable_sort_by_key() {
        let mut state = 12345u64;
        let mut unif = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let spread: Vec<f64> = (0..5000).map(|_| (unif() - 0.5) * 6.0).collect();
        let few: Vec<f64> = (0..3000).map(|_| [0.0, -0.0, 0.693, -1.5][(unif() * 4.0) as usize]).collect();
        let outlier: Vec<f64> = (0..3000).map(|i| if i == 17 { 1e300 } else { unif() * 1e-3 }).collect();
        let clumped: Vec<f64> = (0..4000).map(|_| if unif() < 0.9 { 1.0 + (unif() * 8.0).floor() * f64::EPSILON } else { unif() * -2.0 }).collect();
        let infinite: Vec<f64> = (0..500).map(|i| if i % 97 == 3 { f64::NEG_INFINITY } else { unif() }).collect();
        let tiny: Vec<f64> = (0..300).map(|_| (unif() - 0.5) * 1e-310).collect();
        let short: Vec<f64> = (0..40).map(|_| (unif() * 5.0).floor()).collect();
        for v in [spread, few, outlier, clumped, infinite, tiny, short] {
            let mut items: Vec<(u64, u64)> = v.iter().enumerate().map(|(i, &a)| (time_key(a), i as u64)).collect();
            let mut want = items.clone();
            want.sort_by_key(|p| p.0);
            sort_by_value(&mut items, |p| p.0);
            assert_eq!(items, want);
        }
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
    }

    /// Harrell's concordance by brute force over every pair (R's convention: a pair counts when
    /// the earlier time is an event and the later row was at risk then, in the same stratum),
    /// weighted by the product of the weights: Somers' d, the variance of C from the pairs'
    /// per-row contributions (the infinitesimal jackknife, summed by cluster), and the tied
    /// predictors' weight. `cmp(i, j)`: 0 when i's predictor is larger, 1 smaller, 2 tied.
    fn brute_force(t: &[f64], s: &[u8], entry: Option<&[f64]>, weights: Option<&[f64]>, strata: Option<&[u32]>, cluster: Option<&[u32]>, cmp: impl Fn(usize, usize) -> usize) -> (f64, f64, f64) {
        let n = t.len();
        let wt = |i: usize| weights.map_or(1.0, |v| v[i]);
        let en = |i: usize| entry.map_or(f64::NEG_INFINITY, |v| v[i]);
        let st = |i: usize| strata.map_or(0, |v| v[i]);
        let mut cnt = vec![[0f64; 3]; n];
        let mut tot = [0f64; 3];
        for i in 0..n {
            for j in 0..n {
                let at_risk = en(j) < t[i] && t[i] <= t[j] && !(t[j] == t[i] && s[j] == 1);
                if st(i) != st(j) || s[i] != 1 || !at_risk {
                    continue;
                }
                let k = cmp(i, j);
                cnt[i][k] += wt(j);
                cnt[j][k] += wt(i);
                tot[k] += wt(i) * wt(j);
            }
        }
        let np = tot[0] + tot[1] + tot[2];
        let somers = (tot[0] - tot[1]) / np;
        let dfb: Vec<f64> = (0..n).map(|i| wt(i) * ((cnt[i][0] - cnt[i][1]) - somers * (cnt[i][0] + cnt[i][1] + cnt[i][2])) / np).collect();
        let var = match cluster {
            None => dfb.iter().map(|d| d * d).sum::<f64>(),
            Some(cl) => {
                let mut sums = vec![0.0; cl.iter().max().map_or(0, |&m| m as usize + 1)];
                for i in 0..n {
                    sums[cl[i] as usize] += dfb[i];
                }
                sums.iter().map(|d| d * d).sum()
            }
        } / 4.0;
        (somers, var, tot[2])
    }

    /// The weighted and counting-process concordance and its jackknife SE against a direct
    /// O(n²) count over all pairs (`concordancefit`'s definition, in the notes of
    /// `concordance_general`), on whole-number times (tied), a coarse and a binary covariate
    /// (tied predictors: equal covariate rows), two strata, delayed entry, weights, clusters.
    #[test]
    fn weighted_and_entry_concordance_matches_brute_force() {
        let mut state = 5u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 240;
        let (mut t, mut s, mut e, mut w, mut st, mut a, mut b, mut fine) = (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let x = (next() * 4.0).floor();
            let g = u8::from(next() < 0.4) as f64;
            let time = (-next().ln() / (0.3 * x - 0.5 * g).exp() * 6.0).ceil() + 1.0;
            t.push(time);
            s.push(u8::from(next() < 0.7));
            e.push(if next() < 0.5 { 0.0 } else { (next() * time).floor().min(time - 1.0) });
            w.push(0.5 + (next() * 4.0).floor() / 2.0);
            st.push(u32::from(next() < 0.5));
            a.push(x);
            b.push(g);
            fine.push((next() * 40.0).floor());
        }
        let cl: Vec<u32> = (0..n as u32).map(|i| (i * 7) % 30).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let cases: [(Option<&[f64]>, Option<&[f64]>, Option<&[u32]>); 5] =
            [(None, Some(&w), None), (Some(&e), None, None), (Some(&e), Some(&w), None), (Some(&e), Some(&w), Some(&cl)), (None, Some(&w), Some(&cl))];
        // With 8 distinct predictors the blocks of equal η are large (counted through prefix
        // sums); with about 80 they are small (through the trees).
        for ((entry, weights, cluster), a) in cases.into_iter().flat_map(|c| [(c, &a), (c, &fine)]) {
            let x = vec![a.clone(), b.clone()];
            let input = CoxInput { time: &t, status: &s, x: &crate::stats::cols(&x), names: &names, strata: Some(&st), cluster, ties: Ties::Efron };
            let f = coxph_extra(&input, CoxExtra { entry, weights }, Residuals::Never).unwrap();
            let (ba, bb) = (f.terms[0].coef, f.terms[1].coef);
            // Equal covariates tie; otherwise the predictors differ.
            let cmp = |i: usize, j: usize| {
                if a[i] == a[j] && b[i] == b[j] {
                    2
                } else if a[i] * ba + b[i] * bb > a[j] * ba + b[j] * bb {
                    0
                } else {
                    1
                }
            };
            let (somers, var, tied) = brute_force(&t, &s, entry, weights, Some(&st), cluster, cmp);
            assert!(tied > 20.0, "the test needs tied predictors");
            let what = format!("entry {} weights {} cluster {} fine {}", entry.is_some(), weights.is_some(), cluster.is_some(), std::ptr::eq(a, &fine));
            assert!(rel(f.concordance.c, (somers + 1.0) / 2.0) < 1e-12, "{what}: {} vs {}", f.concordance.c, (somers + 1.0) / 2.0);
            assert!(rel(f.concordance.se, var.sqrt()) < 1e-10, "{what}: {} vs {}", f.concordance.se, var.sqrt());
        }
    }

    /// A predictor of two values (−0 and +0 one of them) is laid out by the partition as the
    /// sort lays it out: the same keys, the same rows in the same order; any other through the
    /// sort itself.
    #[test]
    fn two_valued_predictor_is_partitioned_as_sorted() {
        let mut state = 77u64;
        let mut unif = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let binary: Vec<f64> = (0..3000).map(|_| if unif() < 0.45 { 0.3 } else { -0.2 }).collect();
        let zeros: Vec<f64> = (0..2000).map(|_| [0.0, -0.0, -1.25][(unif() * 3.0) as usize]).collect();
        let first_high: Vec<f64> = (0..500).map(|i| if i == 0 || unif() < 0.1 { 2.0 } else { 1.0 }).collect();
        let three: Vec<f64> = (0..1000).map(|_| [0.1, 0.2, 0.3][(unif() * 3.0) as usize]).collect();
        let one: Vec<f64> = vec![0.5; 300];
        let spread: Vec<f64> = (0..1000).map(|_| unif() - 0.5).collect();
        let two_rows = vec![1.0, -1.0];
        for (lp, expect_two) in [(binary, true), (zeros, true), (first_high, true), (three, false), (one, false), (spread, false), (two_rows, true)] {
            let n = lp.len();
            let meta: Vec<Partner> = (0..n).map(|i| Partner { row: i as u32, gev: (i as u32 * 7) % 19, first: (i as u32 * 3) % 5, w: 0.5 + (i % 4) as f64 }).collect();
            let mut by_lp: Vec<(u64, u64)> = lp.iter().enumerate().map(|(i, &v)| (time_key(v), i as u64)).collect();
            by_lp.sort_by_key(|p| p.0);
            let want: Vec<(u64, u32, u32, u32, u64)> = by_lp.iter().map(|&(k, i)| (k, meta[i as usize].row, meta[i as usize].gev, meta[i as usize].first, meta[i as usize].w.to_bits())).collect();
            // As `concordance_general` lays them out: placed as they are described, or sorted.
            let two = TwoValues::of(&lp);
            let laid = match two {
                Some(mut t) => {
                    let mut laid = vec![Partner::default(); n];
                    for (&v, r) in lp.iter().zip(&meta) {
                        laid[t.place(v)] = *r;
                    }
                    laid
                }
                None => meta.clone(),
            };
            assert_eq!(two.is_some(), expect_two);
            let (keys, items) = partners_by_predictor(&lp, laid, two.map(|t| (t.lo, t.hi, t.n_lo)));
            let got: Vec<(u64, u32, u32, u32, u64)> = keys.iter().zip(&items).map(|(&k, r)| (k, r.row, r.gev, r.first, r.w.to_bits())).collect();
            assert_eq!(got, want);
        }
    }

    /// The weighted (and counting-process) concordance of a binary covariate alone (the
    /// propensity-weighted model of a treatment: two values of η, laid out by the partition)
    /// against the direct count over all pairs.
    #[test]
    fn binary_predictor_concordance_matches_brute_force() {
        let mut state = 9u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 300;
        let (mut t, mut s, mut e, mut w, mut b) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let g = u8::from(next() < 0.45) as f64;
            let time = (-next().ln() / (0.6 * g).exp() * 8.0).ceil() + 1.0;
            t.push(time);
            s.push(u8::from(next() < 0.7));
            e.push(if next() < 0.5 { 0.0 } else { (next() * time).floor().min(time - 1.0) });
            w.push(0.5 + (next() * 4.0).floor() / 2.0);
            b.push(g);
        }
        let cl: Vec<u32> = (0..n as u32).map(|i| (i * 11) % 25).collect();
        let names = vec!["b".to_string()];
        let x = vec![b.clone()];
        let cases: [(Option<&[f64]>, Option<&[f64]>, Option<&[u32]>); 3] = [(None, Some(&w), None), (None, Some(&w), Some(&cl)), (Some(&e), Some(&w), None)];
        for (entry, weights, cluster) in cases {
            let input = CoxInput { time: &t, status: &s, x: &crate::stats::cols(&x), names: &names, strata: None, cluster, ties: Ties::Efron };
            let f = coxph_extra(&input, CoxExtra { entry, weights }, Residuals::Never).unwrap();
            let bb = f.terms[0].coef;
            let cmp = |i: usize, j: usize| if b[i] == b[j] { 2 } else if b[i] * bb > b[j] * bb { 0 } else { 1 };
            let (somers, var, _) = brute_force(&t, &s, entry, weights, None, cluster, cmp);
            let what = format!("entry {} cluster {}", entry.is_some(), cluster.is_some());
            assert!(rel(f.concordance.c, (somers + 1.0) / 2.0) < 1e-12, "{what}: {} vs {}", f.concordance.c, (somers + 1.0) / 2.0);
            assert!(rel(f.concordance.se, var.sqrt()) < 1e-10, "{what}: {} vs {}", f.concordance.se, var.sqrt());
        }
    }
}
