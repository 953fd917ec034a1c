//! Fisher's exact test for an r×c contingency table, computed exactly by a network algorithm.
//!
//! # What R does
//! `fisher.test(m)` conditions on both margins. Under independence a table has the multivariate
//! hypergeometric probability
//!
//! ```text
//! P(T) = ∏ R_i! ∏ C_j! / (N! ∏ n_ij!)
//! ```
//!
//! and the two-sided p-value is the total probability of every table with the same margins whose
//! probability is at most the observed one, `P(T) ≤ P(T_obs) · (1 + 1e-7)` (the relative tolerance
//! keeps tables that tie with the observed one up to rounding). R computes it with FEXACT
//! (Mehta & Patel's network algorithm).
//!
//! # What we do
//! Also a network algorithm, written from the description above:
//!
//! * The table is oriented so that the shorter dimension is the "rows". Columns are filled one
//!   at a time; a **node** is (number of columns filled, the multiset of row margins still to
//!   fill). Because the remaining problem is symmetric in the rows, the remaining margins are kept
//!   sorted, so paths that differ only by a permutation of rows meet at one node.
//! * Each path into a node carries its **past** `-Σ ln n_ij!` over the filled columns. Paths with
//!   equal past (to 1e-9 in the log) are merged with a multiplicity weight.
//! * For a node with `m` units left, the sum over all completions of `∏ 1/n_ij!` has the closed
//!   form `m! / (∏ s_i! ∏ C_j!)` (the multinomial identity). A path with limit
//!   `L = ln threshold − ln K − past` needs the mass of the completions with value ≤ L: that is
//!   the closed-form total minus the mass **above** L. The tables more probable than the observed
//!   one are few compared with all tables, so we list only what lies above: when a node is
//!   extended, only the fillings of the next column whose child can hold a completion above the
//!   lowest limit are visited. A visited child is settled against its bounds: entirely below (it
//!   costs nothing), entirely above (its whole mass is subtracted), or in between (its mass is
//!   subtracted and the path is stored in the child, which adds back its own below-limit part).
//! * Bounds. Upper bound on a completion's `-Σ ln n_ij!`: a Lagrangian relaxation of the column
//!   sums with multipliers `-ln C_j`; each row's sub-problem is separable concave with a sum
//!   constraint, so a greedy fill solves it, tabulated once per stage for every row total.
//!   Because that bound is a sum of per-row terms, "filling `x` of the next column can reach
//!   above L" is a separable concave condition on `x`, and `above` lists exactly the `x` that
//!   meet it (suffix max-plus convolutions + a peak search per row). With two columns left the
//!   bound is exact (`max_two`, unit exchanges of a separable concave objective) and so is the
//!   lower bound (`min_two`, a vertex search); otherwise the lower bound is the better of dropping
//!   the column sums or the row sums, each row (column) then filled into the largest caps first,
//!   which majorises every feasible filling (Schur-convexity of `Σ ln x!`).
//! * With two columns left the completion is fixed by the next column: its value is separable,
//!   so `above` lists the completions above the lowest limit directly and each path's excess
//!   comes from one bucketed prefix sum — no further nodes.
//!
//! Speed (native, release): a 4×4 table with n = 200 in about 20 ms and n = 315 in about 0.15 s,
//! where R's FEXACT takes 4.5 s and 145 s (with `workspace = 2e8`).
//!
//! Accuracy: subtree masses are subtracted from closed-form totals, so the p-value carries an
//! absolute error of about 1e-14 (log-factorials in double precision): 12+ significant digits
//! for ordinary p-values, about 6 at p = 1e-8 (R's FEXACT: 8.362519e-9, ours 8.362505e-9 for the
//! 5×3 case in `tests/r/table1_extra.R`).
//!
//! The work is counted (paths extended, fillings visited, nodes created); past the budget, or past
//! `MAX_STORED` (4 million) stored paths (memory), the function gives up and returns `None`, so a caller
//! can fall back to an asymptotic test and say so.

use std::collections::HashMap;

