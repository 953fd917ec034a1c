//! Every number of a set of Cox fits, printed exactly (JSON with shortest round-trip floats),
//! so that two builds can be compared bit for bit: `cargo run --release --example cox_bits --
//! [FILE.csv] > out.txt`, then `diff` the outputs of the builds (not a test: it prints).
//!
//! The fits: the bench's file (10 covariates; Efron and Breslow; with x1's sign as strata and
//! with a cluster), when FILE is given; and seeded synthetic cohorts with continuous and tied
//! times, strata, clusters, delayed entry and case weights.

use cohort::rng::SplitMix64;
use cohort::spec::Ties;
use cohort::stats::cox::{coxph_extra, CoxExtra, CoxInput, Residuals};

fn print_fit(label: &str, input: &CoxInput, extra: CoxExtra) {
    match coxph_extra(input, extra, Residuals::Always) {
        Ok(fit) => {
            let json = serde_json::to_string(&fit).unwrap_or_else(|e| format!("serialise: {e}"));
            println!("{label}: {json}");
            println!("{label} warnings: {:?}", fit.warnings);
        }
        Err(e) => println!("{label}: error {e}"),
    }
}

/// A synthetic cohort: n rows, p covariates (one binary), times whole (tied) or continuous.
#[allow(clippy::type_complexity)]
fn synthetic(n: usize, p: usize, tied: bool, seed: u64) -> (Vec<f64>, Vec<u8>, Vec<Vec<f64>>, Vec<u32>, Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix64(seed);
    let x: Vec<Vec<f64>> = (0..p).map(|j| (0..n).map(|_| if j == 0 { (rng.uniform() < 0.4) as u8 as f64 } else { rng.uniform() * 4.0 - 2.0 }).collect()).collect();
    let mut time = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    for i in 0..n {
        let eta: f64 = x.iter().enumerate().map(|(j, c)| c[i] * (0.3 - 0.1 * j as f64)).sum();
        let t = -rng.uniform().max(1e-12).ln() / (0.01 * eta.exp());
        let c = rng.uniform() * 300.0;
        let v = t.min(c);
        time.push(if tied { v.ceil() } else { v + 0.001 });
        status.push((t <= c) as u8);
    }
    let strata: Vec<u32> = (0..n).map(|_| (rng.next_u64() % 3) as u32).collect();
    let entry: Vec<f64> = time.iter().map(|&t| if rng.uniform() < 0.5 { 0.0 } else { (t * rng.uniform()).floor().min(t - 0.5) }).collect();
    let weights: Vec<f64> = (0..n).map(|_| 0.5 + rng.uniform() * 2.0).collect();
    (time, status, x, strata, entry, weights)
}

fn synthetic_fits() {
    for (n, p, tied, seed) in [(3000, 5, true, 1), (3000, 4, false, 2), (20000, 7, true, 3)] {
        let (time, status, x, strata, entry, weights) = synthetic(n, p, tied, seed);
        let names: Vec<String> = (0..p).map(|j| format!("x{j}")).collect();
        let cluster: Vec<u32> = (0..n as u32).map(|i| i / 3).collect();
        for ties in [Ties::Efron, Ties::Breslow] {
            let tag = format!("synth n={n} p={p} tied={tied} {}", ties.name());
            let base = CoxInput { time: &time, status: &status, x: &cohort::stats::cols(&x), names: &names, strata: None, cluster: None, ties };
            print_fit(&format!("{tag} plain"), &base, CoxExtra::default());
            print_fit(&format!("{tag} strata"), &CoxInput { strata: Some(&strata), ..base }, CoxExtra::default());
            print_fit(&format!("{tag} cluster"), &CoxInput { cluster: Some(&cluster), ..base }, CoxExtra::default());
            print_fit(&format!("{tag} entry"), &base, CoxExtra { entry: Some(&entry), weights: None });
            print_fit(&format!("{tag} weights"), &base, CoxExtra { entry: None, weights: Some(&weights) });
            print_fit(&format!("{tag} strata+entry+weights"), &CoxInput { strata: Some(&strata), ..base }, CoxExtra { entry: Some(&entry), weights: Some(&weights) });
        }
    }
}

fn file_fits(path: &str) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let table = cohort::read_table(&bytes, path, &Default::default()).map_err(|e| e.to_string())?;
    drop(bytes);
    let spec = cohort::AnalysisSpec::from_json(
        r#"{"time":"time","event":{"column":"status","event":["1"],"censored":["0","2"]},"covariates":["x1","x2","x3","x4","x5","x6","x7","x8","x9","x10"]}"#,
    )
    .map_err(|e| e.to_string())?;
    let mut warnings = Vec::new();
    let prep = cohort::prepare::prepare(&table, &spec, &mut warnings).map_err(|e| e.to_string())?;
    let d = cohort::prepare::design(&table, &spec, &prep, &spec.covariates, &mut warnings).map_err(|e| e.to_string())?;
    let n = d.time.len();
    let strata: Vec<u32> = d.x[0].iter().map(|&v| (v > 0.0) as u32).collect();
    let cluster: Vec<u32> = (0..n as u32).map(|i| i / 4).collect();
    for ties in [Ties::Efron, Ties::Breslow] {
        let base = d.cox_input(ties);
        print_fit(&format!("file {}", ties.name()), &base, CoxExtra::default());
        if ties == Ties::Efron {
            print_fit("file strata", &CoxInput { strata: Some(&strata), ..base }, CoxExtra::default());
            print_fit("file cluster", &CoxInput { cluster: Some(&cluster), ..base }, CoxExtra::default());
        }
    }
    Ok(())
}

fn main() -> Result<(), String> {
    synthetic_fits();
    if let Some(path) = std::env::args().nth(1) {
        file_fits(&path)?;
    }
    Ok(())
}
