//! `survreg` against R: the contract's lung reference (`tests/reference/lung.expected.json`,
//! case `parametric`) and our own references from `tests/r/parametric.R`
//! (`tests/r/parametric.expected.json`: lung, veteran with karno + celltype, veteran
//! intercept-only, ovarian; all four distributions; time ratios, Weibull hazard ratios, BIC,
//! fitted S(t) and medians).
//!
//! Tolerances: the contract's (`tests/support/compare.rs`); fitted S(t) and medians 1e-6.

use cohort::prepare::{design, prepare};
use cohort::spec::{AnalysisSpec, Dist};
use cohort::stats::parametric::{predict_median, predict_survival, survreg, ParametricReport};
use serde_json::Value;

#[path = "support/compare.rs"]
mod support;

/// Relative difference of a fitted value from R's, failing beyond 1e-6.
fn close(path: &str, got: f64, want: f64) -> f64 {
    let d = (got - want).abs();
    assert!(d <= 1e-6 * want.abs() || d < 1e-13, "{path}: R {want}, ours {got}");
    d / want.abs().max(1e-300)
}

/// Compare a fit with R's under the contract's rules; returns the largest relative difference.
fn compare(path: &str, expected: &Value, actual: &Value) -> f64 {
    let c = support::compare(expected, actual, path, "");
    assert!(c.problems.is_empty(), "{}", c.problems.join("\n"));
    c.max_rel.values().copied().fold(0.0, f64::max)
}

fn dist_of(name: &str) -> Dist {
    serde_json::from_value(Value::String(name.into())).unwrap()
}

fn fit(file: &str, spec: &AnalysisSpec, dist: Dist) -> ParametricReport {
    let bytes = std::fs::read(format!("tests/reference/{file}")).unwrap();
    let table = cohort::read_table(&bytes, file, &cohort::ReadOptions::default()).unwrap();
    let mut warnings = Vec::new();
    let prep = prepare(&table, spec, &mut warnings).unwrap();
    let d = design(&table, spec, &prep, &spec.covariates, &mut warnings).unwrap();
    let fit = survreg(&d.time, &d.status, &d.x, &d.names, dist).unwrap();
    assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
    fit
}

#[test]
fn lung_contract_reference() {
    // R: survreg(Surv(time, status == 2) ~ age + factor(sex), lung, dist = d) for each d.
    let text = std::fs::read_to_string("tests/reference/lung.expected.json").unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let case = all["cases"].as_array().unwrap().iter().find(|c| c["name"] == "parametric").unwrap();
    let spec: AnalysisSpec = serde_json::from_value(case["spec"].clone()).unwrap();
    let expected = case["expected"]["parametric"].as_array().unwrap();
    assert_eq!(expected.len(), spec.parametric.len());
    let mut worst = 0.0f64;
    for (e, &dist) in expected.iter().zip(&spec.parametric) {
        let ours = serde_json::to_value(fit("lung.csv", &spec, dist)).unwrap();
        worst = worst.max(compare(&format!("lung.{}", dist.name()), e, &ours));
    }
    eprintln!("lung contract reference: max relative difference {worst:e}");
}

#[test]
fn own_r_references() {
    let text = std::fs::read_to_string("tests/r/parametric.expected.json").unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let mut worst = 0.0f64;
    let mut fits = 0;
    for case in all["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let file = case["file"].as_str().unwrap();
        let spec: AnalysisSpec = serde_json::from_value(case["spec"].clone()).unwrap();
        for e in case["fits"].as_array().unwrap() {
            let dist = dist_of(e["dist"].as_str().unwrap());
            let ours = fit(file, &spec, dist);
            let path = format!("{name}.{}", dist.name());
            // Model fields (everything but the prediction inputs/outputs).
            let mut model = e.clone();
            for k in ["x_row", "times", "surv", "median"] {
                model.as_object_mut().unwrap().remove(k);
            }
            worst = worst.max(compare(&path, &model, &serde_json::to_value(&ours).unwrap()));
            // Fitted S(t) and median: R's 1 - psurvreg(log t, lp, scale, dist) and
            // exp(lp + scale * qsurvreg(0.5, 0, 1, dist)).
            let x: Vec<f64> = e["x_row"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            for (t, s) in e["times"].as_array().unwrap().iter().zip(e["surv"].as_array().unwrap()) {
                let (t, s) = (t.as_f64().unwrap(), s.as_f64().unwrap());
                worst = worst.max(close(&format!("{path}: S({t})"), predict_survival(&ours, &x, t), s));
            }
            let m = e["median"].as_f64().unwrap();
            worst = worst.max(close(&format!("{path}: median"), predict_median(&ours, &x), m));
            fits += 1;
        }
    }
    assert_eq!(fits, 16);
    eprintln!("own R references ({fits} fits): max relative difference {worst:e}");
}