/// R's relative tolerance on "probability at most the observed one".
const REL_TOL: f64 = 1e-7;
/// Paths whose log-past values differ by less than this are merged.
const MERGE_TOL: f64 = 1e-9;

/// Default work budget: some tens of millions of elementary steps (about a second natively).
pub const DEFAULT_BUDGET: u64 = 40_000_000;

fn ln_fact(k: u64) -> f64 {
    statrs::function::factorial::ln_factorial(k)
}

/// Two-sided p-value of Fisher's exact test for the table `counts` (rows of equal length), or
/// `None` when the exact computation needs more than `budget` steps.
///
/// Rows and columns that are entirely zero are ignored (they do not change the set of tables).
/// A table with fewer than two non-empty rows or columns has only one possible filling: p = 1.
pub fn fisher_exact(counts: &[Vec<u64>], budget: u64) -> Option<f64> {
    fisher_exact_counted(counts, budget).0
}

/// [`fisher_exact`] with the work it took (elementary steps), for benchmarks and budgets.
pub fn fisher_exact_counted(counts: &[Vec<u64>], budget: u64) -> (Option<f64>, u64) {
    let mut work = Work { done: 0, budget };
    let p = fisher_network(counts, &mut work);
    (p, work.done.min(budget.saturating_add(1)))
}

fn fisher_network(counts: &[Vec<u64>], work: &mut Work) -> Option<f64> {
    // Drop empty rows and columns.
    let ncol = counts.iter().map(|r| r.len()).max().unwrap_or(0);
    let cell = |i: usize, j: usize| counts[i].get(j).copied().unwrap_or(0);
    let rows: Vec<usize> = (0..counts.len()).filter(|&i| (0..ncol).any(|j| cell(i, j) > 0)).collect();
    let cols: Vec<usize> = (0..ncol).filter(|&j| rows.iter().any(|&i| cell(i, j) > 0)).collect();
    if rows.len() < 2 || cols.len() < 2 {
        return Some(1.0);
    }
    // Orient: the shorter dimension becomes the state (rows), the longer one is walked.
    let mut t: Vec<Vec<u64>> = rows.iter().map(|&i| cols.iter().map(|&j| cell(i, j)).collect()).collect();
    if t.len() > t[0].len() {
        t = (0..t[0].len()).map(|j| t.iter().map(|r| r[j]).collect()).collect();
    }
    let r = t.len();
    let c = t[0].len();
    let row_m: Vec<u64> = t.iter().map(|row| row.iter().sum()).collect();
    let mut col_m: Vec<u64> = (0..c).map(|j| t.iter().map(|row| row[j]).sum()).collect();
    let n: u64 = row_m.iter().sum();
    // Node keys pack the sorted remaining margins in base n+1 into a u128.
    let mut span: u128 = 1;
    for _ in 0..r {
        span = span.checked_mul(n as u128 + 1)?;
    }
    // Columns ascending: the small ones are branched on, the two largest are settled by the
    // final sorted-list step.
    col_m.sort_unstable();

    let lf: Vec<f64> = (0..=n).map(ln_fact).collect();
    let k_const = row_m.iter().map(|&x| lf[x as usize]).sum::<f64>() + col_m.iter().map(|&x| lf[x as usize]).sum::<f64>() - lf[n as usize];
    let obs = k_const - t.iter().flatten().map(|&x| lf[x as usize]).sum::<f64>();
    let threshold = obs + REL_TOL.ln_1p();

    let net = Network::new(&lf, &col_m, k_const, threshold, r, n);
    let mut p = 0.0;

    let mut start = row_m.clone();
    start.sort_unstable();
    let mut root = net.node(start, 0);
    if net.k + root.ub <= threshold {
        // Every table is at most as probable as the observed one.
        return Some(1.0);
    }
    root.entries.push((0.0, 1.0));
    let mut stage = vec![root];
    for j in 0..c - 1 {
        let mut next = Stage::default();
        for mut node in stage.drain(..) {
            if node.entries.is_empty() {
                continue;
            }
            work.done += node.entries.len() as u64 + 1;
            if work.done > work.budget {
                return None;
            }
            merge_entries(&mut node.entries);
            p += if j + 2 == c { net.finish(&node, j, work)? } else { net.step(&node, j, &mut next, work)? };
        }
        stage = next.nodes;
    }
    Some(p.min(1.0))
}

