use super::fisher::{fisher_exact, fisher_exact_counted, DEFAULT_BUDGET};
use super::*;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn quantile_type7_hand_worked() {
    // quantile(c(1,2,3,4), c(.25,.5,.75)) = 1.75 2.50 3.25: h = 3p, e.g. p = .25 → h = 0.75,
    // 1 + 0.75·(2 − 1) = 1.75.
    let v = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(quantile7(&v, 0.25), Some(1.75));
    assert_eq!(quantile7(&v, 0.5), Some(2.5));
    assert_eq!(quantile7(&v, 0.75), Some(3.25));
    assert_eq!(quantile7(&[7.0], 0.25), Some(7.0));
    assert_eq!(quantile7(&[], 0.5), None);
}

#[test]
fn wilcoxon_hand_worked() {
    // x = (1,2), y = (3,4): ranks 1,2 | 3,4; W = 3 − 3 = 0; W − nx·ny/2 = −2; continuity
    // correction +½ → −1.5; σ² = 2·2/12·5 = 5/3; z = −1.1619; p = 2Φ(−1.1619).
    // R: wilcox.test(c(1,2), c(3,4), exact=FALSE)$p.value = 0.245278116806773
    let p = wilcoxon_p(&[1.0, 2.0], &[3.0, 4.0]).unwrap();
    assert!(close(p, 0.245278116806773, 1e-9), "{p}");
    // All values equal: σ = 0, no p-value (R gives NaN).
    assert_eq!(wilcoxon_p(&[1.0, 1.0], &[1.0, 1.0, 1.0]), None);
}

