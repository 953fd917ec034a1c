//! The `km_logrank` and `cuminc_gray` steps of `cohort bench`, split into preparation and
//! estimation, on one file (prints figures; not a test). Each step is a separate non-inlined
//! function so callgrind can count its instructions alone:
//!
//!     cargo run --release --example km_bench -- bench/out/synth-1000000.csv [REPS]
//!     valgrind --tool=callgrind --collect-atstart=no --toggle-collect='km_bench::step_*' \
//!         target/release/examples/km_bench bench/out/synth-50000.csv 1

use std::time::Instant;

use cohort::prepare::prepare;
use cohort::{AnalysisSpec, Table};

const KM: &str = r#"{"time":"time","event":{"column":"status","event":["1"],"censored":["0","2"]},"group":"group"}"#;
const CR: &str = r#"{"time":"time","event":{"column":"status","event":["1"],"competing":["2"]},"group":"group"}"#;

#[inline(never)]
fn step_prepare(table: &Table, spec: &AnalysisSpec) -> usize {
    prepare(table, spec, &mut Vec::new()).map(|p| p.rows.len()).unwrap_or(0)
}

#[inline(never)]
fn step_km_logrank(table: &Table, spec: &AnalysisSpec) -> usize {
    cohort::analyze(table, spec).map(|r| r.km.iter().map(|c| c.steps.len()).sum()).unwrap_or(0)
}

#[inline(never)]
fn step_cuminc_gray(table: &Table, spec: &AnalysisSpec) -> usize {
    cohort::analyze(table, spec).map(|r| r.cuminc.iter().map(|c| c.steps.len()).sum()).unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: km_bench FILE [REPS]");
        std::process::exit(2);
    };
    let reps: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let (table, km, cr) = match (
        cohort::read_table(&bytes, path, &Default::default()),
        AnalysisSpec::from_json(KM),
        AnalysisSpec::from_json(CR),
    ) {
        (Ok(t), Ok(k), Ok(c)) => (t, k, c),
        _ => {
            eprintln!("cannot read {path} or the specs");
            std::process::exit(1);
        }
    };
    let time = |f: &dyn Fn() -> usize| {
        let mut best = f64::INFINITY;
        let mut out = 0;
        for _ in 0..reps {
            let t0 = Instant::now();
            out = f();
            best = best.min(t0.elapsed().as_secs_f64() * 1e3);
        }
        (best, out)
    };
    let (p, n) = time(&|| step_prepare(&table, &km));
    let (k, s) = time(&|| step_km_logrank(&table, &km));
    let (c, s2) = time(&|| step_cuminc_gray(&table, &cr));
    println!("{} rows (best of {reps}): prepare {p:.1} ms ({n} rows); km_logrank {k:.1} ms ({s} steps); cuminc_gray {c:.1} ms ({s2} steps)", table.n_rows());
}
