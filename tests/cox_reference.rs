//! Every `cox` field of the R reference cases (`tests/reference/*.expected.json`, computed by
//! R survival 3.5-3 `coxph`, `summary.coxph`, `cox.zph`) against our `coxph`, fitted directly
//! on the design that `prepare::design` builds from the case's spec. Tolerances are those of
//! the analysis contract (`compare_reference.py`): relative 1e-5 for coef/se/hr/z/lower/upper
//! and chisq, 1e-4 for p, 1e-7 for loglik, 1e-6 otherwise; at least 1e-4 in the concordance
//! section and 1e-3 in ph_test; absolute floor 1e-9.

use std::path::Path;

use cohort::prepare::{design, prepare};
use cohort::stats::cox::{coxph, CoxInput};
use cohort::{read_table, AnalysisSpec, ReadOptions};
use serde_json::Value;

#[path = "support/compare.rs"]
mod support;

/// Fit the Cox model of every case (with an `expected.cox`) of a reference file whose data
/// files are in `data_dir`; returns the case labels and the differences from R.
fn check_file(path: &Path, data_dir: &Path, problems: &mut Vec<String>) -> Vec<String> {
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut checked = Vec::new();
    for case in reference["cases"].as_array().unwrap() {
        let Some(expected) = case["expected"].get("cox") else { continue };
        let data_name = case.get("file").or(reference.get("file")).and_then(|f| f.as_str()).unwrap();
        let bytes = std::fs::read(data_dir.join(data_name)).unwrap();
        let label = format!("{}/{}", path.file_name().unwrap().to_string_lossy().trim_end_matches(".expected.json"), case["name"].as_str().unwrap());
        let spec: AnalysisSpec = serde_json::from_value(case["spec"].clone()).unwrap();
        let table =
            read_table(&bytes, data_name, &ReadOptions::from_spec(&spec)).unwrap();
        let mut warnings = Vec::new();
        // R fits the Cox model on every row with a valid time, outcome, strata and complete
        // covariates: a row missing only the `group` column (lung/breslow_loglog: one row
        // missing ph.ecog) stays in the model. So the model's rows are prepared without
        // the group, as `analyze` does.
        let model_spec = AnalysisSpec { group: None, ..spec.clone() };
        let prep = prepare(&table, &model_spec, &mut warnings).unwrap();
        let d = design(&table, &spec, &prep, &spec.covariates, &mut warnings).unwrap();
        let fit = coxph(&d.cox_input(spec.ties))
        .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(fit.warnings.is_empty(), "{label}: unexpected warnings {:?}", fit.warnings);
        let actual = serde_json::to_value(&fit).unwrap();
        problems.extend(support::compare(expected, &actual, &label, "cox").problems);
        // Stricter than the contract: no extra terms either.
        let (want, got) = (expected["terms"].as_array().map_or(0, Vec::len), actual["terms"].as_array().map_or(0, Vec::len));
        if want != got {
            problems.push(format!("{label}: {got} terms, expected {want}"));
        }
        checked.push(label);
    }
    checked
}

#[test]
fn cox_matches_r_on_every_reference_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/reference exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
        .collect();
    files.sort();
    let mut checked = Vec::new();
    let mut problems = Vec::new();
    for f in files {
        checked.extend(check_file(&f, &dir, &mut problems));
    }
    // The Cox cases of the contract (plus any added later) must all be present.
    for want in ["aml/by_maintenance", "lung/by_sex_cox", "lung/breslow_loglog", "ovarian/by_rx", "rats/litter_clusters", "veteran/cox_celltype", "veteran/peto_strata"] {
        assert!(checked.iter().any(|c| c == want), "reference case {want} not found (checked {checked:?})");
    }
    assert!(problems.is_empty(), "{} differences from R:\n{}", problems.len(), problems.join("\n"));
}

/// Combinations the contract's cases do not cover (Breslow with strata and a cluster, Efron
/// with strata and a cluster, a three-level factor with a cluster, with R's robust score test), computed by
/// `tests/r/cox_extra.R` on the reference data files.
#[test]
fn cox_matches_r_on_extra_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let checked = check_file(&root.join("tests/r/cox_extra.expected.json"), &root.join("tests/reference"), &mut problems);
    assert_eq!(checked.len(), 3, "{checked:?}");
    assert!(problems.is_empty(), "{} differences from R:\n{}", problems.len(), problems.join("\n"));
}

/// Monotone likelihood (no events where g = 1). R, `tests/r/cox_monotone.R`:
/// coxph(Surv(time, status) ~ x + g, data = read.csv("tests/r/monotone.csv")) warns
/// "Loglik converged before variable 2; coefficient may be infinite", after 19 iterations, with
/// coef(x) = -0.371298026725387, se(x) = 0.199013266066858, loglik = -108.866922285343,
/// -98.1780308359435 and coef(g) = -19.557 (se 5249.7).
#[test]
fn monotone_likelihood_is_reported_like_r() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/r");
    let bytes = std::fs::read(dir.join("monotone.csv")).unwrap();
    let table = read_table(&bytes, "monotone.csv", &ReadOptions::default()).unwrap();
    let col = |name: &str| -> Vec<f64> { (0..table.n_rows()).map(|r| table.column(name).unwrap().number(r)).collect() };
    let time = col("time");
    let status: Vec<u8> = col("status").iter().map(|&s| s as u8).collect();
    let names = vec!["x".to_string(), "g".to_string()];
    let fit = coxph(&CoxInput { time: &time, status: &status, x: &cohort::stats::cols(&[col("x"), col("g")]), names: &names, strata: None, cluster: None, ties: cohort::spec::Ties::Efron }).unwrap();
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
    assert_eq!(fit.iterations, 19);
    assert!(rel(fit.terms[0].coef, -0.371298026725387) < 1e-6, "{}", fit.terms[0].coef);
    assert!(rel(fit.terms[0].se, 0.199013266066858) < 1e-6);
    assert!(rel(fit.loglik[0], -108.866922285343) < 1e-10);
    assert!(rel(fit.loglik[1], -98.1780308359435) < 1e-9);
    assert!(rel(fit.terms[1].coef, -19.557009772121) < 1e-3, "{}", fit.terms[1].coef);
    assert!(fit.warnings.iter().any(|w| w.contains("'g'") && w.contains("infinite")), "{:?}", fit.warnings);
    assert!(!fit.warnings.iter().any(|w| w.contains("'x'")), "{:?}", fit.warnings);
    assert!(serde_json::to_string(&fit).unwrap().find("NaN").is_none());
}