#[test]
fn kruskal_hand_worked() {
    // Groups (1,2), (3,4), (5,6): rank sums 3, 7, 11; H = 12/(6·7)·(9+49+121)/2 − 3·7
    // = 25.571 − 21 = 4.571 on 2 df; p = exp(−H/2).
    // R: kruskal.test(list(c(1,2),c(3,4),c(5,6)))$p.value = 0.101701392304227
    let p = kruskal_p(&[&[1.0, 2.0], &[3.0, 4.0], &[5.0, 6.0]]).unwrap();
    assert!(close(p, 0.101701392304227, 1e-9), "{p}");
    assert_eq!(kruskal_p(&[&[2.0, 2.0], &[2.0], &[2.0]]), None);
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn chisq_hand_worked() {
    // [[10,20],[20,10]]: every expected count 15, χ² = 4·25/15 = 6.667 on 1 df.
    // R: chisq.test(matrix(c(10,20,20,10),2), correct=FALSE)$p.value = 0.00982327450751926
    let mut codes = Vec::new();
    let mut group = Vec::new();
    for (g, l, n) in [(0u32, 0u32, 10), (0, 1, 20), (1, 0, 20), (1, 1, 10)] {
        for _ in 0..n {
            group.push(g);
            codes.push(l);
        }
    }
    let row = describe("x", Variable::Categorical(&codes, &names(&["a", "b"])), &group, &names(&["A", "B"]));
    assert_eq!(row.test, Some("chisq"));
    assert!(close(row.p.unwrap(), 0.00982327450751926, 1e-9));
}

/// Brute force: every table with the margins of `t`, summing those at most as probable.
fn fisher_brute(t: &[Vec<u64>]) -> f64 {
    let r = t.len();
    let c = t[0].len();
    let rows: Vec<u64> = t.iter().map(|x| x.iter().sum()).collect();
    let cols: Vec<u64> = (0..c).map(|j| t.iter().map(|x| x[j]).sum()).collect();
    let n: u64 = rows.iter().sum();
    let table: Vec<f64> = (0..=n).scan(0.0, |acc, i| {
        if i > 0 {
            *acc += (i as f64).ln();
        }
        Some(*acc)
    }).collect();
    let lf = |k: u64| table[k as usize];
    let k = rows.iter().map(|&x| lf(x)).sum::<f64>() + cols.iter().map(|&x| lf(x)).sum::<f64>() - lf(n);
    let logp = |m: &[Vec<u64>]| k - m.iter().flatten().map(|&x| lf(x)).sum::<f64>();
    let obs = logp(t);
    let mut m = vec![vec![0u64; c]; r];
    let mut total = 0.0;
    fn rec(i: usize, j: usize, m: &mut Vec<Vec<u64>>, rows: &[u64], cols: &[u64], f: &mut dyn FnMut(&[Vec<u64>])) {
        let (r, c) = (rows.len(), cols.len());
        if i == r - 1 {
            // Last row is forced by the column margins.
            for jj in 0..c {
                let used: u64 = (0..r - 1).map(|ii| m[ii][jj]).sum();
                if used > cols[jj] {
                    return;
                }
                m[r - 1][jj] = cols[jj] - used;
            }
            f(m);
            return;
        }
        if j == c - 1 {
            let used: u64 = m[i][..c - 1].iter().sum();
            if used > rows[i] {
                return;
            }
            m[i][c - 1] = rows[i] - used;
            rec(i + 1, 0, m, rows, cols, f);
            return;
        }
        for v in 0..=rows[i].min(cols[j]) {
            m[i][j] = v;
            rec(i, j + 1, m, rows, cols, f);
        }
    }
    rec(0, 0, &mut m, &rows, &cols, &mut |m| {
        let p = logp(m);
        if p <= obs + 1e-7f64.ln_1p() {
            total += p.exp();
        }
    });
    total
}

#[test]
fn fisher_matches_brute_force_on_random_tables() {
    // A fixed pseudo-random sequence of small tables (2–4 × 2–5, some sparse, some with zero
    // rows), each compared with complete enumeration.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: u64| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let mut checked = 0;
    for case in 0..150 {
        let r = 2 + next(3) as usize;
        let c = 2 + next(4) as usize;
        let scale = 1 + next(if r * c > 9 { 2 } else { 5 });
        let t: Vec<Vec<u64>> = (0..r).map(|_| (0..c).map(|_| if next(4) == 0 { 0 } else { next(scale + 1) }).collect()).collect();
        if t.iter().flatten().sum::<u64>() > 24 {
            continue;
        }
        checked += 1;
        let p = fisher_exact(&t, DEFAULT_BUDGET).unwrap();
        let nonzero_rows = t.iter().filter(|x| x.iter().any(|&v| v > 0)).count();
        let nonzero_cols = (0..c).filter(|&j| t.iter().any(|x| x[j] > 0)).count();
        let b = if nonzero_rows < 2 || nonzero_cols < 2 { 1.0 } else { fisher_brute(&t) };
        assert!((p - b).abs() <= 1e-9 * b.max(1e-12), "case {case}: {t:?}: network {p}, brute force {b}");
        assert!((0.0..=1.0).contains(&p));
    }
    assert!(checked >= 60, "only {checked} tables checked");
}

#[test]
fn fisher_is_invariant_to_transposition_and_order() {
    let t = vec![vec![5, 2, 0, 3], vec![1, 4, 6, 2], vec![0, 3, 2, 7]];
    let tt: Vec<Vec<u64>> = (0..4).map(|j| t.iter().map(|r| r[j]).collect()).collect();
    let rev: Vec<Vec<u64>> = t.iter().rev().map(|r| r.iter().rev().copied().collect()).collect();
    let p = fisher_exact(&t, DEFAULT_BUDGET).unwrap();
    // R: fisher.test(matrix(c(5,2,0,3, 1,4,6,2, 0,3,2,7), 3, byrow=TRUE))$p.value = 0.0084850402042115271 (17 digits)
    assert!(close(p, 0.008_485_040_204_211_527, 1e-7), "{p}");
    assert!(close(fisher_exact(&tt, DEFAULT_BUDGET).unwrap(), p, 1e-10));
    assert!(close(fisher_exact(&rev, DEFAULT_BUDGET).unwrap(), p, 1e-10));
}

#[test]
fn fisher_gives_up_beyond_budget() {
    // 4×4 with n = 200: R: fisher.test(m, workspace=2e7)$p.value = 0.414030132753417
    let t = vec![vec![20, 15, 10, 15], vec![25, 30, 12, 13], vec![12, 14, 8, 16], vec![3, 1, 2, 4]];
    let (p, work) = fisher_exact_counted(&t, DEFAULT_BUDGET);
    assert!(close(p.unwrap(), 0.414030132753417, 1e-7));
    assert_eq!(fisher_exact(&t, work / 2), None);
}

#[test]
fn fisher_degenerate_tables() {
    // Only one possible table: p = 1. R: fisher.test(matrix(c(2,0,0,2),2))$p.value = 1/3.
    assert_eq!(fisher_exact(&[vec![3, 0], vec![0, 0]], DEFAULT_BUDGET), Some(1.0));
    assert_eq!(fisher_exact(&[vec![3, 4]], DEFAULT_BUDGET), Some(1.0));
    assert!(close(fisher_exact(&[vec![2, 0], vec![0, 2]], DEFAULT_BUDGET).unwrap(), 1.0 / 3.0, 1e-12));
}

#[test]
fn numeric_with_an_empty_group_and_ungrouped() {
    let nan = f64::NAN;
    let v = [1.0, 2.0, 3.0, nan, nan, 4.0, 5.0, 6.0];
    let g = [0, 0, 0, 1, 1, 2, 2, 2];
    let row = describe("age", Variable::Numeric(&v), &g, &names(&["a", "b", "c"]));
    assert_eq!(row.groups[1].n, 0);
    assert_eq!(row.groups[1].missing, 2);
    assert_eq!(row.groups[1].mean, None);
    assert_eq!(row.groups[1].median, None);
    // Two groups with values remain: Wilcoxon on (1,2,3) vs (4,5,6).
    // R: wilcox.test(c(1,2,3), c(4,5,6), exact=FALSE)$p.value = 0.0808555983700523
    assert_eq!(row.test, Some("wilcoxon"));
    assert!(close(row.p.unwrap(), 0.0808555983700523, 1e-9), "{:?}", row.p);
    let note = row.note.as_deref().unwrap_or("");
    assert!(note.contains("'b'") && note.contains("Wilcoxon rank-sum test of the two groups with values ('a', 'c'), not Kruskal-Wallis"), "{note}");
    // The empty group's undefined statistics are null, not left out (R: NA).
    let json = serde_json::to_value(&row.groups[1]).unwrap();
    for k in ["mean", "sd", "median", "q1", "q3", "min", "max"] {
        assert!(json.get(k).is_some_and(|v| v.is_null()), "{k}: {json}");
    }
    // mean(1:3) = 2, sd = 1.
    assert_eq!(row.groups[0].mean, Some(2.0));
    assert_eq!(row.groups[0].sd, Some(1.0));

    let all = describe("age", Variable::Numeric(&v), &[0; 8], &[]);
    assert_eq!(all.groups.len(), 1);
    assert_eq!(all.groups[0].group, None);
    assert_eq!(all.groups[0].n, 6);
    assert_eq!(all.groups[0].missing, 2);
    assert_eq!(all.test, None);
    assert_eq!(all.p, None);
    assert_eq!(all.groups[0].median, Some(3.5));
}

#[test]
fn constant_and_single_values_have_no_nan() {
    let v = [5.0, 5.0, 5.0, 5.0];
    let row = describe("k", Variable::Numeric(&v), &[0, 0, 1, 1], &names(&["a", "b"]));
    assert_eq!(row.test, None);
    assert_eq!(row.p, None);
    assert!(row.note.is_some());
    assert_eq!(row.groups[0].sd, Some(0.0));
    let one = describe("k", Variable::Numeric(&[1.0, 2.0]), &[0, 1], &names(&["a", "b"]));
    assert_eq!(one.groups[0].sd, None);
    // sd of one value: null in the JSON (R: NA), beside its mean.
    let json = serde_json::to_value(&one.groups[0]).unwrap();
    assert!(json["sd"].is_null() && json["mean"] == 1.0, "{json}");
    let all_missing = describe("k", Variable::Numeric(&[f64::NAN, f64::NAN]), &[0, 1], &names(&["a", "b"]));
    assert_eq!(all_missing.test, None);
    for r in [&row, &one, &all_missing] {
        let json = serde_json::to_string(r).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
    }
}

#[test]
fn categorical_lists_every_level_and_skips_empty_ones_in_the_test() {
    // Levels a, b, c (c never seen), groups X, Y, Z (Z all missing).
    let m = u32::MAX;
    let codes = [0, 0, 1, 0, 1, 1, 1, m, m];
    let group = [0, 0, 0, 1, 1, 1, 1, 2, 2];
    let row = describe("v", Variable::Categorical(&codes, &names(&["a", "b", "c"])), &group, &names(&["X", "Y", "Z"]));
    for g in &row.groups {
        let levels = g.levels.as_ref().unwrap();
        assert_eq!(levels.iter().map(|l| l.level.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
    }
    let x = row.groups[0].levels.as_ref().unwrap();
    assert_eq!((x[0].count, x[1].count, x[2].count), (2, 1, 0));
    assert!(close(x[0].percent.unwrap(), 200.0 / 3.0, 1e-12));
    assert_eq!(x[2].percent, Some(0.0));
    let z = &row.groups[2];
    assert_eq!((z.n, z.missing), (0, 2));
    assert_eq!(z.levels.as_ref().unwrap()[0].percent, None);
    // Test on X, Y × a, b = [[2,1],[1,3]]: small counts → Fisher.
    // R: fisher.test(matrix(c(2,1,1,3),2,byrow=TRUE))$p.value = 0.485714285714286
    assert_eq!(row.test, Some("fisher"));
    assert!(close(row.p.unwrap(), 0.485714285714286, 1e-9));
    let note = row.note.as_deref().unwrap_or("");
    assert!(note.contains("'Z'") && note.contains("Fisher's exact test of the groups with values ('X', 'Y'), an expected count being below 5"), "{note}");
    let json = serde_json::to_string(&row).unwrap();
    assert!(json.contains("\"percent\":null"), "{json}");
    // A categorical row carries levels, not the numeric summary.
    assert!(!json.contains("\"mean\""), "{json}");

    // A single observed level: no test.
    let one = describe("v", Variable::Categorical(&[0, 0, 0], &names(&["a", "b"])), &[0, 1, 1], &names(&["X", "Y"]));
    assert_eq!((one.test, one.p), (None, None));
}

#[test]
fn p_values_are_formatted_like_journals() {
    assert_eq!(format_p(0.0570062814517115), "0.0570");
    assert_eq!(format_p(0.822510221441596), "0.823");
    assert_eq!(format_p(0.0009), "<0.001");
    assert_eq!(format_p(0.001), "0.00100");
    assert_eq!(format_p(1.0), "1.00");
    assert_eq!(format_p(0.099996), "0.100");
    assert_eq!(format_p(0.99996), "1.00");
}

fn demo_rows() -> Vec<Table1Row> {
    let age = [60.0, 70.0, 65.0, f64::NAN, 50.0, 55.0, 52.5];
    let g = [0, 0, 0, 0, 1, 1, 1];
    let groups = names(&["Male", "Female, other"]);
    let levels = names(&["-1", "=HYPERLINK(\"x\")", "@a"]);
    let codes = [0, 1, 2, 0, 0, 1, 2];
    vec![
        describe("age", Variable::Numeric(&age), &g, &groups),
        describe("score", Variable::Categorical(&codes, &levels), &g, &groups),
    ]
}

#[test]
fn markdown_table() {
    let md = to_markdown(&demo_rows());
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines[0], "| Characteristic | Male (N = 4) | Female, other (N = 3) | p-value | Test |");
    assert_eq!(lines[1], "| :--- | ---: | ---: | ---: | ---: |");
    // age: Male 60, 70, 65 → mean 65.0, sd 5.0, median 65 [62.5, 67.5];
    // Female 50, 55, 52.5 → mean 52.5, sd 2.5.
    // R: wilcox.test(c(60,70,65), c(50,55,52.5), exact=FALSE)$p.value = 0.0808555983700523
    assert_eq!(lines[2], "| age, mean (SD) | 65.0 (5.0) | 52.5 (2.5) | 0.0809 | Wilcoxon rank-sum test |");
    assert_eq!(lines[3], "| age, median [Q1, Q3] | 65.0 [62.5, 67.5] | 52.5 [51.2, 53.8] |  |  |");
    assert_eq!(lines[4], "| &nbsp;&nbsp;Missing | 1 | 0 |  |  |");
    assert!(lines[5].starts_with("| score, n (%) |  |  | "), "{}", lines[5]);
    assert_eq!(lines[6], "| &nbsp;&nbsp;-1 | 2 (50.0) | 1 (33.3) |  |  |");
    assert!(md.contains("p-values: Wilcoxon rank-sum test; Fisher's exact test."), "{md}");
}

#[test]
fn csv_table_is_quoted_and_formula_safe() {
    let csv = to_csv(&demo_rows());
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "Characteristic,Male (N = 4),\"Female, other (N = 3)\",p-value,Test");
    assert_eq!(lines[1], "\"age, mean (SD)\",65.0 (5.0),52.5 (2.5),0.0809,Wilcoxon rank-sum test");
    // Level texts that a spreadsheet would run as formulas get a leading apostrophe.
    assert!(lines.contains(&"'  -1,2 (50.0),1 (33.3),,"), "{csv}");
    assert!(lines.contains(&"\"'  =HYPERLINK(\"\"x\"\")\",1 (25.0),1 (33.3),,"), "{csv}");
    assert!(lines.contains(&"'  @a,1 (25.0),1 (33.3),,"), "{csv}");
    // Round trip through a CSV reader: every record has the header's width.
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv.as_bytes());
    let widths: Vec<usize> = rdr.records().map(|r| r.unwrap().len()).collect();
    assert!(widths.iter().take(8).all(|&w| w == 5), "{widths:?}");
}

