//! "Table 1": baseline characteristics by group, with the tests clinical tables use.
//!
//! Per variable and group: numeric variables get n, missing, mean, SD, median, quartiles
//! (R's `quantile` type 7), min and max; categorical ones get every level's count and percent
//! of the non-missing values (zero counts included, so every group lists the same levels).
//!
//! Tests, as R computes them:
//! * numeric, two groups: `wilcox.test(x, y, exact = FALSE, correct = TRUE)` — the rank-sum
//!   statistic `W`, its normal approximation with the tie-corrected variance and a continuity
//!   correction of ½ towards zero;
//! * numeric, three or more groups: `kruskal.test` — the tie-corrected Kruskal-Wallis H on
//!   k − 1 degrees of freedom;
//! * categorical: Pearson's chi-square without continuity correction
//!   (`chisq.test(correct = FALSE)`), or Fisher's exact test (`fisher.test`, any r×c, see
//!   [`fisher`]) when an expected count is below 5. If the exact computation is too large for
//!   the work budget, the chi-square p-value is reported with a note saying so.
//!
//! Groups without any non-missing value and levels without any count are left out of the
//! tests (as R's `factor` dropping unused levels), with a note naming them. When fewer than two
//! groups (or levels) remain, or the statistic is undefined (all values equal), `test` and `p`
//! are null and the note says why. Nothing here panics or writes NaN.

pub mod fisher;

use serde::Serialize;

use crate::stats::common::{chisq_sf, pnorm_upper};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LevelCount {
    pub level: String,
    pub count: usize,
    /// Percent of the group's non-missing values; null when the group has none.
    pub percent: Option<f64>,
}

/// One group's column of a Table 1 row. A numeric row carries `mean` … `max` (each null when
/// undefined: no values, or one value for `sd`, as R's NA); a categorical row carries `levels`
/// instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Table1Group {
    /// Group level, or null for the whole cohort (ungrouped).
    pub group: Option<String>,
    /// Non-missing values.
    pub n: usize,
    pub missing: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub median: Option<f64>,
    pub q1: Option<f64>,
    pub q3: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The categorical row's level counts (None for a numeric row).
    pub levels: Option<Vec<LevelCount>>,
    /// A numeric column of at most three distinct values: the smallest count of one of them
    /// (n, mean and SD give those counts back); `usize::MAX` otherwise. Never serialized (it
    /// is a count): the disclosure module withholds the column's summaries below k.
    pub smallest_value_count: usize,
}

