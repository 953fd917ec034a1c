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

/// One rule for every model: the complete cases of its own terms, as R's model frame. Rows
/// with a blank group or strata are left out of the curves (with a warning) but stay in the
/// parametric model, whose terms are its covariates (here none): R's
/// survreg(Surv(t, s) ~ 1, dist = "exponential") on all 10 rows, intercept log(Σt / Σd).
/// The Cox model has the strata as a term: coxph(Surv(t, s) ~ x + strata(st)) drops the row
/// without a stratum, not the one without a group.
#[test]
fn each_model_uses_the_complete_cases_of_its_own_terms() {
    let csv = "t,s,g,st,x\n1,1,a,u,0.5\n2,1,a,u,1.5\n3,0,,v,2.0\n4,1,b,,0.1\n5,1,b,v,0.9\n6,0,a,v,1.1\n7,1,,u,0.3\n8,1,b,u,2.2\n9,0,b,v,1.7\n10,1,a,u,0.8\n";
    let r = run(csv, r#"{"time":"t","event":{"column":"s","event":["1"]},"group":"g","strata":"st","parametric":["exponential"]}"#);
    assert_eq!(r.n, 7, "curves: rows with a group and a stratum");
    let p = &r.parametric[0];
    assert_eq!(p.n, 10);
    let want = (55.0f64 / 7.0).ln();
    assert!((p.terms[0].coef - want).abs() < 1e-6, "{} vs {want}", p.terms[0].coef);
    let r = run(csv, r#"{"time":"t","event":{"column":"s","event":["1"]},"group":"g","strata":"st","covariates":["x"]}"#);
    assert_eq!(r.cox.as_ref().unwrap().n, 9, "Cox: every row with a stratum");
}

/// The Fine-Gray model's terms are its covariates: rows without a group or stratum stay in it
/// (cmprsk::crr(t, s, cov1 = x) on all 12 rows).
#[test]
fn fine_gray_keeps_rows_without_a_group() {
    let csv = "t,s,g,x\n1,1,a,0.5\n2,2,a,1.5\n3,0,,2.0\n4,1,b,0.1\n5,2,b,0.9\n6,0,a,1.1\n7,1,,0.3\n8,1,b,2.2\n9,0,b,1.7\n10,1,a,0.8\n11,2,,1.2\n12,1,b,0.4\n";
    let r = run(csv, r#"{"time":"t","event":{"column":"s","event":["1"],"competing":["2"]},"group":"g","covariates":["x"]}"#);
    assert_eq!(r.n, 9);
    let fg = r.finegray.as_ref().expect("a Fine-Gray model");
    assert_eq!(fg.n, 12);
    // R: crr(d$t, d$s, cov1 = cbind(x = d$x))$coef = -1.27302152091415
    assert!((fg.terms[0].coef + 1.27302152091415).abs() < 1e-6 * 1.273, "{}", fg.terms[0].coef);
}

/// A text covariate's levels are those of the model's own rows, as R's model frame makes a
/// factor of a text column after dropping incomplete rows: every 'I' row lacks age, so 'II' is
/// the reference and no NA term appears. R: d <- read.csv(...); coef(coxph(Surv(t, s) ~ stage
/// + age, d)) = stageIII -0.49418558136318513, age -0.00189917021987892.
#[test]
fn categorical_levels_come_from_the_models_rows() {
    let csv = "t,s,stage,age\n1,1,I,\n2,1,II,50\n3,0,III,61\n4,1,II,47\n5,1,III,70\n6,0,I,\n7,1,II,66\n8,1,III,72\n9,0,II,58\n10,1,III,49\n11,1,II,63\n12,0,III,55\n";
    let r = run(csv, r#"{"time":"t","event":{"column":"s","event":["1"]},"covariates":["stage","age"]}"#);
    let terms = &r.cox.as_ref().unwrap().terms;
    assert_eq!(terms.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["stage=III", "age"]);
    assert!((terms[0].coef + 0.49418558136318513).abs() < 1e-7, "{}", terms[0].coef);
    assert!((terms[1].coef + 0.00189917021987892).abs() < 1e-9, "{}", terms[1].coef);
}