/// Sort paths by past and merge those with (numerically) equal past.
fn merge_entries(e: &mut Vec<(f64, f64)>) {
    e.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(e.len());
    for &(past, w) in e.iter() {
        match out.last_mut() {
            Some(last) if past - last.0 <= MERGE_TOL => last.1 += w,
            _ => out.push((past, w)),
        }
    }
    *e = out;
}

/// FxHash (the rustc hasher): a fast multiplicative hash for the integer keys of the node index.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u128(&mut self, x: u128) {
        self.write_u64(x as u64);
        self.write_u64((x >> 64) as u64);
    }
}

type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// A node of the network: remaining row margins (sorted) after some columns, bounds on the
/// completions' `-Σ ln n_ij!`, their closed-form total, and the open paths into it.
struct Node {
    state: Vec<u64>,
    ub: f64,
    lb: f64,
    tot: f64,
    entries: Vec<(f64, f64)>,
}

/// The nodes of one stage with their index by packed state.
#[derive(Default)]
struct Stage {
    index: HashMap<u128, usize, FxBuild>,
    nodes: Vec<Node>,
    /// Paths stored in the stage's nodes.
    stored: usize,
}

/// At most this many open paths are stored per stage (16 bytes each): beyond it the table is
/// treated as too large, whatever the work budget says.
const MAX_STORED: usize = 4_000_000;

struct Network<'a> {
    lf: &'a [f64],
    /// Column margins in processing order (ascending).
    col: &'a [u64],
    /// `ln(∏R! ∏C! / N!)`.
    k: f64,
    /// Log-probability threshold.
    threshold: f64,
    r: usize,
    /// Radix of the packed node keys (n + 1).
    base: u128,
    /// `row_max[j][u]`: the Lagrangian row term of [`Network::upper`] for a row with `u` units
    /// left and columns `j..` to fill.
    row_max: Vec<Vec<f64>>,
    /// `-Σ_{j' ≥ j} C_j' ln C_j'`, the multiplier term of the same bound.
    mult_term: Vec<f64>,
    /// Work charged for creating a node (its bounds).
    node_cost: u64,
}

/// Slack on the filters of the pruned enumerations: they may visit a little more than needed,
/// never less, whatever the rounding.
const FILTER_SLACK: f64 = 1e-9;
/// Score of an infeasible filling in [`above`]'s sequences.
const INFEASIBLE: f64 = -1e300;

impl<'a> Network<'a> {
    fn new(lf: &'a [f64], col: &'a [u64], k: f64, threshold: f64, r: usize, n: u64) -> Self {
        let c = col.len();
        let mut row_max = Vec::with_capacity(c);
        let mut mult_term = Vec::with_capacity(c);
        for j in 0..c {
            let cols = &col[j..];
            let ln_c: Vec<f64> = cols.iter().map(|&x| (x.max(1) as f64).ln()).collect();
            mult_term.push(-cols.iter().zip(&ln_c).map(|(&x, l)| x as f64 * l).sum::<f64>());
            // Greedy fill one unit at a time: the k-th unit in column j' gains ln(C_j'/k); the
            // best gains taken in order give the optimum for every row total u at once.
            let cap: u64 = cols.iter().sum();
            let mut x = vec![0u64; cols.len()];
            let mut rm = Vec::with_capacity(n as usize + 1);
            rm.push(0.0);
            let mut acc = 0.0;
            for _u in 1..=n.min(cap) {
                let mut best = 0;
                let mut best_gain = f64::NEG_INFINITY;
                for (q, (&xq, &cq)) in x.iter().zip(cols).enumerate() {
                    if xq < cq {
                        let gain = ln_c[q] - ((xq + 1) as f64).ln();
                        if gain > best_gain {
                            best_gain = gain;
                            best = q;
                        }
                    }
                }
                x[best] += 1;
                acc += best_gain;
                rm.push(acc);
            }
            row_max.push(rm);
        }
        let node_cost = (1u64 << r.min(8)) + 8 * r as u64;
        Network { lf, col, k, threshold, r, base: n as u128 + 1, row_max, mult_term, node_cost }
    }

