//! Issue 18's comparison natively: the propensity-weighted analysis (ATE stabilised on x1..x3,
//! weighted Kaplan-Meier by `trt`, weighted Cox of `trt`) against the unweighted one (KM +
//! log-rank by `trt`, Cox of `trt`), on one parsed table, in turns, as `bench::run` times them:
//!
//!     cohort synth 100000 7 --designs > /tmp/d100k.csv
//!     cargo run --release --example prop_profile -- /tmp/d100k.csv [ROUNDS]
//!
//! Prints the min and median milliseconds of each spec and their ratio (not a test). Under
//! `perf record` it is the profile of the two analyses alone.

use std::time::Instant;

use cohort::AnalysisSpec;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: prop_profile FILE.csv [ROUNDS]")?;
    let rounds: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(40);
    let only = std::env::var("PROP_ONLY").unwrap_or_default();
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let table = cohort::read_table(&bytes, path, &Default::default()).map_err(|e| e.to_string())?;
    let event = r#""event":{"column":"status","event":["1"],"censored":["0","2"]}"#;
    let plain = AnalysisSpec::from_json(&format!(r#"{{"time":"time",{event},"group":"trt","covariates":["trt"]}}"#)).map_err(|e| e.to_string())?;
    let ps = r#""propensity":{"treatment":"trt","covariates":["x1","x2","x3"],"estimand":"ATE","stabilize":true}"#;
    let weighted = AnalysisSpec::from_json(&format!(r#"{{"time":"time",{event},"group":"trt",{ps}}}"#)).map_err(|e| e.to_string())?;
    let (mut tp, mut tw) = (Vec::new(), Vec::new());
    for r in 0..rounds + 2 {
        let (a, b, c) = (Instant::now(), if only != "weighted" { Some(cohort::analyze(&table, &plain).map_err(|e| e.to_string())?) } else { None }, Instant::now());
        let w = if only != "plain" { Some(cohort::analyze(&table, &weighted).map_err(|e| e.to_string())?) } else { None };
        let d = Instant::now();
        std::hint::black_box((b, w));
        if r >= 2 {
            tp.push((c - a).as_secs_f64() * 1e3);
            tw.push((d - c).as_secs_f64() * 1e3);
        }
    }
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    println!("plain    min {:.2} ms  median {:.2} ms", min(&tp), median(tp.clone()));
    println!("weighted min {:.2} ms  median {:.2} ms", min(&tw), median(tw.clone()));
    println!("ratio    min {:.3}  median {:.3}", min(&tw) / min(&tp), median(tw) / median(tp));
    Ok(())
}
