//! The G-rho family of k-sample tests (`survdiff`), stratified; pairwise comparisons with Holm
//! adjustment; a test for trend across ordered groups.
//!
//! ## Method
//! Within each stratum, at every distinct event time t with n at risk and d events, group g
//! contributes observed d_g and expected n_g·d/n, weighted by w = S(t−)^rho where S is the
//! pooled Kaplan-Meier curve of that stratum just before t (rho = 0: log-rank; rho = 1:
//! Peto-Peto, as `survdiff`). The hypergeometric covariance is
//! w² · d (n − d)/(n − 1) · (n_g/n) (δ_gh − n_h/n). Sums run over times and strata. As
//! `survdiff`, only groups with expected events > 0 take part; the statistic is U' V⁻¹ U over
//! all of them but one, with df = their number less one (`print.survdiff`); null when fewer
//! than two groups have expected events or V is singular (R stops there), with the reason.
//!
//! Everything here needs only, per stratum and distinct time, each group's events and rows
//! leaving the risk set, so the tests run over the rows' [`Tallies`] (one sort shared with the
//! Kaplan-Meier curves; the overall, trend and pairwise tests reuse it).

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::common::{holm, Tallies, TestResult};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PairwiseTest {
    pub a: String,
    pub b: String,
    pub chisq: f64,
    pub p: f64,
    pub p_adjusted: f64,
}

/// Observed − expected per group and its covariance matrix, summed over strata.
pub struct ScoreParts {
    pub obs: Vec<f64>,
    pub exp: Vec<f64>,
    pub var: DMatrix<f64>,
}

/// Accumulate O, E and V for groups `0..k` (rows whose group code is ≥ k are ignored).
pub fn score_parts(time: &[f64], status: &[u8], group: &[u32], k: usize, strata: Option<&[u32]>, rho: f64) -> ScoreParts {
    let t = Tallies::new(time, status, Some(group), k, strata, |_| true);
    tally_score_parts(&t, k, rho, |g| Some(g as usize))
}

/// O, E and V from the rows' tallies (status 1 = event, anything else leaves the risk set
/// uncounted). `map` sends a cell's group code to one of `0..k`, or drops the cell (pairwise
/// tests use two groups of the same tallies).
pub fn tally_score_parts(t: &Tallies, k: usize, rho: f64, map: impl Fn(u32) -> Option<usize>) -> ScoreParts {
    let mut obs = vec![0.0; k];
    let mut exp = vec![0.0; k];
    let mut var = DMatrix::<f64>::zeros(k, k);
    let mut n_g = vec![0.0; k];
    let mut d_g = vec![0.0; k];
    let mut left_g = vec![0.0; k];
    let total = |c: &[u32; 4]| c.iter().map(|&x| x as f64).sum::<f64>();
    for st in t.strata() {
        // At-risk counts at the start of this stratum.
        n_g.iter_mut().for_each(|x| *x = 0.0);
        for pos in 0..st.len() {
            let c = st.cell(pos);
            if let Some(g) = map(t.group[c]).filter(|&g| g < k) {
                n_g[g] += total(&t.count[c]);
            }
        }
        let mut km = 1.0f64;
        let mut pos = 0;
        while pos < st.len() {
            let time = t.time[st.cell(pos)];
            d_g.iter_mut().for_each(|x| *x = 0.0);
            left_g.iter_mut().for_each(|x| *x = 0.0);
            while pos < st.len() && t.time[st.cell(pos)] == time {
                let c = st.cell(pos);
                if let Some(g) = map(t.group[c]).filter(|&g| g < k) {
                    d_g[g] += t.count[c][1] as f64;
                    left_g[g] += total(&t.count[c]);
                }
                pos += 1;
            }
            let n: f64 = n_g.iter().sum();
            let d: f64 = d_g.iter().sum();
            if d > 0.0 {
                let w = if rho == 0.0 { 1.0 } else { km.powf(rho) };
                for g in 0..k {
                    obs[g] += w * d_g[g];
                    exp[g] += w * n_g[g] * d / n;
                }
                if n > 1.0 {
                    let c = w * w * d * (n - d) / (n - 1.0);
                    for g in 0..k {
                        for h in 0..k {
                            let delta = if g == h { 1.0 } else { 0.0 };
                            var[(g, h)] += c * (n_g[g] / n) * (delta - n_g[h] / n);
                        }
                    }
                }
                km *= 1.0 - d / n;
            }
            for g in 0..k {
                n_g[g] -= left_g[g];
            }
        }
    }
    ScoreParts { obs, exp, var }
}

