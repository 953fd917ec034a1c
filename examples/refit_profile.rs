//! Where the time of the page's refit goes, natively (no browser): the steps the engine's worker
//! runs on a covariate tick (`Session::run_delta` → `analyze_cached`, the report's JSON, the
//! methods paragraph with disclosure, the forest plot) and on a confidence-band toggle (the
//! survival figure only), on one file, as the bench's toggle rows do at 10k rows:
//!
//!     cargo run --release --example refit_profile -- bench/out/synth-10000.csv
//!
//! Prints the median microseconds of each step over the toggles (not a test).

use std::time::Instant;

use cohort::analyze::{analyze_cached, AnalysisCache};
use cohort::plot::{render_svg, FigureKind, PlotOptions};
use cohort::AnalysisSpec;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: refit_profile FILE.csv")?;
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let table = cohort::read_table(&bytes, path, &Default::default()).map_err(|e| e.to_string())?;
    let cands: Vec<String> = (1..=10).map(|j| format!("\"x{j}\"")).collect();
    let spec_of = |covs: &[&str]| {
        let covs: Vec<String> = covs.iter().map(|c| format!("\"{c}\"")).collect();
        format!(
            r#"{{"time":"time","event":{{"column":"status","event":["1"],"censored":["0","2"]}},"group":"group","times":[365,730],"univariable":[{}],"covariates":[{}]}}"#,
            cands.join(","),
            covs.join(",")
        )
    };
    let mut cache = AnalysisCache::default();
    let mut ticked: Vec<&str> = Vec::new();
    let first = AnalysisSpec::from_json(&spec_of(&ticked)).map_err(|e| e.to_string())?;
    let mut prev = analyze_cached(&table, &first, &mut cache).map_err(|e| e.to_string())?;
    let (mut t_an, mut t_json, mut t_methods, mut t_forest, mut t_km) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..21 {
        let c = ["x1", "x2", "x3"][i % 3];
        match ticked.iter().position(|x| *x == c) {
            Some(k) => {
                ticked.remove(k);
            }
            None => ticked.push(c),
        }
        let a = Instant::now();
        let spec = AnalysisSpec::from_json(&spec_of(&ticked)).map_err(|e| e.to_string())?;
        let report = analyze_cached(&table, &spec, &mut cache).map_err(|e| e.to_string())?;
        let b = Instant::now();
        // As run_delta: the fields equal to the previous report's are left out of the JSON.
        let mut sent = report.clone();
        if sent.km == prev.km {
            sent.km = Vec::new();
        }
        let json = serde_json::to_string(&sent).map_err(|e| e.to_string())?;
        let c2 = Instant::now();
        let methods = cohort::export::methods_protected(&cohort::disclosure::protect(&report, Some(&table), 5));
        let d = Instant::now();
        // No model (nothing ticked): no forest plot, as on the page.
        let forest = render_svg(&report, &PlotOptions::default(), 800, 400, FigureKind::Forest).unwrap_or_default();
        let e = Instant::now();
        let opts = PlotOptions { conf_bands: i % 2 == 0, ..PlotOptions::default() };
        let km = render_svg(&report, &opts, 800, 520, FigureKind::Survival)?;
        let f = Instant::now();
        std::hint::black_box((json.len(), methods.len(), forest.len(), km.len()));
        if i >= 3 {
            let us = |x: Instant, y: Instant| (y - x).as_secs_f64() * 1e6;
            t_an.push(us(a, b));
            t_json.push(us(b, c2));
            t_methods.push(us(c2, d));
            t_forest.push(us(d, e));
            t_km.push(us(e, f));
        }
        prev = report;
    }
    println!(
        "{} rows, median µs per covariate tick: analyze_cached {:.0}, report JSON {:.0}, methods (disclosure) {:.0}, forest SVG {:.0}; confidence-band toggle (survival SVG) {:.0}",
        table.n_rows(),
        median(t_an),
        median(t_json),
        median(t_methods),
        median(t_forest),
        median(t_km)
    );
    Ok(())
}