impl Serialize for Table1Group {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = serializer.serialize_struct("Table1Group", 10)?;
        st.serialize_field("group", &self.group)?;
        st.serialize_field("n", &self.n)?;
        st.serialize_field("missing", &self.missing)?;
        match &self.levels {
            Some(levels) => st.serialize_field("levels", levels)?,
            None => {
                for (k, v) in [("mean", self.mean), ("sd", self.sd), ("median", self.median), ("q1", self.q1), ("q3", self.q3), ("min", self.min), ("max", self.max)] {
                    st.serialize_field(k, &v)?;
                }
            }
        }
        st.end()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Table1Row {
    pub variable: String,
    /// The name shown for the variable (the spec's `labels.variables`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `numeric` or `categorical`.
    pub r#type: &'static str,
    pub groups: Vec<Table1Group>,
    /// `chisq`, `fisher`, `wilcoxon`, `kruskal`, or null when no test applies.
    pub test: Option<&'static str>,
    pub p: Option<f64>,
    /// Why a test was left out, changed (Fisher too large → chi-square) or left groups out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A variable's values among the analysed rows: numbers (NaN = missing) or level texts.
pub enum Variable<'a> {
    Numeric(&'a [f64]),
    /// Level codes (`u32::MAX` = missing) and the level names in level order.
    Categorical(&'a [u32], &'a [String]),
}

/// Describe one variable by group. `group` codes index `group_levels` (empty = overall).
///
/// Rows whose group code is out of range are not counted (the caller's preparation has
/// already excluded rows without a group, and said so).
pub fn describe(name: &str, var: Variable, group: &[u32], group_levels: &[String]) -> Table1Row {
    let n_groups = group_levels.len().max(1);
    let group_of = |i: usize| -> Option<usize> {
        if group_levels.is_empty() {
            Some(0)
        } else {
            group.get(i).map(|&g| g as usize).filter(|&g| g < n_groups)
        }
    };
    let label = |g: usize| group_levels.get(g).cloned();
    match var {
        Variable::Numeric(values) => {
            let mut by_group: Vec<Vec<f64>> = vec![Vec::new(); n_groups];
            let mut missing = vec![0usize; n_groups];
            for (i, &x) in values.iter().enumerate() {
                if let Some(g) = group_of(i) {
                    if x.is_finite() {
                        by_group[g].push(x);
                    } else {
                        missing[g] += 1;
                    }
                }
            }
            let groups = by_group.iter().enumerate().map(|(g, v)| numeric_group(label(g), v, missing[g])).collect();
            let (test, p, note) = if group_levels.is_empty() { (None, None, None) } else { numeric_test(&by_group, group_levels) };
            Table1Row { variable: name.to_string(), label: None, r#type: "numeric", groups, test, p, note }
        }
        Variable::Categorical(codes, levels) => {
            let k = levels.len();
            let mut counts = vec![vec![0usize; k]; n_groups];
            let mut missing = vec![0usize; n_groups];
            for (i, &c) in codes.iter().enumerate() {
                if let Some(g) = group_of(i) {
                    match usize::try_from(c).ok().filter(|&c| c < k) {
                        Some(c) => counts[g][c] += 1,
                        None => missing[g] += 1,
                    }
                }
            }
            let groups = counts
                .iter()
                .enumerate()
                .map(|(g, cnt)| {
                    let n: usize = cnt.iter().sum();
                    Table1Group {
                        group: label(g),
                        n,
                        missing: missing[g],
                        mean: None,
                        sd: None,
                        median: None,
                        q1: None,
                        q3: None,
                        min: None,
                        max: None,
                        levels: Some(
                            levels
                                .iter()
                                .zip(cnt)
                                .map(|(l, &c)| LevelCount { level: l.clone(), count: c, percent: (n > 0).then(|| 100.0 * c as f64 / n as f64) })
                                .collect(),
                        ),
                        smallest_value_count: usize::MAX,
                    }
                })
                .collect();
            let (test, p, note) = if group_levels.is_empty() { (None, None, None) } else { categorical_test(&counts, levels, group_levels, fisher::DEFAULT_BUDGET) };
            Table1Row { variable: name.to_string(), label: None, r#type: "categorical", groups, test, p, note }
        }
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Summary of one group's non-missing values.
fn numeric_group(group: Option<String>, values: &[f64], missing: usize) -> Table1Group {
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    let mean = (n > 0).then(|| mean_of(&v)).and_then(finite);
    // Two-pass variance about the mean (R's `var`, denominator n − 1).
    let sd = match mean {
        Some(m) if n > 1 => finite((v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64).sqrt()),
        _ => None,
    };
    Table1Group {
        group,
        n,
        missing,
        mean,
        sd,
        median: quantile7(&v, 0.5),
        q1: quantile7(&v, 0.25),
        q3: quantile7(&v, 0.75),
        min: v.first().copied(),
        max: v.last().copied(),
        levels: None,
        smallest_value_count: few_values_smallest(&v),
    }
}

/// The smallest count of one value among sorted values that take at most three distinct
/// values (`usize::MAX` otherwise, or with none).
fn few_values_smallest(sorted: &[f64]) -> usize {
    let mut runs: Vec<usize> = Vec::new();
    for (i, x) in sorted.iter().enumerate() {
        if i == 0 || sorted[i - 1] != *x {
            if runs.len() == 3 {
                return usize::MAX;
            }
            runs.push(0);
        }
        if let Some(r) = runs.last_mut() {
            *r += 1;
        }
    }
    runs.into_iter().min().unwrap_or(usize::MAX)
}

fn mean_of(v: &[f64]) -> f64 {
    // Mean with one refinement pass, as R's `mean` does, for accuracy with large offsets.
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    m + v.iter().map(|x| x - m).sum::<f64>() / n
}

/// R's default quantile (type 7) of sorted values: `h = (n − 1) p`, linear interpolation
/// between the order statistics around `h`.
pub fn quantile7(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = h - lo as f64;
    Some(sorted[lo] + frac * (sorted[hi] - sorted[lo]))
}

/// Average ranks (1-based) of `values`, and `Σ (t³ − t)` over the tie groups.
fn ranks(values: &[f64]) -> (Vec<f64>, f64) {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut r = vec![0.0; values.len()];
    let mut ties = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut k = i + 1;
        while k < idx.len() && values[idx[k]] == values[idx[i]] {
            k += 1;
        }
        // Positions i..k (0-based) share the average rank (i + 1 + k) / 2.
        let avg = (i + 1 + k) as f64 / 2.0;
        for &j in &idx[i..k] {
            r[j] = avg;
        }
        let t = (k - i) as f64;
        ties += t * t * t - t;
        i = k;
    }
    (r, ties)
}

/// Wilcoxon rank-sum p-value as `wilcox.test(x, y, exact = FALSE, correct = TRUE)`:
/// `W = R_x − n_x(n_x+1)/2`, `z = (W − n_x n_y/2 − ½ sign) / σ`,
/// `σ² = n_x n_y/12 · ((N+1) − Σ(t³−t)/(N(N−1)))`, two-sided normal p. None when σ = 0.
pub fn wilcoxon_p(x: &[f64], y: &[f64]) -> Option<f64> {
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let (r, ties) = ranks(&all);
    let w = r[..x.len()].iter().sum::<f64>() - nx * (nx + 1.0) / 2.0;
    let n = nx + ny;
    let z = w - nx * ny / 2.0;
    let sigma2 = nx * ny / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    if sigma2.is_nan() || sigma2 <= 0.0 {
        return None;
    }
    let correction = if z > 0.0 { 0.5 } else if z < 0.0 { -0.5 } else { 0.0 };
    let z = (z - correction) / sigma2.sqrt();
    finite((2.0 * pnorm_upper(z.abs())).min(1.0))
}

/// Kruskal-Wallis p-value as `kruskal.test`: `H = [12/(N(N+1)) Σ R_g²/n_g − 3(N+1)] /
/// [1 − Σ(t³−t)/(N³−N)]` on (groups − 1) df. Empty groups are ignored. None when undefined.
pub fn kruskal_p(groups: &[&[f64]]) -> Option<f64> {
    let groups: Vec<&[f64]> = groups.iter().copied().filter(|g| !g.is_empty()).collect();
    if groups.len() < 2 {
        return None;
    }
    let all: Vec<f64> = groups.iter().flat_map(|g| g.iter().copied()).collect();
    let n = all.len() as f64;
    let (r, ties) = ranks(&all);
    let mut start = 0;
    let mut s = 0.0;
    for g in &groups {
        let sum: f64 = r[start..start + g.len()].iter().sum();
        s += sum * sum / g.len() as f64;
        start += g.len();
    }
    let denom = 1.0 - ties / (n * n * n - n);
    if denom.is_nan() || denom <= 0.0 {
        return None;
    }
    let h = (12.0 / (n * (n + 1.0)) * s - 3.0 * (n + 1.0)) / denom;
    finite(chisq_sf(h.max(0.0), (groups.len() - 1) as f64))
}

fn numeric_test(by_group: &[Vec<f64>], group_levels: &[String]) -> (Option<&'static str>, Option<f64>, Option<String>) {
    let empty: Vec<&str> = by_group.iter().zip(group_levels).filter(|(v, _)| v.is_empty()).map(|(_, l)| l.as_str()).collect();
    let used: Vec<&[f64]> = by_group.iter().filter(|v| !v.is_empty()).map(|v| v.as_slice()).collect();
    let mut notes = Vec::new();
    if !empty.is_empty() {
        notes.push(format!("no values in group {}; left out of the test", quote_list(&empty)));
    }
    if used.len() < 2 {
        notes.push("fewer than two groups have values: no test".to_string());
        return (None, None, Some(notes.join("; ")));
    }
    let (test, p) = if used.len() == 2 { ("wilcoxon", wilcoxon_p(used[0], used[1])) } else { ("kruskal", kruskal_p(&used)) };
    if !empty.is_empty() && p.is_some() {
        let with: Vec<&str> = by_group.iter().zip(group_levels).filter(|(v, _)| !v.is_empty()).map(|(_, l)| l.as_str()).collect();
        notes.push(if used.len() == 2 {
            format!(
                "so the test is the Wilcoxon rank-sum test of the two groups with values ({}){}",
                quote_list(&with),
                if group_levels.len() > 2 { ", not Kruskal-Wallis of all groups" } else { "" }
            )
        } else {
            format!("so the test is Kruskal-Wallis of the {} groups with values ({})", used.len(), quote_list(&with))
        });
    }
    match p {
        Some(p) => (Some(test), Some(p), (!notes.is_empty()).then(|| notes.join("; "))),
        None => {
            notes.push("all values are equal: no rank test".to_string());
            (None, None, Some(notes.join("; ")))
        }
    }
}

/// At most this many distinct integer values make a numeric column a code (1/2 for sex, 0–4 for
/// ECOG), which Table 1 shows as n (%) per value rather than a mean, unless the spec's `numeric`
/// lists it.
pub const MAX_CODES: usize = 5;

/// Whether a numeric column holds integer codes: at most [`MAX_CODES`] distinct whole numbers
/// (missing values aside), at least one.
pub fn is_code_column(values: &[f64]) -> bool {
    let mut seen: Vec<f64> = Vec::new();
    for &v in values.iter().filter(|v| !v.is_nan()) {
        if v.fract() != 0.0 || !v.is_finite() {
            return false;
        }
        if !seen.contains(&v) {
            if seen.len() == MAX_CODES {
                return false;
            }
            seen.push(v);
        }
    }
    !seen.is_empty()
}

/// Whether a column is a site code by its name (`inst`, `institution`, `site`, `center`,
/// `centre`, `hospital`, optionally with `_id`/`_code`) and holds whole numbers: a mean of
/// institution numbers means nothing, so Table 1 counts its values (unless the spec's `numeric`
/// lists it).
pub fn is_site_code(name: &str, values: &[f64]) -> bool {
    let n = name.to_ascii_lowercase();
    let stem = n.trim_end_matches("_id").trim_end_matches(".id").trim_end_matches("_code").trim_end_matches(".code");
    matches!(stem, "inst" | "institution" | "site" | "center" | "centre" | "hospital")
        && values.iter().filter(|v| !v.is_nan()).all(|v| v.fract() == 0.0)
        && values.iter().any(|v| !v.is_nan())
}

/// The note of a row shown as categories by [`is_code_column`].
pub fn code_column_note(distinct: usize) -> String {
    format!("{distinct} integer codes: shown as categories (set the column's type to numeric for a mean)")
}

fn categorical_test(counts: &[Vec<usize>], levels: &[String], group_levels: &[String], budget: u64) -> (Option<&'static str>, Option<f64>, Option<String>) {
    let mut notes = Vec::new();
    let group_n: Vec<usize> = counts.iter().map(|c| c.iter().sum()).collect();
    let empty_groups: Vec<&str> = group_levels.iter().zip(&group_n).filter(|(_, &n)| n == 0).map(|(l, _)| l.as_str()).collect();
    if !empty_groups.is_empty() {
        notes.push(format!("no values in group {}; left out of the test", quote_list(&empty_groups)));
    }
    let level_n: Vec<usize> = (0..levels.len()).map(|l| counts.iter().map(|c| c[l]).sum()).collect();
    let used_groups: Vec<usize> = (0..counts.len()).filter(|&g| group_n[g] > 0).collect();
    let used_levels: Vec<usize> = (0..levels.len()).filter(|&l| level_n[l] > 0).collect();
    if used_groups.len() < 2 || used_levels.len() < 2 {
        notes.push(if used_groups.len() < 2 { "fewer than two groups have values: no test" } else { "only one level observed: no test" }.to_string());
        return (None, None, Some(notes.join("; ")));
    }
    // Groups × levels table of the used rows and columns.
    let table: Vec<Vec<u64>> = used_groups.iter().map(|&g| used_levels.iter().map(|&l| counts[g][l] as u64).collect()).collect();
    let total: f64 = used_groups.iter().map(|&g| group_n[g] as f64).sum();
    let mut chisq = 0.0;
    let mut small = false;
    for (gi, &g) in used_groups.iter().enumerate() {
        for (li, &l) in used_levels.iter().enumerate() {
            let e = group_n[g] as f64 * level_n[l] as f64 / total;
            small |= e < 5.0;
            let d = table[gi][li] as f64 - e;
            chisq += d * d / e;
        }
    }
    let df = ((used_groups.len() - 1) * (used_levels.len() - 1)) as f64;
    let chisq_p = finite(chisq_sf(chisq, df));
    let note = |notes: Vec<String>| (!notes.is_empty()).then(|| notes.join("; "));
    // With an empty group left out, say which test compared which groups, and why.
    let with = || quote_list(&used_groups.iter().map(|&g| group_levels[g].as_str()).collect::<Vec<_>>());
    if !small {
        if !empty_groups.is_empty() {
            notes.push(format!("so the test is Pearson's chi-square of the groups with values ({}), every expected count being at least 5", with()));
        }
        return (Some("chisq"), chisq_p, note(notes));
    }
    match fisher::fisher_exact(&table, budget) {
        Some(p) => {
            if !empty_groups.is_empty() {
                notes.push(format!("so the test is Fisher's exact test of the groups with values ({}), an expected count being below 5", with()));
            }
            (Some("fisher"), Some(p), note(notes))
        }
        None => {
            notes.push(format!(
                "an expected count is below 5, but the {}×{} table is too large for Fisher's exact test here; Pearson's chi-square p-value is reported instead",
                used_groups.len(),
                used_levels.len()
            ));
            (Some("chisq"), chisq_p, note(notes))
        }
    }
}

fn quote_list(items: &[&str]) -> String {
    items.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------------------
// Export: the manuscript table.

/// Journal style p-value: `<0.001`, else three significant digits (`0.0570`, `0.823`, `1.00`).
pub fn format_p(p: f64) -> String {
    if !p.is_finite() {
        return String::new();
    }
    if p < 0.001 {
        return "<0.001".to_string();
    }
    let mut decimals = (2 - p.log10().floor() as i32).max(0) as usize;
    let s = format!("{p:.decimals$}");
    // Rounding up to the next power of ten (0.09996 → 0.1000) keeps one digit too many.
    if let Ok(v) = s.parse::<f64>() {
        if decimals > 0 && v >= 10f64.powi(p.log10().floor() as i32 + 1) {
            decimals -= 1;
            return format!("{v:.decimals$}");
        }
    }
    s
}

fn test_name(test: &str) -> &'static str {
    match test {
        "wilcoxon" => "Wilcoxon rank-sum test",
        "kruskal" => "Kruskal-Wallis test",
        "chisq" => "Pearson's chi-squared test",
        "fisher" => "Fisher's exact test",
        _ => "test",
    }
}

/// Decimals for a numeric variable's summaries: one, or enough for two significant digits of
/// the largest SD when it is below 1 (at most 6).
fn decimals_for(row: &Table1Row) -> usize {
    let sd = row.groups.iter().filter_map(|g| g.sd).fold(0.0f64, f64::max);
    if sd > 0.0 && sd < 1.0 {
        (1 - sd.log10().floor() as i32).clamp(1, 6) as usize
    } else {
        1
    }
}

fn num(x: Option<f64>, d: usize) -> String {
    match x {
        Some(v) => {
            let s = format!("{v:.d$}");
            // No "-0.0".
            if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
                s.trim_start_matches('-').to_string()
            } else {
                s
            }
        }
        None => "—".to_string(),
    }
}

/// The manuscript table as a grid: header row, then body rows; the last two columns are the
/// p-value and the test. Returned with the footnotes (test legend, notes).
struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Row indices that are level lines (indented under their variable).
    level_rows: Vec<usize>,
    tests: Vec<&'static str>,
    notes: Vec<String>,
    grouped: bool,
}

fn grid(rows: &[Table1Row], mask: Option<&Table1Mask>) -> Grid {
    let hidden = |gi: usize| mask.is_some_and(|m| m.group(gi));
    let masked = |ri: usize, gi: usize, cell: usize| mask.and_then(|m| m.cell(ri, gi, cell));
    let first = rows.first();
    let groups: Vec<(Option<String>, usize)> = first.map(|r| r.groups.iter().map(|g| (g.group.clone(), g.n + g.missing)).collect()).unwrap_or_default();
    let grouped = groups.iter().any(|(g, _)| g.is_some());
    let mut header = vec!["Characteristic".to_string()];
    for (gi, (g, n)) in groups.iter().enumerate() {
        let n = if hidden(gi) { mask.map(|m| format!("<{}", m.k)).unwrap_or_default() } else { n.to_string() };
        header.push(format!("{} (N = {n})", g.as_deref().unwrap_or("Overall")));
    }
    if grouped {
        header.push("p-value".to_string());
        header.push("Test".to_string());
    }
    let width = header.len();
    let mut out = Vec::new();
    let mut level_rows = Vec::new();
    let mut tests: Vec<&'static str> = Vec::new();
    let mut notes = Vec::new();
    for (ri, row) in rows.iter().enumerate() {
        let (p, test) = match (row.p, row.test) {
            (Some(p), Some(t)) => {
                if !tests.contains(&t) {
                    tests.push(t);
                }
                (format_p(p), test_name(t).to_string())
            }
            _ => (String::new(), String::new()),
        };
        if let Some(n) = &row.note {
            notes.push(format!("{}: {n}", row.label.as_deref().unwrap_or(&row.variable)));
        }
        let mut line = |first: String, cells: Vec<String>, with_p: bool, level: bool| {
            let mut v = vec![first];
            v.extend(cells);
            if grouped {
                v.push(if with_p { p.clone() } else { String::new() });
                v.push(if with_p { test.clone() } else { String::new() });
            }
            v.resize(width, String::new());
            if level {
                level_rows.push(out.len());
            }
            out.push(v);
        };
        let any_missing = row.groups.iter().any(|g| g.missing > 0);
        if row.r#type == "numeric" {
            let d = decimals_for(row);
            let whole = |ri: usize, gi: usize| mask.is_some_and(|m| m.column(ri, gi));
            line(
                format!("{}, mean (SD)", row.label.as_deref().unwrap_or(&row.variable)),
                row.groups.iter().enumerate().map(|(gi, g)| if hidden(gi) { "—".to_string() } else if whole(ri, gi) { "withheld".to_string() } else { format!("{} ({})", num(g.mean, d), num(g.sd, d)) }).collect(),
                true,
                false,
            );
            line(
                format!("{}, median [Q1, Q3]", row.label.as_deref().unwrap_or(&row.variable)),
                row.groups.iter().enumerate().map(|(gi, g)| if hidden(gi) { "—".to_string() } else if whole(ri, gi) { "withheld".to_string() } else { format!("{} [{}, {}]", num(g.median, d), num(g.q1, d), num(g.q3, d)) }).collect(),
                false,
                false,
            );
        } else {
            line(format!("{}, n (%)", row.label.as_deref().unwrap_or(&row.variable)), vec![String::new(); row.groups.len()], true, false);
            let levels: Vec<String> = row.groups.first().and_then(|g| g.levels.as_ref()).map(|l| l.iter().map(|l| l.level.clone()).collect()).unwrap_or_default();
            for (li, level) in levels.iter().enumerate() {
                let cells = row
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(gi, g)| match (g.levels.as_ref().and_then(|l| l.get(li)), masked(ri, gi, li)) {
                        (Some(_), Some(t)) => t,
                        (Some(l), None) => format!("{} ({})", l.count, num(l.percent, 1)),
                        (None, _) => "—".to_string(),
                    })
                    .collect();
                line(level.clone(), cells, false, true);
            }
        }
        if any_missing {
            line(
                "Missing".to_string(),
                row.groups.iter().enumerate().map(|(gi, g)| masked(ri, gi, MISSING_CELL).unwrap_or_else(|| g.missing.to_string())).collect(),
                false,
                true,
            );
        }
    }
    Grid { header, rows: out, level_rows, tests, notes, grouped }
}

fn footnotes(g: &Grid) -> Vec<String> {
    let mut f = Vec::new();
    if g.grouped && !g.tests.is_empty() {
        f.push(format!("p-values: {}.", g.tests.iter().map(|t| test_name(t)).collect::<Vec<_>>().join("; ")));
    }
    f.push("Numeric variables: mean (SD) and median [Q1, Q3] of non-missing values; categorical: n (%) of non-missing values.".to_string());
    f.extend(g.notes.iter().cloned());
    f
}

fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The table as GitHub-flavoured Markdown: one column per group (with its N), p-value and test
/// columns when grouped, level lines indented under their variable, footnotes below.
pub fn to_markdown(rows: &[Table1Row]) -> String {
    to_markdown_masked(rows, None)
}

/// [`to_markdown`] with the cells a disclosure mask withholds written "<k" or "suppressed".
pub fn to_markdown_masked(rows: &[Table1Row], mask: Option<&Table1Mask>) -> String {
    let g = grid(rows, mask);
    let mut s = String::new();
    s.push_str(&format!("| {} |\n", g.header.iter().map(|h| md_cell(h)).collect::<Vec<_>>().join(" | ")));
    let align: Vec<&str> = (0..g.header.len()).map(|i| if i == 0 { ":---" } else { "---:" }).collect();
    s.push_str(&format!("| {} |\n", align.join(" | ")));
    for (i, r) in g.rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(k, c)| if k == 0 && g.level_rows.contains(&i) { format!("&nbsp;&nbsp;{}", md_cell(c)) } else { md_cell(c) })
            .collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    s.push('\n');
    for f in footnotes(&g) {
        s.push_str(&md_cell(&f));
        s.push_str("  \n");
    }
    s
}