/// `survdiff(Surv(time, status == 1) ~ group + strata(strata), rho = rho)`.
/// `group` holds codes `0..n_groups`; `strata` codes, when given.
pub fn survdiff(time: &[f64], status: &[u8], group: &[u32], n_groups: usize, strata: Option<&[u32]>, rho: f64) -> TestResult {
    survdiff_tallies(&Tallies::new(time, status, Some(group), n_groups, strata, |_| true), rho)
}

/// [`survdiff`] over the rows' tallies (groups `0..t.n_groups`, the tallies' strata).
pub fn survdiff_tallies(t: &Tallies, rho: f64) -> TestResult {
    survdiff_explained(t, rho).0
}

/// [`survdiff_tallies`], with the reason when the statistic is undefined (a warning for the
/// report).
pub fn survdiff_explained(t: &Tallies, rho: f64) -> (TestResult, Option<String>) {
    let k = t.n_groups;
    test_explained(&tally_score_parts(t, k, rho, |g| Some(g as usize)), k)
}

/// The k-sample statistic from its parts (see [`test_explained`]).
fn test_of(parts: &ScoreParts, n_groups: usize) -> TestResult {
    test_explained(parts, n_groups).0
}

/// The k-sample statistic from its parts, as `survdiff` and `print.survdiff`: only the groups
/// with expected events > 0 take part; df = their number less one; the statistic is U'V⁻¹U
/// over all of them but the first. With fewer than two such groups the test is undefined
/// (R prints chisq 0 on 0 df; we give null). Where V is singular (computationally: reciprocal
/// condition number below machine epsilon, R's `solve`), R stops; we give null and say why: in
/// a stratified test, typically no stratum holds two of the groups at an event time.
fn test_explained(parts: &ScoreParts, n_groups: usize) -> (TestResult, Option<String>) {
    let used: Vec<usize> = (0..n_groups).filter(|&g| parts.exp[g] > 0.0).collect();
    let df = used.len().saturating_sub(1) as f64;
    if used.len() < 2 {
        let why = format!(
            "log-rank test not computed: {} expected events, so there is nothing to compare (R: chi-square 0 on 0 degrees of freedom)",
            if used.is_empty() { "no group has".to_string() } else { "only one group has".to_string() }
        );
        return (TestResult { chisq: f64::NAN, df: 0.0, p: f64::NAN }, Some(why));
    }
    let rest = &used[1..];
    let u: Vec<f64> = rest.iter().map(|&g| parts.obs[g] - parts.exp[g]).collect();
    let v = DMatrix::from_fn(rest.len(), rest.len(), |a, b| parts.var[(rest[a], rest[b])]);
    let norm1 = |m: &DMatrix<f64>| m.column_iter().map(|c| c.iter().map(|x| x.abs()).sum::<f64>()).fold(0.0, f64::max);
    let solved = v.clone().try_inverse().filter(|inv| {
        let rc = 1.0 / (norm1(&v) * norm1(inv));
        inv.iter().all(|x| x.is_finite()) && rc >= f64::EPSILON
    });
    match solved {
        Some(inv) => {
            let uv = DVector::from_column_slice(&u);
            (TestResult::chisq(uv.dot(&(&inv * &uv)), df), None)
        }
        None => (
            TestResult { chisq: f64::NAN, df, p: f64::NAN },
            Some(
                "log-rank test not computed: its variance matrix is singular, so the groups cannot be compared (with strata: no stratum has two of the groups at risk at an event time; R's survdiff stops here)"
                    .to_string(),
            ),
        ),
    }
}