#[test]
fn ungrouped_export_has_one_column_and_no_p() {
    let v = [1.0, 2.0, 3.0];
    let rows = vec![describe("x", Variable::Numeric(&v), &[0, 0, 0], &[])];
    let md = to_markdown(&rows);
    assert!(md.starts_with("| Characteristic | Overall (N = 3) |\n"), "{md}");
    assert!(!md.contains("p-value"));
    let csv = to_csv(&rows);
    assert!(csv.starts_with("Characteristic,Overall (N = 3)\r\n\"x, mean (SD)\",2.0 (1.0)\r\n"), "{csv}");
}

#[test]
fn fisher_too_large_falls_back_to_chisq_with_a_note() {
    // Groups × levels [[6,1],[3,3],[1,6]]: expected counts 3.5, 3.5 / 3, 3 / 3.5, 3.5, all below
    // 5, so Fisher is due; with a budget of one step it cannot finish and Pearson's chi-square
    // is reported with a note.
    // R: chisq.test(matrix(c(6,1,3,3,1,6),3,byrow=TRUE), correct=FALSE)$p.value = 0.028115659748972
    let counts = vec![vec![6, 1], vec![3, 3], vec![1, 6]];
    let (test, p, note) = categorical_test(&counts, &names(&["a", "b"]), &names(&["X", "Y", "Z"]), 1);
    assert_eq!(test, Some("chisq"));
    assert!(close(p.unwrap(), 0.028115659748972, 1e-9), "{p:?}");
    assert!(note.unwrap().contains("too large for Fisher's exact test"));
    // With the normal budget: R: fisher.test(matrix(c(6,1,3,3,1,6),3,byrow=TRUE))$p.value = 0.0266621922968669
    let (test, p, note) = categorical_test(&counts, &names(&["a", "b"]), &names(&["X", "Y", "Z"]), DEFAULT_BUDGET);
    assert_eq!(test, Some("fisher"));
    assert!(close(p.unwrap(), 0.0266621922968669, 1e-9), "{p:?}");
    assert_eq!(note, None);
}