    fn lf(&self, x: u64) -> f64 {
        self.lf[x as usize]
    }

    /// A node for remaining margins `s` (sorted) with columns `j..` left, with its bounds.
    fn node(&self, s: Vec<u64>, j: usize) -> Node {
        let (ub, lb) = if j + 2 == self.col.len() {
            (self.max_two(&s, self.col[j]), self.min_two(&s, self.col[j]).max(self.lower(&s, j)))
        } else if j + 1 >= self.col.len() {
            // One column left: the completion is forced.
            let v = -s.iter().map(|&x| self.lf(x)).sum::<f64>();
            (v, v)
        } else {
            (self.upper(&s, j), self.lower(&s, j))
        };
        let tot = self.total(&s, j);
        Node { state: s, ub, lb, tot, entries: Vec::new() }
    }

    /// Upper bound on `-Σ ln n_ij!` over the completions of `s` with columns `j..`: the
    /// Lagrangian relaxation of the column sums with multipliers `b_j = -ln C_j`,
    /// `Σ_j b_j C_j + Σ_i max{Σ_j (-ln x_ij! - b_j x_ij) : Σ_j x_ij = s_i, 0 ≤ x_ij ≤ C_j}`.
    /// Any multipliers give a valid bound (weak duality); these put the relaxed optimum near the
    /// independence table, where the true maximum is. Each row's problem is separable concave
    /// with a sum constraint, so the greedy fill tabulated in `row_max` is exact for it.
    fn upper(&self, s: &[u64], j: usize) -> f64 {
        self.mult_term[j] + s.iter().map(|&si| self.row_max[j][si as usize]).sum::<f64>()
    }

    /// Lower bound on `-Σ ln n_ij!` over the completions of `s` with columns `j..`: the better
    /// of dropping the column sums or the row sums. Each row (column) alone is then filled
    /// into the largest capacities first, a filling that majorises every other one, hence
    /// maximises the Schur-convex `Σ ln x!`.
    fn lower(&self, s: &[u64], j: usize) -> f64 {
        let mut cols: Vec<u64> = self.col[j..].to_vec();
        cols.sort_unstable_by(|a, b| b.cmp(a));
        let mut rows: Vec<u64> = s.to_vec();
        rows.sort_unstable_by(|a, b| b.cmp(a));
        let fill = |amount: u64, caps_desc: &[u64]| -> f64 {
            let mut left = amount;
            let mut v = 0.0;
            for &cap in caps_desc {
                if left == 0 {
                    break;
                }
                let x = cap.min(left);
                v -= self.lf(x);
                left -= x;
            }
            v
        };
        let by_rows: f64 = rows.iter().map(|&si| fill(si, &cols)).sum();
        let by_cols: f64 = cols.iter().map(|&cj| fill(cj, &rows)).sum();
        by_rows.max(by_cols)
    }

    /// `ln Σ ∏ 1/n_ij!` over all completions: `ln m! - Σ ln s_i! - Σ ln C_j!`.
    fn total(&self, s: &[u64], j: usize) -> f64 {
        let m: u64 = s.iter().sum();
        self.lf(m) - s.iter().map(|&x| self.lf(x)).sum::<f64>() - self.col[j..].iter().map(|&x| self.lf(x)).sum::<f64>()
    }

