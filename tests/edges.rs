//! Edge cases found by comparing random cohorts with R (issue "Correctness at the edges"): where
//! R leaves a value undefined or stops, the report carries null and a warning that says why;
//! where R returns a degenerate value, we keep it and warn. Each case quotes the R call.

use cohort::{analyze_bytes, AnalysisSpec, Report};

fn run(csv: &str, spec: &str) -> Report {
    analyze_bytes(csv.as_bytes(), "t.csv", &AnalysisSpec::from_json(spec).unwrap()).unwrap()
}

/// survdiff(Surv(t, s) ~ g + strata(st)) stops in R when no stratum holds two groups
/// ("system is exactly singular"): null, and a warning that says why.
#[test]
fn stratified_logrank_without_information() {
    let csv = "t,s,g,st\n1,1,a,x\n2,1,a,x\n3,0,a,x\n4,1,b,y\n5,1,b,y\n6,0,b,y\n";
    let r = run(csv, r#"{"time":"t","event":{"column":"s","event":["1"]},"group":"g","strata":"st"}"#);
    let lr = r.logrank.clone().expect("a log-rank block");
    assert!(lr.chisq.is_nan() && lr.p.is_nan());
    assert!(r.warnings.iter().any(|w| w.contains("log-rank") && w.contains("singular") && w.contains("stratum")), "{:?}", r.warnings);
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["logrank"]["chisq"].is_null() && json["logrank"]["p"].is_null(), "{}", json["logrank"]);
}

/// print(survfit(Surv(t, s) ~ g), rmean = 4): group a's first time is 5, so its RMST is
/// 4 (τ) with se 0 — kept, with a warning.
#[test]
fn rmst_tau_before_a_groups_first_time() {
    let csv = "t,s,g\n5,1,a\n6,0,a\n7,1,a\n1,1,b\n2,1,b\n3,0,b\n";
    let r = run(csv, r#"{"time":"t","event":{"column":"s","event":["1"]},"group":"g","rmst_tau":4}"#);
    let a = r.km[0].rmst.as_ref().unwrap();
    assert_eq!((a.estimate, a.std_err), (4.0, 0.0));
    assert!(r.warnings.iter().any(|w| w.contains("rmst_tau 4") && w.contains("'a'") && w.contains("first time")), "{:?}", r.warnings);
    assert!(!r.warnings.iter().any(|w| w.contains("'b'")), "{:?}", r.warnings);
}

/// Table 1 by a group whose column is entirely missing: the note names the group and the test
/// used on the others, and why.
#[test]
fn table1_with_one_groups_column_missing() {
    let csv = "t,s,g,age\n1,1,a,50\n2,0,a,61\n3,1,a,47\n4,1,b,\n5,0,b,\n6,1,c,70\n7,1,c,66\n8,0,c,72\n";
    let r = run(csv, r#"{"time":"t","event":{"column":"s","event":["1"]},"group":"g","table1":["age"]}"#);
    let row = &r.table1.as_ref().unwrap()[0];
    assert_eq!(row.test, Some("wilcoxon"));
    let note = row.note.as_deref().unwrap_or("");
    assert!(note.contains("'b'") && note.contains("Wilcoxon rank-sum test of the two groups with values ('a', 'c')"), "{note}");
    let json = serde_json::to_value(&row.groups[1]).unwrap();
    assert!(json["mean"].is_null() && json["sd"].is_null() && json["median"].is_null(), "{json}");
}