/// The score test of `coxph(... ~ factor(group))` at β = 0 from its parts: as
/// [`test_explained`], but where the variance matrix is singular coxph does not stop: the
/// groups whose Cholesky pivot is negligible (R's `cholesky2` with `toler.chol`, in level
/// order) are left out of the test, as coxph leaves their coefficients NA, and df counts the
/// rest. Without a singular group it is [`test_explained`] itself.
fn score_test_explained(parts: &ScoreParts, n_groups: usize) -> (TestResult, Option<String>) {
    let used: Vec<usize> = (0..n_groups).filter(|&g| parts.exp[g] > 0.0).collect();
    if used.len() < 2 {
        return test_explained(parts, n_groups);
    }
    let rest = &used[1..];
    let p = rest.len();
    let v: Vec<f64> = (0..p * p).map(|i| parts.var[(rest[i / p], rest[i % p])]).collect();
    let bad = crate::stats::cox::singular_columns(&v, p);
    if bad.is_empty() {
        return test_explained(parts, n_groups);
    }
    if bad.len() == p {
        // Every coefficient NA: nothing is tested (R: chisq 0 on 0 df).
        return (
            TestResult { chisq: f64::NAN, df: 0.0, p: f64::NAN },
            Some("log-rank (score) test not computed: no group has information apart from the others at the event times (within strata), so there is nothing to compare (R: chi-square 0 on 0 degrees of freedom)".to_string()),
        );
    }
    let mut kept = ScoreParts { obs: parts.obs.clone(), exp: parts.exp.clone(), var: parts.var.clone() };
    for &j in &bad {
        kept.exp[rest[j]] = 0.0;
    }
    let (r, why) = test_explained(&kept, n_groups);
    let note = format!(
        "log-rank (score) test: {} of the groups {} no information apart from the others at the event times (within strata) and {} left out of the test, as R's coxph leaves {} coefficient{} NA; df {}",
        bad.len(),
        if bad.len() == 1 { "has" } else { "have" },
        if bad.len() == 1 { "is" } else { "are" },
        if bad.len() == 1 { "its" } else { "their" },
        if bad.len() == 1 { "" } else { "s" },
        r.df
    );
    (r, Some(why.unwrap_or(note)))
}

/// The rows of a k-sample test with delayed entry: each row at risk on (entry, time]
/// (`entry` None: from −∞), `status` 1 an event, 0 (or any other value) leaving uncounted.
#[derive(Debug, Clone, Copy)]
pub struct EntryRows<'a> {
    pub time: &'a [f64],
    pub entry: Option<&'a [f64]>,
    pub status: &'a [u8],
    pub group: &'a [u32],
    pub strata: Option<&'a [u32]>,
}

/// O, E and V of the score test of `coxph(Surv(entry, time, status) ~ factor(group)
/// [+ strata(s)], ties = "breslow")` at β = 0, for groups `map(code)` in `0..k`.
///
/// At each event time t of a stratum, with n_g rows of group g at risk (entry < t ≤ time) and
/// d events: O_g += d_g, E_g += d·n_g/n, and Breslow's information
/// V_gh += d·(n_g/n)(δ_gh − n_h/n) — the log-rank variance without the hypergeometric factor
/// (n − d)/(n − 1), so with tied event times it differs slightly from `survdiff`.
pub fn entry_score_parts(rows: &EntryRows, k: usize, map: impl Fn(u32) -> Option<usize>) -> ScoreParts {
    let n = rows.time.len();
    let mut obs = vec![0.0; k];
    let mut exp = vec![0.0; k];
    let mut var = DMatrix::<f64>::zeros(k, k);
    let stratum = |i: usize| rows.strata.map_or(0, |s| s[i]);
    let kept = |i: &usize| map(rows.group[*i]).is_some_and(|g| g < k);
    // Rows by (stratum, exit) and by (stratum, entry): radix sorts by time, then a stable
    // counting sort by stratum.
    let by_stratum = |order: Vec<usize>| -> Vec<usize> {
        let order: Vec<usize> = order.into_iter().filter(kept).collect();
        let Some(st) = rows.strata else { return order };
        let ns = order.iter().map(|&i| st[i] as usize + 1).max().unwrap_or(0);
        let mut start = vec![0usize; ns + 1];
        for &i in &order {
            start[st[i] as usize + 1] += 1;
        }
        for j in 0..ns {
            start[j + 1] += start[j];
        }
        let mut out = vec![0usize; order.len()];
        for &i in &order {
            out[start[st[i] as usize]] = i;
            start[st[i] as usize] += 1;
        }
        out
    };
    let by_exit = by_stratum(super::common::order_by_time(rows.time));
    let entry = |i: usize| rows.entry.map_or(f64::NEG_INFINITY, |e| e[i]);
    let by_entry = by_stratum(match rows.entry {
        Some(e) => super::common::order_by_time(e),
        None => (0..n).collect(),
    });
    let (mut x, mut e) = (0, 0);
    let mut n_g = vec![0.0; k];
    let mut d_g = vec![0.0; k];
    while x < by_exit.len() {
        let st = stratum(by_exit[x]);
        n_g.iter_mut().for_each(|v| *v = 0.0);
        while e < by_entry.len() && stratum(by_entry[e]) < st {
            e += 1;
        }
        while x < by_exit.len() && stratum(by_exit[x]) == st {
            let t = rows.time[by_exit[x]];
            while e < by_entry.len() && stratum(by_entry[e]) == st && entry(by_entry[e]) < t {
                let i = by_entry[e];
                if let Some(g) = map(rows.group[i]) {
                    n_g[g] += 1.0;
                }
                e += 1;
            }
            d_g.iter_mut().for_each(|v| *v = 0.0);
            let start = x;
            while x < by_exit.len() && stratum(by_exit[x]) == st && rows.time[by_exit[x]] == t {
                let i = by_exit[x];
                if rows.status[i] == 1 {
                    if let Some(g) = map(rows.group[i]) {
                        d_g[g] += 1.0;
                    }
                }
                x += 1;
            }
            let nn: f64 = n_g.iter().sum();
            let d: f64 = d_g.iter().sum();
            if d > 0.0 && nn > 0.0 {
                for g in 0..k {
                    obs[g] += d_g[g];
                    exp[g] += d * n_g[g] / nn;
                    for h in 0..k {
                        let delta = if g == h { 1.0 } else { 0.0 };
                        var[(g, h)] += d * (n_g[g] / nn) * (delta - n_g[h] / nn);
                    }
                }
            }
            for &i in &by_exit[start..x] {
                if let Some(g) = map(rows.group[i]) {
                    n_g[g] -= 1.0;
                }
            }
        }
    }
    ScoreParts { obs, exp, var }
}