    /// Exact maximum of `-Σ [ln x_i! + ln (s_i - x_i)!]` over `Σ x_i = ca`, `0 ≤ x_i ≤ s_i`: the
    /// most probable filling of the last two columns. The objective is separable and concave in
    /// each `x_i`, so a filling is optimal as soon as no single unit moved from one row to another
    /// improves it; we start from the proportional filling and move units until none helps.
    fn max_two(&self, s: &[u64], ca: u64) -> f64 {
        let m: u64 = s.iter().sum();
        if m == 0 {
            return 0.0;
        }
        let mut x: Vec<u64> = s.iter().map(|&si| si * ca / m).collect();
        let add_gain = |x: u64, s: u64| if x < s { ((s - x) as f64).ln() - ((x + 1) as f64).ln() } else { f64::NEG_INFINITY };
        let remove_gain = |x: u64, s: u64| if x > 0 { (x as f64).ln() - ((s - x + 1) as f64).ln() } else { f64::NEG_INFINITY };
        let argmax = |x: &[u64], g: &dyn Fn(u64, u64) -> f64| (0..s.len()).max_by(|&a, &b| g(x[a], s[a]).total_cmp(&g(x[b], s[b])));
        let mut used: u64 = x.iter().sum();
        while used < ca {
            match argmax(&x, &add_gain) {
                Some(i) if x[i] < s[i] => {
                    x[i] += 1;
                    used += 1;
                }
                _ => break,
            }
        }
        // Unit moves until none gains (each strictly increases the objective, so this ends).
        for _ in 0..(ca as usize + s.len()) * 4 {
            match (argmax(&x, &add_gain), argmax(&x, &remove_gain)) {
                (Some(i), Some(k)) if i != k && add_gain(x[i], s[i]) + remove_gain(x[k], s[k]) > 1e-12 => {
                    x[i] += 1;
                    x[k] -= 1;
                }
                _ => break,
            }
        }
        -s.iter().zip(&x).map(|(&si, &xi)| self.lf(xi) + self.lf(si - xi)).sum::<f64>()
    }

    /// Exact minimum of the same objective for up to 8 rows (else -∞, the caller keeps the
    /// relaxation bound): `Σ ln binom(s_i, x_i)` is concave, so it is minimised at a vertex of
    /// `{Σ x = ca, 0 ≤ x ≤ s}`, where every row is empty or full (binomial 1) but at most one.
    fn min_two(&self, s: &[u64], ca: u64) -> f64 {
        let r = s.len();
        if r > 8 {
            return f64::NEG_INFINITY;
        }
        let base = -s.iter().map(|&x| self.lf(x)).sum::<f64>();
        let ln_binom = |n: u64, k: u64| self.lf(n) - self.lf(k) - self.lf(n - k);
        let mut best = f64::INFINITY;
        for full in 0u32..(1 << r) {
            let sum: u64 = (0..r).filter(|&i| full >> i & 1 == 1).map(|i| s[i]).sum();
            if sum > ca {
                continue;
            }
            let rest = ca - sum;
            if rest == 0 {
                best = 0.0;
                break;
            }
            for k in (0..r).filter(|&i| full >> i & 1 == 0) {
                if rest <= s[k] {
                    best = best.min(ln_binom(s[k], rest));
                }
            }
        }
        if best.is_finite() {
            base + best
        } else {
            f64::NEG_INFINITY
        }
    }

    fn key(&self, s: &[u64]) -> u128 {
        s.iter().fold(0u128, |k, &v| k * self.base + v as u128)
    }

