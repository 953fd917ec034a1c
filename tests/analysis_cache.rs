//! `analyze_cached` (the page's refit path) gives exactly the report `analyze` gives, for a
//! sequence of specs that changes one part at a time: curves, covariates, the univariable screen,
//! factor coding, reference levels, ties, filters, grouping, Table 1, parametric fits, competing
//! risks. Each step is compared with a fresh, uncached analysis of the same spec (warnings and
//! their order included).

use cohort::analyze::{analyze, analyze_cached, AnalysisCache};
use cohort::{read_table, AnalysisSpec, ReadOptions};
use serde_json::{json, Value};

fn table(name: &str) -> cohort::Table {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference").join(name);
    let bytes = std::fs::read(&path).unwrap();
    read_table(&bytes, name, &ReadOptions::default()).unwrap()
}

fn check_sequence(file: &str, specs: &[Value]) {
    let t = table(file);
    let mut cache = AnalysisCache::default();
    for (i, s) in specs.iter().enumerate() {
        let spec = AnalysisSpec::from_json(&s.to_string()).unwrap();
        let cached = analyze_cached(&t, &spec, &mut cache).unwrap();
        let fresh = analyze(&t, &spec).unwrap();
        assert_eq!(
            serde_json::to_string(&cached).unwrap(),
            serde_json::to_string(&fresh).unwrap(),
            "step {i} of {file}: {s}"
        );
    }
}

#[test]
fn cached_refits_equal_fresh_analyses_lung() {
    let base = json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": "sex", "times": [180, 365]});
    let with = |extra: Value| {
        let mut v = base.clone();
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let uni = json!(["inst", "age", "ph.ecog", "ph.karno", "wt.loss"]);
    check_sequence(
        "lung.csv",
        &[
            base.clone(),
            with(json!({"covariates": ["age"], "univariable": uni})),
            with(json!({"covariates": ["age", "ph.ecog"], "univariable": uni})),
            // Only the ties method changes: the models (multivariable and screen) are refitted.
            with(json!({"covariates": ["age", "ph.ecog"], "univariable": uni, "ties": "breslow"})),
            // Back to a model fitted before; the curves' options change alone.
            with(json!({"covariates": ["age"], "univariable": uni, "times": [100], "conf_type": "log-log"})),
            with(json!({"covariates": ["age", "ph.ecog"], "univariable": uni, "categorical": ["ph.ecog"]})),
            with(json!({"covariates": ["age", "ph.ecog"], "univariable": uni, "categorical": ["ph.ecog"], "filters": [{"column": "age", "op": ">=", "value": 50}]})),
            with(json!({"covariates": ["age", "ph.ecog"], "univariable": uni, "categorical": ["ph.ecog"], "reference": {"ph.ecog": "1"}})),
            // A covariate with missing values: its design warning must come back from the cache.
            with(json!({"covariates": ["age", "wt.loss"], "univariable": uni})),
            with(json!({"covariates": ["age", "wt.loss"], "univariable": uni, "view": {"hidden_groups": ["1"]}})),
            with(json!({"covariates": ["age", "wt.loss"], "univariable": uni, "filters": [{"column": "age", "op": ">=", "value": 60}]})),
            with(json!({"covariates": ["age"], "group": "ph.ecog", "table1": ["age", "wt.loss"]})),
            with(json!({"covariates": ["age"], "group": "ph.ecog", "table1": ["age", "wt.loss"], "categorical": ["inst"]})),
            with(json!({"covariates": ["age"], "parametric": ["weibull", "lognormal"]})),
            with(json!({"covariates": ["age"], "parametric": ["weibull", "lognormal"], "univariable": ["sex"]})),
            with(json!({"hazard": {}})),
            base,
        ],
    );
}

#[test]
fn cached_refits_equal_fresh_analyses_competing_risks() {
    let base = json!({"time": "futime", "event": {"column": "event", "event": ["ltx"], "competing": ["death"]}, "group": "abo", "times": [100, 365]});
    let mut a = base.clone();
    a["covariates"] = json!(["age"]);
    a["univariable"] = json!(["age", "sex", "year"]);
    let mut b = a.clone();
    b["covariates"] = json!(["age", "sex"]);
    let mut c = b.clone();
    c["group"] = json!("sex");
    check_sequence("transplant.csv", &[base.clone(), a.clone(), b, a, c, base]);
}
