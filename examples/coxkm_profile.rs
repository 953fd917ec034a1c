//! Where the time of `cohort bench`'s `km_logrank` and `cox` steps goes, on one file (prints
//! figures; not a test): the KM + log-rank analysis and its row preparation, and the Cox
//! analysis split into its row preparation, the design matrix and the fit's own steps
//! (`coxph_timed`: sort, matrix, null_pass, fit, variance, robust, concordance, ph_test).
//! Median of REPS.
//! Each step is a separate non-inlined function, so `perf record -g` or callgrind
//! (`--toggle-collect='coxkm_profile::step_*'`) can attribute it:
//!
//!     cargo run --release --example coxkm_profile -- bench/out/synth-1000000.csv [REPS] [km|cox]

use std::time::Instant;

use cohort::prepare::{design, prepare, Design, Prepared};
use cohort::stats::cox::{coxph_timed, CoxExtra, Residuals};
use cohort::{AnalysisSpec, Table};

const KM: &str = r#"{"time":"time","event":{"column":"status","event":["1"],"censored":["0","2"]},"group":"group"}"#;
const COX: &str = r#"{"time":"time","event":{"column":"status","event":["1"],"censored":["0","2"]},"covariates":["x1","x2","x3","x4","x5","x6","x7","x8","x9","x10"]}"#;

#[inline(never)]
fn step_prepare(table: &Table, spec: &AnalysisSpec) -> Prepared {
    prepare(table, spec, &mut Vec::new()).expect("prepare")
}

#[inline(never)]
fn step_analyze(table: &Table, spec: &AnalysisSpec) -> usize {
    cohort::analyze(table, spec).map(|r| r.km.len()).expect("analyze")
}

#[inline(never)]
fn step_design<'t>(table: &'t Table, spec: &AnalysisSpec, prep: &'t Prepared) -> Design<'t> {
    design(table, spec, prep, &spec.covariates, &mut Vec::new()).expect("design")
}

#[inline(never)]
fn step_coxph(d: &Design, spec: &AnalysisSpec) -> (Vec<(&'static str, f64)>, usize) {
    let origin = Instant::now();
    let now = || origin.elapsed().as_secs_f64() * 1e3;
    let (fit, laps) = coxph_timed(&d.cox_input(spec.ties), CoxExtra::default(), Residuals::Auto, &now).expect("coxph");
    (laps, fit.iterations)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t0 = Instant::now();
    let out = f();
    (out, t0.elapsed().as_secs_f64() * 1e3)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: coxkm_profile FILE [REPS] [km|cox]");
        std::process::exit(2);
    };
    let reps: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let which = args.get(3).map(String::as_str).unwrap_or("both");
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let table = cohort::read_table(&bytes, path, &Default::default()).expect("read");
    drop(bytes);
    let (km, cox) = (AnalysisSpec::from_json(KM).expect("spec"), AnalysisSpec::from_json(COX).expect("spec"));
    println!("{} rows, median of {reps}", table.n_rows());
    if which != "cox" {
        let (mut prep_ms, mut all_ms) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            prep_ms.push(timed(|| step_prepare(&table, &km)).1);
            all_ms.push(timed(|| step_analyze(&table, &km)).1);
        }
        println!("km_logrank: analyze {:.1} ms, of which preparing the rows {:.1} ms", median(all_ms), median(prep_ms));
    }
    if which != "km" {
        let (mut prep_ms, mut design_ms, mut fit_ms, mut all_ms) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut steps: Vec<Vec<f64>> = Vec::new();
        let mut names = Vec::new();
        let mut iterations = 0;
        for _ in 0..reps {
            let (prep, a) = timed(|| step_prepare(&table, &cox));
            let (d, b) = timed(|| step_design(&table, &cox, &prep));
            let ((laps, its), c) = timed(|| step_coxph(&d, &cox));
            iterations = its;
            drop(d);
            drop(prep);
            prep_ms.push(a);
            design_ms.push(b);
            fit_ms.push(c);
            steps.resize(laps.len(), Vec::new());
            names = laps.iter().map(|l| l.0).collect();
            for (s, l) in steps.iter_mut().zip(&laps) {
                s.push(l.1);
            }
            all_ms.push(timed(|| step_analyze(&table, &cox)).1);
        }
        let parts: Vec<String> = names.iter().zip(steps).map(|(n, s)| format!("{n} {:.1}", median(s))).collect();
        println!(
            "cox: analyze {:.1} ms; prepare rows {:.1}, design {:.1}, coxph {:.1} ({}; {iterations} iterations)",
            median(all_ms),
            median(prep_ms),
            median(design_ms),
            median(fit_ms),
            parts.join(", ")
        );
    }
}
