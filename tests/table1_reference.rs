//! Table 1 against R. The reference cases' `expected.table1` (lung by sex, veteran by cell type)
//! are compared by `tests/reference.rs` through `analyze`; here: the manuscript export of those
//! rows, and extra R values for Fisher r×c, Wilcoxon and Kruskal-Wallis with
//! ties (`tests/r/table1_extra.R` → `tests/r/table1_extra.json`).
//!
//! The rows are built the way `analyze::table1` builds them (prepared rows, categorical when
//! the spec says so or the column is text), calling `prepare` and `describe` directly.

use cohort::prepare::{column, factor, numeric_values, prepare};
use cohort::stats::table1::{self, describe, fisher, Table1Row, Variable};
use cohort::table::ColumnData;
use cohort::{read_table, AnalysisSpec, ReadOptions};
use serde_json::Value;

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn table1_rows(dir: &str, file: &str, spec_json: &Value) -> Vec<Table1Row> {
    let spec = AnalysisSpec::from_json(&spec_json.to_string()).expect("spec");
    let bytes = std::fs::read(format!("{dir}/{file}")).expect("data file");
    let table = read_table(&bytes, file, &ReadOptions::from_spec(&spec)).expect("read");
    let mut warnings = Vec::new();
    let prep = prepare(&table, &spec, &mut warnings).expect("prepare");
    let (codes, levels) = match &prep.group {
        Some(g) => (g.codes.clone(), g.levels.clone()),
        None => (vec![0; prep.rows.len()], Vec::new()),
    };
    let cols = spec.table1.clone().expect("table1 in spec");
    cols.iter()
        .map(|name| {
            let col = column(&table, name, "Table 1").expect("column");
            if spec.categorical.contains(name) || matches!(col.data, ColumnData::Text { .. }) {
                let f = factor(col, &prep.rows);
                describe(name, Variable::Categorical(&f.codes, &f.levels), &codes, &levels)
            } else {
                let (v, _) = numeric_values(col);
                let v: Vec<f64> = prep.rows.iter().map(|&r| v[r]).collect();
                describe(name, Variable::Numeric(&v), &codes, &levels)
            }
        })
        .collect()
}

/// Compare a number; returns the relative difference.
fn num(what: &str, got: Option<f64>, want: &Value, rel: f64) -> f64 {
    match (got, want.as_f64()) {
        (None, None) => 0.0,
        (Some(g), Some(w)) => {
            let d = (g - w).abs() / w.abs().max(1e-12);
            assert!(d <= rel || (g - w).abs() <= 1e-12, "{what}: got {g}, R {w}");
            d
        }
        (g, _) => panic!("{what}: got {g:?}, R {want}"),
    }
}

#[test]
fn reference_rows_export() {
    // The lung rows as a manuscript table: one column per sex, p formatted like journals.
    let reference = load("tests/reference/lung.expected.json");
    let c = reference["cases"].as_array().unwrap().iter().find(|c| c["name"] == "table1_by_sex").unwrap();
    let rows = table1_rows("tests/reference", "lung.csv", &c["spec"]);
    let md = table1::to_markdown(&rows);
    // age by sex: R mean 63.3405797101449 (SD 9.13922833460211) vs 61.0777777777778 (8.84730363009522),
    // p = 0.0570062814517115 (Wilcoxon); ph.ecog p = 0.822510221441596 (Fisher).
    assert!(md.contains("| age, mean (SD) | 63.3 (9.1) | 61.1 (8.8) | 0.0570 | Wilcoxon rank-sum test |"), "{md}");
    assert!(md.contains("| ph.ecog, n (%) |  |  | 0.823 | Fisher's exact test |"), "{md}");
    assert!(md.contains("| &nbsp;&nbsp;3 | 1 (0.7) | 0 (0.0) |  |  |"), "{md}");
    let csv = table1::to_csv(&rows);
    assert!(csv.starts_with("Characteristic,1 (N = 138),2 (N = 90),p-value,Test\r\n"), "{csv}");
    // wt.loss has negative minima but the exported cells are mean (SD) / median [Q1, Q3].
    assert!(csv.contains("\"wt.loss, median [Q1, Q3]\",\"8.0 [0.8, 18.5]\",\"4.0 [0.0, 11.0]\",,\r\n"), "{csv}");
}

fn vecf(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn extra_r_references() {
    let extra = load("tests/r/table1_extra.json");
    let mut max_rel = 0.0f64;
    for case in extra["fisher"].as_array().unwrap() {
        let t: Vec<Vec<u64>> = case["table"].as_array().unwrap().iter().map(|r| vecf(r).iter().map(|&x| x as u64).collect()).collect();
        let p = fisher::fisher_exact(&t, fisher::DEFAULT_BUDGET);
        // Absolute accuracy is about 1e-14 (see fisher.rs), so the relative tolerance is 1e-8
        // except for the p = 8.4e-9 case.
        let want = case["p"].as_f64().unwrap();
        let tol = if want < 1e-6 { 1e-5 } else { 1e-8 };
        let d = num(&format!("fisher {}", case["name"]), p, &case["p"], tol);
        println!("fisher {}: ours {p:?}, R {}, relative difference {d:.1e}", case["name"], case["p"]);
        max_rel = max_rel.max(d);
    }
    for case in extra["wilcoxon"].as_array().unwrap() {
        let p = table1::wilcoxon_p(&vecf(&case["x"]), &vecf(&case["y"]));
        max_rel = max_rel.max(num("wilcoxon", p, &case["p"], 1e-9));
    }
    for case in extra["kruskal"].as_array().unwrap() {
        let groups: Vec<Vec<f64>> = case["groups"].as_array().unwrap().iter().map(vecf).collect();
        let refs: Vec<&[f64]> = groups.iter().map(|g| g.as_slice()).collect();
        max_rel = max_rel.max(num("kruskal", table1::kruskal_p(&refs), &case["p"], 1e-9));
    }
    for case in extra["chisq"].as_array().unwrap() {
        // Through describe: groups = rows of the table, levels = columns.
        let t: Vec<Vec<f64>> = case["table"].as_array().unwrap().iter().map(vecf).collect();
        let (mut codes, mut group) = (Vec::new(), Vec::new());
        for (g, row) in t.iter().enumerate() {
            for (l, &n) in row.iter().enumerate() {
                for _ in 0..n as usize {
                    codes.push(l as u32);
                    group.push(g as u32);
                }
            }
        }
        let levels: Vec<String> = (0..t[0].len()).map(|l| format!("L{l}")).collect();
        let groups: Vec<String> = (0..t.len()).map(|g| format!("G{g}")).collect();
        let row = describe("x", Variable::Categorical(&codes, &levels), &group, &groups);
        assert_eq!(row.test, Some("chisq"));
        max_rel = max_rel.max(num("chisq", row.p, &case["p"], 1e-9));
    }
    println!("extra R references: max relative difference {max_rel:.2e}");
}