/// [`entry_score_parts`] from the rows' tallies: `exits` of (time, stratum, group, status) and
/// `entries` of (entry time, stratum, group) (as [`Tallies::new`] makes them, with the same
/// group codes and strata). The tallies collapse the rows to a few cells per distinct time, so
/// the sweep runs over cells, not rows.
pub fn entry_score_parts_tallies(exits: &Tallies, entries: &Tallies, k: usize, map: impl Fn(u32) -> Option<usize>) -> ScoreParts {
    let mut obs = vec![0.0; k];
    let mut exp = vec![0.0; k];
    let mut var = DMatrix::<f64>::zeros(k, k);
    let total = |c: &[u32; 4]| c.iter().map(|&x| x as f64).sum::<f64>();
    let entry_strata: Vec<_> = entries.strata().collect();
    let mut n_g = vec![0.0; k];
    let mut d_g = vec![0.0; k];
    let mut left_g = vec![0.0; k];
    for st in exits.strata() {
        let code = exits.stratum[st.cell(0)];
        let en = entry_strata.iter().find(|e| entries.stratum[e.cell(0)] == code);
        n_g.iter_mut().for_each(|v| *v = 0.0);
        let mut e = 0;
        let mut pos = 0;
        while pos < st.len() {
            let t = exits.time[st.cell(pos)];
            if let Some(en) = en {
                while e < en.len() && entries.time[en.cell(e)] < t {
                    let c = en.cell(e);
                    if let Some(g) = map(entries.group[c]).filter(|&g| g < k) {
                        n_g[g] += total(&entries.count[c]);
                    }
                    e += 1;
                }
            }
            d_g.iter_mut().for_each(|v| *v = 0.0);
            left_g.iter_mut().for_each(|v| *v = 0.0);
            while pos < st.len() && exits.time[st.cell(pos)] == t {
                let c = st.cell(pos);
                if let Some(g) = map(exits.group[c]).filter(|&g| g < k) {
                    d_g[g] += exits.count[c][1] as f64;
                    left_g[g] += total(&exits.count[c]);
                }
                pos += 1;
            }
            let nn: f64 = n_g.iter().sum();
            let d: f64 = d_g.iter().sum();
            if d > 0.0 && nn > 0.0 {
                for g in 0..k {
                    obs[g] += d_g[g];
                    exp[g] += d * n_g[g] / nn;
                    for h in 0..k {
                        let delta = if g == h { 1.0 } else { 0.0 };
                        var[(g, h)] += d * (n_g[g] / nn) * (delta - n_g[h] / nn);
                    }
                }
            }
            for g in 0..k {
                n_g[g] -= left_g[g];
            }
        }
    }
    ScoreParts { obs, exp, var }
}

/// The exit and entry tallies of [`entry_score_parts_tallies`] (None without entry times).
pub fn entry_tallies(rows: &EntryRows, k: usize) -> Option<(Tallies, Tallies)> {
    let entry = rows.entry?;
    let exits = Tallies::new(rows.time, rows.status, Some(rows.group), k, rows.strata, |_| true);
    let zeros = vec![0u8; entry.len()];
    let entries = Tallies::new(entry, &zeros, Some(rows.group), k, rows.strata, |_| true);
    Some((exits, entries))
}

