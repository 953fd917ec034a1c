//! `survreg` against R: the contract's lung reference (`tests/reference/lung.expected.json`,
//! case `parametric`) and our own references from `tests/r/parametric.R`
//! (`tests/r/parametric.expected.json`: lung, veteran with karno + celltype, veteran
//! intercept-only, ovarian; all four distributions; time ratios, Weibull hazard ratios, BIC,
//! fitted S(t) and medians).
//!
//! Tolerances (relative): coef, se, z 1e-5; p 1e-4; loglik 1e-7; everything else 1e-6.

use cohort::prepare::{design, prepare};
use cohort::spec::{AnalysisSpec, Dist};
use cohort::stats::parametric::{predict_median, predict_survival, survreg, ParametricReport};
use serde_json::Value;

fn tolerance(field: &str) -> f64 {
    match field {
        "coef" | "se" | "z" => 1e-5,
        "p" => 1e-4,
        "loglik" | "loglik_null" => 1e-7,
        _ => 1e-6,
    }
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1e-300) || (a - b).abs() < 1e-13
}

/// Compare every field of `expected` with `actual` (recursively); returns the largest relative
/// difference seen.
fn compare(path: &str, field: &str, expected: &Value, actual: &Value, worst: &mut f64) {
    match expected {
        Value::Object(map) => {
            for (k, v) in map {
                let a = actual.get(k).unwrap_or_else(|| panic!("{path}.{k}: missing in our report"));
                compare(&format!("{path}.{k}"), k, v, a, worst);
            }
        }
        Value::Array(items) => {
            let a = actual.as_array().unwrap_or_else(|| panic!("{path}: not an array"));
            assert_eq!(items.len(), a.len(), "{path}: length");
            for (i, (e, x)) in items.iter().zip(a).enumerate() {
                compare(&format!("{path}[{i}]"), field, e, x, worst);
            }
        }
        Value::Number(n) => {
            let e = n.as_f64().unwrap();
            let x = actual.as_f64().unwrap_or_else(|| panic!("{path}: expected {e}, got {actual}"));
            let rel = (x - e).abs() / e.abs().max(1e-300);
            if (x - e).abs() > 1e-13 {
                *worst = worst.max(rel);
            }
            assert!(close(x, e, tolerance(field)), "{path}: R {e}, ours {x} (rel {rel:e})");
        }
        Value::Null => assert!(actual.is_null(), "{path}: R has null, ours {actual}"),
        other => assert_eq!(other, actual, "{path}"),
    }
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
        compare(&format!("lung.{}", dist.name()), "", e, &ours, &mut worst);
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
            compare(&path, "", &model, &serde_json::to_value(&ours).unwrap(), &mut worst);
            // Fitted S(t) and median: R's 1 - psurvreg(log t, lp, scale, dist) and
            // exp(lp + scale * qsurvreg(0.5, 0, 1, dist)).
            let x: Vec<f64> = e["x_row"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            for (t, s) in e["times"].as_array().unwrap().iter().zip(e["surv"].as_array().unwrap()) {
                let (t, s) = (t.as_f64().unwrap(), s.as_f64().unwrap());
                let got = predict_survival(&ours, &x, t);
                assert!(close(got, s, 1e-6), "{path}: S({t}) R {s}, ours {got}");
                worst = worst.max((got - s).abs() / s);
            }
            let m = e["median"].as_f64().unwrap();
            let got = predict_median(&ours, &x);
            assert!(close(got, m, 1e-6), "{path}: median R {m}, ours {got}");
            fits += 1;
        }
    }
    assert_eq!(fits, 16);
    eprintln!("own R references ({fits} fits): max relative difference {worst:e}");
}
