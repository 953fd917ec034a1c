//! Table 1 against R: every field of `expected.table1` in the reference cases (lung by sex,
//! veteran by cell type), and extra R values for Fisher r×c, Wilcoxon and Kruskal-Wallis with
//! ties (`tests/r/table1_extra.R` → `tests/r/table1_extra.json`).
//!
//! The rows are built the way `analyze::table1` builds them (prepared rows, categorical when
//! the spec says so or the column is text), calling `prepare` and `describe` directly.

use cohort::prepare::{column, factor, numeric_values, prepare};
use cohort::stats::table1::{self, describe, fisher, Table1Row, Variable};
use cohort::table::ColumnData;
use cohort::{read_table, AnalysisSpec, ReadOptions};
use serde_json::Value;

const REL: f64 = 1e-6;
const REL_P: f64 = 1e-4;

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

fn check_case(dir: &str, name: &str, case: &str) -> (f64, f64) {
    let reference = load(&format!("{dir}/{name}.expected.json"));
    let file = reference["file"].as_str().expect("file");
    let c = reference["cases"].as_array().expect("cases").iter().find(|c| c["name"] == case).unwrap_or_else(|| panic!("case {case}"));
    let rows = table1_rows(dir, file, &c["spec"]);
    let expected = c["expected"]["table1"].as_array().expect("expected.table1");
    assert_eq!(rows.len(), expected.len());
    let (mut max_rel, mut max_rel_p) = (0.0f64, 0.0f64);
    for (row, want) in rows.iter().zip(expected) {
        let v = &row.variable;
        assert_eq!(v, want["variable"].as_str().unwrap());
        assert_eq!(row.r#type, want["type"].as_str().unwrap(), "{v}: type");
        assert_eq!(row.test, want["test"].as_str(), "{v}: test");
        max_rel_p = max_rel_p.max(num(&format!("{v}: p"), row.p, &want["p"], REL_P));
        let wg = want["groups"].as_array().unwrap();
        assert_eq!(row.groups.len(), wg.len(), "{v}: groups");
        for (g, w) in row.groups.iter().zip(wg) {
            let at = format!("{v}[{}]", g.group.as_deref().unwrap_or("all"));
            assert_eq!(g.group.as_deref(), w["group"].as_str(), "{at}: group");
            assert_eq!(g.n as u64, w["n"].as_u64().unwrap(), "{at}: n");
            assert_eq!(g.missing as u64, w["missing"].as_u64().unwrap(), "{at}: missing");
            if row.r#type == "numeric" {
                for (field, got) in [("mean", g.mean), ("sd", g.sd), ("median", g.median), ("q1", g.q1), ("q3", g.q3), ("min", g.min), ("max", g.max)] {
                    max_rel = max_rel.max(num(&format!("{at}: {field}"), got, &w[field], REL));
                }
            } else {
                let gl = g.levels.as_ref().expect("levels");
                let wl = w["levels"].as_array().unwrap();
                assert_eq!(gl.len(), wl.len(), "{at}: levels");
                for (l, x) in gl.iter().zip(wl) {
                    assert_eq!(l.level, x["level"].as_str().unwrap(), "{at}: level");
                    assert_eq!(l.count as u64, x["count"].as_u64().unwrap(), "{at} {}: count", l.level);
                    max_rel = max_rel.max(num(&format!("{at} {}: percent", l.level), l.percent, &x["percent"], REL));
                }
            }
        }
    }
    (max_rel, max_rel_p)
}

#[test]
fn lung_table1_by_sex_matches_r() {
    let (d, dp) = check_case("tests/reference", "lung", "table1_by_sex");
    println!("lung table1_by_sex: max relative difference {d:.2e}, p {dp:.2e}");
}

#[test]
fn veteran_table1_by_celltype_matches_r() {
    let (d, dp) = check_case("tests/reference", "veteran", "table1_by_celltype");
    println!("veteran table1_by_celltype: max relative difference {d:.2e}, p {dp:.2e}");
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
