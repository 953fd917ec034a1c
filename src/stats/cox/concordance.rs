//! Harrell's concordance of the fitted linear predictor and its infinitesimal-jackknife
//! standard error, as `coxph`'s `concordance` component (see the module notes of [`super`]):
//! O(n log n) sweeps with Fenwick trees over the ranks of the predictor or of the time groups.

use super::fit::{Data, WASM_TIER_CHUNK};
use super::Concordance;
use crate::stats::common::{order_by_time, radix_sort, time_key};

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

/// State of `pair_counts_by_rank`: per time group, its stratum's first group, its stratum's
/// Fenwick segment (positions base+1 ..= base+len), rows of the later groups of its stratum,
/// its censored rows, events of the earlier groups of its stratum; and the rows of smaller
/// rank counted so far: all rows and events in Fenwick trees by group (one segment per
/// stratum), censored rows and events per group, all rows per stratum (at its first group).
struct RankSweep<'a> {
    data: &'a Data,
    first: Vec<usize>,
    base: Vec<usize>,
    len: Vec<usize>,
    later_rows: Vec<u32>,
    censored: Vec<u32>,
    earlier_events: Vec<u32>,
    all_tree: Vec<u32>,
    ev_tree: Vec<u32>,
    cens_added: Vec<u32>,
    ev_added: Vec<u32>,
    stratum_added: Vec<u32>,
}

impl<'a> RankSweep<'a> {
    fn new(data: &'a Data) -> Self {
        let ng = data.groups.len();
        let mut first = vec![0usize; ng];
        let mut base = vec![0usize; ng];
        let mut len = vec![0usize; ng];
        let mut later_rows = vec![0u32; ng];
        let mut censored = vec![0u32; ng];
        let mut earlier_events = vec![0u32; ng];
        let (mut from, mut stratum) = (0, 0);
        while from < ng {
            let to = from + data.groups[from..].iter().position(|g| g.last).map_or(ng - from, |k| k + 1);
            let (mut events, mut rows) = (0u32, 0u32);
            for g in from..to {
                let grp = data.groups[g];
                (first[g], base[g], len[g]) = (from, from + stratum, to - from);
                censored[g] = (grp.end - grp.start - grp.deaths) as u32;
                earlier_events[g] = events;
                events += grp.deaths as u32;
            }
            for g in (from..to).rev() {
                later_rows[g] = rows;
                rows += (data.groups[g].end - data.groups[g].start) as u32;
            }
            from = to;
            stratum += 1;
        }
        RankSweep {
            data,
            first,
            base,
            len,
            later_rows,
            censored,
            earlier_events,
            all_tree: vec![0; ng + stratum + 1],
            ev_tree: vec![0; ng + stratum + 1],
            cens_added: vec![0; ng],
            ev_added: vec![0; ng],
            stratum_added: vec![0; ng],
        }
    }

    fn prefix(tree: &[u32], base: usize, mut k: usize) -> u32 {
        let mut s = 0u32;
        while k > 0 {
            s += tree[base + k];
            k &= k - 1;
        }
        s
    }

    /// For a row of group g among the rows counted so far: as the earlier member (events
    /// only), the rows at risk after it; as the later member, the events before it.
    fn query(&self, g: usize, ev: bool) -> (u32, u32) {
        let (f, b) = (self.first[g], self.base[g]);
        let c = if ev { self.stratum_added[f] - Self::prefix(&self.all_tree, b, g - f + 1) + self.cens_added[g] } else { 0 };
        let d = Self::prefix(&self.ev_tree, b, g - f) + if ev { 0 } else { self.ev_added[g] };
        (c, d)
    }