/// The k-sample score test with delayed entry (groups `0..k`): see [`entry_score_parts`].
pub fn entry_score_test(rows: &EntryRows, k: usize) -> TestResult {
    entry_score_explained(rows, k).0
}

/// [`entry_score_test`], and why it is undefined when it is (as [`survdiff_explained`]).
pub fn entry_score_explained(rows: &EntryRows, k: usize) -> (TestResult, Option<String>) {
    match entry_tallies(rows, k) {
        Some((x, e)) => score_test_explained(&entry_score_parts_tallies(&x, &e, k, |g| Some(g as usize)), k),
        None => score_test_explained(&entry_score_parts(rows, k, |g| Some(g as usize)), k),
    }
}

/// [`entry_score_test`] from the exit and entry tallies of [`entry_tallies`].
pub fn entry_score_test_tallies(exits: &Tallies, entries: &Tallies, k: usize) -> TestResult {
    entry_score_explained_tallies(exits, entries, k).0
}

/// [`entry_score_test_tallies`], and why it is undefined when it is.
pub fn entry_score_explained_tallies(exits: &Tallies, entries: &Tallies, k: usize) -> (TestResult, Option<String>) {
    score_test_explained(&entry_score_parts_tallies(exits, entries, k, |g| Some(g as usize)), k)
}

/// [`entry_score_test`] for every pair of groups, Holm-adjusted.
pub fn entry_pairwise(rows: &EntryRows, levels: &[String]) -> Vec<PairwiseTest> {
    match entry_tallies(rows, levels.len()) {
        Some((x, e)) => entry_pairwise_tallies(&x, &e, levels),
        None => entry_pairwise_with(rows, None, levels),
    }
}

/// [`entry_pairwise`] from the exit and entry tallies of [`entry_tallies`].
pub fn entry_pairwise_tallies(exits: &Tallies, entries: &Tallies, levels: &[String]) -> Vec<PairwiseTest> {
    let rows = EntryRows { time: &[], entry: None, status: &[], group: &[], strata: None };
    entry_pairwise_with(&rows, Some((exits, entries)), levels)
}

fn entry_pairwise_with(rows: &EntryRows, tallies: Option<(&Tallies, &Tallies)>, levels: &[String]) -> Vec<PairwiseTest> {
    let mut out = Vec::new();
    for a in 0..levels.len() {
        for b in a + 1..levels.len() {
            let (ga, gb) = (a as u32, b as u32);
            let map = |g| if g == ga { Some(0) } else if g == gb { Some(1) } else { None };
            let parts = match tallies {
                Some((x, e)) => entry_score_parts_tallies(x, e, 2, map),
                None => entry_score_parts(rows, 2, map),
            };
            let r = test_of(&parts, 2);
            out.push(PairwiseTest { a: levels[a].clone(), b: levels[b].clone(), chisq: r.chisq, p: r.p, p_adjusted: f64::NAN });
        }
    }
    let adj = holm(&out.iter().map(|p| p.p).collect::<Vec<_>>());
    for (p, a) in out.iter_mut().zip(adj) {
        p.p_adjusted = a;
    }
    out
}

/// Every pair of groups, `a` before `b` in level order, with Holm-adjusted p-values.
pub fn pairwise(time: &[f64], status: &[u8], group: &[u32], levels: &[String], strata: Option<&[u32]>, rho: f64) -> Vec<PairwiseTest> {
    pairwise_tallies(&Tallies::new(time, status, Some(group), levels.len(), strata, |_| true), levels, rho)
}

/// [`pairwise`] over the rows' tallies: each pair's test uses the cells of its two groups.
pub fn pairwise_tallies(t: &Tallies, levels: &[String], rho: f64) -> Vec<PairwiseTest> {
    let mut out = Vec::new();
    for a in 0..levels.len() {
        for b in a + 1..levels.len() {
            let (ga, gb) = (a as u32, b as u32);
            let parts = tally_score_parts(t, 2, rho, |g| if g == ga { Some(0) } else if g == gb { Some(1) } else { None });
            let r = test_of(&parts, 2);
            out.push(PairwiseTest { a: levels[a].clone(), b: levels[b].clone(), chisq: r.chisq, p: r.p, p_adjusted: f64::NAN });
        }
    }
    // Holm over the defined p-values only (R's p.adjust counts the non-NA ones); an undefined
    // test stays undefined.
    let adj = holm(&out.iter().map(|p| p.p).collect::<Vec<_>>());
    for (p, a) in out.iter_mut().zip(adj) {
        p.p_adjusted = a;
    }
    out
}

