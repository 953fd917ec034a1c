//! Crossed groups (`"group": ["a", "b"]`): levels as R's `survfit(Surv(t, s) ~ a + b)` strata,
//! rows missing either column excluded and named, unknown columns refused by name.

use cohort::{analyze_bytes, AnalysisSpec};

fn run(csv: &str, group: &str) -> cohort::Result<cohort::Report> {
    let spec = AnalysisSpec::from_json(&format!(r#"{{"time":"t","event":{{"column":"s","event":["1"]}},"group":{group}}}"#))?;
    analyze_bytes(csv.as_bytes(), "x.csv", &spec)
}

#[test]
fn levels_are_present_combinations_first_column_slowest() {
    // a ∈ {x, y}, b ∈ {1, 2, 10}; (y, 2) never occurs; the last row lacks b.
    // Levels in R's order: b sorts numerically (1 < 2 < 10), a varies slowest, absent (y, 2) dropped.
    let csv = "t,s,a,b\n1,1,y,10\n2,0,x,2\n3,1,x,1\n4,1,y,1\n5,0,x,10\n6,1,y,1\n7,1,x,2\n8,0,y,\n";
    let r = run(csv, r#"["a","b"]"#).unwrap();
    assert_eq!(r.groups, ["a=x, b=1", "a=x, b=2", "a=x, b=10", "a=y, b=1", "a=y, b=10"]);
    let n: Vec<usize> = r.km.iter().map(|c| c.n).collect();
    assert_eq!(n, [1, 2, 1, 2, 1]);
    assert!(r.warnings.iter().any(|w| w.contains("group 'b' is missing")), "{:?}", r.warnings);
    let lr = r.logrank.as_ref().unwrap();
    assert_eq!(lr.df, 4.0);
    // No trend test along crossed levels: they have no order.
    assert!(r.trend.is_none());
    // Reversed order: b slowest.
    let r = run(csv, r#"["b","a"]"#).unwrap();
    assert_eq!(r.groups, ["b=1, a=x", "b=1, a=y", "b=2, a=x", "b=10, a=x", "b=10, a=y"]);
}

#[test]
fn unknown_crossed_column_is_named() {
    let e = run("t,s,a\n1,1,x\n2,0,y\n", r#"["a","nope"]"#).unwrap_err().to_string();
    assert!(e.contains("nope"), "{e}");
}
