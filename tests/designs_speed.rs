//! Speed of the study designs against the right-censored fast paths, on the bench's synthetic
//! 10^6-row cohort with the design columns (`cohort::bench::synthetic_csv_designs`: `entry`, 0
//! for half the rows, else a whole day before the exit; `tx`, an exposure day in 1..1500 for
//! half the rows, else blank). Prints each timing and the ratios the issue asks for (Kaplan-Meier
//! and log-rank with delayed entry ≤ 2× the right-censored ones; Cox on the rows split at `tx`
//! ≤ 3× the right-censored Cox). Run natively in release:
//!
//!     cargo test --release --test designs_speed -- --ignored --nocapture
//!
//! `DESIGNS_SPEED_N` overrides the number of rows.

use std::time::Instant;

use cohort::{analyze, AnalysisSpec};

#[test]
#[ignore]
fn designs_against_the_right_censored_paths() {
    let n: usize = std::env::var("DESIGNS_SPEED_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let csv = cohort::bench::synthetic_csv_designs(n, 1);
    let table = cohort::read_table(csv.as_bytes(), "designs.csv", &Default::default()).unwrap();
    let event = r#""event":{"column":"status","event":["1"],"censored":["0","2"]}"#;
    let covs = r#"["x1","x2","x3","x4","x5","x6","x7","x8","x9","x10"]"#;
    let time = |spec: String| {
        let spec = AnalysisSpec::from_json(&spec).unwrap();
        let best = (0..3)
            .map(|_| {
                let a = Instant::now();
                let r = analyze(&table, &spec).unwrap();
                assert!(r.km.len() + r.cox.iter().count() > 0);
                a.elapsed().as_secs_f64() * 1000.0
            })
            .fold(f64::INFINITY, f64::min);
        best
    };
    let km = time(format!(r#"{{"time":"time",{event},"group":"group"}}"#));
    let km_entry = time(format!(r#"{{"time":"time",{event},"group":"group","entry":"entry"}}"#));
    let cox = time(format!(r#"{{"time":"time",{event},"covariates":{covs}}}"#));
    let cox_split = time(format!(r#"{{"time":"time",{event},"covariates":{covs},"time_varying":[{{"name":"tx_on","at":"tx"}}]}}"#));
    let cox_split_tv = time(format!(
        r#"{{"time":"time",{event},"covariates":["x1","x2","x3","x4","x5","x6","x7","x8","x9","x10","tx_on"],"time_varying":[{{"name":"tx_on","at":"tx"}}]}}"#
    ));
    println!("{n} rows (best of 3, ms): KM + log-rank {km:.0}, with entry {km_entry:.0} ({:.2}×)", km_entry / km);
    println!("Cox 10 covariates {cox:.0}; on the rows split at tx {cox_split:.0} ({:.2}×), with tx_on as an 11th term {cox_split_tv:.0} ({:.2}×)", cox_split / cox, cox_split_tv / cox);
}
