//! The numbers the hazard section and the competing-risks figure draw, carried in the report
//! (issue 16), against R (`tests/r/bands.R` → `tests/r/bands.expected.json`):
//!
//! * `cuminc[].steps[].lower/upper`: `cmprsk::cuminc(futime, status, abo)` on transplant with the
//!   log(−log) interval `F^exp(±z √var / (F log F))`, at every time of R's curve;
//! * `cumhaz[]`: `survfit(Surv(time, status == 2) ~ sex, lung, stype = 2, ctype = 1,
//!   conf.type = "log-log")`: `cumhaz`, `std.chaz` and `−log` of its limits;
//! * `parametric[].predictions[]`: `predict(survreg(...), type = "quantile", p = 0.5)` and the
//!   interval from `type = "uquantile", se.fit = TRUE`; `1 − psurvreg(t, lp, scale)` at 180, 365,
//!   730 days — lung, `~ sex` (each sex's row and the mean) and intercept-only.

use cohort::{analyze, read_table, AnalysisSpec, ReadOptions, Report};
use serde_json::Value;

fn run(file: &str, spec: Value) -> Report {
    let bytes = std::fs::read(format!("{}/tests/reference/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let spec: AnalysisSpec = serde_json::from_value(spec).unwrap();
    let table = read_table(&bytes, file, &ReadOptions::from_spec(&spec)).unwrap();
    analyze(&table, &spec).unwrap()
}

fn expected() -> Value {
    let text = std::fs::read_to_string(format!("{}/tests/r/bands.expected.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn nums(v: &Value) -> Vec<Option<f64>> {
    v.as_array().unwrap().iter().map(Value::as_f64).collect()
}

/// Relative difference within `tol` (or both undefined).
fn close(what: &str, got: Option<f64>, want: Option<f64>, tol: f64) {
    match (got.filter(|v| v.is_finite()), want) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!((g - w).abs() <= tol * w.abs().max(1e-12), "{what}: R {w}, ours {g}"),
        (g, w) => panic!("{what}: R {w:?}, ours {g:?}"),
    }
}

#[test]
fn cumulative_incidence_bands_match_cmprsk() {
    let r = run("transplant.csv", serde_json::json!({"time": "futime", "event": {"column": "event", "event": ["ltx"], "competing": ["death"]}, "group": "abo"}));
    let mut checked = 0;
    for e in expected()["cuminc"].as_array().unwrap() {
        let cause = e["cause"].as_str().unwrap();
        let c = r.cuminc.iter().find(|c| c.group.as_deref() == e["group"].as_str() && c.cause == cause).unwrap();
        let (t, est, lo, hi) = (nums(&e["time"]), nums(&e["estimate"]), nums(&e["lower"]), nums(&e["upper"]));
        for i in 0..t.len() {
            let time = t[i].unwrap();
            // R lists the curve at every time of either cause; ours steps at this cause's times
            // (and the last follow-up): the value at R's time is our last step at or before it.
            let s = c.steps.iter().filter(|s| s.time <= time).last().unwrap();
            let what = format!("{:?} {cause} t={time}", c.group);
            close(&format!("{what} estimate"), Some(s.estimate), est[i], 1e-9);
            close(&format!("{what} lower"), Some(s.lower), lo[i], 1e-7);
            close(&format!("{what} upper"), Some(s.upper), hi[i], 1e-7);
            checked += 1;
        }
    }
    assert!(checked > 400, "{checked} points");
}

#[test]
fn nelson_aalen_bands_match_survfit() {
    let r = run("lung.csv", serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": "sex", "hazard": {}}));
    assert_eq!(r.cumhaz.len(), 2);
    for e in expected()["cumhaz"].as_array().unwrap() {
        let c = r.cumhaz.iter().find(|c| c.group.as_deref() == e["group"].as_str()).unwrap();
        let t = nums(&e["time"]);
        // R's event times are ours (the last step is the end of follow-up, a censoring here).
        let ours: Vec<_> = c.steps.iter().filter(|s| t.contains(&Some(s.time))).collect();
        assert_eq!(ours.len(), t.len());
        for (i, s) in ours.iter().enumerate() {
            let what = format!("sex={:?} t={}", c.group, s.time);
            close(&format!("{what} cumhaz"), Some(s.cumhaz), nums(&e["cumhaz"])[i], 1e-9);
            close(&format!("{what} std_err"), Some(s.std_err), nums(&e["std_err"])[i], 1e-9);
            close(&format!("{what} lower"), s.lower, nums(&e["lower"])[i], 1e-8);
            close(&format!("{what} upper"), s.upper, nums(&e["upper"])[i], 1e-8);
        }
    }
    // Without `hazard` the report stays as it was.
    assert!(run("lung.csv", serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}})).cumhaz.is_empty());
}

#[test]
fn parametric_predictions_match_survreg() {
    let by_sex = run(
        "lung.csv",
        serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": "sex", "covariates": ["sex"],
            "parametric": ["exponential", "weibull", "lognormal", "loglogistic"], "times": [180, 365, 730]}),
    );
    let plain = run(
        "lung.csv",
        serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "parametric": ["exponential", "weibull", "lognormal", "loglogistic"], "times": [180, 365, 730]}),
    );
    let mut checked = 0;
    for e in expected()["parametric"].as_array().unwrap() {
        let r = if e["covariates"] == "sex" { &by_sex } else { &plain };
        let f = r.parametric.iter().find(|f| f.dist == e["dist"].as_str().unwrap()).unwrap();
        let p = f.predictions.iter().find(|p| p.group.as_deref() == e["group"].as_str()).unwrap_or_else(|| panic!("{} {:?}: no prediction", f.dist, e["group"]));
        let what = format!("{} ~ {} row {:?}", f.dist, e["covariates"], e["group"]);
        for (x, want) in p.x.iter().zip(nums(&e["x"])) {
            close(&format!("{what} x"), Some(*x), want, 1e-12);
        }
        // survreg stops at a relative log-likelihood change of 1e-9: estimates agree to ~1e-6.
        close(&format!("{what} median"), Some(p.median), e["median"].as_f64(), 1e-5);
        close(&format!("{what} median_lower"), Some(p.median_lower), e["median_lower"].as_f64(), 1e-5);
        close(&format!("{what} median_upper"), Some(p.median_upper), e["median_upper"].as_f64(), 1e-5);
        for (a, want) in p.at.iter().zip(nums(&e["surv"])) {
            close(&format!("{what} S({})", a.time), Some(a.surv), want, 1e-5);
        }
        assert_eq!(p.at.len(), 3);
        assert_eq!(p.curve.len(), cohort::stats::parametric::CURVE_POINTS);
        checked += 1;
    }
    assert_eq!(checked, 16);
}

#[test]
fn landmark_times_default_to_quarters_of_follow_up() {
    use cohort::stats::parametric::landmark_times;
    // lung's longest follow-up is 1022 days: a quarter is 255.5, so the times are rounded to 100s
    // (as the page did: 255.5, 511, 766.5 → 300, 500, 800).
    assert_eq!(landmark_times(&[], 1022.0), vec![300.0, 500.0, 800.0]);
    assert_eq!(landmark_times(&[90.0], 1022.0), vec![90.0]);
    assert!(landmark_times(&[], 0.0).is_empty());
}