/// A CSV cell: quoted when needed (RFC 4180), and a cell that a spreadsheet could read as a
/// formula (beginning with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading apostrophe.
pub fn csv_cell(s: &str) -> String {
    let risky = |t: &str| t.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // Spreadsheets skip leading spaces, no-break spaces and a byte-order mark before a formula.
    let s = if risky(s) || risky(s.trim_start_matches([' ', '\u{a0}', '\u{feff}', '\u{2007}', '\u{202f}'])) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The same table as CSV (level lines indented by two spaces), footnotes as trailing lines.
pub fn to_csv(rows: &[Table1Row]) -> String {
    to_csv_masked(rows, None)
}

/// [`to_csv`] with the cells a disclosure mask withholds written "<k" or "suppressed".
pub fn to_csv_masked(rows: &[Table1Row], mask: Option<&Table1Mask>) -> String {
    let g = grid(rows, mask);
    let mut s = String::new();
    let line = |cells: Vec<String>| cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",") + "\r\n";
    s.push_str(&line(g.header.clone()));
    for (i, r) in g.rows.iter().enumerate() {
        let mut r = r.clone();
        if g.level_rows.contains(&i) {
            r[0] = format!("  {}", r[0]);
        }
        s.push_str(&line(r));
    }
    for f in footnotes(&g) {
        s.push_str(&line(vec![f]));
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Withheld cells (the disclosure module decides which: `crate::disclosure::table1_mask`).

/// Table 1 cell suppression: `(row, group, cell)` where `cell` is a level index, or
/// [`MISSING_CELL`] for the missing count; `secondary` for complementary suppression.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table1Mask {
    pub k: u32,
    pub primary: Vec<(usize, usize, usize)>,
    pub secondary: Vec<(usize, usize, usize)>,
    /// Groups (by index) of fewer than k patients: header N and every cell withheld.
    pub groups: Vec<usize>,
    /// `(row, group)` columns withheld whole, written "withheld" (no bound on any cell): a
    /// categorical column whose "<k" cell would still have one possible value with every other
    /// cell suppressed, or a numeric column of at most three values one of which counts fewer
    /// than k (its n, mean and SD give the counts).
    pub columns: Vec<(usize, usize)>,
}

/// The `cell` index of a variable's missing count in [`Table1Mask`].
pub const MISSING_CELL: usize = usize::MAX;
/// The `cell` index of a numeric variable's count of non-missing values (N − missing).
pub const N_CELL: usize = usize::MAX - 1;

impl Table1Mask {
    /// How cell `(row, group, cell)` is written when withheld, or `None` when it is shown.
    pub fn cell(&self, row: usize, group: usize, cell: usize) -> Option<String> {
        if self.groups.contains(&group) {
            Some(format!("<{}", self.k))
        } else if self.columns.contains(&(row, group)) {
            Some("withheld".to_string())
        } else if self.primary.contains(&(row, group, cell)) {
            Some(format!("<{}", self.k))
        } else if self.secondary.contains(&(row, group, cell)) {
            Some("suppressed".to_string())
        } else {
            None
        }
    }
    /// Whether any cell of row `row`, group `group` is withheld.
    pub fn any(&self, row: usize, group: usize) -> bool {
        self.groups.contains(&group) || self.columns.contains(&(row, group)) || self.primary.iter().chain(&self.secondary).any(|&(r, g, _)| r == row && g == group)
    }
    /// Whether the column `(row, group)` is withheld whole.
    pub fn column(&self, row: usize, group: usize) -> bool {
        self.columns.contains(&(row, group))
    }
    /// Whether a group's summaries (N, means, medians) are withheld.
    pub fn group(&self, group: usize) -> bool {
        self.groups.contains(&group)
    }
}

#[cfg(test)]
mod tests;