/// Test for trend across ordered groups with the given scores (1 df): (Σ s_g (O_g − E_g))² /
/// s' V s, as `survdiff` with a score-weighted contrast (Collett's trend test).
pub fn trend(time: &[f64], status: &[u8], group: &[u32], scores: &[f64], strata: Option<&[u32]>, rho: f64) -> TestResult {
    trend_tallies(&Tallies::new(time, status, Some(group), scores.len(), strata, |_| true), scores, rho)
}

/// [`trend`] over the rows' tallies (groups beyond `scores` are ignored).
pub fn trend_tallies(t: &Tallies, scores: &[f64], rho: f64) -> TestResult {
    let k = scores.len();
    let parts = tally_score_parts(t, k, rho, |g| Some(g as usize));
    let u: f64 = (0..k).map(|g| scores[g] * (parts.obs[g] - parts.exp[g])).sum();
    let mut v = 0.0;
    for g in 0..k {
        for h in 0..k {
            v += scores[g] * scores[h] * parts.var[(g, h)];
        }
    }
    if !(v > 0.0) {
        return TestResult { chisq: f64::NAN, df: 1.0, p: f64::NAN };
    }
    TestResult::chisq(u * u / v, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_groups_hand_worked() {
        // Group 0: 1, 3 ; group 1: 2, 4 (all events).
        // t=1: n=(2,2) d=1 → E0 = .5, V = 1·3/3·(.5)(.5) = .25
        // t=2: n=(1,2) d=1 → E0 = 1/3, V = 1·2/2·(1/3)(2/3) = 2/9
        // t=3: n=(1,1) d=1 → E0 = .5, V = .25 ; t=4: n=(0,1) → E0 = 0, V = 0
        // O0 = 2, E0 = 4/3, V = .25 + 2/9 + .25 = 13/18 → chisq = (2/3)² / (13/18) = 8/13
        let r = survdiff(&[1.0, 3.0, 2.0, 4.0], &[1, 1, 1, 1], &[0, 0, 1, 1], 2, None, 0.0);
        assert!((r.chisq - 8.0 / 13.0).abs() < 1e-12, "{r:?}");
        assert_eq!(r.df, 1.0);
    }

    #[test]
    fn pairwise_equals_survdiff_on_each_pair_of_groups() {
        // Each pair's test from the shared tallies = survdiff on that pair's rows alone.
        let t = [5.0, 3.0, 8.0, 1.0, 9.0, 2.0, 7.0, 3.0, 4.0, 6.0, 2.0, 8.0];
        let s = [1u8, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1];
        let g = [0u32, 1, 2, 0, 1, 2, 1, 0, 2, 0, 1, 2];
        let st = [0u32, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
        let levels: Vec<String> = ["x", "y", "z"].iter().map(|l| l.to_string()).collect();
        for strata in [None, Some(&st[..])] {
            let pw = pairwise(&t, &s, &g, &levels, strata, 1.0);
            let mut k = 0;
            for a in 0..3u32 {
                for b in a + 1..3 {
                    let rows: Vec<usize> = (0..t.len()).filter(|&i| g[i] == a || g[i] == b).collect();
                    let tt: Vec<f64> = rows.iter().map(|&i| t[i]).collect();
                    let ss: Vec<u8> = rows.iter().map(|&i| s[i]).collect();
                    let gg: Vec<u32> = rows.iter().map(|&i| u32::from(g[i] == b)).collect();
                    let sts: Vec<u32> = rows.iter().map(|&i| st[i]).collect();
                    let r = survdiff(&tt, &ss, &gg, 2, strata.map(|_| &sts[..]), 1.0);
                    assert_eq!(pw[k].chisq.to_bits(), r.chisq.to_bits(), "{a} {b}");
                    k += 1;
                }
            }
        }
    }

    /// R: survdiff(Surv(t, s) ~ g + strata(st)) with d <- data.frame(t = 1:8, s = 1,
    /// g = rep(c("a", "b"), each = 4), st = rep(1:2, each = 4)) stops ("system is exactly
    /// singular"): no stratum holds both groups. We give null and say why.
    #[test]
    fn stratified_test_without_information_is_null_with_the_reason() {
        let t: Vec<f64> = (1..=8).map(f64::from).collect();
        let g = [0, 0, 0, 0, 1, 1, 1, 1];
        let st = [0, 0, 0, 0, 1, 1, 1, 1];
        let tallies = Tallies::new(&t, &[1; 8], Some(&g), 2, Some(&st), |_| true);
        let (r, why) = survdiff_explained(&tallies, 0.0);
        assert!(r.chisq.is_nan() && r.p.is_nan() && r.df == 1.0, "{r:?}");
        assert!(why.is_some_and(|w| w.contains("singular") && w.contains("stratum")));
    }

    /// R (print.survdiff): groups with no expected events do not count. d3 <- data.frame(t = 1:6,
    /// s = c(1, 1, 0, 0, 0, 0), g = rep(c("a", "b", "c"), each = 2)): chisq 5.627907 on 2 df.
    /// With every event in the only group at risk (expected events in one group only):
    /// "Chisq = 0 on 0 degrees of freedom" — null here, with the reason.
    #[test]
    fn df_counts_groups_with_expected_events() {
        let r = survdiff(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1, 1, 0, 0, 0, 0], &[0, 0, 1, 1, 2, 2], 3, None, 0.0);
        assert!((r.chisq - 5.627907).abs() < 1e-6 && r.df == 2.0, "{r:?}");
        let t = [1.0, 2.0, 3.0, 0.5, 0.6, 0.7];
        let tallies = Tallies::new(&t, &[1, 1, 1, 0, 0, 0], Some(&[0, 0, 0, 1, 1, 2]), 3, None, |_| true);
        let (r, why) = survdiff_explained(&tallies, 0.0);
        assert!(r.chisq.is_nan() && r.df == 0.0, "{r:?}");
        assert!(why.is_some_and(|w| w.contains("only one group")));
    }

    /// p.adjust(c(NA, 0.01, 0.04), "holm") = NA 0.02 0.04: a pair without a test (no stratum
    /// holds both groups) stays null and does not count.
    #[test]
    fn holm_skips_undefined_pairs() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.5, 2.5, 3.5];
        let g = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        let st = [0, 0, 0, 1, 1, 1, 0, 0, 0];
        let levels: Vec<String> = ["a", "b", "c"].iter().map(|l| l.to_string()).collect();
        let pw = pairwise(&t, &[1; 9], &g, &levels, Some(&st), 0.0);
        // a–b: strata separate the groups, no test; a–c and b–c... b–c too.
        assert!(pw[0].p.is_nan() && pw[0].p_adjusted.is_nan(), "{:?}", pw[0]);
        assert!(pw[2].p.is_nan() && pw[2].p_adjusted.is_nan(), "{:?}", pw[2]);
        // The one defined test is adjusted over one test: unchanged.
        assert!(pw[1].p.is_finite() && pw[1].p_adjusted == pw[1].p, "{:?}", pw[1]);
    }

    /// With entry, a singular variance does not stop the test: coxph leaves the group's
    /// coefficient NA and tests the rest. Rows (entry, time, status, group, stratum), groups
    /// B, Z, drug: (0,24,1,B,n) (0,23,1,B,n) (0,30,1,drug,s) (0,31,1,Z,n) (32,34,0,Z,s). North:
    /// t=23 n = (2,1,0), the event in B: U_Z = −1/3, V_ZZ = 2/9; t=24 n = (1,1,0): U_Z −= 1/2,
    /// V_ZZ += 1/4; t=31 Z alone: nothing. South: t=30 drug alone at risk (row 7 enters at 32):
    /// E_drug = 1 but no variance, so drug's column is singular and left out. U_Z = −5/6,
    /// V = 17/36: chisq = 25/17 on 1 df. R (a random cohort of tests/random/run.sh --designs):
    /// summary(coxph(Surv(entry, time, ev) ~ g + strata(s), ties = "breslow"))$sctest:
    /// 1.4705882352941175, df 1.
    #[test]
    fn score_test_with_entry_leaves_a_singular_group_out() {
        let rows = EntryRows {
            time: &[24.0, 23.0, 30.0, 31.0, 34.0],
            entry: Some(&[0.0, 0.0, 0.0, 0.0, 32.0]),
            status: &[1, 1, 1, 1, 0],
            group: &[0, 0, 2, 1, 1],
            strata: Some(&[0, 0, 1, 0, 1]),
        };
        let (r, why) = entry_score_explained(&rows, 3);
        assert!((r.chisq - 25.0 / 17.0).abs() < 1e-12 && r.df == 1.0, "{r:?}");
        assert!(why.is_some_and(|w| w.contains("left out of the test") && w.contains("df 1")));
        // The rows' path (without tallies) gives the same.
        let (rr, _) = score_test_explained(&entry_score_parts(&rows, 3, |g| Some(g as usize)), 3);
        assert!((rr.chisq - r.chisq).abs() < 1e-12 && rr.df == r.df, "{rr:?}");
    }

    /// Delayed entry, rows (entry, time, status, group): (0,2,1,0) (1,3,1,1) (2,4,0,0) (0,5,1,1).
    /// t=2: at risk rows 1, 2, 4 (row 3 enters at 2): n = (1, 2), d = 1 in group 0:
    /// O0 − E0 = 1 − 1/3, V = (1/3)(2/3) = 2/9; t=3: rows 2, 3, 4: n = (1, 2), the event in
    /// group 1: O0 − E0 = −1/3, V = 2/9; t=5: row 4 alone: V = 0. U = 1/3, V = 4/9,
    /// chisq = (1/9)/(4/9) = 1/4. R: coxph(Surv(e, t, s) ~ g, ties = "breslow") score test 0.25.
    #[test]
    fn score_test_with_entry_by_hand() {
        let rows = EntryRows { time: &[2.0, 3.0, 4.0, 5.0], entry: Some(&[0.0, 1.0, 2.0, 0.0]), status: &[1, 1, 0, 1], group: &[0, 1, 0, 1], strata: None };
        let r = entry_score_test(&rows, 2);
        assert!((r.chisq - 0.25).abs() < 1e-14, "{r:?}");
        assert_eq!(r.df, 1.0);
        // Without ties and without entry it is the log-rank test.
        let plain = EntryRows { time: &[1.0, 3.0, 2.0, 4.0], entry: None, status: &[1, 1, 1, 1], group: &[0, 0, 1, 1], strata: None };
        let a = entry_score_test(&plain, 2);
        let b = survdiff(plain.time, plain.status, plain.group, 2, None, 0.0);
        assert!((a.chisq - b.chisq).abs() < 1e-14);
    }

    /// The score test with entry and strata is the score test of the Breslow Cox fit of the
    /// group dummies on the same counting-process rows (two independent computations).
    #[test]
    fn score_test_with_entry_is_the_breslow_cox_score_test() {
        let mut x = 7u64;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let n = 300;
        let (mut time, mut entry, mut status, mut group, mut strata) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let e = next(20) as f64;
            entry.push(e);
            time.push(e + 1.0 + next(30) as f64);
            status.push(u8::from(next(3) > 0));
            group.push(next(3) as u32);
            strata.push(next(2) as u32);
        }
        let rows = EntryRows { time: &time, entry: Some(&entry), status: &status, group: &group, strata: Some(&strata) };
        let ours = entry_score_test(&rows, 3);
        let xs: Vec<Vec<f64>> = (1..3).map(|g| group.iter().map(|&c| f64::from(u8::from(c == g))).collect()).collect();
        let names = vec!["g=1".to_string(), "g=2".to_string()];
        let input = crate::stats::cox::CoxInput { time: &time, status: &status, x: &crate::stats::cols(&xs), names: &names, strata: Some(&strata), cluster: None, ties: crate::spec::Ties::Breslow };
        let cox = crate::stats::cox::coxph_extra(&input, crate::stats::cox::CoxExtra { entry: Some(&entry), weights: None }, crate::stats::cox::Residuals::Never).unwrap();
        assert!((ours.chisq - cox.score_test.chisq).abs() < 1e-9 * cox.score_test.chisq, "{ours:?} {:?}", cox.score_test);
        // The row sweep gives the same statistic as the tallies' sweep.
        let by_rows = test_of(&entry_score_parts(&rows, 3, |g| Some(g as usize)), 3);
        assert!((by_rows.chisq - ours.chisq).abs() < 1e-10 * ours.chisq);
        assert_eq!(ours.df, 2.0);
    }

    #[test]
    fn invariant_to_row_order() {
        let t = [5.0, 3.0, 8.0, 1.0, 9.0, 2.0, 7.0];
        let s = [1, 0, 1, 1, 1, 1, 0];
        let g = [0, 1, 2, 0, 1, 2, 1];
        let a = survdiff(&t, &s, &g, 3, None, 0.0);
        let perm = [6, 2, 4, 0, 1, 5, 3];
        let t2: Vec<f64> = perm.iter().map(|&i| t[i]).collect();
        let s2: Vec<u8> = perm.iter().map(|&i| s[i]).collect();
        let g2: Vec<u32> = perm.iter().map(|&i| g[i]).collect();
        let b = survdiff(&t2, &s2, &g2, 3, None, 0.0);
        assert!((a.chisq - b.chisq).abs() < 1e-12);
    }
}
