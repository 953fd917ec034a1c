//! The spec's `labels`: level labels rename the groups (figure, tables, tests) and Table 1's
//! categories, variable labels name Table 1's rows; the statistics do not change (R's
//! `survdiff(Surv(time, status) ~ ph.ecog, lung)` is the same test whatever the levels are called,
//! and the trend test keeps scoring the file's values); two levels may not share a label.

use cohort::report::Report;

fn lung(spec: serde_json::Value) -> cohort::Result<Report> {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let spec: cohort::AnalysisSpec = serde_json::from_value(spec).unwrap();
    cohort::analyze::analyze_bytes(&bytes, "lung.csv", &spec)
}

#[test]
fn level_labels_rename_groups_and_leave_the_numbers() {
    let base = serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": "ph.ecog", "table1": ["sex", "age"], "table1_codes": true});
    let mut labelled = base.clone();
    labelled["labels"] = serde_json::json!({
        "levels": {"ph.ecog": {"0": "fully active", "1": "restricted", "2": "ambulatory", "3": "limited self-care"}, "sex": {"1": "Male", "2": "Female"}},
        "variables": {"sex": "Sex", "age": "Age (years)"}
    });
    let a = lung(base).unwrap();
    let b = lung(labelled).unwrap();
    assert_eq!(b.groups, ["fully active", "restricted", "ambulatory", "limited self-care"]);
    assert_eq!(b.km.iter().map(|k| k.group.clone().unwrap()).collect::<Vec<_>>(), b.groups);
    for (x, y) in a.km.iter().zip(&b.km) {
        assert_eq!((x.n, x.events, x.median), (y.n, y.events, y.median));
    }
    assert_eq!(a.logrank.as_ref().unwrap().chisq, b.logrank.as_ref().unwrap().chisq);
    assert_eq!(a.trend.as_ref().unwrap().chisq, b.trend.as_ref().unwrap().chisq, "trend scores stay the file's 0..3");
    let t1 = b.table1.as_ref().unwrap();
    let sex = t1.iter().find(|r| r.variable == "sex").unwrap();
    assert_eq!(sex.label.as_deref(), Some("Sex"));
    let levels: Vec<&str> = sex.groups[0].levels.as_ref().unwrap().iter().map(|l| l.level.as_str()).collect();
    assert_eq!(levels, ["Male", "Female"]);
    assert_eq!(t1.iter().find(|r| r.variable == "age").unwrap().label.as_deref(), Some("Age (years)"));
    let md = cohort::stats::table1::to_markdown(t1);
    assert!(md.contains("Sex, n (%)") && md.contains("Age (years), mean (SD)"), "{md}");
    // The spec (and so the share link) keeps the labels.
    assert!(b.spec.as_ref().unwrap().to_json().contains("\"labels\""));
}

#[test]
fn two_levels_with_one_label_are_refused() {
    let e = lung(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": "sex",
        "labels": {"levels": {"sex": {"1": "Patients", "2": "Patients"}}}}))
    .unwrap_err()
    .to_string();
    assert!(e.contains("labels.levels.sex: '1' and '2' would both be shown as 'Patients'"), "{e}");
}

#[test]
fn table1_counts_codes_and_site_numbers_instead_of_averaging_them() {
    // lung: sex (1/2) and ph.ecog (0-3) are codes, inst (18 institutions) a site code, age a number.
    // With the page's default `table1_codes` (the contract, without it, describes them as numbers).
    let r = lung(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "table1": ["inst", "sex", "ph.ecog", "age"], "table1_codes": true})).unwrap();
    let t1 = r.table1.unwrap();
    let ty = |v: &str| t1.iter().find(|r| r.variable == v).unwrap().r#type;
    assert_eq!((ty("inst"), ty("sex"), ty("ph.ecog"), ty("age")), ("categorical", "categorical", "categorical", "numeric"));
    assert!(t1[0].note.as_deref().unwrap().contains("18 site codes"));
    // R: table(lung$sex) = 138 / 90.
    let sex = t1.iter().find(|r| r.variable == "sex").unwrap();
    let counts: Vec<usize> = sex.groups[0].levels.as_ref().unwrap().iter().map(|l| l.count).collect();
    assert_eq!(counts, [138, 90]);
    // Without `table1_codes` the contract's rule: a numeric column not in `categorical` is numeric.
    let r = lung(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "table1": ["sex"]})).unwrap();
    assert_eq!(r.table1.unwrap()[0].r#type, "numeric");
    // The spec's `numeric` keeps a mean: R mean(lung$sex) = 1.394737.
    let r = lung(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "table1": ["sex"], "numeric": ["sex"], "table1_codes": true})).unwrap();
    let sex = &r.table1.unwrap()[0];
    assert_eq!(sex.r#type, "numeric");
    assert!((sex.groups[0].mean.unwrap() - 1.394737).abs() < 1e-6);
}