    fn add(&mut self, g: usize, ev: bool) {
        let (f, b) = (self.first[g], self.base[g]);
        let mut j = g - f + 1;
        while j <= self.len[g] {
            self.all_tree[b + j] += 1;
            if ev {
                self.ev_tree[b + j] += 1;
            }
            j += j & j.wrapping_neg();
        }
        self.stratum_added[f] += 1;
        if ev {
            self.ev_added[g] += 1;
        } else {
            self.cens_added[g] += 1;
        }
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
                let (c_le, d_le) = self.query(g, ev);
                let [c, d, _] = out[q].1;
                // Earlier member: the later rows of smaller rank are concordant pairs, of
                // equal rank tied, the others discordant.
                let (tied1, disc1) = if ev { (c_le - c, self.later_rows[g] + self.censored[g] - c_le) } else { (0, 0) };
                // Later member: the earlier events of smaller rank are discordant, of equal
                // rank tied, the others concordant.
                let earlier = self.earlier_events[g] + if ev { 0 } else { self.data.groups[g].deaths as u32 };
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
    let mut by_lp: Vec<(u64, u64)> = lp.iter().zip(&ge).enumerate().map(|(i, (&v, &g))| (time_key(v), ((i as u64) << 32) | g as u64)).collect();
    radix_sort(&mut by_lp, false);
    let by_lp: Vec<(u64, (u32, u32))> = by_lp.into_iter().map(|(k, p)| (k, ((p >> 32) as u32, p as u32))).collect();
    drop(ge);
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

/// A Fenwick tree of weights over ranks `0..m`, with the weight at each rank beside it.
struct Fenwick(Vec<f64>, Vec<f64>);

impl Fenwick {
    fn new(m: usize) -> Fenwick {
        Fenwick(vec![0.0; m + 1], vec![0.0; m])
    }
    fn add(&mut self, rank: usize, w: f64) {
        self.1[rank] += w;
        let mut k = rank + 1;
        while k < self.0.len() {
            self.0[k] += w;
            k += k & k.wrapping_neg();
        }
    }
    /// Sum over ranks `< rank`.
    fn below(&self, rank: usize) -> f64 {
        let (mut k, mut s) = (rank, 0.0);
        while k > 0 {
            s += self.0[k];
            k -= k & k.wrapping_neg();
        }
        s
    }
    /// (below, equal, above) of `rank`, given the total.
    fn split(&self, rank: usize, total: f64) -> [f64; 3] {
        let lo = self.below(rank);
        let eq = self.1[rank];
        [lo, eq, total - lo - eq]
    }
}

/// Concordance of a counting-process and/or weighted fit, as `concordancefit` (timewt "n"):
/// a pair (i, j) is comparable when i has an event at T_i and j, of the same stratum, is at
/// risk then (entry_j < T_i ≤ T_j) without an event at T_i; it weighs w_i·w_j and is
/// concordant when η_i > η_j. The infinitesimal-jackknife variance uses each row's weighted
/// counts of the pairs it belongs to: dfbeta_i = w_i((c_i − d_i) − d·(c_i + d_i + t_i))/N,
/// summed by cluster, var(C) = Σ dfbeta² / 4.
///
/// Two sweeps per stratum with a Fenwick tree of weights over the ranks of η: backwards in
/// time for the event rows (the rows at risk: censored rows of the time counted in first, rows
/// whose entry is not before the time taken out), forwards for each row as the partner (the
/// events up to its exit, less those up to its entry).
fn concordance_general(data: &Data, time: &[f64], entry: Option<&[f64]>, lp: &[f64], cluster: Option<&[u32]>) -> Concordance {
    let n = data.n;
    let ent: Vec<f64> = match entry {
        Some(e) => data.row.iter().map(|&r| e[r]).collect(),
        None => vec![f64::NEG_INFINITY; n],
    };
    let ranks = order_by_time(lp);
    let mut rank = vec![0usize; n];
    let mut m = 0;
    for k in 0..n {
        if k > 0 && lp[ranks[k]] != lp[ranks[k - 1]] {
            m += 1;
        }
        rank[ranks[k]] = m;
    }
    // Sorted rows by entry within their stratum (a radix sort by entry, then a stable counting
    // sort by stratum run; strata are runs of sorted rows).
    let mut run_of = vec![0u32; n];
    let mut run_start = vec![0usize];
    for (gi, grp) in data.groups.iter().enumerate() {
        if grp.first && gi > 0 {
            run_start.push(grp.start);
        }
        let r = (run_start.len() - 1) as u32;
        run_of[grp.start..grp.end].iter_mut().for_each(|x| *x = r);
    }
    let by_entry_all: Vec<usize> = {
        let mut next = run_start.clone();
        let mut out = vec![0usize; n];
        for i in order_by_time(&ent) {
            let r = run_of[i] as usize;
            out[next[r]] = i;
            next[r] += 1;
        }
        out
    };
    let mut sweep = WeightedSweep { data, time, ent, rank, tree: Fenwick::new(m + 1), cnt: vec![[0.0f64; 3]; n], total: [0.0f64; 3] };
    // Strata: runs of groups.
    let mut g0 = 0;
    while g0 < data.groups.len() {
        let mut g1 = g0 + 1;
        while g1 < data.groups.len() && !data.groups[g1].first {
            g1 += 1;
        }
        let by_entry = &by_entry_all[data.groups[g0].start..data.groups[g1 - 1].end];
        sweep.backward(g0..g1, by_entry);
        sweep.forward(g0..g1, by_entry);
        g0 = g1;
    }
    let WeightedSweep { cnt, total, .. } = sweep;
    let wt = |i: usize| data.wt.as_ref().map_or(1.0, |w| w[i]);
    let npair = total[0] + total[1] + total[2];
    if !(npair > 0.0) {
        return Concordance { c: f64::NAN, se: f64::NAN };
    }
    let somers = (total[0] - total[1]) / npair;
    let dfbeta: Vec<f64> = (0..n).map(|i| wt(i) * ((cnt[i][0] - cnt[i][1]) - somers * (cnt[i][0] + cnt[i][1] + cnt[i][2])) / npair).collect();
    let var = match cluster {
        None => dfbeta.iter().map(|d| d * d).sum::<f64>(),
        Some(cl) => {
            let nc = cl.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            let mut sums = vec![0.0; nc];
            for i in 0..n {
                sums[cl[data.row[i]] as usize] += dfbeta[i];
            }
            sums.iter().map(|s| s * s).sum()
        }
    } / 4.0;
    Concordance { c: (somers + 1.0) / 2.0, se: var.sqrt() }
}

/// The state of [`concordance_general`]'s sweeps, one stratum after another: the rows' entry
/// times and predictor ranks (by sorted row), the Fenwick tree (empty between strata), and each
/// row's weighted counts of its pairs that are concordant, discordant, tied, with their totals.
struct WeightedSweep<'a> {
    data: &'a Data,
    /// Exit times by input row.
    time: &'a [f64],
    ent: Vec<f64>,
    rank: Vec<usize>,
    tree: Fenwick,
    cnt: Vec<[f64; 3]>,
    total: [f64; 3],
}

impl WeightedSweep<'_> {
    fn wt(&self, i: usize) -> f64 {
        self.data.wt.as_ref().map_or(1.0, |w| w[i])
    }

