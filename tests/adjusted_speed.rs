//! Speed of the propensity-score weighting against the unweighted analysis, on the bench's
//! synthetic cohort (`cohort::bench::synthetic_csv`, 10^5 rows by default) with a two-level
//! treatment `trt` added, assigned by a logistic model of x1, x2 and x3 (so the weights vary).
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
    let csv = cohort::bench::synthetic_csv(n, 1);
    let mut rng = cohort::bench::SplitMix64(18);
    let mut out = String::with_capacity(csv.len() + n * 4);
    for (i, line) in csv.lines().enumerate() {
        out.push_str(line);
        if i == 0 {
            out.push_str(",trt\n");
            continue;
        }
        let x: Vec<f64> = line.split(',').skip(3).take(3).map(|v| v.parse().unwrap()).collect();
        let lp = -0.2 + 0.8 * x[0] - 0.5 * x[1] + 0.3 * x[2];
        let treated = rng.uniform() < 1.0 / (1.0 + (-lp).exp());
        out.push_str(if treated { ",B\n" } else { ",A\n" });
    }
    let table = cohort::read_table(out.as_bytes(), "adjusted.csv", &Default::default()).unwrap();
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
    let plain = time(&format!(r#"{{"time":"time",{event},"group":"trt","covariates":["trt"]}}"#));
    let weighted = time(&format!(
        r#"{{"time":"time",{event},"group":"trt","propensity":{{"treatment":"trt","covariates":["x1","x2","x3","x4","x5"],"estimand":"ATE","stabilize":true}}}}"#
    ));
    let att = time(&format!(
        r#"{{"time":"time",{event},"group":"trt","propensity":{{"treatment":"trt","covariates":["x1","x2","x3","x4","x5"],"estimand":"ATT"}}}}"#
    ));
    println!("{n} rows (best of 5, ms): Kaplan-Meier + log-rank + Cox of trt {plain:.1}; propensity (5 confounders, ATE) + weighted KM + weighted Cox {weighted:.1} ({:.2}×); ATT {att:.1} ({:.2}×)", weighted / plain, att / plain);
}
