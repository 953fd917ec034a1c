//! A numeric time column with a unit: `{"column": "time", "unit": "days", "display": "months"}`
//! converts durations with the date path's factors (a month is 365.25/12 days), so medians,
//! landmarks (`times`, in the display unit) and `time_unit` are in months.

use cohort::{analyze_bytes, AnalysisSpec};

fn lung(time: &str, extra: &str) -> cohort::Report {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let spec = AnalysisSpec::from_json(&format!(r#"{{"time":{time},"event":{{"column":"status","event":["2"]}},"group":"sex"{extra}}}"#)).unwrap();
    analyze_bytes(&bytes, "lung.csv", &spec).unwrap()
}

#[test]
fn days_shown_in_months_match_r() {
    let r = lung(r#"{"column":"time","unit":"days","display":"months"}"#, r#","times":[6,12]"#);
    assert_eq!(r.time_unit, Some("months"));
    // library(survival); f <- survfit(Surv(time * 1 / 30.4375, status) ~ sex, lung)
    // summary(f)$table[, "median"]: 8.8706365503080082 13.9958932238193015
    let med: Vec<f64> = r.km.iter().map(|k| k.median.unwrap()).collect();
    assert!((med[0] - 8.8706365503080082).abs() < 1e-12 && (med[1] - 13.9958932238193015).abs() < 1e-12, "{med:?}");
    // summary(f, times = c(6, 12))$surv: 0.62981806968856036 0.33608783463937864 (sex=1),
    // 0.83053689283302568 0.52646303018590557 (sex=2)
    let surv: Vec<f64> = r.km.iter().flat_map(|k| k.at.iter().map(|a| a.surv)).collect();
    let want = [0.62981806968856036, 0.33608783463937864, 0.83053689283302568, 0.52646303018590557];
    for (g, w) in surv.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{surv:?}");
    }
    assert_eq!(surv.len(), 4);
    // The log-rank test does not depend on the unit: survdiff(Surv(time, status) ~ sex, lung)
    // chisq 10.326708962477986 (the plain-days analysis gives the same).
    let days = lung(r#""time""#, "");
    assert!((r.logrank.as_ref().unwrap().chisq - days.logrank.as_ref().unwrap().chisq).abs() < 1e-9);
    assert_eq!(days.time_unit, None);
}

#[test]
fn unit_alone_labels_without_converting() {
    // Recorded in days, shown in days: same numbers as the bare column, and the unit is named.
    let r = lung(r#"{"column":"time","unit":"days"}"#, "");
    let plain = lung(r#""time""#, "");
    assert_eq!(r.time_unit, Some("days"));
    assert_eq!(r.km.iter().map(|k| k.median).collect::<Vec<_>>(), plain.km.iter().map(|k| k.median).collect::<Vec<_>>());
    // Weeks → years: 52 weeks = 364 days = 364 / 365.25 years.
    let csv = "t,s\n52,1\n104,0\n";
    let spec = AnalysisSpec::from_json(r#"{"time":{"column":"t","unit":"weeks","display":"years"},"event":{"column":"s","event":["1"]}}"#).unwrap();
    let r = analyze_bytes(csv.as_bytes(), "x.csv", &spec).unwrap();
    assert_eq!(r.time_unit, Some("years"));
    assert!((r.km[0].steps[0].time - 364.0 / 365.25).abs() < 1e-12, "{}", r.km[0].steps[0].time);
}

#[test]
fn spec_round_trips_and_refuses_unknown_units() {
    let s = r#"{"time":{"column":"futime","unit":"days","display":"months"},"event":{"column":"status","event":["2"]}}"#;
    let spec = AnalysisSpec::from_json(s).unwrap();
    assert_eq!(spec.time.column(), Some("futime"));
    assert_eq!(spec.to_json(), s);
    assert!(AnalysisSpec::from_json(r#"{"time":{"column":"futime","unit":"fortnights"},"event":{"column":"status","event":["2"]}}"#).is_err());
    let r = cohort::export::r_script(&spec, "x.csv");
    assert!(r.contains(r#"d$.time <- as.numeric(d[["futime"]]) * 1 / 30.4375  # days to months"#), "{r}");
}