    fn t_of(&self, i: usize) -> f64 {
        self.time[self.data.row[i]]
    }

    /// Backwards in time over the groups of one stratum, each event row as the earlier member
    /// of its pairs: compared with the rows at risk at its time (censored rows of the time
    /// counted in first, rows whose entry is not before the time taken out). `by_entry`: the
    /// stratum's rows in order of entry. Leaves the tree empty.
    fn backward(&mut self, groups: std::ops::Range<usize>, by_entry: &[usize]) {
        let data = self.data;
        let r0 = data.groups[groups.start].start;
        let mut in_tree = vec![false; by_entry.len()];
        let mut tw = 0.0;
        // Rows by entry, latest first (to take out going backwards).
        let mut leaving = by_entry.iter().rev().copied().peekable();
        for gi in groups.rev() {
            let grp = data.groups[gi];
            let t = self.t_of(grp.start);
            for i in grp.start..grp.end {
                if !data.event[i] {
                    self.tree.add(self.rank[i], self.wt(i));
                    tw += self.wt(i);
                    in_tree[i - r0] = true;
                }
            }
            while let Some(j) = leaving.next_if(|&j| self.ent[j] >= t) {
                if in_tree[j - r0] {
                    self.tree.add(self.rank[j], -self.wt(j));
                    tw -= self.wt(j);
                    in_tree[j - r0] = false;
                }
            }
            for i in grp.start..grp.end {
                if data.event[i] {
                    // [below, equal, above] = [concordant, tied, discordant] for the event row.
                    let [lo, eq, hi] = self.tree.split(self.rank[i], tw);
                    self.cnt[i][0] += lo;
                    self.cnt[i][1] += hi;
                    self.cnt[i][2] += eq;
                    self.total[0] += self.wt(i) * lo;
                    self.total[1] += self.wt(i) * hi;
                    self.total[2] += self.wt(i) * eq;
                }
            }
            for i in grp.start..grp.end {
                if data.event[i] && self.ent[i] < t {
                    self.tree.add(self.rank[i], self.wt(i));
                    tw += self.wt(i);
                    in_tree[i - r0] = true;
                }
            }
        }
        for (k, &inn) in in_tree.iter().enumerate() {
            if inn {
                self.tree.add(self.rank[r0 + k], -self.wt(r0 + k));
            }
        }
    }

    /// Forwards over the groups of one stratum, each row as the later member: the events in
    /// (entry, exit] (those at its own time only when it is censored), as the events counted
    /// up to its exit less those counted up to its entry. Leaves the tree empty.
    fn forward(&mut self, groups: std::ops::Range<usize>, by_entry: &[usize]) {
        let data = self.data;
        let mut ek = 0;
        let mut ew = 0.0;
        for gi in groups.clone() {
            let grp = data.groups[gi];
            let t = self.t_of(grp.start);
            // Entries before this time: subtract the events counted up to the entry.
            while ek < by_entry.len() && self.ent[by_entry[ek]] < t {
                let j = by_entry[ek];
                let [lo, eq, hi] = self.tree.split(self.rank[j], ew);
                self.cnt[j][0] -= hi;
                self.cnt[j][1] -= lo;
                self.cnt[j][2] -= eq;
                ek += 1;
            }
            for i in grp.start..grp.end {
                if data.event[i] {
                    let [lo, eq, hi] = self.tree.split(self.rank[i], ew);
                    self.cnt[i][0] += hi;
                    self.cnt[i][1] += lo;
                    self.cnt[i][2] += eq;
                }
            }
            for i in grp.start..grp.end {
                if data.event[i] {
                    self.tree.add(self.rank[i], self.wt(i));
                    ew += self.wt(i);
                }
            }
            for i in grp.start..grp.end {
                if !data.event[i] {
                    let [lo, eq, hi] = self.tree.split(self.rank[i], ew);
                    self.cnt[i][0] += hi;
                    self.cnt[i][1] += lo;
                    self.cnt[i][2] += eq;
                }
            }
        }
        for gi in groups {
            let grp = data.groups[gi];
            for i in grp.start..grp.end {
                if data.event[i] {
                    self.tree.add(self.rank[i], -self.wt(i));
                }
            }
        }
    }
}