    /// Extend a node with three or more columns left by the fillings of its next column.
    ///
    /// Each path `e` of the node needs the mass of its completions at or below its limit
    /// `L_e = threshold - k - past_e`. That is the node's whole mass (closed form) minus the
    /// mass above the limit, and only children that can hold a completion above the lowest
    /// limit are visited: the child's Lagrangian bound is separable in the rows, so
    /// [`above`] lists exactly the fillings that pass it. A visited child is settled against its
    /// own bounds for every path (all below: nothing to subtract; otherwise its whole mass is
    /// subtracted, and if it is not all above, the path is stored in the child, which adds its
    /// own below-limit mass when processed).
    fn step(&self, node: &Node, j: usize, next: &mut Stage, work: &mut Work) -> Option<f64> {
        let s = &node.state;
        let entries = &node.entries;
        let limits: Vec<f64> = entries.iter().map(|&(past, _)| self.threshold - self.k - past).collect();
        let lowest = match limits.last() {
            Some(&l) => l,
            None => return Some(0.0),
        };
        let rm = &self.row_max[j + 1];
        // Fillings that leave a row more than the later columns can take are infeasible: a huge
        // negative value keeps each sequence concave and finite.
        let g: Vec<Vec<f64>> = s
            .iter()
            .map(|&si| (0..=si).map(|x| rm.get((si - x) as usize).map_or(INFEASIBLE, |&b| -self.lf(x) + b)).collect())
            .collect();
        let mut excess = vec![0.0; entries.len()];
        let mut child = vec![0u64; self.r];
        let cost = entries.len() as u64 + 1;
        let mut node_cost = 0;
        work.done += s.iter().sum::<u64>() * self.r as u64;
        let done = above(&g, s, self.col[j], lowest - self.mult_term[j + 1] - FILTER_SLACK, work, &mut |x| {
            let v = -x.iter().map(|&xi| self.lf(xi)).sum::<f64>();
            for (ci, (&si, &xi)) in child.iter_mut().zip(s.iter().zip(x)) {
                *ci = si - xi;
            }
            insertion_sort(&mut child);
            let key = self.key(&child);
            let id = match next.index.get(&key) {
                Some(&id) => id,
                None => {
                    node_cost += self.node_cost;
                    next.nodes.push(self.node(child.clone(), j + 1));
                    next.index.insert(key, next.nodes.len() - 1);
                    next.nodes.len() - 1
                }
            };
            let ch = &mut next.nodes[id];
            for (e, &(past, w)) in entries.iter().enumerate() {
                if v + ch.ub <= limits[e] {
                    continue;
                }
                excess[e] += (v + ch.tot - node.tot).exp();
                if v + ch.lb <= limits[e] {
                    ch.entries.push((past + v, w));
                    next.stored += 1;
                }
            }
            if next.stored > MAX_STORED {
                // Over the memory cap: charge the whole budget so the search stops.
                return u64::MAX / 2;
            }
            cost + std::mem::take(&mut node_cost)
        });
        done.then(|| entries.iter().zip(&excess).map(|(&(past, w), &ex)| w * (self.k + past + node.tot).exp() * (1.0 - ex)).sum())
    }

    /// Settle a node with exactly two columns left: the completion is fixed by the next column,
    /// and its value `f = -Σ [ln x_i! + ln (s_i - x_i)!]` is separable, so [`above`] lists the
    /// completions above the lowest limit. Paths are sorted by past, so their limits descend and
    /// a completion lies above the limits of a suffix of them (binary search); its mass goes to
    /// the bucket where that suffix starts, and prefix sums give each path's excess.
    fn finish(&self, node: &Node, j: usize, work: &mut Work) -> Option<f64> {
        let s = &node.state;
        let entries = &node.entries;
        let limits: Vec<f64> = entries.iter().map(|&(past, _)| self.threshold - self.k - past).collect();
        let lowest = match limits.last() {
            Some(&l) => l,
            None => return Some(0.0),
        };
        let g: Vec<Vec<f64>> = s.iter().map(|&si| (0..=si).map(|x| -self.lf(x) - self.lf(si - x)).collect()).collect();
        let mut bucket = vec![0.0; entries.len() + 1];
        work.done += entries.len() as u64 + s.iter().sum::<u64>() * self.r as u64;
        let done = above(&g, s, self.col[j], lowest - FILTER_SLACK, work, &mut |x| {
            let f: f64 = s.iter().zip(x).map(|(&si, &xi)| -self.lf(xi) - self.lf(si - xi)).sum();
            // First path whose limit is below f.
            let k = limits.partition_point(|&l| l >= f);
            bucket[k] += (f - node.tot).exp();
            1
        });
        if !done {
            return None;
        }
        let mut excess = 0.0;
        let mut p = 0.0;
        for (e, &(past, w)) in entries.iter().enumerate() {
            excess += bucket[e];
            p += w * (self.k + past + node.tot).exp() * (1.0 - excess);
        }
        Some(p)
    }
}

