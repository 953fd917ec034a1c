//! Whole-pipeline checks: the trend test against R (tests/r/trend.R), and the warnings the
//! report must carry for each problem case (never a panic, never NaN, never silent).

use cohort::{analyze_bytes, AnalysisSpec, Report};
use serde_json::Value;

fn run(csv: &str, spec: &str) -> Report {
    analyze_bytes(csv.as_bytes(), "t.csv", &AnalysisSpec::from_json(spec).unwrap()).unwrap()
}

fn reference(file: &str, spec: &str) -> Report {
    let bytes = std::fs::read(format!("{}/tests/reference/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    analyze_bytes(&bytes, file, &AnalysisSpec::from_json(spec).unwrap()).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn trend_test_matches_r() {
    let r: Value = serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/r/trend.expected.json")).unwrap()).unwrap();
    let cases = [
        ("lung.csv", r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"ph.ecog"}"#, "lung_ph.ecog"),
        ("veteran.csv", r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"celltype"}"#, "veteran_celltype"),
        ("veteran.csv", r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"celltype","rho":1}"#, "veteran_celltype_rho1"),
    ];
    for (file, spec, key) in cases {
        let t = reference(file, spec).trend.expect("trend test for ≥ 3 groups");
        assert!(rel(t.chisq, r[key]["chisq"].as_f64().unwrap()) < 1e-8, "{key}: {t:?}");
        assert!(rel(t.p, r[key]["p"].as_f64().unwrap()) < 1e-6, "{key}: {t:?}");
        assert_eq!(t.df, 1.0);
    }
}

#[test]
fn no_events_is_a_warning_and_no_nan_reaches_json() {
    let r = run("t,s\n1,0\n2,0\n3,0\n", r#"{"time":"t","event":{"column":"s","event":["1"]},"times":[2]}"#);
    assert!(r.warnings.iter().any(|w| w.contains("no events")), "{:?}", r.warnings);
    let json = r.to_json();
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
    assert_eq!(r.km[0].median, None);
}

#[test]
fn single_level_group_is_named() {
    let r = run("t,s,g\n1,1,a\n2,0,a\n3,1,a\n", r#"{"time":"t","event":{"column":"s","event":["1"]},"group":"g"}"#);
    assert!(r.warnings.iter().any(|w| w.contains("group 'g' has a single level ('a')")), "{:?}", r.warnings);
    assert!(r.logrank.is_none());
}

#[test]
fn two_values_falling_to_censored_are_named() {
    // 0 and 7 are both neither event nor declared: both censored, with a warning naming them.
    let r = run("t,s\n1,1\n2,0\n3,7\n4,1\n5,0\n", r#"{"time":"t","event":{"column":"s","event":["1"]}}"#);
    assert!(r.warnings.iter().any(|w| w.contains("'0' (2 rows)") && w.contains("'7' (1 rows)")), "{:?}", r.warnings);
    assert_eq!(r.n, 5);
}

#[test]
fn undeclared_values_are_excluded_when_censored_values_are_declared() {
    let r = run("t,s\n1,1\n2,0\n3,7\n4,1\n", r#"{"time":"t","event":{"column":"s","event":["1"],"censored":["0"]}}"#);
    assert_eq!(r.n, 3);
    assert!(r.warnings.iter().any(|w| w.contains("1 row excluded") && w.contains("'7'") && w.contains("line 4")), "{:?}", r.warnings);
}

#[test]
fn bad_times_are_excluded_with_their_lines() {
    let r = run("t,s\n1,1\n-2,0\n,1\n4,1\n5,0\n", r#"{"time":"t","event":{"column":"s","event":["1"]}}"#);
    assert_eq!(r.n, 3);
    assert!(r.warnings.iter().any(|w| w.contains("negative time") && w.contains("line 3")), "{:?}", r.warnings);
    assert!(r.warnings.iter().any(|w| w.contains("time is missing") && w.contains("line 4")), "{:?}", r.warnings);
}

#[test]
fn collinear_term_is_dropped_with_a_warning() {
    let mut csv = String::from("t,s,x,y\n");
    for i in 1..=30 {
        let x = (i * 7 % 11) as f64;
        csv.push_str(&format!("{i},{},{x},{}\n", (i % 3 != 0) as u8, 2.0 * x + 1.0));
    }
    let r = run(&csv, r#"{"time":"t","event":{"column":"s","event":["1"]},"covariates":["x","y"]}"#);
    let cox = r.cox.expect("model with the collinear term dropped");
    // y stays in terms[] with nulls, as R's NA.
    assert_eq!(cox.terms.len(), 2);
    assert!(cox.terms[0].coef.is_finite() && cox.terms[1].name == "y" && cox.terms[1].coef.is_nan());
    assert!(r.warnings.iter().any(|w| w.contains("'y'") || w.contains("y ")), "{:?}", r.warnings);
}

#[test]
fn infinite_coefficient_is_warned() {
    // Every event is in group b: the likelihood is monotone in the coefficient (R warns that it
    // may be infinite).
    let mut csv = String::from("t,s,g\n");
    for i in 1..=20 {
        let g = if i % 2 == 0 { "a" } else { "b" };
        csv.push_str(&format!("{i},{},{g}\n", (g == "b") as u8));
    }
    let r = run(&csv, r#"{"time":"t","event":{"column":"s","event":["1"]},"covariates":["g"]}"#);
    assert!(r.warnings.iter().any(|w| w.contains("infinite")), "{:?}", r.warnings);
    assert!(!r.to_json().contains("NaN"));
}

#[test]
fn spec_naming_a_missing_column_is_an_error_listing_the_columns() {
    let e = analyze_bytes(b"t,s\n1,1\n", "t.csv", &AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"s","event":["1"]}}"#).unwrap()).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("'time' is not in the file") && m.contains("t, s"), "{m}");
}

#[test]
fn km_is_invariant_to_row_order() {
    let a = reference("lung.csv", r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","times":[365]}"#);
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let shuffled = format!("{header}\n{}\n", lines.join("\n"));
    let b = run(&shuffled, r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","times":[365]}"#);
    for (x, y) in a.km.iter().zip(&b.km) {
        assert_eq!(x.steps, y.steps);
        assert_eq!(x.at, y.at);
    }
    assert_eq!(a.logrank, b.logrank);
}

#[test]
fn residuals_of_large_models_come_when_asked() {
    // Every row an event: 20,001 events, one above RESIDUALS_UNASKED_MAX_EVENTS.
    let n = cohort::stats::cox::RESIDUALS_UNASKED_MAX_EVENTS + 1;
    let mut csv = String::from("time,status,x\n");
    for i in 0..n {
        csv.push_str(&format!("{},1,{}\n", 1 + (i * 7919) % 997, (i * 104_729 % 1000) as f64 / 100.0));
    }
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"covariates":["x"]}"#;
    let plain = run(&csv, spec);
    let ph = plain.cox.as_ref().unwrap().ph_test.as_ref().unwrap();
    assert!(ph.residuals.is_none());
    let asked = run(&csv, &spec.replace(r#""covariates""#, r#""ph_residuals":true,"covariates""#));
    let ph2 = asked.cox.as_ref().unwrap().ph_test.as_ref().unwrap();
    assert_eq!(ph2.residuals.as_ref().unwrap().events, n);
    // The test itself does not depend on them.
    assert_eq!(ph.global.p, ph2.global.p);
    assert_eq!(plain.cox.as_ref().unwrap().terms, asked.cox.as_ref().unwrap().terms);
}
