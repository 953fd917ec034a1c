//! Speed of the propensity-score weighting against the unweighted analysis, on the bench's
//! synthetic cohort with the design columns (`cohort::bench::synthetic_csv_designs`, 10^5 rows
//! by default), whose two-level treatment `trt` is drawn from a logistic model of x1, x2 and x3
//! (so the weights vary).
//! Issue 18 asks that propensity + weighted Kaplan-Meier + weighted Cox run within 1.5× the
//! unweighted Kaplan-Meier + Cox of the same treatment. Prints each timing (best of 5) and the
//! ratio. Run natively in release:
//!
//!     cargo test --release --test adjusted_speed -- --ignored --nocapture
//!
//! `ADJUSTED_SPEED_N` overrides the number of rows.

use std::time::Instant;

use cohort::{analyze, AnalysisSpec};

#[test]
#[ignore]
fn propensity_weighting_against_the_unweighted_analysis() {
    let n: usize = std::env::var("ADJUSTED_SPEED_N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let csv = cohort::bench::synthetic_csv_designs(n, 1);
    let table = cohort::read_table(csv.as_bytes(), "adjusted.csv", &Default::default()).unwrap();
    let event = r#""event":{"column":"status","event":["1"],"censored":["0","2"]}"#;
    let time = |spec: &str| {
        let spec = AnalysisSpec::from_json(spec).unwrap();
        (0..5)
            .map(|_| {
                let a = Instant::now();
                let r = analyze(&table, &spec).unwrap();
                assert_eq!(r.km.len(), 2);
                assert!(r.cox.is_some(), "{:?}", r.warnings);
                a.elapsed().as_secs_f64() * 1000.0
            })
            .fold(f64::INFINITY, f64::min)
    };
    let plain_spec = format!(r#"{{"time":"time",{event},"group":"trt","covariates":["trt"]}}"#);
    let ps = |covs: &str, estimand: &str| {
        format!(r#"{{"time":"time",{event},"group":"trt","propensity":{{"treatment":"trt","covariates":{covs},"estimand":"{estimand}","stabilize":true}}}}"#)
    };
    // `ADJUSTED_SPEED_PROFILE=plain|weighted`: run that analysis for about 20 s (under `perf`).
    if let Ok(which) = std::env::var("ADJUSTED_SPEED_PROFILE") {
        let spec = AnalysisSpec::from_json(&if which == "plain" { plain_spec } else { ps(r#"["x1","x2","x3"]"#, "ATE") }).unwrap();
        let start = Instant::now();
        while start.elapsed().as_secs() < 20 {
            analyze(&table, &spec).unwrap();
        }
        return;
    }
    let plain = time(&plain_spec);
    // The bench's (`cohort bench`): the three confounders of the treatment's model.
    let weighted3 = time(&ps(r#"["x1","x2","x3"]"#, "ATE"));
    let five = r#"["x1","x2","x3","x4","x5"]"#;
    let weighted = time(&ps(five, "ATE"));
    let att = time(&ps(five, "ATT"));
    println!(
        "{n} rows (best of 5, ms): Kaplan-Meier + log-rank + Cox of trt {plain:.1}; propensity (ATE, stabilised) + weighted KM + weighted Cox: x1..x3 {weighted3:.1} ({:.2}×), x1..x5 {weighted:.1} ({:.2}×); ATT x1..x5 {att:.1} ({:.2}×)",
        weighted3 / plain,
        weighted / plain,
        att / plain
    );
}