/// Max-plus convolution of two concave sequences: the best split of every total. For concave
/// sequences it merges their increments in decreasing order.
fn sup_convolve(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(a.len() + b.len() - 1);
    let (mut i, mut k) = (0, 0);
    out.push(a[0] + b[0]);
    while i + 1 < a.len() || k + 1 < b.len() {
        let da = if i + 1 < a.len() { a[i + 1] - a[i] } else { f64::NEG_INFINITY };
        let db = if k + 1 < b.len() { b[k + 1] - b[k] } else { f64::NEG_INFINITY };
        if da >= db {
            i += 1;
        } else {
            k += 1;
        }
        out.push(a[i] + b[k]);
    }
    out
}

/// Call `visit(x)` for every `x` with `Σ x_i = total`, `0 ≤ x_i ≤ caps[i]` and
/// `Σ g_i(x_i) > limit`, where each `g_i` (defined on `0..=caps[i]`) is concave. Suffix
/// max-plus convolutions bound what the remaining rows can add; for the current row the best
/// total as a function of `x_i` is concave too, so its super-level set is an interval, found by
/// a binary search for the peak and a walk outwards that stops at the first value below.
fn above<F: FnMut(&[u64]) -> u64>(g: &[Vec<f64>], caps: &[u64], total: u64, limit: f64, work: &mut Work, visit: &mut F) -> bool {
    let r = caps.len();
    if r == 0 {
        return true;
    }
    let mut suffix: Vec<Vec<f64>> = vec![Vec::new(); r];
    suffix[r - 1] = g[r - 1].clone();
    for i in (0..r - 1).rev() {
        suffix[i] = sup_convolve(&g[i], &suffix[i + 1]);
    }
    if total as usize >= suffix[0].len() || suffix[0][total as usize] <= limit {
        return true;
    }
    let mut x = vec![0u64; r];
    above_rec(g, &suffix, 0, total, 0.0, limit, &mut x, work, visit)
}

#[allow(clippy::too_many_arguments)]
fn above_rec<F: FnMut(&[u64]) -> u64>(g: &[Vec<f64>], suffix: &[Vec<f64>], i: usize, left: u64, partial: f64, limit: f64, x: &mut [u64], work: &mut Work, visit: &mut F) -> bool {
    let r = g.len();
    work.done += 1;
    if work.done > work.budget {
        return false;
    }
    if i + 1 == r {
        x[i] = left;
        work.done = work.done.saturating_add(visit(x));
        return work.done <= work.budget;
    }
    let rest = &suffix[i + 1];
    let lo = (left as usize).saturating_sub(rest.len() - 1);
    let hi = (g[i].len() - 1).min(left as usize);
    if lo > hi {
        return true;
    }
    let phi = |v: usize| g[i][v] + rest[left as usize - v];
    // Peak of the concave phi on lo..=hi.
    let (mut a, mut b) = (lo, hi);
    while a < b {
        let mid = (a + b) / 2;
        if phi(mid + 1) > phi(mid) {
            a = mid + 1;
        } else {
            b = mid;
        }
    }
    let peak = a;
    let mut v = peak;
    loop {
        if partial + phi(v) <= limit {
            break;
        }
        x[i] = v as u64;
        if !above_rec(g, suffix, i + 1, left - v as u64, partial + g[i][v], limit, x, work, visit) {
            return false;
        }
        if v == lo {
            break;
        }
        v -= 1;
    }
    for v in peak + 1..=hi {
        if partial + phi(v) <= limit {
            break;
        }
        x[i] = v as u64;
        if !above_rec(g, suffix, i + 1, left - v as u64, partial + g[i][v], limit, x, work, visit) {
            return false;
        }
    }
    true
}

/// Work done so far and allowed.
struct Work {
    done: u64,
    budget: u64,
}

fn insertion_sort(v: &mut [u64]) {
    for i in 1..v.len() {
        let mut k = i;
        while k > 0 && v[k - 1] > v[k] {
            v.swap(k - 1, k);
            k -= 1;
        }
    }
}
